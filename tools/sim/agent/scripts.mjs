// Scripted mock language model for the simulator's chat.agent.
//
// A script is chosen from the last user message text (a leading "/word") or
// from clientData.script. Each script returns LanguageModelV3 stream parts that
// MockLanguageModelV3 hands to the real AI SDK streamText inside the real
// chat.agent turn loop. Everything here is deterministic so tests can compute
// the expected text (see longText()).

import { simulateReadableStream } from "ai";

const USAGE = { inputTokens: { total: 10, noCache: 10 }, outputTokens: { total: 5, text: 5 } };

function finish(reason = "stop") {
  return { type: "finish", finishReason: { unified: reason, raw: reason }, usage: USAGE };
}

/** Text of the last user message in a LanguageModelV3 prompt. */
export function lastUserText(prompt) {
  for (let i = prompt.length - 1; i >= 0; i--) {
    const m = prompt[i];
    if (m.role !== "user") continue;
    if (typeof m.content === "string") return m.content;
    return m.content.filter((p) => p.type === "text").map((p) => p.text).join("");
  }
  return "";
}

/**
 * Where the model call stands in its turn: the user text that started the
 * turn, the tool results of the previous step (if this is a follow-up step),
 * and any user messages injected after them (pending-message steering).
 */
function turnContext(prompt) {
  let end = prompt.length;
  let k = end;
  while (k > 0 && prompt[k - 1].role === "user") k--;
  const injected = [];
  if (k < end && k > 0 && prompt[k - 1].role === "tool") {
    for (let i = k; i < end; i++) injected.push(lastUserText([prompt[i]]));
    end = k;
  }
  const last = prompt[end - 1];
  const toolResults = last && last.role === "tool" ? last.content.filter((p) => p.type === "tool-result") : null;
  return { userText: lastUserText(prompt.slice(0, end)), toolResults, injected };
}

/** Split text into word-ish deltas (keeps spaces). */
function words(text) {
  return text.match(/\S+\s*|\s+/g) ?? [text];
}

function textParts(id, deltas) {
  return [{ type: "text-start", id }, ...deltas.map((delta) => ({ type: "text-delta", id, delta })), { type: "text-end", id }];
}

// The /long alphabet: ASCII, 2-, 3- and 4-byte UTF-8 (a surrogate pair in JS),
// and every character JSON must escape (quote, backslash, control characters).
const LONG_PIECES = [
  "plain ", "caf\u00e9 ", "\u65e5\u672c\u8a9e ", "\ud83c\udf89 ", "\"quoted\" ", "back\\slash ",
  "new\nline ", "tab\there ", "ctl\u0001\u001f ", "</script> ", "\u00a0nbsp ", "\u2028ls ", "\u{1F600}",
];

/** The exact text /long N produces: N deltas. */
export function longDeltas(n) {
  const out = [];
  for (let i = 0; i < n; i++) out.push(`${i}:${LONG_PIECES[i % LONG_PIECES.length]}`);
  return out;
}
export function longText(n) {
  return longDeltas(n).join("");
}

export const DEFAULT_LONG = 3000;

/** Parse "/cmd rest" into {cmd, arg}. */
export function parseCommand(text) {
  const m = /^\/([a-z-]+)\s*(.*)$/s.exec(text.trim());
  return m ? { cmd: m[1], arg: m[2] } : { cmd: "echo", arg: text };
}

/** The reply text of the echo script (tests compare against it). */
export function echoReply(text, runIndex = 1) {
  return `You said: ${text}` + (runIndex > 1 ? ` [run ${runIndex}]` : "");
}

/**
 * Build the stream for one model call.
 * ctx: { prompt, clientData, runIndex }
 * Returns { chunks, delayMs } or throws (the errored-turn script).
 */
export function scriptFor({ prompt, clientData, runIndex }) {
  const { userText, toolResults, injected } = turnContext(prompt);
  const chosen = clientData && typeof clientData.script === "string" ? { cmd: clientData.script, arg: userText } : parseCommand(userText);
  const delay = Number(clientData?.delayMs ?? 0);

  switch (chosen.cmd) {
    case "long": {
      const n = Number.parseInt(chosen.arg, 10) > 0 ? Number.parseInt(chosen.arg, 10) : DEFAULT_LONG;
      return { chunks: [...textParts("t0", longDeltas(n)), finish()], delayMs: delay };
    }
    case "big": {
      // one text delta of longText(N): larger than a device's record buffer,
      // so it reaches trigchat in fragments
      const n = Number.parseInt(chosen.arg, 10) > 0 ? Number.parseInt(chosen.arg, 10) : 300;
      return { chunks: [...textParts("t0", [longText(n)]), finish()], delayMs: delay };
    }
    case "reason":
      return {
        chunks: [
          { type: "reasoning-start", id: "r0" },
          ...["Thinking ", "about ", "it\u2026"].map((delta) => ({ type: "reasoning-delta", id: "r0", delta })),
          { type: "reasoning-end", id: "r0" },
          ...textParts("t0", words("The answer is 42.")),
          finish(),
        ],
        delayMs: delay,
      };
    case "tool":
      if (toolResults) {
        const out = toolResults[0]?.output?.value ?? toolResults[0]?.output;
        const t = out && typeof out === "object" && "tempC" in out ? out.tempC : "?";
        return { chunks: [...textParts("t1", words(`It is ${t}\u00b0C in Paris.`)), finish()], delayMs: delay };
      }
      return {
        chunks: [
          { type: "tool-call", toolCallId: "call_weather_1", toolName: "getWeather", input: JSON.stringify({ city: "Paris" }) },
          finish("tool-calls"),
        ],
        delayMs: delay,
      };
    case "approve":
      if (toolResults) {
        const r = toolResults[0];
        const denied = r?.output?.type === "execution-denied" || r?.output?.type === "error-text";
        return { chunks: [...textParts("t1", words(denied ? "Okay, the email was not sent." : "The email was sent.")), finish()], delayMs: delay };
      }
      return {
        chunks: [
          { type: "tool-call", toolCallId: "call_email_1", toolName: "sendEmail", input: JSON.stringify({ to: "ada@example.com", subject: "hi" }) },
          finish("tool-calls"),
        ],
        delayMs: delay,
      };
    case "approve-two": {
      // Two sendEmail calls in one step, each needing approval. The follow-up
      // step says what the model got for each call: "sent", "denied", or
      // "missing" (no tool result for it in the prompt).
      const calls = ["call_email_1", "call_email_2"];
      if (toolResults) {
        const said = calls.map((id) => {
          const r = toolResults.find((x) => x.toolCallId === id);
          const denied = r?.output?.type === "execution-denied" || r?.output?.type === "error-text";
          return `${id}: ${!r ? "missing" : denied ? "denied" : "sent"}`;
        });
        return { chunks: [...textParts("t1", words(said.join("; ") + ".")), finish()], delayMs: delay };
      }
      return {
        chunks: [
          ...calls.map((toolCallId, i) => ({ type: "tool-call", toolCallId, toolName: "sendEmail", input: JSON.stringify({ to: i ? "bob@example.com" : "ada@example.com", subject: "hi" }) })),
          finish("tool-calls"),
        ],
        delayMs: delay,
      };
    }
    case "steer": {
      if (toolResults) {
        const msg = injected.length ? `Steered by: ${injected.join(" | ")}` : "No steering received.";
        return { chunks: [...textParts("t1", words(msg)), finish()], delayMs: delay };
      }
      return {
        chunks: [
          { type: "tool-call", toolCallId: "call_inspect_1", toolName: "inspect", input: JSON.stringify({ ms: Number.parseInt(chosen.arg, 10) || 1500 }) },
          finish("tool-calls"),
        ],
        delayMs: delay,
      };
    }
    case "slow": {
      const n = Number.parseInt(chosen.arg, 10) > 0 ? Number.parseInt(chosen.arg, 10) : 20;
      const deltas = Array.from({ length: n }, (_, i) => `tok${i} `);
      return { chunks: [...textParts("t0", deltas), finish()], delayMs: Number(clientData?.delayMs ?? 150) };
    }
    case "error":
      throw new Error("scripted model failure");
    case "count": {
      const users = prompt.filter((m) => m.role === "user").length;
      const assistants = prompt.filter((m) => m.role === "assistant").length;
      return { chunks: [...textParts("t0", words(`I see ${users} user and ${assistants} assistant messages.`)), finish()], delayMs: delay };
    }
    case "data":
    case "end":
    case "upgrade":
    case "close":
    case "echo":
    default: {
      const reply = chosen.cmd === "end" ? "Ending this run." : chosen.cmd === "close" ? "Closing this chat." : echoReply(userText, runIndex);
      return { chunks: [...textParts("t0", words(reply)), finish()], delayMs: delay };
    }
  }
}

/** doStream implementation for MockLanguageModelV3. */
export function makeDoStream(getCtx) {
  return async (options) => {
    const { chunks, delayMs } = scriptFor({ prompt: options.prompt, ...getCtx() });
    return {
      stream: simulateReadableStream({ chunks, initialDelayInMs: 0, chunkDelayInMs: delayMs }),
    };
  };
}

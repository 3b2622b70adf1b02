// The simulator's agent: a real chat.agent from @trigger.dev/sdk 4.8.3, whose
// language model is the scripted MockLanguageModelV3 of scripts.mjs.
// Import "@trigger.dev/sdk/ai/test" BEFORE this module (worker.mjs does).

import { chat } from "@trigger.dev/sdk/ai";
import { stepCountIs, tool } from "ai";
import { MockLanguageModelV3 } from "ai/test";
import { z } from "zod";
import { makeDoStream, lastUserText, parseCommand } from "./scripts.mjs";

/** Run index inside this worker (1 = first run; continuation runs count up). */
export const runState = { runIndex: 1, upgradedMessageIds: new Set() };

function lastUserMessage(messages) {
  for (let i = messages.length - 1; i >= 0; i--) if (messages[i].role === "user") return messages[i];
  return undefined;
}
function uiText(m) {
  return (m?.parts ?? []).filter((p) => p.type === "text").map((p) => p.text).join("");
}
function commandOf(uiMessages) {
  return parseCommand(uiText(lastUserMessage(uiMessages))).cmd;
}

const sleep = (ms, signal) =>
  new Promise((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => { clearTimeout(t); reject(new Error("aborted")); }, { once: true });
  });

export const simAgent = chat.agent({
  id: process.env.SIM_TASK_ID || "sim-agent",
  chatAccessTokenTTL: process.env.SIM_TOKEN_TTL || "1h",
  idleTimeoutInSeconds: 3600,
  maxTurns: Number(process.env.SIM_MAX_TURNS) || 100, // the SDK's default

  actionSchema: z.discriminatedUnion("type", [
    z.object({ type: z.literal("undo") }),
    z.object({ type: z.literal("reanswer") }),
  ]),
  onAction: async ({ action }) => {
    if (action.type === "undo") chat.history.slice(0, -2);
    if (action.type === "reanswer") return chat.turn();
  },
  pendingMessages: {
    shouldInject: ({ steps }) => steps.length > 0,
  },
  onTurnStart: async ({ uiMessages }) => {
    const last = lastUserMessage(uiMessages ?? []);
    if (last && commandOf(uiMessages) === "upgrade" && !runState.upgradedMessageIds.has(last.id)) {
      runState.upgradedMessageIds.add(last.id);
      chat.requestUpgrade();
    }
  },
  run: async ({ messages, uiMessages, clientData, signal, streamText }) => {
    const cmd = parseCommand(uiText(lastUserMessage(uiMessages ?? [])) || lastUserText(messages)).cmd;
    if (cmd === "data") {
      chat.response.write({ type: "data-progress", id: "p1", data: { percent: 50 }, transient: true });
      chat.response.write({ type: "data-note", id: "n1", data: { text: "a persisted note" } });
    }
    if (cmd === "end") chat.endRun();
    if (cmd === "crash") {
      // An uncaught exception outside the turn loop kills the worker (the run).
      setTimeout(() => { throw new Error("scripted crash"); }, 0);
      await new Promise(() => {});
    }
    if (cmd === "close") chat.close({ reason: "scripted close" });
    const model = new MockLanguageModelV3({
      doStream: makeDoStream(() => ({ clientData, runIndex: runState.runIndex })),
    });
    return streamText({
      model,
      messages,
      abortSignal: signal,
      stopWhen: stepCountIs(5),
      tools: {
        getWeather: tool({
          description: "Weather for a city",
          inputSchema: z.object({ city: z.string() }),
          execute: async ({ city }) => ({ city, tempC: 21 }),
        }),
        sendEmail: tool({
          description: "Send an email (needs the user's approval)",
          inputSchema: z.object({ to: z.string(), subject: z.string() }),
          needsApproval: true,
          execute: async ({ to }) => ({ sent: true, to }),
        }),
        inspect: tool({
          description: "Inspect a document slowly (leaves time to steer)",
          inputSchema: z.object({ ms: z.number() }),
          execute: async ({ ms }, { abortSignal }) => {
            await sleep(Math.min(ms, 10000), abortSignal);
            return { findings: "a chat application" };
          },
        }),
      },
    });
  },
});

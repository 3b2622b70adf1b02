// Two tool approvals in one assistant step (/approve-two: two sendEmail calls,
// each needsApproval). What the real chat.agent (4.8.3, behind the
// simulator) does with the answers, from the official client and from tchat:
//  - 4.8.3 with the AI SDK's Chat (addToolApprovalResponse +
//    sendAutomaticallyWhen: lastAssistantMessageIsCompleteWithApprovalResponses)
//    sends ONE submit once both are answered: the slim assistant message
//    carries both approval-responded parts (slimSubmitMessageForWire).
//  - one answer per append (what trigchat did before): see the tests below.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { readFileSync } from "node:fs";
import { startSim, chatId, tchat, turnTexts, deliveryProblems, summarize, ROOT, DEVICE_KEY, TASK } from "./lib.mjs";

const NM = path.join(ROOT, "tools", "sim", "node_modules");
const imp = (p) => import(pathToFileURL(path.join(NM, p)).href);
const { TriggerChatTransport } = await imp("@trigger.dev/sdk/dist/esm/v3/chat.js");
const { readUIMessageStream, generateId } = await imp("ai/dist/index.mjs");
const { Agent, setGlobalDispatcher } = await imp("undici/index.js");

let sim;
before(async () => {
  sim = await startSim();
  setGlobalDispatcher(new Agent({ connect: { ca: readFileSync(sim.ca) } }));
});
after(async () => {
  await sim?.stop();
});

function makeTransport() {
  return new TriggerChatTransport({
    task: TASK,
    baseURL: sim.url,
    accessToken: async ({ chatId: id }) => {
      const r = await fetch(`${sim.url}/chat/${encodeURIComponent(id)}/token`, { method: "POST", headers: { "x-device-key": DEVICE_KEY } });
      return r.text();
    },
    startSession: async ({ chatId: id, taskId, clientData }) => {
      const r = await fetch(`${sim.url}/chat/${encodeURIComponent(id)}/start`, {
        method: "POST",
        headers: { "x-device-key": DEVICE_KEY, "content-type": "application/json" },
        body: JSON.stringify({ taskId, clientData }),
      });
      return r.json();
    },
  });
}
const send = (tr, chat, messages, opts = {}) =>
  tr.sendMessages({ trigger: "submit-message", chatId: chat, messageId: undefined, abortSignal: undefined, messages, ...opts });
async function drain(stream) {
  const chunks = [];
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
  }
  return chunks;
}
const textOf = (chunks) => chunks.filter((c) => c.type === "text-delta").map((c) => c.delta).join("");
async function toMessage(chunks) {
  const stream = new ReadableStream({ start(c) { for (const x of chunks) c.enqueue(x); c.close(); } });
  let last;
  for await (const m of readUIMessageStream({ stream })) last = m;
  return last;
}
/** The assistant message with the tool parts whose approval ids are in `answers` answered. */
function answered(assistant, reqs, answers) {
  const m = structuredClone(assistant);
  for (const p of m.parts) {
    const r = reqs.find((x) => x.toolCallId === p.toolCallId);
    if (!r || !(r.approvalId in answers)) continue;
    p.state = "approval-responded";
    p.approval = { id: r.approvalId, approved: answers[r.approvalId] };
  }
  return m;
}
async function firstTurn(tr, chat) {
  const u = { id: generateId(), role: "user", parts: [{ type: "text", text: "/approve-two" }] };
  const c1 = await drain(await send(tr, chat, [u]));
  const reqs = c1.filter((c) => c.type === "tool-approval-request");
  assert.equal(reqs.length, 2, JSON.stringify(c1.map((c) => c.type)));
  return { u, reqs, assistant: await toMessage(c1) };
}

/** The .in body with ids renamed by first appearance and the chat id {chat}. */
function normal(body, chat) {
  const ids = new Map();
  const walk = (v) => {
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === "object") {
      const o = {};
      for (const [k, x] of Object.entries(v)) {
        if ((k === "id" || k === "messageId") && typeof x === "string") {
          if (!ids.has(x)) ids.set(x, `id${ids.size + 1}`);
          o[k] = ids.get(x);
        } else o[k] = walk(x);
      }
      return o;
    }
    return v === chat ? "{chat}" : v;
  };
  return walk(JSON.parse(body));
}
const ok = (r) => assert.equal(r.code, 0, `tchat exit ${r.code ?? r.signal}\n${summarize(r.events)}\nstderr: ${r.stderr}`);

// What the official client sends for "/approve, both": kept for tchat's check.
let jsBothApproved;

test("4.8.3: both answers in one submit, the agent gets both", { timeout: 60000 }, async () => {
  const tr = makeTransport();
  const chat = chatId("m2js");
  const { u, reqs, assistant } = await firstTurn(tr, chat);
  const both = answered(assistant, reqs, { [reqs[0].approvalId]: true, [reqs[1].approvalId]: true });
  const c2 = await drain(await send(tr, chat, [u, both], { messageId: assistant.id }));
  assert.equal(textOf(c2), "call_email_1: sent; call_email_2: sent.");
  const s = await sim.session(chat);
  assert.equal(s.in.length, 2);
  jsBothApproved = normal(s.in[1].body, chat);
  // slimSubmitMessageForWire: both advanced parts, nothing else
  assert.deepEqual(jsBothApproved.payload.message.parts.map((p) => [p.toolCallId, p.state, p.approval.approved]),
    [["call_email_1", "approval-responded", true], ["call_email_2", "approval-responded", true]]);
});

test("4.8.3 (why it matters): one answer per submit, the agent continues with the second call unanswered", { timeout: 60000 }, async () => {
  const tr = makeTransport();
  const chat = chatId("m2one");
  const { u, reqs, assistant } = await firstTurn(tr, chat);
  const one = answered(assistant, reqs, { [reqs[0].approvalId]: true });
  const c2 = await drain(await send(tr, chat, [u, one], { messageId: assistant.id }));
  assert.equal(textOf(c2), "call_email_1: sent; call_email_2: missing.");
  // the second answer comes too late: a turn with nothing to do
  const two = answered(assistant, reqs, { [reqs[1].approvalId]: true });
  const c3 = await drain(await send(tr, chat, [u, two], { messageId: assistant.id }));
  assert.equal(textOf(c3), "");
  assert.ok(!c3.some((c) => c.type === "tool-output-available"), JSON.stringify(c3.map((c) => c.type)));
});

test("tchat: /approve answers both approvals in one append, as 4.8.3", { timeout: 60000 }, async () => {
  const chat = chatId("m2c");
  const r = await tchat(sim, chat, ["//approve-two", "/approve"]);
  ok(r);
  assert.deepEqual(deliveryProblems(r.events), []);
  assert.equal(r.events.filter((e) => e.chunk === "tool-approval-request").length, 2);
  assert.deepEqual(turnTexts(r.events), ["", "call_email_1: sent; call_email_2: sent."]);
  const s = await sim.session(chat);
  assert.equal(s.in.length, 2, "one append for both answers");
  assert.ok(jsBothApproved, "the 4.8.3 case ran first");
  assert.deepEqual(normal(s.in[1].body, chat), jsBothApproved);
});

test("tchat: /deny denies both in one append", { timeout: 60000 }, async () => {
  const chat = chatId("m2d");
  const r = await tchat(sim, chat, ["//approve-two", "/deny"]);
  ok(r);
  assert.deepEqual(turnTexts(r.events), ["", "call_email_1: denied; call_email_2: denied."]);
  const s = await sim.session(chat);
  assert.equal(s.in.length, 2);
  assert.deepEqual(normal(s.in[1].body, chat).payload.message.parts.map((p) => p.approval.reason), ["denied in tchat", "denied in tchat"]);
});

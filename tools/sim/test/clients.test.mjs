// The official clients of @trigger.dev/sdk 4.8.3 (AgentChat, TriggerChatTransport),
// unmodified, against the simulator. Each test uses its own chat id.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { configure } from "@trigger.dev/sdk";
import { AgentChat, TriggerChatTransport } from "@trigger.dev/sdk/chat";
import { readUIMessageStream } from "ai";
import { startSim, admin, fault, append, drain, textOf, userMsg, until, SECRET, DEVICE_KEY, TASK } from "./helpers.mjs";
import { longText, echoReply } from "../agent/scripts.mjs";

let sim;
let n = 0;
const cid = (name) => `${name}-${process.pid}-${++n}`;

before(async () => {
  sim = await startSim(["--ping-ms", "1000"]);
  configure({ baseURL: sim.url, accessToken: SECRET });
});
after(async () => {
  await sim?.stop();
});

/** A transport wired to the simulator's customer backend, counting callbacks. */
function makeTransport(extra = {}) {
  const calls = { token: 0, start: 0 };
  const transport = new TriggerChatTransport({
    task: TASK,
    baseURL: sim.url,
    accessToken: async ({ chatId }) => {
      calls.token++;
      const r = await fetch(`${sim.url}/chat/${encodeURIComponent(chatId)}/token`, { method: "POST", headers: { "x-device-key": DEVICE_KEY } });
      assert.equal(r.status, 200);
      return r.text();
    },
    startSession: async ({ chatId, taskId, clientData }) => {
      calls.start++;
      const r = await fetch(`${sim.url}/chat/${encodeURIComponent(chatId)}/start`, {
        method: "POST",
        headers: { "x-device-key": DEVICE_KEY, "content-type": "application/json" },
        body: JSON.stringify({ taskId, clientData }),
      });
      assert.equal(r.status, 200);
      return r.json();
    },
    ...extra,
  });
  return { transport, calls };
}
const send = (transport, chatId, messages, opts = {}) =>
  transport.sendMessages({ trigger: "submit-message", chatId, messageId: undefined, abortSignal: undefined, messages, ...opts });

async function toMessage(chunks) {
  const stream = new ReadableStream({ start(c) { for (const x of chunks) c.enqueue(x); c.close(); } });
  let last;
  for await (const m of readUIMessageStream({ stream })) last = m;
  return last;
}

test("AgentChat: multi-turn, action (undo), close", async () => {
  const id = cid("ac");
  const seen = [];
  const chat = new AgentChat({ agent: TASK, id, onTurnComplete: (e) => seen.push(e.lastEventId) });
  assert.equal(await (await chat.sendMessage("hello")).text(), echoReply("hello"));
  assert.equal(await (await chat.sendMessage("second")).text(), echoReply("second"));
  assert.equal(seen.length, 2);
  assert.ok(Number(seen[1]) > Number(seen[0]), "lastEventId advances");
  await chat.sendAction({ type: "undo" });
  await chat.close();
  const s = await admin(sim, `/admin/sessions/${id}`);
  assert.equal(s.in.length, 4);
});

test("AgentChat: stop mid-turn, next turn streams in full", async () => {
  const id = cid("acstop");
  const chat = new AgentChat({ agent: TASK, id });
  const st = await chat.sendMessage("/slow 40");
  const text = st.text();
  await until(async () => (await admin(sim, `/admin/sessions/${id}`)).out.length > 4, 10000, "first deltas");
  await chat.stop();
  const partial = await text;
  assert.ok(partial.startsWith("tok0 "), `partial: ${partial}`);
  assert.ok(!partial.includes("tok39"), "stopped before the end");
  assert.equal(await (await chat.sendMessage("after stop")).text(), echoReply("after stop"));
  await chat.close();
});

test("transport: multi-turn via the customer backend; PAT rolls over on turn-complete", async () => {
  const id = cid("tr");
  const { transport, calls } = makeTransport();
  const c1 = await drain(await send(transport, id, [userMsg("hello")]));
  assert.deepEqual(c1.map((c) => c.type).slice(0, 3), ["start", "start-step", "text-start"]);
  assert.equal(c1.at(-1).type, "finish");
  assert.equal(textOf(c1), echoReply("hello"));
  const pat1 = transport.getSession(id).publicAccessToken;
  const c2 = await drain(await send(transport, id, [userMsg("hello"), userMsg("again")]));
  assert.equal(textOf(c2), echoReply("again"));
  const st = transport.getSession(id);
  assert.notEqual(st.publicAccessToken, undefined);
  assert.equal(st.isStreaming, false);
  assert.equal(calls.start, 1);
  assert.equal(calls.token, 0);
  assert.ok(pat1);
});

test("transport: long answer (3000 deltas, multi-byte UTF-8, JSON escapes) arrives intact", async () => {
  const id = cid("long");
  const { transport } = makeTransport();
  const chunks = await drain(await send(transport, id, [userMsg("/long 3000")]));
  assert.equal(chunks.filter((c) => c.type === "text-delta").length, 3000);
  assert.equal(textOf(chunks), longText(3000));
});

test("transport: reasoning, tool call with output, data parts, errored turn", async () => {
  const id = cid("kinds");
  const { transport } = makeTransport();
  const r = await drain(await send(transport, id, [userMsg("/reason")]));
  assert.ok(r.some((c) => c.type === "reasoning-delta"));
  assert.equal(textOf(r), "The answer is 42.");
  const t = await drain(await send(transport, id, [userMsg("/tool")]));
  const out = t.find((c) => c.type === "tool-output-available");
  assert.deepEqual(out.output, { city: "Paris", tempC: 21 });
  assert.equal(textOf(t), "It is 21\u00b0C in Paris.");
  const d = await drain(await send(transport, id, [userMsg("/data")]));
  assert.ok(d.some((c) => c.type === "data-progress" && c.transient === true));
  assert.ok(d.some((c) => c.type === "data-note"));
  const e = await drain(await send(transport, id, [userMsg("/error")]));
  assert.ok(e.some((c) => c.type === "error"), JSON.stringify(e));
  const after = await drain(await send(transport, id, [userMsg("fine")]));
  assert.equal(textOf(after), echoReply("fine"));
});

test("transport: tool approval round trip (slim approval message continues the turn)", async () => {
  const id = cid("appr");
  const { transport } = makeTransport();
  const u = userMsg("/approve");
  const c1 = await drain(await send(transport, id, [u]));
  const req = c1.find((c) => c.type === "tool-approval-request");
  assert.ok(req, JSON.stringify(c1.map((c) => c.type)));
  assert.equal(c1.find((c) => c.type === "finish")?.finishReason, "tool-calls");
  const assistant = await toMessage(c1);
  const part = assistant.parts.find((p) => p.type === "tool-sendEmail");
  assert.equal(part.state, "approval-requested");
  part.state = "approval-responded";
  part.approval = { id: req.approvalId, approved: true };
  const c2 = await drain(await send(transport, id, [u, assistant], { messageId: assistant.id }));
  assert.ok(c2.some((c) => c.type === "tool-output-available"), JSON.stringify(c2.map((c) => c.type)));
  assert.equal(textOf(c2), "The email was sent.");
});

test("transport: actions (void undo with onSettled, reanswer, invalid), regenerate, denied approval", async () => {
  const id = cid("act");
  const { transport } = makeTransport();
  const u1 = userMsg("first");
  const a1 = await drain(await send(transport, id, [u1]));
  const asst = await toMessage(a1);
  const r = await drain(await transport.sendAction(id, { type: "reanswer" }));
  assert.equal(textOf(r), echoReply("first"), "reanswer runs a turn on the history");
  let settled = null;
  const v = await drain(await transport.sendAction(id, { type: "undo" }, { onSettled: (e) => (settled = e) }));
  assert.equal(v.length, 0, "a void action streams only its turn-complete");
  assert.ok(settled && Number(settled.sessionInEventId) >= settled.inputSeq, JSON.stringify(settled));
  const bad = await drain(await transport.sendAction(id, { type: "bogus" }));
  assert.ok(bad.some((c) => c.type === "error"), JSON.stringify(bad));
  const g = await drain(await send(transport, id, [u1, asst], { trigger: "regenerate-message", messageId: asst.id }));
  assert.ok(g.some((c) => c.type === "text-delta"), "regenerate streams an answer");
  // approval denied
  const u = userMsg("/approve");
  const c1 = await drain(await send(transport, id, [u]));
  const req = c1.find((c) => c.type === "tool-approval-request");
  const m = await toMessage(c1);
  const part = m.parts.find((p) => p.type === "tool-sendEmail");
  part.state = "approval-responded";
  part.approval = { id: req.approvalId, approved: false, reason: "User denied" };
  const c2 = await drain(await send(transport, id, [u, m], { messageId: m.id }));
  assert.ok(c2.some((c) => c.type === "tool-output-denied"), JSON.stringify(c2.map((c) => c.type)));
  assert.equal(textOf(c2), "Okay, the email was not sent.");
});

test("transport: stop mid-turn, the next send skips the stopped tail", async () => {
  const id = cid("trstop");
  const { transport } = makeTransport();
  const ac = new AbortController();
  const got = await drain(await send(transport, id, [userMsg("/slow 40")], { abortSignal: ac.signal }), (c, all) => {
    if (all.filter((x) => x.type === "text-delta").length === 2) ac.abort();
  }).catch((e) => e);
  assert.ok(Array.isArray(got) || got.name === "AbortError", String(got));
  await transport.stopGeneration(id);
  const next = await drain(await send(transport, id, [userMsg("next")]));
  assert.equal(textOf(next), echoReply("next"));
});

test("transport: resume after a dropped connection, no duplicates", async () => {
  const id = cid("drop");
  const { transport } = makeTransport();
  await fault(sim, `drop-records=5,session=${id}`);
  const chunks = await drain(await send(transport, id, [userMsg("/long 200")]));
  assert.equal(textOf(chunks), longText(200));
  assert.equal(chunks.filter((c) => c.type === "start").length, 1);
  assert.ok(sim.log.some((l) => l.includes(`${id}: dropped after 5 records`)));
});

test("transport: error event, [DONE] mid-turn and 503 on .out are all retried", async () => {
  const id = cid("errev");
  const { transport } = makeTransport();
  await fault(sim, `error-event,after=3,session=${id}`);
  const a = await drain(await send(transport, id, [userMsg("/long 100")]));
  assert.equal(textOf(a), longText(100));
  await fault(sim, `done-after=4,session=${id}`);
  const b = await drain(await send(transport, id, [userMsg("/long 50")]));
  assert.equal(textOf(b), longText(50));
  await fault(sim, `status=503,on=out,session=${id}`);
  const c = await drain(await send(transport, id, [userMsg("after 503")]));
  assert.equal(textOf(c), echoReply("after 503"));
});

test("transport: 401 on append and on .out refresh the PAT once through the backend", async () => {
  const id = cid("auth");
  const { transport, calls } = makeTransport();
  await drain(await send(transport, id, [userMsg("one")]));
  await fault(sim, `status=401,on=in,session=${id}`);
  const b = await drain(await send(transport, id, [userMsg("two")]));
  assert.equal(textOf(b), echoReply("two"));
  assert.equal(calls.token, 1);
  await fault(sim, `status=403,on=out,session=${id}`);
  const c = await drain(await send(transport, id, [userMsg("three")]));
  assert.equal(textOf(c), echoReply("three"));
  assert.equal(calls.token, 2);
  const s = await admin(sim, `/admin/sessions/${id}`);
  assert.equal(s.in.length, 3, "the retried append was stored once");
});

test("transport: expire-tokens fault: the next append gets 401, one refresh fixes it", async () => {
  // Own chat: two tokens minted in the same second with the same claims are
  // the same string, so a refresh must not collide with an earlier refresh.
  const id = cid("expire");
  const { transport, calls } = makeTransport();
  await drain(await send(transport, id, [userMsg("one")]));
  await fault(sim, `expire-tokens,session=${id}`);
  const d = await drain(await send(transport, id, [userMsg("two")]));
  assert.equal(textOf(d), echoReply("two"));
  assert.equal(calls.token, 1);
  assert.ok(sim.log.some((l) => l.includes("fault expire-tokens")));
});

test("transport: 404 on append re-runs startSession", async () => {
  const id = cid("stale");
  const { transport, calls } = makeTransport();
  await drain(await send(transport, id, [userMsg("one")]));
  await fault(sim, `status=404,on=in,session=${id}`);
  const b = await drain(await send(transport, id, [userMsg("two")]));
  // The client dropped its cursor (§6.3), so it re-reads the stream from the
  // start and also shows the earlier turn's chunks: that is 4.8.3 behaviour.
  assert.ok(textOf(b).endsWith(echoReply("two")), textOf(b));
  assert.equal(calls.start, 2);
});

test("transport: settled reconnect closes fast with X-Peek-Settled", async () => {
  const id = cid("settle");
  const { transport } = makeTransport();
  await drain(await send(transport, id, [userMsg("one")]));
  const st = transport.getSession(id);
  const { transport: t2 } = makeTransport({ sessions: { [id]: { publicAccessToken: st.publicAccessToken, lastEventId: st.lastEventId } } });
  const t0 = Date.now();
  const stream = await t2.reconnectToStream({ chatId: id });
  const chunks = stream ? await drain(stream) : [];
  assert.equal(chunks.length, 0);
  // Without the settled answer the read would long-poll for Timeout-Seconds (120 s).
  assert.ok(Date.now() - t0 < 3000, `took ${Date.now() - t0} ms`);
});

test("transport: pending message is injected between tool steps", async () => {
  const id = cid("steer");
  const { transport } = makeTransport();
  let sent = null;
  const chunks = await drain(await send(transport, id, [userMsg("/steer 1500")]), (c) => {
    if (c.type === "tool-input-available" && !sent) sent = transport.sendPendingMessage(id, userMsg("answer in French"));
  });
  await sent;
  assert.ok(chunks.some((c) => c.type === "data-pending-message-injected"), JSON.stringify(chunks.map((c) => c.type)));
  assert.equal(textOf(chunks), "Steered by: answer in French");
});

test("transport: endRun, then a continuation run on the same PAT and cursor", async () => {
  const id = cid("cont");
  const { transport, calls } = makeTransport();
  const a = await drain(await send(transport, id, [userMsg("/end")]));
  assert.equal(textOf(a), "Ending this run.");
  // No wait for the run to exit: the next send races it, as a real client does.
  const b = await drain(await send(transport, id, [userMsg("next")]));
  assert.equal(textOf(b), echoReply("next", 2));
  // the continuation run booted from the previous run's transcript snapshot
  const c = await drain(await send(transport, id, [userMsg("/count")]));
  assert.equal(textOf(c), "I see 3 user and 2 assistant messages.");
  const s = await admin(sim, `/admin/sessions/${id}`);
  assert.equal(s.runs.length, 2);
  assert.equal(s.runs[1].reason, "continuation");
  assert.equal(calls.start, 1);
});

test("transport: requestUpgrade hands the message to a successor run on the same stream", async () => {
  const id = cid("upg");
  const { transport } = makeTransport();
  const a = await drain(await send(transport, id, [userMsg("/upgrade please")]));
  assert.equal(textOf(a), echoReply("/upgrade please", 2));
  const s = await admin(sim, `/admin/sessions/${id}`);
  assert.equal(s.runs.length, 2);
  assert.ok(s.out.some((r) => r.headers?.some(([k, v]) => k === "trigger-control" && v === "upgrade-required")));
});

test("transport: requestUpgrade with a parked successor writes pending-version; the turn still completes", async () => {
  const id = cid("pend");
  const { transport } = makeTransport();
  const events = [];
  transport.setOnEvent?.((e) => events.push(e.type ?? e.event ?? e));
  await fault(sim, `pending-version,session=${id}`);
  const a = await drain(await send(transport, id, [userMsg("/upgrade wait")]));
  assert.equal(textOf(a), echoReply("/upgrade wait", 2));
  const s = await admin(sim, `/admin/sessions/${id}`);
  assert.ok(s.out.some((r) => r.headers?.some(([k, v]) => k === "trigger-control" && v === "pending-version")));
});

test("transport: a crashed run ends the turn with an error; the next message gets a new run", async () => {
  const id = cid("crash");
  const { transport } = makeTransport();
  const a = await drain(await send(transport, id, [userMsg("/crash")]));
  assert.ok(a.some((c) => c.type === "error" && /scripted crash/.test(c.errorText)), JSON.stringify(a));
  const b = await drain(await send(transport, id, [userMsg("after crash")]));
  assert.equal(textOf(b), echoReply("after crash", 2));
});

test("transport: chat.close() closes the session; the client sees it and appends get 409", async () => {
  const id = cid("close");
  const { transport } = makeTransport();
  const a = await drain(await send(transport, id, [userMsg("/close")]));
  assert.ok(Array.isArray(a));
  await until(() => transport.getSession(id)?.closed === true, 5000, "closed state");
  assert.equal(transport.getSession(id).closedReason, "scripted close");
  await assert.rejects(send(transport, id, [userMsg("more")]));
  const r = await append(sim, id, { kind: "message", payload: { chatId: id, trigger: "submit-message", message: userMsg("x") } });
  assert.equal(r.status, 409);
  assert.deepEqual(r.json, { ok: false, error: "Cannot append to a closed session", code: "session_closed", closedReason: "scripted close" });
});

// Conversation scenarios: multi-turn, tool approval, an action, an errored
// turn, a settled reconnect, closed sessions (protocol.md §8: 1, 2, 21-25, 32,
// 33, 38).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { startSim, chatId, tchat, runTchat, turnTexts, deliveryProblems, summarize, echoReply, isDelta } from "./lib.mjs";

let sim;
before(async () => {
  sim = await startSim();
});
after(async () => {
  await sim?.stop();
});

const ok = (r) => assert.equal(r.code, 0, `tchat exit ${r.code ?? r.signal}\n${summarize(r.events)}\nstderr: ${r.stderr}`);

test("multi-turn: three turns, exact answers, the cursor carries over", { timeout: 60000 }, async () => {
  const chat = chatId("multi");
  const r = await tchat(sim, chat, ["hello there", "//reason Why resume?", "//count"]);
  ok(r);
  assert.deepEqual(deliveryProblems(r.events), []);
  assert.deepEqual(turnTexts(r.events), [echoReply("hello there"), "The answer is 42.", "I see 3 user and 2 assistant messages."]);
  const tcs = r.events.filter((e) => e.type === "turn-complete");
  assert.deepEqual(tcs.map((e) => e.inputSeq), [0, 1, 2]);
  // §8.1/2: the first GET has no cursor, each later one the previous turn-complete's seq
  const conns = r.events.filter((e) => e.type === "stream-connected");
  assert.equal(conns.length, 3, summarize(r.events));
  assert.equal(conns[0].cursor, undefined);
  assert.equal(conns[1].cursor, tcs[0].seq);
  assert.equal(conns[2].cursor, tcs[1].seq);
  const s = await sim.session(chat);
  assert.equal(s.in.length, 3, "one .in record per message");
});

test("tool approval round trip: approval request, /approve, the tool runs", { timeout: 60000 }, async () => {
  const chat = chatId("approve");
  const r = await tchat(sim, chat, ["//approve Email Ada", "/approve"]);
  ok(r);
  assert.deepEqual(deliveryProblems(r.events), []);
  const req = r.events.find((e) => e.chunk === "tool-approval-request");
  assert.ok(req?.approvalId, "a tool-approval-request with an approvalId");
  const tcs = r.events.filter((e) => e.type === "turn-complete");
  assert.equal(tcs.length, 2);
  const second = r.events.slice(r.events.indexOf(tcs[0]) + 1);
  assert.ok(second.some((e) => e.chunk === "tool-output-available"), "turn 2 carries the tool output");
  assert.deepEqual(turnTexts(r.events), ["", "The email was sent."]);
  const start = r.events.find((e) => e.chunk === "start");
  const s = await sim.session(chat);
  assert.equal(s.in.length, 2);
  // §4.4: the approval is the slim assistant message with the same id as start.messageId
  assert.match(JSON.stringify(s.in[1]), new RegExp(start.messageId));
  assert.match(JSON.stringify(s.in[1]), /approval-responded/);
});

test("action /undo: a void turn (turn-complete only), the history loses the last exchange", { timeout: 60000 }, async () => {
  const chat = chatId("undo");
  const r = await tchat(sim, chat, ["hello", "/undo", "//count"]);
  ok(r);
  assert.deepEqual(deliveryProblems(r.events), []);
  const tcs = r.events.filter((e) => e.type === "turn-complete");
  assert.equal(tcs.length, 3);
  const undoTurn = r.events.slice(r.events.indexOf(tcs[0]) + 1, r.events.indexOf(tcs[1]));
  assert.equal(undoTurn.filter((e) => e.type === "chunk").length, 0, `no chunk in a void action's turn: ${summarize(undoTurn)}`);
  assert.deepEqual(turnTexts(r.events), [echoReply("hello"), "", "I see 1 user and 0 assistant messages."]);
});

test("errored turn: an error chunk ends the turn, the next message works", { timeout: 60000 }, async () => {
  const chat = chatId("error");
  const r = await tchat(sim, chat, ["//error", "after the error"]);
  const err = r.events.find((e) => e.chunk === "error");
  assert.ok(err?.errorText, `an error chunk: ${summarize(r.events)}`);
  assert.deepEqual(turnTexts(r.events), ["", echoReply("after the error")]);
  assert.deepEqual(deliveryProblems(r.events), []);
  // tchat's exit code after a turn the agent reported as failed: 6 (exitcodes.h)
  const t = await tchat(sim, chatId("error-text"), ["//error"], { json: false });
  assert.equal(t.code, 6, `text mode: exit ${t.code} ${t.stderr}`);
});

// FINDINGS #3 (fixed in c34dc75): --json used to exit 0 here.
test("errored turn with --json: exit 6 like the text mode", { timeout: 60000 }, async () => {
  const r = await tchat(sim, chatId("error-json"), ["//error"]);
  assert.ok(r.events.some((e) => e.chunk === "error"), summarize(r.events));
  assert.equal(r.code, 6, `exit ${r.code}`);
});

test("settled reconnect: restarting idle with --state makes no request or a settled peek, exits 0 at once", { timeout: 60000 }, async () => {
  const chat = chatId("settled");
  const state = path.join(sim.dir, `${chat}.img`);
  ok(await tchat(sim, chat, ["hello"], { state }));
  const before = sim.requests(chat).length;
  const r = await tchat(sim, chat, [], { state });
  ok(r);
  assert.ok(r.ms < 3000, `exited after ${r.ms} ms`);
  const made = sim.requests(chat).slice(before);
  assert.ok(made.length === 0 || (made.length === 1 && made[0] === `GET /realtime/v1/sessions/${chat}/out`), `requests: ${made}`);
  if (made.length) assert.ok(sim.logFor(chat).some((l) => / settled$/.test(l)), "the GET was answered settled");
  assert.equal(r.events.filter((e) => e.type === "chunk").length, 0);
});

test("closed session (close fault mid-turn): exit 5, no reconnect; a later send fails with no request", { timeout: 60000 }, async () => {
  const chat = chatId("closed");
  const state = path.join(sim.dir, `${chat}.img`);
  const run = runTchat(sim, chat, ["//slow 20"], { state });
  await run.waitFor((ev) => ev.filter(isDelta).length >= 2, 20000, "two deltas");
  await sim.fault("close=e2e-closed", chat);
  const r = await run.exited;
  assert.equal(r.code, 5, `exit ${r.code}: ${summarize(r.events)}`);
  assert.ok(r.events.some((e) => e.type === "session-closed"), "a session-closed event");
  assert.ok(r.events.some((e) => e.type === "session-changed" && e.closed === true), "the closed state was persisted");
  const n = sim.requests(chat).length;
  const r2 = await tchat(sim, chat, ["are you there?"], { state });
  assert.equal(r2.code, 5, `exit ${r2.code}: ${summarize(r2.events)} ${r2.stderr}`);
  assert.deepEqual(sim.requests(chat).slice(n), [], "no request for a closed session");
});

test("closed session (the agent closes on turn-complete): the turn ends, the next send fails locally", { timeout: 60000 }, async () => {
  const chat = chatId("close-script");
  const run = runTchat(sim, chat, ["//close", "hello again"]);
  const r = await run.exited;
  assert.equal(r.code, 5, `exit ${r.code}: ${summarize(r.events)}`);
  // the agent closes in onTurnStart: the turn is only its turn-complete (session-closed headers)
  assert.equal(r.events.filter((e) => e.type === "turn-complete").length, 1);
  assert.ok(r.events.some((e) => e.type === "session-closed" && e.reason === "scripted close"));
  const s = await sim.session(chat);
  assert.equal(s.in.length, 1, "the second message was never appended");
  assert.equal(sim.requests(chat).filter((l) => l.includes("/in/append")).length, 1);
});

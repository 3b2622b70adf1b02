// More conformance scenarios end to end: stop (Ctrl-C), 404 repair, closed
// session on append, refused refresh, continuation and upgrade runs, trimmed
// cursors, kills at random points and while reconnecting, repeated drops.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { startSim, chatId, tchat, runTchat, turnTexts, printed, deliveryProblems, summarize, slowText, echoReply, longText, deltaCount, isDelta, prng } from "./lib.mjs";

let sim;
before(async () => {
  sim = await startSim();
});
after(async () => {
  await sim?.stop();
});

function why(r, chat) {
  return `exit ${r.code ?? r.signal}\n${summarize(r.events)}\nstderr: ${r.stderr}\nrequests: ${sim.requests(chat).join(" | ")}\nsim: ${sim
    .logFor(chat).filter((l) => !/^sim: (GET|POST) \//.test(l)).slice(-10).join("\n")}`;
}
const appends = (chat) => sim.requests(chat).filter((l) => l.endsWith("/in/append")).length;

// FINDINGS #1 (fixed in c34dc75): the next MESSAGE used to fail with TC_ERR_BUSY.
test("Ctrl-C mid-answer stops the turn (§8.29): the next message's answer is exact, no leftover of the stopped turn", { timeout: 60000 }, async () => {
  const chat = chatId("stop");
  const run = runTchat(sim, chat, ["//slow 20", "after the stop"]);
  await run.waitFor((ev) => deltaCount(ev) >= 3, 20000, "3 deltas");
  run.kill("SIGINT");
  const r = await run.exited;
  const w = why(r, chat);
  assert.equal(r.code, 0, w);
  assert.deepEqual(deliveryProblems(r.events), [], w);
  const texts = turnTexts(r.events);
  // turn 1 was cut short: a prefix of the answer; turn 2 exact
  const tc = r.events.filter((e) => e.type === "turn-complete");
  assert.equal(tc.length, 1, `only the second turn completes for the user: ${w}`);
  const p = printed(r.events);
  const second = echoReply("after the stop");
  assert.ok(p.endsWith(second), w);
  const first = p.slice(0, p.length - second.length);
  assert.ok(slowText(20).startsWith(first) && first.length < slowText(20).length, `the stopped turn printed a strict prefix: ${JSON.stringify(first)} ${w}`);
  assert.equal(texts.length, 1, w);
  const s = await sim.session(chat);
  assert.ok(s.in.some((rec) => JSON.parse(rec.body).kind === "stop"), `a stop record was appended: ${w}`);
});

// FINDINGS #2 (fixed in c34dc75): tchat used to exit before the stop was answered.
test("Ctrl-C on the last MESSAGE: the stop completes before exit; a restart makes no request", { timeout: 60000 }, async () => {
  const chat = chatId("stoplast");
  const state = path.join(sim.dir, `${chat}.img`);
  const run = runTchat(sim, chat, ["//slow 20"], { state });
  await run.waitFor((ev) => deltaCount(ev) >= 3, 20000, "3 deltas");
  run.kill("SIGINT");
  const r1 = await run.exited;
  assert.equal(r1.code, 0, why(r1, chat));
  // after the last delta in event order (not by timestamp: both may fall in
  // the same millisecond, one step, which failed this test once)
  const lastDelta = r1.events.findLastIndex(isDelta);
  assert.ok(r1.events.some((e, i) => i > lastDelta && e.type === "session-changed" && e.streaming === 0),
    `the stop cleared isStreaming before exit: ${why(r1, chat)}`);
  const n = sim.requests(chat).length;
  const r2 = await tchat(sim, chat, [], { state });
  assert.equal(r2.code, 0, why(r2, chat));
  assert.deepEqual(sim.requests(chat).slice(n), [], `no request after a completed stop (§6.8 fast path): ${why(r2, chat)}`);
});

test("404 on the append (§8.20): the session is started again and the message retried once", { timeout: 60000 }, async () => {
  const chat = chatId("404in");
  const state = path.join(sim.dir, `${chat}.img`);
  const r1 = await tchat(sim, chat, ["first"], { state });
  assert.equal(r1.code, 0, why(r1, chat));
  await sim.fault("status=404,on=in", chat);
  const starts = sim.requests(chat).filter((l) => l.endsWith("/start")).length;
  const r = await tchat(sim, chat, ["second"], { state });
  const w = why(r, chat);
  assert.equal(r.code, 0, w);
  assert.equal(sim.requests(chat).filter((l) => l.endsWith("/start")).length, starts + 1, `one new start: ${w}`);
  assert.deepEqual(deliveryProblems(r.events), [], w);
  assert.equal((await sim.session(chat)).in.length, 2, `the retried message is stored once: ${w}`);
  // The cursor was dropped (§6.3): the next GET starts at 0. A real 404 means a
  // new session with an empty .out; the simulator's status=404 keeps the old one,
  // so "first"'s chunks come again (its turn-complete is skipped by correlation,
  // §6.5, as in 4.8.3) before the exact answer to "second".
  assert.equal(sim.outGets(chat).at(-1).from, 0, w);
  assert.equal(r.events.filter((e) => e.type === "turn-complete").length, 1, w);
  assert.ok(printed(r.events).endsWith(echoReply("second")), w);
});

test("closed between runs (§8.21): the next append gets 409, exit 5; a later run makes no request", { timeout: 60000 }, async () => {
  const chat = chatId("closed409");
  const state = path.join(sim.dir, `${chat}.img`);
  assert.equal((await tchat(sim, chat, ["hello"], { state })).code, 0);
  await sim.fault("close=budget", chat);
  const r = await tchat(sim, chat, ["still there?"], { state });
  const w = why(r, chat);
  assert.equal(r.code, 5, w);
  const n = sim.requests(chat).length;
  assert.equal((await tchat(sim, chat, ["and now?"], { state })).code, 5);
  assert.deepEqual(sim.requests(chat).slice(n), [], `no request once closed: ${w}`);
});

test("refresh refused: 401 on the append and the token URL answers 401 -> exit 4 (auth)", { timeout: 60000 }, async () => {
  const chat = chatId("refused");
  const state = path.join(sim.dir, `${chat}.img`);
  assert.equal((await tchat(sim, chat, ["hello"], { state })).code, 0);
  await sim.fault("status=401,on=in", chat);
  await sim.fault("status=401,on=token", chat);
  const r = await tchat(sim, chat, ["again"], { state, timeoutS: 20 });
  const w = why(r, chat);
  assert.equal(r.code, 4, w);
  assert.ok(r.events.some((e) => e.type === "auth-failed" || e.type === "message-send-failed"), w);
});

test("endRun then a continuation run (§8.35): same URL and cursor, history kept", { timeout: 60000 }, async () => {
  const chat = chatId("endrun");
  const r = await tchat(sim, chat, ["//end", "hello again", "//count"]);
  const w = why(r, chat);
  assert.equal(r.code, 0, w);
  assert.deepEqual(deliveryProblems(r.events), [], w);
  assert.deepEqual(turnTexts(r.events), ["Ending this run.", echoReply("hello again", 2), "I see 3 user and 2 assistant messages."], w);
});

test("requestUpgrade mid-stream (§8.36): the successor run answers on the same connection", { timeout: 60000 }, async () => {
  const chat = chatId("upgrade");
  const r = await tchat(sim, chat, ["//upgrade please"]);
  const w = why(r, chat);
  assert.equal(r.code, 0, w);
  assert.deepEqual(deliveryProblems(r.events), [], w);
  assert.deepEqual(turnTexts(r.events), [echoReply("/upgrade please", 2)], w);
});

test("aggressive trim, then a restart mid-turn (§8.39): the clamped cursor still gives the exact answer", { timeout: 60000 }, async () => {
  const chat = chatId("trim");
  const state = path.join(sim.dir, `${chat}.img`);
  assert.equal((await tchat(sim, chat, ["one", "two"], { state })).code, 0);
  await sim.fault("trim", chat);
  const run1 = runTchat(sim, chat, ["//slow 16"], { state });
  await run1.waitFor((ev) => deltaCount(ev) >= 4, 20000, "4 deltas");
  run1.kill("SIGTERM");
  const r1 = await run1.exited;
  const r2 = await tchat(sim, chat, ["three"], { state });
  const w = `${why(r1, chat)}\n--- run 2: ${why(r2, chat)}`;
  assert.equal(r2.code, 0, w);
  assert.equal(printed(r1.events) + turnTexts(r2.events)[0], slowText(16), w);
  assert.deepEqual(turnTexts(r2.events).slice(1), [echoReply("three")], w);
});

test("SIGKILL at 4 random points of a long answer, each restarted: never lost text", { timeout: 90000 }, async () => {
  const rnd = prng(0x51c);
  for (let i = 0; i < 4; i++) {
    const at = 1 + Math.floor(rnd() * 250);
    const chat = chatId(`kill${at}`);
    const state = path.join(sim.dir, `${chat}.img`);
    const run1 = runTchat(sim, chat, ["//long 300"], { state });
    await run1.waitFor((ev) => deltaCount(ev) >= at, 20000, `${at} deltas`);
    run1.kill("SIGKILL");
    const r1 = await run1.exited;
    const r2 = await tchat(sim, chat, [], { state });
    const w = `kill after ${at} deltas\n${why(r1, chat)}\n--- run 2: ${why(r2, chat)}`;
    assert.equal(r2.code, 0, w);
    const answer = longText(300);
    const p1 = printed(r1.events);
    const p2 = printed(r2.events);
    assert.ok(answer.startsWith(p1) && answer.endsWith(p2) && p1.length + p2.length >= answer.length, w);
    assert.deepEqual(deliveryProblems(r2.events), [], w);
  }
});

test("SIGTERM while waiting to reconnect after a drop: the restart completes the answer exactly", { timeout: 60000 }, async () => {
  const chat = chatId("term-backoff");
  const state = path.join(sim.dir, `${chat}.img`);
  await sim.fault("drop-records=8", chat);
  const run1 = runTchat(sim, chat, ["//slow 12"], { state });
  // records 0-2 are start/start-step/text-start: 8 records = 5 deltas, then the cut
  await run1.waitFor((ev) => deltaCount(ev) >= 5, 20000, "5 deltas");
  await new Promise((r) => setTimeout(r, 100)); // inside the 0.5-1 s reconnect delay
  run1.kill("SIGTERM");
  const r1 = await run1.exited;
  const r2 = await tchat(sim, chat, [], { state });
  const w = `${why(r1, chat)}\n--- run 2: ${why(r2, chat)}`;
  assert.equal(r2.code, 0, w);
  assert.equal(printed(r1.events) + printed(r2.events), slowText(12), w);
});

test("restart after the answer finished while tchat was down: the rest is printed once, exit 0", { timeout: 60000 }, async () => {
  const chat = chatId("late");
  const state = path.join(sim.dir, `${chat}.img`);
  const run1 = runTchat(sim, chat, ["//slow 10"], { state });
  await run1.waitFor((ev) => deltaCount(ev) >= 2, 20000, "2 deltas");
  run1.kill("SIGTERM");
  const r1 = await run1.exited;
  // wait until the agent finished the turn on the server
  for (let i = 0; i < 100; i++) {
    const s = await sim.session(chat);
    if (JSON.stringify(s.out ?? s).includes("turn-complete")) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const r2 = await tchat(sim, chat, [], { state });
  const w = `${why(r1, chat)}\n--- run 2: ${why(r2, chat)}`;
  assert.equal(r2.code, 0, w);
  assert.equal(printed(r1.events) + printed(r2.events), slowText(10), w);
});

test("a drop every 2500 bytes (drop-bytes count=0) through a whole answer", { timeout: 90000 }, async () => {
  const chat = chatId("dropforever");
  await sim.fault("drop-bytes=2500,count=0", chat);
  const r = await tchat(sim, chat, ["//long 60"], { timeoutS: 80 });
  const w = why(r, chat);
  assert.equal(r.code, 0, w);
  assert.deepEqual(deliveryProblems(r.events), [], w);
  assert.deepEqual(turnTexts(r.events), [longText(60)], w);
  assert.ok(sim.outGets(chat).length >= 3, w);
});

test("tiny segments and a drop together (split=7 + drop-bytes=1500): exact answer", { timeout: 60000 }, async () => {
  const chat = chatId("splitdrop");
  await sim.fault("split=7,gap=0", chat);
  await sim.fault("drop-bytes=1500", chat);
  const r = await tchat(sim, chat, ["//long 20"]);
  const w = why(r, chat);
  assert.equal(r.code, 0, w);
  assert.deepEqual(deliveryProblems(r.events), [], w);
  assert.deepEqual(turnTexts(r.events), [longText(20)], w);
});

test("--watch: a second device sees another device's turns exactly", { timeout: 60000 }, async () => {
  const chat = chatId("watch");
  const sa = path.join(sim.dir, `${chat}-a.img`);
  const sb = path.join(sim.dir, `${chat}-b.img`);
  assert.equal((await tchat(sim, chat, ["hello"], { state: sa })).code, 0);
  assert.equal((await tchat(sim, chat, ["hello b"], { state: sb })).code, 0); // b gets a session of its own
  const watcher = runTchat(sim, chat, [], { state: sb, extra: ["--watch"] });
  await watcher.waitFor((ev) => ev.some((e) => e.type === "stream-connected"), 20000, "the watcher connected");
  const r = await tchat(sim, chat, ["while watched", "//long 30"], { state: sa });
  assert.equal(r.code, 0, why(r, chat));
  await watcher.waitFor((ev) => ev.filter((e) => e.type === "turn-complete").length >= 2, 20000, "two turns seen");
  watcher.kill("SIGTERM");
  const rw = await watcher.exited;
  const w = why(rw, chat);
  assert.deepEqual(deliveryProblems(rw.events), [], w);
  assert.deepEqual(turnTexts(rw.events), [echoReply("while watched"), longText(30)], w);
});

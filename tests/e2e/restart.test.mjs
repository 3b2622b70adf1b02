// tchat killed mid-answer and started again with its --state (a flash image):
// the answer continues with no lost text, and no repeated text after a clean
// stop (SIGTERM); after SIGKILL only what was shown since the last checkpoint
// (tchat checkpoints every second) may repeat. Also the stall timer (§8.8),
// through tchat --stall-ms.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { startSim, chatId, tchat, runTchat, turnTexts, printed, deliveryProblems, summarize, slowText, echoReply, deltaCount } from "./lib.mjs";

let sim;
before(async () => {
  sim = await startSim();
});
after(async () => {
  await sim?.stop();
});

const N = 30; // "/slow 30": 30 deltas 150 ms apart (~4.5 s)

/** Run 1 until `deltas` deltas were shown, then `signal`; run 2 resumes from the state. */
async function killAndResume(name, signal, deltas) {
  const chat = chatId(name);
  const state = path.join(sim.dir, `${chat}.img`);
  const run1 = runTchat(sim, chat, [`//slow ${N}`], { state });
  await run1.waitFor((ev) => deltaCount(ev) >= deltas, 20000, `${deltas} deltas`);
  run1.kill(signal);
  const r1 = await run1.exited;
  const r2 = await tchat(sim, chat, [], { state });
  const w = `run 1 (${signal}): exit ${r1.code ?? r1.signal}\n${summarize(r1.events)}\nrun 2: exit ${r2.code ?? r2.signal}\n${summarize(r2.events)}\nstderr: ${r2.stderr}`;
  assert.equal(r2.code, 0, w);
  assert.deepEqual(deliveryProblems(r1.events), [], w);
  assert.deepEqual(deliveryProblems(r2.events), [], w);
  assert.equal(r2.events.filter((e) => e.type === "turn-complete").length, 1, `run 2 finishes the turn: ${w}`);
  return { r1, r2, w, chat };
}

test("SIGTERM mid-answer, restart with --state: the two runs print exactly the answer", { timeout: 60000 }, async () => {
  const { r1, r2, w } = await killAndResume("sigterm", "SIGTERM", 8);
  assert.equal(r1.code, 130, w);
  assert.equal(printed(r1.events) + printed(r2.events), slowText(N), w);
  // the resumed turn replays from its start; everything run 1 showed is marked replayed
  const shown1 = Math.max(...r1.events.filter((e) => e.type === "chunk").map((e) => e.seq));
  for (const e of r2.events.filter((x) => x.type === "chunk")) assert.equal(!!e.replayed, e.seq <= shown1, `seq ${e.seq}: ${w}`);
});

test("SIGKILL mid-answer, restart: no lost text; repeats only what was shown after the last checkpoint", { timeout: 60000 }, async () => {
  const { r1, r2, w } = await killAndResume("sigkill", "SIGKILL", 14); // ~2 s in: at least one checkpoint
  assert.equal(r1.signal, "SIGKILL", w);
  const answer = slowText(N);
  const p1 = printed(r1.events);
  const p2 = printed(r2.events);
  assert.ok(answer.startsWith(p1), `run 1 printed a prefix: ${w}`);
  assert.ok(answer.endsWith(p2), `run 2 printed a suffix: ${w}`);
  assert.ok(p1.length + p2.length >= answer.length, `no lost text: ${w}`);
  // The last checkpoint run 1 wrote (a session-changed line) held the delivered
  // mark = the highest seq shown before it; run 2 must mark all of those replayed.
  let mark = -1;
  let top = -1;
  for (const e of r1.events) {
    if (e.type === "chunk") top = Math.max(top, e.seq);
    if (e.type === "session-changed" && e.streaming === 1) mark = top;
  }
  assert.ok(mark >= 0, `run 1 wrote a checkpoint after a chunk: ${w}`);
  const shown1 = new Set(r1.events.filter((e) => e.type === "chunk").map((e) => e.seq));
  const repeated = [];
  for (const e of r2.events.filter((x) => x.type === "chunk")) {
    if (e.seq <= mark) assert.ok(e.replayed, `seq ${e.seq} (<= checkpoint ${mark}) must be marked replayed: ${w}`);
    if (!e.replayed && shown1.has(e.seq)) repeated.push(e.seq);
  }
  for (const s of repeated) assert.ok(s > mark, `repeated seq ${s} was shown before the last checkpoint ${mark}: ${w}`);
});

test("stall (pings only) on the first .out GET: --stall-ms 1500 reconnects, exact answer", { timeout: 60000 }, async () => {
  const chat = chatId("stall");
  await sim.fault("stall", chat);
  const r = await tchat(sim, chat, ["are you stuck?"], { extra: ["--stall-ms", "1500"] });
  const w = `exit ${r.code}: ${summarize(r.events)}\n${r.stderr}\n${sim.logFor(chat).slice(-10).join("\n")}`;
  assert.equal(r.code, 0, w);
  assert.deepEqual(turnTexts(r.events), [echoReply("are you stuck?")], w);
  assert.deepEqual(deliveryProblems(r.events), [], w);
  assert.deepEqual(sim.outGets(chat).map((g) => g.from), [0, 0], `one stalled GET, one reconnect with the same cursor: ${w}`);
});

test("stall forever: more than 5 stalls end the stream (TC_ERR_STALLED)", { timeout: 90000 }, async () => {
  const chat = chatId("stall-forever");
  await sim.fault("stall,count=0", chat);
  const r = await tchat(sim, chat, ["anyone?"], { extra: ["--stall-ms", "400"], timeoutS: 60 });
  const w = `exit ${r.code}: ${summarize(r.events)}\n${r.stderr}`;
  const err = r.events.find((e) => e.type === "stream-error");
  assert.equal(err?.error, "TC_ERR_STALLED", w);
  assert.notEqual(r.code, 0, w);
  assert.equal(sim.outGets(chat).length, 6, `the first GET and 5 stall retries: ${w}`);
});

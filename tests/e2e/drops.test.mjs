// The .out connection breaks mid-answer; the client resumes from its cursor and
// the answer arrives exactly once (protocol.md §6.2, §8: 3, 4, 7).
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { startSim, chatId, tchat, turnTexts, deliveryProblems, summarize, longText, echoReply, prng } from "./lib.mjs";

let sim;
before(async () => {
  sim = await startSim();
});
after(async () => {
  await sim?.stop();
});

const LONG = 400; // /long 400: ~50 KB of SSE body, 400 deltas through every escape
const BIG = 2000; // //big 2000: one text delta of ~25 KB
const SEED = 0x7c0de; // fixed: the same offsets every run
const DROPS = 12;

/** Runs one fresh chat with `faults` armed and checks the exact answer. */
async function exact(name, message, expected, faults, { minConnects = 2, timeoutS = 40 } = {}) {
  const chat = chatId(name);
  for (const f of faults) await sim.fault(f, chat);
  const r = await tchat(sim, chat, [message], { timeoutS });
  const why = `${faults.join(" ")}: exit ${r.code ?? r.signal}\n${summarize(r.events)}\nstderr: ${r.stderr}\nsim: ${sim.logFor(chat).filter((l) => !/^sim: (GET|POST) /.test(l)).slice(-8).join("\n")}`;
  assert.equal(r.code, 0, why);
  assert.deepEqual(deliveryProblems(r.events), [], why);
  const texts = turnTexts(r.events);
  assert.equal(texts.length, 1, why);
  assert.equal(texts[0], expected, why);
  // tchat reports one stream-connected per subscription; the reconnects are in the simulator's log
  const gets = sim.outGets(chat);
  assert.ok(gets.length >= minConnects, `expected a reconnect (${gets.length} GET .out): ${why}`);
  return { r, chat };
}

describe("drop-bytes at random offsets during a long answer", { concurrency: 2 }, () => {
  const rnd = prng(SEED);
  const offsets = Array.from({ length: DROPS }, () => 1 + Math.floor(rnd() * 30000));
  for (const n of offsets) {
    test(`drop-bytes=${n}`, { timeout: 60000 }, async () => {
      const { chat } = await exact(`dropb${n}`, `//long ${LONG}`, longText(LONG), [`drop-bytes=${n}`]);
      assert.ok(sim.logFor(chat).some((l) => l.includes(`dropped after ${n} bytes`)), "the simulator cut the connection");
    });
  }
});

// One text delta of ~25 KB (//big 2000): larger than tchat's record buffer, it
// arrives in fragments (issue 2, item 6), all of it new text; with drops in
// the middle of the record it is replayed from its start on the next
// connection and reassembles exactly.
test("a text delta larger than the record buffer arrives whole, in fragments", { timeout: 60000 }, async () => {
  const chat = chatId("big");
  const r = await tchat(sim, chat, [`//big ${BIG}`]);
  const why = `exit ${r.code ?? r.signal}\n${summarize(r.events)}\nstderr: ${r.stderr}`;
  assert.equal(r.code, 0, why);
  assert.deepEqual(deliveryProblems(r.events), [], why);
  assert.deepEqual(turnTexts(r.events), [longText(BIG)], why);
  const frags = r.events.filter((e) => e.type === "chunk" && e.fragmentMore !== undefined);
  assert.ok(frags.length > 10 && frags.at(-1).fragmentMore === false, why);
});

test("drops in the middle of a fragmented delta: it is replayed whole, exactly once", { timeout: 60000 }, async () => {
  await exact("bigdrop", `//big ${BIG}`, longText(BIG), ["drop-bytes=6000,count=2"], { minConnects: 3 });
});

test("drop after 3 records (§8.3) on a short answer", { timeout: 60000 }, async () => {
  const { chat } = await exact("dropr3", "resume me please", echoReply("resume me please"), ["drop-records=3"]);
  assert.deepEqual(sim.outGets(chat).map((g) => g.from), [0, 3]);
});

test("drop after 150 records, twice, during a long answer", { timeout: 60000 }, async () => {
  const { chat } = await exact("dropr150", `//long ${LONG}`, longText(LONG), ["drop-records=150,count=2"], { minConnects: 3 });
  // each reconnect carries Last-Event-ID = the last record received (a fresh chat's seqs start at 0)
  assert.deepEqual(sim.outGets(chat).map((g) => g.from), [0, 150, 300]);
});

test("error event mid-turn (§8.7): resume from the cursor", { timeout: 60000 }, async () => {
  await exact("errev", `//long ${LONG}`, longText(LONG), ["error-event=simulated failure,after=100"]);
});

test("a batch that is not JSON mid-turn: reported as stream-decode-error, resume from the cursor", { timeout: 60000 }, async () => {
  const { r, chat } = await exact("badbatch", `//long ${LONG}`, longText(LONG), ["bad-batch,after=100"]);
  assert.ok(sim.logFor(chat).some((l) => l.includes("bad batch after 100 records")), "the simulator sent the bad batch");
  const bad = r.events.filter((e) => e.type === "stream-decode-error");
  assert.equal(bad.length, 1, summarize(r.events));
  assert.equal(bad[0].error, "TC_ERR_JSON_SYNTAX", JSON.stringify(bad[0]));
});

test("[DONE] mid-turn (§8.4): resubscribe, exact answer", { timeout: 60000 }, async () => {
  await exact("doneafter", `//long ${LONG}`, longText(LONG), ["done-after=120"]);
});

test("TLS record cut mid-record: reconnect, exact answer", { timeout: 60000 }, async () => {
  const { chat } = await exact("tlscut", `//long ${LONG}`, longText(LONG), ["tls-cut,after=80"]);
  assert.ok(sim.logFor(chat).some((l) => l.includes("cutting the next TLS record")), "the simulator cut a TLS record");
});

test("split=1: every .out body byte in its own write, for two whole turns", { timeout: 60000 }, async () => {
  const chat = chatId("split1");
  await sim.fault("split=1,gap=0,count=0", chat);
  const r = await tchat(sim, chat, ["tiny segments", "//long 13"], { timeoutS: 40 });
  assert.equal(r.code, 0, summarize(r.events));
  assert.deepEqual(deliveryProblems(r.events), []);
  assert.deepEqual(turnTexts(r.events), [echoReply("tiny segments"), longText(13)]);
});

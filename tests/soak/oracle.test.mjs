// The soak's oracle (oracle.mjs) on made-up runs: it must pass what the
// library documents and catch a lost chunk, a repeated one, a repeat that the
// last checkpoint should have prevented, a message twice on the server.
import { test } from "node:test";
import assert from "node:assert/strict";
import { oracle } from "./oracle.mjs";

const M = [
  { arg: "//slow 4 #0", answers: ["tok0 tok1 tok2 tok3 "] },
  { arg: "hello #1", answers: ["You said: hello #1", "You said: hello #1 [run 2]"] },
];
const server = (texts) => ({
  in: texts.map((t, i) => ({ seq_num: i, body: JSON.stringify({ kind: "message", payload: { message: { role: "user", parts: [{ type: "text", text: t }] } } }) })),
  outNext: 99,
});
const both = server(["/slow 4 #0", "hello #1"]);

// events
const sent = (inputSeq) => ({ type: "message-sent", inputSeq });
const d = (seq, delta, replayed) => ({ type: "chunk", chunk: "text-delta", seq, delta, ...(replayed ? { replayed: true } : {}) });
const ckpt = (activeInputSeq) => ({ type: "session-changed", streaming: 1, activeInputSeq });
const done = (seq) => ({ type: "turn-complete", seq });
const turn0 = [sent(0), ckpt(0), d(1, "tok0 "), d(2, "tok1 "), d(3, "tok2 "), d(4, "tok3 "), done(5)];
const turn1 = [sent(1), ckpt(1), d(7, "You "), d(8, "said: "), d(9, "hello "), d(10, "#1"), done(11)];
const run = (n, first, batch, events, killed = false) => ({ n, first, batch, events, killed, exit: killed ? "SIGKILL" : 0 });

test("one clean run of two turns passes", () => {
  const v = oracle([run(0, 0, [M[0].arg, M[1].arg], [...turn0, ...turn1])], M, 2, both);
  assert.deepEqual(v.problems, []);
  assert.equal(v.stats.turns, 2);
});

test("a lost chunk is caught", () => {
  const ev = turn0.filter((e) => e.seq !== 3);
  const v = oracle([run(0, 0, [M[0].arg], ev)], M.slice(0, 1), 1, server(["/slow 4 #0"]));
  assert.ok(v.problems.some((p) => /incomplete|does not continue/.test(p)), v.problems.join("\n"));
});

test("a chunk shown twice in one run is caught", () => {
  const ev = [...turn0.slice(0, 4), d(2, "tok1 "), ...turn0.slice(4)];
  const v = oracle([run(0, 0, [M[0].arg], ev)], M.slice(0, 1), 1, server(["/slow 4 #0"]));
  assert.ok(v.problems.length > 0);
});

test("a power cut: the next run may repeat what was shown after the last checkpoint", () => {
  // run 0: tok0 tok1 shown, checkpoint, tok2 shown, SIGKILL
  const r0 = run(0, 0, [M[0].arg], [sent(0), ckpt(0), d(1, "tok0 "), d(2, "tok1 "), ckpt(0), d(3, "tok2 ")], true);
  // run 1 replays from the turn's start: 1, 2 marked replayed, 3 shown again (past the checkpoint)
  const r1 = run(1, 1, [], [d(1, "tok0 ", true), d(2, "tok1 ", true), d(3, "tok2 "), d(4, "tok3 "), done(5)]);
  const v = oracle([r0, r1], M.slice(0, 1), 1, server(["/slow 4 #0"]));
  assert.deepEqual(v.problems, []);
  assert.equal(v.stats.repeatsAllowed, 1);
});

test("a power cut: repeating what was shown before the last checkpoint is caught", () => {
  const r0 = run(0, 0, [M[0].arg], [sent(0), ckpt(0), d(1, "tok0 "), d(2, "tok1 "), ckpt(0), d(3, "tok2 ")], true);
  const r1 = run(1, 1, [], [d(1, "tok0 ", true), d(2, "tok1 "), d(3, "tok2 "), d(4, "tok3 "), done(5)]);
  const v = oracle([r0, r1], M.slice(0, 1), 1, server(["/slow 4 #0"]));
  assert.ok(v.problems.some((p) => /seq 2 shown again/.test(p)), v.problems.join("\n"));
});

test("after a clean exit nothing may repeat", () => {
  const r0 = { ...run(0, 0, [M[0].arg], [sent(0), ckpt(0), d(1, "tok0 "), d(2, "tok1 ")]), exit: 3 };
  const r1 = run(1, 1, [], [d(1, "tok0 ", true), d(2, "tok1 "), d(3, "tok2 "), d(4, "tok3 "), done(5)]);
  const v = oracle([r0, r1], M.slice(0, 1), 1, server(["/slow 4 #0"]));
  assert.ok(v.problems.length > 0);
});

test("a message twice (or never) on the server is caught", () => {
  const rr = [run(0, 0, [M[0].arg, M[1].arg], [...turn0, ...turn1])];
  assert.ok(oracle(rr, M, 2, server(["/slow 4 #0", "hello #1", "hello #1"])).problems.some((p) => /2 times/.test(p)));
  assert.ok(oracle(rr, M, 2, server(["/slow 4 #0"])).problems.some((p) => /0 times/.test(p)));
});

test("a turn the stream gave up on may end early; one that just stops may not", () => {
  const cut = [sent(0), ckpt(0), d(1, "tok0 "), d(2, "tok1 ")];
  const ok = oracle([{ ...run(0, 0, [M[0].arg], [...cut, { type: "stream-error", error: "TC_ERR_AUTH" }]), exit: 4 }], M.slice(0, 1), 1, server(["/slow 4 #0"]));
  assert.deepEqual(ok.problems, []);
  assert.equal(ok.stats.truncatedByTerminalError, 1);
  const bad = oracle([run(0, 0, [M[0].arg], cut)], M.slice(0, 1), 1, server(["/slow 4 #0"]));
  assert.ok(bad.problems.some((p) => /never completed/.test(p)));
});

test("the echo may name its run", () => {
  const ev = [...turn0, sent(1), d(7, "You "), d(8, "said: "), d(9, "hello "), d(10, "#1 "), d(11, "[run "), d(12, "2]"), done(13)];
  assert.deepEqual(oracle([run(0, 0, [M[0].arg, M[1].arg], ev)], M, 2, both).problems, []);
});

test("two power cuts in a row: the checkpoint is where the second run's text landed (seed 7001, message #222)", () => {
  const m = [{ arg: "//slow 6 #0", answers: ["tok0 tok1 tok2 tok3 tok4 tok5 "] }];
  const sv = server(["/slow 6 #0"]);
  // run 0: no checkpoint after its text: everything may come again
  const r0 = run(0, 0, [m[0].arg], [sent(0), ckpt(0), d(1, "tok0 "), d(2, "tok1 ")], true);
  // run 1 resumes: shows 1..3 again (allowed), checkpoints after 3, shows 4, power cut
  const r1 = run(1, 1, [], [d(1, "tok0 "), d(2, "tok1 "), d(3, "tok2 "), ckpt(0), d(4, "tok3 ")], true);
  // run 2: 1..3 replayed, 4 again (past the checkpoint), the rest
  const r2 = run(2, 1, [], [d(1, "tok0 ", true), d(2, "tok1 ", true), d(3, "tok2 ", true), d(4, "tok3 "), d(5, "tok4 "), d(6, "tok5 "), done(7)]);
  const v = oracle([r0, r1, r2], m, 1, sv);
  assert.deepEqual(v.problems, []);
  // ...but not 3 again: it was shown before run 1's checkpoint
  const r2bad = run(2, 1, [], [d(1, "tok0 ", true), d(2, "tok1 ", true), d(3, "tok2 "), d(4, "tok3 "), d(5, "tok4 "), d(6, "tok5 "), done(7)]);
  assert.ok(oracle([r0, r1, r2bad], m, 1, sv).problems.length > 0);
});

test("the rest of an answer whose stream gave up may open the next turn's text; anything else may not", () => {
  const sv = both;
  const r0 = { ...run(0, 0, [M[0].arg, M[1].arg], [sent(0), ckpt(0), d(1, "tok0 "), { type: "stream-error", error: "TC_ERR_AUTH" }]), exit: 4 };
  const ok = run(1, 1, [M[1].arg], [sent(1), d(2, "tok1 "), d(3, "tok2 "), d(4, "tok3 "), d(7, "You "), d(8, "said: "), d(9, "hello "), d(10, "#1"), done(11)]);
  const v = oracle([r0, ok], M, 2, sv);
  assert.deepEqual(v.problems, []);
  assert.equal(v.stats.restAfterError, 1);
  const bad = run(1, 1, [M[1].arg], [sent(1), d(2, "tok0 "), d(3, "tok2 "), d(4, "tok3 "), d(7, "You "), d(8, "said: "), d(9, "hello "), d(10, "#1"), done(11)]);
  assert.ok(oracle([r0, bad], M, 2, sv).problems.length > 0);
});

test("a chunk marked late comes only in a run whose stream gave up before it", () => {
  const sv = both;
  const late = (seq, delta) => ({ ...d(seq, delta), late: true });
  // the same run: its stream gave up, the next message's read starts with the rest (marked late)
  const r0 = run(0, 0, [M[0].arg, M[1].arg], [sent(0), ckpt(0), d(1, "tok0 "), { type: "stream-error", error: "TC_ERR_STALLED" },
    sent(1), late(2, "tok1 "), late(3, "tok2 "), late(4, "tok3 "), d(7, "You "), d(8, "said: "), d(9, "hello "), d(10, "#1"), done(11)]);
  const v = oracle([r0], M, 2, sv);
  assert.deepEqual(v.problems, []);
  assert.equal(v.stats.lateChunks, 3);
  assert.equal(v.texts[0].shown, "tok0 tok1 tok2 tok3 "); // the late rest belongs to message 0
  assert.equal(v.texts[1].shown, "You said: hello #1");
  // marked late with no stream that gave up
  const bad = run(0, 0, [M[0].arg], [sent(0), ckpt(0), late(1, "tok0 "), d(2, "tok1 "), d(3, "tok2 "), d(4, "tok3 "), done(5)]);
  assert.ok(oracle([bad], M, 1, sv).problems.some((p) => p.includes("marked late")));
});

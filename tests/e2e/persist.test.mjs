// The session record across a clean stop (SIGTERM: tc_chat_deinit) in the
// middle of one long text delta (~25 KB, delivered in fragments): the record
// keeps how much of it was shown, so the restarted tchat prints only the rest
// (what run 1 showed comes again marked replayed).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { startSim, chatId, runTchat, tchat, printed, deliveryProblems, summarize, longText, deltaCount } from "./lib.mjs";

let sim;
before(async () => {
  sim = await startSim();
});
after(async () => {
  await sim?.stop();
});

const BIG = 2000; // //big 2000: one text delta of ~25 KB

test("SIGTERM in the middle of a long delta, restart with --state: the two runs print exactly the answer", { timeout: 60000 }, async () => {
  const chat = chatId("bigterm");
  const state = path.join(sim.dir, `${chat}.img`);
  await sim.fault("drop-bytes=9000", chat); // the connection breaks inside the record
  const run1 = runTchat(sim, chat, [`//big ${BIG}`], { state });
  await run1.waitFor((ev) => deltaCount(ev) >= 1, 20000, "a fragment of the delta");
  await new Promise((r) => setTimeout(r, 150)); // inside the 0.5-1 s reconnect delay
  run1.kill("SIGTERM");
  const r1 = await run1.exited;
  const r2 = await tchat(sim, chat, [], { state });
  const w = `run 1: exit ${r1.code ?? r1.signal}\n${summarize(r1.events)}\nrun 2: exit ${r2.code ?? r2.signal}\n${summarize(r2.events)}\nstderr: ${r2.stderr}`;
  assert.equal(r2.code, 0, w);
  const p1 = printed(r1.events);
  const answer = longText(BIG);
  assert.ok(p1.length > 0 && p1.length < answer.length, `run 1 showed part of the delta: ${w}`);
  assert.equal(p1 + printed(r2.events), answer, w);
  assert.deepEqual(deliveryProblems(r2.events), [], w);
  // what run 1 showed comes again in run 2, marked replayed, before the rest
  const again = r2.events.filter((e) => e.type === "chunk" && e.chunk === "text-delta" && e.replayed).map((e) => e.delta).join("");
  assert.ok(again.endsWith(p1), w);
});

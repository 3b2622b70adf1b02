// Runs that end by themselves (the agent's maxTurns) with a message already
// delivered to them: found by the chaos soak (tests/soak), where the 101st
// message of a conversation, sent right after the 100th turn-complete, stayed
// unanswered until the next message came (the run had taken it while exiting).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startSim, admin, createSession, append, msgChunk, until } from "./helpers.mjs";
import { echoReply } from "../agent/scripts.mjs";

let sim;
let n = 0;
const cid = (name) => `${name}-${process.pid}-${++n}`;
const isTc = (r) => r.headers?.some(([k, v]) => k === "trigger-control" && v === "turn-complete");
const texts = (s) => s.out.filter((x) => x.body && !x.headers).map((x) => JSON.parse(x.body).data)
  .filter((c) => c.type === "text-delta").map((c) => c.delta).join("");

before(async () => {
  sim = await startSim(["--no-backend", "--max-turns", "1"]);
});
after(async () => {
  await sim?.stop();
});

test("--max-turns 1: a message that reached the run during its last turn is answered by a continuation run", async () => {
  const id = cid("maxturns");
  await createSession(sim, id);
  const a = await append(sim, id, msgChunk(id, "/slow 6"));
  assert.equal(a.status, 200);
  // while the run's only turn streams (6 deltas 150 ms apart), the next message arrives
  await until(async () => texts(await admin(sim, `/admin/sessions/${id}`)).length > 0, 15000, "turn 1 streaming");
  const b = await append(sim, id, msgChunk(id, "queued"));
  assert.equal(b.status, 200);
  const s = await until(async () => {
    const x = await admin(sim, `/admin/sessions/${id}`);
    return x.out.filter(isTc).length === 2 ? x : null;
  }, 15000, "the second turn (no further append comes)");
  assert.ok(texts(s).endsWith(echoReply("queued", 2)), texts(s));
  assert.equal(s.runs.length, 2);
  assert.equal(s.runs[1].reason, "continuation");
});

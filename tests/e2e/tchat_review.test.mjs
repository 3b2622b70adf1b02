// tchat's own edges (review): a --decode path that cannot be read, and a
// --state image that can no longer be written (a full disk, here a file size
// limit of 0 with SIGXFSZ ignored): tchat says so instead of staying silent.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import path from "node:path";
import { startSim, chatId, tchat, summarize, echoReply, turnTexts, TCHAT } from "./lib.mjs";

let sim;
before(async () => {
  sim = await startSim();
});
after(async () => {
  await sim?.stop();
});

test("--decode of a directory is an error, not an empty capture", () => {
  const r = spawnSync(TCHAT, ["--decode", sim.dir], { encoding: "utf8" });
  assert.equal(r.status, 2, `exit ${r.status}: ${r.stderr}`);
  assert.match(r.stderr, /cannot read/);
});

// exec tchat with no room left for any write beyond offset 0 of any file
const NO_ROOM = ["bash", "-c", "trap '' XFSZ; ulimit -f 0; exec \"$@\"", "no-room"];

test("--state that cannot be written: the session event carries the error, the status line says it once", { timeout: 60000 }, async () => {
  const chat = chatId("noroom");
  const state = path.join(sim.dir, `${chat}.img`);
  const r1 = await tchat(sim, chat, ["first"], { state }); // creates the image
  assert.equal(r1.code, 0, `run 1: exit ${r1.code ?? r1.signal}\n${r1.stderr}`);
  const r2 = await tchat(sim, chat, ["second"], { state, wrap: NO_ROOM });
  const w = `run 2: exit ${r2.code ?? r2.signal}\n${summarize(r2.events)}\nstderr: ${r2.stderr}`;
  assert.equal(r2.code, 0, w); // the chat itself works
  assert.deepEqual(turnTexts(r2.events), [echoReply("second")], w);
  const changed = r2.events.filter((e) => e.type === "session-changed");
  assert.ok(changed.length > 0 && changed.every((e) => e.error === "TC_ERR_KV_IO"), w);
  const r3 = await tchat(sim, chat, ["third"], { state, wrap: NO_ROOM, json: false });
  assert.equal(r3.code, 0, `run 3: exit ${r3.code ?? r3.signal}\n${r3.stderr}`);
  assert.equal(r3.stderr.split("could not save the session").length - 1, 1, r3.stderr);
});

test("--json: a failure that ends tchat is a fatal line on stdout, not silence", { timeout: 60000 }, async () => {
  const chat = chatId("jsonfatal");
  const r = await tchat(sim, chat, [], { extra: ["--watch"] }); // nothing to watch: no stored session
  const w = `exit ${r.code ?? r.signal}\n${summarize(r.events)}\nstderr: ${r.stderr}`;
  assert.notEqual(r.code, 0, w);
  const fatal = r.events.filter((e) => e.type === "fatal");
  assert.equal(fatal.length, 1, w);
  assert.match(fatal[0].error, /^TC_ERR_/, w);
  assert.equal(typeof fatal[0].what, "string", w);
  assert.equal(fatal[0].exit, r.code, w);
});

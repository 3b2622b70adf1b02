// tchat's interactive mode on a real terminal (a pseudo-terminal driven by
// pty_session.py): the prompt, an answer streamed, Ctrl-C stopping the
// generation (a stop is sent, the screen stops at once), /help, /quit.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { startSim, chatId, TCHAT, DEVICE_KEY, TASK, clientRequests } from "./lib.mjs";

let sim;
before(async () => {
  sim = await startSim();
});
after(async () => {
  await sim?.stop();
});

test("interactive: prompt, streamed answer, Ctrl-C stops the generation, /help, /quit", { timeout: 60000 }, async () => {
  const chat = chatId("tty");
  const script = path.join(sim.dir, "tty.json");
  writeFileSync(script, JSON.stringify([
    { expect: "you> " },
    { send: "Hello interactive\n" },
    { expect: "You said: Hello interactive" },
    { expect: "you> " },
    { send: "//slow 40\n" },
    { expect: "tok3 " },
    { signal: 2 },
    { expect: "stopping the answer" },
    { expect: "you> " },
    { send: "/help\n" },
    { expect: "/approve /deny /undo" },
    { send: "/quit\n" },
  ]));
  const args = ["--base-url", sim.url, "--start-url", `${sim.url}/chat/${chat}/start`,
    "--token-url", `${sim.url}/chat/${chat}/token`, "--device-key", DEVICE_KEY, "--task", TASK,
    "--chat", chat, "--ca", sim.ca, "--timeout", "30"];
  // Asynchronously: the simulator's log must keep flowing while tchat runs.
  const r = await new Promise((resolve) => {
    const p = spawn("python3", [path.join(import.meta.dirname, "pty_session.py"), script, "--", TCHAT, ...args]);
    let stdout = "", stderr = "";
    const kill = setTimeout(() => p.kill("SIGKILL"), 50000);
    p.stdout.on("data", (d) => (stdout += d));
    p.stderr.on("data", (d) => (stderr += d));
    p.on("close", (status) => {
      clearTimeout(kill);
      resolve({ status, stdout, stderr });
    });
  });
  assert.equal(r.status, 0, r.stderr);
  const res = JSON.parse(r.stdout);
  const w = `step ${res.failed_step} failed; transcript:\n${res.out}`;
  assert.ok(res.ok, w);
  assert.equal(res.exit, 0, w);
  assert.ok(!res.out.includes("tok39"), `the stopped answer did not run to its end: ${w}`);
  const appends = clientRequests(sim.log, chat).filter((q) => q.includes("in/append"));
  assert.ok(appends.length >= 3, `two messages and a stop were appended: ${JSON.stringify(appends)}\n${w}`);
  assert.ok(sim.log.some((l) => l.includes(`in/append ${chat} seq=`) && l.includes('{"kind":"stop"}')),
    `the stop record reached .in: ${w}`);
});

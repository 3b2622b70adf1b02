// The chaos soak: the real tchat against the simulator over TLS, through a TCP
// chaos proxy (proxy.mjs), with random simulator faults and random power cuts
// (SIGKILL, then a restart on the same flash image), over a long conversation.
// An oracle checks that every user message reached the server exactly once
// and that the text the "device" showed for it, across every run, is exactly
// the agent's answer: nothing lost, nothing repeated, in order.
//
//   node tests/soak/soak.mjs --seconds 600 [--seed N]      one long soak
//   node tests/soak/soak.mjs --seconds 15 --seeds 1,2,3   the brief suite
//   ... --kill-safe       power cuts only outside an append's window (as before
//                         the chat kept a send's part id in its record)
//
// It ends with "soak: N passed, N failed" (one case per seed) and exits
// non-zero on any violation, after printing the seed, the fault log (proxy
// plans, simulator faults, kills, with times) and the texts. Each seed's full
// log is also written to --log-dir (default build/soak).
//
// What the oracle accepts beyond "exactly once", each documented:
// - after a SIGKILL, what was shown since the killed run's last checkpoint
//   (its last session-changed line) may be shown again (README "Persistence":
//   "A power cut repeats at most one checkpoint interval"; core/tc_chat.h
//   "Resume replays ...: a power cut repeats what was shown after the last
//   checkpoint");
// - a turn whose .out subscription gave up (stream-error, after a token
//   refresh the backend refused: tc_chat.h "a refusal (401, 403, 4xx, a bad
//   answer) stands") may end early: its text is then a prefix of the answer,
//   and the rest of that answer may come at the start of the next turn's text
//   (protocol.md §6.2: the error clears isStreaming; §6.1: the cursor stays;
//   4.8.3 correlates only turn-completes, §6.5); a send that failed that way
//   is sent again by the "app" (a new run);
// - power cuts fall anywhere, also while an append is outstanding: its
//   outcome is unknown to the device (tc_chat.h, tc_chat_deinit), the "app"
//   sends the message again, and the chat reuses the X-Part-Id its record
//   kept (tc_chat_send_text), so the server holds the message once. With
//   --kill-safe a kill that falls in that window is deferred to its end.
import path from "node:path";
import { mkdirSync, writeFileSync, rmSync } from "node:fs";
import { startSim, runTchat, prng, summarize, slowText, longText, echoReply, ROOT } from "../e2e/lib.mjs";
import { startProxy } from "./proxy.mjs";
import { oracle, sentText } from "./oracle.mjs";

// ------------------------------------------------------------ options
function parseArgs(argv) {
  const o = { seconds: 600, seeds: null, ttl: 10, killAnywhere: true, logDir: path.join(ROOT, process.env.BUILD ?? "build", "soak"), verbose: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = () => argv[++i];
    if (a === "--seconds") o.seconds = Number(v());
    else if (a === "--seed" || a === "--seeds") o.seeds = String(v()).split(",").filter(Boolean).map(Number);
    else if (a === "--ttl") o.ttl = Number(v());
    else if (a === "--log-dir") o.logDir = v();
    else if (a === "--verbose") o.verbose = true;
    else if (a === "--kill-safe") o.killAnywhere = false; // power cuts outside append windows only (see the header)
    else throw new Error(`soak: unknown argument ${a}`);
  }
  if (!o.seeds) o.seeds = [Math.floor(Math.random() * 2 ** 31)];
  if (!(o.seconds > 0) || o.seeds.some((s) => !Number.isInteger(s))) throw new Error("soak: --seconds > 0 and integer seeds");
  return o;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const int = (rand, lo, hi) => lo + Math.floor(rand() * (hi - lo + 1));
const pick = (rand, list) => list[Math.floor(rand() * list.length)];

// ------------------------------------------------------------ the conversation
// Messages whose answers are known (tools/sim/agent/scripts.mjs), each with a
// unique tag so that the server's .in log shows every one exactly once.
// `answers`: the texts the agent may give (the echo names its run from the
// second run on, and runs come and go with the faults).
function makeMessage(rand, k) {
  const r = rand();
  if (r < 0.35) {
    const n = int(rand, 6, 30); // 150 ms apart: long enough to be cut often
    return { arg: `//slow ${n} #${k}`, answers: [slowText(n)] };
  }
  if (r < 0.6) {
    const n = int(rand, 40, 500); // fast: drops land inside batches
    return { arg: `//long ${n} #${k}`, answers: [longText(n)] };
  }
  if (r < 0.7) {
    const n = int(rand, 150, 400); // one delta larger than the record buffer: fragments
    return { arg: `//big ${n} #${k}`, answers: [longText(n)] };
  }
  if (r < 0.85) {
    const text = `hello soak #${k}`;
    return { arg: text, answers: Array.from({ length: 20 }, (_, i) => echoReply(text, i + 1)) };
  }
  if (r < 0.93) return { arg: `//reason #${k}`, answers: ["The answer is 42."] };
  return { arg: `//tool #${k}`, answers: ["It is 21\u00b0C in Paris."] };
}

// ------------------------------------------------------------ simulator faults
// Each is scoped to the soak's chat and fires once. Terminal ones (close) are
// not armed, nor the aggressive trim (below); 401/403 on the backend's start/token routes are refusals that
// stand (see the header): the oracle accepts what they end.
function drawSimFault(rand) {
  const r = rand();
  if (r < 0.3) {
    const status = pick(rand, [401, 403, 429, 500, 503]);
    const refusal = status === 401 || status === 403;
    // a refused start or token ends a send or a stream: rarer than the rest
    const on = refusal && rand() < 0.7 ? pick(rand, ["in", "out"]) : pick(rand, ["in", "out", "start", "token"]);
    return `status=${status},on=${on}`;
  }
  if (r < 0.4) return `drop-bytes=${int(rand, 0, 6000)}`;
  if (r < 0.5) return `drop-records=${int(rand, 0, 40)}`;
  if (r < 0.56) return `error-event=soak error,after=${int(rand, 0, 30)}`;
  if (r < 0.62) return `done-after=${int(rand, 0, 30)}`;
  if (r < 0.66) return "stall";
  if (r < 0.72) return `split=${int(rand, 1, 50)},gap=${int(rand, 0, 3)}`;
  if (r < 0.8) return `tls-cut,after=${int(rand, 0, 30)}`;
  if (r < 0.86) return "expire-tokens";
  if (r < 0.92) return `bad-batch,after=${int(rand, 0, 30)}`;
  // (not "trim": it trims .out up to a turn-complete the moment it is written,
  // so a reader that is reconnecting mid-turn finds the rest of the turn gone:
  // text lost by the server, which no client can show; seed 738100860)
  return `delay=${int(rand, 100, 2500)},on=${pick(rand, ["in", "out", "token"])}`;
}

// ------------------------------------------------------------ one seed
async function soakOne(sim, seed, o) {
  const rMsg = prng(seed ^ 0x51a7);
  const rKill = prng(seed ^ 0x0c0ffee);
  const rFault = prng(seed ^ 0xfa017);
  const chat = `soak-${seed}-${process.pid}`;
  const t0 = Date.now();
  const flog = []; // the fault log: {t, src, text}
  const note = (src, text) => {
    flog.push({ t: Date.now() - t0, src, text });
    if (o.verbose) console.error(`[${((Date.now() - t0) / 1000).toFixed(2)}] ${src}: ${text}`);
  };
  const proxyLog = (e) => {
    if (e.plan !== "pass") note(`proxy-${e.proxy}`, `#${e.conn} ${e.plan}: up ${e.up}B down ${e.down}B, ${e.end}`);
  };
  const pOut = await startProxy({ name: "out", targetPort: sim.port, rand: prng(seed ^ 0x0417), log: proxyLog,
    planOpts: { chaos: 0.45, downMax: 40000, upMax: 2500, stallMaxMs: 2500 } });
  const pReq = await startProxy({ name: "req", targetPort: sim.port, rand: prng(seed ^ 0x4e9), log: proxyLog,
    planOpts: { chaos: 0.4, downMax: 5000, upMax: 4000, stallMaxMs: 2000 } });
  const reqBase = `https://localhost:${pReq.port}`;
  const outBase = `https://localhost:${pOut.port}`;
  const state = path.join(sim.dir, `${chat}.img`);

  const messages = []; // {arg, answers}
  let next = 0; // messages[0..next) are on the server (their send was answered)
  const runs = [];
  const stats = { runs: 0, kills: 0, deferredKills: 0, inAppendKills: 0, simFaults: 0, simFired: 0, exits: {} };
  const deadline = t0 + o.seconds * 1000;
  let drainRuns = 0;
  let lastArmed = 0;
  // the simulator's lines about this chat's faults, as they come
  let scanned = sim.log.length;
  const scan = () => {
    for (; scanned < sim.log.length; scanned++) {
      const l = sim.log[scanned];
      if (!l.includes(chat) || !/^sim: fault /.test(l) || / armed /.test(l)) continue;
      if (/ fired /.test(l)) stats.simFired++;
      note("sim", l.replace(/^sim: /, ""));
    }
  };
  const scanner = setInterval(scan, 100);

  for (;;) {
    const draining = Date.now() >= deadline;
    if (draining && drainRuns === 0) {
      pOut.setChaos(false);
      pReq.setChaos(false);
      await sim.admin("DELETE", "/admin/faults");
      note("soak", "time is up: no more faults or kills; finishing the conversation");
    }
    if (draining && ++drainRuns > 6) {
      return finish(false, ["the conversation did not finish within 6 runs after the chaos stopped"]);
    }
    // the next batch: messages not yet on the server, then new ones
    let count = draining ? 0 : int(rMsg, 1, 6);
    while (messages.length < next + count) messages.push(makeMessage(rMsg, messages.length));
    const batch = messages.slice(next, draining ? messages.length : next + count);
    const run = { n: runs.length, first: next, batch: batch.map((m) => m.arg), killed: false, events: null };
    runs.push(run);
    stats.runs++;
    const p = runTchat({ url: reqBase, ca: sim.ca }, chat, run.batch, {
      state, timeoutS: 120, killAfterMs: 400000,
      extra: ["--out-url", outBase, "--stall-ms", "3000"],
    });
    note("run", `#${run.n} start: ${run.batch.length ? run.batch.join(" | ") : "(no messages: resume only)"}`);

    // Power cut: at a random moment, deferred out of the append window.
    let safe = false;
    let wantKill = false;
    let lastSent = null;
    let sentInRun = 0;
    const tryKill = () => {
      if (!wantKill || (!safe && !o.killAnywhere) || run.killed || p.proc.exitCode !== null) return;
      run.killed = true;
      stats.kills++;
      p.kill("SIGKILL");
      note("kill", `#${run.n} SIGKILL (after ${p.events.length} events)`);
    };
    const onEvent = (e) => {
      if (e.type === "stream-connected" && sentInRun === 0) safe = true; // resuming: no append yet
      if (e.type === "message-sent") {
        lastSent = e.inputSeq;
        sentInRun++;
        safe = false;
      }
      if (e.type === "session-changed" && e.streaming === 1 && lastSent !== null && e.activeInputSeq === lastSent) safe = true;
      if (e.type === "turn-complete") safe = false; // the next append may go out now
      tryKill();
    };
    let seen = 0;
    p.proc.stdout.on("data", () => {
      while (seen < p.events.length) onEvent(p.events[seen++]);
    });
    let killTimer = null;
    if (!draining && rKill() < 0.55) {
      const at = int(rKill, 200, 9000);
      killTimer = setTimeout(() => {
        wantKill = true;
        if (!safe && o.killAnywhere) {
          stats.inAppendKills++;
          note("kill", `#${run.n} power cut at +${at} ms while an append is outstanding`);
        } else if (!safe) {
          stats.deferredKills++;
          note("kill", `#${run.n} power cut due at +${at} ms, deferred: an append is outstanding`);
        }
        tryKill();
      }, at);
    }
    // Simulator faults while the run lives: one armed at a time.
    let alive = true;
    const faulter = (async () => {
      while (alive && !draining) {
        await sleep(int(rFault, 300, 3500));
        if (!alive || Date.now() >= deadline) break;
        try {
          const armed = (await sim.admin("GET", "/admin/faults")).faults.filter((f) => f.session === chat);
          if (armed.length && Date.now() - lastArmed < 15000) continue;
          if (armed.length) {
            // (e.g. a status fault on the session start, which happens once)
            await sim.admin("DELETE", "/admin/faults");
            note("sim", `cleared unfired after 15 s: ${armed.map((f) => f.kind).join(", ")}`);
          }
          const spec = drawSimFault(rFault);
          await sim.admin("POST", "/admin/faults", { spec: `${spec},session=${chat}` });
          stats.simFaults++;
          lastArmed = Date.now();
          note("sim", `armed ${spec}`);
        } catch (err) {
          note("sim", `arming failed: ${err.message}`);
        }
      }
    })();
    const r = await p.exited;
    alive = false;
    clearTimeout(killTimer);
    void faulter; // (it stops at its next wake-up)
    run.events = r.events;
    run.exit = r.signal ?? r.code;
    run.stderr = r.stderr;
    stats.exits[run.exit] = (stats.exits[run.exit] ?? 0) + 1;
    const fatal = r.events.find((e) => e.type === "fatal");
    note("run", `#${run.n} exit ${run.exit}${fatal ? ` (${fatal.what}: ${fatal.error})` : ""}, ${sentInRun} sent`);
    next += r.events.filter((e) => e.type === "message-sent").length;
    if (draining && r.code === 0 && next === messages.length) break;
    if (!run.killed && r.signal) return finish(false, [`run #${run.n} died of ${r.signal} (not ours): a crash`]);
  }
  return finish(true, []);

  async function finish(done, problems) {
    await pOut.close();
    await pReq.close();
    clearInterval(scanner);
    scan();
    flog.sort((a, b) => a.t - b.t);
    const server = await sim.admin("GET", `/admin/sessions/${encodeURIComponent(chat)}`).catch(() => null);
    const verdict = done ? oracle(runs, messages, next, server) : { problems, texts: [], stats: {} };
    const all = [...problems, ...verdict.problems];
    Object.assign(stats, verdict.stats, {
      messages: next,
      proxy: { out: pOut.stats, req: pReq.stats },
      seconds: Math.round((Date.now() - t0) / 1000),
    });
    const report = { seed, chat, ok: all.length === 0, problems: all, stats, faultLog: flog, texts: verdict.texts, simLog: sim.logFor(chat),
      runs: runs.map((r) => ({ n: r.n, first: r.first, batch: r.batch, exit: r.exit, killed: r.killed, events: r.events, stderr: r.stderr })) };
    mkdirSync(o.logDir, { recursive: true });
    const file = path.join(o.logDir, `seed-${seed}.json`);
    writeFileSync(file, JSON.stringify(report, null, 1));
    report.file = file;
    return report;
  }
}


// ------------------------------------------------------------ main
function printReport(rep) {
  const s = rep.stats;
  const pk = (p) => `${p.conns} conns (${p.chaotic} with faults: ${Object.entries(p.byKind).filter(([k]) => k !== "pass").map(([k, v]) => `${k} ${v}`).join(", ") || "-"}), ${(p.bytesDown / 1024).toFixed(0)} KiB down, ${(p.bytesUp / 1024).toFixed(0)} KiB up`;
  console.log(`soak seed=${rep.seed}: ${rep.ok ? "ok" : "FAILED"} in ${s.seconds} s: ${s.messages} messages, ${s.turns ?? "?"} turns exact, ${s.runs} runs, ${s.kills} power cuts (${s.inAppendKills} while an append was out, ${s.deferredKills} deferred), ${s.simFaults} simulator faults armed (${s.simFired} fired), exits ${JSON.stringify(s.exits)}`);
  console.log(`  proxy .out: ${pk(s.proxy.out)}`);
  console.log(`  proxy req:  ${pk(s.proxy.req)}`);
  console.log(`  repeats after power cuts (allowed, past the checkpoint): ${s.repeatsAllowed ?? 0} (${s.repeatedChars ?? 0} chars); turns ended by a stream error (allowed): ${s.truncatedByTerminalError ?? 0}, their rest shown at the start of the next turn: ${s.restAfterError ?? 0}; fragments: ${s.fragments ?? 0}; log ${rep.file}`);
  if (rep.ok) return;
  console.log(`  replay: SOAK_SEED=${rep.seed} make soak (timing differs between replays: the seed fixes the choices, not the moments)`);
  for (const p of rep.problems) console.log(`  VIOLATION: ${p}`);
  console.log("  fault log:");
  for (const f of rep.faultLog) console.log(`    +${(f.t / 1000).toFixed(3)}s ${f.src}: ${f.text}`);
  for (const t of rep.texts.filter((x) => x.bad || (!x.completed && !x.streamError) || x.shown !== x.expected)) {
    console.log(`  message #${t.i} ${JSON.stringify(t.arg)} completed=${t.completed}${t.streamError ? ` stream-error=${t.streamError}` : ""}`);
    console.log(`    expected: ${JSON.stringify(t.expected).slice(0, 400)}`);
    console.log(`    shown:    ${JSON.stringify(t.shown).slice(0, 400)}`);
    if (t.bad) console.log(`    then run #${t.bad.run} showed: ${JSON.stringify(t.bad.text).slice(0, 400)}`);
  }
  for (const r of rep.runs.slice(-4)) console.log(`  run #${r.n} exit ${r.exit}: ${summarize(r.events ?? [], 30)}`);
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  console.log(`soak: seeds ${o.seeds.join(",")}, ${o.seconds} s each, token TTL ${o.ttl} s`);
  const sim = await startSim(["--token-ttl", String(o.ttl), "--ping-ms", "1000"], { maxSeconds: o.seeds.length * (o.seconds + 300) + 60 });
  let passed = 0;
  let failed = 0;
  try {
    for (const seed of o.seeds) {
      let rep;
      try {
        rep = await soakOne(sim, seed, o);
      } catch (err) {
        rep = null;
        console.log(`soak seed=${seed}: FAILED: ${err.stack}`);
      }
      if (rep) printReport(rep);
      if (rep?.ok) passed++;
      else failed++;
    }
  } finally {
    await sim.stop();
  }
  console.log(`soak: ${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

main().catch((err) => {
  console.error(err);
  console.log("soak: 0 passed, 1 failed");
  process.exit(1);
});

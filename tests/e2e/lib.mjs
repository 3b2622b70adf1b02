// End-to-end harness: the real tchat binary against the simulator (tools/sim)
// over TLS. Each test file starts one simulator (startSim), gives every test
// its own chat id, runs tchat with --json and checks what it printed.
//
// What "printed" means: tchat --json writes one event per line; a chunk event
// carries its record seq and, after a restart, `replayed: true` for what an
// earlier run already showed. The text a user saw is the concatenation of the
// non-replayed text-delta deltas (exactly what tchat prints without --json).
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import path from "node:path";
import https from "node:https";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.join(HERE, "..", "..");
export const SIM_MAIN = path.join(ROOT, "tools", "sim", "index.mjs");
export const TCHAT = process.env.TCHAT ?? path.join(ROOT, process.env.BUILD ?? "build", "tchat");
export const DEVICE_KEY = "trigchat-dev-device";
export const TASK = "sim-agent";

// The simulator's scripts are deterministic: the expected texts come from its
// own generator (tools/sim/agent/scripts.mjs).
export { longText, echoReply } from "../../tools/sim/agent/scripts.mjs";
export const slowText = (n) => Array.from({ length: n }, (_, i) => `tok${i} `).join("");

let chatCounter = 0;
/** A chat id unique to this process and call. */
export function chatId(name) {
  return `e2e-${name}-${process.pid}-${++chatCounter}`;
}

/** A deterministic PRNG (mulberry32) for the random drop offsets. */
export function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Starts `node tools/sim --port 0 --tls --verbose ...args` with its stdin a
 * pipe (it exits when this process dies). Resolves
 * {port, url, ca, log, stop, fault, session, requests}.
 */
export function startSim(args = [], { readyTimeoutMs = 20000, maxSeconds = 600 } = {}) {
  const dir = mkdtempSync(path.join(os.tmpdir(), "tc-e2e-"));
  const ca = path.join(dir, "ca.pem");
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [SIM_MAIN, "--port", "0", "--tls", "--ca-out", ca, "--verbose",
      "--exit-on-stdin-eof", "--max-seconds", String(maxSeconds), ...args], { stdio: ["pipe", "pipe", "pipe"] });
    const log = [];
    let out = "";
    let errBuf = "";
    const timer = setTimeout(() => {
      proc.kill("SIGKILL");
      reject(new Error(`sim not ready within ${readyTimeoutMs} ms: ${log.slice(-20).join("\n")}`));
    }, readyTimeoutMs);
    proc.stderr.on("data", (d) => {
      errBuf += d;
      let i;
      while ((i = errBuf.indexOf("\n")) >= 0) {
        log.push(errBuf.slice(0, i));
        errBuf = errBuf.slice(i + 1);
      }
    });
    const onExit = (code) => {
      clearTimeout(timer);
      reject(new Error(`sim exited with ${code}: ${log.slice(-20).join("\n")}`));
    };
    proc.on("exit", onExit);
    proc.stdout.on("data", (d) => {
      out += d;
      const m = /^sim: listening (https?):\/\/(\S+):(\d+) ca=(\S+) backend=(\S+)$/m.exec(out);
      if (!m) return;
      clearTimeout(timer);
      proc.off("exit", onExit);
      const port = Number(m[3]);
      const caPath = m[4];
      const caPem = readFileSync(caPath);
      // mbedTLS 2.28 cannot match IP SANs: the client uses the name localhost.
      const url = `https://localhost:${port}`;
      const admin = (method, p, body) =>
        new Promise((res, rej) => {
          const req = https.request(`${url}${p}`, { method, ca: caPem, agent: false, headers: { "content-type": "application/json" } }, (r) => {
            let b = "";
            r.on("data", (x) => (b += x));
            r.on("end", () => (r.statusCode >= 300 ? rej(new Error(`${method} ${p}: ${r.statusCode} ${b}`)) : res(b ? JSON.parse(b) : null)));
          });
          req.setTimeout(10000, () => req.destroy(new Error(`${method} ${p}: timeout`)));
          req.on("error", rej);
          req.end(body === undefined ? undefined : JSON.stringify(body));
        });
      const stop = () =>
        new Promise((r) => {
          const done = () => {
            rmSync(dir, { recursive: true, force: true });
            r();
          };
          if (proc.exitCode !== null || proc.signalCode !== null) return done();
          proc.once("exit", done);
          proc.kill("SIGTERM");
          setTimeout(() => proc.kill("SIGKILL"), 3000).unref();
        });
      resolve({
        port, url, ca: caPath, dir, log, proc, stop,
        /** One admin call (method, path, JSON body or undefined) -> the parsed answer. */
        admin,
        /** Arms one fault (SPEC string), scoped to the chat when session= is absent. */
        fault: (spec, chat) => admin("POST", "/admin/faults", { spec: chat && !/session=/.test(spec) ? `${spec},session=${chat}` : spec }),
        /** The simulator's view of a session: row, .in log, .out log. */
        session: (chat) => admin("GET", `/admin/sessions/${encodeURIComponent(chat)}`),
        /** The client's requests for this chat seen so far (from the --verbose log). */
        requests: (chat) => clientRequests(log, chat),
        /** Every GET .out the simulator served for this chat: {from, wait, settled} (from = Last-Event-ID + 1). */
        outGets: (chat) =>
          log.map((l) => /^sim: GET out (\S+) from=(\d+) wait=(\d+)( settled)?$/.exec(l)).filter((m) => m && m[1] === chat)
            .map((m) => ({ from: Number(m[2]), wait: Number(m[3]), settled: !!m[4] })),
        /** Log lines that mention this chat. */
        logFor: (chat) => log.filter((l) => l.includes(` ${chat}`) || l.includes(`/${chat}/`) || l.includes(`=${chat}`)),
      });
    });
  });
}

/** Request lines the client (not the agent) made for `chat`. */
export function clientRequests(log, chat) {
  const esc = chat.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const re = new RegExp(`^sim: (GET|POST|HEAD) (/chat/${esc}/(start|token)|/realtime/v1/sessions/${esc}/(in/append|out))$`);
  return log.filter((l) => re.test(l)).map((l) => l.slice(5));
}

/**
 * Runs tchat for `chat` with --json. Resolves (via .exited) when it exits.
 * opts: state (flash image path), timeoutS (tchat --timeout), killAfterMs
 * (hard limit: SIGKILL), extra (more flags), env.
 * Returns {proc, events, stderr(), exited, waitFor(pred, ms)}.
 */
export function runTchat(sim, chat, messages, { state, timeoutS = 30, killAfterMs = 60000, extra = [], env = {}, json = true, wrap = [] } = {}) {
  const args = [...(json ? ["--json"] : []), "--base-url", sim.url, "--start-url", `${sim.url}/chat/${chat}/start`,
    "--token-url", `${sim.url}/chat/${chat}/token`, "--device-key", DEVICE_KEY, "--task", TASK,
    "--chat", chat, "--ca", sim.ca, "--timeout", String(timeoutS), ...(state ? ["--state", state] : []),
    ...extra, ...messages];
  // wrap: a command that execs tchat (its arguments follow), e.g. to set limits
  const [cmd, argv] = wrap.length ? [wrap[0], [...wrap.slice(1), TCHAT, ...args]] : [TCHAT, args];
  const proc = spawn(cmd, argv, { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...env } });
  const events = [];
  const raw = [];
  let buf = "";
  let err = "";
  let stdout = "";
  const waiters = [];
  const check = () => {
    for (let i = waiters.length - 1; i >= 0; i--) {
      if (waiters[i].pred(events)) {
        waiters[i].resolve(events);
        clearTimeout(waiters[i].timer);
        waiters.splice(i, 1);
      }
    }
  };
  proc.stdout.on("data", (d) => {
    stdout += d;
    buf += d;
    let i;
    while ((i = buf.indexOf("\n")) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      raw.push(line);
      try {
        events.push(JSON.parse(line));
      } catch {
        events.push({ type: "unparsable", line });
      }
    }
    check();
  });
  proc.stderr.on("data", (d) => (err += d));
  const started = Date.now();
  const hard = setTimeout(() => proc.kill("SIGKILL"), killAfterMs);
  const exited = new Promise((resolve) => {
    proc.on("exit", (code, signal) => {
      clearTimeout(hard);
      // let stdout drain
      setImmediate(() => {
        for (const w of waiters.splice(0)) {
          clearTimeout(w.timer);
          w.reject(new Error(`tchat exited (${code ?? signal}) before: ${w.what}\n${summarize(events)}\nstderr: ${err}`));
        }
        resolve({ code, signal, events, ms: Date.now() - started, stderr: err, stdout });
      });
    });
  });
  return {
    proc, events, raw, exited, args,
    stderr: () => err,
    /** Resolves when pred(events) holds (rejects after ms or when tchat exits first). */
    waitFor(pred, ms = 20000, what = String(pred)) {
      if (pred(events)) return Promise.resolve(events);
      return new Promise((resolve, reject) => {
        const w = { pred, resolve, reject, what };
        w.timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(w), 1);
          reject(new Error(`timed out (${ms} ms) waiting for ${what}\n${summarize(events)}`));
        }, ms);
        waiters.push(w);
      });
    },
    kill(sig) {
      proc.kill(sig);
    },
  };
}

/** Runs tchat to its exit; resolves {code, signal, events, ms, stderr}. */
export async function tchat(sim, chat, messages, opts) {
  return runTchat(sim, chat, messages, opts).exited;
}

export const isChunk = (e) => e.type === "chunk";
export const isDelta = (e) => e.type === "chunk" && e.chunk === "text-delta";
export const deltaCount = (events) => events.filter((e) => isDelta(e) && !e.replayed).length;

/** The text the user saw: non-replayed text deltas, in order. */
export function printed(events) {
  return events.filter((e) => isDelta(e) && !e.replayed).map((e) => e.delta).join("");
}

/** Per turn (split at turn-complete): the printed text. The last entry is an unfinished turn, if any. */
export function turnTexts(events) {
  const out = [];
  let cur = "";
  let any = false;
  for (const e of events) {
    if (isDelta(e) && !e.replayed) {
      cur += e.delta;
      any = true;
    }
    if (e.type === "turn-complete") {
      out.push(cur);
      cur = "";
      any = false;
    }
  }
  if (any) out.push(cur);
  return out;
}

/**
 * Problems with delivery inside one run: a non-replayed chunk whose seq is not
 * above every seq delivered before it (a duplicate or a reordering), or a
 * replayed chunk after a non-replayed one of the same run at or above its seq.
 * The fragments of one long text delta (fragmentMore) count as one chunk.
 * Returns a list of messages (empty = fine).
 */
export function deliveryProblems(events) {
  const problems = [];
  let last = -1;
  let more = null; // the seq of a fragmented record whose next fragment is due
  const seen = new Set();
  for (const e of events) {
    if (e.type !== "chunk") continue;
    // the fragments of one long delta share their record's seq
    const cont = more !== null && e.seq === more;
    more = e.fragmentMore ? e.seq : null;
    if (cont) continue;
    if (e.replayed) {
      if (seen.has(e.seq)) problems.push(`seq ${e.seq} replayed twice in one run`);
      seen.add(e.seq);
      continue;
    }
    if (e.seq <= last) problems.push(`seq ${e.seq} delivered after seq ${last} (duplicate or out of order)`);
    if (seen.has(e.seq)) problems.push(`seq ${e.seq} delivered twice`);
    seen.add(e.seq);
    last = Math.max(last, e.seq);
  }
  for (const e of events) if (e.type === "turn-complete" && e.seq <= -1) problems.push("turn-complete without seq");
  return problems;
}

/** A short, readable excerpt of a run's events for failure messages and findings. */
export function summarize(events, max = 40) {
  const lines = events.map((e) => {
    if (e.type === "chunk") return `${e.seq}${e.replayed ? "R" : ""}:${e.chunk}${e.delta !== undefined ? JSON.stringify(e.delta) : ""}`;
    const { t, type, ...rest } = e;
    return `[${type} ${JSON.stringify(rest)}]`;
  });
  if (lines.length > max) return [...lines.slice(0, max / 2), `... ${lines.length - max} more ...`, ...lines.slice(-max / 2)].join(" ");
  return lines.join(" ");
}

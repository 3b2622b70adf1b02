#!/usr/bin/env node
// trigchat simulator: plays the Trigger.dev side of the Sessions protocol.
// `node tools/sim --help` lists the flags; README.md explains them.
import { parseArgs } from "node:util";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startSim } from "./lib/server.mjs";
import { parseFaultSpec, FAULT_KINDS } from "./lib/faults.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));

const HELP = `usage: node tools/sim [flags]

  --port N            listen port (default 8787; 0 = ephemeral, read it from the ready line)
  --host H            listen address (default 127.0.0.1; ::1 works too)
  --tls               HTTPS with a CA generated at start (openssl CLI)
  --tls-alg ec|rsa    key type of the generated CA and server cert (default ec, P-256)
  --ca-out FILE       where to write the CA PEM (default tools/sim/.ca/ca.pem)
  --token-ttl S       lifetime of every PAT, seconds (default 3600)
  --secret-key K      the environment's secret key (default tr_dev_trigchat_simulator)
  --fault SPEC        arm a fault at start (repeatable); see "faults" below
  --ping-ms MS        SSE ping interval while idle (default 5000)
  --rate-limit N      at most N .in appends per session per window -> 429 + x-ratelimit-* (default off)
  --rate-window-ms MS the rate-limit window (default 60000)
  --empty-body MODE   control/command records with an empty body: omit (s2-lite, default) or empty ("body":"")
  --json-chunked      JSON/text answers without Content-Length (chunked, in two writes), as a Remix
                      json() Response leaves the node server
  --no-keep-alive     every answer carries Connection: close and the connection is closed after it
  --dup-seq MODE      a duplicate X-Part-Id answers {ok,seq} with the original seq (original, default,
                      newer servers) or {ok:true} without seq (omit: the b082e44 snapshot server)
  --closed-status N   append to a closed session: 409 + code session_closed (default, the 4.8.3
                      contract) or 400 {"ok":false,"error":"Cannot append to a closed session"} (snapshot)
  --trim-lag-ms MS    drop trimmed .out records MS after the trim command (S2 trims are eventually
                      consistent, 10-60 s); default 0 = at once
  --no-backend        do not serve the customer backend (/chat/{id}/start, /chat/{id}/token)
  --device-key K      a device key the backend accepts in X-Device-Key (repeatable;
                      default trigchat-dev-device; TRIGCHAT_DEVICE_KEYS adds comma-separated keys)
  --task-id ID        task id the backend starts sessions for (default sim-agent)
  --idle-run-seconds S  stop a session's run after S s without traffic (default 300); the next
                      append starts a continuation run (one worker thread per live run)
  --max-turns N       the agent's maxTurns (turns per run, default 100 as in the SDK); the run
                      then exits and the next input starts a continuation run
  --max-runs N        at most N live runs (worker threads, ~35 MB each); the least recently
                      active idle one is stopped first (default 12)
  --max-seconds S     exit by itself after S seconds (default 0 = never; a safety net for tests)
  --exit-on-stdin-eof exit when stdin reaches end of file (start it with a pipe on stdin;
                      when the test process dies, the pipe closes and the simulator exits)
  --verbose           log every request on stderr
  --record-requests   keep every client request (headers, body, status; tokens as hashes)
                      for GET /admin/requests (differential tests)
  --help              this text

TRIGCHAT_SIM_FLAGS (environment): more flags, appended to the command line's.

Ready line (stdout, one line, then nothing else on stdout):
  sim: listening http(s)://HOST:PORT ca=PATH|- backend=/chat|-

faults (SPEC = kind[=value][,key=value...]; session=ID|* (default *), count=K (default 1, 0 = forever)):
${Object.entries(FAULT_KINDS).map(([k, v]) => `  ${k.padEnd(14)} ${v}`).join("\n")}
  e.g. --fault status=503,on=out,count=2   --fault drop-records=3,session=c1   --fault stall
`;

let a;
try {
  // TRIGCHAT_SIM_FLAGS: extra flags for every simulator a test suite starts
  // (e.g. TRIGCHAT_SIM_FLAGS="--json-chunked --dup-seq omit" make test-e2e).
  const extra = (process.env.TRIGCHAT_SIM_FLAGS ?? "").split(/\s+/).filter(Boolean);
  ({ values: a } = parseArgs({
    args: [...process.argv.slice(2), ...extra],
    options: {
      port: { type: "string", default: "8787" },
      host: { type: "string", default: "127.0.0.1" },
      tls: { type: "boolean", default: false },
      "tls-alg": { type: "string", default: "ec" },
      "ca-out": { type: "string", default: path.join(HERE, ".ca", "ca.pem") },
      "token-ttl": { type: "string", default: "3600" },
      "secret-key": { type: "string", default: "tr_dev_trigchat_simulator" },
      fault: { type: "string", multiple: true, default: [] },
      "ping-ms": { type: "string", default: "5000" },
      "rate-limit": { type: "string", default: "0" },
      "rate-window-ms": { type: "string", default: "60000" },
      "empty-body": { type: "string", default: "omit" },
      "json-chunked": { type: "boolean", default: false },
      "no-keep-alive": { type: "boolean", default: false },
      "dup-seq": { type: "string", default: "original" },
      "closed-status": { type: "string", default: "409" },
      "trim-lag-ms": { type: "string", default: "0" },
      "no-backend": { type: "boolean", default: false },
      "device-key": { type: "string", multiple: true, default: [] },
      "task-id": { type: "string", default: "sim-agent" },
      verbose: { type: "boolean", default: false },
      "record-requests": { type: "boolean", default: false },
      "max-seconds": { type: "string", default: "0" },
      "idle-run-seconds": { type: "string", default: "300" },
      "max-runs": { type: "string", default: "12" },
      "max-turns": { type: "string", default: "100" },
      "exit-on-stdin-eof": { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  }));
} catch (e) {
  console.error(`sim: ${e.message}\n\n${HELP}`);
  process.exit(2);
}
if (a.help) {
  process.stdout.write(HELP);
  process.exit(0);
}
const int = (v, name, min = 0) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) {
    console.error(`sim: --${name} must be an integer >= ${min}`);
    process.exit(2);
  }
  return n;
};
let faults;
try {
  faults = a.fault.map(parseFaultSpec);
} catch (e) {
  console.error(`sim: --fault: ${e.message}`);
  process.exit(2);
}
if (!["omit", "empty"].includes(a["empty-body"])) {
  console.error("sim: --empty-body must be omit or empty");
  process.exit(2);
}
if (!["original", "omit"].includes(a["dup-seq"])) {
  console.error("sim: --dup-seq must be original or omit");
  process.exit(2);
}
if (!["409", "400"].includes(a["closed-status"])) {
  console.error("sim: --closed-status must be 409 or 400");
  process.exit(2);
}
const deviceKeys = [...a["device-key"], ...(process.env.TRIGCHAT_DEVICE_KEYS ?? "").split(",").map((k) => k.trim()).filter(Boolean)];

const sim = await startSim({
  port: int(a.port, "port"),
  host: a.host,
  tls: a.tls,
  tlsAlg: a["tls-alg"],
  caOut: a["ca-out"],
  tokenTtl: int(a["token-ttl"], "token-ttl", 1),
  secretKey: a["secret-key"],
  faults,
  pingMs: int(a["ping-ms"], "ping-ms", 10),
  rateLimit: int(a["rate-limit"], "rate-limit"),
  rateWindowMs: int(a["rate-window-ms"], "rate-window-ms", 1),
  emptyBody: a["empty-body"],
  jsonChunked: a["json-chunked"],
  noKeepAlive: a["no-keep-alive"],
  dupSeq: a["dup-seq"],
  closedStatus: Number(a["closed-status"]),
  trimLagMs: int(a["trim-lag-ms"], "trim-lag-ms"),
  backend: !a["no-backend"],
  deviceKeys: deviceKeys.length ? deviceKeys : ["trigchat-dev-device"],
  taskId: a["task-id"],
  verbose: a.verbose,
  recordRequests: a["record-requests"],
  idleRunSeconds: int(a["idle-run-seconds"], "idle-run-seconds", 1),
  maxTurns: int(a["max-turns"], "max-turns", 1),
  maxRuns: int(a["max-runs"], "max-runs", 1),
}).catch((e) => {
  console.error(`sim: cannot start: ${e.message}`);
  process.exit(1);
});

process.stdout.write(`sim: listening ${sim.url} ca=${sim.caPath ?? "-"} backend=${a["no-backend"] ? "-" : "/chat"}\n`);

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  await sim.close().catch(() => {});
  process.exit(0);
}
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
// A closed stdout/stderr pipe must not crash the simulator.
process.stdout.on("error", () => {});
process.stderr.on("error", () => {});
const maxSeconds = int(a["max-seconds"], "max-seconds");
if (maxSeconds > 0) setTimeout(() => { console.error(`sim: --max-seconds ${maxSeconds} reached, exiting`); stop(); }, maxSeconds * 1000).unref();
if (a["exit-on-stdin-eof"]) {
  process.stdin.on("data", () => {});
  process.stdin.on("end", stop);
  process.stdin.on("error", stop);
} else process.stdin.destroy?.();

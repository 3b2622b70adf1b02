// Faults, TLS and the CLI.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import https from "node:https";
import net from "node:net";
import { startSim, request, admin, fault, createSession, append, readOut, msgChunk, until, parseSse, SIM_MAIN, SECRET } from "./helpers.mjs";
import { echoReply } from "../agent/scripts.mjs";

let sim; // TLS
let n = 0;
const cid = (name) => `${name}-${process.pid}-${++n}`;
const isTc = (r) => r.headers?.some(([k, v]) => k === "trigger-control" && v === "turn-complete");

before(async () => {
  sim = await startSim(["--tls", "--ca-out", `/tmp/trigchat-sim-test-${process.pid}/ca.pem`, "--ping-ms", "200", "--fault", "status=500,on=create,session=boot-fault"]);
});
after(async () => {
  await sim?.stop();
});

async function turn(id, text) {
  const r = await append(sim, id, msgChunk(id, text));
  assert.equal(r.status, 200, r.body);
  return until(async () => {
    const s = await admin(sim, `/admin/sessions/${id}`);
    return s.out.some((x) => isTc(x) && Number(Object.fromEntries(x.headers)["session-in-event-id"]) >= r.json.seq) ? s : null;
  }, 30000, "turn-complete");
}

test("TLS: the ready line names the CA; it verifies the server for 127.0.0.1; an untrusting client fails", async () => {
  assert.match(sim.url, /^https:\/\/127\.0\.0\.1:\d+$/);
  assert.ok(readFileSync(sim.ca, "utf8").startsWith("-----BEGIN CERTIFICATE-----"));
  const ok = await request(`${sim.url}/admin/health`, { ca: sim.ca });
  assert.equal(ok.status, 200);
  await assert.rejects(
    new Promise((resolve, reject) => https.get(`${sim.url}/admin/health`, { agent: false }, resolve).on("error", reject)),
    /self-signed|unable to verify|certificate/i,
  );
});

test("TLS: AgentChat (official, unmodified) over HTTPS with NODE_EXTRA_CA_CERTS", async () => {
  const id = cid("tlsac");
  const script = `
    const { configure } = await import("@trigger.dev/sdk");
    const { AgentChat } = await import("@trigger.dev/sdk/chat");
    configure({ baseURL: ${JSON.stringify(sim.url)}, accessToken: ${JSON.stringify(SECRET)} });
    const c = new AgentChat({ agent: "sim-agent", id: ${JSON.stringify(id)} });
    console.log(JSON.stringify(await (await c.sendMessage("over tls")).text()));
    process.exit(0);`;
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], {
    cwd: new URL("..", import.meta.url).pathname,
    env: { ...process.env, NODE_EXTRA_CA_CERTS: sim.ca },
    encoding: "utf8",
    timeout: 30000,
  });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout.trim()), echoReply("over tls"));
});

test("fault tls-cut: the connection closes in the middle of a TLS record", async () => {
  const id = cid("tlscut");
  await createSession(sim, id);
  await turn(id, "hello");
  await fault(sim, `tls-cut,after=2,session=${id}`);
  // A TCP relay records the server's bytes so the TLS record framing can be checked.
  const port = Number(new URL(sim.url).port);
  const down = [];
  const relay = net.createServer((c) => {
    const u = net.connect(port, "127.0.0.1");
    c.pipe(u);
    u.on("data", (d) => { down.push(d); c.write(d); });
    u.on("close", () => c.destroy());
    c.on("close", () => u.destroy());
    c.on("error", () => {});
    u.on("error", () => {});
  });
  await new Promise((r) => relay.listen(0, "127.0.0.1", r));
  try {
    let status = 0;
    let body = "";
    const r = await new Promise((resolve) => {
      const req = https.get(`https://127.0.0.1:${relay.address().port}/realtime/v1/sessions/${id}/out`,
        { headers: { authorization: `Bearer ${SECRET}`, "timeout-seconds": "5" }, ca: readFileSync(sim.ca), agent: false }, (res) => {
          status = res.statusCode;
          res.on("data", (d) => (body += d));
          res.on("end", () => resolve("end"));
          res.on("error", (e) => resolve(`error ${e.code ?? e.message}`));
          res.on("aborted", () => resolve("aborted"));
        });
      req.on("error", (e) => resolve(`error ${e.code ?? e.message}`));
    });
    assert.notEqual(r, "end", "never a clean end");
    assert.equal(status, 200);
    assert.equal(parseSse(body).filter((e) => e.event === "batch").flatMap((e) => JSON.parse(e.data).records).length, 2);
    const buf = Buffer.concat(down);
    let off = 0;
    while (off + 5 <= buf.length && off + 5 + buf.readUInt16BE(off + 3) <= buf.length) off += 5 + buf.readUInt16BE(off + 3);
    assert.ok(off < buf.length, "the stream ends inside a record");
    assert.equal(buf[off], 23, "an application-data record");
    assert.ok(buf.length - off - 5 < buf.readUInt16BE(off + 3));
  } finally {
    relay.close();
  }
  assert.ok(sim.log.some((l) => l.includes(`${id}: cutting the next TLS record after 2 records`)));
});

test("fault drop-bytes: exactly N body bytes, then the TCP connection is cut", async () => {
  const id = cid("dropb");
  await createSession(sim, id);
  await turn(id, "hello");
  await fault(sim, `drop-bytes=100,session=${id}`);
  const r = await readOut(sim, id, { timeout: "5" }).catch((e) => ({ error: e }));
  const body = r.body ?? "";
  assert.ok(body.length <= 100);
  assert.ok(sim.log.some((l) => l.includes(`${id}: dropped after 100 bytes`)));
});

test("fault split: the body arrives in tiny segments and is still byte-identical", async () => {
  const id = cid("split");
  await createSession(sim, id);
  await turn(id, "hello");
  const whole = await readOut(sim, id, { timeout: "1" });
  await fault(sim, `split=7,gap=0,session=${id}`);
  let pieces = 0;
  const r = await request(`${sim.url}/realtime/v1/sessions/${id}/out`, {
    headers: { authorization: `Bearer ${SECRET}`, "timeout-seconds": "1" },
    ca: sim.ca,
    onData: () => pieces++,
  });
  const strip = (s) => s.replace(/event: ping\ndata: \{[^\n]*\}\n\n/g, "");
  assert.equal(strip(r.body), strip(whole.body));
  assert.ok(pieces > 10, `pieces=${pieces}`);
});

test("fault stall: pings only, no records, until the wait window ends", async () => {
  const id = cid("stall");
  await createSession(sim, id);
  await turn(id, "hello");
  await fault(sim, `stall,session=${id}`);
  const r = await readOut(sim, id, { timeout: "1" });
  assert.equal(r.records.length, 0);
  assert.ok(r.events.filter((e) => e.event === "ping").length >= 2);
  assert.equal(r.events.at(-1).data, "[DONE]");
});

test("fault error-event: records, then event: error and EOF without [DONE]", async () => {
  const id = cid("errev");
  await createSession(sim, id);
  await turn(id, "hello");
  await fault(sim, `error-event=boom,after=2,session=${id}`);
  const r = await readOut(sim, id, { timeout: "1" });
  assert.equal(r.records.length, 2);
  assert.deepEqual(r.events.at(-1), { event: "error", data: "boom" });
});

test("faults status (count, on=), 429 with x-ratelimit-*, delay, --fault at start", async () => {
  const id = cid("status");
  await createSession(sim, id);
  await fault(sim, `status=429,on=in,count=2,session=${id}`);
  const a = await append(sim, id, msgChunk(id, "x"));
  assert.equal(a.status, 429);
  for (const h of ["x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset"]) assert.ok(h in a.headers, h);
  assert.equal((await append(sim, id, msgChunk(id, "x"))).status, 429);
  assert.equal((await append(sim, id, msgChunk(id, "x"))).status, 200);
  await fault(sim, `status=500,on=out,session=${id}`);
  assert.equal((await readOut(sim, id)).status, 500);
  await fault(sim, `delay=300,on=out,session=${id}`);
  const t0 = Date.now();
  await readOut(sim, id, { timeout: "1" });
  assert.ok(Date.now() - t0 >= 300);
  assert.equal((await createSession(sim, "boot-fault")).status, 500);
  assert.equal((await createSession(sim, "boot-fault")).status, 201);
  const bad = await admin(sim, "/admin/faults", { spec: "nonsense=1" });
  assert.match(bad.error, /unknown fault kind/);
});

test("fault trim (aggressive): .out keeps only the newest turn-complete onwards", async () => {
  const id = cid("trimagg");
  await createSession(sim, id);
  await fault(sim, `trim,session=${id}`);
  const s = await turn(id, "hello");
  const tc = s.out.find(isTc);
  assert.equal(s.out[0].seq_num, tc.seq_num);
  assert.deepEqual(s.out.at(-1).headers, [["", "trim"]]);
});

test("--rate-limit: 429 with x-ratelimit-* once the window is full", async () => {
  const rl = await startSim(["--rate-limit", "2", "--no-backend"]);
  try {
    const s2 = { ...rl };
    const id = cid("rl");
    await createSession(s2, id);
    const chunk = { kind: "message", payload: { chatId: id, trigger: "action", action: { type: "undo" } } };
    const r1 = await append(s2, id, chunk);
    assert.equal(r1.status, 200);
    assert.equal(r1.headers["x-ratelimit-remaining"], "1");
    assert.equal((await append(s2, id, chunk)).status, 200);
    const r3 = await append(s2, id, chunk);
    assert.equal(r3.status, 429);
    assert.equal(r3.headers["x-ratelimit-remaining"], "0");
    assert.ok(Number(r3.headers["x-ratelimit-reset"]) > Date.now());
    const nb = await request(`${rl.url}/chat/x/start`, { method: "POST", headers: { "content-length": 0 }, body: "" });
    assert.equal(nb.status, 404, "--no-backend");
  } finally {
    await rl.stop();
  }
});

test("CLI: --help lists every flag; a bad --fault exits 2", () => {
  const h = spawnSync(process.execPath, [SIM_MAIN, "--help"], { encoding: "utf8" });
  assert.equal(h.status, 0);
  for (const f of ["--port", "--tls", "--ca-out", "--token-ttl", "--fault", "--secret-key", "--ping-ms", "--rate-limit", "--empty-body", "--no-backend", "--device-key"]) assert.ok(h.stdout.includes(f), f);
  const b = spawnSync(process.execPath, [SIM_MAIN, "--port", "0", "--fault", "bogus"], { encoding: "utf8" });
  assert.equal(b.status, 2);
  assert.match(b.stderr, /unknown fault kind/);
});

test("expired PAT (--token-ttl) answers 401 on .out and append", async () => {
  const s1 = await startSim(["--token-ttl", "1", "--no-backend"]);
  try {
    const id = cid("ttl");
    const c = await createSession(s1, id);
    assert.equal((await append(s1, id, { kind: "stop" }, { token: c.publicAccessToken })).status, 200);
    await until(async () => (await append(s1, id, { kind: "stop" }, { token: c.publicAccessToken })).status === 401, 5000, "expiry");
    const r = await readOut(s1, id, { token: c.publicAccessToken });
    assert.equal(r.status, 401);
    assert.match(JSON.parse(r.body).error, /expired/);
  } finally {
    await s1.stop();
  }
});

test("--max-runs: an idle run is stopped for a new one; the next append starts a continuation", async () => {
  const s1 = await startSim(["--max-runs", "1", "--no-backend"]);
  try {
    const sa = { ...s1 };
    const a = cid("runa");
    const b = cid("runb");
    await createSession(sa, a);
    const r = await append(sa, a, msgChunk(a, "one"));
    assert.equal(r.status, 200);
    await until(async () => (await admin(sa, `/admin/sessions/${a}`)).out.some(isTc), 15000, "turn 1");
    await new Promise((res) => setTimeout(res, 1100)); // a run must be idle > 1 s to be stopped
    await createSession(sa, b);
    await append(sa, b, msgChunk(b, "hi")); // runs boot on their first input
    await until(() => s1.log.some((l) => l.includes(`session ${a} run`) && l.includes("too many live runs")), 5000, "reap log");
    assert.equal((await admin(sa, `/admin/sessions/${a}`)).runAlive, false);
    await append(sa, a, msgChunk(a, "two"));
    const s = await until(async () => {
      const x = await admin(sa, `/admin/sessions/${a}`);
      return x.out.filter(isTc).length === 2 ? x : null;
    }, 15000, "turn 2");
    const text = s.out.filter((x) => x.body && !x.headers).map((x) => JSON.parse(x.body).data).filter((c) => c.type === "text-delta").map((c) => c.delta).join("");
    assert.ok(text.endsWith(echoReply("two", 2)), text);
    assert.equal(s.runs.length, 2);
  } finally {
    await s1.stop();
  }
});

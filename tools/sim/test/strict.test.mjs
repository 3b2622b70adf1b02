// Where the simulator used to be more lenient than the real server
// (protocol.md §2.4, §2.5, §3.3, §5.4, §9) and the switches that play the
// b082e44 snapshot server's answers where production is UNKNOWN.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { startSim, request, admin, createSession, append, readOut, msgChunk, until, SECRET } from "./helpers.mjs";

const sims = [];
after(async () => {
  for (const s of sims) await s.stop();
});
const start = async (args = []) => {
  const s = await startSim(["--ping-ms", "300", ...args]);
  sims.push(s);
  return s;
};
let n = 0;
const cid = (name) => `${name}-${process.pid}-${++n}`;
const isTc = (r) => r.headers?.some(([k, v]) => k === "trigger-control" && v === "turn-complete");
const b64u = (x) => Buffer.from(JSON.stringify(x)).toString("base64url");
const jwt = (claims) => {
  const h = b64u({ alg: "HS256" });
  const b = b64u(claims);
  return `${h}.${b}.${createHmac("sha256", SECRET).update(`${h}.${b}`).digest("base64url")}`;
};

async function turn(sim, id, text) {
  const r = await append(sim, id, msgChunk(id, text));
  assert.equal(r.status, 200);
  await until(async () => {
    const s = await admin(sim, `/admin/sessions/${id}`);
    return s.out.some((x) => isTc(x) && Number(x.headers.find(([k]) => k === "session-in-event-id")[1]) >= r.json.seq) ? s : null;
  }, 30000, "turn-complete");
  return r.json.seq;
}

test(".out: a Last-Event-ID beyond the tail starts at the tail (S2 clamp=true): new records are delivered", async () => {
  const sim = await start();
  const id = cid("clamp");
  await createSession(sim, id);
  const pending = readOut(sim, id, { headers: { "last-event-id": "500" }, timeout: "2" });
  await new Promise((r) => setTimeout(r, 300));
  const inj = await admin(sim, `/admin/sessions/${id}/out`, { records: [{ chunk: { type: "data-x", data: 1 } }] });
  const o = await pending;
  assert.equal(o.status, 200);
  assert.deepEqual(o.records.map((r) => r.seq_num), inj.seqs);
  assert.ok(inj.seqs[0] < 500);
});

test("PAT without iss or aud -> 401 (jose issuer/audience checks); with both it is accepted", async () => {
  const sim = await start();
  const id = cid("claims");
  await createSession(sim, id);
  const iat = Math.floor(Date.now() / 1000);
  const base = { sub: "env_sim", pub: true, scopes: [`read:sessions:${id}`, `write:sessions:${id}`], iat, exp: iat + 60 };
  const { iss, aud, ...noIss } = { ...base, iss: "https://id.trigger.dev", aud: "https://api.trigger.dev" };
  void iss;
  assert.equal((await append(sim, id, { kind: "stop" }, { token: jwt({ ...noIss, aud }) })).status, 401);
  assert.equal((await append(sim, id, { kind: "stop" }, { token: jwt({ ...base, iss: "https://id.trigger.dev" }) })).status, 401);
  assert.equal((await readOut(sim, id, { token: jwt({ ...noIss, aud }) })).status, 401);
  assert.equal((await append(sim, id, { kind: "stop" }, { token: jwt({ ...base, iss: "https://id.trigger.dev", aud }) })).status, 200);
});

test("--json-chunked: JSON answers carry no Content-Length and arrive chunked", async () => {
  const sim = await start(["--json-chunked"]);
  const id = cid("chunked");
  await createSession(sim, id);
  const r = await append(sim, id, { kind: "stop" });
  assert.equal(r.status, 200);
  assert.equal(r.headers["content-length"], undefined);
  assert.equal(r.headers["transfer-encoding"], "chunked");
  assert.equal(r.json.ok, true);
  const e = await append(sim, "nope-" + id, { kind: "stop" });
  assert.equal(e.status, 404);
  assert.equal(e.headers["transfer-encoding"], "chunked");
  assert.deepEqual(e.json, { error: "Resource not found" });
});

test("--dup-seq omit: a duplicate X-Part-Id answers {ok:true} without seq, stored once", async () => {
  const sim = await start(["--dup-seq", "omit"]);
  const id = cid("dup");
  await createSession(sim, id);
  const a = await append(sim, id, { kind: "stop" }, { partId: "p-1" });
  const b = await append(sim, id, { kind: "stop" }, { partId: "p-1" });
  assert.equal(typeof a.json.seq, "number");
  assert.deepEqual(b.json, { ok: true });
  assert.equal((await admin(sim, `/admin/sessions/${id}`)).in.length, 1);
});

test("--closed-status 400: a closed session answers the snapshot's 400", async () => {
  const sim = await start(["--closed-status", "400"]);
  const id = cid("closed");
  await createSession(sim, id);
  await admin(sim, "/admin/faults", { spec: `close=gone,session=${id}` });
  const r = await append(sim, id, { kind: "stop" });
  assert.equal(r.status, 400);
  assert.deepEqual(r.json, { ok: false, error: "Cannot append to a closed session" });
});

test("--trim-lag-ms: the trim command is written at once, the trimmed records stay readable until the lag passes", async () => {
  const sim = await start(["--trim-lag-ms", "1500"]);
  const id = cid("lag");
  await createSession(sim, id);
  await turn(sim, id, "one");
  await turn(sim, id, "two");
  const s = await admin(sim, `/admin/sessions/${id}`);
  assert.equal(s.out[0].seq_num, 0, "turn 1 still there");
  assert.ok(s.out.some((r) => r.headers?.[0]?.[0] === ""), "trim command written");
  await until(async () => ((await admin(sim, `/admin/sessions/${id}`)).out[0].seq_num > 0 ? true : null), 5000, "trim applied");
});

test("backend: a start for another task than the configured one is refused (403), the configured one works", async () => {
  const sim = await start();
  const id = cid("task");
  const post = (body) =>
    request(`${sim.url}/chat/${id}/start`, { method: "POST", headers: { "x-device-key": "trigchat-dev-device", "content-type": "application/json", "content-length": Buffer.byteLength(body) }, body, ca: sim.ca });
  const bad = await post(JSON.stringify({ taskId: "some-admin-task", clientData: {} }));
  assert.equal(bad.status, 403);
  assert.deepEqual(JSON.parse(bad.body), { error: "task not allowed" });
  assert.equal((await admin(sim, `/admin/sessions/${id}`)).error, "no such session");
  const ok = await post(JSON.stringify({ taskId: "sim-agent", clientData: {} }));
  assert.equal(ok.status, 200);
  assert.ok(JSON.parse(ok.body).publicAccessToken);
});

test("fault status=502,html: an edge's HTML error page instead of JSON", async () => {
  const sim = await start();
  const id = cid("html");
  await createSession(sim, id);
  await admin(sim, "/admin/faults", { spec: `status=502,on=in,html=3000,session=${id}` });
  const r = await append(sim, id, { kind: "stop" });
  assert.equal(r.status, 502);
  assert.match(r.headers["content-type"], /^text\/html/);
  assert.ok(r.body.length >= 3000 && r.body.startsWith("<!DOCTYPE html>"));
  assert.equal((await append(sim, id, { kind: "stop" })).status, 200);
});

test("--no-keep-alive: answers say Connection: close", async () => {
  const sim = await start(["--no-keep-alive"]);
  const id = cid("nka");
  await createSession(sim, id);
  const r = await append(sim, id, { kind: "stop" });
  assert.equal(r.status, 200);
  assert.equal(r.headers.connection, "close");
  const o = await readOut(sim, id, { timeout: "1" });
  assert.equal(o.status, 200);
  assert.equal(o.headers.connection, "close");
});

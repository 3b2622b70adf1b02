// Direct HTTP checks of the wire rules (protocol.md §2, §3, §5).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startSim, request, admin, createSession, append, readOut, msgChunk, until, parseSse, SECRET, DEVICE_KEY } from "./helpers.mjs";
import { trimBody } from "../lib/store.mjs";
import { createHash } from "node:crypto";
import { echoReply } from "../agent/scripts.mjs";

let sim;
let n = 0;
const cid = (name) => `${name}-${process.pid}-${++n}`;
const claimsOf = (jwt) => JSON.parse(Buffer.from(jwt.split(".")[1], "base64url").toString());
const isTc = (r) => r.headers?.some(([k, v]) => k === "trigger-control" && v === "turn-complete");

before(async () => {
  sim = await startSim(["--ping-ms", "300", "--token-ttl", "120", "--record-requests"]);
});
after(async () => {
  await sim?.stop();
});

/** Run one turn by hand; resolves the .out records after its turn-complete. */
async function turn(id, text) {
  const r = await append(sim, id, msgChunk(id, text));
  assert.equal(r.status, 200);
  const seq = r.json.seq;
  const out = await until(async () => {
    const s = await admin(sim, `/admin/sessions/${id}`);
    const tc = s.out.find((x) => isTc(x) && Number(x.headers.find(([k]) => k === "session-in-event-id")[1]) >= seq);
    return tc ? s : null;
  }, 30000, "turn-complete");
  return { seq, out };
}

test("POST /api/v1/sessions: 201 fresh with the full SessionItem, 200 cached, PAT scopes and TTL", async () => {
  const id = cid("create");
  const a = await createSession(sim, id);
  assert.equal(a.status, 201);
  for (const k of ["id", "externalId", "type", "taskIdentifier", "triggerConfig", "currentRunId", "tags", "metadata", "closedAt", "closedReason", "expiresAt", "createdAt", "updatedAt", "runId", "publicAccessToken", "isCached"])
    assert.ok(k in a, `missing ${k}`);
  assert.match(a.id, /^session_/);
  assert.equal(a.externalId, id);
  assert.equal(a.isCached, false);
  assert.equal(a.metadata, null);
  assert.ok(!Number.isNaN(Date.parse(a.createdAt)));
  const c = claimsOf(a.publicAccessToken);
  assert.deepEqual(c.scopes, [`read:sessions:${id}`, `write:sessions:${id}`]);
  assert.equal(c.exp - c.iat, 120);
  const b = await createSession(sim, id);
  assert.equal(b.status, 200);
  assert.equal(b.isCached, true);
  assert.equal(b.id, a.id);
});

test("auth: no key 401, a PAT cannot create sessions, a PAT for another chat gets 403", async () => {
  const id = cid("auth");
  const s = await createSession(sim, id);
  const body = JSON.stringify({ type: "chat.agent", externalId: "x", taskIdentifier: "sim-agent" });
  const noAuth = await request(`${sim.url}/api/v1/sessions`, { method: "POST", headers: { "content-type": "application/json", "content-length": body.length }, body });
  assert.equal(noAuth.status, 401);
  const withPat = await request(`${sim.url}/api/v1/sessions`, { method: "POST", headers: { authorization: `Bearer ${s.publicAccessToken}`, "content-type": "application/json", "content-length": body.length }, body });
  assert.equal(withPat.status, 403);
  const other = await createSession(sim, cid("other"));
  const r = await append(sim, id, msgChunk(id, "hi"), { token: other.publicAccessToken });
  assert.equal(r.status, 403);
  assert.equal(r.json.code, "unauthorized");
  const bad = await append(sim, id, msgChunk(id, "hi"), { token: s.publicAccessToken.slice(0, -3) + "AAA" });
  assert.equal(bad.status, 401);
});

test("in/append: 413 without Content-Length (chunked upload) and above 1 MiB", async () => {
  const id = cid("big");
  await createSession(sim, id);
  const url = `${sim.url}/realtime/v1/sessions/${id}/in/append`;
  const chunked = await request(url, { method: "POST", headers: { authorization: `Bearer ${SECRET}`, "content-type": "application/json" }, body: JSON.stringify(msgChunk(id, "x")), chunked: true });
  assert.equal(chunked.status, 413);
  assert.deepEqual(JSON.parse(chunked.body), { error: "Request body too large" });
  const huge = "x".repeat(1024 * 1024 + 1);
  const big = await request(url, { method: "POST", headers: { authorization: `Bearer ${SECRET}`, "content-length": huge.length }, body: huge }).catch((e) => ({ status: 0, error: e }));
  assert.equal(big.status, 413);
  // A body under 1 MiB whose wrapped S2 record is over it: 413 with the metered-size error.
  const quotes = JSON.stringify({ kind: "message", payload: { chatId: id, trigger: "submit-message", message: { id: "q", role: "user", parts: [{ type: "text", text: '"'.repeat(400 * 1024) }] } } });
  const metered = await append(sim, id, null, { rawBody: quotes });
  assert.equal(metered.status, 413);
  assert.match(metered.json.error, /^Record metered size \d+ bytes exceeds/);
  assert.equal((await admin(sim, `/admin/sessions/${id}`)).in.length, 0);
});

test("in/append: {ok,seq}; X-Part-Id dedupe returns the original seq and stores once", async () => {
  const id = cid("dedupe");
  await createSession(sim, id);
  const a = await append(sim, id, { kind: "message", payload: { chatId: id, trigger: "action", action: { type: "undo" } } }, { partId: "part-1" });
  assert.deepEqual(a.json, { ok: true, seq: 0 });
  const b = await append(sim, id, { kind: "message", payload: { chatId: id, trigger: "action", action: { type: "undo" } } }, { partId: "part-2" });
  assert.deepEqual(b.json, { ok: true, seq: 1 });
  const again = await append(sim, id, { kind: "message", payload: { chatId: id, trigger: "action", action: { type: "undo" } } }, { partId: "part-1" });
  assert.deepEqual(again.json, { ok: true, seq: 0 });
  assert.equal((await admin(sim, `/admin/sessions/${id}`)).in.length, 2);
  const missing = await append(sim, cid("nosuch"), msgChunk("x", "hi"));
  assert.equal(missing.status, 404);
});

test("closed session: close route, 409 session_closed with closedReason, create 409, session-closed record", async () => {
  const id = cid("closed");
  await createSession(sim, id);
  const body = JSON.stringify({ reason: "budget" });
  const c = await request(`${sim.url}/api/v1/sessions/${id}/close`, { method: "POST", headers: { authorization: `Bearer ${SECRET}`, "content-type": "application/json", "content-length": body.length }, body });
  assert.equal(c.status, 200);
  assert.equal(JSON.parse(c.body).closedReason, "budget");
  const r = await append(sim, id, msgChunk(id, "hi"));
  assert.equal(r.status, 409);
  assert.deepEqual(r.json, { ok: false, error: "Cannot append to a closed session", code: "session_closed", closedReason: "budget" });
  const again = await createSession(sim, id);
  assert.equal(again.status, 409);
  const o = await readOut(sim, id);
  assert.deepEqual(o.records.at(-1).headers, [["trigger-control", "session-closed"], ["session-closed-reason", "budget"]]);
});

test(".out framing: headers, batch id triple, records, tail, pings, [DONE]", async () => {
  const id = cid("frame");
  await createSession(sim, id);
  const { seq } = await turn(id, "hello");
  const o = await readOut(sim, id, { timeout: "1" });
  assert.equal(o.status, 200);
  assert.equal(o.headers["content-type"], "text/event-stream");
  assert.equal(o.headers["x-stream-version"], "v2");
  assert.equal(o.headers["x-session-settled"], undefined);
  assert.ok(o.body.endsWith("data: [DONE]\n\n"), JSON.stringify(o.body.slice(-40)));
  const batches = o.events.filter((e) => e.event === "batch");
  let count = 0;
  for (const b of batches) {
    const d = JSON.parse(b.data);
    count += d.records.length;
    const [last, cnt, bytes] = b.id.split(",").map(Number);
    assert.equal(last, d.records.at(-1).seq_num);
    assert.equal(cnt, count);
    assert.ok(bytes > 0);
    assert.ok(d.tail.seq_num > last);
  }
  assert.ok(o.events.some((e) => e.event === "ping" && typeof JSON.parse(e.data).timestamp === "number"), "a ping within 1 s at --ping-ms 300");
  const recs = o.records;
  assert.deepEqual(recs.map((r) => r.seq_num), recs.map((_, i) => i));
  const first = JSON.parse(recs[0].body);
  assert.equal(first.data.type, "start");
  assert.match(first.id, /^[A-Za-z0-9_-]{7}$/);
  const tc = recs.at(-1);
  assert.equal(tc.body, undefined, "empty body omitted (s2-lite)");
  assert.deepEqual(tc.headers[0], ["trigger-control", "turn-complete"]);
  const h = Object.fromEntries(tc.headers);
  assert.equal(h["session-in-event-id"], String(seq));
  assert.ok(h["public-access-token"].split(".").length === 3);
  assert.equal(recs.filter((r) => r.body).map((r) => JSON.parse(r.body).data).filter((c) => c.type === "text-delta").map((c) => c.delta).join(""), echoReply("hello"));
});

test(".out: Last-Event-ID rules (decimal resumes after it, '12,3,612' replays from 0, 'n-m' uses n)", async () => {
  const id = cid("lei");
  await createSession(sim, id);
  await turn(id, "hello");
  const seqs = async (lei) => (await readOut(sim, id, { headers: { "last-event-id": lei }, timeout: "1" })).records.map((r) => r.seq_num);
  assert.equal((await seqs("12,3,612"))[0], 0);
  assert.equal((await seqs("3"))[0], 4);
  assert.equal((await seqs("5-0"))[0], 6);
  assert.equal((await seqs("abc"))[0], 0);
});

test(".out: Timeout-Seconds validation (0, 601, 10abc -> 400)", async () => {
  const id = cid("tsec");
  await createSession(sim, id);
  for (const [v, msg] of [["0", "Timeout seconds must be greater than 0"], ["601", "Timeout seconds must be less than 600"], ["10abc", "Invalid timeout seconds"]]) {
    const r = await readOut(sim, id, { timeout: v });
    assert.equal(r.status, 400, v);
    assert.equal(r.body, msg);
  }
});

test(".out: long-poll delivers records that arrive after the GET; friendly id and externalId both work", async () => {
  const id = cid("poll");
  const s = await createSession(sim, id);
  // Read by the friendly id with a long window; stop reading once the turn-complete is in.
  let seen = "";
  let open;
  const opened = new Promise((r) => (open = r));
  const pending = request(`${sim.url}/realtime/v1/sessions/${s.id}/out`, {
    headers: { authorization: `Bearer ${SECRET}`, "timeout-seconds": "60" },
    timeoutMs: 30000,
    onResponse: (res) => open(res.statusCode),
    onData: (d, req) => {
      seen += d;
      if (seen.includes('"turn-complete"')) req.destroy();
    },
  }).catch(() => null);
  assert.equal(await opened, 200, "the read is open (headers in) before anything is appended");
  assert.equal(seen, "");
  await append(sim, id, msgChunk(id, "late"));
  await pending;
  const recs = parseSse(seen.slice(0, seen.lastIndexOf("\n\n") + 2)).filter((e) => e.event === "batch").flatMap((e) => JSON.parse(e.data).records);
  assert.ok(recs.some(isTc), "the turn-complete arrived on the open read");
  assert.equal(recs[0].seq_num, 0);
  const nf = await readOut(sim, "session_doesnotexist");
  assert.equal(nf.status, 404);
  assert.equal(nf.headers["x-should-retry"], "false");
});

test(".out: X-Peek-Settled -> X-Session-Settled: true and wait=0 when the tail is a turn-complete", async () => {
  const id = cid("peek");
  await createSession(sim, id);
  const { out } = await turn(id, "hello");
  const last = out.out.at(-1).seq_num;
  const t0 = Date.now();
  const o = await readOut(sim, id, { headers: { "x-peek-settled": "1", "last-event-id": String(last) }, timeout: "120" });
  assert.equal(o.headers["x-session-settled"], "true");
  assert.ok(Date.now() - t0 < 2000);
  assert.equal(o.records.length, 0);
  assert.ok(o.body.endsWith("data: [DONE]\n\n"));
  // "1" exactly: anything else is a normal long-poll
  const other = await readOut(sim, id, { headers: { "x-peek-settled": "true", "last-event-id": String(last) }, timeout: "1" });
  assert.equal(other.headers["x-session-settled"], undefined);
});

test("trim: after the 2nd turn-complete a [\"\",\"trim\"] command back to the 1st, with the 8-byte big-endian body", async () => {
  const id = cid("trim");
  await createSession(sim, id);
  const a = await turn(id, "one");
  const tc1 = a.out.out.filter(isTc).at(-1).seq_num;
  assert.ok(!a.out.out.some((r) => r.headers?.[0]?.[0] === ""), "no trim after the first turn");
  const b = await turn(id, "two");
  const trim = b.out.out.find((r) => r.headers?.[0]?.[0] === "");
  assert.deepEqual(trim.headers, [["", "trim"]]);
  assert.equal(trim.body, trimBody(tc1));
  assert.equal(trim.body, "\u0000".repeat(7) + String.fromCharCode(tc1));
  assert.equal(b.out.out[0].seq_num, tc1, "records before the previous turn-complete are gone");
  // the rendering on the wire, JSON-escaped
  const o = await readOut(sim, id, { timeout: "1" });
  assert.ok(o.body.includes(`"headers":[["","trim"]],"body":${JSON.stringify(trimBody(tc1))}}`), o.body.slice(-400));
  assert.equal(o.records[0].seq_num, tc1, "a cursor below the trim point is clamped");
});

test("customer backend: X-Device-Key required; start -> {publicAccessToken}; token -> text/plain JWT", async () => {
  const id = cid("backend");
  const no = await request(`${sim.url}/chat/${id}/start`, { method: "POST", headers: { "content-length": 0 }, body: "" });
  assert.equal(no.status, 401);
  const wrong = await request(`${sim.url}/chat/${id}/token`, { method: "POST", headers: { "x-device-key": "nope", "content-length": 0 }, body: "" });
  assert.equal(wrong.status, 401);
  const body = JSON.stringify({ clientData: { locale: "en" } });
  const st = await request(`${sim.url}/chat/${id}/start`, { method: "POST", headers: { "x-device-key": DEVICE_KEY, "content-type": "application/json", "content-length": body.length }, body });
  assert.equal(st.status, 200);
  const pat = JSON.parse(st.body).publicAccessToken;
  assert.deepEqual(claimsOf(pat).scopes, [`read:sessions:${id}`, `write:sessions:${id}`]);
  const s = await admin(sim, `/admin/sessions/${id}`);
  assert.deepEqual(s.triggerConfig.basePayload, { messages: [], trigger: "preload", metadata: { locale: "en" }, chatId: id });
  const tk = await request(`${sim.url}/chat/${id}/token`, { method: "POST", headers: { "x-device-key": DEVICE_KEY, "content-length": 0 }, body: "" });
  assert.equal(tk.status, 200);
  assert.match(tk.headers["content-type"], /^text\/plain/);
  assert.deepEqual(claimsOf(tk.body).scopes, [`read:sessions:${id}`, `write:sessions:${id}`]);
  const r = await append(sim, id, msgChunk(id, "hi"), { token: tk.body });
  assert.equal(r.status, 200);
});

test("admin: injected raw records appear on .out with the next seq", async () => {
  const id = cid("inject");
  await createSession(sim, id);
  const r = await admin(sim, `/admin/sessions/${id}/out`, { records: [{ chunk: { type: "text-delta", id: "t", delta: "x" }, id: "DUPE123" }, { chunk: { type: "text-delta", id: "t", delta: "y" }, id: "DUPE123" }, { headers: [["trigger-control", "upgrade-required"]] }] });
  assert.deepEqual(r.seqs, [0, 1, 2]);
  const o = await readOut(sim, id, { timeout: "1" });
  assert.equal(JSON.parse(o.records[1].body).id, "DUPE123");
  assert.deepEqual(o.records[2].headers, [["trigger-control", "upgrade-required"]]);
});

test("--record-requests: GET /admin/requests lists each client request (tokens as hashes), what it handed out and what .out served", async () => {
  const id = cid("reclog");
  const tagOf = (tok) => `t:${createHash("sha256").update(tok).digest("hex").slice(0, 12)}`;
  const created = await createSession(sim, id);
  const r = await append(sim, id, msgChunk(id, "logged"), { token: created.publicAccessToken, partId: "part-log-1" });
  assert.equal(r.status, 200);
  await until(async () => (await readOut(sim, id, { timeout: "1" })).records.some(isTc), 30000, "turn-complete");
  const { recording, entries } = await admin(sim, "/admin/requests");
  assert.equal(recording, true);
  const mine = entries.filter((e) => e.path.includes(id) || e.body?.includes(id));
  const create = mine.find((e) => e.kind === "request" && e.path === "/api/v1/sessions");
  assert.equal(create.status, 201);
  assert.equal(create.issued, tagOf(created.publicAccessToken));
  const ap = mine.find((e) => e.kind === "request" && e.path.endsWith("/in/append"));
  assert.equal(ap.method, "POST");
  assert.equal(ap.status, 200);
  assert.equal(ap.headers.authorization, `Bearer ${tagOf(created.publicAccessToken)}`);
  assert.equal(ap.headers["x-part-id"], "part-log-1");
  assert.equal(JSON.parse(ap.body).payload.message.parts[0].text, "logged");
  assert.ok(!JSON.stringify(entries).includes(created.publicAccessToken), "no token in the log");
  assert.ok(!JSON.stringify(entries).includes(SECRET), "no secret key in the log");
  const served = mine.filter((e) => e.kind === "served").flatMap((e) => e.records);
  const tc = served.find((x) => x.type === "control:turn-complete");
  assert.ok(tc?.issued?.startsWith("t:"), JSON.stringify(served));
  assert.ok(served.some((x) => x.type === "text-delta"));
  assert.ok(!entries.some((e) => e.path?.startsWith("/admin/")), "admin calls are not logged");
});

test("fault skip=N: the first N matching requests pass, the next one gets the fault", async () => {
  const id = cid("skip");
  await createSession(sim, id);
  await admin(sim, "/admin/faults", { spec: `status=500,on=in,skip=1,session=${id}` });
  assert.equal((await append(sim, id, { kind: "stop" })).status, 200);
  assert.equal((await append(sim, id, { kind: "stop" })).status, 500);
  assert.equal((await append(sim, id, { kind: "stop" })).status, 200);
});

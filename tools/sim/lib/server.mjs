// HTTP(S) front of the simulator: the Trigger.dev API and realtime routes
// (protocol.md §2, §5), the admin routes (faults, inspection, injection) and,
// optionally, the customer backend (tools/backend) on the same port.

import http from "node:http";
import net from "node:net";
import tls from "node:tls";
import { Duplex } from "node:stream";
import { createHash } from "node:crypto";
import { configure } from "@trigger.dev/sdk";
import { Store, meteredBytes, nanoid } from "./store.mjs";
import { Faults, parseFaultSpec } from "./faults.mjs";
import { mintSessionToken, signJwt, verifyJwt, scopeAllows, ISS, AUD } from "./jwt.mjs";
import { makeCerts } from "./tls.mjs";

const MAX_APPEND = 1024 * 1024;
const DEDUP_MS = 5 * 60 * 1000;
const BATCH_MAX_RECORDS = 1000;
const BATCH_MAX_BYTES = 1024 * 1024;

const CORS = { "access-control-allow-origin": "*", "access-control-expose-headers": "*" };

// res.__chunked (--json-chunked): no Content-Length, the body goes out with
// chunked transfer encoding in two writes, the way a Remix json() Response
// (no Content-Length header) is streamed by the node adapter. What the real
// edge (CDN) hands the client is UNKNOWN; a client must accept both.
function sendBody(res, status, type, body, extra) {
  if (!res.__chunked) {
    res.writeHead(status, { "content-type": type, "content-length": Buffer.byteLength(body), ...CORS, ...extra });
    return res.end(body);
  }
  res.writeHead(status, { "content-type": type, ...CORS, ...extra });
  const half = body.length >> 1;
  if (half) res.write(body.slice(0, half));
  res.end(body.slice(half));
}
function json(res, status, body, extra = {}) {
  sendBody(res, status, "application/json", JSON.stringify(body), extra);
}
function text(res, status, body, extra = {}) {
  sendBody(res, status, "text/plain", body, extra);
}

function readBody(req, limit) {
  return new Promise((resolve, reject) => {
    const parts = [];
    let n = 0;
    req.on("data", (d) => {
      n += d.length;
      if (n > limit) {
        reject(Object.assign(new Error("too large"), { status: 413 }));
        req.destroy();
        return;
      }
      parts.push(d);
    });
    req.on("end", () => resolve(Buffer.concat(parts).toString("utf8")));
    req.on("error", reject);
  });
}

/** A JS Duplex between the TCP socket and TLS, so TLS records can be cut (tls-cut fault). */
function tcpProxy(raw) {
  const d = new Duplex({
    write(chunk, _enc, cb) {
      if (d.cutNext && !raw.destroyed) {
        const half = Math.max(1, chunk.length >> 1);
        raw.write(chunk.subarray(0, half), () => raw.destroy());
        d.cutNext = false;
        cb();
        return;
      }
      if (raw.destroyed) return cb();
      raw.write(chunk, cb);
    },
    read() {
      raw.resume();
    },
    final(cb) {
      raw.end();
      cb();
    },
    destroy(err, cb) {
      raw.destroy();
      cb(err);
    },
  });
  raw.on("data", (c) => {
    if (!d.push(c)) raw.pause();
  });
  raw.on("end", () => d.push(null));
  raw.on("close", () => d.destroy());
  raw.on("error", () => d.destroy());
  return d;
}

export async function startSim(o = {}) {
  const opts = {
    host: "127.0.0.1",
    port: 8787,
    tls: false,
    caOut: undefined,
    tokenTtl: 3600,
    secretKey: "tr_dev_trigchat_simulator",
    pingMs: 5000,
    rateLimit: 0,
    rateWindowMs: 60000,
    emptyBody: "omit",
    jsonChunked: false,
    noKeepAlive: false,
    dupSeq: "original",
    closedStatus: 409,
    trimLagMs: 0,
    backend: true,
    deviceKeys: ["trigchat-dev-device"],
    taskId: "sim-agent",
    idleRunSeconds: 300,
    maxTurns: 100,
    maxRuns: 12,
    verbose: false,
    recordRequests: false,
    log: (line) => process.stderr.write(`sim: ${line}\n`),
    ...o,
  };
  const log = opts.log;
  const vlog = opts.verbose ? log : () => {};
  const faults = new Faults(log);
  const sockets = new Set();

  // ---------------------------------------------------------------- auth
  function bearer(req) {
    const h = req.headers.authorization;
    if (!h || !/^Bearer\s+/i.test(h)) return null;
    return h.replace(/^Bearer\s+/i, "").trim();
  }
  /** -> {secret:true} | {claims, token} | {status, body} */
  function authenticate(req) {
    const tok = bearer(req);
    if (!tok) return { status: 401, body: { error: "Invalid or Missing API key" } };
    if (tok === opts.secretKey) return { secret: true };
    if (/^tr_(dev|prod|stg|preview)_/.test(tok)) return { status: 401, body: { error: "Invalid API Key" } };
    const v = verifyJwt(tok, opts.secretKey);
    if (!v.ok) return { status: v.status, body: { error: v.error } };
    return { claims: v.claims, token: tok };
  }
  function tokenRevoked(s, a) {
    if (!s || !a.token) return false;
    if (s.revokedTokens.has(a.token)) return true;
    s.seenTokens.add(a.token);
    return false;
  }
  const EXPIRED = { error: "Public Access Token has expired. See https://trigger.dev/docs/frontend/overview#authentication for more information." };
  const FORBIDDEN = { error: "Unauthorized", code: "unauthorized", param: "access_token", type: "authorization" };

  function faultResponse(res, f, s, on) {
    const st = f.status;
    if (f.html) {
      // An edge's error page (a CDN or load balancer in front of the API answers
      // 502/503/504 with HTML of a few KiB, not the webapp's JSON).
      const page = `<!DOCTYPE html><html><head><title>${st} error</title></head><body>${"<p>edge error page filler</p>".repeat(Math.ceil(Number(f.html) / 28))}</body></html>`;
      return sendBody(res, st, "text/html; charset=UTF-8", page, {});
    }
    const extra = {};
    let body;
    if (st === 401) body = EXPIRED;
    else if (st === 403) body = FORBIDDEN;
    else if (st === 404) {
      body = on === "out" ? { error: "Not found" } : { error: "Resource not found" };
      if (on === "out") extra["x-should-retry"] = "false";
    } else if (st === 409) body = { ok: false, error: "Cannot append to a closed session", code: "session_closed", closedReason: s?.closedReason ?? "simulated" };
    else if (st === 429) {
      body = { error: "Rate limit exceeded" };
      Object.assign(extra, { "x-ratelimit-limit": "60", "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(Date.now() + 1000) });
    } else if (st === 500) body = { ok: false, error: "Something went wrong, please try again." };
    else body = { error: `Simulated ${st}` };
    json(res, st, body, extra);
  }
  /** status + delay faults for endpoint `on`. Returns true when the request was answered. */
  async function applyFaults(req, res, key, on, s) {
    if (req.socket.__internal) return false;
    const d = faults.take(key, "delay", on);
    if (d) await new Promise((r) => setTimeout(r, d.ms));
    const f = faults.take(key, "status", on);
    if (f) {
      faultResponse(res, f, s, on);
      return true;
    }
    return false;
  }

  // ---------------------------------------------------------------- request log
  // --record-requests: every request a client makes (not /admin/*, not the
  // agent's own loopback calls), in arrival order, for differential tests
  // (tests/e2e/parity.test.mjs): method, path, query, headers, the body as the
  // handler read it, the status, and the tokens handed out (backend answers,
  // turn-complete headers). Tokens never appear: an Authorization value is
  // "<scheme> <tag>", a token "<tag>", tag = "t:" + 12 hex of its SHA-256.
  // GET /admin/requests returns {entries}; DELETE /admin/requests clears it.
  const reqLog = [];
  const REQLOG_MAX = 20000;
  const REQLOG_BODY_MAX = 64 * 1024;
  const tokenTag = (tok) => `t:${createHash("sha256").update(String(tok)).digest("hex").slice(0, 12)}`;
  const logEntry = (e) => {
    e.n = reqLog.length;
    if (reqLog.length < REQLOG_MAX) reqLog.push(e);
    return e;
  };
  /** What a served .out record was: {seq, type} (+ issued: the tag of a turn-complete's PAT). */
  function servedRecord(r) {
    const o = { seq: r.seq_num, type: "?" };
    if (r.headers?.[0]?.[0] === "") o.type = `command:${r.headers[0][1]}`;
    else if (r.headers?.length) {
      o.type = `control:${r.headers.find(([k]) => k === "trigger-control")?.[1] ?? "?"}`;
      const pat = r.headers.find(([k]) => k === "public-access-token");
      if (pat) o.issued = tokenTag(pat[1]);
    } else {
      try {
        o.type = JSON.parse(r.body).data.type ?? "?";
      } catch {}
    }
    return o;
  }
  function recordRequest(req, res, url) {
    const headers = {};
    for (const [k, v] of Object.entries(req.headers)) {
      if (k === "authorization") {
        const m = /^(\S+)\s+(.*)$/.exec(String(v));
        headers[k] = m ? `${m[1]} ${tokenTag(m[2].trim())}` : tokenTag(v);
      } else if (k === "x-device-key") headers[k] = "<redacted>";
      else headers[k] = v;
    }
    const e = logEntry({ kind: "request", method: req.method, path: url.pathname, query: url.search, headers, body: "", status: null });
    // Tap the body as the handler reads it (a handler that never reads it, e.g.
    // a 413 before the body, leaves "").
    const emit = req.emit;
    req.emit = function (ev, ...args) {
      if (ev === "data" && e.body.length < REQLOG_BODY_MAX) e.body += Buffer.from(args[0]).toString("utf8");
      return emit.call(this, ev, ...args);
    };
    const writeHead = res.writeHead;
    res.writeHead = function (status, ...rest) {
      e.status = status;
      // Answered before the handler read the body (a fault, a 401): read the
      // rest into the log anyway, so what is logged does not depend on how
      // the client split its writes (parity.test.mjs compares bodies).
      if (!req.complete && !req.readableFlowing) req.on("data", () => {});
      return writeHead.call(this, status, ...rest);
    };
    // The tokens a backend or session-create answer hands out.
    if (req.method === "POST" && (/^\/chat\/[^/]+\/(start|token)$/.test(url.pathname) || url.pathname === "/api/v1/sessions")) {
      const parts = [];
      const write = res.write;
      const end = res.end;
      res.write = function (chunk, ...rest) {
        if (chunk && typeof chunk !== "function") parts.push(Buffer.from(chunk));
        return write.call(this, chunk, ...rest);
      };
      res.end = function (chunk, ...rest) {
        if (chunk && typeof chunk !== "function") parts.push(Buffer.from(chunk));
        e.status ??= res.statusCode;
        const text = Buffer.concat(parts).toString("utf8");
        let tok = null;
        try {
          tok = JSON.parse(text).publicAccessToken ?? null;
        } catch {
          if (/^[\w.-]+$/.test(text)) tok = text;
        }
        if (tok && res.statusCode < 300) e.issued = tokenTag(tok);
        return end.call(this, chunk, ...rest);
      };
    }
    return e;
  }

  // ---------------------------------------------------------------- store
  const store = new Store({ secretKey: opts.secretKey, tokenTtl: opts.tokenTtl, trimLagMs: opts.trimLagMs, log, faults, internalUrl: "", idleRunMs: opts.idleRunSeconds * 1000, maxRuns: opts.maxRuns, maxTurns: opts.maxTurns });

  faults.onImmediate = (f) => {
    const targets = f.session === "*" ? [...store.byKey.values()] : [store.find(f.session)].filter(Boolean);
    for (const s of targets) {
      if (f.kind === "expire-tokens") for (const t of s.seenTokens) s.revokedTokens.add(t);
      if (f.kind === "close") {
        store.close(s, f.reason);
        store.appendOut(s, { headers: [["trigger-control", "session-closed"], ...(f.reason ? [["session-closed-reason", f.reason]] : [])] });
      }
    }
  };
  for (const spec of opts.faults ?? []) faults.add(typeof spec === "string" ? parseFaultSpec(spec) : spec);

  function mintFor(s) {
    const t = mintSessionToken({ key: opts.secretKey, sessionKey: s.key, ttlSeconds: opts.tokenTtl });
    s.seenTokens.add(t);
    return t;
  }

  // ---------------------------------------------------------------- routes
  async function createSession(req, res) {
    const a = authenticate(req);
    if (a.status) return json(res, a.status, a.body);
    const sc = a.claims?.scopes ?? [];
    if (!a.secret && !sc.includes("write:sessions") && !sc.includes("admin")) return json(res, 403, FORBIDDEN);
    const cl = req.headers["content-length"];
    if (cl !== undefined && Number.parseInt(cl, 10) > 32 * 1024) return json(res, 413, { error: "Request body too large" });
    let body;
    try {
      const raw = await readBody(req, 32 * 1024);
      if (!raw) return json(res, 400, { error: "Request body is empty" });
      body = JSON.parse(raw);
    } catch (e) {
      return json(res, e.status ?? 400, { error: e.status === 413 ? "Request body too large" : "Invalid JSON" });
    }
    const ext = body.externalId;
    if (typeof body.type !== "string" || !body.type) return json(res, 400, { error: "type is required" });
    if (ext !== undefined && ext !== null) {
      if (typeof ext !== "string" || !ext.trim() || ext.trim().length > 256 || ext.trim().startsWith("session_"))
        return json(res, 400, { error: "Invalid externalId" });
    }
    const key = ext?.trim();
    if (await applyFaults(req, res, key ?? "*", "create")) return;
    let s = key ? store.byKey.get(key) : null;
    let status = 201;
    if (s) {
      if (s.closedAt || (s.expiresAt && Date.parse(s.expiresAt) <= Date.now()))
        return json(res, 409, { error: "Session is closed; use a different externalId to create a new session" });
      s.triggerConfig = body.triggerConfig ?? s.triggerConfig;
      s.updatedAt = new Date().toISOString();
      store.ensureRun(s);
      status = 200;
    } else {
      s = store.create({ ...body, externalId: key ?? null });
      store.startRun(s, {});
    }
    log(`POST /api/v1/sessions ${s.key} -> ${status}`);
    json(res, status, { ...store.item(s), runId: s.currentRunId, publicAccessToken: mintFor(s), isCached: status === 200 });
  }

  async function sessionAction(req, res, key, action) {
    const a = authenticate(req);
    if (a.status) return json(res, a.status, a.body);
    const s = store.find(key);
    if (action === "get") {
      if (!s) return json(res, 404, { error: "Session not found" });
      if (!a.secret && !scopeAllows(a.claims.scopes, "read", [key, s.id, s.key], "in")) return json(res, 403, FORBIDDEN);
      return json(res, 200, store.item(s));
    }
    if (action === "close") {
      if (await applyFaults(req, res, key, "close", s)) return;
      if (!a.secret && !scopeAllows(a.claims.scopes, "write", [key, ...(s ? [s.id, s.key] : [])], "in")) return json(res, 403, FORBIDDEN);
      if (!s) return json(res, 404, { error: "Session not found" });
      let reason;
      try {
        const raw = await readBody(req, 4096);
        reason = raw ? JSON.parse(raw).reason : undefined;
      } catch {
        return json(res, 400, { error: "Invalid JSON" });
      }
      if (reason !== undefined && (typeof reason !== "string" || reason.length > 256)) return json(res, 400, { error: "Invalid reason" });
      if (!s.closedAt) {
        store.close(s, reason);
        // Emulation: the real server's close route is not known to write .out;
        // the simulator tells live readers with a standalone session-closed record.
        if (!req.socket.__internal)
          store.appendOut(s, { headers: [["trigger-control", "session-closed"], ...(reason ? [["session-closed-reason", reason]] : [])] });
      }
      return json(res, 200, store.item(s));
    }
    if (action === "end-and-continue") {
      if (!a.secret) return json(res, 403, FORBIDDEN);
      if (!s) return json(res, 404, { error: "Session not found" });
      let body = {};
      try {
        body = JSON.parse((await readBody(req, 4096)) || "{}");
      } catch {
        return json(res, 400, { error: "Invalid JSON" });
      }
      const out = store.endAndContinue(s, body);
      if (faults.take(s.key, "pending-version")) out.pendingVersion = true;
      log(`session ${s.key} end-and-continue from ${body.callingRunId} -> ${out.runId} (${body.reason ?? "?"})`);
      return json(res, 200, out);
    }
    return json(res, 404, { error: "Not found" });
  }

  const rate = new Map(); // session key -> [timestamps]
  async function appendIn(req, res, key, io) {
    const a = authenticate(req);
    if (a.status) return json(res, a.status, a.body, CORS);
    const cl = req.headers["content-length"];
    if (cl === undefined || !(Number.parseInt(cl, 10) <= MAX_APPEND)) {
      // Answer before reading: a chunked or oversized body is never read (§2.4).
      res.setHeader("connection", "close");
      res.on("finish", () => setTimeout(() => req.socket.destroy(), 50));
      log(`${req.method} ${req.url} -> 413 (content-length ${cl === undefined ? "missing" : cl})`);
      return json(res, 413, { error: "Request body too large" });
    }
    const s = store.find(key);
    if (await applyFaults(req, res, key, io === "in" ? "in" : "out", s)) return;
    if (io === "out" && !a.secret) return json(res, 403, { ok: false, error: "Appending to the out channel requires secret key authentication" });
    if (!a.secret && !scopeAllows(a.claims.scopes, "write", [key, ...(s ? [s.id, s.key] : [])], io)) return json(res, 403, FORBIDDEN);
    if (!s) return json(res, 404, { error: "Resource not found" });
    if (tokenRevoked(s, a)) return json(res, 401, EXPIRED);
    let body;
    try {
      body = await readBody(req, MAX_APPEND);
    } catch {
      return json(res, 413, { error: "Request body too large" });
    }
    if (s.closedAt) {
      // --closed-status 400: the snapshot server's answer (§2.4, §9 item 1); 409 is the 4.8.3 contract.
      if (opts.closedStatus === 400) return json(res, 400, { ok: false, error: "Cannot append to a closed session" });
      return json(res, 409, { ok: false, error: "Cannot append to a closed session", code: "session_closed", closedReason: s.closedReason });
    }
    if (s.expiresAt && Date.parse(s.expiresAt) <= Date.now()) return json(res, 400, { ok: false, error: "Cannot append to an expired session" });
    if (opts.rateLimit > 0 && !req.socket.__internal) {
      const now = Date.now();
      const list = (rate.get(s.key) ?? []).filter((t) => t > now - opts.rateWindowMs);
      const reset = (list[0] ?? now) + opts.rateWindowMs;
      const hdr = { "x-ratelimit-limit": String(opts.rateLimit), "x-ratelimit-reset": String(reset) };
      if (list.length >= opts.rateLimit) {
        log(`rate limit: session=${s.key} 429`);
        return json(res, 429, { error: "Rate limit exceeded" }, { ...hdr, "x-ratelimit-remaining": "0" });
      }
      list.push(now);
      rate.set(s.key, list);
      res.setHeader("x-ratelimit-limit", hdr["x-ratelimit-limit"]);
      res.setHeader("x-ratelimit-remaining", String(opts.rateLimit - list.length));
      res.setHeader("x-ratelimit-reset", hdr["x-ratelimit-reset"]);
    }
    let partId = req.headers["x-part-id"];
    if (typeof partId === "string" && partId) {
      const prev = s.partIds.get(`${io}:${partId}`);
      if (prev && Date.now() - prev.at < DEDUP_MS) {
        log(`${io}/append ${s.key} duplicate X-Part-Id -> seq ${prev.seq}${opts.dupSeq === "omit" ? " (omitted)" : ""}`);
        // --dup-seq omit: the snapshot server's answer (no seq on a duplicate, §2.4, §9 item 3).
        return json(res, 200, opts.dupSeq === "omit" ? { ok: true } : { ok: true, seq: prev.seq });
      }
    } else partId = nanoid(7);
    const wrapped = 8 + Buffer.byteLength(JSON.stringify({ data: body, id: partId }));
    if (wrapped > MAX_APPEND) return json(res, 413, { ok: false, error: `Record metered size ${wrapped} bytes exceeds the ${MAX_APPEND} byte limit` });
    let seq;
    if (io === "in") seq = store.appendIn(s, body, partId).seq_num;
    else seq = s.ch.out.append({ body: JSON.stringify({ data: body, id: partId }) }).seq_num;
    s.partIds.set(`${io}:${partId}`, { seq, at: Date.now() });
    vlog(`${io}/append ${s.key} seq=${seq} ${body.slice(0, 120)}`);
    if (!req.socket.__internal && faults.take(s.key, "lose-answer", io)) {
      // Committed, but the answer never arrives (a cut after the server's commit).
      log(`${io}/append ${s.key} seq=${seq}: answer lost (connection cut)`);
      req.socket.destroy();
      return;
    }
    json(res, 200, { ok: true, seq });
  }

  function records(req, res, key, io, url) {
    const a = authenticate(req);
    if (a.status) return json(res, a.status, a.body);
    const s = store.find(key);
    const ch = store.channelsFor(s ? s.key : key)[io];
    const after = url.searchParams.get("afterEventId");
    const from = after && /^\d+$/.test(after) ? Number(after) + 1 : 0;
    const out = ch.from(from).map((r) => {
      let data = r.body;
      let id = "";
      try {
        const env = JSON.parse(r.body);
        data = env.data;
        id = env.id;
      } catch {}
      return { data, id, seqNum: r.seq_num, ...(r.headers ? { headers: r.headers } : {}) };
    });
    json(res, 200, { records: out });
  }

  // ---------------------------------------------------------------- .out SSE
  async function subscribe(req, res, key, io) {
    const a = authenticate(req);
    if (a.status) return json(res, a.status, a.body);
    const ts = req.headers["timeout-seconds"];
    let wait = 60;
    if (ts !== undefined) {
      const n = Number(ts);
      if (!Number.isFinite(n) || ts.trim() === "") return text(res, 400, "Invalid timeout seconds");
      if (n <= 0) return text(res, 400, "Timeout seconds must be greater than 0");
      if (n > 600) return text(res, 400, "Timeout seconds must be less than 600");
      wait = n;
    }
    const s = store.find(key);
    if (await applyFaults(req, res, key, "out", s)) return;
    if (!a.secret && !scopeAllows(a.claims.scopes, "read", [key, ...(s ? [s.id, s.key] : [])], io)) return json(res, 403, FORBIDDEN);
    if (!s && key.startsWith("session_")) return json(res, 404, { error: "Not found" }, { "x-should-retry": "false" });
    if (tokenRevoked(s, a)) return json(res, 401, EXPIRED);
    const ch = store.channelsFor(s ? s.key : key)[io];

    // Last-Event-ID: text before the first '-', Number(); non-numeric -> from 0 (§2.5).
    let cursor = 0;
    const lei = req.headers["last-event-id"];
    if (typeof lei === "string" && lei.trim() !== "") {
      const n = Number(lei.split("-")[0]);
      if (Number.isInteger(n) && n >= 0) cursor = n + 1;
    }
    // S2 read with clamp=true (R-S2): a start position beyond the tail starts
    // at the tail (S2 ReadStart.clamp: "start reading from the tail if the
    // requested position is beyond it"), so the records appended from then on
    // are delivered even though their seq_num is <= Last-Event-ID.
    if (cursor > ch.next) cursor = ch.next;
    const headers = { "content-type": "text/event-stream", "cache-control": "no-cache", "x-stream-version": "v2", ...CORS };
    if (req.headers["x-peek-settled"] === "1" && io === "out") {
      const forcedNo = faults.take(s?.key ?? key, "peek-settled");
      // Like the webapp: read the last two records (tail_offset=2), newest first,
      // skip command records; settled iff the newest other record is a turn-complete.
      let settled = false;
      for (let i = ch.records.length - 1; i >= Math.max(0, ch.records.length - 2); i--) {
        const r = ch.records[i];
        if (r.headers?.[0]?.[0] === "") continue;
        settled = !!r.headers?.some(([k, v]) => k === "trigger-control" && v === "turn-complete");
        break;
      }
      if (settled && !forcedNo) {
        wait = 0;
        headers["x-session-settled"] = "true";
      }
    }
    const fk = s?.key ?? key;
    const isInternal = req.socket.__internal;
    const take = (k) => (isInternal ? null : faults.take(fk, k));
    const f = {
      dropBytes: take("drop-bytes"),
      dropRecords: take("drop-records"),
      errorEvent: take("error-event"),
      doneAfter: take("done-after"),
      stall: take("stall"),
      split: take("split"),
      tlsCut: take("tls-cut"),
      badBatch: take("bad-batch"),
    };
    res.writeHead(200, headers);
    res.flushHeaders?.();
    req.socket.setNoDelay(true);
    vlog(`GET ${io} ${fk} from=${cursor} wait=${wait}${headers["x-session-settled"] ? " settled" : ""}`);

    let closed = false;
    let sentRecords = 0;
    let sentBytes = 0; // body bytes written
    let meteredSoFar = 0;
    let ended = false;
    const queue = [];
    let flushing = false;

    // Cut the TCP connection (after letting what was written reach the socket).
    const destroy = (why) => {
      if (closed && !cutting) return;
      cutting = false;
      log(`.out ${fk}: ${why}`);
      closed = true;
      cleanup();
      setTimeout(() => req.socket.destroy(), 20);
    };
    let cutting = false;
    // Every body write goes through here: drop-bytes and split apply.
    const write = (str) => {
      if (closed) return;
      let buf = Buffer.from(str, "utf8");
      if (f.dropBytes) {
        const left = f.dropBytes.n - sentBytes;
        if (buf.length >= left) {
          if (left > 0) res.write(buf.subarray(0, left));
          sentBytes += Math.max(0, left);
          destroy(`dropped after ${f.dropBytes.n} bytes`);
          return;
        }
      }
      sentBytes += buf.length;
      if (!f.split) {
        res.write(buf);
        return;
      }
      for (let i = 0; i < buf.length; i += f.split.n) queue.push(buf.subarray(i, i + f.split.n));
      if (!flushing) flushQueue();
    };
    const flushQueue = () => {
      if (closed && !ended) return;
      const seg = queue.shift();
      if (!seg) {
        flushing = false;
        if (ended) res.end();
        return;
      }
      flushing = true;
      res.write(seg);
      setTimeout(flushQueue, f.split.gap);
    };
    const end = () => {
      if (closed) return;
      closed = true;
      ended = true;
      cleanup();
      if (flushing) return; // flushQueue ends it
      res.end();
    };

    let idleTimer = null;
    let pingTimer = null;
    let unwait = null;
    let lastWrite = Date.now();
    const cleanup = () => {
      clearTimeout(idleTimer);
      clearInterval(pingTimer);
      unwait?.();
    };
    const armIdle = () => {
      clearTimeout(idleTimer);
      if (wait > 0) idleTimer = setTimeout(() => { write("data: [DONE]\n\n"); end(); }, wait * 1000);
    };

    const sendBatch = (recs) => {
      let i = 0;
      while (i < recs.length && !closed) {
        const batch = [];
        let bytes = 0;
        while (i < recs.length && batch.length < BATCH_MAX_RECORDS && (batch.length === 0 || bytes + meteredBytes(recs[i]) <= BATCH_MAX_BYTES)) {
          bytes += meteredBytes(recs[i]);
          batch.push(recs[i++]);
        }
        let cutAfter = false;
        // drop-records / error-event / done-after / tls-cut: cut the batch at the limit.
        const limits = [f.dropRecords?.n, f.errorEvent?.after, f.doneAfter?.n, f.tlsCut?.after, f.badBatch?.after].filter((x) => x !== undefined);
        const limit = limits.length ? Math.min(...limits) : Infinity;
        if (sentRecords + batch.length >= limit) {
          batch.length = Math.max(0, limit - sentRecords);
          cutAfter = true;
          i = recs.length;
        }
        if (batch.length) {
          sentRecords += batch.length;
          meteredSoFar += batch.reduce((n, r) => n + meteredBytes(r), 0);
          const last = batch[batch.length - 1];
          const data = JSON.stringify({
            records: batch.map((r) => renderRecord(r)),
            tail: { seq_num: ch.next, timestamp: last.timestamp },
          });
          const served = opts.recordRequests && !isInternal ? logEntry({ kind: "served", path: req.url.split("?")[0], req: req.__logEntry?.n, records: batch.map(servedRecord) }) : null;
          write(`event: batch\nid: ${last.seq_num},${sentRecords},${meteredSoFar}\ndata: ${data}\n\n`);
          if (served && closed) served.cut = true; // drop-bytes cut this batch: only a part was sent
          lastWrite = Date.now();
          cursor = last.seq_num + 1;
        }
        if (cutAfter && !closed) return applyCut();
      }
    };
    const applyCut = () => {
      if (f.dropRecords && sentRecords >= f.dropRecords.n) return destroy(`dropped after ${sentRecords} records`);
      if (f.errorEvent && sentRecords >= f.errorEvent.after) {
        write(`event: error\ndata: ${f.errorEvent.text.replace(/\n/g, " ")}\n\n`);
        log(`.out ${fk}: error event after ${sentRecords} records`);
        return end();
      }
      if (f.badBatch && sentRecords >= f.badBatch.after) {
        write(`event: batch\ndata: {"records":[{"seq_num":${cursor},]}\n\n`); // a trailing comma: not JSON
        log(`.out ${fk}: bad batch after ${sentRecords} records`);
        return end();
      }
      if (f.doneAfter && sentRecords >= f.doneAfter.n) {
        write("data: [DONE]\n\n");
        log(`.out ${fk}: [DONE] after ${sentRecords} records`);
        return end();
      }
      if (f.tlsCut && sentRecords >= f.tlsCut.after) {
        const proxy = req.socket.__proxy;
        if (!proxy) return destroy(`tls-cut without TLS: plain drop after ${sentRecords} records`);
        log(`.out ${fk}: cutting the next TLS record after ${sentRecords} records`);
        closed = true;
        cleanup();
        // Let what was written reach the wire as whole records first, then send
        // one more record (an SSE comment) of which only the first half leaves.
        setTimeout(() => {
          proxy.cutNext = true;
          res.write(`: ${"x".repeat(200)}\n\n`);
        }, 50);
      }
    };
    const renderRecord = (r) => {
      const o = { seq_num: r.seq_num, timestamp: r.timestamp };
      if (r.headers && r.headers.length) o.headers = r.headers;
      if (r.body || opts.emptyBody === "empty") o.body = r.body ?? "";
      return o;
    };

    const pump = () => {
      if (closed) return;
      if (f.stall) return;
      const first = ch.records[0];
      if (first && cursor < first.seq_num) cursor = first.seq_num; // clamp=true
      const recs = ch.from(cursor);
      if (recs.length) {
        sendBatch(recs);
        armIdle();
      }
      if (!closed && wait === 0) {
        write("data: [DONE]\n\n");
        end();
      }
    };
    req.on("close", () => {
      if (!closed) vlog(`.out ${fk}: client went away`);
      closed = true;
      cleanup();
    });
    // The first pass may cut immediately (drop-records=0 etc.).
    if (f.dropRecords?.n === 0 || f.errorEvent?.after === 0 || f.doneAfter?.n === 0 || f.tlsCut?.after === 0 || f.badBatch?.after === 0) return applyCut();
    let scheduled = false;
    unwait = ch.wait(() => {
      if (scheduled) return;
      scheduled = true;
      setImmediate(() => {
        scheduled = false;
        pump();
      });
    });
    pingTimer = setInterval(() => {
      if (Date.now() - lastWrite >= opts.pingMs - 5) {
        write(`event: ping\ndata: ${JSON.stringify({ timestamp: Date.now() })}\n\n`);
        lastWrite = Date.now();
      }
    }, opts.pingMs);
    armIdle();
    pump();
  }

  // ---------------------------------------------------------------- admin
  async function admin(req, res, url) {
    const p = url.pathname;
    if (p === "/admin/faults") {
      if (req.method === "GET") return json(res, 200, { faults: faults.list });
      if (req.method === "DELETE") {
        faults.clear();
        log("faults cleared");
        return json(res, 200, { ok: true });
      }
      if (req.method === "POST") {
        try {
          const body = JSON.parse((await readBody(req, 65536)) || "{}");
          const list = Array.isArray(body) ? body : [body];
          const added = list.map((x) => faults.add(typeof x === "string" ? parseFaultSpec(x) : x.spec ? parseFaultSpec(x.spec) : x));
          return json(res, 200, { ok: true, faults: added });
        } catch (e) {
          return json(res, 400, { error: e.message });
        }
      }
    }
    let m = /^\/admin\/sessions\/([^/]+)(\/out)?$/.exec(p);
    if (m) {
      const key = decodeURIComponent(m[1]);
      const s = store.find(key);
      if (!s) return json(res, 404, { error: "no such session" });
      if (m[2] && req.method === "POST") {
        // Inject raw .out records: {"records":[{"headers":[...],"body":"..."}|{"chunk":{...}}]}
        try {
          const body = JSON.parse(await readBody(req, 4 * MAX_APPEND));
          const seqs = (body.records ?? []).map((r) =>
            store.appendOut(s, r.chunk !== undefined ? { body: JSON.stringify({ data: r.chunk, id: r.id ?? nanoid(7) }) } : { headers: r.headers, body: r.body }).seq_num,
          );
          return json(res, 200, { ok: true, seqs });
        } catch (e) {
          return json(res, 400, { error: e.message });
        }
      }
      return json(res, 200, {
        ...store.item(s),
        key: s.key,
        runs: s.runs,
        runAlive: s.runAlive,
        in: s.ch.in.records.map((r) => ({ seq_num: r.seq_num, body: r.rawBody })),
        out: s.ch.out.records,
        outNext: s.ch.out.next,
      });
    }
    if (p === "/admin/requests") {
      if (req.method === "DELETE") reqLog.length = 0;
      return json(res, 200, { recording: !!opts.recordRequests, entries: reqLog });
    }
    if (p === "/admin/health") return json(res, 200, { ok: true });
    return json(res, 404, { error: "Not found" });
  }

  // ---------------------------------------------------------------- backend
  let backend = null;
  if (opts.backend) {
    const { createBackend } = await import("../../backend/app.mjs");
    backend = createBackend({
      deviceKeys: opts.deviceKeys,
      taskId: opts.taskId,
      tokenTtl: opts.tokenTtl,
      log: vlog,
      hook: (kind, chatId) => {
        const f = faults.take(chatId, "status", kind);
        return f ? { status: f.status } : null;
      },
    });
  }

  // ---------------------------------------------------------------- dispatch
  async function handle(req, res) {
    let url;
    try {
      url = new URL(req.url, "http://sim");
    } catch {
      return json(res, 400, { error: "bad url" });
    }
    const p = url.pathname;
    vlog(`${req.method} ${p}`);
    if (opts.recordRequests && !p.startsWith("/admin/") && !req.socket.__internal) req.__logEntry = recordRequest(req, res, url);
    if (opts.jsonChunked && !p.startsWith("/admin/") && !req.socket.__internal) res.__chunked = true;
    // --no-keep-alive: every answer says Connection: close and the server closes (an edge may).
    if (opts.noKeepAlive && !p.startsWith("/admin/") && !req.socket.__internal) res.shouldKeepAlive = false;
    if (req.method === "OPTIONS")
      return res.writeHead(204, { ...CORS, "access-control-allow-methods": "GET,POST,PUT,HEAD,OPTIONS", "access-control-allow-headers": "*", "access-control-max-age": "300" }).end();
    try {
      if (p.startsWith("/admin/")) return await admin(req, res, url);
      if (backend && (await backend(req, res))) return;
      if (p === "/api/v1/sessions") {
        if (req.method !== "POST") return json(res, 405, { error: "Method not allowed" }, { allow: "POST" });
        return await createSession(req, res);
      }
      if (p === "/api/v1/auth/jwt/claims" && req.method === "POST") {
        const a = authenticate(req);
        if (!a.secret) return json(res, 401, a.body ?? { error: "Invalid API Key" });
        return json(res, 200, { sub: "env_sim", pub: true });
      }
      if (p === "/api/v1/auth/public-tokens" && req.method === "POST") {
        const a = authenticate(req);
        if (!a.secret) return json(res, 401, a.body ?? { error: "Invalid API Key" });
        const body = JSON.parse((await readBody(req, 65536)) || "{}");
        const iat = Math.floor(Date.now() / 1000);
        const ttl = typeof body.expirationTime === "number" ? body.expirationTime - iat : opts.tokenTtl;
        return json(res, 200, { token: signJwt({ sub: "env_sim", pub: true, scopes: body.scopes ?? [], iss: ISS, aud: AUD, iat, exp: iat + ttl }, opts.secretKey) });
      }
      let m = /^\/api\/v1\/sessions\/([^/]+)(?:\/(close|end-and-continue))?$/.exec(p);
      if (m) return await sessionAction(req, res, decodeURIComponent(m[1]), m[2] ?? (req.method === "GET" ? "get" : "?"));
      m = /^\/realtime\/v1\/sessions\/([^/]+)\/(in|out)(?:\/(append|records))?$/.exec(p);
      if (m) {
        const key = decodeURIComponent(m[1]);
        const io = m[2];
        if (m[3] === "append") {
          if (req.method !== "POST") return json(res, 405, { error: "Method not allowed" }, { allow: "POST" });
          return await appendIn(req, res, key, io);
        }
        if (m[3] === "records") return records(req, res, key, io, url);
        if (req.method === "HEAD") return res.writeHead(200, { "x-last-chunk-index": "0", ...CORS }).end();
        if (req.method === "GET") return await subscribe(req, res, key, io);
        return json(res, 405, { error: "Method not allowed" }, { allow: "GET, HEAD" });
      }
      return json(res, 404, { error: "Not found" });
    } catch (err) {
      log(`error on ${req.method} ${p}: ${err.stack ?? err}`);
      if (!res.headersSent) json(res, 500, { error: "Internal Server Error" });
      else res.destroy();
    }
  }

  // ---------------------------------------------------------------- listeners
  const httpServer = http.createServer({ keepAliveTimeout: 5000, requestTimeout: 0 }, handle);
  httpServer.on("clientError", (_e, sock) => sock.destroy());
  let certs = null;
  let secureContext = null;
  if (opts.tls) {
    const hosts = ["127.0.0.1", "::1", "localhost"];
    if (!hosts.includes(opts.host) && !["0.0.0.0", "::"].includes(opts.host)) hosts.push(opts.host);
    certs = makeCerts({ caOut: opts.caOut, alg: opts.tlsAlg, hosts });
    secureContext = tls.createSecureContext({ cert: certs.cert, key: certs.key });
  }
  const front = net.createServer((raw) => {
    sockets.add(raw);
    raw.on("close", () => sockets.delete(raw));
    raw.on("error", () => {});
    if (!opts.tls) return httpServer.emit("connection", raw);
    const proxy = tcpProxy(raw);
    const t = new tls.TLSSocket(proxy, { isServer: true, secureContext, ALPNProtocols: ["http/1.1"] });
    t.__proxy = proxy;
    t.on("error", () => raw.destroy());
    t.once("secure", () => httpServer.emit("connection", t));
  });
  // The agent's own control-plane calls (claims, end-and-continue, records)
  // come in over a private plain-HTTP loopback listener without faults.
  const internal = net.createServer((raw) => {
    raw.__internal = true;
    sockets.add(raw);
    raw.on("close", () => sockets.delete(raw));
    httpServer.emit("connection", raw);
  });
  await new Promise((r, j) => internal.once("error", j).listen(0, "127.0.0.1", r));
  store.opts.internalUrl = `http://127.0.0.1:${internal.address().port}`;
  configure({ baseURL: store.opts.internalUrl, accessToken: opts.secretKey });
  await new Promise((r, j) => front.once("error", j).listen(opts.port, opts.host, r));
  const port = front.address().port;
  const hostStr = opts.host.includes(":") ? `[${opts.host}]` : opts.host;
  const url = `${opts.tls ? "https" : "http"}://${hostStr}:${port}`;

  async function close() {
    clearInterval(store.sweeper);
    for (const s of store.byKey.values()) if (s.worker) await s.worker.terminate().catch(() => {});
    for (const sock of sockets) sock.destroy();
    await Promise.all([new Promise((r) => front.close(r)), new Promise((r) => internal.close(r))]);
    httpServer.close();
  }
  return { url, port, caPath: certs?.caPath ?? null, store, faults, close, opts };
}

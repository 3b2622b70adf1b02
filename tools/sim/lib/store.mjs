// Session rows, the per-session .in / .out logs (S2 stand-ins) and the runs
// (one worker thread per session hosting the real chat.agent through the SDK's
// offline harness). protocol.md §1, §2.2, §5, §6.6, §7.3.

import { Worker } from "node:worker_threads";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import path from "node:path";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const WORKER = path.join(HERE, "..", "agent", "worker.mjs");

const ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const NANO = ALNUM + "_-";
export function nanoid(n = 7, alphabet = NANO) {
  const b = randomBytes(n);
  let s = "";
  for (let i = 0; i < n; i++) s += alphabet[b[i] % alphabet.length];
  return s;
}
const cuid = () => "c" + nanoid(24, ALNUM.slice(0, 36).toLowerCase());

/** The body of an S2 trim command: the 8-byte big-endian seq as lossy UTF-8 (protocol.md §5.2, §9 item 5). */
export function trimBody(seq) {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(seq));
  return b.toString("utf8"); // invalid bytes -> U+FFFD, like Rust's from_utf8_lossy
}

/** S2 metered size of a record: 8 + 2*headers + header bytes + body bytes. */
export function meteredBytes(rec) {
  let n = 8;
  for (const [k, v] of rec.headers ?? []) n += 2 + Buffer.byteLength(k) + Buffer.byteLength(v);
  if (rec.body) n += Buffer.byteLength(rec.body);
  return n;
}

/** One S2-like stream: records with monotonic seq_num, trimmable, long-pollable. */
export class Channel {
  constructor() {
    this.records = []; // {seq_num, timestamp, headers?, body?}
    this.next = 0;
    this.waiters = new Set();
  }
  append({ headers, body }) {
    const rec = { seq_num: this.next++, timestamp: Date.now() };
    if (headers && headers.length) rec.headers = headers;
    rec.body = body ?? "";
    this.records.push(rec);
    for (const w of [...this.waiters]) w();
    return rec;
  }
  /** Drop every record with seq_num < seq (S2 trim). */
  trimTo(seq) {
    let i = 0;
    while (i < this.records.length && this.records[i].seq_num < seq) i++;
    if (i) this.records.splice(0, i);
  }
  /** Records with seq_num >= from (clamped to the earliest surviving record). */
  from(from) {
    return this.records.filter((r) => r.seq_num >= from);
  }
  wait(fn) {
    this.waiters.add(fn);
    return () => this.waiters.delete(fn);
  }
}

export class Store {
  constructor(opts) {
    this.opts = opts; // {secretKey, tokenTtl, internalUrl, log, fault}
    this.byKey = new Map(); // externalId or friendlyId -> session
    this.byFriendly = new Map();
    this.channels = new Map(); // storage key -> {in: Channel, out: Channel}
    this.runSeq = 0;
    this.sweeper = setInterval(() => this.sweep(), 5000);
    this.sweeper.unref();
  }

  /** Storage channels by key; a chatId-form .out may open before the row exists (§2.5). */
  channelsFor(key) {
    let c = this.channels.get(key);
    if (!c) {
      c = { in: new Channel(), out: new Channel() };
      this.channels.set(key, c);
    }
    return c;
  }

  /** Find a row by URL key (friendly id or external id). */
  find(key) {
    return this.byFriendly.get(key) ?? this.byKey.get(key) ?? null;
  }

  create(body) {
    const now = new Date().toISOString();
    const s = {
      id: `session_${cuid()}`,
      externalId: body.externalId ?? null,
      type: body.type,
      taskIdentifier: body.taskIdentifier,
      triggerConfig: body.triggerConfig ?? {},
      tags: body.tags ?? body.triggerConfig?.tags ?? [],
      metadata: body.metadata ?? null,
      closedAt: null,
      closedReason: null,
      expiresAt: body.expiresAt ?? null,
      createdAt: now,
      updatedAt: now,
      currentRunId: null,
      // simulator state
      runAlive: false,
      runs: [],
      worker: null,
      workerReady: null,
      pendingSuccessor: null,
      lastInDelivered: -1,
      lastTurnInSeq: -1,
      lastTurnCompleteSeq: undefined,
      partIds: new Map(),
      seenTokens: new Set(),
      revokedTokens: new Set(),
      turnErrored: false,
      lastActive: Date.now(),
    };
    s.key = s.externalId ?? s.id;
    s.ch = this.channelsFor(s.key);
    this.byFriendly.set(s.id, s);
    this.byKey.set(s.key, s);
    return s;
  }

  item(s) {
    return {
      id: s.id,
      externalId: s.externalId,
      type: s.type,
      taskIdentifier: s.taskIdentifier,
      triggerConfig: s.triggerConfig,
      currentRunId: s.currentRunId,
      tags: s.tags,
      metadata: s.metadata,
      closedAt: s.closedAt,
      closedReason: s.closedReason,
      expiresAt: s.expiresAt,
      createdAt: s.createdAt,
      updatedAt: s.updatedAt,
    };
  }

  close(s, reason) {
    if (s.closedAt) return;
    s.closedAt = new Date().toISOString();
    s.closedReason = reason ?? null;
    s.updatedAt = s.closedAt;
    this.opts.log(`session ${s.key} closed${reason ? ` reason=${JSON.stringify(reason)}` : ""}`);
    if (s.worker) {
      const w = s.worker;
      s.worker = null;
      setTimeout(() => w.terminate().catch(() => {}), 2000).unref();
    }
  }

  // ------------------------------------------------------------------ runs

  newRunId() {
    return `run_sim${++this.runSeq}_${nanoid(8, ALNUM)}`;
  }

  /** Stop the run of a session that has been idle (production: idle suspension). */
  reap(s, why) {
    const w = s.worker;
    if (!w) return;
    s.worker = null;
    // Keep the transcript for the continuation run (production: the snapshot store).
    w.on("message", (m) => {
      if (m.op === "snapshot") {
        if (m.snapshot !== undefined) s.snapshot = m.snapshot;
        w.terminate().catch(() => {});
      }
    });
    w.postMessage({ op: "snapshot" });
    setTimeout(() => w.terminate().catch(() => {}), 2000).unref();
    this.opts.log(`session ${s.key} run ${s.currentRunId} stopped (${why}); the next append starts a continuation`);
    this.runExited(s, s.currentRunId, { reaped: true });
  }

  /** Keep at most maxRuns workers alive, and none idle for longer than idleRunMs. */
  sweep(extra = 0) {
    const now = Date.now();
    const live = [...this.byFriendly.values()].filter((x) => x.worker);
    for (const x of live) if (now - x.lastActive > this.opts.idleRunMs) this.reap(x, "idle");
    const still = live.filter((x) => x.worker).sort((a, b) => a.lastActive - b.lastActive);
    while (still.length + extra > this.opts.maxRuns) {
      const victim = still.find((x) => now - x.lastActive > 1000);
      if (!victim) break;
      still.splice(still.indexOf(victim), 1);
      this.reap(victim, "too many live runs");
    }
  }

  spawnWorker(s) {
    this.sweep(1);
    const w = new Worker(WORKER, {
      workerData: { chatId: s.key, apiUrl: this.opts.internalUrl, secretKey: this.opts.secretKey },
      env: { ...process.env, SIM_TASK_ID: s.taskIdentifier || "sim-agent", SIM_TOKEN_TTL: `${this.opts.tokenTtl}s`, SIM_MAX_TURNS: String(this.opts.maxTurns ?? 100) },
      stdout: false,
      stderr: false,
    });
    s.worker = w;
    s.workerReady = new Promise((resolve) => {
      w.on("message", (m) => {
        if (m.op === "ready") resolve();
        else this.onWorkerMessage(s, m);
      });
    });
    w.on("error", (err) => {
      this.opts.log(`session ${s.key} worker error: ${err.stack ?? err}`);
      this.runExited(s, s.currentRunId, { error: String(err.message) });
      if (s.worker === w) s.worker = null;
    });
    w.on("exit", () => {
      if (s.worker === w) s.worker = null;
    });
    w.unref();
    return w;
  }

  /** Start a run (first run: preload; later: continuation). Returns the run id. */
  startRun(s, { continuation, previousRunId, reason, runId } = {}) {
    runId = runId ?? this.newRunId();
    s.lastActive = Date.now();
    s.currentRunId = runId;
    s.runAlive = true;
    s.runs.push({ runId, reason: reason ?? (continuation ? "continuation" : "initial"), startedAt: Date.now() });
    const clientData = s.triggerConfig?.basePayload?.metadata;
    // The worker (and the harness in it) boots lazily, when the run first has
    // input: a session that never gets a message costs no thread.
    s.pendingStart = { op: "start", runId, runIndex: s.runs.length, mode: continuation ? "continuation" : "preload", previousRunId, clientData };
    this.opts.log(`session ${s.key} run ${runId} started (${continuation ? "continuation" : "initial"})`);
    if (continuation) {
      // The successor reads what its predecessor left unanswered on .in
      // (production: the boot scan after session-in-event-id).
      for (const rec of s.ch.in.records) if (rec.seq_num > s.lastTurnInSeq && rec.seq_num <= s.lastInDelivered) this.redeliver(s, rec);
    }
    return runId;
  }

  /** Boot the pending run's harness (spawning the worker if needed) before it gets input. */
  bootRun(s) {
    if (!s.pendingStart) return;
    if (!s.worker) this.spawnWorker(s);
    s.worker.postMessage({ ...s.pendingStart, snapshot: s.snapshot });
    s.snapshot = undefined;
    s.pendingStart = null;
  }

  /** ensureRunForSession: start a continuation when the run is gone (§6.6). */
  ensureRun(s) {
    if (s.closedAt) return;
    if (!s.runAlive) {
      const prev = s.currentRunId;
      this.startRun(s, { continuation: s.runs.length > 0, previousRunId: prev ?? undefined });
    }
  }

  /** Re-deliver one stored .in record to a successor run (turn-producing records only). */
  redeliver(s, rec) {
    const c = rec.chunk;
    if (!c || c.kind !== "message" || c.payload?.trigger === "close") return;
    this.bootRun(s);
    s.worker?.postMessage({ op: "in", seq: rec.seq_num, chunk: c });
  }

  appendIn(s, body, partId) {
    s.lastActive = Date.now();
    const rec = s.ch.in.append({ body: JSON.stringify({ data: body, id: partId }) });
    rec.rawBody = body;
    let chunk;
    try {
      chunk = JSON.parse(body);
    } catch {
      chunk = undefined;
    }
    // sanitizeSessionInput: a client may not claim actionSource "webhook" (§2.4).
    if (chunk?.payload?.actionSource === "webhook") delete chunk.payload.actionSource;
    rec.chunk = chunk;
    this.ensureRun(s);
    if (chunk !== undefined) {
      s.lastInDelivered = Math.max(s.lastInDelivered, rec.seq_num);
      this.bootRun(s);
      s.worker?.postMessage({ op: "in", seq: rec.seq_num, chunk });
    }
    return rec;
  }

  runExited(s, runId, { closeCalls, error, reaped } = {}) {
    if (runId !== s.currentRunId && !s.runs.some((r) => r.runId === runId)) return;
    const run = s.runs.find((r) => r.runId === runId);
    if (run) run.exitedAt = Date.now();
    this.opts.log(`session ${s.key} run ${runId} exited${error ? ` error=${JSON.stringify(error)}` : ""}`);
    for (const c of closeCalls ?? []) this.close(s, c.reason);
    if (runId === s.currentRunId) s.runAlive = false;
    // A run that died (crash) with input still unanswered: end that turn the way
    // the platform's error path would, so readers are not left waiting.
    if (error && s.lastInDelivered > s.lastTurnInSeq && !s.pendingSuccessor) {
      this.appendOut(s, { body: JSON.stringify({ data: { type: "error", errorText: `agent run failed: ${error}` }, id: nanoid(7) }) });
      this.onAgentChunk(s, { type: "trigger:turn-complete", sessionInEventId: String(s.lastInDelivered), sessionInConsumedId: String(s.lastInDelivered) }, runId);
    }
    if (s.pendingSuccessor && s.pendingSuccessor.previousRunId === runId && !s.closedAt) {
      const succ = s.pendingSuccessor;
      s.pendingSuccessor = null;
      this.startRun(s, { continuation: true, previousRunId: runId, reason: succ.reason, runId: succ.runId });
    } else if (!error && !reaped && runId === s.currentRunId && !s.closedAt && this.unanswered(s).length) {
      // The run ended by itself (maxTurns, endRun; not stopped by the
      // simulator, whose next append starts the next run) after a message reached it
      // but before a turn took it (the worker delivered it to the exiting
      // harness): the next run answers it now, not when the next append
      // happens to come (production: the boot scan of the next run).
      this.opts.log(`session ${s.key} run ${runId} exited with .in unanswered: continuation`);
      this.ensureRun(s);
    }
  }

  /** The turn-producing .in records delivered but not yet answered by a turn-complete. */
  unanswered(s) {
    return s.ch.in.records.filter((rec) => rec.seq_num > s.lastTurnInSeq && rec.seq_num <= s.lastInDelivered &&
      rec.chunk?.kind === "message" && rec.chunk.payload?.trigger !== "close");
  }

  /** POST /api/v1/sessions/{id}/end-and-continue (chat.requestUpgrade). */
  endAndContinue(s, { callingRunId, reason }) {
    const runId = this.newRunId();
    s.pendingSuccessor = { runId, previousRunId: callingRunId, reason: reason ?? "upgrade" };
    s.currentRunId = runId;
    s.runAlive = true; // the swap is immediate; the successor boots when the caller exits
    return { runId, swapped: true };
  }

  onWorkerMessage(s, m) {
    s.lastActive = Date.now();
    if (m.op === "out") this.onAgentChunk(s, m.chunk, m.runId);
    else if (m.op === "run-exit") this.runExited(s, m.runId, m);
    else if (m.op === "no-run") {
      // Delivered to a run that had just exited: start the next run, which
      // re-reads every unanswered .in record (this one included).
      this.opts.log(`session ${s.key} .in seq ${m.seq} reached exited run ${m.runId}`);
      // Only when no newer run has started since (that one re-reads it anyway).
      if (m.runId === s.currentRunId && !s.pendingStart && !s.pendingSuccessor && !s.closedAt) {
        s.runAlive = false;
        this.ensureRun(s);
        this.bootRun(s);
      }
    }
    else if (m.op === "log") this.opts.log(`session ${s.key} agent: ${m.text}`);
  }

  /** Map one chunk the agent wrote to .out onto an S2 record (§5.2-§5.4). */
  onAgentChunk(s, chunk, runId) {
    if (chunk && typeof chunk === "object" && typeof chunk.type === "string" && chunk.type.startsWith("trigger:")) {
      const subtype = chunk.type.slice("trigger:".length);
      const headers = [["trigger-control", subtype]];
      if (subtype === "turn-complete") {
        if (chunk.publicAccessToken) {
          headers.push(["public-access-token", chunk.publicAccessToken]);
          s.seenTokens.add(chunk.publicAccessToken);
        }
        // The harness gives the .in cursors when it has them; otherwise the
        // simulator fills in the last .in seq it delivered (§2 of simulator-notes).
        const inId = chunk.sessionInEventId ?? String(s.lastInDelivered);
        const consumed = chunk.sessionInConsumedId ?? inId;
        headers.push(["session-in-event-id", String(inId)]);
        headers.push(["session-in-consumed-id", String(consumed)]);
        if (chunk.sessionClosed) headers.push(["session-closed", "true"]);
        if (chunk.sessionClosed && chunk.reason) headers.push(["session-closed-reason", chunk.reason]);
        const n = Number.parseInt(inId, 10);
        if (Number.isFinite(n)) s.lastTurnInSeq = Math.max(s.lastTurnInSeq, n);
        const tc = this.appendOut(s, { headers });
        this.afterTurnComplete(s, tc.seq_num);
        // chat.close(): in the harness sessions.close() only records the call,
        // so the simulator closes the row itself when the close is announced.
        if (chunk.sessionClosed) this.close(s, chunk.reason);
        return;
      }
      if (subtype === "session-closed" && chunk.reason) headers.push(["session-closed-reason", chunk.reason]);
      this.appendOut(s, { headers });
      if (subtype === "session-closed") this.close(s, chunk.reason);
      return;
    }
    this.appendOut(s, { body: JSON.stringify({ data: chunk, id: nanoid(7) }) });
  }

  appendOut(s, rec) {
    return (s.ch ?? this.channelsFor(s.key)).out.append(rec);
  }

  /** The agent's trim after each turn-complete: a trim command back to the previous boundary (§5.4). */
  afterTurnComplete(s, tcSeq) {
    const aggressive = this.opts.faults.take(s.key, "trim");
    const target = aggressive ? tcSeq : s.lastTurnCompleteSeq;
    s.lastTurnCompleteSeq = tcSeq;
    if (target === undefined) return;
    this.appendOut(s, { headers: [["", "trim"]], body: trimBody(target) });
    // S2 trims are eventually consistent (10-60 s, §5.4): --trim-lag-ms keeps
    // the trimmed records readable that long. An aggressive trim fault is immediate.
    const lag = aggressive ? 0 : this.opts.trimLagMs ?? 0;
    if (lag > 0) setTimeout(() => s.ch.out.trimTo(target), lag).unref();
    else s.ch.out.trimTo(target);
  }
}

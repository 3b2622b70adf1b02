// Fault injection, per session (or "*" for every session). See README.md
// "Faults" for the syntax. Every fault that fires logs one line on stderr.

export const FAULT_KINDS = {
  status: "answer the next COUNT matching requests with this HTTP status (on=in|out|create|close|start|token|any)",
  delay: "hold matching requests this many ms before answering (on=...)",
  "drop-bytes": ".out: destroy the TCP connection after N bytes of response body",
  "drop-records": ".out: destroy the TCP connection right after N records were written",
  "error-event": ".out: after `after` records, send `event: error` (data = text) and end without [DONE]",
  "done-after": ".out: after N records, end the read with data: [DONE] (no turn-complete)",
  "bad-batch": ".out: after `after` records, send one batch event whose data is not JSON, and end the response",
  stall: ".out: send only pings, never records, until Timeout-Seconds has passed (then [DONE])",
  split: ".out: write the response in N-byte segments (gap=ms between them, default 1)",
  "tls-cut": ".out (TLS): after `after` records, cut the socket in the middle of the next TLS record",
  trim: "after the next turn-complete, trim .out up to that turn-complete (aggressive trim)",
  "expire-tokens": "now: every token seen so far for the session answers 401 expired",
  close: "now: close the session (value = reason)",
  "peek-settled": ".out: answer the next X-Peek-Settled request as not settled",
  "lose-answer": ".in/append: apply the append, then cut the TCP connection instead of answering (a retry with the same X-Part-Id is a duplicate)",
  "pending-version": "the next end-and-continue (chat.requestUpgrade) answers pendingVersion:true, so the agent writes a pending-version record",
};

const IMMEDIATE = new Set(["expire-tokens", "close"]);

/** Parse "kind[=value],key=value,..." into a fault object. */
export function parseFaultSpec(spec) {
  const parts = String(spec).split(",").map((p) => p.trim()).filter(Boolean);
  if (!parts.length) throw new Error("empty fault spec");
  const f = {};
  parts.forEach((p, i) => {
    const eq = p.indexOf("=");
    const k = eq < 0 ? p : p.slice(0, eq);
    const v = eq < 0 ? undefined : p.slice(eq + 1);
    if (i === 0) {
      f.kind = k;
      if (v !== undefined) f.value = v;
    } else f[k] = v ?? true;
  });
  return normalize(f);
}

export function normalize(f) {
  if (!f || typeof f.kind !== "string" || !(f.kind in FAULT_KINDS)) throw new Error(`unknown fault kind ${JSON.stringify(f?.kind)}; known: ${Object.keys(FAULT_KINDS).join(", ")}`);
  const out = { kind: f.kind, session: String(f.session ?? "*"), count: f.count === undefined ? 1 : Number(f.count) };
  if (!Number.isInteger(out.count) || out.count < 0) throw new Error("count must be an integer >= 0 (0 = forever)");
  // skip=N: let the first N matching requests through, then fire (e.g. a 401 on
  // the second append of a conversation, armed before it starts).
  if (f.skip !== undefined) {
    out.skip = Number(f.skip);
    if (!Number.isInteger(out.skip) || out.skip < 0) throw new Error("skip must be an integer >= 0");
  }
  const num = (v, name) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) throw new Error(`${f.kind}: ${name} must be a number >= 0`);
    return n;
  };
  out.on = f.on ?? (["status", "delay"].includes(f.kind) ? "any" : f.kind === "pending-version" ? "any" : f.kind === "lose-answer" ? "in" : "out");
  if (!["in", "out", "create", "close", "token", "start", "any"].includes(out.on)) throw new Error(`bad on=${out.on}`);
  switch (f.kind) {
    case "status":
      out.status = num(f.value ?? f.status, "status");
      if (out.status < 100 || out.status > 599) throw new Error("status must be 100..599");
      if (f.html !== undefined) out.html = f.html === true ? 6000 : num(f.html, "html");
      break;
    case "delay":
      out.ms = num(f.value ?? f.ms, "ms");
      break;
    case "drop-bytes":
    case "drop-records":
    case "done-after":
      out.n = num(f.value ?? f.n, "n");
      break;
    case "split":
      out.n = Math.max(1, num(f.value ?? f.n ?? 1, "n"));
      out.gap = num(f.gap ?? 1, "gap");
      break;
    case "error-event":
      out.text = typeof f.value === "string" ? f.value : f.text ?? "simulated S2 read error";
      out.after = num(f.after ?? 0, "after");
      break;
    case "tls-cut":
    case "bad-batch":
      out.after = num(f.value ?? f.after ?? 0, "after");
      break;
    case "close":
      out.reason = typeof f.value === "string" ? f.value : f.reason ?? "closed by fault";
      break;
    default:
      break;
  }
  return out;
}

export class Faults {
  constructor(log) {
    this.list = [];
    this.log = log;
    this.onImmediate = null; // (fault) => void, set by the server
  }
  add(f) {
    f = normalize(f);
    if (IMMEDIATE.has(f.kind)) {
      this.log(`fault ${f.kind} session=${f.session}${f.reason ? ` reason=${JSON.stringify(f.reason)}` : ""}`);
      this.onImmediate?.(f);
      return f;
    }
    this.list.push(f);
    this.log(`fault armed ${describe(f)}`);
    return f;
  }
  clear() {
    this.list = [];
  }
  /** Take (consume one use of) the first fault of `kind` for this session / endpoint. */
  take(sessionKey, kind, on) {
    const i = this.list.findIndex(
      (f) => f.kind === kind && (f.session === "*" || f.session === sessionKey) && (on === undefined || f.on === "any" || f.on === on),
    );
    if (i < 0) return null;
    const f = this.list[i];
    if (f.skip > 0) {
      f.skip -= 1;
      return null;
    }
    if (f.count > 0) {
      f.count -= 1;
      if (f.count === 0) this.list.splice(i, 1);
    }
    this.log(`fault ${describe(f)} fired on session=${sessionKey}${on ? ` ${on}` : ""}`);
    return f;
  }
}

function describe(f) {
  const extra = Object.entries(f)
    .filter(([k, v]) => !["kind", "session", "count"].includes(k) && !(k === "skip" && !v))
    .map(([k, v]) => `${k}=${v}`)
    .join(",");
  return `${f.kind}${extra ? `(${extra})` : ""} session=${f.session} count=${f.count === 0 ? "forever" : f.count}`;
}

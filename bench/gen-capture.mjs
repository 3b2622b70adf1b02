#!/usr/bin/env node
// gen-capture.mjs — writes a deterministic, realistic capture of a `.out`
// session stream (protocol.md §5.1-§5.5) for the decoder benchmark.
//
//   node bench/gen-capture.mjs --out DIR [--turns 200] [--seed 1]
//
// Files written in DIR:
//   capture.sse    the HTTP body exactly as the S2 read session sends it
//                  (event: batch / id: last,count,bytes / data: {"records":[...],"tail":...},
//                  event: ping, and a final data: [DONE])
//   capture.http   the same body inside a full HTTP/1.1 response with
//                  Transfer-Encoding: chunked (one chunk per SSE event, as a
//                  Node proxy writes it): the C pipeline's tc_http_resp_feed input
//   expected.txt   per turn, the text the turn's text-delta chunks spell:
//                  "<byte length>\n<UTF-8 bytes>\n" for each turn, in order
//   expected.json  the same as a JSON array of strings (for the JS side)
//   meta.txt       "key value" lines: the counts a decoder must reproduce
//
// Uses only node's standard library (no npm packages): the generator also
// runs in `make test` (bench-smoke).
import fs from "node:fs";
import path from "node:path";

// ------------------------------------------------------------------ options
const args = process.argv.slice(2);
function opt(name, def) {
  const i = args.indexOf("--" + name);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : def;
}
const OUT = opt("out", null);
const TURNS = Number(opt("turns", "200"));
const SEED = Number(opt("seed", "1"));
if (!OUT || !Number.isInteger(TURNS) || TURNS < 1 || !Number.isInteger(SEED)) {
  console.error("usage: gen-capture.mjs --out DIR [--turns N] [--seed S]");
  process.exit(2);
}

// ------------------------------------------------------- deterministic PRNG
let rs = (SEED * 0x9e3779b9) >>> 0 || 1;
function rnd() { // mulberry32
  rs = (rs + 0x6d2b79f5) >>> 0;
  let t = rs;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const ri = (lo, hi) => lo + Math.floor(rnd() * (hi - lo + 1)); // inclusive
const pick = (a) => a[Math.floor(rnd() * a.length)];
const chance = (p) => rnd() < p;

// ------------------------------------------------------------ JSON writing
// A JSON writer that can, per call, write non-ASCII as \uXXXX escapes
// (surrogate pairs for astral code points) instead of raw UTF-8, and can
// escape '/' as "\/": both are legal JSON that a decoder must accept.
function jstr(s, ascii = false, slash = false) {
  let o = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0);
    if (ch === '"') o += '\\"';
    else if (ch === "\\") o += "\\\\";
    else if (ch === "/" && slash) o += "\\/";
    else if (c < 0x20) {
      o += c === 10 ? "\\n" : c === 13 ? "\\r" : c === 9 ? "\\t" : c === 8 ? "\\b" : c === 12 ? "\\f"
        : "\\u" + c.toString(16).padStart(4, "0");
    } else if (c >= 0x80 && ascii) {
      for (let i = 0; i < ch.length; i++) o += "\\u" + ch.charCodeAt(i).toString(16).padStart(4, "0");
    } else o += ch;
  }
  return o + '"';
}
function jval(v, ascii) {
  if (v === null) return "null";
  if (typeof v === "string") return jstr(v, ascii);
  if (typeof v === "number" || typeof v === "boolean") return JSON.stringify(v);
  if (Array.isArray(v)) return "[" + v.map((x) => jval(x, ascii)).join(",") + "]";
  return "{" + Object.keys(v).map((k) => jstr(k, ascii) + ":" + jval(v[k], ascii)).join(",") + "}";
}

// --------------------------------------------------------------- vocabulary
const WORDS = [
  "the", "model", "streams", "text", "to", "a", "small", "board", "over", "TLS", "and", "each",
  "delta", "is", "short", "so", "decoder", "must", "be", "fast", "when", "it", "runs", "on", "an",
  "ESP32", "with", "little", "RAM", "weather", "in", "Paris", "is", "mild", "today", "tomorrow",
  "café", "naïve", "résumé", "über", "señor", "façade", "Ærøskøbing", "Zürich", "crème", "brûlée",
  "日本語", "のテキスト", "中文字符", "한국어", "東京", "天気", "Привет", "мир", "Ελληνικά", "עברית", "العربية",
  "😀", "🚀", "👍🏽", "🇫🇷", "👩‍💻", "🎉", "❤️", "∑", "≈", "→", "€", "£", "°C", "½",
  "\"quoted\"", "C:\\path\\to\\file", "back\\slash", "tab\there", "a/b/c", "x < y && y > z",
  "{\"json\": true}", "'single'", "100%", "#hash", "@mention", "line\r\nbreak",
];
function sentence() {
  const n = ri(4, 16);
  const w = [];
  for (let i = 0; i < n; i++) w.push(pick(WORDS));
  let s = w.join(" ");
  s = s[0].toUpperCase() + s.slice(1);
  return s + pick([".", ".", ".", "!", "?", ":", "…"]);
}
function paragraphText(minChars) {
  let s = "";
  while ([...s].length < minChars) {
    s += sentence();
    s += chance(0.2) ? "\n\n" : chance(0.1) ? "\n- " : chance(0.05) ? "\n```\ncode\tblock\n```\n" : " ";
  }
  return s;
}
// Cuts s into deltas of 1..12 code points (never inside a surrogate pair;
// grapheme clusters such as 👩‍💻 or 🇫🇷 may be cut, as real tokenizers do).
function splitDeltas(s) {
  const cps = [...s];
  const out = [];
  for (let i = 0; i < cps.length;) {
    const n = Math.min(ri(1, 12), cps.length - i);
    out.push(cps.slice(i, i + n).join(""));
    i += n;
  }
  return out;
}

const NANO = "ModuleSymbhasOwnPr-0123456789ABCDEFGHNRVfgctiUvz_KqYTJkLxpZXIjQW";
const usedIds = new Set();
function nanoid(n = 7) {
  for (;;) {
    let s = "";
    for (let i = 0; i < n; i++) s += NANO[ri(0, 63)];
    if (!usedIds.has(s)) { usedIds.add(s); return s; }
  }
}
function b64url(nbytes) {
  const A = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  let s = "";
  for (let i = 0; i < Math.ceil((nbytes * 4) / 3); i++) s += A[ri(0, 63)];
  return s;
}
// A JWT-shaped public access token of about 450 bytes (never a real token).
function fakeJwt() {
  return "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9." + b64url(290) + "." + b64url(32);
}

// ------------------------------------------------------------------ records
let seq = 0;
let ts = 1761820000000;
const records = []; // { json, kind, metered }
const expectedTurns = [];
const meta = { turns: TURNS, records: 0, data: 0, dup: 0, control: 0, command: 0, text_delta: 0,
  reasoning_delta: 0 };

function dataRecord(chunk, opts = {}) {
  const innerAscii = chance(0.12);
  const outerAscii = chance(0.12);
  const id = nanoid();
  const body = jval({ data: chunk, id }, innerAscii);
  const json = (s, t) => '{"seq_num":' + s + ',"timestamp":' + t + ',"body":' + jstr(body, outerAscii, chance(0.05)) + "}";
  records.push({ json: json(seq, ts), metered: 8 + Buffer.byteLength(body) });
  meta.data++;
  if (chunk.type === "text-delta") meta.text_delta++;
  if (chunk.type === "reasoning-delta") meta.reasoning_delta++;
  seq++; ts += ri(2, 40);
  // An S2 append retry can write the same envelope twice (new seq_num, same
  // id): every decoder must drop the second one (protocol.md §5.2).
  if (!opts.noDup && chance(0.006)) {
    records.push({ json: json(seq, ts), metered: 8 + Buffer.byteLength(body) });
    meta.data++; meta.dup++;
    seq++; ts += ri(1, 5);
  }
}
function controlRecord(headers, bodyStyle) {
  const h = "[" + headers.map(([n, v]) => "[" + jstr(n) + "," + jstr(v) + "]").join(",") + "]";
  // S2 omits an empty body; the Trigger docs show "body":"" — both occur.
  const json = '{"seq_num":' + seq + ',"timestamp":' + ts + ',"headers":' + h + (bodyStyle ? ',"body":""' : "") + "}";
  let metered = 8;
  for (const [n, v] of headers) metered += 2 + Buffer.byteLength(n) + Buffer.byteLength(v);
  records.push({ json, metered });
  meta.control++;
  seq++; ts += ri(1, 10);
}
// The 8-byte big-endian trim target as S2 renders a binary body: lossy UTF-8
// (invalid bytes become U+FFFD), control bytes as \u00XX (serde_json style).
function trimRecord(target) {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(target));
  const body = b.toString("utf8");
  const json = '{"seq_num":' + seq + ',"timestamp":' + ts + ',"headers":[["","trim"]],"body":' + jstr(body) + "}";
  records.push({ json, metered: 8 + 2 + 4 + 8 });
  meta.command++;
  seq++; ts += ri(1, 5);
}

function toolOutput(big) {
  const days = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
  const city = pick(["Paris", "Zürich", "東京", "São Paulo", "Kraków", "New York", "Reykjavík"]);
  const n = big ? ri(40, 120) : ri(1, 5);
  const forecast = [];
  for (let i = 0; i < n; i++) {
    forecast.push({ day: days[i % 7], tempC: Math.round((rnd() * 40 - 5) * 10) / 10, rain: rnd() < 0.3,
      conditions: pick(["sunny", "rain", "cloudy", "snow ❄️", "orage ⛈", "霧"]), wind: { kmh: ri(0, 90), dir: pick(["N", "NE", "SW"]) } });
  }
  return { location: city, units: "metric", forecast, source: { name: "bench \"weather\" API", url: "https://example.invalid/w?q=" + encodeURIComponent(city) }, note: null };
}

function turn(t) {
  const messageId = "msg_" + nanoid(16);
  let text = "";
  const start = { type: "start", messageId };
  if (chance(0.3)) start.messageMetadata = { model: "bench-model", createdAt: ts, tags: ["a", "b"] };
  dataRecord(start);
  dataRecord({ type: "start-step" });
  if (chance(0.5)) {
    const rid = "r" + t;
    dataRecord({ type: "reasoning-start", id: rid });
    for (const d of splitDeltas(paragraphText(ri(40, 400)))) dataRecord({ type: "reasoning-delta", id: rid, delta: d });
    dataRecord({ type: "reasoning-end", id: rid, providerMetadata: { bench: { signature: b64url(24) } } });
  }
  const textPart = (tid, minChars) => {
    dataRecord({ type: "text-start", id: tid });
    const s = paragraphText(minChars);
    for (const d of splitDeltas(s)) dataRecord({ type: "text-delta", id: tid, delta: d });
    dataRecord({ type: "text-end", id: tid });
    text += s;
  };
  textPart("t" + t + "a", ri(100, 1500));
  if (chance(0.4)) {
    const callId = "call_" + nanoid(24);
    const toolName = pick(["getWeather", "search_docs", "lookupOrder"]);
    dataRecord({ type: "tool-input-start", toolCallId: callId, toolName });
    const input = { city: pick(["Paris", "Zürich", "東京"]), days: ri(1, 7), units: "metric", query: sentence() };
    for (const d of splitDeltas(JSON.stringify(input))) dataRecord({ type: "tool-input-delta", toolCallId: callId, inputTextDelta: d });
    dataRecord({ type: "tool-input-available", toolCallId: callId, toolName, input });
    // Mostly small outputs; a few large ones exceed a small device's record
    // buffer and must be skipped (and reported) without losing the stream.
    dataRecord({ type: "tool-output-available", toolCallId: callId, output: toolOutput(chance(0.08)) });
    dataRecord({ type: "finish-step" });
    dataRecord({ type: "start-step" });
    textPart("t" + t + "b", ri(50, 800));
  }
  if (chance(0.3)) dataRecord({ type: "data-weather", id: "d" + t, data: { city: "Paris", tempC: 18.5, hourly: [12, 13, 15, 18, 17], ok: true } });
  if (chance(0.15)) dataRecord({ type: "data-subagent", transient: true, data: { toolCallId: "call_x", seq: t, chunks: [{ type: "text-delta", id: "s", delta: "sub" }] } });
  if (chance(0.1)) dataRecord({ type: "source-url", sourceId: "src" + t, url: "https://example.invalid/doc/" + t, title: "Doc «" + t + "»" });
  if (chance(0.05)) dataRecord({ type: "step-start" }); // unknown type: must pass through
  dataRecord({ type: "finish-step" });
  dataRecord({ type: "finish", finishReason: "stop" }, { noDup: true });
  expectedTurns.push(text);
  return messageId;
}

let prevTurnComplete = -1;
for (let t = 0; t < TURNS; t++) {
  turn(t);
  const tcSeq = seq;
  const headers = [["trigger-control", "turn-complete"], ["public-access-token", fakeJwt()],
    ["session-in-event-id", String(t)], ["session-in-consumed-id", String(t)]];
  controlRecord(headers, chance(0.5));
  if (prevTurnComplete >= 0) trimRecord(prevTurnComplete);
  prevTurnComplete = tcSeq;
}
meta.records = records.length;

// ------------------------------------------------------------------ framing
// Batches: live streaming mostly delivers 1-3 records per batch; catching up
// after a reconnect delivers hundreds (S2 caps a batch at 1000 records).
function batchSize() {
  const r = rnd();
  if (r < 0.70) return ri(1, 3);
  if (r < 0.90) return ri(4, 40);
  if (r < 0.98) return ri(41, 300);
  return ri(301, 1000);
}
const events = [];
let delivered = 0, meteredTotal = 0, batches = 0, pings = 0;
for (let i = 0; i < records.length;) {
  const n = Math.min(batchSize(), records.length - i);
  const part = records.slice(i, i + n);
  i += n;
  delivered += n;
  for (const r of part) meteredTotal += r.metered;
  const last = i - 1; // seq_num == index: the log starts at 0 and is never gapped here
  const tail = chance(0.9) ? ',"tail":{"seq_num":' + (last + 1) + ',"timestamp":' + ts + "}" : "";
  events.push("event: batch\nid: " + last + "," + delivered + "," + meteredTotal + "\ndata: {\"records\":[" +
    part.map((r) => r.json).join(",") + "]" + tail + "}\n\n");
  batches++;
  if (chance(0.03)) {
    events.push("event: ping\ndata: {\"timestamp\":" + ts + (chance(0.5) ? ',"tail":{"seq_num":' + (last + 1) + ',"timestamp":' + ts + "}" : "") + "}\n\n");
    pings++;
  }
}
events.push("data: [DONE]\n\n");
meta.batches = batches;
meta.pings = pings;

const body = Buffer.from(events.join(""), "utf8");
const head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nX-Stream-Version: v2\r\n" +
  "Access-Control-Expose-Headers: *\r\nCache-Control: no-cache\r\nTransfer-Encoding: chunked\r\n\r\n";
const httpParts = [Buffer.from(head)];
for (const e of events) {
  const b = Buffer.from(e, "utf8");
  httpParts.push(Buffer.from(b.length.toString(16) + "\r\n"), b, Buffer.from("\r\n"));
}
httpParts.push(Buffer.from("0\r\n\r\n"));
const http = Buffer.concat(httpParts);
meta.body_bytes = body.length;
meta.http_bytes = http.length;

fs.mkdirSync(OUT, { recursive: true });
fs.writeFileSync(path.join(OUT, "capture.sse"), body);
fs.writeFileSync(path.join(OUT, "capture.http"), http);
const exp = [];
for (const s of expectedTurns) {
  const b = Buffer.from(s, "utf8");
  exp.push(Buffer.from(b.length + "\n"), b, Buffer.from("\n"));
}
fs.writeFileSync(path.join(OUT, "expected.txt"), Buffer.concat(exp));
fs.writeFileSync(path.join(OUT, "expected.json"), JSON.stringify(expectedTurns));
fs.writeFileSync(path.join(OUT, "meta.txt"), Object.entries(meta).map(([k, v]) => k + " " + v).join("\n") + "\n");
console.log(`gen-capture: ${TURNS} turns, ${meta.records} records, ${batches} batches, ${pings} pings, ` +
  `${body.length} body bytes (${http.length} with HTTP chunking) -> ${OUT}`);

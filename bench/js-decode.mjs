#!/usr/bin/env node
// js-decode.mjs — runs the official JS `.out` decoder on a capture: the
// SSEStreamSubscription of @trigger.dev/core@4.8.3 (dist/esm/v3/apiClient/
// runStream.js), the class the 4.8.3 chat transport subscribes with.
//
//   node bench/js-decode.mjs DIR [--reps N] [--piece BYTES]
//
// DIR holds capture.sse, expected.json and meta.txt from gen-capture.mjs.
// The subscription is given a fetchClient that answers 200 with
// `X-Stream-Version: v2` (so it takes the S2 batch path) and a body that is a
// ReadableStream over the capture bytes in --piece sized views (default
// 65536: a large socket read, the kindest size for JS). No network, no copy.
//
// Every run reconstructs each turn's text from the text-delta parts and checks
// it against expected.json at each turn-complete control record, and checks
// the part count. Prints one "js_run" line per repetition, then the best
// run's figures: "js_mb_s" by process CPU time (user + system, all of node's
// threads: robust on a loaded machine), "js_wall_mb_s" by wall time, and
// "js-check: ok".
//
// For context it also times the same parsing without the WHATWG stream
// plumbing ("js_bare_mb_s"): TextDecoder, eventsource-parser's createParser,
// JSON.parse of each batch and of each record body, the same dedupe and the
// same text rebuild, all synchronous. That is a lower bound on what any JS
// decoder built from these parts costs, not what the transport runs.
import fs from "node:fs";
import path from "node:path";
import { SSEStreamSubscription } from "@trigger.dev/core/v3";
// The SSE parser runStream.js itself uses (a dependency of @trigger.dev/core,
// pinned by the lockfile), for the "bare" reference figure below.
import { createParser } from "eventsource-parser";

const args = process.argv.slice(2);
const dir = args[0];
const opt = (n, d) => { const i = args.indexOf("--" + n); return i > 0 ? Number(args[i + 1]) : d; };
const REPS = opt("reps", 1);
const PIECE = opt("piece", 65536);
if (!dir || !(REPS >= 1) || !(PIECE >= 1)) {
  console.error("usage: js-decode.mjs DIR [--reps N] [--piece BYTES]");
  process.exit(2);
}

const capture = fs.readFileSync(path.join(dir, "capture.sse"));
const expected = JSON.parse(fs.readFileSync(path.join(dir, "expected.json"), "utf8"));
const meta = Object.fromEntries(fs.readFileSync(path.join(dir, "meta.txt"), "utf8").trim().split("\n")
  .map((l) => { const [k, v] = l.split(" "); return [k, Number(v)]; }));

function fetchClient() {
  let off = 0;
  const body = new ReadableStream({
    pull(controller) {
      if (off >= capture.length) { controller.close(); return; }
      const end = Math.min(off + PIECE, capture.length);
      controller.enqueue(capture.subarray(off, end));
      off = end;
    },
  });
  return Promise.resolve(new Response(body, {
    status: 200,
    headers: { "Content-Type": "text/event-stream", "X-Stream-Version": "v2" },
  }));
}

function fail(msg) {
  console.error("js-check: FAILED: " + msg);
  process.exit(1);
}

async function runOnce() {
  const sub = new SSEStreamSubscription("http://127.0.0.1:9/realtime/v1/sessions/bench/out", {
    headers: { Authorization: "Bearer bench" },
    fetchClient,
    maxRetries: 0,
    onError: (e) => fail("subscription error: " + e),
  });
  const t0 = process.hrtime.bigint(), c0 = process.cpuUsage();
  const reader = (await sub.subscribe()).getReader();
  let parts = 0, turn = 0, text = "", chunks = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parts++;
    const ctl = value.headers.find((h) => h[0] === "trigger-control");
    if (ctl) {
      if (ctl[1] === "turn-complete") {
        if (turn >= expected.length) fail("more turns than expected");
        if (text !== expected[turn]) fail(`turn ${turn}: text differs (${text.length} vs ${expected[turn].length} UTF-16 units)`);
        turn++;
        text = "";
      }
      continue;
    }
    chunks++;
    const c = value.chunk;
    if (c && c.type === "text-delta") text += c.delta;
  }
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const cu = process.cpuUsage(c0), secs = (cu.user + cu.system) / 1e6;
  if (turn !== expected.length) fail(`saw ${turn} turns, expected ${expected.length}`);
  // Command records are skipped and duplicate envelope ids dropped (§5.2).
  const want = meta.records - meta.command - meta.dup;
  if (parts !== want) fail(`saw ${parts} parts, expected ${want}`);
  return { secs, wall, parts, chunks };
}

function runBare() {
  const c0 = process.cpuUsage();
  const dec = new TextDecoder();
  const seen = new Set();
  let parts = 0, turn = 0, text = "";
  const parser = createParser({
    onEvent(ev) {
      if (ev.event !== "batch") return;
      const data = JSON.parse(ev.data);
      for (const record of data.records) {
        if (record.headers?.[0]?.[0] === "") continue;
        const body = record.body ? JSON.parse(record.body) : undefined;
        if (body?.id) { if (seen.has(body.id)) continue; seen.add(body.id); }
        parts++;
        const ctl = record.headers?.find((h) => h[0] === "trigger-control");
        if (ctl) {
          if (ctl[1] === "turn-complete") {
            if (text !== expected[turn]) fail(`bare: turn ${turn}: text differs`);
            turn++; text = "";
          }
          continue;
        }
        if (body.data.type === "text-delta") text += body.data.delta;
      }
    },
  });
  for (let off = 0; off < capture.length; off += PIECE)
    parser.feed(dec.decode(capture.subarray(off, Math.min(off + PIECE, capture.length)), { stream: true }));
  const cu = process.cpuUsage(c0), secs = (cu.user + cu.system) / 1e6;
  if (turn !== expected.length || parts !== meta.records - meta.command - meta.dup) fail("bare: counts differ");
  return secs;
}

let best = Infinity, bestWall = Infinity, last;
for (let i = 0; i < REPS; i++) {
  last = await runOnce();
  console.log(`js_run cpu ${last.secs.toFixed(4)} wall ${last.wall.toFixed(4)}`);
  if (last.secs < best) best = last.secs;
  if (last.wall < bestWall) bestWall = last.wall;
}
console.log(`js_parts ${last.parts}`);
console.log(`js_chunks ${last.chunks}`);
console.log(`js_best_cpu_s ${best.toFixed(4)}`);
console.log(`js_mb_s ${(capture.length / best / 1e6).toFixed(2)}`);
console.log(`js_wall_mb_s ${(capture.length / bestWall / 1e6).toFixed(2)}`);
let bare = Infinity;
for (let i = 0; i < REPS; i++) bare = Math.min(bare, runBare());
console.log(`js_bare_mb_s ${(capture.length / bare / 1e6).toFixed(2)}`);
console.log("js-check: ok");

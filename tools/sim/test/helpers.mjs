// Test helpers: start the simulator as a child process (--port 0), wait for
// its ready line, talk to its admin API, drive the official clients.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import path from "node:path";
import http from "node:http";
import https from "node:https";
import { readFileSync } from "node:fs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const SIM_MAIN = path.join(HERE, "..", "index.mjs");
export const SECRET = "tr_dev_trigchat_simulator";
export const DEVICE_KEY = "trigchat-dev-device";
export const TASK = "sim-agent";

/** Start `node tools/sim --port 0 ...args`; resolves {url, ca, proc, log, stop}. */
export function startSim(args = [], { readyTimeoutMs = 15000 } = {}) {
  return new Promise((resolve, reject) => {
    // stdin is a pipe: if this test process dies, the simulator sees EOF and exits.
    const proc = spawn(process.execPath, [SIM_MAIN, "--port", "0", "--exit-on-stdin-eof", "--max-seconds", "600", ...args], { stdio: ["pipe", "pipe", "pipe"] });
    const log = [];
    let out = "";
    let errBuf = "";
    const timer = setTimeout(() => {
      proc.kill("SIGKILL");
      reject(new Error(`sim not ready within ${readyTimeoutMs} ms: ${log.join("\n")}`));
    }, readyTimeoutMs);
    proc.stderr.on("data", (d) => {
      errBuf += d;
      let i;
      while ((i = errBuf.indexOf("\n")) >= 0) {
        log.push(errBuf.slice(0, i));
        errBuf = errBuf.slice(i + 1);
      }
    });
    proc.stdout.on("data", (d) => {
      out += d;
      const m = /^sim: listening (\S+) ca=(\S+) backend=(\S+)$/m.exec(out);
      if (m) {
        clearTimeout(timer);
        const stop = () =>
          new Promise((r) => {
            if (proc.exitCode !== null) return r();
            proc.once("exit", r);
            proc.kill("SIGTERM");
            setTimeout(() => proc.kill("SIGKILL"), 3000).unref();
          });
        resolve({ url: m[1], ca: m[2] === "-" ? null : m[2], proc, log, stop });
      }
    });
    proc.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`sim exited with ${code}: ${log.join("\n")}`));
    });
  });
}

/** Raw HTTP(S) request with full header control. Resolves {status, headers, body}. */
export function request(url, { method = "GET", headers = {}, body, ca, chunked = false, timeoutMs = 10000, onData, onResponse } = {}) {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const mod = u.protocol === "https:" ? https : http;
    const req = mod.request(u, { method, headers, ...(ca ? { ca: readFileSync(ca) } : {}), agent: false }, (res) => {
      const parts = [];
      onResponse?.(res);
      res.on("data", (d) => {
        parts.push(d);
        onData?.(d, req);
      });
      res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(parts).toString("utf8") }));
      res.on("error", (e) => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(parts).toString("utf8"), error: e }));
      res.on("aborted", () => {});
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error("request timeout")));
    req.on("error", reject);
    if (body !== undefined) {
      if (chunked) {
        req.write(body);
      } else req.end(body);
    }
    if (body === undefined || chunked) req.end();
  });
}

export async function admin(sim, p, body, method = body === undefined ? "GET" : "POST") {
  const r = await request(`${sim.url}${p}`, {
    method,
    headers: { "content-type": "application/json" },
    ca: sim.ca,
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return JSON.parse(r.body);
}

export const fault = (sim, spec) => admin(sim, "/admin/faults", { spec });

/** Create a session through the simulated API; returns the parsed body. */
export async function createSession(sim, chatId, extra = {}) {
  const body = JSON.stringify({ type: "chat.agent", externalId: chatId, taskIdentifier: TASK, triggerConfig: { basePayload: { messages: [], trigger: "preload", chatId }, tags: [`chat:${chatId}`] }, ...extra });
  const r = await request(`${sim.url}/api/v1/sessions`, {
    method: "POST",
    headers: { authorization: `Bearer ${SECRET}`, "content-type": "application/json", "content-length": Buffer.byteLength(body) },
    body,
    ca: sim.ca,
  });
  return { status: r.status, ...JSON.parse(r.body) };
}

export async function append(sim, chatId, chunk, { token = SECRET, partId, rawBody } = {}) {
  const body = rawBody ?? JSON.stringify(chunk);
  const r = await request(`${sim.url}/realtime/v1/sessions/${encodeURIComponent(chatId)}/in/append`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json", "content-length": Buffer.byteLength(body), ...(partId ? { "x-part-id": partId } : {}) },
    body,
    ca: sim.ca,
  });
  let json;
  try {
    json = JSON.parse(r.body);
  } catch {}
  return { status: r.status, headers: r.headers, json, body: r.body };
}

export const userMsg = (text, id = `u_${Math.random().toString(36).slice(2, 10)}`) => ({ id, role: "user", parts: [{ type: "text", text }] });
export const msgChunk = (chatId, text) => ({ kind: "message", payload: { message: userMsg(text), chatId, trigger: "submit-message" } });

/** Parse an S2 SSE body into events [{event, id, data}]. */
export function parseSse(text) {
  const events = [];
  for (const block of text.split(/\n\n/)) {
    if (!block.trim()) continue;
    const ev = { event: "message", data: "" };
    for (const line of block.split("\n")) {
      const i = line.indexOf(":");
      if (i === 0) continue;
      const k = i < 0 ? line : line.slice(0, i);
      const v = i < 0 ? "" : line.slice(i + 1).replace(/^ /, "");
      if (k === "event") ev.event = v;
      else if (k === "id") ev.id = v;
      else if (k === "data") ev.data += (ev.data ? "\n" : "") + v;
    }
    events.push(ev);
  }
  return events;
}

/** GET .out with a short Timeout-Seconds; resolves {status, headers, events, records}. */
export async function readOut(sim, key, { headers = {}, token = SECRET, timeout = "1" } = {}) {
  const r = await request(`${sim.url}/realtime/v1/sessions/${encodeURIComponent(key)}/out`, {
    headers: { accept: "text/event-stream", authorization: `Bearer ${token}`, ...(timeout !== null ? { "timeout-seconds": timeout } : {}), ...headers },
    ca: sim.ca,
  });
  const events = r.status === 200 ? parseSse(r.body) : [];
  const records = events.filter((e) => e.event === "batch").flatMap((e) => JSON.parse(e.data).records);
  return { ...r, events, records };
}

/** Read a UIMessageChunk ReadableStream to its end. */
export async function drain(stream, onChunk) {
  const chunks = [];
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    onChunk?.(value, chunks);
  }
  return chunks;
}
export const textOf = (chunks) => chunks.filter((c) => c.type === "text-delta").map((c) => c.delta).join("");

/** Wait until pred() is truthy (polling), bounded. */
export async function until(pred, timeoutMs = 10000, what = "condition") {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await pred();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

// The customer backend: the two app-defined endpoints a device calls
// (protocol.md §2.1), written with the SDK's real server helpers so that it
// runs unchanged against the Trigger.dev cloud:
//
//   POST /chat/{chatId}/start   body {"taskId"?, "clientData"?}  -> {"publicAccessToken": "..."}
//   POST /chat/{chatId}/token                                  -> the PAT, text/plain
//
// Devices authenticate with `X-Device-Key: <key>`; the secret key stays here.
// The SDK reads TRIGGER_SECRET_KEY / TRIGGER_API_URL (or configure()).

import { auth } from "@trigger.dev/sdk";
import { chat } from "@trigger.dev/sdk/ai";
import { readFileSync } from "node:fs";
import { timingSafeEqual } from "node:crypto";

/** Device keys from a file (one per line, '#' comments) and/or a comma-separated string. */
export function loadDeviceKeys({ file, list } = {}) {
  const keys = [];
  if (file) {
    for (const line of readFileSync(file, "utf8").split(/\r?\n/)) {
      const k = line.replace(/#.*/, "").trim();
      if (k) keys.push(k);
    }
  }
  if (list) for (const k of String(list).split(",")) if (k.trim()) keys.push(k.trim());
  return keys;
}

function keyOk(keys, given) {
  if (typeof given !== "string" || !given) return false;
  const g = Buffer.from(given);
  let ok = false;
  for (const k of keys) {
    const b = Buffer.from(k);
    if (b.length === g.length && timingSafeEqual(b, g)) ok = true;
  }
  return ok;
}

function readJson(req, limit = 32 * 1024) {
  return new Promise((resolve, reject) => {
    let size = 0;
    const parts = [];
    req.on("data", (d) => {
      size += d.length;
      if (size > limit) {
        reject(Object.assign(new Error("body too large"), { status: 413 }));
        req.destroy();
      } else parts.push(d);
    });
    req.on("end", () => {
      const text = Buffer.concat(parts).toString("utf8");
      if (!text.trim()) return resolve({});
      try {
        resolve(JSON.parse(text));
      } catch {
        reject(Object.assign(new Error("invalid JSON"), { status: 400 }));
      }
    });
    req.on("error", reject);
  });
}

function send(res, status, body, type = "application/json") {
  const text = type === "application/json" ? JSON.stringify(body) : String(body);
  res.writeHead(status, { "content-type": type, "content-length": Buffer.byteLength(text), "cache-control": "no-store" });
  res.end(text);
}

/**
 * Returns an async (req, res) => boolean handler: true when it answered.
 * opts: {deviceKeys: string[], taskId, allowTasks?: string[], tokenTtl ("1h" or seconds), log, hook?}
 * A start body's taskId must be taskId or one of allowTasks (else 403).
 * hook(kind, chatId) may return {status} to inject a fault (simulator only).
 */
export function createBackend(opts) {
  const taskId = opts.taskId ?? "sim-agent";
  // The tasks a device may start: the configured one only. The device names
  // it in its start body (the transport's startSession gets {taskId}), but
  // the secret key here can trigger ANY task of the environment, so a device
  // key must not choose one freely.
  const allowedTasks = new Set([taskId, ...(opts.allowTasks ?? [])]);
  const ttl = typeof opts.tokenTtl === "number" ? `${opts.tokenTtl}s` : opts.tokenTtl ?? "1h";
  const log = opts.log ?? (() => {});
  return async function backend(req, res) {
    const url = new URL(req.url, "http://x");
    const m = /^\/chat\/([^/]+)\/(start|token)$/.exec(url.pathname);
    if (!m) return false;
    if (req.method !== "POST") {
      res.setHeader("allow", "POST");
      send(res, 405, { error: "Method not allowed" });
      return true;
    }
    let chatId;
    try {
      chatId = decodeURIComponent(m[1]);
    } catch {
      send(res, 400, { error: "bad chatId" });
      return true;
    }
    const kind = m[2];
    if (!keyOk(opts.deviceKeys ?? [], req.headers["x-device-key"])) {
      send(res, 401, { error: "missing or unknown X-Device-Key" });
      return true;
    }
    const injected = opts.hook?.(kind, chatId);
    if (injected) {
      send(res, injected.status, { error: `injected ${injected.status}` });
      return true;
    }
    try {
      const body = await readJson(req);
      if (kind === "start") {
        if (body.taskId !== undefined && body.taskId !== null && !allowedTasks.has(body.taskId)) {
          log(`backend: start chat=${chatId} refused: task not allowed`);
          send(res, 403, { error: "task not allowed" });
          return true;
        }
        const start = chat.createStartSessionAction(typeof body.taskId === "string" ? body.taskId : taskId);
        const out = await start({ chatId, ...(body.clientData !== undefined ? { clientData: body.clientData } : {}) });
        log(`backend: start chat=${chatId} run=${out.runId}`);
        send(res, 200, { publicAccessToken: out.publicAccessToken, ...(out.pendingVersion ? { pendingVersion: true } : {}) });
      } else {
        const token = await auth.createPublicToken({
          scopes: { read: { sessions: chatId }, write: { sessions: chatId } },
          expirationTime: ttl,
        });
        log(`backend: token chat=${chatId}`);
        send(res, 200, token, "text/plain");
      }
    } catch (err) {
      // 400/413 from reading the body; 409 (closed session) passed through; else 502.
      const status = [400, 409, 413].includes(err.status) ? err.status : 502;
      log(`backend: ${kind} chat=${chatId} failed: ${err.message}`);
      send(res, status, { error: err.message });
    }
    return true;
  };
}

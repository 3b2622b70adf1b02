#!/usr/bin/env node
// Standalone customer backend. Reads TRIGGER_SECRET_KEY and TRIGGER_API_URL
// (default: the simulator at http://127.0.0.1:8787) and serves
// POST /chat/{chatId}/start and POST /chat/{chatId}/token. See README.md.
import http from "node:http";
import { parseArgs } from "node:util";
import { configure } from "@trigger.dev/sdk";
import { createBackend, loadDeviceKeys } from "./app.mjs";

const { values: a } = parseArgs({
  options: {
    port: { type: "string", default: "8788" },
    host: { type: "string", default: "127.0.0.1" },
    "device-keys": { type: "string" },
    "task-id": { type: "string", default: "sim-agent" },
    "token-ttl": { type: "string", default: "1h" },
    help: { type: "boolean", short: "h" },
  },
});
if (a.help) {
  console.log(`usage: node tools/backend [--port N] [--host H] [--device-keys FILE] [--task-id ID] [--token-ttl 1h]
env: TRIGGER_SECRET_KEY (required), TRIGGER_API_URL (default http://127.0.0.1:8787),
     TRIGCHAT_DEVICE_KEYS (comma-separated device keys, added to --device-keys FILE)`);
  process.exit(0);
}
const secret = process.env.TRIGGER_SECRET_KEY;
if (!secret) {
  console.error("backend: TRIGGER_SECRET_KEY is required");
  process.exit(2);
}
configure({ baseURL: process.env.TRIGGER_API_URL || "http://127.0.0.1:8787", accessToken: secret });
const deviceKeys = loadDeviceKeys({ file: a["device-keys"], list: process.env.TRIGCHAT_DEVICE_KEYS });
if (!deviceKeys.length) {
  console.error("backend: no device keys (use --device-keys FILE or TRIGCHAT_DEVICE_KEYS)");
  process.exit(2);
}
const ttl = /^\d+$/.test(a["token-ttl"]) ? Number(a["token-ttl"]) : a["token-ttl"];
const handler = createBackend({ deviceKeys, taskId: a["task-id"], tokenTtl: ttl, log: (l) => console.error(l) });
const server = http.createServer(async (req, res) => {
  if (!(await handler(req, res))) {
    res.writeHead(404, { "content-type": "application/json" });
    res.end(JSON.stringify({ error: "Not found" }));
  }
});
server.listen(Number(a.port), a.host, () => {
  const { port } = server.address();
  console.log(`backend: listening http://${a.host.includes(":") ? `[${a.host}]` : a.host}:${port}`);
});
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => server.close(() => process.exit(0)));

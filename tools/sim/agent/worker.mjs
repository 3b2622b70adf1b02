// One worker thread per chat session. It hosts the SDK's offline harness
// (mockChatAgent), whose state is process-global (in a worker: per isolate),
// around the real chat.agent of agent.mjs. The main thread owns the wire (seq
// numbers, .out log, SSE); this worker only turns `.in` records into `.out`
// chunks.
//
// main -> worker: {op:"start", runId, mode, previousRunId, clientData}
//                 {op:"in", seq, chunk}            one .in record, in seq order
//                 {op:"stop-run"}                  end the current run (tests)
// worker -> main: {op:"out", runId, chunk}        every chunk the agent writes to .out
//                 {op:"no-run", seq, runId}        an .in record arrived after run runId exited
//                 {op:"run-exit", runId, closeCalls, error?}
//                 {op:"closed", runId, reason}    the agent called sessions.close

import { mockChatAgent } from "@trigger.dev/sdk/ai/test"; // must be the first SDK import
import { parentPort, workerData } from "node:worker_threads";
import { configure, sessions } from "@trigger.dev/sdk";
import { simAgent, runState } from "./agent.mjs";

const { chatId, apiUrl, secretKey } = workerData;
configure({ baseURL: apiUrl, accessToken: secretKey });

const API = Symbol.for("dev.trigger.ts.api");
let harness = null;
let currentRunId = null;
let runCount = 0;

// Hook .out live: every sessions.open() handle gets our listener (a Set, so idempotent).
const origOpen = sessions.open;
let listener = null;
sessions.open = (id, ...rest) => {
  const h = origOpen.call(sessions, id, ...rest);
  if (listener && h?.out?.state?.listeners) h.out.state.listeners.add(listener);
  return h;
};

function manager() {
  return globalThis[API]?.["session-streams"];
}

let lastSnapshot; // the previous run's transcript snapshot (production: the snapshot store)

async function startRun({ runId, runIndex, mode, previousRunId, clientData, snapshot }) {
  if (snapshot !== undefined) lastSnapshot = snapshot;
  runCount += 1;
  runState.runIndex = runIndex ?? runCount; // the session's run number, across workers
  currentRunId = runId;
  const myRunId = runId;
  listener = (chunk) => {
    try {
      parentPort.postMessage({ op: "out", runId: myRunId, chunk });
    } catch (err) {
      parentPort.postMessage({ op: "out", runId: myRunId, chunk: { type: "error", errorText: `unserialisable chunk: ${err.message}` } });
    }
  };
  const h = mockChatAgent(simAgent, {
    chatId,
    clientData,
    mode: mode === "continuation" ? "continuation" : "preload",
    ...(previousRunId ? { previousRunId } : {}),
    taskContext: { ctx: { run: { id: runId } } },
    ...(mode === "continuation" && lastSnapshot !== undefined ? { snapshot: lastSnapshot } : {}),
  });
  harness = h;
  // Detect the run's exit (endRun, requestUpgrade, close, crash).
  h.waitForExit(24 * 3600 * 1000).then(
    () => exited(h, myRunId, undefined),
    (err) => exited(h, myRunId, err),
  );
}

function exited(h, runId, err) {
  if (harness === h) harness = null;
  const snap = h.getSnapshot();
  if (snap !== undefined) lastSnapshot = snap;
  parentPort.postMessage({
    op: "run-exit",
    runId,
    closeCalls: h.getCloseCalls(),
    ...(err && !/did not exit/.test(String(err.message)) ? { error: String(err.message ?? err) } : {}),
  });
}

// Wait until the harness has installed its session-streams manager.
async function waitForManager() {
  for (let i = 0; i < 400 && !manager()?.__sendFromTest; i++) await new Promise((r) => setTimeout(r, 5));
  return manager();
}

let queue = Promise.resolve();
parentPort.on("message", (msg) => {
  // Keep .in records strictly ordered, but never wait for a turn to finish:
  // a stop must reach the running turn.
  queue = queue.then(async () => {
    try {
      if (msg.op === "start") {
        await startRun(msg);
        await waitForManager();
      } else if (msg.op === "in") {
        // The run may have exited (endRun, close) while this record was on its
        // way: hand it back so the simulator starts a continuation run for it.
        const mgr = harness ? await waitForManager() : null;
        if (!mgr || !harness) {
          parentPort.postMessage({ op: "no-run", seq: msg.seq, runId: currentRunId });
          return;
        }
        mgr.__sendFromTest(chatId, "in", msg.chunk, { seqNum: msg.seq }).catch((err) =>
          parentPort.postMessage({ op: "log", text: `in seq ${msg.seq}: ${err.message}` }),
        );
        // Let the synchronous dispatch settle before the next record.
        await new Promise((r) => setImmediate(r));
      } else if (msg.op === "snapshot") {
        const snap = harness?.getSnapshot() ?? lastSnapshot;
        parentPort.postMessage({ op: "snapshot", snapshot: snap === undefined ? undefined : JSON.parse(JSON.stringify(snap)) });
      } else if (msg.op === "shutdown") {
        if (harness) await harness.close().catch(() => {});
        process.exit(0);
      }
    } catch (err) {
      parentPort.postMessage({ op: "log", text: `worker ${msg.op}: ${err.stack ?? err}` });
    }
  });
});
parentPort.postMessage({ op: "ready" });

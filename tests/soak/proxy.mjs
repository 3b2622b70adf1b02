// A TCP chaos proxy for the soak (tests/soak/soak.mjs): it listens on
// localhost and forwards each connection to the simulator, byte for byte, but
// for each connection it draws a plan from a seeded PRNG:
//
//   pass    forward untouched
//   cut     after N bytes in one direction (up = client->server, down =
//           server->client) end the connection: "rst" (destroy both sides
//           with a TCP reset) or "fin" (a clean FIN to both sides)
//   stall   after N bytes in one direction, hold that direction MS ms
//   frag    forward the first N bytes of one direction in pieces of 1..K
//           bytes, GAP ms apart (a slow, fragmenting network)
//   and, with any plan, a connect delay: wait MS ms before dialling upstream.
//
// TLS runs end to end through it: the proxy never decrypts, so a cut lands
// wherever the byte count falls (mid-handshake, mid-TLS-record, between
// records). Every connection's plan and what happened (bytes each way, how
// it ended) goes to `log`.
import net from "node:net";

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Draws a random integer in [lo, hi]. */
const int = (rand, lo, hi) => lo + Math.floor(rand() * (hi - lo + 1));
/** A byte offset, log-uniform in [0, max): small offsets (the handshake) as often as large ones. */
const offset = (rand, max) => Math.floor(Math.exp(rand() * Math.log(max + 1)) - 1);

/**
 * A plan for one connection. `chaos` in [0, 1]: the share of connections that
 * get a fault. `downMax`/`upMax`: the byte ranges for cuts (a .out connection
 * carries far more bytes down than a request one).
 */
export function drawPlan(rand, { chaos = 0.4, downMax = 30000, upMax = 3000, stallMaxMs = 2500, delayMaxMs = 1500 } = {}) {
  const plan = { kind: "pass" };
  if (rand() < 0.15) plan.delayMs = int(rand, 50, delayMaxMs);
  if (rand() >= chaos) return plan;
  const r = rand();
  const dir = rand() < 0.75 ? "down" : "up";
  const max = dir === "down" ? downMax : upMax;
  if (r < 0.55) Object.assign(plan, { kind: "cut", dir, after: offset(rand, max), how: rand() < 0.5 ? "rst" : "fin" });
  else if (r < 0.8) Object.assign(plan, { kind: "stall", dir, after: offset(rand, max), ms: int(rand, 100, stallMaxMs) });
  else Object.assign(plan, { kind: "frag", dir, after: int(rand, 200, max), size: int(rand, 1, 64), gapMs: int(rand, 0, 3) });
  return plan;
}

export function describePlan(p) {
  const d = p.delayMs ? ` delay=${p.delayMs}ms` : "";
  switch (p.kind) {
    case "cut": return `cut-${p.how} ${p.dir}@${p.after}${d}`;
    case "stall": return `stall ${p.dir}@${p.after} ${p.ms}ms${d}`;
    case "frag": return `frag ${p.dir} first ${p.after}B in ${p.size}B pieces gap=${p.gapMs}ms${d}`;
    default: return `pass${d}`;
  }
}

/**
 * Starts a proxy to 127.0.0.1:targetPort. opts: name, rand (a PRNG), plan
 * options (see drawPlan), log(entry). Resolves {port, close(), stats,
 * setChaos(bool)}; with chaos off every new connection passes.
 */
export function startProxy({ name, targetPort, rand, planOpts = {}, log = () => {} }) {
  const stats = { conns: 0, chaotic: 0, byKind: {}, bytesUp: 0, bytesDown: 0 };
  let chaosOn = true;
  const live = new Set();
  const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true }, (client) => {
    const id = ++stats.conns;
    const plan = chaosOn ? drawPlan(rand, planOpts) : { kind: "pass" };
    if (plan.kind !== "pass" || plan.delayMs) stats.chaotic++;
    stats.byKind[plan.kind] = (stats.byKind[plan.kind] ?? 0) + 1;
    handle(id, client, plan);
  });

  function handle(id, client, plan) {
    const bytes = { up: 0, down: 0 };
    let ended = null; // set when this proxy cut the connection: how
    let logged = false;
    let upstream = null;
    live.add(client);
    const finish = (how) => {
      if (logged) return;
      logged = true;
      stats.bytesUp += bytes.up;
      stats.bytesDown += bytes.down;
      log({ proxy: name, conn: id, plan: describePlan(plan), up: bytes.up, down: bytes.down, end: how });
    };
    const killBoth = (how) => {
      for (const s of [client, upstream]) {
        if (!s || s.destroyed) continue;
        if (how === "rst" && typeof s.resetAndDestroy === "function") s.resetAndDestroy();
        else s.destroy();
      }
    };
    client.on("error", () => {});
    client.on("close", () => {
      live.delete(client);
      if (upstream && !upstream.destroyed) upstream.destroy();
      finish(ended ?? "closed");
    });

    /** One direction: src -> dst, with this plan's fault if it is for this direction. */
    function direction(src, dst, dir) {
      const q = [];
      let busy = false;
      let stalled = false;
      const mine = plan.dir === dir ? plan : null;
      const write = (buf) =>
        new Promise((res) => {
          if (dst.destroyed || buf.length === 0) return res();
          bytes[dir] += buf.length;
          if (dst.write(buf)) res();
          else dst.once("drain", res), dst.once("close", res);
        });
      async function process(buf) {
        const at = bytes[dir];
        if (!mine) return write(buf);
        if (mine.kind === "cut" && at + buf.length >= mine.after) {
          await write(buf.subarray(0, Math.max(0, mine.after - at)));
          ended = `${mine.how} after ${bytes[dir]}B ${dir}`;
          if (mine.how === "fin") {
            client.end();
            upstream.end();
            // no more bytes either way; the sockets close once both sides agree
            src.pause();
            setTimeout(() => killBoth("destroy"), 2000).unref();
          } else killBoth("rst");
          return;
        }
        if (mine.kind === "stall" && !stalled && at + buf.length > mine.after) {
          stalled = true;
          const k = Math.max(0, mine.after - at);
          await write(buf.subarray(0, k));
          await sleep(mine.ms);
          return write(buf.subarray(k));
        }
        if (mine.kind === "frag" && at < mine.after) {
          let i = 0;
          while (i < buf.length && bytes[dir] < mine.after && !dst.destroyed) {
            const n = Math.min(mine.size, buf.length - i);
            await write(buf.subarray(i, i + n));
            i += n;
            if (mine.gapMs) await sleep(mine.gapMs);
            else await new Promise((r) => setImmediate(r));
          }
          return write(buf.subarray(i));
        }
        return write(buf);
      }
      async function pump() {
        if (busy) return;
        busy = true;
        while (q.length) {
          const b = q.shift();
          if (ended) { q.length = 0; break; }
          if (b === null) {
            if (!dst.destroyed) dst.end();
            continue;
          }
          if (q.length > 64) src.pause();
          await process(b);
          if (q.length < 16 && !ended) src.resume();
        }
        busy = false;
      }
      src.on("data", (b) => {
        q.push(b);
        pump();
      });
      src.on("end", () => {
        q.push(null);
        pump();
      });
    }

    const dial = () => {
      if (client.destroyed) return;
      upstream = net.connect({ host: "127.0.0.1", port: targetPort, allowHalfOpen: true });
      upstream.on("error", () => {});
      upstream.on("close", () => {
        if (!client.destroyed) {
          // the server went away (or we cut it): pass a reset on when it was not a clean end
          if (!upstream.readableEnded) killBoth("rst");
          else if (client.writableEnded) client.destroy();
        }
      });
      upstream.on("connect", () => {
        direction(client, upstream, "up");
        direction(upstream, client, "down");
        client.resume();
      });
    };
    if (plan.delayMs) setTimeout(dial, plan.delayMs);
    else dial();
  }

  return new Promise((resolve, reject) => {
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      resolve({
        port: server.address().port,
        stats,
        setChaos(on) {
          chaosOn = on;
        },
        close: () =>
          new Promise((r) => {
            for (const s of live) s.destroy();
            server.close(() => r());
          }),
      });
    });
  });
}

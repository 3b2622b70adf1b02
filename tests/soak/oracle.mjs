// The soak's oracle (tests/soak/soak.mjs): from every run's tchat --json
// events and the simulator's .in log, did each user message reach the server
// exactly once, and is the text the device showed for it, across all runs,
// exactly the agent's answer? What it accepts beyond "exactly once" is
// listed, with its documentation, at the top of soak.mjs. Tested on made-up
// runs by oracle.test.mjs.
import { deliveryProblems } from "../e2e/lib.mjs";

/** What tchat sends for a MESSAGE argument ("//x" sends "/x"). */
export const sentText = (arg) => (arg.startsWith("//") ? arg.slice(1) : arg);

/**
 * runs: each run's arguments and events, in order. Returns {problems, texts, stats}.
 * Attribution: a run's text belongs to the message whose turn is current:
 * at its start the last message already on the server (the turn it resumes),
 * after each message-sent the message it sent (tchat sends its MESSAGEs in
 * order, one turn at a time).
 */
export function oracle(runs, messages, sentCount, server) {
  const problems = [];
  const per = messages.slice(0, sentCount).map((m) => ({ m, disp: "", cands: m.answers.slice(), completed: false, streamError: null }));
  let onServer = 0; // messages confirmed before the current run
  const stats = { turns: 0, repeatsAllowed: 0, repeatedChars: 0, truncatedByTerminalError: 0, restAfterError: 0, lateChunks: 0, fragments: 0 };
  let prevKill = null; // {cur, ckpt: disp length of cur at the killed run's last checkpoint, mark}
  const everDelivered = new Set(); // whole (non-fragment) records delivered, by seq
  const fragSeqs = new Set();
  let globalTop = -1; // the highest seq delivered so far
  for (const run of runs) {
    const evs = run.events ?? [];
    for (const p of deliveryProblems(evs)) problems.push(`run #${run.n}: ${p}`);
    let cur = onServer - 1;
    let sent = 0;
    let gaveUp = false; // this run saw a stream-error in a turn (what makes chunks late)
    // per message, the text this run showed
    const shownThisRun = new Map();
    // What the flash holds: the record the previous run left (its last
    // checkpoint after a power cut; everything shown after a clean exit),
    // until this run writes one (a session-changed line).
    // (a position in the answer; one this run writes is {cur, runLen}: the
    // text it had shown, which starts where this run's text lands, below)
    let ckpt = prevKill ? { cur: prevKill.cur, len: prevKill.ckpt } : { cur, len: cur >= 0 ? per[cur].disp.length : 0 };
    const carried = ckpt;
    let mark = prevKill ? prevKill.mark : globalTop;
    let top = globalTop;
    for (const e of evs) {
      if (e.type === "message-sent") {
        cur = run.first + sent++;
        if (cur >= sentCount) problems.push(`run #${run.n}: more message-sent events than messages`);
        else if (cur > 0 && per[cur - 1].streamError && !per[cur - 1].completed) {
          // The previous turn's stream gave up (stream-error clears isStreaming,
          // protocol.md §6.2) but the agent may have gone on: the cursor stays
          // where it was (§6.1), so this turn's read starts with the rest of
          // that answer (4.8.3 does the same: chunks are not correlated, only
          // turn-completes are, §6.5).
          const prev = per[cur - 1];
          const rests = prev.cands.filter((c) => c.startsWith(prev.disp)).map((c) => c.slice(prev.disp.length)).filter(Boolean);
          per[cur].cands = per[cur].cands.flatMap((a) => [a, ...rests.map((r) => r + a)]);
          per[cur].afterError = true;
        }
      }
      if (e.type === "chunk" && e.late) {
        // tc_chat.h ev.late: the rest of an earlier answer whose .out gave up,
        // known only within the run that saw it give up
        stats.lateChunks++;
        if (!gaveUp) problems.push(`run #${run.n}: seq ${e.seq} marked late, but no stream of this run gave up before it`);
      }
      if (e.type === "chunk") {
        if (e.fragmentMore !== undefined || fragSeqs.has(e.seq)) fragSeqs.add(e.seq);
        if (e.fragmentMore) stats.fragments++;
        top = Math.max(top, e.seq);
        if (!e.replayed && !fragSeqs.has(e.seq)) {
          if (everDelivered.has(e.seq)) {
            // shown in an earlier run: only after a power cut, and only past its last checkpoint
            if (!(prevKill && e.seq > prevKill.mark)) problems.push(`run #${run.n}: seq ${e.seq} shown again (not marked replayed)${prevKill ? `, at or below the last checkpoint's mark ${prevKill.mark}` : " after a clean exit"}`);
          }
        }
      }
      if (e.type === "chunk" && e.chunk === "text-delta" && !e.replayed) {
        // a late chunk is the rest of the previous message's answer
        const who = e.late && cur > 0 ? cur - 1 : cur;
        if (cur < 0) problems.push(`run #${run.n}: text ${JSON.stringify(e.delta)} before any message was sent`);
        else shownThisRun.set(who, (shownThisRun.get(who) ?? "") + e.delta);
      }
      if (e.type === "turn-complete" && cur >= 0) per[cur].completed = true;
      if (e.type === "stream-error" && cur >= 0) per[cur].streamError = e.error;
      if (e.type === "stream-error") gaveUp = true;
      if (e.type === "session-changed" && !e.error) {
        mark = top;
        ckpt = { cur, runLen: cur >= 0 ? shownThisRun.get(cur)?.length ?? 0 : 0 };
      }
    }
    for (const e of evs) if (e.type === "chunk" && !e.replayed && !fragSeqs.has(e.seq)) everDelivered.add(e.seq);
    // Fold this run's text into each message's display.
    const startAt = new Map(); // message -> where this run's text begins in its answer
    for (const [i, text] of shownThisRun) {
      const d = per[i];
      let lo = d.disp.length; // no repeat...
      if (prevKill && prevKill.cur === i) lo = Math.min(lo, prevKill.ckpt); // ...but after a power cut, since its checkpoint
      let best = -1;
      for (let x = d.disp.length; x >= lo; x--) {
        if (d.cands.some((c) => c.startsWith(d.disp) && c.startsWith(text, x))) {
          best = x;
          break;
        }
      }
      if (best < 0) {
        problems.push(`message #${i} ${JSON.stringify(d.m.arg)}: run #${run.n} showed text that does not continue what was shown (lost, repeated or wrong text)`);
        d.bad = { run: run.n, shown: d.disp, text };
        continue;
      }
      if (best < d.disp.length) {
        stats.repeatsAllowed++;
        stats.repeatedChars += Math.min(d.disp.length, best + text.length) - best;
      }
      startAt.set(i, best);
      const c = d.cands.find((cc) => cc.startsWith(d.disp) && cc.startsWith(text, best));
      d.disp = c.slice(0, Math.max(d.disp.length, best + text.length));
      d.cands = d.cands.filter((cc) => cc.startsWith(d.disp));
    }
    // after a power cut the next run may repeat what this one showed past its checkpoint
    let pos = 0; // what the flash says was shown of `cur` when the power went
    if (ckpt.runLen === undefined) pos = ckpt.cur === cur ? ckpt.len : 0;
    else if (ckpt.cur === cur) pos = startAt.has(cur) ? startAt.get(cur) + ckpt.runLen : carried.cur === cur ? carried.len : 0;
    prevKill = run.killed ? { cur, ckpt: pos, mark } : null;
    globalTop = Math.max(globalTop, top);
    onServer += sent;
  }
  const texts = [];
  for (const [i, d] of per.entries()) {
    const whole = d.cands.some((c) => c === d.disp);
    texts.push({ i, arg: d.m.arg, shown: d.disp, expected: d.m.answers[0], completed: d.completed, streamError: d.streamError, bad: d.bad });
    if (d.bad) continue;
    if (d.completed && whole) {
      stats.turns++;
      if (d.afterError && !d.m.answers.includes(d.disp)) stats.restAfterError++;
      continue;
    }
    if (d.completed) problems.push(`message #${i} ${JSON.stringify(d.m.arg)}: turn complete but the text is incomplete (${d.disp.length} of ${d.m.answers[0].length} chars)`);
    else if (d.streamError) stats.truncatedByTerminalError++; // documented: the stream gave up (see the header)
    else problems.push(`message #${i} ${JSON.stringify(d.m.arg)}: its turn never completed on the device`);
  }
  // The server: every message exactly once in .in.
  if (!server) problems.push("could not read the session from the simulator");
  else {
    const counts = new Map();
    for (const rec of server.in ?? []) {
      const t = userText(rec.body);
      if (t !== null) counts.set(t, (counts.get(t) ?? 0) + 1);
    }
    for (const [i, m] of messages.slice(0, sentCount).entries()) {
      const n = counts.get(sentText(m.arg)) ?? 0;
      if (n !== 1) problems.push(`message #${i} ${JSON.stringify(m.arg)}: ${n} times on the server's .in (expected once)`);
    }
    for (const m of messages.slice(sentCount)) {
      const n = counts.get(sentText(m.arg)) ?? 0;
      if (n !== 0) problems.push(`${JSON.stringify(m.arg)}: on the server ${n} times but its send was never answered`);
    }
    stats.inRecords = (server.in ?? []).length;
    stats.outRecords = server.outNext;
  }
  return { problems, texts, stats };
}

/** The user text of an .in record body (a submit-message), or null. */
export function userText(body) {
  try {
    const b = typeof body === "string" ? JSON.parse(body) : body;
    const msg = b?.payload?.message ?? b?.message ?? b?.payload?.messages?.at?.(-1) ?? b?.data?.message;
    const parts = msg?.parts ?? [];
    const t = parts.filter((p) => p.type === "text").map((p) => p.text).join("");
    return t || null;
  } catch {
    return null;
  }
}


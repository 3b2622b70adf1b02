// Review 9 (simulator vs the real server): tchat against the simulator's
// variants of answers the real server may give (tools/sim README: --dup-seq,
// --json-chunked, fault lose-answer). An append whose answer is lost after
// the server committed it is retried by tchat with the same X-Part-Id (beyond
// 4.8.3, chat_send.c send_retry): the retry is a duplicate. Newer servers
// answer it with the original seq; the b082e44 snapshot server answers
// {"ok":true} without seq (protocol.md §2.4, §9 item 3: production UNKNOWN).
import { test, after } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { startSim, chatId, tchat, runTchat, turnTexts, printed, deliveryProblems, summarize, echoReply, deltaCount } from "./lib.mjs";

const sims = [];
after(async () => {
  for (const s of sims) await s.stop();
});
async function sim(args) {
  const s = await startSim(args);
  sims.push(s);
  return s;
}
const why = (s, r, chat) =>
  `exit ${r.code ?? r.signal}\n${summarize(r.events)}\nstderr: ${r.stderr}\nrequests: ${s.requests(chat).join(" | ")}\nsim: ${s.logFor(chat).slice(-12).join("\n")}`;
const fired = (s, chat) => s.logFor(chat).some((l) => /answer lost/.test(l)) && s.logFor(chat).some((l) => /duplicate X-Part-Id/.test(l));

test("JSON answers without Content-Length (--json-chunked): start, two turns, exact", { timeout: 60000 }, async () => {
  const s = await sim(["--json-chunked"]);
  const chat = chatId("jchunk");
  const r = await tchat(s, chat, ["hello", "again"]);
  assert.equal(r.code, 0, why(s, r, chat));
  assert.deepEqual(turnTexts(r.events), [echoReply("hello"), echoReply("again")], why(s, r, chat));
});

for (const mode of ["original", "omit"]) {
  test(`append answer lost after the commit, persisted state (--dup-seq ${mode}): the retry is a duplicate, answers exact`, { timeout: 60000 }, async () => {
    const s = await sim(["--dup-seq", mode]);
    const chat = chatId(`lost-${mode}`);
    const state = path.join(s.dir, `${chat}.img`);
    assert.equal((await tchat(s, chat, ["first"], { state })).code, 0);
    await s.fault("lose-answer", chat);
    const r = await tchat(s, chat, ["second", "third"], { state });
    const w = why(s, r, chat);
    assert.ok(fired(s, chat), w);
    assert.equal(r.code, 0, w);
    assert.deepEqual(deliveryProblems(r.events), [], w);
    assert.deepEqual(turnTexts(r.events), [echoReply("second"), echoReply("third")], w);
  });

  test(`stop, then the next message's append answer is lost (--dup-seq ${mode}): the stopped turn's rest is dropped`, { timeout: 60000 }, async () => {
    const s = await sim(["--dup-seq", mode]);
    const chat = chatId(`lstop-${mode}`);
    await s.fault("lose-answer,skip=2", chat); // 1: //slow, 2: the stop, 3: the next message
    const run = runTchat(s, chat, ["//slow 20", "after the stop"], { state: path.join(s.dir, `${chat}.img`) });
    await run.waitFor((ev) => deltaCount(ev) >= 3, 20000, "3 deltas");
    run.kill("SIGINT");
    const r = await run.exited;
    const w = why(s, r, chat);
    assert.ok(fired(s, chat), w);
    assert.equal(r.code, 0, w);
    assert.deepEqual(deliveryProblems(r.events), [], w);
    assert.ok(printed(r.events).endsWith(echoReply("after the stop")), w);
    assert.equal(r.events.filter((e) => e.type === "turn-complete").length, 1, w);
  });
}

// With no cursor the .out read starts at seq 0 (protocol.md §2.5) and
// replays what the agent has not trimmed yet: the previous run's turn may
// come first, before the chat can know (from its turn-complete) that it is
// not its own; 4.8.3 without a stored lastEventId reads the same. Whether it
// is still there depends on when the trim lands, so both are allowed; what
// the duplicate's original seq guarantees is that the previous turn-complete
// does not end the "second" turn, and that nothing else is added or lost.
test("append answer lost, no cursor (no state), newer server (original seq): answers exact", { timeout: 60000 }, async () => {
  const s = await sim([]);
  const chat = chatId("lost-nostate");
  assert.equal((await tchat(s, chat, ["first"])).code, 0);
  await s.fault("lose-answer", chat);
  const r = await tchat(s, chat, ["second", "third"]);
  const w = why(s, r, chat);
  assert.ok(fired(s, chat), w);
  assert.equal(r.code, 0, w);
  const texts = turnTexts(r.events);
  assert.equal(texts.length, 2, w);
  assert.ok([echoReply("second"), echoReply("first") + echoReply("second")].includes(texts[0]), w);
  assert.equal(texts[1], echoReply("third"), w);
});

// FINDING (review 9, sim): with no cursor (a device without persisted state,
// or after its state was lost) the .out read starts at the earliest surviving
// record, which still holds the previous turn's turn-complete. The duplicate's
// answer has no seq, so tchat cannot tell that turn-complete is stale: the
// "second" turn ends at once with no text, and its answer is printed as part
// of the "third" turn (['', 'You said: secondYou said: third']).
test("append answer lost, no cursor, snapshot server (--dup-seq omit): answers exact", { timeout: 60000, todo: "review 9 finding: a retried append answered without seq takes the previous turn's turn-complete as its own" }, async () => {
  const s = await sim(["--dup-seq", "omit"]);
  const chat = chatId("lost-nostate-omit");
  assert.equal((await tchat(s, chat, ["first"])).code, 0);
  await s.fault("lose-answer", chat);
  const r = await tchat(s, chat, ["second", "third"]);
  const w = why(s, r, chat);
  assert.ok(fired(s, chat), w);
  assert.equal(r.code, 0, w);
  assert.deepEqual(turnTexts(r.events), [echoReply("second"), echoReply("third")], w);
});

for (const on of ["in", "out"]) {
  test(`502 with a 6 KB HTML page (an edge's) on ${on}: retried, exact`, { timeout: 60000 }, async () => {
    const s = await sim([]);
    const chat = chatId(`html-${on}`);
    await s.fault(`status=502,on=${on},html=6000`, chat);
    const r = await tchat(s, chat, ["hello"]);
    const w = why(s, r, chat);
    assert.ok(s.logFor(chat).some((l) => /fault status/.test(l)), w);
    assert.equal(r.code, 0, w);
    assert.deepEqual(turnTexts(r.events), [echoReply("hello")], w);
  });
}

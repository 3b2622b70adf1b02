/*
 * test_chat_chaos.c — the chat under random fault schedules against the
 * fake Sessions server, checked by the oracle of chat_chaos.c: every turn's
 * text reaches the app exactly once, every message reaches the server once,
 * one turn-complete per message, the chat ends idle and usable. Thousands of
 * seeds, deterministic; a failure prints its seed and fault log.
 *
 *   TC_CHAOS_SEED=N build/tests/test_chat_chaos   runs seed N verbosely
 *   TC_CHAOS_SEEDS=N                              runs N seeds (default 5000)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chat_fake.c"
#include "chat_chaos.c"
#include "chat_scn.c"
#include "tc_test.h"

static chaos_t CH;

#ifdef TC_TEST_EMBEDDED
#define CHAOS_SEEDS 500
#else
#define CHAOS_SEEDS 5000
#endif

static bool run_seed(uint32_t seed, bool verbose)
{
  int f0 = tc_test_current_failures();
  bool ok = chaos_run(&CH, seed, NULL, 0, 0, verbose);
  if (tc_test_current_failures() != f0 && ok) { /* w_step: the chat would spin */
    ok = false;
    snprintf(CH.fail, sizeof CH.fail, "a check failed (the chat spins?)");
  }
  if (!ok || verbose) {
    printf("chaos seed %lu: %s\n%s", (unsigned long)seed, ok ? "ok" : CH.fail, CH.log);
    if (!ok) printf("replay: TC_CHAOS_SEED=%lu build/tests/test_chat_chaos\n", (unsigned long)seed);
  }
  return ok;
}

static void test_chaos_seeds(void)
{
  unsigned long n = CHAOS_SEEDS, bad = 0, faults = 0, reboots = 0, turns = 0, cuts = 0, stops = 0, replayed = 0, dups = 0,
                failacc = 0, late = 0;
#ifndef TC_TEST_EMBEDDED
  const char *one = getenv("TC_CHAOS_SEED"), *many = getenv("TC_CHAOS_SEEDS");
  if (one) {
    CHECK(run_seed((uint32_t)strtoul(one, NULL, 10), true));
    return;
  }
  if (many) n = strtoul(many, NULL, 10);
#endif
  for (unsigned long i = 1; i <= n; i++) {
    if (!run_seed((uint32_t)i, false)) {
      tc_test_fail(__FILE__, __LINE__, "chaos seed %lu: %s", i, CH.fail);
      if (++bad == 3) break;
    }
    faults += (unsigned long)CH.faults;
    reboots += (unsigned long)CH.reboots;
    turns += (unsigned long)CH.srv.nturns;
    cuts += (unsigned long)CH.power_cuts;
    stops += (unsigned long)CH.stops;
    replayed += (unsigned long)CH.replayed;
    dups += (unsigned long)CH.resends;
    failacc += (unsigned long)CH.fail_accepted;
    late += (unsigned long)CH.late;
  }
  printf("chaos: %lu seeds, %lu server turns, %lu faults (%lu reboots, %lu of them power cuts), %lu stops, "
         "%lu replayed texts, %lu late texts, %lu messages sent again by the app (%lu after a failed send the server had), "
         "each on the server once\n",
         n, turns, faults, reboots, cuts, stops, replayed, late, dups, failacc);
}

/* ---- reduced scenarios of what the chaos found (scripted transport) */

/* Chaos seeds 1, 7, 22 (stop, then a reboot or power cut): the stop gate
 * (§6.7 step 5: the next subscription drops the stopped turn's chunks until
 * its boundary) did not outlive a reboot, so the rest of the stopped answer
 * came as new text at the start of the next answer. */
static void test_stop_gate_survives_reboot(void)
{
  sse_b_t s;
  streaming_turn(0);
  feed_data(0, "{\"type\":\"start\",\"messageId\":\"m_1\"}", "e1");
  feed_data(1, DELTA("Hel"), "e2");
  CHECK_EQ_INT(tc_chat_stop(&W.chat), TC_OK);
  w_step(&W);
  w_take_req(&W);
  w_append_ok(&W, 1); /* the stop is in: .out closes, the gate is armed */
  CHECK_EQ_INT(tc_chat_state(&W.chat), TC_CHAT_IDLE);
  tc_chat_deinit(&W.chat);
  scn_reboot();
  CHECK_EQ_INT(tc_chat_restore(&W.chat, NULL, 0), TC_OK);
  CHECK_EQ_INT(tc_chat_resume(&W.chat), TC_OK); /* not streaming: no request */
  w_step(&W);
  scn_next_turn_streams(2);
  CHECK_EQ_STR(w_header(&W, "Last-Event-ID"), "1");
  sse_begin(&s); /* the stopped turn's rest and boundary, then the new turn */
  sse_data(&s, 2, DELTA("lo"), "e3");
  sse_control(&s, 3, "[[\"trigger-control\",\"turn-complete\"],[\"session-in-event-id\",\"0\"]]");
  sse_data(&s, 4, "{\"type\":\"start\",\"messageId\":\"m_2\"}", "e5");
  sse_data(&s, 5, DELTA("New"), "e6");
  sse_control(&s, 6, "[[\"trigger-control\",\"turn-complete\"],[\"session-in-event-id\",\"2\"]]");
  scn_feed_batch(&s);
  CHECK_EQ_MEM(W.shown, W.shown_len, "New");
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_TURN_COMPLETE), 1);
  CHECK_EQ_INT(w_last(&W, TC_CHAT_EV_TURN_COMPLETE)->sie, 2);
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_STREAM_ERROR), 0);
  CHECK_EQ_INT(tc_chat_state(&W.chat), TC_CHAT_IDLE);
}

/* Chaos seed 7: two stops in a row (the second while the first's gate still
 * dropped the first turn's rest), then a reboot while the next turn streams:
 * the replay from that turn's start must drop both stopped turns' rest, up
 * to the second one's boundary (session-in-event-id 2), not only up to the
 * first boundary it meets. */
static void test_stop_gate_survives_reboot_mid_turn(void)
{
  sse_b_t s;
  streaming_turn(0);
  feed_data(0, "{\"type\":\"start\",\"messageId\":\"m_1\"}", "e1");
  CHECK_EQ_INT(tc_chat_stop(&W.chat), TC_OK); /* turn A (seq 0) stopped */
  w_step(&W);
  w_take_req(&W);
  w_append_ok(&W, 1);
  scn_next_turn_streams(2); /* turn B (seq 2): A's rest is dropped meanwhile */
  feed_data(1, DELTA("a"), "e2");
  CHECK_EQ_INT(tc_chat_stop(&W.chat), TC_OK); /* B stopped before A's boundary came */
  w_step(&W);
  w_take_req(&W);
  w_append_ok(&W, 3);
  scn_next_turn_streams(4); /* turn C (seq 4) */
  CHECK_EQ_STR(w_header(&W, "Last-Event-ID"), "1");
  tc_chat_deinit(&W.chat); /* the device restarts while C streams */
  scn_reboot();
  CHECK_EQ_INT(tc_chat_restore(&W.chat, NULL, 0), TC_OK);
  w_step(&W);
  scn_expect_resume_replays_from("1");
  sse_begin(&s);
  sse_control(&s, 2, "[[\"trigger-control\",\"turn-complete\"],[\"session-in-event-id\",\"0\"]]");
  sse_data(&s, 3, "{\"type\":\"start\",\"messageId\":\"m_2\"}", "e4");
  sse_data(&s, 4, DELTA("b"), "e5");
  sse_control(&s, 5, "[[\"trigger-control\",\"turn-complete\"],[\"session-in-event-id\",\"2\"]]");
  sse_data(&s, 6, "{\"type\":\"start\",\"messageId\":\"m_3\"}", "e7");
  sse_data(&s, 7, DELTA("New"), "e8");
  sse_control(&s, 8, "[[\"trigger-control\",\"turn-complete\"],[\"session-in-event-id\",\"4\"]]");
  scn_feed_batch(&s);
  CHECK_EQ_MEM(W.shown, W.shown_len, "New");
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_TURN_COMPLETE), 1);
  CHECK_EQ_INT(w_last(&W, TC_CHAT_EV_TURN_COMPLETE)->sie, 4);
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_STREAM_ERROR), 0);
  CHECK_EQ_INT(tc_chat_state(&W.chat), TC_CHAT_IDLE);
}

/* Chaos seed 232: the stop's append met a 404 (the session was gone) and
 * was sent again in the session started anew. The stop armed the gate with
 * the old session's input seq; the new session's first turn-complete then
 * read as "the previous turn's output was lost" and its text was dropped.
 * A stop in a new session has no turn to stop. */
static void test_stop_after_404_repair_arms_no_gate(void)
{
  sse_b_t s;
  streaming_turn(0);
  feed_data(0, "{\"type\":\"start\",\"messageId\":\"m_1\"}", "e1");
  CHECK_EQ_INT(tc_chat_stop(&W.chat), TC_OK);
  w_step(&W);
  w_take_req(&W);
  W.auto_token = TOK2; /* the session is started again at once */
  fake_reply(&W.req, json_resp(404, "{\"error\":\"Resource not found\"}"));
  w_step(&W);
  W.auto_token = NULL;
  CHECK_EQ_INT(W.starts, 2);
  w_take_req(&W);
  CHECK(w_has(&W, "{\"kind\":\"stop\"}"));
  w_append_ok(&W, 0); /* the stop is seq 0 of the new session */
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_MESSAGE_SENT), 2);
  w_turn(&W, 1);
  w_take_out(&W);
  CHECK_EQ_STR(w_header(&W, "Last-Event-ID"), ""); /* (the cursor went with the old session) */
  scn_out_streams();
  sse_begin(&s);
  sse_data(&s, 0, "{\"type\":\"start\",\"messageId\":\"m_2\"}", "e1");
  sse_data(&s, 1, DELTA("New"), "e2");
  sse_control(&s, 2, "[[\"trigger-control\",\"turn-complete\"],[\"session-in-event-id\",\"1\"]]");
  scn_feed_batch(&s);
  CHECK_EQ_MEM(W.shown, W.shown_len, "New");
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_TURN_COMPLETE), 1);
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_STREAM_ERROR), 0);
  CHECK_EQ_INT(tc_chat_state(&W.chat), TC_CHAT_IDLE);
}

/* Chaos seed 46: the session closed (an append's 409) while .out read, with
 * the stop gate armed, the stopped turn's rest: the close disarmed the gate,
 * and the rest of the body showed that text. */
static void test_close_keeps_the_stop_gate(void)
{
  sse_b_t s;
  streaming_turn(0);
  feed_data(0, "{\"type\":\"start\",\"messageId\":\"m_1\"}", "e1");
  feed_data(1, DELTA("Hel"), "e2");
  CHECK_EQ_INT(tc_chat_stop(&W.chat), TC_OK);
  w_step(&W);
  w_take_req(&W);
  w_append_ok(&W, 1); /* gate armed */
  scn_next_turn_streams(2);
  CHECK_EQ_INT(tc_chat_steer_text(&W.chat, "s", 1, NULL), TC_OK);
  w_step(&W);
  w_take_req(&W);
  fake_reply(&W.req, json_resp(409, "{\"ok\":false,\"error\":\"Cannot append to a closed session\","
                                    "\"code\":\"session_closed\",\"closedReason\":\"budget\"}"));
  w_step(&W);
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_SESSION_CLOSED), 1);
  sse_begin(&s); /* the body read on: the stopped turn's rest */
  sse_data(&s, 2, DELTA("lo"), "e3");
  sse_control(&s, 3, "[[\"trigger-control\",\"turn-complete\"],[\"session-in-event-id\",\"0\"]]");
  scn_feed_batch(&s);
  CHECK_EQ_MEM(W.shown, W.shown_len, "Hel");
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_TURN_COMPLETE), 0);
  CHECK_EQ_INT(tc_chat_state(&W.chat), TC_CHAT_CLOSED);
}

/* Chaos seed 306: a 404 on an append (the session is gone) started the
 * session again and dropped the cursor, but .out, still open on the old
 * session's stream, read on and set the cursor again: the new session's
 * .out then asked for records after that old seq_num and skipped the new
 * turn (it stalled until TC_ERR_STALLED). */
static void test_404_repair_ends_the_old_stream(void)
{
  streaming_turn(0);
  feed_data(0, "{\"type\":\"start\",\"messageId\":\"m_1\"}", "e1");
  CHECK_EQ_INT(tc_chat_send_text(&W.chat, "again", 5, NULL), TC_OK); /* while turn 1 streams */
  w_step(&W);
  w_take_req(&W);
  W.auto_token = TOK2;
  fake_reply(&W.req, json_resp(404, "{\"error\":\"Resource not found\"}"));
  w_step(&W); /* the session starts again; the append goes out again */
  W.auto_token = NULL;
  CHECK_EQ_INT(W.starts, 2);
  if (W.out.connected) feed_data(1, DELTA("old"), "e2"); /* the old stream, if still read */
  w_take_req(&W);
  CHECK(w_has(&W, "again"));
  w_append_ok(&W, 0);
  w_take_out(&W);
  CHECK(starts(W.req_text, "GET /realtime/v1/sessions/c1/out "));
  CHECK_EQ_STR(w_header(&W, "Last-Event-ID"), ""); /* the new session's stream from its start */
}

/* Chaos seed 91: turn A stopped; turn B's append answered without a seq (a
 * deduplicated retry on the snapshot server, protocol.md §2.4); B stopped
 * while A's gate still dropped A's rest. B's gate ("seq unknown: 0") then
 * opened at A's boundary and B's rest showed. B came after A: its gate
 * waits for a boundary above A's. */
static void test_stop_without_seq_while_gated(void)
{
  sse_b_t s;
  streaming_turn(0);
  feed_data(0, "{\"type\":\"start\",\"messageId\":\"m_1\"}", "e1");
  CHECK_EQ_INT(tc_chat_stop(&W.chat), TC_OK); /* A (seq 0) */
  w_step(&W);
  w_take_req(&W);
  w_append_ok(&W, 1);
  scn_next_turn_streams(-1); /* B: no seq */
  feed_data(1, DELTA("a"), "e2"); /* A's rest: dropped */
  CHECK_EQ_INT(tc_chat_stop(&W.chat), TC_OK); /* B, before A's boundary */
  w_step(&W);
  w_take_req(&W);
  w_append_ok(&W, 3);
  scn_next_turn_streams(4); /* C */
  sse_begin(&s);
  sse_control(&s, 2, "[[\"trigger-control\",\"turn-complete\"],[\"session-in-event-id\",\"0\"]]");
  sse_data(&s, 3, "{\"type\":\"start\",\"messageId\":\"m_2\"}", "e4");
  sse_data(&s, 4, DELTA("b"), "e5");
  sse_control(&s, 5, "[[\"trigger-control\",\"turn-complete\"],[\"session-in-event-id\",\"2\"]]");
  sse_data(&s, 6, "{\"type\":\"start\",\"messageId\":\"m_3\"}", "e7");
  sse_data(&s, 7, DELTA("New"), "e8");
  sse_control(&s, 8, "[[\"trigger-control\",\"turn-complete\"],[\"session-in-event-id\",\"4\"]]");
  scn_feed_batch(&s);
  CHECK_EQ_MEM(W.shown, W.shown_len, "New");
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_TURN_COMPLETE), 1);
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_STREAM_ERROR), 0);
  CHECK_EQ_INT(tc_chat_state(&W.chat), TC_CHAT_IDLE);
}

int main(void)
{
  RUN(test_stop_without_seq_while_gated);
  RUN(test_404_repair_ends_the_old_stream);
  RUN(test_stop_after_404_repair_arms_no_gate);
  RUN(test_close_keeps_the_stop_gate);
  RUN(test_stop_gate_survives_reboot);
  RUN(test_stop_gate_survives_reboot_mid_turn);
  RUN(test_chaos_seeds);
  return tc_test_finish("chat_chaos");
}

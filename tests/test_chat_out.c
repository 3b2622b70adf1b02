/*
 * test_chat_out.c — adversarial review of the chat's .out side (chat_out.c
 * and the parts of chat.c it uses): the event loop's deadlines in every
 * state, closed sessions, clocks, and the stream's odd answers.
 */
#include <stdio.h>
#include <string.h>

#include "chat_fake.c"
#include "chat_scn.c"
#include "tc_test.h"

/* A loop that waits until tc_chat_next_deadline() must not spin: after a
 * step at `now`, a deadline at or before now means work the step would do,
 * so a second step must then change something. Checked as: the deadline is
 * after now, or none. */
static bool idle_deadline(void)
{
  uint64_t d;
  w_step(&W);
  d = tc_chat_next_deadline(&W.chat);
  return d > W.now;
}

static void w_init_direct(void)
{
  w_init(&W, NULL);
  W.cfg.auth = TC_CHAT_AUTH_DIRECT;
  W.cfg.secret_key = "tr_dev_secret";
  scn_init_chat();
  w_step(&W);
}

/* .out's connection ends; ms later its GET is answered 401 (the token
 * expired): .out asks the app for a token. */
static void out_drops_then_401(uint64_t ms)
{
  scn_out_eof_then(ms);
  w_take_out(&W);
  fake_reply(&W.out, json_resp(401, "{\"error\":\"expired\"}"));
  w_step(&W);
}

/* A session start answered 409 (DIRECT) closes the chat before it ever had
 * a token: the loop must then sleep, not spin. */
static void test_closed_before_a_token_does_not_spin(void)
{
  w_init_direct();
  CHECK_EQ_INT(tc_chat_preload(&W.chat), TC_OK);
  w_step(&W);
  w_take_req(&W);
  fake_reply(&W.req, json_resp(409, "{\"error\":\"closed\"}"));
  w_step(&W);
  CHECK_EQ_INT(tc_chat_state(&W.chat), TC_CHAT_CLOSED);
  CHECK(idle_deadline());
  CHECK_EQ_INT(tc_chat_next_deadline(&W.chat), UINT64_MAX);
}

/* The proactive refresh falls due after the session closed: nothing will
 * run it, so it must not keep the deadline at now. */
static void test_refresh_due_after_close_does_not_spin(void)
{
  streaming_turn(0);
  feed_control(5, "[[\"trigger-control\",\"turn-complete\"],[\"session-in-event-id\",\"0\"],"
                  "[\"session-closed\",\"true\"]]");
  CHECK_EQ_INT(tc_chat_state(&W.chat), TC_CHAT_CLOSED);
  w_advance(&W, 4000000); /* past the token's exp */
  CHECK(idle_deadline());
  CHECK_EQ_INT(W.tokens + W.starts, 1); /* only the first start */
}

/* The refresh falls due while .out waits for the app to answer the token
 * question its 401 asked: the answer will serve both; until it comes the
 * loop sleeps. */
static void test_refresh_due_while_a_token_question_is_out_does_not_spin(void)
{
  streaming_turn(0);
  W.cfg.provider_ms = 0x7fffffff; /* (the token is answered late, within its bound) */
  out_drops_then_401(1000);
  CHECK_EQ_INT(W.tokens, 1);
  w_advance(&W, 4000000);
  CHECK(idle_deadline());
  CHECK_EQ_INT(W.tokens, 1);
  CHECK_EQ_INT(tc_chat_provide_token(&W.chat, TOK2, strlen(TOK2)), TC_OK);
  w_step(&W);
  w_take_out(&W);
  CHECK_EQ_STR(w_header(&W, "Authorization"), "Bearer " TOK2);
}

/* A steering append answered 409 session_closed while .out waits to
 * reconnect: the session is over, so no GET follows (§5.4: stop
 * reconnecting), and the wait ends. */
static void test_closed_by_append_while_out_waits_stops_reconnecting(void)
{
  int opens;
  streaming_turn(0);
  feed_data(1, DELTA("a"), "e1");
  W.out.fail_after = TC_ERR_NET_RESET;
  w_step(&W); /* dropped: .out waits to reconnect */
  opens = W.out.opens;
  CHECK_EQ_INT(tc_chat_steer_text(&W.chat, "x", 1, NULL), TC_OK);
  w_step(&W);
  w_take_req(&W);
  fake_reply(&W.req, json_resp(409, "{\"code\":\"session_closed\",\"closedReason\":\"budget\"}"));
  w_step(&W);
  CHECK_EQ_INT(tc_chat_state(&W.chat), TC_CHAT_CLOSED);
  w_advance(&W, 10000);
  w_advance(&W, 10000);
  CHECK_EQ_INT(W.out.opens, opens);
  CHECK(idle_deadline());
}

/* The clock jumps more than 2^31 ms (24.8 days) between two steps while a
 * turn streams (a device that slept): the stall timer is long past, so the
 * step reconnects; it must not wait another 24 days. */
static void test_clock_jump_past_2_31_ms_fires_the_stall(void)
{
  int opens;
  streaming_turn(0);
  W.auto_token = TOK1; /* (the proactive refresh is due too: answered at once) */
  feed_data(1, DELTA("a"), "e1");
  opens = W.out.opens;
  w_advance(&W, 0x80000000ull + 100000);
  CHECK(tc_chat_next_deadline(&W.chat) <= W.now + 5000);
  w_advance(&W, 5000);
  CHECK_EQ_INT(W.out.opens, opens + 1);
  w_take_out(&W);
  CHECK_EQ_STR(w_header(&W, "Last-Event-ID"), "1");
}

/* A device up for more than 2^31 ms (24.8 days) when the chat starts: the
 * append goes out at once (a send's wait must not start from time 0, which
 * then reads as 24 days ahead). */
static void test_send_after_24_days_of_uptime_goes_out(void)
{
  w_init(&W, NULL);
  W.now = 0x80000000ull + 5000;
  scn_init_chat();
  w_step(&W);
  w_session(&W);
  CHECK_EQ_INT(tc_chat_send_text(&W.chat, "hi", 2, NULL), TC_OK);
  CHECK(tc_chat_next_deadline(&W.chat) <= W.now);
  w_step(&W);
  w_take_req(&W);
  CHECK(starts(W.req_text, "POST /realtime/v1/sessions/c1/in/append"));
  w_append_ok(&W, 0);
  w_take_out(&W);
  CHECK(starts(W.req_text, "GET /realtime/v1/sessions/c1/out"));
}

/* §6.2 step 4: "[DONE]" is the clean end of the read; a server or proxy
 * that then holds the connection open (no EOF) must not leave the turn
 * waiting for the 60 s stall timer: the chat resubscribes within the EOF
 * backoff (100 ms base), from the cursor. */
static void test_done_without_eof_resubscribes_at_once(void)
{
  int opens;
  streaming_turn(0);
  feed_data(3, DELTA("a"), "e1");
  opens = W.out.opens;
  fake_reply(&W.out, "data: [DONE]\n\n");
  w_step(&W);
  CHECK(tc_chat_next_deadline(&W.chat) <= W.now + 100);
  w_advance(&W, 100);
  CHECK_EQ_INT(W.out.opens, opens + 1);
  w_take_out(&W);
  CHECK_EQ_STR(w_header(&W, "Last-Event-ID"), "3");
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_STREAM_ERROR), 0);
}

/* The settled answer to a peek (§5.6): "[DONE]" ends it even when the
 * connection stays open; no resubscribe. */
static void test_settled_done_without_eof_ends(void)
{
  int opens;
  first_turn_done();
  w_init(&W, "c1");
  w_session(&W);
  W.chat.streaming = -1; /* a resume with isStreaming unknown peeks */
  CHECK_EQ_INT(tc_chat_resume(&W.chat), TC_OK);
  w_step(&W);
  w_take_out(&W);
  CHECK_EQ_STR(w_header(&W, "X-Peek-Settled"), "1");
  fake_reply(&W.out, sse_head(true));
  fake_reply(&W.out, "data: [DONE]\n\n");
  w_step(&W);
  opens = W.out.opens;
  CHECK_EQ_INT(tc_chat_state(&W.chat), TC_CHAT_IDLE);
  CHECK_EQ_INT(tc_chat_session(&W.chat).streaming, 0);
  w_advance(&W, 60000);
  w_advance(&W, 60000);
  CHECK_EQ_INT(W.out.opens, opens);
  CHECK_EQ_INT(W.out.connected, false);
}

/* The next request's Authorization after a turn (a second turn's GET). */
static const char *next_turn_auth(void)
{
  w_turn(&W, 1);
  w_take_out(&W);
  return w_header(&W, "Authorization");
}

/* A turn-complete whose token is malformed, or longer than the record
 * buffer and TC_CHAT_TOKEN_MAX: the turn still ends, the old token stays. */
static void test_bad_token_in_turn_complete_ends_the_turn_keeps_the_token(void)
{
  static char h[TC_OUT_RECORD_MAX + 200];
  static const char *bad[] = { "not a jwt!", "", "\\u0000abc", NULL };
  for (int i = 0; i < 4; i++) {
    streaming_turn(0);
    if (bad[i]) {
      snprintf(h, sizeof h, "[[\"trigger-control\",\"turn-complete\"],[\"public-access-token\",\"%s\"],"
               "[\"session-in-event-id\",\"0\"]]", bad[i]);
    } else { /* too long for the record buffer */
      size_t n = (size_t)snprintf(h, sizeof h, "[[\"trigger-control\",\"turn-complete\"],[\"session-in-event-id\",\"0\"],"
                                  "[\"public-access-token\",\"");
      memset(h + n, 'a', TC_OUT_RECORD_MAX);
      snprintf(h + n + TC_OUT_RECORD_MAX, sizeof h - n - TC_OUT_RECORD_MAX, "\"]]");
    }
    feed_control(5, h);
    CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_TURN_COMPLETE), 1);
    CHECK_EQ_INT(tc_chat_state(&W.chat), TC_CHAT_IDLE);
    CHECK_EQ_STR(next_turn_auth(), "Bearer " TOK1);
    CHECK_EQ_STR(w_header(&W, "Last-Event-ID"), "5");
  }
}

/* session-closed in the middle of a batch: what follows in that batch is
 * not delivered, and nothing reconnects. upgrade-required and
 * pending-version mid-batch: the rest of the batch is. */
static void test_control_records_mid_batch(void)
{
  sse_b_t s;
  int opens;
  streaming_turn(0);
  sse_begin(&s);
  sse_data(&s, 1, DELTA("a"), "e1");
  sse_control(&s, 2, "[[\"trigger-control\",\"upgrade-required\"]]");
  sse_data(&s, 3, DELTA("b"), "e3");
  sse_control(&s, 4, "[[\"trigger-control\",\"pending-version\"]]");
  sse_data(&s, 5, DELTA("c"), "e5");
  sse_control(&s, 6, "[[\"trigger-control\",\"session-closed\"],[\"session-closed-reason\",\"bye\"]]");
  sse_data(&s, 7, DELTA("d"), "e7");
  scn_feed_batch(&s);
  CHECK_EQ_INT(W.shown_len, 3);
  CHECK(memcmp(W.shown, "abc", 3) == 0);
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_RUN_PENDING_VERSION), 1);
  CHECK_EQ_INT(tc_chat_state(&W.chat), TC_CHAT_CLOSED);
  CHECK_EQ_STR(w_last(&W, TC_CHAT_EV_SESSION_CLOSED)->text, "bye");
  opens = W.out.opens;
  w_advance(&W, 60000);
  w_advance(&W, 60000);
  CHECK_EQ_INT(W.out.opens, opens);
  CHECK(idle_deadline());
}

/* stop() while .out waits for the app's token after a 401: the stop ends
 * the subscription; the token's late answer opens nothing. */
static void test_stop_while_out_waits_for_a_token(void)
{
  int opens;
  streaming_turn(0);
  feed_data(1, DELTA("a"), "e1");
  out_drops_then_401(1000);
  CHECK_EQ_INT(W.tokens, 1);
  CHECK_EQ_INT(tc_chat_stop(&W.chat), TC_OK);
  w_step(&W);
  w_take_req(&W);
  CHECK(w_has(&W, "\"kind\":\"stop\""));
  fake_reply(&W.req, json_resp(200, "{\"ok\":true,\"seq\":1}"));
  w_step(&W);
  opens = W.out.opens;
  CHECK_EQ_INT(tc_chat_provide_token(&W.chat, TOK2, strlen(TOK2)), TC_OK);
  w_advance(&W, 10000);
  CHECK_EQ_INT(W.out.opens, opens);
  CHECK_EQ_INT(tc_chat_state(&W.chat), TC_CHAT_IDLE);
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_STREAM_ERROR), 0);
  CHECK(idle_deadline());
}

/* stop() while the GET waits for its headers: the late answer is never
 * read (no chunk after the stop). */
static void test_stop_while_out_waits_for_headers(void)
{
  int chunks;
  w_init(&W, "c1");
  w_session(&W);
  w_turn(&W, 0);
  w_take_out(&W);
  CHECK_EQ_INT(tc_chat_stop(&W.chat), TC_OK);
  w_step(&W);
  w_take_req(&W);
  fake_reply(&W.req, json_resp(200, "{\"ok\":true,\"seq\":1}"));
  w_step(&W);
  chunks = w_count(&W, TC_CHAT_EV_CHUNK);
  fake_reply(&W.out, sse_head(false));
  fake_reply(&W.out, turn_batch(0, 0));
  w_advance(&W, 40000);
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_CHUNK), chunks);
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_TURN_COMPLETE), 0);
  CHECK_EQ_INT(tc_chat_state(&W.chat), TC_CHAT_IDLE);
  CHECK(idle_deadline());
}

static void stop_now(void)
{
  CHECK_EQ_INT(tc_chat_stop(&W.chat), TC_OK);
  w_step(&W);
  w_take_req(&W);
  w_append_ok(&W, 3);
}

/* A turn (input seq 2) streams "a" and is stopped (the stop is seq 3);
 * the next message's append answers with send_seq and its .out streams:
 * the stop gate is armed for the stopped turn's leftovers. */
static void stopped_turn_then_next(long send_seq)
{
  streaming_turn(2);
  feed_data(10, DELTA("a"), "h1");
  stop_now();
  scn_next_turn_streams(send_seq);
}

/* §6.7 step 5: the turn-complete that disarms the stop gate is the stopped
 * turn's boundary; unless it shows the new turn's output was lost, it is
 * swallowed, not taken as the end of the new turn. Here that boundary has
 * no session-in-event-id (a legacy agent's): the new turn still streams. */
static void test_stop_gate_boundary_without_sie_is_swallowed(void)
{
  stopped_turn_then_next(4);
  feed_data(11, DELTA("leftover"), "h2");
  feed_control(12, "[[\"trigger-control\",\"turn-complete\"]]");
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_TURN_COMPLETE), 0);
  CHECK(W.out.connected);
  feed_data(13, DELTA("new"), "h3");
  feed_control(14, "[[\"trigger-control\",\"turn-complete\"]]");
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_TURN_COMPLETE), 1);
  CHECK_EQ_INT(W.shown_len, 4);
  CHECK(memcmp(W.shown, "anew", 4) == 0);
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_STREAM_ERROR), 0);
}

/* The same when the new send's append gave no seq (an older server): the
 * stopped turn's boundary (sie 2 >= the superseded 2) disarms the gate and
 * is swallowed; the new turn's own boundary ends it. */
static void test_stop_gate_boundary_with_unknown_send_seq_is_swallowed(void)
{
  stopped_turn_then_next(-1);
  feed_data(11, DELTA("leftover"), "h2");
  feed_control(12, "[[\"trigger-control\",\"turn-complete\"],[\"session-in-event-id\",\"2\"]]");
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_TURN_COMPLETE), 0);
  feed_data(13, DELTA("new"), "h3");
  feed_control(14, "[[\"trigger-control\",\"turn-complete\"],[\"session-in-event-id\",\"4\"]]");
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_TURN_COMPLETE), 1);
  CHECK_EQ_INT(W.shown_len, 4);
  CHECK(memcmp(W.shown, "anew", 4) == 0);
}

/* A server that replays from below the cursor after a reconnect (seq_num
 * going backwards across connections, e.g. a Last-Event-ID it could not
 * read): what was shown comes again marked replayed, nothing is lost, the
 * turn ends once. */
static void test_replay_below_the_cursor_after_a_reconnect(void)
{
  streaming_turn(0);
  feed_data(1, DELTA("a"), "e1");
  feed_data(2, DELTA("b"), "e2");
  W.out.fail_after = TC_ERR_NET_RESET;
  w_step(&W);
  w_advance(&W, 1000);
  w_take_out(&W);
  CHECK_EQ_STR(w_header(&W, "Last-Event-ID"), "2");
  scn_out_streams();
  feed_data(0, "{\"type\":\"start\",\"messageId\":\"m_1\"}", "e0");
  feed_data(1, DELTA("a"), "e1");
  feed_data(2, DELTA("b"), "e2");
  feed_data(3, DELTA("c"), "e3");
  feed_control(4, "[[\"trigger-control\",\"turn-complete\"],[\"session-in-event-id\",\"0\"]]");
  CHECK_EQ_INT(W.shown_len, 3);
  CHECK(memcmp(W.shown, "abc", 3) == 0);
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_TURN_COMPLETE), 1);
  CHECK_EQ_INT(tc_chat_session(&W.chat).cursor, 4);
}

/* Watch mode across turns and a 401 between them: one refresh, the watch
 * goes on from the cursor with the new token; a second turn is read. */
static void test_watch_survives_a_401_between_turns(void)
{
  scn_watch_world();
  CHECK_EQ_INT(tc_chat_watch(&W.chat), TC_OK);
  w_step(&W);
  w_take_out(&W);
  scn_out_streams();
  feed_data(1, DELTA("t1"), "w1");
  feed_control(2, "[[\"trigger-control\",\"turn-complete\"]]");
  scn_out_eof_then(200);
  w_take_out(&W);
  fake_reply(&W.out, json_resp(401, "{\"error\":\"expired\"}"));
  W.auto_token = TOK2; /* (answers the token question the 401 asks) */
  w_step(&W);
  w_advance(&W, 200);
  w_take_out(&W);
  CHECK_EQ_STR(w_header(&W, "Authorization"), "Bearer " TOK2);
  CHECK_EQ_STR(w_header(&W, "Last-Event-ID"), "2");
  scn_out_streams();
  feed_data(3, DELTA("t2"), "w2");
  feed_control(4, "[[\"trigger-control\",\"turn-complete\"]]");
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_TURN_COMPLETE), 2);
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_STREAM_ERROR), 0);
  CHECK_EQ_INT(tc_chat_state(&W.chat), TC_CHAT_STREAMING);
  CHECK_EQ_INT(W.tokens, 1);
}

/* The stall and header timers and the backoff across the wrap of the low
 * 32 bits of now_ms: each fires exactly when due, the deadline tells it. */
static void test_timers_across_the_32_bit_wrap(void)
{
  int opens;
  w_init(&W, NULL);
  W.now = 0x100000000ull - 30000;
  W.cfg.checkpoint_ms = 1000000; /* (its deadline would come first) */
  scn_init_chat();
  w_step(&W);
  w_session(&W);
  scn_next_turn_streams(0);
  feed_data(1, DELTA("a"), "e1");
  CHECK_EQ_INT(tc_chat_next_deadline(&W.chat), W.now + 60000);
  opens = W.out.opens;
  w_advance(&W, 59999);
  CHECK(W.out.connected);
  w_advance(&W, 1); /* stalled: backoff 0.5-1 s */
  CHECK(!W.out.connected);
  CHECK(tc_chat_next_deadline(&W.chat) > W.now && tc_chat_next_deadline(&W.chat) <= W.now + 1000);
  W.now = tc_chat_next_deadline(&W.chat);
  w_step(&W);
  CHECK_EQ_INT(W.out.opens, opens + 1);
  CHECK_EQ_INT(tc_chat_next_deadline(&W.chat), W.now + 30000); /* the header timer */
  w_advance(&W, 29999);
  CHECK(W.out.connected);
  w_advance(&W, 1);
  CHECK(!W.out.connected);
  CHECK(W.now > 0x100000000ull);
}

/* Odd answers to GET .out mid-turn: a 204, a 302, a 200 text/html page, a
 * chunked event stream that ends without [DONE]. Each is resumed from the
 * cursor within the backoff (the loop sleeps until then), and the turn's
 * text is whole once a real stream comes. */
static void test_odd_answers_resume_from_the_cursor(void)
{
  static const char *odd[] = {
    "HTTP/1.1 204 No Content\r\n\r\n",
    "HTTP/1.1 302 Found\r\nLocation: https://portal/\r\nContent-Length: 0\r\n\r\n",
    "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 23\r\n\r\n<html>data: x</html>\n\n\n",
    "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n6\r\n: hi\n\n\r\n0\r\n\r\n",
  };
  for (int i = 0; i < 4; i++) {
    streaming_turn(0);
    feed_data(1, DELTA("a"), "e1");
    fake_eof(&W.out);
    w_step(&W);
    for (int k = 0; k < 3; k++) {
      uint64_t d = tc_chat_next_deadline(&W.chat);
      CHECK(d > W.now && d <= W.now + 5000);
      W.now = d;
      w_step(&W);
      w_take_out(&W);
      CHECK_EQ_STR(w_header(&W, "Last-Event-ID"), "1");
      fake_reply(&W.out, odd[i]);
      if (i == 2) fake_eof(&W.out);
      CHECK(idle_deadline());
      CHECK(!W.out.connected);
    }
    W.now = tc_chat_next_deadline(&W.chat);
    w_step(&W);
    scn_out_streams();
    feed_data(2, DELTA("b"), "e2");
    feed_control(3, "[[\"trigger-control\",\"turn-complete\"],[\"session-in-event-id\",\"0\"]]");
    CHECK_EQ_INT(W.shown_len, 2);
    CHECK(memcmp(W.shown, "ab", 2) == 0);
    CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_TURN_COMPLETE), 1);
    CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_STREAM_ERROR), 0);
  }
}

/* The stopped turn's boundary announces the close (session-closed: true,
 * §5.4, e.g. the stop ended the last allowed turn): the chat is closed and
 * the new subscription ends (no new turn will come); no turn-complete. */
static void test_stop_gate_boundary_announcing_the_close_closes(void)
{
  int opens;
  stopped_turn_then_next(4);
  feed_control(12, "[[\"trigger-control\",\"turn-complete\"],[\"session-in-event-id\",\"2\"],"
                   "[\"session-closed\",\"true\"],[\"session-closed-reason\",\"max-turns\"]]");
  CHECK_EQ_INT(tc_chat_state(&W.chat), TC_CHAT_CLOSED);
  CHECK_EQ_STR(w_last(&W, TC_CHAT_EV_SESSION_CLOSED)->text, "max-turns");
  CHECK_EQ_INT(W.out.connected, false);
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_TURN_COMPLETE), 0);
  opens = W.out.opens;
  w_advance(&W, 60000);
  w_advance(&W, 60000);
  CHECK_EQ_INT(W.out.opens, opens);
  CHECK(idle_deadline());
}

int main(void)
{
  RUN(test_closed_before_a_token_does_not_spin);
  RUN(test_refresh_due_after_close_does_not_spin);
  RUN(test_refresh_due_while_a_token_question_is_out_does_not_spin);
  RUN(test_closed_by_append_while_out_waits_stops_reconnecting);
  RUN(test_clock_jump_past_2_31_ms_fires_the_stall);
  RUN(test_send_after_24_days_of_uptime_goes_out);
  RUN(test_done_without_eof_resubscribes_at_once);
  RUN(test_settled_done_without_eof_ends);
  RUN(test_bad_token_in_turn_complete_ends_the_turn_keeps_the_token);
  RUN(test_control_records_mid_batch);
  RUN(test_stop_while_out_waits_for_a_token);
  RUN(test_stop_while_out_waits_for_headers);
  RUN(test_stop_gate_boundary_without_sie_is_swallowed);
  RUN(test_stop_gate_boundary_with_unknown_send_seq_is_swallowed);
  RUN(test_replay_below_the_cursor_after_a_reconnect);
  RUN(test_watch_survives_a_401_between_turns);
  RUN(test_timers_across_the_32_bit_wrap);
  RUN(test_odd_answers_resume_from_the_cursor);
  RUN(test_stop_gate_boundary_announcing_the_close_closes);
  return tc_test_finish("chat_out");
}

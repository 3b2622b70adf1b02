/*
 * test_review9_out.c — session 9 review of the chat's .out side (chat_out.c,
 * chat.c): sequences across boundaries — a watch rebooted mid-turn, a drop
 * right at a turn-complete, a stop during a reconnect wait, an older turn's
 * turn-complete after a newer send, X-Session-Settled with a send
 * outstanding, a token rolled over while watching.
 */
#include <stdio.h>
#include <string.h>

#include "chat_fake.c"
#include "chat_scn.c"
#include "tc_test.h"

#define TC_SIE(n) "[[\"trigger-control\",\"turn-complete\"],[\"session-in-event-id\",\"" n "\"]]"

/* After a step at now, the loop may sleep: the deadline is after now, or none. */
static bool idle_deadline(void)
{
  w_step(&W);
  return tc_chat_next_deadline(&W.chat) > W.now;
}

/* A watcher follows turn 1 (records 1-2) and reads the start of turn 2
 * (records 3-4); a checkpoint interval passes mid-turn (and a clean
 * shutdown writes what moved). After the restart the watch must replay turn
 * 2 from its first chunk (§6.1; 4.8.3 keeps turnStart for every turn it
 * reads, watch mode included, and persists lastEventId = turnStart while a
 * turn is under way), so that the rebuilt message is whole: the part shown
 * before comes marked replayed. */
static void watch_reads_into_turn_2(void)
{
  scn_watch_world();
  CHECK_EQ_INT(tc_chat_watch(&W.chat), TC_OK);
  w_step(&W);
  w_take_out(&W);
  scn_out_streams();
  feed_data(1, DELTA("t1"), "w1");
  feed_control(2, TC_SIE("0"));
  feed_data(3, "{\"type\":\"start\",\"messageId\":\"m_2\"}", "w2");
  feed_data(4, DELTA("Hel"), "w3");
}

static void expect_watch_replays_turn_2(void)
{
  scn_reboot();
  W.cfg.watch = true;
  CHECK_EQ_INT(scn_init_chat(), TC_OK);
  CHECK_EQ_INT(tc_chat_restore(&W.chat, NULL, 0), TC_OK);
  CHECK_EQ_INT(tc_chat_watch(&W.chat), TC_OK);
  w_step(&W);
  w_take_out(&W);
  CHECK_EQ_STR(w_header(&W, "Last-Event-ID"), "2"); /* turn 2's start */
  scn_out_streams();
  feed_data(3, "{\"type\":\"start\",\"messageId\":\"m_2\"}", "w2");
  CHECK_EQ_INT(w_last(&W, TC_CHAT_EV_CHUNK)->chunk, TC_CHUNK_START);
  CHECK(w_last(&W, TC_CHAT_EV_CHUNK)->replayed);
  feed_data(4, DELTA("Hel"), "w3");
  CHECK(w_last(&W, TC_CHAT_EV_TEXT)->replayed);
  feed_data(5, DELTA("lo"), "w4");
  CHECK(!w_last(&W, TC_CHAT_EV_TEXT)->replayed);
  feed_control(6, TC_SIE("1"));
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_TURN_COMPLETE), 1);
  CHECK_EQ_INT(tc_chat_session(&W.chat).cursor, 6);
}

static void test_watch_power_cut_mid_turn_replays_the_turn_from_its_start(void)
{
  watch_reads_into_turn_2();
  w_advance(&W, 20000); /* a checkpoint interval passes mid-turn */
  CHECK_EQ_INT(tc_chat_session(&W.chat).cursor, 2);
  CHECK_EQ_INT(tc_chat_session(&W.chat).shown, 4);
  expect_watch_replays_turn_2();
}

static void test_watch_deinit_mid_turn_replays_the_turn_from_its_start(void)
{
  watch_reads_into_turn_2();
  tc_chat_deinit(&W.chat);
  expect_watch_replays_turn_2();
}

/* Between turns the watch's record follows the cursor (a trim after the
 * turn-complete is no turn of its own). */
static void test_watch_between_turns_keeps_the_live_cursor(void)
{
  sse_b_t s;
  scn_watch_world();
  CHECK_EQ_INT(tc_chat_watch(&W.chat), TC_OK);
  w_step(&W);
  w_take_out(&W);
  scn_out_streams();
  sse_begin(&s);
  sse_data(&s, 1, DELTA("t1"), "w1");
  sse_control(&s, 2, TC_SIE("0"));
  sse_trim(&s, 3);
  scn_feed_batch(&s);
  w_advance(&W, 20000);
  CHECK_EQ_INT(tc_chat_session(&W.chat).cursor, 3);
  tc_chat_deinit(&W.chat);
  scn_reboot();
  W.cfg.watch = true;
  CHECK_EQ_INT(scn_init_chat(), TC_OK);
  CHECK_EQ_INT(tc_chat_restore(&W.chat, NULL, 0), TC_OK);
  CHECK_EQ_INT(tc_chat_watch(&W.chat), TC_OK);
  w_step(&W);
  w_take_out(&W);
  CHECK_EQ_STR(w_header(&W, "Last-Event-ID"), "3");
}

/* A 404 repair while a watched turn is under way: the old session's turn
 * start must not survive into the new session's record. */
static void test_watch_404_repair_mid_turn_forgets_the_turn_start(void)
{
  watch_reads_into_turn_2();
  CHECK_EQ_INT(tc_chat_steer_text(&W.chat, "x", 1, NULL), TC_OK);
  w_step(&W);
  w_take_req(&W);
  fake_reply(&W.req, json_resp(404, "{\"error\":\"gone\"}"));
  w_step(&W);
  CHECK(!tc_chat_session(&W.chat).has_cursor);
  CHECK(W.kv.has);
  {
    tc_session_rec_t r;
    memcpy(&r, W.kv.val, W.kv.len);
    CHECK_EQ_INT(tc_session_open(&r, W.kv.len, tc_crc32(0, "c1", 2)), TC_OK);
    CHECK(!(r.flags & TC_SESS_F_CURSOR));
  }
}

/* The connection ends right after the turn-complete, in the same read: the
 * turn ends once, .out does not reconnect, the loop sleeps. */
static void test_drop_right_after_the_turn_complete(void)
{
  int opens;
  streaming_turn(0);
  fake_reply(&W.out, turn_batch(1, 0));
  W.out.fail_after = TC_ERR_NET_RESET;
  w_step(&W);
  opens = W.out.opens;
  w_advance(&W, 10000);
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_TURN_COMPLETE), 1);
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_STREAM_ERROR), 0);
  CHECK_EQ_INT(W.out.opens, opens);
  CHECK_EQ_INT(tc_chat_state(&W.chat), TC_CHAT_IDLE);
  CHECK_EQ_INT(tc_chat_session(&W.chat).cursor, 6);
  CHECK(idle_deadline());
}

/* A stop while .out waits to reconnect after a drop: no GET follows the
 * stop; the next turn swallows the stopped turn's rest up to its boundary. */
static void test_stop_during_a_reconnect_wait(void)
{
  int opens;
  streaming_turn(0);
  feed_data(1, DELTA("a"), "e1");
  W.out.fail_after = TC_ERR_NET_RESET;
  w_step(&W); /* .out waits to reconnect */
  opens = W.out.opens;
  CHECK_EQ_INT(tc_chat_stop(&W.chat), TC_OK);
  w_step(&W);
  w_take_req(&W);
  w_append_ok(&W, 1);
  w_advance(&W, 10000);
  CHECK_EQ_INT(W.out.opens, opens);
  CHECK_EQ_INT(tc_chat_state(&W.chat), TC_CHAT_IDLE);
  CHECK(idle_deadline());
  scn_next_turn_streams(2);
  CHECK_EQ_STR(w_header(&W, "Last-Event-ID"), "1");
  feed_data(2, DELTA("b"), "e2");                 /* the stopped turn's rest */
  feed_control(3, TC_SIE("1"));                   /* its boundary */
  feed_data(4, DELTA("new"), "e3");
  feed_control(5, TC_SIE("2"));
  CHECK_EQ_INT(W.shown_len, 4);
  CHECK(memcmp(W.shown, "anew", 4) == 0);
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_TURN_COMPLETE), 1);
  CHECK(w_last(&W, TC_CHAT_EV_TURN_COMPLETE)->settled);
}

/* A newer send while an older turn streams: the older turn's turn-complete
 * (below the new append's seq) is skipped and its token is not taken
 * (4.8.3 skips it before adopting); the new turn's ends the turn. */
static void test_older_turn_complete_after_a_newer_send(void)
{
  streaming_turn(0);
  feed_data(1, DELTA("a"), "e1");
  CHECK_EQ_INT(tc_chat_send_text(&W.chat, "next", 4, NULL), TC_OK);
  w_step(&W);
  w_take_req(&W);
  w_append_ok(&W, 1);
  w_take_out(&W);
  CHECK_EQ_STR(w_header(&W, "Last-Event-ID"), "1");
  scn_out_streams();
  feed_control(2, "[[\"trigger-control\",\"turn-complete\"],[\"public-access-token\",\"" TOK2
                  "\"],[\"session-in-event-id\",\"0\"]]");
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_TURN_COMPLETE), 0);
  CHECK_EQ_INT(tc_chat_state(&W.chat), TC_CHAT_STREAMING);
  feed_data(3, DELTA("b"), "e2");
  feed_control(4, TC_SIE("1"));
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_TURN_COMPLETE), 1);
  CHECK_EQ_INT(w_last(&W, TC_CHAT_EV_TURN_COMPLETE)->input_seq, 1);
  CHECK(w_last(&W, TC_CHAT_EV_TURN_COMPLETE)->settled);
  CHECK_EQ_INT(tc_chat_send_text(&W.chat, "x", 1, NULL), TC_OK);
  w_step(&W);
  w_take_req(&W);
  CHECK_EQ_STR(w_header(&W, "Authorization"), "Bearer " TOK1);
}

/* A reload of a record with cursor 5 that knows no isStreaming (§6.8):
 * restored and resumed, its GET (with the peek) taken. */
static void resume_record_without_streaming(void)
{
  static tc_session_rec_t r;
  size_t n;
  memset(&r, 0, sizeof r);
  r.flags = TC_SESS_F_CURSOR;
  r.cursor = 5;
  r.token_len = (uint16_t)strlen(TOK1);
  memcpy(r.token, TOK1, r.token_len);
  n = tc_session_seal(&r, tc_crc32(0, "c1", 2));
  w_init(&W, "c1");
  CHECK_EQ_INT(tc_chat_restore(&W.chat, &r, n), TC_OK);
  CHECK_EQ_INT(tc_chat_resume(&W.chat), TC_OK);
  w_step(&W);
  w_take_out(&W);
}

/* An idle reload peeks (the record knows no isStreaming, §6.8); the user
 * sends while the peek is answered. The settled drain ends that
 * subscription without an error, the send's own follows (no peek) and
 * reads the turn. */
static void test_settled_peek_with_a_send_outstanding(void)
{
  resume_record_without_streaming();
  CHECK_EQ_STR(w_header(&W, "X-Peek-Settled"), "1");
  CHECK_EQ_INT(tc_chat_send_text(&W.chat, "again", 5, NULL), TC_OK);
  w_step(&W);
  w_take_req(&W);
  fake_reply(&W.out, sse_head(true));
  fake_reply(&W.out, "data: [DONE]\n\n");
  fake_eof(&W.out);
  w_step(&W);
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_STREAM_ERROR), 0);
  w_append_ok(&W, 1);
  w_take_out(&W);
  CHECK(!w_has(&W, "X-Peek-Settled"));
  CHECK_EQ_STR(w_header(&W, "Last-Event-ID"), "5");
  scn_out_streams();
  feed_data(6, DELTA("ok"), "g1");
  feed_control(7, TC_SIE("1"));
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_TURN_COMPLETE), 1);
  CHECK(w_last(&W, TC_CHAT_EV_TURN_COMPLETE)->settled);
  CHECK_EQ_INT(tc_chat_state(&W.chat), TC_CHAT_IDLE);
  CHECK(idle_deadline());
}

/* A reload whose record knows no isStreaming (§6.8: the request is made,
 * with a peek) finds a turn under way and reads into it; power is cut
 * after a checkpoint. The record keeps that turn's start (4.8.3's turnStart
 * is set by the first record any subscription surfaces): the next resume
 * replays it whole. */
static void test_unknown_streaming_resume_mid_turn_keeps_the_turn_start(void)
{
  resume_record_without_streaming();
  scn_out_streams(); /* not settled: a turn is under way */
  feed_data(6, "{\"type\":\"start\",\"messageId\":\"m_2\"}", "f1");
  feed_data(7, DELTA("x"), "f2");
  w_advance(&W, 20000);
  CHECK_EQ_INT(tc_chat_session(&W.chat).cursor, 5);
  scn_reboot();
  CHECK_EQ_INT(tc_chat_restore(&W.chat, NULL, 0), TC_OK);
  CHECK_EQ_INT(tc_chat_resume(&W.chat), TC_OK);
  w_step(&W);
  w_take_out(&W);
  CHECK_EQ_STR(w_header(&W, "Last-Event-ID"), "5");
  scn_out_streams();
  feed_data(6, "{\"type\":\"start\",\"messageId\":\"m_2\"}", "f1");
  CHECK(w_last(&W, TC_CHAT_EV_CHUNK)->replayed);
  feed_data(7, DELTA("x"), "f2");
  feed_data(8, DELTA("y"), "f3");
  CHECK(!w_last(&W, TC_CHAT_EV_TEXT)->replayed);
  feed_control(9, TC_SIE("1"));
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_TURN_COMPLETE), 1);
  CHECK_EQ_INT(tc_chat_session(&W.chat).cursor, 9);
}

/* A watch takes the token a turn-complete carries; its next reconnect uses
 * it. */
static void test_watch_reconnects_with_the_rolled_token(void)
{
  scn_watch_world();
  CHECK_EQ_INT(tc_chat_watch(&W.chat), TC_OK);
  w_step(&W);
  w_take_out(&W);
  scn_out_streams();
  feed_data(1, DELTA("t1"), "w1");
  feed_control(2, "[[\"trigger-control\",\"turn-complete\"],[\"public-access-token\",\"" TOK2 "\"]]");
  scn_out_eof_then(200);
  w_take_out(&W);
  CHECK_EQ_STR(w_header(&W, "Authorization"), "Bearer " TOK2);
  CHECK_EQ_STR(w_header(&W, "Last-Event-ID"), "2");
}

int main(void)
{
  RUN(test_watch_power_cut_mid_turn_replays_the_turn_from_its_start);
  RUN(test_watch_deinit_mid_turn_replays_the_turn_from_its_start);
  RUN(test_watch_between_turns_keeps_the_live_cursor);
  RUN(test_watch_404_repair_mid_turn_forgets_the_turn_start);
  RUN(test_drop_right_after_the_turn_complete);
  RUN(test_stop_during_a_reconnect_wait);
  RUN(test_older_turn_complete_after_a_newer_send);
  RUN(test_settled_peek_with_a_send_outstanding);
  RUN(test_watch_reconnects_with_the_rolled_token);
  RUN(test_unknown_streaming_resume_mid_turn_keeps_the_turn_start);
  return tc_test_finish("review9_out");
}

/*
 * test_chat.c — protocol.md §8 scenarios 1-23 against a scripted transport
 * and a fake clock (tests/chat_fake.c). Each test asserts the wire bytes the
 * client sends and the events it reports.
 */
#include <stdio.h>
#include <string.h>

#include "chat_fake.c"
#include "chat_scn.c"
#include "tc_test.h"

static void test_s01_create_and_first_turn(void)
{
  tc_chat_session_t s;
  w_init(&W, "c1");
  CHECK_EQ_INT(tc_chat_send_text(&W.chat, "hi", 2, NULL), TC_OK);
  CHECK_EQ_INT(W.starts, 1);
  CHECK_EQ_INT(tc_chat_state(&W.chat), TC_CHAT_STARTING);
  w_step(&W);
  CHECK_EQ_INT(W.req.sent_len, 0); /* nothing before the session */
  CHECK_EQ_INT(tc_chat_provide_session(&W.chat, TOK1, strlen(TOK1), false), TC_OK);
  w_step(&W);
  w_take_req(&W);
  CHECK(starts(W.req_text, "POST /realtime/v1/sessions/c1/in/append HTTP/1.1\r\nHost: api.example.com\r\n"));
  CHECK_EQ_STR(w_header(&W, "Authorization"), "Bearer " TOK1);
  CHECK_EQ_STR(w_header(&W, "Content-Type"), "application/json");
  CHECK_EQ_STR(w_header(&W, "x-trigger-source"), "sdk");
  CHECK(is_uuid4(w_header(&W, "X-Part-Id")));
  CHECK(w_has(&W, "\r\n\r\n{\"kind\":\"message\",\"payload\":{\"message\":{\"id\":\""));
  CHECK(w_has(&W, "\",\"role\":\"user\",\"parts\":[{\"type\":\"text\",\"text\":\"hi\"}]},\"chatId\":\"c1\",\"trigger\":\"submit-message\"}}"));
  {
    const char *body = strstr(W.req_text, "\r\n\r\n") + 4;
    char cl[24];
    snprintf(cl, sizeof cl, "%lu", (unsigned long)strlen(body));
    CHECK_EQ_STR(w_header(&W, "Content-Length"), cl);
  }
  W.out.sent_len = 0;
  w_append_ok(&W, 0);
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_MESSAGE_SENT), 1);
  CHECK_EQ_INT(w_last(&W, TC_CHAT_EV_MESSAGE_SENT)->input_seq, 0);
  CHECK_EQ_INT(strlen(w_last(&W, TC_CHAT_EV_MESSAGE_SENT)->text), 16); /* the generated message id */
  w_take_out(&W);
  CHECK(starts(W.req_text, "GET /realtime/v1/sessions/c1/out HTTP/1.1\r\n"));
  CHECK_EQ_STR(w_header(&W, "Accept"), "text/event-stream");
  CHECK_EQ_STR(w_header(&W, "Authorization"), "Bearer " TOK1);
  CHECK_EQ_STR(w_header(&W, "Timeout-Seconds"), "120");
  CHECK(!w_has(&W, "Last-Event-ID"));
  CHECK(!w_has(&W, "X-Peek-Settled"));
  CHECK_EQ_INT(tc_chat_state(&W.chat), TC_CHAT_STREAMING);
  fake_reply(&W.out, sse_head(false));
  fake_reply(&W.out, turn_batch(0, 0));
  w_step(&W);
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_CHUNK), 5);
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_TEXT), 1);
  CHECK_EQ_STR(w_last(&W, TC_CHAT_EV_TEXT)->text, "Hel");
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_TURN_COMPLETE), 1);
  CHECK(w_last(&W, TC_CHAT_EV_TURN_COMPLETE)->settled);
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_STREAM_CONNECTED), 1);
  CHECK_EQ_INT(W.out.connected, false); /* the client closed .out */
  CHECK_EQ_INT(tc_chat_state(&W.chat), TC_CHAT_IDLE);
  s = tc_chat_session(&W.chat);
  CHECK(s.has_cursor);
  CHECK_EQ_INT(s.cursor, 5);
  CHECK_EQ_INT(s.streaming, 0);
  CHECK(W.kv.has);
  CHECK(w_count(&W, TC_CHAT_EV_SESSION_CHANGED) >= 2);
}


static void test_s02_second_turn_uses_cursor(void)
{
  first_turn_done();
  w_turn(&W, 1);
  w_take_out(&W);
  CHECK_EQ_STR(w_header(&W, "Last-Event-ID"), "5");
  CHECK(!w_has(&W, "X-Peek-Settled"));
}

static void test_s03_mid_turn_drop_resumes_without_duplicates(void)
{
  int opens;
  streaming_turn(0);
  feed_data(10, DELTA("a"), "e1");
  feed_data(11, DELTA("b"), "e2");
  feed_data(12, DELTA("c"), "e3");
  W.out.fail_after = TC_ERR_NET_RESET;
  w_step(&W);
  opens = W.out.opens;
  w_advance(&W, 499);
  CHECK_EQ_INT(W.out.opens, opens); /* not before 0.5 s */
  w_advance(&W, 501);
  CHECK_EQ_INT(W.out.opens, opens + 1); /* within 1 s */
  w_take_out(&W);
  CHECK_EQ_STR(w_header(&W, "Last-Event-ID"), "12");
  fake_reply(&W.out, sse_head(false));
  feed_data(13, DELTA("d"), "e4");
  feed_control(14, "[[\"trigger-control\",\"turn-complete\"],[\"session-in-event-id\",\"0\"]]");
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_TEXT), 4);
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_STREAM_CONNECTED), 1);
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_TURN_COMPLETE), 1);
}

/* [DONE] and EOF without turn-complete, nth time: resubscribe after a wait in
 * [lo, hi] ms. */
static void eof_and_check_wait(int lo, int hi)
{
  int opens;
  fake_reply(&W.out, "data: [DONE]\n\n");
  fake_eof(&W.out);
  w_step(&W);
  opens = W.out.opens;
  w_advance(&W, (uint64_t)lo - 1);
  CHECK_EQ_INT(W.out.opens, opens);
  w_advance(&W, (uint64_t)(hi - lo + 1));
  CHECK_EQ_INT(W.out.opens, opens + 1);
  w_take_out(&W);
  scn_out_streams();
}

static void test_s04_done_mid_turn_resubscribes_with_backoff(void)
{
  streaming_turn(0);
  feed_data(3, DELTA("a"), "e1");
  eof_and_check_wait(50, 100);
  CHECK_EQ_STR(w_header(&W, "Last-Event-ID"), "3");
  eof_and_check_wait(100, 200);
  eof_and_check_wait(200, 400);
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_STREAM_ERROR), 0);
}

static void test_s05_eof_budget_exhaustion(void)
{
  streaming_turn(0);
  for (int i = 0; i < 5; i++) {
    scn_out_eof_then(6000);
    scn_out_streams();
  }
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_STREAM_ERROR), 0);
  fake_eof(&W.out);
  w_step(&W);
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_STREAM_ERROR), 1);
  CHECK_EQ_INT(w_last(&W, TC_CHAT_EV_STREAM_ERROR)->err, TC_ERR_RECONNECT_BUDGET);
  CHECK_EQ_INT(tc_chat_session(&W.chat).streaming, 0);
  w_advance(&W, 60000);
  CHECK_EQ_INT(W.out.connected, false);
}

static void test_s06_eof_budget_resets_per_record(void)
{
  streaming_turn(0);
  for (int i = 0; i < 8; i++) {
    char env[16];
    snprintf(env, sizeof env, "e%d", i);
    feed_data((uint64_t)i + 1, DELTA("x"), env);
    scn_out_eof_then(6000);
    scn_out_streams();
  }
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_STREAM_ERROR), 0);
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_TEXT), 8);
}

static void test_s07_error_event_resumes_from_cursor(void)
{
  streaming_turn(0);
  feed_data(7, DELTA("a"), "e1");
  fake_reply(&W.out, "event: error\ndata: boom\n\n");
  w_step(&W);
  scn_expect_reconnect_from("7");
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_STREAM_ERROR), 0);
}

static void test_s08_stall_reconnects_then_errors(void)
{
  streaming_turn(0);
  feed_data(4, DELTA("a"), "e1");
  for (int stall = 1; stall <= 6; stall++) {
    int opens = W.out.opens;
    for (int t = 0; t < 11; t++) {
      fake_reply(&W.out, "event: ping\ndata: {\"timestamp\":1}\n\n");
      w_advance(&W, 5000);
    }
    CHECK_EQ_INT(W.out.opens, opens); /* 55 s of pings: still the same connection */
    w_advance(&W, 5000);              /* 60 s without a record */
    if (stall == 6) break;
    w_advance(&W, 5000);
    CHECK_EQ_INT(W.out.opens, opens + 1);
    w_take_out(&W);
    CHECK_EQ_STR(w_header(&W, "Last-Event-ID"), "4");
    scn_out_streams();
  }
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_STREAM_ERROR), 1);
  CHECK_EQ_INT(w_last(&W, TC_CHAT_EV_STREAM_ERROR)->err, TC_ERR_STALLED);
}

static void test_s09_pings_produce_nothing(void)
{
  int n;
  streaming_turn(0);
  feed_data(4, DELTA("a"), "e1");
  n = W.nev - w_count(&W, TC_CHAT_EV_SESSION_CHANGED);
  for (int i = 0; i < 5; i++) {
    fake_reply(&W.out, "event: ping\ndata: {\"timestamp\":1761820000000}\n\n");
    w_advance(&W, 5000);
  }
  CHECK_EQ_INT(W.nev - w_count(&W, TC_CHAT_EV_SESSION_CHANGED), n); /* a checkpoint may be written */
  CHECK_EQ_INT(W.chat.cursor, 4);
}

static void test_s10_command_records_move_only_the_cursor(void)
{
  sse_b_t s;
  streaming_turn(0);
  sse_begin(&s);
  sse_data(&s, 8, DELTA("a"), "e1");
  sse_trim(&s, 9);
  scn_feed_batch(&s);
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_CHUNK), 1);
  CHECK_EQ_INT(W.chat.cursor, 9);
  W.out.fail_after = TC_ERR_NET_RESET;
  w_step(&W);
  scn_expect_reconnect_from("9");
}

static void test_s11_duplicate_envelope_emitted_once(void)
{
  sse_b_t s;
  streaming_turn(0);
  sse_begin(&s);
  sse_data(&s, 5, DELTA("a"), "dup");
  sse_data(&s, 6, DELTA("a"), "dup");
  scn_feed_batch(&s);
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_TEXT), 1);
  CHECK_EQ_INT(W.chat.cursor, 6);
}

static void test_s12_control_with_omitted_or_empty_body(void)
{
  streaming_turn(0);
  fake_reply(&W.out, "event: batch\ndata: {\"records\":[{\"seq_num\":3,\"timestamp\":1,\"headers\":[[\"trigger-control\",\"upgrade-required\"]]}]}\n\n");
  w_step(&W);
  fake_reply(&W.out, "event: batch\ndata: {\"records\":[{\"seq_num\":4,\"timestamp\":1,\"headers\":[[\"trigger-control\",\"turn-complete\"]],\"body\":\"\"}]}\n\n");
  w_step(&W);
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_CHUNK), 0);
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_TURN_COMPLETE), 1);
  CHECK_EQ_INT(W.chat.cursor, 4);
}

static void test_s13_legacy_turn_complete_adopts_token(void)
{
  streaming_turn(0);
  feed_data(2, "{\"type\":\"trigger:foo\"}", "e1");
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_CHUNK), 0);
  feed_data(3, "{\"type\":\"trigger:turn-complete\",\"publicAccessToken\":\"" TOK2 "\"}", "e2");
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_TURN_COMPLETE), 1);
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_CHUNK), 0);
  w_turn(&W, 1);
  CHECK(strstr(W.req_text, "Bearer " TOK2) != NULL); /* the append */
  w_take_out(&W);
  CHECK_EQ_STR(w_header(&W, "Authorization"), "Bearer " TOK2);
}

static void test_s14_token_rollover_from_turn_complete(void)
{
  streaming_turn(0);
  feed_control(5, "[[\"trigger-control\",\"turn-complete\"],[\"public-access-token\",\"" TOK2 "\"],[\"session-in-event-id\",\"0\"]]");
  tc_chat_send_text(&W.chat, "again", 5, NULL);
  w_step(&W);
  w_take_req(&W);
  CHECK_EQ_STR(w_header(&W, "Authorization"), "Bearer " TOK2);
  w_append_ok(&W, 1);
  w_take_out(&W);
  scn_out_streams();
  feed_control(9, "[[\"trigger-control\",\"turn-complete\"],[\"session-in-event-id\",\"1\"]]");
  tc_chat_send_text(&W.chat, "third", 5, NULL);
  w_step(&W);
  w_take_req(&W);
  CHECK_EQ_STR(w_header(&W, "Authorization"), "Bearer " TOK2);
}

static void test_s15_expired_pat_on_append_refreshes_once(void)
{
  char part[40];
  scn_session_sends_hi();
  w_take_req(&W);
  snprintf(part, sizeof part, "%s", w_header(&W, "X-Part-Id"));
  fake_reply(&W.req, json_resp(401, "{\"error\":\"Public Access Token has expired.\"}"));
  w_step(&W);
  CHECK_EQ_INT(W.tokens, 1);
  CHECK_EQ_INT(W.req.sent_len, 0);
  tc_chat_provide_token(&W.chat, TOK2, strlen(TOK2));
  w_step(&W);
  w_take_req(&W);
  CHECK_EQ_STR(w_header(&W, "X-Part-Id"), part);
  CHECK_EQ_STR(w_header(&W, "Authorization"), "Bearer " TOK2);
  w_append_ok(&W, 0);
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_MESSAGE_SENT), 1);
  /* a second 401 after the refresh is an error */
  w_take_out(&W);
  tc_chat_steer_text(&W.chat, "x", 1, NULL);
  w_step(&W);
  fake_reply(&W.req, json_resp(401, "{}"));
  w_step(&W);
  tc_chat_provide_token(&W.chat, TOK1, strlen(TOK1));
  w_step(&W);
  fake_reply(&W.req, json_resp(401, "{}"));
  w_step(&W);
  CHECK_EQ_INT(W.tokens, 2);
  CHECK_EQ_INT(w_last(&W, TC_CHAT_EV_MESSAGE_SEND_FAILED)->err, TC_ERR_AUTH);
  CHECK_EQ_INT(w_last(&W, TC_CHAT_EV_MESSAGE_SEND_FAILED)->status, 401);
}

static void test_s16_expired_pat_on_out_refreshes_and_reconnects(void)
{
  streaming_turn(0);
  feed_data(6, DELTA("a"), "e1");
  W.out.fail_after = TC_ERR_NET_RESET; /* a drop mid-stream ... */
  w_step(&W);
  w_advance(&W, 1000);
  w_take_out(&W);
  fake_reply(&W.out, json_resp(401, "{\"error\":\"expired\"}")); /* ... then 401: 4.8.3 gives up here */
  w_step(&W);
  CHECK_EQ_INT(W.tokens, 1);
  tc_chat_provide_token(&W.chat, TOK2, strlen(TOK2));
  w_step(&W);
  w_take_out(&W);
  CHECK_EQ_STR(w_header(&W, "Authorization"), "Bearer " TOK2);
  CHECK_EQ_STR(w_header(&W, "Last-Event-ID"), "6");
  fake_reply(&W.out, json_resp(403, "{}")); /* a second auth failure without a record between */
  w_step(&W);
  CHECK_EQ_INT(W.tokens, 1);
  CHECK_EQ_INT(w_last(&W, TC_CHAT_EV_STREAM_ERROR)->err, TC_ERR_AUTH);
}

static void test_s17_retry_reuses_part_id_and_body(void)
{
  static char first[FAKE_SENT_MAX + 1];
  scn_session_sends_hi();
  snprintf(first, sizeof first, "%s", w_take_req(&W));
  fake_reply(&W.req, json_resp(500, "{\"ok\":false,\"error\":\"Something went wrong, please try again.\"}"));
  w_step(&W);
  CHECK_EQ_INT(W.req.sent_len, 0);
  w_advance(&W, 1000);
  w_take_req(&W);
  CHECK_EQ_STR(W.req_text, first); /* the same bytes: part id, body */
  w_append_ok(&W, -1);               /* a deduplicated retry may lack seq */
  CHECK_EQ_INT(w_last(&W, TC_CHAT_EV_MESSAGE_SENT)->input_seq, -1);
  w_take_out(&W);
  scn_out_streams();
  feed_control(4, "[[\"trigger-control\",\"turn-complete\"],[\"session-in-event-id\",\"0\"]]");
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_TURN_COMPLETE), 1); /* no seq: the first turn-complete ends it */
}

static void test_s18_never_a_body_without_content_length(void)
{
  first_turn_done();
  tc_chat_send_action(&W.chat, "{\"type\":\"undo\"}", 15, NULL);
  w_step(&W);
  w_take_req(&W);
  CHECK(w_header(&W, "Content-Length")[0] != '\0');
  CHECK(!w_has(&W, "Transfer-Encoding"));
  CHECK(!w_has(&W, "chunked"));
}

static void test_s19_oversized_append(void)
{
  static char big[4096];
  memset(big, 'a', sizeof big);
  w_init(&W, "c1");
  w_session(&W);
  CHECK_EQ_INT(tc_chat_send_text(&W.chat, big, sizeof big, NULL), TC_ERR_NOSPACE);
  CHECK_EQ_INT(tc_chat_state(&W.chat), TC_CHAT_IDLE);
  tc_chat_send_text(&W.chat, "hi", 2, NULL);
  w_step(&W);
  w_take_req(&W);
  fake_reply(&W.req, json_resp(413, "{\"error\":\"Request body too large\"}"));
  w_step(&W);
  CHECK_EQ_INT(w_last(&W, TC_CHAT_EV_MESSAGE_SEND_FAILED)->err, TC_ERR_TOO_LARGE);
  w_advance(&W, 10000);
  w_take_req(&W);
  CHECK_EQ_INT(strlen(W.req_text), 0); /* no retry */
  CHECK_EQ_INT(tc_chat_send_text(&W.chat, "ok", 2, NULL), TC_OK); /* still usable */
}

static void test_s20_stale_session_404_restarts(void)
{
  first_turn_done();
  tc_chat_send_text(&W.chat, "hi", 2, NULL);
  w_step(&W);
  w_take_req(&W);
  fake_reply(&W.req, json_resp(404, "{\"error\":\"Resource not found\"}"));
  w_step(&W);
  CHECK_EQ_INT(W.starts, 2);
  tc_chat_provide_session(&W.chat, TOK2, strlen(TOK2), false);
  w_step(&W);
  w_take_req(&W);
  CHECK_EQ_STR(w_header(&W, "Authorization"), "Bearer " TOK2);
  w_append_ok(&W, 0);
  w_take_out(&W);
  CHECK(!w_has(&W, "Last-Event-ID")); /* the cursor was dropped */
  /* a second 404 is an error */
  scn_out_streams();
  feed_control(3, "[[\"trigger-control\",\"turn-complete\"]]");
  tc_chat_send_text(&W.chat, "x", 1, NULL);
  w_step(&W);
  fake_reply(&W.req, json_resp(404, "{}"));
  w_step(&W);
  tc_chat_provide_session(&W.chat, TOK2, strlen(TOK2), false);
  w_step(&W);
  fake_reply(&W.req, json_resp(404, "{}"));
  w_step(&W);
  CHECK_EQ_INT(w_last(&W, TC_CHAT_EV_MESSAGE_SEND_FAILED)->err, TC_ERR_NOT_FOUND);
}

static void test_s21_closed_session_on_append(void)
{
  tc_chat_session_t s;
  int tokens;
  w_init(&W, "c1");
  w_session(&W);
  tokens = W.tokens;
  tc_chat_send_text(&W.chat, "hi", 2, NULL);
  w_step(&W);
  w_take_req(&W);
  fake_reply(&W.req, json_resp(409, "{\"ok\":false,\"error\":\"Cannot append to a closed session\",\"code\":\"session_closed\",\"closedReason\":\"budget\"}"));
  w_step(&W);
  CHECK_EQ_INT(w_last(&W, TC_CHAT_EV_MESSAGE_SEND_FAILED)->err, TC_ERR_SESSION_CLOSED);
  CHECK_EQ_STR(w_last(&W, TC_CHAT_EV_SESSION_CLOSED)->text, "budget");
  CHECK_EQ_INT(w_last(&W, TC_CHAT_EV_SESSION_CLOSED)->source, TC_CHAT_SRC_SEND);
  s = tc_chat_session(&W.chat);
  CHECK(s.closed);
  CHECK_EQ_MEM(s.closed_reason.ptr, s.closed_reason.len, "budget");
  CHECK_EQ_INT(tc_chat_state(&W.chat), TC_CHAT_CLOSED);
  CHECK_EQ_INT(W.tokens, tokens);
  CHECK_EQ_INT(tc_chat_send_text(&W.chat, "x", 1, NULL), TC_ERR_SESSION_CLOSED);
  w_advance(&W, 10000);
  CHECK_EQ_INT(W.req.sent_len + W.out.sent_len, 0);
}

static void test_s22_close_announced_on_turn_complete(void)
{
  streaming_turn(0);
  feed_control(5, "[[\"trigger-control\",\"turn-complete\"],[\"session-in-event-id\",\"0\"],[\"session-closed\",\"true\"],[\"session-closed-reason\",\"r\"]]");
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_TURN_COMPLETE), 1);
  CHECK(tc_chat_session(&W.chat).closed);
  CHECK_EQ_STR(w_last(&W, TC_CHAT_EV_SESSION_CLOSED)->text, "r");
  CHECK_EQ_INT(tc_chat_state(&W.chat), TC_CHAT_CLOSED);
}

static void test_s23_standalone_session_closed_on_reconnect(void)
{
  int opens;
  streaming_turn(0);
  feed_control(9, "[[\"trigger-control\",\"session-closed\"],[\"session-closed-reason\",\"done\"]]");
  CHECK(tc_chat_session(&W.chat).closed);
  CHECK_EQ_INT(W.out.connected, false);
  opens = W.out.opens;
  w_advance(&W, 120000);
  CHECK_EQ_INT(W.out.opens, opens);
  CHECK_EQ_INT(w_last(&W, TC_CHAT_EV_SESSION_CLOSED)->source, TC_CHAT_SRC_STREAM);
}

int main(void)
{
  RUN(test_s01_create_and_first_turn);
  RUN(test_s02_second_turn_uses_cursor);
  RUN(test_s03_mid_turn_drop_resumes_without_duplicates);
  RUN(test_s04_done_mid_turn_resubscribes_with_backoff);
  RUN(test_s05_eof_budget_exhaustion);
  RUN(test_s06_eof_budget_resets_per_record);
  RUN(test_s07_error_event_resumes_from_cursor);
  RUN(test_s08_stall_reconnects_then_errors);
  RUN(test_s09_pings_produce_nothing);
  RUN(test_s10_command_records_move_only_the_cursor);
  RUN(test_s11_duplicate_envelope_emitted_once);
  RUN(test_s12_control_with_omitted_or_empty_body);
  RUN(test_s13_legacy_turn_complete_adopts_token);
  RUN(test_s14_token_rollover_from_turn_complete);
  RUN(test_s15_expired_pat_on_append_refreshes_once);
  RUN(test_s16_expired_pat_on_out_refreshes_and_reconnects);
  RUN(test_s17_retry_reuses_part_id_and_body);
  RUN(test_s18_never_a_body_without_content_length);
  RUN(test_s19_oversized_append);
  RUN(test_s20_stale_session_404_restarts);
  RUN(test_s21_closed_session_on_append);
  RUN(test_s22_close_announced_on_turn_complete);
  RUN(test_s23_standalone_session_closed_on_reconnect);
  return tc_test_finish("chat");
}

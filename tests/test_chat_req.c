/*
 * test_chat_req.c — the request side under adversarial orders of events and
 * hostile numbers: a session closed while .out waits, a token request is
 * queued or an append is in flight (terminal: no request after it); a
 * stale 408 on the kept-alive connection; 429s whose wait is past, huge
 * or overflowing; a JWT exp as large as it parses; a wall clock set
 * wrong; a provider answering after deinit; backoff times beyond 2^31 ms;
 * a stop gate outliving its session; a message id too long to keep.
 */
#include <stdio.h>
#include <string.h>

#include "chat_fake.c"
#include "chat_scn.c"
#include "tc_test.h"

#define CLOSED_409 "{\"ok\":false,\"error\":\"Cannot append to a closed session\",\"code\":\"session_closed\",\"closedReason\":\"budget\"}"

/* BACKEND: the session start goes out and is answered with TOK1; the held
 * message's append follows and is answered (seq 0). */
static void start_then_append_answered(void)
{
  w_take_req(&W);
  CHECK(starts(W.req_text, "POST /api/chat/start"));
  fake_reply(&W.req, json_resp(200, "{\"publicAccessToken\":\"" TOK1 "\"}"));
  w_step(&W);
  w_take_req(&W);
  CHECK(starts(W.req_text, "POST /realtime/v1/sessions/c1/in/append"));
  w_append_ok(&W, 0);
}

/* A steering append goes out and is answered 409 session_closed: the
 * chat is closed. */
static void steer_answered_closed(void)
{
  CHECK_EQ_INT(tc_chat_steer_text(&W.chat, "x", 1, NULL), TC_OK);
  w_step(&W);
  fake_reply(&W.req, json_resp(409, CLOSED_409));
  w_step(&W);
  CHECK_EQ_INT(tc_chat_state(&W.chat), TC_CHAT_CLOSED);
}

/* .out dropped and waits for its backoff when a steering append learns the
 * session is closed (409): §2.4 "stop reconnecting .out": no GET after it. */
static void test_closed_by_append_while_out_waits_no_reconnect(void)
{
  int opens;
  streaming_turn(0);
  feed_data(1, DELTA("a"), "e1");
  W.out.fail_after = TC_ERR_NET_RESET;
  w_step(&W); /* .out dropped: a reconnect is due in 0.5-1 s */
  opens = W.out.opens;
  steer_answered_closed();
  w_take_out(&W);
  w_advance(&W, 60000);
  CHECK_EQ_INT(W.out.opens, opens);
  CHECK_EQ_INT(W.out.sent_len, 0);
  CHECK_EQ_INT(tc_chat_next_deadline(&W.chat), UINT64_MAX);
}

/* .out got 401 and waits for a token when the append learns the session is
 * closed: the token's late answer must not reopen .out. */
static void test_closed_by_append_while_out_waits_for_token(void)
{
  int opens;
  streaming_turn(0);
  feed_data(1, DELTA("a"), "e1");
  W.out.fail_after = TC_ERR_NET_RESET;
  w_step(&W);
  w_advance(&W, 1000);
  fake_reply(&W.out, json_resp(401, "{}"));
  w_step(&W);
  CHECK_EQ_INT(W.tokens, 1);
  opens = W.out.opens;
  steer_answered_closed();
  tc_chat_provide_token(&W.chat, TOK2, strlen(TOK2));
  w_take_out(&W);
  w_advance(&W, 60000);
  CHECK_EQ_INT(W.out.opens, opens);
  CHECK_EQ_INT(W.out.sent_len, 0);
}

/* BACKEND: .out's 401 queues a token request behind the running append;
 * the append answers 409 session_closed: the queued token request is
 * never sent. */
static void test_closed_by_append_drops_queued_token_request(void)
{
  scn_backend_sends_hi();
  start_then_append_answered();
  scn_out_streams();
  feed_data(1, DELTA("a"), "e1");
  CHECK_EQ_INT(tc_chat_steer_text(&W.chat, "x", 1, NULL), TC_OK);
  w_step(&W);
  w_take_req(&W); /* the steer is in flight */
  W.out.fail_after = TC_ERR_NET_RESET;
  w_step(&W);
  w_advance(&W, 1000);
  fake_reply(&W.out, json_resp(401, "{}"));
  w_step(&W); /* .out waits for a token; its request waits for the connection */
  CHECK_EQ_INT(W.req.sent_len, 0);
  /* nothing to do until the steer's answer (or its timeout): no spin */
  CHECK(tc_chat_next_deadline(&W.chat) > W.now);
  fake_reply(&W.req, json_resp(409, CLOSED_409));
  w_step(&W);
  CHECK_EQ_INT(tc_chat_state(&W.chat), TC_CHAT_CLOSED);
  w_take_out(&W);
  w_advance(&W, 60000);
  w_take_req(&W);
  CHECK_EQ_STR(W.req_text, "");
  w_take_out(&W);
  CHECK_EQ_STR(W.req_text, "");
}

/* The session closes on .out (a standalone session-closed record) while a
 * new message's append is in flight. Its 200 is reported, but no .out opens
 * for it; its 401 asks for no token: the session is terminal. */
static void test_closed_on_out_while_append_in_flight(void)
{
  int opens, tokens;
  streaming_turn(0);
  CHECK_EQ_INT(tc_chat_send_text(&W.chat, "x", 1, NULL), TC_OK);
  w_step(&W);
  w_take_req(&W);
  feed_control(3, "[[\"trigger-control\",\"session-closed\"]]");
  CHECK_EQ_INT(tc_chat_state(&W.chat), TC_CHAT_CLOSED);
  opens = W.out.opens;
  w_append_ok(&W, 1);
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_MESSAGE_SENT), 2);
  w_advance(&W, 60000);
  CHECK_EQ_INT(W.out.opens, opens);
  /* the same with a submit, answered 401 */
  streaming_turn(0);
  tokens = W.tokens;
  CHECK_EQ_INT(tc_chat_send_text(&W.chat, "y", 1, NULL), TC_OK);
  w_step(&W);
  feed_control(3, "[[\"trigger-control\",\"session-closed\"]]");
  opens = W.out.opens;
  fake_reply(&W.req, json_resp(401, "{}"));
  w_step(&W);
  CHECK_EQ_INT(W.tokens, tokens);
  CHECK_EQ_INT(w_last(&W, TC_CHAT_EV_MESSAGE_SEND_FAILED)->err, TC_ERR_SESSION_CLOSED);
  CHECK_EQ_INT(tc_chat_state(&W.chat), TC_CHAT_CLOSED);
  w_advance(&W, 60000);
  CHECK_EQ_INT(W.out.opens, opens);
}

/* A closed chat has nothing to do: once its token's refresh time passes,
 * the next deadline must not stay in the past (an event loop sleeping
 * until it would spin). */
static void test_closed_chat_has_no_deadline_after_refresh_time(void)
{
  scn_session_sends_hi();
  fake_reply(&W.req, json_resp(409, CLOSED_409));
  w_step(&W);
  CHECK_EQ_INT(tc_chat_state(&W.chat), TC_CHAT_CLOSED);
  w_advance(&W, 3600000);
  CHECK_EQ_INT(W.tokens, 0);
  CHECK(tc_chat_next_deadline(&W.chat) > W.now);
}

/* The refresh falls due while another question (a session start after a
 * 404) is out: the deadline must not stay in the past meanwhile. */
static void test_refresh_due_while_asked_no_past_deadline(void)
{
  first_turn_done();
  W.cfg.provider_ms = 0x7fffffff; /* (the start is answered late, within its bound) */
  w_advance(&W, 3500000);
  tc_chat_send_text(&W.chat, "hi", 2, NULL);
  w_step(&W);
  w_take_req(&W);
  fake_reply(&W.req, json_resp(404, "{}"));
  w_step(&W);
  CHECK_EQ_INT(W.starts, 2);
  w_advance(&W, 100000); /* the refresh is due now, the start unanswered */
  CHECK_EQ_INT(W.tokens, 0);
  CHECK(tc_chat_next_deadline(&W.chat) > W.now);
  tc_chat_provide_session(&W.chat, TOK2, strlen(TOK2), false);
  w_step(&W);
  w_take_req(&W);
  CHECK_EQ_STR(w_header(&W, "Authorization"), "Bearer " TOK2);
}

/* BACKEND: an append's 401 queues a token request and, in the same step,
 * .out reads a session-closed record: the token request is never sent and
 * the append fails at once (not waiting for an answer that never comes). */
static void test_closed_on_out_while_send_waits_for_token(void)
{
  scn_backend_sends_hi();
  fake_reply(&W.req, json_resp(200, "{\"publicAccessToken\":\"" TOK1 "\"}"));
  w_step(&W);
  w_append_ok(&W, 0);
  scn_out_streams();
  w_take_req(&W);
  CHECK_EQ_INT(tc_chat_send_text(&W.chat, "again", 5, NULL), TC_OK);
  w_step(&W);
  w_take_req(&W);
  CHECK(starts(W.req_text, "POST /realtime/v1/sessions/c1/in/append"));
  CHECK(w_has(&W, "again"));
  fake_reply(&W.req, json_resp(401, "{}"));
  {
    sse_b_t s;
    sse_begin(&s);
    sse_control(&s, 9, "[[\"trigger-control\",\"session-closed\"]]");
    fake_reply(&W.out, sse_end(&s));
  }
  w_step(&W);
  CHECK_EQ_INT(tc_chat_state(&W.chat), TC_CHAT_CLOSED);
  CHECK_EQ_INT(w_last(&W, TC_CHAT_EV_MESSAGE_SEND_FAILED)->err, TC_ERR_SESSION_CLOSED);
  w_advance(&W, 60000);
  w_take_req(&W);
  CHECK_EQ_STR(W.req_text, "");
  CHECK_EQ_INT(tc_chat_send_text(&W.chat, "x", 1, NULL), TC_ERR_SESSION_CLOSED);
}

/* The server answered 408 on the kept-alive request connection and closed
 * it (as servers do on a keep-alive timeout), racing the next append: the
 * append reads that 408. RFC 9110 15.5.9 lets a client repeat the request:
 * it goes out again, with the same X-Part-Id, and is delivered once. (A 408
 * already there while the connection is idle is never read: the append
 * goes out on a fresh connection, test_chat_conn.c.) */
static void test_stale_408_on_idle_connection_is_retried(void)
{
  char part[40];
  streaming_turn(0);
  CHECK_EQ_INT(tc_chat_steer_text(&W.chat, "again", 5, NULL), TC_OK);
  w_step(&W);
  fake_reply(&W.req, "HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
  fake_eof(&W.req);
  w_step(&W);
  w_take_req(&W);
  snprintf(part, sizeof part, "%s", w_header(&W, "X-Part-Id"));
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_MESSAGE_SEND_FAILED), 0);
  w_advance(&W, 1000);
  w_take_req(&W);
  CHECK(w_has(&W, "\"text\":\"again\""));
  CHECK_EQ_STR(w_header(&W, "X-Part-Id"), part);
  w_append_ok(&W, 1);
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_MESSAGE_SEND_FAILED), 0);
  CHECK_EQ_INT(w_last(&W, TC_CHAT_EV_MESSAGE_SENT)->input_seq, 1);
  CHECK_EQ_INT(W.req.opens, 2);
}

/* x-ratelimit-reset as large as it parses, with a wall clock a little
 * behind the monotonic one (an RTC not yet set): computed without
 * overflow (UBSan). A wait that long, or a Retry-After of a day, would
 * hold the chat busy (every operation TC_ERR_BUSY, stop included): the
 * send fails at once instead, and the chat stays usable. 60 s still waits. */
static void test_429_huge_wait_fails_the_send(void)
{
  w_init(&W, "c1");
  w_session(&W);
  tc_chat_set_unix_time(&W.chat, W.now, 10); /* unix 10 ms at now 1000 ms */
  tc_chat_send_text(&W.chat, "hi", 2, NULL);
  w_step(&W);
  fake_reply(&W.req, "HTTP/1.1 429 Too Many\r\nx-ratelimit-reset: 9223372036854775807\r\nContent-Length: 2\r\n\r\n{}");
  w_step(&W);
  CHECK_EQ_INT(w_last(&W, TC_CHAT_EV_MESSAGE_SEND_FAILED)->err, TC_ERR_RATE_LIMITED);
  CHECK_EQ_INT(w_last(&W, TC_CHAT_EV_MESSAGE_SEND_FAILED)->status, 429);
  CHECK_EQ_INT(tc_chat_state(&W.chat), TC_CHAT_IDLE);
  W.chat.unix_offset = INT64_MIN;
  CHECK_EQ_INT(tc_chat_send_text(&W.chat, "hi", 2, NULL), TC_OK);
  w_step(&W);
  fake_reply(&W.req, "HTTP/1.1 429 Too Many\r\nRetry-After: 86400\r\nContent-Length: 2\r\n\r\n{}");
  w_step(&W);
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_MESSAGE_SEND_FAILED), 2);
  CHECK_EQ_INT(tc_chat_stop(&W.chat), TC_OK);
  w_step(&W);
  w_take_req(&W);
  CHECK(w_has(&W, "{\"kind\":\"stop\"}"));
  fake_reply(&W.req, "HTTP/1.1 429 Too Many\r\nRetry-After: 60\r\nContent-Length: 2\r\n\r\n{}");
  w_step(&W);
  w_advance(&W, 59999);
  CHECK_EQ_INT(W.req.sent_len, 0);
  w_advance(&W, 1);
  w_take_req(&W);
  CHECK(w_has(&W, "{\"kind\":\"stop\"}"));
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_MESSAGE_SEND_FAILED), 2);
}

/* A server whose rate-limit reset is always in the past (a skewed clock),
 * or that says Retry-After: 0, must not get the send's retries in a burst
 * (before: all of them within the same millisecond): the backoff is the
 * least wait. */
static void test_429_past_reset_backs_off(void)
{
  w_init(&W, "c1");
  w_session(&W);
  tc_chat_set_unix_time(&W.chat, W.now, 1761820000000ull);
  tc_chat_send_text(&W.chat, "hi", 2, NULL);
  w_step(&W);
  for (int i = 0; i < 4; i++) {
    w_take_req(&W);
    CHECK(starts(W.req_text, "POST /realtime/v1/sessions/c1/in/append"));
    fake_reply(&W.req, i & 1 ? "HTTP/1.1 429 Too Many\r\nRetry-After: 0\r\nContent-Length: 2\r\n\r\n{}"
                             : "HTTP/1.1 429 Too Many\r\nx-ratelimit-reset: 5\r\nContent-Length: 2\r\n\r\n{}");
    w_step(&W);
    w_step(&W);
    CHECK_EQ_INT(W.req.sent_len, 0); /* not at once */
    w_advance(&W, 499);
    CHECK_EQ_INT(W.req.sent_len, 0); /* the backoff's least wait: 0.5 s */
    w_advance(&W, 5000);
  }
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_MESSAGE_SEND_FAILED), 0);
}

/* A token whose exp is as large as a claim parses (a peer that lies, or
 * "never expires"): the proactive refresh is planned without overflow
 * (UBSan), at the 24-day cap, with and without the wall clock. */
#define TOK_EXP_MAX_IAT "eyJhbGciOiJIUzI1NiJ9.eyJleHAiOjkyMjMzNzIwMzY4NTQ3NzU4MDcsImlhdCI6MX0.sig"
#define TOK_EXP_MAX "eyJhbGciOiJIUzI1NiJ9.eyJleHAiOjkyMjMzNzIwMzY4NTQ3NzU4MDd9.sig"
static void test_token_with_huge_exp(void)
{
  w_init(&W, "c1");
  w_step(&W);
  W.auto_token = TOK_EXP_MAX_IAT;
  tc_chat_preload(&W.chat);
  w_step(&W);
  CHECK(tc_chat_session(&W.chat).has_token);
  CHECK_EQ_INT(tc_chat_next_deadline(&W.chat), W.now + 0x7fffffffu);
  w_init(&W, "c1");
  w_step(&W);
  tc_chat_set_unix_time(&W.chat, W.now, 1761820000000ull);
  W.auto_token = TOK_EXP_MAX;
  tc_chat_preload(&W.chat);
  w_step(&W);
  CHECK_EQ_INT(tc_chat_next_deadline(&W.chat), W.now + 0x7fffffffu);
}

/* The application tears the chat down while its token provider is still
 * working; the provider's late answer finds nothing asked (TC_ERR_STATE)
 * and reaches no event callback. */
static void test_provider_answer_after_deinit(void)
{
  int n;
  w_init(&W, "c1");
  CHECK_EQ_INT(tc_chat_send_text(&W.chat, "hi", 2, NULL), TC_OK);
  CHECK_EQ_INT(W.starts, 1);
  tc_chat_deinit(&W.chat);
  n = W.nev;
  CHECK_EQ_INT(tc_chat_provide_failed(&W.chat, TC_ERR_AUTH), TC_ERR_STATE);
  CHECK_EQ_INT(tc_chat_provide_session(&W.chat, TOK1, strlen(TOK1), false), TC_ERR_STATE);
  CHECK_EQ_INT(W.nev, n);
  w_step(&W);
  CHECK_EQ_INT(W.req.opens + W.out.opens, 0);
}

/* Every backoff time is kept within 2^31 - 1 ms (chat_int.h: times are
 * compared wrap-safe); a larger one (e.g. UINT32_MAX meant as "never") is
 * refused at init, instead of timing every request out at once. */
static void test_backoff_times_beyond_2_31_refused(void)
{
  tc_transport_t o = { &fake_net_ops, &W.out }, q = { &fake_net_ops, &W.req };
  uint32_t *f[7];
  w_init(&W, NULL);
  f[0] = &W.cfg.backoff.base_ms;
  f[1] = &W.cfg.backoff.max_ms;
  f[2] = &W.cfg.backoff.eof_base_ms;
  f[3] = &W.cfg.backoff.stall_ms;
  f[4] = &W.cfg.backoff.header_ms;
  f[5] = &W.cfg.backoff.request_ms;
  f[6] = &W.cfg.checkpoint_ms;
  for (int i = 0; i < 7; i++) {
    *f[i] = 0x80000000u;
    CHECK_EQ_INT(tc_chat_init(&W.chat, &W.cfg, "c1", o, q, &W.bufs), TC_ERR_CONFIG);
    *f[i] = 0x7fffffffu;
    CHECK_EQ_INT(tc_chat_init(&W.chat, &W.cfg, "c1", o, q, &W.bufs), TC_OK);
    *f[i] = 0;
  }
  W.cfg.refresh_margin_ms = UINT32_MAX;
  CHECK_EQ_INT(tc_chat_init(&W.chat, &W.cfg, "c1", o, q, &W.bufs), TC_ERR_CONFIG);
  /* the largest request timeout is a deadline like any other */
  W.cfg.refresh_margin_ms = 0;
  W.cfg.backoff.request_ms = 0x7fffffffu;
  CHECK_EQ_INT(tc_chat_init(&W.chat, &W.cfg, "c1", o, q, &W.bufs), TC_OK);
  W.auto_token = "a.b.c"; /* no exp: no refresh deadline */
  w_step(&W);
  tc_chat_send_text(&W.chat, "hi", 2, NULL);
  w_step(&W);
  CHECK(starts(w_take_req(&W), "POST /realtime/v1/sessions/c1/in/append"));
  CHECK_EQ_INT(tc_chat_next_deadline(&W.chat), W.now + 0x7fffffffu);
  w_advance(&W, 0x7fffffffu);
  w_advance(&W, 5000);
  CHECK(starts(w_take_req(&W), "POST /realtime/v1/sessions/c1/in/append")); /* timed out, sent again */
}

/* A stop armed the gate (§6.7) for a turn of a session that is then gone:
 * the next send's append gets 404 and the session starts again (§6.3).
 * The new session's .in seqs start over and its .out holds nothing of the
 * stopped turn: the gate must not swallow the new turn (before: its
 * records, and its turn-complete with session-in-event-id 0 < 7, were
 * dropped until the stall budget ran out). */
static void test_404_recreate_disarms_stop_gate(void)
{
  streaming_turn(7);
  feed_data(20, DELTA("a"), "h1");
  CHECK_EQ_INT(tc_chat_stop(&W.chat), TC_OK);
  w_step(&W);
  w_take_req(&W);
  w_append_ok(&W, 8);
  CHECK_EQ_INT(tc_chat_send_text(&W.chat, "again", 5, NULL), TC_OK);
  w_step(&W);
  w_take_req(&W);
  fake_reply(&W.req, json_resp(404, "{\"error\":\"Resource not found\"}"));
  w_step(&W);
  CHECK_EQ_INT(tc_chat_provide_session(&W.chat, TOK2, strlen(TOK2), false), TC_OK);
  w_step(&W);
  w_take_req(&W);
  w_append_ok(&W, 0);
  w_take_out(&W);
  CHECK(!w_has(&W, "Last-Event-ID"));
  scn_out_streams();
  feed_data(0, DELTA("new"), "n1");
  feed_control(1, "[[\"trigger-control\",\"turn-complete\"],[\"session-in-event-id\",\"0\"]]");
  CHECK_EQ_STR(w_last(&W, TC_CHAT_EV_TEXT)->text, "new");
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_TURN_COMPLETE), 1);
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_STREAM_ERROR), 0);
}

/* A turn whose assistant message id is too long to keep (over
 * TC_CHAT_MSGID_MAX) asks for a tool approval: the answer cannot carry
 * that id, so it is refused (TC_ERR_STATE); before, it went out under
 * the previous turn's message id, and the previous turn's tools stayed
 * answerable as if they were this turn's. */
static void test_approval_under_an_unkept_message_id_refused(void)
{
  sse_b_t s;
  streaming_turn(0);
  sse_begin(&s);
  sse_data(&s, 1, "{\"type\":\"start\",\"messageId\":\"asst_1\"}", "a1");
  sse_data(&s, 2, "{\"type\":\"tool-input-start\",\"toolCallId\":\"call_1\",\"toolName\":\"sendEmail\"}", "a2");
  sse_data(&s, 3, "{\"type\":\"tool-approval-request\",\"approvalId\":\"appr_1\",\"toolCallId\":\"call_1\"}", "a3");
  sse_control(&s, 4, "[[\"trigger-control\",\"turn-complete\"],[\"session-in-event-id\",\"0\"]]");
  scn_feed_batch(&s);
  w_turn(&W, 1);
  w_take_out(&W);
  fake_reply(&W.out, sse_head(false));
  sse_begin(&s);
  sse_data(&s, 5, "{\"type\":\"start\",\"messageId\":\"asst_0123456789012345678901234567890123456789\"}", "b1");
  sse_data(&s, 6, "{\"type\":\"tool-input-start\",\"toolCallId\":\"call_2\",\"toolName\":\"sendEmail\"}", "b2");
  sse_data(&s, 7, "{\"type\":\"tool-approval-request\",\"approvalId\":\"appr_2\",\"toolCallId\":\"call_2\"}", "b3");
  sse_control(&s, 8, "[[\"trigger-control\",\"turn-complete\"],[\"session-in-event-id\",\"1\"]]");
  scn_feed_batch(&s);
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_TURN_COMPLETE), 2);
  CHECK_EQ_INT(tc_chat_answer_approval(&W.chat, "appr_2", true, NULL), TC_ERR_STATE);
  CHECK(tc_chat_answer_approval(&W.chat, "appr_1", true, NULL) != TC_OK);
  w_step(&W);
  CHECK_EQ_INT(W.req.sent_len, 0);
}

/* The append and .out both get 401 while one refresh is out: one
 * question, both wait for it, both go out again with the new token (the
 * append with its X-Part-Id, .out from its cursor). */
static void test_append_and_out_401_share_one_refresh(void)
{
  char part[40];
  streaming_turn(0);
  feed_data(4, DELTA("a"), "e1");
  CHECK_EQ_INT(tc_chat_steer_text(&W.chat, "x", 1, NULL), TC_OK);
  w_step(&W);
  w_take_req(&W);
  snprintf(part, sizeof part, "%s", w_header(&W, "X-Part-Id"));
  fake_reply(&W.req, json_resp(401, "{}"));
  W.out.fail_after = TC_ERR_NET_RESET;
  w_step(&W);
  w_advance(&W, 1000);
  w_take_out(&W);
  fake_reply(&W.out, json_resp(403, "{}"));
  w_step(&W);
  CHECK_EQ_INT(W.tokens, 1);
  CHECK_EQ_INT(W.req.sent_len + W.out.sent_len, 0);
  CHECK_EQ_INT(tc_chat_provide_token(&W.chat, TOK2, strlen(TOK2)), TC_OK);
  w_step(&W);
  w_take_req(&W);
  CHECK_EQ_STR(w_header(&W, "Authorization"), "Bearer " TOK2);
  CHECK_EQ_STR(w_header(&W, "X-Part-Id"), part);
  w_take_out(&W);
  CHECK_EQ_STR(w_header(&W, "Authorization"), "Bearer " TOK2);
  CHECK_EQ_STR(w_header(&W, "Last-Event-ID"), "4");
  CHECK_EQ_INT(W.tokens, 1);
  CHECK_EQ_INT(tc_chat_provide_token(&W.chat, TOK1, strlen(TOK1)), TC_ERR_STATE);
}

/* The wall clock is a day off (an RTC set wrong): a fresh token's exp,
 * counted from that clock, looks past (or a day away). The proactive
 * refresh must not then ask every second for tokens that all look expired
 * (before: one question per second, forever); a clock outside the
 * token's [iat - 5 min, exp) is not trusted and its lifetime is used. */
static void test_wrong_wall_clock_no_refresh_storm(void)
{
  w_init(&W, "c1");
  w_step(&W);
  tc_chat_set_unix_time(&W.chat, W.now, 1761820000000ull + 86400000ull); /* a day after iat */
  W.auto_token = TOK1;
  CHECK_EQ_INT(tc_chat_preload(&W.chat), TC_OK);
  w_step(&W);
  for (int i = 0; i < 60; i++) w_advance(&W, 1000);
  CHECK_EQ_INT(W.tokens, 0);
  CHECK_EQ_INT(tc_chat_next_deadline(&W.chat), W.now - 60000 + 3540000); /* the lifetime, from arrival */
  /* a day before iat: the same */
  w_init(&W, "c1");
  w_step(&W);
  tc_chat_set_unix_time(&W.chat, W.now, 1761820000000ull - 86400000ull);
  W.auto_token = TOK1;
  CHECK_EQ_INT(tc_chat_preload(&W.chat), TC_OK);
  w_step(&W);
  CHECK_EQ_INT(tc_chat_next_deadline(&W.chat), W.now + 3540000);
  /* the wrong clock arrives after the token: the token may have expired for
   * all the chat knows (as a restored one may), so one refresh; the new
   * token is fresh and counts from its arrival: no second one */
  w_init(&W, "c1");
  w_step(&W);
  W.auto_token = TOK1;
  CHECK_EQ_INT(tc_chat_preload(&W.chat), TC_OK);
  w_step(&W);
  tc_chat_set_unix_time(&W.chat, W.now, 1761820000000ull + 86400000ull);
  for (int i = 0; i < 60; i++) w_advance(&W, 1000);
  CHECK_EQ_INT(W.tokens, 1);
}

/* BACKEND with the default buffers: a first message of 800 bytes (within
 * the documented ~850) is held while the session starts, and the start's
 * answer carries a 450-byte token; later a 401 refresh answers a token of
 * the same size as text/plain. Both fit (before: the answer had a third of
 * what was left after the body, and messages over ~320 bytes failed with
 * AUTH_FAILED TC_ERR_JSON_TOO_BIG whenever a start or refresh was due). */
static void test_long_message_survives_start_and_refresh(void)
{
  static char text[800], tok[451], ans[600];
  memset(text, 'x', sizeof text);
  memset(tok, 'A', sizeof tok - 1);
  memcpy(tok, TOK1, strlen(TOK1) - 5);
  scn_backend_chat();
  CHECK_EQ_INT(tc_chat_send_text(&W.chat, text, sizeof text, NULL), TC_OK);
  w_step(&W);
  w_take_req(&W);
  CHECK(starts(W.req_text, "POST /api/chat/start"));
  snprintf(ans, sizeof ans, "{\"publicAccessToken\":\"%s\",\"runId\":\"run_cm4z2abcdefghij\"}", tok);
  fake_reply(&W.req, json_resp(200, ans));
  w_step(&W);
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_AUTH_FAILED), 0);
  w_take_req(&W);
  CHECK(starts(W.req_text, "POST /realtime/v1/sessions/c1/in/append"));
  CHECK(w_has(&W, tok));
  CHECK(w_has(&W, "xxxxxxxxxx\"}]}"));
  fake_reply(&W.req, json_resp(401, "{}"));
  w_step(&W);
  w_take_req(&W);
  CHECK(starts(W.req_text, "POST /api/chat/token"));
  tok[strlen(TOK1) - 6] = 'B'; /* another token */
  snprintf(ans, sizeof ans, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %u\r\n\r\n%s\n",
           (unsigned)strlen(tok) + 1, tok);
  fake_reply(&W.req, ans);
  w_step(&W);
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_AUTH_FAILED), 0);
  w_take_req(&W);
  CHECK(starts(W.req_text, "POST /realtime/v1/sessions/c1/in/append"));
  CHECK(w_has(&W, tok));
  CHECK(w_has(&W, "xxxxxxxxxx\"}]}"));
  w_append_ok(&W, 0);
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_MESSAGE_SENT), 1);
}

/* A built-in provider's request meets a transient failure (5xx, a reset
 * connection, 429): it is asked again after the backoff, up to the send
 * retry budget, as an append is (before: the first blip failed the send with
 * AUTH_FAILED, and .out needing a token after a drop ended the stream). */
static void test_provider_request_retried_on_transient_failure(void)
{
  static const int statuses[] = { 503, 0, 429 }; /* 0: the connection resets mid-answer */
  CHECK_EQ_INT(scn_backend_sends_hi(), TC_OK);
  for (int i = 0; i < 3; i++) {
    w_take_req(&W);
    CHECK(starts(W.req_text, "POST /api/chat/start"));
    if (statuses[i]) {
      fake_reply(&W.req, json_resp(statuses[i], "{}"));
    } else { /* (mid-answer: a reset before any byte is resent at once) */
      fake_reply(&W.req, "HTTP/1.1 200 OK\r\nContent-Length: 90\r\n\r\n{\"publicAcc");
      W.req.fail_after = TC_ERR_NET_RESET;
    }
    w_step(&W);
    CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_AUTH_FAILED), 0);
    CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_MESSAGE_SEND_FAILED), 0);
    CHECK(tc_chat_next_deadline(&W.chat) > W.now);         /* a backoff, not a burst */
    CHECK(tc_chat_next_deadline(&W.chat) <= W.now + 5000);
    w_take_req(&W);
    CHECK_EQ_INT(W.req_text[0], '\0');
    w_advance(&W, 5000);
  }
  start_then_append_answered();
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_MESSAGE_SENT), 1);
  /* a server that keeps failing: the budget (4 retries), then the failure */
  CHECK_EQ_INT(scn_backend_sends_hi(), TC_OK);
  for (int i = 0; i < 5; i++) {
    w_take_req(&W);
    CHECK(starts(W.req_text, "POST /api/chat/start"));
    fake_reply(&W.req, json_resp(502, "{}"));
    w_step(&W);
    w_advance(&W, 5000);
  }
  w_take_req(&W);
  CHECK_EQ_INT(W.req_text[0], '\0');
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_AUTH_FAILED), 1);
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_MESSAGE_SEND_FAILED), 1);
  /* a refused answer is not retried */
  CHECK_EQ_INT(scn_backend_sends_hi(), TC_OK);
  w_take_req(&W);
  fake_reply(&W.req, json_resp(403, "{}"));
  w_step(&W);
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_AUTH_FAILED), 1);
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_MESSAGE_SEND_FAILED), 1);
}

/* A chunked token answer with a trailer line: the trailer is read into
 * the header line buffer, which a chunked answer therefore does not take
 * over (the token stays whole). */
static void test_chunked_token_answer_with_trailer(void)
{
  scn_backend_chat();
  tc_chat_preload(&W.chat);
  w_step(&W);
  fake_reply(&W.req, json_resp(200, "{\"publicAccessToken\":\"" TOK1 "\"}"));
  w_step(&W);
  CHECK_EQ_INT(tc_chat_send_text(&W.chat, "hi", 2, NULL), TC_OK);
  w_step(&W);
  fake_reply(&W.req, json_resp(401, "{}"));
  w_step(&W);
  w_take_req(&W);
  CHECK(w_has(&W, "POST /api/chat/token"));
  fake_reply(&W.req, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n"
                     "20\r\n" "eyJhbGciOiJIUzI1NiJ9.eyJleHAiOjE\r\n" "2b\r\n" "3NjE4MjcyMDAsImlhdCI6MTc2MTgyMzYwMH0.sigT2\n\r\n"
                     "0\r\nX-Trailer: zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz\r\n\r\n");
  w_step(&W);
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_AUTH_FAILED), 0);
  w_take_req(&W);
  CHECK_EQ_STR(w_header(&W, "Authorization"), "Bearer " TOK2);
}

/* A .out base URL whose host is longer than a DNS name may be (255): a
 * named error (STREAM_ERROR, TC_ERR_HTTP_URL) instead of a silent retry
 * every few seconds, forever. The append to a good host goes through. */
static void test_out_host_too_long_is_a_named_error(void)
{
  static char url[300];
  memcpy(url, "https://", 8);
  memset(url + 8, 'h', 280);
  w_init(&W, NULL);
  W.cfg.out_url = url;
  CHECK_EQ_INT(scn_init_chat(), TC_OK);
  w_session(&W);
  w_turn(&W, 0);
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_MESSAGE_SENT), 1);
  w_advance(&W, 60000);
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_STREAM_ERROR), 1);
  CHECK_EQ_INT(w_last(&W, TC_CHAT_EV_STREAM_ERROR)->err, TC_ERR_HTTP_URL);
  CHECK(tc_chat_next_deadline(&W.chat) > W.now + 60000); /* nothing retries */
}

int main(void)
{
  RUN(test_closed_by_append_while_out_waits_no_reconnect);
  RUN(test_closed_by_append_while_out_waits_for_token);
  RUN(test_closed_by_append_drops_queued_token_request);
  RUN(test_closed_on_out_while_append_in_flight);
  RUN(test_closed_chat_has_no_deadline_after_refresh_time);
  RUN(test_refresh_due_while_asked_no_past_deadline);
  RUN(test_closed_on_out_while_send_waits_for_token);
  RUN(test_stale_408_on_idle_connection_is_retried);
  RUN(test_429_huge_wait_fails_the_send);
  RUN(test_429_past_reset_backs_off);
  RUN(test_token_with_huge_exp);
  RUN(test_provider_answer_after_deinit);
  RUN(test_backoff_times_beyond_2_31_refused);
  RUN(test_404_recreate_disarms_stop_gate);
  RUN(test_approval_under_an_unkept_message_id_refused);
  RUN(test_append_and_out_401_share_one_refresh);
  RUN(test_wrong_wall_clock_no_refresh_storm);
  RUN(test_long_message_survives_start_and_refresh);
  RUN(test_chunked_token_answer_with_trailer);
  RUN(test_provider_request_retried_on_transient_failure);
  RUN(test_out_host_too_long_is_a_named_error);
  return tc_test_finish("chat_req");
}

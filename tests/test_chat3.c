/*
 * test_chat3.c — the chat beyond the §8 list: every bad input a named error
 * that leaves the chat usable, garbage/truncated/oversized answers, a server
 * that never answers, 429 and 5xx retries, the session record codec, JWT exp
 * and the proactive refresh, the built-in session providers, the request
 * hook, headers and metadata, keep-alive reuse, watch mode, checkpoints, and
 * 1,000 chats driven from one loop.
 */
#include <stdio.h>
#include <string.h>

#include "chat_fake.c"
#include "chat_scn.c"
#include "tc_test.h"

static void test_bad_api_inputs_are_named_errors(void)
{
  w_init(&W, "c1");
  w_session(&W);
  CHECK_EQ_INT(tc_chat_send_parts(&W.chat, "{\"a\":1}", 7, NULL), TC_ERR_JSON_TYPE);
  CHECK_EQ_INT(tc_chat_send_parts(&W.chat, "[1,", 3, NULL), TC_ERR_JSON_SYNTAX);
  CHECK_EQ_INT(tc_chat_send_parts(&W.chat, "[],\"trigger\":\"close\"", 20, NULL), TC_ERR_JSON_SYNTAX);
  CHECK_EQ_INT(tc_chat_send_text(&W.chat, "hi", 2, "[1]"), TC_ERR_JSON_TYPE);
  CHECK_EQ_INT(tc_chat_send_text(&W.chat, "\xff\xfe", 2, NULL), TC_ERR_UTF8);
  CHECK_EQ_INT(tc_chat_send_text(&W.chat, NULL, 0, NULL), TC_ERR_ARG);
  CHECK_EQ_INT(tc_chat_send_action(&W.chat, "{", 1, NULL), TC_ERR_JSON_SYNTAX);
  CHECK_EQ_INT(tc_chat_answer_approval(&W.chat, "x", true, NULL), TC_ERR_ARG);
  CHECK_EQ_INT(tc_chat_answer_approval(&W.chat, NULL, true, NULL), TC_ERR_ARG);
  CHECK_EQ_INT(tc_chat_add_tool_output(&W.chat, "c", NULL, 0), TC_ERR_ARG);
  CHECK_EQ_INT(tc_chat_provide_token(&W.chat, TOK1, strlen(TOK1)), TC_ERR_STATE);
  CHECK_EQ_INT(tc_chat_watch(&W.chat), TC_ERR_CONFIG);
  w_step(&W);
  CHECK_EQ_INT(W.req.sent_len, 0); /* nothing was sent */
  CHECK_EQ_INT(tc_chat_send_text(&W.chat, "ok", 2, NULL), TC_OK);
  CHECK_EQ_INT(tc_chat_send_text(&W.chat, "again", 5, NULL), TC_ERR_BUSY);
  w_step(&W);
  w_take_req(&W);
  CHECK(w_has(&W, "\"text\":\"ok\""));
}

static void test_no_session_operations(void)
{
  w_init(&W, "c1");
  CHECK_EQ_INT(tc_chat_stop(&W.chat), TC_ERR_NO_SESSION);
  CHECK_EQ_INT(tc_chat_steer_text(&W.chat, "x", 1, NULL), TC_ERR_NO_SESSION);
  CHECK_EQ_INT(tc_chat_resume(&W.chat), TC_ERR_NO_SESSION);
  CHECK_EQ_INT(tc_chat_send_close(&W.chat), TC_ERR_NO_SESSION);
  CHECK_EQ_INT(tc_chat_state(&W.chat), TC_CHAT_NO_SESSION);
}

static void test_bad_config_and_chat_ids(void)
{
  tc_transport_t t = { &fake_net_ops, &W.out }, q = { &fake_net_ops, &W.req }, none = { NULL, NULL };
  tc_chat_header_t bad[] = { { "X-Ok", "a\r\nInjected: 1" } };
  w_init(&W, NULL);
  CHECK_EQ_INT(tc_chat_init(&W.chat, &W.cfg, "", t, q, &W.bufs), TC_ERR_ARG);
  CHECK_EQ_INT(tc_chat_init(&W.chat, &W.cfg, "session_abc", t, q, &W.bufs), TC_ERR_ARG);
  CHECK_EQ_INT(tc_chat_init(&W.chat, &W.cfg, "c1", none, t, &W.bufs), TC_ERR_CONFIG);
  /* one transport given as both connections would carry two exchanges at once */
  CHECK_EQ_INT(tc_chat_init(&W.chat, &W.cfg, "c1", t, t, &W.bufs), TC_ERR_CONFIG);
  W.cfg.client_data = "[1]";
  CHECK_EQ_INT(tc_chat_init(&W.chat, &W.cfg, "c1", t, q, &W.bufs), TC_ERR_CONFIG);
  W.cfg.client_data = NULL;
  W.cfg.headers = bad;
  W.cfg.header_count = 1;
  CHECK_EQ_INT(tc_chat_init(&W.chat, &W.cfg, "c1", t, q, &W.bufs), TC_ERR_CONFIG);
  /* init refuses exactly what the request writer would refuse later (a name
   * that is not an HTTP token, a control byte or DEL in a value), so a bad
   * extra header fails at init, not on every request */
  static const tc_chat_header_t refused[][1] = { { { "X(Bad", "1" } }, { { "X Bad", "1" } },
                                                 { { "X-Bad:", "1" } }, { { "X-\xc3\xa9", "1" } },
                                                 { { "X-Bad", "a\x7f" } }, { { "X-Bad", "a\x01" } } };
  for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
    W.cfg.headers = refused[i];
    CHECK_EQ_INT(tc_chat_init(&W.chat, &W.cfg, "c1", t, q, &W.bufs), TC_ERR_CONFIG);
  }
  static const tc_chat_header_t fine[] = { { "X-Ok!#$%&'*+.^_`|~", "a\tb c" }, { "Content-Length", "5" } };
  W.cfg.headers = fine;
  W.cfg.header_count = 2;
  CHECK_EQ_INT(tc_chat_init(&W.chat, &W.cfg, "c1", t, q, &W.bufs), TC_OK);
  W.cfg.header_count = 0;
  W.cfg.random = NULL;
  CHECK_EQ_INT(tc_chat_init(&W.chat, &W.cfg, "c1", t, q, &W.bufs), TC_ERR_CONFIG);
  W.cfg.random = w_random;
  W.cfg.auth = TC_CHAT_AUTH_DIRECT;
  CHECK_EQ_INT(tc_chat_init(&W.chat, &W.cfg, "c1", t, q, &W.bufs), TC_ERR_CONFIG);
  W.cfg.auth = TC_CHAT_AUTH_CALLBACK;
  W.cfg.base_url = "ftp://x";
  CHECK_EQ_INT(tc_chat_init(&W.chat, &W.cfg, "c1", t, q, &W.bufs), TC_OK);
  w_session(&W);
  tc_chat_send_text(&W.chat, "hi", 2, NULL);
  w_step(&W);
  CHECK_EQ_INT(w_last(&W, TC_CHAT_EV_MESSAGE_SEND_FAILED)->err, TC_ERR_HTTP_URL);
  CHECK_EQ_INT(tc_chat_state(&W.chat), TC_CHAT_IDLE);
}

static void test_garbage_append_answer_is_success_without_seq(void)
{
  scn_session_sends_hi();
  fake_reply(&W.req, json_resp(200, "<html>ok</html>"));
  w_step(&W);
  CHECK_EQ_INT(w_last(&W, TC_CHAT_EV_MESSAGE_SENT)->input_seq, -1);
  CHECK_EQ_INT(tc_chat_state(&W.chat), TC_CHAT_STREAMING);
}

static void test_garbage_status_line_retries_then_fails(void)
{
  scn_session_sends_hi();
  for (int i = 0; i < 5; i++) {
    fake_reply(&W.req, "SMTP ready\r\n\r\n");
    w_step(&W);
    w_advance(&W, 6000);
  }
  CHECK_EQ_INT(w_last(&W, TC_CHAT_EV_MESSAGE_SEND_FAILED)->err, TC_ERR_HTTP_STATUS_LINE);
  CHECK_EQ_INT(tc_chat_send_text(&W.chat, "ok", 2, NULL), TC_OK);
}

static void test_truncated_answer_retries_same_part_id(void)
{
  char part[40];
  scn_session_sends_hi();
  w_take_req(&W);
  snprintf(part, sizeof part, "%s", w_header(&W, "X-Part-Id"));
  fake_reply(&W.req, "HTTP/1.1 200 OK\r\nContent-Length: 30\r\n\r\n{\"ok\":tr");
  fake_eof(&W.req);
  w_step(&W);
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_MESSAGE_SENT), 0);
  w_advance(&W, 1000);
  w_take_req(&W);
  CHECK_EQ_STR(w_header(&W, "X-Part-Id"), part);
  w_append_ok(&W, 3);
  CHECK_EQ_INT(w_last(&W, TC_CHAT_EV_MESSAGE_SENT)->input_seq, 3);
}

static void test_truncated_and_oversized_out_headers_reconnect(void)
{
  static char big[2048];
  int opens;
  w_init(&W, "c1");
  w_session(&W);
  w_turn(&W, 0);
  fake_reply(&W.out, "HTTP/1.1 200 OK\r\nContent-Ty");
  fake_eof(&W.out);
  w_step(&W);
  opens = W.out.opens;
  w_advance(&W, 1000);
  CHECK_EQ_INT(W.out.opens, opens + 1);
  memset(big, 'a', sizeof big - 1);
  memcpy(big, "HTTP/1.1 200 OK\r\nX-Big: ", 24);
  fake_reply(&W.out, big);
  w_step(&W);
  opens = W.out.opens;
  w_advance(&W, 2000);
  CHECK_EQ_INT(W.out.opens, opens + 1);
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_STREAM_ERROR), 0);
  scn_out_streams();
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_STREAM_CONNECTED), 1);
}

static void test_garbage_sse_reconnects_from_cursor(void)
{
  streaming_turn(0);
  feed_data(3, DELTA("a"), "e1");
  fake_reply(&W.out, "event: batch\ndata: {\"records\":[{\"seq_num\":\"x\"}]}\n\n");
  w_step(&W);
  scn_expect_reconnect_from("3");
}

static void test_silent_server_times_out(void)
{
  int opens;
  w_init(&W, "c1");
  w_session(&W);
  w_turn(&W, 0);
  opens = W.out.opens;
  CHECK_EQ_INT(tc_chat_next_deadline(&W.chat), W.now + 30000);
  w_advance(&W, 29999);
  CHECK_EQ_INT(W.out.opens, opens);
  w_advance(&W, 1);
  w_advance(&W, 1000);
  CHECK_EQ_INT(W.out.opens, opens + 1);
  /* an append nobody answers: 30 s, retried, then TC_ERR_TIMEOUT */
  tc_chat_steer_text(&W.chat, "x", 1, NULL);
  w_step(&W);
  for (int i = 0; i < 5; i++) {
    w_advance(&W, 30000);
    w_advance(&W, 5000);
  }
  CHECK_EQ_INT(w_last(&W, TC_CHAT_EV_MESSAGE_SEND_FAILED)->err, TC_ERR_TIMEOUT);
  CHECK_EQ_INT(W.req.opens, 5);
}

static void test_429_waits_for_ratelimit_reset(void)
{
  char part[40];
  w_init(&W, "c1");
  w_session(&W);
  tc_chat_set_unix_time(&W.chat, W.now, 1761820000000ull);
  tc_chat_send_text(&W.chat, "hi", 2, NULL);
  w_step(&W);
  w_take_req(&W);
  snprintf(part, sizeof part, "%s", w_header(&W, "X-Part-Id"));
  fake_reply(&W.req, "HTTP/1.1 429 Too Many\r\nx-ratelimit-reset: 1761820007000\r\nContent-Length: 2\r\n\r\n{}");
  w_step(&W);
  w_advance(&W, 6999);
  CHECK_EQ_INT(W.req.sent_len, 0);
  w_advance(&W, 1);
  w_take_req(&W);
  CHECK_EQ_STR(w_header(&W, "X-Part-Id"), part);
  /* without the wall clock: Retry-After */
  fake_reply(&W.req, "HTTP/1.1 429 Too Many\r\nRetry-After: 3\r\nContent-Length: 2\r\n\r\n{}");
  W.chat.unix_offset = INT64_MIN;
  w_step(&W);
  w_advance(&W, 2999);
  CHECK_EQ_INT(W.req.sent_len, 0);
  w_advance(&W, 1);
  CHECK(W.req.sent_len > 0);
}

static void test_5xx_retries_are_bounded(void)
{
  scn_session_sends_hi();
  for (int i = 0; i < 5; i++) {
    CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_MESSAGE_SEND_FAILED), 0);
    fake_reply(&W.req, json_resp(503, "{}"));
    w_step(&W);
    w_advance(&W, 5000);
  }
  CHECK_EQ_INT(W.req.opens, 1); /* one kept-alive connection for the five attempts */
  CHECK_EQ_INT(w_last(&W, TC_CHAT_EV_MESSAGE_SEND_FAILED)->err, TC_ERR_SERVER);
  CHECK_EQ_INT(w_last(&W, TC_CHAT_EV_MESSAGE_SEND_FAILED)->status, 503);
}

static void test_session_record_codec(void)
{
  tc_session_rec_t r;
  size_t n;
  memset(&r, 0, sizeof r);
  r.flags = TC_SESS_F_CURSOR;
  r.cursor = 42;
  r.token_len = 3;
  memcpy(r.token, "a.b", 3);
  n = tc_session_seal(&r, 7);
  CHECK_EQ_INT(n, tc_session_size(&r));
  CHECK_EQ_INT(tc_session_open(&r, n, 7), TC_OK);
  CHECK_EQ_INT(tc_session_open(&r, n, 8), TC_ERR_KV_CORRUPT);     /* foreign chat */
  CHECK_EQ_INT(tc_session_open(&r, n - 1, 7), TC_ERR_KV_CORRUPT); /* truncated */
  CHECK_EQ_INT(tc_session_open(&r, 3, 7), TC_ERR_KV_CORRUPT);
  for (size_t i = 0; i < n; i += 7) { /* any flipped byte */
    uint8_t *b = (uint8_t *)&r;
    b[i] ^= 0x40;
    CHECK_EQ_INT(tc_session_open(&r, n, 7), TC_ERR_KV_CORRUPT);
    b[i] ^= 0x40;
  }
  CHECK_EQ_INT(tc_crc32(0, "123456789", 9), 0xCBF43926u);
  /* a corrupt stored record is absent, and the chat stays usable */
  w_init(&W, "c1");
  CHECK_EQ_INT(tc_chat_restore(&W.chat, NULL, 0), TC_ERR_KV_NOT_FOUND);
  CHECK_EQ_INT(tc_chat_restore(&W.chat, &r, n), TC_ERR_KV_CORRUPT);
  CHECK_EQ_INT(tc_chat_session(&W.chat).has_token, false);
  CHECK_EQ_INT(tc_chat_send_text(&W.chat, "hi", 2, NULL), TC_OK);
}

static void test_jwt_times(void)
{
  int64_t exp, iat;
  CHECK_EQ_INT(tc_jwt_times(TOK1, strlen(TOK1), &exp, &iat), TC_OK);
  CHECK_EQ_INT(exp, 1761823600);
  CHECK_EQ_INT(iat, 1761820000);
  CHECK_EQ_INT(tc_jwt_times("abc", 3, &exp, &iat), TC_ERR_TOKEN);
  CHECK_EQ_INT(tc_jwt_times("a.!!.c", 6, &exp, &iat), TC_ERR_TOKEN);
  CHECK_EQ_INT(tc_jwt_times("a.b.c.d", 7, &exp, &iat), TC_ERR_TOKEN);
  CHECK_EQ_INT(tc_jwt_times("a.WzFd.c", 8, &exp, &iat), TC_ERR_TOKEN); /* [1]: not an object */
  CHECK_EQ_INT(tc_jwt_times("a.e30.c", 7, &exp, &iat), TC_OK);        /* {} */
  CHECK_EQ_INT(exp, -1);
}

/* The claims object as JSON.parse reads it: the last of a repeated claim,
 * nested values stepped over, anything but a whole number is no time, and
 * text after the object is no token. */
static void test_jwt_claims(void)
{
  int64_t exp, iat;
  const char *t;
  t = jwt_of("{\"exp\":5,\"iat\":3,\"exp\":7}");
  CHECK_EQ_INT(tc_jwt_times(t, strlen(t), &exp, &iat), TC_OK);
  CHECK_EQ_INT(exp, 7);
  CHECK_EQ_INT(iat, 3);
  t = jwt_of(" {\"scopes\":[\"read:sessions:c1\",{\"a\":[1,{}]}],\"pub\":true,\"exp\":9} ");
  CHECK_EQ_INT(tc_jwt_times(t, strlen(t), &exp, &iat), TC_OK);
  CHECK_EQ_INT(exp, 9);
  CHECK_EQ_INT(iat, -1);
  t = jwt_of("{\"exp\":\"9\",\"iat\":1.5}");
  CHECK_EQ_INT(tc_jwt_times(t, strlen(t), &exp, &iat), TC_OK);
  CHECK_EQ_INT(exp, -1);
  CHECK_EQ_INT(iat, -1);
  t = jwt_of("{\"exp\":-5}");
  CHECK_EQ_INT(tc_jwt_times(t, strlen(t), &exp, &iat), TC_OK);
  CHECK_EQ_INT(exp, -1);
  t = jwt_of("{\"exp\":1} x");
  CHECK_EQ_INT(tc_jwt_times(t, strlen(t), &exp, &iat), TC_ERR_TOKEN);
  CHECK_EQ_INT(exp, -1);
  t = jwt_of("{\"exp\":1,}");
  CHECK_EQ_INT(tc_jwt_times(t, strlen(t), &exp, &iat), TC_ERR_TOKEN);
  t = jwt_of("{\"exp\":1");
  CHECK_EQ_INT(tc_jwt_times(t, strlen(t), &exp, &iat), TC_ERR_TOKEN);
  t = jwt_of("{\"exp\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}"); /* 33 deep */
  CHECK_EQ_INT(tc_jwt_times(t, strlen(t), &exp, &iat), TC_ERR_TOKEN);
  { /* the payload of the longest token the chat keeps fits; one byte more does not */
    char claims[TC_CHAT_TOKEN_MAX / 4 * 3 + 2];
    size_t max = TC_CHAT_TOKEN_MAX / 4 * 3;
    memset(claims, 'x', sizeof claims);
    memcpy(claims, "{\"exp\":7,\"pad\":\"", 16);
    memcpy(claims + max - 2, "\"}", 3);
    t = jwt_of(claims);
    CHECK_EQ_INT(strlen(t), 2 + TC_CHAT_TOKEN_MAX + 2);
    CHECK_EQ_INT(tc_jwt_times(t, strlen(t), &exp, &iat), TC_OK);
    CHECK_EQ_INT(exp, 7);
    memcpy(claims + max - 2, "x\"}", 4);
    t = jwt_of(claims);
    CHECK_EQ_INT(tc_jwt_times(t, strlen(t), &exp, &iat), TC_ERR_TOKEN);
  }
}

static void test_proactive_refresh_before_exp(void)
{
  w_init(&W, "c1");
  w_step(&W);    /* the chat learns the time */
  w_session(&W); /* TOK1 lives 3600 s */
  CHECK_EQ_INT(tc_chat_next_deadline(&W.chat), W.now + 3540000);
  w_advance(&W, 3539999);
  CHECK_EQ_INT(W.tokens, 0);
  w_advance(&W, 1);
  CHECK_EQ_INT(W.tokens, 1);
  tc_chat_provide_token(&W.chat, TOK2, strlen(TOK2));
  w_step(&W);
  tc_chat_send_text(&W.chat, "hi", 2, NULL);
  w_step(&W);
  w_take_req(&W);
  CHECK_EQ_STR(w_header(&W, "Authorization"), "Bearer " TOK2);
  /* with the wall clock, exp is counted from now */
  w_init(&W, "c1");
  w_step(&W);
  tc_chat_set_unix_time(&W.chat, W.now, 1761823000000ull); /* 600 s before exp */
  w_session(&W);
  CHECK_EQ_INT(tc_chat_next_deadline(&W.chat), W.now + 540000);
}

/* A fresh chat with TOK1 (3600 s) at the moment its proactive refresh is
 * asked (60 s before exp): the token question is out, unanswered. */
static void refresh_asked(void)
{
  w_init(&W, "c1");
  w_step(&W);
  w_session(&W);
  w_advance(&W, 3540000);
  CHECK_EQ_INT(W.tokens, 1);
}

/* The app sends "hi": the append goes out at once, with token tok. */
static void hi_goes_out_with(const char *tok)
{
  char want[128];
  snprintf(want, sizeof want, "Bearer %s", tok);
  CHECK_EQ_INT(tc_chat_send_text(&W.chat, "hi", 2, NULL), TC_OK);
  w_step(&W);
  w_take_req(&W);
  CHECK(starts(W.req_text, "POST /realtime/v1/sessions/c1/in/append"));
  CHECK_EQ_STR(w_header(&W, "Authorization"), want);
}

/* A proactive refresh the provider refuses, nobody waiting for it, is not
 * fatal: AUTH_FAILED with source REFRESH, the held token keeps serving, and
 * the refresh is asked again after half the time left (at least 5 s) until
 * the token's exp; then nothing more until a 401 asks. */
static void test_refused_proactive_refresh_keeps_the_token(void)
{
  static const uint64_t waits[] = { 30000, 15000, 7500, 5000, 5000 }; /* 60 s were left */
  const ev_rec_t *e;
  refresh_asked();
  for (size_t i = 0; i < sizeof waits / sizeof waits[0]; i++) {
    CHECK_EQ_INT(tc_chat_provide_failed(&W.chat, TC_ERR_AUTH), TC_OK);
    e = w_last(&W, TC_CHAT_EV_AUTH_FAILED);
    CHECK(e != NULL);
    if (e == NULL) return;
    CHECK_EQ_INT(e->source, TC_CHAT_SRC_REFRESH);
    CHECK_EQ_INT(e->err, TC_ERR_AUTH);
    CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_AUTH_FAILED), (int)i + 1);
    CHECK_EQ_INT(tc_chat_state(&W.chat), TC_CHAT_IDLE);
    CHECK(tc_chat_session(&W.chat).has_token);
    CHECK_EQ_INT(tc_chat_next_deadline(&W.chat), W.now + waits[i]);
    w_advance(&W, waits[i] - 1);
    CHECK_EQ_INT(W.tokens, (int)i + 1);
    w_advance(&W, 1);
    CHECK_EQ_INT(W.tokens, (int)i + 2);
  }
  /* the last was asked 2.5 s after exp: refused, nothing more is planned */
  tc_chat_provide_failed(&W.chat, TC_ERR_AUTH);
  CHECK_EQ_INT(w_last(&W, TC_CHAT_EV_AUTH_FAILED)->source, TC_CHAT_SRC_REFRESH);
  CHECK_EQ_INT(tc_chat_next_deadline(&W.chat), UINT64_MAX);
  w_advance(&W, 3600000);
  CHECK_EQ_INT(W.tokens, 6);
  /* the held token still goes out (the server decides whether it works) */
  hi_goes_out_with(TOK1);
  CHECK_EQ_INT(W.tokens, 6);
}

/* A refused retry is followed by an accepted one: the new token is used and
 * its own refresh is planned from its exp. */
static void test_refresh_accepted_after_a_refusal(void)
{
  refresh_asked();
  tc_chat_provide_failed(&W.chat, TC_ERR_NET_IO);
  CHECK_EQ_INT(w_last(&W, TC_CHAT_EV_AUTH_FAILED)->err, TC_ERR_NET_IO);
  w_advance(&W, 30000);
  CHECK_EQ_INT(W.tokens, 2);
  CHECK_EQ_INT(tc_chat_provide_token(&W.chat, TOK2, strlen(TOK2)), TC_OK);
  w_step(&W);
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_AUTH_FAILED), 1);
  CHECK_EQ_INT(tc_chat_next_deadline(&W.chat), W.now + 3540000); /* TOK2 lives 3600 s */
  hi_goes_out_with(TOK2);
}

/* An append meets a 401 while a proactive refresh is out: it waits for the
 * same answer, and a refusal fails it as before (source NONE: someone
 * waited), with no retry planned. */
static void test_refused_refresh_with_a_waiter_fails_it(void)
{
  refresh_asked();
  hi_goes_out_with(TOK1);
  fake_reply(&W.req, json_resp(401, "{\"error\":\"expired\"}"));
  w_step(&W);
  CHECK_EQ_INT(W.tokens, 1); /* asked once: the answer serves both */
  tc_chat_provide_failed(&W.chat, TC_ERR_AUTH);
  w_step(&W);
  CHECK_EQ_INT(w_last(&W, TC_CHAT_EV_AUTH_FAILED)->source, TC_CHAT_SRC_NONE);
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_MESSAGE_SEND_FAILED), 1);
  w_advance(&W, 600000);
  CHECK_EQ_INT(W.tokens, 1);
}

/* A token request (here a proactive refresh, due at the first step after a
 * restore) holds the request buffer when the application sends: the send's
 * body goes to the start of that buffer, so the request is asked again after
 * it, and the append goes out whole with the new token. */
static void test_refresh_due_at_send_keeps_the_body(void)
{
  fake_kv_t saved;
  scn_backend_chat();
  CHECK_EQ_INT(tc_chat_preload(&W.chat), TC_OK);
  w_step(&W);
  w_take_req(&W);
  CHECK(starts(W.req_text, "POST /api/chat/start"));
  fake_reply(&W.req, json_resp(200, "{\"publicAccessToken\":\"" TOK1 "\"}"));
  w_step(&W);
  CHECK(tc_chat_session(&W.chat).has_token);
  tc_chat_deinit(&W.chat);
  saved = W.kv;
  /* reboot: restore before the first step, then send */
  w_init(&W, NULL);
  W.kv = saved;
  backend_world();
  CHECK_EQ_INT(tc_chat_restore(&W.chat, NULL, 0), TC_OK);
  W.now = 4200000; /* an uptime of 70 minutes */
  w_step(&W);      /* the refresh is due: the token request starts */
  w_take_req(&W);
  CHECK(starts(W.req_text, "POST /api/chat/token"));
  /* a send while that request holds the request buffer */
  CHECK_EQ_INT(tc_chat_send_text(&W.chat, "keep me whole", 13, NULL), TC_OK);
  w_step(&W);
  w_take_req(&W);
  CHECK(starts(W.req_text, "POST /api/chat/token")); /* asked again, after the body */
  fake_reply(&W.req, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nDate: Tue, 24 Nov 2026 16:53:20 GMT\r\n"
                     "Connection: keep-alive\r\nKeep-Alive: timeout=5\r\nContent-Length: 75\r\n\r\n" TOK2 "\n");
  w_step(&W);
  w_take_req(&W);
  CHECK(starts(W.req_text, "POST /realtime/v1/sessions/c1/in/append"));
  CHECK_EQ_STR(w_header(&W, "Authorization"), "Bearer " TOK2);
  CHECK(w_has(&W, "\"parts\":[{\"type\":\"text\",\"text\":\"keep me whole\"}]"));
  CHECK(w_has(&W, "\r\n\r\n{\"kind\":\"message\",\"payload\":{\"message\":{\"id\":"));
}

static void test_backend_provider_requests(void)
{
  w_init(&W, NULL);
  W.cfg.device_key_header = "X-Device-Key";
  W.cfg.device_key = "dk_123";
  W.cfg.client_data = "{\"locale\":\"en\"}";
  backend_world();
  tc_chat_send_text(&W.chat, "hi", 2, NULL);
  w_step(&W);
  w_take_req(&W);
  CHECK(starts(W.req_text, "POST /api/chat/start HTTP/1.1\r\nHost: app.example.com\r\nContent-Type: application/json\r\nX-Device-Key: dk_123\r\nContent-Length: 63\r\n\r\n"
                           "{\"chatId\":\"c1\",\"taskId\":\"my-chat\",\"clientData\":{\"locale\":\"en\"}}"));
  CHECK(!w_has(&W, "Authorization"));
  fake_reply(&W.req, json_resp(200, "{\"publicAccessToken\":\"" TOK1 "\",\"runId\":\"run_1\"}"));
  w_step(&W);
  w_take_req(&W);
  CHECK(starts(W.req_text, "POST /realtime/v1/sessions/c1/in/append"));
  CHECK(w_has(&W, "\"metadata\":{\"locale\":\"en\"}"));
  fake_reply(&W.req, json_resp(401, "{}"));
  w_step(&W);
  w_take_req(&W);
  CHECK(starts(W.req_text, "POST /api/chat/token HTTP/1.1\r\n"));
  CHECK(w_has(&W, "\r\n\r\n{\"chatId\":\"c1\"}"));
  fake_reply(&W.req, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 75\r\n\r\n" TOK2 "\n");
  w_step(&W);
  w_take_req(&W);
  CHECK_EQ_STR(w_header(&W, "Authorization"), "Bearer " TOK2);
  /* the retried append still carries the whole message (the token answer
   * shares the request buffer with the kept body) */
  CHECK(w_has(&W, "{\"kind\":\"message\",\"payload\":{\"message\":{"));
  CHECK(w_has(&W, "\"parts\":[{\"type\":\"text\",\"text\":\"hi\"}]"));
  /* garbage from the backend: an AUTH_FAILED event, the send fails */
  w_append_ok(&W, 0);
  W.chat.sess.token_len = 0;
  tc_chat_steer_text(&W.chat, "x", 1, NULL);
  CHECK_EQ_INT(tc_chat_send_text(&W.chat, "x", 1, NULL), TC_OK);
  w_step(&W);
  fake_reply(&W.req, json_resp(200, "{\"nope\":1}"));
  w_step(&W);
  CHECK_EQ_INT(w_last(&W, TC_CHAT_EV_AUTH_FAILED)->err, TC_ERR_PROTOCOL);
  CHECK_EQ_INT(w_last(&W, TC_CHAT_EV_MESSAGE_SEND_FAILED)->err, TC_ERR_PROTOCOL);
}

static void test_direct_provider_request(void)
{
  w_init(&W, NULL);
  W.cfg.auth = TC_CHAT_AUTH_DIRECT;
  W.cfg.secret_key = "tr_dev_secret";
  W.cfg.client_data = "{\"locale\":\"en\"}";
  {
    tc_transport_t o = { &fake_net_ops, &W.out }, q = { &fake_net_ops, &W.req };
    CHECK_EQ_INT(tc_chat_init(&W.chat, &W.cfg, "c\"1", o, q, &W.bufs), TC_OK);
  }
  tc_chat_preload(&W.chat);
  w_step(&W);
  w_take_req(&W);
  CHECK(starts(W.req_text, "POST /api/v1/sessions HTTP/1.1\r\nHost: api.example.com\r\n"));
  CHECK_EQ_STR(w_header(&W, "Authorization"), "Bearer tr_dev_secret");
  CHECK(w_has(&W, "\r\n\r\n{\"type\":\"chat.agent\",\"externalId\":\"c\\\"1\",\"taskIdentifier\":\"my-chat\",\"triggerConfig\":{\"basePayload\":{\"messages\":[],\"trigger\":\"preload\",\"metadata\":{\"locale\":\"en\"},\"chatId\":\"c\\\"1\"},\"tags\":[\"chat:c\\\"1\"]}}"));
  fake_reply(&W.req, json_resp(201, "{\"id\":\"session_1\",\"externalId\":\"c\\\"1\",\"runId\":\"run_1\",\"publicAccessToken\":\"" TOK1 "\",\"isCached\":false}"));
  w_step(&W);
  CHECK(tc_chat_session(&W.chat).has_token);
  CHECK_EQ_INT(W.req.sent_len, 0); /* preload: no .in traffic */
}

static tc_err_t hook(void *user, tc_chat_t *chat, tc_chat_request_t *r)
{
  (void)user;
  (void)chat;
  if (r->req == NULL && r->endpoint == TC_CHAT_EP_IN) r->url = "http://edge.local:8080/base/";
  if (r->req != NULL) tc_http_req_header_str(r->req, "traceparent", "00-abc-01");
  return TC_OK;
}

static void test_request_hook_and_extra_headers(void)
{
  tc_chat_header_t hs[] = { { "X-App", "1" }, { "X-Part-Id", "evil" }, { "authorization", "evil" } };
  w_init(&W, NULL);
  W.cfg.request_hook = hook;
  W.cfg.headers = hs;
  W.cfg.header_count = 3;
  W.cfg.client_data = "{\"a\":1,\"b\":2}";
  CHECK_EQ_INT(scn_init_chat(), TC_OK);
  w_session(&W);
  tc_chat_send_text(&W.chat, "hi", 2, "{\"b\":3}");
  w_step(&W);
  w_take_req(&W);
  CHECK(starts(W.req_text, "POST /base/realtime/v1/sessions/c1/in/append HTTP/1.1\r\nHost: edge.local:8080\r\n"));
  CHECK_EQ_INT(W.req.port, 8080);
  CHECK(!W.req.tls);
  CHECK_EQ_STR(w_header(&W, "X-App"), "1");
  CHECK_EQ_STR(w_header(&W, "traceparent"), "00-abc-01");
  CHECK(!w_has(&W, "evil"));
  CHECK(w_has(&W, "\"metadata\":{\"a\":1,\"b\":3}}}"));
  w_append_ok(&W, 0);
  w_take_out(&W);
  CHECK_EQ_STR(w_header(&W, "X-App"), "1");
  CHECK_EQ_STR(w_header(&W, "traceparent"), "00-abc-01");
  CHECK_EQ_STR(W.out.host, "api.example.com");
}

/* Configured headers the chat writes itself, or the request writer's
 * framing names, are dropped in any case (the first and the last of the
 * chat's list included); the rest go out on .in and .out. */
static void test_extra_headers_with_reserved_names_dropped(void)
{
  tc_chat_header_t hs[] = { { "AUTHORIZATION", "evil" }, { "Host", "evil" }, { "transfer-encoding", "evil" },
                            { "Content-Length", "evil" }, { "x-peek-settled", "evil" }, { "X-Ok", "1" } };
  w_init(&W, NULL);
  W.cfg.headers = hs;
  W.cfg.header_count = 6;
  CHECK_EQ_INT(scn_init_chat(), TC_OK);
  w_session(&W);
  tc_chat_send_text(&W.chat, "hi", 2, NULL);
  w_step(&W);
  w_take_req(&W);
  CHECK_EQ_STR(w_header(&W, "X-Ok"), "1");
  CHECK(!w_has(&W, "evil"));
  w_append_ok(&W, 0);
  w_take_out(&W);
  CHECK_EQ_STR(w_header(&W, "X-Ok"), "1");
  CHECK(!w_has(&W, "evil"));
}

static void test_keep_alive_reuse(void)
{
  w_init(&W, "c1");
  w_session(&W);
  streaming_turn(0);
  for (int i = 0; i < 3; i++) {
    tc_chat_steer_text(&W.chat, "x", 1, NULL);
    w_step(&W);
    w_append_ok(&W, i + 1);
  }
  CHECK_EQ_INT(W.req.opens, 1); /* streaming_turn's append and three more on one connection */
  CHECK_EQ_INT(W.out.opens, 1);
  tc_chat_steer_text(&W.chat, "x", 1, NULL);
  w_step(&W);
  fake_reply(&W.req, "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 11\r\n\r\n{\"ok\":true}");
  w_step(&W);
  CHECK_EQ_INT(W.req.connected, false);
  tc_chat_steer_text(&W.chat, "x", 1, NULL);
  w_step(&W);
  CHECK_EQ_INT(W.req.opens, 2);
}

/* The server closed the kept-alive request connection as the next request
 * went out on it (a close seen while idle is not reused at all:
 * test_chat_conn.c): the request fails on it before any answer byte, and
 * is sent again, whole and at once, on a fresh connection (finding #4 of
 * tests/e2e/FINDINGS.md). */
static void test_dead_kept_alive_connection_is_reopened(void)
{
  w_init(&W, "c1");
  w_session(&W);
  streaming_turn(0);
  CHECK_EQ_INT(W.req.opens, 1);
  tc_chat_steer_text(&W.chat, "again", 5, NULL);
  w_step(&W);
  fake_eof(&W.req); /* the server had closed the connection */
  w_take_req(&W);
  CHECK(w_has(&W, "\"text\":\"again\"")); /* went out on the dead connection */
  w_step(&W); /* (reads the close, reopens) */
  w_step(&W);
  CHECK_EQ_INT(W.req.opens, 2);           /* reopened at once, no backoff */
  w_take_req(&W);
  CHECK(starts(W.req_text, "POST /realtime/v1/sessions/c1/in/append"));
  CHECK(w_has(&W, "\"text\":\"again\"")); /* the same request, whole */
  w_append_ok(&W, 1);
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_MESSAGE_SEND_FAILED), 0);
  CHECK_EQ_INT(w_last(&W, TC_CHAT_EV_MESSAGE_SENT)->input_seq, 1);
  /* a fresh connection that fails is not retried again: the send's own retry logic takes over */
  tc_chat_steer_text(&W.chat, "third", 5, NULL);
  w_step(&W);
  fake_reply(&W.req, "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 11\r\n\r\n{\"ok\":true}");
  w_step(&W);
  CHECK_EQ_INT(W.req.connected, false);
}

static void test_regenerate_and_close_bodies(void)
{
  first_turn_done();
  CHECK_EQ_INT(tc_chat_regenerate(&W.chat, "a_9f", NULL), TC_OK);
  w_step(&W);
  w_take_req(&W);
  CHECK(w_has(&W, "\r\n\r\n{\"kind\":\"message\",\"payload\":{\"chatId\":\"c1\",\"trigger\":\"regenerate-message\",\"messageId\":\"a_9f\"}}"));
  w_append_ok(&W, 1);
  CHECK_EQ_INT(w_last(&W, TC_CHAT_EV_MESSAGE_SENT)->source, TC_CHAT_SRC_REGENERATE);
  CHECK_EQ_INT(tc_chat_send_close(&W.chat), TC_OK);
  w_step(&W);
  w_take_req(&W);
  CHECK(w_has(&W, "\r\n\r\n{\"kind\":\"message\",\"payload\":{\"chatId\":\"c1\",\"trigger\":\"close\"}}"));
}

static void test_stop_after_resume(void)
{
  streaming_turn(2);
  scn_reboot();
  CHECK_EQ_INT(tc_chat_restore(&W.chat, NULL, 0), TC_OK);
  tc_chat_resume(&W.chat);
  w_step(&W);
  scn_out_streams();
  CHECK_EQ_INT(tc_chat_stop(&W.chat), TC_OK);
  w_step(&W);
  w_append_ok(&W, 3);
  CHECK_EQ_INT(W.out.connected, false);
  CHECK(W.chat.gate);
  CHECK_EQ_INT(tc_chat_session(&W.chat).streaming, 0);
  tc_chat_clear_stop_gate(&W.chat);
  CHECK(!W.chat.gate);
}

static void test_watch_mode_spans_turns(void)
{
  int opens;
  scn_watch_world();
  CHECK_EQ_INT(tc_chat_watch(&W.chat), TC_OK);
  w_step(&W);
  w_take_out(&W);
  CHECK(!w_has(&W, "X-Peek-Settled"));
  scn_out_streams();
  opens = W.out.opens;
  feed_data(1, DELTA("t1"), "w1");
  feed_control(2, "[[\"trigger-control\",\"turn-complete\"]]");
  feed_data(3, DELTA("t2"), "w2");
  feed_control(4, "[[\"trigger-control\",\"turn-complete\"]]");
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_TURN_COMPLETE), 2);
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_FIRST_CHUNK), 2);
  CHECK_EQ_INT(W.out.opens, opens);
  for (int i = 0; i < 8; i++) { /* EOFs never exhaust a watch */
    scn_out_eof_then(6000);
    scn_out_streams();
  }
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_STREAM_ERROR), 0);
  CHECK(W.out.connected);
}

/* A chat in watch mode watching: its .out open (headers read). */
static void watching_stream(void)
{
  scn_watch_world();
  tc_chat_watch(&W.chat);
  w_step(&W);
  scn_out_streams();
}

static void test_checkpoints_not_per_chunk(void)
{
  int sets;
  watching_stream();
  sets = W.kv.sets;
  for (int i = 0; i < 100; i++) {
    char env[16];
    snprintf(env, sizeof env, "x%d", i);
    feed_data((uint64_t)i + 1, DELTA("."), env);
    W.now += 500;
  }
  w_step(&W);
  /* 50 s of chunks: a checkpoint every 10 s at most */
  CHECK(W.kv.sets - sets <= 5);
  CHECK(W.kv.sets - sets >= 4);
}

static void test_deinit_keeps_the_moved_cursor(void)
{
  int sets;
  watching_stream();
  sets = W.kv.sets;
  feed_data(1, DELTA("a"), "d1");
  feed_data(2, DELTA("b"), "d2");
  w_step(&W);
  CHECK_EQ_INT(W.kv.sets, sets); /* within the checkpoint interval: nothing written yet */
  tc_chat_deinit(&W.chat);
  CHECK_EQ_INT(W.kv.sets, sets + 1); /* a clean shutdown writes the moved cursor and mark */
  tc_chat_deinit(&W.chat);
  CHECK_EQ_INT(W.kv.sets, sets + 1); /* and only once */
}

static void test_dynamic_tool_approval_and_unsafe_names(void)
{
  sse_b_t s;
  streaming_turn(0);
  sse_begin(&s);
  sse_data(&s, 1, "{\"type\":\"start\",\"messageId\":\"asst_2\"}", "a1");
  sse_data(&s, 2, "{\"type\":\"tool-input-start\",\"toolCallId\":\"call_d\",\"toolName\":\"lookup\",\"dynamic\":true}", "a2");
  sse_data(&s, 3, "{\"type\":\"tool-approval-request\",\"approvalId\":\"ap_d\",\"toolCallId\":\"call_d\"}", "a3");
  sse_data(&s, 4, "{\"type\":\"tool-input-start\",\"toolCallId\":\"call_x\",\"toolName\":\"bad\\\"name\"}", "a4");
  sse_data(&s, 5, "{\"type\":\"tool-approval-request\",\"approvalId\":\"ap_x\",\"toolCallId\":\"call_x\"}", "a5");
  sse_control(&s, 6, "[[\"trigger-control\",\"turn-complete\"],[\"session-in-event-id\",\"0\"]]");
  scn_feed_batch(&s);
  CHECK_EQ_INT(tc_chat_answer_approval(&W.chat, "ap_x", true, NULL), TC_ERR_STATE); /* name not usable */
  CHECK_EQ_INT(tc_chat_answer_approval(&W.chat, "ap_d", true, NULL), TC_OK);
  w_step(&W);
  w_take_req(&W);
  CHECK(w_has(&W, "\"parts\":[{\"type\":\"dynamic-tool\",\"toolCallId\":\"call_d\",\"state\":\"approval-responded\",\"toolName\":\"lookup\",\"approval\":{\"id\":\"ap_d\",\"approved\":true}}]"));
}

static void test_oversized_record_skipped_and_reported(void)
{
  static char chunk[3000];
  int n = snprintf(chunk, sizeof chunk, "{\"type\":\"tool-output-available\",\"toolCallId\":\"c\",\"output\":\"");
  memset(chunk + n, 'z', 2000);
  memcpy(chunk + n + 2000, "\"}", 3);
  streaming_turn(0);
  feed_data(4, chunk, "big");
  CHECK_EQ_INT(w_last(&W, TC_CHAT_EV_RECORD_SKIPPED)->err, TC_ERR_RECORD_OVERSIZED);
  CHECK_EQ_INT(w_last(&W, TC_CHAT_EV_RECORD_SKIPPED)->seq, 4);
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_CHUNK), 0);
  CHECK_EQ_INT(W.chat.cursor, 4);
  feed_data(5, DELTA("after"), "n");
  CHECK_EQ_STR(w_last(&W, TC_CHAT_EV_TEXT)->text, "after");
}

static void test_deinit_writes_pending_record(void)
{
  int sets;
  w_init(&W, "c1");
  w_session(&W);
  sets = W.kv.sets;
  tc_chat_provide_token(&W.chat, TOK2, strlen(TOK2)); /* nothing asked: refused */
  W.chat.dirty = true;
  tc_chat_deinit(&W.chat);
  CHECK_EQ_INT(W.kv.sets, sets + 1);
  CHECK_EQ_INT(W.out.connected + W.req.connected, 0);
}

#ifdef TC_TEST_EMBEDDED
#define MANY 100 /* 4 MiB of RAM on the emulated board */
#else
#define MANY 1000
#endif

static void test_thousand_chats_one_loop(void)
{
  static tc_chat_t chats[MANY];
  static tc_chat_bufs_t bufs[MANY];
  static fake_net_t nets[MANY][2];
  static char ids[MANY][16];
  static tc_chat_config_t cfg;
  static uint32_t rnd = 7;
  int done = 0;
  memset(&cfg, 0, sizeof cfg);
  cfg.base_url = "https://api.example.com";
  cfg.task_id = "t";
  cfg.random = w_random;
  cfg.random_ctx = &rnd;
  for (int i = 0; i < MANY; i++) {
    tc_transport_t o = { &fake_net_ops, &nets[i][0] }, q = { &fake_net_ops, &nets[i][1] };
    snprintf(ids[i], sizeof ids[i], "chat%d", i);
    CHECK_EQ_INT(tc_chat_init(&chats[i], &cfg, ids[i], o, q, &bufs[i]), TC_OK);
    CHECK_EQ_INT(tc_chat_restore(&chats[i], NULL, 0), TC_ERR_KV_NOT_FOUND);
  }
  /* each chat: a session (callback mode, answered at once), a send, a turn */
  for (int i = 0; i < MANY; i++) {
    chats[i].auth.want = 1; /* as if start_session had been asked */
    chats[i].auth.phase = 1;
    tc_chat_provide_session(&chats[i], TOK1, strlen(TOK1), false);
    tc_chat_send_text(&chats[i], "hi", 2, NULL);
  }
  for (int round = 0; round < 4; round++) {
    for (int i = 0; i < MANY; i++) {
      tc_chat_step(&chats[i], 1000 + (uint64_t)round);
      if (round == 0) fake_reply(&nets[i][1], json_resp(200, "{\"ok\":true,\"seq\":0}"));
      if (round == 1) {
        fake_reply(&nets[i][0], sse_head(false));
        fake_reply(&nets[i][0], "event: batch\ndata: {\"records\":[{\"seq_num\":1,\"timestamp\":1,\"headers\":[[\"trigger-control\",\"turn-complete\"],[\"session-in-event-id\",\"0\"]]}]}\n\n");
      }
    }
  }
  for (int i = 0; i < MANY; i++) done += tc_chat_state(&chats[i]) == TC_CHAT_IDLE && chats[i].cursor == 1;
  CHECK_EQ_INT(done, MANY);
  printf("  %d chats: %lu bytes (chat %lu + buffers %lu each)\n", MANY, (unsigned long)(sizeof chats + sizeof bufs),
         (unsigned long)sizeof chats[0], (unsigned long)sizeof bufs[0]);
}

static void test_memory_budget(void)
{
  size_t total = sizeof(tc_chat_t) + sizeof(tc_chat_bufs_t);
  printf("  sizeof(tc_chat_t) = %lu, sizeof(tc_chat_bufs_t) = %lu, total %lu\n", (unsigned long)sizeof(tc_chat_t),
         (unsigned long)sizeof(tc_chat_bufs_t), (unsigned long)total);
  CHECK(total <= 6144);
}

/* The record's kv key: "tcs" and the chat id's FNV-1a hash in hex (11
 * characters, within NVS's 15). Pinned: a new key would orphan the records
 * devices already hold. "c1" -> tcs8829dfd9 (FNV-1a 32:
 * (((2166136261 ^ 'c') * 16777619) ^ '1') * 16777619 mod 2^32). */
static void test_kv_key_is_fnv1a_of_chat_id(void)
{
  uint32_t h = 2166136261u;
  char want[16];
  h = (h ^ (uint8_t)'c') * 16777619u;
  h = (h ^ (uint8_t)'1') * 16777619u;
  w_init(&W, "c1");
  w_session(&W);
  CHECK(W.kv.has);
  snprintf(want, sizeof want, "tcs%08lx", (unsigned long)h);
  CHECK_EQ_STR(want, "tcs8829dfd9");
  CHECK_EQ_STR(W.kv.key, want);
}

int main(void)
{
  RUN(test_bad_api_inputs_are_named_errors);
  RUN(test_no_session_operations);
  RUN(test_bad_config_and_chat_ids);
  RUN(test_garbage_append_answer_is_success_without_seq);
  RUN(test_garbage_status_line_retries_then_fails);
  RUN(test_truncated_answer_retries_same_part_id);
  RUN(test_truncated_and_oversized_out_headers_reconnect);
  RUN(test_garbage_sse_reconnects_from_cursor);
  RUN(test_silent_server_times_out);
  RUN(test_429_waits_for_ratelimit_reset);
  RUN(test_5xx_retries_are_bounded);
  RUN(test_session_record_codec);
  RUN(test_jwt_times);
  RUN(test_jwt_claims);
  RUN(test_proactive_refresh_before_exp);
  RUN(test_refused_proactive_refresh_keeps_the_token);
  RUN(test_refresh_accepted_after_a_refusal);
  RUN(test_refused_refresh_with_a_waiter_fails_it);
  RUN(test_refresh_due_at_send_keeps_the_body);
  RUN(test_backend_provider_requests);
  RUN(test_direct_provider_request);
  RUN(test_request_hook_and_extra_headers);
  RUN(test_extra_headers_with_reserved_names_dropped);
  RUN(test_keep_alive_reuse);
  RUN(test_dead_kept_alive_connection_is_reopened);
  RUN(test_regenerate_and_close_bodies);
  RUN(test_dynamic_tool_approval_and_unsafe_names);
  RUN(test_stop_after_resume);
  RUN(test_watch_mode_spans_turns);
  RUN(test_checkpoints_not_per_chunk);
  RUN(test_deinit_keeps_the_moved_cursor);
  RUN(test_oversized_record_skipped_and_reported);
  RUN(test_deinit_writes_pending_record);
  RUN(test_thousand_chats_one_loop);
  RUN(test_memory_budget);
  RUN(test_kv_key_is_fnv1a_of_chat_id);
  return tc_test_finish("chat3");
}

/*
 * test_chat_conn.c — the chat's connections and providers under hostile
 * peers: bytes a server sends past its response, or its close, on an idle
 * kept-alive connection; the connect timeout the transport is given; two
 * host names whose keep-alive key collided; a CALLBACK provider that never
 * answers (or answers late); a .out batch the decoder cannot get past.
 */
#include <stdio.h>
#include <string.h>

#include "chat_fake.c"
#include "chat_scn.c"
#include "tc_test.h"

/* Occurrences of needle in the last taken request text. */
static int count_of(const char *hay, const char *needle)
{
  int n = 0;
  for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle)) n++;
  return n;
}

/* ------------------------------------------------------------ 1. idle bytes */

#define STALE_200 "HTTP/1.1 200 OK\r\nContent-Length: 20\r\n\r\n{\"ok\":true,\"seq\":99}"

/* Bytes the server sent on the idle kept-alive request connection after the
 * last answer (a response it should not have sent, or bytes past its
 * Content-Length) are not read as the next request's answer: the request
 * goes out on a fresh connection and its own answer counts. */
static void test_stray_bytes_on_idle_connection_not_taken_as_answer(void)
{
  streaming_turn(0);
  CHECK_EQ_INT(W.req.opens, 1);
  fake_reply(&W.req, STALE_200); /* arrives while idle */
  CHECK_EQ_INT(tc_chat_steer_text(&W.chat, "x", 1, NULL), TC_OK);
  w_step(&W);
  CHECK_EQ_INT(W.req.opens, 2);
  CHECK_EQ_INT(W.req.closes, 1);
  w_take_req(&W);
  CHECK_EQ_INT(count_of(W.req_text, "POST /realtime/v1/sessions/c1/in/append"), 1);
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_MESSAGE_SENT), 1); /* (the turn's) */
  w_append_ok(&W, 1);
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_MESSAGE_SENT), 2);
  CHECK_EQ_INT(w_last(&W, TC_CHAT_EV_MESSAGE_SENT)->input_seq, 1);
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_MESSAGE_SEND_FAILED), 0);
}

/* The answer ended exactly at a read's end with more bytes already in hand
 * below (pending: e.g. a decrypted TLS record): the connection is not
 * reused for the next request either. */
static void test_bytes_in_hand_after_answer_not_reused(void)
{
  static char both[512];
  const char *ok;
  size_t n;
  streaming_turn(0);
  ok = json_resp(200, "{\"ok\":true,\"seq\":1}"); /* (json_resp's buffer is static) */
  n = strlen(ok);
  CHECK_EQ_INT(tc_chat_steer_text(&W.chat, "x", 1, NULL), TC_OK);
  w_step(&W);
  w_take_req(&W);
  snprintf(both, sizeof both, "%s%s", ok, STALE_200);
  W.req.recv_max = n; /* the first read ends with the answer */
  fake_reply(&W.req, both);
  w_step(&W);
  W.req.recv_max = 0;
  CHECK_EQ_INT(w_last(&W, TC_CHAT_EV_MESSAGE_SENT)->input_seq, 1);
  CHECK_EQ_INT(tc_chat_steer_text(&W.chat, "y", 1, NULL), TC_OK);
  w_step(&W);
  CHECK_EQ_INT(W.req.opens, 2);
  w_append_ok(&W, 2);
  CHECK_EQ_INT(w_last(&W, TC_CHAT_EV_MESSAGE_SENT)->input_seq, 2);
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_MESSAGE_SEND_FAILED), 0);
}

/* Bytes in the same read as the answer's end (past its Content-Length):
 * the connection is closed with the answer, not kept. */
static void test_bytes_with_answer_close_it(void)
{
  streaming_turn(0);
  CHECK_EQ_INT(tc_chat_steer_text(&W.chat, "x", 1, NULL), TC_OK);
  w_step(&W);
  fake_reply(&W.req, json_resp(200, "{\"ok\":true,\"seq\":1}"));
  fake_reply(&W.req, STALE_200); /* (one read takes both) */
  w_step(&W);
  CHECK_EQ_INT(w_last(&W, TC_CHAT_EV_MESSAGE_SENT)->input_seq, 1);
  CHECK(!W.req.connected);
  CHECK_EQ_INT(tc_chat_steer_text(&W.chat, "y", 1, NULL), TC_OK);
  w_step(&W);
  CHECK_EQ_INT(W.req.opens, 2);
  w_append_ok(&W, 2);
  CHECK_EQ_INT(w_last(&W, TC_CHAT_EV_MESSAGE_SENT)->input_seq, 2);
}

/* The same after a chunked answer: bytes after its last chunk in another
 * read are not the next answer. */
static void test_bytes_after_chunked_answer_not_reused(void)
{
  streaming_turn(0);
  CHECK_EQ_INT(tc_chat_steer_text(&W.chat, "x", 1, NULL), TC_OK);
  w_step(&W);
  fake_reply(&W.req, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n13\r\n{\"ok\":true,\"seq\":1}\r\n0\r\n\r\n");
  w_step(&W);
  CHECK_EQ_INT(w_last(&W, TC_CHAT_EV_MESSAGE_SENT)->input_seq, 1);
  CHECK(W.req.connected); /* kept alive */
  fake_reply(&W.req, STALE_200);
  CHECK_EQ_INT(tc_chat_steer_text(&W.chat, "y", 1, NULL), TC_OK);
  w_step(&W);
  CHECK_EQ_INT(W.req.opens, 2);
  w_append_ok(&W, 2);
  CHECK_EQ_INT(w_last(&W, TC_CHAT_EV_MESSAGE_SENT)->input_seq, 2);
}

/* The server closed the idle kept-alive connection (EOF readable before the
 * next request): the request is written only on a fresh connection, never
 * into the closed one, and no event tells of it. */
static void test_idle_close_seen_before_writing(void)
{
  int nev;
  streaming_turn(0);
  fake_eof(&W.req);
  nev = W.nev;
  CHECK_EQ_INT(tc_chat_steer_text(&W.chat, "x", 1, NULL), TC_OK);
  w_step(&W);
  w_step(&W); /* (a resend on a fresh connection would go out now) */
  CHECK_EQ_INT(W.req.opens, 2);
  w_take_req(&W);
  CHECK_EQ_INT(count_of(W.req_text, "POST "), 1);
  /* no event of the close: only the record that took the part id first */
  CHECK_EQ_INT(W.nev, nev + 1);
  CHECK_EQ_INT(W.ev[nev].type, TC_CHAT_EV_SESSION_CHANGED);
  w_append_ok(&W, 1);
  CHECK_EQ_INT(w_last(&W, TC_CHAT_EV_MESSAGE_SENT)->input_seq, 1);
}

/* A TLS failure as the request connection opens (the arena exhausted while
 * .out handshakes, a handshake cut by the network) is retried after the
 * backoff like a network failure at open, and like the same failure later
 * in the exchange: the send goes out, with no MESSAGE_SEND_FAILED. */
static void test_tls_failure_at_open_is_retried(void)
{
  static const tc_err_t errs[] = { TC_ERR_TLS_ALLOC, TC_ERR_TLS_HANDSHAKE, TC_ERR_TLS_IO };
  for (size_t i = 0; i < sizeof errs / sizeof errs[0]; i++) {
    streaming_turn(0);
    fake_eof(&W.req); /* the kept connection is gone: the steer opens anew */
    W.req.open_err = errs[i];
    CHECK_EQ_INT(tc_chat_steer_text(&W.chat, "x", 1, NULL), TC_OK);
    w_step(&W);
    CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_MESSAGE_SEND_FAILED), 0);
    CHECK_EQ_INT(W.req.opens, 2);
    w_advance(&W, 6000); /* past the first backoff (5 s cap) */
    CHECK_EQ_INT(W.req.opens, 3);
    w_append_ok(&W, 1);
    CHECK_EQ_INT(w_last(&W, TC_CHAT_EV_MESSAGE_SENT)->input_seq, 1);
    CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_MESSAGE_SEND_FAILED), 0);
  }
}

/* The same for a built-in provider's request: the session start's
 * connection fails TLS at open, the start is asked again after the backoff
 * and the send goes out. */
static void test_tls_failure_at_provider_open_is_retried(void)
{
  scn_backend_chat();
  W.req.open_err = TC_ERR_TLS_ALLOC;
  CHECK_EQ_INT(tc_chat_send_text(&W.chat, "hi", 2, NULL), TC_OK);
  w_step(&W);
  CHECK_EQ_INT(W.req.opens, 1);
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_AUTH_FAILED), 0);
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_MESSAGE_SEND_FAILED), 0);
  w_advance(&W, 6000);
  CHECK_EQ_INT(W.req.opens, 2);
  w_take_req(&W);
  CHECK(starts(W.req_text, "POST "));
  fake_reply(&W.req, json_resp(200, "{\"publicAccessToken\":\"" TOK1 "\"}"));
  w_step(&W);
  w_append_ok(&W, 0);
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_MESSAGE_SENT), 1);
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_AUTH_FAILED), 0);
}

/* ------------------------------------------------------------ 2. connect timeout */

static uint32_t g_open_ms[2]; /* the last timeout given to out's and req's open */

static tc_err_t rec_open(void *ctx, const char *host, uint16_t port, bool tls, uint32_t timeout_ms)
{
  g_open_ms[ctx == &W.req] = timeout_ms;
  return fake_net_ops.open(ctx, host, port, tls, timeout_ms);
}

static tc_transport_ops_t rec_ops;

static void init_recording(void)
{
  tc_transport_t o = { &rec_ops, &W.out }, q = { &rec_ops, &W.req };
  rec_ops = fake_net_ops;
  rec_ops.open = rec_open;
  g_open_ms[0] = g_open_ms[1] = 0;
  CHECK_EQ_INT(tc_chat_init(&W.chat, &W.cfg, "c1", o, q, &W.bufs), TC_OK);
}

/* The transport's open bounds DNS + connect + handshake by the configured
 * times: .out by header_ms, the request connection by request_ms (each
 * exchange's own deadline), the defaults 30 s. */
static void test_connect_timeout_follows_config(void)
{
  w_init(&W, NULL);
  init_recording();
  w_session(&W);
  w_turn(&W, 0);
  CHECK_EQ_INT(g_open_ms[1], 30000);
  CHECK_EQ_INT(g_open_ms[0], 30000);

  w_init(&W, NULL);
  W.cfg.backoff.header_ms = 45000;
  W.cfg.backoff.request_ms = 12000;
  init_recording();
  w_session(&W);
  w_turn(&W, 0);
  CHECK_EQ_INT(g_open_ms[1], 12000);
  CHECK_EQ_INT(g_open_ms[0], 45000);
  /* the .out header deadline (the fake clock) is the same 45 s */
  CHECK_EQ_INT(tc_chat_next_deadline(&W.chat), W.now + 45000);
  w_advance(&W, 44999);
  CHECK_EQ_INT(W.out.opens, 1);
  CHECK_EQ_INT(W.out.closes, 0);
  w_advance(&W, 1);
  CHECK_EQ_INT(W.out.closes, 1);
}

/* ------------------------------------------------------------ 3. keep-alive key */

/* Two names of the same length whose FNV-1a 32 hashes are equal (found by
 * brute force: 0x117a5c48). */
#define HOST_A "h0022789.example.com"
#define HOST_B "h0239192.example.com"

/* The session start went to HOST_A on the request connection (kept alive);
 * the append goes to HOST_B: a fresh connection to HOST_B, never the one to
 * HOST_A (it would carry the token to the wrong server). */
static void test_colliding_hosts_do_not_share_a_connection(void)
{
  tc_transport_t o = { &fake_net_ops, &W.out }, q = { &fake_net_ops, &W.req };
  w_init(&W, NULL);
  W.cfg.base_url = "https://" HOST_B;
  W.cfg.auth = TC_CHAT_AUTH_BACKEND;
  W.cfg.start_url = "https://" HOST_A "/api/chat/start";
  CHECK_EQ_INT(tc_chat_init(&W.chat, &W.cfg, "c1", o, q, &W.bufs), TC_OK);
  CHECK_EQ_INT(tc_chat_send_text(&W.chat, "hi", 2, NULL), TC_OK);
  w_step(&W);
  CHECK_EQ_STR(W.req.host, HOST_A);
  w_take_req(&W);
  CHECK(starts(W.req_text, "POST /api/chat/start HTTP/1.1\r\nHost: " HOST_A "\r\n"));
  fake_reply(&W.req, json_resp(200, "{\"publicAccessToken\":\"" TOK1 "\"}"));
  w_step(&W);
  CHECK_EQ_INT(W.req.opens, 2);
  CHECK_EQ_STR(W.req.host, HOST_B);
  w_take_req(&W);
  CHECK(starts(W.req_text, "POST /realtime/v1/sessions/c1/in/append HTTP/1.1\r\nHost: " HOST_B "\r\n"));
  /* the same host again is still reused */
  w_append_ok(&W, 0);
  CHECK_EQ_INT(tc_chat_steer_text(&W.chat, "x", 1, NULL), TC_OK);
  w_step(&W);
  CHECK_EQ_INT(W.req.opens, 2);
}

/* ------------------------------------------------------------ 4. provider timeout */

/* A CALLBACK provider that never answers: after provider_ms (60 s by
 * default) the question fails with TC_ERR_TIMEOUT (AUTH_FAILED) and so does
 * the send waiting for it; an answer after that is TC_ERR_STATE and changes
 * nothing. */
static void test_provider_never_answers(void)
{
  int nev;
  w_init(&W, "c1");
  w_step(&W);
  CHECK_EQ_INT(tc_chat_send_text(&W.chat, "hi", 2, NULL), TC_OK);
  w_step(&W);
  CHECK_EQ_INT(W.starts, 1);
  CHECK_EQ_INT(tc_chat_next_deadline(&W.chat), W.now + 60000);
  w_advance(&W, 59999);
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_AUTH_FAILED), 0);
  CHECK_EQ_INT(tc_chat_state(&W.chat), TC_CHAT_STARTING);
  w_advance(&W, 1);
  CHECK_EQ_INT(w_last(&W, TC_CHAT_EV_AUTH_FAILED)->err, TC_ERR_TIMEOUT);
  CHECK_EQ_INT(w_last(&W, TC_CHAT_EV_MESSAGE_SEND_FAILED)->err, TC_ERR_TIMEOUT);
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_MESSAGE_SEND_FAILED), 1);
  CHECK_EQ_INT(tc_chat_state(&W.chat), TC_CHAT_NO_SESSION);
  CHECK_EQ_INT(tc_chat_next_deadline(&W.chat), UINT64_MAX);
  w_take_req(&W);
  CHECK_EQ_STR(W.req_text, "");
  /* the late answer */
  nev = W.nev;
  CHECK_EQ_INT(tc_chat_provide_session(&W.chat, TOK1, strlen(TOK1), false), TC_ERR_STATE);
  CHECK_EQ_INT(tc_chat_provide_failed(&W.chat, TC_ERR_AUTH), TC_ERR_STATE);
  w_step(&W);
  CHECK_EQ_INT(W.nev, nev);
  CHECK(!tc_chat_session(&W.chat).has_token);
  /* and the chat is usable: the next send asks again */
  CHECK_EQ_INT(tc_chat_send_text(&W.chat, "hi", 2, NULL), TC_OK);
  CHECK_EQ_INT(W.starts, 2);
  CHECK_EQ_INT(tc_chat_provide_session(&W.chat, TOK1, strlen(TOK1), false), TC_OK);
  w_step(&W);
  w_take_req(&W);
  CHECK(starts(W.req_text, "POST /realtime/v1/sessions/c1/in/append"));
}

/* An answer 1 ms before the deadline counts; a token refresh (after a 401)
 * is timed the same way, with a configured provider_ms. */
static void test_provider_answers_just_before(void)
{
  w_init(&W, NULL);
  W.cfg.provider_ms = 5000;
  {
    tc_transport_t o = { &fake_net_ops, &W.out }, q = { &fake_net_ops, &W.req };
    CHECK_EQ_INT(tc_chat_init(&W.chat, &W.cfg, "c1", o, q, &W.bufs), TC_OK);
  }
  w_step(&W);
  CHECK_EQ_INT(tc_chat_send_text(&W.chat, "hi", 2, NULL), TC_OK);
  w_step(&W);
  w_advance(&W, 4999);
  CHECK_EQ_INT(tc_chat_provide_session(&W.chat, TOK1, strlen(TOK1), false), TC_OK);
  w_step(&W);
  w_take_req(&W);
  CHECK(starts(W.req_text, "POST /realtime/v1/sessions/c1/in/append"));
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_AUTH_FAILED), 0);
  w_advance(&W, 10000); /* no timer left behind */
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_AUTH_FAILED), 0);
  /* a 401: the refresh is asked and times out after 5 s */
  fake_reply(&W.req, json_resp(401, "{}"));
  w_step(&W);
  CHECK_EQ_INT(W.tokens, 1);
  CHECK_EQ_INT(tc_chat_next_deadline(&W.chat), W.now + 5000);
  w_advance(&W, 5000);
  CHECK_EQ_INT(w_last(&W, TC_CHAT_EV_AUTH_FAILED)->err, TC_ERR_TIMEOUT);
  CHECK_EQ_INT(w_last(&W, TC_CHAT_EV_MESSAGE_SEND_FAILED)->err, TC_ERR_TIMEOUT);
  CHECK_EQ_INT(tc_chat_provide_token(&W.chat, TOK2, strlen(TOK2)), TC_ERR_STATE);
  CHECK_EQ_INT(tc_chat_state(&W.chat), TC_CHAT_IDLE); /* TOK1 kept */
}

/* The session closes (an append's 409) while .out's token question is out:
 * terminal, so the question is withdrawn: no AUTH_FAILED (timeout) after
 * the close, no deadline left, and the answer is TC_ERR_STATE. */
static void test_close_withdraws_the_question(void)
{
  streaming_turn(0);
  W.out.fail_after = TC_ERR_NET_RESET;
  w_step(&W);
  w_advance(&W, 1000);
  fake_reply(&W.out, json_resp(401, "{}"));
  w_step(&W);
  CHECK_EQ_INT(W.tokens, 1);
  CHECK_EQ_INT(tc_chat_steer_text(&W.chat, "x", 1, NULL), TC_OK);
  w_step(&W);
  fake_reply(&W.req, json_resp(409, "{\"ok\":false,\"code\":\"session_closed\",\"closedReason\":\"r\"}"));
  w_step(&W);
  CHECK_EQ_INT(tc_chat_state(&W.chat), TC_CHAT_CLOSED);
  w_advance(&W, 60000);
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_AUTH_FAILED), 0);
  CHECK_EQ_INT(tc_chat_next_deadline(&W.chat), UINT64_MAX);
  CHECK_EQ_INT(tc_chat_provide_token(&W.chat, TOK2, strlen(TOK2)), TC_ERR_STATE);
}

/* A provider_ms above 2^31 - 1 ms is refused like the other times. */
static void test_provider_ms_bound(void)
{
  tc_transport_t o = { &fake_net_ops, &W.out }, q = { &fake_net_ops, &W.req };
  w_init(&W, NULL);
  W.cfg.provider_ms = 0x80000000u;
  CHECK_EQ_INT(tc_chat_init(&W.chat, &W.cfg, "c1", o, q, &W.bufs), TC_ERR_CONFIG);
}

/* ------------------------------------------------------------ 5. undecodable batch */

/* A batch whose framing the decoder cannot get past fails the attempt; .out
 * reconnects from the cursor at the backoff, forever (the same batch comes
 * again), and each failed attempt is told (STREAM_DECODE_ERROR with the
 * decoder's error) so the app can count them. A drop is not. */
static void test_undecodable_batch_reported_each_attempt(void)
{
  static const char bad[] = "event: batch\ndata: {\"records\":[{\"seq_num\":\"x\"}]}\n\n";
  streaming_turn(0);
  feed_data(3, DELTA("a"), "e1");
  for (int i = 1; i <= 6; i++) {
    fake_reply(&W.out, bad);
    w_step(&W);
    CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_STREAM_DECODE_ERROR), i);
    CHECK_EQ_INT(w_last(&W, TC_CHAT_EV_STREAM_DECODE_ERROR)->err, TC_ERR_SEQ_NUM);
    w_advance(&W, 5000); /* the backoff (capped at 5 s) */
    CHECK_EQ_INT(W.out.opens, i + 1);
    w_take_out(&W);
    CHECK_EQ_STR(w_header(&W, "Last-Event-ID"), "3");
    fake_reply(&W.out, sse_head(false));
    w_step(&W);
  }
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_STREAM_ERROR), 0);
  CHECK_EQ_INT(tc_chat_state(&W.chat), TC_CHAT_STREAMING);
  /* a drop: reconnects, nothing told */
  W.out.fail_after = TC_ERR_NET_RESET;
  w_step(&W);
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_STREAM_DECODE_ERROR), 6);
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_STREAM_ERROR), 0);
}

/* ------------------------------------------------------------ 6. deinit */

/* deinit with an append in flight ends it without MESSAGE_SENT or
 * MESSAGE_SEND_FAILED (its outcome is unknown; tc_chat.h): the only event
 * is the pending record's SESSION_CHANGED. */
static void test_deinit_ends_a_send_without_an_event(void)
{
  streaming_turn(0);
  CHECK_EQ_INT(tc_chat_steer_text(&W.chat, "x", 1, NULL), TC_OK);
  w_step(&W);
  W.nev = 0;
  tc_chat_deinit(&W.chat);
  for (int i = 0; i < W.nev; i++) CHECK_EQ_INT(W.ev[i].type, TC_CHAT_EV_SESSION_CHANGED);
  CHECK(!W.req.connected);
}

int main(void)
{
  RUN(test_stray_bytes_on_idle_connection_not_taken_as_answer);
  RUN(test_bytes_in_hand_after_answer_not_reused);
  RUN(test_bytes_with_answer_close_it);
  RUN(test_bytes_after_chunked_answer_not_reused);
  RUN(test_idle_close_seen_before_writing);
  RUN(test_tls_failure_at_open_is_retried);
  RUN(test_tls_failure_at_provider_open_is_retried);
  RUN(test_connect_timeout_follows_config);
  RUN(test_colliding_hosts_do_not_share_a_connection);
  RUN(test_provider_never_answers);
  RUN(test_provider_answers_just_before);
  RUN(test_close_withdraws_the_question);
  RUN(test_provider_ms_bound);
  RUN(test_undecodable_batch_reported_each_attempt);
  RUN(test_deinit_ends_a_send_without_an_event);
  return tc_test_finish("chat_conn");
}

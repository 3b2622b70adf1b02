/*
 * test_review9_req.c — session 9's fresh-eyes review of the request side
 * (chat_send.c, chat_req.c, chat_conn.c): each test proves one finding (it
 * failed before its fix) or pins a contract checked on the way.
 */
#include <stdio.h>
#include <string.h>

#include "chat_fake.c"
#include "chat_scn.c"
#include "tc_test.h"

/* The X-Part-Id of the append just taken (static copy). */
static const char *part_of_last_append(void)
{
  static char id[64];
  snprintf(id, sizeof id, "%s", w_header(&W, "X-Part-Id"));
  return id;
}

/* Answers every attempt of the send under way with 503 until it gives up
 * (MESSAGE_SEND_FAILED); *part gets its X-Part-Id. */
static void fail_send_with_503s(char part[64])
{
  int tries = 0, failed = w_count(&W, TC_CHAT_EV_MESSAGE_SEND_FAILED);
  while (w_count(&W, TC_CHAT_EV_MESSAGE_SEND_FAILED) == failed && tries++ < 20) {
    w_step(&W);
    if (W.req.sent_len) {
      w_take_req(&W);
      snprintf(part, 64, "%s", part_of_last_append());
      fake_reply(&W.req, json_resp(503, "{\"ok\":false}"));
    }
    w_advance(&W, 5000);
  }
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_MESSAGE_SEND_FAILED), failed + 1);
}

/* The agent asks three approvals in one assistant message (parallel tool
 * calls; the chat remembers TC_CHAT_TOOLS_MAX = 2, so the third takes the
 * first one's slot). The first approval's send fails after attempts that
 * may have reached the server: its part id stays in the record for a
 * resend of the same answer. The third approval is another answer (another
 * approval id and tool call in its body): it must not go out under the
 * first one's X-Part-Id, or the server's dedupe (5 minutes, by part id)
 * drops it as a copy of the first when that one did arrive, and the agent
 * waits for ever for an approval the app saw sent (MESSAGE_SENT). */
static void test_other_approval_same_slot_gets_a_new_part_id(void)
{
  sse_b_t s;
  char first[64] = "", third[64];
  streaming_turn(0);
  sse_begin(&s);
  sse_data(&s, 1, "{\"type\":\"start\",\"messageId\":\"asst_1\"}", "a1");
  sse_data(&s, 2, "{\"type\":\"tool-input-start\",\"toolCallId\":\"call_1\",\"toolName\":\"sendEmail\"}", "a2");
  sse_data(&s, 3, "{\"type\":\"tool-approval-request\",\"approvalId\":\"appr_1\",\"toolCallId\":\"call_1\"}", "a3");
  sse_data(&s, 4, "{\"type\":\"tool-input-start\",\"toolCallId\":\"call_2\",\"toolName\":\"sendEmail\"}", "a4");
  sse_data(&s, 5, "{\"type\":\"tool-approval-request\",\"approvalId\":\"appr_2\",\"toolCallId\":\"call_2\"}", "a5");
  scn_feed_batch(&s);
  CHECK_EQ_INT(tc_chat_answer_approval(&W.chat, "appr_1", true, NULL), TC_OK);
  fail_send_with_503s(first);
  CHECK_EQ_INT(strlen(first), 36);
  sse_begin(&s);
  sse_data(&s, 6, "{\"type\":\"tool-input-start\",\"toolCallId\":\"call_3\",\"toolName\":\"sendEmail\"}", "a6");
  sse_data(&s, 7, "{\"type\":\"tool-approval-request\",\"approvalId\":\"appr_3\",\"toolCallId\":\"call_3\"}", "a7");
  scn_feed_batch(&s);
  CHECK_EQ_INT(tc_chat_answer_approval(&W.chat, "appr_3", true, NULL), TC_OK);
  w_step(&W);
  w_take_req(&W);
  CHECK(w_has(&W, "\"approval\":{\"id\":\"appr_3\",\"approved\":true}"));
  snprintf(third, sizeof third, "%s", part_of_last_append());
  CHECK_EQ_INT(strlen(third), 36);
  CHECK(strcmp(third, first) != 0);
}

/* The other side of the same rule: the same approval answered again after
 * a failed send is the same content, and reuses the part id. */
static void test_same_approval_again_keeps_the_part_id(void)
{
  sse_b_t s;
  char first[64] = "";
  streaming_turn(0);
  sse_begin(&s);
  sse_data(&s, 1, "{\"type\":\"start\",\"messageId\":\"asst_1\"}", "a1");
  sse_data(&s, 2, "{\"type\":\"tool-input-start\",\"toolCallId\":\"call_1\",\"toolName\":\"sendEmail\"}", "a2");
  sse_data(&s, 3, "{\"type\":\"tool-approval-request\",\"approvalId\":\"appr_1\",\"toolCallId\":\"call_1\"}", "a3");
  scn_feed_batch(&s);
  CHECK_EQ_INT(tc_chat_answer_approval(&W.chat, "appr_1", false, "no"), TC_OK);
  fail_send_with_503s(first);
  CHECK_EQ_INT(tc_chat_answer_approval(&W.chat, "appr_1", false, "no"), TC_OK);
  w_step(&W);
  w_take_req(&W);
  CHECK_EQ_STR(part_of_last_append(), first);
}

/* §6.3: a 404 on an append starts the session again and retries once.
 * Here the 404 comes while a token question is already out (.out got a
 * 401 and asked access_token): that question's answer is a token for the
 * gone session, not a new session. The append retried with it meets the
 * same 404; the session must then be started (4.8.3's recreateSession
 * always calls startSession), not the send failed with TC_ERR_NOT_FOUND. */
static void test_404_while_token_question_out_still_starts_the_session(void)
{
  streaming_turn(0);
  feed_data(1, DELTA("a"), "e1");
  W.out.fail_after = TC_ERR_NET_RESET;
  w_step(&W);
  w_advance(&W, 1000);
  fake_reply(&W.out, json_resp(401, "{}"));
  w_step(&W);
  CHECK_EQ_INT(W.tokens, 1); /* asked, not answered yet */
  CHECK_EQ_INT(W.starts, 1);
  CHECK_EQ_INT(tc_chat_send_text(&W.chat, "again", 5, NULL), TC_OK);
  w_step(&W);
  w_take_req(&W);
  CHECK(starts(W.req_text, "POST /realtime/v1/sessions/c1/in/append"));
  fake_reply(&W.req, json_resp(404, "{\"error\":\"Resource not found\"}"));
  w_step(&W);
  CHECK_EQ_INT(tc_chat_provide_token(&W.chat, TOK2, strlen(TOK2)), TC_OK);
  w_step(&W);
  if (W.req.sent_len) { /* the append retried with the refreshed token */
    w_take_req(&W);
    fake_reply(&W.req, json_resp(404, "{\"error\":\"Resource not found\"}"));
    w_step(&W);
  }
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_MESSAGE_SEND_FAILED), 0);
  CHECK_EQ_INT(W.starts, 2); /* the session is started again */
  CHECK_EQ_INT(tc_chat_provide_session(&W.chat, TOK1, strlen(TOK1), false), TC_OK);
  w_step(&W);
  w_take_req(&W);
  CHECK(starts(W.req_text, "POST /realtime/v1/sessions/c1/in/append"));
  w_append_ok(&W, 0);
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_MESSAGE_SENT), 2);
}

/* The largest text whose body fits (all but TC_CHAT_ANSWER_MIN bytes of
 * the request buffer; one byte more is TC_ERR_NOSPACE and changes
 * nothing) goes out whole with a correct Content-Length; its answer comes
 * after a 100 Continue, one byte per read, and is read whole (seq); the
 * connection is kept and the next append goes out on it. */
static void test_body_filling_the_buffer_answered_in_one_byte_pieces(void)
{
  static char text[TC_CHAT_REQUEST_MAX];
  size_t n = 0;
  char cl[24];
  const char *body;
  first_turn_done();
  memset(text, 'a', sizeof text);
  for (size_t len = sizeof text - 1; len > 0; len--)
    if (tc_chat_send_text(&W.chat, text, len, NULL) == TC_OK) {
      n = len;
      break;
    }
  CHECK(n > 0);
  w_step(&W);
  w_take_req(&W);
  body = strstr(W.req_text, "\r\n\r\n");
  CHECK(body != NULL);
  if (body == NULL) return;
  body += 4;
  CHECK_EQ_INT(strlen(body), TC_CHAT_REQUEST_MAX - TC_CHAT_ANSWER_MIN);
  snprintf(cl, sizeof cl, "%lu", (unsigned long)strlen(body));
  CHECK_EQ_STR(w_header(&W, "Content-Length"), cl);
  W.req.recv_max = 1;
  fake_reply(&W.req, "HTTP/1.1 100 Continue\r\n\r\n");
  fake_reply(&W.req, json_resp(200, "{\"ok\":true,\"seq\":7}"));
  for (int i = 0; i < 20 && w_count(&W, TC_CHAT_EV_MESSAGE_SENT) < 2; i++) w_step(&W);
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_MESSAGE_SENT), 2);
  CHECK_EQ_INT(w_last(&W, TC_CHAT_EV_MESSAGE_SENT)->input_seq, 7);
  CHECK_EQ_INT(tc_chat_send_text(&W.chat, text, n + 1, NULL), TC_ERR_NOSPACE);
  CHECK_EQ_INT(tc_chat_steer_text(&W.chat, "x", 1, NULL), TC_OK);
  w_step(&W);
  CHECK_EQ_INT(W.req.opens, 1);
  w_take_req(&W);
  CHECK(starts(W.req_text, "POST /realtime/v1/sessions/c1/in/append"));
}

/* An append answer without Content-Length (delimited by the close) is read
 * to its end; the next request opens a fresh connection. */
static void test_close_delimited_answer_then_fresh_connection(void)
{
  first_turn_done();
  CHECK_EQ_INT(tc_chat_steer_text(&W.chat, "x", 1, NULL), TC_OK);
  w_step(&W);
  w_take_req(&W);
  fake_reply(&W.req, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n{\"ok\":true,\"seq\":3}");
  w_step(&W);
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_MESSAGE_SENT), 1); /* (the close is not here yet) */
  fake_eof(&W.req);
  w_step(&W);
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_MESSAGE_SENT), 2);
  CHECK_EQ_INT(w_last(&W, TC_CHAT_EV_MESSAGE_SENT)->input_seq, 3);
  CHECK_EQ_INT(tc_chat_steer_text(&W.chat, "y", 1, NULL), TC_OK);
  w_step(&W);
  CHECK_EQ_INT(W.req.opens, 2);
}

/* A long message (a body over 512 bytes with the default buffer) leaves
 * less than TC_HTTP_LINE_MAX for the answer's header lines (half of what
 * is left after the body). The server appends it and answers 200 with one
 * header line longer than that (a 300-byte Report-To, a cookie): the 200
 * is the server's word that the record is durable. Before, the send was
 * retried (the server's dedupe answered 200 again, with the same header)
 * and failed (TC_ERR_HTTP_HEADER_TOO_LONG), although delivered, and .out
 * never opened for its answer. A 2xx whose header lines the buffer cannot
 * hold is a success without seq, as a garbled 2xx answer is. */
static void test_long_message_200_with_a_long_header_line_is_sent(void)
{
  static char text[801], resp[1200];
  char hdr[301];
  first_turn_done();
  memset(text, 'a', sizeof text - 1);
  memset(hdr, 'r', sizeof hdr - 1);
  hdr[sizeof hdr - 1] = '\0';
  snprintf(resp, sizeof resp,
           "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nReport-To: %s\r\nContent-Length: 20\r\n\r\n"
           "{\"ok\":true,\"seq\":9}", hdr);
  CHECK_EQ_INT(tc_chat_send_text(&W.chat, text, strlen(text), NULL), TC_OK);
  for (int i = 0; i < 10 && w_count(&W, TC_CHAT_EV_MESSAGE_SENT) + w_count(&W, TC_CHAT_EV_MESSAGE_SEND_FAILED) < 2; i++) {
    w_step(&W);
    if (W.req.sent_len) {
      w_take_req(&W);
      fake_reply(&W.req, resp);
      w_step(&W);
    }
    w_advance(&W, 5000);
  }
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_MESSAGE_SEND_FAILED), 0);
  CHECK_EQ_INT(w_last(&W, TC_CHAT_EV_MESSAGE_SEND_FAILED)->err, 0); /* (was TC_ERR_HTTP_HEADER_TOO_LONG) */
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_MESSAGE_SENT), 2);
  CHECK_EQ_INT(w_last(&W, TC_CHAT_EV_MESSAGE_SENT)->input_seq, -1);
  w_take_out(&W);
  CHECK(starts(W.req_text, "GET /realtime/v1/sessions/c1/out ")); /* its answer is read */
}

/* The server closed the kept-alive connection as the next append went out
 * on it: the append is sent again on a fresh connection, in the same pass
 * of the loop. Before, the fresh connection was opened and nothing written
 * until the next tc_chat_step, while next_deadline said the request's
 * timeout (30 s): a loop that sleeps until a socket is readable or that
 * deadline (a transport whose open connects at once, as the port contract
 * allows, gives no other event; a TLS server waits for the ClientHello)
 * sat 30 s, then timed the append out. */
static void test_resend_on_fresh_connection_goes_out_in_the_same_pass(void)
{
  first_turn_done();
  CHECK_EQ_INT(tc_chat_steer_text(&W.chat, "again", 5, NULL), TC_OK);
  w_step(&W);
  w_take_req(&W);
  CHECK(w_has(&W, "\"text\":\"again\"")); /* out on the kept-alive connection */
  fake_eof(&W.req);                         /* which the server had closed */
  w_step(&W);                               /* one pass: reads the close, reopens, sends */
  CHECK_EQ_INT(W.req.opens, 2);
  w_take_req(&W);
  CHECK(starts(W.req_text, "POST /realtime/v1/sessions/c1/in/append"));
  CHECK(w_has(&W, "\"text\":\"again\""));
  w_append_ok(&W, 1);
  CHECK_EQ_INT(w_last(&W, TC_CHAT_EV_MESSAGE_SENT)->input_seq, 1);
}

/* §4.7: close is {"kind":"message","payload":{"chatId","trigger":"close"}}
 * and nothing else (4.8.3 AgentChat.close() sends no metadata, although
 * its other sends carry clientData). cfg->client_data went into it. */
static void test_close_body_carries_no_client_data(void)
{
  w_init(&W, NULL);
  W.cfg.client_data = "{\"userId\":\"u1\"}";
  CHECK_EQ_INT(scn_init_chat(), TC_OK);
  w_session(&W);
  CHECK_EQ_INT(tc_chat_send_close(&W.chat), TC_OK);
  w_step(&W);
  w_take_req(&W);
  CHECK(w_has(&W, "\r\n\r\n{\"kind\":\"message\",\"payload\":{\"chatId\":\"c1\",\"trigger\":\"close\"}}"));
  w_append_ok(&W, 1);
  /* the other kinds do carry it (§4.1-§4.3) */
  CHECK_EQ_INT(tc_chat_send_action(&W.chat, "{\"type\":\"undo\"}", 15, "{\"a\":1}"), TC_OK);
  w_step(&W);
  w_take_req(&W);
  CHECK(w_has(&W, "\r\n\r\n{\"kind\":\"message\",\"payload\":{\"chatId\":\"c1\",\"trigger\":\"action\","
                  "\"action\":{\"type\":\"undo\"},\"metadata\":{\"userId\":\"u1\",\"a\":1}}}"));
}

/* ---- operations from inside the event callback */

static tc_chat_event_type_t g_on;   /* the event that triggers the call */
static int g_what;                  /* 1: send "next", 2: stop, 3: send "hi" again */
static tc_err_t g_ret;
static int g_calls;

static void reentrant_event(void *user, tc_chat_t *chat, const tc_chat_event_t *ev)
{
  w_event(user, chat, ev);
  if (ev->type != g_on || g_calls++) return;
  if (g_what == 1) g_ret = tc_chat_send_text(chat, "next", 4, NULL);
  else if (g_what == 2) g_ret = tc_chat_stop(chat);
  else g_ret = tc_chat_send_text(chat, "hi", 2, NULL);
}

static void reentrant_world(tc_chat_event_type_t on, int what)
{
  first_turn_done();
  g_on = on;
  g_what = what;
  g_ret = 1;
  g_calls = 0;
  W.cfg.on_event = reentrant_event;
}

/* MESSAGE_SENT's callback sends the next message: it goes out (the event
 * carries a copy of the ended send; the request buffer is free). */
static void test_send_from_message_sent_callback(void)
{
  char first[64];
  reentrant_world(TC_CHAT_EV_MESSAGE_SENT, 1);
  CHECK_EQ_INT(tc_chat_send_text(&W.chat, "hi", 2, NULL), TC_OK);
  w_step(&W);
  w_take_req(&W);
  snprintf(first, sizeof first, "%s", part_of_last_append());
  w_append_ok(&W, 1);
  CHECK_EQ_INT(g_ret, TC_OK);
  w_take_req(&W);
  CHECK(starts(W.req_text, "POST /realtime/v1/sessions/c1/in/append"));
  CHECK(w_has(&W, "\"text\":\"next\""));
  CHECK(strcmp(part_of_last_append(), first) != 0);
  w_append_ok(&W, 2);
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_MESSAGE_SENT), 3);
  CHECK_EQ_INT(w_last(&W, TC_CHAT_EV_MESSAGE_SENT)->input_seq, 2);
}

/* MESSAGE_SEND_FAILED's callback sends the same message again: same part
 * id (the record kept it), and it goes out. */
static void test_resend_from_send_failed_callback(void)
{
  char first[64] = "";
  reentrant_world(TC_CHAT_EV_MESSAGE_SEND_FAILED, 3);
  CHECK_EQ_INT(tc_chat_send_text(&W.chat, "hi", 2, NULL), TC_OK);
  fail_send_with_503s(first);
  CHECK_EQ_INT(g_ret, TC_OK);
  w_step(&W);
  w_take_req(&W);
  CHECK_EQ_STR(part_of_last_append(), first);
  w_append_ok(&W, 1);
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_MESSAGE_SENT), 2);
}

/* A stop from RUN_PENDING_VERSION's callback (the append's answer said
 * pendingVersion, the send has not ended yet) is TC_ERR_BUSY, and the
 * send still ends in one MESSAGE_SENT. */
static void test_stop_from_pending_version_callback_is_busy(void)
{
  reentrant_world(TC_CHAT_EV_RUN_PENDING_VERSION, 2);
  CHECK_EQ_INT(tc_chat_send_text(&W.chat, "hi", 2, NULL), TC_OK);
  w_step(&W);
  w_take_req(&W);
  fake_reply(&W.req, json_resp(200, "{\"ok\":true,\"seq\":4,\"pendingVersion\":true}"));
  w_step(&W);
  CHECK_EQ_INT(g_ret, TC_ERR_BUSY);
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_MESSAGE_SENT), 2);
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_MESSAGE_SEND_FAILED), 0);
}

/* A send from SESSION_CLOSED's callback (the append's 409) is refused
 * (TC_ERR_SESSION_CLOSED) and nothing goes out after it. */
static void test_send_from_session_closed_callback_refused(void)
{
  reentrant_world(TC_CHAT_EV_SESSION_CLOSED, 1);
  CHECK_EQ_INT(tc_chat_send_text(&W.chat, "hi", 2, NULL), TC_OK);
  w_step(&W);
  w_take_req(&W);
  fake_reply(&W.req, json_resp(409, "{\"ok\":false,\"code\":\"session_closed\",\"closedReason\":null}"));
  w_step(&W);
  CHECK_EQ_INT(g_ret, TC_ERR_SESSION_CLOSED);
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_MESSAGE_SEND_FAILED), 1);
  w_advance(&W, 60000);
  CHECK_EQ_INT(W.req.sent_len, 0);
}

/* The same long message answered 401 with a long header line (a
 * WWW-Authenticate): the token is refreshed and the append retried (§6.3);
 * before, the attempt failed on the line, was retried as a network failure
 * until the budget ran out, and no refresh was asked. */
static void test_long_message_401_with_a_long_header_line_refreshes(void)
{
  static char text[801], resp[1200];
  char hdr[301];
  first_turn_done();
  memset(text, 'a', sizeof text - 1);
  memset(hdr, 'r', sizeof hdr - 1);
  hdr[sizeof hdr - 1] = '\0';
  snprintf(resp, sizeof resp,
           "HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\nWWW-Authenticate: Bearer %s\r\n"
           "Content-Length: 2\r\n\r\n{}", hdr);
  W.auto_token = TOK2;
  CHECK_EQ_INT(tc_chat_send_text(&W.chat, text, strlen(text), NULL), TC_OK);
  w_step(&W);
  w_take_req(&W);
  fake_reply(&W.req, resp);
  w_step(&W);
  CHECK_EQ_INT(W.tokens, 1);
  w_take_req(&W);
  CHECK(starts(W.req_text, "POST /realtime/v1/sessions/c1/in/append"));
  CHECK(w_has(&W, TOK2));
  w_append_ok(&W, 3);
  CHECK_EQ_INT(w_last(&W, TC_CHAT_EV_MESSAGE_SENT)->input_seq, 3);
}

/* backoff.send_retries is a uint8_t: at its largest (255) an append is
 * tried 256 times, then fails. Before, the count (a uint8_t too) wrapped
 * to 0 at the 256th retry and the send never ended: every operation
 * TC_ERR_BUSY for good. */
static void test_send_retries_255_ends(void)
{
  int attempts = 0;
  w_init(&W, NULL);
  W.cfg.backoff.send_retries = 255;
  W.cfg.backoff.max_ms = 1000;
  CHECK_EQ_INT(scn_init_chat(), TC_OK);
  w_session(&W);
  CHECK_EQ_INT(tc_chat_steer_text(&W.chat, "x", 1, NULL), TC_OK);
  for (int i = 0; i < 300 && w_count(&W, TC_CHAT_EV_MESSAGE_SEND_FAILED) == 0; i++) {
    w_step(&W);
    if (W.req.sent_len) {
      attempts++;
      w_take_req(&W);
      fake_reply(&W.req, json_resp(503, "{}"));
      w_step(&W);
    }
    w_advance(&W, 1000);
  }
  CHECK_EQ_INT(attempts, 256);
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_MESSAGE_SEND_FAILED), 1);
}

/* ---- a token adopted while a request waits to be written */

/* A request transport whose send says "still connecting" (0) while
 * g_connecting is set (a TLS handshake under way). */
static bool g_connecting;
static int32_t slow_send(void *ctx, const uint8_t *buf, size_t len)
{
  return g_connecting ? 0 : fake_net_ops.send(ctx, buf, len);
}
static tc_transport_ops_t slow_ops;

/* A token a third longer or shorter than TOK1 (JWT characters). */
#define TOK_LONG TOK2 "LongerSignaturePart"
#define TOK_SHORT "eyJhbGciOiJIUzI1NiJ9.eyJleHAiOjE3NjE4MjcyMDB9.s"

/* The steer's append is queued on a connection still handshaking when the
 * turn-complete of the turn it steers carries a new token (§6.11 c). The
 * Authorization header then goes out with one token, whole: the new one
 * (it was adopted before a byte of the header was written). Before, the
 * segment kept the old token's length over the new token's bytes: a
 * longer token went out cut, a shorter one with the old one's tail. */
static void token_adopted_while_connecting(const char *tok)
{
  tc_transport_t o = { &fake_net_ops, &W.out }, q = { &slow_ops, &W.req };
  char want[1024];
  slow_ops = fake_net_ops;
  slow_ops.send = slow_send;
  g_connecting = false;
  w_init(&W, NULL);
  CHECK_EQ_INT(tc_chat_init(&W.chat, &W.cfg, "c1", o, q, &W.bufs), TC_OK);
  w_session(&W);
  scn_next_turn_streams(0);
  feed_data(1, DELTA("a"), "e1");
  g_connecting = true;
  CHECK_EQ_INT(tc_chat_steer_text(&W.chat, "x", 1, NULL), TC_OK);
  w_step(&W);
  CHECK_EQ_INT(W.req.sent_len, 0); /* queued, not written */
  snprintf(want, sizeof want, "[[\"trigger-control\",\"turn-complete\"],[\"public-access-token\",\"%s\"],"
           "[\"session-in-event-id\",\"0\"]]", tok);
  feed_control(2, want);
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_TURN_COMPLETE), 1);
  g_connecting = false;
  w_step(&W);
  w_take_req(&W);
  CHECK(starts(W.req_text, "POST /realtime/v1/sessions/c1/in/append"));
  snprintf(want, sizeof want, "Bearer %s", tok);
  CHECK_EQ_STR(w_header(&W, "Authorization"), want);
  CHECK(w_has(&W, "\r\n\r\n{\"kind\":\"message\"")); /* the body follows the blank line */
  w_append_ok(&W, 1);
  CHECK_EQ_INT(w_last(&W, TC_CHAT_EV_MESSAGE_SENT)->input_seq, 1);
}

static void test_longer_token_adopted_while_connecting(void) { token_adopted_while_connecting(TOK_LONG); }
static void test_shorter_token_adopted_while_connecting(void) { token_adopted_while_connecting(TOK_SHORT); }

/* The same bound for a built-in provider's request (BACKEND's session
 * start, answered 503 every time): 256 attempts, then AUTH_FAILED and the
 * send waiting for it fails. Before, the count wrapped and it was asked
 * for ever. */
static void test_provider_retries_255_ends(void)
{
  int attempts = 0;
  w_init(&W, NULL);
  W.cfg.backoff.send_retries = 255;
  W.cfg.backoff.max_ms = 1000;
  backend_world();
  w_step(&W);
  CHECK_EQ_INT(tc_chat_send_text(&W.chat, "hi", 2, NULL), TC_OK);
  for (int i = 0; i < 300 && w_count(&W, TC_CHAT_EV_MESSAGE_SEND_FAILED) == 0; i++) {
    w_step(&W);
    if (W.req.sent_len) {
      attempts++;
      w_take_req(&W);
      CHECK(starts(W.req_text, "POST /api/chat/start"));
      fake_reply(&W.req, json_resp(503, "{}"));
      w_step(&W);
    }
    w_advance(&W, 1000);
  }
  CHECK_EQ_INT(attempts, 256);
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_AUTH_FAILED), 1);
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_MESSAGE_SEND_FAILED), 1);
}

int main(void)
{
  RUN(test_provider_retries_255_ends);
  RUN(test_longer_token_adopted_while_connecting);
  RUN(test_shorter_token_adopted_while_connecting);
  RUN(test_send_retries_255_ends);
  RUN(test_long_message_401_with_a_long_header_line_refreshes);
  RUN(test_send_from_message_sent_callback);
  RUN(test_resend_from_send_failed_callback);
  RUN(test_stop_from_pending_version_callback_is_busy);
  RUN(test_send_from_session_closed_callback_refused);
  RUN(test_close_body_carries_no_client_data);
  RUN(test_resend_on_fresh_connection_goes_out_in_the_same_pass);
  RUN(test_long_message_200_with_a_long_header_line_is_sent);
  RUN(test_body_filling_the_buffer_answered_in_one_byte_pieces);
  RUN(test_close_delimited_answer_then_fresh_connection);
  RUN(test_404_while_token_question_out_still_starts_the_session);
  RUN(test_same_approval_again_keeps_the_part_id);
  RUN(test_other_approval_same_slot_gets_a_new_part_id);
  return tc_test_finish("review9_req");
}

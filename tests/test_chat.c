/*
 * test_chat.c — protocol.md §8 scenarios 1-23 against a scripted transport
 * and a fake clock (tests/chat_fake.c). Each test asserts the wire bytes the
 * client sends and the events it reports.
 */
#include <stdio.h>
#include <string.h>

#include "chat_fake.c"
#include "tc_test.h"

static world_t W;

static bool is_uuid4(const char *s)
{
  if (strlen(s) != 36 || s[14] != '4' || !strchr("89ab", s[19])) return false;
  for (int i = 0; i < 36; i++) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? s[i] != '-' : !strchr("0123456789abcdef", s[i])) return false;
  }
  return true;
}

/* A typical turn: start..finish, then turn-complete(seq tc, sie) and a trim. */
static const char *turn_batch(uint64_t first, uint64_t sie)
{
  static sse_b_t s;
  char h[200];
  sse_begin(&s);
  sse_data(&s, first, "{\"type\":\"start\",\"messageId\":\"m_1\"}", "e1");
  sse_data(&s, first + 1, "{\"type\":\"text-start\",\"id\":\"t0\"}", "e2");
  sse_data(&s, first + 2, "{\"type\":\"text-delta\",\"id\":\"t0\",\"delta\":\"Hel\"}", "e3");
  sse_data(&s, first + 3, "{\"type\":\"text-end\",\"id\":\"t0\"}", "e4");
  sse_data(&s, first + 4, "{\"type\":\"finish\",\"finishReason\":\"stop\"}", "e5");
  snprintf(h, sizeof h, "[[\"trigger-control\",\"turn-complete\"],[\"session-in-event-id\",\"%llu\"]]",
           (unsigned long long)sie);
  sse_control(&s, first + 5, h);
  sse_trim(&s, first + 6);
  return sse_end(&s);
}

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
  CHECK(strncmp(W.req_text, "POST /realtime/v1/sessions/c1/in/append HTTP/1.1\r\nHost: api.example.com\r\n", 73) == 0);
  CHECK_EQ_STR(w_header(&W, "Authorization"), "Bearer " TOK1);
  CHECK_EQ_STR(w_header(&W, "Content-Type"), "application/json");
  CHECK_EQ_STR(w_header(&W, "x-trigger-source"), "sdk");
  CHECK(is_uuid4(w_header(&W, "X-Part-Id")));
  CHECK(w_has(&W, "\r\n\r\n{\"kind\":\"message\",\"payload\":{\"message\":{\"id\":\""));
  CHECK(w_has(&W, "\",\"role\":\"user\",\"parts\":[{\"type\":\"text\",\"text\":\"hi\"}]},\"chatId\":\"c1\",\"trigger\":\"submit-message\"}}"));
  {
    const char *body = strstr(W.req_text, "\r\n\r\n") + 4;
    char cl[24];
    snprintf(cl, sizeof cl, "%zu", strlen(body));
    CHECK_EQ_STR(w_header(&W, "Content-Length"), cl);
  }
  W.out.sent_len = 0;
  w_append_ok(&W, 0);
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_MESSAGE_SENT), 1);
  CHECK_EQ_INT(w_last(&W, TC_CHAT_EV_MESSAGE_SENT)->input_seq, 0);
  w_take_out(&W);
  CHECK(strncmp(W.req_text, "GET /realtime/v1/sessions/c1/out HTTP/1.1\r\n", 43) == 0);
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

int main(void)
{
  RUN(test_s01_create_and_first_turn);
  return tc_test_finish("chat");
}

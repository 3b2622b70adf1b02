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
  {
    tc_transport_t o = { &fake_net_ops, &W.out }, q = { &fake_net_ops, &W.req };
    tc_chat_init(&W.chat, &W.cfg, "c1", o, q, &W.bufs);
  }
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
  fake_eof(&W.out);
  w_step(&W);
  w_advance(&W, 1000);
  w_take_out(&W);
  fake_reply(&W.out, json_resp(401, "{\"error\":\"expired\"}"));
  w_step(&W);
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

int main(void)
{
  RUN(test_closed_before_a_token_does_not_spin);
  RUN(test_refresh_due_after_close_does_not_spin);
  RUN(test_refresh_due_while_a_token_question_is_out_does_not_spin);
  RUN(test_closed_by_append_while_out_waits_stops_reconnecting);
  return tc_test_finish("chat_out");
}

/*
 * test_review9_boards.c — session 9 review of the board code (boards/esp32,
 * boards/stm32, boards/qemu/net) and of what its loops rely on: what a
 * firmware loop that sleeps on its sockets (select/poll, docs/porting.md
 * "How an event loop sleeps", tc_esp32_wait) needs from tc_chat_step.
 */
#include <stdio.h>
#include <string.h>

#include "chat_fake.c"
#include "chat_scn.c"
#include "tc_test.h"

/* The server closes the idle kept-alive request connection (Node after 5 s,
 * tools/sim too; a proxy after its own idle time) while a turn streams: its
 * socket is readable (the FIN) from then on. A loop that sleeps in
 * select/poll with every open socket in the read set (docs/porting.md,
 * tc_esp32_wait) wakes at once each time, and if the step leaves that
 * connection open, it never sleeps again until the next request: the chat
 * task spins (on a single-core ESP32-C3 it starves the idle task). The step
 * that sees the close closes the connection, as the next request would. */
static void test_idle_close_while_streaming_closes_the_connection(void)
{
  streaming_turn(1);
  CHECK(W.req.connected); /* the append's connection, kept alive */
  CHECK_EQ_INT(W.req.closes, 0);
  fake_eof(&W.req);       /* the server's idle close */
  w_step(&W);
  CHECK(!W.req.connected);
  CHECK_EQ_INT(W.req.closes, 1);
  /* no event of it (as when the next request finds it) */
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_STREAM_ERROR), 0);
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_MESSAGE_SEND_FAILED), 0);
  /* the turn reads on, and the next request opens a fresh connection */
  feed_data(2, DELTA("ok"), "e1");
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_TEXT), 1);
  CHECK_EQ_INT(tc_chat_steer_text(&W.chat, "x", 1, NULL), TC_OK);
  w_step(&W);
  CHECK_EQ_INT(W.req.opens, 2);
  w_append_ok(&W, 2);
  CHECK_EQ_INT(w_last(&W, TC_CHAT_EV_MESSAGE_SENT)->input_seq, 2);
}

/* The same between turns (the device idles for hours): the closed
 * connection is closed by the step, so the loop can sleep. */
static void test_idle_close_between_turns_closes_the_connection(void)
{
  first_turn_done();
  CHECK_EQ_INT(tc_chat_state(&W.chat), TC_CHAT_IDLE);
  CHECK(W.req.connected);
  fake_eof(&W.req);
  w_step(&W);
  CHECK(!W.req.connected);
  CHECK_EQ_INT(W.req.closes, 1);
  CHECK_EQ_INT(tc_chat_next_deadline(&W.chat) > W.now, true);
}

/* Bytes nobody asked for on the idle connection (a stray response) are no
 * answer: the connection is closed as well, not left readable. */
static void test_idle_bytes_close_the_connection(void)
{
  first_turn_done();
  fake_reply(&W.req, "HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
  w_step(&W);
  CHECK(!W.req.connected);
  CHECK_EQ_INT(W.req.closes, 1);
}

/* A quiet idle connection stays kept (the check reads nothing from it). */
static void test_quiet_idle_connection_is_kept(void)
{
  first_turn_done();
  w_step(&W);
  w_advance(&W, 1000);
  w_step(&W);
  CHECK(W.req.connected);
  CHECK_EQ_INT(W.req.closes, 0);
  CHECK_EQ_INT(tc_chat_send_text(&W.chat, "again", 5, NULL), TC_OK);
  w_step(&W);
  CHECK_EQ_INT(W.req.opens, 1); /* reused */
}

int main(void)
{
  RUN(test_idle_close_while_streaming_closes_the_connection);
  RUN(test_idle_close_between_turns_closes_the_connection);
  RUN(test_idle_bytes_close_the_connection);
  RUN(test_quiet_idle_connection_is_kept);
  return tc_test_finish("review9_boards");
}

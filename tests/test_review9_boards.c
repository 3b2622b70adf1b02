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
#include "tc_sentence.h"
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

/* ---- the ESP32 example's voice path (boards/esp32/examples/chat/main/main.c
 * with CONFIG_EXAMPLE_VOICE): text deltas go through tc_sentence, and only
 * whole sentences are spoken. The example's handler is not runnable here
 * (ESP-IDF); these replay the chat's real events through the two ways of
 * handling `replayed` to show why it feeds replayed text muted. */
static char g_spoken[256];
static size_t g_spoken_len;
static bool g_mute;

static void speak(void *user, const char *s, size_t n)
{
  (void)user;
  if (g_mute || g_spoken_len + n + 1 > sizeof g_spoken) return;
  memcpy(g_spoken + g_spoken_len, s, n);
  g_spoken_len += n;
  g_spoken[g_spoken_len++] = '|';
}

/* Feeds the TEXT events from index `from` on through a splitter, as the
 * example does (muted: replayed text fed with speech off; else dropped),
 * then flushes (turn end). */
static const char *speak_events(int from, bool muted)
{
  static char buf[128];
  tc_sentence_t sp;
  g_spoken_len = 0;
  CHECK_EQ_INT(tc_sentence_init(&sp, buf, sizeof buf, 80, speak, NULL), TC_OK);
  for (int i = from; i < W.nev; i++) {
    if (W.ev[i].type != TC_CHAT_EV_TEXT) continue;
    if (W.ev[i].replayed && !muted) continue;
    g_mute = W.ev[i].replayed;
    tc_sentence_feed(&sp, W.ev[i].text, W.ev[i].text_len);
    g_mute = false;
  }
  tc_sentence_flush(&sp);
  g_spoken[g_spoken_len] = '\0';
  return g_spoken;
}

/* A reset in the middle of a sentence, after a checkpoint recorded its
 * start as shown: that start never reached the speaker (the splitter held
 * it, waiting for the sentence's end). After the restore it comes again
 * marked replayed; dropping it speaks the sentence from its middle
 * ("nice today."), feeding it muted speaks it whole. */
static void test_voice_sentence_cut_by_a_reset_is_spoken_whole(void)
{
  int from;
  streaming_turn(1);
  feed_data(1, DELTA("It rained. The weather is"), "e1");
  w_advance(&W, 11000); /* a cursor checkpoint writes the delivered mark */
  w_step(&W);
  scn_reboot();         /* power cut: the splitter's RAM is gone */
  CHECK_EQ_INT(tc_chat_restore(&W.chat, NULL, 0), TC_OK);
  from = W.nev;
  CHECK_EQ_INT(tc_chat_resume(&W.chat), TC_OK);
  w_step(&W);
  w_take_out(&W);
  scn_out_streams();
  feed_data(1, DELTA("It rained. The weather is"), "e1");
  feed_data(2, DELTA(" nice today."), "e2");
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_TEXT) >= 2, true);
  /* "It rained." was spoken before the reset: not again; the cut sentence whole */
  CHECK_EQ_STR(speak_events(from, true), "The weather is nice today.|");
  CHECK_EQ_STR(speak_events(from, false), "nice today.|"); /* (the old handler) */
}

/* The ESP32 example's chat_ask cut a long prompt at PROMPT_MAX - 1 (255)
 * bytes wherever that fell: inside a UTF-8 character the send is refused
 * (TC_ERR_UTF8) and the prompt lost. Cut before the character, it goes. */
static void test_prompt_cut_inside_a_character_is_refused(void)
{
  char text[256];
  memset(text, 'a', 254);
  text[254] = (char)0xC3; /* the first byte of "\xC3\xA9" (e-acute): the 255-byte cut keeps only it */
  w_init(&W, "c1");
  w_session(&W);
  CHECK_EQ_INT(tc_chat_send_text(&W.chat, text, 255, NULL), TC_ERR_UTF8);
  CHECK_EQ_INT(tc_chat_send_text(&W.chat, text, 254, NULL), TC_OK); /* (the example's cut now) */
}

int main(void)
{
  RUN(test_idle_close_while_streaming_closes_the_connection);
  RUN(test_idle_close_between_turns_closes_the_connection);
  RUN(test_idle_bytes_close_the_connection);
  RUN(test_quiet_idle_connection_is_kept);
  RUN(test_voice_sentence_cut_by_a_reset_is_spoken_whole);
  RUN(test_prompt_cut_inside_a_character_is_refused);
  return tc_test_finish("review9_boards");
}

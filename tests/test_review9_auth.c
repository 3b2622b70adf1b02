/*
 * test_review9_auth.c — review 9 of session start, token refresh and
 * persistence: tokens with odd claims, providers answering late, twice or
 * after deinit, the wall clock set wrong, records corrupt, truncated, of the
 * previous or a later version, restores into a chat that has state.
 */
#include <stdio.h>
#include <string.h>

#include "chat_fake.c"
#include "chat_scn.c"
#include "tc_test.h"

/* "h.<claims, base64url>.s" (as test_chat3.c's) */
static const char *jwt_of(const char *claims)
{
  static const char k[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  static char out[1024];
  size_t n = strlen(claims), o = 0, bits = 0;
  uint32_t acc = 0;
  out[o++] = 'h';
  out[o++] = '.';
  for (size_t i = 0; i < n; i++) {
    acc = acc << 8 | (unsigned char)claims[i];
    for (bits += 8; bits >= 6; bits -= 6) out[o++] = k[(acc >> (bits - 6)) & 63];
  }
  if (bits) out[o++] = k[(acc << (6 - bits)) & 63];
  out[o++] = '.';
  out[o++] = 's';
  out[o] = 0;
  return out;
}

/* A token with an exp but no iat (a backend's own mint may leave iat out),
 * the wall clock past that exp (an RTC set wrong): the token has just
 * arrived, so the clock is not trusted (tc_chat.h: "a clock set wrong must
 * not make every fresh token look expired"). Without iat there is no
 * lifetime to count from its arrival, so no proactive refresh is planned:
 * the next 401 asks, as in 4.8.3 (before: a refresh every second, for ever,
 * each new token looking expired as well). */
static void test_fresh_token_without_iat_and_a_clock_past_exp_no_refresh_storm(void)
{
  static char tok[256];
  snprintf(tok, sizeof tok, "%s", jwt_of("{\"sub\":\"env\",\"exp\":1761823600}"));
  w_init(&W, "c1");
  w_step(&W);
  tc_chat_set_unix_time(&W.chat, W.now, (1761823600ull + 86400) * 1000); /* a day after exp */
  W.auto_token = tok;
  CHECK_EQ_INT(tc_chat_preload(&W.chat), TC_OK);
  w_step(&W);
  CHECK_EQ_INT(W.starts, 1);
  for (int i = 0; i < 60; i++) w_advance(&W, 1000);
  CHECK_EQ_INT(W.tokens, 0);
  CHECK_EQ_INT(tc_chat_next_deadline(&W.chat), UINT64_MAX);
  /* a 401 still asks, once */
  CHECK_EQ_INT(tc_chat_send_text(&W.chat, "hi", 2, NULL), TC_OK);
  w_step(&W);
  w_take_req(&W);
  fake_reply(&W.req, json_resp(401, "{}"));
  w_step(&W);
  CHECK_EQ_INT(W.tokens, 1);
}

/* The wall clock is any uint64_t: an RTC read as garbage (all ones, the
 * top bit set) must not overflow the chat's arithmetic (UBSan) nor make the
 * refresh spin. */
static void test_wall_clock_garbage_does_not_overflow(void)
{
  static const uint64_t clocks[] = { UINT64_MAX, 1ull << 63, (1ull << 63) + 1761823600000ull, 0,
                                     INT64_MAX, (1ull << 63) - 1000 };
  static char tok[256];
  snprintf(tok, sizeof tok, "%s", jwt_of("{\"exp\":1761823600}"));
  for (size_t i = 0; i < sizeof clocks / sizeof clocks[0]; i++) {
    for (int with_iat = 0; with_iat < 2; with_iat++) {
      w_init(&W, "c1");
      w_step(&W);
      W.auto_token = with_iat ? TOK1 : tok;
      CHECK_EQ_INT(tc_chat_preload(&W.chat), TC_OK);
      w_step(&W);
      tc_chat_set_unix_time(&W.chat, W.now, 1761820000000ull);
      w_advance(&W, 1000);
      tc_chat_set_unix_time(&W.chat, W.now, clocks[i]);
      for (int k = 0; k < 10; k++) w_advance(&W, 1000);
      CHECK(W.tokens <= 1);
      tc_chat_set_unix_time(&W.chat, W.now, 1761820000000ull);
      w_advance(&W, 1000);
    }
  }
}

int main(void)
{
  RUN(test_wall_clock_garbage_does_not_overflow);
  RUN(test_fresh_token_without_iat_and_a_clock_past_exp_no_refresh_storm);
  return tc_test_finish("review9_auth");
}

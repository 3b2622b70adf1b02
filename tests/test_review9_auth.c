/*
 * test_review9_auth.c — review 9 of session start, token refresh and
 * persistence: tokens with odd claims, providers answering late, twice or
 * after deinit, the wall clock set wrong, records corrupt, truncated, of the
 * previous or a later version, restores into a chat that has state.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "chat_fake.c"
#include "chat_scn.c"
#include "tc_test.h"

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

/* A token of TC_CHAT_TOKEN_MAX bytes is taken, sent whole, stored and
 * restored; one byte more, base64 padding, a space or a NUL inside is
 * TC_ERR_TOKEN and fails the question as provide_failed would (the send
 * waiting for it fails, AUTH_FAILED); a second answer, an answer nobody
 * asked for and one after deinit are TC_ERR_STATE and change nothing. */
static char big[TC_CHAT_TOKEN_MAX + 2];

static void make_big(size_t len)
{
  memset(big, 'A', sizeof big);
  memcpy(big, TOK1, strlen(TOK1) - 5); /* header.claims. then the signature padded */
  big[len] = '\0';
}

static void test_provider_answers_at_the_bounds(void)
{
  static const char *const bad[] = { "a.b.c=", "a.b c", "", "a.b.\xc3\xa9" };
  char want[TC_CHAT_TOKEN_MAX + 16];
  int nev;
  /* the longest: taken, sent, kept */
  make_big(TC_CHAT_TOKEN_MAX);
  w_init(&W, "c1");
  w_step(&W);
  CHECK_EQ_INT(tc_chat_send_text(&W.chat, "hi", 2, NULL), TC_OK);
  CHECK_EQ_INT(tc_chat_provide_session(&W.chat, big, strlen(big), false), TC_OK);
  CHECK_EQ_INT(tc_chat_provide_session(&W.chat, TOK2, strlen(TOK2), false), TC_ERR_STATE); /* twice */
  w_step(&W);
  w_take_req(&W);
  snprintf(want, sizeof want, "Bearer %s", big);
  CHECK_EQ_STR(w_header(&W, "Authorization"), want);
  w_append_ok(&W, 0);
  tc_chat_deinit(&W.chat);
  nev = W.nev;
  CHECK_EQ_INT(tc_chat_provide_token(&W.chat, TOK2, strlen(TOK2)), TC_ERR_STATE); /* after deinit */
  CHECK_EQ_INT(tc_chat_provide_failed(&W.chat, TC_ERR_AUTH), TC_ERR_STATE);
  CHECK_EQ_INT(W.nev, nev);
  scn_reboot();
  CHECK_EQ_INT(tc_chat_restore(&W.chat, NULL, 0), TC_OK);
  CHECK_EQ_INT(tc_chat_resume(&W.chat), TC_OK);
  w_step(&W);
  w_take_out(&W);
  CHECK(strstr(W.req_text, want) != NULL);
  /* one byte more, and tokens of other characters */
  for (int i = -1; i < (int)(sizeof bad / sizeof bad[0]); i++) {
    const char *t = i < 0 ? big : bad[i];
    size_t n = i < 0 ? TC_CHAT_TOKEN_MAX + 1 : i == 2 ? 0 : strlen(t);
    make_big(TC_CHAT_TOKEN_MAX + 1);
    w_init(&W, "c1");
    w_step(&W);
    CHECK_EQ_INT(tc_chat_send_text(&W.chat, "hi", 2, NULL), TC_OK);
    CHECK_EQ_INT(tc_chat_provide_session(&W.chat, t, n, false), TC_ERR_TOKEN);
    CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_AUTH_FAILED), 1);
    CHECK_EQ_INT(w_last(&W, TC_CHAT_EV_MESSAGE_SEND_FAILED)->err, TC_ERR_TOKEN);
    CHECK_EQ_INT(tc_chat_state(&W.chat), TC_CHAT_NO_SESSION);
    CHECK_EQ_INT(tc_chat_provide_session(&W.chat, TOK1, strlen(TOK1), false), TC_ERR_STATE);
    w_advance(&W, 60000);
    CHECK_EQ_INT(W.req.opens + W.out.opens, 0);
  }
  /* a NUL inside (a length past the string's end) */
  w_init(&W, "c1");
  w_step(&W);
  CHECK_EQ_INT(tc_chat_preload(&W.chat), TC_OK);
  CHECK_EQ_INT(tc_chat_provide_token(&W.chat, "a.b\0c", 5), TC_ERR_TOKEN);
}

/* The session is gone (an append answered 404) while a proactive refresh
 * of the token is out: a token does not bring the session back, so the
 * repair still starts it again (protocol.md §6.3, §6.11 d: a 404 on append
 * re-runs startSession), after the token question is answered (one question
 * at a time), and the message goes out to the new session. Before: the
 * append was sent again with the refreshed token, met its second 404 and
 * failed (MESSAGE_SEND_FAILED, TC_ERR_NOT_FOUND); the session was not
 * started again. */
static void test_404_while_a_refresh_is_out_still_restarts_the_session(void)
{
  int guard = 0;
  w_init(&W, "c1");
  w_step(&W);
  w_session(&W); /* TOK1: its refresh 60 s before exp */
  CHECK_EQ_INT(W.starts, 1);
  w_advance(&W, 3540000);
  CHECK_EQ_INT(W.tokens, 1); /* the refresh is asked; the app's answer takes a while */
  CHECK_EQ_INT(tc_chat_send_text(&W.chat, "hi", 2, NULL), TC_OK);
  w_step(&W);
  w_take_req(&W);
  CHECK(starts(W.req_text, "POST /realtime/v1/sessions/c1/in/append"));
  fake_reply(&W.req, json_resp(404, "{\"error\":\"Resource not found\"}"));
  w_step(&W);
  CHECK_EQ_INT(tc_chat_provide_token(&W.chat, TOK2, strlen(TOK2)), TC_OK);
  w_step(&W);
  /* the server: every append 404s until the session is started again */
  while (guard++ < 4 && w_count(&W, TC_CHAT_EV_MESSAGE_SEND_FAILED) == 0 && W.starts == 1) {
    w_take_req(&W);
    if (!starts(W.req_text, "POST /realtime/v1/sessions/c1/in/append")) break;
    fake_reply(&W.req, json_resp(404, "{\"error\":\"Resource not found\"}"));
    w_step(&W);
  }
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_MESSAGE_SEND_FAILED), 0);
  CHECK_EQ_INT(W.starts, 2);
  CHECK_EQ_INT(tc_chat_provide_session(&W.chat, TOK1, strlen(TOK1), false), TC_OK);
  w_step(&W);
  w_take_req(&W);
  CHECK(starts(W.req_text, "POST /realtime/v1/sessions/c1/in/append"));
  CHECK_EQ_STR(w_header(&W, "Authorization"), "Bearer " TOK1);
  w_append_ok(&W, 0);
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_MESSAGE_SENT), 1);
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_MESSAGE_SEND_FAILED), 0);

  /* a watcher: its .out follows the new session once it has started */
  scn_watch_world();
  w_advance(&W, 3540000);
  CHECK_EQ_INT(W.tokens, 1);
  CHECK_EQ_INT(tc_chat_watch(&W.chat), TC_OK);
  w_step(&W);
  w_take_out(&W);
  scn_out_streams();
  CHECK_EQ_INT(tc_chat_send_text(&W.chat, "hi", 2, NULL), TC_OK);
  w_step(&W);
  w_take_req(&W);
  fake_reply(&W.req, json_resp(404, "{\"error\":\"Resource not found\"}"));
  w_step(&W);
  CHECK_EQ_INT(tc_chat_provide_token(&W.chat, TOK2, strlen(TOK2)), TC_OK);
  w_step(&W);
  CHECK_EQ_INT(W.starts, 2);
  CHECK_EQ_INT(tc_chat_provide_session(&W.chat, TOK1, strlen(TOK1), false), TC_OK);
  w_step(&W);
  w_take_out(&W);
  CHECK(starts(W.req_text, "GET /realtime/v1/sessions/c1/out "));
  CHECK_EQ_STR(w_header(&W, "Last-Event-ID"), "");
  CHECK_EQ_STR(w_header(&W, "Authorization"), "Bearer " TOK1);
  w_take_req(&W);
  CHECK(starts(W.req_text, "POST /realtime/v1/sessions/c1/in/append"));
}

/* A restore into a chat that already had a session and a turn: the
 * record replaces all of it. The turn it replays was sent before the
 * restart, not by this chat: since_send_ms is -1 (no send), as after a
 * restore into a fresh chat (before: measured from the used chat's own
 * last send, 100 s earlier, a send of another session). */
static void test_restore_into_a_used_chat_replaces_its_state(void)
{
  static tc_session_rec_t r;
  size_t n;
  tc_chat_session_t v;
  memset(&r, 0, sizeof r);
  r.flags = TC_SESS_F_CURSOR | TC_SESS_F_IN_SEQ | TC_SESS_F_STREAM_SET | TC_SESS_F_STREAMING;
  r.cursor = 5;
  r.in_seq = 1;
  r.token_len = (uint16_t)strlen(TOK2);
  memcpy(r.token, TOK2, r.token_len);
  n = tc_session_seal(&r, tc_crc32(0, "c1", 2));
  /* the chat in use: a session (TOK1), turn 1 sent and answered */
  first_turn_done();
  CHECK_EQ_INT(w_last(&W, TC_CHAT_EV_FIRST_CHUNK)->since, 0);
  w_advance(&W, 100000);
  CHECK_EQ_INT(tc_chat_restore(&W.chat, &r, n), TC_OK);
  v = tc_chat_session(&W.chat);
  CHECK(v.has_cursor && v.cursor == 5 && v.has_in_seq && v.in_seq == 1 && v.streaming == 1 && !v.has_shown);
  CHECK_EQ_INT(tc_chat_resume(&W.chat), TC_OK);
  w_step(&W);
  w_take_out(&W);
  CHECK_EQ_STR(w_header(&W, "Last-Event-ID"), "5");
  CHECK_EQ_STR(w_header(&W, "Authorization"), "Bearer " TOK2);
  CHECK(!w_has(&W, "X-Peek-Settled"));
  scn_out_streams();
  W.nev = 0;
  fake_reply(&W.out, turn_batch(6, 1));
  w_step(&W);
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_FIRST_CHUNK), 1);
  CHECK_EQ_INT(w_last(&W, TC_CHAT_EV_FIRST_CHUNK)->since, -1);
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_TURN_COMPLETE), 1);
  CHECK_EQ_INT(w_last(&W, TC_CHAT_EV_TURN_COMPLETE)->since, -1);
  CHECK_EQ_INT(w_last(&W, TC_CHAT_EV_TURN_COMPLETE)->input_seq, 1);
}

/* A store that reads back garbage: any bytes, a length it claims past the
 * buffer (a backend breaking its contract), an I/O error, a value too big.
 * Each restore is refused with the store's error or TC_ERR_KV_CORRUPT, reads
 * nothing out of bounds (ASan), and leaves the chat fresh and usable. */
static int junk_mode;
static size_t junk_len;

static tc_err_t junk_get(void *ctx, const char *key, void *buf, size_t cap, size_t *len)
{
  (void)ctx;
  (void)key;
  if (junk_mode == 1) return TC_ERR_KV_IO;
  if (junk_mode == 2) {
    *len = cap + 1;
    return TC_ERR_KV_TOO_BIG;
  }
  for (size_t i = 0; i < cap; i++) ((uint8_t *)buf)[i] = (uint8_t)(i * 37u + junk_len);
  if (junk_mode == 3 && cap >= 4) memcpy(buf, "TCS\003", 4); /* a right magic on garbage */
  *len = junk_len;
  return TC_OK;
}

static tc_err_t junk_set(void *ctx, const char *key, const void *val, size_t len)
{
  (void)ctx;
  (void)key;
  (void)val;
  (void)len;
  return TC_ERR_KV_IO;
}

static tc_err_t junk_erase(void *ctx, const char *key)
{
  (void)ctx;
  (void)key;
  return TC_OK;
}

static const tc_kv_ops_t junk_ops = { junk_get, junk_set, junk_erase };

static void test_store_reading_back_garbage(void)
{
  static const size_t lens[] = { 0, 3, 4, 100, sizeof(tc_session_rec_t) - 1, sizeof(tc_session_rec_t),
                                 sizeof(tc_session_rec_t) + 1, 100000 };
  for (junk_mode = 0; junk_mode < 4; junk_mode++) {
    for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
      tc_err_t e;
      junk_len = lens[i];
      w_init(&W, NULL);
      W.cfg.kv.ops = &junk_ops;
      CHECK_EQ_INT(scn_init_chat(), TC_OK);
      w_step(&W);
      e = tc_chat_restore(&W.chat, NULL, 0);
      CHECK_EQ_INT(e, junk_mode == 1 ? TC_ERR_KV_IO : TC_ERR_KV_CORRUPT);
      CHECK(!tc_chat_session(&W.chat).has_token);
      CHECK_EQ_INT(tc_chat_state(&W.chat), TC_CHAT_NO_SESSION);
      CHECK_EQ_INT(tc_chat_resume(&W.chat), TC_ERR_NO_SESSION);
      /* usable: a session starts and the failing write is reported */
      W.auto_token = TOK1;
      CHECK_EQ_INT(tc_chat_send_text(&W.chat, "hi", 2, NULL), TC_OK);
      W.auto_token = NULL;
      w_step(&W);
      w_take_req(&W);
      CHECK(starts(W.req_text, "POST /realtime/v1/sessions/c1/in/append"));
      CHECK_EQ_INT(w_last(&W, TC_CHAT_EV_SESSION_CHANGED)->err, TC_ERR_KV_IO);
    }
  }
}

/* The session closes (.out reads session-closed) while a built-in
 * provider's token request is out: terminal, "no request after this"
 * (chat_mark_closed). A transient failure of that request (503, a drop)
 * must not ask again after the backoff (before: the request was queued
 * again and went out to the backend after the close). */
static void test_close_during_a_provider_request_asks_nothing_more(void)
{
  static char tok[256];
  char ans[400];
  int nev;
  for (int drop = 0; drop < 2; drop++) {
    snprintf(tok, sizeof tok, "%s", jwt_of("{\"exp\":1761820120,\"iat\":1761820000}")); /* lives 120 s */
    w_init(&W, NULL);
    W.cfg.backoff.stall_ms = 600000;
    backend_world();
    w_step(&W);
    CHECK_EQ_INT(tc_chat_preload(&W.chat), TC_OK);
    w_step(&W);
    w_take_req(&W);
    CHECK(starts(W.req_text, "POST /api/chat/start"));
    snprintf(ans, sizeof ans, "{\"publicAccessToken\":\"%s\"}", tok);
    fake_reply(&W.req, json_resp(200, ans));
    w_step(&W);
    CHECK(tc_chat_session(&W.chat).has_token);
    w_turn(&W, 0);
    w_take_out(&W);
    scn_out_streams();
    w_advance(&W, 60000); /* the refresh is due: its request goes out */
    w_take_req(&W);
    CHECK(starts(W.req_text, "POST /api/chat/token"));
    feed_control(0, "[[\"trigger-control\",\"session-closed\"],[\"session-closed-reason\",\"done\"]]");
    CHECK_EQ_INT(tc_chat_state(&W.chat), TC_CHAT_CLOSED);
    nev = W.nev;
    if (drop) {
      W.req.fail_after = TC_ERR_NET_RESET;
    } else {
      fake_reply(&W.req, json_resp(503, "{}"));
    }
    w_step(&W);
    W.req.fail_after = TC_OK;
    {
      int opens = W.req.opens;
      for (int i = 0; i < 12; i++) w_advance(&W, 5000);
      w_take_req(&W);
      CHECK_EQ_STR(W.req_text, "");
      CHECK_EQ_INT(W.req.opens, opens);
      CHECK_EQ_INT(tc_chat_next_deadline(&W.chat), UINT64_MAX);
      CHECK_EQ_INT(W.nev, nev); /* withdrawn: no AUTH_FAILED after the close */
      CHECK_EQ_INT(tc_chat_provide_token(&W.chat, TOK2, strlen(TOK2)), TC_ERR_STATE);
    }
  }
}

/* A record of version 2 (the previous one: no pend_hash, gate_seq,
 * pend_part; its token began where pend_hash is now), as that firmware
 * wrote it: it restores with its long delta's progress (frag_seq,
 * frag_shown), no unfinished send and no gate, and resumes its streaming
 * turn; damaged or cut it is absent. */
static size_t v2_image(uint8_t *img)
{
  const size_t tok_off = offsetof(tc_session_rec_t, pend_hash);
  const uint32_t sizes[] = { TC_CHAT_REASON_MAX, TC_CHAT_MSGID_MAX, TC_CHAT_TOOLS_MAX, TC_CHAT_TOOL_ID_MAX,
                             TC_CHAT_TOOL_NAME_MAX, TC_CHAT_TOKEN_MAX, (uint32_t)tok_off, 0x01020304u };
  tc_session_rec_t r;
  uint32_t crc;
  size_t tl = strlen(TOK1);
  memset(&r, 0, sizeof r);
  memcpy(r.magic, "TCS\002", 4);
  r.flags = TC_SESS_F_CURSOR | TC_SESS_F_IN_SEQ | TC_SESS_F_STREAM_SET | TC_SESS_F_STREAMING | TC_SESS_F_SHOWN;
  r.msgid_len = 3;
  r.token_len = (uint16_t)tl;
  r.slots = (uint16_t)tc_crc32(0, sizes, sizeof sizes);
  r.chat_hash = tc_crc32(0, "c1", 2);
  r.cursor = 5;
  r.in_seq = 1;
  r.shown = 6;
  memcpy(r.msgid, "m_1", 3);
  r.frag_seq = 7;
  r.frag_shown = 3;
  memcpy(img, &r, tok_off);
  memcpy(img + tok_off, TOK1, tl);
  crc = tc_crc32(0, img, tok_off + tl);
  memcpy(img + tok_off + tl, &crc, 4);
  return tok_off + tl + 4;
}

static void test_version2_record_restores(void)
{
  static uint8_t img[sizeof(tc_session_rec_t)];
  size_t n = v2_image(img);
  tc_chat_session_t v;
  w_init(&W, "c1");
  w_step(&W);
  snprintf(W.kv.key, sizeof W.kv.key, "tcs8829dfd9"); /* in the store, as that firmware left it */
  memcpy(W.kv.val, img, n);
  W.kv.len = n;
  W.kv.has = true;
  CHECK_EQ_INT(tc_chat_restore(&W.chat, NULL, 0), TC_OK);
  v = tc_chat_session(&W.chat);
  CHECK(v.has_token && v.has_cursor && v.has_in_seq && v.has_shown && v.streaming == 1);
  CHECK_EQ_INT(v.cursor, 5);
  CHECK_EQ_INT(v.in_seq, 1);
  CHECK_EQ_INT(v.shown, 6);
  CHECK_EQ_MEM(v.message_id.ptr, v.message_id.len, "m_1");
  CHECK_EQ_INT(W.chat.sess.frag_seq, 7);
  CHECK_EQ_INT(W.chat.sess.frag_shown, 3);
  CHECK_EQ_INT(W.chat.sess.pend_hash, 0);
  CHECK(!W.chat.gate);
  CHECK_EQ_INT(tc_chat_resume(&W.chat), TC_OK);
  w_step(&W);
  w_take_out(&W);
  CHECK_EQ_STR(w_header(&W, "Last-Event-ID"), "5");
  CHECK_EQ_STR(w_header(&W, "Authorization"), "Bearer " TOK1);
  CHECK(!w_has(&W, "X-Peek-Settled"));
  scn_out_streams();
  feed_data(6, DELTA("x"), "f1");
  CHECK(w_last(&W, TC_CHAT_EV_TEXT)->replayed);
  feed_control(8, "[[\"trigger-control\",\"turn-complete\"],[\"session-in-event-id\",\"1\"]]");
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_TURN_COMPLETE), 1);
  /* written back as the current version, which restores */
  CHECK(W.kv.len != n && memcmp(W.kv.val, "TCS\003", 4) == 0);
  scn_reboot();
  CHECK_EQ_INT(tc_chat_restore(&W.chat, NULL, 0), TC_OK);
  CHECK_EQ_INT(tc_chat_session(&W.chat).cursor, 8);
  CHECK_EQ_INT(tc_chat_session(&W.chat).streaming, 0);
  /* damaged or cut: absent */
  for (size_t i = 0; i < n; i += 3) {
    img[i] ^= 0x10;
    w_init(&W, "c1");
    CHECK_EQ_INT(tc_chat_restore(&W.chat, img, n), TC_ERR_KV_CORRUPT);
    img[i] ^= 0x10;
  }
  w_init(&W, "c1");
  CHECK_EQ_INT(tc_chat_restore(&W.chat, img, n - 1), TC_ERR_KV_CORRUPT);
  CHECK_EQ_INT(tc_chat_restore(&W.chat, img, n + 1), TC_ERR_KV_CORRUPT);
  CHECK_EQ_INT(tc_chat_restore(&W.chat, img, n), TC_OK);
}

/* A record with a right checksum but no token: the chat never writes one
 * (no record without a token, chat_persist), so by the restore contract it
 * counts as absent (TC_ERR_KV_CORRUPT), like a record holding a token the
 * chat would not accept. Before: restored as TC_OK with no session, the
 * stored cursor and isStreaming taken as the chat's. */
static void test_record_without_a_token_is_absent(void)
{
  static tc_session_rec_t r;
  size_t n;
  memset(&r, 0, sizeof r);
  r.flags = TC_SESS_F_CURSOR | TC_SESS_F_STREAM_SET | TC_SESS_F_STREAMING;
  r.cursor = 7;
  n = tc_session_seal(&r, tc_crc32(0, "c1", 2));
  w_init(&W, NULL);
  CHECK_EQ_INT(scn_init_chat(), TC_OK);
  w_step(&W);
  CHECK_EQ_INT(tc_chat_restore(&W.chat, &r, n), TC_ERR_KV_CORRUPT);
  CHECK(!tc_chat_session(&W.chat).has_cursor);
  CHECK_EQ_INT(tc_chat_resume(&W.chat), TC_ERR_NO_SESSION);
  /* the same record with a token restores */
  r.token_len = (uint16_t)strlen(TOK1);
  memcpy(r.token, TOK1, r.token_len);
  n = tc_session_seal(&r, tc_crc32(0, "c1", 2));
  CHECK_EQ_INT(tc_chat_restore(&W.chat, &r, n), TC_OK);
  CHECK(tc_chat_session(&W.chat).has_cursor && tc_chat_session(&W.chat).cursor == 7);
}

int main(void)
{
  RUN(test_record_without_a_token_is_absent);
  RUN(test_version2_record_restores);
  RUN(test_close_during_a_provider_request_asks_nothing_more);
  RUN(test_store_reading_back_garbage);
  RUN(test_restore_into_a_used_chat_replaces_its_state);
  RUN(test_404_while_a_refresh_is_out_still_restarts_the_session);
  RUN(test_provider_answers_at_the_bounds);
  RUN(test_wall_clock_garbage_does_not_overflow);
  RUN(test_fresh_token_without_iat_and_a_clock_past_exp_no_refresh_storm);
  return tc_test_finish("review9_auth");
}

/*
 * test_chat_persist.c — persistence and resume: what the session record keeps across
 * a clean shutdown (tc_chat_deinit) or a power cut, and what a restore then a
 * resume shows. The in-record progress of a long text delta (a record larger
 * than the record buffer, delivered in fragments), records written by the
 * previous record version, future versions.
 */
#include <stdio.h>
#include <string.h>

#include "chat_fake.c"
#include "chat_scn.c"
#include "tc_test.h"

/* ---- what the app is handed: live text in W.shown (chat_fake.c), text
 * marked replayed joined here */
static char replayed[8192];
static size_t replayed_len;

static void collect(void *user, tc_chat_t *chat, const tc_chat_event_t *ev)
{
  if (ev->type == TC_CHAT_EV_TEXT && ev->replayed && ev->text.len <= sizeof replayed - replayed_len) {
    memcpy(replayed + replayed_len, ev->text.ptr, ev->text.len);
    replayed_len += ev->text.len;
  }
  w_event(user, chat, ev);
}

/* The device restarts: a fresh chat on the same store, restored and resumed. */
static void reboot(void)
{
  scn_reboot();
  W.cfg.on_event = collect;
  replayed_len = 0;
  CHECK_EQ_INT(tc_chat_restore(&W.chat, NULL, 0), TC_OK);
}

/* One record at seq: a text delta of len bytes (ASCII and 2, 3 and 4-byte
 * UTF-8 sequences: fragments are cut on code points), written to text;
 * returns the batch (static). */
static const char *long_batch(uint64_t seq, char *text, size_t len)
{
  static const char mix[] = "ab\xc3\xa9" "c\xe2\x82\xac" "d\xf0\x9f\x98\x80" "efg"; /* 15 bytes */
  static char chunk[3000];
  static sse_b_t s;
  int n = snprintf(chunk, sizeof chunk, "{\"type\":\"text-delta\",\"id\":\"t0\",\"delta\":\"");
  for (size_t i = 0; i < len; i++) text[i] = len - i > 15 - i % 15 ? mix[i % 15] : 'z';
  memcpy(chunk + n, text, len);
  memcpy(chunk + n + len, "\"}", 3);
  sse_begin(&s);
  sse_data(&s, seq, chunk, "f1");
  return sse_end(&s);
}

static bool mem_is(const char *p, size_t n, const char *a, size_t an, const char *b, size_t bn)
{
  return n == an + bn && memcmp(p, a, an) == 0 && memcmp(p + an, b, bn) == 0;
}

/* Turn 2 (input seq 1) streams after turn 1 (cursor 5): record 6 is a long
 * delta shown whole, record 7 a long delta shown in part (returns the bytes
 * of 7 shown). */
static char text6[1500], text7[2500];

static size_t turn_with_half_shown_record(size_t cut)
{
  const char *b;
  size_t before;
  first_turn_done();
  W.cfg.on_event = collect;
  scn_next_turn_streams(1);
  fake_reply(&W.out, long_batch(6, text6, sizeof text6));
  w_step(&W);
  before = W.shown_len;
  b = long_batch(7, text7, sizeof text7);
  fake_reply_n(&W.out, b, cut ? cut : strlen(b) * 2 / 3);
  w_step(&W);
  if (!cut) CHECK(W.shown_len > before && W.shown_len < before + sizeof text7);
  return W.shown_len - before;
}

/* After a restore the turn replays from its first chunk: 6 again (replayed),
 * then 7: the part shown before the restart marked replayed (a message being
 * rebuilt needs it; a display skips it), the rest live, exactly once. */
static void replay_turn_expect(size_t k)
{
  size_t live0 = W.shown_len;
  fake_reply(&W.out, long_batch(6, text6, sizeof text6));
  w_step(&W);
  fake_reply(&W.out, long_batch(7, text7, sizeof text7));
  w_step(&W);
  CHECK(mem_is(replayed, replayed_len, text6, sizeof text6, text7, k));
  CHECK(mem_is(W.shown + live0, W.shown_len - live0, text7 + k, sizeof text7 - k, "", 0));
  CHECK_EQ_INT(tc_chat_session(&W.chat).shown, 7);
  feed_data(8, DELTA("b"), "f2");
  CHECK(!w_last(&W, TC_CHAT_EV_TEXT)->replayed);
}

/* A clean shutdown in the middle of a long record stores its in-record
 * progress: after restore + resume only the part not shown before is new.
 * Before, the whole record was new text again (its shown part repeated).
 * cut: where the record's batch stops (0: two thirds in). */
static void deinit_mid_long_record_case(size_t cut)
{
  size_t k = turn_with_half_shown_record(cut);
  tc_chat_deinit(&W.chat);
  reboot();
  scn_expect_resume_replays_from("5"); /* the turn's start */
  replay_turn_expect(k);
}

static void test_deinit_mid_long_record_resumes_with_the_rest(void)
{
  deinit_mid_long_record_case(0);
}

/* The same at every byte of the record's batch: before its first fragment,
 * inside its text, after its text's last fragment but before the record is
 * whole (all of it replayed then), and after. */
static void test_deinit_at_every_byte_of_a_long_record(void)
{
  size_t len = strlen(long_batch(7, text7, sizeof text7)), step = 1;
#ifdef TC_TEST_EMBEDDED
  step = 13;
#endif
  for (size_t cut = 1; cut <= len && tc_test_current_failures() == 0; cut += step)
    deinit_mid_long_record_case(cut);
}

/* After the restore, the replayed record is itself cut (at every few bytes:
 * inside the part shown before, at its end, inside the rest): the reconnect
 * (from record 6) hands out only what this run has not, replayed or new.
 * Each byte of 7 reaches the app once in this run: its first k bytes marked
 * replayed, the rest new. */
static void test_drop_in_the_replayed_long_record(void)
{
  const char *b = long_batch(7, text7, sizeof text7);
  size_t len = strlen(b), step = 7;
#ifdef TC_TEST_EMBEDDED
  step = 61;
#endif
  for (size_t cut2 = 1; cut2 < len && tc_test_current_failures() == 0; cut2 += step) {
    size_t k = turn_with_half_shown_record(0), live0;
    tc_chat_deinit(&W.chat);
    reboot();
    CHECK_EQ_INT(tc_chat_resume(&W.chat), TC_OK);
    w_step(&W);
    w_take_out(&W);
    scn_out_streams();
    fake_reply(&W.out, long_batch(6, text6, sizeof text6));
    w_step(&W);
    live0 = W.shown_len;
    fake_reply_n(&W.out, long_batch(7, text7, sizeof text7), cut2);
    scn_out_eof_then(6000);
    w_take_out(&W);
    scn_out_streams();
    if (strcmp(w_header(&W, "Last-Event-ID"), "6") == 0) { /* (else 7 was whole: the server goes on after it) */
      fake_reply(&W.out, long_batch(7, text7, sizeof text7));
      w_step(&W);
    }
    if (!mem_is(replayed, replayed_len, text6, sizeof text6, text7, k) ||
        !mem_is(W.shown + live0, W.shown_len - live0, text7 + k, sizeof text7 - k, "", 0))
      tc_test_fail(__FILE__, __LINE__, "cut at %lu after the restore: %lu replayed, %lu new (k %lu)",
                   (unsigned long)cut2, (unsigned long)replayed_len, (unsigned long)(W.shown_len - live0),
                   (unsigned long)k);
  }
}

/* The same when the turn had ended (the stream failed in the middle of the
 * record): the resume makes no request (isStreaming false), and the next
 * message's subscription starts before the record: its rest is new. */
static void test_deinit_after_stream_failed_mid_record_next_send_shows_the_rest(void)
{
  size_t k = turn_with_half_shown_record(0), live0;
  scn_out_eof_then(6000);
  w_take_out(&W);
  fake_reply(&W.out, json_resp(404, "{}"));
  w_step(&W);
  CHECK_EQ_INT(w_last(&W, TC_CHAT_EV_STREAM_ERROR)->err, TC_ERR_STREAM_GONE);
  tc_chat_deinit(&W.chat);
  reboot();
  CHECK_EQ_INT(tc_chat_resume(&W.chat), TC_OK);
  w_advance(&W, 1000);
  CHECK_EQ_INT(W.out.opens + W.req.opens, 0);
  w_turn(&W, 2);
  w_take_out(&W);
  CHECK_EQ_STR(w_header(&W, "Last-Event-ID"), "6");
  scn_out_streams();
  live0 = W.shown_len;
  fake_reply(&W.out, long_batch(7, text7, sizeof text7));
  w_step(&W);
  CHECK(mem_is(replayed, replayed_len, text7, k, "", 0));
  CHECK(mem_is(W.shown + live0, W.shown_len - live0, text7 + k, sizeof text7 - k, "", 0));
}

/* The progress rides on the cursor checkpoints (at most one write per
 * checkpoint_ms, not one per fragment): after a power cut the part shown
 * up to the last checkpoint is replayed, the rest is new (at most one
 * checkpoint interval repeats). */
static void test_power_cut_mid_long_record_repeats_at_most_one_checkpoint(void)
{
  const char *b;
  size_t k, k1, len;
  int sets;
  k = turn_with_half_shown_record(2000);
  sets = W.kv.sets;
  w_advance(&W, 5000);
  CHECK_EQ_INT(W.kv.sets, sets); /* within the interval: nothing */
  w_advance(&W, 6000);
  CHECK_EQ_INT(W.kv.sets, sets + 1); /* the checkpoint holds k bytes of 7 */
  b = long_batch(7, text7, sizeof text7);
  len = (size_t)(strstr(b, "\\\"},\\\"id\\\"") - b) + 8; /* to its text's last fragment */
  k1 = W.shown_len;
  fake_reply_n(&W.out, b + 2000, len - 2000); /* more of 7 within the next interval */
  w_step(&W);
  CHECK(W.shown_len > k1);
  w_advance(&W, 2000);
  CHECK_EQ_INT(W.kv.sets, sets + 1);
  /* power cut: no deinit */
  reboot();
  CHECK_EQ_INT(tc_chat_resume(&W.chat), TC_OK);
  w_step(&W);
  scn_out_streams();
  replay_turn_expect(k);
}

/* ---- record versions */

/* A record written by the previous version (1) of the record, byte for byte
 * (x86-64, Cortex-M4 and rv32 share it: little-endian, the default slot
 * sizes): chat "c1", token TOK1, cursor 5, activeInputSeq 1, delivered mark 6,
 * isStreaming true, message id "m_1". Layout: "TCS\1", flags 0x4f, reason
 * and message id lengths, tools_dynamic, token length 74, slot checksum,
 * chat hash, cursor, in_seq, shown (u64 each), the reason, message id and
 * tool slots (zero but "m_1"), the token, then the CRC-32. */
static const char v1_hex[] =
  "544353014f0003004a00b513a12ad75e05000000000000000100000000000000"
  "0600000000000000000000000000000000000000000000000000000000000000"
  "0000000000000000000000000000000000000000000000000000000000000000"
  "00000000000000006d5f31000000000000000000000000000000000000000000"
  "0000000000000000000000000000000000000000000000000000000000000000"
  "0000000000000000000000000000000000000000000000000000000000000000"
  "0000000000000000000000000000000000000000000000000000000000000000"
  "0000000000000000000000000000000000000000000000000000000000000000"
  "0000000000000000000000000000000000000000000000000000000000000000"
  "0000000000000000000000000000000000000000000000000000000000000000"
  "0000000000000000000000000000000000000000000000000000000000000000"
  "0000000000000000000000000000000065794a68624763694f694a49557a4931"
  "4e694a392e65794a6c654841694f6a45334e6a45344d6a4d324d444173496d6c"
  "68644349364d5463324d5467794d4441774d48302e7369675431d115fade";

static size_t unhex(uint8_t *out, const char *hex)
{
  size_t n = 0;
  for (; hex[0] && hex[1]; hex += 2) {
    unsigned v;
    sscanf(hex, "%2x", &v);
    out[n++] = (uint8_t)v;
  }
  return n;
}

/* A firmware update must not lose the user's session: a version-1 record
 * restores (without in-record progress) and resumes as it would have. */
static void test_version1_record_restores(void)
{
  static uint8_t img[600];
  size_t n = unhex(img, v1_hex);
  tc_chat_session_t s;
  CHECK_EQ_INT(n, 446);
  for (int via_kv = 0; via_kv < 2; via_kv++) {
    w_init(&W, "c1");
    if (via_kv) {
      snprintf(W.kv.key, sizeof W.kv.key, "tcs8829dfd9");
      memcpy(W.kv.val, img, n);
      W.kv.len = n;
      W.kv.has = true;
      CHECK_EQ_INT(tc_chat_restore(&W.chat, NULL, 0), TC_OK);
    } else {
      CHECK_EQ_INT(tc_chat_restore(&W.chat, img, n), TC_OK);
    }
    s = tc_chat_session(&W.chat);
    CHECK(s.has_token && s.has_cursor && s.has_in_seq && s.has_shown);
    CHECK_EQ_INT(s.cursor, 5);
    CHECK_EQ_INT(s.in_seq, 1);
    CHECK_EQ_INT(s.shown, 6);
    CHECK_EQ_INT(s.streaming, 1);
    CHECK_EQ_MEM(s.message_id.ptr, s.message_id.len, "m_1");
  }
  CHECK_EQ_INT(tc_chat_resume(&W.chat), TC_OK);
  w_step(&W);
  w_take_out(&W);
  CHECK_EQ_STR(w_header(&W, "Last-Event-ID"), "5");
  CHECK(strstr(W.req_text, "Authorization: Bearer " TOK1 "\r\n") != NULL);
  CHECK(!w_has(&W, "X-Peek-Settled"));
  scn_out_streams();
  feed_data(6, DELTA("x"), "f1");
  CHECK(w_last(&W, TC_CHAT_EV_TEXT)->replayed);
  feed_data(7, DELTA("y"), "f2");
  CHECK(!w_last(&W, TC_CHAT_EV_TEXT)->replayed);
  /* written back in the current version, which restores too */
  tc_chat_deinit(&W.chat);
  CHECK(W.kv.len != n);
  reboot();
  CHECK_EQ_INT(tc_chat_session(&W.chat).shown, 7);
  /* damaged or cut, a version-1 record is absent like any other */
  for (size_t i = 0; i < n; i += 5) {
    img[i] ^= 0x08;
    w_init(&W, "c1");
    CHECK_EQ_INT(tc_chat_restore(&W.chat, img, n), TC_ERR_KV_CORRUPT);
    img[i] ^= 0x08;
  }
  CHECK_EQ_INT(tc_chat_restore(&W.chat, img, n - 1), TC_ERR_KV_CORRUPT);
  CHECK_EQ_INT(tc_chat_restore(&W.chat, img, n + 12), TC_ERR_KV_CORRUPT);
  CHECK_EQ_INT(tc_chat_session(&W.chat).has_token, false);
}

/* A record of a later version (a firmware downgrade), well formed and
 * correctly checksummed, is foreign: absent, the chat fresh and usable. */
static void test_future_version_record_is_absent(void)
{
  static tc_session_rec_t r;
  uint32_t crc;
  size_t n;
  memset(&r, 0, sizeof r);
  r.flags = TC_SESS_F_CURSOR;
  r.cursor = 9;
  r.token_len = (uint16_t)strlen(TOK1);
  memcpy(r.token, TOK1, r.token_len);
  n = tc_session_seal(&r, tc_crc32(0, "c1", 2));
  w_init(&W, "c1");
  CHECK_EQ_INT(tc_chat_restore(&W.chat, &r, n), TC_OK);
  r.magic[3] = (uint8_t)(r.magic[3] + 1);
  crc = tc_crc32(0, &r, n - 4);
  memcpy((uint8_t *)&r + n - 4, &crc, 4);
  w_init(&W, "c1");
  CHECK_EQ_INT(tc_chat_restore(&W.chat, &r, n), TC_ERR_KV_CORRUPT);
  CHECK_EQ_INT(tc_chat_session(&W.chat).has_token, false);
  CHECK_EQ_INT(tc_chat_send_text(&W.chat, "hi", 2, NULL), TC_OK);
}

/* ---- records the chat never writes, with a right CRC (a store written by
 * something else, or bytes handed to tc_chat_restore): refused as corrupt,
 * the chat fresh and usable */

static tc_session_rec_t crafted;

/* Seals `crafted` for chat "c1" (its CRC right); returns its length. */
static size_t crafted_seal(void)
{
  return tc_session_seal(&crafted, tc_crc32(0, "c1", 2));
}

static size_t crafted_base(void)
{
  memset(&crafted, 0, sizeof crafted);
  crafted.flags = TC_SESS_F_CURSOR | TC_SESS_F_STREAM_SET;
  crafted.cursor = 5;
  crafted.msgid_len = 3;
  memcpy(crafted.msgid, "m_1", 3);
  memcpy(crafted.tools[0].call_id, "call_1", 6);
  memcpy(crafted.tools[0].approval_id, "ap_1", 4);
  memcpy(crafted.tools[0].name, "sendEmail", 9);
  crafted.token_len = (uint16_t)strlen(TOK1);
  memcpy(crafted.token, TOK1, crafted.token_len);
  return crafted_seal();
}

static void expect_refused(size_t n)
{
  w_init(&W, "c1");
  CHECK_EQ_INT(tc_chat_restore(&W.chat, &crafted, n), TC_ERR_KV_CORRUPT);
  CHECK_EQ_INT(tc_chat_session(&W.chat).has_token, false);
  CHECK_EQ_INT(tc_chat_answer_approval(&W.chat, "ap_1", true, NULL), TC_ERR_ARG); /* nothing of it kept */
  CHECK_EQ_INT(tc_chat_send_text(&W.chat, "hi", 2, NULL), TC_OK);
}

/* The token goes into the Authorization line as it is: a CR LF in a
 * restored one would add headers to every request (before, restored and
 * sent). Tool ids and names go into approval bodies as C strings, names
 * unescaped: a slot without its NUL ran into the next field, a quote broke
 * the JSON (before, restored and used). */
static void test_restored_fields_are_checked(void)
{
  size_t n = crafted_base();
  w_init(&W, "c1");
  CHECK_EQ_INT(tc_chat_restore(&W.chat, &crafted, n), TC_OK); /* the base is fine */
  CHECK_EQ_INT(tc_chat_answer_approval(&W.chat, "ap_1", true, NULL), TC_OK);

  crafted_base();
  memcpy(crafted.token + 10, "\r\nX-Evil: 1", 12);
  expect_refused(crafted_seal());

  crafted_base();
  memset(crafted.tools[1].call_id, 'A', sizeof crafted.tools[1].call_id);
  expect_refused(crafted_seal());

  crafted_base();
  memset(crafted.tools[0].approval_id, 'B', sizeof crafted.tools[0].approval_id);
  expect_refused(crafted_seal());

  crafted_base();
  memset(crafted.tools[0].name, 'C', sizeof crafted.tools[0].name);
  expect_refused(crafted_seal());

  crafted_base();
  memcpy(crafted.tools[0].name, "a\"b", 3);
  expect_refused(crafted_seal());
}

/* A closed session restores closed: no request, the reason kept, sends
 * refused. */
static void test_closed_record_restores_closed(void)
{
  tc_chat_session_t s;
  size_t n = crafted_base();
  crafted.flags |= TC_SESS_F_CLOSED;
  crafted.reason_len = 4;
  memcpy(crafted.reason, "done", 4);
  n = crafted_seal();
  w_init(&W, "c1");
  CHECK_EQ_INT(tc_chat_restore(&W.chat, &crafted, n), TC_OK);
  s = tc_chat_session(&W.chat);
  CHECK(s.closed);
  CHECK_EQ_MEM(s.closed_reason.ptr, s.closed_reason.len, "done");
  CHECK_EQ_INT(tc_chat_state(&W.chat), TC_CHAT_CLOSED);
  CHECK_EQ_INT(tc_chat_resume(&W.chat), TC_ERR_SESSION_CLOSED);
  CHECK_EQ_INT(tc_chat_send_text(&W.chat, "hi", 2, NULL), TC_ERR_SESSION_CLOSED);
  CHECK_EQ_INT(tc_chat_answer_approval(&W.chat, "ap_1", true, NULL), TC_ERR_SESSION_CLOSED);
  w_advance(&W, 60000);
  CHECK_EQ_INT(W.out.opens + W.req.opens, 0);
}

/* A restored token's age is unknown: without the wall clock its refresh is
 * planned from its lifetime as if it had just arrived. When the clock comes
 * later (SNTP after boot), its exp counts: here it has passed, so the token
 * is refreshed at once, before resuming with it. Before, the plan made at
 * restore stayed (an hour away), and the expired token was used. */
static void test_restored_token_refreshed_by_exp_once_the_clock_is_known(void)
{
  size_t n;
  crafted_base();
  crafted.flags |= TC_SESS_F_STREAMING; /* a turn was streaming: resume reconnects */
  n = crafted_seal();
  w_init(&W, "c1");
  w_step(&W);
  CHECK_EQ_INT(tc_chat_restore(&W.chat, &crafted, n), TC_OK);
  CHECK(tc_chat_next_deadline(&W.chat) > W.now + 3000000); /* TOK1 lives an hour */
  tc_chat_set_unix_time(&W.chat, W.now, (1761823600ull + 5) * 1000); /* 5 s past its exp */
  CHECK(tc_chat_next_deadline(&W.chat) <= W.now + 1000);
  w_advance(&W, 1000);
  CHECK_EQ_INT(W.tokens, 1);
  CHECK_EQ_INT(tc_chat_provide_token(&W.chat, TOK2, strlen(TOK2)), TC_OK);
  CHECK_EQ_INT(tc_chat_resume(&W.chat), TC_OK);
  w_step(&W);
  w_take_out(&W);
  CHECK(strstr(W.req_text, "Authorization: Bearer " TOK2 "\r\n") != NULL);
}

/* A turn was streaming when the device stopped, its append answered
 * without a seq: a send is outstanding, so the resume does not peek (the
 * peek would race the turn's first chunk and see the previous turn's
 * boundary as settled, §5.6); it replays from the turn's start and the
 * first turn-complete there ends the turn. Before, it peeked (no seq known). */
static void test_resume_mid_turn_without_seq_does_not_peek(void)
{
  size_t n;
  crafted_base();
  crafted.flags |= TC_SESS_F_STREAMING;
  n = crafted_seal();
  w_init(&W, "c1");
  CHECK_EQ_INT(tc_chat_restore(&W.chat, &crafted, n), TC_OK);
  scn_expect_resume_replays_from("5");
  feed_data(6, DELTA("x"), "f1");
  feed_control(7, "[[\"trigger-control\",\"turn-complete\"]]");
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_TURN_COMPLETE), 1);
  CHECK_EQ_INT(tc_chat_session(&W.chat).streaming, 0);
}

/* "On any error the chat is fresh": also a chat that had a session (here
 * closed by the server) and is restored from a bad record. Before, the
 * token went but the closed state (and cursor, marks) stayed: the chat
 * refused every send as closed, without a record saying so. */
static void test_failed_restore_leaves_a_used_chat_fresh(void)
{
  static const char junk[] = "not a record";
  tc_chat_session_t s;
  scn_session_sends_hi();
  w_take_req(&W);
  fake_reply(&W.req, json_resp(409, "{\"ok\":false,\"code\":\"session_closed\",\"closedReason\":\"budget\"}"));
  w_step(&W);
  CHECK_EQ_INT(tc_chat_state(&W.chat), TC_CHAT_CLOSED);
  CHECK_EQ_INT(tc_chat_restore(&W.chat, junk, sizeof junk), TC_ERR_KV_CORRUPT);
  s = tc_chat_session(&W.chat);
  CHECK(!s.has_token && !s.has_cursor && !s.has_in_seq && !s.has_shown && !s.closed);
  CHECK_EQ_INT(s.streaming, -1);
  CHECK_EQ_INT(tc_chat_state(&W.chat), TC_CHAT_NO_SESSION);
  CHECK_EQ_INT(tc_chat_send_text(&W.chat, "x", 1, NULL), TC_OK);
}

/* ---- a store that fails: the write is retried, the app is told */

static int kv_fails; /* sets still to fail with TC_ERR_KV_IO */

static tc_err_t flaky_set(void *ctx, const char *key, const void *val, size_t len)
{
  if (kv_fails > 0) {
    kv_fails--;
    return TC_ERR_KV_IO;
  }
  return fake_kv_ops.set(ctx, key, val, len);
}

static tc_err_t flaky_get(void *ctx, const char *key, void *buf, size_t cap, size_t *len)
{
  return fake_kv_ops.get(ctx, key, buf, cap, len);
}

static tc_err_t flaky_erase(void *ctx, const char *key) { return fake_kv_ops.erase(ctx, key); }

static const tc_kv_ops_t flaky_ops = { flaky_get, flaky_set, flaky_erase };

/* The store refuses the write at the turn's end (an I/O error, the flash
 * full of other keys for a while): SESSION_CHANGED says so (err), and the
 * record is written again at the next checkpoint, not per step, and not
 * lost. Before, the failed write was forgotten: the store kept "streaming"
 * from the turn's start, and a reboot replayed an answer long finished. */
static void test_failed_write_is_reported_and_retried(void)
{
  int sets;
  first_turn_done();
  W.cfg.kv.ops = &flaky_ops;
  scn_next_turn_streams(1);
  CHECK_EQ_INT(tc_chat_session(&W.chat).streaming, 1);
  kv_fails = 2;
  feed_data(6, DELTA("x"), "f1");
  feed_control(7, "[[\"trigger-control\",\"turn-complete\"],[\"session-in-event-id\",\"1\"]]");
  CHECK_EQ_INT(w_last(&W, TC_CHAT_EV_SESSION_CHANGED)->err, TC_ERR_KV_IO);
  sets = W.kv.sets;
  w_advance(&W, 1000);
  w_advance(&W, 1000);
  CHECK_EQ_INT(kv_fails, 1); /* not retried at every step */
  CHECK(tc_chat_next_deadline(&W.chat) <= W.now + 10000);
  w_advance(&W, 10000);
  CHECK_EQ_INT(kv_fails, 0); /* retried once a checkpoint interval passed: failed again */
  CHECK_EQ_INT(W.kv.sets, sets);
  w_advance(&W, 10000);
  CHECK_EQ_INT(W.kv.sets, sets + 1);
  CHECK_EQ_INT(w_last(&W, TC_CHAT_EV_SESSION_CHANGED)->err, TC_OK);
  w_advance(&W, 60000);
  CHECK_EQ_INT(W.kv.sets, sets + 1); /* and then only on changes */
  reboot();
  CHECK_EQ_INT(tc_chat_session(&W.chat).streaming, 0);
  CHECK_EQ_INT(tc_chat_session(&W.chat).cursor, 7);
}

/* tc_chat_deinit while requests are in flight (an append sent, not
 * answered; .out open mid-turn): both connections close, the record keeps
 * the turn that streams (not the unanswered send), and the restarted chat
 * resumes that turn and takes the next message. */
static void test_deinit_with_requests_in_flight(void)
{
  first_turn_done();
  scn_next_turn_streams(1);
  feed_data(6, DELTA("x"), "f1");
  CHECK_EQ_INT(tc_chat_steer_text(&W.chat, "more", 4, NULL), TC_OK);
  w_step(&W);
  w_take_req(&W); /* the append is out, unanswered */
  CHECK_EQ_INT(tc_chat_state(&W.chat), TC_CHAT_SENDING);
  tc_chat_deinit(&W.chat);
  CHECK(!W.out.connected && !W.req.connected);
  reboot();
  CHECK_EQ_INT(tc_chat_session(&W.chat).streaming, 1);
  CHECK_EQ_INT(tc_chat_session(&W.chat).in_seq, 1);
  CHECK_EQ_INT(tc_chat_session(&W.chat).shown, 6);
  CHECK_EQ_INT(tc_chat_resume(&W.chat), TC_OK);
  w_step(&W);
  w_take_out(&W);
  CHECK_EQ_STR(w_header(&W, "Last-Event-ID"), "5");
  scn_out_streams();
  feed_data(6, DELTA("x"), "f1");
  CHECK(w_last(&W, TC_CHAT_EV_TEXT)->replayed);
  feed_control(7, "[[\"trigger-control\",\"turn-complete\"],[\"session-in-event-id\",\"1\"]]");
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_TURN_COMPLETE), 1);
  CHECK_EQ_INT(tc_chat_send_text(&W.chat, "next", 4, NULL), TC_OK);
}

/* The X-Part-Id of the append just taken (static copy). */
static const char *part_of_last_append(void)
{
  static char id[64];
  snprintf(id, sizeof id, "%s", w_header(&W, "X-Part-Id"));
  return id;
}

/* An append cut by a reboot (or a power cut) has an unknown outcome; the app
 * sends the message again. The record took the part id before the append
 * went out, so the resend carries the same one and the server's dedupe drops
 * a copy that did arrive. Other content, or the same content once the send
 * succeeded, is a new message with a new part id. */
static void test_resend_after_reboot_mid_append_keeps_the_part_id(void)
{
  char a[64], b[64];
  first_turn_done();
  CHECK_EQ_INT(tc_chat_send_text(&W.chat, "lights on", 9, "{\"room\":1}"), TC_OK);
  w_step(&W);
  w_take_req(&W); /* the append is out, unanswered */
  snprintf(a, sizeof a, "%s", part_of_last_append());
  CHECK_EQ_INT(strlen(a), 36);
  reboot(); /* a power cut: no deinit */
  W.rnd = 0x7f4a7c15u; /* (the fake's random source starts again at init: not a device's) */
  CHECK_EQ_INT(tc_chat_send_text(&W.chat, "lights on", 9, "{\"room\":1}"), TC_OK);
  w_step(&W);
  w_take_req(&W);
  CHECK_EQ_STR(part_of_last_append(), a);
  w_append_ok(&W, 1);
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_MESSAGE_SENT), 1);
  w_take_out(&W);
  scn_out_streams();
  feed_control(6, "[[\"trigger-control\",\"turn-complete\"],[\"session-in-event-id\",\"1\"]]");
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_TURN_COMPLETE), 1);
  /* delivered: the same words again are a new message */
  CHECK_EQ_INT(tc_chat_send_text(&W.chat, "lights on", 9, "{\"room\":1}"), TC_OK);
  w_step(&W);
  w_take_req(&W);
  snprintf(b, sizeof b, "%s", part_of_last_append());
  CHECK(strcmp(b, a) != 0);
  /* other metadata is other content: a new part id, after a clean shutdown too */
  tc_chat_deinit(&W.chat);
  reboot();
  W.rnd = 0x9e3779b9u;
  CHECK_EQ_INT(tc_chat_send_text(&W.chat, "lights on", 9, "{\"room\":2}"), TC_OK);
  w_step(&W);
  w_take_req(&W);
  CHECK(strcmp(part_of_last_append(), b) != 0 && strcmp(part_of_last_append(), a) != 0);
}

/* A 404 on an append: the session the record describes is gone (§6.3). A
 * power cut while the new session is being started (the provider has not
 * answered) must not bring the old session's cursor back: the held token
 * may still hold for the chat id, the resent message then reaches the new
 * session, and .out asking for records after the old seq_num would skip
 * its answer. The record is written at the 404. */
static void test_power_cut_during_404_repair_forgets_the_old_cursor(void)
{
  tc_chat_session_t s;
  first_turn_done();
  CHECK(tc_chat_session(&W.chat).has_cursor);
  CHECK_EQ_INT(tc_chat_send_text(&W.chat, "again", 5, NULL), TC_OK);
  w_step(&W);
  w_take_req(&W);
  fake_reply(&W.req, json_resp(404, "{\"error\":\"Resource not found\"}"));
  w_step(&W);
  CHECK_EQ_INT(W.starts, 2); /* asked; no answer before the power goes */
  reboot();                  /* no deinit */
  s = tc_chat_session(&W.chat);
  CHECK(s.has_token);
  CHECK(!s.has_cursor);
  CHECK(!s.has_shown);
  CHECK(!s.has_in_seq);
  CHECK_EQ_INT(s.streaming, 0);
  /* the app sends again; the server (the new session) takes the old token */
  CHECK_EQ_INT(tc_chat_send_text(&W.chat, "again", 5, NULL), TC_OK);
  w_step(&W);
  w_take_req(&W);
  CHECK(starts(W.req_text, "POST /realtime/v1/sessions/c1/in/append"));
  w_append_ok(&W, 0);
  w_take_out(&W);
  CHECK(starts(W.req_text, "GET /realtime/v1/sessions/c1/out "));
  CHECK_EQ_STR(w_header(&W, "Last-Event-ID"), ""); /* the new session's stream from its start */
}

/* A send that failed after attempts that may have reached the server: the
 * app's resend of the same message reuses the part id. */
static void test_resend_after_failed_send_keeps_the_part_id(void)
{
  char a[64];
  int tries = 0;
  first_turn_done();
  CHECK_EQ_INT(tc_chat_send_text(&W.chat, "hi", 2, NULL), TC_OK);
  while (w_count(&W, TC_CHAT_EV_MESSAGE_SEND_FAILED) == 0 && tries++ < 20) {
    w_step(&W);
    if (W.req.sent_len) {
      w_take_req(&W);
      snprintf(a, sizeof a, "%s", part_of_last_append());
      fake_reply(&W.req, json_resp(503, "{\"ok\":false}"));
    }
    w_advance(&W, 10000);
  }
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_MESSAGE_SEND_FAILED), 1);
  CHECK_EQ_INT(tc_chat_send_text(&W.chat, "hi", 2, NULL), TC_OK);
  w_step(&W);
  w_take_req(&W);
  CHECK_EQ_STR(part_of_last_append(), a);
}

/* The record holds the new part id before the append's first byte is
 * written: a power cut between the two cannot lose it. */
static void test_part_id_stored_before_the_append_goes_out(void)
{
  int sets;
  first_turn_done();
  sets = W.kv.sets;
  CHECK_EQ_INT(tc_chat_send_text(&W.chat, "hi", 2, NULL), TC_OK);
  CHECK_EQ_INT(W.kv.sets, sets); /* (the operation itself does no I/O) */
  w_step(&W);
  CHECK(W.req.sent_len > 0);
  CHECK_EQ_INT(W.kv.sets, sets + 1);
  CHECK(((const tc_session_rec_t *)W.kv.val)->pend_hash != 0);
}

int main(void)
{
  RUN(test_resend_after_reboot_mid_append_keeps_the_part_id);
  RUN(test_resend_after_failed_send_keeps_the_part_id);
  RUN(test_power_cut_during_404_repair_forgets_the_old_cursor);
  RUN(test_part_id_stored_before_the_append_goes_out);
  RUN(test_deinit_mid_long_record_resumes_with_the_rest);
  RUN(test_deinit_at_every_byte_of_a_long_record);
  RUN(test_drop_in_the_replayed_long_record);
  RUN(test_deinit_after_stream_failed_mid_record_next_send_shows_the_rest);
  RUN(test_power_cut_mid_long_record_repeats_at_most_one_checkpoint);
  RUN(test_version1_record_restores);
  RUN(test_future_version_record_is_absent);
  RUN(test_restored_fields_are_checked);
  RUN(test_closed_record_restores_closed);
  RUN(test_restored_token_refreshed_by_exp_once_the_clock_is_known);
  RUN(test_resume_mid_turn_without_seq_does_not_peek);
  RUN(test_failed_restore_leaves_a_used_chat_fresh);
  RUN(test_failed_write_is_reported_and_retried);
  RUN(test_deinit_with_requests_in_flight);
  return tc_test_finish("chat_persist");
}

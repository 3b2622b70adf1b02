/*
 * test_chat2.c — protocol.md §8 scenarios 24-46 (resume, correlation, stop
 * gate, actions, approvals, steering, statuses, endpoints) against the
 * scripted transport and the fake clock.
 */
#include <stdio.h>
#include <string.h>

#include "chat_fake.c"
#include "chat_scn.c"
#include "tc_test.h"

/* Restores W (a fresh chat "c1") from a hand-made record. */
static void restore_record(uint8_t flags, uint64_t cursor, uint64_t in_seq)
{
  static tc_session_rec_t r;
  size_t n;
  memset(&r, 0, sizeof r);
  r.flags = flags;
  r.cursor = cursor;
  r.in_seq = in_seq;
  r.token_len = (uint16_t)strlen(TOK1);
  memcpy(r.token, TOK1, r.token_len);
  n = tc_session_seal(&r, tc_crc32(0, "c1", 2));
  w_init(&W, "c1");
  CHECK_EQ_INT(tc_chat_restore(&W.chat, &r, n), TC_OK);
}

static void test_s24_reload_idle_peeks_settled(void)
{
  int opens;
  restore_record(TC_SESS_F_CURSOR, 20, 0);
  CHECK_EQ_INT(tc_chat_resume(&W.chat), TC_OK);
  w_step(&W);
  w_take_out(&W);
  CHECK_EQ_STR(w_header(&W, "X-Peek-Settled"), "1");
  CHECK_EQ_STR(w_header(&W, "Last-Event-ID"), "20");
  fake_reply(&W.out, sse_head(true));
  fake_reply(&W.out, "data: [DONE]\n\n");
  fake_eof(&W.out);
  w_step(&W);
  opens = W.out.opens;
  w_advance(&W, 60000);
  CHECK_EQ_INT(W.out.opens, opens);
  CHECK_EQ_INT(tc_chat_session(&W.chat).streaming, 0);
  CHECK_EQ_INT(w_last(&W, TC_CHAT_EV_STREAM_CONNECTED)->resumed, true);
  CHECK_EQ_INT(tc_chat_state(&W.chat), TC_CHAT_IDLE);
}

static void test_s25_reload_fast_path_no_request(void)
{
  restore_record(TC_SESS_F_CURSOR | TC_SESS_F_STREAM_SET, 20, 0);
  CHECK_EQ_INT(tc_chat_resume(&W.chat), TC_OK);
  w_advance(&W, 1000);
  CHECK_EQ_INT(W.out.opens + W.req.opens, 0);
  CHECK_EQ_INT(tc_chat_state(&W.chat), TC_CHAT_IDLE);
}

static void test_s26_reload_mid_turn_replays_from_turn_start(void)
{
  first_turn_done(); /* cursor 5 */
  scn_next_turn_streams(1);
  feed_data(6, "{\"type\":\"start\",\"messageId\":\"m_2\"}", "f1");
  feed_data(7, DELTA("x"), "f2");
  w_advance(&W, 20000); /* a checkpoint interval passes mid-turn */
  CHECK_EQ_INT(tc_chat_session(&W.chat).cursor, 5);
  CHECK_EQ_INT(tc_chat_session(&W.chat).streaming, 1);
  scn_reboot();
  CHECK_EQ_INT(tc_chat_restore(&W.chat, NULL, 0), TC_OK);
  scn_expect_resume_replays_from("5");
  feed_data(6, "{\"type\":\"start\",\"messageId\":\"m_2\"}", "f1");
  CHECK(w_last(&W, TC_CHAT_EV_CHUNK)->replayed); /* shown before the reboot (checkpointed) */
  feed_data(7, DELTA("x"), "f2");
  CHECK(w_last(&W, TC_CHAT_EV_TEXT)->replayed);
  feed_data(8, DELTA("y"), "f3");
  CHECK(!w_last(&W, TC_CHAT_EV_TEXT)->replayed);
  feed_control(9, "[[\"trigger-control\",\"turn-complete\"],[\"session-in-event-id\",\"0\"]]");
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_TURN_COMPLETE), 0); /* 0 < activeInputSeq 1: an earlier turn's */
  feed_control(10, "[[\"trigger-control\",\"turn-complete\"],[\"session-in-event-id\",\"1\"]]");
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_TURN_COMPLETE), 1);
}

/* A text delta longer than the record buffer reaches the app in fragments
 * of one record (issue 2, item 6): all of it is new text, none of it marked
 * replayed; the delivered mark covers the record once it is whole. */
static void test_long_delta_fragments_are_new_text(void)
{
  static char chunk[2600];
  int n = snprintf(chunk, sizeof chunk, "{\"type\":\"text-delta\",\"id\":\"t0\",\"delta\":\"");
  int first, texts = 0, replayed = 0;
  size_t total = 0;
  memset(chunk + n, 'a', 2500);
  memcpy(chunk + n + 2500, "\"}", 3);
  streaming_turn(1);
  first = W.nev;
  feed_data(6, chunk, "f1");
  for (int i = first; i < W.nev; i++) {
    if (W.ev[i].type != TC_CHAT_EV_TEXT) continue;
    texts++;
    replayed += W.ev[i].replayed;
    total += W.ev[i].text_len;
  }
  CHECK(texts > 1); /* (it did not fit the record buffer) */
  CHECK_EQ_INT(replayed, 0);
  CHECK_EQ_INT(total, 2500);
  feed_data(7, DELTA("b"), "f2");
  CHECK(!w_last(&W, TC_CHAT_EV_TEXT)->replayed);
  CHECK_EQ_INT(tc_chat_session(&W.chat).shown, 7);
}

/* The connection breaks in the middle of a record delivered in fragments:
 * the reconnect asks from before that record (its text is not whole), and
 * the redelivered record shows only what had not been shown: the text
 * arrives exactly once. */
static void test_long_delta_resumes_exactly_after_a_drop_mid_record(void)
{
  static char chunk[2700], text[2500];
  sse_b_t s;
  const char *batch;
  size_t len, shown0;
  int n = snprintf(chunk, sizeof chunk, "{\"type\":\"text-delta\",\"id\":\"t0\",\"delta\":\"");
  for (size_t i = 0; i < sizeof text; i++) text[i] = (char)('a' + i % 26);
  memcpy(chunk + n, text, sizeof text);
  memcpy(chunk + n + sizeof text, "\"}", 3);
  streaming_turn(1);
  feed_data(5, DELTA("x"), "f0");
  shown0 = W.shown_len;
  for (int cut = 0; cut < 2; cut++) { /* two drops at different points of the record */
    sse_begin(&s);
    sse_data(&s, 6, chunk, "f1");
    batch = sse_end(&s);
    len = strlen(batch);
    fake_reply_n(&W.out, batch, cut ? len * 9 / 10 : len * 2 / 3);
    fake_eof(&W.out);
    w_step(&W);
    CHECK(W.shown_len > shown0); /* some of the text went out */
    w_advance(&W, 6000);
    w_take_out(&W);
    CHECK_EQ_STR(w_header(&W, "Last-Event-ID"), "5");
    scn_out_streams();
  }
  sse_begin(&s);
  sse_data(&s, 6, chunk, "f1");
  scn_feed_batch(&s);
  CHECK_EQ_INT(W.shown_len - shown0, sizeof text);
  CHECK(W.shown_len - shown0 == sizeof text && memcmp(W.shown + shown0, text, sizeof text) == 0);
  feed_data(7, DELTA("b"), "f2");
  CHECK_EQ_INT(W.shown_len - shown0, sizeof text + 1);
  /* the record is whole: a later drop resumes after it */
  scn_out_eof_then(6000);
  w_take_out(&W);
  CHECK_EQ_STR(w_header(&W, "Last-Event-ID"), "7");
}

/* ---- long deltas: awkward drops, budgets, resubscriptions */

/* One record at seq: a delta of `type` whose text is len bytes of ASCII
 * and 2, 3 and 4-byte UTF-8 sequences (written to text; fragments are cut
 * on code points); returns the batch (static). */
static const char *long_batch_of(const char *type, uint64_t seq, char *text, size_t len)
{
  static const char mix[] = "ab\xc3\xa9" "c\xe2\x82\xac" "d\xf0\x9f\x98\x80" "efg"; /* 15 bytes */
  static char chunk[3000];
  static sse_b_t s;
  int n = snprintf(chunk, sizeof chunk, "{\"type\":\"%s\",\"id\":\"t0\",\"delta\":\"", type);
  for (size_t i = 0; i < len; i++) text[i] = len - i > 15 - i % 15 ? mix[i % 15] : 'z';
  memcpy(chunk + n, text, len);
  memcpy(chunk + n + len, "\"}", 3);
  sse_begin(&s);
  sse_data(&s, seq, chunk, "f1");
  return sse_end(&s);
}

static const char *long_batch(uint64_t seq, char *text, size_t len)
{
  return long_batch_of("text-delta", seq, text, len);
}

/* After a drop: the reconnect (its backoff passed) gets its headers. */
static void reconnect(void)
{
  w_advance(&W, 6000);
  w_take_out(&W);
  scn_out_streams();
}

/* Every response ends in the middle of the same long record (`stall`: the
 * server goes silent there; else the response ends, as a proxy that cuts
 * responses at a size): no record becomes whole, so the reconnects count
 * against the EOF or stall budget (§6.2) as they would if the record were
 * short, and the sixth is one too many. Before, the record's first on_record
 * reset the counts at each attempt: it reconnected forever. */
static void long_delta_cut_every_time(bool stall, tc_err_t want)
{
  static char text[2500];
  const char *batch;
  int i;
  streaming_turn(1);
  feed_data(5, DELTA("x"), "f0");
  batch = long_batch(6, text, sizeof text);
  for (i = 0; i < 12 && w_count(&W, TC_CHAT_EV_STREAM_ERROR) == 0; i++) {
    fake_reply_n(&W.out, batch, 2000);
    if (!stall) fake_eof(&W.out);
    w_step(&W);
    CHECK(W.shown_len > 1); /* (the record's first fragment went out) */
    if (stall) w_advance(&W, 60001);
    if (W.chat.out.phase != 0) reconnect();
  }
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_STREAM_ERROR), 1);
  CHECK_EQ_INT(w_last(&W, TC_CHAT_EV_STREAM_ERROR)->err, want);
  CHECK_EQ_INT(i, 6);
}

static void test_long_delta_cut_every_time_ends_in_the_eof_budget(void)
{
  long_delta_cut_every_time(false, TC_ERR_RECONNECT_BUDGET);
}

static void test_long_delta_stalled_every_time_ends_in_the_stall_budget(void)
{
  long_delta_cut_every_time(true, TC_ERR_STALLED);
}

/* A long record that arrives slowly is not a stall while its fragments keep
 * coming: each restarts the stall timer (here 50 s apart; the record takes
 * 100 s in all). Before, only its first on_record did: the stream was cut
 * 60 s after it began and the record started over. */
/* A step reads a bounded amount per connection (so that the other one and
 * the application's loop get their turn). When it stops with bytes still
 * waiting below (a TLS record already decrypted in memory, records lwIP
 * queued), no socket event will announce them: next_deadline must say "now",
 * or a loop that sleeps until the deadline leaves the answer unread until
 * the stall timer. Steps at the same instant then read everything. */
static void test_step_stopped_by_its_read_bound_asks_to_run_again(void)
{
  static char batch[12000];
  sse_b_t s;
  size_t len = 0;
  int steps = 0;
  streaming_turn(1);
  W.out.recv_max = 4; /* small reads: the bound (16 reads a pass) stops the step early */
  sse_begin(&s);
  for (int i = 0; i < 16; i++) { /* (~3 KB: fits the board build's 4 KB inbox) */
    char id[8];
    snprintf(id, sizeof id, "b%d", i);
    sse_data(&s, (uint64_t)(5 + i), DELTA("0123456789abcdefghijklmnopqrstuvwxyz"), id);
  }
  len = strlen(sse_end(&s));
  CHECK(len < sizeof batch && len < FAKE_INBOX_MAX - 1);
  memcpy(batch, s.buf, len);
  fake_reply_n(&W.out, batch, len);
  tc_chat_step(&W.chat, W.now); /* one call (w_step steps while due) */
  CHECK(W.out.in_pos < W.out.in_len);          /* (the bound stopped it) */
  CHECK(tc_chat_next_deadline(&W.chat) == W.now);
  while (W.out.in_pos < W.out.in_len && steps++ < 100) {
    CHECK(tc_chat_next_deadline(&W.chat) == W.now);
    tc_chat_step(&W.chat, W.now);
  }
  CHECK_EQ_INT(W.shown_len, 16 * 36);
  CHECK(tc_chat_next_deadline(&W.chat) > W.now); /* all read: the loop may sleep */
}

static void test_long_delta_arriving_slowly_is_not_a_stall(void)
{
  static char text[2500];
  const char *batch, *close;
  size_t len, a, b;
  int opens, closes;
  streaming_turn(1);
  feed_data(5, DELTA("x"), "f0");
  batch = long_batch(6, text, sizeof text);
  len = strlen(batch);
  close = strstr(batch, "\\\"},\\\"id\\\""); /* the delta's closing quote, then the envelope id */
  CHECK(close != NULL);
  if (close == NULL) return;
  a = 2000;                                   /* on_record and the first fragment */
  b = (size_t)(close - batch) + 8;            /* the delta closed: its last text fragment */
  CHECK(a < b && b < len);
  opens = W.out.opens;
  closes = W.out.closes;
  fake_reply_n(&W.out, batch, a);
  w_step(&W);
  w_advance(&W, 50000);
  fake_reply_n(&W.out, batch + a, b - a);
  w_step(&W);
  w_advance(&W, 50000);
  fake_reply_n(&W.out, batch + b, len - b);
  w_step(&W);
  CHECK_EQ_INT(W.out.opens, opens);
  CHECK_EQ_INT(W.out.closes, closes);
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_STREAM_ERROR), 0);
  CHECK_EQ_INT(W.shown_len, 1 + sizeof text);
  CHECK(W.shown_len == 1 + sizeof text && memcmp(W.shown + 1, text, sizeof text) == 0);
  CHECK_EQ_INT(tc_chat_session(&W.chat).shown, 6);
}

/* The app sends the next message while record 6 (text) is half shown: .out
 * reopens from the cursor (before that record), the record comes again and
 * only its part not yet shown is handed out. */
static void send_then_record_again(char *text, size_t n)
{
  CHECK(W.shown_len > 1);
  CHECK_EQ_INT(tc_chat_send_text(&W.chat, "more", 4, NULL), TC_OK);
  w_step(&W);
  w_take_req(&W);
  w_append_ok(&W, 2);
  w_take_out(&W);
  CHECK_EQ_STR(w_header(&W, "Last-Event-ID"), "5");
  scn_out_streams();
  fake_reply(&W.out, long_batch(6, text, n));
  w_step(&W);
  CHECK_EQ_INT(W.shown_len, 1 + n);
  CHECK(W.shown_len == 1 + n && memcmp(W.shown + 1, text, n) == 0);
}

/* A new message sent in the middle of the record (before, reopening forgot
 * what had been shown: the first part was shown twice). */
static void test_long_delta_send_mid_record_shows_the_rest_once(void)
{
  static char text[2500];
  const char *batch;
  streaming_turn(1);
  feed_data(5, DELTA("x"), "f0");
  batch = long_batch(6, text, sizeof text);
  fake_reply_n(&W.out, batch, strlen(batch) * 2 / 3);
  w_step(&W);
  send_then_record_again(text, sizeof text);
}

/* The same after the stream failed in the middle of the record (here: the
 * EOF budget; the turn ended) and the app sent the next message. */
static void test_long_delta_send_after_stream_error_shows_the_rest_once(void)
{
  static char text[2500];
  const char *batch;
  streaming_turn(1);
  feed_data(5, DELTA("x"), "f0");
  batch = long_batch(6, text, sizeof text);
  for (int i = 0; i < 12 && w_count(&W, TC_CHAT_EV_STREAM_ERROR) == 0; i++) {
    fake_reply_n(&W.out, batch, 2000 + (size_t)i * 20);
    fake_eof(&W.out);
    w_step(&W);
    if (W.chat.out.phase != 0) reconnect();
  }
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_STREAM_ERROR), 1);
  send_then_record_again(text, sizeof text);
}

/* Reasoning deltas: collected from CHUNK events (not replayed). */
static char reasoning[4096];
static size_t reasoning_len;
static void reasoning_event(void *user, tc_chat_t *chat, const tc_chat_event_t *ev)
{
  if (ev->type == TC_CHAT_EV_CHUNK && ev->chunk->type == TC_CHUNK_REASONING_DELTA && !ev->replayed &&
      ev->chunk->delta.len <= sizeof reasoning - reasoning_len) {
    memcpy(reasoning + reasoning_len, ev->chunk->delta.ptr, ev->chunk->delta.len);
    reasoning_len += ev->chunk->delta.len;
  }
  w_event(user, chat, ev);
}

/* A drop at every byte of a long record (before its first fragment, inside
 * its text, exactly at the delta's close, between its text's last fragment
 * and the final empty one, inside what follows the delta), once or twice:
 * the text reaches the app exactly once, the reconnect asks from before the
 * record until it is whole and from after it then, and the delivered mark
 * moves with the record's end. Text and reasoning deltas. */
static void long_delta_drop_case(const char *type, size_t cut, size_t cut2)
{
  static char text[1700];
  static char batch[FAKE_INBOX_MAX];
  bool reason = type[0] == 'r', whole;
  const char *got;
  size_t len, q;
  snprintf(batch, sizeof batch, "%s", long_batch_of(type, 6, text, sizeof text));
  len = strlen(batch);
  q = (size_t)(strstr(batch, "\"}]}") - batch); /* the body's closing quote: the record is whole */
  whole = cut > q || cut2 > q;
  streaming_turn(1);
  W.cfg.on_event = reasoning_event;
  reasoning_len = 0;
  feed_data(5, DELTA("x"), "f0");
  fake_reply_n(&W.out, batch, cut);
  fake_eof(&W.out);
  w_step(&W);
  reconnect();
  if (cut2 && cut <= q) {
    fake_reply_n(&W.out, batch, cut2);
    fake_eof(&W.out);
    w_step(&W);
    reconnect();
  }
  CHECK_EQ_STR(w_header(&W, "Last-Event-ID"), whole ? "6" : "5");
  if (!whole) {
    fake_reply_n(&W.out, batch, len);
    w_step(&W);
  }
  got = reason ? reasoning : W.shown + 1;
  if ((reason ? reasoning_len : W.shown_len - 1) != sizeof text || memcmp(got, text, sizeof text) != 0) {
    tc_test_fail(__FILE__, __LINE__, "%s cut at %lu then %lu: %lu bytes shown", type, (unsigned long)cut,
                 (unsigned long)cut2, (unsigned long)(reason ? reasoning_len : W.shown_len - 1));
  }
  CHECK_EQ_INT(tc_chat_session(&W.chat).shown, 6);
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_RECORD_SKIPPED), 0);
  fake_eof(&W.out);
  w_step(&W);
  reconnect();
  CHECK_EQ_STR(w_header(&W, "Last-Event-ID"), "6");
}

static void test_long_delta_drop_at_every_byte(void)
{
  static char text[1700];
  size_t len = strlen(long_batch(6, text, sizeof text)), at;
  size_t step = 1;
#ifdef TC_TEST_EMBEDDED
  step = 7;
#endif
  /* from inside the record's head to the batch's end */
  for (at = 20; at < len; at += step) {
    long_delta_drop_case("text-delta", at, 0);
    long_delta_drop_case("text-delta", at, len - 1 - at / 2); /* a second drop */
  }
  for (at = 20; at < len; at += 5 * step) long_delta_drop_case("reasoning-delta", at, 0);
}

static void test_s27_settled_drain_processes_records_then_ends(void)
{
  sse_b_t s;
  int opens;
  restore_record(TC_SESS_F_CURSOR, 4, 0);
  tc_chat_resume(&W.chat);
  w_step(&W);
  fake_reply(&W.out, sse_head(true));
  sse_begin(&s);
  sse_control(&s, 5, "[[\"trigger-control\",\"turn-complete\"],[\"session-in-event-id\",\"3\"]]");
  sse_trim(&s, 6);
  scn_feed_batch(&s);
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_TURN_COMPLETE), 1);
  opens = W.out.opens;
  w_advance(&W, 60000);
  CHECK_EQ_INT(W.out.opens, opens);
  /* not settled and nothing streaming: a clean EOF closes quietly */
  restore_record(TC_SESS_F_CURSOR, 4, 0);
  tc_chat_resume(&W.chat);
  w_step(&W);
  fake_reply(&W.out, sse_head(false));
  fake_eof(&W.out);
  w_step(&W);
  opens = W.out.opens;
  w_advance(&W, 60000);
  CHECK_EQ_INT(W.out.opens, opens);
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_STREAM_ERROR), 0);
}

static void test_s28_stale_turn_complete_skipped(void)
{
  streaming_turn(9);
  feed_control(20, "[[\"trigger-control\",\"turn-complete\"],[\"session-in-event-id\",\"5\"]]");
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_TURN_COMPLETE), 0);
  CHECK(W.out.connected);
  feed_data(21, DELTA("mine"), "g1");
  feed_control(22, "[[\"trigger-control\",\"turn-complete\"],[\"session-in-event-id\",\"9\"]]");
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_TURN_COMPLETE), 1);
  CHECK_EQ_INT(w_last(&W, TC_CHAT_EV_TURN_COMPLETE)->input_seq, 9);
  CHECK(w_last(&W, TC_CHAT_EV_TURN_COMPLETE)->settled);
}

static void stop_now(void)
{
  CHECK_EQ_INT(tc_chat_stop(&W.chat), TC_OK);
  w_step(&W);
  w_take_req(&W);
  CHECK(w_has(&W, "\r\n\r\n{\"kind\":\"stop\"}"));
  w_append_ok(&W, 3);
}

static void test_s29_stop_mid_turn_gates_leftovers(void)
{
  streaming_turn(2);
  feed_data(10, DELTA("a"), "h1");
  stop_now();
  CHECK_EQ_INT(W.out.connected, false);
  CHECK_EQ_INT(tc_chat_session(&W.chat).streaming, 0);
  CHECK_EQ_INT(w_last(&W, TC_CHAT_EV_MESSAGE_SENT)->source, TC_CHAT_SRC_STOP);
  scn_next_turn_streams(4);
  feed_data(11, DELTA("leftover"), "h2");
  feed_control(12, "[[\"trigger-control\",\"upgrade-required\"]]");
  feed_control(13, "[[\"trigger-control\",\"turn-complete\"],[\"session-in-event-id\",\"2\"]]");
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_TEXT), 1); /* only "a" from before the stop */
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_TURN_COMPLETE), 0);
  feed_data(14, DELTA("new"), "h3");
  feed_control(15, "[[\"trigger-control\",\"turn-complete\"],[\"session-in-event-id\",\"4\"]]");
  CHECK_EQ_STR(w_last(&W, TC_CHAT_EV_TEXT)->text, "new");
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_TURN_COMPLETE), 1);
}

/* Stop in the middle of a long record: the next turn's subscription starts
 * before that record (it was not whole) and its rest, like every leftover
 * of the stopped turn, is swallowed by the stop gate (§6.7); the new turn's
 * text shows. */
static void test_long_delta_stop_mid_record_gates_its_rest(void)
{
  static char text[2500];
  size_t shown0;
  streaming_turn(2);
  feed_data(5, DELTA("x"), "f0");
  fake_reply_n(&W.out, long_batch(6, text, sizeof text), 2000);
  w_step(&W);
  shown0 = W.shown_len;
  CHECK(shown0 > 1 && shown0 < 1 + sizeof text);
  stop_now();
  w_turn(&W, 4);
  w_take_out(&W);
  CHECK_EQ_STR(w_header(&W, "Last-Event-ID"), "5");
  scn_out_streams();
  fake_reply(&W.out, long_batch(6, text, sizeof text));
  w_step(&W);
  feed_control(7, "[[\"trigger-control\",\"turn-complete\"],[\"session-in-event-id\",\"2\"]]");
  CHECK_EQ_INT(W.shown_len, shown0);
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_TURN_COMPLETE), 0);
  feed_data(8, DELTA("new"), "g1");
  CHECK_EQ_STR(w_last(&W, TC_CHAT_EV_TEXT)->text, "new");
  CHECK_EQ_INT(W.shown_len, shown0 + 3);
  CHECK_EQ_INT(tc_chat_session(&W.chat).streaming, 1);
}

/* The session is gone (404) after a drop in the middle of a long record:
 * the recreated session's seq_nums start again, and its record with the
 * half-shown one's seq_num is new text, shown whole (what was shown of the
 * old one must not be skipped in it). */
static void test_long_delta_session_recreated_mid_record(void)
{
  static char text[2500];
  size_t shown0;
  streaming_turn(1);
  feed_data(5, DELTA("x"), "f0");
  fake_reply_n(&W.out, long_batch(6, text, sizeof text), 2000);
  fake_eof(&W.out);
  w_step(&W);
  CHECK(W.shown_len > 1);
  w_advance(&W, 6000);
  w_take_out(&W);
  CHECK_EQ_STR(w_header(&W, "Last-Event-ID"), "5");
  fake_reply(&W.out, json_resp(404, "{}"));
  w_step(&W);
  CHECK_EQ_INT(w_last(&W, TC_CHAT_EV_STREAM_ERROR)->err, TC_ERR_STREAM_GONE);
  shown0 = W.shown_len;
  CHECK_EQ_INT(tc_chat_send_text(&W.chat, "hi", 2, NULL), TC_OK);
  w_step(&W);
  w_take_req(&W);
  fake_reply(&W.req, json_resp(404, "{}"));
  w_step(&W);
  tc_chat_provide_session(&W.chat, TOK2, strlen(TOK2), false);
  w_step(&W);
  w_take_req(&W);
  w_append_ok(&W, 0);
  w_take_out(&W);
  CHECK(!w_has(&W, "Last-Event-ID"));
  scn_out_streams();
  fake_reply(&W.out, long_batch(6, text, sizeof text));
  w_step(&W);
  CHECK_EQ_INT(W.shown_len - shown0, sizeof text);
  CHECK(W.shown_len - shown0 == sizeof text && memcmp(W.shown + shown0, text, sizeof text) == 0);
}

static void test_s30_stop_at_boundary_does_not_gate(void)
{
  first_turn_done();
  stop_now();
  scn_next_turn_streams(4);
  feed_data(6, DELTA("fresh"), "i1");
  CHECK_EQ_STR(w_last(&W, TC_CHAT_EV_TEXT)->text, "fresh");
}

static void test_s31_lost_output_after_stop(void)
{
  streaming_turn(2);
  stop_now();
  scn_next_turn_streams(4);
  feed_control(13, "[[\"trigger-control\",\"turn-complete\"],[\"session-in-event-id\",\"4\"]]");
  CHECK_EQ_INT(w_last(&W, TC_CHAT_EV_STREAM_ERROR)->err, TC_ERR_OUTPUT_LOST);
  CHECK_EQ_INT(tc_chat_session(&W.chat).streaming, 0);
  CHECK(!W.chat.gate);
}

static void test_s32_void_action_settles(void)
{
  first_turn_done();
  CHECK_EQ_INT(tc_chat_send_action(&W.chat, "{\"type\":\"undo\"}", 15, "{\"k\":1}"), TC_OK);
  w_step(&W);
  w_take_req(&W);
  CHECK(w_has(&W, "\r\n\r\n{\"kind\":\"message\",\"payload\":{\"chatId\":\"c1\",\"trigger\":\"action\",\"action\":{\"type\":\"undo\"},\"metadata\":{\"k\":1}}}"));
  w_append_ok(&W, 7);
  w_take_out(&W);
  scn_out_streams();
  feed_control(6, "[[\"trigger-control\",\"turn-complete\"],[\"session-in-event-id\",\"7\"]]");
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_CHUNK), 5); /* turn 1's only */
  CHECK(w_last(&W, TC_CHAT_EV_TURN_COMPLETE)->settled);
  CHECK_EQ_INT(w_last(&W, TC_CHAT_EV_TURN_COMPLETE)->input_seq, 7);
  CHECK_EQ_INT(w_last(&W, TC_CHAT_EV_TURN_COMPLETE)->sie, 7);
  CHECK_EQ_INT(w_last(&W, TC_CHAT_EV_TURN_COMPLETE)->seq, 6);
  CHECK_EQ_INT(W.out.connected, false);
}

static void approval_turn(void)
{
  sse_b_t s;
  streaming_turn(0);
  sse_begin(&s);
  sse_data(&s, 1, "{\"type\":\"start\",\"messageId\":\"asst_7Yd\"}", "a1");
  sse_data(&s, 2, "{\"type\":\"tool-input-start\",\"toolCallId\":\"call_1\",\"toolName\":\"sendEmail\"}", "a2");
  sse_data(&s, 3, "{\"type\":\"tool-input-available\",\"toolCallId\":\"call_1\",\"toolName\":\"sendEmail\",\"input\":{\"to\":\"x\"}}", "a3");
  sse_data(&s, 4, "{\"type\":\"tool-approval-request\",\"approvalId\":\"appr_1\",\"toolCallId\":\"call_1\"}", "a4");
  sse_data(&s, 5, "{\"type\":\"finish\",\"finishReason\":\"tool-calls\"}", "a5");
  sse_control(&s, 6, "[[\"trigger-control\",\"turn-complete\"],[\"session-in-event-id\",\"0\"]]");
  scn_feed_batch(&s);
}

static void test_s33_tool_approval_round_trip(void)
{
  approval_turn();
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_TURN_COMPLETE), 1);
  CHECK_EQ_INT(tc_chat_answer_approval(&W.chat, "nope", true, NULL), TC_ERR_ARG);
  CHECK_EQ_INT(tc_chat_answer_approval(&W.chat, "appr_1", true, NULL), TC_OK);
  w_step(&W);
  w_take_req(&W);
  CHECK(w_has(&W, "\r\n\r\n{\"kind\":\"message\",\"payload\":{\"message\":{\"id\":\"asst_7Yd\",\"role\":\"assistant\",\"parts\":[{\"type\":\"tool-sendEmail\",\"toolCallId\":\"call_1\",\"state\":\"approval-responded\",\"approval\":{\"id\":\"appr_1\",\"approved\":true}}]},\"chatId\":\"c1\",\"trigger\":\"submit-message\",\"messageId\":\"asst_7Yd\"}}"));
  w_append_ok(&W, 1);
  CHECK_EQ_STR(w_last(&W, TC_CHAT_EV_MESSAGE_SENT)->text, "asst_7Yd"); /* the message id */
  w_take_out(&W);
  scn_out_streams();
  feed_data(7, "{\"type\":\"tool-output-available\",\"toolCallId\":\"call_1\",\"output\":{\"sent\":true}}", "b1");
  CHECK_EQ_INT(w_last(&W, TC_CHAT_EV_CHUNK)->chunk, TC_CHUNK_TOOL_OUTPUT_AVAILABLE);
  /* a denial with a reason, after a reboot (the ids are in the record) */
  {
    feed_control(8, "[[\"trigger-control\",\"turn-complete\"],[\"session-in-event-id\",\"1\"]]");
    scn_reboot();
    CHECK_EQ_INT(tc_chat_restore(&W.chat, NULL, 0), TC_OK);
    CHECK_EQ_INT(tc_chat_answer_approval(&W.chat, "appr_1", false, "User denied"), TC_OK);
    w_step(&W);
    w_take_req(&W);
    CHECK(w_has(&W, "\"approval\":{\"id\":\"appr_1\",\"approved\":false,\"reason\":\"User denied\"}}]}"));
  }
}

static void test_s33b_tool_output_hitl(void)
{
  approval_turn();
  CHECK_EQ_INT(tc_chat_add_tool_output(&W.chat, "call_1", "{\"ok\":1}", 8), TC_OK);
  w_step(&W);
  w_take_req(&W);
  CHECK(w_has(&W, "\"parts\":[{\"type\":\"tool-sendEmail\",\"toolCallId\":\"call_1\",\"state\":\"output-available\",\"output\":{\"ok\":1}}]},\"chatId\":\"c1\",\"trigger\":\"submit-message\",\"messageId\":\"asst_7Yd\"}}"));
  CHECK_EQ_INT(tc_chat_add_tool_output(&W.chat, "call_9", "1", 1), TC_ERR_ARG);
}

static void test_s34_steering_keeps_out_open(void)
{
  int opens, closes;
  streaming_turn(0);
  feed_data(1, DELTA("a"), "s1");
  opens = W.out.opens;
  closes = W.out.closes;
  CHECK_EQ_INT(tc_chat_steer_text(&W.chat, "also this", 9, NULL), TC_OK);
  w_step(&W);
  w_take_req(&W);
  CHECK(w_has(&W, "\"parts\":[{\"type\":\"text\",\"text\":\"also this\"}]},\"chatId\":\"c1\",\"trigger\":\"submit-message\"}}"));
  CHECK(!w_has(&W, "messageId"));
  w_append_ok(&W, 1);
  CHECK_EQ_INT(w_last(&W, TC_CHAT_EV_MESSAGE_SENT)->source, TC_CHAT_SRC_STEER);
  CHECK_EQ_INT(W.out.opens, opens);
  CHECK_EQ_INT(W.out.closes, closes);
  feed_data(2, DELTA("b"), "s2");
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_TEXT), 2);
}

static void test_s35_continuation_keeps_token_and_cursor(void)
{
  first_turn_done();
  w_turn(&W, 1);
  CHECK_EQ_STR(w_header(&W, "Authorization"), "Bearer " TOK1);
  w_take_out(&W);
  CHECK_EQ_STR(w_header(&W, "Last-Event-ID"), "5");
  scn_out_streams();
  feed_data(100, DELTA("new run"), "n1");
  feed_control(101, "[[\"trigger-control\",\"turn-complete\"],[\"session-in-event-id\",\"1\"]]");
  CHECK_EQ_INT(tc_chat_session(&W.chat).cursor, 101);
}

static void test_s36_upgrade_required_keeps_reading(void)
{
  int opens;
  streaming_turn(0);
  opens = W.out.opens;
  feed_data(1, DELTA("v1"), "u1");
  feed_control(2, "[[\"trigger-control\",\"upgrade-required\"]]");
  feed_data(3, DELTA("v2"), "u2");
  CHECK_EQ_INT(W.out.opens, opens);
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_CHUNK), 2);
  CHECK(W.out.connected);
}

static void test_s37_pending_version_is_informational(void)
{
  w_init(&W, "c1");
  tc_chat_preload(&W.chat);
  tc_chat_provide_session(&W.chat, TOK1, strlen(TOK1), true);
  CHECK_EQ_INT(w_last(&W, TC_CHAT_EV_RUN_PENDING_VERSION)->source, TC_CHAT_SRC_START);
  tc_chat_send_text(&W.chat, "hi", 2, NULL);
  w_step(&W);
  fake_reply(&W.req, json_resp(200, "{\"ok\":true,\"seq\":0,\"pendingVersion\":true}"));
  w_step(&W);
  CHECK_EQ_INT(w_last(&W, TC_CHAT_EV_RUN_PENDING_VERSION)->source, TC_CHAT_SRC_SEND);
  scn_out_streams();
  feed_control(1, "[[\"trigger-control\",\"pending-version\"]]");
  CHECK_EQ_INT(w_last(&W, TC_CHAT_EV_RUN_PENDING_VERSION)->source, TC_CHAT_SRC_UPGRADE);
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_RUN_PENDING_VERSION), 3);
  feed_control(2, "[[\"trigger-control\",\"turn-complete\"],[\"session-in-event-id\",\"0\"]]");
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_TURN_COMPLETE), 1);
}

static void test_s38_errored_turn_keeps_token(void)
{
  streaming_turn(0);
  feed_data(1, "{\"type\":\"error\",\"errorText\":\"boom\"}", "x1");
  feed_control(2, "[[\"trigger-control\",\"turn-complete\"],[\"session-in-event-id\",\"0\"]]");
  CHECK_EQ_INT(w_last(&W, TC_CHAT_EV_CHUNK)->chunk, TC_CHUNK_ERROR);
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_TURN_COMPLETE), 1);
  w_turn(&W, 1);
  CHECK_EQ_STR(w_header(&W, "Authorization"), "Bearer " TOK1);
}

static void test_s39_trimmed_cursor_clamped_to_old_boundary(void)
{
  streaming_turn(6);
  /* the server clamps to the earliest surviving record: the previous turn-complete */
  feed_control(30, "[[\"trigger-control\",\"turn-complete\"],[\"session-in-event-id\",\"5\"]]");
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_TURN_COMPLETE), 0);
  feed_data(31, DELTA("ok"), "t1");
  feed_control(32, "[[\"trigger-control\",\"turn-complete\"],[\"session-in-event-id\",\"6\"]]");
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_TURN_COMPLETE), 1);
}

static void test_s40_never_sends_the_sse_id(void)
{
  streaming_turn(0);
  fake_reply(&W.out, "event: batch\nid: 12,3,612\ndata: {\"records\":[{\"seq_num\":12,\"timestamp\":1,\"body\":\"{\\\"data\\\":{\\\"type\\\":\\\"start\\\"},\\\"id\\\":\\\"q\\\"}\"}]}\n\n");
  w_step(&W);
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_CHUNK), 1);
  W.out.fail_after = TC_ERR_NET_RESET;
  w_step(&W);
  w_advance(&W, 1000);
  w_take_out(&W);
  CHECK_EQ_STR(w_header(&W, "Last-Event-ID"), "12");
}

static void test_s41_timeout_seconds_is_valid(void)
{
  tc_transport_t t = { &fake_net_ops, &W.out }, q = { &fake_net_ops, &W.req };
  w_init(&W, NULL);
  W.cfg.timeout_seconds = 601;
  CHECK_EQ_INT(tc_chat_init(&W.chat, &W.cfg, "c1", t, q, &W.bufs), TC_ERR_CONFIG);
  W.cfg.timeout_seconds = 30;
  CHECK_EQ_INT(tc_chat_init(&W.chat, &W.cfg, "c1", t, q, &W.bufs), TC_OK);
  w_session(&W);
  restore_record(TC_SESS_F_CURSOR, 1, 0);
  W.cfg.timeout_seconds = 30;
  tc_chat_resume(&W.chat);
  w_step(&W);
  w_take_out(&W);
  CHECK_EQ_STR(w_header(&W, "Timeout-Seconds"), "30");
}

static void test_s42_non_retryable_statuses(void)
{
  static const int codes[] = { 400, 404, 409, 410, 422 };
  for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
    int opens;
    w_init(&W, "c1");
    w_session(&W);
    w_turn(&W, 0);
    fake_reply(&W.out, json_resp(codes[i], "{\"error\":\"Not found\"}"));
    w_step(&W);
    opens = W.out.opens;
    w_advance(&W, 60000);
    CHECK_EQ_INT(W.out.opens, opens);
    CHECK_EQ_INT(w_last(&W, TC_CHAT_EV_STREAM_ERROR)->err, TC_ERR_STREAM_GONE);
    CHECK_EQ_INT(w_last(&W, TC_CHAT_EV_STREAM_ERROR)->status, codes[i]);
    CHECK_EQ_INT(tc_chat_session(&W.chat).streaming, 0);
  }
}

/* The turn's stream ends; its reconnect meets 410: .out gives up. */
static void give_up_out(void)
{
  fake_eof(&W.out);
  w_step(&W);
  w_advance(&W, 1000); /* the EOF backoff: the GET goes out again */
  w_take_out(&W);
  CHECK(starts(W.req_text, "GET /realtime/v1/sessions/c1/out "));
  fake_reply(&W.out, json_resp(410, "{\"error\":\"gone\"}"));
  w_step(&W);
}

/* The TEXT events of W whose text is t: how many, and how many marked late. */
static void texts_of(const char *t, int *n, int *late)
{
  *n = *late = 0;
  for (int i = 0; i < W.nev; i++)
    if (W.ev[i].type == TC_CHAT_EV_TEXT && strcmp(W.ev[i].text, t) == 0) {
      (*n)++;
      *late += W.ev[i].late;
    }
}

/* .out gave up in the middle of turn 1 (STREAM_ERROR). The next message's
 * .out reads on from the cursor: the rest of turn 1 first (4.8.3 shows it as
 * the start of the next answer), then turn 1's turn-complete, then turn 2.
 * The rest comes marked late; turn 2's text does not. */
static void test_rest_of_a_failed_turn_comes_marked_late(void)
{
  int n, late;
  streaming_turn(0);
  feed_data(0, "{\"type\":\"start\",\"messageId\":\"m_1\"}", "e1");
  feed_data(1, DELTA("first "), "e2");
  give_up_out();
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_STREAM_ERROR), 1);
  CHECK_EQ_INT(tc_chat_session(&W.chat).streaming, 0);
  scn_next_turn_streams(1);
  CHECK_EQ_STR(w_header(&W, "Last-Event-ID"), "1");
  feed_data(2, DELTA("rest"), "e3");
  feed_control(3, "[[\"trigger-control\",\"turn-complete\"],[\"session-in-event-id\",\"0\"]]");
  feed_data(4, "{\"type\":\"start\",\"messageId\":\"m_2\"}", "e4");
  feed_data(5, DELTA("second"), "e5");
  feed_control(6, "[[\"trigger-control\",\"turn-complete\"],[\"session-in-event-id\",\"1\"]]");
  texts_of("first ", &n, &late);
  CHECK_EQ_INT(n, 1);
  CHECK_EQ_INT(late, 0);
  texts_of("rest", &n, &late);
  CHECK_EQ_INT(n, 1);
  CHECK_EQ_INT(late, 1);
  texts_of("second", &n, &late);
  CHECK_EQ_INT(n, 1);
  CHECK_EQ_INT(late, 0);
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_TURN_COMPLETE), 1);
  CHECK_EQ_INT(w_last(&W, TC_CHAT_EV_TURN_COMPLETE)->sie, 1);
}

/* The failed turn never ended (its run crashed: no turn-complete): the next
 * answer's `start` chunk ends what is late. */
static void test_late_ends_at_the_next_answers_start(void)
{
  int n, late;
  streaming_turn(0);
  feed_data(0, "{\"type\":\"start\",\"messageId\":\"m_1\"}", "e1");
  give_up_out();
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_STREAM_ERROR), 1);
  scn_next_turn_streams(1);
  feed_data(1, DELTA("cut"), "e2");
  feed_data(2, "{\"type\":\"start\",\"messageId\":\"m_2\"}", "e3");
  feed_data(3, DELTA("next"), "e4");
  texts_of("cut", &n, &late);
  CHECK_EQ_INT(late, 1);
  texts_of("next", &n, &late);
  CHECK_EQ_INT(n, 1);
  CHECK_EQ_INT(late, 0);
  /* nothing is late in a turn whose stream did not give up */
  feed_control(4, "[[\"trigger-control\",\"turn-complete\"],[\"session-in-event-id\",\"1\"]]");
  scn_next_turn_streams(2);
  feed_data(5, "{\"type\":\"start\",\"messageId\":\"m_3\"}", "e5");
  feed_data(6, DELTA("third"), "e6");
  texts_of("third", &n, &late);
  CHECK_EQ_INT(n, 1);
  CHECK_EQ_INT(late, 0);
}

static void test_s43_retryable_statuses_back_off_forever(void)
{
  static const int codes[] = { 500, 502, 503, 429, 500, 500, 500, 500, 500, 500 };
  static const int lo[] = { 500, 1000, 2000, 2500, 2500, 2500, 2500, 2500, 2500, 2500 };
  w_init(&W, "c1");
  w_session(&W);
  w_turn(&W, 0);
  w_take_out(&W);
  for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
    int opens;
    fake_reply(&W.out, json_resp(codes[i], "{}"));
    w_step(&W);
    opens = W.out.opens;
    w_advance(&W, (uint64_t)lo[i] - 1);
    CHECK_EQ_INT(W.out.opens, opens);
    w_advance(&W, (uint64_t)lo[i] + 1);
    CHECK_EQ_INT(W.out.opens, opens + 1);
  }
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_STREAM_ERROR), 0);
}

static void test_s44_unknown_chunk_types_pass_through(void)
{
  streaming_turn(0);
  feed_data(1, "{\"type\":\"step-start\"}", "k1");
  feed_data(2, "{\"type\":\"data-foo\",\"data\":{\"a\":1},\"transient\":true}", "k2");
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_CHUNK), 2);
  CHECK_EQ_INT(W.ev[W.nev - 2].chunk, TC_CHUNK_UNKNOWN);
  CHECK_EQ_STR(W.ev[W.nev - 2].text, "step-start");
  CHECK_EQ_INT(w_last(&W, TC_CHAT_EV_CHUNK)->chunk, TC_CHUNK_DATA);
}

static void test_s45_preload_twice_one_start(void)
{
  w_init(&W, "c1");
  CHECK_EQ_INT(tc_chat_preload(&W.chat), TC_OK);
  CHECK_EQ_INT(tc_chat_preload(&W.chat), TC_OK);
  CHECK_EQ_INT(W.starts, 1);
  tc_chat_provide_session(&W.chat, TOK1, strlen(TOK1), false);
  CHECK_EQ_INT(tc_chat_preload(&W.chat), TC_OK);
  w_advance(&W, 1000);
  CHECK_EQ_INT(W.starts, 1);
  CHECK_EQ_INT(W.req.opens + W.out.opens, 0);
  CHECK_EQ_INT(tc_chat_state(&W.chat), TC_CHAT_IDLE);
}

static void test_s46_per_endpoint_base_url(void)
{
  w_init(&W, NULL);
  W.cfg.in_url = "https://proxy.example.com/";
  W.cfg.out_url = "https://api.example.com";
  {
    tc_transport_t o = { &fake_net_ops, &W.out }, q = { &fake_net_ops, &W.req };
    tc_chat_init(&W.chat, &W.cfg, "c 1/x", o, q, &W.bufs);
  }
  w_session(&W);
  tc_chat_send_text(&W.chat, "hi", 2, NULL);
  w_step(&W);
  w_take_req(&W);
  CHECK_EQ_STR(W.req.host, "proxy.example.com");
  CHECK(starts(W.req_text, "POST /realtime/v1/sessions/c%201%2Fx/in/append HTTP/1.1\r\nHost: proxy.example.com\r\n"));
  w_append_ok(&W, 0);
  w_take_out(&W);
  CHECK_EQ_STR(W.out.host, "api.example.com");
  CHECK(starts(W.req_text, "GET /realtime/v1/sessions/c%201%2Fx/out HTTP/1.1\r\nHost: api.example.com\r\n"));
  CHECK_EQ_INT(W.out.port, 443);
  CHECK(W.out.tls);
}

int main(void)
{
  RUN(test_s24_reload_idle_peeks_settled);
  RUN(test_s25_reload_fast_path_no_request);
  RUN(test_s26_reload_mid_turn_replays_from_turn_start);
  RUN(test_long_delta_fragments_are_new_text);
  RUN(test_long_delta_resumes_exactly_after_a_drop_mid_record);
  RUN(test_long_delta_cut_every_time_ends_in_the_eof_budget);
  RUN(test_long_delta_stalled_every_time_ends_in_the_stall_budget);
  RUN(test_long_delta_arriving_slowly_is_not_a_stall);
  RUN(test_step_stopped_by_its_read_bound_asks_to_run_again);
  RUN(test_long_delta_send_mid_record_shows_the_rest_once);
  RUN(test_long_delta_send_after_stream_error_shows_the_rest_once);
  RUN(test_long_delta_drop_at_every_byte);
  RUN(test_s27_settled_drain_processes_records_then_ends);
  RUN(test_s28_stale_turn_complete_skipped);
  RUN(test_s29_stop_mid_turn_gates_leftovers);
  RUN(test_long_delta_stop_mid_record_gates_its_rest);
  RUN(test_long_delta_session_recreated_mid_record);
  RUN(test_s30_stop_at_boundary_does_not_gate);
  RUN(test_s31_lost_output_after_stop);
  RUN(test_s32_void_action_settles);
  RUN(test_s33_tool_approval_round_trip);
  RUN(test_s33b_tool_output_hitl);
  RUN(test_s34_steering_keeps_out_open);
  RUN(test_s35_continuation_keeps_token_and_cursor);
  RUN(test_s36_upgrade_required_keeps_reading);
  RUN(test_s37_pending_version_is_informational);
  RUN(test_s38_errored_turn_keeps_token);
  RUN(test_s39_trimmed_cursor_clamped_to_old_boundary);
  RUN(test_s40_never_sends_the_sse_id);
  RUN(test_s41_timeout_seconds_is_valid);
  RUN(test_s42_non_retryable_statuses);
  RUN(test_rest_of_a_failed_turn_comes_marked_late);
  RUN(test_late_ends_at_the_next_answers_start);
  RUN(test_s43_retryable_statuses_back_off_forever);
  RUN(test_s44_unknown_chunk_types_pass_through);
  RUN(test_s45_preload_twice_one_start);
  RUN(test_s46_per_endpoint_base_url);
  return tc_test_finish("chat2");
}

/* test_sse.c — the WHATWG event-stream parser (core/sse.c).
 *
 * Each rule is one test; every input is fed whole, byte by byte and split at
 * every position (and in three at every pair of positions when short). The
 * callbacks write a canonical log in which data pieces are joined, so the log
 * does not depend on the split:
 *   D[type]{data}   dispatch (type "" = message)
 *   X[type]         blank line without data (discard)
 *   I(id)           accepted id (with "+" when truncated)
 *   R<ms>           valid retry
 */
#include <stdio.h>
#include <string.h>

#include "tc_sse.h"
#include "tc_test.h"

#define LOG_CAP 8192
#define DATA_CAP 8192

typedef struct rec {
  tc_sse_t sse;
  char id_buf[64];
  size_t id_cap;           /* passed to tc_sse_init */
  bool no_id_buf;          /* pass NULL, 0 */
  char log[LOG_CAP];
  size_t log_len;
  char data[DATA_CAP];
  size_t data_len;
  size_t data_calls;
  bool piece_seen;         /* a data piece arrived for the current event */
  int bad;                 /* contract violations seen by the callbacks */
  tc_err_t fail_data;      /* returned by on_data when set */
  /* expectations for check() */
  const char *want;
  size_t want_len;
  int want_idle;           /* -1: don't care */
  const char *want_last_id; /* NULL: don't care */
  tc_err_t want_err;
  tc_err_t got_err;
} rec_t;

static void log_put(rec_t *r, const char *p, size_t n)
{
  if (n > LOG_CAP - r->log_len) {
    r->bad++;
    return;
  }
  memcpy(r->log + r->log_len, p, n);
  r->log_len += n;
}

static void log_str(rec_t *r, const char *s) { log_put(r, s, strlen(s)); }

static tc_err_t on_data(void *user, const tc_sse_t *s, const char *p, size_t n)
{
  rec_t *r = user;
  if (n == 0 || p == NULL || !s->data_started) r->bad++;
  r->data_calls++;
  r->piece_seen = true;
  if (r->fail_data != TC_OK) return r->fail_data;
  if (n > DATA_CAP - r->data_len) {
    r->bad++;
    return TC_OK;
  }
  memcpy(r->data + r->data_len, p, n);
  r->data_len += n;
  return TC_OK;
}

static tc_err_t on_dispatch(void *user, const tc_sse_t *s)
{
  rec_t *r = user;
  if (!s->data_started) r->bad++;
  log_str(r, "D[");
  log_put(r, s->event, s->event_len);
  if (s->event_truncated) log_str(r, "+");
  log_str(r, "]{");
  log_put(r, r->data, r->data_len);
  log_str(r, "}");
  r->data_len = 0;
  r->piece_seen = false;
  return TC_OK;
}

static tc_err_t on_discard(void *user, const tc_sse_t *s)
{
  rec_t *r = user;
  if (s->data_started || r->piece_seen) r->bad++;
  log_str(r, "X[");
  log_put(r, s->event, s->event_len);
  log_str(r, "]");
  return TC_OK;
}

static tc_err_t on_id(void *user, const tc_sse_t *s)
{
  rec_t *r = user;
  if (strlen(s->last_id) != s->last_id_len) r->bad++;
  log_str(r, "I(");
  log_put(r, s->last_id, s->last_id_len);
  if (s->last_id_truncated) log_str(r, "+");
  log_str(r, ")");
  return TC_OK;
}

static tc_err_t on_retry(void *user, const tc_sse_t *s, uint64_t ms)
{
  rec_t *r = user;
  char tmp[32];
  (void)s;
  snprintf(tmp, sizeof tmp, "R%llu", (unsigned long long)ms);
  log_str(r, tmp);
  return TC_OK;
}

static const tc_sse_cb_t all_cb = { on_data, on_dispatch, on_discard, on_id, on_retry };

static void rec_reset(void *ctx)
{
  rec_t *r = ctx;
  r->log_len = 0;
  r->data_len = 0;
  r->data_calls = 0;
  r->piece_seen = false;
  r->bad = 0;
  r->got_err = TC_OK;
  if (r->no_id_buf) tc_sse_init(&r->sse, NULL, 0, &all_cb, r);
  else tc_sse_init(&r->sse, r->id_buf, r->id_cap ? r->id_cap : sizeof r->id_buf, &all_cb, r);
}

static int rec_feed(void *ctx, const char *p, size_t n)
{
  rec_t *r = ctx;
  tc_err_t e = tc_sse_feed(&r->sse, p, n);
  if (e != TC_OK) r->got_err = e;
  return e;
}

static void rec_check(void *ctx, const char *mode)
{
  rec_t *r = ctx;
  if (r->log_len != r->want_len || memcmp(r->log, r->want, r->want_len) != 0)
    tc_test_fail(__FILE__, __LINE__, "[%s] log \"%.*s\", expected \"%.*s\"", mode, (int)r->log_len,
                 r->log, (int)r->want_len, r->want);
  if (r->bad) tc_test_fail(__FILE__, __LINE__, "[%s] %d callback contract violations", mode, r->bad);
  if (r->got_err != r->want_err)
    tc_test_fail(__FILE__, __LINE__, "[%s] error %s, expected %s", mode, tc_errname(r->got_err),
                 tc_errname(r->want_err));
  if (r->want_idle >= 0 && tc_sse_idle(&r->sse) != (r->want_idle != 0))
    tc_test_fail(__FILE__, __LINE__, "[%s] idle %d, expected %d", mode, tc_sse_idle(&r->sse), r->want_idle);
  if (r->want_last_id && strcmp(r->sse.last_id, r->want_last_id) != 0)
    tc_test_fail(__FILE__, __LINE__, "[%s] last_id \"%s\", expected \"%s\"", mode, r->sse.last_id,
                 r->want_last_id);
}

static const tc_split_ops_t rec_ops = { rec_reset, rec_feed, rec_check };
static rec_t g_rec;

static rec_t *rec_new(void)
{
  memset(&g_rec, 0, sizeof g_rec);
  g_rec.want_idle = -1;
  return &g_rec;
}

/* Runs `in` (len bytes) through every split and checks the log. */
static void expect_n(rec_t *r, const char *in, size_t len, const char *want)
{
  r->want = want;
  r->want_len = strlen(want);
  tc_test_splits(in, len, &rec_ops, r, 40);
}

#define EXPECT(in, want) expect_n(rec_new(), (in), sizeof(in) - 1, (want))

/* ------------------------------------------------------------ dispatch */

static void test_blank_line_dispatches_data(void)
{
  EXPECT("data: hello\n\n", "D[]{hello}");
  EXPECT("data: a\n\ndata: b\n\n", "D[]{a}D[]{b}");
}

static void test_data_lines_joined_with_lf(void)
{
  EXPECT("data: a\ndata: b\ndata:\ndata: c\n\n", "D[]{a\nb\n\nc}");
  EXPECT("data: a\ndata\n\n", "D[]{a\n}");
  EXPECT("data:\ndata:\n\n", "D[]{\n}");
}

static void test_event_without_data_is_discarded(void)
{
  EXPECT("event: ping\n\n", "X[ping]");
  EXPECT("\n", "X[]");
  EXPECT("id: 1\nretry: 5\n\n", "I(1)R5X[]");
}

static void test_incomplete_event_at_eof_not_dispatched(void)
{
  rec_t *r = rec_new();
  r->want_idle = 0;
  expect_n(r, "data: x\n", 8, "");
  r = rec_new();
  r->want_idle = 0;
  expect_n(r, "data: x\n\ndata: partial", 22, "D[]{x}");
}

static void test_data_with_empty_value_dispatches_empty(void)
{
  EXPECT("data:\n\n", "D[]{}");
  EXPECT("data: \n\n", "D[]{}");
}

/* ------------------------------------------------------------ line ends */

static void test_lf_cr_crlf_line_ends(void)
{
  EXPECT("data: a\rdata: b\r\ndata: c\n\r\n", "D[]{a\nb\nc}");
  EXPECT("data: a\r\r", "D[]{a}");
  EXPECT("data: a\r\n\r\n", "D[]{a}");
  EXPECT("event: e\rdata: x\r\r", "D[e]{x}");
}

static void test_lf_then_cr_is_two_line_ends(void)
{
  EXPECT("data: a\n\rdata: b\n\n", "D[]{a}D[]{b}");
  EXPECT("data: a\r\r\n", "D[]{a}");  /* CR, then CRLF: the blank line */
  EXPECT("data: a\r\n\r\r", "D[]{a}X[]");
  EXPECT("\r\n\r\n", "X[]X[]");
  EXPECT("\n\r", "X[]X[]");
  EXPECT("\r\r", "X[]X[]");
}

static void test_cr_at_end_of_feed_then_lf_is_one_line_end(void)
{
  rec_t *r = rec_new();
  r->want = "D[]{a\nb}";
  r->want_len = strlen(r->want);
  rec_reset(r);
  CHECK_EQ_INT(tc_sse_feed(&r->sse, "data: a\r", 8), TC_OK);
  CHECK_EQ_INT(tc_sse_feed(&r->sse, "\ndata: b\r", 9), TC_OK);
  CHECK(!tc_sse_idle(&r->sse));
  CHECK_EQ_INT(tc_sse_feed(&r->sse, "\n", 1), TC_OK);
  CHECK_EQ_INT(r->log_len, 0); /* the LF was the CR's partner, not a blank line */
  CHECK_EQ_INT(tc_sse_feed(&r->sse, "\r", 1), TC_OK);
  CHECK_EQ_INT(tc_sse_feed(&r->sse, "\n", 1), TC_OK);
  rec_check(r, "explicit feeds");
  CHECK(tc_sse_idle(&r->sse));
  /* a CR at the end of a feed ending a "data" line without colon */
  r = rec_new();
  r->want = "D[]{\n}";
  r->want_len = strlen(r->want);
  rec_reset(r);
  CHECK_EQ_INT(tc_sse_feed(&r->sse, "data\r", 5), TC_OK);
  CHECK_EQ_INT(tc_sse_feed(&r->sse, "\ndata\r", 6), TC_OK);
  CHECK_EQ_INT(tc_sse_feed(&r->sse, "\n\r", 2), TC_OK);
  rec_check(r, "explicit feeds, no colon");
}

/* ------------------------------------------------------------ syntax */

static void test_comment_lines_ignored(void)
{
  EXPECT(": hello\ndata: x\n: data: y\n\n", "D[]{x}");
  EXPECT(":\n\n", "X[]");
  EXPECT(":data: x\n\n", "X[]");
}

static void test_field_without_colon(void)
{
  EXPECT("data\n\n", "D[]{}");
  EXPECT("data\ndata\n\n", "D[]{\n}");
  EXPECT("event\ndata: x\n\n", "D[]{x}");
  EXPECT("event: a\nevent\ndata: x\n\n", "D[]{x}");
  EXPECT("id: 3\nid\n\n", "I(3)I()X[]");
  EXPECT("retry\n\n", "X[]");
}

static void test_one_leading_space_removed(void)
{
  EXPECT("data:x\n\n", "D[]{x}");
  EXPECT("data: x\n\n", "D[]{x}");
  EXPECT("data:  x\n\n", "D[]{ x}");
  EXPECT("data:\tx\n\n", "D[]{\tx}");
  EXPECT("data: x \n\n", "D[]{x }");
  EXPECT("event:  e\ndata: x\n\n", "D[ e]{x}");
}

static void test_colon_in_value_kept(void)
{
  EXPECT("data: a:b: c\n\n", "D[]{a:b: c}");
  EXPECT("data::\n\n", "D[]{:}");
}

static void test_unknown_fields_ignored(void)
{
  EXPECT("foo: bar\nDATA: x\ndata : y\n data: z\ndat: w\ndatas: v\nevents: e\n\n", "X[]");
  EXPECT("retryx: 1\nid2: 4\nidentifier: q\nx\n\n", "X[]");
  EXPECT("foo: bar\ndata: x\nqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq\n\n", "D[]{x}");
}

static void test_field_names_are_case_sensitive(void)
{
  EXPECT("Data: x\nEVENT: e\nId: 1\nRetry: 1\n\n", "X[]");
}

/* ------------------------------------------------------------ event type */

static void test_event_type_set(void)
{
  EXPECT("event: batch\ndata: 1\n\n", "D[batch]{1}");
  EXPECT("data: 1\nevent: late\n\n", "D[late]{1}");
  EXPECT("event: a\nevent: b\ndata: x\n\n", "D[b]{x}");
}

static void test_event_type_reset_after_blank_line(void)
{
  EXPECT("event: batch\ndata: 1\n\ndata: 2\n\n", "D[batch]{1}D[]{2}");
  EXPECT("event: ping\n\ndata: x\n\n", "X[ping]D[]{x}");
}

static void test_event_type_truncated_and_flagged(void)
{
  /* TC_SSE_EVENT_MAX is 16 by default */
  char in[128], want[128];
  char name[TC_SSE_EVENT_MAX + 8];
  memset(name, 'e', sizeof name - 1);
  name[sizeof name - 1] = '\0';
  snprintf(in, sizeof in, "event: %s\ndata: x\n\nevent: ok\ndata: y\n\n", name);
  snprintf(want, sizeof want, "D[%.*s+]{x}D[ok]{y}", TC_SSE_EVENT_MAX, name);
  expect_n(rec_new(), in, strlen(in), want);
  /* exactly TC_SSE_EVENT_MAX bytes is not truncated */
  snprintf(in, sizeof in, "event: %.*s\ndata: x\n\n", TC_SSE_EVENT_MAX, name);
  snprintf(want, sizeof want, "D[%.*s]{x}", TC_SSE_EVENT_MAX, name);
  expect_n(rec_new(), in, strlen(in), want);
}

/* ------------------------------------------------------------ id */

static void test_id_sets_last_event_id(void)
{
  rec_t *r = rec_new();
  r->want_last_id = "12,3,612";
  expect_n(r, "id: 12,3,612\ndata: x\n\n", 22, "I(12,3,612)D[]{x}");
  r = rec_new();
  r->want_last_id = "b";
  expect_n(r, "id: a\nid: b\n\n", 13, "I(a)I(b)X[]");
}

static void test_id_empty_value_sets_empty(void)
{
  rec_t *r = rec_new();
  r->want_last_id = "";
  expect_n(r, "id: 5\n\nid:\n\n", 12, "I(5)X[]I()X[]");
  r = rec_new();
  r->want_last_id = "";
  expect_n(r, "id: 5\nid\n", 9, "I(5)I()");
}

static void test_id_with_nul_ignored(void)
{
  static const char in[] = "id: 7\nid: 1\0002\ndata: x\n\nid: \0\n\n";
  rec_t *r = rec_new();
  r->want_last_id = "7";
  expect_n(r, in, sizeof in - 1, "I(7)D[]{x}X[]");
}

static void test_id_truncated_to_half_buffer(void)
{
  rec_t *r = rec_new();
  r->id_cap = 8; /* two halves of 4: ids keep 3 bytes */
  r->want_last_id = "abc";
  expect_n(r, "id: abcdef\n\n", 12, "I(abc+)X[]");
  r = rec_new();
  r->id_cap = 8;
  r->want_last_id = "xyz";
  expect_n(r, "id: abcdef\nid: xyz\nid: 1\0\n\n", 27, "I(abc+)I(xyz)X[]");
}

static void test_id_without_buffer(void)
{
  rec_t *r = rec_new();
  r->no_id_buf = true;
  r->want_last_id = "";
  expect_n(r, "id: 12\nid:\ndata: x\n\n", 20, "I(+)I()D[]{x}");
}

/* ------------------------------------------------------------ retry */

static void test_retry_digits_only(void)
{
  EXPECT("retry: 1500\n\n", "R1500X[]");
  EXPECT("retry:0\n\n", "R0X[]");
  EXPECT("retry: 15a\nretry: -1\nretry: 1 \nretry:  5\nretry: +3\nretry: 1.5\n\n", "X[]");
  EXPECT("retry:\nretry: \nretry\n\n", "X[]");
  EXPECT("retry: 1:\nretry: /\nretry: 0x1\n\n", "X[]"); /* bytes next to the digits */
  EXPECT("retry: 99999999999999999999999\n\n", "R18446744073709551615X[]");
}

/* ------------------------------------------------------------ BOM */

static void test_bom_stripped_at_start(void)
{
  EXPECT("\xEF\xBB\xBF" "data: x\n\n", "D[]{x}");
  EXPECT("\xEF\xBB\xBF\n\n", "X[]X[]");
}

static void test_bom_only_once_and_only_at_start(void)
{
  /* a second BOM is part of the first field name */
  EXPECT("\xEF\xBB\xBF\xEF\xBB\xBF" "data: x\n\n", "X[]");
  /* a BOM later in the stream is ordinary bytes */
  EXPECT("data: x\n\n\xEF\xBB\xBF" "data: y\n\n", "D[]{x}X[]");
  EXPECT("data: \xEF\xBB\xBF\n\n", "D[]{\xEF\xBB\xBF}");
  /* without a BOM at the start, the first line is untouched */
  EXPECT("data: \xEF\xBB\xBF" "x\n\n", "D[]{\xEF\xBB\xBFx}");
}

static void test_partial_bom_is_ordinary_bytes(void)
{
  /* If EF or EF BB were dropped, the LF would be a blank line (two discards). */
  EXPECT("\xEF\n\n", "X[]");
  EXPECT("\xEF\xBB\n\n", "X[]");
  EXPECT("\xEF\xBB" "data: x\n\n", "X[]");
  EXPECT("\xEF\xBB\xBE\n\n", "X[]");
  rec_t *r = rec_new();
  r->want_idle = 0;
  expect_n(r, "\xEF\xBB", 2, ""); /* a partial line at EOF */
}

/* ------------------------------------------------------------ protocol.md §5.1 */

static void test_s2_batch_ping_error_done(void)
{
  static const char in[] =
      "event: batch\n"
      "id: 12,3,612\n"
      "data: {\"records\":[{\"seq_num\":10,\"timestamp\":1761820000123,\"body\":\"{\\\"data\\\":{\\\"type\\\":"
      "\\\"start\\\",\\\"messageId\\\":\\\"m_1\\\"},\\\"id\\\":\\\"V1StGXR\\\"}\"}],\"tail\":{\"seq_num\":11,"
      "\"timestamp\":1761820000124}}\n"
      "\n"
      "event: ping\n"
      "data: {\"timestamp\":1761820005000}\n"
      "\n"
      "event: error\n"
      "data: read session failed\n"
      "\n"
      "data: [DONE]\n"
      "\n";
  static const char want[] =
      "I(12,3,612)"
      "D[batch]{{\"records\":[{\"seq_num\":10,\"timestamp\":1761820000123,\"body\":\"{\\\"data\\\":{\\\"type\\\":"
      "\\\"start\\\",\\\"messageId\\\":\\\"m_1\\\"},\\\"id\\\":\\\"V1StGXR\\\"}\"}],\"tail\":{\"seq_num\":11,"
      "\"timestamp\":1761820000124}}}"
      "D[ping]{{\"timestamp\":1761820005000}}"
      "D[error]{read session failed}"
      "D[]{[DONE]}";
  rec_t *r = rec_new();
  r->want_idle = 1;
  r->want_last_id = "12,3,612";
  expect_n(r, in, sizeof in - 1, want);
}

static void test_s2_id_after_event_order_insignificant(void)
{
  EXPECT("id: 1,1,10\nevent: batch\ndata: {}\n\n", "I(1,1,10)D[batch]{{}}");
  EXPECT("event: batch\r\nid: 1,1,10\r\ndata: {}\r\n\r\n", "I(1,1,10)D[batch]{{}}");
}

/* ------------------------------------------------------------ streaming */

#ifdef TC_TEST_EMBEDDED
#define BIG_VALUE (512u * 1024u)
#else
#define BIG_VALUE (6u * 1024u * 1024u)
#endif
static char g_big[BIG_VALUE + 64];
static size_t g_big_off, g_big_calls, g_big_dispatch;
static bool g_big_bad;

static tc_err_t big_data(void *user, const tc_sse_t *s, const char *p, size_t n)
{
  (void)user;
  (void)s;
  /* the value starts after "data: " (6 bytes) in g_big */
  if (n == 0 || g_big_off + n > BIG_VALUE || memcmp(p, g_big + 6 + g_big_off, n) != 0) g_big_bad = true;
  g_big_off += n;
  g_big_calls++;
  return TC_OK;
}

static tc_err_t big_dispatch(void *user, const tc_sse_t *s)
{
  (void)user;
  if (strcmp(s->event, "batch") != 0) g_big_bad = true;
  g_big_dispatch++;
  return TC_OK;
}

static void big_run(size_t piece, size_t *calls)
{
  static const tc_sse_cb_t cb = { big_data, big_dispatch, NULL, NULL, NULL };
  static const char head[] = "event: batch\n";
  tc_sse_t s;
  size_t len = 6 + BIG_VALUE + 2;
  tc_sse_init(&s, NULL, 0, &cb, NULL);
  g_big_off = g_big_calls = g_big_dispatch = 0;
  g_big_bad = false;
  CHECK_EQ_INT(tc_sse_feed(&s, head, sizeof head - 1), TC_OK);
  for (size_t at = 0; at < len; at += piece) {
    size_t n = len - at < piece ? len - at : piece;
    if (tc_sse_feed(&s, g_big + at, n) != TC_OK) {
      CHECK(false);
      break;
    }
  }
  CHECK(!g_big_bad);
  CHECK_EQ_INT(g_big_off, BIG_VALUE);
  CHECK_EQ_INT(g_big_dispatch, 1);
  CHECK(tc_sse_idle(&s));
  *calls = g_big_calls;
}

static void test_multi_mib_data_line_streamed_in_spans(void)
{
  size_t calls = 0;
  memcpy(g_big, "data: ", 6);
  for (size_t i = 0; i < BIG_VALUE; i++) g_big[6 + i] = (char)(' ' + (i * 7u) % 90u); /* no CR/LF */
  memcpy(g_big + 6 + BIG_VALUE, "\n\n", 2);

  big_run(6 + BIG_VALUE + 2, &calls); /* whole: one on_data for the whole value */
  CHECK_EQ_INT(calls, 1);
  big_run(4096, &calls); /* one on_data per feed, never per byte */
  CHECK_EQ_INT(calls, (6 + BIG_VALUE + 4095) / 4096);
  big_run(1, &calls);
  CHECK_EQ_INT(calls, BIG_VALUE);
  big_run((6 + BIG_VALUE + 2) / 2 + 1, &calls);
  CHECK_EQ_INT(calls, 2);
}

static void test_data_pieces_one_per_feed(void)
{
  rec_t *r = rec_new();
  rec_reset(r);
  CHECK_EQ_INT(tc_sse_feed(&r->sse, "data: abc", 9), TC_OK);
  CHECK_EQ_INT(r->data_calls, 1);
  CHECK_EQ_MEM(r->data, r->data_len, "abc"); /* delivered before the line ends */
  CHECK_EQ_INT(tc_sse_feed(&r->sse, "def\r\ndata: g", 12), TC_OK);
  CHECK_EQ_INT(r->data_calls, 4); /* "def", "\n", "g" */
  CHECK_EQ_MEM(r->data, r->data_len, "abcdef\ng");
}

static void test_many_events_in_one_feed(void)
{
  EXPECT("data: 1\n\ndata: 2\r\rdata: 3\r\n\r\ndata: 4\n\n", "D[]{1}D[]{2}D[]{3}D[]{4}");
}

/* ------------------------------------------------------------ API */

static void test_idle_states(void)
{
  rec_t *r = rec_new();
  rec_reset(r);
  CHECK(tc_sse_idle(&r->sse));
  CHECK_EQ_INT(tc_sse_feed(&r->sse, "\xEF", 1), TC_OK);
  CHECK(!tc_sse_idle(&r->sse)); /* a partial BOM may be the start of a line */
  rec_reset(r);
  CHECK_EQ_INT(tc_sse_feed(&r->sse, "\xEF\xBB\xBF", 3), TC_OK);
  CHECK(tc_sse_idle(&r->sse));
  CHECK_EQ_INT(tc_sse_feed(&r->sse, "event: x\n", 9), TC_OK);
  CHECK(tc_sse_idle(&r->sse)); /* nothing to dispatch would be lost */
  CHECK_EQ_INT(tc_sse_feed(&r->sse, "da", 2), TC_OK);
  CHECK(!tc_sse_idle(&r->sse));
  CHECK_EQ_INT(tc_sse_feed(&r->sse, "ta: x\n", 6), TC_OK);
  CHECK(!tc_sse_idle(&r->sse));
  CHECK_EQ_INT(tc_sse_feed(&r->sse, "\r", 1), TC_OK);
  CHECK(tc_sse_idle(&r->sse));
  CHECK_EQ_INT(tc_sse_feed(&r->sse, ": c", 3), TC_OK);
  CHECK(!tc_sse_idle(&r->sse));
}

static void test_bad_arguments(void)
{
  rec_t *r = rec_new();
  rec_reset(r);
  CHECK_EQ_INT(tc_sse_feed(&r->sse, NULL, 0), TC_OK);
  CHECK_EQ_INT(tc_sse_feed(&r->sse, NULL, 3), TC_ERR_ARG);
  CHECK_EQ_INT(tc_sse_feed(NULL, "x", 1), TC_ERR_ARG);
  CHECK_EQ_INT(tc_sse_feed(&r->sse, "data: x\n\n", 9), TC_OK);
  CHECK_EQ_MEM(r->log, r->log_len, "D[]{x}");
}

static void test_callback_error_stops_feed(void)
{
  rec_t *r = rec_new();
  rec_reset(r);
  r->fail_data = TC_ERR_CALLBACK;
  CHECK_EQ_INT(tc_sse_feed(&r->sse, "data: x\n\ndata: y\n\n", 18), TC_ERR_CALLBACK);
  CHECK_EQ_INT(r->data_calls, 1);
  CHECK_EQ_INT(r->log_len, 0); /* no dispatch after the error */
  /* usable again after re-init */
  r->fail_data = TC_OK;
  rec_reset(r);
  CHECK_EQ_INT(tc_sse_feed(&r->sse, "data: y\n\n", 9), TC_OK);
  CHECK_EQ_MEM(r->log, r->log_len, "D[]{y}");
}

static void test_optional_callbacks_may_be_null(void)
{
  static const tc_sse_cb_t cb = { on_data, on_dispatch, NULL, NULL, NULL };
  rec_t *r = rec_new();
  rec_reset(r);
  tc_sse_init(&r->sse, r->id_buf, sizeof r->id_buf, &cb, r);
  CHECK_EQ_INT(tc_sse_feed(&r->sse, "id: 4\nretry: 9\n\ndata: x\n\n", 25), TC_OK);
  CHECK_EQ_MEM(r->log, r->log_len, "D[]{x}");
  CHECK_EQ_STR(r->sse.last_id, "4");
}

int main(void)
{
  RUN(test_blank_line_dispatches_data);
  RUN(test_data_lines_joined_with_lf);
  RUN(test_event_without_data_is_discarded);
  RUN(test_incomplete_event_at_eof_not_dispatched);
  RUN(test_data_with_empty_value_dispatches_empty);
  RUN(test_lf_cr_crlf_line_ends);
  RUN(test_lf_then_cr_is_two_line_ends);
  RUN(test_cr_at_end_of_feed_then_lf_is_one_line_end);
  RUN(test_comment_lines_ignored);
  RUN(test_field_without_colon);
  RUN(test_one_leading_space_removed);
  RUN(test_colon_in_value_kept);
  RUN(test_unknown_fields_ignored);
  RUN(test_field_names_are_case_sensitive);
  RUN(test_event_type_set);
  RUN(test_event_type_reset_after_blank_line);
  RUN(test_event_type_truncated_and_flagged);
  RUN(test_id_sets_last_event_id);
  RUN(test_id_empty_value_sets_empty);
  RUN(test_id_with_nul_ignored);
  RUN(test_id_truncated_to_half_buffer);
  RUN(test_id_without_buffer);
  RUN(test_retry_digits_only);
  RUN(test_bom_stripped_at_start);
  RUN(test_bom_only_once_and_only_at_start);
  RUN(test_partial_bom_is_ordinary_bytes);
  RUN(test_s2_batch_ping_error_done);
  RUN(test_s2_id_after_event_order_insignificant);
  RUN(test_multi_mib_data_line_streamed_in_spans);
  RUN(test_data_pieces_one_per_feed);
  RUN(test_many_events_in_one_feed);
  RUN(test_idle_states);
  RUN(test_bad_arguments);
  RUN(test_callback_error_stops_feed);
  RUN(test_optional_callbacks_may_be_null);
  return tc_test_finish("sse");
}

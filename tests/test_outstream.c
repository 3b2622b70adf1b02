/* test_outstream.c — the `.out` decoder (protocol.md §5.1-§5.5, §8 scenarios
 * 9-13, 36-38, 44): record kinds, control subtypes, chunk types, events,
 * cursor, dedupe, bounds (long deltas in fragments, oversized records),
 * bad input. Every vector is fed whole, byte by byte and split at every
 * position; the callbacks write a transcript that must match exactly. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tc_json_int.h"
#include "tc_outstream.h"
#include "tc_test.h"

/* ------------------------------------------------------------ recorder */

typedef struct rec_ctx {
  tc_outstream_t o;
  char buf[TC_OUT_RECORD_MAX];
  size_t cap;                 /* record buffer size used (<= sizeof buf) */
  char log[1 << 16];
  size_t log_len;
  bool log_over;
  tc_err_t feed_err;
  /* fragments: joined, then logged as one delta */
  char *frag;
  size_t frag_len, frag_cap;
  unsigned frag_count;
  bool frag_bad_utf8;
  int stop_after;             /* >0: the Nth on_record returns TC_ERR_CALLBACK */
  int records;
} rec_ctx_t;

static void logf_(rec_ctx_t *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#include <stdarg.h>

/* The several-MiB cases; the emulated boards have 4 MiB of RAM in all. */
#if defined(TC_TEST_EMBEDDED) && TC_TEST_EMBEDDED
#define BIG_RECORD (256u << 10)
#else
#define BIG_RECORD (4u << 20)
#endif
static void logf_(rec_ctx_t *c, const char *fmt, ...)
{
  va_list ap;
  int n;
  if (c->log_over) return;
  va_start(ap, fmt);
  n = vsnprintf(c->log + c->log_len, sizeof c->log - c->log_len, fmt, ap);
  va_end(ap);
  if (n < 0 || (size_t)n >= sizeof c->log - c->log_len) c->log_over = true;
  else c->log_len += (size_t)n;
}

/* Logs a slice with non-printable bytes as \xNN. */
static void log_slice(rec_ctx_t *c, const char *name, tc_slice_t s)
{
  if (!s.ptr) return;
  logf_(c, " %s=", name);
  for (size_t i = 0; i < s.len; i++) {
    unsigned char ch = (unsigned char)s.ptr[i];
    if (ch < 0x20 || ch == '\\') logf_(c, "\\x%02x", ch);
    else logf_(c, "%c", ch);
  }
}

static bool utf8_ok(const char *p, size_t n)
{
  for (size_t i = 0; i < n;) {
    unsigned char ch = (unsigned char)p[i];
    if (ch < 0x80) { i++; continue; }
    int r = tc_json__utf8((const unsigned char *)p + i, n - i);
    if (r <= 0) return false;
    i += (size_t)r;
  }
  return true;
}

static const char *kind_name(tc_record_kind_t k)
{
  return k == TC_REC_DATA ? "data" : k == TC_REC_CONTROL ? "control" : "command";
}

static tc_err_t on_record(void *user, const tc_record_info_t *r)
{
  rec_ctx_t *c = user;
  uint64_t cur = 0;
  bool have = tc_outstream_cursor(&c->o, &cur);
  logf_(c, "R%llu %s", (unsigned long long)r->seq_num, kind_name(r->kind));
  if (r->timestamp != 1761820000123) logf_(c, " ts=%lld", (long long)r->timestamp);
  if (r->duplicate) logf_(c, " dup");
  if (r->oversized) logf_(c, " over");
  if (r->invalid) logf_(c, " inv");
  if (r->error) logf_(c, " %s", tc_errname(r->error));
  log_slice(c, "env", r->envelope_id);
  if (r->fragmented && !r->invalid) {
    /* the text is still to come: the cursor stays before the record */
    logf_(c, " frag");
    if (have && cur >= r->seq_num) logf_(c, " CURSOR-MOVED-EARLY");
  } else if (!have || cur != r->seq_num) {
    logf_(c, " CURSOR-NOT-MOVED");
  }
  logf_(c, "\n");
  if (c->stop_after && ++c->records == c->stop_after) return TC_ERR_CALLBACK;
  return TC_OK;
}

static void log_chunk(rec_ctx_t *c, const tc_chunk_t *k, tc_slice_t delta)
{
  logf_(c, "  chunk %s", k->type == TC_CHUNK_UNKNOWN ? "?" : tc_chunk_type_name(k->type));
  log_slice(c, "type", k->type_name);
  log_slice(c, "id", k->id);
  log_slice(c, "delta", delta);
  log_slice(c, "messageId", k->message_id);
  log_slice(c, "toolCallId", k->tool_call_id);
  log_slice(c, "toolName", k->tool_name);
  log_slice(c, "approvalId", k->approval_id);
  log_slice(c, "errorText", k->error_text);
  log_slice(c, "finishReason", k->finish_reason);
  log_slice(c, "reason", k->reason);
  log_slice(c, "title", k->title);
  log_slice(c, "sourceId", k->source_id);
  log_slice(c, "url", k->url);
  log_slice(c, "mediaType", k->media_type);
  log_slice(c, "filename", k->filename);
  log_slice(c, "pat", k->public_access_token);
  log_slice(c, "input", k->input);
  log_slice(c, "output", k->output);
  log_slice(c, "data", k->data);
  log_slice(c, "meta", k->message_metadata);
  if (k->transient) logf_(c, " transient");
  if (k->dynamic) logf_(c, " dynamic");
  if (k->provider_executed) logf_(c, " providerExecuted");
  if (k->preliminary) logf_(c, " preliminary");
  if (k->type == TC_CHUNK_UNKNOWN) log_slice(c, "raw", k->raw);
  logf_(c, "\n");
}

static tc_err_t on_chunk(void *user, const tc_record_info_t *r, const tc_chunk_t *k)
{
  rec_ctx_t *c = user;
  if (k->delta.ptr && !utf8_ok(k->delta.ptr, k->delta.len)) c->frag_bad_utf8 = true;
  if (!k->fragment) {
    log_chunk(c, k, k->delta);
    return TC_OK;
  }
  /* join fragments */
  if (c->frag_len + k->delta.len > c->frag_cap) {
    size_t ncap = (c->frag_len + k->delta.len) * 2 + 64;
    char *n = realloc(c->frag, ncap);
    if (!n) return TC_ERR_NOSPACE;
    c->frag = n;
    c->frag_cap = ncap;
  }
  memcpy(c->frag + c->frag_len, k->delta.ptr, k->delta.len);
  c->frag_len += k->delta.len;
  c->frag_count++;
  {
    uint64_t cur = 0;
    bool have = tc_outstream_cursor(&c->o, &cur);
    /* past the record with its last fragment, not before */
    if (k->fragment_more ? have && cur >= r->seq_num : !have || cur != r->seq_num)
      logf_(c, "  CURSOR-WRONG-AT-FRAGMENT\n");
  }
  if (!k->fragment_more) {
    tc_slice_t joined = { c->frag, c->frag_len };
    if (c->frag_len > 200) {
      logf_(c, "  fragmented %s", tc_chunk_type_name(k->type));
      log_slice(c, "id", k->id);
      logf_(c, " len=%lu\n", (unsigned long)c->frag_len); /* (newlib-nano has no %zu) */
    } else {
      log_chunk(c, k, joined);
    }
  }
  return TC_OK;
}

static tc_err_t on_control(void *user, const tc_record_info_t *r, const tc_control_t *k)
{
  rec_ctx_t *c = user;
  (void)r;
  logf_(c, "  ctl %d", (int)k->kind);
  log_slice(c, "name", k->name);
  log_slice(c, "pat", k->public_access_token);
  if (k->session_in_event_id >= 0) logf_(c, " in=%lld", (long long)k->session_in_event_id);
  if (k->session_in_consumed_id >= 0) logf_(c, " consumed=%lld", (long long)k->session_in_consumed_id);
  if (k->session_closed) logf_(c, " closed");
  log_slice(c, "reason", k->session_closed_reason);
  if (k->legacy) logf_(c, " legacy");
  logf_(c, "\n");
  return TC_OK;
}

static tc_err_t on_event(void *user, tc_out_event_t ev, tc_slice_t text)
{
  rec_ctx_t *c = user;
  static const char *names[] = { "batch-end", "ping", "done", "error" };
  logf_(c, "EV %s", names[ev]);
  log_slice(c, "text", text);
  logf_(c, "\n");
  return TC_OK;
}

static const tc_outstream_cb_t cbs = { on_record, on_chunk, on_control, on_event };

static rec_ctx_t g;

static void ctx_reset(void *ctx)
{
  rec_ctx_t *c = ctx;
  tc_outstream_init(&c->o, c->buf, c->cap ? c->cap : sizeof c->buf, &cbs, c);
  c->log_len = 0;
  c->log_over = false;
  c->feed_err = TC_OK;
  c->frag_len = 0;
  c->frag_count = 0;
  c->frag_bad_utf8 = false;
  c->records = 0;
}

static int ctx_feed(void *ctx, const char *p, size_t n)
{
  rec_ctx_t *c = ctx;
  c->feed_err = tc_outstream_feed(&c->o, p, n);
  if (c->feed_err != TC_OK) logf_(c, "FEED %s\n", tc_errname(c->feed_err));
  return c->feed_err != TC_OK;
}

static const char *g_expect;
static void ctx_check(void *ctx, const char *mode)
{
  rec_ctx_t *c = ctx;
  if (c->log_over || !tc_test_mem_eq(c->log, c->log_len, g_expect)) {
    tc_test_fail(__FILE__, __LINE__, "[%s] transcript:\n%.*s\nexpected:\n%s", mode, (int)c->log_len, c->log,
                 g_expect);
  }
  if (c->frag_bad_utf8) tc_test_fail(__FILE__, __LINE__, "[%s] a delta was not valid UTF-8", mode);
}

static const tc_split_ops_t ops = { ctx_reset, ctx_feed, ctx_check };

/* Feeds `in` whole, byte by byte and split at every position. */
static void expect_splits(const char *in, size_t len, const char *expect)
{
  g_expect = expect;
  g.cap = 0;
  tc_test_splits(in, len, &ops, &g, 0);
}

static void expect_once(const char *in, size_t len, const char *expect)
{
  g_expect = expect;
  ctx_reset(&g);
  ctx_feed(&g, in, len);
  ctx_check(&g, "whole");
}

#define EXPECT(in, expect) expect_splits((in), sizeof(in) - 1, (expect))

/* ------------------------------------------------------------ builders */

typedef struct sb {
  char *p;
  size_t len, cap;
  int nrec;
} sb_t;

static void sb_put(sb_t *b, const char *s, size_t n)
{
  if (b->len + n + 1 > b->cap) {
    b->cap = (b->len + n + 1) * 2;
    b->p = realloc(b->p, b->cap);
    if (!b->p) abort();
  }
  memcpy(b->p + b->len, s, n);
  b->len += n;
  b->p[b->len] = 0;
}
static void sb_puts(sb_t *b, const char *s) { sb_put(b, s, strlen(s)); }
static void sb_free(sb_t *b) { free(b->p); memset(b, 0, sizeof *b); }

static void batch_open(sb_t *b)
{
  sb_puts(b, "event: batch\nid: 1,2,3\ndata: {\"records\":[");
  b->nrec = 0;
}
static void batch_close(sb_t *b) { sb_puts(b, "],\"tail\":{\"seq_num\":99,\"timestamp\":1}}\n\n"); }

static void rec_open(sb_t *b, unsigned seq)
{
  char tmp[96];
  snprintf(tmp, sizeof tmp, "%s{\"seq_num\":%u,\"timestamp\":1761820000123", b->nrec++ ? "," : "", seq);
  sb_puts(b, tmp);
}

/* A JSON string of s (escaped with the library's writer). */
static void put_jstr(sb_t *b, const char *s, size_t n)
{
  size_t cap = n * 6 + 3;
  char *tmp = malloc(cap);
  tc_buf_t w = tc_buf_make(tmp, cap);
  tc_slice_t sl = { s, n };
  tc_json_put_str(&w, sl);
  sb_put(b, w.ptr, w.len);
  free(tmp);
}

/* A data record: body {"data":<chunk>,"id":"<id>"}. */
static void add_data(sb_t *b, unsigned seq, const char *chunk, const char *id)
{
  sb_t body = { 0 };
  sb_puts(&body, "{\"data\":");
  sb_puts(&body, chunk);
  sb_puts(&body, ",\"id\":\"");
  sb_puts(&body, id);
  sb_puts(&body, "\"}");
  rec_open(b, seq);
  sb_puts(b, ",\"body\":");
  put_jstr(b, body.p, body.len);
  sb_puts(b, "}");
  sb_free(&body);
}

static void add_raw(sb_t *b, unsigned seq, const char *rest)
{
  rec_open(b, seq);
  sb_puts(b, rest);
  sb_puts(b, "}");
}

/* ------------------------------------------------------------ §5.1 framing */

static void test_spec_batch_example(void)
{
  static const char in[] =
    "event: batch\n"
    "id: 12,3,612\n"
    "data: {\"records\":[{\"seq_num\":10,\"timestamp\":1761820000123,\"body\":\"{\\\"data\\\":{\\\"type\\\":\\\"start\\\",\\\"messageId\\\":\\\"m_1\\\"},\\\"id\\\":\\\"V1StGXR\\\"}\"},{\"seq_num\":11,\"timestamp\":1761820000124,\"body\":\"{\\\"data\\\":{\\\"type\\\":\\\"text-start\\\",\\\"id\\\":\\\"t0\\\"},\\\"id\\\":\\\"Uakgb_J\\\"}\"},{\"seq_num\":12,\"timestamp\":1761820000125,\"body\":\"{\\\"data\\\":{\\\"type\\\":\\\"text-delta\\\",\\\"id\\\":\\\"t0\\\",\\\"delta\\\":\\\"Hel\\\"},\\\"id\\\":\\\"5fDk2aP\\\"}\"}],\"tail\":{\"seq_num\":13,\"timestamp\":1761820000125}}\n"
    "\n";
  EXPECT(in,
         "R10 data env=V1StGXR\n"
         "  chunk start type=start messageId=m_1\n"
         "R11 data ts=1761820000124 env=Uakgb_J\n"
         "  chunk text-start type=text-start id=t0\n"
         "R12 data ts=1761820000125 env=5fDk2aP\n"
         "  chunk text-delta type=text-delta id=t0 delta=Hel\n"
         "EV batch-end\n");
}

static void test_ping_with_and_without_tail_moves_nothing(void)
{
  static const char in[] =
    "event: ping\ndata: {\"timestamp\":1761820000000}\n\n"
    ": comment\n"
    "event: ping\ndata: {\"timestamp\":1761820005000,\"tail\":{\"seq_num\":13,\"timestamp\":1}}\n\n";
  EXPECT(in, "EV ping\nEV ping\n");
  CHECK(!tc_outstream_cursor(&g.o, NULL));
  CHECK(tc_outstream_idle(&g.o));
}

static void test_error_event_gives_text(void)
{
  static const char in[] = "event: error\ndata: read session failed: boom\n\n";
  EXPECT(in, "EV error text=read session failed: boom\n");
}

static void test_error_event_text_truncated_on_code_point(void)
{
  sb_t b = { 0 };
  char expect[256];
  sb_puts(&b, "event: error\ndata: ");
  for (int i = 0; i < TC_OUT_ERROR_TEXT_MAX - 1; i++) sb_puts(&b, "a");
  sb_puts(&b, "\xc3\xa9 and more\n\n"); /* é straddles the limit */
  snprintf(expect, sizeof expect, "EV error text=%.*s\n", TC_OUT_ERROR_TEXT_MAX - 1, b.p + 19);
  expect_splits(b.p, b.len, expect);
  sb_free(&b);
}

static void test_done_event(void)
{
  static const char in[] = "data: [DONE]\n\n";
  EXPECT(in, "EV done\n");
  static const char not_done[] = "data: [DONE]x\n\ndata: hello\n\nevent: other\ndata: {}\n\n";
  EXPECT(not_done, "");
}

static void test_done_needs_the_exact_text(void)
{
  /* a message event's text is kept (cut at TC_OUT_ERROR_TEXT_MAX, in the
   * error text's buffer) only to be compared with "[DONE]": a shorter, a
   * multi-line or a longer text is not it, and an error event in between
   * keeps its own text */
  sb_t b = { 0 };
  sb_puts(&b, "data: [DONE\n\ndata: [DO\ndata: NE]\n\ndata: ");
  for (int i = 0; i < TC_OUT_ERROR_TEXT_MAX / 6 + 2; i++) sb_puts(&b, "[DONE]");
  sb_puts(&b, "\n\nevent: error\ndata: x\n\ndata: [DONE]\n\n");
  expect_splits(b.p, b.len, "EV error text=x\nEV done\n");
  sb_free(&b);
}

static void test_multi_line_batch_data(void)
{
  /* two data lines are joined with LF, which is JSON white space */
  static const char in[] =
    "event: batch\n"
    "data: {\"records\":[{\"seq_num\":1,\"timestamp\":1761820000123,\n"
    "data: \"headers\":[[\"\",\"trim\"]],\"body\":\"x\"}]}\n\n";
  EXPECT(in, "R1 command\nEV batch-end\n");
}

static void test_empty_batch_and_no_records_key(void)
{
  static const char in[] =
    "event: batch\ndata: {\"records\":[]}\n\n"
    "event: batch\ndata: {\"tail\":{\"seq_num\":3,\"timestamp\":4},\"x\":[1,{\"a\":null}]}\n\n"
    "event: batch\ndata:\n\n";
  EXPECT(in, "EV batch-end\nEV batch-end\n");
}

/* ------------------------------------------------------------ §5.2 kinds */

static void test_command_record_trim_and_fence(void)
{
  static const char in[] =
    "event: batch\ndata: {\"records\":["
    "{\"seq_num\":19,\"timestamp\":1761820000123,\"headers\":[[\"\",\"trim\"]],\"body\":\"\\u0000\\u0000\\u0000\\u0000\\u0000\\u0000\\u0000\\u0013\"},"
    "{\"seq_num\":20,\"timestamp\":1761820000123,\"headers\":[[\"\",\"fence\"]],\"body\":\"tok\"}"
    "]}\n\n";
  EXPECT(in, "R19 command\nR20 command\nEV batch-end\n");
  {
    uint64_t cur = 0;
    CHECK(tc_outstream_cursor(&g.o, &cur));
    CHECK_EQ_INT(cur, 20);
  }
}

static void test_control_turn_complete_spec_example(void)
{
  static const char in[] =
    "event: batch\ndata: {\"records\":[{\"seq_num\":20,\"timestamp\":1761820003000,\"headers\":[[\"trigger-control\",\"turn-complete\"],[\"public-access-token\",\"eyJhbGciOiJIUzI1NiJ9.e30.sig\"],[\"session-in-event-id\",\"7\"],[\"session-in-consumed-id\",\"7\"]],\"body\":\"\"}]}\n\n";
  EXPECT(in,
         "R20 control ts=1761820003000\n"
         "  ctl 0 name=turn-complete pat=eyJhbGciOiJIUzI1NiJ9.e30.sig in=7 consumed=7\n"
         "EV batch-end\n");
}

static void test_control_with_omitted_body(void)
{
  static const char in[] =
    "event: batch\ndata: {\"records\":[{\"seq_num\":5,\"timestamp\":1761820000123,\"headers\":[[\"trigger-control\",\"turn-complete\"],[\"session-in-event-id\",\"4\"]]}]}\n\n";
  EXPECT(in, "R5 control\n  ctl 0 name=turn-complete in=4\nEV batch-end\n");
}

static void test_control_subtypes_and_siblings(void)
{
  sb_t b = { 0 };
  batch_open(&b);
  add_raw(&b, 1, ",\"headers\":[[\"trigger-control\",\"upgrade-required\"]],\"body\":\"\"");
  add_data(&b, 2, "{\"type\":\"text-delta\",\"id\":\"n\",\"delta\":\"new run\"}", "a1");
  add_raw(&b, 3, ",\"headers\":[[\"trigger-control\",\"pending-version\"]],\"body\":\"\"");
  add_raw(&b, 4,
          ",\"headers\":[[\"trigger-control\",\"turn-complete\"],[\"session-in-event-id\",\"9\"],"
          "[\"session-closed\",\"true\"],[\"session-closed-reason\",\"budget \\u00e9\"],[\"x-other\",\"y\"]],\"body\":\"\"");
  add_raw(&b, 5, ",\"headers\":[[\"trigger-control\",\"session-closed\"],[\"session-closed-reason\",\"done\"]]");
  add_raw(&b, 6, ",\"headers\":[[\"x\",\"1\"],[\"trigger-control\",\"something-new\"],[\"session-in-event-id\",\"abc\"],[\"session-closed\",\"false\"]]");
  batch_close(&b);
  expect_splits(b.p, b.len,
                "R1 control\n  ctl 1 name=upgrade-required\n"
                "R2 data env=a1\n  chunk text-delta type=text-delta id=n delta=new run\n"
                "R3 control\n  ctl 2 name=pending-version\n"
                "R4 control\n  ctl 0 name=turn-complete in=9 closed reason=budget \xc3\xa9\n"
                "R5 control\n  ctl 3 name=session-closed reason=done\n"
                "R6 control\n  ctl 4 name=something-new\n"
                "EV batch-end\n");
  sb_free(&b);
}

static void test_first_header_match_wins(void)
{
  static const char in[] =
    "event: batch\ndata: {\"records\":[{\"seq_num\":1,\"timestamp\":1761820000123,\"headers\":[[\"trigger-control\",\"turn-complete\"],[\"public-access-token\",\"A\"],[\"public-access-token\",\"B\"]]}]}\n\n";
  EXPECT(in, "R1 control\n  ctl 0 name=turn-complete pat=A\nEV batch-end\n");
}

static void test_command_only_when_first_header_is_empty(void)
{
  static const char in[] =
    "event: batch\ndata: {\"records\":[{\"seq_num\":1,\"timestamp\":1761820000123,\"headers\":[[\"a\",\"b\"],[\"\",\"trim\"]],\"body\":\"{\\\"data\\\":{\\\"type\\\":\\\"start-step\\\"},\\\"id\\\":\\\"q\\\"}\"}]}\n\n";
  EXPECT(in, "R1 data env=q\n  chunk start-step type=start-step\nEV batch-end\n");
}

static void test_duplicate_envelope_id(void)
{
  sb_t b = { 0 };
  batch_open(&b);
  add_data(&b, 1, "{\"type\":\"text-delta\",\"id\":\"t\",\"delta\":\"a\"}", "dupid01");
  add_data(&b, 2, "{\"type\":\"text-delta\",\"id\":\"t\",\"delta\":\"a\"}", "dupid01");
  add_data(&b, 3, "{\"type\":\"text-delta\",\"id\":\"t\",\"delta\":\"b\"}", "");
  add_data(&b, 4, "{\"type\":\"text-delta\",\"id\":\"t\",\"delta\":\"c\"}", "");
  batch_close(&b);
  expect_splits(b.p, b.len,
                "R1 data env=dupid01\n  chunk text-delta type=text-delta id=t delta=a\n"
                "R2 data dup env=dupid01\n"
                "R3 data env=\n  chunk text-delta type=text-delta id=t delta=b\n"
                "R4 data env=\n  chunk text-delta type=text-delta id=t delta=c\n"
                "EV batch-end\n");
  {
    uint64_t cur = 0;
    CHECK(tc_outstream_cursor(&g.o, &cur));
    CHECK_EQ_INT(cur, 4);
  }
  sb_free(&b);
}

static void test_dedupe_window_is_fifo(void)
{
  sb_t b = { 0 };
  char id[16];
  batch_open(&b);
  for (unsigned i = 0; i <= TC_OUT_DEDUPE_IDS; i++) {
    snprintf(id, sizeof id, "id%u", i);
    add_data(&b, i + 1, "{\"type\":\"start-step\"}", id);
  }
  add_data(&b, 100, "{\"type\":\"start-step\"}", "id0");  /* evicted: delivered again */
  snprintf(id, sizeof id, "id%u", TC_OUT_DEDUPE_IDS);
  add_data(&b, 101, "{\"type\":\"start-step\"}", id);     /* still remembered */
  batch_close(&b);
  ctx_reset(&g);
  g.cap = 0;
  ctx_feed(&g, b.p, b.len);
  CHECK(strstr(g.log, "R100 data env=id0\n  chunk") != NULL);
  CHECK(strstr(g.log, "R101 data dup") != NULL);
  sb_free(&b);
}

static void test_legacy_trigger_chunks(void)
{
  sb_t b = { 0 };
  batch_open(&b);
  add_data(&b, 1, "{\"type\":\"trigger:turn-complete\",\"publicAccessToken\":\"T2\"}", "l1");
  add_data(&b, 2, "{\"type\":\"trigger:upgrade-required\"}", "l2");
  add_data(&b, 3, "{\"type\":\"trigger:foo\",\"x\":1}", "l3");
  add_data(&b, 4, "{\"type\":\"trigger:turn-complete\",\"sessionInEventId\":\"0\"}", "l4");
  batch_close(&b);
  expect_splits(b.p, b.len,
                "R1 control env=l1\n  ctl 0 name=trigger:turn-complete pat=T2 legacy\n"
                "R2 control env=l2\n  ctl 1 name=trigger:upgrade-required legacy\n"
                "R3 data env=l3\n"
                "R4 control env=l4\n  ctl 0 name=trigger:turn-complete legacy\n"
                "EV batch-end\n");
  sb_free(&b);
}

static void test_unknown_chunk_types_pass_through(void)
{
  sb_t b = { 0 };
  batch_open(&b);
  add_data(&b, 1, "{\"type\":\"step-start\"}", "u1");
  add_data(&b, 2, "{\"type\":\"data-foo\",\"transient\":true,\"data\":{\"k\":[1,2]}}", "u2");
  add_data(&b, 3, "{\"id\":\"x\\n\",\"type\":\"future-thing\",\"extra\":{\"a\":\"b\"}}", "u3");
  batch_close(&b);
  expect_splits(b.p, b.len,
                "R1 data env=u1\n  chunk ? type=step-start raw={\"type\":\"step-start\"}\n"
                "R2 data env=u2\n  chunk data-* type=data-foo data={\"k\":[1,2]} transient\n"
                "R3 data env=u3\n  chunk ? type=future-thing raw={\"id\":\"x\\x5cn\",\"type\":\"future-thing\",\"extra\":{\"a\":\"b\"}}\n"
                "EV batch-end\n");
  sb_free(&b);
}

static void test_data_as_json_string(void)
{
  sb_t b = { 0 };
  batch_open(&b);
  /* {"data":"{\"type\":\"text-delta\",\"id\":\"s\",\"delta\":\"q\\\"\"}","id":"s1"} */
  add_data(&b, 1, "\"{\\\"type\\\":\\\"text-delta\\\",\\\"id\\\":\\\"s\\\",\\\"delta\\\":\\\"q\\\\\\\"\\\"}\"", "s1");
  batch_close(&b);
  expect_splits(b.p, b.len, "R1 data env=s1\n  chunk text-delta type=text-delta id=s delta=q\"\nEV batch-end\n");
  sb_free(&b);
}

static void test_every_chunk_type(void)
{
  static const char *const chunks[] = {
    "{\"type\":\"start\",\"messageId\":\"m1\",\"messageMetadata\":{\"a\":1}}",
    "{\"type\":\"start-step\"}",
    "{\"type\":\"text-start\",\"id\":\"t\",\"providerMetadata\":{\"x\":{}}}",
    "{\"type\":\"text-delta\",\"id\":\"t\",\"delta\":\"h\\u00e9\\n\\\"\\ud83d\\ude00\"}",
    "{\"type\":\"text-end\",\"id\":\"t\"}",
    "{\"type\":\"reasoning-start\",\"id\":\"r\"}",
    "{\"type\":\"reasoning-delta\",\"id\":\"r\",\"delta\":\"think\"}",
    "{\"type\":\"reasoning-end\",\"id\":\"r\"}",
    "{\"type\":\"tool-input-start\",\"toolCallId\":\"c1\",\"toolName\":\"weather\",\"dynamic\":true,\"providerExecuted\":false,\"title\":\"W\"}",
    "{\"type\":\"tool-input-delta\",\"toolCallId\":\"c1\",\"inputTextDelta\":\"{\\\"ci\"}",
    "{\"type\":\"tool-input-available\",\"toolCallId\":\"c1\",\"toolName\":\"weather\",\"input\":{\"city\":\"Oslo\"},\"providerExecuted\":true}",
    "{\"type\":\"tool-input-error\",\"toolCallId\":\"c2\",\"toolName\":\"w\",\"input\":\"bad\",\"errorText\":\"nope\"}",
    "{\"type\":\"tool-output-available\",\"toolCallId\":\"c1\",\"output\":[1,\"two\",null],\"preliminary\":true}",
    "{\"type\":\"tool-output-error\",\"toolCallId\":\"c3\",\"errorText\":\"failed\"}",
    "{\"type\":\"tool-approval-request\",\"approvalId\":\"ap1\",\"toolCallId\":\"c4\"}",
    "{\"type\":\"tool-output-denied\",\"toolCallId\":\"c4\"}",
    "{\"type\":\"source-url\",\"sourceId\":\"s1\",\"url\":\"https://x.test/a\",\"title\":\"A\"}",
    "{\"type\":\"source-document\",\"sourceId\":\"s2\",\"mediaType\":\"text/plain\",\"title\":\"Doc\",\"filename\":\"d.txt\"}",
    "{\"type\":\"file\",\"url\":\"data:,x\",\"mediaType\":\"image/png\"}",
    "{\"type\":\"data-weather\",\"id\":\"w1\",\"data\":{\"t\":3}}",
    "{\"type\":\"message-metadata\",\"messageMetadata\":{\"u\":2}}",
    "{\"type\":\"finish-step\"}",
    "{\"type\":\"finish\",\"finishReason\":\"tool-calls\",\"messageMetadata\":null}",
    "{\"type\":\"error\",\"errorText\":\"boom\"}",
    "{\"type\":\"abort\",\"reason\":\"user\"}",
  };
  sb_t b = { 0 };
  char id[8];
  batch_open(&b);
  for (unsigned i = 0; i < sizeof chunks / sizeof chunks[0]; i++) {
    snprintf(id, sizeof id, "e%u", i);
    add_data(&b, i + 1, chunks[i], id);
  }
  batch_close(&b);
  g_expect =
    "R1 data env=e0\n  chunk start type=start messageId=m1 meta={\"a\":1}\n"
    "R2 data env=e1\n  chunk start-step type=start-step\n"
    "R3 data env=e2\n  chunk text-start type=text-start id=t\n"
    "R4 data env=e3\n  chunk text-delta type=text-delta id=t delta=h\xc3\xa9\\x0a\"\xf0\x9f\x98\x80\n"
    "R5 data env=e4\n  chunk text-end type=text-end id=t\n"
    "R6 data env=e5\n  chunk reasoning-start type=reasoning-start id=r\n"
    "R7 data env=e6\n  chunk reasoning-delta type=reasoning-delta id=r delta=think\n"
    "R8 data env=e7\n  chunk reasoning-end type=reasoning-end id=r\n"
    "R9 data env=e8\n  chunk tool-input-start type=tool-input-start toolCallId=c1 toolName=weather title=W dynamic\n"
    "R10 data env=e9\n  chunk tool-input-delta type=tool-input-delta delta={\"ci toolCallId=c1\n"
    "R11 data env=e10\n  chunk tool-input-available type=tool-input-available toolCallId=c1 toolName=weather input={\"city\":\"Oslo\"} providerExecuted\n"
    "R12 data env=e11\n  chunk tool-input-error type=tool-input-error toolCallId=c2 toolName=w errorText=nope input=\"bad\"\n"
    "R13 data env=e12\n  chunk tool-output-available type=tool-output-available toolCallId=c1 output=[1,\"two\",null] preliminary\n"
    "R14 data env=e13\n  chunk tool-output-error type=tool-output-error toolCallId=c3 errorText=failed\n"
    "R15 data env=e14\n  chunk tool-approval-request type=tool-approval-request toolCallId=c4 approvalId=ap1\n"
    "R16 data env=e15\n  chunk tool-output-denied type=tool-output-denied toolCallId=c4\n"
    "R17 data env=e16\n  chunk source-url type=source-url title=A sourceId=s1 url=https://x.test/a\n"
    "R18 data env=e17\n  chunk source-document type=source-document title=Doc sourceId=s2 mediaType=text/plain filename=d.txt\n"
    "R19 data env=e18\n  chunk file type=file url=data:,x mediaType=image/png\n"
    "R20 data env=e19\n  chunk data-* type=data-weather id=w1 data={\"t\":3}\n"
    "R21 data env=e20\n  chunk message-metadata type=message-metadata meta={\"u\":2}\n"
    "R22 data env=e21\n  chunk finish-step type=finish-step\n"
    "R23 data env=e22\n  chunk finish type=finish finishReason=tool-calls meta=null\n"
    "R24 data env=e23\n  chunk error type=error errorText=boom\n"
    "R25 data env=e24\n  chunk abort type=abort reason=user\n"
    "EV batch-end\n";
  g.cap = 0;
  tc_test_splits(b.p, b.len, &ops, &g, 0);
  sb_free(&b);
}

static void test_escapes_and_surrogates_at_every_split(void)
{
  sb_t b = { 0 };
  batch_open(&b);
  /* inner escapes (doubled on the wire) and outer \u escapes of raw text */
  add_data(&b, 1, "{\"type\":\"text-delta\",\"id\":\"t\",\"delta\":\"\\ud83d\\ude00|\\u00e9|\\u20ac|\\/|\\t\"}", "x1");
  batch_close(&b);
  /* the same delta with the outer layer using \u escapes for the raw bytes */
  sb_puts(&b, "event: batch\ndata: {\"records\":[{\"seq_num\":2,\"timestamp\":1761820000123,\"body\":"
              "\"{\\\"data\\\":{\\\"type\\\":\\\"text-delta\\\",\\\"id\\\":\\\"t\\\",\\\"delta\\\":\\\"\\ud83d\\ude00|\\u00e9|\u20ac|\xf0\x9f\x98\x80\\\"},\\\"id\\\":\\\"x2\\\"}\"}]}\n\n");
  expect_splits(b.p, b.len,
                "R1 data env=x1\n  chunk text-delta type=text-delta id=t delta=\xf0\x9f\x98\x80|\xc3\xa9|\xe2\x82\xac|/|\\x09\n"
                "EV batch-end\n"
                "R2 data env=x2\n  chunk text-delta type=text-delta id=t delta=\xf0\x9f\x98\x80|\xc3\xa9|\xe2\x82\xac|\xf0\x9f\x98\x80\n"
                "EV batch-end\n");
  sb_free(&b);
}

/* A body given whole to the decoder is read in one pass from its escaped
 * text when it has the usual shape (core/chunk.c tc_chunk__parse_esc); in
 * any other case, and split across feeds, the general path decodes it. Both
 * must say the same: the transcript of a byte-by-byte feed (general path
 * only) must equal the whole feed's and every split's, over bodies that the
 * one-pass parser takes, gives up on at different places, or finds bad. */
static void test_one_pass_body_matches_general_path(void)
{
  static const char *const chunks[] = {
    "{\"type\":\"text-delta\",\"id\":\"t\",\"delta\":\"plain\"}",
    "{\"type\":\"text-delta\",\"id\":\"t\",\"delta\":\"a\\\"b\\\\c\\nd\\u00e9\\ud83d\\ude00\\/\"}",
    "{\"type\":\"text-delta\",\"id\":\"t\",\"delta\":\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"}",
    "{\"type\":\"text-delta\",\"id\":\"t\",\"delta\":\"bad \\x escape\"}",
    "{\"type\":\"text-delta\",\"id\":\"t\",\"delta\":\"lone \\ud83d\"}",
    "{\"type\":\"text-delta\",\"id\":\"t\",\"delta\":\"lone \\ude00 low\"}",
    "{\"type\":\"data-x\",\"id\":\"d\",\"transient\":true,\"data\":null}",
    "{\"type\":\"tool-output-available\",\"toolCallId\":\"c\",\"output\":{\"a\":[1,\"}\"]},\"preliminary\":false}",
    "{\"type\":\"start\",\"messageId\":\"m\",\"unknownKey\":\"v\\\"q\\u0041\"}",
    "{\"type\":\"start\",\"messageId\":\"m\",\"unknownKey\":\"bad \\q\"}",
    "{\"type\":\"text-delta\",\"type\":\"text-end\",\"id\":\"t\"}",
    "{\"type\":\"finish\",\"finishReason\":null}",
    "{\"type\":\"step-start\",\"x\":1}",
    "{\"type\":\"step-start\",\"x\":\"a\\\"b\"}",
    "{\"type\":\"text-delta\",\"id\":5}",
    "{\"type\":\"start\",\"dynamic\":\"yes\"}",
    "{\"type\":\"tool-input-start\",\"toolCallId\":\"c\",\"toolName\":\"n\",\"dynamic\":true,\"providerExecuted\":false}",
    "{\"type\":\"trigger:turn-complete\",\"publicAccessToken\":\"tok\"}",
    "{\"type\":\"trigger:upgrade-required\"}",
    "{\"type\":\"trigger:other\"}",
    "{\"type\":\"te\\u0078t-end\",\"id\":\"t\"}",
    "{\"id\":\"t\"}",
    "{}",
    "{\"type\":\"text-end\",\"id\":\"t\",\"providerMetadata\":{\"k\":\"v\"}}",
    "{\"type\":\"text-end\",\"id\":\"t\",\"tru\":tru}",
    "{\"type\":\"text-end\",\"id\":\"t\",\"n\":nul}",
  };
  /* bodies written by hand: envelope shapes and outer-level escapes */
  static const char *const raw[] = {
    ",\"body\":\"{\\\"data\\\":{\\\"type\\\":\\\"text-start\\\",\\\"id\\\":\\\"t\\\"}}\"",
    ",\"body\":\"{\\\"id\\\":\\\"e1\\\",\\\"data\\\":{\\\"type\\\":\\\"text-start\\\",\\\"id\\\":\\\"t\\\"}}\"",
    ",\"body\":\"{ \\\"data\\\" : {\\\"type\\\":\\\"text-end\\\",\\\"id\\\":\\\"t\\\"} , \\\"id\\\":\\\"e2\\\" }\"",
    ",\"body\":\"{\\\"data\\\":\\\"{\\\\\\\"type\\\\\\\":\\\\\\\"text-end\\\\\\\",\\\\\\\"id\\\\\\\":\\\\\\\"s\\\\\\\"}\\\",\\\"id\\\":\\\"e3\\\"}\"",
    ",\"body\":\"{\\u0022data\\\":{\\\"type\\\":\\\"text-delta\\\",\\\"id\\\":\\\"t\\\",\\\"delta\\\":\\\"\\u00e9\\u0041\\\"},\\\"id\\\":\\\"e4\\\"}\"",
    ",\"body\":\"{\\\"data\\\":{\\\"type\\\":\\\"text-delta\\\",\\\"id\\\":\\\"t\\\",\\\"delta\\\":\\\"q\\u0022\\\"},\\\"id\\\":\\\"e5\\\"}\"",
    ",\"body\":\"{\\\"data\\\":{\\\"type\\\":\\\"text-end\\\",\\n\\\"id\\\":\\\"t\\\"},\\\"id\\\":\\\"e6\\\"}\"",
    ",\"body\":\"{\\\"data\\\":{\\\"type\\\":\\\"text-delta\\\",\\\"id\\\":\\\"t\\\",\\\"delta\\\":\\\"\\n\\\"},\\\"id\\\":\\\"e7\\\"}\"",
    ",\"body\":\"{\\\"data\\\":{\\\"type\\\":\\\"text-delta\\\",\\\"id\\\":\\\"t\\\",\\\"delta\\\":\\\"x\xff\\\"},\\\"id\\\":\\\"e8\\\"}\"",
    ",\"body\":\"{\\\"data\\\":{\\\"type\\\":\\\"text-delta\\\",\\\"id\\\":\\\"t\\\",\\\"delta\\\":\\\"x\\u12\\\"},\\\"id\\\":\\\"e9\\\"}\"",
    ",\"body\":\"{\\\"data\\\":{\\\"type\\\":\\\"text-end\\\",\\\"id\\\":\\\"t\\\"},\\\"id\\\":\\\"e10\\\"}\",\"x\":1",
    ",\"body\":\"{\\\"data\\\":{\\\"type\\\":\\\"text-end\\\",\\\"id\\\":\\\"t\\\"},\\\"id\\\":\\\"e11\\\"}\",\"headers\":[[\"a\",\"b\"]]",
    ",\"body\":\"{\\\"data\\\":{\\\"typ\xc3\xa9\\\":\\\"text-end\\\",\\\"type\\\":\\\"text-end\\\"},\\\"id\\\":\\\"e12\\\"}\"",
    ",\"body\":\"{\\\"data\\\":{\\\"type\\\":\\\"text-end\\\",\\\"id\\\":\\\"t\\\"},\\\"id\\\":\\\"e\\\\u0031\\\"}\"",
    ",\"body\":\"{\\\"data\\\":{\\\"type\\\":\\\"text-end\\\",\\\"id\\\":\\\"t\\\"},\\\"id\\\":\\\"e13\\\"} \"",
    ",\"body\":\"{\\\"data\\\":{\\\"type\\\":\\\"text-end\\\",\\\"id\\\":\\\"t\\\"},\\\"id\\\":\\\"e14\\\"}x\"",
  };
  sb_t b = { 0 };
  unsigned seq = 1;
  char id[16];
  static char expect[sizeof g.log + 1];
  batch_open(&b);
  for (unsigned i = 0; i < sizeof chunks / sizeof chunks[0]; i++) {
    snprintf(id, sizeof id, "c%u", i);
    add_data(&b, seq++, chunks[i], id);
  }
  add_data(&b, seq++, chunks[0], "c0"); /* a duplicate of the first record */
  for (unsigned i = 0; i < sizeof raw / sizeof raw[0]; i++) add_raw(&b, seq++, raw[i]);
  batch_close(&b);
  /* the reference: byte by byte, never a whole body in one piece */
  ctx_reset(&g);
  for (size_t i = 0; i < b.len && g.feed_err == TC_OK; i++) ctx_feed(&g, b.p + i, 1);
  CHECK(!g.log_over && g.feed_err == TC_OK);
  memcpy(expect, g.log, g.log_len);
  expect[g.log_len] = 0;
  for (unsigned k = 1; k < seq; k++) { /* every record was reported */
    char tag[16];
    snprintf(tag, sizeof tag, "R%u ", k);
    if (!strstr(expect, tag)) tc_test_fail(__FILE__, __LINE__, "no %s in:\n%s", tag, expect);
  }
  CHECK(strstr(expect, "env=c0\n  chunk text-delta") != NULL); /* the reference decoded records */
  CHECK(strstr(expect, "R27 data dup env=c0") != NULL);
  expect_splits(b.p, b.len, expect);
  sb_free(&b);
}

static void test_errored_turn_then_turn_complete_without_token(void)
{
  /* §8 scenario 38 */
  sb_t b = { 0 };
  batch_open(&b);
  add_data(&b, 30, "{\"type\":\"error\",\"errorText\":\"boom\"}", "err1");
  add_raw(&b, 31, ",\"headers\":[[\"trigger-control\",\"turn-complete\"],[\"session-in-event-id\",\"12\"],[\"session-in-consumed-id\",\"12\"]],\"body\":\"\"");
  batch_close(&b);
  expect_splits(b.p, b.len,
                "R30 data env=err1\n  chunk error type=error errorText=boom\n"
                "R31 control\n  ctl 0 name=turn-complete in=12 consumed=12\n"
                "EV batch-end\n");
  sb_free(&b);
}

static void test_field_order_and_crlf(void)
{
  /* id before event, CRLF line ends, a comment, white space in the JSON */
  static const char in[] =
    ": hi\r\nid: 1,1,10\r\nevent: batch\r\ndata: { \"records\" : [ { \"timestamp\" : 5 , \"seq_num\" : 7 ,"
    " \"headers\" : [ [ \"\" , \"trim\" ] ] } ] , \"tail\" : { \"seq_num\" : 8 } }\r\n\r\n";
  EXPECT(in, "R7 command ts=5\nEV batch-end\n");
}

/* ------------------------------------------------------------ bad input */

static void test_invalid_bodies_are_skipped_stream_continues(void)
{
  static const char in[] =
    "event: batch\ndata: {\"records\":["
    "{\"seq_num\":1,\"timestamp\":1761820000123,\"body\":\"{not json\"},"
    "{\"seq_num\":2,\"timestamp\":1761820000123,\"body\":\"bad \\x escape\"},"
    "{\"seq_num\":3,\"timestamp\":1761820000123,\"body\":\"\\ud800 lone high\"},"
    "{\"seq_num\":4,\"timestamp\":1761820000123,\"body\":\"\\udc00 lone low\"},"
    "{\"seq_num\":5,\"timestamp\":1761820000123,\"body\":\"\\udc00\\ud800 reversed\"},"
    "{\"seq_num\":6,\"timestamp\":1761820000123,\"body\":\"\\ud800\\\" high then quote\"},"
    "{\"seq_num\":7,\"timestamp\":1761820000123,\"body\":\"raw \xc0\xaf overlong\"},"
    "{\"seq_num\":8,\"timestamp\":1761820000123,\"body\":\"raw \xed\xa0\x80 surrogate\"},"
    "{\"seq_num\":9,\"timestamp\":1761820000123,\"body\":\"raw \xf4\x90\x80\x80 too big\"},"
    "{\"seq_num\":10,\"timestamp\":1761820000123,\"body\":\"raw \xe2\x82 cut\"},"
    "{\"seq_num\":11,\"timestamp\":1761820000123,\"body\":\"{\\\"data\\\":{\\\"type\\\":\\\"x\\\",\\\"id\\\":\\\"\\\\q\\\"},\\\"id\\\":\\\"a\\\"}\"},"
    "{\"seq_num\":12,\"timestamp\":1761820000123,\"body\":\"{\\\"data\\\":{\\\"type\\\":\\\"x\\\",\\\"v\\\":\\\"\\n\\\"},\\\"id\\\":\\\"a\\\"}\"},"
    "{\"seq_num\":13,\"timestamp\":1761820000123,\"body\":\"{\\\"data\\\":{\\\"id\\\":\\\"a\\\"},\\\"id\\\":\\\"a\\\"}\"},"
    "{\"seq_num\":14,\"timestamp\":1761820000123,\"body\":\"{\\\"data\\\":{\\\"type\\\":\\\"text-delta\\\",\\\"delta\\\":5},\\\"id\\\":\\\"a\\\"}\"},"
    "{\"seq_num\":15,\"timestamp\":1761820000123,\"body\":\"{\\\"data\\\":{\\\"type\\\":\\\"start\\\"},\\\"id\\\":\\\"a\\\"} x\"},"
    "{\"seq_num\":16,\"timestamp\":1761820000123},"
    "{\"seq_num\":17,\"timestamp\":1761820000123,\"headers\":[[\"a\"]]},"
    "{\"seq_num\":18,\"timestamp\":1761820000123,\"headers\":[\"a\",\"b\"]},"
    "{\"seq_num\":19,\"timestamp\":1761820000123,\"headers\":{},\"body\":7},"
    "{\"seq_num\":20,\"timestamp\":\"x\",\"body\":\"{\\\"data\\\":{\\\"type\\\":\\\"start\\\"},\\\"id\\\":\\\"ok\\\"}\"}"
    "]}\n\n";
  EXPECT(in,
         "R1 data inv TC_ERR_JSON_SYNTAX\n"
         "R2 data inv TC_ERR_JSON_ESCAPE\n"
         "R3 data inv TC_ERR_JSON_SURROGATE\n"
         "R4 data inv TC_ERR_JSON_SURROGATE\n"
         "R5 data inv TC_ERR_JSON_SURROGATE\n"
         "R6 data inv TC_ERR_JSON_SURROGATE\n"
         "R7 data inv TC_ERR_UTF8\n"
         "R8 data inv TC_ERR_UTF8\n"
         "R9 data inv TC_ERR_UTF8\n"
         "R10 data inv TC_ERR_UTF8\n"
         "R11 data inv TC_ERR_JSON_ESCAPE\n"
         "R12 data inv TC_ERR_JSON_SYNTAX\n"
         "R13 data inv TC_ERR_CHUNK_TYPE\n"
         "R14 data inv TC_ERR_JSON_TYPE\n"
         "R15 data inv TC_ERR_JSON_SYNTAX\n"
         "R16 data inv TC_ERR_JSON_SYNTAX\n"
         "R17 data inv TC_ERR_JSON_TYPE\n"
         "R18 data inv TC_ERR_JSON_TYPE\n"
         "R19 data inv TC_ERR_JSON_TYPE\n"
         "R20 data ts=-1 env=ok\n  chunk start type=start\n"
         "EV batch-end\n");
}

static void test_seq_num_must_be_a_non_negative_integer(void)
{
  static const char *const bad[] = {
    "{\"records\":[{\"seq_num\":\"10\",\"timestamp\":1}]}",
    "{\"records\":[{\"seq_num\":1.5,\"timestamp\":1}]}",
    "{\"records\":[{\"seq_num\":1e3,\"timestamp\":1}]}",
    "{\"records\":[{\"seq_num\":-1,\"timestamp\":1}]}",
    "{\"records\":[{\"seq_num\":null}]}",
    "{\"records\":[{\"seq_num\":18446744073709551616}]}",
    "{\"records\":[{\"timestamp\":1,\"body\":\"\"}]}",
    "{\"records\":[7]}",
  };
  for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    char in[256];
    int n = snprintf(in, sizeof in, "event: batch\ndata: %s\n\n", bad[i]);
    expect_splits(in, (size_t)n, "FEED TC_ERR_SEQ_NUM\n");
  }
  static const char max[] = "event: batch\ndata: {\"records\":[{\"seq_num\":18446744073709551615}]}\n\n";
  EXPECT(max, "R18446744073709551615 data ts=-1 inv TC_ERR_JSON_SYNTAX\nEV batch-end\n");
}

static void test_seq_num_must_increase(void)
{
  static const char in[] =
    "event: batch\ndata: {\"records\":[{\"seq_num\":5,\"headers\":[[\"\",\"trim\"]]},{\"seq_num\":4,\"headers\":[[\"\",\"trim\"]]}]}\n\n";
  EXPECT(in, "R5 command ts=-1\nFEED TC_ERR_SEQ_ORDER\n");
  static const char eq[] =
    "event: batch\ndata: {\"records\":[{\"seq_num\":5,\"headers\":[[\"\",\"trim\"]]}]}\n\n"
    "event: batch\ndata: {\"records\":[{\"seq_num\":5,\"headers\":[[\"\",\"trim\"]]}]}\n\n";
  EXPECT(eq, "R5 command ts=-1\nEV batch-end\nFEED TC_ERR_SEQ_ORDER\n");
}

static void test_broken_framing_is_fatal(void)
{
  static const char *const bad[] = {
    "{\"records\":[{\"seq_num\":1,}]}",
    "{\"records\":[{\"seq_num\":1}]]",
    "{\"records\":[{\"seq_num\":1}]} x",
    "[1]",
    "{\"records\":[{\"seq_num\":01}]}",
    "{\"records\":[{\"seq_num\":1,\"x\":tru}]}",
    "{\"records\" [] }",
  };
  for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    char in[256];
    int n = snprintf(in, sizeof in, "event: batch\ndata: %s\n\n", bad[i]);
    ctx_reset(&g);
    g.cap = 0;
    CHECK(tc_outstream_feed(&g.o, in, (size_t)n) == TC_ERR_JSON_SYNTAX);
  }
}

static void test_truncated_record(void)
{
  static const char in[] =
    "event: batch\ndata: {\"records\":[{\"seq_num\":1,\"timestamp\":1761820000123,\"headers\":[[\"\",\"trim\"]]},{\"seq_num\":2,\"body\":\"{\\\"da\n\n";
  EXPECT(in, "R1 command\nFEED TC_ERR_RECORD_TRUNCATED\n");
}

static void test_depth_bound(void)
{
  sb_t b = { 0 };
  sb_puts(&b, "event: batch\ndata: {\"records\":[],\"tail\":");
  for (int i = 0; i < TC_JSON_DEPTH_MAX; i++) sb_puts(&b, "[");
  for (int i = 0; i < TC_JSON_DEPTH_MAX; i++) sb_puts(&b, "]");
  sb_puts(&b, "}\n\n");
  expect_once(b.p, b.len, "FEED TC_ERR_JSON_DEPTH\n");
  sb_free(&b);
  /* deep JSON inside a chunk: the record is invalid, the stream goes on */
  sb_t c = { 0 }, chunk = { 0 };
  sb_puts(&chunk, "{\"type\":\"tool-output-available\",\"toolCallId\":\"c\",\"output\":");
  for (int i = 0; i < TC_JSON_DEPTH_MAX + 1; i++) sb_puts(&chunk, "[");
  for (int i = 0; i < TC_JSON_DEPTH_MAX + 1; i++) sb_puts(&chunk, "]");
  sb_puts(&chunk, "}");
  batch_open(&c);
  add_data(&c, 1, chunk.p, "d");
  add_data(&c, 2, "{\"type\":\"finish\"}", "e");
  batch_close(&c);
  expect_once(c.p, c.len, "R1 data inv TC_ERR_JSON_DEPTH\nR2 data env=e\n  chunk finish type=finish\nEV batch-end\n");
  sb_free(&c);
  sb_free(&chunk);
}

/* ------------------------------------------- both decode paths, one answer
 *
 * TC_DECODE_FAST=1 (-O2) and 0 (-Os, MCU firmware) must report the same
 * thing for every body; this file runs under both (make test-unit and make
 * test-unit-os) against the same expectations. The rule (core/outstream.c,
 * parse_body): a body is validated, then interpreted. A body that is not
 * valid JSON gets the validator's error for its first bad byte, whatever
 * else is wrong with it; only a valid body is refused for what it says
 * (TC_ERR_CHUNK_TYPE, TC_ERR_JSON_TYPE: its first such member). The chunk
 * object is level 1 of its own nesting: at most TC_JSON_DEPTH_MAX levels
 * with everything in it, whether `data` holds the object or a JSON string
 * of it. Before this, the fast path reported the type
 * error of the vectors marked (*) where the general path said
 * TC_ERR_JSON_SYNTAX, and took one level more inside the chunk; both paths
 * took one level more in the string shape, and the general path stopped at
 * a chunk's type error before it checked the rest of the body. */
typedef struct body_case {
  const char *name;
  const char *body; /* the record body (unescaped) */
  const char *expect;
} body_case_t;

static const body_case_t body_cases[] = {
  { "type not a string, then a syntax error (*)", "{\"data\":{\"type\":5,\"x\":},\"id\":\"a\"}",
    "R1 data inv TC_ERR_JSON_SYNTAX\n" },
  { "delta not a string, then a bad literal (*)",
    "{\"data\":{\"type\":\"text-delta\",\"id\":\"t\",\"delta\":5,\"x\":tru},\"id\":\"a\"}",
    "R1 data inv TC_ERR_JSON_SYNTAX\n" },
  { "boolean field a string, then an unclosed array (*)",
    "{\"data\":{\"type\":\"data-x\",\"transient\":\"yes\",\"data\":[1,},\"id\":\"a\"}",
    "R1 data inv TC_ERR_JSON_SYNTAX\n" },
  { "delta not a string, then a bad escape (*)",
    "{\"data\":{\"type\":\"text-delta\",\"delta\":5,\"x\":\"\\q\"},\"id\":\"a\"}", "R1 data inv TC_ERR_JSON_ESCAPE\n" },
  { "type not a string, then a lone surrogate (*)", "{\"data\":{\"type\":5,\"x\":\"\\ud800\"},\"id\":\"a\"}",
    "R1 data inv TC_ERR_JSON_SURROGATE\n" },
  { "type not a string, then a value too deep (*)",
    "{\"data\":{\"type\":5,\"x\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]},\"id\":\"a\"}",
    "R1 data inv TC_ERR_JSON_DEPTH\n" },
  { "chunk with a type error, the body's next member broken",
    "{\"data\":{\"type\":5},\"id\":}", "R1 data inv TC_ERR_JSON_SYNTAX\n" },
  { "chunk with a type error, trailing bytes after the body",
    "{\"data\":{\"type\":5},\"id\":\"a\"} x", "R1 data inv TC_ERR_JSON_SYNTAX\n" },
  { "chunk as a string with a type error, the body broken",
    "{\"data\":\"{\\\"type\\\":5}\",\"id\":}", "R1 data inv TC_ERR_JSON_SYNTAX\n" },
  { "valid JSON, type not a string", "{\"data\":{\"type\":5,\"x\":[1]},\"id\":\"a\"}",
    "R1 data inv TC_ERR_CHUNK_TYPE\n" },
  { "valid JSON, no type", "{\"data\":{\"id\":\"x\"},\"id\":\"a\"}", "R1 data inv TC_ERR_CHUNK_TYPE\n" },
  { "valid JSON, delta not a string", "{\"data\":{\"type\":\"text-delta\",\"delta\":5},\"id\":\"a\"}",
    "R1 data inv TC_ERR_JSON_TYPE\n" },
  { "valid JSON, the first bad member wins",
    "{\"data\":{\"type\":\"text-delta\",\"delta\":5,\"type\":7},\"id\":\"a\"}", "R1 data inv TC_ERR_JSON_TYPE\n" },
  { "valid JSON, two chunks, the first refused",
    "{\"data\":{\"type\":\"text-delta\",\"delta\":5},\"data\":{\"id\":\"x\"},\"id\":\"a\"}",
    "R1 data inv TC_ERR_JSON_TYPE\n" },
  { "valid JSON, white space before the chunk, type not a string",
    "{\"data\": {\"type\":5},\"id\":\"a\"}", "R1 data inv TC_ERR_CHUNK_TYPE\n" },
  { "white space before the chunk, type error then a syntax error",
    "{\"data\": {\"type\":5,\"x\":},\"id\":\"a\"}", "R1 data inv TC_ERR_JSON_SYNTAX\n" },
  { "the chunk 32 levels deep: accepted",
    "{\"data\":{\"type\":\"data-x\",\"data\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]},\"id\":\"a\"}",
    "R1 data env=a\n  chunk data-* type=data-x data=[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]\n" },
  { "the chunk 33 levels deep (*)",
    "{\"data\":{\"type\":\"data-x\",\"data\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]},\"id\":\"a\"}",
    "R1 data inv TC_ERR_JSON_DEPTH\n" },
  { "the chunk as a string, 32 levels deep: accepted",
    "{\"data\":\"{\\\"type\\\":\\\"data-x\\\",\\\"data\\\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}\",\"id\":\"a\"}",
    "R1 data env=a\n  chunk data-* type=data-x data=[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]\n" },
  { "the chunk as a string, 33 levels deep",
    "{\"data\":\"{\\\"type\\\":\\\"data-x\\\",\\\"data\\\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}\",\"id\":\"a\"}",
    "R1 data inv TC_ERR_JSON_DEPTH\n" },
};

static void test_decode_paths_agree_on_bad_bodies(void)
{
  _Static_assert(TC_JSON_DEPTH_MAX == 32, "the depth vectors are written for 32 levels");
  for (unsigned i = 0; i < sizeof body_cases / sizeof body_cases[0]; i++) {
    const body_case_t *k = &body_cases[i];
    sb_t b = { 0 }, want = { 0 };
    batch_open(&b);
    rec_open(&b, 1);
    sb_puts(&b, ",\"body\":");
    put_jstr(&b, k->body, strlen(k->body));
    sb_puts(&b, "}");
    add_data(&b, 2, "{\"type\":\"finish\"}", "e"); /* the stream goes on */
    batch_close(&b);
    sb_puts(&want, k->expect);
    sb_puts(&want, "R2 data env=e\n  chunk finish type=finish\nEV batch-end\n");
    int failed = tc_test_current_failures();
    expect_splits(b.p, b.len, want.p);
    if (tc_test_current_failures() != failed) tc_test_fail(__FILE__, __LINE__, "in case: %s", k->name);
    sb_free(&b);
    sb_free(&want);
  }
}

static void test_callback_error_stops_feed(void)
{
  sb_t b = { 0 };
  batch_open(&b);
  add_data(&b, 1, "{\"type\":\"start-step\"}", "a");
  add_data(&b, 2, "{\"type\":\"start-step\"}", "b");
  batch_close(&b);
  ctx_reset(&g);
  g.stop_after = 1;
  CHECK(tc_outstream_feed(&g.o, b.p, b.len) == TC_ERR_CALLBACK);
  g.stop_after = 0;
  CHECK(strstr(g.log, "R2") == NULL);
  sb_free(&b);
}

static void test_cursor_seed_and_idle(void)
{
  tc_outstream_t o;
  uint64_t v = 0;
  char buf[64];
  tc_outstream_init(&o, buf, sizeof buf, NULL, NULL);
  CHECK(!tc_outstream_cursor(&o, &v));
  tc_outstream_set_cursor(&o, 41);
  CHECK(tc_outstream_cursor(&o, &v));
  CHECK_EQ_INT(v, 41);
  CHECK(tc_outstream_idle(&o));
  {
    static const char part[] = "event: batch\ndata: {\"records\":[{\"seq_num\":40,\"headers\":[[\"\",\"t\"]]}";
    CHECK(tc_outstream_feed(&o, part, sizeof part - 1) == TC_OK);
  }
  CHECK(!tc_outstream_idle(&o));
  CHECK(tc_outstream_feed(&o, "]}\n\n", 4) == TC_OK);
  CHECK(tc_outstream_idle(&o));
  CHECK(tc_outstream_cursor(&o, &v));
  CHECK_EQ_INT(v, 40); /* a new connection may start below the seed */
}

/* ------------------------------------------------------------ bounds */

/* A data record whose unescaped body is exactly `body_len` bytes. */
static void exact_record(sb_t *b, unsigned seq, size_t body_len)
{
  static const char pre[] = "{\"data\":{\"type\":\"tool-output-available\",\"toolCallId\":\"c\",\"output\":\"";
  static const char post[] = "\"},\"id\":\"ex\"}";
  sb_t body = { 0 };
  size_t pad = body_len - (sizeof pre - 1) - (sizeof post - 1);
  sb_puts(&body, pre);
  for (size_t i = 0; i < pad;) {
    bool two = pad - i >= 2 && i % 5 == 0;
    sb_puts(&body, two ? "\xc3\xa9" : "x");
    i += two ? 2 : 1;
  }
  sb_puts(&body, post);
  rec_open(b, seq);
  sb_puts(b, ",\"body\":");
  put_jstr(b, body.p, body.len);
  sb_puts(b, "}");
  sb_free(&body);
}

static void test_record_exactly_buffer_size_and_one_over(void)
{
  static const char exp_fit[] = "R1 data env=ex\n  chunk tool-output-available";
  for (int over = 0; over <= 1; over++) {
    sb_t b = { 0 };
    size_t want = 300;
    batch_open(&b);
    /* build, then adjust so the unescaped body is want + over bytes */
    exact_record(&b, 1, want + (size_t)over);
    add_data(&b, 2, "{\"type\":\"finish\"}", "f");
    batch_close(&b);
    g.cap = want;
    g_expect = over ? "R1 data over TC_ERR_RECORD_OVERSIZED\nR2 data env=f\n  chunk finish type=finish\nEV batch-end\n"
                    : NULL;
    if (over) {
      tc_test_splits(b.p, b.len, &ops, &g, 0);
    } else {
      ctx_reset(&g);
      ctx_feed(&g, b.p, b.len);
      CHECK(strncmp(g.log, exp_fit, sizeof exp_fit - 1) == 0);
      CHECK(strstr(g.log, "R2 data env=f") != NULL);
      /* byte by byte too */
      ctx_reset(&g);
      for (size_t i = 0; i < b.len; i++) ctx_feed(&g, b.p + i, 1);
      CHECK(strncmp(g.log, exp_fit, sizeof exp_fit - 1) == 0);
    }
    g.cap = 0;
    sb_free(&b);
  }
}

/* Feeds batch b (whole, byte by byte, split at every position) with a record
 * buffer of `cap` bytes and checks the transcript against `expect`; frees b. */
static void expect_batch(sb_t *b, size_t cap, const char *expect)
{
  g_expect = expect;
  g.cap = cap;
  tc_test_splits(b->p, b->len, &ops, &g, 0);
  g.cap = 0;
  sb_free(b);
}

static void test_control_with_token_too_big_still_ends_turn(void)
{
  sb_t b = { 0 };
  batch_open(&b);
  rec_open(&b, 1);
  sb_puts(&b, ",\"headers\":[[\"trigger-control\",\"turn-complete\"],[\"public-access-token\",\"");
  for (int i = 0; i < 400; i++) sb_puts(&b, "A");
  sb_puts(&b, "\"],[\"session-in-event-id\",\"3\"]],\"body\":\"\"}");
  batch_close(&b);
  expect_batch(&b, 200, "R1 control over TC_ERR_RECORD_OVERSIZED\n  ctl 0 name=turn-complete in=3\nEV batch-end\n");
}

/* Text of n bytes mixing ASCII, 2/3/4-byte UTF-8 and characters JSON escapes. */
static char *make_text(size_t n, size_t *len)
{
  static const char *const parts[] = { "hello ", "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80", "\"q\"", "\\",
                                       "\n", "\t", "abc", "\x01" };
  char *t = malloc(n + 8);
  size_t k = 0;
  unsigned seed = 7;
  while (k < n) {
    seed = seed * 1103515245u + 12345u;
    const char *p = parts[(seed >> 16) % 10];
    size_t m = strlen(p);
    memcpy(t + k, p, m);
    k += m;
  }
  *len = k;
  return t;
}

static void big_delta_case(const char *type, size_t n, size_t piece, size_t cap)
{
  size_t tlen;
  char *text = make_text(n, &tlen);
  sb_t chunk = { 0 }, b = { 0 };
  char head[128];
  snprintf(head, sizeof head, "{\"type\":\"%s\",\"id\":\"big\",\"delta\":", type);
  sb_puts(&chunk, head);
  put_jstr(&chunk, text, tlen);
  sb_puts(&chunk, "}");
  batch_open(&b);
  add_data(&b, 1, "{\"type\":\"text-start\",\"id\":\"big\"}", "s");
  add_data(&b, 2, chunk.p, "bigenv");
  add_data(&b, 3, "{\"type\":\"text-end\",\"id\":\"big\"}", "e");
  batch_close(&b);
  ctx_reset(&g);
  g.cap = cap;
  ctx_reset(&g);
  for (size_t at = 0; at < b.len && g.feed_err == TC_OK; at += piece)
    ctx_feed(&g, b.p + at, at + piece <= b.len ? piece : b.len - at);
  {
    char expect[512];
    snprintf(expect, sizeof expect,
             "R1 data env=s\n  chunk text-start type=text-start id=big\n"
             "R2 data frag\n  fragmented %s id=big len=%lu\n"
             "R3 data env=e\n  chunk text-end type=text-end id=big\n"
             "EV batch-end\n", type, (unsigned long)tlen);
    CHECK(tc_test_mem_eq(g.log, g.log_len, expect));
    if (!tc_test_mem_eq(g.log, g.log_len, expect)) printf("%.*s\n", (int)g.log_len, g.log);
  }
  CHECK_EQ_INT(g.frag_len, tlen);
  CHECK(g.frag_len == tlen && memcmp(g.frag, text, tlen) == 0);
  CHECK(!g.frag_bad_utf8);
  CHECK(g.frag_count > 1);
  g.cap = 0;
  free(text);
  sb_free(&chunk);
  sb_free(&b);
}

static void test_huge_text_delta_in_fragments(void)
{
  big_delta_case("text-delta", BIG_RECORD, 1460, 0);
  big_delta_case("reasoning-delta", 100000, 1, 0);
  big_delta_case("text-delta", 30000, 7, 100);
  big_delta_case("text-delta", 3000, 3, 130);
}

static void test_huge_text_delta_every_split(void)
{
  size_t tlen;
  char *text = make_text(700, &tlen);
  sb_t chunk = { 0 }, b = { 0 };
  char expect[4096];
  sb_puts(&chunk, "{\"type\":\"text-delta\",\"id\":\"i\\u00e9\",\"delta\":");
  put_jstr(&chunk, text, tlen);
  sb_puts(&chunk, ",\"providerMetadata\":{\"a\":[1]}}");
  batch_open(&b);
  add_data(&b, 9, chunk.p, "env");
  add_data(&b, 10, "{\"type\":\"text-end\",\"id\":\"i\"}", "e");
  batch_close(&b);
  snprintf(expect, sizeof expect,
           "R9 data frag\n  fragmented text-delta id=i\xc3\xa9 len=%lu\nR10 data env=e\n  chunk text-end type=text-end id=i\nEV batch-end\n",
           (unsigned long)tlen);
  g_expect = expect;
  g.cap = 200;
  tc_test_splits(b.p, b.len, &ops, &g, 0);
  CHECK(g.frag_len == tlen && memcmp(g.frag, text, tlen) == 0);
  g.cap = 0;
  free(text);
  sb_free(&chunk);
  sb_free(&b);
}

/* Appends ,"body":"..." for a record whose text delta (id t) is 900 bytes
 * of `fill` (3 bytes, 300 times) followed by `tail` (escaped as in the batch). */
static void put_long_delta_body(sb_t *b, const char *fill, const char *tail)
{
  sb_puts(b, ",\"body\":\"{\\\"data\\\":{\\\"type\\\":\\\"text-delta\\\",\\\"id\\\":\\\"t\\\",\\\"delta\\\":\\\"");
  for (int i = 0; i < 300; i++) sb_puts(b, fill);
  sb_puts(b, tail);
}

static void test_long_delta_with_bad_escape_reports_invalid(void)
{
  sb_t b = { 0 };
  batch_open(&b);
  rec_open(&b, 1);
  put_long_delta_body(&b, "abc", "\\\\q\\\"}}\"}");
  add_data(&b, 2, "{\"type\":\"finish\"}", "f");
  batch_close(&b);
  expect_batch(&b, 256, "R1 data frag\nR1 data inv TC_ERR_JSON_ESCAPE\nR2 data env=f\n  chunk finish type=finish\nEV batch-end\n");
}

/* What follows a long delta inside its body is checked as the rest of a
 * short body would be (valid JSON, then members of the right type): the
 * record is reported invalid with that error, the text is not completed.
 * (Before, any tail was accepted and the text completed.) */
static void long_delta_tail_case(const char *tail, size_t cap, const char *expect)
{
  sb_t b = { 0 };
  batch_open(&b);
  rec_open(&b, 1);
  put_long_delta_body(&b, "abc", tail);
  add_data(&b, 2, "{\"type\":\"finish\"}", "f");
  batch_close(&b);
  expect_batch(&b, cap, expect);
}

static void test_long_delta_with_a_bad_tail_reports_invalid(void)
{
  static const char after[] = "R2 data env=f\n  chunk finish type=finish\nEV batch-end\n";
  char syntax[128], type[128];
  snprintf(syntax, sizeof syntax, "R1 data frag\nR1 data inv TC_ERR_JSON_SYNTAX\n%s", after);
  snprintf(type, sizeof type, "R1 data frag\nR1 data inv TC_ERR_JSON_TYPE\n%s", after);
  /* junk after the chunk object; the envelope not closed; the chunk object
   * not closed; a member of the wrong type after the delta */
  long_delta_tail_case("\\\"}t}\"}", 256, syntax);
  long_delta_tail_case("\\\"}\"}", 256, syntax);
  long_delta_tail_case("\\\",\\\"x\\\":[}}\"}", 256, syntax);
  long_delta_tail_case("\\\",\\\"id\\\":7}}\"}", 256, type);
  /* the same with a buffer the text fills */
  long_delta_tail_case("\\\"}t}\"}", 900, syntax);
  /* a good tail with members after the delta: the text is completed */
  long_delta_tail_case("\\\",\\\"providerMetadata\\\":{\\\"k\\\":[1,\\\"\\\\\\\"\\\"]}},\\\"id\\\":\\\"e\\\"}\"}", 900,
                       "R1 data frag\n  fragmented text-delta id=t len=900\nR2 data env=f\n  chunk finish type=finish\nEV batch-end\n");
  /* a tail longer than the buffer is skipped unchecked: the text completes */
  {
    sb_t t = { 0 };
    sb_puts(&t, "\\\",\\\"providerMetadata\\\":\\\"");
    for (int i = 0; i < 100; i++) sb_puts(&t, "0123456789");
    sb_puts(&t, "\\\"}}\"}");
    long_delta_tail_case(t.p, 256, "R1 data frag\n  fragmented text-delta id=t len=900\nR2 data env=f\n  chunk finish type=finish\nEV batch-end\n");
    sb_free(&t);
  }
}

/* A long delta with a record buffer of every size near the limits, fed
 * whole, byte by byte and split at every position. The model (outstream.c):
 * the body's prefix {"data":{..,"delta":" takes d_text bytes; fragments need
 * 2 * FRAG_ROOM (32) bytes after it, else the record is oversized; what
 * follows the delta is checked when it fits after the prefix behind a
 * synthetic head of TAIL_HEAD (28) bytes (at the boundary either verdict is
 * allowed, but it must not depend on how the input was cut). */
static void near_limits_case(const char *tail, size_t tail_len, const char *bad)
{
  static const char prefix[] = "{\"data\":{\"type\":\"text-delta\",\"id\":\"t\",\"delta\":\"";
  const size_t d_text = sizeof prefix - 1;
  size_t tlen, step = 1;
  char *text = make_text(300, &tlen);
  sb_t body = { 0 }, b = { 0 };
  char frag[160], inv[160], over[160];
  static const char after[] = "R2 data env=f\n  chunk finish type=finish\nEV batch-end\n";
#if defined(TC_TEST_EMBEDDED) && TC_TEST_EMBEDDED
  step = 5;
#endif
  snprintf(frag, sizeof frag, "R1 data frag\n  fragmented text-delta id=t len=%lu\n%s", (unsigned long)tlen, after);
  snprintf(inv, sizeof inv, "R1 data frag\nR1 data inv %s\n%s", bad ? bad : "", after);
  snprintf(over, sizeof over, "R1 data over TC_ERR_RECORD_OVERSIZED\n%s", after);
  sb_puts(&body, "{\"data\":{\"type\":\"text-delta\",\"id\":\"t\",\"delta\":");
  put_jstr(&body, text, tlen);
  sb_puts(&body, tail);
  batch_open(&b);
  rec_open(&b, 1);
  sb_puts(&b, ",\"body\":");
  put_jstr(&b, body.p, body.len);
  sb_puts(&b, "}");
  add_data(&b, 2, "{\"type\":\"finish\"}", "f");
  batch_close(&b);
  for (size_t cap = d_text + 8; cap <= d_text + 28 + tail_len + 24; cap += step) {
    const char *want;
    if (cap < d_text + 32) want = over;
    else if (!bad) want = frag;
    else if (cap > d_text + 28 + tail_len) want = inv;
    else want = NULL; /* either; the whole feed decides */
    g.cap = cap;
    ctx_reset(&g);
    ctx_feed(&g, b.p, b.len);
    if (want == NULL) {
      g.log[g.log_len < sizeof g.log ? g.log_len : sizeof g.log - 1] = 0;
      want = strcmp(g.log, inv) == 0 ? inv : frag;
    }
    g_expect = want;
    if (tc_test_splits(b.p, b.len, &ops, &g, 0) < (int)b.len + 1)
      tc_test_fail(__FILE__, __LINE__, "record buffer %lu (d_text %lu)", (unsigned long)cap, (unsigned long)d_text);
  }
  g.cap = 0;
  free(text);
  sb_free(&body);
  sb_free(&b);
}

static void test_long_delta_every_buffer_size_near_the_limits(void)
{
  near_limits_case("},\"id\":\"f1\"}", 12, NULL);
  near_limits_case(",\"providerMetadata\":{\"k\":[1,\"\\\"\"]}},\"id\":\"e\"}", 44, NULL);
  near_limits_case("}t}", 3, "TC_ERR_JSON_SYNTAX");
  near_limits_case(",\"id\":7}}", 8, "TC_ERR_JSON_TYPE");
}

/* A record with a second "body" after its first, a long delta, went out in
 * fragments: the record was delivered; the second body is skipped. (The
 * -Os path used to read the record buffer's leftovers here, and its result
 * depended on where the input was cut: fuzz_outstream_diff.) */
static void test_second_body_after_fragments_is_skipped(void)
{
  sb_t b = { 0 };
  batch_open(&b);
  rec_open(&b, 1);
  for (int k = 0; k < 2; k++) {
    put_long_delta_body(&b, k ? "xyz" : "abc", "\\\"}}\"");
  }
  sb_puts(&b, "}");
  add_data(&b, 2, "{\"type\":\"finish\"}", "f");
  batch_close(&b);
  expect_batch(&b, 256, "R1 data frag\n  fragmented text-delta id=t len=900\nR2 data env=f\n  chunk finish type=finish\nEV batch-end\n");
}

/* A data record whose headers hold a known name (kept in the record buffer
 * before the body) still has its long delta delivered in fragments: the
 * body's text starts after the header value, not at the buffer's start. */
static void test_long_delta_after_a_kept_header(void)
{
  sb_t b = { 0 };
  batch_open(&b);
  rec_open(&b, 1);
  sb_puts(&b, ",\"headers\":[[\"session-in-event-id\",\"7\"]]");
  put_long_delta_body(&b, "abc", "\\\"}}\"}");
  add_data(&b, 2, "{\"type\":\"finish\"}", "f");
  batch_close(&b);
  expect_batch(&b, 256, "R1 data frag\n  fragmented text-delta id=t len=900\nR2 data env=f\n  chunk finish type=finish\nEV batch-end\n");
}

static void test_huge_tool_output_skipped_as_oversized(void)
{
  sb_t chunk = { 0 }, b = { 0 };
  size_t tlen;
  char *text = make_text(BIG_RECORD, &tlen);
  sb_puts(&chunk, "{\"type\":\"tool-output-available\",\"toolCallId\":\"c\",\"output\":{\"text\":");
  put_jstr(&chunk, text, tlen);
  sb_puts(&chunk, "}}");
  batch_open(&b);
  add_data(&b, 1, chunk.p, "big");
  add_data(&b, 2, "{\"type\":\"finish\",\"finishReason\":\"stop\"}", "f");
  batch_close(&b);
  ctx_reset(&g);
  for (size_t at = 0; at < b.len; at += 4096) ctx_feed(&g, b.p + at, at + 4096 <= b.len ? 4096 : b.len - at);
  CHECK_EQ_STR(g.log, "R1 data over TC_ERR_RECORD_OVERSIZED\nR2 data env=f\n  chunk finish type=finish finishReason=stop\nEV batch-end\n");
  /* also a delta-first record: not streamable, oversized */
  sb_free(&b);
  sb_free(&chunk);
  sb_puts(&chunk, "{\"delta\":\"");
  for (int i = 0; i < 500; i++) sb_puts(&chunk, "0123456789");
  sb_puts(&chunk, "\"");
  sb_puts(&chunk, ",\"type\":\"text-delta\",\"id\":\"x\"}");
  batch_open(&b);
  add_data(&b, 1, chunk.p, "d");
  add_data(&b, 2, "{\"type\":\"finish\"}", "f");
  batch_close(&b);
  ctx_reset(&g);
  ctx_feed(&g, b.p, b.len);
  CHECK_EQ_STR(g.log, "R1 data over TC_ERR_RECORD_OVERSIZED\nR2 data env=f\n  chunk finish type=finish\nEV batch-end\n");
  free(text);
  sb_free(&b);
  sb_free(&chunk);
}

static void test_sizes(void)
{
  printf("sizeof(tc_outstream_t) = %lu, + record buffer %d = %lu bytes\n",
         (unsigned long)sizeof(tc_outstream_t), TC_OUT_RECORD_MAX,
         (unsigned long)(sizeof(tc_outstream_t) + TC_OUT_RECORD_MAX));
  CHECK(sizeof(tc_outstream_t) + TC_OUT_RECORD_MAX <= 3072 + 512); /* host pointers are 8 bytes */
}

int main(void)
{
  RUN(test_spec_batch_example);
  RUN(test_ping_with_and_without_tail_moves_nothing);
  RUN(test_error_event_gives_text);
  RUN(test_error_event_text_truncated_on_code_point);
  RUN(test_done_event);
  RUN(test_done_needs_the_exact_text);
  RUN(test_multi_line_batch_data);
  RUN(test_empty_batch_and_no_records_key);
  RUN(test_command_record_trim_and_fence);
  RUN(test_control_turn_complete_spec_example);
  RUN(test_control_with_omitted_body);
  RUN(test_control_subtypes_and_siblings);
  RUN(test_first_header_match_wins);
  RUN(test_command_only_when_first_header_is_empty);
  RUN(test_duplicate_envelope_id);
  RUN(test_dedupe_window_is_fifo);
  RUN(test_legacy_trigger_chunks);
  RUN(test_unknown_chunk_types_pass_through);
  RUN(test_data_as_json_string);
  RUN(test_every_chunk_type);
  RUN(test_escapes_and_surrogates_at_every_split);
  RUN(test_one_pass_body_matches_general_path);
  RUN(test_errored_turn_then_turn_complete_without_token);
  RUN(test_field_order_and_crlf);
  RUN(test_invalid_bodies_are_skipped_stream_continues);
  RUN(test_seq_num_must_be_a_non_negative_integer);
  RUN(test_seq_num_must_increase);
  RUN(test_broken_framing_is_fatal);
  RUN(test_truncated_record);
  RUN(test_depth_bound);
  RUN(test_decode_paths_agree_on_bad_bodies);
  RUN(test_callback_error_stops_feed);
  RUN(test_cursor_seed_and_idle);
  RUN(test_record_exactly_buffer_size_and_one_over);
  RUN(test_control_with_token_too_big_still_ends_turn);
  RUN(test_huge_text_delta_in_fragments);
  RUN(test_huge_text_delta_every_split);
  RUN(test_long_delta_with_bad_escape_reports_invalid);
  RUN(test_long_delta_with_a_bad_tail_reports_invalid);
  RUN(test_long_delta_every_buffer_size_near_the_limits);
  RUN(test_second_body_after_fragments_is_skipped);
  RUN(test_long_delta_after_a_kept_header);
  RUN(test_huge_tool_output_skipped_as_oversized);
  RUN(test_sizes);
  free(g.frag);
  return tc_test_finish("outstream");
}

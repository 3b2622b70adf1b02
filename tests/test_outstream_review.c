/* test_outstream_review.c — the `.out` decoder against a lying or odd
 * server: record shapes, seq_num values and envelope ids that the main
 * suite (test_outstream.c) does not pin down. Every vector is fed whole,
 * byte by byte and split at every position; the transcript must match
 * exactly, under both decode paths (make test-unit: TC_DECODE_FAST 1;
 * make test-unit-os: 0). */
#include <string.h>

#include "tc_outstream.h"
#include "tc_test.h"

/* ------------------------------------------------------------ recorder */

typedef struct ctx {
  tc_outstream_t o;
  char rec[TC_OUT_RECORD_MAX];
  char log[4096];
  size_t len;
} ctx_t;

static void logs(ctx_t *c, const char *s, size_t n)
{
  if (n > sizeof c->log - c->len) n = sizeof c->log - c->len;
  memcpy(c->log + c->len, s, n);
  c->len += n;
}

static void log_str(ctx_t *c, const char *s) { logs(c, s, strlen(s)); }

/* (digits by hand: the board builds link newlib-nano's printf) */
static void log_u64(ctx_t *c, uint64_t v)
{
  char tmp[20];
  size_t i = sizeof tmp;
  do {
    tmp[--i] = (char)('0' + v % 10u);
    v /= 10u;
  } while (v);
  logs(c, tmp + i, sizeof tmp - i);
}

static void log_slice(ctx_t *c, const char *name, tc_slice_t s)
{
  if (!s.ptr) return;
  log_str(c, " ");
  log_str(c, name);
  log_str(c, "=");
  logs(c, s.ptr, s.len);
}

static tc_err_t on_record(void *user, const tc_record_info_t *r)
{
  ctx_t *c = user;
  uint64_t cur = 0;
  static const char *const kinds[] = { "data", "control", "command" };
  log_str(c, "R");
  log_u64(c, r->seq_num);
  log_str(c, " ");
  log_str(c, kinds[r->kind]);
  if (r->duplicate) logs(c, " dup", 4);
  if (r->oversized) logs(c, " over", 5);
  if (r->invalid) {
    log_str(c, " inv ");
    log_str(c, tc_errname(r->error));
  }
  log_slice(c, "env", r->envelope_id);
  /* the cursor is past every record whose callback runs (none is fragmented here) */
  if (!tc_outstream_cursor(&c->o, &cur) || cur != r->seq_num) logs(c, " CURSOR-WRONG", 13);
  logs(c, "\n", 1);
  return TC_OK;
}

static tc_err_t on_chunk(void *user, const tc_record_info_t *r, const tc_chunk_t *k)
{
  ctx_t *c = user;
  (void)r;
  logs(c, "  chunk", 7);
  log_slice(c, "type", k->type_name);
  log_slice(c, "delta", k->delta);
  logs(c, "\n", 1);
  return TC_OK;
}

static tc_err_t on_control(void *user, const tc_record_info_t *r, const tc_control_t *k)
{
  ctx_t *c = user;
  (void)r;
  logs(c, "  ctl", 5);
  log_slice(c, "name", k->name);
  log_slice(c, "pat", k->public_access_token);
  logs(c, "\n", 1);
  return TC_OK;
}

static tc_err_t on_event(void *user, tc_out_event_t ev, tc_slice_t text)
{
  ctx_t *c = user;
  log_str(c, "EV ");
  log_u64(c, (uint64_t)ev);
  log_slice(c, "text", text);
  logs(c, "\n", 1);
  return TC_OK;
}

static const tc_outstream_cb_t k_cbs = { on_record, on_chunk, on_control, on_event };

static bool g_no_buf; /* init with no record buffer (NULL, 0) */
static size_t g_cap;  /* record buffer size; 0: all of ctx_t.rec */

static void c_reset(void *p)
{
  ctx_t *c = p;
  tc_outstream_init(&c->o, g_no_buf ? NULL : c->rec, g_no_buf ? 0 : g_cap ? g_cap : sizeof c->rec, &k_cbs, c);
  c->len = 0;
}

static int c_feed(void *p, const char *s, size_t n)
{
  ctx_t *c = p;
  tc_err_t e = tc_outstream_feed(&c->o, s, n);
  if (e != TC_OK) {
    log_str(c, "FEED ");
    log_str(c, tc_errname(e));
    log_str(c, "\n");
  }
  return e != TC_OK;
}

static const char *g_want;

static void c_check(void *p, const char *mode)
{
  ctx_t *c = p;
  if (!tc_test_mem_eq(c->log, c->len, g_want))
    tc_test_fail(__FILE__, __LINE__, "[%s] transcript:\n%.*s\nexpected:\n%s", mode, (int)c->len, c->log, g_want);
}

static const tc_split_ops_t k_ops = { c_reset, c_feed, c_check };
static ctx_t g;

#define EXPECT(in, want) \
  do { g_want = (want); tc_test_splits((in), sizeof(in) - 1, &k_ops, &g, 0); } while (0)

/* a valid data record, after each odd one: the stream goes on */
#define OK_REC(seq) "{\"seq_num\":" #seq ",\"timestamp\":1,\"body\":\"{\\\"data\\\":{\\\"type\\\":\\\"finish\\\"},\\\"id\\\":\\\"ok" #seq "\\\"}\"}"
#define OK_LOG(seq) "R" #seq " data env=ok" #seq "\n  chunk type=finish\n"

/* ------------------------------------------------------------ record shapes */

/* Record and body shapes a server should never send: each is one named
 * error on that record (its seq_num still moves the cursor), and the next
 * record decodes. */
static void test_odd_record_shapes_are_named_and_skipped(void)
{
  static const char in[] =
    "event: batch\ndata: {\"records\":["
    "{\"seq_num\":1,\"timestamp\":1,\"body\":null}," OK_REC(2) ","
    "{\"seq_num\":3,\"timestamp\":1,\"headers\":null,\"body\":\"{}\"}," OK_REC(4) ","
    "{\"seq_num\":5,\"timestamp\":1,\"body\":\"[1,2]\"}," OK_REC(6) ","
    "{\"seq_num\":7,\"timestamp\":1,\"body\":\"\\\"text\\\"\"}," OK_REC(8) ","
    "{\"seq_num\":9,\"timestamp\":1,\"body\":\"5\"}," OK_REC(10) ","
    "{\"seq_num\":11,\"timestamp\":1,\"body\":\"{}\"}," OK_REC(12) ","
    "{\"seq_num\":13,\"timestamp\":1,\"body\":\"{\\\"data\\\":null,\\\"id\\\":\\\"a\\\"}\"}," OK_REC(14) ","
    "{\"seq_num\":15,\"timestamp\":1,\"headers\":[[[\"trigger-control\"],\"turn-complete\"]]}," OK_REC(16) ","
    "{\"seq_num\":17,\"timestamp\":1,\"headers\":{\"trigger-control\":\"turn-complete\"}}," OK_REC(18)
    "]}\n\n";
  EXPECT(in,
         "R1 data inv TC_ERR_JSON_SYNTAX\n" OK_LOG(2)
         "R3 data inv TC_ERR_JSON_TYPE\n" OK_LOG(4)
         "R5 data inv TC_ERR_JSON_SYNTAX\n" OK_LOG(6)
         "R7 data inv TC_ERR_JSON_SYNTAX\n" OK_LOG(8)
         "R9 data inv TC_ERR_JSON_SYNTAX\n" OK_LOG(10)
         "R11 data inv TC_ERR_CHUNK_TYPE\n" OK_LOG(12)
         "R13 data inv TC_ERR_CHUNK_TYPE\n" OK_LOG(14)
         "R15 data inv TC_ERR_JSON_TYPE\n" OK_LOG(16)
         "R17 data inv TC_ERR_JSON_TYPE\n" OK_LOG(18)
         "EV 0\n");
}

/* Members S2 does not write, in places it does not write them: ignored
 * (values checked for JSON structure only); "records" twice reads both. */
static void test_unexpected_members_ignored(void)
{
  static const char in[] =
    "event: batch\ndata: {\"tail\":{\"seq_num\":9,\"records\":[{\"seq_num\":0}]},\"records\":["
    "{\"x\":[[1,{\"a\":[2,\"}\"]}]],\"seq_num\":1,\"timestamp\":1,\"records\":[7],"
    "\"body\":\"{\\\"data\\\":{\\\"type\\\":\\\"start\\\"},\\\"id\\\":\\\"a\\\"}\",\"y\":{\"z\":null}}"
    "],\"records\":[" OK_REC(2) "]}\n\n";
  EXPECT(in, "R1 data env=a\n  chunk type=start\n" OK_LOG(2) "EV 0\n");
}

/* ------------------------------------------------------------ seq_num */

/* seq_num is a uint64_t cursor: 2^63 (past INT64_MAX) and 2^64-1 are
 * cursors like any other, and must still increase. */
static void test_seq_num_past_int64(void)
{
  static const char in[] =
    "event: batch\ndata: {\"records\":["
    "{\"seq_num\":9223372036854775807,\"headers\":[[\"\",\"trim\"]]},"
    "{\"seq_num\":9223372036854775808,\"headers\":[[\"\",\"trim\"]]},"
    "{\"seq_num\":18446744073709551615,\"headers\":[[\"\",\"trim\"]]},"
    "{\"seq_num\":9223372036854775809,\"headers\":[[\"\",\"trim\"]]}]}\n\n";
  EXPECT(in,
         "R9223372036854775807 command\n"
         "R9223372036854775808 command\n"
         "R18446744073709551615 command\n"
         "FEED TC_ERR_SEQ_ORDER\n");
}

/* ------------------------------------------------------------ dedupe */

/* Duplicates are found on the decoded envelope id, however it was escaped
 * (in the body, in the record string around it, or both), and whichever
 * path decoded the body (the one-pass path hashes the id as it reads it;
 * a body with an escape elsewhere goes the general way). */
static void test_dedupe_on_the_decoded_envelope_id(void)
{
  static const char in[] =
    "event: batch\ndata: {\"records\":["
    "{\"seq_num\":1,\"body\":\"{\\\"data\\\":{\\\"type\\\":\\\"start\\\"},\\\"id\\\":\\\"ab\\\"}\"},"
    "{\"seq_num\":2,\"body\":\"{\\\"data\\\":{\\\"type\\\":\\\"start\\\"},\\\"id\\\":\\\"a\\\\u0062\\\"}\"},"
    "{\"seq_num\":3,\"body\":\"{\\\"data\\\":{\\\"type\\\":\\\"start\\\"},\\\"id\\\":\\\"a\\u0062\\\"}\"},"
    "{\"seq_num\":4,\"body\":\"{\\\"data\\\":{\\\"type\\\":\\\"start\\\",\\\"x\\\":\\\"\\\\n\\\"},\\\"id\\\":\\\"ab\\\"}\"},"
    "{\"seq_num\":5,\"body\":\"{\\\"id\\\":\\\"ab\\\",\\\"data\\\":{\\\"type\\\":\\\"start\\\"}}\"},"
    "{\"seq_num\":6,\"body\":\"{\\\"data\\\":{\\\"type\\\":\\\"start\\\"},\\\"id\\\":\\\"a\\\\\\\"b\\\"}\"},"
    "{\"seq_num\":7,\"body\":\"{\\\"data\\\":{\\\"type\\\":\\\"start\\\"},\\\"id\\\":\\\"a\\\\u0022b\\\"}\"}"
    "]}\n\n";
  EXPECT(in,
         "R1 data env=ab\n  chunk type=start\n"
         "R2 data dup env=ab\n"
         "R3 data dup env=ab\n"
         "R4 data dup env=ab\n"
         "R5 data dup env=ab\n"
         "R6 data env=a\"b\n  chunk type=start\n"
         "R7 data dup env=a\"b\n"
         "EV 0\n");
}

/* ------------------------------------------------ control, buffer nearly full */

/* What makes a record a control record (the trigger-control header's name
 * and value) is kept ahead of the values kept before it: when the sibling
 * headers (or a body) written before it leave no room, they give way (the
 * record is oversized, those headers absent) and the turn still ends. A
 * record already known to be control keeps its headers. Record buffer: 64
 * bytes. */
static void test_control_header_after_full_siblings(void)
{
  static const char in[] =
    "event: batch\ndata: {\"records\":["
    "{\"seq_num\":1,\"headers\":[[\"public-access-token\",\"tok-0123456789012345678901234567890123456789012345678901\"],"
    "[\"trigger-control\",\"turn-complete\"]],\"body\":\"\"},"
    "{\"seq_num\":2,\"headers\":[[\"session-closed-reason\",\"0123456789012345678901234567890123456789012345678901\"],"
    "[\"trigger-control\",\"session-closed\"]],\"body\":\"\"},"
    "{\"seq_num\":3,\"body\":\"0123456789012345678901234567890123456789012345678901234567\","
    "\"headers\":[[\"trigger-control\",\"turn-complete\"]]},"
    "{\"seq_num\":4,\"headers\":[[\"trigger-control\",\"turn-complete\"],[\"public-access-token\",\"tok-012345678901234567890123456789\"],"
    "[\"x-some-header-name-that-does-not-fit\",\"v\"]],\"body\":\"\"},"
    OK_REC(5) "]}\n\n";
  g_cap = 64;
  EXPECT(in,
         "R1 control over\n  ctl name=turn-complete\n"
         "R2 control over\n  ctl name=session-closed\n"
         "R3 control over\n  ctl name=turn-complete\n"
         "R4 control\n  ctl name=turn-complete pat=tok-012345678901234567890123456789\n"
         OK_LOG(5) "EV 0\n");
  g_cap = 0;
}

/* ------------------------------------------------------------ no buffer */

/* No record buffer (NULL, 0), which init accepts: every record with
 * something to keep is oversized, a command still moves the cursor; and
 * nothing is computed from the NULL pointer (UBSan: "applying zero offset
 * to null pointer", undefined behaviour even with nothing written). */
static void test_no_record_buffer(void)
{
  static const char in[] =
    "event: batch\ndata: {\"records\":[" OK_REC(1) ","
    "{\"seq_num\":3,\"headers\":[[\"\",\"trim\"]]},"
    "{\"seq_num\":4,\"body\":\"{\\\"data\\\":{\\\"type\\\":\\\"text-delta\\\",\\\"id\\\":\\\"t\\\",\\\"delta\\\":\\\"hello\\\"},\\\"id\\\":\\\"e\\\"}\"}"
    "]}\n\n";
  g_no_buf = true;
  EXPECT(in,
         "R1 data over\n"
         "R3 command\n"
         "R4 data over\n"
         "EV 0\n");
  g_no_buf = false;
}

int main(void)
{
  RUN(test_odd_record_shapes_are_named_and_skipped);
  RUN(test_unexpected_members_ignored);
  RUN(test_seq_num_past_int64);
  RUN(test_dedupe_on_the_decoded_envelope_id);
  RUN(test_control_header_after_full_siblings);
  RUN(test_no_record_buffer);
  return tc_test_finish("outstream_review");
}

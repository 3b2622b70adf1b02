/* fuzz_outstream.c — the `.out` decoder (core/outstream.c) under libFuzzer.
 *
 * Input: bytes 0-1 pick a cut position, byte 2 the record buffer size
 * (48..2088 bytes), the rest is the HTTP body. The body is decoded twice,
 * whole and in two pieces cut at the chosen position. Asserted:
 *   - no crash, no sanitizer report;
 *   - the cursor never goes backwards within a connection and equals the
 *     record's seq_num when on_record runs (a re-report of a fragmented
 *     record that broke repeats its seq_num with `invalid` set);
 *   - every delta handed out (whole or fragment) is valid UTF-8, and every
 *     fragment but the last of a record has fragment_more set;
 *   - both feedings produce the same transcript (fragments joined) and the
 *     same result code.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tc_json_int.h"
#include "tc_outstream.h"

#define LOG_MAX (256u * 1024u)

typedef struct run {
  tc_outstream_t o;
  char rec[2100];
  uint8_t log[LOG_MAX];
  size_t log_len;
  bool have_last;
  uint64_t last_seq;
  bool in_frag;
  size_t frag_start;  /* log position where the open fragment run began */
} run_t;

static run_t g_run[2];

static void put(run_t *r, const void *p, size_t n)
{
  if (n > LOG_MAX - r->log_len) n = LOG_MAX - r->log_len;
  memcpy(r->log + r->log_len, p, n);
  r->log_len += n;
}

static void put_u64(run_t *r, uint64_t v) { put(r, &v, sizeof v); }

static void put_slice(run_t *r, tc_slice_t s)
{
  put_u64(r, s.ptr ? s.len : UINT64_MAX);
  if (s.ptr) put(r, s.ptr, s.len);
}

static bool utf8_ok(const char *p, size_t n)
{
  for (size_t i = 0; i < n;) {
    if ((unsigned char)p[i] < 0x80) {
      i++;
      continue;
    }
    int k = tc_json__utf8((const unsigned char *)p + i, n - i);
    if (k <= 0) return false;
    i += (size_t)k;
  }
  return true;
}

static tc_err_t on_record(void *user, const tc_record_info_t *rec)
{
  run_t *r = user;
  uint64_t cur;
  bool have = tc_outstream_cursor(&r->o, &cur);
  /* the cursor is past the record when its callback runs, but a record whose
   * text is still to come in fragments: then before it */
  if (rec->fragmented && !rec->invalid ? have && cur >= rec->seq_num : !have || cur != rec->seq_num) abort();
  if (r->have_last) {
    bool rereport = rec->seq_num == r->last_seq && rec->invalid && rec->kind == TC_REC_DATA;
    if (rec->seq_num <= r->last_seq && !rereport) abort();
  }
  r->have_last = true;
  r->last_seq = rec->seq_num;
  /* a fragmented delta that broke: how much went out before depends on the
   * cut, so the partial text is not compared */
  if (r->in_frag) r->log_len = r->frag_start;
  r->in_frag = false;
  put(r, "R", 1);
  put_u64(r, rec->seq_num);
  put_u64(r, (uint64_t)rec->timestamp);
  put_u64(r, (uint64_t)rec->kind * 32 + rec->fragmented * 16 + rec->duplicate * 8 + rec->oversized * 4 + rec->invalid * 2);
  put_u64(r, (uint64_t)(int64_t)rec->error);
  put_slice(r, rec->envelope_id);
  return TC_OK;
}

static tc_err_t on_chunk(void *user, const tc_record_info_t *rec, const tc_chunk_t *c)
{
  run_t *r = user;
  if (c->delta.ptr && !utf8_ok(c->delta.ptr, c->delta.len)) abort();
  if (c->fragment_more && !c->fragment) abort();
  if (c->fragment) {
    /* the cursor moves past a record in fragments with its last one */
    uint64_t cur;
    bool have = tc_outstream_cursor(&r->o, &cur);
    if (!rec->fragmented || (c->fragment_more ? have && cur >= rec->seq_num : !have || cur != rec->seq_num)) abort();
    /* fragments are joined in the log: the cut differs between feedings */
    if (!r->in_frag) {
      r->frag_start = r->log_len;
      put(r, "F", 1);
      put(r, &c->type, sizeof c->type);
      put_slice(r, c->id);
    }
    put(r, c->delta.ptr, c->delta.len);
    r->in_frag = c->fragment_more;
    if (!c->fragment_more) put(r, "f", 1);
    return TC_OK;
  }
  put(r, "C", 1);
  put(r, &c->type, sizeof c->type);
  put_slice(r, c->type_name);
  put_slice(r, c->id);
  put_slice(r, c->delta);
  put_slice(r, c->raw);
  put_slice(r, c->public_access_token);
  put_slice(r, c->data);
  return TC_OK;
}

static tc_err_t on_control(void *user, const tc_record_info_t *rec, const tc_control_t *c)
{
  run_t *r = user;
  (void)rec;
  put(r, "K", 1);
  put_u64(r, (uint64_t)c->kind * 4 + c->session_closed * 2 + c->legacy);
  put_slice(r, c->name);
  put_slice(r, c->public_access_token);
  put_u64(r, (uint64_t)c->session_in_event_id);
  put_u64(r, (uint64_t)c->session_in_consumed_id);
  put_slice(r, c->session_closed_reason);
  return TC_OK;
}

static tc_err_t on_event(void *user, tc_out_event_t ev, tc_slice_t text)
{
  run_t *r = user;
  put(r, "E", 1);
  put_u64(r, ev);
  put_slice(r, text);
  if (text.ptr && text.len > TC_OUT_ERROR_TEXT_MAX) abort();
  return TC_OK;
}

static const tc_outstream_cb_t cbs = { on_record, on_chunk, on_control, on_event };

static tc_err_t run(run_t *r, size_t cap, const char *p, size_t n, size_t cut)
{
  tc_err_t e;
  r->log_len = 0;
  r->have_last = false;
  r->in_frag = false;
  tc_outstream_init(&r->o, r->rec, cap, &cbs, r);
  if (cut > n) cut = n;
  e = tc_outstream_feed(&r->o, p, cut);
  if (e == TC_OK) e = tc_outstream_feed(&r->o, p + cut, n - cut);
  if (r->in_frag) r->log_len = r->frag_start;
  put(r, "=", 1);
  put_u64(r, (uint64_t)(int64_t)e);
  return e;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  size_t cut, cap;
  const char *body;
  if (size < 3) return 0;
  cut = (size_t)data[0] << 8 | data[1];
  cap = 48 + (size_t)data[2] * 8;
  body = (const char *)data + 3;
  size -= 3;
  run(&g_run[0], cap, body, size, size);
  run(&g_run[1], cap, body, size, cut % (size + 1));
  if (g_run[0].log_len != g_run[1].log_len || memcmp(g_run[0].log, g_run[1].log, g_run[0].log_len) != 0) abort();
  return 0;
}

/* fuzz_outstream_diff.c — the `.out` decoder's two decode paths must agree.
 *
 * core/ is linked into this binary twice (tests/fuzz/diff.mk): once with
 * TC_DECODE_FAST=1 (the -O2 default: the names as usual, tc_*) and once with
 * TC_DECODE_FAST=0 (the -Os default, what MCU firmware runs), whose every
 * tc_* symbol objcopy renamed to os_tc_*. tc_config.h promises "the
 * behaviour is the same either way"; this target checks it.
 *
 * Input: as fuzz_outstream.c (bytes 0-1 a cut position, byte 2 the record
 * buffer size, 48..2088 bytes; the rest is the HTTP body). The body is fed
 * to both builds in the same pieces, for each of several splits: whole; in
 * two at the cut; in three (at the cut and half-way through the rest);
 * byte by byte (bodies up to 4 KiB). Asserted, per split: every callback
 * (records with all their info, chunks with every field and flag,
 * fragments as delivered, controls, events with their text), the cursor
 * and idle state after each piece, and each feed's result code are
 * identical between the two builds. The same bytes are also given to the
 * JSON and chunk entry points the decoder is built on (tc_json_validate,
 * tc_json_unescape, tc_chunk_parse), whose results and output must match. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tc_chunk.h"
#include "tc_json.h"
#include "tc_outstream.h"

/* the TC_DECODE_FAST=0 build, renamed */
void os_tc_outstream_init(tc_outstream_t *o, char *rec_buf, size_t rec_cap, const tc_outstream_cb_t *cb,
                          void *user);
tc_err_t os_tc_outstream_feed(tc_outstream_t *o, const char *p, size_t n);
bool os_tc_outstream_cursor(const tc_outstream_t *o, uint64_t *seq);
bool os_tc_outstream_idle(const tc_outstream_t *o);
tc_err_t os_tc_json_validate(const char *s, size_t len);
tc_err_t os_tc_json_unescape(char *s, size_t len, size_t *out_len);
tc_err_t os_tc_chunk_parse(char *json, size_t len, tc_chunk_t *out);

#define LOG_MAX (512u * 1024u)
#define BYTEWISE_MAX 4096u

typedef struct side {
  tc_outstream_t o;
  char rec[2100];
  uint8_t log[LOG_MAX];
  size_t n;
} side_t;

static side_t g_side[2]; /* 0: fast, 1: os */

static void put(side_t *s, const void *p, size_t n)
{
  if (n > LOG_MAX - s->n) n = LOG_MAX - s->n;
  memcpy(s->log + s->n, p, n);
  s->n += n;
}

static void put_u64(side_t *s, uint64_t v) { put(s, &v, sizeof v); }

/* content only: the two builds keep a chunk's text at different places in
 * the record buffer */
static void put_slice(side_t *s, tc_slice_t v)
{
  put_u64(s, v.ptr ? v.len : UINT64_MAX);
  if (v.ptr) put(s, v.ptr, v.len);
}

static void put_info(side_t *s, const tc_record_info_t *r)
{
  put_u64(s, r->seq_num);
  put_u64(s, (uint64_t)r->timestamp);
  put_u64(s, (uint64_t)r->kind * 32u + r->fragmented * 16u + r->duplicate * 8u + r->oversized * 4u + r->invalid * 2u);
  put_u64(s, (uint64_t)(int64_t)r->error);
  put_slice(s, r->envelope_id);
}

/* A callback's tag, its record info and the cursor as it stands then. */
static void put_head(side_t *s, const char *tag, const tc_record_info_t *r)
{
  uint64_t cur = 0;
  bool have = s == &g_side[0] ? tc_outstream_cursor(&s->o, &cur) : os_tc_outstream_cursor(&s->o, &cur);
  put(s, tag, 1);
  put_info(s, r);
  put_u64(s, have ? cur : UINT64_MAX);
}

static tc_err_t on_record(void *user, const tc_record_info_t *r)
{
  put_head(user, "R", r);
  return TC_OK;
}

static tc_err_t on_chunk(void *user, const tc_record_info_t *r, const tc_chunk_t *c)
{
  side_t *s = user;
  put_head(s, "C", r);
  put_u64(s, (uint64_t)c->type);
  for (const tc_slice_t *v = &c->type_name; v <= &c->message_metadata; v++) put_slice(s, *v);
  put_u64(s, c->transient + 2u * c->dynamic + 4u * c->provider_executed + 8u * c->preliminary +
                 16u * c->fragment + 32u * c->fragment_more);
  return TC_OK;
}

static tc_err_t on_control(void *user, const tc_record_info_t *r, const tc_control_t *c)
{
  side_t *s = user;
  put(s, "K", 1);
  put_info(s, r);
  put_u64(s, (uint64_t)c->kind * 4u + c->session_closed * 2u + c->legacy);
  put_slice(s, c->name);
  put_slice(s, c->public_access_token);
  put_u64(s, (uint64_t)c->session_in_event_id);
  put_u64(s, (uint64_t)c->session_in_consumed_id);
  put_slice(s, c->session_closed_reason);
  return TC_OK;
}

static tc_err_t on_event(void *user, tc_out_event_t ev, tc_slice_t text)
{
  side_t *s = user;
  put(s, "E", 1);
  put_u64(s, ev);
  put_slice(s, text);
  return TC_OK;
}

static const tc_outstream_cb_t cbs = { on_record, on_chunk, on_control, on_event };

/* Feeds p[0..n) to side k in pieces ending at cuts[0..ncut) (ascending,
 * the last one n; step 1: byte by byte). */
static void run(int k, size_t cap, const char *p, size_t n, const size_t *cuts, size_t ncut)
{
  side_t *s = &g_side[k];
  size_t at = 0;
  s->n = 0;
  if (k == 0) tc_outstream_init(&s->o, s->rec, cap, &cbs, s);
  else os_tc_outstream_init(&s->o, s->rec, cap, &cbs, s);
  for (size_t i = 0; i < ncut; i++) {
    uint64_t cur = 0;
    bool have, idle;
    tc_err_t e = k == 0 ? tc_outstream_feed(&s->o, p + at, cuts[i] - at)
                        : os_tc_outstream_feed(&s->o, p + at, cuts[i] - at);
    at = cuts[i];
    have = k == 0 ? tc_outstream_cursor(&s->o, &cur) : os_tc_outstream_cursor(&s->o, &cur);
    idle = k == 0 ? tc_outstream_idle(&s->o) : os_tc_outstream_idle(&s->o);
    put(s, "=", 1);
    put_u64(s, (uint64_t)(int64_t)e);
    put_u64(s, have ? cur : UINT64_MAX);
    put_u64(s, idle);
    if (e != TC_OK) break; /* the decoder must be re-initialised */
  }
}

static void both(size_t cap, const char *p, size_t n, const size_t *cuts, size_t ncut)
{
  run(0, cap, p, n, cuts, ncut);
  run(1, cap, p, n, cuts, ncut);
  if (g_side[0].n != g_side[1].n || memcmp(g_side[0].log, g_side[1].log, g_side[0].n) != 0) abort();
}

/* The JSON entry points on p[0..n) (at most sizeof g_buf[k] bytes). */
static char g_buf[2][8192];

static void json_side(int k, const char *p, size_t n)
{
  side_t *s = &g_side[k];
  char *buf = g_buf[k];
  size_t len = 0;
  tc_chunk_t c;
  tc_err_t e;
  s->n = 0;
  e = k == 0 ? tc_json_validate(p, n) : os_tc_json_validate(p, n);
  put_u64(s, (uint64_t)(int64_t)e);
  memcpy(buf, p, n);
  e = k == 0 ? tc_json_unescape(buf, n, &len) : os_tc_json_unescape(buf, n, &len);
  put_u64(s, (uint64_t)(int64_t)e);
  if (e == TC_OK) put(s, buf, len);
  memcpy(buf, p, n);
  e = k == 0 ? tc_chunk_parse(buf, n, &c) : os_tc_chunk_parse(buf, n, &c);
  put_u64(s, (uint64_t)(int64_t)e);
  if (e == TC_OK) {
    put_u64(s, (uint64_t)c.type);
    for (const tc_slice_t *v = &c.type_name; v <= &c.message_metadata; v++) put_slice(s, *v);
    put_u64(s, c.transient + 2u * c.dynamic + 4u * c.provider_executed + 8u * c.preliminary);
  }
}

static void json_both(const char *p, size_t n)
{
  if (n > sizeof g_buf[0]) n = sizeof g_buf[0];
  json_side(0, p, n);
  json_side(1, p, n);
  if (g_side[0].n != g_side[1].n || memcmp(g_side[0].log, g_side[1].log, g_side[0].n) != 0) abort();
}

static size_t g_cuts[BYTEWISE_MAX];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  size_t cut, cap, n, c3[3];
  const char *body;
  if (size < 3) return 0;
  cut = (size_t)data[0] << 8 | data[1];
  cap = 48 + (size_t)data[2] * 8;
  body = (const char *)data + 3;
  n = size - 3;
  cut %= n + 1;

  both(cap, body, n, &n, 1);
  c3[0] = cut; /* two pieces */
  c3[1] = n;
  both(cap, body, n, c3, 2);
  c3[1] = cut + (n - cut) / 2;
  c3[2] = n;
  both(cap, body, n, c3, 3);
  if (n > 0 && n <= BYTEWISE_MAX) {
    for (size_t i = 0; i < n; i++) g_cuts[i] = i + 1;
    both(cap, body, n, g_cuts, n);
  }
  json_both(body, n);
  json_both(body + cut, n - cut);
  return 0;
}

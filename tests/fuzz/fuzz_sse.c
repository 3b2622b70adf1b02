/* fuzz_sse.c — differential fuzzing of the event-stream parser (core/sse.c).
 *
 * Input: byte 0 picks the id buffer size, bytes 1-2 two cut positions, the
 * rest is the stream. The stream goes through four interpreters:
 *   A  tc_sse, fed whole;
 *   B  tc_sse, fed in three pieces cut at the chosen positions;
 *   C  tc_sse, fed one byte at a time (short inputs);
 *   R  a plain line-buffered reference written from the WHATWG algorithm.
 * Each writes a canonical log of what it reported (dispatches with their type
 * and joined data, discards, ids, retries); all four logs, the final last_id
 * and (for A/B/C) the idle state must agree. The parser's callback contracts
 * (n > 0, data_started) are asserted too.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tc_sse.h"

#define IN_MAX (64u * 1024u)
#define LOG_MAX (512u * 1024u)

typedef struct out {
  uint8_t log[LOG_MAX];
  size_t log_len;
  bool log_over;
  char data[IN_MAX + 1];
  size_t data_len;
} out_t;

static out_t g_out[4];

static void put(out_t *o, const void *p, size_t n)
{
  if (o->log_over || n > LOG_MAX - o->log_len) {
    o->log_over = true;
    return;
  }
  memcpy(o->log + o->log_len, p, n);
  o->log_len += n;
}

static void put_u64(out_t *o, uint64_t v) { put(o, &v, sizeof v); }

static void put_str(out_t *o, char tag, const char *p, size_t n, bool trunc)
{
  put(o, &tag, 1);
  put_u64(o, n);
  put(o, p, n);
  put(o, trunc ? "+" : "-", 1);
}

static void log_dispatch(out_t *o, const char *ev, size_t ev_len, bool ev_trunc)
{
  put_str(o, 'D', ev, ev_len, ev_trunc);
  put_str(o, 'd', o->data, o->data_len, false);
  o->data_len = 0;
}

/* ---------------------------------------------------------------- tc_sse */

static tc_err_t f_data(void *user, const tc_sse_t *s, const char *p, size_t n)
{
  out_t *o = user;
  if (n == 0 || !s->data_started || n > IN_MAX - o->data_len) abort();
  memcpy(o->data + o->data_len, p, n);
  o->data_len += n;
  return TC_OK;
}

static tc_err_t f_dispatch(void *user, const tc_sse_t *s)
{
  if (!s->data_started || s->event_len > TC_SSE_EVENT_MAX || s->event[s->event_len] != '\0') abort();
  log_dispatch(user, s->event, s->event_len, s->event_truncated);
  return TC_OK;
}

static tc_err_t f_discard(void *user, const tc_sse_t *s)
{
  out_t *o = user;
  if (s->data_started || o->data_len != 0) abort();
  put_str(o, 'X', s->event, s->event_len, s->event_truncated);
  return TC_OK;
}

static tc_err_t f_id(void *user, const tc_sse_t *s)
{
  if (s->last_id_len >= s->last_id_cap || strlen(s->last_id) != s->last_id_len) abort();
  put_str(user, 'I', s->last_id, s->last_id_len, s->last_id_truncated);
  return TC_OK;
}

static tc_err_t f_retry(void *user, const tc_sse_t *s, uint64_t ms)
{
  (void)s;
  put(user, "R", 1);
  put_u64(user, ms);
  return TC_OK;
}

static const tc_sse_cb_t cb = { f_data, f_dispatch, f_discard, f_id, f_retry };

static char g_id[3][32];

static void run_sse(int k, size_t id_cap, const char *p, size_t n, const size_t *cuts, size_t ncuts,
                    bool bytewise, tc_sse_t *s)
{
  out_t *o = &g_out[k];
  o->log_len = 0;
  o->log_over = false;
  o->data_len = 0;
  tc_sse_init(s, id_cap ? g_id[k] : NULL, id_cap, &cb, o);
  if (bytewise) {
    for (size_t i = 0; i < n; i++)
      if (tc_sse_feed(s, p + i, 1) != TC_OK) abort();
    return;
  }
  size_t at = 0;
  for (size_t i = 0; i <= ncuts; i++) {
    size_t end = i < ncuts ? cuts[i] : n;
    if (tc_sse_feed(s, p + at, end - at) != TC_OK) abort();
    at = end;
  }
}

/* ---------------------------------------------------------------- reference */

static char r_event[TC_SSE_EVENT_MAX];
static size_t r_event_len;
static bool r_event_trunc, r_data_seen;
static char r_id[32];
static size_t r_id_len;

static bool name_is(const char *p, size_t n, const char *s) { return n == strlen(s) && memcmp(p, s, n) == 0; }

static void ref_line(out_t *o, const char *line, size_t n, size_t id_max)
{
  if (n == 0) {
    if (r_data_seen) log_dispatch(o, r_event, r_event_len, r_event_trunc);
    else put_str(o, 'X', r_event, r_event_len, r_event_trunc);
    r_data_seen = false;
    r_event_len = 0;
    r_event_trunc = false;
    o->data_len = 0;
    return;
  }
  if (line[0] == ':') return;
  const char *colon = memchr(line, ':', n);
  const char *name = line, *val;
  size_t name_len, val_len;
  if (colon) {
    name_len = (size_t)(colon - line);
    val = colon + 1;
    val_len = n - name_len - 1;
    if (val_len && val[0] == ' ') {
      val++;
      val_len--;
    }
  } else {
    name_len = n;
    val = line + n;
    val_len = 0;
  }
  if (name_is(name, name_len, "event")) {
    r_event_len = val_len < TC_SSE_EVENT_MAX ? val_len : TC_SSE_EVENT_MAX;
    r_event_trunc = val_len > TC_SSE_EVENT_MAX;
    memcpy(r_event, val, r_event_len);
  } else if (name_is(name, name_len, "data")) {
    if (r_data_seen) o->data[o->data_len++] = '\n';
    memcpy(o->data + o->data_len, val, val_len);
    o->data_len += val_len;
    r_data_seen = true;
  } else if (name_is(name, name_len, "id")) {
    if (memchr(val, '\0', val_len)) return;
    r_id_len = val_len < id_max ? val_len : id_max;
    memcpy(r_id, val, r_id_len);
    put_str(o, 'I', r_id, r_id_len, val_len > id_max);
  } else if (name_is(name, name_len, "retry")) {
    uint64_t v = 0;
    if (val_len == 0) return;
    for (size_t i = 0; i < val_len; i++) {
      if (val[i] < '0' || val[i] > '9') return;
      unsigned d = (unsigned)(val[i] - '0');
      v = v > (UINT64_MAX - d) / 10u ? UINT64_MAX : v * 10u + d;
    }
    put(o, "R", 1);
    put_u64(o, v);
  }
}

static void run_ref(const char *p, size_t n, size_t id_max)
{
  out_t *o = &g_out[3];
  o->log_len = 0;
  o->log_over = false;
  o->data_len = 0;
  r_event_len = 0;
  r_event_trunc = r_data_seen = false;
  r_id_len = 0;
  size_t pos = 0;
  if (n >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0) pos = 3;
  while (pos < n) {
    size_t e = pos;
    while (e < n && p[e] != '\n' && p[e] != '\r') e++;
    if (e == n) break; /* an unterminated line is never processed */
    ref_line(o, p + pos, e - pos, id_max);
    pos = (p[e] == '\r' && e + 1 < n && p[e + 1] == '\n') ? e + 2 : e + 1;
  }
}

/* ---------------------------------------------------------------- driver */

static void same(int a, int b)
{
  if (g_out[a].log_over != g_out[b].log_over || g_out[a].log_len != g_out[b].log_len ||
      memcmp(g_out[a].log, g_out[b].log, g_out[a].log_len) != 0)
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static tc_sse_t s[3];
  if (size < 3 || size - 3 > IN_MAX) return 0;
  size_t id_cap = data[0] % 24u; /* 0: no buffer; 1: too small (same as none) */
  const char *p = (const char *)data + 3;
  size_t n = size - 3;
  size_t cuts[2] = { data[1] % (n + 1), data[2] % (n + 1) };
  if (n > 255) { /* reach cut positions beyond the first 255 bytes too */
    cuts[0] = (size_t)data[1] * n / 256u;
    cuts[1] = (size_t)data[2] * n / 256u;
  }
  if (cuts[0] > cuts[1]) {
    size_t t = cuts[0];
    cuts[0] = cuts[1];
    cuts[1] = t;
  }

  run_sse(0, id_cap, p, n, NULL, 0, false, &s[0]);
  run_sse(1, id_cap, p, n, cuts, 2, false, &s[1]);
  bool bytewise = n <= 4096;
  if (bytewise) run_sse(2, id_cap, p, n, NULL, 0, true, &s[2]);
  run_ref(p, n, id_cap < 2 ? 0 : id_cap / 2 - 1);

  same(0, 1);
  same(0, 3);
  if (bytewise) same(0, 2);
  if (tc_sse_idle(&s[0]) != tc_sse_idle(&s[1])) abort();
  if (bytewise && tc_sse_idle(&s[0]) != tc_sse_idle(&s[2])) abort();
  if (s[0].last_id_len != r_id_len || memcmp(s[0].last_id, r_id, r_id_len) != 0) abort();
  if (strcmp(s[0].last_id, s[1].last_id) != 0) abort();
  return 0;
}

/*
 * fuzz_http.c — libFuzzer target for the HTTP response parser and the URL
 * parser.
 *
 * Input: byte 0 = options (bit 0 HEAD request, bits 1-2 line buffer size),
 * bytes 1-2 = split point, the rest = the bytes a server sends. The stream is
 * parsed twice, once whole and once cut in two at the split point; on a kept
 * alive connection each response that completes early is followed by a fresh
 * parser for the left-over bytes (at most 8 responses). Then EOF.
 *
 * Invariants: consumed <= n; consumed < n only once complete; body bytes never
 * exceed the bytes fed; a Content-Length body delivers exactly that many
 * bytes; callbacks come in order (headers_done once, before body and
 * complete); and both runs reach the same outcome with the same body bytes.
 * The URL parser gets the same bytes and must keep its slices inside them.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tc_http.h"

#define ASSERT(c) do { if (!(c)) abort(); } while (0)

typedef struct run {
  tc_http_resp_t r;
  char line[512];
  size_t line_cap;
  bool head;
  uint64_t body_bytes;    /* this response */
  uint64_t body_total;    /* all responses */
  uint64_t hash;          /* of the body bytes and the response boundaries */
  int headers_done;
  int completes;
  int responses;
  uint64_t fed;
  tc_err_t err;
} run_t;

static void mix(run_t *x, const char *p, size_t n)
{
  for (size_t i = 0; i < n; i++) x->hash = (x->hash ^ (unsigned char)p[i]) * 1099511628211u;
}

static tc_err_t on_header(void *user, tc_slice_t name, tc_slice_t value)
{
  run_t *x = user;
  ASSERT(x->headers_done == 0);
  ASSERT(name.ptr && name.len > 0);
  ASSERT(value.ptr);
  ASSERT(name.len + value.len + 1 <= x->line_cap);
  ASSERT(!memchr(value.ptr, '\r', value.len) && !memchr(value.ptr, '\n', value.len));
  return TC_OK;
}

static tc_err_t on_headers_done(void *user, const tc_http_resp_t *r)
{
  run_t *x = user;
  ASSERT(x->headers_done == 0 && x->completes == 0);
  ASSERT(r->status >= 100 && r->status <= 999 && r->status != 101);
  ASSERT(r->stream_version[sizeof r->stream_version - 1] == '\0');
  x->headers_done++;
  return TC_OK;
}

static tc_err_t on_body(void *user, const char *p, size_t n)
{
  run_t *x = user;
  ASSERT(x->headers_done == 1 && x->completes == 0);
  ASSERT(n > 0);
  x->body_bytes += n;
  x->body_total += n;
  ASSERT(x->body_total <= x->fed);
  mix(x, p, n);
  return TC_OK;
}

static tc_err_t on_complete(void *user, const tc_http_resp_t *r)
{
  run_t *x = user;
  ASSERT(x->headers_done == 1 && x->completes == 0);
  if (r->content_length >= 0 && !r->chunked && !x->head && r->status != 204 && r->status != 304)
    ASSERT(x->body_bytes == (uint64_t)r->content_length);
  x->completes++;
  mix(x, "|", 1);
  return TC_OK;
}

static const tc_http_resp_cb_t k_cb = { on_header, on_headers_done, on_body, on_complete };

static void start(run_t *x)
{
  x->body_bytes = 0;
  x->headers_done = 0;
  x->completes = 0;
  x->responses++;
  tc_http_resp_init(&x->r, x->line, x->line_cap, x->head, &k_cb, x);
}

/* Feeds one piece; returns false once the run is over. */
static bool feed(run_t *x, const char *p, size_t n)
{
  while (x->err == TC_OK) {
    size_t used = (size_t)-1;
    x->fed += n;
    tc_err_t e = tc_http_resp_feed(&x->r, p, n, &used);
    ASSERT(used <= n);
    x->fed -= n - used;
    if (e != TC_OK) {
      ASSERT(e < 0);
      x->err = e;
      ASSERT(tc_http_resp_feed(&x->r, p, n, &used) == e && used == 0);
      return false;
    }
    ASSERT(used == n || tc_http_resp_complete(&x->r));
    if (tc_http_resp_complete(&x->r)) ASSERT(x->completes == 1);
    if (used == n) return true;
    /* kept alive: the rest starts the next response */
    if (x->responses >= 8 || !tc_http_resp_reusable(&x->r)) return false;
    p += used;
    n -= used;
    start(x);
  }
  return false;
}

static void finish(run_t *x)
{
  if (x->err == TC_OK) {
    tc_err_t e = tc_http_resp_eof(&x->r);
    if (e == TC_OK) {
      ASSERT(tc_http_resp_complete(&x->r));
      ASSERT(tc_http_resp_eof(&x->r) == TC_OK);
    } else {
      ASSERT(!tc_http_resp_complete(&x->r));
      ASSERT(!tc_http_resp_reusable(&x->r));
      ASSERT(tc_http_resp_eof(&x->r) == e);
    }
    x->err = e;
  }
  if (tc_http_resp_reusable(&x->r)) ASSERT(tc_http_resp_complete(&x->r));
  if (tc_http_resp_complete(&x->r)) ASSERT(tc_http_resp_headers_done(&x->r));
}

static void url_check(const uint8_t *d, size_t n)
{
  tc_url_t u;
  const char *s = (const char *)d;
  if (tc_url_parse(s, n, &u) != TC_OK) return;
  ASSERT(u.host.len > 0 && u.host.ptr >= s && u.host.ptr + u.host.len <= s + n);
  ASSERT(u.path.ptr >= s && u.path.ptr + u.path.len <= s + n);
  ASSERT(u.port > 0);
  {
    char mem[600];
    tc_http_req_t q;
    tc_http_req_begin(&q, mem, sizeof mem, "GET", &u, (tc_slice_t){ "/", 1 });
    tc_err_t e = tc_http_req_end(&q, false, 0);
    ASSERT(e == TC_OK || e == TC_ERR_HTTP_REQUEST_TOO_LONG);
    ASSERT(q.buf.len <= sizeof mem);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static run_t a, b;
  static const size_t caps[4] = { 512, 64, 24, 1 };
  const char *in;
  size_t n, cut;
  if (size < 3) return 0;
  url_check(data + 3, size - 3);
  memset(&a, 0, sizeof a);
  memset(&b, 0, sizeof b);
  a.head = b.head = (data[0] & 1) != 0;
  a.line_cap = b.line_cap = caps[(data[0] >> 1) & 3];
  cut = (size_t)data[1] | ((size_t)data[2] << 8);
  in = (const char *)data + 3;
  n = size - 3;
  if (cut > n) cut = n;

  start(&a);
  feed(&a, in, n);
  finish(&a);

  start(&b);
  if (feed(&b, in, cut)) feed(&b, in + cut, n - cut);
  finish(&b);

  ASSERT(a.err == b.err);
  ASSERT(a.responses == b.responses);
  ASSERT(a.body_total == b.body_total);
  ASSERT(a.hash == b.hash);
  ASSERT(a.r.status == b.r.status);
  ASSERT(tc_http_resp_complete(&a.r) == tc_http_resp_complete(&b.r));
  return 0;
}

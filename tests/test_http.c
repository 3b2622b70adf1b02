/* test_http.c — URL parsing, encodeURIComponent, the request writer and the
 * incremental response parser (every response fed whole, byte by byte and
 * split at every position). */
#include <stdio.h>
#include <string.h>

#include "tc_http.h"
#include "tc_test.h"

/* ------------------------------------------------------------ harness */

typedef struct rec rec_t;

typedef struct expect {
  tc_err_t err;        /* final result: the first feed error, else eof's (if eof) */
  int status;          /* 0: not checked */
  const char *body;    /* NULL: not checked */
  bool complete;
  const char *headers; /* on_header calls as "name=value\n"; NULL: not checked */
  const char *left;    /* bytes the parser left unconsumed; NULL means "" */
  bool eof;            /* call tc_http_resp_eof after the last piece */
  bool reusable;
  void (*more)(rec_t *x, const char *mode); /* extra per-run checks */
} expect_t;

struct rec {
  const expect_t *x;
  tc_http_resp_t r;
  char line[TC_HTTP_LINE_MAX];
  size_t line_cap;
  bool head;
  tc_http_resp_t snap; /* copy taken in on_headers_done */
  char body[8192];
  size_t body_len;
  char hdrs[4096];
  size_t hdrs_len;
  char left[1024];
  size_t left_len;
  int headers_done_calls, complete_calls, body_calls;
  tc_err_t err;
  bool contract_broken; /* feed returned OK, not complete, but consumed < n */
  tc_err_t fail_body;   /* returned by on_body when set */
};

static void append(char *dst, size_t cap, size_t *len, const char *p, size_t n)
{
  if (n > cap - *len) n = cap - *len;
  memcpy(dst + *len, p, n);
  *len += n;
}

static tc_err_t cb_header(void *user, tc_slice_t name, tc_slice_t value)
{
  rec_t *x = user;
  append(x->hdrs, sizeof x->hdrs, &x->hdrs_len, name.ptr, name.len);
  append(x->hdrs, sizeof x->hdrs, &x->hdrs_len, "=", 1);
  append(x->hdrs, sizeof x->hdrs, &x->hdrs_len, value.ptr, value.len);
  append(x->hdrs, sizeof x->hdrs, &x->hdrs_len, "\n", 1);
  return TC_OK;
}

static tc_err_t cb_headers_done(void *user, const tc_http_resp_t *r)
{
  rec_t *x = user;
  x->snap = *r;
  x->headers_done_calls++;
  return TC_OK;
}

static tc_err_t cb_body(void *user, const char *p, size_t n)
{
  rec_t *x = user;
  x->body_calls++;
  append(x->body, sizeof x->body, &x->body_len, p, n);
  return x->fail_body;
}

static tc_err_t cb_complete(void *user, const tc_http_resp_t *r)
{
  rec_t *x = user;
  (void)r;
  x->complete_calls++;
  return TC_OK;
}

static const tc_http_resp_cb_t k_cb = { cb_header, cb_headers_done, cb_body, cb_complete };

static void rec_reset(void *ctx)
{
  rec_t *x = ctx;
  size_t cap = x->line_cap ? x->line_cap : sizeof x->line;
  x->body_len = x->hdrs_len = x->left_len = 0;
  x->headers_done_calls = x->complete_calls = x->body_calls = 0;
  x->err = TC_OK;
  x->contract_broken = false;
  memset(&x->snap, 0, sizeof x->snap);
  tc_http_resp_init(&x->r, x->line, cap, x->head, &k_cb, x);
}

static int rec_feed(void *ctx, const char *p, size_t n)
{
  rec_t *x = ctx;
  size_t used = 12345;
  tc_err_t e = tc_http_resp_feed(&x->r, p, n, &used);
  if (used > n) x->contract_broken = true;
  if (e != TC_OK) {
    x->err = e;
    return 1;
  }
  if (used < n) {
    if (!tc_http_resp_complete(&x->r)) x->contract_broken = true;
    append(x->left, sizeof x->left, &x->left_len, p + used, n - used);
  }
  return 0;
}

#define CHECKM(cond) \
  do { if (!(cond)) tc_test_fail(__FILE__, __LINE__, "[%s] CHECK(%s)", mode, #cond); } while (0)
#define CHECKM_INT(a, b) \
  do { long long a_ = (long long)(a), b_ = (long long)(b); \
       if (a_ != b_) tc_test_fail(__FILE__, __LINE__, "[%s] %s == %lld, expected %lld", mode, #a, a_, b_); \
  } while (0)
#define CHECKM_MEM(p, n, s) \
  do { if (!tc_test_mem_eq((p), (n), (s))) \
         tc_test_fail(__FILE__, __LINE__, "[%s] %s = \"%.*s\", expected \"%s\"", mode, #p, (int)(n), (p), (s)); \
  } while (0)

static void rec_check(void *ctx, const char *mode)
{
  rec_t *x = ctx;
  const expect_t *w = x->x;
  tc_err_t final = x->err;
  if (final == TC_OK && w->eof) final = tc_http_resp_eof(&x->r);
  CHECKM(!x->contract_broken);
  CHECKM_INT(final, w->err);
  if (w->status) {
    CHECKM_INT(x->headers_done_calls, 1);
    CHECKM_INT(x->snap.status, w->status);
  }
  if (w->body) CHECKM_MEM(x->body, x->body_len, w->body);
  CHECKM_INT(tc_http_resp_complete(&x->r), w->complete);
  CHECKM_INT(x->complete_calls, w->complete ? 1 : 0);
  if (w->headers) CHECKM_MEM(x->hdrs, x->hdrs_len, w->headers);
  if (final == TC_OK) CHECKM_MEM(x->left, x->left_len, w->left ? w->left : "");
  CHECKM_INT(tc_http_resp_reusable(&x->r), w->reusable);
  if (w->more) w->more(x, mode);
}

static const tc_split_ops_t k_ops = { rec_reset, rec_feed, rec_check };

static rec_t g_rec;

/* Runs `in` whole, byte by byte, at every split (and every pair of splits for
 * inputs up to 100 bytes) against `w`, with a line buffer of line_cap bytes
 * (0: TC_HTTP_LINE_MAX). */
static void run_cap(const char *in, size_t len, const expect_t *w, size_t line_cap, bool head)
{
  memset(&g_rec, 0, sizeof g_rec);
  g_rec.x = w;
  g_rec.line_cap = line_cap;
  g_rec.head = head;
  tc_test_splits(in, len, &k_ops, &g_rec, 100);
}

static void run(const char *in, const expect_t *w) { run_cap(in, strlen(in), w, 0, false); }

/* An error case: only the error code matters. */
static void run_err(const char *in, tc_err_t err)
{
  expect_t w = { .err = err };
  run(in, &w);
}

/* ------------------------------------------------------- status, headers */

static void more_captures(rec_t *x, const char *mode)
{
  const tc_http_resp_t *s = &x->snap;
  CHECKM_INT(s->content_length, 5);
  CHECKM(!s->chunked);
  CHECKM(!s->conn_close);
  CHECKM(s->session_settled);
  CHECKM(s->content_type_sse);
  CHECKM(!s->content_type_json);
  CHECKM(strcmp(s->stream_version, "v2") == 0);
  CHECKM_INT(s->retry_after_s, 7);
  CHECKM_INT(s->ratelimit_reset, 1767225600000);
  CHECKM(tc_http_resp_headers_done(&x->r));
}

static void test_status_line_and_known_headers_captured(void)
{
  const char *in = "HTTP/1.1 200 OK\r\n"
                   "Content-Type: text/event-stream; charset=utf-8\r\n"
                   "X-Stream-Version: v2\r\n"
                   "X-Session-Settled: true\r\n"
                   "Retry-After: 7\r\n"
                   "x-ratelimit-reset: 1767225600000\r\n"
                   "Content-Length: 5\r\n"
                   "\r\n"
                   "hello";
  expect_t w = { .status = 200, .body = "hello", .complete = true, .reusable = true,
                 .more = more_captures };
  run(in, &w);
}

static void more_json_ci(rec_t *x, const char *mode)
{
  CHECKM(x->snap.content_type_json);
  CHECKM(!x->snap.content_type_sse);
  CHECKM(x->snap.session_settled);
  CHECKM_INT(x->snap.content_length, 2);
  CHECKM(strcmp(x->snap.stream_version, "V2") == 0);
}

static void test_header_names_case_insensitive(void)
{
  const char *in = "HTTP/1.1 200 OK\r\n"
                   "content-TYPE: Application/JSON ; charset=utf-8\r\n"
                   "x-SESSION-settled: true\r\n"
                   "X-STREAM-VERSION: V2\r\n"
                   "CONTENT-LENGTH: 2\r\n"
                   "\r\n{}";
  expect_t w = { .status = 200, .body = "{}", .complete = true, .reusable = true,
                 .more = more_json_ci };
  run(in, &w);
}

static void more_defaults(rec_t *x, const char *mode)
{
  const tc_http_resp_t *s = &x->snap;
  CHECKM(!s->session_settled);
  CHECKM(!s->content_type_sse && !s->content_type_json);
  CHECKM(s->stream_version[0] == '\0');
  CHECKM_INT(s->retry_after_s, -1);
  CHECKM_INT(s->ratelimit_reset, -1);
  CHECKM_INT(s->content_length, 0);
}

static void test_absent_headers_have_defaults(void)
{
  expect_t w = { .status = 404, .body = "", .complete = true, .reusable = true, .more = more_defaults };
  run("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n", &w);
}

static void more_not_settled(rec_t *x, const char *mode)
{
  CHECKM(!x->snap.session_settled);
  CHECKM_INT(x->snap.retry_after_s, -1);
  CHECKM_INT(x->snap.ratelimit_reset, -1);
  CHECKM(strcmp(x->snap.stream_version, "v2-long") == 0);
}

static void test_settled_only_for_true_and_dates_ignored(void)
{
  const char *in = "HTTP/1.1 429 Too Many Requests\r\n"
                   "X-Session-Settled: TRUE\r\n"
                   "Retry-After: Wed, 21 Oct 2015 07:28:00 GMT\r\n"
                   "x-ratelimit-reset: -5\r\n"
                   "X-Stream-Version: v2-long-value\r\n"
                   "Content-Length: 0\r\n\r\n";
  expect_t w = { .status = 429, .body = "", .complete = true, .reusable = true,
                 .more = more_not_settled };
  run(in, &w);
}

static void test_every_header_reaches_on_header_trimmed(void)
{
  const char *in = "HTTP/1.1 200 OK\r\n"
                   "X-A:   one  \r\n"
                   "X-B:\ttwo\t\r\n"
                   "X-Empty:\r\n"
                   "X-Spaces:   \r\n"
                   "Content-Length: 0\r\n"
                   "X-Inner: a  b\r\n"
                   "\r\n";
  expect_t w = { .status = 200, .body = "", .complete = true, .reusable = true,
                 .headers = "X-A=one\nX-B=two\nX-Empty=\nX-Spaces=\nContent-Length=0\nX-Inner=a  b\n" };
  run(in, &w);
}

static void test_http10_and_reason_phrase_optional(void)
{
  expect_t w = { .status = 200, .body = "ab", .complete = true, .reusable = false };
  run("HTTP/1.0 200\r\nContent-Length: 2\r\n\r\nab", &w);
  expect_t w2 = { .status = 503, .body = "", .complete = true, .reusable = true };
  run("HTTP/1.1 503 \r\nContent-Length: 0\r\n\r\n", &w2);
  expect_t w3 = { .status = 200, .body = "", .complete = true, .reusable = true };
  run("HTTP/1.1 200 Fine, thanks (\x80\xff)\r\nContent-Length: 0\r\n\r\n", &w3);
}

static void test_bare_lf_line_ends_accepted(void)
{
  expect_t w = { .status = 200, .body = "hi", .complete = true, .reusable = true,
                 .headers = "Content-Length=2\nX-A=b\n" };
  run("HTTP/1.1 200 OK\nContent-Length: 2\r\nX-A: b\n\nhi", &w);
}

static void test_leading_empty_lines_skipped(void)
{
  expect_t w = { .status = 204, .complete = true, .reusable = true };
  run("\r\n\n\r\nHTTP/1.1 204 No Content\r\n\r\n", &w);
}

static void test_http_version_refused(void)
{
  run_err("HTTP/2 200 OK\r\n\r\n", TC_ERR_HTTP_VERSION);
  run_err("HTTP/2.0 200 OK\r\n\r\n", TC_ERR_HTTP_VERSION);
  run_err("HTTP/1.2 200 OK\r\n\r\n", TC_ERR_HTTP_VERSION);
  run_err("HTTP/0.9 200 OK\r\n\r\n", TC_ERR_HTTP_VERSION);
  run_err("HTTP/1.10 200 OK\r\n\r\n", TC_ERR_HTTP_VERSION);
  run_err("HTTP/1,1 200 OK\r\n\r\n", TC_ERR_HTTP_VERSION);
  run_err("HTTP/3.1 200 OK\r\n\r\n", TC_ERR_HTTP_VERSION);
  run_err("HTTP/ 200 OK\r\n\r\n", TC_ERR_HTTP_VERSION);
}

static void test_bad_status_lines(void)
{
  run_err("HTP/1.1 200 OK\r\n\r\n", TC_ERR_HTTP_STATUS_LINE);
  run_err("http/1.1 200 OK\r\n\r\n", TC_ERR_HTTP_STATUS_LINE);
  run_err("ICY 200 OK\r\n\r\n", TC_ERR_HTTP_STATUS_LINE);
  run_err("HTTP/1.1\r\n\r\n", TC_ERR_HTTP_STATUS_LINE);
  run_err("HTTP/1.1 20\r\n\r\n", TC_ERR_HTTP_STATUS_LINE);
  run_err("HTTP/1.1 2000 OK\r\n\r\n", TC_ERR_HTTP_STATUS_LINE);
  run_err("HTTP/1.1 099 OK\r\n\r\n", TC_ERR_HTTP_STATUS_LINE);
  run_err("HTTP/1.1 2x0 OK\r\n\r\n", TC_ERR_HTTP_STATUS_LINE);
  run_err("HTTP/1.1  200 OK\r\n\r\n", TC_ERR_HTTP_STATUS_LINE);
  run_err("HTTP/1.1 -20 OK\r\n\r\n", TC_ERR_HTTP_STATUS_LINE);
  run_err("HTTP/1.1 200 O\rK\r\n\r\n", TC_ERR_HTTP_STATUS_LINE);
  run_err("HTTP/1.1 200 OK\r\r\n\r\n", TC_ERR_HTTP_STATUS_LINE);
  {
    static const char nul[] = "HTTP/1.1 200 O\0K\r\n\r\n";
    expect_t w = { .err = TC_ERR_HTTP_STATUS_LINE };
    run_cap(nul, sizeof nul - 1, &w, 0, false);
  }
}

static void test_101_switching_protocols_refused(void)
{
  run_err("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n", TC_ERR_HTTP_STATUS);
}

static void more_interim(rec_t *x, const char *mode)
{
  CHECKM(x->snap.content_type_json);
  CHECKM(!x->snap.conn_close);
}

static void test_1xx_interim_responses_skipped(void)
{
  const char *in = "HTTP/1.1 100 Continue\r\n\r\n"
                   "HTTP/1.1 103 Early Hints\r\nLink: </s.css>\r\nConnection: close\r\n\r\n"
                   "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 4\r\n\r\n"
                   "true";
  expect_t w = { .status = 200, .body = "true", .complete = true, .reusable = true,
                 .headers = "Content-Type=application/json\nContent-Length=4\n", .more = more_interim };
  run(in, &w);
}

static void test_obs_fold_refused(void)
{
  run_err("HTTP/1.1 200 OK\r\nX-A: one\r\n two\r\nContent-Length: 0\r\n\r\n", TC_ERR_HTTP_HEADER_SYNTAX);
  run_err("HTTP/1.1 200 OK\r\nX-A: one\r\n\ttwo\r\n\r\n", TC_ERR_HTTP_HEADER_SYNTAX);
}

static void test_bad_header_lines(void)
{
  run_err("HTTP/1.1 200 OK\r\nX-A : v\r\n\r\n", TC_ERR_HTTP_HEADER_SYNTAX);
  run_err("HTTP/1.1 200 OK\r\n: v\r\n\r\n", TC_ERR_HTTP_HEADER_SYNTAX);
  run_err("HTTP/1.1 200 OK\r\nNo colon here\r\n\r\n", TC_ERR_HTTP_HEADER_SYNTAX);
  run_err("HTTP/1.1 200 OK\r\nNoColon\r\n\r\n", TC_ERR_HTTP_HEADER_SYNTAX);
  run_err("HTTP/1.1 200 OK\r\nX(A): v\r\n\r\n", TC_ERR_HTTP_HEADER_SYNTAX);
  run_err("HTTP/1.1 200 OK\r\nX\x01: v\r\n\r\n", TC_ERR_HTTP_HEADER_SYNTAX);
  run_err("HTTP/1.1 200 OK\r\nX-A: a\rb\r\n\r\n", TC_ERR_HTTP_HEADER_SYNTAX);
  run_err("HTTP/1.1 200 OK\r\nX-A: ab\r\r\n\r\n", TC_ERR_HTTP_HEADER_SYNTAX);
  {
    static const char nul[] = "HTTP/1.1 200 OK\r\nX-A: a\0b\r\n\r\n";
    expect_t w = { .err = TC_ERR_HTTP_HEADER_SYNTAX };
    run_cap(nul, sizeof nul - 1, &w, 0, false);
  }
}

/* A header line of exactly the buffer size fits (CR LF excluded); one more
 * byte is TC_ERR_HTTP_HEADER_TOO_LONG, with CRLF or bare LF. */
static void test_header_line_bound_is_the_line_buffer(void)
{
  char in[256];
  size_t cap = 40;
  const char *head = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n";
  for (int extra = 0; extra <= 1; extra++) {
    for (int crlf = 0; crlf <= 1; crlf++) {
      size_t n = strlen(head);
      memcpy(in, head, n);
      memcpy(in + n, "X-Pad: ", 7);
      n += 7;
      for (size_t k = 7; k < cap + (size_t)extra; k++) in[n++] = 'p';
      if (crlf) in[n++] = '\r';
      in[n++] = '\n';
      in[n++] = '\r';
      in[n++] = '\n';
      if (extra) {
        expect_t w = { .err = TC_ERR_HTTP_HEADER_TOO_LONG };
        run_cap(in, n, &w, cap, false);
      } else {
        expect_t w = { .status = 200, .body = "", .complete = true, .reusable = true };
        run_cap(in, n, &w, cap, false);
      }
    }
  }
}

static void test_overlong_status_line_refused(void)
{
  char in[1200];
  size_t n = (size_t)snprintf(in, sizeof in, "HTTP/1.1 200 ");
  while (n < TC_HTTP_LINE_MAX + 5) in[n++] = 'x';
  memcpy(in + n, "\r\n\r\n", 5);
  {
    expect_t w = { .err = TC_ERR_HTTP_HEADER_TOO_LONG };
    memset(&g_rec, 0, sizeof g_rec);
    g_rec.x = &w;
    tc_test_splits(in, n + 4, &k_ops, &g_rec, 0);
  }
}

static void test_too_many_headers(void)
{
  static char in[8192];
  for (int extra = 0; extra <= 1; extra++) {
    size_t n = (size_t)snprintf(in, sizeof in, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n");
    for (int i = 1; i < TC_HTTP_HEADERS_MAX + extra; i++)
      n += (size_t)snprintf(in + n, sizeof in - n, "X-H%d: %d\r\n", i, i);
    n += (size_t)snprintf(in + n, sizeof in - n, "\r\n");
    expect_t w = { .err = extra ? TC_ERR_HTTP_TOO_MANY_HEADERS : TC_OK, .status = extra ? 0 : 200,
                   .complete = !extra, .reusable = !extra };
    memset(&g_rec, 0, sizeof g_rec);
    g_rec.x = &w;
    tc_test_splits(in, n, &k_ops, &g_rec, 0);
  }
}

/* the header limit counts the lines of one response: a 1xx response's lines
 * do not count toward the final response's */
static void test_header_limit_is_per_response(void)
{
  static char in[8192];
  size_t n = (size_t)snprintf(in, sizeof in, "HTTP/1.1 103 Early Hints\r\n");
  for (int i = 0; i < TC_HTTP_HEADERS_MAX; i++)
    n += (size_t)snprintf(in + n, sizeof in - n, "Link: </%d>\r\n", i);
  n += (size_t)snprintf(in + n, sizeof in - n, "\r\nHTTP/1.1 200 OK\r\n");
  for (int i = 0; i < TC_HTTP_HEADERS_MAX - 1; i++)
    n += (size_t)snprintf(in + n, sizeof in - n, "X-H%d: %d\r\n", i, i);
  n += (size_t)snprintf(in + n, sizeof in - n, "Content-Length: 0\r\n\r\n");
  expect_t w = { .status = 200, .body = "", .complete = true, .reusable = true };
  memset(&g_rec, 0, sizeof g_rec);
  g_rec.x = &w;
  tc_test_splits(in, n, &k_ops, &g_rec, 0);
}

/* ------------------------------------------------------------ Content-Length */

static void test_content_length_body(void)
{
  expect_t w = { .status = 200, .body = "0123456789", .complete = true, .reusable = true };
  run("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789", &w);
}

static void test_content_length_equal_duplicates_accepted(void)
{
  expect_t w = { .status = 200, .body = "abc", .complete = true, .reusable = true };
  run("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc", &w);
  run("HTTP/1.1 200 OK\r\nContent-Length: 3, 3\r\n\r\nabc", &w);
  run("HTTP/1.1 200 OK\r\nContent-Length: 003\r\n\r\nabc", &w);
  /* leading zeros do not count toward the 19 digits of INT64_MAX */
  run("HTTP/1.1 200 OK\r\nContent-Length: 0000000000000000000000003\r\n\r\nabc", &w);
}

static void test_content_length_invalid_or_conflicting(void)
{
  run_err("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", TC_ERR_HTTP_CONTENT_LENGTH);
  run_err("HTTP/1.1 200 OK\r\nContent-Length: 3, 4\r\n\r\nabcd", TC_ERR_HTTP_CONTENT_LENGTH);
  run_err("HTTP/1.1 200 OK\r\nContent-Length: +3\r\n\r\nabc", TC_ERR_HTTP_CONTENT_LENGTH);
  run_err("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", TC_ERR_HTTP_CONTENT_LENGTH);
  run_err("HTTP/1.1 200 OK\r\nContent-Length: 0x10\r\n\r\n", TC_ERR_HTTP_CONTENT_LENGTH);
  run_err("HTTP/1.1 200 OK\r\nContent-Length: 1 0\r\n\r\n", TC_ERR_HTTP_CONTENT_LENGTH);
  run_err("HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\n", TC_ERR_HTTP_CONTENT_LENGTH);
  run_err("HTTP/1.1 200 OK\r\nContent-Length: 3,\r\n\r\nabc", TC_ERR_HTTP_CONTENT_LENGTH);
  run_err("HTTP/1.1 200 OK\r\nContent-Length: 9223372036854775808\r\n\r\n", TC_ERR_HTTP_CONTENT_LENGTH);
  run_err("HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\n\r\n", TC_ERR_HTTP_CONTENT_LENGTH);
}

static void more_big_cl(rec_t *x, const char *mode)
{
  CHECKM_INT(x->snap.content_length, INT64_MAX);
  CHECKM(tc_http_resp_headers_done(&x->r));
}

static void test_content_length_max_accepted_then_truncated(void)
{
  expect_t w = { .err = TC_ERR_HTTP_TRUNCATED, .status = 200, .body = "ab", .eof = true,
                 .more = more_big_cl };
  run("HTTP/1.1 200 OK\r\nContent-Length: 9223372036854775807\r\n\r\nab", &w);
}

/* ------------------------------------------------------------------ chunked */

static void more_chunked(rec_t *x, const char *mode)
{
  CHECKM(x->snap.chunked);
  CHECKM_INT(x->snap.content_length, -1);
}

static void test_chunked_body(void)
{
  expect_t w = { .status = 200, .body = "hello world", .complete = true, .reusable = true,
                 .more = more_chunked };
  run("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", &w);
}

static void test_chunked_hex_sizes_any_case_and_leading_zeros(void)
{
  char in[256];
  char body[64];
  memset(body, 'z', 43);
  body[43] = '\0';
  snprintf(in, sizeof in, "HTTP/1.1 200 OK\r\nTransfer-Encoding: Chunked\r\n\r\n1A\r\n%.26s\r\n00000000000000f\r\n%.15s\r\n0000000000000002\r\n%.2s\r\n0\r\n\r\n",
           body, body, body);
  expect_t w = { .status = 200, .body = body, .complete = true, .reusable = true };
  run(in, &w);
}

static void test_chunked_extensions_and_trailers(void)
{
  const char *in = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Sum\r\n\r\n"
                   "5;foo=bar\r\nhello\r\n"
                   "1 ; a=\"q;x\" ;b\r\n!\r\n"
                   "0;last\r\nX-Sum: 42\r\nX-Other: y\r\n\r\n";
  expect_t w = { .status = 200, .body = "hello!", .complete = true, .reusable = true,
                 .headers = "Transfer-Encoding=chunked\nTrailer=X-Sum\n" };
  run(in, &w);
}

static void test_transfer_encoding_list_ignores_empty_elements(void)
{
  expect_t w = { .status = 200, .body = "ab", .complete = true, .reusable = true, .more = more_chunked };
  run("HTTP/1.1 200 OK\r\nTransfer-Encoding: , CHUNKED ,\r\n\r\n2\r\nab\r\n0\r\n\r\n", &w);
}

static void test_chunked_bare_lf(void)
{
  expect_t w = { .status = 200, .body = "abcdef", .complete = true, .reusable = true };
  run("HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n3\nabc\n3;x\ndef\n0\n\n", &w);
}

static void test_bad_chunk_sizes(void)
{
  const char *h = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
  const char *bad[] = { "g\r\n", "-5\r\nhello\r\n", "0x5\r\nhello\r\n", "\r\n", ";ext\r\n",
                        " 5\r\n", "5x\r\n", "00000000000000005\r\nhello\r\n0\r\n\r\n",
                        "10000000000000000\r\n" };
  char in[256];
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    snprintf(in, sizeof in, "%s%s", h, bad[i]);
    run_err(in, TC_ERR_HTTP_CHUNK_SIZE);
  }
}

static void more_huge_chunk(rec_t *x, const char *mode)
{
  CHECKM(x->snap.chunked);
  CHECKM_INT(x->r.remaining, UINT64_MAX - 3);
}

/* 16 hex digits is the largest size (2^64-1); its data then ends early */
static void test_chunk_size_16_digits_accepted(void)
{
  expect_t w = { .err = TC_ERR_HTTP_TRUNCATED, .status = 200, .body = "abc", .eof = true,
                 .more = more_huge_chunk };
  run("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFF\r\nabc", &w);
}

static void test_chunk_size_line_framing(void)
{
  /* CR in the size line not followed by LF */
  run_err("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\rhello\r\n", TC_ERR_HTTP_CHUNK_SYNTAX);
  /* chunk extension longer than the line buffer */
  {
    char in[200];
    size_t n = (size_t)snprintf(in, sizeof in, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1;");
    size_t cap = 64;
    for (int k = 0; k < 70; k++) in[n++] = 'e';
    memcpy(in + n, "\r\nx\r\n0\r\n\r\n", 11);
    n += 10;
    expect_t w = { .err = TC_ERR_HTTP_CHUNK_SYNTAX };
    run_cap(in, n, &w, cap, false);
  }
}

/* the framing's line rules hold inside chunk extensions too */
static void test_chunk_extension_cr_or_nul_refused(void)
{
  static const char nul[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;a\0b\r\nhello\r\n0\r\n\r\n";
  expect_t w = { .err = TC_ERR_HTTP_CHUNK_SYNTAX };
  run_err("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;a\rb\r\nhello\r\n0\r\n\r\n", TC_ERR_HTTP_CHUNK_SYNTAX);
  run_err("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5 \r\r\nhello\r\n0\r\n\r\n", TC_ERR_HTTP_CHUNK_SYNTAX);
  run_cap(nul, sizeof nul - 1, &w, 0, false);
}

static void test_chunk_data_missing_crlf(void)
{
  run_err("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloX\r\n0\r\n\r\n", TC_ERR_HTTP_CHUNK_SYNTAX);
  run_err("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\rX0\r\n\r\n", TC_ERR_HTTP_CHUNK_SYNTAX);
  run_err("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\r\n0\r\n\r\n", TC_ERR_HTTP_CHUNK_SYNTAX);
  /* a chunk longer than announced */
  run_err("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nhello\r\n0\r\n\r\n", TC_ERR_HTTP_CHUNK_SYNTAX);
}

static void test_bad_trailer_refused(void)
{
  run_err("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nbad trailer\r\n\r\n", TC_ERR_HTTP_HEADER_SYNTAX);
}

static void test_transfer_encoding_other_than_chunked_refused(void)
{
  run_err("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", TC_ERR_HTTP_ENCODING);
  run_err("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", TC_ERR_HTTP_ENCODING);
  run_err("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n", TC_ERR_HTTP_ENCODING);
  run_err("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
          TC_ERR_HTTP_ENCODING);
  run_err("HTTP/1.1 200 OK\r\nTransfer-Encoding: identity\r\nContent-Length: 0\r\n\r\n", TC_ERR_HTTP_ENCODING);
  run_err("HTTP/1.1 200 OK\r\nTransfer-Encoding:\r\n\r\n", TC_ERR_HTTP_ENCODING);
  run_err("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked;q=1\r\n\r\n0\r\n\r\n", TC_ERR_HTTP_ENCODING);
}

static void test_content_length_with_chunked_refused(void)
{
  run_err("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
          TC_ERR_HTTP_CONTENT_LENGTH);
  run_err("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
          TC_ERR_HTTP_CONTENT_LENGTH);
}

/* ---------------------------------------------------- close-delimited, EOF */

static void test_close_delimited_body_ends_at_eof(void)
{
  expect_t w = { .status = 200, .body = "data: x\n\n", .complete = true, .eof = true, .reusable = false };
  run("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\ndata: x\n\n", &w);
  expect_t w2 = { .status = 200, .body = "", .complete = true, .eof = true, .reusable = false };
  run("HTTP/1.1 200 OK\r\n\r\n", &w2);
}

static void test_close_delimited_not_complete_before_eof(void)
{
  expect_t w = { .status = 200, .body = "abc", .complete = false, .reusable = false };
  run("HTTP/1.0 200 OK\r\n\r\nabc", &w);
}

static void test_truncated_responses(void)
{
  const char *cut[] = {
    "",
    "HTTP/1.1 200 OK",
    "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n",
    "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhel",
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5",
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext",
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel",
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello",
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n",
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n",
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-T: 1\r\n",
    "HTTP/1.1 100 Continue\r\n\r\n",
  };
  for (size_t i = 0; i < sizeof cut / sizeof cut[0]; i++) {
    expect_t w = { .err = TC_ERR_HTTP_TRUNCATED, .eof = true };
    run(cut[i], &w);
    /* eof is sticky */
    CHECK_EQ_INT(tc_http_resp_eof(&g_rec.r), TC_ERR_HTTP_TRUNCATED);
  }
}

static void more_trunc_status(rec_t *x, const char *mode)
{
  CHECKM(tc_http_resp_headers_done(&x->r));
  CHECKM_INT(x->r.status, 500);
}

static void test_status_readable_after_truncated_body(void)
{
  expect_t w = { .err = TC_ERR_HTTP_TRUNCATED, .status = 500, .body = "{\"er", .eof = true,
                 .more = more_trunc_status };
  run("HTTP/1.1 500 Internal Server Error\r\nContent-Length: 20\r\n\r\n{\"er", &w);
}

/* ------------------------------------------------- bodiless, keep-alive */

static void test_204_304_have_no_body(void)
{
  expect_t w = { .status = 204, .body = "", .complete = true, .reusable = true, .left = "HTTP/1.1" };
  run("HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\nHTTP/1.1", &w);
  expect_t w2 = { .status = 304, .body = "", .complete = true, .reusable = true, .left = "xyz" };
  run("HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\nxyz", &w2);
}

static void test_head_response_has_no_body(void)
{
  const char *in = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: gzip\r\n\r\nNEXT";
  expect_t w = { .status = 200, .body = "", .complete = true, .reusable = true, .left = "NEXT" };
  run_cap(in, strlen(in), &w, 0, true);
}

static void test_pipelined_bytes_left_to_caller(void)
{
  const char *second = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n";
  char in[256];
  snprintf(in, sizeof in, "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc%s", second);
  expect_t w = { .status = 200, .body = "abc", .complete = true, .reusable = true, .left = second };
  run(in, &w);
  snprintf(in, sizeof in, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nz\r\n0\r\n\r\n%s", second);
  expect_t w2 = { .status = 200, .body = "z", .complete = true, .reusable = true, .left = second };
  run(in, &w2);
  /* the left-over bytes parse as the next response after re-init */
  {
    char left[256];
    expect_t w3 = { .status = 200, .body = "ok", .complete = true, .reusable = true };
    CHECK(g_rec.left_len < sizeof left);
    memcpy(left, g_rec.left, g_rec.left_len);
    left[g_rec.left_len] = '\0';
    run(left, &w3);
  }
}

static void test_feed_after_complete_consumes_nothing(void)
{
  tc_http_resp_t r;
  char line[64];
  size_t used = 99;
  const char *in = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
  tc_http_resp_init(&r, line, sizeof line, false, NULL, NULL);
  CHECK_EQ_INT(tc_http_resp_feed(&r, in, strlen(in), &used), TC_OK);
  CHECK_EQ_INT(used, strlen(in));
  CHECK(tc_http_resp_complete(&r));
  CHECK_EQ_INT(tc_http_resp_feed(&r, "xyz", 3, &used), TC_OK);
  CHECK_EQ_INT(used, 0);
  CHECK_EQ_INT(tc_http_resp_eof(&r), TC_OK);
}

static void test_connection_header_and_reuse(void)
{
  expect_t close = { .status = 200, .body = "", .complete = true, .reusable = false };
  run("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n", &close);
  run("HTTP/1.1 200 OK\r\nConnection: keep-alive, Close\r\nContent-Length: 0\r\n\r\n", &close);
  run("HTTP/1.1 200 OK\r\nConnection: Upgrade\r\nConnection: close\r\nContent-Length: 0\r\n\r\n", &close);
  run("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n", &close);
  run("HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: keep-alive\r\n\r\n0\r\n\r\n", &close);
  expect_t keep = { .status = 200, .body = "", .complete = true, .reusable = true };
  run("HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 0\r\n\r\n", &keep);
  run("HTTP/1.1 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n", &keep);
  run("HTTP/1.1 200 OK\r\nConnection: closed, , x-close\r\nContent-Length: 0\r\n\r\n", &keep);
}

/* ---------------------------------------------------- body spans, errors */

static void test_body_spans_handed_whole(void)
{
  const char *in = "HTTP/1.1 200 OK\r\nContent-Length: 26\r\n\r\nabcdefghijklmnopqrstuvwxyz";
  memset(&g_rec, 0, sizeof g_rec);
  g_rec.line_cap = 0;
  rec_reset(&g_rec);
  CHECK_EQ_INT(rec_feed(&g_rec, in, strlen(in)), 0);
  CHECK_EQ_INT(g_rec.body_calls, 1);
  CHECK(tc_http_resp_complete(&g_rec.r));

  const char *ch = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                   "a\r\n0123456789\r\n10\r\n0123456789abcdef\r\n0\r\n\r\n";
  rec_reset(&g_rec);
  CHECK_EQ_INT(rec_feed(&g_rec, ch, strlen(ch)), 0);
  CHECK_EQ_INT(g_rec.body_calls, 2);
  CHECK_EQ_MEM(g_rec.body, g_rec.body_len, "01234567890123456789abcdef");
}

static const char *g_span_base;
static size_t g_span_len;
static bool g_span_inside;

static tc_err_t cb_span(void *user, const char *p, size_t n)
{
  (void)user;
  if (!(p >= g_span_base && p + n <= g_span_base + g_span_len)) g_span_inside = false;
  return TC_OK;
}

static void test_body_not_copied(void)
{
  static const tc_http_resp_cb_t cb = { NULL, NULL, cb_span, NULL };
  const char *in = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n";
  tc_http_resp_t r;
  char line[64];
  size_t used;
  g_span_base = in;
  g_span_len = strlen(in);
  g_span_inside = true;
  tc_http_resp_init(&r, line, sizeof line, false, &cb, NULL);
  CHECK_EQ_INT(tc_http_resp_feed(&r, in, strlen(in), &used), TC_OK);
  CHECK(tc_http_resp_complete(&r));
  CHECK(g_span_inside);
}

static void test_callback_error_stops_parser(void)
{
  const char *in = "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nabcd";
  size_t used = 0;
  memset(&g_rec, 0, sizeof g_rec);
  rec_reset(&g_rec);
  g_rec.fail_body = TC_ERR_CALLBACK;
  CHECK_EQ_INT(tc_http_resp_feed(&g_rec.r, in, strlen(in), &used), TC_ERR_CALLBACK);
  CHECK_EQ_INT(g_rec.body_calls, 1);
  CHECK_EQ_INT(g_rec.complete_calls, 0);
  CHECK(!tc_http_resp_complete(&g_rec.r));
  CHECK_EQ_INT(tc_http_resp_feed(&g_rec.r, "x", 1, &used), TC_ERR_CALLBACK);
  CHECK_EQ_INT(used, 0);
  CHECK_EQ_INT(tc_http_resp_eof(&g_rec.r), TC_ERR_CALLBACK);
  CHECK(!tc_http_resp_reusable(&g_rec.r));
}

/* Each callback's failure stops the parser with that callback's code. */
static int g_fail_which; /* 1 header, 2 headers_done, 3 body, 4 complete */

static tc_err_t f_header(void *u, tc_slice_t n, tc_slice_t v)
{
  (void)u, (void)n, (void)v;
  return g_fail_which == 1 ? TC_ERR_CALLBACK : TC_OK;
}
static tc_err_t f_done(void *u, const tc_http_resp_t *r)
{
  (void)u, (void)r;
  return g_fail_which == 2 ? TC_ERR_STATE : TC_OK;
}
static tc_err_t f_body(void *u, const char *p, size_t n)
{
  (void)u, (void)p, (void)n;
  return g_fail_which == 3 ? TC_ERR_NOSPACE : TC_OK;
}
static tc_err_t f_complete(void *u, const tc_http_resp_t *r)
{
  (void)u, (void)r;
  return g_fail_which == 4 ? TC_ERR_PROTOCOL : TC_OK;
}

static void test_every_callback_failure_stops_parser(void)
{
  static const tc_http_resp_cb_t cb = { f_header, f_done, f_body, f_complete };
  static const tc_err_t want[5] = { TC_OK, TC_ERR_CALLBACK, TC_ERR_STATE, TC_ERR_NOSPACE, TC_ERR_PROTOCOL };
  const char *ins[3] = {
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n0\r\n\r\n",
    "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nab",
    "HTTP/1.1 200 OK\r\nX-A: b\r\n\r\nab", /* close-delimited: complete at eof */
  };
  for (int k = 0; k < 3; k++) {
    for (g_fail_which = 0; g_fail_which <= 4; g_fail_which++) {
      tc_http_resp_t r;
      char line[64];
      size_t used;
      tc_err_t e;
      tc_http_resp_init(&r, line, sizeof line, false, &cb, NULL);
      e = tc_http_resp_feed(&r, ins[k], strlen(ins[k]), &used);
      if (e == TC_OK && k == 2) e = tc_http_resp_eof(&r);
      CHECK_EQ_INT(e, want[g_fail_which]);
      CHECK_EQ_INT(tc_http_resp_complete(&r), g_fail_which == 0);
      CHECK_EQ_INT(tc_http_resp_eof(&r), want[g_fail_which]);
    }
  }
}

static void test_parser_usable_after_reinit_following_error(void)
{
  const char *bad = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n";
  const char *good = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Session-Settled: true\r\n\r\nok";
  size_t used;
  memset(&g_rec, 0, sizeof g_rec);
  rec_reset(&g_rec);
  CHECK_EQ_INT(tc_http_resp_feed(&g_rec.r, bad, strlen(bad), &used), TC_ERR_HTTP_CHUNK_SIZE);
  CHECK_EQ_INT(tc_http_resp_feed(&g_rec.r, good, strlen(good), &used), TC_ERR_HTTP_CHUNK_SIZE);
  rec_reset(&g_rec);
  CHECK_EQ_INT(tc_http_resp_feed(&g_rec.r, good, strlen(good), &used), TC_OK);
  CHECK_EQ_INT(used, strlen(good));
  CHECK(tc_http_resp_complete(&g_rec.r));
  CHECK(tc_http_resp_reusable(&g_rec.r));
  CHECK(g_rec.snap.session_settled);
  CHECK_EQ_MEM(g_rec.body, g_rec.body_len, "ok");
}

/* -------------------------------------------------------------------- URLs */

static void test_url_parse_https_default(void)
{
  tc_url_t u;
  const char *s = "https://api.trigger.dev";
  CHECK_EQ_INT(tc_url_parse(s, strlen(s), &u), TC_OK);
  CHECK(u.tls);
  CHECK_EQ_MEM(u.host.ptr, u.host.len, "api.trigger.dev");
  CHECK_EQ_INT(u.port, 443);
  CHECK(!u.port_explicit);
  CHECK(u.path.ptr != NULL);
  CHECK_EQ_INT(u.path.len, 0);
}

static void test_url_parse_ports_and_paths(void)
{
  tc_url_t u;
  const char *s = "HTTP://127.0.0.1:8080/base/path/";
  CHECK_EQ_INT(tc_url_parse(s, strlen(s), &u), TC_OK);
  CHECK(!u.tls);
  CHECK_EQ_MEM(u.host.ptr, u.host.len, "127.0.0.1");
  CHECK_EQ_INT(u.port, 8080);
  CHECK(u.port_explicit);
  CHECK_EQ_MEM(u.path.ptr, u.path.len, "/base/path");

  s = "http://localhost/";
  CHECK_EQ_INT(tc_url_parse(s, strlen(s), &u), TC_OK);
  CHECK_EQ_INT(u.port, 80);
  CHECK_EQ_INT(u.path.len, 0);

  s = "https://h.example:65535/a//";
  CHECK_EQ_INT(tc_url_parse(s, strlen(s), &u), TC_OK);
  CHECK_EQ_INT(u.port, 65535);
  CHECK_EQ_MEM(u.path.ptr, u.path.len, "/a/");

  s = "https://my_host-1.example.com/p%20q";
  CHECK_EQ_INT(tc_url_parse(s, strlen(s), &u), TC_OK);
  CHECK_EQ_MEM(u.path.ptr, u.path.len, "/p%20q");
}

static void test_url_parse_ipv6(void)
{
  tc_url_t u;
  const char *s = "http://[::1]:3000/api/";
  CHECK_EQ_INT(tc_url_parse(s, strlen(s), &u), TC_OK);
  CHECK_EQ_MEM(u.host.ptr, u.host.len, "::1");
  CHECK_EQ_INT(u.port, 3000);
  CHECK_EQ_MEM(u.path.ptr, u.path.len, "/api");

  s = "https://[2001:DB8::ffff:192.0.2.1]";
  CHECK_EQ_INT(tc_url_parse(s, strlen(s), &u), TC_OK);
  CHECK_EQ_MEM(u.host.ptr, u.host.len, "2001:DB8::ffff:192.0.2.1");
  CHECK_EQ_INT(u.port, 443);
  CHECK(!u.port_explicit);
}

static void test_url_parse_rejects_bad_urls(void)
{
  const char *bad[] = {
    "", "api.trigger.dev", "ftp://h/", "https:/h", "https://", "https:///path", "https://:443/",
    "https://user@h/", "https://user:pw@h/", "https://h?x=1", "https://h/p?x=1", "https://h/p#f",
    "https://h#f", "https://h:", "https://h:0", "https://h:65536", "https://h:123456", "https://h:12a",
    "https://h:-1", "https://h: 80", "https://[::1", "https://[]/", "https://[::1]x/", "https://[::1]:/",
    "https://[fe80::1%25eth0]/", "https://h/p q", "https://h/p\x01", "https://h/\xc3\xa9", "https://h o/",
    "https://h\\x/", "https://[::g]/",
  };
  tc_url_t u;
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    if (tc_url_parse(bad[i], strlen(bad[i]), &u) != TC_ERR_HTTP_URL)
      tc_test_fail(__FILE__, __LINE__, "accepted bad URL \"%s\"", bad[i]);
  }
  CHECK_EQ_INT(tc_url_parse(NULL, 0, &u), TC_ERR_HTTP_URL);
  /* len bounds the parse: bytes past it are not looked at */
  CHECK_EQ_INT(tc_url_parse("https://h/p?x", 11, &u), TC_OK);
  CHECK_EQ_MEM(u.path.ptr, u.path.len, "/p");
}

/* ------------------------------------------------------ encodeURIComponent */

static void check_seg(const char *in, size_t n, const char *want)
{
  char mem[128];
  tc_buf_t b = tc_buf_make(mem, sizeof mem);
  tc_http_put_path_segment(&b, (tc_slice_t){ in, n });
  CHECK(!b.overflow);
  CHECK_EQ_MEM(b.ptr, b.len, want);
}

static void test_encode_uri_component_vectors(void)
{
  /* expected values produced by node's encodeURIComponent */
  check_seg("c1", 2, "c1");
  check_seg("a b", 3, "a%20b");
  check_seg("a/b?c=d&e#f", 11, "a%2Fb%3Fc%3Dd%26e%23f");
  check_seg("-_.!~*'()", 9, "-_.!~*'()");
  check_seg("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 9, "%C3%A9%E2%82%AC%F0%9F%98%80");
  check_seg("%+:@,;$=&", 9, "%25%2B%3A%40%2C%3B%24%3D%26");
  check_seg("chat:1/\0\x7f", 9, "chat%3A1%2F%00%7F");
  check_seg("AZaz09", 6, "AZaz09");
  check_seg("", 0, "");
}

static void test_encode_uri_component_overflow(void)
{
  char mem[5];
  tc_buf_t b = tc_buf_make(mem, sizeof mem);
  tc_http_put_path_segment(&b, (tc_slice_t){ "ab c", 4 });
  CHECK(b.overflow);
  CHECK(b.len <= sizeof mem);
}

/* ----------------------------------------------------------- request writer */

static const char k_pat[] = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJlbnYifQ.sig";
static const char k_append_body[] =
    "{\"kind\":\"message\",\"payload\":{\"message\":{\"id\":\"u1\",\"role\":\"user\",\"parts\":"
    "[{\"type\":\"text\",\"text\":\"hi\"}]},\"chatId\":\"c1\",\"trigger\":\"submit-message\"}}";

static tc_slice_t build_target(char *mem, size_t cap, const tc_url_t *u, const char *chat,
                               const char *tail)
{
  tc_buf_t t = tc_buf_make(mem, cap);
  tc_buf_put(&t, u->path.ptr, u->path.len);
  tc_buf_puts(&t, "/realtime/v1/sessions/");
  tc_http_put_path_segment(&t, (tc_slice_t){ chat, strlen(chat) });
  tc_buf_puts(&t, tail);
  return (tc_slice_t){ t.ptr, t.len };
}

/* protocol.md 2.4, with Host (which fetch adds) and Content-Length last */
static void test_request_append_exact_bytes(void)
{
  tc_url_t u;
  tc_http_req_t q;
  char head[512], tgt[128], auth[128], want[1024];
  const char *base = "https://api.trigger.dev/";
  CHECK_EQ_INT(tc_url_parse(base, strlen(base), &u), TC_OK);
  tc_slice_t target = build_target(tgt, sizeof tgt, &u, "c1", "/in/append");
  snprintf(auth, sizeof auth, "Bearer %s", k_pat);
  tc_http_req_begin(&q, head, sizeof head, "POST", &u, target);
  tc_http_req_header_str(&q, "Content-Type", "application/json");
  tc_http_req_header_str(&q, "Authorization", auth);
  tc_http_req_header_str(&q, "x-trigger-source", "sdk");
  tc_http_req_header_str(&q, "X-Part-Id", "3b241101-e2bb-4255-8caf-4136c566a962");
  CHECK_EQ_INT(tc_http_req_end(&q, true, strlen(k_append_body)), TC_OK);
  snprintf(want, sizeof want,
           "POST /realtime/v1/sessions/c1/in/append HTTP/1.1\r\n"
           "Host: api.trigger.dev\r\n"
           "Content-Type: application/json\r\n"
           "Authorization: Bearer %s\r\n"
           "x-trigger-source: sdk\r\n"
           "X-Part-Id: 3b241101-e2bb-4255-8caf-4136c566a962\r\n"
           "Content-Length: 145\r\n"
           "\r\n",
           k_pat);
  CHECK_EQ_INT(strlen(k_append_body), 145);
  CHECK_EQ_MEM(q.buf.ptr, q.buf.len, want);
}

/* protocol.md 2.5, on a local simulator with an explicit port and base path */
static void test_request_subscribe_exact_bytes(void)
{
  tc_url_t u;
  tc_http_req_t q;
  char head[512], tgt[128], auth[128], want[1024];
  const char *base = "http://127.0.0.1:8787/trigger";
  CHECK_EQ_INT(tc_url_parse(base, strlen(base), &u), TC_OK);
  tc_slice_t target = build_target(tgt, sizeof tgt, &u, "chat/1", "/out");
  snprintf(auth, sizeof auth, "Bearer %s", k_pat);
  tc_http_req_begin(&q, head, sizeof head, "GET", &u, target);
  tc_http_req_header_str(&q, "Accept", "text/event-stream");
  tc_http_req_header_str(&q, "Authorization", auth);
  tc_http_req_header_str(&q, "X-Peek-Settled", "1");
  tc_http_req_header_u64(&q, "Last-Event-ID", 42);
  tc_http_req_header_u64(&q, "Timeout-Seconds", 120);
  CHECK_EQ_INT(tc_http_req_end(&q, false, 0), TC_OK);
  snprintf(want, sizeof want,
           "GET /trigger/realtime/v1/sessions/chat%%2F1/out HTTP/1.1\r\n"
           "Host: 127.0.0.1:8787\r\n"
           "Accept: text/event-stream\r\n"
           "Authorization: Bearer %s\r\n"
           "X-Peek-Settled: 1\r\n"
           "Last-Event-ID: 42\r\n"
           "Timeout-Seconds: 120\r\n"
           "\r\n",
           k_pat);
  CHECK_EQ_MEM(q.buf.ptr, q.buf.len, want);
}

static void test_request_ipv6_host_bracketed(void)
{
  tc_url_t u;
  tc_http_req_t q;
  char head[128];
  CHECK_EQ_INT(tc_url_parse("http://[::1]:8080", 17, &u), TC_OK);
  tc_http_req_begin(&q, head, sizeof head, "GET", &u, (tc_slice_t){ "/x", 2 });
  CHECK_EQ_INT(tc_http_req_end(&q, true, 0), TC_OK);
  CHECK_EQ_MEM(q.buf.ptr, q.buf.len, "GET /x HTTP/1.1\r\nHost: [::1]:8080\r\nContent-Length: 0\r\n\r\n");
  CHECK_EQ_INT(tc_url_parse("https://[::1]", 13, &u), TC_OK);
  tc_http_req_begin(&q, head, sizeof head, "HEAD", &u, (tc_slice_t){ "/", 1 });
  CHECK_EQ_INT(tc_http_req_end(&q, false, 0), TC_OK);
  CHECK_EQ_MEM(q.buf.ptr, q.buf.len, "HEAD / HTTP/1.1\r\nHost: [::1]\r\n\r\n");
}

static tc_err_t req_with_header(tc_slice_t name, tc_slice_t value)
{
  tc_url_t u;
  tc_http_req_t q;
  char head[256];
  tc_url_parse("https://h", 9, &u);
  tc_http_req_begin(&q, head, sizeof head, "POST", &u, (tc_slice_t){ "/a", 2 });
  tc_http_req_header(&q, name, value);
  tc_http_req_header_str(&q, "X-After", "ok");
  return tc_http_req_end(&q, true, 3);
}

#define SL(s) ((tc_slice_t){ s, sizeof s - 1 })

static void test_request_header_injection_impossible(void)
{
  CHECK_EQ_INT(req_with_header(SL("X-A"), SL("ok value\twith tab")), TC_OK);
  CHECK_EQ_INT(req_with_header(SL("X-A"), SL("v\r\nX-Evil: 1")), TC_ERR_ARG);
  CHECK_EQ_INT(req_with_header(SL("X-A"), SL("v\nX-Evil: 1")), TC_ERR_ARG);
  CHECK_EQ_INT(req_with_header(SL("X-A"), SL("v\rx")), TC_ERR_ARG);
  CHECK_EQ_INT(req_with_header(SL("X-A"), SL("v\0x")), TC_ERR_ARG);
  CHECK_EQ_INT(req_with_header(SL("X-A"), SL("v\x7f")), TC_ERR_ARG);
  CHECK_EQ_INT(req_with_header(SL("X-A: b\r\nX"), SL("v")), TC_ERR_ARG);
  CHECK_EQ_INT(req_with_header(SL("X A"), SL("v")), TC_ERR_ARG);
  CHECK_EQ_INT(req_with_header(SL("X:A"), SL("v")), TC_ERR_ARG);
  CHECK_EQ_INT(req_with_header(SL(""), SL("v")), TC_ERR_ARG);
  CHECK_EQ_INT(req_with_header(SL("content-length"), SL("5")), TC_ERR_ARG);
  CHECK_EQ_INT(req_with_header(SL("Transfer-Encoding"), SL("chunked")), TC_ERR_ARG);
  CHECK_EQ_INT(req_with_header(SL("HOST"), SL("evil")), TC_ERR_ARG);
  CHECK_EQ_INT(req_with_header((tc_slice_t){ NULL, 3 }, SL("v")), TC_ERR_ARG);
  CHECK_EQ_INT(req_with_header(SL("X-A"), ((tc_slice_t){ NULL, 3 })), TC_ERR_ARG);
}

static void test_request_bad_method_target_host(void)
{
  tc_url_t u;
  tc_http_req_t q;
  char head[256];
  tc_url_parse("https://h", 9, &u);
  tc_http_req_begin(&q, head, sizeof head, "GE T", &u, (tc_slice_t){ "/a", 2 });
  CHECK_EQ_INT(tc_http_req_end(&q, false, 0), TC_ERR_ARG);
  tc_http_req_begin(&q, head, sizeof head, NULL, &u, (tc_slice_t){ "/a", 2 });
  CHECK_EQ_INT(tc_http_req_end(&q, false, 0), TC_ERR_ARG);
  tc_http_req_begin(&q, head, sizeof head, "GET", &u, (tc_slice_t){ "a", 1 });
  CHECK_EQ_INT(tc_http_req_end(&q, false, 0), TC_ERR_ARG);
  tc_http_req_begin(&q, head, sizeof head, "GET", &u, (tc_slice_t){ "/a b", 4 });
  CHECK_EQ_INT(tc_http_req_end(&q, false, 0), TC_ERR_ARG);
  tc_http_req_begin(&q, head, sizeof head, "GET", &u, (tc_slice_t){ "/a\r\nX: y", 8 });
  CHECK_EQ_INT(tc_http_req_end(&q, false, 0), TC_ERR_ARG);
  tc_http_req_begin(&q, head, sizeof head, "GET", NULL, (tc_slice_t){ "/a", 2 });
  CHECK_EQ_INT(tc_http_req_end(&q, false, 0), TC_ERR_ARG);
  u.host = (tc_slice_t){ "h\r\nX: y", 7 };
  tc_http_req_begin(&q, head, sizeof head, "GET", &u, (tc_slice_t){ "/a", 2 });
  CHECK_EQ_INT(tc_http_req_end(&q, false, 0), TC_ERR_ARG);
}

static void test_request_error_is_sticky(void)
{
  tc_url_t u;
  tc_http_req_t q;
  char head[256];
  tc_url_parse("https://h", 9, &u);
  tc_http_req_begin(&q, head, sizeof head, "GET", &u, (tc_slice_t){ "/a", 2 });
  tc_http_req_header_str(&q, "Bad Name", "v");
  size_t len = q.buf.len;
  tc_http_req_header_str(&q, "X-Good", "v");
  tc_http_req_header_str(&q, NULL, "v");
  tc_http_req_header_u64(&q, "X-N", 1);
  CHECK_EQ_INT(q.buf.len, len);
  CHECK_EQ_INT(tc_http_req_end(&q, false, 0), TC_ERR_ARG);
  tc_http_req_begin(&q, head, sizeof head, "GET", &u, (tc_slice_t){ "/a", 2 });
  tc_http_req_header_u64(&q, NULL, 1);
  CHECK_EQ_INT(tc_http_req_end(&q, false, 0), TC_ERR_ARG);
  CHECK_EQ_INT(tc_http_req_end(&q, false, 0), TC_ERR_ARG);
}

static void test_request_overflow_is_request_too_long(void)
{
  const char *want = "POST /a HTTP/1.1\r\nHost: h\r\nX-A: v\r\nContent-Length: 12\r\n\r\n";
  size_t need = strlen(want);
  tc_url_t u;
  tc_http_req_t q;
  char head[128];
  tc_url_parse("https://h", 9, &u);
  for (size_t cap = 0; cap <= need; cap++) {
    tc_http_req_begin(&q, head, cap, "POST", &u, (tc_slice_t){ "/a", 2 });
    tc_http_req_header_str(&q, "X-A", "v");
    tc_err_t e = tc_http_req_end(&q, true, 12);
    CHECK_EQ_INT(e, cap == need ? TC_OK : TC_ERR_HTTP_REQUEST_TOO_LONG);
    CHECK(q.buf.len <= cap);
  }
  CHECK_EQ_MEM(q.buf.ptr, q.buf.len, want);
}

/* ------------------------------------------- character classes, every byte */

static bool in_set(const char *set, unsigned char c)
{
  for (; *set; set++)
    if ((unsigned char)*set == c) return true;
  return false;
}

static const char k_alnum[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/* encodeURIComponent keeps exactly A-Z a-z 0-9 - _ . ! ~ * ' ( ) */
static void test_encode_uri_component_every_byte(void)
{
  for (unsigned c = 0; c < 256; c++) {
    char in = (char)c, want[4];
    bool keep = c != 0 && (in_set(k_alnum, (unsigned char)c) || in_set("-_.!~*'()", (unsigned char)c));
    if (keep) {
      want[0] = in;
      want[1] = '\0';
    } else {
      snprintf(want, sizeof want, "%%%02X", c);
    }
    check_seg(&in, 1, want);
  }
}

/* A header name is an RFC 9110 token: ALPHA DIGIT !#$%&'*+-.^_`|~ , in the
 * request writer and in the response parser alike. */
static void test_header_name_token_every_byte(void)
{
  for (unsigned c = 0; c < 256; c++) {
    char name[3] = { 'X', (char)c, 'A' };
    bool tchar = c != 0 && (in_set(k_alnum, (unsigned char)c) || in_set("!#$%&'*+-.^_`|~", (unsigned char)c));
    char resp[64];
    tc_http_resp_t r;
    char line[64];
    size_t used, n;
    tc_err_t e;
    if ((req_with_header((tc_slice_t){ name, 3 }, SL("v")) == TC_OK) != tchar)
      tc_test_fail(__FILE__, __LINE__, "request header name byte 0x%02x: accepted %d", c, !tchar);
    memcpy(resp, "HTTP/1.1 204 No Content\r\nX", 26);
    resp[26] = (char)c;
    memcpy(resp + 27, "A: v\r\n\r\n", 8);
    n = 35;
    tc_http_resp_init(&r, line, sizeof line, false, NULL, NULL);
    e = tc_http_resp_feed(&r, resp, n, &used);
    /* a CR or LF inside the name ends the line early: a syntax error too;
     * "X:A: v" is the header X with the value "A: v" */
    if ((e == TC_OK) != (tchar || c == ':'))
      tc_test_fail(__FILE__, __LINE__, "response header name byte 0x%02x: %s", c, tc_errname(e));
  }
}

/* A host name holds A-Z a-z 0-9 - . _ ~ ; an IPv6 literal hex digits, ':' and '.' */
static void test_url_host_every_byte(void)
{
  tc_url_t u;
  for (unsigned c = 0; c < 256; c++) {
    char host[16], v6[16];
    bool ok = c != 0 && (in_set(k_alnum, (unsigned char)c) || in_set("-._~/", (unsigned char)c));
    bool ok6 = c != 0 && (in_set("0123456789abcdefABCDEF:.", (unsigned char)c));
    memcpy(host, "https://a?b", 11);
    host[9] = (char)c;
    if ((tc_url_parse(host, 11, &u) == TC_OK) != ok)
      tc_test_fail(__FILE__, __LINE__, "host byte 0x%02x: accepted %d", c, !ok);
    memcpy(v6, "https://[a?]/", 13);
    v6[10] = (char)c;
    if ((tc_url_parse(v6, 13, &u) == TC_OK) != ok6)
      tc_test_fail(__FILE__, __LINE__, "IPv6 byte 0x%02x: accepted %d", c, !ok6);
  }
}

int main(void)
{
  RUN(test_status_line_and_known_headers_captured);
  RUN(test_header_names_case_insensitive);
  RUN(test_absent_headers_have_defaults);
  RUN(test_settled_only_for_true_and_dates_ignored);
  RUN(test_every_header_reaches_on_header_trimmed);
  RUN(test_http10_and_reason_phrase_optional);
  RUN(test_bare_lf_line_ends_accepted);
  RUN(test_leading_empty_lines_skipped);
  RUN(test_http_version_refused);
  RUN(test_bad_status_lines);
  RUN(test_101_switching_protocols_refused);
  RUN(test_1xx_interim_responses_skipped);
  RUN(test_obs_fold_refused);
  RUN(test_bad_header_lines);
  RUN(test_header_line_bound_is_the_line_buffer);
  RUN(test_overlong_status_line_refused);
  RUN(test_too_many_headers);
  RUN(test_header_limit_is_per_response);
  RUN(test_content_length_body);
  RUN(test_content_length_equal_duplicates_accepted);
  RUN(test_content_length_invalid_or_conflicting);
  RUN(test_content_length_max_accepted_then_truncated);
  RUN(test_chunked_body);
  RUN(test_chunked_hex_sizes_any_case_and_leading_zeros);
  RUN(test_chunked_extensions_and_trailers);
  RUN(test_chunked_bare_lf);
  RUN(test_transfer_encoding_list_ignores_empty_elements);
  RUN(test_bad_chunk_sizes);
  RUN(test_chunk_size_16_digits_accepted);
  RUN(test_chunk_size_line_framing);
  RUN(test_chunk_extension_cr_or_nul_refused);
  RUN(test_chunk_data_missing_crlf);
  RUN(test_bad_trailer_refused);
  RUN(test_transfer_encoding_other_than_chunked_refused);
  RUN(test_content_length_with_chunked_refused);
  RUN(test_close_delimited_body_ends_at_eof);
  RUN(test_close_delimited_not_complete_before_eof);
  RUN(test_truncated_responses);
  RUN(test_status_readable_after_truncated_body);
  RUN(test_204_304_have_no_body);
  RUN(test_head_response_has_no_body);
  RUN(test_pipelined_bytes_left_to_caller);
  RUN(test_feed_after_complete_consumes_nothing);
  RUN(test_connection_header_and_reuse);
  RUN(test_body_spans_handed_whole);
  RUN(test_body_not_copied);
  RUN(test_callback_error_stops_parser);
  RUN(test_every_callback_failure_stops_parser);
  RUN(test_parser_usable_after_reinit_following_error);
  RUN(test_url_parse_https_default);
  RUN(test_url_parse_ports_and_paths);
  RUN(test_url_parse_ipv6);
  RUN(test_url_parse_rejects_bad_urls);
  RUN(test_encode_uri_component_vectors);
  RUN(test_encode_uri_component_overflow);
  RUN(test_encode_uri_component_every_byte);
  RUN(test_header_name_token_every_byte);
  RUN(test_url_host_every_byte);
  RUN(test_request_append_exact_bytes);
  RUN(test_request_subscribe_exact_bytes);
  RUN(test_request_ipv6_host_bracketed);
  RUN(test_request_header_injection_impossible);
  RUN(test_request_bad_method_target_host);
  RUN(test_request_error_is_sticky);
  RUN(test_request_overflow_is_request_too_long);
  return tc_test_finish("http");
}

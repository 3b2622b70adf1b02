/* test_http_review.c — the response parser against a lying or odd server
 * (RFC 9112 message framing): cases the main suite (test_http.c) does not
 * cover. Every response is fed whole, byte by byte and split at every
 * position (and every pair of positions up to 100 bytes). */
#include <stdio.h>
#include <string.h>

#include "tc_http.h"
#include "tc_test.h"

/* ------------------------------------------------------------ harness */

typedef struct want {
  tc_err_t err;      /* the first feed error, else tc_http_resp_eof's */
  const char *body;  /* NULL: not checked */
  bool complete;
  bool reusable;
  bool head;         /* the request was HEAD */
} want_t;

typedef struct run {
  const want_t *w;
  tc_http_resp_t r;
  char line[TC_HTTP_LINE_MAX];
  char body[256];
  size_t body_len;
  tc_err_t err;
} run_t;

static tc_err_t on_body(void *user, const char *p, size_t n)
{
  run_t *x = user;
  if (n > sizeof x->body - x->body_len) n = sizeof x->body - x->body_len;
  memcpy(x->body + x->body_len, p, n);
  x->body_len += n;
  return TC_OK;
}

static const tc_http_resp_cb_t k_cb = { NULL, NULL, on_body, NULL };

static void run_reset(void *ctx)
{
  run_t *x = ctx;
  x->body_len = 0;
  x->err = TC_OK;
  tc_http_resp_init(&x->r, x->line, sizeof x->line, x->w->head, &k_cb, x);
}

static int run_feed(void *ctx, const char *p, size_t n)
{
  run_t *x = ctx;
  size_t used;
  x->err = tc_http_resp_feed(&x->r, p, n, &used);
  return x->err != TC_OK;
}

static void run_check(void *ctx, const char *mode)
{
  run_t *x = ctx;
  const want_t *w = x->w;
  tc_err_t final = x->err != TC_OK ? x->err : tc_http_resp_eof(&x->r);
  if (final != w->err)
    tc_test_fail(__FILE__, __LINE__, "[%s] %s, expected %s", mode, tc_errname(final), tc_errname(w->err));
  if (w->body && !tc_test_mem_eq(x->body, x->body_len, w->body))
    tc_test_fail(__FILE__, __LINE__, "[%s] body \"%.*s\", expected \"%s\"", mode, (int)x->body_len, x->body, w->body);
  if (tc_http_resp_complete(&x->r) != w->complete)
    tc_test_fail(__FILE__, __LINE__, "[%s] complete %d, expected %d", mode, tc_http_resp_complete(&x->r), w->complete);
  if (tc_http_resp_reusable(&x->r) != w->reusable)
    tc_test_fail(__FILE__, __LINE__, "[%s] reusable %d, expected %d", mode, tc_http_resp_reusable(&x->r), w->reusable);
}

static const tc_split_ops_t k_ops = { run_reset, run_feed, run_check };

static run_t g_run;

static void expect(const char *in, const want_t *w)
{
  int failed = tc_test_current_failures();
  memset(&g_run, 0, sizeof g_run);
  g_run.w = w;
  tc_test_splits(in, strlen(in), &k_ops, &g_run, 100);
  if (tc_test_current_failures() != failed) tc_test_fail(__FILE__, __LINE__, "for input: %s", in);
}

#define CHUNKED "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"

/* ------------------------------------------------------------ chunk sizes */

/* RFC 9112 7.1: chunk-size [ chunk-ext ] CRLF, chunk-ext = *( BWS ";" ...).
 * After the hex digits and optional white space only ';' may follow: "3 4"
 * is not chunk size 3 with an extension "4" (another parser could read
 * 0x34, or reject it; framing that parsers disagree on is refused). */
static void test_chunk_size_then_junk_refused(void)
{
  static const char *const bad[] = {
    CHUNKED "3 4\r\nabc\r\n0\r\n\r\n",
    CHUNKED "3\t x\r\nabc\r\n0\r\n\r\n",
    CHUNKED "3 \"a;b\"\r\nabc\r\n0\r\n\r\n",
    CHUNKED "3\r\nabc\r\n0 0\r\n\r\n",
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    want_t w = { .err = TC_ERR_HTTP_CHUNK_SIZE, .body = NULL };
    expect(bad[i], &w);
  }
}

/* White space before the extensions (BWS) and at the end of the size line
 * stay accepted. */
static void test_chunk_size_white_space_accepted(void)
{
  want_t w = { .body = "abcde", .complete = true, .reusable = true };
  expect(CHUNKED "3 \r\nabc\r\n2\t ;a=\"x y\" ; b\r\nde\r\n0 ;z\r\n\r\n", &w);
}

/* White space after the digits counts toward the size line's bound (the
 * line buffer), as extensions do: a server cannot hold the parser in one
 * endless size line. */
static void test_chunk_size_white_space_bounded(void)
{
  static char in[TC_HTTP_LINE_MAX + 128];
  size_t n = (size_t)snprintf(in, sizeof in, "%s3", CHUNKED);
  memset(in + n, ' ', TC_HTTP_LINE_MAX + 8);
  n += TC_HTTP_LINE_MAX + 8;
  static const char rest[] = "\r\nabc\r\n0\r\n\r\n";
  memcpy(in + n, rest, sizeof rest);
  want_t w = { .err = TC_ERR_HTTP_CHUNK_SYNTAX };
  expect(in, &w);
}

int main(void)
{
  RUN(test_chunk_size_then_junk_refused);
  RUN(test_chunk_size_white_space_accepted);
  RUN(test_chunk_size_white_space_bounded);
  return tc_test_finish("http_review");
}

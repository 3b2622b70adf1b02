/*
 * http_req.c — the request head writer (contracts and input policy in tc_http.h).
 */
#include <string.h>

#include "http_int.h"



static void put_slice(tc_buf_t *b, tc_slice_t s)
{
  if (s.len) tc_buf_put(b, s.ptr, s.len);
}

void tc_http_req_begin(tc_http_req_t *q, char *mem, size_t cap, const char *method,
                       const tc_url_t *url, tc_slice_t target)
{
  tc_slice_t m = { method, method ? strlen(method) : 0 };
  q->buf = tc_buf_make(mem, mem ? cap : 0);
  q->err = TC_OK;
  if (url == NULL || !is_token(m) || target.ptr == NULL || target.len == 0 || target.ptr[0] != '/' ||
      !is_clean(target, false) || url->host.len == 0 || !is_clean(url->host, false)) {
    q->err = TC_ERR_ARG;
    return;
  }
  put_slice(&q->buf, m);
  tc_buf_put(&q->buf, " ", 1);
  put_slice(&q->buf, target);
  tc_buf_puts(&q->buf, " HTTP/1.1\r\nHost: ");
  if (memchr(url->host.ptr, ':', url->host.len)) {
    tc_buf_put(&q->buf, "[", 1);
    put_slice(&q->buf, url->host);
    tc_buf_put(&q->buf, "]", 1);
  } else {
    put_slice(&q->buf, url->host);
  }
  if (url->port_explicit) {
    tc_buf_put(&q->buf, ":", 1);
    tc_buf_put_u64(&q->buf, url->port);
  }
  tc_buf_put(&q->buf, "\r\n", 2);
}

void tc_http_req_header(tc_http_req_t *q, tc_slice_t name, tc_slice_t value)
{
  if (q->err != TC_OK) return;
  if (!is_token(name) || !is_clean(value, true) || known(name) <= H_TE || ieq_s(name, "host")) {
    q->err = TC_ERR_ARG;
    return;
  }
  put_slice(&q->buf, name);
  tc_buf_put(&q->buf, ": ", 2);
  put_slice(&q->buf, value);
  tc_buf_put(&q->buf, "\r\n", 2);
}

void tc_http_req_header_str(tc_http_req_t *q, const char *name, const char *value)
{
  if (name == NULL || value == NULL) {
    if (q->err == TC_OK) q->err = TC_ERR_ARG;
    return;
  }
  tc_http_req_header(q, (tc_slice_t){ name, strlen(name) }, (tc_slice_t){ value, strlen(value) });
}

void tc_http_req_header_u64(tc_http_req_t *q, const char *name, uint64_t value)
{
  char mem[20];
  tc_buf_t b = tc_buf_make(mem, sizeof mem);
  tc_buf_put_u64(&b, value);
  if (name == NULL) {
    if (q->err == TC_OK) q->err = TC_ERR_ARG;
    return;
  }
  tc_http_req_header(q, (tc_slice_t){ name, strlen(name) }, (tc_slice_t){ b.ptr, b.len });
}

tc_err_t tc_http_req_end(tc_http_req_t *q, bool has_body, size_t body_len)
{
  if (q->err != TC_OK) return q->err;
  if (has_body) {
    tc_buf_puts(&q->buf, "Content-Length: ");
    tc_buf_put_u64(&q->buf, body_len);
    tc_buf_put(&q->buf, "\r\n", 2);
  }
  tc_buf_put(&q->buf, "\r\n", 2);
  if (q->buf.overflow) q->err = TC_ERR_HTTP_REQUEST_TOO_LONG;
  return q->err;
}

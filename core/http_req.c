/*
 * http_req.c — the request head writer (contracts and input policy in tc_http.h).
 */
#include <string.h>

#include "http_int.h"

enum { K_TOKEN, K_TEXT, K_CLEAN };

/* Every byte of s is: an RFC 9110 tchar (K_TOKEN: methods, header names);
 * not a control byte or DEL, HTAB and SP allowed (K_TEXT: header values);
 * not a control byte, DEL or SP (K_CLEAN: a target, a host). Only a K_TEXT
 * slice may be empty; a NULL ptr is refused unless the slice is empty. */
static bool all_ok(tc_slice_t s, int kind)
{
  if (s.len == 0) return kind == K_TEXT;
  if (s.ptr == NULL) return false;
  for (size_t i = 0; i < s.len; i++) {
    unsigned char c = (unsigned char)s.ptr[i];
    bool ok = kind == K_TOKEN ? is_tchar((char)c)
                              : c != 0x7f && (c > ' ' || (kind == K_TEXT && (c == ' ' || c == '\t')));
    if (!ok) return false;
  }
  return true;
}

bool tc_http_header_ok(tc_slice_t name, tc_slice_t value)
{
  return all_ok(name, K_TOKEN) && all_ok(value, K_TEXT);
}

/* A C string as a slice; NULL becomes { NULL, 1 }, which every check refuses. */
static tc_slice_t cstr(const char *s) { return (tc_slice_t){ s, s ? strlen(s) : 1 }; }

void tc_http_req_begin(tc_http_req_t *q, char *mem, size_t cap, const char *method,
                       const tc_url_t *url, tc_slice_t target)
{
  tc_buf_t *b = &q->buf;
  bool v6;
  *b = tc_buf_make(mem, mem ? cap : 0);
  q->err = TC_ERR_ARG;
  if (url == NULL || !all_ok(cstr(method), K_TOKEN) || !all_ok(target, K_CLEAN) || target.ptr[0] != '/' ||
      !all_ok(url->host, K_CLEAN))
    return;
  q->err = TC_OK;
  v6 = memchr(url->host.ptr, ':', url->host.len) != NULL; /* an IPv6 literal: bracketed */
  tc_buf_puts(b, method);
  tc_buf_put(b, " ", 1);
  tc_buf_put(b, target.ptr, target.len);
  tc_buf_put(b, " HTTP/1.1\r\nHost: [", v6 ? 18 : 17); /* '[' only for IPv6 */
  tc_buf_put(b, url->host.ptr, url->host.len);
  if (v6) tc_buf_put(b, "]", 1);
  if (url->port_explicit) {
    tc_buf_put(b, ":", 1);
    tc_buf_put_u64(b, url->port);
  }
  tc_buf_put(b, "\r\n", 2);
}

/* Adds "name: value" CRLF unless the request has failed or the header is
 * bad: not a token, a control byte in the value, or one of the names begin
 * and end write (Host, Content-Length, Transfer-Encoding: H_CL, H_TE and
 * H_HOST come first in tc_http__known's table). */
void tc_http_req_header(tc_http_req_t *q, tc_slice_t name, tc_slice_t value)
{
  if (q->err != TC_OK) return;
  if (!tc_http_header_ok(name, value) || tc_http__known(name) <= H_HOST) {
    q->err = TC_ERR_ARG;
    return;
  }
  tc_buf_put(&q->buf, name.ptr, name.len);
  tc_buf_put(&q->buf, ": ", 2);
  tc_buf_put(&q->buf, value.ptr, value.len);
  tc_buf_put(&q->buf, "\r\n", 2);
}

void tc_http_req_header_str(tc_http_req_t *q, const char *name, const char *value)
{
  tc_http_req_header(q, cstr(name), cstr(value));
}

void tc_http_req_header_u64(tc_http_req_t *q, const char *name, uint64_t value)
{
  char mem[20];
  tc_buf_t b = tc_buf_make(mem, sizeof mem);
  tc_buf_put_u64(&b, value);
  tc_http_req_header(q, cstr(name), (tc_slice_t){ b.ptr, b.len });
}

tc_err_t tc_http_req_end(tc_http_req_t *q, bool has_body, size_t body_len)
{
  tc_buf_t *b = &q->buf;
  if (q->err != TC_OK) return q->err;
  if (has_body) { /* the one framing header, never the caller's */
    tc_buf_puts(b, "Content-Length: ");
    tc_buf_put_u64(b, body_len);
    tc_buf_put(b, "\r\n", 2);
  }
  tc_buf_put(b, "\r\n", 2);
  if (b->overflow) q->err = TC_ERR_HTTP_REQUEST_TOO_LONG;
  return q->err;
}

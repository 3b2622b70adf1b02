/*
 * http_resp.c — the incremental HTTP/1.1 response parser (contracts and input
 * policy in tc_http.h).
 *
 * The response parser is a byte-driven state machine that never looks back:
 * status, header and trailer lines are gathered in the caller's line buffer
 * (found with memchr), chunk-size lines are decoded as they arrive, and body
 * bytes are handed to on_body as whole spans of the input, never copied.
 */
#include <string.h>

#include "http_int.h"

/* ------------------------------------------------------------ responses */

enum {
  S_STATUS,        /* status line (empty lines before it skipped) */
  S_HEADER,        /* header lines */
  S_BODY_LEN,      /* Content-Length body; remaining bytes left */
  S_BODY_CLOSE,    /* body until EOF */
  S_CHUNK_SIZE,    /* hex digits; line_len counts them */
  S_CHUNK_EXT,     /* after the digits: skip to LF; line_len bounds it */
  S_CHUNK_SIZE_LF, /* after CR: expect LF */
  S_CHUNK_DATA,    /* remaining bytes of this chunk */
  S_CHUNK_DATA_CR, /* CRLF (or LF) after the data */
  S_CHUNK_DATA_LF,
  S_TRAILER,       /* trailer lines up to the empty line */
  S_DONE,
  S_ERROR
};

#define F_INTERIM     0x01u /* reading the headers of a 1xx response */
#define F_KEEP_ALIVE  0x02u /* Connection: keep-alive */
#define F_TE_BAD      0x04u /* a coding other than one "chunked" */
#define F_CLOSE_DELIM 0x08u /* body ends at EOF */
#define F_HDRS_DONE   0x10u /* on_headers_done reached */

static const tc_http_resp_cb_t k_no_cb = { NULL, NULL, NULL, NULL };

void tc_http_resp_init(tc_http_resp_t *r, char *line_buf, size_t line_cap, bool head_request,
                       const tc_http_resp_cb_t *cb, void *user)
{
  memset(r, 0, sizeof *r);
  r->content_length = -1;
  r->retry_after_s = -1;
  r->ratelimit_reset = -1;
  r->cb = cb ? cb : &k_no_cb;
  r->user = user;
  r->line = line_buf;
  r->line_cap = line_buf ? line_cap : 0;
  r->head_request = head_request;
  r->state = S_STATUS;
}

static tc_err_t complete(tc_http_resp_t *r)
{
  r->state = S_DONE;
  return r->cb->on_complete ? r->cb->on_complete(r->user, r) : TC_OK;
}

static tc_err_t status_line(tc_http_resp_t *r, const char *l, size_t n)
{
  size_t v = 5;
  int st;
  if (n < 5 || memcmp(l, "HTTP/", 5) != 0) return TC_ERR_HTTP_STATUS_LINE;
  while (v < n && l[v] != ' ') v++;
  if (v != 8 || memcmp(l + 5, "1.", 2) != 0 || (l[7] != '0' && l[7] != '1'))
    return TC_ERR_HTTP_VERSION;
  /* "HTTP/1.x" SP 3DIGIT [ SP reason-phrase ] */
  st = n < 12 ? -1 : (int)dec((tc_slice_t){ l + 9, 3 });
  if (st < 100 || (n > 12 && l[12] != ' ')) return TC_ERR_HTTP_STATUS_LINE;
  if (st == 101) return TC_ERR_HTTP_STATUS; /* we never ask to switch protocols */
  r->minor = (uint8_t)(l[7] - '0');
  r->status = st;
  r->header_count = 0;
  if (st < 200) r->flags |= F_INTERIM;
  r->state = S_HEADER;
  return TC_OK;
}

static tc_err_t capture(tc_http_resp_t *r, tc_slice_t name, tc_slice_t v)
{
  size_t pos = 0;
  tc_slice_t e;
  bool any = false;
  int h = known(name);
  if (h <= H_CONN) {
    /* comma lists; empty elements are ignored (RFC 9110 5.6.1) except in
     * Content-Length, where every element must be the same number */
    while (next_elem(v, &pos, &e)) {
      if (h == H_CL) {
        int64_t cl = dec(e);
        if (cl < 0 || (r->content_length >= 0 && cl != r->content_length))
          return TC_ERR_HTTP_CONTENT_LENGTH;
        r->content_length = cl;
      } else if (e.len == 0) {
        continue;
      } else if (h == H_TE) {
        any = true;
        if (!ieq_s(e, "chunked") || r->chunked) r->flags |= F_TE_BAD;
        r->chunked = true;
      } else if (ieq_s(e, "close")) {
        r->conn_close = true;
      } else if (ieq_s(e, "keep-alive")) {
        r->flags |= F_KEEP_ALIVE;
      }
    }
    if (h == H_TE && !any) r->flags |= F_TE_BAD;
  } else if (h == H_CT) {
    const char *semi = memchr(v.ptr, ';', v.len);
    e = trim(v.ptr, semi ? (size_t)(semi - v.ptr) : v.len);
    r->content_type_sse = ieq_s(e, "text/event-stream");
    r->content_type_json = ieq_s(e, "application/json");
  } else if (h == H_SETTLED) {
    r->session_settled = tc_slice_eq(v, "true");
  } else if (h == H_VERSION) {
    size_t k = v.len < sizeof r->stream_version - 1 ? v.len : sizeof r->stream_version - 1;
    memcpy(r->stream_version, v.ptr, k);
    r->stream_version[k] = '\0';
  } else if (h != H_OTHER) {
    *(h == H_RETRY ? &r->retry_after_s : &r->ratelimit_reset) = dec(v);
  }
  return TC_OK;
}

static tc_err_t header_line(tc_http_resp_t *r, const char *l, size_t n)
{
  size_t c = 0;
  tc_slice_t name, v;
  tc_err_t e;
  if (++r->header_count > TC_HTTP_HEADERS_MAX) return TC_ERR_HTTP_TOO_MANY_HEADERS;
  while (c < n && is_tchar(l[c])) c++;
  /* also refuses obs-fold (a line starting with SP/HTAB) and "name :" */
  if (c == 0 || c == n || l[c] != ':') return TC_ERR_HTTP_HEADER_SYNTAX;
  if (r->state == S_TRAILER || (r->flags & F_INTERIM)) return TC_OK;
  name = (tc_slice_t){ l, c };
  v = trim(l + c + 1, n - c - 1);
  e = capture(r, name, v);
  if (e == TC_OK && r->cb->on_header) e = r->cb->on_header(r->user, name, v);
  return e;
}

static tc_err_t headers_done(tc_http_resp_t *r)
{
  tc_err_t e = TC_OK;
  uint8_t next = S_DONE;
  if (r->minor == 0 && !(r->flags & F_KEEP_ALIVE)) r->conn_close = true;
  if (!(r->head_request || r->status == 204 || r->status == 304)) {
    if (r->flags & F_TE_BAD) return TC_ERR_HTTP_ENCODING;
    if (r->chunked) {
      /* framed two ways: refused (see tc_http.h) */
      if (r->content_length >= 0) return TC_ERR_HTTP_CONTENT_LENGTH;
      if (r->minor == 0) r->conn_close = true; /* RFC 9112 6.1: close after it */
      next = S_CHUNK_SIZE;
    } else if (r->content_length > 0) {
      r->remaining = (uint64_t)r->content_length;
      next = S_BODY_LEN;
    } else if (r->content_length < 0) {
      r->flags |= F_CLOSE_DELIM;
      next = S_BODY_CLOSE;
    }
  }
  r->state = next;
  r->line_len = 0;
  r->flags |= F_HDRS_DONE;
  if (r->cb->on_headers_done) e = r->cb->on_headers_done(r->user, r);
  if (e == TC_OK && next == S_DONE) e = complete(r);
  return e;
}

/* A whole line is in r->line[0..line_len), its CR LF removed. */
static tc_err_t line_done(tc_http_resp_t *r)
{
  const char *l = r->line;
  size_t n = r->line_len;
  r->line_len = 0;
  r->saw_cr = false;
  if (n && (memchr(l, '\r', n) || memchr(l, '\0', n)))
    return r->state == S_STATUS ? TC_ERR_HTTP_STATUS_LINE : TC_ERR_HTTP_HEADER_SYNTAX;
  if (r->state == S_STATUS) return n ? status_line(r, l, n) : TC_OK;
  if (n) return header_line(r, l, n);
  if (r->state == S_TRAILER) return complete(r);
  if (r->flags & F_INTERIM) {
    r->flags &= (uint8_t)~F_INTERIM;
    r->state = S_STATUS;
    return TC_OK;
  }
  return headers_done(r);
}

static tc_err_t line_put(tc_http_resp_t *r, const char *p, size_t k)
{
  if (k > r->line_cap - r->line_len) return TC_ERR_HTTP_HEADER_TOO_LONG;
  if (k) memcpy(r->line + r->line_len, p, k);
  r->line_len += k;
  return TC_OK;
}

/* Status, header and trailer lines: gathers up to LF; consumes *i forward. */
static tc_err_t line_feed(tc_http_resp_t *r, const char *p, size_t n, size_t *i)
{
  const char *s = p + *i;
  const char *lf = memchr(s, '\n', n - *i);
  size_t span = lf ? (size_t)(lf - s) : n - *i;
  size_t keep = span;
  tc_err_t e = TC_OK;
  if (span) {
    bool cr_end = s[span - 1] == '\r';
    /* a CR held back from the previous piece was not a line end */
    if (r->saw_cr) e = line_put(r, "\r", 1);
    if (cr_end) keep--;
    r->saw_cr = cr_end;
    if (e == TC_OK) e = line_put(r, s, keep);
  }
  *i += span;
  if (e == TC_OK && lf) {
    (*i)++;
    e = line_done(r);
  }
  return e;
}

/* 0..15 for a hex digit, 16 otherwise (branch-light: this runs per framing byte). */
static unsigned hex_val(unsigned char c)
{
  unsigned d = (unsigned)c - '0';
  if (d > 9) {
    d = (unsigned)((c | 0x20) - 'a');
    d = d < 6 ? d + 10 : 16;
  }
  return d;
}

static void chunk_size_done(tc_http_resp_t *r)
{
  r->line_len = 0;
  r->state = r->remaining ? S_CHUNK_DATA : S_TRAILER;
}

/* A chunked body from the chunk data on: data spans go to on_body, and the
 * framing between them (the CRLF after the data, the size digits, counted in
 * line_len, and the CRLF after them) is decoded with the state in locals.
 * Stops at the end of the input, an extension, the trailers or an error. */
static tc_err_t chunked(tc_http_resp_t *r, const char *p, size_t n, size_t *pi)
{
  size_t i = *pi, digits = r->line_len;
  uint64_t size = r->remaining;
  uint8_t st = r->state;
  tc_err_t e = TC_OK;
  while (i < n && e == TC_OK) {
    char c;
    if (st == S_CHUNK_DATA) {
      size_t k = n - i;
      if (k > size) k = (size_t)size;
      size -= k;
      if (r->cb->on_body) e = r->cb->on_body(r->user, p + i, k);
      i += k;
      if (size) continue;
      st = S_CHUNK_DATA_CR;
      /* the usual case: CRLF, hex digits, CRLF all in this piece */
      if (n - i >= 2 && p[i] == '\r' && p[i + 1] == '\n') {
        i += 2;
        st = S_CHUNK_SIZE;
      }
      continue;
    }
    c = p[i++];
    if (st == S_CHUNK_SIZE) {
      unsigned d = hex_val((unsigned char)c);
      if (d < 16) {
        if (digits++ == 16) e = TC_ERR_HTTP_CHUNK_SIZE;
        size = (size << 4) | d;
        continue;
      }
      if (digits == 0) {
        e = TC_ERR_HTTP_CHUNK_SIZE;
      } else if (c == '\r') {
        st = S_CHUNK_SIZE_LF;
        if (i < n && p[i] == '\n') {
          i++;
          goto size_done;
        }
      } else if (c == ';' || is_ows(c)) {
        st = S_CHUNK_EXT;
        digits = 0;
        break;
      } else if (c == '\n') {
        goto size_done;
      } else {
        e = TC_ERR_HTTP_CHUNK_SIZE;
      }
      continue;
    }
    if (st == S_CHUNK_SIZE_LF) {
      if (c == '\n') goto size_done;
      e = TC_ERR_HTTP_CHUNK_SYNTAX;
      continue;
    }
    /* S_CHUNK_DATA_CR, S_CHUNK_DATA_LF: after the data */
    if (c == '\r' && st == S_CHUNK_DATA_CR) st = S_CHUNK_DATA_LF;
    else if (c == '\n') st = S_CHUNK_SIZE;
    else e = TC_ERR_HTTP_CHUNK_SYNTAX;
    continue;
  size_done:
    digits = 0;
    st = size ? S_CHUNK_DATA : S_TRAILER;
    if (!size) break;
  }
  *pi = i;
  r->line_len = digits;
  r->remaining = size;
  r->state = st;
  return e;
}

tc_err_t tc_http_resp_feed(tc_http_resp_t *r, const char *p, size_t n, size_t *consumed)
{
  size_t i = 0;
  tc_err_t e = TC_OK;
  if (r->state == S_ERROR) {
    *consumed = 0;
    return r->err;
  }
  if (p == NULL) n = 0;
  while (i < n && r->state != S_DONE && e == TC_OK) {
    switch (r->state) {
    case S_BODY_LEN: {
      size_t k = n - i;
      if (k > r->remaining) k = (size_t)r->remaining;
      r->remaining -= k;
      if (r->cb->on_body) e = r->cb->on_body(r->user, p + i, k);
      i += k;
      if (e == TC_OK && r->remaining == 0) e = complete(r);
      break;
    }
    case S_BODY_CLOSE:
      if (r->cb->on_body) e = r->cb->on_body(r->user, p + i, n - i);
      i = n;
      break;
    case S_CHUNK_SIZE:
    case S_CHUNK_SIZE_LF:
    case S_CHUNK_DATA:
    case S_CHUNK_DATA_CR:
    case S_CHUNK_DATA_LF:
      e = chunked(r, p, n, &i);
      break;
    case S_CHUNK_EXT: {
      const char *lf = memchr(p + i, '\n', n - i);
      size_t span = lf ? (size_t)(lf - (p + i)) : n - i;
      if (span > r->line_cap - r->line_len) {
        e = TC_ERR_HTTP_CHUNK_SYNTAX;
        break;
      }
      r->line_len += span;
      i += span;
      if (lf) {
        i++;
        chunk_size_done(r);
      }
      break;
    }
    default: /* S_STATUS, S_HEADER, S_TRAILER */
      e = line_feed(r, p, n, &i);
      break;
    }
  }
  if (e != TC_OK) {
    r->state = S_ERROR;
    r->err = e;
  }
  *consumed = i;
  return e;
}

tc_err_t tc_http_resp_eof(tc_http_resp_t *r)
{
  tc_err_t e = TC_ERR_HTTP_TRUNCATED;
  if (r->state == S_ERROR) return r->err;
  if (r->state == S_DONE) return TC_OK;
  if (r->state == S_BODY_CLOSE) e = complete(r);
  if (e != TC_OK) {
    r->state = S_ERROR;
    r->err = e;
  }
  return e;
}

bool tc_http_resp_headers_done(const tc_http_resp_t *r) { return (r->flags & F_HDRS_DONE) != 0; }

bool tc_http_resp_complete(const tc_http_resp_t *r) { return r->state == S_DONE; }

bool tc_http_resp_reusable(const tc_http_resp_t *r)
{
  return r->state == S_DONE && !r->conn_close && !(r->flags & F_CLOSE_DELIM);
}

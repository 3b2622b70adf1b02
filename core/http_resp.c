/*
 * http_resp.c — the incremental HTTP/1.1 response parser (contracts and input
 * policy in tc_http.h).
 *
 * One byte-driven state machine for everything that is not body: the status
 * line, header lines and trailer lines are gathered in the caller's line
 * buffer; chunk-size lines and the line end after chunk data are decoded as
 * they arrive (digits into `remaining`, nothing stored). A CR is held back in
 * saw_cr until the next byte shows whether it ends the line. Body bytes (a
 * Content-Length body, chunk data, or a close-delimited body, whose
 * `remaining` is UINT64_MAX) are handed to on_body as whole spans of the
 * input, never copied: framing costs a few bytes per chunk, body bytes none.
 */
#include <string.h>

#include "http_int.h"

enum {
  S_STATUS,     /* status line (empty lines before it skipped)      -- line */
  S_HEADER,     /* header lines                                      -- line */
  S_TRAILER,    /* trailer lines up to the empty line                -- line */
  S_CHUNK_SIZE, /* hex digits; line_len counts them */
  S_CHUNK_EXT,  /* after the digits: skipped to the line end; line_len bounds it */
  S_CHUNK_END,  /* the line end after chunk data */
  S_BODY,       /* `remaining` body bytes (a chunk, a Content-Length body or until EOF) */
  S_DONE,
  S_ERROR
};

#define F_INTERIM     0x01u /* reading the headers of a 1xx response */
#define F_KEEP_ALIVE  0x02u /* Connection: keep-alive */
#define F_TE_BAD      0x04u /* a coding other than one "chunked" */
#define F_CLOSE_DELIM 0x08u /* body ends at EOF */
#define F_HDRS_DONE   0x10u /* on_headers_done reached */

/* ------------------------------------------- shared with http_req, http_url */

bool tc_http__ieq(const char *p, size_t n, const char *lit)
{
  size_t i = 0;
  for (; i < n; i++)
    if (lit[i] == '\0' || lower(p[i]) != lit[i]) return false;
  return lit[i] == '\0';
}

const uint8_t tc_http__tchar[16] = { 0x00, 0x00, 0x00, 0x00, 0xfa, 0x6c, 0xff, 0x03,
                                      0xfe, 0xff, 0xff, 0xc7, 0xff, 0xff, 0xff, 0x57 };

/* Index of s (any case) in `table`, lower-case strings each ended by NUL,
 * the table by an empty one; the number of strings when s is not there. */
static int find(const char *table, tc_slice_t s)
{
  int i = 0;
  /* (a walk to the NUL, not strlen: the decode path links no strlen) */
  for (; *table && !ieq_s(s, table); i++)
    while (*table++ != '\0') {}
  return i;
}

/* In the order of the H_ values. */
static const char k_known[] = "content-length\0transfer-encoding\0host\0connection\0content-type\0"
                              "x-session-settled\0x-stream-version\0retry-after\0x-ratelimit-reset\0";

int tc_http__known(tc_slice_t name) { return find(k_known, name); }

/* Values the parser recognises (list elements and media types). */
enum { W_CHUNKED, W_CLOSE, W_KEEP_ALIVE, W_SSE, W_JSON };
static const char k_words[] = "chunked\0close\0keep-alive\0text/event-stream\0application/json\0";

/* ------------------------------------------------------------ responses */

/* All of p[0..n) as a decimal number no larger than INT64_MAX; -1 otherwise.
 * Leading zeros are dropped first: tc_parse_u64 takes at most 19 digits,
 * which cannot overflow. */
static int64_t dec(const char *p, size_t n)
{
  uint64_t v;
  while (n > 1 && p[0] == '0') {
    p++;
    n--;
  }
  return tc_parse_u64(p, n, &v) && v <= (uint64_t)INT64_MAX ? (int64_t)v : -1;
}

static const tc_http_resp_cb_t k_no_cb = { NULL, NULL, NULL, NULL };

void tc_http_resp_init(tc_http_resp_t *r, char *line_buf, size_t line_cap, bool head_request,
                       const tc_http_resp_cb_t *cb, void *user)
{
  memset(r, 0, sizeof *r);
  r->content_length = r->retry_after_s = r->ratelimit_reset = -1;
  r->cb = cb ? cb : &k_no_cb;
  r->user = user;
  r->line = line_buf;
  r->line_cap = line_buf ? line_cap : 0;
  r->head_request = head_request;
  /* r->state = S_STATUS (0) */
}

/* on_headers_done or on_complete, when set. */
static tc_err_t notify(tc_http_resp_t *r, tc_err_t (*fn)(void *, const tc_http_resp_t *))
{
  return fn ? fn(r->user, r) : TC_OK;
}

static tc_err_t complete(tc_http_resp_t *r)
{
  r->state = S_DONE;
  return notify(r, r->cb->on_complete);
}

static tc_err_t status_line(tc_http_resp_t *r, const char *l, size_t n)
{
  int st;
  if (n < 5 || memcmp(l, "HTTP/", 5) != 0) return TC_ERR_HTTP_STATUS_LINE;
  /* "HTTP/1.x" SP 3DIGIT [ SP reason-phrase ] */
  if (n < 8 || l[5] != '1' || l[6] != '.' || (l[7] != '0' && l[7] != '1') || (n > 8 && l[8] != ' '))
    return TC_ERR_HTTP_VERSION;
  st = n < 12 ? -1 : (int)dec(l + 9, 3);
  if (st < 100 || (n > 12 && l[12] != ' ')) return TC_ERR_HTTP_STATUS_LINE;
  if (st == 101) return TC_ERR_HTTP_STATUS; /* we never ask to switch protocols */
  r->minor = (uint8_t)(l[7] - '0');
  r->status = st;
  r->header_count = 0;
  if (st < 200) r->flags |= F_INTERIM;
  r->state = S_HEADER;
  return TC_OK;
}

/* Next element of a list separated by `sep`, OWS trimmed; false at the end. */
static bool next_elem(tc_slice_t v, size_t *pos, tc_slice_t *e, char sep)
{
  size_t i = *pos, j = i;
  if (i > v.len) return false;
  while (j < v.len && v.ptr[j] != sep) j++;
  *e = trim(v.ptr + i, j - i);
  *pos = j + 1;
  return true;
}

/* Captures header h's value v. Content-Length, Transfer-Encoding and
 * Connection are comma lists; empty elements are ignored (RFC 9110 5.6.1)
 * except in Content-Length, where every element must be the same number.
 * Content-Type is read up to its first ';' (the media type). */
static tc_err_t capture(tc_http_resp_t *r, int h, tc_slice_t v)
{
  size_t pos = 0;
  tc_slice_t e;
  bool any = false;
  switch (h) {
  case H_SETTLED:
    r->session_settled = tc_slice_eq(v, "true");
    return TC_OK;
  case H_VERSION:
    pos = v.len < sizeof r->stream_version - 1 ? v.len : sizeof r->stream_version - 1;
    memcpy(r->stream_version, v.ptr, pos);
    r->stream_version[pos] = '\0';
    return TC_OK;
  case H_RETRY:
  case H_RESET:
    *(h == H_RETRY ? &r->retry_after_s : &r->ratelimit_reset) = dec(v.ptr, v.len);
    return TC_OK;
  default:
    break;
  }
  while (h <= H_CT && next_elem(v, &pos, &e, h == H_CT ? ';' : ',')) {
    int w = find(k_words, e);
    if (h == H_CL) {
      int64_t cl = dec(e.ptr, e.len);
      if (cl < 0 || (r->content_length >= 0 && cl != r->content_length)) return TC_ERR_HTTP_CONTENT_LENGTH;
      r->content_length = cl;
    } else if (h == H_CT) {
      r->content_type_sse = w == W_SSE;
      r->content_type_json = w == W_JSON;
      break;
    } else if (e.len == 0) {
      continue;
    } else if (h == H_TE) {
      any = true;
      if (w != W_CHUNKED || r->chunked) r->flags |= F_TE_BAD;
      r->chunked = true;
    } else if (w == W_CLOSE) {
      r->conn_close = true;
    } else if (w == W_KEEP_ALIVE) {
      r->flags |= F_KEEP_ALIVE;
    }
  }
  if (h == H_TE && !any) r->flags |= F_TE_BAD;
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
  e = capture(r, tc_http__known(name), v);
  if (e == TC_OK && r->cb->on_header) e = r->cb->on_header(r->user, name, v);
  return e;
}

static tc_err_t headers_done(tc_http_resp_t *r)
{
  tc_err_t e;
  uint8_t next = S_DONE;
  if (r->minor == 0 && !(r->flags & F_KEEP_ALIVE)) r->conn_close = true;
  if (!(r->head_request || r->status == 204 || r->status == 304)) {
    if (r->flags & F_TE_BAD) return TC_ERR_HTTP_ENCODING;
    if (r->chunked) {
      /* framed two ways: refused (see tc_http.h) */
      if (r->content_length >= 0) return TC_ERR_HTTP_CONTENT_LENGTH;
      if (r->minor == 0) r->conn_close = true; /* RFC 9112 6.1: close after it */
      next = S_CHUNK_SIZE;
    } else if (r->content_length != 0) {
      /* -1 (absent): close-delimited, "remaining" UINT64_MAX */
      if (r->content_length < 0) r->flags |= F_CLOSE_DELIM;
      r->remaining = (uint64_t)r->content_length;
      next = S_BODY;
    }
  }
  r->state = next;
  r->flags |= F_HDRS_DONE;
  e = notify(r, r->cb->on_headers_done);
  if (e == TC_OK && next == S_DONE) e = complete(r);
  return e;
}

/* An LF: the line (CR removed) is complete. */
static tc_err_t line_end(tc_http_resp_t *r)
{
  size_t n = r->line_len;
  r->line_len = 0;
  r->saw_cr = false;
  switch (r->state) {
  case S_STATUS:
    return n ? status_line(r, r->line, n) : TC_OK;
  case S_CHUNK_SIZE:
    if (n == 0) return TC_ERR_HTTP_CHUNK_SIZE;
    /* fall through */
  case S_CHUNK_EXT:
    r->state = r->remaining ? S_BODY : S_TRAILER;
    return TC_OK;
  case S_CHUNK_END:
    r->state = S_CHUNK_SIZE;
    return TC_OK;
  default: /* S_HEADER, S_TRAILER */
    if (n) return header_line(r, r->line, n);
    if (r->state == S_TRAILER) return complete(r);
    if (r->flags & F_INTERIM) {
      r->flags &= (uint8_t)~F_INTERIM;
      r->state = S_STATUS;
      return TC_OK;
    }
    return headers_done(r);
  }
}

/* 0..15 for a hex digit, 16 otherwise. */
static unsigned hex_val(unsigned char c)
{
  unsigned d = (unsigned)c - '0';
  if (d > 9) {
    d = (unsigned)((c | 0x20) - 'a');
    d = d < 6 ? d + 10 : 16;
  }
  return d;
}

/* The error for a NUL, or a CR not followed by LF, in each line state. */
static const int8_t k_bad_byte[] = { TC_ERR_HTTP_STATUS_LINE, TC_ERR_HTTP_HEADER_SYNTAX, TC_ERR_HTTP_HEADER_SYNTAX,
                                     TC_ERR_HTTP_CHUNK_SYNTAX, TC_ERR_HTTP_CHUNK_SYNTAX, TC_ERR_HTTP_CHUNK_SYNTAX };

/* One byte of a line (not a body byte). */
TC_OS_NOINLINE static tc_err_t framing_byte(tc_http_resp_t *r, char c)
{
  uint8_t st = r->state;
  if (c == '\n') return line_end(r);
  /* a CR not followed by LF, or a NUL */
  if (r->saw_cr || c == '\0') return (tc_err_t)k_bad_byte[st];
  if (c == '\r') {
    r->saw_cr = true;
    return TC_OK;
  }
  if (st <= S_TRAILER) {
    if (r->line_len == r->line_cap) return TC_ERR_HTTP_HEADER_TOO_LONG;
    r->line[r->line_len++] = c;
    return TC_OK;
  }
  if (st == S_CHUNK_SIZE) {
    unsigned d = hex_val((unsigned char)c);
    if (d < 16 && r->line_len < 16) {
      r->line_len++;
      r->remaining = (r->remaining << 4) | d;
      return TC_OK;
    }
    /* 1 to 16 digits, then white space (BWS) until the ';' that starts the
     * extensions: anything else ("3 4") is refused, not read as chunk-ext */
    if (d < 16 || r->line_len == 0 || !(c == ';' || is_ows(c))) return TC_ERR_HTTP_CHUNK_SIZE;
    if (c == ';') r->state = S_CHUNK_EXT;
    else if (r->line_len < 16) r->line_len = 16; /* no more digits; still bounded below */
  }
  if (st == S_CHUNK_END || ++r->line_len > r->line_cap) return TC_ERR_HTTP_CHUNK_SYNTAX;
  return TC_OK;
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
    if (r->state == S_BODY) {
      size_t k = n - i;
      if (k > r->remaining) k = (size_t)r->remaining;
      r->remaining -= k;
      if (r->cb->on_body) e = r->cb->on_body(r->user, p + i, k);
      i += k;
      if (e == TC_OK && r->remaining == 0) {
        if (!r->chunked) {
          e = complete(r);
#if TC_DECODE_FAST /* (under -Os the CRLF takes the general path: the same, once per chunk) */
        } else if (n - i >= 2 && p[i] == '\r' && p[i + 1] == '\n') {
          i += 2; /* the usual CRLF after chunk data, in this piece */
          r->state = S_CHUNK_SIZE;
#endif
        } else {
          r->state = S_CHUNK_END;
        }
      }
    } else {
      e = framing_byte(r, p[i++]);
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
  if (r->flags & F_CLOSE_DELIM) e = complete(r);
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

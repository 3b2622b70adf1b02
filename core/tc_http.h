/*
 * tc_http.h — HTTP/1.1 for trigchat: URL parsing, a request writer into a
 * caller buffer, and an incremental response parser.
 *
 * No socket here: the caller moves bytes. Nothing allocates.
 *
 * Requests never use chunked transfer encoding (the Trigger.dev API answers
 * 413 to a POST without Content-Length): a request with a body always carries
 * Content-Length, and the body is sent separately by the caller, after the head.
 *
 * The response parser accepts its input split at any byte. It handles a status
 * line, header lines (names case-insensitive, values trimmed of optional white
 * space), chunked bodies (chunk extensions and trailers are accepted and ignored),
 * Content-Length bodies, close-delimited bodies, 1xx interim responses (skipped)
 * and bodiless responses (HEAD, 1xx, 204, 304). Header lines are bounded by the
 * caller's line buffer (TC_ERR_HTTP_HEADER_TOO_LONG) and by TC_HTTP_HEADERS_MAX
 * (TC_ERR_HTTP_TOO_MANY_HEADERS). obs-fold continuation lines are refused
 * (TC_ERR_HTTP_HEADER_SYNTAX), as RFC 9112 allows.
 */
#ifndef TC_HTTP_H
#define TC_HTTP_H

#include "tc_config.h"
#include "tc_types.h"

/* ------------------------------------------------------------------ URLs */

typedef struct tc_url {
  bool tls;          /* https */
  tc_slice_t host;   /* without brackets for an IPv6 literal */
  uint16_t port;     /* explicit, or 443 / 80 */
  bool port_explicit;
  tc_slice_t path;   /* base path without one trailing '/', "" when none; no query */
} tc_url_t;

/* Parses "http[s]://host[:port][/base/path]" (scheme case-insensitive, IPv6
 * literals in brackets). Slices point into `url`. Returns TC_ERR_HTTP_URL on
 * anything else (userinfo, query, fragment, bad port, empty host). */
tc_err_t tc_url_parse(const char *url, size_t len, tc_url_t *out);

/* Appends `seg` percent-encoded as JavaScript's encodeURIComponent does
 * (A-Z a-z 0-9 - _ . ! ~ * ' ( ) kept, every other byte as %XX). */
void tc_http_put_path_segment(tc_buf_t *b, tc_slice_t seg);

/* ------------------------------------------------------------- requests */

typedef struct tc_http_req {
  tc_buf_t buf;  /* the head being written */
  tc_err_t err;  /* first error; sticky */
} tc_http_req_t;

/* Starts a request head in mem[0..cap): "METHOD target HTTP/1.1", then
 * "Host: host[:port]" (the port only when explicit; IPv6 hosts bracketed).
 * `target` is the full origin-form path (e.g. "/realtime/v1/sessions/c1/out"). */
void tc_http_req_begin(tc_http_req_t *q, char *mem, size_t cap, const char *method,
                       const tc_url_t *url, tc_slice_t target);

/* Adds "name: value". A name that is not an HTTP token or a value holding CR,
 * LF or NUL makes the request fail with TC_ERR_ARG (no header injection). */
void tc_http_req_header(tc_http_req_t *q, tc_slice_t name, tc_slice_t value);
void tc_http_req_header_str(tc_http_req_t *q, const char *name, const char *value);
void tc_http_req_header_u64(tc_http_req_t *q, const char *name, uint64_t value);

/* Finishes the head: "Content-Length: body_len" when has_body, then the blank
 * line. Returns TC_OK, TC_ERR_HTTP_REQUEST_TOO_LONG when the head did not fit,
 * or the first TC_ERR_ARG. The head is q->buf.ptr[0..q->buf.len). */
tc_err_t tc_http_req_end(tc_http_req_t *q, bool has_body, size_t body_len);

/* ------------------------------------------------------------ responses */

typedef struct tc_http_resp tc_http_resp_t;

/* Callbacks; any may be NULL. A callback returning non-TC_OK stops the parser,
 * and tc_http_resp_feed returns that code. */
typedef struct tc_http_resp_cb {
  /* Each header line, after the parser has captured the fields it knows. */
  tc_err_t (*on_header)(void *user, tc_slice_t name, tc_slice_t value);
  /* The status line and all headers of the final (non-1xx) response are in. */
  tc_err_t (*on_headers_done)(void *user, const tc_http_resp_t *r);
  /* A piece of the decoded (de-chunked) body, in order. */
  tc_err_t (*on_body)(void *user, const char *p, size_t n);
  /* The body ended (for a close-delimited body: from tc_http_resp_eof). */
  tc_err_t (*on_complete)(void *user, const tc_http_resp_t *r);
} tc_http_resp_cb_t;

struct tc_http_resp {
  /* ---- captured; valid from on_headers_done on */
  int status;                    /* 100..999 */
  int64_t content_length;        /* -1 when absent */
  bool chunked;                  /* Transfer-Encoding: chunked */
  bool conn_close;               /* Connection: close, or HTTP/1.0 without keep-alive */
  bool session_settled;          /* X-Session-Settled: true */
  bool content_type_sse;         /* Content-Type: text/event-stream */
  bool content_type_json;        /* Content-Type: application/json */
  char stream_version[8];        /* X-Stream-Version, NUL-terminated; "" if absent */
  int64_t retry_after_s;         /* Retry-After in delta-seconds; -1 absent or a date */
  int64_t ratelimit_reset;       /* x-ratelimit-reset as sent (Unix ms); -1 absent */

  /* ---- private */
  const tc_http_resp_cb_t *cb;
  void *user;
  char *line;
  size_t line_cap;
  size_t line_len;
  uint64_t remaining;            /* body bytes left in this chunk / content */
  uint16_t header_count;
  uint8_t state;
  uint8_t minor;                 /* HTTP/1.x */
  bool head_request;
  bool saw_cr;
};

/* Prepares `r` for one response. `line_buf` (line_cap bytes, the caller's,
 * TC_HTTP_LINE_MAX by default) holds the status or header line being read.
 * Set head_request when the request was HEAD (no body follows). */
void tc_http_resp_init(tc_http_resp_t *r, char *line_buf, size_t line_cap, bool head_request,
                       const tc_http_resp_cb_t *cb, void *user);

/* Feeds n bytes. *consumed receives how many were used: all of them, except
 * when the response ends first (the rest belongs to the next response on a
 * kept-alive connection). Returns TC_OK or the error that stopped it; after
 * an error the parser stays failed until re-initialised. */
tc_err_t tc_http_resp_feed(tc_http_resp_t *r, const char *p, size_t n, size_t *consumed);

/* The peer closed the connection. Completes a close-delimited body (TC_OK);
 * TC_OK too when the response was already complete; TC_ERR_HTTP_TRUNCATED
 * when the response was cut short. */
tc_err_t tc_http_resp_eof(tc_http_resp_t *r);

bool tc_http_resp_headers_done(const tc_http_resp_t *r);
bool tc_http_resp_complete(const tc_http_resp_t *r);
/* The connection may carry another request once this response is complete. */
bool tc_http_resp_reusable(const tc_http_resp_t *r);

#endif /* TC_HTTP_H */

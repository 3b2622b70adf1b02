/*
 * tc_err.h — every error trigchat can report, with a stable name and text.
 *
 * Contract: TC_OK is 0; every error is negative, so a function returning a
 * byte count can return either. tc_strerror() never returns NULL and never
 * allocates. Codes are grouped by layer; new codes go at the end of a group.
 */
#ifndef TC_ERR_H
#define TC_ERR_H

#define TC_ERR_LIST(X) \
  /* generic */ \
  X(TC_ERR_ARG,                 -1,  "invalid argument") \
  X(TC_ERR_STATE,               -2,  "call not valid in the current state") \
  X(TC_ERR_NOSPACE,             -3,  "caller buffer too small") \
  X(TC_ERR_AGAIN,               -4,  "would block, try again") \
  X(TC_ERR_CALLBACK,            -5,  "application callback failed") \
  X(TC_ERR_CONFIG,              -6,  "invalid configuration") \
  /* http */ \
  X(TC_ERR_HTTP_STATUS_LINE,    -20, "malformed HTTP status line") \
  X(TC_ERR_HTTP_VERSION,        -21, "unsupported HTTP version") \
  X(TC_ERR_HTTP_HEADER_SYNTAX,  -22, "malformed HTTP header line") \
  X(TC_ERR_HTTP_HEADER_TOO_LONG,-23, "HTTP header line longer than the buffer") \
  X(TC_ERR_HTTP_TOO_MANY_HEADERS,-24,"too many HTTP header lines") \
  X(TC_ERR_HTTP_CONTENT_LENGTH, -25, "invalid or conflicting Content-Length") \
  X(TC_ERR_HTTP_CHUNK_SIZE,     -26, "invalid chunk size in chunked body") \
  X(TC_ERR_HTTP_CHUNK_SYNTAX,   -27, "malformed chunked body framing") \
  X(TC_ERR_HTTP_ENCODING,       -28, "unsupported Transfer-Encoding") \
  X(TC_ERR_HTTP_TRUNCATED,      -29, "connection closed before the response ended") \
  X(TC_ERR_HTTP_EXTRA_DATA,     -30, "bytes after the end of the response") \
  X(TC_ERR_HTTP_REQUEST_TOO_LONG,-31,"HTTP request does not fit its buffer") \
  X(TC_ERR_HTTP_STATUS,         -32, "unexpected HTTP status") \
  X(TC_ERR_HTTP_URL,            -33, "malformed URL") \
  /* sse / json / outstream */ \
  X(TC_ERR_SSE_SYNTAX,          -40, "malformed event stream") \
  X(TC_ERR_JSON_SYNTAX,         -41, "invalid JSON") \
  X(TC_ERR_JSON_ESCAPE,         -42, "invalid JSON string escape") \
  X(TC_ERR_JSON_SURROGATE,      -43, "unpaired UTF-16 surrogate in JSON string") \
  X(TC_ERR_UTF8,                -44, "invalid UTF-8") \
  X(TC_ERR_JSON_DEPTH,          -45, "JSON nested too deeply") \
  X(TC_ERR_JSON_TOO_BIG,        -46, "JSON document larger than its buffer") \
  X(TC_ERR_JSON_TYPE,           -47, "JSON value of the wrong type") \
  X(TC_ERR_SEQ_NUM,             -48, "missing or non-numeric seq_num") \
  X(TC_ERR_SEQ_ORDER,           -49, "seq_num did not increase") \
  X(TC_ERR_RECORD_OVERSIZED,    -50, "record larger than its buffer (skipped)") \
  X(TC_ERR_RECORD_TRUNCATED,    -51, "event ended in the middle of a record") \
  X(TC_ERR_STREAM_VERSION,      -52, "missing or unknown X-Stream-Version") \
  X(TC_ERR_STREAM_ERROR_EVENT,  -53, "server sent an error event") \
  X(TC_ERR_CHUNK_TYPE,          -54, "chunk without a type") \
  /* network and TLS (port/) */ \
  X(TC_ERR_NET_EOF,             -60, "connection closed by peer") \
  X(TC_ERR_NET_DNS,             -61, "host name lookup failed") \
  X(TC_ERR_NET_CONNECT,         -62, "connect failed") \
  X(TC_ERR_NET_RESET,           -63, "connection reset") \
  X(TC_ERR_NET_TIMEOUT,         -64, "network timeout") \
  X(TC_ERR_NET_IO,              -65, "network I/O error") \
  X(TC_ERR_NET_CLOSED,          -66, "transport not open") \
  X(TC_ERR_TLS_HANDSHAKE,       -70, "TLS handshake failed") \
  X(TC_ERR_TLS_CERT_UNTRUSTED,  -71, "server certificate not trusted (unknown CA or self-signed)") \
  X(TC_ERR_TLS_CERT_EXPIRED,    -72, "server certificate expired or not yet valid") \
  X(TC_ERR_TLS_CERT_HOSTNAME,   -73, "server certificate does not match the host name") \
  X(TC_ERR_TLS_CERT_OTHER,      -74, "server certificate rejected") \
  X(TC_ERR_TLS_CA,              -75, "CA certificates could not be loaded") \
  X(TC_ERR_TLS_ALLOC,           -76, "TLS memory arena exhausted") \
  X(TC_ERR_TLS_IO,              -77, "TLS record error") \
  /* chat (protocol level) */ \
  X(TC_ERR_SESSION_CLOSED,      -90, "session is closed") \
  X(TC_ERR_AUTH,                -91, "authentication failed after a token refresh") \
  X(TC_ERR_NOT_FOUND,           -92, "session not found") \
  X(TC_ERR_TOO_LARGE,           -93, "request body too large (413)") \
  X(TC_ERR_RATE_LIMITED,        -94, "rate limited (429)") \
  X(TC_ERR_SERVER,              -95, "server error (5xx)") \
  X(TC_ERR_RECONNECT_BUDGET,    -96, "chat stream ended before the turn completed (reconnect budget exhausted)") \
  X(TC_ERR_STALLED,             -97, "stream stalled: no records received") \
  X(TC_ERR_OUTPUT_LOST,         -98, "the previous turn's output was lost; try again") \
  X(TC_ERR_BUSY,                -99, "another request is already outstanding") \
  X(TC_ERR_NO_SESSION,          -100,"no session: start or resume one first") \
  X(TC_ERR_TIMEOUT,             -101,"request timed out") \
  X(TC_ERR_PROTOCOL,            -102,"unexpected response from the server") \
  X(TC_ERR_TOKEN,               -103,"token missing or malformed") \
  X(TC_ERR_STREAM_GONE,         -104,"stream not available (non-retryable status)") \
  /* key-value persistence */ \
  X(TC_ERR_KV_NOT_FOUND,        -120,"key not found") \
  X(TC_ERR_KV_FULL,             -121,"key-value store full") \
  X(TC_ERR_KV_CORRUPT,          -122,"stored record corrupt") \
  X(TC_ERR_KV_IO,               -123,"storage I/O error") \
  X(TC_ERR_KV_KEY,              -124,"invalid key (1 to 15 printable ASCII characters)") \
  X(TC_ERR_KV_TOO_BIG,          -125,"value larger than the store or the buffer allows")

typedef enum tc_err {
  TC_OK = 0,
#define TC_ERR_ENUM_(name, value, text) name = value,
  TC_ERR_LIST(TC_ERR_ENUM_)
#undef TC_ERR_ENUM_
  TC_ERR_MIN_ = -127
} tc_err_t;

/* Human-readable text for `err` ("ok" for TC_OK, "unknown error" for any
 * value not listed). Static storage; never NULL. */
const char *tc_strerror(int err);

/* The enumerator's name, e.g. "TC_ERR_HTTP_CHUNK_SIZE"; "TC_OK"; "?" if unknown. */
const char *tc_errname(int err);

#endif /* TC_ERR_H */

/*
 * chat_int.h — PRIVATE interfaces between the chat's source files:
 *   chat.c       lifecycle, step loop, events, session state, persistence, resume
 *   chat_auth.c  session start / token refresh (asking the provider, adopting tokens)
 *   chat_provider.c  the built-in providers (BACKEND, DIRECT): optional, linked
 *                only when the configuration names them
 *   chat_send.c  operations, the request connection, appends and their retries
 *   chat_out.c   the .out subscription (connect, retry, stall, EOF, turns)
 *   chat_req.c   request building: append bodies, heads, URLs, ids
 *   chat_conn.c  moving bytes over one tc_transport_t with an HTTP parser
 * Not part of the public API.
 */
#ifndef TC_CHAT_INT_H
#define TC_CHAT_INT_H

#include <string.h>

#include "tc_chat.h"
#include "tc_json.h"

/* A callback's request to stop the parser without an error (positive, so
 * it never collides with a tc_err_t). */
#define CHAT_HALT ((tc_err_t)1)
/* .out's verdict "reconnect from the cursor" (chat_out.c; positive likewise). */
#define CHAT_RETRY ((tc_err_t)2)

/* ---- defaults (official 4.8.3 values, protocol.md §6.2) */
#define CHAT_DEFAULT_BASE "https://api.trigger.dev"
#define CHAT_TIMEOUT_S 120u
#define CHAT_RETRY_BASE_MS 1000u
#define CHAT_WATCH_RETRY_BASE_MS 100u
#define CHAT_RETRY_MAX_MS 5000u
#define CHAT_EOF_BASE_MS 100u
#define CHAT_EOF_BUDGET 5u
#define CHAT_STALL_RETRIES 5u
#define CHAT_STALL_MS 60000u
#define CHAT_HEADER_MS 30000u
#define CHAT_REQUEST_MS 30000u
_Static_assert(CHAT_HEADER_MS == CHAT_REQUEST_MS, "conn_open's one default stands for both");
/* A CALLBACK provider's answer (beyond 4.8.3, which awaits it without a
 * bound: a device must not hang). Twice request_ms: an app's callback
 * typically makes an HTTP request to its backend, and may retry it once. */
#define CHAT_PROVIDER_MS 60000u
#define CHAT_SEND_RETRIES 4u
/* A failure to open a request connection worth another try after the
 * backoff: the network's, or TLS's (an arena still held by the other
 * connection's handshake, a handshake cut short). The same errors later in
 * an exchange are retried too, and .out retries every open failure. */
static inline bool chat_open_transient(tc_err_t e) { return e <= TC_ERR_NET_EOF && e >= TC_ERR_TLS_IO; }
/* A 429 asking for a longer wait fails the send instead of holding it
 * (every operation would be TC_ERR_BUSY until then). */
#define CHAT_RATE_WAIT_MAX_MS 60000u
#define CHAT_REFRESH_MARGIN_MS 60000u
#define CHAT_REFRESH_RETRY_MS 5000u   /* least wait before asking again after a refused proactive refresh */
#define CHAT_CHECKPOINT_MS 10000u
#define CHAT_HOST_MAX 255u /* a DNS name's limit */

/* ---- chat_conn.c */
enum { K_IDLE = 0, K_SEND, K_RECV }; /* K_IDLE: no exchange under way */
typedef enum { PUMP_BLOCKED = 0, PUMP_DONE, PUMP_FAILED } chat_pump_t;

/* Opens (or reuses, when the same host and kept alive) the connection and
 * prepares the response parser, to send the segments queued before with
 * chat_conn_add (chat_req_head queues them). u is chat_req_head's: its host
 * is at most CHAT_HOST_MAX bytes (checked there, once for both connections;
 * conn_open's buffer relies on it). */
tc_err_t chat_conn_start(tc_chat_conn_t *k, const tc_url_t *u, char *line, size_t line_cap,
                         const tc_http_resp_cb_t *cb, void *user);
/* Queues p[0..n) to send (an empty one is skipped; at most 5). */
void chat_conn_add(tc_chat_conn_t *k, const char *p, size_t n);
/* Sends what is pending, then reads and parses. *err gets the failure (or
 * CHAT_HALT when a callback stopped the parser). */
chat_pump_t chat_conn_pump(tc_chat_conn_t *k, tc_err_t *err);
void chat_conn_close(tc_chat_conn_t *k);
/* Between exchanges: closes a kept-alive connection that shows anything
 * (the server's idle close, stray bytes, an error). Its socket would stay
 * readable until the next request, and a loop that sleeps on its sockets
 * would wake at once, for ever (tc_chat_step runs it each call). */
void chat_conn_idle_check(tc_chat_conn_t *k);
/* An exchange is under way (sending or receiving). */
static inline bool chat_conn_busy(const tc_chat_conn_t *k) { return k->phase != K_IDLE; }

/* ---- chat_req.c */
typedef enum { MSG_NONE = 0, MSG_TEXT, MSG_PARTS, MSG_APPROVAL, MSG_TOOL_OUTPUT } chat_msg_kind_t;

/* One ChatInputChunk to write (protocol.md §4). What the fields mean
 * follows from source and msg, so each operation fills only two or three. */
typedef struct chat_payload {
  uint8_t source;               /* tc_chat_source_t */
  uint8_t msg;                  /* chat_msg_kind_t */
  uint8_t tool;                 /* MSG_TOOL_OUTPUT: the tool slot */
  uint8_t answers;              /* MSG_APPROVAL: how many (1..TC_CHAT_TOOLS_MAX) */
  uint8_t slot[TC_CHAT_TOOLS_MAX]; /* MSG_APPROVAL: answer i's tool slot */
  const tc_chat_approval_t *answer; /* MSG_APPROVAL: the app's answers (one part each) */
  tc_slice_t content;           /* text, parts JSON, output JSON,
                                   action JSON, or regenerate's messageId */
  tc_slice_t metadata;          /* per-call metadata JSON (merged over client_data) */
} chat_payload_t;

/* The message's id is c->send.msg_id (send_begin sets it first). */
tc_err_t chat_build_body(const tc_chat_t *c, tc_buf_t *b, const chat_payload_t *p);
/* Appends fmt, replacing %s (a C string as is), %q (a C string as a JSON
 * string), %j (a tc_slice_t as a JSON string), %r (a tc_slice_t as is). */
void chat_put(tc_buf_t *b, const char *fmt, ...);

/* Where a provider request (START/TOKEN) goes and how it is authorised. */
typedef struct chat_target {
  const char *url;                  /* the full URL (before the hook) */
  const char *path;                 /* appended to the URL's path; NULL none */
  const char *key_name, *key_value; /* one extra header; NULL none */
  tc_slice_t bearer;                /* Authorization: Bearer; absent none */
} chat_target_t;

/* Writes the head of a request to `ep` into mem[0..cap) (the target is
 * composed at the start of mem, the head after it): fixed headers, extra
 * headers, the hook's, Content-Length of body[0..body_len) for a POST. Then
 * queues on ep's connection (c->oc for OUT, else c->rc) the head, the
 * Authorization line (the PAT on IN/OUT, else t's bearer; never copied into
 * mem), the blank line and the body; chat_conn_start sends them. t:
 * START/TOKEN only. *u gets the parsed URL. */
tc_err_t chat_req_head(tc_chat_t *c, tc_chat_endpoint_t ep, const chat_target_t *t, char *mem, size_t cap,
                       const char *body, size_t body_len, tc_url_t *u);
extern const char chat_hex[17]; /* "0123456789abcdef" */
/* An id in lower-case hex from random bytes rnd: an RFC 4122 version 4
 * UUID (uuid: 16 bytes in, 37 out with the NUL, the X-Part-Id), else 16
 * digits (8 bytes in, 17 out: a user message's id, as long as the AI SDK's
 * generateId gives). */
void chat_hex_id(const uint8_t *rnd, char *out, bool uuid);

/* ---- chat.c */
/* Writes the session record now (and emits SESSION_CHANGED). */
void chat_persist(tc_chat_t *c);

/* ---- chat_out.c */
/* Opens .out for the turn of the active input seq (sinceInSeq, §6.5). */
void chat_out_open(tc_chat_t *c, bool peek, bool resumed);
void chat_out_close(tc_chat_t *c);
/* Connects when due, reads, handles timeouts. Returns true on progress. */
bool chat_out_step(tc_chat_t *c);
void chat_out_auth_done(tc_chat_t *c, tc_err_t err);
/* min(base * 2^(n-1), cap) * (1 - 0.5 U) ms for attempt n >= 1, cap being
 * backoff.max_ms: the 4.8.3 jitter (SSE retryJitter 0.5;
 * waitBeforeEofResubscribe's 0.5 + 0.5 U is the same range). */
uint32_t chat_backoff(const tc_chat_t *c, uint32_t base, uint32_t n);
enum { O_OFF = 0, O_WAIT, O_AUTH, O_CONNECT, O_BODY };
/* The .out phases with a deadline in out.at: wait, connect, body (O_AUTH has none). */
static inline bool chat_out_timed(const tc_chat_t *c) { return c->out.phase != O_OFF && c->out.phase != O_AUTH; }

static inline uint32_t or_default(uint32_t v, uint32_t d) { return v ? v : d; }

/* Times inside the chat are the low 32 bits of the caller's millisecond
 * clock, compared wrap-safe: each lies within 2^31 ms (24 days) of now, so
 * the Cortex-M4 does 32-bit arithmetic instead of 64-bit. Fields where 0
 * means "none" get 1 instead of an exact 0. */
#define CHAT_NOW(c) ((uint32_t)(c)->now)
#define CHAT_MS_MAX 0x7fffffffu
static inline bool chat_due(const tc_chat_t *c, uint32_t t) { return (int32_t)(CHAT_NOW(c) - t) >= 0; }
static inline uint32_t chat_after(const tc_chat_t *c, uint32_t d)
{
  uint32_t t = CHAT_NOW(c) + d;
  return t ? t : 1;
}
/* Lowers *m (ms from now, may be negative; INT32_MAX with !*set: none) to
 * t's (which may be CHAT_MS_MAX = INT32_MAX ahead). */
static inline void chat_dl(const tc_chat_t *c, int32_t *m, bool *set, uint32_t t)
{
  int32_t d = (int32_t)(t - CHAT_NOW(c));
  *set = true;
  if (d < *m) *m = d;
}
static inline tc_slice_t chat_cslice(const char *s) { return s ? (tc_slice_t){ s, strlen(s) } : TC_SLICE_NULL; }

enum { AUTH_NONE = 0, AUTH_START, AUTH_TOKEN };      /* auth.want */
enum { AP_ASKED = 1, AP_QUEUED, AP_RUNNING };        /* auth.phase */
enum { S_NONE = 0, S_AUTH, S_READY, S_RUNNING };     /* send_step */

/* ---- chat.c */
void chat_emit(tc_chat_t *c, tc_chat_event_t *ev);
void chat_event_init(const tc_chat_t *c, tc_chat_event_t *ev, tc_chat_event_type_t type);
void chat_mark_closed(tc_chat_t *c, tc_slice_t reason, tc_chat_source_t src);
tc_err_t chat_adopt_token(tc_chat_t *c, const char *tok, size_t len);
void chat_end_turn(tc_chat_t *c);   /* clears isStreaming, turn start; persists */
/* Asks for a session start (start) or a token, unless a question is out;
 * the answer goes to whoever waits in S_AUTH / O_AUTH (chat_auth_finish).
 * A start wanted while a token question is out is asked once that is
 * answered (a token does not bring a gone session back). */
void chat_need_auth(tc_chat_t *c, bool start);
void chat_track_chunk(tc_chat_t *c, const tc_chunk_t *ch);
void chat_emit_simple(tc_chat_t *c, tc_chat_event_type_t type, tc_chat_source_t src, tc_err_t err, int status);
/* Copies s into a zeroed slot of cap bytes (truncating; *cut tells). */
size_t chat_copy_str(char *slot, size_t cap, tc_slice_t s, bool *cut);

/* ---- chat_auth.c */
/* Every one of s[0..n) is base64url or '.' (a JWT's characters), or ':'
 * too when colon (a tool name's, which goes into JSON unescaped). */
bool chat_chars_ok(const char *s, size_t n, bool colon);
/* A session start (start) or a token mint (!start) is configured. */
bool chat_can(const tc_chat_t *c, bool start);
#if TC_CHAT_PROACTIVE_REFRESH
/* proactive refresh from the token's exp; fresh: the token arrived just now */
void chat_plan_refresh(tc_chat_t *c, bool fresh);
bool chat_refresh_step(tc_chat_t *c);
#else
static inline void chat_plan_refresh(tc_chat_t *c, bool fresh) { (void)c; (void)fresh; }
static inline bool chat_refresh_step(tc_chat_t *c) { (void)c; return false; }
#endif
/* The CALLBACK provider's timeout, then the proactive refresh. */
bool chat_auth_step(tc_chat_t *c);
/* Ends the question: adopts tok on success, tells the waiters. Returns err,
 * or the adoption's TC_ERR_TOKEN. */
/* A 404 on an append: forgets the gone session's cursor, delivered mark,
 * stop gate, input seq, late mark, isStreaming and the start of a turn
 * being read (mid_turn), closes .out, writes the record; true when a watch
 * must follow the new session once it starts. */
bool chat_forget_session(tc_chat_t *c);
tc_err_t chat_auth_finish(tc_chat_t *c, tc_err_t err, int status, tc_slice_t tok, bool pending);

/* ---- chat_provider.c: a built-in provider. The chat asks it through these
 * pointers only (never by name), so it is linked only when configured. */
struct tc_chat_provider {
  tc_err_t (*check)(const tc_chat_config_t *g);     /* at init */
  bool (*can)(const tc_chat_config_t *g, bool start);
  bool (*step)(tc_chat_t *c);                        /* starts the queued request */
  void (*done)(tc_chat_t *c, tc_err_t err, int status); /* its answer is in */
};

/* ---- chat_send.c */
bool chat_rq_step(tc_chat_t *c);          /* drives the request connection */
void chat_send_auth_done(tc_chat_t *c, tc_err_t err, int status);
/* Starts a request whose body is req_buf[off..off+len); head and answer
 * follow. t: START/TOKEN only (NULL for IN). */
tc_err_t chat_rq_begin(tc_chat_t *c, tc_chat_endpoint_t ep, const chat_target_t *t, size_t off, size_t len);
/* The answer as a JSON document (tokens on the caller's stack; a value that
 * is not an object has no members). */
bool chat_answer_doc(tc_chat_t *c, tc_json_doc_t *d, tc_json_tok_t *tok);
/* TC_OK when s (if present) is one JSON value whose first byte is `first` (0: any). */
tc_err_t chat_check_json(tc_slice_t s, char first);

#endif /* TC_CHAT_INT_H */

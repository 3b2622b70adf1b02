/*
 * tc_chat.h — one Trigger.dev chat session: the embedded TriggerChatTransport.
 *
 * A tc_chat_t is a non-blocking state machine (protocol.md §6, §7.1). It owns
 * no thread, no timer and no heap: the application places the struct and its
 * buffers (tc_chat_bufs_t), gives it two byte transports (port/port.h: one for
 * the long-lived GET .out, one for every other request) and calls
 * tc_chat_step(chat, now_ms) whenever a socket is ready or the deadline from
 * tc_chat_next_deadline() has passed. Everything the chat has to say comes
 * through ONE event callback (tc_chat_event_t).
 *
 * Operations (tc_chat_send_text, tc_chat_stop, ...) never do I/O themselves:
 * they validate their input, copy what they need into the chat's buffers and
 * return at once; the work happens in the next tc_chat_step. Each returns
 * TC_OK, or a named error that leaves the chat as it was (bad JSON, a message
 * too large for the request buffer, TC_ERR_BUSY while another send is
 * outstanding, TC_ERR_SESSION_CLOSED once closed). The check is on the body:
 * the request head (URL, token, cfg->headers, what a request hook adds) is
 * written when the request goes out, and a head that does not fit beside the
 * body then ends the send in MESSAGE_SEND_FAILED (TC_ERR_HTTP_REQUEST_TOO_LONG,
 * nothing sent): size the request buffer for the longest message plus the
 * head. One append is in flight
 * at a time (unlike the JS transport, a stop during a steering append is
 * TC_ERR_BUSY until that append ends). Operations may be called from inside
 * the event callback, except tc_chat_deinit.
 *
 * Headers: cfg->headers go on every .in/.out request; a name the chat writes
 * itself (Authorization, X-Part-Id, ...) is skipped, so the chat's value
 * always wins (4.8.3 lets an extra header override Authorization on GET .out;
 * this does not). Sends retry 5xx, 429, 408 and network failures with the
 * same X-Part-Id up to backoff.send_retries times (4.8.3 surfaces them at
 * once; protocol.md §6.3 allows the retry; a 408 is what some servers send
 * before closing an idle kept-alive connection).
 *
 * Time: every deadline is in the caller's monotonic milliseconds (the now_ms
 * of tc_chat_step). Operations count from the time of the last step, so call
 * tc_chat_step once right after init. Wall-clock time is optional:
 * tc_chat_set_unix_time lets the chat honour `x-ratelimit-reset` (Unix ms) on 429 and a JWT's `exp`; without
 * it a 429 waits Retry-After (or the backoff) and the proactive refresh uses
 * the token's lifetime (exp - iat) counted from when it arrived (so does it
 * when the clock lies outside the token's [iat - 5 min, exp): a clock set
 * wrong must not make every fresh token look expired; a fresh token with no
 * iat and a clock at or past its exp gets no proactive refresh, its 401
 * asks). A 429 never
 * waits less than the backoff (a reset in the past, Retry-After: 0); one
 * asking for more than 60 s fails the send at once (TC_ERR_RATE_LIMITED,
 * status 429) rather than holding the chat busy that long.
 *
 * Sessions: a session is started and its token refreshed through two
 * ASYNCHRONOUS providers (§2.1): the chat asks (cfg->start_session /
 * cfg->access_token) and the application answers later with
 * tc_chat_provide_session / tc_chat_provide_token / tc_chat_provide_failed.
 * Two built-in providers do it over HTTP on the request connection:
 * TC_CHAT_AUTH_BACKEND (the app's own backend, a per-device key header) and
 * TC_CHAT_AUTH_DIRECT (POST /api/v1/sessions with a secret key; DEVELOPMENT
 * ONLY — never ship a secret key in firmware). A transient failure of their
 * request (the network or TLS, also as the connection opens, a timeout,
 * 408, 429, 5xx) is asked again after the
 * backoff, up to backoff.send_retries times, as an append is (beyond 4.8.3,
 * which surfaces it); a refusal (401, 403, 4xx, a bad answer) stands. They
 * live in chat_provider.c and are reached only through cfg->auth, so firmware
 * that answers the callbacks itself links none of their code. A CALLBACK
 * question unanswered after cfg->provider_ms (60 s; 4.8.3 waits for ever,
 * a device must not) fails with TC_ERR_TIMEOUT: AUTH_FAILED, and the send
 * (or .out) waiting for it fails as after a refusal; it is not asked again
 * until something needs a token anew (the app's first call may still run).
 *
 * Connections: the request connection is kept alive between requests to
 * the same host, port and TLS (the name stands as two independent 32-bit
 * hashes, never copied; .out closes its own after each response). A kept
 * connection that shows anything while idle (bytes past the last response,
 * the server's close, an error) is closed by the next tc_chat_step (so a
 * loop sleeping on its sockets is not woken by it again) and the next
 * request goes out on a fresh one, silently: such bytes are never read as its answer. One that fails as the request goes out,
 * before an answer byte, is sent again once on a fresh connection. The
 * transport's open gets the exchange's time as its DNS + connect +
 * handshake bound: header_ms on .out, request_ms for the rest.
 *
 * Persistence: the session record (token, .out cursor, active input seq,
 * isStreaming, closed + reason, the assistant message id and pending tool
 * calls, the stop gate, the part id of a send whose outcome is unknown) is
 * written through cfg->kv when set, and always offered in a
 * TC_CHAT_EV_SESSION_CHANGED event (encoded bytes + decoded view). It is
 * written when the state changes at turn boundaries, before a send's first
 * attempt goes out (with new content: its part id) and as a cursor
 * checkpoint at most every cfg->checkpoint_ms, never per chunk. A write the
 * store refuses is reported (SESSION_CHANGED's err) and tried again at the
 * next checkpoint.
 *
 * Resume replays an interrupted turn from its first chunk (4.8.3 semantics,
 * §6.1: the record holds the cursor of the turn's start; a turn read in
 * watch mode too, from its first data or control record to its
 * turn-complete, as 4.8.3's turnStart; between turns the record follows the
 * cursor, trims included). The record also
 * keeps a "delivered" mark (the highest seq handed to the app, checkpointed
 * like the cursor), and chunks at or below it carry `replayed`: a display or
 * a speech engine can skip what it already showed (up to one checkpoint
 * interval may repeat after a power cut). A long text delta, delivered in
 * fragments of one record, counts as delivered with its last fragment; if
 * the connection drops in its middle (or .out is reopened there, by the
 * next message), the reconnect asks for that record again and only the
 * part not yet shown is handed out (as CHUNK/TEXT events whose delta starts
 * where the shown part ended). The record keeps that progress too (written
 * by tc_chat_deinit and the checkpoints): after a restore the record comes
 * again with the part shown before the restart marked `replayed` (so a
 * rebuilt message is whole) and only the rest as new text; a power cut
 * repeats what was shown after the last checkpoint.
 * Such a record counts for the retry budgets once it is whole; each
 * fragment restarts the stall timer.
 *
 * .out, beyond 4.8.3: each record of an S2 batch is handed out as the batch
 * streams and the cursor moves per whole record, so a drop inside a batch
 * resumes after its last whole record (protocol.md §8 scenario 3); 4.8.3
 * parses a batch only once its SSE event is complete and resumes after the
 * last whole batch, fetching the cut batch's records again. A 401/403 on a
 * reconnect after a drop mid-stream refreshes the token and resumes (4.8.3
 * fails the stream there; protocol.md §6.2). Both show in the wire parity
 * test against 4.8.3 (tests/e2e/parity.test.mjs).
 *
 * Tokens never appear in an event other than SESSION_CHANGED's record, and
 * never in a log.
 *
 * A device's loop, in short:
 *
 *   static tc_chat_t chat;  static tc_chat_bufs_t bufs;
 *   static const tc_chat_config_t cfg = { .task_id = "my-chat",
 *     .auth = TC_CHAT_AUTH_BACKEND, .start_url = "https://app/chat/start",
 *     .token_url = "https://app/chat/token", .device_key_header = "X-Device-Key",
 *     .device_key = KEY, .random = rng, .kv = { &kv_ops, &kv_ctx },
 *     .on_event = on_event };
 *   tc_chat_init(&chat, &cfg, "c1", out_net, req_net, &bufs);
 *   tc_chat_step(&chat, now());
 *   if (tc_chat_restore(&chat, NULL, 0) == TC_OK) tc_chat_resume(&chat);
 *   tc_chat_send_text(&chat, "hi", 2, NULL);
 *   for (;;) { tc_chat_step(&chat, now()); wait_for(sockets, tc_chat_next_deadline(&chat)); }
 *
 *   on_event: TC_CHAT_EV_TEXT -> show ev->text (skip when ev->replayed);
 *             TC_CHAT_EV_TURN_COMPLETE -> the answer is complete;
 *             TC_CHAT_EV_CHUNK (tool-approval-request) -> tc_chat_answer_approval;
 *             TC_CHAT_EV_STREAM_ERROR / MESSAGE_SEND_FAILED -> tell the user.
 */
#ifndef TC_CHAT_H
#define TC_CHAT_H

#include "port.h"
#include "tc_chunk.h"
#include "tc_config.h"
#include "tc_http.h"
#include "tc_kv.h"
#include "tc_outstream.h"
#include "tc_types.h"

/* ------------------------------------------------------------ sizes */

/* Largest public access token (JWT) kept. Server-minted PATs for short chat
 * ids are ~350-500 bytes; a long chat id appears in every scope. */
#ifndef TC_CHAT_TOKEN_MAX
#define TC_CHAT_TOKEN_MAX 768
#endif
/* The request buffer: one .in/append body (kept for retries with the same
 * X-Part-Id), then the request head and the answer. The head never holds the
 * token (it is sent from the session record), so it is ~250-400 bytes. A body
 * may use all but TC_CHAT_ANSWER_MIN bytes (~850 bytes of plain text with the
 * defaults). DIRECT mode reads a whole SessionItem answer (1-2 KiB, with an
 * x-trigger-jwt header line): give it 4 KiB with tc_chat_init_ex.
 * A built-in provider (BACKEND, DIRECT) runs the session start of a first
 * message, and the token refresh after a 401, while that message's body is
 * held: its answer (the token) is read into what is left after the body
 * (header lines first; the answer then takes their place unless chunked),
 * or the start/refresh fails (AUTH_FAILED, TC_ERR_JSON_TOO_BIG) and so
 * does the send. With the defaults a 450-byte token fits behind every
 * message the buffer takes, a TC_CHAT_TOKEN_MAX one behind ~550 bytes of
 * plain text (TC_CHAT_AUTH_CALLBACK has no such limit).
 * The answer's header lines get TC_HTTP_LINE_MAX, or less after a body over
 * request - 1024 bytes (half of what is left): an append's answer with a
 * longer header line (or too many) keeps its status, unread (a 2xx is
 * MESSAGE_SENT without seq, a 401 refreshes, a 5xx retries). */
#ifndef TC_CHAT_REQUEST_MAX
#define TC_CHAT_REQUEST_MAX 1536
#endif
/* Bytes of the request buffer kept free after a body for the head and the
 * answer (status/header lines, then the JSON answer over them). */
#ifndef TC_CHAT_ANSWER_MIN
#define TC_CHAT_ANSWER_MIN 512
#endif
/* The session-closed reason kept (longer reasons are truncated). */
#ifndef TC_CHAT_REASON_MAX
#define TC_CHAT_REASON_MAX 64
#endif
/* The assistant message id (start.messageId) kept for approvals (§4.4). */
#ifndef TC_CHAT_MSGID_MAX
#define TC_CHAT_MSGID_MAX 40
#endif
/* Tool calls remembered per turn (for approvals and tool outputs). */
#ifndef TC_CHAT_TOOLS_MAX
#define TC_CHAT_TOOLS_MAX 2
#endif
#ifndef TC_CHAT_TOOL_ID_MAX
#define TC_CHAT_TOOL_ID_MAX 40     /* toolCallId and approvalId */
#endif
#ifndef TC_CHAT_TOOL_NAME_MAX
#define TC_CHAT_TOOL_NAME_MAX 32
#endif
/* 1: refresh the token shortly before its exp, read from the JWT's claims
 * (beyond the official client, which refreshes only after a 401/403).
 * A refresh refused while nobody waits for it (the provider fails, or a
 * built-in provider's request gives up) is not fatal: AUTH_FAILED comes with
 * source TC_CHAT_SRC_REFRESH, the held token keeps serving, and the refresh
 * is tried again after half of the token's remaining life (at least 5 s),
 * until its exp; after that the next 401/403 asks, as in 4.8.3. A request
 * that meets a 401/403 while such a refresh is out waits for its answer, and
 * a refusal then fails that request as usual (source NONE).
 * 0: only the 401/403 refresh; ~0.6 KB less flash in the chat, and
 * tc_jwt_times (~0.35 KB) is no longer linked. */
#ifndef TC_CHAT_PROACTIVE_REFRESH
#define TC_CHAT_PROACTIVE_REFRESH 1
#endif
/* jsmn tokens for an answer (append, session start, token, JWT claims);
 * placed on the stack of tc_chat_step (16 bytes each). */
#ifndef TC_CHAT_ANSWER_TOKENS
#define TC_CHAT_ANSWER_TOKENS 48
#endif

/* ------------------------------------------------------------ session record */

/* The persisted record, in the layout it is stored in (session.c): a fixed
 * header, fixed-size string slots, the token, then a CRC-32. The chat keeps
 * its strings here, so sealing it for storage copies nothing. */
typedef struct tc_chat_tool {
  char call_id[TC_CHAT_TOOL_ID_MAX];
  char approval_id[TC_CHAT_TOOL_ID_MAX];
  char name[TC_CHAT_TOOL_NAME_MAX];
} tc_chat_tool_t;

typedef struct tc_session_rec {
  /* header, little-endian when stored */
  uint8_t magic[4];            /* "TCS" + version */
  uint8_t flags;               /* TC_SESS_F_* */
  uint8_t reason_len;
  uint8_t msgid_len;
  uint8_t tools_dynamic;       /* bit i: tool i is a dynamic tool */
  uint16_t token_len;
  uint16_t slots;              /* checksum of the slot sizes (foreign layout) */
  uint32_t chat_hash;          /* CRC-32 of the chat id (foreign chat) */
  uint64_t cursor;             /* .out lastEventId (valid with F_CURSOR) */
  uint64_t in_seq;             /* activeInputSeq (valid with F_IN_SEQ) */
  uint64_t shown;              /* highest seq delivered to the app (valid with F_SHOWN) */
  char reason[TC_CHAT_REASON_MAX];
  char msgid[TC_CHAT_MSGID_MAX];
  tc_chat_tool_t tools[TC_CHAT_TOOLS_MAX];
  /* version 2: a long delta's record half shown (delivered in fragments,
   * not yet whole): its seq_num and the bytes of its text shown (0: none) */
  uint64_t frag_seq;
  uint32_t frag_shown;
  /* version 3: a send whose outcome the chat did not learn (a reboot or a
   * power cut during its append, or MESSAGE_SEND_FAILED after an attempt
   * that may have reached the server): a CRC-32 of what it sent (0: none)
   * and the random bytes of its X-Part-Id. The next send of the same content
   * reuses that part id, so the server's dedupe drops a second copy. */
  uint32_t pend_hash;
  /* version 3: the stop gate's input seq (with TC_SESS_F_GATE) */
  uint64_t gate_seq;
  uint8_t pend_part[16];
  char token[TC_CHAT_TOKEN_MAX + 4]; /* + the CRC-32 right after the token */
} tc_session_rec_t;

#define TC_SESS_F_CURSOR     0x01u
#define TC_SESS_F_IN_SEQ     0x02u
#define TC_SESS_F_STREAM_SET 0x04u  /* isStreaming was recorded */
#define TC_SESS_F_STREAMING  0x08u
#define TC_SESS_F_CLOSED     0x10u
#define TC_SESS_F_REASON_CUT 0x20u  /* the reason was truncated */
#define TC_SESS_F_SHOWN      0x40u
/* the stop gate is armed (gate_seq: the stopped input's seq); while a turn
 * streams, as it was when the turn began (like the cursor) */
#define TC_SESS_F_GATE       0x80u

/* Stored size of a sealed record. */
size_t tc_session_size(const tc_session_rec_t *s);
/* Fills the header (magic, slot checksum, chat hash) and writes the CRC-32
 * after the token; unused slot bytes must be zero. Returns the stored size. */
size_t tc_session_seal(tc_session_rec_t *s, uint32_t chat_hash);
/* Checks a record read back into `s` (len bytes): magic, version, slot sizes,
 * chat hash, lengths and CRC. TC_OK, or TC_ERR_KV_CORRUPT for anything
 * corrupt or foreign (the caller then treats the record as absent). A record
 * of an earlier version (2, without gate_seq; 1, also without frag_seq and
 * frag_shown) is accepted and converted in place (its token moved, the new
 * fields zero); a later version is foreign. */
tc_err_t tc_session_open(tc_session_rec_t *s, size_t len, uint32_t chat_hash);

/* ------------------------------------------------------------ JWT claims */

/* Reads the numeric `exp` and `iat` claims (seconds; -1 when absent) from a
 * JWT's payload (base64url between the two dots). The signature is not
 * checked (the server does that). TC_ERR_TOKEN when the token is not three
 * base64url parts or the payload is not a JSON object. Needs no memory beyond
 * a stack buffer for the decoded payload, sized for the longest token the
 * chat keeps: a payload over TC_CHAT_TOKEN_MAX / 4 * 3 bytes (576) is
 * TC_ERR_TOKEN. */
tc_err_t tc_jwt_times(const char *jwt, size_t len, int64_t *exp_s, int64_t *iat_s);

/* ------------------------------------------------------------ configuration */

typedef struct tc_chat tc_chat_t;
typedef struct tc_chat_event tc_chat_event_t;

typedef enum tc_chat_endpoint {
  TC_CHAT_EP_IN = 0,   /* POST .../in/append */
  TC_CHAT_EP_OUT,      /* GET  .../out */
  TC_CHAT_EP_START,    /* session start (backend URL or /api/v1/sessions) */
  TC_CHAT_EP_TOKEN     /* token refresh (backend URL) */
} tc_chat_endpoint_t;

/* What the request hook sees. In the first call `req` is NULL and `url` is
 * the base URL (IN/OUT) or the full URL (START/TOKEN): the hook may point it
 * at another NUL-terminated URL that outlives the request. In the second call
 * `req` is the head being written: the hook may add headers (tc_http_req_*);
 * it must not add those the chat writes itself (Authorization, Content-Type,
 * Accept, X-Part-Id, Last-Event-ID, Timeout-Seconds, X-Peek-Settled). */
typedef struct tc_chat_request {
  tc_chat_endpoint_t endpoint;
  const char *url;
  tc_http_req_t *req;
} tc_chat_request_t;

typedef struct tc_chat_header {
  const char *name;
  const char *value;
} tc_chat_header_t;

/* Who starts sessions and mints tokens. CALLBACK (NULL): cfg->start_session /
 * cfg->access_token. The two built-in providers live in chat_provider.c and
 * are linked only when named here, so an application that brings its own
 * provider carries none of their code. */
typedef struct tc_chat_provider tc_chat_provider_t;
typedef const tc_chat_provider_t *tc_chat_auth_t;
extern const tc_chat_provider_t tc_chat_provider_backend, tc_chat_provider_direct;
#define TC_CHAT_AUTH_CALLBACK ((tc_chat_auth_t)0)
/* built in: the app's backend over HTTP */
#define TC_CHAT_AUTH_BACKEND (&tc_chat_provider_backend)
/* built in: POST /api/v1/sessions, secret key (DEVELOPMENT ONLY) */
#define TC_CHAT_AUTH_DIRECT (&tc_chat_provider_direct)

/* Reconnect/backoff parameters; a zero field takes the official default. */
typedef struct tc_chat_backoff {
  uint32_t base_ms;         /* .out retry base: 1000 (watch mode: 100) */
  uint32_t max_ms;          /* .out retry cap: 5000 */
  uint32_t eof_base_ms;     /* EOF resubscribe base: 100 (cap max_ms) */
  uint8_t eof_budget;       /* EOF resubscribes without a record: 5 */
  uint8_t stall_retries;    /* stalls tolerated: 5 (more is TC_ERR_STALLED; watch: unlimited) */
  uint32_t stall_ms;        /* no decoded record (or fragment of a long delta) for this long: reconnect. 60000 */
  uint32_t header_ms;       /* .out: response headers (connect included) within: 30000 */
  uint32_t request_ms;      /* a whole request/answer (connect included) within: 30000 */
  uint8_t send_retries;     /* 5xx / 429 / network and TLS retries of one append (and
                             * of a built-in provider's request): 4 */
} tc_chat_backoff_t;

typedef struct tc_chat_config {
  /* ---- endpoints */
  const char *base_url;      /* NULL: "https://api.trigger.dev"; one trailing '/' ignored */
  const char *in_url;        /* base for .in/append when not NULL (e.g. an edge proxy) */
  const char *out_url;       /* base for .out when not NULL */
  const char *task_id;       /* the chat.agent task id (required for starting sessions) */
  const char *client_data;   /* JSON object merged into every append's metadata (not close's), or NULL */
  const tc_chat_header_t *headers;   /* extra headers on every .in/.out request */
  size_t header_count;
  tc_err_t (*request_hook)(void *user, tc_chat_t *chat, tc_chat_request_t *r); /* may be NULL */
  uint16_t timeout_seconds;  /* Timeout-Seconds on GET .out: 0 = 120; 1..600 */
  bool watch;                /* read-only watcher: .out stays open across turns */
  tc_chat_backoff_t backoff;

  /* ---- session start / token refresh */
  tc_chat_auth_t auth;
  /* CALLBACK mode: the chat asks; answer later with tc_chat_provide_*. Either
   * may be NULL (no start: the first token comes from access_token; no
   * access_token: a refresh starts the session again). */
  void (*start_session)(void *user, tc_chat_t *chat);
  void (*access_token)(void *user, tc_chat_t *chat);
  /* BACKEND mode: POST start_url {"chatId","taskId","clientData"} ->
   * {"publicAccessToken"}; POST token_url {"chatId"} -> the token as
   * text/plain or {"token"|"publicAccessToken"} (token_url NULL: start again).
   * Both carry "<device_key_header>: <device_key>" when set. */
  const char *start_url;
  const char *token_url;
  const char *device_key_header;
  const char *device_key;
  /* DIRECT mode (development only): Authorization: Bearer <secret_key>. */
  const char *secret_key;
  /* Refresh this long before the token's exp (0: 60000 ms). */
  uint32_t refresh_margin_ms;

  /* ---- platform */
  tc_random_fn random;       /* X-Part-Id, message ids, jitter (required) */
  void *random_ctx;
  tc_kv_t kv;                /* ops NULL: no storage (use the SESSION_CHANGED event) */
  uint32_t checkpoint_ms;    /* minimum interval of cursor checkpoints: 0 = 10000 */

  /* ---- events */
  void (*on_event)(void *user, tc_chat_t *chat, const tc_chat_event_t *ev);
  void *user;

  /* CALLBACK mode: start_session / access_token answered within: 0 = 60000
   * ms, else TC_ERR_TIMEOUT (see Sessions above). (Last: the fields above
   * keep the offsets the code reaches with short loads.) */
  uint32_t provider_ms;
} tc_chat_config_t;

/* ------------------------------------------------------------ events */

typedef enum tc_chat_event_type {
  TC_CHAT_EV_CHUNK = 0,           /* chunk: one UIMessageChunk of the turn */
  TC_CHAT_EV_TEXT,                /* chunk, text: a text-delta (also sent as CHUNK before) */
  TC_CHAT_EV_TURN_COMPLETE,       /* the turn ended: session_in_event_id, settled, since_send_ms */
  TC_CHAT_EV_SESSION_CHANGED,     /* record, record_len, session: persist these bytes; err: cfg->kv's
                                     error when its write failed (tried again at the next checkpoint) */
  TC_CHAT_EV_MESSAGE_SENT,        /* source, part_id, body_bytes, duration_ms, input_seq */
  TC_CHAT_EV_MESSAGE_SEND_FAILED, /* source, part_id, err, status, duration_ms */
  TC_CHAT_EV_STREAM_CONNECTED,    /* resumed, cursor (the Last-Event-ID sent) */
  TC_CHAT_EV_FIRST_CHUNK,         /* chunk, since_send_ms */
  TC_CHAT_EV_RUN_PENDING_VERSION, /* source: START, SEND or UPGRADE */
  TC_CHAT_EV_STREAM_ERROR,        /* err, status: the .out subscription gave up */
  TC_CHAT_EV_SESSION_CLOSED,      /* text: the reason (may be empty); source: SEND, STREAM or START (DIRECT 409) */
  TC_CHAT_EV_RECORD_SKIPPED,      /* err: an oversized or invalid record was skipped */
  TC_CHAT_EV_AUTH_FAILED,         /* err, status: session start or token refresh failed;
                                     source REFRESH: a proactive refresh nobody waited
                                     for, not fatal (the held token still serves) */
  TC_CHAT_EV_STREAM_DECODE_ERROR, /* err (-40..-54): a .out attempt ended on a batch
                                     the decoder cannot get past (framing damaged: not a
                                     record, RECORD_SKIPPED). .out reconnects from the
                                     cursor after the backoff, as after a drop, and keeps
                                     trying (the same batch may come again): one event per
                                     attempt, for the app to count; nothing has given up */
  TC_CHAT_EV__COUNT               /* the number of event types (not an event): size name tables with it */
} tc_chat_event_type_t;

typedef enum tc_chat_source {
  TC_CHAT_SRC_NONE = 0,
  TC_CHAT_SRC_SUBMIT,       /* "submit-message" (also approvals and tool outputs) */
  TC_CHAT_SRC_REGENERATE,   /* "regenerate-message" */
  TC_CHAT_SRC_STEER,        /* sendPendingMessage */
  TC_CHAT_SRC_ACTION,
  TC_CHAT_SRC_STOP,
  TC_CHAT_SRC_CLOSE,        /* trigger "close" */
  TC_CHAT_SRC_START,        /* run-pending-version from a session start */
  TC_CHAT_SRC_SEND,         /* run-pending-version from an append; session-closed by an append */
  TC_CHAT_SRC_UPGRADE,      /* run-pending-version from a control record */
  TC_CHAT_SRC_STREAM,       /* session-closed from .out */
  TC_CHAT_SRC_REFRESH       /* AUTH_FAILED of a proactive refresh nobody waited for: the
                               held token still serves; tried again later (chat_auth.c) */
} tc_chat_source_t;

/* The decoded session state (a view of the record). */
typedef struct tc_chat_session {
  bool has_token;
  bool has_cursor;
  uint64_t cursor;          /* persisted lastEventId (the turn start while a turn is read) */
  bool has_in_seq;
  uint64_t in_seq;          /* activeInputSeq */
  bool has_shown;
  uint64_t shown;           /* the delivered mark (checkpointed) */
  int8_t streaming;         /* isStreaming: -1 unknown, 0, 1 */
  bool closed;
  tc_slice_t closed_reason;
  tc_slice_t message_id;    /* the last assistant start.messageId */
} tc_chat_session_t;

struct tc_chat_event {
  tc_chat_event_type_t type;
  uint64_t now_ms;
  tc_err_t err;
  int status;                 /* HTTP status behind err, 0 if none */
  tc_chat_source_t source;
  const tc_chunk_t *chunk;    /* CHUNK, TEXT, FIRST_CHUNK */
  uint64_t seq;               /* CHUNK, TEXT, RECORD_SKIPPED, TURN_COMPLETE: the record's seq_num */
  tc_slice_t text;            /* TEXT: the delta; SESSION_CLOSED: the reason */
  bool resumed;               /* STREAM_CONNECTED */
  bool has_cursor;            /* STREAM_CONNECTED: cursor sent as Last-Event-ID */
  uint64_t cursor;
  int64_t session_in_event_id; /* TURN_COMPLETE: -1 when absent */
  int64_t input_seq;          /* MESSAGE_SENT, TURN_COMPLETE: the append's seq, -1 unknown */
  bool settled;               /* TURN_COMPLETE: session_in_event_id >= input_seq (onSettled) */
  bool replayed;              /* CHUNK, TEXT, FIRST_CHUNK: seq <= the delivered mark: shown before a resume */
  bool late;                  /* CHUNK, TEXT, FIRST_CHUNK: the rest of an earlier answer whose .out
                                 gave up (STREAM_ERROR mid-turn), read when .out opened again for a
                                 later message. 4.8.3 shows it as the start of the next answer; an
                                 app may show it apart or drop it. From that STREAM_ERROR until the
                                 next turn-complete or `start` chunk; not kept across a restart */
  int64_t since_send_ms;      /* FIRST_CHUNK, TURN_COMPLETE: -1 when no send */
  uint32_t duration_ms;       /* MESSAGE_SENT/FAILED */
  const char *part_id;        /* MESSAGE_SENT/FAILED: the X-Part-Id */
  const char *message_id;     /* MESSAGE_SENT/FAILED: the message's id ("" for stop, action, ...) */
  size_t body_bytes;          /* MESSAGE_SENT/FAILED */
  const uint8_t *record;      /* SESSION_CHANGED: the bytes to store */
  size_t record_len;
  const tc_chat_session_t *session; /* SESSION_CHANGED */
};

/* ------------------------------------------------------------ the chat */

typedef enum tc_chat_state {
  TC_CHAT_NO_SESSION = 0,  /* no token yet */
  TC_CHAT_STARTING,        /* waiting for a session start or token */
  TC_CHAT_IDLE,            /* a session, no turn outstanding */
  TC_CHAT_SENDING,         /* an append is in flight */
  TC_CHAT_STREAMING,       /* a turn (or a watch) is being read from .out */
  TC_CHAT_CLOSED           /* terminal: the session is closed */
} tc_chat_state_t;

/* The default buffers. Each may also be given separately (tc_chat_init_ex). */
typedef struct tc_chat_bufs {
  char record[TC_OUT_RECORD_MAX];   /* .out records; the GET head before the body */
  char out_line[TC_HTTP_LINE_MAX];  /* .out response header lines */
  char request[TC_CHAT_REQUEST_MAX];
} tc_chat_bufs_t;

/* One side of the chat's I/O: a transport plus the HTTP response parser. */
typedef struct tc_chat_conn {
  tc_transport_t net;
  uint8_t phase;            /* chat_conn.c */
  bool open;
  bool reused;              /* this exchange went out on a kept-alive connection */
  bool got_bytes;           /* a response byte arrived */
  bool more;                /* the last pump stopped at its read bound: bytes
                             * may wait below that no socket event announces
                             * (or reopened for a resend: nothing written yet) */
  bool tls;                 /* where it is open (to reopen for a resend): */
  uint8_t seg_cur;          /* the segment being sent */
  uint8_t seg_n;            /* segments queued (a byte within Thumb's 2-byte reach) */
  uint8_t live_seg;         /* see live_len */
  uint16_t seg_off;         /* bytes of it already sent */
  uint16_t port;
  uint16_t host_len;
  const char *host;         /* points into the configured URL */
  uint32_t host_key, host_crc; /* which host:port:tls is open (keep-alive reuse, chat_conn.c) */
  uint32_t open_ms;         /* the transport's connect timeout (tc_chat_init) */
  const uint16_t *live_len; /* seg[live_seg]'s length, read as it is sent (the session
                             * token's: one adopted while it waits goes whole); NULL none */
  uint16_t seg_len[5];
  const char *seg[5];       /* the request, in order (kept whole for a resend) */
  tc_http_resp_t resp;      /* last: the fields above are the ones used most */
} tc_chat_conn_t;

struct tc_chat {
  /* ---- private: use the functions below. The fields the code uses most
   * come first: Thumb's 2-byte loads and stores reach only the first 32
   * bytes of an object for a byte, 64 for a halfword and 128 for a word
   * (RISC-V's compressed ones: words within 128). The large ones go last. */
  const tc_chat_config_t *cfg;
  int8_t streaming;            /* isStreaming: -1 unknown, 0, 1 */
  bool closed;
  bool has_cursor;             /* the live .out cursor (cursor below) */
  bool has_in_seq;             /* activeInputSeq (in_seq below) */
  bool has_shown;              /* the delivered mark (shown below) */
  bool dirty;                  /* state changed: persist at the end of the step */
  /* stop gate (§6.7) */
  bool gate;                   /* skipToTurnComplete */
  bool start_after;            /* a 404 repair came while a token question was
                                * out: the session start is asked after it */

  /* session start / token refresh */
  struct {
    uint8_t want;              /* 0, AUTH_START, AUTH_TOKEN (chat.c) */
    uint8_t phase;             /* asked the app / request queued / running */
    bool recreate;             /* a 404 repair while watching: reopen .out on success */
    uint8_t retries;           /* a built-in provider's transient failures */
    uint32_t at;               /* a queued request goes out then (chat time) */
  } auth;
  uint16_t req_cap;
  uint16_t rq_ans_off, rq_ans_len; /* the request's answer in req_buf */
  /* the send in progress (the rest is in `send` below; these two are read
   * most, so they sit here) */
  uint8_t send_source;         /* tc_chat_source_t; 0: none */
  uint8_t send_step;           /* chat_send.c */

  /* the .out subscription */
  struct {
    uint8_t phase;             /* chat_out.c */
    bool resumed, peek, settled, connected, first_chunk;
    bool has_since, auth_refreshed;
    uint8_t eof_count, stall_count;
    int16_t verdict_status;
    tc_err_t verdict_err;      /* what a halted callback decided (chat_out.c) */
    uint32_t retry_count;
    uint64_t since_in_seq;     /* sinceInSeq of the turn being read */
    uint32_t at;               /* O_WAIT: backoff end; O_CONNECT: header deadline;
                                  O_BODY: stall deadline (low 32 bits of ms) */
    /* a record in fragments (a long delta) not yet whole: its text shown so
     * far, so that its redelivery after a drop shows only the rest (last:
     * chat_out_open clears the fields above, not these). frag_shown is
     * persisted; after a restore frag_run starts at 0: the part shown before
     * the restart comes again marked replayed, the rest as new text. */
    uint32_t frag_shown, frag_pos; /* bytes shown; bytes of this delivery seen */
    uint32_t frag_run;             /* bytes handed out since the restore (<= frag_shown counts) */
    uint64_t frag_seq;
  } out;

  uint64_t now;
  uint64_t cursor;
  uint64_t in_seq;
  uint64_t shown;
  int64_t unix_offset;         /* unix_ms - now_ms; INT64_MIN unknown */
  uint32_t refresh_at;         /* proactive refresh deadline; 0 none */
  uint32_t token_end;          /* the held token's exp on the chat clock, as last planned; 0 unknown */
  uint32_t rq_at;              /* the request's deadline (while rc is busy) */
  uint32_t last_persist;
  uint32_t last_send_at;       /* the last turn-producing send; 0 none */
  char *req_buf;
  uint32_t chat_hash;
  uint16_t rec_cap, out_line_cap;
  char *rec_buf, *out_line;
  const char *chat_id;
  bool abandoned;              /* stop gate: outstandingTurnAbandoned */
  bool late;                   /* .out gave up mid-turn: its rest, when read, is marked late */
  bool mid_turn;               /* a turn no send of ours began (a watched one, or one read
                                  after a resume without isStreaming) is being read: the record
                                  keeps its start (sess.cursor), as 4.8.3's turnStart */
  uint8_t tool_next;           /* the tool slot to reuse next */
  bool rq_overflow;            /* the request's answer did not fit */
  bool kv_failed;              /* the last record write failed: again at the next checkpoint */
  uint16_t rq_line;            /* the request's header line buffer, before the answer */
  uint64_t superseded_seq;     /* stop gate: supersededInputSeq, 0 unknown */

  /* the send in progress (one at a time; with send_source and send_step) */
  struct tc_chat_send {
    bool refreshed, recreated;
    uint8_t retries;
    uint16_t body_len;         /* the body at request[0..body_len) */
    bool unsaved;              /* its part id is not in the stored record yet */
    uint32_t t0, wait_until;   /* times: the low 32 bits of now_ms (chat_int.h) */
    char part_id[37];
    char msg_id[TC_CHAT_MSGID_MAX + 1]; /* the message sent, "" if none */
  } send;

  tc_session_rec_t sess;       /* token and strings, in their persisted layout */
  tc_chat_conn_t oc;           /* the .out connection */
  tc_chat_conn_t rc;           /* the request connection */
  tc_outstream_t os;
};

/* ------------------------------------------------------------ lifecycle */

/* Prepares `chat` for the conversation `chat_id` (1..256 bytes, not starting
 * with "session_"; the string must outlive the chat, as must cfg). out_net
 * carries GET .out; req_net every other request: two transports (the same
 * one given twice is TC_ERR_CONFIG). No I/O happens here.
 * TC_ERR_ARG for a bad chat id, TC_ERR_CONFIG for a bad configuration (no
 * random source, missing URLs for the auth mode, clientData not an object,
 * timeout_seconds above 600, a backoff time, refresh_margin_ms or
 * checkpoint_ms above 2^31 - 1 ms, a header whose name is not an HTTP token
 * or whose value holds a control byte other than HTAB, or DEL). */
tc_err_t tc_chat_init(tc_chat_t *chat, const tc_chat_config_t *cfg, const char *chat_id,
                      tc_transport_t out_net, tc_transport_t req_net, tc_chat_bufs_t *bufs);
/* The same with separate buffers (record >= 1024, out_line >= 256,
 * request >= 1024 bytes, else TC_ERR_NOSPACE). */
tc_err_t tc_chat_init_ex(tc_chat_t *chat, const tc_chat_config_t *cfg, const char *chat_id,
                         tc_transport_t out_net, tc_transport_t req_net, char *record,
                         size_t record_cap, char *out_line, size_t out_line_cap, char *request,
                         size_t request_cap);
/* Closes both connections and writes a pending record (its SESSION_CHANGED
 * is the only event deinit emits). Nothing is asked any more: a provider
 * answering later gets TC_ERR_STATE (and no event). A send still
 * outstanding ends here WITHOUT a MESSAGE_SENT or MESSAGE_SEND_FAILED
 * event: "every accepted send ends in exactly one of the two" holds up to
 * deinit, not across it. Its outcome is unknown (the append may have
 * reached the server), and an event during teardown would let the callback
 * start a new send that deinit then drops. The app knows which sends it saw
 * no end of and sends them again after the restart: the record kept the
 * part id, so the same content goes out with the same X-Part-Id and the
 * server drops a copy that did arrive (tc_chat_send_text).
 * The chat may be initialised again afterwards. Not from inside the event
 * callback. */
void tc_chat_deinit(tc_chat_t *chat);

/* Does all work that is ready at now_ms and returns without blocking. Always
 * TC_OK: errors of the conversation arrive as events. A now_ms smaller than
 * the last one is treated as the last one (time never goes backwards). Reads
 * at most ~8 KiB per connection per pass (a few passes per call), so a fast
 * stream cannot starve the loop: call again while a socket is readable. A
 * call that stops at that bound leaves tc_chat_next_deadline() at now (the
 * rest may already sit in memory below, where no socket event announces it:
 * decrypted TLS records, records lwIP's raw API queued). */
tc_err_t tc_chat_step(tc_chat_t *chat, uint64_t now_ms);
/* The earliest time tc_chat_step must run again even if no socket is ready
 * (UINT64_MAX: only socket activity or an operation can create work). */
uint64_t tc_chat_next_deadline(const tc_chat_t *chat);
tc_chat_state_t tc_chat_state(const tc_chat_t *chat);
/* The decoded session state (valid until the next call into the chat). */
tc_chat_session_t tc_chat_session(const tc_chat_t *chat);
/* Tells the chat that now_ms corresponds to unix_ms (wall clock). The first
 * time (or when the clock moved by more than a second) the token held is
 * planned for refresh from its exp: a restored token, whose age was unknown,
 * is refreshed at once if it has expired. A unix_ms above INT64_MAX (an RTC
 * read as garbage) is no time: the call changes nothing. */
void tc_chat_set_unix_time(tc_chat_t *chat, uint64_t now_ms, uint64_t unix_ms);

/* ------------------------------------------------------------ operations */

/* Starts the session now (§6.9). TC_OK without any request when a token is
 * held or a start is under way. */
tc_err_t tc_chat_preload(tc_chat_t *chat);
/* Sends a user message (§4.1): `text` (UTF-8, len bytes) as one text part,
 * or `parts_json` (a JSON array of UIMessage parts). metadata_json (an object
 * or NULL) is merged over cfg->client_data (per-message keys win). Starts the
 * session first when needed, then reads the answer from .out.
 * Sending again what the app saw no end of: a send cut by a reboot or power
 * cut, or one that ended in MESSAGE_SEND_FAILED after attempts that may have
 * reached the server, leaves its X-Part-Id in the record (written before its
 * first attempt goes out). Every send (of any kind) of the same content
 * (kind, text or JSON, metadata; a tool answer's also the tool call it
 * answers) reuses it, so within the server's dedupe
 * window (5 minutes, protocol.md §2.4) a copy that did arrive is not a second
 * message (4.8.3 gives each send a new one). After a MESSAGE_SENT the same
 * content is a new message again. */
tc_err_t tc_chat_send_text(tc_chat_t *chat, const char *text, size_t len, const char *metadata_json);
tc_err_t tc_chat_send_parts(tc_chat_t *chat, const char *parts_json, size_t len,
                            const char *metadata_json);
/* A steering message while a turn streams (§4.6): the open .out stays open. */
tc_err_t tc_chat_steer_text(tc_chat_t *chat, const char *text, size_t len, const char *metadata_json);
tc_err_t tc_chat_steer_parts(tc_chat_t *chat, const char *parts_json, size_t len,
                             const char *metadata_json);
/* Regenerates the last answer (§4.2); message_id may be NULL. */
tc_err_t tc_chat_regenerate(tc_chat_t *chat, const char *message_id, const char *metadata_json);
/* Sends a custom action (§4.3): action_json is any JSON value. */
tc_err_t tc_chat_send_action(tc_chat_t *chat, const char *action_json, size_t len,
                             const char *metadata_json);
/* Answers tool-approval-requests seen on .out (§4.4) in ONE append: the
 * slim assistant message with the turn's start.messageId and one
 * approval-responded part per answer (the tool's name and call id), in the
 * order given. When a step asks for several approvals, answer them all in
 * one call: the agent continues on the first append it gets, and a tool
 * call left unanswered then has no result (the real chat.agent's next step
 * sees it missing, and a later answer to it is a turn with nothing to do).
 * 4.8.3 with the AI SDK's addToolApprovalResponse and sendAutomaticallyWhen:
 * lastAssistantMessageIsCompleteWithApprovalResponses sends this one submit
 * once every approval is answered. reason may be NULL (none). n is 1 to
 * TC_CHAT_TOOLS_MAX; TC_ERR_ARG when n is out of range, an approval id is
 * unknown or one tool is answered twice; TC_ERR_STATE when its message id
 * or tool name was not kept. The answers are read during the call only. */
typedef struct tc_chat_approval {
  const char *approval_id;
  bool approved;
  const char *reason;
} tc_chat_approval_t;
tc_err_t tc_chat_answer_approvals(tc_chat_t *chat, const tc_chat_approval_t *answers, size_t n);
/* One answer: tc_chat_answer_approvals with n = 1. */
tc_err_t tc_chat_answer_approval(tc_chat_t *chat, const char *approval_id, bool approved,
                                 const char *reason);
/* Supplies a client-side tool's output (HITL, state output-available). */
tc_err_t tc_chat_add_tool_output(tc_chat_t *chat, const char *tool_call_id, const char *output_json,
                                 size_t len);
/* Stops the current generation (§6.7): appends {"kind":"stop"}; on success
 * closes .out, clears isStreaming and arms the stop gate if a turn was
 * outstanding. Works after a resume too. The gate is kept in the record
 * (beyond 4.8.3, whose gate lives in memory): after a reboot the stopped
 * turn's rest does not show as the next answer either. TC_ERR_NO_SESSION
 * without a token. */
tc_err_t tc_chat_stop(tc_chat_t *chat);
/* Disarms the stop gate (clearSupersedeGate). */
void tc_chat_clear_stop_gate(tc_chat_t *chat);
/* Asks the agent to close the conversation (trigger "close", AgentChat):
 * {"kind":"message","payload":{"chatId","trigger":"close"}}, without
 * cfg->client_data (as AgentChat.close() sends it, §4.7). */
tc_err_t tc_chat_send_close(tc_chat_t *chat);

/* Loads the persisted record (from cfg->kv, or `rec`/`len` when rec is not
 * NULL). A corrupt or foreign record, or one the chat would never write (no
 * token, a token or tool slot it would not accept), counts as absent:
 * TC_ERR_KV_CORRUPT;
 * TC_ERR_KV_NOT_FOUND when there is none; a store error as the store gave it.
 * On any error the chat is fresh. TC_ERR_BUSY (and nothing changed) while
 * work is under way: a send, a session start or token request, or .out open. */
tc_err_t tc_chat_restore(tc_chat_t *chat, const void *rec, size_t len);
/* Reconnects to the stream after a reboot (§6.8): no request at all when the
 * record says isStreaming false (TC_OK, state IDLE); X-Peek-Settled only when
 * no send is outstanding: no input seq known, no send in flight and
 * isStreaming not true (4.8.3 also peeks while streaming when the append
 * gave no seq; the peek can race the turn's first chunk, §5.6).
 * TC_ERR_NO_SESSION without a record, TC_ERR_SESSION_CLOSED when closed,
 * TC_ERR_BUSY when .out is already open. */
tc_err_t tc_chat_resume(tc_chat_t *chat);
/* Opens the read-only standing subscription (requires cfg->watch). */
tc_err_t tc_chat_watch(tc_chat_t *chat);

/* Answers cfg->start_session: the token (and the pendingVersion flag).
 * Either provide_session or provide_token answers either question (both
 * yield a token). TC_ERR_STATE when nothing was asked, or the question
 * timed out (cfg->provider_ms) or the session closed meanwhile: a late
 * answer changes nothing (if the chat has asked again meanwhile, it
 * answers that question). TC_ERR_TOKEN for a token that is empty, longer
 * than TC_CHAT_TOKEN_MAX or not JWT characters (the question then fails
 * as with provide_failed). */
tc_err_t tc_chat_provide_session(tc_chat_t *chat, const char *token, size_t len, bool pending_version);
/* Answers cfg->access_token with a fresh token. */
tc_err_t tc_chat_provide_token(tc_chat_t *chat, const char *token, size_t len);
/* The start or refresh failed (why: any tc_err_t, e.g. TC_ERR_AUTH). */
tc_err_t tc_chat_provide_failed(tc_chat_t *chat, tc_err_t why);

#endif /* TC_CHAT_H */

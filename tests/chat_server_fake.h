/*
 * chat_server_fake.h — an in-memory Sessions server (protocol.md §2.4, §2.5,
 * §5, §7.3) behind the scripted transports of chat_fake: it reads the
 * requests the chat actually writes (POST .../in/append, GET .../out) and
 * answers them as the real server does: X-Part-Id dedupe (a retried append is
 * not a new message), seq per channel, tokens that expire and can be revoked
 * (401), 404 once the session is gone, 409 session_closed once closed,
 * Last-Event-ID, X-Peek-Settled, S2 `batch` events, `[DONE]` at the end of
 * the wait window. An agent answers each user message with one turn (start,
 * text deltas with multi-byte UTF-8 and JSON escapes, sometimes one delta
 * longer than the chat's record buffer, finish, a turn-complete control
 * record carrying session-in-event-id and a fresh token, a trim command).
 *
 * The server's bytes reach the chat only when the schedule serves them
 * (srv_drip), so a test decides where each response is cut, stalls or
 * ends. Its state outlives the chat's reboots (it is the server).
 * Tests include chat_server_fake.c after chat_fake.c.
 */
#ifndef CHAT_SERVER_FAKE_H
#define CHAT_SERVER_FAKE_H

#include "chat_fake.h"

#define SRV_TURNS_MAX 40
#define SRV_RECS_MAX 600
#define SRV_ARENA_MAX (256 * 1024)
#define SRV_TEXT_MAX 2600
#define SRV_IN_MAX 64
#define SRV_TOKENS_MAX 200
#define SRV_TX_MAX 16384
#define SRV_UNIX0 1761820000000ull /* the server's Unix ms at w->now == 0 */
#define SRV_TOKEN_LIFE_S 3600

enum { SR_DATA = 0, SR_TEXT, SR_TC, SR_TRIM, SR_CLOSED };

typedef struct srv_rec {
  uint32_t off, len;  /* its JSON object in the arena */
  uint64_t seq;
  uint16_t turn;
  uint8_t epoch, kind;
  uint32_t text_off, text_len; /* SR_TEXT: its delta within the turn's text */
} srv_rec_t;

typedef struct srv_turn {
  uint8_t epoch;
  uint64_t in_seq;     /* the .in seq it answers (session-in-event-id) */
  int msg;             /* the app's message number (-1: unknown) */
  char text[SRV_TEXT_MAX];
  uint32_t text_len;
  bool stopped;        /* cut by a stop (its text is what was published) */
} srv_turn_t;

typedef struct srv_in {  /* one .in record */
  uint8_t epoch;
  uint64_t seq;
  int msg;
  char part[40];
} srv_in_t;

typedef struct srv_token {
  uint64_t exp_ms;     /* server time (w->now) it expires */
  bool revoked;
} srv_token_t;

/* One of the chat's two connections as the server sees it. */
typedef struct srv_conn {
  fake_net_t *net;
  bool is_out;
  bool frozen;         /* the server says nothing more on this connection */
  bool dead;           /* cut or ended: nothing more until the chat reopens */
  long cut_left;       /* armed: cut after this many more bytes (-1 none) */
  bool cut_rst;        /* the cut is a reset (else a clean EOF) */
  int fault_status;    /* armed: answer the next request with this (0 none) */
  bool err_event;      /* armed (.out): an SSE error event, then the end */
  char tx[SRV_TX_MAX]; /* the response bytes not yet served */
  size_t tx_len, tx_pos;
  bool close_after;    /* the response ends with the connection */
  /* .out */
  bool streaming, settled;
  uint8_t epoch;
  int next;            /* the next record index to send */
  uint64_t window_end;
} srv_conn_t;

typedef struct srv {
  world_t *w;
  srv_conn_t req, out;
  char arena[SRV_ARENA_MAX];
  uint32_t arena_len;
  srv_rec_t recs[SRV_RECS_MAX];
  int nrecs, pub;      /* records written; published (visible) so far */
  srv_turn_t turns[SRV_TURNS_MAX];
  int nturns;
  srv_in_t in[SRV_IN_MAX];
  int nin;
  srv_token_t tokens[SRV_TOKENS_MAX];
  int ntokens;
  uint8_t epoch;       /* the session's incarnation (a 404 ends one) */
  bool alive;          /* the session row exists */
  bool closed;         /* 409 session_closed from now on */
  bool seq_on_dup;     /* a deduplicated append answers its seq (newer servers) */
  uint64_t in_next, out_next;
  int64_t last_tc_seq; /* the previous turn-complete (the trim points at it) */
  int64_t prev_tc_seq; /* the one before (a stop writes the last one again) */
  uint32_t rnd;        /* the agent's text */
  int requests;        /* requests read */
  int answered_409;
  int auth_refused;    /* 401/403 answered on .in */
  int auth_refused_out; /* on .out */
  int n404, n429;      /* 404 answered; 429 with a reset beyond the chat's wait */
  /* per X-Part-Id counters for the oracle: the last request's */
  char last_part[40];
  char err[256];       /* the first protocol violation seen by the server */
  void (*on_log)(void *user, const char *line); /* what the server does (may be NULL) */
  void *log_user;
} srv_t;

void srv_init(srv_t *s, world_t *w, uint32_t seed);
/* The transports to give the chat (the fake's, with the server told of each
 * open and close). */
tc_transport_t srv_transport(srv_t *s, bool out);
/* Reads the requests the chat has written, lets the agent publish, and
 * prepares what each connection says next. */
void srv_pump(srv_t *s);
/* Serves up to n bytes on the connection (a cut armed on it may happen). */
void srv_drip(srv_t *s, srv_conn_t *k, size_t n);
/* The agent publishes up to n more records. */
void srv_publish(srv_t *s, int n);
/* Bytes or records the server would still send without a fault. */
bool srv_busy(const srv_t *s);
/* Mints a token (the app's backend, asked by a provider callback); starts
 * the session when it does not exist. Returns the token (static). */
const char *srv_mint(srv_t *s, bool start);
void srv_revoke_all(srv_t *s);
/* The turn that record (epoch, seq) belongs to; -1 none. kind gets its kind. */
int srv_find(const srv_t *s, uint8_t epoch, uint64_t seq, int *kind, uint32_t *text_off);
/* .in records of the app's message m, across incarnations. */
int srv_copies(const srv_t *s, int m);
/* The session closes: appends answer 409, .out carries session-closed. */
void srv_close_session(srv_t *s);
/* Ends the session's incarnation (the next append answers 404). */
void srv_destroy(srv_t *s);

#endif /* CHAT_SERVER_FAKE_H */

/*
 * chat_fake.h — test support for the chat: a scripted in-memory transport
 * (captures every byte the client sends; serves the bytes, EOFs, resets and
 * silence a test queues), a RAM key-value store, a deterministic random
 * source, an event recorder, and builders for S2 SSE batches.
 *
 * Tests drive time by hand (w->now) and never sleep.
 */
#ifndef CHAT_FAKE_H
#define CHAT_FAKE_H

#include "tc_chat.h"

#ifdef TC_TEST_EMBEDDED /* the emulated board has 4 MiB of RAM */
#define FAKE_SENT_MAX 4096
#define FAKE_INBOX_MAX 4096
#else
#define FAKE_SENT_MAX 16384
#define FAKE_INBOX_MAX 16384
#endif

typedef struct fake_net {
  char sent[FAKE_SENT_MAX];   /* bytes sent since the last fake_take */
  size_t sent_len;
  char inbox[FAKE_INBOX_MAX]; /* bytes queued for recv */
  size_t in_len, in_pos;
  int eof_after;              /* 1: recv returns EOF once the inbox is empty */
  tc_err_t fail_after;        /* != 0: recv returns this once the inbox is empty */
  tc_err_t open_err;          /* next open fails with this */
  bool connected;
  int opens, closes;
  char host[64];
  uint16_t port;
  bool tls;
  size_t recv_max;            /* bytes per recv call (0: 512) */
} fake_net_t;

extern const tc_transport_ops_t fake_net_ops;
void fake_reply(fake_net_t *n, const char *bytes);
void fake_reply_n(fake_net_t *n, const char *bytes, size_t len);
void fake_eof(fake_net_t *n);
/* Copies the captured bytes into out (NUL-terminated) and clears them. */
const char *fake_take(fake_net_t *n);

/* ---- RAM kv */
typedef struct fake_kv {
  char key[16];
  uint8_t val[2048];
  size_t len;
  bool has;
  int sets;
} fake_kv_t;
extern const tc_kv_ops_t fake_kv_ops;

/* ---- events */
#define EV_MAX 512
typedef struct ev_rec {
  tc_chat_event_type_t type;
  tc_err_t err;
  int status;
  tc_chat_source_t source;
  uint64_t seq;
  int64_t sie, input_seq, since;
  bool settled, resumed, has_cursor, replayed, late;
  uint64_t cursor;
  tc_chunk_type_t chunk;
  char text[128];
  size_t text_len;             /* the whole text's length (text holds its start) */
} ev_rec_t;

/* ---- the world: one chat and its fakes */
typedef struct world {
  tc_chat_t chat;
  tc_chat_bufs_t bufs;
  tc_chat_config_t cfg;
  fake_net_t out, req;
  fake_kv_t kv;
  uint64_t now;
  uint32_t rnd;
  ev_rec_t ev[EV_MAX];
  int nev;
  int starts, tokens;               /* provider calls (CALLBACK mode) */
  const char *auto_token;           /* answer providers at once with this */
  char req_text[FAKE_SENT_MAX + 1]; /* last fake_take */
  char shown[8192];                 /* every TEXT event not marked replayed, joined */
  size_t shown_len;
} world_t;

void w_init(world_t *w, const char *chat_id);
void w_step(world_t *w);
void w_advance(world_t *w, uint64_t ms);
int w_count(const world_t *w, tc_chat_event_type_t t);
const ev_rec_t *w_last(const world_t *w, tc_chat_event_type_t t);
const char *w_take_req(world_t *w);
const char *w_take_out(world_t *w);
void w_random(void *ctx, uint8_t *buf, size_t n);

/* ---- response and SSE builders (static buffers: copy before reuse) */
typedef struct sse_b {
  char buf[FAKE_INBOX_MAX];
  tc_buf_t b;
  bool first;
} sse_b_t;
void sse_begin(sse_b_t *s);
void sse_data(sse_b_t *s, uint64_t seq, const char *chunk_json, const char *env_id);
void sse_control(sse_b_t *s, uint64_t seq, const char *headers_json);
void sse_trim(sse_b_t *s, uint64_t seq);
const char *sse_end(sse_b_t *s);     /* closes the batch event; returns the text */
const char *sse_head(bool settled);  /* 200 text/event-stream, close-delimited */
const char *json_resp(int status, const char *body);

#endif /* CHAT_FAKE_H */

/* ---- scenario helpers */
#define TOK1 "eyJhbGciOiJIUzI1NiJ9.eyJleHAiOjE3NjE4MjM2MDAsImlhdCI6MTc2MTgyMDAwMH0.sigT1"
#define TOK2 "eyJhbGciOiJIUzI1NiJ9.eyJleHAiOjE3NjE4MjcyMDAsImlhdCI6MTc2MTgyMzYwMH0.sigT2"
/* Gives the chat a session with TOK1 (CALLBACK provider answered). */
void w_session(world_t *w);
/* Answers the pending append with 200 {"ok":true,"seq":seq} (seq < 0: no seq). */
void w_append_ok(world_t *w, long seq);
/* Sends "hi" and answers the append with seq; the GET .out is then captured. */
void w_turn(world_t *w, long seq);
/* Value of header `name` in the last taken request ("" when absent). */
const char *w_header(const world_t *w, const char *name);
bool w_has(const world_t *w, const char *needle);

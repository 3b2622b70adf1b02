/* chat_fake.c — see chat_fake.h. Included by the chat test files. */
#include <stdio.h>
#include <string.h>

#include "chat_fake.h"
#ifdef CHAT_FAKE_ABORT_ON_SPIN /* the fuzzers: a spin is a finding */
#include <stdlib.h>
#define SPIN_FAIL() abort()
#else
#include "tc_test.h"
#define SPIN_FAIL() tc_test_fail(__FILE__, __LINE__, "the chat spins: next_deadline stays at now")
#endif
#include "tc_json.h"

static tc_err_t fk_open(void *ctx, const char *host, uint16_t port, bool tls, uint32_t timeout_ms)
{
  fake_net_t *n = ctx;
  (void)timeout_ms;
  n->opens++;
  if (n->open_err) {
    tc_err_t e = n->open_err;
    n->open_err = TC_OK;
    return e;
  }
  snprintf(n->host, sizeof n->host, "%s", host);
  n->port = port;
  n->tls = tls;
  n->connected = true;
  return TC_OK;
}

static int32_t fk_send(void *ctx, const uint8_t *buf, size_t len)
{
  fake_net_t *n = ctx;
  if (!n->connected) return TC_ERR_NET_CLOSED;
  if (len > FAKE_SENT_MAX - n->sent_len) len = FAKE_SENT_MAX - n->sent_len;
  memcpy(n->sent + n->sent_len, buf, len);
  n->sent_len += len;
  return (int32_t)len;
}

static int32_t fk_recv(void *ctx, uint8_t *buf, size_t len)
{
  fake_net_t *n = ctx;
  size_t avail = n->in_len - n->in_pos, max = n->recv_max ? n->recv_max : 512;
  if (!n->connected) return TC_ERR_NET_CLOSED;
  if (avail == 0) {
    if (n->eof_after) {
      n->eof_after = 0;
      n->in_len = n->in_pos = 0;
      return TC_ERR_NET_EOF;
    }
    if (n->fail_after) {
      tc_err_t e = n->fail_after;
      n->fail_after = TC_OK;
      n->in_len = n->in_pos = 0;
      return e;
    }
    return 0;
  }
  if (len > avail) len = avail;
  if (len > max) len = max;
  memcpy(buf, n->inbox + n->in_pos, len);
  n->in_pos += len;
  return (int32_t)len;
}

static size_t fk_pending(void *ctx)
{
  fake_net_t *n = ctx;
  return n->in_len - n->in_pos;
}

static void fk_close(void *ctx)
{
  fake_net_t *n = ctx;
  if (n->connected) n->closes++;
  n->connected = false;
  n->in_len = n->in_pos = 0; /* the rest of that connection's bytes are gone */
  n->eof_after = 0;
  n->fail_after = TC_OK;
}

const tc_transport_ops_t fake_net_ops = { fk_open, fk_send, fk_recv, fk_pending, fk_close };

void fake_reply_n(fake_net_t *n, const char *bytes, size_t len)
{
  if (n->in_pos == n->in_len) n->in_pos = n->in_len = 0;
  if (len > FAKE_INBOX_MAX - n->in_len) len = FAKE_INBOX_MAX - n->in_len;
  memcpy(n->inbox + n->in_len, bytes, len);
  n->in_len += len;
}

void fake_reply(fake_net_t *n, const char *bytes) { fake_reply_n(n, bytes, strlen(bytes)); }
void fake_eof(fake_net_t *n) { n->eof_after = 1; }

/* ---- kv */
static tc_err_t kv_get(void *ctx, const char *key, void *buf, size_t cap, size_t *len)
{
  fake_kv_t *k = ctx;
  if (!k->has || strcmp(k->key, key) != 0) return TC_ERR_KV_NOT_FOUND;
  *len = k->len;
  if (cap < k->len) return TC_ERR_KV_TOO_BIG;
  memcpy(buf, k->val, k->len);
  return TC_OK;
}

static tc_err_t kv_set(void *ctx, const char *key, const void *val, size_t len)
{
  fake_kv_t *k = ctx;
  if (tc_kv_check_key(key) != TC_OK) return TC_ERR_KV_KEY;
  if (len > sizeof k->val) return TC_ERR_KV_TOO_BIG;
  snprintf(k->key, sizeof k->key, "%s", key);
  memcpy(k->val, val, len);
  k->len = len;
  k->has = true;
  k->sets++;
  return TC_OK;
}

static tc_err_t kv_erase(void *ctx, const char *key)
{
  fake_kv_t *k = ctx;
  if (k->has && strcmp(k->key, key) == 0) k->has = false;
  return TC_OK;
}

const tc_kv_ops_t fake_kv_ops = { kv_get, kv_set, kv_erase };

/* ---- the world */
void w_random(void *ctx, uint8_t *buf, size_t n)
{
  uint32_t *s = ctx;
  for (size_t i = 0; i < n; i++) {
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    buf[i] = (uint8_t)*s;
  }
}

static void w_event(void *user, tc_chat_t *chat, const tc_chat_event_t *ev)
{
  world_t *w = user;
  ev_rec_t *r;
  (void)chat;
  if (w->nev >= EV_MAX) return;
  r = &w->ev[w->nev++];
  memset(r, 0, sizeof *r);
  r->type = ev->type;
  r->err = ev->err;
  r->status = ev->status;
  r->source = ev->source;
  r->seq = ev->seq;
  r->sie = ev->session_in_event_id;
  r->input_seq = ev->input_seq;
  r->since = ev->since_send_ms;
  r->settled = ev->settled;
  r->replayed = ev->replayed;
  r->late = ev->late;
  r->resumed = ev->resumed;
  r->has_cursor = ev->has_cursor;
  r->cursor = ev->cursor;
  r->text_len = ev->text.len;
  if (ev->type == TC_CHAT_EV_TEXT && !ev->replayed && ev->text.len && ev->text.len <= sizeof w->shown - w->shown_len) {
    memcpy(w->shown + w->shown_len, ev->text.ptr, ev->text.len);
    w->shown_len += ev->text.len;
  }
  if (ev->chunk) r->chunk = ev->chunk->type;
  if (ev->message_id) snprintf(r->text, sizeof r->text, "%s", ev->message_id);
  else if (ev->text.ptr) snprintf(r->text, sizeof r->text, "%.*s", (int)ev->text.len, ev->text.ptr);
  else if (ev->chunk && ev->chunk->type_name.ptr)
    snprintf(r->text, sizeof r->text, "%.*s", (int)ev->chunk->type_name.len, ev->chunk->type_name.ptr);
}

static void w_start_session(void *user, tc_chat_t *chat)
{
  world_t *w = user;
  w->starts++;
  if (w->auto_token) tc_chat_provide_session(chat, w->auto_token, strlen(w->auto_token), false);
}

static void w_access_token(void *user, tc_chat_t *chat)
{
  world_t *w = user;
  w->tokens++;
  if (w->auto_token) tc_chat_provide_token(chat, w->auto_token, strlen(w->auto_token));
}

void w_init(world_t *w, const char *chat_id)
{
  tc_transport_t o, q;
  memset(w, 0, sizeof *w);
  w->rnd = 0x12345678u;
  w->now = 1000;
  w->cfg.base_url = "https://api.example.com";
  w->cfg.task_id = "my-chat";
  w->cfg.random = w_random;
  w->cfg.random_ctx = &w->rnd;
  w->cfg.on_event = w_event;
  w->cfg.user = w;
  w->cfg.start_session = w_start_session;
  w->cfg.access_token = w_access_token;
  w->cfg.kv.ops = &fake_kv_ops;
  w->cfg.kv.ctx = &w->kv;
  o.ops = &fake_net_ops;
  o.ctx = &w->out;
  q.ops = &fake_net_ops;
  q.ctx = &w->req;
  if (chat_id) tc_chat_init(&w->chat, &w->cfg, chat_id, o, q, &w->bufs);
}

/* One turn of a real event loop: step, and step again at once while the
 * chat says something is due now. A chat that keeps saying so without
 * reading anything would spin a real loop: that fails the test. */
void w_step(world_t *w)
{
  int n = 0;
  tc_chat_step(&w->chat, w->now);
  while (tc_chat_next_deadline(&w->chat) <= w->now && n < 64) {
    tc_chat_step(&w->chat, w->now);
    n++;
  }
  if (n == 64) SPIN_FAIL();
}

void w_advance(world_t *w, uint64_t ms)
{
  w->now += ms;
  w_step(w);
}

int w_count(const world_t *w, tc_chat_event_type_t t)
{
  int n = 0;
  for (int i = 0; i < w->nev; i++) n += w->ev[i].type == t;
  return n;
}

const ev_rec_t *w_last(const world_t *w, tc_chat_event_type_t t)
{
  static ev_rec_t none; /* all zero: the checks on it fail, without a crash */
  for (int i = w->nev - 1; i >= 0; i--)
    if (w->ev[i].type == t) return &w->ev[i];
  memset(&none, 0, sizeof none);
  none.type = (tc_chat_event_type_t)-1;
  return &none;
}

static const char *take(world_t *w, fake_net_t *n)
{
  memcpy(w->req_text, n->sent, n->sent_len);
  w->req_text[n->sent_len] = '\0';
  n->sent_len = 0;
  return w->req_text;
}

const char *w_take_req(world_t *w) { return take(w, &w->req); }
const char *w_take_out(world_t *w) { return take(w, &w->out); }

/* ---- builders */
void sse_begin(sse_b_t *s)
{
  s->b = tc_buf_make(s->buf, sizeof s->buf - 1);
  s->first = true;
  tc_buf_puts(&s->b, "event: batch\ndata: {\"records\":[");
}

static void rec_head(sse_b_t *s, uint64_t seq)
{
  if (!s->first) tc_buf_puts(&s->b, ",");
  s->first = false;
  tc_buf_puts(&s->b, "{\"seq_num\":");
  tc_buf_put_u64(&s->b, seq);
  tc_buf_puts(&s->b, ",\"timestamp\":1761820000000");
}

void sse_data(sse_b_t *s, uint64_t seq, const char *chunk_json, const char *env_id)
{
  char body[4096];
  tc_buf_t b = tc_buf_make(body, sizeof body);
  tc_buf_puts(&b, "{\"data\":");
  tc_buf_puts(&b, chunk_json);
  tc_buf_puts(&b, ",\"id\":\"");
  tc_buf_puts(&b, env_id);
  tc_buf_puts(&b, "\"}");
  rec_head(s, seq);
  tc_buf_puts(&s->b, ",\"body\":");
  tc_json_put_str(&s->b, (tc_slice_t){ body, b.len });
  tc_buf_puts(&s->b, "}");
}

void sse_control(sse_b_t *s, uint64_t seq, const char *headers_json)
{
  rec_head(s, seq);
  tc_buf_puts(&s->b, ",\"headers\":");
  tc_buf_puts(&s->b, headers_json);
  tc_buf_puts(&s->b, ",\"body\":\"\"}");
}

void sse_trim(sse_b_t *s, uint64_t seq)
{
  rec_head(s, seq);
  tc_buf_puts(&s->b, ",\"headers\":[[\"\",\"trim\"]],\"body\":\"\\u0000\\u0000\\u0000\\u0000\\u0000\\u0000\\u0000\\u0013\"}");
}

const char *sse_end(sse_b_t *s)
{
  tc_buf_puts(&s->b, "]}\n\n");
  s->buf[s->b.len] = '\0';
  return s->buf;
}

const char *sse_head(bool settled)
{
  return settled ? "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nX-Stream-Version: v2\r\n"
                   "X-Session-Settled: true\r\n\r\n"
                 : "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nX-Stream-Version: v2\r\n\r\n";
}

const char *json_resp(int status, const char *body)
{
  static char buf[4096];
  snprintf(buf, sizeof buf, "HTTP/1.1 %d X\r\nContent-Type: application/json\r\nContent-Length: %lu\r\n\r\n%s",
           status, (unsigned long)strlen(body), body);
  return buf;
}

/* ---- scenario helpers */
void w_session(world_t *w)
{
  w->auto_token = TOK1;
  tc_chat_preload(&w->chat);
  w->auto_token = NULL;
  w_step(w);
}

void w_append_ok(world_t *w, long seq)
{
  char body[64];
  if (seq >= 0) snprintf(body, sizeof body, "{\"ok\":true,\"seq\":%ld}", seq);
  else snprintf(body, sizeof body, "{\"ok\":true}");
  fake_reply(&w->req, json_resp(200, body));
  w_step(w);
}

void w_turn(world_t *w, long seq)
{
  tc_chat_send_text(&w->chat, "hi", 2, NULL);
  w_step(w);
  w_take_req(w);
  w_append_ok(w, seq);
}

const char *w_header(const world_t *w, const char *name)
{
  static char val[1024];
  char pat[80];
  const char *p, *e;
  snprintf(pat, sizeof pat, "\r\n%s: ", name);
  val[0] = '\0';
  p = strstr(w->req_text, pat);
  if (p == NULL) return val;
  p += strlen(pat);
  e = strstr(p, "\r\n");
  if (e == NULL) return val;
  snprintf(val, sizeof val, "%.*s", (int)(e - p), p);
  return val;
}

bool w_has(const world_t *w, const char *needle) { return strstr(w->req_text, needle) != NULL; }

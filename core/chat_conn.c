/*
 * chat_conn.c — one HTTP exchange at a time over a tc_transport_t: open (or
 * reuse a kept-alive connection to the same host), send the queued segments,
 * then read and feed the response parser until it completes, fails, or a
 * callback halts it. Never blocks: "would block" returns PUMP_BLOCKED.
 *
 * A kept-alive connection may have been closed by the server while idle
 * (Node closes after 5 s): one that shows anything while idle is not reused
 * (idle_quiet), and when an exchange on a reused connection fails before
 * any response byte (the close came while the request went out), it is
 * sent again, once, on a fresh connection (what browsers and undici do),
 * instead of failing the request.
 */
#include <string.h>

#include "chat_int.h"

#define RECV_CHUNK 512
#define CHAT_RECV_BURST 16 /* reads per pump: at most 8 KiB before returning */

/* Which host:port:tls a kept-alive connection goes to. The host name is
 * not kept (a copy would take 255 bytes per connection, and the hook's URL
 * need not outlive its request): two independent 32-bit hashes stand for
 * it, FNV-1a of host, port and TLS (the same name with another port or TLS
 * always differs: the last steps are bijective) and CRC-32 of the name.
 * Names come from the firmware's configuration or its hook, never from a
 * peer, so only an accidental collision matters: of both at once, about
 * 2^-64 for a pair of names (FNV-1a alone collides for pairs a loop finds
 * in a second: h0022789.example.com and h0239192.example.com,
 * tests/test_chat_conn.c). */
static uint32_t host_key(const tc_url_t *u)
{
  uint32_t h = 2166136261u;
  for (size_t i = 0; i < u->host.len; i++) h = (h ^ (uint8_t)u->host.ptr[i]) * 16777619u;
  h = (h ^ u->port) * 16777619u;
  return h ^ (u->tls ? 0x80000000u : 0u);
}

/* A kept-alive connection is silent between exchanges. Whatever it shows
 * now (bytes past the last response, the server's close, an error) would be
 * read as the answer to the next request: it is not reused. (Bytes that
 * came with the end of a response closed it then, chat_conn_pump.) */
static bool idle_quiet(tc_chat_conn_t *k)
{
  uint8_t b;
  return k->net.ops->recv(k->net.ctx, &b, 1) == 0;
}

/* Closes the transport; the queued segments stay (for a resend). */
static void conn_drop(tc_chat_conn_t *k)
{
  if (k->open && k->net.ops != NULL) k->net.ops->close(k->net.ctx);
  k->open = false;
  k->more = false;
  k->phase = K_IDLE;
}

void chat_conn_close(tc_chat_conn_t *k)
{
  conn_drop(k);
  k->seg_n = 0;
}

void chat_conn_idle_check(tc_chat_conn_t *k)
{
  if (k->open && k->phase == K_IDLE && !idle_quiet(k)) conn_drop(k);
}

static tc_err_t conn_open(tc_chat_conn_t *k)
{
  char host[CHAT_HOST_MAX + 1]; /* (host_len <= CHAT_HOST_MAX: chat_req_head checked) */
  tc_err_t err;
  memcpy(host, k->host, k->host_len);
  host[k->host_len] = '\0';
  err = k->net.ops->open(k->net.ctx, host, k->port, k->tls, or_default(k->open_ms, CHAT_HEADER_MS));
  if (err != TC_OK) return err;
  k->open = true;
  return TC_OK;
}

/* Sends the queued segments from the start. (A resend keeps the parser: it
 * has seen no byte.) */
static void exchange_begin(tc_chat_conn_t *k)
{
  k->seg_cur = 0;
  k->seg_off = 0;
  k->got_bytes = false;
  k->phase = K_SEND;
}

tc_err_t chat_conn_start(tc_chat_conn_t *k, const tc_url_t *u, char *line, size_t line_cap,
                         const tc_http_resp_cb_t *cb, void *user)
{
  uint32_t key = host_key(u), crc = tc_crc32(0, u->host.ptr, u->host.len);
  /* open between exchanges means reusable: any other end closes it (the
   * phase check costs 4 bytes and keeps a caller's slip from reusing a
   * connection with a response still under way) */
  bool reuse = k->open && k->phase == K_IDLE && k->host_key == key && k->host_crc == crc && idle_quiet(k);
  k->host = u->host.ptr;
  k->host_len = (uint16_t)u->host.len;
  k->port = u->port;
  k->tls = u->tls;
  if (!reuse) {
    tc_err_t err;
    conn_drop(k); /* (keeps the segments queued for this exchange) */
    if ((err = conn_open(k)) != TC_OK) return err;
    k->host_key = key;
    k->host_crc = crc;
  }
  tc_http_resp_init(&k->resp, line, line_cap, false, cb, user);
  k->reused = reuse;
  exchange_begin(k);
  return TC_OK;
}

void chat_conn_add(tc_chat_conn_t *k, const char *p, size_t n)
{
  if (n == 0 || k->seg_n == 5) return; /* (at most 5: head, authorization in 3, body) */
  k->seg[k->seg_n] = p;
  k->seg_len[k->seg_n++] = (uint16_t)n;
}

static chat_pump_t fail(tc_chat_conn_t *k, tc_err_t why, tc_err_t *err)
{
  if (k->reused && !k->got_bytes && why <= TC_ERR_NET_EOF && why >= TC_ERR_TLS_IO) {
    /* The server dropped the idle kept-alive connection: send it all again,
     * once, on a fresh one. */
    conn_drop(k);
    k->reused = false;
    if ((why = conn_open(k)) == TC_OK) {
      exchange_begin(k);
      /* pump again in this pass: nothing is written yet, and an open that
       * connected at once brings no socket event to wait for */
      k->more = true;
      return PUMP_BLOCKED;
    }
  }
  *err = why;
  chat_conn_close(k);
  return PUMP_FAILED;
}

static chat_pump_t pump_send(tc_chat_conn_t *k, tc_err_t *err)
{
  while (k->seg_cur < k->seg_n) {
    /* the session token's segment: its length as it is now (chat_req.c) */
    uint16_t len = k->live_len && k->seg_cur == k->live_seg ? *k->live_len : k->seg_len[k->seg_cur];
    if (len > k->seg_off) { /* (else a token that changed while it went out: cut, as a 401 will say) */
      uint16_t left = (uint16_t)(len - k->seg_off);
      int32_t n = k->net.ops->send(k->net.ctx, (const uint8_t *)k->seg[k->seg_cur] + k->seg_off, left);
      if (n == 0) return PUMP_BLOCKED;
      if (n < 0) return fail(k, (tc_err_t)n, err);
      if ((uint32_t)n < left) {
        k->seg_off = (uint16_t)(k->seg_off + (uint16_t)n);
        continue;
      }
    }
    k->seg_cur++;
    k->seg_off = 0;
  }
  k->phase = K_RECV;
  return PUMP_DONE;
}

chat_pump_t chat_conn_pump(tc_chat_conn_t *k, tc_err_t *err)
{
  char buf[RECV_CHUNK];
  *err = TC_OK;
  k->more = false;
  if (k->phase == K_SEND) {
    chat_pump_t r = pump_send(k, err);
    if (r != PUMP_DONE) return r;
  }
  for (int reads = 0; k->phase == K_RECV; reads++) {
    int32_t n;
    if (reads == CHAT_RECV_BURST) { /* let the other connection and the loop run */
      k->more = true;
      return PUMP_BLOCKED;
    }
    n = k->net.ops->recv(k->net.ctx, (uint8_t *)buf, sizeof buf);
    size_t used = 0;
    tc_err_t e;
    if (n == 0) return PUMP_BLOCKED;
    /* the peer's end of the response (on a kept-alive connection before any
     * byte it is the idle close instead: fail() below sends again) */
    if (n == TC_ERR_NET_EOF && (k->got_bytes || !k->reused)) {
      e = tc_http_resp_eof(&k->resp);
      if (e != TC_OK) return fail(k, e, err);
      chat_conn_close(k); /* a body that ended with the connection */
      return PUMP_DONE;
    }
    if (n < 0) return fail(k, (tc_err_t)n, err);
    k->got_bytes = true;
    e = tc_http_resp_feed(&k->resp, buf, (size_t)n, &used);
    if (e != TC_OK) return fail(k, e, err);
    if (tc_http_resp_complete(&k->resp)) {
      /* keep the connection when it may be reused (not after a body delimited
       * by the close) and no bytes nobody asked for came after the response */
      k->phase = K_IDLE;
      if (used < (size_t)n || !tc_http_resp_reusable(&k->resp)) chat_conn_close(k);
      return PUMP_DONE;
    }
  }
  return PUMP_BLOCKED;
}

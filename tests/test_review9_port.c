/* test_review9_port.c — review 9 of port/: probes of the TLS adapter
 * (port/mbedtls) over an in-memory transport, against an in-process mbedTLS
 * server, so that what lies "below" the TLS transport is known byte for byte.
 *
 * The inner transport behaves like lwIP's raw one: bytes the server sent sit
 * in a queue, pending() counts them, and nothing else will announce them.
 * port.h's recv/pending contract then says: once recv returned 0 and pending()
 * is 0, nothing more can be read until the network brings more.
 *
 * Built by the unit suite (system mbedTLS 2.28: TLS 1.2) and by the port
 * suite against mbedTLS 3.6 (TLS 1.3, arena wired: port/port.mk).
 *
 * tc-test: host-only (files, openssl for the certificates) */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/pk.h>
#include <mbedtls/ssl.h>
#include <mbedtls/ssl_ticket.h>

#include "kv/tc_flash_ram.h"
#include "kv/tc_kv_flash.h"
#include "mbedtls/tc_mbedtls.h"
#include "posix/tc_posix_net.h"
#include "tc_test.h"

#ifndef TC_TEST_SUITE
#define TC_TEST_SUITE "review9_port"
#endif

static char g_dir[64]; /* certificates (tests/port/mkcerts.sh) */
static uint8_t g_arena[96 * 1024];
static uint8_t g_srv_arena[96 * 1024];

/* ------------------------------------------------------------ byte queues */

typedef struct q {
  uint8_t b[64 * 1024];
  size_t len;
} q_t;

static q_t g_c2s, g_s2c; /* client to server, server to client */

static size_t q_put(q_t *q, const uint8_t *p, size_t n)
{
  if (n > sizeof q->b - q->len) n = sizeof q->b - q->len;
  memcpy(q->b + q->len, p, n);
  q->len += n;
  return n;
}

static size_t q_get(q_t *q, uint8_t *p, size_t n)
{
  if (n > q->len) n = q->len;
  memcpy(p, q->b, n);
  memmove(q->b, q->b + n, q->len - n);
  q->len -= n;
  return n;
}

/* ------------------------------------------------------------ the inner transport
 * lwIP-raw-like: received bytes are queued in memory (g_s2c); pending() is
 * their count. */

static bool g_inner_open;
static size_t g_send_room = SIZE_MAX; /* bytes the inner send takes before "would block" */
static bool g_inner_eof;              /* the peer closed (after the queued bytes) */

static tc_err_t mem_open(void *ctx, const char *host, uint16_t port, bool tls, uint32_t to)
{
  (void)ctx; (void)host; (void)port; (void)to;
  if (tls) return TC_ERR_CONFIG;
  g_inner_open = true;
  return TC_OK;
}
static int32_t mem_send(void *ctx, const uint8_t *buf, size_t len)
{
  (void)ctx;
  if (!g_inner_open) return TC_ERR_NET_CLOSED;
  if (len > g_send_room) len = g_send_room;
  g_send_room -= len;
  return (int32_t)q_put(&g_c2s, buf, len);
}
static int32_t mem_recv(void *ctx, uint8_t *buf, size_t len)
{
  (void)ctx;
  if (!g_inner_open) return TC_ERR_NET_CLOSED;
  if (g_s2c.len == 0 && g_inner_eof) return TC_ERR_NET_EOF;
  return (int32_t)q_get(&g_s2c, buf, len);
}
static size_t mem_pending(void *ctx) { (void)ctx; return g_inner_open ? g_s2c.len : 0; }
static void mem_close(void *ctx) { (void)ctx; g_inner_open = false; }
static const tc_transport_ops_t mem_ops = { mem_open, mem_send, mem_recv, mem_pending, mem_close };

/* ------------------------------------------------------------ a RAM kv (one key) */

static struct { char key[16]; uint8_t val[4096]; size_t len; bool set; unsigned sets; } g_kv;
static tc_err_t kv_get(void *c, const char *k, void *buf, size_t cap, size_t *len)
{
  (void)c;
  if (!g_kv.set || strcmp(k, g_kv.key) != 0) return TC_ERR_KV_NOT_FOUND;
  *len = g_kv.len;
  if (cap < g_kv.len) return TC_ERR_KV_TOO_BIG;
  memcpy(buf, g_kv.val, g_kv.len);
  return TC_OK;
}
static tc_err_t kv_set(void *c, const char *k, const void *v, size_t len)
{
  (void)c;
  if (len > sizeof g_kv.val) return TC_ERR_KV_TOO_BIG;
  snprintf(g_kv.key, sizeof g_kv.key, "%s", k);
  memcpy(g_kv.val, v, len);
  g_kv.len = len;
  g_kv.set = true;
  g_kv.sets++;
  return TC_OK;
}
static tc_err_t kv_erase(void *c, const char *k) { (void)c; (void)k; g_kv.set = false; return TC_OK; }
static const tc_kv_ops_t kv_ops = { kv_get, kv_set, kv_erase };
static const tc_kv_t g_kvt = { &kv_ops, NULL };

/* ------------------------------------------------------------ an in-process server */

typedef struct srv {
  tc_tls_arena_t arena;
  mbedtls_ssl_context ssl;
  mbedtls_ssl_config conf;
  mbedtls_x509_crt crt;
  mbedtls_pk_context key;
  mbedtls_ctr_drbg_context drbg;
  mbedtls_ssl_ticket_context ticket;
  bool hs_done;
} srv_t;

static int srv_entropy(void *p, unsigned char *buf, size_t len)
{
  (void)p;
  tc_posix_random(NULL, buf, len);
  return 0;
}
static int srv_bio_send(void *p, const unsigned char *buf, size_t len)
{
  (void)p;
  size_t n = q_put(&g_s2c, buf, len);
  return n ? (int)n : MBEDTLS_ERR_SSL_WANT_WRITE;
}
static int srv_bio_recv(void *p, unsigned char *buf, size_t len)
{
  (void)p;
  size_t n = q_get(&g_c2s, buf, len);
  return n ? (int)n : MBEDTLS_ERR_SSL_WANT_READ;
}

/* Server with good_ec (a leaf for localhost signed by a CA in trust.pem) and
 * session tickets (TLS 1.2 tickets; TLS 1.3 NewSessionTicket after the
 * handshake). Every allocation goes into its own arena (when wired). */
static bool srv_init(srv_t *s)
{
  char crt[128], key[128];
  tc_tls_arena_t *prev;
  bool ok;
  memset(s, 0, sizeof *s);
  tc_tls_arena_init(&s->arena, g_srv_arena, sizeof g_srv_arena);
  snprintf(crt, sizeof crt, "%s/good_ec.crt", g_dir);
  snprintf(key, sizeof key, "%s/good_ec.key", g_dir);
  prev = tc_tls_arena_enter(&s->arena);
  mbedtls_ssl_init(&s->ssl);
  mbedtls_ssl_config_init(&s->conf);
  mbedtls_x509_crt_init(&s->crt);
  mbedtls_pk_init(&s->key);
  mbedtls_ctr_drbg_init(&s->drbg);
  mbedtls_ssl_ticket_init(&s->ticket);
  ok = mbedtls_ctr_drbg_seed(&s->drbg, srv_entropy, NULL, (const unsigned char *)"srv", 3) == 0 &&
       mbedtls_x509_crt_parse_file(&s->crt, crt) == 0 &&
#if MBEDTLS_VERSION_MAJOR >= 3
       mbedtls_pk_parse_keyfile(&s->key, key, NULL, mbedtls_ctr_drbg_random, &s->drbg) == 0 &&
#else
       mbedtls_pk_parse_keyfile(&s->key, key, NULL) == 0 &&
#endif
       mbedtls_ssl_config_defaults(&s->conf, MBEDTLS_SSL_IS_SERVER, MBEDTLS_SSL_TRANSPORT_STREAM,
                                   MBEDTLS_SSL_PRESET_DEFAULT) == 0;
  if (ok) {
    mbedtls_ssl_conf_rng(&s->conf, mbedtls_ctr_drbg_random, &s->drbg);
    ok = mbedtls_ssl_conf_own_cert(&s->conf, &s->crt, &s->key) == 0 &&
         mbedtls_ssl_ticket_setup(&s->ticket, mbedtls_ctr_drbg_random, &s->drbg,
                                  MBEDTLS_CIPHER_AES_256_GCM, 86400) == 0;
  }
  if (ok) {
    mbedtls_ssl_conf_session_tickets_cb(&s->conf, mbedtls_ssl_ticket_write, mbedtls_ssl_ticket_parse,
                                        &s->ticket);
    ok = mbedtls_ssl_setup(&s->ssl, &s->conf) == 0;
  }
  if (ok) mbedtls_ssl_set_bio(&s->ssl, s, srv_bio_send, srv_bio_recv, NULL);
  tc_tls_arena_leave(prev);
  return ok;
}

static void srv_free(srv_t *s)
{
  tc_tls_arena_t *prev = tc_tls_arena_enter(&s->arena);
  mbedtls_ssl_free(&s->ssl);
  mbedtls_ssl_config_free(&s->conf);
  mbedtls_ssl_ticket_free(&s->ticket);
  mbedtls_x509_crt_free(&s->crt);
  mbedtls_pk_free(&s->key);
  mbedtls_ctr_drbg_free(&s->drbg);
  tc_tls_arena_leave(prev);
}

/* One server step: handshake until done. */
static void srv_step(srv_t *s)
{
  tc_tls_arena_t *prev = tc_tls_arena_enter(&s->arena);
  if (!s->hs_done) {
    int r = mbedtls_ssl_handshake(&s->ssl);
    if (r == 0) s->hs_done = true;
    else if (r != MBEDTLS_ERR_SSL_WANT_READ && r != MBEDTLS_ERR_SSL_WANT_WRITE)
      tc_test_fail(__FILE__, __LINE__, "server handshake: -0x%04x", (unsigned)-r);
  }
  tc_tls_arena_leave(prev);
}

static bool srv_write(srv_t *s, const char *text)
{
  tc_tls_arena_t *prev = tc_tls_arena_enter(&s->arena);
  int r = mbedtls_ssl_write(&s->ssl, (const unsigned char *)text, strlen(text));
  tc_tls_arena_leave(prev);
  return r == (int)strlen(text);
}

/* ------------------------------------------------------------ the client */

typedef struct client {
  tc_tls_ctx_t ctx;
  tc_tls_conn_t conn;
  tc_transport_t t;
} client_t;

static bool client_init(client_t *c, bool kv)
{
  tc_tls_config_t cfg;
  char ca[128];
  memset(c, 0, sizeof *c);
  memset(&cfg, 0, sizeof cfg);
  snprintf(ca, sizeof ca, "%s/trust.pem", g_dir);
  cfg.ca_file = ca;
  cfg.entropy = tc_posix_random;
  cfg.clock = tc_posix_clock_ms;
  cfg.arena = g_arena;
  cfg.arena_size = sizeof g_arena;
  if (kv) { cfg.session_kv = &g_kvt; cfg.session_key = "tls_sess"; }
  if (tc_tls_ctx_init(&c->ctx, &cfg) != TC_OK) return false;
  tc_tls_conn_init(&c->conn, &c->ctx, (tc_transport_t){ &mem_ops, NULL });
  c->t = tc_tls_conn_transport(&c->conn);
  return true;
}

static void client_free(client_t *c)
{
  c->t.ops->close(c->t.ctx);
  tc_tls_ctx_free(&c->ctx);
#ifdef TC_TEST_ARENA_WIRED
  CHECK_EQ_INT(c->ctx.arena.in_use, 0); /* everything went back */
#endif
}

/* Opens the client and runs both handshakes to their end. */
static bool connect_both_port(client_t *c, srv_t *s, uint16_t port);
static bool connect_both(client_t *c, srv_t *s) { return connect_both_port(c, s, 443); }
static bool connect_both_port(client_t *c, srv_t *s, uint16_t port)
{
  g_c2s.len = g_s2c.len = 0;
  g_send_room = SIZE_MAX;
  g_inner_eof = false;
  if (c->t.ops->open(c->t.ctx, "localhost", port, true, 10000) != TC_OK) return false;
  for (int i = 0; i < 100 && !(s->hs_done && tc_tls_conn_handshake_done(&c->conn)); i++) {
    uint8_t b;
    int32_t r = c->t.ops->recv(c->t.ctx, &b, 0);
    if (r < 0) { tc_test_fail(__FILE__, __LINE__, "client handshake: %d", (int)r); return false; }
    srv_step(s);
  }
  return s->hs_done && tc_tls_conn_handshake_done(&c->conn);
}

/* Reads as port.h's event loop would: recv until it says 0, then only while
 * pending() says bytes are below. Returns what was read; *zero_with_bytes_below
 * is set when recv said 0 and pending() said 0 while the queue still held
 * bytes that a later recv turned into data (the loop would have slept on them). */
static size_t loop_read(client_t *c, char *out, size_t cap, bool *zero_with_bytes_below)
{
  size_t got = 0;
  *zero_with_bytes_below = false;
  for (int i = 0; i < 100 && got < cap - 1; i++) {
    int32_t r = c->t.ops->recv(c->t.ctx, (uint8_t *)out + got, cap - 1 - got);
    if (r < 0) break;
    if (r > 0) { got += (size_t)r; continue; }
    if (c->t.ops->pending(c->t.ctx) > 0) continue; /* the loop goes round again */
    /* the loop would sleep here: nothing may be left to read below */
    if (g_s2c.len == 0) break;
    *zero_with_bytes_below = true;
    /* (go on reading, to show what was stranded) */
  }
  out[got] = '\0';
  return got;
}

/* A TLS 1.3 server sends its NewSessionTicket(s) right after the handshake;
 * with session_kv set, mbedTLS 3.6 stops a read at each one ("want read",
 * the ticket kept for the next call). When the server's response is already
 * queued below (lwIP's raw transport: its event came and went), recv must not
 * say "would block" with pending() 0: the loop would sleep on the response. */
static void test_response_queued_behind_a_ticket_is_not_stranded(void)
{
  client_t *c = calloc(1, sizeof *c);
  srv_t *s = calloc(1, sizeof *s);
  char page[256];
  bool stranded;
  memset(&g_kv, 0, sizeof g_kv);
  CHECK(client_init(c, true)); /* first: it installs the arena allocator */
  CHECK(srv_init(s));
  CHECK(connect_both(c, s));
  CHECK(srv_write(s, "HTTP/1.1 200 OK\r\n\r\nhello"));
  CHECK(g_s2c.len > 0);
  CHECK_EQ_INT(loop_read(c, page, sizeof page, &stranded), 24);
  CHECK_EQ_STR(page, "HTTP/1.1 200 OK\r\n\r\nhello");
  CHECK(!stranded);
  CHECK(g_kv.set); /* the session (TLS 1.2) or the ticket (TLS 1.3) was saved */
  if (getenv("TC_DEBUG")) fprintf(stderr, "version %s\n", mbedtls_ssl_get_version(&c->conn.ssl));
  srv_free(s); /* first: the client's context holds the PSA core (3.6) */
  client_free(c);
  free(c);
  free(s);
}


/* close() is safe mid-handshake and mid-write (a record taken but not yet
 * out): it gives back every arena byte, sends no close_notify into the middle
 * of a record, and the connection opens again. */
static void test_close_mid_handshake_and_mid_write(void)
{
  client_t *c = calloc(1, sizeof *c);
  srv_t *s = calloc(1, sizeof *s);
  uint8_t b;
  size_t base;
  static uint8_t big[3000];
  int32_t r;
  CHECK(client_init(c, false));
  /* mid-handshake: the ClientHello is out, nothing came back. (Twice: the
   * first handshake grows mbedTLS 3.6's PSA key store once, for good.) */
  base = 0;
  for (int i = 0; i < 2; i++) {
    g_c2s.len = g_s2c.len = 0;
    g_send_room = SIZE_MAX;
    CHECK_EQ_INT(c->t.ops->open(c->t.ctx, "localhost", 443, true, 10000), TC_OK);
    CHECK_EQ_INT(c->t.ops->recv(c->t.ctx, &b, 1), 0);
    CHECK(g_c2s.len > 0);
    c->t.ops->close(c->t.ctx);
    c->t.ops->close(c->t.ctx); /* twice: harmless */
    CHECK(!g_inner_open);
    if (i == 0) base = c->ctx.arena.in_use;
  }
  (void)base; /* checked only with the arena wired */
#ifdef TC_TEST_ARENA_WIRED
  CHECK_EQ_INT(c->ctx.arena.in_use, base);
#endif
  CHECK_EQ_INT(c->t.ops->send(c->t.ctx, &b, 1), TC_ERR_NET_CLOSED);
  /* mid-write: a record taken whole, 10 bytes of it out */
  CHECK(srv_init(s));
  CHECK(connect_both(c, s));
  g_c2s.len = 0;
  g_send_room = 10;
  memset(big, 'x', sizeof big);
  r = c->t.ops->send(c->t.ctx, big, sizeof big);
  CHECK(r > 0);
  CHECK(c->conn.flush_len > 0);
  CHECK_EQ_INT(g_c2s.len, 10);
  CHECK_EQ_INT(c->t.ops->pending(c->t.ctx), 0);
  g_send_room = SIZE_MAX;
  c->t.ops->close(c->t.ctx);
  CHECK_EQ_INT(g_c2s.len, 10); /* no alert pushed into the middle of the record */
#ifdef TC_TEST_ARENA_WIRED
  CHECK_EQ_INT(c->ctx.arena.in_use, base);
#endif
  srv_free(s);
  /* and it opens again */
  CHECK(srv_init(s));
  CHECK(connect_both(c, s));
  CHECK(srv_write(s, "again"));
  {
    char page[16];
    bool stranded;
    CHECK_EQ_INT(loop_read(c, page, sizeof page, &stranded), 5);
    CHECK_EQ_STR(page, "again");
  }
  srv_free(s); /* first: the client's context holds the PSA core (3.6) */
  client_free(c);
  free(c);
  free(s);
}

/* The peer's close_notify, and a close without one, both read as
 * TC_ERR_NET_EOF after the data before them, and stay (sticky, for send too). */
static void test_eof_with_and_without_close_notify(void)
{
  for (int notify = 0; notify < 2; notify++) {
    client_t *c = calloc(1, sizeof *c);
    srv_t *s = calloc(1, sizeof *s);
    char page[32];
    bool stranded;
    uint8_t b;
    CHECK(client_init(c, false));
    CHECK(srv_init(s));
    CHECK(connect_both(c, s));
    CHECK(srv_write(s, "last words"));
    if (notify) {
      tc_tls_arena_t *prev = tc_tls_arena_enter(&s->arena);
      CHECK_EQ_INT(mbedtls_ssl_close_notify(&s->ssl), 0);
      tc_tls_arena_leave(prev);
    }
    g_inner_eof = true;
    CHECK_EQ_INT(loop_read(c, page, sizeof page, &stranded), 10);
    CHECK_EQ_STR(page, "last words");
    CHECK_EQ_INT(c->t.ops->recv(c->t.ctx, &b, 1), TC_ERR_NET_EOF);
    CHECK_EQ_INT(c->t.ops->recv(c->t.ctx, &b, 1), TC_ERR_NET_EOF);
    CHECK_EQ_INT(c->t.ops->send(c->t.ctx, &b, 1), TC_ERR_NET_EOF);
    CHECK_EQ_INT(c->t.ops->pending(c->t.ctx), 0);
    srv_free(s);
    client_free(c);
    free(c);
    free(s);
  }
}

/* A saved session is offered again only to the host and port it was made
 * with (tc_mbedtls.h), and a server that resumes it is trusted without a
 * second certificate check only because the first one passed. */
static void test_session_offered_only_to_its_host_and_port(void)
{
  client_t *c = calloc(1, sizeof *c);
  srv_t *s = calloc(1, sizeof *s);
  memset(&g_kv, 0, sizeof g_kv);
  CHECK(client_init(c, true));
  CHECK(srv_init(s));
  CHECK(connect_both(c, s));
  CHECK(srv_write(s, "x"));
  {
    char page[8];
    bool stranded;
    CHECK_EQ_INT(loop_read(c, page, sizeof page, &stranded), 1);
  }
  CHECK(g_kv.set);
  CHECK(!tc_tls_conn_session_offered(&c->conn));
  c->t.ops->close(c->t.ctx);
  CHECK_EQ_INT(c->t.ops->open(c->t.ctx, "localhost", 444, true, 10000), TC_OK);
  CHECK(!tc_tls_conn_session_offered(&c->conn)); /* another port */
  CHECK_EQ_INT(c->t.ops->open(c->t.ctx, "127.0.0.1", 443, true, 10000), TC_OK);
  CHECK(!tc_tls_conn_session_offered(&c->conn)); /* another host */
  CHECK_EQ_INT(c->t.ops->open(c->t.ctx, "localhost", 443, true, 10000), TC_OK);
  CHECK(tc_tls_conn_session_offered(&c->conn));
  c->t.ops->close(c->t.ctx);
  srv_free(s);
  client_free(c);
  free(c);
  free(s);
}

/* The arena running out after the handshake (here: while a TLS 1.3 ticket
 * is processed, or a TLS 1.2 read) is a named error or a clean read, never a
 * crash, and close gives everything back. */
static void test_arena_full_after_the_handshake(void)
{
  client_t *c = calloc(1, sizeof *c);
  srv_t *s = calloc(1, sizeof *s);
  char page[64];
  bool stranded;
  int32_t r;
  void *hog[64];
  size_t nhog = 0;
  memset(&g_kv, 0, sizeof g_kv);
  CHECK(client_init(c, true));
  CHECK(srv_init(s));
  CHECK(connect_both(c, s));
  CHECK(srv_write(s, "after the tickets"));
  {
    tc_tls_arena_t *prev = tc_tls_arena_enter(&c->ctx.arena);
    for (size_t sz = 8192; sz >= 16 && nhog < 64; sz /= 2)
      while (nhog < 64 && (hog[nhog] = tc_mbedtls_calloc(1, sz)) != NULL) nhog++;
    tc_tls_arena_leave(prev);
  }
  r = (int32_t)loop_read(c, page, sizeof page, &stranded);
  CHECK(!stranded);
  if (r == 0) { /* it failed: with the named error, sticky */
    uint8_t b;
    int32_t e = c->t.ops->recv(c->t.ctx, &b, 1);
#ifdef TC_TEST_ARENA_WIRED
    CHECK_EQ_INT(e, TC_ERR_TLS_ALLOC);
#else
    CHECK(e < 0);
#endif
  } else {
    CHECK_EQ_STR(page, "after the tickets");
  }
  if (getenv("TC_DEBUG")) fprintf(stderr, "arena full after the handshake: read %d\n", (int)r);
  for (size_t i = 0; i < nhog; i++) tc_mbedtls_free(hog[i]);
  srv_free(s);
  client_free(c);
  free(c);
  free(s);
}

/* ------------------------------------------------------------ kv_flash: a full store */

/* tc_kv_flash.h: a set that does not fit after every sector was compacted is
 * TC_ERR_KV_FULL, and later sets fail fast. Fail fast must not refuse a set
 * that fits: here, whenever a set is refused FULL, the same set on the same
 * flash content mounted afresh (which forgets the fail-fast state) must be
 * refused too. Random sets of four keys on three 256-byte sectors, from a
 * fixed seed. */
#define KVF_SS 256u
#define KVF_SC 3u
static uint8_t g_kvf_mem[KVF_SS * KVF_SC], g_kvf_copy[KVF_SS * KVF_SC];
static uint32_t g_lcg = 12345;
static uint32_t lcg(void) { g_lcg = g_lcg * 1103515245u + 12345u; return g_lcg >> 8; }

static void test_kv_flash_full_refuses_only_what_does_not_fit(void)
{
  static tc_flash_ram_t fr, fr2;
  static tc_kv_flash_t kv, kv2;
  uint8_t val[128];
  unsigned fulls = 0, wrong = 0;
  for (int trial = 0; trial < 1500 && wrong == 0; trial++) {
    tc_kv_t k;
    tc_flash_ram_init(&fr, g_kvf_mem, KVF_SS, KVF_SC, 1, 0xFF);
    CHECK_EQ_INT(tc_kv_flash_mount(&kv, &fr.flash), TC_OK);
    k = tc_kv_flash_kv(&kv);
    for (int op = 0; op < 60; op++) {
      char key[4];
      unsigned kn = lcg() % 4u;
      size_t len = lcg() % (tc_kv_flash_value_max(&kv) + 1u);
      tc_err_t e;
      snprintf(key, sizeof key, "k%u", kn);
      memset(val, 'a' + (int)kn, sizeof val);
      e = k.ops->set(k.ctx, key, val, len);
      if (e == TC_ERR_KV_FULL) {
        tc_kv_t k2;
        fulls++;
        memcpy(g_kvf_copy, g_kvf_mem, sizeof g_kvf_mem);
        tc_flash_ram_init(&fr2, g_kvf_copy, KVF_SS, KVF_SC, 1, 0xFF); /* erases: copy again */
        memcpy(g_kvf_copy, g_kvf_mem, sizeof g_kvf_mem);
        CHECK_EQ_INT(tc_kv_flash_mount(&kv2, &fr2.flash), TC_OK);
        k2 = tc_kv_flash_kv(&kv2);
        if (k2.ops->set(k2.ctx, key, val, len) == TC_OK) {
          tc_test_fail(__FILE__, __LINE__, "trial %d op %d: set %s (%zu B) refused FULL, fits after a remount",
                       trial, op, key, len);
          wrong++;
          break;
        }
      } else {
        CHECK_EQ_INT(e, TC_OK);
      }
    }
  }
  if (getenv("TC_DEBUG")) fprintf(stderr, "kv_flash: %u sets refused full\n", fulls);
  CHECK(fulls > 20); /* the store was full often */
}

int main(void)
{
  char cmd[256];
  const char *src = getenv("TC_SRCDIR");
  snprintf(g_dir, sizeof g_dir, "/tmp/tc_review9_port_XXXXXX");
  if (mkdtemp(g_dir) == NULL) return 1;
  snprintf(cmd, sizeof cmd, "bash %s/tests/port/mkcerts.sh %s", src ? src : ".", g_dir);
  if (system(cmd) != 0) { fprintf(stderr, "mkcerts failed\n"); return 1; }
  printf("%s: mbedTLS %s\n", TC_TEST_SUITE, MBEDTLS_VERSION_STRING);
  RUN(test_response_queued_behind_a_ticket_is_not_stranded);
  RUN(test_close_mid_handshake_and_mid_write);
  RUN(test_eof_with_and_without_close_notify);
  RUN(test_session_offered_only_to_its_host_and_port);
  RUN(test_arena_full_after_the_handshake);
  RUN(test_kv_flash_full_refuses_only_what_does_not_fit);
  snprintf(cmd, sizeof cmd, "rm -rf %s", g_dir);
  if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", g_dir);
  return tc_test_finish(TC_TEST_SUITE);
}

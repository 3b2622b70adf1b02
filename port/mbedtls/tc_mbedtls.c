/* tc_mbedtls.c — TLS over any tc_transport_t with mbedTLS 2.28 / 3.6, every
 * allocation in a caller-provided arena. Contracts in tc_mbedtls.h. */
#include <string.h>

#include "tc_mbedtls.h"

#include <mbedtls/error.h>
#include <mbedtls/platform.h>
#if MBEDTLS_VERSION_MAJOR >= 3 && defined(MBEDTLS_PSA_CRYPTO_C)
#include <psa/crypto.h>
#endif

/* ================================================================ arena
 * Blocks are laid end to end from base; each starts with a header holding
 * its size (header included, a multiple of ALIGN) with bit 0 = in use, and
 * the arena it belongs to. calloc walks the blocks first-fit, merging runs of
 * free blocks as it goes; free only clears the bit. */

typedef struct blk {
  size_t size;
  tc_tls_arena_t *owner;
} blk_t;

#define ALIGN ((size_t)(sizeof(void *) > 4 ? 16 : 8))
#define HDR (((sizeof(blk_t) + ALIGN - 1) / ALIGN) * ALIGN)
#define USED ((size_t)1)

#ifndef TC_TLS_ARENA_THREAD_LOCAL
#define TC_TLS_ARENA_THREAD_LOCAL
#endif
static TC_TLS_ARENA_THREAD_LOCAL tc_tls_arena_t *g_arena;
static void *(*g_fallback_calloc)(size_t, size_t);
static void (*g_fallback_free)(void *);
/* The owner of a block that came from the fallback allocator. */
static tc_tls_arena_t g_fallback_owner;

void tc_tls_set_fallback_alloc(void *(*calloc_fn)(size_t, size_t), void (*free_fn)(void *))
{
  g_fallback_calloc = calloc_fn;
  g_fallback_free = free_fn;
}

/* No arena entered: the fallback allocator if one was given, with a header
 * that names it, so that tc_mbedtls_free hands the block back to it. */
static void *fallback_calloc(size_t n, size_t size)
{
  blk_t *b;
  if (g_fallback_calloc == NULL || g_fallback_free == NULL) return NULL;
  if (n == 0 || size == 0) { n = 1; size = 1; }
  if (size > ((size_t)-1 - HDR) / n) return NULL;
  b = g_fallback_calloc(1, HDR + n * size);
  if (b == NULL) return NULL;
  b->size = USED;
  b->owner = &g_fallback_owner;
  return (uint8_t *)b + HDR;
}

void tc_tls_arena_init(tc_tls_arena_t *a, void *buf, size_t size)
{
  uintptr_t p = (uintptr_t)buf, q = (p + ALIGN - 1) & ~(uintptr_t)(ALIGN - 1);
  memset(a, 0, sizeof *a);
  if (buf == NULL || size < (size_t)(q - p) + 2 * HDR) return;
  a->base = (uint8_t *)q;
  a->size = ((size - (size_t)(q - p)) / ALIGN) * ALIGN;
  ((blk_t *)(void *)a->base)->size = a->size;
  ((blk_t *)(void *)a->base)->owner = a;
}

size_t tc_tls_arena_peak(const tc_tls_arena_t *a) { return a->peak; }
void tc_tls_arena_reset_peak(tc_tls_arena_t *a) { a->peak = a->in_use; }

tc_tls_arena_t *tc_tls_arena_enter(tc_tls_arena_t *a)
{
  tc_tls_arena_t *prev = g_arena;
  g_arena = a;
  return prev;
}

void tc_tls_arena_leave(tc_tls_arena_t *prev) { g_arena = prev; }

void *tc_mbedtls_calloc(size_t n, size_t size)
{
  tc_tls_arena_t *a = g_arena;
  size_t want, off = 0;
  if (a == NULL) return fallback_calloc(n, size);
  if (a->base == NULL) return NULL;
  if (n == 0 || size == 0) { n = 1; size = 1; }
  if (size > ((size_t)-1 - HDR - ALIGN) / n) { a->failures++; return NULL; }
  want = ((n * size + ALIGN - 1) / ALIGN) * ALIGN + HDR;
  while (off < a->size) {
    blk_t *b = (blk_t *)(void *)(a->base + off);
    if (!(b->size & USED)) {
      /* merge the free blocks that follow */
      while (off + b->size < a->size) {
        blk_t *nx = (blk_t *)(void *)(a->base + off + b->size);
        if (nx->size & USED) break;
        b->size += nx->size;
      }
      if (b->size >= want) {
        if (b->size - want >= HDR + ALIGN) {
          blk_t *rest = (blk_t *)(void *)(a->base + off + want);
          rest->size = b->size - want;
          rest->owner = a;
          b->size = want;
        }
        b->owner = a;
        b->size |= USED;
        a->in_use += b->size & ~USED;
        if (a->in_use > a->peak) a->peak = a->in_use;
        memset((uint8_t *)b + HDR, 0, (b->size & ~USED) - HDR);
        return (uint8_t *)b + HDR;
      }
    }
    off += b->size & ~USED;
  }
  a->failures++;
  return NULL;
}

void tc_mbedtls_free(void *p)
{
  blk_t *b;
  if (p == NULL) return;
  b = (blk_t *)(void *)((uint8_t *)p - HDR);
  if (!(b->size & USED) || b->owner == NULL) return; /* double free: ignore */
  if (b->owner == &g_fallback_owner) {
    b->size = 0;
    g_fallback_free(b);
    return;
  }
  b->size &= ~USED;
  b->owner->in_use -= b->size;
}

/* ================================================================ context */

static int entropy_cb(void *p, unsigned char *buf, size_t len)
{
  tc_tls_ctx_t *ctx = p;
  ctx->entropy(ctx->entropy_ctx, buf, len);
  return 0;
}

/* mbedTLS keeps the pointer and wants it non-const (it never writes). */
#if MBEDTLS_VERSION_MAJOR >= 3 && defined(MBEDTLS_PSA_CRYPTO_C)
static unsigned g_psa_users;
#endif

static const char *alpn_list[] = { "http/1.1", NULL };

static int mfl_code(uint16_t n)
{
  switch (n) {
  case 512: return MBEDTLS_SSL_MAX_FRAG_LEN_512;
  case 1024: return MBEDTLS_SSL_MAX_FRAG_LEN_1024;
  case 2048: return MBEDTLS_SSL_MAX_FRAG_LEN_2048;
  case 4096: return MBEDTLS_SSL_MAX_FRAG_LEN_4096;
  default: return -1;
  }
}

static tc_err_t ctx_setup(tc_tls_ctx_t *ctx, const tc_tls_config_t *cfg)
{
  int ret;
  if (cfg->max_frag_len != 0 && mfl_code(cfg->max_frag_len) < 0) return TC_ERR_CONFIG;
#if MBEDTLS_VERSION_MAJOR >= 3 && defined(MBEDTLS_PSA_CRYPTO_C)
  /* The PSA core (TLS 1.3 needs it) is process-wide; its state is allocated
   * in the arena of the first context and freed with the last one. */
  if (g_psa_users == 0 && psa_crypto_init() != PSA_SUCCESS) return TC_ERR_TLS_ALLOC;
  g_psa_users++;
  ctx->psa_ref = true;
#endif
  if (!cfg->insecure_skip_verify_DANGEROUS) {
    if (cfg->ca_pem != NULL && cfg->ca_pem_len > 0) {
      /* mbedTLS wants PEM NUL-terminated, length counting the NUL */
      unsigned char *tmp = tc_mbedtls_calloc(1, cfg->ca_pem_len + 1);
      if (tmp == NULL) return TC_ERR_TLS_ALLOC;
      memcpy(tmp, cfg->ca_pem, cfg->ca_pem_len);
      ret = mbedtls_x509_crt_parse(&ctx->ca, tmp, cfg->ca_pem_len + 1);
      tc_mbedtls_free(tmp);
    } else if (cfg->ca_file != NULL) {
#if defined(MBEDTLS_FS_IO)
      ret = mbedtls_x509_crt_parse_file(&ctx->ca, cfg->ca_file);
#else
      return TC_ERR_CONFIG;
#endif
    } else {
      return TC_ERR_TLS_CA;
    }
    if (ctx->arena.failures > 0) return TC_ERR_TLS_ALLOC;
    /* > 0: some certificates were skipped; fine if one loaded */
    if (ret < 0 || ctx->ca.version == 0) return TC_ERR_TLS_CA;
  }
  if (mbedtls_ctr_drbg_seed(&ctx->drbg, entropy_cb, ctx,
                            (const unsigned char *)"trigchat", 8) != 0)
    return ctx->arena.failures ? TC_ERR_TLS_ALLOC : TC_ERR_CONFIG;
  if (mbedtls_ssl_config_defaults(&ctx->conf, MBEDTLS_SSL_IS_CLIENT, MBEDTLS_SSL_TRANSPORT_STREAM,
                                  MBEDTLS_SSL_PRESET_DEFAULT) != 0)
    return TC_ERR_CONFIG;
  if (cfg->insecure_skip_verify_DANGEROUS) {
    mbedtls_ssl_conf_authmode(&ctx->conf, MBEDTLS_SSL_VERIFY_NONE);
  } else {
    mbedtls_ssl_conf_authmode(&ctx->conf, MBEDTLS_SSL_VERIFY_REQUIRED);
    mbedtls_ssl_conf_ca_chain(&ctx->conf, &ctx->ca, NULL);
  }
  mbedtls_ssl_conf_rng(&ctx->conf, mbedtls_ctr_drbg_random, &ctx->drbg);
#if defined(MBEDTLS_SSL_ALPN)
  if (mbedtls_ssl_conf_alpn_protocols(&ctx->conf, alpn_list) != 0) return TC_ERR_CONFIG;
#endif
#if defined(MBEDTLS_SSL_MAX_FRAGMENT_LENGTH)
  if (cfg->max_frag_len != 0 &&
      mbedtls_ssl_conf_max_frag_len(&ctx->conf, (unsigned char)mfl_code(cfg->max_frag_len)) != 0)
    return TC_ERR_CONFIG;
#endif
#if defined(MBEDTLS_SSL_SESSION_TICKETS)
  mbedtls_ssl_conf_session_tickets(&ctx->conf, MBEDTLS_SSL_SESSION_TICKETS_ENABLED);
#if MBEDTLS_VERSION_MAJOR >= 3 && defined(MBEDTLS_SSL_PROTO_TLS1_3) && \
    MBEDTLS_VERSION_NUMBER >= 0x03060100
  if (cfg->session_kv != NULL)
    mbedtls_ssl_conf_tls13_enable_signal_new_session_tickets(
        &ctx->conf, MBEDTLS_SSL_TLS1_3_SIGNAL_NEW_SESSION_TICKETS_ENABLED);
#endif
#endif
  return TC_OK;
}

tc_err_t tc_tls_ctx_init(tc_tls_ctx_t *ctx, const tc_tls_config_t *cfg)
{
  tc_tls_arena_t *prev;
  tc_err_t err;
  memset(ctx, 0, sizeof *ctx);
  if (cfg == NULL) return TC_ERR_ARG;
  if (cfg->entropy == NULL || cfg->clock == NULL || cfg->arena == NULL) return TC_ERR_CONFIG;
  if (cfg->session_kv != NULL && cfg->session_key != NULL &&
      tc_kv_check_key(cfg->session_key) != TC_OK)
    return TC_ERR_KV_KEY;
  tc_tls_arena_init(&ctx->arena, cfg->arena, cfg->arena_size);
  if (ctx->arena.base == NULL) return TC_ERR_TLS_ALLOC;
  ctx->clock = cfg->clock;
  ctx->clock_ctx = cfg->clock_ctx;
  ctx->entropy = cfg->entropy;
  ctx->entropy_ctx = cfg->entropy_ctx;
  /* A session made without verification is never stored, nor one offered:
   * resuming skips the certificate, so a verifying context that resumed it
   * would trust a peer nobody checked (and the store keeps its verified one). */
  ctx->session_kv = cfg->insecure_skip_verify_DANGEROUS ? NULL : cfg->session_kv;
  ctx->session_key = cfg->session_key ? cfg->session_key : "tc_tls_sess";
#if defined(MBEDTLS_PLATFORM_MEMORY) && !defined(MBEDTLS_PLATFORM_CALLOC_MACRO)
  mbedtls_platform_set_calloc_free(tc_mbedtls_calloc, tc_mbedtls_free);
#endif
  prev = tc_tls_arena_enter(&ctx->arena);
  mbedtls_x509_crt_init(&ctx->ca);
  mbedtls_ctr_drbg_init(&ctx->drbg);
  mbedtls_ssl_config_init(&ctx->conf);
  ctx->ready = true;
  err = ctx_setup(ctx, cfg);
  tc_tls_arena_leave(prev);
  if (err != TC_OK) tc_tls_ctx_free(ctx);
  return err;
}

void tc_tls_ctx_free(tc_tls_ctx_t *ctx)
{
  tc_tls_arena_t *prev;
  if (!ctx->ready) return;
  prev = tc_tls_arena_enter(&ctx->arena);
  mbedtls_ssl_config_free(&ctx->conf);
  mbedtls_ctr_drbg_free(&ctx->drbg);
  mbedtls_x509_crt_free(&ctx->ca);
#if MBEDTLS_VERSION_MAJOR >= 3 && defined(MBEDTLS_PSA_CRYPTO_C)
  if (ctx->psa_ref && --g_psa_users == 0) mbedtls_psa_crypto_free();
#endif
  ctx->psa_ref = false;
  tc_tls_arena_leave(prev);
  ctx->ready = false;
}

/* ================================================================ connection */

enum { ST_CLOSED, ST_PLAIN, ST_HANDSHAKE, ST_OPEN, ST_FAILED };

#define BIO_FAILED (-0x004E) /* MBEDTLS_ERR_NET_SEND_FAILED's value */

static int bio_send(void *p, const unsigned char *buf, size_t len)
{
  tc_tls_conn_t *c = p;
  int32_t r = c->inner.ops->send(c->inner.ctx, buf, len);
  if (r > 0) return (int)r;
  if (r == 0) return MBEDTLS_ERR_SSL_WANT_WRITE;
  c->inner_err = r;
  return BIO_FAILED;
}

static int bio_recv(void *p, unsigned char *buf, size_t len)
{
  tc_tls_conn_t *c = p;
  int32_t r = c->inner.ops->recv(c->inner.ctx, buf, len);
  if (r > 0) return (int)r;
  if (r == 0) return MBEDTLS_ERR_SSL_WANT_READ;
  if (r == TC_ERR_NET_EOF) return 0; /* mbedTLS: connection closed */
  c->inner_err = r;
  return BIO_FAILED;
}

void tc_tls_conn_init(tc_tls_conn_t *c, tc_tls_ctx_t *ctx, tc_transport_t inner)
{
  memset(c, 0, sizeof *c);
  c->ctx = ctx;
  c->inner = inner;
  c->state = ST_CLOSED;
}

static tc_err_t cert_error(uint32_t flags)
{
  if (flags & MBEDTLS_X509_BADCERT_NOT_TRUSTED) return TC_ERR_TLS_CERT_UNTRUSTED;
  if (flags & (MBEDTLS_X509_BADCERT_EXPIRED | MBEDTLS_X509_BADCERT_FUTURE))
    return TC_ERR_TLS_CERT_EXPIRED;
  if (flags & MBEDTLS_X509_BADCERT_CN_MISMATCH) return TC_ERR_TLS_CERT_HOSTNAME;
  return TC_ERR_TLS_CERT_OTHER;
}

/* Maps an mbedTLS failure to a tc_err_t; in_handshake picks the fallback. */
static tc_err_t map_err(tc_tls_conn_t *c, int ret, bool in_handshake, size_t failures_before)
{
  if (c->inner_err != 0) return (tc_err_t)c->inner_err;
  if (c->ctx->arena.failures != failures_before) return TC_ERR_TLS_ALLOC;
  if (ret == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY || ret == MBEDTLS_ERR_SSL_CONN_EOF)
    return TC_ERR_NET_EOF;
  if (in_handshake) {
    uint32_t flags = mbedtls_ssl_get_verify_result(&c->ssl);
    /* VERIFY_NONE leaves SKIP_VERIFY set: not a rejection */
    if (flags == (uint32_t)-1) flags = 0;
    flags &= ~(uint32_t)MBEDTLS_X509_BADCERT_SKIP_VERIFY;
    if (ret == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED || flags != 0) {
      c->verify_flags = flags;
      return cert_error(flags);
    }
    return TC_ERR_TLS_HANDSHAKE;
  }
  return TC_ERR_TLS_IO;
}

static int32_t conn_fail(tc_tls_conn_t *c, tc_err_t err)
{
  c->state = ST_FAILED;
  c->err = err;
  return err;
}

/* ---- session persistence: "TCS2" port(2, BE) hostlen(1) host session.
 * ("TCS1" blobs are not offered: that version also stored sessions made with
 * verification off.) */

static void session_save(tc_tls_conn_t *c, const char *host)
{
  const tc_kv_t *kv = c->ctx->session_kv;
  mbedtls_ssl_session s;
  size_t hl = strlen(host), need = 0;
  uint8_t *buf;
  if (kv == NULL || hl > 255) return;
  mbedtls_ssl_session_init(&s);
  if (mbedtls_ssl_get_session(&c->ssl, &s) == 0) {
    (void)mbedtls_ssl_session_save(&s, NULL, 0, &need);
    buf = need > 0 ? tc_mbedtls_calloc(1, 7 + hl + need) : NULL;
    if (buf != NULL) {
      size_t olen = 0;
      memcpy(buf, "TCS2", 4);
      buf[4] = (uint8_t)(c->port >> 8);
      buf[5] = (uint8_t)c->port;
      buf[6] = (uint8_t)hl;
      memcpy(buf + 7, host, hl);
      if (mbedtls_ssl_session_save(&s, buf + 7 + hl, need, &olen) == 0)
        (void)kv->ops->set(kv->ctx, c->ctx->session_key, buf, 7 + hl + olen);
      memset(buf, 0, 7 + hl + need); /* it held the master secret */
      tc_mbedtls_free(buf);
    }
  }
  mbedtls_ssl_session_free(&s);
}

static void session_offer(tc_tls_conn_t *c, const char *host)
{
  const tc_kv_t *kv = c->ctx->session_kv;
  size_t hl = strlen(host), len = 0, cap;
  uint8_t *buf;
  mbedtls_ssl_session s;
  if (kv == NULL || hl > 255) return;
  uint8_t probe;
  if (kv->ops->get(kv->ctx, c->ctx->session_key, &probe, 0, &len) != TC_ERR_KV_TOO_BIG || len < 8)
    return;
  cap = len;
  buf = tc_mbedtls_calloc(1, cap);
  if (buf == NULL) return;
  if (kv->ops->get(kv->ctx, c->ctx->session_key, buf, cap, &len) == TC_OK && len == cap &&
      memcmp(buf, "TCS2", 4) == 0 && buf[4] == (uint8_t)(c->port >> 8) &&
      buf[5] == (uint8_t)c->port && buf[6] == hl && 7 + hl < len &&
      memcmp(buf + 7, host, hl) == 0) {
    mbedtls_ssl_session_init(&s);
    if (mbedtls_ssl_session_load(&s, buf + 7 + hl, len - 7 - hl) == 0 &&
        mbedtls_ssl_set_session(&c->ssl, &s) == 0)
      c->session_offered = true;
    mbedtls_ssl_session_free(&s);
  }
  memset(buf, 0, cap);
  tc_mbedtls_free(buf);
}

static void ssl_release(tc_tls_conn_t *c)
{
  if (c->ssl_live) mbedtls_ssl_free(&c->ssl);
  c->ssl_live = false;
}

static void conn_close_inner(tc_tls_conn_t *c)
{
  if (c->state == ST_OPEN && c->flush_len == 0 && !c->out_pending) {
    c->inner_err = 0;
    (void)mbedtls_ssl_close_notify(&c->ssl); /* best effort, never waits */
  }
  ssl_release(c);
  if (c->state != ST_CLOSED) c->inner.ops->close(c->inner.ctx);
  c->state = ST_CLOSED;
  c->err = TC_OK;
  c->inner_err = 0;
  c->flush_len = 0;
  c->out_pending = false;
  c->more_below = false;
}

static void conn_close(void *p)
{
  tc_tls_conn_t *c = p;
  tc_tls_arena_t *prev = tc_tls_arena_enter(&c->ctx->arena);
  conn_close_inner(c);
  tc_tls_arena_leave(prev);
}

static tc_err_t conn_open(void *p, const char *host, uint16_t port, bool tls, uint32_t timeout_ms)
{
  tc_tls_conn_t *c = p;
  tc_tls_arena_t *prev = tc_tls_arena_enter(&c->ctx->arena);
  size_t failures = c->ctx->arena.failures;
  tc_err_t err;

  conn_close_inner(c);
  c->session_offered = false;
  c->verify_flags = 0;
  c->port = port;
  if (host == NULL || host[0] == '\0') { err = TC_ERR_ARG; goto out; }
  if (tls && !c->ctx->ready) { err = TC_ERR_STATE; goto out; }
  c->deadline = c->ctx->clock(c->ctx->clock_ctx) + timeout_ms;
  err = c->inner.ops->open(c->inner.ctx, host, port, false, timeout_ms);
  if (err != TC_OK) {
    c->inner.ops->close(c->inner.ctx);
    goto out;
  }
  if (!tls) {
    c->state = ST_PLAIN;
    goto out;
  }
  mbedtls_ssl_init(&c->ssl);
  c->ssl_live = true;
  if (mbedtls_ssl_setup(&c->ssl, &c->ctx->conf) != 0 ||
      mbedtls_ssl_set_hostname(&c->ssl, host) != 0) {
    err = c->ctx->arena.failures != failures ? TC_ERR_TLS_ALLOC : TC_ERR_TLS_HANDSHAKE;
    ssl_release(c);
    c->inner.ops->close(c->inner.ctx);
    goto out;
  }
  mbedtls_ssl_set_bio(&c->ssl, c, bio_send, bio_recv, NULL);
  session_offer(c, host);
  c->state = ST_HANDSHAKE;
out:
  tc_tls_arena_leave(prev);
  return err;
}

/* Drives the handshake: 1 ready for data, 0 not yet, < 0 failed. Called
 * with the arena entered. */
static int32_t drive(tc_tls_conn_t *c)
{
  size_t failures = c->ctx->arena.failures;
  int ret;
  switch (c->state) {
  case ST_PLAIN: case ST_OPEN: return 1;
  case ST_FAILED: return c->err;
  case ST_CLOSED: return TC_ERR_NET_CLOSED;
  default: break;
  }
  c->inner_err = 0;
  ret = mbedtls_ssl_handshake(&c->ssl);
  if (ret == 0) {
    c->state = ST_OPEN;
#if MBEDTLS_VERSION_MAJOR >= 3
    if (mbedtls_ssl_get_version_number(&c->ssl) != MBEDTLS_SSL_VERSION_TLS1_3)
#endif
    {
      /* the host name is kept by mbedTLS for verification; reuse it */
      const char *h = NULL;
#if MBEDTLS_VERSION_MAJOR >= 3
      h = mbedtls_ssl_get_hostname(&c->ssl);
#else
      h = c->ssl.hostname;
#endif
      if (h != NULL) session_save(c, h);
    }
    return 1;
  }
  if (ret == MBEDTLS_ERR_SSL_WANT_READ || ret == MBEDTLS_ERR_SSL_WANT_WRITE) {
    if (c->ctx->clock(c->ctx->clock_ctx) >= c->deadline) return conn_fail(c, TC_ERR_NET_TIMEOUT);
    return 0;
  }
  return conn_fail(c, map_err(c, ret, true, failures));
}

#if defined(MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET)
/* mbedTLS 3.6 signals each TLS 1.3 NewSessionTicket (with session_kv set). */
static void ticket_received(tc_tls_conn_t *c)
{
  const char *h = mbedtls_ssl_get_hostname(&c->ssl);
  if (h != NULL) session_save(c, h);
}
#endif

/* mbedtls_ssl_write. mbedtls_ssl_read that meets a NewSessionTicket returns
 * "want read" with the ticket kept in memory, unprocessed (conn_recv reads on
 * and processes it at once); a write that finds one kept processes it first
 * and says so with RECEIVED_NEW_SESSION_TICKET: a ticket to save, then the
 * write to do, not a failure. */
static int tls_write(tc_tls_conn_t *c, const unsigned char *buf, size_t len)
{
  int ret = mbedtls_ssl_write(&c->ssl, buf, len);
#if defined(MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET)
  if (ret == MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET) {
    ticket_received(c);
    ret = mbedtls_ssl_write(&c->ssl, buf, len);
  }
#endif
  return ret;
}

/* Pushes out what mbedTLS encrypted but could not send yet: a record whose
 * bytes were already reported as sent (flush_len), or output of its own that
 * mbedtls_ssl_read left behind (an alert refusing a TLS 1.2 renegotiation).
 * The latter must go before any new data: while output is pending,
 * mbedtls_ssl_write only flushes it and returns the length it was given as if
 * it had sent those bytes. 1 done, 0 would block, < 0 error. */
static int32_t flush_pending(tc_tls_conn_t *c)
{
  static const unsigned char unused[1];
  size_t failures = c->ctx->arena.failures;
  int ret;
  if (c->flush_len == 0 && !c->out_pending) return 1;
  /* mbedTLS sends what it already encrypted and ignores the data argument
   * while output is pending ("call again with the same arguments"). */
  c->inner_err = 0;
  ret = tls_write(c, unused, c->flush_len);
  if (ret == MBEDTLS_ERR_SSL_WANT_WRITE || ret == MBEDTLS_ERR_SSL_WANT_READ) return 0;
  if (ret < 0) return conn_fail(c, map_err(c, ret, false, failures));
  c->flush_len = 0;
  c->out_pending = false;
  return 1;
}

/* What send and recv do first: drive the handshake and, on an open TLS
 * connection, flush a record still pending. > 0: go on (with c->state
 * ST_PLAIN, straight to the inner transport); otherwise the call's result
 * (0 also for a TLS call of len 0). */
static int32_t io_ready(tc_tls_conn_t *c, size_t len)
{
  int32_t r = drive(c);
  if (r <= 0 || c->state == ST_PLAIN) return r;
  r = flush_pending(c);
  return r > 0 && len == 0 ? 0 : r;
}

static int32_t conn_send(void *p, const uint8_t *buf, size_t len)
{
  tc_tls_conn_t *c = p;
  tc_tls_arena_t *prev = tc_tls_arena_enter(&c->ctx->arena);
  size_t failures = c->ctx->arena.failures;
  int32_t r = io_ready(c, len);
  int ret;
  if (r <= 0) goto out;
  if (c->state == ST_PLAIN) {
    r = c->inner.ops->send(c->inner.ctx, buf, len);
    goto out;
  }
  {
    int max = mbedtls_ssl_get_max_out_record_payload(&c->ssl);
    size_t n = len;
    if (max > 0 && n > (size_t)max) n = (size_t)max;
    if (n > INT32_MAX) n = INT32_MAX;
    c->inner_err = 0;
    ret = tls_write(c, buf, n);
    if (ret > 0) {
      r = ret;
    } else if (ret == MBEDTLS_ERR_SSL_WANT_WRITE) {
      /* the record holds our n bytes; it goes out on a later call */
      c->flush_len = n;
      r = (int32_t)n;
    } else if (ret == MBEDTLS_ERR_SSL_WANT_READ) {
      r = 0;
    } else {
      r = conn_fail(c, map_err(c, ret, false, failures));
    }
  }
out:
  tc_tls_arena_leave(prev);
  return r;
}

static int32_t conn_recv(void *p, uint8_t *buf, size_t len)
{
  tc_tls_conn_t *c = p;
  tc_tls_arena_t *prev = tc_tls_arena_enter(&c->ctx->arena);
  size_t failures = c->ctx->arena.failures;
  int32_t r = io_ready(c, len);
  int ret;
  if (r <= 0) goto out;
  if (c->state == ST_PLAIN) {
    r = c->inner.ops->recv(c->inner.ctx, buf, len);
    goto out;
  }
  if (len > INT32_MAX) len = INT32_MAX;
#if defined(MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET)
  bool ticket_kept = false; /* a ticket read, not processed yet */
#endif
  for (;;) {
    c->inner_err = 0;
    ret = mbedtls_ssl_read(&c->ssl, buf, len);
    if (ret > 0) { r = ret; break; }
#if defined(MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET)
    /* "want read" after a TLS 1.3 NewSessionTicket: the ticket is read and
     * kept, unprocessed, and what follows it may already be queued below
     * (lwIP's raw transport) with no event to come. Read on: the next call
     * processes the ticket (RECEIVED_NEW_SESSION_TICKET, below) and goes on
     * to the next record. 0 here would leave pending() at 0 with data below. */
    if (ret == MBEDTLS_ERR_SSL_WANT_READ && !ticket_kept &&
        c->ssl.MBEDTLS_PRIVATE(state) == MBEDTLS_SSL_TLS1_3_NEW_SESSION_TICKET) {
      ticket_kept = true;
      continue;
    }
#endif
    if (ret == MBEDTLS_ERR_SSL_WANT_READ) { r = 0; break; }
    if (ret == MBEDTLS_ERR_SSL_WANT_WRITE) { /* its own output waits: flushed first */
      c->out_pending = true;
      r = 0;
      break;
    }
#if defined(MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET)
    if (ret == MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET) {
      ticket_received(c);
      ticket_kept = false;
      continue;
    }
#endif
    r = conn_fail(c, ret == 0 ? TC_ERR_NET_EOF : map_err(c, ret, false, failures));
    break;
  }
  c->more_below = r > 0 && c->inner.ops->pending(c->inner.ctx) > 0;
out:
  tc_tls_arena_leave(prev);
  return r;
}

/* What recv works through without the network that no event will announce:
 * decrypted bytes inside mbedTLS and, when the last recv returned data and
 * left some there, the bytes the inner transport holds (lwIP's raw transport
 * queues records; mbedTLS reads one at a time, so a reader that stops after a
 * record leaves the next ones below, already announced). Bytes that arrive
 * after a recv found nothing more come with their own event: not counting
 * them keeps an idle connection (which nobody reads) from keeping a loop
 * awake. None while a record waits to go out: recv sends it first and reads
 * nothing before; writability (or lwIP's sent callback) wakes the loop. */
static size_t conn_pending(void *p)
{
  tc_tls_conn_t *c = p;
  size_t n;
  if (c->state == ST_PLAIN) return c->inner.ops->pending(c->inner.ctx);
  if (c->state != ST_OPEN || c->flush_len != 0 || c->out_pending) return 0;
  n = mbedtls_ssl_get_bytes_avail(&c->ssl);
  return c->more_below ? n + c->inner.ops->pending(c->inner.ctx) : n;
}

static const tc_transport_ops_t tc_tls_ops = {
  conn_open, conn_send, conn_recv, conn_pending, conn_close,
};

tc_transport_t tc_tls_conn_transport(tc_tls_conn_t *conn)
{
  tc_transport_t t = { &tc_tls_ops, conn };
  return t;
}

uint64_t tc_tls_conn_deadline_ms(const tc_tls_conn_t *c)
{
  return c->state == ST_HANDSHAKE ? c->deadline : UINT64_MAX;
}

uint32_t tc_tls_conn_verify_flags(const tc_tls_conn_t *c) { return c->verify_flags; }

bool tc_tls_conn_session_offered(const tc_tls_conn_t *c) { return c->session_offered; }

bool tc_tls_conn_handshake_done(const tc_tls_conn_t *c)
{
  return c->state == ST_OPEN || c->state == ST_PLAIN;
}

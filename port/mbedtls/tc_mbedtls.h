/*
 * tc_mbedtls.h — TLS over any tc_transport_t, with mbedTLS 2.28 or 3.6.
 *
 * A TLS connection (tc_tls_conn_t) is itself a tc_transport_t: its open()
 * opens the inner transport (port/posix, port/lwip, ...) and, when tls is
 * true, runs the handshake from later send/recv calls, which return 0 until
 * it is done. Bytes move through mbedTLS's BIO callbacks, so the inner
 * transport may be anything that speaks port.h. No protocol logic here.
 *
 * Security defaults: the server certificate is verified against the CA
 * certificates you give and against the host name passed to open()
 * (mbedtls_ssl_set_hostname, which also sends it as SNI). Not one byte of
 * application data is written before that verification succeeded: send()
 * returns 0 during the handshake and an error after a failed one. Turning
 * verification off takes tc_tls_config_t.insecure_skip_verify_DANGEROUS.
 *
 * Memory: every allocation mbedTLS makes comes from the arena given in the
 * config (tc_tls_arena_t); nothing touches the system heap. mbedTLS's
 * allocator is process-wide, so the adapter selects the arena on entry to
 * each tc_tls_* call and restores the previous one on return; a block is freed
 * into the arena it came from. Not thread-safe: drive every TLS connection
 * from one thread (the event loop). An application that calls mbedTLS itself
 * brackets those calls with tc_tls_arena_enter/leave.
 *   - mbedTLS built with MBEDTLS_PLATFORM_MEMORY (the 3.6 build of
 *     tests/deps.d/mbedtls3.sh, most firmware SDKs): the adapter installs its
 *     allocator with mbedtls_platform_set_calloc_free().
 *   - mbedTLS without it (Debian 12's 2.28): mbedTLS calls calloc/free
 *     directly; link static libraries whose calloc/free references are renamed
 *     to tc_mbedtls_calloc/tc_mbedtls_free (port/port.mk does this with
 *     objcopy). Linked against the unmodified shared library, mbedTLS uses the
 *     system heap and the arena stays empty (tc_tls_arena_peak() == 0).
 *
 * Session resumption: with session_kv set, the session (TLS 1.2 session id or
 * ticket, or a TLS 1.3 ticket) is saved under session_key after a handshake
 * and offered on the next open() to the same host and port (never with
 * insecure_skip_verify_DANGEROUS: such a context neither saves nor offers
 * one, since resuming skips the certificate check). The stored blob
 * holds the session's master secret: it is a SECRET, as sensitive as the
 * traffic it protects; keep it in storage only this device can read, and
 * erase it when the device changes hands.
 */
#ifndef TC_MBEDTLS_H
#define TC_MBEDTLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <mbedtls/version.h>
#if MBEDTLS_VERSION_MAJOR < 3
#include <mbedtls/config.h>
#endif
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

#include "port.h"
#include "tc_kv.h"

/* ---------------------------------------------------------------- arena */

/* A first-fit allocator over one caller-owned buffer, with peak tracking. */
typedef struct tc_tls_arena {
  uint8_t *base;
  size_t size;
  size_t in_use;   /* bytes allocated now, headers included */
  size_t peak;     /* most ever in use since init or reset_peak */
  size_t failures; /* allocations refused for lack of space */
} tc_tls_arena_t;

/* Prepares arena over buf[0..size) (aligned internally; the caller keeps
 * ownership of buf and must keep it alive while the arena is used). */
void tc_tls_arena_init(tc_tls_arena_t *arena, void *buf, size_t size);
/* Peak bytes in use (headers and alignment included). */
size_t tc_tls_arena_peak(const tc_tls_arena_t *arena);
/* Restarts peak measurement from what is in use now. */
void tc_tls_arena_reset_peak(tc_tls_arena_t *arena);
/* Makes arena the target of mbedTLS allocations until the matching leave;
 * returns the previous one, to pass to leave. */
tc_tls_arena_t *tc_tls_arena_enter(tc_tls_arena_t *arena);
void tc_tls_arena_leave(tc_tls_arena_t *prev);

/* Where mbedTLS allocations go when no arena is entered: other code of the
 * program that also uses mbedTLS (ESP-IDF's Wi-Fi supplicant, esp-tls, OTA)
 * once tc_tls_ctx_init has installed this adapter's allocator. By default
 * there is none and such an allocation fails (NULL): no heap is ever used.
 * Give the platform's allocator here (e.g. calloc, free) to serve them. Blocks
 * are freed by whoever made them, whatever is entered at free time; except
 * blocks mbedTLS allocated before tc_tls_ctx_init installed this allocator:
 * tc_mbedtls_free reads a header in front of each block and cannot recognise
 * theirs, so free such objects before the first tc_tls_ctx_init (or create
 * the context before anything else uses mbedTLS).
 * With several threads, also build with TC_TLS_ARENA_THREAD_LOCAL defined as
 * the compiler's thread-local keyword (e.g. __thread), so that the arena one
 * task entered is not seen by the others. */
void tc_tls_set_fallback_alloc(void *(*calloc_fn)(size_t n, size_t size), void (*free_fn)(void *p));

/* The allocator mbedTLS is pointed at (directly, or by symbol renaming):
 * allocates from the current arena, NULL if there is none or it is full. */
void *tc_mbedtls_calloc(size_t n, size_t size);
void tc_mbedtls_free(void *p);

/* ---------------------------------------------------------------- config */

typedef struct tc_tls_config {
  /* Trusted CA certificates, PEM (one or more). Either a buffer (need not be
   * NUL-terminated) or a file path (hosts with MBEDTLS_FS_IO). Required
   * unless insecure_skip_verify_DANGEROUS. */
  const uint8_t *ca_pem;
  size_t ca_pem_len;
  const char *ca_file;
  /* Accept ANY server certificate: no CA check, no host name check. A man in
   * the middle can then read and change everything. For tests only. */
  bool insecure_skip_verify_DANGEROUS;
  /* Cryptographically secure random source that seeds the DRBG (getrandom
   * on POSIX: tc_posix_random; a TRNG on a board). Required. */
  tc_random_fn entropy;
  void *entropy_ctx;
  /* Clock for the handshake timeout (open()'s timeout_ms). Required. */
  tc_clock_fn clock;
  void *clock_ctx;
  /* Optional session resumption store (see the top of this header). */
  const tc_kv_t *session_kv;
  const char *session_key; /* default "tc_tls_sess" */
  /* Max fragment length to ask the server for: 0 (do not ask), 512, 1024,
   * 2048 or 4096. Most public servers ignore it; mbedTLS's receive buffer
   * is sized by MBEDTLS_SSL_IN_CONTENT_LEN at build time regardless. */
  uint16_t max_frag_len;
  /* The arena buffer for every mbedTLS allocation of this context and its
   * connections (see docs/porting.md for sizes). Required. */
  void *arena;
  size_t arena_size;
} tc_tls_config_t;

/* Shared state of all connections made with one configuration: the
 * mbedTLS config, the parsed CA chain, the DRBG, the arena. */
typedef struct tc_tls_ctx {
  tc_tls_arena_t arena;
  mbedtls_ssl_config conf;
  mbedtls_x509_crt ca;
  mbedtls_ctr_drbg_context drbg;
  tc_clock_fn clock;
  void *clock_ctx;
  tc_random_fn entropy;
  void *entropy_ctx;
  const tc_kv_t *session_kv;
  const char *session_key;
  bool ready;
  bool psa_ref; /* holds a reference on mbedTLS 3's process-wide PSA core */
} tc_tls_ctx_t;

/* Parses the CA certificates, seeds the DRBG and sets up the mbedTLS
 * configuration (TLS client, verification REQUIRED unless the config says
 * otherwise, ALPN "http/1.1", session tickets on). cfg's buffers are not kept
 * except arena, session_kv and session_key, which must outlive ctx.
 * Errors: TC_ERR_ARG / TC_ERR_CONFIG (missing field), TC_ERR_TLS_CA (no
 * usable certificate), TC_ERR_TLS_ALLOC (arena too small). After an error
 * ctx is freed and may be initialised again. */
tc_err_t tc_tls_ctx_init(tc_tls_ctx_t *ctx, const tc_tls_config_t *cfg);
/* Frees everything ctx holds (its connections must be closed first).
 * mbedTLS 3: the PSA crypto core is process-wide; it is initialised by the
 * first context, lives in that context's arena, and is freed with the last
 * context: free contexts in the reverse order of their init (or use one). */
void tc_tls_ctx_free(tc_tls_ctx_t *ctx);

/* ---------------------------------------------------------------- connection */

typedef struct tc_tls_conn {
  tc_tls_ctx_t *ctx;
  tc_transport_t inner;
  mbedtls_ssl_context ssl;
  uint8_t state;        /* private */
  bool ssl_live;        /* ssl was set up and must be freed */
  bool session_offered; /* a stored session was offered to the server */
  bool out_pending;     /* mbedTLS holds output of its own, not yet sent */
  int32_t err;          /* sticky error once failed */
  int32_t inner_err;    /* the inner transport's error behind a BIO failure */
  size_t flush_len;     /* bytes taken into a record not yet fully sent */
  uint64_t deadline;    /* handshake deadline (ctx clock) */
  uint32_t verify_flags;
  uint16_t port;
  bool more_below;      /* the last recv left bytes in the inner transport */
} tc_tls_conn_t;

/* Prepares conn over inner (which it opens and closes). Never fails. */
void tc_tls_conn_init(tc_tls_conn_t *conn, tc_tls_ctx_t *ctx, tc_transport_t inner);

/* The transport interface over conn. open(host, port, tls, timeout_ms):
 * tls false is a plain pass-through to the inner transport. With tls, open
 * returns the inner open()'s error, TC_ERR_TLS_ALLOC, or TC_OK; then send and
 * recv return 0 until the handshake is done, and its failure as their error:
 * TC_ERR_TLS_CERT_UNTRUSTED / _EXPIRED / _HOSTNAME / _OTHER for a rejected
 * certificate, TC_ERR_NET_TIMEOUT past timeout_ms, TC_ERR_TLS_HANDSHAKE
 * otherwise (or the inner transport's error). send() may report bytes as
 * taken before they reached the inner transport (they sit in the encrypted
 * record); later send/recv calls push them out first, as they do with output
 * mbedTLS makes on its own while reading (the alert refusing a TLS 1.2
 * renegotiation), which goes out before any new data. recv() returns
 * TC_ERR_NET_EOF on close_notify or a closed connection, TC_ERR_TLS_IO on a
 * bad record; it works through TLS 1.3 NewSessionTickets (saving them with
 * session_kv) and reads on in the same call, so a 0 from recv with pending()
 * 0 means nothing readable is left below. pending() =
 * mbedtls_ssl_get_bytes_avail(), plus the inner transport's pending() when
 * the last recv returned data and left bytes there (records already queued
 * below, e.g. by lwIP's raw transport: mbedTLS reads one at a time); bytes
 * that arrive later come with their own event, so an idle connection does not
 * keep pending() up. 0 while a record waits to go out (recv sends it first).
 * close() sends close_notify (best effort, never waits) and frees the
 * session. */
tc_transport_t tc_tls_conn_transport(tc_tls_conn_t *conn);

/* The handshake deadline while one is under way, else UINT64_MAX. */
uint64_t tc_tls_conn_deadline_ms(const tc_tls_conn_t *conn);

/* true once the handshake succeeded (or for a plain connection once open);
 * data sent from then on is encrypted to a verified peer. */
bool tc_tls_conn_handshake_done(const tc_tls_conn_t *conn);

/* The certificate verification flags (MBEDTLS_X509_BADCERT_*) of the last
 * handshake, for diagnostics; 0 when it passed. */
uint32_t tc_tls_conn_verify_flags(const tc_tls_conn_t *conn);

/* true when the last open() offered a stored session to the server (whether
 * the server accepted it shows only on the server side). */
bool tc_tls_conn_session_offered(const tc_tls_conn_t *conn);

#endif /* TC_MBEDTLS_H */

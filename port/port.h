/*
 * port.h — what a platform gives trigchat: a byte transport, a clock and a
 * random source. core/ calls only these; port/ implements them (POSIX sockets,
 * lwIP, mbedTLS on top of either). See docs/porting.md.
 *
 * Everything is non-blocking. A transport function never waits for the
 * network: it does what it can now and says "would block" with 0.
 */
#ifndef TC_PORT_H
#define TC_PORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tc_err.h"

/* A byte stream to one host (TCP, optionally TLS). The ops act on `ctx`. */
typedef struct tc_transport_ops {
  /* Starts connecting to host:port (host is a NUL-terminated name or address
   * literal); with tls, a TLS session that verifies the server certificate
   * against host. Returns TC_OK when the attempt is under way (or done),
   * or an error (TC_ERR_NET_DNS, TC_ERR_NET_CONNECT, ...). Completion shows as
   * send/recv no longer returning 0 for "still connecting"; a failure shows
   * as their error. timeout_ms bounds DNS + connect + handshake; the
   * transport reads its clock only when called, so the loop must wake by the
   * transport's deadline (docs/porting.md). Opening an open transport closes
   * it first. After any error, send/recv keep returning it until close. */
  tc_err_t (*open)(void *ctx, const char *host, uint16_t port, bool tls, uint32_t timeout_ms);
  /* Sends up to len bytes: > 0 bytes taken, 0 would block (or still
   * connecting), < 0 a tc_err_t. */
  int32_t (*send)(void *ctx, const uint8_t *buf, size_t len);
  /* Receives up to len bytes: > 0 bytes read, 0 would block, TC_ERR_NET_EOF
   * when the peer closed cleanly, other < 0 errors. */
  int32_t (*recv)(void *ctx, uint8_t *buf, size_t len);
  /* Bytes already received below this interface that recv will work
   * through without touching the network, and that no socket readiness will
   * announce (decrypted TLS records in memory; bytes a callback stack such as
   * lwIP's raw API queued). An event loop that sleeps must drain these first. */
  size_t (*pending)(void *ctx);
  /* Closes and forgets the connection; safe to call when not open. */
  void (*close)(void *ctx);
} tc_transport_ops_t;

typedef struct tc_transport {
  const tc_transport_ops_t *ops;
  void *ctx;
} tc_transport_t;

/* Milliseconds from any fixed origin, monotonic. core/ never reads a clock
 * itself: the application passes now_ms into every step call; this type is
 * for ports and applications. */
typedef uint64_t (*tc_clock_fn)(void *ctx);

/* Fills buf with n random bytes (used for X-Part-Id values and jitter; not
 * for keys). Must not fail; a platform without a hardware source seeds a
 * generator from whatever entropy it has. port/mbedtls takes a function of
 * this type as its entropy source too: that one must be cryptographically
 * secure (the kernel's CSPRNG, a hardware TRNG). */
typedef void (*tc_random_fn)(void *ctx, uint8_t *buf, size_t n);

#endif /* TC_PORT_H */

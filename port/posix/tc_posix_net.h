/*
 * tc_posix_net.h — a tc_transport_t over non-blocking BSD sockets (Linux,
 * macOS, any POSIX host), plus a POSIX clock and random source.
 *
 * Host-only: firmware uses port/lwip (or its own adapter, docs/porting.md).
 * No protocol logic here: bytes in, bytes out.
 *
 *   tc_posix_net_t net;
 *   tc_posix_net_init(&net, NULL, NULL);           // default clock
 *   tc_transport_t t = tc_posix_net_transport(&net);
 *   t.ops->open(t.ctx, "example.com", 443, false, 10000);
 *   // then send/recv return 0 until connected, bytes after.
 *
 * open() calls getaddrinfo(), which BLOCKS the calling thread for as long as
 * the system resolver takes (a DNS timeout can be seconds). A firmware port
 * resolves names its own way (lwIP's dns_gethostbyname is asynchronous).
 * Everything after the lookup is non-blocking: connect() is started by open()
 * and finished by later send/recv calls, which try every address the lookup
 * returned, each for a fair share of what is left of timeout_ms.
 *
 * Readiness for an application's poll() loop: tc_posix_net_fd() is the socket
 * to wait on, tc_posix_net_wants_write() says whether to ask for POLLOUT as
 * well as POLLIN (true while connecting and after a send that would block),
 * and tc_posix_net_deadline_ms() the clock value at which the connect attempt
 * times out (so the loop wakes to let send/recv report it).
 */
#ifndef TC_POSIX_NET_H
#define TC_POSIX_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "port.h"

/* Most addresses kept from one lookup (the rest are ignored). */
#ifndef TC_POSIX_NET_ADDRS_MAX
#define TC_POSIX_NET_ADDRS_MAX 8
#endif

/* A copy of one resolved address (large enough for IPv4 and IPv6). */
typedef struct tc_posix_addr {
  uint32_t len;
  union {
    uint64_t align_;
    uint8_t bytes[28]; /* sizeof(struct sockaddr_in6) */
  } sa;
} tc_posix_addr_t;

typedef struct tc_posix_net {
  int fd;                 /* -1 when closed */
  uint8_t state;          /* private: idle, connecting, open, failed */
  bool wants_write;
  int32_t err;            /* sticky error once failed */
  uint8_t naddr, cur;     /* resolved addresses, the one being tried */
  uint64_t deadline;      /* whole open: lookup + connect */
  uint64_t try_deadline;  /* the current address */
  tc_clock_fn clock;
  void *clock_ctx;
  tc_posix_addr_t addrs[TC_POSIX_NET_ADDRS_MAX];
} tc_posix_net_t;

/* Prepares net (closed). clock/clock_ctx drive the connect timeout; NULL
 * clock means tc_posix_clock_ms. Never fails; call once before use. */
void tc_posix_net_init(tc_posix_net_t *net, tc_clock_fn clock, void *clock_ctx);

/* The transport interface over net (ops are static; ctx is net). open()'s tls
 * must be false (TC_ERR_CONFIG otherwise): put port/mbedtls on top for TLS. */
tc_transport_t tc_posix_net_transport(tc_posix_net_t *net);

/* Like open(), for addresses already resolved (a firmware-style lookup, or
 * tests): connects to addrs[0..n) in order, each for a fair share of
 * timeout_ms (n is capped at TC_POSIX_NET_ADDRS_MAX). Each address carries its
 * port. Returns TC_OK (connecting or connected), TC_ERR_ARG, or
 * TC_ERR_NET_CONNECT when every address failed at once. */
tc_err_t tc_posix_net_open_addrs(tc_posix_net_t *net, const tc_posix_addr_t *addrs, size_t n,
                                 uint32_t timeout_ms);

/* The socket to poll(), or -1 when closed/failed. */
int tc_posix_net_fd(const tc_posix_net_t *net);

/* true when the loop should also wait for POLLOUT (connecting, or the last
 * send would block). */
bool tc_posix_net_wants_write(const tc_posix_net_t *net);

/* poll() events to wait for: POLLIN, plus POLLOUT when wants_write; 0 when
 * there is no socket. */
short tc_posix_net_poll_events(const tc_posix_net_t *net);

/* Clock value at which the connection attempt under way times out, or
 * UINT64_MAX when nothing times out (connected, closed). */
uint64_t tc_posix_net_deadline_ms(const tc_posix_net_t *net);

/* CLOCK_MONOTONIC in milliseconds; ctx unused. A tc_clock_fn. */
uint64_t tc_posix_clock_ms(void *ctx);

/* n bytes from getrandom() (the kernel's CSPRNG, so also fit for TLS
 * seeding); ctx unused. Never fails: aborts the process if the kernel has no
 * random source at all. A tc_random_fn. */
void tc_posix_random(void *ctx, uint8_t *buf, size_t n);

#endif /* TC_POSIX_NET_H */

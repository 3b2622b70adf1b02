/*
 * tc_lwip_raw.h — a tc_transport_t on lwIP's raw (callback) API, for bare
 * metal builds with NO_SYS=1: no threads, no sockets, one loop that calls
 * the netif driver, sys_check_timeouts() and tc_chat_step().
 *
 *   static tc_lwip_raw_t conn;                    // must outlive lookups: static
 *   tc_lwip_raw_init(&conn, my_clock, NULL);
 *   tc_transport_t t = tc_lwip_raw_transport(&conn);
 *   t.ops->open(t.ctx, "api.trigger.dev", 443, false, 10000);
 *   // put port/mbedtls on top for TLS (tc_tls_conn_init(&tls, &ctx, t)).
 *
 * How it maps to lwIP (lwIP 2.1+; every call from the thread that owns
 * lwIP — with NO_SYS=0 the caller must hold LOCK_TCPIP_CORE, see docs/lwip.md):
 *   open()  dns_gethostbyname() with a callback (an address literal or a
 *           cached name resolves at once), then tcp_new_ip_type() and
 *           tcp_connect() with a connected callback. Returns at once.
 *   send()  tcp_write(TCP_WRITE_FLAG_COPY) of at most tcp_sndbuf() bytes,
 *           then tcp_output(). 0 (would block) when the send buffer or the
 *           segment queue is full.
 *   recv()  the tcp_recv callback queues the pbufs lwIP hands over (a chain,
 *           no copy); recv() copies out of it and calls tcp_recved() only for
 *           the bytes it consumed, so the advertised window closes while the
 *           application is not reading: real TCP backpressure, and at most
 *           TCP_WND bytes held per connection.
 *           Nagle is off (tcp_nagle_disable): requests go out whole, at once.
 *   errors  tcp_err: a reset (RST) is TC_ERR_NET_RESET once connected and
 *           TC_ERR_NET_CONNECT while connecting (refused); any other abort
 *           is TC_ERR_NET_IO. A FIN is TC_ERR_NET_EOF after the queued bytes
 *           (then sticky for send too; our side closes with a FIN).
 * pending() = bytes queued in the pbuf chain (the loop must drain them
 * before it sleeps: they produce no further lwIP event).
 *
 * No heap of its own: the pcb, pbufs and DNS entry come from lwIP's pools.
 * The object must stay valid while a DNS lookup it started may still call
 * back (lwIP cannot cancel one): keep it static or for the program's life.
 * A late answer for a closed or re-opened connection is recognised and
 * ignored.
 */
#ifndef TC_LWIP_RAW_H
#define TC_LWIP_RAW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "port.h"

struct tcp_pcb;
struct pbuf;

typedef struct tc_lwip_raw {
  struct tcp_pcb *pcb;   /* NULL when lwIP holds no connection for us */
  struct pbuf *rx;       /* received, not yet consumed (owned by us) */
  int32_t err;           /* sticky error once failed */
  uint64_t deadline;     /* open(): lookup + connect */
  tc_clock_fn clock;
  void *clock_ctx;
  uint32_t lookup_id;    /* tags the DNS lookup under way (0: none) */
  uint16_t port;
  uint8_t state;         /* private: idle, resolving, connecting, open, failed */
  bool peer_closed;      /* FIN seen */
  void (*notify)(void *arg); /* optional: "something happened", see below */
  void *notify_arg;
} tc_lwip_raw_t;

/* Prepares c (closed). clock/clock_ctx drive open()'s timeout; NULL means
 * lwIP's sys_now() (extended to 64 bits). Never fails. */
void tc_lwip_raw_init(tc_lwip_raw_t *c, tc_clock_fn clock, void *clock_ctx);

/* The transport interface over c (ops are static; ctx is c). open()'s tls
 * must be false (TC_ERR_CONFIG): TLS is port/mbedtls on top. open() returns
 * TC_OK (resolving or connecting), TC_ERR_ARG (empty host, port 0),
 * TC_ERR_NET_DNS (name rejected by lwIP: too long, no DNS client, table
 * full) or TC_ERR_NET_CONNECT (no pcb, no route). Later failures show as
 * send/recv errors: TC_ERR_NET_DNS, TC_ERR_NET_CONNECT, TC_ERR_NET_TIMEOUT
 * (the clock passed timeout_ms before the connection was up). close() sends
 * FIN (tcp_close; tcp_abort if lwIP is out of memory) and frees the queue;
 * with bytes still unread lwIP answers with RST instead, as POSIX stacks do. */
tc_transport_t tc_lwip_raw_transport(tc_lwip_raw_t *c);

/* Optional wake-up hook for the loop: fn(arg) is called from lwIP's
 * callbacks (so from inside sys_check_timeouts or the netif input path)
 * whenever send/recv may now give a different answer: lookup done, connected,
 * bytes or FIN received, sent bytes acknowledged (send room again), error.
 * fn must not call back into lwIP or this transport: set a flag or notify a
 * task, and run tc_chat_step from the loop. NULL removes the hook. */
void tc_lwip_raw_set_notify(tc_lwip_raw_t *c, void (*fn)(void *arg), void *arg);

/* Clock value at which the open under way times out, or UINT64_MAX (open,
 * closed, failed). The loop wakes then to let send/recv report it. */
uint64_t tc_lwip_raw_deadline_ms(const tc_lwip_raw_t *c);

/* true once connected (send takes bytes; a failure since then shows as an
 * error from send/recv). */
bool tc_lwip_raw_connected(const tc_lwip_raw_t *c);

#endif /* TC_LWIP_RAW_H */

/*
 * tc_lwip_sockets.h — a tc_transport_t on lwIP's BSD sockets API (NO_SYS=0:
 * FreeRTOS, ESP-IDF, any RTOS with lwIP's tcpip thread).
 *
 *   tc_lwip_sock_t net;
 *   tc_lwip_sock_init(&net, my_clock, NULL);
 *   tc_transport_t t = tc_lwip_sock_transport(&net);
 *   t.ops->open(t.ctx, "api.trigger.dev", 443, false, 10000);
 *   // put port/mbedtls on top for TLS.
 *
 * Only lwIP's prefixed names are called (lwip_socket, lwip_connect,
 * lwip_fcntl(O_NONBLOCK), lwip_send/lwip_recv with MSG_DONTWAIT, lwip_select
 * with a zero timeout, lwip_getsockopt(SO_ERROR), lwip_getaddrinfo,
 * lwip_close), so the adapter builds with LWIP_COMPAT_SOCKETS 0, 1 or 2 and
 * on ESP-IDF, whose lwIP exports both the prefixed and the plain names.
 * TCP_NODELAY is set: requests are written whole and are latency-bound.
 *
 * open() resolves the name with lwip_getaddrinfo(), which BLOCKS the calling
 * task until lwIP's DNS client answers or gives up (DNS_MAX_RETRIES; about
 * 2 s per retry): run the chat in its own task, or resolve ahead of time and
 * pass an address literal (which never blocks). lwIP returns one address per
 * name. Everything after the lookup is non-blocking: the connect is started
 * by open() and finished by later send/recv calls (0 until then).
 *
 * Readiness for the task's loop: tc_lwip_sock_fd() is the socket to pass to
 * lwip_select()/lwip_poll() (read set; also the write set while
 * tc_lwip_sock_wants_write()), tc_lwip_sock_deadline_ms() the clock value at
 * which the connect attempt times out. pending() is always 0: lwIP's socket
 * buffers show up as socket readiness.
 * Call every function from one task at a time (lwIP sockets may be shared
 * between tasks only with LWIP_NETCONN_FULLDUPLEX; this adapter never needs it).
 */
#ifndef TC_LWIP_SOCKETS_H
#define TC_LWIP_SOCKETS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "port.h"

typedef struct tc_lwip_sock {
  int fd;               /* -1 when closed */
  int32_t err;          /* sticky error once failed */
  uint64_t deadline;    /* open(): connect deadline */
  tc_clock_fn clock;
  void *clock_ctx;
  uint8_t state;        /* private: idle, connecting, open, failed */
  bool wants_write;
} tc_lwip_sock_t;

/* Prepares net (closed). clock/clock_ctx drive the connect timeout; NULL
 * means lwIP's sys_now() (extended to 64 bits). Never fails. */
void tc_lwip_sock_init(tc_lwip_sock_t *net, tc_clock_fn clock, void *clock_ctx);

/* The transport interface over net (ops static; ctx is net). open()'s tls
 * must be false (TC_ERR_CONFIG). open() returns TC_OK (connecting or
 * connected), TC_ERR_ARG (empty host, port 0), TC_ERR_NET_DNS (lookup
 * failed), TC_ERR_NET_CONNECT (no socket, refused at once). send/recv: > 0
 * bytes, 0 would block or still connecting, TC_ERR_NET_CONNECT (refused,
 * unreachable), TC_ERR_NET_TIMEOUT (the clock passed timeout_ms while
 * connecting), TC_ERR_NET_RESET, TC_ERR_NET_EOF (recv: peer closed),
 * TC_ERR_NET_IO. Errors are sticky until close() or the next open(). */
tc_transport_t tc_lwip_sock_transport(tc_lwip_sock_t *net);

/* The socket for lwip_select()/lwip_poll(), or -1 when closed or failed. */
int tc_lwip_sock_fd(const tc_lwip_sock_t *net);

/* true when the loop should also wait for writability (connecting, or the
 * last send would block). */
bool tc_lwip_sock_wants_write(const tc_lwip_sock_t *net);

/* Clock value at which the connect under way times out, or UINT64_MAX. */
uint64_t tc_lwip_sock_deadline_ms(const tc_lwip_sock_t *net);

#endif /* TC_LWIP_SOCKETS_H */

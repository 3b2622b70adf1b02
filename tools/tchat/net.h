/*
 * net.h — tchat's network: two connections (the chat's .out and its
 * requests), each TLS (port/mbedtls, net.c) over a TCP transport from a
 * network stack chosen at run time, plus what the event loop needs to sleep:
 * poll descriptors, the next deadline, and the stack's work after poll().
 *
 *   posix (net_posix.c)  the host's sockets (port/posix); in every build.
 *   lwip  (net_lwip.c)   lwIP 2.1 raw API, NO_SYS=1 (port/lwip) on a TAP
 *                        device: a bare-metal device's code path, run on the
 *                        host. Only in $(BUILD)/tchat-lwip (docs/lwip.md).
 *
 * This is the part a firmware port replaces: on a device the TCP transports
 * come from lwIP and the CA from flash; the chat itself does not change.
 */
#ifndef TCHAT_NET_H
#define TCHAT_NET_H

#include <poll.h>

#include "port.h"
#include "tc_mbedtls.h"
#include "tc_posix_net.h" /* the loop's clock: tc_posix_clock_ms */

/* Arena for every mbedTLS allocation of both connections (the README's TLS
 * figures say how much one handshake needs). */
#define TCHAT_TLS_ARENA (160u * 1024u)

/* Most descriptors a stack asks poll() to watch. */
#define TCHAT_NET_FDS 2

/* A network stack. Its state is static in its own file (one per process);
 * every function is called from the event loop's thread only. */
typedef struct tchat_stack {
  const char *name;
  /* Brings the stack up and gives connection i's TCP transport in tcp[i]
   * (0: .out, 1: requests). Returns TC_OK or an error (after a message on
   * stderr saying what is missing). */
  tc_err_t (*init)(tc_transport_t tcp[2]);
  /* Fills at most TCHAT_NET_FDS entries of fds for poll() and lowers
   * *deadline (a tc_posix_clock_ms value) to the stack's own next timer.
   * Returns the number of entries filled. */
  int (*poll_setup)(struct pollfd *fds, uint64_t *deadline);
  /* Called after every poll(), whatever it returned: the stack's own work
   * (lwIP: feed received frames to the netif, run its timers). NULL: none. */
  void (*after_poll)(void);
  /* Releases what init took; the transports are closed already. */
  void (*free)(void);
} tchat_stack_t;

extern const tchat_stack_t tchat_stack_posix; /* net_posix.c */
extern const tchat_stack_t tchat_stack_lwip;  /* net_lwip.c (tchat-lwip only) */

typedef struct tchat_net {
  const tchat_stack_t *stack;
  tc_tls_ctx_t tls;
  bool tls_ready;            /* a CA was loaded: https URLs work */
  tc_tls_conn_t conn[2];
} tchat_net_t;

/* The stack called name ("posix", "lwip"), or NULL when this binary has none. */
const tchat_stack_t *tchat_stack_find(const char *name);

/* Brings stack up and sets up both connections over it. ca_file may be NULL
 * (the system bundle is tried; without any CA only http:// URLs work).
 * Returns TC_OK, the stack's error or the TLS error. */
tc_err_t tchat_net_init(tchat_net_t *n, const tchat_stack_t *stack, const char *ca_file,
                        const tc_kv_t *session_kv);
void tchat_net_free(tchat_net_t *n);

/* Connection i (0: .out, 1: requests) as a transport for tc_chat_init. */
tc_transport_t tchat_net_transport(tchat_net_t *n, int i);

/* Fills fds[0..TCHAT_NET_FDS) for poll() and lowers *deadline to the stack's
 * and the TLS handshakes' own timeouts. Returns the number of descriptors. */
int tchat_net_poll_setup(tchat_net_t *n, struct pollfd *fds, uint64_t *deadline);

/* Call after every poll(): lets the stack process what arrived. */
void tchat_net_after_poll(tchat_net_t *n);

#endif

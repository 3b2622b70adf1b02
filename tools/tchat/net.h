/*
 * net.h — tchat's network stack: two connections (the chat's .out and its
 * requests), each TLS (port/mbedtls) over a socket (port/posix), plus what
 * the event loop needs to sleep: poll descriptors and the next deadline.
 *
 * This is the part a firmware port replaces: on a device the sockets come
 * from lwIP and the CA from flash; the chat itself does not change.
 */
#ifndef TCHAT_NET_H
#define TCHAT_NET_H

#include <poll.h>

#include "port.h"
#include "tc_mbedtls.h"
#include "tc_posix_net.h"

/* Arena for every mbedTLS allocation of both connections (the README's TLS
 * figures say how much one handshake needs). */
#define TCHAT_TLS_ARENA (160u * 1024u)

typedef struct tchat_net {
  tc_tls_ctx_t tls;
  bool tls_ready;            /* a CA was loaded: https URLs work */
  tc_posix_net_t sock[2];
  tc_tls_conn_t conn[2];
} tchat_net_t;

/* Sets up both connections. ca_file may be NULL (the system bundle is tried;
 * without any CA only http:// URLs work). Returns TC_OK or the TLS error. */
tc_err_t tchat_net_init(tchat_net_t *n, const char *ca_file, const tc_kv_t *session_kv);
void tchat_net_free(tchat_net_t *n);

/* Connection i (0: .out, 1: requests) as a transport for tc_chat_init. */
tc_transport_t tchat_net_transport(tchat_net_t *n, int i);

/* Fills fds[0..2) for poll() and lowers *deadline to the sockets' and TLS
 * handshakes' own timeouts. Returns the number of descriptors filled. */
int tchat_net_poll_setup(tchat_net_t *n, struct pollfd *fds, uint64_t *deadline);

#endif

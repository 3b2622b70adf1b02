/* net.c — tchat's POSIX + mbedTLS stack (see net.h). */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "net.h"

static unsigned char g_arena[TCHAT_TLS_ARENA];

tc_err_t tchat_net_init(tchat_net_t *n, const char *ca_file, const tc_kv_t *session_kv)
{
  static const char k_system_ca[] = "/etc/ssl/certs/ca-certificates.crt";
  memset(n, 0, sizeof *n); /* tls.ready false until a CA is loaded */
  if (ca_file == NULL && access(k_system_ca, R_OK) == 0) ca_file = k_system_ca;
  if (ca_file != NULL) {
    tc_tls_config_t cfg = {
      .ca_file = ca_file,
      .entropy = tc_posix_random,
      .clock = tc_posix_clock_ms,
      .session_kv = session_kv,
      .arena = g_arena,
      .arena_size = sizeof g_arena,
    };
    tc_err_t err = tc_tls_ctx_init(&n->tls, &cfg);
    if (err != TC_OK) return err;
    n->tls_ready = true;
  }
  for (int i = 0; i < 2; i++) {
    tc_posix_net_init(&n->sock[i], tc_posix_clock_ms, NULL);
    /* Without a CA the TLS layer only passes http:// through; an https://
     * URL then fails to open with TC_ERR_STATE. */
    tc_tls_conn_init(&n->conn[i], &n->tls, tc_posix_net_transport(&n->sock[i]));
  }
  return TC_OK;
}

void tchat_net_free(tchat_net_t *n)
{
  for (int i = 0; i < 2; i++) {
    tc_transport_t t = tc_tls_conn_transport(&n->conn[i]);
    t.ops->close(t.ctx);
  }
  if (n->tls_ready) tc_tls_ctx_free(&n->tls);
  n->tls_ready = false;
}

tc_transport_t tchat_net_transport(tchat_net_t *n, int i)
{
  return tc_tls_conn_transport(&n->conn[i]);
}

int tchat_net_poll_setup(tchat_net_t *n, struct pollfd *fds, uint64_t *deadline)
{
  int k = 0;
  for (int i = 0; i < 2; i++) {
    uint64_t d = tc_posix_net_deadline_ms(&n->sock[i]);
    if (d < *deadline) *deadline = d;
    d = tc_tls_conn_deadline_ms(&n->conn[i]);
    if (d < *deadline) *deadline = d;
    int fd = tc_posix_net_fd(&n->sock[i]);
    if (fd < 0) continue;
    fds[k].fd = fd;
    fds[k].events = tc_posix_net_poll_events(&n->sock[i]);
    fds[k].revents = 0;
    k++;
  }
  return k;
}

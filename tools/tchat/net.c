/* net.c — tchat's TLS layer over the chosen stack's TCP (see net.h). */
#include <string.h>
#include <unistd.h>

#include "net.h"

static unsigned char g_arena[TCHAT_TLS_ARENA];

const tchat_stack_t *tchat_stack_find(const char *name)
{
  static const tchat_stack_t *const stacks[] = {
    &tchat_stack_posix,
#ifdef TCHAT_WITH_LWIP
    &tchat_stack_lwip, /* needs lwIP's source: only in tchat-lwip */
#endif
  };
  for (size_t i = 0; i < sizeof stacks / sizeof stacks[0]; i++)
    if (strcmp(stacks[i]->name, name) == 0) return stacks[i];
  return NULL;
}

tc_err_t tchat_net_init(tchat_net_t *n, const tchat_stack_t *stack, const char *ca_file,
                        const tc_kv_t *session_kv)
{
  static const char k_system_ca[] = "/etc/ssl/certs/ca-certificates.crt";
  tc_transport_t tcp[2];
  memset(n, 0, sizeof *n); /* tls_ready false until a CA is loaded */
  tc_err_t err = stack->init(tcp);
  if (err != TC_OK) return err;
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
    err = tc_tls_ctx_init(&n->tls, &cfg);
    if (err != TC_OK) {
      stack->free();
      return err;
    }
    n->tls_ready = true;
  }
  n->stack = stack;
  for (int i = 0; i < 2; i++) {
    /* Without a CA the TLS layer only passes http:// through; an https://
     * URL then fails to open with TC_ERR_STATE. */
    tc_tls_conn_init(&n->conn[i], &n->tls, tcp[i]);
  }
  return TC_OK;
}

void tchat_net_free(tchat_net_t *n)
{
  if (n->stack == NULL) return;
  for (int i = 0; i < 2; i++) {
    tc_transport_t t = tc_tls_conn_transport(&n->conn[i]);
    t.ops->close(t.ctx); /* close_notify, then the TCP close */
  }
  n->stack->free();
  n->stack = NULL;
  if (n->tls_ready) tc_tls_ctx_free(&n->tls);
  n->tls_ready = false;
}

tc_transport_t tchat_net_transport(tchat_net_t *n, int i)
{
  return tc_tls_conn_transport(&n->conn[i]);
}

int tchat_net_poll_setup(tchat_net_t *n, struct pollfd *fds, uint64_t *deadline)
{
  for (int i = 0; i < 2; i++) {
    uint64_t d = tc_tls_conn_deadline_ms(&n->conn[i]);
    if (d < *deadline) *deadline = d;
  }
  return n->stack->poll_setup(fds, deadline);
}

void tchat_net_after_poll(tchat_net_t *n)
{
  if (n->stack->after_poll) n->stack->after_poll();
}

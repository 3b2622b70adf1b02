/* net_posix.c — tchat's POSIX stack: the host's sockets (port/posix). */
#include "net.h"

static tc_posix_net_t g_sock[2];

static tc_err_t posix_init(tc_transport_t tcp[2])
{
  for (int i = 0; i < 2; i++) {
    tc_posix_net_init(&g_sock[i], tc_posix_clock_ms, NULL);
    tcp[i] = tc_posix_net_transport(&g_sock[i]);
  }
  return TC_OK;
}

/* The kernel does the network's work: sleep on the sockets themselves. */
static int posix_poll_setup(struct pollfd *fds, uint64_t *deadline)
{
  int k = 0;
  for (int i = 0; i < 2; i++) {
    uint64_t d = tc_posix_net_deadline_ms(&g_sock[i]);
    if (d < *deadline) *deadline = d;
    int fd = tc_posix_net_fd(&g_sock[i]);
    if (fd < 0) continue;
    fds[k].fd = fd;
    fds[k].events = tc_posix_net_poll_events(&g_sock[i]);
    fds[k].revents = 0;
    k++;
  }
  return k;
}

static void posix_free(void) {}

const tchat_stack_t tchat_stack_posix = {
  .name = "posix",
  .init = posix_init,
  .poll_setup = posix_poll_setup,
  .after_poll = NULL,
  .free = posix_free,
};

/*
 * net_lwip.c — tchat's lwIP stack: lwIP 2.1 with NO_SYS=1 (no threads, the
 * raw API) running in this process, TCP through port/lwip's tc_lwip_raw and
 * TLS through port/mbedtls on top (net.c): the code path of a bare-metal
 * device, driven by the same loop as on the host.
 *
 * The "Ethernet" is a TAP device (tests/lwip/sim_link.c moves frames between
 * it and lwIP's netif, 10.77.0.2) inside the private network namespace that
 * tools/tchat/lwip-netns.sh creates; the other side of the TAP (10.77.0.1)
 * is the Linux kernel, where the simulator listens. The network's DNS server
 * is tests/lwip/sim_host.c's: it answers "localhost" with 10.77.0.1, so lwIP's
 * own DNS client resolves the name the simulator's certificate is issued for.
 *
 * On a board, after_poll is the super-loop's body: the Ethernet driver's
 * receive path (frames -> netif->input) and sys_check_timeouts(); instead of
 * poll() the loop sleeps (WFI) until an interrupt or the next deadline.
 */
#include <net/if.h>
#include <stdio.h>
#include <unistd.h>

#include "lwip/timeouts.h"
#include "net.h"
#include "sim.h"
#include "tc_lwip_raw.h"

static tc_lwip_raw_t g_tcp[2]; /* static: a DNS lookup may call back after close */
static int g_tap = -1, g_dns = -1;

static tc_err_t lwip_stack_init(tc_transport_t tcp[2])
{
  /* Attach only to the TAP device the wrapper made: opening a missing one
   * would create it, outside any private namespace. */
  if (if_nametoindex(SIM_TAP) == 0) {
    fprintf(stderr, "tchat: --stack lwip: no TAP device %s here; run it through "
                    "tools/tchat/lwip-netns.sh (docs/lwip.md)\n", SIM_TAP);
    return TC_ERR_NET_IO;
  }
  g_tap = sim_tap_open(SIM_TAP);
  g_dns = sim_dns_open();
  if (g_tap < 0 || g_dns < 0 || sim_lwip_start(g_tap, g_dns) != 0) {
    fprintf(stderr, "tchat: --stack lwip: cannot attach to %s or serve DNS on %s "
                    "(root, inside tools/tchat/lwip-netns.sh)\n", SIM_TAP, SIM_HOST_IP);
    return TC_ERR_NET_IO;
  }
  for (int i = 0; i < 2; i++) {
    tc_lwip_raw_init(&g_tcp[i], tc_posix_clock_ms, NULL);
    tcp[i] = tc_lwip_raw_transport(&g_tcp[i]);
  }
  return TC_OK;
}

/* Sleep until a frame (or a DNS query) arrives, or lwIP's next timer. */
static int lwip_poll_setup(struct pollfd *fds, uint64_t *deadline)
{
  uint64_t now = tc_posix_clock_ms(NULL);
  u32_t sleep = sys_timeouts_sleeptime();
  if (sleep != SYS_TIMEOUTS_SLEEPTIME_INFINITE && now + sleep < *deadline) *deadline = now + sleep;
  for (int i = 0; i < 2; i++) {
    uint64_t d = tc_lwip_raw_deadline_ms(&g_tcp[i]);
    if (d < *deadline) *deadline = d;
  }
  fds[0] = (struct pollfd){ .fd = g_tap, .events = POLLIN };
  fds[1] = (struct pollfd){ .fd = g_dns, .events = POLLIN };
  return 2;
}

/* Frames -> netif->input, DNS answers, sys_check_timeouts(). The data lwIP
 * queues for us is read by the next tc_chat_step. */
static void lwip_after_poll(void)
{
  sim_step(0);
}

static void lwip_stack_free(void)
{
  if (g_tap >= 0) close(g_tap);
  if (g_dns >= 0) close(g_dns);
  g_tap = g_dns = -1;
}

const tchat_stack_t tchat_stack_lwip = {
  .name = "lwip",
  .init = lwip_stack_init,
  .poll_setup = lwip_poll_setup,
  .after_poll = lwip_after_poll,
  .free = lwip_stack_free,
};

/* sim_link.c — lwIP side of the simulation (see sim.h): one Ethernet netif
 * whose link is the TAP fd, plus sys_now() for NO_SYS=1. */
#define _GNU_SOURCE
#include <poll.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lwip/opt.h"
#include "lwip/dns.h"
#include "lwip/etharp.h"
#include "lwip/init.h"
#include "lwip/memp.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/stats.h"
#include "lwip/sys.h"
#include "lwip/timeouts.h"
#include "netif/ethernet.h"
#if !NO_SYS
#include <pthread.h>
#include <stdatomic.h>
#include "lwip/tcpip.h"
#endif

#include "sim.h"

#define FRAME_MAX 1514 /* Ethernet without FCS, MTU 1500 */

static struct netif g_netif;
static int g_tap = -1, g_dns = -1;
static size_t g_max_out, g_max_in;

#if NO_SYS
u32_t sys_now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (u32_t)((uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u);
}
#endif

static err_t link_output(struct netif *netif, struct pbuf *p)
{
  uint8_t frame[FRAME_MAX];
  (void)netif;
  if (p->tot_len > sizeof frame) return ERR_BUF;
  pbuf_copy_partial(p, frame, p->tot_len, 0);
  if (p->tot_len > g_max_out) g_max_out = p->tot_len;
  /* the kernel queues TAP frames; a full queue drops, as a wire would */
  return write(g_tap, frame, p->tot_len) == (ssize_t)p->tot_len ? ERR_OK : ERR_IF;
}

static err_t netif_setup(struct netif *netif)
{
  static const uint8_t mac[6] = { 0x02, 0x00, 0x00, 0x77, 0x00, 0x02 };
  netif->name[0] = 't';
  netif->name[1] = 'p';
  netif->mtu = 1500;
  netif->hwaddr_len = 6;
  memcpy(netif->hwaddr, mac, 6);
  netif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET | NETIF_FLAG_LINK_UP;
  netif->output = etharp_output;
  netif->linkoutput = link_output;
  return ERR_OK;
}

/* Reads every frame waiting on the TAP into lwIP; returns how many. */
static int feed_frames(void)
{
  int n = 0;
  for (;;) {
    uint8_t frame[2048];
    ssize_t len = read(g_tap, frame, sizeof frame);
    struct pbuf *p;
    if (len <= 0) break;
    if ((size_t)len > g_max_in) g_max_in = (size_t)len;
    p = pbuf_alloc(PBUF_RAW, (u16_t)len, PBUF_POOL);
    if (p == NULL) continue; /* out of pool: dropped, TCP retransmits */
    pbuf_take(p, frame, (u16_t)len);
    if (g_netif.input(p, &g_netif) != ERR_OK) pbuf_free(p);
    n++;
  }
  return n;
}

#if !NO_SYS
static pthread_t g_reader;
static atomic_int g_stop, g_up;

static void *reader(void *arg)
{
  (void)arg;
  while (!g_stop) {
    struct pollfd p[2] = { { g_tap, POLLIN, 0 }, { g_dns, POLLIN, 0 } };
    if (poll(p, g_dns >= 0 ? 2 : 1, 20) <= 0) continue;
    feed_frames(); /* netif->input is tcpip_input: queued to the tcpip thread */
    /* answered here: lwip_getaddrinfo blocks the test's thread */
    if (g_dns >= 0) sim_dns_serve(g_dns);
  }
  return NULL;
}

static void tcpip_ready(void *arg)
{
  (void)arg;
  atomic_store(&g_up, 1);
}
#endif

static void add_netif(void)
{
  ip4_addr_t ip, mask, gw, dns;
  ip4addr_aton(SIM_LWIP_IP, &ip);
  ip4addr_aton("255.255.255.0", &mask);
  ip4addr_aton(SIM_HOST_IP, &gw);
  ip4addr_aton(SIM_HOST_IP, &dns);
#if NO_SYS
  netif_add(&g_netif, &ip, &mask, &gw, NULL, netif_setup, ethernet_input);
#else
  netif_add(&g_netif, &ip, &mask, &gw, NULL, netif_setup, tcpip_input);
#endif
  netif_set_default(&g_netif);
  netif_set_up(&g_netif);
  {
    ip_addr_t d;
    ip_addr_copy_from_ip4(d, dns);
    dns_setserver(0, &d);
  }
}

int sim_lwip_start(int tapfd, int dnsfd)
{
  g_tap = tapfd;
  g_dns = dnsfd;
#if NO_SYS
  lwip_init();
  add_netif();
#else
  {
    tcpip_init(tcpip_ready, NULL);
    while (!atomic_load(&g_up)) usleep(1000);
    LOCK_TCPIP_CORE();
    add_netif();
    UNLOCK_TCPIP_CORE();
    g_stop = 0;
    if (pthread_create(&g_reader, NULL, reader, NULL) != 0) return -1;
  }
#endif
  return 0;
}

void sim_step(int ms)
{
  int fds[2] = { g_tap, g_dns };
#if NO_SYS
  sim_wait(fds, 2, ms);
  feed_frames();
  if (g_dns >= 0) sim_dns_serve(g_dns);
  sys_check_timeouts();
#else
  sim_wait(fds, 0, ms); /* the reader thread does the work */
#endif
}

void sim_lwip_stop(void)
{
#if !NO_SYS
  g_stop = 1;
  pthread_join(g_reader, NULL);
#endif
}

size_t sim_max_frame_out(void) { return g_max_out; }
size_t sim_max_frame_in(void) { return g_max_in; }

int sim_pool_free(void)
{
#if MEMP_STATS
  return (int)(lwip_stats.memp[MEMP_PBUF_POOL]->avail - lwip_stats.memp[MEMP_PBUF_POOL]->used);
#else
  /* count by allocating everything once (single-threaded NO_SYS only) */
  struct pbuf *chain = NULL;
  int n = 0;
  for (;;) {
    struct pbuf *p = pbuf_alloc(PBUF_RAW, 1, PBUF_POOL);
    if (p == NULL) break;
    p->next = chain; /* a private list, freed one by one below */
    chain = p;
    n++;
  }
  while (chain) {
    struct pbuf *next = chain->next;
    chain->next = NULL;
    pbuf_free(chain);
    chain = next;
  }
  return n;
#endif
}

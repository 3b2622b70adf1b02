/* tc_lwip_raw.c — tc_transport_t on lwIP's raw API (see tc_lwip_raw.h). */
#include "tc_lwip_raw.h"

#include <string.h>

#include "lwip/opt.h"
#include "lwip/dns.h"
#include "lwip/err.h"
#include "lwip/ip_addr.h"
#include "lwip/pbuf.h"
#include "lwip/sys.h"
#include "lwip/tcp.h"

#include "tc_lwip_clock.h"

#if !LWIP_TCP || !LWIP_CALLBACK_API
#error "port/lwip/tc_lwip_raw.c needs LWIP_TCP and LWIP_CALLBACK_API"
#endif

enum { ST_IDLE, ST_RESOLVING, ST_CONNECTING, ST_OPEN, ST_FAILED };

void tc_lwip_raw_init(tc_lwip_raw_t *c, tc_clock_fn clock, void *clock_ctx)
{
  memset(c, 0, sizeof *c);
  c->clock = clock ? clock : tc_lwip__sys_clock;
  c->clock_ctx = clock ? clock_ctx : NULL;
  c->state = ST_IDLE;
}

/* Detaches from and releases the pcb (graceful when possible), frees the queue. */
static void drop(tc_lwip_raw_t *c, bool abort)
{
  if (c->pcb) {
    struct tcp_pcb *pcb = c->pcb;
    c->pcb = NULL;
    tcp_arg(pcb, NULL);
    tcp_recv(pcb, NULL);
    tcp_err(pcb, NULL);
    tcp_sent(pcb, NULL);
    if (abort || tcp_close(pcb) != ERR_OK) tcp_abort(pcb);
  }
  if (c->rx) {
    pbuf_free(c->rx);
    c->rx = NULL;
  }
  c->lookup_id = 0;
}

static int32_t fail(tc_lwip_raw_t *c, tc_err_t err)
{
  drop(c, true);
  c->state = ST_FAILED;
  c->err = err;
  return err;
}

static void notify(const tc_lwip_raw_t *c)
{
  if (c->notify) c->notify(c->notify_arg);
}

static void on_err(void *arg, err_t err)
{
  tc_lwip_raw_t *c = arg;
  if (c == NULL) return;
  c->pcb = NULL; /* lwIP has freed it already */
  if (c->state == ST_CONNECTING) (void)fail(c, TC_ERR_NET_CONNECT);
  else if (err == ERR_RST) (void)fail(c, TC_ERR_NET_RESET);
  else if (err == ERR_CLSD) (void)fail(c, TC_ERR_NET_EOF);
  else (void)fail(c, TC_ERR_NET_IO);
  notify(c);
}

static err_t on_sent(void *arg, struct tcp_pcb *pcb, u16_t len)
{
  (void)pcb;
  (void)len;
  if (arg) notify(arg);
  return ERR_OK;
}

static err_t on_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
  tc_lwip_raw_t *c = arg;
  (void)pcb;
  if (c == NULL) { /* not ours any more (cannot happen: callbacks are cleared) */
    if (p) pbuf_free(p);
    return ERR_OK;
  }
  if (p == NULL) { /* FIN */
    c->peer_closed = true;
    notify(c);
    return ERR_OK;
  }
  if (err != ERR_OK) {
    pbuf_free(p);
    return ERR_OK;
  }
  if (c->rx == NULL) {
    c->rx = p;
  } else {
    /* pbuf tot_len is 16-bit: refuse for now; lwIP offers it again later */
    if ((uint32_t)c->rx->tot_len + p->tot_len > 0xFFFFu) return ERR_MEM;
    pbuf_cat(c->rx, p);
  }
  notify(c);
  return ERR_OK;
}

static err_t on_connected(void *arg, struct tcp_pcb *pcb, err_t err)
{
  tc_lwip_raw_t *c = arg;
  (void)pcb;
  if (c == NULL) return ERR_OK;
  if (err != ERR_OK) { /* not reached in lwIP 2.1 (err is always ERR_OK) */
    (void)fail(c, TC_ERR_NET_CONNECT); /* aborts the pcb */
    return ERR_ABRT;
  }
  c->state = ST_OPEN;
  c->deadline = UINT64_MAX;
  notify(c);
  return ERR_OK;
}

static tc_err_t start_connect(tc_lwip_raw_t *c, const ip_addr_t *addr)
{
  struct tcp_pcb *pcb = tcp_new_ip_type(IP_GET_TYPE(addr));
  if (pcb == NULL) return (tc_err_t)fail(c, TC_ERR_NET_CONNECT);
  c->pcb = pcb;
  c->state = ST_CONNECTING;
  tcp_arg(pcb, c);
  tcp_err(pcb, on_err);
  tcp_recv(pcb, on_recv);
  tcp_sent(pcb, on_sent);
  tcp_nagle_disable(pcb);
  if (tcp_connect(pcb, addr, c->port, on_connected) != ERR_OK) return (tc_err_t)fail(c, TC_ERR_NET_CONNECT);
  return TC_OK;
}

/* FNV-1a of the host name, never 0: recognises the answer to our lookup. */
static uint32_t name_id(const char *s)
{
  uint32_t h = 2166136261u;
  for (; *s; s++) h = (h ^ (uint8_t)*s) * 16777619u;
  return h ? h : 1;
}

#if LWIP_DNS
static void on_dns(const char *name, const ip_addr_t *addr, void *arg)
{
  tc_lwip_raw_t *c = arg;
  if (c->state != ST_RESOLVING || name == NULL || c->lookup_id != name_id(name)) return; /* stale */
  c->lookup_id = 0;
  if (addr == NULL) (void)fail(c, TC_ERR_NET_DNS);
  else (void)start_connect(c, addr);
  notify(c);
}
#endif

static void raw_close(void *ctx)
{
  tc_lwip_raw_t *c = ctx;
  drop(c, false);
  c->state = ST_IDLE;
  c->err = TC_OK;
  c->peer_closed = false;
  c->deadline = UINT64_MAX;
}

static tc_err_t raw_open(void *ctx, const char *host, uint16_t port, bool tls, uint32_t timeout_ms)
{
  tc_lwip_raw_t *c = ctx;
  ip_addr_t addr;
  raw_close(c);
  if (tls) return TC_ERR_CONFIG;
  if (host == NULL || host[0] == '\0' || port == 0) return TC_ERR_ARG;
  c->port = port;
  c->deadline = c->clock(c->clock_ctx) + timeout_ms;
#if LWIP_DNS
  c->state = ST_RESOLVING;
  c->lookup_id = name_id(host);
  switch (dns_gethostbyname(host, &addr, on_dns, c)) {
  case ERR_OK: /* a literal or a cached name */
    c->lookup_id = 0;
    return start_connect(c, &addr);
  case ERR_INPROGRESS:
    return TC_OK;
  default:
    return (tc_err_t)fail(c, TC_ERR_NET_DNS);
  }
#else
  if (!ipaddr_aton(host, &addr)) return (tc_err_t)fail(c, TC_ERR_NET_DNS);
  return start_connect(c, &addr);
#endif
}

/* 0 while resolving/connecting (or its error once the clock passed the
 * deadline); 1 when open; the sticky error when failed or idle. */
static int32_t ready(tc_lwip_raw_t *c)
{
  switch (c->state) {
  case ST_OPEN: return 1;
  case ST_RESOLVING:
  case ST_CONNECTING:
    if (c->clock(c->clock_ctx) >= c->deadline) return fail(c, TC_ERR_NET_TIMEOUT);
    return 0;
  case ST_FAILED: return c->err;
  default: return TC_ERR_NET_CLOSED;
  }
}

static int32_t raw_send(void *ctx, const uint8_t *buf, size_t len)
{
  tc_lwip_raw_t *c = ctx;
  int32_t r = ready(c);
  size_t room;
  err_t e;
  if (r != 1) return r;
  if (len == 0) return 0;
  room = tcp_sndbuf(c->pcb);
  if (len > room) len = room;
  if (len > 0x7FFF) len = 0x7FFF; /* tcp_write takes u16_t; keep it positive */
  if (len == 0) return 0;
  e = tcp_write(c->pcb, buf, (u16_t)len, TCP_WRITE_FLAG_COPY);
  if (e == ERR_MEM && len > TCP_MSS) { /* segment queue nearly full: try one segment */
    len = TCP_MSS;
    e = tcp_write(c->pcb, buf, (u16_t)len, TCP_WRITE_FLAG_COPY);
  }
  if (e == ERR_MEM) {
    (void)tcp_output(c->pcb); /* push what is queued; room comes back with ACKs */
    return 0;
  }
  if (e != ERR_OK) return fail(c, e == ERR_CONN ? TC_ERR_NET_RESET : TC_ERR_NET_IO);
  (void)tcp_output(c->pcb);
  return (int32_t)len;
}

static int32_t raw_recv(void *ctx, uint8_t *buf, size_t len)
{
  tc_lwip_raw_t *c = ctx;
  int32_t r = ready(c);
  u16_t n;
  if (r != 1) return r;
  if (c->rx == NULL) {
    if (!c->peer_closed) return 0;
    /* the peer's FIN after every byte: sticky for send too, like any error
     * (port.h); we close our side gracefully (FIN, not RST) */
    drop(c, false);
    c->state = ST_FAILED;
    c->err = TC_ERR_NET_EOF;
    return TC_ERR_NET_EOF;
  }
  if (len == 0) return 0;
  n = c->rx->tot_len;
  if (len < n) n = (u16_t)len;
  n = pbuf_copy_partial(c->rx, buf, n, 0);
  c->rx = pbuf_free_header(c->rx, n);
  if (c->pcb) tcp_recved(c->pcb, n); /* open the window by what was consumed */
  return n;
}

static size_t raw_pending(void *ctx)
{
  const tc_lwip_raw_t *c = ctx;
  return c->rx ? c->rx->tot_len : 0;
}

static const tc_transport_ops_t raw_ops = {
  raw_open, raw_send, raw_recv, raw_pending, raw_close,
};

tc_transport_t tc_lwip_raw_transport(tc_lwip_raw_t *c)
{
  tc_transport_t t = { &raw_ops, c };
  return t;
}

void tc_lwip_raw_set_notify(tc_lwip_raw_t *c, void (*fn)(void *arg), void *arg)
{
  c->notify = fn;
  c->notify_arg = fn ? arg : NULL;
}

uint64_t tc_lwip_raw_deadline_ms(const tc_lwip_raw_t *c)
{
  return (c->state == ST_RESOLVING || c->state == ST_CONNECTING) ? c->deadline : UINT64_MAX;
}

bool tc_lwip_raw_connected(const tc_lwip_raw_t *c)
{
  return c->state == ST_OPEN;
}

/* tc_lwip_sockets.c — tc_transport_t on lwIP's sockets API (see tc_lwip_sockets.h). */
#include "tc_lwip_sockets.h"

#include <errno.h>
#include <string.h>

#include "lwip/opt.h"
#include "lwip/netdb.h"
#include "lwip/sockets.h"
#include "lwip/sys.h"

#include "tc_lwip_clock.h"

#if !LWIP_SOCKET
#error "port/lwip/tc_lwip_sockets.c needs LWIP_SOCKET (NO_SYS=0); bare metal uses tc_lwip_raw.c"
#endif

enum { ST_IDLE, ST_CONNECTING, ST_OPEN, ST_FAILED };

void tc_lwip_sock_init(tc_lwip_sock_t *net, tc_clock_fn clock, void *clock_ctx)
{
  memset(net, 0, sizeof *net);
  net->fd = -1;
  net->clock = clock ? clock : tc_lwip__sys_clock;
  net->clock_ctx = clock ? clock_ctx : NULL;
}

static void close_fd(tc_lwip_sock_t *net)
{
  if (net->fd >= 0) lwip_close(net->fd);
  net->fd = -1;
  net->wants_write = false;
}

static int32_t fail(tc_lwip_sock_t *net, tc_err_t err)
{
  close_fd(net);
  net->state = ST_FAILED;
  net->err = err;
  return err;
}

/* The error for errno e after a send/recv on a connected socket. */
static tc_err_t io_err(int e)
{
  switch (e) {
  case ECONNRESET: case ECONNABORTED: case EPIPE: return TC_ERR_NET_RESET;
  case ENOTCONN: return TC_ERR_NET_EOF; /* lwIP: ERR_CLSD after the peer's FIN */
  default: return TC_ERR_NET_IO;
  }
}

static void sock_close(void *ctx)
{
  tc_lwip_sock_t *net = ctx;
  close_fd(net);
  net->state = ST_IDLE;
  net->err = TC_OK;
}

static tc_err_t sock_open(void *ctx, const char *host, uint16_t port, bool tls, uint32_t timeout_ms)
{
  tc_lwip_sock_t *net = ctx;
  struct addrinfo hints, *res = NULL;
  struct sockaddr_storage ss;
  socklen_t sl;
  int fd;
  sock_close(net);
  if (tls) return TC_ERR_CONFIG;
  if (host == NULL || host[0] == '\0' || port == 0) return TC_ERR_ARG;
  net->deadline = net->clock(net->clock_ctx) + timeout_ms;

  memset(&hints, 0, sizeof hints);
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  /* Blocks this task until lwIP's DNS client answers: see the header. */
  if (lwip_getaddrinfo(host, NULL, &hints, &res) != 0 || res == NULL) {
    if (res) lwip_freeaddrinfo(res);
    return (tc_err_t)fail(net, TC_ERR_NET_DNS);
  }
  memset(&ss, 0, sizeof ss);
  sl = res->ai_addrlen <= sizeof ss ? (socklen_t)res->ai_addrlen : 0;
  memcpy(&ss, res->ai_addr, sl);
  lwip_freeaddrinfo(res);
  if (ss.ss_family == AF_INET) ((struct sockaddr_in *)(void *)&ss)->sin_port = lwip_htons(port);
#if LWIP_IPV6
  else if (ss.ss_family == AF_INET6) ((struct sockaddr_in6 *)(void *)&ss)->sin6_port = lwip_htons(port);
#endif
  else return (tc_err_t)fail(net, TC_ERR_NET_DNS);

  fd = lwip_socket(ss.ss_family, SOCK_STREAM, 0);
  if (fd < 0) return (tc_err_t)fail(net, TC_ERR_NET_CONNECT);
  net->fd = fd;
  if (lwip_fcntl(fd, F_SETFL, lwip_fcntl(fd, F_GETFL, 0) | O_NONBLOCK) != 0) return (tc_err_t)fail(net, TC_ERR_NET_IO);
  { /* requests are written whole: send them at once (best effort) */
    int one = 1;
    (void)lwip_setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  net->state = ST_CONNECTING;
  net->wants_write = true;
  if (lwip_connect(fd, (struct sockaddr *)(void *)&ss, sl) == 0) {
    net->state = ST_OPEN;
    net->wants_write = false;
  } else if (errno != EINPROGRESS) {
    return (tc_err_t)fail(net, TC_ERR_NET_CONNECT);
  }
  return TC_OK;
}

/* 1 when open, 0 still connecting, < 0 the (sticky) error. */
static int32_t ready(tc_lwip_sock_t *net)
{
  fd_set wset, eset;
  struct timeval tv = { 0, 0 };
  int so_err = 0, n;
  socklen_t len = sizeof so_err;
  switch (net->state) {
  case ST_OPEN: return 1;
  case ST_FAILED: return net->err;
  case ST_CONNECTING: break;
  default: return TC_ERR_NET_CLOSED;
  }
  FD_ZERO(&wset);
  FD_ZERO(&eset);
  FD_SET(net->fd, &wset);
  FD_SET(net->fd, &eset);
  n = lwip_select(net->fd + 1, NULL, &wset, &eset, &tv);
  if (n < 0) return fail(net, TC_ERR_NET_CONNECT);
  if (n == 0) {
    if (net->clock(net->clock_ctx) >= net->deadline) return fail(net, TC_ERR_NET_TIMEOUT);
    return 0;
  }
  if (lwip_getsockopt(net->fd, SOL_SOCKET, SO_ERROR, &so_err, &len) != 0 || so_err != 0)
    return fail(net, TC_ERR_NET_CONNECT);
  net->state = ST_OPEN;
  net->wants_write = false;
  return 1;
}

static int32_t sock_send(void *ctx, const uint8_t *buf, size_t len)
{
  tc_lwip_sock_t *net = ctx;
  int32_t r = ready(net);
  ssize_t n;
  if (r != 1) return r;
  if (len == 0) return 0;
  if (len > INT32_MAX) len = INT32_MAX;
  n = lwip_send(net->fd, buf, len, MSG_DONTWAIT);
  if (n >= 0) {
    net->wants_write = (n == 0);
    return (int32_t)n;
  }
  if (errno == EWOULDBLOCK || errno == EAGAIN || errno == EINTR) {
    net->wants_write = true;
    return 0;
  }
  return fail(net, io_err(errno));
}

static int32_t sock_recv(void *ctx, uint8_t *buf, size_t len)
{
  tc_lwip_sock_t *net = ctx;
  int32_t r = ready(net);
  ssize_t n;
  if (r != 1) return r;
  if (len == 0) return 0;
  if (len > INT32_MAX) len = INT32_MAX;
  n = lwip_recv(net->fd, buf, len, MSG_DONTWAIT);
  if (n > 0) return (int32_t)n;
  if (n == 0) return fail(net, TC_ERR_NET_EOF);
  if (errno == EWOULDBLOCK || errno == EAGAIN || errno == EINTR) return 0;
  return fail(net, io_err(errno));
}

static size_t sock_pending(void *ctx)
{
  (void)ctx;
  return 0;
}

static const tc_transport_ops_t sock_ops = {
  sock_open, sock_send, sock_recv, sock_pending, sock_close,
};

tc_transport_t tc_lwip_sock_transport(tc_lwip_sock_t *net)
{
  tc_transport_t t = { &sock_ops, net };
  return t;
}

int tc_lwip_sock_fd(const tc_lwip_sock_t *net) { return net->fd; }

bool tc_lwip_sock_wants_write(const tc_lwip_sock_t *net) { return net->fd >= 0 && net->wants_write; }

uint64_t tc_lwip_sock_deadline_ms(const tc_lwip_sock_t *net)
{
  return net->state == ST_CONNECTING ? net->deadline : UINT64_MAX;
}

/* posix_net.c — tc_transport_t over non-blocking BSD sockets; POSIX clock and
 * random source. Contracts in tc_posix_net.h. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#if defined(__linux__)
#include <sys/random.h>
#endif

#include "tc_posix_net.h"

enum { ST_IDLE, ST_CONNECTING, ST_OPEN, ST_FAILED };

#ifndef MSG_NOSIGNAL
#define MSG_NOSIGNAL 0 /* macOS: SO_NOSIGPIPE is set on the socket instead */
#endif

void tc_posix_net_init(tc_posix_net_t *net, tc_clock_fn clock, void *clock_ctx)
{
  memset(net, 0, sizeof *net);
  net->fd = -1;
  net->state = ST_IDLE;
  net->clock = clock ? clock : tc_posix_clock_ms;
  net->clock_ctx = clock_ctx;
}

static void close_fd(tc_posix_net_t *net)
{
  if (net->fd >= 0) close(net->fd);
  net->fd = -1;
  net->wants_write = false;
}

static int32_t fail(tc_posix_net_t *net, tc_err_t err)
{
  close_fd(net);
  net->state = ST_FAILED;
  net->err = err;
  return err;
}

static tc_err_t errno_to_err(int e)
{
  switch (e) {
  case ECONNRESET: case EPIPE: case ECONNABORTED: return TC_ERR_NET_RESET;
  case ETIMEDOUT: return TC_ERR_NET_TIMEOUT;
  default: return TC_ERR_NET_IO;
  }
}

/* Starts connect() on addrs[cur], moving on past addresses that fail at
 * once. Returns TC_OK (connecting or connected) or the failure. */
static tc_err_t start_next(tc_posix_net_t *net, uint64_t now)
{
  tc_err_t last = TC_ERR_NET_CONNECT;
  close_fd(net);
  for (; net->cur < net->naddr; net->cur++) {
    const tc_posix_addr_t *a = &net->addrs[net->cur];
    const struct sockaddr *sa = (const struct sockaddr *)(const void *)a->sa.bytes;
    int one = 1, fd = socket(sa->sa_family, SOCK_STREAM, 0);
    if (fd < 0) { last = TC_ERR_NET_CONNECT; continue; }
    (void)fcntl(fd, F_SETFD, FD_CLOEXEC);
    if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL, 0) | O_NONBLOCK) != 0) { close(fd); continue; }
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
#ifdef SO_NOSIGPIPE
    (void)setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &one, sizeof one);
#endif
    net->fd = fd;
    if (connect(fd, sa, (socklen_t)a->len) == 0) {
      net->state = ST_OPEN;
      return TC_OK;
    }
    if (errno == EINPROGRESS || errno == EINTR) {
      uint64_t left = net->deadline > now ? net->deadline - now : 0;
      net->state = ST_CONNECTING;
      net->wants_write = true;
      net->try_deadline = now + left / (uint64_t)(net->naddr - net->cur);
      return TC_OK;
    }
    last = errno == ETIMEDOUT ? TC_ERR_NET_TIMEOUT : TC_ERR_NET_CONNECT;
    close_fd(net);
  }
  return fail(net, last);
}

/* Advances a connect under way. Returns 0 still connecting, 1 connected,
 * < 0 failed. */
static int32_t check_connect(tc_posix_net_t *net)
{
  uint64_t now = net->clock(net->clock_ctx);
  struct pollfd p = { .fd = net->fd, .events = POLLOUT, .revents = 0 };
  int r;
  do r = poll(&p, 1, 0); while (r < 0 && errno == EINTR);
  if (r > 0) {
    int soerr = 0;
    socklen_t sl = sizeof soerr;
    if (getsockopt(net->fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0) soerr = errno;
    if (soerr == 0) {
      net->state = ST_OPEN;
      net->wants_write = false;
      return 1;
    }
    net->cur++;
    if (net->cur >= net->naddr)
      return fail(net, soerr == ETIMEDOUT ? TC_ERR_NET_TIMEOUT : TC_ERR_NET_CONNECT);
  } else if (now >= net->try_deadline) {
    net->cur++;
    if (net->cur >= net->naddr || now >= net->deadline) return fail(net, TC_ERR_NET_TIMEOUT);
  } else {
    return 0;
  }
  {
    tc_err_t e = start_next(net, now);
    if (e != TC_OK) return e;
  }
  return net->state == ST_OPEN ? 1 : 0;
}

static tc_err_t net_open(void *ctx, const char *host, uint16_t port, bool tls, uint32_t timeout_ms)
{
  tc_posix_net_t *net = ctx;
  struct addrinfo hints, *res = NULL, *ai;
  char portstr[8];
  uint64_t now;

  close_fd(net);
  net->state = ST_IDLE;
  net->err = TC_OK;
  if (tls) return TC_ERR_CONFIG;
  if (host == NULL || host[0] == '\0' || port == 0) return TC_ERR_ARG;
  now = net->clock(net->clock_ctx);
  net->deadline = now + timeout_ms;

  memset(&hints, 0, sizeof hints);
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_protocol = IPPROTO_TCP;
  hints.ai_flags = AI_NUMERICSERV;
  snprintf(portstr, sizeof portstr, "%u", (unsigned)port);
  /* Blocks for as long as the resolver takes: see the header. */
  if (getaddrinfo(host, portstr, &hints, &res) != 0 || res == NULL) {
    if (res) freeaddrinfo(res);
    return fail(net, TC_ERR_NET_DNS);
  }
  net->naddr = 0;
  net->cur = 0;
  for (ai = res; ai && net->naddr < TC_POSIX_NET_ADDRS_MAX; ai = ai->ai_next) {
    if ((ai->ai_family != AF_INET && ai->ai_family != AF_INET6) ||
        ai->ai_addrlen > sizeof net->addrs[0].sa.bytes)
      continue;
    net->addrs[net->naddr].len = (uint32_t)ai->ai_addrlen;
    memcpy(net->addrs[net->naddr].sa.bytes, ai->ai_addr, ai->ai_addrlen);
    net->naddr++;
  }
  freeaddrinfo(res);
  if (net->naddr == 0) return fail(net, TC_ERR_NET_DNS);
  /* the lookup may have taken a while: connect gets what is left */
  return start_next(net, net->clock(net->clock_ctx));
}

tc_err_t tc_posix_net_open_addrs(tc_posix_net_t *net, const tc_posix_addr_t *addrs, size_t n,
                                 uint32_t timeout_ms)
{
  uint64_t now;
  close_fd(net);
  net->state = ST_IDLE;
  net->err = TC_OK;
  if (addrs == NULL || n == 0) return TC_ERR_ARG;
  if (n > TC_POSIX_NET_ADDRS_MAX) n = TC_POSIX_NET_ADDRS_MAX;
  for (size_t i = 0; i < n; i++)
    if (addrs[i].len == 0 || addrs[i].len > sizeof addrs[i].sa.bytes) return TC_ERR_ARG;
  memcpy(net->addrs, addrs, n * sizeof addrs[0]);
  net->naddr = (uint8_t)n;
  net->cur = 0;
  now = net->clock(net->clock_ctx);
  net->deadline = now + timeout_ms;
  return start_next(net, now);
}

/* Common entry of send/recv: > 0 ready, 0 still connecting, < 0 error. */
static int32_t ready(tc_posix_net_t *net)
{
  switch (net->state) {
  case ST_OPEN: return 1;
  case ST_CONNECTING: return check_connect(net);
  case ST_FAILED: return net->err;
  default: return TC_ERR_NET_CLOSED;
  }
}

static int32_t net_send(void *ctx, const uint8_t *buf, size_t len)
{
  tc_posix_net_t *net = ctx;
  int32_t r = ready(net);
  ssize_t n;
  if (r <= 0) return r;
  if (len == 0) return 0;
  if (len > INT32_MAX) len = INT32_MAX;
  do n = send(net->fd, buf, len, MSG_NOSIGNAL); while (n < 0 && errno == EINTR);
  if (n < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      net->wants_write = true;
      return 0;
    }
    return fail(net, errno_to_err(errno));
  }
  net->wants_write = false;
  return (int32_t)n;
}

static int32_t net_recv(void *ctx, uint8_t *buf, size_t len)
{
  tc_posix_net_t *net = ctx;
  int32_t r = ready(net);
  ssize_t n;
  if (r <= 0) return r;
  if (len == 0) return 0;
  if (len > INT32_MAX) len = INT32_MAX;
  do n = recv(net->fd, buf, len, 0); while (n < 0 && errno == EINTR);
  if (n == 0) return fail(net, TC_ERR_NET_EOF);
  if (n < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK) return 0;
    return fail(net, errno_to_err(errno));
  }
  return (int32_t)n;
}

static size_t net_pending(void *ctx)
{
  (void)ctx; /* the kernel's buffer shows as socket readiness, not here */
  return 0;
}

static void net_close(void *ctx)
{
  tc_posix_net_t *net = ctx;
  close_fd(net);
  net->state = ST_IDLE;
  net->err = TC_OK;
  net->naddr = 0;
}

static const tc_transport_ops_t tc_posix_net_ops = {
  net_open, net_send, net_recv, net_pending, net_close,
};

tc_transport_t tc_posix_net_transport(tc_posix_net_t *net)
{
  tc_transport_t t = { &tc_posix_net_ops, net };
  return t;
}

int tc_posix_net_fd(const tc_posix_net_t *net)
{
  return (net->state == ST_OPEN || net->state == ST_CONNECTING) ? net->fd : -1;
}

bool tc_posix_net_wants_write(const tc_posix_net_t *net)
{
  return net->fd >= 0 && (net->state == ST_CONNECTING || net->wants_write);
}

short tc_posix_net_poll_events(const tc_posix_net_t *net)
{
  if (tc_posix_net_fd(net) < 0) return 0;
  return (short)(POLLIN | (tc_posix_net_wants_write(net) ? POLLOUT : 0));
}

uint64_t tc_posix_net_deadline_ms(const tc_posix_net_t *net)
{
  return net->state == ST_CONNECTING ? net->try_deadline : UINT64_MAX;
}

uint64_t tc_posix_clock_ms(void *ctx)
{
  struct timespec ts;
  (void)ctx;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void tc_posix_random(void *ctx, uint8_t *buf, size_t n)
{
  (void)ctx;
  while (n > 0) {
    ssize_t r;
#if defined(__linux__)
    r = getrandom(buf, n, 0);
#else
    r = -1;
    errno = ENOSYS;
#endif
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) {
      /* no getrandom: the device file, or give up loudly */
      int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
      if (fd < 0) abort();
      while (n > 0) {
        r = read(fd, buf, n);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) abort();
        buf += r;
        n -= (size_t)r;
      }
      close(fd);
      return;
    }
    buf += r;
    n -= (size_t)r;
  }
}

/* test_port_posix.c — the POSIX socket transport on loopback: connect (IPv4,
 * IPv6, every address), refused, DNS failure, connect timeout on a fake clock,
 * partial and would-block writes, EOF, reset and a graceful close without
 * SIGPIPE, no file descriptor left. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tc_test.h"
#include "posix/tc_posix_net.h"

static uint64_t g_now = 1000;
static uint64_t fake_clock(void *ctx) { (void)ctx; return g_now; }

/* A listening socket on loopback (v6 when ipv6), non-blocking; *port set. */
static int listen_on(bool ipv6, int backlog, uint16_t *port)
{
  int fd = socket(ipv6 ? AF_INET6 : AF_INET, SOCK_STREAM, 0), one = 1;
  struct sockaddr_storage ss;
  socklen_t sl;
  memset(&ss, 0, sizeof ss);
  if (fd < 0) return -1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (ipv6) {
    struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
    a->sin6_family = AF_INET6;
    a->sin6_addr = in6addr_loopback;
    sl = sizeof *a;
  } else {
    struct sockaddr_in *a = (struct sockaddr_in *)&ss;
    a->sin_family = AF_INET;
    a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sl = sizeof *a;
  }
  if (bind(fd, (struct sockaddr *)&ss, sl) != 0 || listen(fd, backlog) != 0) { close(fd); return -1; }
  sl = sizeof ss;
  getsockname(fd, (struct sockaddr *)&ss, &sl);
  *port = ntohs(ipv6 ? ((struct sockaddr_in6 *)&ss)->sin6_port : ((struct sockaddr_in *)&ss)->sin_port);
  fcntl(fd, F_SETFL, O_NONBLOCK);
  return fd;
}

static tc_posix_addr_t v4addr(uint16_t port)
{
  tc_posix_addr_t a;
  struct sockaddr_in sin;
  memset(&a, 0, sizeof a);
  memset(&sin, 0, sizeof sin);
  sin.sin_family = AF_INET;
  sin.sin_port = htons(port);
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  memcpy(a.sa.bytes, &sin, sizeof sin);
  a.len = sizeof sin;
  return a;
}

/* A port with nothing listening (bound, then closed). */
static uint16_t dead_port(void)
{
  uint16_t port = 0;
  int fd = listen_on(false, 1, &port);
  close(fd);
  return port;
}

/* Waits (poll, 20 ms steps, bounded) until the transport is connected:
 * returns the first non-zero send of 0 bytes... i.e. drives recv until it
 * stops saying "connecting". Returns the last recv result. */
static int32_t wait_connected(tc_posix_net_t *net, tc_transport_t t)
{
  uint8_t b;
  for (int i = 0; i < 250; i++) {
    int32_t r = t.ops->send(t.ctx, &b, 0);
    if (r < 0) return r;
    if (!tc_posix_net_wants_write(net) || tc_posix_net_fd(net) < 0) return 1;
    struct pollfd p = { tc_posix_net_fd(net), tc_posix_net_poll_events(net), 0 };
    poll(&p, 1, 20);
  }
  return 0;
}

static int accept_wait(int lfd)
{
  for (int i = 0; i < 250; i++) {
    int fd = accept(lfd, NULL, NULL);
    if (fd >= 0) return fd;
    struct pollfd p = { lfd, POLLIN, 0 };
    poll(&p, 1, 20);
  }
  return -1;
}

/* A transport connected to 127.0.0.1:port (listening on lfd); returns the
 * accepted server end (checked). */
static int connect_loopback(tc_posix_net_t *net, tc_transport_t *t, int lfd, uint16_t port)
{
  int sfd;
  tc_posix_net_init(net, NULL, NULL);
  *t = tc_posix_net_transport(net);
  CHECK_EQ_INT(t->ops->open(t->ctx, "127.0.0.1", port, false, 5000), TC_OK);
  CHECK_EQ_INT(wait_connected(net, *t), 1);
  sfd = accept_wait(lfd);
  CHECK(sfd >= 0);
  return sfd;
}

/* recv until n bytes arrived (bounded polls). */
static size_t recv_all(tc_posix_net_t *net, tc_transport_t t, uint8_t *buf, size_t n, int32_t *last)
{
  size_t got = 0;
  *last = 0;
  for (int i = 0; i < 500 && got < n; i++) {
    int32_t r = t.ops->recv(t.ctx, buf + got, n - got);
    *last = r;
    if (r < 0) break;
    if (r > 0) { got += (size_t)r; continue; }
    struct pollfd p = { tc_posix_net_fd(net), POLLIN, 0 };
    poll(&p, 1, 20);
  }
  return got;
}

static void roundtrip(bool ipv6, const char *host)
{
  uint16_t port;
  int lfd = listen_on(ipv6, 4, &port), sfd;
  tc_posix_net_t net;
  tc_transport_t t;
  uint8_t buf[16];
  int32_t last;
  CHECK(lfd >= 0);
  if (lfd < 0) return;
  tc_posix_net_init(&net, NULL, NULL);
  t = tc_posix_net_transport(&net);
  CHECK_EQ_INT(t.ops->open(t.ctx, host, port, false, 5000), TC_OK);
  CHECK(tc_posix_net_fd(&net) >= 0);
  CHECK_EQ_INT(wait_connected(&net, t), 1);
  sfd = accept_wait(lfd);
  CHECK(sfd >= 0);
  CHECK_EQ_INT(t.ops->send(t.ctx, (const uint8_t *)"hello", 5), 5);
  CHECK_EQ_INT(read(sfd, buf, sizeof buf), 5);
  CHECK(memcmp(buf, "hello", 5) == 0);
  CHECK_EQ_INT(t.ops->recv(t.ctx, buf, sizeof buf), 0); /* nothing yet: would block */
  CHECK_EQ_INT(write(sfd, "world", 5), 5);
  CHECK_EQ_INT(recv_all(&net, t, buf, 5, &last), 5);
  CHECK(memcmp(buf, "world", 5) == 0);
  CHECK_EQ_INT(t.ops->pending(t.ctx), 0);
  close(sfd);
  CHECK_EQ_INT(recv_all(&net, t, buf, 1, &last), 0);
  CHECK_EQ_INT(last, TC_ERR_NET_EOF);
  CHECK_EQ_INT(t.ops->recv(t.ctx, buf, 1), TC_ERR_NET_EOF); /* sticky */
  CHECK_EQ_INT(tc_posix_net_fd(&net), -1);
  t.ops->close(t.ctx);
  t.ops->close(t.ctx); /* twice is fine */
  CHECK_EQ_INT(t.ops->recv(t.ctx, buf, 1), TC_ERR_NET_CLOSED);
  close(lfd);
}

static void test_ipv4_connect_and_roundtrip(void) { roundtrip(false, "127.0.0.1"); }
static void test_ipv6_loopback_connect_and_roundtrip(void) { roundtrip(true, "::1"); }
static void test_name_lookup_localhost(void) { roundtrip(false, "localhost"); }

static void test_dns_failure_is_net_dns(void)
{
  tc_posix_net_t net;
  tc_transport_t t;
  uint8_t b;
  tc_posix_net_init(&net, NULL, NULL);
  t = tc_posix_net_transport(&net);
  CHECK_EQ_INT(t.ops->open(t.ctx, "nonexistent.invalid", 443, false, 2000), TC_ERR_NET_DNS);
  CHECK_EQ_INT(t.ops->recv(t.ctx, &b, 1), TC_ERR_NET_DNS);
  CHECK_EQ_INT(tc_posix_net_fd(&net), -1);
  t.ops->close(t.ctx);
}

static void test_refused_is_net_connect(void)
{
  tc_posix_net_t net;
  tc_transport_t t;
  tc_err_t e;
  tc_posix_net_init(&net, NULL, NULL);
  t = tc_posix_net_transport(&net);
  e = t.ops->open(t.ctx, "127.0.0.1", dead_port(), false, 2000);
  /* refused at once (open reports it) or after the SYN (send/recv do) */
  if (e == TC_OK) CHECK_EQ_INT(wait_connected(&net, t), TC_ERR_NET_CONNECT);
  else CHECK_EQ_INT(e, TC_ERR_NET_CONNECT);
  t.ops->close(t.ctx);
}

static void test_tries_every_address(void)
{
  uint16_t port;
  int lfd = listen_on(false, 4, &port), sfd;
  tc_posix_addr_t addrs[3] = { v4addr(dead_port()), v4addr(dead_port()), v4addr(port) };
  tc_posix_net_t net;
  tc_transport_t t;
  tc_posix_net_init(&net, NULL, NULL);
  t = tc_posix_net_transport(&net);
  CHECK_EQ_INT(tc_posix_net_open_addrs(&net, addrs, 3, 5000), TC_OK);
  CHECK_EQ_INT(wait_connected(&net, t), 1);
  CHECK_EQ_INT(net.cur, 2);
  sfd = accept_wait(lfd);
  CHECK(sfd >= 0);
  CHECK_EQ_INT(t.ops->send(t.ctx, (const uint8_t *)"x", 1), 1);
  close(sfd);
  t.ops->close(t.ctx);
  close(lfd);
}

/* A listener whose accept queue is full: the next SYN is dropped, so a
 * connect to it stays in progress until our (fake) clock says enough. */
static int blackhole(uint16_t *port, int fillers[3])
{
  int lfd = listen_on(false, 0, port);
  for (int i = 0; i < 3; i++) {
    tc_posix_addr_t a = v4addr(*port);
    fillers[i] = socket(AF_INET, SOCK_STREAM, 0);
    fcntl(fillers[i], F_SETFL, O_NONBLOCK);
    connect(fillers[i], (const struct sockaddr *)(const void *)a.sa.bytes, a.len);
  }
  { struct pollfd p = { fillers[0], POLLOUT, 0 }; poll(&p, 1, 200); }
  return lfd;
}

static void test_connect_timeout_on_the_clock(void)
{
  int fillers[3];
  uint16_t port;
  int lfd = blackhole(&port, fillers);
  tc_posix_net_t net;
  tc_transport_t t;
  uint8_t b;
  int32_t r = 0;
  tc_posix_net_init(&net, fake_clock, NULL);
  t = tc_posix_net_transport(&net);
  g_now = 5000;
  CHECK_EQ_INT(t.ops->open(t.ctx, "127.0.0.1", port, false, 3000), TC_OK);
  CHECK_EQ_INT(tc_posix_net_deadline_ms(&net), 8000);
  CHECK(tc_posix_net_poll_events(&net) & POLLOUT);
  /* still connecting while the clock stands before the deadline */
  for (int i = 0; i < 3; i++) CHECK_EQ_INT(t.ops->recv(t.ctx, &b, 1), 0);
  g_now = 7999;
  CHECK_EQ_INT(t.ops->send(t.ctx, &b, 1), 0);
  g_now = 8000;
  r = t.ops->send(t.ctx, &b, 1);
  CHECK_EQ_INT(r, TC_ERR_NET_TIMEOUT);
  CHECK_EQ_INT(tc_posix_net_fd(&net), -1);
  CHECK_EQ_INT(tc_posix_net_deadline_ms(&net), UINT64_MAX);
  t.ops->close(t.ctx);
  for (int i = 0; i < 3; i++) close(fillers[i]);
  close(lfd);
}

static void test_slow_address_gets_its_share_then_next(void)
{
  int fillers[3];
  uint16_t bport, gport;
  int blfd = blackhole(&bport, fillers), glfd = listen_on(false, 4, &gport);
  tc_posix_addr_t addrs[2] = { v4addr(bport), v4addr(gport) };
  tc_posix_net_t net;
  tc_transport_t t;
  uint8_t b;
  tc_posix_net_init(&net, fake_clock, NULL);
  t = tc_posix_net_transport(&net);
  g_now = 0;
  CHECK_EQ_INT(tc_posix_net_open_addrs(&net, addrs, 2, 4000), TC_OK);
  CHECK_EQ_INT(tc_posix_net_deadline_ms(&net), 2000); /* half of 4000 */
  CHECK_EQ_INT(t.ops->recv(t.ctx, &b, 1), 0);
  g_now = 2000;
  CHECK_EQ_INT(t.ops->recv(t.ctx, &b, 1), 0); /* moved on to the second */
  CHECK_EQ_INT(net.cur, 1);
  CHECK_EQ_INT(wait_connected(&net, t), 1);
  t.ops->close(t.ctx);
  for (int i = 0; i < 3; i++) close(fillers[i]);
  close(blfd);
  close(glfd);
}

static void test_would_block_write_then_drain(void)
{
  uint16_t port;
  int lfd = listen_on(false, 4, &port), sfd;
  tc_posix_net_t net;
  tc_transport_t t;
  static uint8_t chunk[65536], sink[65536];
  size_t sent = 0, drained = 0;
  int32_t r = 1;
  sfd = connect_loopback(&net, &t, lfd, port);
  CHECK(!tc_posix_net_wants_write(&net));
  for (int i = 0; i < 10000 && r > 0; i++) {
    r = t.ops->send(t.ctx, chunk, sizeof chunk);
    if (r > 0) sent += (size_t)r;
  }
  CHECK_EQ_INT(r, 0); /* the socket buffer filled: would block */
  CHECK(tc_posix_net_wants_write(&net));
  CHECK(tc_posix_net_poll_events(&net) & POLLOUT);
  fcntl(sfd, F_SETFL, O_NONBLOCK);
  for (int i = 0; i < 1000 && drained < sent; i++) {
    ssize_t n = read(sfd, sink, sizeof sink);
    if (n > 0) drained += (size_t)n;
    else { struct pollfd p = { sfd, POLLIN, 0 }; poll(&p, 1, 20); }
  }
  CHECK_EQ_INT(drained, sent);
  CHECK(t.ops->send(t.ctx, chunk, 10) == 10); /* room again: a partial-capable send */
  CHECK(!tc_posix_net_wants_write(&net));
  close(sfd);
  t.ops->close(t.ctx);
  close(lfd);
}

static void test_peer_reset_is_net_reset_without_sigpipe(void)
{
  uint16_t port;
  int lfd = listen_on(false, 4, &port), sfd;
  struct linger lg = { 1, 0 };
  tc_posix_net_t net;
  tc_transport_t t;
  uint8_t b[64];
  int32_t r = 0;
  signal(SIGPIPE, SIG_DFL); /* a SIGPIPE would kill this test */
  sfd = connect_loopback(&net, &t, lfd, port);
  setsockopt(sfd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
  close(sfd); /* RST */
  for (int i = 0; i < 250 && r >= 0; i++) {
    r = t.ops->send(t.ctx, b, sizeof b);
    if (r >= 0) { struct pollfd p = { tc_posix_net_fd(&net), POLLIN, 0 }; poll(&p, 1, 20); }
  }
  CHECK_EQ_INT(r, TC_ERR_NET_RESET);
  CHECK_EQ_INT(t.ops->send(t.ctx, b, 1), TC_ERR_NET_RESET);
  t.ops->close(t.ctx);
  close(lfd);
}

static void test_bad_calls(void)
{
  tc_posix_net_t net;
  tc_transport_t t;
  uint8_t b;
  tc_posix_net_init(&net, NULL, NULL);
  t = tc_posix_net_transport(&net);
  CHECK_EQ_INT(t.ops->send(t.ctx, &b, 1), TC_ERR_NET_CLOSED);
  CHECK_EQ_INT(t.ops->recv(t.ctx, &b, 1), TC_ERR_NET_CLOSED);
  CHECK_EQ_INT(t.ops->open(t.ctx, "127.0.0.1", 443, true, 100), TC_ERR_CONFIG);
  CHECK_EQ_INT(t.ops->open(t.ctx, "", 443, false, 100), TC_ERR_ARG);
  CHECK_EQ_INT(t.ops->open(t.ctx, "127.0.0.1", 0, false, 100), TC_ERR_ARG);
  CHECK_EQ_INT(tc_posix_net_open_addrs(&net, NULL, 0, 100), TC_ERR_ARG);
  CHECK_EQ_INT(tc_posix_net_fd(&net), -1);
  CHECK_EQ_INT(tc_posix_net_poll_events(&net), 0);
}

static void test_clock_and_random(void)
{
  uint64_t a = tc_posix_clock_ms(NULL), b = tc_posix_clock_ms(NULL);
  uint8_t r1[32], r2[32];
  memset(r1, 0, sizeof r1);
  memset(r2, 0, sizeof r2);
  CHECK(b >= a);
  tc_posix_random(NULL, r1, sizeof r1);
  tc_posix_random(NULL, r2, sizeof r2);
  CHECK(memcmp(r1, r2, sizeof r1) != 0); /* 2^-256 to fail by chance */
}

/* No descriptor left for the socket: a named error at once, no hang, and
 * the transport works again once descriptors are free. */
static void test_no_descriptor_left_is_a_named_error(void)
{
  uint16_t port;
  int lfd = listen_on(false, 4, &port);
  struct rlimit saved, r;
  tc_posix_net_t net;
  tc_transport_t t;
  tc_posix_addr_t a = v4addr(port);
  tc_err_t e;
  uint8_t b;
  CHECK(lfd >= 0);
  tc_posix_net_init(&net, NULL, NULL);
  t = tc_posix_net_transport(&net);
  getrlimit(RLIMIT_NOFILE, &saved);
  r = saved;
  r.rlim_cur = (rlim_t)lfd; /* every descriptor from lfd up is out of reach */
  CHECK(setrlimit(RLIMIT_NOFILE, &r) == 0);
  e = tc_posix_net_open_addrs(&net, &a, 1, 1000);
  CHECK(setrlimit(RLIMIT_NOFILE, &saved) == 0);
  CHECK_EQ_INT(e, TC_ERR_NET_CONNECT);
  CHECK_EQ_INT(t.ops->send(t.ctx, &b, 1), TC_ERR_NET_CONNECT);
  CHECK_EQ_INT(tc_posix_net_fd(&net), -1);
  CHECK_EQ_INT(tc_posix_net_open_addrs(&net, &a, 1, 1000), TC_OK);
  CHECK_EQ_INT(wait_connected(&net, t), 1);
  t.ops->close(t.ctx);
  close(lfd);
}

/* The peer closes normally (FIN) and then its socket is gone: our writes end
 * in a named error, never in SIGPIPE, and it stays. */
static void test_write_after_graceful_close_is_named_without_sigpipe(void)
{
  uint16_t port;
  int lfd = listen_on(false, 4, &port), sfd;
  tc_posix_net_t net;
  tc_transport_t t;
  uint8_t b[256];
  int32_t r = 0;
  signal(SIGPIPE, SIG_DFL); /* a SIGPIPE would kill this test */
  memset(b, 'x', sizeof b);
  sfd = connect_loopback(&net, &t, lfd, port);
  close(sfd); /* FIN */
  for (int i = 0; i < 250 && r >= 0; i++) {
    r = t.ops->send(t.ctx, b, sizeof b);
    if (r >= 0) { struct pollfd p = { tc_posix_net_fd(&net), POLLIN, 0 }; poll(&p, 1, 20); }
  }
  CHECK(r == TC_ERR_NET_RESET || r == TC_ERR_NET_EOF);
  CHECK_EQ_INT(t.ops->send(t.ctx, b, 1), r);
  CHECK_EQ_INT(t.ops->recv(t.ctx, b, 1), r);
  t.ops->close(t.ctx);
  close(lfd);
}

int main(void)
{
  RUN(test_ipv4_connect_and_roundtrip);
  RUN(test_ipv6_loopback_connect_and_roundtrip);
  RUN(test_name_lookup_localhost);
  RUN(test_dns_failure_is_net_dns);
  RUN(test_refused_is_net_connect);
  RUN(test_tries_every_address);
  RUN(test_connect_timeout_on_the_clock);
  RUN(test_slow_address_gets_its_share_then_next);
  RUN(test_would_block_write_then_drain);
  RUN(test_peer_reset_is_net_reset_without_sigpipe);
  RUN(test_bad_calls);
  RUN(test_clock_and_random);
  RUN(test_no_descriptor_left_is_a_named_error);
  RUN(test_write_after_graceful_close_is_named_without_sigpipe);
  return tc_test_finish("port_posix");
}

/* tc-test: host-only (sockets, child processes, files) */

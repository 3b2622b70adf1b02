/* test_posix_review.c — review probes of the POSIX socket transport: no file
 * descriptor left, a peer that closes gracefully (FIN) before our writes.
 *
 * tc-test: host-only (sockets, setrlimit) */
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

#include "posix/tc_posix_net.h"
#include "tc_test.h"

static int listen_v4(uint16_t *port)
{
  int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
  struct sockaddr_in a;
  socklen_t sl = sizeof a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(fd, 4) != 0) { close(fd); return -1; }
  getsockname(fd, (struct sockaddr *)&a, &sl);
  *port = ntohs(a.sin_port);
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

/* Drives send(…, 0) until connected (bounded polls). */
static int32_t wait_connected(tc_posix_net_t *net, tc_transport_t t)
{
  uint8_t b;
  for (int i = 0; i < 250; i++) {
    int32_t r = t.ops->send(t.ctx, &b, 0);
    if (r < 0) return r;
    if (!tc_posix_net_wants_write(net)) return 1;
    struct pollfd p = { tc_posix_net_fd(net), tc_posix_net_poll_events(net), 0 };
    poll(&p, 1, 20);
  }
  return 0;
}

/* No descriptor left for the socket: a named error at once, no hang, and
 * the transport works again once descriptors are free. */
static void test_no_descriptor_left_is_a_named_error(void)
{
  uint16_t port;
  int lfd = listen_v4(&port);
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
  int lfd = listen_v4(&port), sfd = -1;
  tc_posix_net_t net;
  tc_transport_t t;
  uint8_t b[256];
  int32_t r = 0;
  signal(SIGPIPE, SIG_DFL); /* a SIGPIPE would kill this test */
  memset(b, 'x', sizeof b);
  tc_posix_net_init(&net, NULL, NULL);
  t = tc_posix_net_transport(&net);
  CHECK_EQ_INT(t.ops->open(t.ctx, "127.0.0.1", port, false, 5000), TC_OK);
  CHECK_EQ_INT(wait_connected(&net, t), 1);
  for (int i = 0; i < 250 && sfd < 0; i++) {
    struct pollfd p = { lfd, POLLIN, 0 };
    poll(&p, 1, 20);
    sfd = accept(lfd, NULL, NULL);
  }
  CHECK(sfd >= 0);
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
  RUN(test_no_descriptor_left_is_a_named_error);
  RUN(test_write_after_graceful_close_is_named_without_sigpipe);
  return tc_test_finish("posix_review");
}

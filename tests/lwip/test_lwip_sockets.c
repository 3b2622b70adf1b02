/* test_lwip_sockets.c — port/lwip/tc_lwip_sockets.c on the real lwIP stack
 * (NO_SYS=0: tcpip thread, sockets API, sys_arch on pthreads) over a TAP
 * device to the Linux kernel inside a private network namespace
 * (tests/lwip/run.sh): connect by address and by name, DNS failure, refused,
 * connect timeout on a fake clock, a 384 KB round trip with partial writes and
 * would-blocks, full 1514-byte frames, peer close, peer reset, bad calls. */
#include <stdio.h>
#include <string.h>

#include "tc_test.h"
#include "lwip/tc_lwip_sockets.h"
#include "sim.h"

static uint64_t g_now = 1000;
static uint64_t fake_clock(void *ctx) { (void)ctx; return g_now; }

static void step(void) { sim_step(2); }

/* Waits until net is connected (1), failed (the error) or ~2 s passed (0). */
static int32_t wait_connected(tc_lwip_sock_t *net, tc_transport_t t)
{
  uint8_t b;
  for (int i = 0; i < 1000; i++) {
    int32_t r = t.ops->recv(t.ctx, &b, 0);
    if (r < 0) return r;
    if (!tc_lwip_sock_wants_write(net) && tc_lwip_sock_fd(net) >= 0) return 1;
    step();
  }
  return 0;
}

static int32_t recv_some(tc_transport_t t, uint8_t *buf, size_t n)
{
  for (int i = 0; i < 1000; i++) {
    int32_t r = t.ops->recv(t.ctx, buf, n);
    if (r != 0) return r;
    step();
  }
  return 0;
}

static int accept_wait(int lfd)
{
  for (int i = 0; i < 1000; i++) {
    int fd = sim_accept(lfd);
    if (fd >= 0) return fd;
    step();
  }
  return -1;
}

static long kread_wait(int fd, void *buf, size_t n)
{
  for (int i = 0; i < 1000; i++) {
    long r = sim_read(fd, buf, n);
    if (r != -1) return r;
    step();
  }
  return -1;
}

static int connect_pair(tc_lwip_sock_t *net, tc_transport_t *t, const char *host, int *lfd)
{
  uint16_t port = 0;
  *lfd = sim_listen(&port, 4);
  CHECK(*lfd >= 0);
  tc_lwip_sock_init(net, NULL, NULL);
  *t = tc_lwip_sock_transport(net);
  CHECK_EQ_INT(t->ops->open(t->ctx, host, port, false, 5000), TC_OK);
  CHECK_EQ_INT(wait_connected(net, *t), 1);
  return accept_wait(*lfd);
}

static void test_connect_by_address_and_roundtrip(void)
{
  tc_lwip_sock_t net;
  tc_transport_t t;
  int lfd, sfd = connect_pair(&net, &t, SIM_HOST_IP, &lfd);
  uint8_t buf[16];
  CHECK(sfd >= 0);
  CHECK(tc_lwip_sock_fd(&net) >= 0);
  CHECK_EQ_INT(tc_lwip_sock_deadline_ms(&net), UINT64_MAX);
  CHECK_EQ_INT(t.ops->send(t.ctx, (const uint8_t *)"hello", 5), 5);
  CHECK_EQ_INT(kread_wait(sfd, buf, sizeof buf), 5);
  CHECK(memcmp(buf, "hello", 5) == 0);
  CHECK_EQ_INT(t.ops->recv(t.ctx, buf, sizeof buf), 0); /* nothing yet: would block */
  CHECK_EQ_INT(sim_write(sfd, "world", 5), 5);
  CHECK_EQ_INT(recv_some(t, buf, sizeof buf), 5);
  CHECK(memcmp(buf, "world", 5) == 0);
  CHECK_EQ_INT(t.ops->pending(t.ctx), 0);
  sim_close(sfd);
  CHECK_EQ_INT(recv_some(t, buf, 1), TC_ERR_NET_EOF);
  CHECK_EQ_INT(t.ops->recv(t.ctx, buf, 1), TC_ERR_NET_EOF); /* sticky */
  CHECK_EQ_INT(tc_lwip_sock_fd(&net), -1);
  t.ops->close(t.ctx);
  t.ops->close(t.ctx);
  CHECK_EQ_INT(t.ops->recv(t.ctx, buf, 1), TC_ERR_NET_CLOSED);
  sim_close(lfd);
}

static void test_name_lookup_through_lwip_getaddrinfo(void)
{
  tc_lwip_sock_t net;
  tc_transport_t t;
  int lfd, sfd = connect_pair(&net, &t, SIM_DNS_NAME, &lfd);
  uint8_t b = 0;
  CHECK(sfd >= 0);
  CHECK_EQ_INT(t.ops->send(t.ctx, (const uint8_t *)"x", 1), 1);
  CHECK_EQ_INT(kread_wait(sfd, &b, 1), 1);
  CHECK_EQ_INT(b, 'x');
  t.ops->close(t.ctx);
  sim_close(sfd);
  sim_close(lfd);
}

static void test_dns_failure_is_net_dns(void)
{
  tc_lwip_sock_t net;
  tc_transport_t t;
  uint8_t b;
  tc_lwip_sock_init(&net, NULL, NULL);
  t = tc_lwip_sock_transport(&net);
  /* lwip_getaddrinfo blocks until the NXDOMAIN answer: open() reports it */
  CHECK_EQ_INT(t.ops->open(t.ctx, "nonexistent.invalid", 443, false, 5000), TC_ERR_NET_DNS);
  CHECK_EQ_INT(t.ops->recv(t.ctx, &b, 1), TC_ERR_NET_DNS); /* sticky */
  CHECK_EQ_INT(tc_lwip_sock_fd(&net), -1);
  t.ops->close(t.ctx);
}

static void test_refused_is_net_connect_then_reopen_works(void)
{
  tc_lwip_sock_t net;
  tc_transport_t t;
  uint16_t port = 0;
  int lfd, sfd;
  tc_err_t e;
  tc_lwip_sock_init(&net, NULL, NULL);
  t = tc_lwip_sock_transport(&net);
  e = t.ops->open(t.ctx, SIM_HOST_IP, sim_dead_port(), false, 5000);
  if (e == TC_OK) CHECK_EQ_INT(wait_connected(&net, t), TC_ERR_NET_CONNECT);
  else CHECK_EQ_INT(e, TC_ERR_NET_CONNECT);
  lfd = sim_listen(&port, 4);
  CHECK_EQ_INT(t.ops->open(t.ctx, SIM_HOST_IP, port, false, 5000), TC_OK);
  CHECK_EQ_INT(wait_connected(&net, t), 1);
  sfd = accept_wait(lfd);
  CHECK(sfd >= 0);
  t.ops->close(t.ctx);
  sim_close(sfd);
  sim_close(lfd);
}

static void test_connect_timeout_on_the_clock(void)
{
  tc_lwip_sock_t net;
  tc_transport_t t;
  uint8_t b;
  tc_lwip_sock_init(&net, fake_clock, NULL);
  t = tc_lwip_sock_transport(&net);
  g_now = 5000;
  CHECK_EQ_INT(t.ops->open(t.ctx, SIM_DEAD_IP, 80, false, 3000), TC_OK);
  CHECK_EQ_INT(tc_lwip_sock_deadline_ms(&net), 8000);
  CHECK(tc_lwip_sock_wants_write(&net));
  for (int i = 0; i < 20; i++) {
    CHECK_EQ_INT(t.ops->recv(t.ctx, &b, 1), 0);
    step();
  }
  g_now = 7999;
  CHECK_EQ_INT(t.ops->send(t.ctx, &b, 1), 0);
  g_now = 8000;
  CHECK_EQ_INT(t.ops->send(t.ctx, &b, 1), TC_ERR_NET_TIMEOUT);
  CHECK_EQ_INT(tc_lwip_sock_fd(&net), -1);
  CHECK_EQ_INT(tc_lwip_sock_deadline_ms(&net), UINT64_MAX);
  t.ops->close(t.ctx);
}

static uint8_t pattern(size_t i) { return (uint8_t)((i * 131u + (i >> 9)) & 0xFF); }

static void test_roundtrip_384k_partial_writes_and_would_block(void)
{
  enum { TOTAL = 384 * 1024 };
  tc_lwip_sock_t net;
  static uint8_t out[TOTAL], back[TOTAL], kbuf[65536];
  tc_transport_t t;
  int lfd, sfd = connect_pair(&net, &t, SIM_HOST_IP, &lfd);
  size_t sent = 0, got = 0, kin = 0, kout = 0, klen = 0;
  unsigned send_wb = 0, send_partial = 0, recv_wb = 0;
  uint32_t rng = 777;
  CHECK(sfd >= 0);
  if (sfd < 0) return;
  for (size_t i = 0; i < TOTAL; i++) out[i] = pattern(i);
  for (int it = 0; it < 40000 && got < TOTAL; it++) {
    rng = rng * 1103515245u + 12345u;
    if (sent < TOTAL) {
      size_t want = 1 + (rng >> 8) % 9000;
      int32_t r;
      if (want > TOTAL - sent) want = TOTAL - sent;
      r = t.ops->send(t.ctx, out + sent, want);
      CHECK(r >= 0);
      if (r < 0) break;
      if (r == 0) { send_wb++; CHECK(tc_lwip_sock_wants_write(&net)); }
      else if ((size_t)r < want) send_partial++;
      sent += (size_t)r;
    }
    if (klen == 0 && it % 3 == 0) {
      long r = sim_read(sfd, kbuf, sizeof kbuf);
      if (r > 0) { klen = (size_t)r; kout = 0; kin += (size_t)r; }
    }
    if (klen > 0) {
      long w = sim_write(sfd, kbuf + kout, klen - kout);
      if (w > 0) { kout += (size_t)w; if (kout == klen) klen = 0; }
    }
    if ((rng >> 4) % 8 != 0) {
      size_t want = 1 + (rng >> 12) % 7000;
      int32_t r;
      if (want > TOTAL - got) want = TOTAL - got;
      r = t.ops->recv(t.ctx, back + got, want);
      CHECK(r >= 0);
      if (r < 0) break;
      if (r == 0) recv_wb++;
      got += (size_t)r;
    }
    if (it % 4 == 0) sim_step(1);
  }
  CHECK_EQ_INT(sent, TOTAL);
  CHECK_EQ_INT(kin, TOTAL);
  CHECK_EQ_INT(got, TOTAL);
  CHECK(memcmp(out, back, TOTAL) == 0);
  CHECK(send_wb > 0);
  CHECK(send_partial > 0);
  CHECK(recv_wb > 0);
  printf("  roundtrip: %u send would-blocks, %u partial sends, %u recv would-blocks\n",
         send_wb, send_partial, recv_wb);
  CHECK_EQ_INT(sim_max_frame_out(), 1514);
  CHECK_EQ_INT(sim_max_frame_in(), 1514);
  t.ops->close(t.ctx);
  sim_close(sfd);
  sim_close(lfd);
}

static void test_peer_close_delivers_data_then_eof(void)
{
  tc_lwip_sock_t net;
  tc_transport_t t;
  int lfd, sfd = connect_pair(&net, &t, SIM_HOST_IP, &lfd);
  uint8_t buf[8];
  CHECK(sfd >= 0);
  CHECK_EQ_INT(sim_write(sfd, "bye", 3), 3);
  sim_close(sfd);
  CHECK_EQ_INT(recv_some(t, buf, sizeof buf), 3);
  CHECK(memcmp(buf, "bye", 3) == 0);
  CHECK_EQ_INT(recv_some(t, buf, sizeof buf), TC_ERR_NET_EOF);
  t.ops->close(t.ctx);
  sim_close(lfd);
}

static void test_peer_reset_is_net_reset(void)
{
  tc_lwip_sock_t net;
  tc_transport_t t;
  int lfd, sfd = connect_pair(&net, &t, SIM_HOST_IP, &lfd);
  uint8_t b[64];
  int32_t r = 0;
  CHECK(sfd >= 0);
  sim_reset(sfd); /* RST */
  for (int i = 0; i < 1000 && r >= 0; i++) {
    r = t.ops->send(t.ctx, b, sizeof b);
    if (r >= 0) r = t.ops->recv(t.ctx, b, sizeof b);
    if (r >= 0) step();
  }
  CHECK_EQ_INT(r, TC_ERR_NET_RESET);
  CHECK_EQ_INT(t.ops->send(t.ctx, b, 1), TC_ERR_NET_RESET); /* sticky */
  t.ops->close(t.ctx);
  sim_close(lfd);
}

static void test_bad_calls(void)
{
  tc_lwip_sock_t net;
  tc_transport_t t;
  uint8_t b;
  tc_lwip_sock_init(&net, NULL, NULL);
  t = tc_lwip_sock_transport(&net);
  CHECK_EQ_INT(t.ops->send(t.ctx, &b, 1), TC_ERR_NET_CLOSED);
  CHECK_EQ_INT(t.ops->recv(t.ctx, &b, 1), TC_ERR_NET_CLOSED);
  CHECK_EQ_INT(t.ops->open(t.ctx, SIM_HOST_IP, 443, true, 100), TC_ERR_CONFIG);
  CHECK_EQ_INT(t.ops->open(t.ctx, "", 443, false, 100), TC_ERR_ARG);
  CHECK_EQ_INT(t.ops->open(t.ctx, SIM_HOST_IP, 0, false, 100), TC_ERR_ARG);
  CHECK_EQ_INT(tc_lwip_sock_fd(&net), -1);
  CHECK(!tc_lwip_sock_wants_write(&net));
}

int main(void)
{
  int tap = sim_tap_open(SIM_TAP), dns = sim_dns_open();
  int rc;
  if (tap < 0 || dns < 0 || sim_lwip_start(tap, dns) != 0) {
    printf("lwip_sockets: cannot attach to %s (run through tests/lwip/run.sh, as root)\n", SIM_TAP);
    printf("lwip_sockets: 0 passed, 1 failed\n");
    return 1;
  }
  RUN(test_bad_calls);
  RUN(test_connect_by_address_and_roundtrip);
  RUN(test_name_lookup_through_lwip_getaddrinfo);
  RUN(test_dns_failure_is_net_dns);
  RUN(test_refused_is_net_connect_then_reopen_works);
  RUN(test_connect_timeout_on_the_clock);
  RUN(test_roundtrip_384k_partial_writes_and_would_block);
  RUN(test_peer_close_delivers_data_then_eof);
  RUN(test_peer_reset_is_net_reset);
  rc = tc_test_finish("lwip_sockets");
  sim_lwip_stop();
  return rc;
}

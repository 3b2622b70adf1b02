/* test_lwip_raw.c — port/lwip/tc_lwip_raw.c on the real lwIP stack (NO_SYS=1,
 * raw API), over a TAP device to the Linux kernel inside a private network
 * namespace (tests/lwip/run.sh): connect by address and by name, DNS failure,
 * refused, connect timeout on a fake clock, a 384 KB round trip with partial
 * writes and would-blocks, receive-window backpressure, full 1514-byte
 * frames, peer close (EOF after data), peer reset, the wake-up hook, bad
 * calls, no pbuf leak. */
#include <stdio.h>
#include <string.h>

#include "tc_test.h"
#include "lwip/tc_lwip_raw.h"
#include "sim.h"

static uint64_t g_now = 1000;
static uint64_t fake_clock(void *ctx) { (void)ctx; return g_now; }

static int g_pool_at_start;

static void step(void) { sim_step(5); }

/* Drives lwIP until c is connected (1), failed (the error) or 2 s passed (0). */
static int32_t wait_connected(tc_lwip_raw_t *c, tc_transport_t t)
{
  uint8_t b;
  for (int i = 0; i < 400; i++) {
    int32_t r;
    if (tc_lwip_raw_connected(c)) return 1;
    r = t.ops->recv(t.ctx, &b, 0);
    if (r < 0) return r;
    step();
  }
  return 0;
}

/* Drives lwIP until recv returns non-zero (bounded); returns that. */
static int32_t recv_some(tc_transport_t t, uint8_t *buf, size_t n)
{
  for (int i = 0; i < 400; i++) {
    int32_t r = t.ops->recv(t.ctx, buf, n);
    if (r != 0) return r;
    step();
  }
  return 0;
}

static int accept_wait(int lfd)
{
  for (int i = 0; i < 400; i++) {
    int fd = sim_accept(lfd);
    if (fd >= 0) return fd;
    step();
  }
  return -1;
}

static long kread_wait(int fd, void *buf, size_t n)
{
  for (int i = 0; i < 400; i++) {
    long r = sim_read(fd, buf, n);
    if (r != -1) return r;
    step();
  }
  return -1;
}

/* Opens c on host to a fresh listener and accepts; returns the kernel fd. */
static int connect_pair(tc_lwip_raw_t *c, tc_transport_t *t, const char *host, int *lfd)
{
  uint16_t port = 0;
  *lfd = sim_listen(&port, 4);
  CHECK(*lfd >= 0);
  tc_lwip_raw_init(c, NULL, NULL);
  *t = tc_lwip_raw_transport(c);
  CHECK_EQ_INT(t->ops->open(t->ctx, host, port, false, 5000), TC_OK);
  CHECK_EQ_INT(wait_connected(c, *t), 1);
  return accept_wait(*lfd);
}

static void test_connect_by_address_and_roundtrip(void)
{
  static tc_lwip_raw_t c;
  tc_transport_t t;
  int lfd, sfd = connect_pair(&c, &t, SIM_HOST_IP, &lfd);
  uint8_t buf[16];
  CHECK(sfd >= 0);
  CHECK_EQ_INT(tc_lwip_raw_deadline_ms(&c), UINT64_MAX);
  CHECK_EQ_INT(t.ops->send(t.ctx, (const uint8_t *)"hello", 5), 5);
  CHECK_EQ_INT(kread_wait(sfd, buf, sizeof buf), 5);
  CHECK(memcmp(buf, "hello", 5) == 0);
  CHECK_EQ_INT(t.ops->recv(t.ctx, buf, sizeof buf), 0); /* nothing yet: would block */
  CHECK_EQ_INT(sim_write(sfd, "world", 5), 5);
  for (int i = 0; i < 400 && t.ops->pending(t.ctx) < 5; i++) step();
  CHECK_EQ_INT(t.ops->pending(t.ctx), 5); /* queued in the pbuf chain */
  CHECK_EQ_INT(t.ops->recv(t.ctx, buf, 2), 2);
  CHECK_EQ_INT(t.ops->pending(t.ctx), 3);
  CHECK_EQ_INT(t.ops->recv(t.ctx, buf + 2, sizeof buf), 3);
  CHECK(memcmp(buf, "world", 5) == 0);
  CHECK_EQ_INT(t.ops->pending(t.ctx), 0);
  sim_close(sfd);
  CHECK_EQ_INT(recv_some(t, buf, 1), TC_ERR_NET_EOF);
  CHECK_EQ_INT(t.ops->recv(t.ctx, buf, 1), TC_ERR_NET_EOF); /* sticky */
  t.ops->close(t.ctx);
  t.ops->close(t.ctx); /* twice is fine */
  CHECK_EQ_INT(t.ops->recv(t.ctx, buf, 1), TC_ERR_NET_CLOSED);
  CHECK_EQ_INT(t.ops->send(t.ctx, buf, 1), TC_ERR_NET_CLOSED);
  sim_close(lfd);
}

static void test_name_lookup_through_lwip_dns(void)
{
  static tc_lwip_raw_t c;
  tc_transport_t t;
  int lfd, sfd = connect_pair(&c, &t, SIM_DNS_NAME, &lfd);
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
  static tc_lwip_raw_t c;
  tc_transport_t t;
  uint8_t b;
  tc_lwip_raw_init(&c, NULL, NULL);
  t = tc_lwip_raw_transport(&c);
  CHECK_EQ_INT(t.ops->open(t.ctx, "nonexistent.invalid", 443, false, 5000), TC_OK);
  CHECK_EQ_INT(t.ops->recv(t.ctx, &b, 1), 0); /* resolving */
  CHECK_EQ_INT(recv_some(t, &b, 1), TC_ERR_NET_DNS);
  CHECK_EQ_INT(t.ops->send(t.ctx, &b, 1), TC_ERR_NET_DNS); /* sticky */
  t.ops->close(t.ctx);
}

static void test_refused_is_net_connect_then_reopen_works(void)
{
  static tc_lwip_raw_t c;
  tc_transport_t t;
  uint16_t port = 0;
  int lfd, sfd;
  tc_lwip_raw_init(&c, NULL, NULL);
  t = tc_lwip_raw_transport(&c);
  CHECK_EQ_INT(t.ops->open(t.ctx, SIM_HOST_IP, sim_dead_port(), false, 5000), TC_OK);
  CHECK_EQ_INT(wait_connected(&c, t), TC_ERR_NET_CONNECT);
  /* the same object opens again after a failure */
  lfd = sim_listen(&port, 4);
  CHECK_EQ_INT(t.ops->open(t.ctx, SIM_HOST_IP, port, false, 5000), TC_OK);
  CHECK_EQ_INT(wait_connected(&c, t), 1);
  sfd = accept_wait(lfd);
  CHECK(sfd >= 0);
  t.ops->close(t.ctx);
  sim_close(sfd);
  sim_close(lfd);
}

static void test_connect_timeout_on_the_clock(void)
{
  static tc_lwip_raw_t c;
  tc_transport_t t;
  uint8_t b;
  tc_lwip_raw_init(&c, fake_clock, NULL);
  t = tc_lwip_raw_transport(&c);
  g_now = 5000;
  CHECK_EQ_INT(t.ops->open(t.ctx, SIM_DEAD_IP, 80, false, 3000), TC_OK);
  CHECK_EQ_INT(tc_lwip_raw_deadline_ms(&c), 8000);
  for (int i = 0; i < 20; i++) { /* lwIP really runs: ARP goes unanswered */
    CHECK_EQ_INT(t.ops->recv(t.ctx, &b, 1), 0);
    step();
  }
  g_now = 7999;
  CHECK_EQ_INT(t.ops->send(t.ctx, &b, 1), 0);
  g_now = 8000;
  CHECK_EQ_INT(t.ops->send(t.ctx, &b, 1), TC_ERR_NET_TIMEOUT);
  CHECK_EQ_INT(tc_lwip_raw_deadline_ms(&c), UINT64_MAX);
  CHECK_EQ_INT(t.ops->recv(t.ctx, &b, 1), TC_ERR_NET_TIMEOUT);
  t.ops->close(t.ctx);
}

static uint8_t pattern(size_t i) { return (uint8_t)((i * 131u + (i >> 9)) & 0xFF); }

/* lwIP sends TOTAL bytes in odd-sized pieces; the kernel echoes everything
 * back, reading in bursts; lwIP reads the echo in odd sizes, sometimes not at
 * all for a while. Every byte must come back in order. */
static void test_roundtrip_384k_partial_writes_and_would_block(void)
{
  enum { TOTAL = 384 * 1024 };
  static tc_lwip_raw_t c;
  static uint8_t out[TOTAL], back[TOTAL], kbuf[65536];
  tc_transport_t t;
  int lfd, sfd = connect_pair(&c, &t, SIM_HOST_IP, &lfd);
  size_t sent = 0, got = 0, kin = 0, kout = 0, klen = 0;
  unsigned send_wb = 0, send_partial = 0, recv_wb = 0;
  uint32_t rng = 12345;
  CHECK(sfd >= 0);
  if (sfd < 0) return;
  for (size_t i = 0; i < TOTAL; i++) out[i] = pattern(i);
  for (int it = 0; it < 20000 && got < TOTAL; it++) {
    rng = rng * 1103515245u + 12345u;
    if (sent < TOTAL) {
      size_t want = 1 + (rng >> 8) % 9000;
      int32_t r;
      if (want > TOTAL - sent) want = TOTAL - sent;
      r = t.ops->send(t.ctx, out + sent, want);
      CHECK(r >= 0);
      if (r < 0) break;
      if (r == 0) send_wb++;
      sent += (size_t)r;
      if (r > 0 && (size_t)r < want) { /* partial: the buffer is full now */
        send_partial++;
        r = t.ops->send(t.ctx, out + sent, want - (size_t)r);
        CHECK_EQ_INT(r, 0);
        if (r == 0) send_wb++;
      }
    }
    /* kernel echo: read in bursts (every third turn), write back what it can */
    if (klen == 0 && it % 3 == 0) {
      long r = sim_read(sfd, kbuf, sizeof kbuf);
      if (r > 0) { klen = (size_t)r; kout = 0; kin += (size_t)r; }
    }
    if (klen > 0) {
      long w = sim_write(sfd, kbuf + kout, klen - kout);
      if (w > 0) { kout += (size_t)w; if (kout == klen) klen = 0; }
    }
    /* lwIP side: pause reading now and then to let the window close */
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
    sim_step(sent < TOTAL && send_wb == 0 ? 0 : 1);
  }
  CHECK_EQ_INT(sent, TOTAL);
  CHECK_EQ_INT(kin, TOTAL);
  CHECK_EQ_INT(got, TOTAL);
  CHECK(memcmp(out, back, TOTAL) == 0);
  CHECK(send_wb > 0);      /* the send buffer filled: would block */
  CHECK(send_partial > 0); /* and took part of a request */
  CHECK(recv_wb > 0);
  printf("  roundtrip: %u send would-blocks, %u partial sends, %u recv would-blocks\n",
         send_wb, send_partial, recv_wb);
  /* full-size frames both ways: 14 + 20 + 20 + 1460 */
  CHECK_EQ_INT(sim_max_frame_out(), 1514);
  CHECK_EQ_INT(sim_max_frame_in(), 1514);
  t.ops->close(t.ctx);
  sim_close(sfd);
  sim_close(lfd);
}

/* The application stops reading: lwIP's window closes at TCP_WND bytes held,
 * the kernel stops sending; reading again reopens it and all bytes arrive. */
static void test_receive_window_backpressure(void)
{
  enum { TOTAL = 64 * 1024, WND = 4 * 1460 };
  static tc_lwip_raw_t c;
  static uint8_t data[TOTAL], back[TOTAL];
  tc_transport_t t;
  int lfd, sfd = connect_pair(&c, &t, SIM_HOST_IP, &lfd);
  size_t put = 0, got = 0;
  CHECK(sfd >= 0);
  if (sfd < 0) return;
  for (size_t i = 0; i < TOTAL; i++) data[i] = pattern(i + 7);
  for (int i = 0; i < 100; i++) { /* write what the kernel takes, never read */
    long w = sim_write(sfd, data + put, TOTAL - put);
    if (w > 0) put += (size_t)w;
    step();
  }
  CHECK_EQ_INT(t.ops->pending(t.ctx), WND); /* exactly the window, no more */
  for (int i = 0; i < 20; i++) step();
  CHECK_EQ_INT(t.ops->pending(t.ctx), WND); /* still: the peer is held back */
  for (int i = 0; i < 4000 && got < TOTAL; i++) {
    int32_t r = t.ops->recv(t.ctx, back + got, TOTAL - got);
    CHECK(r >= 0);
    if (r < 0) break;
    got += (size_t)r;
    if (put < TOTAL) { long w = sim_write(sfd, data + put, TOTAL - put); if (w > 0) put += (size_t)w; }
    if (r == 0) sim_step(2);
  }
  CHECK_EQ_INT(got, TOTAL);
  CHECK(memcmp(data, back, TOTAL) == 0);
  t.ops->close(t.ctx);
  sim_close(sfd);
  sim_close(lfd);
}

static void test_peer_close_delivers_data_then_eof(void)
{
  static tc_lwip_raw_t c;
  tc_transport_t t;
  int lfd, sfd = connect_pair(&c, &t, SIM_HOST_IP, &lfd);
  uint8_t buf[8];
  CHECK(sfd >= 0);
  CHECK_EQ_INT(sim_write(sfd, "bye", 3), 3);
  sim_close(sfd);
  for (int i = 0; i < 40; i++) step(); /* data and FIN both arrive */
  CHECK_EQ_INT(t.ops->pending(t.ctx), 3);
  CHECK_EQ_INT(t.ops->recv(t.ctx, buf, sizeof buf), 3);
  CHECK(memcmp(buf, "bye", 3) == 0);
  CHECK_EQ_INT(t.ops->recv(t.ctx, buf, sizeof buf), TC_ERR_NET_EOF);
  /* errors are sticky (port.h): send too, as on the other transports */
  CHECK_EQ_INT(t.ops->send(t.ctx, buf, 1), TC_ERR_NET_EOF);
  CHECK_EQ_INT(t.ops->recv(t.ctx, buf, sizeof buf), TC_ERR_NET_EOF);
  t.ops->close(t.ctx);
  sim_close(lfd);
}

static void test_peer_reset_is_net_reset(void)
{
  static tc_lwip_raw_t c;
  tc_transport_t t;
  int lfd, sfd = connect_pair(&c, &t, SIM_HOST_IP, &lfd);
  uint8_t b[64];
  CHECK(sfd >= 0);
  CHECK_EQ_INT(sim_write(sfd, "lost", 4), 4);
  sim_reset(sfd); /* RST */
  CHECK_EQ_INT(recv_some(t, b, sizeof b) == 4 ? recv_some(t, b, sizeof b) : TC_ERR_NET_RESET,
               TC_ERR_NET_RESET);
  CHECK_EQ_INT(t.ops->send(t.ctx, b, 1), TC_ERR_NET_RESET); /* sticky */
  CHECK_EQ_INT(t.ops->pending(t.ctx), 0);
  t.ops->close(t.ctx);
  sim_close(lfd);
}

static int g_notes;
static void count_note(void *arg) { (void)arg; g_notes++; }

/* The wake-up hook fires from lwIP's callbacks when recv has bytes and when
 * send has room again, so a loop may sleep until it fires. */
static void test_notify_on_data_and_on_send_room(void)
{
  static tc_lwip_raw_t c;
  static uint8_t big[16384], sink[65536];
  tc_transport_t t;
  int lfd, sfd = connect_pair(&c, &t, SIM_HOST_IP, &lfd);
  int32_t r = 1;
  CHECK(sfd >= 0);
  if (sfd < 0) return;
  tc_lwip_raw_set_notify(&c, count_note, NULL);
  g_notes = 0;
  CHECK_EQ_INT(sim_write(sfd, "ping", 4), 4);
  for (int i = 0; i < 400 && g_notes == 0; i++) step();
  CHECK(g_notes > 0);
  CHECK_EQ_INT(t.ops->pending(t.ctx), 4); /* the hook ran after the bytes were queued */
  for (int i = 0; i < 100 && r > 0; i++) r = t.ops->send(t.ctx, big, sizeof big);
  CHECK_EQ_INT(r, 0); /* send buffer full */
  g_notes = 0;
  for (int i = 0; i < 400 && g_notes == 0; i++) { (void)sim_read(sfd, sink, sizeof sink); step(); }
  CHECK(g_notes > 0);
  CHECK(t.ops->send(t.ctx, big, sizeof big) > 0); /* room again */
  tc_lwip_raw_set_notify(&c, NULL, NULL);
  t.ops->close(t.ctx);
  sim_close(sfd);
  sim_close(lfd);
}

static void test_bad_calls(void)
{
  static tc_lwip_raw_t c;
  tc_transport_t t;
  uint8_t b;
  tc_lwip_raw_init(&c, NULL, NULL);
  t = tc_lwip_raw_transport(&c);
  CHECK_EQ_INT(t.ops->send(t.ctx, &b, 1), TC_ERR_NET_CLOSED);
  CHECK_EQ_INT(t.ops->recv(t.ctx, &b, 1), TC_ERR_NET_CLOSED);
  CHECK_EQ_INT(t.ops->pending(t.ctx), 0);
  CHECK_EQ_INT(t.ops->open(t.ctx, SIM_HOST_IP, 443, true, 100), TC_ERR_CONFIG);
  CHECK_EQ_INT(t.ops->open(t.ctx, "", 443, false, 100), TC_ERR_ARG);
  CHECK_EQ_INT(t.ops->open(t.ctx, SIM_HOST_IP, 0, false, 100), TC_ERR_ARG);
  CHECK_EQ_INT(tc_lwip_raw_deadline_ms(&c), UINT64_MAX);
  t.ops->close(t.ctx);
}

static void test_no_pbuf_left_behind(void)
{
  for (int i = 0; i < 100; i++) step(); /* let closes and TIME_WAITs settle */
  CHECK_EQ_INT(sim_pool_free(), g_pool_at_start);
}

int main(void)
{
  int tap = sim_tap_open(SIM_TAP), dns = sim_dns_open();
  if (tap < 0 || dns < 0 || sim_lwip_start(tap, dns) != 0) {
    printf("lwip_raw: cannot attach to %s (run through tests/lwip/run.sh, as root)\n", SIM_TAP);
    printf("lwip_raw: 0 passed, 1 failed\n");
    return 1;
  }
  g_pool_at_start = sim_pool_free();
  RUN(test_bad_calls);
  RUN(test_connect_by_address_and_roundtrip);
  RUN(test_name_lookup_through_lwip_dns);
  RUN(test_dns_failure_is_net_dns);
  RUN(test_refused_is_net_connect_then_reopen_works);
  RUN(test_connect_timeout_on_the_clock);
  RUN(test_roundtrip_384k_partial_writes_and_would_block);
  RUN(test_receive_window_backpressure);
  RUN(test_peer_close_delivers_data_then_eof);
  RUN(test_peer_reset_is_net_reset);
  RUN(test_notify_on_data_and_on_send_room);
  RUN(test_no_pbuf_left_behind);
  return tc_test_finish("lwip_raw");
}

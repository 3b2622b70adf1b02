/* test_lwip_tls.c — TLS (port/mbedtls) over the lwIP raw-API transport
 * (port/lwip/tc_lwip_raw.c, NO_SYS=1) or, built with TC_LWIP_NO_SYS=0, over
 * the sockets transport (tc_lwip_sockets.c), against `openssl s_server` on the
 * kernel side of the simulation's TAP link, inside the private namespace made
 * by tests/lwip/run.sh: a verified handshake and a 300 KB download (TLS
 * records larger than a segment, full-size frames), an untrusted certificate,
 * and a server that accepts and says nothing (handshake timeout on the clock
 * passed in). Certificates come from tests/port/mkcerts.sh (for "localhost",
 * which the simulation's DNS server maps to SIM_HOST_IP). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tc_test.h"
#include "mbedtls/tc_mbedtls.h"
#include "sim.h"

#if TC_LWIP_NO_SYS
#include "lwip/tc_lwip_raw.h"
#define SUITE "lwip_tls"
typedef tc_lwip_raw_t net_t;
#define net_init tc_lwip_raw_init
#define net_transport tc_lwip_raw_transport
#define net_connected(n) tc_lwip_raw_connected(n)
#else
#include "lwip/tc_lwip_sockets.h"
#define SUITE "lwip_tls_sockets"
typedef tc_lwip_sock_t net_t;
#define net_init tc_lwip_sock_init
#define net_transport tc_lwip_sock_transport
#define net_connected(n) (tc_lwip_sock_fd(n) >= 0 && tc_lwip_sock_deadline_ms(n) == UINT64_MAX)
#endif

enum { BIG = 300 * 1024 };
static char g_dir[64];
static uint8_t g_arena[96 * 1024];
static uint8_t g_big[BIG];
static uint64_t g_now = 1000;
static bool g_fake;
static uint64_t test_clock(void *ctx)
{
  struct timespec ts;
  (void)ctx;
  if (g_fake) return g_now;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void entropy(void *ctx, uint8_t *buf, size_t n)
{
  (void)ctx;
  while (n > 0) {
    ssize_t r = getrandom(buf, n, 0);
    if (r <= 0) abort();
    buf += r;
    n -= (size_t)r;
  }
}

/* ---- openssl s_server on SIM_HOST_IP (serves files from g_dir with -WWW) */
static pid_t g_srv = -1;
static int g_srv_out = -1;
static const char *g_srv_frag; /* set: -max_send_frag (records of at most that many bytes) */
static int g_srv_in = -1;       /* set before srv_start (to -2): no -WWW, stdin is ours */

static void srv_stop(void)
{
  if (g_srv > 0) { kill(g_srv, SIGKILL); waitpid(g_srv, NULL, 0); }
  if (g_srv_out >= 0) close(g_srv_out);
  if (g_srv_in >= 0) close(g_srv_in);
  g_srv = -1;
  g_srv_out = -1;
  g_srv_in = -1;
}

/* Starts s_server with <name>.crt/.key and -WWW; returns its port or 0. */
static uint16_t srv_start(const char *name)
{
  char cert[128], key[128], log[4096];
  size_t len = 0;
  int pout[2], pin[2] = { -1, -1 };
  bool www = g_srv_in != -2;
  snprintf(cert, sizeof cert, "%s/%s.crt", g_dir, name);
  snprintf(key, sizeof key, "%s/%s.key", g_dir, name);
  if (pipe(pout) != 0 || (!www && pipe(pin) != 0)) return 0;
  g_srv = fork();
  if (g_srv == 0) {
    int dn = open("/dev/null", O_RDWR);
    prctl(PR_SET_PDEATHSIG, SIGKILL); /* never outlive the test */
    if (chdir(g_dir) != 0) _exit(127);
    dup2(www ? dn : pin[0], 0); dup2(pout[1], 1); dup2(dn, 2);
    close(pout[0]);
    if (!www) close(pin[1]);
    execlp("openssl", "openssl", "s_server", "-cert", cert, "-key", key,
           "-accept", SIM_HOST_IP ":0", www ? "-WWW" : "-naccept", www ? (g_srv_frag ? "-max_send_frag" : (char *)NULL) : "1",
           www ? g_srv_frag : (char *)NULL, (char *)NULL);
    _exit(127);
  }
  if (!www) { close(pin[0]); g_srv_in = pin[1]; }
  close(pout[1]);
  g_srv_out = pout[0];
  fcntl(g_srv_out, F_SETFL, O_NONBLOCK);
  for (int i = 0; i < 500; i++) { /* up to ~10 s for its ACCEPT line */
    ssize_t n = read(g_srv_out, log + len, sizeof log - 1 - len);
    char *p;
    if (n > 0) { len += (size_t)n; log[len] = '\0'; }
    if ((p = strstr(log, "ACCEPT")) != NULL && strchr(p, '\n') != NULL) {
      char *colon = strrchr(p, ':');
      return (uint16_t)atoi(colon ? colon + 1 : "0");
    }
    struct pollfd pf = { g_srv_out, POLLIN, 0 };
    poll(&pf, 1, 20);
  }
  return 0;
}

/* ---- a TLS client over the lwIP transport */
typedef struct client {
  net_t net;
  tc_tls_ctx_t ctx;
  tc_tls_conn_t conn;
  tc_transport_t t;
} client_t;

static client_t g_c; /* static: lwIP may call back into net for a late DNS answer */

static client_t *client_new(void)
{
  client_t *c = &g_c;
  tc_tls_config_t cfg;
  char ca[128];
  memset(&cfg, 0, sizeof cfg);
  snprintf(ca, sizeof ca, "%s/trust.pem", g_dir);
  cfg.ca_file = ca;
  cfg.entropy = entropy;
  cfg.clock = test_clock;
  cfg.arena = g_arena;
  cfg.arena_size = sizeof g_arena;
  net_init(&c->net, test_clock, NULL);
  CHECK_EQ_INT(tc_tls_ctx_init(&c->ctx, &cfg), TC_OK);
  tc_tls_conn_init(&c->conn, &c->ctx, net_transport(&c->net));
  c->t = tc_tls_conn_transport(&c->conn);
  return c;
}

static void client_free(client_t *c)
{
  c->t.ops->close(c->t.ctx);
  tc_tls_ctx_free(&c->ctx);
#ifdef TC_TEST_ARENA_WIRED
  CHECK_EQ_INT(c->ctx.arena.in_use, 0); /* every mbedTLS block went back */
#endif
}

/* Sends all of s (driving lwIP between would-blocks); false on error. */
static bool send_all(client_t *c, const char *s)
{
  size_t n = strlen(s), off = 0;
  for (int i = 0; i < 3000 && off < n; i++) {
    int32_t r = c->t.ops->send(c->t.ctx, (const uint8_t *)s + off, n - off);
    if (r < 0) { CHECK_EQ_INT(r, 0); return false; }
    off += (size_t)r;
    if (r == 0) sim_step(2);
  }
  return off == n;
}

static void test_handshake_and_300k_download(void)
{
  static uint8_t got[BIG + 1024];
  client_t *c;
  uint16_t port = srv_start("good_ec");
  size_t len = 0;
  int32_t r = 0;
  const uint8_t *body;
  CHECK(port != 0);
  if (port == 0) { srv_stop(); return; }
  c = client_new();
  CHECK_EQ_INT(c->t.ops->open(c->t.ctx, "localhost", port, true, 10000), TC_OK);
  CHECK(send_all(c, "GET /big.bin HTTP/1.0\r\n\r\n"));
  for (int i = 0; i < 20000 && len < sizeof got; i++) {
    /* read in small pieces: records must be reassembled across calls */
    r = c->t.ops->recv(c->t.ctx, got + len, (sizeof got - len) < 3000 ? sizeof got - len : 3000);
    if (r < 0) break;
    len += (size_t)r;
    if (r == 0 && c->t.ops->pending(c->t.ctx) == 0) sim_step(2);
  }
  CHECK_EQ_INT(r, TC_ERR_NET_EOF); /* s_server closes after the file */
  CHECK(len > BIG);
  body = memmem(got, len, "\r\n\r\n", 4);
  CHECK(body != NULL);
  if (body) {
    body += 4;
    CHECK(memcmp(got, "HTTP/1.0 200", 12) == 0);
    CHECK_EQ_INT((size_t)(got + len - body), BIG);
    CHECK(memcmp(body, g_big, BIG) == 0);
  }
  CHECK_EQ_INT(sim_max_frame_in(), 1514);
  client_free(c);
  srv_stop();
}

static void test_untrusted_certificate_is_rejected(void)
{
  client_t *c;
  uint16_t port = srv_start("selfsigned");
  int32_t r = 0;
  uint8_t b[16];
  CHECK(port != 0);
  if (port == 0) { srv_stop(); return; }
  c = client_new();
  CHECK_EQ_INT(c->t.ops->open(c->t.ctx, "localhost", port, true, 10000), TC_OK);
  for (int i = 0; i < 3000 && r == 0; i++) {
    r = c->t.ops->recv(c->t.ctx, b, sizeof b);
    if (r == 0) sim_step(2);
  }
  CHECK_EQ_INT(r, TC_ERR_TLS_CERT_UNTRUSTED);
  CHECK_EQ_INT(c->t.ops->send(c->t.ctx, b, 1), TC_ERR_TLS_CERT_UNTRUSTED); /* nothing sent after */
  client_free(c);
  srv_stop();
}

/* A server that accepts and says nothing: the handshake times out when the
 * clock passed in says so, not before. */
static void test_silent_server_times_out_on_the_clock(void)
{
  client_t *c;
  uint16_t port = 0;
  int lfd = sim_listen(&port, 4), sfd = -1;
  uint8_t b[16];
  CHECK(lfd >= 0);
  g_fake = true;
  g_now = 50000;
  c = client_new();
  CHECK_EQ_INT(c->t.ops->open(c->t.ctx, SIM_HOST_IP, port, true, 4000), TC_OK);
  for (int i = 0; i < 200; i++) { /* TCP connects, ClientHello goes out, silence */
    CHECK_EQ_INT(c->t.ops->recv(c->t.ctx, b, sizeof b), 0);
    if (sfd < 0) sfd = sim_accept(lfd);
    sim_step(2);
  }
  CHECK(sfd >= 0);
  CHECK(net_connected(&c->net));
  g_now = 53999;
  CHECK_EQ_INT(c->t.ops->recv(c->t.ctx, b, sizeof b), 0);
  g_now = 54000;
  CHECK_EQ_INT(c->t.ops->recv(c->t.ctx, b, sizeof b), TC_ERR_NET_TIMEOUT);
  g_fake = false;
  client_free(c);
  sim_close(sfd);
  sim_close(lfd);
}

#if TC_LWIP_NO_SYS
/* TLS over the raw transport. lwIP has queued several small records; no
 * lwIP event will come for them any more. A loop that reads one record and
 * then sleeps unless pending() > 0 (docs/lwip.md) must not strand them:
 * pending() counts the records still queued below TLS, not only the
 * decrypted bytes inside mbedTLS. */
static void test_pending_counts_records_queued_below_tls(void)
{
  static uint8_t got[8192];
  tc_transport_t raw;
  client_t *c;
  uint16_t port;
  size_t len = 0;
  int32_t r = 0;
  g_srv_frag = "512";
  port = srv_start("good_ec");
  g_srv_frag = NULL;
  CHECK(port != 0);
  if (port == 0) { srv_stop(); return; }
  c = client_new();
  raw = net_transport(&c->net);
  CHECK_EQ_INT(c->t.ops->open(c->t.ctx, "localhost", port, true, 10000), TC_OK);
  CHECK(send_all(c, "GET /small.bin HTTP/1.0\r\n\r\n"));
  /* the tickets, the header record and 512-byte body records */
  for (int i = 0; i < 2000 && raw.ops->pending(raw.ctx) < 2500; i++) sim_step(2);
  CHECK(raw.ops->pending(raw.ctx) >= 2500);
  r = c->t.ops->recv(c->t.ctx, got, sizeof got); /* one record's bytes */
  CHECK(r > 0);
  CHECK(raw.ops->pending(raw.ctx) > 0);          /* more records below TLS */
  CHECK(c->t.ops->pending(c->t.ctx) > 0);        /* so a loop will not sleep on them */
  len = (size_t)(r > 0 ? r : 0);
  /* no lwIP step: a record per call, the last one maybe cut by the segments */
  for (int i = 0; i < 100 && len < sizeof got && c->t.ops->pending(c->t.ctx) > 0; i++) {
    r = c->t.ops->recv(c->t.ctx, got + len, sizeof got - len);
    if (r == TC_ERR_NET_EOF) break; /* all of it came, and the close_notify */
    CHECK(r >= 0);
    if (r < 0) break;
    len += (size_t)r;
  }
  CHECK(len > 2000);
  CHECK_EQ_INT(raw.ops->pending(raw.ctx), 0); /* every queued byte taken up */
  client_free(c);
  srv_stop();
}

/* The other side of that: a connection whose reader took everything there
 * was (its last recv found nothing more below) and then went idle, as a
 * kept-alive request connection does. Bytes arriving now (the server's
 * close_notify when it drops the idle connection) come with their own lwIP
 * event; pending() stays 0, or a loop that never reads an idle connection
 * would spin on it instead of sleeping. */
static void test_idle_connection_does_not_keep_pending_up(void)
{
  uint8_t got[64];
  tc_transport_t raw;
  client_t *c;
  uint16_t port;
  size_t len = 0;
  g_srv_in = -2;
  port = srv_start("good_ec");
  CHECK(port != 0);
  if (port == 0) { srv_stop(); return; }
  c = client_new();
  raw = net_transport(&c->net);
  CHECK_EQ_INT(c->t.ops->open(c->t.ctx, "localhost", port, true, 10000), TC_OK);
  CHECK(send_all(c, "request\n"));
  CHECK_EQ_INT(write(g_srv_in, "response\n", 9), 9);
  for (int i = 0; i < 2000 && len < 9; i++) { /* the reader takes the response */
    int32_t r = c->t.ops->recv(c->t.ctx, got + len, sizeof got - len);
    CHECK(r >= 0);
    if (r < 0) break;
    len += (size_t)r;
    if (r == 0) sim_step(2);
  }
  CHECK_EQ_INT(len, 9);
  CHECK_EQ_INT(raw.ops->pending(raw.ctx), 0);
  /* idle now; the server speaks (here: one more record) */
  CHECK_EQ_INT(write(g_srv_in, "late\n", 5), 5);
  for (int i = 0; i < 2000 && raw.ops->pending(raw.ctx) == 0; i++) sim_step(2);
  CHECK(raw.ops->pending(raw.ctx) > 0);
  CHECK_EQ_INT(c->t.ops->pending(c->t.ctx), 0);
  /* a read still gets it */
  CHECK_EQ_INT(c->t.ops->recv(c->t.ctx, got, sizeof got), 5);
  client_free(c);
  srv_stop();
}
#endif

int main(void)
{
  int tap = sim_tap_open(SIM_TAP), dns = sim_dns_open(), rc;
  char cmd[256];
  FILE *f;
  if (tap < 0 || dns < 0 || sim_lwip_start(tap, dns) != 0) {
    printf("%s: cannot attach to %s (run through tests/lwip/run.sh, as root)\n", SUITE, SIM_TAP);
    printf("%s: 0 passed, 1 failed\n", SUITE);
    return 1;
  }
  snprintf(g_dir, sizeof g_dir, "/tmp/tc_lwip_tls.XXXXXX");
  snprintf(cmd, sizeof cmd, "bash tests/port/mkcerts.sh %s >/dev/null 2>&1", mkdtemp(g_dir));
  if (system(cmd) != 0) {
    printf("%s: tests/port/mkcerts.sh failed\n%s: 0 passed, 1 failed\n", SUITE, SUITE);
    return 1;
  }
  for (size_t i = 0; i < BIG; i++) g_big[i] = (uint8_t)(i * 7u + (i >> 11));
  snprintf(cmd, sizeof cmd, "%s/big.bin", g_dir);
  f = fopen(cmd, "wb");
  if (f) { fwrite(g_big, 1, BIG, f); fclose(f); }
  snprintf(cmd, sizeof cmd, "%s/small.bin", g_dir);
  f = fopen(cmd, "wb");
  if (f) { fwrite(g_big, 1, 3000, f); fclose(f); }
  RUN(test_handshake_and_300k_download);
  RUN(test_untrusted_certificate_is_rejected);
  RUN(test_silent_server_times_out_on_the_clock);
#if TC_LWIP_NO_SYS
  RUN(test_pending_counts_records_queued_below_tls);
  RUN(test_idle_connection_does_not_keep_pending_up);
#endif
  srv_stop();
  snprintf(cmd, sizeof cmd, "rm -rf %s", g_dir);
  rc = system(cmd);
  (void)rc;
  sim_lwip_stop();
  return tc_test_finish(SUITE);
}

/* test_port_tls.c — the mbedTLS transport (port/mbedtls) over the POSIX one,
 * against `openssl s_server` on 127.0.0.1 with certificates made at test time
 * (tests/port/mkcerts.sh). Built against mbedTLS 2.28 and 3.6 by the `port`
 * suite (port/port.mk), and against the system library by the unit suite.
 *
 * Every wait is a poll() with a small timeout inside a bounded loop; nothing
 * asserts on wall-clock time; timeouts are driven by a fake clock. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tc_test.h"
#include "posix/tc_posix_net.h"
#include "mbedtls/tc_mbedtls.h"

#ifndef TC_TEST_SUITE
#define TC_TEST_SUITE "port_tls"
#endif

static char g_dir[64];         /* certificates */
static uint8_t g_arena[96 * 1024];
static uint64_t g_now;
static uint64_t fake_clock(void *ctx) { (void)ctx; return g_now; }

/* ------------------------------------------------------------ openssl s_server */

#define SRV_MAX 4
typedef struct srv {
  pid_t pid;
  int in, out;
  uint16_t port;
  size_t loglen;
  char log[256 * 1024];
} srv_t;

static pid_t g_pids[SRV_MAX];

static void kill_all(void)
{
  for (int i = 0; i < SRV_MAX; i++)
    if (g_pids[i] > 0) { kill(g_pids[i], SIGKILL); waitpid(g_pids[i], NULL, 0); g_pids[i] = 0; }
}

static void srv_pump(srv_t *s)
{
  for (;;) {
    ssize_t n;
    if (s->out < 0 || s->loglen + 1 >= sizeof s->log) return;
    n = read(s->out, s->log + s->loglen, sizeof s->log - 1 - s->loglen);
    if (n <= 0) return;
    s->loglen += (size_t)n;
    s->log[s->loglen] = '\0';
  }
}

static bool srv_saw(srv_t *s, const char *needle)
{
  srv_pump(s);
  return memmem(s->log, s->loglen, needle, strlen(needle)) != NULL;
}

static void srv_stop(srv_t *s)
{
  if (s->pid > 0) {
    kill(s->pid, SIGKILL);
    waitpid(s->pid, NULL, 0);
    for (int i = 0; i < SRV_MAX; i++) if (g_pids[i] == s->pid) g_pids[i] = 0;
  }
  if (s->in >= 0) close(s->in);
  if (s->out >= 0) close(s->out);
  s->pid = 0;
  s->in = s->out = -1;
}

/* Starts `openssl s_server -cert <name>.crt -key <name>.key -accept
 * 127.0.0.1:0` (+ extra args) and waits for its ACCEPT line. */
static bool srv_start(srv_t *s, const char *name, const char *extra1, const char *extra2)
{
  char cert[128], key[128];
  int pin[2], pout[2];
  const char *argv[16];
  int ac = 0;
  memset(s, 0, sizeof *s);
  s->in = s->out = -1;
  snprintf(cert, sizeof cert, "%s/%s.crt", g_dir, name);
  snprintf(key, sizeof key, "%s/%s.key", g_dir, name);
  argv[ac++] = "openssl"; argv[ac++] = "s_server";
  argv[ac++] = "-cert"; argv[ac++] = cert; argv[ac++] = "-key"; argv[ac++] = key;
  argv[ac++] = "-accept"; argv[ac++] = "127.0.0.1:0";
  if (extra1) argv[ac++] = extra1;
  if (extra2) argv[ac++] = extra2;
  argv[ac] = NULL;
  if (pipe(pin) != 0 || pipe(pout) != 0) return false;
  s->pid = fork();
  if (s->pid == 0) {
    int dn = getenv("TC_DEBUG") ? open("/tmp/tc_srv_err.txt", O_WRONLY | O_CREAT | O_APPEND, 0600) : open("/dev/null", O_WRONLY);
    prctl(PR_SET_PDEATHSIG, SIGKILL); /* never outlive the test */
    dup2(pin[0], 0); dup2(pout[1], 1); dup2(dn, 2);
    close(pin[1]); close(pout[0]);
    execvp("openssl", (char *const *)(uintptr_t)argv);
    _exit(127);
  }
  close(pin[0]); close(pout[1]);
  s->in = pin[1];
  s->out = pout[0];
  fcntl(s->out, F_SETFL, O_NONBLOCK);
  for (int i = 0; i < SRV_MAX; i++) if (g_pids[i] == 0) { g_pids[i] = s->pid; break; }
  for (int i = 0; i < 500; i++) { /* up to ~10 s for the line */
    char *p;
    srv_pump(s);
    if ((p = strstr(s->log, "ACCEPT")) != NULL && strchr(p, '\n') != NULL) {
      char *colon = strrchr(p, ':');
      s->port = (uint16_t)atoi(colon ? colon + 1 : "0");
      s->loglen = 0; /* keep only what follows */
      s->log[0] = '\0';
      return s->port != 0;
    }
    struct pollfd pf = { s->out, POLLIN, 0 };
    poll(&pf, 1, 20);
  }
  return false;
}

/* ------------------------------------------------------------ a flaky transport
 * Wraps another transport: every other send/recv says "would block", and the
 * others move one byte at most. */
typedef struct flaky {
  tc_transport_t inner;
  unsigned calls;
  bool flaked; /* the last 0 was ours, not the network's */
} flaky_t;

static tc_err_t fl_open(void *p, const char *h, uint16_t port, bool tls, uint32_t to)
{
  flaky_t *f = p;
  return f->inner.ops->open(f->inner.ctx, h, port, tls, to);
}
static int32_t fl_send(void *p, const uint8_t *b, size_t n)
{
  flaky_t *f = p;
  f->flaked = f->calls++ % 2 == 0 || n == 0;
  if (f->flaked) return 0;
  return f->inner.ops->send(f->inner.ctx, b, 1);
}
static int32_t fl_recv(void *p, uint8_t *b, size_t n)
{
  flaky_t *f = p;
  f->flaked = f->calls++ % 2 == 0 || n == 0;
  if (f->flaked) return 0;
  return f->inner.ops->recv(f->inner.ctx, b, 1);
}
static size_t fl_pending(void *p) { flaky_t *f = p; return f->inner.ops->pending(f->inner.ctx); }
static void fl_close(void *p) { flaky_t *f = p; f->inner.ops->close(f->inner.ctx); }
static const tc_transport_ops_t flaky_ops = { fl_open, fl_send, fl_recv, fl_pending, fl_close };

/* ------------------------------------------------------------ a RAM kv */

static struct { char key[16]; uint8_t val[4096]; size_t len; bool set; } g_kv;
static tc_err_t kv_get(void *c, const char *k, void *buf, size_t cap, size_t *len)
{
  (void)c;
  if (!g_kv.set || strcmp(k, g_kv.key) != 0) return TC_ERR_KV_NOT_FOUND;
  *len = g_kv.len;
  if (cap < g_kv.len) return TC_ERR_KV_TOO_BIG;
  memcpy(buf, g_kv.val, g_kv.len);
  return TC_OK;
}
static tc_err_t kv_set(void *c, const char *k, const void *v, size_t len)
{
  (void)c;
  if (len > sizeof g_kv.val) return TC_ERR_KV_TOO_BIG;
  snprintf(g_kv.key, sizeof g_kv.key, "%s", k);
  memcpy(g_kv.val, v, len);
  g_kv.len = len;
  g_kv.set = true;
  return TC_OK;
}
static tc_err_t kv_erase(void *c, const char *k) { (void)c; (void)k; g_kv.set = false; return TC_OK; }
static const tc_kv_ops_t kv_ops = { kv_get, kv_set, kv_erase };
static const tc_kv_t g_kvt = { &kv_ops, NULL };

/* ------------------------------------------------------------ a client */

typedef struct client {
  tc_posix_net_t net;
  flaky_t flaky;
  tc_tls_ctx_t ctx;
  tc_tls_conn_t conn;
  tc_transport_t t;
  tc_err_t init_err;
} client_t;

typedef struct opts {
  const char *ca;      /* file in g_dir; NULL = trust.pem */
  bool flaky, insecure, fake_clock, kv, ca_from_buffer;
  size_t arena;        /* 0 = all of g_arena */
} opts_t;

static client_t g_cl;
static void (*g_proxy_pump)(void);

static client_t *client_new(const opts_t *o)
{
  client_t *c = &g_cl;
  tc_tls_config_t cfg;
  char ca[128];
  static uint8_t pem[16384];
  memset(c, 0, sizeof *c);
  memset(&cfg, 0, sizeof cfg);
  snprintf(ca, sizeof ca, "%s/%s", g_dir, o->ca ? o->ca : "trust.pem");
  if (o->ca_from_buffer) {
    FILE *f = fopen(ca, "rb");
    size_t n = f ? fread(pem, 1, sizeof pem, f) : 0;
    if (f) fclose(f);
    cfg.ca_pem = pem;
    cfg.ca_pem_len = n;
  } else {
    cfg.ca_file = ca;
  }
  cfg.insecure_skip_verify_DANGEROUS = o->insecure;
  cfg.entropy = tc_posix_random;
  cfg.clock = o->fake_clock ? fake_clock : tc_posix_clock_ms;
  cfg.arena = g_arena;
  cfg.arena_size = o->arena ? o->arena : sizeof g_arena;
  if (o->kv) { cfg.session_kv = &g_kvt; cfg.session_key = "tls_sess"; }
  tc_posix_net_init(&c->net, cfg.clock, NULL);
  c->init_err = tc_tls_ctx_init(&c->ctx, &cfg);
  if (o->flaky) {
    c->flaky.inner = tc_posix_net_transport(&c->net);
    tc_tls_conn_init(&c->conn, &c->ctx, (tc_transport_t){ &flaky_ops, &c->flaky });
  } else {
    tc_tls_conn_init(&c->conn, &c->ctx, tc_posix_net_transport(&c->net));
  }
  c->t = tc_tls_conn_transport(&c->conn);
  return c;
}

static void client_free(client_t *c)
{
  c->t.ops->close(c->t.ctx);
  tc_tls_ctx_free(&c->ctx);
#ifdef TC_TEST_ARENA_WIRED
  CHECK_EQ_INT(c->ctx.arena.in_use, 0); /* everything went back */
#endif
}

/* One bounded wait: pump the server's output, then poll the socket (and the
 * server's stdout) for up to 20 ms. */
static void wait_io(client_t *c, srv_t *s)
{
  struct pollfd p[2];
  int n = 0;
  if (s) srv_pump(s);
  if (tc_posix_net_fd(&c->net) >= 0)
    p[n++] = (struct pollfd){ tc_posix_net_fd(&c->net), tc_posix_net_poll_events(&c->net), 0 };
  if (s && s->out >= 0) p[n++] = (struct pollfd){ s->out, POLLIN, 0 };
  if (g_proxy_pump) g_proxy_pump();
  if (c->flaky.flaked) return; /* the flake said "would block", not the network */
  poll(p, (nfds_t)n, g_proxy_pump ? 5 : 20);
}

/* Sends all of buf; returns TC_OK or the error. */
static bool g_saw_flush;    /* a record was left to finish on a later call */
static int32_t g_first_send; /* what the first send call took */
static int32_t send_all(client_t *c, srv_t *s, const char *buf, size_t len)
{
  size_t done = 0;
  g_first_send = -1;
  for (int i = 0; i < 20000 && done < len; i++) {
    int32_t r = c->t.ops->send(c->t.ctx, (const uint8_t *)buf + done, len - done);
    if (c->conn.flush_len != 0) g_saw_flush = true;
    if (g_first_send < 0 && r != 0) g_first_send = r;
    if (r < 0) return r;
    if (r > 0) done += (size_t)r;
    else wait_io(c, s);
  }
  return done == len ? TC_OK : TC_ERR_AGAIN;
}

/* Receives up to n bytes, `chunk` at a time, until n arrived or an error;
 * *got = bytes received; returns the last result (< 0 on error). */
static int32_t recv_n(client_t *c, srv_t *s, uint8_t *buf, size_t n, size_t chunk, size_t *got)
{
  int32_t r = 0;
  *got = 0;
  for (int i = 0; i < 20000 && *got < n; i++) {
    size_t want = n - *got < chunk ? n - *got : chunk;
    r = c->t.ops->recv(c->t.ctx, buf + *got, want);
    if (r < 0) return r;
    if (r > 0) *got += (size_t)r;
    else wait_io(c, s);
  }
  return r;
}

/* Keeps the connection moving (flushes, handshake) until the server printed
 * needle; false after the bound. */
static bool wait_server_saw(client_t *c, srv_t *s, const char *needle)
{
  for (int i = 0; i < 1000; i++) {
    uint8_t b;
    if (srv_saw(s, needle)) return true;
    int32_t r = c->t.ops->send(c->t.ctx, &b, 0);
    if (r < 0) {
      if (getenv("TC_DEBUG")) fprintf(stderr, "wait_server_saw: %s\n", tc_errname(r));
      return srv_saw(s, needle);
    }
    /* wait on the server's output (and on the socket only for writing: a
     * readable socket, e.g. TLS 1.3 tickets nobody reads yet, must not turn
     * this into a busy loop) */
    if (g_proxy_pump) g_proxy_pump();
    if (!c->flaky.flaked) {
      struct pollfd p[2] = { { s->out, POLLIN, 0 },
                             { tc_posix_net_fd(&c->net), tc_posix_net_wants_write(&c->net) ? POLLOUT : 0, 0 } };
      poll(p, 2, g_proxy_pump ? 5 : 20);
    }
  }
  if (getenv("TC_DEBUG"))
    fprintf(stderr, "wait_server_saw: timeout conn.state %d err %d flush %zu net.state %d fd %d srvpid alive %d\n",
            c->conn.state, c->conn.err, c->conn.flush_len, c->net.state, c->net.fd, kill(s->pid, 0) == 0);
  return false;
}

/* Drives the handshake to its end: 1 done, or the error. */
static int32_t handshake(client_t *c, srv_t *s)
{
  for (int i = 0; i < 20000; i++) {
    uint8_t b;
    int32_t r = c->t.ops->recv(c->t.ctx, &b, 0);
    if (r < 0) return r;
    if (tc_tls_conn_handshake_done(&c->conn)) return 1;
    wait_io(c, s);
  }
  return 0;
}

/* ------------------------------------------------------------ tests */

#define REQUEST "SECRET-REQUEST-0123456789\n"

static size_t g_peak_hs[2], g_peak_stream[2], g_base[2], g_conn_open[2], g_peak_two;
static const char *g_version = "?";

static void good_cert(const char *name, int idx, bool flaky, size_t chunk)
{
  srv_t *s = calloc(1, sizeof *s);
  opts_t o = { .flaky = flaky };
  client_t *c;
  uint8_t buf[64];
  size_t got;
  if (!srv_start(s, name, "-naccept", "1")) { CHECK(!"server start"); srv_stop(s); free(s); return; }
  c = client_new(&o);
  CHECK_EQ_INT(c->init_err, TC_OK);
  g_base[idx] = c->ctx.arena.in_use;
  tc_tls_arena_reset_peak(&c->ctx.arena);
  CHECK_EQ_INT(c->t.ops->open(c->t.ctx, "localhost", s->port, true, 10000), TC_OK);
  CHECK(tc_tls_conn_deadline_ms(&c->conn) != UINT64_MAX);
  CHECK_EQ_INT(handshake(c, s), 1);
  CHECK_EQ_INT(tc_tls_conn_verify_flags(&c->conn), 0);
  if (!flaky) {
    g_peak_hs[idx] = tc_tls_arena_peak(&c->ctx.arena);
    g_conn_open[idx] = c->ctx.arena.in_use - g_base[idx]; /* what one open connection keeps */
    g_version = mbedtls_ssl_get_version(&c->conn.ssl);
  }
  g_saw_flush = false;
  CHECK_EQ_INT(send_all(c, s, REQUEST, strlen(REQUEST)), TC_OK);
  CHECK(wait_server_saw(c, s, REQUEST));
  if (flaky) CHECK(g_saw_flush); /* the deferred-record path ran */
  if (getenv("TC_DEBUG")) fprintf(stderr, "LOG[%s]\n", s->log);
  if (!flaky) { /* a write larger than one record is taken in parts */
    static char big[20010];
    size_t ys = 0;
    memset(big, 'y', 20000);
    memcpy(big + 20000, "\nEND-MARK\n", 10);
    CHECK_EQ_INT(send_all(c, s, big, sizeof big), TC_OK);
    CHECK(g_first_send > 0 && g_first_send < (int32_t)sizeof big);
    CHECK(wait_server_saw(c, s, "END-MARK"));
    { /* count in what the server printed after the request: the data */
      const char *from = strstr(s->log, REQUEST);
      for (const char *q = from ? from : s->log; *q; q++) ys += *q == 'y';
    }
    CHECK_EQ_INT(ys, 20000);
  }
  tc_tls_arena_reset_peak(&c->ctx.arena);
  CHECK_EQ_INT(write(s->in, "reply-from-server\n", 18), 18);
  CHECK(recv_n(c, s, buf, 1, chunk, &got) > 0);
  CHECK_EQ_INT(got, 1);
  if (chunk == 1 && !flaky) CHECK_EQ_INT(c->t.ops->pending(c->t.ctx), 17); /* rest of the record */
  CHECK(recv_n(c, s, buf + 1, 17, chunk, &got) > 0);
  CHECK_EQ_INT(got, 17);
  CHECK(memcmp(buf, "reply-from-server\n", 18) == 0);
  CHECK_EQ_INT(c->t.ops->pending(c->t.ctx), 0);
  /* streaming: 200 KB from the server, read in 1000-byte pieces */
  if (!flaky) {
    static char big[4096];
    static uint8_t rx[4096];
    size_t total = 0;
    memset(big, 'z', sizeof big - 1);
    big[sizeof big - 1] = '\n';
    for (int k = 0; k < 50; k++) {
      CHECK_EQ_INT(write(s->in, big, sizeof big), (long long)sizeof big);
      while (total < (size_t)(k + 1) * sizeof big) {
        CHECK(recv_n(c, s, rx, sizeof big, 1000, &got) >= 0);
        if (got == 0) break;
        total += got;
      }
    }
    CHECK_EQ_INT(total, 50 * sizeof big);
    g_peak_stream[idx] = tc_tls_arena_peak(&c->ctx.arena);
  }
#ifdef TC_TEST_ARENA_WIRED
  CHECK(g_peak_hs[idx] > 0 || flaky);
#endif
  client_free(c);
  srv_stop(s);
  free(s);
}

static void test_good_rsa_cert_accepted_data_roundtrips(void) { good_cert("good_rsa", 0, false, 64); }
static void test_good_ecdsa_cert_accepted_data_roundtrips(void) { good_cert("good_ec", 1, false, 64); }
static void test_partial_reads_one_byte_at_a_time(void) { good_cert("good_ec", 1, false, 1); }
static void test_would_block_at_every_step(void) { good_cert("good_ec", 1, true, 7); }

/* A proxy between the client and s_server that forwards everything until
 * armed, then forwards half of the next server record and resets the client's
 * connection (SO_LINGER 0). Pumped from wait_io. */
static struct {
  int lfd, cfd, sfd;
  bool armed, cut;
  size_t c2s_len;
  uint8_t c2s[65536]; /* every byte the client sent, as the server got it */
} g_px;

static void proxy_pump(void)
{
  uint8_t buf[512];
  ssize_t n;
  if (g_px.cfd < 0 && !g_px.cut) {
    g_px.cfd = accept(g_px.lfd, NULL, NULL);
    if (g_px.cfd >= 0) fcntl(g_px.cfd, F_SETFL, O_NONBLOCK);
  }
  if (g_px.cfd < 0) return;
  while ((n = read(g_px.cfd, buf, sizeof buf)) > 0) {
    if (write(g_px.sfd, buf, (size_t)n) != n) CHECK(!"proxy write");
    if (g_px.c2s_len + (size_t)n <= sizeof g_px.c2s) {
      memcpy(g_px.c2s + g_px.c2s_len, buf, (size_t)n);
      g_px.c2s_len += (size_t)n;
    }
  }
  while ((n = read(g_px.sfd, buf, sizeof buf)) > 0) {
    if (g_px.armed) {
      struct linger lg = { 1, 0 };
      if (write(g_px.cfd, buf, (size_t)n / 2) != n / 2) CHECK(!"proxy write"); /* half a record */
      setsockopt(g_px.cfd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
      close(g_px.cfd); /* RST */
      g_px.cfd = -1;
      g_px.cut = true;
      return;
    }
    if (write(g_px.cfd, buf, (size_t)n) != n) CHECK(!"proxy write");
  }
}

/* Puts the proxy in front of server port `to`; returns the proxy's port. */
static uint16_t proxy_start(uint16_t to)
{
  struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = 0 };
  socklen_t sl = sizeof sin;
  uint16_t pport;
  memset(&g_px, 0, sizeof g_px);
  g_px.cfd = -1;
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  g_px.lfd = socket(AF_INET, SOCK_STREAM, 0);
  CHECK(bind(g_px.lfd, (struct sockaddr *)&sin, sizeof sin) == 0 && listen(g_px.lfd, 4) == 0);
  getsockname(g_px.lfd, (struct sockaddr *)&sin, &sl);
  pport = ntohs(sin.sin_port);
  fcntl(g_px.lfd, F_SETFL, O_NONBLOCK);
  g_px.sfd = socket(AF_INET, SOCK_STREAM, 0);
  sin.sin_port = htons(to);
  CHECK(connect(g_px.sfd, (struct sockaddr *)&sin, sizeof sin) == 0);
  fcntl(g_px.sfd, F_SETFL, O_NONBLOCK);
  g_proxy_pump = proxy_pump;
  return pport;
}

static void proxy_stop(void)
{
  g_proxy_pump = NULL;
  if (g_px.cfd >= 0) close(g_px.cfd);
  close(g_px.sfd);
  close(g_px.lfd);
}

/* The largest application_data record (type 23) the client sent, from the
 * recorded stream: 0 if none. A TLS 1.3 alert after the ServerHello is such a
 * record of 19 bytes (2 alert bytes, the inner type, a 16-byte tag); any
 * request would be at least as long as the request plus 17. */
static size_t largest_client_appdata_record(void)
{
  size_t at = 0, most = 0;
  while (at + 5 <= g_px.c2s_len) {
    size_t len = (size_t)g_px.c2s[at + 3] << 8 | g_px.c2s[at + 4];
    if (g_px.c2s[at] == 23 && len > most) most = len;
    at += 5 + len;
  }
  return most;
}

/* A rejected certificate: the named error from the first send, the request
 * never reaches the server. */
static void refused(const char *name, const char *host, tc_err_t want, bool ca_buffer)
{
  srv_t *s = calloc(1, sizeof *s);
  opts_t o = { .ca_from_buffer = ca_buffer };
  client_t *c;
  int32_t r = 0;
  if (!srv_start(s, name, "-naccept", "1")) { CHECK(!"server start"); srv_stop(s); free(s); return; }
  c = client_new(&o);
  CHECK_EQ_INT(c->init_err, TC_OK);
  CHECK_EQ_INT(c->t.ops->open(c->t.ctx, host, proxy_start(s->port), true, 10000), TC_OK);
  for (int i = 0; i < 5000; i++) {
    r = c->t.ops->send(c->t.ctx, (const uint8_t *)REQUEST, strlen(REQUEST));
    if (r != 0) break;
    wait_io(c, s);
  }
  CHECK_EQ_INT(r, want);
  CHECK(tc_tls_conn_verify_flags(&c->conn) != 0);
  CHECK_EQ_INT(c->t.ops->send(c->t.ctx, (const uint8_t *)REQUEST, 3), want); /* sticky */
  c->t.ops->close(c->t.ctx);
  /* let the server print whatever it got, then look */
  for (int i = 0; i < 25; i++) { srv_pump(s); struct pollfd p = { s->out, POLLIN, 0 }; poll(&p, 1, 20); }
  CHECK(!srv_saw(s, "SECRET-REQUEST"));
  proxy_pump();
  CHECK(g_px.c2s_len > 0);                                  /* the ClientHello went through */
  CHECK(largest_client_appdata_record() < strlen(REQUEST)); /* the request never did */
  proxy_stop();
  client_free(c);
  srv_stop(s);
  free(s);
}

/* The check above can fail: through the same proxy, an accepted connection
 * shows the request's record. */
static void test_record_check_sees_a_request(void)
{
  srv_t *s = calloc(1, sizeof *s);
  opts_t o = { 0 };
  client_t *c;
  if (!srv_start(s, "good_ec", "-naccept", "1")) { CHECK(!"server start"); srv_stop(s); free(s); return; }
  c = client_new(&o);
  CHECK_EQ_INT(c->t.ops->open(c->t.ctx, "localhost", proxy_start(s->port), true, 10000), TC_OK);
  CHECK_EQ_INT(send_all(c, s, REQUEST, strlen(REQUEST)), TC_OK);
  CHECK(wait_server_saw(c, s, REQUEST));
  proxy_pump();
  CHECK(largest_client_appdata_record() >= strlen(REQUEST));
  proxy_stop();
  client_free(c);
  srv_stop(s);
  free(s);
}

static void test_wrong_hostname_refused_nothing_sent(void)
{ refused("wronghost", "localhost", TC_ERR_TLS_CERT_HOSTNAME, false); }
static void test_expired_cert_refused_nothing_sent(void)
{ refused("expired", "localhost", TC_ERR_TLS_CERT_EXPIRED, false); }
static void test_self_signed_refused_nothing_sent(void)
{ refused("selfsigned", "localhost", TC_ERR_TLS_CERT_UNTRUSTED, true); }
static void test_unknown_ca_refused_nothing_sent(void)
{ refused("unknownca", "localhost", TC_ERR_TLS_CERT_UNTRUSTED, false); }

static void test_insecure_option_accepts_self_signed(void)
{
  srv_t *s = calloc(1, sizeof *s);
  opts_t o = { .insecure = true };
  client_t *c;
  if (!srv_start(s, "selfsigned", "-naccept", "1")) { CHECK(!"server start"); srv_stop(s); free(s); return; }
  c = client_new(&o);
  CHECK_EQ_INT(c->init_err, TC_OK);
  CHECK_EQ_INT(c->t.ops->open(c->t.ctx, "localhost", s->port, true, 10000), TC_OK);
  CHECK_EQ_INT(handshake(c, s), 1);
  CHECK_EQ_INT(send_all(c, s, REQUEST, strlen(REQUEST)), TC_OK);
  CHECK(wait_server_saw(c, s, REQUEST));
  client_free(c);
  srv_stop(s);
  free(s);
}

/* A server that accepts and then says nothing: the handshake times out on
 * the clock the config gave, not before. */
static void test_silent_server_times_out_on_the_clock(void)
{
  opts_t o = { .fake_clock = true };
  client_t *c;
  int lfd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = 0 };
  socklen_t sl = sizeof sin;
  uint8_t b;
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  CHECK(bind(lfd, (struct sockaddr *)&sin, sizeof sin) == 0 && listen(lfd, 4) == 0);
  getsockname(lfd, (struct sockaddr *)&sin, &sl);
  g_now = 100000;
  c = client_new(&o);
  CHECK_EQ_INT(c->init_err, TC_OK);
  CHECK_EQ_INT(c->t.ops->open(c->t.ctx, "127.0.0.1", ntohs(sin.sin_port), true, 3000), TC_OK);
  CHECK_EQ_INT(tc_tls_conn_deadline_ms(&c->conn), 103000);
  for (int i = 0; i < 20; i++) { /* ClientHello goes out, nothing comes back */
    CHECK_EQ_INT(c->t.ops->recv(c->t.ctx, &b, 1), 0);
    wait_io(c, NULL);
  }
  g_now = 102999;
  CHECK_EQ_INT(c->t.ops->send(c->t.ctx, &b, 1), 0);
  g_now = 103000;
  CHECK_EQ_INT(c->t.ops->send(c->t.ctx, &b, 1), TC_ERR_NET_TIMEOUT);
  CHECK_EQ_INT(c->t.ops->recv(c->t.ctx, &b, 1), TC_ERR_NET_TIMEOUT);
  client_free(c);
  close(lfd);
}

/* A server that answers the ClientHello with plain text: a handshake error,
 * not a certificate one, with verification on or off. */
static void garbage_server(bool insecure)
{
  opts_t o = { .insecure = insecure };
  client_t *c;
  int lfd = socket(AF_INET, SOCK_STREAM, 0), sfd = -1;
  struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = 0 };
  socklen_t sl = sizeof sin;
  int32_t r = 0;
  uint8_t b;
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  CHECK(bind(lfd, (struct sockaddr *)&sin, sizeof sin) == 0 && listen(lfd, 4) == 0);
  getsockname(lfd, (struct sockaddr *)&sin, &sl);
  fcntl(lfd, F_SETFL, O_NONBLOCK);
  c = client_new(&o);
  CHECK_EQ_INT(c->t.ops->open(c->t.ctx, "localhost", ntohs(sin.sin_port), true, 10000), TC_OK);
  for (int i = 0; i < 500 && r == 0; i++) {
    if (sfd < 0 && (sfd = accept(lfd, NULL, NULL)) >= 0)
      CHECK(write(sfd, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n", 47) == 47);
    r = c->t.ops->recv(c->t.ctx, &b, 1);
    if (r == 0) wait_io(c, NULL);
  }
  CHECK_EQ_INT(r, TC_ERR_TLS_HANDSHAKE);
  client_free(c);
  if (sfd >= 0) close(sfd);
  close(lfd);
}

static void test_plain_text_server_is_handshake_error(void) { garbage_server(false); }
static void test_plain_text_server_is_handshake_error_insecure(void) { garbage_server(true); }

static void test_dns_failure_through_tls(void)
{
  opts_t o = { 0 };
  client_t *c = client_new(&o);
  uint8_t b;
  CHECK_EQ_INT(c->t.ops->open(c->t.ctx, "nonexistent.invalid", 443, true, 2000), TC_ERR_NET_DNS);
  CHECK_EQ_INT(c->t.ops->send(c->t.ctx, &b, 1), TC_ERR_NET_CLOSED);
  client_free(c);
}

static void test_peer_reset_in_the_middle_of_a_record(void)
{
  srv_t *s = calloc(1, sizeof *s);
  opts_t o = { 0 };
  client_t *c;
  uint16_t pport;
  uint8_t buf[256];
  int32_t r;
  size_t got = 0;
  if (!srv_start(s, "good_ec", "-naccept", "1")) { CHECK(!"server start"); srv_stop(s); free(s); return; }
  pport = proxy_start(s->port);
  c = client_new(&o);
  CHECK_EQ_INT(c->t.ops->open(c->t.ctx, "localhost", pport, true, 10000), TC_OK);
  CHECK_EQ_INT(handshake(c, s), 1);
  CHECK_EQ_INT(send_all(c, s, REQUEST, strlen(REQUEST)), TC_OK);
  CHECK(wait_server_saw(c, s, REQUEST));
  /* whatever the server sent after the handshake has gone through by now */
  for (int i = 0; i < 10; i++) { wait_io(c, s); (void)c->t.ops->recv(c->t.ctx, buf, 0); }
  g_px.armed = true;
  CHECK_EQ_INT(write(s->in, "a-record-the-proxy-will-cut-in-half-0123456789\n", 47), 47);
  r = recv_n(c, s, buf, sizeof buf, sizeof buf, &got);
  CHECK(g_px.cut);
  CHECK_EQ_INT(r, TC_ERR_NET_RESET);
  CHECK_EQ_INT(got, 0); /* not one byte of the torn record */
  proxy_stop();
  client_free(c);
  srv_stop(s);
  free(s);
}

/* ------------------------------------------------------------ a gated transport
 * Passes everything through, except that while `shut` is set every send says
 * "would block" (and is counted). */
typedef struct gate {
  tc_transport_t inner;
  bool shut;
  unsigned refused;
} gate_t;

static gate_t g_gate;
static tc_err_t gt_open(void *p, const char *h, uint16_t port, bool tls, uint32_t to)
{ gate_t *g = p; return g->inner.ops->open(g->inner.ctx, h, port, tls, to); }
static int32_t gt_send(void *p, const uint8_t *b, size_t n)
{
  gate_t *g = p;
  if (g->shut && n > 0) { g->refused++; return 0; }
  return g->inner.ops->send(g->inner.ctx, b, n);
}
static int32_t gt_recv(void *p, uint8_t *b, size_t n) { gate_t *g = p; return g->inner.ops->recv(g->inner.ctx, b, n); }
static size_t gt_pending(void *p) { gate_t *g = p; return g->inner.ops->pending(g->inner.ctx); }
static void gt_close(void *p) { gate_t *g = p; g->inner.ops->close(g->inner.ctx); }
static const tc_transport_ops_t gate_ops = { gt_open, gt_send, gt_recv, gt_pending, gt_close };

/* Records of `type` at least min_len long in what the client sent. */
static size_t client_records(uint8_t type, size_t min_len)
{
  size_t at = 0, n = 0;
  while (at + 5 <= g_px.c2s_len) {
    size_t len = (size_t)g_px.c2s[at + 3] << 8 | g_px.c2s[at + 4];
    if (g_px.c2s[at] == type && len >= min_len) n++;
    at += 5 + len;
  }
  return n;
}

/* TLS 1.2: the server asks for a renegotiation (HelloRequest) while the
 * client's sends would block. mbedTLS answers from recv() with a
 * no_renegotiation alert it cannot send yet; the next send() must still put
 * its bytes on the wire (behind the alert), not report them as sent while
 * mbedTLS only flushed its alert. */
static void test_refused_renegotiation_does_not_eat_the_next_send(void)
{
  static const char data[] = "SENT-AFTER-A-HELLO-REQUEST\n";
  srv_t *s = calloc(1, sizeof *s);
  opts_t o = { 0 };
  client_t *c;
  uint8_t buf[64];
  if (!srv_start(s, "good_ec", "-tls1_2", NULL)) { CHECK(!"server start"); srv_stop(s); free(s); return; }
  c = client_new(&o);
  memset(&g_gate, 0, sizeof g_gate);
  g_gate.inner = tc_posix_net_transport(&c->net);
  tc_tls_conn_init(&c->conn, &c->ctx, (tc_transport_t){ &gate_ops, &g_gate });
  c->t = tc_tls_conn_transport(&c->conn);
  CHECK_EQ_INT(c->t.ops->open(c->t.ctx, "localhost", proxy_start(s->port), true, 10000), TC_OK);
  CHECK_EQ_INT(handshake(c, s), 1);
  CHECK_EQ_STR(mbedtls_ssl_get_version(&c->conn.ssl), "TLSv1.2");
  g_gate.shut = true;
  CHECK_EQ_INT(write(s->in, "r\n", 2), 2); /* s_server: send a HelloRequest */
  for (int i = 0; i < 500 && g_gate.refused == 0; i++) {
    CHECK_EQ_INT(c->t.ops->recv(c->t.ctx, buf, sizeof buf), 0);
    wait_io(c, s);
  }
  CHECK(g_gate.refused > 0); /* mbedTLS holds its refusal, unsent */
  g_gate.shut = false;
  CHECK_EQ_INT(client_records(23, 1), 0); /* no application data yet */
  CHECK_EQ_INT(send_all(c, s, data, strlen(data)), TC_OK);
  for (int i = 0; i < 100 && c->conn.flush_len != 0; i++) {
    if (c->t.ops->send(c->t.ctx, buf, 0) < 0) break;
    wait_io(c, s);
  }
  for (int i = 0; i < 10; i++) wait_io(c, s); /* the proxy takes it all in */
  CHECK_EQ_INT(client_records(21, 2), 1);                  /* the refusal went out */
  CHECK_EQ_INT(client_records(23, strlen(data) + 16), 1); /* and so did the data */
  proxy_stop();
  client_free(c);
  srv_stop(s);
  free(s);
}

/* Session resumption through tc_kv: the second connection offers the saved
 * session and the server (s_server -www prints it) reuses it. */
static bool www_get(client_t *c, srv_t *s, char *page, size_t cap)
{
  size_t got = 0, n;
  int32_t r;
  if (send_all(c, s, "GET / HTTP/1.0\r\n\r\n", 18) != TC_OK) return false;
  do {
    r = recv_n(c, s, (uint8_t *)page + got, cap - 1 - got, cap - 1 - got, &n);
    got += n;
  } while (r >= 0 && n > 0 && got < cap - 1);
  page[got] = '\0';
  return r == TC_ERR_NET_EOF;
}

static void test_session_resumed_from_kv(void)
{
  srv_t *s = calloc(1, sizeof *s);
  opts_t o = { .kv = true };
  client_t *c;
  static char page[65536];
  memset(&g_kv, 0, sizeof g_kv);
  if (!srv_start(s, "good_ec", "-www", NULL)) { CHECK(!"server start"); srv_stop(s); free(s); return; }
  c = client_new(&o);
  CHECK_EQ_INT(c->t.ops->open(c->t.ctx, "localhost", s->port, true, 10000), TC_OK);
  CHECK(!tc_tls_conn_session_offered(&c->conn));
  CHECK(www_get(c, s, page, sizeof page));
  CHECK(strstr(page, "New, ") != NULL);
  CHECK(g_kv.set);
  CHECK_EQ_STR(g_kv.key, "tls_sess");
  c->t.ops->close(c->t.ctx);
  CHECK_EQ_INT(c->t.ops->open(c->t.ctx, "localhost", s->port, true, 10000), TC_OK);
  CHECK(tc_tls_conn_session_offered(&c->conn));
  CHECK(www_get(c, s, page, sizeof page));
  CHECK(strstr(page, "Reused, ") != NULL);
  c->t.ops->close(c->t.ctx);
  /* a session for another host is not offered */
  CHECK_EQ_INT(c->t.ops->open(c->t.ctx, "127.0.0.1", s->port, true, 10000), TC_OK);
  CHECK(!tc_tls_conn_session_offered(&c->conn));
  client_free(c);
  srv_stop(s);
  free(s);
}

/* A session made with verification off must never be offered by a context
 * that verifies: resuming skips the certificate, so the verifying client
 * would talk to whoever held that session (in insecure mode, anyone). Here
 * the server is self-signed: the verifying client must refuse it. */
static void test_insecure_session_not_offered_when_verifying(void)
{
  srv_t *s = calloc(1, sizeof *s);
  opts_t lax = { .kv = true, .insecure = true }, strict = { .kv = true };
  client_t *c;
  static char page[65536];
  int32_t r;
  memset(&g_kv, 0, sizeof g_kv);
  if (!srv_start(s, "selfsigned", "-www", NULL)) { CHECK(!"server start"); srv_stop(s); free(s); return; }
  c = client_new(&lax);
  CHECK_EQ_INT(c->t.ops->open(c->t.ctx, "localhost", s->port, true, 10000), TC_OK);
  CHECK(www_get(c, s, page, sizeof page));
  client_free(c);
  c = client_new(&strict);
  CHECK_EQ_INT(c->t.ops->open(c->t.ctx, "localhost", s->port, true, 10000), TC_OK);
  CHECK(!tc_tls_conn_session_offered(&c->conn));
  r = handshake(c, s);
  CHECK_EQ_INT(r, TC_ERR_TLS_CERT_UNTRUSTED);
  client_free(c);
  srv_stop(s);
  free(s);
}

/* With session_kv, mbedTLS 3.6 stops its own read at each TLS 1.3
 * NewSessionTicket the server sends after the handshake; our recv processes
 * the ticket and reads on, and returns 0 when no data follows it. A send
 * right after such a recv must go through, and the ticket must be saved. */
static void test_send_after_a_read_that_met_a_ticket(void)
{
  srv_t *s = calloc(1, sizeof *s);
  opts_t o = { .kv = true };
  client_t *c;
  uint8_t buf[64];
  memset(&g_kv, 0, sizeof g_kv);
  if (!srv_start(s, "good_ec", "-naccept", "1")) { CHECK(!"server start"); srv_stop(s); free(s); return; }
  c = client_new(&o);
  CHECK_EQ_INT(c->t.ops->open(c->t.ctx, "localhost", s->port, true, 10000), TC_OK);
  CHECK_EQ_INT(handshake(c, s), 1);
  for (int i = 0; i < 50; i++) { /* each read takes at most one record: a ticket, or nothing */
    struct pollfd p = { tc_posix_net_fd(&c->net), POLLIN, 0 };
    int32_t r;
    poll(&p, 1, 20);
    CHECK_EQ_INT(c->t.ops->recv(c->t.ctx, buf, sizeof buf), 0);
    r = c->t.ops->send(c->t.ctx, (const uint8_t *)"x", 1);
    CHECK_EQ_INT(r, 1);
    if (r != 1) break;
  }
  CHECK_EQ_INT(send_all(c, s, REQUEST, strlen(REQUEST)), TC_OK);
  CHECK(wait_server_saw(c, s, REQUEST));
  if (strcmp(mbedtls_ssl_get_version(&c->conn.ssl), "TLSv1.3") == 0) CHECK(g_kv.set);
  client_free(c);
  srv_stop(s);
  free(s);
}

/* A chat holds two connections: both on one context (one arena), open at
 * the same time, each to its own server, both carry data. */
static void test_two_connections_share_one_context(void)
{
  srv_t *s1 = calloc(1, sizeof *s1), *s2 = calloc(1, sizeof *s2);
  opts_t o = { 0 };
  client_t *c;
  tc_posix_net_t net2;
  tc_tls_conn_t conn2;
  tc_transport_t t2;
  uint8_t buf[8];
  size_t got;
  if (!srv_start(s1, "good_rsa", "-naccept", "1") || !srv_start(s2, "good_rsa", "-naccept", "1")) {
    CHECK(!"server start");
    srv_stop(s1); srv_stop(s2); free(s1); free(s2);
    return;
  }
  c = client_new(&o);
  tc_posix_net_init(&net2, NULL, NULL);
  tc_tls_conn_init(&conn2, &c->ctx, tc_posix_net_transport(&net2));
  t2 = tc_tls_conn_transport(&conn2);
  CHECK_EQ_INT(c->t.ops->open(c->t.ctx, "localhost", s1->port, true, 10000), TC_OK);
  CHECK_EQ_INT(handshake(c, s1), 1);
  CHECK_EQ_INT(t2.ops->open(t2.ctx, "localhost", s2->port, true, 10000), TC_OK);
  for (int i = 0; i < 2000 && !tc_tls_conn_handshake_done(&conn2); i++) {
    CHECK(t2.ops->recv(t2.ctx, buf, 0) >= 0);
    struct pollfd p = { tc_posix_net_fd(&net2), tc_posix_net_poll_events(&net2), 0 };
    poll(&p, 1, 20);
  }
  CHECK(tc_tls_conn_handshake_done(&conn2));
  CHECK_EQ_INT(t2.ops->send(t2.ctx, (const uint8_t *)"two\n", 4), 4);
  CHECK_EQ_INT(send_all(c, s1, "one\n", 4), TC_OK);
  CHECK(wait_server_saw(c, s1, "one\n"));
  for (int i = 0; i < 500 && !srv_saw(s2, "two\n"); i++) { struct pollfd p = { s2->out, POLLIN, 0 }; poll(&p, 1, 20); }
  CHECK(srv_saw(s2, "two\n"));
  CHECK_EQ_INT(write(s1->in, "r1\n", 3), 3);
  CHECK(recv_n(c, s1, buf, 3, 3, &got) > 0);
  CHECK(memcmp(buf, "r1\n", 3) == 0);
  g_peak_two = tc_tls_arena_peak(&c->ctx.arena);
  t2.ops->close(t2.ctx);
  client_free(c);
  srv_stop(s1); srv_stop(s2); free(s1); free(s2);
}

static int g_fallback_live;
static void *counting_calloc(size_t n, size_t size)
{
  g_fallback_live++;
  return calloc(n, size);
}
static void counting_free(void *p)
{
  g_fallback_live--;
  free(p);
}

static void test_arena_allocator(void)
{
  static uint8_t buf[4096 + 3];
  tc_tls_arena_t a, *prev;
  uint8_t *p1, *p2, *p3, *p4;
  tc_tls_arena_init(&a, buf + 3, 4096); /* misaligned on purpose */
  CHECK(tc_mbedtls_calloc(1, 16) == NULL); /* no arena entered */
  prev = tc_tls_arena_enter(&a);
  p1 = tc_mbedtls_calloc(10, 100);
  p2 = tc_mbedtls_calloc(1, 1000);
  p3 = tc_mbedtls_calloc(1, 500);
  CHECK(p1 && p2 && p3);
  CHECK(((uintptr_t)p1 % 8) == 0 && ((uintptr_t)p2 % 8) == 0 && ((uintptr_t)p3 % 8) == 0);
  CHECK(p1 + 1000 <= p2 && p2 + 1000 <= p3); /* disjoint */
  for (int i = 0; i < 1000; i++) CHECK(p2[i] == 0);
  memset(p1, 0xAA, 1000);
  memset(p2, 0xBB, 1000);
  CHECK(a.in_use >= 2500 && a.peak == a.in_use);
  CHECK(tc_mbedtls_calloc(1, 4096) == NULL); /* too big */
  CHECK_EQ_INT(a.failures, 1);
  tc_mbedtls_free(p1);
  tc_mbedtls_free(p2);
  tc_mbedtls_free(p2); /* double free: ignored */
  p4 = tc_mbedtls_calloc(1, 1900); /* fits only in p1+p2 merged */
  CHECK(p4 == p1);
  for (int i = 0; i < 1900; i++) if (p4[i] != 0) { CHECK(!"not zeroed"); break; }
  CHECK(tc_mbedtls_calloc((size_t)-1 / 2, 4) == NULL); /* n * size overflows */
  tc_mbedtls_free(p3);
  tc_mbedtls_free(p4);
  tc_mbedtls_free(NULL);
  CHECK_EQ_INT(a.in_use, 0);
  /* no arena entered: the fallback allocator, when one is given */
  {
    tc_tls_arena_leave(prev);
    tc_tls_set_fallback_alloc(counting_calloc, counting_free);
    uint8_t *f = tc_mbedtls_calloc(3, 100);
    CHECK(f != NULL && g_fallback_live == 1);
    for (int i = 0; i < 300; i++) if (f[i] != 0) { CHECK(!"not zeroed"); break; }
    prev = tc_tls_arena_enter(&a);
    tc_mbedtls_free(f); /* freed to its maker, whatever is entered */
    CHECK_EQ_INT(g_fallback_live, 0);
    CHECK_EQ_INT(a.in_use, 0);
    tc_tls_set_fallback_alloc(NULL, NULL);
    tc_tls_arena_leave(prev);
    CHECK(tc_mbedtls_calloc(1, 16) == NULL); /* none again: no heap */
    prev = tc_tls_arena_enter(&a);
  }
  CHECK(tc_tls_arena_peak(&a) >= 2500);
  tc_tls_arena_reset_peak(&a);
  CHECK_EQ_INT(tc_tls_arena_peak(&a), 0);
  CHECK(tc_mbedtls_calloc(1, 3800) != NULL); /* everything merged back */
  tc_tls_arena_leave(prev);
  tc_tls_arena_init(&a, buf, 8); /* too small to hold anything */
  prev = tc_tls_arena_enter(&a);
  CHECK(tc_mbedtls_calloc(1, 1) == NULL);
  tc_tls_arena_leave(prev);
}

static void test_bad_config(void)
{
  tc_tls_ctx_t ctx;
  tc_tls_config_t cfg;
  static const uint8_t junk[] = "-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n";
  memset(&cfg, 0, sizeof cfg);
  CHECK_EQ_INT(tc_tls_ctx_init(&ctx, &cfg), TC_ERR_CONFIG);
  cfg.entropy = tc_posix_random;
  cfg.clock = tc_posix_clock_ms;
  cfg.arena = g_arena;
  cfg.arena_size = sizeof g_arena;
  CHECK_EQ_INT(tc_tls_ctx_init(&ctx, &cfg), TC_ERR_TLS_CA); /* no CA and not insecure */
  cfg.ca_pem = junk;
  cfg.ca_pem_len = sizeof junk - 1;
  CHECK_EQ_INT(tc_tls_ctx_init(&ctx, &cfg), TC_ERR_TLS_CA);
  cfg.ca_pem = NULL;
  cfg.ca_file = "/nonexistent/ca.pem";
  CHECK_EQ_INT(tc_tls_ctx_init(&ctx, &cfg), TC_ERR_TLS_CA);
  cfg.insecure_skip_verify_DANGEROUS = true;
  cfg.max_frag_len = 300;
  CHECK_EQ_INT(tc_tls_ctx_init(&ctx, &cfg), TC_ERR_CONFIG);
  cfg.max_frag_len = 0;
  CHECK_EQ_INT(tc_tls_ctx_init(&ctx, &cfg), TC_OK); /* usable after the errors */
  tc_tls_ctx_free(&ctx);
}

#ifdef TC_TEST_ARENA_WIRED
/* Arenas from too small to open up to enough: each run ends in the handshake
 * done or TC_ERR_TLS_ALLOC (from open, or from the handshake half way), and
 * every block goes back (client_free checks). Some size fails mid-handshake. */
static void test_arena_running_out_mid_handshake_is_tls_alloc(void)
{
  srv_t *s = calloc(1, sizeof *s);
  int mid = 0;
  if (!srv_start(s, "good_rsa", NULL, NULL)) { CHECK(!"server start"); srv_stop(s); free(s); return; }
  for (size_t size = 28 * 1024; size <= 56 * 1024; size += 2048) {
    opts_t o = { .arena = size };
    client_t *c = client_new(&o);
    tc_err_t e = c->init_err;
    if (e == TC_OK) e = c->t.ops->open(c->t.ctx, "localhost", s->port, true, 10000);
    if (e == TC_OK) {
      uint8_t b = 'x';
      int32_t r = handshake(c, s);
      if (r == TC_ERR_TLS_ALLOC) {
        mid++;
        CHECK_EQ_INT(c->t.ops->send(c->t.ctx, &b, 1), TC_ERR_TLS_ALLOC); /* sticky */
      } else {
        CHECK_EQ_INT(r, 1);
        CHECK(c->t.ops->send(c->t.ctx, &b, 1) >= 0);
      }
    } else {
      CHECK_EQ_INT(e, TC_ERR_TLS_ALLOC);
    }
    client_free(c);
  }
  CHECK(mid > 0);
  srv_stop(s);
  free(s);
}

static void test_small_arena_is_tls_alloc(void)
{
  opts_t o = { .arena = 12 * 1024 };
  client_t *c = client_new(&o);
  tc_err_t e = c->init_err;
  if (e == TC_OK) e = c->t.ops->open(c->t.ctx, "127.0.0.1", 9, true, 1000);
  CHECK_EQ_INT(e, TC_ERR_TLS_ALLOC);
  client_free(c);
}
#endif

int main(void)
{
  char cmd[256];
  const char *src = getenv("TC_SRCDIR");
  signal(SIGPIPE, SIG_IGN);
  snprintf(g_dir, sizeof g_dir, "/tmp/tc_port_tls_XXXXXX");
  if (mkdtemp(g_dir) == NULL) return 1;
  snprintf(cmd, sizeof cmd, "bash %s/tests/port/mkcerts.sh %s", src ? src : ".", g_dir);
  if (system(cmd) != 0) { fprintf(stderr, "mkcerts failed\n"); return 1; }
  atexit(kill_all);
  printf("%s: mbedTLS %s\n", TC_TEST_SUITE, MBEDTLS_VERSION_STRING);
  RUN(test_good_rsa_cert_accepted_data_roundtrips);
  RUN(test_good_ecdsa_cert_accepted_data_roundtrips);
  RUN(test_partial_reads_one_byte_at_a_time);
  RUN(test_would_block_at_every_step);
  RUN(test_record_check_sees_a_request);
  RUN(test_wrong_hostname_refused_nothing_sent);
  RUN(test_expired_cert_refused_nothing_sent);
  RUN(test_self_signed_refused_nothing_sent);
  RUN(test_unknown_ca_refused_nothing_sent);
  RUN(test_insecure_option_accepts_self_signed);
  RUN(test_silent_server_times_out_on_the_clock);
  RUN(test_plain_text_server_is_handshake_error);
  RUN(test_plain_text_server_is_handshake_error_insecure);
  RUN(test_dns_failure_through_tls);
  RUN(test_peer_reset_in_the_middle_of_a_record);
  RUN(test_refused_renegotiation_does_not_eat_the_next_send);
  RUN(test_session_resumed_from_kv);
  RUN(test_insecure_session_not_offered_when_verifying);
  RUN(test_send_after_a_read_that_met_a_ticket);
  RUN(test_two_connections_share_one_context);
  RUN(test_arena_allocator);
  RUN(test_bad_config);
#ifdef TC_TEST_ARENA_WIRED
  RUN(test_small_arena_is_tls_alloc);
  RUN(test_arena_running_out_mid_handshake_is_tls_alloc);
  printf("%s: arena after CA parse %zu B (RSA) %zu B (ECDSA); peak for one handshake %zu B (RSA-2048) "
         "%zu B (ECDSA P-256); peak while streaming %zu B (RSA) %zu B (ECDSA); "
         "kept per open connection %zu B (RSA) %zu B (ECDSA); two RSA connections %zu B; %s; "
         "sizeof tc_tls_ctx_t %zu, tc_tls_conn_t %zu, tc_posix_net_t %zu\n",
         TC_TEST_SUITE, g_base[0], g_base[1], g_peak_hs[0], g_peak_hs[1], g_peak_stream[0],
         g_peak_stream[1], g_conn_open[0], g_conn_open[1], g_peak_two, g_version, sizeof(tc_tls_ctx_t), sizeof(tc_tls_conn_t), sizeof(tc_posix_net_t));
#endif
  kill_all();
  snprintf(cmd, sizeof cmd, "rm -rf %s", g_dir);
  if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", g_dir);
  return tc_test_finish(TC_TEST_SUITE);
}

/* tc-test: host-only (sockets, child processes, files) */

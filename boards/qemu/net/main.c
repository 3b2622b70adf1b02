/*
 * main.c — a whole trigchat turn from firmware on QEMU's mps2-an386
 * (Cortex-M4): the LAN9118 Ethernet driven by lwIP (raw API, NO_SYS=1,
 * polled), two tc_lwip_raw transports (plain HTTP), TC_CHAT_AUTH_BACKEND
 * against the simulator (tools/sim) on the host, reached through QEMU's user
 * networking at 10.0.2.2 (the host's loopback).
 *
 * The command line comes through semihosting (qemu -append "PORT [CHAT_ID
 * [CA_PEM]]"): PORT is the simulator's port on the host's 127.0.0.1. The
 * firmware sends PROMPT, prints the answer as it streams, then PROMPT2 in a
 * second turn, and exits (semihosting) with 0 when both answers are exactly
 * EXPECTED / EXPECTED2, 1 otherwise (or on an error or a deadline).
 *
 * Same structure as boards/stm32/main.c: one loop that polls the netif,
 * runs lwIP's timers and tc_chat_step(). Clock: a CMSDK APB timer at the
 * 25 MHz PCLK, extended to 64 bits. No heap use by trigchat.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lwip/init.h"
#include "lwip/ip4_addr.h"
#include "lwip/netif.h"
#include "lwip/sys.h"
#include "lwip/timeouts.h"
#include "netif/ethernet.h"

#include "tc_chat.h"
#include "tc_lwip_raw.h"

#include "lan9118.h"

#ifndef QNET_TLS
#define QNET_TLS 0 /* 1: HTTPS through port/mbedtls (make qemu-chat-tls) */
#endif

#if QNET_TLS
#include "mbedtls/platform_time.h"
#include "tc_mbedtls.h"
#endif

#define CHAT_TASK_ID "sim-agent"
#define DEVICE_KEY   "trigchat-dev-device"
#define PROMPT       "Hello from the board"
#define EXPECTED     "You said: Hello from the board"
#define PROMPT2      "Second turn from the board"
#define EXPECTED2    "You said: Second turn from the board"
#define HOST_IP      "10.0.2.2" /* QEMU user networking: the host's loopback */
#if QNET_TLS
/* lwipopts.h maps "localhost" to 10.0.2.2: the simulator's certificate
 * names localhost, so the host name check is the real one. */
#define URL_SCHEME_HOST "https://localhost"
#define SUITE "qemu-chat-tls"
#else
#define URL_SCHEME_HOST "http://" HOST_IP
#define SUITE "qemu-chat"
#endif
#define TURN_LIMIT_MS 20000u    /* one turn, from its send */

static struct netif g_netif;
static tc_lwip_raw_t g_tcp_out, g_tcp_req;
#if QNET_TLS
static uint8_t g_tls_arena[96 * 1024]; /* every mbedTLS allocation */
static char g_ca_pem[16 * 1024];       /* the simulator's CA, read through semihosting */
static tc_tls_ctx_t g_tls;
static tc_tls_conn_t g_tls_out, g_tls_req;
#endif
static tc_chat_bufs_t g_bufs;
static tc_chat_t g_chat;
static char g_base[64], g_start[128], g_token[128], g_chat_id[48];
static char g_answer[256];
static size_t g_answer_len;
static bool g_answer_overflow, g_done, g_failed;
static uint64_t g_t_send, g_t_first;

/* ---- clock: CMSDK APB timer1 (0x40001000) counting down from 2^32-1 at
 * the 25 MHz PCLK, extended to 64 bits by polling (it wraps every 171 s;
 * the loop reads it far more often). */
#define CMSDK_TIMER0 0x40000000u
#define CMSDK_TIMER1 0x40001000u
#define PCLK_PER_MS  25000u
static uint64_t g_ticks;
static uint32_t g_last;

static void clock_start(void)
{
  volatile uint32_t *t = (volatile uint32_t *)(uintptr_t)CMSDK_TIMER1;
  t[2] = 0xFFFFFFFFu; /* RELOAD */
  t[1] = 0xFFFFFFFFu; /* VALUE */
  t[0] = 1u;          /* CTRL: enable, no interrupt */
  g_last = t[1];
}

static uint64_t now_ms(void)
{
  uint32_t v = ((volatile uint32_t *)(uintptr_t)CMSDK_TIMER1)[1];
  g_ticks += (uint32_t)(g_last - v);
  g_last = v;
  return g_ticks / PCLK_PER_MS;
}

static uint64_t clock_fn(void *ctx)
{
  (void)ctx;
  return now_ms();
}

u32_t sys_now(void)
{
  return (u32_t)now_ms();
}

/* ---- randomness: xorshift seeded from the counter (an emulator has no
 * better entropy; the ids only need to differ between boots) */
static uint32_t g_rng = 0x9E3779B9u;

unsigned int qnet_rand32(void)
{
  g_rng ^= g_rng << 13;
  g_rng ^= g_rng >> 17;
  g_rng ^= g_rng << 5;
  return g_rng;
}

static void random_fn(void *ctx, uint8_t *buf, size_t n)
{
  (void)ctx;
  for (size_t i = 0; i < n; i++) buf[i] = (uint8_t)(qnet_rand32() >> 24);
}

/* QEMU's user networking (slirp) runs in QEMU's main loop, which sleeps in
 * poll() for up to a second when no emulated timer is due: a new host
 * connection (our SYN) then waits that long, and answers wait for slirp's
 * 500 ms timer. A periodic CMSDK APB timer (timer0, 0x40000000, 25 MHz
 * PCLK) keeps a QEMU timer due every millisecond, so the main loop wakes
 * that often. On real hardware this is not needed (and harmless). */
static void wake_qemu_every_ms(void)
{
  volatile uint32_t *t = (volatile uint32_t *)(uintptr_t)CMSDK_TIMER0;
  t[2] = PCLK_PER_MS - 1u; /* RELOAD */
  t[1] = PCLK_PER_MS - 1u; /* VALUE */
  t[0] = 1u;          /* CTRL: enable, no interrupt */
}

#if QNET_TLS
/* MBEDTLS_PLATFORM_MS_TIME_ALT and _GMTIME_R_ALT (boards/stm32/tc_mbedtls_config.h).
 * Certificate dates are checked against the host's time: newlib's time()
 * asks it through semihosting (SYS_TIME). */
mbedtls_ms_time_t mbedtls_ms_time(void)
{
  return (mbedtls_ms_time_t)now_ms();
}

struct tm *mbedtls_platform_gmtime_r(const mbedtls_time_t *tt, struct tm *tm_buf)
{
  time_t t = (time_t)*tt;
  return gmtime_r(&t, tm_buf);
}

static size_t read_ca(const char *path)
{
  FILE *f = fopen(path, "rb");
  if (f == NULL) return 0;
  size_t n = fread(g_ca_pem, 1, sizeof g_ca_pem - 1, f);
  bool whole = feof(f) || fgetc(f) == EOF;
  fclose(f);
  if (!whole) return 0;
  g_ca_pem[n] = '\0';
  return n;
}
#endif

static void on_event(void *user, tc_chat_t *chat, const tc_chat_event_t *ev)
{
  (void)user;
  (void)chat;
  switch (ev->type) {
  case TC_CHAT_EV_FIRST_CHUNK:
    g_t_first = now_ms();
    printf("[%lu ms] first chunk\n< ", (unsigned long)(g_t_first - g_t_send));
    fflush(stdout);
    break;
  case TC_CHAT_EV_MESSAGE_SENT:
    printf("[%lu ms] message sent\n", (unsigned long)(now_ms() - g_t_send));
    fflush(stdout);
    break;
  case TC_CHAT_EV_STREAM_CONNECTED:
    printf("[%lu ms] stream connected\n", (unsigned long)(now_ms() - g_t_send));
    fflush(stdout);
    break;
  case TC_CHAT_EV_TEXT:
    fwrite(ev->text.ptr, 1, ev->text.len, stdout);
    fflush(stdout);
    if (g_answer_len + ev->text.len <= sizeof g_answer) {
      memcpy(g_answer + g_answer_len, ev->text.ptr, ev->text.len);
      g_answer_len += ev->text.len;
    } else {
      g_answer_overflow = true;
    }
    break;
  case TC_CHAT_EV_TURN_COMPLETE:
    printf("\n[turn complete]\n");
    g_done = true;
    break;
  case TC_CHAT_EV_AUTH_FAILED:
    if (ev->source == TC_CHAT_SRC_REFRESH) { /* not fatal: the held token serves, retried later */
      printf("[early token refresh refused] %s\n", tc_strerror(ev->err));
      break;
    }
    /* fall through */
  case TC_CHAT_EV_MESSAGE_SEND_FAILED:
  case TC_CHAT_EV_STREAM_ERROR:
    printf("[error] %s (status %d)\n", tc_strerror(ev->err), ev->status);
    g_failed = true;
    break;
  case TC_CHAT_EV_SESSION_CLOSED:
    printf("[session closed]\n");
    g_failed = true;
    break;
  default:
    break;
  }
}

static int finish(int passed, int failed, const char *why)
{
  printf(SUITE ": %s\n", why);
  printf(SUITE ": %d passed, %d failed\n", passed, failed);
  fflush(stdout);
  exit(failed == 0 && passed > 0 ? 0 : 1);
}

/* Sends prompt, runs the loop until the turn completes, prints timings.
 * 1 when the streamed answer is exactly expected, 0 when it differs; an
 * error event or the deadline ends the program (failed). */
static int run_turn(const char *prompt, const char *expected)
{
  g_done = false;
  g_answer_len = 0;
  g_answer_overflow = false;
  g_t_first = 0;
  g_t_send = now_ms();
  printf("> %s\n", prompt);
  fflush(stdout);
  tc_err_t err = tc_chat_send_text(&g_chat, prompt, strlen(prompt), NULL);
  if (err != TC_OK) {
    printf("send: %s\n", tc_strerror(err));
    return finish(0, 1, "tc_chat_send_text failed");
  }
  while (!g_done && !g_failed) {
    lan9118_poll(&g_netif);
    sys_check_timeouts();
    uint64_t now = now_ms();
    tc_chat_step(&g_chat, now);
    if (now - g_t_send > TURN_LIMIT_MS) {
      printf("\n[timeout] no complete turn within %u ms\n", TURN_LIMIT_MS);
      return finish(0, 1, "timeout");
    }
  }
  uint64_t t_end = now_ms();
  if (g_failed) return finish(0, 1, "the chat reported an error");
  printf("time: first token %lu ms after send, turn complete after %lu ms (emulated board)\n",
         (unsigned long)(g_t_first ? g_t_first - g_t_send : 0), (unsigned long)(t_end - g_t_send));
  size_t len = strlen(expected);
  bool ok = !g_answer_overflow && g_answer_len == len && memcmp(g_answer, expected, len) == 0;
  if (!ok) printf("expected \"%s\", got \"%.*s\"\n", expected, (int)g_answer_len, g_answer);
  return ok ? 1 : 0;
}

int main(int argc, char **argv)
{
  unsigned long port = 0;
  const char *ca_path = NULL;
  for (int i = 1; i < argc && port == 0; i++) {
    char *end = NULL;
    unsigned long v = strtoul(argv[i], &end, 10);
    if (end != argv[i] && *end == '\0' && v > 0 && v < 65536) {
      port = v;
      if (i + 1 < argc && strlen(argv[i + 1]) < sizeof g_chat_id)
        snprintf(g_chat_id, sizeof g_chat_id, "%s", argv[i + 1]);
      if (i + 2 < argc) ca_path = argv[i + 2];
    }
  }
  if (port == 0) return finish(0, 1, "usage: -append \"PORT [CHAT_ID [CA_PEM_PATH]]\" (the simulator's port)");
  if (g_chat_id[0] == '\0') snprintf(g_chat_id, sizeof g_chat_id, "qemu-board-%lu", port);
  snprintf(g_base, sizeof g_base, URL_SCHEME_HOST ":%lu", port);
  snprintf(g_start, sizeof g_start, "%s/chat/%s/start", g_base, g_chat_id);
  snprintf(g_token, sizeof g_token, "%s/chat/%s/token", g_base, g_chat_id);

  printf("trigchat on mps2-an386 (Cortex-M4, LAN9118, lwIP %s)\n", LWIP_VERSION_STRING);
  clock_start();
  g_rng ^= lan9118_free_run() * 2654435761u ^ (uint32_t)time(NULL);
  if (g_rng == 0) g_rng = 1;

  wake_qemu_every_ms();
  lwip_init();
  ip4_addr_t ip, mask, gw;
  IP4_ADDR(&ip, 10, 0, 2, 15);
  IP4_ADDR(&mask, 255, 255, 255, 0);
  IP4_ADDR(&gw, 10, 0, 2, 2);
  if (netif_add(&g_netif, &ip, &mask, &gw, NULL, lan9118_netif_init, ethernet_input) == NULL)
    return finish(0, 1, "no LAN9118 at 0x40200000");
  netif_set_default(&g_netif);
  netif_set_up(&g_netif);
  printf("net: 10.0.2.15/24 mac %02x:%02x:%02x:%02x:%02x:%02x, simulator at %s\n",
         g_netif.hwaddr[0], g_netif.hwaddr[1], g_netif.hwaddr[2], g_netif.hwaddr[3],
         g_netif.hwaddr[4], g_netif.hwaddr[5], g_base);

  tc_lwip_raw_init(&g_tcp_out, clock_fn, NULL);
  tc_lwip_raw_init(&g_tcp_req, clock_fn, NULL);
  tc_transport_t out = tc_lwip_raw_transport(&g_tcp_out);
  tc_transport_t req = tc_lwip_raw_transport(&g_tcp_req);
#if QNET_TLS
  size_t ca_len = ca_path != NULL ? read_ca(ca_path) : 0;
  if (ca_len == 0) return finish(0, 1, "TLS build: the CA PEM (3rd argument) could not be read");
  const tc_tls_config_t tls_cfg = {
    .ca_pem = (const uint8_t *)g_ca_pem, .ca_pem_len = ca_len,
    .entropy = random_fn, .clock = clock_fn,
    .arena = g_tls_arena, .arena_size = sizeof g_tls_arena,
  };
  tc_err_t terr = tc_tls_ctx_init(&g_tls, &tls_cfg);
  if (terr != TC_OK) {
    printf("tls: %s\n", tc_strerror(terr));
    return finish(0, 1, "tc_tls_ctx_init failed");
  }
  tc_tls_conn_init(&g_tls_out, &g_tls, out);
  tc_tls_conn_init(&g_tls_req, &g_tls, req);
  out = tc_tls_conn_transport(&g_tls_out);
  req = tc_tls_conn_transport(&g_tls_req);
  printf("tls: mbedTLS 3.6, CA from %s (%u bytes), host name checked: localhost\n", ca_path,
         (unsigned)ca_len);
#else
  (void)ca_path;
#endif

  tc_chat_config_t cfg = {
    .base_url = g_base,
    .task_id = CHAT_TASK_ID,
    .auth = TC_CHAT_AUTH_BACKEND,
    .start_url = g_start,
    .token_url = g_token,
    .device_key_header = "X-Device-Key",
    .device_key = DEVICE_KEY,
    .random = random_fn,
    .on_event = on_event,
  };
  tc_err_t err = tc_chat_init(&g_chat, &cfg, g_chat_id, out, req, &g_bufs);
  if (err != TC_OK) {
    printf("chat init: %s\n", tc_strerror(err));
    return finish(0, 1, "tc_chat_init failed");
  }
  /* Unix time from the host (semihosting SYS_TIME), for token expiry */
  tc_chat_set_unix_time(&g_chat, now_ms(), (uint64_t)time(NULL) * 1000u);
  tc_chat_step(&g_chat, now_ms());

  /* Turn 1 pays for the simulated run's worker start (~0.7 s on the host);
   * turn 2 shows the streaming latency of the board alone. */
  int passed = 0;
  passed += run_turn(PROMPT, EXPECTED);
  passed += run_turn(PROMPT2, EXPECTED2);
  return finish(passed, 2 - passed,
                passed == 2 ? "both answers streamed from the simulator through lwIP match"
                            : "wrong answer");
}

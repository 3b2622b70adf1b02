/*
 * main.c — trigchat on a NUCLEO-F767ZI-class board (STM32F767, Cortex-M7),
 * bare metal: lwIP raw API (NO_SYS=1), mbedTLS 3.6 in a static arena, the
 * session record in internal flash (kv_flash), one loop, no RTOS, no heap.
 *
 * At boot: bring up Ethernet with DHCP, get Unix time from SNTP (certificate
 * expiry checks need it), then either finish the turn that was streaming when
 * the board lost power or ask PROMPT, and print the answer as it streams.
 * The session is started by your backend (TC_CHAT_AUTH_BACKEND): the device
 * holds a per-device key, never a Trigger.dev secret key.
 *
 * The Ethernet driver is a stub (ethernetif.c): bring your board's.
 */
#include <string.h>

#include "lwip/dhcp.h"
#include "lwip/init.h"
#include "lwip/netif.h"
#include "lwip/timeouts.h"
#include "lwip/apps/sntp.h"
#include "netif/ethernet.h"

#include "tc_chat.h"
#include "tc_kv_flash.h"
#include "tc_lwip_raw.h"
#include "tc_mbedtls.h"

#include "board.h"
#include "ethernetif.h"
#include "tc_flash_stm32f7.h"

/* ---- your deployment (a product reads these from provisioning storage) */
#define CHAT_TASK_ID      "my-chat-agent"
#define CHAT_ID           "stm32-device-0001"
#define BACKEND_START_URL "https://backend.example.com/chat/start"
#define BACKEND_TOKEN_URL "https://backend.example.com/chat/token"
#define DEVICE_KEY        "per-device-key-from-provisioning"
#define PROMPT            "Hello from an STM32F767! What can you do?"

extern const char tc_ca_roots_pem[];        /* ca_roots.pem, built into the image */
extern const unsigned tc_ca_roots_pem_len;
extern uint8_t _kv_start[];                 /* stm32f767.ld: flash sectors 1-2 */

static struct netif g_netif;
static tc_flash_stm32f7_t g_flash_drv;
static tc_flash_t g_flash;
static tc_kv_flash_t g_kv;
/* Every mbedTLS allocation lives here: CA roots, two connections (16 KB in +
 * 4 KB out records each), one handshake at a time. See docs/porting.md. */
static uint8_t g_tls_arena[80 * 1024];
static tc_tls_ctx_t g_tls;
static tc_lwip_raw_t g_tcp_out, g_tcp_req;
static tc_tls_conn_t g_tls_out, g_tls_req;
static tc_transport_t g_out, g_req;
static tc_chat_bufs_t g_bufs;
static tc_chat_t g_chat;

static void on_event(void *user, tc_chat_t *chat, const tc_chat_event_t *ev)
{
  (void)user;
  (void)chat;
  switch (ev->type) {
  case TC_CHAT_EV_TEXT:
    /* the answer, as it streams; after a power cut the resumed turn comes
     * again from its start, and what was printed before is marked replayed */
    if (!ev->replayed) board_write(ev->text.ptr, ev->text.len);
    break;
  case TC_CHAT_EV_TURN_COMPLETE:
    board_puts("");
    board_puts("[turn complete]");
    break;
  case TC_CHAT_EV_AUTH_FAILED:
    if (ev->source == TC_CHAT_SRC_REFRESH) { /* not fatal: the held token serves, retried later */
      board_puts("[early token refresh refused]");
      break;
    }
    /* fall through */
  case TC_CHAT_EV_MESSAGE_SEND_FAILED:
  case TC_CHAT_EV_STREAM_ERROR:
    board_write("[error] ", 8);
    board_puts(tc_strerror(ev->err));
    break;
  case TC_CHAT_EV_SESSION_CLOSED:
    board_puts("[session closed]");
    break;
  default:
    break; /* SESSION_CHANGED: cfg.kv already stored the record */
  }
}

static tc_chat_config_t g_cfg = {
  .task_id = CHAT_TASK_ID,
  .auth = TC_CHAT_AUTH_BACKEND,
  .start_url = BACKEND_START_URL,
  .token_url = BACKEND_TOKEN_URL,
  .device_key_header = "X-Device-Key",
  .device_key = DEVICE_KEY,
  .random = board_random,
  .on_event = on_event,
  /* .kv: set in main() once the store is mounted */
};

static void fail(const char *what, tc_err_t err)
{
  board_write(what, strlen(what));
  board_write(": ", 2);
  board_panic(tc_strerror(err));
}

/* After a reboot, finish the turn the record says was streaming; otherwise ask. */
static void start_conversation(void)
{
  if (tc_chat_resume(&g_chat) == TC_OK && tc_chat_state(&g_chat) == TC_CHAT_STREAMING) return;
  tc_err_t err = tc_chat_send_text(&g_chat, PROMPT, sizeof PROMPT - 1, NULL);
  if (err != TC_OK) {
    board_write("[send] ", 7);
    board_puts(tc_strerror(err)); /* e.g. the session was closed: use a new chat id */
  }
}

int main(void)
{
  tc_err_t err;
  board_init();
  board_puts("trigchat on STM32F767");

  /* network: lwIP, the Ethernet netif, DHCP, SNTP */
  lwip_init();
  netif_add(&g_netif, IP4_ADDR_ANY4, IP4_ADDR_ANY4, IP4_ADDR_ANY4, NULL, ethernetif_init,
            ethernet_input);
  netif_set_default(&g_netif);
  netif_set_up(&g_netif);
  dhcp_start(&g_netif);
  sntp_setoperatingmode(SNTP_OPMODE_POLL);
  sntp_setservername(0, "pool.ntp.org");
  sntp_init();

  /* storage: kv_flash on sectors 1 and 2 (2 x 32 KB) */
  tc_flash_stm32f7_init(&g_flash_drv, &g_flash, (uint32_t)(uintptr_t)_kv_start, 1, 2, 32 * 1024);
  if ((err = tc_kv_flash_mount(&g_kv, &g_flash)) != TC_OK) fail("kv", err);

  /* TLS: one context, two connections over two lwIP TCP connections */
  const tc_tls_config_t tls_cfg = {
    .ca_pem = (const uint8_t *)tc_ca_roots_pem, .ca_pem_len = tc_ca_roots_pem_len,
    .entropy = board_random, .clock = board_clock,
    .arena = g_tls_arena, .arena_size = sizeof g_tls_arena,
  };
  if ((err = tc_tls_ctx_init(&g_tls, &tls_cfg)) != TC_OK) fail("tls", err);
  tc_lwip_raw_init(&g_tcp_out, board_clock, NULL);
  tc_lwip_raw_init(&g_tcp_req, board_clock, NULL);
  tc_tls_conn_init(&g_tls_out, &g_tls, tc_lwip_raw_transport(&g_tcp_out));
  tc_tls_conn_init(&g_tls_req, &g_tls, tc_lwip_raw_transport(&g_tcp_req));
  g_out = tc_tls_conn_transport(&g_tls_out);
  g_req = tc_tls_conn_transport(&g_tls_req);

  /* the chat, with its record in flash */
  g_cfg.kv = tc_kv_flash_kv(&g_kv);
  if ((err = tc_chat_init(&g_chat, &g_cfg, CHAT_ID, g_out, g_req, &g_bufs)) != TC_OK)
    fail("chat", err);
  (void)tc_chat_restore(&g_chat, NULL, 0); /* absent, corrupt or unreadable: a fresh chat */

  bool started = false;
  for (;;) {
    ethernetif_input(&g_netif); /* frames from the driver into lwIP */
    sys_check_timeouts();       /* lwIP's timers: TCP, DHCP, DNS, SNTP */
    uint64_t now = board_ms(), unix_ms, at;
    bool have_time = board_unix_time(&at, &unix_ms);
    /* Unix time for the chat (a token's exp, a 429's reset) from SNTP's last
     * answer, on every pass: SNTP answers again each hour, correcting the
     * drift of the SysTick clock (the HSI: about 1 %, minutes a day); the
     * chat re-plans only when the clocks moved apart by more than a second */
    if (have_time) tc_chat_set_unix_time(&g_chat, at, unix_ms);
    if (!started && dhcp_supplied_address(&g_netif) && have_time) {
      start_conversation();
      started = true;
    }
    tc_chat_step(&g_chat, now);
    /* Sleep until the next interrupt (SysTick: 1 ms) unless there is work:
     * decrypted bytes waiting inside TLS, or a chat deadline already due. */
    if (g_out.ops->pending(g_out.ctx) == 0 && g_req.ops->pending(g_req.ctx) == 0 &&
        tc_chat_next_deadline(&g_chat) > board_ms())
      board_idle();
  }
}

/*
 * trigchat on ESP-IDF: join Wi-Fi, set the clock (SNTP), then talk to a
 * Trigger.dev chat.agent. The session is started by YOUR backend
 * (TC_CHAT_AUTH_BACKEND, a per-device key): firmware never holds a
 * Trigger.dev secret key. The answer streams to the console; with
 * CONFIG_EXAMPLE_VOICE it is cut into sentences for a text-to-speech engine.
 * The session record lives in NVS, so after a reset the chat resumes the
 * turn that was streaming.
 *
 * One FreeRTOS task owns the chat: it calls tc_chat_step, then sleeps in
 * select() on the two sockets until data arrives or the chat's next
 * deadline. Other tasks hand it prompts through a queue (chat_ask).
 */
#include <stdio.h>
#include <string.h>
#include <sys/time.h>

#include "esp_event.h"
#include "esp_log.h"
#include "esp_netif.h"
#include "esp_netif_sntp.h"
#include "esp_wifi.h"
#include "freertos/FreeRTOS.h"
#include "freertos/event_groups.h"
#include "freertos/queue.h"
#include "freertos/task.h"
#include "nvs_flash.h"

#include "tc_chat.h"
#include "tc_esp32.h"
#include "tc_kv_nvs.h"
#include "tc_sentence.h"

#define PROMPT_MAX 256

static const char *TAG = "chat";
/* main/ca_roots.pem, embedded NUL-terminated by EMBED_TXTFILES */
extern const char ca_pem_start[] __asm__("_binary_ca_roots_pem_start");

static EventGroupHandle_t s_wifi;
static QueueHandle_t s_prompts;   /* char[PROMPT_MAX] items */

/* ------------------------------------------------------------ Wi-Fi */

/* Copies src into a fixed field of cap bytes (cut if longer; the field is
 * zeroed before, so a shorter string stays terminated). */
static void copy_str(void *dst, size_t cap, const char *src)
{
  size_t n = strlen(src);
  memcpy(dst, src, n < cap ? n : cap);
}

static void on_wifi(void *arg, esp_event_base_t base, int32_t id, void *data)
{
  (void)arg;
  (void)data;
  if (base == WIFI_EVENT && (id == WIFI_EVENT_STA_START || id == WIFI_EVENT_STA_DISCONNECTED))
    esp_wifi_connect(); /* (re)join; a product would back off */
  else if (base == IP_EVENT && id == IP_EVENT_STA_GOT_IP)
    xEventGroupSetBits(s_wifi, 1u);
}

static void wifi_join(void)
{
  wifi_init_config_t init = WIFI_INIT_CONFIG_DEFAULT();
  wifi_config_t wc = { 0 };
  s_wifi = xEventGroupCreate();
  ESP_ERROR_CHECK(esp_netif_init());
  ESP_ERROR_CHECK(esp_event_loop_create_default());
  esp_netif_create_default_wifi_sta();
  ESP_ERROR_CHECK(esp_wifi_init(&init));
  ESP_ERROR_CHECK(esp_event_handler_instance_register(WIFI_EVENT, ESP_EVENT_ANY_ID, on_wifi, NULL, NULL));
  ESP_ERROR_CHECK(esp_event_handler_instance_register(IP_EVENT, IP_EVENT_STA_GOT_IP, on_wifi, NULL, NULL));
  copy_str(wc.sta.ssid, sizeof wc.sta.ssid, CONFIG_EXAMPLE_WIFI_SSID);
  copy_str(wc.sta.password, sizeof wc.sta.password, CONFIG_EXAMPLE_WIFI_PASSWORD);
  wc.sta.threshold.authmode = WIFI_AUTH_WPA2_PSK;
  ESP_ERROR_CHECK(esp_wifi_set_mode(WIFI_MODE_STA));
  ESP_ERROR_CHECK(esp_wifi_set_config(WIFI_IF_STA, &wc));
  ESP_ERROR_CHECK(esp_wifi_start());
  xEventGroupWaitBits(s_wifi, 1u, pdFALSE, pdTRUE, portMAX_DELAY);
  ESP_LOGI(TAG, "Wi-Fi up");
}

/* ------------------------------------------------------------ the answer */

#ifdef CONFIG_EXAMPLE_VOICE
static char s_sentence_buf[320];
static tc_sentence_t s_sentences;
static bool s_replaying; /* feeding text spoken before a reset: say nothing */

/* STUB: hand the sentence to your text-to-speech engine. */
static void tts_speak(void *user, const char *s, size_t n)
{
  (void)user;
  if (s_replaying) return;
  printf("[tts] %.*s\n", (int)n, s);
}
#endif

static void on_event(void *user, tc_chat_t *chat, const tc_chat_event_t *ev)
{
  (void)user;
  (void)chat;
  switch (ev->type) {
  case TC_CHAT_EV_TEXT:
    /* After a reset the resumed turn comes again from its start; what was
     * shown before the reset is marked replayed: not again. */
#ifdef CONFIG_EXAMPLE_VOICE
    /* "Shown" is what the chat handed over, not what was spoken: the end of
     * it may have waited in the splitter for its sentence to end when the
     * reset came. Replayed text goes through the splitter muted, so the
     * sentences spoken before stay unsaid and the one cut by the reset is
     * spoken whole with the new text (not from its middle). */
    s_replaying = ev->replayed;
    tc_sentence_feed(&s_sentences, ev->text.ptr, ev->text.len);
    s_replaying = false;
#else
    if (ev->replayed) break;
    printf("%.*s", (int)ev->text.len, ev->text.ptr);
    fflush(stdout);
#endif
    break;
  case TC_CHAT_EV_TURN_COMPLETE:
#ifdef CONFIG_EXAMPLE_VOICE
    tc_sentence_flush(&s_sentences);
#endif
    printf("\n");
    ESP_LOGI(TAG, "turn complete");
    break;
  case TC_CHAT_EV_AUTH_FAILED:
    if (ev->source == TC_CHAT_SRC_REFRESH) { /* not fatal, and a turn may be speaking: no flush */
      ESP_LOGW(TAG, "early token refresh refused: %s (the current token still serves)", tc_strerror(ev->err));
      break;
    }
    /* fall through */
  case TC_CHAT_EV_MESSAGE_SEND_FAILED:
  case TC_CHAT_EV_STREAM_ERROR:
#ifdef CONFIG_EXAMPLE_VOICE
    tc_sentence_flush(&s_sentences);
#endif
    ESP_LOGE(TAG, "%s (HTTP %d)", tc_strerror(ev->err), ev->status);
    break;
  case TC_CHAT_EV_SESSION_CLOSED:
#ifdef CONFIG_EXAMPLE_VOICE
    tc_sentence_flush(&s_sentences); /* a turn cut by the close: speak its end */
#endif
    ESP_LOGW(TAG, "session closed: %.*s", (int)ev->text.len, ev->text.ptr ? ev->text.ptr : "");
    break;
  default:
    break; /* SESSION_CHANGED: cfg.kv (NVS) already stored the record */
  }
}

/* ------------------------------------------------------------ the chat task */

static uint8_t s_arena[CONFIG_TRIGCHAT_TLS_ARENA_KB * 1024];
static tc_tls_ctx_t s_tls;
static tc_esp32_conn_t s_out, s_req;
static tc_kv_nvs_t s_nvs;
static tc_chat_bufs_t s_bufs;
static tc_chat_t s_chat;

static tc_chat_config_t s_cfg = {
  .base_url = CONFIG_TRIGCHAT_BASE_URL,
  .task_id = CONFIG_TRIGCHAT_TASK_ID,
  .auth = TC_CHAT_AUTH_BACKEND,
  .start_url = CONFIG_TRIGCHAT_START_URL,
  .token_url = CONFIG_TRIGCHAT_TOKEN_URL,
  .device_key_header = CONFIG_TRIGCHAT_DEVICE_KEY_HEADER,
  .device_key = CONFIG_TRIGCHAT_DEVICE_KEY,
  .random = tc_esp32_random,
  .on_event = on_event,
};

/* Unix time for the chat (a token's exp, a 429's x-ratelimit-reset), once
 * SNTP has set the clock. Before that the clock counts from 1970 (from
 * boot): given to the chat, a 429's reset would read as decades away and
 * fail the send at once, for as long as the device runs. Called on every
 * pass: SNTP may answer only later (app_main waits 15 s at most) and
 * corrects the clock from time to time (the chat re-plans its token refresh
 * only when the clocks moved apart by more than a second). */
#define UNIX_MS_SET 1704067200000ull /* 2024-01-01: earlier means SNTP has not answered */
static void chat_unix_time(uint64_t now_ms)
{
  struct timeval tv;
  if (gettimeofday(&tv, NULL) != 0 || tv.tv_sec < 0) return;
  uint64_t unix_ms = (uint64_t)tv.tv_sec * 1000u + (uint64_t)tv.tv_usec / 1000u;
  if (unix_ms >= UNIX_MS_SET) tc_chat_set_unix_time(&s_chat, now_ms, unix_ms);
}

static void chat_task(void *arg)
{
  (void)arg;
  tc_err_t err;
  const tc_tls_config_t tls_cfg = {
    .ca_pem = (const uint8_t *)ca_pem_start, .ca_pem_len = strlen(ca_pem_start),
    .entropy = tc_esp32_random, .clock = tc_esp32_clock_ms,
    .arena = s_arena, .arena_size = sizeof s_arena,
  };
  if ((err = tc_tls_ctx_init(&s_tls, &tls_cfg)) != TC_OK) goto fail;
  tc_esp32_tls_share(&s_tls); /* Wi-Fi and esp-tls keep using the heap */
  if ((err = tc_kv_nvs_open(&s_nvs, CONFIG_TRIGCHAT_NVS_NAMESPACE)) != TC_OK) goto fail;
  s_cfg.kv = tc_kv_nvs_kv(&s_nvs);
  err = tc_chat_init(&s_chat, &s_cfg, CONFIG_EXAMPLE_CHAT_ID, tc_esp32_conn_init(&s_out, &s_tls),
                     tc_esp32_conn_init(&s_req, &s_tls), &s_bufs);
  if (err != TC_OK) goto fail;
  tc_chat_step(&s_chat, tc_esp32_clock_ms(NULL)); /* operations count from the last step */
  chat_unix_time(tc_esp32_clock_ms(NULL));
  tc_chat_restore(&s_chat, NULL, 0); /* absent or corrupt: a fresh chat */
  tc_chat_resume(&s_chat);           /* finish a turn cut by a reset (no request if none) */

  tc_esp32_conn_t *const conns[] = { &s_out, &s_req };
  for (;;) {
    char prompt[PROMPT_MAX];
    tc_chat_state_t st = tc_chat_state(&s_chat);
    if ((st == TC_CHAT_IDLE || st == TC_CHAT_NO_SESSION) && xQueueReceive(s_prompts, prompt, 0) == pdTRUE) {
      err = tc_chat_send_text(&s_chat, prompt, strnlen(prompt, sizeof prompt), NULL);
      if (err != TC_OK) ESP_LOGE(TAG, "send: %s", tc_strerror(err));
    }
    uint64_t now = tc_esp32_clock_ms(NULL);
    chat_unix_time(now);
    tc_chat_step(&s_chat, now);
    /* sleep on the sockets until the chat's deadline; wake at least every
     * 100 ms to look at the prompt queue */
    tc_esp32_wait(conns, 2, tc_chat_next_deadline(&s_chat), 100);
  }
fail:
  ESP_LOGE(TAG, "setup: %s", tc_strerror(err));
  vTaskDelete(NULL);
}

/* Queues a message for the chat task (any task may call it). A longer one
 * is cut to PROMPT_MAX - 1 bytes at a character boundary: cut inside a
 * UTF-8 character, tc_chat_send_text would refuse it (TC_ERR_UTF8). */
static bool chat_ask(const char *text)
{
  char item[PROMPT_MAX] = { 0 };
  size_t n = strlen(text);
  if (n > sizeof item - 1) {
    n = sizeof item - 1;
    while (n > 0 && ((unsigned char)text[n] & 0xC0u) == 0x80u) n--; /* text[n]: inside a character */
  }
  memcpy(item, text, n);
  return xQueueSend(s_prompts, item, 0) == pdTRUE;
}

void app_main(void);
void app_main(void)
{
  esp_err_t e = nvs_flash_init();
  if (e == ESP_ERR_NVS_NO_FREE_PAGES || e == ESP_ERR_NVS_NEW_VERSION_FOUND) {
    ESP_ERROR_CHECK(nvs_flash_erase());
    e = nvs_flash_init();
  }
  ESP_ERROR_CHECK(e);
  wifi_join();

  /* certificate validity dates need the time */
  esp_sntp_config_t sntp = ESP_NETIF_SNTP_DEFAULT_CONFIG("pool.ntp.org");
  esp_netif_sntp_init(&sntp);
  if (esp_netif_sntp_sync_wait(pdMS_TO_TICKS(15000)) != ESP_OK) ESP_LOGW(TAG, "no SNTP answer yet");

#ifdef CONFIG_EXAMPLE_VOICE
  tc_sentence_init(&s_sentences, s_sentence_buf, sizeof s_sentence_buf, 80, tts_speak, NULL);
#endif
  s_prompts = xQueueCreate(4, PROMPT_MAX);
  /* 8 KB: the TLS handshake (ECDHE, certificate checks) runs on this stack */
  xTaskCreate(chat_task, "chat", 8192, NULL, 5, NULL);
  chat_ask(CONFIG_EXAMPLE_PROMPT);
}

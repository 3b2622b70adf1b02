/*
 * tc_esp32.h — the small glue between trigchat and ESP-IDF: clock, random,
 * a TLS-over-lwIP-sockets connection, and the wait of a chat task's loop.
 *
 *   static tc_tls_ctx_t tls;                  // tc_tls_ctx_init once, then
 *   tc_esp32_tls_share(&tls);                 // (from the chat task)
 *   static tc_esp32_conn_t out, req;
 *   tc_chat_init(&chat, &cfg, id, tc_esp32_conn_init(&out, &tls),
 *                tc_esp32_conn_init(&req, &tls), &bufs);
 *   for (;;) {
 *     tc_chat_step(&chat, tc_esp32_clock_ms(NULL));
 *     tc_esp32_conn_t *conns[] = { &out, &req };
 *     tc_esp32_wait(conns, 2, tc_chat_next_deadline(&chat), 100);
 *   }
 *
 * Call everything from one task (the chat task). Host names are resolved
 * with lwip_getaddrinfo, which blocks that task during the lookup.
 */
#ifndef TC_ESP32_H
#define TC_ESP32_H

#include <stddef.h>
#include <stdint.h>

#include "port.h"
#include "tc_lwip_sockets.h"
#include "tc_mbedtls.h"

/* One connection: TLS (port/mbedtls) over a non-blocking lwIP socket. */
typedef struct tc_esp32_conn {
  tc_lwip_sock_t sock;
  tc_tls_conn_t tls;
} tc_esp32_conn_t;

/* Milliseconds since boot from esp_timer_get_time (a tc_clock_fn). */
uint64_t tc_esp32_clock_ms(void *ctx);

/* n bytes from esp_fill_random (a tc_random_fn). The ESP32 RNG is a true
 * random source while Wi-Fi or Bluetooth runs (or the bootloader's entropy
 * source is enabled): start Wi-Fi before the first TLS handshake. */
void tc_esp32_random(void *ctx, uint8_t *buf, size_t n);

/* Prepares c over tls and returns the transport to give to tc_chat_init. */
tc_transport_t tc_esp32_conn_init(tc_esp32_conn_t *c, tc_tls_ctx_t *tls);

/* Shares mbedTLS between trigchat and the rest of ESP-IDF. mbedTLS's
 * allocator is process-wide, and on ESP-IDF other tasks use it too (the
 * Wi-Fi supplicant, esp-tls, OTA). tc_tls_ctx_init points it at
 * port/mbedtls's arena allocator, which serves only calls made inside the
 * adapter and would fail (or race) everyone else. Call this right after
 * tc_tls_ctx_init, from the task that drives the chat: it installs an
 * allocator that serves that task's TLS calls from ctx's arena and every
 * other caller from the heap (calloc/free). One context per application. */
void tc_esp32_tls_share(tc_tls_ctx_t *ctx);

/* Blocks the calling task until a connection's socket is readable (or
 * writable while it connects or has bytes waiting to go out), until
 * deadline_ms (tc_esp32_clock_ms time; also each connection's own connect
 * and handshake deadline), or for at most max_wait_ms, whichever comes
 * first. Returns at once when a connection holds decrypted bytes that
 * tc_chat_step has not read yet. max_wait_ms bounds how late the task
 * notices work from elsewhere (a queue of prompts). */
void tc_esp32_wait(tc_esp32_conn_t *const *conns, size_t n, uint64_t deadline_ms, uint32_t max_wait_ms);

#endif /* TC_ESP32_H */

/* tc_esp32.c — ESP-IDF glue for trigchat (see include/tc_esp32.h). */
#include "tc_esp32.h"

#include <stdlib.h>

#include <mbedtls/platform.h>

#include "esp_random.h"
#include "esp_timer.h"
#include "freertos/FreeRTOS.h"
#include "freertos/task.h"
#include "lwip/sockets.h"

static tc_tls_ctx_t *s_ctx;    /* the context whose arena serves the chat task */
static TaskHandle_t s_owner;   /* the chat task */

/* The chat task inside a tc_tls_* call (an arena is entered): the arena.
 * Anyone else: the heap. */
static void *shared_calloc(size_t n, size_t size)
{
  if (xTaskGetCurrentTaskHandle() == s_owner) {
    tc_tls_arena_t *cur = tc_tls_arena_enter(NULL); /* read the current arena... */
    tc_tls_arena_leave(cur);                        /* ...and put it back */
    if (cur != NULL) return tc_mbedtls_calloc(n, size);
  }
  return calloc(n, size);
}

/* A block is freed where it came from: the arena's address range, or the heap. */
static void shared_free(void *p)
{
  const uint8_t *b = s_ctx ? s_ctx->arena.base : NULL;
  if (b != NULL && (const uint8_t *)p >= b && (const uint8_t *)p < b + s_ctx->arena.size)
    tc_mbedtls_free(p);
  else
    free(p);
}

void tc_esp32_tls_share(tc_tls_ctx_t *ctx)
{
  s_ctx = ctx;
  s_owner = xTaskGetCurrentTaskHandle();
#if defined(MBEDTLS_PLATFORM_MEMORY) && !defined(MBEDTLS_PLATFORM_CALLOC_MACRO)
  mbedtls_platform_set_calloc_free(shared_calloc, shared_free);
#endif
}

uint64_t tc_esp32_clock_ms(void *ctx)
{
  (void)ctx;
  return (uint64_t)esp_timer_get_time() / 1000u;
}

void tc_esp32_random(void *ctx, uint8_t *buf, size_t n)
{
  (void)ctx;
  esp_fill_random(buf, n);
}

tc_transport_t tc_esp32_conn_init(tc_esp32_conn_t *c, tc_tls_ctx_t *tls)
{
  tc_lwip_sock_init(&c->sock, tc_esp32_clock_ms, NULL);
  tc_tls_conn_init(&c->tls, tls, tc_lwip_sock_transport(&c->sock));
  return tc_tls_conn_transport(&c->tls);
}

static uint64_t min_u64(uint64_t a, uint64_t b) { return a < b ? a : b; }

void tc_esp32_wait(tc_esp32_conn_t *const *conns, size_t n, uint64_t deadline_ms, uint32_t max_wait_ms)
{
  fd_set rd, wr;
  int maxfd = -1;
  uint64_t now = tc_esp32_clock_ms(NULL);
  FD_ZERO(&rd);
  FD_ZERO(&wr);
  for (size_t i = 0; i < n; i++) {
    tc_transport_t t = tc_tls_conn_transport(&conns[i]->tls);
    if (t.ops->pending(t.ctx) > 0) return; /* decrypted bytes: no socket event will come */
    deadline_ms = min_u64(deadline_ms, tc_tls_conn_deadline_ms(&conns[i]->tls));
    deadline_ms = min_u64(deadline_ms, tc_lwip_sock_deadline_ms(&conns[i]->sock));
    int fd = tc_lwip_sock_fd(&conns[i]->sock);
    if (fd < 0) continue;
    FD_SET(fd, &rd);
    if (tc_lwip_sock_wants_write(&conns[i]->sock)) FD_SET(fd, &wr);
    if (fd > maxfd) maxfd = fd;
  }
  if (deadline_ms <= now) return;
  uint64_t wait = min_u64(deadline_ms - now, max_wait_ms);
  if (maxfd < 0) {
    vTaskDelay(pdMS_TO_TICKS(wait) > 0 ? pdMS_TO_TICKS(wait) : 1);
    return;
  }
  struct timeval tv = { .tv_sec = (long)(wait / 1000u), .tv_usec = (long)(wait % 1000u) * 1000 };
  (void)lwip_select(maxfd + 1, &rd, &wr, NULL, &tv);
}

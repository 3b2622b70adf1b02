/*
 * test_tls_share.c — host test of tc_esp32_tls_share (boards/esp32/tc_esp32.c):
 * once installed, mbedTLS allocations made by the chat task inside a tc_tls
 * call come from the context's arena, every other allocation from the heap,
 * and every block is freed where it came from. Built with ASan by the esp32
 * suite, against the real port/mbedtls and mbedTLS 3.6 (built for the host
 * with boards/stm32/tc_mbedtls_config.h). The FreeRTOS "current task" is a
 * variable the test sets; the sockets adapter is not needed and is faked.
 */
#include <string.h>

#include <mbedtls/platform.h>

#include "tc_esp32.h"
#include "tc_test.h"
#include "freertos/task.h"
#include "lwip/sockets.h"

/* ---- fakes: the task identity, and what tc_esp32.c links besides mbedTLS */
static struct tskTaskControlBlock *g_current;
static struct tskTaskControlBlock *const CHAT = (struct tskTaskControlBlock *)0x1000;
static struct tskTaskControlBlock *const WIFI = (struct tskTaskControlBlock *)0x2000;
TaskHandle_t xTaskGetCurrentTaskHandle(void) { return g_current; }
void vTaskDelay(TickType_t t) { (void)t; }
int64_t esp_timer_get_time(void);
int64_t esp_timer_get_time(void) { return 0; }
void esp_fill_random(void *buf, size_t len);
void esp_fill_random(void *buf, size_t len) { memset(buf, 0x5a, len); }
int lwip_select(int n, fd_set *r, fd_set *w, fd_set *e, struct timeval *tv)
{
  (void)n; (void)r; (void)w; (void)e; (void)tv;
  return 0;
}
void tc_lwip_sock_init(tc_lwip_sock_t *net, tc_clock_fn clock, void *clock_ctx)
{
  (void)clock; (void)clock_ctx;
  memset(net, 0, sizeof *net);
  net->fd = -1;
}
tc_transport_t tc_lwip_sock_transport(tc_lwip_sock_t *net)
{
  tc_transport_t t = { NULL, net };
  return t;
}
int tc_lwip_sock_fd(const tc_lwip_sock_t *net) { return net->fd; }
bool tc_lwip_sock_wants_write(const tc_lwip_sock_t *net) { (void)net; return false; }
uint64_t tc_lwip_sock_deadline_ms(const tc_lwip_sock_t *net) { (void)net; return UINT64_MAX; }

static uint8_t g_arena[64 * 1024];
static tc_tls_ctx_t g_tls;

static bool in_arena(const void *p)
{
  return (const uint8_t *)p >= g_arena && (const uint8_t *)p < g_arena + sizeof g_arena;
}

static void setup(void)
{
  const tc_tls_config_t cfg = {
    .insecure_skip_verify_DANGEROUS = true, /* no CA needed to test the allocator */
    .entropy = tc_esp32_random, .clock = tc_esp32_clock_ms,
    .arena = g_arena, .arena_size = sizeof g_arena,
  };
  g_current = CHAT;
  CHECK_EQ_INT(tc_tls_ctx_init(&g_tls, &cfg), TC_OK);
  tc_esp32_tls_share(&g_tls);
}

static void test_other_tasks_allocate_from_the_heap(void)
{
  setup();
  size_t before = g_tls.arena.in_use;
  g_current = WIFI;
  void *p = mbedtls_calloc(1, 300);
  CHECK(p != NULL && !in_arena(p));
  CHECK_EQ_INT(g_tls.arena.in_use, before);
  mbedtls_free(p); /* ASan: a heap block freed by free() */
  /* even while the chat task is inside a tc_tls call (arena entered) */
  tc_tls_arena_t *prev = tc_tls_arena_enter(&g_tls.arena);
  p = mbedtls_calloc(1, 300);
  CHECK(p != NULL && !in_arena(p));
  mbedtls_free(p);
  tc_tls_arena_leave(prev);
  g_current = CHAT;
  tc_tls_ctx_free(&g_tls);
}

static void test_chat_task_inside_tls_uses_the_arena(void)
{
  setup();
  size_t before = g_tls.arena.in_use;
  tc_tls_arena_t *prev = tc_tls_arena_enter(&g_tls.arena);
  void *p = mbedtls_calloc(4, 100);
  CHECK(p != NULL && in_arena(p));
  CHECK(g_tls.arena.in_use > before);
  mbedtls_free(p);
  CHECK_EQ_INT(g_tls.arena.in_use, before);
  tc_tls_arena_leave(prev);
  tc_tls_ctx_free(&g_tls);
}

static void test_chat_task_outside_tls_uses_the_heap(void)
{
  setup();
  void *p = mbedtls_calloc(1, 64);
  CHECK(p != NULL && !in_arena(p));
  mbedtls_free(p);
  tc_tls_ctx_free(&g_tls);
}

static void test_blocks_are_freed_where_they_came_from(void)
{
  setup();
  size_t before = g_tls.arena.in_use;
  void *heap = mbedtls_calloc(1, 128); /* chat task, no arena entered: heap */
  tc_tls_arena_t *prev = tc_tls_arena_enter(&g_tls.arena);
  void *arena = mbedtls_calloc(1, 128);
  mbedtls_free(heap); /* freed inside a tc_tls call: still the heap's */
  tc_tls_arena_leave(prev);
  CHECK(in_arena(arena) && !in_arena(heap));
  g_current = WIFI;
  mbedtls_free(arena); /* freed by another task: still the arena's */
  g_current = CHAT;
  CHECK_EQ_INT(g_tls.arena.in_use, before);
  tc_tls_ctx_free(&g_tls);
}

static void test_arena_exhaustion_is_not_served_by_the_heap(void)
{
  setup();
  tc_tls_arena_t *prev = tc_tls_arena_enter(&g_tls.arena);
  CHECK(mbedtls_calloc(1, sizeof g_arena) == NULL); /* bounded: the arena says no */
  tc_tls_arena_leave(prev);
  tc_tls_ctx_free(&g_tls);
}

int main(void)
{
  RUN(test_other_tasks_allocate_from_the_heap);
  RUN(test_chat_task_inside_tls_uses_the_arena);
  RUN(test_chat_task_outside_tls_uses_the_heap);
  RUN(test_blocks_are_freed_where_they_came_from);
  RUN(test_arena_exhaustion_is_not_served_by_the_heap);
  return tc_test_finish("esp32_tls_share");
}

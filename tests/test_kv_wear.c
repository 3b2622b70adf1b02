/*
 * test_kv_wear.c — kv_flash wear under the chat's real write pattern.
 *
 * Each turn rewrites the ~700-byte session record once and the small cursor
 * checkpoint twice (3 writes per turn), for 100,000 turns, on the flash
 * layouts trigchat targets. Prints erase counts per sector (max / mean) and
 * asserts max <= 2 x mean, and that the data is still right at the end.
 *
 * tc-test: host-only (300,000 writes per layout: too slow under emulation)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kv/tc_flash_ram.h"
#include "kv/tc_kv_flash.h"
#include "tc_test.h"

enum { TURNS = 100000, SESSION_LEN = 700, CURSOR_LEN = 24 };

typedef struct geo {
  uint32_t ss, n;
  uint8_t g;
  const char *name;
  uint32_t endurance; /* erase cycles the part is rated for */
} geo_t;

static uint8_t mem[2 * 131072];
static uint32_t counts[64];

static void fill(uint8_t *p, size_t n, uint32_t seed)
{
  size_t i;
  for (i = 0; i < n; i++) {
    seed = seed * 1103515245u + 12345u;
    p[i] = (uint8_t)(seed >> 16);
  }
}

static void wear(const geo_t *g)
{
  tc_flash_ram_t fr;
  tc_kv_flash_t kvf;
  tc_kv_t kv;
  uint8_t session[SESSION_LEN], cursor[CURSOR_LEN], got[SESSION_LEN];
  uint32_t turn, s, max = 0, min = UINT32_MAX;
  uint64_t sum = 0;
  size_t len = 0;
  double mean;
  tc_flash_ram_init(&fr, mem, g->ss, g->n, g->g, 0xFF);
  memset(counts, 0, sizeof counts);
  fr.erase_counts = counts;
  CHECK_EQ_INT(tc_kv_flash_mount(&kvf, &fr.flash), TC_OK);
  kv = tc_kv_flash_kv(&kvf);
  for (turn = 1; turn <= TURNS && tc_test_current_failures() == 0; turn++) {
    /* the session record changes a little each turn (cursor, flags) */
    fill(session, SESSION_LEN, turn / 7);
    memcpy(session, &turn, sizeof turn);
    CHECK_EQ_INT(kv.ops->set(kv.ctx, "session", session, SESSION_LEN - turn % 5), TC_OK);
    fill(cursor, CURSOR_LEN, turn * 2);
    CHECK_EQ_INT(kv.ops->set(kv.ctx, "cursor", cursor, CURSOR_LEN), TC_OK);
    fill(cursor, CURSOR_LEN, turn * 2 + 1);
    CHECK_EQ_INT(kv.ops->set(kv.ctx, "cursor", cursor, CURSOR_LEN), TC_OK);
    if (turn % 10000 == 0) CHECK_EQ_INT(tc_kv_flash_mount(&kvf, &fr.flash), TC_OK);
  }
  CHECK_EQ_INT(kv.ops->get(kv.ctx, "session", got, sizeof got, &len), TC_OK);
  CHECK_EQ_INT(len, SESSION_LEN - TURNS % 5);
  CHECK(memcmp(got, session, len) == 0);
  CHECK_EQ_INT(kv.ops->get(kv.ctx, "cursor", got, sizeof got, &len), TC_OK);
  CHECK(len == CURSOR_LEN && memcmp(got, cursor, len) == 0);
  CHECK_EQ_INT(fr.violations, 0);
  for (s = 0; s < g->n; s++) {
    sum += counts[s];
    if (counts[s] > max) max = counts[s];
    if (counts[s] < min) min = counts[s];
  }
  mean = (double)sum / g->n;
  printf("wear %-22s %6u turns: erases per sector max %u mean %.1f min %u; %.2f KB programmed "
         "per turn; %.0f turns to %u cycles\n",
         g->name, TURNS, max, mean, min, (double)fr.program_bytes / TURNS / 1024.0,
         max ? (double)TURNS * g->endurance / max : 0.0, g->endurance);
  CHECK(sum > 0);
  CHECK((double)max <= 2.0 * mean);
}

static void test_wear_is_even_under_the_chat_pattern(void)
{
  static const geo_t geos[] = {
    { 4096, 16, 1, "spi-nor-16x4k-g1", 100000 },
    { 16384, 4, 8, "stm32f7-4x16k-g8", 10000 },
    { 131072, 2, 32, "stm32h7-2x128k-g32", 10000 },
  };
  size_t i;
  for (i = 0; i < sizeof geos / sizeof geos[0]; i++) wear(&geos[i]);
}

int main(void)
{
  RUN(test_wear_is_even_under_the_chat_pattern);
  return tc_test_finish("kv_wear");
}

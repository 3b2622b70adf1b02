/*
 * test_kv_flash.c — kv_flash details the contract does not reach: geometry
 * checks, read-only mount, falling back past a damaged newest record, a
 * program that silently fails, program-once units, fail-fast when full,
 * erased keys staying erased through compaction.
 *
 * Self-contained (kv_flash and the flash simulator are compiled in), so it
 * also runs cross-compiled on the QEMU boards (Cortex-M4, rv32imc).
 */
#include <string.h>

#include "kv/flash_ram.c"
#include "kv/kv_flash.c"
#include "tc_test.h"

static uint8_t mem[16384];
static tc_flash_ram_t fr;
static tc_kv_flash_t kvf;
static tc_kv_t kv;

static void setup(uint32_t ss, uint32_t n, uint8_t g, uint8_t erased)
{
  tc_flash_ram_init(&fr, mem, ss, n, g, erased);
  CHECK_EQ_INT(tc_kv_flash_mount(&kvf, &fr.flash), TC_OK);
  kv = tc_kv_flash_kv(&kvf);
}

static tc_err_t get_str(const char *key, char *out, size_t cap)
{
  size_t len = 0;
  tc_err_t err = kv.ops->get(kv.ctx, key, out, cap - 1, &len);
  out[err == TC_OK ? len : 0] = '\0';
  return err;
}

static void test_geometry_is_checked(void)
{
  static const struct { uint32_t ss, n; uint8_t g, erased; } bad[] = {
    { 1024, 4, 3, 0xFF }, { 1024, 4, 64, 0xFF }, { 1024, 4, 0, 0xFF }, { 1024, 4, 1, 0x55 },
    { 1024, 1, 1, 0xFF }, { 128, 4, 1, 0xFF },   { 1000, 4, 16, 0xFF },
  };
  size_t i;
  tc_flash_t broken;
  char out[8];
  for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    tc_flash_ram_init(&fr, mem, 1024, 4, 1, 0xFF);
    fr.flash.sector_size = bad[i].ss;
    fr.flash.sector_count = bad[i].n;
    fr.flash.prog_size = bad[i].g;
    fr.flash.erased = bad[i].erased;
    CHECK_EQ_INT(tc_kv_flash_mount(&kvf, &fr.flash), TC_ERR_CONFIG);
  }
  /* a store that failed to mount refuses service instead of crashing */
  kv = tc_kv_flash_kv(&kvf);
  CHECK_EQ_INT(kv.ops->set(kv.ctx, "a", "1", 1), TC_ERR_STATE);
  CHECK_EQ_INT(get_str("a", out, sizeof out), TC_ERR_STATE);
  CHECK_EQ_INT(kv.ops->erase(kv.ctx, "a"), TC_ERR_STATE);
  tc_flash_ram_init(&fr, mem, 1024, 4, 1, 0xFF);
  broken = fr.flash;
  broken.ops = NULL;
  CHECK_EQ_INT(tc_kv_flash_mount(&kvf, &broken), TC_ERR_CONFIG);
  CHECK_EQ_INT(tc_kv_flash_mount(NULL, &fr.flash), TC_ERR_ARG);
}

static void test_value_max_follows_the_sector(void)
{
  setup(4096, 2, 1, 0xFF);
  CHECK_EQ_INT(tc_kv_flash_value_max(&kvf), (4096 - 16 - 32) / 2 - 31);
  setup(1024, 4, 32, 0xFF);
  CHECK_EQ_INT(tc_kv_flash_value_max(&kvf), ((1024 - 32 - 32) / 2 & ~31u) - 31);
  tc_flash_ram_init(&fr, mem, 8192, 2, 8, 0xFF);
  fr.flash.sector_size = 262144; /* geometry only: value_max never touches the flash */
  kvf.flash = &fr.flash;
  CHECK_EQ_INT(tc_kv_flash_value_max(&kvf), 65535);
}

static void test_mount_never_writes(void)
{
  size_t i;
  char out[8];
  setup(1024, 4, 4, 0xFF);
  for (i = 0; i < sizeof mem; i++) mem[i] = (uint8_t)(i * 131u + 7u); /* garbage */
  CHECK_EQ_INT(tc_kv_flash_mount(&kvf, &fr.flash), TC_OK);
  CHECK_EQ_INT(fr.ops, 0);
  CHECK_EQ_INT(get_str("session", out, sizeof out), TC_ERR_KV_NOT_FOUND);
  CHECK_EQ_INT(fr.ops, 0);
  /* the first write formats */
  CHECK_EQ_INT(kv.ops->set(kv.ctx, "session", "s1", 2), TC_OK);
  CHECK_EQ_INT(tc_kv_flash_mount(&kvf, &fr.flash), TC_OK);
  CHECK_EQ_INT(get_str("session", out, sizeof out), TC_OK);
  CHECK_EQ_STR(out, "s1");
  CHECK_EQ_INT(fr.violations, 0);
}

/* Address of the newest record of a freshly written store: the third record
 * after the sector header, for fixed sizes. */
static void test_damaged_newest_record_falls_back(void)
{
  char out[16];
  uint32_t rec3;
  setup(1024, 4, 1, 0xFF);
  CHECK_EQ_INT(kv.ops->set(kv.ctx, "k", "one", 3), TC_OK);
  CHECK_EQ_INT(kv.ops->set(kv.ctx, "k", "two", 3), TC_OK);
  CHECK_EQ_INT(kv.ops->set(kv.ctx, "k", "six", 3), TC_OK);
  rec3 = 16 + 2 * 20; /* sector header, then 20-byte records (16 + 1 + 3) */
  mem[rec3 + 18] ^= 0x04; /* a value bit of "six" */
  CHECK_EQ_INT(tc_kv_flash_mount(&kvf, &fr.flash), TC_OK);
  CHECK_EQ_INT(get_str("k", out, sizeof out), TC_OK);
  CHECK_EQ_STR(out, "two");
  mem[rec3 + 18] ^= 0x04;
  mem[rec3 + 5] ^= 0x10; /* its sequence number: header CRC fails */
  CHECK_EQ_INT(tc_kv_flash_mount(&kvf, &fr.flash), TC_OK);
  CHECK_EQ_INT(get_str("k", out, sizeof out), TC_OK);
  CHECK_EQ_STR(out, "two");
  /* the head is closed after the damage; writing goes on elsewhere */
  CHECK_EQ_INT(kv.ops->set(kv.ctx, "k", "ten", 3), TC_OK);
  CHECK_EQ_INT(tc_kv_flash_mount(&kvf, &fr.flash), TC_OK);
  CHECK_EQ_INT(get_str("k", out, sizeof out), TC_OK);
  CHECK_EQ_STR(out, "ten");
  CHECK_EQ_INT(fr.violations, 0);
}

/* A program that reports success but leaves one bit unprogrammed. */
static int sabotage;
static tc_err_t lying_program(void *ctx, uint32_t addr, const void *buf, size_t len)
{
  tc_err_t err = fr.flash.ops->program(ctx, addr, buf, len);
  if (sabotage && err == TC_OK) {
    uint8_t *m = fr.mem + addr + len - 1;
    uint8_t want = ((const uint8_t *)buf)[len - 1];
    if (want != 0xFF) *m = (uint8_t)(*m | (uint8_t)~want); /* every 0 bit stays 1 */
  }
  return err;
}

static void test_silent_program_failure_is_caught(void)
{
  static tc_flash_ops_t ops;
  static tc_flash_t lying;
  char out[16];
  setup(1024, 4, 1, 0xFF);
  ops = *fr.flash.ops;
  ops.program = lying_program;
  lying = fr.flash;
  lying.ops = &ops;
  CHECK_EQ_INT(tc_kv_flash_mount(&kvf, &lying), TC_OK);
  CHECK_EQ_INT(kv.ops->set(kv.ctx, "k", "old", 3), TC_OK);
  sabotage = 1;
  CHECK_EQ_INT(kv.ops->set(kv.ctx, "k", "new", 3), TC_ERR_KV_IO);
  sabotage = 0;
  CHECK_EQ_INT(get_str("k", out, sizeof out), TC_OK);
  CHECK_EQ_STR(out, "old");
  CHECK_EQ_INT(kv.ops->set(kv.ctx, "k", "newer", 5), TC_OK);
  CHECK_EQ_INT(tc_kv_flash_mount(&kvf, &lying), TC_OK);
  CHECK_EQ_INT(get_str("k", out, sizeof out), TC_OK);
  CHECK_EQ_STR(out, "newer");
  CHECK_EQ_INT(fr.violations, 0);
}

/* With 32-byte units (STM32H7 flash words) every program is whole aligned
 * units, each programmed once; the simulator refuses anything else. */
static void test_program_units_are_whole_and_written_once(void)
{
  static const uint8_t gs[] = { 1, 2, 4, 8, 16, 32 };
  uint8_t v[100];
  size_t i, j;
  for (i = 0; i < sizeof gs; i++) {
    setup(1024, 3, gs[i], gs[i] == 8 ? 0x00 : 0xFF);
    for (j = 0; j < 300; j++) {
      char key[4] = { 'k', (char)('0' + j % 5), 0, 0 };
      memset(v, (int)j, sizeof v);
      CHECK_EQ_INT(kv.ops->set(kv.ctx, key, v, j % sizeof v), TC_OK);
    }
    CHECK_EQ_INT(fr.violations, 0);
    CHECK(fr.erases > 10);
    CHECK_EQ_INT(fr.program_bytes % gs[i], 0);
  }
}

static void test_full_store_fails_fast_and_erase_still_works(void)
{
  uint8_t v[200];
  unsigned i, stored = 0;
  uint64_t erases;
  char key[8], out[8];
  setup(1024, 2, 1, 0xFF);
  memset(v, 0xA5, sizeof v);
  for (i = 0; i < 20; i++) {
    key[0] = 'f';
    key[1] = (char)('a' + i);
    key[2] = 0;
    if (kv.ops->set(kv.ctx, key, v, sizeof v) != TC_OK) break;
    stored++;
  }
  CHECK(stored >= 3 && stored < 20);
  erases = fr.erases;
  CHECK_EQ_INT(kv.ops->set(kv.ctx, "zz", v, sizeof v), TC_ERR_KV_FULL);
  CHECK_EQ_INT(kv.ops->set(kv.ctx, "zy", v, sizeof v), TC_ERR_KV_FULL);
  CHECK_EQ_INT(fr.erases, erases); /* no compaction churn while nothing changed */
  CHECK_EQ_INT(kv.ops->erase(kv.ctx, "fa"), TC_OK);
  CHECK_EQ_INT(get_str("fa", out, sizeof out), TC_ERR_KV_NOT_FOUND);
  CHECK_EQ_INT(kv.ops->set(kv.ctx, "zz", v, sizeof v), TC_OK);
  CHECK_EQ_INT(tc_kv_flash_mount(&kvf, &fr.flash), TC_OK);
  CHECK_EQ_INT(get_str("fa", out, sizeof out), TC_ERR_KV_NOT_FOUND);
}

static void test_erased_key_stays_erased_through_compaction(void)
{
  char out[16];
  unsigned i;
  setup(512, 3, 4, 0xFF);
  CHECK_EQ_INT(kv.ops->set(kv.ctx, "gone", "ghost", 5), TC_OK);
  CHECK_EQ_INT(kv.ops->erase(kv.ctx, "gone"), TC_OK);
  for (i = 0; i < 200; i++) {
    CHECK_EQ_INT(kv.ops->set(kv.ctx, "busy", "0123456789abcdef", 16), TC_OK);
    if (i % 17 == 0) CHECK_EQ_INT(tc_kv_flash_mount(&kvf, &fr.flash), TC_OK);
    CHECK_EQ_INT(get_str("gone", out, sizeof out), TC_ERR_KV_NOT_FOUND);
  }
  CHECK(fr.erases >= 6); /* the ring went round twice */
}

int main(void)
{
  RUN(test_geometry_is_checked);
  RUN(test_value_max_follows_the_sector);
  RUN(test_mount_never_writes);
  RUN(test_damaged_newest_record_falls_back);
  RUN(test_silent_program_failure_is_caught);
  RUN(test_program_units_are_whole_and_written_once);
  RUN(test_full_store_fails_fast_and_erase_still_works);
  RUN(test_erased_key_stays_erased_through_compaction);
  return tc_test_finish("kv_flash");
}

/*
 * fuzz_kv_flash.c — kv_flash mounted over an arbitrary flash image.
 *
 * Input: byte 0 picks a geometry, the rest is the image (padded with the
 * erased value). Mount, read some keys, write, erase, remount, read again.
 * Nothing may crash, hang or touch memory out of bounds; kv_flash must never
 * program over bytes that are not erased; and a value whose set returned
 * TC_OK must read back exactly, before and after a remount.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kv/tc_flash_ram.h"
#include "kv/tc_kv_flash.h"

static const struct {
  uint32_t ss, n;
  uint8_t g, erased;
} geos[] = {
  { 256, 2, 1, 0xFF }, { 256, 4, 4, 0xFF }, { 512, 3, 32, 0x00 }, { 256, 8, 8, 0xFF }, { 1024, 2, 16, 0xFF },
};

static uint8_t mem[4096];

static void check_reads(tc_kv_t kv, const char *key, const uint8_t *want, size_t n)
{
  uint8_t got[256];
  size_t len = 0;
  if (kv.ops->get(kv.ctx, key, got, sizeof got, &len) != TC_OK || len != n || memcmp(got, want, n) != 0)
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static const char *keys[] = { "session", "cursor", "a", "fifteen_chars_k" };
  tc_flash_ram_t fr;
  tc_kv_flash_t kvf;
  tc_kv_t kv;
  uint8_t buf[256], val[40];
  size_t i, len, img;
  unsigned gi;
  tc_err_t err;
  if (size < 1) return 0;
  gi = data[0] % (sizeof geos / sizeof geos[0]);
  img = (size_t)geos[gi].ss * geos[gi].n;
  tc_flash_ram_init(&fr, mem, geos[gi].ss, geos[gi].n, geos[gi].g, geos[gi].erased);
  memcpy(mem, data + 1, size - 1 < img ? size - 1 : img);
  if (tc_kv_flash_mount(&kvf, &fr.flash) != TC_OK) abort();
  kv = tc_kv_flash_kv(&kvf);
  for (i = 0; i < 4; i++) (void)kv.ops->get(kv.ctx, keys[i], buf, sizeof buf, &len);
  for (i = 0; i < sizeof val; i++) val[i] = (uint8_t)(i * 7u + size);
  err = kv.ops->set(kv.ctx, "session", val, sizeof val);
  if (err == TC_OK) check_reads(kv, "session", val, sizeof val);
  if (kv.ops->erase(kv.ctx, "cursor") == TC_OK && kv.ops->get(kv.ctx, "cursor", buf, sizeof buf, &len) != TC_ERR_KV_NOT_FOUND)
    abort();
  (void)kv.ops->set(kv.ctx, "a", val, 3);
  if (tc_kv_flash_mount(&kvf, &fr.flash) != TC_OK) abort();
  if (err == TC_OK) check_reads(kv, "session", val, sizeof val);
  for (i = 0; i < 4; i++) (void)kv.ops->get(kv.ctx, keys[i], buf, sizeof buf, &len);
  if (fr.violations != 0) abort();
  return 0;
}

/*
 * tc_flash_ram.h — a tc_flash over caller RAM that behaves like NOR flash,
 * for tests and for firmware without flash: erase sets a sector to the erased
 * value; a program over a unit that is not fully erased is refused
 * (TC_ERR_KV_IO, `violations` counted), which is stricter than NOR's AND and
 * matches STM32 flash words that cannot be programmed twice.
 *
 * Power cuts: with cut_at = n, the n-th program or erase (counting from 1,
 * see `ops`) is torn (tc_flash_ram_tear) and fails, and the flash is dead:
 * every later op fails until the caller clears `dead` (a reboot).
 * before_op, when set, sees each program or erase before it happens (tests
 * use it to fork the image at every step).
 */
#ifndef TC_FLASH_RAM_H
#define TC_FLASH_RAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tc_flash.h"

typedef struct tc_flash_ram {
  tc_flash_t flash;        /* pass &fr->flash to kv_flash */
  uint8_t *mem;            /* sector_size * sector_count bytes, the caller's */
  uint32_t *erase_counts;  /* optional, sector_count counters */
  uint64_t ops;            /* programs + erases attempted */
  uint64_t programs, erases, program_bytes;
  uint32_t violations;     /* refused programs (not erased, misaligned, out of range) */
  uint64_t cut_at;         /* 0: never */
  bool dead;
  uint32_t seed;           /* drives how a cut tears */
  void (*before_op)(void *ctx, bool erase, uint32_t addr, const uint8_t *data, size_t len);
  void *before_ctx;
} tc_flash_ram_t;

/* Sets up fr over mem with the given geometry and erases all of it (not
 * counted). The geometry is not checked here (kv_flash checks it). */
void tc_flash_ram_init(tc_flash_ram_t *fr, uint8_t *mem, uint32_t sector_size,
                       uint32_t sector_count, uint8_t prog_size, uint8_t erased);

/* Applies what a power cut during the op leaves in fr->mem: for a program,
 * nothing, a prefix, a prefix plus one byte with some of its bits, or some
 * bits of every byte; for an erase, nothing, a prefix, random bytes, or
 * random bits moved to the erased value. `seed` picks the variant and the
 * amounts deterministically. */
void tc_flash_ram_tear(tc_flash_ram_t *fr, bool erase, uint32_t addr, const uint8_t *data,
                       size_t len, uint32_t seed);

#endif /* TC_FLASH_RAM_H */

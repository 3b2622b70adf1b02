/*
 * tc_flash_stm32f7.h — a tc_flash (port/kv/tc_flash.h) on the internal flash
 * of an STM32F76x/F77x in single-bank mode, for kv_flash.
 *
 * Written from the FLASH register description of RM0410 (§3.7): unlock with
 * the two KEYR keys, sector erase (SER, SNB, STRT), programming with PG and
 * PSIZE = x32 (word units: valid at 2.7-3.6 V without an external Vpp), BSY
 * polled, errors read from SR. No vendor HAL.
 *
 * The region is a run of equal sectors (the example uses sectors 1-2, 32 KB
 * each, at 0x08008000). prog_size is 4. While an erase or a program runs the
 * CPU stalls on any flash read (single bank): a 32 KB erase takes about
 * 0.3-0.5 s, so keep interrupts that must not wait out of flash, or accept
 * the pause (kv_flash erases once per 32 KB of records).
 * The D-cache is off in the example; with it on, invalidate the region after
 * an erase or program before reading it back.
 */
#ifndef TC_FLASH_STM32F7_H
#define TC_FLASH_STM32F7_H

#include <stdint.h>

#include "tc_flash.h"

typedef struct tc_flash_stm32f7 {
  uint32_t base;        /* address of the region's first sector */
  uint8_t first_sector; /* its sector number (SNB) */
} tc_flash_stm32f7_t;

/* Describes sectors first_sector .. first_sector + count - 1, each
 * sector_size bytes, starting at base, as a tc_flash in *flash. */
void tc_flash_stm32f7_init(tc_flash_stm32f7_t *f, tc_flash_t *flash, uint32_t base,
                           uint8_t first_sector, uint32_t count, uint32_t sector_size);

#endif /* TC_FLASH_STM32F7_H */

/*
 * tc_flash.h — a raw NOR-flash region, as kv_flash sees it.
 *
 * The region is sector_count sectors of sector_size bytes; addresses are
 * offsets from its start (0 .. sector_size * sector_count - 1). The rules are
 * those of NOR flash, as the most restrictive parts impose them:
 *
 *  - erase(sector) sets every byte of one sector to `erased` (0xFF on nearly
 *    all parts; 0x00 on a few);
 *  - program(addr, data, len) writes len bytes, addr and len multiples of
 *    prog_size (1 for SPI NOR, 8 on STM32F7/L4 double-words, 32 on STM32H7
 *    flash words). kv_flash programs each prog_size unit at most once between
 *    two erases (STM32 flash words with ECC cannot be programmed twice), and
 *    only over erased bytes. The driver splits at its own page boundaries and
 *    accepts any source alignment;
 *  - read(addr, buf, len) reads any bytes at any alignment.
 *
 * Each op returns TC_OK or TC_ERR_KV_IO. A power cut may stop a program or an
 * erase at any point, leaving any mixture of old and new bits in the range it
 * was touching; kv_flash is built to survive exactly that.
 *
 * sync (optional, may be NULL) makes every earlier program and erase durable
 * before it returns; only a flash that caches writes (a file on a host) needs it.
 * kv_flash calls it after an erase, before committing a sector, and before a
 * set or erase returns.
 */
#ifndef TC_FLASH_H
#define TC_FLASH_H

#include <stddef.h>
#include <stdint.h>

#include "tc_err.h"

/* Largest supported program granularity (bytes). */
#define TC_FLASH_PROG_MAX 32

typedef struct tc_flash_ops {
  tc_err_t (*read)(void *ctx, uint32_t addr, void *buf, size_t len);
  tc_err_t (*program)(void *ctx, uint32_t addr, const void *buf, size_t len);
  tc_err_t (*erase)(void *ctx, uint32_t sector);
  tc_err_t (*sync)(void *ctx);
} tc_flash_ops_t;

typedef struct tc_flash {
  const tc_flash_ops_t *ops;
  void *ctx;
  uint32_t sector_size;   /* bytes; a multiple of prog_size */
  uint32_t sector_count;  /* at least 2 */
  uint8_t prog_size;      /* 1, 2, 4, 8, 16 or 32 */
  uint8_t erased;         /* 0xFF or 0x00 */
} tc_flash_t;

#endif /* TC_FLASH_H */

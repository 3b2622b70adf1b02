/*
 * tc_kv_flash.h — a tc_kv store on raw NOR flash (tc_flash.h), log-structured,
 * power-loss safe, with no heap and no RAM index.
 *
 * Layout: the region is a ring of sectors. Each sector in use starts with a
 * header {magic, epoch, tail, CRC}; epochs increase along the ring and the
 * newest header's `tail` names the oldest epoch still in use. Records are
 * appended to the newest sector: {type, key length, value length, sequence
 * number, data CRC, header CRC} then key and value, padded to prog_size. The
 * value of a key is its valid record (both CRCs good) with the highest
 * sequence number; a tombstone record marks an erased key. When the newest
 * sector is full the next one in the ring is erased and becomes the head; when
 * only one free sector would be left, the oldest sector's live records are
 * copied into the new head first, and the new head's header (written last, so
 * an interrupted copy leaves nothing behind) retires the oldest sector. Every
 * sector is erased once per trip round the ring, so wear is even.
 *
 * Power loss: a program or erase cut at any point, torn inside a program unit,
 * leaves the store mountable with every key at its old or its new value.
 * Every prog_size unit is programmed once between erases, never twice.
 *
 * Memory: the tc_kv_flash_t (64 bytes on Cortex-M4, the one program buffer
 * included) is all the RAM it keeps; a call uses at most about 600 bytes of
 * stack (compaction), plus the driver's. Lookups scan the flash: cost
 * grows with the records in use, which suits a few small keys (a session
 * record and a cursor), not a database.
 *
 * Capacity: a value is at most tc_kv_flash_value_max() bytes (about half a
 * sector, and at most 65535). Live records use at most sector_count - 1
 * sectors (one is kept free for compaction). A set that still does not fit
 * after every sector has been compacted returns TC_ERR_KV_FULL and keeps every
 * old value; further sets of a value at least as large (key included) fail at
 * once, without erasing, until an erase or a set frees space; a smaller one is
 * still tried, and succeeds if it fits after compaction. An erase always
 * succeeds on a full store.
 */
#ifndef TC_KV_FLASH_H
#define TC_KV_FLASH_H

#include <stddef.h>
#include <stdint.h>

#include "tc_flash.h"
#include "tc_kv.h"

typedef struct tc_kv_flash {
  const tc_flash_t *flash;
  uint32_t head;       /* sector index of the newest sector */
  uint32_t head_epoch; /* 0: nothing in use yet */
  uint32_t tail;       /* oldest epoch in use */
  uint32_t wp;         /* next record offset in the head; sector_size when closed */
  uint32_t next_seq;
  uint8_t ioerr;       /* a flash op failed during the current call */
  uint8_t packed;      /* the last set found every sector compacted and full */
  uint32_t packed_rs;  /* then: the smallest record size found not to fit */
  uint8_t buf[TC_FLASH_PROG_MAX]; /* the program buffer */
} tc_kv_flash_t;

/* Checks the geometry (TC_ERR_CONFIG if prog_size, erased, sector_size or
 * sector_count is unsupported) and scans the flash to find the newest sector,
 * the end of its log and the next sequence number. Never writes: a blank or
 * unreadable region mounts as an empty store, and the first set formats it.
 * `flash` must outlive `kv`. TC_ERR_KV_IO if a read failed. */
tc_err_t tc_kv_flash_mount(tc_kv_flash_t *kv, const tc_flash_t *flash);

/* The tc_kv_t interface of a mounted store. */
tc_kv_t tc_kv_flash_kv(tc_kv_flash_t *kv);

/* Largest value a set accepts (TC_ERR_KV_TOO_BIG beyond). */
size_t tc_kv_flash_value_max(const tc_kv_flash_t *kv);


#endif /* TC_KV_FLASH_H */

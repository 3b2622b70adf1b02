/*
 * tc_kv_ram.h — a tc_kv in caller RAM (tests, and devices that keep state
 * only while powered). Entries are packed in the caller's `mem`; nothing
 * survives a reset. A value is at most tc_kv_ram_value_max() bytes; a set that
 * would need more than `cap` bytes in all returns TC_ERR_KV_FULL and keeps
 * the old value.
 */
#ifndef TC_KV_RAM_H
#define TC_KV_RAM_H

#include <stddef.h>
#include <stdint.h>

#include "tc_kv.h"

typedef struct tc_kv_ram {
  uint8_t *mem;
  size_t cap;
  size_t used;
} tc_kv_ram_t;

/* An empty store over mem[0..cap). TC_ERR_ARG if mem is NULL or cap < 32. */
tc_err_t tc_kv_ram_init(tc_kv_ram_t *r, void *mem, size_t cap);

tc_kv_t tc_kv_ram_kv(tc_kv_ram_t *r);

/* Largest value accepted: cap minus the entry overhead of a 15-byte key. */
size_t tc_kv_ram_value_max(const tc_kv_ram_t *r);

#endif /* TC_KV_RAM_H */

/* kv_ram.c — tc_kv over a caller-owned RAM arena.
 * Entry: key length (1 byte), value length (4 bytes LE), key, value. */
#include "tc_kv_ram.h"

#include <string.h>

#define ENTRY_HDR 5u

static size_t entry_vlen(const uint8_t *p)
{
  return (size_t)p[1] | (size_t)p[2] << 8 | (size_t)p[3] << 16 | (size_t)p[4] << 24;
}

/* Offset of key's entry, or r->used when absent. *esize = its size. */
static size_t find(const tc_kv_ram_t *r, const char *key, size_t klen, size_t *esize)
{
  size_t off = 0;
  while (off + ENTRY_HDR <= r->used) {
    const uint8_t *p = r->mem + off;
    size_t n = ENTRY_HDR + p[0] + entry_vlen(p);
    if (n > r->used - off) break; /* damaged: stop rather than overrun */
    if (p[0] == klen && memcmp(p + ENTRY_HDR, key, klen) == 0) {
      *esize = n;
      return off;
    }
    off += n;
  }
  *esize = 0;
  return r->used;
}

static tc_err_t ram_get(void *ctx, const char *key, void *buf, size_t cap, size_t *len)
{
  tc_kv_ram_t *r = ctx;
  size_t n, off;
  if (tc_kv_check_key(key) != TC_OK) return TC_ERR_KV_KEY;
  off = find(r, key, strlen(key), &n);
  if (n == 0) return TC_ERR_KV_NOT_FOUND;
  n -= ENTRY_HDR + strlen(key);
  if (len != NULL) *len = n;
  if (cap < n) return TC_ERR_KV_TOO_BIG;
  if (n > 0) memcpy(buf, r->mem + off + ENTRY_HDR + strlen(key), n);
  return TC_OK;
}

static void remove_at(tc_kv_ram_t *r, size_t off, size_t n)
{
  memmove(r->mem + off, r->mem + off + n, r->used - off - n);
  r->used -= n;
}

static tc_err_t ram_set(void *ctx, const char *key, const void *val, size_t len)
{
  tc_kv_ram_t *r = ctx;
  size_t klen, old, off, need;
  uint8_t *p;
  if (tc_kv_check_key(key) != TC_OK) return TC_ERR_KV_KEY;
  if (val == NULL && len > 0) return TC_ERR_ARG;
  if (len > tc_kv_ram_value_max(r)) return TC_ERR_KV_TOO_BIG;
  klen = strlen(key);
  need = ENTRY_HDR + klen + len;
  off = find(r, key, klen, &old);
  if (r->used - old + need > r->cap) return TC_ERR_KV_FULL;
  if (old > 0) remove_at(r, off, old);
  p = r->mem + r->used;
  p[0] = (uint8_t)klen;
  p[1] = (uint8_t)len;
  p[2] = (uint8_t)(len >> 8);
  p[3] = (uint8_t)(len >> 16);
  p[4] = (uint8_t)(len >> 24);
  memcpy(p + ENTRY_HDR, key, klen);
  if (len > 0) memcpy(p + ENTRY_HDR + klen, val, len);
  r->used += need;
  return TC_OK;
}

static tc_err_t ram_erase(void *ctx, const char *key)
{
  tc_kv_ram_t *r = ctx;
  size_t n, off;
  if (tc_kv_check_key(key) != TC_OK) return TC_ERR_KV_KEY;
  off = find(r, key, strlen(key), &n);
  if (n > 0) remove_at(r, off, n);
  return TC_OK;
}

static const tc_kv_ops_t ram_ops = { ram_get, ram_set, ram_erase };

tc_err_t tc_kv_ram_init(tc_kv_ram_t *r, void *mem, size_t cap)
{
  if (r == NULL || mem == NULL || cap < 32 || cap > 0xFFFFFFFFu) return TC_ERR_ARG;
  r->mem = mem;
  r->cap = cap;
  r->used = 0;
  return TC_OK;
}

tc_kv_t tc_kv_ram_kv(tc_kv_ram_t *r)
{
  tc_kv_t k = { &ram_ops, r };
  return k;
}

size_t tc_kv_ram_value_max(const tc_kv_ram_t *r)
{
  return r->cap - ENTRY_HDR - TC_KV_KEY_MAX;
}

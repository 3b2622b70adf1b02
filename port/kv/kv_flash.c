/* kv_flash.c — log-structured tc_kv on NOR flash. Layout and rules: tc_kv_flash.h. */
#include "tc_kv_flash.h"
#include "tc_types.h" /* tc_crc32 */

#include <string.h>

#define SEC_MAGIC 0x564B4354u /* "TCKV" */
#define REC_VAL 0x56u         /* 'V': a value */
#define REC_DEL 0x44u         /* 'D': a tombstone */
#define HDR 16u               /* sector and record header bytes */
#define EPOCH_LIMIT 0xFFFFFF00u
#define SEQ_LIMIT 0xFFFFFFFFu
#define CHUNK TC_FLASH_PROG_MAX
#define CACHE 4u

typedef struct rec {
  uint32_t addr, size, seq, dcrc;
  uint16_t vlen;
  uint8_t type, klen;
  char key[TC_KV_KEY_MAX + 1];
} rec_t;

typedef struct iter {
  uint32_t sec, last, addr, end;
} iter_t;

typedef struct live_cache {
  struct {
    char key[TC_KV_KEY_MAX];
    uint8_t klen, type;
    uint32_t addr;
  } e[CACHE];
  uint32_t next;
} live_cache_t;


static uint32_t get32(const uint8_t *p)
{
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put32(uint8_t *p, uint32_t v)
{
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
  p[2] = (uint8_t)(v >> 16);
  p[3] = (uint8_t)(v >> 24);
}

static uint32_t align(const tc_kv_flash_t *kv, uint32_t x)
{
  uint32_t g = kv->flash->prog_size;
  return (x + g - 1u) & ~(g - 1u);
}

static uint32_t ssize(const tc_kv_flash_t *kv) { return kv->flash->sector_size; }
static uint32_t shdr(const tc_kv_flash_t *kv) { return align(kv, HDR); }

static int rd(tc_kv_flash_t *kv, uint32_t addr, void *buf, size_t n)
{
  if (kv->flash->ops->read(kv->flash->ctx, addr, buf, n) == TC_OK) return 1;
  kv->ioerr = 1;
  return 0;
}

static tc_err_t sync_flash(tc_kv_flash_t *kv)
{
  return kv->flash->ops->sync ? kv->flash->ops->sync(kv->flash->ctx) : TC_OK;
}

static int is_blank(const tc_kv_flash_t *kv, const uint8_t *p, size_t n)
{
  while (n-- > 0)
    if (*p++ != kv->flash->erased) return 0;
  return 1;
}

/* Valid sector header of sector s: its epoch and tail. */
static int sec_read(tc_kv_flash_t *kv, uint32_t s, uint32_t *epoch, uint32_t *tail)
{
  uint8_t h[HDR];
  if (!rd(kv, s * ssize(kv), h, HDR)) return 0;
  *epoch = get32(h + 4);
  *tail = get32(h + 8);
  return get32(h) == SEC_MAGIC && get32(h + 12) == tc_crc32(0, h, 12) && *epoch != 0 &&
         *epoch < EPOCH_LIMIT && *tail != 0 && *tail <= *epoch;
}

static int in_use(tc_kv_flash_t *kv, uint32_t s, uint32_t *epoch)
{
  uint32_t tail;
  return kv->head_epoch != 0 && sec_read(kv, s, epoch, &tail) && *epoch >= kv->tail &&
         *epoch <= kv->head_epoch;
}

/* Reads the record header at addr (below end): 1 valid, 0 blank or no room
 * left, -1 invalid (the rest of the sector is not trusted). */
static int rec_read(tc_kv_flash_t *kv, uint32_t addr, uint32_t end, rec_t *r)
{
  uint8_t h[HDR + TC_KV_KEY_MAX];
  uint32_t n = end - addr;
  if (n < HDR) return 0;
  if (n > sizeof h) n = sizeof h;
  if (!rd(kv, addr, h, n)) return -1;
  if (is_blank(kv, h, HDR)) return 0;
  r->type = h[0];
  r->klen = h[1];
  r->vlen = (uint16_t)(h[2] | h[3] << 8);
  r->seq = get32(h + 4);
  r->dcrc = get32(h + 8);
  r->addr = addr;
  r->size = align(kv, HDR + r->klen + (uint32_t)r->vlen);
  if (get32(h + 12) != tc_crc32(0, h, 12) || r->klen == 0 || r->klen > TC_KV_KEY_MAX ||
      (r->type != REC_VAL && (r->type != REC_DEL || r->vlen != 0)) || r->seq == SEQ_LIMIT ||
      r->size > end - addr)
    return -1;
  memcpy(r->key, h + HDR, r->klen);
  r->key[r->klen] = '\0';
  return 1;
}

/* Iterates the records of the sectors first..last that are in use. */
static void iter_start(iter_t *it, uint32_t first, uint32_t last)
{
  it->sec = first;
  it->last = last;
  it->addr = it->end = 0;
}

static int iter_next(tc_kv_flash_t *kv, iter_t *it, rec_t *r)
{
  uint32_t epoch;
  for (;;) {
    if (it->addr < it->end) {
      if (rec_read(kv, it->addr, it->end, r) > 0) {
        it->addr += r->size;
        return 1;
      }
      it->end = 0;
    }
    if (it->sec > it->last) return 0;
    if (in_use(kv, it->sec, &epoch)) {
      it->addr = it->sec * ssize(kv) + shdr(kv);
      it->end = it->addr - shdr(kv) + ssize(kv);
    }
    it->sec++;
  }
}

/* True when the key and value of r match its data CRC. */
static int rec_verify(tc_kv_flash_t *kv, const rec_t *r)
{
  uint32_t crc = tc_crc32(0, r->key, r->klen);
  uint32_t off = 0, addr = r->addr + HDR + r->klen;
  while (off < r->vlen) {
    uint32_t n = r->vlen - off < CHUNK ? r->vlen - off : CHUNK;
    if (!rd(kv, addr + off, kv->buf, n)) return 0;
    crc = tc_crc32(crc, kv->buf, n);
    off += n;
  }
  return crc == r->dcrc;
}

/* The newest valid record (value or tombstone) of key, if any. */
static int find_latest(tc_kv_flash_t *kv, const char *key, size_t klen, rec_t *out)
{
  uint32_t limit = SEQ_LIMIT;
  for (;;) {
    iter_t it;
    rec_t r;
    int found = 0;
    iter_start(&it, 0, kv->flash->sector_count - 1u);
    while (iter_next(kv, &it, &r)) {
      if (r.klen == klen && memcmp(r.key, key, klen) == 0 && r.seq < limit &&
          (!found || r.seq > out->seq)) {
        *out = r;
        found = 1;
      }
    }
    if (!found || rec_verify(kv, out)) return found;
    limit = out->seq;
  }
}

/* True when r is the value its key currently reads (cached per key). */
static int is_live(tc_kv_flash_t *kv, live_cache_t *c, const rec_t *r)
{
  uint32_t i;
  rec_t l;
  l.addr = 0;
  l.type = REC_DEL;
  for (i = 0; i < CACHE; i++)
    if (c->e[i].klen == r->klen && memcmp(c->e[i].key, r->key, r->klen) == 0) break;
  if (i == CACHE) {
    i = c->next++ % CACHE;
    memcpy(c->e[i].key, r->key, r->klen);
    c->e[i].klen = r->klen;
    c->e[i].type = find_latest(kv, r->key, r->klen, &l) ? l.type : REC_DEL;
    c->e[i].addr = l.addr;
  }
  return c->e[i].type == REC_VAL && c->e[i].addr == r->addr;
}

/* Programs len bytes from the buffer at addr, padded to prog_size. */
static tc_err_t prog(tc_kv_flash_t *kv, uint32_t addr, uint32_t len)
{
  uint32_t n = align(kv, len);
  memset(kv->buf + len, kv->flash->erased, n - len);
  return kv->flash->ops->program(kv->flash->ctx, addr, kv->buf, n);
}

/* Erases the next sector of the ring and makes it the head; when that would
 * leave no free sector, first copies the oldest sector's live records into it
 * (except those of `skip`, a key being erased) and retires the oldest (the new
 * header, written last, commits both). */
static tc_err_t advance(tc_kv_flash_t *kv, const char *skip, size_t sklen)
{
  const tc_flash_t *f = kv->flash;
  uint32_t n = f->sector_count, dest = 0, epoch = 1, tail = 1, wp = shdr(kv), s, e;
  tc_err_t err;
  if (kv->head_epoch != 0) {
    dest = (kv->head + 1u) % n;
    epoch = kv->head_epoch + 1u;
    tail = kv->tail;
  }
  if (epoch >= EPOCH_LIMIT) return TC_ERR_KV_FULL;
  err = f->ops->erase(f->ctx, dest);
  if (err == TC_OK) err = sync_flash(kv);
  if (err != TC_OK) return TC_ERR_KV_IO;
  if (epoch - tail + 1u > n - 1u) {
    for (s = 0; s < n && !(in_use(kv, s, &e) && e == tail); s++) {
    }
    if (s < n) {
      live_cache_t c;
      iter_t it;
      rec_t r;
      memset(&c, 0, sizeof c);
      iter_start(&it, s, s);
      while (iter_next(kv, &it, &r)) {
        uint32_t off;
        if (!is_live(kv, &c, &r) || (r.klen == sklen && memcmp(r.key, skip, sklen) == 0))
          continue;
        for (off = 0; off < r.size; off += CHUNK) {
          uint32_t k = r.size - off < CHUNK ? r.size - off : CHUNK;
          if (!rd(kv, r.addr + off, kv->buf, k)) break;
          if (f->ops->program(f->ctx, dest * f->sector_size + wp + off, kv->buf, k) != TC_OK)
            return TC_ERR_KV_IO;
        }
        wp += r.size;
      }
    }
    if (kv->ioerr) return TC_ERR_KV_IO;
    tail++;
    if (sync_flash(kv) != TC_OK) return TC_ERR_KV_IO;
  }
  put32(kv->buf, SEC_MAGIC);
  put32(kv->buf + 4, epoch);
  put32(kv->buf + 8, tail);
  put32(kv->buf + 12, tc_crc32(0, kv->buf, 12));
  if (prog(kv, dest * f->sector_size, HDR) != TC_OK) return TC_ERR_KV_IO;
  kv->head = dest;
  kv->head_epoch = epoch;
  kv->tail = tail;
  kv->wp = wp;
  return TC_OK;
}

/* Streams bytes through the program buffer to w->addr. */
typedef struct writer {
  tc_kv_flash_t *kv;
  uint32_t addr, fill;
  tc_err_t err;
} writer_t;

static void wr_put(writer_t *w, const void *src, size_t n)
{
  const uint8_t *p = src;
  while (n > 0) {
    size_t c = CHUNK - w->fill < n ? CHUNK - w->fill : n;
    memcpy(w->kv->buf + w->fill, p, c);
    w->fill += (uint32_t)c;
    p += c;
    n -= c;
    if (w->fill == CHUNK) {
      if (w->err == TC_OK) w->err = prog(w->kv, w->addr, CHUNK);
      w->addr += CHUNK;
      w->fill = 0;
    }
  }
}

static tc_err_t append(tc_kv_flash_t *kv, uint8_t type, const char *key, size_t klen,
                       const void *val, size_t vlen)
{
  const tc_flash_t *f = kv->flash;
  uint32_t rs = align(kv, HDR + (uint32_t)(klen + vlen)), sz = f->sector_size, tries;
  uint8_t h[HDR];
  writer_t w;
  rec_t r;
  tc_err_t err;
  if (kv->next_seq >= SEQ_LIMIT) return TC_ERR_KV_FULL;
  /* Move on round the ring until the record fits. After sector_count moves
   * every sector has been compacted: the store is full for a record of this
   * size, and stays `packed` (failing fast, sparing the flash, for records at
   * least as large; a smaller one may still fit and is tried) until something
   * is erased or written. An erase skips its key while compacting: if that
   * removes the key's last record, nothing more needs writing. */
  for (tries = 0; kv->head_epoch == 0 || sz - kv->wp < rs; tries++) {
    if (kv->packed && type == REC_VAL && rs >= kv->packed_rs) return TC_ERR_KV_FULL;
    if (tries >= f->sector_count) {
      kv->packed = 1;
      kv->packed_rs = rs; /* smaller than before: larger ones failed fast */
      return TC_ERR_KV_FULL;
    }
    err = advance(kv, type == REC_DEL ? key : "", type == REC_DEL ? klen : 0);
    if (err != TC_OK) return err;
    if (type == REC_DEL && (!find_latest(kv, key, klen, &r) || r.type != REC_VAL)) {
      if (kv->ioerr) return TC_ERR_KV_IO;
      kv->packed = 0;
      return sync_flash(kv) == TC_OK ? TC_OK : TC_ERR_KV_IO;
    }
  }
  h[0] = type;
  h[1] = (uint8_t)klen;
  h[2] = (uint8_t)vlen;
  h[3] = (uint8_t)(vlen >> 8);
  put32(h + 4, kv->next_seq++); /* used up even if the write fails */
  put32(h + 8, tc_crc32(tc_crc32(0, key, klen), val, vlen));
  put32(h + 12, tc_crc32(0, h, 12));
  w.kv = kv;
  w.addr = kv->head * sz + kv->wp;
  w.fill = 0;
  w.err = TC_OK;
  wr_put(&w, h, HDR);
  wr_put(&w, key, klen);
  wr_put(&w, val, vlen);
  if (w.fill > 0 && w.err == TC_OK) w.err = prog(kv, w.addr, w.fill);
  /* Read back: a failed or torn write must not be reported as done. The
   * space it used is not reused (the head is closed) until the next erase. */
  if (w.err != TC_OK || rec_read(kv, kv->head * sz + kv->wp, (kv->head + 1u) * sz, &r) <= 0 ||
      r.seq != kv->next_seq - 1u || !rec_verify(kv, &r) || sync_flash(kv) != TC_OK) {
    kv->wp = sz;
    return TC_ERR_KV_IO;
  }
  kv->wp += rs;
  kv->packed = 0;
  return TC_OK;
}

/* The live value record of key in r: TC_OK, or TC_ERR_KV_KEY, _STATE,
 * TC_ERR_KV_IO or TC_ERR_KV_NOT_FOUND (never written, or erased). */
static tc_err_t lookup(tc_kv_flash_t *kv, const char *key, rec_t *r)
{
  int found;
  if (tc_kv_check_key(key) != TC_OK) return TC_ERR_KV_KEY;
  if (kv->flash == NULL) return TC_ERR_STATE;
  kv->ioerr = 0;
  found = find_latest(kv, key, strlen(key), r);
  if (kv->ioerr) return TC_ERR_KV_IO;
  return found && r->type == REC_VAL ? TC_OK : TC_ERR_KV_NOT_FOUND;
}

static tc_err_t kvf_get(void *ctx, const char *key, void *buf, size_t cap, size_t *len)
{
  tc_kv_flash_t *kv = ctx;
  rec_t r;
  tc_err_t err = lookup(kv, key, &r);
  if (err != TC_OK) return err;
  if (len != NULL) *len = r.vlen;
  if (cap < r.vlen) return TC_ERR_KV_TOO_BIG;
  if (r.vlen > 0 && !rd(kv, r.addr + HDR + r.klen, buf, r.vlen)) return TC_ERR_KV_IO;
  return TC_OK;
}

static tc_err_t kvf_set(void *ctx, const char *key, const void *val, size_t len)
{
  tc_kv_flash_t *kv = ctx;
  if (tc_kv_check_key(key) != TC_OK) return TC_ERR_KV_KEY;
  if (kv->flash == NULL) return TC_ERR_STATE;
  if (val == NULL && len > 0) return TC_ERR_ARG;
  if (len > tc_kv_flash_value_max(kv)) return TC_ERR_KV_TOO_BIG;
  kv->ioerr = 0;
  return append(kv, REC_VAL, key, strlen(key), val, len);
}

static tc_err_t kvf_erase(void *ctx, const char *key)
{
  tc_kv_flash_t *kv = ctx;
  rec_t r;
  tc_err_t err = lookup(kv, key, &r);
  if (err == TC_ERR_KV_NOT_FOUND) return TC_OK; /* nothing to erase */
  if (err != TC_OK) return err;
  return append(kv, REC_DEL, key, strlen(key), NULL, 0);
}

static const tc_kv_ops_t kvf_ops = { kvf_get, kvf_set, kvf_erase };

tc_kv_t tc_kv_flash_kv(tc_kv_flash_t *kv)
{
  tc_kv_t k = { &kvf_ops, kv };
  return k;
}

size_t tc_kv_flash_value_max(const tc_kv_flash_t *kv)
{
  /* Two records of the largest size and an erase record fit in one sector. */
  uint32_t g = kv->flash->prog_size;
  uint32_t m = ((kv->flash->sector_size - shdr(kv) - CHUNK) / 2u) & ~(g - 1u);
  m -= HDR + TC_KV_KEY_MAX;
  return m > 0xFFFFu ? 0xFFFFu : m;
}

tc_err_t tc_kv_flash_mount(tc_kv_flash_t *kv, const tc_flash_t *f)
{
  uint32_t s, e, t, n, g, addr, end;
  iter_t it;
  rec_t r;
  int k;
  if (kv == NULL) return TC_ERR_ARG;
  memset(kv, 0, sizeof *kv);
  if (f == NULL || f->ops == NULL || f->ops->read == NULL || f->ops->program == NULL ||
      f->ops->erase == NULL)
    return TC_ERR_CONFIG;
  n = f->sector_count;
  g = f->prog_size;
  if (g == 0 || g > TC_FLASH_PROG_MAX || (g & (g - 1u)) != 0 || (f->erased != 0 && f->erased != 0xFF) ||
      n < 2 || f->sector_size < 256 || f->sector_size % g != 0 ||
      (uint64_t)f->sector_size * n > 0xFFFFFFFFu)
    return TC_ERR_CONFIG;
  kv->flash = f;
  kv->next_seq = 1;
  for (s = 0; s < n; s++) {
    if (sec_read(kv, s, &e, &t) && e > kv->head_epoch) {
      kv->head = s;
      kv->head_epoch = e;
      kv->tail = t;
    }
  }
  if (kv->head_epoch == 0) return kv->ioerr ? TC_ERR_KV_IO : TC_OK;
  if (kv->head_epoch - kv->tail > n - 2u) kv->tail = kv->head_epoch - (n - 2u);
  iter_start(&it, 0, n - 1u);
  while (iter_next(kv, &it, &r))
    if (r.seq >= kv->next_seq) kv->next_seq = r.seq + 1u;
  /* The head's log ends at the first blank header; anything programmed after
   * it (a torn write) closes the head until the ring moves on. */
  addr = kv->head * f->sector_size + shdr(kv);
  end = (kv->head + 1u) * f->sector_size;
  while ((k = rec_read(kv, addr, end, &r)) > 0) addr += r.size;
  kv->wp = addr - kv->head * f->sector_size;
  for (; k == 0 && addr < end; addr += CHUNK) {
    uint32_t c = end - addr < CHUNK ? end - addr : CHUNK;
    if (!rd(kv, addr, kv->buf, c) || !is_blank(kv, kv->buf, c)) k = -1;
  }
  if (k < 0) kv->wp = f->sector_size;
  return kv->ioerr ? TC_ERR_KV_IO : TC_OK;
}

/* flash_ram.c — NOR-flash simulator over RAM with power-cut injection. */
#include "tc_flash_ram.h"

#include <string.h>

static uint32_t next_rand(uint32_t *s)
{
  /* xorshift32; never zero */
  uint32_t x = *s ? *s : 0x9E3779B9u;
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  *s = x;
  return x;
}

/* The byte NOR leaves when `bits` of `want` are programmed over `old`. */
static uint8_t program_bits(uint8_t erased, uint8_t old, uint8_t want, uint8_t bits)
{
  if (erased == 0xFF) return (uint8_t)(old & (want | (uint8_t)~bits));
  return (uint8_t)(old | (want & bits));
}

void tc_flash_ram_tear(tc_flash_ram_t *fr, bool erase, uint32_t addr, const uint8_t *data,
                       size_t len, uint32_t seed)
{
  uint8_t *m = fr->mem + addr, e = fr->flash.erased;
  uint32_t s = seed * 2654435761u + 1u, variant = next_rand(&s) % 4u;
  size_t i, cut = len ? next_rand(&s) % len : 0;
  for (i = 0; i < len; i++) {
    uint8_t r = (uint8_t)next_rand(&s);
    switch (variant) {
    case 0: /* nothing happened */
      break;
    case 1: /* a prefix completed */
      if (i < cut) m[i] = erase ? e : program_bits(e, m[i], data[i], 0xFF);
      break;
    case 2: /* a prefix, then one byte half done */
      if (i < cut) m[i] = erase ? e : program_bits(e, m[i], data[i], 0xFF);
      else if (i == cut) m[i] = erase ? (uint8_t)(e == 0xFF ? m[i] | r : m[i] & r)
                                      : program_bits(e, m[i], data[i], r);
      break;
    default: /* every byte partly done */
      if (erase) m[i] = (r & 1u) ? e : (uint8_t)(e == 0xFF ? m[i] | r : m[i] & r);
      else m[i] = program_bits(e, m[i], data[i], r);
      break;
    }
  }
}

static int op_begin(tc_flash_ram_t *fr, bool erase, uint32_t addr, const uint8_t *data, size_t len)
{
  if (fr->dead) return 0;
  fr->ops++;
  if (fr->before_op != NULL) fr->before_op(fr->before_ctx, erase, addr, data, len);
  if (fr->cut_at != 0 && fr->ops == fr->cut_at) {
    tc_flash_ram_tear(fr, erase, addr, data, len, fr->seed);
    fr->dead = true;
    return 0;
  }
  return 1;
}

static tc_err_t fr_read(void *ctx, uint32_t addr, void *buf, size_t len)
{
  tc_flash_ram_t *fr = ctx;
  uint64_t size = (uint64_t)fr->flash.sector_size * fr->flash.sector_count;
  if (fr->dead || (uint64_t)addr + len > size) return TC_ERR_KV_IO;
  memcpy(buf, fr->mem + addr, len);
  return TC_OK;
}

static tc_err_t fr_program(void *ctx, uint32_t addr, const void *buf, size_t len)
{
  tc_flash_ram_t *fr = ctx;
  const uint8_t *p = buf;
  uint32_t g = fr->flash.prog_size;
  uint64_t size = (uint64_t)fr->flash.sector_size * fr->flash.sector_count;
  size_t i;
  if ((uint64_t)addr + len > size || addr % g != 0 || len % g != 0 || len == 0) {
    fr->violations++;
    return TC_ERR_KV_IO;
  }
  for (i = 0; i < len; i++) {
    if (fr->mem[addr + i] != fr->flash.erased) {
      fr->violations++;
      return TC_ERR_KV_IO;
    }
  }
  if (!op_begin(fr, false, addr, p, len)) return TC_ERR_KV_IO;
  for (i = 0; i < len; i++) fr->mem[addr + i] = program_bits(fr->flash.erased, fr->mem[addr + i], p[i], 0xFF);
  fr->programs++;
  fr->program_bytes += len;
  return TC_OK;
}

static tc_err_t fr_erase(void *ctx, uint32_t sector)
{
  tc_flash_ram_t *fr = ctx;
  uint32_t ss = fr->flash.sector_size;
  if (sector >= fr->flash.sector_count) return TC_ERR_KV_IO;
  if (!op_begin(fr, true, sector * ss, NULL, ss)) return TC_ERR_KV_IO;
  memset(fr->mem + (size_t)sector * ss, fr->flash.erased, ss);
  fr->erases++;
  if (fr->erase_counts != NULL) fr->erase_counts[sector]++;
  return TC_OK;
}

static const tc_flash_ops_t fr_ops = { fr_read, fr_program, fr_erase, NULL };

void tc_flash_ram_init(tc_flash_ram_t *fr, uint8_t *mem, uint32_t sector_size,
                       uint32_t sector_count, uint8_t prog_size, uint8_t erased)
{
  memset(fr, 0, sizeof *fr);
  fr->flash.ops = &fr_ops;
  fr->flash.ctx = fr;
  fr->flash.sector_size = sector_size;
  fr->flash.sector_count = sector_count;
  fr->flash.prog_size = prog_size;
  fr->flash.erased = erased;
  fr->mem = mem;
  memset(mem, erased, (size_t)sector_size * sector_count);
}

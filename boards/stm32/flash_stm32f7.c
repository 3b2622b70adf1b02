/* flash_stm32f7.c — tc_flash on STM32F7 internal flash (see tc_flash_stm32f7.h). */
#include "tc_flash_stm32f7.h"

#include <string.h>

#define REG(addr) (*(volatile uint32_t *)(addr))
#define FLASH_BASE_R 0x40023C00u
#define FLASH_KEYR   REG(FLASH_BASE_R + 0x04)
#define FLASH_SR     REG(FLASH_BASE_R + 0x0C)
#define FLASH_CR     REG(FLASH_BASE_R + 0x10)

#define KEY1 0x45670123u
#define KEY2 0xCDEF89ABu

#define SR_EOP    (1u << 0)
#define SR_OPERR  (1u << 1)
#define SR_WRPERR (1u << 4)
#define SR_PGAERR (1u << 5)
#define SR_PGPERR (1u << 6)
#define SR_ERSERR (1u << 7)
#define SR_BSY    (1u << 16)
#define SR_ERRORS (SR_OPERR | SR_WRPERR | SR_PGAERR | SR_PGPERR | SR_ERSERR)

#define CR_PG        (1u << 0)
#define CR_SER       (1u << 1)
#define CR_SNB(n)    ((uint32_t)(n) << 3)
#define CR_PSIZE_X32 (2u << 8)
#define CR_STRT      (1u << 16)
#define CR_LOCK      (1u << 31)

static void barrier(void) { __asm volatile("dsb 0xF" ::: "memory"); }

static void wait_idle(void)
{
  while (FLASH_SR & SR_BSY) {}
}

static void unlock(void)
{
  if (FLASH_CR & CR_LOCK) {
    FLASH_KEYR = KEY1;
    FLASH_KEYR = KEY2;
  }
}

/* Waits for the operation, clears PG/SER, locks; TC_ERR_KV_IO on any error flag. */
static tc_err_t finish(void)
{
  uint32_t sr;
  barrier();
  wait_idle();
  sr = FLASH_SR;
  FLASH_SR = sr & (SR_ERRORS | SR_EOP); /* write 1 to clear */
  FLASH_CR &= ~(CR_PG | CR_SER);
  FLASH_CR |= CR_LOCK;
  return (sr & SR_ERRORS) ? TC_ERR_KV_IO : TC_OK;
}

static tc_err_t f_read(void *ctx, uint32_t addr, void *buf, size_t len)
{
  const tc_flash_stm32f7_t *f = ctx;
  memcpy(buf, (const void *)(uintptr_t)(f->base + addr), len);
  return TC_OK;
}

static tc_err_t f_program(void *ctx, uint32_t addr, const void *buf, size_t len)
{
  const tc_flash_stm32f7_t *f = ctx;
  const uint8_t *src = buf;
  tc_err_t err = TC_OK;
  if ((addr | len) & 3u) return TC_ERR_KV_IO;
  wait_idle();
  unlock();
  FLASH_SR = SR_ERRORS | SR_EOP;
  FLASH_CR = CR_PSIZE_X32 | CR_PG;
  for (size_t i = 0; i < len && err == TC_OK; i += 4) {
    uint32_t w;
    memcpy(&w, src + i, 4); /* any source alignment */
    REG(f->base + addr + i) = w;
    barrier();
    wait_idle();
    if (FLASH_SR & SR_ERRORS) err = TC_ERR_KV_IO;
  }
  if (finish() != TC_OK) err = TC_ERR_KV_IO;
  return err;
}

static tc_err_t f_erase(void *ctx, uint32_t sector)
{
  const tc_flash_stm32f7_t *f = ctx;
  wait_idle();
  unlock();
  FLASH_SR = SR_ERRORS | SR_EOP;
  FLASH_CR = CR_PSIZE_X32 | CR_SER | CR_SNB(f->first_sector + sector);
  FLASH_CR |= CR_STRT;
  return finish();
}

static const tc_flash_ops_t ops = { f_read, f_program, f_erase, NULL };

void tc_flash_stm32f7_init(tc_flash_stm32f7_t *f, tc_flash_t *flash, uint32_t base,
                           uint8_t first_sector, uint32_t count, uint32_t sector_size)
{
  f->base = base;
  f->first_sector = first_sector;
  flash->ops = &ops;
  flash->ctx = f;
  flash->sector_size = sector_size;
  flash->sector_count = count;
  flash->prog_size = 4;
  flash->erased = 0xFF;
}

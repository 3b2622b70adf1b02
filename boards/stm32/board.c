/*
 * board.c — clock, RNG, console and time for the STM32F767 example, straight
 * on the registers described in RM0410 (STM32F76xxx/77xxx reference manual).
 */
#include "board.h"

#include <string.h>
#include <sys/time.h>

#include "tc_types.h"

#define REG(addr) (*(volatile uint32_t *)(addr))

/* RCC (RM0410 §5.3) */
#define RCC_BASE     0x40023800u
#define RCC_CR       REG(RCC_BASE + 0x00)
#define RCC_PLLCFGR  REG(RCC_BASE + 0x04)
#define RCC_AHB1ENR  REG(RCC_BASE + 0x30)
#define RCC_AHB2ENR  REG(RCC_BASE + 0x34)
#define RCC_APB1ENR  REG(RCC_BASE + 0x40)
#define RCC_DCKCFGR2 REG(RCC_BASE + 0x90)
#define RCC_CR_PLLON  (1u << 24)
#define RCC_CR_PLLRDY (1u << 25)
/* GPIOD: USART3 TX/RX on PD8/PD9, alternate function 7 */
#define GPIOD_BASE   0x40020C00u
#define GPIOD_MODER  REG(GPIOD_BASE + 0x00)
#define GPIOD_AFRH   REG(GPIOD_BASE + 0x24)
/* USART3 (RM0410 §34.8) */
#define USART3_BASE  0x40004800u
#define USART3_CR1   REG(USART3_BASE + 0x00)
#define USART3_BRR   REG(USART3_BASE + 0x0C)
#define USART3_ISR   REG(USART3_BASE + 0x1C)
#define USART3_TDR   REG(USART3_BASE + 0x28)
#define USART_ISR_TXE (1u << 7)
/* RNG (RM0410 §22.7) */
#define RNG_BASE     0x50060800u
#define RNG_CR       REG(RNG_BASE + 0x00)
#define RNG_SR       REG(RNG_BASE + 0x04)
#define RNG_DR       REG(RNG_BASE + 0x08)
/* SysTick (Cortex-M7) */
#define SYST_CSR     REG(0xE000E010u)
#define SYST_RVR     REG(0xE000E014u)
#define SYST_CVR     REG(0xE000E018u)

#define HSI_HZ 16000000u

static volatile uint64_t g_ms;
static uint64_t g_unix_at;    /* board_ms() when SNTP answered */
static uint64_t g_unix_ms;    /* the Unix time it gave */
static bool g_have_unix;

void SysTick_Handler(void);
void SysTick_Handler(void) { g_ms++; }

void board_init(void)
{
  /* PLL from HSI: 16 MHz / M=8 * N=192 = 384 MHz VCO; Q=8 gives 48 MHz
   * (PLL48CLK for the RNG; CK48MSEL = 0 selects it). P is unused: SYSCLK
   * stays on the HSI. */
  RCC_PLLCFGR = 8u | (192u << 6) | (0u << 16) | (0u << 22) | (8u << 24);
  RCC_CR |= RCC_CR_PLLON;
  while (!(RCC_CR & RCC_CR_PLLRDY)) {}
  RCC_DCKCFGR2 &= ~(1u << 27);

  RCC_AHB1ENR |= 1u << 3;  /* GPIOD */
  RCC_AHB2ENR |= 1u << 6;  /* RNG */
  RCC_APB1ENR |= 1u << 18; /* USART3 */
  (void)RCC_APB1ENR;       /* read back: the clock is on before first use */

  GPIOD_MODER = (GPIOD_MODER & ~(0xFu << 16)) | (0xAu << 16);   /* PD8, PD9: AF */
  GPIOD_AFRH = (GPIOD_AFRH & ~0xFFu) | 0x77u;                   /* AF7 */
  USART3_BRR = (HSI_HZ + 115200u / 2) / 115200u;                /* APB1 = HSI */
  USART3_CR1 = (1u << 3) | (1u << 0);                           /* TE, UE */

  RNG_CR = 1u << 2; /* RNGEN */

  SYST_RVR = HSI_HZ / 1000u - 1u;
  SYST_CVR = 0;
  SYST_CSR = 7u; /* processor clock, interrupt, enable */
}

uint64_t board_ms(void)
{
  uint64_t a, b;
  do { a = g_ms; b = g_ms; } while (a != b); /* 64-bit read is not atomic */
  return a;
}

uint64_t board_clock(void *ctx)
{
  (void)ctx;
  return board_ms();
}

uint32_t board_random32(void)
{
  for (;;) {
    uint32_t sr = RNG_SR;
    if (sr & 0x6u) board_panic("RNG clock or seed error"); /* CECS, SECS */
    if (sr & 0x1u) return RNG_DR;                          /* DRDY */
  }
}

void board_random(void *ctx, uint8_t *buf, size_t n)
{
  (void)ctx;
  while (n > 0) {
    uint32_t r = board_random32();
    size_t k = n < 4 ? n : 4;
    memcpy(buf, &r, k);
    buf += k;
    n -= k;
  }
}

void board_write(const char *s, size_t n)
{
  for (size_t i = 0; i < n; i++) {
    while (!(USART3_ISR & USART_ISR_TXE)) {}
    USART3_TDR = (uint8_t)s[i];
  }
}

void board_puts(const char *s)
{
  board_write(s, strlen(s));
  board_write("\r\n", 2);
}

void board_put_u64(const char *label, uint64_t v)
{
  char mem[24];
  tc_buf_t b = tc_buf_make(mem, sizeof mem);
  tc_buf_put_u64(&b, v);
  board_write(label, strlen(label));
  board_write(" ", 1);
  board_write(b.ptr, b.len);
  board_write("\r\n", 2);
}

void board_set_unix_time(unsigned long sec)
{
  g_unix_at = board_ms();
  g_unix_ms = (uint64_t)sec * 1000u;
  g_have_unix = true;
}

bool board_unix_time(uint64_t *now_ms, uint64_t *unix_ms)
{
  if (!g_have_unix) return false;
  *now_ms = g_unix_at;
  *unix_ms = g_unix_ms;
  return true;
}

void board_idle(void) { __asm volatile("wfi"); }

void board_panic(const char *why)
{
  board_write("panic: ", 7);
  board_puts(why);
  for (;;) {}
}

/* ---- C library and mbedTLS hooks */

/* newlib's time() and gettimeofday(): Unix time once SNTP has answered,
 * else 0 (1970, so a certificate check fails rather than passes). */
int _gettimeofday(struct timeval *tv, void *tz);
int _gettimeofday(struct timeval *tv, void *tz)
{
  (void)tz;
  uint64_t ms = g_have_unix ? g_unix_ms + (board_ms() - g_unix_at) : 0;
  tv->tv_sec = (time_t)(ms / 1000u);
  tv->tv_usec = (suseconds_t)((ms % 1000u) * 1000u);
  return 0;
}

/* MBEDTLS_PLATFORM_MS_TIME_ALT (tc_mbedtls_config.h). */
#include <mbedtls/platform_time.h>
mbedtls_ms_time_t mbedtls_ms_time(void) { return (mbedtls_ms_time_t)board_ms(); }

/* lwIP's clock (NO_SYS=1): milliseconds, 32 bits, wrapping. */
#include "lwip/sys.h"
u32_t sys_now(void) { return (u32_t)board_ms(); }

/* MBEDTLS_PLATFORM_GMTIME_R_ALT: newlib's gmtime_r (no allocation). */
#include <mbedtls/platform_util.h>
struct tm *mbedtls_platform_gmtime_r(const mbedtls_time_t *tt, struct tm *tm_buf)
{
  time_t t = (time_t)*tt;
  return gmtime_r(&t, tm_buf);
}

/*
 * board.h — the few services the STM32F767 example needs from its board:
 * a millisecond clock, the hardware RNG, a console, Unix time from SNTP.
 * Written against the STM32F76xxx reference manual (RM0410) registers; no
 * vendor HAL. Clock tree: the 16 MHz HSI runs the core (a product sets up the
 * PLL for 216 MHz and the Ethernet clocks in its own clock code); the PLL is
 * started only for its 48 MHz output, which the RNG needs.
 */
#ifndef TC_BOARD_H
#define TC_BOARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* SysTick at 1 kHz, USART3 (the ST-LINK virtual COM port) at 115200 8N1,
 * the RNG on the PLL's 48 MHz output. */
void board_init(void);

/* Milliseconds since board_init (64-bit: never wraps). */
uint64_t board_ms(void);
/* board_ms as a tc_clock_fn (ctx unused). */
uint64_t board_clock(void *ctx);

/* n bytes from the RNG peripheral (a tc_random_fn; also the TLS entropy).
 * A seed or clock error of the RNG stops in board_panic. */
void board_random(void *ctx, uint8_t *buf, size_t n);
uint32_t board_random32(void);

/* Console output on USART3 (blocking, polled). */
void board_write(const char *s, size_t n);
void board_puts(const char *s);             /* s, then CR LF */
void board_put_u64(const char *label, uint64_t v); /* "label v" CR LF */

/* Unix time: set by SNTP (lwipopts.h SNTP_SET_SYSTEM_TIME); feeds time()
 * for certificate expiry checks and tc_chat_set_unix_time. */
void board_set_unix_time(unsigned long sec);
bool board_unix_time(uint64_t *now_ms, uint64_t *unix_ms);

/* Sleeps until the next interrupt (SysTick wakes it within 1 ms). */
void board_idle(void);

__attribute__((noreturn)) void board_panic(const char *why);

#endif /* TC_BOARD_H */

/*
 * arch/cc.h — lwIP's compiler and platform glue for the STM32F767 example
 * (arm-none-eabi-gcc, newlib-nano). Asserts stop in board_panic; lwIP's
 * debug output is compiled out; random numbers come from the RNG.
 */
#ifndef TC_STM32_ARCH_CC_H
#define TC_STM32_ARCH_CC_H

#include <stdint.h>

#define LWIP_ERRNO_STDINCLUDE 1
#define LWIP_NO_CTYPE_H 0

uint32_t board_random32(void);
__attribute__((noreturn)) void board_panic(const char *why);

#define LWIP_RAND() board_random32()
#define LWIP_PLATFORM_ASSERT(x) board_panic(x)
#define LWIP_PLATFORM_DIAG(x) do { } while (0)

#endif /* TC_STM32_ARCH_CC_H */

/*
 * arch/cc.h — lwIP's platform glue for the mps2-an386 firmware
 * (arm-none-eabi-gcc, newlib with semihosting). lwIP provides its own
 * byte-order helpers; its random numbers come from the firmware.
 */
#ifndef TC_QEMU_NET_ARCH_CC_H
#define TC_QEMU_NET_ARCH_CC_H

#include <stdio.h>
#include <stdlib.h>

#define LWIP_ERRNO_STDINCLUDE 1
unsigned int qnet_rand32(void); /* main.c */
#define LWIP_RAND() ((u32_t)qnet_rand32())
#define LWIP_PLATFORM_ASSERT(x) do { printf("lwIP assertion \"%s\" failed at %s:%d\n", x, __FILE__, __LINE__); exit(2); } while (0)
#define LWIP_PLATFORM_DIAG(x) do { printf x; } while (0)

#endif /* TC_QEMU_NET_ARCH_CC_H */

/*
 * arch/cc.h — lwIP's compiler/platform glue for trigchat's lwIP builds: a
 * hosted C11 compiler (gcc/clang on Linux for the simulation,
 * arm-none-eabi-gcc with newlib for the size measurement).
 */
#ifndef TC_LWIP_ARCH_CC_H
#define TC_LWIP_ARCH_CC_H

#include <stdio.h>
#include <stdlib.h>

/* Hosts: ssize_t from <sys/types.h> in every translation unit, whatever its
 * -std (lwIP would typedef int when <limits.h> lacks SSIZE_MAX). */
#if defined(__linux__) || defined(__APPLE__)
#include <limits.h>
#include <sys/types.h>
#ifndef SSIZE_MAX
#define SSIZE_MAX LONG_MAX
#endif
#endif

#define LWIP_ERRNO_STDINCLUDE 1 /* errno values from the C library's <errno.h> */
#define LWIP_RAND() ((u32_t)rand())

#ifdef TC_LWIP_QUIET_ASSERT
#define LWIP_PLATFORM_ASSERT(x) abort()
#define LWIP_PLATFORM_DIAG(x)
#else
#define LWIP_PLATFORM_ASSERT(x) do { fprintf(stderr, "lwIP assertion \"%s\" failed at %s:%d\n", x, __FILE__, __LINE__); abort(); } while (0)
#define LWIP_PLATFORM_DIAG(x) do { printf x; } while (0)
#endif

#endif /* TC_LWIP_ARCH_CC_H */

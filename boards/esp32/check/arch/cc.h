/* arch/cc.h — compile check only: lwIP's compiler glue for rv32imc/picolibc. */
#ifndef TC_CHECK_ARCH_CC_H
#define TC_CHECK_ARCH_CC_H

#include <stdint.h>

#define LWIP_ERRNO_STDINCLUDE 1
#define LWIP_TIMEVAL_PRIVATE 0
#include <sys/time.h>
#define LWIP_PLATFORM_ASSERT(x) do { } while (0)
#define LWIP_PLATFORM_DIAG(x) do { } while (0)

#endif /* TC_CHECK_ARCH_CC_H */

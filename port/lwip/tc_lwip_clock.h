/*
 * tc_lwip_clock.h — (internal) the default clock of both lwIP adapters
 * (tc_lwip_raw.c, tc_lwip_sockets.c): lwIP's sys_now() extended to 64 bits.
 * Include it after "lwip/sys.h". Each adapter gets its own copy, with its own
 * state: it is called only by the one loop or task that drives that adapter.
 */
#ifndef TC_LWIP_CLOCK_H
#define TC_LWIP_CLOCK_H

#include <stdint.h>

/* sys_now() is 32-bit and wraps after 49 days: count the wraps. */
static uint64_t tc_lwip__sys_clock(void *ctx)
{
  static uint32_t last;
  static uint64_t high;
  uint32_t now = sys_now();
  (void)ctx;
  if (now < last) high += (uint64_t)1 << 32;
  last = now;
  return high | now;
}

#endif /* TC_LWIP_CLOCK_H */

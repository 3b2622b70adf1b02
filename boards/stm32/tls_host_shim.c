/* tls_host_shim.c — the two platform hooks tc_mbedtls_config.h asks for
 * (board.c provides them on the STM32), for the host run of the TLS tests. */
#define _POSIX_C_SOURCE 200809L /* clock_gettime, gmtime_r */
#include <time.h>

#include <mbedtls/platform_time.h>
#include <mbedtls/platform_util.h>

mbedtls_ms_time_t mbedtls_ms_time(void)
{
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (mbedtls_ms_time_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

struct tm *mbedtls_platform_gmtime_r(const mbedtls_time_t *tt, struct tm *tm_buf)
{
  time_t t = (time_t)*tt;
  return gmtime_r(&t, tm_buf);
}

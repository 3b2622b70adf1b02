/* tls_host_config.h — tc_mbedtls_config.h for the host run of the TLS port
 * tests (suite stm32, target stm32-tls-config), plus file I/O: the tests load
 * their CA certificates from files. Everything else is the firmware's config. */
#include "tc_mbedtls_config.h"
#define MBEDTLS_FS_IO

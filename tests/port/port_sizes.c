/* port_sizes.c — compiled (never linked) for Cortex-M4 by `make size-port`:
 * each array's size, read back with nm, is the size of one struct on the
 * target. */
#include "mbedtls/tc_mbedtls.h"

char size_tc_tls_conn_t[sizeof(tc_tls_conn_t)];
char size_tc_tls_ctx_t[sizeof(tc_tls_ctx_t)];
char size_tc_tls_arena_t[sizeof(tc_tls_arena_t)];

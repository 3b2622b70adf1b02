/* lwip_sizes.c — compiled (never run) by `make lwip-size` for Cortex-M4: each
 * array's size is the sizeof of a per-connection object, read back with nm. */
#include "lwip/opt.h"
#include "lwip/pbuf.h"
#include "lwip/tcp.h"
#include "lwip/tc_lwip_raw.h"
#include "lwip/tc_lwip_sockets.h"
#if !NO_SYS
#include "lwip/api.h"
#include "lwip/priv/sockets_priv.h"
#endif

char size_tc_lwip_raw_t[sizeof(tc_lwip_raw_t)];
char size_tc_lwip_sock_t[sizeof(tc_lwip_sock_t)];
char size_tcp_pcb[sizeof(struct tcp_pcb)];
char size_pbuf_pool_elem[sizeof(struct pbuf) + PBUF_POOL_BUFSIZE];
#if !NO_SYS
char size_netconn[sizeof(struct netconn)];
char size_lwip_sock[sizeof(struct lwip_sock)];
#endif

/*
 * lwipopts.h — compile check only: lwIP 2.1.3 (Debian source) configured
 * like ESP-IDF's lwIP as far as port/lwip/tc_lwip_sockets.c can tell:
 * an RTOS (NO_SYS=0) with the BSD sockets API, select(), IPv4 and IPv6.
 */
#ifndef TC_CHECK_LWIPOPTS_H
#define TC_CHECK_LWIPOPTS_H

#define NO_SYS 0
#define LWIP_SOCKET 1
#define LWIP_NETCONN 1
#define LWIP_COMPAT_SOCKETS 0
#define LWIP_POSIX_SOCKETS_IO_NAMES 0
#define LWIP_SOCKET_SELECT 1
#define LWIP_SOCKET_POLL 1
#define LWIP_TCPIP_CORE_LOCKING 1
#define LWIP_IPV4 1
#define LWIP_IPV6 1
#define LWIP_DNS 1
#define LWIP_TCP 1
#define LWIP_UDP 1
#define LWIP_SO_RCVTIMEO 1
#define MEM_ALIGNMENT 4

#endif /* TC_CHECK_LWIPOPTS_H */

/*
 * lwipopts.h — lwIP configuration for trigchat's host simulation (suite
 * `lwip`) and for the Cortex-M4 size measurement of port/lwip.
 *
 * One file, two builds: TC_LWIP_NO_SYS=1 (default) is bare metal, raw API
 * only, polled from one loop (sys_check_timeouts); TC_LWIP_NO_SYS=0 adds
 * the tcpip thread, netconn and the BSD sockets API (sys_arch on pthreads,
 * tests/lwip/sys_arch.c). IPv4 only, Ethernet, MTU 1500, TCP_MSS 1460.
 * A firmware project keeps its own lwipopts.h; what port/lwip needs from it
 * is listed in docs/lwip.md.
 */
#ifndef TC_LWIPOPTS_H
#define TC_LWIPOPTS_H

#ifndef TC_LWIP_NO_SYS
#define TC_LWIP_NO_SYS 1
#endif
#define NO_SYS TC_LWIP_NO_SYS

/* host byte-order helpers come from the C library in the test programs */
#define LWIP_DONT_PROVIDE_BYTEORDER_FUNCTIONS 1

#if defined(__SIZEOF_POINTER__) && __SIZEOF_POINTER__ == 8
#define MEM_ALIGNMENT 8 /* 64-bit hosts: pointers in pool elements */
#else
#define MEM_ALIGNMENT 4
#endif
#define MEM_SIZE (48 * 1024)
#define MEMP_NUM_PBUF 32
#define MEMP_NUM_TCP_PCB 8
#define MEMP_NUM_TCP_PCB_LISTEN 2
#define MEMP_NUM_TCP_SEG 64
#define MEMP_NUM_SYS_TIMEOUT (LWIP_NUM_SYS_TIMEOUT_INTERNAL + 4)
#define PBUF_POOL_SIZE 48
/* PBUF_POOL_BUFSIZE: lwIP's default, one full Ethernet frame (1514 + alignment) */

#define LWIP_IPV4 1
#ifndef LWIP_IPV6
#define LWIP_IPV6 0 /* -DLWIP_IPV6=1 compiles the adapters' IPv6 paths (not simulated) */
#endif
#define LWIP_ARP 1
#define LWIP_ETHERNET 1
#define ETHARP_SUPPORT_STATIC_ENTRIES 0
#define ARP_QUEUEING 1
#define IP_REASSEMBLY 0
#define IP_FRAG 0
#define LWIP_ICMP 1
#define LWIP_RAW 0
#define LWIP_UDP 1
#define LWIP_TCP 1
#define LWIP_DHCP 0
#define LWIP_AUTOIP 0
#define LWIP_IGMP 0
#define LWIP_DNS 1
#define DNS_TABLE_SIZE 2
#define DNS_MAX_NAME_LENGTH 128
#define DNS_MAX_RETRIES 2

#define TCP_MSS 1460
#define TCP_WND (4 * TCP_MSS)
#define TCP_SND_BUF (4 * TCP_MSS)
#define TCP_SND_QUEUELEN ((4 * TCP_SND_BUF) / TCP_MSS)
#define TCP_QUEUE_OOSEQ 1
#define LWIP_TCP_KEEPALIVE 1
#define LWIP_CALLBACK_API 1
#define LWIP_ALTCP 0

#define LWIP_NETIF_STATUS_CALLBACK 0
#define LWIP_NETIF_LINK_CALLBACK 0
#define LWIP_SINGLE_NETIF 1
#define LWIP_HAVE_LOOPIF 0
#define LWIP_NETIF_LOOPBACK 0

#define LWIP_STATS 0
#define LWIP_STATS_DISPLAY 0
#define CHECKSUM_CHECK_IP 1
#define CHECKSUM_CHECK_TCP 1

#if NO_SYS
#define LWIP_NETCONN 0
#define LWIP_SOCKET 0
#define SYS_LIGHTWEIGHT_PROT 0 /* one loop, no interrupts touch lwIP in the simulation */
#else
#define LWIP_NETCONN 1
#define LWIP_SOCKET 1
#define LWIP_COMPAT_SOCKETS 0 /* port/lwip uses the lwip_ names only */
#define LWIP_POSIX_SOCKETS_IO_NAMES 0
#define LWIP_SOCKET_SELECT 1
#define LWIP_SOCKET_POLL 0
#define LWIP_SO_RCVTIMEO 0
#define LWIP_TCPIP_CORE_LOCKING 1
#define LWIP_NETIF_API 0
#define MEMP_NUM_NETCONN 8
#define MEMP_NUM_NETBUF 8
#define MEMP_NUM_TCPIP_MSG_API 16
#define MEMP_NUM_TCPIP_MSG_INPKT 64
#define TCPIP_MBOX_SIZE 64
#define DEFAULT_TCP_RECVMBOX_SIZE 32
#define DEFAULT_UDP_RECVMBOX_SIZE 8
#define DEFAULT_ACCEPTMBOX_SIZE 4
#define TCPIP_THREAD_STACKSIZE 0
#define TCPIP_THREAD_PRIO 0
#define LWIP_NETCONN_SEM_PER_THREAD 0
#define SYS_LIGHTWEIGHT_PROT 1
/* Debian's source package patches sockets.c (for the Hurd) to take these
 * from its own port headers; upstream lwIP ignores them. No sa_len here. */
#define IP4ADDR_SOCKADDR_SET_LEN(sin)
#define IP6ADDR_SOCKADDR_SET_LEN(sin6)
#if LWIP_IPV6
#define IPADDR_SOCKADDR_GET_LEN(addr) ((addr)->sa.sa_family == AF_INET ? sizeof(struct sockaddr_in) \
    : (addr)->sa.sa_family == AF_INET6 ? sizeof(struct sockaddr_in6) : 0)
#else
#define IPADDR_SOCKADDR_GET_LEN(addr) ((addr)->sa.sa_family == AF_INET ? sizeof(struct sockaddr_in) : 0)
#endif
#endif

#endif /* TC_LWIPOPTS_H */

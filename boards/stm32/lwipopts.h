/*
 * lwipopts.h — lwIP 2.1 for the STM32F767 example: bare metal (NO_SYS=1, raw
 * API, one polled loop), IPv4, Ethernet, DHCP, DNS, SNTP, TCP sized for two
 * TLS connections (trigchat's .out stream and its requests).
 * What port/lwip needs from a project's lwipopts.h is in docs/lwip.md.
 */
#ifndef TC_STM32_LWIPOPTS_H
#define TC_STM32_LWIPOPTS_H

#define NO_SYS 1
#define SYS_LIGHTWEIGHT_PROT 0  /* lwIP is touched from the main loop only */
#define LWIP_NETCONN 0
#define LWIP_SOCKET 0

/* memory: lwIP's own static heap and pools, no malloc */
#define MEM_ALIGNMENT 4
#define MEM_SIZE (10 * 1024)            /* TCP send data (tcp_write copies) */
#define MEMP_NUM_PBUF 8
#define MEMP_NUM_TCP_PCB 4
#define MEMP_NUM_TCP_PCB_LISTEN 1
#define MEMP_NUM_TCP_SEG 24
#define MEMP_NUM_UDP_PCB 3              /* DHCP, DNS, SNTP */
#define MEMP_NUM_SYS_TIMEOUT (LWIP_NUM_SYS_TIMEOUT_INTERNAL + 2)
#define PBUF_POOL_SIZE 16               /* received frames, 1536 bytes each */

#define LWIP_IPV4 1
#define LWIP_IPV6 0
#define LWIP_ARP 1
#define LWIP_ETHERNET 1
#define ARP_TABLE_SIZE 4
#define ARP_QUEUEING 1
#define IP_REASSEMBLY 0
#define IP_FRAG 0
#define LWIP_ICMP 1
#define LWIP_RAW 0
#define LWIP_UDP 1
#define LWIP_TCP 1
#define LWIP_DHCP 1
#define LWIP_AUTOIP 0
#define LWIP_IGMP 0
#define LWIP_DNS 1
#define DNS_TABLE_SIZE 2
#define DNS_MAX_NAME_LENGTH 128

#define TCP_MSS 1460
#define TCP_WND (4 * TCP_MSS)           /* at most this much held per connection */
#define TCP_SND_BUF (2 * TCP_MSS)
#define TCP_SND_QUEUELEN ((4 * TCP_SND_BUF) / TCP_MSS)
#define TCP_QUEUE_OOSEQ 0
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

/* SNTP: Unix time for certificate expiry checks (board_set_unix_time) */
#define SNTP_SERVER_DNS 1
#define SNTP_UPDATE_DELAY (3600u * 1000u)
void board_set_unix_time(unsigned long sec);
#define SNTP_SET_SYSTEM_TIME(sec) board_set_unix_time((unsigned long)(sec))

#endif /* TC_STM32_LWIPOPTS_H */

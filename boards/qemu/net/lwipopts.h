/*
 * lwipopts.h — lwIP 2.1 for the trigchat firmware on QEMU's mps2-an386
 * (boards/qemu/net): bare metal, NO_SYS=1, raw API polled from one loop,
 * IPv4 with a static address (QEMU user networking: 10.0.2.15/24, gateway
 * 10.0.2.2), Ethernet through the LAN9118 driver, TCP sized for trigchat's
 * two connections (.out stream and requests). No DHCP, no DNS servers: the
 * firmware uses an address literal, or "localhost" from the local host list.
 */
#ifndef TC_QEMU_NET_LWIPOPTS_H
#define TC_QEMU_NET_LWIPOPTS_H

#define NO_SYS 1
#define SYS_LIGHTWEIGHT_PROT 0 /* lwIP is touched from the main loop only */
#define LWIP_NETCONN 0
#define LWIP_SOCKET 0

#define MEM_ALIGNMENT 4
#define MEM_SIZE (16 * 1024)
#define MEMP_NUM_PBUF 16
#define MEMP_NUM_TCP_PCB 6
#define MEMP_NUM_TCP_PCB_LISTEN 1
#define MEMP_NUM_TCP_SEG 32
#define MEMP_NUM_UDP_PCB 2
#define MEMP_NUM_SYS_TIMEOUT (LWIP_NUM_SYS_TIMEOUT_INTERNAL + 2)
#define PBUF_POOL_SIZE 24

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
#define LWIP_DHCP 0
#define LWIP_AUTOIP 0
#define LWIP_IGMP 0
#define LWIP_DNS 1 /* tc_lwip_raw resolves through dns_gethostbyname (literals need no server) */
#define DNS_TABLE_SIZE 2
#define DNS_MAX_NAME_LENGTH 64
/* "localhost" is the host's loopback, which QEMU user networking shows the
 * guest as 10.0.2.2: the simulator's TLS certificate names localhost. */
#define DNS_LOCAL_HOSTLIST 1
#define DNS_LOCAL_HOSTLIST_IS_DYNAMIC 0
#define DNS_LOCAL_HOSTLIST_INIT {DNS_LOCAL_HOSTLIST_ELEM("localhost", IPADDR4_INIT_BYTES(10, 0, 2, 2))}

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

#endif /* TC_QEMU_NET_LWIPOPTS_H */

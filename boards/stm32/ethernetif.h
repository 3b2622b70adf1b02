/* ethernetif.h — the board's Ethernet driver as lwIP sees it (see ethernetif.c). */
#ifndef TC_ETHERNETIF_H
#define TC_ETHERNETIF_H

#include "lwip/err.h"
#include "lwip/netif.h"

err_t ethernetif_init(struct netif *netif);
void ethernetif_input(struct netif *netif);

#endif /* TC_ETHERNETIF_H */

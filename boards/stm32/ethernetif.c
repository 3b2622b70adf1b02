/*
 * ethernetif.c — PLACEHOLDER Ethernet driver for the STM32F767 example.
 *
 * >>> STUB: the board's Ethernet MAC/PHY driver is out of scope. <<<
 * These weak definitions let the firmware link and show where the real
 * driver plugs in. Replace them (define the same two functions elsewhere)
 * with the driver of your board: ETH DMA descriptors and buffers, the
 * LAN8742A PHY on the NUCLEO-F767ZI (RMII), link detection.
 *
 *   ethernetif_init(netif)   lwIP's netif init callback (netif_add): set the
 *                            MAC address, MTU, flags and netif->linkoutput.
 *   ethernetif_input(netif)  called from the main loop: pass every received
 *                            frame to netif->input (a pbuf per frame).
 *
 * As stubs, init brings the interface up with a fixed locally administered
 * MAC and drops every outgoing frame; input receives nothing.
 */
#include "lwip/etharp.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"

#include "ethernetif.h"

static err_t stub_linkoutput(struct netif *netif, struct pbuf *p)
{
  (void)netif;
  (void)p;
  return ERR_OK; /* STUB: a real driver hands p to the ETH DMA here */
}

__attribute__((weak)) err_t ethernetif_init(struct netif *netif)
{
  static const uint8_t mac[6] = { 0x02, 0x00, 0x00, 0x00, 0x07, 0x67 };
  netif->name[0] = 'e';
  netif->name[1] = 't';
  netif->output = etharp_output;
  netif->linkoutput = stub_linkoutput;
  netif->mtu = 1500;
  netif->hwaddr_len = 6;
  for (int i = 0; i < 6; i++) netif->hwaddr[i] = mac[i];
  netif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET | NETIF_FLAG_LINK_UP;
  return ERR_OK;
}

__attribute__((weak)) void ethernetif_input(struct netif *netif)
{
  (void)netif; /* STUB: a real driver polls its RX descriptors here */
}

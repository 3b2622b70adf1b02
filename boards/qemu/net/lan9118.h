/*
 * lan9118.h — a minimal polled lwIP netif driver for the SMSC LAN9118/LAN9220
 * Ethernet controller as QEMU's mps2-an385/an386 boards emulate it (registers
 * at 0x40200000, IRQ 13 unused). Written from the LAN9118 datasheet's
 * register map: the RX status FIFO tells each frame's length, the frame is
 * read word by word from the RX data FIFO into a pbuf; a frame goes out as
 * TX command A, TX command B and its words into the TX data FIFO.
 *
 *   netif_add(&nif, &ip, &mask, &gw, NULL, lan9118_netif_init, ethernet_input);
 *   for (;;) { lan9118_poll(&nif); sys_check_timeouts(); ... }
 *
 * No interrupts, no DMA; one frame per FIFO entry (no chained TX buffers
 * across calls). lwIP only: call everything from the loop that owns lwIP.
 */
#ifndef TC_QEMU_LAN9118_H
#define TC_QEMU_LAN9118_H

#include <stdint.h>

#include "lwip/err.h"
#include "lwip/netif.h"

#define LAN9118_BASE 0x40200000u

/* netif init callback for netif_add(): resets the chip, checks BYTE_TEST,
 * reads the MAC address QEMU gave it, enables TX and RX. ERR_IF when no
 * LAN9118 answers at LAN9118_BASE. */
err_t lan9118_netif_init(struct netif *nif);

/* Moves every frame waiting in the RX FIFO into lwIP (nif->input). Returns
 * the number of frames handed over; frames lwIP has no pbuf for are dropped
 * (counted in lan9118_rx_dropped). */
int lan9118_poll(struct netif *nif);

/* The chip's 25 MHz free-running counter (FREE_RUN), 32 bits, wraps. */
uint32_t lan9118_free_run(void);

/* Frames dropped by the driver (no pbuf, bad status, too long). */
uint32_t lan9118_rx_dropped(void);

#endif /* TC_QEMU_LAN9118_H */

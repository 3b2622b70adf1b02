/*
 * lan9118.c — polled lwIP netif for the LAN9118 on QEMU's mps2-an386. See
 * lan9118.h. Register offsets and bits are those of the SMSC LAN9118
 * datasheet (system control and status registers, MAC CSRs reached through
 * MAC_CSR_CMD/MAC_CSR_DATA).
 */
#include "lan9118.h"

#include <string.h>

#include "lwip/etharp.h"
#include "lwip/pbuf.h"
#include "netif/ethernet.h"

/* ---- system control and status registers (byte offsets) */
#define R_RX_DATA        0x00u /* RX data FIFO port */
#define R_TX_DATA        0x20u /* TX data FIFO port */
#define R_RX_STATUS      0x40u /* RX status FIFO port (pop) */
#define R_TX_STATUS      0x48u /* TX status FIFO port (pop) */
#define R_ID_REV         0x50u
#define R_INT_EN         0x5Cu
#define R_BYTE_TEST      0x64u
#define R_RX_CFG         0x6Cu
#define R_TX_CFG         0x70u
#define R_HW_CFG         0x74u
#define R_RX_FIFO_INF    0x7Cu
#define R_TX_FIFO_INF    0x80u
#define R_PMT_CTRL       0x84u
#define R_FREE_RUN       0x9Cu
#define R_MAC_CSR_CMD    0xA4u
#define R_MAC_CSR_DATA   0xA8u

#define BYTE_TEST_VALUE  0x87654321u
#define HW_CFG_SRST      (1u << 0)
#define PMT_CTRL_READY   (1u << 0)
#define TX_CFG_TX_ON     (1u << 1)
#define CSR_BUSY         (1u << 31)
#define CSR_READ         (1u << 30)

/* MAC CSR indexes and MAC_CR bits */
#define MAC_CR           1u
#define MAC_ADDRH        2u
#define MAC_ADDRL        3u
#define MAC_CR_TXEN      (1u << 3)
#define MAC_CR_RXEN      (1u << 2)

/* RX status word: frame length (with the 4-byte FCS) in 29:16, error summary 15 */
#define RXS_LEN(s)       (((s) >> 16) & 0x3FFFu)
#define RXS_ES           (1u << 15)
/* RX_FIFO_INF: status entries used 23:16. TX_FIFO_INF: status used 23:16, data free 15:0 */
#define RXF_STATUS_USED(v) (((v) >> 16) & 0xFFu)
#define TXF_STATUS_USED(v) (((v) >> 16) & 0xFFu)
#define TXF_DATA_FREE(v)   ((v) & 0xFFFFu)
/* TX command A: first segment 13, last segment 12, buffer size 10:0.
 * TX command B: packet tag 31:16, packet length 10:0. */
#define TXA_FIRST        (1u << 13)
#define TXA_LAST         (1u << 12)

#define ETH_MAX_FRAME    1514u

static uint32_t g_rx_dropped;

static inline uint32_t rd(uint32_t off)
{
  return *(volatile uint32_t *)(uintptr_t)(LAN9118_BASE + off);
}

static inline void wr(uint32_t off, uint32_t v)
{
  *(volatile uint32_t *)(uintptr_t)(LAN9118_BASE + off) = v;
}

static int csr_wait(void)
{
  for (uint32_t i = 0; i < 100000u; i++)
    if ((rd(R_MAC_CSR_CMD) & CSR_BUSY) == 0) return 0;
  return -1;
}

static uint32_t mac_read(uint32_t idx)
{
  wr(R_MAC_CSR_CMD, CSR_BUSY | CSR_READ | (idx & 0xFFu));
  (void)csr_wait();
  return rd(R_MAC_CSR_DATA);
}

static void mac_write(uint32_t idx, uint32_t v)
{
  wr(R_MAC_CSR_DATA, v);
  wr(R_MAC_CSR_CMD, CSR_BUSY | (idx & 0xFFu));
  (void)csr_wait();
}

uint32_t lan9118_free_run(void)
{
  return rd(R_FREE_RUN);
}

uint32_t lan9118_rx_dropped(void)
{
  return g_rx_dropped;
}

/* One frame from the pbuf chain p, copied word by word into the TX data FIFO. */
static err_t lan9118_output(struct netif *nif, struct pbuf *p)
{
  (void)nif;
  uint32_t len = p->tot_len;
  if (len > ETH_MAX_FRAME) return ERR_BUF;
  /* command words + data rounded up to words must fit the free space */
  for (uint32_t i = 0; TXF_DATA_FREE(rd(R_TX_FIFO_INF)) < len + 8u + 4u; i++)
    if (i > 1000000u) return ERR_IF;
  wr(R_TX_DATA, TXA_FIRST | TXA_LAST | len);
  wr(R_TX_DATA, (len << 16) | len); /* tag = length, for the status word */
  uint32_t word = 0, n = 0;
  for (const struct pbuf *q = p; q != NULL; q = q->next) {
    const uint8_t *b = (const uint8_t *)q->payload;
    for (uint16_t i = 0; i < q->len; i++) {
      word |= (uint32_t)b[i] << (8u * n); /* FIFO words are little-endian */
      if (++n == 4u) {
        wr(R_TX_DATA, word);
        word = 0;
        n = 0;
      }
    }
  }
  if (n != 0) wr(R_TX_DATA, word);
  /* drop TX status entries: we do not look at per-frame results */
  while (TXF_STATUS_USED(rd(R_TX_FIFO_INF)) != 0) (void)rd(R_TX_STATUS);
  return ERR_OK;
}

int lan9118_poll(struct netif *nif)
{
  int frames = 0;
  while (RXF_STATUS_USED(rd(R_RX_FIFO_INF)) != 0) {
    uint32_t st = rd(R_RX_STATUS);
    uint32_t len = RXS_LEN(st); /* includes the FCS */
    uint32_t words = (len + 3u) / 4u;
    struct pbuf *p = NULL;
    if ((st & RXS_ES) == 0 && len > 4u && len - 4u <= ETH_MAX_FRAME)
      p = pbuf_alloc(PBUF_RAW, (u16_t)(len - 4u), PBUF_POOL);
    if (p == NULL) {
      g_rx_dropped++;
      /* read the frame out (RX_DP_CTRL's fast-forward would do it in
       * hardware; QEMU's model of it does not free the FIFO space) */
      for (uint32_t i = 0; i < words; i++) (void)rd(R_RX_DATA);
      continue;
    }
    uint32_t left = len - 4u, w = 0, avail = 0, read = 0;
    for (struct pbuf *q = p; q != NULL; q = q->next) {
      uint8_t *b = (uint8_t *)q->payload;
      for (uint16_t i = 0; i < q->len; i++) {
        if (avail == 0) {
          w = rd(R_RX_DATA);
          read++;
          avail = 4;
        }
        b[i] = (uint8_t)w;
        w >>= 8;
        avail--;
        left--;
      }
    }
    (void)left;
    while (read < words) { /* the FCS (and padding) */
      (void)rd(R_RX_DATA);
      read++;
    }
    if (nif->input(p, nif) != ERR_OK) {
      pbuf_free(p);
      g_rx_dropped++;
    } else {
      frames++;
    }
  }
  return frames;
}

err_t lan9118_netif_init(struct netif *nif)
{
  if (rd(R_BYTE_TEST) != BYTE_TEST_VALUE) return ERR_IF;
  wr(R_HW_CFG, HW_CFG_SRST);
  for (uint32_t i = 0; rd(R_HW_CFG) & HW_CFG_SRST; i++)
    if (i > 1000000u) return ERR_IF;
  for (uint32_t i = 0; (rd(R_PMT_CTRL) & PMT_CTRL_READY) == 0; i++)
    if (i > 1000000u) return ERR_IF;
  wr(R_INT_EN, 0); /* polled */

  uint32_t lo = mac_read(MAC_ADDRL), hi = mac_read(MAC_ADDRH);
  nif->hwaddr[0] = (uint8_t)lo;
  nif->hwaddr[1] = (uint8_t)(lo >> 8);
  nif->hwaddr[2] = (uint8_t)(lo >> 16);
  nif->hwaddr[3] = (uint8_t)(lo >> 24);
  nif->hwaddr[4] = (uint8_t)hi;
  nif->hwaddr[5] = (uint8_t)(hi >> 8);
  nif->hwaddr_len = ETH_HWADDR_LEN;
  nif->mtu = 1500;
  nif->name[0] = 'e';
  nif->name[1] = 'n';
  nif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET | NETIF_FLAG_LINK_UP;
  nif->output = etharp_output;
  nif->linkoutput = lan9118_output;

  wr(R_RX_CFG, 0);          /* no offset, no end padding */
  wr(R_TX_CFG, TX_CFG_TX_ON);
  /* exact unicast + broadcast filtering (clears the reset's promiscuous bit) */
  mac_write(MAC_CR, MAC_CR_TXEN | MAC_CR_RXEN);
  return ERR_OK;
}

/*
 * esp_netif.h — declarations-only stand-in (ESP-IDF API reference, "ESP-NETIF"):
 * initialisation and the IP events the example waits for.
 */
#ifndef TC_IDF_DECL_ESP_NETIF_H
#define TC_IDF_DECL_ESP_NETIF_H

#include "esp_err.h"
#include "esp_event.h"

typedef struct esp_netif_obj esp_netif_t;

ESP_EVENT_DECLARE_BASE(IP_EVENT);

typedef enum {
  IP_EVENT_STA_GOT_IP,
  IP_EVENT_STA_LOST_IP,
  IP_EVENT_AP_STAIPASSIGNED,
  IP_EVENT_GOT_IP6,
  IP_EVENT_ETH_GOT_IP,
  IP_EVENT_ETH_LOST_IP,
  IP_EVENT_PPP_GOT_IP,
  IP_EVENT_PPP_LOST_IP
} ip_event_t;

esp_err_t esp_netif_init(void);

#endif /* TC_IDF_DECL_ESP_NETIF_H */

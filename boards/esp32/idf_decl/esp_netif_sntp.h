/*
 * esp_netif_sntp.h — declarations-only stand-in (ESP-IDF API reference,
 * "System Time", SNTP through esp_netif). ESP-IDF's esp_sntp_config_t has
 * more fields (all set by ESP_NETIF_SNTP_DEFAULT_CONFIG); this stand-in keeps
 * the ones the macro sets for one server, with the same usage.
 */
#ifndef TC_IDF_DECL_ESP_NETIF_SNTP_H
#define TC_IDF_DECL_ESP_NETIF_SNTP_H

#include <stdbool.h>
#include <stddef.h>

#include "esp_err.h"
#include "freertos/FreeRTOS.h"

typedef struct esp_sntp_config {
  bool smooth_sync;
  bool server_from_dhcp;
  bool wait_for_sync;
  bool start;
  size_t num_of_servers;
  const char *servers[1];
} esp_sntp_config_t;

#define ESP_NETIF_SNTP_DEFAULT_CONFIG(server) \
  { .smooth_sync = false, .server_from_dhcp = false, .wait_for_sync = true, .start = true, \
    .num_of_servers = 1, .servers = { server } }

esp_err_t esp_netif_sntp_init(const esp_sntp_config_t *config);
esp_err_t esp_netif_sntp_sync_wait(TickType_t tout);

#endif /* TC_IDF_DECL_ESP_NETIF_SNTP_H */

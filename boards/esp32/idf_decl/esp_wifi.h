/*
 * esp_wifi.h — declarations-only stand-in (ESP-IDF API reference, "Wi-Fi"):
 * station mode only, the calls and types a Wi-Fi join uses. ESP-IDF's
 * WIFI_INIT_CONFIG_DEFAULT() fills many driver fields from sdkconfig; here
 * it is a placeholder initialiser with the same usage.
 */
#ifndef TC_IDF_DECL_ESP_WIFI_H
#define TC_IDF_DECL_ESP_WIFI_H

#include <stdbool.h>
#include <stdint.h>

#include "esp_err.h"
#include "esp_event.h"
#include "esp_netif.h"

typedef enum { WIFI_MODE_NULL = 0, WIFI_MODE_STA, WIFI_MODE_AP, WIFI_MODE_APSTA } wifi_mode_t;
typedef enum { WIFI_IF_STA = 0, WIFI_IF_AP } wifi_interface_t;
typedef enum {
  WIFI_AUTH_OPEN = 0,
  WIFI_AUTH_WEP,
  WIFI_AUTH_WPA_PSK,
  WIFI_AUTH_WPA2_PSK,
  WIFI_AUTH_WPA_WPA2_PSK,
  WIFI_AUTH_ENTERPRISE,
  WIFI_AUTH_WPA3_PSK,
  WIFI_AUTH_WPA2_WPA3_PSK
} wifi_auth_mode_t;

typedef struct {
  wifi_auth_mode_t authmode; /* weakest mode accepted */
  int8_t rssi;
} wifi_scan_threshold_t;

typedef struct {
  uint8_t ssid[32];
  uint8_t password[64];
  wifi_scan_threshold_t threshold;
} wifi_sta_config_t;

typedef struct {
  uint8_t ssid[32];
  uint8_t password[64];
} wifi_ap_config_t;

typedef union {
  wifi_ap_config_t ap;
  wifi_sta_config_t sta;
} wifi_config_t;

typedef struct {
  int magic;
} wifi_init_config_t;
#define WIFI_INIT_CONFIG_MAGIC 0x1F2F3F4F
#define WIFI_INIT_CONFIG_DEFAULT() { .magic = WIFI_INIT_CONFIG_MAGIC }

ESP_EVENT_DECLARE_BASE(WIFI_EVENT);

typedef enum {
  WIFI_EVENT_WIFI_READY = 0,
  WIFI_EVENT_SCAN_DONE,
  WIFI_EVENT_STA_START,
  WIFI_EVENT_STA_STOP,
  WIFI_EVENT_STA_CONNECTED,
  WIFI_EVENT_STA_DISCONNECTED
} wifi_event_t;

esp_err_t esp_wifi_init(const wifi_init_config_t *config);
esp_err_t esp_wifi_set_mode(wifi_mode_t mode);
esp_err_t esp_wifi_set_config(wifi_interface_t interface, wifi_config_t *conf);
esp_err_t esp_wifi_start(void);
esp_err_t esp_wifi_connect(void);
/* esp_wifi_default.h (included by esp_wifi.h in ESP-IDF) */
esp_netif_t *esp_netif_create_default_wifi_sta(void);

#endif /* TC_IDF_DECL_ESP_WIFI_H */

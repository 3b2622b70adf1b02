/*
 * nvs_flash.h — declarations-only stand-in (ESP-IDF API reference,
 * "Non-Volatile Storage Library"): initialising the default NVS partition.
 */
#ifndef TC_IDF_DECL_NVS_FLASH_H
#define TC_IDF_DECL_NVS_FLASH_H

#include "esp_err.h"
#include "nvs.h"

#ifndef ESP_ERR_NVS_NEW_VERSION_FOUND
#define ESP_ERR_NVS_NEW_VERSION_FOUND (ESP_ERR_NVS_BASE + 0x10)
#endif

esp_err_t nvs_flash_init(void);
esp_err_t nvs_flash_erase(void);

#endif /* TC_IDF_DECL_NVS_FLASH_H */

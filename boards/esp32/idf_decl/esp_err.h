/*
 * esp_err.h — declarations-only stand-in for ESP-IDF's esp_err.h, written for
 * trigchat from the public ESP-IDF API reference ("Error Codes Reference").
 * Only what port/kv/kv_nvs.c uses. On a real ESP-IDF build the SDK's own
 * header is found first and this directory is not on the include path.
 */
#ifndef TC_IDF_DECL_ESP_ERR_H
#define TC_IDF_DECL_ESP_ERR_H

#include <stdint.h>

typedef int esp_err_t;

#define ESP_OK 0
#define ESP_FAIL -1
#define ESP_ERR_NO_MEM 0x101
#define ESP_ERR_INVALID_ARG 0x102
#define ESP_ERR_INVALID_STATE 0x103
#define ESP_ERR_INVALID_SIZE 0x104
#define ESP_ERR_NOT_FOUND 0x105

#endif /* TC_IDF_DECL_ESP_ERR_H */

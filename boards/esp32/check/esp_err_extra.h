/*
 * esp_err_extra.h — for the compile check only (force-included): the parts
 * of ESP-IDF's esp_err.h that idf_decl/esp_err.h (written for kv_nvs.c) does
 * not declare: ESP_ERROR_CHECK and esp_err_to_name (ESP-IDF API reference,
 * "Error Handling"). ESP-IDF's macro also prints the file and line.
 */
#ifndef TC_CHECK_ESP_ERR_EXTRA_H
#define TC_CHECK_ESP_ERR_EXTRA_H

#include "esp_err.h"

const char *esp_err_to_name(esp_err_t code);
void _esp_error_check_failed(esp_err_t rc, const char *file, int line, const char *function,
                             const char *expression) __attribute__((noreturn));
#ifndef ESP_ERROR_CHECK
#define ESP_ERROR_CHECK(x) do { \
    esp_err_t err_rc_ = (x); \
    if (err_rc_ != ESP_OK) _esp_error_check_failed(err_rc_, __FILE__, __LINE__, __func__, #x); \
  } while (0)
#endif

#endif /* TC_CHECK_ESP_ERR_EXTRA_H */

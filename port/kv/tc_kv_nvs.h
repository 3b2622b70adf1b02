/*
 * tc_kv_nvs.h — a tc_kv on ESP-IDF's NVS (one namespace, values as blobs).
 *
 * NVS is itself power-loss safe and wear levelled; this adapter maps the
 * calls and errors: a set is nvs_set_blob + nvs_commit; an erase is
 * nvs_erase_key + nvs_commit (absent is fine); a value of another NVS type
 * under the key reads as absent. Errors: ESP_ERR_NVS_NOT_ENOUGH_SPACE ->
 * TC_ERR_KV_FULL, ESP_ERR_NVS_VALUE_TOO_LONG / INVALID_LENGTH ->
 * TC_ERR_KV_TOO_BIG, anything else -> TC_ERR_KV_IO. Values are limited by NVS
 * (about 97.6% of the partition minus 4000 bytes, at most 508000).
 *
 * Builds only against ESP-IDF (or boards/esp32/idf_decl plus a fake in tests).
 * The caller initialises the NVS partition (nvs_flash_init) first.
 */
#ifndef TC_KV_NVS_H
#define TC_KV_NVS_H

#include <stdbool.h>
#include <stdint.h>

#include "tc_kv.h"

typedef struct tc_kv_nvs {
  uint32_t handle; /* nvs_handle_t */
  bool open;
} tc_kv_nvs_t;

/* Opens namespace ns (1 to 15 characters) read-write. TC_ERR_KV_KEY for a bad
 * name, TC_ERR_KV_IO if NVS refuses. */
tc_err_t tc_kv_nvs_open(tc_kv_nvs_t *n, const char *ns);

/* Closes the handle; safe to call twice. */
void tc_kv_nvs_close(tc_kv_nvs_t *n);

tc_kv_t tc_kv_nvs_kv(tc_kv_nvs_t *n);

#endif /* TC_KV_NVS_H */

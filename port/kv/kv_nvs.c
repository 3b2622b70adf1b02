/* kv_nvs.c — tc_kv over ESP-IDF NVS blobs. See tc_kv_nvs.h. */
#include "tc_kv_nvs.h"

#include <stddef.h>

#include "nvs.h"

_Static_assert(sizeof(nvs_handle_t) == sizeof(uint32_t), "nvs_handle_t is 32 bits");

static tc_err_t map_err(esp_err_t e)
{
  switch (e) {
  case ESP_OK: return TC_OK;
  case ESP_ERR_NVS_NOT_FOUND:
  case ESP_ERR_NVS_TYPE_MISMATCH: return TC_ERR_KV_NOT_FOUND;
  case ESP_ERR_NVS_NOT_ENOUGH_SPACE: return TC_ERR_KV_FULL;
  case ESP_ERR_NVS_VALUE_TOO_LONG:
  case ESP_ERR_NVS_INVALID_LENGTH: return TC_ERR_KV_TOO_BIG;
  case ESP_ERR_NVS_INVALID_NAME:
  case ESP_ERR_NVS_KEY_TOO_LONG: return TC_ERR_KV_KEY;
  default: return TC_ERR_KV_IO;
  }
}

static tc_err_t nvs_kv_get(void *ctx, const char *key, void *buf, size_t cap, size_t *len)
{
  tc_kv_nvs_t *n = ctx;
  size_t need = 0, got;
  tc_err_t err;
  if (tc_kv_check_key(key) != TC_OK) return TC_ERR_KV_KEY;
  if (!n->open) return TC_ERR_STATE;
  /* Ask the size first: the caller learns it even when buf is too small. */
  err = map_err(nvs_get_blob((nvs_handle_t)n->handle, key, NULL, &need));
  if (err != TC_OK) return err;
  if (len != NULL) *len = need;
  if (cap < need) return TC_ERR_KV_TOO_BIG;
  if (need == 0) return TC_OK;
  got = cap;
  err = map_err(nvs_get_blob((nvs_handle_t)n->handle, key, buf, &got));
  if (err == TC_OK && len != NULL) *len = got;
  return err;
}

static tc_err_t nvs_kv_set(void *ctx, const char *key, const void *val, size_t len)
{
  tc_kv_nvs_t *n = ctx;
  tc_err_t err;
  if (tc_kv_check_key(key) != TC_OK) return TC_ERR_KV_KEY;
  if (val == NULL && len > 0) return TC_ERR_ARG;
  if (!n->open) return TC_ERR_STATE;
  err = map_err(nvs_set_blob((nvs_handle_t)n->handle, key, len > 0 ? val : "", len));
  if (err == TC_ERR_KV_NOT_FOUND) err = TC_ERR_KV_IO;
  if (err != TC_OK) return err;
  return nvs_commit((nvs_handle_t)n->handle) == ESP_OK ? TC_OK : TC_ERR_KV_IO;
}

static tc_err_t nvs_kv_erase(void *ctx, const char *key)
{
  tc_kv_nvs_t *n = ctx;
  esp_err_t e;
  if (tc_kv_check_key(key) != TC_OK) return TC_ERR_KV_KEY;
  if (!n->open) return TC_ERR_STATE;
  e = nvs_erase_key((nvs_handle_t)n->handle, key);
  if (e == ESP_ERR_NVS_NOT_FOUND) return TC_OK;
  if (e != ESP_OK) return TC_ERR_KV_IO;
  return nvs_commit((nvs_handle_t)n->handle) == ESP_OK ? TC_OK : TC_ERR_KV_IO;
}

static const tc_kv_ops_t nvs_kv_ops = { nvs_kv_get, nvs_kv_set, nvs_kv_erase };

tc_err_t tc_kv_nvs_open(tc_kv_nvs_t *n, const char *ns)
{
  nvs_handle_t h = 0;
  if (n == NULL) return TC_ERR_ARG;
  n->open = false;
  if (tc_kv_check_key(ns) != TC_OK) return TC_ERR_KV_KEY;
  if (nvs_open(ns, NVS_READWRITE, &h) != ESP_OK) return TC_ERR_KV_IO;
  n->handle = h;
  n->open = true;
  return TC_OK;
}

void tc_kv_nvs_close(tc_kv_nvs_t *n)
{
  if (n->open) nvs_close((nvs_handle_t)n->handle);
  n->open = false;
}

tc_kv_t tc_kv_nvs_kv(tc_kv_nvs_t *n)
{
  tc_kv_t k = { &nvs_kv_ops, n };
  return k;
}

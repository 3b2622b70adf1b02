/*
 * tc_kv.h — the key-value store trigchat persists its session record in.
 *
 * Keys: 1 to TC_KV_KEY_MAX (15) printable ASCII characters, no spaces (so
 * ESP-IDF NVS can hold them); anything else is TC_ERR_KV_KEY. Values: opaque
 * bytes, at most what the backend documents. A set either fully replaces the
 * old value or (power lost, error returned) leaves the old one: never a mix.
 * Backends live in port/kv/ (ram, file, flash, nvs).
 */
#ifndef TC_KV_H
#define TC_KV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tc_err.h"

#define TC_KV_KEY_MAX 15

typedef struct tc_kv_ops {
  /* Copies the value of key into buf (cap bytes), *len = its length.
   * TC_ERR_KV_NOT_FOUND if absent; TC_ERR_KV_TOO_BIG if cap is too small
   * (*len still set to the needed size). */
  tc_err_t (*get)(void *ctx, const char *key, void *buf, size_t cap, size_t *len);
  /* Stores len bytes under key, atomically. TC_ERR_KV_FULL, TC_ERR_KV_TOO_BIG,
   * TC_ERR_KV_IO on failure (the old value is kept). */
  tc_err_t (*set)(void *ctx, const char *key, const void *val, size_t len);
  /* Removes key; TC_OK also when it was absent. */
  tc_err_t (*erase)(void *ctx, const char *key);
} tc_kv_ops_t;

typedef struct tc_kv {
  const tc_kv_ops_t *ops;
  void *ctx;
} tc_kv_t;

/* TC_OK when key is a valid key, else TC_ERR_KV_KEY. */
tc_err_t tc_kv_check_key(const char *key);

#endif /* TC_KV_H */

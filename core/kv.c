/* kv.c — the key rule shared by every tc_kv backend. */
#include "tc_kv.h"

tc_err_t tc_kv_check_key(const char *key)
{
  size_t n = 0;
  if (key == NULL) return TC_ERR_KV_KEY;
  for (; key[n] != '\0'; n++) {
    if (n >= TC_KV_KEY_MAX) return TC_ERR_KV_KEY;
    if (key[n] <= ' ' || key[n] > '~') return TC_ERR_KV_KEY;
  }
  return n == 0 ? TC_ERR_KV_KEY : TC_OK;
}

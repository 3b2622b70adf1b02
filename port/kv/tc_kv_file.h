/*
 * tc_kv_file.h — a tc_kv on a host file system: one file per key in a
 * directory. A set writes a temporary file, fsyncs it, renames it over the
 * key's file and fsyncs the directory, so a crash leaves the old or the new
 * value. Each file holds a magic, the value length and a CRC-32 of key and
 * value; a damaged or foreign file reads as absent. Key file names are
 * "k-" plus the key in hex, so no key can reach outside the directory.
 *
 * Limits: a value is at most TC_KV_FILE_VALUE_MAX bytes (TC_ERR_KV_TOO_BIG);
 * with quota > 0, a set that would make the key files total more than quota
 * bytes returns TC_ERR_KV_FULL, as does a full disk (the old value is kept).
 */
#ifndef TC_KV_FILE_H
#define TC_KV_FILE_H

#include <stddef.h>

#include "tc_kv.h"

#ifndef TC_KV_FILE_VALUE_MAX
#define TC_KV_FILE_VALUE_MAX 65536
#endif
#define TC_KV_FILE_DIR_MAX 256

typedef struct tc_kv_file {
  char dir[TC_KV_FILE_DIR_MAX];
  size_t quota;
} tc_kv_file_t;

/* Uses directory dir (created, mode 0700, if missing). TC_ERR_ARG if dir is
 * empty or too long, TC_ERR_KV_IO if it cannot be created or is no directory. */
tc_err_t tc_kv_file_init(tc_kv_file_t *f, const char *dir, size_t quota);

tc_kv_t tc_kv_file_kv(tc_kv_file_t *f);

#endif /* TC_KV_FILE_H */

/*
 * test_kv_nvs.c — kv_nvs (the ESP-IDF NVS adapter) on the host, against a
 * small fake of the NVS API declared in boards/esp32/idf_decl/nvs.h, running
 * the same tc_kv contract as every other backend.
 *
 * The fake keeps a staged and a committed copy: set and erase change the
 * staged one, nvs_commit publishes it, and a "reboot" throws away whatever
 * was not committed and closes every handle, so the persistence tests prove
 * that the adapter commits. It enforces NVS's documented limits: keys of 1 to
 * 15 characters, a total capacity (ESP_ERR_NVS_NOT_ENOUGH_SPACE), a largest
 * blob (ESP_ERR_NVS_VALUE_TOO_LONG), typed entries (ESP_ERR_NVS_TYPE_MISMATCH).
 *
 * tc-test: host-only (needs -Iboards/esp32/idf_decl; see port/kv/kv.mk)
 */
#include <stdio.h>
#include <string.h>

#include "kv/kv_nvs.c" /* compiled here: kv_nvs.c is not in the host port library */
#include "kv/tc_kv_nvs.h"
#include "nvs.h"
#include "tc_test.h"
#include "test_kv_contract.h"

/* ---------------------------------------------------------------- the fake */
enum { FAKE_ENTRIES = 64, FAKE_CAP = 12000, FAKE_VALUE_MAX = 4000, TYPE_BLOB = 1, TYPE_U8 = 2 };

typedef struct fake_entry {
  char ns[16], key[16];
  int type;
  size_t len;
  uint8_t data[FAKE_VALUE_MAX];
} fake_entry_t;

typedef struct fake_nvs {
  fake_entry_t e[FAKE_ENTRIES];
  int used[FAKE_ENTRIES];
} fake_nvs_t;

static fake_nvs_t staged, committed_nvs;
static char handle_ns[8][16];
static int handle_open[8];
static unsigned commits, fake_fail_commit;

static void fake_reboot(void)
{
  memcpy(&staged, &committed_nvs, sizeof staged);
  memset(handle_open, 0, sizeof handle_open);
}

static void fake_format(void)
{
  memset(&committed_nvs, 0, sizeof committed_nvs);
  fake_reboot();
}

static int valid_name(const char *s)
{
  return s != NULL && s[0] != '\0' && strlen(s) < NVS_KEY_NAME_MAX_SIZE;
}

static int find_entry(const char *ns, const char *key)
{
  int i;
  for (i = 0; i < FAKE_ENTRIES; i++)
    if (staged.used[i] && strcmp(staged.e[i].ns, ns) == 0 && strcmp(staged.e[i].key, key) == 0) return i;
  return -1;
}

static size_t used_bytes(int except)
{
  size_t sum = 0;
  int i;
  for (i = 0; i < FAKE_ENTRIES; i++)
    if (staged.used[i] && i != except) sum += 32 + staged.e[i].len;
  return sum;
}

static esp_err_t check_handle(nvs_handle_t h)
{
  return h >= 1 && h <= 8 && handle_open[h - 1] ? ESP_OK : ESP_ERR_NVS_INVALID_HANDLE;
}

esp_err_t nvs_open(const char *namespace_name, nvs_open_mode_t open_mode, nvs_handle_t *out_handle)
{
  int i;
  if (!valid_name(namespace_name)) return ESP_ERR_NVS_INVALID_NAME;
  if (open_mode != NVS_READWRITE) return ESP_ERR_NVS_READ_ONLY;
  for (i = 0; i < 8; i++) {
    if (!handle_open[i]) {
      handle_open[i] = 1;
      strcpy(handle_ns[i], namespace_name);
      *out_handle = (nvs_handle_t)(i + 1);
      return ESP_OK;
    }
  }
  return ESP_ERR_NO_MEM;
}

void nvs_close(nvs_handle_t handle)
{
  if (check_handle(handle) == ESP_OK) handle_open[handle - 1] = 0;
}

esp_err_t nvs_set_blob(nvs_handle_t handle, const char *key, const void *value, size_t length)
{
  int i;
  if (check_handle(handle) != ESP_OK) return ESP_ERR_NVS_INVALID_HANDLE;
  if (key == NULL || key[0] == '\0') return ESP_ERR_NVS_INVALID_NAME;
  if (strlen(key) >= NVS_KEY_NAME_MAX_SIZE) return ESP_ERR_NVS_KEY_TOO_LONG;
  if (value == NULL) return ESP_ERR_INVALID_ARG;
  if (length > FAKE_VALUE_MAX) return ESP_ERR_NVS_VALUE_TOO_LONG;
  i = find_entry(handle_ns[handle - 1], key);
  if (i >= 0 && staged.e[i].type != TYPE_BLOB) return ESP_ERR_NVS_TYPE_MISMATCH;
  if (used_bytes(i) + 32 + length > FAKE_CAP) return ESP_ERR_NVS_NOT_ENOUGH_SPACE;
  if (i < 0) {
    for (i = 0; i < FAKE_ENTRIES && staged.used[i]; i++) {
    }
    if (i == FAKE_ENTRIES) return ESP_ERR_NVS_NOT_ENOUGH_SPACE;
  }
  staged.used[i] = 1;
  strcpy(staged.e[i].ns, handle_ns[handle - 1]);
  strcpy(staged.e[i].key, key);
  staged.e[i].type = TYPE_BLOB;
  staged.e[i].len = length;
  memcpy(staged.e[i].data, value, length);
  return ESP_OK;
}

esp_err_t nvs_get_blob(nvs_handle_t handle, const char *key, void *out_value, size_t *length)
{
  int i;
  if (check_handle(handle) != ESP_OK) return ESP_ERR_NVS_INVALID_HANDLE;
  if (key == NULL || key[0] == '\0') return ESP_ERR_NVS_INVALID_NAME;
  if (strlen(key) >= NVS_KEY_NAME_MAX_SIZE) return ESP_ERR_NVS_KEY_TOO_LONG;
  if (length == NULL) return ESP_ERR_INVALID_ARG;
  i = find_entry(handle_ns[handle - 1], key);
  if (i < 0) return ESP_ERR_NVS_NOT_FOUND;
  if (staged.e[i].type != TYPE_BLOB) return ESP_ERR_NVS_TYPE_MISMATCH;
  if (out_value == NULL) {
    *length = staged.e[i].len;
    return ESP_OK;
  }
  if (*length < staged.e[i].len) return ESP_ERR_NVS_INVALID_LENGTH;
  memcpy(out_value, staged.e[i].data, staged.e[i].len);
  *length = staged.e[i].len;
  return ESP_OK;
}

esp_err_t nvs_erase_key(nvs_handle_t handle, const char *key)
{
  int i;
  if (check_handle(handle) != ESP_OK) return ESP_ERR_NVS_INVALID_HANDLE;
  if (key == NULL || key[0] == '\0') return ESP_ERR_NVS_INVALID_NAME;
  i = find_entry(handle_ns[handle - 1], key);
  if (i < 0) return ESP_ERR_NVS_NOT_FOUND;
  staged.used[i] = 0;
  return ESP_OK;
}

esp_err_t nvs_commit(nvs_handle_t handle)
{
  if (check_handle(handle) != ESP_OK) return ESP_ERR_NVS_INVALID_HANDLE;
  if (fake_fail_commit) return ESP_FAIL;
  memcpy(&committed_nvs, &staged, sizeof staged);
  commits++;
  return ESP_OK;
}

/* ---------------------------------------------------------------- backend */
static tc_kv_nvs_t nvs_kv;

static tc_kv_t nvs_reopen(void)
{
  fake_reboot();
  CHECK_EQ_INT(tc_kv_nvs_open(&nvs_kv, "trigchat"), TC_OK);
  return tc_kv_nvs_kv(&nvs_kv);
}

static tc_kv_t nvs_fresh(void)
{
  fake_format();
  return nvs_reopen();
}

/* ---------------------------------------------------------------- adapter-specific tests */
static void test_nvs_set_and_erase_commit(void)
{
  tc_kv_t kv = nvs_fresh();
  unsigned before = commits;
  size_t len;
  CHECK_EQ_INT(kv.ops->set(kv.ctx, "a", "1", 1), TC_OK);
  CHECK_EQ_INT(commits, before + 1);
  CHECK_EQ_INT(kv.ops->erase(kv.ctx, "a"), TC_OK);
  CHECK_EQ_INT(commits, before + 2);
  /* erasing an absent key is not an error and needs no commit */
  CHECK_EQ_INT(kv.ops->erase(kv.ctx, "a"), TC_OK);
  CHECK_EQ_INT(commits, before + 2);
  kv = nvs_reopen();
  CHECK_EQ_INT(kvc_get(kv, "a", &len), TC_ERR_KV_NOT_FOUND);
}

static void test_nvs_failed_commit_is_an_io_error(void)
{
  tc_kv_t kv = nvs_fresh();
  size_t len;
  CHECK_EQ_INT(kv.ops->set(kv.ctx, "a", "old", 3), TC_OK);
  fake_fail_commit = 1;
  CHECK_EQ_INT(kv.ops->set(kv.ctx, "a", "new", 3), TC_ERR_KV_IO);
  fake_fail_commit = 0;
  kv = nvs_reopen();
  CHECK_EQ_INT(kvc_get(kv, "a", &len), TC_OK);
  CHECK_EQ_MEM(kvc_gotp, len, "old");
}

static void test_nvs_other_type_reads_as_absent(void)
{
  tc_kv_t kv = nvs_fresh();
  size_t len;
  int i = 0;
  /* an integer stored by other firmware under our key */
  staged.used[i] = 1;
  strcpy(staged.e[i].ns, "trigchat");
  strcpy(staged.e[i].key, "session");
  staged.e[i].type = TYPE_U8;
  staged.e[i].len = 1;
  CHECK_EQ_INT(kvc_get(kv, "session", &len), TC_ERR_KV_NOT_FOUND);
  CHECK_EQ_INT(kv.ops->set(kv.ctx, "session", "x", 1), TC_ERR_KV_IO);
}

static void test_nvs_errors_map(void)
{
  tc_kv_nvs_t closed = { 0, false };
  tc_kv_t kv = tc_kv_nvs_kv(&closed);
  size_t len;
  CHECK_EQ_INT(kvc_get(kv, "a", &len), TC_ERR_STATE);
  CHECK_EQ_INT(kv.ops->set(kv.ctx, "a", "1", 1), TC_ERR_STATE);
  CHECK_EQ_INT(kv.ops->erase(kv.ctx, "a"), TC_ERR_STATE);
  CHECK_EQ_INT(tc_kv_nvs_open(&closed, "this-name-is-too-long"), TC_ERR_KV_KEY);
  CHECK_EQ_INT(tc_kv_nvs_open(&closed, ""), TC_ERR_KV_KEY);
  /* a handle NVS has closed under us (e.g. after nvs_flash_deinit) */
  kv = nvs_fresh();
  fake_reboot();
  CHECK_EQ_INT(kv.ops->set(kv.ctx, "a", "1", 1), TC_ERR_KV_IO);
  CHECK_EQ_INT(kvc_get(kv, "a", &len), TC_ERR_KV_IO);
  CHECK_EQ_INT(kv.ops->erase(kv.ctx, "a"), TC_ERR_KV_IO);
  tc_kv_nvs_close(&nvs_kv);
  tc_kv_nvs_close(&nvs_kv);
  CHECK_EQ_INT(map_err(ESP_ERR_NVS_NOT_ENOUGH_SPACE), TC_ERR_KV_FULL);
  CHECK_EQ_INT(map_err(ESP_ERR_NVS_VALUE_TOO_LONG), TC_ERR_KV_TOO_BIG);
  CHECK_EQ_INT(map_err(ESP_ERR_NVS_KEY_TOO_LONG), TC_ERR_KV_KEY);
  CHECK_EQ_INT(map_err(ESP_FAIL), TC_ERR_KV_IO);
}

int main(void)
{
  kvc_backend_t b = { "nvs-fake", FAKE_VALUE_MAX, nvs_fresh, nvs_reopen, NULL };
  kvc_run_all(&b);
  RUN(test_nvs_set_and_erase_commit);
  RUN(test_nvs_failed_commit_is_an_io_error);
  RUN(test_nvs_other_type_reads_as_absent);
  RUN(test_nvs_errors_map);
  return tc_test_finish("kv_nvs");
}

/*
 * test_kv_contract.h — the tc_kv contract, run against every backend
 * (included by tests/test_kv.c and tests/test_kv_nvs.c).
 *
 * A backend gives a fresh empty store (open), optionally the same storage
 * remounted (reopen: persistence) and a way to flip one bit of what it stored
 * (flip: corruption). kvc_run_all() runs every contract test on it.
 */
#ifndef TEST_KV_CONTRACT_H
#define TEST_KV_CONTRACT_H

#include <stdio.h>
#include <string.h>

#include "tc_kv.h"
#include "tc_test.h"

typedef struct kvc_backend {
  const char *name;
  size_t value_max;
  tc_kv_t (*open)(void);
  tc_kv_t (*reopen)(void);        /* NULL: not persistent */
  void (*flip)(uint32_t seed);    /* NULL: nothing to corrupt */
} kvc_backend_t;

static const kvc_backend_t *kvc_b;
static uint8_t kvc_val[70000], kvc_got[70000];
static uint8_t *const kvc_gotp = kvc_got;

static uint32_t kvc_rand(uint32_t *s)
{
  *s = *s * 1664525u + 1013904223u;
  return *s >> 8;
}

/* Deterministic content for (key index, version), n bytes. */
static const uint8_t *kvc_fill(unsigned key, unsigned version, size_t n)
{
  uint32_t s = key * 7919u + version * 104729u + 1u;
  size_t i;
  for (i = 0; i < n; i++) kvc_val[i] = (uint8_t)kvc_rand(&s);
  return kvc_val;
}

static tc_err_t kvc_get(tc_kv_t kv, const char *key, size_t *len)
{
  *len = 0;
  return kv.ops->get(kv.ctx, key, kvc_got, sizeof kvc_got, len);
}

/* Checks that key reads exactly n bytes of content (k, ver). */
#define KVC_CHECK_VALUE(kv, key, k, ver, n) \
  do { size_t l_; const uint8_t *want_ = kvc_fill((k), (ver), (n)); \
       CHECK_EQ_INT(kvc_get((kv), (key), &l_), TC_OK); CHECK_EQ_INT(l_, (n)); \
       CHECK(l_ == (n) && memcmp(kvc_got, want_, (n)) == 0); } while (0)

static void kvc_basic_get_set_erase(void)
{
  tc_kv_t kv = kvc_b->open();
  size_t len = 99;
  CHECK_EQ_INT(kvc_get(kv, "missing", &len), TC_ERR_KV_NOT_FOUND);
  CHECK_EQ_INT(kv.ops->set(kv.ctx, "a", "1", 1), TC_OK);
  CHECK_EQ_INT(kv.ops->set(kv.ctx, "b", "two", 3), TC_OK);
  CHECK_EQ_INT(kvc_get(kv, "a", &len), TC_OK);
  CHECK_EQ_MEM((const uint8_t *)kvc_gotp, len, "1");
  CHECK_EQ_INT(kvc_get(kv, "b", &len), TC_OK);
  CHECK_EQ_MEM((const uint8_t *)kvc_gotp, len, "two");
  CHECK_EQ_INT(kv.ops->erase(kv.ctx, "a"), TC_OK);
  CHECK_EQ_INT(kvc_get(kv, "a", &len), TC_ERR_KV_NOT_FOUND);
  CHECK_EQ_INT(kv.ops->erase(kv.ctx, "a"), TC_OK);
  CHECK_EQ_INT(kv.ops->erase(kv.ctx, "never"), TC_OK);
  CHECK_EQ_INT(kvc_get(kv, "b", &len), TC_OK);
  CHECK_EQ_MEM((const uint8_t *)kvc_gotp, len, "two");
  CHECK_EQ_INT(kv.ops->set(kv.ctx, "a", "back", 4), TC_OK);
  CHECK_EQ_INT(kvc_get(kv, "a", &len), TC_OK);
  CHECK_EQ_MEM((const uint8_t *)kvc_gotp, len, "back");
}

static void kvc_overwrite_keeps_last(void)
{
  static const size_t lens[] = { 10, 3, 100, 0, 1, 57 };
  tc_kv_t kv = kvc_b->open();
  unsigned v;
  for (v = 0; v < sizeof lens / sizeof lens[0]; v++) {
    size_t n = lens[v] < kvc_b->value_max ? lens[v] : kvc_b->value_max;
    CHECK_EQ_INT(kv.ops->set(kv.ctx, "session", kvc_fill(1, v, n), n), TC_OK);
    KVC_CHECK_VALUE(kv, "session", 1, v, n);
  }
}

static void kvc_key_rules(void)
{
  static const char *bad[] = { "", "sixteen-chars-xx", "a b", "tab\there", "del\x7f", "\xc3\xa9t\xc3\xa9",
                               "nl\n" };
  tc_kv_t kv = kvc_b->open();
  size_t len, i;
  CHECK_EQ_INT(kv.ops->set(kv.ctx, "fifteen-chars-x", "v", 1), TC_OK);
  CHECK_EQ_INT(kvc_get(kv, "fifteen-chars-x", &len), TC_OK);
  CHECK_EQ_MEM((const uint8_t *)kvc_gotp, len, "v");
  CHECK_EQ_INT(kv.ops->set(kv.ctx, "~!#$%&'()*+,-./", "p", 1), TC_OK);
  CHECK_EQ_INT(kvc_get(kv, "~!#$%&'()*+,-./", &len), TC_OK);
  CHECK_EQ_MEM((const uint8_t *)kvc_gotp, len, "p");
  for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    CHECK_EQ_INT(kv.ops->set(kv.ctx, bad[i], "x", 1), TC_ERR_KV_KEY);
    CHECK_EQ_INT(kvc_get(kv, bad[i], &len), TC_ERR_KV_KEY);
    CHECK_EQ_INT(kv.ops->erase(kv.ctx, bad[i]), TC_ERR_KV_KEY);
  }
  CHECK_EQ_INT(kv.ops->set(kv.ctx, NULL, "x", 1), TC_ERR_KV_KEY);
  CHECK_EQ_INT(kv.ops->get(kv.ctx, NULL, kvc_got, sizeof kvc_got, &len), TC_ERR_KV_KEY);
  CHECK_EQ_INT(kv.ops->erase(kv.ctx, NULL), TC_ERR_KV_KEY);
  /* A 16-character key is not truncated into its 15-character prefix. */
  CHECK_EQ_INT(kv.ops->set(kv.ctx, "fifteen-chars-xy", "w", 1), TC_ERR_KV_KEY);
  CHECK_EQ_INT(kvc_get(kv, "fifteen-chars-x", &len), TC_OK);
  CHECK_EQ_MEM((const uint8_t *)kvc_gotp, len, "v");
}

static void kvc_value_sizes(void)
{
  tc_kv_t kv = kvc_b->open();
  size_t max = kvc_b->value_max, len = 0;
  uint8_t small[4];
  CHECK_EQ_INT(kv.ops->set(kv.ctx, "empty", "", 0), TC_OK);
  CHECK_EQ_INT(kv.ops->get(kv.ctx, "empty", small, 0, &len), TC_OK);
  CHECK_EQ_INT(len, 0);
  CHECK_EQ_INT(kv.ops->set(kv.ctx, "four", "abcd", 4), TC_OK);
  CHECK_EQ_INT(kv.ops->get(kv.ctx, "four", small, 4, &len), TC_OK);
  CHECK(len == 4 && memcmp(small, "abcd", 4) == 0);
  CHECK_EQ_INT(kv.ops->get(kv.ctx, "four", small, 3, &len), TC_ERR_KV_TOO_BIG);
  CHECK_EQ_INT(len, 4);
  CHECK_EQ_INT(kv.ops->erase(kv.ctx, "four"), TC_OK);
  CHECK_EQ_INT(kv.ops->set(kv.ctx, "max", kvc_fill(2, 0, max), max), TC_OK);
  KVC_CHECK_VALUE(kv, "max", 2, 0, max);
  CHECK_EQ_INT(kv.ops->set(kv.ctx, "max", kvc_fill(2, 1, max + 1), max + 1), TC_ERR_KV_TOO_BIG);
  KVC_CHECK_VALUE(kv, "max", 2, 0, max);
  len = 0;
  CHECK_EQ_INT(kv.ops->get(kv.ctx, "max", small, sizeof small, &len), TC_ERR_KV_TOO_BIG);
  CHECK_EQ_INT(len, max);
  CHECK_EQ_INT(kv.ops->get(kv.ctx, "max", kvc_got, max, &len), TC_OK);
  CHECK_EQ_INT(len, max);
  if (kvc_b->reopen != NULL) {
    kv = kvc_b->reopen();
    KVC_CHECK_VALUE(kv, "max", 2, 0, max);
  }
}

/* Fills the store with distinct keys until TC_ERR_KV_FULL; every value
 * written before stays readable, erasing makes room again. */
static void kvc_full_store(void)
{
  tc_kv_t kv = kvc_b->open();
  size_t n = kvc_b->value_max / 8 + 1;
  unsigned i, stored = 0;
  char key[16];
  tc_err_t err = TC_OK;
  for (i = 0; i < 4000 && err == TC_OK; i++) {
    snprintf(key, sizeof key, "fill%u", i);
    err = kv.ops->set(kv.ctx, key, kvc_fill(i, 0, n), n);
    if (err == TC_OK) stored++;
  }
  CHECK_EQ_INT(err, TC_ERR_KV_FULL);
  CHECK(stored >= 4);
  /* Overwriting a key of a full store: tc_kv.h allows either outcome (a
   * store with a slot per key has room for it, a log has none), but a
   * failure keeps the old value and a success stores the new one. */
  err = kv.ops->set(kv.ctx, "fill0", kvc_fill(0, 1, kvc_b->value_max), kvc_b->value_max);
  CHECK(err == TC_ERR_KV_FULL || err == TC_OK);
  if (err == TC_OK) KVC_CHECK_VALUE(kv, "fill0", 0, 1, kvc_b->value_max);
  for (i = err == TC_OK; i < stored; i++) {
    snprintf(key, sizeof key, "fill%u", i);
    KVC_CHECK_VALUE(kv, key, i, 0, n);
  }
  if (kvc_b->reopen != NULL) {
    kv = kvc_b->reopen();
    if (err == TC_OK) KVC_CHECK_VALUE(kv, "fill0", 0, 1, kvc_b->value_max);
    for (i = err == TC_OK; i < stored; i++) {
      snprintf(key, sizeof key, "fill%u", i);
      KVC_CHECK_VALUE(kv, key, i, 0, n);
    }
  }
  /* Erasing two keys makes room for one more of the same size. */
  CHECK_EQ_INT(kv.ops->erase(kv.ctx, "fill0"), TC_OK);
  CHECK_EQ_INT(kv.ops->erase(kv.ctx, "fill1"), TC_OK);
  CHECK_EQ_INT(kv.ops->set(kv.ctx, "again", kvc_fill(9999, 0, n), n), TC_OK);
  KVC_CHECK_VALUE(kv, "again", 9999, 0, n);
  for (i = 2; i < stored; i++) {
    snprintf(key, sizeof key, "fill%u", i);
    KVC_CHECK_VALUE(kv, key, i, 0, n);
  }
}

static void kvc_persists_across_reopen(void)
{
  tc_kv_t kv;
  size_t len;
  if (kvc_b->reopen == NULL) return;
  kv = kvc_b->open();
  CHECK_EQ_INT(kv.ops->set(kv.ctx, "session", kvc_fill(3, 0, 300), 300), TC_OK);
  CHECK_EQ_INT(kv.ops->set(kv.ctx, "cursor", "42", 2), TC_OK);
  CHECK_EQ_INT(kv.ops->set(kv.ctx, "gone", "x", 1), TC_OK);
  CHECK_EQ_INT(kv.ops->set(kv.ctx, "cursor", "43", 2), TC_OK);
  CHECK_EQ_INT(kv.ops->erase(kv.ctx, "gone"), TC_OK);
  kv = kvc_b->reopen();
  KVC_CHECK_VALUE(kv, "session", 3, 0, 300);
  CHECK_EQ_INT(kvc_get(kv, "cursor", &len), TC_OK);
  CHECK_EQ_MEM((const uint8_t *)kvc_gotp, len, "43");
  CHECK_EQ_INT(kvc_get(kv, "gone", &len), TC_ERR_KV_NOT_FOUND);
  CHECK_EQ_INT(kv.ops->set(kv.ctx, "cursor", "44", 2), TC_OK);
  kv = kvc_b->reopen();
  CHECK_EQ_INT(kvc_get(kv, "cursor", &len), TC_OK);
  CHECK_EQ_MEM((const uint8_t *)kvc_gotp, len, "44");
}

/* Random sets and erases over 8 keys against a model, reopening now and then. */
static void kvc_random_against_model(void)
{
  enum { KEYS = 8 };
  unsigned ver[KEYS] = { 0 }, i;
  size_t len[KEYS] = { 0 };
  int present[KEYS] = { 0 };
  size_t maxv = kvc_b->value_max / 6 < 300 ? kvc_b->value_max / 6 : 300;
  uint32_t s = 12345;
  char key[16];
  tc_kv_t kv = kvc_b->open();
  for (i = 0; i < 3000 && tc_test_current_failures() == 0; i++) {
    unsigned k = kvc_rand(&s) % KEYS, op = kvc_rand(&s) % 10;
    snprintf(key, sizeof key, "key%u", k);
    if (op < 7) {
      size_t n = kvc_rand(&s) % (maxv + 1);
      tc_err_t err = kv.ops->set(kv.ctx, key, kvc_fill(k, i + 1, n), n);
      CHECK_EQ_INT(err, TC_OK);
      if (err == TC_OK) { ver[k] = i + 1; len[k] = n; present[k] = 1; }
    } else if (op < 9) {
      CHECK_EQ_INT(kv.ops->erase(kv.ctx, key), TC_OK);
      present[k] = 0;
    } else if (kvc_b->reopen != NULL && kvc_rand(&s) % 8 == 0) {
      kv = kvc_b->reopen();
    }
    if (i % 37 == 0 || i > 2990) {
      unsigned j;
      for (j = 0; j < KEYS; j++) {
        size_t l;
        snprintf(key, sizeof key, "key%u", j);
        if (present[j]) KVC_CHECK_VALUE(kv, key, j, ver[j], len[j]);
        else CHECK_EQ_INT(kvc_get(kv, key, &l), TC_ERR_KV_NOT_FOUND);
      }
    }
  }
}

/* One flipped bit anywhere: every key reads one of the values it had, or is
 * absent; never bytes it never held. */
static void kvc_corruption_never_garbage(void)
{
  enum { KEYS = 4, VERS = 3 };
  uint32_t seed;
  unsigned intact = 0, checked = 0;
  size_t n = kvc_b->value_max / 8 < 120 ? kvc_b->value_max / 8 : 120;
  if (kvc_b->flip == NULL) return;
  for (seed = 1; seed <= 300 && tc_test_current_failures() == 0; seed++) {
    tc_kv_t kv = kvc_b->open();
    unsigned k, v;
    char key[16];
    for (v = 0; v < VERS; v++) {
      for (k = 0; k < KEYS; k++) {
        snprintf(key, sizeof key, "c%u", k);
        CHECK_EQ_INT(kv.ops->set(kv.ctx, key, kvc_fill(k, v, n - k), n - k), TC_OK);
      }
    }
    kvc_b->flip(seed);
    kv = kvc_b->reopen();
    for (k = 0; k < KEYS; k++) {
      size_t l;
      tc_err_t err;
      snprintf(key, sizeof key, "c%u", k);
      err = kvc_get(kv, key, &l);
      checked++;
      if (err == TC_ERR_KV_NOT_FOUND) continue;
      CHECK_EQ_INT(err, TC_OK);
      for (v = 0; v < VERS; v++)
        if (l == n - k && memcmp(kvc_got, kvc_fill(k, v, n - k), l) == 0) break;
      CHECK(v < VERS);
      if (v == VERS - 1) intact++;
    }
  }
  /* Most single flips leave most keys intact (the check is not vacuous). */
  CHECK(intact > checked / 2);
}

static char kvc_name[128];

#define KVC_RUN(fn) \
  do { snprintf(kvc_name, sizeof kvc_name, "%s/%s", kvc_b->name, #fn); tc_test_run(kvc_name, fn); } while (0)

static void kvc_run_all(const kvc_backend_t *b)
{
  kvc_b = b;
  KVC_RUN(kvc_basic_get_set_erase);
  KVC_RUN(kvc_overwrite_keeps_last);
  KVC_RUN(kvc_key_rules);
  KVC_RUN(kvc_value_sizes);
  KVC_RUN(kvc_full_store);
  KVC_RUN(kvc_persists_across_reopen);
  KVC_RUN(kvc_random_against_model);
  KVC_RUN(kvc_corruption_never_garbage);
}

#endif /* TEST_KV_CONTRACT_H */

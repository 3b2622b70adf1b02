/*
 * test_kv_power.c — kv_flash under power loss, littlefs style.
 *
 * Fork at every step: a long random workload of sets and erases runs on a
 * simulated NOR flash; before EVERY program and erase, the image is copied,
 * the copy gets a torn version of that op (nothing, a prefix, a prefix and a
 * half-programmed byte, or some bits of every byte; for erases the same with
 * bits moving back to the erased value), and kv_flash mounts the copy. Every
 * key must read its last acknowledged value, or, for the key being written,
 * the new one; never garbage and never anything older. The recovered copy
 * must then accept a write and keep everything across another mount.
 *
 * Chained cuts: the same workload on one image with power cut at random ops,
 * remounting and carrying on after each cut, so recoveries stack up.
 *
 * `test_kv_power soak` runs both 20 times longer. Self-contained (kv_flash
 * and the simulator are compiled in), so it also runs, shortened, on the
 * QEMU boards.
 */
#include <stdio.h>
#include <string.h>

#include "kv/flash_ram.c"
#include "kv/kv_flash.c"
#include "tc_test.h"

#ifdef TC_TEST_EMBEDDED
#define STEPS_FORK 300u
#define STEPS_CHAIN 2000u
#else
#define STEPS_FORK 1500u
#define STEPS_CHAIN 10000u
#endif

enum { KEYS = 6, MAX_IMAGE = 8192 };

typedef struct geo {
  uint32_t ss, n;
  uint8_t g, erased;
  const char *name;
} geo_t;

typedef struct slot {
  int present;
  uint32_t ver;
  size_t len;
} slot_t;

static slot_t committed[KEYS];
static struct {
  int active, key, erase;
  slot_t val;
} pending;

/* full: values of the largest sizes a sector takes, so that six of them
 * overfill the store (sets fail TC_ERR_KV_FULL, erases must still work) */
static int full_mode;
static const geo_t *cur;
static uint8_t main_mem[MAX_IMAGE], fork_mem[MAX_IMAGE];
static tc_flash_ram_t main_fr, fork_fr;
static uint32_t fork_seed;
static unsigned long cuts_checked, cut_failures;
static uint8_t got[1024], want[1024], wl_val[1024], fork_val[1024];

static uint32_t rnd(uint32_t *s)
{
  *s ^= *s << 13;
  *s ^= *s >> 17;
  *s ^= *s << 5;
  return *s;
}

/* The bytes of version ver of key, written into out. Each user has its own
 * buffer: the hook runs while kv_flash is still reading the workload's. */
static const uint8_t *content_in(uint8_t *out, unsigned key, uint32_t ver, size_t n)
{
  uint32_t s = key * 2654435761u + ver * 40503u + 7u;
  size_t i;
  for (i = 0; i < n; i++) out[i] = (uint8_t)rnd(&s);
  return out;
}

static const uint8_t *content(unsigned key, uint32_t ver, size_t n)
{
  return content_in(want, key, ver, n);
}

static void key_name(char *out, unsigned k)
{
  /* mixed lengths, up to the 15-character maximum */
  static const char *names[KEYS] = { "session", "c", "cursor_chk", "fifteen_chars_k", "k4", "tc.5" };
  strcpy(out, names[k]);
}

static int matches(unsigned k, const slot_t *v, tc_err_t err, size_t len)
{
  if (!v->present) return err == TC_ERR_KV_NOT_FOUND;
  return err == TC_OK && len == v->len && memcmp(got, content(k, v->ver, v->len), len) == 0;
}

/* Every key reads its committed value or (the key in flight) the pending one.
 * Returns how the in-flight key resolved: 1 new, 0 old. */
static int check_keys(tc_kv_t kv, const char *where)
{
  int resolved_new = 0;
  unsigned k;
  for (k = 0; k < KEYS; k++) {
    char key[16];
    size_t len = 0;
    tc_err_t err;
    key_name(key, k);
    err = kv.ops->get(kv.ctx, key, got, sizeof got, &len);
    if (matches(k, &committed[k], err, len)) continue;
    if (pending.active && pending.key == (int)k && matches(k, &pending.val, err, len)) {
      resolved_new = 1;
      continue;
    }
    tc_test_fail(__FILE__, __LINE__, "%s %s: key %s read err %d len %zu: neither old nor new", cur->name,
                 where, key, (int)err, len);
    cut_failures++;
  }
  return resolved_new;
}

/* The hook: fork the image, tear this op in the fork, recover, check. */
static void before_op(void *ctx, bool erase, uint32_t addr, const uint8_t *data, size_t len)
{
  tc_kv_flash_t kv;
  tc_kv_t k;
  size_t img = (size_t)cur->ss * cur->n;
  slot_t saved;
  int resolved;
  char key[16];
  (void)ctx;
  if (cut_failures > 5) return;
  memcpy(fork_mem, main_mem, img);
  tc_flash_ram_tear(&fork_fr, erase, addr, data, len, fork_seed++);
  if (tc_kv_flash_mount(&kv, &fork_fr.flash) != TC_OK) {
    tc_test_fail(__FILE__, __LINE__, "%s: mount after a cut failed", cur->name);
    cut_failures++;
    return;
  }
  k = tc_kv_flash_kv(&kv);
  resolved = check_keys(k, "after cut");
  cuts_checked++;
  /* Life goes on: one more write on the recovered image, then a remount. */
  if (pending.active) {
    saved = committed[pending.key];
    if (resolved) committed[pending.key] = pending.val;
  }
  {
    unsigned kk = fork_seed % KEYS;
    size_t n = 1 + fork_seed % 90;
    tc_err_t err;
    slot_t before = committed[kk];
    int was_active = pending.active;
    key_name(key, kk);
    err = k.ops->set(k.ctx, key, content_in(fork_val, kk, 900000u + fork_seed, n), n);
    if (err != TC_OK && !(full_mode && err == TC_ERR_KV_FULL)) {
      tc_test_fail(__FILE__, __LINE__, "%s: set after recovery: %d", cur->name, (int)err);
      cut_failures++;
    }
    if (err == TC_OK) {
      committed[kk].present = 1;
      committed[kk].ver = 900000u + fork_seed;
      committed[kk].len = n;
    }
    pending.active = 0;
    if (tc_kv_flash_mount(&kv, &fork_fr.flash) != TC_OK) cut_failures++;
    check_keys(tc_kv_flash_kv(&kv), "after recovery + write + remount");
    committed[kk] = before;
    pending.active = was_active;
  }
  if (pending.active) committed[pending.key] = saved;
  if (fork_fr.violations != 0) {
    tc_test_fail(__FILE__, __LINE__, "%s: recovery programmed over non-erased bytes", cur->name);
    cut_failures++;
    fork_fr.violations = 0;
  }
}

/* One workload op on kv; returns its error. Updates the model on success. */
static tc_err_t workload_op(tc_kv_t kv, uint32_t *s, uint32_t step, size_t vmax)
{
  unsigned k = rnd(s) % KEYS;
  char key[16];
  tc_err_t err;
  key_name(key, k);
  pending.active = 1;
  pending.key = (int)k;
  if (rnd(s) % 5 == 0) {
    pending.erase = 1;
    pending.val.present = 0;
    err = kv.ops->erase(kv.ctx, key);
  } else {
    size_t n = full_mode ? vmax - rnd(s) % (vmax / 3 + 1) : rnd(s) % (vmax + 1);
    pending.erase = 0;
    pending.val.present = 1;
    pending.val.ver = step;
    pending.val.len = n;
    err = kv.ops->set(kv.ctx, key, content_in(wl_val, k, step, n), n);
  }
  if (err == TC_OK) committed[k] = pending.val;
  /* a failed op stays in flight until resolved; a set refused as full
   * wrote nothing: its value must never appear */
  pending.active = err != TC_OK && err != TC_ERR_KV_FULL;
  return err;
}

static unsigned long fulls, packed_erases;

static size_t workload_vmax(const tc_kv_flash_t *kv)
{
  size_t v = tc_kv_flash_value_max(kv) / (full_mode ? 1 : 3);
  if (full_mode) return v > sizeof got ? sizeof got : v;
  return v > 200 ? 200 : v;
}

/* One workload op, where a full store may refuse a set. */
static void workload_step(tc_kv_t k, uint32_t *s, uint32_t i, size_t vmax)
{
  tc_kv_flash_t *kv = k.ctx;
  int was_packed = kv->packed;
  tc_err_t err = workload_op(k, s, i, vmax);
  if (full_mode && err == TC_ERR_KV_FULL) {
    fulls++;
    return;
  }
  CHECK_EQ_INT(err, TC_OK);
  if (was_packed && pending.erase) packed_erases++;
}

static void fork_at_every_step(const geo_t *g, unsigned steps)
{
  tc_kv_flash_t kv;
  tc_kv_t k;
  uint32_t s = 0x1234567u + g->ss + g->g, i;
  size_t vmax;
  unsigned long before = cuts_checked;
  cur = g;
  memset(committed, 0, sizeof committed);
  memset(&pending, 0, sizeof pending);
  tc_flash_ram_init(&main_fr, main_mem, g->ss, g->n, g->g, g->erased);
  tc_flash_ram_init(&fork_fr, fork_mem, g->ss, g->n, g->g, g->erased);
  main_fr.before_op = before_op;
  CHECK_EQ_INT(tc_kv_flash_mount(&kv, &main_fr.flash), TC_OK);
  k = tc_kv_flash_kv(&kv);
  vmax = workload_vmax(&kv);
  for (i = 1; i <= steps && cut_failures <= 5; i++) {
    workload_step(k, &s, i, vmax);
    if (rnd(&s) % 50 == 0) CHECK_EQ_INT(tc_kv_flash_mount(&kv, &main_fr.flash), TC_OK);
  }
  check_keys(k, "end of workload");
  CHECK_EQ_INT(main_fr.violations, 0);
  CHECK(main_fr.erases >= 3 * g->n); /* the ring went round several times */
  printf("power %s: %lu cut points checked (%llu programs, %llu erases)\n", g->name,
         cuts_checked - before, (unsigned long long)main_fr.programs,
         (unsigned long long)main_fr.erases);
}

static void chained_cuts(const geo_t *g, unsigned steps)
{
  tc_kv_flash_t kv;
  tc_kv_t k;
  uint32_t s = 0xBADC0DEu + g->ss * 3u + g->g, i;
  unsigned cuts = 0;
  size_t vmax;
  cur = g;
  memset(committed, 0, sizeof committed);
  memset(&pending, 0, sizeof pending);
  tc_flash_ram_init(&main_fr, main_mem, g->ss, g->n, g->g, g->erased);
  CHECK_EQ_INT(tc_kv_flash_mount(&kv, &main_fr.flash), TC_OK);
  k = tc_kv_flash_kv(&kv);
  vmax = workload_vmax(&kv);
  main_fr.cut_at = 1 + rnd(&s) % 40;
  for (i = 1; i <= steps && cut_failures <= 5; i++) {
    tc_err_t err;
    main_fr.seed = rnd(&s);
    err = workload_op(k, &s, i, vmax);
    if (err == TC_OK) continue;
    CHECK(main_fr.dead);
    CHECK_EQ_INT(err, TC_ERR_KV_IO);
    /* reboot */
    main_fr.dead = false;
    main_fr.cut_at = main_fr.ops + 1 + rnd(&s) % 40;
    cuts++;
    CHECK_EQ_INT(tc_kv_flash_mount(&kv, &main_fr.flash), TC_OK);
    if (check_keys(k, "after chained cut")) committed[pending.key] = pending.val;
    pending.active = 0;
  }
  main_fr.cut_at = 0;
  CHECK_EQ_INT(tc_kv_flash_mount(&kv, &main_fr.flash), TC_OK);
  check_keys(k, "end of chained workload");
  CHECK_EQ_INT(main_fr.violations, 0);
  CHECK(cuts > steps / 20);
  printf("power %s: %u chained cuts survived over %u ops\n", g->name, cuts, steps);
}

static const geo_t geos[] = {
  { 1024, 4, 1, 0xFF, "spi-4x1k-g1" },
  { 2048, 2, 8, 0xFF, "f7-2x2k-g8" },
  { 1024, 3, 32, 0x00, "3x1k-g32-erased00" },
  { 512, 8, 4, 0xFF, "8x512-g4" },
  { 4096, 2, 32, 0xFF, "h7-2x4k-g32" },
};
static unsigned scale = 1;

static void test_power_cut_at_every_program_and_erase(void)
{
  size_t i;
  for (i = 0; i < sizeof geos / sizeof geos[0]; i++) fork_at_every_step(&geos[i], STEPS_FORK * scale);
  printf("power: %lu cut points checked in all\n", cuts_checked);
}

/* The same with a store that keeps running full: the cuts land in the
 * sweep that compacts every sector before a set gives up, and in an erase
 * on a packed store, which drops its key while compacting instead of
 * writing an erase mark. */
static void test_power_cut_on_a_full_store(void)
{
  static const geo_t full_geos[] = {
    { 1024, 4, 1, 0xFF, "full-spi-4x1k-g1" },
    { 2048, 2, 8, 0xFF, "full-f7-2x2k-g8" },
    { 512, 4, 4, 0x00, "full-4x512-g4-erased00" },
  };
  size_t i;
  full_mode = 1;
  for (i = 0; i < sizeof full_geos / sizeof full_geos[0]; i++) {
    fulls = packed_erases = 0;
    fork_at_every_step(&full_geos[i], STEPS_FORK / 2 * scale);
    printf("power %s: %lu sets refused full, %lu erases on a packed store\n", full_geos[i].name, fulls,
           packed_erases);
    CHECK(fulls > 10);
    CHECK(packed_erases > 2);
  }
  full_mode = 0;
}

static void test_power_cuts_chained_with_recovery(void)
{
  size_t i;
  for (i = 0; i < sizeof geos / sizeof geos[0]; i++) chained_cuts(&geos[i], STEPS_CHAIN * scale);
}

int main(int argc, char **argv)
{
  if (argc > 1 && strcmp(argv[1], "soak") == 0) scale = 20;
  RUN(test_power_cut_at_every_program_and_erase);
  RUN(test_power_cut_on_a_full_store);
  RUN(test_power_cuts_chained_with_recovery);
  return tc_test_finish("kv_power");
}

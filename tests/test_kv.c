/* test_kv.c — the tc_kv contract against kv_ram, kv_file, kv_flash over the
 * RAM flash simulator (several geometries) and kv_flash over a file image.
 *
 * tc-test: host-only (POSIX files) */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kv/tc_flash_file.h"
#include "kv/tc_flash_ram.h"
#include "kv/tc_kv_file.h"
#include "kv/tc_kv_flash.h"
#include "kv/tc_kv_ram.h"
#include "tc_test.h"
#include "tc_types.h"
#include "test_kv_contract.h"

/* ---------------------------------------------------------------- ram */
static uint8_t ram_mem[4096];
static tc_kv_ram_t ram;

static tc_kv_t ram_open(void)
{
  CHECK_EQ_INT(tc_kv_ram_init(&ram, ram_mem, sizeof ram_mem), TC_OK);
  return tc_kv_ram_kv(&ram);
}

/* ---------------------------------------------------------------- flash (RAM simulator) */
static uint8_t sim_mem[2 * 131072];
static tc_flash_ram_t sim;
static tc_kv_flash_t sim_kv;
static struct { uint32_t ss, n; uint8_t g, erased; } sim_geo;

static tc_kv_t sim_reopen(void)
{
  CHECK_EQ_INT(sim.violations, 0);
  CHECK_EQ_INT(tc_kv_flash_mount(&sim_kv, &sim.flash), TC_OK);
  return tc_kv_flash_kv(&sim_kv);
}

static tc_kv_t sim_open(void)
{
  tc_flash_ram_init(&sim, sim_mem, sim_geo.ss, sim_geo.n, sim_geo.g, sim_geo.erased);
  return sim_reopen();
}

/* Flips one bit, preferring programmed bytes (a flip in erased space is
 * rarely interesting). */
static void flip_in(uint8_t *mem, size_t size, uint8_t erased, uint32_t seed)
{
  uint32_t s = seed;
  size_t pos = 0;
  int tries;
  for (tries = 0; tries < 64; tries++) {
    pos = kvc_rand(&s) % size;
    if (mem[pos] != erased) break;
  }
  mem[pos] ^= (uint8_t)(1u << (kvc_rand(&s) % 8));
}

static void sim_flip(uint32_t seed)
{
  flip_in(sim.mem, (size_t)sim_geo.ss * sim_geo.n, sim_geo.erased, seed);
}

/* ---------------------------------------------------------------- file */
static char tmp_dir[64];
static char file_dir[128];
static tc_kv_file_t kfile;

static void rm_dir_files(const char *dir)
{
  DIR *d = opendir(dir);
  struct dirent *e;
  char path[512];
  if (d == NULL) return;
  while ((e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.') continue;
    snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    unlink(path);
  }
  closedir(d);
}

static tc_kv_t file_reopen(void)
{
  CHECK_EQ_INT(tc_kv_file_init(&kfile, file_dir, 200000), TC_OK);
  return tc_kv_file_kv(&kfile);
}

static tc_kv_t file_open(void)
{
  rm_dir_files(file_dir);
  return file_reopen();
}

static void flip_file(const char *path, uint32_t seed)
{
  uint8_t buf[70000];
  int fd = open(path, O_RDWR);
  ssize_t n;
  uint32_t s = seed;
  if (fd < 0) return;
  n = read(fd, buf, sizeof buf);
  if (n > 0) {
    size_t pos = kvc_rand(&s) % (size_t)n;
    buf[pos] ^= (uint8_t)(1u << (kvc_rand(&s) % 8));
    CHECK(pwrite(fd, buf + pos, 1, (off_t)pos) == 1);
  }
  close(fd);
}

static void file_flip(uint32_t seed)
{
  /* one bit of one key file, chosen by seed */
  DIR *d = opendir(file_dir);
  struct dirent *e;
  char names[16][300], path[512];
  unsigned n = 0;
  if (d == NULL) return;
  while ((e = readdir(d)) != NULL && n < 16)
    if (strncmp(e->d_name, "k-", 2) == 0) snprintf(names[n++], sizeof names[0], "%s", e->d_name);
  closedir(d);
  if (n == 0) return;
  snprintf(path, sizeof path, "%s/%s", file_dir, names[seed % n]);
  flip_file(path, seed);
}

/* ---------------------------------------------------------------- flash over a file image */
static char img_path[128];
static tc_flash_file_t ffile;
static tc_kv_flash_t ffile_kv;

static tc_kv_t img_reopen(void)
{
  tc_flash_file_close(&ffile);
  CHECK_EQ_INT(tc_flash_file_open(&ffile, img_path, 1024, 4, 4, 0xFF), TC_OK);
  CHECK_EQ_INT(tc_kv_flash_mount(&ffile_kv, &ffile.flash), TC_OK);
  return tc_kv_flash_kv(&ffile_kv);
}

static tc_kv_t img_open(void)
{
  tc_flash_file_close(&ffile);
  unlink(img_path);
  return img_reopen();
}

static void img_flip(uint32_t seed)
{
  static uint8_t img[4096];
  int fd = open(img_path, O_RDWR);
  CHECK(fd >= 0 && pread(fd, img, sizeof img, 0) == (ssize_t)sizeof img);
  flip_in(img, sizeof img, 0xFF, seed);
  CHECK(pwrite(fd, img, sizeof img, 0) == (ssize_t)sizeof img);
  close(fd);
}

/* ---------------------------------------------------------------- backend-specific tests */
static void test_crc32_matches_zlib(void)
{
  CHECK_EQ_INT(tc_crc32(0, "123456789", 9), 0xCBF43926u);
  CHECK_EQ_INT(tc_crc32(tc_crc32(0, "1234", 4), "56789", 5), 0xCBF43926u);
  CHECK_EQ_INT(tc_crc32(0, "", 0), 0);
}

static void test_file_keys_stay_inside_dir(void)
{
  tc_kv_t kv = file_open();
  size_t len;
  char path[512];
  CHECK_EQ_INT(kv.ops->set(kv.ctx, "../../etc", "x", 1), TC_OK);
  CHECK_EQ_INT(kv.ops->set(kv.ctx, "/abs", "y", 1), TC_OK);
  CHECK_EQ_INT(kvc_get(kv, "../../etc", &len), TC_OK);
  CHECK_EQ_MEM((const uint8_t *)kvc_gotp, len, "x");
  /* "k-" + hex("../../etc") */
  snprintf(path, sizeof path, "%s/k-2e2e2f2e2e2f657463", file_dir);
  CHECK(access(path, F_OK) == 0);
}

static void test_file_foreign_or_truncated_file_is_absent(void)
{
  tc_kv_t kv = file_open();
  char path[512];
  size_t len;
  int fd;
  CHECK_EQ_INT(kv.ops->set(kv.ctx, "a", "hello", 5), TC_OK);
  snprintf(path, sizeof path, "%s/k-61", file_dir);
  CHECK(truncate(path, 14) == 0);
  CHECK_EQ_INT(kvc_get(kv, "a", &len), TC_ERR_KV_NOT_FOUND);
  fd = open(path, O_WRONLY | O_TRUNC);
  CHECK(fd >= 0 && write(fd, "not a record at all", 19) == 19);
  close(fd);
  CHECK_EQ_INT(kvc_get(kv, "a", &len), TC_ERR_KV_NOT_FOUND);
  /* and the key can be written again */
  CHECK_EQ_INT(kv.ops->set(kv.ctx, "a", "again", 5), TC_OK);
  CHECK_EQ_INT(kvc_get(kv, "a", &len), TC_OK);
  CHECK_EQ_MEM((const uint8_t *)kvc_gotp, len, "again");
}

static void test_file_leftover_temp_is_ignored(void)
{
  tc_kv_t kv = file_open();
  char path[512];
  size_t len;
  int fd;
  CHECK_EQ_INT(kv.ops->set(kv.ctx, "a", "old", 3), TC_OK);
  /* a crash between writing the temporary file and renaming it */
  snprintf(path, sizeof path, "%s/t-61", file_dir);
  fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  CHECK(fd >= 0 && write(fd, "TCKF", 4) == 4);
  close(fd);
  kv = file_reopen();
  CHECK_EQ_INT(kvc_get(kv, "a", &len), TC_OK);
  CHECK_EQ_MEM((const uint8_t *)kvc_gotp, len, "old");
  CHECK_EQ_INT(kv.ops->set(kv.ctx, "a", "new", 3), TC_OK);
  CHECK_EQ_INT(kvc_get(kv, "a", &len), TC_OK);
  CHECK_EQ_MEM((const uint8_t *)kvc_gotp, len, "new");
  CHECK(access(path, F_OK) != 0);
}

static void test_flash_file_image_survives_close(void)
{
  tc_kv_t kv = img_open();
  size_t len;
  CHECK_EQ_INT(kv.ops->set(kv.ctx, "session", "S1", 2), TC_OK);
  tc_flash_file_close(&ffile);
  tc_flash_file_close(&ffile);
  /* wrong geometry for an existing image */
  CHECK_EQ_INT(tc_flash_file_open(&ffile, img_path, 1024, 8, 4, 0xFF), TC_ERR_CONFIG);
  kv = img_reopen();
  CHECK_EQ_INT(kvc_get(kv, "session", &len), TC_OK);
  CHECK_EQ_MEM((const uint8_t *)kvc_gotp, len, "S1");
  CHECK_EQ_INT(ffile.violations, 0);
}

static void test_flash_file_enforces_nor_rules(void)
{
  const tc_flash_ops_t *ops;
  uint8_t b[8];
  img_open();
  ops = ffile.flash.ops;
  CHECK_EQ_INT(ops->program(ffile.flash.ctx, 1024, "abcd", 4), TC_OK);
  /* programming the same unit again, even with the same bytes, is refused */
  CHECK_EQ_INT(ops->program(ffile.flash.ctx, 1024, "abcd", 4), TC_ERR_KV_IO);
  CHECK_EQ_INT(ops->program(ffile.flash.ctx, 1026, "xxxx", 4), TC_ERR_KV_IO); /* misaligned */
  CHECK_EQ_INT(ops->program(ffile.flash.ctx, 4096, "xxxx", 4), TC_ERR_KV_IO); /* out of range */
  CHECK_EQ_INT(ffile.violations, 3);
  CHECK_EQ_INT(ops->read(ffile.flash.ctx, 1024, b, 8), TC_OK);
  CHECK(memcmp(b, "abcd\xff\xff\xff\xff", 8) == 0);
  CHECK_EQ_INT(ops->erase(ffile.flash.ctx, 1), TC_OK);
  CHECK_EQ_INT(ops->read(ffile.flash.ctx, 1024, b, 4), TC_OK);
  CHECK(memcmp(b, "\xff\xff\xff\xff", 4) == 0);
  CHECK_EQ_INT(ops->program(ffile.flash.ctx, 1024, "efgh", 4), TC_OK);
  CHECK_EQ_INT(ops->erase(ffile.flash.ctx, 4), TC_ERR_KV_IO);
  CHECK_EQ_INT(ops->sync(ffile.flash.ctx), TC_OK);
  ffile.violations = 0;
}

static void test_ram_init_rejects_bad_args(void)
{
  uint8_t m[16];
  CHECK_EQ_INT(tc_kv_ram_init(&ram, NULL, 100), TC_ERR_ARG);
  CHECK_EQ_INT(tc_kv_ram_init(&ram, m, sizeof m), TC_ERR_ARG);
}

int main(void)
{
  static const struct { uint32_t ss, n; uint8_t g, erased; const char *name; } geos[] = {
    { 1024, 4, 1, 0xFF, "flash-sim-spi-4x1k-g1" },
    { 2048, 2, 8, 0xFF, "flash-sim-f7-2x2k-g8" },
    { 1024, 3, 32, 0x00, "flash-sim-3x1k-g32-erased00" },
    { 4096, 5, 2, 0xFF, "flash-sim-5x4k-g2" },
    { 131072, 2, 32, 0xFF, "flash-sim-h7-2x128k-g32" },
    { 32768, 2, 4, 0xFF, "flash-sim-stm32-example-2x32k-g4" }, /* boards/stm32 */
  };
  kvc_backend_t b;
  size_t i;

  /* tmpfs when there is one: the file tests fsync thousands of times */
  snprintf(tmp_dir, sizeof tmp_dir, "/dev/shm/tc_kv_test.XXXXXX");
  if (mkdtemp(tmp_dir) == NULL) {
    snprintf(tmp_dir, sizeof tmp_dir, "/tmp/tc_kv_test.XXXXXX");
    if (mkdtemp(tmp_dir) == NULL) return 2;
  }
  snprintf(file_dir, sizeof file_dir, "%s/store", tmp_dir);
  snprintf(img_path, sizeof img_path, "%s/flash.img", tmp_dir);
  ffile.fd = -1;

  RUN(test_crc32_matches_zlib);
  RUN(test_ram_init_rejects_bad_args);

  b = (kvc_backend_t){ "ram", 0, ram_open, NULL, NULL };
  ram_open();
  b.value_max = tc_kv_ram_value_max(&ram);
  kvc_run_all(&b);

  for (i = 0; i < sizeof geos / sizeof geos[0]; i++) {
    sim_geo.ss = geos[i].ss;
    sim_geo.n = geos[i].n;
    sim_geo.g = geos[i].g;
    sim_geo.erased = geos[i].erased;
    sim_open();
    b = (kvc_backend_t){ geos[i].name, tc_kv_flash_value_max(&sim_kv), sim_open, sim_reopen, sim_flip };
    kvc_run_all(&b);
  }

  b = (kvc_backend_t){ "file", TC_KV_FILE_VALUE_MAX, file_open, file_reopen, file_flip };
  kvc_run_all(&b);
  RUN(test_file_keys_stay_inside_dir);
  RUN(test_file_foreign_or_truncated_file_is_absent);
  RUN(test_file_leftover_temp_is_ignored);

  img_open();
  b = (kvc_backend_t){ "flash-file-4x1k-g4", tc_kv_flash_value_max(&ffile_kv), img_open, img_reopen,
                       img_flip };
  kvc_run_all(&b);
  RUN(test_flash_file_image_survives_close);
  RUN(test_flash_file_enforces_nor_rules);
  tc_flash_file_close(&ffile);

  rm_dir_files(file_dir);
  rmdir(file_dir);
  unlink(img_path);
  rmdir(tmp_dir);
  return tc_test_finish("kv");
}

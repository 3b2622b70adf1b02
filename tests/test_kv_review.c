/* test_kv_review.c — review probes of the host key-value ports: a full disk
 * while creating a flash image or writing a key file.
 *
 * tc-test: host-only (POSIX files, setrlimit) */
#define _DEFAULT_SOURCE /* symlink */
#define _POSIX_C_SOURCE 200809L
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kv/tc_flash_file.h"
#include "kv/tc_kv_file.h"
#include "kv/tc_kv_flash.h"
#include "tc_test.h"

static char tmp_dir[256];

/* Runs with the process's file size limit at `limit` bytes (writes beyond it
 * fail with EFBIG, as on a disk with that much room left). */
static struct rlimit g_saved;
static void limit_file_size(rlim_t limit)
{
  struct rlimit r;
  signal(SIGXFSZ, SIG_IGN);
  getrlimit(RLIMIT_FSIZE, &g_saved);
  r = g_saved;
  r.rlim_cur = limit;
  CHECK(setrlimit(RLIMIT_FSIZE, &r) == 0);
}

static void unlimit_file_size(void)
{
  CHECK(setrlimit(RLIMIT_FSIZE, &g_saved) == 0);
}

/* The disk fills while a new image is being created: the open fails with
 * TC_ERR_KV_IO, and once there is room again the same path opens (it must
 * not be left as a short file that then reads as a wrong geometry). */
static void test_flash_file_create_on_full_disk_leaves_no_broken_image(void)
{
  char path[512];
  tc_flash_file_t ff;
  tc_kv_flash_t kvf;
  tc_kv_t kv;
  char v[8];
  size_t len = 0;
  snprintf(path, sizeof path, "%s/full.img", tmp_dir);
  limit_file_size(6000); /* the image is 4 x 4096 */
  CHECK_EQ_INT(tc_flash_file_open(&ff, path, 4096, 4, 1, 0xFF), TC_ERR_KV_IO);
  unlimit_file_size();
  CHECK_EQ_INT(tc_flash_file_open(&ff, path, 4096, 4, 1, 0xFF), TC_OK);
  if (ff.fd < 0) return;
  CHECK_EQ_INT(tc_kv_flash_mount(&kvf, &ff.flash), TC_OK);
  kv = tc_kv_flash_kv(&kvf);
  CHECK_EQ_INT(kv.ops->set(kv.ctx, "session", "S1", 2), TC_OK);
  CHECK_EQ_INT(kv.ops->get(kv.ctx, "session", v, sizeof v, &len), TC_OK);
  CHECK_EQ_INT(len, 2);
  CHECK_EQ_INT(ff.violations, 0);
  tc_flash_file_close(&ff);
}

/* The same for an existing empty file (made an image in place); and a
 * device or FIFO, whose size reads as 0, is refused, never written over. */
static void test_flash_file_empty_file_on_full_disk_and_devices(void)
{
  char path[512];
  tc_flash_file_t ff;
  int fd;
  snprintf(path, sizeof path, "%s/empty.img", tmp_dir);
  fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  CHECK(fd >= 0);
  close(fd);
  limit_file_size(6000);
  CHECK_EQ_INT(tc_flash_file_open(&ff, path, 4096, 4, 1, 0xFF), TC_ERR_KV_IO);
  unlimit_file_size();
  CHECK_EQ_INT(tc_flash_file_open(&ff, path, 4096, 4, 1, 0xFF), TC_OK);
  tc_flash_file_close(&ff);
  /* a FIFO stands for a device here: a test must never risk a real one */
  snprintf(path, sizeof path, "%s/fifo", tmp_dir);
  CHECK(mkfifo(path, 0600) == 0);
  CHECK_EQ_INT(tc_flash_file_open(&ff, path, 4096, 4, 1, 0xFF), TC_ERR_CONFIG);
  CHECK_EQ_INT(ff.fd, -1);
  {
    struct stat st;
    CHECK(lstat(path, &st) == 0 && S_ISFIFO(st.st_mode));
  }
}

/* kv_file on a full disk (the temporary file is a link to /dev/full, whose
 * writes fail with ENOSPC): the set is TC_ERR_KV_FULL, the old value stays,
 * and nothing is left behind. */
static void test_file_set_on_full_disk_keeps_the_old_value(void)
{
  char dir[512], tmp[600];
  tc_kv_file_t f;
  tc_kv_t kv;
  char v[8];
  size_t len = 0;
  if (access("/dev/full", W_OK) != 0) return; /* not on this host */
  snprintf(dir, sizeof dir, "%s/store", tmp_dir);
  CHECK_EQ_INT(tc_kv_file_init(&f, dir, 0), TC_OK);
  kv = tc_kv_file_kv(&f);
  CHECK_EQ_INT(kv.ops->set(kv.ctx, "a", "old", 3), TC_OK);
  snprintf(tmp, sizeof tmp, "%s/t-61", dir);
  CHECK(symlink("/dev/full", tmp) == 0);
  CHECK_EQ_INT(kv.ops->set(kv.ctx, "a", "new", 3), TC_ERR_KV_FULL);
  CHECK_EQ_INT(kv.ops->get(kv.ctx, "a", v, sizeof v, &len), TC_OK);
  CHECK(len == 3 && memcmp(v, "old", 3) == 0);
  CHECK(access(tmp, F_OK) != 0);
  CHECK_EQ_INT(kv.ops->set(kv.ctx, "a", "new", 3), TC_OK);
}

static void rm_tree(void)
{
  char cmd[600];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp_dir);
  if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", tmp_dir);
}

int main(void)
{
  snprintf(tmp_dir, sizeof tmp_dir, "/tmp/tc_kv_review.XXXXXX");
  if (mkdtemp(tmp_dir) == NULL) return 2;
  RUN(test_flash_file_create_on_full_disk_leaves_no_broken_image);
  RUN(test_flash_file_empty_file_on_full_disk_and_devices);
  RUN(test_file_set_on_full_disk_keeps_the_old_value);
  rm_tree();
  return tc_test_finish("kv_review");
}

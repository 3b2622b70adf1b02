/* flash_file.c — a NOR-flash image in a host file (POSIX). */
#define _POSIX_C_SOURCE 200809L
#include "tc_flash_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h> /* rename */
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static uint64_t image_size(const tc_flash_file_t *ff)
{
  return (uint64_t)ff->flash.sector_size * ff->flash.sector_count;
}

static int pread_all(int fd, void *buf, size_t n, uint64_t off)
{
  uint8_t *p = buf;
  while (n > 0) {
    ssize_t k = pread(fd, p, n, (off_t)off);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) return 0;
    p += k;
    n -= (size_t)k;
    off += (uint64_t)k;
  }
  return 1;
}

static int pwrite_all(int fd, const void *buf, size_t n, uint64_t off)
{
  const uint8_t *p = buf;
  while (n > 0) {
    ssize_t k = pwrite(fd, p, n, (off_t)off);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) return 0;
    p += k;
    n -= (size_t)k;
    off += (uint64_t)k;
  }
  return 1;
}

static tc_err_t ff_read(void *ctx, uint32_t addr, void *buf, size_t len)
{
  tc_flash_file_t *ff = ctx;
  if (ff->fd < 0 || (uint64_t)addr + len > image_size(ff)) return TC_ERR_KV_IO;
  return pread_all(ff->fd, buf, len, addr) ? TC_OK : TC_ERR_KV_IO;
}

static tc_err_t ff_program(void *ctx, uint32_t addr, const void *buf, size_t len)
{
  tc_flash_file_t *ff = ctx;
  uint8_t old[256];
  size_t off, i;
  if (ff->fd < 0) return TC_ERR_KV_IO;
  if ((uint64_t)addr + len > image_size(ff) || addr % ff->flash.prog_size != 0 ||
      len % ff->flash.prog_size != 0) {
    ff->violations++;
    return TC_ERR_KV_IO;
  }
  for (off = 0; off < len; off += sizeof old) {
    size_t n = len - off < sizeof old ? len - off : sizeof old;
    if (!pread_all(ff->fd, old, n, addr + off)) return TC_ERR_KV_IO;
    for (i = 0; i < n; i++) {
      if (old[i] != ff->flash.erased) {
        ff->violations++;
        return TC_ERR_KV_IO;
      }
    }
  }
  return pwrite_all(ff->fd, buf, len, addr) ? TC_OK : TC_ERR_KV_IO;
}

static tc_err_t fill_erased(tc_flash_file_t *ff, uint64_t off, uint64_t len)
{
  uint8_t blank[4096];
  memset(blank, ff->flash.erased, sizeof blank);
  while (len > 0) {
    size_t n = len < sizeof blank ? (size_t)len : sizeof blank;
    if (!pwrite_all(ff->fd, blank, n, off)) return TC_ERR_KV_IO;
    off += n;
    len -= n;
  }
  return TC_OK;
}

static tc_err_t ff_erase(void *ctx, uint32_t sector)
{
  tc_flash_file_t *ff = ctx;
  if (ff->fd < 0 || sector >= ff->flash.sector_count) return TC_ERR_KV_IO;
  return fill_erased(ff, (uint64_t)sector * ff->flash.sector_size, ff->flash.sector_size);
}

static tc_err_t ff_sync(void *ctx)
{
  tc_flash_file_t *ff = ctx;
  return ff->fd >= 0 && fdatasync(ff->fd) == 0 ? TC_OK : TC_ERR_KV_IO;
}

static const tc_flash_ops_t ff_ops = { ff_read, ff_program, ff_erase, ff_sync };

/* fsyncs the directory holding path, so a new file's name is durable. */
static int sync_parent(const char *path)
{
  char dir[4096];
  const char *slash = strrchr(path, '/');
  size_t n = slash == NULL ? 1 : (size_t)(slash - path);
  int fd, ok;
  if (n == 0) n = 1; /* "/file" */
  if (n >= sizeof dir) return 0;
  memcpy(dir, slash == NULL ? "." : path, n);
  dir[n] = '\0';
  fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return 0;
  ok = fsync(fd) == 0;
  close(fd);
  return ok;
}

/* Creates the image at path, fully erased, in one step: "<path>.new" is
 * filled, synced and renamed over path. A full disk or a crash half-way thus
 * never leaves a short image behind (which every later open would refuse as
 * a wrong geometry). On success ff->fd is the image. */
static tc_err_t create_image(tc_flash_file_t *ff, const char *path)
{
  char tmp[4096];
  size_t n = strlen(path);
  int ok;
  if (n + sizeof ".new" > sizeof tmp) return TC_ERR_KV_IO;
  memcpy(tmp, path, n);
  memcpy(tmp + n, ".new", sizeof ".new");
  ff->fd = open(tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (ff->fd < 0) return TC_ERR_KV_IO;
  ok = fill_erased(ff, 0, image_size(ff)) == TC_OK && fsync(ff->fd) == 0 && rename(tmp, path) == 0;
  if (!ok) unlink(tmp);
  return ok && sync_parent(path) ? TC_OK : TC_ERR_KV_IO;
}

tc_err_t tc_flash_file_open(tc_flash_file_t *ff, const char *path, uint32_t sector_size,
                            uint32_t sector_count, uint8_t prog_size, uint8_t erased)
{
  struct stat st;
  if (ff == NULL || path == NULL || prog_size == 0) return TC_ERR_ARG;
  memset(ff, 0, sizeof *ff);
  ff->fd = -1;
  ff->flash.ops = &ff_ops;
  ff->flash.ctx = ff;
  ff->flash.sector_size = sector_size;
  ff->flash.sector_count = sector_count;
  ff->flash.prog_size = prog_size;
  ff->flash.erased = erased;
  ff->fd = open(path, O_RDWR | O_CLOEXEC);
  if (ff->fd < 0) {
    if (errno != ENOENT || create_image(ff, path) != TC_OK) goto io;
    return TC_OK;
  }
  if (fstat(ff->fd, &st) != 0) goto io;
  if (!S_ISREG(st.st_mode)) { /* a device reads as size 0: never wipe it */
    tc_flash_file_close(ff);
    return TC_ERR_CONFIG;
  }
  if (st.st_size == 0) { /* an empty file: made an image in place */
    if (fill_erased(ff, 0, image_size(ff)) != TC_OK || fsync(ff->fd) != 0) {
      if (ftruncate(ff->fd, 0) != 0) { /* empty again, not short: the next open retries */ }
      goto io;
    }
  } else if ((uint64_t)st.st_size != image_size(ff)) {
    tc_flash_file_close(ff);
    return TC_ERR_CONFIG;
  }
  return TC_OK;
io:
  tc_flash_file_close(ff);
  return TC_ERR_KV_IO;
}

void tc_flash_file_close(tc_flash_file_t *ff)
{
  if (ff->fd >= 0) close(ff->fd);
  ff->fd = -1;
}

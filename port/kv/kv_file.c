/* kv_file.c — tc_kv as one file per key, replaced atomically (POSIX). */
#define _POSIX_C_SOURCE 200809L
#include "tc_kv_file.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tc_types.h" /* tc_crc32 */

#define FILE_MAGIC "TCKF"
#define FILE_HDR 12u
#define NAME_MAX_ (2u + 2u * TC_KV_KEY_MAX + 1u)

static void put32(uint8_t *p, uint32_t v)
{
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
  p[2] = (uint8_t)(v >> 16);
  p[3] = (uint8_t)(v >> 24);
}

static uint32_t get32(const uint8_t *p)
{
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* "k-<hex>" or "t-<hex>" for key. */
static void file_name(char *out, char prefix, const char *key)
{
  static const char hex[] = "0123456789abcdef";
  size_t i;
  out[0] = prefix;
  out[1] = '-';
  for (i = 0; key[i] != '\0'; i++) {
    out[2 + 2 * i] = hex[(uint8_t)key[i] >> 4];
    out[3 + 2 * i] = hex[(uint8_t)key[i] & 15u];
  }
  out[2 + 2 * i] = '\0';
}

static int open_dir(const tc_kv_file_t *f)
{
  return open(f->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

static int read_all(int fd, void *buf, size_t n)
{
  uint8_t *p = buf;
  while (n > 0) {
    ssize_t k = read(fd, p, n);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) return 0;
    p += k;
    n -= (size_t)k;
  }
  return 1;
}

static int write_all(int fd, const void *buf, size_t n)
{
  const uint8_t *p = buf;
  while (n > 0) {
    ssize_t k = write(fd, p, n);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) return 0;
    p += k;
    n -= (size_t)k;
  }
  return 1;
}

static tc_err_t file_get(void *ctx, const char *key, void *buf, size_t cap, size_t *len)
{
  tc_kv_file_t *f = ctx;
  char name[NAME_MAX_];
  uint8_t h[FILE_HDR], chunk[512];
  struct stat st;
  uint32_t vlen, crc, off;
  int dfd, fd;
  tc_err_t err = TC_ERR_KV_NOT_FOUND;
  if (tc_kv_check_key(key) != TC_OK) return TC_ERR_KV_KEY;
  file_name(name, 'k', key);
  if ((dfd = open_dir(f)) < 0) return TC_ERR_KV_IO;
  fd = openat(dfd, name, O_RDONLY | O_CLOEXEC);
  close(dfd);
  if (fd < 0) return errno == ENOENT ? TC_ERR_KV_NOT_FOUND : TC_ERR_KV_IO;
  if (fstat(fd, &st) != 0 || !read_all(fd, h, FILE_HDR)) goto out;
  vlen = get32(h + 4);
  if (memcmp(h, FILE_MAGIC, 4) != 0 || vlen > TC_KV_FILE_VALUE_MAX ||
      (uint64_t)st.st_size != FILE_HDR + (uint64_t)vlen)
    goto out;
  /* Check the CRC before handing out anything. */
  crc = tc_crc32(0, key, strlen(key));
  for (off = 0; off < vlen;) {
    uint32_t n = vlen - off < sizeof chunk ? vlen - off : (uint32_t)sizeof chunk;
    if (!read_all(fd, chunk, n)) goto out;
    crc = tc_crc32(crc, chunk, n);
    off += n;
  }
  if (crc != get32(h + 8)) goto out;
  if (len != NULL) *len = vlen;
  err = TC_ERR_KV_TOO_BIG;
  if (cap < vlen) goto out;
  err = TC_ERR_KV_IO;
  if (lseek(fd, FILE_HDR, SEEK_SET) != (off_t)FILE_HDR || !read_all(fd, buf, vlen)) goto out;
  err = tc_crc32(tc_crc32(0, key, strlen(key)), buf, vlen) == get32(h + 8) ? TC_OK
                                                                                : TC_ERR_KV_NOT_FOUND;
out:
  close(fd);
  return err;
}

/* Bytes in key files other than skip's. */
static int used_bytes(const tc_kv_file_t *f, const char *skip, uint64_t *sum)
{
  DIR *d = opendir(f->dir);
  struct dirent *e;
  struct stat st;
  *sum = 0;
  if (d == NULL) return 0;
  while ((e = readdir(d)) != NULL) {
    if (strncmp(e->d_name, "k-", 2) != 0 || strcmp(e->d_name, skip) == 0) continue;
    if (fstatat(dirfd(d), e->d_name, &st, 0) == 0) *sum += (uint64_t)st.st_size;
  }
  closedir(d);
  return 1;
}

static tc_err_t file_set(void *ctx, const char *key, const void *val, size_t len)
{
  tc_kv_file_t *f = ctx;
  char name[NAME_MAX_], tmp[NAME_MAX_];
  uint8_t h[FILE_HDR];
  uint64_t used;
  int dfd, fd, ok, full;
  if (tc_kv_check_key(key) != TC_OK) return TC_ERR_KV_KEY;
  if (val == NULL && len > 0) return TC_ERR_ARG;
  if (len > TC_KV_FILE_VALUE_MAX) return TC_ERR_KV_TOO_BIG;
  file_name(name, 'k', key);
  file_name(tmp, 't', key);
  if (f->quota > 0) {
    if (!used_bytes(f, name, &used)) return TC_ERR_KV_IO;
    if (used + FILE_HDR + len > f->quota) return TC_ERR_KV_FULL;
  }
  memcpy(h, FILE_MAGIC, 4);
  put32(h + 4, (uint32_t)len);
  put32(h + 8, tc_crc32(tc_crc32(0, key, strlen(key)), val, len));
  if ((dfd = open_dir(f)) < 0) return TC_ERR_KV_IO;
  fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    full = errno == ENOSPC || errno == EDQUOT;
    close(dfd);
    return full ? TC_ERR_KV_FULL : TC_ERR_KV_IO;
  }
  ok = write_all(fd, h, FILE_HDR) && (len == 0 || write_all(fd, val, len)) && fsync(fd) == 0;
  full = !ok && (errno == ENOSPC || errno == EDQUOT);
  ok = close(fd) == 0 && ok;
  ok = ok && renameat(dfd, tmp, dfd, name) == 0;
  if (!ok) {
    full = full || errno == ENOSPC || errno == EDQUOT;
    unlinkat(dfd, tmp, 0);
    close(dfd);
    return full ? TC_ERR_KV_FULL : TC_ERR_KV_IO;
  }
  ok = fsync(dfd) == 0;
  close(dfd);
  return ok ? TC_OK : TC_ERR_KV_IO;
}

static tc_err_t file_erase(void *ctx, const char *key)
{
  tc_kv_file_t *f = ctx;
  char name[NAME_MAX_];
  int dfd, ok;
  if (tc_kv_check_key(key) != TC_OK) return TC_ERR_KV_KEY;
  file_name(name, 'k', key);
  if ((dfd = open_dir(f)) < 0) return TC_ERR_KV_IO;
  ok = unlinkat(dfd, name, 0) == 0;
  if (!ok && errno == ENOENT) {
    close(dfd);
    return TC_OK;
  }
  ok = ok && fsync(dfd) == 0;
  close(dfd);
  return ok ? TC_OK : TC_ERR_KV_IO;
}

static const tc_kv_ops_t file_ops = { file_get, file_set, file_erase };

tc_err_t tc_kv_file_init(tc_kv_file_t *f, const char *dir, size_t quota)
{
  struct stat st;
  size_t n = dir ? strlen(dir) : 0;
  if (f == NULL || n == 0 || n >= sizeof f->dir) return TC_ERR_ARG;
  memcpy(f->dir, dir, n + 1);
  f->quota = quota;
  if (mkdir(dir, 0700) != 0 && errno != EEXIST) return TC_ERR_KV_IO;
  if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) return TC_ERR_KV_IO;
  return TC_OK;
}

tc_kv_t tc_kv_file_kv(tc_kv_file_t *f)
{
  tc_kv_t k = { &file_ops, f };
  return k;
}

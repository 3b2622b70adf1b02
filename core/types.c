/* types.c — slice and bounded-buffer helpers. */
#include <string.h>

#include "tc_types.h"

bool tc_slice_eq(tc_slice_t a, const char *s)
{
  /* one walk, no strlen (the decode path links none): a byte of s that is
   * NUL inside a's length is a mismatch (s is shorter) */
  size_t i = 0;
  if (a.ptr == NULL) return false;
  for (; i < a.len; i++)
    if (s[i] == '\0' || s[i] != a.ptr[i]) return false;
  return s[i] == '\0';
}

void tc_buf_put(tc_buf_t *b, const void *p, size_t n)
{
  if (b->overflow || n > b->cap - b->len) {
    b->overflow = true;
    return;
  }
  if (n) memcpy(b->ptr + b->len, p, n);
  b->len += n;
}

void tc_buf_puts(tc_buf_t *b, const char *s)
{
  tc_buf_put(b, s, strlen(s));
}

void tc_buf_put_u64(tc_buf_t *b, uint64_t v)
{
  char tmp[20];
  size_t i = sizeof tmp;
  do {
    tmp[--i] = (char)('0' + (v % 10u));
    v /= 10u;
  } while (v);
  tc_buf_put(b, tmp + i, sizeof tmp - i);
}

void tc_buf_put_i64(tc_buf_t *b, int64_t v)
{
  if (v < 0) {
    tc_buf_put(b, "-", 1);
    tc_buf_put_u64(b, (uint64_t)0 - (uint64_t)v);
  } else {
    tc_buf_put_u64(b, (uint64_t)v);
  }
}

/* CRC-32 with a 16-entry nibble table: 64 bytes of table, two lookups a byte. */
uint32_t tc_crc32(uint32_t crc, const void *p, size_t n)
{
  static const uint32_t t[16] = {
    0x00000000u, 0x1DB71064u, 0x3B6E20C8u, 0x26D930ACu, 0x76DC4190u, 0x6B6B51F4u,
    0x4DB26158u, 0x5005713Cu, 0xEDB88320u, 0xF00F9344u, 0xD6D6A3E8u, 0xCB61B38Cu,
    0x9B64C2B0u, 0x86D3D2D4u, 0xA00AE278u, 0xBDBDF21Cu,
  };
  const uint8_t *b = p;
  crc = ~crc;
  while (n-- > 0) {
    crc ^= *b++;
    crc = (crc >> 4) ^ t[crc & 15u];
    crc = (crc >> 4) ^ t[crc & 15u];
  }
  return ~crc;
}

bool tc_parse_u64(const char *s, size_t n, uint64_t *out)
{
  uint64_t v = 0;
  if (n == 0 || n > 19) return false;
  for (size_t i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10u + (uint64_t)(s[i] - '0');
  }
  *out = v;
  return true;
}

/* types.c — slice and bounded-buffer helpers. */
#include <string.h>

#include "tc_types.h"

bool tc_slice_eq(tc_slice_t a, const char *s)
{
  size_t n = strlen(s);
  return a.ptr != NULL && a.len == n && memcmp(a.ptr, s, n) == 0;
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

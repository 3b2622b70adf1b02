/*
 * tc_types.h — the few value types every layer shares.
 */
#ifndef TC_TYPES_H
#define TC_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tc_err.h"

/* A (pointer, length) view into memory someone else owns. Not NUL-terminated.
 * An absent field is { NULL, 0 }; a present empty string is { ptr, 0 } with
 * ptr != NULL. A slice handed to a callback is valid only during that call. */
typedef struct tc_slice {
  const char *ptr;
  size_t len;
} tc_slice_t;

#define TC_SLICE_NULL ((tc_slice_t){ NULL, 0 })

/* True when the slice holds exactly the NUL-terminated string `s`. */
bool tc_slice_eq(tc_slice_t a, const char *s);

/* True when the slice is present (ptr != NULL), possibly empty. */
static inline bool tc_slice_present(tc_slice_t a) { return a.ptr != NULL; }

/* A growable-by-nobody output buffer: writes past `cap` set `overflow` and
 * are dropped; `len` never exceeds `cap`. */
typedef struct tc_buf {
  char *ptr;
  size_t cap;
  size_t len;
  bool overflow;
} tc_buf_t;

static inline tc_buf_t tc_buf_make(char *mem, size_t cap)
{
  tc_buf_t b = { mem, cap, 0, false };
  return b;
}

/* Appends n bytes; on overflow appends nothing and sets b->overflow. */
void tc_buf_put(tc_buf_t *b, const void *p, size_t n);
/* Appends a NUL-terminated string (without the NUL). */
void tc_buf_puts(tc_buf_t *b, const char *s);
/* Appends the decimal form of v. */
void tc_buf_put_u64(tc_buf_t *b, uint64_t v);
void tc_buf_put_i64(tc_buf_t *b, int64_t v);

/* Parses all of s[0..n) as an unsigned decimal (no sign, no spaces, at most
 * 19 digits). Returns false on anything else. */
bool tc_parse_u64(const char *s, size_t n, uint64_t *out);

/* CRC-32 (IEEE 802.3, reflected, as zlib's crc32) of p[0..n), continuing
 * from crc (start with 0). Used by the session record and the flash store. */
uint32_t tc_crc32(uint32_t crc, const void *p, size_t n);

#endif /* TC_TYPES_H */

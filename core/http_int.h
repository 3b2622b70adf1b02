/*
 * http_int.h — PRIVATE helpers shared by core/http_url.c, core/http_req.c
 * and core/http_resp.c (tc_http.h is split in three objects so that a
 * linker drops what an application does not call: the `.out` decode path
 * needs only http_resp.o).
 */
#ifndef TC_HTTP_INT_H
#define TC_HTTP_INT_H

#include <string.h>

#include "tc_http.h"

/* ------------------------------------------------------------ helpers */

static inline char lower(char c) { return (c >= 'A' && c <= 'Z') ? (char)(c + ('a' - 'A')) : c; }

/* p[0..n) equals the lower-case literal `lit`, ignoring ASCII case. */
static inline bool ieq(const char *p, size_t n, const char *lit)
{
  size_t i = 0;
  for (; i < n; i++)
    if (lit[i] == '\0' || lower(p[i]) != lit[i]) return false;
  return lit[i] == '\0';
}

static inline bool ieq_s(tc_slice_t s, const char *lit) { return ieq(s.ptr, s.len, lit); }

static inline bool is_digit(char c) { return c >= '0' && c <= '9'; }
static inline bool is_alnum(char c) { return is_digit(c) || (lower(c) >= 'a' && lower(c) <= 'z'); }

/* RFC 9110 tchar. */
static inline bool is_tchar(char c)
{
  /* a plain loop, not strchr: the decode path then links no strchr */
  for (const char *t = "!#$%&'*+-.^_`|~"; *t; t++)
    if (c == *t) return true;
  return is_alnum(c);
}

static inline bool is_token(tc_slice_t s)
{
  if (s.ptr == NULL || s.len == 0) return false;
  for (size_t i = 0; i < s.len; i++)
    if (!is_tchar(s.ptr[i])) return false;
  return true;
}

/* No control byte (HTAB allowed when `text`), no DEL, no SP unless `text`. */
static inline bool is_clean(tc_slice_t s, bool text)
{
  if (s.ptr == NULL) return s.len == 0;
  for (size_t i = 0; i < s.len; i++) {
    unsigned char c = (unsigned char)s.ptr[i];
    if (c == 0x7f || (c < 0x20 && !(text && c == '\t')) || (c == ' ' && !text)) return false;
  }
  return true;
}

static inline bool is_ows(char c) { return c == ' ' || c == '\t'; }

static inline tc_slice_t trim(const char *p, size_t n)
{
  while (n && is_ows(p[0])) { p++; n--; }
  while (n && is_ows(p[n - 1])) n--;
  return (tc_slice_t){ p, n };
}

/* Next element of a comma-separated list, OWS trimmed; false at the end. */
static inline bool next_elem(tc_slice_t v, size_t *pos, tc_slice_t *e)
{
  size_t i = *pos, j = i;
  if (i > v.len) return false;
  while (j < v.len && v.ptr[j] != ',') j++;
  *e = trim(v.ptr + i, j - i);
  *pos = j + 1;
  return true;
}

/* All of s as a decimal number no larger than INT64_MAX; -1 otherwise. */
static inline int64_t dec(tc_slice_t s)
{
  uint64_t v = 0;
  if (s.len == 0) return -1;
  for (size_t i = 0; i < s.len; i++) {
    unsigned d = (unsigned)(s.ptr[i] - '0');
    /* v * 10 + d <= INT64_MAX, without a 64-bit division */
    if (d > 9 || v > 922337203685477580u - (d > 7)) return -1;
    v = v * 10u + d;
  }
  return (int64_t)v;
}

/* Headers the parser captures (lower case), in the order of the H_ values. */
enum { H_CL, H_TE, H_CONN, H_CT, H_SETTLED, H_VERSION, H_RETRY, H_RESET, H_OTHER };
static const char k_known[] = "content-length\0transfer-encoding\0connection\0content-type\0"
                              "x-session-settled\0x-stream-version\0retry-after\0x-ratelimit-reset\0";

static inline int known(tc_slice_t name)
{
  const char *s = k_known;
  int h = H_CL;
  for (; *s && !ieq_s(name, s); s += strlen(s) + 1) h++;
  return h;
}

#endif /* TC_HTTP_INT_H */

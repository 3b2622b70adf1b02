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

/* p[0..n) equals the lower-case literal `lit`, ignoring ASCII case
 * (defined once, in http_resp.c, for all three objects). */
bool tc_http__ieq(const char *p, size_t n, const char *lit);

static inline bool ieq_s(tc_slice_t s, const char *lit) { return tc_http__ieq(s.ptr, s.len, lit); }

static inline bool is_digit(char c) { return c >= '0' && c <= '9'; }
static inline bool is_alnum(char c) { return is_digit(c) || (lower(c) >= 'a' && lower(c) <= 'z'); }

/* RFC 9110 tchar (ALPHA, DIGIT and !#$%&'*+-.^_`|~), one bit per ASCII
 * byte (defined in http_resp.c): a table lookup is smaller than the
 * comparisons, in both objects that use it. */
extern const uint8_t tc_http__tchar[16];

static inline bool is_tchar(char c)
{
  unsigned u = (unsigned char)c;
  return u < 128 && ((tc_http__tchar[u >> 3] >> (u & 7)) & 1);
}

static inline bool is_ows(char c) { return c == ' ' || c == '\t'; }

static inline tc_slice_t trim(const char *p, size_t n)
{
  while (n && is_ows(p[0])) { p++; n--; }
  while (n && is_ows(p[n - 1])) n--;
  return (tc_slice_t){ p, n };
}

/* Header names the parser captures (H_CL .. H_RESET, in tc_http__known's
 * table order) or the request writer refuses (H_CL, H_TE, H_HOST). */
enum { H_CL, H_TE, H_HOST, H_CONN, H_CT, H_SETTLED, H_VERSION, H_RETRY, H_RESET, H_OTHER };

/* The H_ value of a header name (any case); H_OTHER when not listed.
 * Defined in http_resp.c. */
int tc_http__known(tc_slice_t name);

#endif /* TC_HTTP_INT_H */

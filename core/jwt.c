/*
 * jwt.c — reads `exp` and `iat` from a JWT's claims (for the proactive token
 * refresh; protocol.md §3.3). Decodes the base64url payload into a bounded
 * stack buffer and walks its members (core/json_str.c). The signature is not
 * checked.
 */
#include <string.h>

#include "tc_chat.h"
#include "tc_json.h"
#include "tc_json_int.h"

/* The decoded payload of the longest token the chat stores (base64url:
 * 4 characters per 3 bytes, the payload being part of the token). */
#define JWT_PAYLOAD_MAX (TC_CHAT_TOKEN_MAX / 4 * 3)

static int b64url_val(char ch)
{
  if (ch >= 'A' && ch <= 'Z') return ch - 'A';
  if (ch >= 'a' && ch <= 'z') return ch - 'a' + 26;
  if (ch >= '0' && ch <= '9') return ch - '0' + 52;
  if (ch == '-') return 62;
  if (ch == '_') return 63;
  return -1;
}

/* Decodes unpadded base64url s[0..n) into out; returns the length or -1. */
static long b64url_decode(const char *s, size_t n, char *out, size_t cap)
{
  uint32_t acc = 0;
  size_t bits = 0, o = 0;
  if (n % 4 == 1) return -1;
  for (size_t i = 0; i < n; i++) {
    int v = b64url_val(s[i]);
    if (v < 0) return -1;
    acc = (acc << 6) | (uint32_t)v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      if (o == cap) return -1;
      out[o++] = (char)(acc >> bits);
    }
  }
  return (long)o;
}

/* A claim's value as a non-negative integer (seconds), or -1. */
static int64_t claim(const tc_json_member_t *m)
{
  uint64_t v;
  if (!tc_parse_u64(m->v, (size_t)(m->ve - m->v), &v) || v > INT64_MAX) return -1;
  return (int64_t)v;
}

tc_err_t tc_jwt_times(const char *jwt, size_t len, int64_t *exp_s, int64_t *iat_s)
{
  char buf[JWT_PAYLOAD_MAX];
  const char *dot[2] = { NULL, NULL }; /* the two dots of header.payload.signature */
  const char *p, *e;
  unsigned dots = 0;
  long n;
  int more;
  *exp_s = *iat_s = -1;
  for (size_t i = 0; i < len; i++)
    if (jwt[i] == '.' && dots++ < 2) dot[dots - 1] = jwt + i;  /* counts every dot, keeps two */
  if (dots != 2) return TC_ERR_TOKEN;
  n = b64url_decode(dot[0] + 1, (size_t)(dot[1] - dot[0] - 1), buf, sizeof buf);
  if (n <= 0) return TC_ERR_TOKEN;
  /* The claims object, walked member by member (validated as it goes, no
   * token array: this runs deep in the `.out` path, see `make stack`). A
   * repeated claim: the last one counts, as with JSON.parse. */
  e = buf + n;
  p = tc_json__ws(buf, e);
  more = tc_json__open(&p, e);
  while (more == 1) {
    tc_json_member_t m;
    if (tc_json__member(&p, e, TC_JSON__NESTED, &m) != TC_OK) break;
    if (tc_slice_eq(m.key, "exp")) *exp_s = claim(&m);
    else if (tc_slice_eq(m.key, "iat")) *iat_s = claim(&m);
    more = tc_json__next(&p, e);
  }
  if (more != 0 || tc_json__ws(p, e) != e) {
    *exp_s = *iat_s = -1;
    return TC_ERR_TOKEN;
  }
  return TC_OK;
}

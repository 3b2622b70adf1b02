/*
 * jwt.c — reads `exp` and `iat` from a JWT's claims (for the proactive token
 * refresh; protocol.md §3.3). Decodes the base64url payload into a bounded
 * stack buffer and reads it with tc_json. The signature is not checked.
 */
#include <string.h>

#include "tc_chat.h"
#include "tc_json.h"

#define JWT_PAYLOAD_MAX 1024

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

static int64_t claim(const tc_json_doc_t *d, const char *key)
{
  uint64_t v;
  if (tc_json_u64(d, tc_json_get(d, 0, key), &v) != TC_OK || v > INT64_MAX) return -1;
  return (int64_t)v;
}

tc_err_t tc_jwt_times(const char *jwt, size_t len, int64_t *exp_s, int64_t *iat_s)
{
  char buf[JWT_PAYLOAD_MAX];
  tc_json_tok_t tok[TC_CHAT_ANSWER_TOKENS];
  tc_json_doc_t d;
  const char *dot[2] = { NULL, NULL }; /* the two dots of header.payload.signature */
  unsigned dots = 0;
  long n;
  *exp_s = *iat_s = -1;
  for (size_t i = 0; i < len; i++)
    if (jwt[i] == '.' && dots++ < 2) dot[dots - 1] = jwt + i;  /* counts every dot, keeps two */
  if (dots != 2) return TC_ERR_TOKEN;
  n = b64url_decode(dot[0] + 1, (size_t)(dot[1] - dot[0] - 1), buf, sizeof buf);
  if (n <= 0) return TC_ERR_TOKEN;
  if (tc_json_doc_parse(&d, buf, (size_t)n, tok, TC_CHAT_ANSWER_TOKENS) != TC_OK ||
      d.tok[0].type != JSMN_OBJECT)
    return TC_ERR_TOKEN;
  *exp_s = claim(&d, "exp");
  *iat_s = claim(&d, "iat");
  return TC_OK;
}

/* fuzz_json.c — core/json_str.c, core/json_doc.c and core/chunk.c under
 * libFuzzer.
 *
 * Input: bytes 0-1 pick a cut position, the rest is the text. Asserted:
 *   - the in-place unescaper and the streaming one (fed in two pieces at the
 *     cut, then byte by byte) agree on the result and the output, and the
 *     output is valid UTF-8;
 *   - tc_json_validate and tc_json_doc_parse agree (valid -> tokenised or
 *     TC_ERR_JSON_TOO_BIG); on a document, every object key resolves with
 *     tc_json_get and every string token unescapes;
 *   - tc_json_put_merged of the two halves either fails with a named error
 *     or writes an object that validates;
 *   - tc_json_put_str of a valid-UTF-8 text writes a valid JSON string that
 *     unescapes back to the text;
 *   - tc_chunk_parse never crashes and its string fields are valid UTF-8.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tc_chunk.h"
#include "tc_json_int.h"

#define MAXN 8192

static char a[MAXN + 8], b[(MAXN + 8) * 2], c[MAXN * 6 + 16];

static bool utf8_ok(const char *p, size_t n)
{
  for (size_t i = 0; i < n;) {
    if ((unsigned char)p[i] < 0x80) {
      i++;
      continue;
    }
    int k = tc_json__utf8((const unsigned char *)p + i, n - i);
    if (k <= 0) return false;
    i += (size_t)k;
  }
  return true;
}

static tc_err_t stream(const char *p, size_t n, size_t cut, bool bytewise, char *out, size_t *out_len)
{
  tc_json_unesc_t u;
  size_t len = 0, made, at = 0;
  tc_err_t e = TC_OK;
  tc_json_unesc_init(&u);
  while (at < n && e == TC_OK) {
    size_t k = bytewise ? 1 : (at == 0 ? cut : n - at);
    if (k == 0) k = n;
    if (k > n - at) k = n - at;
    e = tc_json_unesc_feed(&u, p + at, k, out + len, k + 4, &made);
    len += made;
    at += k;
  }
  if (e == TC_OK) e = tc_json_unesc_finish(&u);
  *out_len = len;
  return e;
}

static void check_unescape(const char *p, size_t n, size_t cut)
{
  size_t n1 = 0, n2, n3;
  tc_err_t e1, e2, e3;
  memcpy(a, p, n);
  e1 = tc_json_unescape(a, n, &n1);
  e2 = stream(p, n, cut, false, b, &n2);
  { /* the validator (tc_json__str) agrees with the decoder */
    const char *q = p;
    bool esc = false;
    tc_err_t e4 = tc_json__str(&q, p + n, &esc, false);
    if (e4 == TC_OK && q != p + n) e4 = TC_ERR_JSON_SYNTAX;
    if (e4 != e1) abort();
  }
  /* a raw quote is SYNTAX for both; the error kinds must agree */
  if (e1 != e2) abort();
  if (e1 == TC_OK) {
    if (n1 != n2 || memcmp(a, b, n1) != 0) abort();
    if (n1 > n || !utf8_ok(a, n1)) abort();
    if (n <= 512) {
      e3 = stream(p, n, cut, true, b, &n3);
      if (e3 != TC_OK || n3 != n1 || memcmp(a, b, n1) != 0) abort();
    }
  }
}

static void check_doc(const char *p, size_t n)
{
  static tc_json_tok_t tok[256];
  tc_json_doc_t d;
  tc_err_t v = tc_json_validate(p, n), e;
  memcpy(a, p, n);
  e = tc_json_doc_parse(&d, a, n, tok, 256);
  if (v != TC_OK) {
    if (e == TC_OK) abort();
    return;
  }
  if (e == TC_ERR_JSON_TOO_BIG) return;
  if (e != TC_OK) abort();
  if (tc_json_skip(&d, 0) != d.ntok) abort();
  for (int i = 0; i < d.ntok; i++) {
    if (d.tok[i].type == JSMN_OBJECT) {
      int j = i + 1;
      for (int k = 0; k < d.tok[i].size; k++) {
        char key[64];
        tc_slice_t r = tc_json_raw(&d, j);
        if (r.len < sizeof key && !memchr(r.ptr, '\\', r.len) && !memchr(r.ptr, 0, r.len)) {
          memcpy(key, r.ptr, r.len);
          key[r.len] = 0;
          if (tc_json_get(&d, i, key) < 0) abort();
        }
        j = tc_json_skip(&d, j + 1);
      }
    }
  }
  for (int i = 0; i < d.ntok; i++) {
    tc_slice_t s;
    if (d.tok[i].type == JSMN_STRING && tc_json_str(&d, i, &s) == TC_OK && !utf8_ok(s.ptr, s.len)) abort();
  }
}

static void check_merge(const char *p, size_t n, size_t cut)
{
  tc_slice_t base = { p, cut }, over = { p + cut, n - cut };
  tc_buf_t out = tc_buf_make(b, sizeof b);
  tc_err_t e = tc_json_put_merged(&out, base, over);
  if (e == TC_OK && tc_json_validate(out.ptr, out.len) != TC_OK) abort();
  if (e == TC_OK && (tc_json_validate(p, cut) != TC_OK || tc_json_validate(p + cut, n - cut) != TC_OK)) abort();
}

static void check_put_str(const char *p, size_t n)
{
  tc_buf_t out = tc_buf_make(c, sizeof c);
  tc_slice_t s = { p, n };
  size_t len;
  if (!utf8_ok(p, n)) return;
  tc_json_put_str(&out, s);
  if (out.overflow || tc_json_validate(out.ptr, out.len) != TC_OK) abort();
  if (tc_json_unescape(c + 1, out.len - 2, &len) != TC_OK || len != n || memcmp(c + 1, p, n) != 0) abort();
}

static void check_chunk(const char *p, size_t n)
{
  tc_chunk_t ch;
  memcpy(a, p, n);
  if (tc_chunk_parse(a, n, &ch) != TC_OK) return;
  if (!ch.type_name.ptr) abort();
  if (ch.type != TC_CHUNK_UNKNOWN) {
    const tc_slice_t *str[] = { &ch.id, &ch.delta, &ch.message_id, &ch.tool_call_id, &ch.error_text, &ch.url };
    for (unsigned i = 0; i < sizeof str / sizeof str[0]; i++)
      if (str[i]->ptr && !utf8_ok(str[i]->ptr, str[i]->len)) abort();
  } else if (ch.raw.ptr < a || ch.raw.ptr + ch.raw.len > a + n || memcmp(ch.raw.ptr, p + (ch.raw.ptr - a), ch.raw.len) != 0) {
    /* an unknown type passes through untouched (its type string unescaped) */
    if (!memchr(p, '\\', n)) abort();
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  size_t cut;
  const char *p;
  if (size < 2 || size - 2 > MAXN) return 0;
  cut = (size_t)data[0] << 8 | data[1];
  p = (const char *)data + 2;
  size -= 2;
  cut %= size + 1;
  check_unescape(p, size, cut);
  check_doc(p, size);
  check_merge(p, size, cut);
  check_put_str(p, size);
  check_chunk(p, size);
  return 0;
}

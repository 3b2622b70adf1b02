/*
 * json_doc.c — small bounded JSON documents, tokenised with jsmn.
 *
 * jsmn is compiled here and only here (renamed tc_jsmn_*, see tc_jsmn.h).
 * jsmn alone accepts some invalid texts (it does not check commas, colons or
 * number syntax), so a document is first checked with tc_json_validate; jsmn
 * then only finds token boundaries in text known to be valid, and the typed
 * readers below may rely on that.
 */
#define TC_JSMN_IMPLEMENTATION 1
#include "tc_jsmn.h"

#include <string.h>

#include "tc_json_int.h"

tc_err_t tc_json_doc_parse(tc_json_doc_t *d, char *js, size_t len, tc_json_tok_t *tok, int cap)
{
  jsmn_parser jp;
  const char *p;
  tc_err_t err;
  int n;

  memset(d, 0, sizeof *d);
  if (!js || !tok || cap < 1 || len > 0x7FFFFFFFu) return TC_ERR_ARG;
  if ((err = tc_json_validate(js, len)) != TC_OK) return err;
  d->js = js;
  d->len = len;
  d->tok = tok;
  p = tc_json__ws(js, js + len);
  if (*p != '{' && *p != '[') {
    /* jsmn (strict) wants a delimiter after a primitive: make the one token here */
    const char *q = p;
    tc_json__value(&q, js + len);
    tok[0].type = *p == '"' ? JSMN_STRING : JSMN_PRIMITIVE;
    tok[0].start = (int)(p - js) + (*p == '"');
    tok[0].end = (int)(q - js) - (*p == '"');
    tok[0].size = 0;
    d->ntok = 1;
    return TC_OK;
  }
  tc_jsmn_init(&jp);
  n = tc_jsmn_parse(&jp, js, len, tok, (unsigned)cap);
  if (n == JSMN_ERROR_NOMEM) return TC_ERR_JSON_TOO_BIG;
  if (n < 1) return TC_ERR_JSON_SYNTAX;
  d->ntok = n;
  return TC_OK;
}

int tc_json_skip(const tc_json_doc_t *d, int i)
{
  int left = 1;
  while (left > 0 && i < d->ntok) {
    left += d->tok[i].size - 1;
    i++;
  }
  return i;
}

static bool tok_ok(const tc_json_doc_t *d, int i)
{
  return i >= 0 && i < d->ntok;
}

int tc_json_get(const tc_json_doc_t *d, int obj, const char *key)
{
  size_t klen = strlen(key);
  int i, n;
  if (!tok_ok(d, obj) || d->tok[obj].type != JSMN_OBJECT) return -1;
  n = d->tok[obj].size;
  i = obj + 1;
  while (n-- > 0 && i + 1 < d->ntok) {
    const tc_json_tok_t *k = &d->tok[i];
    if ((size_t)(k->end - k->start) == klen && memcmp(d->js + k->start, key, klen) == 0) return i + 1;
    i = tc_json_skip(d, i + 1);
  }
  return -1;
}

tc_slice_t tc_json_raw(const tc_json_doc_t *d, int i)
{
  tc_slice_t s = TC_SLICE_NULL;
  if (tok_ok(d, i)) {
    s.ptr = d->js + d->tok[i].start;
    s.len = (size_t)(d->tok[i].end - d->tok[i].start);
  }
  return s;
}

tc_err_t tc_json_str(tc_json_doc_t *d, int i, tc_slice_t *out)
{
  char *s;
  if (!tok_ok(d, i) || d->tok[i].type != JSMN_STRING) return TC_ERR_JSON_TYPE;
  s = d->js + d->tok[i].start;
  out->ptr = s;
  out->len = tc_json__unescape_valid(s, (size_t)(d->tok[i].end - d->tok[i].start));
  return TC_OK;
}

tc_err_t tc_json_u64(const tc_json_doc_t *d, int i, uint64_t *out)
{
  tc_slice_t r = tc_json_raw(d, i);
  if (!r.ptr || d->tok[i].type != JSMN_PRIMITIVE || !tc_parse_u64(r.ptr, r.len, out))
    return TC_ERR_JSON_TYPE;
  return TC_OK;
}

tc_err_t tc_json_bool(const tc_json_doc_t *d, int i, bool *out)
{
  tc_slice_t r = tc_json_raw(d, i);
  if (!r.ptr || d->tok[i].type != JSMN_PRIMITIVE || (r.ptr[0] != 't' && r.ptr[0] != 'f'))
    return TC_ERR_JSON_TYPE;
  *out = r.ptr[0] == 't';
  return TC_OK;
}

bool tc_json_is_null(const tc_json_doc_t *d, int i)
{
  return tok_ok(d, i) && d->tok[i].type == JSMN_PRIMITIVE && d->js[d->tok[i].start] == 'n';
}

/*
 * json_doc.c — small bounded JSON documents, tokenised with jsmn.
 *
 * jsmn is compiled here and only here (renamed tc_jsmn_*, see tc_jsmn.h).
 * jsmn alone accepts some invalid texts (it does not check commas, colons or
 * number syntax), so a document is first checked with tc_json_validate; jsmn
 * then only finds token boundaries in text known to be valid, and the typed
 * readers below may rely on that. (This is also why jsmn is built without
 * JSMN_STRICT: its checks would only repeat the validator's.)
 */
#define TC_JSMN_IMPLEMENTATION 1
#include "tc_jsmn.h"

#include <string.h>

#include "tc_json_int.h"

tc_err_t tc_json_doc_parse(tc_json_doc_t *d, char *js, size_t len, tc_json_tok_t *tok, int cap)
{
  jsmn_parser jp;
  tc_err_t err;
  int n;

  memset(d, 0, sizeof *d);
  if (!js || !tok || cap < 1 || len > 0x7FFFFFFFu) return TC_ERR_ARG;
  if ((err = tc_json_validate(js, len)) != TC_OK) return err;
  tc_jsmn_init(&jp);
  /* valid text: jsmn can only run out of tokens (a lone primitive, which
   * non-strict jsmn accepts, is one token) */
  n = tc_jsmn_parse(&jp, js, len, tok, (unsigned)cap);
  if (n < 1) return n == JSMN_ERROR_NOMEM ? TC_ERR_JSON_TOO_BIG : TC_ERR_JSON_SYNTAX;
  d->js = js;
  d->len = len;
  d->tok = tok;
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

/* Token i when it exists and has type t, else NULL. */
static const tc_json_tok_t *tok_at(const tc_json_doc_t *d, int i, jsmntype_t t)
{
  return i >= 0 && i < d->ntok && d->tok[i].type == t ? &d->tok[i] : NULL;
}

int tc_json_get(const tc_json_doc_t *d, int obj, const char *key)
{
  const tc_json_tok_t *o = tok_at(d, obj, JSMN_OBJECT);
  int i = obj + 1, n = o ? o->size : 0, found = -1;
  /* every member: of a key given twice the last counts, as in JSON.parse */
  for (; n > 0 && i + 1 < d->ntok; n--, i = tc_json_skip(d, i + 1))
    if (tc_slice_eq(tc_json_raw(d, i), key)) found = i + 1;
  return found;
}

tc_slice_t tc_json_raw(const tc_json_doc_t *d, int i)
{
  tc_slice_t s = TC_SLICE_NULL;
  if (i >= 0 && i < d->ntok) {
    s.ptr = d->js + d->tok[i].start;
    s.len = (size_t)(d->tok[i].end - d->tok[i].start);
  }
  return s;
}

tc_err_t tc_json_str(tc_json_doc_t *d, int i, tc_slice_t *out)
{
  const tc_json_tok_t *t = tok_at(d, i, JSMN_STRING);
  if (!t) return TC_ERR_JSON_TYPE;
  out->ptr = d->js + t->start;
  out->len = tc_json__unescape_valid(d->js + t->start, (size_t)(t->end - t->start));
  return TC_OK;
}

/* The first byte of primitive token i, or 0 when i is not a primitive. */
static char prim(const tc_json_doc_t *d, int i)
{
  const tc_json_tok_t *t = tok_at(d, i, JSMN_PRIMITIVE);
  return t ? d->js[t->start] : '\0';
}

tc_err_t tc_json_u64(const tc_json_doc_t *d, int i, uint64_t *out)
{
  const tc_json_tok_t *t = tok_at(d, i, JSMN_PRIMITIVE);
  return t && tc_parse_u64(d->js + t->start, (size_t)(t->end - t->start), out) ? TC_OK : TC_ERR_JSON_TYPE;
}

tc_err_t tc_json_bool(const tc_json_doc_t *d, int i, bool *out)
{
  char c = prim(d, i);
  if (c != 't' && c != 'f') return TC_ERR_JSON_TYPE;
  *out = c == 't';
  return TC_OK;
}

bool tc_json_is_null(const tc_json_doc_t *d, int i) { return prim(d, i) == 'n'; }

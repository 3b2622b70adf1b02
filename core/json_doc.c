/*
 * json_doc.c — small bounded JSON documents, as jsmn tokens.
 *
 * A document is first checked with tc_json_validate; the tokens are then
 * written by a short walk that relies on the text being valid (below), in
 * jsmn's layout: jsmn.h supplies the token type (tc_json_tok_t), and the
 * tokens are the ones jsmn's parser would produce for the same valid text
 * (tests/fuzz/fuzz_json.c compares them with jsmn's own, token by token).
 * jsmn's parser itself is not compiled: it repeats checks the validator
 * has made, at ~500 more bytes of Cortex-M4 flash.
 */
#include "tc_jsmn.h"

#include <string.h>

#include "tc_json_int.h"

/* Tokens of a text tc_json_validate accepted, laid out as jsmn lays them
 * out (an object's size counts its keys, a key's size is 1, a string's
 * span is inside its quotes; a container's end is found from the innermost
 * one still open, as jsmn does without parent links). The text being
 * valid, nothing is checked: every byte is either white space, a ':' or
 * ',' or a closing bracket (which move the "super" token values count
 * into), or starts a token. JSMN_ERROR_NOMEM when cap tokens are not
 * enough. */
static int tokenize(const char *js, int len, tc_json_tok_t *tok, int cap)
{
  int n = 0, sup = -1, i, p;
  for (p = 0; p < len; p++) {
    char c = js[p];
    tc_json_tok_t *t;
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') continue;
    if (c == ':') { /* the key's value counts into the key */
      sup = n - 1;
      continue;
    }
    if (c == ',' || c == '}' || c == ']') {
      /* the innermost open container: c closes it, or what follows a ','
       * counts into it */
      for (i = n - 1; i >= 0 && tok[i].end != -1; i--) {}
      if (c != ',' && i >= 0) {
        tok[i].end = p + 1;
        for (i--; i >= 0 && tok[i].end != -1; i--) {}
      }
      sup = i;
      continue;
    }
    if (n >= cap) return JSMN_ERROR_NOMEM;
    t = &tok[n];
    t->size = 0;
#ifdef JSMN_PARENT_LINKS
    t->parent = sup;
#endif
    if (sup >= 0) tok[sup].size++;
    t->start = p;
    t->end = -1;
    if (c == '{' || c == '[') {
      t->type = c == '{' ? JSMN_OBJECT : JSMN_ARRAY;
      sup = n;
    } else if (c == '"') {
      t->type = JSMN_STRING;
      t->start = ++p;
      for (; js[p] != '"'; p++)
        if (js[p] == '\\') p++;
      t->end = p;
    } else { /* a number or a literal: up to white space, ',', ']' or '}' */
      t->type = JSMN_PRIMITIVE;
      while (p + 1 < len && (unsigned char)js[p + 1] > ' ' && js[p + 1] != ',' && js[p + 1] != ']' && js[p + 1] != '}') p++;
      t->end = p + 1;
    }
    n++;
  }
  return n;
}

tc_err_t tc_json_doc_parse(tc_json_doc_t *d, char *js, size_t len, tc_json_tok_t *tok, int cap)
{
  tc_err_t err;
  int n;

  memset(d, 0, sizeof *d);
  if (!js || !tok || cap < 1 || len > 0x7FFFFFFFu) return TC_ERR_ARG;
  if ((err = tc_json_validate(js, len)) != TC_OK) return err;
  /* valid text: the tokens can only run out */
  n = tokenize(js, (int)len, tok, cap);
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
  int i = obj + 1, n = o ? o->size : 0;
  for (; n > 0 && i + 1 < d->ntok; n--, i = tc_json_skip(d, i + 1))
    if (tc_slice_eq(tc_json_raw(d, i), key)) return i + 1;
  return -1;
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

/*
 * json_doc.c — small bounded JSON documents, as tokens.
 *
 * The token layout is jsmn's (tc_json_tok_t is jsmntok_t, from Debian's
 * libjsmn-dev: only its type is used). A document is first checked with
 * tc_json_validate, so the tokens are found by one short walk over text
 * known to be valid (below), not by jsmn's parser: that would be a third
 * JSON scanner in the image (the validator and the `.out` scanner are the
 * others), and every check it makes the validator has made already.
 * tests/fuzz/fuzz_json.c checks the tokens against jsmn's own on every
 * valid input.
 */
#include <string.h>

#include "tc_json_int.h"

/* The innermost container among tok[0..n) still open (end -1: only an open
 * container has that), or -1. */
static int open_container(const tc_json_tok_t *tok, int n)
{
  while (--n >= 0 && tok[n].end != -1) {}
  return n;
}

/* Tokenises valid text, as jsmn (non-strict) would: `sup` is the token the
 * next value is counted in (a container, or a key after its colon). Returns
 * the count, or TC_ERR_JSON_TOO_BIG when cap tokens are not enough. */
static int tokenize(const char *js, int len, tc_json_tok_t *tok, int cap)
{
  int n = 0, sup = -1;
  for (int i = 0; i < len; i++) {
    char c = js[i];
    tc_json_tok_t *t;
    switch (c) {
    case ' ': case '\t': case '\n': case '\r': continue;
    case ':': sup = n - 1; continue; /* the key */
    case ',':
      if (tok[sup].type == JSMN_STRING) sup = open_container(tok, n); /* after a member's value */
      continue;
    case '}': case ']':
      t = &tok[open_container(tok, n)];
      t->end = i + 1;
      sup = open_container(tok, n);
      continue;
    default: break;
    }
    /* a value starts at i */
    if (n >= cap) return TC_ERR_JSON_TOO_BIG;
    t = &tok[n++];
    t->start = i;
    t->size = 0;
    if (sup >= 0) tok[sup].size++;
    if (c == '{' || c == '[') {
      t->type = c == '{' ? JSMN_OBJECT : JSMN_ARRAY;
      t->end = -1;
      sup = n - 1;
      continue;
    }
    if (c == '"') { /* inside the quotes (an escape is two bytes at least) */
      t->type = JSMN_STRING;
      t->start = ++i;
      for (; js[i] != '"'; i++) i += js[i] == '\\';
      t->end = i;
    } else { /* a number or a literal: up to the byte that ends it */
      t->type = JSMN_PRIMITIVE;
      while (i + 1 < len && !memchr(" \t\n\r,]}", js[i + 1], 7)) i++;
      t->end = i + 1;
    }
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
  /* valid text: one value at least, so n >= 1 unless the tokens ran out */
  if ((n = tokenize(js, (int)len, tok, cap)) < 0) return (tc_err_t)n;
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

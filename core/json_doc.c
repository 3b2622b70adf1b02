/*
 * json_doc.c — small bounded JSON documents, as jsmn tokens.
 *
 * A document is first checked with tc_json_validate (json_str.c), which
 * knows the whole grammar; then tokenise() below finds the token boundaries
 * in text known to be valid, so it tracks only the structure and checks
 * nothing. The tokens are jsmn's (tc_json_tok_t is jsmntok_t, from
 * <jsmn.h>) with the layout jsmn gives them; jsmn's own parser, which would
 * repeat the validator's work, is not compiled (it cost about 800 bytes of
 * Cortex-M4 flash; tests/test_json_doc.c compares the two token by token).
 */
#include <string.h>

#include "tc_json_int.h"

/* The innermost container still open at or before token k, or -1 (strings
 * and primitives get their end when made; only containers are open). */
static int open_before(const tc_json_tok_t *tok, int k)
{
  while (k >= 0 && tok[k].end >= 0) k--;
  return k;
}

/* Tokens of js[0..len), which tc_json_validate accepted: type; start and end
 * (a string without its quotes); size (an object counts its keys, a key its
 * value, an array its elements). Returns the count, -1 when cap is short. */
static int tokenise(const char *js, size_t len, tc_json_tok_t *tok, int cap)
{
  int n = 0, sup = -1; /* the token the next value belongs to (as jsmn's toksuper) */
  for (size_t i = 0; i < len; i++) {
    char c = js[i];
    tc_json_tok_t *t = &tok[n];
    if ((unsigned char)c <= ' ') continue; /* white space (valid text has no other byte <= ' ' here) */
    if (c == ':') {
      sup = n - 1; /* the key */
      continue;
    }
    if (c == ',' || c == '}' || c == ']') {
      if (c != ',') {
        sup = open_before(tok, n - 1);
        tok[sup].end = (int)i + 1;
      }
      /* after a member's value, or a container's end: back to the container around */
      if (sup >= 0 && tok[sup].end >= 0) sup = open_before(tok, sup);
      continue;
    }
    if (n == cap) return -1;
    if (sup >= 0) tok[sup].size++;
    t->size = 0;
    t->start = (int)i;
    t->end = -1;
    if (c == '{' || c == '[') {
      t->type = c == '{' ? JSMN_OBJECT : JSMN_ARRAY;
      sup = n;
    } else if (c == '"') {
      t->type = JSMN_STRING;
      t->start++;
      while (++i < len && js[i] != '"') i += js[i] == '\\';
      t->end = (int)i;
    } else { /* a number, true, false or null: up to a delimiter */
      t->type = JSMN_PRIMITIVE;
      while (i + 1 < len && (unsigned char)js[i + 1] > ' ' && js[i + 1] != ',' && js[i + 1] != ']' &&
             js[i + 1] != '}')
        i++;
      t->end = (int)i + 1;
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
  if ((n = tokenise(js, len, tok, cap)) < 0) return TC_ERR_JSON_TOO_BIG;
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
  size_t klen = strlen(key);
  const tc_json_tok_t *o = tok_at(d, obj, JSMN_OBJECT);
  int i = obj + 1, n = o ? o->size : 0;
  for (; n > 0 && i + 1 < d->ntok; n--) {
    const tc_json_tok_t *k = &d->tok[i];
    if ((size_t)(k->end - k->start) == klen && memcmp(d->js + k->start, key, klen) == 0) return i + 1;
    i = tc_json_skip(d, i + 1);
  }
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
  tc_slice_t r = tc_json_raw(d, i);
  return prim(d, i) && tc_parse_u64(r.ptr, r.len, out) ? TC_OK : TC_ERR_JSON_TYPE;
}

tc_err_t tc_json_bool(const tc_json_doc_t *d, int i, bool *out)
{
  char c = prim(d, i);
  if (c != 't' && c != 'f') return TC_ERR_JSON_TYPE;
  *out = c == 't';
  return TC_OK;
}

bool tc_json_is_null(const tc_json_doc_t *d, int i) { return prim(d, i) == 'n'; }

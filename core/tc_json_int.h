/*
 * tc_json_int.h — PRIVATE helpers shared by core/json_str.c, core/json_doc.c,
 * core/chunk.c and core/outstream.c. Not part of the public API: names end in
 * a double underscore form (tc_json__*) and may change at any time.
 *
 * All scanners work on complete, bounded text [p, e) except the streaming
 * unescaper step, which works on pieces.
 */
#ifndef TC_JSON_INT_H
#define TC_JSON_INT_H

#include "tc_json.h"


/* Status of tc_json__unesc_step besides TC_OK (all input used) and errors. */
#define TC_JSON__CLOSED 1  /* stopped at a raw '"' (not consumed): string ended */
#define TC_JSON__FULL 2    /* the output room is used up; input remains */

/* Number of leading bytes of [p, e) that are "plain" inside a JSON string:
 * 0x20..0x7F except '"' and '\\'. Word-at-a-time. */
size_t tc_json__plain(const char *p, const char *e);

/* Raw UTF-8 at p (p[0] >= 0x80), n bytes available: the sequence length
 * (2..4) when valid and complete, 0 when invalid, -1 when the n bytes are a
 * valid but incomplete prefix. */
int tc_json__utf8(const unsigned char *p, size_t n);

/* 1 for the bytes that are plain inside a JSON string: 0x20..0x7F except
 * '"' and '\\'. */
#if TC_DECODE_FAST
extern const uint8_t tc_json__plain_tab[256];
static inline bool tc_json__plain_byte(unsigned char c)
{
  return tc_json__plain_tab[c] != 0;
}
#else /* no 256-byte table when optimising for size */
static inline bool tc_json__plain_byte(unsigned char c)
{
  return c - 0x20u < 0x60u && c != '"' && c != '\\';
}
#endif

static inline int tc_json__hexv(unsigned c)
{
  if (c - '0' < 10u) return (int)(c - '0');
  c |= 0x20;
  if (c - 'a' < 6u) return (int)(c - 'a' + 10);
  return -1;
}

/* Four hex digits at p (bounded by e) -> *cp, or false. */
static inline bool tc_json__hex4(const char *p, const char *e, uint32_t *cp)
{
  uint32_t v = 0;
  if (e - p < 4) return false;
  for (int i = 0; i < 4; i++) {
    int d = tc_json__hexv((unsigned char)p[i]);
    if (d < 0) return false;
    v = v << 4 | (uint32_t)d;
  }
  *cp = v;
  return true;
}

/* Writes code point cp as UTF-8 at o; returns the length (1..4). */
static inline unsigned tc_json__utf8_put(char *o, uint32_t cp)
{
  if (cp < 0x80) { o[0] = (char)cp; return 1; }
  if (cp < 0x800) {
    o[0] = (char)(0xC0 | cp >> 6);
    o[1] = (char)(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    o[0] = (char)(0xE0 | cp >> 12);
    o[1] = (char)(0x80 | (cp >> 6 & 0x3F));
    o[2] = (char)(0x80 | (cp & 0x3F));
    return 3;
  }
  o[0] = (char)(0xF0 | cp >> 18);
  o[1] = (char)(0x80 | (cp >> 12 & 0x3F));
  o[2] = (char)(0x80 | (cp >> 6 & 0x3F));
  o[3] = (char)(0x80 | (cp & 0x3F));
  return 4;
}

/* JSON number grammar as a table-driven automaton, one byte at a time:
 * shared by the buffer validator (tc_json__value) and the `.out` decoder's
 * streaming scanner, which sees a number split across reads. Start in
 * TC_JSON__N_START; each byte gives the next state, TC_JSON__N_END (the
 * number ended before this byte, which is not part of it) or
 * TC_JSON__N_BAD (not a number). The end of the input is fed as any byte
 * that cannot continue a number (e.g. 0). */
enum {
  TC_JSON__N_START, TC_JSON__N_MINUS, TC_JSON__N_ZERO, TC_JSON__N_INT, TC_JSON__N_DOT,
  TC_JSON__N_FRAC, TC_JSON__N_E, TC_JSON__N_ESIGN, TC_JSON__N_EXP, TC_JSON__N_END, TC_JSON__N_BAD
};
unsigned tc_json__num_step(unsigned state, unsigned c);

/* "true\0false\0null": the JSON literals, for both scanners;
 * tc_json__literal(c) is the offset of the one starting with c ('t', 'f'
 * or 'n'). */
extern const char tc_json__literals[];
static inline unsigned tc_json__literal(unsigned c)
{
  return c == 't' ? 0u : c == 'f' ? 5u : 11u;
}

/* Skips white space. (One copy in json_str.c rather than an inline one
 * per module: it is not on the hot path.) */
const char *tc_json__ws(const char *p, const char *e);

/* Index of p[0..n) among the first `count` names of list (NUL-separated, in
 * order; a name may be empty), or -1. The decoder's key, type, header and
 * event names are looked up this way (no pointer tables). */
int tc_json__name_index(const char *list, unsigned count, const char *p, size_t n);

/* From *pp (inside a string), validates up to the first raw '"' (left at
 * *pp) or e: escapes (surrogate pairs included), control bytes, UTF-8.
 * *esc is set when a backslash was seen. TC_ERR_JSON_SYNTAX when e is
 * reached without a quote and need_quote is set. */
tc_err_t tc_json__str(const char **pp, const char *e, bool *esc, bool need_quote);

/* How the member / value walkers below may read their text (`mode`, OR'd):
 * TC_JSON__SIMPLE: the strings in the text are known to be valid, because
 *   the text holds no backslash, no byte < 0x20 and only valid UTF-8, or
 *   because it was validated before: strings then only need their closing
 *   quote found, escapes stepped over (the structure is still checked).
 * TC_JSON__NESTED: the object being walked sits inside one more container
 *   (a `.out` body's chunk): nested values may go one level less deep, as
 *   when the object is validated from outside.
 * TC_JSON__KEY (tc_json__member only): stop after the key and its colon,
 *   *pp at the value (m->v and m->ve not set). */
#define TC_JSON__SIMPLE 1u
#define TC_JSON__NESTED 2u
#define TC_JSON__KEY 4u

/* Validates one JSON value at *pp (no leading white space) and moves *pp
 * past it. Nesting deeper than TC_JSON_DEPTH_MAX is TC_ERR_JSON_DEPTH.
 * `mode`: see above. */
tc_err_t tc_json__value(const char **pp, const char *e, unsigned mode);

/* Decodes the escapes of a string already validated by tc_json__str, in
 * place; returns the new length. */
size_t tc_json__unescape_valid(char *s, size_t len);

/* Object members. tc_json__open: *pp at '{' (after white space): moves past
 * it and returns 1 when a member follows, 0 for "{}". tc_json__key: *pp at
 * a key's quote: sets the raw key (no quotes), *kesc, and moves *pp to the
 * value (after ':' and white space). tc_json__next: after a value: returns 1
 * (',' consumed, *pp at the next key), 0 ('}' consumed) or an error. */
int tc_json__open(const char **pp, const char *e);
int tc_json__next(const char **pp, const char *e);

/* One member "key": value at *pp (at the key's quote); *pp moves past the
 * value. `mode`: see above (with TC_JSON__SIMPLE, kesc / vesc: a backslash
 * was seen). */
typedef struct tc_json_member {
  tc_slice_t key;       /* raw, without quotes */
  const char *v, *ve;   /* the value as written (a string with its quotes) */
  bool kesc, vesc;      /* key / string value has escapes */
} tc_json_member_t;
tc_err_t tc_json__member(const char **pp, const char *e, unsigned mode, tc_json_member_t *m);

/* Streaming unescape step: decodes from in[0..n) into out[0..room).
 * Returns TC_OK (all input used), TC_JSON__CLOSED (stopped at a raw quote:
 * *used is its index), TC_JSON__FULL (no room for the next output; a code
 * point that did not fit is held and written first on the next call), or an
 * error, with *used the index of the offending byte. *made: bytes written.
 * Output is always whole code points. out may equal in or lie before it
 * (in-place decoding) as long as out + held bytes <= in. */
int tc_json__unesc_step(tc_json_unesc_t *u, const char *in, size_t n, char *out, size_t room,
                        size_t *used, size_t *made);

/* True when the byte at which the step stopped follows a backslash (an
 * escape is open): a caller that goes on skipping the string must treat it
 * as escaped. */
bool tc_json__unesc_after_bs(const tc_json_unesc_t *u);

/* core/chunk.c: parses the chunk object at p (no leading white space) and
 * sets *endp after its closing brace (tc_chunk_parse without the check that
 * nothing follows; used by core/outstream for the envelope's `data`).
 * `mode`: as for tc_json__member; but the fast build's shortcuts take
 * TC_JSON__SIMPLE strictly, as "no backslash at all". On an error nothing
 * in [p, e) has been changed. */
struct tc_chunk;
tc_err_t tc_chunk__parse_at(char *p, char *e, struct tc_chunk *out, char **endp, unsigned mode);

/* core/chunk.c (TC_DECODE_FAST): a data record's body read straight from
 * its escaped text: p just after the body string's opening quote, e the
 * end of the bytes at hand. On 1: the chunk object, unescaped, is at out
 * (room for e - p bytes needed; out must not overlap the input), *c is
 * filled as tc_chunk__parse_at would, *env_id is the envelope id (copied
 * to out after the chunk) and *hash its FNV-1a hash, *endp is just past
 * the body's closing quote. On 0 (an unusual shape or any error) nothing
 * is consumed: the caller decodes the body the general way. */
int tc_chunk__parse_esc(const char *p, const char *e, char *out, struct tc_chunk *c, tc_slice_t *env_id,
                        uint32_t *hash, const char **endp);

#endif /* TC_JSON_INT_H */

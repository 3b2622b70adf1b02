/*
 * tc_json.h — JSON for trigchat: string escaping and unescaping (one shot, in
 * place, and streaming), and small bounded documents read with jsmn.
 *
 * Nothing allocates. Large documents are never tokenised: the `.out` batch is
 * scanned by core/outstream; jsmn only sees bounded documents (a record's
 * chunk, an append or session-start answer, JWT claims).
 *
 * String rules (RFC 8259): escapes \" \\ \/ \b \f \n \r \t \uXXXX; a UTF-16
 * surrogate pair becomes one 4-byte UTF-8 sequence; a lone or reversed
 * surrogate is TC_ERR_JSON_SURROGATE; any other backslash sequence or bad hex
 * digit is TC_ERR_JSON_ESCAPE; a raw byte below 0x20 is TC_ERR_JSON_SYNTAX; raw
 * bytes must be valid UTF-8 (no overlongs, no surrogates, <= U+10FFFF), else
 * TC_ERR_UTF8. "\u0000" decodes to a NUL byte (slices carry lengths).
 */
#ifndef TC_JSON_H
#define TC_JSON_H

#include "tc_config.h"
#include "tc_jsmn.h"
#include "tc_types.h"

/* ---------------------------------------------------------------- writing */

/* Appends s as a quoted JSON string: " and \ escaped, control bytes as \n \r
 * \t \b \f or \u00XX, everything else (UTF-8 included) as is. */
void tc_json_put_str(tc_buf_t *b, tc_slice_t s);
void tc_json_put_cstr(tc_buf_t *b, const char *s);

/* Checks that s is exactly one JSON value (object, array, string, number,
 * literal) with nothing but white space around it. Used to vet JSON the
 * application hands in (message parts, actions, clientData). */
tc_err_t tc_json_validate(const char *s, size_t len);

/* Appends the members of `base` and then of `over` as one object, a key of
 * `over` replacing the same key of `base` (top-level, shallow: JavaScript's
 * {...base, ...over}). Either may be TC_SLICE_NULL (treated as {}). Both must
 * be JSON objects (else TC_ERR_JSON_TYPE). Order: base's keys in base order
 * (minus those `over` has), then over's. Needs no memory beyond `b`. */
tc_err_t tc_json_put_merged(tc_buf_t *b, tc_slice_t base, tc_slice_t over);

/* -------------------------------------------------------------- unescaping */

/* Unescapes the inside of a JSON string (no quotes) in place. *out_len gets
 * the decoded length (never more than len). Validates and decodes in one
 * pass: after an error the text may be partly rewritten. */
tc_err_t tc_json_unescape(char *s, size_t len, size_t *out_len);

/* Streaming unescaper: the inside of one JSON string, fed in any pieces (the
 * caller finds the closing quote). An escape or UTF-8 sequence split across
 * feeds is carried over; output is always whole code points. */
typedef struct tc_json_unesc {
  uint32_t cp;        /* code point being assembled */
  uint16_t high;      /* pending high surrogate, 0 if none */
  uint8_t state;
  uint8_t need;       /* hex digits or UTF-8 continuation bytes still needed */
  uint8_t pend_len;   /* raw UTF-8 bytes held back (a split sequence) */
  char pend[4];
  bool special;       /* the output so far holds a backslash or a byte < 0x20 */
} tc_json_unesc_t;

void tc_json_unesc_init(tc_json_unesc_t *u);

/* Decodes in[0..n) into out[0..*out_len) (out_cap >= n + 4 always
 * suffices). in must not hold the closing quote (a raw '"' is
 * TC_ERR_JSON_SYNTAX). With too small an out_cap: TC_ERR_NOSPACE, the code
 * point that did not fit is held and written first by the next call. */
tc_err_t tc_json_unesc_feed(tc_json_unesc_t *u, const char *in, size_t n,
                            char *out, size_t out_cap, size_t *out_len);

/* The string ended: TC_OK, or the error for a dangling escape
 * (TC_ERR_JSON_ESCAPE), high surrogate (TC_ERR_JSON_SURROGATE), partial UTF-8
 * sequence (TC_ERR_UTF8) or a held code point not yet written
 * (TC_ERR_NOSPACE). */
tc_err_t tc_json_unesc_finish(const tc_json_unesc_t *u);

/* ---------------------------------------------------------- small documents */

typedef jsmntok_t tc_json_tok_t;

typedef struct tc_json_doc {
  char *js;             /* the text (writable: string values unescape in place) */
  size_t len;
  tc_json_tok_t *tok;   /* caller's token array */
  int ntok;             /* tokens used */
} tc_json_doc_t;

/* Tokenises js[0..len) into tok[0..cap). The whole text must be exactly one
 * JSON value (white space around allowed). TC_ERR_JSON_TOO_BIG when cap is too
 * small, TC_ERR_JSON_SYNTAX otherwise. Token 0 is the root. */
tc_err_t tc_json_doc_parse(tc_json_doc_t *d, char *js, size_t len, tc_json_tok_t *tok, int cap);

/* Index of the token after the whole subtree of token i. */
int tc_json_skip(const tc_json_doc_t *d, int i);

/* In object token `obj`, the value token of `key` (exact match on the raw
 * key text, which must have no escapes), or -1. For a key given more than
 * once, the last one (as JSON.parse). */
int tc_json_get(const tc_json_doc_t *d, int obj, const char *key);

/* Raw text of token i: a string without its quotes (still escaped), any
 * other value as written. */
tc_slice_t tc_json_raw(const tc_json_doc_t *d, int i);

/* Typed reads of token i (i may be -1: TC_ERR_JSON_TYPE... except where said).
 * tc_json_str unescapes the string in place (once: a second call on the same
 * token is not allowed). */
tc_err_t tc_json_str(tc_json_doc_t *d, int i, tc_slice_t *out);
tc_err_t tc_json_u64(const tc_json_doc_t *d, int i, uint64_t *out); /* non-negative integer */
tc_err_t tc_json_bool(const tc_json_doc_t *d, int i, bool *out);
bool tc_json_is_null(const tc_json_doc_t *d, int i);

#endif /* TC_JSON_H */

/*
 * json_str.c — JSON strings: the escaping writer, validation of strings and
 * whole values, in-place and streaming unescaping, the shallow object merge.
 *
 * Speed (TC_DECODE_FAST): string contents go through one table lookup per
 * byte (plain_tab); escapes and non-ASCII bytes take the slow path. The
 * streaming unescaper, when its output does not overlap its input, stores 8
 * bytes at once and then cuts the run at the first non-plain byte (one
 * table lookup per byte, unrolled). (A data record's body usually bypasses
 * it: core/chunk.c tc_chunk__parse_esc.)
 *
 * Size (-Os, TC_DECODE_FAST 0): no table (comparisons), and the streaming
 * unescaper is the one decoder: in-place unescaping and string validation
 * are thin wrappers over it.
 */
#include <string.h>

#include "tc_json_int.h"

/* ------------------------------------------------------------ byte classes */


/* 1 for the bytes that are plain inside a JSON string. */
#if TC_DECODE_FAST
const uint8_t tc_json__plain_tab[256] = {
#define P8 1, 1, 1, 1, 1, 1, 1, 1
#define Z8 0, 0, 0, 0, 0, 0, 0, 0
  Z8, Z8, Z8, Z8,
  1, 1, 0, 1, 1, 1, 1, 1, P8, P8, P8, /* 0x20-0x3F, '"' = 0x22 */
  P8, P8, P8, 1, 1, 1, 1, 0, 1, 1, 1, /* 0x40-0x5F, '\\' = 0x5C */
  P8, P8, P8, P8,                     /* 0x60-0x7F */
  Z8, Z8, Z8, Z8, Z8, Z8, Z8, Z8, Z8, Z8, Z8, Z8, Z8, Z8, Z8, Z8
#undef P8
#undef Z8
};
#endif

#define plain_byte tc_json__plain_byte

int tc_json__name_index(const char *list, unsigned count, const char *p, size_t n)
{
  /* one walk over each name: compared while it matches, then skipped to
   * its NUL (no strlen / memcmp calls: the names are short) */
  for (unsigned i = 0; i < count; i++) {
    size_t k = 0;
    while (k < n && list[k] != 0 && list[k] == p[k]) k++;
    if (k == n && list[k] == 0) return (int)i;
    while (list[k] != 0) k++;
    list += k + 1;
  }
  return -1;
}

const char tc_json__literals[] = "true\0false\0null";

const char *tc_json__ws(const char *p, const char *e)
{
  while (p < e && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')) p++;
  return p;
}

size_t tc_json__plain(const char *p, const char *e)
{
  const char *s = p;
  while (p < e && plain_byte((unsigned char)*p)) p++;
  return (size_t)(p - s);
}

/* ------------------------------------------------------------------ pieces */

int tc_json__utf8(const unsigned char *p, size_t n)
{
  unsigned c = p[0], len, lo = 0x80, hi = 0xBF;
  if (c < 0xC2 || c > 0xF4) return 0;
  len = c < 0xE0 ? 2u : c < 0xF0 ? 3u : 4u;
  if (c == 0xE0) lo = 0xA0;
  else if (c == 0xED) hi = 0x9F;
  else if (c == 0xF0) lo = 0x90;
  else if (c == 0xF4) hi = 0x8F;
  for (unsigned i = 1; i < len; i++) {
    if (i >= n) return -1;
    if (i == 1 ? (p[1] < lo || p[1] > hi) : (p[i] & 0xC0) != 0x80) return 0;
  }
  return (int)len;
}

#define hex4 tc_json__hex4

/* The byte a one-character escape stands for, or -1. */
/* The one-character escapes: the letter after the backslash, and the byte
 * (read both ways: by the unescaper under -Os and by the writer). */
static const char esc_from[] = "\"\\/bfnrt", esc_to[] = "\"\\/\b\f\n\r\t";

static inline int esc_char(unsigned c)
{
#if !TC_DECODE_FAST
  const char *k = c ? memchr(esc_from, (int)c, sizeof esc_from - 1) : NULL;
  return k ? esc_to[k - esc_from] : -1;
#else
  switch (c) {
  case '"': case '\\': case '/': return (int)c;
  case 'b': return '\b';
  case 'f': return '\f';
  case 'n': return '\n';
  case 'r': return '\r';
  case 't': return '\t';
  default: return -1;
  }
#endif
}

#define utf8_put tc_json__utf8_put

/* ------------------------------------------------------------- validation */

#if TC_DECODE_FAST
tc_err_t tc_json__str(const char **pp, const char *e, bool *esc, bool need_quote)
{
  const char *p = *pp;
  for (;;) {
    unsigned c;
    p += tc_json__plain(p, e);
    if (p >= e) {
      *pp = p;
      return need_quote ? TC_ERR_JSON_SYNTAX : TC_OK;
    }
    c = (unsigned char)*p;
    if (c == '"') break;
    if (c == '\\') {
      uint32_t cp, lo;
      *esc = true;
      if (e - p < 2) return TC_ERR_JSON_ESCAPE;
      if (p[1] != 'u') {
        if (esc_char((unsigned char)p[1]) < 0) return TC_ERR_JSON_ESCAPE;
        p += 2;
        continue;
      }
      if (!hex4(p + 2, e, &cp)) return TC_ERR_JSON_ESCAPE;
      p += 6;
      if (cp - 0xD800u < 0x800u) {
        if (cp >= 0xDC00 || e - p < 2 || p[0] != '\\' || p[1] != 'u') return TC_ERR_JSON_SURROGATE;
        if (!hex4(p + 2, e, &lo)) return TC_ERR_JSON_ESCAPE;
        if (lo - 0xDC00u >= 0x400u) return TC_ERR_JSON_SURROGATE;
        p += 6;
      }
      continue;
    }
    if (c < 0x20) return TC_ERR_JSON_SYNTAX;
    {
      int r = tc_json__utf8((const unsigned char *)p, (size_t)(e - p));
      if (r <= 0) return TC_ERR_UTF8;
      p += r;
    }
  }
  *pp = p;
  return TC_OK;
}
#else
/* Validation by the streaming unescaper into a small scratch buffer: one
 * implementation of the string rules. *esc: some input was an escape
 * (every escape decodes shorter than it is written). */
tc_err_t tc_json__str(const char **pp, const char *e, bool *esc, bool need_quote)
{
  tc_json_unesc_t u;
  char tmp[16];
  const char *p = *pp;
  tc_json_unesc_init(&u);
  for (;;) {
    size_t used, made;
    int rc = tc_json__unesc_step(&u, p, (size_t)(e - p), tmp, sizeof tmp, &used, &made);
    if (made != used) *esc = true;
    p += used;
    if (rc == TC_JSON__FULL) continue;
    if (rc < 0) return (tc_err_t)rc;
    *pp = p;
    if (rc == TC_JSON__CLOSED) return TC_OK;
    rc = tc_json_unesc_finish(&u);
    return rc != TC_OK ? (tc_err_t)rc : need_quote ? TC_ERR_JSON_SYNTAX : TC_OK;
  }
}
#endif

/* From *pp (inside a string) to its closing quote, left at *pp. With
 * TC_JSON__SIMPLE in mode the text is known to be valid (validated before,
 * or free of backslashes, control bytes and bad UTF-8): only the quote is
 * looked for, escapes stepped over (*esc set when there is one). Else
 * tc_json__str. */
static tc_err_t str_to_quote(const char **pp, const char *e, unsigned mode, bool *esc)
{
  const char *p = *pp;
  if (!(mode & TC_JSON__SIMPLE)) return tc_json__str(pp, e, esc, true);
  for (; p < e && *p != '"'; p++) {
    if (*p == '\\' && e - p > 1) {
      *esc = true;
      p++;
    }
  }
  if (p >= e) return TC_ERR_JSON_SYNTAX;
  *pp = p;
  return TC_OK;
}

unsigned tc_json__num_step(unsigned state, unsigned c)
{
  /* Per state (enum order), the next state for each byte class: '0',
   * '1'-'9', '-', '+', '.', 'e'/'E', anything else. 'z': the number ended
   * before this byte (only after a digit); 'x': not a number. A table
   * rather than code: one copy of the grammar for both scanners. */
  static const char next[] = "231xxxx" /* START */ "23xxxxx" /* MINUS */ "zzzz46z" /* ZERO: no leading 0s */
                             "33zz46z" /* INT */ "55xxxxx" /* DOT */ "55zzz6z" /* FRAC */
                             "8877xxx" /* E */ "88xxxxx" /* ESIGN */ "88zzzzz" /* EXP */;
  unsigned k = c == '0' ? 0u : c - '1' < 9u ? 1u : c == '-' ? 2u : c == '+' ? 3u : c == '.' ? 4u
             : (c | 0x20) == 'e' ? 5u : 6u;
  char n = next[state * 7 + k];
  return n == 'z' ? TC_JSON__N_END : n == 'x' ? TC_JSON__N_BAD : (unsigned)(n - '0');
}

/* The end of the number at p, or NULL when it is not one. */
static const char *num_end(const char *p, const char *e)
{
  unsigned s = TC_JSON__N_START;
  for (;; p++) {
    s = tc_json__num_step(s, p < e ? (unsigned char)*p : 0u);
    if (s == TC_JSON__N_END) return p;
    if (s == TC_JSON__N_BAD) return NULL;
  }
}

tc_err_t tc_json__value(const char **pp, const char *e, unsigned mode)
{
  const char *p = *pp;
  uint32_t stack = 0; /* bit 0: innermost container is an array */
  unsigned depth = 0, depth_max = TC_JSON_DEPTH_MAX - ((mode & TC_JSON__NESTED) ? 1u : 0u);
  bool esc;
  tc_err_t err;

  for (;;) {
    /* a value starts at p */
    if (p >= e) return TC_ERR_JSON_SYNTAX;
    switch (*p) {
    case '{':
    case '[':
      if (depth >= depth_max) return TC_ERR_JSON_DEPTH;
      stack = stack << 1 | (*p == '[');
      depth++;
      p = tc_json__ws(p + 1, e);
      if (p < e && *p == ((stack & 1) ? ']' : '}')) goto close; /* empty */
      if (stack & 1) continue;
      goto key;
    case '"':
      p++;
      if ((err = str_to_quote(&p, e, mode, &esc)) != TC_OK) return err;
      p++;
      break;
    case 't':
    case 'f':
    case 'n': { /* one compare for the three literals */
      const char *lit = tc_json__literals + tc_json__literal((unsigned char)*p);
      size_t n = 4u + (*p == 'f');
      if ((size_t)(e - p) < n || memcmp(p, lit, n)) return TC_ERR_JSON_SYNTAX;
      p += n;
      break;
    }
    default:
      if ((p = num_end(p, e)) == NULL) return TC_ERR_JSON_SYNTAX;
      break;
    }
    /* after a value */
    for (;;) {
      if (depth == 0) {
        *pp = p;
        return TC_OK;
      }
      p = tc_json__ws(p, e);
      if (p >= e) return TC_ERR_JSON_SYNTAX;
      if (*p == ',') {
        p = tc_json__ws(p + 1, e);
        break;
      }
      if (*p != ((stack & 1) ? ']' : '}')) return TC_ERR_JSON_SYNTAX;
    close: /* *p closes the innermost container */
      p++;
      depth--;
      stack >>= 1;
    }
    if (stack & 1) continue;
  key: { /* the key and its colon, as tc_json__member reads them */
      tc_json_member_t m;
      if ((err = tc_json__member(&p, e, mode | TC_JSON__KEY, &m)) != TC_OK) return err;
    }
  }
}

tc_err_t tc_json_validate(const char *s, size_t len)
{
  const char *e, *p;
  tc_err_t err;
  if (!s) return TC_ERR_ARG;
  e = s + len;
  p = tc_json__ws(s, e);
  if ((err = tc_json__value(&p, e, 0)) != TC_OK) return err;
  return tc_json__ws(p, e) == e ? TC_OK : TC_ERR_JSON_SYNTAX;
}

/* ---------------------------------------------------------- object members */

int tc_json__open(const char **pp, const char *e)
{
  const char *p = *pp;
  if (p >= e || *p != '{') return TC_ERR_JSON_SYNTAX;
  p = tc_json__ws(p + 1, e);
  if (p < e && *p == '}') {
    *pp = p + 1;
    return 0;
  }
  *pp = p;
  return 1;
}

tc_err_t tc_json__member(const char **pp, const char *e, unsigned mode, tc_json_member_t *m)
{
  const char *p = *pp;
  tc_err_t err;
  m->kesc = m->vesc = false;
  if (p >= e || *p != '"') return TC_ERR_JSON_SYNTAX;
  m->key.ptr = ++p;
  if ((err = str_to_quote(&p, e, mode, &m->kesc)) != TC_OK) return err;
  m->key.len = (size_t)(p - m->key.ptr);
  p = tc_json__ws(p + 1, e);
  if (p >= e || *p != ':') return TC_ERR_JSON_SYNTAX;
  p = tc_json__ws(p + 1, e);
  if (!(mode & TC_JSON__KEY)) {
    m->v = p;
    if (p < e && *p == '"') { /* (a string value: its escapes noted) */
      p++;
      if ((err = str_to_quote(&p, e, mode, &m->vesc)) != TC_OK) return err;
      p++;
    } else if ((err = tc_json__value(&p, e, mode)) != TC_OK) {
      return err;
    }
    m->ve = p;
  }
  *pp = p;
  return TC_OK;
}

int tc_json__next(const char **pp, const char *e)
{
  const char *p = tc_json__ws(*pp, e);
  if (p < e && *p == ',') {
    *pp = tc_json__ws(p + 1, e);
    return 1;
  }
  if (p < e && *p == '}') {
    *pp = p + 1;
    return 0;
  }
  return TC_ERR_JSON_SYNTAX;
}

/* -------------------------------------------------------------- unescaping */

#if TC_DECODE_FAST
/* Valid text: plain runs move with memchr/memmove (fields with escapes are
 * common in chunk bodies). */
size_t tc_json__unescape_valid(char *s, size_t len)
{
  char *r = memchr(s, '\\', len), *w, *e = s + len;
  if (!r) return len;
  w = r;
  while (r < e) {
    char *q;
    uint32_t cp = 0, lo;
    if (*r != '\\') {
      q = memchr(r, '\\', (size_t)(e - r));
      if (!q) q = e;
      memmove(w, r, (size_t)(q - r));
      w += q - r;
      r = q;
      continue;
    }
    if (r[1] != 'u') {
      *w++ = (char)esc_char((unsigned char)r[1]);
      r += 2;
      continue;
    }
    hex4(r + 2, e, &cp);
    r += 6;
    if (cp - 0xD800u < 0x400u && hex4(r + 2, e, &lo)) {
      cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
      r += 6;
    }
    w += utf8_put(w, cp);
  }
  return (size_t)(w - s);
}
#else
/* In place with the streaming unescaper below (its output never overtakes
 * its input): one decoder instead of two. */
size_t tc_json__unescape_valid(char *s, size_t len)
{
  size_t n = 0;
  tc_json_unescape(s, len, &n);
  return n;
}
#endif

/* Validates and decodes in one pass with the streaming unescaper. */
tc_err_t tc_json_unescape(char *s, size_t len, size_t *out_len)
{
  tc_json_unesc_t u;
  size_t used;
  int rc;
  if (!s && len) return TC_ERR_ARG;
  tc_json_unesc_init(&u);
  rc = tc_json__unesc_step(&u, s, len, s, len, &used, out_len);
  if (rc == TC_JSON__CLOSED) return TC_ERR_JSON_SYNTAX; /* a raw quote inside */
  return rc < 0 ? (tc_err_t)rc : tc_json_unesc_finish(&u);
}

/* ----------------------------------------------------------- streaming */

enum { U_NORM, U_ESC, U_HEX, U_UTF8, U_LOW_BS, U_LOW_U, U_FLUSH };

void tc_json_unesc_init(tc_json_unesc_t *u)
{
  memset(u, 0, sizeof *u);
}

/* Writes the held-back bytes of a decoded code point (state U_FLUSH) when
 * they fit; false when the output is full. */
static bool unesc_flush(tc_json_unesc_t *u, char **o, const char *oe)
{
  if ((size_t)(oe - *o) < u->pend_len) return false;
  memcpy(*o, u->pend, u->pend_len);
  *o += u->pend_len;
  u->pend_len = 0;
  u->state = U_NORM;
  return true;
}

int tc_json__unesc_step(tc_json_unesc_t *u, const char *in, size_t n, char *out, size_t room,
                        size_t *used, size_t *made)
{
  const char *p = in, *e = in + n;
  char *o = out, *oe = out + room;
  int rc = TC_OK;
  unsigned c;
#if TC_DECODE_FAST
  const bool apart = (uintptr_t)in >= (uintptr_t)(out + room) || (uintptr_t)out >= (uintptr_t)(in + n);
#endif

  if (u->state == U_FLUSH) goto flush; /* a code point held from the last call first */
  while (p < e) {
    if (u->state == U_NORM) {
      for (;;) {
        size_t lim = (size_t)(e - p);
        const char *pe;
        if (lim > (size_t)(oe - o)) lim = (size_t)(oe - o);
        /* plain bytes and one-character escapes (mostly the \" of a body) */
        for (pe = p + lim; p < pe;) {
#if TC_DECODE_FAST
          int d;
#endif
          /* while output and input are apart: 8 bytes are stored at once,
           * then the run is cut at the first non-plain one (room: oe - o
           * >= pe - p). Runs are short (a body is dense with \"). */
#if TC_DECODE_FAST
          if (apart) {
            while (pe - p >= 8) {
              size_t k;
              memcpy(o, p, 8);
#define TC_PL_(i) if (!plain_byte((unsigned char)p[i])) { k = i; goto cut; }
              TC_PL_(0) TC_PL_(1) TC_PL_(2) TC_PL_(3) TC_PL_(4) TC_PL_(5) TC_PL_(6) TC_PL_(7)
#undef TC_PL_
              p += 8;
              o += 8;
              continue;
            cut:
              p += k;
              o += k;
              /* the usual \" (p[1] is in bounds when k < 7: 8 bytes were) */
              if (p[0] == '\\' && (k < 7 || pe - p >= 2) && p[1] == '"') {
                *o++ = '"';
                p += 2;
                continue;
              }
              goto run_end;
            }
          }
#endif
          while (p < pe && plain_byte((unsigned char)*p)) *o++ = *p++;
#if TC_DECODE_FAST
        run_end:
          if (pe - p < 2 || p[0] != '\\') break; /* (an escape at pe - 1: the slow path) */
          if (p[1] == '"') {
            *o++ = '"';
            p += 2;
            continue;
          }
          if ((d = esc_char((unsigned char)p[1])) < 0) break;
          if (d < 0x20 || d == '\\') u->special = true;
          *o++ = (char)d;
          p += 2;
#else
          /* \" is most of a body's escapes (it holds JSON): taken here, in
           * the run, instead of a trip through the escape states (bench,
           * -DTC_DECODE_FAST=0: 68.9 -> 63.2 instructions per byte, for 20
           * bytes of Cortex-M4 code). Other escapes: below, one at a time. */
          if (pe - p < 2 || p[0] != '\\' || p[1] != '"') break;
          *o++ = '"';
          p += 2;
#endif
        }
        if (p == e) goto out;
        c = (unsigned char)*p;
        if (c == '\\') {
#if TC_DECODE_FAST
          if (e - p < 2 || esc_char((unsigned char)p[1]) < 0) /* \u, a bad escape, or the piece ends */
#endif
          { /* (under -Os every escape goes through the states below) */
            u->state = U_ESC;
            p++;
            break;
          }
#if TC_DECODE_FAST
          if (o == oe) {
            rc = TC_JSON__FULL;
            goto out;
          }
          { /* a one-character escape the run loop left (at its end) */
            int d = esc_char((unsigned char)p[1]);
            if (d < 0x20 || d == '\\') u->special = true;
            *o++ = (char)d;
            p += 2;
          }
          continue;
#endif
        }
        if (c == '"') {
          rc = TC_JSON__CLOSED;
          goto out;
        }
        if (c < 0x20) {
          rc = TC_ERR_JSON_SYNTAX;
          goto out;
        }
        if (c < 0x80) { /* plain */
          if (o == oe) {
            rc = TC_JSON__FULL;
            goto out;
          }
          continue;
        }
        {
          int r = tc_json__utf8((const unsigned char *)p, (size_t)(e - p));
          if (r == 0) {
            rc = TC_ERR_UTF8;
            goto out;
          }
          if (r < 0) { /* incomplete: hold the bytes */
            u->pend_len = (uint8_t)(e - p);
            memcpy(u->pend, p, u->pend_len);
            u->state = U_UTF8;
            p = e;
            goto out;
          }
          if (oe - o < r) {
            rc = TC_JSON__FULL;
            goto out;
          }
          /* (in place: o never passes p, so a forward loop is right for
           * the 2 to 4 bytes) */
          while (r--) *o++ = *p++;
        }
      }
      continue;
    }
    c = (unsigned char)*p;
    switch (u->state) {
    case U_ESC:
      if (c == 'u') goto hex4;
      {
        int d = esc_char(c);
        if (d < 0) {
          rc = TC_ERR_JSON_ESCAPE;
          goto out;
        }
        if (o == oe) {
          rc = TC_JSON__FULL;
          goto out;
        }
        if (d < 0x20 || d == '\\') u->special = true;
        *o++ = (char)d;
        p++;
        u->state = U_NORM;
      }
      break;
    case U_HEX: {
      int d = tc_json__hexv(c);
      uint32_t cp;
      if (d < 0) {
        rc = TC_ERR_JSON_ESCAPE;
        goto out;
      }
      u->cp = u->cp << 4 | (uint32_t)d;
      if (--u->need) {
        p++;
        break;
      }
      cp = u->cp;
      if (u->high) {
        if (cp - 0xDC00u >= 0x400u) {
          rc = TC_ERR_JSON_SURROGATE;
          goto out;
        }
        cp = 0x10000 + ((uint32_t)(u->high - 0xD800) << 10) + (cp - 0xDC00);
        u->high = 0;
      } else if (cp - 0xD800u < 0x800u) {
        if (cp >= 0xDC00) {
          rc = TC_ERR_JSON_SURROGATE;
          goto out;
        }
        u->high = (uint16_t)cp;
        u->state = U_LOW_BS;
        p++;
        break;
      }
      p++;
      if (cp < 0x20 || cp == '\\') u->special = true;
      u->pend_len = (uint8_t)utf8_put(u->pend, cp);
      u->state = U_FLUSH;
      goto flush;
    }
    case U_LOW_BS:
    case U_LOW_U:
      if (c != (u->state == U_LOW_BS ? '\\' : 'u')) {
        rc = TC_ERR_JSON_SURROGATE;
        goto out;
      }
      if (u->state == U_LOW_BS) {
        u->state = U_LOW_U;
        p++;
        break;
      }
    hex4: /* the 'u' of a \u: its four hex digits follow */
      u->state = U_HEX;
      u->need = 4;
      u->cp = 0;
      p++;
      break;
    default: { /* U_UTF8: completing a held sequence */
      int r;
      u->pend[u->pend_len++] = (char)c;
      r = tc_json__utf8((const unsigned char *)u->pend, u->pend_len);
      if (r == 0) {
        u->pend_len--;
        rc = TC_ERR_UTF8;
        goto out;
      }
      p++;
      if (r < 0) break;
      u->state = U_FLUSH;
      goto flush;
    }
    }
    continue;
  flush: /* (also where a call starts that holds a code point: one copy) */
    if (!unesc_flush(u, &o, oe)) {
      rc = TC_JSON__FULL;
      goto out;
    }
  }
out:
  *used = (size_t)(p - in);
  *made = (size_t)(o - out);
  return rc;
}

tc_err_t tc_json_unesc_feed(tc_json_unesc_t *u, const char *in, size_t n, char *out,
                            size_t out_cap, size_t *out_len)
{
  size_t used;
  int rc = tc_json__unesc_step(u, in, n, out, out_cap, &used, out_len);
  if (rc == TC_JSON__CLOSED) return TC_ERR_JSON_SYNTAX;
  if (rc == TC_JSON__FULL) return TC_ERR_NOSPACE;
  return (tc_err_t)rc;
}

bool tc_json__unesc_after_bs(const tc_json_unesc_t *u)
{
  return u->state == U_ESC || u->state == U_LOW_U;
}

tc_err_t tc_json_unesc_finish(const tc_json_unesc_t *u)
{
  switch (u->state) {
  case U_NORM: return TC_OK;
  case U_ESC:
  case U_HEX: return TC_ERR_JSON_ESCAPE;
  case U_UTF8: return TC_ERR_UTF8;
  case U_FLUSH: return TC_ERR_NOSPACE;
  default: return TC_ERR_JSON_SURROGATE;
  }
}

/* ------------------------------------------------------------------ writing */

void tc_json_put_str(tc_buf_t *b, tc_slice_t s)
{
  const char *p = s.ptr, *e = s.len ? p + s.len : p; /* (no arithmetic on a null ptr) */
  tc_buf_put(b, "\"", 1);
  while (p < e) {
    const char *q = p, *k;
    char esc[6] = { '\\', 'u', '0', '0', 0, 0 };
    unsigned c;
    size_t n = 2;
    while (q < e && (unsigned char)*q >= 0x20 && *q != '"' && *q != '\\') q++;
    tc_buf_put(b, p, (size_t)(q - p));
    if (q == e) break;
    c = (unsigned char)*q;
    /* c is '"', '\\' or a control byte (never '/'); the short escape from
     * the unescaper's table, else \u00XX (NUL is not in esc_to's 8 bytes) */
    if ((k = memchr(esc_to, (int)c, sizeof esc_to - 1)) != NULL) {
      esc[1] = esc_from[k - esc_to];
    } else {
      esc[4] = "0123456789abcdef"[c >> 4];
      esc[5] = "0123456789abcdef"[c & 15];
      n = 6;
    }
    tc_buf_put(b, esc, n);
    p = q + 1;
  }
  tc_buf_put(b, "\"", 1);
}

void tc_json_put_cstr(tc_buf_t *b, const char *s)
{
  tc_slice_t sl = { s, s ? strlen(s) : 0 };
  tc_json_put_str(b, sl);
}

/* ------------------------------------------------------------------ merging */

static tc_err_t check_object(tc_slice_t s)
{
  tc_err_t err;
  if (!s.ptr) return TC_OK;
  if ((err = tc_json_validate(s.ptr, s.len)) != TC_OK) return err;
  return *tc_json__ws(s.ptr, s.ptr + s.len) == '{' ? TC_OK : TC_ERR_JSON_TYPE;
}

/* The next member of a validated object: *pp starts at the object (or
 * just after the previous member); false after the last. */
static bool member_at(const char **pp, const char *e, tc_json_member_t *m)
{
  const char *p = tc_json__ws(*pp, e);
  if (p < e && (*p == '{' || *p == ',')) p = tc_json__ws(p + 1, e);
  if (p >= e || *p != '"' || tc_json__member(&p, e, 0, m) != TC_OK) return false;
  *pp = p;
  return true;
}

/* Does the validated object obj (NULL: none) have the raw key? */
static bool has_key(tc_slice_t obj, tc_slice_t key)
{
  tc_json_member_t m;
  const char *p = obj.ptr;
  if (!p) return false;
  while (member_at(&p, obj.ptr + obj.len, &m))
    if (m.key.len == key.len && memcmp(m.key.ptr, key.ptr, key.len) == 0) return true;
  return false;
}

tc_err_t tc_json_put_merged(tc_buf_t *b, tc_slice_t base, tc_slice_t over)
{
  tc_err_t err;
  bool first = true;
  if ((err = check_object(base)) != TC_OK || (err = check_object(over)) != TC_OK) return err;
  tc_buf_put(b, "{", 1);
  for (int i = 0; i < 2; i++) { /* base's members that over lacks, then over's */
    tc_slice_t obj = i ? over : base;
    tc_json_member_t m;
    const char *p = obj.ptr;
    if (!p) continue;
    while (member_at(&p, obj.ptr + obj.len, &m)) {
      if (!i && has_key(over, m.key)) continue;
      tc_buf_put(b, &",\""[first], 2u - first); /* the key's quote, after a comma but for the first */
      first = false;
      tc_buf_put(b, m.key.ptr, m.key.len);
      tc_buf_put(b, "\":", 2);
      tc_buf_put(b, m.v, (size_t)(m.ve - m.v));
    }
  }
  tc_buf_put(b, "}", 1);
  return b->overflow ? TC_ERR_NOSPACE : TC_OK;
}

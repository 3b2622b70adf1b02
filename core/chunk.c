/*
 * chunk.c — the typed view of one UIMessageChunk (protocol.md §5.5).
 *
 * Design choice: a hand-written scanner over the chunk's top-level members,
 * not jsmn. A chunk has a handful of top-level keys and its big values
 * (input, output, data, metadata) are only needed as raw spans, so a token
 * array would cost RAM (TC_JSON_TOKENS_MAX * 16 bytes) and a second pass
 * for nothing. The scanner validates everything it walks (nested values
 * with tc_json__value, depth-bounded), reads each byte once, and looks keys
 * and type names up with a perfect hash when TC_DECODE_FAST (tables below
 * were generated for exactly these names; tests/test_chunk.c checks every
 * name round-trips), by a walk over the name lists otherwise (-Os).
 * There is no token limit: TC_ERR_JSON_TOO_BIG is never returned.
 *
 * TC_DECODE_FAST also brings tc_chunk__parse_esc: the `.out` decoder's
 * one-pass reader of a data record's body straight from its escaped text
 * (see there).
 *
 * Strings are unescaped in place after the object is scanned, and only when
 * the type is known; for TC_CHUNK_UNKNOWN nothing but an escaped `type`
 * string is touched, so `raw` passes through intact.
 */
#include <stddef.h>
#include <string.h>

#include "tc_chunk.h"
#include "tc_json_int.h"

/* The type names, NUL-separated, and where each starts (an enum sums the
 * lengths: no pointer table). */
#define TC_CHUNK_STR_(name, str) str "\0"
static const char type_blob[] = TC_CHUNK_TYPES(TC_CHUNK_STR_);
#undef TC_CHUNK_STR_
#if TC_DECODE_FAST
enum {
#define TC_CHUNK_OFF_(name, str) name##_OFF_, name##_END_ = name##_OFF_ + sizeof str - 1,
  TC_CHUNK_TYPES(TC_CHUNK_OFF_)
#undef TC_CHUNK_OFF_
  TYPE_BLOB_END_
};
static const uint16_t type_off[TC_CHUNK_TYPE_COUNT_ + 1] = {
#define TC_CHUNK_OFF_(name, str) name##_OFF_,
  TC_CHUNK_TYPES(TC_CHUNK_OFF_)
#undef TC_CHUNK_OFF_
  TYPE_BLOB_END_
};

const char *tc_chunk_type_name(tc_chunk_type_t t)
{
  return type_blob + type_off[(unsigned)t < TC_CHUNK_TYPE_COUNT_ ? t : 0];
}

/* Is s[0..n) the name of type t? */
static bool type_is(unsigned t, const char *s, size_t n)
{
  return (size_t)(type_off[t + 1] - type_off[t] - 1) == n && memcmp(type_blob + type_off[t], s, n) == 0;
}
#else
/* Optimising for size: names are found by walking the blobs (a few dozen
 * strlen steps per chunk), with no offset or hash tables. */

const char *tc_chunk_type_name(tc_chunk_type_t t)
{
  const char *s = type_blob;
  for (unsigned i = (unsigned)t < TC_CHUNK_TYPE_COUNT_ ? (unsigned)t : 0u; i; i--) s += strlen(s) + 1;
  return s;
}
#endif

#if TC_DECODE_FAST
/* (s[0] + 5 * s[n-1] + s[n/2]) & 63 -> type, for the fixed names. */
static const uint8_t type_hash[64] = {
  0, 0, 0, 0, 0, 7, 0, 0, 0, 0, 0, 19, 0, 0, 10, 8, 2, 24, 0, 0, 25, 5, 0, 23, 1, 0, 11, 18, 0, 16, 14, 0,
  0, 13, 0, 12, 6, 0, 0, 0, 0, 0, 0, 3, 0, 9, 15, 0, 0, 0, 0, 0, 17, 0, 0, 0, 0, 0, 0, 0, 0, 4, 22, 21
};
#endif

static tc_chunk_type_t type_of(const char *s, size_t n)
{
  unsigned t;
  if (n >= 5 && memcmp(s, "data-", 5) == 0) return TC_CHUNK_DATA;
  if (n >= 8 && memcmp(s, "trigger:", 8) == 0) return TC_CHUNK_TRIGGER;
  if (n == 0) return TC_CHUNK_UNKNOWN;
#if TC_DECODE_FAST
  {
    const unsigned char *u = (const unsigned char *)s;
    t = type_hash[(u[0] + 5u * u[n - 1] + u[n / 2]) & 63];
    if (t && type_is(t, s, n)) return (tc_chunk_type_t)t;
  }
  return TC_CHUNK_UNKNOWN;
#else
  /* (n > 0: never name 0, the empty one of TC_CHUNK_UNKNOWN) */
  t = (unsigned)tc_json__name_index(type_blob, TC_CHUNK_TYPE_COUNT_, s, n);
  return t < TC_CHUNK_TYPE_COUNT_ ? (tc_chunk_type_t)t : TC_CHUNK_UNKNOWN;
#endif
}

/* The members read into fields, in this order: strings (unescaped), then
 * raw JSON values, then booleans. */
static const char key_blob[] =
  "type\0id\0delta\0inputTextDelta\0messageId\0toolCallId\0toolName\0approvalId\0errorText\0"
  "finishReason\0reason\0title\0sourceId\0url\0mediaType\0filename\0publicAccessToken\0input\0"
  "output\0data\0messageMetadata\0transient\0dynamic\0providerExecuted\0preliminary\0"
#if TC_DECODE_FAST
  "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0" /* field_of16 reads 16 bytes from a name */
#endif
  ;
#define N_FIELDS 25
#define F_RAW 17   /* input .. messageMetadata */
#define F_BOOL 21  /* transient .. preliminary */

static const uint16_t field_off[N_FIELDS] = {
  offsetof(tc_chunk_t, type_name), offsetof(tc_chunk_t, id), offsetof(tc_chunk_t, delta),
  offsetof(tc_chunk_t, delta) /* inputTextDelta */, offsetof(tc_chunk_t, message_id),
  offsetof(tc_chunk_t, tool_call_id), offsetof(tc_chunk_t, tool_name), offsetof(tc_chunk_t, approval_id),
  offsetof(tc_chunk_t, error_text), offsetof(tc_chunk_t, finish_reason), offsetof(tc_chunk_t, reason),
  offsetof(tc_chunk_t, title), offsetof(tc_chunk_t, source_id), offsetof(tc_chunk_t, url),
  offsetof(tc_chunk_t, media_type), offsetof(tc_chunk_t, filename), offsetof(tc_chunk_t, public_access_token),
  offsetof(tc_chunk_t, input), offsetof(tc_chunk_t, output), offsetof(tc_chunk_t, data),
  offsetof(tc_chunk_t, message_metadata), offsetof(tc_chunk_t, transient), offsetof(tc_chunk_t, dynamic),
  offsetof(tc_chunk_t, provider_executed), offsetof(tc_chunk_t, preliminary),
};

#if TC_DECODE_FAST
/* Where each name starts in key_blob (its length: the next start - 1). */
static const uint8_t key_name[N_FIELDS + 1] = {
  0, 5, 8, 14, 29, 39, 50, 59, 70, 80, 93, 100, 106, 115, 119, 129, 138, 156, 162, 169, 174, 190, 200, 208, 225, 237
};
#define KEY_LEN(i) ((size_t)(key_name[(i) + 1] - key_name[i] - 1))

/* (2n + 6 s[0] + s[n-1] + s[n/2]) & 63 -> field index + 1. */
static const uint8_t key_hash[64] = {
  0, 0, 2, 0, 0, 0, 0, 16, 0, 13, 19, 0, 0, 0, 0, 0, 0, 6, 0, 17, 0, 1, 9, 0, 0, 11, 21, 12, 25, 0, 0, 0,
  0, 0, 14, 0, 18, 5, 15, 0, 0, 24, 23, 4, 0, 0, 0, 3, 0, 22, 0, 0, 8, 20, 0, 0, 0, 0, 0, 7, 10, 0, 0, 0
};

static int field_of(tc_slice_t k)
{
  const unsigned char *u = (const unsigned char *)k.ptr;
  size_t n = k.len;
  int i;
  if (n == 0 || n > 17) return -1;
  i = key_hash[(2u * n + 6u * u[0] + u[n - 1] + u[n / 2]) & 63] - 1;
  if (i < 0 || KEY_LEN(i) != n || memcmp(key_blob + key_name[i], k.ptr, n) != 0) return -1;
  return i;
}
#else
static int field_of(tc_slice_t k)
{
  return tc_json__name_index(key_blob, N_FIELDS, k.ptr, k.len);
}
#endif

/* Stores member f's value [v, ve) (a string with its quotes, or another
 * value as written) in its field; *esc_mask tracks the string fields whose
 * text has escapes. */
static inline tc_err_t set_field(tc_chunk_t *c, int f, const char *v, const char *ve, bool esc, uint32_t *esc_mask)
{
  tc_slice_t *s = (tc_slice_t *)(void *)((char *)c + field_off[f]);
  if (f == 2 || f == 3) *esc_mask &= ~(3u << 2); /* delta and inputTextDelta share a slot */
  if (f >= F_RAW && f < F_BOOL) {
    s->ptr = v;
    s->len = (size_t)(ve - v);
  } else if (*v == 'n') { /* null: treated as absent */
    if (f >= F_BOOL) *((bool *)s) = false;
    else *s = TC_SLICE_NULL;
    *esc_mask &= ~(1u << f);
  } else if (f >= F_BOOL) {
    if (*v != 't' && *v != 'f') return TC_ERR_JSON_TYPE;
    *((bool *)s) = *v == 't';
  } else if (*v != '"') {
    return f == 0 ? TC_ERR_CHUNK_TYPE : TC_ERR_JSON_TYPE;
  } else {
    s->ptr = v + 1;
    s->len = (size_t)(ve - v - 2);
    *esc_mask = esc ? *esc_mask | 1u << f : *esc_mask & ~(1u << f);
  }
  return TC_OK;
}

/* The object [p0, p) was scanned: type lookup, then the escaped strings of
 * a known type are unescaped in place (an unknown type keeps `raw` intact). */
static tc_err_t finish(tc_chunk_t *c, char *p0, const char *p, uint32_t esc_mask)
{
  c->raw.ptr = p0;
  c->raw.len = (size_t)(p - p0);
  if (!c->type_name.ptr) return TC_ERR_CHUNK_TYPE;
  if (esc_mask & 1u) {
    c->type_name.len = tc_json__unescape_valid(p0 + (c->type_name.ptr - p0), c->type_name.len);
    esc_mask &= ~1u;
  }
  c->type = type_of(c->type_name.ptr, c->type_name.len);
  if (c->type == TC_CHUNK_UNKNOWN) {
    /* pass through: only type_name and raw */
    memset((char *)c + offsetof(tc_chunk_t, id), 0, sizeof *c - offsetof(tc_chunk_t, id));
  } else {
    for (int f = 1; esc_mask; f++) {
      if (esc_mask & (1u << f)) {
        tc_slice_t *s = (tc_slice_t *)(void *)((char *)c + field_off[f]);
        s->len = tc_json__unescape_valid(p0 + (s->ptr - p0), s->len);
        esc_mask &= ~(1u << f);
      }
    }
  }
  return TC_OK;
}

tc_err_t tc_chunk__parse_at(char *p0, char *e, tc_chunk_t *c, char **endp, unsigned mode)
{
  const char *p = p0;
  uint32_t esc_mask = 0; /* fields whose string has escapes */
  int more;
  tc_err_t err;

  memset(c, 0, sizeof *c);
  more = tc_json__open(&p, e);
  while (more == 1) {
    tc_json_member_t m;
    int f;
#if TC_DECODE_FAST
    if ((mode & TC_JSON__SIMPLE) && p < e && *p == '"') { /* fast path: "key":"string" as JSON.stringify writes it */
      const char *q = p + 1;
      m.key.ptr = q;
      while (q < e && *q != '"') q++;
      m.key.len = (size_t)(q - m.key.ptr);
      m.kesc = m.vesc = false;
      if (e - q > 2 && q[1] == ':' && q[2] == '"') {
        m.v = q + 2;
        q = memchr(q + 3, '"', (size_t)(e - q - 3));
        if (q) {
          p = m.ve = q + 1;
          goto have;
        }
      }
    }
#endif
    if ((err = tc_json__member(&p, e, mode, &m)) != TC_OK) return err;
#if TC_DECODE_FAST
  have:
#endif
    f = m.kesc ? -1 : field_of(m.key); /* a key spelled with escapes is not matched */
    if (f >= 0 && (err = set_field(c, f, m.v, p, m.vesc, &esc_mask)) != TC_OK) return err;
#if TC_DECODE_FAST
    if (e - p > 1 && p[0] == ',' && p[1] == '"') {
      p++;
      continue;
    }
#endif
    more = tc_json__next(&p, e);
  }
  if (more < 0) return (tc_err_t)more;
  if ((err = finish(c, p0, p, esc_mask)) != TC_OK) return err;
  *endp = p0 + (p - p0);
  return TC_OK;
}

#if TC_DECODE_FAST
/* ------------------------------------------- one pass over the escaped body
 *
 * A data record's body is a JSON string whose text is the envelope
 * {"data":{..},"id":".."}: the inner quotes arrive as \" and inner escapes
 * as \\X. tc_chunk__parse_esc reads that escaped text once, writing the
 * unescaped chunk object to `out` while it picks the fields, instead of
 * unescaping the body into the record buffer and scanning it again. It
 * takes only the shape JSON.stringify writes (no white space, string and
 * literal member values, `data` then `id`); for anything else, and for
 * every error, it gives up and the caller takes the general path over the
 * same bytes, which then reports exactly what it always did. */

#define BQ(p) ((p)[0] == '\\' && (p)[1] == '"') /* an inner quote */

#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define TC_SWAR_ 1
/* High bit set in each byte of w that is not plain inside a JSON string
 * (exact for the lowest such byte, which is all that is used). */
static inline uint64_t nonplain8(uint64_t w)
{
  const uint64_t L = 0x0101010101010101u, H = 0x8080808080808080u;
  uint64_t q = w ^ (L * '"'), s = w ^ (L * '\\');
  return (w | ((w - L * 0x20) & ~w) | ((q - L) & ~q) | ((s - L) & ~s)) & H;
}

/* field_of for a key shorter than 16 bytes whose 16 bytes from k.ptr are
 * readable: word compares against the padded key_blob. */
static int field_of16(tc_slice_t k)
{
  const unsigned char *u = (const unsigned char *)k.ptr;
  size_t n = k.len;
  uint64_t a, b, x, y;
  int i;
  if (n == 0) return -1;
  i = key_hash[(2u * n + 6u * u[0] + u[n - 1] + u[n / 2]) & 63] - 1;
  if (i < 0 || KEY_LEN(i) != n) return -1;
  memcpy(&a, u, 8);
  memcpy(&b, u + 8, 8);
  memcpy(&x, key_blob + key_name[i], 8);
  memcpy(&y, key_blob + key_name[i] + 8, 8);
  if (n <= 8) return ((a ^ x) & (~(uint64_t)0 >> (64 - 8 * n))) ? -1 : i;
  return a != x || ((b ^ y) & (~(uint64_t)0 >> (128 - 8 * n))) ? -1 : i;
}
#else
#define TC_SWAR_ 0
#endif

/* p[0..n) == lit[0..n), 8 <= n <= 16, two word compares (lit a literal). */
static inline bool lit_is(const char *p, const char *lit, size_t n)
{
  uint64_t a, b, c, d;
  memcpy(&a, p, 8);
  memcpy(&b, lit, 8);
  memcpy(&c, p + n - 8, 8);
  memcpy(&d, lit + n - 8, 8);
  return a == b && c == d;
}

/* The inside of an inner string, from just after its opening \" up to and
 * including its closing \" (written as "), decoded one level. 1: done; 0:
 * give up. *esc: the inner string has escapes (copied as they are). */
static int esc_str(const char **pp, const char *e, char **wp, bool *esc)
{
  const char *p = *pp;
  char *w = *wp;
  for (;;) {
    unsigned c;
    int r;
    /* plain bytes, 8 stored at once (the caller's room covers it) */
    while (e - p >= 8) {
      unsigned k = 0;
#if TC_SWAR_
      uint64_t a, m;
      memcpy(&a, p, 8);
      memcpy(w, &a, 8);
      if ((m = nonplain8(a)) != 0) k = (unsigned)__builtin_ctzll(m) >> 3;
      else k = 8;
#else
      memcpy(w, p, 8);
      while (k < 8 && tc_json__plain_byte((unsigned char)p[k])) k++;
#endif
      p += k;
      w += k;
      if (k < 8) goto stop;
    }
    while (p < e && tc_json__plain_byte((unsigned char)*p)) *w++ = *p++;
    if (p >= e) return 0;
  stop:
    c = (unsigned char)*p;
    if (c == '\\') {
      uint32_t cp, lo;
      if (e - p < 2) return 0;
      switch (p[1]) {
      case '"':
        *w++ = '"';
        *pp = p + 2;
        *wp = w;
        return 1;
      case '/':
        *w++ = '/';
        p += 2;
        continue;
      case '\\': /* an inner escape: its next character is taken as is */
        *w++ = '\\';
        p += 2;
        *esc = true;
        if (p < e && tc_json__plain_byte((unsigned char)*p)) {
          *w++ = *p++;
        } else if (e - p >= 2 && p[0] == '\\' && (p[1] == '"' || p[1] == '\\')) {
          *w++ = p[1];
          p += 2;
        } else {
          return 0;
        }
        continue;
      case 'u':
        if (!tc_json__hex4(p + 2, e, &cp)) return 0;
        p += 6;
        if (cp - 0xD800u < 0x800u) {
          if (cp >= 0xDC00 || e - p < 6 || p[0] != '\\' || p[1] != 'u' || !tc_json__hex4(p + 2, e, &lo) ||
              lo - 0xDC00u >= 0x400u)
            return 0;
          cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          p += 6;
        } else if (cp < 0x20 || cp == '"' || cp == '\\') {
          return 0;
        }
        w += tc_json__utf8_put(w, cp);
        continue;
      default: return 0; /* a control character inside the inner string, or junk */
      }
    }
    if (c < 0x80) return 0; /* the body ends, or a control byte */
    if ((r = tc_json__utf8((const unsigned char *)p, (size_t)(e - p))) <= 0) return 0;
    while (r--) *w++ = *p++;
  }
}

int tc_chunk__parse_esc(const char *p, const char *e, char *out, tc_chunk_t *c, tc_slice_t *env_id,
                        uint32_t *hash, const char **endp)
{
  char *w = out, *end;
  const char *id;
  uint32_t esc_mask = 0, h = 2166136261u;
  if (e - p < 11 || !lit_is(p, "{\\\"data\\\":{", 11)) return 0;
  p += 11;
  memset(c, 0, sizeof *c);
  *w++ = '{';
  for (;;) {
    tc_slice_t k;
    char *v;
    bool esc = false;
    int f;
    if (e - p < 2 || !BQ(p)) return 0;
    p += 2;
    *w++ = '"';
    k.ptr = w;
#if TC_SWAR_
    if (e - p >= 16) { /* a key of up to 15 bytes: two words */
      uint64_t a, m;
      unsigned n = 0;
      memcpy(w, p, 16);
      memcpy(&a, p, 8);
      if ((m = nonplain8(a)) == 0) {
        memcpy(&a, p + 8, 8);
        m = nonplain8(a);
        n = 8;
      }
      if (m) {
        n += (unsigned)__builtin_ctzll(m) >> 3;
        p += n;
        w += n;
      }
    }
#endif
    while (p < e && tc_json__plain_byte((unsigned char)*p)) *w++ = *p++;
    k.len = (size_t)(w - k.ptr);
    if (e - p < 3 || !BQ(p) || p[2] != ':') return 0;
    p += 3;
    *w++ = '"';
    *w++ = ':';
    v = w;
    if (e - p >= 2 && BQ(p)) {
      p += 2;
      *w++ = '"';
      if (!esc_str(&p, e, &w, &esc)) return 0;
      if (esc) { /* checked here, whatever the key (rare) */
        const char *q = v + 1;
        bool x;
        if (tc_json__str(&q, w - 1, &x, false) != TC_OK || q != w - 1) return 0;
      }
    } else {
      const char *lit = p < e && *p == 't' ? "true" : p < e && *p == 'f' ? "false" : "null";
      size_t n = strlen(lit);
      if ((size_t)(e - p) < n || memcmp(p, lit, n) != 0) return 0;
      memcpy(w, p, n);
      w += n;
      p += n;
    }
#if TC_SWAR_
    f = k.len < 16 ? field_of16(k) : field_of(k);
#else
    f = field_of(k);
#endif
    if (f >= 0 && set_field(c, f, v, w, esc, &esc_mask) != TC_OK) return 0;
    if (p >= e) return 0;
    *w++ = *p;
    if (*p++ == ',') continue;
    if (p[-1] != '}') return 0;
    break;
  }
  end = w;
  /* ,"id":"<plain>"} and the body's closing quote */
  if (e - p < 10 || !lit_is(p, ",\\\"id\\\":\\\"", 10)) return 0;
  p += 10;
  id = p;
  while (p < e && tc_json__plain_byte((unsigned char)*p)) h = (h ^ (unsigned char)*p++) * 16777619u;
  if (e - p < 4 || !BQ(p) || p[2] != '}' || p[3] != '"') return 0;
  if (finish(c, out, end, esc_mask) != TC_OK) return 0;
  memcpy(w, id, (size_t)(p - id));
  env_id->ptr = w;
  env_id->len = (size_t)(p - id);
  *hash = h;
  *endp = p + 4;
  return 1;
}
#undef BQ
#endif

tc_err_t tc_chunk_parse(char *json, size_t len, tc_chunk_t *out)
{
  char *e, *end;
  const char *p;
  tc_err_t err;
  if (!json || !out) return TC_ERR_ARG;
  e = json + len;
  p = tc_json__ws(json, e);
  /* TC_JSON__NESTED: the object itself is level 1, so a chunk nests no
   * deeper than tc_json_validate accepts, and as deep as a `.out` body's
   * chunk object (the same limit for both shapes of `data`) */
  if ((err = tc_chunk__parse_at(json + (p - json), e, out, &end, TC_JSON__NESTED)) != TC_OK) return err;
  return tc_json__ws(end, e) == e ? TC_OK : TC_ERR_JSON_SYNTAX;
}

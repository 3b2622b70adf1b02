/* sentence.c — sentence splitter for speech; rules in tc_sentence.h. */
#include <string.h>

#include "tc_sentence.h"

static bool is_space(char c)
{
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

/* Byte-sequence tables. Each entry is a NUL-terminated UTF-8 string. */
static const char *const k_closers[] = { "\"", "'", ")", "]", "\xE2\x80\x9D", "\xE2\x80\x99",
                                         "\xC2\xBB", "\xE3\x80\x8D", "\xE3\x80\x8F", "\xEF\xBC\x89" };
static const char *const k_ends[] = { ".", "!", "?", "\xE2\x80\xA6" };
static const char *const k_wide_ends[] = { "\xE3\x80\x82", "\xEF\xBC\x81", "\xEF\xBC\x9F" };
static const char *const k_wide_clauses[] = { "\xE3\x80\x81", "\xEF\xBC\x8C" };
static const char *const k_abbrev[] = { "mr", "mrs", "ms", "dr", "prof", "st", "vs", "e.g", "i.e", "no" };

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Length of the entry of `table` that starts at p (at most avail bytes), 0 if
 * none. *partial is set when p could still start one once more bytes come. */
static size_t match_any(const char *const *table, size_t n, const char *p, size_t avail, bool *partial)
{
  for (size_t i = 0; i < n; i++) {
    size_t k = strlen(table[i]);
    size_t m = k < avail ? k : avail;
    if (memcmp(p, table[i], m) == 0) {
      if (m == k) return k;
      if (partial) *partial = true;
    }
  }
  return 0;
}

static bool is_letter(char c)
{
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* True when the word before buf[dot] is one of k_abbrev. The word is the
 * run of letters and dots before it, so an opening bracket or quote ("(e.g.",
 * "“Mr.") does not hide it; a digit glued to it ("2no.") does. */
static bool is_abbreviation(const char *buf, size_t dot)
{
  size_t start = dot;
  while (start > 0 && (is_letter(buf[start - 1]) || buf[start - 1] == '.')) start--;
  if (start > 0 && buf[start - 1] >= '0' && buf[start - 1] <= '9') return false;
  size_t n = dot - start;
  for (size_t i = 0; i < COUNT(k_abbrev); i++) {
    size_t k = strlen(k_abbrev[i]);
    if (k != n) continue;
    size_t j = 0;
    for (; j < k; j++) {
      char c = buf[start + j];
      if (c >= 'A' && c <= 'Z') c = (char)(c - 'A' + 'a');
      if (c != k_abbrev[i][j]) break;
    }
    if (j == k) return true;
  }
  return false;
}

/* Emits buf[0..end) trimmed, then drops buf[0..drop). */
static void cut(tc_sentence_t *s, size_t end, size_t drop)
{
  size_t a = 0, b = end;
  while (a < b && is_space(s->buf[a])) a++;
  while (b > a && is_space(s->buf[b - 1])) b--;
  if (b > a) s->on_sentence(s->user, s->buf + a, b - a);
  memmove(s->buf, s->buf + drop, s->len - drop);
  s->len -= drop;
  s->scanned = 0;
}

/* Skips closing quotes/brackets from j. Returns the new index, or len+1 when
 * the text ends in what may be the start of a closer (wait for more). */
static size_t skip_closers(const tc_sentence_t *s, size_t j)
{
  for (;;) {
    bool partial = false;
    size_t k = j < s->len ? match_any(k_closers, COUNT(k_closers), s->buf + j, s->len - j, &partial) : 0;
    if (k) { j += k; continue; }
    return partial ? s->len + 1 : j;
  }
}

/* Finds and emits every complete piece. */
static void scan(tc_sentence_t *s)
{
  size_t i = s->scanned;
  while (i < s->len) {
    char c = s->buf[i];
    const char *p = s->buf + i;
    size_t avail = s->len - i;
    bool partial = false;
    size_t k;

    if (c == '\n') {
      cut(s, i, i + 1);
      i = 0;
      continue;
    }
    if ((k = match_any(k_ends, COUNT(k_ends), p, avail, &partial)) != 0) {
      size_t j = skip_closers(s, i + k);
      if (j >= s->len) break; /* need the next character to decide */
      if (is_space(s->buf[j]) && !(c == '.' && is_abbreviation(s->buf, i))) {
        cut(s, j, j);
        i = 0;
        continue;
      }
      i = j;
      continue;
    }
    if ((k = match_any(k_wide_ends, COUNT(k_wide_ends), p, avail, &partial)) != 0) {
      size_t j = skip_closers(s, i + k);
      /* a closer may still come in the next delta: the next byte decides, so
       * the cut does not depend on where the stream was split */
      if (j >= s->len) break;
      cut(s, j, j);
      i = 0;
      continue;
    }
    if (s->clause_min && i + 1 >= s->clause_min) {
      if (c == ',' || c == ';' || c == ':') {
        if (i + 1 >= s->len) break;
        if (is_space(s->buf[i + 1])) {
          cut(s, i + 1, i + 1);
          i = 0;
          continue;
        }
      } else if ((k = match_any(k_wide_clauses, COUNT(k_wide_clauses), p, avail, &partial)) != 0) {
        cut(s, i + k, i + k);
        i = 0;
        continue;
      }
    }
    if (partial) break; /* a multi-byte mark may be arriving */
    i++;
  }
  s->scanned = i;
}

/* The buffer is full and holds no boundary: cut at the last white space, or
 * else at the last code-point boundary. */
static void force_cut(tc_sentence_t *s)
{
  size_t k = s->len;
  while (k > 1 && !is_space(s->buf[k - 1])) k--;
  if (k > 1) {
    cut(s, k - 1, k);
    return;
  }
  k = s->len;
  size_t q = k;
  while (q > 0 && ((unsigned char)s->buf[q - 1] & 0xC0) == 0x80 && k - q < 3) q--;
  if (q > 0) {
    unsigned char b = (unsigned char)s->buf[q - 1];
    size_t need = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : 2;
    if (b >= 0xC0 && q - 1 + need > k) k = q - 1; /* incomplete sequence: keep it */
  }
  if (k == 0) k = s->len;
  cut(s, k, k);
}

tc_err_t tc_sentence_init(tc_sentence_t *s, char *buf, size_t cap, size_t clause_min,
                          tc_sentence_fn on_sentence, void *user)
{
  bool ok = buf && on_sentence && cap >= 8;
  s->buf = buf;
  s->cap = ok ? cap : 0; /* inert: feed's loop below never runs */
  s->len = 0;
  s->scanned = 0;
  s->clause_min = clause_min;
  s->on_sentence = on_sentence;
  s->user = user;
  return ok ? TC_OK : TC_ERR_ARG;
}

void tc_sentence_feed(tc_sentence_t *s, const char *p, size_t n)
{
  while (n > 0 && s->cap) {
    size_t room = s->cap - s->len;
    size_t take = n < room ? n : room;
    memcpy(s->buf + s->len, p, take);
    s->len += take;
    p += take;
    n -= take;
    scan(s);
    if (s->len == s->cap) force_cut(s);
  }
}

void tc_sentence_flush(tc_sentence_t *s)
{
  cut(s, s->len, s->len);
}

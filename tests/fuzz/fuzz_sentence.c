/* fuzz_sentence.c — the speech sentence splitter (core/sentence.c) under any
 * text and any split.
 *
 * Input: byte 0 picks the buffer size (8..71), byte 1 clause_min (0, or
 * 8..135), bytes 2-3 two cut positions, the rest is the text. The text is fed
 * three ways: whole; in three pieces cut at the chosen positions, with an
 * empty delta between; one byte at a time; each ends with a flush. Asserted:
 *  - the three emit the same pieces (a cut never depends on where the
 *    stream was split);
 *  - each piece is non-empty, at most the buffer size, with no white space
 *    at either end; the flush leaves the buffer empty;
 *  - no text is lost, repeated or reordered: the non-white-space bytes of the
 *    pieces, in order, are those of the input;
 *  - when the input is valid UTF-8, so is every piece (no cut inside a code
 *    point).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tc_sentence.h"

#define IN_MAX 4096u

typedef struct out {
  tc_sentence_t s;
  char buf[72];
  size_t cap;
  char text[IN_MAX];      /* the pieces, back to back */
  size_t text_len;
  uint16_t len[IN_MAX];   /* each piece's length */
  size_t pieces;
} out_t;

static out_t g_out[3];

static bool is_space(char c)
{
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

static void on_piece(void *user, const char *p, size_t n)
{
  out_t *o = user;
  if (n == 0 || n > o->cap || is_space(p[0]) || is_space(p[n - 1])) abort();
  if (n > IN_MAX - o->text_len || o->pieces == IN_MAX) abort(); /* more out than in */
  memcpy(o->text + o->text_len, p, n);
  o->text_len += n;
  o->len[o->pieces++] = (uint16_t)n;
}

static void start(out_t *o, size_t cap, size_t clause_min)
{
  o->cap = cap;
  o->text_len = 0;
  o->pieces = 0;
  tc_sentence_init(&o->s, o->buf, cap, clause_min, on_piece, o);
}

static void finish(out_t *o)
{
  tc_sentence_flush(&o->s);
  if (o->s.len != 0) abort();
}

static bool same(const out_t *x, const out_t *y)
{
  return x->pieces == y->pieces && x->text_len == y->text_len &&
         memcmp(x->len, y->len, x->pieces * sizeof x->len[0]) == 0 &&
         memcmp(x->text, y->text, x->text_len) == 0;
}

static bool valid_utf8(const char *p, size_t n)
{
  size_t i = 0;
  while (i < n) {
    unsigned char c = (unsigned char)p[i];
    size_t need = c < 0x80 ? 1 : c >= 0xF8 ? 0 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 0;
    if (need == 0 || need > n - i) return false;
    for (size_t k = 1; k < need; k++)
      if (((unsigned char)p[i + k] & 0xC0) != 0x80) return false;
    i += need;
  }
  return true;
}

static void check_utf8(const out_t *o)
{
  size_t off = 0;
  for (size_t k = 0; k < o->pieces; k++) {
    if (!valid_utf8(o->text + off, o->len[k])) abort();
    off += o->len[k];
  }
}

static void check_no_loss(const out_t *o, const char *in, size_t n)
{
  size_t i = 0;
  for (size_t k = 0; k < o->text_len; k++) {
    if (is_space(o->text[k])) continue;
    while (i < n && is_space(in[i])) i++;
    if (i == n || in[i] != o->text[k]) abort(); /* repeated, changed or reordered */
    i++;
  }
  while (i < n && is_space(in[i])) i++;
  if (i != n) abort(); /* lost */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  size_t cap, clause_min, a, b, n;
  const char *text;
  if (size < 4 || size - 4 > IN_MAX) return 0;
  cap = 8u + (data[0] & 63u);
  clause_min = (data[1] & 0x80u) ? 8u + (data[1] & 127u) : 0;
  n = size - 4;
  a = data[2] % (n + 1);
  b = data[3] % (n + 1);
  if (a > b) { size_t t = a; a = b; b = t; }
  text = (const char *)data + 4;

  start(&g_out[0], cap, clause_min);
  tc_sentence_feed(&g_out[0].s, text, n);
  finish(&g_out[0]);

  start(&g_out[1], cap, clause_min);
  tc_sentence_feed(&g_out[1].s, text, a);
  tc_sentence_feed(&g_out[1].s, text + a, 0);
  tc_sentence_feed(&g_out[1].s, text + a, b - a);
  tc_sentence_feed(&g_out[1].s, text + b, n - b);
  finish(&g_out[1]);

  start(&g_out[2], cap, clause_min);
  for (size_t i = 0; i < n; i++) tc_sentence_feed(&g_out[2].s, text + i, 1);
  finish(&g_out[2]);

  if (!same(&g_out[1], &g_out[0]) || !same(&g_out[2], &g_out[0])) abort();
  check_no_loss(&g_out[0], text, n);
  if (valid_utf8(text, n)) check_utf8(&g_out[0]);
  return 0;
}

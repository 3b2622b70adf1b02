/* test_sentence_review.c — the speech sentence splitter, review probes: each
 * input is fed whole, byte by byte and split at every position, and must cut
 * the same way every time. */
#include <string.h>

#include "tc_sentence.h"
#include "tc_test.h"

typedef struct {
  tc_sentence_t s;
  char buf[64];
  size_t cap;
  size_t clause_min;
  char out[2048]; /* pieces joined with '|' */
  size_t out_len;
  const char *expect;
} fixture_t;

static void on_sentence(void *user, const char *s, size_t n)
{
  fixture_t *f = user;
  if (f->out_len) f->out[f->out_len++] = '|';
  memcpy(f->out + f->out_len, s, n);
  f->out_len += n;
}

static void fx_reset(void *ctx)
{
  fixture_t *f = ctx;
  f->out_len = 0;
  tc_sentence_init(&f->s, f->buf, f->cap, f->clause_min, on_sentence, f);
}

static int fx_feed(void *ctx, const char *p, size_t n)
{
  tc_sentence_feed(&((fixture_t *)ctx)->s, p, n);
  return 0;
}

static void fx_check(void *ctx, const char *mode)
{
  fixture_t *f = ctx;
  tc_sentence_flush(&f->s);
  if (!tc_test_mem_eq(f->out, f->out_len, f->expect))
    tc_test_fail(__FILE__, __LINE__, "[%s] got \"%.*s\", expected \"%s\"", mode, (int)f->out_len, f->out,
                 f->expect);
}

static void expect_split(const char *in, const char *expect, size_t cap, size_t clause_min)
{
  static fixture_t f;
  tc_split_ops_t ops = { fx_reset, fx_feed, fx_check };
  f.cap = cap;
  f.clause_min = clause_min;
  f.expect = expect;
  tc_test_splits(in, strlen(in), &ops, &f, 40);
}

/* 「你好。」谢谢。 : a closing corner bracket after a full-width full stop
 * belongs to that sentence whether or not it arrived in the same delta. */
static void test_full_width_stop_keeps_its_closing_bracket_at_every_split(void)
{
  expect_split("\xE3\x80\x8C\xE4\xBD\xA0\xE5\xA5\xBD\xE3\x80\x82\xE3\x80\x8D\xE8\xB0\xA2\xE8\xB0\xA2\xE3\x80\x82",
               "\xE3\x80\x8C\xE4\xBD\xA0\xE5\xA5\xBD\xE3\x80\x82\xE3\x80\x8D|\xE8\xB0\xA2\xE8\xB0\xA2\xE3\x80\x82",
               64, 0);
  /* ！ then ） */
  expect_split("(\xE5\xA5\xBD\xEF\xBC\x81\xEF\xBC\x89ok", "(\xE5\xA5\xBD\xEF\xBC\x81\xEF\xBC\x89|ok", 64, 0);
}

/* An abbreviation opened by a bracket or quote is still an abbreviation. */
static void test_abbreviation_after_an_opening_bracket_or_quote(void)
{
  expect_split("See (e.g. this one). Ok", "See (e.g. this one).|Ok", 64, 0);
  expect_split("\"Mr. Smith\" came. Ok", "\"Mr. Smith\" came.|Ok", 64, 0);
}

/* A buffer below the documented minimum (8), no buffer or no callback is
 * refused at init with TC_ERR_ARG, and the splitter it leaves takes text
 * without hanging (before, cap 0 looped forever in feed). */
static void test_bad_init_is_refused_and_feed_returns(void)
{
  static fixture_t f;
  f.out_len = 0;
  CHECK_EQ_INT(tc_sentence_init(&f.s, f.buf, 0, 0, on_sentence, &f), TC_ERR_ARG);
  tc_sentence_feed(&f.s, "Hello. World", 12);
  tc_sentence_flush(&f.s);
  CHECK_EQ_INT(f.out_len, 0);
  CHECK_EQ_INT(tc_sentence_init(&f.s, f.buf, 7, 0, on_sentence, &f), TC_ERR_ARG);
  tc_sentence_feed(&f.s, "Hello there. World", 18);
  CHECK_EQ_INT(tc_sentence_init(&f.s, NULL, 64, 0, on_sentence, &f), TC_ERR_ARG);
  tc_sentence_feed(&f.s, "Hello. World", 12);
  CHECK_EQ_INT(tc_sentence_init(&f.s, f.buf, 64, 0, NULL, &f), TC_ERR_ARG);
  tc_sentence_feed(&f.s, "Hello. World", 12);
  CHECK_EQ_INT(f.out_len, 0);
  CHECK_EQ_INT(tc_sentence_init(&f.s, f.buf, 8, 0, on_sentence, &f), TC_OK);
  tc_sentence_feed(&f.s, "Hi. Yo", 6);
  tc_sentence_flush(&f.s);
  CHECK(tc_test_mem_eq(f.out, f.out_len, "Hi.|Yo"));
}

int main(void)
{
  RUN(test_bad_init_is_refused_and_feed_returns);
  RUN(test_full_width_stop_keeps_its_closing_bracket_at_every_split);
  RUN(test_abbreviation_after_an_opening_bracket_or_quote);
  return tc_test_finish("sentence_review");
}

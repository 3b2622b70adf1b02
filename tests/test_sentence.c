/* test_sentence.c — the speech sentence splitter, fed at every split. */
#include <string.h>

#include "tc_sentence.h"
#include "tc_test.h"

typedef struct {
  tc_sentence_t s;
  char buf[64];
  size_t cap;
  size_t clause_min;
  char out[2048];     /* pieces joined with '|' */
  size_t out_len;
  const char *expect;
  bool utf8_ok;
} fixture_t;

static bool valid_utf8(const char *p, size_t n)
{
  size_t i = 0;
  while (i < n) {
    unsigned char b = (unsigned char)p[i];
    size_t need = b < 0x80 ? 1 : b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 0;
    if (need == 0 || i + need > n) return false;
    for (size_t k = 1; k < need; k++)
      if (((unsigned char)p[i + k] & 0xC0) != 0x80) return false;
    i += need;
  }
  return true;
}

static void on_sentence(void *user, const char *s, size_t n)
{
  fixture_t *f = user;
  if (!valid_utf8(s, n)) f->utf8_ok = false;
  if (f->out_len) f->out[f->out_len++] = '|';
  memcpy(f->out + f->out_len, s, n);
  f->out_len += n;
}

static void fx_reset(void *ctx)
{
  fixture_t *f = ctx;
  f->out_len = 0;
  f->utf8_ok = true;
  tc_sentence_init(&f->s, f->buf, f->cap, f->clause_min, on_sentence, f);
}

static int fx_feed(void *ctx, const char *p, size_t n)
{
  fixture_t *f = ctx;
  tc_sentence_feed(&f->s, p, n);
  return 0;
}

static void fx_check(void *ctx, const char *mode)
{
  fixture_t *f = ctx;
  tc_sentence_flush(&f->s);
  if (!tc_test_mem_eq(f->out, f->out_len, f->expect))
    tc_test_fail(__FILE__, __LINE__, "[%s] got \"%.*s\", expected \"%s\"", mode, (int)f->out_len, f->out,
                 f->expect);
  CHECK(f->utf8_ok);
}

static void expect_split(const char *in, const char *expect, size_t cap, size_t clause_min)
{
  static fixture_t f;
  f.cap = cap;
  f.clause_min = clause_min;
  f.expect = expect;
  tc_split_ops_t ops = { fx_reset, fx_feed, fx_check };
  tc_test_splits(in, strlen(in), &ops, &f, 40);
}

static void test_cuts_after_terminators_followed_by_space(void)
{
  expect_split("Hello there. How are you? Fine!  Bye", "Hello there.|How are you?|Fine!|Bye", 64, 0);
}

static void test_keeps_decimals_and_abbreviations(void)
{
  expect_split("Pi is 3.14 today. Mr. Smith, e.g. him. Ok", "Pi is 3.14 today.|Mr. Smith, e.g. him.|Ok", 64, 0);
}

static void test_closing_quotes_stay_with_their_sentence(void)
{
  expect_split("He said \"stop.\" Then (we left.) Done", "He said \"stop.\"|Then (we left.)|Done", 64, 0);
  expect_split("\xE2\x80\x9CYes!\xE2\x80\x9D she said.", "\xE2\x80\x9CYes!\xE2\x80\x9D|she said.", 64, 0);
}

static void test_line_breaks_end_a_piece(void)
{
  expect_split("one\ntwo\n\nthree", "one|two|three", 64, 0);
}

static void test_ellipsis_and_full_width_terminators(void)
{
  expect_split("Wait\xE2\x80\xA6 what? \xE4\xBD\xA0\xE5\xA5\xBD\xE3\x80\x82\xE5\x86\x8D\xE8\xA7\x81\xEF\xBC\x81ok",
               "Wait\xE2\x80\xA6|what?|\xE4\xBD\xA0\xE5\xA5\xBD\xE3\x80\x82|\xE5\x86\x8D\xE8\xA7\x81\xEF\xBC\x81|ok",
               64, 0);
}

static void test_long_clauses_are_cut_at_clause_marks(void)
{
  expect_split("short, no cut. This is a much longer clause, so it is cut; and again: here",
               "short, no cut.|This is a much longer clause,|so it is cut; and again:|here", 64, 20);
}

static void test_full_buffer_cuts_at_last_space(void)
{
  expect_split("aaaa bbbb cccc dddd eeee", "aaaa bbbb|cccc dddd|eeee", 12, 0);
}

static void test_full_buffer_never_splits_a_code_point(void)
{
  /* 8-byte buffer, no spaces, 3-byte characters: cuts must land between them. */
  expect_split("\xE4\xBD\xA0\xE5\xA5\xBD\xE5\x86\x8D\xE8\xA7\x81\xE4\xBD\xA0",
               "\xE4\xBD\xA0\xE5\xA5\xBD|\xE5\x86\x8D\xE8\xA7\x81|\xE4\xBD\xA0", 8, 0);
}

static void test_whitespace_only_pieces_are_not_emitted(void)
{
  expect_split("  \n \n. ", ".", 64, 0);
  expect_split("", "", 64, 0);
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
  RUN(test_cuts_after_terminators_followed_by_space);
  RUN(test_keeps_decimals_and_abbreviations);
  RUN(test_closing_quotes_stay_with_their_sentence);
  RUN(test_line_breaks_end_a_piece);
  RUN(test_ellipsis_and_full_width_terminators);
  RUN(test_long_clauses_are_cut_at_clause_marks);
  RUN(test_full_buffer_cuts_at_last_space);
  RUN(test_full_buffer_never_splits_a_code_point);
  RUN(test_whitespace_only_pieces_are_not_emitted);
  RUN(test_bad_init_is_refused_and_feed_returns);
  RUN(test_full_width_stop_keeps_its_closing_bracket_at_every_split);
  RUN(test_abbreviation_after_an_opening_bracket_or_quote);
  return tc_test_finish("sentence");
}

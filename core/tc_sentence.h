/*
 * tc_sentence.h — cuts a stream of text deltas into whole sentences for a
 * text-to-speech engine (or a line-oriented display), in a fixed buffer.
 *
 * Feed it every text delta of a turn as it arrives; it calls on_sentence with
 * each complete sentence, trimmed of surrounding white space, never empty,
 * never cut inside a UTF-8 code point. Call tc_sentence_flush at the end of
 * the turn (turn-complete, stop, error) to emit what is left.
 *
 * Where it cuts, in this order of preference:
 *  1. after a sentence terminator (. ! ? or U+2026 …), together with any
 *     closing quotes and brackets that follow it, when white space follows
 *     ("3.14" and "e.g." inside a word do not end a sentence; a few common
 *     abbreviations such as "Mr." and "e.g." are not ends either, also
 *     right after an opening bracket or quote: "(e.g. this)");
 *  2. right after a full-width terminator (U+3002 。 U+FF01 ！ U+FF1F ？)
 *     and its closing quotes and brackets, which need no space after them
 *     (the next character, or the flush, decides where the closers end);
 *  3. at a line break;
 *  4. once the pending text is at least `clause_min` bytes long, after a
 *     clause mark (, ; : or U+3001 、 U+FF0C ，) followed by white space —
 *     a long clause is spoken before its sentence ends;
 *  5. when the buffer is full: at the last white space, or else at the last
 *     code-point boundary.
 * Invalid UTF-8 is passed through byte by byte (the cut never lands inside
 * a sequence that looks valid).
 */
#ifndef TC_SENTENCE_H
#define TC_SENTENCE_H

#include "tc_types.h"

typedef void (*tc_sentence_fn)(void *user, const char *s, size_t n);

typedef struct tc_sentence {
  char *buf;           /* caller's buffer: the longest piece ever emitted */
  size_t cap;
  size_t len;
  size_t scanned;      /* bytes of buf already examined for boundaries */
  size_t clause_min;   /* 0 disables clause cuts */
  tc_sentence_fn on_sentence;
  void *user;
} tc_sentence_t;

/* Prepares a splitter over buf[0..cap) (cap >= 8). clause_min: the pending
 * length from which a clause mark ends a piece (e.g. 80); 0 = never.
 * TC_ERR_ARG when buf or on_sentence is NULL or cap < 8: the splitter is then
 * inert (feed drops the text, flush emits nothing) until a good init. */
tc_err_t tc_sentence_init(tc_sentence_t *s, char *buf, size_t cap, size_t clause_min,
                      tc_sentence_fn on_sentence, void *user);

/* Adds text (any split, even inside a code point); emits every piece that is
 * complete. Never fails: a piece that cannot fit is cut (rule 5). */
void tc_sentence_feed(tc_sentence_t *s, const char *p, size_t n);

/* Emits the pending text, if any is not white space, and empties the buffer. */
void tc_sentence_flush(tc_sentence_t *s);

#endif /* TC_SENTENCE_H */

/*
 * tc_test.h — the unit-test harness: plain C, no allocation of its own, runs
 * on the host and (cross-compiled) on an emulated board.
 *
 *   static void test_parses_status(void) { CHECK(x == 1); CHECK_EQ_INT(a, b); }
 *   int main(void) { RUN(test_parses_status); return tc_test_finish("http"); }
 *
 * A test passes when none of its checks failed. tc_test_finish prints
 * "<suite>: N passed, N failed" and returns the process exit status.
 */
#ifndef TC_TEST_H
#define TC_TEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
void tc_test_fail(const char *file, int line, const char *fmt, ...);
void tc_test_run(const char *name, void (*fn)(void));
int tc_test_finish(const char *suite);
/* Failures so far in the running test (to stop a loop early). */
int tc_test_current_failures(void);

#define RUN(fn) tc_test_run(#fn, fn)

#define CHECK(cond) \
  do { if (!(cond)) tc_test_fail(__FILE__, __LINE__, "CHECK(%s)", #cond); } while (0)

#define CHECK_EQ_INT(a, b) \
  do { long long a_ = (long long)(a), b_ = (long long)(b); \
       if (a_ != b_) tc_test_fail(__FILE__, __LINE__, "%s == %lld, expected %s == %lld", #a, a_, #b, b_); \
  } while (0)

/* Compares (ptr, len) with a NUL-terminated string. */
#define CHECK_EQ_MEM(ptr, len, str) \
  do { if (!tc_test_mem_eq((ptr), (len), (str))) \
         tc_test_fail(__FILE__, __LINE__, "%s = \"%.*s\", expected \"%s\"", #ptr, \
                      (int)((len) > 200 ? 200 : (len)), (const char *)(ptr) ? (const char *)(ptr) : "(null)", (str)); \
  } while (0)

#define CHECK_EQ_STR(a, b) \
  do { const char *a_ = (a), *b_ = (b); \
       if (!tc_test_str_eq(a_, b_)) tc_test_fail(__FILE__, __LINE__, "%s = \"%s\", expected \"%s\"", #a, a_ ? a_ : "(null)", b_ ? b_ : "(null)"); \
  } while (0)

bool tc_test_mem_eq(const void *p, size_t n, const char *s);
bool tc_test_str_eq(const char *a, const char *b);

/*
 * Split feeding: every parser test runs its input whole, one byte at a time,
 * and cut in two at every position (and, for inputs up to split3_max bytes,
 * in three at every pair of positions).
 *
 * reset(ctx) starts a fresh parser; feed(ctx, p, n) gives it a piece and
 * returns 0 or an error; check(ctx, mode) asserts the outcome and is called
 * after each complete run. mode describes the split for failure messages.
 */
typedef struct tc_split_ops {
  void (*reset)(void *ctx);
  int (*feed)(void *ctx, const char *p, size_t n);
  void (*check)(void *ctx, const char *mode);
} tc_split_ops_t;

/* Returns the number of runs made. Stops early after the first run whose
 * check failed (the failure message names the split). */
int tc_test_splits(const char *in, size_t len, const tc_split_ops_t *ops, void *ctx,
                   size_t split3_max);

#endif /* TC_TEST_H */

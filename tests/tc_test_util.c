/* tc_test_util.c — split feeding for parser tests. */
#include <stdio.h>

#include "tc_test.h"

static bool run_pieces(const char *in, size_t len, const size_t *cuts, size_t ncuts,
                       const tc_split_ops_t *ops, void *ctx, const char *mode)
{
  int before = tc_test_current_failures();
  size_t at = 0;
  ops->reset(ctx);
  for (size_t i = 0; i <= ncuts; i++) {
    size_t end = i < ncuts ? cuts[i] : len;
    if (ops->feed(ctx, in + at, end - at) != 0) break;
    at = end;
  }
  ops->check(ctx, mode);
  return tc_test_current_failures() == before;
}

int tc_test_splits(const char *in, size_t len, const tc_split_ops_t *ops, void *ctx,
                   size_t split3_max)
{
  char mode[64];
  size_t cuts[2];
  int runs = 0;

  runs++;
  if (!run_pieces(in, len, NULL, 0, ops, ctx, "whole")) return runs;

  /* one byte at a time */
  {
    int before = tc_test_current_failures();
    size_t i = 0;
    ops->reset(ctx);
    for (; i < len; i++)
      if (ops->feed(ctx, in + i, 1) != 0) break;
    ops->check(ctx, "byte by byte");
    runs++;
    if (tc_test_current_failures() != before) return runs;
  }

  for (size_t a = 1; a < len; a++) {
    cuts[0] = a;
    snprintf(mode, sizeof mode, "split at %zu", a);
    runs++;
    if (!run_pieces(in, len, cuts, 1, ops, ctx, mode)) return runs;
  }
  if (len <= split3_max) {
    for (size_t a = 1; a < len; a++) {
      for (size_t b = a + 1; b < len; b++) {
        cuts[0] = a;
        cuts[1] = b;
        snprintf(mode, sizeof mode, "split at %zu,%zu", a, b);
        runs++;
        if (!run_pieces(in, len, cuts, 2, ops, ctx, mode)) return runs;
      }
    }
  }
  return runs;
}

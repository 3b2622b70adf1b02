/* tc_test.c — the harness behind tc_test.h. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "tc_test.h"

static int g_passed, g_failed, g_cur_failures;
static const char *g_cur_name = "?";

void tc_test_fail(const char *file, int line, const char *fmt, ...)
{
  va_list ap;
  if (g_cur_failures < 10) {
    fprintf(stderr, "  FAIL %s (%s:%d): ", g_cur_name, file, line);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
  }
  g_cur_failures++;
}

int tc_test_current_failures(void) { return g_cur_failures; }

void tc_test_run(const char *name, void (*fn)(void))
{
  g_cur_name = name;
  g_cur_failures = 0;
  fn();
  if (g_cur_failures) {
    g_failed++;
    fprintf(stderr, "not ok  %s (%d failed checks)\n", name, g_cur_failures);
  } else {
    g_passed++;
  }
}

int tc_test_finish(const char *suite)
{
  printf("%s: %d passed, %d failed\n", suite, g_passed, g_failed);
  fflush(stdout);
  return g_failed ? 1 : 0;
}

bool tc_test_mem_eq(const void *p, size_t n, const char *s)
{
  if (p == NULL) return false;
  return strlen(s) == n && memcmp(p, s, n) == 0;
}

bool tc_test_str_eq(const char *a, const char *b)
{
  if (a == NULL || b == NULL) return a == b;
  return strcmp(a, b) == 0;
}

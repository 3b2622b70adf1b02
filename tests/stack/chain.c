/* stackdepth self-test: a direct chain with known frames (tc_fix_a > b > c)
 * and a shallower branch (tc_fix_a > d). */
void tc_fix_a(volatile char *out);
void tc_fix_sink(volatile char *p);

__attribute__((noinline)) void tc_fix_sink(volatile char *p) { p[0] = 1; }

__attribute__((noinline)) static void c(volatile char *out)
{
  volatile char buf[200];
  tc_fix_sink(buf);
  out[0] = buf[1];
}

__attribute__((noinline)) static void b(volatile char *out)
{
  volatile char buf[100];
  c(buf);
  out[0] = buf[2];
}

__attribute__((noinline)) static void d(volatile char *out)
{
  volatile char buf[40];
  tc_fix_sink(buf);
  out[0] = buf[3];
}

void tc_fix_a(volatile char *out)
{
  volatile char buf[16];
  b(buf);
  d(buf);
  out[0] = buf[0];
}

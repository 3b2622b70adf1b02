/* stackdepth self-test: a frame of run-time size (a VLA): an error. */
void tc_fix_v(unsigned n);
void tc_fix_sink2(volatile char *p);
void tc_fix_v(unsigned n) { volatile char buf[n + 1]; tc_fix_sink2(buf); }

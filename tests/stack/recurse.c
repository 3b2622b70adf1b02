/* stackdepth self-test: recursion has no bound: an error. */
int tc_fix_r(int n);
int tc_fix_r(int n) { volatile char buf[8]; buf[0] = (char)n; return n ? tc_fix_r(n - 1) + buf[0] : 0; }

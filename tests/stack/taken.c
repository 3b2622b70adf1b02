/* stackdepth self-test: a function whose address is taken, called by no rule: an error. */
typedef int (*tc_fix_fn)(int);
static int twice(int x) { return 2 * x; }
tc_fix_fn tc_fix_t(void);
tc_fix_fn tc_fix_t(void) { return twice; }

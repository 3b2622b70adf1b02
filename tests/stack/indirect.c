/* stackdepth self-test: a call through a pointer no rule classifies: an error. */
int tc_fix_i(int (*fn)(int));
int tc_fix_i(int (*fn)(int)) { return fn(1) + 1; }

# tests/fuzz/diff.mk — fuzz_outstream_diff: both decode paths in one binary.
#
# core/ is compiled twice for libFuzzer: with TC_DECODE_FAST=1 as it is, and
# with TC_DECODE_FAST=0 into objects that `ld -r` joins into one, in which
# objcopy then renames every global symbol it defines, tc_x to os_tc_x (the
# references inside that copy are to those same symbols, so it only calls
# itself). tests/fuzz/fuzz_outstream_diff.c feeds both the same bytes and
# asserts the same callbacks. The generic rule in the Makefile would build
# this target from one copy; this explicit rule takes precedence.
FUZZ_DIFF := $(BUILD)/fuzz/fuzz_outstream_diff
fuzz_diff_comma := ,
FUZZ_DIFF_OBJ_FLAGS := $(subst fuzzer$(fuzz_diff_comma),fuzzer-no-link$(fuzz_diff_comma),$(FUZZ_FLAGS))
FUZZ_DIFF_FAST := $(CORE_SRC:core/%.c=$(BUILD)/fuzz/diff/fast/%.o)
FUZZ_DIFF_OS := $(CORE_SRC:core/%.c=$(BUILD)/fuzz/diff/os/%.o)

$(BUILD)/fuzz/diff/fast/%.o: core/%.c $(wildcard core/*.h) $(JSMN_H)
	@mkdir -p $(dir $@)
	$(CLANG) $(FUZZ_DIFF_OBJ_FLAGS) -DTC_DECODE_FAST=1 -c $< -o $@

$(BUILD)/fuzz/diff/os/%.o: core/%.c $(wildcard core/*.h) $(JSMN_H)
	@mkdir -p $(dir $@)
	$(CLANG) $(FUZZ_DIFF_OBJ_FLAGS) -DTC_DECODE_FAST=0 -c $< -o $@

$(BUILD)/fuzz/diff/core_os.o: $(FUZZ_DIFF_OS)
	ld -r $^ -o $@.tmp
	nm -g --defined-only $@.tmp | awk '$$2 ~ /^[TDBR]$$/ { print $$3 " os_" $$3 }' > $@.syms
	objcopy --redefine-syms=$@.syms $@.tmp $@
	@rm -f $@.tmp

$(FUZZ_DIFF): tests/fuzz/fuzz_outstream_diff.c $(FUZZ_DIFF_FAST) $(BUILD)/fuzz/diff/core_os.o
	@mkdir -p $(dir $@)
	$(CLANG) $(FUZZ_FLAGS) $^ -o $@

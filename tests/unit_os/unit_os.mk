# tests/unit_os/unit_os.mk — suite `unit-os`: every unit test again, against a
# core/ built with TC_DECODE_FAST=0, and by clang (the `unit` suite is gcc):
# clang's UBSan also refuses arithmetic on a null pointer (even + 0), which
# gcc's lets pass.
#
# TC_DECODE_FAST (core/tc_config.h) is off by default whenever a firmware is
# built with -Os, so that is the decoder MCUs run; the host unit tests are
# built with -O2, where it is on. This suite rebuilds core/ with
# -DTC_DECODE_FAST=0 (ASan + UBSan, into $(BUILD)/san-os/) and links every
# tests/test_*.c against it (into $(BUILD)/tests-os/), so both decode paths
# pass the same vectors, whole, byte by byte and split at every position.
# The key-value store and port tests are left out: they reach no decoder code.
#
#   make test-unit-os   prints each binary's line as "name_os: N passed, N failed"

UNIT_OS_DEFS    := -DTC_DECODE_FAST=0
CORE_SAN_OS_OBJ := $(CORE_SRC:%.c=$(BUILD)/san-os/%.o)
LIB_SAN_OS      := $(BUILD)/san-os/libtrigchat.a
TEST_OS_SRC     := $(filter-out tests/test_kv% tests/test_port%,$(TEST_SRC))
TEST_OS_BIN     := $(TEST_OS_SRC:tests/%.c=$(BUILD)/tests-os/%)

$(BUILD)/san-os/%.o: %.c $(JSMN_H)
	@mkdir -p $(dir $@)
	$(CLANG) $(ALL_CFLAGS) $(SAN) $(UNIT_OS_DEFS) -MMD -MP -c $< -o $@

$(LIB_SAN_OS): $(CORE_SAN_OS_OBJ)
	@rm -f $@
	ar rcs $@ $(CORE_SAN_OS_OBJ)

# The port library does not depend on TC_DECODE_FAST (only core/*.c use it);
# these tests take nothing from it (it is gcc-built).
$(BUILD)/tests-os/%: tests/%.c $(TEST_HARNESS) $(TEST_INCLUDED) $(LIB_SAN_OS) $(PORT_LIB_SAN)
	@mkdir -p $(dir $@)
	$(CLANG) $(ALL_CFLAGS) $(SAN) $(UNIT_OS_DEFS) -Itests $< $(TEST_HARNESS) $(PORT_LIB_SAN) $(LIB_SAN_OS) \
	    $(MBEDTLS_LIBS) $(TEST_EXTRA_LIBS) -o $@

-include $(CORE_SAN_OS_OBJ:.o=.d)

TEST_SUITES += unit-os
.PHONY: test-unit-os
test-unit-os: $(TEST_OS_BIN)
	@fail=0; for t in $(TEST_OS_BIN); do $$t | sed "s/^\([a-z0-9_]*\): \([0-9]* passed\)/\1_os: \2/" ; \
	  [ $${PIPESTATUS[0]} -eq 0 ] || fail=1; done; exit $$fail

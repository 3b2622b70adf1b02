# Unit tests on an emulated Cortex-M4 (QEMU mps2-an386, semihosting).
#
# Every tests/test_*.c that does not contain the marker "tc-test: host-only"
# is cross-compiled with arm-none-eabi-gcc together with all of core/ and run
# under qemu-system-arm. Each prints "<suite>: N passed, N failed"; a fault
# prints a failing line and exits non-zero (boards/qemu-mps2/startup.c).
# Tests see TC_TEST_EMBEDDED=1 and should scale very large inputs down with it
# (the board has 4 MiB of data RAM).

QEMU_M4_DIR    := $(BUILD)/qemu-m4
QEMU_M4_CC     ?= arm-none-eabi-gcc
QEMU_M4_CFLAGS := $(CSTD) $(WARN) -O2 -g -mthumb -mcpu=cortex-m4 -mfloat-abi=soft \
                  -ffunction-sections -fdata-sections --specs=rdimon.specs \
                  -DTC_TEST_EMBEDDED=1 $(INC) -Itests
QEMU_M4_LD     := -Tboards/qemu-mps2/mps2_an386.ld -Wl,--gc-sections -lrdimon
QEMU_M4_SRC     = $(shell grep -L 'tc-test: host-only' $(TEST_SRC) /dev/null 2>/dev/null | grep -v /dev/null)
QEMU_M4_ELF     = $(QEMU_M4_SRC:tests/%.c=$(QEMU_M4_DIR)/%.elf)
QEMU_TIMEOUT   ?= 600

$(QEMU_M4_DIR)/%.elf: tests/%.c $(CORE_SRC) $(TEST_HARNESS) boards/qemu-mps2/startup.c boards/qemu-mps2/mps2_an386.ld $(JSMN_H)
	@mkdir -p $(dir $@)
	$(QEMU_M4_CC) $(QEMU_M4_CFLAGS) boards/qemu-mps2/startup.c $< $(TEST_HARNESS) \
	    $(filter-out $(QEMU_M4_EXCLUDE_CORE),$(CORE_SRC)) $(QEMU_M4_LD) -o $@

.PHONY: qemu-m4 test-qemu-m4
qemu-m4: $(QEMU_M4_ELF)

test-qemu-m4: $(QEMU_M4_ELF)
	@fail=0; for e in $(QEMU_M4_ELF); do \
	  echo "-- qemu mps2-an386: $$(basename $$e .elf)"; \
	  out=$$(timeout $(QEMU_TIMEOUT) qemu-system-arm -M mps2-an386 -nographic -monitor none \
	    -semihosting-config enable=on,target=native -kernel $$e 2>&1); rc=$$?; \
	  echo "$$out" | sed 's/^\([A-Za-z0-9_.-]*\): \([0-9]* passed\)/m4-\1: \2/'; \
	  [ $$rc -eq 0 ] || { echo "qemu exit status $$rc"; fail=1; }; \
	done; exit $$fail

TEST_SUITES += qemu-m4

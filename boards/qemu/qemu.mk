# Unit tests on an emulated Cortex-M4 (QEMU mps2-an386, semihosting).
#
# Every tests/test_*.c that does not contain the marker "tc-test: host-only"
# is cross-compiled with arm-none-eabi-gcc together with all of core/ and run
# under qemu-system-arm. Each prints "<suite>: N passed, N failed"; a fault
# prints a failing line and exits non-zero (boards/qemu/startup_m4.c).
# Tests see TC_TEST_EMBEDDED=1 and should scale very large inputs down with it
# (the boards give tests 16 MiB (M4) and 60 MiB (rv32) of heap).

QEMU_M4_DIR    := $(BUILD)/qemu-m4
QEMU_M4_CC     ?= arm-none-eabi-gcc
QEMU_M4_CFLAGS := $(CSTD) $(WARN) -O2 -g -mthumb -mcpu=cortex-m4 -mfloat-abi=soft \
                  -ffunction-sections -fdata-sections --specs=rdimon.specs \
                  -DTC_TEST_EMBEDDED=1 $(INC) -Itests
QEMU_M4_LD     := -Tboards/qemu/mps2_an386.ld -Wl,--gc-sections -lrdimon
QEMU_M4_SRC     = $(shell grep -L 'tc-test: host-only' $(TEST_SRC) /dev/null 2>/dev/null | grep -v /dev/null)
QEMU_M4_ELF     = $(QEMU_M4_SRC:tests/%.c=$(QEMU_M4_DIR)/%.elf)
QEMU_TIMEOUT   ?= 600

$(QEMU_M4_DIR)/%.elf: tests/%.c $(CORE_SRC) $(wildcard core/*.h) $(TEST_HARNESS) $(TEST_INCLUDED) boards/qemu/startup_m4.c boards/qemu/mps2_an386.ld $(JSMN_H)
	@mkdir -p $(dir $@)
	$(QEMU_M4_CC) $(QEMU_M4_CFLAGS) boards/qemu/startup_m4.c $< $(TEST_HARNESS) \
	    $(filter-out $(QEMU_M4_EXCLUDE_CORE),$(CORE_SRC)) $(QEMU_M4_LD) -o $@

.PHONY: qemu-m4 test-qemu-m4
qemu-m4: $(QEMU_M4_ELF)

# The tests are built TEST_JOBS at a time first, then each is run on its own;
# one that does not build counts as a failure (its errors shown) without
# hiding the others.
test-qemu-m4:
	@$(MAKE) --no-print-directory -s -k -j$(TEST_JOBS) $(QEMU_M4_ELF) >/dev/null 2>&1 || true # (errors: below)
	@fail=0; for e in $(QEMU_M4_ELF); do \
	  echo "-- qemu mps2-an386: $$(basename $$e .elf)"; \
	  $(MAKE) --no-print-directory -s $$e >/dev/null || { echo "m4-$$(basename $$e .elf): 0 passed, 1 failed (build)"; fail=1; continue; }; \
	  out=$$(timeout $(QEMU_TIMEOUT) qemu-system-arm -M mps2-an386 -nographic -monitor none \
	    -semihosting-config enable=on,target=native -kernel $$e 2>&1); rc=$$?; \
	  echo "$$out" | sed 's/^\([A-Za-z0-9_.-]*\): \([0-9]* passed\)/m4-\1: \2/'; \
	  [ $$rc -eq 0 ] || { echo "qemu exit status $$rc"; fail=1; }; \
	done; exit $$fail

TEST_SUITES += qemu-m4

# The same tests for rv32imc (the ESP32-C3 instruction set) on QEMU's riscv32
# `virt` board, with picolibc's semihosting crt0 (code at 0x80000000, data
# at 0x80400000, 60 MiB of the board's 128 MiB). Built with -Os, as a
# size-optimised ESP32 firmware is: that turns TC_DECODE_FAST off, so the board
# runs the decoder's small path while the Cortex-M4 board (-O2) runs the fast one.
QEMU_RV_DIR    := $(BUILD)/qemu-rv32
QEMU_RV_CC     ?= riscv64-unknown-elf-gcc
QEMU_RV_CFLAGS := $(CSTD) $(WARN) -Os -g -march=rv32imc -mabi=ilp32 --specs=picolibc.specs \
                  -ffunction-sections -fdata-sections -DTC_TEST_EMBEDDED=1 $(INC) -Itests
QEMU_RV_LD     := --oslib=semihost --crt0=semihost -Wl,--gc-sections \
                  -Wl,--defsym=__flash=0x80000000 -Wl,--defsym=__flash_size=0x400000 \
                  -Wl,--defsym=__ram=0x80400000 -Wl,--defsym=__ram_size=0x3c00000 \
                  -Wl,--defsym=__stack_size=0x10000
QEMU_RV_ELF     = $(QEMU_M4_SRC:tests/%.c=$(QEMU_RV_DIR)/%.elf)

$(QEMU_RV_DIR)/%.elf: tests/%.c $(CORE_SRC) $(wildcard core/*.h) $(TEST_HARNESS) $(TEST_INCLUDED) $(JSMN_H)
	@mkdir -p $(dir $@)
	$(QEMU_RV_CC) $(QEMU_RV_CFLAGS) $< $(TEST_HARNESS) \
	    $(filter-out $(QEMU_M4_EXCLUDE_CORE),$(CORE_SRC)) $(QEMU_RV_LD) -o $@

.PHONY: test-qemu-rv32
test-qemu-rv32:
	@$(MAKE) --no-print-directory -s -k -j$(TEST_JOBS) $(QEMU_RV_ELF) >/dev/null 2>&1 || true # (errors: below)
	@fail=0; for e in $(QEMU_RV_ELF); do \
	  echo "-- qemu riscv32 virt: $$(basename $$e .elf)"; \
	  $(MAKE) --no-print-directory -s $$e >/dev/null || { echo "rv32-$$(basename $$e .elf): 0 passed, 1 failed (build)"; fail=1; continue; }; \
	  out=$$(timeout $(QEMU_TIMEOUT) qemu-system-riscv32 -M virt -nographic -monitor none -bios none \
	    -semihosting-config enable=on,target=native -kernel $$e 2>&1); rc=$$?; \
	  echo "$$out" | sed 's/^\([A-Za-z0-9_.-]*\): \([0-9]* passed\)/rv32-\1: \2/'; \
	  [ $$rc -eq 0 ] || { echo "qemu exit status $$rc"; fail=1; }; \
	done; exit $$fail

TEST_SUITES += qemu-rv32

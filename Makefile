# trigchat — top-level build.
#
#   make            build/libtrigchat.a (core, host, -O2) and the host port library
#   make test       install what is missing, then run every test suite; ends with
#                   a line "N passed, N failed"
#   make demo       a real chat with tools/tchat on the bundled simulator
#   make size       core/ text/data/bss for Cortex-M4 and rv32imc -> build/size.txt
#   make fuzz       every libFuzzer target, long (FUZZ_SECONDS, default 600)
#   make bench      decoder benchmark (callgrind instructions per byte, speed vs JS)
#
# Sources are found by wildcard: a new core/*.c joins the library, a new
# tests/test_*.c becomes a unit-test binary, a new tests/fuzz/fuzz_*.c a fuzz
# target. Larger pieces (simulator, boards, benchmarks) add themselves through a
# fragment named <dir>/<name>.mk, included below; a fragment appends its suite
# names to TEST_SUITES and defines a target test-<suite>.

SHELL := /bin/bash
.DEFAULT_GOAL := all
BUILD ?= build

CC      ?= cc
CLANG   ?= clang
WARN    := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
           -Wpointer-arith -Wformat=2 -Wundef -Wvla -Wcast-qual -Wwrite-strings
CSTD    := -std=c11
INC     := -Icore -Iport -I$(BUILD)/include
CFLAGS  ?= -O2 -g
ALL_CFLAGS := $(CSTD) $(WARN) $(CFLAGS) $(INC)
SAN     := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
MBEDTLS_LIBS ?= -lmbedtls -lmbedx509 -lmbedcrypto

# jsmn is used header-only, from Debian's libjsmn-dev. It is linked (not copied)
# into the build tree so that cross compilers do not see the host's /usr/include.
JSMN_H  := $(BUILD)/include/jsmn.h
$(JSMN_H):
	@mkdir -p $(dir $@)
	@test -f /usr/include/jsmn.h || { echo "jsmn.h missing: run 'make deps' (libjsmn-dev)"; exit 1; }
	ln -sf /usr/include/jsmn.h $@

# ---------------------------------------------------------------- core library
CORE_SRC := $(sort $(wildcard core/*.c))
CORE_OBJ := $(CORE_SRC:%.c=$(BUILD)/obj/%.o)
CORE_SAN_OBJ := $(CORE_SRC:%.c=$(BUILD)/san/%.o)
LIB      := $(BUILD)/libtrigchat.a
LIB_SAN  := $(BUILD)/san/libtrigchat.a

# Host port adapters (POSIX sockets, mbedTLS, key-value stores). Fragments may
# add to PORT_HOST_SRC or filter it.
PORT_HOST_SRC ?= $(sort $(wildcard port/posix/*.c port/mbedtls/*.c port/kv/*.c))
PORT_HOST_EXCLUDE ?=
PORT_SRC_USED = $(filter-out $(PORT_HOST_EXCLUDE),$(PORT_HOST_SRC))
PORT_OBJ     = $(PORT_SRC_USED:%.c=$(BUILD)/obj/%.o)
PORT_SAN_OBJ = $(PORT_SRC_USED:%.c=$(BUILD)/san/%.o)
PORT_LIB     := $(BUILD)/libtrigchat_port.a
PORT_LIB_SAN := $(BUILD)/san/libtrigchat_port.a

$(BUILD)/obj/%.o: %.c $(JSMN_H)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/san/%.o: %.c $(JSMN_H)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(SAN) -MMD -MP -c $< -o $@

# core/ must never reach the heap: fail the build if any core object references it.
$(BUILD)/heapcheck.stamp: $(CORE_OBJ)
	@bad=$$(nm -u $(CORE_OBJ) | grep -Ew 'malloc|calloc|realloc|free' | sort -u); \
	if [ -n "$$bad" ]; then echo "core/ references the heap:"; echo "$$bad"; exit 1; fi
	@touch $@

$(LIB): $(CORE_OBJ) $(BUILD)/heapcheck.stamp
	@rm -f $@
	ar rcs $@ $(CORE_OBJ)

$(LIB_SAN): $(CORE_SAN_OBJ)
	@rm -f $@
	ar rcs $@ $(CORE_SAN_OBJ)

# Second expansion: fragments (included below) may add to PORT_HOST_EXCLUDE.
.SECONDEXPANSION:
$(PORT_LIB): $$(PORT_OBJ)
	@rm -f $@
	ar rcs $@ $(PORT_OBJ)

$(PORT_LIB_SAN): $$(PORT_SAN_OBJ)
	@rm -f $@
	ar rcs $@ $(PORT_SAN_OBJ)

.PHONY: all lib
all: $(LIB) $(PORT_LIB)
lib: $(LIB)

# ---------------------------------------------------------------- unit tests
# Every tests/test_*.c is one binary, built with ASan and UBSan, linked with the
# small harness (tests/tc_test.c) and both libraries. Each prints
# "<name>: N passed, N failed" and exits non-zero on any failure.
TEST_SRC  := $(sort $(wildcard tests/test_*.c))
TEST_BIN  := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
TEST_HARNESS := tests/tc_test.c tests/tc_test_util.c
# what test files #include besides headers of core/ (the chat's fakes and
# scenario helpers are compiled into each chat test): a change rebuilds them
TEST_INCLUDED := tests/chat_fake.c tests/chat_scn.c tests/chat_server_fake.c tests/chat_chaos.c $(wildcard tests/*.h)
TEST_EXTRA_LIBS ?=

$(BUILD)/tests/%: tests/%.c $(TEST_HARNESS) $(TEST_INCLUDED) $(LIB_SAN) $(PORT_LIB_SAN)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(SAN) -Itests $< $(TEST_HARNESS) $(PORT_LIB_SAN) $(LIB_SAN) \
	    $(MBEDTLS_LIBS) $(TEST_EXTRA_LIBS) -o $@

.PHONY: unit test-unit
unit: $(TEST_BIN)
test-unit: $(TEST_BIN)
	@fail=0; for t in $(TEST_BIN); do $$t || fail=1; done; exit $$fail

# ---------------------------------------------------------------- fuzzing
# Every tests/fuzz/fuzz_*.c is a libFuzzer target built with clang, ASan and
# UBSan from the core sources. `make test` runs each for FUZZ_TEST_SECONDS,
# `make fuzz` for FUZZ_SECONDS.
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BIN := $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/fuzz/%)
FUZZ_SECONDS ?= 600
FUZZ_TEST_SECONDS ?= 20
FUZZ_FLAGS := $(CSTD) -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all $(INC)

# A target named *_os fuzzes the size-optimised decode path (TC_DECODE_FAST 0,
# the -Os default, i.e. what the MCU builds run) with the same assertions.
# A target named *_diff (tests/fuzz/diff.mk) links both paths and compares
# them; *_os and *_diff targets take the seeds of the target they derive from.
# (Each also depends on the headers and on the test sources a harness may
# #include, e.g. fuzz_outstream_os.c includes fuzz_outstream.c.)
$(BUILD)/fuzz/%_os: FUZZ_DEFS := -DTC_DECODE_FAST=0
$(BUILD)/fuzz/%: tests/fuzz/%.c $(CORE_SRC) $(wildcard core/*.h tests/*.h tests/fuzz/*.c) tests/chat_fake.c tests/chat_server_fake.c tests/chat_chaos.c $(JSMN_H)
	@mkdir -p $(dir $@)
	$(CLANG) $(FUZZ_FLAGS) $(FUZZ_DEFS) $< $(CORE_SRC) -o $@

define run_fuzz
	@mkdir -p $(BUILD)/fuzz/corpus/$(1); \
	seeds=tests/fuzz/corpus/$(patsubst %_diff,%,$(patsubst %_os,%,$(1))); [ -d $$seeds ] || seeds=; \
	if $(BUILD)/fuzz/$(1) -max_total_time=$(2) -timeout=10 -rss_limit_mb=2048 -print_final_stats=0 \
	    $(BUILD)/fuzz/corpus/$(1) $$seeds > $(BUILD)/fuzz/$(1).log 2>&1; \
	then echo "$(1): 1 passed, 0 failed"; \
	else tail -40 $(BUILD)/fuzz/$(1).log; echo "$(1): 0 passed, 1 failed"; exit 1; fi
endef

# `make test` runs the targets TEST_JOBS at a time (each fuzzer is one
# process on one core; their output is kept whole per target), `make fuzz`
# one after the other. (TEST_JOBS: how many builds or runs a suite may do at
# once, also used by the board suites.)
TEST_JOBS ?= 2
.PHONY: fuzz test-fuzz
test-fuzz:
	@$(MAKE) --no-print-directory -j$(TEST_JOBS) $(FUZZ_BIN)
	@$(MAKE) --no-print-directory -k -j$(TEST_JOBS) --output-sync=target \
	  $(FUZZ_BIN:$(BUILD)/fuzz/%=fuzz-run-%) SECS=$(FUZZ_TEST_SECONDS)
fuzz: $(FUZZ_BIN)
	@fail=0; for f in $(FUZZ_BIN); do n=$$(basename $$f); \
	  $(MAKE) --no-print-directory fuzz-run-$$n SECS=$(FUZZ_SECONDS) || fail=1; done; exit $$fail
fuzz-run-%: $(BUILD)/fuzz/%
	$(call run_fuzz,$*,$(SECS))

# ---------------------------------------------------------------- fragments
TEST_SUITES := unit fuzz
-include $(sort $(wildcard core/*.mk port/*.mk port/*/*.mk tests/*.mk tests/*/*.mk tools/*.mk tools/*/*.mk boards/*.mk boards/*/*.mk bench/*.mk))

# ---------------------------------------------------------------- make test
# Installs what is missing, then runs each suite in turn (a failing suite does
# not stop the others) and sums every "N passed, N failed" line they print.
.PHONY: deps test
deps:
	@bash tests/deps.sh

test: deps
	@rm -rf $(BUILD)/results; mkdir -p $(BUILD)/results
	@for s in $(TEST_SUITES); do \
	  echo "== suite $$s"; t0=$$(date +%s); \
	  $(MAKE) --no-print-directory test-$$s 2>&1 | tee $(BUILD)/results/$$s.log; \
	  rc=$${PIPESTATUS[0]}; echo "$$rc" > $(BUILD)/results/$$s.rc; \
	  echo "$$(( $$(date +%s) - t0 ))" > $(BUILD)/results/$$s.secs; \
	done
	@bash tests/summarize.sh $(BUILD)/results

# ---------------------------------------------------------------- make demo
.PHONY: demo
demo: deps
	@$(MAKE) --no-print-directory $(BUILD)/tchat
	@BUILD=$(BUILD) bash tools/demo.sh

.PHONY: clean
clean:
	rm -rf $(BUILD)

-include $(CORE_OBJ:.o=.d) $(CORE_SAN_OBJ:.o=.d) $(PORT_OBJ:.o=.d) $(PORT_SAN_OBJ:.o=.d)

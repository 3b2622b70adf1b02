# port/port.mk — the `port` test suite: the POSIX transport, and the TLS
# transport built twice, against Debian's mbedTLS 2.28 and against mbedTLS 3.6
# (tests/deps.d/mbedtls3.sh builds it into $(MBEDTLS3_DIR)). Both TLS builds
# route every mbedTLS allocation into the adapter's arena, so the tests can
# check that nothing is left allocated and report the arena's peak:
#   - 3.6 is configured with MBEDTLS_PLATFORM_MEMORY (the adapter installs its
#     allocator with mbedtls_platform_set_calloc_free);
#   - Debian's 2.28 has neither PLATFORM_MEMORY nor MEMORY_BUFFER_ALLOC_C, so
#     its static libraries are copied with objcopy, their calloc/free
#     references renamed to tc_mbedtls_calloc/tc_mbedtls_free.
#
#   make test-port    runs all three; lines "port_*: N passed, N failed"
#   make size-port    Cortex-M4 -Os text of port/mbedtls (3.6 headers) and the
#                     x86-64 text of port/posix; appended to $(SIZE_TXT)

MBEDTLS3_DIR ?= build/mbedtls3
PORT_T       := $(BUILD)/port
PORT_TEST_CFLAGS = $(CSTD) $(WARN) -O1 -g $(SAN) -Icore -Iport -Itests
PORT_TEST_CORE := core/err.c core/kv.c
PORT_TLS_SRC   := tests/test_port_tls.c port/posix/posix_net.c port/mbedtls/tc_mbedtls.c \
                  $(PORT_TEST_CORE) $(TEST_HARNESS)
PORT_TLS_DEPS  := $(PORT_TLS_SRC) tests/tc_test.h port/port.h port/posix/tc_posix_net.h \
                  port/mbedtls/tc_mbedtls.h tests/port/mkcerts.sh

MB2_SYS_LIBDIR ?= /usr/lib/$(shell $(CC) -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)
MB2_LIBS := $(PORT_T)/mb2lib/libmbedtls.a $(PORT_T)/mb2lib/libmbedx509.a $(PORT_T)/mb2lib/libmbedcrypto.a

$(PORT_T)/mb2lib/%.a: $(MB2_SYS_LIBDIR)/%.a
	@mkdir -p $(dir $@)
	objcopy --redefine-sym calloc=tc_mbedtls_calloc --redefine-sym free=tc_mbedtls_free $< $@
	@! nm -u $@ 2>/dev/null | grep -Ew 'malloc|calloc|realloc|free' || { echo "$@ still uses the heap"; exit 1; }

$(PORT_T)/test_port_tls_mbedtls2: $(PORT_TLS_DEPS) $(MB2_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(PORT_TEST_CFLAGS) -DTC_TEST_ARENA_WIRED -DTC_TEST_SUITE='"port_tls_mbedtls2"' \
	    $(PORT_TLS_SRC) $(MB2_LIBS) -lpthread -o $@

$(PORT_T)/test_port_tls_mbedtls3: $(PORT_TLS_DEPS) $(MBEDTLS3_DIR)/lib/libmbedtls.a
	@mkdir -p $(dir $@)
	$(CC) -I$(MBEDTLS3_DIR)/include $(PORT_TEST_CFLAGS) -DTC_TEST_ARENA_WIRED \
	    -DTC_TEST_SUITE='"port_tls_mbedtls3"' $(PORT_TLS_SRC) \
	    $(MBEDTLS3_DIR)/lib/libmbedtls.a $(MBEDTLS3_DIR)/lib/libmbedx509.a \
	    $(MBEDTLS3_DIR)/lib/libmbedcrypto.a -o $@

$(PORT_T)/test_port_posix: tests/test_port_posix.c port/posix/posix_net.c port/posix/tc_posix_net.h \
                           $(PORT_TEST_CORE) $(TEST_HARNESS) tests/tc_test.h
	@mkdir -p $(dir $@)
	$(CC) $(PORT_TEST_CFLAGS) tests/test_port_posix.c port/posix/posix_net.c \
	    $(PORT_TEST_CORE) $(TEST_HARNESS) -o $@

# tests/test_review9_port.c: the TLS adapter over an in-memory transport against
# an in-process server; the unit suite builds it against the system's 2.28, this
# against 3.6 (TLS 1.3) with the arena wired.
$(PORT_T)/test_review9_port_mbedtls3: tests/test_review9_port.c $(PORT_TLS_DEPS) port/kv/kv_flash.c \
                                      port/kv/flash_ram.c port/kv/tc_kv_flash.h $(MBEDTLS3_DIR)/lib/libmbedtls.a
	@mkdir -p $(dir $@)
	$(CC) -I$(MBEDTLS3_DIR)/include $(PORT_TEST_CFLAGS) -DTC_TEST_ARENA_WIRED \
	    -DTC_TEST_SUITE='"review9_port_mbedtls3"' tests/test_review9_port.c port/posix/posix_net.c \
	    port/mbedtls/tc_mbedtls.c port/kv/kv_flash.c port/kv/flash_ram.c core/types.c \
	    $(PORT_TEST_CORE) $(TEST_HARNESS) \
	    $(MBEDTLS3_DIR)/lib/libmbedtls.a $(MBEDTLS3_DIR)/lib/libmbedx509.a \
	    $(MBEDTLS3_DIR)/lib/libmbedcrypto.a -o $@

$(MBEDTLS3_DIR)/lib/libmbedtls.a:
	MBEDTLS3_DIR=$(MBEDTLS3_DIR) bash tests/deps.d/mbedtls3.sh

PORT_SUITE_BINS := $(PORT_T)/test_port_posix $(PORT_T)/test_port_tls_mbedtls2 $(PORT_T)/test_port_tls_mbedtls3 \
                   $(PORT_T)/test_review9_port_mbedtls3

.PHONY: test-port
TEST_SUITES += port
test-port: $(PORT_SUITE_BINS)
	@fail=0; for t in $(PORT_SUITE_BINS); do timeout 300 $$t || { echo "$$(basename $$t): failed (exit $$?)"; fail=1; }; done; exit $$fail

# ---- size: port/mbedtls for Cortex-M4 against the 3.6 headers; port/posix x86-64
PORT_M4_CC    ?= arm-none-eabi-gcc
PORT_M4_FLAGS := $(CSTD) -Os -ffunction-sections -fdata-sections -mthumb -mcpu=cortex-m4 $(WARN) -Icore -Iport
SIZE_HOOKS += size-port
.PHONY: size-port
size-port: $(MBEDTLS3_DIR)/lib/libmbedtls.a
	@mkdir -p $(PORT_T)/size $(dir $(SIZE_TXT))
	$(PORT_M4_CC) $(PORT_M4_FLAGS) -I$(MBEDTLS3_DIR)/include -c port/mbedtls/tc_mbedtls.c -o $(PORT_T)/size/tls_m4.o
	$(CC) $(CSTD) -Os $(WARN) -Icore -Iport -c port/posix/posix_net.c -o $(PORT_T)/size/posix_net_x86.o
	@$(call size_txt_forget,port_mbedtls_|port_posix_|port_sizeof_)
	@m4=$$(arm-none-eabi-size $(PORT_T)/size/tls_m4.o | awk 'NR==2{print $$1}'); \
	 px=$$(size $(PORT_T)/size/posix_net_x86.o | awk 'NR==2{print $$1}'); \
	 echo "port_mbedtls_text_cortex_m4 $$m4" | tee -a $(SIZE_TXT); \
	 echo "port_posix_text_x86_64 $$px" | tee -a $(SIZE_TXT)
	$(PORT_M4_CC) $(PORT_M4_FLAGS) -I$(MBEDTLS3_DIR)/include -c tests/port/port_sizes.c -o $(PORT_T)/size/port_sizes_m4.o
	@arm-none-eabi-nm -S $(PORT_T)/size/port_sizes_m4.o | while read -r _ sz _ name; do \
	  echo "port_sizeof_$${name#size_}_cortex_m4 $$((16#$$sz))"; done | tee -a $(SIZE_TXT)

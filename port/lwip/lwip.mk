# port/lwip/lwip.mk — lwIP transports (port/lwip) and their host simulation
# on the real lwIP stack (suite `lwip`), plus `make lwip-size`.
#
# lwIP comes from Debian 12's source package (tests/deps.d/lwip.sh unpacks it
# into build/lwip-src; it is never committed) and is compiled here with
# tests/lwip/lwipopts.h into two static libraries:
#   $(BUILD)/lwip/nosys/liblwip.a   NO_SYS=1, raw API (bare metal)
#   $(BUILD)/lwip/sys/liblwip.a     NO_SYS=0, tcpip thread + sockets (sys_arch on pthreads)
# The tests run inside a network namespace with a TAP device (tests/lwip/run.sh,
# root needed); see docs/lwip.md.

LWIP_SRC_DIR ?= build/lwip-src
LWIP_DIR      = $(firstword $(wildcard $(LWIP_SRC_DIR)/lwip-*/src))
LWIP_B       := $(BUILD)/lwip
LWIP_INC      = -Itests/lwip -I$(LWIP_DIR)/include
LWIP_CORE_SRC = $(wildcard $(LWIP_DIR)/core/*.c $(LWIP_DIR)/core/ipv4/*.c) $(LWIP_DIR)/netif/ethernet.c
LWIP_API_SRC  = $(wildcard $(LWIP_DIR)/api/*.c)
# lwIP is third-party code: its own warnings are not ours to fix.
LWIP_LIB_CFLAGS = -std=c11 -O1 -g -w $(SAN) $(LWIP_INC)
LWIP_OUR_CFLAGS = $(CSTD) $(WARN) -O1 -g $(SAN) -Icore -Iport -Itests $(LWIP_INC)

.PHONY: lwip-check-src
lwip-check-src:
	@test -n "$(LWIP_DIR)" || { echo "lwIP source missing: run 'make deps' (tests/deps.d/lwip.sh)"; exit 1; }

# $(1) = nosys|sys, $(2) = 1|0 (NO_SYS), $(3) = sources
define lwip_lib
$(LWIP_B)/$(1)/liblwip.a: tests/lwip/lwipopts.h tests/lwip/arch/cc.h | lwip-check-src
	@mkdir -p $(LWIP_B)/$(1)/obj
	@rm -f $$@
	@set -e; for f in $(3); do o=$(LWIP_B)/$(1)/obj/$$$$(echo $$$${f#$(LWIP_DIR)/} | tr / _ | sed 's/\.c$$$$/.o/'); \
	  $(CC) $(LWIP_LIB_CFLAGS) -DTC_LWIP_NO_SYS=$(2) -c $$$$f -o $$$$o; done
	ar rcs $$@ $(LWIP_B)/$(1)/obj/*.o
	@echo "lwip: built $$@"
endef
$(eval $(call lwip_lib,nosys,1,$$(LWIP_CORE_SRC)))
$(eval $(call lwip_lib,sys,0,$$(LWIP_CORE_SRC) $$(LWIP_API_SRC)))

LWIP_SIM_COMMON := tests/lwip/sim_host.c tests/lwip/sim_link.c tests/tc_test.c tests/tc_test_util.c core/err.c
LWIP_DEPS_H := $(wildcard port/lwip/*.h tests/lwip/*.h tests/lwip/arch/*.h) port/port.h core/tc_err.h tests/tc_test.h

$(LWIP_B)/test_lwip_raw: tests/lwip/test_lwip_raw.c port/lwip/tc_lwip_raw.c $(LWIP_SIM_COMMON) $(LWIP_DEPS_H) $(LWIP_B)/nosys/liblwip.a
	$(CC) $(LWIP_OUR_CFLAGS) -DTC_LWIP_NO_SYS=1 tests/lwip/test_lwip_raw.c port/lwip/tc_lwip_raw.c \
	    $(LWIP_SIM_COMMON) $(LWIP_B)/nosys/liblwip.a -o $@

$(LWIP_B)/test_lwip_sockets: tests/lwip/test_lwip_sockets.c port/lwip/tc_lwip_sockets.c tests/lwip/sys_arch.c $(LWIP_SIM_COMMON) $(LWIP_DEPS_H) $(LWIP_B)/sys/liblwip.a
	$(CC) $(LWIP_OUR_CFLAGS) -DTC_LWIP_NO_SYS=0 tests/lwip/test_lwip_sockets.c port/lwip/tc_lwip_sockets.c \
	    tests/lwip/sys_arch.c $(LWIP_SIM_COMMON) $(LWIP_B)/sys/liblwip.a -lpthread -o $@

# TLS over lwIP: Debian's mbedTLS 2.28 with calloc/free renamed into the
# adapter's arena (port/port.mk's MB2_LIBS) when that fragment is present.
# port/port.mk is included after this file, so MB2_LIBS is used only in
# recipes (expanded when they run), never in a prerequisite list.
LWIP_TLS_LIBS  = $(if $(MB2_LIBS),$(MB2_LIBS),$(MBEDTLS_LIBS))
LWIP_TLS_FLAGS = $(if $(MB2_LIBS),-DTC_TEST_ARENA_WIRED)
$(LWIP_B)/test_lwip_tls: tests/lwip/test_lwip_tls.c port/lwip/tc_lwip_raw.c port/mbedtls/tc_mbedtls.c core/kv.c $(LWIP_SIM_COMMON) $(LWIP_DEPS_H) port/mbedtls/tc_mbedtls.h $(LWIP_B)/nosys/liblwip.a
	@$(if $(MB2_LIBS),$(MAKE) --no-print-directory $(MB2_LIBS))
	$(CC) $(LWIP_OUR_CFLAGS) -DTC_LWIP_NO_SYS=1 $(LWIP_TLS_FLAGS) tests/lwip/test_lwip_tls.c port/lwip/tc_lwip_raw.c \
	    port/mbedtls/tc_mbedtls.c core/kv.c $(LWIP_SIM_COMMON) $(LWIP_B)/nosys/liblwip.a $(LWIP_TLS_LIBS) -o $@

$(LWIP_B)/test_lwip_tls_sockets: tests/lwip/test_lwip_tls.c port/lwip/tc_lwip_sockets.c tests/lwip/sys_arch.c port/mbedtls/tc_mbedtls.c core/kv.c $(LWIP_SIM_COMMON) $(LWIP_DEPS_H) port/mbedtls/tc_mbedtls.h $(LWIP_B)/sys/liblwip.a
	@$(if $(MB2_LIBS),$(MAKE) --no-print-directory $(MB2_LIBS))
	$(CC) $(LWIP_OUR_CFLAGS) -DTC_LWIP_NO_SYS=0 $(LWIP_TLS_FLAGS) tests/lwip/test_lwip_tls.c port/lwip/tc_lwip_sockets.c \
	    tests/lwip/sys_arch.c port/mbedtls/tc_mbedtls.c core/kv.c $(LWIP_SIM_COMMON) $(LWIP_B)/sys/liblwip.a $(LWIP_TLS_LIBS) -lpthread -o $@

LWIP_TESTS := $(LWIP_B)/test_lwip_raw $(LWIP_B)/test_lwip_tls $(LWIP_B)/test_lwip_sockets $(LWIP_B)/test_lwip_tls_sockets

.PHONY: test-lwip lwip-size
TEST_SUITES += lwip
test-lwip: lwip-check-src
	@$(MAKE) --no-print-directory $(LWIP_TESTS)
	@bash tests/lwip/run.sh $(LWIP_TESTS)

# Cortex-M4 -Os text of each adapter, compiled against lwIP's headers with
# tests/lwip/lwipopts.h (NO_SYS=1 for raw, NO_SYS=0 for sockets), and the
# sizeof of what one connection holds; printed and appended to $(SIZE_TXT)
# when run as a `make size` hook. Skipped (not failed) without lwIP's source.
LWIP_ARM_CC ?= arm-none-eabi-gcc
LWIP_ARM_FLAGS := -std=c11 -Os -mthumb -mcpu=cortex-m4 -ffunction-sections -fdata-sections $(WARN)
SIZE_HOOKS += lwip-size
SIZE_TXT ?= $(BUILD)/size.txt
lwip-size:
	@if [ -z "$(LWIP_DIR)" ]; then echo "lwip-size: skipped, no lwIP source (make deps)"; exit 0; fi; \
	set -e; mkdir -p $(LWIP_B)/m4 $(dir $(SIZE_TXT)); $(call size_txt_forget,port_lwip_); \
	$(LWIP_ARM_CC) $(LWIP_ARM_FLAGS) -DTC_LWIP_NO_SYS=1 $(LWIP_INC) -Icore -Iport -c port/lwip/tc_lwip_raw.c -o $(LWIP_B)/m4/tc_lwip_raw.o; \
	$(LWIP_ARM_CC) $(LWIP_ARM_FLAGS) -DTC_LWIP_NO_SYS=0 $(LWIP_INC) -Icore -Iport -c port/lwip/tc_lwip_sockets.c -o $(LWIP_B)/m4/tc_lwip_sockets.o; \
	$(LWIP_ARM_CC) $(LWIP_ARM_FLAGS) -DTC_LWIP_NO_SYS=0 $(LWIP_INC) -Icore -Iport -c tests/lwip/lwip_sizes.c -o $(LWIP_B)/m4/lwip_sizes.o; \
	for m in tc_lwip_raw tc_lwip_sockets; do \
	  echo "port_lwip_$${m#tc_lwip_}_text_cortex_m4 $$(arm-none-eabi-size $(LWIP_B)/m4/$$m.o | awk 'NR==2{print $$1}')"; done | tee -a $(SIZE_TXT); \
	arm-none-eabi-nm -S $(LWIP_B)/m4/lwip_sizes.o | while read -r _ sz _ name; do \
	  echo "port_lwip_sizeof_$${name#size_}_cortex_m4 $$((16#$$sz))"; done | tee -a $(SIZE_TXT)

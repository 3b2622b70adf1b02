# tools/tchat/lwip.mk — tchat over lwIP: $(BUILD)/tchat-lwip and the suite
# `tchat-lwip` (docs/lwip.md, "tchat --stack lwip").
#
# $(BUILD)/tchat-lwip is tchat plus net_lwip.c: lwIP 2.1.3 NO_SYS=1 (built from
# Debian's source by port/lwip/lwip.mk), port/lwip's raw-API transport, the
# simulation's TAP link and DNS server (tests/lwip/sim_*.c), and Debian's
# mbedTLS 2.28 with its allocations in the TLS arena (port/port.mk's MB2_LIBS),
# like a device. ASan and UBSan are on (lwIP's library is built with them).
# Plain `tchat` stays lwIP-free (tchat.mk), so `make` needs no lwIP source.
#
#   make tchat-lwip          the binary (after `make deps`)
#   make test-tchat-lwip     root + /dev/net/tun: chats with the simulator in a
#                            private network namespace; "tchat-lwip: N passed, N failed"

TCHAT_LWIP      := $(BUILD)/tchat-lwip
TCHAT_LWIP_O    := $(BUILD)/tchat-lwip-obj
TCHAT_LWIP_C    := $(sort $(wildcard tools/tchat/*.c))
TCHAT_LWIP_SIMC := port/lwip/tc_lwip_raw.c tests/lwip/sim_host.c tests/lwip/sim_link.c
TCHAT_LWIP_OBJ  := $(TCHAT_LWIP_C:tools/tchat/%.c=$(TCHAT_LWIP_O)/%.o) \
                   $(patsubst %.c,$(TCHAT_LWIP_O)/%.o,$(notdir $(TCHAT_LWIP_SIMC)))
TCHAT_LWIP_MBED  = $(if $(MB2_LIBS),$(MB2_LIBS),$(MBEDTLS_LIBS))
TCHAT_LWIP_FLAGS = $(CSTD) $(WARN) -O1 -g $(SAN) -MMD -MP -DTC_LWIP_NO_SYS=1 -Icore -Iport \
                   -Iport/lwip -Iport/posix -Iport/mbedtls -Iport/kv -Itools/tchat $(LWIP_INC)
TCHAT_LWIP_TIMEOUT ?= 240

$(TCHAT_LWIP_O)/%.o: tools/tchat/%.c $(wildcard tools/tchat/*.h) $(LWIP_DEPS_H) | lwip-check-src
	@mkdir -p $(dir $@)
	$(CC) $(TCHAT_LWIP_FLAGS) -D_GNU_SOURCE -DTCHAT_WITH_LWIP -c $< -o $@

# the simulation's files define _GNU_SOURCE themselves
$(TCHAT_LWIP_O)/%.o: port/lwip/%.c $(LWIP_DEPS_H) | lwip-check-src
	@mkdir -p $(dir $@)
	$(CC) $(TCHAT_LWIP_FLAGS) -c $< -o $@
$(TCHAT_LWIP_O)/%.o: tests/lwip/%.c $(LWIP_DEPS_H) | lwip-check-src
	@mkdir -p $(dir $@)
	$(CC) $(TCHAT_LWIP_FLAGS) -c $< -o $@

$(TCHAT_LWIP): $(TCHAT_LWIP_OBJ) $(LIB_SAN) $(PORT_LIB_SAN) $(LWIP_B)/nosys/liblwip.a $(MB2_LIBS)
	$(CC) $(SAN) $(TCHAT_LWIP_OBJ) $(PORT_LIB_SAN) $(LIB_SAN) $(LWIP_B)/nosys/liblwip.a \
	    $(TCHAT_LWIP_MBED) -lpthread -o $@

-include $(TCHAT_LWIP_OBJ:.o=.d)

.PHONY: tchat-lwip test-tchat-lwip
tchat-lwip: $(TCHAT_LWIP)

TEST_SUITES += tchat-lwip
test-tchat-lwip: lwip-check-src
	@$(MAKE) --no-print-directory $(TCHAT_LWIP)
	@BUILD=$(BUILD) timeout -k 10 $(TCHAT_LWIP_TIMEOUT) bash tools/tchat/test_lwip.sh; rc=$$?; \
	 if [ $$rc -eq 124 ]; then echo "tchat-lwip: timed out after $(TCHAT_LWIP_TIMEOUT) s"; \
	   echo "tchat-lwip: 0 passed, 1 failed"; fi; exit $$rc

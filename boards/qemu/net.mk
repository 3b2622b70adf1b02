# boards/qemu/net.mk — a whole chat from firmware on QEMU's mps2-an386
# (Cortex-M4): LAN9118 Ethernet + lwIP 2.1.3 (raw API, NO_SYS=1) + trigchat,
# against the simulator (tools/sim, plain HTTP) on the host's loopback,
# reached through QEMU's user networking (10.0.2.2). See boards/qemu/net/.
#
#   make qemu-chat-fw    builds $(BUILD)/qemu-net/chat.elf (and prints its size)
#   make qemu-chat       starts the simulator, boots the firmware, checks the
#                        streamed answer, always stops both (suite `qemu-chat`)
#
# lwIP comes from build/lwip-src (tests/deps.d/lwip.sh) and is cross-built
# here with boards/qemu/net/lwipopts.h. Every name is resolved when a recipe
# runs: port/lwip/lwip.mk is included after this file.

QNET_DIR      := $(BUILD)/qemu-net
QNET_LWIP_DIR  = $(firstword $(wildcard build/lwip-src/lwip-*/src))
QNET_CC       ?= arm-none-eabi-gcc
QNET_ARCH     := -mthumb -mcpu=cortex-m4 -mfloat-abi=soft -ffunction-sections -fdata-sections
QNET_LWIP_INC  = -Iboards/qemu/net -isystem $(QNET_LWIP_DIR)/include
QNET_CFLAGS    = $(CSTD) $(WARN) -Os -g $(QNET_ARCH) --specs=rdimon.specs $(INC) -Iport/lwip $(QNET_LWIP_INC)
QNET_LDFLAGS  := -Tboards/qemu/mps2_an386.ld -Wl,--gc-sections -lrdimon
QNET_SRC      := boards/qemu/net/main.c boards/qemu/net/lan9118.c port/lwip/tc_lwip_raw.c
QNET_HDR       = $(wildcard boards/qemu/net/*.h boards/qemu/net/arch/*.h) port/lwip/tc_lwip_raw.h
QNET_ELF      := $(QNET_DIR)/chat.elf
QNET_TIMEOUT  ?= 60

$(QNET_DIR)/liblwip.a: boards/qemu/net/lwipopts.h boards/qemu/net/arch/cc.h
	@test -n "$(QNET_LWIP_DIR)" || { echo "lwIP source missing: run 'make deps' (tests/deps.d/lwip.sh)"; exit 1; }
	@mkdir -p $(QNET_DIR)/lwip-obj
	@rm -f $@ $(QNET_DIR)/lwip-obj/*.o
	@set -e; for f in $(wildcard $(QNET_LWIP_DIR)/core/*.c $(QNET_LWIP_DIR)/core/ipv4/*.c) $(QNET_LWIP_DIR)/netif/ethernet.c; do \
	  o=$(QNET_DIR)/lwip-obj/$$(echo $${f#$(QNET_LWIP_DIR)/} | tr / _ | sed 's/\.c$$/.o/'); \
	  $(QNET_CC) -std=c11 -Os -g -w $(QNET_ARCH) -Iboards/qemu/net -I$(QNET_LWIP_DIR)/include -c $$f -o $$o; done
	@arm-none-eabi-ar rcs $@ $(QNET_DIR)/lwip-obj/*.o
	@echo "qemu-net: built $@"

$(QNET_ELF): $(QNET_SRC) $(QNET_HDR) $(CORE_SRC) boards/qemu/startup_m4.c boards/qemu/mps2_an386.ld $(JSMN_H) $(QNET_DIR)/liblwip.a
	@mkdir -p $(dir $@)
	$(QNET_CC) $(QNET_CFLAGS) boards/qemu/startup_m4.c $(QNET_SRC) \
	    $(filter-out $(QEMU_M4_EXCLUDE_CORE),$(CORE_SRC)) $(QNET_DIR)/liblwip.a $(QNET_LDFLAGS) -o $@

.PHONY: qemu-chat-fw qemu-chat test-qemu-chat
qemu-chat-fw: $(QNET_ELF)
	@arm-none-eabi-size $(QNET_ELF)

qemu-chat: test-qemu-chat
test-qemu-chat:
	@$(MAKE) --no-print-directory -s $(QNET_ELF) >/dev/null || { echo "qemu-chat: 0 passed, 1 failed (build)"; exit 1; }
	@QNET_TIMEOUT=$(QNET_TIMEOUT) bash boards/qemu/net/run.sh $(QNET_ELF)

# Passed 3 runs in a row in about 2 s each (of QNET_TIMEOUT=60) before it was added.
TEST_SUITES += qemu-chat

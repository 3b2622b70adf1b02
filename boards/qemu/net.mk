# boards/qemu/net.mk — a whole chat from firmware on QEMU's mps2-an386
# (Cortex-M4): LAN9118 Ethernet + lwIP 2.1.3 (raw API, NO_SYS=1) + trigchat,
# against the simulator (tools/sim, plain HTTP) on the host's loopback,
# reached through QEMU's user networking (10.0.2.2). See boards/qemu/net/.
#
#   make qemu-chat-fw    builds $(BUILD)/qemu-net/chat.elf (and prints its size,
#                        split by boards/qemu/net/size.sh from the linker map)
#   make qemu-chat       starts the simulator, boots the firmware, checks the
#                        streamed answer, always stops both (suite `qemu-chat`)
#   make qemu-chat-tls   the same over HTTPS (mbedTLS 3.6; suite `qemu-chat-tls`)
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
	    $(filter-out $(QEMU_M4_EXCLUDE_CORE),$(CORE_SRC)) $(QNET_DIR)/liblwip.a $(QNET_LDFLAGS) -Wl,-Map=$(@:.elf=.map) -o $@

.PHONY: qemu-chat-fw qemu-chat test-qemu-chat
qemu-chat-fw: $(QNET_ELF)
	@arm-none-eabi-size $(QNET_ELF)
	@bash boards/qemu/net/size.sh $(QNET_ELF:.elf=.map)

qemu-chat: test-qemu-chat
test-qemu-chat:
	@$(MAKE) --no-print-directory -s $(QNET_ELF) >/dev/null || { echo "qemu-chat: 0 passed, 1 failed (build)"; exit 1; }
	@QNET_TIMEOUT=$(QNET_TIMEOUT) bash boards/qemu/net/run.sh $(QNET_ELF)

# ---- the same over TLS (optional: `make qemu-chat-tls`): mbedTLS 3.6 from
# build/mbedtls3-src (tests/deps.d/mbedtls3.sh) cross-built with the STM32
# example's configuration (boards/stm32/tc_mbedtls_config.h), port/mbedtls on
# top of tc_lwip_raw, the simulator's CA read through semihosting, and
# "localhost" resolved to 10.0.2.2 by lwIP's local host list.
QNET_MBEDTLS   = $(firstword $(wildcard build/mbedtls3-src/mbedtls-3.*))
QNET_MB_CFG   := -DMBEDTLS_CONFIG_FILE='"tc_mbedtls_config.h"'
QNET_TLS_ELF  := $(QNET_DIR)/chat-tls.elf

$(QNET_DIR)/libmbedtls.a: boards/stm32/tc_mbedtls_config.h
	@test -n "$(QNET_MBEDTLS)" || { echo "mbedTLS 3.6 source missing: run 'make deps' (tests/deps.d/mbedtls3.sh)"; exit 1; }
	@mkdir -p $(QNET_DIR)/mbedtls-obj
	@rm -f $@ $(QNET_DIR)/mbedtls-obj/*.o
	@cp boards/stm32/tc_mbedtls_config.h $(QNET_DIR)/mbedtls-obj/tc_mbedtls_config.h
	@set -e; for f in $(QNET_MBEDTLS)/library/*.c; do \
	  o=$(QNET_DIR)/mbedtls-obj/$$(basename $$f .c).o; \
	  $(QNET_CC) -std=c11 -Os -g -w $(QNET_ARCH) -I$(QNET_DIR)/mbedtls-obj $(QNET_MB_CFG) \
	    -I$(QNET_MBEDTLS)/include -I$(QNET_MBEDTLS)/library -c $$f -o $$o; done
	@arm-none-eabi-ar rcs $@ $(QNET_DIR)/mbedtls-obj/*.o
	@echo "qemu-net: built $@"

$(QNET_TLS_ELF): $(QNET_SRC) $(QNET_HDR) $(CORE_SRC) port/mbedtls/tc_mbedtls.c port/mbedtls/tc_mbedtls.h boards/qemu/startup_m4.c boards/qemu/mps2_an386.ld $(JSMN_H) $(QNET_DIR)/liblwip.a $(QNET_DIR)/libmbedtls.a
	@mkdir -p $(dir $@)
	$(QNET_CC) $(QNET_CFLAGS) -DQNET_TLS=1 -Iport/mbedtls -I$(QNET_DIR)/mbedtls-obj $(QNET_MB_CFG) \
	    -isystem $(QNET_MBEDTLS)/include boards/qemu/startup_m4.c $(QNET_SRC) port/mbedtls/tc_mbedtls.c \
	    $(filter-out $(QEMU_M4_EXCLUDE_CORE),$(CORE_SRC)) $(QNET_DIR)/liblwip.a $(QNET_DIR)/libmbedtls.a \
	    $(QNET_LDFLAGS) -Wl,-Map=$(@:.elf=.map) -o $@

.PHONY: qemu-chat-tls-fw qemu-chat-tls test-qemu-chat-tls
qemu-chat-tls-fw: $(QNET_TLS_ELF)
	@arm-none-eabi-size $(QNET_TLS_ELF)
	@bash boards/qemu/net/size.sh $(QNET_TLS_ELF:.elf=.map)
qemu-chat-tls: test-qemu-chat-tls
test-qemu-chat-tls:
	@$(MAKE) --no-print-directory -s $(QNET_TLS_ELF) >/dev/null || { echo "qemu-chat-tls: 0 passed, 1 failed (build)"; exit 1; }
	@QNET_TLS=1 QNET_TIMEOUT=$(QNET_TIMEOUT) bash boards/qemu/net/run.sh $(QNET_TLS_ELF)

# Each passed 3+ runs in a row in about 2 s each (of QNET_TIMEOUT=60) before
# it was added. The TLS suite cross-builds mbedTLS once (about a minute).
TEST_SUITES += qemu-chat qemu-chat-tls

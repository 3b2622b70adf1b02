# boards/stm32/stm32.mk — the STM32F767 example firmware (NUCLEO-F767ZI class):
# a WHOLE image linked with arm-none-eabi-gcc, newlib-nano and --gc-sections,
# from core/, the port adapters (lwIP raw, mbedTLS, kv_flash), lwIP 2.1.3 and
# mbedTLS 3.6 compiled from the Debian source packages that
# tests/deps.d/lwip.sh and tests/deps.d/mbedtls3.sh unpack under build/
# (never committed), and this directory's board code.
#
#   make stm32-fw     $(BUILD)/stm32/firmware.elf (+ .map, .hex)
#   make stm32-size   flash and RAM split into trigchat / lwIP / mbedTLS / rest,
#                     lines "stm32_flash_<group> <bytes>" appended to $(SIZE_TXT)
#   make test-stm32   suite `stm32`: the image links, fits, holds no heap
#                     allocator, and the size split adds up; then the TLS
#                     configuration runs the TLS port tests on the host
#   make stm32-tls-config   only the latter
#
# CPU: Cortex-M7, -mcpu=cortex-m7 -mthumb -mfloat-abi=hard -mfpu=fpv5-d16
# (the F767 has a double-precision FPU), -Os.

STM32_B       := $(BUILD)/stm32
STM32_CC      ?= arm-none-eabi-gcc
STM32_ARCH    := -mcpu=cortex-m7 -mthumb -mfloat-abi=hard -mfpu=fpv5-d16
STM32_LWIP    ?= $(firstword $(wildcard build/lwip-src/lwip-*/src))
STM32_MBEDTLS ?= $(firstword $(wildcard build/mbedtls3-src/mbedtls-3.*))
STM32_MBEDTLS_CFG := -DMBEDTLS_CONFIG_FILE='"tc_mbedtls_config.h"'
STM32_INC     := -Iboards/stm32 -Icore -Iport -Iport/kv -Iport/lwip -Iport/mbedtls \
                 -I$(BUILD)/include -isystem $(STM32_LWIP)/include -isystem $(STM32_MBEDTLS)/include
STM32_BASE    := $(CSTD) -Os -g $(STM32_ARCH) -ffunction-sections -fdata-sections
# Our code: the project's warnings. Third-party code: its warnings are not ours.
STM32_CFLAGS  := $(STM32_BASE) $(WARN) $(STM32_INC) $(STM32_MBEDTLS_CFG)
STM32_3P_CFLAGS := $(STM32_BASE) -w $(STM32_INC) $(STM32_MBEDTLS_CFG)

STM32_TC_SRC    = $(CORE_SRC) port/lwip/tc_lwip_raw.c port/mbedtls/tc_mbedtls.c port/kv/kv_flash.c
STM32_BOARD_SRC := boards/stm32/main.c boards/stm32/board.c boards/stm32/startup_stm32f767.c \
                   boards/stm32/flash_stm32f7.c boards/stm32/ethernetif.c
STM32_LWIP_SRC  = $(wildcard $(STM32_LWIP)/core/*.c $(STM32_LWIP)/core/ipv4/*.c) \
                  $(STM32_LWIP)/netif/ethernet.c $(STM32_LWIP)/apps/sntp/sntp.c
STM32_MBEDTLS_SRC = $(wildcard $(STM32_MBEDTLS)/library/*.c)
STM32_CA_PEM    := boards/esp32/examples/chat/main/ca_roots.pem

STM32_TC_OBJ      = $(STM32_TC_SRC:%.c=$(STM32_B)/tc/%.o)
STM32_BOARD_OBJ   = $(STM32_BOARD_SRC:%.c=$(STM32_B)/%.o) $(STM32_B)/ca_roots.o
STM32_LWIP_OBJ    = $(STM32_LWIP_SRC:$(STM32_LWIP)/%.c=$(STM32_B)/lwip/%.o)
STM32_MBEDTLS_OBJ = $(STM32_MBEDTLS_SRC:$(STM32_MBEDTLS)/library/%.c=$(STM32_B)/mbedtls/%.o)
STM32_ELF := $(STM32_B)/firmware.elf

.PHONY: stm32-deps
stm32-deps:
	@test -n "$(STM32_LWIP)" || bash tests/deps.d/lwip.sh
	@test -n "$(STM32_MBEDTLS)" || MBEDTLS3_DIR=build/mbedtls3 bash tests/deps.d/mbedtls3.sh
	@test -n "$$(ls -d build/lwip-src/lwip-*/src 2>/dev/null)" || { echo "stm32: lwIP source missing"; exit 1; }
	@test -n "$$(ls -d build/mbedtls3-src/mbedtls-3.* 2>/dev/null)" || { echo "stm32: mbedTLS 3.6 source missing"; exit 1; }

$(STM32_B)/tc/%.o: %.c $(JSMN_H)
	@mkdir -p $(dir $@)
	$(STM32_CC) $(STM32_CFLAGS) -MMD -MP -c $< -o $@
$(STM32_B)/boards/stm32/%.o: boards/stm32/%.c $(JSMN_H)
	@mkdir -p $(dir $@)
	$(STM32_CC) $(STM32_CFLAGS) -MMD -MP -c $< -o $@
$(STM32_B)/lwip/%.o: $(STM32_LWIP)/%.c boards/stm32/lwipopts.h boards/stm32/arch/cc.h
	@mkdir -p $(dir $@)
	@$(STM32_CC) $(STM32_3P_CFLAGS) -c $< -o $@
$(STM32_B)/mbedtls/%.o: $(STM32_MBEDTLS)/library/%.c boards/stm32/tc_mbedtls_config.h
	@mkdir -p $(dir $@)
	@$(STM32_CC) $(STM32_3P_CFLAGS) -I$(STM32_MBEDTLS)/library -c $< -o $@

# The CA roots as a C string (the ESP-IDF example embeds the same file).
$(STM32_B)/ca_roots.c: $(STM32_CA_PEM)
	@mkdir -p $(dir $@)
	@{ echo '/* generated from $< by boards/stm32/stm32.mk */'; \
	   echo 'const char tc_ca_roots_pem[] ='; sed 's/\\/\\\\/g; s/"/\\"/g; s/.*/  "&\\n"/' $<; echo '  ;'; \
	   echo 'const unsigned tc_ca_roots_pem_len = sizeof tc_ca_roots_pem - 1;'; } > $@
$(STM32_B)/ca_roots.o: $(STM32_B)/ca_roots.c
	$(STM32_CC) $(STM32_BASE) -c $< -o $@

$(STM32_B)/libtrigchat.a: $(STM32_TC_OBJ)
	@rm -f $@; arm-none-eabi-ar rcs $@ $^
$(STM32_B)/liblwip.a: $(STM32_LWIP_OBJ)
	@rm -f $@; arm-none-eabi-ar rcs $@ $^
$(STM32_B)/libmbedtls.a: $(STM32_MBEDTLS_OBJ)
	@rm -f $@; arm-none-eabi-ar rcs $@ $^

# newlib-nano, no crt0 (startup_stm32f767.c is the reset handler), no heap:
# nothing may pull in malloc (the suite checks).
$(STM32_ELF): $(STM32_BOARD_OBJ) $(STM32_B)/libtrigchat.a $(STM32_B)/liblwip.a $(STM32_B)/libmbedtls.a boards/stm32/stm32f767.ld
	$(STM32_CC) $(STM32_ARCH) --specs=nano.specs -nostartfiles -T boards/stm32/stm32f767.ld \
	    -Wl,--gc-sections -Wl,-Map=$(STM32_B)/firmware.map -Wl,--print-memory-usage \
	    $(STM32_BOARD_OBJ) -Wl,--start-group $(STM32_B)/libtrigchat.a $(STM32_B)/liblwip.a \
	    $(STM32_B)/libmbedtls.a -lc -lgcc -Wl,--end-group -o $@
	@# Intel HEX keeps the gap: a raw .bin would fill the key-value sectors with zeros
	arm-none-eabi-objcopy -O ihex $@ $(STM32_B)/firmware.hex

.PHONY: stm32-fw stm32-size test-stm32
stm32-fw: stm32-deps
	@$(MAKE) --no-print-directory $(STM32_ELF)

$(STM32_B)/size.lst: $(STM32_ELF) boards/stm32/size_map.awk
	@awk -f boards/stm32/size_map.awk $(STM32_B)/firmware.map > $@

stm32-size: stm32-fw
	@$(MAKE) --no-print-directory $(STM32_B)/size.lst
	@mkdir -p $(dir $(SIZE_TXT)); touch $(SIZE_TXT)
	@grep -v '^stm32_' $(SIZE_TXT) > $(SIZE_TXT).tmp || true; mv $(SIZE_TXT).tmp $(SIZE_TXT)
	@cat $(STM32_B)/size.lst >> $(SIZE_TXT)
	@bash boards/stm32/size_table.sh $(STM32_B)/size.lst
SIZE_HOOKS += stm32-size

# The firmware's mbedTLS configuration, proven on the host: mbedTLS 3.6 built
# with tc_mbedtls_config.h (+ file I/O) runs the TLS port tests
# (tests/test_port_tls.c: openssl s_server on 127.0.0.1, chain, host name,
# expiry, arena accounting); prints "stm32_tls_config: N passed, N failed".
STM32_HOST_MB_OBJ = $(STM32_MBEDTLS_SRC:$(STM32_MBEDTLS)/library/%.c=$(STM32_B)/host-mbedtls/%.o)
STM32_HOST_MBCFG := -DMBEDTLS_CONFIG_FILE='"tls_host_config.h"' -Iboards/stm32
$(STM32_B)/host-mbedtls/%.o: $(STM32_MBEDTLS)/library/%.c boards/stm32/tc_mbedtls_config.h boards/stm32/tls_host_config.h
	@mkdir -p $(dir $@)
	@$(CC) -std=gnu11 -O1 -w -isystem $(STM32_MBEDTLS)/include -I$(STM32_MBEDTLS)/library $(STM32_HOST_MBCFG) -c $< -o $@
$(STM32_B)/host-mbedtls/libmbedtls.a: $(STM32_HOST_MB_OBJ)
	@rm -f $@; ar rcs $@ $^
STM32_TLS_TEST_SRC := tests/test_port_tls.c port/posix/posix_net.c port/mbedtls/tc_mbedtls.c core/err.c core/kv.c \
                      $(TEST_HARNESS) boards/stm32/tls_host_shim.c
$(STM32_B)/test_tls_config: $(STM32_TLS_TEST_SRC) $(STM32_B)/host-mbedtls/libmbedtls.a tests/tc_test.h
	$(CC) $(CSTD) $(WARN) -O1 -g -Icore -Iport -Itests -isystem $(STM32_MBEDTLS)/include $(STM32_HOST_MBCFG) \
	    -DTC_TEST_ARENA_WIRED -DTC_TEST_SUITE='"stm32_tls_config"' $(STM32_TLS_TEST_SRC) \
	    $(STM32_B)/host-mbedtls/libmbedtls.a -o $@
.PHONY: stm32-tls-config
stm32-tls-config: stm32-deps
	@$(MAKE) --no-print-directory $(STM32_B)/test_tls_config
	@timeout 300 $(STM32_B)/test_tls_config

TEST_SUITES += stm32
test-stm32:
	@bash boards/stm32/check.sh "$(MAKE) --no-print-directory" $(STM32_B)

-include $(STM32_TC_OBJ:.o=.d) $(STM32_BOARD_SRC:%.c=$(STM32_B)/%.d)

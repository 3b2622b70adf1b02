# boards/esp32/esp32.mk — compile and link check of the ESP-IDF component and
# its example, without ESP-IDF: ESP32-C3's instruction set (rv32imc, picolibc),
# the declaration headers of boards/esp32/idf_decl (written from the public
# ESP-IDF API reference), lwIP 2.1.3's headers and mbedTLS 3.6 from the Debian
# source packages that tests/deps.d/lwip.sh and tests/deps.d/mbedtls3.sh unpack.
#
#   make test-esp32   suite `esp32` (boards/esp32/check/check.sh):
#                     the component's sources compile; tc_mbedtls.c also against
#                     mbedTLS 3.6's default configuration (PSA on, as ESP-IDF);
#                     the example compiles and LINKS in both variants (console,
#                     voice) against real mbedTLS and a stub of each declared
#                     ESP-IDF / FreeRTOS / lwIP function, so any undeclared or
#                     misdeclared call fails; Kconfig and the code agree;
#                     and tc_esp32_tls_share is tested on the host (its own
#                     line "esp32_tls_share: N passed, N failed").
#   make esp32-size   rv32imc -Os text/data/bss of the component's objects, the
#                     example's code and static RAM, and what the linked example
#                     keeps of trigchat and mbedTLS after --gc-sections; lines
#                     "esp32_*" appended to $(SIZE_TXT)

ESP32_B       := $(BUILD)/esp32
ESP32_CC      ?= riscv64-unknown-elf-gcc
ESP32_ARCH    := -march=rv32imc -mabi=ilp32 --specs=picolibc.specs
ESP32_LWIP    ?= $(firstword $(wildcard build/lwip-src/lwip-*/src))
ESP32_MBEDTLS ?= $(firstword $(wildcard build/mbedtls3-src/mbedtls-3.*))
ESP32_MB3_DEFAULT ?= build/mbedtls3/include
# ESP-IDF compiles with gnu17; gnu11 is the closest our C11 rules allow.
ESP32_BASE    := -std=gnu11 -Os $(ESP32_ARCH) -ffunction-sections -fdata-sections
ESP32_INC     := -Iboards/esp32/check -Iboards/esp32/idf_decl -Iboards/esp32/include -Icore -Iport \
                 -Iport/lwip -Iport/mbedtls -Iport/kv -I$(BUILD)/include -isystem $(ESP32_LWIP)/include
ESP32_MBCFG   := -DMBEDTLS_CONFIG_FILE='"$(CURDIR)/boards/stm32/tc_mbedtls_config.h"'
ESP32_CFLAGS  := $(ESP32_BASE) $(WARN) $(ESP32_INC) -isystem $(ESP32_MBEDTLS)/include $(ESP32_MBCFG) \
                 -include boards/esp32/check/esp_err_extra.h -DTC_CONFIG_FILE='"tc_esp32_config.h"'
ESP32_LD      := --oslib=semihost --crt0=semihost -Wl,--gc-sections \
                 -Wl,--defsym=__flash=0x42000000 -Wl,--defsym=__flash_size=0x400000 \
                 -Wl,--defsym=__ram=0x3fc80000 -Wl,--defsym=__ram_size=0x60000 \
                 -Wl,--defsym=__stack_size=0x4000

ESP32_COMP_SRC  = $(CORE_SRC) port/lwip/tc_lwip_sockets.c port/mbedtls/tc_mbedtls.c port/kv/kv_nvs.c \
                  boards/esp32/tc_esp32.c
ESP32_COMP_OBJ  = $(ESP32_COMP_SRC:%.c=$(ESP32_B)/obj/%.o)
ESP32_MAIN      := boards/esp32/examples/chat/main/main.c
ESP32_MB_OBJ    = $(patsubst $(ESP32_MBEDTLS)/library/%.c,$(ESP32_B)/mbedtls/%.o,$(wildcard $(ESP32_MBEDTLS)/library/*.c))

$(ESP32_B)/obj/%.o: %.c $(JSMN_H)
	@mkdir -p $(dir $@)
	$(ESP32_CC) $(ESP32_CFLAGS) -MMD -MP -c $< -o $@
$(ESP32_B)/main_console.o: $(ESP32_MAIN) $(JSMN_H)
	$(ESP32_CC) $(ESP32_CFLAGS) -MMD -MP -c $< -o $@
$(ESP32_B)/main_voice.o: $(ESP32_MAIN) $(JSMN_H)
	$(ESP32_CC) $(ESP32_CFLAGS) -DCONFIG_EXAMPLE_VOICE=1 -MMD -MP -c $< -o $@
$(ESP32_B)/tls_mbedtls_default.o: port/mbedtls/tc_mbedtls.c
	@mkdir -p $(dir $@)
	$(ESP32_CC) $(ESP32_BASE) $(WARN) $(ESP32_INC) -isystem $(ESP32_MB3_DEFAULT) -c $< -o $@
$(ESP32_B)/mbedtls/%.o: $(ESP32_MBEDTLS)/library/%.c boards/stm32/tc_mbedtls_config.h
	@mkdir -p $(dir $@)
	@$(ESP32_CC) $(ESP32_BASE) -w -isystem $(ESP32_MBEDTLS)/include -I$(ESP32_MBEDTLS)/library $(ESP32_MBCFG) -c $< -o $@
$(ESP32_B)/libmbedtls.a: $(ESP32_MB_OBJ)
	@rm -f $@; riscv64-unknown-elf-ar rcs $@ $^
$(ESP32_B)/libtrigchat.a: $(ESP32_COMP_OBJ)
	@rm -f $@; riscv64-unknown-elf-ar rcs $@ $^
$(ESP32_B)/chat_%.elf: $(ESP32_B)/main_%.o $(ESP32_B)/obj/boards/esp32/check/idf_stubs.o $(ESP32_B)/libtrigchat.a $(ESP32_B)/libmbedtls.a
	$(ESP32_CC) $(ESP32_ARCH) $(ESP32_LD) -Wl,-Map=$(@:.elf=.map) $(filter %.o,$^) \
	    -Wl,--start-group $(ESP32_B)/libtrigchat.a $(ESP32_B)/libmbedtls.a -Wl,--end-group -o $@

.PHONY: esp32-deps esp32-component esp32-tls-default esp32-example-console esp32-example-voice \
        esp32-link-console esp32-link-voice esp32-size test-esp32
esp32-deps:
	@test -n "$(ESP32_LWIP)" || bash tests/deps.d/lwip.sh
	@test -n "$(ESP32_MBEDTLS)" && test -f $(ESP32_MB3_DEFAULT)/mbedtls/version.h || \
	  MBEDTLS3_DIR=build/mbedtls3 bash tests/deps.d/mbedtls3.sh
esp32-component: $(ESP32_COMP_OBJ)
esp32-tls-default: $(ESP32_B)/tls_mbedtls_default.o
esp32-example-console: $(ESP32_B)/main_console.o
esp32-example-voice: $(ESP32_B)/main_voice.o
esp32-link-console: $(ESP32_B)/chat_console.elf
esp32-link-voice: $(ESP32_B)/chat_voice.elf

# tc_esp32_tls_share on the host (ASan): who gets the arena, who the heap.
# Uses the host mbedTLS built with the boards' configuration (boards/stm32/stm32.mk).
ESP32_SHARE_SRC := boards/esp32/check/test_tls_share.c boards/esp32/tc_esp32.c port/mbedtls/tc_mbedtls.c \
                   core/err.c core/kv.c $(TEST_HARNESS) boards/stm32/tls_host_shim.c
$(ESP32_B)/test_tls_share: $(ESP32_SHARE_SRC) boards/esp32/include/tc_esp32.h $(BUILD)/stm32/host-mbedtls/libmbedtls.a
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(WARN) -O1 -g $(SAN) -Iboards/esp32/check -Iboards/esp32/idf_decl -Iboards/esp32/include \
	    -Icore -Iport -Iport/lwip -Iport/mbedtls -Itests -isystem $(ESP32_LWIP)/include \
	    -isystem $(ESP32_MBEDTLS)/include -DMBEDTLS_CONFIG_FILE='"$(CURDIR)/boards/stm32/tls_host_config.h"' \
	    -DTC_CONFIG_FILE='"tc_esp32_config.h"' $(ESP32_SHARE_SRC) $(BUILD)/stm32/host-mbedtls/libmbedtls.a -o $@
.PHONY: esp32-tls-share
esp32-tls-share: esp32-deps
	@$(MAKE) --no-print-directory $(ESP32_B)/test_tls_share
	@$(ESP32_B)/test_tls_share

TEST_SUITES += esp32
test-esp32:
	@bash boards/esp32/check/check.sh "$(MAKE) --no-print-directory" $(ESP32_B) "$(CORE_SRC)"

esp32-size: esp32-deps
	@$(MAKE) --no-print-directory $(ESP32_COMP_OBJ) $(ESP32_B)/main_console.o
	@mkdir -p $(dir $(SIZE_TXT)); touch $(SIZE_TXT)
	@grep -v '^esp32_' $(SIZE_TXT) > $(SIZE_TXT).tmp || true; mv $(SIZE_TXT).tmp $(SIZE_TXT)
	@riscv64-unknown-elf-size -t $(ESP32_COMP_OBJ) | awk 'END { print "esp32_component_text_rv32 " $$1; print "esp32_component_data_rv32 " $$2; print "esp32_component_bss_rv32 " $$3 }' | tee -a $(SIZE_TXT)
	@riscv64-unknown-elf-size $(ESP32_B)/main_console.o | awk 'NR == 2 { print "esp32_example_text_rv32 " $$1; print "esp32_example_ram_rv32 " $$2 + $$3 }' | tee -a $(SIZE_TXT)
	@$(MAKE) --no-print-directory $(ESP32_B)/chat_console.elf >/dev/null
	@# what the linked example keeps (--gc-sections), by library (boards/stm32/size_map.awk)
	@awk -f boards/stm32/size_map.awk $(ESP32_B)/chat_console.map | \
	  awk '$$1 ~ /^stm32_flash_(trigchat|mbedtls)$$/ { sub(/^stm32_flash_/, "esp32_linked_text_rv32_"); print }' | tee -a $(SIZE_TXT)
SIZE_HOOKS += esp32-size

-include $(ESP32_COMP_OBJ:.o=.d) $(ESP32_B)/main_console.d $(ESP32_B)/main_voice.d

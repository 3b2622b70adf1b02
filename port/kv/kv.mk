# port/kv/kv.mk — key-value persistence backends (issue #6).
#
# Unit tests tests/test_kv*.c join the `unit` suite through the Makefile's
# wildcard: test_kv (the contract over ram, file, flash-sim x5, flash-file),
# test_kv_power (power cut at every program/erase), test_kv_wear (100k chat
# turns), test_kv_nvs (the NVS adapter over a fake NVS), test_kv_flash
# (kv_flash details; also runs on the QEMU boards).
#
#   make kv-soak   the power-cut test 20x longer (a few minutes)
#   make size-kv   kv_flash text and RAM for Cortex-M4 -Os -> $(SIZE_TXT)

# kv_nvs.c needs ESP-IDF's nvs.h: keep it out of the host port library; the
# test compiles it against the declarations in boards/esp32/idf_decl. (The
# library's prerequisite list is expanded before fragments are read, so the
# object may still be built: give it the declarations too.)
PORT_HOST_EXCLUDE += port/kv/kv_nvs.c
KV_IDF_DECL := -Iboards/esp32/idf_decl
$(BUILD)/obj/port/kv/kv_nvs.o $(BUILD)/san/port/kv/kv_nvs.o: ALL_CFLAGS += $(KV_IDF_DECL)
$(BUILD)/tests/test_kv_nvs: ALL_CFLAGS += $(KV_IDF_DECL)
$(BUILD)/tests/test_kv_nvs: port/kv/kv_nvs.c port/kv/tc_kv_nvs.h boards/esp32/idf_decl/nvs.h \
                            boards/esp32/idf_decl/esp_err.h tests/test_kv_contract.h
$(BUILD)/tests/test_kv: tests/test_kv_contract.h

# The fuzz target needs kv_flash and the flash simulator, not all of core/.
$(BUILD)/fuzz/fuzz_kv_flash: tests/fuzz/fuzz_kv_flash.c port/kv/kv_flash.c port/kv/flash_ram.c \
                             core/kv.c core/err.c core/types.c port/kv/tc_kv_flash.h port/kv/tc_flash_ram.h
	@mkdir -p $(dir $@)
	$(CLANG) $(FUZZ_FLAGS) $(filter %.c,$^) -o $@

.PHONY: kv-soak
kv-soak: $(BUILD)/tests/test_kv_power
	$(BUILD)/tests/test_kv_power soak

# ---- size: kv_flash on Cortex-M4 -Os (text, and the RAM of one store), and
# its text on rv32imc (ESP32-C3) for comparison.
SIZE_TXT ?= $(BUILD)/size.txt
KV_M4_CC    ?= arm-none-eabi-gcc
KV_M4_FLAGS := $(CSTD) -Os -mthumb -mcpu=cortex-m4 -ffunction-sections -Icore -Iport -Iport/kv
KV_RV_CC    ?= riscv64-unknown-elf-gcc
KV_RV_FLAGS := $(CSTD) -Os -march=rv32imc -mabi=ilp32 --specs=picolibc.specs -ffunction-sections \
               -Icore -Iport -Iport/kv
SIZE_HOOKS += size-kv
.PHONY: size-kv
size-kv:
	@mkdir -p $(BUILD)/size-kv $(dir $(SIZE_TXT))
	$(KV_M4_CC) $(KV_M4_FLAGS) $(WARN) -fstack-usage -c port/kv/kv_flash.c -o $(BUILD)/size-kv/kv_flash.o
	$(KV_RV_CC) $(KV_RV_FLAGS) $(WARN) -c port/kv/kv_flash.c -o $(BUILD)/size-kv/kv_flash_rv.o
	@printf '#include "tc_kv_flash.h"\ntc_kv_flash_t tc_kv_flash_size_probe;\n' > $(BUILD)/size-kv/probe.c
	$(KV_M4_CC) $(KV_M4_FLAGS) -fno-common -c $(BUILD)/size-kv/probe.c -o $(BUILD)/size-kv/probe.o
	@$(call size_txt_forget,kv_flash_)
	@text=$$(arm-none-eabi-size $(BUILD)/size-kv/kv_flash.o | awk 'NR==2{print $$1}'); \
	 rv=$$(riscv64-unknown-elf-size $(BUILD)/size-kv/kv_flash_rv.o | awk 'NR==2{print $$1}'); \
	 ram=$$(arm-none-eabi-size $(BUILD)/size-kv/probe.o | awk 'NR==2{print $$2+$$3}'); \
	 echo "kv_flash_text_cortex_m4 $$text" | tee -a $(SIZE_TXT); \
	 echo "kv_flash_ram_cortex_m4 $$ram" | tee -a $(SIZE_TXT); \
	 echo "kv_flash_text_rv32imc $$rv" | tee -a $(SIZE_TXT)

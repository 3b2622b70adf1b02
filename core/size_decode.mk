# core/size_decode.mk — `make size-decode`: the `.out` decode path as an
# application links it, on Cortex-M4 (-Os, thumb, newlib-nano, --gc-sections).
#
# core/size/decode_main.c (HTTP response -> tc_outstream_feed -> chunks) is
# linked against every core/ object built by `make size` (only what it
# reaches is kept); the figure is its text/data/bss minus those of an empty
# main (core/size/empty_main.c), i.e. trigchat's decode path plus the libc
# routines it pulls in (memcpy, memmove, memset, memchr, memcmp, strlen).
# Modules on the path: http_resp, sse, outstream, chunk, json_str (jsmn and
# json_doc are not reached). Prints and appends to $(SIZE_TXT):
#   decode_path_text_cortex_m4 / _data_ / _bss_  (bss includes the example's
#   record buffer TC_OUT_RECORD_MAX and line buffer TC_HTTP_LINE_MAX)
# Runs as a `make size` hook.

DECODE_SIZE_DIR := $(CROSS_DIR)/decode
DECODE_SIZE_LD  := $(CROSS_ARCH_cortex_m4) --specs=nano.specs --specs=nosys.specs -Wl,--gc-sections

$(DECODE_SIZE_DIR)/%.o: core/size/%.c $(JSMN_H)
	@mkdir -p $(dir $@)
	$(CROSS_CC_cortex_m4) $(CROSS_ARCH_cortex_m4) $(CROSS_CFLAGS) -c $< -o $@

$(DECODE_SIZE_DIR)/%.elf: $(DECODE_SIZE_DIR)/%.o $(call cross_obj,cortex_m4)
	$(CROSS_CC_cortex_m4) $(DECODE_SIZE_LD) $< -Wl,--start-group $(call cross_obj,cortex_m4) -Wl,--end-group -o $@

.PHONY: size-decode
size-decode: $(DECODE_SIZE_DIR)/decode_main.elf $(DECODE_SIZE_DIR)/empty_main.elf
	@set -- $$($(CROSS_SIZE_cortex_m4) $(DECODE_SIZE_DIR)/decode_main.elf | awk 'NR == 2 { print $$1, $$2, $$3 }') \
	        $$($(CROSS_SIZE_cortex_m4) $(DECODE_SIZE_DIR)/empty_main.elf | awk 'NR == 2 { print $$1, $$2, $$3 }'); \
	t=$$(($$1 - $$4)); d=$$(($$2 - $$5)); b=$$(($$3 - $$6)); \
	echo "decode path, linked (Cortex-M4 -Os --gc-sections, minus an empty main): text $$t data $$d bss $$b"; \
	$(call size_txt_forget,decode_path_); \
	if [ -f $(SIZE_TXT) ]; then printf 'decode_path_text_cortex_m4 %s\ndecode_path_data_cortex_m4 %s\ndecode_path_bss_cortex_m4 %s\n' $$t $$d $$b >> $(SIZE_TXT); fi

SIZE_HOOKS += size-decode

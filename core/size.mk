# core/size.mk — core/ cross-built for the two reference MCUs, `make size`
# and the test suite `cross`.
#
#   make size        builds every core/*.c (CORE_SRC) for Cortex-M4 (thumb,
#                    newlib headers) and rv32imc (ESP32-C3 instruction set,
#                    picolibc headers) with -Os -ffunction-sections
#                    -fdata-sections and the project's warnings, into
#                    $(BUILD)/cross/<target>/, prints text/data/bss per module
#                    and in total, and writes $(BUILD)/size.txt:
#                      core_text_<target> <bytes>    (text = .text + .rodata,
#                      core_data_<target> <bytes>     the `size` text column)
#                      core_bss_<target> <bytes>
#                      module_<module>_text_<target> <bytes> (one per core/*.c)
#                      chat_text_<target> <bytes>    (the chat state machine:
#                                                     chat*.c but chat_provider*.c,
#                                                     session.c, jwt.c)
#                      chat_providers_text_<target> <bytes> (chat_provider*.c:
#                                                     the optional built-in
#                                                     session providers)
#                      decoder_text_<target> <bytes> (http*, sse, outstream,
#                                                     chunk, json*: the .out path)
#                    Then runs each target named in SIZE_HOOKS, in order; a
#                    hook appends its own lines to $(SIZE_TXT).
#   make test-cross  builds core/ for both targets; prints
#                    "cross: N passed, N failed" (one per target) and names a
#                    target that broke.
#
# CROSS_DEFS adds defines to every cross build, e.g. the decoder's fast paths
# at -Os: make BUILD=build-fast-os CROSS_DEFS=-DTC_DECODE_FAST=1 size
#
# Hooks may reuse the cross rules: $(CROSS_DIR)/<target>/<path>.o is built
# from <path>.c with the target's flags (e.g. port/kv/foo.c), and
# $(CROSS_SIZE_<target>) is that target's `size`. Targets: $(CROSS_TARGETS).

# $(call size_txt_forget,ERE): drops from SIZE_TXT the lines a hook is about
# to write again (keys matching ^(ERE)), so that running a hook twice, e.g.
# `make size size-decode`, leaves one line per key.
size_txt_forget = if [ -f $(SIZE_TXT) ]; then { grep -Ev '^($(1))' $(SIZE_TXT) || true; } > $(SIZE_TXT).tmp; \
                  mv $(SIZE_TXT).tmp $(SIZE_TXT); fi

CROSS_TARGETS := cortex_m4 rv32imc
CROSS_DIR     := $(BUILD)/cross
SIZE_TXT      := $(BUILD)/size.txt
SIZE_HOOKS    ?=

CROSS_CC_cortex_m4   ?= arm-none-eabi-gcc
CROSS_SIZE_cortex_m4 ?= arm-none-eabi-size
CROSS_ARCH_cortex_m4 := -mthumb -mcpu=cortex-m4
CROSS_CC_rv32imc     ?= riscv64-unknown-elf-gcc
CROSS_SIZE_rv32imc   ?= riscv64-unknown-elf-size
# The riscv toolchain has no libc headers of its own: picolibc provides them.
CROSS_ARCH_rv32imc   := -march=rv32imc -mabi=ilp32 --specs=picolibc.specs
# -fstack-usage -fcallgraph-info=su: frame sizes and call graph for core/stack.mk
# (they change no code).
CROSS_CFLAGS := $(CSTD) -Os -ffunction-sections -fdata-sections $(WARN) $(INC) $(CROSS_DEFS) \
                -fstack-usage -fcallgraph-info=su

cross_obj = $(CORE_SRC:%.c=$(CROSS_DIR)/$(1)/%.o)

define cross_rules
$(CROSS_DIR)/$(1)/%.o: %.c $(JSMN_H)
	@mkdir -p $$(dir $$@)
	$(CROSS_CC_$(1)) $(CROSS_ARCH_$(1)) $(CROSS_CFLAGS) -MMD -MP -c $$< -o $$@

.PHONY: cross-$(1)
cross-$(1): $(call cross_obj,$(1))
	@echo "cross: core/ builds for $(1) ($$(words $$^) files)"

-include $(patsubst %.o,%.d,$(call cross_obj,$(1)))
endef
$(foreach t,$(CROSS_TARGETS),$(eval $(call cross_rules,$(t))))

# Reads lines "target module text data bss"; prints the table, writes SIZE_TXT.
define SIZE_AWK
{ t = $$1; m = $$2;
  if (!(m in seen)) { seen[m] = 1; mods[++nm] = m }
  if (!(t in tseen)) { tseen[t] = 1; tg[++nt] = t }
  tx[t, m] = $$3; da[t, m] = $$4; bs[t, m] = $$5; TT[t] += $$3; TD[t] += $$4; TB[t] += $$5 }
END {
  printf "core/ size in bytes (-Os, text = .text + .rodata)\n%-14s", "module";
  for (i = 1; i <= nt; i++) printf " | %-10s %7s %6s %6s", tg[i], "text", "data", "bss";
  printf "\n";
  for (j = 1; j <= nm; j++) {
    m = mods[j]; printf "%-14s", m;
    for (i = 1; i <= nt; i++) { t = tg[i]; printf " | %-10s %7d %6d %6d", "", tx[t, m], da[t, m], bs[t, m] }
    printf "\n";
  }
  printf "%-14s", "total";
  for (i = 1; i <= nt; i++) { t = tg[i]; printf " | %-10s %7d %6d %6d", "", TT[t], TD[t], TB[t] }
  printf "\n";
  for (i = 1; i <= nt; i++) {
    t = tg[i];
    print "core_text_" t, TT[t] > out; print "core_data_" t, TD[t] > out; print "core_bss_" t, TB[t] > out;
  }
  for (j = 1; j <= nm; j++) for (i = 1; i <= nt; i++) print "module_" mods[j] "_text_" tg[i], tx[tg[i], mods[j]] > out;
  # Groups: the chat state machine, and the .out decode path with its JSON.
  for (i = 1; i <= nt; i++) {
    t = tg[i]; c = 0; d = 0; p = 0;
    for (j = 1; j <= nm; j++) {
      m = mods[j];
      if (m ~ /^chat_provider/) p += tx[t, m];
      else if (m ~ /^chat/ || m == "session" || m == "jwt") c += tx[t, m];
      if (m ~ /^http/ || m == "sse" || m == "outstream" || m == "chunk" || m ~ /^json/) d += tx[t, m];
    }
    print "chat_text_" t, c > out; print "chat_providers_text_" t, p > out; print "decoder_text_" t, d > out;
    printf "groups %-10s chat (chat* but chat_provider*, session, jwt) %6d   chat_provider* %6d   decoder (http*, sse, outstream, chunk, json*) %6d\n", t, c, p, d;
  }
}
endef
export SIZE_AWK

.PHONY: size size-core test-cross
size: size-core
	@for h in $(SIZE_HOOKS); do $(MAKE) --no-print-directory $$h || exit 1; done
	@echo "wrote $(SIZE_TXT)"

size-core: $(foreach t,$(CROSS_TARGETS),cross-$(t))
	@rm -f $(CROSS_DIR)/sizes.lst $(SIZE_TXT)
	@$(foreach t,$(CROSS_TARGETS),$(CROSS_SIZE_$(t)) $(call cross_obj,$(t)) \
	  | awk -v t=$(t) 'NR > 1 { n = $$6; sub(/.*\//, "", n); sub(/\.o$$/, "", n); print t, n, $$1, $$2, $$3 }' \
	  >> $(CROSS_DIR)/sizes.lst || exit 1;)
	@awk -v out=$(SIZE_TXT) "$$SIZE_AWK" $(CROSS_DIR)/sizes.lst
	@# chat_providers_text is only apart if the chat never names a provider
	@bad=$$($(CROSS_CC_cortex_m4:gcc=nm) -u $(filter-out %/chat_provider.o,$(call cross_obj,cortex_m4)) \
	  | grep -w 'tc_chat_provider_backend\|tc_chat_provider_direct'); \
	if [ -n "$$bad" ]; then echo "core/ names a built-in provider outside chat_provider.c:"; echo "$$bad"; exit 1; fi

test-cross:
	@pass=0; fail=0; bad=; \
	for t in $(CROSS_TARGETS); do \
	  if $(MAKE) --no-print-directory cross-$$t; then pass=$$((pass + 1)); \
	  else fail=$$((fail + 1)); bad="$$bad $$t"; fi; \
	done; \
	[ -z "$$bad" ] || echo "cross: core/ does not build for:$$bad"; \
	echo "cross: $$pass passed, $$fail failed"; [ $$fail -eq 0 ]

TEST_SUITES += cross

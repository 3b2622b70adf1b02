# core/stack.mk — worst-case stack depth of core/, from GCC's frame sizes and
# call graph (tools/stackdepth.py; the cross builds of core/size.mk write
# <obj>.su and <obj>.ci next to each object).
#
#   make stack       prints, for Cortex-M4 and rv32imc, every public
#                    function's deepest path and where tc_chat_step calls each
#                    application callback; appends to $(SIZE_TXT) (a `make
#                    size` hook):
#                      stack_<function>_<target> <bytes>  (tc_chat_step,
#                        tc_chat_send_text, tc_chat_restore, tc_chat_init_ex,
#                        tc_outstream_feed)
#                      stack_max_<target> <bytes>          (any tc_* function)
#                      stack_under_<callback>_<target> <bytes> (core/'s frames
#                        below an application callback called by tc_chat_step:
#                        on_event, transport_open/recv/send/close, kv, ...)
#   make test-stack  suite `stack`: core/ stays within STACK_BUDGET on both
#                    targets, with no recursion, no frame of run-time size and
#                    no call through a pointer the tool cannot account for;
#                    and the tool's self-test (tests/stack/selftest.sh).
#
# The figures are core/'s own frames: the application's callbacks (and TLS
# inside the transport) add theirs on top of the stack_under_* figures.

STACK_BUDGET ?= 3072
STACK_TOOL   := tools/stackdepth.py

define stack_rules
.PHONY: stack-$(1) test-stack-$(1)
stack-$(1): $(call cross_obj,$(1))
	@echo "== stack, $(1) (bytes, core/ frames only; deepest path)"
	@python3 $(STACK_TOOL) --readelf $(CROSS_SIZE_$(1):size=readelf) --target $(1) \
	  $$(if $$(wildcard $(SIZE_TXT)),--out $(SIZE_TXT)) $(call cross_obj,$(1)) \
	  | awk '/^ *[0-9]+  (tc_chat_step|tc_chat_send_text|tc_chat_restore|tc_outstream_feed|callback)/ { print substr($$$$0, 1, 160) }'
test-stack-$(1): $(call cross_obj,$(1))
	@python3 $(STACK_TOOL) --readelf $(CROSS_SIZE_$(1):size=readelf) --target $(1) --max $(STACK_BUDGET) \
	  $(call cross_obj,$(1)) > $(CROSS_DIR)/stack-$(1).txt
endef
$(foreach t,$(CROSS_TARGETS),$(eval $(call stack_rules,$(t))))

.PHONY: stack test-stack
stack: $(foreach t,$(CROSS_TARGETS),stack-$(t))

test-stack:
	@pass=0; fail=0; \
	for t in $(CROSS_TARGETS); do \
	  if $(MAKE) --no-print-directory test-stack-$$t; then pass=$$((pass + 1)); \
	     echo "stack: $$t: $$(head -1 $(CROSS_DIR)/stack-$$t.txt | awk '{ print $$1, "bytes,", $$2 }') within $(STACK_BUDGET)"; \
	  else fail=$$((fail + 1)); echo "stack: $$t: over budget or unbounded (above)"; fi; \
	done; \
	echo "stack: $$pass passed, $$fail failed"; \
	bash tests/stack/selftest.sh $(CROSS_DIR)/stack-selftest/cortex_m4 $(CROSS_CC_cortex_m4) \
	  $(CROSS_SIZE_cortex_m4:size=readelf) $(CROSS_ARCH_cortex_m4) || fail=1; \
	bash tests/stack/selftest.sh $(CROSS_DIR)/stack-selftest/rv32imc $(CROSS_CC_rv32imc) \
	  $(CROSS_SIZE_rv32imc:size=readelf) $(CROSS_ARCH_rv32imc) || fail=1; \
	[ $$fail -eq 0 ]

SIZE_HOOKS += stack
TEST_SUITES += stack

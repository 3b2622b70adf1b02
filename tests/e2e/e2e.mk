# tests/e2e: the real tchat binary against the simulator (tools/sim) over TLS,
# through the conformance scenarios and the simulator's faults (issue #7).
#   make test-e2e            all of it; ends "e2e: N passed, N failed"
#   make test-e2e E2E_FILES=tests/e2e/drops.test.mjs   one file
# Each *.test.mjs starts its own simulator; files run two at a time.
# Included by the top-level Makefile (tests/*/*.mk).
E2E_FILES   ?= $(sort $(wildcard tests/e2e/*.test.mjs))
E2E_TIMEOUT ?= 400
E2E_CONCURRENCY ?= 2
TEST_SUITES += e2e

.PHONY: test-e2e
test-e2e: $(BUILD)/tchat sim-deps
	@mkdir -p $(BUILD); \
	TCHAT=$(abspath $(BUILD)/tchat) timeout -k 10 $(E2E_TIMEOUT) node --test --test-concurrency=$(E2E_CONCURRENCY) \
	    --test-reporter=tap --test-timeout=120000 $(E2E_FILES) > $(BUILD)/e2e-test.tap 2>&1; rc=$$?; \
	grep -E '^ *(not ok|ok .*# (SKIP|TODO))' $(BUILD)/e2e-test.tap || true; \
	p=$$(sed -n 's/^# pass \([0-9]*\)$$/\1/p' $(BUILD)/e2e-test.tap | tail -1); \
	f=$$(sed -n 's/^# fail \([0-9]*\)$$/\1/p' $(BUILD)/e2e-test.tap | tail -1); \
	s=$$(grep -cE '^ *(not )?ok .*# (SKIP|TODO)' $(BUILD)/e2e-test.tap); \
	if [ -z "$$p" ]; then echo "e2e: suite did not finish (rc=$$rc), see $(BUILD)/e2e-test.tap"; p=0; f=1; fi; \
	if [ "$$rc" -ne 0 ] && [ "$$f" -eq 0 ]; then f=1; fi; \
	if [ "$$s" -gt 0 ]; then echo "e2e: $$s skipped or todo (see above)"; fi; \
	echo "e2e: $$p passed, $$f failed"; [ "$$f" -eq 0 ]

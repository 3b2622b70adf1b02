# tools/sim: the Trigger.dev Sessions simulator (+ customer backend).
#   make sim [SIM_FLAGS="--tls --port 8787"]   run it in the foreground
#   make test-sim                              its conformance suite (official clients)
SIM_DIR     := tools/sim
SIM_FLAGS   ?=
SIM_TEST_TIMEOUT ?= 300
TEST_SUITES += sim

.PHONY: sim sim-deps test-sim
sim-deps:
	@bash tests/deps.d/sim.sh

sim: sim-deps
	node $(SIM_DIR) $(SIM_FLAGS)

# node --test's TAP summary ("# pass N" / "# fail N") becomes "sim: N passed, N failed".
test-sim: sim-deps
	@mkdir -p $(BUILD); \
	timeout -k 10 $(SIM_TEST_TIMEOUT) node --test --test-concurrency=2 --test-reporter=tap --test-timeout=120000 \
	    $(SIM_DIR)/test/*.test.mjs > $(BUILD)/sim-test.tap 2>&1; rc=$$?; \
	grep -E '^(not ok|# Subtest)|^ *(not ok)' $(BUILD)/sim-test.tap | grep -B1 'not ok' || true; \
	p=$$(sed -n 's/^# pass \([0-9]*\)$$/\1/p' $(BUILD)/sim-test.tap | tail -1); \
	f=$$(sed -n 's/^# fail \([0-9]*\)$$/\1/p' $(BUILD)/sim-test.tap | tail -1); \
	if [ -z "$$p" ]; then echo "sim: suite did not finish (rc=$$rc), see $(BUILD)/sim-test.tap"; p=0; f=1; fi; \
	if [ "$$rc" -ne 0 ] && [ "$$f" -eq 0 ]; then f=1; fi; \
	echo "sim: $$p passed, $$f failed"; [ "$$f" -eq 0 ]

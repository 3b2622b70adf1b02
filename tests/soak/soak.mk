# tests/soak: the chaos soak. The real tchat against the simulator over TLS,
# through a TCP chaos proxy (cuts at any byte, resets, stalls, fragments,
# slow connects), with random simulator faults and SIGKILL power cuts over a
# long conversation; an oracle checks every message reached the server once
# and every answer was shown exactly once, whole (tests/soak/soak.mjs).
#   make soak                       one long soak (SOAK_SECONDS, default 600; a random seed, printed)
#   make soak SOAK_SEED=N           the same choices again (the moments differ)
#   make test-soak                  the brief suite in `make test`: the oracle's own
#                                   tests, then SOAK_TEST_SEEDS for SOAK_TEST_SECONDS each
# Included by the top-level Makefile (tests/*/*.mk).
SOAK_SECONDS ?= 600
SOAK_SEED ?=
SOAK_TEST_SEEDS ?= 101,202,303
SOAK_TEST_SECONDS ?= 12
SOAK_TEST_TIMEOUT ?= 400
TEST_SUITES += soak

.PHONY: soak test-soak
soak: $(BUILD)/tchat sim-deps
	@TCHAT=$(abspath $(BUILD)/tchat) BUILD=$(BUILD) node tests/soak/soak.mjs --seconds $(SOAK_SECONDS) \
	    $(if $(SOAK_SEED),--seed $(SOAK_SEED)) --log-dir $(BUILD)/soak

test-soak: $(BUILD)/tchat sim-deps
	@mkdir -p $(BUILD); \
	node --test --test-reporter=tap tests/soak/oracle.test.mjs > $(BUILD)/soak-oracle.tap 2>&1; rc=$$?; \
	grep -E '^ *not ok' $(BUILD)/soak-oracle.tap || true; \
	p=$$(sed -n 's/^# pass \([0-9]*\)$$/\1/p' $(BUILD)/soak-oracle.tap | tail -1); \
	f=$$(sed -n 's/^# fail \([0-9]*\)$$/\1/p' $(BUILD)/soak-oracle.tap | tail -1); \
	if [ -z "$$p" ]; then p=0; f=1; fi; if [ "$$rc" -ne 0 ] && [ "$$f" -eq 0 ]; then f=1; fi; \
	echo "soak-oracle: $$p passed, $$f failed"; \
	TCHAT=$(abspath $(BUILD)/tchat) BUILD=$(BUILD) timeout -k 10 $(SOAK_TEST_TIMEOUT) node tests/soak/soak.mjs \
	    --seconds $(SOAK_TEST_SECONDS) --seeds $(SOAK_TEST_SEEDS) --log-dir $(BUILD)/soak; rc2=$$?; \
	[ "$$f" -eq 0 ] && [ "$$rc2" -eq 0 ]

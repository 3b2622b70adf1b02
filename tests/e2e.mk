# The end-to-end suite lives in tests/e2e/ (the Makefile includes tests/*.mk only).
include tests/e2e/e2e.mk

# tests/lint/lint.mk — suite `lint`: cppcheck's warning and portability checks
# over core/ (each decode path: TC_DECODE_FAST 1 and 0), and over port/ and
# tools/tchat; any finding fails the suite. (It found the null-pointer
# arithmetic that gcc's UBSan let pass.) A deliberate exception is marked in
# the source with `// cppcheck-suppress <id>` on the line before (none yet).
#
#   make test-lint   prints "lint: N passed, N failed" (one per group)

LINT_FLAGS := --enable=warning,portability --std=c11 --error-exitcode=1 -q --inline-suppr \
              -UTC_CONFIG_FILE -Icore -Iport -Iport/kv -Iport/mbedtls -Iport/posix -Iport/lwip -Ibuild/include
LINT_GROUPS := "-DTC_DECODE_FAST=1 $(CORE_SRC)" "-DTC_DECODE_FAST=0 $(CORE_SRC)" \
               "$(sort $(wildcard port/*/*.c tools/tchat/*.c))"

TEST_SUITES += lint
.PHONY: test-lint
test-lint: $(JSMN_H)
	@pass=0; fail=0; \
	for g in $(LINT_GROUPS); do \
	  if cppcheck $(LINT_FLAGS) $$g; then pass=$$((pass + 1)); else fail=$$((fail + 1)); echo "lint: findings above ($$g)"; fi; \
	done; \
	echo "lint: $$pass passed, $$fail failed"; [ $$fail -eq 0 ]

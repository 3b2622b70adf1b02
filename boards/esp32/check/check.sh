#!/usr/bin/env bash
# Suite `esp32`: compile + link check of boards/esp32 (see boards/esp32/esp32.mk).
# Usage: check.sh "<make command>" <build dir> "<core sources>"
set -uo pipefail
MAKE_CMD=$1; B=$2; CORE_SRC=$3
pass=0; fail=0
mkdir -p "$B"
step() { # name, make target
  if $MAKE_CMD "$2" > "$B/$2.log" 2>&1; then echo "ok   $1"; pass=$((pass + 1));
  else tail -25 "$B/$2.log"; echo "FAIL $1"; fail=$((fail + 1)); fi
}
check() { # name, condition result (0 ok)
  if [ "$2" -eq 0 ]; then echo "ok   $1"; pass=$((pass + 1)); else echo "FAIL $1"; fail=$((fail + 1)); fi
}

$MAKE_CMD esp32-deps > "$B/deps.log" 2>&1 || { tail "$B/deps.log"; echo "esp32: 0 passed, 1 failed"; exit 1; }
step "component sources compile for rv32imc (core/, lwIP sockets, mbedTLS, NVS, tc_esp32)" esp32-component
step "port/mbedtls/tc_mbedtls.c compiles against mbedTLS 3.6's default configuration (PSA on)" esp32-tls-default
step "example compiles (console)" esp32-example-console
step "example compiles (voice: CONFIG_EXAMPLE_VOICE)" esp32-example-voice
step "example links, console (real mbedTLS 3.6, every ESP-IDF/FreeRTOS/lwIP call declared)" esp32-link-console
step "example links, voice" esp32-link-voice

# The component's CMakeLists names every adapter the check compiles, and
# globs core/ (so a new core file joins both).
d=boards/esp32
r=0; for f in port/lwip/tc_lwip_sockets.c port/mbedtls/tc_mbedtls.c port/kv/kv_nvs.c tc_esp32.c; do
  grep -q "$f" $d/CMakeLists.txt || { echo "  CMakeLists.txt lacks $f"; r=1; }; done
grep -q 'core/\*\.c' $d/CMakeLists.txt || { echo "  CMakeLists.txt does not glob core/*.c"; r=1; }
check "CMakeLists.txt lists the sources the check compiles" $r

# Every CONFIG_TRIGCHAT_* / CONFIG_EXAMPLE_* the code reads is a Kconfig option.
r=0; for c in $(grep -ohE 'CONFIG_(TRIGCHAT|EXAMPLE)_[A-Z0-9_]+' $d/include/*.h $d/*.c $d/examples/chat/main/*.c | sort -u); do
  n=${c#CONFIG_}
  grep -qE "^ *config $n\$" $d/Kconfig $d/examples/chat/main/Kconfig.projbuild || { echo "  $c is not in a Kconfig"; r=1; }
done
check "every CONFIG_ option the code reads is defined in Kconfig" $r

# The menuconfig sizes reach the library: the header maps each buffer size.
r=0; for m in TC_OUT_RECORD_MAX TC_HTTP_LINE_MAX TC_CHAT_REQUEST_MAX TC_CHAT_TOKEN_MAX TC_JSON_TOKENS_MAX TC_ERROR_STRINGS; do
  grep -q "define $m " $d/include/tc_esp32_config.h || { echo "  $m not mapped"; r=1; }; done
check "Kconfig buffer sizes map onto the TC_* macros" $r

# After a reset the resumed turn's text comes again, what was shown before
# marked replayed (README, tc_chat.h): the example's TEXT case must skip it
# before it prints or speaks anything (a source check: the example cannot run).
r=0; awk '/case TC_CHAT_EV_TEXT:/ { f = 1 } f && /ev->replayed/ { ok = 1 } f && /break;/ { exit }
          END { exit !ok }' $d/examples/chat/main/main.c || r=1
check "the example does not print or speak replayed text again after a reset" $r

# tc_esp32_tls_share on the host: prints its own "esp32_tls_share" line.
$MAKE_CMD esp32-tls-share || check "tc_esp32_tls_share host test builds and passes" 1

echo "esp32: $pass passed, $fail failed"
[ "$fail" -eq 0 ]

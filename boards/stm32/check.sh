#!/usr/bin/env bash
# Suite `stm32`: builds the STM32F767 example firmware and checks the image.
# Usage: check.sh "<make command>" <build dir>   (from boards/stm32/stm32.mk)
set -uo pipefail
MAKE_CMD=$1; B=$2
pass=0; fail=0
ok() { echo "ok   $1"; pass=$((pass + 1)); }
ko() { echo "FAIL $1"; fail=$((fail + 1)); }
finish() { echo "stm32: $pass passed, $fail failed"; [ "$fail" -eq 0 ]; exit $?; }

mkdir -p "$B"
if $MAKE_CMD stm32-fw > "$B/build.log" 2>&1; then
  ok "whole firmware image links (core + port adapters + lwIP + mbedTLS + board, newlib-nano, --gc-sections)"
else
  tail -30 "$B/build.log"; ko "whole firmware image links"; finish
fi
elf=$B/firmware.elf
$MAKE_CMD "$B/size.lst" >/dev/null 2>&1 || true
lst=$B/size.lst
v() { awk -v k="$1" '$1 == k { print $2 }' "$lst"; }

# The image holds no heap allocator: trigchat, lwIP (own pools) and mbedTLS
# (port/mbedtls arena) never call malloc, and neither does the board code.
heap=$(arm-none-eabi-nm "$elf" | awk '$3 ~ /^(malloc|_malloc_r|calloc|_calloc_r|realloc|_realloc_r|free|_free_r|_sbrk|_sbrk_r)$/ { print $3 }')
[ -z "$heap" ] && ok "no heap allocator linked" || ko "heap allocator linked: $heap"

# The vector table sits at the start of flash, with the reset handler in sector 0.
vt=$(arm-none-eabi-objdump -h "$elf" | awk '$2 == ".isr_vector" { print $4 }')
rst=$(arm-none-eabi-nm "$elf" | awk '$3 == "Reset_Handler" { print $1 }')
[ "$vt" = "08000000" ] && [[ "$rst" == 0800* ]] && [ $((16#$rst)) -lt $((0x08008000)) ] \
  && ok "vector table at 0x08000000, Reset_Handler in sector 0" || ko "vector table at $vt, Reset_Handler at $rst"

# Nothing is placed in flash sectors 1-2 (the key-value store).
inkv=$(arm-none-eabi-objdump -h "$elf" | while read -r _ name size _ lma _; do
  [[ "$name" == .* && "$lma" =~ ^[0-9a-f]{8}$ ]] || continue
  a=$((16#$lma)); n=$((16#$size))
  [ $n -gt 0 ] && [ $a -lt $((0x08018000)) ] && [ $((a + n)) -gt $((0x08008000)) ] && echo "$name"; done)
[ -z "$inkv" ] && ok "key-value sectors 1-2 (0x08008000-0x08017fff) left free" || ko "sections in the kv sectors: $inkv"

# The size split covers the whole image: its sums equal the ELF's allocated sections.
if [ -s "$lst" ]; then
  read -r ft rt < <(arm-none-eabi-size -A "$elf" | awk '
    $1 == ".isr_vector" || $1 == ".text" || $1 == ".ARM.exidx" { f += $2 }
    $1 == ".data" { f += $2; r += $2 } $1 == ".bss" || $1 == ".stack" { r += $2 }
    END { print f, r }')
  sf=$(( $(v stm32_flash_trigchat) + $(v stm32_flash_lwip) + $(v stm32_flash_mbedtls) + $(v stm32_flash_rest) ))
  sr=$(( $(v stm32_ram_trigchat) + $(v stm32_ram_lwip) + $(v stm32_ram_mbedtls) + $(v stm32_ram_tls_arena) + $(v stm32_ram_stack) + $(v stm32_ram_rest) ))
  [ "$sf" = "$ft" ] && [ "$sf" = "$(v stm32_flash_total)" ] && [ "$sr" = "$rt" ] && [ "$sr" = "$(v stm32_ram_total)" ] \
    && ok "size split adds up (flash $ft, RAM $rt)" || ko "size split: flash $sf vs $ft, RAM $sr vs $rt"
  # Each library really is in the image.
  [ "$(v stm32_flash_trigchat)" -gt 10000 ] && [ "$(v stm32_flash_lwip)" -gt 10000 ] && [ "$(v stm32_flash_mbedtls)" -gt 10000 ] \
    && ok "trigchat, lwIP and mbedTLS each contribute code" || ko "a library is missing from the image"
  bash "$(dirname "$0")/size_table.sh" "$lst"
else
  ko "size split computed"
fi
# After a power cut the resumed turn's text comes again, what was printed
# before marked replayed (README, tc_chat.h): main.c's TEXT case must skip it
# (a source check: the firmware cannot run here).
awk '/case TC_CHAT_EV_TEXT:/ { f = 1 } f && /ev->replayed/ { ok = 1 } f && /break;/ { exit }
     END { exit !ok }' "$(dirname "$0")/main.c" \
  && ok "main.c does not print replayed text again after a power cut" \
  || ko "main.c prints replayed text again after a power cut"
# The TLS configuration of the image, exercised for real on the host (its own
# "stm32_tls_config: N passed, N failed" line).
if ! $MAKE_CMD stm32-tls-config; then ko "TLS configuration passes the TLS port tests on the host"; fi
finish

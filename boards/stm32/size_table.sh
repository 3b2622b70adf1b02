#!/usr/bin/env bash
# Prints the size lines of the STM32 firmware (boards/stm32/size_map.awk) as a table.
set -euo pipefail
lst=$1
v() { awk -v k="$1" '$1 == k { print $2 }' "$lst"; }
printf 'STM32F767 firmware (Cortex-M7, -Os, newlib-nano, --gc-sections), bytes\n'
printf '%-10s %9s %9s\n' group flash RAM
for g in trigchat lwip mbedtls rest; do printf '%-10s %9s %9s\n' "$g" "$(v stm32_flash_$g)" "$(v stm32_ram_$g)"; done
printf '%-10s %9s %9s\n' tls_arena - "$(v stm32_ram_tls_arena)"
printf '%-10s %9s %9s\n' stack - "$(v stm32_ram_stack)"
printf '%-10s %9s %9s\n' total "$(v stm32_flash_total)" "$(v stm32_ram_total)"

#!/usr/bin/env bash
# size.sh MAP — splits the qemu-chat firmware's linker map into flash (code,
# rodata, .data's load image) and RAM (.data, .bss) by where each linked input
# section came from: lwIP (liblwip.a), mbedTLS (libmbedtls.a), newlib and
# libgcc (libc, librdimon, libgcc, crt*), and ours (trigchat core, the port
# adapters, the driver and main.c, compiled straight from source).
# The 16 MiB heap and the stack of the semihosting C library are not counted.
set -euo pipefail
awk '
function grp(f) {
  if (f ~ /liblwip\.a\(/) return "lwip"
  if (f ~ /libmbedtls\.a\(/) return "mbedtls"
  if (f ~ /lib(c|c_nano|g|g_nano|rdimon|rdimon_nano|gcc|nosys|m)\.a\(|crt[a-z0-9]*\.o$/) return "libc"
  return "trigchat+board"
}
function hex(s,   i, v) {  # "0x1a2b" -> number (POSIX awk has no strtonum)
  v = 0; s = tolower(substr(s, 3))
  for (i = 1; i <= length(s); i++) v = v * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
  return v
}
function add(sect, size, file,   g, s) {
  if (file == "" || size == 0) return
  g = grp(file)
  if (sect ~ /^\.(text|rodata|isr_vector|ARM\.exidx|ARM\.extab|init|fini|glue|vfp11|v4_bx|iplt|rel)/ ) flash[g] += size
  else if (sect ~ /^\.(data)/) { flash[g] += size; ram[g] += size }
  else if (sect ~ /^\.(bss)|^COMMON/) ram[g] += size
  seen[g] = 1
}
/^Linker script and memory map/ { on = 1; next }
!on { next }
/^ [.A-Za-z_][^ ]*$/ { pend = $1; next }      # a long section name: numbers follow on the next line
/^ [.A-Za-z_][^ ]* +0x[0-9a-f]+ +0x[0-9a-f]+ / { add($1, hex($3), $4); pend = ""; next }
/^ +0x[0-9a-f]+ +0x[0-9a-f]+ [^ ]/ { if (pend != "") add(pend, hex($2), $3); pend = ""; next }
{ pend = "" }
END {
  n = split("trigchat+board lwip mbedtls libc", order, " ")
  for (i = 1; i <= n; i++) if (order[i] in seen) {
    printf "%-16s flash %7d  ram %7d\n", order[i], flash[order[i]], ram[order[i]]
    tf += flash[order[i]]; tr += ram[order[i]]
  }
  printf "%-16s flash %7d  ram %7d\n", "total", tf, tr
}' "${1:?usage: size.sh firmware.map}"

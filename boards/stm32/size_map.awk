# size_map.awk — splits a GNU ld map file of the STM32 firmware into
# trigchat / lwIP / mbedTLS / the rest, for flash and for RAM.
#
# Every allocated input section of the final image is counted once, by the
# object it came from (after --gc-sections: only what is really linked):
#   flash = .isr_vector + .text (code, rodata) + .ARM.exidx + .data (its load image)
#   RAM   = .data + .bss + .stack
# Objects: libtrigchat.a (core/ and the port adapters) -> trigchat,
# liblwip.a -> lwip, libmbedtls.a -> mbedtls, anything else
# (main.c, board, startup, libc, libgcc, alignment fill) -> rest. The example's
# own statics are split by name: the chat, its buffers, the TCP and TLS
# connection structs and the kv store count as trigchat, the netif as lwip,
# the TLS context as mbedtls; the TLS arena (mbedTLS's heap) and the stack
# are reported on their own lines.
# Output: lines "stm32_<flash|ram>_<group> <bytes>".
function group(file, sect) {
  if (sect ~ /^\.bss\.g_tls_arena$/) return "tls_arena"
  if (sect ~ /^\.(bss|data)\.g_(chat|bufs|kv|flash|flash_drv|tcp_out|tcp_req|tls_out|tls_req|out|req|cfg)$/) return "trigchat"
  if (sect ~ /^\.(bss|data)\.g_netif$/) return "lwip"
  if (sect ~ /^\.(bss|data)\.g_tls$/) return "mbedtls"
  if (file ~ /libtrigchat\.a\(/) return "trigchat"
  if (file ~ /liblwip\.a\(/) return "lwip"
  if (file ~ /libmbedtls\.a\(/) return "mbedtls"
  return "rest"
}
function hex(s,   i, c, v) {  # "0x1a2b" -> number (POSIX awk has no strtonum)
  v = 0; s = tolower(substr(s, 3))
  for (i = 1; i <= length(s); i++) { c = index("0123456789abcdef", substr(s, i, 1)) - 1; v = v * 16 + c }
  return v
}
# Merged string sections (.rodata.*.str1.1) overlap in the map: count only
# the bytes past the end of what was already counted.
function add(sect, addr, size, file,   g, a, e) {
  a = hex(addr); e = a + hex(size)
  if (a < last) a = last
  if (e <= a) return
  size = e - a; last = e
  g = group(file, sect)
  if (out == ".isr_vector" || out == ".text" || out == ".ARM.exidx") flash[g] += size
  else if (out == ".data") { flash[g] += size; ram[g] += size }
  else if (out == ".bss") ram[g] += size
  else if (out == ".stack") ram["stack"] += size
}
/^Linker script and memory map/ { started = 1; next }
!started { next }
/^[.A-Za-z_]/ { out = $1; pend = ""; last = 0; next }
# input section on one line: " .text.foo 0x... 0x... file"
/^ [.*A-Za-z_]/ && NF >= 4 && $2 ~ /^0x/ && $3 ~ /^0x/ { add($1, $2, $3, $4); pend = ""; next }
# fill: " *fill* 0x... 0x..."
/^ \*fill\*/ && NF >= 3 { add("*fill*", $2, $3, ""); next }
# a long section name alone on its line; address, size, file on the next
/^ [.A-Za-z_]/ && NF == 1 { pend = $1; next }
pend != "" && NF >= 3 && $1 ~ /^0x/ && $2 ~ /^0x/ { add(pend, $1, $2, $3); pend = ""; next }
{ pend = "" }
END {
  n = split("trigchat lwip mbedtls rest", gs, " ")
  for (i = 1; i <= n; i++) { printf "stm32_flash_%s %d\n", gs[i], flash[gs[i]]; tf += flash[gs[i]] }
  printf "stm32_flash_total %d\n", tf
  n = split("trigchat lwip mbedtls tls_arena stack rest", gs, " ")
  for (i = 1; i <= n; i++) { printf "stm32_ram_%s %d\n", gs[i], ram[gs[i]]; tr += ram[gs[i]] }
  printf "stm32_ram_total %d\n", tr
}

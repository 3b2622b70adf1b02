/* fuzz_json_os.c — fuzz_json.c on the size-optimised decode path: the
 * Makefile builds every fuzz_*_os target with -DTC_DECODE_FAST=0 (the -Os
 * default, what Cortex-M and ESP32 builds run), same assertions. */
#include "fuzz_json.c"

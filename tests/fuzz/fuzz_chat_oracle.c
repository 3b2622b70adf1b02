/*
 * fuzz_chat_oracle.c — the chaos model of tests/chat_chaos.c with the
 * schedule read from the fuzzer's input: every choice (bytes served, the
 * agent's pace, which fault, where a connection is cut, reboots, clock
 * jumps, the server's dedupe flavour and text) is the next input byte; when
 * the input runs out, the rest of the run is fault-free. The oracle must
 * hold (every turn's text exactly once, every message once on the server,
 * one turn-complete per message, the chat ends idle and usable): a
 * violation prints the fault log and aborts; so does a spin (w_step).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHAT_FAKE_ABORT_ON_SPIN /* w_step aborts if the chat would spin a loop */
#include "../chat_fake.c"
#include "../chat_chaos.c"

static chaos_t FC;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  if (!chaos_run(&FC, 0, data, size, 0, false)) {
    fprintf(stderr, "chaos oracle: %s\n%s", FC.fail, FC.log);
    abort();
  }
  return 0;
}

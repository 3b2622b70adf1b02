/*
 * test_chat_chaos.c — the chat under random fault schedules against the
 * fake Sessions server, checked by the oracle of chat_chaos.c: every turn's
 * text reaches the app exactly once, every message reaches the server once,
 * one turn-complete per message, the chat ends idle and usable. Thousands of
 * seeds, deterministic; a failure prints its seed and fault log.
 *
 *   TC_CHAOS_SEED=N build/tests/test_chat_chaos   runs seed N verbosely
 *   TC_CHAOS_SEEDS=N                              runs N seeds (default 5000)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chat_fake.c"
#include "chat_chaos.c"
#include "tc_test.h"

static chaos_t CH;

#ifdef TC_TEST_EMBEDDED
#define CHAOS_SEEDS 500
#else
#define CHAOS_SEEDS 5000
#endif

static bool run_seed(uint32_t seed, bool verbose)
{
  int f0 = tc_test_current_failures();
  bool ok = chaos_run(&CH, seed, NULL, 0, 0);
  if (tc_test_current_failures() != f0 && ok) { /* w_step: the chat would spin */
    ok = false;
    snprintf(CH.fail, sizeof CH.fail, "a check failed (the chat spins?)");
  }
  if (!ok || verbose) {
    printf("chaos seed %lu: %s\n%s", (unsigned long)seed, ok ? "ok" : CH.fail, CH.log);
    if (!ok) printf("replay: TC_CHAOS_SEED=%lu build/tests/test_chat_chaos\n", (unsigned long)seed);
  }
  return ok;
}

static void test_chaos_seeds(void)
{
  unsigned long n = CHAOS_SEEDS, bad = 0, faults = 0, reboots = 0, turns = 0;
#ifndef TC_TEST_EMBEDDED
  const char *one = getenv("TC_CHAOS_SEED"), *many = getenv("TC_CHAOS_SEEDS");
  if (one) {
    CHECK(run_seed((uint32_t)strtoul(one, NULL, 10), true));
    return;
  }
  if (many) n = strtoul(many, NULL, 10);
#endif
  for (unsigned long i = 1; i <= n; i++) {
    if (!run_seed((uint32_t)i, false)) {
      tc_test_fail(__FILE__, __LINE__, "chaos seed %lu: %s", i, CH.fail);
      if (++bad == 3) break;
    }
    faults += (unsigned long)CH.faults;
    reboots += (unsigned long)CH.reboots;
    turns += (unsigned long)CH.srv.nturns;
  }
  printf("chaos: %lu seeds, %lu server turns, %lu faults (%lu reboots)\n", n, turns, faults, reboots);
}

int main(void)
{
  RUN(test_chaos_seeds);
  return tc_test_finish("chat_chaos");
}

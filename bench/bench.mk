# bench/bench.mk — `make bench` (decoder benchmark) and suite bench-smoke.
#
#   make bench          capture -> callgrind instructions/byte, C vs JS MB/s
#                       (bench/README.md); BENCH_TURNS, BENCH_SEED, BENCH_PIECE,
#                       BENCH_JS_PIECE, BENCH_C_REPS, BENCH_JS_REPS tune it
#   make test-bench-smoke   the correctness half on a small capture, no timing
#
# bench_decode links the release library ($(LIB), -O2); the smoke binary links
# the sanitizer build.

BENCH_OUT := $(BUILD)/bench
BENCH_DEPS := bench/bench_decode.c core/tc_outstream.h core/tc_http.h core/tc_chunk.h $(JSMN_H)

$(BENCH_OUT)/bench_decode: $(BENCH_DEPS) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $< $(LIB) -o $@

$(BENCH_OUT)/bench_decode_san: $(BENCH_DEPS) $(LIB_SAN)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(SAN) $< $(LIB_SAN) -o $@

.PHONY: bench test-bench-smoke
bench: $(BENCH_OUT)/bench_decode
	@bash tests/deps.d/bench.sh
	@bash bench/run.sh $(BUILD)

TEST_SUITES += bench-smoke
test-bench-smoke: $(BENCH_OUT)/bench_decode_san
	@bash bench/smoke.sh $(BUILD)

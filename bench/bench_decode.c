/*
 * bench_decode.c — runs trigchat's `.out` decoder on a capture written by
 * bench/gen-capture.mjs, checks what it decoded, and times it.
 *
 *   bench_decode DIR [--mode body|http] [--piece N] [--reps N] [--callgrind]
 *                    [--splits]
 *
 * body mode feeds DIR/capture.sse (the HTTP body) to tc_outstream_feed in
 * --piece sized pieces (default 1460, one TCP segment). http mode feeds
 * DIR/capture.http (a chunked HTTP/1.1 response) to tc_http_resp_feed, whose
 * de-chunked body goes on to tc_outstream_feed.
 *
 * Every run rebuilds each turn's text from the text-delta chunks and compares
 * it byte for byte with DIR/expected.txt when the turn's turn-complete control
 * record arrives; it also checks the record, duplicate, command and control
 * counts against DIR/meta.txt. Any difference exits 1.
 *
 * --reps N   times N runs and reports the best, by process CPU time
 *            (c_mb_s: robust on a shared, loaded machine) and by
 *            CLOCK_MONOTONIC wall time (c_wall_mb_s).
 * --callgrind  wraps exactly one run (the decode loop and its callbacks, not
 *            the file loading) in CALLGRIND_START/STOP_INSTRUMENTATION; run
 *            under `valgrind --tool=callgrind --instr-atstart=no`.
 * --splits   also runs the check with pieces of 1, 2, 3, 7, 64, 1460, 4096
 *            bytes and the whole input at once (correctness only).
 *
 * This is a host program: it may use the heap for the capture; the decoder
 * itself does not.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <valgrind/callgrind.h>

#include "tc_http.h"
#include "tc_outstream.h"

typedef struct bench_file {
  char *p;
  size_t n;
} bench_file_t;

static bench_file_t read_file(const char *dir, const char *name)
{
  char path[1024];
  bench_file_t f = { NULL, 0 };
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *fp = fopen(path, "rb");
  if (!fp) { perror(path); exit(2); }
  if (fseek(fp, 0, SEEK_END) != 0) { perror(path); exit(2); }
  long len = ftell(fp);
  if (len < 0 || fseek(fp, 0, SEEK_SET) != 0) { perror(path); exit(2); }
  f.n = (size_t)len;
  f.p = malloc(f.n ? f.n : 1);
  if (!f.p || fread(f.p, 1, f.n, fp) != f.n) { fprintf(stderr, "%s: read failed\n", path); exit(2); }
  fclose(fp);
  return f;
}

/* ------------------------------------------------------------ expectations */

typedef struct turn_text {
  const char *p;
  size_t n;
} turn_text_t;

static bench_file_t g_expected_file;
static turn_text_t *g_turns;
static size_t g_nturns;
static size_t g_max_turn_len;

static struct {
  unsigned long records, data, dup, control, command;
} g_meta;

static void load_expected(const char *dir)
{
  bench_file_t f = g_expected_file = read_file(dir, "expected.txt");
  size_t cap = 64, off = 0;
  g_turns = malloc(cap * sizeof *g_turns);
  while (off < f.n) {
    char *end = NULL;
    unsigned long long len = strtoull(f.p + off, &end, 10);
    if (!end || *end != '\n' || (size_t)(end + 1 - f.p) + len + 1 > f.n) {
      fprintf(stderr, "expected.txt: bad framing at %zu\n", off);
      exit(2);
    }
    if (g_nturns == cap) { cap *= 2; g_turns = realloc(g_turns, cap * sizeof *g_turns); }
    g_turns[g_nturns].p = end + 1;
    g_turns[g_nturns].n = (size_t)len;
    if (len > g_max_turn_len) g_max_turn_len = (size_t)len;
    g_nturns++;
    off = (size_t)(end + 1 - f.p) + (size_t)len + 1;
  }

  bench_file_t m = read_file(dir, "meta.txt");
  char *save = NULL;
  m.p = realloc(m.p, m.n + 1);
  m.p[m.n] = '\0';
  for (char *line = strtok_r(m.p, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
    char key[32];
    unsigned long v;
    if (sscanf(line, "%31s %lu", key, &v) != 2) continue;
    if (!strcmp(key, "records")) g_meta.records = v;
    else if (!strcmp(key, "data")) g_meta.data = v;
    else if (!strcmp(key, "dup")) g_meta.dup = v;
    else if (!strcmp(key, "control")) g_meta.control = v;
    else if (!strcmp(key, "command")) g_meta.command = v;
  }
  free(m.p);
}

/* ------------------------------------------------------------ one decode */

typedef struct run {
  /* counts */
  unsigned long records, data, dup, oversized, invalid, control, command;
  unsigned long chunks, text_deltas, batches, pings, done, errors;
  /* text of the turn in progress */
  char *text;
  size_t text_len, text_cap;
  bool text_overflow;
  size_t turn;
  /* first failure, if any */
  char fail[256];
  /* http mode */
  tc_outstream_t *out;
  bool http_complete;
} run_t;

static tc_err_t fail_run(run_t *r, const char *msg, unsigned long a, unsigned long b)
{
  if (!r->fail[0]) snprintf(r->fail, sizeof r->fail, "%s (%lu, %lu)", msg, a, b);
  return TC_ERR_CALLBACK;
}

static tc_err_t on_record(void *user, const tc_record_info_t *rec)
{
  run_t *r = user;
  r->records++;
  switch (rec->kind) {
  case TC_REC_DATA:
    r->data++;
    if (rec->duplicate) r->dup++;
    break;
  case TC_REC_CONTROL: r->control++; break;
  case TC_REC_COMMAND: r->command++; break;
  }
  if (rec->oversized) r->oversized++;
  if (rec->invalid) {
    r->invalid++;
    return fail_run(r, "invalid record: seq, error", (unsigned long)rec->seq_num, (unsigned long)-rec->error);
  }
  return TC_OK;
}

static tc_err_t on_chunk(void *user, const tc_record_info_t *rec, const tc_chunk_t *c)
{
  run_t *r = user;
  (void)rec;
  r->chunks++;
  if (c->type == TC_CHUNK_TEXT_DELTA) {
    if (!c->fragment_more) r->text_deltas++;
    if (r->text_len + c->delta.len > r->text_cap) {
      r->text_overflow = true;
    } else {
      memcpy(r->text + r->text_len, c->delta.ptr, c->delta.len);
      r->text_len += c->delta.len;
    }
  }
  return TC_OK;
}

static tc_err_t on_control(void *user, const tc_record_info_t *rec, const tc_control_t *ctl)
{
  run_t *r = user;
  (void)rec;
  if (ctl->kind != TC_CTRL_TURN_COMPLETE) return TC_OK;
  if (r->turn >= g_nturns) return fail_run(r, "more turns than expected", r->turn, g_nturns);
  const turn_text_t *want = &g_turns[r->turn];
  if (r->text_overflow || r->text_len != want->n || memcmp(r->text, want->p, want->n) != 0)
    return fail_run(r, "turn text differs: turn, bytes", r->turn, r->text_len);
  if (!tc_slice_present(ctl->public_access_token) || ctl->public_access_token.len < 400)
    return fail_run(r, "turn-complete without its token: turn", r->turn, 0);
  if (ctl->session_in_event_id != (int64_t)r->turn)
    return fail_run(r, "session-in-event-id: turn, value", r->turn, (unsigned long)ctl->session_in_event_id);
  r->turn++;
  r->text_len = 0;
  r->text_overflow = false;
  return TC_OK;
}

static tc_err_t on_event(void *user, tc_out_event_t ev, tc_slice_t text)
{
  run_t *r = user;
  (void)text;
  switch (ev) {
  case TC_OUT_EV_BATCH_END: r->batches++; break;
  case TC_OUT_EV_PING: r->pings++; break;
  case TC_OUT_EV_DONE: r->done++; break;
  case TC_OUT_EV_ERROR: r->errors++; break;
  }
  return TC_OK;
}

static const tc_outstream_cb_t OUT_CB = { on_record, on_chunk, on_control, on_event };

static tc_err_t http_on_headers(void *user, const tc_http_resp_t *resp)
{
  run_t *r = user;
  if (resp->status != 200) return fail_run(r, "HTTP status", (unsigned long)resp->status, 200);
  if (strcmp(resp->stream_version, "v2") != 0 || !resp->content_type_sse || !resp->chunked)
    return fail_run(r, "HTTP headers not captured (v2, sse, chunked)", 0, 0);
  return TC_OK;
}

static tc_err_t http_on_body(void *user, const char *p, size_t n)
{
  run_t *r = user;
  return tc_outstream_feed(r->out, p, n);
}

static tc_err_t http_on_complete(void *user, const tc_http_resp_t *resp)
{
  run_t *r = user;
  (void)resp;
  r->http_complete = true;
  return TC_OK;
}

static const tc_http_resp_cb_t HTTP_CB = { NULL, http_on_headers, http_on_body, http_on_complete };

static tc_outstream_t g_out;
static tc_outstream_bufs_t g_out_bufs;
static tc_http_resp_t g_http;
static char g_http_line[TC_HTTP_LINE_MAX];

/* The measured loop: everything a device does with received bytes. */
static tc_err_t decode(run_t *r, const char *in, size_t n, size_t piece, bool http)
{
  tc_err_t e = TC_OK;
  tc_outstream_init(&g_out, g_out_bufs.record, sizeof g_out_bufs.record, &OUT_CB, r);
  r->out = &g_out;
  if (!http) {
    for (size_t off = 0; off < n && e == TC_OK; off += piece)
      e = tc_outstream_feed(&g_out, in + off, n - off < piece ? n - off : piece);
    return e;
  }
  tc_http_resp_init(&g_http, g_http_line, sizeof g_http_line, false, &HTTP_CB, r);
  for (size_t off = 0; off < n && e == TC_OK; off += piece) {
    size_t len = n - off < piece ? n - off : piece, used = 0;
    e = tc_http_resp_feed(&g_http, in + off, len, &used);
    if (e == TC_OK && used != len) return fail_run(r, "HTTP response ended early: at, used", off, used);
  }
  return e;
}

static bool check_run(const run_t *r, tc_err_t e, bool http, const char *label)
{
  char why[300] = "";
  if (r->fail[0]) snprintf(why, sizeof why, "%s", r->fail);
  else if (e != TC_OK) snprintf(why, sizeof why, "feed returned %d (%s)", (int)e, tc_strerror(e));
  else if (r->turn != g_nturns) snprintf(why, sizeof why, "saw %zu turns, expected %zu", r->turn, g_nturns);
  else if (r->records != g_meta.records) snprintf(why, sizeof why, "saw %lu records, expected %lu", r->records, g_meta.records);
  else if (r->dup != g_meta.dup) snprintf(why, sizeof why, "saw %lu duplicates, expected %lu", r->dup, g_meta.dup);
  else if (r->command != g_meta.command) snprintf(why, sizeof why, "saw %lu commands, expected %lu", r->command, g_meta.command);
  else if (r->control != g_meta.control) snprintf(why, sizeof why, "saw %lu controls, expected %lu", r->control, g_meta.control);
  else if (r->data != g_meta.data) snprintf(why, sizeof why, "saw %lu data records, expected %lu", r->data, g_meta.data);
  else if (r->done != 1) snprintf(why, sizeof why, "saw %lu [DONE] events, expected 1", r->done);
  else if (!tc_outstream_idle(&g_out)) snprintf(why, sizeof why, "decoder not idle at the end");
  else if (http && !r->http_complete) snprintf(why, sizeof why, "HTTP response not complete at the end");
  if (!why[0]) return true;
  fprintf(stderr, "bench_decode: %s: FAILED: %s\n", label, why);
  return false;
}

static void run_reset(run_t *r, char *text, size_t cap)
{
  memset(r, 0, sizeof *r);
  r->text = text;
  r->text_cap = cap;
}

static double now_s(clockid_t clk)
{
  struct timespec ts;
  clock_gettime(clk, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
  const char *dir = NULL, *mode = "body";
  size_t piece = 1460;
  long reps = 0;
  bool callgrind = false, splits = false;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--mode") && i + 1 < argc) mode = argv[++i];
    else if (!strcmp(argv[i], "--piece") && i + 1 < argc) piece = (size_t)strtoul(argv[++i], NULL, 10);
    else if (!strcmp(argv[i], "--reps") && i + 1 < argc) reps = strtol(argv[++i], NULL, 10);
    else if (!strcmp(argv[i], "--callgrind")) callgrind = true;
    else if (!strcmp(argv[i], "--splits")) splits = true;
    else if (argv[i][0] != '-' && !dir) dir = argv[i];
    else dir = NULL, i = argc;
  }
  bool http = !strcmp(mode, "http");
  if (!dir || piece == 0 || reps < 0 || (!http && strcmp(mode, "body") != 0)) {
    fprintf(stderr, "usage: bench_decode DIR [--mode body|http] [--piece N] [--reps N] [--callgrind] [--splits]\n");
    return 2;
  }
  bench_file_t in = read_file(dir, http ? "capture.http" : "capture.sse");
  load_expected(dir);
  size_t text_cap = g_max_turn_len + 64;
  char *text = malloc(text_cap);
  run_t r;
  bool ok = true;

  /* One checked run at the requested piece size, instrumented if asked. */
  run_reset(&r, text, text_cap);
  if (callgrind) CALLGRIND_START_INSTRUMENTATION;
  tc_err_t e = decode(&r, in.p, in.n, piece, http);
  if (callgrind) CALLGRIND_STOP_INSTRUMENTATION;
  ok = check_run(&r, e, http, "check") && ok;
  printf("mode %s\npiece %zu\ninput_bytes %zu\nturns %zu\nrecords %lu\nchunks %lu\ntext_deltas %lu\n"
         "duplicates %lu\ncommands %lu\ncontrols %lu\noversized %lu\nbatches %lu\npings %lu\n",
         mode, piece, in.n, r.turn, r.records, r.chunks, r.text_deltas, r.dup, r.command,
         r.control, r.oversized, r.batches, r.pings);

  if (splits) {
    static const size_t sizes[] = { 1, 2, 3, 7, 64, 1460, 4096, 0 };
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
      size_t s = sizes[i] ? sizes[i] : in.n;
      char label[48];
      snprintf(label, sizeof label, "pieces of %zu", s);
      run_reset(&r, text, text_cap);
      e = decode(&r, in.p, in.n, s, http);
      ok = check_run(&r, e, http, label) && ok;
    }
    printf("splits %s\n", ok ? "ok" : "FAILED");
  }

  if (reps > 0 && ok) {
    double best = 1e30, best_wall = 1e30;
    for (long i = 0; i < reps; i++) {
      run_reset(&r, text, text_cap);
      double c0 = now_s(CLOCK_PROCESS_CPUTIME_ID), w0 = now_s(CLOCK_MONOTONIC);
      e = decode(&r, in.p, in.n, piece, http);
      double w = now_s(CLOCK_MONOTONIC) - w0, c = now_s(CLOCK_PROCESS_CPUTIME_ID) - c0;
      if (!check_run(&r, e, http, "timed run")) { ok = false; break; }
      if (c < best) best = c;
      if (w < best_wall) best_wall = w;
    }
    if (ok)
      printf("c_best_cpu_s %.6f\nc_mb_s %.2f\nc_best_wall_s %.6f\nc_wall_mb_s %.2f\n", best,
             (double)in.n / best / 1e6, best_wall, (double)in.n / best_wall / 1e6);
  }
  printf("check %s\n", ok ? "ok" : "FAILED");
  free(text);
  free(in.p);
  free(g_turns);
  free(g_expected_file.p);
  return ok ? 0 : 1;
}

/* decode.c — offline decoding of .out captures (see decode.h). */
#include <stdio.h>
#include <string.h>

#include "decode.h"
#include "exitcodes.h"
#include "jsonl.h"
#include "tc_http.h"
#include "tc_outstream.h"

typedef struct {
  bool json;
  tc_outstream_t out;
  tc_outstream_bufs_t bufs;
  tc_http_resp_t http;
  char line[TC_HTTP_LINE_MAX];
  unsigned long records, chunks, turns, skipped;
  bool mid_line;          /* plain mode: text printed since the last newline */
} decoder_t;

static tc_err_t on_record(void *user, const tc_record_info_t *rec)
{
  decoder_t *d = user;
  d->records++;
  if (rec->oversized || rec->invalid) d->skipped++;
  if (d->json) {
    jsonl_t j;
    jsonl_begin(&j, "record");
    jsonl_record_fields(&j, rec);
    jsonl_end(&j);
  }
  return TC_OK;
}

static tc_err_t on_chunk(void *user, const tc_record_info_t *rec, const tc_chunk_t *c)
{
  decoder_t *d = user;
  d->chunks++;
  if (d->json) {
    jsonl_t j;
    jsonl_begin(&j, "chunk");
    jsonl_int(&j, "seq", (int64_t)rec->seq_num);
    jsonl_chunk_fields(&j, c);
    jsonl_end(&j);
  } else if (c->type == TC_CHUNK_TEXT_DELTA && c->delta.len) {
    fwrite(c->delta.ptr, 1, c->delta.len, stdout);
    d->mid_line = c->delta.ptr[c->delta.len - 1] != '\n';
  }
  return TC_OK;
}

static tc_err_t on_control(void *user, const tc_record_info_t *rec, const tc_control_t *ctl)
{
  decoder_t *d = user;
  if (ctl->kind == TC_CTRL_TURN_COMPLETE) d->turns++;
  if (d->json) {
    jsonl_t j;
    jsonl_begin(&j, "control");
    jsonl_int(&j, "seq", (int64_t)rec->seq_num);
    jsonl_control_fields(&j, ctl);
    jsonl_end(&j);
  } else if (ctl->kind == TC_CTRL_TURN_COMPLETE && d->mid_line) {
    fputc('\n', stdout);
    d->mid_line = false;
  }
  return TC_OK;
}

static tc_err_t on_event(void *user, tc_out_event_t ev, tc_slice_t text)
{
  static const char *const names[] = { "batch-end", "ping", "done", "error" };
  decoder_t *d = user;
  if (d->json && ev != TC_OUT_EV_BATCH_END) {
    jsonl_t j;
    jsonl_begin(&j, names[ev]);
    if (ev == TC_OUT_EV_ERROR) jsonl_str(&j, "text", text);
    jsonl_end(&j);
  }
  return TC_OK;
}

static const tc_outstream_cb_t k_out_cb = { on_record, on_chunk, on_control, on_event };

static tc_err_t on_http_body(void *user, const char *p, size_t n)
{
  decoder_t *d = user;
  return tc_outstream_feed(&d->out, p, n);
}

static const tc_http_resp_cb_t k_http_cb = { NULL, NULL, on_http_body, NULL };

int tchat_decode(const char *path, bool json)
{
  static decoder_t d; /* ~4 KB: keep it off the stack */
  static char block[64 * 1024];
  FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
  if (f == NULL) {
    fprintf(stderr, "tchat: cannot open %s\n", path);
    return TCHAT_EXIT_USAGE;
  }
  memset(&d, 0, sizeof d);
  d.json = json;
  tc_outstream_init(&d.out, d.bufs.record, sizeof d.bufs.record, &k_out_cb, &d);

  bool first = true, via_http = false;
  tc_err_t err = TC_OK;
  size_t n;
  while (err == TC_OK && (n = fread(block, 1, sizeof block, f)) > 0) {
    if (first) {
      via_http = n >= 7 && memcmp(block, "HTTP/1.", 7) == 0;
      if (via_http) tc_http_resp_init(&d.http, d.line, sizeof d.line, false, &k_http_cb, &d);
      first = false;
    }
    if (via_http) {
      size_t used = 0;
      err = tc_http_resp_feed(&d.http, block, n, &used);
    } else {
      err = tc_outstream_feed(&d.out, block, n);
    }
  }
  bool unreadable = ferror(f) != 0; /* e.g. a directory: not an empty capture */
  if (err == TC_OK && via_http) err = tc_http_resp_eof(&d.http);
  if (f != stdin) fclose(f);
  if (unreadable) {
    fprintf(stderr, "tchat: cannot read %s\n", path);
    return TCHAT_EXIT_USAGE;
  }
  if (d.mid_line) fputc('\n', stdout);
  fflush(stdout);

  uint64_t cursor = 0;
  bool have = tc_outstream_cursor(&d.out, &cursor);
  fprintf(stderr, "tchat: %lu records, %lu chunks, %lu turns, %lu skipped, cursor %s%llu%s\n",
          d.records, d.chunks, d.turns, d.skipped, have ? "" : "(none) ", (unsigned long long)cursor,
          tc_outstream_idle(&d.out) ? "" : ", capture ends mid-event");
  if (err != TC_OK) {
    fprintf(stderr, "tchat: decode error: %s (%s)\n", tc_strerror(err), tc_errname(err));
    return TCHAT_EXIT_PROTOCOL;
  }
  return TCHAT_EXIT_OK;
}

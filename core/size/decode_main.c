/*
 * decode_main.c — the `.out` decode path as an application links it, for
 * `make size-decode` (core/size_decode.mk): an HTTP response parser whose
 * on_body feeds tc_outstream_feed, with callbacks that use the results.
 * Linked with --gc-sections against all of core/, so only what this path
 * reaches is counted (compare with empty_main.c).
 */
#include "tc_http.h"
#include "tc_outstream.h"

char g_in[64]; /* not static: the compiler cannot know what arrives */
size_t g_sink;

static tc_outstream_t g_out;
static tc_http_resp_t g_resp;
static char g_rec[TC_OUT_RECORD_MAX];
static char g_line[TC_HTTP_LINE_MAX];

static tc_err_t on_body(void *user, const char *p, size_t n)
{
  (void)user;
  return tc_outstream_feed(&g_out, p, n);
}

static tc_err_t on_chunk(void *user, const tc_record_info_t *r, const tc_chunk_t *c)
{
  (void)user;
  g_sink += r->seq_num + c->delta.len + (size_t)c->type;
  return TC_OK;
}

static tc_err_t on_control(void *user, const tc_record_info_t *r, const tc_control_t *c)
{
  (void)user;
  g_sink += r->seq_num + (size_t)c->kind;
  return TC_OK;
}

static const tc_outstream_cb_t out_cb = { NULL, on_chunk, on_control, NULL };
static const tc_http_resp_cb_t http_cb = { NULL, NULL, on_body, NULL };

int main(void);
int main(void)
{
  size_t used;
  tc_outstream_init(&g_out, g_rec, sizeof g_rec, &out_cb, NULL);
  tc_http_resp_init(&g_resp, g_line, sizeof g_line, false, &http_cb, NULL);
  return (int)tc_http_resp_feed(&g_resp, g_in, sizeof g_in, &used);
}

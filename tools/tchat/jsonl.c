/* jsonl.c — JSON-lines output for tchat. */
#include <stdio.h>

#include "jsonl.h"
#include "tc_json.h"

static void key(jsonl_t *j, const char *k)
{
  if (!j->first) tc_buf_put(&j->b, ",", 1);
  j->first = false;
  tc_json_put_cstr(&j->b, k);
  tc_buf_put(&j->b, ":", 1);
}

void jsonl_begin(jsonl_t *j, const char *type)
{
  j->b = tc_buf_make(j->mem, sizeof j->mem - 32); /* room to close a truncated line */
  j->first = true;
  tc_buf_put(&j->b, "{", 1);
  jsonl_cstr(j, "type", type);
}

void jsonl_str(jsonl_t *j, const char *k, tc_slice_t v)
{
  if (!tc_slice_present(v)) return;
  key(j, k);
  tc_json_put_str(&j->b, v);
}

void jsonl_cstr(jsonl_t *j, const char *k, const char *v)
{
  key(j, k);
  tc_json_put_cstr(&j->b, v);
}

void jsonl_raw(jsonl_t *j, const char *k, tc_slice_t json)
{
  if (!tc_slice_present(json)) return;
  key(j, k);
  tc_buf_put(&j->b, json.ptr, json.len);
}

void jsonl_int(jsonl_t *j, const char *k, int64_t v)
{
  key(j, k);
  tc_buf_put_i64(&j->b, v);
}

void jsonl_bool(jsonl_t *j, const char *k, bool v)
{
  key(j, k);
  tc_buf_puts(&j->b, v ? "true" : "false");
}

void jsonl_end(jsonl_t *j)
{
  if (j->b.overflow) {
    /* Cut at the last complete member and say so. */
    j->b.cap = sizeof j->mem;
    j->b.overflow = false;
    while (j->b.len > 1 && j->b.ptr[j->b.len - 1] != ',') j->b.len--;
    if (j->b.len > 1) j->b.len--;
    tc_buf_puts(&j->b, ",\"truncated\":true");
  }
  tc_buf_put(&j->b, "}\n", 2);
  fwrite(j->b.ptr, 1, j->b.len, stdout);
}

void jsonl_chunk_fields(jsonl_t *j, const tc_chunk_t *c)
{
  jsonl_str(j, "chunk", c->type_name);
  jsonl_str(j, "id", c->id);
  jsonl_str(j, "delta", c->delta);
  jsonl_str(j, "messageId", c->message_id);
  jsonl_str(j, "toolCallId", c->tool_call_id);
  jsonl_str(j, "toolName", c->tool_name);
  jsonl_str(j, "approvalId", c->approval_id);
  jsonl_str(j, "errorText", c->error_text);
  jsonl_str(j, "finishReason", c->finish_reason);
  jsonl_str(j, "reason", c->reason);
  jsonl_str(j, "title", c->title);
  jsonl_str(j, "sourceId", c->source_id);
  jsonl_str(j, "url", c->url);
  jsonl_str(j, "mediaType", c->media_type);
  jsonl_str(j, "filename", c->filename);
  jsonl_raw(j, "input", c->input);
  jsonl_raw(j, "output", c->output);
  jsonl_raw(j, "data", c->data);
  jsonl_raw(j, "messageMetadata", c->message_metadata);
  if (c->type == TC_CHUNK_UNKNOWN) jsonl_raw(j, "raw", c->raw);
  if (c->transient) jsonl_bool(j, "transient", true);
  if (c->fragment) jsonl_bool(j, "fragmentMore", c->fragment_more);
}

void jsonl_record_fields(jsonl_t *j, const tc_record_info_t *r)
{
  static const char *const kinds[] = { "data", "control", "command" };
  jsonl_int(j, "seq", (int64_t)r->seq_num);
  jsonl_cstr(j, "kind", kinds[r->kind]);
  if (r->timestamp >= 0) jsonl_int(j, "timestamp", r->timestamp);
  if (r->duplicate) jsonl_bool(j, "duplicate", true);
  if (r->oversized) jsonl_bool(j, "oversized", true);
  if (r->invalid) jsonl_bool(j, "invalid", true);
  if (r->oversized || r->invalid) jsonl_cstr(j, "error", tc_errname(r->error));
}

void jsonl_control_fields(jsonl_t *j, const tc_control_t *c)
{
  jsonl_str(j, "control", c->name);
  if (c->session_in_event_id >= 0) jsonl_int(j, "sessionInEventId", c->session_in_event_id);
  if (c->session_in_consumed_id >= 0) jsonl_int(j, "sessionInConsumedId", c->session_in_consumed_id);
  /* Never the token itself: only that one came. */
  jsonl_bool(j, "token", tc_slice_present(c->public_access_token) && c->public_access_token.len > 0);
  if (c->session_closed) jsonl_bool(j, "sessionClosed", true);
  jsonl_str(j, "closedReason", c->session_closed_reason);
  if (c->legacy) jsonl_bool(j, "legacy", true);
}

/*
 * jsonl.h — tchat's --json output: one JSON object per line on stdout.
 * Strings are escaped with the library's own writer (tc_json_put_str).
 * Tokens are never printed: callers print only whether one was present.
 */
#ifndef TCHAT_JSONL_H
#define TCHAT_JSONL_H

#include "tc_chunk.h"
#include "tc_outstream.h"
#include "tc_types.h"

typedef struct jsonl {
  tc_buf_t b;
  char mem[8192];
  bool first;
} jsonl_t;

void jsonl_begin(jsonl_t *j, const char *type);
void jsonl_str(jsonl_t *j, const char *key, tc_slice_t v); /* skipped when absent */
void jsonl_cstr(jsonl_t *j, const char *key, const char *v);
void jsonl_raw(jsonl_t *j, const char *key, tc_slice_t json); /* skipped when absent */
void jsonl_int(jsonl_t *j, const char *key, int64_t v);
void jsonl_bool(jsonl_t *j, const char *key, bool v);
/* Writes the line (a truncated line is closed and flagged "truncated":true). */
void jsonl_end(jsonl_t *j);

/* The fields of a chunk / record / control record, shared by --decode and live mode. */
void jsonl_chunk_fields(jsonl_t *j, const tc_chunk_t *c);
void jsonl_record_fields(jsonl_t *j, const tc_record_info_t *r);
void jsonl_control_fields(jsonl_t *j, const tc_control_t *c);

#endif

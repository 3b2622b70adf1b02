/*
 * tc_chunk.h — a typed view of one UIMessageChunk (protocol.md §5.5).
 *
 * tc_chunk_parse() reads one chunk object (the `data` value of a `.out` data
 * record) with a top-level member scanner (no token array; nested values are
 * validated and kept as raw spans) and fills a tc_chunk_t whose fields are
 * slices into the same memory. String fields are JSON-unescaped in place (an
 * unescaped string is never longer than its escaped form), so the memory must
 * be writable and `raw` is only guaranteed intact for TC_CHUNK_UNKNOWN (unless
 * its `type` string itself has escapes). JSON-valued fields (input, output,
 * data, message_metadata) are raw JSON text, not unescaped. Unknown extra keys
 * are ignored ("loose" objects); a known key spelled with escapes is not
 * recognised; a known string or boolean field that is null counts as absent;
 * for duplicate keys the last wins. An unknown `type` is TC_CHUNK_UNKNOWN
 * with only `type_name` and `raw` set: it passes through.
 */
#ifndef TC_CHUNK_H
#define TC_CHUNK_H

#include "tc_config.h"
#include "tc_types.h"

#define TC_CHUNK_TYPES(X) \
  X(TC_CHUNK_UNKNOWN,               "") \
  X(TC_CHUNK_START,                 "start") \
  X(TC_CHUNK_START_STEP,            "start-step") \
  X(TC_CHUNK_TEXT_START,            "text-start") \
  X(TC_CHUNK_TEXT_DELTA,            "text-delta") \
  X(TC_CHUNK_TEXT_END,              "text-end") \
  X(TC_CHUNK_REASONING_START,       "reasoning-start") \
  X(TC_CHUNK_REASONING_DELTA,       "reasoning-delta") \
  X(TC_CHUNK_REASONING_END,         "reasoning-end") \
  X(TC_CHUNK_TOOL_INPUT_START,      "tool-input-start") \
  X(TC_CHUNK_TOOL_INPUT_DELTA,      "tool-input-delta") \
  X(TC_CHUNK_TOOL_INPUT_AVAILABLE,  "tool-input-available") \
  X(TC_CHUNK_TOOL_INPUT_ERROR,      "tool-input-error") \
  X(TC_CHUNK_TOOL_OUTPUT_AVAILABLE, "tool-output-available") \
  X(TC_CHUNK_TOOL_OUTPUT_ERROR,     "tool-output-error") \
  X(TC_CHUNK_TOOL_APPROVAL_REQUEST, "tool-approval-request") \
  X(TC_CHUNK_TOOL_OUTPUT_DENIED,    "tool-output-denied") \
  X(TC_CHUNK_SOURCE_URL,            "source-url") \
  X(TC_CHUNK_SOURCE_DOCUMENT,       "source-document") \
  X(TC_CHUNK_FILE,                  "file") \
  X(TC_CHUNK_DATA,                  "data-*") \
  X(TC_CHUNK_MESSAGE_METADATA,      "message-metadata") \
  X(TC_CHUNK_FINISH_STEP,           "finish-step") \
  X(TC_CHUNK_FINISH,                "finish") \
  X(TC_CHUNK_ERROR,                 "error") \
  X(TC_CHUNK_ABORT,                 "abort") \
  X(TC_CHUNK_TRIGGER,               "trigger:*")

typedef enum tc_chunk_type {
#define TC_CHUNK_ENUM_(name, str) name,
  TC_CHUNK_TYPES(TC_CHUNK_ENUM_)
#undef TC_CHUNK_ENUM_
  TC_CHUNK_TYPE_COUNT_
} tc_chunk_type_t;

/* The wire name of a type ("data-*" and "trigger:*" for the families, "" for unknown). */
const char *tc_chunk_type_name(tc_chunk_type_t t);

typedef struct tc_chunk {
  tc_chunk_type_t type;
  tc_slice_t type_name;        /* the `type` string as sent, e.g. "data-weather" */
  tc_slice_t raw;              /* the whole chunk object (see the contract above) */

  /* Strings (unescaped UTF-8). Absent fields are TC_SLICE_NULL. */
  tc_slice_t id;               /* text-*, reasoning-*, data-* */
  tc_slice_t delta;            /* text-delta, reasoning-delta; tool-input-delta's inputTextDelta */
  tc_slice_t message_id;       /* start */
  tc_slice_t tool_call_id;     /* tool-* */
  tc_slice_t tool_name;        /* tool-input-* */
  tc_slice_t approval_id;      /* tool-approval-request */
  tc_slice_t error_text;       /* error, tool-input-error, tool-output-error */
  tc_slice_t finish_reason;    /* finish */
  tc_slice_t reason;           /* abort */
  tc_slice_t title;            /* tool-input-*, source-* */
  tc_slice_t source_id;        /* source-* */
  tc_slice_t url;              /* source-url, file */
  tc_slice_t media_type;       /* source-document, file */
  tc_slice_t filename;         /* source-document */
  tc_slice_t public_access_token; /* legacy trigger:turn-complete's publicAccessToken */

  /* Raw JSON values (not unescaped). */
  tc_slice_t input;            /* tool-input-available, tool-input-error */
  tc_slice_t output;           /* tool-output-available */
  tc_slice_t data;             /* data-* */
  tc_slice_t message_metadata; /* start, finish, message-metadata */

  /* Booleans: false when absent. */
  bool transient;              /* data-* */
  bool dynamic;                /* tool-* */
  bool provider_executed;      /* tool-* */
  bool preliminary;            /* tool-output-available */

  /* Set by the outstream when a long text/reasoning delta is delivered in
   * pieces: every piece but the last has `fragment_more` set. */
  bool fragment;
  bool fragment_more;
} tc_chunk_t;

/* Parses the chunk object json[0..len) (writable: strings are unescaped in
 * place). Returns TC_OK, TC_ERR_JSON_SYNTAX (not one JSON object),
 * TC_ERR_JSON_DEPTH (nested deeper than TC_JSON_DEPTH_MAX), TC_ERR_CHUNK_TYPE
 * (no string `type`), TC_ERR_JSON_TYPE (a known field of the wrong JSON
 * type), or the string errors of tc_json.h. No token limit applies. */
tc_err_t tc_chunk_parse(char *json, size_t len, tc_chunk_t *out);

#endif /* TC_CHUNK_H */

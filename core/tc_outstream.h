/*
 * tc_outstream.h — decodes the body of GET .out (protocol.md §5.1-§5.5) into
 * records, control signals and typed chunks.
 *
 * Input: the de-chunked HTTP body, in any pieces. Inside: a tc_sse_t, then a
 * streaming scanner over each `batch` event's data line (the line is never
 * buffered whole: it can exceed 1 MiB), then per record its headers and its
 * unescaped body in the caller's record buffer, then tc_chunk_parse. (With
 * TC_DECODE_FAST, a data record whose body is whole in the piece at hand is
 * parsed in one pass from its escaped text instead; same results.)
 *
 *   event: batch   data {"records":[{seq_num,timestamp,headers?,body?}...],"tail"?}
 *   event: ping    data {"timestamp":..,"tail"?}   -> on_event(TC_OUT_EV_PING)
 *   event: error   data <text>                     -> on_event(TC_OUT_EV_ERROR)
 *   data: [DONE]                                   -> on_event(TC_OUT_EV_DONE)
 *
 * Events: the kind of an event is taken from its `event:` line as it stands
 * when the first data line arrives (S2 writes `event:` first). A batch with
 * an empty data field is ignored; batch data that is not one JSON object is
 * TC_ERR_JSON_SYNTAX (4.8.3 ignores it; a decoder that cannot resync treats
 * it as a dropped connection). Any other event type is ignored.
 *
 * Record kinds (§5.2): a first header named "" (["","trim"]) is an S2
 * command record: it only moves the cursor. A `trigger-control` header makes a
 * control record (turn-complete, upgrade-required, pending-version,
 * session-closed; the sibling headers captured; for each name the first
 * occurrence wins, like 4.8.3's headerValue). Anything else is a data record
 * whose body is the JSON string {"data":<chunk>,"id":"<envelope id>"}; the
 * chunk is parsed with tc_chunk_parse. A data chunk of type
 * "trigger:turn-complete" or "trigger:upgrade-required" (the legacy shape,
 * §5.3) is reported as a control record with `legacy` set (its
 * session_in_event_id stays -1: 4.8.3 reads that only from headers); any
 * other "trigger:*" chunk is dropped (on_record only). `data` given as a JSON
 * string (the .in shape) is parsed from that string. "body": null is taken
 * as an absent body; a non-integer timestamp as -1.
 *
 * Cursor: tc_outstream_cursor() is the seq_num of the last record seen, of any
 * kind (duplicates, commands and oversized records included); it moves before
 * the record's callback runs, except for a record delivered in fragments
 * (below): it moves past that one when it is whole (before the last
 * fragment, or the second on_record of a record found invalid), so that a
 * connection lost in the middle resumes with the whole record. seq_num must be a non-negative integer and must
 * increase within a connection (TC_ERR_SEQ_NUM / TC_ERR_SEQ_ORDER, fatal for
 * the connection: the caller reconnects from the cursor). A records[] element
 * that is not an object, or a record without seq_num, is TC_ERR_SEQ_NUM.
 *
 * Duplicates: a data record whose envelope id was seen among the last
 * TC_OUT_DEDUPE_IDS ids of this connection is not delivered (on_record still
 * reports it with `duplicate`).
 *
 * Bounds: a record whose headers and body do not fit the record buffer never
 * desynchronises the stream. Only the known headers' values and a data
 * record's body are stored. A text-delta or reasoning-delta of any length is
 * delivered as several chunks of the same type and id, each cut on a UTF-8
 * code point boundary (chunk.fragment / fragment_more, chunk.raw absent).
 * This needs the body's usual key order ({"data":{"type":..,"id":..,
 * "delta":"... as the SDK writes it), seq_num before body, and the prefix up
 * to the delta inside the buffer; otherwise the record is oversized. For such
 * a record on_record runs once, when the first fragment is ready, with
 * `fragmented` set (no envelope id: it comes after the delta, so the record
 * is not deduplicated); if the delta, or what follows it in the body, turns
 * out malformed after fragments went out, on_record runs a second time for
 * the same seq_num with `invalid` set and no further fragment follows (what
 * follows the delta is checked when it fits the record buffer after the
 * prefix; the last fragment, sent after that check, is then empty). Any
 * other oversized record is skipped and reported with `oversized` set, and the cursor moves past it; an oversized control record
 * is still delivered to on_control, the headers that did not fit absent (a
 * turn must still end when its token is too long): until a record is known
 * to be control, a header that finds no room makes the header values (and
 * body) kept before it give way.
 *
 * Errors: malformed JSON, bad escapes, bad UTF-8 and the like inside one
 * record (or a known field of the wrong JSON type, e.g. a header pair that is
 * not two strings: TC_ERR_JSON_TYPE) make that record `invalid` (reported
 * through on_record with its error) when the batch framing is still intact;
 * the stream continues. Damage to the batch framing itself (JSON syntax
 * outside the record strings, nesting deeper than TC_JSON_DEPTH_MAX, an
 * event that ends inside the batch: TC_ERR_RECORD_TRUNCATED) is returned by
 * tc_outstream_feed and ends the connection. Member keys spelled with escapes
 * are not recognised (S2 never writes them).
 */
#ifndef TC_OUTSTREAM_H
#define TC_OUTSTREAM_H

#include "tc_chunk.h"
#include "tc_config.h"
#include "tc_json.h"
#include "tc_sse.h"
#include "tc_types.h"

typedef enum tc_record_kind {
  TC_REC_DATA = 0,
  TC_REC_CONTROL,
  TC_REC_COMMAND
} tc_record_kind_t;

typedef struct tc_record_info {
  uint64_t seq_num;
  int64_t timestamp;          /* ms since the epoch; -1 if absent */
  tc_record_kind_t kind;
  tc_slice_t envelope_id;     /* data records: the envelope `id` */
  bool duplicate;             /* data record with an envelope id already seen */
  bool oversized;             /* skipped: larger than the record buffer */
  bool invalid;               /* skipped: bad JSON / escape / UTF-8 inside */
  tc_err_t error;             /* why, when oversized or invalid */
  bool fragmented;            /* a long delta: its text follows in fragments;
                                 the record is whole with the last one (or a
                                 second on_record that reports it invalid) */
} tc_record_info_t;

typedef enum tc_control_kind {
  TC_CTRL_TURN_COMPLETE = 0,
  TC_CTRL_UPGRADE_REQUIRED,
  TC_CTRL_PENDING_VERSION,
  TC_CTRL_SESSION_CLOSED,
  TC_CTRL_UNKNOWN
} tc_control_kind_t;

typedef struct tc_control {
  tc_control_kind_t kind;
  tc_slice_t name;                  /* the trigger-control value as sent */
  tc_slice_t public_access_token;   /* absent: TC_SLICE_NULL */
  int64_t session_in_event_id;      /* -1 when absent or not a number */
  int64_t session_in_consumed_id;   /* -1 when absent */
  bool session_closed;              /* session-closed: "true" */
  tc_slice_t session_closed_reason;
  bool legacy;                      /* from a trigger:turn-complete data chunk */
} tc_control_t;

typedef enum tc_out_event {
  TC_OUT_EV_BATCH_END = 0,  /* a batch event was fully processed */
  TC_OUT_EV_PING,
  TC_OUT_EV_DONE,           /* data: [DONE] — the server ends the read; EOF follows */
  TC_OUT_EV_ERROR           /* event: error — treat as a drop and resume (text given) */
} tc_out_event_t;

/* Callbacks; any may be NULL. Returning non-TC_OK stops tc_outstream_feed,
 * which returns that code (the decoder must then be re-initialised). Slices
 * are valid during the call only. */
typedef struct tc_outstream_cb {
  tc_err_t (*on_record)(void *user, const tc_record_info_t *rec);  /* every record, first */
  tc_err_t (*on_chunk)(void *user, const tc_record_info_t *rec, const tc_chunk_t *chunk);
  tc_err_t (*on_control)(void *user, const tc_record_info_t *rec, const tc_control_t *ctl);
  tc_err_t (*on_event)(void *user, tc_out_event_t ev, tc_slice_t text); /* text: error events */
} tc_outstream_cb_t;

/* The default record buffer, for callers that want one struct to place. */
typedef struct tc_outstream_bufs {
  char record[TC_OUT_RECORD_MAX];
} tc_outstream_bufs_t;

/* Known record headers kept per record (private). */
#define TC_OUT_HDRS_ 6

typedef struct tc_outstream {
  /* ---- private; sized for the RAM budget in the README */
  tc_sse_t sse;
  const tc_outstream_cb_t *cb;
  void *user;
  char *rec;                   /* caller's record buffer */
  size_t rec_cap;
  size_t rec_len;
  uint64_t cursor;
  bool have_cursor;
  bool have_seq_this_conn;
  uint64_t last_seq_this_conn;
  uint32_t dedupe[TC_OUT_DEDUPE_IDS];  /* hashes (FNV-1a) of recent envelope ids */
  uint8_t dedupe_next;
  uint8_t dedupe_count;
  /* ---- batch scanner (a streaming JSON pushdown scanner, see outstream.c) */
  uint8_t ev;                  /* kind of the current SSE event */
  uint8_t st;                  /* scanner state */
  uint8_t depth;               /* container depth */
  uint8_t skip;                /* depth of the container being skipped, 0: none */
  uint32_t stack;              /* bit i: container at depth i+1 is an array */
  uint8_t key;                 /* known key of the current member */
  uint8_t sink;                /* where string bytes go */
  uint8_t strrole;             /* what the current string is */
  uint8_t sub;                 /* number / literal sub-state */
  bool esc;                    /* skipping a string: the next byte is escaped */
  bool num_ok;                 /* the number is a plain non-negative integer */
  uint8_t keylen;
  char keybuf[10];             /* member key */
  uint8_t hidx;                /* element index inside a header pair */
  uint8_t hname;               /* which known header the current pair names */
  uint16_t rflags;             /* record flags */
  tc_err_t rerr;               /* why the record is invalid / oversized */
  uint64_t num;                /* number being read */
  uint64_t seq;
  int64_t ts;
  uint32_t str_start;          /* where the current stored string began in rec */
  uint32_t body_off, body_len;
  uint32_t h_off[TC_OUT_HDRS_], h_len[TC_OUT_HDRS_];
  /* long text/reasoning delta being delivered in fragments */
  uint32_t d_type_off, d_id_off, d_text;
  uint8_t d_type_len;
  uint16_t d_id_len;
  uint32_t d_end;              /* end of the fragment text in rec */
  tc_json_unesc_t unesc;       /* the record string (headers, body) */
  tc_json_unesc_t unesc2;      /* the delta inside a long body */
  char err_text[TC_OUT_ERROR_TEXT_MAX]; /* text of an error (or `message`) event */
  uint8_t err_len;
} tc_outstream_t;

/* Prepares a decoder for a new connection. The cursor starts unset unless
 * tc_outstream_set_cursor is called (it survives reconnects only through the
 * caller). `rec_buf` is the caller's record buffer (at most 2 GiB used; at
 * least ~100 bytes for long deltas to be fragmented; NULL with rec_cap 0:
 * every record with something to keep is then oversized). */
void tc_outstream_init(tc_outstream_t *o, char *rec_buf, size_t rec_cap,
                       const tc_outstream_cb_t *cb, void *user);

/* Seeds the cursor (e.g. with the Last-Event-ID the request carried). */
void tc_outstream_set_cursor(tc_outstream_t *o, uint64_t seq);

/* Feeds body bytes (any split). Returns TC_OK, a framing error, or the first
 * callback error. */
tc_err_t tc_outstream_feed(tc_outstream_t *o, const char *p, size_t n);

/* True and *seq set once any record has been seen (or a cursor seeded). */
bool tc_outstream_cursor(const tc_outstream_t *o, uint64_t *seq);

/* True when the stream is between events (an EOF here loses nothing). */
bool tc_outstream_idle(const tc_outstream_t *o);

#endif /* TC_OUTSTREAM_H */

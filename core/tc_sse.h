/*
 * tc_sse.h — the WHATWG event-stream parser ("server-sent events"), streaming.
 *
 * Implements https://html.spec.whatwg.org/multipage/server-sent-events.html
 * #event-stream-interpretation without buffering data: the value of each
 * `data:` line reaches on_data as it arrives, in pieces, and a second `data:`
 * line of the same event is announced by an on_data("\n", 1) before its value
 * (the spec joins data lines with LF). No line ever has to fit in a buffer.
 *
 * Handled: an optional UTF-8 BOM at the very start; LF, CR and CRLF line ends,
 * including a CR at the end of one feed and the LF at the start of the next;
 * comment lines (":"); a field with no colon (the whole line is the name, the
 * value empty); one optional space after the colon; `event`, `data`, `id`
 * (ignored when it holds NUL), `retry` (ASCII digits only, else ignored);
 * unknown fields ignored; dispatch on a blank line. As the spec says, an event
 * whose data buffer is empty is not dispatched (on_discard tells the next
 * layer), and the event type resets either way.
 *
 * Bounded state only: the event type (TC_SSE_EVENT_MAX bytes, longer values
 * kept truncated with event_truncated set), the last event id (its length is
 * bounded by the caller's id buffer; longer ids are truncated and flagged).
 *
 * Never allocates, never copies data values, never calls a callback with
 * n == 0. Bytes are passed through as they are (no UTF-8 decoding: invalid
 * UTF-8 is the next layer's concern). `retry` values beyond UINT64_MAX
 * saturate; an empty `retry` value is ignored.
 */
#ifndef TC_SSE_H
#define TC_SSE_H

#include "tc_config.h"
#include "tc_types.h"

typedef struct tc_sse tc_sse_t;

/* Callbacks; on_data and on_dispatch are required, the rest may be NULL.
 * A callback returning non-TC_OK stops tc_sse_feed, which returns that code. */
typedef struct tc_sse_cb {
  /* A piece of the current event's data (n > 0, valid during the call). The
   * first piece of an event comes with sse->data_started just set; a data
   * line with an empty value produces no piece (only its "\n" separator when
   * it is not the first). sse->event holds the type seen so far. */
  tc_err_t (*on_data)(void *user, const tc_sse_t *sse, const char *p, size_t n);
  /* A blank line ended an event that had at least one data line. */
  tc_err_t (*on_dispatch)(void *user, const tc_sse_t *sse);
  /* A blank line ended an event without data (nothing to dispatch). */
  tc_err_t (*on_discard)(void *user, const tc_sse_t *sse);
  /* An `id:` field was accepted (value without NUL); sse->last_id holds it. */
  tc_err_t (*on_id)(void *user, const tc_sse_t *sse);
  /* A valid `retry:` field, in milliseconds. */
  tc_err_t (*on_retry)(void *user, const tc_sse_t *sse, uint64_t ms);
} tc_sse_cb_t;

struct tc_sse {
  /* ---- private, first: read on every line, and Thumb's 16-bit byte loads
   * only reach offsets 0..31 */
  uint8_t state;
  uint8_t field;                    /* which field the current line is */
  uint8_t name_len;                 /* bytes of the name read (0: at a line start; saturates at 6) */
  char name[5];                     /* field name being read (longest known: "retry") */
  uint8_t bom_seen;                 /* bytes of the BOM matched at stream start */
  bool after_cr;                    /* the last line ended with CR: skip one LF */
  bool vbad;                        /* id: holds NUL; retry: holds a non-digit */
  bool vtrunc;                      /* id: cut to fit */

  /* ---- readable by callbacks */
  char event[TC_SSE_EVENT_MAX + 1]; /* current event type, NUL-terminated; "" = "message" */
  uint8_t event_len;
  bool event_truncated;
  bool data_started;                /* the current event has had a data line */
  char *last_id;                    /* caller's buffer; NUL-terminated */
  size_t last_id_cap;               /* bytes of last_id incl. the NUL (half of id_cap) */
  size_t last_id_len;
  bool last_id_truncated;

  /* ---- private */
  const tc_sse_cb_t *cb;
  void *user;
  char *id_base;                    /* the id buffer, used as two halves */
  size_t vlen;                      /* id: bytes kept; retry: digits seen */
  uint64_t retry_acc;
  char id_tiny[2];                  /* the "buffer" when the caller gives none */
};

/* Prepares a parser for a new stream (a new connection). `id_buf` (may be
 * NULL with id_cap 0) receives the last event id; the trigchat protocol does
 * not use it (its cursor is the record seq_num), so it may be tiny. The buffer
 * is used as two halves (an `id` line is read into one while the other keeps
 * the previous id, which an id holding NUL must leave intact), so an id keeps
 * at most id_cap / 2 - 1 bytes; last_id_cap is that half. With no buffer,
 * last_id is always "" (a non-empty id sets last_id_truncated). */
void tc_sse_init(tc_sse_t *s, char *id_buf, size_t id_cap, const tc_sse_cb_t *cb, void *user);

/* Feeds n bytes (any split). Returns TC_OK or the first callback error; after
 * an error, re-initialise before feeding again. */
tc_err_t tc_sse_feed(tc_sse_t *s, const char *p, size_t n);

/* True when the parser is between events (no partial line, no pending data):
 * an EOF here is clean. The spec discards an incomplete event at EOF. */
bool tc_sse_idle(const tc_sse_t *s);

#endif /* TC_SSE_H */

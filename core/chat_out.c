/*
 * chat_out.c — the .out subscription (protocol.md §5, §6.2, §6.5, §6.7):
 * connect with Last-Event-ID, wait 30 s for headers, read records through
 * tc_outstream, reconnect with the official jittered backoff, count stalls
 * (60 s without a decoded record) and clean EOFs (budget 5), refresh the
 * token once on 401/403 (also after a mid-stream drop, where 4.8.3 gives up),
 * correlate turn-complete records with the append's seq, and apply the stop
 * gate.
 *
 * Callbacks run inside the connection's parser, so they never close the
 * connection: they record a verdict and halt the parser (CHAT_HALT); the step
 * applies the verdict once the parser has returned.
 */
#include <string.h>

#include "chat_int.h"

/* A callback's verdict (out.verdict_err): TC_OK the subscription is done,
 * CHAT_RETRY (chat_int.h) reconnect from the cursor, OUT_EOF the read ended
 * cleanly ("[DONE]", §6.2 step 4: as an EOF, even if the connection stays
 * open), TC_ERR_AUTH refresh the token once and reconnect, any other error
 * ends the subscription with it. */
#define OUT_EOF ((tc_err_t)3) /* (positive: beside CHAT_HALT 1, CHAT_RETRY 2) */

static tc_err_t on_headers(void *user, const tc_http_resp_t *r);
static tc_err_t on_body(void *user, const char *p, size_t n);
static tc_err_t on_record(void *user, const tc_record_info_t *rec);
static tc_err_t on_chunk(void *user, const tc_record_info_t *rec, const tc_chunk_t *ch);
static tc_err_t on_control(void *user, const tc_record_info_t *rec, const tc_control_t *ctl);
static tc_err_t on_event(void *user, tc_out_event_t ev, tc_slice_t text);

static const tc_http_resp_cb_t http_cb = { NULL, on_headers, on_body, NULL };
static const tc_outstream_cb_t stream_cb = { on_record, on_chunk, on_control, on_event };

uint32_t chat_backoff(const tc_chat_t *c, uint32_t base, uint32_t n)
{
  uint8_t r[2]; /* U = r / 65536 */
  uint32_t d = base, cap = or_default(c->cfg->backoff.max_ms, CHAT_RETRY_MAX_MS);
  while (n-- > 1 && d < cap) d *= 2;
  if (d > cap) d = cap;
  c->cfg->random(c->cfg->random_ctx, r, sizeof r);
  return d - (uint32_t)(((uint64_t)d * ((uint32_t)r[0] | (uint32_t)r[1] << 8)) >> 17);
}

void chat_out_close(tc_chat_t *c)
{
  chat_conn_close(&c->oc);
  c->out.phase = O_OFF;
}

void chat_out_open(tc_chat_t *c, bool peek, bool resumed)
{
  chat_out_close(c);
  /* (the fields from frag_shown on, last in .out, are kept: what a record in
   * fragments showed outlives the subscription; the next one starts from
   * the cursor, before that record, and delivers it again) */
  memset(&c->out, 0, (size_t)((char *)&c->out.frag_shown - (char *)&c->out));
  c->out.has_since = c->has_in_seq;
  c->out.since_in_seq = c->in_seq;
  c->out.peek = peek;
  c->out.resumed = resumed;
  c->out.phase = O_WAIT;
  c->out.at = CHAT_NOW(c);
}

static void out_fail(tc_chat_t *c, tc_err_t err, int status)
{
  chat_out_close(c);
  if (c->streaming == 1) {
    c->late = true; /* the rest of this turn comes before the next one's (ev.late) */
    chat_end_turn(c);
  }
  chat_emit_simple(c, TC_CHAT_EV_STREAM_ERROR, TC_CHAT_SRC_NONE, err, status);
}

enum { R_DROP = 0, R_STALL, R_EOF };

/* Back off and reopen from the cursor. A drop, an error status or a header
 * timeout (R_DROP) retries forever; stalls at most stall_retries times
 * (watch: forever). R_EOF: the response ended cleanly without a
 * turn-complete (§6.2 step 4): resubscribe within the EOF budget while a turn
 * streams (watch: always). */
static void out_again(tc_chat_t *c, uint8_t why)
{
  const tc_chat_backoff_t *b = &c->cfg->backoff;
  bool watch = c->cfg->watch;
  uint32_t base, n;
  chat_out_close(c);
  /* (an EOF comes after this response's headers, which set settled) */
  if (why == R_EOF && (c->out.settled || c->closed)) { /* terminal (§5.6): nothing is streaming */
    if (c->streaming != 0) chat_end_turn(c);
    return;
  }
  if (c->closed) return;
  if (why == R_EOF) {
    if (!watch && c->streaming != 1) return;
    if (!watch && c->out.eof_count >= or_default(b->eof_budget, CHAT_EOF_BUDGET)) {
      out_fail(c, TC_ERR_RECONNECT_BUDGET, 0);
      return;
    }
    n = ++c->out.eof_count;
    base = or_default(b->eof_base_ms, CHAT_EOF_BASE_MS);
  } else {
    if (why == R_STALL && ++c->out.stall_count > or_default(b->stall_retries, CHAT_STALL_RETRIES) && !watch) {
      out_fail(c, TC_ERR_STALLED, 0);
      return;
    }
    n = ++c->out.retry_count;
    base = or_default(b->base_ms, watch ? CHAT_WATCH_RETRY_BASE_MS : CHAT_RETRY_BASE_MS);
  }
  c->out.phase = O_WAIT;
  c->out.at = CHAT_NOW(c) + chat_backoff(c, base, n);
}

static void out_connect(tc_chat_t *c)
{
  tc_url_t u;
  tc_err_t err = chat_req_head(c, TC_CHAT_EP_OUT, NULL, c->rec_buf, c->rec_cap, NULL, 0, &u);
  if (err != TC_OK) {
    out_fail(c, err, 0);
    return;
  }
  err = chat_conn_start(&c->oc, &u, c->out_line, c->out_line_cap, &http_cb, c);
  if (err != TC_OK) {
    out_again(c, R_DROP);
    return;
  }
  c->out.phase = O_CONNECT;
  c->out.at = CHAT_NOW(c) + or_default(c->cfg->backoff.header_ms, CHAT_HEADER_MS);
}

void chat_out_auth_done(tc_chat_t *c, tc_err_t err)
{
  if (c->out.phase != O_AUTH) return;
  if (err != TC_OK) {
    out_fail(c, TC_ERR_AUTH, 0);
    return;
  }
  c->out.phase = O_WAIT;
  c->out.at = CHAT_NOW(c);
}

static void apply_verdict(tc_chat_t *c)
{
  tc_err_t err = c->out.verdict_err;
  chat_out_close(c);
  if (err == CHAT_RETRY) {
    out_again(c, R_DROP);
  } else if (err == OUT_EOF) {
    out_again(c, R_EOF);
  } else if (err == TC_ERR_AUTH && !c->out.auth_refreshed) {
    c->out.auth_refreshed = true;
    c->out.phase = O_AUTH;
    chat_need_auth(c, false);
  } else if (err != TC_OK) {
    out_fail(c, err, c->out.verdict_status);
  }
}

static bool out_pump(tc_chat_t *c)
{
  tc_err_t err;
  chat_pump_t r = chat_conn_pump(&c->oc, &err);
  if (r == PUMP_BLOCKED) return c->oc.more; /* stopped by the read bound: progress */
  if (r == PUMP_FAILED && err == CHAT_HALT) {
    apply_verdict(c);
    return true;
  }
  out_again(c, r == PUMP_DONE && c->out.phase == O_BODY ? R_EOF : R_DROP); /* network or framing error: resume from the cursor */
  /* A batch the decoder cannot get past (its errors, -40..-54) comes again
   * from the same cursor: the retry stays (the server may mend it), and
   * the app is told of each attempt (once the retry is planned) so that it
   * can count them. */
  if (err <= TC_ERR_SSE_SYNTAX && err >= TC_ERR_CHUNK_TYPE)
    chat_emit_simple(c, TC_CHAT_EV_STREAM_DECODE_ERROR, TC_CHAT_SRC_NONE, err, 0);
  return true;
}

bool chat_out_step(tc_chat_t *c)
{
  if (!chat_out_timed(c)) return false;
  if (chat_due(c, c->out.at)) {
    /* (closed meanwhile, e.g. by an append's 409: nothing more to read,
     * §5.4; out_again ends .out then) */
    if (c->out.phase == O_WAIT && !c->closed) out_connect(c);
    else out_again(c, c->out.phase == O_BODY ? R_STALL : R_DROP); /* a stall, or no headers within 30 s */
    return true;
  }
  return c->out.phase != O_WAIT && out_pump(c);
}

/* ------------------------------------------------------------ callbacks */

static tc_err_t halt(tc_chat_t *c, tc_err_t verdict, int status)
{
  c->out.verdict_err = verdict;
  c->out.verdict_status = (int16_t)status;
  return CHAT_HALT;
}

static void connected(tc_chat_t *c)
{
  tc_chat_event_t ev;
  if (c->out.connected) return;
  c->out.connected = true;
  chat_event_init(c, &ev, TC_CHAT_EV_STREAM_CONNECTED);
  ev.resumed = c->out.resumed;
  ev.has_cursor = c->has_cursor;
  ev.cursor = c->cursor;
  chat_emit(c, &ev);
}

/* Data arrived: the stall timer starts again. */
static void alive(tc_chat_t *c)
{
  c->out.at = CHAT_NOW(c) + or_default(c->cfg->backoff.stall_ms, CHAT_STALL_MS);
}

static tc_err_t on_headers(void *user, const tc_http_resp_t *r)
{
  tc_chat_t *c = user;
  int s = r->status;
  if (s >= 200 && s < 300) {
    /* Sessions always answer v2; a missing header is taken as v2 (§2.5). */
    if (r->stream_version[0] != '\0' && strcmp(r->stream_version, "v2") != 0)
      return halt(c, TC_ERR_STREAM_VERSION, s);
    c->out.settled = r->session_settled;
    tc_outstream_init(&c->os, c->rec_buf, c->rec_cap, &stream_cb, c);
    if (c->has_cursor) tc_outstream_set_cursor(&c->os, c->cursor);
    alive(c); /* (the body's first bytes are due within stall_ms) */
    c->out.phase = O_BODY;
    connected(c);
    return TC_OK;
  }
  if (s == 400 || s == 404 || s == 409 || s == 410 || s == 422) return halt(c, TC_ERR_STREAM_GONE, s);
  if (s == 401 || s == 403) return halt(c, TC_ERR_AUTH, s);
  return halt(c, CHAT_RETRY, s); /* 5xx, 429, anything else: retry */
}

static tc_err_t on_body(void *user, const char *p, size_t n)
{
  tc_chat_t *c = user;
  return tc_outstream_feed(&c->os, p, n);
}

/* The cursor moves past a record when it is whole (a record in fragments:
 * with its last fragment, or when it turns out invalid); so do the retry
 * budgets (a record that never arrives whole must not restart them on
 * every attempt). */
static void record_done(tc_chat_t *c, uint64_t seq)
{
  c->has_cursor = true;
  c->cursor = seq;
  /* (a turn replayed after a restore passes records before the half-shown
   * one first: its progress stays until it, or a later one, is whole) */
  if (seq >= c->out.frag_seq) c->out.frag_shown = 0;
  c->out.eof_count = 0;
  c->out.stall_count = 0;
  c->out.retry_count = 0;
  c->out.auth_refreshed = false;
}

/* The first data or control record after a boundary begins a turn (4.8.3:
 * turnStart ??= the cursor before the record it surfaces; command records
 * it does not surface). A turn our send began has its start already
 * (send_effects); any other (a watched one) gets it here, so that the record
 * keeps it until the turn-complete and a restart replays the whole turn
 * (§6.1). The store may still hold an earlier cursor (a trim not yet
 * checkpointed): a replay from it is only longer. */
static void turn_begins(tc_chat_t *c, const tc_record_info_t *rec)
{
  if (c->streaming == 1 || c->mid_turn || rec->kind == TC_REC_COMMAND) return;
  c->mid_turn = true;
  c->sess.cursor = c->has_cursor ? c->cursor : 0;
  c->sess.flags = (uint8_t)((c->sess.flags & ~TC_SESS_F_CURSOR) | (c->has_cursor ? TC_SESS_F_CURSOR : 0));
}

static tc_err_t on_record(void *user, const tc_record_info_t *rec)
{
  tc_chat_t *c = user;
  turn_begins(c, rec); /* (before the cursor moves past the record) */
  if (!rec->fragmented || rec->invalid) {
    record_done(c, rec->seq_num);
  } else if (rec->seq_num >= c->out.frag_seq || c->out.frag_shown == 0) {
    /* its text follows: a first delivery, or again after a drop (a record
     * before the half-shown one, replayed after a restore, was whole
     * before: its fragments pass as they are) */
    if (c->out.frag_seq != rec->seq_num) c->out.frag_shown = 0;
    c->out.frag_seq = rec->seq_num;
    c->out.frag_pos = 0;
  }
  alive(c);
  if (rec->oversized || rec->invalid) {
    tc_chat_event_t ev;
    chat_event_init(c, &ev, TC_CHAT_EV_RECORD_SKIPPED);
    ev.err = rec->error;
    ev.seq = rec->seq_num;
    chat_emit(c, &ev);
  }
  return TC_OK;
}

static int64_t since_send(const tc_chat_t *c)
{
  return c->last_send_at ? (int64_t)(uint32_t)(CHAT_NOW(c) - c->last_send_at) : -1;
}

/* Hands one chunk (or a part of a fragment) to the app. `again`: text shown
 * before a restart, marked replayed. */
static void deliver(tc_chat_t *c, const tc_record_info_t *rec, const tc_chunk_t *ch, bool again)
{
  tc_chat_event_t ev;
  bool old = c->has_shown && rec->seq_num <= c->shown;
  if (c->gate || ch->type == TC_CHUNK_TRIGGER) return; /* §6.7 gate, §5.3 */
  chat_track_chunk(c, ch);
  if (ch->type == TC_CHUNK_START) c->late = false; /* a new answer begins */
  chat_event_init(c, &ev, TC_CHAT_EV_FIRST_CHUNK);
  ev.late = c->late;
  ev.chunk = ch;
  ev.seq = rec->seq_num;
  ev.since_send_ms = since_send(c);
  ev.replayed = again || old;
  /* (the fragments of a long delta share their record's seq_num: the mark
   * moves with the last one, or every later fragment would count as shown) */
  if (!old && !ch->fragment_more) {
    c->has_shown = true;
    c->shown = rec->seq_num;
  }
  if (!c->out.first_chunk) {
    c->out.first_chunk = true;
    chat_emit(c, &ev);
  }
  ev.type = TC_CHAT_EV_CHUNK;
  chat_emit(c, &ev);
  if (ch->type == TC_CHUNK_TEXT_DELTA) {
    ev.type = TC_CHAT_EV_TEXT;
    ev.text = ch->delta;
    chat_emit(c, &ev);
  }
}

/* A fragment covers bytes [pos, pos + n) of its record's text. Bytes below
 * frag_run were handed out since the restore (within a run: all that was
 * shown): skipped. Bytes below frag_shown but not frag_run were shown before
 * a restart: handed out again, marked replayed (a message rebuilt from the
 * replayed turn needs them; a display skips them). The rest is new.
 * Fragments are cut on code points and frag_shown is the end of one, so
 * each part starts on one. */
static void on_fragment(tc_chat_t *c, const tc_record_info_t *rec, const tc_chunk_t *ch)
{
  uint32_t n = (uint32_t)ch->delta.len, skip = 0, again = 0;
  tc_chunk_t part = *ch;
  alive(c); /* (a long record arriving slowly is not a stall) */
  if (rec->seq_num == c->out.frag_seq) {
    uint32_t pos = c->out.frag_pos, shown = c->out.frag_shown;
    uint32_t run = c->out.frag_run < shown ? c->out.frag_run : shown;
    if (run > pos) skip = run - pos < n ? run - pos : n;
    if (shown > pos) again = shown - pos < n ? shown - pos : n;
    c->out.frag_pos = pos += n;
    if (pos > run) c->out.frag_run = pos; /* (else it stays >= run) */
    if (pos > shown) c->out.frag_shown = pos;
  }
  if (!ch->fragment_more) record_done(c, rec->seq_num);
  part.delta.ptr += skip;
  part.delta.len = again - skip;
  if (again > skip) {
    part.fragment_more = ch->fragment_more || again < n;
    deliver(c, rec, &part, true);
  }
  /* the new part; an empty last one still says the text ended */
  part.delta.ptr = ch->delta.ptr + again;
  part.delta.len = n - again;
  part.fragment_more = ch->fragment_more;
  if (again < n || (!ch->fragment_more && again <= skip)) deliver(c, rec, &part, false);
}

static tc_err_t on_chunk(void *user, const tc_record_info_t *rec, const tc_chunk_t *ch)
{
  if (ch->fragment) on_fragment(user, rec, ch);
  else deliver(user, rec, ch, false);
  return TC_OK;
}

/* How a turn-complete's session-in-event-id b relates to the append's seq
 * (§6.5): < 0 an earlier input's turn, > 0 this input's (it settles it),
 * 0 unknown (no seq, or no b). */
static int vs_since(const tc_chat_t *c, int64_t b)
{
  if (!c->out.has_since || b < 0) return 0;
  return (uint64_t)b < c->out.since_in_seq ? -1 : 1;
}

/* The stop gate (§6.7 step 5): true when the record is swallowed. The
 * turn-complete that disarms it is the stopped turn's boundary: swallowed
 * too (also when it has no session-in-event-id, or the send no seq: it must
 * not end the new turn), unless it shows the new turn's output was lost. */
static bool gated(tc_chat_t *c, const tc_control_t *ctl, tc_err_t *halted)
{
  int64_t b = ctl->session_in_event_id;
  *halted = TC_OK;
  if (!c->gate || ctl->kind == TC_CTRL_SESSION_CLOSED || ctl->kind == TC_CTRL_PENDING_VERSION) return false;
  if (ctl->kind != TC_CTRL_TURN_COMPLETE) return true;
  if (b >= 0 && (uint64_t)b < c->superseded_seq) return true;
  c->gate = false;
  c->mid_turn = false; /* (the stopped turn's end) */
  if (ctl->session_closed) chat_mark_closed(c, ctl->session_closed_reason, TC_CHAT_SRC_STREAM);
  if (vs_since(c, b) > 0) {
    c->has_in_seq = false;
    chat_end_turn(c);
    *halted = halt(c, TC_ERR_OUTPUT_LOST, 0);
  } else if (c->closed) {
    *halted = halt(c, TC_OK, 0); /* no new turn will come */
  }
  return true;
}

static tc_err_t turn_complete(tc_chat_t *c, const tc_record_info_t *rec, const tc_control_t *ctl)
{
  tc_chat_event_t ev;
  int64_t b = ctl->session_in_event_id;
  int v = vs_since(c, b);
  if (v < 0) return TC_OK; /* §6.5: an earlier turn's */
  if (ctl->session_closed) chat_mark_closed(c, ctl->session_closed_reason, TC_CHAT_SRC_STREAM);
  /* a token rolls over (§6.11 c); none (errored turns): refused unchanged */
  (void)chat_adopt_token(c, ctl->public_access_token.ptr, ctl->public_access_token.len);
  chat_event_init(c, &ev, TC_CHAT_EV_TURN_COMPLETE);
  ev.seq = rec->seq_num;
  ev.session_in_event_id = b;
  ev.input_seq = c->out.has_since ? (int64_t)c->out.since_in_seq : -1;
  ev.settled = v > 0;
  ev.since_send_ms = since_send(c);
  c->has_in_seq = false;
  c->out.has_since = false;
  c->out.first_chunk = false;
  c->mid_turn = false;
  chat_end_turn(c);
  chat_emit(c, &ev);
  if (c->cfg->watch && !c->closed) return TC_OK;
  return halt(c, TC_OK, 0);
}

static tc_err_t on_control(void *user, const tc_record_info_t *rec, const tc_control_t *ctl)
{
  tc_chat_t *c = user;
  tc_err_t halted;
  if (ctl->kind == TC_CTRL_TURN_COMPLETE) c->late = false; /* (an earlier turn's too: its end) */
  if (gated(c, ctl, &halted)) return halted;
  switch (ctl->kind) {
  case TC_CTRL_TURN_COMPLETE: return turn_complete(c, rec, ctl);
  case TC_CTRL_SESSION_CLOSED:
    chat_mark_closed(c, ctl->session_closed_reason, TC_CHAT_SRC_STREAM);
    return halt(c, TC_OK, 0);
  case TC_CTRL_PENDING_VERSION:
    chat_emit_simple(c, TC_CHAT_EV_RUN_PENDING_VERSION, TC_CHAT_SRC_UPGRADE, TC_OK, 0);
    return TC_OK;
  default: return TC_OK; /* upgrade-required: the new run's chunks follow (§5.4) */
  }
}

static tc_err_t on_event(void *user, tc_out_event_t ev, tc_slice_t text)
{
  (void)text;
  if (ev == TC_OUT_EV_ERROR) return halt(user, CHAT_RETRY, 0);
  if (ev == TC_OUT_EV_DONE) return halt(user, OUT_EOF, 0);
  return TC_OK;
}

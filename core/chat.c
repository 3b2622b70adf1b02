/*
 * chat.c — the chat's lifecycle and step loop, its events, the session state
 * and its persistence (protocol.md §6.1, §6.10), restore and resume (§6.8).
 * Sends live in chat_send.c, session start and refresh in chat_auth.c, the
 * .out subscription in chat_out.c.
 */
#include <string.h>

#include "chat_int.h"
#include "tc_json.h"

/* ------------------------------------------------------------ events */

void chat_event_init(const tc_chat_t *c, tc_chat_event_t *ev, tc_chat_event_type_t type)
{
  memset(ev, 0, sizeof *ev);
  ev->type = type;
  ev->now_ms = c->now;
  ev->session_in_event_id = -1;
  ev->input_seq = -1;
  ev->since_send_ms = -1;
}

void chat_emit(tc_chat_t *c, tc_chat_event_t *ev)
{
  if (c->cfg->on_event) c->cfg->on_event(c->cfg->user, c, ev);
}

void chat_emit_simple(tc_chat_t *c, tc_chat_event_type_t type, tc_chat_source_t src, tc_err_t err, int status)
{
  tc_chat_event_t ev;
  chat_event_init(c, &ev, type);
  ev.source = src;
  ev.err = err;
  ev.status = status;
  chat_emit(c, &ev);
}

/* ------------------------------------------------------------ session state */

size_t chat_copy_str(char *slot, size_t cap, tc_slice_t s, bool *cut)
{
  size_t n = s.len < cap ? s.len : cap;
  memset(slot, 0, cap);
  if (n) memcpy(slot, s.ptr, n);
  if (cut) *cut = n < s.len;
  return n;
}

void chat_end_turn(tc_chat_t *c)
{
  c->streaming = 0;
  c->dirty = true;
}

void chat_mark_closed(tc_chat_t *c, tc_slice_t reason, tc_chat_source_t src)
{
  tc_chat_event_t ev;
  bool cut;
  if (c->closed) return;
  c->closed = true;
  c->sess.reason_len = (uint8_t)chat_copy_str(c->sess.reason, TC_CHAT_REASON_MAX, reason, &cut);
  c->sess.flags = (uint8_t)(cut ? c->sess.flags | TC_SESS_F_REASON_CUT : c->sess.flags & ~TC_SESS_F_REASON_CUT);
  c->has_in_seq = false;
  /* (the stop gate stays: a body still being read may hold the stopped
   * turn's rest, which must not show) */
  chat_end_turn(c);
  /* Terminal (§2.4): no reconnect, no refresh, no request after this. A
   * body being read stays (the record that closed the session may be in
   * it, its parser running); .out waiting to reconnect, or for a token,
   * ends; a token request not yet sent is dropped (one under way ends
   * with its answer, without a retry or an event: chat_provider.c), a
   * question to the app withdrawn (its answer is TC_ERR_STATE, its
   * timeout gone), and the send
   * waiting for either fails (a send waiting to retry fails when due,
   * unsent). */
  if (c->out.phase != O_BODY) chat_out_close(c);
  if (c->auth.phase != AP_RUNNING) memset(&c->auth, 0, sizeof c->auth);
  chat_event_init(c, &ev, TC_CHAT_EV_SESSION_CLOSED);
  ev.source = src;
  ev.text = (tc_slice_t){ c->sess.reason, c->sess.reason_len };
  chat_emit(c, &ev);
  chat_send_auth_done(c, TC_ERR_SESSION_CLOSED, 0);
}

/* The cursor the record carries: while a turn streams, the turn's start
 * (§6.1), which the record got when the turn began (send_effects, or
 * chat_out.c's turn_begins for a turn no send of ours began: a watched one)
 * or was restored with. */
static bool record_cursor(const tc_chat_t *c, uint64_t *v)
{
  if (c->streaming == 1 || c->mid_turn) {
    *v = c->sess.cursor;
    return c->sess.flags & TC_SESS_F_CURSOR;
  }
  *v = c->cursor;
  return c->has_cursor;
}

tc_chat_session_t tc_chat_session(const tc_chat_t *c)
{
  tc_chat_session_t s; /* every field is set below */
  s.has_token = c->sess.token_len > 0;
  s.has_cursor = record_cursor(c, &s.cursor);
  s.has_in_seq = c->has_in_seq;
  s.in_seq = c->in_seq;
  s.has_shown = c->has_shown;
  s.shown = c->shown;
  s.streaming = c->streaming;
  s.closed = c->closed;
  s.closed_reason = (tc_slice_t){ c->sess.reason, c->sess.reason_len };
  s.message_id = (tc_slice_t){ c->sess.msgid, c->sess.msgid_len };
  return s;
}

/* "tcs" and the chat id's FNV-1a hash in hex: 11 characters, within NVS's
 * 15. Records written by earlier builds are stored under this key, so it
 * stays FNV-1a although the record also carries the id's CRC-32 (using that
 * would save 24 bytes of code and lose every stored session on upgrade). */
static void kv_key(const tc_chat_t *c, char key[12])
{
  uint32_t h = 2166136261u;
  for (const char *p = c->chat_id; *p; p++) h = (h ^ (uint8_t)*p) * 16777619u;
  memcpy(key, "tcs", 3);
  for (int i = 10; i >= 3; i--, h >>= 4) key[i] = chat_hex[h & 15]; /* most significant first */
  key[11] = '\0';
}

void chat_persist(tc_chat_t *c)
{
  tc_chat_session_t view = tc_chat_session(c);
  tc_chat_event_t ev;
  tc_err_t err = TC_OK;
  uint8_t f = c->sess.flags & TC_SESS_F_REASON_CUT;
  size_t n;
  char key[12];
  f |= view.has_cursor ? TC_SESS_F_CURSOR : 0;
  /* the stop gate: while a turn streams, as it was at the turn's start (the
   * replay from there reads the stopped turn's rest again) */
  bool gated = c->streaming == 1 ? (c->sess.flags & TC_SESS_F_GATE) != 0 : c->gate;
  f |= c->has_in_seq ? TC_SESS_F_IN_SEQ : 0;
  f |= c->streaming >= 0 ? TC_SESS_F_STREAM_SET : 0;
  f |= c->streaming == 1 ? TC_SESS_F_STREAMING : 0;
  f |= c->closed ? TC_SESS_F_CLOSED : 0;
  f |= c->has_shown ? TC_SESS_F_SHOWN : 0;
  f |= gated ? TC_SESS_F_GATE : 0;
  c->sess.flags = f;
  c->sess.cursor = view.has_cursor ? view.cursor : 0;
  c->sess.in_seq = c->has_in_seq ? c->in_seq : 0;
  c->sess.gate_seq = gated ? c->superseded_seq : 0;
  c->sess.shown = c->has_shown ? c->shown : 0;
  c->sess.frag_shown = c->out.frag_shown;
  c->sess.frag_seq = c->out.frag_shown ? c->out.frag_seq : 0;
  n = tc_session_seal(&c->sess, c->chat_hash);
  c->dirty = false;
  c->last_persist = CHAT_NOW(c);
  if (c->cfg->kv.ops) {
    kv_key(c, key);
    err = c->cfg->kv.ops->set(c->cfg->kv.ctx, key, &c->sess, n);
  }
  c->kv_failed = err != TC_OK; /* (retried with the checkpoints, not per step) */
  chat_event_init(c, &ev, TC_CHAT_EV_SESSION_CHANGED);
  ev.err = err;
  ev.record = (const uint8_t *)&c->sess;
  ev.record_len = n;
  ev.session = &view;
  chat_emit(c, &ev);
}

/* The cursor, the delivered mark or a long record's progress moved since
 * the last write (the record in c->sess holds what was written, or
 * restored; a turn's start cursor goes there when the turn begins, with a
 * write pending), or the last write failed: either way the store is behind. */
static bool moved(const tc_chat_t *c)
{
  uint64_t v;
  bool set = record_cursor(c, &v);
  return set != ((c->sess.flags & TC_SESS_F_CURSOR) != 0) || (set && v != c->sess.cursor) ||
         (c->has_shown && c->shown != c->sess.shown) || c->out.frag_shown != c->sess.frag_shown ||
         (c->out.frag_shown && c->out.frag_seq != c->sess.frag_seq) || c->kv_failed;
}

static uint32_t checkpoint_at(const tc_chat_t *c)
{
  return c->last_persist + or_default(c->cfg->checkpoint_ms, CHAT_CHECKPOINT_MS);
}

/* State changes now; a moved cursor or mark at most every checkpoint_ms. */
static void persist_step(tc_chat_t *c)
{
  if (c->sess.token_len == 0) { /* no record without a token (a start refused with 409 closes first) */
    c->dirty = false;             /* (left set, it would hold the next deadline at now) */
    return;
  }
  if (c->dirty || (moved(c) && chat_due(c, checkpoint_at(c)))) chat_persist(c);
}

tc_err_t tc_chat_resume(tc_chat_t *c)
{
  bool watch = c->cfg->watch;
  if (c->closed) return TC_ERR_SESSION_CLOSED;
  if (c->sess.token_len == 0) return TC_ERR_NO_SESSION;
  if (c->out.phase != O_OFF) return TC_ERR_BUSY;
  if (c->streaming == 0 && !watch) return TC_OK; /* §6.8 fast path: no request */
  /* peek only with no input outstanding (no seq, no send, no turn known to
   * stream): it would race the turn's first chunk (§5.6). A streaming turn
   * needs no peek: the replay from its start reads its boundary. */
  chat_out_open(c, !watch && !c->has_in_seq && !c->send_source && c->streaming != 1, true);
  return TC_OK;
}

/* In watch mode resuming is watching. */
tc_err_t tc_chat_watch(tc_chat_t *c) { return c->cfg->watch ? tc_chat_resume(c) : TC_ERR_CONFIG; }

/* What the chat writes into a request from the record is what it would have
 * accepted: JWT characters in the token (it goes into the Authorization line
 * as it is), tool ids and names ending within their slots, names of the
 * characters a tool part's type may hold (they go into JSON unescaped). A
 * record is checksummed, not signed: it may come from anywhere. */
static bool str_ok(const char *s, size_t cap, bool name)
{
  const char *end = memchr(s, '\0', cap);
  return end != NULL && (!name || chat_chars_ok(s, (size_t)(end - s), true));
}

static bool record_ok(const tc_session_rec_t *s)
{
  /* (no record without a token: chat_persist never writes one) */
  if (s->token_len == 0 || !chat_chars_ok(s->token, s->token_len, false)) return false;
  for (int i = 0; i < TC_CHAT_TOOLS_MAX; i++) {
    const tc_chat_tool_t *t = &s->tools[i];
    if (!str_ok(t->call_id, sizeof t->call_id, false) || !str_ok(t->approval_id, sizeof t->approval_id, false) ||
        !str_ok(t->name, sizeof t->name, true))
      return false;
  }
  return true;
}

tc_err_t tc_chat_restore(tc_chat_t *c, const void *rec, size_t len)
{
  tc_err_t err = TC_OK;
  char key[12];
  if (c->send_source || c->auth.want || c->out.phase != O_OFF) return TC_ERR_BUSY;
  /* what the chat knew of a session before is replaced by the record, or
   * forgotten (an error leaves the chat fresh) */
  c->has_cursor = c->has_in_seq = c->has_shown = c->closed = c->gate = c->abandoned = c->late = c->mid_turn = false;
  c->streaming = -1;
  c->refresh_at = c->token_end = 0;
  c->last_send_at = 0; /* (a turn replayed from the record was not sent by this run) */
  c->out.frag_shown = 0;
  if (rec != NULL) {
    if (len > sizeof c->sess) err = TC_ERR_KV_CORRUPT;
    else memcpy(&c->sess, rec, len);
  } else if (c->cfg->kv.ops != NULL) {
    kv_key(c, key);
    err = c->cfg->kv.ops->get(c->cfg->kv.ctx, key, &c->sess, sizeof c->sess, &len);
    if (err == TC_ERR_KV_TOO_BIG) err = TC_ERR_KV_CORRUPT;
  } else {
    err = TC_ERR_KV_NOT_FOUND;
  }
  if (err == TC_OK) err = tc_session_open(&c->sess, len, c->chat_hash);
  if (err == TC_OK && !record_ok(&c->sess)) err = TC_ERR_KV_CORRUPT;
  if (err != TC_OK) { /* absent, unreadable, corrupt or foreign: start fresh */
    memset(&c->sess, 0, sizeof c->sess);
    return err;
  }
  c->has_cursor = c->sess.flags & TC_SESS_F_CURSOR;
  c->cursor = c->sess.cursor;
  c->has_in_seq = c->sess.flags & TC_SESS_F_IN_SEQ;
  c->in_seq = c->sess.in_seq;
  c->streaming = (c->sess.flags & TC_SESS_F_STREAM_SET) ? (c->sess.flags & TC_SESS_F_STREAMING ? 1 : 0) : -1;
  c->closed = c->sess.flags & TC_SESS_F_CLOSED;
  c->has_shown = c->sess.flags & TC_SESS_F_SHOWN;
  c->shown = c->sess.shown;
  /* a stop's gate outlives a reboot (§6.7: the stopped turn's rest must not
   * show as the next answer) */
  c->gate = c->sess.flags & TC_SESS_F_GATE;
  c->superseded_seq = c->sess.gate_seq;
  /* a long record half shown: its shown part comes again as replayed */
  c->out.frag_seq = c->sess.frag_seq;
  c->out.frag_shown = c->sess.frag_shown;
  c->out.frag_run = 0;
  c->last_persist = CHAT_NOW(c);
  chat_plan_refresh(c, false);
  return TC_OK;
}

/* ------------------------------------------------------------ lifecycle */

/* What the request writer would refuse on every request is refused here. */
static bool valid_header(const tc_chat_header_t *h)
{
  return h->name && h->value && tc_http_header_ok(chat_cslice(h->name), chat_cslice(h->value));
}

static tc_err_t check_config(const tc_chat_config_t *g)
{
  const tc_chat_backoff_t *b = &g->backoff;
  /* times are compared wrap-safe, within 2^31 ms of now (chat_int.h) */
  uint32_t ms = b->base_ms | b->max_ms | b->eof_base_ms | b->stall_ms | b->header_ms | b->request_ms |
                g->provider_ms | g->refresh_margin_ms | g->checkpoint_ms;
  if (g->random == NULL || g->timeout_seconds > 600 || ms > CHAT_MS_MAX) return TC_ERR_CONFIG;
  if (g->auth && g->auth->check(g) != TC_OK) return TC_ERR_CONFIG;
  if (chat_check_json(chat_cslice(g->client_data), '{') != TC_OK) return TC_ERR_CONFIG; /* NULL passes */
  for (size_t i = 0; i < g->header_count; i++)
    if (!valid_header(&g->headers[i])) return TC_ERR_CONFIG;
  return TC_OK;
}

tc_err_t tc_chat_init_ex(tc_chat_t *c, const tc_chat_config_t *cfg, const char *chat_id, tc_transport_t out_net,
                         tc_transport_t req_net, char *record, size_t record_cap, char *out_line,
                         size_t out_line_cap, char *request, size_t request_cap)
{
  size_t idlen;
  tc_err_t err;
  if (c == NULL || cfg == NULL || chat_id == NULL) return TC_ERR_ARG;
  idlen = strlen(chat_id);
  if (idlen == 0 || idlen > 256 || strncmp(chat_id, "session_", 8) == 0) return TC_ERR_ARG;
  if ((err = check_config(cfg)) != TC_OK) return err;
  /* (one transport for both would carry two exchanges at once) */
  if (out_net.ops == NULL || req_net.ops == NULL || (out_net.ops == req_net.ops && out_net.ctx == req_net.ctx))
    return TC_ERR_CONFIG;
  if (record == NULL || out_line == NULL || request == NULL || record_cap < 1024 || out_line_cap < 256 ||
      request_cap < 1024 || record_cap > 65535 || out_line_cap > 65535 || request_cap > 65535)
    return TC_ERR_NOSPACE;
  memset(c, 0, sizeof *c);
  c->cfg = cfg;
  c->chat_id = chat_id;
  c->chat_hash = tc_crc32(0, chat_id, idlen);
  c->streaming = -1;
  c->unix_offset = INT64_MIN;
  c->oc.net = out_net;
  c->rc.net = req_net;
  /* DNS + connect + handshake are part of each exchange's time: .out's
   * headers, the request's whole answer (0: the default, chat_conn.c) */
  c->oc.open_ms = cfg->backoff.header_ms;
  c->rc.open_ms = cfg->backoff.request_ms;
  c->rec_buf = record;
  c->rec_cap = (uint16_t)record_cap;
  c->out_line = out_line;
  c->out_line_cap = (uint16_t)out_line_cap;
  c->req_buf = request;
  c->req_cap = (uint16_t)request_cap;
  return TC_OK;
}

tc_err_t tc_chat_init(tc_chat_t *c, const tc_chat_config_t *cfg, const char *chat_id, tc_transport_t out_net,
                      tc_transport_t req_net, tc_chat_bufs_t *b)
{
  if (b == NULL) return TC_ERR_ARG;
  return tc_chat_init_ex(c, cfg, chat_id, out_net, req_net, b->record, sizeof b->record, b->out_line,
                         sizeof b->out_line, b->request, sizeof b->request);
}

void tc_chat_deinit(tc_chat_t *c)
{
  chat_out_close(c);
  chat_conn_close(&c->rc);
  /* nothing is asked or sent any more: a provider's late answer is
   * TC_ERR_STATE and reaches no callback */
  memset(&c->auth, 0, sizeof c->auth);
  c->send_source = TC_CHAT_SRC_NONE;
  c->send_step = S_NONE;
  c->refresh_at = 0;
  /* A clean shutdown keeps everything: the delivered mark and cursor too,
   * not only the last checkpoint (a resume between turns then repeats
   * nothing; mid-turn it replays the turn from its start, the part shown
   * marked replayed). */
  if ((c->dirty || moved(c)) && c->sess.token_len > 0) chat_persist(c);
}

void tc_chat_set_unix_time(tc_chat_t *c, uint64_t now_ms, uint64_t unix_ms)
{
  int64_t was = c->unix_offset, d;
  if (unix_ms > INT64_MAX) return; /* no time to count with (an RTC read as garbage) */
  c->unix_offset = (int64_t)(unix_ms - now_ms); /* (unsigned: no overflow, whatever now_ms) */
  d = was == INT64_MIN ? INT64_MAX : (int64_t)((uint64_t)c->unix_offset - (uint64_t)was);
  /* the token's refresh was planned without the clock (a restored token
   * counted as new) or with another: plan it from its exp now */
  if ((d > 1000 || d < -1000) && c->sess.token_len > 0) chat_plan_refresh(c, false);
}

/* The chat keeps times as the low 32 bits of now_ms (chat_int.h): each must
 * stay within 2^31 ms of now, or a due time reads as one 24 days ahead. When
 * the clock jumped by j >= 2^30 ms since `was` (a device that slept between
 * two steps), a deadline it passed is set to now. (j is capped at 2^31 - 1:
 * every deadline is within that of `was`, and passed by such a jump.) */
static uint32_t passed(const tc_chat_t *c, uint32_t t, uint32_t was, int32_t j)
{
  return (int32_t)(t - was) <= j ? CHAT_NOW(c) : t;
}

static void after_jump(tc_chat_t *c, uint32_t was, int32_t j)
{
  uint32_t ckpt = or_default(c->cfg->checkpoint_ms, CHAT_CHECKPOINT_MS);
  c->out.at = passed(c, c->out.at, was, j);
  c->rq_at = passed(c, c->rq_at, was, j);
  c->send.wait_until = passed(c, c->send.wait_until, was, j);
  c->auth.at = passed(c, c->auth.at, was, j);
  if (c->refresh_at) c->refresh_at = chat_after(c, passed(c, c->refresh_at, was, j) - CHAT_NOW(c)); /* (0: none) */
  if (c->token_end) c->token_end = chat_after(c, passed(c, c->token_end, was, j) - CHAT_NOW(c));
  if (passed(c, c->last_persist + ckpt, was, j) == CHAT_NOW(c)) c->last_persist = CHAT_NOW(c) - ckpt;
}

tc_err_t tc_chat_step(tc_chat_t *c, uint64_t now_ms)
{
  if (now_ms > c->now) {
    uint32_t was = CHAT_NOW(c);
    uint64_t j = now_ms - c->now;
    c->now = now_ms;
    if (j > CHAT_MS_MAX / 2) after_jump(c, was, (int32_t)(j > CHAT_MS_MAX ? CHAT_MS_MAX : j));
  }
  for (int i = 0; i < 16; i++) {
    bool progress = chat_rq_step(c);
    progress |= chat_out_step(c);
    progress |= chat_auth_step(c);
    if (!progress) break;
  }
  /* a kept connection the server closed while idle: closed now, or its
   * readable socket would keep a sleeping loop awake (chat_conn.c) */
  chat_conn_idle_check(&c->rc);
  chat_conn_idle_check(&c->oc);
  persist_step(c);
  return TC_OK;
}

uint64_t tc_chat_next_deadline(const tc_chat_t *c)
{
  int32_t m = INT32_MAX; /* ms from now (a deadline may be INT32_MAX ahead) */
  bool set = false;      /* false: none */
  if (chat_out_timed(c)) chat_dl(c, &m, &set, c->out.at);
  if (chat_conn_busy(&c->rc)) chat_dl(c, &m, &set, c->rq_at); /* what waits for the connection waits for this */
  else if (c->send_step == S_READY) chat_dl(c, &m, &set, c->send.wait_until);
  /* a queued provider request waits for the connection; the app's answer
   * (AP_ASKED) is due at auth.at in any case */
  if (c->auth.phase == AP_ASKED || (c->auth.phase == AP_QUEUED && !chat_conn_busy(&c->rc)))
    chat_dl(c, &m, &set, c->auth.at);
  /* (the refresh runs only with no question out and the session open, as
   * chat_refresh_step checks: else a due one would hold the deadline at now) */
  if (TC_CHAT_PROACTIVE_REFRESH && c->refresh_at && c->auth.want == AUTH_NONE && !c->closed)
    chat_dl(c, &m, &set, c->refresh_at);
  /* a record to write, or a read stopped by its bound with bytes perhaps
   * waiting below (decrypted TLS records: no socket event will come) */
  if (c->dirty || c->oc.more || c->rc.more) {
    m = m < 0 ? m : 0;
    set = true;
  } else if (c->sess.token_len && moved(c)) {
    chat_dl(c, &m, &set, checkpoint_at(c));
  }
  return set ? c->now + (uint64_t)(int64_t)m : UINT64_MAX;
}

tc_chat_state_t tc_chat_state(const tc_chat_t *c)
{
  if (c->closed) return TC_CHAT_CLOSED;
  if (c->sess.token_len == 0) return c->auth.want ? TC_CHAT_STARTING : TC_CHAT_NO_SESSION;
  if (c->send_source) return TC_CHAT_SENDING;
  if (c->out.phase != O_OFF) return TC_CHAT_STREAMING;
  return TC_CHAT_IDLE;
}


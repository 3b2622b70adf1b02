/*
 * chat.c — the chat's API, its step loop, sends on .in (protocol.md §6.3,
 * §6.4), session start and token refresh (§2.1, §6.11), and persistence of
 * the session record (§6.1). The .out side lives in chat_out.c.
 */
#include <string.h>

#include "chat_int.h"
#include "tc_json.h"

enum { AUTH_NONE = 0, AUTH_START, AUTH_TOKEN };
enum { AP_ASKED = 1, AP_QUEUED, AP_RUNNING };
enum { S_NONE = 0, S_AUTH, S_READY, S_RUNNING };
enum { RQ_NONE = 0, RQ_APPEND, RQ_AUTH };

static uint32_t or_default(uint32_t v, uint32_t d) { return v ? v : d; }

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

static void emit_simple(tc_chat_t *c, tc_chat_event_type_t type, tc_chat_source_t src, tc_err_t err, int status)
{
  tc_chat_event_t ev;
  chat_event_init(c, &ev, type);
  ev.source = src;
  ev.err = err;
  ev.status = status;
  chat_emit(c, &ev);
}

/* ------------------------------------------------------------ session state */

static size_t copy_str(char *slot, size_t cap, tc_slice_t s, bool *cut)
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
  c->has_turn_start = false;
  c->dirty = true;
}

void chat_mark_closed(tc_chat_t *c, tc_slice_t reason, tc_chat_source_t src)
{
  tc_chat_event_t ev;
  bool cut;
  if (c->closed) return;
  c->closed = true;
  c->sess.reason_len = (uint8_t)copy_str(c->sess.reason, TC_CHAT_REASON_MAX, reason, &cut);
  c->sess.flags = (uint8_t)(cut ? c->sess.flags | TC_SESS_F_REASON_CUT : c->sess.flags & ~TC_SESS_F_REASON_CUT);
  c->has_in_seq = false;
  c->gate = c->has_superseded = false;
  chat_end_turn(c);
  chat_event_init(c, &ev, TC_CHAT_EV_SESSION_CLOSED);
  ev.source = src;
  ev.text = (tc_slice_t){ c->sess.reason, c->sess.reason_len };
  chat_emit(c, &ev);
}

static bool token_char(char ch)
{
  return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
         ch == '-' || ch == '_' || ch == '.';
}

/* Proactive refresh (beyond 4.8.3): shortly before exp, from the wall clock
 * when known, else from the token's lifetime counted from now. */
static void plan_refresh(tc_chat_t *c)
{
  int64_t exp_s, iat_s, ttl_ms, margin = or_default(c->cfg->refresh_margin_ms, CHAT_REFRESH_MARGIN_MS);
  uint64_t at;
  c->refresh_at = 0;
  if (tc_jwt_times(c->sess.token, c->sess.token_len, &exp_s, &iat_s) != TC_OK || exp_s <= 0) return;
  if (c->unix_offset != INT64_MIN) ttl_ms = exp_s * 1000 - ((int64_t)c->now + c->unix_offset);
  else if (iat_s > 0 && exp_s > iat_s) ttl_ms = (exp_s - iat_s) * 1000;
  else return;
  if (margin > ttl_ms / 2) margin = ttl_ms / 2;
  at = c->now + (uint64_t)(ttl_ms - margin > 1000 ? ttl_ms - margin : 1000);
  c->refresh_at = at;
}

tc_err_t chat_adopt_token(tc_chat_t *c, const char *tok, size_t len)
{
  if (len == 0 || len > TC_CHAT_TOKEN_MAX) return TC_ERR_TOKEN;
  for (size_t i = 0; i < len; i++)
    if (!token_char(tok[i])) return TC_ERR_TOKEN;
  memmove(c->sess.token, tok, len);
  c->sess.token_len = (uint16_t)len;
  c->dirty = true;
  plan_refresh(c);
  return TC_OK;
}

/* The cursor the record carries: the turn start while a turn streams (§6.1). */
static bool record_cursor(const tc_chat_t *c, uint64_t *v)
{
  if (c->streaming == 1 && c->has_turn_start) {
    *v = c->turn_start;
    return c->turn_start_set;
  }
  *v = c->cursor;
  return c->has_cursor;
}

tc_chat_session_t tc_chat_session(const tc_chat_t *c)
{
  tc_chat_session_t s;
  memset(&s, 0, sizeof s);
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

static void kv_key(const tc_chat_t *c, char key[12])
{
  static const char hex[] = "0123456789abcdef";
  uint32_t h = 2166136261u;
  for (const char *p = c->chat_id; *p; p++) h = (h ^ (uint8_t)*p) * 16777619u;
  memcpy(key, "tcs", 3);
  for (int i = 0; i < 8; i++) key[3 + i] = hex[(h >> (28 - 4 * i)) & 15];
  key[11] = '\0';
}

static void persist(tc_chat_t *c)
{
  tc_chat_session_t view = tc_chat_session(c);
  tc_chat_event_t ev;
  uint8_t f = c->sess.flags & TC_SESS_F_REASON_CUT;
  size_t n;
  char key[12];
  f |= view.has_cursor ? TC_SESS_F_CURSOR : 0;
  f |= c->has_in_seq ? TC_SESS_F_IN_SEQ : 0;
  f |= c->streaming >= 0 ? TC_SESS_F_STREAM_SET : 0;
  f |= c->streaming == 1 ? TC_SESS_F_STREAMING : 0;
  f |= c->closed ? TC_SESS_F_CLOSED : 0;
  f |= c->has_shown ? TC_SESS_F_SHOWN : 0;
  c->sess.flags = f;
  c->sess.cursor = view.has_cursor ? view.cursor : 0;
  c->sess.in_seq = c->has_in_seq ? c->in_seq : 0;
  c->sess.shown = c->has_shown ? c->shown : 0;
  n = tc_session_seal(&c->sess, c->chat_hash);
  c->dirty = false;
  c->persisted_cursor_set = view.has_cursor;
  c->persisted_cursor = view.cursor;
  c->persisted_shown = c->shown;
  c->last_persist = c->now;
  if (c->cfg->kv.ops) {
    kv_key(c, key);
    (void)c->cfg->kv.ops->set(c->cfg->kv.ctx, key, &c->sess, n);
  }
  chat_event_init(c, &ev, TC_CHAT_EV_SESSION_CHANGED);
  ev.record = (const uint8_t *)&c->sess;
  ev.record_len = n;
  ev.session = &view;
  chat_emit(c, &ev);
}

/* The cursor or the delivered mark moved since the last write. */
static bool moved(const tc_chat_t *c)
{
  uint64_t v;
  bool set = record_cursor(c, &v);
  return set != c->persisted_cursor_set || v != c->persisted_cursor || c->shown != c->persisted_shown;
}

static uint64_t checkpoint_at(const tc_chat_t *c)
{
  return c->last_persist + or_default(c->cfg->checkpoint_ms, CHAT_CHECKPOINT_MS);
}

/* State changes now; a moved cursor or mark at most every checkpoint_ms. */
static void persist_step(tc_chat_t *c)
{
  if (c->sess.token_len == 0) return;
  if (c->dirty || (moved(c) && c->now >= checkpoint_at(c))) persist(c);
}

/* ------------------------------------------------------------ tool tracking */

static bool safe_name(tc_slice_t s)
{
  for (size_t i = 0; i < s.len; i++) {
    char ch = s.ptr[i];
    if (!token_char(ch) && ch != ':') return false;
  }
  return s.len > 0 && s.len < TC_CHAT_TOOL_NAME_MAX;
}

static int tool_find(const tc_chat_t *c, tc_slice_t call_id, bool approval)
{
  for (int i = 0; i < TC_CHAT_TOOLS_MAX; i++) {
    const char *id = approval ? c->sess.tools[i].approval_id : c->sess.tools[i].call_id;
    if (call_id.len < TC_CHAT_TOOL_ID_MAX && strlen(id) == call_id.len && memcmp(id, call_id.ptr, call_id.len) == 0)
      return i;
  }
  return -1;
}

static int tool_slot(tc_chat_t *c, tc_slice_t call_id)
{
  int i = tool_find(c, call_id, false);
  if (i >= 0 || call_id.len == 0 || call_id.len >= TC_CHAT_TOOL_ID_MAX) return i;
  i = c->tool_next;
  c->tool_next = (uint8_t)((c->tool_next + 1) % TC_CHAT_TOOLS_MAX);
  memset(&c->sess.tools[i], 0, sizeof c->sess.tools[i]);
  c->sess.tools_dynamic &= (uint8_t)~(1u << i);
  memcpy(c->sess.tools[i].call_id, call_id.ptr, call_id.len);
  return i;
}

void chat_track_chunk(tc_chat_t *c, const tc_chunk_t *ch)
{
  tc_chat_tool_t *t;
  int i;
  switch (ch->type) {
  case TC_CHUNK_START:
    if (ch->message_id.len == 0 || ch->message_id.len > TC_CHAT_MSGID_MAX) return;
    if (ch->message_id.len != c->sess.msgid_len || memcmp(c->sess.msgid, ch->message_id.ptr, ch->message_id.len) != 0) {
      memset(c->sess.tools, 0, sizeof c->sess.tools);
      c->sess.tools_dynamic = 0;
    }
    c->sess.msgid_len = (uint8_t)copy_str(c->sess.msgid, TC_CHAT_MSGID_MAX, ch->message_id, NULL);
    return;
  case TC_CHUNK_TOOL_INPUT_START:
  case TC_CHUNK_TOOL_INPUT_AVAILABLE:
    if ((i = tool_slot(c, ch->tool_call_id)) < 0 || !safe_name(ch->tool_name)) return;
    copy_str(c->sess.tools[i].name, TC_CHAT_TOOL_NAME_MAX, ch->tool_name, NULL);
    if (ch->dynamic) c->sess.tools_dynamic |= (uint8_t)(1u << i);
    return;
  case TC_CHUNK_TOOL_APPROVAL_REQUEST:
    if ((i = tool_slot(c, ch->tool_call_id)) < 0 || ch->approval_id.len >= TC_CHAT_TOOL_ID_MAX) return;
    t = &c->sess.tools[i];
    copy_str(t->approval_id, TC_CHAT_TOOL_ID_MAX, ch->approval_id, NULL);
    return;
  default: return;
  }
}

/* ------------------------------------------------------------ session start / refresh */

static bool can_start(const tc_chat_t *c)
{
  const tc_chat_config_t *g = c->cfg;
  return g->auth == TC_CHAT_AUTH_DIRECT || (g->auth == TC_CHAT_AUTH_BACKEND ? g->start_url != NULL : g->start_session != NULL);
}

static bool can_mint(const tc_chat_t *c)
{
  const tc_chat_config_t *g = c->cfg;
  return g->auth == TC_CHAT_AUTH_BACKEND ? g->token_url != NULL : g->auth == TC_CHAT_AUTH_CALLBACK && g->access_token != NULL;
}

static void send_auth_done(tc_chat_t *c, tc_err_t err, int status);

static void auth_finish(tc_chat_t *c, tc_err_t err, int status, tc_slice_t tok, bool pending)
{
  uint8_t waiters = c->auth.waiters, kind = c->auth.want;
  bool recreate = c->auth.recreate, fresh = c->sess.token_len == 0;
  if (err == TC_OK) err = chat_adopt_token(c, tok.ptr, tok.len);
  memset(&c->auth, 0, sizeof c->auth);
  if (err == TC_OK && kind == AUTH_START) {
    if (pending) emit_simple(c, TC_CHAT_EV_RUN_PENDING_VERSION, TC_CHAT_SRC_START, TC_OK, 0);
    if (recreate) { /* §6.3: the stale cursor pointed at another session */
      c->has_cursor = false;
      c->has_shown = false;
      c->has_turn_start = false;
    }
    if (recreate || fresh) c->streaming = 0;
  }
  if (err != TC_OK) emit_simple(c, TC_CHAT_EV_AUTH_FAILED, TC_CHAT_SRC_NONE, err, status);
  if (waiters & AUTH_FOR_SEND) send_auth_done(c, err, status);
  if (waiters & AUTH_FOR_OUT) chat_out_auth_done(c, err);
}

void chat_need_auth(tc_chat_t *c, bool start, uint8_t waiter)
{
  const tc_chat_config_t *g = c->cfg;
  if (c->auth.want != AUTH_NONE) {
    c->auth.waiters |= waiter;
    return;
  }
  if (!start && !can_mint(c)) start = true;   /* no mint: starting again yields a token */
  if (start && !can_start(c)) start = false;  /* no start: the mint must do */
  if (!(start ? can_start(c) : can_mint(c))) {
    c->auth.waiters = waiter;
    c->auth.want = AUTH_TOKEN;
    auth_finish(c, TC_ERR_CONFIG, 0, TC_SLICE_NULL, false);
    return;
  }
  c->auth.want = start ? AUTH_START : AUTH_TOKEN;
  c->auth.waiters = waiter;
  if (g->auth != TC_CHAT_AUTH_CALLBACK) {
    c->auth.phase = AP_QUEUED;
    return;
  }
  c->auth.phase = AP_ASKED;
  if (start) g->start_session(g->user, c); /* may answer at once */
  else g->access_token(g->user, c);
}

/* Either answer fits either question: a start and a mint both yield a token. */
static tc_err_t provide(tc_chat_t *c, tc_err_t err, const char *tok, size_t len, bool pending)
{
  if (c->auth.want == AUTH_NONE || c->auth.phase != AP_ASKED) return TC_ERR_STATE;
  if (err == TC_OK && (tok == NULL || len == 0 || len > TC_CHAT_TOKEN_MAX)) err = TC_ERR_TOKEN;
  auth_finish(c, err, 0, (tc_slice_t){ tok, len }, pending);
  return err;
}

tc_err_t tc_chat_provide_session(tc_chat_t *c, const char *token, size_t len, bool pending_version)
{
  return provide(c, TC_OK, token, len, pending_version);
}

tc_err_t tc_chat_provide_token(tc_chat_t *c, const char *token, size_t len)
{
  return provide(c, TC_OK, token, len, false);
}

tc_err_t tc_chat_provide_failed(tc_chat_t *c, tc_err_t why)
{
  if (provide(c, why == TC_OK ? TC_ERR_AUTH : why, NULL, 0, false) == TC_ERR_STATE) return TC_ERR_STATE;
  return TC_OK;
}

/* ------------------------------------------------------------ the request connection */

static tc_err_t on_rq_body(void *user, const char *p, size_t n)
{
  tc_chat_t *c = user;
  size_t at = (size_t)c->rq_ans_off + c->rq_ans_len;
  if (n > c->req_cap - at) {
    c->rq_overflow = true;
    n = c->req_cap - at;
  }
  memcpy(c->req_buf + at, p, n);
  c->rq_ans_len = (uint16_t)(c->rq_ans_len + n);
  return TC_OK;
}

static const tc_http_resp_cb_t rq_cb = { NULL, NULL, on_rq_body, NULL };

/* Starts a request whose body is req_buf[off..off+len); the head, then the
 * answer, go after it. */
static tc_err_t rq_begin(tc_chat_t *c, tc_chat_endpoint_t ep, size_t off, size_t len)
{
  size_t start = off + len, room = c->req_cap - start, line;
  tc_url_t u;
  tc_slice_t head;
  tc_err_t err = chat_req_head(c, ep, c->req_buf + start, room, len, &u, &head);
  if (err != TC_OK) return err;
  line = room / 2 < TC_HTTP_LINE_MAX ? room / 2 : TC_HTTP_LINE_MAX;
  c->rq_ans_off = (uint16_t)(start + line);
  c->rq_ans_len = 0;
  c->rq_overflow = false;
  err = chat_conn_start(&c->rc, &u, c->now + or_default(c->cfg->backoff.request_ms, CHAT_REQUEST_MS),
                        c->req_buf + start, line, &rq_cb, c);
  if (err != TC_OK) return err;
  chat_req_queue(c, &c->rc, ep, head, c->req_buf + off, len);
  return TC_OK;
}

/* The answer as a JSON document (tokens on the caller's stack). */
static bool answer_doc(tc_chat_t *c, tc_json_doc_t *d, tc_json_tok_t *tok)
{
  return !c->rq_overflow &&
         tc_json_doc_parse(d, c->req_buf + c->rq_ans_off, c->rq_ans_len, tok, TC_CHAT_ANSWER_TOKENS) == TC_OK &&
         d->tok[0].type == JSMN_OBJECT;
}

/* ---- built-in session start / token (BACKEND, DIRECT) */

/* Appends the JSON string "chat:<id>" (the id escaped). */
static void put_tag(tc_buf_t *b, const char *id)
{
  size_t at;
  tc_buf_puts(b, "\"chat:");
  at = b->len;
  tc_json_put_cstr(b, id);
  if (b->overflow) return;
  memmove(b->ptr + at, b->ptr + at + 1, b->len - at - 1); /* drop the id's opening quote */
  b->len--;
}

static tc_err_t auth_body(tc_chat_t *c, tc_buf_t *b)
{
  const tc_chat_config_t *g = c->cfg;
  const char *cd = g->client_data ? g->client_data : "{}";
  bool direct = g->auth == TC_CHAT_AUTH_DIRECT, start = c->auth.want == AUTH_START;
  if (direct) { /* §2.2, as chat.createStartSessionAction builds it */
    tc_buf_puts(b, "{\"type\":\"chat.agent\",\"externalId\":");
    tc_json_put_cstr(b, c->chat_id);
    tc_buf_puts(b, ",\"taskIdentifier\":");
    tc_json_put_cstr(b, g->task_id);
    tc_buf_puts(b, ",\"triggerConfig\":{\"basePayload\":{\"messages\":[],\"trigger\":\"preload\"");
    if (g->client_data) {
      tc_buf_puts(b, ",\"metadata\":");
      tc_buf_puts(b, g->client_data);
    }
    tc_buf_puts(b, ",\"chatId\":");
    tc_json_put_cstr(b, c->chat_id);
    tc_buf_puts(b, "},\"tags\":[");
    if (strlen(c->chat_id) <= 123) put_tag(b, c->chat_id); /* chatRunTags: tags <= 128 chars */
    tc_buf_puts(b, "]}}");
  } else {
    tc_buf_puts(b, "{\"chatId\":");
    tc_json_put_cstr(b, c->chat_id);
    if (start) {
      tc_buf_puts(b, ",\"taskId\":");
      tc_json_put_cstr(b, g->task_id ? g->task_id : "");
      tc_buf_puts(b, ",\"clientData\":");
      tc_buf_puts(b, cd);
    }
    tc_buf_puts(b, "}");
  }
  return b->overflow ? TC_ERR_NOSPACE : TC_OK;
}

static bool auth_step(tc_chat_t *c)
{
  size_t off = c->send.source ? c->send.body_len : 0;
  tc_buf_t b = tc_buf_make(c->req_buf + off, (c->req_cap - off) / 2);
  tc_err_t err = auth_body(c, &b);
  if (err == TC_OK) err = rq_begin(c, c->auth.want == AUTH_START ? TC_CHAT_EP_START : TC_CHAT_EP_TOKEN, off, b.len);
  if (err != TC_OK) {
    auth_finish(c, err, 0, TC_SLICE_NULL, false);
    return true;
  }
  c->auth.phase = AP_RUNNING;
  c->rq_kind = RQ_AUTH;
  return true;
}

/* The token in a start/token answer: {"publicAccessToken"} or {"token"}, or
 * (token endpoint) the whole text/plain body, trimmed. */
static tc_err_t auth_answer(tc_chat_t *c, tc_slice_t *tok, bool *pending)
{
  tc_json_tok_t jt[TC_CHAT_ANSWER_TOKENS];
  tc_json_doc_t d;
  char *p = c->req_buf + c->rq_ans_off;
  size_t n = c->rq_ans_len;
  int i;
  *pending = false;
  while (n && (p[n - 1] == '\n' || p[n - 1] == '\r' || p[n - 1] == ' ')) n--;
  while (n && (*p == ' ' || *p == '\n' || *p == '\r')) p++, n--;
  if (c->rq_overflow) return TC_ERR_JSON_TOO_BIG;
  if (n && *p != '{' && c->auth.want == AUTH_TOKEN) {
    *tok = (tc_slice_t){ p, n };
    return TC_OK;
  }
  if (!answer_doc(c, &d, jt)) return TC_ERR_PROTOCOL;
  i = tc_json_get(&d, 0, "publicAccessToken");
  if (i < 0) i = tc_json_get(&d, 0, "token");
  if (tc_json_str(&d, i, tok) != TC_OK) return TC_ERR_PROTOCOL;
  (void)tc_json_bool(&d, tc_json_get(&d, 0, "pendingVersion"), pending);
  return TC_OK;
}

static void auth_done(tc_chat_t *c, tc_err_t err, int status)
{
  tc_slice_t tok = TC_SLICE_NULL;
  bool pending = false;
  if (err == TC_OK) {
    if (status >= 200 && status < 300) err = auth_answer(c, &tok, &pending);
    else if (status == 409 && c->cfg->auth == TC_CHAT_AUTH_DIRECT) err = TC_ERR_SESSION_CLOSED;
    else err = (status == 401 || status == 403) ? TC_ERR_AUTH : TC_ERR_HTTP_STATUS;
  }
  if (err == TC_ERR_SESSION_CLOSED) chat_mark_closed(c, TC_SLICE_NULL, TC_CHAT_SRC_START);
  auth_finish(c, err, status, tok, pending);
}

/* ------------------------------------------------------------ sends */

static void send_event(tc_chat_t *c, tc_chat_event_type_t type, tc_chat_source_t src, const char *part_id,
                       size_t bytes, uint64_t t0, tc_err_t err, int status, int64_t seq)
{
  tc_chat_event_t ev;
  chat_event_init(c, &ev, type);
  ev.source = src;
  ev.part_id = part_id;
  ev.body_bytes = bytes;
  ev.duration_ms = (uint32_t)(c->now - t0);
  ev.err = err;
  ev.status = status;
  ev.input_seq = seq;
  chat_emit(c, &ev);
}

static void send_fail(tc_chat_t *c, tc_err_t err, int status)
{
  char part[37];
  tc_chat_source_t src = (tc_chat_source_t)c->send.source;
  memcpy(part, c->send.part_id, sizeof part);
  c->send.source = TC_CHAT_SRC_NONE;
  c->send.step = S_NONE;
  send_event(c, TC_CHAT_EV_MESSAGE_SEND_FAILED, src, part, c->send.body_len, c->send.t0, err, status, -1);
}

static void send_auth_done(tc_chat_t *c, tc_err_t err, int status)
{
  if (c->send.step != S_AUTH) return;
  if (err != TC_OK) {
    send_fail(c, err, status);
    return;
  }
  c->send.step = S_READY;
  c->send.wait_until = 0;
}

/* What a successful append means for the conversation (§6.4, §6.7). */
static void send_effects(tc_chat_t *c, tc_chat_source_t src, bool has_seq, uint64_t seq)
{
  if (src == TC_CHAT_SRC_SUBMIT || src == TC_CHAT_SRC_REGENERATE || src == TC_CHAT_SRC_ACTION) {
    if (src != TC_CHAT_SRC_ACTION) c->last_send_at = c->now ? c->now : 1;
    c->has_in_seq = has_seq;
    c->in_seq = seq;
    c->streaming = 1;
    c->has_turn_start = true;
    c->turn_start_set = c->has_cursor;
    c->turn_start = c->cursor;
    c->abandoned = false;
    c->dirty = true;
    chat_out_open(c, has_seq, seq, false, false);
  } else if (src == TC_CHAT_SRC_STOP) {
    if (!c->abandoned && (c->streaming == 1 || c->has_in_seq)) {
      c->gate = true;
      c->has_superseded = c->has_in_seq;
      c->superseded_seq = c->in_seq;
    }
    chat_out_close(c);
    chat_end_turn(c);
  }
}

static void send_ok(tc_chat_t *c)
{
  tc_json_tok_t jt[TC_CHAT_ANSWER_TOKENS];
  tc_json_doc_t d;
  uint64_t seq = 0;
  bool has_seq = false, pending = false;
  char part[37];
  tc_chat_source_t src = (tc_chat_source_t)c->send.source;
  if (answer_doc(c, &d, jt)) { /* a garbled 2xx answer is a success without seq, as in 4.8.3 */
    has_seq = tc_json_u64(&d, tc_json_get(&d, 0, "seq"), &seq) == TC_OK;
    (void)tc_json_bool(&d, tc_json_get(&d, 0, "pendingVersion"), &pending);
  }
  memcpy(part, c->send.part_id, sizeof part);
  c->send.source = TC_CHAT_SRC_NONE;
  c->send.step = S_NONE;
  if (pending) emit_simple(c, TC_CHAT_EV_RUN_PENDING_VERSION, TC_CHAT_SRC_SEND, TC_OK, 0);
  send_event(c, TC_CHAT_EV_MESSAGE_SENT, src, part, c->send.body_len, c->send.t0, TC_OK, 200,
             has_seq ? (int64_t)seq : -1);
  send_effects(c, src, has_seq, seq);
}

/* 409 {"code":"session_closed","closedReason"} (§2.4). */
static bool closed_answer(tc_chat_t *c, tc_slice_t *reason)
{
  tc_json_tok_t jt[TC_CHAT_ANSWER_TOKENS];
  tc_json_doc_t d;
  tc_slice_t code;
  *reason = TC_SLICE_NULL;
  if (!answer_doc(c, &d, jt) || tc_json_str(&d, tc_json_get(&d, 0, "code"), &code) != TC_OK ||
      !tc_slice_eq(code, "session_closed"))
    return false;
  (void)tc_json_str(&d, tc_json_get(&d, 0, "closedReason"), reason);
  return true;
}

/* 5xx, 429 and network failures: retry with the same X-Part-Id, at most
 * backoff.send_retries times (beyond 4.8.3, which surfaces them; the docs
 * allow it, §6.3). A 429 waits for x-ratelimit-reset when the wall clock is
 * known, else Retry-After, else the backoff. */
static void send_retry(tc_chat_t *c, tc_err_t err, int status)
{
  const tc_http_resp_t *r = &c->rc.resp;
  uint64_t d;
  if (++c->send.retries > or_default(c->cfg->backoff.send_retries, CHAT_SEND_RETRIES)) {
    send_fail(c, err, status);
    return;
  }
  d = chat_backoff(c, or_default(c->cfg->backoff.base_ms, CHAT_RETRY_BASE_MS), c->send.retries,
                   or_default(c->cfg->backoff.max_ms, CHAT_RETRY_MAX_MS));
  if (status == 429 && r->ratelimit_reset >= 0 && c->unix_offset != INT64_MIN) {
    int64_t at = r->ratelimit_reset - c->unix_offset;
    d = at > (int64_t)c->now ? (uint64_t)at - c->now : 0;
  } else if (status == 429 && r->retry_after_s >= 0) {
    d = (uint64_t)r->retry_after_s * 1000u;
  }
  c->send.step = S_READY;
  c->send.wait_until = c->now + d;
}

static void append_done(tc_chat_t *c, tc_err_t err, int status)
{
  tc_slice_t reason;
  if (err != TC_OK) {
    send_retry(c, err == TC_ERR_NET_TIMEOUT ? TC_ERR_TIMEOUT : err, status);
  } else if (status >= 200 && status < 300) {
    send_ok(c);
  } else if ((status == 401 || status == 403) && !c->send.refreshed) {
    c->send.refreshed = true;
    c->send.step = S_AUTH;
    chat_need_auth(c, false, AUTH_FOR_SEND);
  } else if (status == 404 && !c->send.recreated && can_start(c)) {
    c->send.recreated = true;
    c->send.step = S_AUTH;
    c->auth.recreate = true; /* applied if the start succeeds (a provider may answer at once) */
    chat_need_auth(c, true, AUTH_FOR_SEND);
  } else if (status == 409 && closed_answer(c, &reason)) {
    chat_mark_closed(c, reason, TC_CHAT_SRC_SEND);
    send_fail(c, TC_ERR_SESSION_CLOSED, status);
  } else if (status == 429 || status >= 500) {
    send_retry(c, status == 429 ? TC_ERR_RATE_LIMITED : TC_ERR_SERVER, status);
  } else {
    send_fail(c, status == 401 || status == 403 ? TC_ERR_AUTH : status == 404 ? TC_ERR_NOT_FOUND
                 : status == 413 ? TC_ERR_TOO_LARGE : TC_ERR_HTTP_STATUS, status);
  }
}

static bool append_step(tc_chat_t *c)
{
  tc_err_t err;
  if (c->closed) {
    send_fail(c, TC_ERR_SESSION_CLOSED, 0);
    return true;
  }
  err = rq_begin(c, TC_CHAT_EP_IN, 0, c->send.body_len);
  if (err == TC_OK) {
    c->send.step = S_RUNNING;
    c->rq_kind = RQ_APPEND;
  } else if (err <= TC_ERR_NET_EOF && err >= TC_ERR_NET_CLOSED) {
    send_retry(c, err, 0);
  } else {
    send_fail(c, err, 0);
  }
  return true;
}

/* Drives the request connection: finishes the running exchange, then starts
 * the next (a session start or token request first, then the append). */
static bool rq_step(tc_chat_t *c)
{
  tc_err_t err = TC_OK;
  if (chat_conn_busy(&c->rc)) {
    uint8_t kind = c->rq_kind;
    int status;
    if (c->rc.deadline && c->now >= c->rc.deadline) {
      chat_conn_close(&c->rc);
      err = TC_ERR_TIMEOUT;
    } else if (chat_conn_pump(&c->rc, &err) == PUMP_BLOCKED) {
      return false;
    }
    status = err == TC_OK && tc_http_resp_headers_done(&c->rc.resp) ? c->rc.resp.status : 0;
    if (err == TC_OK && !tc_http_resp_reusable(&c->rc.resp)) chat_conn_close(&c->rc);
    c->rq_kind = RQ_NONE;
    if (kind == RQ_APPEND) append_done(c, err, status);
    else auth_done(c, err, status);
    return true;
  }
  if (c->auth.want != AUTH_NONE && c->auth.phase == AP_QUEUED) return auth_step(c);
  if (c->send.step == S_READY && c->now >= c->send.wait_until && c->sess.token_len > 0) return append_step(c);
  return false;
}

/* ------------------------------------------------------------ operations */

static tc_err_t check_json(tc_slice_t s, char first)
{
  tc_err_t err;
  size_t i = 0;
  if (!tc_slice_present(s)) return TC_OK;
  if ((err = tc_json_validate(s.ptr, s.len)) != TC_OK) return err;
  while (i < s.len && (s.ptr[i] == ' ' || s.ptr[i] == '\t' || s.ptr[i] == '\n' || s.ptr[i] == '\r')) i++;
  return (first == 0 || s.ptr[i] == first) ? TC_OK : TC_ERR_JSON_TYPE;
}

static tc_slice_t cslice(const char *s) { return s ? (tc_slice_t){ s, strlen(s) } : TC_SLICE_NULL; }

/* Builds the body and queues the send; starts the session first if needed. */
static tc_err_t send_begin(tc_chat_t *c, const chat_payload_t *p, bool need_session)
{
  tc_buf_t b;
  tc_err_t err;
  if (c->closed) return TC_ERR_SESSION_CLOSED;
  if (c->send.source != TC_CHAT_SRC_NONE) return TC_ERR_BUSY;
  if (!need_session && c->sess.token_len == 0) return TC_ERR_NO_SESSION;
  if ((err = check_json(p->metadata, '{')) != TC_OK || (err = check_json(p->action, 0)) != TC_OK) return err;
  if (p->msg == MSG_PARTS && (err = check_json(p->content, '[')) != TC_OK) return err;
  if (p->msg == MSG_TOOL_OUTPUT && (err = check_json(p->content, 0)) != TC_OK) return err;
  b = tc_buf_make(c->req_buf, c->req_cap > TC_CHAT_ANSWER_MIN ? c->req_cap - TC_CHAT_ANSWER_MIN : 0);
  if ((err = chat_build_body(c, &b, p)) != TC_OK) return err;
  if ((err = tc_json_validate(b.ptr, b.len)) != TC_OK) return err; /* e.g. invalid UTF-8 in text */
  memset(&c->send, 0, sizeof c->send);
  c->send.source = (uint8_t)p->source;
  c->send.body_len = (uint16_t)b.len;
  c->send.t0 = c->now;
  chat_uuid4(c, c->send.part_id);
  c->send.step = S_READY;
  if (c->sess.token_len == 0) {
    c->send.step = S_AUTH;
    chat_need_auth(c, true, AUTH_FOR_SEND);
  }
  return TC_OK;
}

static tc_err_t send_user(tc_chat_t *c, tc_chat_source_t src, chat_msg_kind_t kind, const char *s, size_t len,
                          const char *metadata)
{
  char id[17];
  chat_payload_t p;
  if (s == NULL) return TC_ERR_ARG;
  memset(&p, 0, sizeof p);
  chat_msg_id(c, id);
  p.source = src;
  p.msg = kind;
  p.msg_id = (tc_slice_t){ id, 16 };
  p.content = (tc_slice_t){ s, len };
  p.metadata = cslice(metadata);
  return send_begin(c, &p, src != TC_CHAT_SRC_STEER);
}

tc_err_t tc_chat_send_text(tc_chat_t *c, const char *text, size_t len, const char *metadata_json)
{
  return send_user(c, TC_CHAT_SRC_SUBMIT, MSG_TEXT, text, len, metadata_json);
}

tc_err_t tc_chat_send_parts(tc_chat_t *c, const char *parts_json, size_t len, const char *metadata_json)
{
  return send_user(c, TC_CHAT_SRC_SUBMIT, MSG_PARTS, parts_json, len, metadata_json);
}

tc_err_t tc_chat_steer_text(tc_chat_t *c, const char *text, size_t len, const char *metadata_json)
{
  return send_user(c, TC_CHAT_SRC_STEER, MSG_TEXT, text, len, metadata_json);
}

tc_err_t tc_chat_steer_parts(tc_chat_t *c, const char *parts_json, size_t len, const char *metadata_json)
{
  return send_user(c, TC_CHAT_SRC_STEER, MSG_PARTS, parts_json, len, metadata_json);
}

tc_err_t tc_chat_regenerate(tc_chat_t *c, const char *message_id, const char *metadata_json)
{
  chat_payload_t p;
  memset(&p, 0, sizeof p);
  p.source = TC_CHAT_SRC_REGENERATE;
  p.message_id = cslice(message_id);
  p.metadata = cslice(metadata_json);
  return send_begin(c, &p, true);
}

tc_err_t tc_chat_send_action(tc_chat_t *c, const char *action_json, size_t len, const char *metadata_json)
{
  chat_payload_t p;
  if (action_json == NULL) return TC_ERR_ARG;
  memset(&p, 0, sizeof p);
  p.source = TC_CHAT_SRC_ACTION;
  p.action = (tc_slice_t){ action_json, len };
  p.metadata = cslice(metadata_json);
  return send_begin(c, &p, true);
}

/* The slim assistant message of §4.4 for tool slot i. */
static tc_err_t send_tool(tc_chat_t *c, int i, chat_msg_kind_t kind, tc_slice_t content, bool approved)
{
  chat_payload_t p;
  tc_slice_t msgid = { c->sess.msgid, c->sess.msgid_len };
  if (i < 0) return TC_ERR_ARG;
  if (msgid.len == 0 || c->sess.tools[i].name[0] == '\0') return TC_ERR_STATE;
  memset(&p, 0, sizeof p);
  p.source = TC_CHAT_SRC_SUBMIT;
  p.msg = kind;
  p.msg_id = msgid;
  p.message_id = msgid;
  p.content = content;
  p.tool = &c->sess.tools[i];
  p.dynamic = (c->sess.tools_dynamic >> i) & 1u;
  p.approved = approved;
  return send_begin(c, &p, false);
}

tc_err_t tc_chat_answer_approval(tc_chat_t *c, const char *approval_id, bool approved, const char *reason)
{
  if (approval_id == NULL || approval_id[0] == '\0') return TC_ERR_ARG;
  return send_tool(c, tool_find(c, cslice(approval_id), true), MSG_APPROVAL, cslice(reason), approved);
}

tc_err_t tc_chat_add_tool_output(tc_chat_t *c, const char *tool_call_id, const char *output_json, size_t len)
{
  if (tool_call_id == NULL || tool_call_id[0] == '\0' || output_json == NULL) return TC_ERR_ARG;
  return send_tool(c, tool_find(c, cslice(tool_call_id), false), MSG_TOOL_OUTPUT,
                   (tc_slice_t){ output_json, len }, false);
}

tc_err_t tc_chat_stop(tc_chat_t *c)
{
  chat_payload_t p;
  memset(&p, 0, sizeof p);
  p.source = TC_CHAT_SRC_STOP;
  return send_begin(c, &p, false);
}

tc_err_t tc_chat_send_close(tc_chat_t *c)
{
  chat_payload_t p;
  memset(&p, 0, sizeof p);
  p.source = TC_CHAT_SRC_CLOSE;
  return send_begin(c, &p, false);
}

void tc_chat_clear_stop_gate(tc_chat_t *c)
{
  c->gate = false;
  c->has_superseded = false;
  c->abandoned = true;
}

tc_err_t tc_chat_preload(tc_chat_t *c)
{
  if (c->closed) return TC_ERR_SESSION_CLOSED;
  if (c->sess.token_len > 0 || c->auth.want == AUTH_START) return TC_OK;
  if (!can_start(c)) return TC_ERR_CONFIG;
  chat_need_auth(c, true, AUTH_FOR_PRELOAD);
  return TC_OK;
}

static tc_err_t reconnect(tc_chat_t *c, bool watch)
{
  if (c->closed) return TC_ERR_SESSION_CLOSED;
  if (c->sess.token_len == 0) return TC_ERR_NO_SESSION;
  if (c->out.phase != O_OFF) return TC_ERR_BUSY;
  if (c->streaming == 0 && !watch) return TC_OK; /* §6.8 fast path: no request */
  /* peek only with no input outstanding: it would race the new turn (§5.6) */
  chat_out_open(c, c->has_in_seq, c->in_seq, !watch && !c->has_in_seq && !c->send.source, true);
  return TC_OK;
}

tc_err_t tc_chat_resume(tc_chat_t *c) { return reconnect(c, c->cfg->watch); }

tc_err_t tc_chat_watch(tc_chat_t *c) { return c->cfg->watch ? reconnect(c, true) : TC_ERR_CONFIG; }

tc_err_t tc_chat_restore(tc_chat_t *c, const void *rec, size_t len)
{
  tc_err_t err = TC_OK;
  char key[12];
  if (c->send.source || c->auth.want || c->out.phase != O_OFF) return TC_ERR_BUSY;
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
  c->has_turn_start = c->streaming == 1;
  c->turn_start_set = c->has_cursor;
  c->turn_start = c->cursor;
  c->has_shown = c->sess.flags & TC_SESS_F_SHOWN;
  c->shown = c->persisted_shown = c->sess.shown;
  c->persisted_cursor_set = c->has_cursor;
  c->persisted_cursor = c->cursor;
  c->last_persist = c->now;
  plan_refresh(c);
  return TC_OK;
}

/* ------------------------------------------------------------ lifecycle */

static bool valid_header(const tc_chat_header_t *h)
{
  if (h->name == NULL || h->value == NULL || h->name[0] == '\0') return false;
  for (const char *p = h->name; *p; p++)
    if (*p <= ' ' || *p == ':' || *p > '~') return false;
  for (const char *p = h->value; *p; p++)
    if ((unsigned char)*p < 0x20 && *p != '\t') return false;
  return true;
}

static tc_err_t check_config(const tc_chat_config_t *g)
{
  if (g->random == NULL || g->timeout_seconds > 600) return TC_ERR_CONFIG;
  if (g->auth == TC_CHAT_AUTH_BACKEND && g->start_url == NULL && g->token_url == NULL) return TC_ERR_CONFIG;
  if (g->auth == TC_CHAT_AUTH_DIRECT && (g->secret_key == NULL || g->task_id == NULL)) return TC_ERR_CONFIG;
  if (g->auth > TC_CHAT_AUTH_DIRECT) return TC_ERR_CONFIG;
  if (g->client_data && check_json(cslice(g->client_data), '{') != TC_OK) return TC_ERR_CONFIG;
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
  if (out_net.ops == NULL || req_net.ops == NULL) return TC_ERR_CONFIG;
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
  chat_conn_close(&c->oc);
  chat_conn_close(&c->rc);
  c->out.phase = O_OFF;
  if (c->dirty && c->sess.token_len > 0) persist(c);
}

void tc_chat_set_unix_time(tc_chat_t *c, uint64_t now_ms, uint64_t unix_ms)
{
  c->unix_offset = (int64_t)unix_ms - (int64_t)now_ms;
}

/* Proactive refresh before exp, when nothing else is going on. */
static bool refresh_step(tc_chat_t *c)
{
  if (c->refresh_at == 0 || c->now < c->refresh_at || c->auth.want != AUTH_NONE || c->closed) return false;
  c->refresh_at = 0;
  if (!can_mint(c) && !can_start(c)) return false;
  chat_need_auth(c, false, 0);
  return true;
}

tc_err_t tc_chat_step(tc_chat_t *c, uint64_t now_ms)
{
  if (now_ms > c->now) c->now = now_ms;
  for (int i = 0; i < 16; i++) {
    bool progress = rq_step(c);
    progress |= chat_out_step(c);
    progress |= refresh_step(c);
    if (!progress) break;
  }
  persist_step(c);
  return TC_OK;
}

static uint64_t min64(uint64_t a, uint64_t b) { return a < b ? a : b; }

uint64_t tc_chat_next_deadline(const tc_chat_t *c)
{
  uint64_t t = chat_out_deadline(c);
  if (chat_conn_busy(&c->rc) && c->rc.deadline) t = min64(t, c->rc.deadline);
  if (c->send.step == S_READY && !chat_conn_busy(&c->rc)) t = min64(t, c->send.wait_until);
  if (c->auth.phase == AP_QUEUED) t = min64(t, c->now);
  if (c->refresh_at) t = min64(t, c->refresh_at);
  if (c->dirty) t = min64(t, c->now);
  else if (c->sess.token_len && moved(c))
    t = min64(t, checkpoint_at(c));
  return t;
}

tc_chat_state_t tc_chat_state(const tc_chat_t *c)
{
  if (c->closed) return TC_CHAT_CLOSED;
  if (c->sess.token_len == 0) return c->auth.want ? TC_CHAT_STARTING : TC_CHAT_NO_SESSION;
  if (c->send.source) return TC_CHAT_SENDING;
  if (c->out.phase != O_OFF) return TC_CHAT_STREAMING;
  return TC_CHAT_IDLE;
}

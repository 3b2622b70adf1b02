/*
 * chat_send.c — everything sent on .in (protocol.md §4, §6.3, §6.4, §6.7):
 * the operations, the request connection (one exchange at a time), the
 * append's answer and its retries, and the tool calls remembered for
 * approvals and tool outputs (§4.4).
 */
#include <string.h>

#include "chat_int.h"
#include "tc_json.h"
#include "tc_json_int.h"

/* ------------------------------------------------------------ tool tracking */

static bool safe_name(tc_slice_t s)
{
  return s.len > 0 && s.len < TC_CHAT_TOOL_NAME_MAX && chat_chars_ok(s.ptr, s.len, true);
}

static int tool_find(const tc_chat_t *c, tc_slice_t call_id, bool approval)
{
  for (int i = 0; i < TC_CHAT_TOOLS_MAX; i++) {
    const char *id = approval ? c->sess.tools[i].approval_id : c->sess.tools[i].call_id;
    /* slots are zero-padded: equal when the bytes match and the slot ends there */
    if (call_id.len < TC_CHAT_TOOL_ID_MAX && memcmp(id, call_id.ptr, call_id.len) == 0 && id[call_id.len] == '\0')
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
  int i;
  if (ch->type == TC_CHUNK_START) {
    tc_slice_t id = ch->message_id;
    if (id.len == 0) return; /* (the message goes on) */
    /* an id too long to keep: no id, so its tools cannot be answered
     * under another message's (send_tool refuses) */
    if (id.len > TC_CHAT_MSGID_MAX) id.len = 0;
    if (id.len != c->sess.msgid_len || memcmp(c->sess.msgid, id.ptr, id.len) != 0) {
      memset(c->sess.tools, 0, sizeof c->sess.tools);
      c->sess.tools_dynamic = 0;
    }
    c->sess.msgid_len = (uint8_t)chat_copy_str(c->sess.msgid, TC_CHAT_MSGID_MAX, id, NULL);
    return;
  }
  if (ch->type != TC_CHUNK_TOOL_INPUT_START && ch->type != TC_CHUNK_TOOL_INPUT_AVAILABLE &&
      ch->type != TC_CHUNK_TOOL_APPROVAL_REQUEST)
    return;
  if ((i = tool_slot(c, ch->tool_call_id)) < 0) return;
  if (ch->type == TC_CHUNK_TOOL_APPROVAL_REQUEST) {
    if (ch->approval_id.len < TC_CHAT_TOOL_ID_MAX)
      chat_copy_str(c->sess.tools[i].approval_id, TC_CHAT_TOOL_ID_MAX, ch->approval_id, NULL);
  } else if (safe_name(ch->tool_name)) {
    chat_copy_str(c->sess.tools[i].name, TC_CHAT_TOOL_NAME_MAX, ch->tool_name, NULL);
    if (ch->dynamic) c->sess.tools_dynamic |= (uint8_t)(1u << i);
  }
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

/* The headers are in: unless chunked (trailer lines still come after the
 * body), the header line buffer is free, and the answer starts there. */
static tc_err_t on_rq_headers(void *user, const tc_http_resp_t *r)
{
  tc_chat_t *c = user;
  if (!r->chunked) c->rq_ans_off = (uint16_t)(c->rq_ans_off - c->rq_line);
  return TC_OK;
}

static const tc_http_resp_cb_t rq_cb = { NULL, on_rq_headers, on_rq_body, NULL };

/* Starts a request whose body is req_buf[off..off+len); the head goes after
 * it. Only an append's body must outlive the exchange (a retry sends it
 * again; a provider's body is built again for each attempt), so the
 * response is read over everything after what is kept: the header lines,
 * then the answer (also over the line buffer, see on_rq_headers). The
 * request is sent whole before a response byte is stored, and a resend on
 * a fresh connection happens only before the first one (chat_conn.c). */
tc_err_t chat_rq_begin(tc_chat_t *c, tc_chat_endpoint_t ep, const chat_target_t *t, size_t off, size_t len)
{
  size_t start = off + len, keep = t ? off : start, room = c->req_cap - keep, line;
  tc_url_t u;
  tc_err_t err = chat_req_head(c, ep, t, c->req_buf + start, c->req_cap - start, c->req_buf + off, len, &u);
  if (err != TC_OK) return err;
  /* header lines get TC_HTTP_LINE_MAX, or a third of a larger room (the API's
   * x-trigger-jwt header line is ~600 bytes), never more than half */
  line = room / 3 > TC_HTTP_LINE_MAX ? room / 3 : TC_HTTP_LINE_MAX;
  if (line > room / 2) line = room / 2;
  c->rq_line = (uint16_t)line;
  c->rq_ans_off = (uint16_t)(keep + line);
  c->rq_ans_len = 0;
  c->rq_overflow = false;
  c->rq_at = CHAT_NOW(c) + or_default(c->cfg->backoff.request_ms, CHAT_REQUEST_MS);
  return chat_conn_start(&c->rc, &u, c->req_buf + keep, line, &rq_cb, c);
}

/* The answer as a JSON document (tokens on the caller's stack). Any JSON
 * value: one that is not an object just has no members (tc_json_get). */
bool chat_answer_doc(tc_chat_t *c, tc_json_doc_t *d, tc_json_tok_t *tok)
{
  return !c->rq_overflow &&
         tc_json_doc_parse(d, c->req_buf + c->rq_ans_off, c->rq_ans_len, tok, TC_CHAT_ANSWER_TOKENS) == TC_OK;
}

/* ------------------------------------------------------------ sends */

/* Ends the send in progress and reports it. The event carries a copy, so
 * the application may start the next send from inside the callback. */
static void send_end(tc_chat_t *c, tc_chat_event_type_t type, tc_err_t err, int status, int64_t seq)
{
  struct tc_chat_send done = c->send;
  uint8_t src = c->send_source;
  tc_chat_event_t ev;
  c->send_source = TC_CHAT_SRC_NONE;
  c->send_step = S_NONE;
  chat_event_init(c, &ev, type);
  ev.source = (tc_chat_source_t)src;
  ev.part_id = done.part_id;
  ev.message_id = done.msg_id;
  ev.body_bytes = done.body_len;
  ev.duration_ms = CHAT_NOW(c) - done.t0;
  ev.err = err;
  ev.status = status;
  ev.input_seq = seq;
  chat_emit(c, &ev);
}

static void send_fail(tc_chat_t *c, tc_err_t err, int status)
{
  send_end(c, TC_CHAT_EV_MESSAGE_SEND_FAILED, err, status, -1);
}

void chat_send_auth_done(tc_chat_t *c, tc_err_t err, int status)
{
  if (c->send_step != S_AUTH) return;
  if (err != TC_OK) {
    send_fail(c, err, status);
    return;
  }
  c->send_step = S_READY;
  c->send.wait_until = CHAT_NOW(c);
}

/* What a successful append means for the conversation (§6.4, §6.7). */
static void send_effects(tc_chat_t *c, tc_chat_source_t src, bool has_seq, uint64_t seq)
{
  if (c->closed) return; /* closed on .out while the append was in flight: no turn follows */
  if (src == TC_CHAT_SRC_SUBMIT || src == TC_CHAT_SRC_REGENERATE || src == TC_CHAT_SRC_ACTION) {
    if (src != TC_CHAT_SRC_ACTION) c->last_send_at = chat_after(c, 0);
    c->has_in_seq = has_seq;
    c->in_seq = seq;
    c->streaming = 1;
    c->sess.cursor = c->cursor; /* the turn's start: the record keeps it (§6.1) */
    c->sess.flags = (uint8_t)((c->sess.flags & ~(TC_SESS_F_CURSOR | TC_SESS_F_GATE)) | (c->has_cursor ? TC_SESS_F_CURSOR : 0) |
                              (c->gate ? TC_SESS_F_GATE : 0)); /* (and the stop gate it starts with) */
    c->abandoned = false;
    c->dirty = true;
    chat_out_open(c, false, false);
  } else if (src == TC_CHAT_SRC_STOP) {
    if (!c->abandoned && (c->streaming == 1 || c->has_in_seq)) {
      /* the stopped input's seq; unknown (an append answered without one,
       * §2.4): 0, no boundary is below, or while a gate is still armed one
       * above that gate's (the stopped input came later) */
      c->superseded_seq = c->has_in_seq ? c->in_seq : c->gate ? c->superseded_seq + 1 : 0;
      c->gate = true;
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
  tc_chat_source_t src = (tc_chat_source_t)c->send_source;
  if (chat_answer_doc(c, &d, jt)) { /* a garbled 2xx answer is a success without seq, as in 4.8.3 */
    has_seq = tc_json_u64(&d, tc_json_get(&d, 0, "seq"), &seq) == TC_OK;
    (void)tc_json_bool(&d, tc_json_get(&d, 0, "pendingVersion"), &pending);
  }
  if (pending) chat_emit_simple(c, TC_CHAT_EV_RUN_PENDING_VERSION, TC_CHAT_SRC_SEND, TC_OK, 0);
  c->sess.pend_hash = 0; /* delivered: the same content again is a new message */
  c->dirty = true;
  send_effects(c, src, has_seq, seq);
  send_end(c, TC_CHAT_EV_MESSAGE_SENT, TC_OK, 200, has_seq ? (int64_t)seq : -1);
}

/* 409 {"code":"session_closed","closedReason"} (§2.4). */
static bool closed_answer(tc_chat_t *c, tc_slice_t *reason)
{
  tc_json_tok_t jt[TC_CHAT_ANSWER_TOKENS];
  tc_json_doc_t d;
  tc_slice_t code;
  *reason = TC_SLICE_NULL;
  if (!chat_answer_doc(c, &d, jt) || tc_json_str(&d, tc_json_get(&d, 0, "code"), &code) != TC_OK ||
      !tc_slice_eq(code, "session_closed"))
    return false;
  (void)tc_json_str(&d, tc_json_get(&d, 0, "closedReason"), reason);
  return true;
}

/* 5xx, 429, 408 and network failures: retry with the same X-Part-Id, at most
 * backoff.send_retries times (beyond 4.8.3, which surfaces them; the docs
 * allow it, §6.3). A 429 waits for x-ratelimit-reset when the wall clock is
 * known, else Retry-After, and at least the backoff. (A 408 is what a server
 * sends before closing an idle kept-alive connection, read by the next
 * request on it: RFC 9110 15.5.9 lets the client repeat the request.) */
static void send_retry(tc_chat_t *c, tc_err_t err, int status)
{
  const tc_http_resp_t *r = &c->rc.resp;
  uint32_t d;
  uint64_t w = 0;
  /* (compared before counting: a limit of 255 must not wrap the count) */
  if (c->send.retries >= or_default(c->cfg->backoff.send_retries, CHAT_SEND_RETRIES)) {
    send_fail(c, err, status);
    return;
  }
  c->send.retries++;
  /* the backoff is the least wait: a reset in the past (a skewed clock) or
   * Retry-After: 0 must not send the retries in one burst */
  d = chat_backoff(c, or_default(c->cfg->backoff.base_ms, CHAT_RETRY_BASE_MS), c->send.retries);
  if (status == 429 && r->ratelimit_reset >= 0 && c->unix_offset != INT64_MIN) {
    /* (unsigned: a reset as large as it parses, or a wall clock behind the
     * monotonic one, cannot overflow) */
    uint64_t now_unix = c->now + (uint64_t)c->unix_offset;
    w = (int64_t)now_unix >= r->ratelimit_reset ? 0 : (uint64_t)r->ratelimit_reset - now_unix;
  } else if (status == 429 && r->retry_after_s >= 0) {
    w = r->retry_after_s > CHAT_MS_MAX / 1000 ? CHAT_MS_MAX : (uint64_t)r->retry_after_s * 1000;
  }
  if (w > CHAT_RATE_WAIT_MAX_MS) { /* the chat would be busy meanwhile: the app decides */
    send_fail(c, err, status);
    return;
  }
  if (w > d) d = (uint32_t)w;
  c->send_step = S_READY;
  c->send.wait_until = CHAT_NOW(c) + d;
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
    c->send_step = S_AUTH;
    chat_need_auth(c, false);
  } else if (status == 404 && !c->send.recreated && chat_can(c, true)) {
    c->send.recreated = true; /* (a token question out: the start follows it, chat_need_auth) */
    c->send_step = S_AUTH;
    /* (before asking: a provider may answer at once) */
    c->auth.recreate = chat_forget_session(c);
    chat_need_auth(c, true);
  } else if (status == 409 && closed_answer(c, &reason)) {
    chat_mark_closed(c, reason, TC_CHAT_SRC_SEND);
    send_fail(c, TC_ERR_SESSION_CLOSED, status);
  } else if (status == 429 || status == 408 || status >= 500) {
    send_retry(c, status == 429 ? TC_ERR_RATE_LIMITED : status == 408 ? TC_ERR_TIMEOUT : TC_ERR_SERVER, status);
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
  if (c->send.unsaved) { /* the record knows the part id before a copy can arrive */
    c->send.unsaved = false;
    chat_persist(c);
  }
  err = chat_rq_begin(c, TC_CHAT_EP_IN, NULL, 0, c->send.body_len);
  if (err == TC_OK) {
    c->send_step = S_RUNNING;
  } else if (chat_open_transient(err)) {
    send_retry(c, err, 0);
  } else {
    send_fail(c, err, 0);
  }
  return true;
}

/* Drives the request connection: finishes the running exchange, then starts
 * the next (a session start or token request first, then the append). */
bool chat_rq_step(tc_chat_t *c)
{
  tc_err_t err = TC_OK;
  if (chat_conn_busy(&c->rc)) {
    int status;
    if (chat_due(c, c->rq_at)) {
      chat_conn_close(&c->rc);
      err = TC_ERR_TIMEOUT;
    } else if (chat_conn_pump(&c->rc, &err) == PUMP_BLOCKED) {
      return c->rc.more; /* stopped by the read bound: progress */
    }
    /* (a finished exchange closed the connection unless it may be reused) */
    status = err == TC_OK && tc_http_resp_headers_done(&c->rc.resp) ? c->rc.resp.status : 0;
    /* rc carries the append (S_RUNNING) or else the provider's request (AP_RUNNING) */
    if (c->send_step != S_RUNNING) {
      c->cfg->auth->done(c, err, status);
      return true;
    }
    /* A final status whose header lines the buffer cannot hold (a long
     * body leaves them less than TC_HTTP_LINE_MAX; a retry would meet the
     * same lines) stands, without its answer: a 2xx is a success without
     * seq, as a garbled 2xx answer is; a 401 refreshes, a 5xx retries.
     * (The last status line read: a 1xx's lines keep the error.) */
    if ((err == TC_ERR_HTTP_HEADER_TOO_LONG || err == TC_ERR_HTTP_TOO_MANY_HEADERS) && c->rc.resp.status >= 200) {
      err = TC_OK;
      status = c->rc.resp.status;
      c->rq_overflow = true;
    }
    append_done(c, err, status);
    return true;
  }
  if (c->auth.phase == AP_QUEUED && chat_due(c, c->auth.at)) return c->cfg->auth->step(c);
  /* (S_READY only with a token: restore is refused while a send is under way) */
  if (c->send_step == S_READY && chat_due(c, c->send.wait_until)) return append_step(c);
  return false;
}

/* ------------------------------------------------------------ operations */

tc_err_t chat_check_json(tc_slice_t s, char first)
{
  tc_err_t err;
  if (!tc_slice_present(s)) return TC_OK;
  if ((err = tc_json_validate(s.ptr, s.len)) != TC_OK) return err;
  /* (a valid value has a byte that is not white space) */
  return (first == 0 || *tc_json__ws(s.ptr, s.ptr + s.len) == first) ? TC_OK : TC_ERR_JSON_TYPE;
}

/* init refuses a request buffer under 1024 bytes: a body always has room */
_Static_assert(TC_CHAT_ANSWER_MIN < 1024, "TC_CHAT_ANSWER_MIN must leave room for a body");

/* The send's X-Part-Id: the one of the unfinished send in the record when
 * the content is the same (an app sending again what it saw no end of, after
 * a reboot or a failure: the server's dedupe, 5 minutes by part id, drops a
 * copy that did arrive), else a new one, which the record takes before the
 * first attempt goes out (append_step). The message id in the body may
 * differ: the server keeps the first copy. */
static void part_id(tc_chat_t *c, const chat_payload_t *p)
{
  uint8_t head[2] = { p->source, p->msg };
  uint32_t h = tc_crc32(0, head, sizeof head);
  /* a tool answer's content is its whole body: which calls it answers (ids
   * and names: a slot is reused by later calls), each decision and reason
   * or the output, and the metadata; it has no random message id */
  if (p->msg >= MSG_APPROVAL) h = tc_crc32(h, c->req_buf, c->send.body_len);
  if (p->content.len) h = tc_crc32(h, p->content.ptr, p->content.len);
  h = tc_crc32(h, "\0", 1); /* (content "ab" + metadata "c" is not "a" + "bc") */
  if (p->metadata.len) h = tc_crc32(h, p->metadata.ptr, p->metadata.len);
  h |= !h; /* (0: none) */
  if (h != c->sess.pend_hash) {
    c->cfg->random(c->cfg->random_ctx, c->sess.pend_part, sizeof c->sess.pend_part);
    c->sess.pend_hash = h;
    c->send.unsaved = true;
  }
  chat_hex_id(c->sess.pend_part, c->send.part_id, true);
}

/* Builds the body and queues the send; starts the session first if needed
 * (a steer, a tool answer, stop and close need one already). */
static tc_err_t send_begin(tc_chat_t *c, const chat_payload_t *p)
{
  bool user = p->msg == MSG_TEXT || p->msg == MSG_PARTS;
  bool need_session = p->source != TC_CHAT_SRC_STEER && p->source <= TC_CHAT_SRC_ACTION && p->msg < MSG_APPROVAL;
  tc_buf_t b;
  tc_err_t err;
  if (c->closed) return TC_ERR_SESSION_CLOSED;
  if (c->send_source != TC_CHAT_SRC_NONE) return TC_ERR_BUSY;
  if (!need_session && c->sess.token_len == 0) return TC_ERR_NO_SESSION;
  if ((err = chat_check_json(p->metadata, '{')) != TC_OK) return err;
  if (p->source == TC_CHAT_SRC_ACTION || p->msg == MSG_PARTS || p->msg == MSG_TOOL_OUTPUT)
    if ((err = chat_check_json(p->content, p->msg == MSG_PARTS ? '[' : 0)) != TC_OK) return err;
  if (c->auth.phase == AP_RUNNING) {
    /* A session start or token request holds the request buffer from its
     * start, where the body goes: drop it and ask again after the body. */
    chat_conn_close(&c->rc);
    c->auth.phase = AP_QUEUED;
    c->auth.at = CHAT_NOW(c);
  }
  /* c->send is free (no send in progress): the body reads the message id
   * from it, a new one for a user message, the turn's assistant message for
   * a tool answer (§4.4), "" for the rest */
  memset(&c->send, 0, sizeof c->send);
  if (user) {
    uint8_t r[8];
    c->cfg->random(c->cfg->random_ctx, r, sizeof r);
    chat_hex_id(r, c->send.msg_id, false);
  }
  else if (p->msg != MSG_NONE) memcpy(c->send.msg_id, c->sess.msgid, c->sess.msgid_len);
  b = tc_buf_make(c->req_buf, c->req_cap - TC_CHAT_ANSWER_MIN); /* req_cap >= 1024 */
  if ((err = chat_build_body(c, &b, p)) != TC_OK) return err;
  if ((err = tc_json_validate(b.ptr, b.len)) != TC_OK) return err; /* e.g. invalid UTF-8 in text */
  c->send_source = p->source;
  c->send.body_len = (uint16_t)b.len;
  c->send.t0 = c->send.wait_until = CHAT_NOW(c); /* (0 reads as 24 days ahead once now passes 2^31) */
  part_id(c, p);
  c->send_step = S_READY;
  if (c->sess.token_len == 0) {
    c->send_step = S_AUTH;
    chat_need_auth(c, true);
  }
  return TC_OK;
}

/* Every operation but the tool answers: the content (s may be NULL only
 * where it is optional), metadata, and OP(source, message kind). The
 * arguments come in the public functions' order, so each passes its own
 * three on unmoved and adds the constant. */
#define OP(src, kind) ((unsigned)(src) | (unsigned)(kind) << 8)
static tc_err_t send_op(tc_chat_t *c, const char *s, size_t len, const char *metadata, unsigned op)
{
  uint8_t src = (uint8_t)op, kind = (uint8_t)(op >> 8);
  chat_payload_t p;
  if (s == NULL && (kind != MSG_NONE || src == TC_CHAT_SRC_ACTION)) return TC_ERR_ARG;
  memset(&p, 0, sizeof p);
  p.source = src;
  p.msg = kind;
  p.content = (tc_slice_t){ s, len };
  p.metadata = chat_cslice(metadata);
  return send_begin(c, &p);
}

tc_err_t tc_chat_send_text(tc_chat_t *c, const char *text, size_t len, const char *metadata_json)
{
  return send_op(c, text, len, metadata_json, OP(TC_CHAT_SRC_SUBMIT, MSG_TEXT));
}

tc_err_t tc_chat_send_parts(tc_chat_t *c, const char *parts_json, size_t len, const char *metadata_json)
{
  return send_op(c, parts_json, len, metadata_json, OP(TC_CHAT_SRC_SUBMIT, MSG_PARTS));
}

tc_err_t tc_chat_steer_text(tc_chat_t *c, const char *text, size_t len, const char *metadata_json)
{
  return send_op(c, text, len, metadata_json, OP(TC_CHAT_SRC_STEER, MSG_TEXT));
}

tc_err_t tc_chat_steer_parts(tc_chat_t *c, const char *parts_json, size_t len, const char *metadata_json)
{
  return send_op(c, parts_json, len, metadata_json, OP(TC_CHAT_SRC_STEER, MSG_PARTS));
}

tc_err_t tc_chat_regenerate(tc_chat_t *c, const char *message_id, const char *metadata_json)
{
  return send_op(c, message_id, message_id ? strlen(message_id) : 0, metadata_json, OP(TC_CHAT_SRC_REGENERATE, MSG_NONE));
}

tc_err_t tc_chat_send_action(tc_chat_t *c, const char *action_json, size_t len, const char *metadata_json)
{
  return send_op(c, action_json, len, metadata_json, OP(TC_CHAT_SRC_ACTION, MSG_NONE));
}

tc_err_t tc_chat_stop(tc_chat_t *c) { return send_op(c, NULL, 0, NULL, OP(TC_CHAT_SRC_STOP, MSG_NONE)); }

tc_err_t tc_chat_send_close(tc_chat_t *c) { return send_op(c, NULL, 0, NULL, OP(TC_CHAT_SRC_CLOSE, MSG_NONE)); }

/* The tool a tool answer names (by approval id or call id), if it can be
 * answered: TC_ERR_ARG unknown, TC_ERR_STATE without its message id or name. */
static tc_err_t tool_answerable(const tc_chat_t *c, const char *id, bool approval, uint8_t *slot)
{
  int i;
  if (id == NULL || id[0] == '\0') return TC_ERR_ARG;
  if ((i = tool_find(c, chat_cslice(id), approval)) < 0) return TC_ERR_ARG;
  if (c->sess.msgid_len == 0 || c->sess.tools[i].name[0] == '\0') return TC_ERR_STATE;
  *slot = (uint8_t)i;
  return TC_OK;
}

tc_err_t tc_chat_answer_approvals(tc_chat_t *c, const tc_chat_approval_t *answers, size_t n)
{
  chat_payload_t p;
  tc_err_t err;
  if (answers == NULL || n == 0 || n > TC_CHAT_TOOLS_MAX) return TC_ERR_ARG;
  memset(&p, 0, sizeof p);
  p.source = TC_CHAT_SRC_SUBMIT;
  p.msg = MSG_APPROVAL;
  p.answers = (uint8_t)n;
  p.answer = answers;
  for (size_t k = 0; k < n; k++) {
    if ((err = tool_answerable(c, answers[k].approval_id, true, &p.slot[k])) != TC_OK) return err;
    for (size_t j = 0; j < k; j++)
      if (p.slot[j] == p.slot[k]) return TC_ERR_ARG; /* one tool answered twice */
  }
  return send_begin(c, &p);
}

tc_err_t tc_chat_answer_approval(tc_chat_t *c, const char *approval_id, bool approved, const char *reason)
{
  tc_chat_approval_t a = { approval_id, approved, reason };
  return tc_chat_answer_approvals(c, &a, 1);
}

tc_err_t tc_chat_add_tool_output(tc_chat_t *c, const char *tool_call_id, const char *output_json, size_t len)
{
  chat_payload_t p;
  tc_err_t err;
  if (output_json == NULL) return TC_ERR_ARG;
  memset(&p, 0, sizeof p);
  if ((err = tool_answerable(c, tool_call_id, false, &p.tool)) != TC_OK) return err;
  p.source = TC_CHAT_SRC_SUBMIT;
  p.msg = MSG_TOOL_OUTPUT;
  p.content = (tc_slice_t){ output_json, len };
  return send_begin(c, &p);
}

void tc_chat_clear_stop_gate(tc_chat_t *c)
{
  c->gate = false;
  c->abandoned = true;
  c->dirty = true; /* (the record keeps the gate) */
}


/*
 * chat_auth.c — session start and token refresh (protocol.md §2.1, §3,
 * §6.9, §6.11): the two asynchronous providers (the app's callbacks, or the
 * built-in BACKEND and DIRECT requests on the request connection), adopting a
 * token, and the proactive refresh before the token's exp.
 */
#include <string.h>

#include "chat_int.h"
#include "tc_json.h"

bool chat_token_char(char ch)
{
  return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
         ch == '-' || ch == '_' || ch == '.';
}

/* Proactive refresh (beyond 4.8.3): shortly before exp, from the wall clock
 * when known, else from the token's lifetime counted from now. */
void chat_plan_refresh(tc_chat_t *c)
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
    if (!chat_token_char(tok[i])) return TC_ERR_TOKEN;
  memmove(c->sess.token, tok, len);
  c->sess.token_len = (uint16_t)len;
  c->dirty = true;
  chat_plan_refresh(c);
  return TC_OK;
}

/* ------------------------------------------------------------ session start / refresh */

bool chat_can_start(const tc_chat_t *c)
{
  const tc_chat_config_t *g = c->cfg;
  return g->auth == TC_CHAT_AUTH_DIRECT || (g->auth == TC_CHAT_AUTH_BACKEND ? g->start_url != NULL : g->start_session != NULL);
}

static bool can_mint(const tc_chat_t *c)
{
  const tc_chat_config_t *g = c->cfg;
  return g->auth == TC_CHAT_AUTH_BACKEND ? g->token_url != NULL : g->auth == TC_CHAT_AUTH_CALLBACK && g->access_token != NULL;
}

static void auth_finish(tc_chat_t *c, tc_err_t err, int status, tc_slice_t tok, bool pending)
{
  uint8_t waiters = c->auth.waiters, kind = c->auth.want;
  bool recreate = c->auth.recreate, fresh = c->sess.token_len == 0;
  if (err == TC_OK) err = chat_adopt_token(c, tok.ptr, tok.len);
  memset(&c->auth, 0, sizeof c->auth);
  if (err == TC_OK && kind == AUTH_START) {
    if (pending) chat_emit_simple(c, TC_CHAT_EV_RUN_PENDING_VERSION, TC_CHAT_SRC_START, TC_OK, 0);
    if (recreate) { /* §6.3: the stale cursor pointed at another session */
      c->has_cursor = false;
      c->has_shown = false;
      c->has_turn_start = false;
    }
    if (recreate || fresh) c->streaming = 0;
  }
  if (err != TC_OK) chat_emit_simple(c, TC_CHAT_EV_AUTH_FAILED, TC_CHAT_SRC_NONE, err, status);
  if (waiters & AUTH_FOR_SEND) chat_send_auth_done(c, err, status);
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
  if (start && !chat_can_start(c)) start = false;  /* no start: the mint must do */
  if (!(start ? chat_can_start(c) : can_mint(c))) {
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

bool chat_auth_step(tc_chat_t *c)
{
  size_t off = c->send.source ? c->send.body_len : 0;
  tc_buf_t b = tc_buf_make(c->req_buf + off, (c->req_cap - off) / 2);
  tc_err_t err = auth_body(c, &b);
  if (err == TC_OK) err = chat_rq_begin(c, c->auth.want == AUTH_START ? TC_CHAT_EP_START : TC_CHAT_EP_TOKEN, off, b.len);
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
  if (!chat_answer_doc(c, &d, jt)) return TC_ERR_PROTOCOL;
  i = tc_json_get(&d, 0, "publicAccessToken");
  if (i < 0) i = tc_json_get(&d, 0, "token");
  if (tc_json_str(&d, i, tok) != TC_OK) return TC_ERR_PROTOCOL;
  (void)tc_json_bool(&d, tc_json_get(&d, 0, "pendingVersion"), pending);
  return TC_OK;
}

void chat_auth_done(tc_chat_t *c, tc_err_t err, int status)
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

tc_err_t tc_chat_preload(tc_chat_t *c)
{
  if (c->closed) return TC_ERR_SESSION_CLOSED;
  if (c->sess.token_len > 0 || c->auth.want == AUTH_START) return TC_OK;
  if (!chat_can_start(c)) return TC_ERR_CONFIG;
  chat_need_auth(c, true, AUTH_FOR_PRELOAD);
  return TC_OK;
}

/* Proactive refresh before exp, when nothing else is going on. */
bool chat_refresh_step(tc_chat_t *c)
{
  if (c->refresh_at == 0 || c->now < c->refresh_at || c->auth.want != AUTH_NONE || c->closed) return false;
  c->refresh_at = 0;
  if (!can_mint(c) && !chat_can_start(c)) return false;
  chat_need_auth(c, false, 0);
  return true;
}


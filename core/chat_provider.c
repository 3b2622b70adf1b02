/*
 * chat_provider.c — the two built-in session providers (protocol.md §2.1,
 * §2.2): optional layers on the chat's provider interface, run on the
 * request connection.
 *
 *   BACKEND  POST start_url {"chatId","taskId","clientData"} ->
 *            {"publicAccessToken"}; POST token_url {"chatId"} -> the token
 *            (text/plain, or {"token"|"publicAccessToken"}); both carry the
 *            device key header when configured.
 *   DIRECT   POST <base>/api/v1/sessions with a secret key (DEVELOPMENT ONLY).
 *
 * The chat reaches them only through cfg->auth (TC_CHAT_AUTH_BACKEND /
 * TC_CHAT_AUTH_DIRECT point at the tables at the end), so an application
 * with its own provider callbacks does not link this file.
 */
#include <string.h>

#include "chat_int.h"
#include "tc_json.h"

#define IS_DIRECT(g) ((g)->auth == &tc_chat_provider_direct)

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
  if (IS_DIRECT(g)) { /* §2.2, as chat.createStartSessionAction builds it */
    chat_put(b, "{\"type\":\"chat.agent\",\"externalId\":%q,\"taskIdentifier\":%q,"
                "\"triggerConfig\":{\"basePayload\":{\"messages\":[],\"trigger\":\"preload\"",
             c->chat_id, g->task_id);
    if (g->client_data) chat_put(b, ",\"metadata\":%s", g->client_data);
    chat_put(b, ",\"chatId\":%q},\"tags\":[", c->chat_id);
    if (strlen(c->chat_id) <= 123) put_tag(b, c->chat_id); /* chatRunTags: tags <= 128 chars */
    chat_put(b, "]}}");
  } else {
    chat_put(b, "{\"chatId\":%q", c->chat_id);
    if (c->auth.want == AUTH_START)
      chat_put(b, ",\"taskId\":%q,\"clientData\":%s", g->task_id ? g->task_id : "",
               g->client_data ? g->client_data : "{}");
    chat_put(b, "}");
  }
  return b->overflow ? TC_ERR_NOSPACE : TC_OK;
}

/* A transient failure (the network, a timeout, 408, 429, 5xx) asks again
 * after the backoff, at most backoff.send_retries times, as an append does
 * (beyond 4.8.3, whose accessToken/startSession errors surface at once: on a
 * device a blip during a refresh would end the stream or fail the send).
 * False when the budget is spent: the failure stands. */
static bool provider_retry(tc_chat_t *c)
{
  const tc_chat_backoff_t *b = &c->cfg->backoff;
  /* (compared before counting: a limit of 255 must not wrap the count) */
  if (c->auth.retries >= or_default(b->send_retries, CHAT_SEND_RETRIES)) return false;
  c->auth.retries++;
  c->auth.phase = AP_QUEUED;
  c->auth.at = chat_after(c, chat_backoff(c, or_default(b->base_ms, CHAT_RETRY_BASE_MS), c->auth.retries));
  return true;
}

/* Builds the body after a held append body and starts the request. */
static bool provider_step(tc_chat_t *c)
{
  const tc_chat_config_t *g = c->cfg;
  bool start = c->auth.want == AUTH_START;
  size_t off = c->send_source ? c->send.body_len : 0;
  tc_buf_t b = tc_buf_make(c->req_buf + off, (c->req_cap - off) / 2);
  chat_target_t t;
  tc_err_t err = auth_body(c, &b);
  memset(&t, 0, sizeof t);
  if (IS_DIRECT(g)) {
    t.url = g->base_url ? g->base_url : CHAT_DEFAULT_BASE;
    t.path = "/api/v1/sessions";
    t.bearer = chat_cslice(g->secret_key);
  } else {
    t.url = start ? g->start_url : g->token_url;
    t.key_name = g->device_key_header;
    t.key_value = g->device_key;
  }
  if (err == TC_OK) err = chat_rq_begin(c, start ? TC_CHAT_EP_START : TC_CHAT_EP_TOKEN, &t, off, b.len);
  if (chat_open_transient(err) && provider_retry(c)) return true;
  if (err != TC_OK) {
    chat_auth_finish(c, err, 0, TC_SLICE_NULL, false);
    return true;
  }
  c->auth.phase = AP_RUNNING;
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

static void provider_done(tc_chat_t *c, tc_err_t err, int status)
{
  tc_slice_t tok = TC_SLICE_NULL;
  bool pending = false;
  if (c->closed) { /* closed while it ran: withdrawn (chat_mark_closed), nothing more is asked or told */
    memset(&c->auth, 0, sizeof c->auth);
    return;
  }
  if ((err != TC_OK || status == 408 || status == 429 || status >= 500) && provider_retry(c)) return;
  if (err == TC_OK) {
    if (status >= 200 && status < 300) err = auth_answer(c, &tok, &pending);
    else if (status == 409 && IS_DIRECT(c->cfg)) err = TC_ERR_SESSION_CLOSED;
    else err = (status == 401 || status == 403) ? TC_ERR_AUTH : TC_ERR_HTTP_STATUS;
  }
  if (err == TC_ERR_SESSION_CLOSED) chat_mark_closed(c, TC_SLICE_NULL, TC_CHAT_SRC_START);
  chat_auth_finish(c, err, status, tok, pending);
}

static tc_err_t backend_check(const tc_chat_config_t *g)
{
  return g->start_url || g->token_url ? TC_OK : TC_ERR_CONFIG;
}

/* No token_url: a refresh starts the session again. */
static bool backend_can(const tc_chat_config_t *g, bool start)
{
  return (start ? g->start_url : g->token_url) != NULL;
}

static tc_err_t direct_check(const tc_chat_config_t *g)
{
  return g->secret_key && g->task_id ? TC_OK : TC_ERR_CONFIG;
}

/* DIRECT only starts sessions (each start yields a fresh token). */
static bool direct_can(const tc_chat_config_t *g, bool start)
{
  (void)g;
  return start;
}

const tc_chat_provider_t tc_chat_provider_backend = { backend_check, backend_can, provider_step, provider_done };
const tc_chat_provider_t tc_chat_provider_direct = { direct_check, direct_can, provider_step, provider_done };

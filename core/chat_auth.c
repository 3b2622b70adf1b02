/*
 * chat_auth.c — session start and token refresh (protocol.md §2.1, §3,
 * §6.9, §6.11): asking the provider (the app's two asynchronous callbacks,
 * or a built-in provider of chat_provider.c through its function pointers),
 * adopting a token, and the proactive refresh before the token's exp.
 */
#include <string.h>

#include "chat_int.h"
#include "tc_json.h"

bool chat_chars_ok(const char *s, size_t n, bool colon)
{
  for (size_t i = 0; i < n; i++) {
    char ch = s[i];
    if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-' ||
          ch == '_' || ch == '.' || (colon && ch == ':')))
      return false;
  }
  return true;
}

#if TC_CHAT_PROACTIVE_REFRESH
/* Proactive refresh (beyond 4.8.3): shortly before exp, from the wall clock
 * when known, else from the token's lifetime counted from now. A wall clock
 * before the token's iat - 5 min is not trusted, nor, for a token that has
 * just arrived (fresh), one at or past its exp: a clock set wrong would make
 * every fresh token look expired and refresh it every second (a stale token
 * then waits for its 401, as in 4.8.3). A token kept from before (restored,
 * or planned again when the clock arrives) may really have expired: it is
 * refreshed at once, and if the clock was wrong the new token is fresh. */
void chat_plan_refresh(tc_chat_t *c, bool fresh)
{
  int64_t exp_s, iat_s, ttl_ms;
  int64_t from_ms = (int64_t)(c->now + (uint64_t)c->unix_offset), now_s = from_ms / 1000; /* (the wall clock's) */
  uint32_t t, margin = or_default(c->cfg->refresh_margin_ms, CHAT_REFRESH_MARGIN_MS);
  bool life;
  c->refresh_at = c->token_end = 0;
  if (tc_jwt_times(c->sess.token, c->sess.token_len, &exp_s, &iat_s) != TC_OK || exp_s <= 0) return;
  /* an exp past any clock (up to INT64_MAX parses) ends at the cap below,
   * without overflowing the arithmetic */
  if (exp_s > INT64_MAX / 4000) exp_s = INT64_MAX / 4000;
  life = iat_s > 0 && exp_s > iat_s;
  /* no wall clock (or one run past INT64_MAX ms), or one set wrong: the
   * lifetime counts from now (as if now were iat); a token without one (no
   * iat) waits for its 401 */
  if (c->unix_offset == INT64_MIN || from_ms < 0 || (life && now_s < iat_s - 300) || (fresh && now_s >= exp_s)) {
    if (!life) return;
    from_ms = iat_s * 1000;
  }
  ttl_ms = exp_s * 1000 - from_ms;
  /* clamped to 32 bits: every lifetime beyond them ends at the 24-day cap
   * below (half of it is already past 2^31), none at or under 0 gives 1 s */
  t = ttl_ms <= 0 ? 0 : ttl_ms > UINT32_MAX ? UINT32_MAX : (uint32_t)ttl_ms;
  c->token_end = chat_after(c, t > CHAT_MS_MAX ? CHAT_MS_MAX : t); /* (for a refused refresh's retry) */
  if (margin > t / 2) margin = t / 2;
  t = t - margin > 1000 ? t - margin : 1000;
  /* a token living longer than 24 days gets a spare refresh at 24 days */
  c->refresh_at = chat_after(c, t > CHAT_MS_MAX ? CHAT_MS_MAX : t);
}

/* A proactive refresh was refused and nobody waited for it: the held token
 * serves until its exp, so the refresh is tried again after half the time
 * left (at least CHAT_REFRESH_RETRY_MS: a provider that refuses at once is
 * not asked in a loop), the last time at or just after exp; then the next
 * 401/403 asks. */
static void plan_refresh_retry(tc_chat_t *c)
{
  int32_t left = (int32_t)(c->token_end - CHAT_NOW(c));
  c->refresh_at = 0;
  if (c->token_end == 0 || left <= 0) return;
  left /= 2;
  c->refresh_at = chat_after(c, (uint32_t)left > CHAT_REFRESH_RETRY_MS ? (uint32_t)left : CHAT_REFRESH_RETRY_MS);
}
#endif

tc_err_t chat_adopt_token(tc_chat_t *c, const char *tok, size_t len)
{
  if (len == 0 || len > TC_CHAT_TOKEN_MAX) return TC_ERR_TOKEN;
  if (!chat_chars_ok(tok, len, false)) return TC_ERR_TOKEN;
  memmove(c->sess.token, tok, len);
  c->sess.token_len = (uint16_t)len;
  c->dirty = true;
  chat_plan_refresh(c, true);
  return TC_OK;
}

/* ------------------------------------------------------------ session start / refresh */

bool chat_can(const tc_chat_t *c, bool start)
{
  const tc_chat_config_t *g = c->cfg;
  if (g->auth) return g->auth->can(g, start);
  return start ? g->start_session != NULL : g->access_token != NULL;
}

/* §6.3: a 404 on an append means the session the record describes is gone.
 * What the chat knew of it goes at once, and the record is written then, so
 * that a power cut while the new session starts cannot bring the old cursor
 * back: with a token that still holds for the chat id, the resent message
 * would reach the new session and its .out would ask for records after the
 * old session's seq_num, skipping the new answer. (4.8.3 drops lastEventId
 * when startSession resolves; it keeps no record a restart reads.) */
bool chat_forget_session(tc_chat_t *c)
{
  bool watching = c->out.phase != O_OFF && c->cfg->watch;
  c->has_cursor = false;
  c->has_shown = false;
  c->out.frag_shown = 0; /* (seq_nums start again) */
  /* (and .in's: a stop gate armed for the old session's turn would wait in
   * the new one for a boundary that never comes, and a stop sent again
   * there, armed by the old turn's seq, would) */
  c->gate = false;
  c->has_in_seq = false;
  c->late = false; /* (the new session has no earlier answer) */
  c->streaming = 0;
  c->mid_turn = false; /* (nor the old one's turn start) */
  /* .out still on the old session's stream would set the cursor again */
  chat_out_close(c);
  chat_persist(c);
  return watching;
}

static void ask(tc_chat_t *c, bool start);

tc_err_t chat_auth_finish(tc_chat_t *c, tc_err_t err, int status, tc_slice_t tok, bool pending)
{
  uint8_t kind = c->auth.want;
  bool recreate = c->auth.recreate, fresh = c->sess.token_len == 0;
  /* nobody waits (no send in S_AUTH, no .out in O_AUTH) while a token is
   * held: a proactive refresh (a preload starts only without a token) */
  bool spare = !fresh && c->send_step != S_AUTH && c->out.phase != O_AUTH, start_after = c->start_after;
  if (err == TC_OK) err = chat_adopt_token(c, tok.ptr, tok.len);
  memset(&c->auth, 0, sizeof c->auth);
  c->start_after = false;
  if (start_after && err == TC_OK && !c->closed) {
    /* a token does not bring a gone session back (§6.3: a 404 on an append
     * re-runs startSession): the send waits for the start, asked now */
    c->auth.recreate = recreate;
    ask(c, true); /* (chat_can(c, true) held when start_after was set) */
    return err;
  }
  if (err == TC_OK && kind == AUTH_START) {
    if (pending) chat_emit_simple(c, TC_CHAT_EV_RUN_PENDING_VERSION, TC_CHAT_SRC_START, TC_OK, 0);
    if (recreate) chat_out_open(c, false, true); /* a watcher follows the new session from its start */
    if (fresh) c->streaming = 0;
  }
  if (err != TC_OK) {
#if TC_CHAT_PROACTIVE_REFRESH
    if (spare) plan_refresh_retry(c);
#endif
    chat_emit_simple(c, TC_CHAT_EV_AUTH_FAILED, spare ? TC_CHAT_SRC_REFRESH : TC_CHAT_SRC_NONE, err, status);
  }
  /* the waiters: a send in S_AUTH, .out in O_AUTH (each asks when it enters it) */
  chat_send_auth_done(c, err, status);
  chat_out_auth_done(c, err);
  return err;
}

void chat_need_auth(tc_chat_t *c, bool start)
{
  if (c->auth.want != AUTH_NONE) { /* asked already: its answer serves every waiter */
    /* but a start (a 404 repair) is asked after a token question */
    if (start && c->auth.want == AUTH_TOKEN && chat_can(c, true)) c->start_after = true;
    return;
  }
  c->start_after = false;
  if (c->closed) { /* terminal: nobody is asked (a 401 on an append in flight at the close) */
    chat_send_auth_done(c, TC_ERR_SESSION_CLOSED, 0);
    chat_out_auth_done(c, TC_ERR_SESSION_CLOSED);
    return;
  }
  /* no mint: starting again yields a token; no start: the mint must do */
  if (!chat_can(c, start)) start = !start;
  if (!chat_can(c, start)) {
    c->auth.want = start ? AUTH_START : AUTH_TOKEN;
    chat_auth_finish(c, TC_ERR_CONFIG, 0, TC_SLICE_NULL, false);
    return;
  }
  ask(c, start);
}

/* Asks the question (the provider can answer it: chat_can). Apart from
 * chat_need_auth so that chat_auth_finish can ask a start after a token
 * without a call cycle (make stack refuses recursion). */
static void ask(tc_chat_t *c, bool start)
{
  const tc_chat_config_t *g = c->cfg;
  c->auth.want = start ? AUTH_START : AUTH_TOKEN;
  if (g->auth != TC_CHAT_AUTH_CALLBACK) { /* a built-in provider: its request runs in the step */
    c->auth.phase = AP_QUEUED;
    c->auth.at = CHAT_NOW(c);
    return;
  }
  c->auth.phase = AP_ASKED;
  c->auth.at = CHAT_NOW(c) + or_default(g->provider_ms, CHAT_PROVIDER_MS); /* (before: it may answer at once) */
  if (start) g->start_session(g->user, c); /* may answer at once */
  else g->access_token(g->user, c);
}

/* Either answer fits either question: a start and a mint both yield a token. */
static tc_err_t provide(tc_chat_t *c, tc_err_t err, const char *tok, size_t len, bool pending)
{
  if (c->auth.phase != AP_ASKED) return TC_ERR_STATE; /* (a phase implies a question) */
  if (tok == NULL) len = 0; /* refused as empty when adopted */
  return chat_auth_finish(c, err, 0, (tc_slice_t){ tok, len }, pending);
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

tc_err_t tc_chat_preload(tc_chat_t *c)
{
  if (c->closed) return TC_ERR_SESSION_CLOSED;
  if (c->sess.token_len > 0 || c->auth.want == AUTH_START) return TC_OK;
  if (!chat_can(c, true)) return TC_ERR_CONFIG;
  chat_need_auth(c, true);
  return TC_OK;
}

/* A CALLBACK provider's question unanswered after provider_ms fails with
 * TC_ERR_TIMEOUT, as a built-in provider's request that exhausted its
 * retries does; it is not asked again (the app's first call may still be
 * running: it would get two questions at once). */
bool chat_auth_step(tc_chat_t *c)
{
  if (c->auth.phase != AP_ASKED || !chat_due(c, c->auth.at)) return chat_refresh_step(c);
  tc_chat_provide_failed(c, TC_ERR_TIMEOUT); /* as if the app had answered so */
  return true;
}

#if TC_CHAT_PROACTIVE_REFRESH
/* Proactive refresh before exp, when nothing else is going on. */
bool chat_refresh_step(tc_chat_t *c)
{
  if (c->refresh_at == 0 || !chat_due(c, c->refresh_at) || c->auth.want != AUTH_NONE || c->closed) return false;
  c->refresh_at = 0;
  if (!chat_can(c, false) && !chat_can(c, true)) return false;
  chat_need_auth(c, false);
  return true;
}
#endif

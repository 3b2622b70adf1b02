/* chat_server_fake.c — see chat_server_fake.h. Included after chat_fake.c. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chat_server_fake.h"
#include "tc_json.h"

static srv_t *srv_cur; /* the server behind the wrapped transports (one at a time) */

static uint32_t srv_rand(srv_t *s, uint32_t n)
{
  s->rnd ^= s->rnd << 13;
  s->rnd ^= s->rnd >> 17;
  s->rnd ^= s->rnd << 5;
  return n ? s->rnd % n : 0;
}

static void srv_fail(srv_t *s, const char *what)
{
  if (s->err[0] == '\0') snprintf(s->err, sizeof s->err, "server: %s", what);
}

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static void srv_log(srv_t *s, const char *fmt, ...)
{
  char line[200];
  va_list ap;
  if (s->on_log == NULL) return;
  va_start(ap, fmt);
  vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  s->on_log(s->log_user, line);
}

/* ------------------------------------------------------------ connections */

static void conn_reset(srv_conn_t *k)
{
  k->frozen = k->dead = k->streaming = k->settled = k->close_after = k->err_event = false;
  k->tx_len = k->tx_pos = 0;
  k->net->sent_len = 0; /* bytes of the old connection are gone */
}

static srv_conn_t *conn_of(srv_t *s, void *ctx) { return ctx == &s->w->out ? &s->out : &s->req; }

static tc_err_t srv_open(void *ctx, const char *host, uint16_t port, bool tls, uint32_t timeout_ms)
{
  tc_err_t e = fake_net_ops.open(ctx, host, port, tls, timeout_ms);
  srv_log(srv_cur, "server: the chat opens %s: %s", ctx == &srv_cur->w->out ? ".out" : "the request connection", tc_strerror(e));
  if (e == TC_OK) conn_reset(conn_of(srv_cur, ctx));
  return e;
}

static void srv_close_op(void *ctx)
{
  if (((fake_net_t *)ctx)->connected) srv_log(srv_cur, "server: the chat closes %s", ctx == &srv_cur->w->out ? ".out" : "the request connection");
  fake_net_ops.close(ctx);
  conn_reset(conn_of(srv_cur, ctx));
}

static int32_t srv_send(void *ctx, const uint8_t *buf, size_t len) { return fake_net_ops.send(ctx, buf, len); }
static int32_t srv_recv(void *ctx, uint8_t *buf, size_t len) { return fake_net_ops.recv(ctx, buf, len); }
static size_t srv_pending(void *ctx) { return fake_net_ops.pending(ctx); }

static const tc_transport_ops_t srv_net_ops = { srv_open, srv_send, srv_recv, srv_pending, srv_close_op };

tc_transport_t srv_transport(srv_t *s, bool out)
{
  tc_transport_t t = { &srv_net_ops, out ? &s->w->out : &s->w->req };
  return t;
}

/* ------------------------------------------------------------ tokens */

static void b64url(tc_buf_t *b, const char *p, size_t n)
{
  static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  for (size_t i = 0; i < n; i += 3) {
    uint32_t v = (uint32_t)(uint8_t)p[i] << 16;
    size_t k = n - i < 3 ? n - i : 3;
    if (k > 1) v |= (uint32_t)(uint8_t)p[i + 1] << 8;
    if (k > 2) v |= (uint8_t)p[i + 2];
    for (size_t j = 0; j < k + 1; j++) {
      char ch = a[(v >> (18 - 6 * j)) & 63];
      tc_buf_put(b, &ch, 1);
    }
  }
}

static void token_text(const srv_t *s, int i, char *out, size_t cap)
{
  char payload[128];
  tc_buf_t b = tc_buf_make(out, cap - 1);
  uint64_t iat = (SRV_UNIX0 + s->tokens[i].exp_ms) / 1000 - SRV_TOKEN_LIFE_S;
  int n = snprintf(payload, sizeof payload, "{\"exp\":%lu,\"iat\":%lu,\"sub\":\"c1\",\"n\":%d}",
                   (unsigned long)(iat + SRV_TOKEN_LIFE_S), (unsigned long)iat, i);
  tc_buf_puts(&b, "eyJhbGciOiJIUzI1NiJ9.");
  b64url(&b, payload, (size_t)n);
  tc_buf_puts(&b, ".s");
  tc_buf_put_u64(&b, (uint64_t)i);
  out[b.len] = '\0';
}

const char *srv_mint(srv_t *s, bool start)
{
  static char tok[200];
  int i;
  if (start && !s->alive) { /* a new incarnation (after a 404: a new session row) */
    s->alive = true;
    s->epoch++;
    s->in_next = s->out_next = 0;
    s->last_tc_seq = s->prev_tc_seq = -1;
  }
  if (s->ntokens == SRV_TOKENS_MAX) { /* (keep the last one valid) */
    srv_fail(s, "too many tokens");
    s->ntokens--;
  }
  i = s->ntokens++;
  s->tokens[i].exp_ms = s->w->now + SRV_TOKEN_LIFE_S * 1000ull;
  s->tokens[i].revoked = false;
  token_text(s, i, tok, sizeof tok);
  return tok;
}

void srv_revoke_all(srv_t *s)
{
  for (int i = 0; i < s->ntokens; i++) s->tokens[i].revoked = true;
}

static bool token_ok(const srv_t *s, const char *auth)
{
  const char *dot = strrchr(auth, '.');
  char want[200];
  int i;
  if (strncmp(auth, "Bearer ", 7) != 0 || dot == NULL || dot[1] != 's') return false;
  i = atoi(dot + 2);
  if (i < 0 || i >= s->ntokens || s->tokens[i].revoked || s->w->now >= s->tokens[i].exp_ms) return false;
  token_text(s, i, want, sizeof want);
  return strcmp(auth + 7, want) == 0;
}

/* ------------------------------------------------------------ the .out log */

static uint32_t arena_put(srv_t *s, const char *p, size_t n)
{
  uint32_t at = s->arena_len;
  if (n > SRV_ARENA_MAX - at) {
    srv_fail(s, "arena full");
    return at;
  }
  memcpy(s->arena + at, p, n);
  s->arena_len += (uint32_t)n;
  return at;
}

static srv_rec_t *rec_add(srv_t *s, uint8_t kind, int turn, const char *json, size_t n)
{
  srv_rec_t *r;
  if (s->nrecs == SRV_RECS_MAX) {
    srv_fail(s, "too many records");
    return &s->recs[SRV_RECS_MAX - 1];
  }
  r = &s->recs[s->nrecs++];
  memset(r, 0, sizeof *r);
  r->len = (uint32_t)n;
  r->off = arena_put(s, json, n);
  r->seq = s->out_next++;
  r->turn = (uint16_t)turn;
  r->epoch = s->epoch;
  r->kind = kind;
  return r;
}

static char rec_tmp[3 * SRV_TEXT_MAX + 1024];

/* {"seq_num":N,"timestamp":T,"body":"{\"data\":<chunk>,\"id\":\"e<N>\"}"} */
static srv_rec_t *data_rec(srv_t *s, uint8_t kind, int turn, const char *chunk, size_t n)
{
  static char env[2 * SRV_TEXT_MAX + 512];
  tc_buf_t e = tc_buf_make(env, sizeof env), b = tc_buf_make(rec_tmp, sizeof rec_tmp);
  tc_buf_puts(&e, "{\"data\":");
  tc_buf_put(&e, chunk, n);
  tc_buf_puts(&e, ",\"id\":\"e");
  tc_buf_put_u64(&e, s->out_next);
  tc_buf_puts(&e, "\"}");
  tc_buf_puts(&b, "{\"seq_num\":");
  tc_buf_put_u64(&b, s->out_next);
  tc_buf_puts(&b, ",\"timestamp\":");
  tc_buf_put_u64(&b, SRV_UNIX0 + s->w->now);
  tc_buf_puts(&b, ",\"body\":");
  tc_json_put_str(&b, (tc_slice_t){ env, e.len });
  tc_buf_puts(&b, "}");
  if (e.overflow || b.overflow) srv_fail(s, "record too large");
  return rec_add(s, kind, turn, rec_tmp, b.len);
}

static void control_rec(srv_t *s, uint8_t kind, int turn, const char *headers)
{
  tc_buf_t b = tc_buf_make(rec_tmp, sizeof rec_tmp);
  tc_buf_puts(&b, "{\"seq_num\":");
  tc_buf_put_u64(&b, s->out_next);
  tc_buf_puts(&b, ",\"timestamp\":");
  tc_buf_put_u64(&b, SRV_UNIX0 + s->w->now);
  tc_buf_puts(&b, ",\"headers\":");
  tc_buf_puts(&b, headers);
  tc_buf_puts(&b, kind == SR_TRIM ? ",\"body\":\"\\u0000\\u0000\\u0000\\u0000\\u0000\\u0000\\u0000\\u0013\"}"
                                  : ",\"body\":\"\"}");
  rec_add(s, kind, turn, rec_tmp, b.len);
}

/* Pieces of the agent's text: ASCII, 2, 3 and 4-byte UTF-8, and what JSON
 * must escape (twice: the chunk is a string inside the record's body). */
static const char *const pieces[] = {
  "Hel", "lo", ", w\xc3\xb6rld", " \xe2\x98\x83", " \"quoted\"", " back\\slash", "\ttab", "\nline",
  " \xf0\x9f\x98\x80", " \xe6\x97\xa5\xe6\x9c\xac", " </script>", " \\u0041", " \001ctl", " caf\xc3\xa9", ".", " {}[],:",
};
#define NPIECES (sizeof pieces / sizeof pieces[0])

static void agent_delta(srv_t *s, int t, bool longer)
{
  srv_turn_t *tu = &s->turns[t];
  static char chunk[2 * SRV_TEXT_MAX + 128];
  tc_buf_t c = tc_buf_make(chunk, sizeof chunk);
  uint32_t start = tu->text_len, goal = longer ? 1600 + srv_rand(s, 700) : 1;
  srv_rec_t *r;
  while (tu->text_len - start < goal) {
    const char *p = pieces[srv_rand(s, NPIECES)];
    size_t n = strlen(p);
    if (tu->text_len + n > SRV_TEXT_MAX) break;
    memcpy(tu->text + tu->text_len, p, n);
    tu->text_len += (uint32_t)n;
    if (!longer && srv_rand(s, 2)) break;
  }
  tc_buf_puts(&c, "{\"type\":\"text-delta\",\"id\":\"t0\",\"delta\":");
  tc_json_put_str(&c, (tc_slice_t){ tu->text + start, tu->text_len - start });
  tc_buf_puts(&c, "}");
  r = data_rec(s, SR_TEXT, t, chunk, c.len);
  r->text_off = start;
  r->text_len = tu->text_len - start;
}

static void agent_end(srv_t *s, int t);

/* The agent's answer to the .in record seq (the app's message msg). */
static void agent_turn(srv_t *s, uint64_t in_seq, int msg)
{
  char buf[400];
  int t = s->nturns, n;
  srv_turn_t *tu;
  if (t == SRV_TURNS_MAX) {
    srv_fail(s, "too many turns");
    return;
  }
  s->nturns++;
  tu = &s->turns[t];
  memset(tu, 0, sizeof *tu);
  tu->epoch = s->epoch;
  tu->in_seq = in_seq;
  tu->msg = msg;
  n = snprintf(buf, sizeof buf, "{\"type\":\"start\",\"messageId\":\"a%d\"}", t);
  data_rec(s, SR_DATA, t, buf, (size_t)n);
  n = snprintf(buf, sizeof buf, "{\"type\":\"text-start\",\"id\":\"t0\"}");
  data_rec(s, SR_DATA, t, buf, (size_t)n);
  for (uint32_t i = 0, nd = 2 + srv_rand(s, 5), lng = srv_rand(s, 4) == 0 ? srv_rand(s, nd) : nd; i < nd; i++)
    agent_delta(s, t, i == lng);
  n = snprintf(buf, sizeof buf, "{\"type\":\"text-end\",\"id\":\"t0\"}");
  data_rec(s, SR_DATA, t, buf, (size_t)n);
  n = snprintf(buf, sizeof buf, "{\"type\":\"finish\",\"finishReason\":\"stop\"}");
  data_rec(s, SR_DATA, t, buf, (size_t)n);
  agent_end(s, t);
}

/* The turn-complete of turn t, then a trim pointing at the previous one. */
static void agent_end(srv_t *s, int t)
{
  char buf[400];
  int n;
  {
    uint64_t tc_seq = s->out_next, in_seq = s->turns[t].in_seq;
    n = snprintf(buf, sizeof buf,
                 "[[\"trigger-control\",\"turn-complete\"],[\"public-access-token\",\"%s\"],"
                 "[\"session-in-event-id\",\"%lu\"],[\"session-in-consumed-id\",\"%lu\"]]",
                 srv_mint(s, false), (unsigned long)in_seq, (unsigned long)in_seq);
    control_rec(s, SR_TC, t, buf);
    (void)n;
    if (s->last_tc_seq >= 0) control_rec(s, SR_TRIM, t, "[[\"\",\"trim\"]]");
    s->prev_tc_seq = s->last_tc_seq;
    s->last_tc_seq = (int64_t)tc_seq;
  }
}

/* {"kind":"stop"} (§6.7, §7.3): the agent cuts the turn it is writing (the
 * records not yet published are dropped) and ends it with its
 * turn-complete. A stop while no turn is being written, or while more than
 * one is queued, changes nothing. */
static void agent_stop(srv_t *s)
{
  int t, i;
  uint32_t len = 0;
  if (s->pub == s->nrecs || s->recs[s->pub].epoch != s->epoch) return;
  t = s->recs[s->pub].turn;
  for (i = s->pub; i < s->nrecs; i++)
    if (s->recs[i].turn != t) return;
  for (i = s->pub; i < s->nrecs; i++) /* the turn-complete (and trim) to write again */
    if (s->recs[i].kind == SR_TC) break;
  if (i == s->nrecs) return;
  s->arena_len = s->recs[s->pub].off;
  s->out_next = s->recs[s->pub].seq;
  s->nrecs = s->pub;
  for (i = 0; i < s->nrecs; i++)
    if (s->recs[i].turn == t && s->recs[i].kind == SR_TEXT) len = s->recs[i].text_off + s->recs[i].text_len;
  s->turns[t].text_len = len;
  s->turns[t].stopped = true;
  s->last_tc_seq = s->prev_tc_seq;
  agent_end(s, t);
}

void srv_publish(srv_t *s, int n)
{
  s->pub = s->pub + n > s->nrecs ? s->nrecs : s->pub + n;
}

void srv_close_session(srv_t *s)
{
  if (s->closed) return;
  s->closed = true;
  if (s->alive)
    control_rec(s, SR_CLOSED, -1, "[[\"trigger-control\",\"session-closed\"],[\"session-closed-reason\",\"budget\"]]");
}

void srv_destroy(srv_t *s)
{
  s->alive = false;
  if (s->pub < s->nrecs) { /* the old session's agent writes no more */
    s->arena_len = s->recs[s->pub].off;
    s->nrecs = s->pub;
  }
}

int srv_find(const srv_t *s, uint8_t epoch, uint64_t seq, int *kind, uint32_t *text_off)
{
  for (int i = 0; i < s->nrecs; i++)
    if (s->recs[i].epoch == epoch && s->recs[i].seq == seq) {
      *kind = s->recs[i].kind;
      *text_off = s->recs[i].text_off;
      return s->recs[i].turn;
    }
  return -1;
}

int srv_copies(const srv_t *s, int m)
{
  int n = 0;
  for (int i = 0; i < s->nin; i++) n += s->in[i].msg == m;
  return n;
}

/* ------------------------------------------------------------ requests */

typedef struct srv_req {
  bool post;
  char path[128];
  char auth[256];
  char part[40];
  bool has_last, peek;
  uint64_t last;
  long clen, timeout_s;
  const char *body;
  size_t body_len, total;
} srv_req_t;

static bool hname(const char *line, size_t n, const char *name, const char **val)
{
  size_t k = strlen(name);
  if (n < k + 2 || line[k] != ':') return false;
  for (size_t i = 0; i < k; i++) {
    char a = line[i], b = name[i];
    if (a >= 'A' && a <= 'Z') a = (char)(a + 32);
    if (b >= 'A' && b <= 'Z') b = (char)(b + 32);
    if (a != b) return false;
  }
  *val = line + k + 1;
  while (**val == ' ') (*val)++;
  return true;
}

static void copy_val(char *dst, size_t cap, const char *v, const char *end)
{
  size_t n = (size_t)(end - v) < cap - 1 ? (size_t)(end - v) : cap - 1;
  memcpy(dst, v, n);
  dst[n] = '\0';
}

/* A whole request at the start of sent (0: not yet whole). */
static int parse_req(srv_t *s, fake_net_t *n, srv_req_t *r)
{
  const char *p = n->sent, *end = NULL, *line, *v;
  size_t len = n->sent_len;
  memset(r, 0, sizeof *r);
  r->clen = -1;
  for (size_t i = 0; i + 3 < len; i++)
    if (memcmp(p + i, "\r\n\r\n", 4) == 0) {
      end = p + i;
      break;
    }
  if (end == NULL) return 0;
  line = p;
  {
    const char *e = strstr(line, "\r\n"), *sp1 = memchr(line, ' ', (size_t)(e - line)), *sp2;
    if (sp1 == NULL) return srv_fail(s, "bad request line"), -1;
    sp2 = memchr(sp1 + 1, ' ', (size_t)(e - sp1 - 1));
    if (sp2 == NULL) return srv_fail(s, "bad request line"), -1;
    r->post = strncmp(line, "POST ", 5) == 0;
    copy_val(r->path, sizeof r->path, sp1 + 1, sp2);
    line = e + 2;
  }
  while (line < end) {
    const char *e = strstr(line, "\r\n");
    size_t ln = (size_t)(e - line);
    if (hname(line, ln, "Authorization", &v)) copy_val(r->auth, sizeof r->auth, v, e);
    else if (hname(line, ln, "X-Part-Id", &v)) copy_val(r->part, sizeof r->part, v, e);
    else if (hname(line, ln, "Content-Length", &v)) r->clen = atol(v);
    else if (hname(line, ln, "X-Peek-Settled", &v)) r->peek = *v == '1';
    else if (hname(line, ln, "Timeout-Seconds", &v)) r->timeout_s = atol(v);
    else if (hname(line, ln, "Last-Event-ID", &v)) {
      r->has_last = true;
      r->last = strtoull(v, NULL, 10);
    }
    line = e + 2;
  }
  r->body = end + 4;
  r->body_len = r->clen > 0 ? (size_t)r->clen : 0;
  r->total = (size_t)(r->body - p) + r->body_len;
  return r->total <= len ? 1 : 0;
}

static void tx_put(srv_conn_t *k, const char *p, size_t n)
{
  if (k->tx_pos == k->tx_len) k->tx_pos = k->tx_len = 0;
  if (n > SRV_TX_MAX - k->tx_len) n = SRV_TX_MAX - k->tx_len; /* (never: a batch fits) */
  memcpy(k->tx + k->tx_len, p, n);
  k->tx_len += n;
}

static void answer(srv_t *s, srv_conn_t *k, int status, const char *extra, const char *body)
{
  char buf[1024];
  srv_log(s, "server: %s answers %d %.60s", k->is_out ? ".out" : "request", status, body);
  int n = snprintf(buf, sizeof buf, "HTTP/1.1 %d X\r\nContent-Type: application/json\r\n%sContent-Length: %lu\r\n\r\n%s",
                   status, extra ? extra : "", (unsigned long)strlen(body), body);
  (void)s;
  tx_put(k, buf, (size_t)n);
  if (k->is_out) k->close_after = true;
}

/* The armed status of a fault: 401 revokes the tokens (then the check
 * answers it), 404 ends the session's incarnation; the rest are answered as
 * they are. Returns true when answered. */
static bool armed_status(srv_t *s, srv_conn_t *k, const srv_req_t *r)
{
  int f = k->fault_status;
  char extra[160];
  k->fault_status = 0;
  if (f == 0) return false;
  if (f == 401) {
    srv_revoke_all(s);
    return false;
  }
  if (f == 404) { /* (not once this part id was appended: its retry would land in the new incarnation) */
    for (int i = 0; i < s->nin; i++)
      if (strcmp(s->in[i].part, r->part) == 0) return false;
    srv_destroy(s);
    return false;
  }
  if (f == 429 || f == 4290) { /* 4290: a reset further away than the chat waits */
    uint64_t reset = SRV_UNIX0 + s->w->now + (f == 4290 ? 90000 : srv_rand(s, 4000));
    s->n429 += f == 4290;
    snprintf(extra, sizeof extra, "x-ratelimit-limit: 60\r\nx-ratelimit-remaining: 0\r\nx-ratelimit-reset: %llu\r\n%s",
             (unsigned long long)reset, srv_rand(s, 2) ? "Retry-After: 1\r\n" : "");
    answer(s, k, 429, extra, "{\"error\":\"Rate limit exceeded\"}");
    return true;
  }
  if (f == 403) {
    if (k->is_out) s->auth_refused_out++; else s->auth_refused++;
    answer(s, k, 403, NULL, "{\"error\":\"Unauthorized\",\"code\":\"unauthorized\",\"param\":\"access_token\",\"type\":\"authorization\"}");
    return true;
  }
  answer(s, k, f, NULL, "{\"ok\":false,\"error\":\"Something went wrong, please try again.\"}");
  return true;
}

static int body_msg(const srv_req_t *r)
{
  for (size_t i = 0; i + 4 < r->body_len; i++)
    if (memcmp(r->body + i, "msg ", 4) == 0) return atoi(r->body + i + 4);
  return -1;
}

static bool body_has(const srv_req_t *r, const char *needle)
{
  size_t k = strlen(needle);
  for (size_t i = 0; i + k <= r->body_len; i++)
    if (memcmp(r->body + i, needle, k) == 0) return true;
  return false;
}

static void on_append(srv_t *s, srv_conn_t *k, const srv_req_t *r)
{
  char body[128];
  snprintf(s->last_part, sizeof s->last_part, "%s", r->part);
  if (armed_status(s, k, r)) return;
  if (!token_ok(s, r->auth)) {
    s->auth_refused++;
    answer(s, k, 401, NULL, "{\"error\":\"Public Access Token has expired. See https://trigger.dev/docs\"}");
    return;
  }
  if (!s->alive) {
    s->n404++;
    answer(s, k, 404, NULL, "{\"error\":\"Resource not found\"}");
    return;
  }
  if (s->closed) {
    s->answered_409++;
    answer(s, k, 409, NULL,
           "{\"ok\":false,\"error\":\"Cannot append to a closed session\",\"code\":\"session_closed\",\"closedReason\":\"budget\"}");
    return;
  }
  if (r->clen < 0) {
    answer(s, k, 413, NULL, "{\"error\":\"Request body too large\"}");
    return;
  }
  if (r->part[0] == '\0') srv_fail(s, "an append without X-Part-Id");
  for (int i = 0; i < s->nin; i++)
    if (s->in[i].epoch == s->epoch && strcmp(s->in[i].part, r->part) == 0) { /* a retry: not a new message */
      if (s->seq_on_dup) snprintf(body, sizeof body, "{\"ok\":true,\"seq\":%lu}", (unsigned long)s->in[i].seq);
      else snprintf(body, sizeof body, "{\"ok\":true}");
      answer(s, k, 200, NULL, body);
      return;
    }
  if (s->nin == SRV_IN_MAX) {
    srv_fail(s, "too many appends");
    return;
  }
  {
    srv_in_t *in = &s->in[s->nin++];
    in->epoch = s->epoch;
    in->seq = s->in_next++;
    in->msg = body_msg(r);
    snprintf(in->part, sizeof in->part, "%s", r->part);
    srv_log(s, "server: append seq %lu (incarnation %d) msg %d", (unsigned long)in->seq, s->epoch, in->msg);
    if (body_has(r, "\"submit-message\"")) agent_turn(s, in->seq, in->msg);
    else if (body_has(r, "{\"kind\":\"stop\"}")) agent_stop(s);
    snprintf(body, sizeof body, "{\"ok\":true,\"seq\":%lu}", (unsigned long)in->seq);
    answer(s, k, 200, NULL, body);
  }
}

/* The first record of this incarnation after the cursor. */
static int first_after(const srv_t *s, bool has, uint64_t cursor)
{
  int i;
  for (i = 0; i < s->nrecs; i++)
    if (s->recs[i].epoch == s->epoch && (!has || s->recs[i].seq > cursor)) break;
  return i;
}

/* §5.6: the newest non-command record published is a turn-complete. */
static bool peek_settled(const srv_t *s)
{
  for (int i = s->pub - 1; i >= 0; i--) {
    if (s->recs[i].epoch != s->epoch) return false;
    if (s->recs[i].kind == SR_TRIM) continue;
    return s->recs[i].kind == SR_TC;
  }
  return false;
}

static void on_out(srv_t *s, srv_conn_t *k, const srv_req_t *r)
{
  const char *head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nX-Stream-Version: v2\r\n"
                     "Access-Control-Expose-Headers: *\r\n";
  if (armed_status(s, k, r)) return;
  if (!token_ok(s, r->auth)) {
    s->auth_refused_out++;
    answer(s, k, 401, NULL, "{\"error\":\"Public Access Token has expired.\"}");
    return;
  }
  if (r->timeout_s < 1 || r->timeout_s > 600) {
    srv_fail(s, "GET .out with a bad Timeout-Seconds");
    answer(s, k, 400, NULL, "{\"error\":\"Invalid timeout seconds\"}");
    return;
  }
  srv_log(s, "server: GET .out%s%s%lu%s (incarnation %d, %d records)", r->peek ? " peek" : "",
          r->has_last ? " from " : "", r->has_last ? (unsigned long)r->last : 0ul, r->has_last ? "" : " from the start",
          s->epoch, s->nrecs);
  k->streaming = true;
  k->epoch = s->epoch;
  k->next = first_after(s, r->has_last, r->last);
  k->settled = r->peek && peek_settled(s);
  k->window_end = s->w->now + (uint64_t)r->timeout_s * 1000;
  tx_put(k, head, strlen(head));
  if (k->settled) tx_put(k, "X-Session-Settled: true\r\n", 25);
  tx_put(k, "\r\n", 2);
}

/* .out's next bytes once the previous ones are served: a batch of the
 * published records after the last one sent, [DONE] at the end of the
 * window (or at once when settled), or nothing (the long poll). */
static void out_fill(srv_t *s, srv_conn_t *k)
{
  char num[64];
  int n = 0, nb;
  if (!k->streaming || k->tx_pos < k->tx_len) return;
  if (k->err_event) {
    tx_put(k, "event: error\ndata: Stream read failed\n\n", 39);
    k->close_after = true;
    k->streaming = false;
    return;
  }
  while (k->next < s->pub && s->recs[k->next].epoch != k->epoch) k->next++;
  nb = 1 + (int)srv_rand(s, 3);
  if (k->next < s->pub && k->epoch == s->epoch) {
    int last = k->next;
    tx_put(k, "event: batch\n", 13);
    for (int i = k->next; i < s->pub && n < nb; i++)
      if (s->recs[i].epoch == k->epoch) last = i, n++;
    snprintf(num, sizeof num, "id: %lu,%d,0\n", (unsigned long)s->recs[last].seq, n);
    tx_put(k, num, strlen(num));
    tx_put(k, "data: {\"records\":[", 18);
    for (int i = k->next, m = 0; i <= last; i++) {
      if (s->recs[i].epoch != k->epoch) continue;
      if (m++) tx_put(k, ",", 1);
      tx_put(k, s->arena + s->recs[i].off, s->recs[i].len);
    }
    snprintf(num, sizeof num, "],\"tail\":{\"seq_num\":%lu,\"timestamp\":1}}\n\n", (unsigned long)s->out_next);
    tx_put(k, num, strlen(num));
    k->next = last + 1;
    return;
  }
  if (k->settled || s->w->now >= k->window_end) {
    tx_put(k, "data: [DONE]\n\n", 14);
    k->close_after = true;
    k->streaming = false;
  }
}

static void serve_requests(srv_t *s, srv_conn_t *k)
{
  srv_req_t r;
  int got;
  if (!k->net->connected || k->dead) return;
  while ((got = parse_req(s, k->net, &r)) == 1) {
    s->requests++;
    if (k->is_out) {
      if (r.post || strcmp(r.path, "/realtime/v1/sessions/c1/out") != 0) srv_fail(s, "unexpected request on .out");
      else on_out(s, k, &r);
    } else {
      if (!r.post || strcmp(r.path, "/realtime/v1/sessions/c1/in/append") != 0) srv_fail(s, "unexpected request");
      else on_append(s, k, &r);
    }
    memmove(k->net->sent, k->net->sent + r.total, k->net->sent_len - r.total);
    k->net->sent_len -= r.total;
  }
  if (got < 0) k->net->sent_len = 0;
}

void srv_pump(srv_t *s)
{
  serve_requests(s, &s->req);
  serve_requests(s, &s->out);
  out_fill(s, &s->out);
}

static size_t inbox_room(const fake_net_t *n)
{
  return n->in_pos == n->in_len ? FAKE_INBOX_MAX : FAKE_INBOX_MAX - n->in_len;
}

void srv_drip(srv_t *s, srv_conn_t *k, size_t n)
{
  fake_net_t *net = k->net;
  size_t avail;
  if (!net->connected || k->dead || k->frozen) return;
  if (k->is_out) out_fill(s, k);
  avail = k->tx_len - k->tx_pos;
  if (n > avail) n = avail;
  if (n > inbox_room(net)) n = inbox_room(net);
  if (k->cut_left >= 0 && (long)n > k->cut_left) n = (size_t)k->cut_left;
  if (n) {
    fake_reply_n(net, k->tx + k->tx_pos, n);
    k->tx_pos += n;
  }
  if (k->cut_left >= 0 && avail > 0 && (k->cut_left -= (long)n) == 0) {
    k->cut_left = -1;
    k->dead = true;
    if (k->cut_rst) net->fail_after = TC_ERR_NET_RESET;
    else fake_eof(net);
    return;
  }
  if (k->tx_pos == k->tx_len && k->close_after) {
    k->dead = true;
    fake_eof(net);
  }
}

bool srv_busy(const srv_t *s)
{
  const srv_conn_t *ks[2] = { &s->req, &s->out };
  if (s->pub < s->nrecs) return true;
  for (int i = 0; i < 2; i++) {
    const srv_conn_t *k = ks[i];
    if (!k->net->connected || k->dead) continue;
    if (k->net->sent_len) return true; /* (a request not yet read) */
    if (k->frozen) continue;
    if (k->tx_pos < k->tx_len) return true;
    if (k->is_out && k->streaming && k->epoch == s->epoch && k->next < s->pub) return true;
  }
  return false;
}

void srv_init(srv_t *s, world_t *w, uint32_t seed)
{
  memset(s, 0, sizeof *s);
  s->w = w;
  s->req.net = &w->req;
  s->out.net = &w->out;
  s->out.is_out = true;
  s->req.cut_left = s->out.cut_left = -1;
  s->last_tc_seq = s->prev_tc_seq = -1;
  s->rnd = seed * 2654435761u + 1;
  srv_cur = s;
}

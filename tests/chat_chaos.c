/*
 * chat_chaos.c — a model-based chaos run of the chat against the fake
 * Sessions server (chat_server_fake.c), with an oracle. Included by
 * tests/test_chat_chaos.c (seeded PRNG) and tests/fuzz/fuzz_chat_oracle.c
 * (the schedule read from the fuzzer's input), after chat_fake.c.
 *
 * An app sends T messages ("msg <k>", the same text on every try) one after another, then a
 * last one with no fault armed. At each step a schedule serves the server's
 * bytes in random pieces, lets the agent publish, and within a budget of
 * faults per message: cuts .out or the request connection at a byte (a
 * reset or a clean EOF; also an append's answer after the server took the
 * append), answers the next request with 401/403/404/408/429/500/503,
 * sends an SSE error event, stalls a connection (the clock then runs to the
 * chat's header/stall/request timeout), revokes the tokens, reboots the chat
 * (tc_chat_deinit, then tc_chat_init on the same store, tc_chat_restore,
 * tc_chat_resume: the README's reboot path), jumps the clock by minutes to
 * hours (tokens expire), closes the kept-alive request connection while
 * idle, fails a connect, or closes the session.
 *
 * The oracle (what the app saw, against what the server holds):
 *  - every server turn's text reached the app exactly once, in order, as
 *    TEXT events not marked replayed (each event is mapped to its turn by
 *    the record's seq_num): nothing lost, nothing repeated;
 *  - each message is on the server once: X-Part-Id dedupes the retries, and
 *    the app's resend of a message it saw no end of (a reboot mid-append, a
 *    failed send) reuses the part id the record kept;
 *  - one TURN_COMPLETE per message whose MESSAGE_SENT the app saw (also
 *    when a reboot interrupted the turn: it completes in the new chat), at
 *    most one per server turn, none when no message waits for one;
 *  - a send fails, or .out gives up, only where the faults made it
 *    documented behaviour (two auth refusals in a row, two 404s, a 429
 *    reset beyond 60 s, a closed session);
 *  - MESSAGE_SENT's input_seq is the server's seq for that part id;
 *  - the chat never spins (w_step), never hangs (a waiting app with no
 *    deadline and a quiet server), ends idle and takes the last message;
 *  - after SESSION_CLOSED no request reaches the server (but one already
 *    written), and sends are refused locally.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "chat_server_fake.c"

#define CH_MSGS_MAX 10
#define CH_TICKS_MAX 6000
#define CH_LOG_MAX 12000

enum { M_READY = 0, M_SENDING, M_SENT, M_DONE };

typedef struct ch_msg {
  int state;
  int attempts;
  int reboots_in_append;   /* reboots while its append was outstanding */
  int failed_after_accept; /* MESSAGE_SEND_FAILED with the part id on the server */
  int tcs;                 /* TURN_COMPLETE while it waited */
  bool errored;            /* ended by an allowed STREAM_ERROR */
  bool stopped;            /* stopped while its turn streamed */
  bool seq_unknown;        /* its MESSAGE_SENT had no input seq (a deduplicated append) */
  /* server counters when the attempt / the turn began */
  int auth0, auth_out0, n404_0, n429_0;
} ch_msg_t;

typedef struct chaos {
  world_t w;
  srv_t srv;
  /* the schedule's source: a PRNG, or the fuzzer's bytes */
  uint32_t rnd;
  const uint8_t *data;
  size_t size, at;
  uint32_t seed;
  int nmsgs, cur, budget;
  ch_msg_t msg[CH_MSGS_MAX];
  int faults, reboots, ticks, quiet;
  int power_cuts, stops, replayed, resends, fail_accepted, late; /* what a run did (for the summary) */
  int pend_provide;        /* 1 start, 2 token: the app answers next tick */
  bool closed_seen;
  int close_allow;         /* requests already written when it closed */
  int requests_at_close;
  bool verbose;
  bool stopper;            /* the app stops some turns */
  int stop_msg;            /* the message a stop outstanding was for (-1: none) */
  char shown[SRV_TURNS_MAX][SRV_TEXT_MAX];
  uint32_t shown_len[SRV_TURNS_MAX];
  int turn_tcs[SRV_TURNS_MAX];
  char log[CH_LOG_MAX];
  size_t log_len;
  char fail[320];
} chaos_t;

static uint32_t ch_rand(chaos_t *c, uint32_t n)
{
  uint32_t v;
  if (c->data) {
    v = c->at < c->size ? c->data[c->at++] : 0;
    if (n > 256) v = v << 8 | (c->at < c->size ? c->data[c->at++] : 0);
  } else {
    c->rnd ^= c->rnd << 13;
    c->rnd ^= c->rnd >> 17;
    c->rnd ^= c->rnd << 5;
    v = c->rnd;
  }
  return n ? v % n : 0;
}

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static void ch_log(chaos_t *c, const char *fmt, ...)
{
  va_list ap;
  int n;
  if (c->log_len + 200 > CH_LOG_MAX) return;
  n = snprintf(c->log + c->log_len, CH_LOG_MAX - c->log_len, "[t%d %lums m%d] ", c->ticks,
               (unsigned long)c->w.now, c->cur);
  if (n > 0) c->log_len += (size_t)n;
  va_start(ap, fmt);
  n = vsnprintf(c->log + c->log_len, CH_LOG_MAX - c->log_len, fmt, ap);
  va_end(ap);
  if (n > 0) c->log_len += (size_t)n;
  if (c->log_len >= CH_LOG_MAX) c->log_len = CH_LOG_MAX - 1;
  c->log[c->log_len++] = '\n';
  c->log[c->log_len] = '\0';
}

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static void violation(chaos_t *c, const char *fmt, ...)
{
  va_list ap;
  char what[256];
  va_start(ap, fmt);
  vsnprintf(what, sizeof what, fmt, ap);
  va_end(ap);
  ch_log(c, "VIOLATION: %s", what);
  if (c->fail[0] == '\0') snprintf(c->fail, sizeof c->fail, "tick %d msg %d: %s", c->ticks, c->cur, what);
}

static void ch_srv_log(void *user, const char *line)
{
  chaos_t *c = user;
  if (c->verbose) ch_log(c, "%s", line);
}

/* ------------------------------------------------------------ the app */

static void ch_provide(chaos_t *c, int kind)
{
  const char *tok = srv_mint(&c->srv, kind == 1);
  tc_err_t e = kind == 1 ? tc_chat_provide_session(&c->w.chat, tok, strlen(tok), false)
                         : tc_chat_provide_token(&c->w.chat, tok, strlen(tok));
  ch_log(c, "app: provides a %s token: %s", kind == 1 ? "session" : "fresh", tc_strerror(e));
}

/* The CALLBACK providers: the app's backend answers at once, or at the
 * next step (tc_chat.h: "the application answers later"). */
static void ch_ask(chaos_t *c, int kind)
{
  if (ch_rand(c, 3) == 0) c->pend_provide = kind;
  else ch_provide(c, kind);
}
static void ch_start(void *user, tc_chat_t *chat) { (void)chat; ch_ask(user, 1); }
static void ch_token(void *user, tc_chat_t *chat) { (void)chat; ch_ask(user, 2); }

/* A non-replayed text: appended to its server turn's shown text, which must
 * stay a prefix of the turn's text. */
static void ch_text(chaos_t *c, const tc_chat_event_t *ev)
{
  int kind = -1, t = srv_find(&c->srv, c->srv.out.epoch, ev->seq, &kind, &(uint32_t){ 0 });
  srv_turn_t *tu;
  if (t < 0 || kind != SR_TEXT) {
    violation(c, "TEXT of seq %lu, which is no text record", (unsigned long)ev->seq);
    return;
  }
  tu = &c->srv.turns[t];
  /* ev.late (tc_chat.h): the rest of an earlier answer whose .out gave up,
   * never text of the answer to the message the app waits on */
  if (ev->late) {
    c->late++;
    if (tu->msg == c->cur) violation(c, "turn %d: TEXT of seq %lu marked late, but it answers message %d", t,
                                     (unsigned long)ev->seq, c->cur);
  }
  /* §6.7: after a stop the stopped turn's chunks are dropped until its
   * boundary, session-in-event-id >= the stopped input's seq. Not when that
   * seq is unknown (the append was answered without one, §2.4: the gate
   * then knows only a lower bound, core/chat_send.c send_effects) */
  if (tu->msg >= 0 && tu->msg < CH_MSGS_MAX && c->msg[tu->msg].stopped && !c->msg[tu->msg].seq_unknown)
    violation(c, "turn %d: TEXT of seq %lu after its message was stopped (gate %d, its seq %lu)", t, (unsigned long)ev->seq,
              c->w.chat.gate, (unsigned long)c->w.chat.superseded_seq);
  if (c->shown_len[t] + ev->text.len > tu->text_len ||
      memcmp(tu->text + c->shown_len[t], ev->text.ptr, ev->text.len) != 0) {
    violation(c, "turn %d: TEXT of seq %lu (%lu bytes) does not continue the %lu bytes shown (of %lu): %s",
              t, (unsigned long)ev->seq, (unsigned long)ev->text.len, (unsigned long)c->shown_len[t],
              (unsigned long)tu->text_len,
              c->shown_len[t] + ev->text.len <= tu->text_len ? "wrong bytes" : "too many (repeated?)");
    return;
  }
  memcpy(c->shown[t] + c->shown_len[t], ev->text.ptr, ev->text.len);
  c->shown_len[t] += (uint32_t)ev->text.len;
}

static const srv_in_t *in_of(const srv_t *s, const char *part)
{
  for (int i = 0; i < s->nin; i++)
    if (s->in[i].epoch == s->epoch && strcmp(s->in[i].part, part) == 0) return &s->in[i];
  return NULL;
}

static void ch_event(void *user, tc_chat_t *chat, const tc_chat_event_t *ev)
{
  chaos_t *c = user;
  ch_msg_t *m = &c->msg[c->cur];
  (void)chat;
  switch (ev->type) {
  case TC_CHAT_EV_TEXT:
    if (!ev->replayed) ch_text(c, ev);
    else c->replayed++;
    break;
  case TC_CHAT_EV_MESSAGE_SENT: {
    const srv_in_t *in = in_of(&c->srv, ev->part_id);
    if (ev->source == TC_CHAT_SRC_STOP) {
      if (c->stop_msg < 0) {
        violation(c, "a stop's MESSAGE_SENT for no stop");
        break;
      }
      m = &c->msg[c->stop_msg];
      c->stop_msg = -1;
      ch_log(c, "ev: MESSAGE_SENT (stop)%s", m->state == M_SENT || m->errored ? ": the turn is stopped" : "");
      if (m->state == M_SENT || m->errored) { /* (a turn .out gave up on is outstanding too, §6.7 step 3) */
        m->stopped = true;
        m->state = M_DONE;
      }
      break;
    }
    ch_log(c, "ev: MESSAGE_SENT seq %ld", (long)ev->input_seq);
    if (m->state != M_SENDING) violation(c, "MESSAGE_SENT for no send");
    m->state = M_SENT;
    m->seq_unknown = ev->input_seq < 0;
    m->auth_out0 = c->srv.auth_refused_out;
    if (in == NULL) violation(c, "MESSAGE_SENT, but the server has no append with its part id");
    else if (ev->input_seq >= 0 && (uint64_t)ev->input_seq != in->seq)
      violation(c, "MESSAGE_SENT seq %ld, the server's %lu", (long)ev->input_seq, (unsigned long)in->seq);
    break;
  }
  case TC_CHAT_EV_MESSAGE_SEND_FAILED: {
    bool accepted = in_of(&c->srv, ev->part_id) != NULL;
    bool allowed = c->srv.auth_refused - m->auth0 >= 2 || c->srv.n404 - m->n404_0 >= 2 ||
                   c->srv.n429 > m->n429_0 || ev->err == TC_ERR_SESSION_CLOSED;
    if (ev->source == TC_CHAT_SRC_STOP) {
      ch_log(c, "ev: MESSAGE_SEND_FAILED (stop) %s", tc_strerror(ev->err));
      if (c->stop_msg < 0) violation(c, "a stop's MESSAGE_SEND_FAILED for no stop");
      if (!allowed) violation(c, "the stop failed (%s) where no fault allows it", tc_strerror(ev->err));
      c->stop_msg = -1;
      break;
    }
    ch_log(c, "ev: MESSAGE_SEND_FAILED %s status %d after %d retries%s", tc_strerror(ev->err), ev->status,
           c->w.chat.send.retries, accepted ? " (the server has it)" : "");
    if (m->state != M_SENDING) violation(c, "MESSAGE_SEND_FAILED for no send");
    if (!allowed) violation(c, "the send failed (%s, status %d) where no fault allows it", tc_strerror(ev->err), ev->status);
    m->failed_after_accept += accepted;
    c->fail_accepted += accepted;
    m->state = M_READY; /* the app sends it again */
    break;
  }
  case TC_CHAT_EV_TURN_COMPLETE: {
    int kind = -1, t = srv_find(&c->srv, c->srv.out.epoch, ev->seq, &kind, &(uint32_t){ 0 });
    ch_log(c, "ev: TURN_COMPLETE seq %lu sie %ld (turn %d)", (unsigned long)ev->seq, (long)ev->session_in_event_id, t);
    if (t < 0 || kind != SR_TC) violation(c, "TURN_COMPLETE of seq %lu, no turn-complete record", (unsigned long)ev->seq);
    else if (++c->turn_tcs[t] > 1) violation(c, "turn %d completed twice", t);
    if (m->state != M_SENT) violation(c, "TURN_COMPLETE while no message waits for one");
    m->tcs++;
    m->state = M_DONE;
    break;
  }
  case TC_CHAT_EV_STREAM_ERROR:
    ch_log(c, "ev: STREAM_ERROR %s", tc_strerror(ev->err));
    if (ev->err == TC_ERR_AUTH && c->srv.auth_refused_out - m->auth_out0 >= 2 && m->state == M_SENT) {
      m->errored = true; /* documented: a second auth failure is an error (protocol.md §6.2) */
      m->state = M_DONE;
    } else {
      violation(c, "STREAM_ERROR %s where no fault allows it", tc_strerror(ev->err));
      if (m->state == M_SENT) m->state = M_DONE;
    }
    break;
  case TC_CHAT_EV_SESSION_CLOSED:
    ch_log(c, "ev: SESSION_CLOSED");
    if (!c->srv.closed) violation(c, "SESSION_CLOSED, but the server's session is open");
    c->closed_seen = true;
    c->requests_at_close = c->srv.requests;
    /* (a request already written, or being written, may still arrive) */
    c->close_allow = (c->w.req.sent_len > 0) + (c->w.out.sent_len > 0) + (tc_chat_state(&c->w.chat) == TC_CHAT_SENDING);
    break;
  case TC_CHAT_EV_AUTH_FAILED:
    ch_log(c, "ev: AUTH_FAILED %s", tc_strerror(ev->err));
    if (!c->srv.closed) violation(c, "AUTH_FAILED %s: the provider always answers", tc_strerror(ev->err));
    break;
  case TC_CHAT_EV_RECORD_SKIPPED:
  case TC_CHAT_EV_STREAM_DECODE_ERROR:
    violation(c, "event %d (%s): the server's records are valid", (int)ev->type, tc_strerror(ev->err));
    break;
  default: break;
  }
}

static void chat_boot(chaos_t *c)
{
  tc_err_t e = tc_chat_init(&c->w.chat, &c->w.cfg, "c1", srv_transport(&c->srv, true), srv_transport(&c->srv, false),
                            &c->w.bufs);
  if (e != TC_OK) violation(c, "tc_chat_init: %s", tc_strerror(e));
  w_step(&c->w);
  if (ch_rand(c, 2)) tc_chat_set_unix_time(&c->w.chat, c->w.now, SRV_UNIX0 + c->w.now);
}

/* The README's reboot path: deinit, init on the same store, one step,
 * restore, resume. The app forgets a send it saw no end of (tc_chat_deinit:
 * "The app knows which sends it saw no end of") and sends it again. */
static void ch_boot_restore(chaos_t *c);

/* The device restarts while its session start is out: half the time the
 * app's backend has started the session already and only the answer is
 * lost. The server then holds a new incarnation (after a 404: a new
 * session row) that the record's token still reaches (tokens hold for the
 * chat id). */
static void ch_start_answer_lost(chaos_t *c)
{
  if (c->pend_provide != 1 || ch_rand(c, 2)) return;
  (void)srv_mint(&c->srv, true);
  ch_log(c, "restart: the backend started the session; its answer is lost");
}

static void ch_reboot(chaos_t *c)
{
  ch_msg_t *m = &c->msg[c->cur];
  ch_start_answer_lost(c);
  tc_chat_deinit(&c->w.chat);
  c->pend_provide = 0;
  if (m->state == M_SENDING) {
    m->state = M_READY;
    m->reboots_in_append++;
  }
  c->stop_msg = -1; /* (its outcome is unknown: the turn's end will tell) */
  ch_boot_restore(c);
}

static void ch_boot_restore(chaos_t *c)
{
  tc_err_t e;
  chat_boot(c);
  e = tc_chat_restore(&c->w.chat, NULL, 0);
  if (e == TC_OK) {
    e = tc_chat_resume(&c->w.chat);
    ch_log(c, "reboot: restored (cursor %lu, streaming %d, gate %d at %lu), resume %s", (unsigned long)c->w.chat.cursor,
           c->w.chat.streaming, c->w.chat.gate, (unsigned long)c->w.chat.superseded_seq, tc_strerror(e));
    if (e != TC_OK && !(e == TC_ERR_SESSION_CLOSED && c->closed_seen)) violation(c, "resume: %s", tc_strerror(e));
  } else {
    ch_log(c, "reboot: restore %s", tc_strerror(e));
    if (e != TC_ERR_KV_NOT_FOUND || c->w.kv.has) violation(c, "restore: %s", tc_strerror(e));
  }
}

/* A power cut at a step boundary: no tc_chat_deinit, the store keeps the
 * last record written. tc_chat.h: "up to one checkpoint interval may repeat
 * after a power cut", "a power cut repeats what was shown after the last
 * checkpoint": text past the stored delivered mark (and past the stored
 * progress of a long delta) may be shown again, so the oracle forgets it
 * (shown again, it must be the same bytes; not shown again, it is lost). */
static void ch_power_cut(chaos_t *c)
{
  static tc_session_rec_t rec;
  srv_t *s = &c->srv;
  bool has = false;
  ch_start_answer_lost(c);
  if (c->w.kv.has && c->w.kv.len <= sizeof rec) {
    memcpy(&rec, c->w.kv.val, c->w.kv.len);
    has = tc_session_open(&rec, c->w.kv.len, tc_crc32(0, "c1", 2)) == TC_OK;
  }
  for (int t = 0; t < s->nturns; t++) {
    uint32_t keep = 0;
    if (s->turns[t].epoch != s->epoch) continue;
    /* a gone session (a 404) whose record has no cursor any more: the chat
     * wrote it at the 404 (chat_forget_session), delivered mark too, and
     * never reads that session again (with the cursor still stored, the
     * 404 was not seen yet: its turn may be replayed as usual) */
    if (!s->alive && !(has && (rec.flags & TC_SESS_F_CURSOR))) continue;
    for (int i = 0; i < s->nrecs; i++) {
      const srv_rec_t *r = &s->recs[i];
      if (r->turn != t || r->kind != SR_TEXT || r->epoch != s->epoch) continue;
      if (has && (rec.flags & TC_SESS_F_SHOWN) && r->seq <= rec.shown) keep += r->text_len;
      else if (has && rec.frag_shown && r->seq == rec.frag_seq) keep += rec.frag_shown;
    }
    if (keep < c->shown_len[t]) {
      ch_log(c, "power cut: turn %d may show again from byte %lu of %lu", t, (unsigned long)keep,
             (unsigned long)c->shown_len[t]);
      c->shown_len[t] = keep;
    }
  }
  srv_close_op(&c->w.out); /* the sockets die with the device */
  srv_close_op(&c->w.req);
  c->pend_provide = 0;
  if (c->msg[c->cur].state == M_SENDING) {
    c->msg[c->cur].state = M_READY;
    c->msg[c->cur].reboots_in_append++;
  }
  c->stop_msg = -1;
  ch_boot_restore(c);
}

static void msg_begin(chaos_t *c, ch_msg_t *m)
{
  m->auth0 = c->srv.auth_refused;
  m->n404_0 = c->srv.n404;
  m->n429_0 = c->srv.n429;
}

static void app_act(chaos_t *c)
{
  ch_msg_t *m = &c->msg[c->cur];
  tc_chat_state_t st = tc_chat_state(&c->w.chat);
  char text[40];
  tc_err_t e;
  if (c->closed_seen) return;
  if (m->state == M_DONE && c->cur + 1 < c->nmsgs) {
    m = &c->msg[++c->cur];
    c->budget = c->cur + 1 == c->nmsgs ? 0 : (int)ch_rand(c, 5);
    /* what the last message armed and did not fire is disarmed: each
     * message meets at most its own budget of faults (so that no more
     * transient failures than backoff.send_retries hit one send) */
    c->srv.req.cut_left = c->srv.out.cut_left = -1;
    c->srv.req.fault_status = c->srv.out.fault_status = 0;
    c->srv.out.err_event = false;
    c->w.req.open_err = c->w.out.open_err = TC_OK;
  }
  if (c->stop_msg >= 0) return; /* (the chat is busy with it) */
  if (m->state == M_SENT && c->stopper && c->cur + 1 < c->nmsgs && ch_rand(c, 16) == 0) {
    e = tc_chat_stop(&c->w.chat);
    ch_log(c, "app: stops the turn: %s", tc_strerror(e));
    if (e == TC_OK) c->stop_msg = c->cur, c->stops++;
    else if (e != TC_ERR_BUSY) violation(c, "stop refused: %s", tc_strerror(e));
    return;
  }
  if (m->state != M_READY || (st != TC_CHAT_IDLE && st != TC_CHAT_NO_SESSION)) return;
  if (m->attempts == 8) {
    violation(c, "message %d: 8 attempts", c->cur);
    m->state = M_DONE;
    return;
  }
  /* the same content every try, as an app sends again what it saw no end
   * of (the chat then reuses the part id: each message on the server once) */
  snprintf(text, sizeof text, "msg %d", c->cur);
  m->attempts++;
  msg_begin(c, m);
  e = tc_chat_send_text(&c->w.chat, text, strlen(text), NULL);
  ch_log(c, "app: sends \"%s\": %s", text, tc_strerror(e));
  if (e == TC_OK) m->state = M_SENDING;
  else violation(c, "send refused: %s", tc_strerror(e));
}

/* ------------------------------------------------------------ faults */

static void fault(chaos_t *c)
{
  srv_t *s = &c->srv;
  static const int req_status[] = { 401, 403, 404, 408, 429, 4290, 500, 503 };
  static const int out_status[] = { 401, 403, 429, 500, 503 };
  uint32_t f = ch_rand(c, 15);
  srv_conn_t *k = ch_rand(c, 2) ? &s->out : &s->req;
  c->faults++;
  c->budget--;
  switch (f) {
  case 0:
  case 1:
    k->cut_left = (long)ch_rand(c, k->is_out ? 1500 : 200);
    k->cut_rst = f == 1;
    ch_log(c, "fault: cut %s after %ld more bytes (%s)", k->is_out ? ".out" : "request", k->cut_left, f ? "RST" : "EOF");
    break;
  case 2:
  case 3:
    if (k->is_out) s->out.fault_status = out_status[ch_rand(c, 5)];
    else s->req.fault_status = req_status[ch_rand(c, 8)];
    ch_log(c, "fault: the next %s answers %d", k->is_out ? "GET .out" : "append", k->fault_status);
    break;
  case 4:
    s->out.err_event = true;
    ch_log(c, "fault: .out sends an SSE error event");
    break;
  case 5:
    k->frozen = true;
    ch_log(c, "fault: %s stalls", k->is_out ? ".out" : "request");
    break;
  case 6:
    srv_revoke_all(s);
    ch_log(c, "fault: tokens revoked");
    break;
  case 7:
  case 8:
    c->reboots++;
    ch_log(c, "fault: reboot");
    ch_reboot(c);
    break;
  case 9:
    if (c->pend_provide) break; /* (the provider's 60 s would pass: the app's fault, not the chat's) */
    c->w.now += 60000ull * (5 + ch_rand(c, 120));
    ch_log(c, "fault: the clock jumps to %lu ms", (unsigned long)c->w.now);
    break;
  case 10:
    if (c->w.req.connected && !s->req.dead && s->req.tx_pos == s->req.tx_len && c->w.req.sent_len == 0) {
      fake_eof(&c->w.req);
      s->req.dead = true;
      ch_log(c, "fault: the server closes the idle request connection");
    }
    break;
  case 11:
    k->net->open_err = ch_rand(c, 2) ? TC_ERR_NET_CONNECT : TC_ERR_NET_DNS;
    ch_log(c, "fault: the next %s connect fails", k->is_out ? ".out" : "request");
    break;
  case 12:
    if (ch_rand(c, 4) == 0) {
      srv_close_session(s);
      ch_log(c, "fault: the session closes");
    }
    break;
  case 13:
    c->reboots++;
    c->power_cuts++;
    ch_log(c, "fault: power cut");
    ch_power_cut(c);
    break;
  default:
    c->w.now += 1000 + ch_rand(c, 5000);
    ch_log(c, "fault: a short pause");
    break;
  }
}

/* ------------------------------------------------------------ the run */

static size_t drip_size(chaos_t *c)
{
  switch (ch_rand(c, 4)) {
  case 0: return (size_t)-1;
  case 1: return 1 + ch_rand(c, 16);
  default: return 1 + ch_rand(c, 700);
  }
}

/* The clock runs: a little while the server has bytes or records to give
 * (or the app an answer), else to the chat's next deadline (or the end of
 * the server's wait window). */
static void advance(chaos_t *c)
{
  uint64_t d = tc_chat_next_deadline(&c->w.chat);
  srv_conn_t *o = &c->srv.out;
  const ch_msg_t *m = &c->msg[c->cur];
  /* (the app about to send: it does so at once) */
  tc_chat_state_t st = tc_chat_state(&c->w.chat);
  bool app = !c->closed_seen && c->stop_msg < 0 && (st == TC_CHAT_IDLE || st == TC_CHAT_NO_SESSION) &&
             (m->state == M_READY || (m->state == M_DONE && c->cur + 1 < c->nmsgs));
  if (srv_busy(&c->srv) || c->pend_provide || app) {
    c->w.now += ch_rand(c, 40);
    c->quiet = 0;
    return;
  }
  if (c->w.out.connected && o->streaming && !o->dead && !o->frozen && o->window_end < d) d = o->window_end;
  if (d == UINT64_MAX) {
    c->quiet++;
    return;
  }
  c->quiet = 0;
  if (d > c->w.now) c->w.now = d;
}

static bool finished(chaos_t *c)
{
  ch_msg_t *last = &c->msg[c->nmsgs - 1];
  if (c->closed_seen) return tc_chat_state(&c->w.chat) == TC_CHAT_CLOSED && !srv_busy(&c->srv) && c->quiet > 2;
  return c->cur == c->nmsgs - 1 && last->state == M_DONE && tc_chat_state(&c->w.chat) == TC_CHAT_IDLE;
}


static void final_checks(chaos_t *c)
{
  srv_t *s = &c->srv;
  if (s->err[0]) violation(c, "%s", s->err);
  for (int t = 0; t < s->nturns; t++) {
    const srv_turn_t *tu = &s->turns[t];
    bool whole = c->shown_len[t] == tu->text_len;
    /* a turn of an incarnation that ended (a 404) may be cut short; one the
     * session's close left unread too */
    /* a stop's gate drops every data record before the stopped turn's
     * boundary (§6.7 step 5): that turn's rest, and an earlier turn not yet
     * read (one the app's resend after a reboot left behind) */
    bool stopped = false;
    for (int u = t; u < s->nturns; u++)
      if (s->turns[u].epoch == tu->epoch && s->turns[u].msg >= 0 && s->turns[u].msg < CH_MSGS_MAX &&
          c->msg[s->turns[u].msg].stopped)
        stopped = true;
    if (!whole && tu->epoch == s->epoch && !c->closed_seen && !stopped)
      violation(c, "turn %d (msg %d): %lu of %lu bytes shown", t, tu->msg, (unsigned long)c->shown_len[t],
                (unsigned long)tu->text_len);
    if (c->closed_seen && c->turn_tcs[t] && !whole) violation(c, "turn %d completed but not whole", t);
  }
  for (int k = 0; k < c->nmsgs; k++) {
    const ch_msg_t *m = &c->msg[k];
    int copies = srv_copies(s, k);
    if (c->closed_seen && k >= c->cur) break;
    if (copies < 1) violation(c, "message %d never reached the server", k);
    c->resends += m->attempts - 1;
    /* (also after a reboot mid-append or a failed send whose append the
     * server had taken: the app sends the same words again, and the chat
     * reuses the part id the record kept, tc_chat_send_text) */
    if (copies > 1) violation(c, "message %d is on the server %d times", k, copies);
    if (m->tcs != (m->errored || m->stopped ? 0 : 1)) violation(c, "message %d: %d turn-completes", k, m->tcs);
  }
  if (c->closed_seen) {
    if (s->requests - c->requests_at_close > c->close_allow)
      violation(c, "%d requests after the session closed", s->requests - c->requests_at_close);
    if (tc_chat_send_text(&c->w.chat, "x", 1, NULL) != TC_ERR_SESSION_CLOSED) violation(c, "a send after the close");
  } else if (tc_chat_state(&c->w.chat) != TC_CHAT_IDLE) {
    violation(c, "the chat ends in state %d", (int)tc_chat_state(&c->w.chat));
  }
}

/* One schedule: seed (PRNG) or data/size (the fuzzer's bytes). Returns true
 * when the oracle holds; c->fail and c->log tell what happened. */
static bool chaos_run(chaos_t *c, uint32_t seed, const uint8_t *data, size_t size, int turns, bool verbose)
{
  memset(c, 0, sizeof *c);
  c->verbose = verbose;
  c->seed = seed;
  c->rnd = seed * 2246822519u + 0x9e3779b9u;
  if (c->rnd == 0) c->rnd = 1;
  c->data = data;
  c->size = size;
  w_init(&c->w, NULL);
  c->w.rnd = seed | 1;
  c->w.cfg.on_event = ch_event;
  c->w.cfg.user = c;
  c->w.cfg.start_session = ch_start;
  c->w.cfg.access_token = ch_token;
  srv_init(&c->srv, &c->w, data ? ch_rand(c, 256) << 8 | ch_rand(c, 256) : seed);
  c->srv.on_log = ch_srv_log;
  c->srv.log_user = c;
  c->srv.seq_on_dup = ch_rand(c, 2);
  c->stopper = ch_rand(c, 3) == 0;
  c->stop_msg = -1;
  c->nmsgs = (turns > 0 ? turns : 3 + (int)ch_rand(c, 4)) + 1;
  if (c->nmsgs > CH_MSGS_MAX) c->nmsgs = CH_MSGS_MAX;
  c->budget = (int)ch_rand(c, 5);
  ch_log(c, "seed %lu: %d messages + 1, %s", (unsigned long)seed, c->nmsgs - 1,
         c->srv.seq_on_dup ? "a deduplicated append answers its seq" : "a deduplicated append has no seq");
  chat_boot(c);
  for (c->ticks = 0; c->ticks < CH_TICKS_MAX && !c->fail[0]; c->ticks++) {
    app_act(c);
    if (finished(c)) break;
    if (c->budget > 0 && ch_rand(c, 4) == 0) fault(c);
    /* the app's deferred answer, then the loop steps (a 404 repair wrote
     * its record at the 404: a power cut between the two keeps no cursor
     * of the old session) */
    if (c->pend_provide) {
      int kind = c->pend_provide;
      c->pend_provide = 0;
      ch_provide(c, kind);
    }
    srv_pump(&c->srv);
    srv_publish(&c->srv, 1 + (int)ch_rand(c, 4));
    srv_drip(&c->srv, &c->srv.req, drip_size(c));
    srv_drip(&c->srv, &c->srv.out, drip_size(c));
    w_step(&c->w);
    advance(c);
    if (c->quiet > 3 && !c->closed_seen) violation(c, "hang: the app waits, the chat has no deadline, the server is quiet");
  }
  if (getenv("TC_CHAOS_RECS"))
    for (int i = 0; i < c->srv.nrecs; i++)
      printf("rec %d: epoch %d seq %lu turn %d kind %d pub %d\n", i, c->srv.recs[i].epoch, (unsigned long)c->srv.recs[i].seq,
             c->srv.recs[i].turn, c->srv.recs[i].kind, i < c->srv.pub);
  if (c->ticks == CH_TICKS_MAX) violation(c, "no end after %d steps", CH_TICKS_MAX);
  if (!c->fail[0]) final_checks(c);
  tc_chat_deinit(&c->w.chat);
  return c->fail[0] == '\0';
}

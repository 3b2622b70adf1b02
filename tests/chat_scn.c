/* chat_scn.c — scenario helpers shared by the chat test files (included
 * after chat_fake.c; they drive the one global world W). */

static world_t W;

static inline bool is_uuid4(const char *s)
{
  if (strlen(s) != 36 || s[14] != '4' || !strchr("89ab", s[19])) return false;
  for (int i = 0; i < 36; i++) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? s[i] != '-' : !strchr("0123456789abcdef", s[i])) return false;
  }
  return true;
}

/* A typical turn: start..finish, then turn-complete(seq tc, sie) and a trim. */
static inline const char *turn_batch(uint64_t first, uint64_t sie)
{
  static sse_b_t s;
  char h[200];
  sse_begin(&s);
  sse_data(&s, first, "{\"type\":\"start\",\"messageId\":\"m_1\"}", "e1");
  sse_data(&s, first + 1, "{\"type\":\"text-start\",\"id\":\"t0\"}", "e2");
  sse_data(&s, first + 2, "{\"type\":\"text-delta\",\"id\":\"t0\",\"delta\":\"Hel\"}", "e3");
  sse_data(&s, first + 3, "{\"type\":\"text-end\",\"id\":\"t0\"}", "e4");
  sse_data(&s, first + 4, "{\"type\":\"finish\",\"finishReason\":\"stop\"}", "e5");
  snprintf(h, sizeof h, "[[\"trigger-control\",\"turn-complete\"],[\"session-in-event-id\",\"%llu\"]]",
           (unsigned long long)sie);
  sse_control(&s, first + 5, h);
  sse_trim(&s, first + 6);
  return sse_end(&s);
}

/* Runs scenario 1 to its end: a session, turn 1 answered, cursor 5. */
static inline void first_turn_done(void)
{
  w_init(&W, "c1");
  w_session(&W);
  w_turn(&W, 0);
  fake_reply(&W.out, sse_head(false));
  fake_reply(&W.out, turn_batch(0, 0));
  w_step(&W);
  w_take_out(&W);
}

/* A token "h.<claims, base64url>.s" (what tc_jwt_times reads: the claims;
 * header and signature are never checked by the chat). */
static inline const char *jwt_of(const char *claims)
{
  static const char k[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  static char out[1024];
  size_t n = strlen(claims), o = 0, bits = 0;
  uint32_t acc = 0;
  out[o++] = 'h';
  out[o++] = '.';
  for (size_t i = 0; i < n; i++) {
    acc = acc << 8 | (unsigned char)claims[i];
    for (bits += 8; bits >= 6; bits -= 6) out[o++] = k[(acc >> (bits - 6)) & 63];
  }
  if (bits) out[o++] = k[(acc << (6 - bits)) & 63];
  out[o++] = '.';
  out[o++] = 's';
  out[o] = 0;
  return out;
}

/* ---- steps of a scenario (prefixed scn_ so that a test file's own
 * helpers keep their names) */

/* Initialises W's chat "c1" again with W.cfg as the test set it (after
 * w_init(&W, NULL) and changes to the config); returns tc_chat_init's
 * result. */
static inline tc_err_t scn_init_chat(void)
{
  tc_transport_t o = { &fake_net_ops, &W.out }, q = { &fake_net_ops, &W.req };
  return tc_chat_init(&W.chat, &W.cfg, "c1", o, q, &W.bufs);
}

/* .out answers its GET with the stream's headers (200 text/event-stream). */
static inline void scn_out_streams(void)
{
  fake_reply(&W.out, sse_head(false));
  w_step(&W);
}

/* The next turn on W as it is: "hi" sent, its append answered with seq,
 * the GET .out taken and answered with the stream's headers. */
static inline void scn_next_turn_streams(long seq)
{
  w_turn(&W, seq);
  w_take_out(&W);
  scn_out_streams();
}

/* A fresh chat "c1" with a session; the app sends "hi" and the append goes
 * out (unanswered); returns tc_chat_send_text's result. */
static inline tc_err_t scn_session_sends_hi(void)
{
  tc_err_t e;
  w_init(&W, "c1");
  w_session(&W);
  e = tc_chat_send_text(&W.chat, "hi", 2, NULL);
  w_step(&W);
  return e;
}

/* .out, dropped or refused, reconnects once within 1 s, from the cursor
 * (its Last-Event-ID). */
static inline void scn_expect_reconnect_from(const char *cursor)
{
  int opens = W.out.opens;
  w_advance(&W, 1000);
  CHECK_EQ_INT(W.out.opens, opens + 1);
  w_take_out(&W);
  CHECK_EQ_STR(w_header(&W, "Last-Event-ID"), cursor);
}

/* tc_chat_resume on a turn that was streaming: .out reconnects from the
 * cursor (Last-Event-ID), not as a peek, and streams. */
static inline void scn_expect_resume_replays_from(const char *cursor)
{
  CHECK_EQ_INT(tc_chat_resume(&W.chat), TC_OK);
  w_step(&W);
  w_take_out(&W);
  CHECK_EQ_STR(w_header(&W, "Last-Event-ID"), cursor);
  CHECK(!w_has(&W, "X-Peek-Settled"));
  scn_out_streams();
}

/* .out's connection ends (EOF), then ms pass (the reconnect falls due). */
static inline void scn_out_eof_then(uint64_t ms)
{
  fake_eof(&W.out);
  w_step(&W);
  w_advance(&W, ms);
}

/* .out reads the batch s (built with sse_begin/sse_data/...). */
static inline void scn_feed_batch(sse_b_t *s)
{
  fake_reply(&W.out, sse_end(s));
  w_step(&W);
}

/* The device restarts: a fresh chat "c1" (not yet restored) on the same
 * store. */
static inline void scn_reboot(void)
{
  fake_kv_t saved = W.kv;
  w_init(&W, "c1");
  W.kv = saved;
}

/* A chat "c1" in watch mode, with a session (not yet watching). */
static inline void scn_watch_world(void)
{
  w_init(&W, NULL);
  W.cfg.watch = true;
  scn_init_chat();
  w_session(&W);
}

/* Opens .out (headers only) after a send with seq. */
static inline void streaming_turn(long seq)
{
  w_init(&W, "c1");
  w_session(&W);
  scn_next_turn_streams(seq);
}

static inline void feed_data(uint64_t seq, const char *chunk, const char *env)
{
  sse_b_t s;
  sse_begin(&s);
  sse_data(&s, seq, chunk, env);
  scn_feed_batch(&s);
}

static inline void feed_control(uint64_t seq, const char *headers)
{
  sse_b_t s;
  sse_begin(&s);
  sse_control(&s, seq, headers);
  scn_feed_batch(&s);
}

/* Re-initialises W's chat "c1" with the built-in BACKEND provider (start
 * and token URLs on app.example.com). */
static inline void backend_world(void)
{
  W.cfg.auth = TC_CHAT_AUTH_BACKEND;
  W.cfg.start_url = "https://app.example.com/api/chat/start";
  W.cfg.token_url = "https://app.example.com/api/chat/token";
  CHECK_EQ_INT(scn_init_chat(), TC_OK);
}

/* A fresh BACKEND chat "c1" (backend_world), stepped once. */
static inline void scn_backend_chat(void)
{
  w_init(&W, NULL);
  backend_world();
  w_step(&W);
}

/* scn_backend_chat, then the app sends "hi" (the provider's session start
 * goes out); returns tc_chat_send_text's result. */
static inline tc_err_t scn_backend_sends_hi(void)
{
  tc_err_t e;
  scn_backend_chat();
  e = tc_chat_send_text(&W.chat, "hi", 2, NULL);
  w_step(&W);
  return e;
}

#define DELTA(n) "{\"type\":\"text-delta\",\"id\":\"t0\",\"delta\":\"" n "\"}"


static inline bool starts(const char *s, const char *prefix) { return strncmp(s, prefix, strlen(prefix)) == 0; }

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

/* Opens .out (headers only) after a send with seq. */
static inline void streaming_turn(long seq)
{
  w_init(&W, "c1");
  w_session(&W);
  w_turn(&W, seq);
  w_take_out(&W);
  fake_reply(&W.out, sse_head(false));
  w_step(&W);
}

static inline void feed_data(uint64_t seq, const char *chunk, const char *env)
{
  sse_b_t s;
  sse_begin(&s);
  sse_data(&s, seq, chunk, env);
  fake_reply(&W.out, sse_end(&s));
  w_step(&W);
}

static inline void feed_control(uint64_t seq, const char *headers)
{
  sse_b_t s;
  sse_begin(&s);
  sse_control(&s, seq, headers);
  fake_reply(&W.out, sse_end(&s));
  w_step(&W);
}

/* Re-initialises W's chat "c1" with the built-in BACKEND provider (start
 * and token URLs on app.example.com). */
static inline void backend_world(void)
{
  tc_transport_t o = { &fake_net_ops, &W.out }, q = { &fake_net_ops, &W.req };
  W.cfg.auth = TC_CHAT_AUTH_BACKEND;
  W.cfg.start_url = "https://app.example.com/api/chat/start";
  W.cfg.token_url = "https://app.example.com/api/chat/token";
  CHECK_EQ_INT(tc_chat_init(&W.chat, &W.cfg, "c1", o, q, &W.bufs), TC_OK);
}

#define DELTA(n) "{\"type\":\"text-delta\",\"id\":\"t0\",\"delta\":\"" n "\"}"


static inline bool starts(const char *s, const char *prefix) { return strncmp(s, prefix, strlen(prefix)) == 0; }

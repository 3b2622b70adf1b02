/*
 * tchat — a terminal chat client on trigchat, and the reference application
 * for firmware authors: everything a device does is here, in the same order.
 *
 *   1. place the chat and its buffers (static: no heap);
 *   2. give it two transports (net.c: TLS over TCP from the chosen stack,
 *      net_posix.c or net_lwip.c) and a key-value store
 *      (a simulated flash image through kv_flash, like a device);
 *   3. restore the persisted session and resume an interrupted answer;
 *   4. run one loop: tc_chat_step, then sleep on the sockets until
 *      tc_chat_next_deadline; react to events in one callback.
 *
 * Modes: MESSAGE arguments (scripted), an interactive prompt (a terminal),
 * --watch, and --decode FILE (decode.c). README "tchat" documents them.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "decode.h"
#include "exitcodes.h"
#include "jsonl.h"
#include "net.h"
#include "options.h"
#include "tc_chat.h"
#include "tc_flash_file.h"
#include "tc_kv_flash.h"

#define MAX_APPROVALS 4

typedef struct app {
  tchat_options_t opt;
  tc_chat_config_t cfg;
  tc_chat_t chat;
  tc_chat_bufs_t bufs;
  tchat_net_t net;
  tc_flash_file_t flash;
  tc_kv_flash_t kvf;
  tc_kv_t kv;
  bool have_kv;
  bool save_failing;       /* the last session write to --state failed */
  bool late_said;          /* said that the rest of a failed answer follows */

  bool turn_open;          /* a turn is outstanding: wait for its end */
  bool stop_pending;       /* a stop append is outstanding: wait for its answer */
  bool mid_line;           /* answer text printed since the last newline */
  int next_message;        /* scripted mode: the next MESSAGE to send */
  int exit_code;           /* set when the run must end */
  bool done;
  uint64_t turn_deadline;  /* give up on the current turn at this time */
  char approvals[MAX_APPROVALS][TC_CHAT_TOOL_ID_MAX];
  int approval_count;
  char line[4096];         /* interactive input */
  size_t line_len;
  bool interactive;
} app_t;

static app_t g_app;
static volatile sig_atomic_t g_sigint, g_sigterm;

static void on_signal(int sig)
{
  if (sig == SIGINT) g_sigint++;
  else g_sigterm = 1;
}

/* ------------------------------------------------------------ output */

/* A status line on stderr: "tchat: msg" or "tchat: msg: detail". */
static void status(const app_t *a, const char *msg, const char *detail)
{
  if (a->opt.quiet || a->opt.json) return;
  if (a->mid_line) fputc('\n', stderr);
  fprintf(stderr, "tchat: %s%s%s\n", msg, detail ? ": " : "", detail ? detail : "");
}

static void end_line(app_t *a)
{
  if (a->mid_line) fputc('\n', stdout);
  a->mid_line = false;
  fflush(stdout);
}

static int exit_code_for(tc_err_t err)
{
  switch (err) {
  case TC_ERR_SESSION_CLOSED: return TCHAT_EXIT_CLOSED;
  case TC_ERR_AUTH: case TC_ERR_TOKEN: return TCHAT_EXIT_AUTH;
  default: break;
  }
  if (err <= TC_ERR_NET_EOF && err >= TC_ERR_TLS_IO) return TCHAT_EXIT_NETWORK;
  if (err == TC_ERR_TIMEOUT) return TCHAT_EXIT_NETWORK;
  return TCHAT_EXIT_PROTOCOL;
}

static void fail(app_t *a, const char *what, tc_err_t err)
{
  end_line(a);
  a->exit_code = exit_code_for(err);
  a->done = true;
  if (!a->opt.json) {
    fprintf(stderr, "tchat: %s: %s\n", what, tc_strerror(err));
  } else { /* (--json: stdout is the one channel a script reads) */
    jsonl_t j;
    jsonl_begin(&j, "fatal");
    jsonl_cstr(&j, "what", what);
    jsonl_cstr(&j, "error", tc_errname(err));
    jsonl_int(&j, "exit", a->exit_code);
    jsonl_end(&j);
    fflush(stdout);
  }
}

static void print_event_json(const tc_chat_event_t *ev)
{
  static const char *const names[] = {
    "chunk", "text", "turn-complete", "session-changed", "message-sent", "message-send-failed",
    "stream-connected", "first-chunk", "run-pending-version", "stream-error", "session-closed",
    "record-skipped", "auth-failed", "stream-decode-error",
  };
  _Static_assert(sizeof names / sizeof names[0] == TC_CHAT_EV__COUNT, "a name for every event type");
  jsonl_t j;
  if (ev->type == TC_CHAT_EV_TEXT) return; /* the chunk line already carries the delta */
  jsonl_begin(&j, names[ev->type]);
  jsonl_int(&j, "t", (int64_t)ev->now_ms);
  switch (ev->type) {
  case TC_CHAT_EV_CHUNK:
  case TC_CHAT_EV_FIRST_CHUNK:
    jsonl_int(&j, "seq", (int64_t)ev->seq);
    if (ev->replayed) jsonl_bool(&j, "replayed", true);
    if (ev->late) jsonl_bool(&j, "late", true);
    if (ev->type == TC_CHAT_EV_FIRST_CHUNK) jsonl_int(&j, "sinceSendMs", ev->since_send_ms);
    else jsonl_chunk_fields(&j, ev->chunk);
    break;
  case TC_CHAT_EV_TURN_COMPLETE:
    jsonl_int(&j, "seq", (int64_t)ev->seq);
    jsonl_int(&j, "sessionInEventId", ev->session_in_event_id);
    jsonl_int(&j, "inputSeq", ev->input_seq);
    jsonl_int(&j, "sinceSendMs", ev->since_send_ms);
    break;
  case TC_CHAT_EV_SESSION_CHANGED:
    if (ev->err != TC_OK) jsonl_cstr(&j, "error", tc_errname(ev->err)); /* --state not written */
    jsonl_bool(&j, "token", ev->session->has_token); /* never the token itself */
    if (ev->session->has_cursor) jsonl_int(&j, "cursor", (int64_t)ev->session->cursor);
    if (ev->session->has_in_seq) jsonl_int(&j, "activeInputSeq", (int64_t)ev->session->in_seq);
    jsonl_int(&j, "streaming", ev->session->streaming);
    jsonl_bool(&j, "closed", ev->session->closed);
    break;
  case TC_CHAT_EV_MESSAGE_SENT:
    jsonl_cstr(&j, "partId", ev->part_id ? ev->part_id : "");
    jsonl_int(&j, "inputSeq", ev->input_seq);
    jsonl_int(&j, "durationMs", ev->duration_ms);
    break;
  case TC_CHAT_EV_STREAM_CONNECTED:
    jsonl_bool(&j, "resumed", ev->resumed);
    if (ev->has_cursor) jsonl_int(&j, "cursor", (int64_t)ev->cursor);
    break;
  case TC_CHAT_EV_SESSION_CLOSED:
    jsonl_str(&j, "reason", ev->text);
    break;
  default:
    if (ev->err != TC_OK) jsonl_cstr(&j, "error", tc_errname(ev->err));
    if (ev->status) jsonl_int(&j, "status", ev->status);
    /* a proactive refresh nobody waited for: not fatal */
    if (ev->type == TC_CHAT_EV_AUTH_FAILED && ev->source == TC_CHAT_SRC_REFRESH) jsonl_bool(&j, "early", true);
    break;
  }
  jsonl_end(&j);
  fflush(stdout);
}

static void remember_approval(app_t *a, const tc_chunk_t *c)
{
  if (a->approval_count == MAX_APPROVALS || c->approval_id.len >= TC_CHAT_TOOL_ID_MAX) return;
  memcpy(a->approvals[a->approval_count], c->approval_id.ptr, c->approval_id.len);
  a->approvals[a->approval_count][c->approval_id.len] = '\0';
  a->approval_count++;
}

static void on_chunk(app_t *a, const tc_chunk_t *c)
{
  switch (c->type) {
  case TC_CHUNK_TEXT_DELTA:
    fwrite(c->delta.ptr, 1, c->delta.len, stdout);
    if (c->delta.len) a->mid_line = c->delta.ptr[c->delta.len - 1] != '\n';
    fflush(stdout);
    break;
  case TC_CHUNK_TOOL_INPUT_AVAILABLE:
    end_line(a);
    if (!a->opt.quiet) fprintf(stderr, "tchat: tool %.*s(%.*s)\n", (int)c->tool_name.len,
                               c->tool_name.ptr, (int)c->input.len, c->input.ptr);
    break;
  case TC_CHUNK_TOOL_APPROVAL_REQUEST:
    remember_approval(a, c);
    status(a, "the agent asks for approval: /approve or /deny", NULL);
    break;
  case TC_CHUNK_TOOL_OUTPUT_AVAILABLE:
    if (!a->opt.quiet) fprintf(stderr, "tchat: tool output %.*s\n", (int)c->output.len, c->output.ptr);
    break;
  case TC_CHUNK_ERROR:
    end_line(a);
    fprintf(stderr, "tchat: the agent reported an error: %.*s\n", (int)c->error_text.len,
            c->error_text.ptr);
    a->exit_code = TCHAT_EXIT_PROTOCOL;
    break;
  default:
    break;
  }
}

/* The one event callback: every thing the chat has to say arrives here. */
static void on_event(void *user, tc_chat_t *chat, const tc_chat_event_t *ev)
{
  app_t *a = user;
  (void)chat;
  if (a->opt.json) print_event_json(ev);
  switch (ev->type) {
  case TC_CHAT_EV_CHUNK:
    /* After a restart the interrupted turn is replayed from its start (the
     * agent's message is rebuilt); what was shown before is marked replayed. */
    /* After a stop the UI stops at once (the docs' pattern): chunks still in
     * flight until the stop's own append is answered are not shown. */
    /* the rest of an earlier answer whose stream gave up comes first (as in
     * 4.8.3, marked late): said once, then printed */
    if (ev->late && !a->late_said && !ev->replayed) {
      end_line(a);
      status(a, "the rest of the previous answer, whose stream had failed:", NULL);
    }
    a->late_said = ev->late;
    if (!a->opt.json && !ev->replayed && !a->stop_pending) on_chunk(a, ev->chunk);
    else if (ev->chunk->type == TC_CHUNK_TOOL_APPROVAL_REQUEST) remember_approval(a, ev->chunk);
    else if (ev->chunk->type == TC_CHUNK_ERROR && !ev->replayed) a->exit_code = TCHAT_EXIT_PROTOCOL;
    break;
  case TC_CHAT_EV_TURN_COMPLETE:
    end_line(a);
    a->turn_open = false;
    break;
  case TC_CHAT_EV_STREAM_CONNECTED:
    if (ev->resumed) status(a, "reconnected, resuming the stream", NULL);
    break;
  case TC_CHAT_EV_MESSAGE_SENT:
    if (ev->source == TC_CHAT_SRC_STOP) a->stop_pending = false;
    break;
  case TC_CHAT_EV_MESSAGE_SEND_FAILED:
    if (ev->source == TC_CHAT_SRC_STOP) a->stop_pending = false;
    fail(a, "sending failed", ev->err);
    break;
  case TC_CHAT_EV_STREAM_ERROR:
    fail(a, "the answer stream failed", ev->err);
    break;
  case TC_CHAT_EV_AUTH_FAILED:
    /* a proactive refresh nobody waited for: the held token still serves and
     * the chat asks again later; a refusal that matters fails a request */
    if (ev->source == TC_CHAT_SRC_REFRESH)
      status(a, "an early token refresh was refused (the current token still serves; retrying)",
             tc_strerror(ev->err));
    else
      fail(a, "no session (start or token refresh refused)", ev->err);
    break;
  case TC_CHAT_EV_SESSION_CLOSED:
    end_line(a);
    status(a, "the session is closed", NULL);
    a->turn_open = false;
    a->exit_code = TCHAT_EXIT_CLOSED;
    break;
  case TC_CHAT_EV_RUN_PENDING_VERSION:
    status(a, "the agent is waiting for a new deployment", NULL);
    break;
  case TC_CHAT_EV_SESSION_CHANGED:
    /* --state could not be written (a full disk): say so once, and again
     * when it works (the chat retries at each checkpoint) */
    if ((ev->err != TC_OK) != a->save_failing)
      status(a, ev->err != TC_OK ? "could not save the session to --state (an interrupted answer "
                                   "would not resume; retrying)"
                                 : "the session is saved to --state again",
             ev->err != TC_OK ? tc_strerror(ev->err) : NULL);
    a->save_failing = ev->err != TC_OK;
    break;
  case TC_CHAT_EV_RECORD_SKIPPED:
    status(a, "skipped a record", tc_strerror(ev->err));
    break;
  case TC_CHAT_EV_STREAM_DECODE_ERROR:
    status(a, "the stream sent a batch that cannot be decoded, reconnecting", tc_strerror(ev->err));
    break;
  default:
    break;
  }
}

/* CALLBACK mode with --token: the session is the token we were given. */
static void provide_given_token(void *user, tc_chat_t *chat)
{
  app_t *a = user;
  tc_chat_provide_session(chat, a->opt.token, strlen(a->opt.token), false);
}

static void refuse_refresh(void *user, tc_chat_t *chat)
{
  (void)user;
  tc_chat_provide_failed(chat, TC_ERR_AUTH); /* a given token cannot be renewed */
}

/* ------------------------------------------------------------ commands */

/* /approve, /deny: every pending approval in ONE append (as 4.8.3's
 * sendAutomaticallyWhen sends them once all are answered): the agent
 * continues on the first append it gets. The chat keeps the last
 * TC_CHAT_TOOLS_MAX tool calls of a turn: the newest are answered. */
static tc_err_t answer_approvals(app_t *a, bool approved)
{
  tc_chat_approval_t ans[TC_CHAT_TOOLS_MAX];
  int n = a->approval_count < TC_CHAT_TOOLS_MAX ? a->approval_count : TC_CHAT_TOOLS_MAX;
  int first = a->approval_count - n;
  tc_err_t err;
  if (n == 0) return TC_ERR_STATE;
  for (int i = 0; i < n; i++)
    ans[i] = (tc_chat_approval_t){ a->approvals[first + i], approved, approved ? NULL : "denied in tchat" };
  err = tc_chat_answer_approvals(&a->chat, ans, (size_t)n);
  a->approval_count = 0;
  return err;
}

/* Sends one message or runs one /command. Returns TC_OK, or an error. */
static tc_err_t submit(app_t *a, const char *msg)
{
  tc_err_t err;
  bool opens_turn = true;
  if (strcmp(msg, "/approve") == 0) err = answer_approvals(a, true);
  else if (strcmp(msg, "/deny") == 0) err = answer_approvals(a, false);
  else if (strcmp(msg, "/undo") == 0) err = tc_chat_send_action(&a->chat, "{\"type\":\"undo\"}", 15, NULL);
  else if (strcmp(msg, "/regen") == 0) err = tc_chat_regenerate(&a->chat, NULL, NULL);
  else if (strcmp(msg, "/stop") == 0) {
    err = tc_chat_stop(&a->chat);
    opens_turn = false;
    a->stop_pending = err == TC_OK;
  }
  else if (strcmp(msg, "/preload") == 0) {
    err = tc_chat_preload(&a->chat); /* starts the session now (§6.9): no turn */
    opens_turn = false;
  }
  else if (strcmp(msg, "/quit") == 0) { a->done = true; return TC_OK; }
  else if (strcmp(msg, "/help") == 0) {
    fputs("commands: /approve /deny /undo /regen /stop /preload /quit; Ctrl-C stops the answer, twice quits\n", stderr);
    return TC_OK;
  } else if (msg[0] == '/' && msg[1] == '/') {
    err = tc_chat_send_text(&a->chat, msg + 1, strlen(msg + 1), NULL); /* "//x" sends "/x" */
  } else if (msg[0] == '/') {
    fprintf(stderr, "tchat: unknown command %s (try /help)\n", msg);
    return TC_OK;
  } else {
    err = tc_chat_send_text(&a->chat, msg, strlen(msg), NULL);
  }
  if (err == TC_OK && opens_turn) {
    a->turn_open = true;
    a->turn_deadline = tc_posix_clock_ms(NULL) + (uint64_t)a->opt.timeout_s * 1000u;
  }
  return err;
}

/* Scripted mode: when no turn is outstanding, send the next MESSAGE. */
static void drive_script(app_t *a)
{
  /* The next message waits for the turn, and for a stop's own append: a
   * stop only takes effect (closes .out, clears isStreaming) once answered. */
  if (a->turn_open || a->done || a->stop_pending) return;
  /* ... and for a session start under way (/preload): the end of the
   * script must not drop it before the session is there to keep. */
  if (tc_chat_state(&a->chat) == TC_CHAT_STARTING) return;
  if (a->next_message == a->opt.message_count) {
    if (!a->interactive && !a->opt.watch) a->done = true;
    return;
  }
  const char *msg = a->opt.messages[a->next_message++];
  if (!a->opt.quiet && !a->opt.json) fprintf(stderr, "> %s\n", msg);
  tc_err_t err = submit(a, msg);
  if (err != TC_OK) fail(a, msg, err);
}

static void read_stdin(app_t *a)
{
  char c;
  ssize_t n;
  while ((n = read(STDIN_FILENO, &c, 1)) == 1) {
    if (c != '\n') {
      if (a->line_len < sizeof a->line - 1) a->line[a->line_len++] = c;
      continue;
    }
    a->line[a->line_len] = '\0';
    a->line_len = 0;
    if (a->line[0] == '\0') break;
    if (a->turn_open && a->line[0] != '/') {
      /* Typed while an answer streams: a steering message (§4.6). */
      tc_err_t err = tc_chat_steer_text(&a->chat, a->line, strlen(a->line), NULL);
      if (err != TC_OK) status(a, "could not steer", tc_strerror(err));
    } else {
      tc_err_t err = submit(a, a->line);
      if (err != TC_OK) status(a, tc_strerror(err), NULL);
    }
    break;
  }
  if (n == 0) a->done = true; /* end of input */
}

static void prompt(app_t *a)
{
  static bool shown;
  if (!a->interactive || a->turn_open || a->stop_pending || a->done) { shown = false; return; }
  if (!shown) {
    fputs("you> ", stderr);
    shown = true;
  }
}

/* ------------------------------------------------------------ setup */

static bool open_state(app_t *a)
{
  tc_err_t err = tc_flash_file_open(&a->flash, a->opt.state, TC_FLASH_FILE_SECTOR_SIZE,
                                    TC_FLASH_FILE_SECTORS, 1, 0xFF);
  if (err == TC_OK) err = tc_kv_flash_mount(&a->kvf, &a->flash.flash);
  if (err != TC_OK) {
    fprintf(stderr, "tchat: --state %s: %s\n", a->opt.state, tc_strerror(err));
    return false;
  }
  a->kv = tc_kv_flash_kv(&a->kvf);
  a->have_kv = true;
  return true;
}

static void configure(app_t *a)
{
  tc_chat_config_t *c = &a->cfg;
  const tchat_options_t *o = &a->opt;
  memset(c, 0, sizeof *c);
  c->base_url = o->base_url;
  c->in_url = o->in_url;
  c->out_url = o->out_url;
  c->task_id = o->task;
  c->client_data = o->client_data;
  c->watch = o->watch;
  c->random = tc_posix_random;
  /* The flash image is a host file: checkpoint the cursor every second, so
   * even a SIGKILL repeats at most a second of text (a device keeps the 10 s
   * default to spare its flash). */
  c->checkpoint_ms = 1000;
  c->backoff.stall_ms = o->stall_ms; /* 0: the official 60 s */
  c->on_event = on_event;
  c->user = a;
  if (a->have_kv) c->kv = a->kv;
  if (o->token) {
    c->auth = TC_CHAT_AUTH_CALLBACK;
    c->start_session = provide_given_token;
    c->access_token = refuse_refresh;
  } else if (o->start_url) {
    c->auth = TC_CHAT_AUTH_BACKEND;
    c->start_url = o->start_url;
    c->token_url = o->token_url;
    c->device_key_header = o->device_key ? "X-Device-Key" : NULL;
    c->device_key = o->device_key;
  } else {
    c->auth = TC_CHAT_AUTH_DIRECT; /* development only */
    c->secret_key = o->secret_key;
  }
}

/* Restores the persisted session; resumes an answer that was interrupted. */
static void restore(app_t *a)
{
  tc_err_t err = tc_chat_restore(&a->chat, NULL, 0);
  if (err == TC_ERR_KV_NOT_FOUND) return;
  if (err != TC_OK) {
    status(a, "ignoring the stored session", tc_strerror(err));
    return;
  }
  tc_chat_session_t s = tc_chat_session(&a->chat);
  if (s.closed) {
    status(a, "the stored session is closed", NULL);
    return;
  }
  if (s.streaming != 0) {
    err = tc_chat_resume(&a->chat);
    if (err == TC_OK && s.streaming == 1) {
      status(a, "resuming the interrupted answer", NULL);
      a->turn_open = true;
      a->turn_deadline = tc_posix_clock_ms(NULL) + (uint64_t)a->opt.timeout_s * 1000u;
    }
  }
}

/* ------------------------------------------------------------ the loop */

static void run(app_t *a)
{
  struct pollfd fds[3];
  int stops = 0;
  while (!a->done) {
    uint64_t now = tc_posix_clock_ms(NULL);
    if (g_sigterm) break;
    if (g_sigint > stops) {
      stops = g_sigint;
      if (stops > 1 || !a->turn_open) { a->exit_code = TCHAT_EXIT_INTERRUPTED; break; }
      status(a, "stopping the answer (Ctrl-C again quits)", NULL);
      if (tc_chat_stop(&a->chat) == TC_OK) {
        end_line(a);
        a->turn_open = false;
        a->stop_pending = true;
      }
    }
    tc_chat_step(&a->chat, now);
    drive_script(a);
    prompt(a);
    if (a->done) break;
    if (a->turn_open && now >= a->turn_deadline) {
      fail(a, "no answer in time", TC_ERR_TIMEOUT);
      break;
    }

    uint64_t deadline = tc_chat_next_deadline(&a->chat);
    if (a->turn_open && a->turn_deadline < deadline) deadline = a->turn_deadline;
    int n = tchat_net_poll_setup(&a->net, fds, &deadline);
    if (a->interactive) {
      fds[n].fd = STDIN_FILENO;
      fds[n].events = POLLIN;
      n++;
    }
    int wait_ms = -1;
    now = tc_posix_clock_ms(NULL); /* the step may have taken a while (a DNS lookup blocks) */
    if (deadline != UINT64_MAX) wait_ms = deadline <= now ? 0 : (int)(deadline - now > 60000 ? 60000 : deadline - now);
    if (poll(fds, (nfds_t)n, wait_ms) < 0 && errno != EINTR) {
      fail(a, "poll", TC_ERR_NET_IO);
      break;
    }
    tchat_net_after_poll(&a->net);
    if (a->interactive && (fds[n - 1].revents & (POLLIN | POLLHUP))) read_stdin(a);
  }
}

int main(int argc, char **argv)
{
  app_t *a = &g_app;
  bool stop = false;
  int rc = tchat_parse_options(argc, argv, &a->opt, &stop);
  if (rc != TCHAT_EXIT_OK || stop) return rc;
  if (a->opt.decode) return tchat_decode(a->opt.decode, a->opt.json);
  const tchat_stack_t *stack = tchat_stack_find(a->opt.stack);
  if (stack == NULL) {
    fprintf(stderr, "tchat: --stack %s: not in this build (tchat-lwip has it, see docs/lwip.md)\n",
            a->opt.stack);
    return TCHAT_EXIT_USAGE;
  }

  signal(SIGPIPE, SIG_IGN);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGHUP, &sa, NULL);

  if (a->opt.state && !open_state(a)) return TCHAT_EXIT_USAGE;
  tc_err_t err = tchat_net_init(&a->net, stack, a->opt.ca, a->have_kv ? &a->kv : NULL);
  if (err != TC_OK) {
    fprintf(stderr, "tchat: network setup: %s\n", tc_strerror(err));
    return exit_code_for(err);
  }
  configure(a);
  err = tc_chat_init(&a->chat, &a->cfg, a->opt.chat, tchat_net_transport(&a->net, 0),
                     tchat_net_transport(&a->net, 1), &a->bufs);
  if (err != TC_OK) {
    fprintf(stderr, "tchat: %s\n", tc_strerror(err));
    tchat_net_free(&a->net);
    return TCHAT_EXIT_USAGE;
  }
  /* A host knows the wall clock: it lets the chat honour x-ratelimit-reset
   * and refresh the token shortly before its exp. */
  struct timespec wall;
  clock_gettime(CLOCK_REALTIME, &wall);
  tc_chat_set_unix_time(&a->chat, tc_posix_clock_ms(NULL),
                        (uint64_t)wall.tv_sec * 1000u + (uint64_t)wall.tv_nsec / 1000000u);
  tc_chat_step(&a->chat, tc_posix_clock_ms(NULL)); /* the chat learns the time */
  a->interactive = a->opt.message_count == 0 && !a->opt.watch && isatty(STDIN_FILENO);
  if (a->have_kv) restore(a);
  if (a->opt.watch) {
    err = tc_chat_watch(&a->chat);
    if (err != TC_OK) fail(a, "watch", err);
  } else if (!a->interactive && a->opt.message_count == 0 && !a->turn_open) {
    a->done = true; /* nothing to resume, nothing to send */
  }

  run(a);
  end_line(a);
  tc_chat_deinit(&a->chat); /* writes the session record if it changed */
  tchat_net_free(&a->net);
  if (a->have_kv) tc_flash_file_close(&a->flash);
  if (g_sigterm) return TCHAT_EXIT_INTERRUPTED;
  return a->exit_code;
}

/* options.c — tchat's command line and environment (see options.h). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exitcodes.h"
#include "options.h"

static const char k_usage[] =
  "usage: tchat [options] [MESSAGE...]\n"
  "       tchat --decode FILE|- [--json]\n"
  "\n"
  "Talks to a Trigger.dev chat.agent. With MESSAGEs, sends each in turn and\n"
  "prints each answer; without, an interactive prompt (on a terminal), or it\n"
  "resumes the interrupted answer kept in --state. A MESSAGE that starts with\n"
  "'/' is a command: /approve /deny /undo /regen /stop\n"
  "/preload (start the session now) /quit /help;\n"
  "'//' at the start sends one literal '/'.\n"
  "\n"
  "  --base-url URL     Trigger.dev API (default https://api.trigger.dev)\n"
  "  --in-url URL       base for .in/append only (e.g. an edge proxy)\n"
  "  --out-url URL      base for .out only\n"
  "  --task ID          the chat.agent task id\n"
  "  --chat ID          the conversation id (default: tchat)\n"
  "  --start-url URL    customer backend: POST -> {publicAccessToken}\n"
  "  --token-url URL    customer backend: POST -> a fresh token\n"
  "  --device-key KEY   sent as X-Device-Key to the backend\n"
  "  --token PAT        a public access token given directly (no start)\n"
  "  --secret-key KEY   DEVELOPMENT ONLY: start sessions with a secret key\n"
  "  --client-data JSON merged into every message's metadata\n"
  "  --state FILE       persistent state (a simulated flash image)\n"
  "  --ca FILE          trusted CA certificates, PEM\n"
  "                     (default /etc/ssl/certs/ca-certificates.crt)\n"
  "  --timeout S        give up on one turn after S seconds (default 300)\n"
  "  --stall-ms MS      reconnect .out after MS without a record (default 60000;\n"
  "                     for tests)\n"
  "  --watch            read-only: print every turn as it happens\n"
  "  --stack posix|lwip network stack (default posix)\n"
  "  --json             every event as one JSON object per line\n"
  "  --decode FILE      decode a captured .out stream ('-' = stdin)\n"
  "  -q, --quiet        no status lines on stderr\n"
  "  -h, --help         this text\n"
  "\n"
  "Each option has an environment variable: TCHAT_BASE_URL, TCHAT_TASK, ...\n"
  "Exit codes: 0 ok, 2 usage, 3 network, 4 auth, 5 session closed,\n"
  "6 protocol error or failed turn, 130 interrupted.\n";

enum { O_BASE = 256, O_IN, O_OUT, O_TASK, O_CHAT, O_START, O_TOKENURL, O_DEVKEY, O_TOKEN,
       O_SECRET, O_CDATA, O_STATE, O_CA, O_TIMEOUT, O_WATCH, O_STACK, O_JSON, O_DECODE,
       O_STALL };

static const struct option k_long[] = {
  { "base-url", required_argument, NULL, O_BASE },   { "in-url", required_argument, NULL, O_IN },
  { "out-url", required_argument, NULL, O_OUT },     { "task", required_argument, NULL, O_TASK },
  { "chat", required_argument, NULL, O_CHAT },       { "start-url", required_argument, NULL, O_START },
  { "token-url", required_argument, NULL, O_TOKENURL },
  { "device-key", required_argument, NULL, O_DEVKEY },
  { "token", required_argument, NULL, O_TOKEN },     { "secret-key", required_argument, NULL, O_SECRET },
  { "client-data", required_argument, NULL, O_CDATA },
  { "state", required_argument, NULL, O_STATE },     { "ca", required_argument, NULL, O_CA },
  { "timeout", required_argument, NULL, O_TIMEOUT }, { "watch", no_argument, NULL, O_WATCH },
  { "stall-ms", required_argument, NULL, O_STALL },
  { "stack", required_argument, NULL, O_STACK },     { "json", no_argument, NULL, O_JSON },
  { "decode", required_argument, NULL, O_DECODE },   { "quiet", no_argument, NULL, 'q' },
  { "help", no_argument, NULL, 'h' },                { NULL, 0, NULL, 0 },
};

static const char *env(const char *name, const char *fallback)
{
  const char *v = getenv(name);
  return v && *v ? v : fallback;
}

int tchat_parse_options(int argc, char **argv, tchat_options_t *o, bool *stop)
{
  const char *timeout = env("TCHAT_TIMEOUT", "300");
  const char *stall = env("TCHAT_STALL_MS", "0");
  memset(o, 0, sizeof *o);
  *stop = false;
  o->base_url = env("TCHAT_BASE_URL", NULL);
  o->in_url = env("TCHAT_IN_URL", NULL);
  o->out_url = env("TCHAT_OUT_URL", NULL);
  o->task = env("TCHAT_TASK", NULL);
  o->chat = env("TCHAT_CHAT", "tchat");
  o->start_url = env("TCHAT_START_URL", NULL);
  o->token_url = env("TCHAT_TOKEN_URL", NULL);
  o->device_key = env("TCHAT_DEVICE_KEY", NULL);
  o->token = env("TCHAT_TOKEN", NULL);
  o->secret_key = env("TCHAT_SECRET_KEY", NULL);
  o->client_data = env("TCHAT_CLIENT_DATA", NULL);
  o->state = env("TCHAT_STATE", NULL);
  o->ca = env("TCHAT_CA", NULL);
  o->stack = env("TCHAT_STACK", "posix");
  o->watch = getenv("TCHAT_WATCH") != NULL;
  o->json = getenv("TCHAT_JSON") != NULL;

  int c;
  opterr = 0;
  while ((c = getopt_long(argc, argv, "+qh", k_long, NULL)) != -1) {
    switch (c) {
    case O_BASE: o->base_url = optarg; break;
    case O_IN: o->in_url = optarg; break;
    case O_OUT: o->out_url = optarg; break;
    case O_TASK: o->task = optarg; break;
    case O_CHAT: o->chat = optarg; break;
    case O_START: o->start_url = optarg; break;
    case O_TOKENURL: o->token_url = optarg; break;
    case O_DEVKEY: o->device_key = optarg; break;
    case O_TOKEN: o->token = optarg; break;
    case O_SECRET: o->secret_key = optarg; break;
    case O_CDATA: o->client_data = optarg; break;
    case O_STATE: o->state = optarg; break;
    case O_CA: o->ca = optarg; break;
    case O_TIMEOUT: timeout = optarg; break;
    case O_STALL: stall = optarg; break;
    case O_WATCH: o->watch = true; break;
    case O_STACK: o->stack = optarg; break;
    case O_JSON: o->json = true; break;
    case O_DECODE: o->decode = optarg; break;
    case 'q': o->quiet = true; break;
    case 'h': fputs(k_usage, stdout); *stop = true; return TCHAT_EXIT_OK;
    default:
      fprintf(stderr, "tchat: unknown or incomplete option '%s'\n%s", argv[optind - 1], k_usage);
      return TCHAT_EXIT_USAGE;
    }
  }
  char *end = NULL;
  unsigned long t = strtoul(timeout, &end, 10);
  if (end == timeout || *end != '\0' || t == 0 || t > 86400) {
    fprintf(stderr, "tchat: --timeout takes 1 to 86400 seconds\n");
    return TCHAT_EXIT_USAGE;
  }
  o->timeout_s = (unsigned)t;
  t = strtoul(stall, &end, 10);
  if (end == stall || *end != '\0' || t > 3600000) {
    fprintf(stderr, "tchat: --stall-ms takes 0 (default) to 3600000 milliseconds\n");
    return TCHAT_EXIT_USAGE;
  }
  o->stall_ms = (unsigned)t;
  if (strcmp(o->stack, "posix") != 0 && strcmp(o->stack, "lwip") != 0) {
    fprintf(stderr, "tchat: --stack is posix or lwip\n");
    return TCHAT_EXIT_USAGE;
  }
  o->messages = argv + optind;
  o->message_count = argc - optind;
  if (o->decode) return TCHAT_EXIT_OK;
  if (!o->token && !o->start_url && !o->secret_key) {
    fprintf(stderr, "tchat: say how to get a session: --start-url (a customer backend), "
                    "--token (a PAT) or --secret-key (development only)\n");
    return TCHAT_EXIT_USAGE;
  }
  if (!o->token && !o->task) {
    fprintf(stderr, "tchat: --task is needed to start a session\n");
    return TCHAT_EXIT_USAGE;
  }
  return TCHAT_EXIT_OK;
}

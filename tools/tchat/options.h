/*
 * options.h — tchat's command line. Every option also has an environment
 * variable (TCHAT_<NAME>, e.g. TCHAT_BASE_URL); the command line wins.
 */
#ifndef TCHAT_OPTIONS_H
#define TCHAT_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>

typedef struct tchat_options {
  const char *base_url, *in_url, *out_url;
  const char *task, *chat;
  const char *start_url, *token_url, *device_key;
  const char *token;        /* a PAT given directly: no session start */
  const char *secret_key;   /* direct mode, development only */
  const char *client_data;  /* JSON object */
  const char *state;        /* flash image file */
  const char *ca;           /* PEM file */
  const char *stack;        /* "posix" (default) or "lwip" */
  const char *decode;       /* --decode FILE */
  unsigned timeout_s;       /* give up on one turn after this long */
  unsigned stall_ms;        /* .out stall timer (0: the library's 60000) */
  bool watch, json, quiet;
  char **messages;          /* the MESSAGE arguments */
  int message_count;
} tchat_options_t;

/* Parses argv and the environment. Returns 0, or an exit code (usage error,
 * or 0 after --help with *stop set). */
int tchat_parse_options(int argc, char **argv, tchat_options_t *o, bool *stop);

#endif

/* exitcodes.h — tchat's documented exit codes (README "tchat"). */
#ifndef TCHAT_EXITCODES_H
#define TCHAT_EXITCODES_H

enum {
  TCHAT_EXIT_OK = 0,        /* every message answered / capture decoded */
  TCHAT_EXIT_USAGE = 2,     /* bad options, unreadable file */
  TCHAT_EXIT_NETWORK = 3,   /* could not reach the server (DNS, connect, TLS, timeouts) */
  TCHAT_EXIT_AUTH = 4,      /* session start or token refresh refused */
  TCHAT_EXIT_CLOSED = 5,    /* the session is closed */
  TCHAT_EXIT_PROTOCOL = 6,  /* the server's answer broke the protocol; or the turn errored */
  TCHAT_EXIT_INTERRUPTED = 130
};

#endif

/*
 * decode.h — `tchat --decode FILE`: reads a captured .out stream (the raw SSE
 * bytes, or a whole HTTP response as `curl -i` saves it, chunked or not) and
 * prints the answer text, or with --json every record, control and chunk.
 * Constant memory whatever the file size: a read buffer plus the decoder.
 */
#ifndef TCHAT_DECODE_H
#define TCHAT_DECODE_H

#include <stdbool.h>

/* Returns a tchat exit code (0 ok, TCHAT_EXIT_PROTOCOL on a framing error,
 * TCHAT_EXIT_USAGE when the file cannot be read). path "-" is stdin. */
int tchat_decode(const char *path, bool json);

#endif

/*
 * tc_config.h — compile-time defaults. Every value can be overridden with
 * -D on the compiler command line or by a file named by TC_CONFIG_FILE
 * (e.g. -DTC_CONFIG_FILE='"my_tc_config.h"'), included first.
 *
 * Buffers are always the caller's: these are the sizes the convenience
 * "default buffers" structs (tc_*_bufs_t) reserve and the sizes the README
 * reports. A smaller or larger buffer can be passed at init time.
 */
#ifndef TC_CONFIG_H
#define TC_CONFIG_H

#ifdef TC_CONFIG_FILE
#include TC_CONFIG_FILE
#endif

/* ---- diagnostics */
/* 1: tc_strerror / tc_errname return texts and names (~3.6 KB of flash on
 * Cortex-M4). 0: they return "" and "?" (log the number instead). */
#ifndef TC_ERROR_STRINGS
#define TC_ERROR_STRINGS 1
#endif

/* ---- http */
/* Longest status or header line (bytes, CRLF excluded) the response parser
 * accepts; a longer line is TC_ERR_HTTP_HEADER_TOO_LONG. */
#ifndef TC_HTTP_LINE_MAX
#define TC_HTTP_LINE_MAX 512
#endif
/* Most header lines in one response (TC_ERR_HTTP_TOO_MANY_HEADERS beyond). */
#ifndef TC_HTTP_HEADERS_MAX
#define TC_HTTP_HEADERS_MAX 64
#endif

/* ---- sse */
/* Longest `event:` value kept; a longer one is kept truncated and flagged. */
#ifndef TC_SSE_EVENT_MAX
#define TC_SSE_EVENT_MAX 16
#endif

/* ---- outstream */
/* 1: the `.out` decoder's fast paths: a data record's body parsed in one
 * pass straight from its escaped text (core/chunk.c tc_chunk__parse_esc),
 * shortcuts for the usual record members, word-at-a-time string runs, keys
 * and digits, hash tables for chunk keys and types, a 256-byte byte-class
 * table. About 25% fewer instructions per byte and ~4 KB more flash on
 * Cortex-M4. 0: one general path, small. Default: on, except when
 * optimising for size (-Os). The behaviour is the same either way, errors
 * included: tests/fuzz/fuzz_outstream_diff links both builds into one binary
 * and checks that every callback agrees, and the unit tests run on both. */
#ifndef TC_DECODE_FAST
#ifdef __OPTIMIZE_SIZE__
#define TC_DECODE_FAST 0
#else
#define TC_DECODE_FAST 1
#endif
#endif
/* (internal) Marks a helper that several callers, or several inlined copies
 * of one caller, share: under TC_DECODE_FAST 0 (-Os) it stays out of line,
 * because GCC's size inliner still copies such helpers into each caller
 * (measured on Cortex-M4: ~200 bytes in outstream.c, 92 in http_resp.c).
 * The fast build leaves inlining to the compiler. */
#if defined(__GNUC__) && !TC_DECODE_FAST
#define TC_OS_NOINLINE __attribute__((noinline))
#else
#define TC_OS_NOINLINE
#endif
/* One record's headers and unescaped body (the record buffer). A larger data
 * record is skipped with the `oversized` flag, except text and reasoning
 * deltas, which are delivered in fragments. Must hold a control record with
 * its public-access-token header (a JWT of ~400-700 bytes). */
#ifndef TC_OUT_RECORD_MAX
#define TC_OUT_RECORD_MAX 1536
#endif
/* Envelope ids remembered per connection for duplicate suppression. */
#ifndef TC_OUT_DEDUPE_IDS
#define TC_OUT_DEDUPE_IDS 32
#endif
/* Longest error-event text kept (the rest is dropped). */
#ifndef TC_OUT_ERROR_TEXT_MAX
#define TC_OUT_ERROR_TEXT_MAX 96
#endif
/* Most jsmn tokens for one record body. */
#ifndef TC_JSON_TOKENS_MAX
#define TC_JSON_TOKENS_MAX 64
#endif
/* Deepest nesting of objects/arrays accepted anywhere (a `.out` batch, a
 * chunk's JSON values, validated JSON); deeper is TC_ERR_JSON_DEPTH. At most 32. */
#ifndef TC_JSON_DEPTH_MAX
#define TC_JSON_DEPTH_MAX 32
#endif

#endif /* TC_CONFIG_H */

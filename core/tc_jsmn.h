/*
 * tc_jsmn.h — how core/ includes jsmn (Debian's libjsmn-dev, header-only).
 *
 * jsmn is compiled once, in core/json_doc.c, with its two public functions
 * renamed (tc_jsmn_init, tc_jsmn_parse) so that a firmware image that also
 * links another copy of jsmn (ESP-IDF ships one) has no clash. Everyone else
 * sees declarations only. jsmn is built without JSMN_STRICT: every text it
 * sees has passed tc_json_validate first (see json_doc.c), so strict mode's
 * checks would only cost flash (about 120 bytes on Cortex-M4).
 */
#ifndef TC_JSMN_H
#define TC_JSMN_H

#define jsmn_init tc_jsmn_init
#define jsmn_parse tc_jsmn_parse
#ifdef TC_JSMN_IMPLEMENTATION
#define JSMN_STATIC 1 /* private to json_doc.c: the compiler may specialise it */
#else
#define JSMN_HEADER 1
#endif
#include <jsmn.h>
#ifdef JSMN_HEADER
#undef JSMN_HEADER
#endif

#endif /* TC_JSMN_H */

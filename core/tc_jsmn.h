/*
 * tc_jsmn.h — how core/ includes jsmn (Debian's libjsmn-dev, header-only).
 *
 * jsmn is compiled once, in core/json_doc.c, with its two public functions
 * renamed (tc_jsmn_init, tc_jsmn_parse) so that a firmware image that also
 * links another copy of jsmn (ESP-IDF ships one) has no clash. Everyone else
 * sees declarations only. Strict mode: primitives must be valid JSON literals
 * and object keys must be strings.
 */
#ifndef TC_JSMN_H
#define TC_JSMN_H

#define JSMN_STRICT 1
#define jsmn_init tc_jsmn_init
#define jsmn_parse tc_jsmn_parse
#ifndef TC_JSMN_IMPLEMENTATION
#define JSMN_HEADER 1
#endif
#include <jsmn.h>
#ifdef JSMN_HEADER
#undef JSMN_HEADER
#endif

#endif /* TC_JSMN_H */

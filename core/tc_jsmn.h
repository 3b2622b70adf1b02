/*
 * tc_jsmn.h — how core/ includes jsmn (Debian's libjsmn-dev, header-only).
 *
 * Only jsmn's types are used (tc_json_tok_t is jsmntok_t): core/json_doc.c
 * writes the tokens itself, after tc_json_validate, in jsmn's layout. jsmn's
 * functions are declared (JSMN_HEADER) but never defined or called here, so
 * a firmware image that also links jsmn (ESP-IDF ships one) has no clash.
 */
#ifndef TC_JSMN_H
#define TC_JSMN_H

#ifndef JSMN_HEADER
#define JSMN_HEADER 1
#define TC_JSMN_HEADER_SET_ 1
#endif
#include <jsmn.h>
#ifdef TC_JSMN_HEADER_SET_
#undef JSMN_HEADER
#undef TC_JSMN_HEADER_SET_
#endif

#endif /* TC_JSMN_H */

/*
 * tc_jsmn.h — how core/ includes jsmn (Debian's libjsmn-dev, header-only):
 * for its token type (jsmntok_t, the type of tc_json_tok_t) and token kinds
 * (JSMN_OBJECT ...), declarations only. core/json_doc.c makes the tokens
 * itself from text already validated, in jsmn's layout; jsmn's parser is
 * not compiled into core/ (tests/test_json_doc.c compiles it to compare).
 */
#ifndef TC_JSMN_H
#define TC_JSMN_H

#ifndef JSMN_H
#define JSMN_HEADER 1
#include <jsmn.h>
#undef JSMN_HEADER
#endif

#endif /* TC_JSMN_H */

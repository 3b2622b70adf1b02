/*
 * tc_jsmn.h — how core/ includes jsmn (Debian's libjsmn-dev, header-only).
 *
 * Only jsmn's token type is used: tc_json_tok_t is jsmntok_t, so that a
 * document's tokens read as jsmn's (JSMN_OBJECT .. JSMN_PRIMITIVE, start,
 * end, size). The tokens themselves are found by core/json_doc.c in text
 * tc_json_validate has accepted, so jsmn's parser is not compiled (nothing
 * named jsmn_* is defined by trigchat: another jsmn in the image does not
 * clash).
 */
#ifndef TC_JSMN_H
#define TC_JSMN_H

#define JSMN_HEADER 1
#include <jsmn.h>
#undef JSMN_HEADER

#endif /* TC_JSMN_H */

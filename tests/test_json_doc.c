/* test_json_doc.c — core/json_doc.c beyond tests/test_json.c: lone
 * primitives (jsmn runs without JSMN_STRICT, after tc_json_validate), token
 * bounds, and the typed readers' refusals. */
#include <string.h>

#include "tc_json.h"
#include "tc_test.h"

/* A document that is one primitive is one token, white space excluded. */
static void test_doc_lone_primitives(void)
{
  static const struct { const char *in, *raw; } v[] = {
    { "17", "17" }, { " -1.5e3\n", "-1.5e3" }, { "\tnull ", "null" }, { "false", "false" },
    { " \"\" ", "" }, { "0", "0" },
  };
  for (unsigned i = 0; i < sizeof v / sizeof v[0]; i++) {
    char js[32];
    tc_json_tok_t tok[1];
    tc_json_doc_t d;
    tc_slice_t r;
    strcpy(js, v[i].in);
    CHECK_EQ_INT(tc_json_doc_parse(&d, js, strlen(js), tok, 1), TC_OK);
    CHECK_EQ_INT(d.ntok, 1);
    r = tc_json_raw(&d, 0);
    CHECK_EQ_MEM(r.ptr, r.len, v[i].raw);
    CHECK_EQ_INT(tc_json_skip(&d, 0), 1);
  }
}

/* cap bounds the tokens exactly; too few is TC_ERR_JSON_TOO_BIG. */
static void test_doc_token_cap_exact(void)
{
  tc_json_tok_t tok[8];
  tc_json_doc_t d;
  char js[] = "{\"a\":[1,true],\"b\":\"x\"}"; /* 7 tokens */
  CHECK_EQ_INT(tc_json_doc_parse(&d, js, sizeof js - 1, tok, 6), TC_ERR_JSON_TOO_BIG);
  CHECK_EQ_INT(d.ntok, 0);
  CHECK_EQ_INT(tc_json_doc_parse(&d, js, sizeof js - 1, tok, 7), TC_OK);
  CHECK_EQ_INT(d.ntok, 7);
  CHECK_EQ_INT(tc_json_get(&d, 0, "b"), 6);
  CHECK_EQ_INT(tc_json_skip(&d, 2), 5);
}

/* The tokens are laid out as jsmn lays them out: containers from their
 * bracket to just after the closing one, strings inside their quotes, an
 * object's size counting its keys and a key's size 1. */
static void test_doc_tokens_jsmn_layout(void)
{
  static const struct { jsmntype_t type; int start, end, size; } want[] = {
    { JSMN_OBJECT, 1, 51, 3 }, { JSMN_STRING, 3, 4, 1 },   { JSMN_ARRAY, 8, 29, 3 },
    { JSMN_PRIMITIVE, 9, 10, 0 }, { JSMN_OBJECT, 12, 24, 1 }, { JSMN_STRING, 14, 15, 1 },
    { JSMN_STRING, 18, 22, 0 }, { JSMN_ARRAY, 26, 28, 0 },  { JSMN_STRING, 32, 33, 1 },
    { JSMN_OBJECT, 35, 37, 0 }, { JSMN_STRING, 40, 41, 1 }, { JSMN_PRIMITIVE, 43, 49, 0 },
  };
  char js[] = " {\"a\" : [1, {\"b\":\"x\\\"y\"}, []], \"c\":{}, \"d\":-2.5e1 } ";
  tc_json_tok_t tok[16];
  tc_json_doc_t d;
  CHECK_EQ_INT(tc_json_doc_parse(&d, js, sizeof js - 1, tok, 16), TC_OK);
  CHECK_EQ_INT(d.ntok, 12);
  for (int i = 0; i < 12; i++) {
    CHECK_EQ_INT(tok[i].type, want[i].type);
    CHECK_EQ_INT(tok[i].start, want[i].start);
    CHECK_EQ_INT(tok[i].end, want[i].end);
    CHECK_EQ_INT(tok[i].size, want[i].size);
  }
  CHECK_EQ_INT(tc_json_doc_parse(&d, js, sizeof js - 1, tok, 11), TC_ERR_JSON_TOO_BIG);
}

/* Invalid text never reaches jsmn: each is the validator's named error. */
static void test_doc_invalid_refused(void)
{
  tc_json_tok_t tok[8];
  tc_json_doc_t d;
  char a[] = "{\"a\":tru}", b[] = "[1,2", c[] = "{1:2}", e[] = "\"a\\x\"", f[] = "";
  CHECK(tc_json_doc_parse(&d, a, sizeof a - 1, tok, 8) != TC_OK);
  CHECK(tc_json_doc_parse(&d, b, sizeof b - 1, tok, 8) != TC_OK);
  CHECK(tc_json_doc_parse(&d, c, sizeof c - 1, tok, 8) != TC_OK);
  CHECK(tc_json_doc_parse(&d, e, sizeof e - 1, tok, 8) != TC_OK);
  CHECK(tc_json_doc_parse(&d, f, 0, tok, 8) != TC_OK);
  CHECK_EQ_INT(tc_json_doc_parse(&d, a, sizeof a - 1, tok, 0), TC_ERR_ARG);
  CHECK_EQ_INT(tc_json_doc_parse(&d, a, sizeof a - 1, NULL, 8), TC_ERR_ARG);
}

/* Typed readers refuse tokens of another type and indexes out of range. */
static void test_doc_readers_check_types(void)
{
  tc_json_tok_t tok[8];
  tc_json_doc_t d;
  char js[] = "[\"t\",{},null,18446744073709551615,1.5]";
  tc_slice_t s;
  uint64_t v;
  bool b;
  CHECK_EQ_INT(tc_json_doc_parse(&d, js, sizeof js - 1, tok, 8), TC_OK);
  CHECK_EQ_INT(tc_json_bool(&d, 1, &b), TC_ERR_JSON_TYPE); /* "t" is a string */
  CHECK_EQ_INT(tc_json_bool(&d, 3, &b), TC_ERR_JSON_TYPE); /* null */
  CHECK(!tc_json_is_null(&d, 2));                          /* {} */
  CHECK(tc_json_is_null(&d, 3));
  CHECK_EQ_INT(tc_json_u64(&d, 1, &v), TC_ERR_JSON_TYPE);
  CHECK_EQ_INT(tc_json_u64(&d, 5, &v), TC_ERR_JSON_TYPE);  /* 1.5 */
  CHECK_EQ_INT(tc_json_str(&d, 2, &s), TC_ERR_JSON_TYPE);
  CHECK_EQ_INT(tc_json_str(&d, 6, &s), TC_ERR_JSON_TYPE);  /* out of range */
  CHECK_EQ_INT(tc_json_get(&d, 0, "t"), -1);               /* an array */
  CHECK_EQ_INT(tc_json_get(&d, 2, "t"), -1);               /* empty object */
  CHECK_EQ_INT(tc_json_get(&d, 9, "t"), -1);
  CHECK_EQ_INT(tc_json_raw(&d, -1).ptr == NULL, 1);
  CHECK_EQ_INT(tc_json_str(&d, 1, &s), TC_OK);
  CHECK_EQ_MEM(s.ptr, s.len, "t");
}

int main(void)
{
  RUN(test_doc_lone_primitives);
  RUN(test_doc_token_cap_exact);
  RUN(test_doc_tokens_jsmn_layout);
  RUN(test_doc_invalid_refused);
  RUN(test_doc_readers_check_types);
  return tc_test_finish("json_doc");
}

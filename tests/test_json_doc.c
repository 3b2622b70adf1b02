/* test_json_doc.c — core/json_doc.c beyond tests/test_json.c: its tokens
 * equal jsmn's (the reference parser, compiled here only) on generated
 * documents and at every token bound; lone primitives; the typed readers'
 * refusals. */
#include <stdio.h>
#include <string.h>

#define JSMN_STATIC 1
#include <jsmn.h> /* jsmn's parser, static in this file: the reference */

#include "tc_json.h"
#include "tc_test.h"

/* ------------------------------------------------- generated documents */

static unsigned g_seed = 12345;
static unsigned rnd(unsigned n)
{
  g_seed = g_seed * 1103515245u + 12345u;
  return (g_seed >> 16) % n;
}

static void put(char *b, size_t *len, size_t cap, const char *s)
{
  size_t n = strlen(s);
  if (n < cap - *len) {
    memcpy(b + *len, s, n);
    *len += n;
  }
}

static void ws(char *b, size_t *len, size_t cap)
{
  static const char *const w[] = { "", "", "", " ", "\n", "\t ", "\r\n  " };
  put(b, len, cap, w[rnd(7)]);
}

static void gen_string(char *b, size_t *len, size_t cap)
{
  static const char *const part[] = { "a", "key", "\\\"", "\\\\", "\\n", "\\u00e9", "\\ud83d\\ude00",
                                      "\xc3\xa9", " ", ":", ",", "}", "]", "{", "[", "\\/" };
  unsigned k = rnd(5);
  put(b, len, cap, "\"");
  while (k--) put(b, len, cap, part[rnd(16)]);
  put(b, len, cap, "\"");
}

static void gen_value(char *b, size_t *len, size_t cap, int depth)
{
  static const char *const prim[] = { "0", "-1", "12.5e+3", "-0.0E-2", "true", "false", "null", "18446744073709551616" };
  unsigned r = rnd(depth > 3 ? 3 : 6);
  if (r == 0) {
    put(b, len, cap, prim[rnd(8)]);
  } else if (r <= 2) {
    gen_string(b, len, cap);
  } else {
    bool obj = r == 5 || (r == 4 && rnd(2));
    unsigned n = rnd(5);
    put(b, len, cap, obj ? "{" : "[");
    for (unsigned i = 0; i < n; i++) {
      if (i) put(b, len, cap, ",");
      ws(b, len, cap);
      if (obj) {
        gen_string(b, len, cap);
        ws(b, len, cap);
        put(b, len, cap, ":");
        ws(b, len, cap);
      }
      gen_value(b, len, cap, depth + 1);
      ws(b, len, cap);
    }
    put(b, len, cap, obj ? "}" : "]");
  }
}

/* The same count and the same tokens as jsmn, for every cap up to one more
 * than needed (fewer: both run out, TC_ERR_JSON_TOO_BIG). */
static void check_like_jsmn(char *js, size_t len)
{
  static tc_json_tok_t want[256], got[256];
  jsmn_parser p;
  int need;
  jsmn_init(&p);
  need = jsmn_parse(&p, js, len, want, 256);
  CHECK(need >= 1);
  if (need < 1) return;
  for (int cap = 1; cap <= need + 1; cap++) {
    tc_json_doc_t d;
    tc_err_t e = tc_json_doc_parse(&d, js, len, got, cap);
    if (e != (cap < need ? TC_ERR_JSON_TOO_BIG : TC_OK)) {
      tc_test_fail(__FILE__, __LINE__, "cap %d of %d: %d for %.*s", cap, need, (int)e, (int)len, js);
      return;
    }
    if (e != TC_OK) continue;
    CHECK_EQ_INT(d.ntok, need);
    for (int i = 0; i < need; i++) {
      if (got[i].type != want[i].type || got[i].start != want[i].start || got[i].end != want[i].end ||
          got[i].size != want[i].size) {
        tc_test_fail(__FILE__, __LINE__, "token %d differs from jsmn's in %.*s", i, (int)len, js);
        return;
      }
    }
  }
}

static void test_doc_tokens_equal_jsmn(void)
{
  static const char *const fixed[] = {
    "{}", "[]", " [ ] ", "{\"a\":{}}", "[[],[[]],{}]", "{\"\":\"\"}", "[\"\\\\\",\"\\\"\"]",
    "{\"a\" : [1, {\"b\" : null}], \"c\" : \"}\"}", "[1,-2.5e3,true,false,null]", "\"x\"", " 7 ",
  };
  char js[4096];
  for (unsigned i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
    size_t n = strlen(fixed[i]);
    memcpy(js, fixed[i], n);
    check_like_jsmn(js, n);
  }
  for (int k = 0; k < 3000; k++) {
    size_t n = 0;
    ws(js, &n, sizeof js);
    gen_value(js, &n, sizeof js, 0);
    ws(js, &n, sizeof js);
    if (tc_json_validate(js, n) != TC_OK) {
      tc_test_fail(__FILE__, __LINE__, "generator made invalid JSON: %.*s", (int)n, js);
      return;
    }
    check_like_jsmn(js, n);
  }
}

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
  RUN(test_doc_tokens_equal_jsmn);
  RUN(test_doc_lone_primitives);
  RUN(test_doc_token_cap_exact);
  RUN(test_doc_invalid_refused);
  RUN(test_doc_readers_check_types);
  return tc_test_finish("json_doc");
}

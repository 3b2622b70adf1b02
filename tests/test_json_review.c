/* test_json_review.c — small JSON documents (tc_json_doc_*) read as the JS
 * client reads them (JSON.parse), for answers a lying or odd server sends:
 * cases the main suite (test_json.c) does not cover. */
#include <string.h>

#include "tc_json.h"
#include "tc_test.h"

/* A key given twice: JSON.parse keeps the last value, and so does
 * tc_json_get (the token, the append answer's seq, a JWT's exp: the same
 * value the browser transport would use). Nested objects' keys do not
 * count for the outer object. */
static void test_repeated_key_last_wins(void)
{
  char js[] = "{\"seq\":5,\"o\":{\"seq\":7},\"publicAccessToken\":\"old\",\"seq\":9,"
              "\"publicAccessToken\":\"new\",\"x\":[{\"seq\":8}]}";
  tc_json_tok_t tok[32];
  tc_json_doc_t d;
  tc_slice_t s;
  uint64_t v = 0;
  CHECK(tc_json_doc_parse(&d, js, sizeof js - 1, tok, 32) == TC_OK);
  CHECK(tc_json_u64(&d, tc_json_get(&d, 0, "seq"), &v) == TC_OK);
  CHECK_EQ_INT(v, 9);
  CHECK(tc_json_str(&d, tc_json_get(&d, 0, "publicAccessToken"), &s) == TC_OK);
  CHECK_EQ_MEM(s.ptr, s.len, "new");
  CHECK(tc_json_u64(&d, tc_json_get(&d, tc_json_get(&d, 0, "o"), "seq"), &v) == TC_OK);
  CHECK_EQ_INT(v, 7);
  CHECK(tc_json_get(&d, 0, "missing") == -1);
}

int main(void)
{
  RUN(test_repeated_key_last_wins);
  return tc_test_finish("json_review");
}

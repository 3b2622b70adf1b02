/* test_types.c — error table, slices, bounded buffers, decimal parsing, kv keys. */
#include <string.h>

#include "tc_kv.h"
#include "tc_test.h"
#include "tc_types.h"

static void test_strerror_names_every_code(void)
{
  CHECK_EQ_STR(tc_strerror(TC_OK), "ok");
  CHECK_EQ_STR(tc_errname(TC_ERR_HTTP_CHUNK_SIZE), "TC_ERR_HTTP_CHUNK_SIZE");
  CHECK_EQ_STR(tc_strerror(TC_ERR_SESSION_CLOSED), "session is closed");
  CHECK_EQ_STR(tc_errname(TC_OK), "TC_OK");
  CHECK_EQ_STR(tc_strerror(12345), "unknown error");
  CHECK_EQ_STR(tc_errname(12345), "?");
  CHECK_EQ_STR(tc_strerror(-126), "unknown error");
  CHECK_EQ_STR(tc_errname(-7), "?");
  CHECK_EQ_STR(tc_errname(1), "?");
  /* every listed code: its own name and text; codes not listed: unknown */
  {
    static const struct { int value; const char *name, *text; } list[] = {
#define ROW_(name, value, text) { value, #name, text },
      TC_ERR_LIST(ROW_)
#undef ROW_
    };
    int listed = 0;
    for (size_t i = 0; i < sizeof list / sizeof list[0]; i++) {
      CHECK_EQ_STR(tc_errname(list[i].value), list[i].name);
      CHECK_EQ_STR(tc_strerror(list[i].value), list[i].text);
    }
    for (int e = -1; e >= -127; e--) {
      bool found = false;
      for (size_t i = 0; i < sizeof list / sizeof list[0]; i++) found |= list[i].value == e;
      listed += found;
      if (!found) {
        CHECK_EQ_STR(tc_errname(e), "?");
        CHECK_EQ_STR(tc_strerror(e), "unknown error");
      }
    }
    CHECK_EQ_INT(listed, (int)(sizeof list / sizeof list[0]));
  }
}

static void test_buf_overflow_is_sticky_and_bounded(void)
{
  char mem[8];
  tc_buf_t b = tc_buf_make(mem, sizeof mem);
  tc_buf_puts(&b, "abcd");
  tc_buf_put_u64(&b, 123);
  CHECK_EQ_MEM(b.ptr, b.len, "abcd123");
  tc_buf_puts(&b, "xy");
  CHECK(b.overflow);
  CHECK_EQ_INT(b.len, 7);
  tc_buf_puts(&b, "z");
  CHECK_EQ_INT(b.len, 7);
}

static void test_decimal_io(void)
{
  char mem[32];
  tc_buf_t b = tc_buf_make(mem, sizeof mem);
  uint64_t v = 0;
  tc_buf_put_i64(&b, -42);
  tc_buf_put_u64(&b, 18446744073709551615u);
  CHECK_EQ_MEM(b.ptr, b.len, "-4218446744073709551615");
  CHECK(tc_parse_u64("0", 1, &v) && v == 0);
  CHECK(tc_parse_u64("1234567890123456789", 19, &v) && v == 1234567890123456789u);
  CHECK(!tc_parse_u64("", 0, &v));
  CHECK(!tc_parse_u64("12a", 3, &v));
  CHECK(!tc_parse_u64("-1", 2, &v));
  CHECK(!tc_parse_u64("12345678901234567890", 20, &v));
}

static void test_slice_eq(void)
{
  tc_slice_t s = { "turn-complete", 13 };
  CHECK(tc_slice_eq(s, "turn-complete"));
  CHECK(!tc_slice_eq(s, "turn-complet"));
  CHECK(!tc_slice_eq(TC_SLICE_NULL, ""));
}

static void test_kv_key_rule(void)
{
  CHECK_EQ_INT(tc_kv_check_key("tc.c1"), TC_OK);
  CHECK_EQ_INT(tc_kv_check_key("123456789012345"), TC_OK);
  CHECK_EQ_INT(tc_kv_check_key("1234567890123456"), TC_ERR_KV_KEY);
  CHECK_EQ_INT(tc_kv_check_key(""), TC_ERR_KV_KEY);
  CHECK_EQ_INT(tc_kv_check_key("a b"), TC_ERR_KV_KEY);
  CHECK_EQ_INT(tc_kv_check_key(NULL), TC_ERR_KV_KEY);
}

int main(void)
{
  RUN(test_strerror_names_every_code);
  RUN(test_buf_overflow_is_sticky_and_bounded);
  RUN(test_decimal_io);
  RUN(test_slice_eq);
  RUN(test_kv_key_rule);
  return tc_test_finish("types");
}

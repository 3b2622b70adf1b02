/* test_json.c — core/json_str.c and core/json_doc.c: the escaping writer,
 * validation, in-place and streaming unescaping (every split), the shallow
 * merge and jsmn-backed documents. */
#include <stdio.h>
#include <string.h>

#include "tc_json.h"
#include "tc_json_int.h"
#include "tc_test.h"

#define S(lit) ((tc_slice_t){ (lit), sizeof(lit) - 1 })

/* ------------------------------------------------------------------ writer */

static void test_put_str_escapes(void)
{
  char mem[128];
  tc_buf_t b = tc_buf_make(mem, sizeof mem);
  static const char in[] = "a\"b\\c\n\r\t\b\f\x01\x1f\x7f\xc3\xa9/";
  tc_slice_t s = { in, sizeof in - 1 };
  tc_json_put_str(&b, s);
  CHECK_EQ_MEM(b.ptr, b.len, "\"a\\\"b\\\\c\\n\\r\\t\\b\\f\\u0001\\u001f\x7f\xc3\xa9/\"");
  b = tc_buf_make(mem, sizeof mem);
  tc_slice_t nul = { "x\0y", 3 };
  tc_json_put_str(&b, nul);
  CHECK_EQ_MEM(b.ptr, b.len, "\"x\\u0000y\"");
  b = tc_buf_make(mem, sizeof mem);
  tc_json_put_str(&b, TC_SLICE_NULL);
  tc_json_put_cstr(&b, "k");
  CHECK_EQ_MEM(b.ptr, b.len, "\"\"\"k\"");
  b = tc_buf_make(mem, 5);
  tc_json_put_cstr(&b, "abcdef");
  CHECK(b.overflow);
}

static void test_put_str_round_trips(void)
{
  char raw[256], mem[1600];
  for (int i = 0; i < 256; i++) raw[i] = (char)(i < 128 ? i : 'z'); /* every ASCII byte */
  tc_buf_t b = tc_buf_make(mem, sizeof mem);
  tc_slice_t s = { raw, sizeof raw };
  size_t n;
  tc_json_put_str(&b, s);
  CHECK(!b.overflow);
  CHECK(tc_json_validate(b.ptr, b.len) == TC_OK);
  CHECK(tc_json_unescape(mem + 1, b.len - 2, &n) == TC_OK);
  CHECK(n == sizeof raw && memcmp(mem + 1, raw, n) == 0);
}

/* -------------------------------------------------------------- validation */

static void test_validate_accepts_json(void)
{
  static const char *const ok[] = {
    "{}", "[]", " { \"a\" : [ 1 , -2.5e+3 , 0 , 0.0 , 1E-7 , true , false , null , \"\" ] } ",
    "\"\\u00e9\\ud83d\\ude00\\/\\b\\f\\n\\r\\t\\\"\\\\\"", "0", "-0", "123", "\"\xf0\x9f\x98\x80 \xe2\x82\xac\"",
    "{\"a\":{\"b\":{\"c\":[[],{}]}}}", "\t\n\r 7 \t\n\r",
  };
  for (unsigned i = 0; i < sizeof ok / sizeof ok[0]; i++) {
    tc_err_t e = tc_json_validate(ok[i], strlen(ok[i]));
    if (e != TC_OK) tc_test_fail(__FILE__, __LINE__, "validate(%s) = %s", ok[i], tc_errname(e));
  }
}

static void test_validate_rejects_with_named_errors(void)
{
  static const struct { const char *in; tc_err_t err; } bad[] = {
    { "", TC_ERR_JSON_SYNTAX }, { "{", TC_ERR_JSON_SYNTAX }, { "{\"a\":1,}", TC_ERR_JSON_SYNTAX },
    { "[1,]", TC_ERR_JSON_SYNTAX }, { "{\"a\" 1}", TC_ERR_JSON_SYNTAX }, { "[1 2]", TC_ERR_JSON_SYNTAX },
    { "01", TC_ERR_JSON_SYNTAX }, { "1.", TC_ERR_JSON_SYNTAX }, { ".5", TC_ERR_JSON_SYNTAX },
    { "-", TC_ERR_JSON_SYNTAX }, { "+1", TC_ERR_JSON_SYNTAX }, { "1e", TC_ERR_JSON_SYNTAX },
    { "tru", TC_ERR_JSON_SYNTAX }, { "nul", TC_ERR_JSON_SYNTAX }, { "{a:1}", TC_ERR_JSON_SYNTAX },
    { "'a'", TC_ERR_JSON_SYNTAX }, { "\"a\nb\"", TC_ERR_JSON_SYNTAX }, { "\"abc", TC_ERR_JSON_SYNTAX },
    { "{} {}", TC_ERR_JSON_SYNTAX }, { "[}", TC_ERR_JSON_SYNTAX }, { "{\"a\":1]", TC_ERR_JSON_SYNTAX },
    { "\"\\x\"", TC_ERR_JSON_ESCAPE }, { "\"\\u12G4\"", TC_ERR_JSON_ESCAPE }, { "\"\\u12\"", TC_ERR_JSON_ESCAPE },
    { "\"\\ud800\"", TC_ERR_JSON_SURROGATE }, { "\"\\udc00\"", TC_ERR_JSON_SURROGATE },
    { "\"\\udc00\\ud800\"", TC_ERR_JSON_SURROGATE }, { "\"\\ud800\\u0041\"", TC_ERR_JSON_SURROGATE },
    { "\"\\ud800\\n\"", TC_ERR_JSON_SURROGATE }, { "\"\xc0\xaf\"", TC_ERR_UTF8 }, { "\"\xe0\x80\xaf\"", TC_ERR_UTF8 },
    { "\"\xed\xa0\x80\"", TC_ERR_UTF8 }, { "\"\xf4\x90\x80\x80\"", TC_ERR_UTF8 }, { "\"\xf5\x80\x80\x80\"", TC_ERR_UTF8 },
    { "\"\xe2\x82\"", TC_ERR_UTF8 }, { "\"\x80\"", TC_ERR_UTF8 }, { "\"\xff\"", TC_ERR_UTF8 },
  };
  for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    tc_err_t e = tc_json_validate(bad[i].in, strlen(bad[i].in));
    if (e != bad[i].err)
      tc_test_fail(__FILE__, __LINE__, "validate(%s) = %s, expected %s", bad[i].in, tc_errname(e), tc_errname(bad[i].err));
  }
  CHECK(tc_json_validate(NULL, 0) == TC_ERR_ARG);
  CHECK(tc_json_validate(NULL, 5) == TC_ERR_ARG); /* (no arithmetic on the null pointer first) */
}

static void test_validate_depth_bound(void)
{
  char deep[2 * TC_JSON_DEPTH_MAX + 4];
  size_t n = 0;
  for (int i = 0; i < TC_JSON_DEPTH_MAX; i++) deep[n++] = '[';
  for (int i = 0; i < TC_JSON_DEPTH_MAX; i++) deep[n++] = ']';
  CHECK(tc_json_validate(deep, n) == TC_OK);
  n = 0;
  for (int i = 0; i <= TC_JSON_DEPTH_MAX; i++) deep[n++] = '[';
  for (int i = 0; i <= TC_JSON_DEPTH_MAX; i++) deep[n++] = ']';
  CHECK(tc_json_validate(deep, n) == TC_ERR_JSON_DEPTH);
}

/* The member / value walkers' modes (tc_json_int.h), which the decoder uses
 * on text it has validated or knows to be plain. */
static void test_walker_modes(void)
{
  char deep[2 * TC_JSON_DEPTH_MAX + 4] = { 0 };
  const char *p, *e;
  size_t n = 0;
  tc_json_member_t m;
  /* NESTED: one level less, as if the value sat inside one more container */
  for (int i = 0; i < TC_JSON_DEPTH_MAX; i++) deep[n++] = '[';
  for (int i = 0; i < TC_JSON_DEPTH_MAX; i++) deep[n++] = ']';
  p = deep;
  CHECK(tc_json__value(&p, deep + n, 0) == TC_OK && p == deep + n);
  p = deep;
  CHECK(tc_json__value(&p, deep + n, TC_JSON__NESTED) == TC_ERR_JSON_DEPTH);
  p = deep + 1;
  CHECK(tc_json__value(&p, deep + n - 1, TC_JSON__NESTED) == TC_OK && p == deep + n - 1);
  /* SIMPLE: a string's escapes are stepped over to its real closing quote
   * (and noted) without being checked; the structure still is */
  static const char v[] = "{\"k\\\"\":\"a\\\"b\\\\\",\"x\":1} ";
  p = v;
  e = v + sizeof v - 1;
  CHECK(tc_json__value(&p, e, TC_JSON__SIMPLE) == TC_OK && p == e - 1);
  p = v + 1;
  CHECK(tc_json__member(&p, e, TC_JSON__SIMPLE, &m) == TC_OK);
  CHECK(m.kesc && m.vesc);
  CHECK_EQ_MEM(m.key.ptr, m.key.len, "k\\\"");
  CHECK_EQ_MEM(m.v, (size_t)(m.ve - m.v), "\"a\\\"b\\\\\"");
  p = "{\"a\":tru}";
  CHECK(tc_json__value(&p, p + 10, TC_JSON__SIMPLE) == TC_ERR_JSON_SYNTAX);
  /* KEY: the member stops after its key and colon, at the value */
  p = v + 1;
  CHECK(tc_json__member(&p, e, TC_JSON__KEY, &m) == TC_OK);
  CHECK(m.kesc && p == v + 7 && *p == '"');
  CHECK_EQ_MEM(m.key.ptr, m.key.len, "k\\\"");
  p = "\"a\" x";
  CHECK(tc_json__member(&p, p + 5, TC_JSON__KEY, &m) == TC_ERR_JSON_SYNTAX);
}

/* -------------------------------------------------------------- unescaping */

static const struct { const char *in; const char *out; } unesc_ok[] = {
  { "plain", "plain" },
  { "\\\"\\\\\\/\\b\\f\\n\\r\\t", "\"\\/\b\f\n\r\t" },
  { "\\u0041\\u00e9\\u20ac\\uFFFF", "A\xc3\xa9\xe2\x82\xac\xef\xbf\xbf" },
  { "x\\ud83d\\ude00y\\uD83D\\uDE00", "x\xf0\x9f\x98\x80y\xf0\x9f\x98\x80" },
  { "\\udbff\\udfff", "\xf4\x8f\xbf\xbf" },
  { "raw \xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf", "raw \xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf" },
  { "", "" },
  { "a long run of plain text that crosses several machine words \\n then more", "a long run of plain text that crosses several machine words \n then more" },
};

static const struct { const char *in; tc_err_t err; } unesc_bad[] = {
  { "\\x", TC_ERR_JSON_ESCAPE }, { "\\u00G0", TC_ERR_JSON_ESCAPE }, { "\\", TC_ERR_JSON_ESCAPE },
  { "\\u12", TC_ERR_JSON_ESCAPE }, { "\\ud800", TC_ERR_JSON_SURROGATE }, { "\\udc00", TC_ERR_JSON_SURROGATE },
  { "\\udc00\\ud800", TC_ERR_JSON_SURROGATE }, { "\\ud800x", TC_ERR_JSON_SURROGATE },
  { "\\ud800\\ud800", TC_ERR_JSON_SURROGATE }, { "a\"b", TC_ERR_JSON_SYNTAX }, { "a\x01", TC_ERR_JSON_SYNTAX },
  { "\xc1\xbf", TC_ERR_UTF8 }, { "\xed\xbf\xbf", TC_ERR_UTF8 }, { "\xf0\x8f\xbf\xbf", TC_ERR_UTF8 },
  { "\xf4\x90\x80\x80", TC_ERR_UTF8 }, { "\xe2\x82", TC_ERR_UTF8 }, { "\xf0\x9f\x98", TC_ERR_UTF8 },
  { "\xc3", TC_ERR_UTF8 }, { "\xc3\xc3", TC_ERR_UTF8 }, { "\xbf", TC_ERR_UTF8 },
};

static void test_unescape_in_place(void)
{
  char buf[256];
  size_t n;
  for (unsigned i = 0; i < sizeof unesc_ok / sizeof unesc_ok[0]; i++) {
    size_t len = strlen(unesc_ok[i].in);
    memcpy(buf, unesc_ok[i].in, len);
    CHECK(tc_json_unescape(buf, len, &n) == TC_OK);
    CHECK(tc_test_mem_eq(buf, n, unesc_ok[i].out));
  }
  for (unsigned i = 0; i < sizeof unesc_bad / sizeof unesc_bad[0]; i++) {
    size_t len = strlen(unesc_bad[i].in);
    tc_err_t e;
    memcpy(buf, unesc_bad[i].in, len);
    e = tc_json_unescape(buf, len, &n);
    if (e != unesc_bad[i].err)
      tc_test_fail(__FILE__, __LINE__, "unescape #%u = %s, expected %s", i, tc_errname(e), tc_errname(unesc_bad[i].err));
  }
  memcpy(buf, "\\u0000", 6);
  CHECK(tc_json_unescape(buf, 6, &n) == TC_OK);
  CHECK(n == 1 && buf[0] == 0);
}

/* streaming: split feeding through tc_test_splits */
typedef struct ustate {
  tc_json_unesc_t u;
  char out[512];
  size_t len;
  tc_err_t err;
  const char *want;
  tc_err_t want_err;
} ustate_t;

static void u_reset(void *ctx)
{
  ustate_t *s = ctx;
  tc_json_unesc_init(&s->u);
  s->len = 0;
  s->err = TC_OK;
}

static int u_feed(void *ctx, const char *p, size_t n)
{
  ustate_t *s = ctx;
  size_t made = 0;
  s->err = tc_json_unesc_feed(&s->u, p, n, s->out + s->len, n + 4, &made);
  s->len += made;
  return s->err != TC_OK;
}

static void u_check(void *ctx, const char *mode)
{
  ustate_t *s = ctx;
  tc_err_t e = s->err == TC_OK ? tc_json_unesc_finish(&s->u) : s->err;
  if (e != s->want_err) tc_test_fail(__FILE__, __LINE__, "[%s] %s, expected %s", mode, tc_errname(e), tc_errname(s->want_err));
  if (s->want && !tc_test_mem_eq(s->out, s->len, s->want)) tc_test_fail(__FILE__, __LINE__, "[%s] output differs", mode);
}

static void test_streaming_unescape_every_split(void)
{
  static const tc_split_ops_t ops = { u_reset, u_feed, u_check };
  static ustate_t st;
  for (unsigned i = 0; i < sizeof unesc_ok / sizeof unesc_ok[0]; i++) {
    st.want = unesc_ok[i].out;
    st.want_err = TC_OK;
    tc_test_splits(unesc_ok[i].in, strlen(unesc_ok[i].in), &ops, &st, 40);
  }
  for (unsigned i = 0; i < sizeof unesc_bad / sizeof unesc_bad[0]; i++) {
    st.want = NULL;
    st.want_err = unesc_bad[i].err;
    tc_test_splits(unesc_bad[i].in, strlen(unesc_bad[i].in), &ops, &st, 40);
  }
}

static void test_streaming_unescape_output_bound(void)
{
  tc_json_unesc_t u;
  char out[8];
  size_t made;
  tc_json_unesc_init(&u);
  /* a held 3-byte sequence completed by one byte: 4 bytes out of 1 in */
  CHECK(tc_json_unesc_feed(&u, "\xe2\x82", 2, out, 6, &made) == TC_OK && made == 0);
  CHECK(tc_json_unesc_feed(&u, "\xac", 1, out, 5, &made) == TC_OK);
  CHECK(tc_test_mem_eq(out, made, "\xe2\x82\xac"));
  CHECK(tc_json_unesc_feed(&u, "abcdef", 6, out, 3, &made) == TC_ERR_NOSPACE);
  CHECK(tc_test_mem_eq(out, made, "abc"));
  CHECK(tc_json_unesc_finish(&u) == TC_OK);
  tc_json_unesc_init(&u);
  CHECK(tc_json_unesc_feed(&u, "\\ud83d\\ude00", 12, out, 2, &made) == TC_ERR_NOSPACE);
  CHECK(tc_json_unesc_finish(&u) == TC_ERR_NOSPACE); /* a code point is still held */
  CHECK(tc_json_unesc_feed(&u, "", 0, out, 8, &made) == TC_OK);
  CHECK(tc_test_mem_eq(out, made, "\xf0\x9f\x98\x80"));
  CHECK(tc_json_unesc_finish(&u) == TC_OK);
}

/* ------------------------------------------------------------------- merge */

static void merge_case(tc_slice_t base, tc_slice_t over, tc_err_t want, const char *out)
{
  char mem[256];
  tc_buf_t b = tc_buf_make(mem, sizeof mem);
  tc_err_t e = tc_json_put_merged(&b, base, over);
  if (e != want) tc_test_fail(__FILE__, __LINE__, "merge = %s, expected %s", tc_errname(e), tc_errname(want));
  if (e == TC_OK && !tc_test_mem_eq(b.ptr, b.len, out))
    tc_test_fail(__FILE__, __LINE__, "merge = %.*s, expected %s", (int)b.len, b.ptr, out);
  if (e == TC_OK) CHECK(tc_json_validate(b.ptr, b.len) == TC_OK);
}

static void test_merge_is_shallow_spread(void)
{
  merge_case(S("{\"model\":\"a\",\"user\":{\"id\":1},\"x\":[1]}"), S("{ \"model\" : \"b\" , \"extra\" : null }"), TC_OK,
             "{\"user\":{\"id\":1},\"x\":[1],\"model\":\"b\",\"extra\":null}");
  merge_case(TC_SLICE_NULL, S("{\"a\":1}"), TC_OK, "{\"a\":1}");
  merge_case(S("{\"a\":1}"), TC_SLICE_NULL, TC_OK, "{\"a\":1}");
  merge_case(TC_SLICE_NULL, TC_SLICE_NULL, TC_OK, "{}");
  merge_case(S(" {} "), S("{}"), TC_OK, "{}");
  merge_case(S("{\"a\":{\"deep\":1}}"), S("{\"a\":{\"other\":2}}"), TC_OK, "{\"a\":{\"other\":2}}");
  merge_case(S("{\"k\\u00e9\":1,\"b\":2}"), S("{\"b\":3}"), TC_OK, "{\"k\\u00e9\":1,\"b\":3}");
  merge_case(S("[1]"), S("{}"), TC_ERR_JSON_TYPE, NULL);
  merge_case(S("{}"), S("\"s\""), TC_ERR_JSON_TYPE, NULL);
  merge_case(S("{\"a\":}"), S("{}"), TC_ERR_JSON_SYNTAX, NULL);
  merge_case(S("{}"), S("{\"a\":1} x"), TC_ERR_JSON_SYNTAX, NULL);
  {
    char mem[8];
    tc_buf_t b = tc_buf_make(mem, sizeof mem);
    CHECK(tc_json_put_merged(&b, S("{\"aaaa\":1}"), S("{\"b\":2}")) == TC_ERR_NOSPACE);
  }
}

/* --------------------------------------------------------------- documents */

static void test_doc_reads_values(void)
{
  char js[] = " {\"ok\":true,\"seq\":42,\"s\":\"a\\nb\\u00e9\",\"n\":null,\"o\":{\"x\":[1,2,{\"y\":3}]},\"f\":false,\"neg\":-1} ";
  tc_json_tok_t tok[32];
  tc_json_doc_t d;
  tc_slice_t s;
  uint64_t v;
  bool b;
  CHECK(tc_json_doc_parse(&d, js, sizeof js - 1, tok, 32) == TC_OK);
  CHECK(tc_json_get(&d, 0, "ok") > 0 && tc_json_bool(&d, tc_json_get(&d, 0, "ok"), &b) == TC_OK && b);
  CHECK(tc_json_bool(&d, tc_json_get(&d, 0, "f"), &b) == TC_OK && !b);
  CHECK(tc_json_u64(&d, tc_json_get(&d, 0, "seq"), &v) == TC_OK && v == 42);
  CHECK(tc_json_u64(&d, tc_json_get(&d, 0, "neg"), &v) == TC_ERR_JSON_TYPE);
  CHECK(tc_json_u64(&d, tc_json_get(&d, 0, "s"), &v) == TC_ERR_JSON_TYPE);
  CHECK(tc_json_str(&d, tc_json_get(&d, 0, "seq"), &s) == TC_ERR_JSON_TYPE);
  CHECK(tc_json_str(&d, tc_json_get(&d, 0, "s"), &s) == TC_OK);
  CHECK_EQ_MEM(s.ptr, s.len, "a\nb\xc3\xa9");
  CHECK(tc_json_is_null(&d, tc_json_get(&d, 0, "n")));
  CHECK(!tc_json_is_null(&d, tc_json_get(&d, 0, "ok")));
  CHECK(!tc_json_is_null(&d, -1));
  CHECK(tc_json_get(&d, 0, "missing") == -1);
  CHECK(tc_json_bool(&d, -1, &b) == TC_ERR_JSON_TYPE);
  {
    int o = tc_json_get(&d, 0, "o"), x = tc_json_get(&d, o, "x");
    tc_slice_t r = tc_json_raw(&d, o);
    CHECK_EQ_MEM(r.ptr, r.len, "{\"x\":[1,2,{\"y\":3}]}");
    CHECK(tc_json_get(&d, x, "y") == -1); /* not an object */
    CHECK_EQ_INT(tc_json_skip(&d, x), x + 6);
    CHECK(tc_json_get(&d, 0, "f") == tc_json_skip(&d, o) + 1);
  }
}

static void test_doc_bounds_and_errors(void)
{
  tc_json_tok_t tok[4];
  tc_json_doc_t d;
  char big[] = "[1,2,3,4,5]";
  char lenient[][12] = { "{\"a\" 1}", "[1 2]", "{\"a\":01}", "[1,]" };
  CHECK(tc_json_doc_parse(&d, big, sizeof big - 1, tok, 4) == TC_ERR_JSON_TOO_BIG);
  for (unsigned i = 0; i < 4; i++) CHECK(tc_json_doc_parse(&d, lenient[i], strlen(lenient[i]), tok, 4) == TC_ERR_JSON_SYNTAX);
  CHECK(tc_json_doc_parse(&d, NULL, 0, tok, 4) == TC_ERR_ARG);
  {
    char s[] = " \"x\\ty\" ", n[] = "17", t[] = "true";
    tc_slice_t sl;
    uint64_t v;
    bool b;
    CHECK(tc_json_doc_parse(&d, s, sizeof s - 1, tok, 4) == TC_OK && d.ntok == 1);
    CHECK(tc_json_str(&d, 0, &sl) == TC_OK);
    CHECK_EQ_MEM(sl.ptr, sl.len, "x\ty");
    CHECK(tc_json_doc_parse(&d, n, sizeof n - 1, tok, 4) == TC_OK && tc_json_u64(&d, 0, &v) == TC_OK && v == 17);
    CHECK(tc_json_doc_parse(&d, t, sizeof t - 1, tok, 4) == TC_OK && tc_json_bool(&d, 0, &b) == TC_OK && b);
  }
}

int main(void)
{
  RUN(test_put_str_escapes);
  RUN(test_put_str_round_trips);
  RUN(test_validate_accepts_json);
  RUN(test_validate_rejects_with_named_errors);
  RUN(test_validate_depth_bound);
  RUN(test_walker_modes);
  RUN(test_unescape_in_place);
  RUN(test_streaming_unescape_every_split);
  RUN(test_streaming_unescape_output_bound);
  RUN(test_merge_is_shallow_spread);
  RUN(test_doc_reads_values);
  RUN(test_doc_bounds_and_errors);
  return tc_test_finish("json");
}

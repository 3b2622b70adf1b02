/* test_chunk.c — core/chunk.c: every UIMessageChunk type of protocol.md §5.5,
 * field extraction, in-place unescaping, pass-through of unknown types and
 * the errors of a malformed chunk. */
#include <stdio.h>
#include <string.h>

#include "tc_chunk.h"
#include "tc_json.h"
#include "tc_test.h"

static tc_err_t parse(const char *json, char *buf, size_t cap, tc_chunk_t *c)
{
  size_t n = strlen(json);
  if (n > cap) return TC_ERR_NOSPACE;
  memcpy(buf, json, n);
  return tc_chunk_parse(buf, n, c);
}

static void test_every_type_name_round_trips(void)
{
  char buf[128], json[96];
  tc_chunk_t c;
  for (int t = 1; t < TC_CHUNK_TYPE_COUNT_; t++) {
    const char *name = tc_chunk_type_name((tc_chunk_type_t)t);
    if (t == TC_CHUNK_DATA || t == TC_CHUNK_TRIGGER) continue;
    snprintf(json, sizeof json, "{\"type\":\"%s\"}", name);
    CHECK(parse(json, buf, sizeof buf, &c) == TC_OK);
    if (c.type != (tc_chunk_type_t)t) tc_test_fail(__FILE__, __LINE__, "%s parsed as %d", name, (int)c.type);
    CHECK_EQ_MEM(c.type_name.ptr, c.type_name.len, name);
  }
  CHECK_EQ_STR(tc_chunk_type_name(TC_CHUNK_UNKNOWN), "");
  CHECK_EQ_STR(tc_chunk_type_name(TC_CHUNK_DATA), "data-*");
  CHECK_EQ_STR(tc_chunk_type_name(TC_CHUNK_TRIGGER), "trigger:*");
  CHECK_EQ_STR(tc_chunk_type_name((tc_chunk_type_t)999), "");
}

static void test_families_and_unknown_types(void)
{
  static const struct { const char *type; tc_chunk_type_t t; } cases[] = {
    { "data-weather", TC_CHUNK_DATA }, { "data-", TC_CHUNK_DATA }, { "trigger:turn-complete", TC_CHUNK_TRIGGER },
    { "trigger:foo", TC_CHUNK_TRIGGER }, { "step-start", TC_CHUNK_UNKNOWN }, { "", TC_CHUNK_UNKNOWN },
    { "text", TC_CHUNK_UNKNOWN }, { "text-deltas", TC_CHUNK_UNKNOWN }, { "Start", TC_CHUNK_UNKNOWN },
    { "data", TC_CHUNK_UNKNOWN }, { "trigger", TC_CHUNK_UNKNOWN },
  };
  char buf[128], json[96];
  tc_chunk_t c;
  for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    snprintf(json, sizeof json, "{\"type\":\"%s\"}", cases[i].type);
    CHECK(parse(json, buf, sizeof buf, &c) == TC_OK);
    if (c.type != cases[i].t) tc_test_fail(__FILE__, __LINE__, "%s parsed as %d", cases[i].type, (int)c.type);
  }
}

static void test_fields_of_each_type(void)
{
  char buf[512];
  tc_chunk_t c;
  CHECK(parse("{\"type\":\"start\",\"messageId\":\"m1\",\"messageMetadata\":{\"a\":[1,2]}}", buf, sizeof buf, &c) == TC_OK);
  CHECK_EQ_MEM(c.message_id.ptr, c.message_id.len, "m1");
  CHECK_EQ_MEM(c.message_metadata.ptr, c.message_metadata.len, "{\"a\":[1,2]}");
  CHECK(!c.id.ptr && !c.delta.ptr && !c.fragment);

  CHECK(parse("{\"type\":\"text-delta\",\"id\":\"t0\",\"delta\":\"\",\"providerMetadata\":{\"p\":{}}}", buf, sizeof buf, &c) == TC_OK);
  CHECK(c.type == TC_CHUNK_TEXT_DELTA);
  CHECK_EQ_MEM(c.id.ptr, c.id.len, "t0");
  CHECK(c.delta.ptr != NULL && c.delta.len == 0); /* present and empty */

  CHECK(parse("{\"type\":\"tool-input-delta\",\"toolCallId\":\"c\",\"inputTextDelta\":\"{\\\"a\\\":\"}", buf, sizeof buf, &c) == TC_OK);
  CHECK_EQ_MEM(c.delta.ptr, c.delta.len, "{\"a\":");
  CHECK_EQ_MEM(c.tool_call_id.ptr, c.tool_call_id.len, "c");

  CHECK(parse("{\"type\":\"tool-input-available\",\"toolCallId\":\"c\",\"toolName\":\"w\",\"input\":{\"q\":\"\\u00e9\"},"
              "\"dynamic\":true,\"providerExecuted\":true,\"title\":\"T\"}", buf, sizeof buf, &c) == TC_OK);
  CHECK_EQ_MEM(c.input.ptr, c.input.len, "{\"q\":\"\\u00e9\"}"); /* raw JSON, not unescaped */
  CHECK(c.dynamic && c.provider_executed && !c.preliminary);
  CHECK_EQ_MEM(c.title.ptr, c.title.len, "T");

  CHECK(parse("{\"type\":\"tool-output-available\",\"toolCallId\":\"c\",\"output\":\"str\",\"preliminary\":true}", buf, sizeof buf, &c) == TC_OK);
  CHECK_EQ_MEM(c.output.ptr, c.output.len, "\"str\"");
  CHECK(c.preliminary);

  CHECK(parse("{\"type\":\"tool-approval-request\",\"approvalId\":\"a1\",\"toolCallId\":\"c\"}", buf, sizeof buf, &c) == TC_OK);
  CHECK_EQ_MEM(c.approval_id.ptr, c.approval_id.len, "a1");

  CHECK(parse("{\"type\":\"source-document\",\"sourceId\":\"s\",\"mediaType\":\"m/t\",\"title\":\"x\",\"filename\":\"f\"}", buf, sizeof buf, &c) == TC_OK);
  CHECK_EQ_MEM(c.source_id.ptr, c.source_id.len, "s");
  CHECK_EQ_MEM(c.media_type.ptr, c.media_type.len, "m/t");
  CHECK_EQ_MEM(c.filename.ptr, c.filename.len, "f");

  CHECK(parse("{\"type\":\"source-url\",\"sourceId\":\"s\",\"url\":\"https://a\"}", buf, sizeof buf, &c) == TC_OK);
  CHECK_EQ_MEM(c.url.ptr, c.url.len, "https://a");

  CHECK(parse("{\"type\":\"data-x\",\"id\":\"d\",\"data\":[1,{\"b\":null}],\"transient\":true}", buf, sizeof buf, &c) == TC_OK);
  CHECK(c.type == TC_CHUNK_DATA && c.transient);
  CHECK_EQ_MEM(c.data.ptr, c.data.len, "[1,{\"b\":null}]");
  CHECK_EQ_MEM(c.type_name.ptr, c.type_name.len, "data-x");

  CHECK(parse("{\"type\":\"finish\",\"finishReason\":\"stop\"}", buf, sizeof buf, &c) == TC_OK);
  CHECK_EQ_MEM(c.finish_reason.ptr, c.finish_reason.len, "stop");
  CHECK(parse("{\"type\":\"error\",\"errorText\":\"boom\"}", buf, sizeof buf, &c) == TC_OK);
  CHECK_EQ_MEM(c.error_text.ptr, c.error_text.len, "boom");
  CHECK(parse("{\"type\":\"abort\",\"reason\":\"r\"}", buf, sizeof buf, &c) == TC_OK);
  CHECK_EQ_MEM(c.reason.ptr, c.reason.len, "r");
  CHECK(parse("{\"type\":\"trigger:turn-complete\",\"publicAccessToken\":\"T2\"}", buf, sizeof buf, &c) == TC_OK);
  CHECK_EQ_MEM(c.public_access_token.ptr, c.public_access_token.len, "T2");
  CHECK(parse("{\"type\":\"file\",\"url\":\"u\",\"mediaType\":\"image/png\"}", buf, sizeof buf, &c) == TC_OK);
  CHECK(c.type == TC_CHUNK_FILE);
}

static void test_strings_unescaped_in_place(void)
{
  char buf[256];
  tc_chunk_t c;
  CHECK(parse(" { \"type\" : \"text-delta\" , \"id\":\"i\\u0030\", \"delta\" : \"a\\\"b\\\\c\\nd\\ud83d\\ude00\" } ",
              buf, sizeof buf, &c) == TC_OK);
  CHECK_EQ_MEM(c.id.ptr, c.id.len, "i0");
  CHECK_EQ_MEM(c.delta.ptr, c.delta.len, "a\"b\\c\nd\xf0\x9f\x98\x80");
  CHECK(c.raw.ptr == buf + 1);
  /* the type itself spelled with an escape */
  CHECK(parse("{\"type\":\"text-\\u0064elta\",\"delta\":\"x\"}", buf, sizeof buf, &c) == TC_OK);
  CHECK(c.type == TC_CHUNK_TEXT_DELTA);
}

static void test_unknown_type_leaves_raw_intact(void)
{
  static const char in[] = "{\"id\":\"a\\nb\",\"type\":\"future\",\"delta\":\"\\u00e9\",\"x\":{\"y\":[true]}}";
  char buf[128];
  tc_chunk_t c;
  CHECK(parse(in, buf, sizeof buf, &c) == TC_OK);
  CHECK(c.type == TC_CHUNK_UNKNOWN);
  CHECK_EQ_MEM(c.raw.ptr, c.raw.len, in);
  CHECK_EQ_MEM(c.type_name.ptr, c.type_name.len, "future");
  CHECK(!c.id.ptr && !c.delta.ptr);
}

static void test_loose_objects_and_nulls(void)
{
  char buf[256];
  tc_chunk_t c;
  CHECK(parse("{\"type\":\"text-start\",\"id\":\"t\",\"extra\":[1,2,{\"deep\":\"\\n\"}],\"n\":null}", buf, sizeof buf, &c) == TC_OK);
  CHECK(c.type == TC_CHUNK_TEXT_START);
  CHECK(parse("{\"type\":\"tool-input-start\",\"toolCallId\":\"c\",\"toolName\":\"w\",\"title\":null,\"dynamic\":null}", buf, sizeof buf, &c) == TC_OK);
  CHECK(!c.title.ptr && !c.dynamic);
  /* duplicate keys: the last wins (delta and inputTextDelta share a slot) */
  CHECK(parse("{\"type\":\"text-delta\",\"delta\":\"a\\n\",\"inputTextDelta\":\"b\"}", buf, sizeof buf, &c) == TC_OK);
  CHECK_EQ_MEM(c.delta.ptr, c.delta.len, "b");
  CHECK(parse("{\"type\":\"text-delta\",\"delta\":\"a\",\"delta\":\"c\\td\"}", buf, sizeof buf, &c) == TC_OK);
  CHECK_EQ_MEM(c.delta.ptr, c.delta.len, "c\td");
  /* a key spelled with escapes is not matched */
  CHECK(parse("{\"type\":\"text-delta\",\"d\\u0065lta\":\"x\"}", buf, sizeof buf, &c) == TC_OK);
  CHECK(!c.delta.ptr);
}

static void test_errors(void)
{
  static const struct { const char *in; tc_err_t err; } bad[] = {
    { "{}", TC_ERR_CHUNK_TYPE }, { "{\"id\":\"x\"}", TC_ERR_CHUNK_TYPE }, { "{\"type\":5}", TC_ERR_CHUNK_TYPE },
    { "{\"type\":null}", TC_ERR_CHUNK_TYPE }, { "{\"type\":\"text-delta\",\"delta\":5}", TC_ERR_JSON_TYPE },
    { "{\"type\":\"data-x\",\"transient\":\"yes\"}", TC_ERR_JSON_TYPE }, { "{\"type\":\"x\",\"id\":{}}", TC_ERR_JSON_TYPE },
    { "[]", TC_ERR_JSON_SYNTAX }, { "\"start\"", TC_ERR_JSON_SYNTAX }, { "", TC_ERR_JSON_SYNTAX },
    { "{\"type\":\"start\"", TC_ERR_JSON_SYNTAX }, { "{\"type\":\"start\"} x", TC_ERR_JSON_SYNTAX },
    { "{\"type\":\"start\",}", TC_ERR_JSON_SYNTAX }, { "{\"type\" \"start\"}", TC_ERR_JSON_SYNTAX },
    { "{\"type\":\"start\",\"x\":[1,]}", TC_ERR_JSON_SYNTAX }, { "{\"type\":\"a\\qb\"}", TC_ERR_JSON_ESCAPE },
    { "{\"type\":\"x\",\"v\":\"\\ud800\"}", TC_ERR_JSON_SURROGATE }, { "{\"type\":\"\xc0\x80\"}", TC_ERR_UTF8 },
    { "{\"type\":\"a\nb\"}", TC_ERR_JSON_SYNTAX },
  };
  char buf[128];
  tc_chunk_t c;
  for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    tc_err_t e = parse(bad[i].in, buf, sizeof buf, &c);
    if (e != bad[i].err)
      tc_test_fail(__FILE__, __LINE__, "chunk %s = %s, expected %s", bad[i].in, tc_errname(e), tc_errname(bad[i].err));
  }
  {
    char deep[2 * TC_JSON_DEPTH_MAX + 40];
    size_t n = 0;
    n += (size_t)sprintf(deep, "{\"type\":\"x\",\"o\":");
    for (int i = 0; i <= TC_JSON_DEPTH_MAX; i++) deep[n++] = '[';
    for (int i = 0; i <= TC_JSON_DEPTH_MAX; i++) deep[n++] = ']';
    deep[n++] = '}';
    CHECK(tc_chunk_parse(deep, n, &c) == TC_ERR_JSON_DEPTH);
  }
  { /* the limit counts the chunk object itself, as tc_json_validate does:
     * TC_JSON_DEPTH_MAX levels in all are accepted, one more is not */
    char deep[2 * TC_JSON_DEPTH_MAX + 40], copy[sizeof deep];
    for (int extra = 0; extra <= 1; extra++) {
      size_t n = (size_t)sprintf(deep, "{\"type\":\"x\",\"o\":");
      for (int i = 0; i < TC_JSON_DEPTH_MAX - 1 + extra; i++) deep[n++] = '[';
      for (int i = 0; i < TC_JSON_DEPTH_MAX - 1 + extra; i++) deep[n++] = ']';
      deep[n++] = '}';
      memcpy(copy, deep, n);
      CHECK(tc_json_validate(copy, n) == (extra ? TC_ERR_JSON_DEPTH : TC_OK));
      CHECK(tc_chunk_parse(deep, n, &c) == (extra ? TC_ERR_JSON_DEPTH : TC_OK));
    }
  }
  CHECK(tc_chunk_parse(NULL, 0, &c) == TC_ERR_ARG);
  CHECK(tc_chunk_parse(NULL, 5, &c) == TC_ERR_ARG); /* (no arithmetic on the null pointer first) */
}

int main(void)
{
  RUN(test_every_type_name_round_trips);
  RUN(test_families_and_unknown_types);
  RUN(test_fields_of_each_type);
  RUN(test_strings_unescaped_in_place);
  RUN(test_unknown_type_leaves_raw_intact);
  RUN(test_loose_objects_and_nulls);
  RUN(test_errors);
  return tc_test_finish("chunk");
}

/*
 * fuzz_session.c — tc_chat_restore over any session record whose envelope
 * (magic, slot checksum, chat hash, CRC) is right: the input fills the
 * record's fields (flags, lengths, cursor, marks, strings, tools, token,
 * long-delta progress), the harness seals it. A record is checksummed, not
 * signed, so every field is hostile. Restore must refuse it
 * (TC_ERR_KV_CORRUPT, the chat fresh and usable) or accept it; then resume,
 * approvals, tool outputs and regenerate must write well-formed requests (the
 * token of JWT characters only on its Authorization line, JSON bodies), and
 * what the chat writes back must restore again.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define CHAT_FAKE_ABORT_ON_SPIN /* w_step aborts if the chat would spin a loop */
#include "../chat_fake.c"

static world_t FW;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void must(bool ok)
{
  if (!ok) abort();
}

static bool jwt_char(char ch)
{
  return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-' ||
         ch == '_' || ch == '.';
}

/* The request just sent: every Authorization line holds only JWT
 * characters, and a body (after the blank line) is JSON. */
static void check_request(const char *req)
{
  const char *p = req, *body;
  while ((p = strstr(p, "\r\nAuthorization: Bearer ")) != NULL) {
    p += 24;
    while (*p != '\r') must(jwt_char(*p++));
  }
  body = strstr(req, "\r\n\r\n");
  if (body && body[4] != '\0') must(tc_json_validate(body + 4, strlen(body + 4)) == TC_OK);
}

static void answer_ok(fake_net_t *net, long seq)
{
  char b[64];
  snprintf(b, sizeof b, "{\"ok\":true,\"seq\":%ld}", seq);
  fake_reply(net, json_resp(200, b));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static tc_session_rec_t r;
  uint32_t hash = tc_crc32(0, "c1", 2);
  size_t n;
  tc_err_t err;
  w_init(&FW, "c1");
  w_step(&FW);
  memset(&r, 0, sizeof r);
  memcpy(&r, data, size < sizeof r ? size : sizeof r);
  r.token_len = (uint16_t)(r.token_len % (TC_CHAT_TOKEN_MAX + 1u));
  n = tc_session_seal(&r, hash);
  err = tc_chat_restore(&FW.chat, &r, n);
  if (err != TC_OK) {
    must(err == TC_ERR_KV_CORRUPT);
    must(!tc_chat_session(&FW.chat).has_token && tc_chat_state(&FW.chat) == TC_CHAT_NO_SESSION);
    must(tc_chat_send_text(&FW.chat, "hi", 2, NULL) == TC_OK);
    return 0;
  }
  (void)tc_chat_session(&FW.chat);
  if (tc_chat_resume(&FW.chat) == TC_OK) {
    w_step(&FW);
    check_request(w_take_out(&FW));
  }
  for (int i = 0; i < TC_CHAT_TOOLS_MAX; i++) {
    char id[TC_CHAT_TOOL_ID_MAX + 1];
    memcpy(id, r.tools[i].approval_id, TC_CHAT_TOOL_ID_MAX);
    id[TC_CHAT_TOOL_ID_MAX] = '\0';
    if (tc_chat_answer_approval(&FW.chat, id, i & 1, i ? "no \"thanks\"" : NULL) == TC_OK) {
      w_step(&FW);
      check_request(w_take_req(&FW));
      answer_ok(&FW.req, 9);
      w_step(&FW);
    }
    memcpy(id, r.tools[i].call_id, TC_CHAT_TOOL_ID_MAX);
    if (tc_chat_add_tool_output(&FW.chat, id, "{\"x\":1}", 7) == TC_OK) {
      w_step(&FW);
      check_request(w_take_req(&FW));
      answer_ok(&FW.req, 10);
      w_step(&FW);
    }
  }
  if (tc_chat_regenerate(&FW.chat, NULL, NULL) == TC_OK) {
    w_step(&FW);
    check_request(w_take_req(&FW));
  }
  /* what the chat writes back restores again */
  FW.chat.dirty = true;
  tc_chat_deinit(&FW.chat);
  if (FW.kv.has) {
    fake_kv_t saved = FW.kv;
    w_init(&FW, "c1");
    FW.kv = saved;
    must(tc_chat_restore(&FW.chat, NULL, 0) == TC_OK);
  }
  return 0;
}

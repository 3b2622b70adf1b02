/*
 * session.c — the persisted session record (tc_session_rec_t): sealing with a
 * CRC-32 and checking a record read back. A record that is corrupt, of another
 * version or slot layout, or of another chat is refused (TC_ERR_KV_CORRUPT) so
 * the chat treats it as absent and never trusts it.
 *
 * Stored form: the struct's bytes up to the end of the token, in host byte
 * order (the slot checksum includes a byte-order probe, so a record moved to
 * a host of the other order is foreign), then the CRC-32 of those bytes, also
 * in host byte order (least significant byte first on every supported MCU).
 */
#include <stddef.h>
#include <string.h>

#include "tc_chat.h"

#define SESS_MAGIC "TCS\001" /* "TCS" and the version, 1 */
#define TOKEN_OFF offsetof(tc_session_rec_t, token)

/* A checksum of the layout: slot sizes, version and byte order. */
static uint16_t slot_sum(void)
{
  static const uint32_t sizes[] = { TC_CHAT_REASON_MAX, TC_CHAT_MSGID_MAX, TC_CHAT_TOOLS_MAX,
                                    TC_CHAT_TOOL_ID_MAX, TC_CHAT_TOOL_NAME_MAX, TC_CHAT_TOKEN_MAX,
                                    (uint32_t)TOKEN_OFF, 0x01020304u };
  return (uint16_t)tc_crc32(0, sizes, sizeof sizes);
}

size_t tc_session_size(const tc_session_rec_t *s)
{
  return TOKEN_OFF + s->token_len + 4u;
}

size_t tc_session_seal(tc_session_rec_t *s, uint32_t chat_hash)
{
  uint32_t crc;
  memcpy(s->magic, SESS_MAGIC, 4);
  s->slots = slot_sum();
  s->chat_hash = chat_hash;
  crc = tc_crc32(0, s, TOKEN_OFF + s->token_len);
  memcpy(s->token + s->token_len, &crc, 4);
  return tc_session_size(s);
}

tc_err_t tc_session_open(const tc_session_rec_t *s, size_t len, uint32_t chat_hash)
{
  uint32_t crc;
  if (len < TOKEN_OFF + 4u) return TC_ERR_KV_CORRUPT;
  if (memcmp(s->magic, SESS_MAGIC, 4) != 0) return TC_ERR_KV_CORRUPT;
  if (s->slots != slot_sum() || s->chat_hash != chat_hash) return TC_ERR_KV_CORRUPT;
  if (s->token_len > TC_CHAT_TOKEN_MAX || len != tc_session_size(s)) return TC_ERR_KV_CORRUPT;
  if (s->reason_len > TC_CHAT_REASON_MAX || s->msgid_len > TC_CHAT_MSGID_MAX) return TC_ERR_KV_CORRUPT;
  memcpy(&crc, s->token + s->token_len, 4);
  return crc == tc_crc32(0, s, TOKEN_OFF + s->token_len) ? TC_OK : TC_ERR_KV_CORRUPT;
}

/*
 * session.c — the persisted session record (tc_session_rec_t): sealing with a
 * CRC-32 and checking a record read back. A record that is corrupt, of another
 * version or slot layout, or of another chat is refused (TC_ERR_KV_CORRUPT) so
 * the chat treats it as absent and never trusts it; the exception is an
 * earlier version, which is converted (a firmware update keeps the session).
 *
 * Stored form: the struct's bytes up to the end of the token, in host byte
 * order (the slot checksum includes a byte-order probe, so a record moved to
 * a host of the other order is foreign), then the CRC-32 of those bytes, also
 * in host byte order (least significant byte first on every supported MCU).
 *
 * Versions: 1 had no frag_seq / frag_shown (its token began where frag_seq
 * is now); 2 no pend_hash, gate_seq, pend_part (its token began where
 * pend_hash is now); 3 is the current one.
 */
#include <stddef.h>
#include <string.h>

#include "tc_chat.h"

#define SESS_MAGIC "TCS\003" /* "TCS" and the version, 3 */
#define TOKEN_OFF offsetof(tc_session_rec_t, token)
#define V1_TOKEN_OFF offsetof(tc_session_rec_t, frag_seq)
#define V2_TOKEN_OFF offsetof(tc_session_rec_t, pend_hash)

/* A checksum of the layout: slot sizes, where the token starts (which
 * differs between versions) and byte order. */
static uint16_t slot_sum(size_t token_off)
{
  const uint32_t sizes[] = { TC_CHAT_REASON_MAX, TC_CHAT_MSGID_MAX, TC_CHAT_TOOLS_MAX,
                             TC_CHAT_TOOL_ID_MAX, TC_CHAT_TOOL_NAME_MAX, TC_CHAT_TOKEN_MAX,
                             (uint32_t)token_off, 0x01020304u };
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
  s->slots = slot_sum(TOKEN_OFF);
  s->chat_hash = chat_hash;
  crc = tc_crc32(0, s, TOKEN_OFF + s->token_len);
  memcpy(s->token + s->token_len, &crc, 4);
  return tc_session_size(s);
}

tc_err_t tc_session_open(tc_session_rec_t *s, size_t len, uint32_t chat_hash)
{
  uint32_t crc;
  size_t off;
  if (len < 4 || memcmp(s->magic, SESS_MAGIC, 3) != 0) return TC_ERR_KV_CORRUPT;
  if (s->magic[3] == SESS_MAGIC[3]) off = TOKEN_OFF;
  else if (s->magic[3] == 2) off = V2_TOKEN_OFF;
  else if (s->magic[3] == 1) off = V1_TOKEN_OFF;
  else return TC_ERR_KV_CORRUPT; /* a later version (or garbage) */
  if (len < off + 4u) return TC_ERR_KV_CORRUPT;
  if (s->slots != slot_sum(off) || s->chat_hash != chat_hash) return TC_ERR_KV_CORRUPT;
  if (s->token_len > TC_CHAT_TOKEN_MAX || len != off + s->token_len + 4u) return TC_ERR_KV_CORRUPT;
  if (s->reason_len > TC_CHAT_REASON_MAX || s->msgid_len > TC_CHAT_MSGID_MAX) return TC_ERR_KV_CORRUPT;
  memcpy(&crc, (const uint8_t *)s + off + s->token_len, 4);
  if (crc != tc_crc32(0, s, off + s->token_len)) return TC_ERR_KV_CORRUPT;
  if (off != TOKEN_OFF) { /* an earlier version: the token (and CRC) move up */
    memmove(s->token, (const uint8_t *)s + off, s->token_len + 4u);
    if (off == V1_TOKEN_OFF) { /* no progress */
      s->frag_seq = 0;
      s->frag_shown = 0;
    }
    s->pend_hash = 0; /* no unfinished send, no gate (version 2 never set TC_SESS_F_GATE) */
    s->gate_seq = 0;
    memset(s->pend_part, 0, sizeof s->pend_part);
  }
  return TC_OK;
}

/*
 * fuzz_chat.c — the chat under hostile servers: the input is cut into
 * pieces that are served, in turn, as the answer to the session's requests
 * (appends, GET .out) with clock jumps and EOFs in between, while the chat
 * sends, steers, stops and resumes. Nothing may crash, leak or hang, and the
 * chat must stay usable (a send after the storm is accepted or refused with a
 * named error).
 */
#include <stdint.h>
#include <string.h>

#define CHAT_FAKE_ABORT_ON_SPIN /* w_step aborts if the chat would spin a loop */
#include "../chat_fake.c"

static world_t FW;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  size_t at = 0;
  w_init(&FW, "c1");
  FW.auto_token = TOK1;
  w_step(&FW);
  tc_chat_send_text(&FW.chat, "hi", 2, NULL);
  while (at < size) {
    uint8_t op = data[at++];
    size_t n = op & 0x3f;
    fake_net_t *net = (op & 0x40) ? &FW.out : &FW.req;
    if (n > size - at) n = size - at;
    if (op & 0x80) {
      switch (n & 7) {
      case 0: fake_eof(net); break;
      case 1: net->fail_after = TC_ERR_NET_RESET; break;
      case 2: FW.now += 1000u * (n + 1); break;
      case 3: (void)tc_chat_steer_text(&FW.chat, "s", 1, NULL); break;
      case 4: (void)tc_chat_stop(&FW.chat); break;
      case 5: (void)tc_chat_resume(&FW.chat); break;
      case 6: (void)tc_chat_send_text(&FW.chat, "x", 1, "{\"a\":1}"); break;
      default: FW.now += 61000; break;
      }
    } else {
      fake_reply_n(net, (const char *)data + at, n);
      at += n;
    }
    FW.req.sent_len = FW.out.sent_len = 0;
    w_step(&FW);
  }
  tc_chat_deinit(&FW.chat);
  return 0;
}

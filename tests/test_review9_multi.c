/*
 * test_review9_multi.c — session 9's review of two tool approvals in one
 * assistant step (protocol.md §4.4). The real chat.agent (4.8.3, behind the
 * simulator, tests/e2e/multi_approval.test.mjs) continues on the FIRST
 * append it gets: answered one per append, the second tool call has no
 * result in the model's next step, and the second answer is a turn with
 * nothing to do. 4.8.3 with the AI SDK's sendAutomaticallyWhen:
 * lastAssistantMessageIsCompleteWithApprovalResponses sends both in one
 * submit; tc_chat_answer_approvals does the same.
 */
#include <stdio.h>
#include <string.h>

#include "chat_fake.c"
#include "chat_scn.c"
#include "tc_test.h"

/* The body of the request just taken. */
static const char *body_of_last(void)
{
  const char *b = strstr(W.req_text, "\r\n\r\n");
  return b ? b + 4 : "";
}

static char part_id[64];
static const char *part_of_last(void)
{
  snprintf(part_id, sizeof part_id, "%s", w_header(&W, "X-Part-Id"));
  return part_id;
}

/* /approve-two's first turn as the simulator's agent streams it: two
 * sendEmail calls in one step, each with an approval request. */
static void two_approvals_asked(void)
{
  sse_b_t s;
  streaming_turn(0);
  sse_begin(&s);
  sse_data(&s, 1, "{\"type\":\"start\",\"messageId\":\"asst_1\"}", "a1");
  sse_data(&s, 2, "{\"type\":\"start-step\"}", "a2");
  sse_data(&s, 3, "{\"type\":\"tool-input-available\",\"toolCallId\":\"call_email_1\",\"toolName\":\"sendEmail\",\"input\":{\"to\":\"ada@example.com\",\"subject\":\"hi\"}}", "a3");
  sse_data(&s, 4, "{\"type\":\"tool-approval-request\",\"approvalId\":\"appr_1\",\"toolCallId\":\"call_email_1\"}", "a4");
  sse_data(&s, 5, "{\"type\":\"tool-input-available\",\"toolCallId\":\"call_email_2\",\"toolName\":\"sendEmail\",\"input\":{\"to\":\"bob@example.com\",\"subject\":\"hi\"}}", "a5");
  sse_data(&s, 6, "{\"type\":\"tool-approval-request\",\"approvalId\":\"appr_2\",\"toolCallId\":\"call_email_2\"}", "a6");
  sse_data(&s, 7, "{\"type\":\"finish-step\"}", "a7");
  sse_data(&s, 8, "{\"type\":\"finish\",\"finishReason\":\"tool-calls\"}", "a8");
  scn_feed_batch(&s);
}

/* What trigchat did for tchat's /approve (one answer per call): the first
 * append carries only the first tool part, and the second call, while the
 * first is out, is refused (TC_ERR_BUSY; tchat then dropped it). The agent
 * continues on that first append with call_email_2 unanswered. Pinned: one
 * exchange at a time stays the rule; the answer is to send both at once. */
static void test_one_per_call_second_is_busy(void)
{
  two_approvals_asked();
  CHECK_EQ_INT(tc_chat_answer_approval(&W.chat, "appr_1", true, NULL), TC_OK);
  CHECK_EQ_INT(tc_chat_answer_approval(&W.chat, "appr_2", true, NULL), TC_ERR_BUSY);
  w_step(&W);
  w_take_req(&W);
  CHECK_EQ_STR(body_of_last(),
               "{\"kind\":\"message\",\"payload\":{\"message\":{\"id\":\"asst_1\",\"role\":\"assistant\",\"parts\":["
               "{\"type\":\"tool-sendEmail\",\"toolCallId\":\"call_email_1\",\"state\":\"approval-responded\",\"approval\":{\"id\":\"appr_1\",\"approved\":true}}"
               "]},\"chatId\":\"c1\",\"trigger\":\"submit-message\",\"messageId\":\"asst_1\"}}");
}

/* Both answers in one append, body byte for byte what 4.8.3 sent for the
 * same state in the e2e run (tests/e2e/multi_approval.test.mjs, the
 * official TriggerChatTransport with both parts approval-responded; ids
 * renamed): one part per answer, in the order given. */
static void test_two_answers_one_append_as_4_8_3(void)
{
  tc_chat_approval_t a[2] = { { "appr_1", true, NULL }, { "appr_2", false, NULL } };
  int sent;
  two_approvals_asked();
  sent = w_count(&W, TC_CHAT_EV_MESSAGE_SENT);
  CHECK_EQ_INT(tc_chat_answer_approvals(&W.chat, a, 2), TC_OK);
  w_step(&W);
  w_take_req(&W);
  CHECK_EQ_STR(body_of_last(),
               "{\"kind\":\"message\",\"payload\":{\"message\":{\"id\":\"asst_1\",\"role\":\"assistant\",\"parts\":["
               "{\"type\":\"tool-sendEmail\",\"toolCallId\":\"call_email_1\",\"state\":\"approval-responded\",\"approval\":{\"id\":\"appr_1\",\"approved\":true}},"
               "{\"type\":\"tool-sendEmail\",\"toolCallId\":\"call_email_2\",\"state\":\"approval-responded\",\"approval\":{\"id\":\"appr_2\",\"approved\":false}}"
               "]},\"chatId\":\"c1\",\"trigger\":\"submit-message\",\"messageId\":\"asst_1\"}}");
  fake_reply(&W.req, json_resp(200, "{\"ok\":true,\"seq\":9}"));
  w_step(&W);
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_MESSAGE_SENT), sent + 1);
}

/* Reasons (escaped), and the order is the app's. */
static void test_two_denials_with_reasons_in_given_order(void)
{
  tc_chat_approval_t a[2] = { { "appr_2", false, "not \"bob\"" }, { "appr_1", false, "" } };
  two_approvals_asked();
  CHECK_EQ_INT(tc_chat_answer_approvals(&W.chat, a, 2), TC_OK);
  w_step(&W);
  w_take_req(&W);
  CHECK(strstr(body_of_last(),
               "\"parts\":[{\"type\":\"tool-sendEmail\",\"toolCallId\":\"call_email_2\",\"state\":\"approval-responded\",\"approval\":{\"id\":\"appr_2\",\"approved\":false,\"reason\":\"not \\\"bob\\\"\"}},"
               "{\"type\":\"tool-sendEmail\",\"toolCallId\":\"call_email_1\",\"state\":\"approval-responded\",\"approval\":{\"id\":\"appr_1\",\"approved\":false,\"reason\":\"\"}}]") != NULL);
}

/* Bad arguments: nothing is sent. */
static void test_bad_answer_sets_refused(void)
{
  tc_chat_approval_t twice[2] = { { "appr_1", true, NULL }, { "appr_1", false, NULL } };
  tc_chat_approval_t unknown[2] = { { "appr_1", true, NULL }, { "appr_9", true, NULL } };
  tc_chat_approval_t three[3] = { { "appr_1", true, NULL }, { "appr_2", true, NULL }, { "appr_1", true, NULL } };
  tc_chat_approval_t noid[1] = { { NULL, true, NULL } };
  two_approvals_asked();
  CHECK_EQ_INT(tc_chat_answer_approvals(&W.chat, twice, 2), TC_ERR_ARG);
  CHECK_EQ_INT(tc_chat_answer_approvals(&W.chat, unknown, 2), TC_ERR_ARG);
  CHECK_EQ_INT(tc_chat_answer_approvals(&W.chat, three, 3), TC_ERR_ARG); /* > TC_CHAT_TOOLS_MAX */
  CHECK_EQ_INT(tc_chat_answer_approvals(&W.chat, noid, 1), TC_ERR_ARG);
  CHECK_EQ_INT(tc_chat_answer_approvals(&W.chat, twice, 0), TC_ERR_ARG);
  CHECK_EQ_INT(tc_chat_answer_approvals(&W.chat, NULL, 1), TC_ERR_ARG);
  w_step(&W);
  CHECK_EQ_INT(W.req.sent_len, 0);
}

/* X-Part-Id: the same answers again after a failed send reuse the part id;
 * other answers (another decision) get a new one. */
static void test_part_id_follows_the_answers(void)
{
  tc_chat_approval_t a[2] = { { "appr_1", true, NULL }, { "appr_2", true, NULL } };
  tc_chat_approval_t b[2] = { { "appr_1", true, NULL }, { "appr_2", false, NULL } };
  char first[64];
  int tries = 0;
  two_approvals_asked();
  CHECK_EQ_INT(tc_chat_answer_approvals(&W.chat, a, 2), TC_OK);
  while (w_count(&W, TC_CHAT_EV_MESSAGE_SEND_FAILED) == 0 && tries++ < 20) {
    w_step(&W);
    if (W.req.sent_len) {
      w_take_req(&W);
      snprintf(first, sizeof first, "%s", part_of_last());
      fake_reply(&W.req, json_resp(503, "{\"ok\":false}"));
    }
    w_advance(&W, 5000);
  }
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_MESSAGE_SEND_FAILED), 1);
  CHECK_EQ_INT(strlen(first), 36);
  CHECK_EQ_INT(tc_chat_answer_approvals(&W.chat, a, 2), TC_OK);
  w_step(&W);
  w_take_req(&W);
  CHECK_EQ_STR(part_of_last(), first);
  fake_reply(&W.req, json_resp(503, "{\"ok\":false}"));
  tries = 0;
  while (w_count(&W, TC_CHAT_EV_MESSAGE_SEND_FAILED) == 1 && tries++ < 20) {
    w_advance(&W, 5000);
    w_step(&W);
    if (W.req.sent_len) {
      w_take_req(&W);
      fake_reply(&W.req, json_resp(503, "{\"ok\":false}"));
    }
  }
  CHECK_EQ_INT(w_count(&W, TC_CHAT_EV_MESSAGE_SEND_FAILED), 2);
  CHECK_EQ_INT(tc_chat_answer_approvals(&W.chat, b, 2), TC_OK);
  w_step(&W);
  w_take_req(&W);
  CHECK(strcmp(part_of_last(), first) != 0);
}

int main(void)
{
  RUN(test_one_per_call_second_is_busy);
  RUN(test_two_answers_one_append_as_4_8_3);
  RUN(test_two_denials_with_reasons_in_given_order);
  RUN(test_bad_answer_sets_refused);
  RUN(test_part_id_follows_the_answers);
  return tc_test_finish("review9_multi");
}

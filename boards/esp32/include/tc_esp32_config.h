/*
 * tc_esp32_config.h — trigchat's compile-time sizes from menuconfig
 * ("Component config -> trigchat"). The component compiles every file with
 * TC_CONFIG_FILE="tc_esp32_config.h" (PUBLIC, so the application's view of
 * tc_chat_t matches the library's); core/tc_config.h and tc_chat.h include it
 * before their defaults.
 */
#ifndef TC_ESP32_CONFIG_H
#define TC_ESP32_CONFIG_H

#include "sdkconfig.h"

#define TC_OUT_RECORD_MAX CONFIG_TRIGCHAT_OUT_RECORD_MAX
#define TC_HTTP_LINE_MAX CONFIG_TRIGCHAT_HTTP_LINE_MAX
#define TC_CHAT_REQUEST_MAX CONFIG_TRIGCHAT_CHAT_REQUEST_MAX
#define TC_CHAT_TOKEN_MAX CONFIG_TRIGCHAT_CHAT_TOKEN_MAX
#define TC_JSON_TOKENS_MAX CONFIG_TRIGCHAT_JSON_TOKENS_MAX
#define TC_OUT_DEDUPE_IDS CONFIG_TRIGCHAT_OUT_DEDUPE_IDS
#ifdef CONFIG_TRIGCHAT_ERROR_STRINGS
#define TC_ERROR_STRINGS 1
#else
#define TC_ERROR_STRINGS 0
#endif

#endif /* TC_ESP32_CONFIG_H */

/*
 * sdkconfig.h — what ESP-IDF generates from menuconfig, for the compile check
 * only: the Kconfig defaults of the trigchat component and of the example.
 */
#ifndef TC_CHECK_SDKCONFIG_H
#define TC_CHECK_SDKCONFIG_H

#define CONFIG_FREERTOS_HZ 100

#define CONFIG_TRIGCHAT_BASE_URL "https://api.trigger.dev"
#define CONFIG_TRIGCHAT_TASK_ID "my-chat-agent"
#define CONFIG_TRIGCHAT_START_URL "https://backend.example.com/chat/start"
#define CONFIG_TRIGCHAT_TOKEN_URL "https://backend.example.com/chat/token"
#define CONFIG_TRIGCHAT_DEVICE_KEY_HEADER "X-Device-Key"
#define CONFIG_TRIGCHAT_DEVICE_KEY ""
#define CONFIG_TRIGCHAT_NVS_NAMESPACE "trigchat"
#define CONFIG_TRIGCHAT_TLS_ARENA_KB 80
#define CONFIG_TRIGCHAT_OUT_RECORD_MAX 1536
#define CONFIG_TRIGCHAT_HTTP_LINE_MAX 512
#define CONFIG_TRIGCHAT_CHAT_REQUEST_MAX 1536
#define CONFIG_TRIGCHAT_CHAT_TOKEN_MAX 768
#define CONFIG_TRIGCHAT_JSON_TOKENS_MAX 64
#define CONFIG_TRIGCHAT_OUT_DEDUPE_IDS 32
#define CONFIG_TRIGCHAT_ERROR_STRINGS 1

#define CONFIG_EXAMPLE_WIFI_SSID "myssid"
#define CONFIG_EXAMPLE_WIFI_PASSWORD "mypassword"
#define CONFIG_EXAMPLE_CHAT_ID "esp32-device-0001"
#define CONFIG_EXAMPLE_PROMPT "Hello from an ESP32! What can you do?"
/* CONFIG_EXAMPLE_VOICE: the voice build passes -DCONFIG_EXAMPLE_VOICE=1 */

#endif /* TC_CHECK_SDKCONFIG_H */

/*
 * esp_log.h — declarations-only stand-in for ESP-IDF's logging API, written
 * for trigchat's compile check from the public ESP-IDF API reference
 * ("Logging library"). The ESP_LOGx macros here call esp_log_write directly;
 * ESP-IDF's own header adds colours, timestamps and level filtering. A real
 * ESP-IDF build never sees this directory.
 */
#ifndef TC_IDF_DECL_ESP_LOG_H
#define TC_IDF_DECL_ESP_LOG_H

typedef enum {
  ESP_LOG_NONE,
  ESP_LOG_ERROR,
  ESP_LOG_WARN,
  ESP_LOG_INFO,
  ESP_LOG_DEBUG,
  ESP_LOG_VERBOSE
} esp_log_level_t;

void esp_log_write(esp_log_level_t level, const char *tag, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

#define ESP_LOGE(tag, format, ...) esp_log_write(ESP_LOG_ERROR, tag, format "\n", ##__VA_ARGS__)
#define ESP_LOGW(tag, format, ...) esp_log_write(ESP_LOG_WARN, tag, format "\n", ##__VA_ARGS__)
#define ESP_LOGI(tag, format, ...) esp_log_write(ESP_LOG_INFO, tag, format "\n", ##__VA_ARGS__)

#endif /* TC_IDF_DECL_ESP_LOG_H */

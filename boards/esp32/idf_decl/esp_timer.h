/*
 * esp_timer.h — declarations-only stand-in (ESP-IDF API reference, "ESP
 * Timer"): only the microsecond clock trigchat reads.
 */
#ifndef TC_IDF_DECL_ESP_TIMER_H
#define TC_IDF_DECL_ESP_TIMER_H

#include <stdint.h>

/* Microseconds since boot (monotonic). */
int64_t esp_timer_get_time(void);

#endif /* TC_IDF_DECL_ESP_TIMER_H */

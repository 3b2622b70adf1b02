/*
 * esp_random.h — declarations-only stand-in (ESP-IDF API reference, "Random
 * Number Generation"). True random numbers once Wi-Fi or Bluetooth is on.
 */
#ifndef TC_IDF_DECL_ESP_RANDOM_H
#define TC_IDF_DECL_ESP_RANDOM_H

#include <stddef.h>
#include <stdint.h>

uint32_t esp_random(void);
void esp_fill_random(void *buf, size_t len);

#endif /* TC_IDF_DECL_ESP_RANDOM_H */

/*
 * freertos/FreeRTOS.h — declarations-only stand-in for the FreeRTOS types and
 * macros ESP-IDF exposes (FreeRTOS API reference; ESP-IDF "FreeRTOS (IDF)").
 * The tick rate comes from sdkconfig (CONFIG_FREERTOS_HZ).
 */
#ifndef TC_IDF_DECL_FREERTOS_H
#define TC_IDF_DECL_FREERTOS_H

#include <stdint.h>

#include "sdkconfig.h"

typedef uint32_t TickType_t;
typedef int BaseType_t;
typedef unsigned int UBaseType_t;

#define pdFALSE ((BaseType_t)0)
#define pdTRUE ((BaseType_t)1)
#define pdPASS pdTRUE
#define portMAX_DELAY ((TickType_t)0xffffffffUL)
#define configTICK_RATE_HZ CONFIG_FREERTOS_HZ
#define pdMS_TO_TICKS(ms) ((TickType_t)(((uint64_t)(ms) * configTICK_RATE_HZ) / 1000u))

#endif /* TC_IDF_DECL_FREERTOS_H */

/* freertos/queue.h — declarations-only stand-in (FreeRTOS queue API). In
 * FreeRTOS xQueueCreate and xQueueSend are macros over generic functions;
 * declared here as functions with the same call syntax. */
#ifndef TC_IDF_DECL_FREERTOS_QUEUE_H
#define TC_IDF_DECL_FREERTOS_QUEUE_H

#include "freertos/FreeRTOS.h"

typedef struct QueueDefinition *QueueHandle_t;

QueueHandle_t xQueueCreate(UBaseType_t uxQueueLength, UBaseType_t uxItemSize);
BaseType_t xQueueSend(QueueHandle_t xQueue, const void *pvItemToQueue, TickType_t xTicksToWait);
BaseType_t xQueueReceive(QueueHandle_t xQueue, void *pvBuffer, TickType_t xTicksToWait);

#endif /* TC_IDF_DECL_FREERTOS_QUEUE_H */

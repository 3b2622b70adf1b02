/* freertos/event_groups.h — declarations-only stand-in (FreeRTOS event groups). */
#ifndef TC_IDF_DECL_FREERTOS_EVENT_GROUPS_H
#define TC_IDF_DECL_FREERTOS_EVENT_GROUPS_H

#include "freertos/FreeRTOS.h"

typedef struct EventGroupDef_t *EventGroupHandle_t;
typedef TickType_t EventBits_t;

EventGroupHandle_t xEventGroupCreate(void);
EventBits_t xEventGroupSetBits(EventGroupHandle_t xEventGroup, const EventBits_t uxBitsToSet);
EventBits_t xEventGroupWaitBits(EventGroupHandle_t xEventGroup, const EventBits_t uxBitsToWaitFor,
                                const BaseType_t xClearOnExit, const BaseType_t xWaitForAllBits,
                                TickType_t xTicksToWait);

#endif /* TC_IDF_DECL_FREERTOS_EVENT_GROUPS_H */

/* freertos/task.h — declarations-only stand-in (FreeRTOS task API; on
 * ESP-IDF the stack depth of xTaskCreate is in bytes). */
#ifndef TC_IDF_DECL_FREERTOS_TASK_H
#define TC_IDF_DECL_FREERTOS_TASK_H

#include "freertos/FreeRTOS.h"

typedef struct tskTaskControlBlock *TaskHandle_t;
typedef void (*TaskFunction_t)(void *);

BaseType_t xTaskCreate(TaskFunction_t pxTaskCode, const char *pcName, uint32_t usStackDepth,
                       void *pvParameters, UBaseType_t uxPriority, TaskHandle_t *pxCreatedTask);
void vTaskDelay(TickType_t xTicksToDelay);
void vTaskDelete(TaskHandle_t xTaskToDelete);
TaskHandle_t xTaskGetCurrentTaskHandle(void);

#endif /* TC_IDF_DECL_FREERTOS_TASK_H */

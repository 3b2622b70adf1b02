/*
 * idf_stubs.c — LINK CHECK ONLY, never firmware: one trivial definition for
 * every ESP-IDF, FreeRTOS and lwIP function the component and the example
 * call, compiled against the declaration headers in ../idf_decl (and lwIP's
 * own headers), so that a call to anything NOT declared there, or declared
 * differently, fails the esp32 suite at compile or link time. mbedTLS is the
 * real library (3.6, built for rv32imc by boards/esp32/esp32.mk).
 */
#include <string.h>
#include <time.h>

#include "esp_event.h"
#include "esp_log.h"
#include "esp_netif.h"
#include "esp_netif_sntp.h"
#include "esp_random.h"
#include "esp_timer.h"
#include "esp_wifi.h"
#include "freertos/FreeRTOS.h"
#include "freertos/event_groups.h"
#include "freertos/queue.h"
#include "freertos/task.h"
#include "lwip/netdb.h"
#include "lwip/sockets.h"
#include "lwip/sys.h"
#include "nvs.h"
#include "nvs_flash.h"

#include <mbedtls/platform_time.h>
#include <mbedtls/platform_util.h>

/* ---- ESP-IDF */
esp_event_base_t const WIFI_EVENT = "WIFI_EVENT";
esp_event_base_t const IP_EVENT = "IP_EVENT";
const char *esp_err_to_name(esp_err_t code) { (void)code; return "?"; }
void _esp_error_check_failed(esp_err_t rc, const char *file, int line, const char *function,
                             const char *expression)
{
  (void)rc; (void)file; (void)line; (void)function; (void)expression;
  for (;;) {}
}
void esp_log_write(esp_log_level_t level, const char *tag, const char *format, ...)
{
  (void)level; (void)tag; (void)format;
}
int64_t esp_timer_get_time(void) { return 0; }
uint32_t esp_random(void) { return 4; }
void esp_fill_random(void *buf, size_t len) { memset(buf, 4, len); }
esp_err_t esp_event_loop_create_default(void) { return ESP_OK; }
esp_err_t esp_event_handler_instance_register(esp_event_base_t event_base, int32_t event_id,
                                              esp_event_handler_t event_handler,
                                              void *event_handler_arg,
                                              esp_event_handler_instance_t *instance)
{
  (void)event_base; (void)event_id; (void)event_handler; (void)event_handler_arg; (void)instance;
  return ESP_OK;
}
esp_err_t esp_netif_init(void) { return ESP_OK; }
esp_netif_t *esp_netif_create_default_wifi_sta(void) { return NULL; }
esp_err_t esp_netif_sntp_init(const esp_sntp_config_t *config) { (void)config; return ESP_OK; }
esp_err_t esp_netif_sntp_sync_wait(TickType_t tout) { (void)tout; return ESP_OK; }
esp_err_t esp_wifi_init(const wifi_init_config_t *config) { (void)config; return ESP_OK; }
esp_err_t esp_wifi_set_mode(wifi_mode_t mode) { (void)mode; return ESP_OK; }
esp_err_t esp_wifi_set_config(wifi_interface_t interface, wifi_config_t *conf)
{
  (void)interface; (void)conf;
  return ESP_OK;
}
esp_err_t esp_wifi_start(void) { return ESP_OK; }
esp_err_t esp_wifi_connect(void) { return ESP_OK; }
esp_err_t nvs_flash_init(void) { return ESP_OK; }
esp_err_t nvs_flash_erase(void) { return ESP_OK; }
esp_err_t nvs_open(const char *namespace_name, nvs_open_mode_t open_mode, nvs_handle_t *out_handle)
{
  (void)namespace_name; (void)open_mode; *out_handle = 1;
  return ESP_OK;
}
esp_err_t nvs_set_blob(nvs_handle_t handle, const char *key, const void *value, size_t length)
{
  (void)handle; (void)key; (void)value; (void)length;
  return ESP_OK;
}
esp_err_t nvs_get_blob(nvs_handle_t handle, const char *key, void *out_value, size_t *length)
{
  (void)handle; (void)key; (void)out_value; (void)length;
  return ESP_ERR_NVS_NOT_FOUND;
}
esp_err_t nvs_erase_key(nvs_handle_t handle, const char *key) { (void)handle; (void)key; return ESP_OK; }
esp_err_t nvs_commit(nvs_handle_t handle) { (void)handle; return ESP_OK; }
void nvs_close(nvs_handle_t handle) { (void)handle; }
/* the CA file main/CMakeLists.txt embeds (EMBED_TXTFILES) */
const char tc_check_ca_start[] __asm__("_binary_ca_roots_pem_start") = "";

/* ---- FreeRTOS */
BaseType_t xTaskCreate(TaskFunction_t pxTaskCode, const char *pcName, uint32_t usStackDepth,
                       void *pvParameters, UBaseType_t uxPriority, TaskHandle_t *pxCreatedTask)
{
  (void)pxTaskCode; (void)pcName; (void)usStackDepth; (void)pvParameters; (void)uxPriority;
  (void)pxCreatedTask;
  return pdPASS;
}
void vTaskDelay(TickType_t xTicksToDelay) { (void)xTicksToDelay; }
void vTaskDelete(TaskHandle_t xTaskToDelete) { (void)xTaskToDelete; }
TaskHandle_t xTaskGetCurrentTaskHandle(void) { return NULL; }
QueueHandle_t xQueueCreate(UBaseType_t uxQueueLength, UBaseType_t uxItemSize)
{
  (void)uxQueueLength; (void)uxItemSize;
  return NULL;
}
BaseType_t xQueueSend(QueueHandle_t xQueue, const void *pvItemToQueue, TickType_t xTicksToWait)
{
  (void)xQueue; (void)pvItemToQueue; (void)xTicksToWait;
  return pdTRUE;
}
BaseType_t xQueueReceive(QueueHandle_t xQueue, void *pvBuffer, TickType_t xTicksToWait)
{
  (void)xQueue; (void)pvBuffer; (void)xTicksToWait;
  return pdFALSE;
}
EventGroupHandle_t xEventGroupCreate(void) { return NULL; }
EventBits_t xEventGroupSetBits(EventGroupHandle_t xEventGroup, const EventBits_t uxBitsToSet)
{
  (void)xEventGroup;
  return uxBitsToSet;
}
EventBits_t xEventGroupWaitBits(EventGroupHandle_t xEventGroup, const EventBits_t uxBitsToWaitFor,
                                const BaseType_t xClearOnExit, const BaseType_t xWaitForAllBits,
                                TickType_t xTicksToWait)
{
  (void)xEventGroup; (void)xClearOnExit; (void)xWaitForAllBits; (void)xTicksToWait;
  return uxBitsToWaitFor;
}

/* ---- lwIP (ESP-IDF's lwIP component) */
u32_t sys_now(void) { return 0; }
u16_t lwip_htons(u16_t x) { return (u16_t)((x << 8) | (x >> 8)); }
int lwip_socket(int domain, int type, int protocol) { (void)domain; (void)type; (void)protocol; return -1; }
int lwip_connect(int s, const struct sockaddr *name, socklen_t namelen) { (void)s; (void)name; (void)namelen; return -1; }
int lwip_fcntl(int s, int cmd, int val) { (void)s; (void)cmd; (void)val; return -1; }
ssize_t lwip_send(int s, const void *dataptr, size_t size, int flags) { (void)s; (void)dataptr; (void)size; (void)flags; return -1; }
ssize_t lwip_recv(int s, void *mem, size_t len, int flags) { (void)s; (void)mem; (void)len; (void)flags; return -1; }
int lwip_select(int maxfdp1, fd_set *readset, fd_set *writeset, fd_set *exceptset, struct timeval *timeout)
{
  (void)maxfdp1; (void)readset; (void)writeset; (void)exceptset; (void)timeout;
  return 0;
}
int lwip_getsockopt(int s, int level, int optname, void *optval, socklen_t *optlen)
{
  (void)s; (void)level; (void)optname; (void)optval; (void)optlen;
  return -1;
}
int lwip_setsockopt(int s, int level, int optname, const void *optval, socklen_t optlen)
{
  (void)s; (void)level; (void)optname; (void)optval; (void)optlen;
  return -1;
}
int lwip_getaddrinfo(const char *nodename, const char *servname, const struct addrinfo *hints,
                     struct addrinfo **res)
{
  (void)nodename; (void)servname; (void)hints; *res = NULL;
  return -1;
}
void lwip_freeaddrinfo(struct addrinfo *ai) { (void)ai; }
int lwip_close(int s) { (void)s; return 0; }

/* ---- the check's mbedTLS configuration (boards/stm32/tc_mbedtls_config.h)
 * asks the platform for these; ESP-IDF's own mbedTLS configuration does not */
mbedtls_ms_time_t mbedtls_ms_time(void) { return 0; }
struct tm *mbedtls_platform_gmtime_r(const mbedtls_time_t *tt, struct tm *tm_buf)
{
  time_t t = (time_t)*tt;
  return gmtime_r(&t, tm_buf);
}

/* ---- picolibc's crt0 calls main; ESP-IDF calls app_main */
void app_main(void);
int main(void);
int main(void)
{
  app_main();
  return 0;
}

/* arch/sys_arch.h — compile check only: opaque OS types for lwIP with NO_SYS=0
 * (ESP-IDF maps them onto FreeRTOS semaphores, queues and tasks). */
#ifndef TC_CHECK_ARCH_SYS_ARCH_H
#define TC_CHECK_ARCH_SYS_ARCH_H

typedef struct { void *h; } sys_sem_t;
typedef struct { void *h; } sys_mutex_t;
typedef struct { void *h; } sys_mbox_t;
typedef void *sys_thread_t;
typedef int sys_prot_t;

#endif /* TC_CHECK_ARCH_SYS_ARCH_H */

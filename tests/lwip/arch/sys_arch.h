/*
 * arch/sys_arch.h — lwIP's OS layer types for the NO_SYS=0 host simulation:
 * semaphores, mutexes and mailboxes on POSIX threads (tests/lwip/sys_arch.c).
 * Each object is a pointer to a heap block (the simulation is host code; the
 * adapters in port/lwip never see these).
 */
#ifndef TC_LWIP_ARCH_SYS_ARCH_H
#define TC_LWIP_ARCH_SYS_ARCH_H

struct tc_sys_sem;
struct tc_sys_mutex;
struct tc_sys_mbox;
typedef struct tc_sys_sem *sys_sem_t;
typedef struct tc_sys_mutex *sys_mutex_t;
typedef struct tc_sys_mbox *sys_mbox_t;
typedef unsigned long sys_thread_t;
typedef int sys_prot_t;

#define sys_sem_valid(s) ((s) != NULL && *(s) != NULL)
#define sys_sem_set_invalid(s) do { if ((s) != NULL) *(s) = NULL; } while (0)
#define sys_mutex_valid(m) ((m) != NULL && *(m) != NULL)
#define sys_mutex_set_invalid(m) do { if ((m) != NULL) *(m) = NULL; } while (0)
#define sys_mbox_valid(b) ((b) != NULL && *(b) != NULL)
#define sys_mbox_set_invalid(b) do { if ((b) != NULL) *(b) = NULL; } while (0)

#endif /* TC_LWIP_ARCH_SYS_ARCH_H */

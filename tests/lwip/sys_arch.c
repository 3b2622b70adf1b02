/* sys_arch.c — lwIP's OS layer for the NO_SYS=0 host simulation on POSIX
 * threads: counting semaphores, mutexes, bounded mailboxes, threads, a
 * monotonic sys_now() and a recursive lock for SYS_ARCH_PROTECT. Test
 * support only (it allocates from the host heap). */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "lwip/opt.h"
#include "lwip/err.h"
#include "lwip/sys.h"

struct tc_sys_sem { pthread_mutex_t mu; pthread_cond_t cv; unsigned count; };
struct tc_sys_mutex { pthread_mutex_t mu; };
struct tc_sys_mbox {
  pthread_mutex_t mu;
  pthread_cond_t not_empty, not_full;
  int size, head, count;
  void **msgs;
};

static pthread_mutex_t g_prot = PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP;

static uint64_t mono_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

u32_t sys_now(void) { return (u32_t)mono_ms(); }

void sys_init(void) {}

sys_prot_t sys_arch_protect(void)
{
  pthread_mutex_lock(&g_prot);
  return 0;
}

void sys_arch_unprotect(sys_prot_t pval)
{
  (void)pval;
  pthread_mutex_unlock(&g_prot);
}

/* A CLOCK_MONOTONIC condition variable. */
static void cond_init(pthread_cond_t *cv)
{
  pthread_condattr_t a;
  pthread_condattr_init(&a);
  pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
  pthread_cond_init(cv, &a);
  pthread_condattr_destroy(&a);
}

/* Waits on cv until pred or timeout_ms (0: forever); returns ms waited or SYS_ARCH_TIMEOUT. */
#define WAIT_UNTIL(cv, mu, pred, timeout_ms, out) do { \
    uint64_t t0_ = mono_ms(); \
    struct timespec dl_; \
    clock_gettime(CLOCK_MONOTONIC, &dl_); \
    dl_.tv_sec += (time_t)((timeout_ms) / 1000); \
    dl_.tv_nsec += (long)((timeout_ms) % 1000) * 1000000L; \
    if (dl_.tv_nsec >= 1000000000L) { dl_.tv_sec++; dl_.tv_nsec -= 1000000000L; } \
    (out) = 0; \
    while (!(pred)) { \
      if ((timeout_ms) == 0) pthread_cond_wait((cv), (mu)); \
      else if (pthread_cond_timedwait((cv), (mu), &dl_) == ETIMEDOUT && !(pred)) { (out) = SYS_ARCH_TIMEOUT; break; } \
    } \
    if ((out) != SYS_ARCH_TIMEOUT) (out) = (u32_t)(mono_ms() - t0_); \
  } while (0)

err_t sys_sem_new(sys_sem_t *sem, u8_t count)
{
  struct tc_sys_sem *s = calloc(1, sizeof *s);
  if (s == NULL) return ERR_MEM;
  pthread_mutex_init(&s->mu, NULL);
  cond_init(&s->cv);
  s->count = count;
  *sem = s;
  return ERR_OK;
}

void sys_sem_signal(sys_sem_t *sem)
{
  struct tc_sys_sem *s = *sem;
  pthread_mutex_lock(&s->mu);
  s->count++;
  pthread_cond_signal(&s->cv);
  pthread_mutex_unlock(&s->mu);
}

u32_t sys_arch_sem_wait(sys_sem_t *sem, u32_t timeout)
{
  struct tc_sys_sem *s = *sem;
  u32_t r;
  pthread_mutex_lock(&s->mu);
  WAIT_UNTIL(&s->cv, &s->mu, s->count > 0, timeout, r);
  if (r != SYS_ARCH_TIMEOUT) s->count--;
  pthread_mutex_unlock(&s->mu);
  return r;
}

void sys_sem_free(sys_sem_t *sem)
{
  struct tc_sys_sem *s = *sem;
  pthread_cond_destroy(&s->cv);
  pthread_mutex_destroy(&s->mu);
  free(s);
  *sem = NULL;
}

err_t sys_mutex_new(sys_mutex_t *mutex)
{
  struct tc_sys_mutex *m = calloc(1, sizeof *m);
  if (m == NULL) return ERR_MEM;
  pthread_mutex_init(&m->mu, NULL);
  *mutex = m;
  return ERR_OK;
}

void sys_mutex_lock(sys_mutex_t *mutex) { pthread_mutex_lock(&(*mutex)->mu); }
void sys_mutex_unlock(sys_mutex_t *mutex) { pthread_mutex_unlock(&(*mutex)->mu); }

void sys_mutex_free(sys_mutex_t *mutex)
{
  pthread_mutex_destroy(&(*mutex)->mu);
  free(*mutex);
  *mutex = NULL;
}

err_t sys_mbox_new(sys_mbox_t *mbox, int size)
{
  struct tc_sys_mbox *b = calloc(1, sizeof *b);
  if (b == NULL) return ERR_MEM;
  b->size = size > 0 ? size : 16;
  b->msgs = calloc((size_t)b->size, sizeof *b->msgs);
  if (b->msgs == NULL) { free(b); return ERR_MEM; }
  pthread_mutex_init(&b->mu, NULL);
  cond_init(&b->not_empty);
  cond_init(&b->not_full);
  *mbox = b;
  return ERR_OK;
}

static void put(struct tc_sys_mbox *b, void *msg)
{
  b->msgs[(b->head + b->count) % b->size] = msg;
  b->count++;
  pthread_cond_signal(&b->not_empty);
}

void sys_mbox_post(sys_mbox_t *mbox, void *msg)
{
  struct tc_sys_mbox *b = *mbox;
  u32_t r;
  pthread_mutex_lock(&b->mu);
  WAIT_UNTIL(&b->not_full, &b->mu, b->count < b->size, 0, r);
  (void)r;
  put(b, msg);
  pthread_mutex_unlock(&b->mu);
}

err_t sys_mbox_trypost(sys_mbox_t *mbox, void *msg)
{
  struct tc_sys_mbox *b = *mbox;
  err_t e = ERR_MEM;
  pthread_mutex_lock(&b->mu);
  if (b->count < b->size) { put(b, msg); e = ERR_OK; }
  pthread_mutex_unlock(&b->mu);
  return e;
}

err_t sys_mbox_trypost_fromisr(sys_mbox_t *mbox, void *msg) { return sys_mbox_trypost(mbox, msg); }

static void *take(struct tc_sys_mbox *b)
{
  void *m = b->msgs[b->head];
  b->head = (b->head + 1) % b->size;
  b->count--;
  pthread_cond_signal(&b->not_full);
  return m;
}

u32_t sys_arch_mbox_fetch(sys_mbox_t *mbox, void **msg, u32_t timeout)
{
  struct tc_sys_mbox *b = *mbox;
  u32_t r;
  pthread_mutex_lock(&b->mu);
  WAIT_UNTIL(&b->not_empty, &b->mu, b->count > 0, timeout, r);
  if (r != SYS_ARCH_TIMEOUT) {
    void *m = take(b);
    if (msg) *msg = m;
  }
  pthread_mutex_unlock(&b->mu);
  return r;
}

u32_t sys_arch_mbox_tryfetch(sys_mbox_t *mbox, void **msg)
{
  struct tc_sys_mbox *b = *mbox;
  u32_t r = SYS_MBOX_EMPTY;
  pthread_mutex_lock(&b->mu);
  if (b->count > 0) {
    void *m = take(b);
    if (msg) *msg = m;
    r = 0;
  }
  pthread_mutex_unlock(&b->mu);
  return r;
}

void sys_mbox_free(sys_mbox_t *mbox)
{
  struct tc_sys_mbox *b = *mbox;
  pthread_cond_destroy(&b->not_empty);
  pthread_cond_destroy(&b->not_full);
  pthread_mutex_destroy(&b->mu);
  free(b->msgs);
  free(b);
  *mbox = NULL;
}

struct thread_start { lwip_thread_fn fn; void *arg; };

static void *thread_main(void *p)
{
  struct thread_start st = *(struct thread_start *)p;
  free(p);
  st.fn(st.arg);
  return NULL;
}

sys_thread_t sys_thread_new(const char *name, lwip_thread_fn thread, void *arg, int stacksize, int prio)
{
  pthread_t t;
  struct thread_start *st = malloc(sizeof *st);
  (void)name; (void)stacksize; (void)prio;
  if (st == NULL) abort();
  st->fn = thread;
  st->arg = arg;
  if (pthread_create(&t, NULL, thread_main, st) != 0) abort();
  pthread_detach(t);
  return (sys_thread_t)t;
}

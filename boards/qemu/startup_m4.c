/*
 * startup_m4.c — minimal Cortex-M4 start for running trigchat's unit tests on
 * QEMU's mps2-an386 board with semihosting (newlib's librdimon). The vector
 * table holds the initial stack and the reset handler; the reset handler
 * copies .data, then enters newlib's _start (which clears .bss, sets up
 * semihosting I/O and calls main, then exit). Any fault prints a line
 * through semihosting and exits with failure, so `make test` sees it.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

extern uint32_t _estack, _sidata, _sdata, _edata;
extern void _start(void);
void Reset_Handler(void);
void Fault_Handler(void);

void Reset_Handler(void)
{
  /* Enable the FPU (CP10/CP11) in case the test or libc uses it. */
  *(volatile uint32_t *)0xE000ED88u |= (0xFu << 20);
  __asm volatile("dsb\n isb");
  for (uint32_t *src = &_sidata, *dst = &_sdata; dst < &_edata;) *dst++ = *src++;
  _start();
  for (;;) {
  }
}

void Fault_Handler(void)
{
  uint32_t cfsr = *(volatile uint32_t *)0xE000ED28u;
  printf("FAULT: CFSR=0x%08lx\nfault: 0 passed, 1 failed\n", (unsigned long)cfsr);
  exit(3);
}

__attribute__((section(".isr_vector"), used))
static void (*const vectors[16])(void) = {
  (void (*)(void))(&_estack), Reset_Handler, Fault_Handler, Fault_Handler, Fault_Handler,
  Fault_Handler, Fault_Handler, 0, 0, 0, 0, Fault_Handler, Fault_Handler, 0, Fault_Handler,
  Fault_Handler,
};

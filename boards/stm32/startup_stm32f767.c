/*
 * startup_stm32f767.c — reset handler and vector table for the STM32F767
 * example: copy .data, zero .bss, enable the FPU, call main. Only the core
 * exceptions the example uses are wired; every other vector is the default
 * handler (a breakpoint-friendly loop).
 */
#include <stdint.h>
#include <string.h>

extern uint32_t _sidata[], _sdata[], _edata[], _sbss[], _ebss[], _estack[];
int main(void);
void Reset_Handler(void);
void Default_Handler(void);
void SysTick_Handler(void);

#define SCB_VTOR (*(volatile uint32_t *)0xE000ED08u)
#define SCB_CPACR (*(volatile uint32_t *)0xE000ED88u)

void Reset_Handler(void)
{
  SCB_VTOR = 0x08000000u;
  SCB_CPACR |= 0xFu << 20; /* CP10, CP11: full access (FPU) */
  __asm volatile("dsb\n\tisb");
  memcpy(_sdata, _sidata, (size_t)((uint8_t *)_edata - (uint8_t *)_sdata));
  memset(_sbss, 0, (size_t)((uint8_t *)_ebss - (uint8_t *)_sbss));
  (void)main();
  for (;;) {}
}

void Default_Handler(void)
{
  for (;;) {}
}

/* 16 core exceptions; the STM32F767's 110 peripheral interrupts are not
 * used by the example (the Ethernet driver is the board's, see ethernetif.c). */
__attribute__((section(".isr_vector"), used))
static void (*const vectors[16])(void) = {
  (void (*)(void))(uintptr_t)_estack,
  Reset_Handler,
  Default_Handler, /* NMI */
  Default_Handler, /* HardFault */
  Default_Handler, /* MemManage */
  Default_Handler, /* BusFault */
  Default_Handler, /* UsageFault */
  0, 0, 0, 0,
  Default_Handler, /* SVCall */
  Default_Handler, /* DebugMonitor */
  0,
  Default_Handler, /* PendSV */
  SysTick_Handler,
};

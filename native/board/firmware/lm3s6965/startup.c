/* The LM3S6965's vector table and reset: copy .data from flash, zero .bss, paint the free RAM under the stack
 * with STACK_PAINT (a debugger, or the QEMU test, reads the stack's high-water mark off it), run main. */
#include <stdint.h>

extern uint32_t _sidata[], _sdata[], _edata[], _sbss[], _ebss[], _estack[];
int main(void);
void reset_handler(void);
void uart0_isr(void);
void systick_isr(void);

/* Faults and unexpected interrupts stop here, where a debugger finds them (without one the core locks up:
 * QEMU then exits, printing the registers). */
static void hang(void)
{
    for (;;)
        __asm volatile("bkpt #0");
}

#define UART0_IRQ 5
#define STACK_PAINT 0x5A5A5A5Au
#define PAINT_MARGIN_WORDS 16 /* left unpainted under the reset handler's own frame */

typedef void (*vector)(void);
__attribute__((section(".vectors"), used)) static const vector vectors[16 + UART0_IRQ + 1] = {
    (vector)(uintptr_t)_estack, reset_handler, hang, hang, hang, hang, hang, 0, 0, 0, 0, hang, hang, 0, hang,
    systick_isr, hang, hang, hang, hang, hang, uart0_isr,
};

void reset_handler(void)
{
    for (uint32_t *src = _sidata, *dst = _sdata; dst < _edata;)
        *dst++ = *src++;
    for (uint32_t *dst = _sbss; dst < _ebss;)
        *dst++ = 0;
    uint32_t *sp;
    __asm volatile("mov %0, sp" : "=r"(sp));
    for (uint32_t *dst = _ebss; dst < sp - PAINT_MARGIN_WORDS;)
        *dst++ = STACK_PAINT;
    main();
    hang();
}

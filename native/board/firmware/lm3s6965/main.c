/* zorka-c-board on a Stellaris LM3S6965 (QEMU's lm3s6965evb): the board protocol on UART0, received by
 * interrupt into the library's ring, answered from the main loop, which sleeps (WFI) when the ring is
 * empty. SysTick counts now_ms. */
#include <stdint.h>

#include "board.h"

#define BOARD_ID "qemu-lm3s6965"
#define SEED 0u
/* The system clock after reset, as QEMU models it (200 MHz PLL / 16: RCC's reset SYSDIV); on silicon, set
 * up the PLL first and put its rate here. */
#define SYSCLK_HZ 12500000u
#define UART_BAUD 115200u
#define UART0_IRQ 5

#define REG(addr) (*(volatile uint32_t *)(addr))
#define SYSCTL_RCGC1 REG(0x400FE104u) /* bit 0: UART0 clock */
#define SYSCTL_RCGC2 REG(0x400FE108u) /* bit 0: GPIO port A clock */
#define GPIOA_AFSEL REG(0x40004420u)  /* PA0 = U0Rx, PA1 = U0Tx */
#define GPIOA_DEN REG(0x4000451Cu)
#define UART0 0x4000C000u
#define UART_DR REG(UART0 + 0x000u)
#define UART_FR REG(UART0 + 0x018u)
#define UART_IBRD REG(UART0 + 0x024u)
#define UART_FBRD REG(UART0 + 0x028u)
#define UART_LCRH REG(UART0 + 0x02Cu)
#define UART_CTL REG(UART0 + 0x030u)
#define UART_IMSC REG(UART0 + 0x038u)
#define UART_ICR REG(UART0 + 0x044u)
#define FR_RXFE (1u << 4)
#define FR_TXFF (1u << 5)
#define LCRH_8N1_FIFO (3u << 5 | 1u << 4)
#define CTL_UARTEN_TXE_RXE (1u << 0 | 1u << 8 | 1u << 9)
#define INT_RX_RT (1u << 4 | 1u << 6) /* receive (FIFO level) and receive timeout */
#define SYST_CSR REG(0xE000E010u)
#define SYST_RVR REG(0xE000E014u)
#define SYST_CVR REG(0xE000E018u)
#define NVIC_ISER0 REG(0xE000E100u)

void uart0_isr(void);
void systick_isr(void);

static zb_board board; /* the library's RAM (~30 KB), in .bss */
static volatile uint32_t ticks_ms;

void systick_isr(void) { ticks_ms++; }

/* Every received byte into the board's ring (the FIFO drained, so one interrupt per burst). */
void uart0_isr(void)
{
    UART_ICR = INT_RX_RT;
    while (!(UART_FR & FR_RXFE))
        zb_board_rx(&board, (uint8_t)UART_DR);
}

static void uart_write(void *ctx, const uint8_t *data, size_t n)
{
    (void)ctx;
    for (size_t k = 0; k < n; k++) {
        while (UART_FR & FR_TXFF)
            ;
        UART_DR = data[k];
    }
}

static void uart_init(void)
{
    SYSCTL_RCGC1 |= 1u;
    SYSCTL_RCGC2 |= 1u;
    GPIOA_AFSEL |= 3u;
    GPIOA_DEN |= 3u;
    UART_CTL = 0;
    /* Divisor SYSCLK / (16 * baud) as 16.6 fixed point, rounded. */
    const uint32_t div64 = (SYSCLK_HZ * 4u + UART_BAUD / 2u) / UART_BAUD;
    UART_IBRD = div64 >> 6;
    UART_FBRD = div64 & 63u;
    UART_LCRH = LCRH_8N1_FIFO;
    UART_IMSC = INT_RX_RT;
    UART_CTL = CTL_UARTEN_TXE_RXE;
    NVIC_ISER0 = 1u << UART0_IRQ;
}

int main(void)
{
    zb_board_init(&board, BOARD_ID, SEED);
    SYST_RVR = SYSCLK_HZ / 1000u - 1u;
    SYST_CVR = 0;
    SYST_CSR = 7u; /* processor clock, interrupt, enable */
    uart_init();
    for (;;) {
        zb_board_poll(&board, ticks_ms, uart_write, 0);
        /* Sleep only if no byte came during the poll: a pending interrupt wakes WFI even when masked. */
        __asm volatile("cpsid i" ::: "memory");
        if (board.head == board.tail)
            __asm volatile("wfi");
        __asm volatile("cpsie i" ::: "memory");
    }
}

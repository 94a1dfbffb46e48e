/*
 * Startup code for the nRF52840 image: the vector table placed at the
 * application's start (0x26000, after the MBR and SoftDevice S140 6.1.1 of
 * the Adafruit bootloader layout), the reset handler (.data copy, .bss
 * clear, FPU on, VTOR), and fault handlers that keep a record in RAM that
 * survives the reset (.noinit) so the next boot can report it.
 */
#include <stdint.h>
#include <string.h>

#include "nrf_port.h"

/* Linker script symbols (rak4631.ld). */
extern uint32_t __data_load, __data_start, __data_end, __bss_start, __bss_end, __stack_top;

int main(void);
void nrf_reset_handler(void);
void nrf_reset_c(void);
void nrf_default_handler(void);
void nrf_fault_handler(void);
void nrf_fault_record(uint32_t *frame, uint32_t kind);

/* Peripheral handlers the port defines; the rest go to the default one. */
void POWER_CLOCK_IRQHandler(void) __attribute__((weak, alias("nrf_default_handler")));
void UARTE0_IRQHandler(void) __attribute__((weak, alias("nrf_default_handler")));
void GPIOTE_IRQHandler(void) __attribute__((weak, alias("nrf_default_handler")));
void RTC1_IRQHandler(void) __attribute__((weak, alias("nrf_default_handler")));
void USBD_IRQHandler(void) __attribute__((weak, alias("nrf_default_handler")));
void UARTE1_IRQHandler(void) __attribute__((weak, alias("nrf_default_handler")));

/* The fault record: in .noinit, which the reset handler leaves alone, so
 * a fault's record is still there after the reset it causes. */
__attribute__((section(".noinit"))) static struct nrf_fault_record fault_rec;

typedef void (*vector_fn)(void);

/* 16 system exceptions + 48 peripheral interrupts (PS "Peripheral
 * interface": IDs 0..47); USBD is ID 39. */
__attribute__((section(".vectors"), used)) static const vector_fn vectors[16 + NRF_IRQ_COUNT] = {
    [0] = (vector_fn)(uintptr_t)&__stack_top,
    [1] = nrf_reset_handler,
    [2] = nrf_default_handler,  /* NMI */
    [3] = nrf_fault_handler,    /* HardFault */
    [4] = nrf_fault_handler,    /* MemManage */
    [5] = nrf_fault_handler,    /* BusFault */
    [6] = nrf_fault_handler,    /* UsageFault */
    [11] = nrf_default_handler, /* SVCall */
    [12] = nrf_default_handler, /* DebugMon */
    [14] = nrf_default_handler, /* PendSV */
    [15] = nrf_default_handler, /* SysTick */
    [16 + NRF_IRQ_POWER_CLOCK] = POWER_CLOCK_IRQHandler,
    [16 + NRF_IRQ_UARTE0] = UARTE0_IRQHandler,
    [16 + NRF_IRQ_GPIOTE] = GPIOTE_IRQHandler,
    [16 + NRF_IRQ_RTC1] = RTC1_IRQHandler,
    [16 + 39] = USBD_IRQHandler,
    [16 + NRF_IRQ_UARTE1] = UARTE1_IRQHandler,
};

/* The bootloader may jump here with its own stack: take ours first (the
 * C part below then has a frame on it). */
__attribute__((naked)) void nrf_reset_handler(void)
{
	__asm volatile("ldr r0, =__stack_top\n"
	               "msr msp, r0\n"
	               "b nrf_reset_c\n");
}

void nrf_reset_c(void)
{
	/* Word copies: the linker script aligns these to 4. */
	uint32_t *src = &__data_load;
	for (uint32_t *dst = &__data_start; dst < &__data_end;)
		*dst++ = *src++;
	for (uint32_t *dst = &__bss_start; dst < &__bss_end;)
		*dst++ = 0;
	/* CP10 and CP11 full access: the hard-float ABI uses the FPU. */
	NRF_REG(SCB_CPACR, 0) |= 0xFu << 20;
	__asm volatile("dsb\n isb" ::: "memory");
	/* Nothing the bootloader left running may interrupt us: an enabled
	 * interrupt without a handler here would land in the default handler
	 * (a fault record and a reset) at every boot. */
	NRF_REG(SYST_CSR, 0) = 0;
	for (uint32_t i = 0; i < 2; i++) {
		NRF_REG(NVIC_ICER0 + 4u * i, 0) = 0xFFFFFFFFu;
		NRF_REG(NVIC_ICPR0 + 4u * i, 0) = 0xFFFFFFFFu;
	}
	/* Our table, whatever the bootloader left in VTOR: the SoftDevice is
	 * never enabled, so nothing needs its forwarding. */
	NRF_REG(SCB_VTOR, 0) = (uint32_t)(uintptr_t)vectors;
	/* MemManage, BusFault and UsageFault get their own record kind. */
	NRF_REG(SCB_SHCSR, 0) |= SCB_SHCSR_FAULTS_ENA;
	/* A bootloader may jump here with interrupts masked. */
	__asm volatile("cpsie i" ::: "memory");
	main();
	nrf_reset(0);
}

void nrf_default_handler(void)
{
	/* An interrupt nobody enabled: record it as a fault, then reset. */
	uint32_t ipsr;
	__asm volatile("mrs %0, ipsr" : "=r"(ipsr));
	nrf_fault_record(NULL, ipsr & 0x1FFu);
}

/* Finds the exception frame (MSP or PSP by EXC_RETURN bit 2) and records
 * it; naked so the stack pointer is the one the fault left. */
__attribute__((naked)) void nrf_fault_handler(void)
{
	__asm volatile("tst lr, #4\n"
	               "ite eq\n"
	               "mrseq r0, msp\n"
	               "mrsne r0, psp\n"
	               "mrs r1, ipsr\n"
	               "b nrf_fault_record\n");
}

void nrf_fault_record(uint32_t *frame, uint32_t kind)
{
	uint32_t count = fault_rec.magic == NRF_FAULT_MAGIC ? fault_rec.count : 0;
	fault_rec.kind = kind & 0x1FFu;
	/* The stacked frame: r0 r1 r2 r3 r12 lr pc xpsr.  A frame outside RAM
	 * (a stack overflow) is not read. */
	uintptr_t f = (uintptr_t)frame;
	if (frame && f >= 0x20000000u && f + 32u <= (uintptr_t)&__stack_top) {
		fault_rec.lr = frame[5];
		fault_rec.pc = frame[6];
		fault_rec.psr = frame[7];
	} else {
		fault_rec.lr = fault_rec.pc = fault_rec.psr = 0;
	}
	fault_rec.cfsr = NRF_REG(SCB_CFSR, 0);
	fault_rec.hfsr = NRF_REG(SCB_HFSR, 0);
	fault_rec.mmfar = NRF_REG(SCB_MMFAR, 0);
	fault_rec.bfar = NRF_REG(SCB_BFAR, 0);
	fault_rec.count = count + 1;
	fault_rec.magic = NRF_FAULT_MAGIC;
	nrf_reset(0);
}

const struct nrf_fault_record *nrf_fault_take(void)
{
	static struct nrf_fault_record last;
	if (fault_rec.magic != NRF_FAULT_MAGIC)
		return NULL;
	last = fault_rec;
	fault_rec.magic = 0; /* reported once; count restarts at power-on */
	return &last;
}

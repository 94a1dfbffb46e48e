/*
 * The nRF52840 port of the firmware core: what its files share.  The
 * port fills struct wisfw_hal (core/hal.h) with hooks on the real
 * peripherals; main.c owns the loop.  Every wait is bounded (a cycle
 * counter deadline) and returns a status; nothing allocates.
 *
 * Instances used:  RTC1 timebase + alarm, GPIOTE (8 channels) + PORT/SENSE,
 * SAADC, TWIM0/TWIM1 (I2C1/I2C2), SPIM2 (the SX1262), SPIM3 (IO slot and
 * the external flash, which share pins), UARTE0/UARTE1, NVMC, WDT.
 */
#ifndef WISFW_NRF_PORT_H
#define WISFW_NRF_PORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hal.h"
#include "nrf52840.h"

#define NRF_CPU_HZ 64000000u

/* ---- CPU helpers (ARMv7-M) ---- */
static inline uint32_t nrf_irq_save(void)
{
	uint32_t primask;
	__asm volatile("mrs %0, primask\n cpsid i" : "=r"(primask)::"memory");
	return primask;
}

static inline void nrf_irq_restore(uint32_t primask)
{
	__asm volatile("msr primask, %0" ::"r"(primask) : "memory");
}

static inline void nrf_nvic_enable(unsigned irq)
{
	NRF_REG(NVIC_ICPR0 + 4u * (irq / 32u), 0) = 1u << (irq % 32u);
	NRF_REG(NVIC_ISER0 + 4u * (irq / 32u), 0) = 1u << (irq % 32u);
}

static inline void nrf_nvic_disable(unsigned irq)
{
	NRF_REG(NVIC_ICER0 + 4u * (irq / 32u), 0) = 1u << (irq % 32u);
}

/* Pin number (0..47) to its port's base and bit. */
static inline uint32_t nrf_port_base(uint8_t nrf)
{
	return nrf < 32 ? NRF_P0_BASE : NRF_P1_BASE;
}

/* ---- nrf_sys.c: clocks, timebase, watchdog, reset, ids, NVMC ---- */
/* HFXO (USB needs it) and LFXO, then RTC1 counting; returns false if a
 * crystal did not start in time (the LFRC is then used for the RTC). */
bool nrf_clocks_init(void);
/* Cycle counter for bounded waits (DWT CYCCNT, 64 MHz). */
void nrf_cycles_init(void);
uint32_t nrf_cycles(void);
/* Spins until *reg (a peripheral event) is non-zero or timeout_us passes;
 * true if it came. */
bool nrf_wait_event(uint32_t reg, uint32_t timeout_us);
void nrf_delay_us(uint32_t us);
uint64_t nrf_now_us(void);
void nrf_alarm_at(uint64_t t_us);
/* Set by the RTC compare interrupt, cleared by the main loop. */
bool nrf_alarm_fired(void);
void nrf_wdt_start(uint32_t timeout_ms);
void nrf_wdt_feed(void);
/* RESETREAS read once at boot (and cleared), mapped to enum wis_reset_cause. */
uint32_t nrf_resetreas(void);
uint8_t nrf_reset_cause(uint32_t resetreas);
/* GPREGRET = value (0 for a plain reset), then SYSRESETREQ. */
__attribute__((noreturn)) void nrf_reset(uint8_t gpregret);
void nrf_device_id(uint8_t id[8]);
/* UICR.NFCPINS: makes P0.09/P0.10 GPIOs (programmed once; takes a reset to
 * apply).  1: they are GPIOs now; 0: just programmed, reset to apply;
 * -1: the word could not be programmed (the pads stay NFC). */
int nrf_nfcpins_gpio(void);
extern const struct wisfw_iflash nrf_iflash;

/* ---- nrf_gpio.c ---- */
extern const struct wisfw_gpio nrf_gpio;
/* Edges the GPIOTE/PORT interrupt recorded, handed to the core from the
 * main loop; true if any. */
struct wisfw_core;
bool nrf_gpio_deliver(struct wisfw_core *c);
/* A peripheral takes (or gives back) a pin: gpio.config of that pin then
 * first detaches the peripheral (release_cb). */
void nrf_pin_attach(uint8_t nrf, void (*release_cb)(uint8_t nrf));
void nrf_pin_detach(uint8_t nrf);
/* The pin that switches a power rail (RAK4631: IO2 = P1.02, 3V3_S): driven
 * high now, and whenever the core disables (releases) it. */
void nrf_gpio_set_rail(uint8_t nrf);
/* PIN_CNF for a peripheral pin: output (push-pull or S0D1) or input. */
void nrf_pin_cfg(uint8_t nrf, uint32_t cnf);
static inline uint32_t nrf_psel(uint8_t nrf)
{
	return nrf; /* PSEL: pin bits 0..4, port bit 5 = nrf for 0..47 */
}

/* ---- nrf_saadc.c ---- */
extern const struct wisfw_adc nrf_adc;

/* ---- nrf_bus.c: TWIM0/1, SPIM2 (radio), SPIM3 (IO slot, flash) ---- */
extern const struct wisfw_i2c nrf_i2c;
extern const struct wisfw_spi nrf_spi;
extern const struct wisfw_spi nrf_radio_spi;
/* SPIM FREQUENCY value for the fastest rate <= hz (125 kHz .. 8 MHz);
 * 0 if hz < 125 kHz.  Exposed for the host test. */
uint32_t nrf_spim_freq(uint32_t hz);

/* RTC1 timebase arithmetic (nrf_calc.c, host-tested): the 64-bit tick
 * count from the overflow count and the 24-bit counter (read once, the
 * overflow event, read again), ticks to µs (down) and µs to ticks (up). */
uint64_t nrf_rtc_extend(uint32_t overflows, uint32_t cnt, bool ovf_pending, uint32_t cnt_again);
uint64_t nrf_ticks_to_us(uint64_t ticks);
uint64_t nrf_us_to_ticks_ceil(uint64_t us);

/* ---- nrf_uarte.c ---- */
extern const struct wisfw_uart nrf_uart;
/* UARTE BAUDRATE value for baud: the PS table's value for a listed rate, the
 * generator formula otherwise.
 * Exposed for the host test. */
uint32_t nrf_uarte_baud(uint32_t baud);

/* ---- startup.c: the fault record kept across reset ---- */
struct nrf_fault_record {
	uint32_t magic; /* NRF_FAULT_MAGIC when the rest is valid */
	uint32_t kind;  /* exception number: 3 HardFault .. 6 UsageFault */
	uint32_t pc, lr, psr;
	uint32_t cfsr, hfsr, mmfar, bfar;
	uint32_t count; /* faults since power-on */
};
#define NRF_FAULT_MAGIC 0x46415554u /* "FAUT" */
/* The record left by the last fault, or NULL; consumed (cleared) by the
 * call so a later reset does not report it again. */
const struct nrf_fault_record *nrf_fault_take(void);

#endif

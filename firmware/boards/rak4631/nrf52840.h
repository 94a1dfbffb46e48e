/*
 * nRF52840 registers used by the wisrpc port, written from the nRF52840
 * Product Specification v1.7 (PS): base addresses from the "Memory" chapter's
 * instantiation table, offsets and field values from each peripheral
 * chapter's "Registers" section, cited per block by chapter title (the
 * section numbers shift between PS revisions; the titles do not).  Only what the port uses is here;
 * no vendor header is used.  Plain integer macros (no volatile structs) so
 * that the host test tests/board/test_nrf52840_regs.c can check every
 * value against an independent table of the documented ones.
 */
#ifndef WISFW_NRF52840_H
#define WISFW_NRF52840_H

#include <stdint.h>

/* Register access: base + offset (target only; the host test reads the
 * numbers, never the registers). */
#define NRF_REG(base, off) (*(volatile uint32_t *)((uintptr_t)(base) + (uintptr_t)(off)))

/* ---- Instances (PS "Memory", instantiation table) ---- */
#define NRF_FICR_BASE 0x10000000u
#define NRF_UICR_BASE 0x10001000u
#define NRF_CLOCK_BASE 0x40000000u /* CLOCK and POWER share this ID */
#define NRF_POWER_BASE 0x40000000u
#define NRF_UARTE0_BASE 0x40002000u
#define NRF_TWIM0_BASE 0x40003000u /* shared ID with SPIM0: used as TWIM0 */
#define NRF_TWIM1_BASE 0x40004000u /* shared ID with SPIM1: used as TWIM1 */
#define NRF_GPIOTE_BASE 0x40006000u
#define NRF_SAADC_BASE 0x40007000u
#define NRF_WDT_BASE 0x40010000u
#define NRF_RTC1_BASE 0x40011000u
#define NRF_NVMC_BASE 0x4001E000u
#define NRF_SPIM2_BASE 0x40023000u
#define NRF_UARTE1_BASE 0x40028000u
#define NRF_SPIM3_BASE 0x4002F000u
#define NRF_P0_BASE 0x50000000u
#define NRF_P1_BASE 0x50000300u

/* Peripheral IDs = IRQ numbers (PS "Peripheral interface": ID = (base >> 12) & 0x3F). */
#define NRF_IRQ_POWER_CLOCK 0
#define NRF_IRQ_UARTE0 2
#define NRF_IRQ_GPIOTE 6
#define NRF_IRQ_RTC1 17
#define NRF_IRQ_UARTE1 40
#define NRF_IRQ_COUNT 48 /* IDs 0..47 are the nRF52840's interrupts */

/* ---- FICR (PS "FICR" chapter, Registers) ---- */
#define FICR_CODEPAGESIZE 0x010u
#define FICR_CODESIZE 0x014u
#define FICR_DEVICEID0 0x060u
#define FICR_DEVICEID1 0x064u

/* ---- UICR (PS "UICR" chapter, Registers) ---- */
#define UICR_NFCPINS 0x20Cu
#define UICR_NFCPINS_PROTECT_NFC 1u /* bit 0: 1 = NFC antenna, 0 = GPIO */

/* ---- CLOCK (PS "CLOCK" chapter, Registers) ---- */
#define CLOCK_TASKS_HFCLKSTART 0x000u
#define CLOCK_TASKS_LFCLKSTART 0x008u
#define CLOCK_TASKS_LFCLKSTOP 0x00Cu
#define CLOCK_EVENTS_HFCLKSTARTED 0x100u
#define CLOCK_EVENTS_LFCLKSTARTED 0x104u
#define CLOCK_HFCLKSTAT 0x40Cu
#define CLOCK_LFCLKSTAT 0x418u
#define CLOCK_LFCLKSRC 0x518u
#define CLOCK_HFCLKSTAT_SRC_XTAL 1u      /* bit 0 */
#define CLOCK_HFCLKSTAT_STATE (1u << 16) /* running */
#define CLOCK_LFCLKSTAT_SRC_MASK 3u      /* 0 RC, 1 Xtal, 2 Synth */
#define CLOCK_LFCLKSTAT_STATE (1u << 16)
#define CLOCK_LFCLKSRC_RC 0u
#define CLOCK_LFCLKSRC_XTAL 1u

/* ---- POWER (PS "POWER" chapter, Registers) ---- */
#define POWER_RESETREAS 0x400u
#define POWER_GPREGRET 0x51Cu
#define POWER_DCDCEN 0x578u
#define POWER_RESETREAS_RESETPIN (1u << 0)
#define POWER_RESETREAS_DOG (1u << 1)
#define POWER_RESETREAS_SREQ (1u << 2)
#define POWER_RESETREAS_LOCKUP (1u << 3)
#define POWER_RESETREAS_OFF (1u << 16)
#define POWER_RESETREAS_VBUS (1u << 20)

/* ---- GPIO (PS "GPIO" chapter, Registers: offsets from the port's base) ---- */
#define GPIO_OUTSET 0x508u
#define GPIO_OUTCLR 0x50Cu
#define GPIO_IN 0x510u
#define GPIO_LATCH 0x520u
#define GPIO_DETECTMODE 0x524u
#define GPIO_PIN_CNF0 0x700u /* PIN_CNF[n] at 0x700 + 4n */
#define GPIO_CNF_DIR_OUT (1u << 0)
#define GPIO_CNF_INPUT_DISCONNECT (1u << 1)
#define GPIO_CNF_PULL_DOWN (1u << 2)
#define GPIO_CNF_PULL_UP (3u << 2)
#define GPIO_CNF_DRIVE_S0S1 (0u << 8)
#define GPIO_CNF_DRIVE_H0H1 (3u << 8)
#define GPIO_CNF_DRIVE_S0D1 (6u << 8) /* open drain: standard 0, disconnect 1 */
#define GPIO_CNF_SENSE_HIGH (2u << 16)
#define GPIO_CNF_SENSE_LOW (3u << 16)
#define GPIO_CNF_SENSE_MASK (3u << 16)

/* ---- GPIOTE (PS "GPIOTE" chapter, Registers) ---- */
#define GPIOTE_EVENTS_IN0 0x100u /* EVENTS_IN[n] at 0x100 + 4n, n = 0..7 */
#define GPIOTE_EVENTS_PORT 0x17Cu
#define GPIOTE_INTENSET 0x304u
#define GPIOTE_INTENCLR 0x308u
#define GPIOTE_CONFIG0 0x510u /* CONFIG[n] at 0x510 + 4n */
#define GPIOTE_CHANNELS 8
#define GPIOTE_CONFIG_MODE_EVENT 1u
#define GPIOTE_CONFIG_PSEL_SHIFT 8  /* bits 8..12 */
#define GPIOTE_CONFIG_PORT_SHIFT 13 /* bit 13 */
#define GPIOTE_CONFIG_POL_TOGGLE (3u << 16)
#define GPIOTE_INTEN_PORT (1u << 31)

/* ---- RTC (PS "RTC" chapter, Registers) ---- */
#define RTC_TASKS_START 0x000u
#define RTC_TASKS_STOP 0x004u
#define RTC_TASKS_CLEAR 0x008u
#define RTC_EVENTS_OVRFLW 0x104u
#define RTC_EVENTS_COMPARE0 0x140u
#define RTC_INTENSET 0x304u
#define RTC_INTENCLR 0x308u
#define RTC_EVTENSET 0x344u
#define RTC_COUNTER 0x504u
#define RTC_PRESCALER 0x508u
#define RTC_CC0 0x540u
#define RTC_INT_OVRFLW (1u << 1)
#define RTC_INT_COMPARE0 (1u << 16)
#define RTC_COUNTER_MASK 0xFFFFFFu /* 24 bits */

/* ---- WDT (PS "WDT" chapter, Registers) ---- */
#define WDT_TASKS_START 0x000u
#define WDT_RUNSTATUS 0x400u
#define WDT_CRV 0x504u
#define WDT_RREN 0x508u
#define WDT_CONFIG 0x50Cu
#define WDT_RR0 0x600u
#define WDT_RR_RELOAD 0x6E524635u
#define WDT_CONFIG_SLEEP_RUN (1u << 0)

/* ---- NVMC (PS "NVMC" chapter, Registers) ---- */
#define NVMC_READY 0x400u
#define NVMC_CONFIG 0x504u
#define NVMC_ERASEPAGE 0x508u
#define NVMC_CONFIG_REN 0u
#define NVMC_CONFIG_WEN 1u
#define NVMC_CONFIG_EEN 2u

/* ---- SAADC (PS "SAADC" chapter, Registers) ---- */
#define SAADC_TASKS_START 0x000u
#define SAADC_TASKS_SAMPLE 0x004u
#define SAADC_TASKS_STOP 0x008u
#define SAADC_TASKS_CALIBRATEOFFSET 0x00Cu
#define SAADC_EVENTS_STARTED 0x100u
#define SAADC_EVENTS_END 0x104u
#define SAADC_EVENTS_CALIBRATEDONE 0x110u
#define SAADC_EVENTS_STOPPED 0x114u
#define SAADC_ENABLE 0x500u
#define SAADC_CH0_PSELP 0x510u /* CH[n] at 0x510 + 16n */
#define SAADC_CH0_PSELN 0x514u
#define SAADC_CH0_CONFIG 0x518u
#define SAADC_RESOLUTION 0x5F0u
#define SAADC_OVERSAMPLE 0x5F4u
#define SAADC_SAMPLERATE 0x5F8u
#define SAADC_RESULT_PTR 0x62Cu
#define SAADC_RESULT_MAXCNT 0x630u
#define SAADC_RESULT_AMOUNT 0x634u
#define SAADC_PSEL_AIN0 1u /* AINn = n + 1 */
#define SAADC_CONFIG_GAIN_SHIFT 8
#define SAADC_CONFIG_REFSEL_VDD4 (1u << 12)
#define SAADC_CONFIG_TACQ_40US (5u << 16)
#define SAADC_CONFIG_BURST (1u << 24)
#define SAADC_RES_8 0u /* 10: 1, 12: 2, 14: 3 */

/* ---- TWIM (PS "TWIM" chapter, Registers) ---- */
#define TWIM_TASKS_STARTRX 0x000u
#define TWIM_TASKS_STARTTX 0x008u
#define TWIM_TASKS_STOP 0x014u
#define TWIM_EVENTS_STOPPED 0x104u
#define TWIM_EVENTS_ERROR 0x124u
#define TWIM_EVENTS_LASTRX 0x15Cu
#define TWIM_EVENTS_LASTTX 0x160u
#define TWIM_SHORTS 0x200u
#define TWIM_ERRORSRC 0x4C4u
#define TWIM_ENABLE 0x500u
#define TWIM_PSEL_SCL 0x508u
#define TWIM_PSEL_SDA 0x50Cu
#define TWIM_FREQUENCY 0x524u
#define TWIM_RXD_PTR 0x534u
#define TWIM_RXD_MAXCNT 0x538u
#define TWIM_RXD_AMOUNT 0x53Cu
#define TWIM_TXD_PTR 0x544u
#define TWIM_TXD_MAXCNT 0x548u
#define TWIM_TXD_AMOUNT 0x54Cu
#define TWIM_ADDRESS 0x588u
#define TWIM_ENABLE_ON 6u
#define TWIM_FREQ_K100 0x01980000u
#define TWIM_FREQ_K400 0x06400000u
#define TWIM_SHORTS_LASTTX_STARTRX (1u << 7)
#define TWIM_SHORTS_LASTTX_STOP (1u << 9)
#define TWIM_SHORTS_LASTRX_STOP (1u << 12)
#define TWIM_ERRORSRC_OVERRUN (1u << 0)
#define TWIM_ERRORSRC_ANACK (1u << 1)
#define TWIM_ERRORSRC_DNACK (1u << 2)

/* ---- SPIM (PS "SPIM" chapter, Registers) ---- */
#define SPIM_TASKS_START 0x010u
#define SPIM_TASKS_STOP 0x014u
#define SPIM_EVENTS_STOPPED 0x104u
#define SPIM_EVENTS_END 0x118u
#define SPIM_ENABLE 0x500u
#define SPIM_PSEL_SCK 0x508u
#define SPIM_PSEL_MOSI 0x50Cu
#define SPIM_PSEL_MISO 0x510u
#define SPIM_FREQUENCY 0x524u
#define SPIM_RXD_PTR 0x534u
#define SPIM_RXD_MAXCNT 0x538u
#define SPIM_TXD_PTR 0x544u
#define SPIM_TXD_MAXCNT 0x548u
#define SPIM_CONFIG 0x554u
#define SPIM_ORC 0x5C0u
#define SPIM_ENABLE_ON 7u
#define SPIM_FREQ_K125 0x02000000u /* K250 0x04000000 ... M8 0x80000000: x2 per step */
#define SPIM_FREQ_M8 0x80000000u
#define SPIM_CONFIG_CPHA (1u << 1)
#define SPIM_CONFIG_CPOL (1u << 2)

/* ---- UARTE (PS "UARTE" chapter, Registers) ---- */
#define UARTE_TASKS_STARTRX 0x000u
#define UARTE_TASKS_STOPRX 0x004u
#define UARTE_TASKS_STARTTX 0x008u
#define UARTE_TASKS_STOPTX 0x00Cu
#define UARTE_TASKS_FLUSHRX 0x02Cu
#define UARTE_EVENTS_RXDRDY 0x108u
#define UARTE_EVENTS_ENDRX 0x110u
#define UARTE_EVENTS_ENDTX 0x120u
#define UARTE_EVENTS_ERROR 0x124u
#define UARTE_EVENTS_RXTO 0x144u
#define UARTE_EVENTS_TXSTOPPED 0x158u
#define UARTE_INTENSET 0x304u
#define UARTE_INTENCLR 0x308u
#define UARTE_ERRORSRC 0x480u
#define UARTE_ENABLE 0x500u
#define UARTE_PSEL_TXD 0x50Cu
#define UARTE_PSEL_RXD 0x514u
#define UARTE_BAUDRATE 0x524u
#define UARTE_RXD_PTR 0x534u
#define UARTE_RXD_MAXCNT 0x538u
#define UARTE_RXD_AMOUNT 0x53Cu
#define UARTE_TXD_PTR 0x544u
#define UARTE_TXD_MAXCNT 0x548u
#define UARTE_TXD_AMOUNT 0x54Cu
#define UARTE_CONFIG 0x56Cu
#define UARTE_ENABLE_ON 8u
#define UARTE_INT_RXDRDY (1u << 2)
#define UARTE_INT_ENDRX (1u << 4)
#define UARTE_INT_ENDTX (1u << 8)
#define UARTE_INT_ERROR (1u << 9)
#define UARTE_INT_RXTO (1u << 17)
#define UARTE_CONFIG_PARITY_INCLUDED (7u << 1)
#define UARTE_CONFIG_STOP_TWO (1u << 4)
#define UARTE_CONFIG_PARITYTYPE_ODD (1u << 8)

/* PSEL registers: pin in bits 0..4, port in bit 5, bit 31 = disconnected. */
#define NRF_PSEL_DISCONNECTED 0xFFFFFFFFu

/* ---- Cortex-M4 system control (ARMv7-M ARM B3.2) ---- */
#define SCB_VTOR 0xE000ED08u
#define SCB_AIRCR 0xE000ED0Cu
#define SCB_SCR 0xE000ED10u
#define SCB_SHCSR 0xE000ED24u
#define SCB_CFSR 0xE000ED28u
#define SCB_HFSR 0xE000ED2Cu
#define SCB_MMFAR 0xE000ED34u
#define SCB_BFAR 0xE000ED38u
#define SCB_CPACR 0xE000ED88u
#define SYST_CSR 0xE000E010u
#define NVIC_ISER0 0xE000E100u
#define NVIC_ICER0 0xE000E180u
#define NVIC_ICPR0 0xE000E280u
#define DEMCR 0xE000EDFCu
#define DWT_CTRL 0xE0001000u
#define DWT_CYCCNT 0xE0001004u
#define DEMCR_TRCENA (1u << 24)
#define DWT_CTRL_CYCCNTENA 1u
#define SCB_AIRCR_SYSRESETREQ (0x05FA0000u | (1u << 2))
#define SCB_SCR_SEVONPEND (1u << 4)
#define SCB_SHCSR_FAULTS_ENA (7u << 16) /* MEMFAULTENA, BUSFAULTENA, USGFAULTENA */

/* Adafruit nRF52 bootloader: GPREGRET values it reads at reset
 * (shared/hardware.md [B]). */
#define NRF_GPREGRET_UF2 0x57u
#define NRF_GPREGRET_SERIAL_DFU 0x4Eu

#endif

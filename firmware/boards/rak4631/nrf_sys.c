/*
 * nRF52840 system part of the port: clocks (HFXO for USB, LFXO for the
 * RTC), the µs timebase on RTC1 (24-bit counter extended to 64 bits by
 * counting overflows) with its one-shot alarm on CC[0], bounded waits on
 * the DWT cycle counter, the watchdog, reset reason and GPREGRET, FICR
 * DEVICEID, and the NVMC (internal-flash store hooks, UICR.NFCPINS).
 */
#include <string.h>

#include "flash_state.h"
#include "nrf_port.h"
#include "wisrpc/protocol.h"

/* HFXO starts in ~0.36 ms typ., LFXO in ~0.25 s typ. (PS "CLOCK",
 * electrical specification); the bounds leave a wide margin. */
#define HFXO_TIMEOUT_US 10000u
#define LFXO_TIMEOUT_US 1000000u

static volatile uint32_t rtc_overflows;
static volatile bool alarm_flag;
static uint64_t alarm_ticks = UINT64_MAX;

void nrf_cycles_init(void)
{
	NRF_REG(DEMCR, 0) |= DEMCR_TRCENA;
	NRF_REG(DWT_CYCCNT, 0) = 0;
	NRF_REG(DWT_CTRL, 0) |= DWT_CTRL_CYCCNTENA;
}

uint32_t nrf_cycles(void)
{
	return NRF_REG(DWT_CYCCNT, 0);
}

bool nrf_wait_event(uint32_t reg, uint32_t timeout_us)
{
	uint32_t start = nrf_cycles();
	uint32_t limit = timeout_us * (NRF_CPU_HZ / 1000000u);
	while (NRF_REG(reg, 0) == 0)
		if (nrf_cycles() - start > limit)
			return NRF_REG(reg, 0) != 0;
	return true;
}

void nrf_delay_us(uint32_t us)
{
	uint32_t start = nrf_cycles();
	uint32_t limit = us * (NRF_CPU_HZ / 1000000u);
	while (nrf_cycles() - start < limit)
		;
}

bool nrf_clocks_init(void)
{
	bool ok = true;
	nrf_cycles_init();
	/* HFXO: the USBD needs the crystal (PS "USBD": HFCLK from HFXO). */
	NRF_REG(NRF_CLOCK_BASE, CLOCK_EVENTS_HFCLKSTARTED) = 0;
	NRF_REG(NRF_CLOCK_BASE, CLOCK_TASKS_HFCLKSTART) = 1;
	ok &= nrf_wait_event(NRF_CLOCK_BASE + CLOCK_EVENTS_HFCLKSTARTED, HFXO_TIMEOUT_US);
	/* LFXO: 20 ppm crystal, the timebase's accuracy (the RC is 500 ppm
	 * uncalibrated).  If it does not start, the LFRC keeps the module
	 * usable and the result says so. */
	uint32_t stat = NRF_REG(NRF_CLOCK_BASE, CLOCK_LFCLKSTAT);
	if (!(stat & CLOCK_LFCLKSTAT_STATE) ||
	    (stat & CLOCK_LFCLKSTAT_SRC_MASK) != CLOCK_LFCLKSRC_XTAL) {
		/* LFCLKSRC may only change while LFCLK is stopped (PS "CLOCK");
		 * the bootloader may have left it running from the RC. */
		if (stat & CLOCK_LFCLKSTAT_STATE) {
			NRF_REG(NRF_CLOCK_BASE, CLOCK_TASKS_LFCLKSTOP) = 1;
			uint32_t start = nrf_cycles();
			while ((NRF_REG(NRF_CLOCK_BASE, CLOCK_LFCLKSTAT) & CLOCK_LFCLKSTAT_STATE) &&
			       nrf_cycles() - start < 1000u * (NRF_CPU_HZ / 1000000u))
				;
		}
		NRF_REG(NRF_CLOCK_BASE, CLOCK_LFCLKSRC) = CLOCK_LFCLKSRC_XTAL;
		NRF_REG(NRF_CLOCK_BASE, CLOCK_EVENTS_LFCLKSTARTED) = 0;
		NRF_REG(NRF_CLOCK_BASE, CLOCK_TASKS_LFCLKSTART) = 1;
		if (!nrf_wait_event(NRF_CLOCK_BASE + CLOCK_EVENTS_LFCLKSTARTED, LFXO_TIMEOUT_US)) {
			ok = false;
			NRF_REG(NRF_CLOCK_BASE, CLOCK_LFCLKSRC) = CLOCK_LFCLKSRC_RC;
			NRF_REG(NRF_CLOCK_BASE, CLOCK_EVENTS_LFCLKSTARTED) = 0;
			NRF_REG(NRF_CLOCK_BASE, CLOCK_TASKS_LFCLKSTART) = 1;
			nrf_wait_event(NRF_CLOCK_BASE + CLOCK_EVENTS_LFCLKSTARTED, 10000u);
		}
	}
	/* RTC1 at 32768 Hz (PRESCALER 0): a 30.5 µs tick, overflow every
	 * 512 s, counted by the OVRFLW interrupt. */
	NRF_REG(NRF_RTC1_BASE, RTC_TASKS_STOP) = 1;
	NRF_REG(NRF_RTC1_BASE, RTC_TASKS_CLEAR) = 1;
	NRF_REG(NRF_RTC1_BASE, RTC_PRESCALER) = 0;
	NRF_REG(NRF_RTC1_BASE, RTC_EVENTS_OVRFLW) = 0;
	NRF_REG(NRF_RTC1_BASE, RTC_EVENTS_COMPARE0) = 0;
	NRF_REG(NRF_RTC1_BASE, RTC_INTENSET) = RTC_INT_OVRFLW | RTC_INT_COMPARE0;
	NRF_REG(NRF_RTC1_BASE, RTC_EVTENSET) = RTC_INT_OVRFLW | RTC_INT_COMPARE0;
	nrf_nvic_enable(NRF_IRQ_RTC1);
	NRF_REG(NRF_RTC1_BASE, RTC_TASKS_START) = 1;
	return ok;
}

/* 64-bit tick count.  An overflow whose interrupt has not run yet is
 * seen as the pending event: then the counter is read again, after the
 * wrap. */
static uint64_t ticks_now(void)
{
	uint32_t pm = nrf_irq_save();
	uint32_t ovf = rtc_overflows;
	uint32_t cnt = NRF_REG(NRF_RTC1_BASE, RTC_COUNTER);
	bool pending = NRF_REG(NRF_RTC1_BASE, RTC_EVENTS_OVRFLW) != 0;
	uint32_t again = pending ? NRF_REG(NRF_RTC1_BASE, RTC_COUNTER) : cnt;
	nrf_irq_restore(pm);
	return nrf_rtc_extend(ovf, cnt, pending, again);
}

uint64_t nrf_now_us(void)
{
	return nrf_ticks_to_us(ticks_now());
}

/* Programs CC[0] for the alarm, or for the next intermediate wake when it
 * is more than half the counter's range away (a compare is a 24-bit
 * match).  A CC less than 2 ticks ahead may not fire (PS "RTC", "Compare"),
 * so a near alarm fires at once in software. */
static void alarm_program(void)
{
	if (alarm_ticks == UINT64_MAX) {
		NRF_REG(NRF_RTC1_BASE, RTC_INTENCLR) = RTC_INT_COMPARE0;
		return;
	}
	uint64_t now = ticks_now();
	if (alarm_ticks <= now + 2u) {
		alarm_flag = true;
		__asm volatile("sev");
		return;
	}
	uint64_t target = alarm_ticks;
	if (target - now > (1u << 23))
		target = now + (1u << 23);
	NRF_REG(NRF_RTC1_BASE, RTC_CC0) = (uint32_t)target & RTC_COUNTER_MASK;
	NRF_REG(NRF_RTC1_BASE, RTC_INTENSET) = RTC_INT_COMPARE0;
	/* The counter may have passed the target while CC was written. */
	if (ticks_now() + 1u >= target) {
		alarm_flag = true;
		__asm volatile("sev");
	}
}

void nrf_alarm_at(uint64_t t_us)
{
	if (t_us == UINT64_MAX) {
		alarm_ticks = UINT64_MAX;
	} else {
		alarm_ticks = nrf_us_to_ticks_ceil(t_us);
	}
	uint32_t pm = nrf_irq_save();
	alarm_flag = false;
	alarm_program();
	nrf_irq_restore(pm);
}

bool nrf_alarm_fired(void)
{
	uint32_t pm = nrf_irq_save();
	bool f = alarm_flag;
	alarm_flag = false;
	nrf_irq_restore(pm);
	return f;
}

void RTC1_IRQHandler(void);
void RTC1_IRQHandler(void)
{
	if (NRF_REG(NRF_RTC1_BASE, RTC_EVENTS_OVRFLW)) {
		NRF_REG(NRF_RTC1_BASE, RTC_EVENTS_OVRFLW) = 0;
		rtc_overflows++;
	}
	if (NRF_REG(NRF_RTC1_BASE, RTC_EVENTS_COMPARE0)) {
		NRF_REG(NRF_RTC1_BASE, RTC_EVENTS_COMPARE0) = 0;
		if (alarm_ticks != UINT64_MAX && ticks_now() + 2u >= alarm_ticks)
			alarm_flag = true;
		else
			alarm_program(); /* an intermediate wake: aim again */
	}
}

/* ---- watchdog ---- */

void nrf_wdt_start(uint32_t timeout_ms)
{
	/* Once started the WDT cannot be stopped or reconfigured (PS "WDT"):
	 * after a soft reset it may already run with our settings. */
	if (NRF_REG(NRF_WDT_BASE, WDT_RUNSTATUS) & 1u)
		return;
	NRF_REG(NRF_WDT_BASE, WDT_CONFIG) = WDT_CONFIG_SLEEP_RUN; /* paused under a debugger */
	NRF_REG(NRF_WDT_BASE, WDT_CRV) = timeout_ms * 32768u / 1000u;
	NRF_REG(NRF_WDT_BASE, WDT_RREN) = 1u; /* RR[0] only */
	NRF_REG(NRF_WDT_BASE, WDT_TASKS_START) = 1;
}

void nrf_wdt_feed(void)
{
	NRF_REG(NRF_WDT_BASE, WDT_RR0) = WDT_RR_RELOAD;
}

/* ---- reset ---- */

uint32_t nrf_resetreas(void)
{
	uint32_t r = NRF_REG(NRF_POWER_BASE, POWER_RESETREAS);
	NRF_REG(NRF_POWER_BASE, POWER_RESETREAS) = r; /* write 1 to clear */
	return r;
}

void nrf_reset(uint8_t gpregret)
{
	/* GPREGRET is kept across a soft reset; the Adafruit bootloader reads
	 * 0x57 (UF2) or 0x4E (serial DFU) from it. */
	NRF_REG(NRF_POWER_BASE, POWER_GPREGRET) = gpregret;
	__asm volatile("dsb" ::: "memory");
	NRF_REG(SCB_AIRCR, 0) = SCB_AIRCR_SYSRESETREQ;
	__asm volatile("dsb" ::: "memory");
	for (;;)
		;
}

void nrf_device_id(uint8_t id[8])
{
	uint32_t w[2] = {NRF_REG(NRF_FICR_BASE, FICR_DEVICEID0),
	                 NRF_REG(NRF_FICR_BASE, FICR_DEVICEID1)};
	/* Big-endian, DEVICEID[1] first: the order the serial string prints. */
	for (int i = 0; i < 4; i++) {
		id[i] = (uint8_t)(w[1] >> (24 - 8 * i));
		id[4 + i] = (uint8_t)(w[0] >> (24 - 8 * i));
	}
}

/* ---- NVMC ---- */

/* tERASEPAGE 85 ms max, tWRITE 41 µs max (PS "NVMC" electrical spec). */
#define NVMC_ERASE_TIMEOUT_US 90000u
#define NVMC_WRITE_TIMEOUT_US 100u

static bool nvmc_ready(uint32_t timeout_us)
{
	return nrf_wait_event(NRF_NVMC_BASE + NVMC_READY, timeout_us);
}

static bool nvmc_write_word(uint32_t addr, uint32_t w)
{
	NRF_REG(NRF_NVMC_BASE, NVMC_CONFIG) = NVMC_CONFIG_WEN;
	NRF_REG(addr, 0) = w;
	bool ok = nvmc_ready(NVMC_WRITE_TIMEOUT_US);
	NRF_REG(NRF_NVMC_BASE, NVMC_CONFIG) = NVMC_CONFIG_REN;
	return ok;
}

int nrf_nfcpins_gpio(void)
{
	uint32_t v = NRF_REG(NRF_UICR_BASE, UICR_NFCPINS);
	if (!(v & UICR_NFCPINS_PROTECT_NFC))
		return 1;
	/* Clearing a bit needs no erase: program the word once.  It takes
	 * effect at the next reset, which the caller performs.  A word that
	 * did not change (UICR write-protected) is reported, so the caller
	 * does not reset in a loop. */
	if (!nvmc_ready(NVMC_WRITE_TIMEOUT_US))
		return -1;
	nvmc_write_word(NRF_UICR_BASE + UICR_NFCPINS, v & ~UICR_NFCPINS_PROTECT_NFC);
	return (NRF_REG(NRF_UICR_BASE, UICR_NFCPINS) & UICR_NFCPINS_PROTECT_NFC) ? -1 : 0;
}

/* The internal store only: 0xEC000..0xF4000 (docs/protocol.md FLASH);
 * anything else (the image, the bootloader) is refused. */
static bool store_range(uint32_t addr, size_t n)
{
	return addr >= WISFW_IFLASH_STORE_BASE && n <= 0xF4000u - WISFW_IFLASH_STORE_BASE &&
	       addr - WISFW_IFLASH_STORE_BASE <= 0xF4000u - WISFW_IFLASH_STORE_BASE - n;
}

static uint8_t if_erase(void *ctx, uint32_t addr)
{
	(void)ctx;
	if ((addr & 0xFFFu) || !store_range(addr, 4096))
		return WIS_ST_BAD_ARG;
	if (!nvmc_ready(NVMC_ERASE_TIMEOUT_US))
		return WIS_ST_HW_TIMEOUT;
	NRF_REG(NRF_NVMC_BASE, NVMC_CONFIG) = NVMC_CONFIG_EEN;
	NRF_REG(NRF_NVMC_BASE, NVMC_ERASEPAGE) = addr;
	bool ok = nvmc_ready(NVMC_ERASE_TIMEOUT_US);
	NRF_REG(NRF_NVMC_BASE, NVMC_CONFIG) = NVMC_CONFIG_REN;
	return ok ? WIS_ST_OK : WIS_ST_HW_TIMEOUT;
}

static uint8_t if_program(void *ctx, uint32_t addr, const uint8_t *p, size_t n)
{
	(void)ctx;
	if ((addr & 3u) || (n & 3u) || !store_range(addr, n))
		return WIS_ST_BAD_ARG;
	for (size_t i = 0; i < n; i += 4) {
		uint32_t w;
		memcpy(&w, p + i, 4);
		if (!nvmc_write_word(addr + (uint32_t)i, w))
			return WIS_ST_HW_TIMEOUT;
	}
	return WIS_ST_OK;
}

static uint8_t if_read(void *ctx, uint32_t addr, uint8_t *p, size_t n)
{
	(void)ctx;
	if (!store_range(addr, n))
		return WIS_ST_BAD_ARG;
	memcpy(p, (const void *)(uintptr_t)addr, n);
	return WIS_ST_OK;
}

const struct wisfw_iflash nrf_iflash = {4096, if_erase, if_program, if_read};

/*
 * Register values the nRF52840 port computes, kept free of register
 * access so the host tests (tests/board/test_nrf_calc.c) run them against
 * the Product Specification's tables: UARTE BAUDRATE, SPIM FREQUENCY, the
 * RESETREAS to reset-cause mapping, and the RTC timebase arithmetic.
 */
#include "nrf_port.h"
#include "wisrpc/protocol.h"

/* PS "UARTE", BAUDRATE register: the documented values.  They are not the
 * plain formula (115200 is 0x01D60000, actual 115108 baud). */
static const struct {
	uint32_t baud, reg;
} baud_table[] = {
    {1200, 0x0004F000u},   {2400, 0x0009D000u},    {4800, 0x0013B000u},   {9600, 0x00275000u},
    {14400, 0x003AF000u},  {19200, 0x004EA000u},   {28800, 0x0075C000u},  {31250, 0x00800000u},
    {38400, 0x009D0000u},  {56000, 0x00E50000u},   {57600, 0x00EB0000u},  {76800, 0x013A9000u},
    {115200, 0x01D60000u}, {230400, 0x03B00000u},  {250000, 0x04000000u}, {460800, 0x07400000u},
    {921600, 0x0F000000u}, {1000000, 0x10000000u},
};

uint32_t nrf_uarte_baud(uint32_t baud)
{
	for (size_t i = 0; i < sizeof baud_table / sizeof baud_table[0]; i++)
		if (baud_table[i].baud == baud)
			return baud_table[i].reg;
	/* Any other rate: the generator's step is 16 MHz / 2^32 per unit
	 * and its low 12 bits are ignored, so round to 4096. */
	uint64_t v = ((uint64_t)baud << 32) / 16000000u;
	return (uint32_t)((v + 0x800u) & 0xFFFFF000u);
}

uint32_t nrf_spim_freq(uint32_t hz)
{
	/* 125 kHz .. 8 MHz in powers of two: K125 = 0x02000000, each step
	 * doubles the value (PS "SPIM", FREQUENCY). */
	if (hz < 125000u)
		return 0;
	uint32_t f = SPIM_FREQ_K125, rate = 125000u;
	while (rate * 2u <= hz && f != SPIM_FREQ_M8) {
		rate *= 2u;
		f <<= 1;
	}
	return f;
}

uint8_t nrf_reset_cause(uint32_t r)
{
	/* Several bits can be set (not cleared since an earlier reset): the
	 * watchdog wins, then the pin, then a software request or a lockup;
	 * none set is a power-on reset (PS "POWER", RESETREAS). */
	if (r & POWER_RESETREAS_DOG)
		return WIS_CAUSE_WATCHDOG;
	if (r & POWER_RESETREAS_RESETPIN)
		return WIS_CAUSE_PIN;
	if (r & (POWER_RESETREAS_SREQ | POWER_RESETREAS_LOCKUP))
		return WIS_CAUSE_REQUEST;
	return WIS_CAUSE_POWER_ON;
}

uint64_t nrf_rtc_extend(uint32_t overflows, uint32_t cnt, bool ovf_pending, uint32_t cnt_again)
{
	/* An overflow whose interrupt has not run yet shows as the pending
	 * event: count it, and take the counter read after the wrap (the
	 * first read may be from before it, 0xFFFFFF). */
	if (ovf_pending)
		return (((uint64_t)overflows + 1u) << 24) | (cnt_again & RTC_COUNTER_MASK);
	return ((uint64_t)overflows << 24) | (cnt & RTC_COUNTER_MASK);
}

uint64_t nrf_ticks_to_us(uint64_t ticks)
{
	/* 1e6 / 32768 = 15625 / 512, exact; rounded down. */
	return (ticks >> 9) * 15625u + (((ticks & 511u) * 15625u) >> 9);
}

uint64_t nrf_us_to_ticks_ceil(uint64_t us)
{
	/* Rounded up: an alarm never fires before its time. */
	uint64_t whole = us / 15625u, rest = us % 15625u;
	return whole * 512u + (rest * 512u + 15624u) / 15625u;
}

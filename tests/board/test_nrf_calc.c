/*
 * The nRF52840 port's computed register values (firmware/boards/rak4631/
 * nrf_calc.c) against the Product Specification: UARTE BAUDRATE for every
 * documented rate and near-exact values for the others, SPIM FREQUENCY
 * steps, and the RESETREAS -> reset-cause mapping.
 */
#include <stdio.h>
#include <stdlib.h>

#include "nrf_port.h"
#include "wisrpc/protocol.h"

static int fails;
#define CHECK(cond, ...)                                                                           \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			printf("FAIL %s:%d: ", __FILE__, __LINE__);                                \
			printf(__VA_ARGS__);                                                       \
			printf("\n");                                                              \
			fails++;                                                                   \
		}                                                                                  \
	} while (0)

int main(void)
{
	/* PS "UARTE", BAUDRATE: every documented value. */
	static const struct {
		uint32_t baud, reg;
	} doc[] = {
	    {1200, 0x0004F000},   {2400, 0x0009D000},    {4800, 0x0013B000},   {9600, 0x00275000},
	    {14400, 0x003AF000},  {19200, 0x004EA000},   {28800, 0x0075C000},  {31250, 0x00800000},
	    {38400, 0x009D0000},  {56000, 0x00E50000},   {57600, 0x00EB0000},  {76800, 0x013A9000},
	    {115200, 0x01D60000}, {230400, 0x03B00000},  {250000, 0x04000000}, {460800, 0x07400000},
	    {921600, 0x0F000000}, {1000000, 0x10000000},
	};
	for (size_t i = 0; i < sizeof doc / sizeof doc[0]; i++)
		CHECK(nrf_uarte_baud(doc[i].baud) == doc[i].reg, "baud %u -> 0x%08X, PS 0x%08X",
		      doc[i].baud, nrf_uarte_baud(doc[i].baud), doc[i].reg);
	/* Other rates: the generated rate (reg * 16 MHz / 2^32) within 0.5 %. */
	static const uint32_t other[] = {1234, 3000, 74880, 100000, 333333, 500000, 750000};
	for (size_t i = 0; i < sizeof other / sizeof other[0]; i++) {
		uint32_t reg = nrf_uarte_baud(other[i]);
		double actual = (double)reg * 16e6 / 4294967296.0;
		double err = (actual - other[i]) / other[i];
		CHECK((reg & 0xFFFu) == 0 && err < 0.005 && err > -0.005,
		      "baud %u -> 0x%08X (%.0f baud)", other[i], reg, actual);
	}

	/* PS "SPIM", FREQUENCY: K125 0x02000000 .. M8 0x80000000. */
	static const struct {
		uint32_t hz, reg;
	} f[] = {
	    {125000, 0x02000000},   {249999, 0x02000000},  {250000, 0x04000000},
	    {500000, 0x08000000},   {1000000, 0x10000000}, {2000000, 0x20000000},
	    {3000000, 0x20000000},  {4000000, 0x40000000}, {8000000, 0x80000000},
	    {32000000, 0x80000000}, {124999, 0},
	};
	for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
		CHECK(nrf_spim_freq(f[i].hz) == f[i].reg, "spim %u Hz -> 0x%08X, want 0x%08X",
		      f[i].hz, nrf_spim_freq(f[i].hz), f[i].reg);

	/* RESETREAS bits (PS "POWER"): RESETPIN 0, DOG 1, SREQ 2, LOCKUP 3. */
	CHECK(nrf_reset_cause(0) == WIS_CAUSE_POWER_ON, "no bit");
	CHECK(nrf_reset_cause(1u << 0) == WIS_CAUSE_PIN, "pin");
	CHECK(nrf_reset_cause(1u << 1) == WIS_CAUSE_WATCHDOG, "dog");
	CHECK(nrf_reset_cause(1u << 2) == WIS_CAUSE_REQUEST, "sreq");
	CHECK(nrf_reset_cause(1u << 3) == WIS_CAUSE_REQUEST, "lockup");
	CHECK(nrf_reset_cause((1u << 0) | (1u << 1)) == WIS_CAUSE_WATCHDOG, "dog wins");
	CHECK(nrf_reset_cause(1u << 16) == WIS_CAUSE_POWER_ON, "wake from OFF");

	/* RTC1 at 32768 Hz: the 64-bit extension of the 24-bit counter. */
	CHECK(nrf_rtc_extend(0, 5, false, 5) == 5, "no overflow");
	CHECK(nrf_rtc_extend(3, 0x123456, false, 0) == (3ull << 24 | 0x123456), "3 overflows");
	/* Overflow pending (its interrupt not run): the first read may be
	 * 0xFFFFFF from before the wrap; the second read counts. */
	CHECK(nrf_rtc_extend(2, 0xFFFFFF, true, 1) == (3ull << 24 | 1), "pending overflow");
	CHECK(nrf_rtc_extend(0xFFFFFFFFu, 7, true, 8) == (1ull << 56 | 8), "overflow count wraps");
	/* Monotonic across a wrap whatever the interleaving. */
	uint64_t before = nrf_rtc_extend(9, 0xFFFFFE, false, 0);
	uint64_t after = nrf_rtc_extend(9, 0xFFFFFF, true, 0);
	CHECK(after > before, "not monotonic across the wrap");

	/* Ticks <-> µs: 512 ticks = 15625 µs exactly; 512 s per 2^24 ticks. */
	CHECK(nrf_ticks_to_us(512) == 15625, "512 ticks");
	CHECK(nrf_ticks_to_us(1) == 30, "1 tick = 30.52 us, rounded down");
	CHECK(nrf_ticks_to_us(1ull << 24) == 512000000ull, "one overflow = 512 s");
	CHECK(nrf_ticks_to_us(1ull << 40) == (1ull << 40) / 512 * 15625, "2^40 ticks");
	uint64_t prev = 0;
	for (uint64_t t = 0; t < 100000; t++) {
		uint64_t us = nrf_ticks_to_us(t);
		if (us < prev || (t && us == prev)) {
			CHECK(0, "ticks_to_us not strictly increasing at %llu",
			      (unsigned long long)t);
			break;
		}
		prev = us;
	}
	/* An alarm tick is the first tick at or after the time asked for. */
	for (uint64_t us = 0; us < 200000; us += 7) {
		uint64_t k = nrf_us_to_ticks_ceil(us);
		if (nrf_ticks_to_us(k) < us || (k && nrf_ticks_to_us(k - 1) >= us && us)) {
			CHECK(0, "us_to_ticks_ceil(%llu) = %llu", (unsigned long long)us,
			      (unsigned long long)k);
			break;
		}
	}
	CHECK(nrf_us_to_ticks_ceil(15625) == 512, "15625 us");
	CHECK(nrf_us_to_ticks_ceil(UINT64_MAX / 2) > (UINT64_MAX / 2) / 31, "large times");

	printf("%s\n", fails ? "FAILED" : "ok");
	return fails ? 1 : 0;
}

/*
 * nRF52840 SAADC for the port: one single-ended conversion on channel 0
 * per request.  Acquisition time 40 µs on every input: AIN0 on the
 * connector (P0.05 = AIN3) sees VBAT through a 1.5 MΩ / 1 MΩ divider,
 * about 600 kΩ of source impedance, which needs the longest TACQ (PS
 * "SAADC", acquisition time table: 40 µs for up to 800 kΩ).  Offset
 * calibration runs before the first conversion (PS recommends it after
 * power-up and on temperature changes; a later request can recalibrate by
 * a module reset).  Oversampling uses BURST so one SAMPLE task takes all
 * 2^n samples.
 */
#include "nrf_port.h"
#include "wisrpc/protocol.h"

#define CAL_TIMEOUT_US 10000u /* offset calibration takes a few hundred µs */

static bool calibrated;

static bool saadc_stop(void)
{
	NRF_REG(NRF_SAADC_BASE, SAADC_EVENTS_STOPPED) = 0;
	NRF_REG(NRF_SAADC_BASE, SAADC_TASKS_STOP) = 1;
	return nrf_wait_event(NRF_SAADC_BASE + SAADC_EVENTS_STOPPED, 1000u);
}

static uint8_t a_sample(void *ctx, uint8_t ain, uint8_t gain, uint8_t ref, uint8_t bits, uint8_t os,
                        int16_t *raw)
{
	(void)ctx;
	static volatile int16_t result; /* EasyDMA target: RAM */
	if (ain > 7 || gain > 7 || ref > 1 || os > 8)
		return WIS_ST_BAD_ARG;
	uint32_t res = bits == 8 ? 0u : bits == 10 ? 1u : bits == 12 ? 2u : bits == 14 ? 3u : 9u;
	if (res > 3)
		return WIS_ST_BAD_ARG;
	NRF_REG(NRF_SAADC_BASE, SAADC_ENABLE) = 1;
	if (!calibrated) {
		NRF_REG(NRF_SAADC_BASE, SAADC_EVENTS_CALIBRATEDONE) = 0;
		NRF_REG(NRF_SAADC_BASE, SAADC_TASKS_CALIBRATEOFFSET) = 1;
		if (!nrf_wait_event(NRF_SAADC_BASE + SAADC_EVENTS_CALIBRATEDONE, CAL_TIMEOUT_US)) {
			NRF_REG(NRF_SAADC_BASE, SAADC_ENABLE) = 0;
			return WIS_ST_HW_TIMEOUT;
		}
		calibrated = true;
		/* A clean start for the conversion: nothing left of the
		 * calibration run may land in the result buffer. */
		if (!saadc_stop()) {
			NRF_REG(NRF_SAADC_BASE, SAADC_ENABLE) = 0;
			return WIS_ST_HW_TIMEOUT;
		}
	}
	NRF_REG(NRF_SAADC_BASE, SAADC_CH0_PSELP) = SAADC_PSEL_AIN0 + ain;
	NRF_REG(NRF_SAADC_BASE, SAADC_CH0_PSELN) = 0; /* single-ended */
	NRF_REG(NRF_SAADC_BASE, SAADC_CH0_CONFIG) =
	    ((uint32_t)gain << SAADC_CONFIG_GAIN_SHIFT) | (ref ? SAADC_CONFIG_REFSEL_VDD4 : 0) |
	    SAADC_CONFIG_TACQ_40US | (os ? SAADC_CONFIG_BURST : 0);
	NRF_REG(NRF_SAADC_BASE, SAADC_RESOLUTION) = res;
	NRF_REG(NRF_SAADC_BASE, SAADC_OVERSAMPLE) = os;
	NRF_REG(NRF_SAADC_BASE, SAADC_SAMPLERATE) = 0; /* task-triggered */
	NRF_REG(NRF_SAADC_BASE, SAADC_RESULT_PTR) = (uint32_t)(uintptr_t)&result;
	NRF_REG(NRF_SAADC_BASE, SAADC_RESULT_MAXCNT) = 1;
	NRF_REG(NRF_SAADC_BASE, SAADC_EVENTS_STARTED) = 0;
	NRF_REG(NRF_SAADC_BASE, SAADC_EVENTS_END) = 0;
	NRF_REG(NRF_SAADC_BASE, SAADC_TASKS_START) = 1;
	uint8_t st = WIS_ST_HW_TIMEOUT;
	if (nrf_wait_event(NRF_SAADC_BASE + SAADC_EVENTS_STARTED, 1000u)) {
		NRF_REG(NRF_SAADC_BASE, SAADC_TASKS_SAMPLE) = 1;
		/* hal.h's bound: 2^os x (40 + 2) µs, + 1 ms margin. */
		uint32_t bound = (42u << os) + 1000u;
		if (nrf_wait_event(NRF_SAADC_BASE + SAADC_EVENTS_END, bound)) {
			*raw = result;
			st = WIS_ST_OK;
		}
	}
	if (!saadc_stop() && st == WIS_ST_OK)
		st = WIS_ST_HW_TIMEOUT;
	NRF_REG(NRF_SAADC_BASE, SAADC_CH0_PSELP) = 0;
	NRF_REG(NRF_SAADC_BASE, SAADC_ENABLE) = 0;
	return st;
}

const struct wisfw_adc nrf_adc = {a_sample};

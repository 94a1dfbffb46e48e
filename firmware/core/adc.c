/*
 * ADC subsystem: the nRF52840 SAADC (hal.adc), single-ended.  Takes the
 * pin for the ADC, clamps the raw result to the documented range and
 * converts it to millivolts with exactly the formula of docs/protocol.md
 * so that host and device agree to the LSB.
 */
#include "core_priv.h"

/* CH[n].CONFIG.GAIN codes 0..7 as fractions. */
static const uint8_t gain_num[8] = {1, 1, 1, 1, 1, 1, 2, 4};
static const uint8_t gain_den[8] = {6, 5, 4, 3, 2, 1, 1, 1};

/* Reference in mV as a fraction: internal 0.6 V, or VDD/4. */
static void ref_frac(uint8_t ref, uint16_t vdd_mv, int64_t *num, int64_t *den)
{
	if (ref == WIS_ADC_REF_VDD4) {
		*num = vdd_mv;
		*den = 4;
	} else {
		*num = 600;
		*den = 1;
	}
}

/* n / d rounded to nearest, halves away from zero; d > 0. */
static int64_t div_round(int64_t n, int64_t d)
{
	return n >= 0 ? (n + d / 2) / d : -((-n + d / 2) / d);
}

bool wisfw_adc_params_ok(uint8_t gain, uint8_t ref, uint8_t bits, uint8_t oversample_log2)
{
	return gain <= WIS_ADC_GAIN_4 && ref <= WIS_ADC_REF_VDD4 &&
	       (bits == 8 || bits == 10 || bits == 12 || bits == 14) &&
	       oversample_log2 <= WIS_ADC_MAX_OVERSAMPLE_LOG2;
}

int16_t wisfw_adc_raw_from_mv(int32_t mv, uint8_t gain, uint8_t ref, uint8_t bits, uint16_t vdd_mv)
{
	int64_t rn, rd;
	if (mv <= 0)
		return 0;
	ref_frac(ref, vdd_mv, &rn, &rd);
	/* raw = mv * gain / ref * 2^bits */
	int64_t raw = div_round((int64_t)mv * gain_num[gain & 7] * rd << bits,
	                        (int64_t)gain_den[gain & 7] * rn);
	int64_t max = ((int64_t)1 << bits) - 1;
	if (raw < 0)
		raw = 0;
	if (raw > max)
		raw = max;
	return (int16_t)raw;
}

int32_t wisfw_adc_mv_from_raw(int32_t raw, uint8_t gain, uint8_t ref, uint8_t bits, uint16_t vdd_mv)
{
	int64_t rn, rd;
	ref_frac(ref, vdd_mv, &rn, &rd);
	/* mv = raw * ref / gain / 2^bits */
	return (int32_t)div_round((int64_t)raw * rn * gain_den[gain & 7], (rd * gain_num[gain & 7])
	                                                                      << bits);
}

/* Appends the board's analog pins, "AIN0, AIN1, IO4, IO7". */
static void list_adc_pins(struct wisfw_core *c)
{
	const struct wisfw_board *b = c->hal->board;
	bool first = true;
	for (size_t i = 0; i < b->pin_count; i++) {
		if (b->pins[i].kind != WIS_PIN_IO || b->pins[i].ain == WIS_AIN_NONE)
			continue;
		if (!first)
			wisfw_d_str(c, ", ");
		wisfw_d_str(c, b->pins[i].name);
		first = false;
	}
}

static uint8_t h_read(struct wisfw_core *c, const union wis_val *v, struct wis_wr *out)
{
	uint8_t nrf = (uint8_t)v[0].u, gain = (uint8_t)v[1].u, ref = (uint8_t)v[2].u;
	uint8_t bits = (uint8_t)v[3].u, os = (uint8_t)v[4].u, st;
	const struct wis_pin_def *d = wisfw_io_pin(c, nrf, &st);
	if (!d)
		return st;
	if (d->ain == WIS_AIN_NONE || !(d->funcs & WIS_FN_ADC)) {
		wisfw_d_pin(c, nrf);
		wisfw_d_str(c, " has no analog input (ADC pins: ");
		list_adc_pins(c);
		wisfw_d_str(c, ")");
		return WIS_ST_NOT_CAPABLE;
	}
	/* gain, reference and oversample ranges come from the opcode table;
	 * the resolution's range (8..14) holds values the SAADC lacks. */
	if (bits != 8 && bits != 10 && bits != 12 && bits != 14) {
		wisfw_d_str(c, "resolution ");
		wisfw_d_uint(c, bits);
		wisfw_d_str(c, " bits: must be 8, 10, 12 or 14");
		return WIS_ST_BAD_ARG;
	}
	if (!c->hal->adc)
		return wisfw_d_unsupported(c, "ADC_READ", "hal.adc");
	if ((st = wisfw_claim_check(c, nrf, WIS_OWNER_ADC)) != WIS_ST_OK)
		return st;
	struct wisfw_pin_rt *p = &c->pins[nrf];
	if (p->owner == WIS_OWNER_NONE) {
		/* An analog input wants the digital input buffer disconnected. */
		if (c->hal->gpio)
			c->hal->gpio->config(c->hal->ctx, nrf, WIS_GPIO_DISABLED);
		p->owner = WIS_OWNER_ADC;
	}
	int16_t raw = 0;
	st = c->hal->adc->sample(c->hal->ctx, d->ain, gain, ref, bits, os, &raw);
	if (st != WIS_ST_OK) {
		wisfw_d_str(c, "SAADC conversion on AIN");
		wisfw_d_uint(c, d->ain);
		wisfw_d_str(c, st == WIS_ST_HW_TIMEOUT ? " did not finish" : " failed");
		return st;
	}
	/* docs/protocol.md promises raw in 0..2^bits-1: near 0 V a
	 * single-ended SAADC result can be slightly negative, and an
	 * oversampled one can round past the top. */
	int32_t max = (1 << bits) - 1;
	int32_t r = raw < 0 ? 0 : raw > max ? max : raw;
	wis_wr_u16(out, (uint16_t)r);
	wis_wr_u32(out, (uint32_t)wisfw_adc_mv_from_raw(r, gain, ref, bits, c->hal->board->vdd_mv));
	return WIS_ST_OK;
}

static const struct wisfw_op_handler adc_ops[] = {
    {WIS_OP_ADC_READ, h_read},
};

const struct wisfw_subsys wisfw_adc_subsys = {
    .name = "adc",
    .ops = adc_ops,
    .nops = sizeof adc_ops / sizeof adc_ops[0],
};

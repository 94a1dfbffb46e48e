/*
 * ADC subsystem calls: one SAADC conversion in millivolts, with the gain,
 * reference, resolution and oversampling checked on the host so the user
 * hears which parameter is wrong.
 */
#include "internal.h"

void wis_adc_config_init(struct wis_adc_config *cfg)
{
	if (!cfg)
		return;
	cfg->gain = WIS_ADC_DEFAULT_GAIN;
	cfg->reference = WIS_ADC_DEFAULT_REF;
	cfg->resolution = WIS_ADC_DEFAULT_BITS;
	cfg->oversample = 0;
}

int wis_adc_encode(wis_device *dev, const char *pin, const struct wis_adc_config *cfg,
                   uint8_t req[5])
{
	struct wis_adc_config def;
	if (!cfg) {
		wis_adc_config_init(&def);
		cfg = &def;
	}
	if (cfg->gain > WIS_ADC_GAIN_4)
		return wis_fail(WIS_E_INVAL,
		                "ADC gain code %u: use 0..7 (1/6, 1/5, 1/4, 1/3, 1/2, "
		                "1, 2, 4)",
		                cfg->gain);
	if (cfg->reference > WIS_ADC_REF_VDD4)
		return wis_fail(WIS_E_INVAL,
		                "ADC reference %u: use 0 (internal 0.6 V) or 1 (VDD/4)",
		                cfg->reference);
	if (cfg->resolution != 8 && cfg->resolution != 10 && cfg->resolution != 12 &&
	    cfg->resolution != 14)
		return wis_fail(WIS_E_INVAL, "ADC resolution %u bits: use 8, 10, 12 or 14",
		                cfg->resolution);
	if (cfg->oversample > WIS_ADC_MAX_OVERSAMPLE_LOG2)
		return wis_fail(WIS_E_INVAL, "ADC oversample 2^%u: the maximum is 2^%d",
		                cfg->oversample, WIS_ADC_MAX_OVERSAMPLE_LOG2);
	uint8_t nrf;
	int rc = wis_pin_arg(dev, pin, WIS_FN_ADC, &nrf);
	if (rc < 0)
		return rc;
	req[0] = nrf;
	req[1] = cfg->gain;
	req[2] = cfg->reference;
	req[3] = cfg->resolution;
	req[4] = cfg->oversample;
	return 0;
}

int wis_adc_read(wis_device *dev, const char *pin, const struct wis_adc_config *cfg,
                 int32_t *millivolts, int16_t *raw)
{
	wis_clear_error();
	uint8_t req[5], r[6];
	int rc = wis_adc_encode(dev, pin, cfg, req);
	if (rc < 0)
		return rc;
	rc = wis_call_exact(dev, WIS_OP_ADC_READ, req, sizeof req, r, sizeof r, 0);
	if (rc < 0)
		return rc;
	struct wis_rd rd = wis_rd_init(r, sizeof r);
	int16_t rv = (int16_t)wis_rd_u16(&rd);
	int32_t mv = (int32_t)wis_rd_u32(&rd);
	if (raw)
		*raw = rv;
	if (millivolts)
		*millivolts = mv;
	return 0;
}

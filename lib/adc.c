/*
 * ADC subsystem calls: one SAADC conversion in millivolts.  The opcode
 * table checks gain, reference and oversampling ranges; only the rule that
 * the resolution is one of 8, 10, 12 or 14 bits (not a range) is here.
 */
#include "internal.h"

#define V(x) ((union wis_val){.u = (uint64_t)(x)})

void wis_adc_config_init(struct wis_adc_config *cfg)
{
	if (!cfg)
		return;
	cfg->gain = WIS_ADC_DEFAULT_GAIN;
	cfg->reference = WIS_ADC_DEFAULT_REF;
	cfg->resolution = WIS_ADC_DEFAULT_BITS;
	cfg->oversample = 0;
}

int wis__adc_encode(wis_device *dev, const char *pin, const struct wis_adc_config *cfg,
                    uint8_t req[5])
{
	struct wis_adc_config def;
	if (!cfg) {
		wis_adc_config_init(&def);
		cfg = &def;
	}
	if (cfg->resolution != 8 && cfg->resolution != 10 && cfg->resolution != 12 &&
	    cfg->resolution != 14)
		return wis__fail(WIS_E_INVAL, "ADC resolution %u bits: use 8, 10, 12 or 14",
		                 cfg->resolution);
	uint8_t nrf;
	int rc = wis__pin_arg(dev, pin, WIS_FN_ADC, &nrf);
	if (rc < 0)
		return rc;
	union wis_val v[] = {V(nrf), V(cfg->gain), V(cfg->reference), V(cfg->resolution),
	                     V(cfg->oversample)};
	uint8_t buf[WIS_MAX_PAYLOAD];
	rc = wis__encode_fields(WIS_OP_ADC_READ, v, buf);
	if (rc < 0)
		return rc;
	for (int i = 0; i < 5; i++)
		req[i] = buf[i];
	return 0;
}

int wis_adc_read(wis_device *dev, const char *pin, const struct wis_adc_config *cfg,
                 int32_t *millivolts, int16_t *raw)
{
	wis__clear_error();
	uint8_t req[5];
	int rc = wis__adc_encode(dev, pin, cfg, req);
	if (rc < 0)
		return rc;
	uint8_t r[WIS_MAX_PAYLOAD];
	size_t got = 0;
	rc = wis_call(dev, WIS_OP_ADC_READ, req, sizeof req, r, sizeof r, &got, 0);
	union wis_val v[2];
	if (rc < 0 || (rc = wis__decode_fields(WIS_OP_ADC_READ, r, got, v)) < 0)
		return rc;
	if (raw)
		*raw = (int16_t)v[0].i;
	if (millivolts)
		*millivolts = (int32_t)v[1].i;
	return 0;
}

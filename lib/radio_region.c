/*
 * Regional radio rules as data: the frequency plans of the LoRaWAN
 * Regional Parameters (RP002-1.0.4) for EU868, US915, AU915, AS923, IN865
 * and KR920, with their maximum EIRP, and for EU868 the ETSI EN 300 220
 * sub-bands and their duty cycles (0.1 %, 1 %, 10 %), for US915 and AU915
 * the 400 ms uplink dwell time; the checks of a configuration and the
 * duty-cycle accounting of sends made against them (lib/radio.c's calls and
 * wisd's JSON mapping both go through wis_radio_rules_send()); "lab" has no
 * rules.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

struct region {
	const char *name;
	const struct wis__band *bands;
	int n;
};

/* EU868: ETSI EN 300 220-2 sub-bands (K, L, M, N, P, Q as LoRaWAN uses
 * them), ERP 25 mW = 16 dBm EIRP, 500 mW ERP = 29 dBm EIRP in P. */
static const struct wis__band eu868[] = {
    {863000000, 865000000, 10, 16, 0},   {865000000, 868000000, 100, 16, 0},
    {868000000, 868600000, 100, 16, 0},  {868700000, 869200000, 10, 16, 0},
    {869400000, 869650000, 1000, 29, 0}, {869700000, 870000000, 100, 16, 0},
};
/* No duty cycle in US915 and AU915: a dwell time instead.  US915: FCC
 * 47 CFR 15.247(a)(1)(i) (frequency hopping, 902-928 MHz: at most 0.4 s on
 * one channel in 20 s), which RP002-1.0.4 section 2.5 turns into a 400 ms
 * limit on every uplink's time on air.  AU915: RP002-1.0.4 section 2.7
 * (UplinkDwellTime on by default since RP002-1.0.1: 400 ms, the AS/NZS
 * 4268 practice); a LoRaWAN network may lift it with TxParamSetupReq, this
 * library does not (use "lab"). */
static const struct wis__band us915[] = {{902000000, 928000000, 10000, 30, 400}};
static const struct wis__band au915[] = {{915000000, 928000000, 10000, 30, 400}};
static const struct wis__band as923[] = {{915000000, 928000000, 10000, 16, 0}};
static const struct wis__band in865[] = {{865000000, 867000000, 10000, 30, 0}};
static const struct wis__band kr920[] = {{920900000, 923300000, 10000, 14, 0}};

#define R(name, b)                                                                                 \
	{                                                                                          \
		name, b, (int)(sizeof(b) / sizeof((b)[0]))                                             \
	}
static const struct region regions[] = {
    R("EU868", eu868), R("US915", us915), R("AU915", au915),
    R("AS923", as923), R("IN865", in865), R("KR920", kr920),
};
#define NREG ((int)(sizeof regions / sizeof regions[0]))

int wis__region_find(const char *name)
{
	if (!name || strcmp(name, "lab") == 0)
		return -1;
	for (int i = 0; i < NREG; i++)
		if (strcmp(regions[i].name, name) == 0)
			return i;
	return -2;
}

const char *wis__region_name(int region)
{
	return region >= 0 && region < NREG ? regions[region].name : "lab";
}

const struct wis__band *wis__region_band(int region, uint32_t freq_hz, int *band)
{
	if (region < 0 || region >= NREG)
		return NULL;
	for (int i = 0; i < regions[region].n; i++) {
		const struct wis__band *b = &regions[region].bands[i];
		if (freq_hz >= b->lo_hz && freq_hz <= b->hi_hz) {
			*band = i;
			return b;
		}
	}
	return NULL;
}

void wis__region_span(int region, char *buf, size_t cap)
{
	size_t at = 0;
	buf[0] = 0;
	if (region < 0 || region >= NREG)
		return;
	for (int i = 0; i < regions[region].n && at < cap; i++) {
		const struct wis__band *b = &regions[region].bands[i];
		int k = snprintf(buf + at, cap - at, "%s%.3f-%.3f", i ? ", " : "", b->lo_hz / 1e6,
		                 b->hi_hz / 1e6);
		if (k < 0)
			break;
		at += (size_t)k;
	}
	if (at < cap)
		snprintf(buf + at, cap - at, " MHz");
}

/* ---- checks and accounting ---- */

int wis_radio_config_check(const wis_radio_config *c)
{
	int band;
	char span[160];
	if (!c)
		return wis__fail(WIS_E_INVAL, "radio config is NULL");
	if (c->region < 0)
		return 0;
	const struct wis__band *b = wis__region_band(c->region, c->freq_hz, &band);
	if (!b) {
		wis__region_span(c->region, span, sizeof span);
		return wis__fail(WIS_E_REGULATION,
		                 "radio %.4f MHz is outside the %s plan (%s); set the region, or "
		                 "\"lab\" to opt out",
		                 c->freq_hz / 1e6, wis__region_name(c->region), span);
	}
	int eirp = c->power_dbm + c->antenna_dbi;
	if (eirp > b->max_eirp_dbm)
		return wis__fail(WIS_E_REGULATION,
		                 "radio EIRP %d dBm (power %d dBm + antenna %d dBi) is above %s's "
		                 "%d dBm at %.4f MHz",
		                 eirp, c->power_dbm, c->antenna_dbi, wis__region_name(c->region),
		                 b->max_eirp_dbm, c->freq_hz / 1e6);
	return 0;
}

int wis_radio_rules_use(wis_device *dev, const wis_radio_config *c)
{
	if (!dev || !c)
		return wis__fail(WIS_E_INVAL, "wis_radio_rules_use: NULL argument");
	pthread_mutex_lock(&dev->mu);
	/* The off times already booked stay: the air does not forget a send
	 * because the radio was configured again. */
	dev->radio.configured = true;
	dev->radio.cfg = *c;
	pthread_mutex_unlock(&dev->mu);
	return 0;
}

/* Refuses a send longer than its band's dwell time, or whose start (now,
 * or a timed send's device time on the host clock) is inside its
 * sub-band's off time; else books the band's off time: time on air x 100 /
 * duty cycle, counted from that start. */
int wis_radio_rules_send(wis_device *dev, size_t len, int at, uint64_t at_us, uint32_t *wait_ms)
{
	int band, rc = 0;
	if (wait_ms)
		*wait_ms = 0;
	if (!dev)
		return wis__fail(WIS_E_INVAL, "wis_radio_rules_send: NULL device");
	int64_t now = wis__now_ns();
	struct timespec rt, mono;
	uint32_t err = UINT32_MAX;
	if (at)
		wis_device_time_to_host(dev, at_us, &rt, &mono, &err);
	if (at && err != UINT32_MAX && (int64_t)mono.tv_sec * 1000000000 + mono.tv_nsec > now)
		now = (int64_t)mono.tv_sec * 1000000000 + mono.tv_nsec;
	pthread_mutex_lock(&dev->mu);
	struct wis__radio_state *r = &dev->radio;
	const struct wis__band *b =
	    r->configured ? wis__region_band(r->cfg.region, r->cfg.freq_hz, &band) : NULL;
	uint32_t toa = b ? wis_radio_time_on_air_us(&r->cfg, len) : 0;
	if (b && b->dwell_ms && toa > (uint32_t)b->dwell_ms * 1000) {
		rc = wis__fail(
		    WIS_E_REGULATION,
		    "%s dwell time: %" PRIu32 ".%03" PRIu32
		    " ms on air for %zu bytes is above %u ms per send; send fewer bytes, "
		    "or use a lower SF or a wider bandwidth",
		    wis__region_name(r->cfg.region), toa / 1000, toa % 1000, len, b->dwell_ms);
	} else if (b && b->duty_bp < 10000) {
		int64_t ready = r->band_ready_ns[band];
		if (now < ready) {
			int64_t ms = (ready - now + 999999) / 1000000;
			if (wait_ms)
				*wait_ms = ms > UINT32_MAX ? UINT32_MAX : (uint32_t)ms;
			rc = wis__fail(WIS_E_REGULATION,
			               "%s sub-band %.3f-%.3f MHz (duty cycle %.1f %%): the next "
			               "send is allowed in %" PRId64 " ms",
			               wis__region_name(r->cfg.region), b->lo_hz / 1e6,
			               b->hi_hz / 1e6, b->duty_bp / 100.0, ms);
		} else {
			r->band_ready_ns[band] =
			    now + (int64_t)((uint64_t)toa * 10000 / b->duty_bp) * 1000;
		}
	}
	pthread_mutex_unlock(&dev->mu);
	return rc;
}

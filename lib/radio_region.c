/*
 * Regional radio rules as data: the frequency plans of the LoRaWAN
 * Regional Parameters (RP002-1.0.4) for EU868, US915, AU915, AS923, IN865
 * and KR920, with their maximum EIRP, and for EU868 the ETSI EN 300 220
 * sub-bands and their duty cycles (0.1 %, 1 %, 10 %).  lib/radio.c checks
 * configurations and sends against them; "lab" has no rules.
 */
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
    {863000000, 865000000, 10, 16},   {865000000, 868000000, 100, 16},
    {868000000, 868600000, 100, 16},  {868700000, 869200000, 10, 16},
    {869400000, 869650000, 1000, 29}, {869700000, 870000000, 100, 16},
};
/* No duty cycle (US915, AU915: dwell time and hopping rules instead). */
static const struct wis__band us915[] = {{902000000, 928000000, 10000, 30}};
static const struct wis__band au915[] = {{915000000, 928000000, 10000, 30}};
static const struct wis__band as923[] = {{915000000, 928000000, 10000, 16}};
static const struct wis__band in865[] = {{865000000, 867000000, 10000, 30}};
static const struct wis__band kr920[] = {{920900000, 923300000, 10000, 14}};

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

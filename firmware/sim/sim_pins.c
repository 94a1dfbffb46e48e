/*
 * Electrical model of the simulated RAK4631's pins.  Each IO pin has the
 * configuration the core gave it, an output latch, an optional external
 * drive (control socket, button) and belongs to a net: itself, or a group
 * wired together with --wire.  A net's level follows the drivers on it;
 * when it changes, every input on the net reports the change to the core,
 * as the nRF52840's GPIOTE would.
 */
#include <stdio.h>
#include <string.h>

#include "sim.h"

void sim_pins_init(struct sim *s)
{
	for (uint8_t nrf = 0; nrf < WISFW_NRF_PINS; nrf++) {
		struct sim_pin *p = &s->pins[nrf];
		p->def = wis_pin_by_nrf(s->board.pins, s->board.pin_count, nrf);
		p->mode = WIS_GPIO_DISABLED;
		p->latch = 0;
		p->ext = -1;
		p->net = nrf;
		p->adc_mv = 0;
		s->net_level[nrf] = 0; /* a floating net starts low */
		s->net_contention[nrf] = false;
	}
}

static bool is_input(uint8_t mode)
{
	return mode == WIS_GPIO_INPUT || mode == WIS_GPIO_INPUT_PULLUP ||
	       mode == WIS_GPIO_INPUT_PULLDOWN;
}

/* Recomputes a net's level and reports a change to the inputs on it. */
static void net_update(struct sim *s, uint8_t net)
{
	bool d0 = false, d1 = false, pu = false, pd = false;
	for (uint8_t i = 0; i < WISFW_NRF_PINS; i++) {
		const struct sim_pin *p = &s->pins[i];
		if (!p->def || p->net != net)
			continue;
		if (p->mode == WIS_GPIO_OUTPUT && p->latch)
			d1 = true;
		else if (p->mode == WIS_GPIO_OUTPUT)
			d0 = true;
		else if (p->mode == WIS_GPIO_OUTPUT_OPEN_DRAIN && !p->latch)
			d0 = true;
		else if (p->mode == WIS_GPIO_INPUT_PULLUP)
			pu = true;
		else if (p->mode == WIS_GPIO_INPUT_PULLDOWN)
			pd = true;
		/* An LED and its resistor to ground pull an undriven pin low. */
		if (p->def->funcs & WIS_FN_LED)
			pd = true;
		if (p->ext == 0)
			d0 = true;
		else if (p->ext == 1)
			d1 = true;
	}
	uint8_t level = s->net_level[net];
	bool contention = d0 && d1;
	if (contention) {
		/* Two drivers fight: on hardware the low side usually wins, and
		 * the user needs to hear about it. */
		level = 0;
		if (!s->net_contention[net]) {
			char n[6];
			wis_nrf_name(net, n);
			sim_log(s, "contention: the net of %s is driven high and low at once",
			        s->pins[net].def ? s->pins[net].def->name : n);
		}
	} else if (d0 || d1) {
		level = d1;
	} else if (pu != pd) {
		level = pu;
	} /* else floating (or pulled both ways): keeps its last level */
	s->net_contention[net] = contention;
	if (level == s->net_level[net])
		return;
	s->net_level[net] = level;
	if (s->mute_pins)
		return;
	uint64_t now = sim_now_us();
	for (uint8_t i = 0; i < WISFW_NRF_PINS; i++)
		if (s->pins[i].def && s->pins[i].net == net && is_input(s->pins[i].mode))
			wisfw_core_pin_changed(&s->core, i, level, now);
}

void sim_pins_reset(struct sim *s)
{
	s->mute_pins = true;
	for (uint8_t nrf = 0; nrf < WISFW_NRF_PINS; nrf++) {
		s->pins[nrf].mode = WIS_GPIO_DISABLED;
		s->pins[nrf].latch = 0;
	}
	for (uint8_t nrf = 0; nrf < WISFW_NRF_PINS; nrf++)
		if (s->pins[nrf].def && s->pins[nrf].net == nrf)
			net_update(s, nrf);
	s->mute_pins = false;
}

const struct wis_pin_def *sim_pin_lookup(struct sim *s, const char *name, char *err, size_t n)
{
	const struct wis_pin_def *d = wis_pin_lookup(s->board.pins, s->board.pin_count, name);
	if (!d) {
		snprintf(err, n, "unknown pin '%.40s'", name);
		return NULL;
	}
	if (d->kind != WIS_PIN_IO || d->nrf >= WISFW_NRF_PINS) {
		snprintf(err, n, "%s is a %s pin, not an I/O pin", d->name,
		         wis_pin_kind_name(d->kind));
		return NULL;
	}
	return d;
}

int sim_pins_wire(struct sim *s, const char *spec, char *err, size_t n)
{
	char buf[128];
	if (strlen(spec) >= sizeof buf) {
		snprintf(err, n, "wire spec too long");
		return -1;
	}
	strcpy(buf, spec);
	uint8_t members[WISFW_NRF_PINS];
	size_t count = 0;
	char *save = NULL;
	for (char *t = strtok_r(buf, ":", &save); t; t = strtok_r(NULL, ":", &save)) {
		const struct wis_pin_def *d = sim_pin_lookup(s, t, err, n);
		if (!d)
			return -1;
		if (count == WISFW_NRF_PINS) {
			snprintf(err, n, "too many pins in one wire");
			return -1;
		}
		for (size_t i = 0; i < count; i++)
			if (members[i] == d->nrf) {
				/* IO1:IO1, or IO1:P0.17: a wire to itself is a typo */
				snprintf(err, n, "%s is named twice", d->name);
				return -1;
			}
		members[count++] = d->nrf;
	}
	if (count < 2) {
		snprintf(err, n, "a wire joins at least two pins (A:B)");
		return -1;
	}
	/* Merge every member's net into the lowest-numbered one. */
	uint8_t root = s->pins[members[0]].net;
	for (size_t i = 1; i < count; i++)
		if (s->pins[members[i]].net < root)
			root = s->pins[members[i]].net;
	for (size_t i = 0; i < count; i++) {
		uint8_t old = s->pins[members[i]].net;
		if (old == root)
			continue;
		for (uint8_t p = 0; p < WISFW_NRF_PINS; p++)
			if (s->pins[p].net == old)
				s->pins[p].net = root;
	}
	net_update(s, root);
	return 0;
}

void sim_pins_drive(struct sim *s, uint8_t nrf, int level)
{
	s->pins[nrf].ext = (int8_t)(level < 0 ? -1 : level ? 1 : 0);
	net_update(s, s->pins[nrf].net);
}

int sim_pins_set_adc(struct sim *s, uint8_t nrf, long mv, char *err, size_t n)
{
	const struct sim_pin *p = &s->pins[nrf];
	if (!p->def || p->def->ain == WIS_AIN_NONE) {
		snprintf(err, n, "%s has no analog input (ADC pins: AIN0, AIN1, IO4, IO7)",
		         p->def ? p->def->name : "pin");
		return -1;
	}
	if (mv < 0 || mv > SIM_ADC_MAX_MV) {
		snprintf(err, n, "%ld mV out of range 0..%d (VDD + 0.3 V)", mv, SIM_ADC_MAX_MV);
		return -1;
	}
	s->pins[nrf].adc_mv = (int32_t)mv;
	return 0;
}

uint8_t sim_pin_level(const struct sim *s, uint8_t nrf)
{
	return s->net_level[s->pins[nrf].net];
}

void sim_hal_gpio_config(void *ctx, uint8_t nrf, uint8_t mode)
{
	struct sim *s = ctx;
	if (nrf >= WISFW_NRF_PINS || !s->pins[nrf].def)
		return;
	s->pins[nrf].mode = mode;
	net_update(s, s->pins[nrf].net);
}

void sim_hal_gpio_write(void *ctx, uint8_t nrf, uint8_t level)
{
	struct sim *s = ctx;
	if (nrf >= WISFW_NRF_PINS || !s->pins[nrf].def)
		return;
	s->pins[nrf].latch = level ? 1 : 0;
	net_update(s, s->pins[nrf].net);
}

uint8_t sim_hal_gpio_read(void *ctx, uint8_t nrf)
{
	struct sim *s = ctx;
	if (nrf >= WISFW_NRF_PINS || !s->pins[nrf].def)
		return 0;
	/* A disconnected input buffer reads 0 (nRF52840 PIN_CNF.INPUT). */
	if (s->pins[nrf].mode == WIS_GPIO_DISABLED)
		return 0;
	return sim_pin_level(s, nrf);
}

uint8_t sim_hal_adc_sample(void *ctx, uint8_t ain, uint8_t gain, uint8_t ref, uint8_t bits,
                           uint8_t oversample_log2, int16_t *raw)
{
	struct sim *s = ctx;
	(void)oversample_log2; /* a noiseless input averages to itself */
	for (uint8_t nrf = 0; nrf < WISFW_NRF_PINS; nrf++) {
		const struct sim_pin *p = &s->pins[nrf];
		if (p->def && p->def->ain == ain) {
			*raw = wisfw_adc_raw_from_mv(p->adc_mv, gain, ref, bits, s->board.vdd_mv);
			return WIS_ST_OK;
		}
	}
	*raw = 0; /* an unconnected AIN channel floats near ground */
	return WIS_ST_OK;
}

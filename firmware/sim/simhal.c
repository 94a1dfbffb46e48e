/*
 * simhal: the simulated peripherals of a RAK4631 behind struct wisfw_hal
 * (see simhal.h).  Used by wisrpc-sim and by the firmware tests, so every
 * hook exists once.  The pin model: each IO pin has the configuration the
 * core gave it, an output latch, an optional external drive (control
 * socket, button, test) and belongs to a net (itself, or a group wired
 * together); a net's level follows its drivers, and a change is reported
 * to the core for every input on the net, as the nRF52840's GPIOTE would.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "rak4631_board.h"
#include "simhal.h"
#include "simhal_radio.h"

#ifndef WIS_FW_VERSION
#define WIS_FW_VERSION "0.0.0"
#endif

uint64_t simhal_now(const struct simhal *s)
{
	if (s->manual_clock)
		return s->now;
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static char *put_dec(char *o, unsigned v)
{
	char d[10];
	int n = 0;
	do
		d[n++] = (char)('0' + v % 10);
	while (v /= 10);
	while (n)
		*o++ = d[--n];
	return o;
}

/* "w34=1 " per hook call, as long as the buffer has room.  Formatted by
 * hand: the flash's chip select comes here twice per FLASH_READ, and
 * snprintf cost 2.3 k instructions per 1 KiB read, a quarter of what the
 * simulator spends on it once the chip model serves the data as a copy. */
static void trace(struct simhal *s, char op, uint8_t nrf, unsigned v)
{
	/* Full (no entry is shorter than "w1=0 "): skip the formatting, which
	 * a streamed flash read's chip-select toggles would pay per KiB. */
	if (s->trace_len + 5 >= sizeof s->trace)
		return;
	char b[32], *o = b;
	*o++ = op;
	o = put_dec(o, nrf);
	*o++ = '=';
	o = put_dec(o, v);
	*o++ = ' ';
	size_t n = (size_t)(o - b);
	if (s->trace_len + n < sizeof s->trace) {
		memcpy(s->trace + s->trace_len, b, n);
		s->trace_len += n;
		s->trace[s->trace_len] = 0;
	}
}

static void pins_init(struct simhal *s)
{
	for (uint8_t nrf = 0; nrf < WISFW_NRF_PINS; nrf++) {
		struct simhal_pin *p = &s->pins[nrf];
		p->def = wis_pin_by_nrf(s->board.pins, s->board.pin_count, nrf);
		p->mode = WIS_GPIO_DISABLED;
		p->latch = 0;
		p->ext = -1;
		p->net = nrf;
		s->net_pins[nrf] = p->def ? 1ull << nrf : 0;
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
static void net_update(struct simhal *s, uint8_t net)
{
	bool d0 = false, d1 = false, pu = false, pd = false;
	for (uint64_t m = s->net_pins[net]; m; m &= m - 1) {
		const struct simhal_pin *p = &s->pins[__builtin_ctzll(m)];
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
			char msg[96];
			snprintf(msg, sizeof msg,
			         "contention: the net of %s is driven high and low at once",
			         s->pins[net].def ? s->pins[net].def->name : n);
			if (s->log)
				s->log(s->user, msg);
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
	if (s->mute_pins || !s->core)
		return;
	uint64_t now = simhal_now(s);
	for (uint64_t m = s->net_pins[net]; m; m &= m - 1) {
		uint8_t i = (uint8_t)__builtin_ctzll(m);
		if (is_input(s->pins[i].mode))
			wisfw_core_pin_changed(s->core, i, level, now);
	}
}

void simhal_pins_reset(struct simhal *s)
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

const struct wis_pin_def *simhal_pin_lookup(struct simhal *s, const char *name, char *err, size_t n)
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

int simhal_pins_wire(struct simhal *s, const char *spec, char *err, size_t n)
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
		const struct wis_pin_def *d = simhal_pin_lookup(s, t, err, n);
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
		s->net_pins[root] |= s->net_pins[old];
		s->net_pins[old] = 0;
	}
	net_update(s, root);
	return 0;
}

void simhal_pins_drive(struct simhal *s, uint8_t nrf, int level)
{
	s->pins[nrf].ext = (int8_t)(level < 0 ? -1 : level ? 1 : 0);
	net_update(s, s->pins[nrf].net);
}

int simhal_set_adc(struct simhal *s, uint8_t nrf, long mv, char *err, size_t n)
{
	const struct simhal_pin *p = &s->pins[nrf];
	if (!p->def || p->def->ain == WIS_AIN_NONE) {
		snprintf(err, n, "%s has no analog input (ADC pins: AIN0, AIN1, IO4, IO7)",
		         p->def ? p->def->name : "pin");
		return -1;
	}
	if (mv < 0 || mv > SIMHAL_ADC_MAX_MV) {
		snprintf(err, n, "%ld mV out of range 0..%d (VDD + 0.3 V)", mv, SIMHAL_ADC_MAX_MV);
		return -1;
	}
	s->pins[nrf].adc_mv = (int32_t)mv;
	return 0;
}

uint8_t simhal_pin_level(const struct simhal *s, uint8_t nrf)
{
	return s->net_level[s->pins[nrf].net];
}

/* ---- hooks ---- */

static uint64_t h_now(void *ctx)
{
	return simhal_now(ctx);
}

static void h_alarm(void *ctx, uint64_t t)
{
	struct simhal *s = ctx;
	s->alarm = t;
}

/* Takes what fits: the owner writes the buffer out (drain) at the pace the
 * host reads, so the core sees a link that fills up like a USB IN FIFO. */
static int h_tx(void *ctx, const uint8_t *p, size_t n)
{
	struct simhal *s = ctx;
	if (!s->link_up)
		return -1; /* no host attached: like USB not configured */
	if (s->tx_chunk && n > s->tx_chunk)
		n = s->tx_chunk;
	if (s->tx_budget >= 0 && (long)n > s->tx_budget)
		n = (size_t)s->tx_budget;
	if (s->sink) {
		s->sink(s->user, p, n);
	} else {
		if (s->txlen + n > sizeof s->txbuf && s->drain)
			s->drain(s->user);
		/* What waits moves to the front only when that moves no more
		 * bytes than have left since the last move.  A pty takes a KiB
		 * or two at a time from a full buffer: moving the whole rest
		 * for each new frame cost several times the frame (1 KiB). */
		size_t waiting = s->txlen - s->txoff;
		if (s->txlen + n > sizeof s->txbuf && s->txoff && s->txoff >= waiting) {
			memmove(s->txbuf, s->txbuf + s->txoff, waiting);
			s->txlen = waiting;
			s->txoff = 0;
		}
		size_t room = sizeof s->txbuf - s->txlen;
		if (n > room)
			n = room;
		memcpy(s->txbuf + s->txlen, p, n);
		s->txlen += n;
	}
	if (s->tx_budget >= 0)
		s->tx_budget -= (long)n;
	return (int)n;
}

static void h_reset(void *ctx, uint8_t mode)
{
	struct simhal *s = ctx;
	/* The core is mid-call: the owner resets once it has returned. */
	s->resets++;
	s->reset_req = true;
	s->reset_mode = mode;
}

static void h_device_id(void *ctx, uint8_t id[8])
{
	struct simhal *s = ctx;
	memcpy(id, s->id, 8);
}

static void h_config(void *ctx, uint8_t nrf, uint8_t mode)
{
	struct simhal *s = ctx;
	trace(s, 'c', nrf, mode);
	if (nrf >= WISFW_NRF_PINS || !s->pins[nrf].def)
		return;
	s->pins[nrf].mode = mode;
	net_update(s, s->pins[nrf].net);
	simhal_flash_cs(s);
}

static void h_write(void *ctx, uint8_t nrf, uint8_t level)
{
	struct simhal *s = ctx;
	if (simhal_radio_write(s, nrf, level))
		return; /* untraced: the radio's NSS toggles on every command */
	trace(s, 'w', nrf, level);
	if (nrf >= WISFW_NRF_PINS || !s->pins[nrf].def)
		return;
	s->pins[nrf].latch = level ? 1 : 0;
	net_update(s, s->pins[nrf].net);
	simhal_flash_cs(s);
}

static uint8_t h_read(void *ctx, uint8_t nrf)
{
	struct simhal *s = ctx;
	uint8_t radio_level;
	if (simhal_radio_read(s, nrf, &radio_level))
		return radio_level;
	if (nrf >= WISFW_NRF_PINS || !s->pins[nrf].def)
		return 0;
	/* A disconnected input buffer reads 0 (nRF52840 PIN_CNF.INPUT). */
	if (s->pins[nrf].mode == WIS_GPIO_DISABLED)
		return 0;
	return simhal_pin_level(s, nrf);
}

/* GPIOTE model: any number of channels; the pin model reports every input
 * anyway, the core filters.  Records the request for tests. */
static bool h_watch(void *ctx, uint8_t nrf, uint8_t edge)
{
	struct simhal *s = ctx;
	trace(s, 'e', nrf, edge);
	if (nrf < WISFW_NRF_PINS)
		s->pins[nrf].watched = edge;
	return true;
}

static uint8_t h_adc(void *ctx, uint8_t ain, uint8_t gain, uint8_t ref, uint8_t bits,
                     uint8_t oversample_log2, int16_t *raw)
{
	struct simhal *s = ctx;
	uint8_t a[5] = {ain, gain, ref, bits, oversample_log2};
	memcpy(s->adc_args, a, sizeof a);
	if (s->adc_fixed) {
		*raw = s->adc_raw;
		return s->adc_status;
	}
	/* A noiseless input averages to itself: oversampling changes nothing. */
	*raw = 0; /* an unconnected AIN channel floats near ground */
	for (uint8_t nrf = 0; nrf < WISFW_NRF_PINS; nrf++) {
		const struct simhal_pin *p = &s->pins[nrf];
		if (p->def && p->def->ain == ain)
			*raw = wisfw_adc_raw_from_mv(p->adc_mv, gain, ref, bits, s->board.vdd_mv);
	}
	return s->adc_status;
}

/* Short bounded wait: a manual clock just moves, the real one is waited
 * out (a few µs, as the radio's BUSY polling on the module). */
static void h_delay(void *ctx, uint32_t us)
{
	struct simhal *s = ctx;
	if (s->manual_clock) {
		s->now += us;
		return;
	}
	uint64_t end = simhal_now(s) + us;
	while (simhal_now(s) < end)
		;
}

static uint8_t h_radio_configure(void *ctx, uint32_t hz, uint8_t mode)
{
	(void)ctx, (void)hz, (void)mode;
	return WIS_ST_OK;
}

static uint8_t h_radio_transfer(void *ctx, const uint8_t *tx, uint8_t *rx, size_t n)
{
	return simhal_radio_spi(ctx, tx, rx, n);
}

void simhal_init(struct simhal *s, bool manual_clock)
{
	memset(s, 0, sizeof *s);
	s->manual_clock = manual_clock;
	s->alarm = UINT64_MAX;
	s->link_up = true;
	s->tx_budget = -1;
	wisfw_rak4631_board(&s->board);
	s->board.fw_version = WIS_FW_VERSION;
	s->board.caps = WIS_CAP_GPIO | WIS_CAP_ADC | WIS_CAP_BATCH | WIS_CAP_EVENTS |
	                WIS_CAP_SIMULATED | WIS_CAP_FLASH | WIS_CAP_I2C | WIS_CAP_SPI |
	                WIS_CAP_UART;
	/* The companion firmware programs UICR.NFCPINS so IO5/IO6 are GPIOs. */
	s->board.nfc_pins_gpio = true;
	s->time = (struct wisfw_timebase){h_now, h_alarm, h_delay};
	s->radio_spi = (struct wisfw_spi){h_radio_configure, h_radio_transfer};
	s->link = (struct wisfw_link){h_tx};
	s->sys = (struct wisfw_system){h_reset, h_device_id};
	s->gpio = (struct wisfw_gpio){h_config, h_write, h_read, h_watch};
	s->adc = (struct wisfw_adc){h_adc};
	s->hal = (struct wisfw_hal){
	    .ctx = s,
	    .board = &s->board,
	    .time = &s->time,
	    .link = &s->link,
	    .sys = &s->sys,
	    .gpio = &s->gpio,
	    .adc = &s->adc,
	};
	pins_init(s);
	simhal_flash_init(s);
	simhal_i2c_init(s);
	simhal_uart_init(s);
}

void simhal_attach(struct simhal *s, struct wisfw_core *core)
{
	s->core = core;
}

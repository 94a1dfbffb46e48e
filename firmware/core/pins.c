/*
 * Detail text and pin ownership, shared by every subsystem of the core.
 * A detail is the human sentence an error response carries ("IO1 is an
 * input: set mode output first"); it is built here without stdio.  The
 * ownership table says which function (GPIO, ADC, a bus) holds each nRF
 * pin, so a conflicting use is refused with the holder's name.
 */
#include "core_priv.h"

/* ---- detail text ---- */

void wisfw_d_reset(struct wisfw_core *c)
{
	c->detail_len = 0;
}

void wisfw_d_str(struct wisfw_core *c, const char *s)
{
	while (*s && c->detail_len < sizeof c->detail)
		c->detail[c->detail_len++] = *s++;
}

void wisfw_d_uint(struct wisfw_core *c, uint32_t v)
{
	char b[11];
	size_t n = 0;
	do {
		b[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n && c->detail_len < sizeof c->detail)
		c->detail[c->detail_len++] = b[--n];
}

void wisfw_d_hex16(struct wisfw_core *c, uint16_t v)
{
	static const char hex[] = "0123456789abcdef";
	char b[7] = {'0',         'x', hex[v >> 12], hex[(v >> 8) & 15], hex[(v >> 4) & 15],
	             hex[v & 15], 0};
	wisfw_d_str(c, b);
}

void wisfw_d_pin(struct wisfw_core *c, uint8_t nrf)
{
	const struct wisfw_board *b = c->hal->board;
	const struct wis_pin_def *d = wis_pin_by_nrf(b->pins, b->pin_count, nrf);
	if (d) {
		wisfw_d_str(c, d->name);
		return;
	}
	wisfw_d_str(c, "pin ");
	wisfw_d_uint(c, nrf);
	if (nrf < WISFW_NRF_PINS) {
		char n[6];
		wis_nrf_name(nrf, n);
		wisfw_d_str(c, " (");
		wisfw_d_str(c, n);
		wisfw_d_str(c, ")");
	}
}

uint8_t wisfw_d_range(struct wisfw_core *c, const char *name, uint32_t v, uint32_t lo, uint32_t hi)
{
	wisfw_d_str(c, name);
	wisfw_d_str(c, " ");
	wisfw_d_uint(c, v);
	wisfw_d_str(c, " out of range ");
	wisfw_d_uint(c, lo);
	wisfw_d_str(c, "..");
	wisfw_d_uint(c, hi);
	return WIS_ST_BAD_ARG;
}

uint8_t wisfw_d_unsupported(struct wisfw_core *c, const char *what, const char *hook)
{
	wisfw_d_str(c, what);
	wisfw_d_str(c, ": this port has no ");
	wisfw_d_str(c, hook);
	return WIS_ST_NOT_SUPPORTED;
}

/* ---- pins and ownership ---- */

const struct wis_pin_def *wisfw_io_pin(struct wisfw_core *c, uint8_t nrf, uint8_t *st)
{
	const struct wisfw_board *b = c->hal->board;
	const struct wis_pin_def *d = NULL;
	if (nrf < WISFW_NRF_PINS)
		d = wis_pin_by_nrf(b->pins, b->pin_count, nrf);
	if (d)
		return d;
	*st = WIS_ST_NO_SUCH_PIN;
	wisfw_d_pin(c, nrf);
	if (nrf >= WISFW_NRF_PINS) {
		wisfw_d_str(c, " is not an nRF52840 GPIO (0..47 = P0.00..P1.15)");
		return NULL;
	}
	wisfw_d_str(c, " is not an I/O pin of this board");
	for (size_t i = 0; i < b->reserved_count; i++) {
		if (b->reserved[i].nrf == nrf) {
			wisfw_d_str(c, ": ");
			wisfw_d_str(c, b->reserved[i].what);
			break;
		}
	}
	return NULL;
}

uint8_t wisfw_claim_check(struct wisfw_core *c, uint8_t nrf, uint8_t want)
{
	uint8_t o = c->pins[nrf].owner;
	if (o == WIS_OWNER_NONE || o == want)
		return WIS_ST_OK;
	wisfw_d_pin(c, nrf);
	if (o == WIS_OWNER_SYSTEM) {
		wisfw_d_str(c, " is reserved by the system (NFC pad, UICR.NFCPINS)");
		return WIS_ST_PIN_BUSY;
	}
	wisfw_d_str(c, " is owned by ");
	wisfw_d_str(c, wis_name_of(wis_owner_names, o));
	wisfw_d_str(c, ": release it first");
	return WIS_ST_PIN_BUSY;
}

void wisfw_pin_unwatch(struct wisfw_core *c, uint8_t nrf)
{
	struct wisfw_pin_rt *p = &c->pins[nrf];
	const struct wisfw_gpio *g = c->hal->gpio;
	if (p->edge != WIS_EDGE_NONE && g && g->watch)
		g->watch(c->hal->ctx, nrf, WIS_EDGE_NONE);
	p->edge = WIS_EDGE_NONE;
	wisfw_pin_set_pending(c, nrf, false);
	p->debounce_us = 0;
}

void wisfw_pin_set_pending(struct wisfw_core *c, uint8_t nrf, bool on)
{
	c->pins[nrf].pending = on;
	if (on)
		c->debouncing |= (uint64_t)1 << nrf;
	else
		c->debouncing &= ~((uint64_t)1 << nrf);
}

void wisfw_pin_release(struct wisfw_core *c, uint8_t nrf)
{
	struct wisfw_pin_rt *p = &c->pins[nrf];
	wisfw_pin_unwatch(c, nrf);
	p->owner = WIS_OWNER_NONE;
	p->mode = WIS_GPIO_DISABLED;
	if (c->hal->gpio)
		c->hal->gpio->config(c->hal->ctx, nrf, WIS_GPIO_DISABLED);
}

uint8_t wisfw_core_pin_owner(const struct wisfw_core *c, uint8_t nrf)
{
	return nrf < WISFW_NRF_PINS ? c->pins[nrf].owner : WIS_OWNER_NONE;
}

uint8_t wisfw_core_pin_mode(const struct wisfw_core *c, uint8_t nrf)
{
	if (nrf >= WISFW_NRF_PINS || c->pins[nrf].owner != WIS_OWNER_GPIO)
		return WIS_GPIO_DISABLED;
	return c->pins[nrf].mode;
}

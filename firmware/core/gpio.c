/*
 * GPIO subsystem: modes, read, write and edge watching with debounce, on
 * top of the pin ownership table in struct wisfw_core.  Mirrors the
 * nRF52840 GPIO/GPIOTE model: the output latch is written before the pin
 * becomes an output (no glitch), and edges come from the port as level
 * changes (hal.gpio.watch lets it arm GPIOTE only for watched pins).
 *
 * The board's rail pin (RAK4631: IO2 also switches the 3V3_S sensor rail)
 * is only ever changed by an explicit GPIO_MODE or GPIO_WRITE: a read or a
 * watch of it never reconfigures an owned pin, and never gives an unowned
 * one a pull (a pull-up would switch the rail on).
 *
 * The safe thing is the default (docs/api.md, "Pin rules"): the plain LED
 * pins are outputs, off, from boot, so a read shows their state and a write
 * just works; a read never changes an owned pin's mode (an output reads its
 * level); and the button pin (SW1, a switch to ground) is never made a
 * push-pull output by a bare write, which would short it when pressed: the
 * write is refused with the mode to set.
 */
#include "core_priv.h"

static bool is_input(uint8_t mode)
{
	return mode == WIS_GPIO_INPUT || mode == WIS_GPIO_INPUT_PULLUP ||
	       mode == WIS_GPIO_INPUT_PULLDOWN;
}

/* NOT_SUPPORTED unless the port has GPIO. */
static uint8_t need_gpio(struct wisfw_core *c, const char *what)
{
	return c->hal->gpio ? WIS_ST_OK : wisfw_d_unsupported(c, what, "hal.gpio");
}

/* Makes an unowned pin a GPIO in mode (as gpioget/gpioset do). */
static void claim(struct wisfw_core *c, uint8_t nrf, uint8_t mode)
{
	struct wisfw_pin_rt *p = &c->pins[nrf];
	wisfw_pin_unwatch(c, nrf);
	p->owner = WIS_OWNER_GPIO;
	p->mode = mode;
	c->hal->gpio->config(c->hal->ctx, nrf, mode);
}

/* The input mode an unowned pin gets when it is read or watched: plain
 * input, except that a button to ground (SW1) gets its pull-up, or a
 * released button would read a floating level.  Never the rail pin: its
 * level must not change because someone looked at it. */
static uint8_t implicit_input_mode(const struct wisfw_core *c, const struct wis_pin_def *d)
{
	if (d->nrf == c->hal->board->rail_nrf)
		return WIS_GPIO_INPUT;
	return (d->funcs & WIS_FN_BUTTON) ? WIS_GPIO_INPUT_PULLUP : WIS_GPIO_INPUT;
}

static uint8_t h_mode(struct wisfw_core *c, const union wis_val *v, struct wis_wr *out)
{
	(void)out;
	uint8_t nrf = (uint8_t)v[0].u, mode = (uint8_t)v[1].u, init = (uint8_t)v[2].u, st;
	if (!wisfw_io_pin(c, nrf, &st))
		return st;
	if ((st = need_gpio(c, "GPIO_MODE")) != WIS_ST_OK)
		return st;
	if ((st = wisfw_claim_check(c, nrf, WIS_OWNER_GPIO)) != WIS_ST_OK)
		return st;
	if (mode == WIS_GPIO_DISABLED) {
		wisfw_pin_release(c, nrf);
		return WIS_ST_OK;
	}
	if (mode == WIS_GPIO_OUTPUT || mode == WIS_GPIO_OUTPUT_OPEN_DRAIN)
		c->hal->gpio->write(c->hal->ctx, nrf, init);
	claim(c, nrf, mode);
	return WIS_ST_OK;
}

static uint8_t h_read(struct wisfw_core *c, const union wis_val *v, struct wis_wr *out)
{
	uint8_t nrf = (uint8_t)v[0].u, st;
	const struct wis_pin_def *d = wisfw_io_pin(c, nrf, &st);
	if (!d)
		return st;
	if ((st = need_gpio(c, "GPIO_READ")) != WIS_ST_OK)
		return st;
	if ((st = wisfw_claim_check(c, nrf, WIS_OWNER_GPIO)) != WIS_ST_OK)
		return st;
	if (c->pins[nrf].owner == WIS_OWNER_NONE)
		claim(c, nrf, implicit_input_mode(c, d));
	wis_wr_u8(out, c->hal->gpio->read(c->hal->ctx, nrf) ? 1 : 0);
	return WIS_ST_OK;
}

static uint8_t h_write(struct wisfw_core *c, const union wis_val *v, struct wis_wr *out)
{
	(void)out;
	uint8_t nrf = (uint8_t)v[0].u, level = (uint8_t)v[1].u, st;
	const struct wis_pin_def *d = wisfw_io_pin(c, nrf, &st);
	if (!d)
		return st;
	if ((st = need_gpio(c, "GPIO_WRITE")) != WIS_ST_OK)
		return st;
	if ((st = wisfw_claim_check(c, nrf, WIS_OWNER_GPIO)) != WIS_ST_OK)
		return st;
	struct wisfw_pin_rt *p = &c->pins[nrf];
	bool button = (d->funcs & WIS_FN_BUTTON) != 0;
	if (button && (p->owner == WIS_OWNER_NONE ||
	               (p->mode != WIS_GPIO_OUTPUT && p->mode != WIS_GPIO_OUTPUT_OPEN_DRAIN))) {
		/* Not without an explicit mode: push-pull high into a pressed
		 * button to ground is a short. */
		wisfw_d_pin(c, nrf);
		wisfw_d_str(c, " is a button to ground: set mode output_open_drain first"
		               " (a bare write would drive it push-pull)");
		return WIS_ST_WRONG_MODE;
	}
	if (p->owner == WIS_OWNER_NONE) {
		c->hal->gpio->write(c->hal->ctx, nrf, level);
		claim(c, nrf, WIS_GPIO_OUTPUT);
		return WIS_ST_OK;
	}
	if (p->mode != WIS_GPIO_OUTPUT && p->mode != WIS_GPIO_OUTPUT_OPEN_DRAIN) {
		wisfw_d_pin(c, nrf);
		wisfw_d_str(c, " is an input: set mode output first");
		return WIS_ST_WRONG_MODE;
	}
	c->hal->gpio->write(c->hal->ctx, nrf, level);
	return WIS_ST_OK;
}

static uint8_t h_watch(struct wisfw_core *c, const union wis_val *v, struct wis_wr *out)
{
	(void)out;
	uint8_t nrf = (uint8_t)v[0].u, edge = (uint8_t)v[1].u, st;
	uint32_t debounce = (uint32_t)v[2].u;
	const struct wis_pin_def *d = wisfw_io_pin(c, nrf, &st);
	if (!d)
		return st;
	if ((st = need_gpio(c, "GPIO_WATCH")) != WIS_ST_OK)
		return st;
	if ((st = wisfw_claim_check(c, nrf, WIS_OWNER_GPIO)) != WIS_ST_OK)
		return st;
	struct wisfw_pin_rt *p = &c->pins[nrf];
	if (edge == WIS_EDGE_NONE) {
		wisfw_pin_unwatch(c, nrf);
		return WIS_ST_OK;
	}
	if (p->owner != WIS_OWNER_NONE && !is_input(p->mode)) {
		wisfw_d_pin(c, nrf);
		wisfw_d_str(c, " is an output: set an input mode first");
		return WIS_ST_WRONG_MODE;
	}
	const struct wisfw_gpio *g = c->hal->gpio;
	if (g->watch && !g->watch(c->hal->ctx, nrf, edge)) {
		wisfw_d_pin(c, nrf);
		wisfw_d_str(c, ": no edge detector left (GPIOTE channels in use)");
		return WIS_ST_BUSY;
	}
	if (p->owner == WIS_OWNER_NONE)
		claim(c, nrf, implicit_input_mode(c, d)); /* an unowned pin watches nothing */
	uint8_t level = g->read(c->hal->ctx, nrf) ? 1 : 0;
	p->edge = edge;
	p->debounce_us = debounce;
	p->stable = level;
	p->cur = level;
	wisfw_pin_set_pending(c, nrf, false);
	return WIS_ST_OK;
}

static void report(struct wisfw_core *c, uint8_t nrf, uint8_t level, uint64_t t)
{
	struct wisfw_pin_rt *p = &c->pins[nrf];
	uint8_t edge = level ? WIS_EDGE_RISING : WIS_EDGE_FALLING;
	p->stable = level;
	if (!(p->edge & edge))
		return;
	uint8_t data[3] = {nrf, level, edge};
	wisfw_event(c, WIS_EV_GPIO_EDGE, t, data, sizeof data);
}

void wisfw_core_pin_changed(struct wisfw_core *c, uint8_t nrf, uint8_t level, uint64_t t_us)
{
	if (c->run != WISFW_RUNNING || nrf >= WISFW_NRF_PINS)
		return;
	struct wisfw_pin_rt *p = &c->pins[nrf];
	if (p->owner != WIS_OWNER_GPIO || p->edge == WIS_EDGE_NONE)
		return; /* GPIOTE is only armed for watched pins */
	level = level ? 1 : 0;
	uint64_t t = wisfw_dev_time(c, t_us);
	if (level == p->cur)
		return;
	p->cur = level;
	if (p->debounce_us == 0) {
		report(c, nrf, level, t);
		return;
	}
	/* The edge's time is the first transition of the burst; it is
	 * reported once the level has held for the debounce time, so its
	 * timestamp may be older than that of an event queued meanwhile. */
	p->last_t = t;
	if (!p->pending) {
		wisfw_pin_set_pending(c, nrf, true);
		p->first_t = t;
	}
	wisfw_rearm(c);
}

static void gpio_poll(struct wisfw_core *c, uint64_t now)
{
	for (uint64_t m = c->debouncing; m; m &= m - 1) {
		uint8_t nrf = (uint8_t)__builtin_ctzll(m);
		struct wisfw_pin_rt *p = &c->pins[nrf];
		if (now < p->last_t || now - p->last_t < p->debounce_us)
			continue;
		wisfw_pin_set_pending(c, nrf, false);
		if (p->cur != p->stable) /* else a glitch shorter than the debounce */
			report(c, nrf, p->cur, p->first_t);
	}
}

static uint64_t gpio_deadline(const struct wisfw_core *c)
{
	uint64_t d = UINT64_MAX;
	for (uint64_t m = c->debouncing; m; m &= m - 1) {
		const struct wisfw_pin_rt *p = &c->pins[__builtin_ctzll(m)];
		if (p->last_t + p->debounce_us < d)
			d = p->last_t + p->debounce_us;
	}
	return d;
}

/* An LED and nothing else (LED1, LED2): an output, off, from boot.  LED3
 * is also the QSPI flash's DIO3 (HOLD#/RESET# in SPI mode) and SAADC AIN0:
 * driving it would hold the flash chip or load the input, so it stays
 * disconnected like any other pin. */
static bool plain_led(const struct wis_pin_def *d)
{
	return (d->funcs & WIS_FN_LED) && !(d->funcs & (WIS_FN_QSPI | WIS_FN_ADC));
}

/* Boot: every IO pin disconnected (IO2 too: the 3V3_S rail enable is left
 * undriven until a host sets it) but the plain LEDs, outputs at 0 (the
 * latch is written first: no glitch); NFC pads reserved unless they are
 * GPIOs. */
static void gpio_init(struct wisfw_core *c)
{
	const struct wisfw_hal *h = c->hal;
	const struct wisfw_board *b = h->board;
	for (size_t i = 0; i < b->pin_count; i++) {
		const struct wis_pin_def *d = &b->pins[i];
		if (d->kind != WIS_PIN_IO || d->nrf >= WISFW_NRF_PINS)
			continue;
		if (h->gpio && plain_led(d)) {
			h->gpio->write(h->ctx, d->nrf, 0);
			claim(c, d->nrf, WIS_GPIO_OUTPUT);
			continue;
		}
		if (h->gpio)
			h->gpio->config(h->ctx, d->nrf, WIS_GPIO_DISABLED);
		if ((d->funcs & WIS_FN_NFC) && !b->nfc_pins_gpio)
			c->pins[d->nrf].owner = WIS_OWNER_SYSTEM;
	}
}

static const struct wisfw_op_handler gpio_ops[] = {
    {WIS_OP_GPIO_MODE, h_mode},
    {WIS_OP_GPIO_READ, h_read},
    {WIS_OP_GPIO_WRITE, h_write},
    {WIS_OP_GPIO_WATCH, h_watch},
};

const struct wisfw_subsys wisfw_gpio_subsys = {
    .name = "gpio",
    .init = gpio_init,
    .poll = gpio_poll,
    .next_deadline = gpio_deadline,
    .ops = gpio_ops,
    .nops = sizeof gpio_ops / sizeof gpio_ops[0],
};

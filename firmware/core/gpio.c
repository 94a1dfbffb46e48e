/*
 * GPIO subsystem: modes, read, write and edge watching with debounce, on
 * top of the pin ownership table in struct wisfw_core.  Mirrors the nRF52840
 * GPIO/GPIOTE model: the output latch is written before the pin becomes an
 * output (no glitch), and edges come from the port as level changes.
 */
#include "core_priv.h"

static bool is_input(uint8_t mode)
{
	return mode == WIS_GPIO_INPUT || mode == WIS_GPIO_INPUT_PULLUP ||
	       mode == WIS_GPIO_INPUT_PULLDOWN;
}

static void stop_watch(struct wisfw_pin_rt *p)
{
	p->edge = WIS_EDGE_NONE;
	p->pending = false;
	p->debounce_us = 0;
}

static uint8_t level_range(struct wisfw_core *c, const char *what, uint8_t v)
{
	return v > 1 ? wisfw_d_range(c, what, v, 0, 1) : WIS_ST_OK;
}

/* Makes an unowned pin a GPIO in mode (as gpioget/gpioset do). */
static void claim(struct wisfw_core *c, uint8_t nrf, uint8_t mode)
{
	struct wisfw_pin_rt *p = &c->pins[nrf];
	stop_watch(p);
	p->owner = WIS_OWNER_GPIO;
	p->mode = mode;
	c->hal->gpio_config(c->hal->ctx, nrf, mode);
}

/* The input mode an unowned pin gets when it is read or watched: plain
 * input, except that a button to ground (SW1) gets its pull-up, or a
 * released button would read a floating level. */
static uint8_t implicit_input_mode(const struct wis_pin_def *d)
{
	return (d->funcs & WIS_FN_BUTTON) ? WIS_GPIO_INPUT_PULLUP : WIS_GPIO_INPUT;
}

uint8_t wisfw_h_gpio_mode(struct wisfw_core *c, struct wis_rd *in, struct wis_wr *out)
{
	(void)out;
	uint8_t nrf = wis_rd_u8(in), mode = wis_rd_u8(in), init = wis_rd_u8(in), st;
	if (!wisfw_io_pin(c, nrf, &st))
		return st;
	if (mode >= WIS_GPIO__MODE_COUNT)
		return wisfw_d_range(c, "mode", mode, 0, WIS_GPIO__MODE_COUNT - 1);
	if ((st = level_range(c, "initial level", init)) != WIS_ST_OK)
		return st;
	if ((st = wisfw_claim_check(c, nrf, WIS_OWNER_GPIO)) != WIS_ST_OK)
		return st;
	if (mode == WIS_GPIO_DISABLED) {
		wisfw_pin_release(c, nrf);
		return WIS_ST_OK;
	}
	if (mode == WIS_GPIO_OUTPUT || mode == WIS_GPIO_OUTPUT_OPEN_DRAIN)
		c->hal->gpio_write(c->hal->ctx, nrf, init);
	claim(c, nrf, mode);
	return WIS_ST_OK;
}

uint8_t wisfw_h_gpio_read(struct wisfw_core *c, struct wis_rd *in, struct wis_wr *out)
{
	uint8_t nrf = wis_rd_u8(in), st;
	const struct wis_pin_def *d = wisfw_io_pin(c, nrf, &st);
	if (!d)
		return st;
	if ((st = wisfw_claim_check(c, nrf, WIS_OWNER_GPIO)) != WIS_ST_OK)
		return st;
	if (c->pins[nrf].owner == WIS_OWNER_NONE)
		claim(c, nrf, implicit_input_mode(d));
	wis_wr_u8(out, c->hal->gpio_read(c->hal->ctx, nrf) ? 1 : 0);
	return WIS_ST_OK;
}

uint8_t wisfw_h_gpio_write(struct wisfw_core *c, struct wis_rd *in, struct wis_wr *out)
{
	(void)out;
	uint8_t nrf = wis_rd_u8(in), level = wis_rd_u8(in), st;
	if (!wisfw_io_pin(c, nrf, &st))
		return st;
	if ((st = level_range(c, "level", level)) != WIS_ST_OK)
		return st;
	if ((st = wisfw_claim_check(c, nrf, WIS_OWNER_GPIO)) != WIS_ST_OK)
		return st;
	struct wisfw_pin_rt *p = &c->pins[nrf];
	if (p->owner == WIS_OWNER_NONE) {
		c->hal->gpio_write(c->hal->ctx, nrf, level);
		claim(c, nrf, WIS_GPIO_OUTPUT);
		return WIS_ST_OK;
	}
	if (p->mode != WIS_GPIO_OUTPUT && p->mode != WIS_GPIO_OUTPUT_OPEN_DRAIN) {
		wisfw_d_pin(c, nrf);
		wisfw_d_str(c, " is an input: set mode output first");
		return WIS_ST_WRONG_MODE;
	}
	c->hal->gpio_write(c->hal->ctx, nrf, level);
	return WIS_ST_OK;
}

uint8_t wisfw_h_gpio_watch(struct wisfw_core *c, struct wis_rd *in, struct wis_wr *out)
{
	(void)out;
	uint8_t nrf = wis_rd_u8(in), edge = wis_rd_u8(in), st;
	uint32_t debounce = wis_rd_u32(in);
	const struct wis_pin_def *d = wisfw_io_pin(c, nrf, &st);
	if (!d)
		return st;
	if (edge > WIS_EDGE_BOTH)
		return wisfw_d_range(c, "edge", edge, 0, WIS_EDGE_BOTH);
	if (debounce > WIS_DEBOUNCE_MAX_US)
		return wisfw_d_range(c, "debounce_us", debounce, 0, WIS_DEBOUNCE_MAX_US);
	if ((st = wisfw_claim_check(c, nrf, WIS_OWNER_GPIO)) != WIS_ST_OK)
		return st;
	struct wisfw_pin_rt *p = &c->pins[nrf];
	if (edge == WIS_EDGE_NONE) {
		stop_watch(p);
		return WIS_ST_OK;
	}
	if (p->owner == WIS_OWNER_NONE)
		claim(c, nrf, implicit_input_mode(d));
	else if (!is_input(p->mode)) {
		wisfw_d_pin(c, nrf);
		wisfw_d_str(c, " is an output: set an input mode first");
		return WIS_ST_WRONG_MODE;
	}
	uint8_t level = c->hal->gpio_read(c->hal->ctx, nrf) ? 1 : 0;
	p->edge = edge;
	p->debounce_us = debounce;
	p->stable = level;
	p->cur = level;
	p->pending = false;
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
	if (c->halted || nrf >= WISFW_NRF_PINS)
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
	 * reported once the level has held for the debounce time. */
	p->last_t = t;
	if (!p->pending) {
		p->pending = true;
		p->first_t = t;
	}
}

void wisfw_gpio_poll(struct wisfw_core *c, uint64_t now)
{
	for (uint8_t nrf = 0; nrf < WISFW_NRF_PINS; nrf++) {
		struct wisfw_pin_rt *p = &c->pins[nrf];
		if (!p->pending || now < p->last_t || now - p->last_t < p->debounce_us)
			continue;
		p->pending = false;
		if (p->cur != p->stable) /* else a glitch shorter than the debounce */
			report(c, nrf, p->cur, p->first_t);
	}
}

uint64_t wisfw_gpio_next_deadline(const struct wisfw_core *c)
{
	uint64_t d = UINT64_MAX;
	for (uint8_t nrf = 0; nrf < WISFW_NRF_PINS; nrf++) {
		const struct wisfw_pin_rt *p = &c->pins[nrf];
		if (p->pending && p->last_t + p->debounce_us < d)
			d = p->last_t + p->debounce_us;
	}
	return d;
}

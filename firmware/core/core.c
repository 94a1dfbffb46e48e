/*
 * Core of the companion firmware: turns link bytes into requests (through
 * the shared deframer), dispatches them to the handlers in sys.c, gpio.c
 * and adc.c, sends responses and queued events, and keeps the counters
 * STATS reports.  Knows no hardware: everything goes through struct wis_hal.
 */
#include <string.h>

#include "core_priv.h"

struct op_def {
	uint16_t opcode;
	const char *name;
	int16_t len; /* exact request length, or -1: the handler checks */
	const char *params;
	wis_handler h;
	bool batchable;
};

static const struct op_def ops[] = {
    {WIS_OP_HELLO, "HELLO", 1, "u8 host version", wis_h_hello, false},
    {WIS_OP_PING, "PING", -1, "", wis_h_ping, true},
    {WIS_OP_UPTIME, "UPTIME", 0, "none", wis_h_uptime, true},
    {WIS_OP_RESET, "RESET", 1, "u8 mode", wis_h_reset, false},
    {WIS_OP_STATS, "STATS", 0, "none", wis_h_stats, true},
    {WIS_OP_PINS, "PINS", 1, "u8 first", wis_h_pins, true},
    {WIS_OP_BATCH, "BATCH", -1, "", wis_h_batch, false},
    {WIS_OP_RELEASE, "RELEASE", 1, "u8 pin", wis_h_release, true},
    {WIS_OP_PIN_STATE, "PIN_STATE", 1, "u8 pin", wis_h_pin_state, true},
    {WIS_OP_GPIO_MODE, "GPIO_MODE", 3, "u8 pin, u8 mode, u8 initial level", wis_h_gpio_mode, true},
    {WIS_OP_GPIO_READ, "GPIO_READ", 1, "u8 pin", wis_h_gpio_read, true},
    {WIS_OP_GPIO_WRITE, "GPIO_WRITE", 2, "u8 pin, u8 level", wis_h_gpio_write, true},
    {WIS_OP_GPIO_WATCH, "GPIO_WATCH", 6, "u8 pin, u8 edge, u32 debounce_us", wis_h_gpio_watch,
     true},
    {WIS_OP_ADC_READ, "ADC_READ", 5, "u8 pin, u8 gain, u8 reference, u8 bits, u8 oversample",
     wis_h_adc_read, true},
};

static const struct op_def *find_op(uint16_t opcode)
{
	for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
		if (ops[i].opcode == opcode)
			return &ops[i];
	return NULL;
}

/* ---- detail text ---- */

void wis_d_str(struct wis_core *c, const char *s)
{
	while (*s && c->detail_len < sizeof c->detail)
		c->detail[c->detail_len++] = *s++;
}

void wis_d_uint(struct wis_core *c, uint32_t v)
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

static void d_hex16(struct wis_core *c, uint16_t v)
{
	static const char hex[] = "0123456789abcdef";
	char b[7] = {'0',         'x', hex[v >> 12], hex[(v >> 8) & 15], hex[(v >> 4) & 15],
	             hex[v & 15], 0};
	wis_d_str(c, b);
}

void wis_d_pin(struct wis_core *c, uint8_t nrf)
{
	const struct wis_board *b = c->hal->board;
	const struct wis_pin_def *d = wis_pin_by_nrf(b->pins, b->pin_count, nrf);
	if (d) {
		wis_d_str(c, d->name);
		return;
	}
	wis_d_str(c, "pin ");
	wis_d_uint(c, nrf);
	if (nrf < WIS_CORE_NRF_PINS) {
		char n[6];
		wis_nrf_name(nrf, n);
		wis_d_str(c, " (");
		wis_d_str(c, n);
		wis_d_str(c, ")");
	}
}

uint8_t wis_d_range(struct wis_core *c, const char *name, uint32_t v, uint32_t lo, uint32_t hi)
{
	wis_d_str(c, name);
	wis_d_str(c, " ");
	wis_d_uint(c, v);
	wis_d_str(c, " out of range ");
	wis_d_uint(c, lo);
	wis_d_str(c, "..");
	wis_d_uint(c, hi);
	return WIS_ST_BAD_ARG;
}

/* ---- pins and ownership ---- */

static const char *const owner_upper[] = {"nothing", "GPIO", "ADC",   "I2C",
                                          "SPI",     "UART", "flash", "the system"};

const char *wis_owner_name(uint8_t owner)
{
	static const char *const n[] = {"none", "gpio", "adc",   "i2c",
	                                "spi",  "uart", "flash", "system"};
	return owner < sizeof n / sizeof n[0] ? n[owner] : "unknown";
}

const char *wis_gpio_mode_name(uint8_t mode)
{
	static const char *const n[] = {"disabled",       "input",  "input-pullup",
	                                "input-pulldown", "output", "output-open-drain"};
	return mode < sizeof n / sizeof n[0] ? n[mode] : "unknown";
}

const struct wis_pin_def *wis_io_pin(struct wis_core *c, uint8_t nrf, uint8_t *st)
{
	const struct wis_board *b = c->hal->board;
	const struct wis_pin_def *d = NULL;
	if (nrf < WIS_CORE_NRF_PINS)
		d = wis_pin_by_nrf(b->pins, b->pin_count, nrf);
	if (d)
		return d;
	*st = WIS_ST_NO_SUCH_PIN;
	wis_d_pin(c, nrf);
	if (nrf >= WIS_CORE_NRF_PINS) {
		wis_d_str(c, " is not an nRF52840 GPIO (0..47 = P0.00..P1.15)");
		return NULL;
	}
	wis_d_str(c, " is not an I/O pin of this board");
	for (size_t i = 0; i < b->reserved_count; i++) {
		if (b->reserved[i].nrf == nrf) {
			wis_d_str(c, ": ");
			wis_d_str(c, b->reserved[i].what);
			break;
		}
	}
	return NULL;
}

uint8_t wis_claim_check(struct wis_core *c, uint8_t nrf, uint8_t want)
{
	uint8_t o = c->pins[nrf].owner;
	if (o == WIS_OWNER_NONE || o == want)
		return WIS_ST_OK;
	wis_d_pin(c, nrf);
	if (o == WIS_OWNER_SYSTEM) {
		wis_d_str(c, " is reserved by the system (NFC pad, UICR.NFCPINS)");
		return WIS_ST_PIN_BUSY;
	}
	wis_d_str(c, " is owned by ");
	wis_d_str(c, o < sizeof owner_upper / sizeof owner_upper[0] ? owner_upper[o] : "?");
	wis_d_str(c, ": release it first");
	return WIS_ST_PIN_BUSY;
}

void wis_pin_release(struct wis_core *c, uint8_t nrf)
{
	struct wis_pin_rt *p = &c->pins[nrf];
	p->owner = WIS_OWNER_NONE;
	p->mode = WIS_GPIO_DISABLED;
	p->edge = WIS_EDGE_NONE;
	p->pending = false;
	p->debounce_us = 0;
	c->hal->gpio_config(c->hal->ctx, nrf, WIS_GPIO_DISABLED);
}

uint8_t wis_core_pin_owner(const struct wis_core *c, uint8_t nrf)
{
	return nrf < WIS_CORE_NRF_PINS ? c->pins[nrf].owner : WIS_OWNER_NONE;
}

uint8_t wis_core_pin_mode(const struct wis_core *c, uint8_t nrf)
{
	if (nrf >= WIS_CORE_NRF_PINS || c->pins[nrf].owner != WIS_OWNER_GPIO)
		return WIS_GPIO_DISABLED;
	return c->pins[nrf].mode;
}

const struct wis_frame_stats *wis_core_rx_stats(const struct wis_core *c)
{
	return &c->rx.stats;
}

/* ---- transmit ---- */

uint64_t wis_dev_time(const struct wis_core *c, uint64_t hal_us)
{
	return hal_us >= c->boot_us ? hal_us - c->boot_us : 0;
}

uint64_t wis_core_uptime_us(const struct wis_core *c)
{
	return wis_dev_time(c, c->hal->now_us(c->hal->ctx));
}

/* Pushes out the unsent tail of the last frame; true once nothing is left. */
static bool flush_pending(struct wis_core *c)
{
	while (c->pend_len) {
		int r = c->hal->tx(c->hal->ctx, c->pend + c->pend_off, c->pend_len);
		if (r < 0) {
			c->pend_len = 0; /* link down: the tail is lost with it */
			break;
		}
		if (r == 0)
			return false;
		if ((size_t)r > c->pend_len)
			r = (int)c->pend_len;
		c->pend_off += (size_t)r;
		c->pend_len -= (size_t)r;
	}
	return true;
}

/* Waits (bounded) for the link; false once the deadline has passed. */
static bool wait_link(struct wis_core *c, uint64_t t0)
{
	const struct wis_hal *h = c->hal;
	uint64_t el = h->now_us(h->ctx) - t0;
	if (!h->tx_wait || el >= WIS_CORE_RESP_WAIT_US)
		return false;
	return h->tx_wait(h->ctx, (uint32_t)(WIS_CORE_RESP_WAIT_US - el));
}

enum send_result { SENT, LINK_FULL, LINK_DOWN };

/*
 * Encodes and hands one frame to the link.  A frame the link took only
 * part of is finished later (a cut frame would cost the host a CRC error).
 * may_wait: responses wait a bounded time for a full link; events never do.
 */
static enum send_result send_frame(struct wis_core *c, const struct wis_hdr *hdr,
                                   const uint8_t *payload, size_t len, bool may_wait)
{
	const struct wis_hal *h = c->hal;
	uint64_t t0 = h->now_us(h->ctx);
	while (!flush_pending(c))
		if (!may_wait || !wait_link(c, t0))
			return LINK_FULL;
	size_t n = wis_frame_encode(c->enc, sizeof c->enc, hdr, payload, len);
	if (n == 0)
		return LINK_DOWN; /* cannot happen: payloads are bounded */
	size_t off = 0;
	while (off < n) {
		int r = h->tx(h->ctx, c->enc + off, n - off);
		if (r < 0)
			return LINK_DOWN;
		if (r == 0) {
			if (off > 0)
				break;
			if (may_wait && wait_link(c, t0))
				continue;
			return LINK_FULL;
		}
		off += (size_t)r > n - off ? n - off : (size_t)r;
	}
	if (off < n) {
		memcpy(c->pend, c->enc + off, n - off);
		c->pend_off = 0;
		c->pend_len = n - off;
	}
	c->n.tx_frames++;
	return SENT;
}

static void flush_events(struct wis_core *c)
{
	while (c->ev_count) {
		struct wis_core_event *e = &c->evq[c->ev_head];
		uint8_t buf[WIS_EV_PREFIX_LEN + sizeof e->data];
		struct wis_wr w = wis_wr_init(buf, sizeof buf);
		wis_wr_u32(&w, e->seq);
		wis_wr_u64(&w, e->t);
		wis_wr_bytes(&w, e->data, e->len);
		struct wis_hdr hdr = {WIS_PROTO_VERSION, WIS_MSG_EVENT, 0, e->opcode, 0, 0};
		enum send_result r = send_frame(c, &hdr, buf, w.len, false);
		if (r == LINK_FULL)
			return; /* keep it queued: the queue is the buffer */
		if (r == SENT)
			c->n.events_sent++;
		else
			c->n.events_dropped++;
		c->ev_head = (uint8_t)((c->ev_head + 1) % WIS_CORE_EVQ_LEN);
		c->ev_count--;
	}
}

void wis_event(struct wis_core *c, uint16_t opcode, uint64_t dev_t, const uint8_t *data,
               uint8_t len)
{
	uint32_t seq = c->seq++; /* a dropped event still uses its number */
	if (c->ev_count == WIS_CORE_EVQ_LEN || len > sizeof c->evq[0].data) {
		c->n.events_dropped++;
		return;
	}
	struct wis_core_event *e = &c->evq[(c->ev_head + c->ev_count) % WIS_CORE_EVQ_LEN];
	e->opcode = opcode;
	e->len = len;
	memcpy(e->data, data, len);
	e->seq = seq;
	e->t = dev_t;
	c->ev_count++;
}

bool wis_core_tx_pending(const struct wis_core *c)
{
	return c->pend_len > 0 || c->ev_count > 0;
}

void wis_core_tx_discard(struct wis_core *c)
{
	c->pend_len = 0;
	c->pend_off = 0;
}

/* ---- dispatch ---- */

uint8_t wis_run(struct wis_core *c, uint16_t opcode, const uint8_t *p, size_t len,
                struct wis_wr *out, bool in_batch)
{
	const struct op_def *o = find_op(opcode);
	size_t start = out->len;
	uint8_t st;
	c->detail_len = 0;
	if (!o) {
		st = WIS_ST_UNKNOWN_OP;
		wis_d_str(c, "opcode ");
		d_hex16(c, opcode);
		wis_d_str(c, " is not implemented");
	} else if (in_batch && !o->batchable) {
		st = WIS_ST_BAD_ARG;
		wis_d_str(c, o->name);
		wis_d_str(c, " cannot be a batch step");
	} else if (o->len >= 0 && len != (size_t)o->len) {
		st = WIS_ST_BAD_LENGTH;
		wis_d_str(c, o->name);
		wis_d_str(c, " takes ");
		wis_d_uint(c, (uint32_t)o->len);
		wis_d_str(c, o->len == 1 ? " byte (" : " bytes (");
		wis_d_str(c, o->params);
		wis_d_str(c, "), got ");
		wis_d_uint(c, (uint32_t)len);
	} else {
		struct wis_rd in = wis_rd_init(p, len);
		st = o->h(c, &in, out);
		if (st == WIS_ST_OK && out->err) {
			st = WIS_ST_TOO_BIG;
			wis_d_str(c, o->name);
			wis_d_str(c, " result does not fit in the response");
		}
	}
	if (st != WIS_ST_OK) {
		out->len = start;
		out->err = false;
		size_t room = out->cap - out->len;
		if (room > 1 && c->detail_len) {
			size_t n = c->detail_len;
			if (n > room - 1)
				n = room - 1;
			if (n > 255)
				n = 255;
			wis_wr_u8(out, (uint8_t)n);
			wis_wr_bytes(out, c->detail, n);
		}
	}
	return st;
}

static void on_frame(void *user, const struct wis_hdr *h, const uint8_t *p, size_t len)
{
	struct wis_core *c = user;
	if (c->halted)
		return;
	if (h->type != WIS_MSG_REQUEST) {
		c->n.requests_bad++;
		return;
	}
	struct wis_wr out = wis_wr_init(c->resp, sizeof c->resp);
	uint8_t st;
	if (h->version != WIS_PROTO_VERSION) {
		c->detail_len = 0;
		wis_d_str(c, "protocol version ");
		wis_d_uint(c, h->version);
		wis_d_str(c, " not supported: this device speaks 1");
		wis_wr_u8(&out, (uint8_t)c->detail_len);
		wis_wr_bytes(&out, c->detail, c->detail_len);
		st = WIS_ST_VERSION;
	} else {
		st = wis_run(c, h->opcode, p, len, &out, false);
	}
	struct wis_hdr r = {WIS_PROTO_VERSION, WIS_MSG_RESPONSE, h->id, h->opcode, st, 0};
	if (send_frame(c, &r, c->resp, out.len, true) != SENT)
		c->n.responses_dropped++;
	if (c->reset_pending) {
		/* The response is out (or dropped): now reset, as the module does. */
		c->reset_pending = false;
		c->halted = true;
		c->hal->reset(c->hal->ctx, c->reset_mode);
		return;
	}
	flush_events(c);
}

void wis_core_init(struct wis_core *c, const struct wis_hal *hal)
{
	memset(c, 0, sizeof *c);
	c->hal = hal;
	c->boot_us = hal->now_us(hal->ctx);
	wis_deframer_init(&c->rx);
	const struct wis_board *b = hal->board;
	for (size_t i = 0; i < b->pin_count; i++) {
		const struct wis_pin_def *d = &b->pins[i];
		if (d->kind != WIS_PIN_IO || d->nrf >= WIS_CORE_NRF_PINS)
			continue;
		hal->gpio_config(hal->ctx, d->nrf, WIS_GPIO_DISABLED);
		if ((d->funcs & WIS_FN_NFC) && !b->nfc_pins_gpio)
			c->pins[d->nrf].owner = WIS_OWNER_SYSTEM;
	}
}

void wis_core_boot(struct wis_core *c, uint8_t cause)
{
	wis_event(c, WIS_EV_RESET, wis_dev_time(c, c->hal->now_us(c->hal->ctx)), &cause, 1);
	flush_events(c);
}

void wis_core_rx(struct wis_core *c, const uint8_t *p, size_t n)
{
	if (c->halted)
		return;
	wis_deframer_feed(&c->rx, p, n, on_frame, c);
	if (!c->halted)
		flush_events(c);
}

void wis_core_poll(struct wis_core *c, uint64_t now_us)
{
	if (c->halted)
		return;
	wis_gpio_poll(c, wis_dev_time(c, now_us));
	flush_pending(c);
	flush_events(c);
}

uint64_t wis_core_next_deadline(const struct wis_core *c)
{
	uint64_t d = wis_gpio_next_deadline(c);
	return d == UINT64_MAX ? d : d + c->boot_us;
}

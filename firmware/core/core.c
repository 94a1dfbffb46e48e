/*
 * Core of the companion firmware: turns link bytes into requests (through
 * the shared deframer), dispatches them to the handlers in sys.c, gpio.c
 * and adc.c, sends responses and queued events, and keeps the counters
 * STATS reports.  Knows no hardware: everything goes through struct wisfw_hal.
 */
#include <string.h>

#include "core_priv.h"

struct op_def {
	uint16_t opcode;
	const char *name;
	int16_t len; /* exact request length, or -1: the handler checks */
	const char *params;
	wisfw_handler h;
	bool batchable;
};

static const struct op_def ops[] = {
    {WIS_OP_HELLO, "HELLO", 1, "u8 host version", wisfw_h_hello, false},
    {WIS_OP_PING, "PING", -1, "", wisfw_h_ping, true},
    {WIS_OP_UPTIME, "UPTIME", 0, "none", wisfw_h_uptime, true},
    {WIS_OP_RESET, "RESET", 1, "u8 mode", wisfw_h_reset, false},
    {WIS_OP_STATS, "STATS", 0, "none", wisfw_h_stats, true},
    {WIS_OP_PINS, "PINS", 1, "u8 first", wisfw_h_pins, true},
    {WIS_OP_BATCH, "BATCH", -1, "", wisfw_h_batch, false},
    {WIS_OP_RELEASE, "RELEASE", 1, "u8 pin", wisfw_h_release, true},
    {WIS_OP_PIN_STATE, "PIN_STATE", 1, "u8 pin", wisfw_h_pin_state, true},
    {WIS_OP_GPIO_MODE, "GPIO_MODE", 3, "u8 pin, u8 mode, u8 initial level", wisfw_h_gpio_mode, true},
    {WIS_OP_GPIO_READ, "GPIO_READ", 1, "u8 pin", wisfw_h_gpio_read, true},
    {WIS_OP_GPIO_WRITE, "GPIO_WRITE", 2, "u8 pin, u8 level", wisfw_h_gpio_write, true},
    {WIS_OP_GPIO_WATCH, "GPIO_WATCH", 6, "u8 pin, u8 edge, u32 debounce_us", wisfw_h_gpio_watch,
     true},
    {WIS_OP_ADC_READ, "ADC_READ", 5, "u8 pin, u8 gain, u8 reference, u8 bits, u8 oversample",
     wisfw_h_adc_read, true},
};

static const struct op_def *find_op(uint16_t opcode)
{
	for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
		if (ops[i].opcode == opcode)
			return &ops[i];
	return NULL;
}

/* ---- detail text ---- */

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

static void d_hex16(struct wisfw_core *c, uint16_t v)
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
	wisfw_d_str(c, o < sizeof owner_upper / sizeof owner_upper[0] ? owner_upper[o] : "?");
	wisfw_d_str(c, ": release it first");
	return WIS_ST_PIN_BUSY;
}

void wisfw_pin_release(struct wisfw_core *c, uint8_t nrf)
{
	struct wisfw_pin_rt *p = &c->pins[nrf];
	p->owner = WIS_OWNER_NONE;
	p->mode = WIS_GPIO_DISABLED;
	p->edge = WIS_EDGE_NONE;
	p->pending = false;
	p->debounce_us = 0;
	c->hal->gpio_config(c->hal->ctx, nrf, WIS_GPIO_DISABLED);
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

const struct wis_frame_stats *wisfw_core_rx_stats(const struct wisfw_core *c)
{
	return &c->rx.stats;
}

/* ---- transmit ---- */

uint64_t wisfw_dev_time(const struct wisfw_core *c, uint64_t hal_us)
{
	return hal_us >= c->boot_us ? hal_us - c->boot_us : 0;
}

uint64_t wisfw_core_uptime_us(const struct wisfw_core *c)
{
	return wisfw_dev_time(c, c->hal->now_us(c->hal->ctx));
}

/* Pushes out the unsent tail of the last frame; true once nothing is left. */
static bool flush_pending(struct wisfw_core *c)
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
static bool wait_link(struct wisfw_core *c, uint64_t t0)
{
	const struct wisfw_hal *h = c->hal;
	uint64_t el = h->now_us(h->ctx) - t0;
	if (!h->tx_wait || el >= WISFW_RESP_WAIT_US)
		return false;
	return h->tx_wait(h->ctx, (uint32_t)(WISFW_RESP_WAIT_US - el));
}

enum send_result { SENT, LINK_FULL, LINK_DOWN };

/*
 * Encodes and hands one frame to the link.  A frame the link took only
 * part of is finished later (a cut frame would cost the host a CRC error).
 * may_wait: responses wait a bounded time for a full link; events never do.
 */
static enum send_result send_frame(struct wisfw_core *c, const struct wis_hdr *hdr,
                                   const uint8_t *payload, size_t len, bool may_wait)
{
	const struct wisfw_hal *h = c->hal;
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

static void flush_events(struct wisfw_core *c)
{
	while (c->ev_count) {
		struct wisfw_core_event *e = &c->evq[c->ev_head];
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
		c->ev_head = (uint8_t)((c->ev_head + 1) % WISFW_EVQ_LEN);
		c->ev_count--;
	}
}

void wisfw_event(struct wisfw_core *c, uint16_t opcode, uint64_t dev_t, const uint8_t *data,
               uint8_t len)
{
	uint32_t seq = c->seq++; /* a dropped event still uses its number */
	if (c->ev_count == WISFW_EVQ_LEN || len > sizeof c->evq[0].data) {
		c->n.events_dropped++;
		return;
	}
	struct wisfw_core_event *e = &c->evq[(c->ev_head + c->ev_count) % WISFW_EVQ_LEN];
	e->opcode = opcode;
	e->len = len;
	memcpy(e->data, data, len);
	e->seq = seq;
	e->t = dev_t;
	c->ev_count++;
}

bool wisfw_core_tx_pending(const struct wisfw_core *c)
{
	return c->pend_len > 0 || c->ev_count > 0;
}

void wisfw_core_tx_discard(struct wisfw_core *c)
{
	c->pend_len = 0;
	c->pend_off = 0;
}

/* ---- dispatch ---- */

uint8_t wisfw_run(struct wisfw_core *c, uint16_t opcode, const uint8_t *p, size_t len,
                struct wis_wr *out, bool in_batch)
{
	const struct op_def *o = find_op(opcode);
	size_t start = out->len;
	uint8_t st;
	c->detail_len = 0;
	if (!o) {
		st = WIS_ST_UNKNOWN_OP;
		wisfw_d_str(c, "opcode ");
		d_hex16(c, opcode);
		wisfw_d_str(c, " is not implemented");
	} else if (in_batch && !o->batchable) {
		st = WIS_ST_BAD_ARG;
		wisfw_d_str(c, o->name);
		wisfw_d_str(c, " cannot be a batch step");
	} else if (o->len >= 0 && len != (size_t)o->len) {
		st = WIS_ST_BAD_LENGTH;
		wisfw_d_str(c, o->name);
		wisfw_d_str(c, " takes ");
		wisfw_d_uint(c, (uint32_t)o->len);
		wisfw_d_str(c, o->len == 1 ? " byte (" : " bytes (");
		wisfw_d_str(c, o->params);
		wisfw_d_str(c, "), got ");
		wisfw_d_uint(c, (uint32_t)len);
	} else {
		struct wis_rd in = wis_rd_init(p, len);
		st = o->h(c, &in, out);
		if (st == WIS_ST_OK && out->err) {
			st = WIS_ST_TOO_BIG;
			wisfw_d_str(c, o->name);
			wisfw_d_str(c, " result does not fit in the response");
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
	struct wisfw_core *c = user;
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
		wisfw_d_str(c, "protocol version ");
		wisfw_d_uint(c, h->version);
		wisfw_d_str(c, " not supported: this device speaks 1");
		wis_wr_u8(&out, (uint8_t)c->detail_len);
		wis_wr_bytes(&out, c->detail, c->detail_len);
		st = WIS_ST_VERSION;
	} else {
		st = wisfw_run(c, h->opcode, p, len, &out, false);
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

void wisfw_core_init(struct wisfw_core *c, const struct wisfw_hal *hal)
{
	memset(c, 0, sizeof *c);
	c->hal = hal;
	c->boot_us = hal->now_us(hal->ctx);
	wis_deframer_init(&c->rx);
	const struct wisfw_board *b = hal->board;
	for (size_t i = 0; i < b->pin_count; i++) {
		const struct wis_pin_def *d = &b->pins[i];
		if (d->kind != WIS_PIN_IO || d->nrf >= WISFW_NRF_PINS)
			continue;
		hal->gpio_config(hal->ctx, d->nrf, WIS_GPIO_DISABLED);
		if ((d->funcs & WIS_FN_NFC) && !b->nfc_pins_gpio)
			c->pins[d->nrf].owner = WIS_OWNER_SYSTEM;
	}
}

void wisfw_core_boot(struct wisfw_core *c, uint8_t cause)
{
	wisfw_event(c, WIS_EV_RESET, wisfw_dev_time(c, c->hal->now_us(c->hal->ctx)), &cause, 1);
	flush_events(c);
}

void wisfw_core_rx(struct wisfw_core *c, const uint8_t *p, size_t n)
{
	if (c->halted)
		return;
	wis_deframer_feed(&c->rx, p, n, on_frame, c);
	if (!c->halted)
		flush_events(c);
}

void wisfw_core_poll(struct wisfw_core *c, uint64_t now_us)
{
	if (c->halted)
		return;
	wisfw_gpio_poll(c, wisfw_dev_time(c, now_us));
	flush_pending(c);
	flush_events(c);
}

uint64_t wisfw_core_next_deadline(const struct wisfw_core *c)
{
	uint64_t d = wisfw_gpio_next_deadline(c);
	return d == UINT64_MAX ? d : d + c->boot_us;
}

/*
 * SYSTEM subsystem: HELLO, PING, UPTIME, RESET, STATS, PINS, BATCH,
 * RELEASE, PIN_STATE, HELD (the requests held, for a host that saw a
 * reset), and the diagnostic DELAY (a deferred answer) and EMIT (long
 * events, overflow).  Payload layouts: docs/protocol.md and
 * lib/proto/ops.c; requests arrive checked and decoded (v[] in the order
 * of the opcode's fields).
 */
#include <string.h>

#include "core_priv.h"

static uint8_t h_hello(struct wisfw_core *c, const union wis_val *v, struct wis_wr *out)
{
	(void)v; /* host_version 0 never gets here: the core answers VERSION */
	/* A newer host gets our version and decides whether it can talk down. */
	const struct wisfw_board *b = c->hal->board;
	uint8_t id[8];
	c->hal->sys->device_id(c->hal->ctx, id);
	wis_wr_u8(out, WIS_PROTO_VERSION);
	wis_wr_u8(out, WISFW_WINDOW);
	wis_wr_u16(out, WIS_MAX_PAYLOAD);
	wis_wr_u32(out, b->caps);
	wis_wr_bytes(out, id, sizeof id);
	wis_wr_str(out, b->fw_version);
	wis_wr_str(out, b->name);
	wis_wr_u8(out, (uint8_t)(b->pin_count > 255 ? 255 : b->pin_count));
	wis_wr_u8(out, c->boot_cause);
	wis_wr_u8(out, c->fault.kind);
	wis_wr_u32(out, c->fault.pc);
	wis_wr_u32(out, c->fault.lr);
	wis_wr_u32(out, c->fault.cfsr);
	return WIS_ST_OK;
}

static uint8_t h_ping(struct wisfw_core *c, const union wis_val *v, struct wis_wr *out)
{
	(void)c;
	wis_wr_bytes(out, v[0].b.p, v[0].b.len);
	return WIS_ST_OK;
}

static uint8_t h_uptime(struct wisfw_core *c, const union wis_val *v, struct wis_wr *out)
{
	(void)v;
	wis_wr_u64(out, wisfw_now(c));
	return WIS_ST_OK;
}

static uint8_t h_reset(struct wisfw_core *c, const union wis_val *v, struct wis_wr *out)
{
	(void)out;
	/* The core resets once this response (and those before it) is out. */
	c->run = WISFW_RESETTING;
	c->reset_mode = (uint8_t)v[0].u;
	return WIS_ST_OK;
}

static uint8_t h_stats(struct wisfw_core *c, const union wis_val *v, struct wis_wr *out)
{
	(void)v;
	const struct wis_frame_stats *s = &c->rx.stats;
	wis_wr_u64(out, wisfw_now(c));
	wis_wr_u32(out, s->frames);
	wis_wr_u32(out, s->crc_errors);
	wis_wr_u32(out, s->cobs_errors);
	wis_wr_u32(out, s->oversize);
	wis_wr_u32(out, s->runts);
	wis_wr_u32(out, s->bytes_dropped);
	wis_wr_u32(out, c->n.tx_frames);
	wis_wr_u32(out, c->n.events_sent);
	wis_wr_u32(out, c->n.events_dropped);
	wis_wr_u32(out, c->n.requests_bad);
	return WIS_ST_OK;
}

static uint8_t h_pins(struct wisfw_core *c, const union wis_val *v, struct wis_wr *out)
{
	const struct wisfw_board *b = c->hal->board;
	size_t total = b->pin_count > 255 ? 255 : b->pin_count;
	uint8_t first = (uint8_t)v[0].u;
	if (first > total) {
		wisfw_d_str(c, "first pin index ");
		wisfw_d_uint(c, first);
		wisfw_d_str(c, " is past the end of the table (");
		wisfw_d_uint(c, (uint32_t)total);
		wisfw_d_str(c, " pins)");
		return WIS_ST_BAD_ARG;
	}
	wis_wr_u8(out, (uint8_t)total);
	wis_wr_u8(out, first);
	size_t n_at = out->len;
	wis_wr_u8(out, 0);
	uint8_t n = 0;
	/* Entry: u8 connector, u8 pad, u8 kind, u8 nrf, u8 ain, u16 funcs,
	 * str name, str pad_name ("" if none): docs/protocol.md. */
	for (size_t i = first; i < total; i++) {
		const struct wis_pin_def *d = &b->pins[i];
		const char *pn = d->pad_name ? d->pad_name : "";
		size_t nl = strlen(d->name), pl = strlen(pn);
		if (nl > 255)
			nl = 255;
		if (pl > 255)
			pl = 255;
		if (out->err || out->cap - out->len < 9 + nl + pl)
			break; /* the host asks again from first + n */
		wis_wr_u8(out, d->connector);
		wis_wr_u8(out, d->pad);
		wis_wr_u8(out, d->kind);
		wis_wr_u8(out, d->nrf);
		wis_wr_u8(out, d->ain);
		wis_wr_u16(out, d->funcs);
		wis_wr_str(out, d->name);
		wis_wr_str(out, pn);
		n++;
	}
	if (!out->err)
		out->p[n_at] = n;
	return WIS_ST_OK;
}

#define STEP_HDR 5 /* u16 opcode, u8 status, u16 len */

static uint8_t h_batch(struct wisfw_core *c, const union wis_val *v, struct wis_wr *out)
{
	struct step {
		uint16_t op;
		uint16_t len;
		const uint8_t *p;
	} steps[WIS_BATCH_MAX_STEPS];
	uint8_t flags = (uint8_t)v[0].u, n = (uint8_t)v[1].u; /* ranges checked */
	struct wis_rd in = wis_rd_init(v[2].b.p, v[2].b.len);
	/* Parse every step before running any: a malformed batch runs nothing. */
	for (uint8_t i = 0; i < n; i++) {
		steps[i].op = wis_rd_u16(&in);
		steps[i].len = wis_rd_u16(&in);
		steps[i].p = wis_rd_bytes(&in, steps[i].len);
		if (in.err) {
			wisfw_d_str(c, "batch step ");
			wisfw_d_uint(c, i);
			wisfw_d_str(c, " runs past the end of the request");
			return WIS_ST_BAD_LENGTH;
		}
	}
	if (wis_rd_left(&in)) {
		wisfw_d_uint(c, (uint32_t)wis_rd_left(&in));
		wisfw_d_str(c, " stray bytes after the last batch step");
		return WIS_ST_BAD_LENGTH;
	}

	wis_wr_u8(out, n);
	bool skip = false;
	for (uint8_t i = 0; i < n; i++) {
		/* Keep room for this step's header and every later step's header,
		 * so that TOO_BIG and SKIPPED can always be reported. */
		size_t later = (size_t)(n - i - 1) * STEP_HDR;
		size_t avail = out->cap - out->len;
		size_t room = avail > STEP_HDR + later ? avail - STEP_HDR - later : 0;
		uint8_t st = WIS_ST_SKIPPED;
		struct wis_wr sub = wis_wr_init(out->p + out->len + STEP_HDR, room);
		if (!skip) {
			st = wisfw_run(c, steps[i].op, steps[i].p, steps[i].len, &sub, true);
			if (st == WIS_ST_TOO_BIG) {
				sub.len = 0;
				skip = true;
			} else if (st != WIS_ST_OK && (flags & WIS_BATCH_STOP_ON_ERROR)) {
				skip = true;
			}
		}
		wis_wr_u16(out, steps[i].op);
		wis_wr_u8(out, st);
		wis_wr_u16(out, (uint16_t)sub.len);
		out->len += sub.len; /* the data is already in place */
	}
	return WIS_ST_OK;
}

static uint8_t h_release(struct wisfw_core *c, const union wis_val *v, struct wis_wr *out)
{
	(void)out;
	uint8_t st, nrf = (uint8_t)v[0].u;
	if (!wisfw_io_pin(c, nrf, &st))
		return st;
	if (c->pins[nrf].owner == WIS_OWNER_SYSTEM) {
		wisfw_d_pin(c, nrf);
		wisfw_d_str(
		    c, " is reserved by the system (NFC pad, UICR.NFCPINS): it cannot be released");
		return WIS_ST_PIN_BUSY;
	}
	/* A bus pin frees its whole bus: the flash's six pins (probed again
	 * on the next FLASH request), the IO-slot SPI's four. */
	if (c->pins[nrf].owner == WIS_OWNER_FLASH)
		return wisfw_flash_release(c);
	if (c->pins[nrf].owner == WIS_OWNER_SPI) {
		const uint8_t *bus = wis_res_pins(WIS_RES_SPI);
		for (size_t i = 0; bus[i] != WIS_NRF_NONE; i++)
			if (c->pins[bus[i]].owner == WIS_OWNER_SPI)
				wisfw_pin_release(c, bus[i]);
	}
	wisfw_pin_release(c, nrf);
	return WIS_ST_OK;
}

static uint8_t h_pin_state(struct wisfw_core *c, const union wis_val *v, struct wis_wr *out)
{
	uint8_t st, nrf = (uint8_t)v[0].u;
	if (!wisfw_io_pin(c, nrf, &st))
		return st;
	const struct wisfw_pin_rt *p = &c->pins[nrf];
	bool gpio = p->owner == WIS_OWNER_GPIO && c->hal->gpio;
	wis_wr_u8(out, p->owner);
	wis_wr_u8(out, gpio ? p->mode : WIS_GPIO_DISABLED);
	/* A pin that is not a GPIO has its input buffer disconnected: IN reads 0. */
	wis_wr_u8(out, gpio ? (uint8_t)(c->hal->gpio->read(c->hal->ctx, nrf) ? 1 : 0) : 0);
	wis_wr_u8(out, p->edge);
	return WIS_ST_OK;
}

/* HELD: the ids of the requests this boot holds in a slot (answered later,
 * or answered and waiting for the link), so that a host which saw the
 * module reset knows which of its requests the new boot took and which
 * the old one lost (lib/reset.c).  The HELD request itself is left out.
 * Link management (LOCAL): answered even with the window full, from the
 * spare room, and then it holds no slot. */
static uint8_t h_held(struct wisfw_core *c, const union wis_val *v, struct wis_wr *out)
{
	(void)v;
	size_t n_at = out->len;
	uint8_t n = 0;
	wis_wr_u8(out, 0);
	for (int i = 0; i < WISFW_WINDOW; i++) {
		if (c->slots[i].state == WISFW_SLOT_FREE || i == c->cur_slot)
			continue;
		wis_wr_u16(out, c->slots[i].id);
		n++;
	}
	if (!out->err)
		out->p[n_at] = n;
	return WIS_ST_OK;
}

/* ---- diagnostics ---- */

/* DELAY: kept in its slot until the delay is over; the answer comes from
 * poll, driven by the port's alarm (no waiting in the handler). */
static uint8_t h_delay(struct wisfw_core *c, const union wis_val *v, struct wis_wr *out)
{
	uint64_t now = wisfw_now(c);
	if (v[0].u == 0) {
		wis_wr_u64(out, now);
		return WIS_ST_OK;
	}
	int t = wisfw_defer(c);
	if (t < 0) {
		wisfw_d_str(c, "DELAY cannot be kept here");
		return WIS_ST_INTERNAL;
	}
	c->delay_due[t] = now + v[0].u;
	c->delays |= (uint16_t)(1u << t);
	return WISFW_ST_DEFER;
}

static void delay_poll(struct wisfw_core *c, uint64_t now)
{
	for (unsigned m = c->delays; m; m &= m - 1) {
		int t = __builtin_ctz(m);
		uint64_t due = c->delay_due[t];
		if (now < due || c->slots[t].state != WISFW_SLOT_DEFERRED)
			continue;
		uint8_t b[8];
		struct wis_wr w = wis_wr_init(b, sizeof b);
		wis_wr_u64(&w, now);
		c->delay_due[t] = 0;
		c->delays &= (uint16_t) ~(1u << t);
		wisfw_answer(c, t, WIS_ST_OK, b, w.len);
	}
}

static uint64_t delay_deadline(const struct wisfw_core *c)
{
	uint64_t d = UINT64_MAX;
	for (unsigned m = c->delays; m; m &= m - 1) {
		int t = __builtin_ctz(m);
		if (c->slots[t].state == WISFW_SLOT_DEFERRED && c->delay_due[t] < d)
			d = c->delay_due[t];
	}
	return d;
}

static void delay_reset(struct wisfw_core *c)
{
	for (int t = 0; t < WISFW_WINDOW; t++)
		c->delay_due[t] = 0;
	c->delays = 0;
}

/* EMIT: count events of len bytes, byte i = (seq + i) & 0xff, queued at
 * once, so whatever exceeds the event budget is dropped and counted. */
static uint8_t h_emit(struct wisfw_core *c, const union wis_val *v, struct wis_wr *out)
{
	uint8_t count = (uint8_t)v[0].u;
	uint16_t len = (uint16_t)v[1].u;
	uint32_t first = c->seq;
	uint64_t now = wisfw_now(c);
	for (uint8_t k = 0; k < count; k++) {
		uint32_t seq = first + k;
		/* c->enc is free while a handler runs: the response is encoded
		 * after it returns. */
		for (uint16_t i = 0; i < len; i++)
			c->enc[i] = (uint8_t)(seq + i);
		wisfw_event(c, WIS_EV_DIAG, now, c->enc, len);
	}
	wis_wr_u32(out, first);
	return WIS_ST_OK;
}

static const struct wisfw_op_handler sys_ops[] = {
    {WIS_OP_HELLO, h_hello}, {WIS_OP_PING, h_ping},       {WIS_OP_UPTIME, h_uptime},
    {WIS_OP_RESET, h_reset}, {WIS_OP_STATS, h_stats},     {WIS_OP_PINS, h_pins},
    {WIS_OP_BATCH, h_batch}, {WIS_OP_RELEASE, h_release}, {WIS_OP_PIN_STATE, h_pin_state},
    {WIS_OP_DELAY, h_delay}, {WIS_OP_EMIT, h_emit},       {WIS_OP_HELD, h_held},
};

const struct wisfw_subsys wisfw_sys_subsys = {
    .name = "sys",
    .reset = delay_reset,
    .poll = delay_poll,
    .next_deadline = delay_deadline,
    .ops = sys_ops,
    .nops = sizeof sys_ops / sizeof sys_ops[0],
};

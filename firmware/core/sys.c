/*
 * SYSTEM subsystem handlers: HELLO, PING, UPTIME, RESET, STATS, PINS,
 * BATCH, RELEASE and PIN_STATE.  Payload layouts: docs/protocol.md.
 */
#include <string.h>

#include "core_priv.h"

uint8_t wis_h_hello(struct wis_core *c, struct wis_rd *in, struct wis_wr *out)
{
	uint8_t host = wis_rd_u8(in);
	if (host == 0) {
		wis_d_str(c, "host protocol version 0: this device speaks 1");
		return WIS_ST_VERSION;
	}
	/* A newer host gets our version and decides whether it can talk down. */
	const struct wis_board *b = c->hal->board;
	uint8_t id[8];
	c->hal->device_id(c->hal->ctx, id);
	wis_wr_u8(out, WIS_PROTO_VERSION);
	wis_wr_u8(out, WIS_CORE_WINDOW);
	wis_wr_u16(out, WIS_MAX_PAYLOAD);
	wis_wr_u32(out, b->caps);
	wis_wr_bytes(out, id, sizeof id);
	wis_wr_str(out, b->fw_version);
	wis_wr_str(out, b->name);
	wis_wr_u8(out, (uint8_t)(b->pin_count > 255 ? 255 : b->pin_count));
	return WIS_ST_OK;
}

uint8_t wis_h_ping(struct wis_core *c, struct wis_rd *in, struct wis_wr *out)
{
	(void)c;
	size_t n = wis_rd_left(in);
	wis_wr_bytes(out, wis_rd_bytes(in, n), n);
	return WIS_ST_OK;
}

uint8_t wis_h_uptime(struct wis_core *c, struct wis_rd *in, struct wis_wr *out)
{
	(void)in;
	wis_wr_u64(out, wis_dev_time(c, c->hal->now_us(c->hal->ctx)));
	return WIS_ST_OK;
}

uint8_t wis_h_reset(struct wis_core *c, struct wis_rd *in, struct wis_wr *out)
{
	(void)out;
	uint8_t mode = wis_rd_u8(in);
	if (mode > WIS_RESET_SERIAL_DFU)
		return wis_d_range(c, "reset mode", mode, 0, WIS_RESET_SERIAL_DFU);
	/* The dispatcher resets once the response has gone out. */
	c->reset_pending = true;
	c->reset_mode = mode;
	return WIS_ST_OK;
}

uint8_t wis_h_stats(struct wis_core *c, struct wis_rd *in, struct wis_wr *out)
{
	(void)in;
	const struct wis_frame_stats *s = &c->rx.stats;
	wis_wr_u64(out, wis_dev_time(c, c->hal->now_us(c->hal->ctx)));
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

uint8_t wis_h_pins(struct wis_core *c, struct wis_rd *in, struct wis_wr *out)
{
	const struct wis_board *b = c->hal->board;
	size_t total = b->pin_count > 255 ? 255 : b->pin_count;
	uint8_t first = wis_rd_u8(in);
	if (first > total) {
		wis_d_str(c, "first pin index ");
		wis_d_uint(c, first);
		wis_d_str(c, " is past the end of the table (");
		wis_d_uint(c, (uint32_t)total);
		wis_d_str(c, " pins)");
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

uint8_t wis_h_batch(struct wis_core *c, struct wis_rd *in, struct wis_wr *out)
{
	struct step {
		uint16_t op;
		uint16_t len;
		const uint8_t *p;
	} steps[WIS_BATCH_MAX_STEPS];
	uint8_t flags = wis_rd_u8(in);
	uint8_t n = wis_rd_u8(in);
	if (in->err) {
		wis_d_str(c, "BATCH needs at least 2 bytes (u8 flags, u8 n)");
		return WIS_ST_BAD_LENGTH;
	}
	if (flags & ~WIS_BATCH_STOP_ON_ERROR) {
		wis_d_str(c, "batch flags ");
		wis_d_uint(c, flags);
		wis_d_str(c, ": only bit 0 (stop on error) is defined");
		return WIS_ST_BAD_ARG;
	}
	if (n > WIS_BATCH_MAX_STEPS)
		return wis_d_range(c, "batch step count", n, 0, WIS_BATCH_MAX_STEPS);
	/* Parse every step before running any: a malformed batch runs nothing. */
	for (uint8_t i = 0; i < n; i++) {
		steps[i].op = wis_rd_u16(in);
		steps[i].len = wis_rd_u16(in);
		steps[i].p = wis_rd_bytes(in, steps[i].len);
		if (in->err) {
			wis_d_str(c, "batch step ");
			wis_d_uint(c, i);
			wis_d_str(c, " runs past the end of the request");
			return WIS_ST_BAD_LENGTH;
		}
	}
	if (wis_rd_left(in)) {
		wis_d_uint(c, (uint32_t)wis_rd_left(in));
		wis_d_str(c, " stray bytes after the last batch step");
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
			st = wis_run(c, steps[i].op, steps[i].p, steps[i].len, &sub, true);
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

uint8_t wis_h_release(struct wis_core *c, struct wis_rd *in, struct wis_wr *out)
{
	(void)out;
	uint8_t st, nrf = wis_rd_u8(in);
	if (!wis_io_pin(c, nrf, &st))
		return st;
	if (c->pins[nrf].owner == WIS_OWNER_SYSTEM) {
		wis_d_pin(c, nrf);
		wis_d_str(
		    c, " is reserved by the system (NFC pad, UICR.NFCPINS): it cannot be released");
		return WIS_ST_PIN_BUSY;
	}
	wis_pin_release(c, nrf);
	return WIS_ST_OK;
}

uint8_t wis_h_pin_state(struct wis_core *c, struct wis_rd *in, struct wis_wr *out)
{
	uint8_t st, nrf = wis_rd_u8(in);
	if (!wis_io_pin(c, nrf, &st))
		return st;
	const struct wis_pin_rt *p = &c->pins[nrf];
	bool gpio = p->owner == WIS_OWNER_GPIO;
	wis_wr_u8(out, p->owner);
	wis_wr_u8(out, gpio ? p->mode : WIS_GPIO_DISABLED);
	/* A pin that is not a GPIO has its input buffer disconnected: IN reads 0. */
	wis_wr_u8(out, gpio ? (uint8_t)(c->hal->gpio_read(c->hal->ctx, nrf) ? 1 : 0) : 0);
	wis_wr_u8(out, p->edge);
	return WIS_ST_OK;
}

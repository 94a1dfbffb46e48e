/*
 * Core of the companion firmware: turns link bytes into requests (through
 * the shared deframer), checks each against its description in the opcode
 * table (lib/proto/ops.c: name, fields, ranges, batch and LOCAL flags),
 * gives it a slot of the window and dispatches it to the handler that a
 * subsystem registered.  A handler answers at once or keeps the request
 * and answers later (deferred); either way the response waits in the
 * output queue (txq.c) and the main loop keeps running.  Knows no
 * hardware: everything goes through struct wisfw_hal.
 */
#include <string.h>

#include "core_priv.h"

/* Every subsystem of the firmware, one row each.  A subsystem brings its
 * hooks (init, reset, poll, next_deadline) and its opcode handlers. */
static const struct wisfw_subsys *const subsystems[] = {
    &wisfw_sys_subsys,
    &wisfw_gpio_subsys,
    &wisfw_adc_subsys,
    &wisfw_radio_subsys,
    &wisfw_flash_subsys,
    &wisfw_i2c_subsys,
    &wisfw_spi_subsys,
    &wisfw_uart_subsys,
};
#define NSUB (sizeof subsystems / sizeof subsystems[0])

static wisfw_handler find_handler(uint16_t opcode)
{
	for (size_t i = 0; i < NSUB; i++)
		for (size_t k = 0; k < subsystems[i]->nops; k++)
			if (subsystems[i]->ops[k].opcode == opcode)
				return subsystems[i]->ops[k].h;
	return NULL;
}

/* ---- checks from the opcode table ---- */

/* How a field reads in a length error, by enum wis_ftype. */
static const char *type_name(uint8_t t)
{
	static const char *const n[] = {"u8",  "u16", "u32", "u64",   "i16",
	                                "i32", "u8",  "str", "bytes", "bytes"};
	return t < sizeof n / sizeof n[0] ? n[t] : "?";
}

/* "GPIO_MODE takes 3 bytes (u8 pin, u8 mode, u8 level), got 2" */
static uint8_t bad_length(struct wisfw_core *c, const struct wis_op_desc *d, size_t len)
{
	size_t lo, hi;
	wis_fields_len(d->req, d->nreq, &lo, &hi);
	wisfw_d_str(c, d->name);
	wisfw_d_str(c, " takes ");
	if (lo != hi)
		wisfw_d_str(c, hi >= WIS_MAX_PAYLOAD ? "at least " : "");
	wisfw_d_uint(c, (uint32_t)lo);
	if (lo != hi && hi < WIS_MAX_PAYLOAD) {
		wisfw_d_str(c, "..");
		wisfw_d_uint(c, (uint32_t)hi);
	}
	wisfw_d_str(c, lo == 1 && hi == 1 ? " byte (" : " bytes (");
	for (size_t i = 0; i < d->nreq; i++) {
		wisfw_d_str(c, i ? ", " : "");
		wisfw_d_str(c, type_name(d->req[i].type));
		wisfw_d_str(c, " ");
		wisfw_d_str(c, d->req[i].name);
	}
	wisfw_d_str(c, d->nreq ? "), got " : "none), got ");
	wisfw_d_uint(c, (uint32_t)len);
	return WIS_ST_BAD_LENGTH;
}

uint8_t wisfw_run(struct wisfw_core *c, uint16_t opcode, const uint8_t *p, size_t len,
                  struct wis_wr *out, bool in_batch)
{
	const struct wis_op_desc *d = wis_op_find(opcode);
	wisfw_handler h = d && !(d->flags & WIS_OPF_EVENT) ? find_handler(opcode) : NULL;
	size_t start = out->len;
	uint8_t st;
	union wis_val v[WIS_OP_MAX_FIELDS];
	size_t bad = 0;
	wisfw_d_reset(c);
	if (!h) {
		st = WIS_ST_UNKNOWN_OP;
		wisfw_d_str(c, "opcode ");
		wisfw_d_hex16(c, opcode);
		wisfw_d_str(c, " is not implemented");
	} else if (in_batch && !(d->flags & WIS_OPF_BATCH)) {
		st = WIS_ST_BAD_ARG;
		wisfw_d_str(c, d->name);
		wisfw_d_str(c, " cannot be a batch step");
	} else {
		/* Lengths before ranges: a short or long request is a layout
		 * mismatch, whatever its first bytes hold. */
		size_t lo, hi;
		wis_fields_len(d->req, d->nreq, &lo, &hi);
		enum wis_decode r = len < lo ? WIS_DEC_SHORT
		                    : len > hi
		                        ? WIS_DEC_LONG
		                        : wis_fields_decode(d->req, d->nreq, p, len, v, &bad);
		switch (r) {
		case WIS_DEC_OK:
			st = h(c, v, out);
			break;
		case WIS_DEC_RANGE:
			if (opcode == WIS_OP_HELLO) {
				/* host_version 0 is a version mismatch, as the protocol
				 * says, not a bad argument */
				wisfw_d_str(c, "host protocol version 0: this device speaks 1");
				st = WIS_ST_VERSION;
				break;
			}
			wisfw_d_str(c, d->name);
			wisfw_d_str(c, " ");
			st = wisfw_d_range(c, d->req[bad].name, (uint32_t)v[bad].u, d->req[bad].min,
			                   d->req[bad].max);
			break;
		default:
			st = bad_length(c, d, len);
			break;
		}
		if (st == WISFW_ST_DEFER && in_batch) {
			st = WIS_ST_INTERNAL; /* the table keeps long operations out */
			wisfw_d_str(c, d->name);
			wisfw_d_str(c, " deferred inside a batch");
		}
		if (st == WIS_ST_OK && out->err) {
			st = WIS_ST_TOO_BIG;
			wisfw_d_str(c, d->name);
			wisfw_d_str(c, " result does not fit in the response");
		}
	}
	if (st != WIS_ST_OK && st != WISFW_ST_DEFER) {
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

/* ---- slots and deferred answers ---- */

unsigned wisfw_core_slots_held(const struct wisfw_core *c)
{
	unsigned n = 0;
	for (int i = 0; i < WISFW_WINDOW; i++)
		n += c->slots[i].state != WISFW_SLOT_FREE;
	return n;
}

static int free_slot(const struct wisfw_core *c)
{
	for (int i = 0; i < WISFW_WINDOW; i++)
		if (c->slots[i].state == WISFW_SLOT_FREE)
			return i;
	return -1;
}

int wisfw_defer(struct wisfw_core *c)
{
	if (c->cur_slot < 0)
		return -1;
	c->slots[c->cur_slot].state = WISFW_SLOT_DEFERRED;
	return c->cur_slot;
}

void wisfw_answer(struct wisfw_core *c, int ticket, uint8_t st, const uint8_t *p, size_t len)
{
	if (ticket < 0 || ticket >= WISFW_WINDOW || c->slots[ticket].state != WISFW_SLOT_DEFERRED)
		return; /* discarded by a RESET meanwhile */
	if (st != WIS_ST_OK && !p) {
		size_t n = c->detail_len > 255 ? 255 : c->detail_len;
		c->resp[0] = (uint8_t)n;
		memcpy(c->resp + 1, c->detail, n);
		p = c->resp;
		len = n ? n + 1 : 0;
	}
	const struct wisfw_slot *s = &c->slots[ticket];
	wisfw_queue_response(c, ticket, s->id, s->opcode, st, p, len);
}

/* Answers with the detail as payload, holding slot (or none). */
static void answer_detail(struct wisfw_core *c, int slot, const struct wis_hdr *h, uint8_t st)
{
	uint8_t b[1 + sizeof c->detail];
	size_t n = c->detail_len > 255 ? 255 : c->detail_len;
	b[0] = (uint8_t)n;
	memcpy(b + 1, c->detail, n);
	wisfw_queue_response(c, slot, h->id, h->opcode, st, b, n + 1);
}

/* ---- reset ---- */

/* A RESET was accepted: deferred requests are discarded (never answered),
 * subsystems drop their timers, queued events die with the module. */
static void begin_reset(struct wisfw_core *c)
{
	c->stream = NULL; /* its kept request is discarded like the others */
	for (size_t i = 0; i < NSUB; i++)
		if (subsystems[i]->reset)
			subsystems[i]->reset(c);
	for (int i = 0; i < WISFW_WINDOW; i++)
		if (c->slots[i].state == WISFW_SLOT_DEFERRED)
			wisfw_slot_free(c, i);
	wisfw_events_clear(c);
	c->reset_by = wisfw_now(c) + WISFW_RESET_FLUSH_US;
}

/* Resets once the responses before the reset have left, or at the bound. */
static void maybe_reset(struct wisfw_core *c)
{
	if (c->run != WISFW_RESETTING)
		return;
	bool drained = c->outf_count == 0 && c->cur_src == WISFW_SRC_NONE;
	if (!drained && wisfw_now(c) < c->reset_by)
		return;
	if (!drained)
		wisfw_core_tx_discard(c);
	c->run = WISFW_HALTED;
	if (c->hal->time->alarm_at) /* a halted core needs no wake-up */
		c->hal->time->alarm_at(c->hal->ctx, c->alarm = UINT64_MAX);
	c->hal->sys->reset(c->hal->ctx, c->reset_mode);
}

/* ---- link input ---- */

static void on_frame(void *user, const struct wis_hdr *h, const uint8_t *p, size_t len)
{
	struct wisfw_core *c = user;
	if (c->run != WISFW_RUNNING)
		return; /* pipelined behind a RESET: lost, as on the module */
	if (len > WIS_MAX_PAYLOAD) {
		/* Longer than HELLO advertises (the deframer's bound is the
		 * encoded size): dropped as oversize, not a frame. */
		c->rx.stats.frames--;
		c->rx.stats.oversize++;
		c->rx.stats.bytes_dropped += (uint32_t)(len + WIS_HDR_LEN + WIS_CRC_LEN);
		return;
	}
	if (h->type != WIS_MSG_REQUEST || h->id == 0) {
		/* id 0 is the events' id: no host can be waiting for it. */
		c->n.requests_bad++;
		return;
	}
	const struct wis_op_desc *d = wis_op_find(h->opcode);
	int slot = free_slot(c);
	wisfw_d_reset(c);
	if (h->version != WIS_PROTO_VERSION) {
		wisfw_d_str(c, "protocol version ");
		wisfw_d_uint(c, h->version);
		wisfw_d_str(c, " not supported: this device speaks 1");
		answer_detail(c, slot, h, WIS_ST_VERSION);
		return;
	}
	if (slot < 0 && !(d && (d->flags & WIS_OPF_LOCAL))) {
		/* LOCAL requests (HELLO) are answered even now, without a slot:
		 * a host that reconnects must be able to learn the window. */
		unsigned later = 0;
		for (int i = 0; i < WISFW_WINDOW; i++)
			later += c->slots[i].state == WISFW_SLOT_DEFERRED;
		wisfw_d_str(c, "window full: ");
		wisfw_d_uint(c, WISFW_WINDOW);
		wisfw_d_str(c, " requests held (");
		wisfw_d_uint(c, later);
		wisfw_d_str(c, " to be answered later, ");
		wisfw_d_uint(c, WISFW_WINDOW - later);
		wisfw_d_str(c, " waiting for the link)");
		answer_detail(c, -1, h, WIS_ST_BUSY);
		return;
	}
	if (h->flags) {
		wisfw_d_str(c, "header flags ");
		wisfw_d_uint(c, h->flags);
		wisfw_d_str(c, ": none are defined (reserved, send 0)");
		answer_detail(c, slot, h, WIS_ST_BAD_ARG);
		return;
	}
	if (slot >= 0)
		c->slots[slot] = (struct wisfw_slot){WISFW_SLOT_RUNNING, h->id, h->opcode};
	c->cur_slot = slot;
	struct wis_wr out = wis_wr_init(c->resp, sizeof c->resp);
	uint8_t st = wisfw_run(c, h->opcode, p, len, &out, false);
	c->cur_slot = -1;
	if (st == WISFW_ST_DEFER)
		return;
	wisfw_queue_response(c, slot, h->id, h->opcode, st, c->resp, out.len);
	if (c->run == WISFW_RESETTING)
		begin_reset(c);
	else
		wisfw_flush(c); /* frees the slot now if the link takes it: a burst
		                   read in one go must not find the window full */
}

/* ---- entry points ---- */

uint64_t wisfw_core_next_deadline(const struct wisfw_core *c)
{
	uint64_t d = UINT64_MAX;
	if (c->run == WISFW_HALTED)
		return d;
	for (size_t i = 0; i < NSUB; i++) {
		if (!subsystems[i]->next_deadline)
			continue;
		uint64_t s = subsystems[i]->next_deadline(c);
		if (s < d)
			d = s;
	}
	if (c->run == WISFW_RESETTING && c->reset_by < d)
		d = c->reset_by;
	return d == UINT64_MAX ? d : d + c->boot_us;
}

/* Tells the port's alarm when the core next needs to run. */
void wisfw_rearm(struct wisfw_core *c)
{
	const struct wisfw_timebase *t = c->hal->time;
	uint64_t d = wisfw_core_next_deadline(c);
	if (!t->alarm_at || d == c->alarm)
		return;
	c->alarm = d;
	t->alarm_at(c->hal->ctx, d);
}

void wisfw_core_init(struct wisfw_core *c, const struct wisfw_hal *hal)
{
	memset(c, 0, sizeof *c);
	c->hal = hal;
	c->boot_us = hal->time->now_us(hal->ctx);
	c->cur_slot = -1;
	c->alarm = UINT64_MAX;
	/* An alarm an earlier boot of the core left armed is stale. */
	if (hal->time->alarm_at)
		hal->time->alarm_at(hal->ctx, UINT64_MAX);
	wis__deframer_init(&c->rx);
	for (size_t i = 0; i < NSUB; i++)
		if (subsystems[i]->init)
			subsystems[i]->init(c);
}

void wisfw_core_boot(struct wisfw_core *c, uint8_t cause, const struct wisfw_fault *fault)
{
	c->boot_cause = cause;
	if (fault)
		c->fault = *fault;
	wisfw_event(c, WIS_EV_RESET, wisfw_now(c), &cause, 1);
	wisfw_flush(c);
	wisfw_rearm(c);
}

void wisfw_core_rx(struct wisfw_core *c, const uint8_t *p, size_t n)
{
	if (c->run != WISFW_RUNNING)
		return;
	wis__deframer_feed(&c->rx, p, n, on_frame, c);
	wisfw_flush(c);
	maybe_reset(c);
	wisfw_rearm(c);
}

void wisfw_core_poll(struct wisfw_core *c, uint64_t now_us)
{
	if (c->run == WISFW_HALTED)
		return;
	uint64_t now = wisfw_dev_time(c, now_us);
	if (c->run == WISFW_RUNNING)
		for (size_t i = 0; i < NSUB; i++)
			if (subsystems[i]->poll)
				subsystems[i]->poll(c, now);
	wisfw_flush(c);
	maybe_reset(c);
	if (c->run != WISFW_HALTED)
		wisfw_rearm(c);
}

const struct wis_frame_stats *wisfw_core_rx_stats(const struct wisfw_core *c)
{
	return &c->rx.stats;
}

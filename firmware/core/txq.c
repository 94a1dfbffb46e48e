/*
 * What leaves the core: encoded responses in the output queue and events
 * in the event queue, handed to the link (hal.link.tx) frame by frame
 * without ever waiting for it.  A frame the link took only part of is
 * finished first (a cut frame would cost the host a CRC error); then
 * queued responses go before events, because each response holds a
 * request slot.
 *
 * After both, a streamed answer's next partial frame (wisfw_stream_begin)
 * is made on demand, so a long read needs no queue of its own.
 *
 * Both queues are byte rings in struct wisfw_core.  The output queue has
 * room for a full-size response per slot (reserved when the slot is
 * taken), so a response never waits for room.  The event queue has a byte
 * budget (WISFW_EVQ_BYTES); an event that does not fit is dropped, uses
 * its sequence number and is counted, so the host's seq gap equals
 * events_dropped exactly.
 */
#include <string.h>

#include "core_priv.h"

uint64_t wisfw_dev_time(const struct wisfw_core *c, uint64_t hal_us)
{
	return hal_us >= c->boot_us ? hal_us - c->boot_us : 0;
}

uint64_t wisfw_now(const struct wisfw_core *c)
{
	return wisfw_dev_time(c, c->hal->time->now_us(c->hal->ctx));
}

uint64_t wisfw_core_uptime_us(const struct wisfw_core *c)
{
	return wisfw_now(c);
}

/* ---- rings ---- */

static void ring_put(uint8_t *ring, size_t cap, size_t at, const uint8_t *p, size_t n)
{
	at %= cap;
	size_t first = n < cap - at ? n : cap - at;
	memcpy(ring + at, p, first);
	memcpy(ring, p + first, n - first);
}

static void ring_get(const uint8_t *ring, size_t cap, size_t at, uint8_t *p, size_t n)
{
	at %= cap;
	size_t first = n < cap - at ? n : cap - at;
	memcpy(p, ring + at, first);
	memcpy(p + first, ring, n - first);
}

/* ---- events ---- */

uint32_t wisfw_event(struct wisfw_core *c, uint16_t opcode, uint64_t dev_t, const uint8_t *data,
                     uint16_t len)
{
	uint32_t seq = c->seq++; /* a dropped event still uses its number */
	size_t need = WISFW_EV_HDR + (size_t)len;
	if (len > WIS_EV_MAX_DATA || need > WISFW_EVQ_BYTES - c->evq_used) {
		c->n.events_dropped++;
		return seq;
	}
	uint8_t h[WISFW_EV_HDR];
	struct wis_wr w = wis_wr_init(h, sizeof h);
	wis_wr_u16(&w, opcode);
	wis_wr_u16(&w, len);
	wis_wr_u32(&w, seq);
	wis_wr_u64(&w, dev_t);
	size_t at = c->evq_head + c->evq_used;
	ring_put(c->evq, WISFW_EVQ_BYTES, at, h, sizeof h);
	ring_put(c->evq, WISFW_EVQ_BYTES, at + sizeof h, data, len);
	c->evq_used += need;
	return seq;
}

void wisfw_events_clear(struct wisfw_core *c)
{
	c->evq_head = 0;
	c->evq_used = 0;
}

/* Takes the oldest event out of the queue and encodes it into evframe. */
static bool next_event(struct wisfw_core *c)
{
	if (!c->evq_used)
		return false;
	uint8_t h[WISFW_EV_HDR];
	ring_get(c->evq, WISFW_EVQ_BYTES, c->evq_head, h, sizeof h);
	struct wis_rd r = wis_rd_init(h, sizeof h);
	uint16_t op = wis_rd_u16(&r), len = wis_rd_u16(&r);
	/* The payload (seq, timestamp, data) is contiguous from header byte 4. */
	uint8_t *pl = c->enc;
	ring_get(c->evq, WISFW_EVQ_BYTES, c->evq_head + 4, pl, WIS_EV_PREFIX_LEN + (size_t)len);
	c->evq_head = (c->evq_head + WISFW_EV_HDR + len) % WISFW_EVQ_BYTES;
	c->evq_used -= WISFW_EV_HDR + (size_t)len;
	struct wis_hdr hdr = {WIS_PROTO_VERSION, WIS_MSG_EVENT, 0, op, 0, 0};
	c->cur_len = wis__frame_encode(c->evframe, sizeof c->evframe, &hdr, pl,
	                               WIS_EV_PREFIX_LEN + (size_t)len);
	c->cur_off = 0;
	c->cur_src = WISFW_SRC_EVENT;
	return true;
}

/* ---- streamed answers ---- */

void wisfw_stream_begin(struct wisfw_core *c, int ticket, const struct wisfw_stream_ops *ops)
{
	c->stream = ops;
	c->stream_ticket = ticket;
}

/* Asks the stream for its next partial answer and encodes it into
 * evframe; on its last turn the stream queues its final answer instead. */
static bool next_part(struct wisfw_core *c)
{
	if (!c->stream)
		return false;
	const struct wisfw_slot *s = &c->slots[c->stream_ticket];
	const struct wisfw_stream_ops *ops = c->stream;
	c->stream = NULL; /* its last turn may begin another one */
	size_t n = ops->next(c, c->enc, WIS_MAX_PAYLOAD);
	if (n == 0)
		return false;
	c->stream = ops;
	struct wis_hdr hdr = {WIS_PROTO_VERSION, WIS_MSG_RESPONSE, s->id,
	                      s->opcode,         WIS_ST_OK,        WIS_FLAG_MORE};
	c->cur_len = wis__frame_encode(c->evframe, sizeof c->evframe, &hdr, c->enc, n);
	c->cur_off = 0;
	c->cur_src = WISFW_SRC_PART;
	return true;
}

/* Ends the stream early (link down, RESET). */
static void stream_stop(struct wisfw_core *c)
{
	const struct wisfw_stream_ops *ops = c->stream;
	c->stream = NULL;
	if (ops)
		ops->stop(c);
}

/* ---- responses ---- */

void wisfw_slot_free(struct wisfw_core *c, int slot)
{
	if (slot >= 0 && slot < WISFW_WINDOW) {
		c->slots[slot].state = WISFW_SLOT_FREE;
		c->delay_due[slot] = 0;
		c->delays &= (uint16_t) ~(1u << slot);
	}
}

void wisfw_queue_response(struct wisfw_core *c, int slot, uint16_t id, uint16_t opcode, uint8_t st,
                          const uint8_t *p, size_t len)
{
	struct wis_hdr h = {WIS_PROTO_VERSION, WIS_MSG_RESPONSE, id, opcode, st, 0};
	size_t n = wis__frame_encode(c->enc, sizeof c->enc, &h, p, len);
	bool room = c->outf_count < WISFW_OUTQ_FRAMES && n > 0;
	if (slot < 0) /* the slots' share of bytes and entries stays free */
		room = room && c->outq_spare_used + n <= WISFW_OUTQ_SPARE &&
		       c->outq_spare_frames < WISFW_OUTQ_FRAMES - WISFW_WINDOW;
	/* A slotted response always has its room: it was reserved with the
	 * slot (WISFW_OUTQ_BYTES counts a full frame per slot). */
	if (!room || n > WISFW_OUTQ_BYTES - c->outq_len) {
		c->n.responses_dropped++;
		wisfw_slot_free(c, slot);
		return;
	}
	ring_put(c->outq, WISFW_OUTQ_BYTES, c->outq_head + c->outq_len, c->enc, n);
	c->outq_len += n;
	if (slot < 0) {
		c->outq_spare_used += n;
		c->outq_spare_frames++;
	} else
		c->slots[slot].state = WISFW_SLOT_QUEUED;
	unsigned k = (c->outf_head + c->outf_count) % WISFW_OUTQ_FRAMES;
	c->outf[k].len = (uint16_t)n;
	c->outf[k].slot = (int8_t)slot;
	c->outf_count++;
}

/* The head response is done (sent or dropped): pop it, free its slot. */
static void resp_done(struct wisfw_core *c, bool sent)
{
	int slot = c->outf[c->outf_head].slot;
	size_t n = c->outf[c->outf_head].len;
	size_t left = c->cur_src == WISFW_SRC_RESP ? c->cur_len - c->cur_off : n;
	/* Skip what was not sent of it. */
	c->outq_head = (c->outq_head + left) % WISFW_OUTQ_BYTES;
	c->outq_len -= left;
	if (slot < 0) {
		c->outq_spare_used -= n;
		c->outq_spare_frames--;
	}
	wisfw_slot_free(c, slot);
	c->outf_head = (uint8_t)((c->outf_head + 1) % WISFW_OUTQ_FRAMES);
	c->outf_count--;
	if (sent)
		c->n.tx_frames++;
	else
		c->n.responses_dropped++;
}

/* The frame in progress is done; sent false: the link went down. */
static void frame_done(struct wisfw_core *c, bool sent)
{
	if (c->cur_src == WISFW_SRC_RESP) {
		resp_done(c, sent);
	} else if (c->cur_src == WISFW_SRC_EVENT) {
		if (sent) {
			c->n.tx_frames++;
			c->n.events_sent++;
		} else {
			c->n.events_dropped++;
		}
	} else if (c->cur_src == WISFW_SRC_PART) {
		if (sent)
			c->n.tx_frames++;
		else
			stream_stop(c); /* the host that asked is gone with the link */
	}
	c->cur_src = WISFW_SRC_NONE;
	c->cur_off = c->cur_len = 0;
}

void wisfw_flush(struct wisfw_core *c)
{
	const struct wisfw_hal *h = c->hal;
	for (;;) {
		if (c->cur_src == WISFW_SRC_NONE) {
			/* After a RESET, queued events die with the module. */
			if (!c->outf_count && c->run == WISFW_RUNNING && !next_event(c))
				next_part(c); /* its last turn queues the final answer */
			if (c->cur_src == WISFW_SRC_NONE) {
				if (!c->outf_count)
					return;
				c->cur_src = WISFW_SRC_RESP;
				c->cur_len = c->outf[c->outf_head].len;
				c->cur_off = 0;
			}
		}
		const uint8_t *p;
		size_t n = c->cur_len - c->cur_off;
		if (c->cur_src == WISFW_SRC_RESP) {
			/* Send up to the ring's end; the wrapped rest goes next pass. */
			size_t room = WISFW_OUTQ_BYTES - c->outq_head;
			p = c->outq + c->outq_head;
			if (n > room)
				n = room;
		} else {
			p = c->evframe + c->cur_off;
		}
		int r = h->link->tx(h->ctx, p, n);
		if (r < 0) {
			frame_done(c, false); /* link down: the frame is lost with it */
			continue;
		}
		if (r == 0)
			return;
		size_t took = (size_t)r > n ? n : (size_t)r;
		c->cur_off += took;
		if (c->cur_src == WISFW_SRC_RESP) {
			c->outq_head = (c->outq_head + took) % WISFW_OUTQ_BYTES;
			c->outq_len -= took;
		}
		if (c->cur_off == c->cur_len)
			frame_done(c, true);
	}
}

bool wisfw_core_tx_pending(const struct wisfw_core *c)
{
	return c->cur_src != WISFW_SRC_NONE || c->outf_count > 0 ||
	       (c->run == WISFW_RUNNING && (c->evq_used > 0 || c->stream));
}

void wisfw_core_tx_discard(struct wisfw_core *c)
{
	if (c->cur_src != WISFW_SRC_NONE)
		frame_done(c, false);
	stream_stop(c); /* its final answer is discarded below */
	while (c->outf_count)
		resp_done(c, false);
}

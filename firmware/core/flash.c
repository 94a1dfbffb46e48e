/*
 * FLASH subsystem: info, read, write (with erase-before-write on request),
 * erase, verify by CRC-32, a raw SPI transaction and a streamed read, on
 * whichever store flash_store.c found (the external SPI NOR chip, or the
 * fallback pages of the nRF52840's own flash).  Reads answer at once;
 * write, erase and verify are kept (wisfw_defer) and answered from the
 * poll hook; a streamed read is kept and its partial answers read from
 * the store as the link takes them (txq.c).  One operation at a time: a
 * second one meanwhile gets BUSY naming the first (info and plain reads
 * still go during a streamed read), except that one FLASH_WRITE may wait
 * behind a running write and one FLASH_STREAM behind a running stream;
 * a further request gets BUSY.  The waiting write starts in the poll turn
 * that answers the one before it, so the chip never idles for a round
 * trip of the link: its data is copied at arrival (and its range checked
 * then), but its erase check reads the store when it starts, since the
 * write before it may change those bytes.  It holds its slot (HELD lists
 * it), and a RESET drops it with the running one.
 */
#include <string.h>

#include "flash_priv.h"

enum phase {
	PH_NONE = 0,
	PH_WRITE_ERASE, /* erasing a unit before programming it back whole */
	PH_WRITE_PROG,  /* programming a segment (or a merged unit)       */
	PH_ERASE,       /* FLASH_ERASE's range                             */
	PH_VERIFY,      /* reading and summing, 1 KiB per turn             */
	PH_STREAM,      /* FLASH_STREAM: driven by the link, not by poll   */
};

/* Poll again this soon while an operation runs: a page program takes
 * 0.2 ms typically, so the chip is asked at about that rate. */
#define FLASH_POLL_US 200u
/* Driver steps per turn while each one finishes at once (a fast chip or
 * the simulator's fast timing): each is one short bus transaction. */
#define FLASH_STEPS_PER_TURN 16

static void d_hex32(struct wisfw_core *c, uint32_t v)
{
	static const char hex[] = "0123456789abcdef";
	char b[11] = {'0', 'x'};
	for (int i = 0; i < 8; i++)
		b[2 + i] = hex[(v >> (28 - 4 * i)) & 15];
	b[10] = 0;
	wisfw_d_str(c, b);
}

/* OK if nothing runs and the store is found; else BUSY or the probe's
 * status, with the detail.  A streamed read lets plain reads through: it
 * reads a part at a time between them and changes nothing. */
static uint8_t begin_op(struct wisfw_core *c, const char *what, bool reads)
{
	if (c->flash.op && !(reads && c->flash.op == WIS_OP_FLASH_STREAM)) {
		wisfw_d_str(c, what);
		wisfw_d_str(c, ": flash busy with ");
		wisfw_d_str(c, wis_op_name(c->flash.op));
		wisfw_d_str(c, " (retry when it is answered)");
		return WIS_ST_BUSY;
	}
	return wisfw_flash_ready(c);
}

static uint8_t begin(struct wisfw_core *c, const char *what)
{
	return begin_op(c, what, false);
}

/* addr..addr+len inside the store, never wrapping. */
static uint8_t check_range(struct wisfw_core *c, const char *what, uint32_t addr, uint32_t len)
{
	if ((uint64_t)addr + len <= c->flash.size)
		return WIS_ST_OK;
	wisfw_d_str(c, what);
	wisfw_d_str(c, " range ");
	d_hex32(c, addr);
	wisfw_d_str(c, " + ");
	wisfw_d_uint(c, len);
	wisfw_d_str(c, " is past the end of the store (");
	wisfw_d_uint(c, c->flash.size);
	wisfw_d_str(c, " bytes)");
	return WIS_ST_BAD_ARG;
}

static uint8_t h_info(struct wisfw_core *c, const union wis_val *v, struct wis_wr *out)
{
	(void)v;
	uint8_t st = begin_op(c, "FLASH_INFO", true);
	if (st != WIS_ST_OK)
		return st;
	const struct wisfw_flash *f = &c->flash;
	bool ext = f->store == WISFW_FLASH_EXTERNAL;
	uint8_t none[3] = {0, 0, 0};
	wis_wr_u8(out, ext ? WIS_FLASH_STORE_EXTERNAL : WIS_FLASH_STORE_INTERNAL);
	wis_wr_bytes(out, ext ? f->nor.info.jedec : none, 3);
	wis_wr_u32(out, f->size);
	wis_wr_u32(out, f->unit);
	wis_wr_u32(out, f->page);
	wis_wr_str(out, ext ? f->nor.info.name : "nRF52840 internal flash (no chip fitted)");
	return WIS_ST_OK;
}

static uint8_t h_read(struct wisfw_core *c, const union wis_val *v, struct wis_wr *out)
{
	uint32_t addr = (uint32_t)v[0].u, len = (uint32_t)v[1].u;
	uint8_t st = begin_op(c, "FLASH_READ", true);
	if (st == WIS_ST_OK)
		st = check_range(c, "FLASH_READ", addr, len);
	if (st != WIS_ST_OK)
		return st;
	if (!wis_wr_need(out, len))
		return WIS_ST_TOO_BIG;
	st = wisfw_flash_read(c, addr, out->p + out->len, len);
	if (st == WIS_ST_OK)
		out->len += len;
	return st;
}

/* Index of the unit holding addr, counted from the write's first unit. */
static uint32_t unit_base(const struct wisfw_flash *f, uint32_t addr)
{
	return addr / f->unit * f->unit;
}

/* Which touched units need an erase (a byte must go from 0 to 1); refuses
 * when the caller did not allow it, naming the first such byte. */
static uint8_t precheck(struct wisfw_core *c, uint32_t addr, const uint8_t *d, uint32_t len,
                        bool erase)
{
	struct wisfw_flash *f = &c->flash;
	uint8_t *old = f->unitbuf;
	uint8_t st = wisfw_flash_read(c, addr, old, len);
	if (st != WIS_ST_OK)
		return st;
	uint32_t first = unit_base(f, addr);
	f->need_erase = 0;
	for (uint32_t i = 0; i < len; i++) {
		if ((old[i] & d[i]) == d[i])
			continue;
		if (!erase) {
			wisfw_d_str(c, "FLASH_WRITE: byte at ");
			d_hex32(c, addr + i);
			wisfw_d_str(c, " is not erased (programming only clears bits): erase "
			               "first, or set flag erase");
			return WIS_ST_WRONG_MODE;
		}
		f->need_erase |= (uint8_t)(1u << ((unit_base(f, addr + i) - first) / f->unit));
	}
	if (f->need_erase && f->unit > WISFW_FLASH_UNIT_MAX) {
		wisfw_d_str(c, "FLASH_WRITE: erase unit ");
		wisfw_d_uint(c, f->unit);
		wisfw_d_str(c, " is larger than this firmware's buffer: erase first");
		return WIS_ST_NOT_SUPPORTED;
	}
	return WIS_ST_OK;
}

static uint8_t keep(struct wisfw_core *c, uint16_t op, uint8_t phase)
{
	int t = wisfw_defer(c);
	if (t < 0) {
		wisfw_d_str(c, wis_op_name(op));
		wisfw_d_str(c, " cannot be kept here (not in a batch)");
		return WIS_ST_INTERNAL;
	}
	c->flash.op = op;
	c->flash.hot = true;
	c->flash.ticket = t;
	c->flash.phase = phase;
	return WISFW_ST_DEFER;
}

static uint8_t write_next(struct wisfw_core *c);

/* Starts the write whose data is in f->data: the erase check against the
 * store as it is now, then the first segment.  OK, or the status it is
 * refused with (nothing written). */
static uint8_t write_begin(struct wisfw_core *c, uint32_t addr, uint32_t len, bool erase)
{
	struct wisfw_flash *f = &c->flash;
	uint8_t st = precheck(c, addr, f->data, len, erase);
	if (st != WIS_ST_OK)
		return st;
	f->addr = addr;
	f->len = len;
	f->pos = 0;
	return write_next(c);
}

/* Keeps a write behind the running one: its data copied, its range
 * already checked. */
static uint8_t write_queue(struct wisfw_core *c, uint32_t addr, const uint8_t *p, uint32_t len,
                           bool erase)
{
	struct wisfw_flash *f = &c->flash;
	int t = wisfw_defer(c);
	if (t < 0)
		return WIS_ST_INTERNAL; /* not batchable: the table says so */
	memcpy(f->wq_data, p, len);
	f->wq_ticket = t;
	f->wq_addr = addr;
	f->wq_len = len;
	f->wq_erase = erase;
	return WISFW_ST_DEFER;
}

static uint8_t h_write(struct wisfw_core *c, const union wis_val *v, struct wis_wr *out)
{
	(void)out;
	struct wisfw_flash *f = &c->flash;
	uint32_t addr = (uint32_t)v[0].u, len = (uint32_t)v[2].b.len;
	bool erase = (v[1].u & WIS_FLASH_WRITE_ERASE) != 0;
	/* One more may wait behind a running write. */
	bool behind = f->op == WIS_OP_FLASH_WRITE && f->wq_ticket < 0;
	uint8_t st = behind ? WIS_ST_OK : begin(c, "FLASH_WRITE");
	if (st == WIS_ST_OK)
		st = check_range(c, "FLASH_WRITE", addr, len);
	if (st != WIS_ST_OK)
		return st;
	if (behind)
		return write_queue(c, addr, v[2].b.p, len, erase);
	memcpy(f->data, v[2].b.p, len); /* unused while nothing runs */
	if ((st = write_begin(c, addr, len, erase)) != WIS_ST_OK)
		return st;
	return keep(c, WIS_OP_FLASH_WRITE, f->phase);
}

static uint8_t h_erase(struct wisfw_core *c, const union wis_val *v, struct wis_wr *out)
{
	(void)out;
	uint32_t addr = (uint32_t)v[0].u, len = (uint32_t)v[1].u;
	uint8_t st = begin(c, "FLASH_ERASE");
	if (st == WIS_ST_OK)
		st = check_range(c, "FLASH_ERASE", addr, len);
	if (st != WIS_ST_OK)
		return st;
	uint32_t u = c->flash.unit;
	if (addr % u || len % u || len == 0) {
		wisfw_d_str(c, "FLASH_ERASE ");
		wisfw_d_str(c, addr % u ? "addr " : "len ");
		wisfw_d_uint(c, addr % u ? addr : len);
		wisfw_d_str(c, len == 0 ? " is empty" : " is not a multiple of the erase unit ");
		if (len)
			wisfw_d_uint(c, u);
		return WIS_ST_BAD_ARG;
	}
	if ((st = wisfw_flash_erase_start(c, addr, len)) != WIS_ST_OK)
		return st;
	return keep(c, WIS_OP_FLASH_ERASE, PH_ERASE);
}

static uint8_t h_verify(struct wisfw_core *c, const union wis_val *v, struct wis_wr *out)
{
	uint32_t addr = (uint32_t)v[0].u, len = (uint32_t)v[1].u;
	uint8_t st = begin(c, "FLASH_VERIFY");
	if (st == WIS_ST_OK)
		st = check_range(c, "FLASH_VERIFY", addr, len);
	if (st != WIS_ST_OK)
		return st;
	if (len == 0) {
		wis_wr_u32(out, 0);
		return WIS_ST_OK;
	}
	c->flash.addr = addr;
	c->flash.len = len;
	c->flash.pos = 0;
	c->flash.crc = 0;
	return keep(c, WIS_OP_FLASH_VERIFY, PH_VERIFY);
}

static uint8_t h_raw(struct wisfw_core *c, const union wis_val *v, struct wis_wr *out)
{
	uint32_t rx = (uint32_t)v[0].u;
	uint8_t st = begin(c, "FLASH_RAW");
	if (st != WIS_ST_OK)
		return st;
	struct wisfw_flash *f = &c->flash;
	if (f->store != WISFW_FLASH_EXTERNAL) {
		wisfw_d_str(c, "FLASH_RAW: no flash chip fitted (JEDEC ID reads all 0xFF or 0x00); "
		               "the internal fallback store has no SPI bus");
		return WIS_ST_NOT_FITTED;
	}
	if (!wis_wr_need(out, rx))
		return WIS_ST_TOO_BIG;
	if (f->io.xfer(f->io.ctx, v[1].b.p, v[1].b.len, out->p + out->len, rx) != 0) {
		wisfw_d_str(c, "FLASH_RAW: SPI transaction failed");
		return WIS_ST_HW_ERROR;
	}
	out->len += rx;
	return WIS_ST_OK;
}

/* ---- the running operation, driven from poll ---- */

static void write_follow(struct wisfw_core *c);

static void finish(struct wisfw_core *c, uint8_t st, const uint8_t *p, size_t n)
{
	struct wisfw_flash *f = &c->flash;
	f->op = 0;
	f->phase = PH_NONE;
	wisfw_answer(c, f->ticket, st, st == WIS_ST_OK ? p : NULL, n);
	if (f->wq_ticket >= 0)
		write_follow(c);
}

/* The running write has answered (done or failed): the one kept behind
 * it starts now, in the same turn.  It stands on its own: the one before
 * it failing does not refuse it. */
static void write_follow(struct wisfw_core *c)
{
	struct wisfw_flash *f = &c->flash;
	f->ticket = f->wq_ticket;
	f->wq_ticket = -1;
	f->op = WIS_OP_FLASH_WRITE;
	f->hot = true;
	memcpy(f->data, f->wq_data, f->wq_len);
	wisfw_d_reset(c); /* the answer before took its detail */
	uint8_t st = write_begin(c, f->wq_addr, f->wq_len, f->wq_erase);
	if (st != WIS_ST_OK)
		finish(c, st, NULL, 0);
}

/* ---- FLASH_STREAM: partial answers of u32 addr + data ---- */

static const struct wisfw_stream_ops stream_ops;

/* The running stream has answered: the one kept behind it starts. */
static void stream_follow(struct wisfw_core *c)
{
	struct wisfw_flash *f = &c->flash;
	if (f->next_ticket < 0)
		return;
	f->op = WIS_OP_FLASH_STREAM;
	f->phase = PH_STREAM;
	f->ticket = f->next_ticket;
	f->addr = f->next_addr;
	f->len = f->next_len;
	f->pos = 0;
	f->next_ticket = -1;
	wisfw_stream_begin(c, f->ticket, &stream_ops);
}

static size_t stream_next(struct wisfw_core *c, uint8_t *p, size_t cap)
{
	struct wisfw_flash *f = &c->flash;
	if (f->pos == f->len) {
		finish(c, WIS_ST_OK, NULL, 0);
		stream_follow(c);
		return 0;
	}
	uint32_t at = f->addr + f->pos, n = f->len - f->pos;
	if (n > cap - 4)
		n = (uint32_t)cap - 4;
	wisfw_d_reset(c);
	uint8_t st = wisfw_flash_read(c, at, p + 4, n);
	if (st != WIS_ST_OK) {
		finish(c, st, NULL, 0);
		stream_follow(c);
		return 0;
	}
	struct wis_wr w = wis_wr_init(p, 4);
	wis_wr_u32(&w, at);
	f->pos += n;
	return n + 4;
}

/* The link went down: this stream and the one kept behind it end. */
static void stream_stop(struct wisfw_core *c)
{
	struct wisfw_flash *f = &c->flash;
	wisfw_d_reset(c);
	wisfw_d_str(c, "FLASH_STREAM: the link went down");
	finish(c, WIS_ST_HW_ERROR, NULL, 0);
	if (f->next_ticket >= 0)
		wisfw_answer(c, f->next_ticket, WIS_ST_HW_ERROR, NULL, 0);
	f->next_ticket = -1;
}

static const struct wisfw_stream_ops stream_ops = {stream_next, stream_stop};

static uint8_t h_stream(struct wisfw_core *c, const union wis_val *v, struct wis_wr *out)
{
	(void)out;
	struct wisfw_flash *f = &c->flash;
	uint32_t addr = (uint32_t)v[0].u, len = (uint32_t)v[1].u;
	/* One more may wait behind a running stream. */
	bool behind = f->op == WIS_OP_FLASH_STREAM && f->next_ticket < 0;
	uint8_t st = behind ? WIS_ST_OK : begin(c, "FLASH_STREAM");
	if (st == WIS_ST_OK)
		st = check_range(c, "FLASH_STREAM", addr, len);
	if (st != WIS_ST_OK)
		return st;
	if (behind) {
		int t = wisfw_defer(c);
		if (t < 0)
			return WIS_ST_INTERNAL; /* not batchable: the table says so */
		f->next_ticket = t;
		f->next_addr = addr;
		f->next_len = len;
		return WISFW_ST_DEFER;
	}
	f->addr = addr;
	f->len = len;
	f->pos = 0;
	st = keep(c, WIS_OP_FLASH_STREAM, PH_STREAM);
	if (st == WISFW_ST_DEFER)
		wisfw_stream_begin(c, f->ticket, &stream_ops);
	return st;
}

/* Starts the write's next segment: a unit that needs an erase is read,
 * merged with the new bytes, erased, then programmed back whole, so bytes
 * outside the write keep their values. */
static uint8_t write_next(struct wisfw_core *c)
{
	struct wisfw_flash *f = &c->flash;
	uint32_t at = f->addr + f->pos, u = unit_base(f, at);
	uint32_t end = f->addr + f->len < u + f->unit ? f->addr + f->len : u + f->unit;
	uint32_t k = (u - unit_base(f, f->addr)) / f->unit;
	if (!(f->need_erase & (1u << k))) {
		uint8_t st = wisfw_flash_program_start(c, at, f->data + f->pos, end - at);
		f->pos = end - f->addr;
		f->phase = PH_WRITE_PROG;
		return st;
	}
	uint8_t st = wisfw_flash_read(c, u, f->unitbuf, f->unit);
	if (st != WIS_ST_OK)
		return st;
	for (uint32_t i = at; i < end; i++)
		f->unitbuf[i - u] = f->data[i - f->addr];
	f->need_erase &= (uint8_t) ~(1u << k);
	f->phase = PH_WRITE_ERASE;
	return wisfw_flash_erase_start(c, u, f->unit);
}

/* A step finished: what comes next. */
static void step_done(struct wisfw_core *c)
{
	struct wisfw_flash *f = &c->flash;
	uint8_t st = WIS_ST_OK;
	if (f->phase == PH_WRITE_ERASE) {
		uint32_t u = unit_base(f, f->addr + f->pos);
		st = wisfw_flash_program_start(c, u, f->unitbuf, f->unit);
		uint32_t end = f->addr + f->len < u + f->unit ? f->addr + f->len : u + f->unit;
		f->pos = end - f->addr;
		f->phase = PH_WRITE_PROG;
	} else if (f->phase == PH_WRITE_PROG && f->pos < f->len) {
		st = write_next(c);
	} else {
		finish(c, WIS_ST_OK, NULL, 0);
		return;
	}
	if (st != WIS_ST_OK)
		finish(c, st, NULL, 0);
}

static void verify_step(struct wisfw_core *c)
{
	struct wisfw_flash *f = &c->flash;
	uint32_t n = f->len - f->pos < 1024 ? f->len - f->pos : 1024;
	uint8_t st = wisfw_flash_read(c, f->addr + f->pos, f->unitbuf, n);
	if (st != WIS_ST_OK) {
		finish(c, st, NULL, 0);
		return;
	}
	f->crc = wis__crc32(f->crc, f->unitbuf, n);
	f->pos += n;
	if (f->pos == f->len) {
		uint8_t b[4] = {(uint8_t)f->crc, (uint8_t)(f->crc >> 8), (uint8_t)(f->crc >> 16),
		                (uint8_t)(f->crc >> 24)};
		finish(c, WIS_ST_OK, b, sizeof b);
	}
}

static void flash_poll(struct wisfw_core *c, uint64_t now)
{
	(void)now;
	struct wisfw_flash *f = &c->flash;
	/* Work is flowing (not waiting for the chip): come back at once. */
	if (f->phase == PH_STREAM)
		return; /* txq.c asks for the next part when the link has room */
	f->hot = true;
	for (int i = 0; i < FLASH_STEPS_PER_TURN && f->op; i++) {
		wisfw_d_reset(c);
		if (f->phase == PH_VERIFY) {
			verify_step(c);
			return;
		}
		uint32_t left = f->nor.left;
		uint8_t st = wisfw_flash_store_poll(c);
		if (st == WIS_ST_OK)
			step_done(c);
		else if (st != WISFW_ST_DEFER)
			finish(c, st, NULL, 0);
		else if (f->store != WISFW_FLASH_EXTERNAL)
			return; /* one NVMC step per turn */
		else if (f->nor.left == left) {
			f->hot = false; /* the chip is working: ask again soon */
			return;
		}
	}
}

static uint64_t flash_deadline(const struct wisfw_core *c)
{
	if (!c->flash.op || c->flash.phase == PH_STREAM)
		return UINT64_MAX;
	return wisfw_now(c) + (c->flash.hot ? 0 : FLASH_POLL_US);
}

static void flash_init(struct wisfw_core *c)
{
	wisfw_flash_forget(c);
}

static const struct wisfw_op_handler flash_ops[] = {
    {WIS_OP_FLASH_INFO, h_info},     {WIS_OP_FLASH_READ, h_read},     {WIS_OP_FLASH_WRITE, h_write},
    {WIS_OP_FLASH_ERASE, h_erase},   {WIS_OP_FLASH_VERIFY, h_verify}, {WIS_OP_FLASH_RAW, h_raw},
    {WIS_OP_FLASH_STREAM, h_stream},
};

const struct wisfw_subsys wisfw_flash_subsys = {
    .name = "flash",
    .init = flash_init,
    .reset = wisfw_flash_forget,
    .poll = flash_poll,
    .next_deadline = flash_deadline,
    .ops = flash_ops,
    .nops = sizeof flash_ops / sizeof flash_ops[0],
};

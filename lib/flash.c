/*
 * FLASH calls: info, read (one FLASH_STREAM whose parts land in place;
 * request by request, pipelined up to the device's window, for one frame's
 * worth, lost parts and older firmware), erase, verify by device CRC and
 * the raw SPI transaction; writes and the whole-image helper are in
 * flash_write.c.  Every request is encoded from the opcode table
 * (wis__call_fields), so ranges and lengths are checked before anything
 * is sent.
 */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define V(x) ((union wis_val){.u = (uint64_t)(x)})

/* Data per FLASH_READ: a whole response payload. */
#define READ_CHUNK WIS_FLASH_READ_MAX

uint32_t wis_flash_crc32(uint32_t crc, const void *buf, size_t len)
{
	return wis__crc32(crc, buf, len);
}

int wis_flash_info(wis_device *dev, struct wis_flash_info *out)
{
	wis__clear_error();
	union wis_val r[6];
	int rc = wis__call_fields(dev, WIS_OP_FLASH_INFO, NULL, r, 0);
	if (rc < 0)
		return rc;
	if (out) {
		memset(out, 0, sizeof *out);
		out->store = (unsigned)r[0].u;
		memcpy(out->jedec, r[1].b.p, 3);
		out->size = (uint32_t)r[2].u;
		out->erase_unit = (uint32_t)r[3].u;
		out->page_size = (uint32_t)r[4].u;
		size_t n = r[5].b.len < sizeof out->name - 1 ? r[5].b.len : sizeof out->name - 1;
		memcpy(out->name, r[5].b.p, n);
	}
	return 0;
}

int wis__flash_range_check(wis_device *dev, const char *what, uint32_t addr, size_t len,
                           size_t chunk, struct wis_flash_info *fi)
{
	if ((uint64_t)addr + len > UINT32_MAX)
		return wis__fail(WIS_E_INVAL, "%s: addr 0x%08x + %zu bytes passes 4 GiB", what,
		                 addr, len);
	if (len <= chunk - addr % chunk)
		return 0;
	struct wis_flash_info info;
	int rc = wis_flash_info(dev, &info);
	if (rc < 0)
		return rc;
	if (fi)
		*fi = info;
	if ((uint64_t)addr + len > info.size)
		rc = wis__fail(-WIS_ST_BAD_ARG,
		               "%s range 0x%08x + %zu is past the end of the store (%u bytes)",
		               what, addr, len, info.size);
	return rc;
}

/* ---- pipelined read ---- */

struct rd {
	wis_device *dev;
	uint8_t *buf;
	uint32_t addr;
	size_t len, next, done;
	unsigned inflight, window;
	int err;
	char detail[WIS_DETAIL_MAX];
	wis_flash_progress_cb cb;
	void *user;
};

struct rd_req {
	struct rd *r;
	size_t off, n;
};

static int rd_fill(struct rd *r);

static void rd_done(wis_device *dev, int status, const uint8_t *p, size_t len, void *user)
{
	(void)dev;
	struct rd_req *q = user;
	struct rd *r = q->r;
	r->inflight--;
	if (status == 0 && len != q->n) {
		status = WIS_E_PROTO;
		snprintf(r->detail, sizeof r->detail, "FLASH_READ of %zu bytes answered %zu", q->n,
		         len);
	} else if (status < 0 && !r->err) {
		snprintf(r->detail, sizeof r->detail, "%.*s", (int)len, (const char *)p);
	}
	if (status < 0) {
		if (!r->err)
			r->err = status;
	} else {
		memcpy(r->buf + q->off, p, len);
		r->done += len;
		if (r->cb)
			r->cb(r->done, r->len, r->user);
	}
	free(q);
	/* Refill from here, inside wis_process(): the library queues these
	 * requests and writes them in one go when the pass ends, one write()
	 * per burst of answers instead of one per request. */
	if (!r->err) {
		int rc = rd_fill(r);
		if (rc < 0) {
			r->err = rc;
			snprintf(r->detail, sizeof r->detail, "%s", wis_last_error());
		}
	}
}

/* Sends reads until the window is full; 0 or an error. */
static int rd_fill(struct rd *r)
{
	while (!r->err && r->next < r->len && r->inflight < r->window) {
		size_t n = r->len - r->next < READ_CHUNK ? r->len - r->next : READ_CHUNK;
		union wis_val v[2] = {V(r->addr + r->next), V(n)};
		uint8_t req[8];
		int m = wis__encode_fields(WIS_OP_FLASH_READ, v, req);
		if (m < 0)
			return m;
		struct rd_req *q = malloc(sizeof *q);
		if (!q)
			return wis__fail(WIS_E_NOMEM, "FLASH_READ: out of memory");
		*q = (struct rd_req){r, r->next, n};
		int rc = wis_call_async(r->dev, WIS_OP_FLASH_READ, req, (size_t)m, 0, rd_done, q);
		if (rc == WIS_E_WINDOW_FULL) {
			free(q); /* calls of others in flight: wait for room */
			break;
		}
		if (rc < 0) {
			free(q);
			return rc;
		}
		r->inflight++;
		r->next += n;
	}
	return 0;
}

/* Drives the device until *done is set or the link fails. */
static int wait_until(wis_device *dev, const bool *done, const size_t *progress)
{
	int rc = 0;
	while (!*done && rc == 0) {
		/* Wait only when a pass found nothing: while the module keeps
		 * ahead, answers are already there and the poll() is wasted. */
		size_t before = *progress;
		rc = wis_process(dev);
		if (rc < 0 || *done || *progress != before)
			continue;
		struct pollfd p = {wis_fd(dev), POLLIN, 0};
		int t = wis_next_timeout_ms(dev);
		poll(&p, 1, t < 0 || t > 100 ? 100 : t);
	}
	return rc;
}

static int read_pipelined(wis_device *dev, uint32_t addr, uint8_t *buf, size_t len,
                          wis_flash_progress_cb cb, void *user)
{
	int rc = 0;
	struct rd r = {.dev = dev, .buf = buf, .addr = addr, .len = len, .cb = cb, .user = user};
	r.window = wis_get_info(dev)->window;
	r.window = r.window ? r.window : 1;
	while ((r.next < len || r.inflight) && !rc) {
		rc = rd_fill(&r);
		if (rc < 0 || r.err)
			break;
		size_t before = r.done;
		rc = wis_process(dev);
		if (rc < 0 || r.done != before || r.err)
			continue;
		struct pollfd p = {wis_fd(dev), POLLIN, 0};
		int t = wis_next_timeout_ms(dev);
		poll(&p, 1, t < 0 || t > 100 ? 100 : t);
	}
	/* Let the calls already sent finish before their buffers go away. */
	while (r.inflight && rc == 0) {
		struct pollfd p = {wis_fd(dev), POLLIN, 0};
		poll(&p, 1, 100);
		rc = wis_process(dev);
	}
	if (rc < 0)
		return rc;
	if (r.err)
		return wis__fail(r.err, "%s", r.detail);
	return 0;
}

/* ---- streamed read: one FLASH_STREAM, the parts land in place ---- */

/* Parts lost on the way (a frame with a bad CRC) are read again
 * afterwards; more holes than this fail the read. */
#define MAX_HOLES 16

struct st {
	uint8_t *buf;
	uint32_t addr;
	size_t len;
	size_t next, done; /* where the next part should start; bytes in */
	bool finished;
	int err;
	char detail[WIS_DETAIL_MAX];
	struct {
		size_t off, n;
	} hole[MAX_HOLES];
	unsigned nholes;
	wis_flash_progress_cb cb;
	void *user;
};

static void st_fail(struct st *r, int code, const char *what)
{
	if (!r->err) {
		r->err = code;
		snprintf(r->detail, sizeof r->detail, "%s", what);
	}
}

static void st_hole(struct st *r, size_t off, size_t n)
{
	if (r->nholes == MAX_HOLES) {
		st_fail(r, WIS_E_PROTO, "FLASH_STREAM: too many parts lost on the link");
		return;
	}
	r->hole[r->nholes].off = off;
	r->hole[r->nholes++].n = n;
}

static void st_part(wis_device *dev, const uint8_t *p, size_t len, void *user)
{
	(void)dev;
	struct st *r = user;
	if (r->err)
		return;
	uint32_t at = len >= 4 ? (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	                             (uint32_t)p[3] << 24
	                       : 0;
	size_t n = len - 4, off = (size_t)(at - r->addr);
	/* Parts come in order: one that starts before the last one's end, or
	 * runs past the range, is not from this stream's device. */
	if (len < 4 || at < r->addr || off < r->next || off > r->len || n > r->len - off) {
		st_fail(r, WIS_E_PROTO, "FLASH_STREAM: a part outside the range asked for");
		return;
	}
	if (off > r->next)
		st_hole(r, r->next, off - r->next);
	memcpy(r->buf + off, p + 4, n);
	r->next = off + n;
	r->done += n;
	if (r->cb)
		r->cb(r->done, r->len, r->user);
}

static void st_done(wis_device *dev, int status, const uint8_t *p, size_t len, void *user)
{
	(void)dev;
	struct st *r = user;
	r->finished = true;
	if (status < 0) {
		char what[WIS_DETAIL_MAX];
		snprintf(what, sizeof what, "%.*s", (int)len, (const char *)p);
		st_fail(r, status, what);
	} else if (r->next < r->len) {
		st_hole(r, r->next, r->len - r->next);
	}
}

/* 1 if the device does not know FLASH_STREAM (older firmware): the caller
 * reads request by request instead. */
static int read_streamed(wis_device *dev, uint32_t addr, uint8_t *buf, size_t len,
                         wis_flash_progress_cb cb, void *user)
{
	struct st r = {.buf = buf, .addr = addr, .len = len, .cb = cb, .user = user};
	union wis_val v[2] = {V(addr), V(len)};
	uint8_t req[8];
	int m = wis__encode_fields(WIS_OP_FLASH_STREAM, v, req);
	if (m < 0)
		return m;
	int rc = wis_call_stream_async(dev, WIS_OP_FLASH_STREAM, req, (size_t)m, 0, st_part,
	                               st_done, &r);
	if (rc == 0)
		rc = wait_until(dev, &r.finished, &r.done);
	if (rc < 0)
		return rc; /* the link failed: the call was cancelled with it */
	if (r.err == -WIS_ST_UNKNOWN_OP && r.done == 0)
		return 1;
	if (r.err)
		return wis__fail(r.err, "%s", r.detail);
	for (unsigned i = 0; i < r.nholes && rc == 0; i++)
		rc = read_pipelined(dev, addr + (uint32_t)r.hole[i].off, buf + r.hole[i].off,
		                    r.hole[i].n, NULL, NULL);
	if (rc == 0 && cb && r.nholes)
		cb(len, len, user);
	return rc;
}

int wis_flash_read(wis_device *dev, uint32_t addr, void *buf, size_t len, wis_flash_progress_cb cb,
                   void *user)
{
	wis__clear_error();
	if ((uint64_t)addr + len > UINT32_MAX)
		return wis__fail(WIS_E_INVAL, "FLASH_READ: addr 0x%08x + %zu bytes passes 4 GiB",
		                 addr, len);
	if (len && !buf)
		return wis__fail(WIS_E_INVAL, "FLASH_READ: buf is NULL");
	/* One frame's worth is one FLASH_READ; more is one stream per 16 MiB,
	 * range-checked by the device itself (a read changes nothing, so no
	 * FLASH_INFO round trip first). */
	uint8_t *b = buf;
	int rc = 0;
	while (len > READ_CHUNK) {
		size_t n = len < WIS_FLASH_STREAM_MAX ? len : WIS_FLASH_STREAM_MAX;
		rc = read_streamed(dev, addr, b, n, cb, user);
		if (rc == 1) {
			/* Older firmware: the rest request by request, the whole
			 * range checked first. */
			rc = wis__flash_range_check(dev, "FLASH_READ", addr, len, READ_CHUNK, NULL);
			if (rc < 0)
				return rc;
			break;
		}
		if (rc < 0)
			return rc;
		addr += (uint32_t)n, b += n, len -= n;
	}
	return len ? read_pipelined(dev, addr, b, len, cb, user) : 0;
}

/* ---- erase, verify, raw ---- */

int wis_flash_erase(wis_device *dev, uint32_t addr, uint32_t len)
{
	wis__clear_error();
	union wis_val v[2] = {V(addr), V(len)};
	return wis__call_fields(dev, WIS_OP_FLASH_ERASE, v, NULL, 0);
}

int wis_flash_verify(wis_device *dev, uint32_t addr, uint32_t len, uint32_t *crc32)
{
	wis__clear_error();
	union wis_val v[2] = {V(addr), V(len)}, r[1];
	int rc = wis__call_fields(dev, WIS_OP_FLASH_VERIFY, v, r, 0);
	if (rc < 0)
		return rc;
	if (crc32)
		*crc32 = (uint32_t)r[0].u;
	return 0;
}

int wis_flash_raw(wis_device *dev, const void *tx, size_t ntx, void *rx, size_t nrx)
{
	wis__clear_error();
	if (!tx || (nrx && !rx))
		return wis__fail(WIS_E_INVAL, "FLASH_RAW: tx%s is NULL", tx ? "" : " or rx");
	union wis_val v[2] = {V(nrx), {.b = {tx, ntx}}}, r[1];
	int rc = wis__call_fields(dev, WIS_OP_FLASH_RAW, v, r, 0);
	if (rc < 0)
		return rc;
	if (r[0].b.len != nrx)
		return wis__fail(WIS_E_PROTO, "FLASH_RAW answered %zu bytes for %zu", r[0].b.len,
		                 nrx);
	memcpy(rx, r[0].b.p, nrx);
	return 0;
}

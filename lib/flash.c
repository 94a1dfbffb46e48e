/*
 * FLASH calls: info, read (split into frames and pipelined up to the
 * device's window), write (one frame at a time: the device runs one
 * program at a time), erase, verify by device CRC, the resumable
 * whole-image helper and the raw SPI transaction.  Every request is
 * encoded from the opcode table (wis__call_fields), so ranges and lengths
 * are checked before anything is sent.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define V(x) ((union wis_val){.u = (uint64_t)(x)})

/* Data per FLASH_READ: a whole response payload. */
#define READ_CHUNK WIS_FLASH_READ_MAX
/* Data per FLASH_WRITE: 512 keeps every request inside two 256-byte pages
 * and one erase unit when the caller's writes are aligned. */
#define WRITE_CHUNK 512u

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

/* A transfer split into several requests is checked against the store's
 * size first, so a range past its end changes nothing (one request is
 * checked by the device itself). */
static int range_check(wis_device *dev, const char *what, uint32_t addr, size_t len, size_t chunk)
{
	if ((uint64_t)addr + len > UINT32_MAX)
		return wis__fail(WIS_E_INVAL, "%s: addr 0x%08x + %zu bytes passes 4 GiB", what,
		                 addr, len);
	if (len <= chunk - addr % chunk)
		return 0;
	struct wis_flash_info fi;
	int rc = wis_flash_info(dev, &fi);
	if (rc == 0 && (uint64_t)addr + len > fi.size)
		rc = wis__fail(-WIS_ST_BAD_ARG,
		               "%s range 0x%08x + %zu is past the end of the store (%u bytes)",
		               what, addr, len, fi.size);
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

int wis_flash_read(wis_device *dev, uint32_t addr, void *buf, size_t len, wis_flash_progress_cb cb,
                   void *user)
{
	wis__clear_error();
	int rc = range_check(dev, "FLASH_READ", addr, len, READ_CHUNK);
	if (rc < 0)
		return rc;
	if (len && !buf)
		return wis__fail(WIS_E_INVAL, "FLASH_READ: buf is NULL");
	struct rd r = {.dev = dev, .buf = buf, .addr = addr, .len = len, .cb = cb, .user = user};
	r.window = wis_get_info(dev)->window;
	r.window = r.window ? r.window : 1;
	while ((r.next < len || r.inflight) && !rc) {
		rc = rd_fill(&r);
		if (rc < 0 || r.err)
			break;
		/* Wait only when a pass found nothing: while the module keeps
		 * ahead, answers are already there and the poll() is wasted. */
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

/* ---- write, erase, verify, raw ---- */

int wis_flash_write(wis_device *dev, uint32_t addr, const void *buf, size_t len, unsigned flags,
                    wis_flash_progress_cb cb, void *user)
{
	wis__clear_error();
	int rc = range_check(dev, "FLASH_WRITE", addr, len, WRITE_CHUNK);
	if (rc < 0)
		return rc;
	if (len && !buf)
		return wis__fail(WIS_E_INVAL, "FLASH_WRITE: buf is NULL");
	const uint8_t *p = buf;
	for (size_t off = 0; off < len;) {
		/* Stop at chunk boundaries of the address, so aligned callers
		 * send whole pages. */
		size_t n = WRITE_CHUNK - (addr + off) % WRITE_CHUNK;
		n = n < len - off ? n : len - off;
		union wis_val v[3] = {V(addr + off), V(flags), {.b = {p + off, n}}};
		if ((rc = wis__call_fields(dev, WIS_OP_FLASH_WRITE, v, NULL, 0)) < 0)
			return rc;
		off += n;
		if (cb)
			cb(off, len, user);
	}
	return 0;
}

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

/* ---- whole image ---- */

static int load_file(const char *path, uint8_t **data, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return wis__fail(WIS_E_IO, "%s: %s", path, strerror(errno));
	size_t cap = 65536, n = 0;
	uint8_t *b = malloc(cap);
	while (b) {
		n += fread(b + n, 1, cap - n, f);
		if (n < cap)
			break;
		uint8_t *nb = realloc(b, cap * 2);
		if (!nb) {
			free(b);
			b = NULL;
			break;
		}
		b = nb;
		cap *= 2;
	}
	int bad = ferror(f);
	fclose(f);
	if (!b)
		return wis__fail(WIS_E_NOMEM, "%s: out of memory", path);
	if (bad) {
		free(b);
		return wis__fail(WIS_E_IO, "%s: read error", path);
	}
	*data = b;
	*len = n;
	return 0;
}

int wis_flash_write_image(wis_device *dev, uint32_t addr, const char *path,
                          wis_flash_progress_cb cb, void *user, uint64_t *skipped)
{
	wis__clear_error();
	struct wis_flash_info fi;
	uint8_t *data = NULL;
	size_t len = 0;
	int rc = wis_flash_info(dev, &fi);
	if (rc < 0 || (rc = load_file(path, &data, &len)) < 0)
		return rc;
	if ((uint64_t)addr + len > fi.size) {
		free(data);
		return wis__fail(WIS_E_INVAL,
		                 "%s: %zu bytes at 0x%08x do not fit the %s store (%u)", path, len,
		                 addr, wis_name_of(wis_flash_store_names, fi.store), fi.size);
	}
	uint64_t same = 0;
	uint32_t unit = fi.erase_unit ? fi.erase_unit : 4096;
	for (size_t off = 0; off < len && rc == 0;) {
		/* One erase unit of the store at a time: in place already (an
		 * earlier, interrupted run wrote it) or written with erase. */
		size_t n = unit - (addr + off) % unit;
		n = n < len - off ? n : len - off;
		uint32_t dev_crc = 0;
		rc = wis_flash_verify(dev, (uint32_t)(addr + off), (uint32_t)n, &dev_crc);
		if (rc == 0 && dev_crc == wis__crc32(0, data + off, n))
			same += n;
		else if (rc == 0)
			rc = wis_flash_write(dev, (uint32_t)(addr + off), data + off, n,
			                     WIS_FLASH_WRITE_ERASE, NULL, NULL);
		off += n;
		if (rc == 0 && cb)
			cb(off, len, user);
	}
	uint32_t want = wis__crc32(0, data, len), got = 0;
	free(data);
	if (rc == 0 && (rc = wis_flash_verify(dev, addr, (uint32_t)len, &got)) == 0 && got != want)
		rc = wis__fail(WIS_E_IO, "%s: verify failed: device CRC 0x%08x, file 0x%08x", path,
		               got, want);
	if (skipped)
		*skipped = same;
	return rc;
}

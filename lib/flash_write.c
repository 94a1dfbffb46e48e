/*
 * FLASH writes: wis_flash_write (FLASH_WRITEs of up to 512 bytes, two in
 * flight: the firmware keeps one write behind the running one, so the
 * chip programs the one while the next travels; firmware that runs one at
 * a time answers the second BUSY, and the rest then goes one by one; with
 * the erase flag each whole unit that needs it erased once first, not
 * once per request) and the resumable whole-image writer, unit by unit on
 * top of it.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define V(x) ((union wis_val){.u = (uint64_t)(x)})

/* Data per FLASH_WRITE: 512 keeps every request inside two 256-byte pages
 * and one erase unit when the caller's writes are aligned. */
#define WRITE_CHUNK 512u
/* FLASH_WRITEs in flight: the running one and the one waiting behind it
 * (firmware/core/flash.c keeps one; a third would be BUSY). */
#define WRITE_WINDOW 2u

struct wr {
	wis_device *dev;
	const uint8_t *buf;
	uint32_t addr;
	unsigned flags;
	size_t len, next, done; /* next request's offset; bytes written */
	unsigned inflight, window, answers;
	int err;
	char detail[WIS_DETAIL_MAX];
	wis_flash_progress_cb cb;
	void *user;
};

struct wr_req {
	struct wr *w;
	size_t off, n;
	bool behind; /* sent while another of ours was in flight */
};

static void wr_fail(struct wr *w, int code, const char *what)
{
	if (!w->err) {
		w->err = code;
		snprintf(w->detail, sizeof w->detail, "%s", what);
	}
}

/* Sends writes until the window is full; stops at the first failure. */
static void wr_fill(struct wr *w);

static void wr_done(wis_device *dev, int status, const uint8_t *p, size_t len, void *user)
{
	(void)dev;
	struct wr_req *q = user;
	struct wr *w = q->w;
	w->inflight--;
	w->answers++;
	if (status == -WIS_ST_BUSY && q->behind) {
		/* Firmware that runs one write at a time: this one again once
		 * the one before it is answered, and one by one from here. */
		w->window = 1;
		if (q->off < w->next)
			w->next = q->off;
	} else if (status < 0) {
		char what[WIS_DETAIL_MAX];
		snprintf(what, sizeof what, "%.*s", (int)len, (const char *)p);
		wr_fail(w, status, what);
	} else if (!w->err && q->off + q->n > w->done) {
		/* Answers come in order: progress ends at a failure, and the
		 * highest end keeps the count right should a piece be
		 * answered before one sent again. */
		w->done = q->off + q->n;
		if (w->cb)
			w->cb(w->done, w->len, w->user);
	}
	free(q);
	/* Refill from here, inside wis_process(): the next request leaves in
	 * the same pass as the answer that made room for it. */
	wr_fill(w);
}

static void wr_fill(struct wr *w)
{
	while (!w->err && w->next < w->len && w->inflight < w->window) {
		/* Stop at chunk boundaries of the address, so aligned callers
		 * send whole pages. */
		size_t off = w->next, n = WRITE_CHUNK - (w->addr + off) % WRITE_CHUNK;
		n = n < w->len - off ? n : w->len - off;
		union wis_val v[3] = {V(w->addr + off), V(w->flags), {.b = {w->buf + off, n}}};
		uint8_t req[WIS_MAX_PAYLOAD];
		int m = wis__encode_fields(WIS_OP_FLASH_WRITE, v, req);
		struct wr_req *q = m < 0 ? NULL : malloc(sizeof *q);
		if (m >= 0 && !q)
			m = wis__fail(WIS_E_NOMEM, "FLASH_WRITE: out of memory");
		if (m < 0) {
			wr_fail(w, m, wis_last_error());
			return;
		}
		*q = (struct wr_req){w, off, n, w->inflight > 0};
		int rc = wis_call_async(w->dev, WIS_OP_FLASH_WRITE, req, (size_t)m, 0, wr_done, q);
		if (rc < 0)
			free(q);
		if (rc == WIS_E_WINDOW_FULL)
			return; /* calls of others in flight: wait for room */
		if (rc < 0) {
			wr_fail(w, rc, wis_last_error());
			return;
		}
		w->inflight++;
		w->next = off + n;
	}
}

/* CRC-32 of n bytes of 0xff: an erased range's. */
static uint32_t crc_erased(size_t n)
{
	uint8_t ff[256];
	memset(ff, 0xff, sizeof ff);
	uint32_t crc = 0;
	for (size_t k = 0; k < n; k += sizeof ff)
		crc = wis__crc32(crc, ff, n - k < sizeof ff ? n - k : sizeof ff);
	return crc;
}

/* How a range inside one erase unit, whose device CRC is dev_crc, is
 * made ready to be programmed: erased, nothing to do; a whole unit holding
 * other bytes is erased once (FLASH_ERASE); part of a unit gets the erase
 * flag on its writes (*flags), so the module merges and the bytes around
 * keep their values.  Left to the flag, a whole unit would be merged and
 * erased again by each request finding bytes to clear in it: eight times
 * for 4 KiB. */
static int prepare_unit(wis_device *dev, uint32_t at, size_t n, uint32_t unit, uint32_t dev_crc,
                        unsigned *flags)
{
	if (dev_crc == crc_erased(n))
		return 0;
	if (n == unit && at % unit == 0)
		return wis_flash_erase(dev, at, unit);
	*flags |= WIS_FLASH_WRITE_ERASE;
	return 0;
}

/* With the erase flag, each whole erase unit of the range is asked its CRC
 * (FLASH_VERIFY) and prepared (prepare_unit) before the range is written;
 * the parts of units at the ends keep the flag. */
static int erase_whole_units(wis_device *dev, uint32_t addr, size_t len, uint32_t unit)
{
	uint64_t end = (uint64_t)addr + len;
	int rc = 0;
	if (!unit)
		return 0;
	for (uint64_t at = ((uint64_t)addr + unit - 1) / unit * unit; at + unit <= end && rc == 0;
	     at += unit) {
		uint32_t crc = 0;
		unsigned ignored = 0;
		rc = wis_flash_verify(dev, (uint32_t)at, unit, &crc);
		if (rc == 0)
			rc = prepare_unit(dev, (uint32_t)at, unit, unit, crc, &ignored);
	}
	return rc;
}

int wis_flash_write(wis_device *dev, uint32_t addr, const void *buf, size_t len, unsigned flags,
                    wis_flash_progress_cb cb, void *user)
{
	wis__clear_error();
	/* The size check asks FLASH_INFO for a range longer than one request;
	 * its erase unit is then at hand (0: not asked, so no whole unit). */
	struct wis_flash_info fi = {.erase_unit = 0};
	int rc = wis__flash_range_check(dev, "FLASH_WRITE", addr, len, WRITE_CHUNK, &fi);
	if (rc < 0)
		return rc;
	if (len && !buf)
		return wis__fail(WIS_E_INVAL, "FLASH_WRITE: buf is NULL");
	if ((flags & WIS_FLASH_WRITE_ERASE) &&
	    (rc = erase_whole_units(dev, addr, len, fi.erase_unit)) < 0)
		return rc;
	struct wr w = {.dev = dev,
	               .buf = buf,
	               .addr = addr,
	               .flags = flags,
	               .len = len,
	               .window = WRITE_WINDOW,
	               .cb = cb,
	               .user = user};
	const struct wis_info *in = wis_get_info(dev); /* NULL: refused below */
	unsigned dw = in ? in->window : 0;
	w.window = dw && dw < w.window ? dw : w.window;
	while (rc == 0 && !w.err && (w.next < len || w.inflight)) {
		wr_fill(&w);
		unsigned before = w.answers;
		if (w.err || (rc = wis_process(dev)) < 0 || w.answers != before)
			continue;
		struct pollfd p = {wis_fd(dev), POLLIN, 0};
		int t = wis_next_timeout_ms(dev);
		poll(&p, 1, t < 0 || t > 100 ? 100 : t);
	}
	/* A failure stops the sending; the calls already sent finish before
	 * w goes away (a dead link has completed them all). */
	while (w.inflight && rc == 0) {
		struct pollfd p = {wis_fd(dev), POLLIN, 0};
		poll(&p, 1, 100);
		rc = wis_process(dev);
	}
	if (rc < 0)
		return rc;
	if (w.err)
		return wis__fail(w.err, "%s", w.detail);
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

/* Writes one unit's part of the image that is not in place, prepared by
 * its device CRC (prepare_unit). */
static int write_unit(wis_device *dev, uint32_t at, const uint8_t *d, size_t n, uint32_t unit,
                      uint32_t dev_crc)
{
	unsigned flags = 0;
	int rc = prepare_unit(dev, at, n, unit, dev_crc, &flags);
	return rc < 0 ? rc : wis_flash_write(dev, at, d, n, flags, NULL, NULL);
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
		 * earlier, interrupted run wrote it) or written. */
		size_t n = unit - (addr + off) % unit;
		n = n < len - off ? n : len - off;
		uint32_t dev_crc = 0;
		rc = wis_flash_verify(dev, (uint32_t)(addr + off), (uint32_t)n, &dev_crc);
		if (rc == 0 && dev_crc == wis__crc32(0, data + off, n))
			same += n;
		else if (rc == 0)
			rc = write_unit(dev, (uint32_t)(addr + off), data + off, n, unit, dev_crc);
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

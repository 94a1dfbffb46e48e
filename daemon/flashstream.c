/*
 * wisd's binary bulk path for flash reads: flash.stream.
 *
 * A Unix-socket client passes the write end of a pipe, or a regular file
 * open for writing, with SCM_RIGHTS alongside its request line.
 * flash.stream takes the oldest passed fd not yet taken, reads the range
 * from the module itself - FLASH_STREAMs of 128 KiB, two at the module at
 * a time, whose parts libwisrpc hands over as they arrive - and has the
 * raw bytes written in order into that fd (flashstream_out.c); then the
 * JSON request is answered with {addr, len, crc32}.  So a 1 MiB read is
 * not turned into 2 MiB of hex JSON text twice, and `wisctl flash read -o
 * FILE` has wisd write the file itself (docs/benchmarks.md, "Flash").
 *
 * Bounds: a client keeps at most 4 fds not yet taken (more are closed at
 * once); no segment is started while more than FS_QUEUE_MAX bytes
 * wait for a pipe (FS_FILE_QUEUE_MAX for a file, written in larger pieces
 * to hand fewer writes to a worker), so a slow reader or disk holds at
 * most that plus two segments.
 * wisjson's queued calls (other clients) go to the device before each
 * segment; the module answers their flash reads between parts and their
 * writes BUSY until the segments end (wisd retries its own segments on
 * BUSY).  A part lost on the link (bad CRC): the parts after it are
 * dropped, and the stream goes on from the gap.  A reader that goes away
 * (EPIPE), a file that cannot be written, a client that disconnects, a
 * device error or a lost module ends the stream with an error naming the
 * offset.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flashstream.h"

/* ---- the stream ----------------------------------------------------------------- */

static void detach(struct fstream *s)
{
	struct client *c = s->c;
	if (!c)
		return;
	for (struct fstream **pp = &c->streams; *pp; pp = &(*pp)->next_stream)
		if (*pp == s) {
			*pp = s->next_stream;
			break;
		}
	s->c = NULL;
}

void fs_unref(struct fstream *s)
{
	if (--s->refs == 0)
		free(s);
}

static void on_closed(uv_handle_t *h)
{
	fs_unref(h->data);
}

static void close_handles(struct fstream *s)
{
	fs_out_close(s);
	if (!uv_is_closing((uv_handle_t *)&s->retry))
		uv_close((uv_handle_t *)&s->retry, on_closed);
	if (!uv_is_closing((uv_handle_t *)&s->flush))
		uv_close((uv_handle_t *)&s->flush, on_closed);
}

/* Ends the stream with an error (once): bytes not yet written are freed,
 * the pipe is closed (its reader sees EOF), the request is answered.  A
 * segment still streaming ends at the module by itself; its parts are
 * dropped as they come. */
static void fail(struct fstream *s, struct wisj_error *e)
{
	if (s->failed)
		return;
	s->failed = true;
	fs_free_list(s->ready);
	s->ready = s->tail = NULL;
	close_handles(s);
	detach(s);
	log_debug("flash.stream: %s", e->message);
	s->cb(s->user, NULL, e);
	fs_unref(s);
}

void fs_fail_at(struct fstream *s, uint32_t off, int code, const char *fmt, const char *what)
{
	struct wisj_error e = {0};
	wisj_error_set(&e, code, fmt, s->addr + off, what);
	fail(s, &e);
	wisj_error_clear(&e);
}

static void succeed(struct fstream *s)
{
	s->failed = true; /* nothing more to do; late calls only free */
	close_handles(s);
	detach(s);
	json_object *o = json_object_new_object();
	json_object_object_add(o, "addr", json_object_new_int64(s->addr));
	json_object_object_add(o, "len", json_object_new_int64(s->len));
	json_object_object_add(o, "crc32", json_object_new_int64(s->crc));
	s->cb(s->user, o, NULL);
	fs_unref(s);
}

/* The last ready buffer if it has room, else a new one at its end. */
static struct fs_buf *tail_with_room(struct fstream *s)
{
	struct fs_buf *t = s->tail;
	if (t && t->len < FS_BUF_MAX)
		return t;
	t = malloc(sizeof *t);
	if (!t)
		return NULL;
	t->next = NULL;
	t->off = s->delivered;
	t->len = 0;
	if (s->tail)
		s->tail->next = t;
	else
		s->ready = t;
	s->tail = t;
	return t;
}

/* A part of a segment: u32 addr + data.  In order it is summed and
 * gathered for the pipe; after a lost part (a gap) the parts that follow
 * are dropped until on_segment restarts the stream at the gap. */
static void on_part(wis_device *dev, const uint8_t *p, size_t len, void *user)
{
	(void)dev;
	struct fstream *s = user;
	if (s->failed || len < 4)
		return;
	uint32_t at =
	    (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
	if (at != s->addr + s->delivered || len - 4 > s->len - s->delivered)
		return;
	p += 4, len -= 4;
	s->crc = wis_flash_crc32(s->crc, p, len);
	while (len) {
		struct fs_buf *t = tail_with_room(s);
		if (!t) {
			fs_fail_at(s, s->delivered, WISJ_INTERNAL_ERROR, "flash.stream: 0x%08x: %s",
			           "out of memory");
			return;
		}
		size_t n = len < FS_BUF_MAX - t->len ? len : FS_BUF_MAX - t->len;
		memcpy(t->data + t->len, p, n);
		t->len += (uint32_t)n;
		p += n, len -= n;
		s->delivered += (uint32_t)n;
		s->queued += n;
		s->ready_bytes += n;
	}
	fs_out_flush_soon(s);
}

/* A device error as the answer, naming the offset. */
static void read_failed(struct fstream *s, uint32_t off, int status, const uint8_t *p, size_t len)
{
	struct wisj_error e = {0};
	char detail[160];
	size_t n = len < sizeof detail - 1 ? len : sizeof detail - 1;
	for (size_t i = 0; i < n; i++)
		detail[i] = p[i] >= 0x20 && p[i] < 0x7f ? (char)p[i] : '?';
	detail[n] = 0;
	wisj_error_from_wis(&e, status, detail);
	char msg[sizeof e.message];
	memcpy(msg, e.message, sizeof msg);
	wisj_error_set(&e, e.code, "flash.stream: reading 0x%08x: %s", s->addr + off, msg);
	fail(s, &e);
	wisj_error_clear(&e);
}

static void on_retry(uv_timer_t *t)
{
	fs_pump(t->data);
}

/* A segment's final answer.  One that ended short (a lost part, or BUSY:
 * another client's flash operation) makes the stream go on from the first
 * byte missing once the other segment at the module is done too. */
static void on_segment(wis_device *dev, int status, const uint8_t *p, size_t len, void *user)
{
	(void)dev;
	struct fstream *s = user;
	s->segs--;
	if (!s->failed && status < 0 && status != -WIS_ST_BUSY) {
		read_failed(s, s->delivered, status, p, len);
	} else if (!s->failed) {
		if (status < 0 || s->delivered < s->requested)
			s->resync = true;
		if (s->resync && s->segs == 0) {
			s->requested = s->delivered;
			s->resync = false;
			if (status < 0) { /* BUSY: try when the other operation is done */
				uv_timer_start(&s->retry, on_retry, FS_RETRY_MS, 0);
				fs_unref(s);
				return;
			}
		}
		fs_out_flush_soon(s); /* what the last parts left */
		fs_pump(s);
	}
	fs_unref(s);
}

/* Keeps FS_SEGMENTS segments at the module while the range and the
 * output's queue allow. */
void fs_pump(struct fstream *s)
{
	if (s->failed)
		return;
	if (s->delivered == s->len && s->queued == 0) {
		succeed(s);
		return;
	}
	while (!s->resync && s->segs < FS_SEGMENTS && s->requested < s->len &&
	       s->queued <= (s->to_file ? FS_FILE_QUEUE_MAX : FS_QUEUE_MAX)) {
		/* Other clients' requests waiting for the window go first. */
		wisj_ctx_pump(s->d->jctx);
		if (wisj_ctx_device(s->d->jctx) != s->dev) {
			fs_fail_at(s, s->delivered, WISJ_UNAVAILABLE,
			           "flash.stream: reading 0x%08x: %s", "the module went away");
			return;
		}
		uint32_t n =
		    s->len - s->requested < FS_SEGMENT ? s->len - s->requested : FS_SEGMENT;
		union wis_val v[2] = {WIS_VAL(s->addr + s->requested), WIS_VAL(n)};
		uint8_t req[8];
		size_t rl = wis_op_encode(WIS_OP_FLASH_STREAM, v, req, sizeof req);
		int rc = wis_call_stream_async(s->dev, WIS_OP_FLASH_STREAM, req, rl,
		                               s->d->cfg.timeout_ms, on_part, on_segment, s);
		if (rc == WIS_E_WINDOW_FULL) {
			if (!s->segs) /* nothing of ours at the module to wake us up */
				uv_timer_start(&s->retry, on_retry, FS_RETRY_MS, 0);
			return;
		}
		if (rc < 0) {
			fs_fail_at(s, s->delivered,
			           rc == WIS_E_DISCONNECTED ? WISJ_UNAVAILABLE : WISJ_HOST_ERROR,
			           "flash.stream: reading 0x%08x: %s", wis_strerror(rc));
			return;
		}
		s->requested += n;
		s->segs++;
		s->refs++;
	}
}

/* ---- the method --------------------------------------------------------------- */

static void refuse(wisd_call_cb cb, void *user, int code, const char *msg)
{
	struct wisj_error e = {0};
	wisj_error_set(&e, code, "flash.stream: %s", msg);
	cb(user, NULL, &e);
	wisj_error_clear(&e);
}

/* The store's size from FLASH_INFO, then the range check and the reads. */
static void on_info(wis_device *dev, int status, const uint8_t *p, size_t len, void *user)
{
	(void)dev;
	struct fstream *s = user;
	union wis_val v[6];
	if (s->failed) {
		/* the client went meanwhile */
	} else if (status < 0 || wis_op_parse_resp(WIS_OP_FLASH_INFO, p, len, v) != WIS_DEC_OK) {
		fs_fail_at(s, 0, status < 0 ? WISJ_UNAVAILABLE : WISJ_HOST_ERROR,
		           "flash.stream: 0x%08x: %s",
		           "FLASH_INFO failed: cannot tell the store's size");
	} else if ((uint64_t)s->addr + s->len > v[2].u) {
		/* The module's own refusal, as flash.read gets it, before any
		 * byte is sent rather than at the first read past the end. */
		char detail[160];
		snprintf(detail, sizeof detail,
		         "FLASH_READ range 0x%08x + %u is past the end of the store (%llu bytes)",
		         s->addr, s->len, (unsigned long long)v[2].u);
		struct wisj_error e = {0};
		wisj_error_flash_range(&e, detail);
		fail(s, &e);
		wisj_error_clear(&e);
	} else {
		fs_pump(s);
	}
	fs_unref(s);
}

void fstream_start(struct wisd *d, struct wisd_caller *who, json_object *params, uv_pipe_t *p,
                   wisd_call_cb cb, void *user)
{
	struct client *c = who->sock;
	if (!c || !c->is_unix) {
		refuse(cb, user, WISJ_INVALID_PARAMS,
		       "needs a Unix socket connection (the pipe for the bytes is passed with "
		       "SCM_RIGHTS); use flash.read on this one");
		return;
	}
	if (!p) {
		refuse(cb, user, WISJ_INVALID_PARAMS,
		       "no file descriptor passed with the request: send the write end of a pipe "
		       "with SCM_RIGHTS alongside the request line");
		return;
	}
	bool to_file;
	if (!fs_out_usable(p, &to_file)) {
		fstream_drop_fd(p);
		refuse(cb, user, WISJ_INVALID_PARAMS,
		       "the file descriptor passed is neither the write end of a pipe nor a "
		       "regular file open for writing");
		return;
	}
	json_object *v;
	int64_t addr = json_object_object_get_ex(params, "addr", &v) ? json_object_get_int64(v) : 0;
	int64_t len = json_object_object_get_ex(params, "len", &v) ? json_object_get_int64(v) : 0;
	if (addr < 0 || addr > UINT32_MAX || len < 1 || len > UINT32_MAX) {
		fstream_drop_fd(p);
		refuse(cb, user, WISJ_INVALID_PARAMS, "want addr 0.. and len 1.. within the store");
		return;
	}
	wis_device *dev = wisj_ctx_device(d->jctx);
	if (!dev) {
		fstream_drop_fd(p);
		refuse(cb, user, WISJ_UNAVAILABLE, "no module connected right now");
		return;
	}
	struct fstream *s = calloc(1, sizeof *s);
	if (!s) {
		fstream_drop_fd(p);
		refuse(cb, user, WISJ_INTERNAL_ERROR, "out of memory");
		return;
	}
	*s = (struct fstream){.d = d,
	                      .c = c,
	                      .cb = cb,
	                      .user = user,
	                      .dev = dev,
	                      .out = p,
	                      .to_file = to_file,
	                      .addr = (uint32_t)addr,
	                      .len = (uint32_t)len,
	                      .refs = 4 /* answer, out, retry, flush */};
	p->data = s;
	log_debug("%s: flash.stream 0x%08x + %u into a %s", who->label, s->addr, s->len,
	          to_file ? "file" : "pipe");
	uv_timer_init(d->loop, &s->retry);
	s->retry.data = s;
	uv_check_init(d->loop, &s->flush);
	s->flush.data = s;
	s->next_stream = c->streams;
	c->streams = s;
	int rc = wis_call_async(dev, WIS_OP_FLASH_INFO, NULL, 0, d->cfg.timeout_ms, on_info, s);
	if (rc < 0)
		fs_fail_at(s, 0, rc == WIS_E_WINDOW_FULL ? WISJ_OVERLOADED : WISJ_UNAVAILABLE,
		           "flash.stream: 0x%08x: %s",
		           "cannot ask the module for its store's size now");
	else
		s->refs++;
}

/*
 * wisd's binary bulk path for flash reads: flash.stream.
 *
 * A Unix-socket client passes the write end of a pipe with SCM_RIGHTS
 * alongside its request line (libuv collects it: the clients' pipes are
 * ipc-capable).  flash.stream takes the oldest passed fd not yet taken,
 * reads the range from the module itself - FLASH_STREAMs of 128 KiB, two
 * at the module at a time, whose parts libwisrpc hands over as they
 * arrive - and writes the raw bytes in
 * order into that pipe; then the JSON request is answered with {addr,
 * len, crc32}.  So a 1 MiB read is not turned into 2 MiB of hex JSON text
 * twice (docs/benchmarks.md, "Flash").
 *
 * Bounds: a client keeps at most PASSED_MAX fds not yet taken (more are
 * closed at once); no segment is started while more than QUEUE_MAX bytes
 * wait for the pipe, so a slow reader holds at most that plus two
 * segments.
 * wisjson's queued calls (other clients) go to the device before each
 * segment; the module answers their flash reads between parts and their
 * writes BUSY until the segments end (wisd retries its own segments on
 * BUSY).  A part lost on the link (bad CRC): the parts after it are
 * dropped, and the stream goes on from the gap.  A reader that goes away (EPIPE), a client that
 * disconnects, a device error or a lost module ends the stream with an
 * error naming the offset.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "wisd.h"

/* The range is read as FLASH_STREAMs of SEGMENT bytes, two at the module
 * at a time (it keeps one behind the one it streams), so the link never
 * idles between segments. */
#define SEGMENT (128u * 1024u)
#define SEGMENTS 2u
#define BUF_MAX (16u * 1024u)   /* bytes per buffer parts are gathered into */
#define QUEUE_MAX (64u * 1024u) /* bytes waiting for the pipe before segments pause */
#define PASSED_MAX 4u           /* fds a client may have passed and not yet used */
#define RETRY_MS 2u             /* the window was full, or the flash busy: try again */
#define FLUSH_MIN (16u * 1024u) /* bytes per write while a segment is streaming */

/* Bytes gathered from parts, in order, waiting for the pipe. */
struct buf {
	struct buf *next;
	uint32_t off, len;
	uint8_t data[BUF_MAX];
};

struct fstream {
	struct wisd *d;
	struct client *c;            /* NULL once answered */
	struct fstream *next_stream; /* the client's other streams */
	wisd_call_cb cb;
	void *user;
	wis_device *dev;
	uv_pipe_t *out;
	uv_timer_t retry;
	uv_check_t flush;  /* writes the ready buffers once per loop pass */
	struct buf *ready; /* in order, not yet written */
	struct buf *tail;  /* ready's last, which parts fill up */
	size_t ready_bytes;
	uint32_t addr, len;
	uint32_t delivered; /* bytes received in order (and summed) */
	uint32_t requested; /* the next segment starts here */
	unsigned segs;      /* segments at the module */
	bool resync;        /* a segment ended short: restart at delivered */
	uint32_t crc;
	size_t queued; /* bytes ready or in out's write queue */
	unsigned refs; /* 1 until answered, + device calls, writes, open handles */
	bool failed;
};
/* ---- passed fds ------------------------------------------------------------- */

static void free_handle(uv_handle_t *h)
{
	free(h);
}

void fstream_take_fds(struct client *c)
{
	while (uv_pipe_pending_count(&c->h.pipe) > 0) {
		uv_pipe_t *p = malloc(sizeof *p);
		if (!p || uv_pipe_init(c->d->loop, p, 0) < 0) {
			free(p);
			client_drop(c, "out of memory for a passed file descriptor");
			return;
		}
		if (uv_accept(&c->h.stream, (uv_stream_t *)p) < 0) {
			fstream_drop_fd(p);
			continue;
		}
		if (c->npassed < PASSED_MAX) {
			c->passed[c->npassed++] = p;
			continue;
		}
		log_info("%s: more than %u file descriptors passed and not used: closed one",
		         c->who.label, PASSED_MAX);
		fstream_drop_fd(p);
	}
}

static uv_pipe_t *take_oldest(struct client *c)
{
	if (!c->npassed)
		return NULL;
	uv_pipe_t *p = c->passed[0];
	memmove(c->passed, c->passed + 1, (c->npassed - 1) * sizeof(uv_pipe_t *));
	c->npassed--;
	return p;
}

/* The write end of a pipe (a FIFO opened for writing), made non-blocking:
 * libuv leaves a passed fd as it came, and a blocking write would stall
 * the loop. */
static bool usable_pipe(uv_pipe_t *p)
{
	uv_os_fd_t fd;
	struct stat st;
	if (uv_fileno((uv_handle_t *)p, &fd) < 0 || fstat(fd, &st) < 0 || !S_ISFIFO(st.st_mode))
		return false;
	int fl = fcntl(fd, F_GETFL);
	return fl >= 0 && (fl & O_ACCMODE) != O_RDONLY && fcntl(fd, F_SETFL, fl | O_NONBLOCK) == 0;
}

/* ---- the stream ----------------------------------------------------------------- */

static void unref(struct fstream *s)
{
	if (--s->refs == 0)
		free(s);
}

static void on_handle_closed(uv_handle_t *h)
{
	struct fstream *s = h->data;
	if (h == (uv_handle_t *)s->out)
		free(s->out);
	unref(s);
}

static void close_handles(struct fstream *s)
{
	if (s->out && !uv_is_closing((uv_handle_t *)s->out))
		uv_close((uv_handle_t *)s->out, on_handle_closed);
	if (!uv_is_closing((uv_handle_t *)&s->retry))
		uv_close((uv_handle_t *)&s->retry, on_handle_closed);
	if (!uv_is_closing((uv_handle_t *)&s->flush))
		uv_close((uv_handle_t *)&s->flush, on_handle_closed);
}

static void free_list(struct buf *k)
{
	while (k) {
		struct buf *n = k->next;
		free(k);
		k = n;
	}
}

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

/* Ends the stream with an error (once): bytes not yet written are freed,
 * the pipe is closed (its reader sees EOF), the request is answered.  A
 * segment still streaming ends at the module by itself; its parts are
 * dropped as they come. */
static void fail(struct fstream *s, struct wisj_error *e)
{
	if (s->failed)
		return;
	s->failed = true;
	free_list(s->ready);
	s->ready = s->tail = NULL;
	close_handles(s);
	detach(s);
	log_debug("flash.stream: %s", e->message);
	s->cb(s->user, NULL, e);
	unref(s);
}

static void fail_at(struct fstream *s, uint32_t off, int code, const char *fmt, const char *what)
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
	unref(s);
}

static void pump(struct fstream *s);

/* One write of the buffers that were ready in one loop pass. */
struct wbatch {
	uv_write_t w;
	struct fstream *s;
	struct buf *list;
	size_t bytes;
	uint32_t off;
};

static void on_written(uv_write_t *w, int status)
{
	struct wbatch *b = (struct wbatch *)w;
	struct fstream *s = b->s;
	s->queued -= b->bytes;
	free_list(b->list);
	if (status < 0 && !s->failed)
		fail_at(s, b->off, WISJ_INVALID_PARAMS,
		        "flash.stream: writing the bytes at 0x%08x into the passed pipe: %s "
		        "(its reader closed it?)",
		        uv_strerror(status));
	else if (!s->failed)
		pump(s);
	free(b);
	unref(s);
}

/* The ready buffers go to the pipe in one write (one wake-up of the reader
 * rather than one per part). */
static void on_flush(uv_check_t *h)
{
	struct fstream *s = h->data;
	uv_check_stop(h);
	/* While a segment streams more is coming: the reader (another process,
	 * on this machine's few cores) is woken per FLUSH_MIN bytes rather
	 * than per loop pass.  The segment's end starts this again. */
	if (s->failed || !s->ready || (s->ready_bytes < FLUSH_MIN && s->segs))
		return;
	uv_buf_t bufs[16];
	struct wbatch *b = malloc(sizeof *b);
	if (!b) {
		fail_at(s, s->ready->off, WISJ_INTERNAL_ERROR, "flash.stream: 0x%08x: %s",
		        "out of memory");
		return;
	}
	*b = (struct wbatch){.s = s, .list = s->ready, .off = s->ready->off};
	unsigned n = 0;
	struct buf *k = s->ready, *last = NULL;
	for (; k && n < sizeof bufs / sizeof bufs[0]; last = k, k = k->next) {
		bufs[n++] = uv_buf_init((char *)k->data, k->len);
		b->bytes += k->len;
	}
	/* The list is cut after the last buffer taken (s->ready was not
	 * empty, so there is one); the rest waits a pass.  A buffer taken is
	 * no longer filled: the next part starts a new one. */
	if (last)
		last->next = NULL;
	s->ready = k;
	s->ready_bytes -= b->bytes;
	if (!k)
		s->tail = NULL;
	else
		uv_check_start(h, on_flush);
	int rc = uv_write(&b->w, (uv_stream_t *)s->out, bufs, n, on_written);
	if (rc < 0) {
		uint32_t off = b->off;
		free_list(b->list);
		s->queued -= b->bytes;
		free(b);
		fail_at(s, off, WISJ_INVALID_PARAMS,
		        "flash.stream: writing the bytes at 0x%08x into the passed pipe: %s",
		        uv_strerror(rc));
		return;
	}
	s->refs++;
}

/* The last ready buffer if it has room, else a new one at its end. */
static struct buf *tail_with_room(struct fstream *s)
{
	struct buf *t = s->tail;
	if (t && t->len < BUF_MAX)
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
		struct buf *t = tail_with_room(s);
		if (!t) {
			fail_at(s, s->delivered, WISJ_INTERNAL_ERROR, "flash.stream: 0x%08x: %s",
			        "out of memory");
			return;
		}
		size_t n = len < BUF_MAX - t->len ? len : BUF_MAX - t->len;
		memcpy(t->data + t->len, p, n);
		t->len += (uint32_t)n;
		p += n, len -= n;
		s->delivered += (uint32_t)n;
		s->queued += n;
		s->ready_bytes += n;
	}
	uv_check_start(&s->flush, on_flush);
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
	pump(t->data);
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
				uv_timer_start(&s->retry, on_retry, RETRY_MS, 0);
				unref(s);
				return;
			}
		}
		uv_check_start(&s->flush, on_flush); /* what the last parts left */
		pump(s);
	}
	unref(s);
}

/* Keeps SEGMENTS segments at the module while the range and the pipe's
 * queue allow. */
static void pump(struct fstream *s)
{
	if (s->failed)
		return;
	if (s->delivered == s->len && s->queued == 0) {
		succeed(s);
		return;
	}
	while (!s->resync && s->segs < SEGMENTS && s->requested < s->len &&
	       s->queued <= QUEUE_MAX) {
		/* Other clients' requests waiting for the window go first. */
		wisj_ctx_pump(s->d->jctx);
		if (wisj_ctx_device(s->d->jctx) != s->dev) {
			fail_at(s, s->delivered, WISJ_UNAVAILABLE,
			        "flash.stream: reading 0x%08x: %s", "the module went away");
			return;
		}
		uint32_t n = s->len - s->requested < SEGMENT ? s->len - s->requested : SEGMENT;
		union wis_val v[2] = {WIS_VAL(s->addr + s->requested), WIS_VAL(n)};
		uint8_t req[8];
		size_t rl = wis_op_encode(WIS_OP_FLASH_STREAM, v, req, sizeof req);
		int rc = wis_call_stream_async(s->dev, WIS_OP_FLASH_STREAM, req, rl,
		                               s->d->cfg.timeout_ms, on_part, on_segment, s);
		if (rc == WIS_E_WINDOW_FULL) {
			if (!s->segs) /* nothing of ours at the module to wake us up */
				uv_timer_start(&s->retry, on_retry, RETRY_MS, 0);
			return;
		}
		if (rc < 0) {
			fail_at(s, s->delivered,
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
		fail_at(s, 0, status < 0 ? WISJ_UNAVAILABLE : WISJ_HOST_ERROR,
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
		pump(s);
	}
	unref(s);
}

uv_pipe_t *fstream_take_fd(struct wisd_caller *who)
{
	struct client *c = who->sock;
	return c && c->is_unix ? take_oldest(c) : NULL;
}

void fstream_drop_fd(uv_pipe_t *p)
{
	if (p)
		uv_close((uv_handle_t *)p, free_handle);
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
	if (!usable_pipe(p)) {
		fstream_drop_fd(p);
		refuse(cb, user, WISJ_INVALID_PARAMS,
		       "the file descriptor passed is not the write end of a pipe");
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
	                      .addr = (uint32_t)addr,
	                      .len = (uint32_t)len,
	                      .refs = 4 /* answer, out, retry, flush */};
	p->data = s;
	uv_timer_init(d->loop, &s->retry);
	s->retry.data = s;
	uv_check_init(d->loop, &s->flush);
	s->flush.data = s;
	s->next_stream = c->streams;
	c->streams = s;
	int rc = wis_call_async(dev, WIS_OP_FLASH_INFO, NULL, 0, d->cfg.timeout_ms, on_info, s);
	if (rc < 0)
		fail_at(s, 0, rc == WIS_E_WINDOW_FULL ? WISJ_OVERLOADED : WISJ_UNAVAILABLE,
		        "flash.stream: 0x%08x: %s",
		        "cannot ask the module for its store's size now");
	else
		s->refs++;
}

/* Its client went: its streams end (their answers go nowhere). */
void fstream_client_gone(struct client *c)
{
	while (c->streams)
		fail_at(c->streams, c->streams->delivered, WISJ_UNAVAILABLE,
		        "flash.stream: at 0x%08x: %s", "the client disconnected");
	while (c->npassed)
		uv_close((uv_handle_t *)take_oldest(c), free_handle);
}

/*
 * flash.stream's output side: the descriptors Unix clients pass with
 * SCM_RIGHTS (libuv collects them: the clients' pipes are ipc-capable),
 * and the writing of a stream's gathered bytes into the one its request
 * took.
 *
 * Two kinds are taken.  The write end of a pipe is written by the loop
 * (uv_write, non-blocking): its reader is another process, woken per
 * FLUSH_MIN bytes while a segment streams.  A regular file open for
 * writing (`wisctl flash read -o FILE` passes its output file) is written
 * at its current position by libuv's worker threads, one write at a time so
 * that the bytes land in order, FILE_FLUSH_MIN bytes a write (each write
 * costs a hand-over to a worker and back, about as much as the copy): a page-cache
 * write that waits on a slow disk (an SD card flushing) holds a worker,
 * never the loop.  The file's descriptor stays open until the write at the
 * worker returns, so that a stream that ends meanwhile (its client went)
 * cannot have the number reused under that write.
 *
 * A write that never returns (a FUSE file system that does not answer, a
 * dying disk) holds its worker for good; libuv has four, and wisd opens
 * the module on one.  So at most FILE_WRITERS_MAX file writes are at the
 * workers at once across wisd (the rest wait their turn), and a file on a
 * FUSE or network file system is refused: its client passes a pipe instead
 * (wisctl does), and its own process waits for that file system.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#include "flashstream.h"

#define PASSED_MAX 4u           /* fds a client may have passed and not yet used */
#define FLUSH_MIN (16u * 1024u) /* bytes per pipe write while a segment is streaming */
/* Bytes per file write while a segment is streaming. */
#define FILE_FLUSH_MIN (128u * 1024u)
/* File writes at libuv's 4 workers at once, across wisd (it opens the
 * module on one). */
#define FILE_WRITERS_MAX 2u

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

/* Its client went: its streams end (their answers go nowhere). */
void fstream_client_gone(struct client *c)
{
	while (c->streams)
		fs_fail_at(c->streams, c->streams->delivered, WISJ_UNAVAILABLE,
		           "flash.stream: at 0x%08x: %s", "the client disconnected");
	while (c->npassed)
		uv_close((uv_handle_t *)take_oldest(c), free_handle);
}

/* File systems whose writes wait on another process or machine (statfs(2)'s
 * f_type values): FUSE, NFS, SMB/CIFS (three), 9P, Ceph, AFS, Coda. */
static bool remote_fs(int fd)
{
	static const unsigned long magic[] = {0x65735546, 0x6969,     0x517b,
	                                      0xff534d42, 0xfe534d42, 0x01021997,
	                                      0x00c36400, 0x5346414f, 0x73757245};
	struct statfs sf;
	if (fstatfs(fd, &sf) < 0)
		return true;
	for (size_t i = 0; i < sizeof magic / sizeof magic[0]; i++)
		if ((unsigned long)sf.f_type == magic[i])
			return true;
	return false;
}

/* A pipe's write end is made non-blocking (libuv leaves a passed fd as it
 * came, and a blocking write would stall the loop); a regular file is
 * written by workers, where blocking is harmless. */
bool fs_out_usable(uv_pipe_t *p, bool *to_file)
{
	uv_os_fd_t fd;
	struct stat st;
	if (uv_fileno((uv_handle_t *)p, &fd) < 0 || fstat(fd, &st) < 0)
		return false;
	if (!S_ISFIFO(st.st_mode) && !(S_ISREG(st.st_mode) && !remote_fs(fd)))
		return false;
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0 || (fl & O_ACCMODE) == O_RDONLY)
		return false;
	*to_file = S_ISREG(st.st_mode);
	return *to_file || fcntl(fd, F_SETFL, fl | O_NONBLOCK) == 0;
}

/* ---- writing ---------------------------------------------------------------- */

static void on_handle_closed(uv_handle_t *h)
{
	struct fstream *s = h->data;
	free(h);
	fs_unref(s);
}

void fs_out_close(struct fstream *s)
{
	if (s->out && !s->file_busy && !uv_is_closing((uv_handle_t *)s->out))
		uv_close((uv_handle_t *)s->out, on_handle_closed);
}

void fs_free_list(struct fs_buf *k)
{
	while (k) {
		struct fs_buf *n = k->next;
		free(k);
		k = n;
	}
}

/* One write of the buffers that were ready in one loop pass. */
struct wbatch {
	union {
		uv_write_t w;
		uv_fs_t fs;
	} req;
	struct fstream *s;
	struct fs_buf *list;
	size_t bytes;
	uint32_t off;
};

/* A file took less than offered: the rest goes back to the front of what
 * is ready, to be written again.  That write either goes on (room came)
 * or fails with the reason (ENOSPC, EFBIG), which a short count does not
 * give.  Returns the list of buffers written whole, to be freed. */
static struct fs_buf *requeue_rest(struct fstream *s, struct wbatch *b, size_t took)
{
	struct fs_buf *done = NULL, **end = &done, *k = b->list;
	while (k && took >= k->len) {
		took -= k->len;
		*end = k;
		end = &k->next;
		k = k->next;
	}
	*end = NULL;
	if (took) {
		memmove(k->data, k->data + took, k->len - took);
		k->len -= (uint32_t)took;
		k->off += (uint32_t)took;
	}
	struct fs_buf *last = k;
	size_t rest = 0;
	for (struct fs_buf *r = k; r; r = r->next) {
		rest += r->len;
		last = r;
	}
	last->next = s->ready;
	if (!s->ready)
		s->tail = last;
	s->ready = k;
	s->ready_bytes += rest;
	s->queued += rest;
	return done;
}

/* After a batch is written (or not): the stream goes on, or ends with the
 * error naming the offset of the batch's first byte. */
static void written(struct wbatch *b, ssize_t status)
{
	struct fstream *s = b->s;
	s->queued -= b->bytes;
	bool none = status == 0 && b->bytes > 0; /* a file's, with no reason */
	if (!s->failed && s->to_file && status > 0 && (size_t)status < b->bytes)
		b->list = requeue_rest(s, b, (size_t)status);
	fs_free_list(b->list);
	if (!s->failed && none) {
		fs_fail_at(s, b->off, WISJ_INVALID_PARAMS,
		           "flash.stream: writing the bytes at 0x%08x into the passed file: %s",
		           "it took none of them");
	} else if (!s->failed && status < 0 && s->to_file) {
		fs_fail_at(s, b->off, WISJ_INVALID_PARAMS,
		           "flash.stream: writing the bytes at 0x%08x into the passed file: %s",
		           uv_strerror((int)status));
	} else if (!s->failed && status < 0) {
		char why[160];
		snprintf(why, sizeof why, "%s (its reader closed it?)", uv_strerror((int)status));
		fs_fail_at(s, b->off, WISJ_INVALID_PARAMS,
		           "flash.stream: writing the bytes at 0x%08x into the passed pipe: %s",
		           why);
	} else if (!s->failed) {
		if (s->ready)
			fs_out_flush_soon(s);
		fs_pump(s);
	}
	free(b);
	fs_unref(s);
}

static void on_pipe_written(uv_write_t *w, int status)
{
	struct wbatch *b = (struct wbatch *)w;
	written(b, status < 0 ? status : (ssize_t)b->bytes);
}

static void on_file_written(uv_fs_t *req)
{
	struct wbatch *b = (struct wbatch *)req;
	struct fstream *s = b->s;
	ssize_t r = req->result;
	uv_fs_req_cleanup(req);
	s->file_busy = false;
	s->d->file_writes--;
	if (s->failed) /* ended meanwhile: the fd it held can go now */
		fs_out_close(s);
	written(b, r);
}

/* The ready buffers go out in one write (one wake-up of a pipe's reader,
 * one worker's turn for a file, rather than one per part). */
static void on_flush(uv_check_t *h)
{
	struct fstream *s = h->data;
	uv_check_stop(h);
	/* While a segment streams more is coming: write per FLUSH_MIN bytes
	 * rather than per loop pass.  The segment's end starts this again. */
	size_t min = s->to_file ? FILE_FLUSH_MIN : FLUSH_MIN;
	if (s->failed || !s->ready || (s->ready_bytes < min && s->segs) || s->file_busy)
		return;
	if (s->to_file && s->d->file_writes >= FILE_WRITERS_MAX) {
		uv_check_start(h, on_flush); /* once a loop pass, until a worker is ours */
		return;
	}
	uv_buf_t bufs[16];
	struct wbatch *b = malloc(sizeof *b);
	if (!b) {
		fs_fail_at(s, s->ready->off, WISJ_INTERNAL_ERROR, "flash.stream: 0x%08x: %s",
		           "out of memory");
		return;
	}
	*b = (struct wbatch){.s = s, .list = s->ready, .off = s->ready->off};
	unsigned n = 0;
	struct fs_buf *k = s->ready, *last = NULL;
	for (; k && n < sizeof bufs / sizeof bufs[0]; last = k, k = k->next) {
		bufs[n++] = uv_buf_init((char *)k->data, k->len);
		b->bytes += k->len;
	}
	/* The list is cut after the last buffer taken (s->ready was not
	 * empty, so there is one); the rest waits a pass (a file: until this
	 * write returns).  A buffer taken is no longer filled: the next part
	 * starts a new one. */
	if (last)
		last->next = NULL;
	s->ready = k;
	s->ready_bytes -= b->bytes;
	if (!k)
		s->tail = NULL;
	else if (!s->to_file)
		uv_check_start(h, on_flush);
	int rc;
	if (s->to_file) {
		uv_os_fd_t fd;
		rc = uv_fileno((uv_handle_t *)s->out, &fd);
		/* Offset -1: at the file's position, which the passer shares
		 * (its `>>` appends, its lseek sees the progress). */
		if (rc == 0)
			rc = uv_fs_write(s->d->loop, &b->req.fs, fd, bufs, n, -1, on_file_written);
		s->file_busy = rc == 0;
		s->d->file_writes += rc == 0;
	} else {
		rc = uv_write(&b->req.w, (uv_stream_t *)s->out, bufs, n, on_pipe_written);
	}
	if (rc < 0) {
		uint32_t off = b->off;
		fs_free_list(b->list);
		s->queued -= b->bytes;
		free(b);
		fs_fail_at(
		    s, off, WISJ_INVALID_PARAMS,
		    "flash.stream: writing the bytes at 0x%08x into the passed descriptor: %s",
		    uv_strerror(rc));
		return;
	}
	s->refs++;
}

void fs_out_flush_soon(struct fstream *s)
{
	uv_check_start(&s->flush, on_flush);
}

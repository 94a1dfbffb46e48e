/*
 * flash.stream's insides, shared by its two files (not part of wisd.h):
 * flashstream.c reads the range from the module and gathers the parts in
 * order; flashstream_out.c owns the descriptors clients pass and writes the
 * gathered bytes into one of them - the write end of a pipe (uv_write, the
 * loop's own poll) or a regular file (libuv's worker threads, so that a
 * slow disk never stalls the loop).
 */
#ifndef WISD_FLASHSTREAM_H
#define WISD_FLASHSTREAM_H

#include "wisd.h"

/* The range is read as FLASH_STREAMs of SEGMENT bytes, two at the module
 * at a time (it keeps one behind the one it streams), so the link never
 * idles between segments. */
#define FS_SEGMENT (128u * 1024u)
#define FS_SEGMENTS 2u
#define FS_BUF_MAX (16u * 1024u)         /* bytes per buffer parts are gathered into */
#define FS_QUEUE_MAX (64u * 1024u)       /* bytes waiting for a pipe before segments pause */
#define FS_FILE_QUEUE_MAX (256u * 1024u) /* the same for a file (written 128 KiB at a time) */
#define FS_RETRY_MS 2u                   /* the window was full, or the flash busy: try again */

/* Bytes gathered from parts, in order, waiting for the output. */
struct fs_buf {
	struct fs_buf *next;
	uint32_t off, len;
	uint8_t data[FS_BUF_MAX];
};

struct fstream {
	struct wisd *d;
	struct client *c;            /* NULL once answered */
	struct fstream *next_stream; /* the client's other streams */
	wisd_call_cb cb;
	void *user;
	wis_device *dev;
	uv_pipe_t *out; /* the passed fd (a pipe handle also for a file) */
	bool to_file;   /* out is a regular file: written by worker threads */
	bool file_busy; /* a file write is at a worker: out stays open */
	uv_timer_t retry;
	uv_check_t flush;     /* writes the ready buffers once per loop pass */
	struct fs_buf *ready; /* in order, not yet written */
	struct fs_buf *tail;  /* ready's last, which parts fill up */
	size_t ready_bytes;
	uint32_t addr, len;
	uint32_t delivered; /* bytes received in order (and summed) */
	uint32_t requested; /* the next segment starts here */
	unsigned segs;      /* segments at the module */
	bool resync;        /* a segment ended short: restart at delivered */
	uint32_t crc;
	size_t queued; /* bytes ready or being written */
	unsigned refs; /* 1 until answered, + device calls, writes, open handles */
	bool failed;
};

/* flashstream.c */
void fs_pump(struct fstream *s); /* more segments, or the answer when all is out */
void fs_fail_at(struct fstream *s, uint32_t off, int code, const char *fmt, const char *what);
void fs_unref(struct fstream *s);

/* flashstream_out.c */
/* Whether p can take the bytes: a pipe's write end (made non-blocking) or
 * a regular file open for writing (*to_file). */
bool fs_out_usable(uv_pipe_t *p, bool *to_file);
void fs_out_flush_soon(struct fstream *s); /* the ready buffers go out this loop pass */
void fs_out_close(struct fstream *s);      /* once no write holds the fd */
void fs_free_list(struct fs_buf *k);

#endif

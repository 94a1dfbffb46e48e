/*
 * Inter-process transport of the radio medium (radio_medium.h): several
 * wisrpc-sim processes on one machine share the air through Unix datagram
 * sockets in one directory (the medium's name).  Each process binds
 * DIR/<pid>.<n>.sock; a frame a local model transmits is sent to every
 * other socket in the directory as one datagram (fixed little-endian
 * layout below), and radio_medium_sock_poll() injects the frames that
 * arrived.  A peer that died leaves a socket nobody reads: sending to it
 * fails with ECONNREFUSED and the file is removed, the others go on.
 * Frames carry absolute CLOCK_MONOTONIC microseconds, so the peers' media
 * must run on that clock (the simulator's now_us).
 */
#include "radio_medium_sock.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define MAGIC 0x31465257u /* "WRF1" */
#define WIRE_HEAD 42
#define WIRE_MAX (WIRE_HEAD + 255)

static void put(uint8_t *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get(const uint8_t *p, int n)
{
	uint64_t v = 0;

	for (int i = n - 1; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* magic 4, sender id 4, freq 4, sf, bw, cr, flags, sync 2, preamble 2,
 * power 1, len 1, t_start 8, t_end 8, sender's node 1, sender's station 1,
 * reserved 2, payload. */
static size_t encode(const struct radio_frame *f, uint32_t sender, uint8_t *w)
{
	uint8_t flags = (uint8_t)(f->ldro | f->implicit << 1 | f->crc << 2 | f->invert_iq << 3);

	memset(w, 0, WIRE_HEAD);
	put(w, MAGIC, 4);
	put(w + 4, sender, 4);
	put(w + 8, f->freq_hz, 4);
	w[12] = f->sf, w[13] = f->bw_code, w[14] = f->cr, w[15] = flags;
	put(w + 16, f->sync, 2);
	put(w + 18, f->preamble, 2);
	w[20] = (uint8_t)f->power_dbm;
	w[21] = f->len;
	put(w + 22, f->t_start_us, 8);
	put(w + 30, f->t_end_us, 8);
	w[38] = (uint8_t)f->src;
	w[39] = f->station;
	memcpy(w + WIRE_HEAD, f->payload, f->len);
	return WIRE_HEAD + (size_t)f->len;
}

static bool decode(const uint8_t *w, size_t n, struct radio_frame *f, uint32_t *sender)
{
	if (n < WIRE_HEAD || get(w, 4) != MAGIC || n != WIRE_HEAD + (size_t)w[21])
		return false;
	memset(f, 0, sizeof *f);
	*sender = (uint32_t)get(w + 4, 4);
	f->freq_hz = (uint32_t)get(w + 8, 4);
	f->sf = w[12], f->bw_code = w[13], f->cr = w[14];
	f->ldro = w[15] & 1, f->implicit = w[15] >> 1 & 1;
	f->crc = w[15] >> 2 & 1, f->invert_iq = w[15] >> 3 & 1;
	f->sync = (uint16_t)get(w + 16, 2);
	f->preamble = (uint16_t)get(w + 18, 2);
	f->power_dbm = (int8_t)w[20];
	f->len = w[21];
	f->t_start_us = get(w + 22, 8);
	f->t_end_us = get(w + 30, 8);
	f->src = w[38];
	f->station = w[39];
	memcpy(f->payload, w + WIRE_HEAD, f->len);
	return true;
}

static bool is_peer(const struct radio_medium_sock *s, const char *name)
{
	size_t n = strlen(name);

	return n > 5 && strcmp(name + n - 5, ".sock") == 0 && strcmp(name, s->self) != 0;
}

static void send_all(void *ctx, const struct radio_frame *f)
{
	struct radio_medium_sock *s = ctx;
	uint8_t w[WIRE_MAX];
	size_t n = encode(f, s->id, w);
	DIR *d = opendir(s->dir);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d)) != NULL) {
		struct sockaddr_un a = {.sun_family = AF_UNIX};

		if (!is_peer(s, e->d_name) || snprintf(a.sun_path, sizeof a.sun_path, "%s/%s",
		                                       s->dir, e->d_name) >= (int)sizeof a.sun_path)
			continue;
		if (sendto(s->fd, w, n, MSG_DONTWAIT, (struct sockaddr *)&a, sizeof a) < 0) {
			if (errno == ECONNREFUSED)
				unlink(a.sun_path); /* its process is gone */
			s->send_errors++;
		}
	}
	closedir(d);
}

int radio_medium_sock_open(struct radio_medium_sock *s, struct radio_medium *md, const char *dir)
{
	static unsigned seq;
	struct sockaddr_un a = {.sun_family = AF_UNIX};

	memset(s, 0, sizeof *s);
	s->fd = -1;
	s->md = md;
	s->id = (uint32_t)getpid() << 8 | (seq & 0xFF);
	if (snprintf(s->dir, sizeof s->dir, "%s", dir) >= (int)sizeof s->dir ||
	    snprintf(s->self, sizeof s->self, "%u.%u.sock", (unsigned)getpid(), seq++) >=
	        (int)sizeof s->self ||
	    snprintf(a.sun_path, sizeof a.sun_path, "%s/%s", dir, s->self) >=
	        (int)sizeof a.sun_path)
		return -ENAMETOOLONG;
	s->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd < 0)
		return -errno;
	unlink(a.sun_path);
	if (bind(s->fd, (struct sockaddr *)&a, sizeof a) < 0) {
		int e = -errno;

		close(s->fd);
		s->fd = -1;
		return e;
	}
	md->transport.ctx = s;
	md->transport.frame_out = send_all;
	return 0;
}

int radio_medium_sock_poll(struct radio_medium_sock *s)
{
	uint8_t w[WIRE_MAX + 1];
	struct radio_frame f;
	uint32_t sender;
	ssize_t n;
	int got = 0;

	while ((n = recv(s->fd, w, sizeof w, MSG_DONTWAIT)) >= 0) {
		if (!decode(w, (size_t)n, &f, &sender)) {
			s->bad++;
			continue;
		}
		/* remote ids live above the local ones (RADIO_MEDIUM_NODES) */
		f.src =
		    RADIO_MEDIUM_NODES + (int)((sender << 4 | (uint32_t)(f.src & 15)) & 0x7FFFFFF);
		radio_medium_inject(s->md, &f);
		got++;
	}
	return got;
}

void radio_medium_sock_close(struct radio_medium_sock *s)
{
	char path[sizeof s->dir + sizeof s->self + 1];

	if (s->fd < 0)
		return;
	close(s->fd);
	s->fd = -1;
	snprintf(path, sizeof path, "%s/%s", s->dir, s->self);
	unlink(path);
	if (s->md->transport.ctx == s)
		s->md->transport.frame_out = NULL;
}

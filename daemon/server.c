/*
 * wisd server clients: one struct client per connection (accepted by the
 * server component, listen.c), newline framing with a line-length limit,
 * and the write side with its back-pressure rule.
 *
 * Policy (after gpsd): a client that stops reading is never allowed to
 * stall the loop or grow memory without bound.  Writes are attempted at
 * once (uv_try_write); what does not fit is queued, and limits.c drops a
 * client that does not drain its queue (with a logged reason).
 *
 * Fairness: a client with CLIENT_MAX_PENDING requests unanswered is not
 * read from until half of them are answered, so one client flooding
 * requests cannot fill the shared device queue and starve the others; its
 * further requests wait in its socket (the kernel's flow control slows the
 * sender) and in a small held buffer.
 *
 * Lifetime: a client is freed when its handle is closed AND no request it
 * sent is still at the device (refs).  Responses to a closed client are
 * discarded.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <grp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "outq.h"
#include "wisd.h"

#define CLIENT_MAX_PENDING 256

struct wreq {
	uv_write_t w;
	struct client *c;
	struct shbuf *b;
	size_t n; /* bytes queued (limits.c counts them) */
};

struct shbuf *shbuf_from_json(json_object *o)
{
	size_t n;
	const char *s = json_object_to_json_string_length(
	    o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &n);
	struct shbuf *b = malloc(sizeof *b + n + 1);
	if (!b)
		return NULL;
	b->refs = 1;
	b->len = n + 1;
	memcpy(b->data, s, n);
	b->data[n] = '\n';
	return b;
}

void shbuf_unref(struct shbuf *b)
{
	if (b && --b->refs == 0)
		free(b);
}

void client_ref(struct client *c)
{
	c->refs++;
}

/* A client that has sent EOF (shut down its writing side, as socat and
 * "nc -N" do after their input) is closed once every answer it asked for
 * has been written, not before: closing at EOF would throw them away.  A
 * subscriber on the Unix socket stays, as with gpsd's "echo ?WATCH | nc":
 * its notifications go on until a write finds the socket closed.  (Over
 * TCP a half-close looks like a close, so a subscriber is not kept.) */
static void finish_if_done(struct client *c)
{
	if (c->eof && !c->closing && !(c->topics && c->is_unix) && c->refs == 1 &&
	    uv_stream_get_write_queue_size(&c->h.stream) == 0)
		client_close(c);
}

void client_request_taken(struct client *c)
{
	c->pending++;
	client_ref(c);
}

void client_request_done(struct client *c)
{
	c->pending--;
	/* Resume from the loop, not from inside this answer's callback. */
	if (c->paused && c->pending < CLIENT_MAX_PENDING / 2 && !c->closing &&
	    !uv_is_active((uv_handle_t *)&c->d->resume_idle))
		uv_idle_start(&c->d->resume_idle, server_on_resume);
	client_unref(c);
}

void client_unref(struct client *c)
{
	if (--c->refs == 1)
		finish_if_done(c);
	if (c->refs)
		return;
	free(c->line);
	free(c->held);
	free(c->out.p); /* outq.c */
	free(c);
}

static void on_client_closed(uv_handle_t *h)
{
	struct client *c = h->data;
	struct wisd *d = c->d;
	if (c->prev)
		c->prev->next = c->next;
	else
		d->clients = c->next;
	if (c->next)
		c->next->prev = c->prev;
	d->nclients--;
	fstream_client_gone(c);
	wisd_caller_gone(d, &c->who);
	client_unref(c);
}

void client_close(struct client *c)
{
	if (c->closing)
		return;
	outq_flush(c); /* an error answered just before the close goes first */
	c->closing = true;
	limits_closing(c);
	uv_read_stop(&c->h.stream);
	uv_close(&c->h.handle, on_client_closed);
}

void client_drop(struct client *c, const char *fmt, ...)
{
	if (c->closing)
		return;
	char why[200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	log_warn("%s dropped: %s", c->who.label, why);
	client_close(c);
}

static void on_written(uv_write_t *w, int status)
{
	struct wreq *r = (struct wreq *)w;
	if (status < 0 && status != UV_ECANCELED && !r->c->closing)
		log_debug("%s: write failed: %s", r->c->who.label, uv_strerror(status));
	limits_written(r->c, r->n);
	shbuf_unref(r->b);
	client_unref(r->c);
	free(r);
}

void client_send(struct client *c, struct shbuf *b)
{
	if (c->closing || !b)
		return;
	uv_buf_t buf = uv_buf_init(b->data, (unsigned)b->len);
	int n = uv_try_write(&c->h.stream, &buf, 1);
	if (n == (int)b->len)
		return;
	if (n < 0 && n != UV_EAGAIN) {
		log_debug("%s: write: %s", c->who.label, uv_strerror(n));
		client_close(c);
		return;
	}
	if (n > 0)
		buf = uv_buf_init(b->data + n, (unsigned)(b->len - (size_t)n));
	struct wreq *r = malloc(sizeof *r);
	if (!r) {
		client_drop(c, "out of memory for its write queue");
		return;
	}
	r->c = c;
	r->b = b;
	r->n = buf.len;
	b->refs++;
	client_ref(c);
	int rc = uv_write(&r->w, &c->h.stream, &buf, 1, on_written);
	if (rc < 0) {
		shbuf_unref(b);
		client_unref(c);
		free(r);
		client_close(c);
		return;
	}
	limits_queued(c, r->n);
}

/* ---- reading ------------------------------------------------------------------ */

static void alloc_cb(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
	(void)hint;
	struct client *c = h->data;
	*buf = uv_buf_init(c->d->rbuf, (unsigned)c->d->rbuf_len);
}

static void handle_line(struct client *c, char *line, size_t len)
{
	if (len && line[len - 1] == '\r')
		len--;
	line[len] = 0;
	rpc_line(c, line, len);
}

static void too_long(struct client *c)
{
	char msg[100];
	snprintf(msg, sizeof msg, "request line longer than %zu bytes: skipped to its end",
	         c->d->cfg.max_line);
	log_info("%s: %s", c->who.label, msg);
	rpc_send_error(c, WISJ_INVALID_REQUEST, msg);
	c->discarding = true;
	c->line_len = 0;
}

static int append(struct client *c, const char *p, size_t n)
{
	if (c->line_len + n + 1 > c->line_cap) {
		size_t cap = c->line_cap ? c->line_cap : 256;
		while (cap < c->line_len + n + 1)
			cap *= 2;
		char *nl = realloc(c->line, cap);
		if (!nl)
			return -1;
		c->line = nl;
		c->line_cap = cap;
	}
	memcpy(c->line + c->line_len, p, n);
	c->line_len += n;
	return 0;
}

/* After EOF: has the peer closed both directions (a Unix socket then
 * polls as hung up), or only its writing side? */
static bool peer_gone(struct client *c)
{
	uv_os_fd_t fd;
	if (!c->is_unix || uv_fileno(&c->h.handle, &fd) != 0)
		return false;
	struct pollfd p = {fd, 0, 0};
	return poll(&p, 1, 0) == 1 && (p.revents & (POLLHUP | POLLERR));
}

static void consume(struct client *c, char *p, char *end);

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
	struct client *c = s->data;
	if (nread == UV_EOF && peer_gone(c)) {
		log_debug("%s: disconnected", c->who.label);
		client_close(c);
		return;
	}
	if (nread == UV_EOF) {
		log_debug("%s: end of requests", c->who.label);
		uv_read_stop(&c->h.stream);
		/* A last line without its newline is still a request. */
		if (c->line_len && !c->discarding) {
			size_t len = c->line_len;
			c->line_len = 0;
			handle_line(c, c->line, len);
		}
		c->eof = true;
		finish_if_done(c);
		return;
	}
	if (nread < 0) {
		log_debug("%s: read: %s", c->who.label, uv_strerror((int)nread));
		client_close(c);
		return;
	}
	c->last_rx = uv_now(c->d->loop);
	/* Pipes passed with these bytes (flash.stream), before their request. */
	if (c->is_unix)
		fstream_take_fds(c);
	consume(c, buf->base, buf->base + nread);
}

/* Stops reading from c, keeping [p, end) to handle once it may go on. */
static void pause_client(struct client *c, char *p, char *end)
{
	size_t n = (size_t)(end - p);
	char *h = malloc(n + 1);
	if (!h) {
		client_drop(c, "out of memory for its held requests");
		return;
	}
	memcpy(h, p, n);
	c->held = h;
	c->held_len = n;
	c->paused = true;
	uv_read_stop(&c->h.stream);
	log_debug("%s: %d requests pending: reading paused", c->who.label, CLIENT_MAX_PENDING);
}

/* Handles the request lines in [p, end); a partial last line is kept for
 * the next read. */
static void consume(struct client *c, char *p, char *end)
{
	size_t max = c->d->cfg.max_line;
	while (p < end && !c->closing) {
		if (c->pending >= CLIENT_MAX_PENDING && c->line_len == 0 && !c->discarding &&
		    !c->d->stopping) {
			pause_client(c, p, end);
			return;
		}
		char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)((nl ? nl : end) - p);
		if (c->discarding) {
			if (nl)
				c->discarding = false;
		} else if (c->line_len + n > max) {
			too_long(c);
			if (nl)
				c->discarding = false;
		} else if (!nl) {
			if (append(c, p, n) < 0)
				client_drop(c, "out of memory for its request line");
		} else if (c->line_len) {
			if (append(c, p, n) < 0) {
				client_drop(c, "out of memory for its request line");
				break;
			}
			size_t len = c->line_len;
			c->line_len = 0;
			handle_line(c, c->line, len);
		} else {
			handle_line(c, p, n);
		}
		p = nl ? nl + 1 : end;
	}
	/* Don't keep a large line buffer around for an idle client. */
	if (c->line_len == 0 && c->line_cap > 4096) {
		free(c->line);
		c->line = NULL;
		c->line_cap = 0;
	}
}

void server_resume_client(struct client *c)
{
	char *h = c->held;
	size_t n = c->held_len;
	c->held = NULL;
	c->held_len = 0;
	c->paused = false;
	consume(c, h, h + n);
	free(h);
	if (!c->paused && !c->closing && !c->eof) {
		log_debug("%s: reading resumed", c->who.label);
		uv_read_start(&c->h.stream, alloc_cb, on_read);
	}
}

void server_on_resume(uv_idle_t *h)
{
	struct wisd *d = h->data;
	uv_idle_stop(h);
	if (d->stopping)
		return;
	for (struct client *c = d->clients; c; c = c->next)
		if (c->paused && !c->closing && c->pending < CLIENT_MAX_PENDING / 2)
			server_resume_client(c);
}

/* ---- accepting ---------------------------------------------------------------- */

/* A Unix client's credentials, once (label and class use them): its fd,
 * or -1. */
static int read_peer(struct client *c)
{
	uv_os_fd_t fd;
	if (!c->is_unix || uv_fileno(&c->h.handle, &fd) != 0)
		return -1;
	socklen_t len = sizeof c->peer;
	c->has_peer = getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &c->peer, &len) == 0;
	return fd;
}

static void label_client(struct client *c)
{
	if (c->is_unix) {
		if (c->has_peer) {
			snprintf(c->who.label, sizeof c->who.label, "client %u (pid %d, uid %u)",
			         c->id, (int)c->peer.pid, (unsigned)c->peer.uid);
			return;
		}
	} else {
		struct sockaddr_storage ss;
		int len = sizeof ss;
		char ip[64] = "?";
		if (uv_tcp_getpeername(&c->h.tcp, (struct sockaddr *)&ss, &len) == 0) {
			if (ss.ss_family == AF_INET)
				uv_ip4_name((struct sockaddr_in *)&ss, ip, sizeof ip);
			else
				uv_ip6_name((struct sockaddr_in6 *)&ss, ip, sizeof ip);
		}
		snprintf(c->who.label, sizeof c->who.label, "client %u (tcp %s)", c->id, ip);
		return;
	}
	snprintf(c->who.label, sizeof c->who.label, "client %u", c->id);
}

void server_on_connection(uv_stream_t *srv, int status)
{
	struct wisd *d = srv->data;
	if (status < 0) {
		log_warn("accept: %s", uv_strerror(status));
		return;
	}
	struct client *c = calloc(1, sizeof *c);
	if (!c)
		return;
	bool is_unix = srv == (uv_stream_t *)&d->unix_srv;
	/* ipc: libuv collects the fds a client passes (SCM_RIGHTS) for
	 * flash.stream (flashstream.c); the bytes read are the same. */
	if (is_unix)
		uv_pipe_init(d->loop, &c->h.pipe, 1);
	else
		uv_tcp_init(d->loop, &c->h.tcp);
	c->h.handle.data = c;
	c->d = d;
	c->is_unix = is_unix;
	c->refs = 1;
	c->id = ++d->next_client_id;
	c->who.sock = c;
	c->who.perm = WIS_PERM_READ; /* TCP: nothing runs before rpc.auth anyway */
	c->authed = is_unix;
	c->last_rx = c->since = uv_now(d->loop);
	c->next = d->clients;
	if (d->clients)
		d->clients->prev = c;
	d->clients = c;
	d->nclients++;
	if (uv_accept(srv, &c->h.stream) < 0) {
		snprintf(c->who.label, sizeof c->who.label, "client %u", c->id);
		client_close(c);
		return;
	}
	if (!is_unix)
		uv_tcp_nodelay(&c->h.tcp, 1);
	int fd = read_peer(c);
	label_client(c);
	if (fd >= 0)
		c->who.perm = (uint8_t)auth_unix_class(d, fd, c->has_peer ? &c->peer : NULL);
	if (!limits_accept(c))
		return;
	log_debug("%s connected: class %s", c->who.label,
	          is_unix ? wisj_perm_name(c->who.perm) : "none until rpc.auth");
	uv_read_start(&c->h.stream, alloc_cb, on_read);
}

void server_on_idle_timer(uv_timer_t *t)
{
	struct wisd *d = t->data;
	uint64_t now = uv_now(d->loop), limit = (uint64_t)d->cfg.idle_timeout * 1000;
	for (struct client *c = d->clients; c; c = c->next) {
		if (c->closing || c->topics || c->refs > 1 || now - c->last_rx < limit)
			continue;
		json_object *mine = owner_list(d, &c->who);
		size_t held = json_object_array_length(mine);
		json_object_put(mine);
		if (!held)
			client_drop(c, "idle for %u s without a request or subscription",
			            d->cfg.idle_timeout);
	}
}

/*
 * Transport over raw TCP, "tcp://HOST:PORT": ser2net exposing a module on
 * another machine, or wisrpc-sim --tcp.  TCP_NODELAY because every frame is
 * a small request waiting for its answer; Nagle would add up to 40 ms.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "internal.h"

struct tp_tcp {
	struct wis_transport base;
	int fd;
};

static ssize_t tcp_read(struct wis_transport *t, void *buf, size_t n)
{
	return wis__fd_read(((struct tp_tcp *)t)->fd, buf, n);
}

static ssize_t tcp_write(struct wis_transport *t, const void *buf, size_t n)
{
	return wis__fd_write(((struct tp_tcp *)t)->fd, buf, n, 1);
}

static int tcp_fd(struct wis_transport *t)
{
	return ((struct tp_tcp *)t)->fd;
}

static void tcp_close(struct wis_transport *t)
{
	struct tp_tcp *c = (struct tp_tcp *)t;
	close(c->fd);
	free(c);
}

static const struct wis_transport_ops tcp_ops = {"tcp", tcp_read, tcp_write, tcp_fd, tcp_close};

/* Non-blocking connect bounded by timeout_ms.  Returns the fd or -errno. */
static int connect_one(const struct addrinfo *ai, unsigned timeout_ms)
{
	int fd =
	    socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
	if (fd < 0)
		return -errno;
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
		if (errno != EINPROGRESS) {
			int e = errno;
			close(fd);
			return -e;
		}
		struct pollfd pfd = {fd, POLLOUT, 0};
		int pr;
		do
			pr = poll(&pfd, 1, (int)timeout_ms);
		while (pr < 0 && errno == EINTR);
		int err = 0;
		socklen_t len = sizeof err;
		if (pr == 0)
			err = ETIMEDOUT;
		else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
			err = errno;
		if (err) {
			close(fd);
			return -err;
		}
	}
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	return fd;
}

int wis__transport_tcp_open(const char *url, unsigned timeout_ms, struct wis_transport **out)
{
	const char *hp = url + 6; /* after tcp:// */
	char host[256];
	const char *colon = strrchr(hp, ':');
	if (!colon || colon == hp || !colon[1] || (size_t)(colon - hp) >= sizeof host)
		return wis__fail(WIS_E_INVAL, "bad TCP address %s: use tcp://HOST:PORT", url);
	const char *port = colon + 1;
	unsigned long pn = 0;
	for (const char *c = port; *c; c++) {
		if (*c < '0' || *c > '9')
			return wis__fail(WIS_E_INVAL, "bad TCP port in %s: use tcp://HOST:PORT",
			                 url);
		if (pn <= 65535)
			pn = pn * 10 + (unsigned long)(*c - '0');
	}
	/* getaddrinfo takes "99999" and connects to 99999 mod 65536 */
	if (pn == 0 || pn > 65535)
		return wis__fail(WIS_E_INVAL, "TCP port %s in %s is out of range 1..65535", port,
		                 url);
	size_t hl = (size_t)(colon - hp);
	/* [::1]:5000 */
	if (hp[0] == '[' && hl >= 2 && hp[hl - 1] == ']') {
		memcpy(host, hp + 1, hl - 2);
		host[hl - 2] = 0;
	} else {
		memcpy(host, hp, hl);
		host[hl] = 0;
	}
	struct addrinfo hints, *res = NULL;
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	int gr = getaddrinfo(host, port, &hints, &res);
	if (gr != 0)
		return wis__fail(WIS_E_NOT_FOUND, "cannot resolve %s: %s", host, gai_strerror(gr));
	int fd = -ECONNREFUSED;
	for (struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next)
		fd = connect_one(ai, timeout_ms);
	freeaddrinfo(res);
	if (fd < 0)
		return wis__fail(fd == -ECONNREFUSED ? WIS_E_NOT_FOUND : WIS_E_IO,
		                 "cannot connect to %s: %s", url, strerror(-fd));
	struct tp_tcp *c = calloc(1, sizeof *c);
	if (!c) {
		close(fd);
		return wis__fail(WIS_E_NOMEM, "out of memory");
	}
	c->base.ops = &tcp_ops;
	c->fd = fd;
	*out = &c->base;
	return 0;
}

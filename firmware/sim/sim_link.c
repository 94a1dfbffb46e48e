/*
 * The simulator's host link: a pseudo-terminal (what a host sees as
 * /dev/ttyACM0) or, with --tcp, a TCP port on 127.0.0.1 serving one client
 * at a time (what ser2net users see).  Bytes read go to the core; what
 * the core sends waits in simhal's tx buffer and is written here without
 * blocking (sim_link_flush is simhal's drain).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "sim.h"

static int set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);
	return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

static void link_readable(struct sim *s, int fd, short revents, void *arg)
{
	(void)arg;
	uint8_t buf[4096];
	if (revents & POLLIN) {
		for (int i = 0; i < 64 && !s->hw.reset_req && sim_fault_want_read(s); i++) {
			size_t room = sim_fault_rx_room(s);
			size_t want = room < sizeof buf ? room : sizeof buf;
			ssize_t r = read(fd, buf, want);
			if (r > 0) {
				sim_fault_rx(s, buf, (size_t)r);
				if ((size_t)r < want)
					break; /* drained: poll says when more comes, no EAGAIN
					          round trip */
				continue;
			}
			if (r < 0 && (errno == EAGAIN || errno == EINTR))
				break;
			if (s->tcp_port < 0)
				break; /* pty: we hold the slave, so EIO/EOF is transient */
			sim_log(s, "TCP client disconnected");
			sim_watch_del(s, fd);
			close(fd);
			s->link_fd = -1;
			s->hw.link_up = false;
			sim_link_drop(s);
			return;
		}
		if (!s->hw.reset_req) /* else sim_module_reset flushes, in order */
			sim_link_flush(s);
		return;
	}
	if ((revents & (POLLHUP | POLLERR)) && s->tcp_port >= 0) {
		sim_log(s, "TCP client disconnected");
		sim_watch_del(s, fd);
		close(fd);
		s->link_fd = -1;
		s->hw.link_up = false;
		sim_link_drop(s);
	}
}

int sim_link_open_pty(struct sim *s, const char *link_path)
{
	s->tcp_port = -1;
	int m = posix_openpt(O_RDWR | O_NOCTTY);
	if (m < 0 || grantpt(m) < 0 || unlockpt(m) < 0 ||
	    ptsname_r(m, s->pty_name, sizeof s->pty_name) != 0) {
		fprintf(stderr, "wisrpc-sim: cannot create a pseudo-terminal: %s\n",
		        strerror(errno));
		if (m >= 0)
			close(m);
		return -1;
	}
	/* Our own slave fd keeps the pty alive across host close/reopen (no
	 * EIO/HUP on the master) and keeps the raw settings in place. */
	int sl = open(s->pty_name, O_RDWR | O_NOCTTY);
	struct termios t;
	if (sl < 0 || tcgetattr(sl, &t) < 0) {
		fprintf(stderr, "wisrpc-sim: cannot open %s: %s\n", s->pty_name, strerror(errno));
		close(m);
		if (sl >= 0)
			close(sl);
		return -1;
	}
	cfmakeraw(&t);
	cfsetispeed(&t, B115200);
	cfsetospeed(&t, B115200);
	tcsetattr(sl, TCSANOW, &t);
	set_nonblock(m);
	s->link_fd = m;
	s->hw.link_up = true;
	s->slave_fd = sl;
	if (link_path) {
		struct stat st;
		if (lstat(link_path, &st) == 0) {
			if (!S_ISLNK(st.st_mode)) {
				fprintf(stderr,
				        "wisrpc-sim: --link %s exists and is not a symlink\n",
				        link_path);
				return -1;
			}
			unlink(link_path); /* stale, from an earlier run */
		}
		if (symlink(s->pty_name, link_path) < 0) {
			fprintf(stderr, "wisrpc-sim: cannot make link %s: %s\n", link_path,
			        strerror(errno));
			return -1;
		}
		s->link_path = link_path;
		s->link_made = true;
	}
	return sim_watch_add(s, m, POLLIN, link_readable, NULL);
}

static void tcp_accept(struct sim *s, int fd, short revents, void *arg)
{
	(void)revents;
	(void)arg;
	int c = accept(fd, NULL, NULL);
	if (c < 0)
		return;
	if (s->link_fd >= 0) {
		/* One host at a time, as a serial port is. */
		sim_log(s, "TCP connection refused: a client is already connected");
		close(c);
		return;
	}
	int one = 1;
	setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	set_nonblock(c);
	if (sim_watch_add(s, c, POLLIN, link_readable, NULL) < 0) {
		close(c);
		return;
	}
	s->link_fd = c;
	s->hw.link_up = true;
	sim_log(s, "TCP client connected");
}

int sim_link_open_tcp(struct sim *s, int port)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int one = 1;
	socklen_t al = sizeof a;
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
	    bind(fd, (struct sockaddr *)&a, sizeof a) < 0 || listen(fd, 4) < 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &al) < 0) {
		fprintf(stderr, "wisrpc-sim: cannot listen on 127.0.0.1:%d: %s\n", port,
		        strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	set_nonblock(fd);
	s->tcp_listen = fd;
	s->tcp_port = ntohs(a.sin_port);
	s->link_fd = -1;
	s->hw.link_up = false;
	return sim_watch_add(s, fd, POLLIN, tcp_accept, NULL);
}

void sim_link_close(struct sim *s)
{
	if (s->link_fd >= 0)
		close(s->link_fd);
	if (s->slave_fd >= 0)
		close(s->slave_fd);
	if (s->tcp_listen >= 0)
		close(s->tcp_listen);
	s->link_fd = s->slave_fd = s->tcp_listen = -1;
	s->hw.link_up = false;
	if (s->link_made) {
		/* Only remove the link if it still points at our pty. */
		char buf[sizeof s->pty_name];
		ssize_t n = readlink(s->link_path, buf, sizeof buf - 1);
		if (n > 0) {
			buf[n] = 0;
			if (strcmp(buf, s->pty_name) == 0)
				unlink(s->link_path);
		}
		s->link_made = false;
	}
}

void sim_link_drop(struct sim *s)
{
	simhal_tx_clear(&s->hw);
	wisfw_core_tx_discard(&s->core);
}

bool sim_link_flush(struct sim *s)
{
	bool faults;
	bool done = sim_fault_tx(s, &faults);
	if (faults)
		return done;
	const uint8_t *p = simhal_tx_head(&s->hw);
	size_t len = simhal_tx_pending(&s->hw), off = 0;
	while (off < len && s->link_fd >= 0) {
		size_t n = len - off;
		ssize_t r = s->tcp_port >= 0 ? send(s->link_fd, p + off, n, MSG_NOSIGNAL)
		                             : write(s->link_fd, p + off, n);
		if (r > 0) {
			off += (size_t)r;
			/* A pty that took less is full: the next write would only
			 * say EAGAIN (a syscall per wake-up on a streamed read); the
			 * rest goes when poll says it has room. */
			if ((size_t)r < n && s->tcp_port < 0)
				break;
			continue;
		}
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno != EAGAIN) {
			off = len; /* link gone: the disconnect path cleans up */
			break;
		}
		break; /* full: the rest goes when the link is writable */
	}
	simhal_tx_took(&s->hw, off);
	return simhal_tx_pending(&s->hw) == 0;
}

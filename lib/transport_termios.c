/*
 * Transport for any tty through POSIX termios: the simulator's pty (and
 * symlinks to it made with --link), socat links, and real ports that
 * libserialport would not take.
 *
 * The line is made raw and set to 115200 baud right after opening: a port
 * left at 1200 baud reboots Adafruit-bootloader boards into the bootloader
 * when DTR drops (the "1200-baud touch").  Stale input from an earlier
 * session is flushed so its responses cannot be matched to our calls.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "internal.h"

struct tp_termios {
	struct wis_transport base;
	int fd;
};

static ssize_t tt_read(struct wis_transport *t, void *buf, size_t n)
{
	return wis__fd_read(((struct tp_termios *)t)->fd, buf, n);
}

static ssize_t tt_write(struct wis_transport *t, const void *buf, size_t n)
{
	return wis__fd_write(((struct tp_termios *)t)->fd, buf, n, 0);
}

static int tt_fd(struct wis_transport *t)
{
	return ((struct tp_termios *)t)->fd;
}

static void tt_close(struct wis_transport *t)
{
	struct tp_termios *tt = (struct tp_termios *)t;
	close(tt->fd);
	free(tt);
}

static const struct wis_transport_ops termios_ops = {"termios", tt_read, tt_write, tt_fd, tt_close};

int wis__transport_termios_open(const char *path, struct wis_transport **out)
{
	int fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		if (e == EISDIR)
			return wis__fail(WIS_E_INVAL,
			                 "%s is a directory, not a serial port; use a tty path, "
			                 "tcp://HOST:PORT or \"auto\"",
			                 path);
		return wis__fail(e == ENOENT || e == ENXIO ? WIS_E_NOT_FOUND : WIS_E_IO,
		                 "cannot open %s: %s%s", path, strerror(e),
		                 e == EACCES ? " (is your user in the dialout group?)" : "");
	}
	struct termios tio;
	if (!isatty(fd) || tcgetattr(fd, &tio) < 0) {
		close(fd);
		return wis__fail(WIS_E_INVAL,
		                 "%s is not a serial port or terminal; use a tty path, "
		                 "tcp://HOST:PORT or \"auto\"",
		                 path);
	}
	/* Before touching the line: its owner's settings stay as they are. */
	int rc = wis__fd_lock(fd, path);
	if (rc < 0) {
		close(fd);
		return rc;
	}
	cfmakeraw(&tio);
	tio.c_cflag |= CLOCAL | CREAD;
	tio.c_cflag &= ~(tcflag_t)CRTSCTS;
	tio.c_cc[VMIN] = 1;
	tio.c_cc[VTIME] = 0;
	cfsetispeed(&tio, B115200);
	cfsetospeed(&tio, B115200);
	if (tcsetattr(fd, TCSANOW, &tio) < 0) {
		int e = errno;
		close(fd);
		return wis__fail(WIS_E_IO, "cannot configure %s: %s", path, strerror(e));
	}
	tcflush(fd, TCIOFLUSH);
	struct tp_termios *t = calloc(1, sizeof *t);
	if (!t) {
		close(fd);
		return wis__fail(WIS_E_NOMEM, "out of memory");
	}
	t->base.ops = &termios_ops;
	t->fd = fd;
	*out = &t->base;
	return 0;
}

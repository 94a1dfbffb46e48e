/*
 * Transport selection and the fd helpers the transports share.
 *
 * Which transport a path gets: "tcp://" is TCP; a path whose tty has a
 * device parent in sysfs (a real /dev/ttyACM0, or a by-id symlink to one)
 * goes to libserialport; anything else that is a tty (ptys, socat links)
 * goes to termios.  libserialport cannot open ptys (host-notes.md), so
 * termios is also the fallback when libserialport refuses a port.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"
#include "transport.h"

/* A real serial port has /sys/class/tty/NAME/device; ptys do not. */
static int has_sysfs_device(const char *path)
{
	char real[PATH_MAX];
	if (!realpath(path, real))
		return 0;
	const char *base = strrchr(real, '/');
	base = base ? base + 1 : real;
	if (strncmp(real, "/dev/", 5) != 0 || strncmp(real, "/dev/pts/", 9) == 0)
		return 0;
	char sys[PATH_MAX + 32];
	snprintf(sys, sizeof sys, "/sys/class/tty/%s/device", base);
	struct stat st;
	return stat(sys, &st) == 0;
}

int wis__transport_open(const char *path, unsigned timeout_ms, struct wis_transport **out)
{
	*out = NULL;
	if (!path || !*path)
		return wis__fail(WIS_E_INVAL, "empty device path");
	if (strncmp(path, "tcp://", 6) == 0)
		return wis__transport_tcp_open(path, timeout_ms, out);
	if (has_sysfs_device(path)) {
		int rc = wis__transport_serialport_open(path, out);
		if (rc != WIS_E_NOT_FOUND)
			return rc;
	}
	return wis__transport_termios_open(path, out);
}

int wis__fd_lock(int fd, const char *path)
{
	if (flock(fd, LOCK_EX | LOCK_NB) == 0 || errno != EWOULDBLOCK)
		return 0; /* a file system without locks: go on unprotected */
	return wis__fail(WIS_E_IN_USE,
	                 "%s is in use by another program (wisd?): talk to it through wisd, "
	                 "or stop that program",
	                 path);
}

ssize_t wis__fd_read(int fd, void *buf, size_t n)
{
	for (;;) {
		ssize_t r = read(fd, buf, n);
		if (r > 0)
			return r;
		if (r == 0)
			return WIS_E_DISCONNECTED;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return 0;
		if (errno == EIO || errno == ECONNRESET || errno == ENXIO || errno == ENODEV ||
		    errno == EPIPE || errno == ENOTCONN)
			return WIS_E_DISCONNECTED;
		return WIS_E_IO;
	}
}

ssize_t wis__fd_write(int fd, const void *buf, size_t n, int is_socket)
{
	for (;;) {
		ssize_t w = is_socket ? send(fd, buf, n, MSG_NOSIGNAL) : write(fd, buf, n);
		if (w >= 0)
			return w;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return 0;
		if (errno == EIO || errno == EPIPE || errno == ECONNRESET || errno == ENXIO ||
		    errno == ENODEV || errno == ENOTCONN)
			return WIS_E_DISCONNECTED;
		return WIS_E_IO;
	}
}

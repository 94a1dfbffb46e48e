/*
 * Byte-stream transports under a wis_device: a tty opened with termios (the
 * simulator's pty, socat links), a real USB serial port opened through
 * libserialport, or a raw TCP socket (ser2net, a networked simulator).
 *
 * Every transport has a non-blocking fd.  The call layer polls that fd
 * itself, so a transport only has to move bytes and say how the link died:
 * the vtable is deliberately small.
 */
#ifndef WISRPC_TRANSPORT_H
#define WISRPC_TRANSPORT_H

#include <stddef.h>
#include <sys/types.h>

struct wis_transport;

struct wis_transport_ops {
	const char *name; /* "termios", "serialport", "tcp" */
	/* > 0 bytes read, 0 nothing available now, WIS_E_DISCONNECTED on
	 * EOF/EIO/HUP, WIS_E_IO otherwise (errno kept). */
	ssize_t (*read)(struct wis_transport *t, void *buf, size_t n);
	/* Writes what the link accepts now, without blocking: bytes written
	 * (0 if it is full), WIS_E_DISCONNECTED or WIS_E_IO.  Waiting for room
	 * is the caller's business (poll the fd for POLLOUT). */
	ssize_t (*write)(struct wis_transport *t, const void *buf, size_t n);
	int (*fd)(struct wis_transport *t);
	void (*close)(struct wis_transport *t);
};

struct wis_transport {
	const struct wis_transport_ops *ops;
};

/* Picks the transport for a path (see wis_open() in wisrpc.h).  On failure
 * returns a negative code with the detail in wis_last_error(). */
int wis__transport_open(const char *path, unsigned timeout_ms, struct wis_transport **out);

int wis__transport_termios_open(const char *path, struct wis_transport **out);
/* WIS_E_NOT_FOUND if libserialport does not know the port: the caller then
 * falls back to termios. */
int wis__transport_serialport_open(const char *path, struct wis_transport **out);
int wis__transport_tcp_open(const char *url, unsigned timeout_ms, struct wis_transport **out);

/* Shared by the fd-based transports. */
/* Takes an exclusive advisory lock on an opened port, so that a second
 * program (wisctl --device while wisd owns the port) is told the port is
 * busy instead of silently stealing the other's answers.  0, or
 * WIS_E_IN_USE with the detail set. */
int wis__fd_lock(int fd, const char *path);
ssize_t wis__fd_read(int fd, void *buf, size_t n);
ssize_t wis__fd_write(int fd, const void *buf, size_t n, int is_socket);

#endif

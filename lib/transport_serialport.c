/*
 * Transport for real USB serial ports (/dev/ttyACMn, /dev/serial/by-id/...)
 * through libserialport, which knows them from sysfs and configures them
 * portably.  Once open, bytes move through the port's fd directly so that
 * EOF/EIO on unplug is seen exactly as for the termios transport.
 *
 * DTR is raised because CDC-ACM firmware commonly treats DTR as "a host is
 * listening" and holds its output until then.
 */
#include <errno.h>
#include <fcntl.h>
#include <libserialport.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>

#include "internal.h"

struct tp_sp {
	struct wis_transport base;
	struct sp_port *port;
	int fd;
};

static ssize_t sp_tp_read(struct wis_transport *t, void *buf, size_t n)
{
	return wis__fd_read(((struct tp_sp *)t)->fd, buf, n);
}

static ssize_t sp_tp_write(struct wis_transport *t, const void *buf, size_t n)
{
	return wis__fd_write(((struct tp_sp *)t)->fd, buf, n, 0);
}

static int sp_tp_fd(struct wis_transport *t)
{
	return ((struct tp_sp *)t)->fd;
}

static void sp_tp_close(struct wis_transport *t)
{
	struct tp_sp *s = (struct tp_sp *)t;
	sp_close(s->port);
	sp_free_port(s->port);
	free(s);
}

static const struct wis_transport_ops sp_ops = {"serialport", sp_tp_read, sp_tp_write, sp_tp_fd,
                                                sp_tp_close};

int wis__transport_serialport_open(const char *path, struct wis_transport **out)
{
	struct sp_port *port = NULL;
	if (sp_get_port_by_name(path, &port) != SP_OK)
		return WIS_E_NOT_FOUND;
	if (sp_open(port, SP_MODE_READ_WRITE) != SP_OK) {
		/* ptys and odd ttys end up here (TIOCMGET fails): termios
		 * can still drive them. */
		sp_free_port(port);
		return WIS_E_NOT_FOUND;
	}
	int fd = -1;
	int rc =
	    sp_get_port_handle(port, &fd) == SP_OK && fd >= 0 ? wis__fd_lock(fd, path) : WIS_E_IO;
	if (rc < 0) {
		if (rc == WIS_E_IO)
			wis__fail(rc, "cannot get the file descriptor of %s", path);
		sp_close(port);
		sp_free_port(port);
		return rc;
	}
	struct sp_port_config *cfg = NULL;
	int ok = sp_new_config(&cfg) == SP_OK && sp_set_config_baudrate(cfg, 115200) == SP_OK &&
	         sp_set_config_bits(cfg, 8) == SP_OK &&
	         sp_set_config_parity(cfg, SP_PARITY_NONE) == SP_OK &&
	         sp_set_config_stopbits(cfg, 1) == SP_OK &&
	         sp_set_config_flowcontrol(cfg, SP_FLOWCONTROL_NONE) == SP_OK &&
	         sp_set_config_dtr(cfg, SP_DTR_ON) == SP_OK &&
	         sp_set_config_rts(cfg, SP_RTS_ON) == SP_OK && sp_set_config(port, cfg) == SP_OK;
	sp_free_config(cfg);
	/* The reader polls and then drains until EAGAIN; a blocking fd would
	 * hang it (and wis_process, which must never block).  libserialport
	 * does not promise how it leaves the flags. */
	if (ok) {
		int fl = fcntl(fd, F_GETFL);
		ok = fl >= 0 && fcntl(fd, F_SETFL, fl | O_NONBLOCK) == 0;
	}
	if (!ok) {
		char *msg = sp_last_error_message();
		wis__fail(WIS_E_IO, "cannot configure %s: %s", path, msg ? msg : "unknown error");
		sp_free_error_message(msg);
		sp_close(port);
		sp_free_port(port);
		return WIS_E_IO;
	}
	sp_flush(port, SP_BUF_BOTH);
	struct tp_sp *s = calloc(1, sizeof *s);
	if (!s) {
		sp_close(port);
		sp_free_port(port);
		return wis__fail(WIS_E_NOMEM, "out of memory");
	}
	s->base.ops = &sp_ops;
	s->port = port;
	s->fd = fd;
	*out = &s->base;
	return 0;
}

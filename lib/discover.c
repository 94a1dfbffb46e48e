/*
 * Discovery: USB serial ports whose VID/PID (and serial number) say they
 * are a RAK4631 running the companion firmware, found through
 * libserialport's sysfs enumeration.  Modules are matched by serial number
 * rather than path because a replugged module may come back as ttyACM1.
 * The simulator is a pty, not a USB device: it is opened by path.
 */
#include <libserialport.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

int wis_discover(struct wis_found *out, int max, const struct wis_open_options *opts)
{
	struct wis_open_options o;
	wis_open_options_init(&o);
	if (opts)
		o = *opts;
	if (max < 0 || (max > 0 && !out))
		return wis__fail(WIS_E_INVAL, "bad output array");
	struct sp_port **ports = NULL;
	if (sp_list_ports(&ports) != SP_OK) {
		char *msg = sp_last_error_message();
		int rc = wis__fail(WIS_E_IO, "cannot list serial ports: %s", msg ? msg : "unknown");
		sp_free_error_message(msg);
		return rc;
	}
	int n = 0;
	for (int i = 0; ports[i]; i++) {
		struct sp_port *p = ports[i];
		int vid = 0, pid = 0;
		if (sp_get_port_transport(p) != SP_TRANSPORT_USB ||
		    sp_get_port_usb_vid_pid(p, &vid, &pid) != SP_OK)
			continue;
		if ((o.usb_vid && vid != o.usb_vid) || (o.usb_pid && pid != o.usb_pid))
			continue;
		const char *serial = sp_get_port_usb_serial(p);
		if (o.serial && (!serial || strcmp(serial, o.serial) != 0))
			continue;
		if (n < max) {
			const char *product = sp_get_port_usb_product(p);
			struct wis_found *f = &out[n];
			memset(f, 0, sizeof *f);
			snprintf(f->path, sizeof f->path, "%s", sp_get_port_name(p));
			snprintf(f->serial, sizeof f->serial, "%s", serial ? serial : "");
			snprintf(f->product, sizeof f->product, "%s", product ? product : "");
			f->vid = (uint16_t)vid;
			f->pid = (uint16_t)pid;
		}
		n++;
	}
	sp_free_port_list(ports);
	if (n == 0)
		wis__fail(0, "no serial port with USB %04x:%04x%s%s", o.usb_vid, o.usb_pid,
		          o.serial ? " serial " : "", o.serial ? o.serial : "");
	return n;
}

/*
 * libusb hotplug on the libuv loop: libusb's file descriptors are watched
 * with one uv_poll_t each (kept in step through libusb's pollfd notifiers)
 * and its events are handled with a zero timeout, so nothing blocks.
 * Arrival/departure of a matching VID/PID is passed on as a hint; the
 * device manager then tries to open (with its own retry, because the /dev
 * node and its permissions can appear after the USB event).
 */
#include "hotplug.h"

#include <libusb.h>
#include <stdlib.h>

#include "log.h"

#define MAX_FDS 16

struct hpfd {
	uv_poll_t poll;
	int fd;
	bool used;
	struct hotplug *h;
};

struct hotplug {
	uv_loop_t *loop;
	libusb_context *ctx;
	libusb_hotplug_callback_handle cbh;
	hotplug_cb cb;
	void *user;
	struct hpfd fds[MAX_FDS];
	int open_handles;
	bool stopping;
};

static void maybe_free(struct hotplug *h)
{
	if (h->stopping && h->open_handles == 0) {
		libusb_exit(h->ctx);
		free(h);
	}
}

static void on_poll_closed(uv_handle_t *u)
{
	struct hpfd *f = u->data;
	struct hotplug *h = f->h;
	f->used = false;
	h->open_handles--;
	maybe_free(h);
}

static void on_ready(uv_poll_t *p, int status, int events)
{
	(void)status, (void)events;
	struct hpfd *f = p->data;
	struct timeval zero = {0, 0};
	libusb_handle_events_timeout_completed(f->h->ctx, &zero, NULL);
}

static void add_fd(int fd, short events, void *user)
{
	struct hotplug *h = user;
	(void)events;
	for (int i = 0; i < MAX_FDS; i++) {
		struct hpfd *f = &h->fds[i];
		if (f->used)
			continue;
		f->used = true;
		f->fd = fd;
		f->h = h;
		f->poll.data = f;
		uv_poll_init(h->loop, &f->poll, fd);
		uv_poll_start(&f->poll, UV_READABLE, on_ready);
		h->open_handles++;
		return;
	}
	log_warn("hotplug: too many libusb descriptors");
}

static void remove_fd(int fd, void *user)
{
	struct hotplug *h = user;
	for (int i = 0; i < MAX_FDS; i++) {
		struct hpfd *f = &h->fds[i];
		if (f->used && f->fd == fd && !uv_is_closing((uv_handle_t *)&f->poll)) {
			uv_poll_stop(&f->poll);
			uv_close((uv_handle_t *)&f->poll, on_poll_closed);
		}
	}
}

static int on_hotplug(libusb_context *ctx, libusb_device *dev, libusb_hotplug_event ev, void *user)
{
	(void)ctx;
	struct hotplug *h = user;
	struct libusb_device_descriptor dd;
	if (libusb_get_device_descriptor(dev, &dd) == 0)
		log_info("usb %04x:%04x %s", dd.idVendor, dd.idProduct,
		         ev == LIBUSB_HOTPLUG_EVENT_DEVICE_ARRIVED ? "arrived" : "left");
	h->cb(h->user, ev == LIBUSB_HOTPLUG_EVENT_DEVICE_ARRIVED);
	return 0;
}

struct hotplug *hotplug_start(uv_loop_t *loop, uint16_t vid, uint16_t pid, hotplug_cb cb,
                              void *user)
{
	struct hotplug *h = calloc(1, sizeof *h);
	if (!h)
		return NULL;
	h->loop = loop;
	h->cb = cb;
	h->user = user;
	if (libusb_init(&h->ctx) != 0) {
		log_info("libusb unavailable: relying on periodic rescan");
		free(h);
		return NULL;
	}
	if (!libusb_has_capability(LIBUSB_CAP_HAS_HOTPLUG)) {
		log_info("libusb has no hotplug here: relying on periodic rescan");
		libusb_exit(h->ctx);
		free(h);
		return NULL;
	}
	libusb_set_pollfd_notifiers(h->ctx, add_fd, remove_fd, h);
	const struct libusb_pollfd **pfds = libusb_get_pollfds(h->ctx);
	for (int i = 0; pfds && pfds[i]; i++)
		add_fd(pfds[i]->fd, pfds[i]->events, h);
	libusb_free_pollfds(pfds);
	int rc = libusb_hotplug_register_callback(
	    h->ctx, LIBUSB_HOTPLUG_EVENT_DEVICE_ARRIVED | LIBUSB_HOTPLUG_EVENT_DEVICE_LEFT, 0, vid,
	    pid ? pid : LIBUSB_HOTPLUG_MATCH_ANY, LIBUSB_HOTPLUG_MATCH_ANY, on_hotplug, h, &h->cbh);
	if (rc != LIBUSB_SUCCESS) {
		log_info("libusb hotplug registration failed (%s): relying on periodic rescan",
		         libusb_error_name(rc));
		h->stopping = true;
		libusb_set_pollfd_notifiers(h->ctx, NULL, NULL, NULL);
		for (int i = 0; i < MAX_FDS; i++)
			if (h->fds[i].used)
				remove_fd(h->fds[i].fd, h);
		maybe_free(h);
		return NULL;
	}
	log_debug("libusb hotplug armed for %04x:%04x", vid, pid);
	return h;
}

void hotplug_stop(struct hotplug *h)
{
	if (!h)
		return;
	libusb_hotplug_deregister_callback(h->ctx, h->cbh);
	libusb_set_pollfd_notifiers(h->ctx, NULL, NULL, NULL);
	h->stopping = true;
	for (int i = 0; i < MAX_FDS; i++)
		if (h->fds[i].used)
			remove_fd(h->fds[i].fd, h);
	maybe_free(h);
}

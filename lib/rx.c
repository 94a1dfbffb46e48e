/*
 * The read side of a device: bytes from the link through the deframer to
 * the calls and the event callback.  Only the thread holding the reader
 * role (see call.c) runs this code.
 *
 * The stream position lives in the device and the deframer is fed one
 * frame at a time, because a callback may make a synchronous call that
 * reads on from inside the outer read; for the same reason user code gets
 * a copy of each payload rather than the deframer's buffer.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

/* The device's error detail is "u8 len + text"; fall back to naming the
 * operation and the status when it sent none. */
static void detail_from_payload(char *out, size_t cap, uint16_t opcode, int status,
                                const uint8_t *p, size_t len)
{
	if (len >= 2 && p[0] > 0 && (size_t)p[0] <= len - 1) {
		size_t n = p[0] < cap - 1 ? p[0] : cap - 1;
		memcpy(out, p + 1, n);
		out[n] = 0;
		return;
	}
	snprintf(out, cap, "%s: %s", wis_op_name(opcode), wis_strerror(status));
}

/* Deframer callback: runs in the thread holding the reader role, no lock. */
static void on_frame(void *user, const struct wis_hdr *h, const uint8_t *p, size_t len)
{
	wis_device *dev = user;
	/* p is the deframer's buffer, which a synchronous call made from the
	 * callback refills: user code gets a copy. */
	uint8_t copy[WIS_MAX_PAYLOAD];
	if (h->version == WIS_PROTO_VERSION && h->type == WIS_MSG_EVENT) {
		memcpy(copy, p, len);
		wis__dispatch_event(dev, h, copy, len);
		return;
	}
	pthread_mutex_lock(&dev->mu);
	dev->rx_stats = dev->rx.stats; /* saves read_link a lock of its own */
	struct wis_slot *s = NULL;
	if (h->version == WIS_PROTO_VERSION && h->type == WIS_MSG_RESPONSE && h->id != 0)
		s = wis__slot_find(dev, h->id);
	bool part = h->flags & WIS_FLAG_MORE;
	if (!s || s->opcode != h->opcode || (part && (!s->part || h->status))) {
		dev->stray++;
		pthread_mutex_unlock(&dev->mu);
		return;
	}
	if (part) {
		/* The stream flows: from now on a pause as long as a quick call's
		 * timeout means it stopped (a module reset loses the rest), not
		 * the whole stream's bound. */
		if (dev->opts.timeout_ms && dev->opts.timeout_ms < s->timeout_ms)
			s->timeout_ms = dev->opts.timeout_ms;
		s->deadline_ns = wis__now_ns() + (int64_t)s->timeout_ms * 1000000;
		wis_part_cb cb = s->part;
		void *cb_user = s->user;
		pthread_mutex_unlock(&dev->mu);
		memcpy(copy, p, len);
		cb(dev, copy, len, cb_user);
		return;
	}
	int status = h->status ? -(int)h->status : 0;
	if (!s->async) {
		s->status = status;
		s->len = len;
		if (status == 0 && s->resp && s->cap)
			memcpy(s->resp, p, len < s->cap ? len : s->cap);
		else if (status != 0)
			detail_from_payload(s->detail, sizeof s->detail, s->opcode, status, p, len);
		s->done = true;
		if (s->waiting) /* else its caller is awake: most often, the reader itself */
			pthread_cond_signal(wis__slot_cv(dev, s));
		pthread_mutex_unlock(&dev->mu);
		return;
	}
	struct wis_done d = {s->cb, s->user, status, s->opcode, ""};
	wis__slot_free_locked(dev, s);
	pthread_mutex_unlock(&dev->mu);
	if (status == 0) {
		memcpy(copy, p, len);
		d.cb(dev, 0, copy, len, d.user);
	} else {
		detail_from_payload(d.detail, sizeof d.detail, d.opcode, status, p, len);
		wis__run_done(dev, &d, 1);
	}
}

/* Reader role only.  Feeds the deframer what was read and not yet fed,
 * one frame at a time, with the position advanced before each frame so
 * that a nested reader (a callback's synchronous call) goes on from the
 * right byte. */
static void feed_pending(wis_device *dev)
{
	while (dev->rxpos < dev->rxlen) {
		const uint8_t *at = dev->rxbuf + dev->rxpos;
		size_t left = dev->rxlen - dev->rxpos;
		const uint8_t *z = memchr(at, 0, left);
		size_t run = z ? (size_t)(z - at) : left;
		dev->rxpos += z ? run + 1 : run;
		if (run)
			wis__deframer_gather(&dev->rx, at, run);
		if (z)
			wis__deframer_end(&dev->rx, on_frame, dev);
	}
}

/* Reader role only.  Waits up to wait_ms for input (0 = just drain what is
 * there), then feeds everything available to the deframer.  Returns 0 or a
 * negative code when the link is dead. */
int wis__read_link(wis_device *dev, int wait_ms)
{
	int fd = dev->tp->ops->fd(dev->tp);
	if (wait_ms != 0 && dev->rxpos == dev->rxlen) {
		struct pollfd pfd[2] = {{fd, POLLIN, 0}, {dev->wake_fd, POLLIN, 0}};
		int pr = poll(pfd, 2, wait_ms);
		if (pr < 0)
			return errno == EINTR ? 0 : WIS_E_IO;
		if (pr == 0 || (pfd[1].revents & POLLIN) || !pfd[0].revents)
			return 0;
	}
	int rc = 0;
	for (int i = 0; i < 64; i++) {
		bool drained = false;
		if (dev->rxpos == dev->rxlen) {
			ssize_t r = dev->tp->ops->read(dev->tp, dev->rxbuf, sizeof dev->rxbuf);
			if (r < 0) {
				rc = (int)r;
				break;
			}
			if (r == 0)
				break;
			dev->rxlen = (size_t)r;
			dev->rxpos = 0;
			drained = (size_t)r < sizeof dev->rxbuf; /* save the EAGAIN round trip */
		}
		feed_pending(dev);
		if (drained)
			break;
	}
	/* Only the reader writes rx_stats (under mu, for wis_stats()), so it
	 * may compare without the lock; usually on_frame copied them already. */
	if (memcmp(&dev->rx_stats, &dev->rx.stats, sizeof dev->rx_stats) != 0) {
		pthread_mutex_lock(&dev->mu);
		dev->rx_stats = dev->rx.stats;
		pthread_mutex_unlock(&dev->mu);
	}
	return rc;
}

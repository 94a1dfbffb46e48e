/*
 * Device events: decoding, sequence-gap accounting and delivery to the
 * event callback, with each device timestamp mapped to host time.
 *
 * The device numbers every event it generates, including ones it had to
 * drop when the host was not reading, so a gap in seq is exactly the
 * number of events lost.  A RESET event (or seq going backwards) means the
 * device restarted: its clock and its counter start again from zero.
 */
#include <string.h>

#include "internal.h"

void wis_set_event_cb(wis_device *dev, wis_event_cb cb, void *user)
{
	if (!dev)
		return;
	pthread_mutex_lock(&dev->mu);
	dev->ev_cb = cb;
	dev->ev_user = user;
	pthread_mutex_unlock(&dev->mu);
}

void wis__dispatch_event(wis_device *dev, const struct wis_hdr *h, const uint8_t *p, size_t len)
{
	struct wis_rd r = wis_rd_init(p, len);
	struct wis_event ev;
	memset(&ev, 0, sizeof ev);
	ev.type = h->opcode;
	ev.seq = wis_rd_u32(&r);
	ev.device_us = wis_rd_u64(&r);
	if (r.err) {
		pthread_mutex_lock(&dev->mu);
		dev->stray++; /* an event too short for its prefix is as useless as a stray */
		pthread_mutex_unlock(&dev->mu);
		return;
	}
	ev.payload = p + WIS_EV_PREFIX_LEN;
	ev.payload_len = len - WIS_EV_PREFIX_LEN;

	pthread_mutex_lock(&dev->mu);
	int32_t gap = (int32_t)(ev.seq - dev->last_seq);
	bool restarted = ev.type == WIS_EV_RESET || (dev->have_seq && gap <= 0);
	if (restarted) {
		/* A restart, also when its RESET event was lost (seq went
		 * back): the old boot's clock would map the new boot's
		 * timestamps with a confident but wrong error bound. */
		wis__clock_invalidate(dev);
	} else if (dev->have_seq && gap > 1) {
		ev.lost = (uint32_t)gap - 1;
	}
	dev->have_seq = true;
	dev->last_seq = ev.seq;
	dev->events_lost += ev.lost;
	/* A device being closed delivers no more events. */
	wis_event_cb cb = dev->closing ? NULL : dev->ev_cb;
	void *user = dev->ev_user;
	pthread_mutex_unlock(&dev->mu);
	if (restarted)
		wis__reset_seen(dev); /* what the old boot took with it fails now */

	wis_device_time_to_host(dev, ev.device_us, &ev.realtime, &ev.monotonic, &ev.error_us);
	char nrfname[6];
	const struct wis_op_desc *d = wis_op_find(ev.type);
	union wis_val v[WIS_OP_MAX_FIELDS];
	size_t bad;
	/* Layouts from the opcode table; an event this library does not know
	 * is delivered with its raw payload only.  Longer than the table says
	 * is fine (a newer device may append fields); shorter is malformed. */
	if (d && (d->flags & WIS_OPF_EVENT) &&
	    wis_fields_parse(d->resp, d->nresp, ev.payload, ev.payload_len, v, &bad) ==
	        WIS_DEC_SHORT) {
		pthread_mutex_lock(&dev->mu);
		dev->stray++;
		pthread_mutex_unlock(&dev->mu);
		return;
	}
	switch (ev.type) {
	case WIS_EV_GPIO_EDGE:
		ev.u.gpio.pin = (uint8_t)v[0].u;
		ev.u.gpio.level = (uint8_t)v[1].u;
		ev.u.gpio.edge = (uint8_t)v[2].u;
		ev.u.gpio.name = wis_pin_name(dev, ev.u.gpio.pin);
		if (!ev.u.gpio.name) {
			wis_nrf_name(ev.u.gpio.pin, nrfname);
			ev.u.gpio.name = nrfname;
		}
		break;
	case WIS_EV_RESET:
		ev.u.reset.cause = (uint8_t)v[0].u;
		break;
	case WIS_EV_RADIO_RX:
	case WIS_EV_RADIO_TX_DONE:
	case WIS_EV_RADIO_RX_ERROR:
		wis__radio_event(&ev, v);
		break;
	default:
		break;
	}
	if (cb)
		cb(dev, &ev, user);
}

/*
 * Which devices the calling thread is inside of, so that a callback may
 * call wis_close() on a device whose library frames are still on the
 * stack below it: the device cannot be freed under them, so the close is
 * queued on the thread and done when its outermost entry for that device
 * leaves (wis__leave).  Only the closing thread ever touches its queue.
 */
#include "internal.h"

/* Innermost entry of this thread; entries link outwards through prev. */
static WIS_TLS_FAST struct wis_entry *tls_top;
/* Devices this thread closed from callbacks, linked through close_next. */
static WIS_TLS_FAST wis_device *tls_to_close;

void wis__enter(wis_device *dev, struct wis_entry *e)
{
	e->dev = dev;
	e->prev = tls_top;
	tls_top = e;
}

static bool inside(const wis_device *dev)
{
	for (const struct wis_entry *e = tls_top; e; e = e->prev)
		if (e->dev == dev)
			return true;
	return false;
}

bool wis__leave(wis_device *dev, struct wis_entry *e)
{
	tls_top = e->prev;
	if (inside(dev))
		return false; /* an outer entry for dev is still running */
	for (wis_device **pp = &tls_to_close; *pp; pp = &(*pp)->close_next) {
		if (*pp != dev)
			continue;
		*pp = dev->close_next;
		wis_close(dev);
		return true;
	}
	return false;
}

bool wis__close_deferred(wis_device *dev)
{
	if (!inside(dev))
		return false;
	if (wis__calls_close_later(dev)) {
		dev->close_next = tls_to_close;
		tls_to_close = dev;
	}
	return true;
}

/*
 * The output side of a device: every request frame goes through one queue
 * (under tx_mu), so frames from several threads never interleave and a
 * frame the link takes only partly is finished later rather than cut.
 * Synchronous calls wait for the link; asynchronous ones never do, so a
 * module that stops reading cannot stall an event loop.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>

#include "internal.h"

/* Set while this thread runs wis_process() on a device: requests that
 * completion callbacks send are queued and written in one go when
 * wis_process() returns, so a pipeline that refills itself from its
 * callbacks costs one write() per burst instead of one per call. */
static WIS_TLS_FAST wis_device *tls_processing;

/* tx_mu held.  Writes what the link takes now; 0 or a dead-link code. */
static int txq_push_locked(wis_device *dev)
{
	if (dev->txq_len == 0)
		return 0;
	ssize_t w = dev->tp->ops->write(dev->tp, dev->txq, dev->txq_len);
	if (w < 0)
		return (int)w;
	if ((size_t)w < dev->txq_len)
		memmove(dev->txq, dev->txq + w, dev->txq_len - (size_t)w);
	dev->txq_len -= (size_t)w;
	return 0;
}

static bool txq_append_locked(wis_device *dev, const uint8_t *p, size_t n)
{
	if (dev->txq_len + n > sizeof dev->txq)
		return false;
	memcpy(dev->txq + dev->txq_len, p, n);
	dev->txq_len += n;
	return true;
}

/* tx_mu held; returns with it held.  Pushes the queue out, waiting (with
 * tx_mu released, so other threads can queue meanwhile) until it is empty
 * or the deadline passes. */
static int txq_drain_locked(wis_device *dev, unsigned timeout_ms)
{
	int64_t deadline = 0; /* read the clock only if the link makes us wait */
	for (;;) {
		int rc = txq_push_locked(dev);
		if (rc < 0 || dev->txq_len == 0)
			return rc;
		if (deadline == 0)
			deadline = wis__now_ns() + (int64_t)timeout_ms * 1000000;
		int64_t left = deadline - wis__now_ns();
		if (left <= 0)
			return WIS_E_TIMEOUT;
		struct pollfd p = {dev->tp->ops->fd(dev->tp), POLLOUT, 0};
		pthread_mutex_unlock(&dev->tx_mu);
		int pr = poll(&p, 1, (int)((left + 999999) / 1000000));
		pthread_mutex_lock(&dev->tx_mu);
		if (pr < 0 && errno != EINTR)
			return WIS_E_IO;
		if (pr > 0 && (p.revents & (POLLHUP | POLLERR)) && !(p.revents & POLLOUT))
			return WIS_E_DISCONNECTED;
	}
}

/*
 * Queues one request frame and sends it:
 *   sync callers wait (up to the call's timeout) until the link took it;
 *   async calls never wait: what the link does not take now stays queued
 *   and goes out with a later call or wis_process() (wis_next_timeout_ms()
 *   asks for an early wis_process() while output is pending), so a device
 *   that stops reading cannot stall an event loop;
 *   async calls from callbacks inside wis_process() are only queued.
 */
int wis__tx_send(wis_device *dev, uint16_t id, uint16_t opcode, const void *req, size_t len,
                 unsigned timeout_ms, bool async)
{
	if (len > WIS_MAX_PAYLOAD || (len && !req))
		return wis__fail(WIS_E_TOO_BIG, "%s request of %zu bytes does not fit in a frame",
		                 wis_op_name(opcode), len);
	struct wis_hdr h = {WIS_PROTO_VERSION, WIS_MSG_REQUEST, id, opcode, 0, 0};
	int rc = 0;
	pthread_mutex_lock(&dev->tx_mu);
	if (sizeof dev->txq - dev->txq_len >= WIS_MAX_ENCODED + 1) {
		/* The common case: encoded straight into the queue. */
		dev->txq_len += wis__frame_encode(dev->txq + dev->txq_len,
		                                  sizeof dev->txq - dev->txq_len, &h, req, len);
	} else {
		uint8_t buf[WIS_MAX_ENCODED + 1];
		size_t n = wis__frame_encode(buf, sizeof buf, &h, req, len);
		if (!txq_append_locked(dev, buf, n)) {
			rc = async ? txq_push_locked(dev) : txq_drain_locked(dev, timeout_ms);
			if (rc == 0 && !txq_append_locked(dev, buf, n))
				rc = WIS_E_WINDOW_FULL;
		}
	}
	if (rc == 0) {
		/* Its place in the request order on the link (reset.c): the
		 * slot is this caller's until it is answered, which needs the
		 * frame out first. */
		uint32_t seq = ++dev->tx_seq ? dev->tx_seq : ++dev->tx_seq;
		__atomic_store_n(&dev->slots[id % dev->nslots].txseq, seq, __ATOMIC_RELAXED);
	}
	if (rc == 0 && !(async && tls_processing == dev))
		rc = async ? txq_push_locked(dev) : txq_drain_locked(dev, timeout_ms);
	pthread_mutex_unlock(&dev->tx_mu);
	if (rc == WIS_E_WINDOW_FULL)
		return wis__fail(rc, "%s: the link to %s is not taking data (%zu bytes queued)",
		                 wis_op_name(opcode), dev->path, sizeof dev->txq);
	if (rc == WIS_E_TIMEOUT)
		return wis__fail(rc, "%s: link to %s did not take the request within %u ms",
		                 wis_op_name(opcode), dev->path, timeout_ms);
	if (rc < 0)
		return wis__fail(rc, "%s: writing to %s failed: %s", wis_op_name(opcode), dev->path,
		                 rc == WIS_E_DISCONNECTED ? "link lost" : strerror(errno));
	return 0;
}

int wis__tx_push(wis_device *dev)
{
	pthread_mutex_lock(&dev->tx_mu);
	int rc = txq_push_locked(dev);
	pthread_mutex_unlock(&dev->tx_mu);
	return rc;
}

bool wis__tx_pending(wis_device *dev)
{
	pthread_mutex_lock(&dev->tx_mu);
	bool pending = dev->txq_len > 0;
	pthread_mutex_unlock(&dev->tx_mu);
	return pending;
}

wis_device *wis__tx_defer(wis_device *dev)
{
	wis_device *prev = tls_processing;
	tls_processing = dev;
	return prev;
}

/*
 * Calls: synchronous calls from many threads and the asynchronous interface
 * for event loops, over the pending-call table of slots.c.
 *
 * Synchronous calls use a leader/follower scheme so that any number of
 * threads can have requests pipelined on one link without a private reader
 * thread: a caller sends its request and then, if nobody is reading the
 * link, takes the reader role itself (poll + read + dispatch, with no lock
 * held while blocked in poll) until its own response is in; then it hands
 * the role to one sleeping caller.  Callers whose response is read by
 * someone else sleep on their own slot's condvar, so a completion wakes
 * exactly its caller, not every thread.  The async interface takes the same
 * role for one non-blocking pass in wis_process(), so both can be mixed.
 *
 * A dead link (EOF/EIO/HUP on read or write) completes every pending call
 * with WIS_E_DISCONNECTED at once and makes every later call fail at once.
 *
 * Callbacks run in the reader, and may call back in: a synchronous call
 * from a callback on the reading thread reads on itself (nested) rather
 * than wait for a reader that is its own caller, and wis_close() from a
 * callback is deferred until the thread leaves the library (entry.c).
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

/* The device whose reader role this thread holds (NULL if none). */
static WIS_TLS_FAST wis_device *tls_reader;

static struct timespec abs_ts(int64_t ns)
{
	struct timespec ts = {(time_t)(ns / 1000000000LL), (long)(ns % 1000000000LL)};
	return ts;
}

static int ms_until(int64_t deadline)
{
	int64_t left = deadline - wis__now_ns();
	if (left <= 0)
		return 0;
	int64_t ms = (left + 999999) / 1000000;
	return ms > 60000 ? 60000 : (int)ms;
}

/* Caller checked used < window.  Ids run 1..65535, skipping those whose
 * slot (id % nslots) is taken: so no id still in flight is reused, and a
 * late response to a timed-out call can never be taken for the answer to a
 * new one while the old id is in use. */
struct wis_slot *wis__slot_alloc_locked(wis_device *dev, uint16_t opcode, unsigned timeout_ms,
                                        int64_t deadline_ns)
{
	uint16_t id;
	do {
		id = ++dev->next_id;
		if (id == 0)
			id = dev->next_id = 1;
	} while (dev->slots[id % dev->nslots].id != 0);
	struct wis_slot *s = &dev->slots[id % dev->nslots];
	/* Field by field: the detail text (most of the slot) needs no zeroing. */
	s->id = id;
	s->opcode = opcode;
	s->async = s->done = s->waiting = false;
	s->status = 0;
	s->deadline_ns = deadline_ns;
	s->timeout_ms = timeout_ms;
	s->cb = NULL;
	s->part = NULL;
	s->user = NULL;
	s->resp = NULL;
	s->cap = s->len = 0;
	__atomic_store_n(&s->txseq, 0, __ATOMIC_RELAXED);
	s->detail[0] = 0;
	dev->used++;
	return s;
}

/* The reader role is free again: wake one caller sleeping on it (callers
 * only sleep while someone reads, so none is left behind). */
static void reader_hand_off_locked(wis_device *dev)
{
	dev->reader_active = false;
	for (unsigned i = 0; dev->nsleeping && i < dev->nslots; i++) {
		struct wis_slot *s = &dev->slots[i];
		if (s->id && !s->async && s->waiting && !s->done) {
			pthread_cond_signal(wis__slot_cv(dev, s));
			break;
		}
	}
	/* wis_close waits for the reader, and callers waiting for a window
	 * slot may now read for it themselves. */
	wis__cond_wake_locked(dev);
}

/* Sends what is queued without waiting; a dead link fails every call. */
static void flush_txq(wis_device *dev)
{
	int rc = wis__tx_push(dev);
	if (rc < 0)
		wis__link_died(dev, rc);
}

static int check_args(wis_device *dev, const void *req, size_t req_len)
{
	if (!dev)
		return wis__fail(WIS_E_INVAL, "device is NULL");
	if (req_len && !req)
		return wis__fail(WIS_E_INVAL, "request is NULL but its length is %zu", req_len);
	if (req_len > dev->max_payload)
		return wis__fail(WIS_E_TOO_BIG,
		                 "request of %zu bytes exceeds the device's maximum "
		                 "payload of %u bytes",
		                 req_len, dev->max_payload);
	return 0;
}

/* mu held, and nobody else reads (or this thread already does: nested).
 * A caller waiting for a window slot reads the link itself: otherwise the
 * answers that would free one stay unread whenever no other thread reads
 * (async calls whose owner is not in wis_process, the clock's own UPTIME
 * sample, a window of 1).  Short waits, so async deadlines are kept. */
static void read_for_slot_locked(wis_device *dev, int64_t deadline)
{
	bool nested = dev->reader_active;
	wis_device *outer_reader = tls_reader;
	struct wis_done d[DONE_CHUNK];
	dev->reader_active = true;
	tls_reader = dev;
	unsigned nd = wis__expire_locked(dev, d);
	pthread_mutex_unlock(&dev->mu);
	wis__run_done(dev, d, nd);
	int wait = ms_until(deadline);
	int r = nd ? 0 : wis__read_link(dev, wait > 10 ? 10 : wait);
	if (r < 0)
		wis__link_died(dev, r);
	pthread_mutex_lock(&dev->mu);
	if (!nested) {
		tls_reader = outer_reader;
		reader_hand_off_locked(dev);
	}
}

/* A request could not be written: take its slot back (unless the link's
 * death already completed it), so that an async cb never runs for a call
 * that returns an error; a dead link fails every other call too, without
 * losing this caller's error detail.  Called without dev->mu. */
static void send_failed(wis_device *dev, struct wis_slot *s, uint16_t id, wis_done_cb cb, int rc)
{
	pthread_mutex_lock(&dev->mu);
	if (s->id == id && s->async == (cb != NULL) && s->cb == cb)
		wis__slot_free_locked(dev, s);
	pthread_mutex_unlock(&dev->mu);
	if (rc == WIS_E_DISCONNECTED) {
		char keep[WIS_DETAIL_MAX];
		snprintf(keep, sizeof keep, "%s", wis_last_error());
		wis__link_died(dev, rc);
		wis__set_detail(keep, strlen(keep));
	}
}

/* The open options' timeout, plus what a long operation may take on the
 * device by its description (a DELAY's delay, a TX's time on air). */
/* The table lookup, remembered per opcode: most programs call a few
 * opcodes over and over.  Entries point into the constant table, so a
 * relaxed atomic is all the threads sharing it need. */
static const struct wis_op_desc *op_find_cached(uint16_t opcode)
{
	static _Atomic(const struct wis_op_desc *) cache[64];
	_Atomic(const struct wis_op_desc *) *slot = &cache[opcode % 64];
	const struct wis_op_desc *d = atomic_load_explicit(slot, memory_order_relaxed);
	if (!d || d->opcode != opcode) {
		d = wis_op_find(opcode);
		if (d)
			atomic_store_explicit(slot, d, memory_order_relaxed);
	}
	return d;
}

unsigned wis__default_timeout(wis_device *dev, uint16_t opcode, const void *req, size_t len)
{
	uint64_t ms = dev->opts.timeout_ms;
	ms += wis_op_bound_ms(op_find_cached(opcode), req, len);
	return ms > UINT32_MAX ? UINT32_MAX : (unsigned)ms;
}

static int call_sync(wis_device *dev, uint16_t opcode, const void *req, size_t req_len, void *resp,
                     size_t resp_cap, size_t *resp_len, unsigned timeout_ms)
{
	int rc;
	if (resp_cap && !resp)
		return wis__fail(WIS_E_INVAL, "response buffer is NULL but its size is %zu",
		                 resp_cap);
	if (resp_len)
		*resp_len = 0;
	if (!timeout_ms)
		timeout_ms = wis__default_timeout(dev, opcode, req, req_len);
	int64_t deadline = wis__now_ns() + (int64_t)timeout_ms * 1000000;
	struct timespec dl = abs_ts(deadline);
	struct wis_done d[DONE_CHUNK];
	unsigned nd;

	pthread_mutex_lock(&dev->mu);
	dev->users++;
	while (!dev->dead && !dev->closing && dev->used >= dev->window) {
		bool expired = wis__now_ns() >= deadline;
		if (!expired && (!dev->reader_active || tls_reader == dev)) {
			read_for_slot_locked(dev, deadline);
			continue;
		}
		if (!expired) {
			dev->cond_waiters++;
			expired = pthread_cond_timedwait(&dev->cond, &dev->mu, &dl) == ETIMEDOUT;
			dev->cond_waiters--;
		}
		if (expired) {
			rc = wis__fail(WIS_E_TIMEOUT,
			               "%s: no free call slot within %u ms (%u calls in "
			               "flight)",
			               wis_op_name(opcode), timeout_ms, dev->used);
			goto out;
		}
	}
	if (dev->dead) {
		rc = wis__fail(WIS_E_DISCONNECTED, "%s: link to %s is gone", wis_op_name(opcode),
		               dev->path);
		goto out;
	}
	if (dev->closing) {
		rc = wis__fail(WIS_E_CLOSED, "%s: device is being closed", wis_op_name(opcode));
		goto out;
	}
	struct wis_slot *s = wis__slot_alloc_locked(dev, opcode, timeout_ms, deadline);
	s->resp = resp;
	s->cap = resp_cap;
	uint16_t id = s->id;
	pthread_mutex_unlock(&dev->mu);

	rc = wis__tx_send(dev, id, opcode, req, req_len, timeout_ms, false);
	if (rc < 0) {
		send_failed(dev, s, id, NULL, rc);
		pthread_mutex_lock(&dev->mu);
		goto out;
	}

	pthread_mutex_lock(&dev->mu);
	for (bool first = true; !s->done; first = false) {
		if (!first && wis__now_ns() >= deadline)
			break;
		/* A callback on the reading thread calling in reads on itself:
		 * waiting for the reader would be waiting for ourselves. */
		bool nested = dev->reader_active && tls_reader == dev;
		if (dev->reader_active && !nested) {
			s->waiting = true;
			dev->nsleeping++;
			pthread_cond_timedwait(wis__slot_cv(dev, s), &dev->mu, &dl);
			dev->nsleeping--;
			s->waiting = false;
			continue;
		}
		wis_device *outer_reader = tls_reader;
		dev->reader_active = true;
		tls_reader = dev;
		nd = wis__expire_locked(dev, d);
		if (nd) {
			pthread_mutex_unlock(&dev->mu);
			wis__run_done(dev, d, nd);
			pthread_mutex_lock(&dev->mu);
		}
		int wait;
		while (!s->done && !dev->dead && !dev->closing && (wait = ms_until(deadline)) > 0) {
			pthread_mutex_unlock(&dev->mu);
			int r = wis__read_link(dev, wait);
			if (r < 0)
				wis__link_died(dev, r);
			pthread_mutex_lock(&dev->mu);
		}
		if (!nested) {
			tls_reader = outer_reader;
			reader_hand_off_locked(dev);
		}
	}
	if (!s->done) {
		rc = wis__fail(WIS_E_TIMEOUT, "no response to %s from %s within %u ms",
		               wis_op_name(opcode), dev->path, timeout_ms);
	} else {
		rc = s->status;
		if (rc < 0) {
			wis__set_detail(s->detail, strlen(s->detail));
		} else {
			if (resp_len)
				*resp_len = s->len;
			/* resp NULL: the caller does not want the payload; telling
			 * them TOO_BIG for a call the device carried out would
			 * read as a failure. */
			if (resp && s->len > resp_cap)
				rc = wis__fail(WIS_E_TOO_BIG,
				               "%s response of %zu bytes does not fit the "
				               "%zu-byte buffer",
				               wis_op_name(opcode), s->len, resp_cap);
		}
	}
	wis__slot_free_locked(dev, s);
out:
	dev->users--;
	wis__cond_wake_locked(dev);
	pthread_mutex_unlock(&dev->mu);
	return rc;
}

int wis__call_internal(wis_device *dev, uint16_t opcode, const void *req, size_t req_len,
                       void *resp, size_t resp_cap, size_t *resp_len, unsigned timeout_ms)
{
	int rc = check_args(dev, req, req_len);
	if (rc)
		return rc;
	struct wis_entry e;
	wis__enter(dev, &e);
	rc = call_sync(dev, opcode, req, req_len, resp, resp_cap, resp_len, timeout_ms);
	if (wis__leave(dev, &e) && rc >= 0)
		rc = wis__fail(WIS_E_CLOSED,
		               "%s: the device was closed by a callback during the call",
		               wis_op_name(opcode));
	return rc;
}

int wis_call(wis_device *dev, uint16_t opcode, const void *req, size_t req_len, void *resp,
             size_t resp_cap, size_t *resp_len, unsigned timeout_ms)
{
	wis__clear_error();
	if (dev)
		wis__clock_maybe_resync(dev);
	return wis__call_internal(dev, opcode, req, req_len, resp, resp_cap, resp_len, timeout_ms);
}

int wis__call_exact(wis_device *dev, uint16_t opcode, const void *req, size_t req_len, void *resp,
                    size_t want, unsigned timeout_ms)
{
	uint8_t tmp[WIS_MAX_PAYLOAD];
	size_t got = 0;
	int rc = wis_call(dev, opcode, req, req_len, tmp, sizeof tmp, &got, timeout_ms);
	if (rc < 0)
		return rc;
	if (got != want)
		return wis__fail(WIS_E_PROTO, "%s response has %zu bytes, expected %zu",
		                 wis_op_name(opcode), got, want);
	if (want)
		memcpy(resp, tmp, want);
	return 0;
}

/* wis_close() from another thread waits until no thread is inside the
 * library for dev: synchronous callers count themselves in call_sync,
 * wis_call_async and wis_process here (their callbacks and the link may
 * still be in use after the reader role is handed back). */
static void users_add(wis_device *dev, int n)
{
	pthread_mutex_lock(&dev->mu);
	dev->users = (unsigned)((int)dev->users + n);
	if (n < 0)
		wis__cond_wake_locked(dev);
	pthread_mutex_unlock(&dev->mu);
}

static int call_async(wis_device *dev, uint16_t opcode, const void *req, size_t len,
                      unsigned timeout_ms, wis_part_cb part, wis_done_cb cb, void *user)
{
	int rc;
	if (!timeout_ms)
		timeout_ms = wis__default_timeout(dev, opcode, req, len);
	pthread_mutex_lock(&dev->mu);
	if (dev->dead || dev->closing || dev->used >= dev->window) {
		rc = dev->dead      ? wis__fail(WIS_E_DISCONNECTED, "%s: link to %s is gone",
		                                wis_op_name(opcode), dev->path)
		     : dev->closing ? wis__fail(WIS_E_CLOSED, "device is being closed")
		                    : wis__fail_text(WIS_E_WINDOW_FULL,
		                                     "every slot of the window is in flight");
		pthread_mutex_unlock(&dev->mu);
		return rc;
	}
	struct wis_slot *s = wis__slot_alloc_locked(dev, opcode, timeout_ms,
	                                            wis__now_ns() + (int64_t)timeout_ms * 1000000);
	s->async = true;
	dev->nasync++;
	s->cb = cb;
	s->part = part;
	s->user = user;
	uint16_t id = s->id;
	pthread_mutex_unlock(&dev->mu);

	rc = wis__tx_send(dev, id, opcode, req, len, timeout_ms, true);
	if (rc < 0)
		send_failed(dev, s, id, cb, rc);
	return rc;
}

int wis_call_async(wis_device *dev, uint16_t opcode, const void *req, size_t len,
                   unsigned timeout_ms, wis_done_cb cb, void *user)
{
	int rc = check_args(dev, req, len);
	if (rc)
		return rc;
	if (!cb)
		return wis__fail(WIS_E_INVAL, "completion callback is NULL");
	struct wis_entry e;
	wis__enter(dev, &e);
	users_add(dev, 1);
	rc = call_async(dev, opcode, req, len, timeout_ms, NULL, cb, user);
	users_add(dev, -1);
	wis__leave(dev, &e); /* if a callback closed dev, cb has run (CANCELLED) */
	return rc;
}

int wis_call_stream_async(wis_device *dev, uint16_t opcode, const void *req, size_t len,
                          unsigned timeout_ms, wis_part_cb part, wis_done_cb done, void *user)
{
	int rc = check_args(dev, req, len);
	if (rc)
		return rc;
	if (!part || !done)
		return wis__fail(WIS_E_INVAL, "%s callback is NULL", part ? "completion" : "part");
	const struct wis_op_desc *d = wis_op_find(opcode);
	if (!d || !(d->flags & WIS_OPF_STREAM))
		return wis__fail(WIS_E_INVAL, "%s is not answered in parts", wis_op_name(opcode));
	struct wis_entry e;
	wis__enter(dev, &e);
	users_add(dev, 1);
	rc = call_async(dev, opcode, req, len, timeout_ms, part, done, user);
	users_add(dev, -1);
	wis__leave(dev, &e);
	return rc;
}

static int process(wis_device *dev)
{
	wis__clock_maybe_resync(dev);
	struct wis_done d[DONE_CHUNK];
	wis_device *outer = wis__tx_defer(dev);
	pthread_mutex_lock(&dev->mu);
	if (!dev->dead && !dev->closing && !dev->reader_active) {
		wis_device *outer_reader = tls_reader;
		dev->reader_active = true;
		tls_reader = dev;
		pthread_mutex_unlock(&dev->mu);
		int r = wis__read_link(dev, 0);
		if (r < 0)
			wis__link_died(dev, r);
		pthread_mutex_lock(&dev->mu);
		tls_reader = outer_reader;
		reader_hand_off_locked(dev);
	}
	unsigned n;
	do {
		n = wis__expire_locked(dev, d);
		pthread_mutex_unlock(&dev->mu);
		wis__run_done(dev, d, n);
		pthread_mutex_lock(&dev->mu);
	} while (n == DONE_CHUNK);
	pthread_mutex_unlock(&dev->mu);
	wis__tx_defer(outer);
	flush_txq(dev);
	pthread_mutex_lock(&dev->mu);
	bool dead = dev->dead;
	pthread_mutex_unlock(&dev->mu);
	return dead ? WIS_E_DISCONNECTED : 0;
}

int wis_process(wis_device *dev)
{
	if (!dev)
		return wis__fail(WIS_E_INVAL, "device is NULL");
	struct wis_entry e;
	wis__enter(dev, &e);
	users_add(dev, 1);
	int rc = process(dev);
	users_add(dev, -1);
	if (wis__leave(dev, &e))
		rc = wis__fail(WIS_E_CLOSED, "the device was closed by a callback");
	return rc;
}

int wis_next_timeout_ms(wis_device *dev)
{
	if (!dev)
		return -1;
	int64_t first = INT64_MAX;
	pthread_mutex_lock(&dev->mu);
	for (unsigned i = 0; i < dev->nslots; i++)
		if (dev->slots[i].id && dev->slots[i].async && dev->slots[i].deadline_ns < first)
			first = dev->slots[i].deadline_ns;
	pthread_mutex_unlock(&dev->mu);
	int ms = first == INT64_MAX ? -1 : ms_until(first);
	bool output = wis__tx_pending(dev);
	/* The fd is polled for input only: while output waits for the link,
	 * come back soon to push it. */
	if (output && (ms < 0 || ms > 10))
		ms = 10;
	return ms;
}

unsigned wis_pending(wis_device *dev)
{
	if (!dev)
		return 0;
	pthread_mutex_lock(&dev->mu);
	unsigned n = dev->used;
	pthread_mutex_unlock(&dev->mu);
	return n;
}

int wis_fd(wis_device *dev)
{
	return dev ? dev->tp->ops->fd(dev->tp) : -1;
}

/* Called by wis_close(): cancels everything and waits until no thread is
 * inside a call or reading, so the device can be freed. */
void wis__calls_shutdown(wis_device *dev)
{
	uint64_t one = 1;
	pthread_mutex_lock(&dev->mu);
	dev->closing = true;
	if (write(dev->wake_fd, &one, sizeof one) < 0) {
		/* eventfd only fails on overflow, when it is readable anyway */
	}
	wis__fail_all(dev, WIS_E_CANCELLED, "device closed while the call was pending");
	while (dev->users > 0 || dev->reader_active) {
		dev->cond_waiters++;
		pthread_cond_wait(&dev->cond, &dev->mu);
		dev->cond_waiters--;
	}
	/* Callbacks above may have started calls that failed with CLOSED;
	 * nothing can be in flight now. */
	pthread_mutex_unlock(&dev->mu);
}

bool wis__calls_close_later(wis_device *dev)
{
	uint64_t one = 1;
	pthread_mutex_lock(&dev->mu);
	bool first = !dev->closing;
	if (first) {
		dev->closing = true;
		if (write(dev->wake_fd, &one, sizeof one) < 0) {
			/* readable anyway (see wis__calls_shutdown) */
		}
		wis__fail_all(dev, WIS_E_CANCELLED, "device closed while the call was pending");
	}
	pthread_mutex_unlock(&dev->mu);
	return first;
}

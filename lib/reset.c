/*
 * What a module reset does to the calls in flight.
 *
 * A module that restarts (RESET event, or its event seq going back) has
 * forgotten every request its old boot took and had not answered.  Left
 * alone those calls would wait for their timeouts and fail as timeouts,
 * naming the wrong cause.  So on a restart the library sends a PING, the
 * barrier, with one slot kept for it beyond the window.  The module
 * answers quick requests at once and in the order they arrive (a long one,
 * WIS_TC_LONG, may be kept and answered later), so when the barrier's
 * answer comes, a quick request that went out before it and is still
 * unanswered never reached the new boot: it fails now with WIS_E_RESET.
 * Long operations sent before the barrier are left to their timeouts: the
 * new boot may have taken one (sent after the reset, before its event
 * arrived) and be working on it.
 *
 * "Before" is the order of the frames on the link: each slot has the
 * number its frame got when it was queued (tx.c, slot txseq).
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

/* Whether a still-pending call went out before the barrier and is one the
 * module answers at once. */
static bool lost_locked(const struct wis_slot *s, uint32_t barrier)
{
	uint32_t seq = __atomic_load_n(&s->txseq, __ATOMIC_RELAXED);
	if (s->id == 0 || seq == 0 || (int32_t)(barrier - seq) <= 0)
		return false;
	const struct wis_op_desc *d = wis_op_find(s->opcode);
	return !d || d->tclass != WIS_TC_LONG;
}

/* Fails up to DONE_CHUNK lost async calls into d (and every lost sync one
 * in place); returns how many async ones. */
static unsigned fail_lost_locked(wis_device *dev, uint32_t barrier, struct wis_done *d)
{
	unsigned n = 0;
	for (unsigned i = 0; i < dev->nslots && n < DONE_CHUNK; i++) {
		struct wis_slot *s = &dev->slots[i];
		if (!lost_locked(s, barrier) || (!s->async && s->done))
			continue;
		char detail[WIS_DETAIL_MAX];
		snprintf(detail, sizeof detail,
		         "%s: the module reset before answering it: the request was lost",
		         wis_op_name(s->opcode));
		if (s->async) {
			d[n] = (struct wis_done){s->cb, s->user, WIS_E_RESET, s->opcode, ""};
			memcpy(d[n].detail, detail, sizeof d[n].detail);
			n++;
			wis__slot_free_locked(dev, s);
		} else {
			s->done = true;
			s->status = WIS_E_RESET;
			memcpy(s->detail, detail, sizeof s->detail);
			pthread_cond_signal(wis__slot_cv(dev, s));
		}
	}
	return n;
}

static void barrier_done(wis_device *dev, int status, const uint8_t *p, size_t len, void *user)
{
	(void)p, (void)len;
	if (status < 0)
		return; /* no barrier answer: the calls keep their timeouts */
	uint32_t barrier = (uint32_t)(uintptr_t)user;
	struct wis_done d[DONE_CHUNK];
	unsigned n;
	do {
		pthread_mutex_lock(&dev->mu);
		n = fail_lost_locked(dev, barrier, d);
		pthread_mutex_unlock(&dev->mu);
		wis__run_done(dev, d, n);
	} while (n == DONE_CHUNK);
}

void wis__reset_seen(wis_device *dev)
{
	pthread_mutex_lock(&dev->mu);
	if (dev->dead || dev->closing || dev->used >= dev->nslots) {
		pthread_mutex_unlock(&dev->mu);
		return;
	}
	unsigned timeout_ms = dev->opts.timeout_ms;
	struct wis_slot *s = wis__slot_alloc_locked(dev, WIS_OP_PING, timeout_ms,
	                                            wis__now_ns() + (int64_t)timeout_ms * 1000000);
	s->async = true;
	dev->nasync++;
	s->cb = barrier_done;
	uint16_t id = s->id;
	pthread_mutex_unlock(&dev->mu);

	char keep[WIS_DETAIL_MAX]; /* the caller whose read brought the event keeps its detail */
	snprintf(keep, sizeof keep, "%s", wis_last_error());
	int rc = wis__tx_send(dev, id, WIS_OP_PING, NULL, 0, timeout_ms, true);
	wis__set_detail(keep, strlen(keep));
	pthread_mutex_lock(&dev->mu);
	/* The reader is this thread: the barrier's answer cannot have been
	 * handled yet, so its slot is still the barrier's. */
	if (s->id == id) {
		if (rc < 0)
			wis__slot_free_locked(dev, s);
		else
			s->user = (void *)(uintptr_t)__atomic_load_n(&s->txseq, __ATOMIC_RELAXED);
	}
	pthread_mutex_unlock(&dev->mu);
}

/*
 * What a module reset does to the calls in flight.
 *
 * A module that restarts (RESET event, or its event seq going back) has
 * forgotten every request its old boot took and had not answered.  Left
 * alone those calls would wait for their timeouts and fail as timeouts,
 * naming the wrong cause.  So on a restart the library sends a HELD
 * request, the barrier, with one slot kept for it beyond the window.  The
 * module answers HELD at once and in the order requests arrive, with the
 * ids of every request the new boot holds (a long one, WIS_TC_LONG, being
 * worked on; an answer waiting for the link).  So when the barrier's
 * answer comes, every call that went out before it and is still
 * unanswered, quick or long, either is in that list (the new boot took it,
 * sent after the reset but before its event arrived: it will be answered
 * and keeps waiting) or never reached the new boot: it fails now with
 * WIS_E_RESET.
 *
 * Firmware older than HELD answers UNKNOWN_OP, still at once and in
 * order: then only quick calls fail (the module answers those at once, so
 * one still waiting was lost), and long ones are left to their timeouts,
 * as the new boot may be working on one.
 *
 * "Before" is the order of the frames on the link: each slot has the
 * number its frame got when it was queued (tx.c, slot txseq).
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

/* What the barrier's answer says the new boot holds. */
struct held {
	bool known; /* false: older firmware (UNKNOWN_OP), only quick calls are lost */
	unsigned n;
	const uint8_t *ids; /* n x u16, little-endian */
};

static bool held_has(const struct held *h, uint16_t id)
{
	for (unsigned i = 0; i < h->n; i++)
		if ((uint16_t)(h->ids[2 * i] | h->ids[2 * i + 1] << 8) == id)
			return true;
	return false;
}

/* Whether a still-pending call went out before the barrier and is not
 * one the new boot holds (or, without the list, one it answers at once). */
static bool lost_locked(const struct wis_slot *s, uint32_t barrier, const struct held *h)
{
	uint32_t seq = __atomic_load_n(&s->txseq, __ATOMIC_RELAXED);
	if (s->id == 0 || seq == 0 || (int32_t)(barrier - seq) <= 0)
		return false;
	if (h->known)
		return !held_has(h, s->id);
	const struct wis_op_desc *d = wis_op_find(s->opcode);
	return !d || d->tclass != WIS_TC_LONG;
}

/* Fails up to DONE_CHUNK lost async calls into d (and every lost sync one
 * in place); returns how many async ones. */
static unsigned fail_lost_locked(wis_device *dev, uint32_t barrier, const struct held *h,
                                 struct wis_done *d)
{
	unsigned n = 0;
	for (unsigned i = 0; i < dev->nslots && n < DONE_CHUNK; i++) {
		struct wis_slot *s = &dev->slots[i];
		if (!lost_locked(s, barrier, h) || (!s->async && s->done))
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
	struct held h = {false, 0, NULL};
	if (status == 0) {
		if (len < 1 || len != 1 + 2 * (size_t)p[0])
			return; /* not a list of ids: the calls keep their timeouts */
		h = (struct held){true, p[0], p + 1};
	} else if (status != -WIS_ST_UNKNOWN_OP) {
		return; /* no barrier answer: the calls keep their timeouts */
	}
	uint32_t barrier = (uint32_t)(uintptr_t)user;
	struct wis_done d[DONE_CHUNK];
	unsigned n;
	do {
		pthread_mutex_lock(&dev->mu);
		n = fail_lost_locked(dev, barrier, &h, d);
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
	struct wis_slot *s = wis__slot_alloc_locked(dev, WIS_OP_HELD, timeout_ms,
	                                            wis__now_ns() + (int64_t)timeout_ms * 1000000);
	s->async = true;
	dev->nasync++;
	s->cb = barrier_done;
	uint16_t id = s->id;
	pthread_mutex_unlock(&dev->mu);

	char keep[WIS_DETAIL_MAX]; /* the caller whose read brought the event keeps its detail */
	snprintf(keep, sizeof keep, "%s", wis_last_error());
	int rc = wis__tx_send(dev, id, WIS_OP_HELD, NULL, 0, timeout_ms, true);
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

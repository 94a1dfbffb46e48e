/*
 * The pending-call table: one slot per call in flight (the id picks it),
 * and what completes calls other than their answer: link death, deadlines
 * and wis_close() fail them in chunks collected under the lock and run
 * after it (wis_done).  call.c makes the calls and holds the reader role;
 * rx.c completes calls with their answers.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "internal.h"

int64_t wis__now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* A call's slot is slots[id % nslots] (wis__slot_alloc_locked picks the id so),
 * so a response finds its call without a search. */
struct wis_slot *wis__slot_find(wis_device *dev, uint16_t id)
{
	struct wis_slot *s = &dev->slots[id % dev->nslots];
	return id && s->id == id ? s : NULL;
}

pthread_cond_t *wis__slot_cv(wis_device *dev, struct wis_slot *s)
{
	return &dev->slot_cv[s - dev->slots];
}

/* The detail of a failed async call is wis_last_error() during its
 * callback only: the thread running it (wis_close, another call) keeps its
 * own caller's detail. */
void wis__run_done(wis_device *dev, struct wis_done *d, unsigned n)
{
	if (n == 0)
		return;
	char keep[WIS_DETAIL_MAX];
	snprintf(keep, sizeof keep, "%s", wis_last_error());
	for (unsigned i = 0; i < n; i++) {
		wis__set_detail(d[i].detail, strlen(d[i].detail));
		d[i].cb(dev, d[i].status, (const uint8_t *)d[i].detail, strlen(d[i].detail),
		        d[i].user);
	}
	wis__set_detail(keep, strlen(keep));
}

/* Completes every call in flight with code: sync ones are marked done, up
 * to DONE_CHUNK async ones are moved into d for the caller to run once the
 * lock is dropped (call again while it returns DONE_CHUNK). */
static unsigned fail_all_locked(wis_device *dev, int code, const char *why, struct wis_done *d)
{
	unsigned n = 0;
	for (unsigned i = 0; i < dev->nslots; i++) {
		struct wis_slot *s = &dev->slots[i];
		if (s->id == 0)
			continue;
		if (s->async && n < DONE_CHUNK) {
			d[n] = (struct wis_done){s->cb, s->user, code, s->opcode, ""};
			snprintf(d[n].detail, sizeof d[n].detail, "%s: %s", wis_op_name(s->opcode),
			         why);
			n++;
			wis__slot_free_locked(dev, s);
		} else if (!s->async && !s->done) {
			s->done = true;
			s->status = code;
			snprintf(s->detail, sizeof s->detail, "%s: %s", wis_op_name(s->opcode),
			         why);
			pthread_cond_signal(wis__slot_cv(dev, s));
		}
	}
	pthread_cond_broadcast(&dev->cond);
	return n;
}

/* Runs fail_all_locked to completion; called with mu held, returns with it
 * held (dropped while callbacks run). */
void wis__fail_all(wis_device *dev, int code, const char *why)
{
	struct wis_done d[DONE_CHUNK];
	unsigned n;
	do {
		n = fail_all_locked(dev, code, why, d);
		pthread_mutex_unlock(&dev->mu);
		wis__run_done(dev, d, n);
		pthread_mutex_lock(&dev->mu);
	} while (n == DONE_CHUNK);
}

void wis__link_died(wis_device *dev, int code)
{
	char why[160];
	snprintf(why, sizeof why, "link to %s lost (%s)", dev->path,
	         code == WIS_E_DISCONNECTED ? "end of file or hang-up" : strerror(errno));
	pthread_mutex_lock(&dev->mu);
	if (!dev->dead) {
		dev->dead = true;
		wis__fail_all(dev, WIS_E_DISCONNECTED, why);
	}
	pthread_mutex_unlock(&dev->mu);
}

/* Up to DONE_CHUNK async calls past their deadline, moved into d. */
unsigned wis__expire_locked(wis_device *dev, struct wis_done *d)
{
	if (dev->nasync == 0)
		return 0;
	int64_t now = wis__now_ns();
	unsigned n = 0;
	for (unsigned i = 0; i < dev->nslots && n < DONE_CHUNK; i++) {
		struct wis_slot *s = &dev->slots[i];
		if (s->id == 0 || !s->async || s->deadline_ns > now)
			continue;
		d[n] = (struct wis_done){s->cb, s->user, WIS_E_TIMEOUT, s->opcode, ""};
		snprintf(d[n].detail, sizeof d[n].detail, "no response to %s within %u ms",
		         wis_op_name(s->opcode), s->timeout_ms);
		n++;
		wis__slot_free_locked(dev, s);
	}
	return n;
}

/*
 * Host time for device timestamps (docs/protocol.md, "Time").
 *
 * An UPTIME answer was produced somewhere between the host's send and
 * receive times, so mapping it to their midpoint is off by at most half the
 * round trip.  We keep the sample with the smallest bound: 8 samples at
 * open, then one every 10 s while the device is in use, a new one replacing
 * the kept one only if its RTT/2 beats the kept one's RTT/2 plus 50 ppm of
 * drift since it was taken.  CLOCK_REALTIME is derived from the monotonic
 * mapping at conversion time, so a realtime step (NTP) after the sync does
 * not skew events.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"

static uint64_t rd_u64le(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* Saturates rather than wrapping: a device that jumps its clock by ages
 * must not look like one that drifted by a little. */
static uint64_t drift_us(uint64_t age_us)
{
	if (age_us > (UINT64_MAX - 999999) / WIS_DRIFT_PPM)
		return UINT64_MAX / 1000000;
	return (age_us * WIS_DRIFT_PPM + 999999) / 1000000;
}

/* dev->mu held. */
static void offer_sample_locked(wis_device *dev, int64_t t0, int64_t t1, uint64_t dev_us)
{
	struct wis_clock *c = &dev->clk;
	uint32_t rtt = (uint32_t)((t1 - t0 + 999) / 1000);
	if (c->valid && rtt < c->best_rtt_us)
		c->best_rtt_us = rtt;
	bool take = !c->valid || dev_us < c->dev_us; /* dev_us going back: device rebooted */
	if (!take)
		take = rtt / 2 <= c->rtt_us / 2 + drift_us(dev_us - c->dev_us);
	if (!take)
		return;
	if (!c->valid || rtt < c->best_rtt_us)
		c->best_rtt_us = rtt;
	c->valid = true;
	c->dev_us = dev_us;
	c->mono_ns = t0 + (t1 - t0) / 2;
	c->rtt_us = rtt;
}

int wis__clock_sync_initial(wis_device *dev)
{
	int64_t best_t0 = 0, best_t1 = 0;
	uint64_t best_dev = 0;
	/* Our samples are calls too: no async resync on top of them. */
	pthread_mutex_lock(&dev->mu);
	dev->clk.last_attempt_ns = wis__now_ns();
	pthread_mutex_unlock(&dev->mu);
	for (int i = 0; i < 8; i++) {
		uint8_t r[8];
		int64_t t0 = wis__now_ns();
		int rc = wis__call_exact(dev, WIS_OP_UPTIME, NULL, 0, r, sizeof r, 0);
		int64_t t1 = wis__now_ns();
		if (rc < 0)
			return rc;
		if (i == 0 || t1 - t0 < best_t1 - best_t0) {
			best_t0 = t0;
			best_t1 = t1;
			best_dev = rd_u64le(r);
		}
	}
	pthread_mutex_lock(&dev->mu);
	dev->clk.valid = false;
	offer_sample_locked(dev, best_t0, best_t1, best_dev);
	dev->clk.last_attempt_ns = best_t1;
	pthread_mutex_unlock(&dev->mu);
	return 0;
}

static void resync_done(wis_device *dev, int status, const uint8_t *p, size_t len, void *user)
{
	(void)user;
	int64_t t1 = wis__now_ns();
	pthread_mutex_lock(&dev->mu);
	struct wis_clock *c = &dev->clk;
	c->inflight = false;
	if (status == 0 && len == 8) {
		int64_t t0 = c->inflight_sent_ns;
		offer_sample_locked(dev, t0, t1, rd_u64le(p));
		/* A sample slowed by a busy host (the first call after idle
		 * often is) is retried in a second rather than in 10 s. */
		uint32_t rtt = (uint32_t)((t1 - t0 + 999) / 1000);
		if (rtt > 2 * c->best_rtt_us + 20)
			c->last_attempt_ns = t1 - WIS_RESYNC_NS + 1000000000LL;
	}
	pthread_mutex_unlock(&dev->mu);
}

void wis__clock_maybe_resync(wis_device *dev)
{
	int64_t now = wis__now_ns();
	/* Most calls come long before a sample is due: no lock for them. */
	if (now - atomic_load_explicit(&dev->clk.last_attempt_ns, memory_order_relaxed) <
	    WIS_RESYNC_NS)
		return;
	pthread_mutex_lock(&dev->mu);
	bool due = !dev->dead && !dev->closing && !dev->clk.inflight &&
	           now - dev->clk.last_attempt_ns >= WIS_RESYNC_NS && dev->used < dev->window;
	if (due) {
		dev->clk.inflight = true;
		dev->clk.last_attempt_ns = now;
		dev->clk.inflight_sent_ns = now;
	}
	pthread_mutex_unlock(&dev->mu);
	if (!due)
		return;
	/* The caller's error detail must survive our internal call. */
	char keep[WIS_DETAIL_MAX];
	strcpy(keep, wis_last_error());
	if (wis_call_async(dev, WIS_OP_UPTIME, NULL, 0, 0, resync_done, NULL) < 0) {
		pthread_mutex_lock(&dev->mu);
		dev->clk.inflight = false;
		pthread_mutex_unlock(&dev->mu);
	}
	wis__set_detail(keep, strlen(keep));
}

void wis__clock_invalidate(wis_device *dev)
{
	/* dev->mu held by the caller. */
	dev->clk.valid = false;
	dev->clk.last_attempt_ns = 0;
}

static struct timespec ns_ts(int64_t ns)
{
	struct timespec ts;
	ts.tv_sec = (time_t)(ns / 1000000000LL);
	ts.tv_nsec = (long)(ns % 1000000000LL);
	if (ts.tv_nsec < 0) {
		ts.tv_nsec += 1000000000L;
		ts.tv_sec--;
	}
	return ts;
}

int wis_device_time_to_host(wis_device *dev, uint64_t device_us, struct timespec *realtime,
                            struct timespec *monotonic, uint32_t *error_us)
{
	struct wis_clock c = {0};
	if (dev) {
		pthread_mutex_lock(&dev->mu);
		c = dev->clk;
		pthread_mutex_unlock(&dev->mu);
	}
	/* The distance from the sync sample, in unsigned arithmetic (device
	 * times are unsigned µs since boot: one before the sample is at most
	 * c.dev_us back, so UINT64_MAX is far ahead, never "just before").
	 * Beyond WIS_CLOCK_SPAN_US the drift alone would make the bound
	 * meaningless, and nanoseconds would no longer fit an int64_t. */
	bool ahead = device_us >= c.dev_us;
	uint64_t age = ahead ? device_us - c.dev_us : c.dev_us - device_us;
	if (!c.valid || age > WIS_CLOCK_SPAN_US) {
		struct timespec zero = {0, 0};
		if (realtime)
			*realtime = zero;
		if (monotonic)
			*monotonic = zero;
		if (error_us)
			*error_us = UINT32_MAX;
		return WIS_E_UNMAPPABLE;
	}
	int64_t delta_ns = (int64_t)age * 1000; /* age <= 2^46: no overflow */
	int64_t mono = ahead ? c.mono_ns + delta_ns : c.mono_ns - delta_ns;
	if (monotonic)
		*monotonic = ns_ts(mono);
	if (realtime) {
		struct timespec r, m;
		clock_gettime(CLOCK_REALTIME, &r);
		clock_gettime(CLOCK_MONOTONIC, &m);
		int64_t off =
		    ((int64_t)r.tv_sec - m.tv_sec) * 1000000000LL + (r.tv_nsec - m.tv_nsec);
		*realtime = ns_ts(mono + off);
	}
	if (error_us) {
		/* The drift is at most 2^46 * 50 / 10^6 µs (3.5e9: the span is
		 * chosen so); only an absurd round trip can need the clamp. */
		uint64_t e = (c.rtt_us + 1) / 2 + drift_us(age) + 1; /* +1: µs resolution */
		*error_us = e >= UINT32_MAX ? UINT32_MAX - 1 : (uint32_t)e;
	}
	return 0;
}

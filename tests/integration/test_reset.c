/*
 * A module reset with calls in flight (lib/reset.c): the simulator's link
 * stalled so that requests wait in the pty, then the module reset (it drops
 * what waits, as a real module loses what its old boot took).  The calls
 * the old boot lost, quick and long, async and sync, fail with WIS_E_RESET
 * as soon as the RESET event and the HELD barrier behind it are back - long
 * before their 5 s timeouts.  A DELAY sent after the module reset but
 * before its RESET event reached the host (still held by the stall) is
 * taken by the new boot: HELD lists it, so it is not failed and completes
 * normally.  The device answers again at once; a barrier's extra slot
 * leaves the window whole.
 */
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

static int status[16], ncalls;
static int64_t done_ns[16];

static void done_cb(wis_device *dev, int st, const uint8_t *p, size_t len, void *user)
{
	(void)dev, (void)p, (void)len;
	intptr_t i = (intptr_t)user;
	status[i] = st;
	done_ns[i] = mono_ns();
	ncalls++;
}

struct sync_call {
	wis_device *dev;
	int rc;
	int64_t returned_ns;
	char detail[256];
};

static void *sync_ping(void *arg)
{
	struct sync_call *c = arg;
	uint8_t b[2] = {7, 7}, r[2];
	c->rc = wis_call(c->dev, WIS_OP_PING, b, 2, r, 2, NULL, 5000);
	c->returned_ns = mono_ns();
	snprintf(c->detail, sizeof c->detail, "%s", wis_last_error());
	return NULL;
}

/* DELAY request bytes for us microseconds. */
static void delay_req(uint8_t b[4], uint32_t us)
{
	for (int i = 0; i < 4; i++)
		b[i] = (uint8_t)(us >> (8 * i));
}

/* wis_process until n calls are done or ms have passed since t0. */
static void process_until(wis_device *dev, int n, int64_t t0, int ms)
{
	while (ncalls < n && mono_ns() - t0 < (int64_t)ms * 1000000) {
		CHECK(wis_process(dev) == 0);
		usleep(1000);
	}
}

static void lost_in_reset(void)
{
	printf("calls in flight when the module resets\n");
	struct sim s;
	sim_start(&s, NULL);
	struct wis_open_options o;
	wis_open_options_init(&o);
	o.timeout_ms = 5000;
	wis_device *dev;
	CHECK_OK(wis_open(&dev, s.pty, &o));
	CHECK_OK(sim_ctl(&s, NULL, 0, "fault stall 20000"));
	/* Six quick calls and a DELAY of 10 ms (WIS_TC_LONG, timeout 5 s plus
	 * its bound) into the stalled link: the old boot's, lost. */
	for (intptr_t i = 0; i < 6; i++) {
		uint8_t b[1] = {(uint8_t)i};
		CHECK_OK(wis_call_async(dev, WIS_OP_PING, b, 1, 0, done_cb, (void *)i));
	}
	uint8_t delay[4];
	delay_req(delay, 10000);
	CHECK_OK(wis_call_async(dev, WIS_OP_DELAY, delay, 4, 0, done_cb, (void *)6));
	struct sync_call sc = {dev, 1, 0, ""};
	pthread_t th;
	pthread_create(&th, NULL, sync_ping, &sc);
	usleep(100000); /* every request is in the pty */
	CHECK_OK(sim_ctl(&s, NULL, 0, "reset"));
	/* The module has reset, its RESET event held by the stall: a DELAY of
	 * 300 ms sent now reaches the new boot, which keeps it. */
	delay_req(delay, 300000);
	CHECK_OK(wis_call_async(dev, WIS_OP_DELAY, delay, 4, 0, done_cb, (void *)7));
	int64_t t0 = mono_ns();
	CHECK_OK(sim_ctl(&s, NULL, 0, "fault off"));
	process_until(dev, 7, t0, 4000);
	pthread_join(th, NULL);
	int64_t worst = 0;
	for (int i = 0; i < 7; i++) {
		CHECK(status[i] == WIS_E_RESET);
		if (done_ns[i] - t0 > worst)
			worst = done_ns[i] - t0;
	}
	CHECK(sc.rc == WIS_E_RESET);
	CHECK(strstr(sc.detail, "module reset before answering") != NULL);
	if (sc.returned_ns - t0 > worst)
		worst = sc.returned_ns - t0;
	printf("  6 async PINGs, 1 async DELAY and 1 sync PING failed with WIS_E_RESET within "
	       "%.1f ms of the link's return (timeouts 5000, 5011 ms): %s\n",
	       worst / 1e6, sc.detail);
	CHECK(worst < 1000000000LL);
	/* The DELAY the new boot took: not failed, answered after its delay. */
	CHECK(status[7] == 0 && done_ns[7] == 0);
	process_until(dev, 8, t0, 4000);
	CHECK(status[7] == 0);
	CHECK(done_ns[7] - t0 >= 300000000LL && done_ns[7] - t0 < 3000000000LL);
	printf("  the DELAY the new boot took: %s after %.0f ms\n", wis_strerror(status[7]),
	       (done_ns[7] - t0) / 1e6);
	/* The device answers again, and a whole window of calls fits. */
	CHECK_OK(wis_ping(dev));
	int before = ncalls;
	for (intptr_t i = 0; i < 16; i++)
		CHECK_OK(wis_call_async(dev, WIS_OP_PING, NULL, 0, 0, done_cb, (void *)(i % 16)));
	process_until(dev, before + 16, mono_ns(), 4000);
	CHECK(ncalls == before + 16);
	wis_close(dev);
	sim_stop(&s);
}

int main(int argc, char **argv)
{
	harness_init(argc, argv);
	lost_in_reset();
	return TEST_RESULT();
}

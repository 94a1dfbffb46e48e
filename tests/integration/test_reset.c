/*
 * A module reset with calls in flight (lib/reset.c): the simulator's link
 * stalled so that requests wait in the pty, then the module reset (it drops
 * what waits, as a real module loses what its old boot took).  The quick
 * calls the old boot lost, async and sync, fail with WIS_E_RESET as soon as
 * the RESET event and the barrier behind it are back - long before their
 * 5 s timeouts; a DELAY (a long operation the new boot might have taken) is
 * left to its own timeout; the device answers again at once; a barrier's
 * extra slot leaves the window whole.
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
	/* Six quick calls and a DELAY of 10 ms (WIS_TC_LONG) into the stalled link. */
	for (intptr_t i = 0; i < 6; i++) {
		uint8_t b[1] = {(uint8_t)i};
		CHECK_OK(wis_call_async(dev, WIS_OP_PING, b, 1, 0, done_cb, (void *)i));
	}
	uint8_t delay[4] = {0x10, 0x27, 0, 0}; /* 10000 us */
	CHECK_OK(wis_call_async(dev, WIS_OP_DELAY, delay, 4, 1500, done_cb, (void *)6));
	struct sync_call sc = {dev, 1, 0, ""};
	pthread_t th;
	pthread_create(&th, NULL, sync_ping, &sc);
	usleep(100000); /* every request is in the pty */
	int64_t t0 = mono_ns();
	CHECK_OK(sim_ctl(&s, NULL, 0, "reset"));
	CHECK_OK(sim_ctl(&s, NULL, 0, "fault off"));
	while (ncalls < 6 && mono_ns() - t0 < 4000000000LL) {
		CHECK(wis_process(dev) == 0);
		usleep(1000);
	}
	pthread_join(th, NULL);
	int64_t worst = 0;
	for (int i = 0; i < 6; i++) {
		CHECK(status[i] == WIS_E_RESET);
		if (done_ns[i] - t0 > worst)
			worst = done_ns[i] - t0;
	}
	CHECK(sc.rc == WIS_E_RESET);
	CHECK(strstr(sc.detail, "module reset before answering") != NULL);
	if (sc.returned_ns - t0 > worst)
		worst = sc.returned_ns - t0;
	printf(
	    "  6 async and 1 sync call failed with WIS_E_RESET within %.0f ms (timeout 5000): %s\n",
	    worst / 1e6, sc.detail);
	CHECK(worst < 2000000000LL);
	CHECK(status[6] == 0); /* the DELAY: not failed by the barrier */
	/* The DELAY is left to its timeout, as the new boot may have it. */
	while (ncalls < 7 && mono_ns() - t0 < 4000000000LL) {
		CHECK(wis_process(dev) == 0);
		usleep(1000);
	}
	CHECK(status[6] == WIS_E_TIMEOUT);
	/* The device answers again, and a whole window of calls fits. */
	CHECK_OK(wis_ping(dev));
	int before = ncalls;
	for (intptr_t i = 0; i < 16; i++)
		CHECK_OK(wis_call_async(dev, WIS_OP_PING, NULL, 0, 0, done_cb, (void *)(i % 16)));
	while (ncalls < before + 16 && mono_ns() - t0 < 8000000000LL) {
		CHECK(wis_process(dev) == 0);
		usleep(1000);
	}
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

/*
 * Edge events over the --link path (termios transport): consecutive
 * sequence numbers with no loss, device timestamps mapped to host time
 * within the documented error bound (RTT/2 + 50 ppm x age) of the host
 * clock at the moment the control command caused the edge, SW1 pressed
 * through the control socket, debounce, and a module reset (RESET event,
 * clock resynchronised).  Events are pumped with the async interface
 * (wis_fd + poll + wis_process), as an event loop would.
 */
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

#define MAXEV 256
static struct wis_event evs[MAXEV];
static char names[MAXEV][16];
static int nev;

static void on_event(wis_device *dev, const struct wis_event *ev, void *user)
{
	(void)dev;
	(void)user;
	if (nev < MAXEV) {
		evs[nev] = *ev;
		if (ev->type == WIS_EV_GPIO_EDGE) {
			snprintf(names[nev], sizeof names[nev], "%s", ev->u.gpio.name);
			evs[nev].u.gpio.name = names[nev];
		}
		evs[nev].payload = NULL;
		nev++;
	}
}

/* Runs the async loop until n events are in or ms pass. */
static void pump(wis_device *dev, int n, int ms)
{
	int64_t end = mono_ns() + (int64_t)ms * 1000000;
	while (nev < n && mono_ns() < end) {
		struct pollfd p = {wis_fd(dev), POLLIN, 0};
		poll(&p, 1, 10);
		CHECK_OK(wis_process(dev));
	}
}

int main(int argc, char **argv)
{
	harness_init(argc, argv);
	struct sim s;
	sim_start(&s, "--wire", "IO1:IO2", NULL);
	wis_device *dev = open_dev(s.link);
	wis_set_event_cb(dev, on_event, NULL);
	char reply[256];

	printf("100 edges from a wired output: consecutive seq, no loss\n");
	CHECK_OK(wis_gpio_mode(dev, "IO1", WIS_GPIO_OUTPUT, 0));
	CHECK_OK(wis_gpio_mode(dev, "IO2", WIS_GPIO_INPUT, 0));
	CHECK_OK(wis_gpio_watch(dev, "IO2", WIS_EDGE_BOTH, 0));
	pump(dev, 1000, 50); /* drain anything pending */
	nev = 0;
	for (int i = 0; i < 100; i++)
		CHECK_OK(wis_gpio_write(dev, "IO1", (i & 1) == 0));
	pump(dev, 100, 2000);
	CHECK(nev == 100);
	for (int i = 0; i < nev; i++) {
		CHECK(evs[i].type == WIS_EV_GPIO_EDGE);
		CHECK(strcmp(evs[i].u.gpio.name, "IO2") == 0);
		CHECK(evs[i].u.gpio.pin == WIS_NRF(1, 2));
		CHECK(evs[i].u.gpio.level == ((i & 1) == 0));
		CHECK(evs[i].u.gpio.edge == (((i & 1) == 0) ? WIS_EDGE_RISING : WIS_EDGE_FALLING));
		CHECK(evs[i].lost == 0);
		if (i > 0) {
			CHECK(evs[i].seq == evs[i - 1].seq + 1);
			CHECK(evs[i].device_us >= evs[i - 1].device_us);
		}
	}

	printf("SW1 pressed through the control socket, time mapped to the host clock\n");
	CHECK_OK(wis_gpio_mode(dev, "SW1", WIS_GPIO_INPUT_PULLUP, 0));
	CHECK_OK(wis_gpio_watch(dev, "SW1", WIS_EDGE_BOTH, 0));
	for (int round = 0; round < 5; round++) {
		nev = 0;
		int64_t m0 = mono_ns(), r0 = real_ns();
		CHECK(sim_ctl(&s, reply, sizeof reply, round & 1 ? "release SW1" : "press SW1") ==
		      0);
		int64_t m1 = mono_ns(), r1 = real_ns();
		pump(dev, 1, 1000);
		CHECK(nev == 1);
		if (nev < 1)
			continue;
		struct wis_event *e = &evs[0];
		CHECK(strcmp(e->u.gpio.name, "SW1") == 0);
		CHECK(e->u.gpio.edge == (round & 1 ? WIS_EDGE_RISING : WIS_EDGE_FALLING));
		CHECK(e->u.gpio.level == (round & 1));
		int64_t err = (int64_t)e->error_us * 1000;
		int64_t em = ts_ns(&e->monotonic), er = ts_ns(&e->realtime);
		printf("  %s: mono %+.1f us after the command was sent (command took %.1f us), "
		       "error bound %u us\n",
		       round & 1 ? "release" : "press", (em - m0) / 1e3, (m1 - m0) / 1e3,
		       e->error_us);
		CHECK(e->error_us < 10000);
		CHECK(em >= m0 - err && em <= m1 + err);
		CHECK(er >= r0 - err - 1000000 && er <= r1 + err + 1000000); /* realtime may step */
		/* The public mapping gives the same answer as the event. */
		struct timespec rt, mt;
		uint32_t e2;
		wis_device_time_to_host(dev, e->device_us, &rt, &mt, &e2);
		CHECK(ts_ns(&mt) == em && e2 == e->error_us);
	}

	printf("debounce: a short glitch is not reported, a held level is, once\n");
	CHECK_OK(wis_gpio_watch(dev, "IO2", WIS_EDGE_BOTH, 30000));
	pump(dev, 1000, 50);
	nev = 0;
	CHECK_OK(wis_gpio_write(dev, "IO1", 1));
	CHECK_OK(wis_gpio_write(dev, "IO1", 0));
	CHECK_OK(wis_gpio_write(dev, "IO1", 1));
	pump(dev, 2, 200);
	CHECK(nev == 1);
	if (nev >= 1)
		CHECK(evs[0].u.gpio.edge == WIS_EDGE_RISING);
	CHECK_OK(wis_gpio_watch(dev, "IO2", WIS_EDGE_NONE, 0));

	printf("module reset: RESET event, the clock is resynchronised\n");
	nev = 0;
	CHECK(sim_ctl(&s, reply, sizeof reply, "reset") == 0);
	pump(dev, 1, 1000);
	CHECK(nev == 1 && evs[0].type == WIS_EV_RESET);
	struct timespec rt, mt;
	uint32_t e2;
	uint64_t up;
	CHECK_OK(wis_uptime(dev, &up)); /* a call starts the resync */
	CHECK_OK(wis_ping(dev));
	CHECK_OK(wis_ping(dev));
	wis_device_time_to_host(dev, up, &rt, &mt, &e2);
	CHECK(e2 < 10000);
	int64_t d = ts_ns(&mt) - mono_ns();
	CHECK(d < 100000000 && d > -100000000);

	printf("wis_reset: answered, then the module restarts and says so\n");
	CHECK_RC(wis_reset(dev, (enum wis_reset_mode)7), WIS_E_INVAL);
	nev = 0;
	CHECK_OK(wis_reset(dev, WIS_RESET_APP));
	pump(dev, 1, 2000);
	CHECK(nev == 1 && evs[0].type == WIS_EV_RESET);
	if (nev == 1)
		CHECK(evs[0].u.reset.cause == 1); /* reset request */
	CHECK_OK(wis_ping(dev));

	struct wis_stats st;
	CHECK_OK(wis_stats(dev, &st));
	CHECK(st.host_events_lost == 0);
	wis_close(dev);
	sim_stop(&s);
	return TEST_RESULT();
}

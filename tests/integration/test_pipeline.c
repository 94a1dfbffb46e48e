/*
 * Pipelining and thread safety over the --link path (termios transport):
 * the async window filled (and WIS_E_WINDOW_FULL past it), every response
 * matched to its own request across more than 65535 calls (ids wrap), and
 * many threads making synchronous calls at once while the main thread runs
 * an async loop on the same device; each echo must come back to the thread
 * that sent it.
 */
#include <poll.h>
#include <pthread.h>
#include <string.h>

#include "harness.h"

/* Atomic: a completion may run in a sync caller's thread when that thread
 * holds the reader role (wisrpc.h, "Threads"). */
struct ctx {
	_Atomic int done, bad;
};

static void ping_done(wis_device *dev, int status, const uint8_t *p, size_t len, void *user)
{
	(void)dev;
	struct ctx *c = user;
	if (status != 0 || len != 4 || !p)
		c->bad++;
	c->done++;
}

/* Echo check per call: user points at the expected 4 bytes. */
struct echo {
	uint8_t want[4];
	int status; /* 1 = pending */
};
static void echo_done(wis_device *dev, int status, const uint8_t *p, size_t len, void *user)
{
	(void)dev;
	struct echo *e = user;
	e->status = status;
	if (status == 0 && (len != 4 || memcmp(p, e->want, 4) != 0))
		e->status = -999;
}

static void loop_until(wis_device *dev, _Atomic int *flag_done, int want, int ms)
{
	int64_t end = mono_ns() + (int64_t)ms * 1000000;
	while (*flag_done < want && mono_ns() < end) {
		struct pollfd p = {wis_fd(dev), POLLIN, 0};
		int t = wis_next_timeout_ms(dev);
		poll(&p, 1, t < 0 || t > 50 ? 50 : t);
		CHECK_OK(wis_process(dev));
	}
}

#define NTHREADS 8
#define PER_THREAD 2000
static wis_device *shared;
static int thread_errors[NTHREADS];

static void *worker(void *arg)
{
	int me = (int)(intptr_t)arg;
	for (int i = 0; i < PER_THREAD; i++) {
		uint8_t req[8], resp[8];
		size_t len = 0;
		memcpy(req, &me, 4);
		memcpy(req + 4, &i, 4);
		int rc =
		    wis_call(shared, WIS_OP_PING, req, sizeof req, resp, sizeof resp, &len, 5000);
		if (rc != 0 || len != 8 || memcmp(req, resp, 8) != 0) {
			if (thread_errors[me]++ < 3)
				fprintf(stderr, "thread %d call %d: rc %d (%s) len %zu: %s\n", me,
				        i, rc, wis_strerror(rc), len, wis_last_error());
		}
		if (i % 100 == 0) {
			int level;
			if (wis_gpio_read(shared, "IO2", &level) != 0)
				thread_errors[me]++;
		}
	}
	return NULL;
}

int main(int argc, char **argv)
{
	harness_init(argc, argv);
	struct sim s;
	sim_start(&s, NULL);
	wis_device *dev = open_dev(s.link);
	unsigned window = wis_get_info(dev)->window;
	if (window > 16)
		window = 16; /* the default open window */
	printf("device window %u\n", window);

	printf("fill the window, then one more\n");
	struct echo e[32];
	unsigned sent = 0;
	for (unsigned i = 0; i < window; i++) {
		memcpy(e[i].want, &i, 4);
		e[i].status = 1;
		int rc = wis_call_async(dev, WIS_OP_PING, e[i].want, 4, 2000, echo_done, &e[i]);
		CHECK_OK(rc);
		sent += rc == 0;
	}
	CHECK(wis_pending(dev) == window);
	CHECK_RC(wis_call_async(dev, WIS_OP_PING, "x", 1, 0, echo_done, &e[31]), WIS_E_WINDOW_FULL);
	CHECK(wis_next_timeout_ms(dev) > 0 && wis_next_timeout_ms(dev) <= 2000);
	int64_t end = mono_ns() + 2000000000LL;
	for (;;) {
		unsigned pending = 0;
		for (unsigned i = 0; i < sent; i++)
			pending += e[i].status == 1;
		if (!pending || mono_ns() > end)
			break;
		struct pollfd p = {wis_fd(dev), POLLIN, 0};
		poll(&p, 1, 20);
		wis_process(dev);
	}
	for (unsigned i = 0; i < sent; i++)
		CHECK(e[i].status == 0);
	CHECK(wis_pending(dev) == 0);
	CHECK(wis_next_timeout_ms(dev) == -1);

	printf("70000 pipelined calls (ids wrap past 65535)\n");
	struct ctx c = {0, 0};
	int issued = 0;
	int64_t t0 = mono_ns();
	while (c.done < 70000 && mono_ns() - t0 < 30000000000LL) {
		while (issued < 70000) {
			uint32_t v = (uint32_t)issued;
			if (wis_call_async(dev, WIS_OP_PING, &v, 4, 2000, ping_done, &c) != 0)
				break;
			issued++;
		}
		struct pollfd p = {wis_fd(dev), POLLIN, 0};
		poll(&p, 1, 20);
		CHECK_OK(wis_process(dev));
	}
	double secs = (mono_ns() - t0) / 1e9;
	printf("  %d calls in %.2f s (%.0f calls/s), %d bad\n", (int)c.done, secs, c.done / secs,
	       (int)c.bad);
	CHECK(c.done == 70000 && c.bad == 0);

	printf("%d threads x %d sync calls, with an async loop on the main thread\n", NTHREADS,
	       PER_THREAD);
	shared = dev;
	pthread_t th[NTHREADS];
	for (int i = 0; i < NTHREADS; i++)
		pthread_create(&th[i], NULL, worker, (void *)(intptr_t)i);
	struct ctx c2 = {0, 0};
	int async_sent = 0;
	t0 = mono_ns();
	while (async_sent < 2000 && mono_ns() - t0 < 20000000000LL) {
		uint32_t v = 7;
		if (wis_call_async(dev, WIS_OP_PING, &v, 4, 5000, ping_done, &c2) == 0)
			async_sent++;
		struct pollfd p = {wis_fd(dev), POLLIN, 0};
		poll(&p, 1, 1);
		wis_process(dev);
	}
	loop_until(dev, &c2.done, async_sent, 5000);
	for (int i = 0; i < NTHREADS; i++)
		pthread_join(th[i], NULL);
	secs = (mono_ns() - t0) / 1e9;
	int errs = 0;
	for (int i = 0; i < NTHREADS; i++)
		errs += thread_errors[i];
	printf("  %d sync + %d async calls in %.2f s, %d errors\n", NTHREADS * PER_THREAD,
	       (int)c2.done, secs, errs);
	CHECK(errs == 0);
	CHECK(c2.done == async_sent && c2.bad == 0);

	struct wis_stats st;
	CHECK_OK(wis_stats(dev, &st));
	CHECK(st.host_stray_responses == 0);
	CHECK(st.host_rx_crc_errors == 0 && st.rx_crc_errors == 0);
	wis_close(dev);
	sim_stop(&s);
	return TEST_RESULT();
}

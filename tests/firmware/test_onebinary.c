/*
 * The firmware core and libwisrpc linked into one test binary: nothing
 * collides (the core is wisfw_, the library wis_, and both use the one
 * lib/proto codec).  A thread runs the core on simhal behind a
 * pseudo-terminal, as wisrpc-sim does; the main thread drives it through
 * the library's public API, end to end: a deferred response (DELAY) with
 * calls answered meanwhile, a 255-byte and a 1012-byte event intact, and
 * an overflow whose seq gap the library reports exactly as STATS counts.
 */
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "core.h"
#include "fwtest.h"
#include "simhal.h"
#include "wisrpc/wisrpc.h"

static struct simhal hw;
static struct wisfw_core core;
static int master = -1;
static atomic_int stop;

/* The device side: the sim's main loop in miniature. */
static void *device(void *arg)
{
	(void)arg;
	while (!atomic_load(&stop)) {
		int timeout = 20;
		uint64_t now = simhal_now(&hw);
		if (hw.alarm != UINT64_MAX)
			timeout = hw.alarm <= now ? 0 : (int)((hw.alarm - now + 999) / 1000);
		if (timeout > 20)
			timeout = 20;
		struct pollfd pf = {master, POLLIN, 0};
		if (poll(&pf, 1, timeout) > 0 && (pf.revents & POLLIN)) {
			uint8_t b[4096];
			ssize_t r = read(master, b, sizeof b);
			if (r > 0)
				wisfw_core_rx(&core, b, (size_t)r);
		}
		wisfw_core_poll(&core, simhal_now(&hw));
		size_t off = 0, len = simhal_tx_pending(&hw);
		while (off < len) {
			ssize_t w = write(master, simhal_tx_head(&hw) + off, len - off);
			if (w <= 0)
				break;
			off += (size_t)w;
		}
		simhal_tx_took(&hw, off);
	}
	return NULL;
}

struct seen {
	int diag;
	uint32_t seq[16];
	uint32_t lost[16];
	size_t len[16];
	int bad_bytes;
};

static void on_event(wis_device *dev, const struct wis_event *ev, void *user)
{
	(void)dev;
	struct seen *s = user;
	if (ev->type != WIS_EV_DIAG || s->diag >= 16)
		return;
	s->seq[s->diag] = ev->seq;
	s->lost[s->diag] = ev->lost;
	s->len[s->diag] = ev->payload_len;
	for (size_t i = 0; i < ev->payload_len; i++)
		s->bad_bytes += ev->payload[i] != (uint8_t)(ev->seq + i);
	s->diag++;
}

static void on_delay(wis_device *dev, int status, const uint8_t *p, size_t len, void *user)
{
	(void)dev;
	(void)p;
	*(int *)user = status == 0 && len == 8 ? 1 : -1;
}

static void wait_diag(wis_device *dev, struct seen *s, int n)
{
	for (int i = 0; i < 200 && s->diag < n; i++) {
		struct pollfd pf = {wis_fd(dev), POLLIN, 0};
		poll(&pf, 1, 10);
		wis_process(dev);
	}
}

int main(void)
{
	simhal_init(&hw, false);
	master = posix_openpt(O_RDWR | O_NOCTTY);
	CHECK(master >= 0 && grantpt(master) == 0 && unlockpt(master) == 0);
	char pty[128];
	CHECK(ptsname_r(master, pty, sizeof pty) == 0);
	int keep = open(pty, O_RDWR | O_NOCTTY); /* as the sim: host may reopen */
	struct termios t;
	if (keep >= 0 && tcgetattr(keep, &t) == 0) {
		cfmakeraw(&t);
		tcsetattr(keep, TCSANOW, &t);
	}
	fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK);
	simhal_attach(&hw, &core);
	wisfw_core_init(&core, &hw.hal);
	pthread_t th;
	CHECK(pthread_create(&th, NULL, device, NULL) == 0);

	wis_device *dev = NULL;
	CHECK_EQ(wis_open(&dev, pty, NULL), 0);
	if (!dev) {
		fprintf(stderr, "wis_open: %s\n", wis_last_error());
		return 1;
	}
	struct seen seen = {0};
	wis_set_event_cb(dev, on_event, &seen);

	/* A deferred response: DELAY 200 ms, PINGs answered meanwhile. */
	int delay_done = 0;
	uint32_t us = 200000;
	uint8_t req[4] = {(uint8_t)us, (uint8_t)(us >> 8), (uint8_t)(us >> 16), 0};
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CHECK_EQ(wis_call_async(dev, WIS_OP_DELAY, req, sizeof req, 2000, on_delay, &delay_done),
	         0);
	for (int i = 0; i < 5; i++)
		CHECK_EQ(wis_ping(dev), 0);
	CHECK_EQ(delay_done, 0); /* the pings came back first */
	for (int i = 0; i < 100 && !delay_done; i++) {
		struct pollfd pf = {wis_fd(dev), POLLIN, 0};
		poll(&pf, 1, 10);
		wis_process(dev);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	CHECK_EQ(delay_done, 1);
	long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	CHECK(ms >= 199);

	/* Long events: 255 and 1012 bytes, intact. */
	uint8_t first[4];
	size_t n = 0;
	CHECK_EQ(wis_call(dev, WIS_OP_EMIT, (uint8_t[]){1, 255, 0}, 3, first, 4, &n, 0), 0);
	CHECK_EQ(wis_call(dev, WIS_OP_EMIT, (uint8_t[]){1, 0xf4, 0x03}, 3, first, 4, &n, 0), 0);
	wait_diag(dev, &seen, 2);
	CHECK_EQ(seen.diag, 2);
	CHECK(seen.len[0] == 255 && seen.len[1] == WIS_EV_MAX_DATA);
	CHECK_EQ(seen.seq[1], seen.seq[0] + 1);
	CHECK_EQ(seen.bad_bytes, 0);

	/* Overflow: 10 x 1012 bytes at once; 3 fit the 4 KiB budget.  The
	 * library's seq gap (lost) and STATS agree: 7. */
	struct wis_stats st0, st1;
	CHECK_EQ(wis_stats(dev, &st0), 0);
	CHECK_EQ(wis_call(dev, WIS_OP_EMIT, (uint8_t[]){10, 0xf4, 0x03}, 3, first, 4, &n, 0), 0);
	CHECK_EQ(wis_call(dev, WIS_OP_EMIT, (uint8_t[]){1, 1, 0}, 3, first, 4, &n, 0), 0);
	wait_diag(dev, &seen, 6);
	CHECK_EQ(seen.diag, 6);
	CHECK_EQ(seen.lost[2] + seen.lost[3] + seen.lost[4], 0);
	CHECK_EQ(seen.lost[5], 7);
	CHECK_EQ(seen.seq[5], seen.seq[1] + 11);
	CHECK_EQ(wis_stats(dev, &st1), 0);
	CHECK_EQ(st1.events_dropped - st0.events_dropped, 7);
	CHECK_EQ(seen.bad_bytes, 0);

	wis_close(dev);
	atomic_store(&stop, 1);
	pthread_join(th, NULL);
	close(master);
	if (keep >= 0)
		close(keep);
	if (check_failures) {
		fprintf(stderr, "test_onebinary: %d failure(s)\n", check_failures);
		return 1;
	}
	printf("test_onebinary: core and library in one binary, all checks passed\n");
	return 0;
}

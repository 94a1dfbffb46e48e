/*
 * Faults over the pty path (termios transport): garbage written onto the
 * line from a second fd (the next call still works and the device counts
 * it), a call that times out and its late answer counted as stray, the
 * simulator SIGKILLed while calls are in flight (sync and async: all
 * complete with WIS_E_DISCONNECTED promptly, later calls fail at once), and
 * wis_close() with calls pending (all complete with WIS_E_CANCELLED), and a
 * call made right after wis_reset() answered (never lost to the reset).
 */
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "frame.h"
#include "harness.h"

struct sync_call {
	wis_device *dev;
	unsigned timeout_ms;
	int rc;
	int64_t returned_ns;
	char detail[256];
};

static void *sync_ping(void *arg)
{
	struct sync_call *c = arg;
	uint8_t b[4] = {1, 2, 3, 4}, r[4];
	c->rc = wis_call(c->dev, WIS_OP_PING, b, 4, r, 4, NULL, c->timeout_ms);
	c->returned_ns = mono_ns();
	snprintf(c->detail, sizeof c->detail, "%s", wis_last_error());
	return NULL;
}

static void *ping_forever(void *arg)
{
	struct sync_call *c = arg;
	int rc;
	while ((rc = wis_ping(c->dev)) == 0)
		;
	c->rc = rc;
	c->returned_ns = mono_ns();
	return NULL;
}

static int async_status[32];
static int async_calls;
static void done_cb(wis_device *dev, int status, const uint8_t *p, size_t len, void *user)
{
	(void)dev;
	(void)p;
	(void)len;
	async_status[(intptr_t)user] = status;
	async_calls++;
}

static void garbage(struct sim *s)
{
	printf("garbage on the line\n");
	wis_device *dev = open_dev(s->pty);
	struct wis_stats before, after;
	CHECK_OK(wis_stats(dev, &before));
	int fd = open(s->pty, O_WRONLY | O_NOCTTY);
	CHECK(fd >= 0);
	uint8_t junk[4096];
	unsigned x = 12345;
	for (size_t i = 0; i < sizeof junk; i++) {
		x = x * 1103515245u + 12345u;
		junk[i] = (uint8_t)(x >> 16);
	}
	/* random bytes (COBS errors, runts, bad CRCs), then a frame with one
	 * flipped bit (CRC error), then a zero-free run longer than any frame
	 * (oversize) */
	CHECK(write(fd, junk, 1000) == 1000);
	uint8_t frame[WIS_MAX_ENCODED + 1];
	struct wis_hdr h = {WIS_PROTO_VERSION, WIS_MSG_REQUEST, 77, WIS_OP_PING, 0, 0};
	size_t n = wis__frame_encode(frame, sizeof frame, &h, (const uint8_t *)"hello", 5);
	uint8_t *l = memchr(frame, 'l', n); /* a payload byte, never a COBS code here */
	CHECK(l != NULL);
	if (l)
		*l = 'L';
	CHECK(write(fd, frame, n) == (ssize_t)n);
	for (size_t i = 0; i < sizeof junk; i++)
		junk[i] |= 1;
	CHECK(write(fd, junk, 1500) == 1500);
	close(fd);
	for (int i = 0; i < 20; i++)
		CHECK_OK(wis_ping(dev));
	CHECK_OK(wis_stats(dev, &after));
	printf("  device counted: crc %u cobs %u oversize %u runts %u bytes dropped %u\n",
	       after.rx_crc_errors - before.rx_crc_errors,
	       after.rx_cobs_errors - before.rx_cobs_errors, after.rx_oversize - before.rx_oversize,
	       after.rx_runts - before.rx_runts, after.rx_bytes_dropped - before.rx_bytes_dropped);
	CHECK(after.rx_crc_errors > before.rx_crc_errors);
	CHECK(after.rx_oversize > before.rx_oversize);
	CHECK(after.rx_bytes_dropped >= before.rx_bytes_dropped + 2500);
	CHECK(after.rx_frames >= before.rx_frames + 21);
	CHECK(after.host_rx_crc_errors == 0 && after.host_stray_responses == 0);
	wis_close(dev);
}

static void timeout_and_stray(struct sim *s)
{
	printf("a call times out while the module is stopped; its late answer is stray\n");
	wis_device *dev = open_dev(s->pty);
	kill(s->pid, SIGSTOP);
	int64_t t0 = mono_ns();
	uint8_t b[2] = {9, 9}, r[2];
	CHECK_RC(wis_call(dev, WIS_OP_PING, b, 2, r, 2, NULL, 200), WIS_E_TIMEOUT);
	int64_t took = (mono_ns() - t0) / 1000000;
	printf("  timed out after %lld ms: %s\n", (long long)took, wis_last_error());
	CHECK(took >= 195 && took < 600);
	CHECK(wis_pending(dev) == 0);
	/* async timeouts are delivered by wis_process */
	CHECK_OK(wis_call_async(dev, WIS_OP_PING, b, 2, 100, done_cb, (void *)0));
	async_status[0] = 1;
	int64_t end = mono_ns() + 2000000000LL;
	while (async_status[0] == 1 && mono_ns() < end) {
		struct pollfd p = {wis_fd(dev), POLLIN, 0};
		poll(&p, 1, wis_next_timeout_ms(dev));
		wis_process(dev);
	}
	CHECK(async_status[0] == WIS_E_TIMEOUT);
	kill(s->pid, SIGCONT);
	CHECK_OK(wis_ping(dev));
	struct wis_stats st;
	CHECK_OK(wis_stats(dev, &st));
	CHECK(st.host_stray_responses == 2);
	wis_close(dev);
}

static void close_pending(struct sim *s)
{
	printf("wis_close with calls pending (module stopped)\n");
	wis_device *dev = open_dev(s->pty);
	kill(s->pid, SIGSTOP);
	async_calls = 0;
	/* a full window less one slot for the sync call */
	int nasync = (int)wis_get_info(dev)->window - 1;
	if (nasync > 31)
		nasync = 31;
	for (int i = 0; i < nasync; i++) {
		async_status[i] = 1;
		CHECK_OK(
		    wis_call_async(dev, WIS_OP_PING, "ab", 2, 5000, done_cb, (void *)(intptr_t)i));
	}
	struct sync_call c = {dev, 5000, 1, 0, ""};
	pthread_t th;
	pthread_create(&th, NULL, sync_ping, &c);
	usleep(100000);
	int64_t t0 = mono_ns();
	wis_close(dev);
	int64_t took = (mono_ns() - t0) / 1000000;
	pthread_join(th, NULL);
	printf("  close took %lld ms; sync call: %s\n", (long long)took, c.detail);
	CHECK(took < 500);
	CHECK(async_calls == nasync);
	for (int i = 0; i < nasync; i++)
		CHECK(async_status[i] == WIS_E_CANCELLED);
	CHECK(c.rc == WIS_E_CANCELLED);
	kill(s->pid, SIGCONT);
}

static void killed(struct sim *s)
{
	printf("the module is SIGKILLed while a sync call and async calls wait\n");
	wis_device *dev = open_dev(s->link);
	kill(s->pid, SIGSTOP);
	async_calls = 0;
	for (int i = 0; i < 3; i++) {
		async_status[i] = 1;
		CHECK_OK(
		    wis_call_async(dev, WIS_OP_PING, "ab", 2, 5000, done_cb, (void *)(intptr_t)i));
	}
	struct sync_call c = {dev, 5000, 1, 0, ""};
	pthread_t th;
	pthread_create(&th, NULL, sync_ping, &c);
	usleep(100000);
	int64_t t_kill = mono_ns();
	kill(s->pid, SIGKILL);
	pthread_join(th, NULL);
	int64_t took = (c.returned_ns - t_kill) / 1000000;
	printf("  sync call returned %lld ms after the kill: %s (%s)\n", (long long)took,
	       wis_strerror(c.rc), c.detail);
	CHECK(c.rc == WIS_E_DISCONNECTED);
	CHECK(took < 500);
	/* The sync caller was the reader, so it already completed the async
	 * calls; wis_process reports the dead link. */
	CHECK_RC(wis_process(dev), WIS_E_DISCONNECTED);
	CHECK(async_calls == 3);
	for (int i = 0; i < 3; i++)
		CHECK(async_status[i] == WIS_E_DISCONNECTED);
	int64_t t0 = mono_ns();
	CHECK_RC(wis_ping(dev), WIS_E_DISCONNECTED);
	CHECK_RC(wis_call_async(dev, WIS_OP_PING, "a", 1, 0, done_cb, (void *)0),
	         WIS_E_DISCONNECTED);
	CHECK(mono_ns() - t0 < 50000000);
	CHECK(wis_pending(dev) == 0);
	wis_close(dev);
	sim_stop(s);
}

static void killed_busy(void)
{
	printf("the module is SIGKILLed while a thread pings as fast as it can\n");
	struct sim s;
	sim_start(&s, NULL);
	wis_device *dev = open_dev(s.pty);
	struct sync_call c = {dev, 0, 1, 0, ""};
	pthread_t th;
	pthread_create(&th, NULL, ping_forever, &c);
	usleep(200000);
	int64_t t_kill = mono_ns();
	kill(s.pid, SIGKILL);
	pthread_join(th, NULL);
	int64_t took = (c.returned_ns - t_kill) / 1000000;
	printf("  returned %s %lld ms after the kill\n", wis_strerror(c.rc), (long long)took);
	CHECK(c.rc == WIS_E_DISCONNECTED);
	CHECK(took < 500);
	wis_close(dev);
	sim_stop(&s);
}

static void async_killed(void)
{
	printf("the module is SIGKILLed under an async loop\n");
	struct sim s;
	sim_start(&s, NULL);
	wis_device *dev = open_dev(s.pty);
	kill(s.pid, SIGSTOP);
	async_calls = 0;
	for (int i = 0; i < 4; i++) {
		async_status[i] = 1;
		CHECK_OK(
		    wis_call_async(dev, WIS_OP_PING, "ab", 2, 5000, done_cb, (void *)(intptr_t)i));
	}
	kill(s.pid, SIGKILL);
	int64_t t0 = mono_ns();
	int rc = 0;
	while (rc == 0 && mono_ns() - t0 < 2000000000LL) {
		struct pollfd p = {wis_fd(dev), POLLIN, 0};
		poll(&p, 1, 100);
		rc = wis_process(dev);
	}
	CHECK(rc == WIS_E_DISCONNECTED);
	CHECK((mono_ns() - t0) / 1000000 < 500);
	CHECK(async_calls == 4);
	for (int i = 0; i < 4; i++)
		CHECK(async_status[i] == WIS_E_DISCONNECTED);
	wis_close(dev);
	sim_stop(&s);
}

static int stuck_ok, stuck_done;
static void stuck_cb(wis_device *dev, int status, const uint8_t *p, size_t len, void *user)
{
	(void)dev;
	(void)p;
	(void)user;
	stuck_done++;
	stuck_ok += status == 0 && len == 1000;
}

static void stuck_link(void)
{
	printf("a module that stops reading does not stall an event loop\n");
	struct sim s;
	sim_start(&s, NULL);
	struct wis_open_options o;
	wis_open_options_init(&o);
	o.no_hello = 1; /* so the window is ours (128), not the device's 16 */
	o.window = 128;
	o.timeout_ms = 10000;
	wis_device *dev = NULL;
	CHECK_OK(wis_open(&dev, s.pty, &o));
	if (!dev) {
		sim_stop(&s);
		return;
	}
	kill(s.pid, SIGSTOP);
	static uint8_t big[1000];
	int accepted = 0, refused = 0;
	int64_t slowest = 0;
	for (int i = 0; i < 128; i++) {
		int64_t t0 = mono_ns();
		int rc = wis_call_async(dev, WIS_OP_PING, big, sizeof big, 0, stuck_cb, NULL);
		int64_t took = mono_ns() - t0;
		if (took > slowest)
			slowest = took;
		if (rc == 0)
			accepted++;
		else if (rc == WIS_E_WINDOW_FULL)
			refused++;
		else
			CHECK_RC(rc, 0);
	}
	printf("  %d calls accepted, %d refused (output queue full), slowest call %.2f ms, "
	       "next timeout %d ms\n",
	       accepted, refused, slowest / 1e6, wis_next_timeout_ms(dev));
	CHECK(slowest < 50000000);
	CHECK(refused > 0); /* 128 KB does not fit in the pty and the queue */
	CHECK(wis_next_timeout_ms(dev) >= 0 && wis_next_timeout_ms(dev) <= 10);
	CHECK_OK(wis_process(dev));
	kill(s.pid, SIGCONT);
	int64_t end = mono_ns() + 5000000000LL;
	while (stuck_done < accepted && mono_ns() < end) {
		struct pollfd p = {wis_fd(dev), POLLIN, 0};
		int t = wis_next_timeout_ms(dev);
		poll(&p, 1, t < 0 || t > 100 ? 100 : t);
		CHECK_OK(wis_process(dev));
	}
	CHECK(stuck_done == accepted && stuck_ok == accepted);
	CHECK_OK(wis_ping(dev));
	wis_close(dev);
	sim_stop(&s);
}

static void call_after_reset(void)
{
	printf("a call sent once wis_reset() returned reaches the new boot\n");
	struct sim s;
	sim_start(&s, NULL);
	wis_device *dev = open_dev(s.pty);
	int lost = 0;
	/* The simulator used to drop input after sending the RESET response:
	 * a fast host's next request was lost about once in 150. */
	for (int i = 0; i < 300; i++) {
		CHECK_OK(wis_reset(dev, WIS_RESET_APP));
		uint8_t b[1] = {(uint8_t)i}, r[1];
		if (wis_call(dev, WIS_OP_PING, b, 1, r, 1, NULL, 200) < 0)
			lost++;
	}
	printf("  %d of 300 lost\n", lost);
	CHECK(lost == 0);
	wis_close(dev);
	sim_stop(&s);
}

int main(int argc, char **argv)
{
	harness_init(argc, argv);
	struct sim s;
	sim_start(&s, NULL);
	garbage(&s);
	timeout_and_stray(&s);
	close_pending(&s);
	killed(&s);
	killed_busy();
	async_killed();
	stuck_link();
	call_after_reset();
	return TEST_RESULT();
}

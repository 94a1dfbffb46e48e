/*
 * Calling back into the library from callbacks, over the pty path (termios
 * transport): a synchronous call made from an event callback (run by
 * wis_process, or by a thread that reads the link for its own synchronous
 * call) gets its answer instead of timing out, and wis_close() from inside
 * a callback closes the device once the library is back out of it instead
 * of deadlocking or freeing memory still in use; wis_close() from another
 * thread waits until the thread in wis_process() has left it.
 */
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

static int cb_rc = 1, cb_level = -1, cb_events;
static int64_t cb_took_ns;

/* An edge on IO2 makes the callback read IO2 synchronously. */
static void read_in_cb(wis_device *dev, const struct wis_event *ev, void *user)
{
	(void)user;
	if (ev->type != WIS_EV_GPIO_EDGE)
		return;
	uint8_t before[64];
	size_t n = ev->payload_len < sizeof before ? ev->payload_len : sizeof before;
	memcpy(before, ev->payload, n);
	cb_events++;
	int64_t t0 = mono_ns();
	int level = -1;
	cb_rc = wis_gpio_read(dev, "IO2", &level);
	cb_took_ns = mono_ns() - t0;
	cb_level = level;
	/* ev stays valid across the nested call */
	CHECK(memcmp(before, ev->payload, n) == 0);
	CHECK(ev->u.gpio.edge == WIS_EDGE_RISING || ev->u.gpio.edge == WIS_EDGE_FALLING);
}

static void sync_call_from_event_in_process(struct sim *s)
{
	printf("sync call from an event callback run by wis_process\n");
	wis_device *dev = open_dev(s->pty);
	CHECK_OK(wis_gpio_mode(dev, "IO1", WIS_GPIO_OUTPUT, 0));
	CHECK_OK(wis_gpio_watch(dev, "IO2", WIS_EDGE_BOTH, 0));
	wis_set_event_cb(dev, read_in_cb, NULL);
	cb_rc = 1;
	cb_events = 0;
	CHECK_OK(wis_gpio_write(dev, "IO1", 1));
	int64_t end = mono_ns() + 3000000000LL;
	while (cb_events == 0 && mono_ns() < end) {
		struct pollfd p = {wis_fd(dev), POLLIN, 0};
		poll(&p, 1, 20);
		CHECK_OK(wis_process(dev));
	}
	printf("  nested read returned %d (%s) in %.2f ms, level %d\n", cb_rc, wis_strerror(cb_rc),
	       cb_took_ns / 1e6, cb_level);
	CHECK(cb_events == 1);
	CHECK_OK(cb_rc);
	CHECK(cb_level == 1);
	CHECK(cb_took_ns < 500000000);
	CHECK_OK(wis_ping(dev));
	wis_close(dev);
}

static void sync_call_from_event_in_sync_reader(struct sim *s)
{
	printf("sync call from an event callback run by a synchronous caller\n");
	wis_device *dev = open_dev(s->pty);
	CHECK_OK(wis_gpio_mode(dev, "IO1", WIS_GPIO_OUTPUT, 0));
	CHECK_OK(wis_gpio_watch(dev, "IO2", WIS_EDGE_BOTH, 0));
	wis_set_event_cb(dev, read_in_cb, NULL);
	cb_rc = 1;
	cb_events = 0;
	/* The edge's event arrives between the write's response and the
	 * pings' responses: the pinging thread reads it and runs the callback. */
	CHECK_OK(wis_gpio_write(dev, "IO1", 1));
	for (int i = 0; i < 20 && cb_events == 0; i++)
		CHECK_OK(wis_ping(dev));
	printf("  nested read returned %d (%s) in %.2f ms\n", cb_rc, wis_strerror(cb_rc),
	       cb_took_ns / 1e6);
	CHECK(cb_events == 1);
	CHECK_OK(cb_rc);
	CHECK(cb_took_ns < 500000000);
	wis_close(dev);
}

static int closed_status = 1, later_status = 1, later_calls;
static void later_cb(wis_device *dev, int status, const uint8_t *p, size_t len, void *user)
{
	(void)dev;
	(void)p;
	(void)len;
	(void)user;
	later_status = status;
	later_calls++;
}

static void close_in_cb(wis_device *dev, int status, const uint8_t *p, size_t len, void *user)
{
	(void)p;
	(void)len;
	(void)user;
	closed_status = status;
	wis_close(dev);
	/* Calls after wis_close inside the callback are refused, not sent. */
}

static void close_from_async_callback(struct sim *s)
{
	printf("wis_close from an async completion callback inside wis_process\n");
	wis_device *dev = open_dev(s->pty);
	later_calls = 0;
	CHECK_OK(wis_call_async(dev, WIS_OP_PING, "a", 1, 0, close_in_cb, NULL));
	/* stopped module: this one is still pending when the device closes */
	CHECK_OK(wis_call_async(dev, WIS_OP_UPTIME, NULL, 0, 3000, later_cb, NULL));
	int rc = 0;
	int64_t t0 = mono_ns();
	while (rc == 0 && mono_ns() - t0 < 3000000000LL) {
		struct pollfd p = {wis_fd(dev), POLLIN, 0};
		poll(&p, 1, 20);
		rc = wis_process(dev);
	}
	/* dev is freed once wis_process returns WIS_E_CLOSED */
	printf("  wis_process returned %d (%s) after %.1f ms\n", rc, wis_strerror(rc),
	       (mono_ns() - t0) / 1e6);
	CHECK_RC(rc, WIS_E_CLOSED);
	CHECK_OK(closed_status);
	CHECK(later_calls == 1);
	CHECK(later_status == 0 || later_status == WIS_E_CANCELLED);
}

static void close_event_cb(wis_device *dev, const struct wis_event *ev, void *user)
{
	(void)ev;
	(void)user;
	cb_events++;
	wis_close(dev);
}

static void close_from_event_in_sync_call(struct sim *s)
{
	printf("wis_close from an event callback run inside a synchronous call\n");
	wis_device *dev = open_dev(s->pty);
	CHECK_OK(wis_gpio_mode(dev, "IO1", WIS_GPIO_OUTPUT, 0));
	CHECK_OK(wis_gpio_watch(dev, "IO2", WIS_EDGE_BOTH, 0));
	wis_set_event_cb(dev, close_event_cb, NULL);
	cb_events = 0;
	/* The device is freed by the call during which the callback ran (the
	 * write itself, if the edge's event came in with its response): that
	 * call returns WIS_E_CLOSED and dev must not be used again. */
	int rc = wis_gpio_write(dev, "IO1", 1), n = 0;
	CHECK(rc == 0 || rc == WIS_E_CLOSED);
	int64_t t0 = mono_ns();
	while (rc == 0 && cb_events == 0 && n < 20 && mono_ns() - t0 < 3000000000LL) {
		rc = wis_ping(dev);
		n++;
		if (rc < 0)
			break;
	}
	printf("  callback ran: %d; last ping %d (%s) after %d pings\n", cb_events, rc,
	       wis_strerror(rc), n);
	CHECK(cb_events == 1);
	CHECK(rc == WIS_E_CLOSED);
}

/* Atomics: set by the loop thread, read by the closing one. */
static atomic_int slow_in_cb, slow_done;
static _Atomic int64_t slow_cb_end;
static void slow_cb(wis_device *dev, int status, const uint8_t *p, size_t len, void *user)
{
	(void)dev;
	(void)status;
	(void)p;
	(void)len;
	(void)user;
	slow_in_cb = 1;
	usleep(150000);
	slow_cb_end = mono_ns();
	slow_done = 1;
}

static void *loop_thread(void *arg)
{
	wis_device *dev = arg;
	while (!slow_done) {
		struct pollfd p = {wis_fd(dev), POLLIN, 0};
		poll(&p, 1, 10);
		wis_process(dev);
	}
	return NULL;
}

static void close_while_process_runs(struct sim *s)
{
	printf("wis_close from another thread while wis_process runs a callback\n");
	wis_device *dev = open_dev(s->pty);
	slow_in_cb = slow_done = 0;
	/* A timeout's callback runs after the reader role is handed back. */
	kill(s->pid, SIGSTOP);
	CHECK_OK(wis_call_async(dev, WIS_OP_PING, "a", 1, 30, slow_cb, NULL));
	pthread_t th;
	pthread_create(&th, NULL, loop_thread, dev);
	while (!slow_in_cb)
		usleep(1000);
	wis_close(dev); /* must wait for the loop thread to leave wis_process */
	int64_t closed = mono_ns();
	pthread_join(th, NULL);
	kill(s->pid, SIGCONT);
	printf("  close returned %.1f ms after the callback ended\n", (closed - slow_cb_end) / 1e6);
	CHECK(closed >= slow_cb_end);
}

static void ignore_cb(wis_device *dev, int status, const uint8_t *p, size_t len, void *user)
{
	(void)dev;
	(void)status;
	(void)p;
	(void)len;
	(void)user;
}

static void close_keeps_last_error(struct sim *s)
{
	printf("wis_close cancelling async calls keeps the caller's last error\n");
	wis_device *dev = open_dev(s->pty);
	kill(s->pid, SIGSTOP);
	CHECK_OK(wis_call_async(dev, WIS_OP_PING, "a", 1, 5000, ignore_cb, NULL));
	CHECK_RC(wis_gpio_read(dev, "IO99", NULL), WIS_E_UNKNOWN_PIN);
	wis_close(dev); /* the ping completes with WIS_E_CANCELLED here */
	printf("  after close: %s\n", wis_last_error());
	CHECK(strstr(wis_last_error(), "no pin named IO99") != NULL);
	kill(s->pid, SIGCONT);
}

static int win_status = 1;
static void win_cb(wis_device *dev, int status, const uint8_t *p, size_t len, void *user)
{
	(void)dev;
	(void)p;
	(void)len;
	(void)user;
	win_status = status;
}

static void window_of_one(struct sim *s)
{
	printf("window of 1: open works, and a sync call behind an unread async one reads "
	       "for its slot\n");
	struct wis_open_options o;
	wis_open_options_init(&o);
	o.window = 1;
	wis_device *dev = NULL;
	int64_t t0 = mono_ns();
	CHECK_OK(wis_open(&dev, s->pty, &o)); /* failed: the clock's resync took the slot */
	CHECK(mono_ns() - t0 < 500000000);
	if (!dev)
		return;
	CHECK_OK(wis_call_async(dev, WIS_OP_PING, "a", 1, 0, win_cb, NULL));
	t0 = mono_ns();
	CHECK_OK(wis_ping(dev)); /* nobody runs wis_process: it must read itself */
	CHECK(mono_ns() - t0 < 500000000);
	CHECK_OK(win_status);
	wis_close(dev);
}

int main(int argc, char **argv)
{
	harness_init(argc, argv);
	struct sim s;
	sim_start(&s, "--wire", "IO1:IO2", NULL);
	sync_call_from_event_in_process(&s);
	sync_call_from_event_in_sync_reader(&s);
	close_from_async_callback(&s);
	close_from_event_in_sync_call(&s);
	close_while_process_runs(&s);
	close_keeps_last_error(&s);
	window_of_one(&s);
	sim_stop(&s);
	return TEST_RESULT();
}

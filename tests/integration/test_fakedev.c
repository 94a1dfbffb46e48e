/*
 * A misbehaving device, played by a thread on the master side of a pty pair
 * (termios transport; no simulator needed): another protocol version, a
 * HELLO refused or truncated, an inconsistent pin table, silence, and on
 * an open link garbage, corrupt frames, oversize runs, stray and mismatched
 * responses ahead of the real answer.  Each must give its clear error or
 * be counted and skipped, and never hang.  Also events whose seq goes back
 * (a restart whose RESET event never came): the clock mapping is dropped.
 * And a module reset on firmware older than HELD (UNKNOWN_OP): the quick
 * calls the old boot lost fail at once, long ones keep their timeouts.
 */
#include <poll.h>
#include <pthread.h>
#include <pty.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "frame.h"
#include "harness.h"

enum mode {
	M_GOOD,
	M_VERSION2,     /* HELLO answered with proto_version 2 */
	M_REFUSE,       /* HELLO answered with status VERSION */
	M_SHORT_HELLO,  /* HELLO answer truncated */
	M_BAD_PINS,     /* PINS answer inconsistent */
	M_SILENT,       /* never answers */
	M_NOISY,        /* garbage, corrupt, oversize and stray frames before each answer */
	M_UPTIME_SHORT, /* UPTIME answered with 7 of its 8 bytes */
	M_UPTIME_LONG,  /* UPTIME answered with 9 bytes */
	M_OLD_FLASH,    /* no FLASH_STREAM (older firmware): UNKNOWN_OP */
	M_GAPPY_STREAM, /* FLASH_STREAM's second part never sent (lost on the link) */
	M_WILD_STREAM,  /* a FLASH_STREAM part outside the range asked for */
	M_LOSE,         /* takes requests and never answers them (then "resets") */
};

/* The fake's flash: 1 MiB whose byte at a is flash_byte(a). */
static uint8_t flash_byte(uint32_t a)
{
	return (uint8_t)(a ^ (a >> 8) ^ 0x5a);
}

static int master = -1;
static volatile enum mode mode;
static volatile int stop;

static void send_frame(uint8_t type, uint16_t id, uint16_t op, uint8_t status, const uint8_t *p,
                       size_t n)
{
	uint8_t buf[WIS_MAX_ENCODED + 1];
	struct wis_hdr h = {WIS_PROTO_VERSION, type, id, op, status, 0};
	size_t len = wis__frame_encode(buf, sizeof buf, &h, p, n);
	if (write(master, buf, len) != (ssize_t)len)
		perror("fake device write");
}

static void answer_hello(uint16_t id)
{
	uint8_t r[64];
	struct wis_wr w = wis_wr_init(r, sizeof r);
	wis_wr_u8(&w, mode == M_VERSION2 ? 2 : WIS_PROTO_VERSION);
	wis_wr_u8(&w, 8);
	wis_wr_u16(&w, 1024);
	wis_wr_u32(&w, WIS_CAP_GPIO);
	wis_wr_bytes(&w, "\1\2\3\4\5\6\7\10", 8);
	wis_wr_str(&w, "fake");
	wis_wr_str(&w, "RAK4631");
	wis_wr_u8(&w, 1);
	wis_wr_u8(&w, WIS_CAUSE_FAULT); /* the boot after a HardFault at 0x26abc */
	wis_wr_u8(&w, 3);
	wis_wr_u32(&w, 0x26abc);
	wis_wr_u32(&w, 0x26a01);
	wis_wr_u32(&w, 0x8200);
	if (mode == M_REFUSE) {
		uint8_t d[] = "\x1chost version 1 not supported";
		send_frame(WIS_MSG_RESPONSE, id, WIS_OP_HELLO, WIS_ST_VERSION, d, sizeof d - 1);
		return;
	}
	send_frame(WIS_MSG_RESPONSE, id, WIS_OP_HELLO, 0, r, mode == M_SHORT_HELLO ? 6 : w.len);
}

static void noise(uint16_t id, uint16_t op)
{
	static const uint8_t junk[] = {0x13, 0x37, 0xff, 0x00, 0x05, 0x01, 0x02, 0x00, 0x02, 0x00};
	if (write(master, junk, sizeof junk) < 0)
		perror("junk");
	/* a frame with a bad CRC */
	uint8_t buf[WIS_MAX_ENCODED + 1];
	struct wis_hdr h = {WIS_PROTO_VERSION, WIS_MSG_RESPONSE, id, op, 0, 0};
	size_t len = wis__frame_encode(buf, sizeof buf, &h, (const uint8_t *)"zzzz", 4);
	uint8_t *z = memchr(buf, 'z', len);
	if (z)
		*z = 'y';
	if (write(master, buf, len) < 0)
		perror("crc");
	/* a zero-free run longer than any frame */
	static uint8_t run[WIS_MAX_ENCODED + 100];
	memset(run, 0x41, sizeof run);
	if (write(master, run, sizeof run) < 0)
		perror("run");
	/* an answer to nobody, and one for our id with the wrong opcode */
	send_frame(WIS_MSG_RESPONSE, (uint16_t)(id + 1000), op, 0, NULL, 0);
	send_frame(WIS_MSG_RESPONSE, id, (uint16_t)(op ^ 0x0100), 0, NULL, 0);
	/* an event too short for its prefix */
	send_frame(WIS_MSG_EVENT, 0, WIS_EV_GPIO_EDGE, 0, (const uint8_t *)"\1\2", 2);
}

/* FLASH_STREAM's parts (flag MORE) and its final answer, as M_* says. */
static void stream_parts(uint16_t id, const uint8_t *p, size_t n)
{
	struct wis_rd r = wis_rd_init(p, n);
	uint32_t a = wis_rd_u32(&r), len = wis_rd_u32(&r);
	uint8_t buf[WIS_MAX_ENCODED + 1], d[WIS_MAX_PAYLOAD];
	for (uint32_t off = 0, k = 0; off < len; k++) {
		uint32_t m = len - off < WIS_FLASH_STREAM_DATA ? len - off : WIS_FLASH_STREAM_DATA;
		uint32_t at = mode == M_WILD_STREAM && k == 1 ? a + len : a + off;
		struct wis_wr w = wis_wr_init(d, sizeof d);
		wis_wr_u32(&w, at);
		for (uint32_t i = 0; i < m; i++)
			d[4 + i] = flash_byte(at + i);
		struct wis_hdr h = {WIS_PROTO_VERSION, WIS_MSG_RESPONSE, id, WIS_OP_FLASH_STREAM, 0,
		                    WIS_FLAG_MORE};
		size_t e = wis__frame_encode(buf, sizeof buf, &h, d, 4 + m);
		if (!(mode == M_GAPPY_STREAM && k == 1) && write(master, buf, e) != (ssize_t)e)
			return;
		off += m;
	}
	send_frame(WIS_MSG_RESPONSE, id, WIS_OP_FLASH_STREAM, 0, NULL, 0);
}

static void on_request(void *user, const struct wis_hdr *h, const uint8_t *p, size_t n)
{
	(void)user;
	if (mode == M_SILENT || mode == M_LOSE || h->type != WIS_MSG_REQUEST)
		return;
	if (mode == M_NOISY)
		noise(h->id, h->opcode);
	switch (h->opcode) {
	case WIS_OP_HELLO:
		answer_hello(h->id);
		break;
	case WIS_OP_PINS: {
		uint8_t r[32];
		struct wis_wr w = wis_wr_init(r, sizeof r);
		wis_wr_u8(&w, 1);                          /* total */
		wis_wr_u8(&w, mode == M_BAD_PINS ? 5 : 0); /* first */
		wis_wr_u8(&w, 1);
		wis_wr_u8(&w, 29); /* connector */
		wis_wr_u8(&w, 8);  /* pad */
		wis_wr_u8(&w, WIS_PIN_IO);
		wis_wr_u8(&w, WIS_NRF(0, 17));
		wis_wr_u8(&w, WIS_AIN_NONE);
		wis_wr_u16(&w, WIS_FN_GPIO);
		wis_wr_str(&w, "IO1");
		wis_wr_str(&w, "UART2_DE");
		send_frame(WIS_MSG_RESPONSE, h->id, h->opcode, 0, r, w.len);
		break;
	}
	case WIS_OP_UPTIME: {
		uint8_t r[9] = {0};
		struct wis_wr w = wis_wr_init(r, sizeof r);
		wis_wr_u64(&w, (uint64_t)(mono_ns() / 1000));
		size_t len = mode == M_UPTIME_SHORT ? 7 : mode == M_UPTIME_LONG ? 9 : w.len;
		send_frame(WIS_MSG_RESPONSE, h->id, h->opcode, 0, r, len);
		break;
	}
	case WIS_OP_PING:
		send_frame(WIS_MSG_RESPONSE, h->id, h->opcode, 0, p, n);
		break;
	case WIS_OP_STATS: {
		uint8_t r[48] = {0};
		send_frame(WIS_MSG_RESPONSE, h->id, h->opcode, 0, r, sizeof r);
		break;
	}
	case WIS_OP_FLASH_INFO: {
		uint8_t r[32];
		struct wis_wr w = wis_wr_init(r, sizeof r);
		wis_wr_u8(&w, WIS_FLASH_STORE_EXTERNAL);
		wis_wr_bytes(&w, (const uint8_t[]){0x9d, 0x60, 0x14}, 3);
		wis_wr_u32(&w, 1u << 20);
		wis_wr_u32(&w, 4096);
		wis_wr_u32(&w, 256);
		wis_wr_str(&w, "fake");
		send_frame(WIS_MSG_RESPONSE, h->id, h->opcode, 0, r, w.len);
		break;
	}
	case WIS_OP_FLASH_READ: {
		struct wis_rd r = wis_rd_init(p, n);
		uint32_t a = wis_rd_u32(&r), len = wis_rd_u16(&r);
		uint8_t d[WIS_FLASH_READ_MAX];
		for (uint32_t i = 0; i < len && i < sizeof d; i++)
			d[i] = flash_byte(a + i);
		send_frame(WIS_MSG_RESPONSE, h->id, h->opcode, 0, d, len);
		break;
	}
	case WIS_OP_FLASH_STREAM:
		if (mode == M_OLD_FLASH)
			send_frame(WIS_MSG_RESPONSE, h->id, h->opcode, WIS_ST_UNKNOWN_OP, NULL, 0);
		else
			stream_parts(h->id, p, n);
		break;
	default:
		send_frame(WIS_MSG_RESPONSE, h->id, h->opcode, WIS_ST_UNKNOWN_OP, NULL, 0);
	}
}

static void *device_thread(void *arg)
{
	(void)arg;
	static struct wis_deframer d;
	wis__deframer_init(&d);
	uint8_t buf[4096];
	while (!stop) {
		struct pollfd p = {master, POLLIN, 0};
		if (poll(&p, 1, 50) <= 0)
			continue;
		ssize_t r = read(master, buf, sizeof buf);
		if (r <= 0) {
			usleep(10000); /* slave closed between opens: EIO until reopened */
			continue;
		}
		wis__deframer_feed(&d, buf, (size_t)r, on_request, NULL);
	}
	return NULL;
}

static struct wis_event evs[8];
static int nev;
static void on_event(wis_device *dev, const struct wis_event *ev, void *user)
{
	(void)dev;
	(void)user;
	if (nev < 8)
		evs[nev++] = *ev;
}

/* A GPIO_EDGE event on IO1 with this seq and device time. */
static void send_edge(uint32_t seq, uint64_t t_us)
{
	uint8_t p[WIS_EV_PREFIX_LEN + 3];
	struct wis_wr w = wis_wr_init(p, sizeof p);
	wis_wr_u32(&w, seq);
	wis_wr_u64(&w, t_us);
	wis_wr_u8(&w, WIS_NRF(0, 17));
	wis_wr_u8(&w, 1);
	wis_wr_u8(&w, WIS_EDGE_RISING);
	send_frame(WIS_MSG_EVENT, 0, WIS_EV_GPIO_EDGE, 0, p, w.len);
}

static void pump_events(wis_device *dev, int n)
{
	int64_t end = mono_ns() + 2000000000LL;
	while (nev < n && mono_ns() < end) {
		struct pollfd p = {wis_fd(dev), POLLIN, 0};
		poll(&p, 1, 10);
		CHECK_OK(wis_process(dev));
	}
}

static int try_open(const char *path, enum mode m, wis_device **dev, int no_hello)
{
	mode = m;
	struct wis_open_options o;
	wis_open_options_init(&o);
	o.timeout_ms = 300;
	o.no_hello = no_hello;
	int64_t t0 = mono_ns();
	int rc = wis_open(dev, path, &o);
	int64_t ms = (mono_ns() - t0) / 1000000;
	printf("  mode %d: %s (%lld ms): %s\n", (int)m, wis_strerror(rc), (long long)ms,
	       wis_last_error());
	CHECK(ms < 2000);
	return rc;
}

/* The RESET event of a new boot (seq 0). */
static void send_reset_event(void)
{
	uint8_t p[WIS_EV_PREFIX_LEN + 1];
	struct wis_wr w = wis_wr_init(p, sizeof p);
	wis_wr_u32(&w, 0);
	wis_wr_u64(&w, 1000);
	wis_wr_u8(&w, WIS_CAUSE_PIN);
	send_frame(WIS_MSG_EVENT, 0, WIS_EV_RESET, 0, p, w.len);
}

static int lost_st[4], nlost;
static int64_t lost_ns[4];
static void lost_cb(wis_device *dev, int st, const uint8_t *p, size_t len, void *user)
{
	(void)dev, (void)p, (void)len;
	lost_st[(intptr_t)user] = st;
	lost_ns[(intptr_t)user] = mono_ns();
	nlost++;
}

/* Firmware without HELD answers the barrier UNKNOWN_OP (the fake's default):
 * quick calls the old boot lost fail at once with WIS_E_RESET, a DELAY
 * (long: the new boot might have it) waits for its timeout. */
static void reset_on_old_firmware(const char *path)
{
	wis_device *dev = NULL;
	CHECK_OK(try_open(path, M_GOOD, &dev, 0));
	if (!dev)
		return;
	mode = M_LOSE;
	for (intptr_t i = 0; i < 3; i++)
		CHECK_OK(wis_call_async(dev, WIS_OP_PING, NULL, 0, 3000, lost_cb, (void *)i));
	uint8_t delay[4] = {0x10, 0x27, 0, 0}; /* 10 ms */
	CHECK_OK(wis_call_async(dev, WIS_OP_DELAY, delay, 4, 1500, lost_cb, (void *)3));
	usleep(100000); /* taken and dropped by the fake */
	mode = M_GOOD;
	int64_t t0 = mono_ns();
	send_reset_event();
	while (nlost < 3 && mono_ns() - t0 < 2000000000LL) {
		struct pollfd p = {wis_fd(dev), POLLIN, 0};
		poll(&p, 1, 10);
		CHECK_OK(wis_process(dev));
	}
	for (int i = 0; i < 3; i++)
		CHECK(lost_st[i] == WIS_E_RESET && lost_ns[i] - t0 < 1000000000LL);
	CHECK(nlost == 3 && lost_st[3] == 0); /* the DELAY still waits */
	while (nlost < 4 && mono_ns() - t0 < 3000000000LL) {
		struct pollfd p = {wis_fd(dev), POLLIN, 0};
		poll(&p, 1, 10);
		CHECK_OK(wis_process(dev));
	}
	CHECK(lost_st[3] == WIS_E_TIMEOUT);
	printf("  3 PINGs failed RESET within %.1f ms; the DELAY: %s after %.0f ms\n",
	       (lost_ns[2] - t0) / 1e6, wis_strerror(lost_st[3]), (lost_ns[3] - t0) / 1e6);
	CHECK_OK(wis_ping(dev));
	wis_close(dev);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	int slave;
	char name[128];
	if (openpty(&master, &slave, name, NULL, NULL) < 0) {
		perror("openpty");
		return 1;
	}
	struct termios t;
	tcgetattr(master, &t);
	cfmakeraw(&t);
	tcsetattr(master, TCSANOW, &t);
	pthread_t th;
	pthread_create(&th, NULL, device_thread, NULL);
	wis_device *dev = NULL;

	printf("a well-behaved fake opens\n");
	CHECK_OK(try_open(name, M_GOOD, &dev, 0));
	if (dev) {
		CHECK(strcmp(wis_get_info(dev)->fw_version, "fake") == 0);
		/* where the module faulted before this boot */
		const struct wis_info *in = wis_get_info(dev);
		CHECK(in->reset_cause == WIS_CAUSE_FAULT && in->fault.kind == 3);
		CHECK(in->fault.pc == 0x26abc && in->fault.lr == 0x26a01 &&
		      in->fault.cfsr == 0x8200);
		size_t n;
		wis_get_pins(dev, &n);
		CHECK(n == 1);
		CHECK_RC(wis_gpio_read(dev, "LED1", NULL),
		         WIS_E_UNKNOWN_PIN); /* not in its table */
		CHECK(strstr(wis_last_error(), "pins are IO1"));
		wis_close(dev);
	}

	printf("a response shorter or longer than its fields is a protocol error that names "
	       "the opcode and field\n");
	CHECK_OK(try_open(name, M_GOOD, &dev, 0));
	if (dev) {
		uint64_t us = 0;
		CHECK_OK(wis_uptime(dev, &us));
		CHECK(us > 0);
		mode = M_UPTIME_SHORT;
		CHECK_RC(wis_uptime(dev, &us), WIS_E_PROTO);
		CHECK(strstr(wis_last_error(), "UPTIME response of 7 bytes ends inside uptime_us"));
		mode = M_UPTIME_LONG;
		CHECK_RC(wis_uptime(dev, &us), WIS_E_PROTO);
		CHECK(
		    strstr(wis_last_error(), "UPTIME response has 9 bytes: more than its fields"));
		mode = M_GOOD; /* the link itself is fine: the next call works */
		CHECK_OK(wis_uptime(dev, &us));
		wis_close(dev);
	}

	printf("flash reads: streamed, a lost part read again, older firmware without "
	       "FLASH_STREAM, a part outside the range\n");
	CHECK_OK(try_open(name, M_GOOD, &dev, 0));
	if (dev) {
		static uint8_t b[5000];
		enum mode modes[] = {M_GOOD, M_GAPPY_STREAM, M_OLD_FLASH};
		for (size_t k = 0; k < sizeof modes / sizeof modes[0]; k++) {
			mode = modes[k];
			memset(b, 0, sizeof b);
			CHECK_OK(wis_flash_read(dev, 777, b, sizeof b, NULL, NULL));
			bool same = true;
			for (uint32_t i = 0; i < sizeof b; i++)
				same &= b[i] == flash_byte(777 + i);
			CHECK(same);
		}
		mode = M_WILD_STREAM;
		CHECK_RC(wis_flash_read(dev, 777, b, sizeof b, NULL, NULL), WIS_E_PROTO);
		CHECK(strstr(wis_last_error(), "outside the range"));
		mode = M_GOOD; /* the stream's final answer came: the link goes on */
		CHECK_OK(wis_flash_read(dev, 0, b, sizeof b, NULL, NULL));
		CHECK(b[4999] == flash_byte(4999));
		wis_close(dev);
	}

	printf("an empty device path is refused at once\n");
	CHECK_RC(wis_open(&dev, "", NULL), WIS_E_INVAL);
	CHECK(strstr(wis_last_error(), "empty device path"));

	printf("events: seq going back (a restart whose RESET event was lost) drops the "
	       "clock mapping\n");
	CHECK_OK(try_open(name, M_GOOD, &dev, 0));
	if (dev) {
		wis_set_event_cb(dev, on_event, NULL);
		send_edge(5, (uint64_t)(mono_ns() / 1000));
		pump_events(dev, 1);
		CHECK(nev == 1 && evs[0].seq == 5 && evs[0].error_us < 100000);
		send_edge(6, (uint64_t)(mono_ns() / 1000));
		send_edge(1, 2000); /* the module restarted 2 ms ago */
		pump_events(dev, 3);
		CHECK(nev == 3 && evs[1].error_us < 100000 && evs[1].lost == 0);
		CHECK(evs[2].seq == 1 && evs[2].lost == 0);
		CHECK(evs[2].error_us == UINT32_MAX && evs[2].monotonic.tv_sec == 0);
		wis_close(dev);
	}

	printf("events: the same seq again (a restart that sent as many events before "
	       "this one) drops the clock mapping too\n");
	nev = 0;
	CHECK_OK(try_open(name, M_GOOD, &dev, 0));
	if (dev) {
		wis_set_event_cb(dev, on_event, NULL);
		send_edge(9, (uint64_t)(mono_ns() / 1000));
		send_edge(9, (uint64_t)(mono_ns() / 1000));
		pump_events(dev, 2);
		CHECK(nev == 2 && evs[0].error_us < 100000 && evs[1].seq == 9);
		CHECK(evs[1].error_us == UINT32_MAX && evs[1].monotonic.tv_sec == 0);
		CHECK(evs[1].lost == 0);
		wis_close(dev);
	}

	printf("clock: the error bound grows by exactly 50 ppm of the age\n");
	CHECK_OK(try_open(name, M_GOOD, &dev, 0));
	if (dev) {
		/* The fake's clock is the host's monotonic clock in µs, so the
		 * sync point lies between the open and now.  Both timestamps of
		 * a pair lie on the same side of it, so their bounds differ by
		 * the drift over their distance alone: 10 s -> 500 µs, 1 s ->
		 * 50 µs, whatever the round trip was.  No call runs between
		 * the conversions, so the mapping cannot be resampled. */
		uint64_t now_us = (uint64_t)(mono_ns() / 1000);
		uint32_t e[6];
		struct timespec m[6];
		const uint64_t at[6] = {now_us + 1000000,  now_us + 11000000, now_us + 12000000,
		                        now_us - 20000000, now_us - 30000000, now_us - 31000000};
		for (int i = 0; i < 6; i++)
			wis_device_time_to_host(dev, at[i], NULL, &m[i], &e[i]);
		printf("  bounds %u %u %u / %u %u %u us\n", e[0], e[1], e[2], e[3], e[4], e[5]);
		CHECK(e[0] < 100000);
		CHECK(e[1] - e[0] == 500 && e[2] - e[1] == 50);
		CHECK(e[4] - e[3] == 500 && e[5] - e[4] == 50);
		/* and the mapping itself runs at the device's rate */
		int64_t d_ns =
		    (m[1].tv_sec - m[0].tv_sec) * 1000000000LL + (m[1].tv_nsec - m[0].tv_nsec);
		CHECK(d_ns == 10000000000LL);
		wis_close(dev);
	}

	printf("clock: a time out of the mapping's range is unmappable, not nonsense\n");
	nev = 0;
	CHECK_OK(try_open(name, M_GOOD, &dev, 0));
	if (dev) {
		/* The sync point is near now_us (see above).  UINT64_MAX used
		 * to map to "now" with a tiny bound, and now + 2^62 µs to
		 * overflow a signed multiply (UBSan stops the sanitizer build). */
		uint64_t now_us = (uint64_t)(mono_ns() / 1000);
		const uint64_t bad[] = {UINT64_MAX, now_us + (UINT64_C(1) << 62),
		                        now_us + WIS_CLOCK_SPAN_US + 10000000};
		for (int i = 0; i < 3; i++) {
			struct timespec rt = {1, 1}, mt = {1, 1};
			uint32_t e = 0;
			CHECK_RC(wis_device_time_to_host(dev, bad[i], &rt, &mt, &e),
			         WIS_E_UNMAPPABLE);
			CHECK(e == UINT32_MAX && mt.tv_sec == 0 && mt.tv_nsec == 0 &&
			      rt.tv_sec == 0);
		}
		CHECK(strcmp(wis_strerror(WIS_E_UNMAPPABLE),
		             "device time cannot be mapped to host time") == 0);
		/* Just inside the span: mapped, 2^46 µs ahead, with the drift
		 * of that age in its bound; the module's boot instant too. */
		struct timespec m0, m1;
		uint32_t e0, e1;
		uint64_t near_end = now_us + WIS_CLOCK_SPAN_US - 10000000;
		CHECK_OK(wis_device_time_to_host(dev, now_us, NULL, &m0, &e0));
		CHECK_OK(wis_device_time_to_host(dev, near_end, NULL, &m1, &e1));
		int64_t d_ns = (m1.tv_sec - m0.tv_sec) * 1000000000LL + (m1.tv_nsec - m0.tv_nsec);
		CHECK(d_ns == (int64_t)(near_end - now_us) * 1000);
		int64_t drift = (int64_t)((near_end - now_us) * 50 / 1000000);
		CHECK(e1 - e0 >= drift && e1 - e0 <= drift + 1);
		CHECK_OK(wis_device_time_to_host(dev, 0, NULL, NULL, NULL));
		/* An event stamped out of range carries no host time. */
		wis_set_event_cb(dev, on_event, NULL);
		send_edge(20, UINT64_MAX);
		send_edge(21, (uint64_t)(mono_ns() / 1000));
		pump_events(dev, 2);
		CHECK(nev == 2 && evs[0].error_us == UINT32_MAX && evs[0].monotonic.tv_sec == 0);
		CHECK(evs[1].error_us < 100000);
		wis_close(dev);
	}

	printf("a module reset on firmware older than HELD: quick calls fail RESET, long ones "
	       "keep their timeouts\n");
	reset_on_old_firmware(name);

	printf("opens that must fail clearly\n");
	CHECK_RC(try_open(name, M_VERSION2, &dev, 0), WIS_E_VERSION);
	CHECK(strstr(wis_last_error(), "protocol version 2"));
	CHECK_RC(try_open(name, M_REFUSE, &dev, 0), WIS_E_VERSION);
	CHECK(strstr(wis_last_error(), "not supported"));
	CHECK_RC(try_open(name, M_SHORT_HELLO, &dev, 0), WIS_E_PROTO);
	CHECK(strstr(wis_last_error(), "truncated"));
	CHECK_RC(try_open(name, M_BAD_PINS, &dev, 0), WIS_E_PROTO);
	CHECK(strstr(wis_last_error(), "PINS"));
	CHECK_RC(try_open(name, M_SILENT, &dev, 0), WIS_E_TIMEOUT);
	CHECK(strstr(wis_last_error(), "wisrpc companion firmware"));
	CHECK(dev == NULL);

	printf("a noisy link: everything bad is counted and skipped\n");
	CHECK_OK(try_open(name, M_NOISY, &dev, 0));
	if (dev) {
		for (int i = 0; i < 10; i++)
			CHECK_OK(wis_ping(dev));
		struct wis_stats st;
		CHECK_OK(wis_stats(dev, &st));
		printf("  host counted: frames %u crc %u cobs %u oversize %u runts %u dropped %u "
		       "stray %u\n",
		       st.host_rx_frames, st.host_rx_crc_errors, st.host_rx_cobs_errors,
		       st.host_rx_oversize, st.host_rx_runts, st.host_rx_bytes_dropped,
		       st.host_stray_responses);
		/* HELLO, PINS, 8 UPTIME, 10 PING, STATS: 21 noisy answers */
		CHECK(st.host_rx_crc_errors >= 21);
		CHECK(st.host_rx_oversize >= 21);
		CHECK(st.host_rx_cobs_errors + st.host_rx_runts >= 21);
		CHECK(st.host_stray_responses >= 3 * 21);
		CHECK(st.host_rx_bytes_dropped >= 21 * WIS_MAX_ENCODED);
		wis_close(dev);
	}
	stop = 1;
	pthread_join(th, NULL);
	close(slave);
	close(master);
	return TEST_RESULT();
}

/*
 * Opening: by the pty path (termios transport), by the --link symlink
 * (termios), over tcp:// (TCP transport); HELLO info, the pin table, ping,
 * uptime, stats; bad paths (a directory, TCP ports out of range), a pty
 * nobody answers on and one that answers garbage (both time out with a
 * message saying which), and discovery with no USB module present.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

static void basic_checks(wis_device *dev)
{
	const struct wis_info *in = wis_get_info(dev);
	CHECK(in != NULL);
	CHECK(in->proto_version == WIS_PROTO_VERSION);
	CHECK(strcmp(in->board, "RAK4631") == 0);
	CHECK(in->fw_version[0] != 0);
	CHECK(strlen(in->device_id_hex) == 16);
	CHECK(in->window >= WIS_MIN_WINDOW);
	CHECK(in->max_payload >= 1024);
	CHECK(in->caps & WIS_CAP_GPIO);
	CHECK(in->caps & WIS_CAP_SIMULATED);
	size_t n = 0;
	const struct wis_pin_def *pins = wis_get_pins(dev, &n);
	size_t bn;
	wis_pins_rak4631(&bn);
	CHECK(pins && n == bn);
	/* PINS carries every field, pad numbers and pad names included. */
	const struct wis_pin_def *b = wis_pins_rak4631(&bn);
	for (size_t i = 0; pins && i < n && i < bn; i++) {
		CHECK(strcmp(pins[i].name, b[i].name) == 0);
		CHECK(pins[i].connector == b[i].connector && pins[i].pad == b[i].pad);
		CHECK(pins[i].kind == b[i].kind && pins[i].nrf == b[i].nrf);
		CHECK(pins[i].ain == b[i].ain && pins[i].funcs == b[i].funcs);
		CHECK(!pins[i].pad_name == !b[i].pad_name);
		CHECK(!b[i].pad_name || strcmp(pins[i].pad_name, b[i].pad_name) == 0);
	}
	/* The core-module pad names are aliases in the device's table too. */
	CHECK(wis_pin_resolve(dev, "SW2", WIS_FN_GPIO) == WIS_NRF(1, 2));
	CHECK(wis_pin_resolve(dev, "qspi_dio3", WIS_FN_ADC) == WIS_NRF(0, 2));
	CHECK(wis_pin_resolve(dev, "UART2_DE", WIS_FN_GPIO) == WIS_NRF(0, 17));
	CHECK(wis_pin_resolve(dev, "RF_LoRa", WIS_FN_GPIO) == WIS_E_NOT_IO);
	CHECK(strstr(wis_last_error(), "radio pin"));
	CHECK(wis_pin_resolve(dev, "led1", WIS_FN_GPIO) == WIS_NRF(1, 3));
	CHECK(wis_pin_resolve(dev, "P0.17", WIS_FN_GPIO) == WIS_NRF(0, 17));
	CHECK(wis_pin_name(dev, WIS_NRF(1, 1)) &&
	      strcmp(wis_pin_name(dev, WIS_NRF(1, 1)), "SW1") == 0);
	CHECK_OK(wis_ping(dev));
	uint64_t up1 = 0, up2 = 0;
	CHECK_OK(wis_uptime(dev, &up1));
	usleep(2000);
	CHECK_OK(wis_uptime(dev, &up2));
	CHECK(up2 > up1 && up2 - up1 >= 2000);
	struct wis_stats st;
	CHECK_OK(wis_stats(dev, &st));
	CHECK(st.rx_frames >= 10); /* HELLO, PINS, 8 x UPTIME, ... */
	CHECK(st.host_rx_frames >= 10);
	CHECK(st.rx_crc_errors == 0 && st.host_rx_crc_errors == 0);
	/* The clock is synchronised at open. */
	struct timespec rt, mt;
	uint32_t err;
	wis_device_time_to_host(dev, up2, &rt, &mt, &err);
	CHECK(err < 20000);
	int64_t d = ts_ns(&mt) - mono_ns();
	CHECK(d < 50000000 && d > -50000000);
}

/* Answers every byte written to the pty with that byte XOR 0x5a: no 0x00
 * ever comes back, so nothing is a frame (a module running other
 * firmware, or a console echoing). */
static void *garbage_echo(void *arg)
{
	int m = *(int *)arg;
	uint8_t b[256];
	for (int idle = 0; idle < 400;) {
		struct pollfd p = {m, POLLIN, 0};
		if (poll(&p, 1, 2000) <= 0)
			return NULL;
		ssize_t r = read(m, b, sizeof b);
		if (r < 0 && errno == EIO) {
			/* No slave open yet (the last open closed it, the next has
			 * not begun): wait for it rather than end, or the next
			 * open hears nothing, a plain timeout. */
			usleep(5000);
			idle++;
			continue;
		}
		if (r <= 0)
			return NULL;
		for (ssize_t i = 0; i < r; i++)
			b[i] ^= 0x5a;
		if (write(m, b, (size_t)r) != r)
			return NULL;
	}
	return NULL;
}

static void silent_and_garbage_ptys(void)
{
	printf("a pty nobody answers on, and one that answers garbage: clear timeouts\n");
	int m = posix_openpt(O_RDWR | O_NOCTTY);
	char name[64];
	CHECK(m >= 0 && grantpt(m) == 0 && unlockpt(m) == 0 &&
	      ptsname_r(m, name, sizeof name) == 0);
	if (m < 0)
		return;
	struct wis_open_options o;
	wis_open_options_init(&o);
	o.timeout_ms = 200;
	wis_device *dev = NULL;
	int64_t t0 = mono_ns();
	CHECK_RC(wis_open(&dev, name, &o), WIS_E_TIMEOUT);
	CHECK(mono_ns() - t0 < 1000000000LL);
	CHECK(strstr(wis_last_error(), "no answer to HELLO") &&
	      strstr(wis_last_error(), "companion firmware"));
	pthread_t th;
	pthread_create(&th, NULL, garbage_echo, &m);
	/* Room for the echo thread to be scheduled on a loaded machine (at
	 * 200 ms it sometimes echoed nothing in time: a plain timeout). */
	o.timeout_ms = 500;
	t0 = mono_ns();
	CHECK_RC(wis_open(&dev, name, &o), WIS_E_TIMEOUT);
	CHECK(mono_ns() - t0 < 1000000000LL);
	printf("  %s\n", wis_last_error());
	CHECK(strstr(wis_last_error(), "not wisrpc frames"));
	close(m); /* the echo thread's read fails and it returns */
	pthread_join(th, NULL);
}

int main(int argc, char **argv)
{
	harness_init(argc, argv);
	struct sim s;
	sim_start(&s, "--id", "0123456789abcdef", NULL);

	printf("open by pty path %s (termios transport)\n", s.pty);
	wis_device *dev = open_dev(s.pty);
	basic_checks(dev);
	CHECK(strcmp(wis_get_info(dev)->device_id_hex, "0123456789abcdef") == 0);
	CHECK(strcmp(wis_path(dev), s.pty) == 0);
	wis_close(dev);

	printf("open by --link path %s (termios transport)\n", s.link);
	dev = open_dev(s.link);
	basic_checks(dev);
	/* The same device may be reopened after close. */
	wis_close(dev);
	dev = open_dev(s.link);
	CHECK_OK(wis_ping(dev));
	printf("a second open of a port in use is refused at once\n");
	wis_device *second = NULL;
	CHECK_RC(wis_open(&second, s.pty, NULL), WIS_E_IN_USE);
	CHECK(second == NULL);
	CHECK(strstr(wis_last_error(), "in use by another program") != NULL);
	CHECK(strcmp(wis_strerror(WIS_E_IN_USE), "port in use by another program") == 0);
	CHECK_OK(wis_ping(dev)); /* the first is undisturbed */
	wis_close(dev);
	sim_stop(&s);

	printf("open over TCP (tcp transport)\n");
	sim_start(&s, "--tcp", "0", NULL);
	CHECK(s.tcp_port > 0);
	char url[64];
	snprintf(url, sizeof url, "tcp://127.0.0.1:%d", s.tcp_port);
	dev = open_dev(url);
	basic_checks(dev);
	printf("TCP peer killed: the next call fails at once\n");
	kill(s.pid, SIGKILL);
	int64_t t0 = mono_ns();
	CHECK_RC(wis_ping(dev), WIS_E_DISCONNECTED);
	CHECK(mono_ns() - t0 < 500000000);
	CHECK_RC(wis_ping(dev), WIS_E_DISCONNECTED);
	wis_close(dev);
	sim_stop(&s);

	printf("bad paths\n");
	wis_device *bad = NULL;
	CHECK_RC(wis_open(&bad, "/nonexistent/tty", NULL), WIS_E_NOT_FOUND);
	CHECK(bad == NULL && strstr(wis_last_error(), "/nonexistent/tty"));
	CHECK_RC(wis_open(&bad, "/dev/null", NULL), WIS_E_INVAL);
	CHECK(strstr(wis_last_error(), "not a serial port"));
	CHECK_RC(wis_open(&bad, "tcp://127.0.0.1", NULL), WIS_E_INVAL);
	CHECK_RC(wis_open(&bad, "tcp://127.0.0.1:1", NULL), WIS_E_NOT_FOUND);
	CHECK_RC(wis_open(NULL, "/dev/null", NULL), WIS_E_INVAL);
	struct wis_open_options o;
	wis_open_options_init(&o);
	o.window = 0;
	CHECK_RC(wis_open(&bad, "/dev/null", &o), WIS_E_INVAL);

	CHECK_RC(wis_open(&bad, "/tmp", NULL), WIS_E_INVAL);
	CHECK(strstr(wis_last_error(), "is a directory"));
	/* getaddrinfo would take these and connect to port & 0xffff */
	CHECK_RC(wis_open(&bad, "tcp://127.0.0.1:0", NULL), WIS_E_INVAL);
	CHECK_RC(wis_open(&bad, "tcp://127.0.0.1:99999", NULL), WIS_E_INVAL);
	CHECK(strstr(wis_last_error(), "out of range 1..65535"));
	CHECK_RC(wis_open(&bad, "tcp://127.0.0.1:65536", NULL), WIS_E_INVAL);
	CHECK_RC(wis_open(&bad, "tcp://[::1]", NULL), WIS_E_INVAL);
	silent_and_garbage_ptys();

	printf("discovery (no USB module on this machine)\n");
	struct wis_found found[4];
	int n = wis_discover(found, 4, NULL);
	CHECK(n == 0);
	CHECK_RC(wis_open(&bad, "auto", NULL), WIS_E_NOT_FOUND);
	CHECK(strstr(wis_last_error(), "239a:8029"));
	CHECK_RC(wis_open(&bad, NULL, NULL), WIS_E_NOT_FOUND);
	wis_close(NULL);
	return TEST_RESULT();
}

/*
 * Radio benchmark (not a test): two wisrpc-sim on one medium.  Latency
 * from the send call on A (wis_radio_send_async) to B's RX event callback
 * on the host, minus the computed time on air, for SF7/BW125 and
 * SF12/BW125 (TCXO kept on: idle_xosc); then packets per second A can
 * send back to back at SF7/BW500 (B receiving them all).
 * Usage: radio_bench PATH_TO_WISRPC_SIM [SAMPLES]; see docs/benchmarks.md.
 */
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

static wis_device *A, *B;
static int64_t rx_ns;
static int rx_count;
static int sent_status = 1;

static void on_b(wis_device *dev, const struct wis_event *ev, void *user)
{
	(void)dev, (void)user;
	if (ev->type == WIS_EV_RADIO_RX) {
		rx_ns = mono_ns();
		rx_count++;
	}
}

static void on_sent(wis_device *dev, int status, const uint8_t *p, size_t len, void *user)
{
	(void)dev, (void)p, (void)len, (void)user;
	sent_status = status;
}

static void pump_both(int ms)
{
	struct pollfd p[2] = {{wis_fd(A), POLLIN, 0}, {wis_fd(B), POLLIN, 0}};
	poll(p, 2, ms);
	wis_process(A);
	wis_process(B);
}

static void configure(unsigned sf, uint32_t bw)
{
	wis_radio_config *c = wis_radio_config_new();
	wis_radio_config_set_region(c, "lab");
	wis_radio_config_set_sf(c, sf);
	wis_radio_config_set_bandwidth(c, bw);
	wis_radio_config_set_idle_xosc(c, 1);
	CHECK_OK(wis_radio_configure(A, c));
	CHECK_OK(wis_radio_configure(B, c));
	CHECK_OK(wis_radio_rx(B, 0));
	wis_radio_config_free(c);
}

static int cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

static void latency(unsigned sf, int n)
{
	configure(sf, 125000);
	wis_radio_config *c = wis_radio_config_new();
	wis_radio_config_set_sf(c, sf);
	uint32_t toa = wis_radio_time_on_air_us(c, 10);
	wis_radio_config_free(c);
	int64_t *d = calloc((size_t)n, sizeof *d);
	for (int i = 0; i < n; i++) {
		int before = rx_count;
		sent_status = 1;
		int64_t t0 = mono_ns();
		CHECK_OK(wis_radio_send_async(A, "0123456789", 10, on_sent, NULL));
		while (rx_count == before || sent_status == 1)
			pump_both(5);
		d[i] = (rx_ns - t0) / 1000 - toa;
	}
	qsort(d, (size_t)n, sizeof *d, cmp);
	printf("SF%u/BW125, 10 bytes: time on air %u us; send -> RX event minus time on air: "
	       "min %lld, p50 %lld, p90 %lld, max %lld us (%d packets)\n",
	       sf, toa, (long long)d[0], (long long)d[n / 2], (long long)d[n * 9 / 10],
	       (long long)d[n - 1], n);
	free(d);
}

static void rate(int n)
{
	configure(7, 500000);
	int before = rx_count;
	int64_t t0 = mono_ns();
	for (int i = 0; i < n; i++)
		CHECK_OK(wis_radio_send(A, "0123456789", 10, NULL));
	while (rx_count < before + n && mono_ns() - t0 < 10000000000LL)
		pump_both(5);
	double s = (double)(mono_ns() - t0) / 1e9;
	printf("SF7/BW500, 10 bytes, back to back through libwisrpc: %.0f packets/s sent, %d of %d "
	       "received\n",
	       n / s, rx_count - before, n);
}

int main(int argc, char **argv)
{
	harness_init(argc, argv);
	int n = argc > 2 ? atoi(argv[2]) : 50;
	char dir[] = "/tmp/wisrpc-bench-XXXXXX";
	if (!mkdtemp(dir))
		return 1;
	struct sim sa, sb;
	sim_start(&sa, "--medium", dir, "--quiet", NULL);
	sim_start(&sb, "--medium", dir, "--quiet", NULL);
	A = open_dev(sa.link);
	B = open_dev(sb.link);
	wis_set_event_cb(B, on_b, NULL);
	latency(7, n);
	latency(12, n / 10 > 3 ? n / 10 : 3);
	rate(n * 4);
	wis_close(A);
	wis_close(B);
	sim_stop(&sa);
	sim_stop(&sb);
	char cmd[64];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	return system(cmd) != 0 || TEST_RESULT();
}

/*
 * The radio end to end through libwisrpc: three wisrpc-sim processes on
 * one shared medium (--medium DIR).  Packets both ways with RSSI/SNR;
 * mismatched SF and sync word hear nothing; a CRC-error event when the
 * medium corrupts a frame; a send at a device time; CAD; every invalid
 * setting refused with its name (by the library, and by the device when
 * the library is bypassed); duty-cycle refusal with its wait; an async
 * send.  SF7/BW500 keeps every packet a few ms long.
 */
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "ops.h"

#define NDEV 3
#define MAXEV 64

struct rx {
	int n, errors, tx_done;
	uint32_t lost;
	struct wis_event last;
	uint8_t data[256];
};
static struct rx R[NDEV];
static wis_device *D[NDEV];
static struct sim S[NDEV];

static void on_event(wis_device *dev, const struct wis_event *ev, void *user)
{
	(void)dev;
	struct rx *r = user;
	r->lost += ev->lost;
	if (ev->type == WIS_EV_RADIO_RX) {
		r->n++;
		r->last = *ev;
		memcpy(r->data, ev->u.radio.data, ev->u.radio.len);
		r->last.u.radio.data = r->data;
	} else if (ev->type == WIS_EV_RADIO_RX_ERROR) {
		r->errors++;
		r->last = *ev;
	} else if (ev->type == WIS_EV_RADIO_TX_DONE) {
		r->tx_done++;
	}
}

/* Reads every device's events for ms milliseconds. */
static void pump(int ms)
{
	int64_t end = mono_ns() + (int64_t)ms * 1000000;
	while (mono_ns() < end) {
		struct pollfd p[NDEV];
		for (int i = 0; i < NDEV; i++)
			p[i] = (struct pollfd){wis_fd(D[i]), POLLIN, 0};
		poll(p, NDEV, 5);
		for (int i = 0; i < NDEV; i++)
			CHECK_OK(wis_process(D[i]));
	}
}

static wis_radio_config *cfg_new(unsigned sf, unsigned sync)
{
	wis_radio_config *c = wis_radio_config_new();
	CHECK_OK(wis_radio_config_set_region(c, "lab"));
	CHECK_OK(wis_radio_config_set_sf(c, sf));
	CHECK_OK(wis_radio_config_set_bandwidth(c, 500000));
	CHECK_OK(wis_radio_config_set_sync_word(c, sync));
	return c;
}

static void configure(int i, unsigned sf, unsigned sync)
{
	wis_radio_config *c = cfg_new(sf, sync);
	CHECK_OK(wis_radio_configure(D[i], c));
	wis_radio_config_free(c);
}

static void test_link(void)
{
	printf("A -> B, C and B -> A, C with RSSI/SNR\n");
	for (int i = 0; i < NDEV; i++)
		configure(i, 7, 0x12);
	CHECK_OK(wis_radio_rx(D[1], 0));
	CHECK_OK(wis_radio_rx(D[2], 0));
	struct wis_radio_tx tx;
	CHECK_OK(wis_radio_send(D[0], "ping", 4, &tx));
	wis_radio_config *c = cfg_new(7, 0x12);
	uint32_t toa = wis_radio_time_on_air_us(c, 4);
	/* Measured from SetTx to DIO1 as the simulator's clock saw them: a
	 * loaded machine wakes the simulator late, never early. */
	printf("  time on air %u us, measured %u us\n", toa, tx.airtime_us);
	CHECK(tx.airtime_us + 100 >= toa && tx.airtime_us < toa + 20000);
	CHECK(tx.tx_end_us - tx.tx_start_us == tx.airtime_us);
	pump(50);
	for (int i = 1; i < 3; i++) {
		printf("  node %d: RSSI %.1f dBm, SNR %.2f dB\n", i, R[i].last.u.radio.rssi_dbm,
		       R[i].last.u.radio.snr_db);
		CHECK(R[i].n == 1);
		CHECK(R[i].last.u.radio.len == 4 && memcmp(R[i].data, "ping", 4) == 0);
		CHECK(R[i].last.u.radio.rssi_dbm < -80 && R[i].last.u.radio.rssi_dbm > -90);
		CHECK(R[i].last.u.radio.snr_db > 0);
		CHECK(R[i].last.u.radio.sf == 7 && R[i].last.u.radio.bw_hz == 500000);
		CHECK(R[i].last.u.radio.freq_hz == 868100000);
	}
	CHECK(R[0].tx_done == 1);
	CHECK_OK(wis_radio_rx(D[0], 0));
	CHECK_OK(wis_radio_send(D[1], "pong", 4, NULL));
	pump(50);
	CHECK(R[0].n == 1 && memcmp(R[0].data, "pong", 4) == 0);
	CHECK(R[2].n == 2);
	/* B was receiving before it sent: it still is. */
	struct wis_radio_status st;
	CHECK_OK(wis_radio_status(D[1], &st));
	CHECK(st.state == WIS_RADIO_RX && st.tx_packets == 1 && st.rx_packets == 1);
	wis_radio_config_free(c);
}

static void test_mismatch_crc(void)
{
	printf("SF and sync word mismatches hear nothing; CRC error event\n");
	configure(1, 8, 0x12);
	configure(2, 7, 0x34);
	CHECK_OK(wis_radio_rx(D[1], 0));
	CHECK_OK(wis_radio_rx(D[2], 0));
	int n1 = R[1].n, n2 = R[2].n;
	CHECK_OK(wis_radio_send(D[0], "nobody", 6, NULL));
	pump(50);
	CHECK(R[1].n == n1 && R[2].n == n2);
	configure(1, 7, 0x12);
	CHECK_OK(wis_radio_rx(D[1], 0));
	CHECK_OK(wis_radio_send(D[0], "heard", 5, NULL));
	pump(50);
	CHECK(R[1].n == n1 + 1);
}

static void test_crc(void)
{
	printf("a corrupted frame: RX_ERROR crc\n");
	char reply[256];
	CHECK(sim_ctl(&S[1], reply, sizeof reply, "radio corrupt 1") == 0);
	int n = R[1].n, e = R[1].errors;
	CHECK_OK(wis_radio_send(D[0], "garbled", 7, NULL));
	pump(50);
	CHECK(R[1].n == n && R[1].errors == e + 1);
	CHECK(R[1].last.type == WIS_EV_RADIO_RX_ERROR &&
	      R[1].last.u.radio.error == WIS_RADIO_ERR_CRC);
	CHECK(sim_ctl(&S[1], reply, sizeof reply, "radio") == 0);
	CHECK(strstr(reply, "violations=0 warnings=0") != NULL);
}

static void test_send_at(void)
{
	printf("send at a device time; too late and too early refused\n");
	uint64_t now;
	int best = 1000000;
	for (int k = 0; k < 5 && best > 100; k++) {
		CHECK_OK(wis_uptime(D[0], &now));
		uint64_t at = now + 40000;
		struct wis_radio_tx tx;
		CHECK_OK(wis_radio_send_at(D[0], at, "timed", 5, &tx));
		int err = (int)((int64_t)tx.tx_start_us - (int64_t)at);
		printf("  asked %llu, preamble at %llu: %+d us\n", (unsigned long long)at,
		       (unsigned long long)tx.tx_start_us, err);
		if (abs(err) < best)
			best = abs(err);
	}
	CHECK(best <= 100);
	CHECK_OK(wis_uptime(D[0], &now));
	CHECK_RC(wis_radio_send_at(D[0], now, "late", 4, NULL), -WIS_ST_TOO_LATE);
	CHECK(strstr(wis_last_error(), "too late") != NULL);
	CHECK_RC(wis_radio_send_at(D[0], now + 120000000, "early", 5, NULL), -WIS_ST_TOO_EARLY);
	CHECK(strstr(wis_last_error(), "60000 ms") != NULL);
}

static void test_cad(void)
{
	printf("CAD on an idle channel\n");
	int det = -1;
	CHECK_OK(wis_radio_cad(D[2], 4, &det));
	CHECK(det == 0);
	CHECK_RC(wis_radio_cad(D[2], 3, &det), WIS_E_INVAL);
}

static void test_invalid(void)
{
	printf("every invalid setting refused, named\n");
	wis_radio_config *c = wis_radio_config_new();
	CHECK_RC(wis_radio_config_set_frequency(c, 100000000), WIS_E_INVAL);
	CHECK(strstr(wis_last_error(), "freq_hz 100000000 out of range 150000000..960000000"));
	CHECK_RC(wis_radio_config_set_power(c, 23), WIS_E_INVAL);
	CHECK(strstr(wis_last_error(), "power_dbm 23 out of range -9..22"));
	CHECK_RC(wis_radio_config_set_sf(c, 13), WIS_E_INVAL);
	CHECK(strstr(wis_last_error(), "sf 13 out of range 5..12"));
	CHECK_RC(wis_radio_config_set_bandwidth(c, 100000), WIS_E_INVAL);
	CHECK(strstr(wis_last_error(), "bw_hz 100000 not a LoRa bandwidth"));
	CHECK_RC(wis_radio_config_set_coding_rate(c, 4), WIS_E_INVAL);
	CHECK(strstr(wis_last_error(), "cr 4 out of range 5..8"));
	CHECK_RC(wis_radio_config_set_ldro(c, 3), WIS_E_INVAL);
	CHECK_RC(wis_radio_config_set_preamble(c, 0), WIS_E_INVAL);
	CHECK(strstr(wis_last_error(), "preamble 0 out of range 1..65535"));
	CHECK_RC(wis_radio_config_set_implicit_header(c, 1, 0), WIS_E_INVAL);
	CHECK_RC(wis_radio_config_set_sync_word(c, 256), WIS_E_INVAL);
	CHECK_RC(wis_radio_config_set_tcxo_mv(c, 1900), WIS_E_INVAL);
	CHECK(strstr(wis_last_error(), "tcxo_mv 1900 not a DIO3 voltage"));
	CHECK_RC(wis_radio_config_set_region(c, "EU433"), WIS_E_INVAL);
	CHECK(strstr(wis_last_error(), "region 'EU433'"));
	/* The region: US frequencies are not EU868; 22 dBm is above its EIRP. */
	CHECK_OK(wis_radio_config_set_frequency(c, 915000000));
	CHECK_RC(wis_radio_configure(D[0], c), WIS_E_REGULATION);
	CHECK(strstr(wis_last_error(), "outside the EU868 plan"));
	CHECK_OK(wis_radio_config_set_frequency(c, 868100000));
	CHECK_OK(wis_radio_config_set_power(c, 22));
	CHECK_RC(wis_radio_configure(D[0], c), WIS_E_REGULATION);
	CHECK(strstr(wis_last_error(), "EIRP 22 dBm"));
	wis_radio_config_free(c);
	/* The device checks too, when the library is bypassed. */
	uint8_t req[64];
	union wis_val v[14] = {{.u = 868100000}, {.i = 23}, {.u = 7},    {.u = 500000}, {.u = 5},
	                       {.u = 0},         {.u = 8},  {.u = 0},    {.u = 0},      {.u = 1},
	                       {.u = 0},         {.u = 18}, {.u = 1800}, {.u = 0}};
	size_t n = wis_op_encode(WIS_OP_RADIO_CONFIG, v, req, sizeof req);
	CHECK_RC(wis_call(D[0], WIS_OP_RADIO_CONFIG, req, n, NULL, 0, NULL, 0), -WIS_ST_BAD_ARG);
	CHECK(strstr(wis_last_error(), "power_dbm 23 out of range -9..22"));
}

static void test_duty_cycle(void)
{
	printf("EU868 1 %% sub-band: the second send is refused with its wait\n");
	wis_radio_config *c = wis_radio_config_new();
	CHECK_OK(wis_radio_config_set_bandwidth(c, 500000));
	CHECK_OK(wis_radio_configure(D[0], c));
	uint32_t toa = wis_radio_time_on_air_us(c, 20);
	int64_t t0 = mono_ns();
	CHECK_OK(wis_radio_send(D[0], "twenty bytes payload", 20, NULL));
	CHECK_RC(wis_radio_send(D[0], "twenty bytes payload", 20, NULL), WIS_E_REGULATION);
	int64_t waited_ms = (mono_ns() - t0) / 1000000;
	const char *e = wis_last_error();
	const char *p = strstr(e, "allowed in ");
	CHECK(strstr(e, "868.000-868.600 MHz (duty cycle 1.0 %)") != NULL);
	long ms = p ? strtol(p + 11, NULL, 10) : -1;
	/* off time = 100 x time on air, counted from the first send */
	long off = (long)toa / 10;
	printf("  time on air %u us, refused: \"%s\"\n", toa, e);
	CHECK(ms <= off + 1 && ms >= off - waited_ms - 1);
	/* A timed send is judged by its own start: inside the off time no,
	 * after it yes. */
	uint64_t dev_now;
	CHECK_OK(wis_uptime(D[0], &dev_now));
	CHECK_RC(wis_radio_send_at(D[0], dev_now + 500000, "x", 1, NULL), WIS_E_REGULATION);
	CHECK_OK(wis_radio_send_at(D[0], dev_now + (uint64_t)off * 1000 + 100000, "x", 1, NULL));
	wis_radio_config_free(c);
}

static void test_dwell(void)
{
	printf("US915/AU915: a send above 400 ms on air is refused, below it passes\n");
	wis_radio_config *c = wis_radio_config_new();
	CHECK_OK(wis_radio_config_set_region(c, "US915"));
	CHECK_OK(wis_radio_config_set_frequency(c, 915000000));
	CHECK_OK(wis_radio_config_set_sf(c, 10));
	/* SF10/BW125, CR 4/5, CRC, preamble 8 (symbol 8.192 ms): 21 bytes are
	 * 45.25 symbols = 370.688 ms on air, 26 bytes 50.25 = 411.648 ms. */
	static const char p26[] = "twenty-six bytes of data!!";
	CHECK(wis_radio_time_on_air_us(c, 21) == 370688);
	CHECK(wis_radio_time_on_air_us(c, 26) == 411648);
	CHECK_OK(wis_radio_configure(D[1], c));
	CHECK_RC(wis_radio_send(D[1], p26, 26, NULL), WIS_E_REGULATION);
	CHECK(strstr(wis_last_error(), "US915 dwell time: 411.648 ms on air for 26 bytes") != NULL);
	uint32_t wait = 1;
	CHECK_RC(wis_radio_rules_send(D[1], 26, 0, 0, &wait), WIS_E_REGULATION);
	CHECK(wait == 0);
	CHECK_OK(wis_radio_send(D[1], p26, 21, NULL));
	CHECK_OK(wis_radio_config_set_region(c, "AU915"));
	CHECK_OK(wis_radio_configure(D[1], c));
	CHECK_RC(wis_radio_send(D[1], p26, 26, NULL), WIS_E_REGULATION);
	CHECK(strstr(wis_last_error(), "AU915 dwell time") != NULL);
	/* No dwell limit in "lab". */
	CHECK_OK(wis_radio_config_set_region(c, "lab"));
	CHECK_OK(wis_radio_configure(D[1], c));
	CHECK_OK(wis_radio_rules_send(D[1], 26, 0, 0, NULL));
	wis_radio_config_free(c);
}

static int async_status = 1;
static struct wis_radio_tx async_tx;

static void on_sent(wis_device *dev, int status, const uint8_t *p, size_t len, void *user)
{
	(void)dev, (void)user;
	async_status = status;
	if (status == 0)
		async_status = wis_radio_tx_parse(p, len, &async_tx);
}

static void test_async(void)
{
	printf("async send\n");
	configure(0, 7, 0x12);
	CHECK_OK(wis_radio_send_async(D[0], "async", 5, on_sent, NULL));
	for (int i = 0; i < 100 && async_status == 1; i++)
		pump(5);
	CHECK(async_status == 0 && async_tx.airtime_us > 0);
}

int main(int argc, char **argv)
{
	harness_init(argc, argv);
	char dir[] = "/tmp/wisrpc-radio-XXXXXX";
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	for (int i = 0; i < NDEV; i++) {
		sim_start(&S[i], "--medium", dir, "--quiet", NULL);
		D[i] = open_dev(S[i].link);
		wis_set_event_cb(D[i], on_event, &R[i]);
	}
	test_link();
	test_mismatch_crc();
	test_crc();
	test_send_at();
	test_cad();
	test_invalid();
	test_duty_cycle();
	test_dwell();
	test_async();
	for (int i = 0; i < NDEV; i++) {
		wis_close(D[i]);
		sim_stop(&S[i]);
	}
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	CHECK(system(cmd) == 0);
	return TEST_RESULT();
}

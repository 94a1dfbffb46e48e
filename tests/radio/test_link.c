/*
 * Driver to driver through the shared radio medium: two and three nodes
 * exchanging packets both ways with payload, RSSI/SNR and the arrival time
 * = TX start + time on air; a mismatch of SF, BW, sync word, frequency or
 * IQ means nothing is received; RX timeouts (time and symbols), CAD,
 * collisions with and without capture, CRC corruption, weak signals, TX
 * timeout.  Every node ends with no strictness violation in its model.
 */
#include <math.h>

#include "radio_harness.h"

static struct radio_medium md;
static struct node nodes[3];

static void up(int n, const struct sx126x_lora_cfg *c, bool capture)
{
	struct radio_medium_cfg mc;

	radio_medium_default_cfg(&mc);
	mc.capture = capture;
	radio_medium_init(&md, &mc);
	for (int i = 0; i < n; i++) {
		node_init(&nodes[i], &md);
		CHECK_EQ(node_up(&nodes[i], c), SX126X_OK);
	}
}

static void clean(int n)
{
	for (int i = 0; i < n; i++) {
		CHECK_EQ(nodes[i].chip.violations, 0);
		CHECK_EQ(nodes[i].chip.warnings, 0);
		if (nodes[i].chip.violations)
			fprintf(stderr, "node %d: %s\n", i, nodes[i].chip.last_violation);
	}
}

static int send(struct node *nd, const char *s)
{
	return sx126x_tx_start(&nd->drv, (const uint8_t *)s, strlen(s), 0);
}

/* A sends, B receives: payload, RSSI/SNR and timing. */
static void exchange(struct node *a, struct node *b, const char *msg, int loss)
{
	struct sx126x_event ev;
	struct sx126x_rx_info info;
	uint8_t buf[255];
	uint32_t toa = sx126x_time_on_air_us(&a->drv.cfg, (uint8_t)strlen(msg));
	int rssi = 14 - loss, snr;

	CHECK_EQ(sx126x_rx_start(&b->drv, true, 0, 0), SX126X_OK);
	radio_medium_advance(&md, md.now + 1000);
	CHECK_EQ(send(a, msg), SX126X_OK);
	CHECK_EQ(wait_event(b, md.now + 2 * toa + 20000, &ev), SX126X_EV_RX_DONE);
	/* the frame's end is TX start + the driver's own time on air */
	CHECK_EQ(a->chip.txf.t_end_us - a->chip.txf.t_start_us, toa);
	/* on air after the TCXO start-up (5 ms) and STDBY_RC -> TX (126 us) */
	CHECK_EQ(a->chip.txf.t_start_us - a->drv.op_start_us, 5000 + 126);
	CHECK(ev.time_us >= a->chip.txf.t_end_us && ev.time_us <= a->chip.txf.t_end_us + 10);
	CHECK_EQ(sx126x_read_packet(&b->drv, buf, sizeof buf, &info), SX126X_OK);
	CHECK_EQ(info.len, strlen(msg));
	CHECK(memcmp(buf, msg, strlen(msg)) == 0);
	/* RSSI = power of signal (14 dBm - loss) plus noise (-174 dBm/Hz +
	 * 10 log10(125 kHz) + 6 dB NF = -117 dBm); SNR against that noise */
	CHECK_EQ(info.rssi_dbm_x2, 2 * lround(10 * log10(pow(10, rssi / 10.0) + pow(10, -11.703))));
	snr = radio_medium_snr_x4(&md, 0x04, rssi);
	CHECK_EQ(info.snr_db_x4, snr > 127 ? 127 : snr);
	CHECK_EQ(wait_event(a, md.now + 1000, &ev), SX126X_EV_TX_DONE);
	CHECK_EQ(sx126x_standby(&b->drv, false), SX126X_OK);
}

static void test_two_ways(void)
{
	struct sx126x_lora_cfg c = lora_cfg(7, 125000, 5);

	up(2, &c, false);
	exchange(&nodes[0], &nodes[1], "hello from A", 100);
	exchange(&nodes[1], &nodes[0], "and back from B", 100);
	/* -126 dBm, SNR -9 dB: below SF7's -7.5 dB floor, above SF12's -20 */
	radio_medium_set_loss(&md, 0, 1, 140);
	c.sf = 12;
	CHECK_EQ(sx126x_configure(&nodes[0].drv, &c), SX126X_OK);
	CHECK_EQ(sx126x_configure(&nodes[1].drv, &c), SX126X_OK);
	exchange(&nodes[0], &nodes[1], "far at SF12", 140);
	clean(2);
}

/* idle_xosc: the TCXO keeps running, TX starts 126 us after SetTx, and
 * the chip falls back to STDBY_XOSC after it. */
static void test_idle_xosc(void)
{
	struct sx126x_lora_cfg c = lora_cfg(7, 125000, 5);
	struct sx126x_event ev;

	radio_medium_init(&md, NULL);
	for (int i = 0; i < 2; i++) {
		node_init(&nodes[i], &md);
		nodes[i].drv.idle_xosc = true;
		CHECK_EQ(node_up(&nodes[i], &c), SX126X_OK);
		CHECK_EQ(nodes[i].chip.mode, SXM_STDBY_XOSC);
	}
	for (int k = 0; k < 2; k++) {
		CHECK_EQ(send(&nodes[0], "quick"), SX126X_OK);
		CHECK_EQ(wait_event(&nodes[0], md.now + 100000, &ev), SX126X_EV_TX_DONE);
		CHECK_EQ(nodes[0].chip.txf.t_start_us - nodes[0].drv.op_start_us, 126);
		CHECK_EQ(nodes[0].chip.mode, SXM_STDBY_XOSC);
	}
	clean(2);
}

static void test_three(void)
{
	struct sx126x_lora_cfg c = lora_cfg(9, 250000, 7);
	struct sx126x_event ev;
	struct sx126x_rx_info i1, i2;
	uint8_t buf[255];

	up(3, &c, false);
	radio_medium_set_loss(&md, 0, 2, 110);
	CHECK_EQ(sx126x_rx_start(&nodes[1].drv, true, 0, 0), SX126X_OK);
	CHECK_EQ(sx126x_rx_start(&nodes[2].drv, true, 0, 0), SX126X_OK);
	radio_medium_advance(&md, md.now + 1000);
	CHECK_EQ(send(&nodes[0], "to everyone"), SX126X_OK);
	CHECK_EQ(wait_event(&nodes[1], md.now + 200000, &ev), SX126X_EV_RX_DONE);
	CHECK_EQ(wait_event(&nodes[2], md.now + 1000, &ev), SX126X_EV_RX_DONE);
	CHECK_EQ(sx126x_read_packet(&nodes[1].drv, buf, sizeof buf, &i1), SX126X_OK);
	CHECK_EQ(sx126x_read_packet(&nodes[2].drv, buf, sizeof buf, &i2), SX126X_OK);
	CHECK_EQ(i1.len, 11);
	CHECK(memcmp(buf, "to everyone", 11) == 0);
	CHECK_EQ(i1.rssi_dbm_x2 - i2.rssi_dbm_x2, 20); /* 10 dB more loss */
	CHECK(i1.snr_db_x4 > i2.snr_db_x4);
	CHECK_EQ(md.sent, 1);
	CHECK_EQ(md.delivered, 2);
	clean(3);
}

/* One setting differs at the receiver: nothing arrives. */
static void test_mismatch(void)
{
	struct sx126x_lora_cfg c = lora_cfg(7, 125000, 5), r;
	struct sx126x_event ev;

	for (int k = 0; k < 6; k++) {
		up(2, &c, false);
		r = c;
		if (k == 0)
			r.sf = 8;
		if (k == 1)
			r.bw_hz = 250000;
		if (k == 2)
			r.sync_word = 0x34;
		if (k == 3)
			r.freq_hz = 868300000;
		if (k == 4)
			r.invert_iq = true;
		if (k == 5) /* the control: same settings, received */
			r = c;
		CHECK_EQ(sx126x_configure(&nodes[1].drv, &r), SX126X_OK);
		CHECK_EQ(sx126x_rx_start(&nodes[1].drv, true, 0, 0), SX126X_OK);
		radio_medium_advance(&md, md.now + 1000);
		CHECK_EQ(send(&nodes[0], "can you hear me"), SX126X_OK);
		CHECK_EQ(wait_event(&nodes[1], md.now + 200000, &ev),
		         k == 5 ? SX126X_EV_RX_DONE : 0);
		clean(2);
	}
}

/* Inverted IQ on both ends (downlinks): heard, with the DS 15.4 fix. */
static void test_inverted_iq(void)
{
	struct sx126x_lora_cfg c = lora_cfg(8, 125000, 5);

	c.invert_iq = true;
	up(2, &c, false);
	exchange(&nodes[0], &nodes[1], "downlink", 100);
	clean(2);
}

static void test_rx_timeout(void)
{
	struct sx126x_lora_cfg c = lora_cfg(7, 125000, 5);
	struct sx126x_event ev;
	uint64_t t0;

	up(1, &c, false);
	t0 = md.now;
	CHECK_EQ(sx126x_rx_start(&nodes[0].drv, false, 50000, 0), SX126X_OK);
	CHECK_EQ(wait_event(&nodes[0], t0 + 40000, &ev), 0);
	CHECK_EQ(wait_event(&nodes[0], t0 + 70000, &ev), SX126X_EV_TIMEOUT);
	/* ready after the TCXO (5 ms) and the RX switch (83 us), then 50 ms */
	CHECK(ev.time_us >= t0 + 55083 && ev.time_us <= t0 + 55083 + 200);
	CHECK_EQ(nodes[0].drv.state, SX126X_ST_STANDBY);
	/* symbol timeout: 10 symbols of 1.024 ms */
	t0 = md.now;
	CHECK_EQ(sx126x_rx_start(&nodes[0].drv, false, 0, 10), SX126X_OK);
	CHECK_EQ(wait_event(&nodes[0], t0 + 100000, &ev), SX126X_EV_TIMEOUT);
	CHECK(ev.time_us >= t0 + 5083 + 10240 && ev.time_us <= t0 + 5083 + 10240 + 200);
	clean(1);
}

/* A packet that starts before the timeout stops it (DS 13.1.7). */
static void test_rx_timeout_stopped(void)
{
	struct sx126x_lora_cfg c = lora_cfg(7, 125000, 5);
	struct sx126x_event ev;

	up(2, &c, false);
	CHECK_EQ(sx126x_rx_start(&nodes[1].drv, false, 20000, 0), SX126X_OK);
	radio_medium_advance(&md, md.now + 1000);
	CHECK_EQ(send(&nodes[0], "a packet longer than the time left"), SX126X_OK);
	CHECK_EQ(wait_event(&nodes[1], md.now + 500000, &ev), SX126X_EV_RX_DONE);
	CHECK_EQ(nodes[1].chip.mode, SXM_STDBY_RC);      /* single RX ended ... */
	CHECK_EQ(nodes[1].drv.state, SX126X_ST_STANDBY); /* ... the driver knows */
	clean(2);
}

static void test_cad(void)
{
	struct sx126x_lora_cfg c = lora_cfg(9, 125000, 5);
	struct sx126x_event ev;

	up(2, &c, false);
	CHECK_EQ(sx126x_cad_start(&nodes[1].drv, 4, false, 0), SX126X_OK);
	CHECK_EQ(wait_event(&nodes[1], md.now + 100000, &ev), SX126X_EV_CAD_DONE);
	CHECK_EQ(send(&nodes[0], "a long packet for the CAD to see"), SX126X_OK);
	radio_medium_advance(&md, md.now + 20000);
	CHECK_EQ(sx126x_cad_start(&nodes[1].drv, 4, false, 0), SX126X_OK);
	CHECK_EQ(wait_event(&nodes[1], md.now + 100000, &ev),
	         SX126X_EV_CAD_DONE | SX126X_EV_CAD_DETECTED);
	clean(2);
}

/* CAD_RX (DS 13.4.7): a detection during a long preamble goes on to
 * receive the packet. */
static void test_cad_rx(void)
{
	struct sx126x_lora_cfg c = lora_cfg(9, 125000, 5);
	struct sx126x_event ev;
	struct sx126x_rx_info info;
	uint8_t buf[255];

	c.preamble = 32; /* 131 ms of preamble at SF9 */
	up(2, &c, false);
	CHECK_EQ(send(&nodes[0], "after the CAD"), SX126X_OK);
	radio_medium_advance(&md, md.now + 20000);
	CHECK_EQ(sx126x_cad_start(&nodes[1].drv, 2, true, 500000), SX126X_OK);
	CHECK_EQ(wait_event(&nodes[1], md.now + 100000, &ev),
	         SX126X_EV_CAD_DONE | SX126X_EV_CAD_DETECTED);
	CHECK_EQ(nodes[1].drv.state, SX126X_ST_RX);
	CHECK_EQ(wait_event(&nodes[1], md.now + 500000, &ev), SX126X_EV_RX_DONE);
	CHECK_EQ(sx126x_read_packet(&nodes[1].drv, buf, sizeof buf, &info), SX126X_OK);
	CHECK(info.len == 13 && memcmp(buf, "after the CAD", 13) == 0);
	CHECK_EQ(nodes[1].drv.state, SX126X_ST_STANDBY);
	/* too late: the preamble is over, the CAD sees the packet, RX misses it */
	CHECK_EQ(send(&nodes[0], "after the CAD"), SX126X_OK);
	radio_medium_advance(&md, md.now + 150000);
	CHECK_EQ(sx126x_cad_start(&nodes[1].drv, 2, true, 100000), SX126X_OK);
	CHECK_EQ(wait_event(&nodes[1], md.now + 100000, &ev),
	         SX126X_EV_CAD_DONE | SX126X_EV_CAD_DETECTED);
	CHECK_EQ(wait_event(&nodes[1], md.now + 500000, &ev), SX126X_EV_TIMEOUT);
	clean(2);
}

static void collide(int lead_db, bool capture, uint32_t expect)
{
	struct sx126x_lora_cfg c = lora_cfg(7, 125000, 5);
	struct sx126x_event ev;
	struct sx126x_rx_info info;
	uint8_t buf[255];

	up(3, &c, capture);
	radio_medium_set_loss(&md, 0, 1, 100 - lead_db);
	CHECK_EQ(sx126x_rx_start(&nodes[1].drv, true, 0, 0), SX126X_OK);
	radio_medium_advance(&md, md.now + 1000);
	CHECK_EQ(send(&nodes[0], "first and maybe stronger"), SX126X_OK);
	radio_medium_advance(&md, md.now + 8000);
	CHECK_EQ(send(&nodes[2], "second, overlapping"), SX126X_OK);
	CHECK_EQ(wait_event(&nodes[1], md.now + 300000, &ev), expect);
	if (expect) {
		CHECK_EQ(sx126x_read_packet(&nodes[1].drv, buf, sizeof buf, &info), SX126X_OK);
		CHECK(memcmp(buf, "first", 5) == 0);
	}
	CHECK(md.collisions > 0);
	clean(3);
}

static void test_collisions(void)
{
	collide(0, false, 0);
	collide(10, false, 0);
	collide(3, true, 0);
	collide(10, true, SX126X_EV_RX_DONE);
}

static void test_crc_and_weak(void)
{
	struct sx126x_lora_cfg c = lora_cfg(7, 125000, 5);
	struct sx126x_event ev;

	up(2, &c, false);
	md.corrupt_next = 1;
	CHECK_EQ(sx126x_rx_start(&nodes[1].drv, true, 0, 0), SX126X_OK);
	radio_medium_advance(&md, md.now + 1000);
	CHECK_EQ(send(&nodes[0], "damaged"), SX126X_OK);
	CHECK_EQ(wait_event(&nodes[1], md.now + 100000, &ev),
	         SX126X_EV_RX_DONE | SX126X_EV_CRC_ERR);
	/* SF7 needs SNR >= -7.5 dB: 14 - 140 = -126 dBm (SNR -9 dB) fails */
	radio_medium_set_loss(&md, 0, 1, 140);
	radio_medium_advance(&md, md.now + 10000);
	CHECK_EQ(send(&nodes[0], "too far"), SX126X_OK);
	CHECK_EQ(wait_event(&nodes[1], md.now + 100000, &ev), 0);
	CHECK_EQ(md.too_weak, 1);
	clean(2);
}

/* loss_permille: about that share of receptions is lost, the same ones
 * on every run (seeded). */
static void test_loss(void)
{
	struct sx126x_lora_cfg c = lora_cfg(7, 500000, 5);
	struct radio_medium_cfg mc;
	struct sx126x_event ev;
	int got = 0;

	radio_medium_default_cfg(&mc);
	mc.loss_permille = 300;
	radio_medium_init(&md, &mc);
	for (int i = 0; i < 2; i++) {
		node_init(&nodes[i], &md);
		nodes[i].drv.idle_xosc = true;
		CHECK_EQ(node_up(&nodes[i], &c), SX126X_OK);
	}
	CHECK_EQ(sx126x_rx_start(&nodes[1].drv, true, 0, 0), SX126X_OK);
	for (int k = 0; k < 200; k++) {
		CHECK_EQ(send(&nodes[0], "x"), SX126X_OK);
		CHECK_EQ(wait_event(&nodes[0], md.now + 100000, &ev), SX126X_EV_TX_DONE);
		radio_medium_advance(&md, md.now + 100);
		while (sx126x_poll(&nodes[1].drv, &ev) == 0 && ev.flags)
			got += (ev.flags & SX126X_EV_RX_DONE) != 0;
	}
	CHECK_EQ(got + (int)md.lost, 200);
	CHECK(md.lost > 40 && md.lost < 80);
	clean(2);
}

static void test_tx_timeout(void)
{
	struct sx126x_lora_cfg c = lora_cfg(12, 125000, 5);
	struct sx126x_event ev;

	up(2, &c, false);
	CHECK_EQ(sx126x_rx_start(&nodes[1].drv, true, 0, 0), SX126X_OK);
	radio_medium_advance(&md, md.now + 1000);
	CHECK_EQ(sx126x_tx_start(&nodes[0].drv, (const uint8_t *)"slow", 4, 100000), SX126X_OK);
	CHECK_EQ(wait_event(&nodes[0], md.now + 2000000, &ev), SX126X_EV_TIMEOUT);
	CHECK_EQ(wait_event(&nodes[1], md.now + 2000000, &ev), 0);
	clean(2);
}

int main(void)
{
	test_two_ways();
	test_idle_xosc();
	test_three();
	test_mismatch();
	test_inverted_iq();
	test_rx_timeout();
	test_rx_timeout_stopped();
	test_cad();
	test_cad_rx();
	test_collisions();
	test_crc_and_weak();
	test_tx_timeout();
	test_loss();
	return DONE();
}

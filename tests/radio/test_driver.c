/*
 * The driver against one chip model: probe, setup and configuration land
 * in the chip as the datasheet says (frequency word, sync word registers,
 * errata registers, TCXO, PA), the model's strict checks see no violation,
 * out-of-range settings are refused before anything is sent, a stuck BUSY
 * becomes a bounded error, device errors are reported, sleep and wake-up.
 */
#include "radio_harness.h"

static struct radio_medium md;

static void fresh(struct node *nd)
{
	radio_medium_init(&md, NULL);
	node_init(nd, &md);
}

static void test_probe_setup(void)
{
	struct node a;
	struct sx126x_lora_cfg c = lora_cfg(7, 125000, 5);

	fresh(&a);
	CHECK_EQ(sx126x_probe(&a.drv), SX126X_OK);
	CHECK_EQ(sx126x_setup(&a.drv), SX126X_OK);
	CHECK(a.ant);
	CHECK_EQ(a.chip.regulator, 1); /* DC-DC */
	CHECK(a.chip.dio2_rf);
	CHECK_EQ(a.chip.tcxo_code, 2);    /* 1.8 V, DS Table 13-35 */
	CHECK_EQ(a.chip.tcxo_delay, 320); /* 5 ms in 15.625 us steps */
	CHECK_EQ(a.chip.dev_errors, 0);
	CHECK(a.chip.lora);
	CHECK_EQ(sx126x_configure(&a.drv, &c), SX126X_OK);
	/* 868.1 MHz / (32 MHz / 2^25) = 910268825.6 -> 0x36419999 */
	CHECK_EQ(a.chip.freq_word, 0x36419999);
	CHECK_EQ(a.chip.img[0], 0xD7); /* DS Table 9-2: 863-870 MHz */
	CHECK_EQ(a.chip.img[1], 0xDB);
	CHECK_EQ(a.chip.regs[0x0740], 0x14);
	CHECK_EQ(a.chip.regs[0x0741], 0x24);
	CHECK_EQ(a.chip.regs[0x08E7], 0x38);
	CHECK_EQ(a.chip.regs[0x08D8] & 0x1E, 0x1E);
	CHECK_EQ(a.chip.regs[0x0736] & 0x04, 0x04);
	CHECK_EQ(a.chip.sf, 7);
	CHECK_EQ(a.chip.bw, 0x04);
	CHECK_EQ(a.chip.cr, 1);
	CHECK_EQ(a.chip.ldro, 0);
	CHECK_EQ(a.chip.power, 14);
	CHECK_EQ(a.chip.pa[0], 0x04);
	CHECK_EQ(a.chip.pa[1], 0x07);
	CHECK_EQ(a.chip.preamble, 8);
	CHECK_EQ(a.chip.crc, 1);
	CHECK_EQ(a.chip.violations, 0);
	CHECK_EQ(a.chip.warnings, 0);
	/* public sync word, another band, IQ inverted, SF12 (LDRO auto) */
	c.sync_word = 0x34, c.freq_hz = 915000000, c.invert_iq = true, c.sf = 12;
	CHECK_EQ(sx126x_configure(&a.drv, &c), SX126X_OK);
	CHECK_EQ(a.chip.regs[0x0740], 0x34);
	CHECK_EQ(a.chip.regs[0x0741], 0x44);
	CHECK_EQ(a.chip.img[0], 0xE1);
	CHECK_EQ(a.chip.regs[0x0736] & 0x04, 0);
	CHECK_EQ(a.chip.iq, 1);
	CHECK_EQ(a.chip.ldro, 1);
	c.sync_word = 0xAB;
	CHECK_EQ(sx126x_configure(&a.drv, &c), SX126X_OK);
	CHECK_EQ(a.chip.regs[0x0740], 0xA4);
	CHECK_EQ(a.chip.regs[0x0741], 0xB4);
	CHECK_EQ(a.chip.violations, 0);
}

/* No radio on the bus: MISO reads 0 everywhere. */
static int dead_spi(void *ctx, const uint8_t *tx, uint8_t *rx, size_t n)
{
	(void)ctx, (void)tx;
	memset(rx, 0, n);
	return (int)n;
}

static void test_probe_fails(void)
{
	struct node a;
	uint64_t t0;

	fresh(&a);
	a.io.spi = dead_spi;
	CHECK_EQ(sx126x_probe(&a.drv), SX126X_E_PROBE);
	CHECK_EQ(sx126x_setup(&a.drv), SX126X_E_STATE);
	/* BUSY never falls: the wait ends after the bound, with an error */
	fresh(&a);
	a.chip.stuck_busy = true;
	t0 = md.now;
	CHECK_EQ(sx126x_probe(&a.drv), SX126X_E_BUSY);
	CHECK(md.now - t0 >= a.drv.busy_timeout_us);
	CHECK(md.now - t0 < a.drv.busy_timeout_us + 1000);
}

static void test_busy_stuck_later(void)
{
	struct node a;
	struct sx126x_lora_cfg c = lora_cfg(7, 125000, 5);
	struct sx126x_event ev;
	uint64_t t0;

	fresh(&a);
	CHECK_EQ(node_up(&a, &c), SX126X_OK);
	a.chip.stuck_busy = true;
	a.drv.busy_timeout_us = 2000;
	t0 = md.now;
	CHECK_EQ(sx126x_tx_start(&a.drv, (const uint8_t *)"x", 1, 0), SX126X_E_BUSY);
	CHECK(md.now - t0 <= 2000 + 100);
	CHECK_EQ(sx126x_configure(&a.drv, &c), SX126X_E_BUSY);
	a.chip.stuck_busy = false;
	CHECK_EQ(sx126x_tx_start(&a.drv, (const uint8_t *)"x", 1, 0), SX126X_OK);
	CHECK_EQ(wait_event(&a, md.now + 1000000, &ev), SX126X_EV_TX_DONE);
	CHECK_EQ(a.chip.violations, 0);
}

/* The board's TCXO needs 1.8 V: 1.6 V leaves the oscillator stopped, the
 * calibration fails and GetDeviceErrors says so (XOSC_START_ERR). */
static void test_tcxo(void)
{
	struct node a;

	fresh(&a);
	a.drv.tcxo_mv = 1600;
	CHECK_EQ(sx126x_probe(&a.drv), SX126X_OK);
	CHECK_EQ(sx126x_setup(&a.drv), SX126X_E_DEVICE);
	CHECK_EQ(a.drv.dev_errors, 1u << 5);
	CHECK(!a.ant);
	fresh(&a);
	a.drv.tcxo_mv = 1900;
	CHECK_EQ(sx126x_probe(&a.drv), SX126X_OK);
	CHECK_EQ(sx126x_setup(&a.drv), SX126X_E_TCXO);
}

/* The chip refuses SetTx (its oscillator stopped): poll reports it once
 * BUSY is low, with the device error that explains it. */
static void test_refused_start(void)
{
	struct node a;
	struct sx126x_lora_cfg c = lora_cfg(7, 125000, 5);
	struct sx126x_event ev;

	fresh(&a);
	CHECK_EQ(node_up(&a, &c), SX126X_OK);
	a.chip.xosc_ok = false; /* the TCXO died */
	CHECK_EQ(sx126x_tx_start(&a.drv, (const uint8_t *)"x", 1, 0), SX126X_OK);
	CHECK_EQ(wait_event(&a, md.now + 100000, &ev), SX126X_EV_REFUSED);
	CHECK_EQ(a.drv.state, SX126X_ST_STANDBY);
	CHECK_EQ(a.drv.dev_errors, 1u << 5);
	CHECK_EQ(a.chip.violations, 0);
}

static void expect_refused(struct node *a, struct sx126x_lora_cfg c, int err)
{
	uint32_t before = a->chip.commands;

	CHECK_EQ(sx126x_validate(&c), err);
	CHECK_EQ(sx126x_configure(&a->drv, &c), err);
	CHECK_EQ(a->chip.commands, before); /* nothing reached the chip */
}

static void test_out_of_range(void)
{
	struct node a;
	struct sx126x_lora_cfg ok = lora_cfg(7, 125000, 5), c;

	fresh(&a);
	CHECK_EQ(node_up(&a, &ok), SX126X_OK);
	c = ok, c.freq_hz = 149999999, expect_refused(&a, c, SX126X_E_FREQ);
	c = ok, c.freq_hz = 960000001, expect_refused(&a, c, SX126X_E_FREQ);
	c = ok, c.power_dbm = 23, expect_refused(&a, c, SX126X_E_POWER);
	c = ok, c.power_dbm = -10, expect_refused(&a, c, SX126X_E_POWER);
	c = ok, c.sf = 4, expect_refused(&a, c, SX126X_E_SF);
	c = ok, c.sf = 13, expect_refused(&a, c, SX126X_E_SF);
	c = ok, c.bw_hz = 100000, expect_refused(&a, c, SX126X_E_BW);
	c = ok, c.cr = 4, expect_refused(&a, c, SX126X_E_CR);
	c = ok, c.cr = 9, expect_refused(&a, c, SX126X_E_CR);
	c = ok, c.preamble = 0, expect_refused(&a, c, SX126X_E_PREAMBLE);
	c = ok, c.implicit = true, c.payload_len = 0, expect_refused(&a, c, SX126X_E_LENGTH);
	c = ok, c.ldro = 3, expect_refused(&a, c, SX126X_E_PARAM);
	CHECK_EQ(sx126x_tx_start(&a.drv, (const uint8_t *)"", 0, 0), SX126X_E_LENGTH);
	CHECK_EQ(sx126x_tx_start(&a.drv, (const uint8_t[256]){0}, 256, 0), SX126X_E_LENGTH);
	CHECK_EQ(sx126x_cad_start(&a.drv, 3, false, 0), SX126X_E_PARAM);
	for (int e = SX126X_E_BUSY; e >= SX126X_E_PARAM; e--)
		CHECK(strcmp(sx126x_strerror(e), sx126x_strerror(e + 1)) != 0);
	CHECK(strstr(sx126x_strerror(SX126X_E_POWER), "-9..+22") != NULL);
	CHECK_EQ(a.chip.violations, 0);
}

static void test_not_configured(void)
{
	struct node a;

	fresh(&a);
	CHECK_EQ(sx126x_tx_start(&a.drv, (const uint8_t *)"x", 1, 0), SX126X_E_STATE);
	CHECK_EQ(sx126x_probe(&a.drv), SX126X_OK);
	CHECK_EQ(sx126x_setup(&a.drv), SX126X_OK);
	CHECK_EQ(sx126x_rx_start(&a.drv, true, 0, 0), SX126X_E_STATE);
	CHECK_EQ(sx126x_cad_start(&a.drv, 2, false, 0), SX126X_E_STATE);
}

static void test_sleep(void)
{
	struct node a;
	struct sx126x_lora_cfg c = lora_cfg(7, 125000, 5);
	struct sx126x_event ev;

	fresh(&a);
	CHECK_EQ(node_up(&a, &c), SX126X_OK);
	CHECK_EQ(sx126x_sleep(&a.drv, true), SX126X_OK);
	CHECK_EQ(a.chip.mode, SXM_SLEEP);
	CHECK(sx126x_model_busy(&a.chip)); /* DS 8.3.1: BUSY high in sleep */
	CHECK_EQ(sx126x_tx_start(&a.drv, (const uint8_t *)"x", 1, 0), SX126X_E_STATE);
	CHECK_EQ(sx126x_wakeup(&a.drv), SX126X_OK);
	CHECK_EQ(a.chip.mode, SXM_STDBY_RC);
	CHECK_EQ(a.chip.sf, 7); /* warm start kept the configuration */
	CHECK_EQ(sx126x_tx_start(&a.drv, (const uint8_t *)"x", 1, 0), SX126X_OK);
	CHECK_EQ(wait_event(&a, md.now + 1000000, &ev), SX126X_EV_TX_DONE);
	/* cold: the chip forgets, the driver knows it must configure again */
	CHECK_EQ(sx126x_sleep(&a.drv, false), SX126X_OK);
	CHECK_EQ(sx126x_wakeup(&a.drv), SX126X_OK);
	CHECK(!a.chip.have_mod);
	CHECK_EQ(sx126x_tx_start(&a.drv, (const uint8_t *)"x", 1, 0), SX126X_E_STATE);
	CHECK_EQ(sx126x_setup(&a.drv), SX126X_OK);
	CHECK_EQ(sx126x_configure(&a.drv, &c), SX126X_OK);
	CHECK_EQ(sx126x_tx_start(&a.drv, (const uint8_t *)"x", 1, 0), SX126X_OK);
	CHECK_EQ(wait_event(&a, md.now + 1000000, &ev), SX126X_EV_TX_DONE);
	CHECK_EQ(a.chip.violations, 0);
	CHECK_EQ(a.chip.warnings, 0);
}

int main(void)
{
	test_probe_setup();
	test_probe_fails();
	test_busy_stuck_later();
	test_tcxo();
	test_refused_start();
	test_out_of_range();
	test_not_configured();
	test_sleep();
	return DONE();
}

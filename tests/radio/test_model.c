/*
 * The chip model alone, spoken to in raw SPI frames: reset values, the
 * status byte (mode and command status, DS Table 13-76), refusals (unknown
 * opcode, too few bytes, command in the wrong mode, SetTx/SetModulation
 * without a packet type, out-of-range PA and power), BUSY timing and the
 * frames it ignores, sleep, the IRQ mask and DIO1 routing, the data buffer
 * wrap, and TX completion at the time on air.  The model must refuse what
 * the chip refuses, or the driver tests prove nothing.
 */
#include "radio_harness.h"

static struct sx126x_model m;
static uint8_t rx[300];

static void idle(void)
{
	while (sx126x_model_busy(&m) && !m.stuck_busy && m.mode != SXM_SLEEP)
		sx126x_model_advance(&m, m.now + 1);
}

/* One frame after BUSY fell; returns the first status byte. */
static uint8_t frame(const uint8_t *tx, size_t n)
{
	idle();
	CHECK_EQ(sx126x_model_spi(&m, tx, rx, n), (int)n);
	return rx[0];
}

#define SEND(...) frame((const uint8_t[]){__VA_ARGS__}, sizeof((const uint8_t[]){__VA_ARGS__}))

/* GetStatus: chip mode (bits 6:4) and command status (bits 3:1). */
static int cmd_status(void)
{
	return (SEND(0xC0, 0x00), rx[1] >> 1) & 7;
}

static int chip_mode(void)
{
	return (SEND(0xC0, 0x00), rx[1] >> 4) & 7;
}

static void fresh(uint16_t tcxo_mv)
{
	struct sx126x_model_cfg c = {.tcxo_mv = tcxo_mv};

	sx126x_model_init(&m, &c);
}

static void test_reset(void)
{
	fresh(0);
	CHECK(sx126x_model_busy(&m)); /* power-on calibration */
	sx126x_model_advance(&m, 3499);
	CHECK(sx126x_model_busy(&m));
	sx126x_model_advance(&m, 3500);
	CHECK(!sx126x_model_busy(&m));
	CHECK_EQ(chip_mode(), 2); /* STDBY_RC */
	SEND(0x1D, 0x07, 0x40, 0, 0, 0);
	CHECK_EQ(rx[4], 0x14);
	CHECK_EQ(rx[5], 0x24);
	SEND(0x1D, 0x08, 0xAC, 0, 0);
	CHECK_EQ(rx[4], 0x94);
	SEND(0x1D, 0x08, 0xE7, 0, 0);
	CHECK_EQ(rx[4], 0x18);
	SEND(0x11, 0, 0);
	CHECK_EQ(rx[2], 0); /* packet type GFSK after reset */
	CHECK_EQ(m.violations, 0);
}

static void test_refusals(void)
{
	fresh(0);
	SEND(0x55, 1, 2);
	CHECK_EQ(cmd_status(), 4); /* unknown opcode: processing error */
	SEND(0x86, 0x36, 0x41);
	CHECK_EQ(cmd_status(), 4); /* SetRfFrequency with 2 of 4 bytes */
	CHECK_EQ(m.have_freq, false);
	SEND(0x8B, 7, 4, 1, 0);
	CHECK_EQ(cmd_status(), 5); /* modulation before SetPacketType LoRa */
	SEND(0x83, 0, 0, 0);
	CHECK_EQ(cmd_status(), 5); /* SetTx with nothing configured */
	CHECK_EQ(chip_mode(), 2);
	SEND(0x8A, 1);
	CHECK_EQ(cmd_status(), 0);
	SEND(0x8B, 13, 4, 1, 0);
	CHECK_EQ(cmd_status(), 4); /* SF13 */
	SEND(0x8B, 7, 7, 1, 0);
	CHECK_EQ(cmd_status(), 4); /* bandwidth code 7 */
	SEND(0x95, 4, 7, 1, 1);
	CHECK_EQ(cmd_status(), 4); /* deviceSel 1: an SX1261 */
	SEND(0x8E, 14, 4);
	CHECK_EQ(cmd_status(), 5); /* SetTxParams before SetPaConfig */
	SEND(0x95, 4, 7, 0, 1);
	SEND(0x8E, 23, 4);
	CHECK_EQ(cmd_status(), 4); /* +23 dBm */
	SEND(0x8E, 0xF6, 4);
	CHECK_EQ(cmd_status(), 4); /* -10 dBm */
	SEND(0x8E, 22, 4);
	CHECK_EQ(cmd_status(), 0);
	SEND(0x80, 1);
	SEND(0x96, 1);
	CHECK_EQ(cmd_status(), 5); /* SetRegulatorMode outside STDBY_RC */
	CHECK_EQ(chip_mode(), 3);
	SEND(0x8A, 0);
	SEND(0x80, 0);
	SEND(0x8A, 1);
	CHECK(!m.have_mod); /* a new packet type drops the old parameters */
	CHECK_EQ(m.violations, 0);
}

/* The RAK4631's TCXO is powered by DIO3: until SetDIO3AsTcxoCtrl there is
 * no 32 MHz clock (DS 13.3.6). */
static void test_tcxo(void)
{
	fresh(1800);
	SEND(0x17, 0, 0, 0);
	CHECK_EQ(rx[3], 1 << 5); /* XOSC_START_ERR from the POR calibration */
	SEND(0x80, 1);
	CHECK_EQ(cmd_status(), 5);
	SEND(0x07, 0, 0);
	SEND(0x97, 0x02, 0, 0x01, 0x40);
	SEND(0x80, 1);
	CHECK_EQ(cmd_status(), 0);
	idle();
	CHECK_EQ(chip_mode(), 3);
	SEND(0x17, 0, 0, 0);
	CHECK_EQ(rx[3], 0);
}

static void test_busy(void)
{
	uint8_t tx[2] = {0x8A, 1};

	fresh(0);
	idle();
	SEND(0x89, 0x7F); /* Calibrate: ~3.5 ms */
	CHECK(sx126x_model_busy(&m));
	CHECK_EQ(sx126x_model_spi(&m, tx, rx, 2), 0); /* ignored */
	CHECK_EQ(m.violations, 1);
	CHECK(!m.lora);
	sx126x_model_advance(&m, m.now + 3499);
	CHECK(sx126x_model_busy(&m));
	sx126x_model_advance(&m, m.now + 1);
	CHECK(!sx126x_model_busy(&m));
	SEND(0x8F, 0, 0);
	CHECK(sx126x_model_busy(&m)); /* even a plain command: a few us */
}

static void test_sleep(void)
{
	uint8_t tx[2] = {0x8A, 1};

	fresh(0);
	SEND(0x84, 0x04);
	CHECK(sx126x_model_busy(&m));
	CHECK(!sx126x_model_dio1(&m));
	sx126x_model_advance(&m, m.now + 600);
	CHECK_EQ(sx126x_model_spi(&m, tx, rx, 2), 0); /* wakes, but is lost */
	CHECK_EQ(m.violations, 1);
	CHECK(!m.lora);
	CHECK(sx126x_model_busy(&m));
	sx126x_model_advance(&m, m.now + 340);
	CHECK(!sx126x_model_busy(&m));
	CHECK_EQ(chip_mode(), 2);
	/* NSS too early after SetSleep */
	SEND(0x84, 0x04);
	sx126x_model_advance(&m, m.now + 100);
	tx[0] = 0xC0;
	sx126x_model_spi(&m, tx, rx, 2);
	CHECK_EQ(m.violations, 2);
	/* FS needs a frequency first */
	idle();
	SEND(0xC1);
	CHECK_EQ(cmd_status(), 5); /* SetFs without a frequency */
}

static void test_buffer_irq(void)
{
	fresh(0);
	SEND(0x0E, 0xFE, 1, 2, 3, 4);
	SEND(0x1E, 0xFE, 0, 0, 0, 0, 0);
	CHECK_EQ(rx[3], 1);
	CHECK_EQ(rx[6], 4);
	CHECK_EQ(m.buf[1], 4); /* wrapped at 256 (DS 13.2.3) */
	/* TxDone enabled but routed nowhere: flag set, DIO1 low */
	SEND(0x08, 0x00, 0x01, 0, 0, 0, 0, 0, 0);
	SEND(0x8A, 1);
	SEND(0x86, 0x36, 0x41, 0x99, 0x99);
	SEND(0x8B, 7, 4, 1, 0);
	SEND(0x8C, 0, 8, 0, 4, 1, 0);
	SEND(0x95, 4, 7, 0, 1);
	SEND(0x8E, 14, 4);
	SEND(0x8F, 0xFE, 0);
	SEND(0x83, 0, 0, 0);
	CHECK_EQ(cmd_status(), 0);
	CHECK_EQ(chip_mode(), 6);
	/* SF7/125, 4 bytes, CRC, explicit: num = 32+16-28+28 = 48, 2 blocks,
	 * 8 + 4.25 + 8 + 10 = 30.25 symbols = 30976 us after the 126 us ramp */
	sx126x_model_advance(&m, m.txf.t_start_us + 30975);
	CHECK_EQ(m.irq, 0);
	sx126x_model_advance(&m, m.txf.t_start_us + 30976);
	CHECK_EQ(m.irq, 1);
	CHECK(!sx126x_model_dio1(&m));
	CHECK(memcmp(m.txf.payload, (const uint8_t[]){1, 2, 3, 4}, 4) == 0);
	CHECK_EQ(chip_mode(), 2);
	CHECK_EQ(m.warnings & SXM_WARN_CLAMP, SXM_WARN_CLAMP); /* no DS 15.2 fix */
	SEND(0x08, 0x02, 0x01, 0x02, 0x01, 0, 0, 0, 0);
	CHECK(sx126x_model_dio1(&m));
	SEND(0x02, 0x00, 0x01);
	CHECK(!sx126x_model_dio1(&m));
	CHECK_EQ(m.violations, 0);
}

int main(void)
{
	test_reset();
	test_refusals();
	test_tcxo();
	test_busy();
	test_sleep();
	test_buffer_irq();
	return DONE();
}

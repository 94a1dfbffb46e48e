/*
 * SX1262 driver (see sx126x.h).  Everything goes through SPI commands of
 * the Semtech SX1261/2 datasheet rev 2.1 ("DS"): section numbers and tables
 * are cited where a value comes from.  The command-level model in
 * firmware/sim/sx126x_model.c is written independently from the same
 * datasheet, and tests/radio runs this driver against it.
 */
#include "sx126x.h"

/* DS 13 (Table 11-1 "Commands"): opcodes. */
enum {
	OP_SET_SLEEP = 0x84,
	OP_SET_STANDBY = 0x80,
	OP_SET_TX = 0x83,
	OP_SET_RX = 0x82,
	OP_SET_CAD = 0xC5,
	OP_SET_REGULATOR = 0x96,
	OP_CALIBRATE = 0x89,
	OP_CALIBRATE_IMAGE = 0x98,
	OP_SET_PA_CONFIG = 0x95,
	OP_WRITE_REGISTER = 0x0D,
	OP_READ_REGISTER = 0x1D,
	OP_WRITE_BUFFER = 0x0E,
	OP_READ_BUFFER = 0x1E,
	OP_SET_DIO_IRQ = 0x08,
	OP_GET_IRQ_STATUS = 0x12,
	OP_CLEAR_IRQ = 0x02,
	OP_SET_DIO2_RF_SWITCH = 0x9D,
	OP_SET_DIO3_TCXO = 0x97,
	OP_SET_RF_FREQUENCY = 0x86,
	OP_SET_PACKET_TYPE = 0x8A,
	OP_SET_TX_PARAMS = 0x8E,
	OP_SET_MODULATION = 0x8B,
	OP_SET_PACKET_PARAMS = 0x8C,
	OP_SET_CAD_PARAMS = 0x88,
	OP_SET_BUFFER_BASE = 0x8F,
	OP_SET_SYMB_TIMEOUT = 0xA0,
	OP_GET_STATUS = 0xC0,
	OP_GET_RX_BUFFER_STATUS = 0x13,
	OP_GET_PACKET_STATUS = 0x14,
	OP_GET_DEVICE_ERRORS = 0x17,
	OP_CLEAR_DEVICE_ERRORS = 0x07,
};

/* DS Table 12-1 register addresses. */
enum {
	REG_IQ_POLARITY = 0x0736, /* DS 15.4: bit 2                          */
	REG_SYNC_WORD = 0x0740,   /* MSB; LSB at 0x0741                      */
	REG_TX_MODULATION = 0x0889, /* DS 15.1: bit 2                        */
	REG_RX_GAIN = 0x08AC,
	REG_TX_CLAMP = 0x08D8,    /* DS 15.2: bits 4:1                       */
	REG_OCP = 0x08E7,         /* 2.5 mA steps (DS 13.1.14)               */
};

/* DS Table 13-29 IRQ bits. */
enum {
	IRQ_TX_DONE = 1u << 0,
	IRQ_RX_DONE = 1u << 1,
	IRQ_PREAMBLE = 1u << 2,
	IRQ_HEADER_ERR = 1u << 5,
	IRQ_CRC_ERR = 1u << 6,
	IRQ_CAD_DONE = 1u << 7,
	IRQ_CAD_DETECTED = 1u << 8,
	IRQ_TIMEOUT = 1u << 9,
	IRQ_USED = IRQ_TX_DONE | IRQ_RX_DONE | IRQ_HEADER_ERR | IRQ_CRC_ERR | IRQ_CAD_DONE |
		   IRQ_CAD_DETECTED | IRQ_TIMEOUT,
};

#define NOP 0x00
#define RESET_PULSE_US 200   /* DS 8.1: NRESET low for more than 100 us   */
#define SLEEP_GUARD_US 500   /* DS 13.1.1: 500 us after SetSleep          */
#define TIMEOUT_CONTINUOUS 0xFFFFFFu

/* DS 13.4.6 SetModulationParams, Table 13-48: LoRa bandwidth codes.
 * bw_x6 is six times the exact bandwidth (32 MHz / 2^n, or / 3), which
 * makes every symbol time an exact integer division. */
static const struct {
	uint32_t hz;
	uint32_t x6;
	uint8_t code;
} bw_table[] = {
	{7812, 46875, 0x00},    {10417, 62500, 0x08},   {15625, 93750, 0x01},
	{20833, 125000, 0x09},  {31250, 187500, 0x02},  {41667, 250000, 0x0A},
	{62500, 375000, 0x03},  {125000, 750000, 0x04}, {250000, 1500000, 0x05},
	{500000, 3000000, 0x06},
};

static int bw_index(uint32_t hz)
{
	for (unsigned i = 0; i < sizeof bw_table / sizeof bw_table[0]; i++)
		if (bw_table[i].hz == hz)
			return (int)i;
	return -1;
}

void sx126x_init(struct sx126x *dev, const struct sx126x_io *io)
{
	*dev = (struct sx126x){0};
	dev->io = io;
	dev->busy_timeout_us = 10000;
	dev->tcxo_mv = 1800;
	dev->tcxo_delay_us = 5000;
	dev->image_band = 0xFF;
}

/* ---- transport: BUSY handshake and framing (DS 8.3.1) ---- */

/* Every command waits for BUSY low first; the wait is bounded so that a
 * dead or stuck radio becomes an error instead of a hung main loop. */
static int wait_ready(struct sx126x *dev)
{
	const struct sx126x_io *io = dev->io;
	uint64_t start = io->now_us(io->ctx);

	while (io->busy(io->ctx)) {
		if (io->now_us(io->ctx) - start > dev->busy_timeout_us)
			return SX126X_E_BUSY;
		io->delay_us(io->ctx, 2);
	}
	return SX126X_OK;
}

static int xfer(struct sx126x *dev, const uint8_t *tx, uint8_t *rx, size_t n)
{
	int r = wait_ready(dev);

	if (r < 0)
		return r;
	if (dev->io->spi(dev->io->ctx, tx, rx, n) <= 0)
		return SX126X_E_SPI;
	dev->status = rx[n > 1 ? 1 : 0];
	return SX126X_OK;
}

/* A write command: opcode then up to 8 parameter bytes. */
static int cmd(struct sx126x *dev, uint8_t op, const uint8_t *p, size_t n)
{
	uint8_t tx[12], rx[12];

	tx[0] = op;
	for (size_t i = 0; i < n; i++)
		tx[1 + i] = p[i];
	return xfer(dev, tx, rx, n + 1);
}

/* A read command: opcode, one NOP clocking out the status (DS 13.5),
 * then n data bytes. */
static int cmd_read(struct sx126x *dev, uint8_t op, uint8_t *out, size_t n)
{
	uint8_t tx[8] = {op}, rx[8];
	int r = xfer(dev, tx, rx, n + 2);

	for (size_t i = 0; r == 0 && i < n; i++)
		out[i] = rx[2 + i];
	return r;
}

/* DS 13.5.1 Table 13-76: status bits 3:1 are the command status; 3
 * (timeout), 4 (processing error) and 5 (failure to execute) mean the last
 * command was not carried out. */
static int check_status(struct sx126x *dev)
{
	int r = cmd_read(dev, OP_GET_STATUS, NULL, 0);
	uint8_t cs = (uint8_t)((dev->status >> 1) & 7);

	if (r < 0)
		return r;
	return cs >= 3 && cs <= 5 ? SX126X_E_CMD : SX126X_OK;
}

/* A configuration command whose outcome is checked at once. */
static int cmdc(struct sx126x *dev, uint8_t op, const uint8_t *p, size_t n)
{
	int r = cmd(dev, op, p, n);

	return r < 0 ? r : check_status(dev);
}

static int write_reg(struct sx126x *dev, uint16_t addr, uint8_t v)
{
	uint8_t p[3] = {(uint8_t)(addr >> 8), (uint8_t)addr, v};

	return cmd(dev, OP_WRITE_REGISTER, p, 3);
}

static int read_reg(struct sx126x *dev, uint16_t addr, uint8_t *v)
{
	uint8_t tx[5] = {OP_READ_REGISTER, (uint8_t)(addr >> 8), (uint8_t)addr, NOP, NOP};
	uint8_t rx[5];
	int r = xfer(dev, tx, rx, 5);

	*v = rx[4];
	return r;
}

/* Read-modify-write of the errata registers (DS 15). */
static int update_reg(struct sx126x *dev, uint16_t addr, uint8_t clear, uint8_t set)
{
	uint8_t v;
	int r = read_reg(dev, addr, &v);

	return r < 0 ? r : write_reg(dev, addr, (uint8_t)((v & ~clear) | set));
}

/* ---- reset, probe, setup ---- */

int sx126x_probe(struct sx126x *dev)
{
	const struct sx126x_io *io = dev->io;
	uint8_t msb, lsb, gain;
	int r;

	io->nreset(io->ctx, false);
	io->delay_us(io->ctx, RESET_PULSE_US);
	io->nreset(io->ctx, true);
	dev->state = SX126X_ST_OFF;
	dev->configured = false;
	dev->image_band = 0xFF;
	/* DS Table 12-1 reset values: LoRa sync word 0x1424, RX gain 0x94. */
	if ((r = read_reg(dev, REG_SYNC_WORD, &msb)) < 0 ||
	    (r = read_reg(dev, REG_SYNC_WORD + 1, &lsb)) < 0 ||
	    (r = read_reg(dev, REG_RX_GAIN, &gain)) < 0)
		return r;
	if (msb != 0x14 || lsb != 0x24 || gain != 0x94)
		return SX126X_E_PROBE;
	dev->state = SX126X_ST_STANDBY;
	return SX126X_OK;
}

/* DS 13.3.6 Table 13-35: DIO3 TCXO supply voltages. */
static int tcxo_code(uint16_t mv)
{
	static const uint16_t volts[] = {1600, 1700, 1800, 2200, 2400, 2700, 3000, 3300};

	for (int i = 0; i < 8; i++)
		if (volts[i] == mv)
			return i;
	return -1;
}

int sx126x_device_errors(struct sx126x *dev, uint16_t *errors)
{
	uint8_t e[2];
	int r = cmd_read(dev, OP_GET_DEVICE_ERRORS, e, 2);

	if (r == 0)
		*errors = dev->dev_errors = (uint16_t)(e[0] << 8 | e[1]);
	return r;
}

static int setup_clock(struct sx126x *dev)
{
	uint8_t zero[2] = {0, 0};
	int code = tcxo_code(dev->tcxo_mv);
	uint32_t d = dev->tcxo_delay_us * 64 / 1000; /* 15.625 us steps */
	uint8_t p[4] = {(uint8_t)code, (uint8_t)(d >> 16), (uint8_t)(d >> 8), (uint8_t)d};
	uint8_t all = 0x7F;
	int r;

	if (dev->tcxo_mv == 0)
		return cmdc(dev, OP_CALIBRATE, &all, 1);
	if (code < 0)
		return SX126X_E_TCXO;
	/* DS 13.3.6: with a TCXO the POR calibration flagged XOSC_START_ERR;
	 * clear it, power the TCXO and calibrate everything again. */
	if ((r = cmd(dev, OP_CLEAR_DEVICE_ERRORS, zero, 2)) < 0 ||
	    (r = cmdc(dev, OP_SET_DIO3_TCXO, p, 4)) < 0)
		return r;
	return cmdc(dev, OP_CALIBRATE, &all, 1);
}

int sx126x_setup(struct sx126x *dev)
{
	const struct sx126x_io *io = dev->io;
	uint8_t rc = 0, dcdc = 1, on = 1, lora = 1, base[2] = {0, 0};
	uint8_t irq[8] = {IRQ_USED >> 8, IRQ_USED & 0xFF, IRQ_USED >> 8, IRQ_USED & 0xFF, 0, 0, 0, 0};
	uint16_t errs;
	int r;

	if (dev->state == SX126X_ST_OFF || dev->state == SX126X_ST_SLEEP)
		return SX126X_E_STATE;
	if ((r = cmdc(dev, OP_SET_STANDBY, &rc, 1)) < 0 ||
	    (r = cmdc(dev, OP_SET_REGULATOR, &dcdc, 1)) < 0 || (r = setup_clock(dev)) < 0 ||
	    (r = cmdc(dev, OP_SET_DIO2_RF_SWITCH, &on, 1)) < 0 ||
	    (r = cmdc(dev, OP_SET_PACKET_TYPE, &lora, 1)) < 0 ||
	    (r = cmdc(dev, OP_SET_BUFFER_BASE, base, 2)) < 0 ||
	    (r = cmdc(dev, OP_SET_DIO_IRQ, irq, 8)) < 0 || (r = sx126x_device_errors(dev, &errs)) < 0)
		return r;
	/* Calibration failures are reported, never ignored (issue 7). */
	if (errs != 0)
		return SX126X_E_DEVICE;
	io->ant_power(io->ctx, true);
	return SX126X_OK;
}

/* ---- configuration ---- */

int sx126x_validate(const struct sx126x_lora_cfg *c)
{
	if (c->freq_hz < 150000000u || c->freq_hz > 960000000u)
		return SX126X_E_FREQ;
	if (c->power_dbm < -9 || c->power_dbm > 22)
		return SX126X_E_POWER;
	if (c->sf < 5 || c->sf > 12)
		return SX126X_E_SF;
	if (bw_index(c->bw_hz) < 0)
		return SX126X_E_BW;
	if (c->cr < 5 || c->cr > 8)
		return SX126X_E_CR;
	if (c->preamble == 0)
		return SX126X_E_PREAMBLE;
	if (c->implicit && c->payload_len == 0)
		return SX126X_E_LENGTH;
	if (c->ldro > SX126X_LDRO_ON)
		return SX126X_E_PARAM;
	return SX126X_OK;
}

uint32_t sx126x_symbol_us(uint8_t sf, uint32_t bw_hz)
{
	int i = bw_index(bw_hz);

	if (i < 0 || sf > 12)
		return 0;
	return (uint32_t)(((uint64_t)1 << sf) * 6000000u / bw_table[i].x6);
}

/* DS 6.1.1.4: recommended when the symbol time reaches 16 ms (SF11 and
 * SF12 at 125 kHz). */
bool sx126x_ldro_on(const struct sx126x_lora_cfg *c)
{
	if (c->ldro != SX126X_LDRO_AUTO)
		return c->ldro == SX126X_LDRO_ON;
	return sx126x_symbol_us(c->sf, c->bw_hz) >= 16000;
}

/* DS 6.1.4 (and hardware.md): symbols = preamble + 4.25 + 8 +
 * ceil(max(num, 0) / den) * CR, with num = 8 PL + 16 CRC - 4 SF + 20 H
 * (+ 8 for SF >= 7), den = 4 (SF - 2 LDRO) (SF5/6: 4 SF and 2 more
 * symbols).  Counted in quarter symbols, so 4.25 and 6.25 stay exact. */
uint32_t sx126x_time_on_air_us(const struct sx126x_lora_cfg *c, uint8_t len)
{
	int sf = c->sf, ldro = sx126x_ldro_on(c), i = bw_index(c->bw_hz);
	int num = 8 * len + (c->crc ? 16 : 0) - 4 * sf + (c->implicit ? 0 : 20);
	int den = 4 * sf, blocks;
	uint64_t q = 4u * c->preamble + 17 + 32; /* quarter symbols */

	if (sx126x_validate(c) < 0 || i < 0)
		return 0;
	if (sf >= 7) {
		num += 8;
		den = 4 * (sf - 2 * ldro);
	} else {
		q += 8;
	}
	blocks = num > 0 ? (num + den - 1) / den : 0;
	q += 4u * (uint32_t)blocks * c->cr;
	/* us = q/4 * 2^SF / BW = q * 2^SF * 6e6 / (4 * bw_x6), rounded */
	uint64_t n = q * ((uint64_t)1 << sf) * 6000000u, d = 4u * bw_table[i].x6;
	return (uint32_t)((n + d / 2) / d);
}

/* DS 9.2.1 Table 9-2: image calibration frequency pairs for the usual
 * bands; elsewhere a band of +-4 MHz around the carrier (4 MHz steps). */
static void image_band(uint32_t hz, uint8_t f[2])
{
	static const struct {
		uint16_t lo, hi;
		uint8_t f1, f2;
	} t[] = {{430, 440, 0x6B, 0x6F}, {470, 510, 0x75, 0x81}, {779, 787, 0xC1, 0xC5},
		 {863, 870, 0xD7, 0xDB}, {902, 928, 0xE1, 0xE9}};
	uint32_t mhz = hz / 1000000u;

	for (unsigned i = 0; i < sizeof t / sizeof t[0]; i++) {
		if (mhz >= t[i].lo && mhz <= t[i].hi) {
			f[0] = t[i].f1;
			f[1] = t[i].f2;
			return;
		}
	}
	f[0] = (uint8_t)((mhz - 4) / 4);
	f[1] = (uint8_t)((mhz + 4 + 3) / 4);
}

static int set_frequency(struct sx126x *dev, uint32_t hz)
{
	uint8_t band[2], p[4];
	/* DS 13.4.1: RF word = f * 2^25 / F_XTAL (32 MHz) */
	uint32_t w = (uint32_t)(((uint64_t)hz << 25) / 32000000u);
	int r;

	image_band(hz, band);
	if (band[0] != dev->image_band) {
		if ((r = cmdc(dev, OP_CALIBRATE_IMAGE, band, 2)) < 0)
			return r;
		dev->image_band = band[0];
	}
	p[0] = (uint8_t)(w >> 24);
	p[1] = (uint8_t)(w >> 16);
	p[2] = (uint8_t)(w >> 8);
	p[3] = (uint8_t)w;
	return cmdc(dev, OP_SET_RF_FREQUENCY, p, 4);
}

/* DS 13.1.14 Table 13-21: SX1262 +22 dBm PA settings (duty 4, hpMax 7,
 * deviceSel 0, paLut 1); SetTxParams then picks -9..+22 dBm with a 200 us
 * ramp (Table 13-41 code 4).  SetPaConfig resets the OCP, so the 140 mA
 * limit (0x38) is written after it; DS 15.2 clamp fix: 0x08D8 |= 0x1E. */
static int set_power(struct sx126x *dev, int8_t dbm)
{
	uint8_t pa[4] = {0x04, 0x07, 0x00, 0x01};
	uint8_t tx[2] = {(uint8_t)dbm, 0x04};
	int r;

	if ((r = cmdc(dev, OP_SET_PA_CONFIG, pa, 4)) < 0 || (r = write_reg(dev, REG_OCP, 0x38)) < 0 ||
	    (r = update_reg(dev, REG_TX_CLAMP, 0, 0x1E)) < 0)
		return r;
	return cmdc(dev, OP_SET_TX_PARAMS, tx, 2);
}

static int set_modulation(struct sx126x *dev, const struct sx126x_lora_cfg *c)
{
	uint8_t p[4] = {c->sf, bw_table[bw_index(c->bw_hz)].code, (uint8_t)(c->cr - 4),
			sx126x_ldro_on(c) ? 1 : 0};

	return cmdc(dev, OP_SET_MODULATION, p, 4);
}

/* DS 13.4.6.2 Table 13-66: preamble (2 bytes), header type (1 implicit),
 * payload length, CRC, IQ (1 inverted). */
static int set_packet(struct sx126x *dev, uint8_t len)
{
	const struct sx126x_lora_cfg *c = &dev->cfg;
	uint8_t p[6] = {(uint8_t)(c->preamble >> 8), (uint8_t)c->preamble, c->implicit, len, c->crc,
			c->invert_iq};

	return cmdc(dev, OP_SET_PACKET_PARAMS, p, 6);
}

/* DS 15.4: with inverted IQ, register 0x0736 bit 2 must be 0 (1 for the
 * standard polarity), after each SetPacketParams' IQ change. */
static int iq_fix(struct sx126x *dev)
{
	return dev->cfg.invert_iq ? update_reg(dev, REG_IQ_POLARITY, 0x04, 0)
				  : update_reg(dev, REG_IQ_POLARITY, 0, 0x04);
}

/* The sync byte 0xXY is stored as 0xX4 0xY4 (DS 6.1.1.3 / Table 12-1:
 * 0x12 -> 0x1424, 0x34 -> 0x3444). */
static int set_sync(struct sx126x *dev, uint8_t s)
{
	int r = write_reg(dev, REG_SYNC_WORD, (uint8_t)((s & 0xF0) | 0x04));

	return r < 0 ? r : write_reg(dev, REG_SYNC_WORD + 1, (uint8_t)((s << 4) | 0x04));
}

static int rx_len(const struct sx126x *dev)
{
	return dev->cfg.implicit ? dev->cfg.payload_len : 255;
}

int sx126x_standby(struct sx126x *dev, bool xosc)
{
	uint8_t m = xosc ? 1 : 0;
	int r;

	if (dev->state == SX126X_ST_OFF || dev->state == SX126X_ST_SLEEP)
		return SX126X_E_STATE;
	if ((r = cmdc(dev, OP_SET_STANDBY, &m, 1)) == 0)
		dev->state = SX126X_ST_STANDBY;
	return r;
}

int sx126x_configure(struct sx126x *dev, const struct sx126x_lora_cfg *c)
{
	int r = sx126x_validate(c);

	if (r < 0)
		return r;
	if ((r = sx126x_standby(dev, false)) < 0)
		return r;
	dev->cfg = *c;
	dev->configured = false;
	if ((r = set_frequency(dev, c->freq_hz)) < 0 || (r = set_power(dev, c->power_dbm)) < 0 ||
	    (r = set_modulation(dev, c)) < 0 || (r = set_packet(dev, (uint8_t)rx_len(dev))) < 0 ||
	    (r = iq_fix(dev)) < 0 || (r = set_sync(dev, c->sync_word)) < 0)
		return r;
	dev->configured = true;
	return SX126X_OK;
}

/* ---- operations ---- */

static int ready_to_operate(struct sx126x *dev)
{
	if (!dev->configured || dev->state == SX126X_ST_SLEEP || dev->state == SX126X_ST_OFF)
		return SX126X_E_STATE;
	if (dev->state != SX126X_ST_STANDBY)
		return sx126x_standby(dev, false);
	return SX126X_OK;
}

static void put24(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 16);
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)v;
}

/* The chip's timers count 15.625 us steps (DS 13.1.4); 0xFFFFFF is
 * reserved for continuous RX, so longer timeouts are clamped below it. */
static uint32_t timer_steps(uint32_t us)
{
	uint64_t s = ((uint64_t)us * 64 + 999) / 1000;

	return s >= TIMEOUT_CONTINUOUS ? TIMEOUT_CONTINUOUS - 1 : (uint32_t)s;
}

static int write_payload(struct sx126x *dev, const uint8_t *p, size_t n)
{
	uint8_t tx[2 + 255], rx[2 + 255];

	tx[0] = OP_WRITE_BUFFER;
	tx[1] = 0;
	for (size_t i = 0; i < n; i++)
		tx[2 + i] = p[i];
	return xfer(dev, tx, rx, n + 2);
}

/* SetTx/SetRx/SetCad keep BUSY high until the mode is reached (with the
 * TCXO starting: milliseconds), so their outcome is not waited for here:
 * sx126x_poll() reads it once BUSY is low (SX126X_EV_REFUSED). */
static int start_op(struct sx126x *dev, uint8_t op, const uint8_t *p, size_t n, uint8_t state)
{
	int r = cmd(dev, op, p, n);

	if (r == 0) {
		dev->state = state;
		dev->verify = true;
		/* the end of the frame (NSS rising) is when the chip acts */
		dev->op_start_us = dev->io->now_us(dev->io->ctx);
	}
	return r;
}

int sx126x_tx_start(struct sx126x *dev, const uint8_t *p, size_t n, uint32_t timeout_us)
{
	uint8_t t[3];
	int r;

	if (n == 0 || n > 255 || (dev->cfg.implicit && n != dev->cfg.payload_len))
		return SX126X_E_LENGTH;
	if ((r = ready_to_operate(dev)) < 0 || (r = set_packet(dev, (uint8_t)n)) < 0 ||
	    (r = write_payload(dev, p, n)) < 0 || (r = sx126x_irq_clear(dev, 0x03FF)) < 0)
		return r;
	/* DS 15.1: 0x0889 bit 2 is 0 for BW500, else 1, before each TX. */
	r = dev->cfg.bw_hz == 500000 ? update_reg(dev, REG_TX_MODULATION, 0x04, 0)
				     : update_reg(dev, REG_TX_MODULATION, 0, 0x04);
	if (r < 0)
		return r;
	put24(t, timeout_us ? timer_steps(timeout_us) : 0);
	return start_op(dev, OP_SET_TX, t, 3, SX126X_ST_TX);
}

int sx126x_rx_start(struct sx126x *dev, bool continuous, uint32_t timeout_us, uint8_t symb_timeout)
{
	uint8_t t[3];
	int r;

	if ((r = ready_to_operate(dev)) < 0 || (r = set_packet(dev, (uint8_t)rx_len(dev))) < 0 ||
	    (r = cmdc(dev, OP_SET_SYMB_TIMEOUT, &symb_timeout, 1)) < 0 ||
	    (r = sx126x_irq_clear(dev, 0x03FF)) < 0)
		return r;
	put24(t, continuous ? TIMEOUT_CONTINUOUS : timeout_us ? timer_steps(timeout_us) : 0);
	return start_op(dev, OP_SET_RX, t, 3, SX126X_ST_RX);
}

/* DS 13.4.7 Table 13-69: cadSymbolNum codes for 1, 2, 4, 8, 16 symbols.
 * Peak/min thresholds: SF + 13 and 10, the starting values of Semtech
 * AN1200.48 ("CAD performance"); cadExitMode 0 = CAD only. */
int sx126x_cad_start(struct sx126x *dev, uint8_t symbols)
{
	uint8_t code = 0, p[7];
	int r;

	while (code < 5 && (1u << code) != symbols)
		code++;
	if (code == 5)
		return SX126X_E_PARAM;
	p[0] = code;
	p[1] = (uint8_t)(dev->cfg.sf + 13);
	p[2] = 10;
	p[3] = 0;
	put24(p + 4, 0);
	if ((r = ready_to_operate(dev)) < 0 || (r = cmdc(dev, OP_SET_CAD_PARAMS, p, 7)) < 0 ||
	    (r = sx126x_irq_clear(dev, 0x03FF)) < 0)
		return r;
	return start_op(dev, OP_SET_CAD, NULL, 0, SX126X_ST_CAD);
}

/* DS 13.1.1: sleepConfig bit 2 = warm start (configuration kept). */
int sx126x_sleep(struct sx126x *dev, bool warm)
{
	uint8_t cfg = warm ? 0x04 : 0x00;
	int r;

	if (dev->state == SX126X_ST_OFF || dev->state == SX126X_ST_SLEEP)
		return SX126X_E_STATE;
	/* the chip takes SetSleep in standby only */
	if (dev->state != SX126X_ST_STANDBY && (r = sx126x_standby(dev, false)) < 0)
		return r;
	if ((r = cmd(dev, OP_SET_SLEEP, &cfg, 1)) < 0)
		return r;
	dev->sleep_us = dev->io->now_us(dev->io->ctx);
	dev->state = SX126X_ST_SLEEP;
	if (!warm)
		dev->configured = false;
	return SX126X_OK;
}

/* DS 13.1.1: the NSS falling edge of any frame wakes the chip (BUSY is
 * high while asleep, so this one frame does not wait for it); the frame
 * itself is lost, so it is a GetStatus.  No NSS edge for 500 us after
 * SetSleep. */
int sx126x_wakeup(struct sx126x *dev)
{
	const struct sx126x_io *io = dev->io;
	uint8_t tx[2] = {OP_GET_STATUS, NOP}, rx[2];
	uint64_t since = io->now_us(io->ctx) - dev->sleep_us;
	int r;

	if (dev->state != SX126X_ST_SLEEP)
		return SX126X_E_STATE;
	if (since < SLEEP_GUARD_US)
		io->delay_us(io->ctx, (uint32_t)(SLEEP_GUARD_US - since));
	if (io->spi(io->ctx, tx, rx, 2) <= 0)
		return SX126X_E_SPI;
	if ((r = wait_ready(dev)) < 0)
		return r;
	dev->state = SX126X_ST_STANDBY;
	if (!dev->configured)
		dev->image_band = 0xFF;
	return SX126X_OK;
}

int sx126x_irq_status(struct sx126x *dev, uint16_t *irq)
{
	uint8_t v[2];
	int r = cmd_read(dev, OP_GET_IRQ_STATUS, v, 2);

	if (r == 0)
		*irq = (uint16_t)(v[0] << 8 | v[1]);
	return r;
}

int sx126x_irq_clear(struct sx126x *dev, uint16_t mask)
{
	uint8_t p[2] = {(uint8_t)(mask >> 8), (uint8_t)mask};

	return cmd(dev, OP_CLEAR_IRQ, p, 2);
}

static uint32_t irq_to_events(uint16_t irq)
{
	static const struct {
		uint16_t irq;
		uint32_t ev;
	} map[] = {{IRQ_TX_DONE, SX126X_EV_TX_DONE},       {IRQ_RX_DONE, SX126X_EV_RX_DONE},
		   {IRQ_TIMEOUT, SX126X_EV_TIMEOUT},       {IRQ_CRC_ERR, SX126X_EV_CRC_ERR},
		   {IRQ_HEADER_ERR, SX126X_EV_HEADER_ERR}, {IRQ_CAD_DONE, SX126X_EV_CAD_DONE},
		   {IRQ_CAD_DETECTED, SX126X_EV_CAD_DETECTED}, {IRQ_PREAMBLE, SX126X_EV_PREAMBLE}};
	uint32_t ev = 0;

	for (unsigned i = 0; i < sizeof map / sizeof map[0]; i++)
		if (irq & map[i].irq)
			ev |= map[i].ev;
	return ev;
}

/* After TX done, a timeout, single RX done or CAD done the chip is back in
 * STDBY_RC (DS 13.1.4-13.1.5, fallback mode); continuous RX stays in RX. */
static void settle_state(struct sx126x *dev, uint32_t ev)
{
	if (dev->state == SX126X_ST_TX && (ev & (SX126X_EV_TX_DONE | SX126X_EV_TIMEOUT)))
		dev->state = SX126X_ST_STANDBY;
	if (dev->state == SX126X_ST_CAD && (ev & SX126X_EV_CAD_DONE))
		dev->state = SX126X_ST_STANDBY;
	if (dev->state == SX126X_ST_RX && (ev & SX126X_EV_TIMEOUT))
		dev->state = SX126X_ST_STANDBY;
}

/* The deferred check of start_op(): a refused SetTx/SetRx/SetCad leaves
 * the chip in standby with command status 4 or 5. */
static int verify_start(struct sx126x *dev, struct sx126x_event *ev)
{
	int r;

	dev->verify = false;
	r = check_status(dev);
	if (r == SX126X_E_CMD) {
		dev->state = SX126X_ST_STANDBY;
		ev->flags = SX126X_EV_REFUSED;
		return SX126X_OK;
	}
	return r;
}

int sx126x_poll(struct sx126x *dev, struct sx126x_event *ev)
{
	const struct sx126x_io *io = dev->io;
	uint16_t irq;
	int r;

	ev->flags = 0;
	ev->irq = 0;
	ev->time_us = io->now_us(io->ctx);
	if (dev->state == SX126X_ST_SLEEP || dev->state == SX126X_ST_OFF)
		return SX126X_OK;
	if (dev->verify && !io->busy(io->ctx) && ((r = verify_start(dev, ev)) < 0 || ev->flags))
		return r;
	if (!io->dio1(io->ctx))
		return SX126X_OK;
	if ((r = sx126x_irq_status(dev, &irq)) < 0 || (r = sx126x_irq_clear(dev, irq)) < 0)
		return r;
	ev->irq = irq;
	ev->flags = irq_to_events(irq);
	settle_state(dev, ev->flags);
	return SX126X_OK;
}

/* DS 13.5.2 GetRxBufferStatus, 13.5.3 GetPacketStatus (Table 13-84):
 * RssiPkt = -x/2 dBm, SnrPkt = (int8)x / 4 dB, SignalRssiPkt = -x/2 dBm. */
int sx126x_read_packet(struct sx126x *dev, uint8_t *buf, size_t cap, struct sx126x_rx_info *info)
{
	uint8_t bs[2], ps[3], tx[3 + 255] = {OP_READ_BUFFER}, rx[3 + 255];
	int r;

	if ((r = cmd_read(dev, OP_GET_RX_BUFFER_STATUS, bs, 2)) < 0 ||
	    (r = cmd_read(dev, OP_GET_PACKET_STATUS, ps, 3)) < 0)
		return r;
	if (bs[0] > cap)
		return SX126X_E_LENGTH;
	tx[1] = bs[1];
	if ((r = xfer(dev, tx, rx, (size_t)bs[0] + 3)) < 0)
		return r;
	for (size_t i = 0; i < bs[0]; i++)
		buf[i] = rx[3 + i];
	info->len = bs[0];
	info->rssi_dbm_x2 = (int16_t)-ps[0];
	info->snr_db_x4 = (int8_t)ps[1];
	info->signal_rssi_dbm_x2 = (int16_t)-ps[2];
	return SX126X_OK;
}

const char *sx126x_strerror(int err)
{
	static const char *const msg[] = {
		"ok",
		"radio BUSY stuck high",
		"SPI transfer failed",
		"radio not found (reset values differ)",
		"radio refused the command",
		"radio device errors (calibration/oscillator/PLL)",
		"not allowed in the radio's current state",
		"frequency out of range (150..960 MHz)",
		"TX power out of range (-9..+22 dBm)",
		"spreading factor out of range (5..12)",
		"bandwidth not a LoRa bandwidth (7812..500000 Hz)",
		"coding rate out of range (5..8 = 4/5..4/8)",
		"preamble length must be at least 1",
		"payload length out of range (1..255, = fixed length if implicit)",
		"TCXO voltage not available (1600,1700,1800,2200,2400,2700,3000,3300 mV)",
		"parameter out of range",
	};

	if (err > 0 || -err >= (int)(sizeof msg / sizeof msg[0]))
		return "unknown error";
	return msg[-err];
}

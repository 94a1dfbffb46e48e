/*
 * SX1262 driver, LoRa half (see sx126x.h): validation of the settings,
 * symbol time and time on air (DS 6.1.4), frequency with image
 * calibration, PA and power, modulation, packet parameters, sync word and
 * the datasheet's errata fixes (DS 15), and the non-blocking starts of TX,
 * RX and CAD.  Commands go through the transport of sx126x.c.
 */
#include "sx126x_priv.h"

/* DS 13.4.6 SetModulationParams, Table 13-48: LoRa bandwidth codes.
 * bw_x6 is six times the exact bandwidth (32 MHz / 2^n, or / 3), which
 * makes every symbol time an exact integer division. */
static const struct {
	uint32_t hz;
	uint32_t x6;
	uint8_t code;
} bw_table[] = {
    {7812, 46875, 0x00},     {10417, 62500, 0x08},    {15625, 93750, 0x01},  {20833, 125000, 0x09},
    {31250, 187500, 0x02},   {41667, 250000, 0x0A},   {62500, 375000, 0x03}, {125000, 750000, 0x04},
    {250000, 1500000, 0x05}, {500000, 3000000, 0x06},
};

static int bw_index(uint32_t hz)
{
	for (unsigned i = 0; i < sizeof bw_table / sizeof bw_table[0]; i++)
		if (bw_table[i].hz == hz)
			return (int)i;
	return -1;
}

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
 * bands; elsewhere a band of +-4 MHz around the carrier (4 MHz steps).
 * The 863-870 (0xD7 0xDB) and 902-928 (0xE1 0xE9) pairs are quoted from the
 * datasheet in RadioLib issue #1096, which also shows that computed pairs
 * outside the table can fail (status -707 there): the table is used as is. */
static void image_band(uint32_t hz, uint8_t f[2])
{
	static const struct {
		uint16_t lo, hi;
		uint8_t f1, f2;
	} t[] = {{430, 440, 0x6B, 0x6F},
	         {470, 510, 0x75, 0x81},
	         {779, 787, 0xC1, 0xC5},
	         {863, 870, 0xD7, 0xDB},
	         {902, 928, 0xE1, 0xE9}};
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
		if ((r = sx__cmdc(dev, OP_CALIBRATE_IMAGE, band, 2)) < 0)
			return r;
		dev->image_band = band[0];
	}
	p[0] = (uint8_t)(w >> 24);
	p[1] = (uint8_t)(w >> 16);
	p[2] = (uint8_t)(w >> 8);
	p[3] = (uint8_t)w;
	return sx__cmdc(dev, OP_SET_RF_FREQUENCY, p, 4);
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

	if ((r = sx__cmdc(dev, OP_SET_PA_CONFIG, pa, 4)) < 0 ||
	    (r = sx__write_reg(dev, REG_OCP, 0x38)) < 0 ||
	    (r = sx__update_reg(dev, REG_TX_CLAMP, 0, 0x1E)) < 0)
		return r;
	return sx__cmdc(dev, OP_SET_TX_PARAMS, tx, 2);
}

static int set_modulation(struct sx126x *dev, const struct sx126x_lora_cfg *c)
{
	uint8_t p[4] = {c->sf, bw_table[bw_index(c->bw_hz)].code, (uint8_t)(c->cr - 4),
	                sx126x_ldro_on(c) ? 1 : 0};

	return sx__cmdc(dev, OP_SET_MODULATION, p, 4);
}

/* DS 13.4.6.2 Table 13-66: preamble (2 bytes), header type (1 implicit),
 * payload length, CRC, IQ (1 inverted). */
static int set_packet(struct sx126x *dev, uint8_t len)
{
	const struct sx126x_lora_cfg *c = &dev->cfg;
	uint8_t p[6] = {(uint8_t)(c->preamble >> 8),
	                (uint8_t)c->preamble,
	                c->implicit,
	                len,
	                c->crc,
	                c->invert_iq};

	return sx__cmdc(dev, OP_SET_PACKET_PARAMS, p, 6);
}

/* DS 15.4: with inverted IQ, register 0x0736 bit 2 must be 0 (1 for the
 * standard polarity), after each SetPacketParams' IQ change. */
static int iq_fix(struct sx126x *dev)
{
	return dev->cfg.invert_iq ? sx__update_reg(dev, REG_IQ_POLARITY, 0x04, 0)
	                          : sx__update_reg(dev, REG_IQ_POLARITY, 0, 0x04);
}

/* The sync byte 0xXY is stored as 0xX4 0xY4 (DS 6.1.1.3 / Table 12-1:
 * 0x12 -> 0x1424, 0x34 -> 0x3444). */
static int set_sync(struct sx126x *dev, uint8_t s)
{
	int r = sx__write_reg(dev, REG_SYNC_WORD, (uint8_t)((s & 0xF0) | 0x04));

	return r < 0 ? r : sx__write_reg(dev, REG_SYNC_WORD + 1, (uint8_t)((s << 4) | 0x04));
}

static int rx_len(const struct sx126x *dev)
{
	return dev->cfg.implicit ? dev->cfg.payload_len : 255;
}

int sx126x_configure(struct sx126x *dev, const struct sx126x_lora_cfg *c)
{
	int r = sx126x_validate(c);

	if (r < 0)
		return r;
	if ((r = sx126x_standby(dev, dev->idle_xosc)) < 0)
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
		return sx126x_standby(dev, dev->idle_xosc);
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
	return sx__xfer(dev, tx, rx, n + 2);
}

/* SetTx/SetRx/SetCad keep BUSY high until the mode is reached (with the
 * TCXO starting: milliseconds), so their outcome is not waited for here:
 * sx126x_poll() reads it once BUSY is low (SX126X_EV_REFUSED). */
static int start_op(struct sx126x *dev, uint8_t op, const uint8_t *p, size_t n, uint8_t state)
{
	int r = sx__cmd(dev, op, p, n);

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
	r = dev->cfg.bw_hz == 500000 ? sx__update_reg(dev, REG_TX_MODULATION, 0x04, 0)
	                             : sx__update_reg(dev, REG_TX_MODULATION, 0, 0x04);
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
	    (r = sx__cmdc(dev, OP_SET_SYMB_TIMEOUT, &symb_timeout, 1)) < 0 ||
	    (r = sx126x_irq_clear(dev, 0x03FF)) < 0)
		return r;
	put24(t, continuous ? TIMEOUT_CONTINUOUS : timeout_us ? timer_steps(timeout_us) : 0);
	dev->rx_continuous = continuous;
	return start_op(dev, OP_SET_RX, t, 3, SX126X_ST_RX);
}

/* DS 13.4.7 Table 13-69: cadSymbolNum codes for 1, 2, 4, 8, 16 symbols.
 * Peak/min thresholds: SF + 13 and 10, the starting values of Semtech
 * AN1200.48 ("CAD performance").  cadExitMode 0 = CAD only, 1 = CAD_RX:
 * after a detection the chip receives (single RX, cadTimeout). */
int sx126x_cad_start(struct sx126x *dev, uint8_t symbols, bool then_rx, uint32_t rx_timeout_us)
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
	p[3] = then_rx ? 1 : 0;
	put24(p + 4, then_rx && rx_timeout_us ? timer_steps(rx_timeout_us) : 0);
	dev->cad_rx = then_rx;
	dev->rx_continuous = false;
	if ((r = ready_to_operate(dev)) < 0 || (r = sx__cmdc(dev, OP_SET_CAD_PARAMS, p, 7)) < 0 ||
	    (r = sx126x_irq_clear(dev, 0x03FF)) < 0)
		return r;
	return start_op(dev, OP_SET_CAD, NULL, 0, SX126X_ST_CAD);
}

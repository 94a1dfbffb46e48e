/*
 * The SX1262 model's command table and handlers (DS 11 Table 11-1, DS 13):
 * which opcodes exist, how many parameter bytes each needs, which chip
 * modes accept it, and what it does to the model's state.  The SPI entry
 * point in sx126x_model.c looks commands up here.
 */
#include "sx126x_model_priv.h"

#include <string.h>

/* ---- command handlers: p and n are the bytes after the opcode; each
 * returns the command status the chip reports for it ---- */

static int h_mode(struct sx126x_model *m, uint8_t op, const uint8_t *p, size_t n, uint8_t *rx)
{
	(void)n, (void)rx;
	switch (op) {
	case 0x80: /* SetStandby (DS 13.1.2) */
		if (p[0] > 1)
			return CS_ERROR;
		if (p[0] == 1 && sxm_need_xosc(m) != CS_OK)
			return CS_FAIL;
		m->busy_until = m->now + (p[0] ? TIME_XOSC + sxm_osc_delay(m) : TIME_CMD);
		sxm_clear_op(m);
		m->mode = p[0] ? SXM_STDBY_XOSC : SXM_STDBY_RC;
		return CS_OK;
	case 0xC1: /* SetFs (DS 13.1.3) */
		if (sxm_need_xosc(m) != CS_OK || !m->have_freq)
			return CS_FAIL;
		m->busy_until = m->now + sxm_osc_delay(m) + TIME_FS;
		m->mode = SXM_FS;
		return CS_OK;
	case 0x84: /* SetSleep (DS 13.1.1): bit 2 warm start */
		sxm_clear_op(m);
		m->warm = (p[0] & 0x04) != 0;
		m->mode = SXM_SLEEP;
		m->sleep_at = m->now;
		return CS_OK;
	case 0x83:
		return sxm_op_tx(m, p);
	case 0x82:
		return sxm_op_rx(m, p);
	default:
		return sxm_op_cad(m, p);
	}
}

static int h_calib(struct sx126x_model *m, uint8_t op, const uint8_t *p, size_t n, uint8_t *rx)
{
	(void)n, (void)rx;
	if (op == 0x89) { /* Calibrate (DS 13.1.12): bits 0..6 */
		if (p[0] & 0x80)
			return CS_ERROR;
		m->busy_until = m->now + TIME_CALIB;
		if (!m->xosc_ok)
			m->dev_errors |= E_XOSC_START;
		return CS_OK;
	}
	/* CalibrateImage (DS 13.1.13) needs the oscillator. */
	if (p[0] > p[1])
		return CS_ERROR;
	if (sxm_need_xosc(m) != CS_OK)
		return CS_FAIL;
	m->img[0] = p[0];
	m->img[1] = p[1];
	m->busy_until = m->now + TIME_IMAGE;
	return CS_OK;
}

/* SetPaConfig (DS 13.1.14, Table 13-21): SX1262 means deviceSel 0, paLut
 * 1, hpMax <= 7 and paDutyCycle <= 4 (higher may damage the PA).  It
 * sets the OCP to 140 mA.  SetTxParams (DS 13.4.4): -9..+22 dBm. */
static int h_power(struct sx126x_model *m, uint8_t op, const uint8_t *p)
{
	int8_t dbm = (int8_t)p[0];

	if (op == 0x95) {
		if (p[2] != 0 || p[3] != 1 || p[1] > 7 || p[0] > 4)
			return CS_ERROR;
		memcpy(m->pa, p, 4);
		m->regs[0x08E7] = 0x38;
		return CS_OK;
	}
	if (m->pa[3] != 1)
		return CS_FAIL; /* DS 14.2: SetPaConfig comes first */
	if (dbm < -9 || dbm > 22 || p[1] > 7)
		return CS_ERROR;
	m->power = dbm;
	m->ramp = p[1];
	m->have_tx_params = true;
	return CS_OK;
}

static int h_lora(struct sx126x_model *m, uint8_t op, const uint8_t *p)
{
	if (!m->lora)
		return CS_FAIL; /* DS 13.4.2: SetPacketType first */
	if (op == 0x8B) {       /* SetModulationParams, DS 13.4.5.2 */
		if (p[0] < 5 || p[0] > 12 || sx126x_model_bw_hz(p[1]) == 0 || p[2] < 1 ||
		    p[2] > 4 || p[3] > 1)
			return CS_ERROR;
		m->sf = p[0], m->bw = p[1], m->cr = p[2], m->ldro = p[3];
		m->have_mod = true;
	} else if (op == 0x8C) { /* SetPacketParams, DS 13.4.6.2 */
		if (p[2] > 1 || p[4] > 1 || p[5] > 1)
			return CS_ERROR;
		m->preamble = (uint16_t)(p[0] << 8 | p[1]);
		m->implicit = p[2], m->len = p[3], m->crc = p[4], m->iq = p[5];
		m->have_pkt = true;
	} else { /* SetCadParams, DS 13.4.7 */
		if (p[0] > 4 || p[3] > 1)
			return CS_ERROR;
		m->cad_sym = p[0];
		m->cad_exit = p[3];
		m->cad_timeout = (uint32_t)p[4] << 16 | p[5] << 8 | p[6];
	}
	return CS_OK;
}

static int h_config(struct sx126x_model *m, uint8_t op, const uint8_t *p, size_t n, uint8_t *rx)
{
	(void)n, (void)rx;
	switch (op) {
	case 0x95:
	case 0x8E:
		return h_power(m, op, p);
	case 0x86: /* SetRfFrequency (DS 13.4.1) */
		m->freq_word = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | p[2] << 8 | p[3];
		m->have_freq = true;
		return CS_OK;
	case 0x8A: /* SetPacketType (DS 13.4.2): 0 GFSK, 1 LoRa */
		if (p[0] > 1)
			return CS_ERROR;
		m->lora = p[0] == 1;
		m->have_mod = m->have_pkt = false;
		return CS_OK;
	default:
		return h_lora(m, op, p);
	}
}

static int h_dio3(struct sx126x_model *m, const uint8_t *p)
{
	/* DS 13.3.6 Table 13-35 */
	static const uint16_t mv[] = {1600, 1700, 1800, 2200, 2400, 2700, 3000, 3300};

	if (p[0] > 7)
		return CS_ERROR;
	m->tcxo_code = p[0];
	m->tcxo_delay = (uint32_t)p[1] << 16 | p[2] << 8 | p[3];
	if (m->cfg.tcxo_mv)
		m->xosc_ok = mv[p[0]] >= m->cfg.tcxo_mv && m->tcxo_delay > 0;
	return CS_OK;
}

static int h_simple(struct sx126x_model *m, uint8_t op, const uint8_t *p, size_t n, uint8_t *rx)
{
	(void)n, (void)rx;
	switch (op) {
	case 0x96: /* SetRegulatorMode (DS 13.1.11) */
		if (p[0] > 1)
			return CS_ERROR;
		m->regulator = p[0];
		break;
	case 0x8F:
		m->tx_base = p[0], m->rx_base = p[1];
		break;
	case 0xA0:
		m->symb_timeout = p[0];
		break;
	case 0x9D:
		m->dio2_rf = p[0] & 1;
		break;
	case 0x97:
		return h_dio3(m, p);
	case 0x08: /* SetDioIrqParams (DS 13.3.1) */
		m->irq_mask = (uint16_t)(p[0] << 8 | p[1]);
		for (int i = 0; i < 3; i++)
			m->dio_mask[i] = (uint16_t)(p[2 + 2 * i] << 8 | p[3 + 2 * i]);
		break;
	case 0x02:
		m->irq &= (uint16_t) ~(p[0] << 8 | p[1]);
		break;
	case 0x07:
		m->dev_errors = 0;
		break;
	case 0x93: /* SetRxTxFallbackMode (DS 13.1.15) */
		if (p[0] != 0x20 && p[0] != 0x30 && p[0] != 0x40)
			return CS_ERROR;
		m->fallback = p[0];
		break;
	default:
		m->stop_on_preamble = p[0] & 1;
		break;
	}
	return CS_OK;
}

/* Write/ReadRegister (DS 13.2.1-2) and Write/ReadBuffer (DS 13.2.3-4):
 * reads return data after the address (and offset) and one status byte. */
static int h_access(struct sx126x_model *m, uint8_t op, const uint8_t *p, size_t n, uint8_t *rx)
{
	uint16_t addr = (uint16_t)(p[0] << 8 | p[1]);

	switch (op) {
	case 0x0D:
		if (addr + (n - 2) > sizeof m->regs)
			return CS_ERROR;
		memcpy(m->regs + addr, p + 2, n - 2);
		return CS_OK;
	case 0x1D:
		if (addr + (n - 3) > sizeof m->regs)
			return CS_ERROR;
		memcpy(rx + 4, m->regs + addr, n - 3);
		return CS_OK;
	case 0x0E:
		for (size_t i = 1; i < n; i++)
			m->buf[(uint8_t)(p[0] + i - 1)] = p[i];
		return CS_OK;
	default:
		for (size_t i = 2; i < n; i++)
			rx[3 + i - 2] = m->buf[(uint8_t)(p[0] + i - 2)];
		return CS_OK;
	}
}

/* Get* commands (DS 13.5): status on the NOP, data after it. */
static int h_get(struct sx126x_model *m, uint8_t op, const uint8_t *p, size_t n, uint8_t *rx)
{
	uint8_t d[3] = {0, 0, 0};

	(void)p;
	switch (op) {
	case 0x12:
		d[0] = (uint8_t)(m->irq >> 8), d[1] = (uint8_t)m->irq;
		break;
	case 0x13:
		d[0] = m->rx_len, d[1] = m->rx_ptr;
		break;
	case 0x14:
		d[0] = m->rssi_pkt, d[1] = m->snr_pkt, d[2] = m->signal_rssi;
		break;
	case 0x15:
		d[0] = m->mode == SXM_RX ? 236 : 0;
		break; /* -118 dBm noise */
	case 0x17:
		d[0] = (uint8_t)(m->dev_errors >> 8), d[1] = (uint8_t)m->dev_errors;
		break;
	case 0x11:
		d[0] = m->lora;
		break;
	default:
		break;
	}
	for (size_t i = 1; i < n && i < 4; i++)
		rx[1 + i] = d[i - 1];
	return CS_OK;
}

/* DS 11 Table 11-1 with the modes each command is accepted in; len counts
 * the parameter bytes the command needs at least (reads: address/offset
 * and the status NOP). */
static const struct sxm_cmd cmds[] = {
    {0x80, 1, 0, ANY, h_mode},    {0xC1, 0, 0, CFG, h_mode},   {0x84, 1, 0, STBY, h_mode},
    {0x83, 3, 0, CFG, h_mode},    {0x82, 3, 0, CFG, h_mode},   {0xC5, 0, 0, CFG, h_mode},
    {0x96, 1, 0, RC, h_simple},   {0x89, 1, 0, RC, h_calib},   {0x98, 2, 0, STBY, h_calib},
    {0x95, 4, 0, CFG, h_config},  {0x8E, 2, 0, CFG, h_config}, {0x86, 4, 0, CFG, h_config},
    {0x8A, 1, 0, STBY, h_config}, {0x8B, 4, 0, CFG, h_config}, {0x8C, 6, 0, CFG, h_config},
    {0x88, 7, 0, CFG, h_config},  {0x8F, 2, 0, ANY, h_simple}, {0xA0, 1, 0, CFG, h_simple},
    {0x9D, 1, 0, STBY, h_simple}, {0x97, 4, 0, RC, h_simple},  {0x08, 8, 0, ANY, h_simple},
    {0x02, 2, 0, ANY, h_simple},  {0x07, 2, 0, ANY, h_simple}, {0x93, 1, 0, ANY, h_simple},
    {0x9F, 1, 0, CFG, h_simple},  {0x0D, 3, 0, ANY, h_access}, {0x1D, 3, 1, ANY, h_access},
    {0x0E, 1, 0, ANY, h_access},  {0x1E, 2, 1, ANY, h_access}, {0xC0, 1, 1, ANY, h_get},
    {0x12, 1, 1, ANY, h_get},     {0x13, 1, 1, ANY, h_get},    {0x14, 1, 1, ANY, h_get},
    {0x15, 1, 1, ANY, h_get},     {0x17, 1, 1, ANY, h_get},    {0x11, 1, 1, ANY, h_get},
};

const struct sxm_cmd *sxm_find_cmd(uint8_t op)
{
	for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
		if (cmds[i].op == op)
			return &cmds[i];
	return NULL;
}

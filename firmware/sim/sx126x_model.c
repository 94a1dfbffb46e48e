/*
 * Command-level SX1262 model (see sx126x_model.h).  One table lists every
 * opcode the model knows with its parameter count and the chip modes that
 * accept it (DS 11 Table 11-1 and the mode notes of DS 13); a handler per
 * command checks values and changes state.  What the chip refuses is
 * reported as it reports it: the command status field of the status byte
 * (DS 13.5.1 Table 13-76); what the chip would silently get wrong (a frame
 * during BUSY, a command while asleep) is counted in m->violations so a
 * test can insist on zero.  Timing values are in the TIME_* constants.
 */
#include "sx126x_model.h"

#include <math.h>
#include <string.h>

#include "sx126x_model_priv.h"

double sx126x_model_bw_hz(uint8_t code)
{
	/* DS Table 13-48 */
	switch (code) {
	case 0x00:
		return 7812.5;
	case 0x08:
		return 10416.666666666666;
	case 0x01:
		return 15625.0;
	case 0x09:
		return 20833.333333333332;
	case 0x02:
		return 31250.0;
	case 0x0A:
		return 41666.666666666664;
	case 0x03:
		return 62500.0;
	case 0x04:
		return 125000.0;
	case 0x05:
		return 250000.0;
	case 0x06:
		return 500000.0;
	default:
		return 0.0;
	}
}

/* Semtech AN1200.13 / DS 6.1.4, written in the AN1200.13 form:
 * n_payload = 8 + max(ceil((8PL - 4SF + 28 + 16CRC - 20IH) / 4(SF - 2DE))
 * (CR + 4), 0); SF5/SF6 drop the 28 (no +8), never use DE, and add two
 * symbols to the 4.25 of the preamble. */
double sx126x_model_toa_us(const struct radio_frame *f)
{
	double tsym = ldexp(1.0, f->sf) / sx126x_model_bw_hz(f->bw_code) * 1e6;
	bool small = f->sf < 7;
	double num =
	    8.0 * f->len - 4.0 * f->sf + (small ? 20 : 28) + 16.0 * f->crc - 20.0 * f->implicit;
	double den = 4.0 * (f->sf - (small ? 0 : 2 * f->ldro));
	double blocks = num > 0 ? ceil(num / den) : 0;
	double pre = f->preamble + (small ? 6.25 : 4.25);

	return (pre + 8 + blocks * (f->cr + 4)) * tsym;
}

static double tsym_us(const struct sx126x_model *m)
{
	return ldexp(1.0, m->sf) / sx126x_model_bw_hz(m->bw) * 1e6;
}

uint32_t sx126x_model_freq_hz(const struct sx126x_model *m)
{
	return (uint32_t)(((uint64_t)m->freq_word * 32000000u + (1u << 24)) >> 25);
}

static void violation(struct sx126x_model *m, const char *why)
{
	m->violations++;
	m->last_violation = why;
}

static void set_irq(struct sx126x_model *m, uint16_t bits)
{
	/* DS 13.3.1: only IRQs enabled in IrqMask are raised at all. */
	m->irq |= bits & m->irq_mask;
}

void sxm_clear_op(struct sx126x_model *m)
{
	if (m->mode == SXM_TX && m->t_tx_on == 0 && m->t_tx_done != 0 && m->link.tx_abort)
		m->link.tx_abort(m->link.ctx, m);
	m->t_tx_on = m->t_tx_done = m->t_timeout = m->t_cad_done = m->t_symb = 0;
	m->locked = false;
}

/* End of an operation: the fallback mode (DS 13.1.15, STDBY_RC by default). */
static void finish(struct sx126x_model *m)
{
	sxm_clear_op(m);
	m->mode = m->fallback == 0x30   ? SXM_STDBY_XOSC
	          : m->fallback == 0x20 ? SXM_FS
	                                : SXM_STDBY_RC;
}

/* Power-on state (DS Table 12-1 reset values; the 0x0736, 0x0889 and
 * 0x08D8 values are not in the DS: chosen so that the errata fixes must be
 * written, see docs/radio.md). */
static void power_on(struct sx126x_model *m)
{
	struct sx126x_model_cfg cfg = m->cfg;
	struct sx126x_model_link link = m->link;
	uint64_t now = m->now;
	uint32_t v = m->violations, w = m->warnings, c = m->commands;
	bool stuck = m->stuck_busy;
	const char *lv = m->last_violation;

	memset(m, 0, sizeof *m);
	m->cfg = cfg;
	m->link = link;
	m->now = now;
	m->violations = v;
	m->warnings = w;
	m->commands = c;
	m->last_violation = lv;
	m->stuck_busy = stuck;
	m->mode = SXM_STDBY_RC;
	m->regs[0x0740] = 0x14;
	m->regs[0x0741] = 0x24;
	m->regs[0x08AC] = 0x94;
	m->regs[0x08E7] = 0x18;
	m->regs[0x0911] = m->regs[0x0912] = 0x05;
	m->regs[0x0736] = 0x0D;
	m->regs[0x08D8] = 0xC8;
	m->img[0] = 0xE1; /* POR image calibration: 902-928 MHz (DS 9.2.1) */
	m->img[1] = 0xE9;
	m->fallback = 0x40; /* STDBY_RC (DS 13.1.15) */
	m->ramp = 0x04;
	m->xosc_ok = cfg.tcxo_mv == 0;
	/* DS 13.3.6: with a TCXO the POR calibration cannot start the XOSC. */
	if (!m->xosc_ok)
		m->dev_errors |= E_XOSC_START;
}

void sx126x_model_init(struct sx126x_model *m, const struct sx126x_model_cfg *cfg)
{
	memset(m, 0, sizeof *m);
	m->cfg = *cfg;
	power_on(m);
	m->busy_until = TIME_POR;
}

void sx126x_model_nreset(struct sx126x_model *m, bool level)
{
	if (!level) {
		sxm_clear_op(m);
		m->in_reset = true;
		return;
	}
	if (m->in_reset) {
		m->in_reset = false;
		power_on(m);
		m->busy_until = m->now + TIME_POR;
	}
}

bool sx126x_model_busy(const struct sx126x_model *m)
{
	/* DS 8.3.1: BUSY is high in reset, in sleep and while processing. */
	return m->stuck_busy || m->in_reset || m->mode == SXM_SLEEP || m->now < m->busy_until;
}

bool sx126x_model_dio1(const struct sx126x_model *m)
{
	return m->mode != SXM_SLEEP && (m->irq & m->dio_mask[0]) != 0;
}

/* ---- operations that need the oscillator ---- */

int sxm_need_xosc(struct sx126x_model *m)
{
	if (m->xosc_ok)
		return CS_OK;
	m->dev_errors |= E_XOSC_START;
	return CS_FAIL;
}

/* Extra start-up time when leaving STDBY_RC with a TCXO on DIO3. */
uint64_t sxm_osc_delay(const struct sx126x_model *m)
{
	if (m->cfg.tcxo_mv == 0 || m->mode != SXM_STDBY_RC)
		return 0;
	return (uint64_t)(m->tcxo_delay * SXM_STEP_US);
}

static bool configured(struct sx126x_model *m)
{
	return m->lora && m->have_freq && m->have_mod && m->have_pkt;
}

int sxm_op_tx(struct sx126x_model *m, const uint8_t *p)
{
	uint32_t t = (uint32_t)p[0] << 16 | p[1] << 8 | p[2];
	int cs = sxm_need_xosc(m);

	/* DS 14.2: packet type, frequency, modulation, packet and TX params
	 * come before SetTx; the model refuses a TX without them. */
	if (cs != CS_OK || !configured(m) || !m->have_tx_params)
		return CS_FAIL;
	m->op_start = m->now;
	m->t_tx_on = m->now + sxm_osc_delay(m) + TIME_TX;
	m->busy_until = m->t_tx_on;
	m->t_timeout = t ? m->t_tx_on + (uint64_t)(t * SXM_STEP_US) : 0;
	m->mode = SXM_TX;
	return CS_OK;
}

int sxm_op_rx(struct sx126x_model *m, const uint8_t *p)
{
	uint32_t t = (uint32_t)p[0] << 16 | p[1] << 8 | p[2];
	int cs = sxm_need_xosc(m);
	uint64_t ready;

	if (cs != CS_OK || !configured(m))
		return CS_FAIL;
	ready = m->now + sxm_osc_delay(m) + TIME_RX;
	sxm_clear_op(m);
	m->op_start = m->busy_until = ready;
	m->rx_continuous = t == 0xFFFFFF; /* DS 13.1.5 */
	if (t != 0 && !m->rx_continuous)
		m->t_timeout = ready + (uint64_t)(t * SXM_STEP_US);
	/* DS 13.4.9: no preamble within symbNum symbols ends a single RX. */
	if (!m->rx_continuous && m->symb_timeout)
		m->t_symb = ready + (uint64_t)(m->symb_timeout * tsym_us(m));
	m->mode = SXM_RX;
	return CS_OK;
}

int sxm_op_cad(struct sx126x_model *m, const uint8_t *p)
{
	int cs = sxm_need_xosc(m);
	uint64_t ready;

	(void)p;
	if (cs != CS_OK || !configured(m))
		return CS_FAIL;
	ready = m->now + sxm_osc_delay(m) + TIME_RX;
	m->op_start = m->busy_until = ready;
	m->t_cad_done = ready + (uint64_t)((1u << m->cad_sym) * tsym_us(m));
	m->mode = SXM_CAD;
	return CS_OK;
}

static uint64_t earliest(const struct sx126x_model *m)
{
	uint64_t t[] = {m->t_tx_on, m->t_tx_done, m->t_timeout, m->t_cad_done, m->t_symb};
	uint64_t best = UINT64_MAX;

	for (unsigned i = 0; i < 5; i++)
		if (t[i] && t[i] < best)
			best = t[i];
	return best;
}

uint64_t sx126x_model_next_event(const struct sx126x_model *m)
{
	return m->in_reset ? UINT64_MAX : earliest(m);
}

/* Which errata fixes are missing for this transmission (DS 15). */
static void check_tx_errata(struct sx126x_model *m)
{
	bool bw500 = m->bw == 0x06, bit = (m->regs[0x0889] & 0x04) != 0;
	uint32_t mhz = sx126x_model_freq_hz(m) / 1000000u;

	if (bw500 == bit)
		m->warnings |= SXM_WARN_BW500;
	if ((m->regs[0x08D8] & 0x1E) != 0x1E)
		m->warnings |= SXM_WARN_CLAMP;
	if (m->pa[1] == 0x07 && m->regs[0x08E7] < 0x38)
		m->warnings |= SXM_WARN_OCP;
	if (mhz < m->img[0] * 4u || mhz > m->img[1] * 4u)
		m->warnings |= SXM_WARN_IMAGE;
}

static void tx_on(struct sx126x_model *m)
{
	struct radio_frame *f = &m->txf;

	f->freq_hz = sx126x_model_freq_hz(m);
	f->sf = m->sf;
	f->bw_code = m->bw;
	f->cr = m->cr;
	f->ldro = m->ldro;
	f->implicit = m->implicit;
	f->crc = m->crc;
	f->invert_iq = m->iq;
	f->sync = (uint16_t)(m->regs[0x0740] << 8 | m->regs[0x0741]);
	f->preamble = m->preamble;
	f->power_dbm = m->power;
	f->len = m->len;
	for (unsigned i = 0; i < m->len; i++)
		f->payload[i] = m->buf[(uint8_t)(m->tx_base + i)];
	f->src = m->cfg.node;
	f->t_start_us = m->now;
	f->t_end_us = m->now + (uint64_t)llround(sx126x_model_toa_us(f));
	check_tx_errata(m);
	m->t_tx_on = 0;
	m->t_tx_done = f->t_end_us;
	if (m->link.tx_start)
		m->link.tx_start(m->link.ctx, m, f);
}

/* DS 13.4.7 cadExitMode CAD_RX: after a detection the chip stays in RX
 * (single) for cadTimeout steps, or until the packet is received. */
static void cad_to_rx(struct sx126x_model *m)
{
	m->t_cad_done = 0;
	m->mode = SXM_RX;
	m->rx_continuous = false;
	m->op_start = m->now;
	m->t_timeout = m->cad_timeout ? m->now + (uint64_t)(m->cad_timeout * SXM_STEP_US) : 0;
	if (m->link.rx_ready)
		m->link.rx_ready(m->link.ctx, m);
}

static void fire(struct sx126x_model *m, uint64_t t)
{
	bool det;

	if (t == m->t_tx_on) {
		tx_on(m);
	} else if (t == m->t_tx_done) {
		m->t_tx_done = 0;
		set_irq(m, I_TX_DONE);
		m->cmd_status = CS_TX_DONE;
		finish(m);
	} else if (t == m->t_cad_done) {
		det = m->link.cad && m->link.cad(m->link.ctx, m, m->op_start, t);
		set_irq(m, I_CAD_DONE | (det ? I_CAD_DET : 0));
		if (det && m->cad_exit == 1)
			cad_to_rx(m);
		else
			finish(m);
	} else { /* t_timeout or t_symb */
		set_irq(m, I_TIMEOUT);
		finish(m);
	}
}

void sx126x_model_advance(struct sx126x_model *m, uint64_t t)
{
	uint64_t e;

	while (!m->in_reset && (e = earliest(m)) <= t) {
		m->now = e;
		fire(m, e);
	}
	if (t > m->now)
		m->now = t;
}

/* ---- reception (called by the medium) ---- */

bool sx126x_model_hears(const struct sx126x_model *m, const struct radio_frame *f)
{
	uint16_t sync = (uint16_t)(m->regs[0x0740] << 8 | m->regs[0x0741]);

	if (m->mode != SXM_RX || m->locked || m->now < m->op_start || !m->lora)
		return false;
	if (f->freq_hz != sx126x_model_freq_hz(m) || f->sf != m->sf || f->bw_code != m->bw ||
	    f->sync != sync || f->invert_iq != m->iq || f->implicit != m->implicit ||
	    f->ldro != m->ldro)
		return false;
	/* Implicit header: nothing on air says length, CR or CRC (DS 6.1.3). */
	if (m->implicit && (f->len != m->len || f->cr != m->cr || f->crc != m->crc))
		return false;
	return true;
}

bool sx126x_model_rx_begin(struct sx126x_model *m, const struct radio_frame *f)
{
	if (!sx126x_model_hears(m, f))
		return false;
	/* DS 15.4: with inverted IQ and 0x0736 bit 2 still set the chip loses
	 * packets; the model loses them all. */
	if (m->iq && (m->regs[0x0736] & 0x04)) {
		m->warnings |= SXM_WARN_IQ;
		return false;
	}
	m->locked = true;
	m->lock_src = f->src;
	m->lock_t = f->t_start_us;
	/* DS 13.1.7/13.4.9: preamble detection stops the symbol timeout and
	 * (the default) sync/header detection stops the RX timeout. */
	m->t_symb = 0;
	m->t_timeout = 0;
	set_irq(m, I_PREAMBLE | I_SYNC | (m->implicit ? 0 : I_HEADER));
	return true;
}

static bool is_lock(const struct sx126x_model *m, const struct radio_frame *f)
{
	return m->locked && m->mode == SXM_RX && m->lock_src == f->src &&
	       m->lock_t == f->t_start_us;
}

static uint8_t enc_rssi(int dbm)
{
	/* DS Table 13-84: RssiPkt = -value / 2 dBm */
	int v = -2 * dbm;

	return (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
}

bool sx126x_model_rx_end(struct sx126x_model *m, const struct radio_frame *f, int rssi_dbm,
                         int snr_db_x4, bool crc_ok)
{
	if (!is_lock(m, f))
		return false;
	for (unsigned i = 0; i < f->len; i++)
		m->buf[(uint8_t)(m->rx_base + i)] = f->payload[i];
	m->rx_len = f->len;
	m->rx_ptr = m->rx_base;
	m->rssi_pkt = enc_rssi(rssi_dbm);
	m->snr_pkt = (uint8_t)(int8_t)(snr_db_x4 < -128 ? -128 : snr_db_x4 > 127 ? 127 : snr_db_x4);
	/* DS 13.5.3: the signal RSSI is the part above the noise. */
	m->signal_rssi = enc_rssi(snr_db_x4 < 0 ? rssi_dbm + snr_db_x4 / 4 : rssi_dbm);
	set_irq(m, I_RX_DONE | (f->crc && !crc_ok ? I_CRC : 0));
	m->cmd_status = CS_DATA;
	m->locked = false;
	if (!m->rx_continuous)
		finish(m);
	return true;
}

void sx126x_model_rx_drop(struct sx126x_model *m, const struct radio_frame *f)
{
	if (is_lock(m, f))
		m->locked = false;
}

/* ---- the SPI entry point ---- */

static uint8_t status_byte(const struct sx126x_model *m)
{
	/* DS Table 13-76: chip mode in bits 6:4 (2 STBY_RC, 3 STBY_XOSC, 4 FS,
	 * 5 RX, 6 TX; CAD runs in RX), command status in bits 3:1. */
	static const uint8_t code[] = {0, 2, 3, 4, 6, 5, 5};

	return (uint8_t)(code[m->mode] << 4 | m->cmd_status << 1);
}

/* NSS falling edge in sleep: the chip wakes up; the frame is not executed
 * (DS 13.1.1: "the command is lost"; GetStatus is the usual wake frame). */
static int wake(struct sx126x_model *m, uint8_t op)
{
	if (m->now < m->sleep_at + TIME_SLEEP_GUARD)
		violation(m, "NSS within 500 us of SetSleep");
	if (op != 0xC0)
		violation(m, "command sent while asleep (lost: only wakes the chip)");
	if (!m->warm)
		power_on(m);
	m->mode = SXM_STDBY_RC;
	m->busy_until = m->now + (m->warm ? TIME_WAKE_WARM : TIME_WAKE_COLD);
	return 0;
}

int sx126x_model_spi(struct sx126x_model *m, const uint8_t *tx, uint8_t *rx, size_t n)
{
	const struct sxm_cmd *c;
	uint8_t st;

	memset(rx, 0, n);
	if (n == 0)
		return 0;
	if (m->in_reset) {
		violation(m, "SPI while NRESET is low");
		return 0;
	}
	if (m->mode == SXM_SLEEP)
		return wake(m, tx[0]);
	if (sx126x_model_busy(m)) {
		violation(m, "SPI frame while BUSY is high (DS 8.3.1)");
		return 0;
	}
	m->commands++;
	st = status_byte(m);
	memset(rx, st, n);
	c = sxm_find_cmd(tx[0]);
	if (!c || n - 1 < c->len) {
		m->cmd_status = CS_ERROR; /* unknown opcode or too few bytes */
		return (int)n;
	}
	if (!(c->modes & (1u << m->mode))) {
		m->cmd_status = CS_FAIL;
		return (int)n;
	}
	if (!c->read)
		m->busy_until = m->now + TIME_CMD;
	m->cmd_status = (uint8_t)c->fn(m, tx[0], tx + 1, n - 1, rx);
	return (int)n;
}

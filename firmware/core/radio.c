/*
 * RADIO subsystem: the SX1262 (firmware/drivers/sx126x.h) behind the RADIO
 * opcodes.  The driver talks to the chip through struct sx126x_io, adapted
 * to the HAL in radio_io.c (which also builds the RX events).  SEND, SEND_AT and CAD are deferred
 * (wisfw_defer) and answered from the poll hook when DIO1 reports the end; RX packets and errors
 * become events.  After a TX or CAD the radio goes back to RX if the host had it receiving.
 */
#include <string.h>

#include "core_priv.h"

/* STDBY -> TX ramp (DS 13.1: the PA ramp after SetTx), added to the TCXO
 * start-up when the radio idles in STDBY_RC. */
#define TX_RAMP_US 126u
/* SEND_AT: the least notice the host must give beyond the start-up. */
#define AT_MIN_LEAD_US 2000u
/* While a TX or CAD should have ended, look at DIO1 this often. */
#define POLL_US 200u

/* Everything a request needs before it may use the radio. */
static uint8_t ready(struct wisfw_core *c, const char *op, bool idle)
{
	struct wisfw_radio *r = &c->radio;
	uint8_t st = wisfw_radio_need_hal(c, op);
	if (st != WIS_ST_OK)
		return st;
	if (!r->up || !r->dev.configured) {
		wisfw_d_str(c, op);
		wisfw_d_str(c, ": the radio is not configured (RADIO_CONFIG first)");
		return WIS_ST_WRONG_MODE;
	}
	if (idle && r->op != WISFW_RADIO_IDLE) {
		wisfw_d_str(c, op);
		wisfw_d_str(c, r->op == WISFW_RADIO_CAD ? ": a CAD is in progress"
		                                        : ": a transmission is in progress");
		return WIS_ST_BUSY;
	}
	return WIS_ST_OK;
}

static void append_int(struct wisfw_core *c, int32_t v)
{
	if (v < 0)
		wisfw_d_str(c, "-");
	wisfw_d_uint(c, (uint32_t)(v < 0 ? -v : v));
}

/* Goes (back) to RX as the host last asked, else stays in standby. */
static int resume_rx(struct wisfw_core *c)
{
	struct wisfw_radio *r = &c->radio;
	if (!r->receiving)
		return SX126X_OK;
	return sx126x_rx_start(&r->dev, !r->rx_single, r->rx_timeout_us, 0);
}

/* Leaves RX (or anything) for a new operation. */
static int to_standby(struct wisfw_radio *r)
{
	if (r->dev.state == SX126X_ST_STANDBY)
		return SX126X_OK;
	return sx126x_standby(&r->dev, r->dev.idle_xosc);
}

/* ---- RADIO_CONFIG ---- */

static const uint32_t bws[] = {7812,  10417, 15625,  20833,  31250,
                               41667, 62500, 125000, 250000, 500000};
static const uint16_t tcxos[] = {0, 1600, 1700, 1800, 2200, 2400, 2700, 3000, 3300};

/* The checks the table cannot state; the detail names the parameter and
 * what it accepts. */
static uint8_t check_config(struct wisfw_core *c, const union wis_val *v)
{
	int64_t p = v[1].i;
	bool ok = false;
	if (p < -9 || p > 22) {
		wisfw_d_str(c, "RADIO_CONFIG power_dbm ");
		append_int(c, (int32_t)p);
		wisfw_d_str(c, " out of range -9..22");
		return WIS_ST_BAD_ARG;
	}
	for (size_t i = 0; i < sizeof bws / sizeof bws[0]; i++)
		ok |= v[3].u == bws[i];
	if (!ok) {
		wisfw_d_str(c, "RADIO_CONFIG bw_hz ");
		wisfw_d_uint(c, (uint32_t)v[3].u);
		wisfw_d_str(c, " not a LoRa bandwidth: 7812, 10417, 15625, 20833, 31250, "
		               "41667, 62500, 125000, 250000 or 500000");
		return WIS_ST_BAD_ARG;
	}
	ok = false;
	for (size_t i = 0; i < sizeof tcxos / sizeof tcxos[0]; i++)
		ok |= v[12].u == tcxos[i];
	if (!ok) {
		wisfw_d_str(c, "RADIO_CONFIG tcxo_mv ");
		wisfw_d_uint(c, (uint32_t)v[12].u);
		wisfw_d_str(c, " not a DIO3 voltage: 0 (crystal), 1600, 1700, 1800, 2200, "
		               "2400, 2700, 3000 or 3300");
		return WIS_ST_BAD_ARG;
	}
	if (v[7].u && v[8].u == 0) {
		wisfw_d_str(c, "RADIO_CONFIG payload_len 0 out of range 1..255 (implicit header)");
		return WIS_ST_BAD_ARG;
	}
	return WIS_ST_OK;
}

/* Probe and set up when first configured or when a setup-time setting
 * (TCXO voltage, idle oscillator) changes. */
static uint8_t bring_up(struct wisfw_core *c, uint16_t tcxo_mv, bool idle_xosc)
{
	struct wisfw_radio *r = &c->radio;
	int e;
	if (r->up && r->dev.tcxo_mv == tcxo_mv && r->dev.idle_xosc == idle_xosc)
		return WIS_ST_OK;
	r->up = false;
	wisfw_radio_pins_setup(c);
	sx126x_init(&r->dev, &r->io);
	if (c->hal->board->radio_busy_timeout_us)
		r->dev.busy_timeout_us = c->hal->board->radio_busy_timeout_us;
	r->dev.tcxo_mv = tcxo_mv;
	r->dev.idle_xosc = idle_xosc;
	if ((e = sx126x_probe(&r->dev)) < 0 || (e = sx126x_setup(&r->dev)) < 0)
		return wisfw_radio_fail(c, "RADIO_CONFIG", e);
	r->up = true;
	return WIS_ST_OK;
}

static uint8_t h_config(struct wisfw_core *c, const union wis_val *v, struct wis_wr *out)
{
	struct wisfw_radio *r = &c->radio;
	uint8_t st = wisfw_radio_need_hal(c, "RADIO_CONFIG");
	if (st != WIS_ST_OK || (st = check_config(c, v)) != WIS_ST_OK)
		return st;
	if (r->op != WISFW_RADIO_IDLE) {
		wisfw_d_str(c, "RADIO_CONFIG: a transmission or CAD is in progress");
		return WIS_ST_BUSY;
	}
	struct sx126x_lora_cfg cfg = {.freq_hz = (uint32_t)v[0].u,
	                              .power_dbm = (int8_t)v[1].i,
	                              .sf = (uint8_t)v[2].u,
	                              .bw_hz = (uint32_t)v[3].u,
	                              .cr = (uint8_t)v[4].u,
	                              .ldro = (uint8_t)v[5].u,
	                              .preamble = (uint16_t)v[6].u,
	                              .implicit = v[7].u != 0,
	                              .payload_len = (uint8_t)v[8].u,
	                              .crc = v[9].u != 0,
	                              .invert_iq = v[10].u != 0,
	                              .sync_word = (uint8_t)v[11].u};
	int e = sx126x_validate(&cfg);
	if (e < 0) {
		wisfw_d_str(c, "RADIO_CONFIG: ");
		wisfw_d_str(c, sx126x_strerror(e));
		return WIS_ST_BAD_ARG;
	}
	if ((st = bring_up(c, (uint16_t)v[12].u, v[13].u != 0)) != WIS_ST_OK)
		return st;
	if ((e = to_standby(r)) < 0 || (e = sx126x_configure(&r->dev, &cfg)) < 0 ||
	    (e = resume_rx(c)) < 0)
		return wisfw_radio_fail(c, "RADIO_CONFIG", e);
	wis_wr_u8(out, sx126x_ldro_on(&cfg));
	wis_wr_u32(out, sx126x_symbol_us(cfg.sf, cfg.bw_hz));
	return WIS_ST_OK;
}

/* ---- SEND, SEND_AT ---- */

/* Start-up from SetTx to the first preamble symbol. */
static uint32_t tx_lead_us(const struct wisfw_radio *r)
{
	uint32_t t = TX_RAMP_US;
	if (!r->dev.idle_xosc && r->dev.tcxo_mv)
		t += r->dev.tcxo_delay_us;
	return t;
}

/* Refuses a payload the implicit header does not allow and a timeout
 * shorter than the time on air. */
static uint8_t check_packet(struct wisfw_core *c, const char *op, const union wis_val *tmo,
                            const union wis_val *pl)
{
	struct wisfw_radio *r = &c->radio;
	uint32_t toa = sx126x_time_on_air_us(&r->dev.cfg, (uint8_t)pl->b.len);
	if (r->dev.cfg.implicit && pl->b.len != r->dev.cfg.payload_len) {
		wisfw_d_str(c, op);
		wisfw_d_str(c, " payload of ");
		wisfw_d_uint(c, (uint32_t)pl->b.len);
		wisfw_d_str(c, " bytes: the implicit header fixes it at ");
		wisfw_d_uint(c, r->dev.cfg.payload_len);
		return WIS_ST_BAD_ARG;
	}
	if (tmo->u && tmo->u * 1000 < toa) {
		wisfw_d_str(c, op);
		wisfw_d_str(c, " timeout_ms ");
		wisfw_d_uint(c, (uint32_t)tmo->u);
		wisfw_d_str(c, " is shorter than the time on air (");
		wisfw_d_uint(c, toa);
		wisfw_d_str(c, " us)");
		return WIS_ST_BAD_ARG;
	}
	return WIS_ST_OK;
}

/* The packet the next TX sends, with its time on air and TX timeout. */
static void load_packet(struct wisfw_radio *r, uint32_t timeout_ms, const uint8_t *p, size_t len)
{
	uint32_t toa = sx126x_time_on_air_us(&r->dev.cfg, (uint8_t)len);
	r->toa_us = toa;
	r->timeout_us = timeout_ms ? timeout_ms * 1000 : toa + toa / 2 + 100000;
	r->len = (uint8_t)len;
	memcpy(r->buf, p, len);
}

/* Sends SetTx now (the radio leaves RX for it). */
static int tx_go(struct wisfw_core *c)
{
	struct wisfw_radio *r = &c->radio;
	int e = to_standby(r);
	uint64_t t0 = c->hal->time->now_us(c->hal->ctx);
	if (e == SX126X_OK)
		e = sx126x_tx_start(&r->dev, r->buf, r->len, r->timeout_us);
	/* What the payload transfer took this time: SEND_AT's next estimate. */
	if (e == SX126X_OK && r->dev.op_start_us >= t0)
		r->prep_us = (uint32_t)(r->dev.op_start_us - t0);
	/* The preamble starts a fixed start-up after SetTx, the driver's last
	 * command: time it from there. */
	r->set_at = wisfw_dev_time(c, r->dev.op_start_us);
	r->op = WISFW_RADIO_TX;
	r->due = r->set_at + tx_lead_us(r) + r->toa_us;
	return e;
}

/* A send while the radio is busy waits in the queue (deferred too). */
static uint8_t enqueue(struct wisfw_core *c, const union wis_val *v)
{
	struct wisfw_radio *r = &c->radio;
	if (r->qn == WISFW_RADIO_TXQ) {
		wisfw_d_str(c, "RADIO_SEND: the radio is busy and ");
		wisfw_d_uint(c, WISFW_RADIO_TXQ);
		wisfw_d_str(c, " more sends wait");
		return WIS_ST_BUSY;
	}
	int t = wisfw_defer(c);
	if (t < 0)
		return WIS_ST_INTERNAL; /* not batchable: cannot happen */
	struct wisfw_radio_pkt *k = &r->q[(r->qhead + r->qn++) % WISFW_RADIO_TXQ];
	k->ticket = t;
	k->timeout_ms = (uint32_t)v[0].u;
	k->len = (uint8_t)v[1].b.len;
	memcpy(k->buf, v[1].b.p, v[1].b.len);
	return WISFW_ST_DEFER;
}

static uint8_t h_send(struct wisfw_core *c, const union wis_val *v, struct wis_wr *out)
{
	(void)out;
	struct wisfw_radio *r = &c->radio;
	uint8_t st = ready(c, "RADIO_SEND", false);
	if (st != WIS_ST_OK || (st = check_packet(c, "RADIO_SEND", &v[0], &v[1])) != WIS_ST_OK)
		return st;
	if (r->op != WISFW_RADIO_IDLE)
		return enqueue(c, v);
	load_packet(r, (uint32_t)v[0].u, v[1].b.p, v[1].b.len);
	int t = wisfw_defer(c);
	if (t < 0)
		return WIS_ST_INTERNAL; /* not batchable: cannot happen */
	int e = tx_go(c);
	if (e < 0) {
		r->op = WISFW_RADIO_IDLE;
		wisfw_d_reset(c);
		wisfw_answer(c, t, wisfw_radio_fail(c, "RADIO_SEND", e), NULL, 0);
		return WISFW_ST_DEFER;
	}
	r->ticket = t;
	return WISFW_ST_DEFER;
}

static uint8_t h_send_at(struct wisfw_core *c, const union wis_val *v, struct wis_wr *out)
{
	(void)out;
	struct wisfw_radio *r = &c->radio;
	uint8_t st = ready(c, "RADIO_SEND_AT", true);
	if (st != WIS_ST_OK || (st = check_packet(c, "RADIO_SEND_AT", &v[1], &v[2])) != WIS_ST_OK)
		return st;
	load_packet(r, (uint32_t)v[1].u, v[2].b.p, v[2].b.len);
	uint64_t now = wisfw_now(c), at = v[0].u;
	uint64_t lead = tx_lead_us(r) + r->prep_us + AT_MIN_LEAD_US;
	if (at < now + lead) {
		wisfw_d_str(c, "RADIO_SEND_AT at_us ");
		wisfw_d_uint(c, (uint32_t)(at / 1000));
		wisfw_d_str(c, " ms is too late: device time is ");
		wisfw_d_uint(c, (uint32_t)(now / 1000));
		wisfw_d_str(c, " ms and a TX needs ");
		wisfw_d_uint(c, (uint32_t)lead);
		wisfw_d_str(c, " us of notice");
		return WIS_ST_TOO_LATE;
	}
	if (at > now + WIS_RADIO_AT_MAX_AHEAD_US) {
		wisfw_d_str(c, "RADIO_SEND_AT at_us is ");
		wisfw_d_uint(c, (uint32_t)((at - now) / 1000));
		wisfw_d_str(c, " ms ahead: at most 60000 ms");
		return WIS_ST_TOO_EARLY;
	}
	int t = wisfw_defer(c);
	if (t < 0)
		return WIS_ST_INTERNAL;
	r->ticket = t;
	r->op = WISFW_RADIO_TX_WAIT;
	/* SetTx goes out early by the start-up and the payload transfer, so
	 * the preamble starts at 'at'. */
	r->due = at - tx_lead_us(r) - r->prep_us;
	return WISFW_ST_DEFER;
}

/* ---- RX, STOP, CAD, STATUS ---- */

static uint8_t h_rx(struct wisfw_core *c, const union wis_val *v, struct wis_wr *out)
{
	(void)out;
	struct wisfw_radio *r = &c->radio;
	uint8_t st = ready(c, "RADIO_RX", false);
	if (st != WIS_ST_OK)
		return st;
	r->receiving = true;
	r->rx_single = v[0].u != 0;
	r->rx_timeout_us = (uint32_t)v[0].u * 1000;
	if (r->op != WISFW_RADIO_IDLE)
		return WIS_ST_OK; /* starts when the TX or CAD ends */
	int e = to_standby(r);
	if (e < 0 || (e = resume_rx(c)) < 0) {
		r->receiving = false;
		return wisfw_radio_fail(c, "RADIO_RX", e);
	}
	return WIS_ST_OK;
}

static uint8_t h_stop(struct wisfw_core *c, const union wis_val *v, struct wis_wr *out)
{
	(void)v, (void)out;
	struct wisfw_radio *r = &c->radio;
	uint8_t st = ready(c, "RADIO_STOP", false);
	if (st != WIS_ST_OK)
		return st;
	r->receiving = false;
	int e = r->op == WISFW_RADIO_IDLE ? to_standby(r) : SX126X_OK;
	return e < 0 ? wisfw_radio_fail(c, "RADIO_STOP", e) : WIS_ST_OK;
}

static uint8_t h_cad(struct wisfw_core *c, const union wis_val *v, struct wis_wr *out)
{
	(void)out;
	struct wisfw_radio *r = &c->radio;
	uint8_t n = (uint8_t)v[0].u, st = ready(c, "RADIO_CAD", true);
	if (st != WIS_ST_OK)
		return st;
	if (n & (n - 1)) {
		wisfw_d_str(c, "RADIO_CAD symbols ");
		wisfw_d_uint(c, n);
		wisfw_d_str(c, ": must be 1, 2, 4, 8 or 16");
		return WIS_ST_BAD_ARG;
	}
	int e = to_standby(r);
	if (e < 0 || (e = sx126x_cad_start(&r->dev, n, false, 0)) < 0)
		return wisfw_radio_fail(c, "RADIO_CAD", e);
	r->ticket = wisfw_defer(c);
	r->op = WISFW_RADIO_CAD;
	r->set_at = wisfw_now(c);
	r->due = r->set_at + tx_lead_us(r) + n * sx126x_symbol_us(r->dev.cfg.sf, r->dev.cfg.bw_hz);
	return WISFW_ST_DEFER;
}

static uint8_t h_status(struct wisfw_core *c, const union wis_val *v, struct wis_wr *out)
{
	(void)v;
	struct wisfw_radio *r = &c->radio;
	uint8_t st = wisfw_radio_need_hal(c, "RADIO_STATUS"), state = WIS_RADIO_OFF;
	if (st != WIS_ST_OK)
		return st;
	if (r->up && r->dev.configured)
		state = r->op == WISFW_RADIO_TX    ? WIS_RADIO_TX
		        : r->op == WISFW_RADIO_CAD ? WIS_RADIO_CAD
		        : r->receiving             ? WIS_RADIO_RX
		                                   : WIS_RADIO_STANDBY;
	bool cfg = state != WIS_RADIO_OFF;
	wis_wr_u8(out, state);
	wis_wr_u8(out, r->receiving);
	wis_wr_u32(out, cfg ? r->dev.cfg.freq_hz : 0);
	wis_wr_u8(out, cfg ? r->dev.cfg.sf : 0);
	wis_wr_u32(out, cfg ? r->dev.cfg.bw_hz : 0);
	wis_wr_u32(out, r->tx_packets);
	wis_wr_u32(out, r->rx_packets);
	wis_wr_u32(out, r->rx_errors);
	wis_wr_u16(out, r->dev.dev_errors);
	return WIS_ST_OK;
}

/* ---- completion (poll) and events ---- */

/* Answers the deferred request, if any, with a failure built by f. */
static void fail_pending(struct wisfw_core *c, const char *op, int err)
{
	struct wisfw_radio *r = &c->radio;
	if (r->ticket >= 0) {
		wisfw_d_reset(c);
		uint8_t st = wisfw_radio_fail(c, op, err);
		wisfw_answer(c, r->ticket, st, NULL, 0);
	}
	r->ticket = -1;
	r->op = WISFW_RADIO_IDLE;
}

static void tx_done(struct wisfw_core *c, uint64_t end)
{
	struct wisfw_radio *r = &c->radio;
	uint64_t start = r->set_at + tx_lead_us(r);
	uint8_t b[21];
	struct wis_wr w = wis_wr_init(b, sizeof b);
	wis_wr_u32(&w, (uint32_t)(end > start ? end - start : 0));
	wis_wr_u64(&w, start);
	wis_wr_u64(&w, end);
	if (r->ticket >= 0)
		wisfw_answer(c, r->ticket, WIS_ST_OK, b, w.len);
	wis_wr_u8(&w, r->len);
	wisfw_event(c, WIS_EV_RADIO_TX_DONE, end, b, (uint16_t)w.len);
	r->tx_packets++;
	r->ticket = -1;
	r->op = WISFW_RADIO_IDLE;
}

/* Starts the oldest waiting send once the radio is free. */
static void next_queued(struct wisfw_core *c)
{
	struct wisfw_radio *r = &c->radio;
	while (r->op == WISFW_RADIO_IDLE && r->qn) {
		struct wisfw_radio_pkt *k = &r->q[r->qhead];
		r->qhead = (uint8_t)((r->qhead + 1) % WISFW_RADIO_TXQ);
		r->qn--;
		load_packet(r, k->timeout_ms, k->buf, k->len);
		r->ticket = k->ticket;
		int e = tx_go(c);
		if (e < 0)
			fail_pending(c, "RADIO_SEND", e);
	}
}

/* What DIO1 reported, in the order the chip raised it. */
static void on_event(struct wisfw_core *c, const struct sx126x_event *ev)
{
	struct wisfw_radio *r = &c->radio;
	uint64_t t = wisfw_dev_time(c, ev->time_us);
	bool rx_ended = false;
	if (ev->flags & SX126X_EV_REFUSED) {
		fail_pending(c, "radio", SX126X_E_CMD);
		rx_ended = r->receiving; /* a refused SetRx: the host must know */
		r->receiving = false;
	}
	if ((ev->flags & SX126X_EV_TX_DONE) && r->op == WISFW_RADIO_TX)
		tx_done(c, t);
	if ((ev->flags & SX126X_EV_CAD_DONE) && r->op == WISFW_RADIO_CAD) {
		uint8_t d = (ev->flags & SX126X_EV_CAD_DETECTED) != 0;
		if (r->ticket >= 0)
			wisfw_answer(c, r->ticket, WIS_ST_OK, &d, 1);
		r->ticket = -1;
		r->op = WISFW_RADIO_IDLE;
	}
	if (ev->flags & SX126X_EV_RX_DONE) {
		wisfw_radio_rx_done(c, t, (ev->flags & SX126X_EV_CRC_ERR) != 0);
		rx_ended = r->rx_single;
	}
	if (ev->flags & SX126X_EV_HEADER_ERR)
		wisfw_radio_rx_error(c, t, WIS_RADIO_ERR_HEADER, 0, 0);
	if (ev->flags & SX126X_EV_TIMEOUT) {
		if (r->op == WISFW_RADIO_TX) {
			wisfw_d_reset(c);
			wisfw_d_str(c, "RADIO_SEND: the TX timeout (");
			wisfw_d_uint(c, r->timeout_us);
			wisfw_d_str(c, " us) ended the transmission before TX done");
			if (r->ticket >= 0)
				wisfw_answer(c, r->ticket, WIS_ST_HW_TIMEOUT, NULL, 0);
			r->ticket = -1;
			r->op = WISFW_RADIO_IDLE;
		} else if (r->receiving) {
			wisfw_radio_rx_error(c, t, WIS_RADIO_ERR_TIMEOUT, 0, 0);
			rx_ended = true;
		}
	}
	if (rx_ended)
		r->receiving = false;
	next_queued(c);
	if (r->op == WISFW_RADIO_IDLE && r->receiving && r->dev.state != SX126X_ST_RX) {
		int e = resume_rx(c);
		if (e < 0)
			r->receiving = false;
	}
}

static void radio_poll(struct wisfw_core *c, uint64_t now)
{
	struct wisfw_radio *r = &c->radio;
	struct sx126x_event ev;
	if (!r->up || !c->hal->radio_spi)
		return;
	if (r->op == WISFW_RADIO_TX_WAIT && now >= r->due) {
		int e = tx_go(c);
		if (e < 0) {
			fail_pending(c, "RADIO_SEND_AT", e);
			next_queued(c);
		}
	}
	int e = sx126x_poll(&r->dev, &ev);
	if (e < 0) {
		if (r->op == WISFW_RADIO_TX || r->op == WISFW_RADIO_CAD)
			fail_pending(c, "radio", e);
		next_queued(c);
		return;
	}
	if (ev.flags)
		on_event(c, &ev);
	else if (r->op != WISFW_RADIO_IDLE && r->op != WISFW_RADIO_TX_WAIT && now >= r->due)
		r->due = now + POLL_US; /* DIO1 late: keep looking */
}

static uint64_t radio_deadline(const struct wisfw_core *c)
{
	const struct wisfw_radio *r = &c->radio;
	return r->op == WISFW_RADIO_IDLE ? UINT64_MAX : r->due;
}

static void radio_init(struct wisfw_core *c)
{
	struct wisfw_radio *r = &c->radio;
	memset(r, 0, sizeof *r);
	r->ticket = -1;
	wisfw_radio_io_init(c);
}

/* A RESET was accepted: the deferred request dies with its slot; the
 * radio stops transmitting and receiving. */
static void radio_reset(struct wisfw_core *c)
{
	struct wisfw_radio *r = &c->radio;
	r->ticket = -1;
	r->op = WISFW_RADIO_IDLE;
	r->receiving = false;
	r->qn = 0; /* their slots die with the reset */
	if (r->up)
		(void)sx126x_standby(&r->dev, false);
}

static const struct wisfw_op_handler radio_ops[] = {
    {WIS_OP_RADIO_CONFIG, h_config}, {WIS_OP_RADIO_SEND, h_send}, {WIS_OP_RADIO_SEND_AT, h_send_at},
    {WIS_OP_RADIO_RX, h_rx},         {WIS_OP_RADIO_STOP, h_stop}, {WIS_OP_RADIO_CAD, h_cad},
    {WIS_OP_RADIO_STATUS, h_status},
};

const struct wisfw_subsys wisfw_radio_subsys = {
    .name = "radio",
    .init = radio_init,
    .reset = radio_reset,
    .poll = radio_poll,
    .next_deadline = radio_deadline,
    .ops = radio_ops,
    .nops = sizeof radio_ops / sizeof radio_ops[0],
};

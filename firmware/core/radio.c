/*
 * RADIO subsystem: the SX1262 (firmware/drivers/sx126x.h) behind the RADIO
 * opcodes.  The driver talks to the chip through struct sx126x_io, which
 * this file adapts to the HAL: hal.radio_spi (the radio's own SPIM), GPIO
 * for NSS, BUSY, DIO1, NRESET and antenna power, the timebase's clock and
 * short delay.  SEND, SEND_AT and CAD are deferred (wisfw_defer) and
 * answered from the poll hook when DIO1 reports the end; RX packets and
 * errors become events.  After a TX or CAD the radio goes back to RX if
 * the host had it receiving.
 */
#include <string.h>

#include "core_priv.h"

/* Pins inside the RAK4630 (shared/hardware.md). */
#define PIN_ANT WIS_NRF(1, 5)
#define PIN_NRESET WIS_NRF(1, 6)
#define PIN_NSS WIS_NRF(1, 10)
#define PIN_BUSY WIS_NRF(1, 14)
#define PIN_DIO1 WIS_NRF(1, 15)
#define RADIO_SPI_HZ 8000000u
/* STDBY -> TX ramp (DS 13.1: the PA ramp after SetTx), added to the TCXO
 * start-up when the radio idles in STDBY_RC. */
#define TX_RAMP_US 126u
/* SEND_AT: the least notice the host must give beyond the start-up. */
#define AT_MIN_LEAD_US 2000u
/* While a TX or CAD should have ended, look at DIO1 this often. */
#define POLL_US 200u

/* ---- sx126x_io on the HAL ---- */

static int io_spi(void *ctx, const uint8_t *tx, uint8_t *rx, size_t n)
{
	struct wisfw_core *c = ctx;
	const struct wisfw_hal *h = c->hal;
	h->gpio->write(h->ctx, PIN_NSS, 0);
	uint8_t st = h->radio_spi->transfer(h->ctx, tx, rx, n);
	h->gpio->write(h->ctx, PIN_NSS, 1);
	return st == WIS_ST_OK ? (int)n : -1;
}

static bool io_busy(void *ctx)
{
	struct wisfw_core *c = ctx;
	return c->hal->gpio->read(c->hal->ctx, PIN_BUSY) != 0;
}

static bool io_dio1(void *ctx)
{
	struct wisfw_core *c = ctx;
	return c->hal->gpio->read(c->hal->ctx, PIN_DIO1) != 0;
}

static void io_nreset(void *ctx, bool level)
{
	struct wisfw_core *c = ctx;
	c->hal->gpio->write(c->hal->ctx, PIN_NRESET, level);
}

static void io_ant(void *ctx, bool on)
{
	struct wisfw_core *c = ctx;
	c->hal->gpio->write(c->hal->ctx, PIN_ANT, on);
}

static uint64_t io_now(void *ctx)
{
	struct wisfw_core *c = ctx;
	return c->hal->time->now_us(c->hal->ctx);
}

static void io_delay(void *ctx, uint32_t us)
{
	struct wisfw_core *c = ctx;
	c->hal->time->delay_us(c->hal->ctx, us);
}

/* Output pins get their level before they become outputs: no glitch on
 * NSS or NRESET. */
static void pins_setup(struct wisfw_core *c)
{
	const struct wisfw_hal *h = c->hal;
	h->gpio->write(h->ctx, PIN_NSS, 1);
	h->gpio->config(h->ctx, PIN_NSS, WIS_GPIO_OUTPUT);
	h->gpio->write(h->ctx, PIN_NRESET, 1);
	h->gpio->config(h->ctx, PIN_NRESET, WIS_GPIO_OUTPUT);
	h->gpio->write(h->ctx, PIN_ANT, 0);
	h->gpio->config(h->ctx, PIN_ANT, WIS_GPIO_OUTPUT);
	h->gpio->config(h->ctx, PIN_BUSY, WIS_GPIO_INPUT);
	h->gpio->config(h->ctx, PIN_DIO1, WIS_GPIO_INPUT);
}

/* ---- helpers ---- */

/* NOT_SUPPORTED naming the hook a port lacks, or OK. */
static uint8_t need_hal(struct wisfw_core *c, const char *op)
{
	const struct wisfw_hal *h = c->hal;
	if (!h->radio_spi)
		return wisfw_d_unsupported(c, op, "hal.radio_spi");
	if (!h->gpio)
		return wisfw_d_unsupported(c, op, "hal.gpio");
	if (!h->time->delay_us)
		return wisfw_d_unsupported(c, op, "timebase.delay_us");
	return WIS_ST_OK;
}

/* A driver error as a status with its text: "SX1262: <what> (<op>)". */
static uint8_t drv_fail(struct wisfw_core *c, const char *op, int err)
{
	wisfw_d_str(c, op);
	wisfw_d_str(c, ": SX1262 ");
	wisfw_d_str(c, sx126x_strerror(err));
	if (err == SX126X_E_DEVICE) {
		wisfw_d_str(c, ", device errors 0x");
		wisfw_d_hex16(c, c->radio.dev.dev_errors);
	}
	if (err == SX126X_E_BUSY)
		return WIS_ST_HW_TIMEOUT;
	return err == SX126X_E_PROBE ? WIS_ST_NOT_FITTED : WIS_ST_HW_ERROR;
}

/* Everything a request needs before it may use the radio. */
static uint8_t ready(struct wisfw_core *c, const char *op, bool idle)
{
	struct wisfw_radio *r = &c->radio;
	uint8_t st = need_hal(c, op);
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
	pins_setup(c);
	c->hal->radio_spi->configure(c->hal->ctx, RADIO_SPI_HZ, 0);
	sx126x_init(&r->dev, &r->io);
	r->dev.tcxo_mv = tcxo_mv;
	r->dev.idle_xosc = idle_xosc;
	if ((e = sx126x_probe(&r->dev)) < 0 || (e = sx126x_setup(&r->dev)) < 0)
		return drv_fail(c, "RADIO_CONFIG", e);
	r->up = true;
	return WIS_ST_OK;
}

static uint8_t h_config(struct wisfw_core *c, const union wis_val *v, struct wis_wr *out)
{
	struct wisfw_radio *r = &c->radio;
	uint8_t st = need_hal(c, "RADIO_CONFIG");
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
		return drv_fail(c, "RADIO_CONFIG", e);
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

/* Keeps the payload and the timeout; refuses a timeout shorter than the
 * time on air. */
static uint8_t take_packet(struct wisfw_core *c, const char *op, const union wis_val *tmo,
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
	r->toa_us = toa;
	r->timeout_us = tmo->u ? (uint32_t)tmo->u * 1000 : toa + toa / 2 + 100000;
	r->len = (uint8_t)pl->b.len;
	memcpy(r->buf, pl->b.p, pl->b.len);
	return WIS_ST_OK;
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

static uint8_t h_send(struct wisfw_core *c, const union wis_val *v, struct wis_wr *out)
{
	(void)out;
	struct wisfw_radio *r = &c->radio;
	uint8_t st = ready(c, "RADIO_SEND", true);
	if (st != WIS_ST_OK || (st = take_packet(c, "RADIO_SEND", &v[0], &v[1])) != WIS_ST_OK)
		return st;
	int t = wisfw_defer(c);
	if (t < 0)
		return WIS_ST_INTERNAL; /* not batchable: cannot happen */
	int e = tx_go(c);
	if (e < 0) {
		r->op = WISFW_RADIO_IDLE;
		wisfw_d_reset(c);
		wisfw_answer(c, t, drv_fail(c, "RADIO_SEND", e), NULL, 0);
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
	if (st != WIS_ST_OK || (st = take_packet(c, "RADIO_SEND_AT", &v[1], &v[2])) != WIS_ST_OK)
		return st;
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
		return drv_fail(c, "RADIO_RX", e);
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
	return e < 0 ? drv_fail(c, "RADIO_STOP", e) : WIS_ST_OK;
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
		return drv_fail(c, "RADIO_CAD", e);
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
	uint8_t st = need_hal(c, "RADIO_STATUS"), state = WIS_RADIO_OFF;
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
		uint8_t st = drv_fail(c, op, err);
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

static void rx_error(struct wisfw_core *c, uint64_t t, uint8_t kind, int16_t rssi, int16_t snr)
{
	uint8_t b[5];
	struct wis_wr w = wis_wr_init(b, sizeof b);
	wis_wr_u8(&w, kind);
	wis_wr_u16(&w, (uint16_t)rssi);
	wis_wr_u16(&w, (uint16_t)snr);
	c->radio.rx_errors++;
	wisfw_event(c, WIS_EV_RADIO_RX_ERROR, t, b, (uint16_t)w.len);
}

/* RX event data: 17 bytes of metadata (ops.c ev_radio_rx), then the
 * payload. */
#define RX_META 17

static void rx_done(struct wisfw_core *c, uint64_t t, bool crc_err)
{
	struct wisfw_radio *r = &c->radio;
	struct sx126x_rx_info in = {0};
	uint8_t b[RX_META + 255];
	int e = sx126x_read_packet(&r->dev, b + RX_META, 255, &in);
	if (e < 0 || crc_err) {
		rx_error(c, t, WIS_RADIO_ERR_CRC, in.rssi_dbm_x2, in.snr_db_x4);
		return;
	}
	struct wis_wr w = wis_wr_init(b, RX_META);
	wis_wr_u16(&w, (uint16_t)in.rssi_dbm_x2);
	wis_wr_u16(&w, (uint16_t)in.snr_db_x4);
	wis_wr_u16(&w, (uint16_t)in.signal_rssi_dbm_x2);
	wis_wr_u32(&w, r->dev.cfg.freq_hz);
	wis_wr_u8(&w, r->dev.cfg.sf);
	wis_wr_u32(&w, r->dev.cfg.bw_hz);
	wis_wr_u8(&w, r->dev.cfg.cr);
	wis_wr_u8(&w, r->dev.cfg.crc);
	r->rx_packets++;
	wisfw_event(c, WIS_EV_RADIO_RX, t, b, (uint16_t)(RX_META + in.len));
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
		rx_done(c, t, (ev->flags & SX126X_EV_CRC_ERR) != 0);
		rx_ended = r->rx_single;
	}
	if (ev->flags & SX126X_EV_HEADER_ERR)
		rx_error(c, t, WIS_RADIO_ERR_HEADER, 0, 0);
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
			rx_error(c, t, WIS_RADIO_ERR_TIMEOUT, 0, 0);
			rx_ended = true;
		}
	}
	if (rx_ended)
		r->receiving = false;
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
		if (e < 0)
			fail_pending(c, "RADIO_SEND_AT", e);
	}
	int e = sx126x_poll(&r->dev, &ev);
	if (e < 0) {
		if (r->op == WISFW_RADIO_TX || r->op == WISFW_RADIO_CAD)
			fail_pending(c, "radio", e);
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
	r->io = (struct sx126x_io){.ctx = c,
	                           .spi = io_spi,
	                           .busy = io_busy,
	                           .dio1 = io_dio1,
	                           .nreset = io_nreset,
	                           .ant_power = io_ant,
	                           .now_us = io_now,
	                           .delay_us = io_delay};
	sx126x_init(&r->dev, &r->io);
}

/* A RESET was accepted: the deferred request dies with its slot; the
 * radio stops transmitting and receiving. */
static void radio_reset(struct wisfw_core *c)
{
	struct wisfw_radio *r = &c->radio;
	r->ticket = -1;
	r->op = WISFW_RADIO_IDLE;
	r->receiving = false;
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

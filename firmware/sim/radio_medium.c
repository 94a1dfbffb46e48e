/*
 * The shared radio medium (see radio_medium.h): frames on the air, who
 * locked on which, collisions, and the lockstep clock of the models.
 * Reception rules: the receiving model decides whether it can demodulate a
 * frame (sx126x_model_hears: mode, channel, SF, BW, sync word, IQ, header);
 * the medium decides whether the signal is strong enough (SNR above the
 * SX1262 demodulation floor of the SF, DS Table 3-? "LoRa sensitivity"
 * figures: -2.5 dB at SF5 down to -20 dB at SF12, 2.5 dB per SF) and
 * whether another frame on the same frequency spoils it.
 */
#include "radio_medium.h"

#include <math.h>
#include <string.h>

enum { RX_NONE, RX_LOCKED, RX_COLLIDED };

void radio_medium_default_cfg(struct radio_medium_cfg *cfg)
{
	cfg->default_loss_db = 100;
	cfg->noise_figure_db = 6;
	cfg->capture = false;
	cfg->capture_db = 6;
	cfg->loss_permille = 0;
	cfg->seed = 1;
	cfg->station = 0;
	for (int i = 0; i < 256; i++)
		cfg->station_loss[i] = RADIO_MEDIUM_LOSS_UNSET;
}

static void link_tx_start(void *ctx, struct sx126x_model *m, const struct radio_frame *f);
static void link_tx_abort(void *ctx, struct sx126x_model *m);
static bool link_cad(void *ctx, struct sx126x_model *m, uint64_t t0, uint64_t t1);
static void link_rx_ready(void *ctx, struct sx126x_model *m);

void radio_medium_init(struct radio_medium *md, const struct radio_medium_cfg *cfg)
{
	memset(md, 0, sizeof *md);
	if (cfg)
		md->cfg = *cfg;
	else
		radio_medium_default_cfg(&md->cfg);
	md->rng = md->cfg.seed ? md->cfg.seed : 1;
}

/* xorshift32: the same seed gives the same losses on every run. */
static bool draw_loss(struct radio_medium *md)
{
	if (md->cfg.loss_permille == 0)
		return false;
	md->rng ^= md->rng << 13;
	md->rng ^= md->rng >> 17;
	md->rng ^= md->rng << 5;
	return md->rng % 1000 < md->cfg.loss_permille;
}

int radio_medium_attach(struct radio_medium *md, struct sx126x_model *m)
{
	int id = md->nodes;

	if (id >= RADIO_MEDIUM_NODES)
		return -1;
	md->node[id] = m;
	md->nodes++;
	for (int i = 0; i < RADIO_MEDIUM_NODES; i++)
		md->loss[id][i] = md->loss[i][id] = (int16_t)md->cfg.default_loss_db;
	m->cfg.node = id;
	m->link.ctx = md;
	m->link.tx_start = link_tx_start;
	m->link.tx_abort = link_tx_abort;
	m->link.cad = link_cad;
	m->link.rx_ready = link_rx_ready;
	sx126x_model_advance(m, md->now);
	return id;
}

void radio_medium_set_loss(struct radio_medium *md, int a, int b, int loss_db)
{
	if (a >= 0 && b >= 0 && a < RADIO_MEDIUM_NODES && b < RADIO_MEDIUM_NODES)
		md->loss[a][b] = md->loss[b][a] = (int16_t)loss_db;
}

int radio_medium_rssi(const struct radio_medium *md, const struct radio_frame *f, int b)
{
	int a = f->src;
	if (a >= 0 && a < md->nodes && b >= 0 && b < md->nodes)
		return f->power_dbm - md->loss[a][b];
	if (f->station && md->cfg.station_loss[f->station] != RADIO_MEDIUM_LOSS_UNSET)
		return f->power_dbm - md->cfg.station_loss[f->station];
	return f->power_dbm - md->cfg.default_loss_db;
}

/* Thermal noise -174 dBm/Hz + 10 log10(BW) + NF; SNR = RSSI - noise. */
int radio_medium_snr_x4(const struct radio_medium *md, uint8_t bw_code, int rssi_dbm)
{
	double noise = -174.0 + 10.0 * log10(sx126x_model_bw_hz(bw_code)) + md->cfg.noise_figure_db;

	return (int)lround((rssi_dbm - noise) * 4.0);
}

/* DS 6.1.1.1 Table 6-1: SNR needed to demodulate, in quarter dB. */
static int snr_floor_x4(uint8_t sf)
{
	return -10 * (sf - 4);
}

static struct radio_air *free_slot(struct radio_medium *md)
{
	struct radio_air *oldest = NULL;

	for (int i = 0; i < RADIO_MEDIUM_AIR; i++) {
		struct radio_air *a = &md->air[i];

		if (!a->used)
			return a;
		if (!a->on_air && (!oldest || a->f.t_end_us < oldest->f.t_end_us))
			oldest = a;
	}
	return oldest;
}

static bool overlaps(const struct radio_frame *a, const struct radio_frame *b)
{
	return a->freq_hz == b->freq_hz && a->t_start_us < b->t_end_us &&
	       b->t_start_us < a->t_end_us;
}

/* Other frames on air at receiver j overlapping the new one nw: within
 * the capture margin (or with capture off) both are lost at j; with
 * capture, the one that leads by capture_db survives. */
static void collide_at(struct radio_medium *md, struct radio_air *nw, int j)
{
	for (int i = 0; i < RADIO_MEDIUM_AIR; i++) {
		struct radio_air *o = &md->air[i];
		int lead;

		if (o == nw || !o->on_air || o->f.src == j || !overlaps(&o->f, &nw->f))
			continue;
		lead = o->rssi[j] - nw->rssi[j];
		if (!md->cfg.capture || lead < md->cfg.capture_db) {
			if (o->state[j] == RX_LOCKED)
				sx126x_model_rx_drop(md->node[j], &o->f);
			if (o->state[j] == RX_LOCKED || !md->cfg.capture ||
			    -lead < md->cfg.capture_db)
				o->state[j] = RX_COLLIDED;
		}
		if (!md->cfg.capture || -lead < md->cfg.capture_db)
			nw->state[j] = RX_COLLIDED;
		md->collisions++;
	}
}

static void start_rx(struct radio_medium *md, struct radio_air *a, int j)
{
	struct sx126x_model *m = md->node[j];
	int snr;

	a->rssi[j] = (int16_t)radio_medium_rssi(md, &a->f, j);
	a->state[j] = RX_NONE;
	snr = radio_medium_snr_x4(md, a->f.bw_code, a->rssi[j]);
	collide_at(md, a, j);
	if (a->state[j] == RX_COLLIDED)
		return;
	if (snr < snr_floor_x4(a->f.sf)) {
		md->too_weak++;
		return;
	}
	if (draw_loss(md)) {
		md->lost++;
		return;
	}
	/* Bring j to the frame's start: it may itself be due to act now. */
	sx126x_model_advance(m, a->f.t_start_us);
	if (sx126x_model_rx_begin(m, &a->f))
		a->state[j] = RX_LOCKED;
}

static void air_start(struct radio_medium *md, const struct radio_frame *f)
{
	struct radio_air *a = free_slot(md);

	if (!a) {
		md->air_full++;
		return;
	}
	memset(a, 0, sizeof *a);
	a->f = *f;
	a->used = a->on_air = true;
	if (md->corrupt_next) {
		md->corrupt_next--;
		a->corrupt = true;
	}
	md->sent++;
	for (int j = 0; j < md->nodes; j++)
		if (j != f->src)
			start_rx(md, a, j);
}

static void link_tx_start(void *ctx, struct sx126x_model *m, const struct radio_frame *f)
{
	struct radio_medium *md = ctx;

	(void)m;
	air_start(md, f);
	if (md->transport.frame_out) {
		struct radio_frame out = *f;
		out.station = md->cfg.station; /* who sent it, for the other processes */
		md->transport.frame_out(md->transport.ctx, &out);
	}
}

void radio_medium_inject(struct radio_medium *md, const struct radio_frame *f)
{
	if (f->src >= 0 && f->src < md->nodes)
		return; /* never a local node's id */
	air_start(md, f);
}

static void link_tx_abort(void *ctx, struct sx126x_model *m)
{
	struct radio_medium *md = ctx;

	for (int i = 0; i < RADIO_MEDIUM_AIR; i++) {
		struct radio_air *a = &md->air[i];

		if (!a->on_air || a->f.src != m->cfg.node)
			continue;
		a->on_air = false;
		a->f.t_end_us = md->now > m->now ? md->now : m->now;
		for (int j = 0; j < md->nodes; j++)
			if (a->state[j] == RX_LOCKED)
				sx126x_model_rx_drop(md->node[j], &a->f);
	}
}

/* CAD (DS 6.1.4 / 13.1.6): a LoRa signal of the receiver's SF and BW on its
 * frequency, strong enough to demodulate, during the CAD window. */
static bool link_cad(void *ctx, struct sx126x_model *m, uint64_t t0, uint64_t t1)
{
	struct radio_medium *md = ctx;
	uint32_t hz = sx126x_model_freq_hz(m);

	for (int i = 0; i < RADIO_MEDIUM_AIR; i++) {
		const struct radio_air *a = &md->air[i];
		int rssi = radio_medium_rssi(md, &a->f, m->cfg.node);

		if (!a->used || a->f.src == m->cfg.node || a->f.freq_hz != hz || a->f.sf != m->sf ||
		    a->f.bw_code != m->bw || a->f.t_start_us >= t1 || a->f.t_end_us <= t0)
			continue;
		if (radio_medium_snr_x4(md, a->f.bw_code, rssi) >= snr_floor_x4(a->f.sf))
			return true;
	}
	return false;
}

/* A receiver that became ready mid-air can still lock on a frame whose
 * preamble has not ended (the preamble is what the demodulator syncs on). */
static void link_rx_ready(void *ctx, struct sx126x_model *m)
{
	struct radio_medium *md = ctx;
	int j = m->cfg.node;

	for (int i = 0; i < RADIO_MEDIUM_AIR && !m->locked; i++) {
		struct radio_air *a = &md->air[i];
		double tsym = ldexp(1.0, a->f.sf) / sx126x_model_bw_hz(a->f.bw_code) * 1e6;

		if (a->on_air && a->f.src != j && a->state[j] == RX_NONE &&
		    m->now < a->f.t_start_us + (uint64_t)(a->f.preamble * tsym))
			start_rx(md, a, j);
	}
}

/* The packet RSSI a receiver reports is the power of signal plus noise. */
static int packet_rssi(const struct radio_medium *md, uint8_t bw_code, int rssi)
{
	double noise = -174.0 + 10.0 * log10(sx126x_model_bw_hz(bw_code)) + md->cfg.noise_figure_db;

	return (int)lround(10.0 * log10(pow(10.0, rssi / 10.0) + pow(10.0, noise / 10.0)));
}

static void air_end(struct radio_medium *md, struct radio_air *a)
{
	a->on_air = false;
	for (int j = 0; j < md->nodes; j++) {
		int snr;

		if (a->state[j] != RX_LOCKED)
			continue;
		snr = radio_medium_snr_x4(md, a->f.bw_code, a->rssi[j]);
		sx126x_model_advance(md->node[j], a->f.t_end_us);
		if (sx126x_model_rx_end(md->node[j], &a->f,
		                        packet_rssi(md, a->f.bw_code, a->rssi[j]), snr,
		                        !a->corrupt))
			md->delivered++;
	}
}

static uint64_t next_event(const struct radio_medium *md)
{
	uint64_t e = UINT64_MAX;

	for (int j = 0; j < md->nodes; j++) {
		uint64_t t = sx126x_model_next_event(md->node[j]);

		if (t < e)
			e = t;
	}
	for (int i = 0; i < RADIO_MEDIUM_AIR; i++)
		if (md->air[i].on_air && md->air[i].f.t_end_us < e)
			e = md->air[i].f.t_end_us;
	return e;
}

uint64_t radio_medium_next_event(const struct radio_medium *md)
{
	return next_event(md);
}

void radio_medium_advance(struct radio_medium *md, uint64_t t)
{
	uint64_t e;

	while ((e = next_event(md)) <= t) {
		if (e < md->now)
			e = md->now;
		md->now = e;
		for (int j = 0; j < md->nodes; j++)
			sx126x_model_advance(md->node[j], e);
		for (int i = 0; i < RADIO_MEDIUM_AIR; i++)
			if (md->air[i].on_air && md->air[i].f.t_end_us <= e)
				air_end(md, &md->air[i]);
	}
	if (t > md->now)
		md->now = t;
	for (int j = 0; j < md->nodes; j++)
		sx126x_model_advance(md->node[j], md->now);
}

/*
 * The shared radio medium of the simulator: the air between SX1262 models
 * (sx126x_model.h).  A frame one model transmits reaches every other model
 * that is in RX on the same frequency, SF, bandwidth, sync word, IQ and
 * header settings when its preamble starts, and arrives at the end of its
 * true time on air with an RSSI and SNR that follow from the path loss of
 * the pair.  Overlapping frames on one frequency collide at a receiver
 * (the stronger survives if capture is on and it leads by capture_db).
 *
 * The medium owns the clock: radio_medium_advance() moves every attached
 * model forward in lockstep, event by event, so runs are deterministic.
 * Frames also go out through an optional transport (another process's
 * medium) and come in through radio_medium_inject(); frames carry absolute
 * times, so the peers must share one clock (CLOCK_MONOTONIC on one host).
 */
#ifndef WIS_RADIO_MEDIUM_H
#define WIS_RADIO_MEDIUM_H

#include <stdbool.h>
#include <stdint.h>

#include "sx126x_model.h"

#define RADIO_MEDIUM_NODES 16
#define RADIO_MEDIUM_AIR 32 /* frames on air or kept for CAD             */

struct radio_medium_cfg {
	int default_loss_db;    /* path loss of a pair not set otherwise      */
	int noise_figure_db;    /* receiver NF (SX1262: ~6 dB)                */
	bool capture;           /* a stronger frame survives an overlap ...   */
	int capture_db;         /* ... if it leads by this much (6 dB)        */
	uint16_t loss_permille; /* each reception lost with this chance   */
	uint32_t seed;          /* of the loss draws (deterministic)      */
	/* Across processes: this process's station number (1..255, 0 none),
	 * carried by its frames, and the path loss from each other station;
	 * RADIO_MEDIUM_LOSS_UNSET: default_loss_db. */
	uint8_t station;
	int16_t station_loss[256];
};
#define RADIO_MEDIUM_LOSS_UNSET INT16_MIN

/* Where local frames go beyond this process, if anywhere. */
struct radio_medium_transport {
	void *ctx;
	void (*frame_out)(void *ctx, const struct radio_frame *f);
};

struct radio_air {
	struct radio_frame f;
	bool on_air, used, corrupt;
	uint8_t state[RADIO_MEDIUM_NODES]; /* enum in radio_medium.c      */
	int16_t rssi[RADIO_MEDIUM_NODES];
};

struct radio_medium {
	struct radio_medium_cfg cfg;
	uint64_t now;
	int nodes;
	struct sx126x_model *node[RADIO_MEDIUM_NODES];
	int16_t loss[RADIO_MEDIUM_NODES][RADIO_MEDIUM_NODES];
	struct radio_air air[RADIO_MEDIUM_AIR];
	struct radio_medium_transport transport;
	uint32_t corrupt_next; /* corrupt the CRC of the next N frames      */
	uint32_t rng;
	uint32_t lost; /* receptions dropped by loss_permille       */
	uint32_t sent, delivered, collisions, too_weak, air_full;
};

void radio_medium_default_cfg(struct radio_medium_cfg *cfg);
void radio_medium_init(struct radio_medium *md, const struct radio_medium_cfg *cfg);
/* Attaches m (its link hooks now point here) and gives it a node id
 * (m->cfg.node); -1 when the medium is full. */
int radio_medium_attach(struct radio_medium *md, struct sx126x_model *m);
/* Path loss between nodes a and b, both directions. */
void radio_medium_set_loss(struct radio_medium *md, int a, int b, int loss_db);
/* Runs every model and the air up to time t (us). */
void radio_medium_advance(struct radio_medium *md, uint64_t t);
/* Time of the next event of a model or the air, UINT64_MAX if none (a
 * port's main loop sleeps no longer). */
uint64_t radio_medium_next_event(const struct radio_medium *md);
/* A frame from another process (f->src must not be a local node id). */
void radio_medium_inject(struct radio_medium *md, const struct radio_frame *f);
/* Received RSSI and SNR (quarter dB) of a frame from a at b. */
/* RSSI at local node b of frame f: its power less the path loss of the
 * pair (local nodes), of its station (another process's frame from a
 * station with a loss of its own), or default_loss_db. */
int radio_medium_rssi(const struct radio_medium *md, const struct radio_frame *f, int b);
int radio_medium_snr_x4(const struct radio_medium *md, uint8_t bw_code, int rssi_dbm);

#endif

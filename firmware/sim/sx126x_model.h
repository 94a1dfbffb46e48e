/*
 * Command-level model of a Semtech SX1262 for wisrpc-sim and tests/radio:
 * it takes the SPI transactions the chip takes (opcode, parameters, NOPs
 * for reads; one call = one NSS-low frame), answers with the status byte
 * and data the chip would, drives BUSY and DIO1, and refuses what the chip
 * refuses.  Written from the SX1261/2 datasheet rev 2.1 ("DS"), not from
 * the driver, so that a driver bug shows up as a model error.
 *
 * Time is an explicit clock: nothing happens until the owner calls
 * sx126x_model_advance() (a radio medium does it for all its models in
 * lockstep), so tests are deterministic.  The model reaches other radios
 * only through struct sx126x_model_link (see radio_medium.h).
 */
#ifndef WIS_SX126X_MODEL_H
#define WIS_SX126X_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One LoRa transmission as the air carries it (what a receiver needs to
 * decide whether it can demodulate it). */
struct radio_frame {
	uint32_t freq_hz;
	uint8_t sf, bw_code, cr; /* DS codes: SF 5..12, Table 13-48, 1..4   */
	bool ldro, implicit, crc, invert_iq;
	uint16_t sync; /* registers 0x0740:0x0741                  */
	uint16_t preamble;
	int8_t power_dbm;
	uint8_t len;
	uint8_t payload[255];
	uint64_t t_start_us, t_end_us; /* first preamble symbol, last bit    */
	int src;                       /* sender's node id (medium)          */
	uint8_t station;               /* sender process's --station, 0 none */
};

/* Chip modes (DS 9). */
enum sxm_mode { SXM_SLEEP, SXM_STDBY_RC, SXM_STDBY_XOSC, SXM_FS, SXM_TX, SXM_RX, SXM_CAD };

/* Errata fixes (DS 15) missing when a packet went out or came in: the chip
 * would still work, with degraded RF; the model records them. */
enum {
	SXM_WARN_BW500 = 1u << 0, /* DS 15.1: 0x0889 bit 2 wrong for the BW  */
	SXM_WARN_CLAMP = 1u << 1, /* DS 15.2: 0x08D8 bits 4:1 not all set    */
	SXM_WARN_OCP = 1u << 2,   /* OCP below 140 mA at +22 dBm config      */
	SXM_WARN_IQ = 1u << 3,    /* DS 15.4: 0x0736 bit 2 vs IQ setting     */
	SXM_WARN_IMAGE = 1u << 4, /* DS 9.2.1: frequency outside image cal   */
};

struct sx126x_model;

struct sx126x_model_link {
	void *ctx;
	/* The modem starts sending f (after the TX ramp). */
	void (*tx_start)(void *ctx, struct sx126x_model *m, const struct radio_frame *f);
	/* A transmission stopped early (TX timeout, standby, sleep, reset). */
	void (*tx_abort)(void *ctx, struct sx126x_model *m);
	/* m is ready to receive in the middle of the air's life (after a
	 * CAD_RX detection): frames whose preamble is still going on. */
	void (*rx_ready)(void *ctx, struct sx126x_model *m);
	/* CAD over [t0, t1): is there a LoRa preamble m can detect? */
	bool (*cad)(void *ctx, struct sx126x_model *m, uint64_t t0, uint64_t t1);
};

struct sx126x_model_cfg {
	uint16_t tcxo_mv; /* board TCXO supply (0 = crystal); DIO3 lower
	                     than this leaves the oscillator stopped      */
	int node;         /* id copied into transmitted frames            */
};

struct sx126x_model {
	struct sx126x_model_cfg cfg;
	struct sx126x_model_link link;
	uint64_t now;
	uint64_t busy_until;
	bool in_reset, stuck_busy, warm;
	uint8_t mode, cmd_status;
	uint8_t regs[0x1000];
	uint8_t buf[256], tx_base, rx_base;
	/* configuration (zero until the command that sets it) */
	bool lora, have_freq, have_mod, have_pkt, have_tx_params, xosc_ok, dio2_rf;
	uint8_t regulator, tcxo_code, pa[4], ramp, sf, bw, cr, ldro, implicit, len, crc, iq;
	int8_t power;
	uint16_t preamble, dev_errors;
	uint32_t freq_word, tcxo_delay, cad_timeout;
	uint8_t img[2], symb_timeout, cad_sym, cad_exit;
	uint16_t irq, irq_mask, dio_mask[3];
	/* operation in progress: deadlines in model time, 0 = none */
	uint64_t t_tx_on, t_tx_done, t_timeout, t_cad_done, t_symb, op_start;
	uint64_t sleep_at, lock_t;
	int lock_src;
	bool rx_continuous, locked, stop_on_preamble;
	uint8_t fallback;
	uint8_t rx_len, rx_ptr, rssi_pkt, snr_pkt, signal_rssi;
	struct radio_frame txf;
	/* strictness: every refused or illegal access is counted and named */
	uint32_t violations, warnings;
	const char *last_violation;
	uint32_t commands;
};

void sx126x_model_init(struct sx126x_model *m, const struct sx126x_model_cfg *cfg);
/* NRESET pin: low holds the chip in reset; the rising edge starts the
 * power-on sequence (BUSY high while it calibrates, DS 8.1). */
void sx126x_model_nreset(struct sx126x_model *m, bool level);
/* One NSS-framed transaction.  Returns n, or 0 when the chip ignored it
 * (in reset, BUSY high, asleep): m->violations then says why. */
int sx126x_model_spi(struct sx126x_model *m, const uint8_t *tx, uint8_t *rx, size_t n);
bool sx126x_model_busy(const struct sx126x_model *m);
bool sx126x_model_dio1(const struct sx126x_model *m);
/* Runs internal events (TX ramp and done, timeouts, CAD) up to t. */
void sx126x_model_advance(struct sx126x_model *m, uint64_t t);
/* Time of the next internal event, UINT64_MAX if none. */
uint64_t sx126x_model_next_event(const struct sx126x_model *m);

/* Medium side: can m demodulate f (RX, same channel and settings)? */
bool sx126x_model_hears(const struct sx126x_model *m, const struct radio_frame *f);
/* Preamble of f seen (m locks on it; RX timeouts stop, DS 13.1.7). */
bool sx126x_model_rx_begin(struct sx126x_model *m, const struct radio_frame *f);
/* End of f: payload into the buffer, RxDone (+ CrcErr if !crc_ok);
 * false if m was no longer receiving f (left RX meanwhile). */
bool sx126x_model_rx_end(struct sx126x_model *m, const struct radio_frame *f, int rssi_dbm,
                         int snr_db_x4, bool crc_ok);
/* f was destroyed (collision): m unlocks and keeps listening. */
void sx126x_model_rx_drop(struct sx126x_model *m, const struct radio_frame *f);

/* Independent of the driver: DS 6.1.4 in floating point, microseconds. */
double sx126x_model_toa_us(const struct radio_frame *f);
double sx126x_model_bw_hz(uint8_t bw_code);
uint32_t sx126x_model_freq_hz(const struct sx126x_model *m);

#endif

/*
 * The companion firmware core: request dispatch, handlers and events for
 * the wisrpc protocol, with no hardware access (everything goes through
 * struct wisfw_hal).  The same core runs on the RAK4631 and in wisrpc-sim.
 *
 * Static allocation only: the caller owns one struct wisfw_core.
 */
#ifndef WISFW_CORE_H
#define WISFW_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "frame.h"
#include "hal.h"
#include "wisrpc/protocol.h"

/* Requests the device promises to hold in flight (HELLO "window"). */
#define WISFW_WINDOW 16
/* nRF52840 GPIOs: P0.00..P0.31 and P1.00..P1.15. */
#define WISFW_NRF_PINS 48
/* Events waiting for the link; more are dropped and counted. */
#define WISFW_EVQ_LEN 32
/* How long a response may wait for a full link before it is dropped. */
#define WISFW_RESP_WAIT_US 500000u

/* Run-time state of one nRF pin. */
struct wisfw_pin_rt {
	uint8_t owner;  /* enum wis_pin_owner */
	uint8_t mode;   /* enum wis_gpio_mode, meaningful when owner is GPIO */
	uint8_t edge;   /* enum wis_edge being watched */
	uint8_t stable; /* last reported (debounced) level */
	uint8_t cur;    /* latest level seen */
	bool pending;   /* a change is waiting out its debounce time */
	uint32_t debounce_us;
	uint64_t first_t; /* device time of the first transition away from stable */
	uint64_t last_t;  /* device time of the latest transition */
};

struct wisfw_core_event {
	uint16_t opcode;
	uint8_t len; /* bytes of data after the seq/timestamp prefix */
	uint8_t data[3];
	uint32_t seq;
	uint64_t t;
};

/* Counters beyond the deframer's (see STATS in docs/protocol.md). */
struct wisfw_core_counters {
	uint32_t tx_frames;
	uint32_t events_sent;
	uint32_t events_dropped;
	uint32_t requests_bad;
	uint32_t responses_dropped; /* not in STATS: the sim shows it */
};

struct wisfw_core {
	const struct wisfw_hal *hal;
	uint64_t boot_us;
	struct wis_deframer rx;
	struct wisfw_core_counters n;
	uint32_t seq; /* next event sequence number */
	bool halted;  /* a RESET was executed: ignore input until re-init */
	bool reset_pending;
	uint8_t reset_mode;
	struct wisfw_pin_rt pins[WISFW_NRF_PINS];
	struct wisfw_core_event evq[WISFW_EVQ_LEN];
	uint8_t ev_head, ev_count;
	char detail[160];
	size_t detail_len;
	uint8_t resp[WIS_MAX_PAYLOAD];
	uint8_t enc[WIS_MAX_ENCODED + 1];
	uint8_t pend[WIS_MAX_ENCODED + 1]; /* unsent tail of a frame */
	size_t pend_off, pend_len;
};

/* Puts every pin in its reset state through the HAL; sends nothing. */
void wisfw_core_init(struct wisfw_core *c, const struct wisfw_hal *hal);
/* Sends the RESET event that a booted module sends once. */
void wisfw_core_boot(struct wisfw_core *c, uint8_t cause);
/* Feed bytes received from the host link. */
void wisfw_core_rx(struct wisfw_core *c, const uint8_t *p, size_t n);
/* Run timers (debounce) and flush queued events and unsent bytes. */
void wisfw_core_poll(struct wisfw_core *c, uint64_t now_us);
/* Earliest HAL time wisfw_core_poll needs to run again; UINT64_MAX if none. */
uint64_t wisfw_core_next_deadline(const struct wisfw_core *c);
/* True while part of a frame waits for the link to accept it. */
bool wisfw_core_tx_pending(const struct wisfw_core *c);
/* The link went away: forget the unsent tail of a frame. */
void wisfw_core_tx_discard(struct wisfw_core *c);
/* The port saw a pin's input level change at HAL time t_us (as GPIOTE would
 * report it).  Safe to call from HAL hooks, not from an interrupt: an ISR
 * records level and time and the main loop calls this (the core has no
 * locks; all its entry points run in one context). */
void wisfw_core_pin_changed(struct wisfw_core *c, uint8_t nrf, uint8_t level, uint64_t t_us);

/* Read-only views for ports and tests. */
uint8_t wisfw_core_pin_owner(const struct wisfw_core *c, uint8_t nrf);
uint8_t wisfw_core_pin_mode(const struct wisfw_core *c, uint8_t nrf);
/* Device time: microseconds since this core booted. */
uint64_t wisfw_core_uptime_us(const struct wisfw_core *c);
/* Deframer counters. */
const struct wis_frame_stats *wisfw_core_rx_stats(const struct wisfw_core *c);

/* Names for logs and the sim's control interface. */
const char *wis_owner_name(uint8_t owner);    /* "gpio", "adc", ... */
const char *wis_gpio_mode_name(uint8_t mode); /* "input-pullup", ... */

/*
 * SAADC transfer functions, exactly as docs/protocol.md states them.
 * raw = V * gain / reference * 2^bits, rounded to nearest and clamped to
 * 0..2^bits-1 (what an ideal converter returns for mv);
 * millivolts = raw * reference / gain / 2^bits, rounded to nearest.
 * Parameters must be valid (see wisfw_adc_params_ok).
 */
int16_t wisfw_adc_raw_from_mv(int32_t mv, uint8_t gain, uint8_t ref, uint8_t bits, uint16_t vdd_mv);
int32_t wisfw_adc_mv_from_raw(int32_t raw, uint8_t gain, uint8_t ref, uint8_t bits, uint16_t vdd_mv);
bool wisfw_adc_params_ok(uint8_t gain, uint8_t ref, uint8_t bits, uint8_t oversample_log2);

#endif

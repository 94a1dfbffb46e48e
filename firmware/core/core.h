/*
 * The companion firmware core: request dispatch, handlers and events for
 * the wisrpc protocol, with no hardware access (everything goes through
 * struct wisfw_hal).  The same core runs on the RAK4631 and in wisrpc-sim.
 *
 * Static allocation only: the caller owns one struct wisfw_core.  Every
 * symbol is prefixed wisfw_ so the core links next to libwisrpc (wis_) in
 * one binary; the shared codec (lib/proto) is the one wis_ part.
 */
#ifndef WISFW_CORE_H
#define WISFW_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "flash_state.h"
#include "frame.h"
#include "hal.h"
#include "radio.h"
#include "wisrpc/protocol.h"

/* Requests the device holds at once (HELLO "window"): a request holds a
 * slot from its arrival until its response is handed to the link,
 * including while a handler keeps it to answer later. */
#define WISFW_WINDOW 16
/* nRF52840 GPIOs: P0.00..P0.31 and P1.00..P1.15. */
#define WISFW_NRF_PINS 48
/* The event queue's byte budget: each event takes WISFW_EV_HDR bytes
 * plus its data.  4 KiB holds 3 events of the largest size (1012 B: a
 * radio packet with metadata) or about 200 GPIO edges, i.e. some 10 ms of
 * a 20 kHz edge burst while the host is busy; beyond that the host is not
 * reading and RAM is better spent elsewhere (drops are counted exactly). */
#define WISFW_EVQ_BYTES 4096
#define WISFW_EV_HDR 16
/* Longest encoded frame, with the leading delimiter. */
#define WISFW_FRAME_MAX (WIS_MAX_ENCODED + 1)
/* Room for answers that hold no slot (BUSY, a LOCAL request while the
 * window is full): beyond it they are dropped and counted. */
#define WISFW_OUTQ_SPARE 1024
/* The output queue: a full-size response for every slot, plus the spare,
 * so a response never waits for room and is never dropped while the host
 * keeps to the window. */
#define WISFW_OUTQ_BYTES (WISFW_WINDOW * WISFW_FRAME_MAX + WISFW_OUTQ_SPARE)
#define WISFW_OUTQ_FRAMES (WISFW_WINDOW + 16)
/* After a RESET the core waits at most this long (a deadline, not a
 * busy-wait) for the responses before it to leave, then resets anyway. */
#define WISFW_RESET_FLUSH_US 500000u

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

/* Counters beyond the deframer's (see STATS in docs/protocol.md). */
struct wisfw_core_counters {
	uint32_t tx_frames;
	uint32_t events_sent;
	uint32_t events_dropped;
	uint32_t requests_bad;
	uint32_t responses_dropped; /* not in STATS: the sim shows it */
};

enum wisfw_slot_state {
	WISFW_SLOT_FREE = 0,
	WISFW_SLOT_RUNNING,  /* its handler is running now */
	WISFW_SLOT_DEFERRED, /* a handler keeps it and answers later */
	WISFW_SLOT_QUEUED,   /* its response waits in the output queue */
};

struct wisfw_slot {
	uint8_t state; /* enum wisfw_slot_state */
	uint16_t id, opcode;
};

/* Where a frame leaving the core comes from. */
enum wisfw_src { WISFW_SRC_NONE, WISFW_SRC_RESP, WISFW_SRC_EVENT, WISFW_SRC_PART };

struct wisfw_stream_ops;

enum wisfw_run_state {
	WISFW_RUNNING = 0,
	WISFW_RESETTING, /* RESET accepted: input ignored, responses drain */
	WISFW_HALTED,    /* the port's reset hook ran: nothing until re-init */
};

/* Where the CPU faulted before this boot (the port's record, kept in RAM
 * across the reset), reported in HELLO. */
struct wisfw_fault {
	uint8_t kind; /* exception number: 3 HardFault .. 6 UsageFault; 0 none */
	uint32_t pc, lr, cfsr;
};

struct wisfw_core {
	const struct wisfw_hal *hal;
	uint64_t boot_us;
	uint8_t boot_cause; /* enum wis_reset_cause, for HELLO */
	struct wisfw_fault fault;
	struct wis_deframer rx;
	struct wisfw_core_counters n;
	uint32_t seq; /* next event sequence number */
	uint8_t run;  /* enum wisfw_run_state */
	uint8_t reset_mode;
	uint64_t reset_by; /* device time: reset even if responses still wait */
	uint64_t alarm;    /* HAL time last given to timebase.alarm_at */

	/* request slots (the window) */
	struct wisfw_slot slots[WISFW_WINDOW];
	int cur_slot; /* slot of the request being dispatched, -1 in a batch */

	/* output queue: encoded responses, sent in the order they completed */
	uint8_t outq[WISFW_OUTQ_BYTES];
	size_t outq_head, outq_len;
	size_t outq_spare_used, outq_spare_frames; /* answers that hold no slot */
	struct {
		uint16_t len;
		int8_t slot; /* -1: an answer that holds no slot */
	} outf[WISFW_OUTQ_FRAMES];
	uint8_t outf_head, outf_count;

	/* the frame being handed to the link, possibly in several calls */
	uint8_t cur_src; /* enum wisfw_src */
	size_t cur_off, cur_len;
	uint8_t evframe[WISFW_FRAME_MAX];

	/* the streamed answer in progress (txq.c): NULL ops = none */
	const struct wisfw_stream_ops *stream;
	int stream_ticket;

	/* event queue: records of WISFW_EV_HDR bytes + data, in a byte ring */
	uint8_t evq[WISFW_EVQ_BYTES];
	size_t evq_head, evq_used;

	/* subsystem state */
	struct wisfw_pin_rt pins[WISFW_NRF_PINS];
	/* Bit n: pin n waits out its debounce time (pins[n].pending).  Kept so
	 * that the deadline and poll hooks, which run after every request,
	 * look at those pins only instead of all 48. */
	uint64_t debouncing;
	uint64_t delay_due[WISFW_WINDOW]; /* DELAY: device time per slot, 0 = none */
	uint16_t delays;                  /* bit t: delay_due[t] is set (same reason) */
	struct wisfw_radio radio;         /* RADIO (radio.c)                        */
	struct wisfw_flash flash;         /* FLASH (flash.c) */
	uint32_t i2c_hz[2];               /* I2C: clock per bus, 0 = pins not taken */
	bool uart_on[2];                  /* UART: port configured, RX to events */

	char detail[160];
	size_t detail_len;
	uint8_t resp[WIS_MAX_PAYLOAD];
	uint8_t enc[WISFW_FRAME_MAX]; /* scratch: encoding, EMIT's pattern */
};

/* Puts every pin in its reset state through the HAL; sends nothing. */
void wisfw_core_init(struct wisfw_core *c, const struct wisfw_hal *hal);
/* Sends the RESET event that a booted module sends once.  fault: where
 * the CPU faulted before this boot (cause WIS_CAUSE_FAULT), else NULL. */
void wisfw_core_boot(struct wisfw_core *c, uint8_t cause, const struct wisfw_fault *fault);
/* Feed bytes received from the host link. */
void wisfw_core_rx(struct wisfw_core *c, const uint8_t *p, size_t n);
/* Runs subsystem timers (debounce, deferred answers), hands queued
 * responses and events to the link, and performs a pending reset. */
void wisfw_core_poll(struct wisfw_core *c, uint64_t now_us);
/* Earliest HAL time wisfw_core_poll needs to run again; UINT64_MAX if none
 * (link readiness is the port's to watch: see wisfw_core_tx_pending). */
uint64_t wisfw_core_next_deadline(const struct wisfw_core *c);
/* True while bytes wait for the link to accept them. */
bool wisfw_core_tx_pending(const struct wisfw_core *c);
/* The host went away: forget the frame being sent and the responses
 * queued for that host (their slots are freed, counted as dropped). */
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
/* Slots held now (deferred or waiting for the link). */
unsigned wisfw_core_slots_held(const struct wisfw_core *c);

/*
 * SAADC transfer functions, exactly as docs/protocol.md states them.
 * raw = V * gain / reference * 2^bits, rounded to nearest and clamped to
 * 0..2^bits-1 (what an ideal converter returns for mv);
 * millivolts = raw * reference / gain / 2^bits, rounded to nearest.
 * Parameters must be valid (see wisfw_adc_params_ok).
 */
int16_t wisfw_adc_raw_from_mv(int32_t mv, uint8_t gain, uint8_t ref, uint8_t bits, uint16_t vdd_mv);
int32_t wisfw_adc_mv_from_raw(int32_t raw, uint8_t gain, uint8_t ref, uint8_t bits,
                              uint16_t vdd_mv);
bool wisfw_adc_params_ok(uint8_t gain, uint8_t ref, uint8_t bits, uint8_t oversample_log2);

_Static_assert(WISFW_NRF_PINS <= 64, "debouncing is a 64-bit mask of pins");
_Static_assert(WISFW_WINDOW <= 16, "delays is a 16-bit mask of slots");

#endif

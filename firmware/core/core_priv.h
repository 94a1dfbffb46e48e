/*
 * Internal interface between the core's files.  core.c owns framing,
 * dispatch (from the opcode table in lib/proto/ops.c) and the request
 * slots; txq.c the output and event queues; pins.c details and pin
 * ownership; sys.c, gpio.c and adc.c are subsystems: each exports one
 * struct wisfw_subsys with its hooks and opcode handlers, and core.c lists
 * them in one table.  A new subsystem (radio, flash, i2c, spi, uart) is one
 * new file and one row there.
 */
#ifndef WISFW_CORE_PRIV_H
#define WISFW_CORE_PRIV_H

#include "core.h"
#include "ops.h"

/*
 * A handler gets its request already checked against the opcode's fields
 * (length, every integer's range) and decoded into v[] (one value per
 * field, in the table's order), and writes its response payload to out.
 * It returns a status; on failure it explains itself with the wisfw_d_*
 * builders.  A handler checks every parameter before it changes any
 * state, so a refused request has no effect.  It may instead keep the
 * request and answer later: wisfw_defer() then return WISFW_ST_DEFER.
 */
typedef uint8_t (*wisfw_handler)(struct wisfw_core *c, const union wis_val *v, struct wis_wr *out);
#define WISFW_ST_DEFER 0xff

struct wisfw_op_handler {
	uint16_t opcode;
	wisfw_handler h;
};

/* One subsystem: its hooks (any may be NULL) and its opcodes. */
struct wisfw_subsys {
	const char *name;
	/* After the core's own init (module boot). */
	void (*init)(struct wisfw_core *c);
	/* A RESET was accepted: drop deferred work (the core drops the slots). */
	void (*reset)(struct wisfw_core *c);
	/* Timers due by device time now. */
	void (*poll)(struct wisfw_core *c, uint64_t now);
	/* Earliest device time poll must run, UINT64_MAX if none. */
	uint64_t (*next_deadline)(const struct wisfw_core *c);
	const struct wisfw_op_handler *ops;
	size_t nops;
};

extern const struct wisfw_subsys wisfw_sys_subsys;
extern const struct wisfw_subsys wisfw_gpio_subsys;
extern const struct wisfw_subsys wisfw_adc_subsys;
extern const struct wisfw_subsys wisfw_radio_subsys;

/* ---- radio hardware side (radio_io.c) ---- */

/* Fills c->radio.io from the HAL and initialises the driver. */
void wisfw_radio_io_init(struct wisfw_core *c);
/* Radio pins to their idle levels and modes, the radio SPIM configured. */
void wisfw_radio_pins_setup(struct wisfw_core *c);
/* NOT_SUPPORTED naming the HAL hook a port lacks for op, or OK. */
uint8_t wisfw_radio_need_hal(struct wisfw_core *c, const char *op);
/* A driver error as a status, with "<op>: SX1262 <what>" as the detail. */
uint8_t wisfw_radio_fail(struct wisfw_core *c, const char *op, int err);
/* RADIO_RX_ERROR and RADIO_RX events at device time t. */
void wisfw_radio_rx_error(struct wisfw_core *c, uint64_t t, uint8_t kind, int16_t rssi,
                          int16_t snr);
void wisfw_radio_rx_done(struct wisfw_core *c, uint64_t t, bool crc_err);
extern const struct wisfw_subsys wisfw_flash_subsys;
extern const struct wisfw_subsys wisfw_i2c_subsys;
extern const struct wisfw_subsys wisfw_spi_subsys;
extern const struct wisfw_subsys wisfw_uart_subsys;

/* RELEASE of a flash pin (flash_store.c): frees all six and forgets the
 * chip; BUSY (detail set) while a flash operation runs. */
uint8_t wisfw_flash_release(struct wisfw_core *c);

/* ---- deferred responses (core.c) ---- */

/* Keeps the request being dispatched: returns its ticket (slot), or -1 if
 * it cannot be kept (a batch step).  The handler then returns
 * WISFW_ST_DEFER, and answers later with wisfw_answer(). */
int wisfw_defer(struct wisfw_core *c);
/* Answers a kept request: status st and payload p (for an error, p NULL:
 * the detail built with wisfw_d_* since wisfw_d_reset()).  The slot stays
 * held until the response is handed to the link. */
void wisfw_answer(struct wisfw_core *c, int ticket, uint8_t st, const uint8_t *p, size_t len);

/* ---- streamed answers (txq.c) ---- */

/*
 * A kept request answered by a run of partial answers (WIS_FLAG_MORE),
 * each made only when the link has taken everything before it and nothing
 * else waits (responses and events go first), so the stream runs at the
 * pace the host reads and needs one frame of memory, not a queue.  One
 * stream at a time.
 */
struct wisfw_stream_ops {
	/* Writes the next partial answer's payload (at most cap bytes) to p
	 * and returns its length; or answers the request (wisfw_answer) and
	 * returns 0, which ends the stream (it may begin the next one). */
	size_t (*next)(struct wisfw_core *c, uint8_t *p, size_t cap);
	/* The link went down: the stream has ended; answer with an error
	 * (it is dropped with the link).  On RESET the stream and its slot
	 * are just forgotten, and the subsystem's reset hook runs. */
	void (*stop)(struct wisfw_core *c);
};
/* Starts streaming the kept request ticket (from wisfw_defer). */
void wisfw_stream_begin(struct wisfw_core *c, int ticket, const struct wisfw_stream_ops *ops);

/* ---- detail text (pins.c; no stdio in the core) ---- */

void wisfw_d_reset(struct wisfw_core *c);
void wisfw_d_str(struct wisfw_core *c, const char *s);
void wisfw_d_uint(struct wisfw_core *c, uint32_t v);
void wisfw_d_hex16(struct wisfw_core *c, uint16_t v);
/* "IO4" for a board pin, "pin 40 (P1.08)" otherwise. */
void wisfw_d_pin(struct wisfw_core *c, uint8_t nrf);
/* "<name> <v> out of range <lo>..<hi>"; returns BAD_ARG. */
uint8_t wisfw_d_range(struct wisfw_core *c, const char *name, uint32_t v, uint32_t lo, uint32_t hi);
/* "<what>: this port has no <hook>"; returns NOT_SUPPORTED. */
uint8_t wisfw_d_unsupported(struct wisfw_core *c, const char *what, const char *hook);

/* ---- pins and ownership (pins.c) ---- */

/*
 * Checks that nrf is an I/O pin of this board that the firmware may use.
 * Returns its table entry, or NULL with *st and the detail set.
 */
const struct wis_pin_def *wisfw_io_pin(struct wisfw_core *c, uint8_t nrf, uint8_t *st);
/* PIN_BUSY unless the pin is free or already owned by want. */
uint8_t wisfw_claim_check(struct wisfw_core *c, uint8_t nrf, uint8_t want);
/* Frees a pin: stops its watch and disconnects it. */
void wisfw_pin_release(struct wisfw_core *c, uint8_t nrf);
/* Stops a pin's edge watch (and tells the port's watch hook). */
void wisfw_pin_unwatch(struct wisfw_core *c, uint8_t nrf);
/* Sets pins[nrf].pending and its bit in c->debouncing together. */
void wisfw_pin_set_pending(struct wisfw_core *c, uint8_t nrf, bool on);

/* ---- time, events and output (txq.c) ---- */

/* Device time (µs since boot) of a HAL time, and now. */
uint64_t wisfw_dev_time(const struct wisfw_core *c, uint64_t hal_us);
uint64_t wisfw_now(const struct wisfw_core *c);
/*
 * Queues an event of len (<= WIS_EV_MAX_DATA) data bytes with the next
 * sequence number, which it returns.  When the queue's byte budget is
 * spent the event is dropped and counted: it still uses its number.
 */
uint32_t wisfw_event(struct wisfw_core *c, uint16_t opcode, uint64_t dev_t, const uint8_t *data,
                     uint16_t len);
/* Encodes a response and queues it; slot -1 for an answer that holds no
 * slot (dropped and counted if the spare room is used up). */
void wisfw_queue_response(struct wisfw_core *c, int slot, uint16_t id, uint16_t opcode, uint8_t st,
                          const uint8_t *p, size_t len);
/* Hands queued bytes to the link until it is full; responses first. */
void wisfw_flush(struct wisfw_core *c);
/* Gives the port's alarm the next deadline (end of every entry point). */
void wisfw_rearm(struct wisfw_core *c);
/* Forgets queued events (module reset). */
void wisfw_events_clear(struct wisfw_core *c);
/* Frees a slot (called when its response has left or was dropped). */
void wisfw_slot_free(struct wisfw_core *c, int slot);

/*
 * Runs one request as the dispatcher does: table lookup, length and range
 * checks, handler, detail.  out receives the response payload (the detail
 * string on failure).  in_batch refuses the operations a batch cannot hold.
 */
uint8_t wisfw_run(struct wisfw_core *c, uint16_t opcode, const uint8_t *p, size_t len,
                  struct wis_wr *out, bool in_batch);

#endif

/*
 * Internal interface between the core's files: core.c owns framing,
 * dispatch, details and events; sys.c, gpio.c and adc.c own handlers.
 */
#ifndef WISFW_CORE_PRIV_H
#define WISFW_CORE_PRIV_H

#include "core.h"

/*
 * A handler reads its (length-checked) request from in and writes its
 * response payload to out.  It returns a status; on failure it explains
 * itself with the wis_d_* builders and the dispatcher turns the detail into
 * the response payload.  A handler checks every parameter before it
 * changes any state, so a refused request has no effect.
 */
typedef uint8_t (*wisfw_handler)(struct wisfw_core *c, struct wis_rd *in, struct wis_wr *out);

/* Detail text builders (no stdio in the core). */
void wisfw_d_str(struct wisfw_core *c, const char *s);
void wisfw_d_uint(struct wisfw_core *c, uint32_t v);
/* "IO4" for a board pin, "pin 40 (P1.08)" otherwise. */
void wisfw_d_pin(struct wisfw_core *c, uint8_t nrf);
/* "<name> <v> out of range <lo>..<hi>" */
uint8_t wisfw_d_range(struct wisfw_core *c, const char *name, uint32_t v, uint32_t lo, uint32_t hi);

/*
 * Checks that nrf is an I/O pin of this board that the firmware may use.
 * Returns its table entry, or NULL with *st and the detail set.
 */
const struct wis_pin_def *wisfw_io_pin(struct wisfw_core *c, uint8_t nrf, uint8_t *st);
/* PIN_BUSY unless the pin is free or already owned by want. */
uint8_t wisfw_claim_check(struct wisfw_core *c, uint8_t nrf, uint8_t want);
/* Frees a pin: stops its watch and disconnects it. */
void wisfw_pin_release(struct wisfw_core *c, uint8_t nrf);

/* Device time (µs since boot) of a HAL time. */
uint64_t wisfw_dev_time(const struct wisfw_core *c, uint64_t hal_us);
/* Queues an event; it is sent at the next flush, or dropped and counted. */
void wisfw_event(struct wisfw_core *c, uint16_t opcode, uint64_t dev_t, const uint8_t *data,
               uint8_t len);

/* Handlers. */
uint8_t wisfw_h_hello(struct wisfw_core *c, struct wis_rd *in, struct wis_wr *out);
uint8_t wisfw_h_ping(struct wisfw_core *c, struct wis_rd *in, struct wis_wr *out);
uint8_t wisfw_h_uptime(struct wisfw_core *c, struct wis_rd *in, struct wis_wr *out);
uint8_t wisfw_h_reset(struct wisfw_core *c, struct wis_rd *in, struct wis_wr *out);
uint8_t wisfw_h_stats(struct wisfw_core *c, struct wis_rd *in, struct wis_wr *out);
uint8_t wisfw_h_pins(struct wisfw_core *c, struct wis_rd *in, struct wis_wr *out);
uint8_t wisfw_h_batch(struct wisfw_core *c, struct wis_rd *in, struct wis_wr *out);
uint8_t wisfw_h_release(struct wisfw_core *c, struct wis_rd *in, struct wis_wr *out);
uint8_t wisfw_h_pin_state(struct wisfw_core *c, struct wis_rd *in, struct wis_wr *out);
uint8_t wisfw_h_gpio_mode(struct wisfw_core *c, struct wis_rd *in, struct wis_wr *out);
uint8_t wisfw_h_gpio_read(struct wisfw_core *c, struct wis_rd *in, struct wis_wr *out);
uint8_t wisfw_h_gpio_write(struct wisfw_core *c, struct wis_rd *in, struct wis_wr *out);
uint8_t wisfw_h_gpio_watch(struct wisfw_core *c, struct wis_rd *in, struct wis_wr *out);
uint8_t wisfw_h_adc_read(struct wisfw_core *c, struct wis_rd *in, struct wis_wr *out);

/* Debounce timers of watched pins (gpio.c). */
void wisfw_gpio_poll(struct wisfw_core *c, uint64_t dev_now);
uint64_t wisfw_gpio_next_deadline(const struct wisfw_core *c); /* device time */

/*
 * Runs one request exactly as the dispatcher would: length check, handler,
 * detail.  out receives the response payload (the detail string on
 * failure).  in_batch refuses the operations a batch cannot hold.
 */
uint8_t wisfw_run(struct wisfw_core *c, uint16_t opcode, const uint8_t *p, size_t len,
                struct wis_wr *out, bool in_batch);

#endif

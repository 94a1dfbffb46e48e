/*
 * The hardware abstraction the firmware core runs on.  A port (the nRF52840
 * board, or the Linux simulator) fills one struct wisfw_hal and hands it to
 * wisfw_core_init(); the core never touches hardware any other way.
 *
 * Every hook runs in the core's (main loop) context.  Hooks may call back
 * into wisfw_core_pin_changed() (a GPIO write can change an input wired to
 * it), but never into wisfw_core_rx()/wisfw_core_poll().
 */
#ifndef WISFW_HAL_H
#define WISFW_HAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wisrpc/pins.h"

/* A pin that exists on the MCU but is wired inside the module (radio,
 * antenna switch): named in the error a request for it gets. */
struct wisfw_reserved_pin {
	uint8_t nrf;
	const char *what;
};

/* What the port knows about the board it runs on. */
struct wisfw_board {
	const char *name;       /* "RAK4631"                                   */
	const char *fw_version; /* "0.1.0"                                     */
	const struct wis_pin_def *pins;
	size_t pin_count;
	const struct wisfw_reserved_pin *reserved;
	size_t reserved_count;
	uint32_t caps;   /* WIS_CAP_* bits advertised in HELLO                    */
	uint16_t vdd_mv; /* supply voltage: SAADC VDD/4 reference = vdd_mv / 4   */
	/* UICR.NFCPINS: true if the NFC pads are plain GPIOs.  When false, the
	 * NFC pins are owned by SYSTEM and refused for I/O. */
	bool nfc_pins_gpio;
};

struct wisfw_hal {
	void *ctx;
	const struct wisfw_board *board;

	/* Monotonic microseconds; any epoch (the core subtracts its boot time). */
	uint64_t (*now_us)(void *ctx);

	/*
	 * Hand bytes to the host link without blocking.  Returns how many were
	 * accepted (0..n; the core keeps the rest of a frame and retries from
	 * wisfw_core_poll), or < 0 if the link is down (the frame is dropped).
	 */
	int (*tx)(void *ctx, const uint8_t *p, size_t n);
	/*
	 * Optional: wait up to timeout_us for the link to accept bytes; true if
	 * it may.  Used only for responses: events never wait.
	 */
	bool (*tx_wait)(void *ctx, uint32_t timeout_us);

	/* mode is enum wis_gpio_mode; DISABLED disconnects the pin. */
	void (*gpio_config)(void *ctx, uint8_t nrf, uint8_t mode);
	void (*gpio_write)(void *ctx, uint8_t nrf, uint8_t level);
	uint8_t (*gpio_read)(void *ctx, uint8_t nrf);

	/*
	 * One SAADC conversion of channel ain (single-ended, parameters already
	 * validated: gain 0..7, ref 0..1, bits 8/10/12/14, oversample 0..8).
	 * Stores the raw result; returns WIS_ST_OK or an error status
	 * (WIS_ST_HW_TIMEOUT if the EVENTS_END never came).
	 */
	uint8_t (*adc_sample)(void *ctx, uint8_t ain, uint8_t gain, uint8_t ref, uint8_t bits,
	                      uint8_t oversample_log2, int16_t *raw);

	/* Reset the module (mode: enum wis_reset_mode).  On hardware this does
	 * not return; a port that returns must stop feeding the core until it
	 * re-initialises it. */
	void (*reset)(void *ctx, uint8_t mode);

	void (*device_id)(void *ctx, uint8_t id[8]);
};

#endif

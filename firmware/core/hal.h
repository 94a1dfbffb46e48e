/*
 * The hardware abstraction the firmware core runs on, split by peripheral.
 * A port (the nRF52840 board, or the Linux simulator through
 * firmware/sim/simhal.h) fills one struct wisfw_hal and hands it to
 * wisfw_core_init(); the core never touches hardware any other way.
 *
 * Context: every hook is called from the core's one context (the main
 * loop: wisfw_core_rx/poll/pin_changed/boot), never from an interrupt, and
 * must not call wisfw_core_rx() or wisfw_core_poll() back.  A hook may call
 * wisfw_core_pin_changed() (a GPIO write can change an input wired to it),
 * which may in turn call timebase.alarm_at: that hook must not assume it
 * is outermost.
 *
 * Ownership: the port owns every struct below and the ctx; they must
 * outlive the core.  Buffers passed to a hook belong to the core and are
 * valid only during the call.
 *
 * Blocking: no hook may wait for the host.  The hooks that may block
 * (for a bounded time, stated at each) are the bus and flash hooks and
 * adc.sample; they run a short hardware transaction to its end.
 *
 * Optional peripherals (gpio, adc, spi, i2c, uart, iflash) may be NULL: the
 * core then answers NOT_SUPPORTED with a detail naming the missing one
 * ("ADC_READ: this port has no hal.adc").  gpio.watch and
 * timebase.alarm_at may be NULL too (see each).
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
	/* A GPIO that also switches a power rail (RAK4631: IO2 = P1.02, the
	 * 3V3_S sensor rail), or WIS_NRF_NONE.  The core never changes it as a
	 * side effect: an implicit claim by a read or watch never adds a pull. */
	uint8_t rail_nrf;
	/* Bound of one wait for the radio's BUSY line; 0: the driver's 10 ms.
	 * A simulator, whose process may be descheduled in the middle of a
	 * wait, allows more. */
	uint32_t radio_busy_timeout_us;
};

/* µs timebase.  Mandatory (alarm_at optional). */
struct wisfw_timebase {
	/* Monotonic microseconds, any epoch (the core subtracts its boot time).
	 * Must not wrap (a port extends a 24-bit RTC to 64 bits). */
	uint64_t (*now_us)(void *ctx);
	/*
	 * One-shot alarm at HAL time t_us, replacing any earlier one;
	 * UINT64_MAX cancels it.  When it fires (an RTC compare interrupt), the
	 * port wakes its main loop, which calls wisfw_core_poll().  The core
	 * re-arms it at the end of every entry point, so a port may instead
	 * poll wisfw_core_next_deadline() (the simulator's poll() timeout).
	 */
	void (*alarm_at)(void *ctx, uint64_t t_us);
	/* Optional bounded busy-wait of a few µs (the radio's BUSY polling
	 * and its 200 µs reset pulse); the radio needs it. */
	void (*delay_us)(void *ctx, uint32_t us);
};

/* The host link (USB CDC-ACM IN endpoint, pty, TCP).  Mandatory. */
struct wisfw_link {
	/*
	 * Hand bytes to the link without blocking.  Returns how many were
	 * accepted (0..n; the core keeps the rest of a frame and offers it
	 * again from wisfw_core_poll, so the port should call poll once the
	 * link can take bytes), or < 0 if the link is down (the frame is
	 * dropped and counted).
	 */
	int (*tx)(void *ctx, const uint8_t *p, size_t n);
};

/* System control.  Mandatory. */
struct wisfw_system {
	/*
	 * Reset the module (mode: enum wis_reset_mode).  The core calls it
	 * once every response before it has been handed to link.tx; the port
	 * first drains what the link accepted (the USB IN buffer) so that the
	 * RESET response reaches the host, bounded by 100 ms, then resets.  On
	 * hardware this does not return; a port that returns must stop feeding
	 * the core until it re-initialises it.
	 */
	void (*reset)(void *ctx, uint8_t mode);
	/* The 64-bit device id (FICR.DEVICEID on the nRF52840). */
	void (*device_id)(void *ctx, uint8_t id[8]);
};

/* GPIO.  Optional: without it every GPIO request is NOT_SUPPORTED. */
struct wisfw_gpio {
	/* mode is enum wis_gpio_mode; DISABLED disconnects the pin. */
	void (*config)(void *ctx, uint8_t nrf, uint8_t mode);
	void (*write)(void *ctx, uint8_t nrf, uint8_t level);
	uint8_t (*read)(void *ctx, uint8_t nrf);
	/*
	 * Optional edge-watch hook: the core is (edge != NONE) or is no longer
	 * (edge NONE) interested in nrf's level changes, so a port can program
	 * a GPIOTE channel (8 on the nRF52840) or PORT/SENSE for it.  Returns
	 * false if it cannot watch the pin (no channel left): the request is
	 * then refused with BUSY.  Level changes come back through
	 * wisfw_core_pin_changed() from the main loop (the ISR only records
	 * pin, level and time).  NULL: the port reports every input's changes.
	 */
	bool (*watch)(void *ctx, uint8_t nrf, uint8_t edge);
};

/* SAADC.  Optional. */
struct wisfw_adc {
	/*
	 * One single-ended conversion of channel ain (parameters validated:
	 * gain 0..7, ref 0..1, bits 8/10/12/14, oversample 0..8).  Stores the
	 * raw result (may be slightly negative near 0 V: the core clamps it);
	 * returns WIS_ST_OK or an error status (WIS_ST_HW_TIMEOUT if
	 * EVENTS_END never came).  Blocks at most 2^oversample x (40 µs
	 * acquisition + 2 µs conversion) = 10.8 ms, plus a 1 ms timeout margin.
	 */
	uint8_t (*sample)(void *ctx, uint8_t ain, uint8_t gain, uint8_t ref, uint8_t bits,
	                  uint8_t oversample_log2, int16_t *raw);
};

/* SPI master (SPIM).  Optional.  Full duplex, CS handled by the core
 * through gpio; blocks for n bytes at the configured clock (n <= 1024:
 * at most 8.2 ms at 1 MHz). */
struct wisfw_spi {
	uint8_t (*configure)(void *ctx, uint32_t hz, uint8_t mode);
	uint8_t (*transfer)(void *ctx, const uint8_t *tx, uint8_t *rx, size_t n);
};

/* I2C master (TWIM), bus 0 = I2C1, 1 = I2C2.  Optional.  Write then read
 * with a repeated start (wn or rn may be 0, not both); blocks at most 30 ms
 * (the TWIM timeout).  Returns WIS_ST_OK, WIS_ST_NOT_FITTED (address
 * NACK), WIS_ST_HW_ERROR (data NACK; *done = bytes written before it),
 * WIS_ST_BUSY (bus error: SDA/SCL held, arbitration lost) or
 * WIS_ST_HW_TIMEOUT (a clock stretched past the timeout).  configure sets
 * the clock (100000 or 400000 Hz) and connects the bus's pins. */
struct wisfw_i2c {
	uint8_t (*transfer)(void *ctx, uint8_t bus, uint8_t addr, const uint8_t *w, size_t wn,
	                    uint8_t *r, size_t rn, size_t *done);
	uint8_t (*configure)(void *ctx, uint8_t bus, uint32_t hz);
};

/* UART (UARTE), port 0 or 1.  Optional.  Never blocks: write takes what
 * fits in the port's buffer, read returns what has arrived.  parity is
 * enum wis_uart_parity, stop 1 or 2.  overflows: bytes the port's receive
 * buffer has dropped since configure (it was full). */
struct wisfw_uart {
	uint8_t (*configure)(void *ctx, uint8_t port, uint32_t baud, uint8_t parity, uint8_t stop);
	int (*write)(void *ctx, uint8_t port, const uint8_t *p, size_t n);
	int (*read)(void *ctx, uint8_t port, uint8_t *p, size_t cap);
	uint32_t (*overflows)(void *ctx, uint8_t port);
};

/* Internal flash (NVMC), for settings pages above the application.
 * Optional.  erase_page blocks up to 85 ms (nRF52840 tERASEPAGE),
 * program up to 41 µs per word. */
struct wisfw_iflash {
	uint32_t page_size; /* 4096 on the nRF52840 */
	uint8_t (*erase_page)(void *ctx, uint32_t addr);
	uint8_t (*program)(void *ctx, uint32_t addr, const uint8_t *p, size_t n);
	uint8_t (*read)(void *ctx, uint32_t addr, uint8_t *p, size_t n);
};

struct wisfw_hal {
	void *ctx; /* passed to every hook */
	const struct wisfw_board *board;
	const struct wisfw_timebase *time;
	const struct wisfw_link *link;
	const struct wisfw_system *sys;
	const struct wisfw_gpio *gpio;     /* optional */
	const struct wisfw_adc *adc;       /* optional */
	const struct wisfw_spi *spi;       /* optional */
	const struct wisfw_i2c *i2c;       /* optional */
	const struct wisfw_uart *uart;     /* optional */
	const struct wisfw_iflash *iflash; /* optional */
	/* The SX1262's own SPIM instance (8 MHz, mode 0; NSS P1.10 driven
	 * through gpio.write, BUSY P1.14 and DIO1 P1.15 read through gpio.read,
	 * NRESET P1.06, antenna power P1.05): optional, NULL = no radio. */
	const struct wisfw_spi *radio_spi;
};

#endif

/*
 * simhal: the simulated RAK4631 peripherals behind struct wisfw_hal, one
 * module for wisrpc-sim and the firmware tests alike, so a new HAL hook is
 * written once.  It holds a clock (the real monotonic one, or a manual one
 * a test sets), a link that buffers what the core sends (with a byte
 * budget and a per-call limit a test can set), the electrical pin model
 * (nets, pulls, wires, contention, LEDs, a button), an ideal SAADC, and the
 * system hooks (reset request, device id).
 *
 * The pin model reports every change of an input's level to the attached
 * core, as GPIOTE would.  No file descriptors here: wisrpc-sim's link and
 * control socket (sim_link.c, sim_control.c) sit on top.
 */
#ifndef WISFW_SIMHAL_H
#define WISFW_SIMHAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core.h"
#include "hal.h"

struct simhal_radio;

#define SIMHAL_TXBUF 16384
#define SIMHAL_ADC_MAX_MV 3600 /* VDD + 0.3 V: the pins' absolute maximum */
/* Internal flash pages modelled: 0xEA000..0xF4000, the application-data
 * pages below the bootloader (hardware.md), which hold the fallback store. */
#define SIMHAL_IFLASH_BASE 0xEA000u
#define SIMHAL_IFLASH_SIZE 0xA000u
#define SIMHAL_IFLASH_PAGE 4096u

struct nor_model;

/* One simulated UART: a receive buffer fed by its own TX (loopback). */
#define SIMHAL_UART_BUF 4096u
struct simhal_uart {
	bool on;
	uint32_t baud;
	uint8_t parity, stop;
	uint8_t buf[SIMHAL_UART_BUF];
	size_t head, len;
	uint32_t overflows;
};

/* Electrical state of one nRF pin. */
struct simhal_pin {
	const struct wis_pin_def *def; /* NULL: not an IO pin of the board */
	uint8_t mode;                  /* as configured by the core (enum wis_gpio_mode) */
	uint8_t latch;                 /* output latch (OUT register) */
	int8_t ext;                    /* external drive: -1 none, 0 or 1 */
	uint8_t net;                   /* nrf number of the net's first pin */
	uint8_t watched;               /* edge the core asked the watch hook for */
	int32_t adc_mv;
};

struct simhal {
	struct wisfw_hal hal; /* what the core gets; points into this struct */
	struct wisfw_board board;
	struct wisfw_timebase time;
	struct wisfw_link link;
	struct wisfw_system sys;
	struct wisfw_gpio gpio;
	struct wisfw_adc adc;
	struct wisfw_core *core; /* pin changes are reported to it */
	/* SX1262 model behind radio_spi and the radio pins (simhal_radio.h);
	 * NULL: no radio (hal.radio_spi NULL too). */
	struct wisfw_spi radio_spi;
	struct simhal_radio *radio;

	/* timebase */
	bool manual_clock; /* tests: now only moves when set */
	uint64_t now;
	uint64_t alarm; /* last alarm_at (HAL time), UINT64_MAX: none */

	/* link: bytes the core sent, until the owner takes them */
	bool link_up;    /* false: tx reports the link down */
	long tx_budget;  /* bytes the link still takes; < 0: unlimited */
	size_t tx_chunk; /* most bytes one tx call takes; 0: unlimited */
	/* What waits is txbuf[txoff, txlen): a partial write advances txoff
	 * (a pty takes a few KiB at a time) and the rest moves to the front
	 * only when new bytes need the room and no more waits than has left
	 * (h_tx; simhal_tx_*() below). */
	uint8_t txbuf[SIMHAL_TXBUF];
	size_t txoff, txlen;
	/* Called with what tx accepted, instead of buffering (tests). */
	void (*sink)(void *user, const uint8_t *p, size_t n);
	/* Called when txbuf is full, to write it out (wisrpc-sim). */
	void (*drain)(void *user);
	void *user;

	/* system */
	uint8_t id[8];
	int resets; /* reset hook calls */
	bool reset_req;
	uint8_t reset_mode;

	/* pins */
	struct simhal_pin pins[WISFW_NRF_PINS];
	uint8_t net_level[WISFW_NRF_PINS]; /* indexed by net */
	bool net_contention[WISFW_NRF_PINS];
	/* The pins (with a definition) on each net, bit = nRF pin: a net
	 * update visits only these (the flash's chip select changes its net
	 * twice per FLASH_READ). */
	uint64_t net_pins[WISFW_NRF_PINS];
	bool mute_pins;  /* no core to tell (start-up, module reset) */
	char trace[512]; /* "w34=1 c34=4 " gpio hook calls, for tests */
	size_t trace_len;

	/* SAADC: args of the last sample; a test may fix its answer */
	uint8_t adc_args[5];
	bool adc_fixed;
	int16_t adc_raw;
	uint8_t adc_status;

	/* contention warnings and the like */
	void (*log)(void *user, const char *msg);

	/* SPI master with the flash chip on it, internal flash (simhal_flash.c) */
	struct wisfw_spi spi;
	struct wisfw_iflash iflash;
	struct nor_model *nor; /* NULL: no chip fitted (MISO reads 0xFF) */
	bool nor_selected;     /* CS (P0.26) an output driven low */
	uint32_t spi_hz;
	uint8_t spi_mode;
	uint64_t spi_bytes;
	bool spi_loopback; /* IO-slot MOSI wired to MISO (default) */
	uint8_t iflash_mem[SIMHAL_IFLASH_SIZE];
	uint32_t iflash_erase_us, iflash_word_us; /* NVMC times */
	uint32_t iflash_erases;

	/* I2C buses and their devices (simhal_i2c.c) */
	struct wisfw_i2c i2c;
	uint32_t i2c_hz[2];     /* 0: not configured */
	bool i2c_stuck[2];      /* bus error: SDA held low */
	uint8_t i2c_stretch[2]; /* this address stretches SCL past the timeout (0: none) */
	uint32_t i2c_transfers;
	uint8_t eeprom[256]; /* 24C02 at 0x50 on I2C1 */
	uint8_t ee_ptr;
	uint64_t ee_busy_until;
	uint16_t tmp_reg[4]; /* TMP102-style sensor at 0x48 on I2C2 */
	uint8_t tmp_ptr;

	/* UARTs (simhal_uart.c) */
	struct wisfw_uart uart;
	struct simhal_uart uart_port[2];
};

/* Fills the board (RAK4631, NFC pads as GPIOs) and every hook; pins
 * disconnected and unwired. */
void simhal_init(struct simhal *s, bool manual_clock);
/* The core the pin model reports to (NULL: none). */
void simhal_attach(struct simhal *s, struct wisfw_core *core);
uint64_t simhal_now(const struct simhal *s);

/* Releases every pin's configuration (module reset); wires stay. */
void simhal_pins_reset(struct simhal *s);
/* Looks up an IO pin by name; NULL with a reason in err. */
const struct wis_pin_def *simhal_pin_lookup(struct simhal *s, const char *name, char *err,
                                            size_t n);
/* "IO1:IO2[:...]": wire pins into one net.  0, or -1 with err. */
int simhal_pins_wire(struct simhal *s, const char *spec, char *err, size_t n);
/* External drive: 0, 1 or -1 (released). */
void simhal_pins_drive(struct simhal *s, uint8_t nrf, int level);
int simhal_set_adc(struct simhal *s, uint8_t nrf, long mv, char *err, size_t n);
uint8_t simhal_pin_level(const struct simhal *s, uint8_t nrf); /* the net's level */

/* SPI and internal flash hooks (simhal_init calls it). */
void simhal_flash_init(struct simhal *s);
/* The pin model changed: select or deselect the chip as CS says. */
void simhal_flash_cs(struct simhal *s);
/* Divides the chip's and the NVMC's busy times (fast tests). */
void simhal_flash_timing(struct simhal *s, unsigned divisor);
/* I2C hooks and devices (simhal_init calls it). */
void simhal_i2c_init(struct simhal *s);
/* UART hooks (simhal_init calls it); bytes arriving on a port's RXD
 * (dropped and counted beyond its buffer; nothing while unconfigured). */
void simhal_uart_init(struct simhal *s);
size_t simhal_uart_inject(struct simhal *s, uint8_t port, const uint8_t *p, size_t n);

/* The bytes waiting in the tx buffer, how many, and taking n of them. */
static inline const uint8_t *simhal_tx_head(const struct simhal *s)
{
	return s->txbuf + s->txoff;
}

static inline size_t simhal_tx_pending(const struct simhal *s)
{
	return s->txlen - s->txoff;
}

static inline void simhal_tx_took(struct simhal *s, size_t n)
{
	s->txoff += n;
	if (s->txoff >= s->txlen)
		s->txoff = s->txlen = 0;
}

static inline void simhal_tx_clear(struct simhal *s)
{
	s->txoff = s->txlen = 0;
}

#endif

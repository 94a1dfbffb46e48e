/*
 * The RAK4631 pin table: every WisConnector pin by its name, what it is
 * wired to and which functions it can take.  One table serves the firmware
 * (ownership checks), the simulator, the host library (name lookup when the
 * device table is not at hand) and the CLI.  Freestanding: the firmware
 * compiles this too.
 *
 * Facts: the RAK4631 pin definition page and shared/hardware.md.
 */
#ifndef WISRPC_PINS_H
#define WISRPC_PINS_H

#include <stddef.h>
#include <stdint.h>

/* What a connector pin is. Only WIS_PIN_IO pins can be used for I/O. */
enum wis_pin_kind {
	WIS_PIN_IO = 0,
	WIS_PIN_POWER = 1,
	WIS_PIN_GROUND = 2,
	WIS_PIN_USB = 3,
	WIS_PIN_RESET = 4,
	WIS_PIN_BOOT = 5,
	WIS_PIN_NC = 6,
	WIS_PIN_RADIO = 7, /* an antenna pad of the module (RF_BT, RF_LoRa) */
	WIS_PIN_DEBUG = 8, /* the SWD pads (SWDCLK, SWDIO)                  */
};

/* Function bits: what an IO pin can be used for. */
#define WIS_FN_GPIO (1u << 0)
#define WIS_FN_ADC (1u << 1)
#define WIS_FN_I2C (1u << 2)
#define WIS_FN_SPI (1u << 3)
#define WIS_FN_UART (1u << 4)
#define WIS_FN_LED (1u << 5)    /* an on-board LED is on this pin     */
#define WIS_FN_BUTTON (1u << 6) /* an on-board button is on this pin  */
#define WIS_FN_QSPI (1u << 7)   /* shared with the QSPI flash bus     */
#define WIS_FN_NFC (1u << 8)    /* NFC pad: GPIO only if UICR allows  */

#define WIS_NRF_NONE 0xff /* pin is not an nRF52840 GPIO */
#define WIS_AIN_NONE 0xff /* pin has no SAADC input      */

/* nRF52840 pin number as the protocol carries it: port * 32 + pin. */
#define WIS_NRF(port, pin) ((uint8_t)((port)*32 + (pin)))

/*
 * One entry per WisConnector pin, plus IO7 (on the module, routed by base
 * boards to the IO slot) and the RAK4630 module pads that reach no
 * connector pin.  Both numberings come from the seed page: connector = the
 * "WisConnector Pin Definition" table, pad = the "Core Module" table.
 */
struct wis_pin_def {
	const char *name;  /* upper case, as on the pin definition page   */
	uint8_t connector; /* WisConnector pin 1..40; F1..F4 are 41..44;
	                      0 = on no connector pin (IO7, module pads)  */
	uint8_t kind;      /* enum wis_pin_kind                           */
	uint8_t nrf;       /* WIS_NRF(port, pin) or WIS_NRF_NONE          */
	uint8_t ain;       /* SAADC AIN channel or WIS_AIN_NONE           */
	uint16_t funcs;    /* WIS_FN_* bits                               */
	const char *note;  /* short human note, "" if none                */
	uint8_t pad;       /* RAK4630 module pad 1..44, 0 = none or many  */
	/* The pad's name in the core-module table ("SW2" for IO2, "QSPI_CLK"
	 * for SPI_CLK): accepted by wis_pin_lookup() as an alias.  NULL when
	 * the pin has no pad (an empty string on the wire). */
	const char *pad_name;
};

/* The RAK4631 table; *count receives the number of entries. */
const struct wis_pin_def *wis_pins_rak4631(size_t *count);

/*
 * Find a pin by name, case-insensitively.  Accepts the connector names
 * ("IO1", "led2", "VBAT"), the module pad names of the seed's core-module
 * table ("SW2" = IO2, "QSPI_DIO3" = LED3, "UART2_DE" = IO1, "AIN7" = AIN1)
 * and the nRF52840 names of IO pins ("P0.17", "p1.02").  A connector name
 * wins over a pad name: "AIN0" is the connector pin AIN0 (P0.05), not the
 * SAADC input AIN0 (P0.02, LED3).  Returns NULL if no pin matches.
 */
const struct wis_pin_def *wis_pin_lookup(const struct wis_pin_def *table, size_t count,
                                         const char *name);

/* Find the IO pin with an nRF pin number; NULL if none. */
const struct wis_pin_def *wis_pin_by_nrf(const struct wis_pin_def *table, size_t count,
                                         uint8_t nrf);

/* "IO" / "power" / "ground" / "USB" / "reset" / "boot" / "not connected" /
 * "radio" / "debug" (enum wis_pin_kind order). */
const char *wis_pin_kind_name(unsigned kind);

/* Writes "P0.17" style name of an nRF pin into buf (at least 6 bytes). */
void wis_nrf_name(uint8_t nrf, char buf[6]);

#endif

/*
 * RAK4631 pin table data and lookups.  Shared, unchanged, by the firmware,
 * the simulator and the host library: keep it freestanding.
 *
 * Sources (see shared/hardware.md): RAK4631 pin definition page (connector
 * numbering and names, the core-module pads), RAK-nRF52-Arduino variant.h,
 * meshtastic variant.h, the nRF52840 product specification (SAADC inputs),
 * zephyr rak4631 board files (nRF52840 routing).
 */
#include "wisrpc/pins.h"

/* Connector pins first (connector order), then IO7, then the module pads
 * that reach no connector pin (pad order).  pad/pad_name: the seed's
 * core-module table; 0/NULL where a connector pin is not one pad (power and
 * ground nets that join several pads, BOOT0, NC). */
#define IO(n, c, pad, pn, nrf, ain, f, note)                                                       \
	{                                                                                          \
		n, c, WIS_PIN_IO, nrf, ain, f, note, pad, pn                                       \
	}
#define OTHER(n, c, k, note)                                                                       \
	{                                                                                          \
		n, c, k, WIS_NRF_NONE, WIS_AIN_NONE, 0, note, 0, NULL                              \
	}
#define PAD(n, c, k, pad, pn, note)                                                                \
	{                                                                                          \
		n, c, k, WIS_NRF_NONE, WIS_AIN_NONE, 0, note, pad, pn                              \
	}

#define F_IO (WIS_FN_GPIO)
#define F_QSPI_ADC (F_IO | WIS_FN_SPI | WIS_FN_QSPI | WIS_FN_ADC)

static const struct wis_pin_def rak4631[] = {
    OTHER("VBAT_1", 1, WIS_PIN_POWER, "battery supply"),
    OTHER("VBAT", 2, WIS_PIN_POWER, "battery supply"),
    OTHER("GND1", 3, WIS_PIN_GROUND, ""),
    OTHER("GND2", 4, WIS_PIN_GROUND, ""),
    OTHER("3V3_1", 5, WIS_PIN_POWER, "3.3 V supply"),
    OTHER("3V3_2", 6, WIS_PIN_POWER, "3.3 V supply"),
    PAD("USB+", 7, WIS_PIN_USB, 3, "USB+", "USB D+"),
    PAD("USB-", 8, WIS_PIN_USB, 2, "USB-", "USB D-"),
    PAD("VBUS", 9, WIS_PIN_POWER, 1, "VBUS", "USB 5 V supply"),
    IO("SW1", 10, 25, "SW1", WIS_NRF(1, 1), WIS_AIN_NONE, F_IO | WIS_FN_BUTTON,
       "user button, pressed = low"),
    IO("TXD0", 11, 10, "UART1_TX", WIS_NRF(0, 20), WIS_AIN_NONE, F_IO | WIS_FN_UART, "UART1 TX"),
    IO("RXD0", 12, 9, "UART1_RX", WIS_NRF(0, 19), WIS_AIN_NONE, F_IO | WIS_FN_UART, "UART1 RX"),
    /* The breakout's power-up reset circuit also drives it (seed page). */
    PAD("RESET", 13, WIS_PIN_RESET, 17, "NRF_RESET", "nRF52840 reset, active low"),
    IO("LED1", 14, 27, "LED1", WIS_NRF(1, 3), WIS_AIN_NONE, F_IO | WIS_FN_LED,
       "green LED, active high"),
    IO("LED2", 15, 28, "LED2", WIS_NRF(1, 4), WIS_AIN_NONE, F_IO | WIS_FN_LED,
       "blue LED, active high"),
    /* SAADC AIN0 is fixed to P0.02 (nRF52840 PS); the LED loads the input. */
    IO("LED3", 16, 30, "QSPI_DIO3", WIS_NRF(0, 2), 0, F_IO | WIS_FN_LED | WIS_FN_QSPI | WIS_FN_ADC,
       "LED, shared with QSPI DIO3; SAADC AIN0"),
    OTHER("VDD_1", 17, WIS_PIN_POWER, "MCU supply"),
    OTHER("VDD_2", 18, WIS_PIN_POWER, "MCU supply"),
    IO("I2C1_SDA", 19, 4, "I2C_SDA", WIS_NRF(0, 13), WIS_AIN_NONE, F_IO | WIS_FN_I2C, ""),
    IO("I2C1_SCL", 20, 5, "I2C_SCL", WIS_NRF(0, 14), WIS_AIN_NONE, F_IO | WIS_FN_I2C, ""),
    IO("AIN0", 21, 40, "AIN3", WIS_NRF(0, 5), 3, F_IO | WIS_FN_ADC,
       "SAADC AIN3; VBAT*0.6 on base boards"),
    IO("AIN1", 22, 39, "AIN7", WIS_NRF(0, 31), 7, F_IO | WIS_FN_ADC, "SAADC AIN7"),
    OTHER("BOOT0", 23, WIS_PIN_BOOT, "boot mode strap"),
    OTHER("NC", 24, WIS_PIN_NC, "not connected"),
    IO("SPI_CS", 25, 34, "QSPI_CS", WIS_NRF(0, 26), WIS_AIN_NONE, F_IO | WIS_FN_SPI | WIS_FN_QSPI,
       "shared with QSPI CS"),
    IO("SPI_CLK", 26, 29, "QSPI_CLK", WIS_NRF(0, 3), 1, F_QSPI_ADC,
       "shared with QSPI CLK; SAADC AIN1"),
    IO("SPI_MISO", 27, 32, "QSPI_DIO1", WIS_NRF(0, 29), 5, F_QSPI_ADC,
       "shared with QSPI DIO1; SAADC AIN5"),
    IO("SPI_MOSI", 28, 33, "QSPI_DIO0", WIS_NRF(0, 30), 6, F_QSPI_ADC,
       "shared with QSPI DIO0; SAADC AIN6"),
    IO("IO1", 29, 8, "UART2_DE", WIS_NRF(0, 17), WIS_AIN_NONE, F_IO, ""),
    IO("IO2", 30, 26, "SW2", WIS_NRF(1, 2), WIS_AIN_NONE, F_IO, "also 3V3_S sensor power enable"),
    IO("IO3", 31, 11, "UART1_DE", WIS_NRF(0, 21), WIS_AIN_NONE, F_IO, ""),
    IO("IO4", 32, 41, "AIN2", WIS_NRF(0, 4), 2, F_IO | WIS_FN_ADC, "SAADC AIN2"),
    IO("TXD1", 33, 7, "UART2_TX", WIS_NRF(0, 16), WIS_AIN_NONE, F_IO | WIS_FN_UART, "UART2 TX"),
    IO("RXD1", 34, 6, "UART2_RX", WIS_NRF(0, 15), WIS_AIN_NONE, F_IO | WIS_FN_UART, "UART2 RX"),
    IO("I2C2_SDA", 35, 23, "I2C_SDA_2", WIS_NRF(0, 24), WIS_AIN_NONE, F_IO | WIS_FN_I2C, ""),
    IO("I2C2_SCL", 36, 24, "I2C_SCL_2", WIS_NRF(0, 25), WIS_AIN_NONE, F_IO | WIS_FN_I2C, ""),
    IO("IO5", 37, 13, "NFC1", WIS_NRF(0, 9), WIS_AIN_NONE, F_IO | WIS_FN_NFC, "NFC1 pad"),
    IO("IO6", 38, 12, "NFC2", WIS_NRF(0, 10), WIS_AIN_NONE, F_IO | WIS_FN_NFC, "NFC2 pad"),
    OTHER("GND3", 39, WIS_PIN_GROUND, ""),
    OTHER("GND4", 40, WIS_PIN_GROUND, ""),
    OTHER("GND5", 41, WIS_PIN_GROUND, "fixing pad F1"),
    OTHER("GND6", 42, WIS_PIN_GROUND, "fixing pad F2"),
    OTHER("GND7", 43, WIS_PIN_GROUND, "fixing pad F3"),
    OTHER("GND8", 44, WIS_PIN_GROUND, "fixing pad F4"),
    /* Not on the connector's 40 pins but broken out by the module: IO7
     * sits on the RAK4630 stamp (P0.28) and WisBlock base boards route it
     * to the IO slot. connector 0 = not a WisConnector pin. */
    IO("IO7", 0, 31, "QSPI_DIO2", WIS_NRF(0, 28), 4, F_IO | WIS_FN_ADC | WIS_FN_QSPI,
       "SAADC AIN4, shared with QSPI DIO2"),
    /* Module pads with no WisConnector pin: known by name so that a request
     * naming one is refused with what it is.  The seven GND pads are one
     * net: one entry, pad 0. */
    PAD("GND", 0, WIS_PIN_GROUND, 0, NULL, "module pads 14, 16, 22, 35, 36, 38, 42"),
    PAD("RF_BT", 0, WIS_PIN_RADIO, 15, "RF_BT", "Bluetooth antenna pad"),
    PAD("SWDCLK", 0, WIS_PIN_DEBUG, 18, "SWDCLK", "SWD clock (the breakout's SWD header)"),
    PAD("SWDIO", 0, WIS_PIN_DEBUG, 19, "SWDIO", "SWD data (the breakout's SWD header)"),
    PAD("VBAT_SX", 0, WIS_PIN_POWER, 20, "VBAT_SX", "SX1262 supply pad"),
    PAD("VBAT_IO_SX", 0, WIS_PIN_POWER, 21, "VBAT_IO_SX", "SX1262 I/O supply pad"),
    PAD("RF_LORA", 0, WIS_PIN_RADIO, 37, "RF_LoRa", "LoRa antenna pad"),
    PAD("VDD_NRF", 0, WIS_PIN_POWER, 43, "VDD_NRF", "nRF52840 supply pad"),
    PAD("VBAT_NRF", 0, WIS_PIN_POWER, 44, "VBAT_NRF", "nRF52840 battery supply pad"),
};

const struct wis_pin_def *wis_pins_rak4631(size_t *count)
{
	*count = sizeof rak4631 / sizeof rak4631[0];
	return rak4631;
}

static char upper(char c)
{
	return (c >= 'a' && c <= 'z') ? (char)(c - 'a' + 'A') : c;
}

static int same_name(const char *a, const char *b)
{
	while (*a && *b && upper(*a) == upper(*b)) {
		a++;
		b++;
	}
	return *a == 0 && *b == 0;
}

/* Parses "P0.17" / "p1.2"; returns WIS_NRF_NONE if it is not that form. */
static uint8_t parse_nrf_name(const char *s)
{
	if (upper(s[0]) != 'P' || (s[1] != '0' && s[1] != '1') || s[2] != '.')
		return WIS_NRF_NONE;
	unsigned port = (unsigned)(s[1] - '0'), pin = 0, digits = 0;
	for (s += 3; *s; s++, digits++) {
		if (*s < '0' || *s > '9' || digits == 2)
			return WIS_NRF_NONE;
		pin = pin * 10 + (unsigned)(*s - '0');
	}
	if (digits == 0 || pin > 31 || (port == 1 && pin > 15))
		return WIS_NRF_NONE;
	return WIS_NRF(port, pin);
}

const struct wis_pin_def *wis_pin_lookup(const struct wis_pin_def *table, size_t count,
                                         const char *name)
{
	if (!name)
		return NULL;
	for (size_t i = 0; i < count; i++)
		if (same_name(table[i].name, name))
			return &table[i];
	/* Pad names second, so a connector name always means its connector
	 * pin even where a pad elsewhere is called the same. */
	for (size_t i = 0; i < count; i++)
		if (table[i].pad_name && table[i].pad_name[0] && same_name(table[i].pad_name, name))
			return &table[i];
	uint8_t nrf = parse_nrf_name(name);
	return nrf == WIS_NRF_NONE ? NULL : wis_pin_by_nrf(table, count, nrf);
}

const struct wis_pin_def *wis_pin_by_nrf(const struct wis_pin_def *table, size_t count, uint8_t nrf)
{
	if (nrf == WIS_NRF_NONE)
		return NULL;
	for (size_t i = 0; i < count; i++)
		if (table[i].kind == WIS_PIN_IO && table[i].nrf == nrf)
			return &table[i];
	return NULL;
}

const char *wis_pin_kind_name(unsigned kind)
{
	static const char *const names[] = {"IO",   "power",         "ground", "USB",  "reset",
	                                    "boot", "not connected", "radio",  "debug"};
	return kind < sizeof names / sizeof names[0] ? names[kind] : "unknown";
}

void wis_nrf_name(uint8_t nrf, char buf[6])
{
	if (nrf == WIS_NRF_NONE) {
		buf[0] = '-';
		buf[1] = 0;
		return;
	}
	unsigned port = nrf / 32, pin = nrf % 32;
	buf[0] = 'P';
	buf[1] = (char)('0' + port);
	buf[2] = '.';
	buf[3] = (char)('0' + pin / 10);
	buf[4] = (char)('0' + pin % 10);
	buf[5] = 0;
}

/*
 * RAK4631 pin table data and lookups.  Shared, unchanged, by the firmware,
 * the simulator and the host library: keep it freestanding.
 *
 * Sources (see shared/hardware.md): RAK4631 pin definition page (connector
 * numbering and names), RAK-nRF52-Arduino variant.h, meshtastic variant.h,
 * zephyr rak4631 board files (nRF52840 routing).
 */
#include "wisrpc/pins.h"

#define IO(n, c, nrf, ain, f, note)                                                                \
	{                                                                                          \
		n, c, WIS_PIN_IO, nrf, ain, f, note                                                \
	}
#define OTHER(n, c, k, note)                                                                       \
	{                                                                                          \
		n, c, k, WIS_NRF_NONE, WIS_AIN_NONE, 0, note                                       \
	}

#define F_IO (WIS_FN_GPIO)

static const struct wis_pin_def rak4631[] = {
    OTHER("VBAT_1", 1, WIS_PIN_POWER, "battery supply"),
    OTHER("VBAT", 2, WIS_PIN_POWER, "battery supply"),
    OTHER("GND1", 3, WIS_PIN_GROUND, ""),
    OTHER("GND2", 4, WIS_PIN_GROUND, ""),
    OTHER("3V3_1", 5, WIS_PIN_POWER, "3.3 V supply"),
    OTHER("3V3_2", 6, WIS_PIN_POWER, "3.3 V supply"),
    OTHER("USB+", 7, WIS_PIN_USB, "USB D+"),
    OTHER("USB-", 8, WIS_PIN_USB, "USB D-"),
    OTHER("VBUS", 9, WIS_PIN_POWER, "USB 5 V supply"),
    IO("SW1", 10, WIS_NRF(1, 1), WIS_AIN_NONE, F_IO | WIS_FN_BUTTON, "user button, pressed = low"),
    IO("TXD0", 11, WIS_NRF(0, 20), WIS_AIN_NONE, F_IO | WIS_FN_UART, "UART1 TX"),
    IO("RXD0", 12, WIS_NRF(0, 19), WIS_AIN_NONE, F_IO | WIS_FN_UART, "UART1 RX"),
    OTHER("RESET", 13, WIS_PIN_RESET, "nRF52840 reset, active low"),
    IO("LED1", 14, WIS_NRF(1, 3), WIS_AIN_NONE, F_IO | WIS_FN_LED, "green LED, active high"),
    IO("LED2", 15, WIS_NRF(1, 4), WIS_AIN_NONE, F_IO | WIS_FN_LED, "blue LED, active high"),
    IO("LED3", 16, WIS_NRF(0, 2), WIS_AIN_NONE, F_IO | WIS_FN_LED | WIS_FN_QSPI,
       "LED, shared with QSPI DIO3"),
    OTHER("VDD_1", 17, WIS_PIN_POWER, "MCU supply"),
    OTHER("VDD_2", 18, WIS_PIN_POWER, "MCU supply"),
    IO("I2C1_SDA", 19, WIS_NRF(0, 13), WIS_AIN_NONE, F_IO | WIS_FN_I2C, ""),
    IO("I2C1_SCL", 20, WIS_NRF(0, 14), WIS_AIN_NONE, F_IO | WIS_FN_I2C, ""),
    IO("AIN0", 21, WIS_NRF(0, 5), 3, F_IO | WIS_FN_ADC, "SAADC AIN3; VBAT*0.6 on base boards"),
    IO("AIN1", 22, WIS_NRF(0, 31), 7, F_IO | WIS_FN_ADC, "SAADC AIN7"),
    OTHER("BOOT0", 23, WIS_PIN_BOOT, "boot mode strap"),
    OTHER("NC", 24, WIS_PIN_NC, "not connected"),
    IO("SPI_CS", 25, WIS_NRF(0, 26), WIS_AIN_NONE, F_IO | WIS_FN_SPI | WIS_FN_QSPI,
       "shared with QSPI CS"),
    IO("SPI_CLK", 26, WIS_NRF(0, 3), WIS_AIN_NONE, F_IO | WIS_FN_SPI | WIS_FN_QSPI,
       "shared with QSPI CLK"),
    IO("SPI_MISO", 27, WIS_NRF(0, 29), WIS_AIN_NONE, F_IO | WIS_FN_SPI | WIS_FN_QSPI,
       "shared with QSPI DIO1"),
    IO("SPI_MOSI", 28, WIS_NRF(0, 30), WIS_AIN_NONE, F_IO | WIS_FN_SPI | WIS_FN_QSPI,
       "shared with QSPI DIO0"),
    IO("IO1", 29, WIS_NRF(0, 17), WIS_AIN_NONE, F_IO, ""),
    IO("IO2", 30, WIS_NRF(1, 2), WIS_AIN_NONE, F_IO, "also 3V3_S sensor power enable"),
    IO("IO3", 31, WIS_NRF(0, 21), WIS_AIN_NONE, F_IO, ""),
    IO("IO4", 32, WIS_NRF(0, 4), 2, F_IO | WIS_FN_ADC, "SAADC AIN2"),
    IO("TXD1", 33, WIS_NRF(0, 16), WIS_AIN_NONE, F_IO | WIS_FN_UART, "UART2 TX"),
    IO("RXD1", 34, WIS_NRF(0, 15), WIS_AIN_NONE, F_IO | WIS_FN_UART, "UART2 RX"),
    IO("I2C2_SDA", 35, WIS_NRF(0, 24), WIS_AIN_NONE, F_IO | WIS_FN_I2C, ""),
    IO("I2C2_SCL", 36, WIS_NRF(0, 25), WIS_AIN_NONE, F_IO | WIS_FN_I2C, ""),
    IO("IO5", 37, WIS_NRF(0, 9), WIS_AIN_NONE, F_IO | WIS_FN_NFC, "NFC1 pad"),
    IO("IO6", 38, WIS_NRF(0, 10), WIS_AIN_NONE, F_IO | WIS_FN_NFC, "NFC2 pad"),
    OTHER("GND3", 39, WIS_PIN_GROUND, ""),
    OTHER("GND4", 40, WIS_PIN_GROUND, ""),
    OTHER("GND5", 41, WIS_PIN_GROUND, "fixing pad F1"),
    OTHER("GND6", 42, WIS_PIN_GROUND, "fixing pad F2"),
    OTHER("GND7", 43, WIS_PIN_GROUND, "fixing pad F3"),
    OTHER("GND8", 44, WIS_PIN_GROUND, "fixing pad F4"),
    /* Not on the connector's 40 pins but broken out by the module: IO7
     * sits on the RAK4630 stamp (P0.28) and WisBlock base boards route it
     * to the IO slot. connector 0 = not a WisConnector pin. */
    IO("IO7", 0, WIS_NRF(0, 28), 4, F_IO | WIS_FN_ADC | WIS_FN_QSPI,
       "SAADC AIN4, shared with QSPI DIO2"),
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
	static const char *const names[] = {"IO",    "power", "ground",       "USB",
	                                    "reset", "boot",  "not connected"};
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

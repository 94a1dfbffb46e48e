/*
 * Pin table tests against the seed page (copied into tests/vectors): every
 * WisConnector pin is in the table under its number, every row of the
 * RAK4630 core-module table is accepted by name and carries its pad number
 * (I/O pads routed to the right nRF pin, with their function), the eight
 * SAADC inputs sit where the nRF52840 has them, and name lookup behaves as
 * users expect.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../check.h"
#include "wisrpc/pins.h"

static const struct wis_pin_def *table;
static size_t count;

static void test_connector(const char *path)
{
	FILE *f = fopen(path, "r");
	CHECK(f != NULL);
	if (!f)
		return;
	char line[128], num[8], name[32];
	int rows = 0;
	while (fgets(line, sizeof line, f)) {
		if (line[0] == '#' || sscanf(line, "%7s %31s", num, name) != 2)
			continue;
		unsigned want =
		    num[0] == 'F' ? 40u + (unsigned)(num[1] - '0') : (unsigned)atoi(num);
		const struct wis_pin_def *p = wis_pin_lookup(table, count, name);
		CHECK(p != NULL);
		if (!p) {
			fprintf(stderr, "seed pin %s missing\n", name);
			continue;
		}
		CHECK_EQ(p->connector, want);
		rows++;
	}
	fclose(f);
	CHECK_EQ(rows, 44);
}

/* Parses "P0.31" into WIS_NRF(0, 31); WIS_NRF_NONE if it is not that form. */
static uint8_t nrf_of(const char *s)
{
	unsigned port, pin;
	char dot;
	if (sscanf(s, "P%u%c%u", &port, &dot, &pin) != 3 || dot != '.' || port > 1 || pin > 31)
		return WIS_NRF_NONE;
	return WIS_NRF(port, pin);
}

/*
 * Every row of the seed's core-module table ("4 P0.13/I2C_SDA", "15 RF_BT"):
 * the pad's name finds the pin as an alias, the pin carries that pad number
 * and name, an I/O pad is routed to the nRF pin the page gives and can do
 * what its name says.  Then the other way: every pad in the table is a row.
 */
static void test_core_pads(const char *path)
{
	FILE *f = fopen(path, "r");
	CHECK(f != NULL);
	if (!f)
		return;
	char line[128], name[64];
	bool seen[45] = {false};
	unsigned pad;
	int rows = 0;
	while (fgets(line, sizeof line, f)) {
		if (line[0] == '#' || sscanf(line, "%u %63s", &pad, name) != 2)
			continue;
		rows++;
		CHECK(pad >= 1 && pad <= 44);
		if (pad < 1 || pad > 44)
			continue;
		seen[pad] = true;
		char *slash = strchr(name, '/');
		const char *fn = slash ? slash + 1 : name;
		if (slash)
			*slash = 0;
		const struct wis_pin_def *p = wis_pin_lookup(table, count, fn);
		CHECK(p != NULL);
		if (!p) {
			fprintf(stderr, "pad %u %s: name not accepted\n", pad, fn);
			continue;
		}
		if (strcmp(fn, "GND") == 0) {
			/* Seven pads, one net: the entry names them in its note. */
			CHECK_EQ(p->kind, WIS_PIN_GROUND);
			char num[8];
			snprintf(num, sizeof num, "%u", pad);
			CHECK(strstr(p->note, num) != NULL);
			continue;
		}
		CHECK_EQ(p->pad, pad);
		CHECK(p->pad_name && strcmp(p->pad_name, fn) == 0);
		if (!slash) {
			CHECK(p->kind != WIS_PIN_IO && p->nrf == WIS_NRF_NONE);
			continue;
		}
		/* An I/O pad: the nRF name finds the same pin. */
		CHECK_EQ(p->kind, WIS_PIN_IO);
		CHECK_EQ(p->nrf, nrf_of(name));
		CHECK(wis_pin_lookup(table, count, name) == p);
		CHECK(p->funcs & WIS_FN_GPIO);
		if (strncmp(fn, "I2C", 3) == 0)
			CHECK(p->funcs & WIS_FN_I2C);
		if (strstr(fn, "_RX") || strstr(fn, "_TX"))
			CHECK(p->funcs & WIS_FN_UART);
		if (strncmp(fn, "QSPI", 4) == 0)
			CHECK(p->funcs & WIS_FN_QSPI);
		if (strncmp(fn, "NFC", 3) == 0)
			CHECK(p->funcs & WIS_FN_NFC);
		if (strncmp(fn, "LED", 3) == 0) {
			CHECK(p->funcs & WIS_FN_LED);
			CHECK(strcmp(p->name, fn) == 0);
		}
		if (strcmp(fn, "SW1") == 0)
			CHECK(p->funcs & WIS_FN_BUTTON);
		if (strncmp(fn, "AIN", 3) == 0) {
			CHECK(p->funcs & WIS_FN_ADC);
			CHECK_EQ(p->ain, atoi(fn + 3));
		}
	}
	fclose(f);
	CHECK_EQ(rows, 44);
	for (size_t i = 0; i < count; i++) {
		CHECK(table[i].pad <= 44);
		if (table[i].pad && table[i].pad <= 44 && !seen[table[i].pad])
			fprintf(stderr, "%s: pad %u is no row of the seed\n", table[i].name,
			        table[i].pad);
		CHECK(table[i].pad == 0 || (table[i].pad <= 44 && seen[table[i].pad]));
		/* A pad name comes with a pad number and the other way round. */
		CHECK_EQ(table[i].pad != 0, table[i].pad_name != NULL);
	}
}

/* The aliases users know from the seed and shared/hardware.md. */
static void test_aliases(void)
{
	static const struct {
		const char *alias, *pin;
	} want[] = {
	    {"SW2", "IO2"},
	    {"sw2", "IO2"},
	    {"NFC1", "IO5"},
	    {"NFC2", "IO6"},
	    {"QSPI_CS", "SPI_CS"},
	    {"QSPI_CLK", "SPI_CLK"},
	    {"QSPI_DIO0", "SPI_MOSI"},
	    {"QSPI_DIO1", "SPI_MISO"},
	    {"QSPI_DIO2", "IO7"},
	    {"QSPI_DIO3", "LED3"},
	    {"UART1_DE", "IO3"},
	    {"UART2_DE", "IO1"},
	    {"UART1_TX", "TXD0"},
	    {"UART1_RX", "RXD0"},
	    {"UART2_TX", "TXD1"},
	    {"UART2_RX", "RXD1"},
	    {"I2C_SDA", "I2C1_SDA"},
	    {"I2C_SCL_2", "I2C2_SCL"},
	    {"AIN2", "IO4"},
	    {"AIN3", "AIN0"},
	    {"AIN7", "AIN1"},
	    {"NRF_RESET", "RESET"},
	    {"rf_lora", "RF_LORA"},
	};
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		const struct wis_pin_def *p = wis_pin_lookup(table, count, want[i].alias);
		CHECK(p && strcmp(p->name, want[i].pin) == 0);
		if (!p || strcmp(p->name, want[i].pin) != 0)
			fprintf(stderr, "%s should be %s, is %s\n", want[i].alias, want[i].pin,
			        p ? p->name : "nothing");
	}
	/* A connector name wins over a pad's name: AIN0 is connector pin 21
	 * (P0.05), not the SAADC input AIN0 (P0.02, LED3). */
	const struct wis_pin_def *p = wis_pin_lookup(table, count, "AIN0");
	CHECK(p && p->nrf == WIS_NRF(0, 5) && p->connector == 21);
	p = wis_pin_lookup(table, count, "AIN1");
	CHECK(p && p->nrf == WIS_NRF(0, 31));
	/* IO7 is on no WisConnector pin (the seed's connector table has no
	 * IO7), so its connector number is 0; it is module pad 31. */
	p = wis_pin_lookup(table, count, "IO7");
	CHECK(p && p->connector == 0 && p->pad == 31);
	/* Pad names are unique and never another pin's name. */
	for (size_t i = 0; i < count; i++) {
		if (!table[i].pad_name)
			continue;
		for (size_t j = 0; j < count; j++) {
			if (j != i && table[j].pad_name)
				CHECK(strcasecmp(table[i].pad_name, table[j].pad_name) != 0);
			if (j != i)
				CHECK(strcasecmp(table[i].pad_name, table[j].name) != 0);
		}
	}
}

/* nRF52840 product specification (shared/hardware.md): SAADC input n is
 * fixed to one pin.  Each of those pins that the table has must carry its
 * AIN and the ADC function; no other pin may claim an AIN. */
static void test_analog_inputs(void)
{
	static const uint8_t ain_pin[8] = {WIS_NRF(0, 2),  WIS_NRF(0, 3),  WIS_NRF(0, 4),
	                                   WIS_NRF(0, 5),  WIS_NRF(0, 28), WIS_NRF(0, 29),
	                                   WIS_NRF(0, 30), WIS_NRF(0, 31)};
	for (unsigned a = 0; a < 8; a++) {
		const struct wis_pin_def *p = wis_pin_by_nrf(table, count, ain_pin[a]);
		CHECK(p != NULL);
		if (!p)
			continue;
		CHECK_EQ(p->ain, a);
		CHECK(p->funcs & WIS_FN_ADC);
	}
	int with_ain = 0;
	for (size_t i = 0; i < count; i++) {
		if (table[i].ain == WIS_AIN_NONE) {
			CHECK(!(table[i].funcs & WIS_FN_ADC));
			continue;
		}
		with_ain++;
		CHECK(table[i].ain < 8 && table[i].nrf == ain_pin[table[i].ain & 7]);
	}
	CHECK_EQ(with_ain, 8);
	const struct wis_pin_def *p = wis_pin_lookup(table, count, "LED3");
	CHECK(p && p->ain == 0);
	p = wis_pin_lookup(table, count, "SPI_CS"); /* P0.26 has no analog input */
	CHECK(p && p->ain == WIS_AIN_NONE);
}

static void test_lookup(void)
{
	const struct wis_pin_def *p = wis_pin_lookup(table, count, "led1");
	CHECK(p && strcmp(p->name, "LED1") == 0 && p->nrf == WIS_NRF(1, 3));
	p = wis_pin_lookup(table, count, "Io2");
	CHECK(p && p->nrf == WIS_NRF(1, 2));
	p = wis_pin_lookup(table, count, "p0.17");
	CHECK(p && strcmp(p->name, "IO1") == 0);
	CHECK(wis_pin_lookup(table, count, "IO9") == NULL);
	CHECK(wis_pin_lookup(table, count, "") == NULL);
	CHECK(wis_pin_lookup(table, count, "P0.") == NULL);
	CHECK(wis_pin_lookup(table, count, "P2.01") == NULL);
	CHECK(wis_pin_lookup(table, count, "P1.16") == NULL);
	CHECK(wis_pin_lookup(table, count, "P0.123") == NULL);
	CHECK(wis_pin_lookup(table, count, NULL) == NULL);
	/* The radio's pins are not on the connector: never addressable. */
	CHECK(wis_pin_lookup(table, count, "P1.10") == NULL);
	p = wis_pin_lookup(table, count, "vbat");
	CHECK(p && p->kind == WIS_PIN_POWER && p->nrf == WIS_NRF_NONE);
	CHECK(strcmp(wis_pin_kind_name(p->kind), "power") == 0);
	p = wis_pin_lookup(table, count, "BOOT0");
	CHECK(p && p->kind == WIS_PIN_BOOT);

	/* Names and nRF numbers are unique among IO pins. */
	for (size_t i = 0; i < count; i++)
		for (size_t j = i + 1; j < count; j++) {
			CHECK(strcmp(table[i].name, table[j].name) != 0);
			if (table[i].kind == WIS_PIN_IO && table[j].kind == WIS_PIN_IO)
				CHECK(table[i].nrf != table[j].nrf);
		}
	char buf[6];
	wis_nrf_name(WIS_NRF(1, 3), buf);
	CHECK(strcmp(buf, "P1.03") == 0);
	wis_nrf_name(WIS_NRF_NONE, buf);
	CHECK(strcmp(buf, "-") == 0);
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: %s seed-connector.txt seed-core.txt\n", argv[0]);
		return 2;
	}
	table = wis_pins_rak4631(&count);
	test_connector(argv[1]);
	test_core_pads(argv[2]);
	test_aliases();
	test_analog_inputs();
	test_lookup();
	return CHECK_DONE();
}

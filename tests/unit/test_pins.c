/*
 * Pin table tests against the seed page (copied into tests/vectors): every
 * WisConnector pin is in the table under its number, every RAK4630 pad that
 * the page names is routed to the right connector pin with its function,
 * and name lookup behaves as users expect.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
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

/* "P0.31/AIN7": the pad, then what the core module page says it is. */
static void test_core_pads(const char *path)
{
	FILE *f = fopen(path, "r");
	CHECK(f != NULL);
	if (!f)
		return;
	char line[128];
	int rows = 0;
	while (fgets(line, sizeof line, f)) {
		if (line[0] == '#')
			continue;
		line[strcspn(line, "\r\n")] = 0;
		char *slash = strchr(line, '/');
		if (!slash)
			continue;
		*slash = 0;
		const char *fn = slash + 1;
		const struct wis_pin_def *p = wis_pin_lookup(table, count, line);
		CHECK(p != NULL);
		if (!p) {
			fprintf(stderr, "pad %s not in table\n", line);
			continue;
		}
		rows++;
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
	CHECK_EQ(rows, 25);
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
	test_lookup();
	return CHECK_DONE();
}

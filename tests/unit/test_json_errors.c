/*
 * The JSON mapping's error side (lib/json/schema.c): every libwisrpc error
 * and device status maps to the JSON-RPC code docs/api.md gives it (which
 * decides wisctl's exit code: a timeout must stay -32002, exit 4), with a
 * status name of its own, and the device's detail text is kept printable.
 */
#include <string.h>

#include "../check.h"
#include "wisjson_int.h" /* wisj_detail */

static void codes(void)
{
	static const struct {
		int wis, jsonrpc;
	} map[] = {
	    {WIS_E_TIMEOUT, WISJ_TIMEOUT},
	    {WIS_E_DISCONNECTED, WISJ_UNAVAILABLE},
	    {WIS_E_CLOSED, WISJ_UNAVAILABLE},
	    {WIS_E_CANCELLED, WISJ_UNAVAILABLE},
	    {WIS_E_NOT_FOUND, WISJ_UNAVAILABLE},
	    {WIS_E_IN_USE, WISJ_UNAVAILABLE},
	    {WIS_E_UNKNOWN_PIN, WISJ_INVALID_PARAMS},
	    {WIS_E_NOT_IO, WISJ_INVALID_PARAMS},
	    {WIS_E_INVAL, WISJ_INVALID_PARAMS},
	    {WIS_E_WINDOW_FULL, WISJ_OVERLOADED},
	    {WIS_E_IO, WISJ_HOST_ERROR},
	    {WIS_E_NOMEM, WISJ_HOST_ERROR},
	    {WIS_E_PROTO, WISJ_HOST_ERROR},
	    {WIS_E_VERSION, WISJ_HOST_ERROR},
	    {WIS_E_TOO_BIG, WISJ_HOST_ERROR},
	    {-WIS_ST_BAD_ARG, WISJ_DEVICE_ERROR},
	    {-WIS_ST_PIN_BUSY, WISJ_DEVICE_ERROR},
	    {-(WIS_ST__COUNT - 1), WISJ_DEVICE_ERROR},
	};
	const char *seen[sizeof map / sizeof map[0]];
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
		struct wisj_error e = {0};
		wisj_error_from_wis(&e, map[i].wis, NULL);
		CHECK_EQ(e.code, map[i].jsonrpc);
		CHECK(e.message[0] != 0);
		/* data.status names the error, each its own name. */
		json_object *st = NULL;
		CHECK(e.data && json_object_object_get_ex(e.data, "status", &st));
		const char *name = st ? json_object_get_string(st) : "";
		seen[i] = wisj_status_name(map[i].wis);
		CHECK(strcmp(name, seen[i]) == 0);
		CHECK(strcmp(name, "UNKNOWN") != 0);
		for (size_t k = 0; k < i; k++)
			if (strcmp(seen[k], seen[i]) == 0) {
				fprintf(stderr, "%d and %d are both %s\n", map[k].wis, map[i].wis,
				        seen[i]);
				CHECK(0);
			}
		wisj_error_clear(&e);
	}
	/* wis_strerror: a text of its own for every library error and every
	 * device status (wisctl prints it when the device gave no detail). */
	const char *texts[WIS_ST__COUNT + 32];
	size_t nt = 0;
	for (int code = 0; code > -WIS_ST__COUNT; code--)
		texts[nt++] = wis_strerror(code);
	for (int code = WIS_E_TIMEOUT; code >= WIS_E_IN_USE; code--)
		texts[nt++] = wis_strerror(code);
	CHECK(nt + 2 <= sizeof texts / sizeof texts[0]);
	if (nt + 2 > sizeof texts / sizeof texts[0])
		return;
	/* ... and none falls through to the texts for codes nobody knows. */
	texts[nt++] = wis_strerror(-60);
	texts[nt++] = wis_strerror(-1000);
	for (size_t i = 0; i < nt; i++) {
		CHECK(texts[i] && texts[i][0]);
		for (size_t k = 0; k < i; k++)
			CHECK(strcmp(texts[k], texts[i]) != 0);
	}

	CHECK(strcmp(wisj_status_name(0), "OK") == 0);
	CHECK(strcmp(wisj_status_name(-WIS_ST__COUNT), "UNKNOWN") == 0);
	CHECK(strcmp(wisj_status_name(-99), "UNKNOWN") == 0);
	CHECK(strcmp(wisj_status_name(1), "UNKNOWN") == 0);
}

static void details(void)
{
	/* The device's detail is the message, and kept in data.detail. */
	struct wisj_error e = {0};
	wisj_error_from_wis(&e, -WIS_ST_WRONG_MODE, "IO3 is an input");
	CHECK_EQ(e.code, WISJ_DEVICE_ERROR);
	CHECK(strcmp(e.message, "IO3 is an input") == 0);
	json_object *d = NULL;
	CHECK(json_object_object_get_ex(e.data, "detail", &d));
	/* A second error on the same struct replaces the data, no leak. */
	wisj_error_from_wis(&e, WIS_E_TIMEOUT, "");
	CHECK_EQ(e.code, WISJ_TIMEOUT);
	CHECK(!json_object_object_get_ex(e.data, "detail", NULL));
	json_object *o = wisj_error_to_json(&e);
	CHECK(e.data == NULL); /* moved into the object */
	json_object *c = NULL;
	CHECK(json_object_object_get_ex(o, "code", &c) && json_object_get_int(c) == WISJ_TIMEOUT);
	json_object_put(o);
	wisj_error_clear(&e);

	char buf[8];
	const uint8_t raw[] = {'a', '\n', 0, 0x7f, 'b', 'c', 'd', 'e', 'f', 'g'};
	CHECK_EQ(wisj_detail(raw, sizeof raw, buf, sizeof buf), 7);
	CHECK(strcmp(buf, "a???bcd") == 0);
	CHECK_EQ(wisj_detail(NULL, 5, buf, sizeof buf), 0);
	CHECK(buf[0] == 0);

	/* A flash range the module refused: invalid params, the device's data. */
	wisj_error_flash_range(&e, "FLASH_READ range 0x00100000 + 1 is past the end");
	CHECK_EQ(e.code, WISJ_INVALID_PARAMS);
	CHECK(strcmp(e.message, "FLASH_READ range 0x00100000 + 1 is past the end") == 0);
	json_object *st = NULL;
	CHECK(json_object_object_get_ex(e.data, "status", &st) &&
	      strcmp(json_object_get_string(st), "BAD_ARG") == 0);
	wisj_error_clear(&e);
}

int main(void)
{
	codes();
	details();
	return CHECK_DONE();
}

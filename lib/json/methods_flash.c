/*
 * flash.* methods' plan and finish code (their rows and params are in
 * methods.c's table).  Bytes travel as lowercase hex strings in JSON:
 * "data" of flash.read/flash.write, "tx"/"rx" of flash.raw.  One method
 * call is one device request (up to 1024 bytes read, 1016 written);
 * wisctl and other clients loop for longer transfers.  Also the i2c.*,
 * spi.xfer and uart.* methods' code and the uart.rx notification, which
 * move bytes the same way.
 */
#include <string.h>

#include "wisjson_int.h"

json_object *wisj_hex_json(const uint8_t *p, size_t n)
{
	static const char hx[] = "0123456789abcdef";
	char b[2 * WIS_MAX_PAYLOAD + 1];
	for (size_t i = 0; i < n; i++) {
		b[2 * i] = hx[p[i] >> 4];
		b[2 * i + 1] = hx[p[i] & 15];
	}
	return json_object_new_string_len(b, (int)(2 * n));
}

static int nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int wisj_hex_decode(const char *s, size_t n, uint8_t *out, size_t cap)
{
	if (n % 2 || n / 2 > cap)
		return -1;
	for (size_t i = 0; i < n / 2; i++) {
		int hi = nibble(s[2 * i]), lo = nibble(s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return (int)(n / 2);
}

/* Hex param name into out (at most cap bytes); the length, or -1 with e. */
int wisj_hex_param(json_object *params, const char *name, uint8_t *out, size_t cap,
                   struct wisj_error *e)
{
	const char *s = wisj_param_str(params, name, "");
	size_t n = strlen(s);
	if (n % 2 || n / 2 > cap || n == 0) {
		wisj_error_set(e, WISJ_INVALID_PARAMS,
		               "parameter '%s': want 1..%zu bytes as an even number of hex digits "
		               "(got %zu digits)",
		               name, cap, n);
		return -1;
	}
	for (size_t i = 0; i < n / 2; i++) {
		int hi = nibble(s[2 * i]), lo = nibble(s[2 * i + 1]);
		if (hi < 0 || lo < 0) {
			wisj_error_set(e, WISJ_INVALID_PARAMS,
			               "parameter '%s': '%c' at %zu is not a hex digit", name,
			               hi < 0 ? s[2 * i] : s[2 * i + 1],
			               hi < 0 ? 2 * i : 2 * i + 1);
			return -1;
		}
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return (int)(n / 2);
}

json_object *wisj_flash_info_finish(wis_device *dev, json_object *params, const struct wisj_step *s,
                                    const struct wisj_res *r, int n, struct wisj_error *e)
{
	(void)dev, (void)params, (void)s, (void)n;
	union wis_val v[6];
	if (wis_op_parse_resp(WIS_OP_FLASH_INFO, r->p, r->len, v) != WIS_DEC_OK) {
		wisj_error_set(e, WISJ_HOST_ERROR, "FLASH_INFO: malformed answer");
		return NULL;
	}
	json_object *o = json_object_new_object();
	json_object_object_add(
	    o, "store",
	    json_object_new_string(wis_name_of(wis_flash_store_names, (unsigned)v[0].u)));
	json_object_object_add(o, "jedec", wisj_hex_json(v[1].b.p, v[1].b.len));
	json_object_object_add(o, "size", json_object_new_int64((int64_t)v[2].u));
	json_object_object_add(o, "erase_unit", json_object_new_int64((int64_t)v[3].u));
	json_object_object_add(o, "page_size", json_object_new_int64((int64_t)v[4].u));
	json_object_object_add(o, "name",
	                       json_object_new_string_len((const char *)v[5].b.p, (int)v[5].b.len));
	return o;
}

json_object *wisj_flash_data_finish(wis_device *dev, json_object *params, const struct wisj_step *s,
                                    const struct wisj_res *r, int n, struct wisj_error *e)
{
	(void)dev, (void)params, (void)s, (void)n, (void)e;
	json_object *o = json_object_new_object();
	json_object_object_add(o, "data", wisj_hex_json(r->p, r->len));
	return o;
}

int wisj_flash_write_plan(wis_device *dev, json_object *params, struct wisj_plan *p,
                          struct wisj_error *e)
{
	uint8_t data[WIS_FLASH_WRITE_MAX];
	int n = wisj_hex_param(params, "data", data, sizeof data, e);
	if (n < 0)
		return -1;
	json_object *er = wisj_param(params, "erase");
	union wis_val v[3] = {
	    WIS_VAL(wisj_param_int(params, "addr", 0)),
	    WIS_VAL(er && json_object_get_boolean(er) ? WIS_FLASH_WRITE_ERASE : 0),
	    {.b = {data, (size_t)n}}};
	return wisj_plan_fields(p, dev, WIS_OP_FLASH_WRITE, v, e);
}

int wisj_flash_raw_plan(wis_device *dev, json_object *params, struct wisj_plan *p,
                        struct wisj_error *e)
{
	uint8_t tx[WIS_FLASH_RAW_MAX];
	int n = wisj_hex_param(params, "tx", tx, sizeof tx, e);
	if (n < 0)
		return -1;
	union wis_val v[2] = {WIS_VAL(wisj_param_int(params, "rx_len", 0)), {.b = {tx, (size_t)n}}};
	return wisj_plan_fields(p, dev, WIS_OP_FLASH_RAW, v, e);
}

/* Empty hex means nothing to write (a plain read). */
int wisj_i2c_xfer_plan(wis_device *dev, json_object *params, struct wisj_plan *p,
                       struct wisj_error *e)
{
	uint8_t tx[WIS_I2C_XFER_MAX];
	int n = 0;
	if (*wisj_param_str(params, "tx", "") &&
	    (n = wisj_hex_param(params, "tx", tx, sizeof tx, e)) < 0)
		return -1;
	union wis_val v[4] = {WIS_VAL(wisj_param_enum(params, "bus", wis_i2c_bus_names, "i2c1")),
	                      WIS_VAL(wisj_param_int(params, "addr", 0)),
	                      WIS_VAL(wisj_param_int(params, "rx_len", 0)),
	                      {.b = {tx, (size_t)n}}};
	return wisj_plan_fields(p, dev, WIS_OP_I2C_XFER, v, e);
}

json_object *wisj_i2c_scan_finish(wis_device *dev, json_object *params, const struct wisj_step *s,
                                  const struct wisj_res *r, int n, struct wisj_error *e)
{
	(void)dev, (void)params, (void)s, (void)n, (void)e;
	json_object *a = json_object_new_array();
	for (size_t i = 0; i < r->len; i++)
		json_object_array_add(a, json_object_new_int(r->p[i]));
	json_object *o = json_object_new_object();
	json_object_object_add(o, "addresses", a);
	return o;
}

int wisj_spi_xfer_plan(wis_device *dev, json_object *params, struct wisj_plan *p,
                       struct wisj_error *e)
{
	uint8_t tx[WIS_SPI_XFER_MAX];
	int n = wisj_hex_param(params, "tx", tx, sizeof tx, e);
	if (n < 0)
		return -1;
	union wis_val v[3] = {WIS_VAL(wisj_param_int(params, "hz", 1000000)),
	                      WIS_VAL(wisj_param_int(params, "mode", 0)),
	                      {.b = {tx, (size_t)n}}};
	return wisj_plan_fields(p, dev, WIS_OP_SPI_XFER, v, e);
}

/* uart.write: "data" is text, or hex digits with "hex": true. */
int wisj_uart_write_plan(wis_device *dev, json_object *params, struct wisj_plan *p,
                         struct wisj_error *e)
{
	uint8_t d[WIS_UART_WRITE_MAX];
	json_object *t = wisj_param(params, "data"), *h = wisj_param(params, "hex");
	int n;
	if (h && json_object_get_boolean(h)) {
		if ((n = wisj_hex_param(params, "data", d, sizeof d, e)) < 0)
			return -1;
	} else {
		n = t ? json_object_get_string_len(t) : 0;
		if (n < 1 || n > (int)sizeof d) {
			wisj_error_set(e, WISJ_INVALID_PARAMS,
			               "parameter 'data': 1..%zu bytes, not %d", sizeof d, n);
			return -1;
		}
		memcpy(d, json_object_get_string(t), (size_t)n);
	}
	union wis_val v[2] = {
	    WIS_VAL(wisj_param_enum(params, "port", wis_uart_port_names, "uart0")),
	    {.b = {d, (size_t)n}}};
	return wisj_plan_fields(p, dev, WIS_OP_UART_WRITE, v, e);
}

void wisj_uart_rx_json(json_object *o, const struct wis_event *ev)
{
	unsigned port = 0;
	uint32_t ovf = 0;
	const uint8_t *d = NULL;
	size_t n = 0;
	wis_uart_rx_parse(ev, &port, &ovf, &d, &n);
	json_object_object_add(o, "port",
	                       json_object_new_string(wis_name_of(wis_uart_port_names, port)));
	json_object_object_add(o, "overflow", json_object_new_int64(ovf));
	json_object_object_add(o, "hex", wisj_hex_json(d, n));
}

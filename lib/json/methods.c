/*
 * wisjson method table: every JSON-RPC method with its parameter schema,
 * how it becomes device operations (plan) and how the answers become its
 * JSON result (finish).  Later subsystems (radio.*, flash.*, i2c.*, spi.*,
 * uart.*) add rows here; wisd, wisctl and rpc.discover pick them up.
 * docs/api.md documents the same table for users: change both together.
 *
 * What comes from the opcode table (lib/proto/ops.c) is not repeated here:
 * a param sent as a wire field (WIRE) takes the field's range and value
 * names; a method's permission class is its opcodes'; the resource each
 * step acts on is the opcode's.  A method whose request is just its
 * opcode's fields and whose answer is plain integers is a row with
 * wisj_fields_plan and fields_finish and no code of its own.
 */
#include <stdio.h>
#include <string.h>

#include "wisjson_int.h"

#define param wisj_param
#define param_str wisj_param_str
#define param_int wisj_param_int
#define pin_arg wisj_pin_arg
#define each_pin wisj_each_pin

/* ---- SYSTEM ---------------------------------------------------------------- */

/* Names of the set bits of a bit set whose names are wis_cap_names or
 * wis_fn_names (bits without a name are left out). */
static json_object *bits_json(uint32_t bits, const char *const *names, unsigned nbits)
{
	json_object *a = json_object_new_array();
	for (unsigned i = 0; i < nbits; i++)
		if ((bits & (1u << i)) && names[i])
			json_object_array_add(a, json_object_new_string(names[i]));
	return a;
}

static json_object *info_local(wis_device *dev, json_object *params, struct wisj_error *e)
{
	(void)params;
	(void)e;
	const struct wis_info *i = wis_get_info(dev);
	json_object *o = json_object_new_object();
	json_object_object_add(o, "board", json_object_new_string(i->board));
	json_object_object_add(o, "firmware", json_object_new_string(i->fw_version));
	json_object_object_add(o, "protocol", json_object_new_int((int)i->proto_version));
	json_object_object_add(o, "device_id", json_object_new_string(i->device_id_hex));
	json_object_object_add(o, "capabilities", bits_json(i->caps, wis_cap_names, 32));
	json_object_object_add(o, "simulated",
	                       json_object_new_boolean(i->caps & WIS_CAP_SIMULATED));
	json_object_object_add(o, "max_payload", json_object_new_int((int)i->max_payload));
	json_object_object_add(o, "window", json_object_new_int((int)i->window));
	json_object_object_add(o, "path", json_object_new_string(wis_path(dev)));
	json_object_object_add(o, "library", json_object_new_string(WIS_LIB_VERSION));
	json_object_object_add(
	    o, "reset_cause",
	    json_object_new_string(wis_name_of(wis_reset_cause_names, i->reset_cause)));
	if (i->fault.kind) {
		json_object *f = json_object_new_object();
		json_object_object_add(
		    f, "kind",
		    json_object_new_string(wis_name_of(wis_fault_kind_names, i->fault.kind)));
		char h[12];
		const struct {
			const char *k;
			uint32_t v;
		} regs[] = {{"pc", i->fault.pc}, {"lr", i->fault.lr}, {"cfsr", i->fault.cfsr}};
		for (size_t r = 0; r < 3; r++) {
			snprintf(h, sizeof h, "0x%08x", regs[r].v);
			json_object_object_add(f, regs[r].k, json_object_new_string(h));
		}
		json_object_object_add(o, "fault", f);
	}
	return o;
}

static json_object *discover_local(wis_device *dev, json_object *params, struct wisj_error *e)
{
	(void)dev;
	(void)params;
	(void)e;
	return wisj_discover();
}

static int pins_plan(wis_device *dev, json_object *params, struct wisj_plan *p,
                     struct wisj_error *e)
{
	(void)params;
	size_t n;
	const struct wis_pin_def *t = wis_get_pins(dev, &n);
	for (size_t i = 0; i < n; i++)
		if (t[i].kind == WIS_PIN_IO && t[i].nrf != WIS_NRF_NONE &&
		    wisj_plan_add(p, dev, WIS_OP_PIN_STATE, &t[i].nrf, 1, e) < 0)
			return -1;
	return 0;
}

/* PIN_STATE's answer, decoded by its layout in the opcode table. */
static json_object *state_json(json_object *o, const struct wisj_res *r)
{
	const struct wis_op_desc *d = wis_op_find(WIS_OP_PIN_STATE);
	union wis_val v[WIS_OP_MAX_FIELDS];
	size_t bad;
	/* A value out of range is still shown (as "unknown"), not dropped. */
	enum wis_decode rc = wis_fields_decode(d->resp, d->nresp, r->p, r->len, v, &bad);
	if (rc != WIS_DEC_OK && rc != WIS_DEC_RANGE)
		return o;
	for (unsigned i = 0; i < d->nresp; i++) {
		const struct wis_field *f = &d->resp[i];
		json_object_object_add(
		    o, f->name,
		    f->names && strcmp(f->name, "level")
		        ? json_object_new_string(wis_name_of(f->names, (unsigned)v[i].u))
		        : json_object_new_int((int)v[i].u));
	}
	return o;
}

static json_object *pins_finish(wis_device *dev, json_object *params, const struct wisj_step *s,
                                const struct wisj_res *r, int n, struct wisj_error *e)
{
	(void)s, (void)e;
	size_t count;
	const struct wis_pin_def *t = wis_get_pins(dev, &count);
	bool all = param_int(params, "all", 0);
	json_object *a = json_object_new_array();
	int k = 0;
	for (size_t i = 0; i < count; i++) {
		const struct wis_pin_def *d = &t[i];
		bool io = d->kind == WIS_PIN_IO && d->nrf != WIS_NRF_NONE;
		if (!io && !all)
			continue;
		json_object *o = json_object_new_object();
		json_object_object_add(o, "name", json_object_new_string(d->name));
		json_object_object_add(o, "connector", json_object_new_int(d->connector));
		if (d->pad) /* the RAK4630 module pad and its name there (an alias) */
			json_object_object_add(o, "pad", json_object_new_int(d->pad));
		if (d->pad_name)
			json_object_object_add(o, "pad_name", json_object_new_string(d->pad_name));
		json_object_object_add(o, "kind",
		                       json_object_new_string(wis_pin_kind_name(d->kind)));
		if (io) {
			char nb[6];
			wis_nrf_name(d->nrf, nb);
			json_object_object_add(o, "nrf", json_object_new_string(nb));
		}
		if (d->ain != WIS_AIN_NONE)
			json_object_object_add(o, "ain", json_object_new_int(d->ain));
		json_object_object_add(o, "functions", bits_json(d->funcs, wis_fn_names, 9));
		json_object_object_add(o, "note", json_object_new_string(d->note ? d->note : ""));
		/* pins_plan added one step per I/O entry, in table order. */
		if (io && k < n) {
			if (r[k].status == 0)
				state_json(o, &r[k]);
			k++;
		}
		json_object_array_add(a, o);
	}
	json_object *res = json_object_new_object();
	json_object_object_add(res, "pins", a);
	return res;
}

static int ping_plan(wis_device *dev, json_object *params, struct wisj_plan *p,
                     struct wisj_error *e)
{
	/* By length: "\u0000" in the data is data too. */
	json_object *v = param(params, "data");
	const char *d = v ? json_object_get_string(v) : "";
	size_t n = v ? (size_t)json_object_get_string_len(v) : 0;
	return wisj_plan_add(p, dev, WIS_OP_PING, (const uint8_t *)d, n, e);
}

static json_object *ping_finish(wis_device *dev, json_object *params, const struct wisj_step *s,
                                const struct wisj_res *r, int n, struct wisj_error *e)
{
	(void)dev, (void)params, (void)s, (void)n, (void)e;
	json_object *o = json_object_new_object();
	json_object_object_add(o, "data",
	                       json_object_new_string_len((const char *)r->p, (int)r->len));
	return o;
}

/* {"data":"..."} straight from the answer's bytes when they need no
 * escapes (printable ASCII but '"' and '\\'); else -1: ping_finish. */
static int ping_print(const struct wisj_step *s, const struct wisj_res *r, int n, char *buf,
                      size_t cap)
{
	(void)s, (void)n;
	static const char head[] = "{\"data\":\"";
	if (sizeof head - 1 + r->len + 2 > cap)
		return -1;
	char *o = buf + sizeof head - 1;
	for (size_t i = 0; i < r->len; i++) {
		unsigned char c = r->p[i];
		if (c < 0x20 || c > 0x7e || c == '"' || c == '\\')
			return -1;
		o[i] = (char)c;
	}
	memcpy(buf, head, sizeof head - 1);
	o += r->len;
	*o++ = '"';
	*o++ = '}';
	return (int)(o - buf);
}

/* An answer of plain integers, one member per field of its layout. */
static json_object *fields_finish(wis_device *dev, json_object *params, const struct wisj_step *s,
                                  const struct wisj_res *r, int n, struct wisj_error *e)
{
	(void)dev, (void)params, (void)n;
	union wis_val v[WIS_OP_MAX_FIELDS];
	size_t bad;
	if (wis_fields_decode(s->op->resp, s->op->nresp, r->p, r->len, v, &bad) != WIS_DEC_OK) {
		wisj_error_set(e, WISJ_HOST_ERROR, "%s: malformed answer (field %zu)", s->op->name,
		               bad);
		return NULL;
	}
	json_object *o = json_object_new_object();
	for (unsigned i = 0; i < s->op->nresp; i++)
		json_object_object_add(o, s->op->resp[i].name, json_object_new_int64(v[i].i));
	return o;
}

static json_object *empty_finish(wis_device *dev, json_object *params, const struct wisj_step *s,
                                 const struct wisj_res *r, int n, struct wisj_error *e)
{
	(void)dev, (void)params, (void)s, (void)r, (void)n, (void)e;
	return json_object_new_object();
}

/* ---- pins: release and state ---------------------------------------------- */

static int release_plan(wis_device *dev, json_object *params, struct wisj_plan *p,
                        struct wisj_error *e)
{
	int nrf = pin_arg(dev, param_str(params, "pin", ""), 0, e);
	if (nrf < 0)
		return -1;
	uint8_t b = (uint8_t)nrf;
	return wisj_plan_add(p, dev, WIS_OP_RELEASE, &b, 1, e);
}

static int state_plan(wis_device *dev, json_object *params, struct wisj_plan *p,
                      struct wisj_error *e)
{
	int nrf = pin_arg(dev, param_str(params, "pin", ""), 0, e);
	if (nrf < 0)
		return -1;
	uint8_t b = (uint8_t)nrf;
	return wisj_plan_add(p, dev, WIS_OP_PIN_STATE, &b, 1, e);
}

static json_object *state_finish(wis_device *dev, json_object *params, const struct wisj_step *s,
                                 const struct wisj_res *r, int n, struct wisj_error *e)
{
	(void)dev, (void)params, (void)n, (void)e;
	json_object *o = json_object_new_object();
	json_object_object_add(o, "pin", json_object_new_string(wisj_step_pin(s)));
	return state_json(o, r);
}

/* ---- the table ------------------------------------------------------------- */

#define END                                                                                        \
	{                                                                                          \
		NULL, 0, false, NULL, 0, 0, NULL, 0, NULL                                          \
	}
/* A param sent as wire field f of opcode op: values and range are the field's. */
#define WIRE(name, type, req, op, f, doc)                                                          \
	{                                                                                          \
		name, type, req, NULL, 0, 0, doc, op, f                                            \
	}
#define PLAIN(name, type, req, doc)                                                                \
	{                                                                                          \
		name, type, req, NULL, 0, 0, doc, 0, NULL                                          \
	}

static const struct wisj_param p_none[] = {END};
static const struct wisj_param p_pins_all[] = {
    PLAIN("all", WISJ_T_BOOL, false, "also list power, ground and other non-I/O pins"), END};
static const struct wisj_param p_ping[] = {
    PLAIN("data", WISJ_T_STRING, false, "text echoed by the device (default empty)"), END};
static const struct wisj_param p_reset[] = {
    WIRE("mode", WISJ_T_ENUM, false, WIS_OP_RESET, "mode",
         "app (default), bootloader (UF2, GPREGRET 0x57) or serial_dfu (0x4E)"),
    END};
static const struct wisj_param p_pin[] = {
    PLAIN("pin", WISJ_T_PIN, true, "pin name (IO1, LED1, SW1, P0.17...)"), END};
static const struct wisj_param p_mode[] = {
    PLAIN("pin", WISJ_T_PIN, true, "pin name"),
    WIRE("mode", WISJ_T_ENUM, true, WIS_OP_GPIO_MODE, "mode", "GPIO mode"),
    WIRE("initial", WISJ_T_INT, false, WIS_OP_GPIO_MODE, "level",
         "output level set with the mode (default 0)"),
    END};
static const struct wisj_param p_get[] = {
    PLAIN("pins", WISJ_T_PINS, true, "pin name or array of pin names"), END};
static const struct wisj_param p_set[] = {
    PLAIN("values", WISJ_T_LEVELS, true, "object mapping pin names to 0 or 1"), END};
static const struct wisj_param p_watch[] = {
    PLAIN("pin", WISJ_T_PIN, true, "pin name"),
    WIRE("edge", WISJ_T_ENUM, false, WIS_OP_GPIO_WATCH, "edge",
         "edges to report (default both; none stops)"),
    WIRE("debounce_us", WISJ_T_INT, false, WIS_OP_GPIO_WATCH, "debounce_us",
         "report an edge only once the level held this long (default 0)"),
    END};
static const struct wisj_param p_adc[] = {
    PLAIN("pins", WISJ_T_PINS, true, "analog pin name(s): AIN0, AIN1, IO4, IO7"),
    WIRE("gain", WISJ_T_ENUM, false, WIS_OP_ADC_READ, "gain", "SAADC gain (default 1/6)"),
    WIRE("reference", WISJ_T_ENUM, false, WIS_OP_ADC_READ, "reference",
         "internal 0.6 V (default) or VDD/4"),
    WIRE("resolution", WISJ_T_INT, false, WIS_OP_ADC_READ, "resolution",
         "bits: 8, 10, 12 (default) or 14"),
    WIRE("oversample", WISJ_T_INT, false, WIS_OP_ADC_READ, "oversample",
         "average 2^n samples (default 0)"),
    END};
static const struct wisj_param p_delay[] = {WIRE("delay_us", WISJ_T_INT, true, WIS_OP_DELAY,
                                                 "delay_us",
                                                 "microseconds before the module answers"),
                                            END};
static const struct wisj_param p_emit[] = {
    WIRE("count", WISJ_T_INT, true, WIS_OP_EMIT, "count", "events to send"),
    WIRE("len", WISJ_T_INT, false, WIS_OP_EMIT, "len", "data bytes per event (default 0)"), END};
static const struct wisj_param p_batch[] = {
    PLAIN("steps", WISJ_T_STEPS, true,
          "operations run in order in one device round trip: [{\"method\":..,\"params\":..}]"),
    PLAIN("stop_on_error", WISJ_T_BOOL, false,
          "skip the steps after a failing one (default false)"),
    END};
/* A param with its own range (no wire field holds it as is). */
#define RANGE(name, req, lo, hi, doc)                                                              \
	{                                                                                          \
		name, WISJ_T_INT, req, NULL, lo, hi, doc, 0, NULL                                  \
	}
#define RCFG(name, doc) WIRE(name, WISJ_T_INT, false, WIS_OP_RADIO_CONFIG, name, doc)
static const struct wisj_param p_radio_config[] = {
    RCFG("freq_hz", "carrier frequency in Hz (default 868100000)"),
    RANGE("power_dbm", false, -9, 22, "TX power in dBm (default 14)"),
    RCFG("sf", "spreading factor (default 7)"),
    RCFG("bw_hz", "bandwidth: 7812, 10417, 15625, 20833, 31250, 41667, 62500, 125000 "
                  "(default), 250000 or 500000"),
    RCFG("cr", "coding rate 5..8 = 4/5..4/8 (default 5)"),
    WIRE("ldro", WISJ_T_ENUM, false, WIS_OP_RADIO_CONFIG, "ldro",
         "low-data-rate optimisation (default auto: on at symbols of 16 ms or more)"),
    RCFG("preamble", "preamble symbols (default 8; 12 or more advised at SF5/SF6)"),
    PLAIN("implicit", WISJ_T_BOOL, false, "implicit header of payload_len bytes (default false)"),
    RCFG("payload_len", "the implicit header's payload length"),
    PLAIN("crc", WISJ_T_BOOL, false, "payload CRC (default true)"),
    PLAIN("invert_iq", WISJ_T_BOOL, false, "inverted IQ (default false)"),
    RCFG("sync_word", "sync word: 18 = 0x12 private (default), 52 = 0x34 public"),
    RCFG("tcxo_mv", "TCXO supply on DIO3 in mV, 0 = crystal (default 1800)"),
    PLAIN("idle_xosc", WISJ_T_BOOL, false,
          "keep the TCXO on between operations: TX starts in 126 us, not 5 ms (default false)"),
    END};
static const struct wisj_param p_radio_send[] = {
    PLAIN("data", WISJ_T_STRING, false, "payload as text (or hex)"),
    PLAIN("hex", WISJ_T_STRING, false, "payload as hex digits (or data), 1..255 bytes"),
    RANGE("at_us", false, 0, 9007199254740991, "start the preamble at this device time (µs)"),
    WIRE("timeout_ms", WISJ_T_INT, false, WIS_OP_RADIO_SEND, "timeout_ms",
         "TX timeout (default 0: time on air + 50 % + 100 ms)"),
    END};
static const struct wisj_param p_radio_rx[] = {
    WIRE("timeout_ms", WISJ_T_INT, false, WIS_OP_RADIO_RX, "timeout_ms",
         "0 (default): receive until radio.stop; else one packet or this timeout"),
    END};
static const struct wisj_param p_radio_cad[] = {
    WIRE("symbols", WISJ_T_INT, false, WIS_OP_RADIO_CAD, "symbols",
         "symbols to listen: 1 (default), 2, 4, 8 or 16"),
    END};
static const struct wisj_param p_radio_airtime[] = {
    RANGE("len", true, 1, 255, "payload bytes"),
    RCFG("sf", "spreading factor (default 7)"),
    RCFG("bw_hz", "bandwidth in Hz (default 125000)"),
    RCFG("cr", "coding rate 5..8 (default 5)"),
    RCFG("preamble", "preamble symbols (default 8)"),
    WIRE("ldro", WISJ_T_ENUM, false, WIS_OP_RADIO_CONFIG, "ldro", "default auto"),
    PLAIN("implicit", WISJ_T_BOOL, false, "implicit header (default false)"),
    PLAIN("crc", WISJ_T_BOOL, false, "payload CRC (default true)"),
    END};
static const struct wisj_param p_topics[] = {
    PLAIN("topics", WISJ_T_STRINGS, true,
          "topic name(s): gpio.edge, device.state, diag.event, log (radio.rx, radio.tx, "
          "uart.rx later)"),
    END};
static const struct wisj_param p_token[] = {
    PLAIN("token", WISJ_T_STRING, false,
          "TCP: the token in wisd's tcp_token_file (the first request on a TCP connection)"),
    END};
static const struct wisj_param p_resources[] = {
    PLAIN("resources", WISJ_T_STRINGS, true,
          "resource(s): pin:NAME (a bare pin name is short for it), radio, flash, i2c1, i2c2, "
          "spi, uart0, uart1"),
    END};
static const struct wisj_param p_flash_range[] = {
    WIRE("addr", WISJ_T_INT, true, WIS_OP_FLASH_ERASE, "addr", "offset in the store"),
    WIRE("len", WISJ_T_INT, true, WIS_OP_FLASH_ERASE, "len", "bytes"), END};
static const struct wisj_param p_flash_verify[] = {
    WIRE("addr", WISJ_T_INT, true, WIS_OP_FLASH_VERIFY, "addr", "offset in the store"),
    WIRE("len", WISJ_T_INT, true, WIS_OP_FLASH_VERIFY, "len", "bytes"), END};
static const struct wisj_param p_flash_read[] = {
    WIRE("addr", WISJ_T_INT, true, WIS_OP_FLASH_READ, "addr", "offset in the store"),
    WIRE("len", WISJ_T_INT, true, WIS_OP_FLASH_READ, "len", "bytes, 1..1024"), END};
static const struct wisj_param p_flash_stream[] = {
    WIRE("addr", WISJ_T_INT, true, WIS_OP_FLASH_VERIFY, "addr", "offset in the store"),
    RANGE("len", true, 1, UINT32_MAX, "bytes, 1.. up to the end of the store"), END};
static const struct wisj_param p_flash_write[] = {
    WIRE("addr", WISJ_T_INT, true, WIS_OP_FLASH_WRITE, "addr", "offset in the store"),
    PLAIN("data", WISJ_T_STRING, true, "1..1016 bytes as hex digits"),
    PLAIN("erase", WISJ_T_BOOL, false,
          "erase what the write needs, keeping the rest (default false: refused if not "
          "erased)"),
    END};
static const struct wisj_param p_flash_raw[] = {
    PLAIN("tx", WISJ_T_STRING, true, "bytes sent with CS held (opcode, address...), as hex"),
    WIRE("rx_len", WISJ_T_INT, false, WIS_OP_FLASH_RAW, "rx_len",
         "bytes clocked in after tx (default 0)"),
    END};
static const struct wisj_param p_i2c_config[] = {
    WIRE("bus", WISJ_T_ENUM, true, WIS_OP_I2C_CONFIG, "bus", "i2c1 or i2c2"),
    WIRE("hz", WISJ_T_INT, true, WIS_OP_I2C_CONFIG, "hz", "100000 or 400000"), END};
static const struct wisj_param p_i2c_scan[] = {
    WIRE("bus", WISJ_T_ENUM, true, WIS_OP_I2C_SCAN, "bus", "i2c1 or i2c2"), END};
static const struct wisj_param p_i2c_xfer[] = {
    WIRE("bus", WISJ_T_ENUM, true, WIS_OP_I2C_XFER, "bus", "i2c1 or i2c2"),
    WIRE("addr", WISJ_T_INT, true, WIS_OP_I2C_XFER, "addr", "7-bit address 0x08..0x77"),
    PLAIN("tx", WISJ_T_STRING, false, "bytes to write first, as hex (default none)"),
    WIRE("rx_len", WISJ_T_INT, false, WIS_OP_I2C_XFER, "rx_len",
         "bytes to read after a repeated start (default 0)"),
    END};
static const struct wisj_param p_spi_xfer[] = {
    PLAIN("tx", WISJ_T_STRING, true, "bytes to send (1..1019) as hex; as many are received"),
    WIRE("hz", WISJ_T_INT, false, WIS_OP_SPI_XFER, "hz", "clock (default 1000000)"),
    WIRE("mode", WISJ_T_INT, false, WIS_OP_SPI_XFER, "mode", "SPI mode 0..3 (default 0)"), END};
static const struct wisj_param p_uart_config[] = {
    WIRE("port", WISJ_T_ENUM, true, WIS_OP_UART_CONFIG, "port", "uart0 or uart1"),
    WIRE("baud", WISJ_T_INT, true, WIS_OP_UART_CONFIG, "baud", "1200..1000000"),
    WIRE("parity", WISJ_T_ENUM, false, WIS_OP_UART_CONFIG, "parity", "none (default) or even"),
    WIRE("stop_bits", WISJ_T_INT, false, WIS_OP_UART_CONFIG, "stop_bits", "1 (default) or 2"), END};
static const struct wisj_param p_uart_write[] = {
    WIRE("port", WISJ_T_ENUM, true, WIS_OP_UART_WRITE, "port", "uart0 or uart1"),
    PLAIN("data", WISJ_T_STRING, true, "text to send (1..1019 bytes)"),
    PLAIN("hex", WISJ_T_BOOL, false, "data is bytes as hex digits (default false)"), END};

#define DEV WISJ_M_DEVICE
#define BAT WISJ_M_BATCHABLE
#define OPS(...)                                                                                   \
	{                                                                                          \
		__VA_ARGS__                                                                        \
	}
#define NOOPS OPS(0)
#define RD WIS_PERM_READ
#define CTL WIS_PERM_CONTROL
#define ADM WIS_PERM_ADMIN

const struct wisj_method wisj_methods[] = {
    {"rpc.discover", "this list: methods with parameter schemas, and the topics", 0, NOOPS, RD,
     p_none, "{methods:[{name, description, params:[...], result, permission}], topics:[...]}",
     discover_local, NULL, NULL},
    {"system.info", "what the module said at HELLO", DEV, NOOPS, RD, p_none,
     "{board, firmware, protocol, device_id, capabilities[], simulated, max_payload, window, "
     "path, library, reset_cause, fault?}",
     info_local, NULL, NULL},
    {"system.pins", "the pin table with each I/O pin's current owner, mode and level",
     DEV | WISJ_M__TOLERANT, OPS(WIS_OP_PIN_STATE), RD, p_pins_all,
     "{pins:[{name, connector, pad?, pad_name?, kind, nrf, ain?, functions[], note, owner, mode, "
     "level, edge}]}",
     NULL, pins_plan, pins_finish},
    {"system.ping", "round trip to the module", DEV | BAT, OPS(WIS_OP_PING), RD, p_ping, "{data}",
     NULL, ping_plan, ping_finish, ping_print},
    {"system.uptime", "module time since boot", DEV | BAT, OPS(WIS_OP_UPTIME), RD, p_none,
     "{uptime_us}", NULL, wisj_fields_plan, fields_finish},
    {"system.stats", "the module's link counters", DEV | BAT, OPS(WIS_OP_STATS), RD, p_none,
     "{uptime_us, rx_frames, rx_crc_errors, rx_cobs_errors, rx_oversize, rx_runts, "
     "rx_bytes_dropped, tx_frames, events_sent, events_dropped, requests_bad}",
     NULL, wisj_fields_plan, fields_finish},
    {"system.reset", "reset the module (it comes back with a device.state event)", DEV,
     OPS(WIS_OP_RESET), RD, p_reset, "{}", NULL, wisj_fields_plan, empty_finish},
    {"system.delay", "diagnostic: the module answers after delay_us (a long operation)", DEV,
     OPS(WIS_OP_DELAY), RD, p_delay, "{uptime_us} when the module answered", NULL, wisj_fields_plan,
     fields_finish},
    {"system.emit", "diagnostic: the module sends count diag.event notifications of len bytes",
     DEV | BAT, OPS(WIS_OP_EMIT), RD, p_emit, "{first_seq}", NULL, wisj_fields_plan, fields_finish},
    {"gpio.mode", "set a pin's GPIO mode (disabled releases it)", DEV | BAT, OPS(WIS_OP_GPIO_MODE),
     RD, p_mode, "{}", NULL, wisj_gpio_mode_plan, empty_finish},
    {"gpio.get", "read pin levels (an unowned pin becomes an input)", DEV | BAT,
     OPS(WIS_OP_GPIO_READ), RD, p_get, "{PIN: 0|1, ...}", NULL, wisj_gpio_get_plan,
     wisj_gpio_get_finish},
    {"gpio.set", "drive outputs (an unowned pin becomes a push-pull output)", DEV | BAT,
     OPS(WIS_OP_GPIO_WRITE), RD, p_set, "{PIN: 0|1, ...} as written", NULL, wisj_gpio_set_plan,
     wisj_gpio_set_finish},
    {"gpio.watch", "report edges as gpio.edge notifications to subscribers", DEV | BAT,
     OPS(WIS_OP_GPIO_WATCH), RD, p_watch, "{}", NULL, wisj_gpio_watch_plan, empty_finish},
    {"adc.read", "read analog inputs in millivolts", DEV | BAT, OPS(WIS_OP_ADC_READ), RD, p_adc,
     "{PIN: {millivolts, raw}, ...}", NULL, wisj_gpio_adc_plan, wisj_gpio_adc_finish},
    {"flash.info", "the flash store in use: external chip or internal fallback, size, erase unit",
     DEV | BAT, OPS(WIS_OP_FLASH_INFO), RD, p_none,
     "{store, jedec, size, erase_unit, page_size, name}", NULL, wisj_fields_plan,
     wisj_flash_info_finish},
    {"flash.read", "read up to 1024 bytes of the flash store", DEV | BAT, OPS(WIS_OP_FLASH_READ),
     RD, p_flash_read, "{data} as hex", NULL, wisj_fields_plan, wisj_flash_data_finish},
    {"flash.stream",
     "read a range of any length as raw bytes into a pipe passed with the request (Unix "
     "socket, SCM_RIGHTS; wisd only)",
     WISJ_M_DAEMON | WISJ_M_TAKES_FD, NOOPS, RD, p_flash_stream,
     "{addr, len, crc32} once every byte is in the pipe", NULL, NULL, NULL},
    {"flash.write", "program up to 1016 bytes (erase: true erases what it needs first)", DEV,
     OPS(WIS_OP_FLASH_WRITE), RD, p_flash_write, "{}", NULL, wisj_flash_write_plan, empty_finish},
    {"flash.erase", "erase a range aligned to the erase unit", DEV, OPS(WIS_OP_FLASH_ERASE), RD,
     p_flash_range, "{}", NULL, wisj_fields_plan, empty_finish},
    {"flash.verify", "CRC-32 of a range computed on the module", DEV, OPS(WIS_OP_FLASH_VERIFY), RD,
     p_flash_verify, "{crc32}", NULL, wisj_fields_plan, fields_finish},
    {"flash.raw", "one SPI transaction to the flash chip, CS held (chip only)", DEV,
     OPS(WIS_OP_FLASH_RAW), RD, p_flash_raw, "{data} the bytes clocked in, as hex", NULL,
     wisj_flash_raw_plan, wisj_flash_data_finish},
    {"i2c.config", "take an I2C bus's pins and set its clock", DEV | BAT, OPS(WIS_OP_I2C_CONFIG),
     RD, p_i2c_config, "{}", NULL, wisj_fields_plan, empty_finish},
    {"i2c.scan", "the addresses that acknowledge on a bus", DEV, OPS(WIS_OP_I2C_SCAN), RD,
     p_i2c_scan, "{addresses:[...]}", NULL, wisj_fields_plan, wisj_i2c_scan_finish},
    {"i2c.xfer", "write tx, then read rx_len bytes with a repeated start", DEV | BAT,
     OPS(WIS_OP_I2C_XFER), RD, p_i2c_xfer, "{data} the bytes read, as hex", NULL,
     wisj_i2c_xfer_plan, wisj_flash_data_finish},
    {"spi.xfer", "full-duplex transfer on the IO-slot SPI bus, SPI_CS held", DEV | BAT,
     OPS(WIS_OP_SPI_XFER), RD, p_spi_xfer, "{data} the bytes received, as hex", NULL,
     wisj_spi_xfer_plan, wisj_flash_data_finish},
    {"uart.config", "take a UART's pins and start it; received bytes come as uart.rx", DEV | BAT,
     OPS(WIS_OP_UART_CONFIG), RD, p_uart_config, "{}", NULL, wisj_fields_plan, empty_finish},
    {"uart.write", "send bytes; answers how many the port took", DEV | BAT, OPS(WIS_OP_UART_WRITE),
     RD, p_uart_write, "{taken}", NULL, wisj_uart_write_plan, fields_finish},
    {"pin.release", "free a pin from whatever function holds it", DEV | BAT, OPS(WIS_OP_RELEASE),
     RD, p_pin, "{}", NULL, release_plan, empty_finish},
    {"pin.state", "a pin's owner, mode, level and watched edge", DEV | BAT, OPS(WIS_OP_PIN_STATE),
     RD, p_pin, "{pin, owner, mode, level, edge}", NULL, state_plan, state_finish},
    {"radio.config", "configure the SX1262 for LoRa (re-applied after a module reset)", DEV | BAT,
     OPS(WIS_OP_RADIO_CONFIG), RD, p_radio_config, "{ldro_on, symbol_us}", NULL,
     wisj_radio_config_plan, fields_finish},
    {"radio.send", "transmit a packet (at_us: at a device time); answered at TX done", DEV,
     OPS(WIS_OP_RADIO_SEND, WIS_OP_RADIO_SEND_AT), RD, p_radio_send,
     "{airtime_us, tx_start_us, tx_end_us}", NULL, wisj_radio_send_plan, fields_finish},
    {"radio.rx", "receive: packets come as radio.rx notifications", DEV | BAT, OPS(WIS_OP_RADIO_RX),
     RD, p_radio_rx, "{}", NULL, wisj_fields_plan, empty_finish},
    {"radio.stop", "stop receiving", DEV | BAT, OPS(WIS_OP_RADIO_STOP), RD, p_none, "{}", NULL,
     wisj_fields_plan, empty_finish},
    {"radio.cad", "channel activity detection", DEV, OPS(WIS_OP_RADIO_CAD), RD, p_radio_cad,
     "{detected}", NULL, wisj_fields_plan, fields_finish},
    {"radio.status", "the radio's state, channel and counters", DEV | BAT, OPS(WIS_OP_RADIO_STATUS),
     RD, p_none,
     "{state, receiving, freq_hz, sf, bw_hz, tx_packets, rx_packets, rx_errors, device_errors}",
     NULL, wisj_fields_plan, wisj_radio_status_finish},
    {"radio.airtime", "time on air of a LoRa packet (no device needed)", 0, NOOPS, RD,
     p_radio_airtime, "{airtime_us, airtime_ms}", wisj_radio_airtime_local, NULL, NULL},
    {"batch", "several operations in one device round trip, with a result for each",
     DEV | WISJ_M__BATCH, NOOPS, RD, p_batch,
     "{results:[{result:..} or {error:{code, message, data}}, ...]}", NULL, NULL, NULL},
    {"subscribe", "receive notifications for topics (wisd only)", WISJ_M_DAEMON, NOOPS, RD,
     p_topics, "{topics:[...]} now subscribed", NULL, NULL, NULL},
    {"unsubscribe", "stop notifications for topics (wisd only)", WISJ_M_DAEMON, NOOPS, RD, p_topics,
     "{topics:[...]} still subscribed", NULL, NULL, NULL},
    {"claim",
     "own resources: other clients' changes to them are refused until you unclaim or "
     "disconnect (wisd only)",
     WISJ_M_DAEMON, NOOPS, CTL, p_resources, "{claimed:[...]} everything this client now holds",
     NULL, NULL, NULL},
    {"unclaim", "give claimed resources back (wisd only)", WISJ_M_DAEMON, NOOPS, CTL, p_resources,
     "{claimed:[...]} what this client still holds", NULL, NULL, NULL},
    {"rpc.auth",
     "authenticate a TCP connection (its first request); answers the class this client has "
     "(wisd only)",
     WISJ_M_DAEMON, NOOPS, RD, p_token, "{class}", NULL, NULL, NULL},
    {"daemon.status", "wisd's own state: device, clients, queue, components (wisd only)",
     WISJ_M_DAEMON, NOOPS, RD, p_none,
     "{device:{state, path, ...}, clients, inflight, queued, uptime_s, components:{...}}", NULL,
     NULL, NULL},
};

const size_t wisj_method_count = sizeof wisj_methods / sizeof wisj_methods[0];

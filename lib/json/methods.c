/*
 * wisjson method table: every JSON-RPC method with its parameter schema,
 * how it becomes device operations (plan) and how the answers become its
 * JSON result (finish).  Later subsystems (radio.*, flash.*, i2c.*, spi.*,
 * uart.*) add rows here; wisd, wisctl and rpc.discover pick them up.
 * docs/api.md documents the same table for users: change both together.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "wisjson_int.h"

const char *const wisj_gpio_modes[] = {
    "disabled", "input", "input_pullup", "input_pulldown", "output", "output_open_drain", NULL};
const char *const wisj_edges[] = {"none", "rising", "falling", "both", NULL};
static const char *const reset_modes[] = {"app", "bootloader", "serial_dfu", NULL};
static const char *const adc_gains[] = {"1/6", "1/5", "1/4", "1/3", "1/2", "1", "2", "4", NULL};
static const char *const adc_refs[] = {"internal", "vdd4", NULL};
static const char *const owners[] = {"none", "gpio", "adc",   "i2c",
                                     "spi",  "uart", "flash", "system"};

static int enum_index(const char *const *values, const char *s)
{
	for (int i = 0; values[i]; i++)
		if (strcmp(values[i], s) == 0)
			return i;
	return -1;
}

/* Param accessors: params were validated, so types are known. */
static json_object *param(json_object *params, const char *name)
{
	json_object *v = NULL;
	json_object_object_get_ex(params, name, &v);
	return v;
}
static const char *param_str(json_object *params, const char *name, const char *dflt)
{
	json_object *v = param(params, name);
	return v ? json_object_get_string(v) : dflt;
}
static int64_t param_int(json_object *params, const char *name, int64_t dflt)
{
	json_object *v = param(params, name);
	if (!v)
		return dflt;
	if (json_object_is_type(v, json_type_boolean))
		return json_object_get_boolean(v);
	return json_object_get_int64(v);
}

static int pin_arg(wis_device *dev, const char *name, unsigned fn, struct wisj_error *e)
{
	int nrf = wis_pin_resolve(dev, name, fn);
	if (nrf < 0) {
		const char *d = wis_last_error();
		if (d && *d)
			wisj_error_set(e, WISJ_INVALID_PARAMS, "%s", d);
		else
			wisj_error_set(e, WISJ_INVALID_PARAMS, "%s: %s", name, wis_strerror(nrf));
	}
	return nrf;
}

static const char *pin_name(wis_device *dev, uint8_t nrf, char buf[6])
{
	const char *n = wis_pin_name(dev, nrf);
	if (n)
		return n;
	wis_nrf_name(nrf, buf);
	return buf;
}

int wisj_pin_canonical(wis_device *dev, const char *name, char *buf, size_t cap,
                       struct wisj_error *e)
{
	const struct wis_pin_def *t, *p;
	size_t n;
	t = dev ? wis_get_pins(dev, &n) : wis_pins_rak4631(&n);
	p = wis_pin_lookup(t, n, name);
	if (!p) {
		wisj_error_set(e, WISJ_INVALID_PARAMS, "%s: no such pin", name);
		return -1;
	}
	if (p->kind != WIS_PIN_IO) {
		wisj_error_set(e, WISJ_INVALID_PARAMS, "%s is a %s pin, not an I/O pin", p->name,
		               wis_pin_kind_name(p->kind));
		return -1;
	}
	snprintf(buf, cap, "%s", p->name);
	return 0;
}

int wisj_plan_add(struct wisj_plan *p, uint16_t opcode, const uint8_t *req, size_t len, uint8_t pin,
                  bool writes, struct wisj_error *e)
{
	if (p->n >= WISJ_MAX_STEPS) {
		wisj_error_set(e, WISJ_INVALID_PARAMS, "too many operations in one call (max %d)",
		               WISJ_MAX_STEPS);
		return -1;
	}
	/* 5 bytes of batch step framing per step keep the BATCH within a frame. */
	if (p->used + len + 5u * (unsigned)(p->n + 1) + 2 > sizeof p->buf) {
		wisj_error_set(e, WISJ_INVALID_PARAMS, "request too large for one device frame");
		return -1;
	}
	struct wisj_step *s = &p->steps[p->n++];
	s->opcode = opcode;
	s->off = (uint16_t)p->used;
	s->len = (uint16_t)len;
	s->pin = pin;
	s->writes = writes;
	if (len)
		memcpy(p->buf + p->used, req, len);
	p->used += len;
	return 0;
}

/* Calls fn for each pin named by a WISJ_T_PINS value. */
static int each_pin(json_object *v, int (*fn)(void *, const char *, struct wisj_error *), void *u,
                    struct wisj_error *e)
{
	if (json_object_is_type(v, json_type_string))
		return fn(u, json_object_get_string(v), e);
	size_t n = json_object_array_length(v);
	for (size_t i = 0; i < n; i++)
		if (fn(u, json_object_get_string(json_object_array_get_idx(v, i)), e) < 0)
			return -1;
	return 0;
}

/* ---- SYSTEM ---------------------------------------------------------------- */

static json_object *caps_json(uint32_t caps)
{
	static const char *const names[] = {"gpio",  "adc", "batch", "events", "radio",
	                                    "flash", "i2c", "spi",   "uart"};
	json_object *a = json_object_new_array();
	for (unsigned i = 0; i < sizeof names / sizeof names[0]; i++)
		if (caps & (1u << i))
			json_object_array_add(a, json_object_new_string(names[i]));
	if (caps & WIS_CAP_SIMULATED)
		json_object_array_add(a, json_object_new_string("simulated"));
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
	json_object_object_add(o, "capabilities", caps_json(i->caps));
	json_object_object_add(o, "simulated",
	                       json_object_new_boolean(i->caps & WIS_CAP_SIMULATED));
	json_object_object_add(o, "max_payload", json_object_new_int((int)i->max_payload));
	json_object_object_add(o, "window", json_object_new_int((int)i->window));
	json_object_object_add(o, "path", json_object_new_string(wis_path(dev)));
	json_object_object_add(o, "library", json_object_new_string(WIS_LIB_VERSION));
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
		    wisj_plan_add(p, WIS_OP_PIN_STATE, &t[i].nrf, 1, t[i].nrf, false, e) < 0)
			return -1;
	return 0;
}

static json_object *funcs_json(unsigned funcs)
{
	static const char *const names[] = {"gpio", "adc",    "i2c",  "spi", "uart",
	                                    "led",  "button", "qspi", "nfc"};
	json_object *a = json_object_new_array();
	for (unsigned i = 0; i < sizeof names / sizeof names[0]; i++)
		if (funcs & (1u << i))
			json_object_array_add(a, json_object_new_string(names[i]));
	return a;
}

static json_object *state_json(json_object *o, const struct wisj_res *r)
{
	struct wis_rd rd = wis_rd_init(r->p, r->len);
	uint8_t owner = wis_rd_u8(&rd), mode = wis_rd_u8(&rd), level = wis_rd_u8(&rd);
	uint8_t edge = wis_rd_u8(&rd);
	if (rd.err)
		return o;
	json_object_object_add(o, "owner", json_object_new_string(owner < 8 ? owners[owner] : "?"));
	json_object_object_add(
	    o, "mode",
	    json_object_new_string(mode < WIS_GPIO__MODE_COUNT ? wisj_gpio_modes[mode] : "?"));
	json_object_object_add(o, "level", json_object_new_int(level));
	json_object_object_add(o, "edge",
	                       json_object_new_string(edge <= 3 ? wisj_edges[edge] : "?"));
	return o;
}

static json_object *pins_finish(wis_device *dev, json_object *params, const struct wisj_step *s,
                                const struct wisj_res *r, int n, struct wisj_error *e)
{
	(void)e;
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
		json_object_object_add(o, "functions", funcs_json(d->funcs));
		json_object_object_add(o, "note", json_object_new_string(d->note ? d->note : ""));
		if (io && k < n && s[k].pin == d->nrf) {
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
	(void)dev;
	/* By length: "\u0000" in the data is data too. */
	json_object *v = param(params, "data");
	const char *d = v ? json_object_get_string(v) : "";
	size_t n = v ? (size_t)json_object_get_string_len(v) : 0;
	return wisj_plan_add(p, WIS_OP_PING, (const uint8_t *)d, n, WIS_NRF_NONE, false, e);
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

static int noarg_plan(uint16_t op, struct wisj_plan *p, struct wisj_error *e)
{
	return wisj_plan_add(p, op, NULL, 0, WIS_NRF_NONE, false, e);
}
static int uptime_plan(wis_device *dev, json_object *params, struct wisj_plan *p,
                       struct wisj_error *e)
{
	(void)dev, (void)params;
	return noarg_plan(WIS_OP_UPTIME, p, e);
}
static int stats_plan(wis_device *dev, json_object *params, struct wisj_plan *p,
                      struct wisj_error *e)
{
	(void)dev, (void)params;
	return noarg_plan(WIS_OP_STATS, p, e);
}

static json_object *uptime_finish(wis_device *dev, json_object *params, const struct wisj_step *s,
                                  const struct wisj_res *r, int n, struct wisj_error *e)
{
	(void)dev, (void)params, (void)s, (void)n, (void)e;
	struct wis_rd rd = wis_rd_init(r->p, r->len);
	uint64_t us = wis_rd_u64(&rd);
	json_object *o = json_object_new_object();
	json_object_object_add(o, "uptime_us", json_object_new_int64((int64_t)us));
	return o;
}

static json_object *stats_finish(wis_device *dev, json_object *params, const struct wisj_step *s,
                                 const struct wisj_res *r, int n, struct wisj_error *e)
{
	(void)dev, (void)params, (void)s, (void)n, (void)e;
	static const char *const names[] = {"rx_frames",   "rx_crc_errors", "rx_cobs_errors",
	                                    "rx_oversize", "rx_runts",      "rx_bytes_dropped",
	                                    "tx_frames",   "events_sent",   "events_dropped",
	                                    "requests_bad"};
	struct wis_rd rd = wis_rd_init(r->p, r->len);
	json_object *o = json_object_new_object();
	json_object_object_add(o, "uptime_us", json_object_new_int64((int64_t)wis_rd_u64(&rd)));
	for (unsigned i = 0; i < sizeof names / sizeof names[0]; i++)
		json_object_object_add(o, names[i], json_object_new_int64(wis_rd_u32(&rd)));
	return o;
}

static int reset_plan(wis_device *dev, json_object *params, struct wisj_plan *p,
                      struct wisj_error *e)
{
	(void)dev;
	uint8_t mode = (uint8_t)enum_index(reset_modes, param_str(params, "mode", "app"));
	return wisj_plan_add(p, WIS_OP_RESET, &mode, 1, WIS_NRF_NONE, false, e);
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
	return wisj_plan_add(p, WIS_OP_RELEASE, &b, 1, b, true, e);
}

static int state_plan(wis_device *dev, json_object *params, struct wisj_plan *p,
                      struct wisj_error *e)
{
	int nrf = pin_arg(dev, param_str(params, "pin", ""), 0, e);
	if (nrf < 0)
		return -1;
	uint8_t b = (uint8_t)nrf;
	return wisj_plan_add(p, WIS_OP_PIN_STATE, &b, 1, b, false, e);
}

static json_object *state_finish(wis_device *dev, json_object *params, const struct wisj_step *s,
                                 const struct wisj_res *r, int n, struct wisj_error *e)
{
	(void)params, (void)n, (void)e;
	char nb[6];
	json_object *o = json_object_new_object();
	json_object_object_add(o, "pin", json_object_new_string(pin_name(dev, s->pin, nb)));
	return state_json(o, r);
}

/* ---- GPIO ------------------------------------------------------------------ */

static int mode_plan(wis_device *dev, json_object *params, struct wisj_plan *p,
                     struct wisj_error *e)
{
	int nrf = pin_arg(dev, param_str(params, "pin", ""), WIS_FN_GPIO, e);
	if (nrf < 0)
		return -1;
	uint8_t req[3] = {(uint8_t)nrf,
	                  (uint8_t)enum_index(wisj_gpio_modes, param_str(params, "mode", "")),
	                  (uint8_t)param_int(params, "initial", 0)};
	return wisj_plan_add(p, WIS_OP_GPIO_MODE, req, 3, (uint8_t)nrf, true, e);
}

struct pins_ctx {
	wis_device *dev;
	struct wisj_plan *p;
	uint16_t op;
	unsigned fn;
	const uint8_t *extra; /* bytes after the pin */
	size_t extra_len;
	bool writes;
};

static int add_pin_step(void *u, const char *name, struct wisj_error *e)
{
	struct pins_ctx *c = u;
	int nrf = pin_arg(c->dev, name, c->fn, e);
	if (nrf < 0)
		return -1;
	uint8_t req[8];
	req[0] = (uint8_t)nrf;
	if (c->extra_len)
		memcpy(req + 1, c->extra, c->extra_len);
	return wisj_plan_add(c->p, c->op, req, 1 + c->extra_len, (uint8_t)nrf, c->writes, e);
}

static int get_plan(wis_device *dev, json_object *params, struct wisj_plan *p, struct wisj_error *e)
{
	struct pins_ctx c = {dev, p, WIS_OP_GPIO_READ, WIS_FN_GPIO, NULL, 0, false};
	return each_pin(param(params, "pins"), add_pin_step, &c, e);
}

static json_object *get_finish(wis_device *dev, json_object *params, const struct wisj_step *s,
                               const struct wisj_res *r, int n, struct wisj_error *e)
{
	(void)params, (void)e;
	json_object *o = json_object_new_object();
	char nb[6];
	for (int i = 0; i < n; i++)
		json_object_object_add(o, pin_name(dev, s[i].pin, nb),
		                       json_object_new_int(r[i].len ? r[i].p[0] : 0));
	return o;
}

static int set_plan(wis_device *dev, json_object *params, struct wisj_plan *p, struct wisj_error *e)
{
	json_object_object_foreach(param(params, "values"), key, val)
	{
		uint8_t level = json_object_is_type(val, json_type_boolean)
		                    ? (uint8_t)json_object_get_boolean(val)
		                    : (uint8_t)json_object_get_int(val);
		struct pins_ctx c = {dev, p, WIS_OP_GPIO_WRITE, WIS_FN_GPIO, &level, 1, true};
		if (add_pin_step(&c, key, e) < 0)
			return -1;
	}
	return 0;
}

static json_object *set_finish(wis_device *dev, json_object *params, const struct wisj_step *s,
                               const struct wisj_res *r, int n, struct wisj_error *e)
{
	(void)r, (void)e;
	json_object *o = json_object_new_object();
	char nb[6];
	int i = 0;
	/* Steps were planned in the object's order, one per entry. */
	json_object_object_foreach(param(params, "values"), key, val)
	{
		(void)key;
		if (i >= n)
			break;
		int level = json_object_is_type(val, json_type_boolean)
		                ? json_object_get_boolean(val)
		                : json_object_get_int(val);
		json_object_object_add(o, pin_name(dev, s[i].pin, nb), json_object_new_int(level));
		i++;
	}
	return o;
}

static int watch_plan(wis_device *dev, json_object *params, struct wisj_plan *p,
                      struct wisj_error *e)
{
	int nrf = pin_arg(dev, param_str(params, "pin", ""), WIS_FN_GPIO, e);
	if (nrf < 0)
		return -1;
	uint8_t req[6];
	struct wis_wr w = wis_wr_init(req, sizeof req);
	wis_wr_u8(&w, (uint8_t)nrf);
	wis_wr_u8(&w, (uint8_t)enum_index(wisj_edges, param_str(params, "edge", "both")));
	wis_wr_u32(&w, (uint32_t)param_int(params, "debounce_us", 0));
	return wisj_plan_add(p, WIS_OP_GPIO_WATCH, req, w.len, (uint8_t)nrf, true, e);
}

/* ---- ADC ------------------------------------------------------------------- */

static int adc_plan(wis_device *dev, json_object *params, struct wisj_plan *p, struct wisj_error *e)
{
	int64_t bits = param_int(params, "resolution", WIS_ADC_DEFAULT_BITS);
	if (bits != 8 && bits != 10 && bits != 12 && bits != 14) {
		wisj_error_set(e, WISJ_INVALID_PARAMS,
		               "parameter 'resolution' must be 8, 10, 12 or 14");
		return -1;
	}
	uint8_t cfg[4] = {(uint8_t)enum_index(adc_gains, param_str(params, "gain", "1/6")),
	                  (uint8_t)enum_index(adc_refs, param_str(params, "reference", "internal")),
	                  (uint8_t)bits, (uint8_t)param_int(params, "oversample", 0)};
	struct pins_ctx c = {dev, p, WIS_OP_ADC_READ, WIS_FN_ADC, cfg, 4, true};
	return each_pin(param(params, "pins"), add_pin_step, &c, e);
}

static json_object *adc_finish(wis_device *dev, json_object *params, const struct wisj_step *s,
                               const struct wisj_res *r, int n, struct wisj_error *e)
{
	(void)params, (void)e;
	json_object *o = json_object_new_object();
	char nb[6];
	for (int i = 0; i < n; i++) {
		struct wis_rd rd = wis_rd_init(r[i].p, r[i].len);
		int16_t raw = (int16_t)wis_rd_u16(&rd);
		int32_t mv = (int32_t)wis_rd_u32(&rd);
		json_object *v = json_object_new_object();
		json_object_object_add(v, "millivolts", json_object_new_int(mv));
		json_object_object_add(v, "raw", json_object_new_int(raw));
		json_object_object_add(o, pin_name(dev, s[i].pin, nb), v);
	}
	return o;
}

/* ---- the table ------------------------------------------------------------- */

#define END                                                                                        \
	{                                                                                          \
		NULL, 0, false, NULL, 0, 0, NULL                                                   \
	}

static const struct wisj_param p_none[] = {END};
static const struct wisj_param p_pins_all[] = {
    {"all", WISJ_T_BOOL, false, NULL, 0, 0, "also list power, ground and other non-I/O pins"}, END};
static const struct wisj_param p_ping[] = {
    {"data", WISJ_T_STRING, false, NULL, 0, 0, "text echoed by the device (default empty)"}, END};
static const struct wisj_param p_reset[] = {
    {"mode", WISJ_T_ENUM, false, reset_modes, 0, 0,
     "app (default), bootloader (UF2, GPREGRET 0x57) or serial_dfu (0x4E)"},
    END};
static const struct wisj_param p_pin[] = {
    {"pin", WISJ_T_PIN, true, NULL, 0, 0, "pin name (IO1, LED1, SW1, P0.17...)"}, END};
static const struct wisj_param p_mode[] = {
    {"pin", WISJ_T_PIN, true, NULL, 0, 0, "pin name"},
    {"mode", WISJ_T_ENUM, true, wisj_gpio_modes, 0, 0, "GPIO mode"},
    {"initial", WISJ_T_INT, false, NULL, 0, 1, "output level set with the mode (default 0)"},
    END};
static const struct wisj_param p_get[] = {
    {"pins", WISJ_T_PINS, true, NULL, 0, 0, "pin name or array of pin names"}, END};
static const struct wisj_param p_set[] = {
    {"values", WISJ_T_LEVELS, true, NULL, 0, 0, "object mapping pin names to 0 or 1"}, END};
static const struct wisj_param p_watch[] = {
    {"pin", WISJ_T_PIN, true, NULL, 0, 0, "pin name"},
    {"edge", WISJ_T_ENUM, false, wisj_edges, 0, 0, "edges to report (default both; none stops)"},
    {"debounce_us", WISJ_T_INT, false, NULL, 0, WIS_DEBOUNCE_MAX_US,
     "report an edge only once the level held this long (default 0)"},
    END};
static const struct wisj_param p_adc[] = {
    {"pins", WISJ_T_PINS, true, NULL, 0, 0, "analog pin name(s): AIN0, AIN1, IO4, IO7"},
    {"gain", WISJ_T_ENUM, false, adc_gains, 0, 0, "SAADC gain (default 1/6)"},
    {"reference", WISJ_T_ENUM, false, adc_refs, 0, 0, "internal 0.6 V (default) or VDD/4"},
    {"resolution", WISJ_T_INT, false, NULL, 8, 14, "bits: 8, 10, 12 (default) or 14"},
    {"oversample", WISJ_T_INT, false, NULL, 0, WIS_ADC_MAX_OVERSAMPLE_LOG2,
     "average 2^n samples (default 0)"},
    END};
static const struct wisj_param p_batch[] = {
    {"steps", WISJ_T_STEPS, true, NULL, 0, 0,
     "operations run in order in one device round trip: [{\"method\":..,\"params\":..}]"},
    {"stop_on_error", WISJ_T_BOOL, false, NULL, 0, 0,
     "skip the steps after a failing one (default false)"},
    END};
static const struct wisj_param p_topics[] = {
    {"topics", WISJ_T_STRINGS, true, NULL, 0, 0,
     "topic name(s): gpio.edge, device.state, log (radio.rx, radio.tx, uart.rx later)"},
    END};
static const struct wisj_param p_resources[] = {
    {"resources", WISJ_T_STRINGS, true, NULL, 0, 0, "pin name(s) to claim or give back"}, END};

#define DEV WISJ_M_DEVICE
#define BAT WISJ_M_BATCHABLE
#define WR WISJ_M_WRITES

const struct wisj_method wisj_methods[] = {
    {"rpc.discover", "this list: methods with parameter schemas, and the topics", 0, p_none,
     "{methods:[{name, description, params:[...], result}], topics:[...]}", discover_local, NULL,
     NULL},
    {"system.info", "what the module said at HELLO", DEV, p_none,
     "{board, firmware, protocol, device_id, capabilities[], simulated, max_payload, window, "
     "path, library}",
     info_local, NULL, NULL},
    {"system.pins", "the pin table with each I/O pin's current owner, mode and level",
     DEV | WISJ_M__TOLERANT, p_pins_all,
     "{pins:[{name, connector, pad?, pad_name?, kind, nrf, ain?, functions[], note, owner, mode, "
     "level, edge}]}",
     NULL, pins_plan, pins_finish},
    {"system.ping", "round trip to the module", DEV | BAT, p_ping, "{data}", NULL, ping_plan,
     ping_finish},
    {"system.uptime", "module time since boot", DEV | BAT, p_none, "{uptime_us}", NULL, uptime_plan,
     uptime_finish},
    {"system.stats", "the module's link counters", DEV | BAT, p_none,
     "{uptime_us, rx_frames, rx_crc_errors, rx_cobs_errors, rx_oversize, rx_runts, "
     "rx_bytes_dropped, tx_frames, events_sent, events_dropped, requests_bad}",
     NULL, stats_plan, stats_finish},
    {"system.reset", "reset the module (it comes back with a device.state event)", DEV, p_reset,
     "{}", NULL, reset_plan, empty_finish},
    {"gpio.mode", "set a pin's GPIO mode (disabled releases it)", DEV | BAT | WR, p_mode, "{}",
     NULL, mode_plan, empty_finish},
    {"gpio.get", "read pin levels (an unowned pin becomes an input)", DEV | BAT, p_get,
     "{PIN: 0|1, ...}", NULL, get_plan, get_finish},
    {"gpio.set", "drive outputs (an unowned pin becomes a push-pull output)", DEV | BAT | WR, p_set,
     "{PIN: 0|1, ...} as written", NULL, set_plan, set_finish},
    {"gpio.watch", "report edges as gpio.edge notifications to subscribers", DEV | BAT | WR,
     p_watch, "{}", NULL, watch_plan, empty_finish},
    {"adc.read", "read analog inputs in millivolts", DEV | BAT | WR, p_adc,
     "{PIN: {millivolts, raw}, ...}", NULL, adc_plan, adc_finish},
    {"pin.release", "free a pin from whatever function holds it", DEV | BAT | WR, p_pin, "{}", NULL,
     release_plan, empty_finish},
    {"pin.state", "a pin's owner, mode, level and watched edge", DEV | BAT, p_pin,
     "{pin, owner, mode, level, edge}", NULL, state_plan, state_finish},
    {"batch", "several operations in one device round trip, with a result for each",
     DEV | WISJ_M__BATCH, p_batch, "{results:[{result:..} or {error:{code, message, data}}, ...]}",
     NULL, NULL, NULL},
    {"subscribe", "receive notifications for topics (wisd only)", WISJ_M_DAEMON, p_topics,
     "{topics:[...]} now subscribed", NULL, NULL, NULL},
    {"unsubscribe", "stop notifications for topics (wisd only)", WISJ_M_DAEMON, p_topics,
     "{topics:[...]} still subscribed", NULL, NULL, NULL},
    {"claim",
     "own pins: other clients' writes to them are refused until you unclaim or "
     "disconnect (wisd only)",
     WISJ_M_DAEMON, p_resources, "{claimed:[...]} everything this client now holds", NULL, NULL,
     NULL},
    {"unclaim", "give claimed pins back (wisd only)", WISJ_M_DAEMON, p_resources,
     "{claimed:[...]} what this client still holds", NULL, NULL, NULL},
    {"daemon.status", "wisd's own state: device, clients, queue (wisd only)", WISJ_M_DAEMON, p_none,
     "{device:{state, path, ...}, clients, inflight, queued, uptime_s}", NULL, NULL, NULL},
};

const size_t wisj_method_count = sizeof wisj_methods / sizeof wisj_methods[0];

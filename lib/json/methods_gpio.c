/*
 * gpio.* and adc.read methods' plan and finish code (their rows and params
 * are in methods.c's table).  One device step per named pin; requests are
 * built from their fields by the opcode table (wisj_plan_fields), answers read
 * by its response layouts.
 */
#include <string.h>

#include "wisjson_int.h"

#define param wisj_param
#define param_str wisj_param_str
#define param_int wisj_param_int
#define pin_arg wisj_pin_arg
#define each_pin wisj_each_pin

/* ---- GPIO ------------------------------------------------------------------ */

int wisj_gpio_mode_plan(wis_device *dev, json_object *params, struct wisj_plan *p,
                        struct wisj_error *e)
{
	int nrf = pin_arg(dev, param_str(params, "pin", ""), WIS_FN_GPIO, e);
	if (nrf < 0)
		return -1;
	union wis_val v[] = {WIS_VAL(nrf),
	                     WIS_VAL(wisj_param_enum(params, "mode", wis_gpio_mode_names, "")),
	                     WIS_VAL(param_int(params, "initial", 0))};
	return wisj_plan_fields(p, dev, WIS_OP_GPIO_MODE, v, e);
}

/* One step per named pin: the pin is field 0, the rest are the same for all. */
struct pins_ctx {
	wis_device *dev;
	struct wisj_plan *p;
	uint16_t op;
	unsigned fn;
	union wis_val v[WIS_OP_MAX_FIELDS];
};

static int add_pin_step(void *u, const char *name, struct wisj_error *e)
{
	struct pins_ctx *c = u;
	int nrf = pin_arg(c->dev, name, c->fn, e);
	if (nrf < 0)
		return -1;
	c->v[0] = WIS_VAL(nrf);
	return wisj_plan_fields(c->p, c->dev, c->op, c->v, e);
}

int wisj_gpio_get_plan(wis_device *dev, json_object *params, struct wisj_plan *p,
                       struct wisj_error *e)
{
	struct pins_ctx c = {dev, p, WIS_OP_GPIO_READ, WIS_FN_GPIO, {{0}}};
	return each_pin(param(params, "pins"), add_pin_step, &c, e);
}

json_object *wisj_gpio_get_finish(wis_device *dev, json_object *params, const struct wisj_step *s,
                                  const struct wisj_res *r, int n, struct wisj_error *e)
{
	(void)dev, (void)params, (void)e;
	json_object *o = json_object_new_object();
	for (int i = 0; i < n; i++) {
		union wis_val level = {0};
		wis_op_parse_resp(WIS_OP_GPIO_READ, r[i].p, r[i].len, &level);
		json_object_object_add(o, wisj_step_pin(&s[i]), json_object_new_int((int)level.u));
	}
	return o;
}

int wisj_gpio_set_plan(wis_device *dev, json_object *params, struct wisj_plan *p,
                       struct wisj_error *e)
{
	json_object_object_foreach(param(params, "values"), key, val)
	{
		uint8_t level = json_object_is_type(val, json_type_boolean)
		                    ? (uint8_t)json_object_get_boolean(val)
		                    : (uint8_t)json_object_get_int(val);
		struct pins_ctx c = {dev, p, WIS_OP_GPIO_WRITE, WIS_FN_GPIO, {{0}, WIS_VAL(level)}};
		if (add_pin_step(&c, key, e) < 0)
			return -1;
	}
	return 0;
}

json_object *wisj_gpio_set_finish(wis_device *dev, json_object *params, const struct wisj_step *s,
                                  const struct wisj_res *r, int n, struct wisj_error *e)
{
	(void)dev, (void)r, (void)e;
	json_object *o = json_object_new_object();
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
		json_object_object_add(o, wisj_step_pin(&s[i]), json_object_new_int(level));
		i++;
	}
	return o;
}

int wisj_gpio_watch_plan(wis_device *dev, json_object *params, struct wisj_plan *p,
                         struct wisj_error *e)
{
	int nrf = pin_arg(dev, param_str(params, "pin", ""), WIS_FN_GPIO, e);
	if (nrf < 0)
		return -1;
	union wis_val v[] = {WIS_VAL(nrf),
	                     WIS_VAL(wisj_param_enum(params, "edge", wis_edge_names, "both")),
	                     WIS_VAL(param_int(params, "debounce_us", 0))};
	return wisj_plan_fields(p, dev, WIS_OP_GPIO_WATCH, v, e);
}

/* ---- ADC ------------------------------------------------------------------- */

int wisj_gpio_adc_plan(wis_device *dev, json_object *params, struct wisj_plan *p,
                       struct wisj_error *e)
{
	/* The range is the wire field's; the SAADC also wants it even. */
	int64_t bits = param_int(params, "resolution", WIS_ADC_DEFAULT_BITS);
	if (bits % 2) {
		wisj_error_set(e, WISJ_INVALID_PARAMS,
		               "parameter 'resolution' must be 8, 10, 12 or 14");
		return -1;
	}
	struct pins_ctx c = {
	    dev,
	    p,
	    WIS_OP_ADC_READ,
	    WIS_FN_ADC,
	    {{0},
	     WIS_VAL(wisj_param_enum(params, "gain", wis_adc_gain_names, "1/6")),
	     WIS_VAL(wisj_param_enum(params, "reference", wis_adc_ref_names, "internal")),
	     WIS_VAL(bits),
	     WIS_VAL(param_int(params, "oversample", 0))}};
	return each_pin(param(params, "pins"), add_pin_step, &c, e);
}

json_object *wisj_gpio_adc_finish(wis_device *dev, json_object *params, const struct wisj_step *s,
                                  const struct wisj_res *r, int n, struct wisj_error *e)
{
	(void)dev, (void)params, (void)e;
	json_object *o = json_object_new_object();
	for (int i = 0; i < n; i++) {
		union wis_val f[2] = {{0}, {0}};
		wis_op_parse_resp(WIS_OP_ADC_READ, r[i].p, r[i].len, f);
		json_object *v = json_object_new_object();
		json_object_object_add(v, "millivolts", json_object_new_int((int32_t)f[1].i));
		json_object_object_add(v, "raw", json_object_new_int((int16_t)f[0].i));
		json_object_object_add(o, wisj_step_pin(&s[i]), v);
	}
	return o;
}

/*
 * wisjson planning helpers shared by the method table (methods.c): reading
 * validated params, naming pins and resources, and adding device
 * operations to a plan.  A step's resource comes from the opcode table
 * (wis_op_resource), not from the method, so ownership and re-applied
 * state follow the wire description of each operation.
 */
#include <stdio.h>
#include <string.h>

#include "wisjson_int.h"

json_object *wisj_param(json_object *params, const char *name)
{
	json_object *v = NULL;
	/* Most calls have no params: no hashing of the name for those. */
	if (json_object_is_type(params, json_type_object) && json_object_object_length(params) != 0)
		json_object_object_get_ex(params, name, &v);
	return v;
}

const char *wisj_param_str(json_object *params, const char *name, const char *dflt)
{
	json_object *v = wisj_param(params, name);
	return v ? json_object_get_string(v) : dflt;
}

int64_t wisj_param_int(json_object *params, const char *name, int64_t dflt)
{
	json_object *v = wisj_param(params, name);
	if (!v)
		return dflt;
	if (json_object_is_type(v, json_type_boolean))
		return json_object_get_boolean(v);
	return json_object_get_int64(v);
}

/* Value index of an enum param (validated against the same names). */
uint8_t wisj_param_enum(json_object *params, const char *name, const char *const *names,
                        const char *dflt)
{
	int i = wis_name_index(names, wisj_param_str(params, name, dflt));
	return (uint8_t)(i < 0 ? 0 : i);
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
	/* The name the pin's operations are keyed on (an alias such as P0.03
	 * or a second name of the same pin maps to it). */
	const struct wis_pin_def *q = wis_pin_by_nrf(t, n, p->nrf);
	snprintf(buf, cap, "%s", q ? q->name : p->name);
	return 0;
}

int wisj_res_canonical(wis_device *dev, const char *name, char *buf, size_t cap,
                       struct wisj_error *e)
{
	int kind = wis_res_parse(name);
	if (kind > WIS_RES_PIN) {
		snprintf(buf, cap, "%s", name);
		return kind;
	}
	/* "pin:IO1", or a bare pin name as shorthand for it. */
	const char *pin = kind == WIS_RES_PIN ? name + 4 : name;
	char canon[WISJ_RES_MAX - 4];
	if (wisj_pin_canonical(dev, pin, canon, sizeof canon, e) < 0) {
		if (kind < 0) {
			char msg[sizeof e->message];
			snprintf(msg, sizeof msg, "%s", e->message);
			wisj_error_set(e, WISJ_INVALID_PARAMS,
			               "%s (resources: pin:NAME, radio, flash, i2c1, i2c2, spi, "
			               "uart0, uart1)",
			               msg);
		}
		return -1;
	}
	snprintf(buf, cap, "pin:%s", canon);
	return WIS_RES_PIN;
}

int wisj_plan_add(struct wisj_plan *p, wis_device *dev, uint16_t opcode, const uint8_t *req,
                  size_t len, struct wisj_error *e)
{
	const struct wis_op_desc *d = wis_op_find(opcode);
	if (!d) {
		wisj_error_set(e, WISJ_INTERNAL_ERROR, "opcode 0x%04x is not in the table", opcode);
		return -1;
	}
	if (p->n >= WISJ_MAX_STEPS) {
		wisj_error_set(e, WISJ_INVALID_PARAMS, "too many operations in one call (max %d)",
		               WISJ_MAX_STEPS);
		return -1;
	}
	/* 5 bytes of batch step framing per step keep a BATCH within a frame;
	 * a plan of one step goes out as a plain request and may fill it (a
	 * 1019-byte uart.write, a 1016-byte flash.write). */
	size_t framing = p->n ? 5u * (unsigned)(p->n + 1) + 2 : 0;
	if (p->used + len + framing > sizeof p->buf) {
		wisj_error_set(e, WISJ_INVALID_PARAMS, "request too large for one device frame");
		return -1;
	}
	struct wisj_step *s = &p->steps[p->n];
	size_t npins = 0;
	const struct wis_pin_def *pins = dev ? wis_get_pins(dev, &npins) : wis_pins_rak4631(&npins);
	if (wis_op_resource(d, req, len, pins, npins, s->res, sizeof s->res) < 0) {
		wisj_error_set(e, WISJ_INTERNAL_ERROR, "%s: request too short to name its pin",
		               d->name);
		return -1;
	}
	p->n++;
	s->op = d;
	s->off = (uint16_t)p->used;
	s->len = (uint16_t)len;
	if (len)
		memcpy(p->buf + p->used, req, len);
	p->used += len;
	return 0;
}

const char *wisj_step_pin(const struct wisj_step *s)
{
	return strncmp(s->res, "pin:", 4) == 0 ? s->res + 4 : "";
}

int wisj_each_pin(json_object *v, int (*fn)(void *, const char *, struct wisj_error *), void *u,
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

int wisj_pin_arg(wis_device *dev, const char *name, unsigned fn, struct wisj_error *e)
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

/* The param of m sent as field f of opcode op, or NULL. */
int wisj_plan_fields(struct wisj_plan *p, wis_device *dev, uint16_t op, const union wis_val *v,
                     struct wisj_error *e)
{
	uint8_t req[WIS_MAX_PAYLOAD];
	const struct wis_op_desc *d = wis_op_find(op);
	size_t n = wis_op_encode(op, v, req, sizeof req);
	if (!d || (d->nreq && n == 0)) {
		/* Parameters were checked before: a value that does not encode
		 * is this code's mistake, not the caller's. */
		wisj_error_set(e, WISJ_INTERNAL_ERROR, "%s request does not encode",
		               wis_op_name(op));
		return -1;
	}
	return wisj_plan_add(p, dev, op, req, n, e);
}

static const struct wisj_param *param_for(const struct wisj_method *m, uint16_t op,
                                          const struct wis_field *f)
{
	for (const struct wisj_param *q = m->params; q && q->name; q++)
		if (q->op == op && q->field && !strcmp(q->field, f->name))
			return q;
	return NULL;
}

int wisj_fields_plan(wis_device *dev, json_object *params, struct wisj_plan *p,
                     struct wisj_error *e)
{
	const struct wis_op_desc *d = wis_op_find(p->m->ops[0]);
	union wis_val v[WIS_OP_MAX_FIELDS];
	for (unsigned i = 0; d && i < d->nreq; i++) {
		const struct wis_field *f = &d->req[i];
		const struct wisj_param *q = param_for(p->m, d->opcode, f);
		json_object *j = q ? wisj_param(params, q->name) : NULL;
		if (f->type > WIS_FT_I32 || (!q && f->min != 0)) {
			wisj_error_set(e, WISJ_INTERNAL_ERROR, "%s: field %s has no param",
			               p->m->name, f->name);
			return -1;
		}
		if (!j)
			v[i].u = f->min;
		else if (q->type == WISJ_T_ENUM)
			v[i].u = (uint64_t)wis_name_index(f->names, json_object_get_string(j));
		else
			v[i].u = (uint64_t)json_object_get_int64(j);
	}
	return wisj_plan_fields(p, dev, p->m->ops[0], v, e);
}

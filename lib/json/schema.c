/*
 * wisjson schema side: errors as JSON-RPC error objects, parameter
 * validation against each method's schema, and the discovery document
 * (rpc.discover).  Validation is strict so that a misspelt parameter is
 * reported instead of silently ignored.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "wisjson_int.h"

const char *const wisj_topics[] = {"gpio.edge", "device.state", "log",        "radio.rx",
                                   "radio.tx",  "uart.rx",      "diag.event", NULL};

const char *wisj_status_name(int code)
{
	if (code <= 0 && code > -WIS_ST__COUNT)
		return wis_name_of(wis_status_names, (unsigned)-code);
	switch (code) {
	case WIS_E_TIMEOUT:
		return "TIMEOUT";
	case WIS_E_IO:
		return "IO";
	case WIS_E_DISCONNECTED:
		return "DISCONNECTED";
	case WIS_E_NOMEM:
		return "NOMEM";
	case WIS_E_INVAL:
		return "INVAL";
	case WIS_E_PROTO:
		return "PROTO";
	case WIS_E_NOT_FOUND:
		return "NOT_FOUND";
	case WIS_E_UNKNOWN_PIN:
		return "UNKNOWN_PIN";
	case WIS_E_NOT_IO:
		return "NOT_IO";
	case WIS_E_WINDOW_FULL:
		return "WINDOW_FULL";
	case WIS_E_CLOSED:
		return "CLOSED";
	case WIS_E_VERSION:
		return "VERSION";
	case WIS_E_TOO_BIG:
		return "TOO_BIG";
	case WIS_E_CANCELLED:
		return "CANCELLED";
	case WIS_E_IN_USE:
		return "IN_USE";
	case WIS_E_REGULATION:
		return "REGULATION";
	case WIS_E_RESET:
		return "RESET";
	default:
		return "UNKNOWN";
	}
}

void wisj_error_clear(struct wisj_error *e)
{
	if (e->data)
		json_object_put(e->data);
	memset(e, 0, sizeof *e);
}

void wisj_error_set(struct wisj_error *e, int code, const char *fmt, ...)
{
	va_list ap;
	e->code = code;
	va_start(ap, fmt);
	int n = vsnprintf(e->message, sizeof e->message, fmt, ap);
	va_end(ap);
	/* Cut short: not inside a UTF-8 sequence (a long method name echoed). */
	if (n >= (int)sizeof e->message) {
		size_t end = sizeof e->message - 1, k = end - 1;
		while (k && ((unsigned char)e->message[k] & 0xc0) == 0x80)
			k--;
		unsigned char c = (unsigned char)e->message[k];
		size_t len = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
		if (k + len > end)
			e->message[k] = 0;
	}
}

size_t wisj_detail(const uint8_t *p, size_t len, char *buf, size_t cap)
{
	/* libwisrpc hands over the device's detail as bare text; keep it one
	 * printable line, since it ends up in a JSON message and a log line. */
	size_t n = 0;
	for (size_t i = 0; p && i < len && n + 1 < cap; i++)
		buf[n++] = (p[i] >= 0x20 && p[i] < 0x7f) ? (char)p[i] : '?';
	if (cap)
		buf[n] = 0;
	return n;
}

void wisj_error_from_wis(struct wisj_error *e, int wis_code, const char *detail)
{
	int code;
	if ((wis_code < 0 && wis_code > -WIS_ST__COUNT) || wis_code == WIS_E_REGULATION)
		code = WISJ_DEVICE_ERROR; /* the radio rules refuse on the device's behalf */
	else if (wis_code == WIS_E_TIMEOUT)
		code = WISJ_TIMEOUT;
	else if (wis_code == WIS_E_DISCONNECTED || wis_code == WIS_E_CLOSED ||
	         wis_code == WIS_E_CANCELLED || wis_code == WIS_E_NOT_FOUND ||
	         wis_code == WIS_E_RESET || wis_code == WIS_E_IN_USE)
		code = WISJ_UNAVAILABLE;
	else if (wis_code == WIS_E_UNKNOWN_PIN || wis_code == WIS_E_NOT_IO ||
	         wis_code == WIS_E_INVAL)
		code = WISJ_INVALID_PARAMS;
	else if (wis_code == WIS_E_WINDOW_FULL)
		code = WISJ_OVERLOADED;
	else
		code = WISJ_HOST_ERROR;
	const char *what = wis_strerror(wis_code);
	if (detail && *detail)
		wisj_error_set(e, code, "%s", detail);
	else if (code == WISJ_DEVICE_ERROR)
		wisj_error_set(e, code, "device refused: %s", what);
	else
		wisj_error_set(e, code, "%s", what);
	if (e->data)
		json_object_put(e->data);
	e->data = json_object_new_object();
	json_object_object_add(e->data, "status",
	                       json_object_new_string(wisj_status_name(wis_code)));
	json_object_object_add(e->data, "wis_code", json_object_new_int(wis_code));
	if (detail && *detail)
		json_object_object_add(e->data, "detail", json_object_new_string(detail));
}

void wisj_error_flash_range(struct wisj_error *e, const char *detail)
{
	wisj_error_from_wis(e, -WIS_ST_BAD_ARG, detail);
	e->code = WISJ_INVALID_PARAMS;
}

json_object *wisj_error_to_json(struct wisj_error *e)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "code", json_object_new_int(e->code));
	json_object_object_add(o, "message", json_object_new_string(e->message));
	if (e->data) {
		json_object_object_add(o, "data", e->data);
		e->data = NULL;
	}
	return o;
}

/* ---- validation ------------------------------------------------------------ */

static const char *type_name(enum wisj_type t)
{
	switch (t) {
	case WISJ_T_STRING:
		return "string";
	case WISJ_T_INT:
		return "integer";
	case WISJ_T_BOOL:
		return "boolean";
	case WISJ_T_ENUM:
		return "string (enum)";
	case WISJ_T_PIN:
		return "pin name";
	case WISJ_T_PINS:
		return "pin name or array of pin names";
	case WISJ_T_LEVELS:
		return "object of pin name -> 0|1";
	case WISJ_T_STRINGS:
		return "string or array of strings";
	case WISJ_T_STEPS:
		return "array of {method, params}";
	}
	return "?";
}

static bool is_level(json_object *v)
{
	if (json_object_is_type(v, json_type_boolean))
		return true;
	if (!json_object_is_type(v, json_type_int))
		return false;
	int64_t n = json_object_get_int64(v);
	return n == 0 || n == 1;
}

/* A name (pin, topic, mode) with "\u0000" in it would be cut short by
 * every C string function it meets, and quietly match another name. */
static bool has_nul(json_object *v)
{
	if (json_object_is_type(v, json_type_string))
		return strlen(json_object_get_string(v)) != (size_t)json_object_get_string_len(v);
	if (json_object_is_type(v, json_type_array))
		for (size_t i = 0; i < json_object_array_length(v); i++)
			if (has_nul(json_object_array_get_idx(v, i)))
				return true;
	return false;
}

const struct wis_field *wisj_param_field(const struct wisj_param *p)
{
	if (!p->field)
		return NULL;
	const struct wis_op_desc *d = wis_op_find(p->op);
	int i = d ? wis_field_index(d->req, d->nreq, p->field) : -1;
	return i < 0 ? NULL : &d->req[i];
}

/* An ENUM param's values: its wire field's names, else its own list. */
static const char *const *param_enum(const struct wisj_param *p)
{
	const struct wis_field *f = wisj_param_field(p);
	return f && f->names ? f->names : p->enum_values;
}

/* An INT param's range: its wire field's, else its own. */
static void param_range(const struct wisj_param *p, int64_t *min, int64_t *max)
{
	const struct wis_field *f = wisj_param_field(p);
	*min = f ? (int64_t)f->min : p->min;
	*max = f ? (int64_t)f->max : p->max;
}

static bool check_int(const struct wisj_param *p, json_object *v, struct wisj_error *e)
{
	int64_t n = json_object_get_int64(v), min, max;
	param_range(p, &min, &max);
	if (n >= min && n <= max)
		return true;
	wisj_error_set(e, WISJ_INVALID_PARAMS, "parameter '%s' = %lld is out of range %lld..%lld",
	               p->name, (long long)n, (long long)min, (long long)max);
	return false;
}

static bool check_enum(const struct wisj_param *p, json_object *v, struct wisj_error *e)
{
	const char *s = json_object_get_string(v);
	const char *const *values = param_enum(p);
	if (wis_name_index(values, s) >= 0)
		return true;
	char list[160] = "";
	for (const char *const *ev = values; *ev; ev++) {
		if (*list)
			strncat(list, ", ", sizeof list - strlen(list) - 1);
		strncat(list, *ev, sizeof list - strlen(list) - 1);
	}
	wisj_error_set(e, WISJ_INVALID_PARAMS, "parameter '%s': '%s' is not one of %s", p->name, s,
	               list);
	return false;
}

static bool check_value(const struct wisj_param *p, json_object *v, struct wisj_error *e)
{
	if (p->type != WISJ_T_STRING && has_nul(v)) {
		wisj_error_set(e, WISJ_INVALID_PARAMS, "parameter '%s' contains a NUL character",
		               p->name);
		return false;
	}
	switch (p->type) {
	case WISJ_T_STRING:
	case WISJ_T_PIN:
		if (json_object_is_type(v, json_type_string))
			return true;
		break;
	case WISJ_T_INT:
		if (json_object_is_type(v, json_type_int))
			return check_int(p, v, e);
		break;
	case WISJ_T_BOOL:
		if (json_object_is_type(v, json_type_boolean))
			return true;
		break;
	case WISJ_T_ENUM:
		if (json_object_is_type(v, json_type_string))
			return check_enum(p, v, e);
		break;
	case WISJ_T_PINS:
	case WISJ_T_STRINGS:
		if (json_object_is_type(v, json_type_string))
			return true;
		if (json_object_is_type(v, json_type_array)) {
			size_t n = json_object_array_length(v);
			if (n == 0) {
				wisj_error_set(e, WISJ_INVALID_PARAMS, "parameter '%s' is empty",
				               p->name);
				return false;
			}
			for (size_t i = 0; i < n; i++)
				if (!json_object_is_type(json_object_array_get_idx(v, i),
				                         json_type_string))
					goto bad;
			return true;
		}
		break;
	case WISJ_T_LEVELS:
		if (json_object_is_type(v, json_type_object)) {
			if (json_object_object_length(v) == 0) {
				wisj_error_set(e, WISJ_INVALID_PARAMS, "parameter '%s' is empty",
				               p->name);
				return false;
			}
			json_object_object_foreach(v, key, val)
			{
				if (!is_level(val)) {
					wisj_error_set(e, WISJ_INVALID_PARAMS,
					               "parameter '%s': value of %s must be 0 or 1",
					               p->name, key);
					return false;
				}
			}
			return true;
		}
		break;
	case WISJ_T_STEPS:
		if (json_object_is_type(v, json_type_array)) {
			size_t n = json_object_array_length(v);
			if (n == 0 || n > WISJ_MAX_STEPS) {
				wisj_error_set(e, WISJ_INVALID_PARAMS,
				               "parameter '%s' needs 1..%d steps", p->name,
				               WISJ_MAX_STEPS);
				return false;
			}
			for (size_t i = 0; i < n; i++) {
				json_object *st = json_object_array_get_idx(v, i), *m;
				if (!json_object_is_type(st, json_type_object) ||
				    !json_object_object_get_ex(st, "method", &m) ||
				    !json_object_is_type(m, json_type_string)) {
					wisj_error_set(e, WISJ_INVALID_PARAMS,
					               "batch step %zu: needs {\"method\": NAME, "
					               "\"params\": {...}}",
					               i);
					return false;
				}
				/* A misspelt "params" would otherwise run the step
				 * with no params at all. */
				json_object_object_foreach(st, key, val)
				{
					(void)val;
					if (strcmp(key, "method") && strcmp(key, "params")) {
						wisj_error_set(e, WISJ_INVALID_PARAMS,
						               "batch step %zu: unknown member "
						               "\"%s\" (only method and params)",
						               i, key);
						return false;
					}
				}
			}
			return true;
		}
		break;
	}
bad:;
	/* The empty statement: C11 allows no declaration right after a
	 * label (gcc lets it pass, clang refuses it). */
	const char *tn = type_name(p->type);
	wisj_error_set(e, WISJ_INVALID_PARAMS, "parameter '%s' must be %s %s", p->name,
	               strchr("aeiou", tn[0]) ? "an" : "a", tn);
	return false;
}

json_object *wisj_params_check(const wisj_method *m, json_object *params, struct wisj_error *e)
{
	json_object *obj;
	size_t np = 0;
	for (const struct wisj_param *p = m->params; p && p->name; p++)
		np++;
	if (!params || json_object_is_type(params, json_type_null)) {
		/* No params, the common case: one shared empty object rather
		 * than a new one per call (a json-c object costs a hash table).
		 * Normalised params are read, never changed (dispatch.c's watch
		 * params, the one exception, always have a pin); should one ever
		 * get a member, it is left to its holders and a new one made. */
		static json_object *empty;
		if (empty && json_object_object_length(empty) != 0) {
			json_object_put(empty);
			empty = NULL;
		}
		if (!empty)
			empty = json_object_new_object();
		obj = json_object_get(empty);
		if (!obj) {
			wisj_error_set(e, WISJ_INTERNAL_ERROR, "out of memory");
			return NULL;
		}
	} else if (json_object_is_type(params, json_type_array)) {
		/* By-position params map onto the schema order. */
		size_t n = json_object_array_length(params);
		if (n > np) {
			wisj_error_set(e, WISJ_INVALID_PARAMS,
			               "%s takes at most %zu parameters, got %zu", m->name, np, n);
			return NULL;
		}
		obj = json_object_new_object();
		for (size_t i = 0; i < n; i++)
			json_object_object_add(
			    obj, m->params[i].name,
			    json_object_get(json_object_array_get_idx(params, i)));
	} else if (json_object_is_type(params, json_type_object)) {
		obj = json_object_get(params);
	} else {
		wisj_error_set(e, WISJ_INVALID_PARAMS, "params must be an object or an array");
		return NULL;
	}
	json_object_object_foreach(obj, key, val)
	{
		const struct wisj_param *p = m->params;
		while (p && p->name && strcmp(p->name, key) != 0)
			p++;
		if (!p || !p->name) {
			wisj_error_set(e, WISJ_INVALID_PARAMS, "%s has no parameter '%s'", m->name,
			               key);
			goto fail;
		}
		if (!check_value(p, val, e))
			goto fail;
	}
	for (const struct wisj_param *p = m->params; p && p->name; p++)
		if (p->required && !json_object_object_get_ex(obj, p->name, NULL)) {
			wisj_error_set(e, WISJ_INVALID_PARAMS, "%s needs parameter '%s' (%s)",
			               m->name, p->name, type_name(p->type));
			goto fail;
		}
	return obj;
fail:
	json_object_put(obj);
	return NULL;
}

/* ---- discovery ------------------------------------------------------------- */

static json_object *param_schema(const struct wisj_param *p)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "name", json_object_new_string(p->name));
	json_object_object_add(o, "type", json_object_new_string(type_name(p->type)));
	json_object_object_add(o, "required", json_object_new_boolean(p->required));
	if (p->type == WISJ_T_ENUM) {
		json_object *a = json_object_new_array();
		for (const char *const *ev = param_enum(p); *ev; ev++)
			json_object_array_add(a, json_object_new_string(*ev));
		json_object_object_add(o, "enum", a);
	}
	if (p->type == WISJ_T_INT) {
		int64_t min, max;
		param_range(p, &min, &max);
		json_object_object_add(o, "minimum", json_object_new_int64(min));
		json_object_object_add(o, "maximum", json_object_new_int64(max));
	}
	/* Every pin or step is one operation of one device BATCH, so
	 * their number has the BATCH's limits (a single name is one item). */
	if (p->type == WISJ_T_PINS || p->type == WISJ_T_STEPS) {
		json_object_object_add(o, "minItems", json_object_new_int(1));
		json_object_object_add(o, "maxItems", json_object_new_int(WISJ_MAX_STEPS));
	}
	json_object_object_add(o, "description", json_object_new_string(p->doc));
	return o;
}

json_object *wisj_discover(void)
{
	json_object *root = json_object_new_object(), *ms = json_object_new_array();
	for (size_t i = 0; i < wisj_method_count; i++) {
		const struct wisj_method *m = &wisj_methods[i];
		json_object *o = json_object_new_object(), *ps = json_object_new_array();
		json_object_object_add(o, "name", json_object_new_string(m->name));
		json_object_object_add(o, "description", json_object_new_string(m->doc));
		for (const struct wisj_param *p = m->params; p && p->name; p++)
			json_object_array_add(ps, param_schema(p));
		json_object_object_add(o, "params", ps);
		json_object_object_add(o, "result", json_object_new_string(m->result_doc));
		json_object_object_add(o, "device",
		                       json_object_new_boolean(m->flags & WISJ_M_DEVICE));
		json_object_object_add(o, "batchable",
		                       json_object_new_boolean(m->flags & WISJ_M_BATCHABLE));
		json_object_object_add(o, "ownership",
		                       json_object_new_boolean(wisj_method_changes(m)));
		json_object_object_add(o, "permission",
		                       json_object_new_string(wisj_perm_name(wisj_method_perm(m))));
		json_object_array_add(ms, o);
	}
	json_object_object_add(root, "methods", ms);
	json_object *ts = json_object_new_array();
	for (const char *const *t = wisj_topics; *t; t++)
		json_object_array_add(ts, json_object_new_string(*t));
	json_object_object_add(root, "topics", ts);
	json_object_object_add(root, "version", json_object_new_string(WIS_LIB_VERSION));
	return root;
}

const wisj_method *wisj_method_find(const char *name)
{
	/* The first letter first: a call of strcmp per method costs more. */
	for (size_t i = 0; i < wisj_method_count; i++)
		if (wisj_methods[i].name[0] == name[0] && strcmp(wisj_methods[i].name, name) == 0)
			return &wisj_methods[i];
	return NULL;
}

const char *wisj_method_name(const wisj_method *m)
{
	return m->name;
}

unsigned wisj_method_flags(const wisj_method *m)
{
	return m->flags;
}

unsigned wisj_method_perm(const wisj_method *m)
{
	unsigned perm = m->ops[0] ? WIS_PERM_READ : m->perm;
	for (int i = 0; i < WISJ_METHOD_OPS && m->ops[i]; i++) {
		const struct wis_op_desc *d = wis_op_find(m->ops[i]);
		if (d && d->perm > perm)
			perm = d->perm;
	}
	return perm;
}

bool wisj_method_changes(const wisj_method *m)
{
	for (int i = 0; i < WISJ_METHOD_OPS && m->ops[i]; i++) {
		const struct wis_op_desc *d = wis_op_find(m->ops[i]);
		if (d && (d->flags & WIS_OPF_CHANGES))
			return true;
	}
	return false;
}

const char *wisj_perm_name(unsigned perm)
{
	static const char *const names[] = {"read", "control", "admin", NULL};
	return wis_name_of(names, perm);
}

int wisj_table_check(char *err, size_t cap)
{
	for (size_t i = 0; i < wisj_method_count; i++) {
		const struct wisj_method *m = &wisj_methods[i];
		for (int k = 0; k < WISJ_METHOD_OPS && m->ops[k]; k++)
			if (!wis_op_find(m->ops[k])) {
				snprintf(err, cap, "%s: opcode 0x%04x is not in the opcode table",
				         m->name, m->ops[k]);
				return -1;
			}
		for (const struct wisj_param *p = m->params; p && p->name; p++)
			if (p->field && !wisj_param_field(p)) {
				snprintf(err, cap,
				         "%s: param %s: no wire field %s in opcode 0x%04x", m->name,
				         p->name, p->field, p->op);
				return -1;
			}
	}
	return 0;
}

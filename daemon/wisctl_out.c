/*
 * wisctl human output (see wisctl_out.h).  Output is flushed per line so a
 * pipe to another program sees each event as it happens.
 */
#include "wisctl_out.h"

#include <string.h>
#include <strings.h>

void out_json(FILE *f, json_object *o)
{
	fprintf(f, "%s\n",
	        json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
	                                              JSON_C_TO_STRING_NOSLASHESCAPE));
	fflush(f);
}

static void value_str(json_object *v, char *buf, size_t cap)
{
	if (json_object_is_type(v, json_type_array)) {
		size_t n = json_object_array_length(v), off = 0;
		buf[0] = 0;
		for (size_t i = 0; i < n && off < cap; i++)
			off += (size_t)snprintf(
			    buf + off, cap - off, "%s%s", i ? ", " : "",
			    json_object_get_string(json_object_array_get_idx(v, i)));
	} else if (json_object_is_type(v, json_type_object)) {
		snprintf(buf, cap, "%s",
		         json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN |
		                                               JSON_C_TO_STRING_NOSLASHESCAPE));
	} else {
		snprintf(buf, cap, "%s", v ? json_object_get_string(v) : "null");
	}
}

void out_kv(FILE *f, json_object *o)
{
	char buf[512];
	if (!json_object_is_type(o, json_type_object)) {
		out_json(f, o);
		return;
	}
	json_object_object_foreach(o, k, v)
	{
		value_str(v, buf, sizeof buf);
		fprintf(f, "%s: %s\n", k, buf);
	}
	fflush(f);
}

static const char *field(json_object *o, const char *k, const char *dflt)
{
	json_object *v;
	return json_object_object_get_ex(o, k, &v) && v ? json_object_get_string(v) : dflt;
}

void out_pins(FILE *f, json_object *result)
{
	json_object *pins;
	if (!json_object_object_get_ex(result, "pins", &pins)) {
		out_json(f, result);
		return;
	}
	fprintf(f, "%-10s %-3s %-3s %-6s %-10s %-26s %-6s %-17s %-5s %s\n", "NAME", "CON", "PAD",
	        "NRF", "ALIAS", "FUNCTIONS", "OWNER", "MODE", "LEVEL", "CLAIMED BY");
	size_t n = json_object_array_length(pins);
	for (size_t i = 0; i < n; i++) {
		json_object *p = json_object_array_get_idx(pins, i), *fn;
		char funcs[128] = "";
		if (json_object_object_get_ex(p, "functions", &fn))
			value_str(fn, funcs, sizeof funcs);
		/* ALIAS: the module pad's name when it is not the pin's own. */
		const char *alias = field(p, "pad_name", "-");
		if (!strcasecmp(alias, field(p, "name", "?")))
			alias = "-";
		if (!strcmp(field(p, "kind", "IO"), "IO")) {
			fprintf(f, "%-10s %-3s %-3s %-6s %-10s %-26s %-6s %-17s %-5s %s\n",
			        field(p, "name", "?"), field(p, "connector", "-"),
			        field(p, "pad", "-"), field(p, "nrf", "-"), alias, funcs,
			        field(p, "owner", "?"), field(p, "mode", "?"),
			        field(p, "level", "?"), field(p, "claimed_by", ""));
		} else {
			fprintf(f, "%-10s %-3s %-3s %-6s %-10s %s\n", field(p, "name", "?"),
			        field(p, "connector", "-"), field(p, "pad", "-"), "-", alias,
			        field(p, "kind", "?"));
		}
	}
	fflush(f);
}

void out_levels(FILE *f, json_object *result)
{
	json_object_object_foreach(result, k, v) fprintf(f, "%s=%d\n", k, json_object_get_int(v));
	fflush(f);
}

void out_adc(FILE *f, json_object *result)
{
	json_object_object_foreach(result, k, v)
	{
		json_object *mv;
		if (json_object_object_get_ex(v, "millivolts", &mv))
			fprintf(f, "%s=%dmV\n", k, json_object_get_int(mv));
	}
	fflush(f);
}

void out_edge(FILE *f, json_object *p)
{
	json_object *t;
	char ts[32] = "-"; /* no host time yet (module clock not mapped) */
	if (json_object_object_get_ex(p, "time", &t))
		snprintf(ts, sizeof ts, "%.6f", json_object_get_double(t));
	fprintf(f, "%s=%s %s %s\n", field(p, "pin", "?"), field(p, "level", "?"),
	        field(p, "edge", "?"), ts);
	json_object *lost;
	if (json_object_object_get_ex(p, "lost", &lost) && json_object_get_int64(lost) > 0)
		fprintf(f, "(%lld events lost before this one)\n",
		        (long long)json_object_get_int64(lost));
	fflush(f);
}

void out_notification(FILE *f, json_object *n)
{
	json_object *p = NULL;
	json_object_object_get_ex(n, "params", &p);
	fprintf(f, "%s %s\n", field(n, "method", "?"),
	        p ? json_object_to_json_string_ext(p, JSON_C_TO_STRING_PLAIN |
	                                                  JSON_C_TO_STRING_NOSLASHESCAPE)
	          : "{}");
	fflush(f);
}

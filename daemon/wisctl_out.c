/*
 * wisctl human output (see wisctl_out.h).  Output is flushed per line so a
 * pipe to another program sees each event as it happens.
 */
#include "wisctl_out.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "ops.h"

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
	/* Not gpio.get's shape (it crashed here): shown as it came. */
	if (!json_object_is_type(result, json_type_object)) {
		out_json(f, result);
		return;
	}
	json_object_object_foreach(result, k, v) fprintf(f, "%s=%d\n", k, json_object_get_int(v));
	fflush(f);
}

/* One "NAME":LEVEL of out_levels_text's input at *p (below end): the name's
 * and the level's spans; *p moved past it.  False if it is not that. */
static bool level_item(const char **p, const char *end, const char **name, int *nlen,
                       const char **lv, int *lvlen)
{
	const char *s = *p;
	if (s >= end || *s++ != '"')
		return false;
	*name = s;
	while (s < end && *s != '"' && *s != '\\' && (unsigned char)*s >= 0x20)
		s++;
	if (end - s < 3 || s[0] != '"' || s[1] != ':')
		return false;
	*nlen = (int)(s - *name);
	*lv = s += 2;
	while (s < end && *s >= '0' && *s <= '9')
		s++;
	*lvlen = (int)(s - *lv);
	if (*lvlen < 1 || *lvlen > 9 || (**lv == '0' && *lvlen > 1))
		return false;
	*p = s;
	return true;
}

bool out_levels_text(const char *r, size_t len, void *file)
{
	enum { MAX_PINS = 64 };
	struct {
		const char *name, *lv;
		int nlen, lvlen;
	} it[MAX_PINS];
	if (len < 2 || r[0] != '{' || r[len - 1] != '}')
		return false;
	/* All of it is checked before anything is printed. */
	size_t n = 0;
	const char *p = r + 1, *end = r + len - 1; /* inside the braces */
	while (p < end) {
		if (n == MAX_PINS || (n && *p++ != ',') ||
		    !level_item(&p, end, &it[n].name, &it[n].nlen, &it[n].lv, &it[n].lvlen))
			return false;
		for (size_t j = 0; j < n; j++)
			if (it[j].nlen == it[n].nlen &&
			    !strncmp(it[j].name, it[n].name, (size_t)it[n].nlen))
				return false;
		n++;
	}
	/* The lines in one buffer (the items fit in len + n) and one write(),
	 * past stdio: printf's machinery, and the buffer stdio would allocate
	 * (and fstat to size) for stdout, are a few pages of libc that the
	 * one-call path would fault in for these few bytes.  stdout is flushed
	 * first, though every printer here leaves it empty. */
	char *out = malloc(len + n), *o = out;
	for (size_t i = 0; i < n; i++) {
		memcpy(o, it[i].name, (size_t)it[i].nlen);
		o += it[i].nlen;
		*o++ = '=';
		memcpy(o, it[i].lv, (size_t)it[i].lvlen);
		o += it[i].lvlen;
		*o++ = '\n';
	}
	fflush(file);
	for (const char *w = out; w < o;) {
		ssize_t k = write(fileno(file), w, (size_t)(o - w));
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break; /* as stdio would: nothing to tell the user here */
		w += k;
	}
	free(out);
	return true;
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

/* An event's host time ("time", Unix seconds) as local time with µs,
 * "2026-11-30T01:02:03.123456"; "-" while the module's clock is not mapped
 * (no "time" member).  The JSON keeps the number. */
static void local_time(json_object *p, char *buf, size_t cap)
{
	json_object *t;
	snprintf(buf, cap, "-");
	if (!json_object_object_get_ex(p, "time", &t))
		return;
	double secs = json_object_get_double(t);
	time_t whole = (time_t)secs;
	long us = (long)((secs - (double)whole) * 1e6 + 0.5);
	if (us >= 1000000) {
		whole++;
		us -= 1000000;
	}
	struct tm tm;
	char date[40];
	if (!localtime_r(&whole, &tm) || !strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &tm))
		return;
	snprintf(buf, cap, "%s.%06ld", date, us);
}

void out_edge(FILE *f, json_object *p)
{
	char ts[64];
	local_time(p, ts, sizeof ts);
	fprintf(f, "%s=%s %s %s\n", field(p, "pin", "?"), field(p, "level", "?"),
	        field(p, "edge", "?"), ts);
	json_object *lost;
	if (json_object_object_get_ex(p, "lost", &lost) && json_object_get_int64(lost) > 0)
		fprintf(f, "(%lld events lost before this one)\n",
		        (long long)json_object_get_int64(lost));
	fflush(f);
}

/* Members every event carries that the human line shows otherwise (the
 * time up front) or not at all. */
static bool hidden_member(const char *k)
{
	return !strcmp(k, "time") || !strcmp(k, "monotonic") || !strcmp(k, "error_us");
}

void out_notification(FILE *f, json_object *n)
{
	json_object *p = NULL;
	json_object_object_get_ex(n, "params", &p);
	char ts[64];
	local_time(p, ts, sizeof ts);
	fprintf(f, "%s %s", ts, field(n, "method", "?"));
	if (p && json_object_is_type(p, json_type_object)) {
		json_object_object_foreach(p, k, v)
		{
			if (hidden_member(k))
				continue;
			char buf[512];
			if (!strcmp(k, "cause") && json_object_is_type(v, json_type_int))
				snprintf(buf, sizeof buf, "%s",
				         wis_name_of(wis_reset_cause_names,
				                     (unsigned)json_object_get_int(v)));
			else
				value_str(v, buf, sizeof buf);
			fprintf(f, strpbrk(buf, " \t") ? " %s=\"%s\"" : " %s=%s", k, buf);
		}
	}
	fputc('\n', f);
	fflush(f);
}

/* True if every member of o is an empty object (wisd's components with
 * nothing to report): printed as their names. */
static bool names_only(json_object *o)
{
	json_object_object_foreach(o, k, v)
	{
		(void)k;
		if (!json_object_is_type(v, json_type_object) || json_object_object_length(v))
			return false;
	}
	return true;
}

static void status_lines(FILE *f, const char *prefix, json_object *o)
{
	json_object_object_foreach(o, k, v)
	{
		char key[128], buf[512];
		snprintf(key, sizeof key, "%s%s%s", prefix, *prefix ? "." : "", k);
		if (json_object_is_type(v, json_type_object) && !names_only(v)) {
			status_lines(f, key, v);
			continue;
		}
		if (json_object_is_type(v, json_type_object)) {
			size_t off = 0;
			buf[0] = 0;
			json_object_object_foreach(v, name, unused)
			{
				(void)unused;
				off += (size_t)snprintf(buf + off, sizeof buf - off, "%s%s",
				                        off ? ", " : "", name);
				if (off >= sizeof buf)
					break;
			}
		} else {
			value_str(v, buf, sizeof buf);
		}
		fprintf(f, "%s: %s\n", key, buf);
	}
}

void out_status(FILE *f, json_object *o)
{
	if (!json_object_is_type(o, json_type_object)) {
		out_json(f, o);
		return;
	}
	status_lines(f, "", o);
	fflush(f);
}

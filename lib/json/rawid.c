/*
 * wisjson raw ids: JSON-RPC ids are echoed exactly as the client wrote
 * them.  json-c keeps the value, not the text: -0 would come back as 0,
 * "\u0041" as "A" and a lone "\ud800" as U+FFFD.  So wisd finds each
 * request's "id" member in the line it parsed (wisj_id_spans) and answers
 * with a JSON value that prints as that text (wisj_raw_json).
 *
 * The scanner runs only on a line wisj_parse accepted, so it can assume
 * well-formed JSON within the depth limit.
 */
#include <json-c/printbuf.h>
#include <stdlib.h>
#include <string.h>

#include "wisjson_int.h"

static size_t skip_ws(const char *s, size_t i, size_t len)
{
	while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n'))
		i++;
	return i;
}

static size_t skip_string(const char *s, size_t i, size_t len)
{
	for (i++; i < len && s[i] != '"'; i++)
		if (s[i] == '\\')
			i++;
	return i + 1;
}

static size_t skip_value(const char *s, size_t i, size_t len)
{
	if (i >= len)
		return len;
	if (s[i] == '"')
		return skip_string(s, i, len);
	if (s[i] == '{' || s[i] == '[') {
		char close = s[i] == '{' ? '}' : ']';
		i = skip_ws(s, i + 1, len);
		while (i < len && s[i] != close) {
			if (close == '}') {
				i = skip_string(s, i, len);
				i = skip_ws(s, i, len) + 1; /* ':' */
				i = skip_ws(s, i, len);
			}
			i = skip_ws(s, skip_value(s, i, len), len);
			if (i < len && s[i] == ',')
				i = skip_ws(s, i + 1, len);
		}
		return i + 1;
	}
	while (i < len && !strchr(",]} \t\r\n", s[i]))
		i++; /* number or literal */
	return i;
}

/* Is the raw member name s[a..b) (quotes included) "id", escapes decoded? */
static bool is_id_key(const char *s, size_t a, size_t b)
{
	char k[3];
	size_t n = 0;
	for (size_t i = a + 1; i + 1 < b; i++) {
		char c = s[i];
		if (c == '\\') {
			if (s[i + 1] != 'u' || i + 6 > b - 1)
				return false; /* \n, \" ...: not a letter of "id" */
			char hex[5] = {s[i + 2], s[i + 3], s[i + 4], s[i + 5], 0};
			c = (char)strtol(hex, NULL, 16);
			if (strtol(hex, NULL, 16) > 0x7f)
				return false;
			i += 5;
		}
		if (n == 2)
			return false;
		k[n++] = c;
	}
	return n == 2 && k[0] == 'i' && k[1] == 'd';
}

/* The last "id" member of the object at s[i]; its span, or len 0. */
static struct wisj_span object_id(const char *s, size_t i, size_t len)
{
	struct wisj_span sp = {0, 0};
	i = skip_ws(s, i + 1, len);
	while (i < len && s[i] != '}') {
		size_t ka = i, kb = skip_string(s, i, len);
		i = skip_ws(s, skip_ws(s, kb, len) + 1, len);
		size_t va = i;
		i = skip_value(s, i, len);
		if (is_id_key(s, ka, kb)) {
			sp.start = va;
			sp.len = i - va;
		}
		i = skip_ws(s, i, len);
		if (i < len && s[i] == ',')
			i = skip_ws(s, i + 1, len);
	}
	return sp;
}

void wisj_id_spans(const char *s, size_t len, struct wisj_span *out, size_t n)
{
	memset(out, 0, n * sizeof *out);
	size_t i = skip_ws(s, 0, len);
	if (i < len && s[i] == '{') {
		if (n)
			out[0] = object_id(s, i, len);
		return;
	}
	if (i >= len || s[i] != '[')
		return;
	i = skip_ws(s, i + 1, len);
	for (size_t k = 0; i < len && s[i] != ']'; k++) {
		if (s[i] == '{' && k < n)
			out[k] = object_id(s, i, len);
		i = skip_ws(s, skip_value(s, i, len), len);
		if (i < len && s[i] == ',')
			i = skip_ws(s, i + 1, len);
	}
}

static int print_raw(json_object *o, struct printbuf *pb, int level, int flags)
{
	(void)level;
	(void)flags;
	const char *t = json_object_get_userdata(o);
	return printbuf_memappend(pb, t, (int)strlen(t));
}

json_object *wisj_raw_json(json_object *v, const char *text, size_t len)
{
	char *t = malloc(len + 1);
	if (!t)
		return json_object_get(v);
	memcpy(t, text, len);
	t[len] = 0;
	/* A copy of the value (for anyone who reads it), printed as the text. */
	json_object *o = NULL;
	if (json_object_is_type(v, json_type_string))
		o = json_object_new_string_len(json_object_get_string(v),
		                               json_object_get_string_len(v));
	else if (json_object_is_type(v, json_type_int))
		o = json_object_new_int64(json_object_get_int64(v));
	else if (json_object_is_type(v, json_type_double))
		o = json_object_new_double(json_object_get_double(v));
	else /* true, false, an array or object: only ever printed */
		o = json_object_new_boolean(json_object_get_boolean(v));
	if (!o) {
		free(t);
		return json_object_get(v);
	}
	json_object_set_serializer(o, print_raw, t, json_object_free_userdata);
	return o;
}

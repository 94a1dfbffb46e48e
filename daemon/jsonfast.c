/*
 * wisd's JSON fast paths, so that a plain request does not pay json-c's
 * per-parse costs (json-c 0.16's json_tokener_parse_ex() duplicates and
 * builds a locale on every call, and printing goes through a printbuf per
 * object):
 *
 * - jsonfast_request() reads the common request line: one object with
 *   "jsonrpc": "2.0", a "method" string, an "id" that is an integer, a
 *   string or null (or none), and "params" absent, null, or a flat object
 *   or array of ASCII strings without escapes, integers, true/false/null.
 *   It hands over the id and params as the json_objects json-c would make,
 *   and no object for the envelope; anything else (escapes, non-ASCII,
 *   fractions, nesting, unknown or repeated members, envelope errors,
 *   malformed text) returns false and the line goes to the full parser,
 *   which also words the errors.
 * - jsonfast_print() appends an object to a buffer exactly as
 *   json_object_to_json_string_ext(PLAIN | NOSLASHESCAPE) prints it
 *   (doubles are still printed by json-c), without touching the object's
 *   own printbuf.  tests/daemon/test_jsonfast.c compares both ways.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonfast.h"
#include "wisjson.h"

struct rd {
	const char *p, *end;
};

static void skip_ws(struct rd *r)
{
	const char *p = r->p, *end = r->end; /* locals: a char store could alias r */
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
		p++;
	r->p = p;
}

static bool eat(struct rd *r, char c)
{
	skip_ws(r);
	if (r->p < r->end && *r->p == c) {
		r->p++;
		return true;
	}
	return false;
}

/* A string of printable ASCII without escapes: [*s, *s + *n). */
static bool plain_string(struct rd *r, const char **s, size_t *n)
{
	skip_ws(r);
	if (r->p >= r->end || *r->p != '"')
		return false;
	const char *b = r->p + 1, *q = b, *end = r->end;
	while (q < end && *q != '"') {
		unsigned char u = (unsigned char)*q++;
		if ((unsigned char)(u - 0x20) >= 0x5f || u == '\\')
			return false;
	}
	if (q == end)
		return false;
	*s = b;
	*n = (size_t)(q - b);
	r->p = q + 1;
	return true;
}

static bool word(struct rd *r, const char *w, size_t n)
{
	if ((size_t)(r->end - r->p) < n || memcmp(r->p, w, n) != 0)
		return false;
	r->p += n;
	return true;
}

/* An integer: no leading zeros, no "-0", at most 18 digits (always an
 * int64 in json-c). */
static bool integer(struct rd *r, int64_t *out)
{
	if (r->p >= r->end)
		return false;
	bool neg = *r->p == '-';
	const char *d = r->p + neg;
	const char *q = d;
	int64_t v = 0;
	while (q < r->end && *q >= '0' && *q <= '9' && q - d < 18)
		v = v * 10 + (*q++ - '0');
	size_t digits = (size_t)(q - d);
	if (digits == 0 || digits > 18 || (digits > 1 && *d == '0') || (neg && v == 0))
		return false;
	if (q < r->end && (*q == '.' || *q == 'e' || *q == 'E' || (*q >= '0' && *q <= '9')))
		return false;
	r->p = q;
	*out = neg ? -v : v;
	return true;
}

/* A scalar value; *o is NULL for null. */
static bool scalar(struct rd *r, json_object **o)
{
	skip_ws(r);
	if (r->p >= r->end)
		return false;
	char c = *r->p;
	if (c == '"') {
		const char *s;
		size_t n;
		if (!plain_string(r, &s, &n))
			return false;
		*o = json_object_new_string_len(s, (int)n);
		return *o != NULL;
	}
	if (c == 't' || c == 'f') {
		bool v = c == 't';
		if (!(v ? word(r, "true", 4) : word(r, "false", 5)))
			return false;
		*o = json_object_new_boolean(v);
		return *o != NULL;
	}
	if (c == 'n') {
		*o = NULL;
		return word(r, "null", 4);
	}
	int64_t v;
	if (!integer(r, &v))
		return false;
	*o = json_object_new_int64(v);
	return *o != NULL;
}

/* params: a flat object or array of scalars. */
static json_object *flat(struct rd *r)
{
	skip_ws(r);
	if (r->p >= r->end || (*r->p != '{' && *r->p != '['))
		return NULL;
	bool obj = *r->p++ == '{';
	json_object *o = obj ? json_object_new_object() : json_object_new_array();
	if (!o)
		return NULL;
	if (eat(r, obj ? '}' : ']'))
		return o;
	do {
		char key[128];
		if (obj) {
			const char *k;
			size_t kn;
			if (!plain_string(r, &k, &kn) || kn >= sizeof key || !eat(r, ':'))
				goto fail;
			memcpy(key, k, kn);
			key[kn] = 0;
		}
		skip_ws(r);
		if (r->p < r->end && (*r->p == '{' || *r->p == '['))
			goto fail; /* nested: the full parser */
		json_object *v;
		if (!scalar(r, &v))
			goto fail;
		if (obj)
			json_object_object_add(o, key,
			                       v); /* a repeated key: last wins, as json-c */
		else
			json_object_array_add(o, v);
	} while (eat(r, ','));
	if (eat(r, obj ? '}' : ']'))
		return o;
fail:
	json_object_put(o);
	return NULL;
}

void jsonfast_req_clear(struct jsonfast_req *q)
{
	json_object_put(q->params);
	q->params = NULL;
}

/* An id: a plain string, an integer scalar() takes, or null; its text is
 * kept, not an object (the answer echoes the text). */
static bool id_text(struct rd *r, struct jsonfast_req *q)
{
	const char *b = r->p;
	if (b < r->end && *b == '"') {
		const char *s;
		size_t n;
		if (!plain_string(r, &s, &n))
			return false;
	} else if (b < r->end && *b == 'n') {
		if (!word(r, "null", 4))
			return false;
	} else {
		int64_t v;
		if (!integer(r, &v))
			return false;
	}
	q->id_len = (size_t)(r->p - b);
	if (q->id_len > sizeof q->id)
		return false;
	memcpy(q->id, b, q->id_len);
	return true;
}

json_object *jsonfast_id(const char *text, size_t len)
{
	struct rd r = {text, text + len};
	json_object *o = NULL;
	return scalar(&r, &o) && r.p == r.end ? o : NULL;
}

/* Which of the four members the key at r is (its quotes included): 0-3,
 * or -1 for any other key (or one spelled with escapes). */
static int member_key(struct rd *r)
{
	static const char *const keys[] = {"\"jsonrpc\"", "\"id\"", "\"method\"", "\"params\""};
	static const size_t lens[] = {9, 4, 8, 8};
	skip_ws(r);
	if (r->end - r->p < 4 || r->p[0] != '"')
		return -1;
	int i = r->p[1] == 'j'   ? 0
	        : r->p[1] == 'i' ? 1
	        : r->p[1] == 'm' ? 2
	        : r->p[1] == 'p' ? 3
	                         : -1;
	if (i < 0 || !word(r, keys[i], lens[i]))
		return -1;
	return i;
}

bool jsonfast_request(const char *line, size_t len, struct jsonfast_req *q)
{
	struct rd r = {line, line + len};
	q->has_id = false;
	q->id_len = 0;
	q->method[0] = 0;
	q->params = NULL;
	unsigned seen = 0;
	if (!eat(&r, '{'))
		return false;
	do {
		const char *s;
		size_t sn;
		int i = member_key(&r);
		if (i < 0 || (seen & (1u << i)) || !eat(&r, ':'))
			goto fail; /* unknown or repeated: the full path words the error */
		seen |= 1u << i;
		skip_ws(&r);
		switch (i) {
		case 0: /* "2.0" exactly, else the full path's error */
			if (!word(&r, "\"2.0\"", 5))
				goto fail;
			break;
		case 1: /* a number or a string (or null): other ids take the full path */
			if (!id_text(&r, q))
				goto fail;
			q->has_id = true;
			break;
		case 2:
			if (!plain_string(&r, &s, &sn) || sn >= sizeof q->method)
				goto fail;
			memcpy(q->method, s, sn);
			q->method[sn] = 0;
			break;
		default:
			if (word(&r, "null", 4))
				break;
			if (!(q->params = flat(&r)))
				goto fail;
		}
	} while (eat(&r, ','));
	/* jsonrpc and method are required: without them, the full path's error. */
	if (!eat(&r, '}') || (seen & 5) != 5)
		goto fail;
	skip_ws(&r);
	if (r.p == r.end)
		return true;
fail:
	jsonfast_req_clear(q);
	return false;
}

/* ---- printing ---------------------------------------------------------------- */

bool jsonfast_reserve(struct jsonfast_buf *b, size_t more)
{
	if (b->len + more <= b->cap)
		return true;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < b->len + more)
		cap *= 2;
	char *p = realloc(b->p, cap);
	if (!p) {
		b->failed = true;
		return false;
	}
	b->p = p;
	b->cap = cap;
	return true;
}

void jsonfast_put(struct jsonfast_buf *b, const char *s, size_t n)
{
	if (!jsonfast_reserve(b, n))
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

static void put_string(struct jsonfast_buf *b, const char *s, size_t n)
{
	if (jsonfast_reserve(b, 6 * n + 2))
		b->len += wisj_quote(b->p + b->len, s, n);
}

static void put_int(struct jsonfast_buf *b, int64_t v)
{
	char tmp[24], *e = tmp + sizeof tmp, *q = e;
	uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
	do
		*--q = (char)('0' + u % 10);
	while (u /= 10);
	if (v < 0)
		*--q = '-';
	jsonfast_put(b, q, (size_t)(e - q));
}

/* A double that is a whole number of quarters (the radio's RSSI and SNR
 * steps) below 1e15 prints as json-c's "%.17g" does it, with the ".0" it
 * adds to whole numbers: exactly, without printf.  false: anything else. */
static bool put_quarters(struct jsonfast_buf *b, double d)
{
	double q = d * 4;
	if (!(d > -1e15 && d < 1e15) || q != (double)(int64_t)q)
		return false;
	int64_t k = (int64_t)q;
	uint64_t a = k < 0 ? 0 - (uint64_t)k : (uint64_t)k;
	if (signbit(d))
		jsonfast_put(b, "-", 1);
	put_int(b, (int64_t)(a / 4));
	static const char *const frac[] = {".0", ".25", ".5", ".75"};
	jsonfast_put(b, frac[a % 4], a % 4 == 1 || a % 4 == 3 ? 3 : 2);
	return true;
}

/* What json-c prints for o itself (doubles, large unsigned integers). */
static void put_by_jsonc(struct jsonfast_buf *b, json_object *o)
{
	size_t n;
	const char *s = json_object_to_json_string_length(
	    o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &n);
	jsonfast_put(b, s, n);
}

void jsonfast_print(struct jsonfast_buf *b, json_object *o)
{
	/* A value with a printer of its own (an id echoed as its request's
	 * text, lib/json/rawid.c; a parsed double's text) is json-c's to print. */
	if (o && json_object_get_userdata(o)) {
		put_by_jsonc(b, o);
		return;
	}
	switch (json_object_get_type(o)) {
	case json_type_null:
		jsonfast_put(b, "null", 4);
		return;
	case json_type_boolean:
		if (json_object_get_boolean(o))
			jsonfast_put(b, "true", 4);
		else
			jsonfast_put(b, "false", 5);
		return;
	case json_type_int: {
		int64_t v = json_object_get_int64(o);
		if (v == INT64_MAX)
			put_by_jsonc(b, o); /* maybe an unsigned value above it */
		else
			put_int(b, v);
		return;
	}
	case json_type_double:
		if (!put_quarters(b, json_object_get_double(o)))
			put_by_jsonc(b, o);
		return;
	case json_type_string:
		put_string(b, json_object_get_string(o), (size_t)json_object_get_string_len(o));
		return;
	case json_type_object: {
		jsonfast_put(b, "{", 1);
		bool first = true;
		json_object_object_foreach(o, k, v)
		{
			if (!first)
				jsonfast_put(b, ",", 1);
			first = false;
			put_string(b, k, strlen(k));
			jsonfast_put(b, ":", 1);
			jsonfast_print(b, v);
		}
		jsonfast_put(b, "}", 1);
		return;
	}
	case json_type_array: {
		jsonfast_put(b, "[", 1);
		size_t n = json_object_array_length(o);
		for (size_t i = 0; i < n; i++) {
			if (i)
				jsonfast_put(b, ",", 1);
			jsonfast_print(b, json_object_array_get_idx(o, i));
		}
		jsonfast_put(b, "]", 1);
		return;
	}
	}
}

void jsonfast_print_notification(struct jsonfast_buf *b, const char *topic, json_object *params)
{
	static const char head[] = "{\"jsonrpc\":\"2.0\",\"method\":";
	jsonfast_put(b, head, sizeof head - 1);
	json_object *t = json_object_new_string(topic);
	jsonfast_print(b, t);
	json_object_put(t);
	jsonfast_put(b, ",\"params\":", 10);
	jsonfast_print(b, params);
	jsonfast_put(b, "}\n", 2);
}

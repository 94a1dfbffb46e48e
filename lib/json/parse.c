/*
 * wisjson strict parsing: one JSON text as RFC 8259 defines it, for wisd's
 * request lines and wisctl's command-line params.
 *
 * json-c, even with JSON_TOKENER_STRICT, accepts NaN, Infinity, "1." and
 * single-quoted strings, and turns integers beyond 64 bits into the nearest
 * 64-bit value.  A server that echoes ids must not take those: the echo of
 * NaN is not JSON and a clipped id matches no request.  So a lexical pass
 * runs first (strings, numbers, literals, control characters), then json-c
 * parses with UTF-8 validation and the caller's depth limit.
 *
 * json-c's own UTF-8 check takes overlong forms, UTF-16 surrogates and code
 * points above U+10FFFF, which wisd would then echo as invalid UTF-8; the
 * whole text is checked against RFC 3629 first.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "wisjson_int.h"

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Number at s[i..]: RFC 8259 grammar, integers within int64/uint64. */
static size_t scan_number(const char *s, size_t i, size_t len, struct wisj_error *e)
{
	size_t start = i;
	bool integer = true;
	if (s[i] == '-')
		i++;
	if (i < len && s[i] == '0')
		i++;
	else if (i < len && is_digit(s[i]))
		while (i < len && is_digit(s[i]))
			i++;
	else
		goto bad;
	if (i < len && s[i] == '.') {
		integer = false;
		if (++i >= len || !is_digit(s[i]))
			goto bad;
		while (i < len && is_digit(s[i]))
			i++;
	}
	if (i < len && (s[i] == 'e' || s[i] == 'E')) {
		integer = false;
		if (++i < len && (s[i] == '+' || s[i] == '-'))
			i++;
		if (i >= len || !is_digit(s[i]))
			goto bad;
		while (i < len && is_digit(s[i]))
			i++;
	}
	if (i < len && (is_digit(s[i]) || s[i] == '.' || (s[i] >= 'a' && s[i] <= 'z') ||
	                (s[i] >= 'A' && s[i] <= 'Z')))
		goto bad;
	if (integer) {
		char buf[32];
		size_t n = i - start;
		if (n >= sizeof buf)
			goto range;
		memcpy(buf, s + start, n);
		buf[n] = 0;
		errno = 0;
		if (buf[0] == '-')
			(void)strtoll(buf, NULL, 10);
		else
			(void)strtoull(buf, NULL, 10);
		if (errno == ERANGE)
			goto range;
	}
	return i;
bad:
	wisj_error_set(e, WISJ_PARSE_ERROR, "Parse error: malformed number at byte %zu", start);
	return 0;
range:
	wisj_error_set(e, WISJ_PARSE_ERROR,
	               "Parse error: integer at byte %zu is beyond the 64-bit range", start);
	return 0;
}

/* Length of the well-formed UTF-8 sequence at s[0..n) (RFC 3629: no
 * overlong forms, no surrogates, nothing above U+10FFFF), 0 if there is none. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	if (c < 0x80)
		return 1;
	size_t len;
	unsigned char lo = 0x80, hi = 0xbf; /* the second byte's range */
	if (c >= 0xc2 && c <= 0xdf)
		len = 2;
	else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		if (c == 0xe0)
			lo = 0xa0; /* overlong below U+0800 */
		else if (c == 0xed)
			hi = 0x9f; /* U+D800..U+DFFF */
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		if (c == 0xf0)
			lo = 0x90; /* overlong below U+10000 */
		else if (c == 0xf4)
			hi = 0x8f; /* above U+10FFFF */
	} else
		return 0; /* a continuation byte, C0/C1 (overlong), F5..FF */
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return len;
}

static int check_utf8(const char *s, size_t len, struct wisj_error *e)
{
	const unsigned char *u = (const unsigned char *)s;
	for (size_t i = 0; i < len;) {
		size_t n = utf8_seq(u + i, len - i);
		if (!n) {
			wisj_error_set(e, WISJ_PARSE_ERROR,
			               "Parse error: invalid UTF-8 at byte %zu (overlong, surrogate, "
			               "beyond U+10FFFF or truncated)",
			               i);
			return -1;
		}
		i += n;
	}
	return 0;
}

/* The lexical pass; 0 or -1 with e set. */
static int check_lexemes(const char *s, size_t len, struct wisj_error *e)
{
	size_t i = 0;
	while (i < len) {
		char c = s[i];
		if (c == 0) {
			wisj_error_set(e, WISJ_PARSE_ERROR, "Parse error: NUL byte at byte %zu", i);
			return -1;
		}
		if (c == '"') {
			bool nul = false;
			for (i++; i < len && s[i] != '"'; i++) {
				if ((unsigned char)s[i] < 0x20) {
					wisj_error_set(
					    e, WISJ_PARSE_ERROR,
					    "Parse error: unescaped control character in "
					    "a string at byte %zu",
					    i);
					return -1;
				}
				if (s[i] == '\\') {
					if (i + 5 < len && !memcmp(s + i + 1, "u0000", 5))
						nul = true;
					i++;
				}
			}
			i++; /* an unterminated string is json-c's to report */
			/* json-c keeps member names as C strings: "a\u0000b" would
			 * silently become "a". */
			size_t k = i;
			while (nul && k < len && (s[k] == ' ' || s[k] == '\t' || s[k] == '\r'))
				k++;
			if (nul && k < len && s[k] == ':') {
				wisj_error_set(
				    e, WISJ_PARSE_ERROR,
				    "Parse error: \\u0000 in a member name before byte %zu", k);
				return -1;
			}
		} else if (c == '-' || is_digit(c)) {
			if (!(i = scan_number(s, i, len, e)))
				return -1;
		} else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
			size_t st = i;
			while (i < len &&
			       ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z')))
				i++;
			size_t n = i - st;
			if (!((n == 4 && !memcmp(s + st, "true", 4)) ||
			      (n == 5 && !memcmp(s + st, "false", 5)) ||
			      (n == 4 && !memcmp(s + st, "null", 4)))) {
				wisj_error_set(e, WISJ_PARSE_ERROR,
				               "Parse error: '%.*s' at byte %zu is not JSON (true, "
				               "false, null, a number or a \"string\")",
				               (int)(n > 20 ? 20 : n), s + st, st);
				return -1;
			}
		} else if (c == '\'') {
			wisj_error_set(
			    e, WISJ_PARSE_ERROR,
			    "Parse error: single quote at byte %zu (JSON strings use \")", i);
			return -1;
		} else {
			i++; /* structure, whitespace, and anything json-c rejects itself */
		}
	}
	return 0;
}

json_object *wisj_parse(json_tokener *tok, int max_depth, const char *s, size_t len,
                        struct wisj_error *e)
{
	e->code = 0;
	if (check_utf8(s, len, e) < 0 || check_lexemes(s, len, e) < 0)
		return NULL;
	json_tokener_reset(tok);
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	/* Feed the NUL too: json-c holds a top-level scalar until it sees it. */
	json_object *o = json_tokener_parse_ex(tok, s, (int)len + 1);
	enum json_tokener_error err = json_tokener_get_error(tok);
	if (err == json_tokener_error_depth) {
		wisj_error_set(e, WISJ_INVALID_REQUEST,
		               "Invalid Request: nested deeper than %d levels", max_depth);
		goto fail;
	}
	if (err == json_tokener_continue) {
		wisj_error_set(e, WISJ_PARSE_ERROR, "Parse error: incomplete JSON text");
		goto fail;
	}
	if (err != json_tokener_success) {
		wisj_error_set(e, WISJ_PARSE_ERROR, "Parse error: %s at byte %zu",
		               json_tokener_error_desc(err), json_tokener_get_parse_end(tok));
		goto fail;
	}
	size_t end = json_tokener_get_parse_end(tok);
	while (end < len && (s[end] == ' ' || s[end] == '\t' || s[end] == '\r'))
		end++;
	if (end < len) {
		wisj_error_set(e, WISJ_PARSE_ERROR,
		               "Parse error: trailing data after the JSON text at byte %zu", end);
		goto fail;
	}
	return o; /* NULL for the text "null", with e untouched */
fail:
	if (o)
		json_object_put(o);
	return NULL;
}

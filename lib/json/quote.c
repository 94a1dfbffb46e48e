/*
 * A string as JSON text, quotes included, as json-c prints it with
 * JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE: one spelling for
 * wisd's fast printer (daemon/jsonfast.c) and wisctl's request lines.
 */
#include <string.h>

#include "wisjson.h"

size_t wisj_quote(char *out, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	char *o = out;
	*o++ = '"';
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		const char *esc;
		switch (c) {
		case '\b':
			esc = "\\b";
			break;
		case '\n':
			esc = "\\n";
			break;
		case '\r':
			esc = "\\r";
			break;
		case '\t':
			esc = "\\t";
			break;
		case '\f':
			esc = "\\f";
			break;
		case '"':
			esc = "\\\"";
			break;
		case '\\':
			esc = "\\\\";
			break;
		default:
			if (c >= 0x20) {
				*o++ = (char)c;
			} else {
				o[0] = '\\';
				o[1] = 'u';
				o[2] = '0';
				o[3] = '0';
				o[4] = hex[c >> 4];
				o[5] = hex[c & 15];
				o += 6;
			}
			continue;
		}
		*o++ = esc[0];
		*o++ = esc[1];
	}
	*o++ = '"';
	return (size_t)(o - out);
}

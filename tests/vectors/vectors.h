/*
 * Reader for tests/vectors/frames.txt, shared by the codec test and the
 * firmware-core vector test: one line per vector,
 *   name | version type id opcode status flags | payload hex or - | wire hex
 * Header-only (each test program is one translation unit).
 */
#ifndef WIS_TEST_VECTORS_H
#define WIS_TEST_VECTORS_H

#include <stdio.h>
#include <string.h>

#include "frame.h"

struct wis_vector {
	struct wis_hdr h;
	uint8_t payload[WIS_MAX_PAYLOAD];
	size_t plen;
	uint8_t wire[WIS_MAX_ENCODED + 1];
	size_t wlen;
};

/* Hex digits up to the end of the field ('|', newline or NUL); "-" is empty. */
static inline size_t wis_vector_unhex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;
	while (*s == ' ')
		s++;
	if (*s == '-')
		return 0;
	unsigned v;
	while (n < cap && sscanf(s, "%2x", &v) == 1 && s[0] != ' ' && s[1] != ' ') {
		out[n++] = (uint8_t)v;
		s += 2;
	}
	return n;
}

/* Reads the next vector: 1 if one was read, 0 at end of file, -1 for a
 * malformed line (which is skipped). */
static inline int wis_vector_next(FILE *f, struct wis_vector *v)
{
	static char line[8192];
	while (fgets(line, sizeof line, f)) {
		if (line[0] == '#' || line[0] == '\n')
			continue;
		char *f1 = strchr(line, '|'), *f2 = f1 ? strchr(f1 + 1, '|') : NULL;
		char *f3 = f2 ? strchr(f2 + 1, '|') : NULL;
		unsigned ver, t, id, op, st, fl;
		if (!f3 || sscanf(f1 + 1, "%u %u %u %u %u %u", &ver, &t, &id, &op, &st, &fl) != 6)
			return -1;
		v->h = (struct wis_hdr){(uint8_t)ver, (uint8_t)t,  (uint16_t)id,
		                        (uint16_t)op, (uint8_t)st, (uint8_t)fl};
		v->plen = wis_vector_unhex(f2 + 1, v->payload, sizeof v->payload);
		v->wlen = wis_vector_unhex(f3 + 1, v->wire, sizeof v->wire);
		return 1;
	}
	return 0;
}

#endif

/*
 * The shared wire vectors (tests/vectors/frames.txt) as the firmware sees
 * them: each line's wire bytes are fed to the core.  Requests must be
 * decoded with the vector's id and opcode and answered once (a PING echoes
 * the vector's payload); responses and events must be ignored and counted
 * in requests_bad.  The codec itself is checked by tests/unit.
 */
#include <ctype.h>

#include "fake_hal.h"

static size_t unhex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;
	while (*s) {
		while (*s && !isxdigit((unsigned char)*s))
			s++;
		if (!s[0] || !s[1] || n == cap)
			break;
		unsigned v;
		if (sscanf(s, "%2x", &v) != 1)
			break;
		out[n++] = (uint8_t)v;
		s += 2;
	}
	return n;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: test_core_vectors frames.txt\n");
		return 2;
	}
	FILE *f = fopen(argv[1], "r");
	if (!f) {
		perror(argv[1]);
		return 1;
	}
	static char line[16384];
	static uint8_t wire[WIS_MAX_ENCODED + 16], payload[WIS_MAX_PAYLOAD + 16];
	int requests = 0, others = 0;
	setup();
	while (fgets(line, sizeof line, f)) {
		if (line[0] == '#' || line[0] == '\n')
			continue;
		char *fields[4] = {line, NULL, NULL, NULL};
		for (int i = 1; i < 4; i++) {
			char *bar = fields[i - 1] ? strchr(fields[i - 1], '|') : NULL;
			if (bar) {
				*bar = 0;
				fields[i] = bar + 1;
			}
		}
		CHECK(fields[3] != NULL);
		if (!fields[3])
			continue;
		unsigned v, t, id, op, st, fl;
		CHECK_EQ(sscanf(fields[1], "%u %u %u %u %u %u", &v, &t, &id, &op, &st, &fl), 6);
		size_t plen =
		    strchr(fields[2], '-') ? 0 : unhex(fields[2], payload, sizeof payload);
		size_t wlen = unhex(fields[3], wire, sizeof wire);
		size_t before = F.out.n;
		send_raw(wire, wlen);
		if (t != WIS_MSG_REQUEST) {
			others++;
			CHECK_EQ(F.out.n, before);
			continue;
		}
		requests++;
		CHECK_EQ(F.out.n, before + 1);
		if (F.out.n != before + 1)
			continue;
		struct fw_frame *r = &F.out.f[before];
		CHECK_EQ(r->h.type, WIS_MSG_RESPONSE);
		CHECK_EQ(r->h.id, id);
		CHECK_EQ(r->h.opcode, op);
		if (op == WIS_OP_PING) {
			CHECK_EQ(r->h.status, WIS_ST_OK);
			CHECK(r->len == plen && memcmp(r->p, payload, plen) == 0);
		}
		if (op == WIS_OP_HELLO || op == WIS_OP_GPIO_WRITE || op == WIS_OP_ADC_READ)
			CHECK_EQ(r->h.status, WIS_ST_OK);
		F.out.n = 0;
	}
	fclose(f);
	CHECK(requests >= 3);
	CHECK_EQ(stat(S_BAD), others);
	CHECK_EQ(stat(S_CRC) + stat(S_COBS) + stat(S_RUNT) + stat(S_OVER), 0);
	if (fw_failures) {
		fprintf(stderr, "test_core_vectors: %d failure(s)\n", fw_failures);
		return 1;
	}
	printf("test_core_vectors: %d requests answered, %d other frames ignored\n", requests,
	       others);
	return 0;
}

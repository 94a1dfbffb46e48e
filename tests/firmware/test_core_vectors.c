/*
 * The shared wire vectors (tests/vectors/frames.txt) as the firmware sees
 * them: each line's wire bytes are fed to the core.  Requests must be
 * decoded with the vector's id and opcode and answered once (a PING echoes
 * the vector's payload); responses and events must be ignored and counted
 * in requests_bad.  The codec itself is checked by tests/unit.
 */
#include "core_harness.h"
#include "../vectors/vectors.h"

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
	static struct wis_vector v;
	int requests = 0, others = 0, rc;
	setup();
	while ((rc = wis_vector_next(f, &v)) != 0) {
		CHECK(rc == 1);
		if (rc < 0)
			continue;
		unsigned t = v.h.type, id = v.h.id, op = v.h.opcode;
		const uint8_t *payload = v.payload, *wire = v.wire;
		size_t plen = v.plen, wlen = v.wlen;
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
	if (check_failures) {
		fprintf(stderr, "test_core_vectors: %d failure(s)\n", check_failures);
		return 1;
	}
	printf("test_core_vectors: %d requests answered, %d other frames ignored\n", requests,
	       others);
	return 0;
}

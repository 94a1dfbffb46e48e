/*
 * Frame codec tests: the host's CRC-32 (each path of it) against a bitwise
 * reference, the shared wire vectors (computed by an independent
 * Python encoder), then randomized round trips through a deframer fed in
 * random chunks with garbage between frames, then each kind of damage the
 * deframer must drop and count.
 */
#include <stdlib.h>
#include <string.h>

#include "../check.h"
#include "crc32_clmul.h"
#include "frame.h"
#include "../vectors/vectors.h"

struct got {
	struct wis_hdr h;
	uint8_t payload[WIS_MAX_PAYLOAD];
	size_t len;
	int count;
};

static void on_frame(void *user, const struct wis_hdr *h, const uint8_t *p, size_t len)
{
	struct got *g = user;
	g->h = *h;
	memcpy(g->payload, p, len);
	g->len = len;
	g->count++;
}

static void test_vectors(const char *path)
{
	FILE *f = fopen(path, "r");
	CHECK(f != NULL);
	if (!f)
		return;
	static struct wis_vector v;
	static uint8_t enc[WIS_MAX_ENCODED + 1];
	static struct wis_deframer d;
	static struct got g;
	int vectors = 0, rc;
	while ((rc = wis_vector_next(f, &v)) != 0) {
		CHECK(rc == 1);
		if (rc < 0)
			continue;
		size_t elen = wis__frame_encode(enc, sizeof enc, &v.h, v.payload, v.plen);
		CHECK_EQ(elen, v.wlen);
		CHECK(elen == v.wlen && memcmp(enc, v.wire, v.wlen) == 0);

		memset(&g, 0, sizeof g);
		wis__deframer_init(&d);
		wis__deframer_feed(&d, v.wire, v.wlen, on_frame, &g);
		CHECK_EQ(g.count, 1);
		CHECK(memcmp(&g.h, &v.h, sizeof v.h) == 0);
		CHECK_EQ(g.len, v.plen);
		CHECK(memcmp(g.payload, v.payload, v.plen) == 0);
		vectors++;
	}
	fclose(f);
	CHECK(vectors >= 10);
}

static void test_crc(void)
{
	CHECK_EQ(wis__crc32(0, (const uint8_t *)"123456789", 9), 0xCBF43926u);
	/* Incremental equals one-shot. */
	uint32_t c = wis__crc32(0, (const uint8_t *)"1234", 4);
	CHECK_EQ(wis__crc32(c, (const uint8_t *)"56789", 5), 0xCBF43926u);
}

static uint32_t rng = 12345;
static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return rng;
}

/* The register (not inverted) after one more byte, a bit at a time. */
static uint32_t crc_bit(uint32_t reg, uint8_t b)
{
	reg ^= b;
	for (int k = 0; k < 8; k++)
		reg = (reg >> 1) ^ (0xEDB88320u & (0u - (reg & 1)));
	return reg;
}

/* The library must take the folding path where the CPU can (x86-64 with
 * PCLMULQDQ and SSE4.1, asked here through the compiler's own CPUID check),
 * the tables elsewhere: a build or detection that silently falls back fails. */
static void test_crc_method(void)
{
	const char *want = "slice8";
#if defined(__x86_64__)
	if (__builtin_cpu_supports("pclmul") && __builtin_cpu_supports("sse4.1"))
		want = "clmul";
	else
		fprintf(stderr, "no PCLMULQDQ on this CPU: the folding path is not checked\n");
#endif
	CHECK(strcmp(wis__crc32_method(), want) == 0);
}

/* wis__crc32 as the library has it (folding from 64 bytes where the CPU
 * can, the tables below and for the last 0-15 bytes) against the bitwise
 * reference: every length to 600 at each alignment of the start, in one
 * piece and in two at the lengths where the paths change, on random bytes,
 * zeros and ones. */
static void test_crc_lengths(void)
{
	enum { MAX = 600 };
	static uint8_t buf[MAX + 16];
	static uint32_t want[MAX + 1];
	static const size_t cuts[] = {0, 1, 15, 16, 17, 48, 63, 64, 65, 80, 127, 128, 129};
	for (int fill = 0; fill < 3; fill++) {
		for (size_t i = 0; i < sizeof buf; i++)
			buf[i] = fill == 0 ? (uint8_t)rnd() : fill == 1 ? 0 : 0xff;
		for (size_t off = 0; off < 16; off++) {
			const uint8_t *p = buf + off;
			uint32_t reg = ~0u;
			for (size_t n = 0; n <= MAX; n++) {
				want[n] = ~reg;
				if (n < MAX)
					reg = crc_bit(reg, p[n]);
			}
			int bad = 0;
			for (size_t n = 0; n <= MAX; n++) {
				bad += wis__crc32(0, p, n) != want[n];
				/* a first piece cut at each boundary from the start and
				 * from the end, then the rest */
				for (size_t c = 0; c < 2 * sizeof cuts / sizeof cuts[0]; c++) {
					size_t k = cuts[c / 2];
					if (k > n)
						continue;
					k = c % 2 ? n - k : k;
					bad += wis__crc32(wis__crc32(0, p, k), p + k, n - k) !=
					       want[n];
				}
			}
			CHECK_EQ(bad, 0);
		}
	}
}

/* Long inputs (the flash read's 1 KiB chunks, 64 KiB, 1 MiB) at a few
 * alignments, whole and in random pieces, against the bitwise reference. */
static void test_crc_long(void)
{
	enum { MAX = 1 << 20 };
	static const size_t lens[] = {1024, 1036, 4096 + 7, 65536 + 13, MAX};
	static const size_t offs[] = {0, 3, 15};
	uint8_t *buf = malloc(MAX + 16);
	CHECK(buf != NULL);
	if (!buf)
		return;
	for (size_t i = 0; i < MAX + 16; i++)
		buf[i] = (uint8_t)rnd();
	for (size_t o = 0; o < sizeof offs / sizeof offs[0]; o++) {
		const uint8_t *p = buf + offs[o];
		uint32_t reg = ~0u;
		size_t done = 0;
		for (size_t l = 0; l < sizeof lens / sizeof lens[0]; l++) {
			size_t n = lens[l];
			while (done < n)
				reg = crc_bit(reg, p[done++]);
			CHECK_EQ(wis__crc32(0, p, n), ~reg);
			uint32_t c = 0;
			for (size_t at = 0, k; at < n; at += k) {
				k = rnd() % 3000;
				k = k > n - at ? n - at : k;
				c = wis__crc32(c, p + at, k);
			}
			CHECK_EQ(c, ~reg);
		}
	}
	free(buf);
}

struct expect {
	const struct wis_hdr *hdrs;
	uint8_t (*payloads)[WIS_MAX_PAYLOAD];
	const size_t *lens;
	int next, mismatches;
};

static void on_expected(void *user, const struct wis_hdr *h, const uint8_t *p, size_t len)
{
	struct expect *e = user;
	int i = e->next++;
	if (memcmp(h, &e->hdrs[i], sizeof *h) != 0 || len != e->lens[i] ||
	    memcmp(p, e->payloads[i], len) != 0)
		e->mismatches++;
}

/* Encodes many random frames, puts line noise before some of them, feeds
 * the stream in random chunks and checks that every frame arrives intact and
 * in order and that each burst of noise is dropped and counted. */
static void test_random_roundtrip(void)
{
	enum { N = 400 };
	static uint8_t stream[N * (WIS_MAX_ENCODED + 64)];
	static uint8_t payloads[N][WIS_MAX_PAYLOAD];
	static struct wis_hdr hdrs[N];
	static size_t lens[N];
	size_t pos = 0, noise_bursts = 0;
	for (int i = 0; i < N; i++) {
		lens[i] = (rnd() % 4 == 0) ? rnd() % (WIS_MAX_PAYLOAD + 1) : rnd() % 40;
		for (size_t k = 0; k < lens[i]; k++)
			payloads[i][k] = (rnd() % 3 == 0) ? 0 : (uint8_t)rnd();
		hdrs[i] = (struct wis_hdr){
		    1, (uint8_t)(rnd() % 3), (uint16_t)rnd(), (uint16_t)rnd(), (uint8_t)rnd(), 0};
		if (i % 5 == 0) {
			/* Non-zero noise: the frame's leading delimiter ends it. */
			size_t g = 1 + rnd() % 30;
			for (size_t k = 0; k < g; k++)
				stream[pos++] = (uint8_t)(rnd() | 1);
			noise_bursts++;
		}
		size_t n = wis__frame_encode(stream + pos, sizeof stream - pos, &hdrs[i],
		                             payloads[i], lens[i]);
		CHECK(n > 0);
		pos += n;
	}

	static struct wis_deframer d;
	wis__deframer_init(&d);
	struct expect e = {hdrs, payloads, lens, 0, 0};
	for (size_t off = 0; off < pos;) {
		size_t chunk = 1 + rnd() % 300;
		if (chunk > pos - off)
			chunk = pos - off;
		wis__deframer_feed(&d, stream + off, chunk, on_expected, &e);
		off += chunk;
	}
	CHECK_EQ(e.next, N);
	CHECK_EQ(e.mismatches, 0);
	CHECK_EQ(d.stats.frames, N);
	/* Each noise burst is one bad frame: runt, COBS or CRC failure. */
	CHECK_EQ(d.stats.crc_errors + d.stats.cobs_errors + d.stats.runts, noise_bursts);
}

static void feed_one(struct wis_deframer *d, const uint8_t *p, size_t n, struct got *g)
{
	wis__deframer_feed(d, p, n, on_frame, g);
}

/* Every kind of damage is dropped, counted, and the next frame survives. */
static void test_damage(void)
{
	static struct wis_deframer d;
	static struct got g;
	static uint8_t buf[WIS_MAX_ENCODED + 1], good[64];
	struct wis_hdr h = {1, 0, 77, WIS_OP_PING, 0, 0};
	const uint8_t pl[] = {1, 2, 3, 0, 4};
	size_t goodlen = wis__frame_encode(good, sizeof good, &h, pl, sizeof pl);
	CHECK(goodlen > 0);

	/* Flip one bit anywhere in the body: the CRC (or COBS) must catch it. */
	for (size_t i = 1; i + 1 < goodlen; i++) {
		for (int bit = 0; bit < 8; bit++) {
			memcpy(buf, good, goodlen);
			buf[i] ^= (uint8_t)(1u << bit);
			if (buf[i] == 0)
				continue; /* a new delimiter: a different damage case */
			wis__deframer_init(&d);
			memset(&g, 0, sizeof g);
			feed_one(&d, buf, goodlen, &g);
			CHECK_EQ(g.count, 0);
			feed_one(&d, good, goodlen, &g);
			CHECK_EQ(g.count, 1);
		}
	}

	/* Truncated frame: the rest is lost, the next one is not. */
	wis__deframer_init(&d);
	memset(&g, 0, sizeof g);
	feed_one(&d, good, goodlen - 4, &g);
	feed_one(&d, good, goodlen, &g);
	CHECK_EQ(g.count, 1);
	CHECK_EQ(g.h.id, 77);
	CHECK_EQ(d.stats.frames, 1);
	CHECK(d.stats.crc_errors + d.stats.cobs_errors + d.stats.runts == 1);

	/* The same frame again with its last byte before the delimiter lost:
	 * the deframer decodes in place, so the first copy's last byte still
	 * sits just past the truncated one.  A block-length check one byte too
	 * loose reads it and delivers the frame a second time. */
	wis__deframer_init(&d);
	memset(&g, 0, sizeof g);
	feed_one(&d, good, goodlen, &g);
	memcpy(buf, good, goodlen);
	buf[goodlen - 2] = 0; /* drop the byte before the delimiter */
	feed_one(&d, buf, goodlen - 1, &g);
	CHECK_EQ(g.count, 1);
	CHECK_EQ(d.stats.frames, 1);
	CHECK_EQ(d.stats.cobs_errors, 1);
	CHECK_EQ(d.stats.runts + d.stats.crc_errors, 0);
	CHECK_EQ(d.stats.bytes_dropped, goodlen - 3);

	/* A block that claims 3 data bytes and has 2 is a COBS error, not a
	 * (shorter) runt. */
	wis__deframer_init(&d);
	const uint8_t short_block[] = {0, 4, 1, 2, 0};
	feed_one(&d, short_block, sizeof short_block, &g);
	CHECK_EQ(d.stats.cobs_errors, 1);
	CHECK_EQ(d.stats.runts, 0);

	/* Runt: fewer than header + CRC bytes. */
	wis__deframer_init(&d);
	const uint8_t runt[] = {0, 3, 1, 1, 0};
	feed_one(&d, runt, sizeof runt, &g);
	CHECK_EQ(d.stats.runts, 1);

	/* Oversize: a run of non-zero bytes longer than any frame. */
	wis__deframer_init(&d);
	memset(&g, 0, sizeof g);
	static uint8_t big[WIS_MAX_ENCODED * 2];
	memset(big, 0x55, sizeof big);
	feed_one(&d, big, sizeof big, &g);
	feed_one(&d, good, goodlen, &g);
	CHECK_EQ(d.stats.oversize, 1);
	CHECK_EQ(g.count, 1);

	/* Idle delimiters are not errors. */
	wis__deframer_init(&d);
	const uint8_t idle[] = {0, 0, 0, 0};
	feed_one(&d, idle, sizeof idle, &g);
	CHECK_EQ(d.stats.runts + d.stats.cobs_errors + d.stats.crc_errors, 0);

	/* Encoder refuses what cannot be framed. */
	CHECK_EQ(wis__frame_encode(buf, sizeof buf, &h, big, WIS_MAX_PAYLOAD + 1), 0);
	CHECK_EQ(wis__frame_encode(buf, 10, &h, pl, sizeof pl), 0);
	/* The largest frame fits in the documented bound. */
	CHECK(wis__frame_encode(buf, WIS_MAX_ENCODED + 1, &h, big, WIS_MAX_PAYLOAD) > 0);
}

static void test_cursor(void)
{
	uint8_t b[16];
	struct wis_wr w = wis_wr_init(b, sizeof b);
	wis_wr_u8(&w, 0xAB);
	wis_wr_u16(&w, 0x1234);
	wis_wr_u32(&w, 0xDEADBEEF);
	wis_wr_u64(&w, 0x0102030405060708ull);
	CHECK(!w.err);
	CHECK_EQ(w.len, 15);
	wis_wr_u16(&w, 1); /* does not fit */
	CHECK(w.err);
	struct wis_rd r = wis_rd_init(b, 15);
	CHECK_EQ(wis_rd_u8(&r), 0xAB);
	CHECK_EQ(wis_rd_u16(&r), 0x1234);
	CHECK_EQ(wis_rd_u32(&r), 0xDEADBEEFu);
	CHECK(wis_rd_u64(&r) == 0x0102030405060708ull);
	CHECK(!r.err);
	CHECK_EQ(wis_rd_u8(&r), 0);
	CHECK(r.err);
	CHECK_EQ(b[1], 0x34); /* little-endian on the wire */
}

/* COBS the textbook way, one byte at a time (code byte = 1 + the data
 * bytes that follow; 0xFF after 254 of them, which implies no zero): what
 * the codec's block copies must produce byte for byte. */
static size_t ref_cobs(uint8_t *out, const uint8_t *in, size_t n)
{
	size_t code = 0, o = 1;
	for (size_t i = 0; i < n; i++) {
		if (in[i] == 0) {
			out[code] = (uint8_t)(o - code);
			code = o++;
			continue;
		}
		out[o++] = in[i];
		if (o - code == 0xFF) {
			out[code] = 0xFF;
			code = o++;
		}
	}
	out[code] = (uint8_t)(o - code);
	return o;
}

static void check_against_ref(const struct wis_hdr *h, const uint8_t *p, size_t len)
{
	uint8_t body[WIS_HDR_LEN + WIS_MAX_PAYLOAD + WIS_CRC_LEN];
	uint8_t want[WIS_MAX_ENCODED + 1], got[WIS_MAX_ENCODED + 1];
	uint8_t hb[WIS_HDR_LEN] = {h->version,         h->type,
	                           (uint8_t)h->id,     (uint8_t)(h->id >> 8),
	                           (uint8_t)h->opcode, (uint8_t)(h->opcode >> 8),
	                           h->status,          h->flags};
	memcpy(body, hb, sizeof hb);
	memcpy(body + WIS_HDR_LEN, p, len);
	uint32_t crc = wis__crc32(0, body, WIS_HDR_LEN + len);
	for (int i = 0; i < 4; i++)
		body[WIS_HDR_LEN + len + (size_t)i] = (uint8_t)(crc >> (8 * i));
	want[0] = 0;
	size_t n = 1 + ref_cobs(want + 1, body, WIS_HDR_LEN + len + WIS_CRC_LEN);
	want[n++] = 0;
	size_t m = wis__frame_encode(got, sizeof got, h, p, len);
	CHECK_EQ(m, n);
	CHECK(m == n && memcmp(got, want, n) == 0);
	/* And back, fed in two pieces cut at every position. */
	for (size_t cut = 0; cut <= m; cut++) {
		static struct wis_deframer d;
		struct got g = {.count = 0};
		wis__deframer_init(&d);
		wis__deframer_feed(&d, got, cut, on_frame, &g);
		wis__deframer_feed(&d, got + cut, m - cut, on_frame, &g);
		CHECK_EQ(g.count, 1);
		CHECK(g.len == len && memcmp(g.payload, p, len) == 0);
	}
}

/* The encoder copies runs up to the next zero or the end of a 254-byte
 * block: put zeros (one, two in a row, none) at every position around each
 * block boundary of the body (header 8 bytes, so payload offsets 246, 500,
 * 754, 1008 end a block), in payloads that end just before, on and after
 * one, and in a payload of zeros only. */
static void test_cobs_blocks(void)
{
	static uint8_t p[WIS_MAX_PAYLOAD];
	struct wis_hdr h = {1, 1, 0x1234, 0x0401, 0, 0};
	static const size_t lens[] = {0,   1,   237, 238, 245,  246,  247,  248,  499,  500,
	                              501, 753, 754, 755, 1007, 1008, 1009, 1016, 1023, 1024};
	for (size_t k = 0; k < sizeof lens / sizeof lens[0]; k++) {
		size_t len = lens[k];
		for (size_t i = 0; i < len; i++)
			p[i] = (uint8_t)(1 + i % 255);
		check_against_ref(&h, p, len);
		for (size_t b = 246; b < len + 4; b += 254)
			for (size_t z = b - 3; z <= b + 3 && z < len; z++) {
				p[z] = 0;
				check_against_ref(&h, p, len);
				if (z + 1 < len) {
					p[z + 1] = 0;
					check_against_ref(&h, p, len);
					p[z + 1] = (uint8_t)(1 + (z + 1) % 255);
				}
				p[z] = (uint8_t)(1 + z % 255);
			}
		memset(p, 0, len);
		check_against_ref(&h, p, len);
	}
	/* A header byte of zero (id 0) and random bytes with zeros 1 in 200. */
	h.id = 0;
	for (int t = 0; t < 50; t++) {
		size_t len = rnd() % (WIS_MAX_PAYLOAD + 1);
		for (size_t i = 0; i < len; i++)
			p[i] = rnd() % 200 ? (uint8_t)(rnd() | 1) : 0;
		check_against_ref(&h, p, len);
	}
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s tests/vectors/frames.txt\n", argv[0]);
		return 2;
	}
	test_crc();
	test_crc_method();
	test_crc_lengths();
	test_crc_long();
	test_vectors(argv[1]);
	test_random_roundtrip();
	test_damage();
	test_cobs_blocks();
	test_cursor();
	return CHECK_DONE();
}

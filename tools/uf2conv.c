/*
 * uf2conv: writes and checks the UF2 file of the RAK4631 image (uf2.h).
 *   uf2conv [-b BASE] [-f FAMILY] -o OUT.uf2 IN.bin     convert
 *   uf2conv --check [-b BASE] [-l LIMIT] [-f FAMILY] [--bin IN.bin] FILE.uf2
 * BASE defaults to 0x26000 (the application start under the Adafruit
 * bootloader), LIMIT to 0xEA000, FAMILY to 0xADA52840.  --check prints one
 * line per problem's first block and exits 1; with --bin the payloads must
 * equal the image.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "uf2.h"

#define MAX_FILE (4u << 20)

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "uf2conv: %s: %s\n", path, strerror(errno));
		return NULL;
	}
	uint8_t *buf = malloc(MAX_FILE);
	size_t n = buf ? fread(buf, 1, MAX_FILE, f) : 0;
	int bad = !buf || ferror(f) || !feof(f);
	fclose(f);
	if (bad) {
		fprintf(stderr, "uf2conv: %s: unreadable or larger than %u bytes\n", path,
		        MAX_FILE);
		free(buf);
		return NULL;
	}
	*len = n;
	return buf;
}

static int parse_u32(const char *s, uint32_t *v)
{
	char *end;
	errno = 0;
	unsigned long x = strtoul(s, &end, 0);
	if (errno || *end || end == s || x > 0xFFFFFFFFul)
		return -1;
	*v = (uint32_t)x;
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: uf2conv [-b BASE] [-f FAMILY] -o OUT.uf2 IN.bin\n"
	                "       uf2conv --check [-b BASE] [-l LIMIT] [-f FAMILY] [--bin IN.bin] "
	                "FILE.uf2\n");
	return 2;
}

int main(int argc, char **argv)
{
	uint32_t base = 0x26000u, limit = 0xEA000u, family = UF2_FAMILY_NRF52840;
	const char *out = NULL, *in = NULL, *binpath = NULL;
	int check = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		int more = i + 1 < argc;
		if (!strcmp(a, "--check")) {
			check = 1;
		} else if (!strcmp(a, "-b") && more) {
			if (parse_u32(argv[++i], &base))
				return usage();
		} else if (!strcmp(a, "-l") && more) {
			if (parse_u32(argv[++i], &limit))
				return usage();
		} else if (!strcmp(a, "-f") && more) {
			if (parse_u32(argv[++i], &family))
				return usage();
		} else if (!strcmp(a, "-o") && more) {
			out = argv[++i];
		} else if (!strcmp(a, "--bin") && more) {
			binpath = argv[++i];
		} else if (a[0] != '-' && !in) {
			in = a;
		} else {
			return usage();
		}
	}
	if (!in || (!check && !out))
		return usage();

	size_t len = 0, bin_len = 0;
	uint8_t *data = slurp(in, &len);
	if (!data)
		return 1;
	int rc = 0;
	if (check) {
		uint8_t *bin = binpath ? slurp(binpath, &bin_len) : NULL;
		char err[160];
		if (binpath && !bin) {
			rc = 1;
		} else if (uf2_check(data, len, base, limit, family, bin, bin_len, err,
		                     sizeof err)) {
			fprintf(stderr, "uf2conv: %s: %s\n", in, err);
			rc = 1;
		} else {
			printf("%s: %zu blocks OK (0x%05X..0x%05zX, family 0x%08X)\n", in,
			       len / UF2_BLOCK, base, base + len / UF2_BLOCK * UF2_PAYLOAD, family);
		}
		free(bin);
	} else {
		size_t n = uf2_block_count(len);
		uint8_t *uf2 = len ? malloc(n * UF2_BLOCK) : NULL;
		FILE *f = NULL;
		if (!uf2 || uf2_encode(data, len, base, family, uf2)) {
			fprintf(stderr, "uf2conv: %s: empty image or base 0x%X not 256-aligned\n",
			        in, base);
			rc = 1;
		} else if (!(f = fopen(out, "wb")) || fwrite(uf2, UF2_BLOCK, n, f) != n) {
			fprintf(stderr, "uf2conv: %s: %s\n", out, strerror(errno));
			rc = 1;
		}
		if (f && fclose(f))
			rc = 1;
		free(uf2);
	}
	free(data);
	return rc;
}

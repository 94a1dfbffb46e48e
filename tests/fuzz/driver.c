/*
 * Stand-alone driver for the fuzz targets, so that every target also runs
 * in the ordinary test suite without libFuzzer: it first replays the seed
 * corpus (files, or directories of files, named on the command line), then
 * feeds the target a fixed number of pseudo-random inputs (deterministic
 * seed), half of them made by mutating valid frames, which reach deeper
 * than pure noise.  Built with -Dfuzz=true under clang, the same targets
 * link against libFuzzer instead (and start from the same corpus).
 * Targets that take text (a request line, a config file) give their count
 * as "text:N": then the generated inputs are mutations and splices of the
 * corpus inputs instead of frames.
 *
 * Usage: replay-NAME [ITERATIONS|text:ITERATIONS] [CORPUS_FILE_OR_DIR...]
 */
#include <dirent.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frame.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint32_t state = 0x2545F491;
static uint32_t rnd(void)
{
	state ^= state << 13;
	state ^= state >> 17;
	state ^= state << 5;
	return state;
}

/* A valid request frame for a random opcode from the known set. */
static size_t valid_frame(uint8_t *out, size_t cap)
{
	static const uint16_t ops[] = {0x0001, 0x0002, 0x0003, 0x0005, 0x0006, 0x0007, 0x0008,
	                               0x0009, 0x0101, 0x0102, 0x0103, 0x0104, 0x0201, 0x0180};
	uint8_t payload[64];
	size_t len = rnd() % sizeof payload;
	for (size_t i = 0; i < len; i++)
		payload[i] = (uint8_t)(rnd() % 4 == 0 ? rnd() % 48 : rnd());
	struct wis_hdr h = {1,
	                    (uint8_t)(rnd() % 8 ? 0 : rnd() % 4),
	                    (uint16_t)rnd(),
	                    ops[rnd() % (sizeof ops / sizeof ops[0])],
	                    0,
	                    0};
	return wis__frame_encode(out, cap, &h, payload, len);
}

/* The corpus inputs, kept for text mutations. */
#define MAX_SEEDS 256
static struct {
	uint8_t *p;
	size_t n;
} seed[MAX_SEEDS];
static int nseed;

/* Feeds one corpus file to the target; returns 1 if it was read. */
static int replay_file(const char *path)
{
	static uint8_t data[1 << 16];
	FILE *f = fopen(path, "rb");
	if (!f)
		return 0;
	size_t n = fread(data, 1, sizeof data, f);
	fclose(f);
	printf("corpus %s\n", path);
	fflush(stdout);
	LLVMFuzzerTestOneInput(data, n);
	if (nseed < MAX_SEEDS && (seed[nseed].p = malloc(n + 1)) != NULL) {
		memcpy(seed[nseed].p, data, n);
		seed[nseed++].n = n;
	}
	return 1;
}

/* A corpus input, mutated: bytes flipped, set to a JSON-ish character,
 * dropped, duplicated, or a piece of another input spliced in. */
static size_t text_input(uint8_t *out, size_t cap)
{
	if (!nseed)
		return 0;
	static const char sym[] = "{}[]\":,0-9eE.+\\un\n\r\t \x00\xff";
	int k = (int)(rnd() % (uint32_t)nseed);
	size_t n = seed[k].n < cap ? seed[k].n : cap;
	memcpy(out, seed[k].p, n);
	int muts = 1 + (int)(rnd() % 4);
	for (int m = 0; m < muts; m++) {
		size_t at = n ? rnd() % n : 0;
		switch (rnd() % 5) {
		case 0:
			if (n)
				out[at] ^= (uint8_t)(1u << (rnd() % 8));
			break;
		case 1:
			if (n)
				out[at] = (uint8_t)sym[rnd() % (sizeof sym - 1)];
			break;
		case 2: {
			size_t len = n ? rnd() % (n - at + 1) % 16 : 0;
			memmove(out + at, out + at + len, n - at - len);
			n -= len;
			break;
		}
		case 3: {
			size_t len = n ? rnd() % (n - at + 1) % 32 : 0;
			if (n + len <= cap) {
				memmove(out + at + len, out + at, n - at);
				n += len;
			}
			break;
		}
		default: {
			int j = (int)(rnd() % (uint32_t)nseed);
			size_t from = seed[j].n ? rnd() % seed[j].n : 0;
			size_t len = seed[j].n - from;
			if (len > cap - at)
				len = cap - at;
			memcpy(out + at, seed[j].p + from, len);
			n = at + len;
			break;
		}
		}
	}
	return n;
}

/* A file, or every file in a directory; returns how many were replayed
 * (-1 if the path cannot be read: a missing corpus must not pass quietly). */
static int replay(const char *path)
{
	DIR *dir = opendir(path);
	if (!dir)
		return replay_file(path) ? 1 : -1;
	int n = 0;
	struct dirent *e;
	char file[4096];
	while ((e = readdir(dir)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(file, sizeof file, "%s/%s", path, e->d_name);
		n += replay_file(file);
	}
	closedir(dir);
	return n;
}

static void save_input(const char *path, const uint8_t *p, size_t n)
{
	FILE *f = path ? fopen(path, "wb") : NULL;
	if (f) {
		fwrite(p, 1, n, f);
		fclose(f);
	}
}

int main(int argc, char **argv)
{
	bool text = argc > 1 && strncmp(argv[1], "text:", 5) == 0;
	long iterations = argc > 1 ? atol(argv[1] + (text ? 5 : 0)) : 20000;
	int seeds = 0;
	for (int i = 2; i < argc; i++) {
		int n = replay(argv[i]);
		if (n <= 0) {
			fprintf(stderr, "%s: no corpus input could be read\n", argv[i]);
			return 1;
		}
		seeds += n;
	}
	static uint8_t buf[4 * WIS_MAX_ENCODED];
	if (text && !nseed) {
		fprintf(stderr, "text mutations need a corpus\n");
		return 1;
	}
	/* WIS_FUZZ_SAVE=FILE: each generated input is written there before it
	 * runs, so the one that crashed or hung is left behind (a corpus file
	 * to be, once the bug is fixed). */
	const char *save = getenv("WIS_FUZZ_SAVE");
	for (long it = 0; text && it < iterations; it++) {
		size_t n = text_input(buf, sizeof buf);
		save_input(save, buf, n);
		LLVMFuzzerTestOneInput(buf, n);
	}
	for (long it = 0; !text && it < iterations; it++) {
		size_t n = 0;
		int frames = 1 + (int)(rnd() % 4);
		for (int f = 0; f < frames; f++)
			n += valid_frame(buf + n, sizeof buf - n);
		if (it % 2) {
			/* Mutate: flip, insert zeros, truncate. */
			int muts = 1 + (int)(rnd() % 6);
			for (int m = 0; m < muts && n; m++) {
				size_t at = rnd() % n;
				switch (rnd() % 4) {
				case 0:
					buf[at] ^= (uint8_t)(1u << (rnd() % 8));
					break;
				case 1:
					buf[at] = 0;
					break;
				case 2: {
					/* A lost delimiter run or line noise: a
					 * long zero-free span, maybe past any frame. */
					size_t run = rnd() % (WIS_MAX_ENCODED + 64);
					if (run > sizeof buf - at)
						run = sizeof buf - at;
					memset(buf + at, 0x40 | (rnd() & 0x3f), run);
					if (at + run > n)
						n = at + run;
					break;
				}
				default:
					n = at;
					break;
				}
			}
		}
		save_input(save, buf, n);
		LLVMFuzzerTestOneInput(buf, n);
	}
	printf("%d corpus inputs and %ld generated ones, no failure\n", seeds, iterations);
	return 0;
}

/*
 * Small helpers shared by the firmware tests: checks that count failures
 * instead of aborting (one run reports every broken expectation) and a
 * collector that turns link bytes back into frames.
 */
#ifndef WIS_FWTEST_H
#define WIS_FWTEST_H

#include <stdio.h>
#include <string.h>

#include "../check.h"
#include "frame.h"

struct fw_frame {
	struct wis_hdr h;
	uint8_t p[WIS_MAX_PAYLOAD];
	size_t len;
};

#ifndef FW_MAX_FRAMES
#define FW_MAX_FRAMES 256
#endif

struct fw_frames {
	struct wis_deframer d;
	struct fw_frame f[FW_MAX_FRAMES];
	size_t n;
	size_t overflow;
};

static void fw_frames_cb(void *user, const struct wis_hdr *h, const uint8_t *p, size_t len)
{
	struct fw_frames *fs = user;
	if (fs->n == FW_MAX_FRAMES) {
		fs->overflow++;
		return;
	}
	struct fw_frame *f = &fs->f[fs->n++];
	f->h = *h;
	memcpy(f->p, p, len);
	f->len = len;
}

static inline void fw_frames_feed(struct fw_frames *fs, const uint8_t *p, size_t n)
{
	wis__deframer_feed(&fs->d, p, n, fw_frames_cb, fs);
}

/* The detail string of an error response, NUL-terminated into buf. */
static inline const char *fw_detail(const uint8_t *p, size_t len, char *buf, size_t cap)
{
	buf[0] = 0;
	if (len < 1 || (size_t)p[0] + 1 > len || (size_t)p[0] >= cap)
		return buf;
	memcpy(buf, p + 1, p[0]);
	buf[p[0]] = 0;
	return buf;
}

#define CHECK_CONTAINS(hay, needle)                                                                \
	do {                                                                                       \
		if (!strstr((hay), (needle))) {                                                    \
			fprintf(stderr, "%s:%d: \"%s\" does not contain \"%s\"\n", __FILE__,       \
			        __LINE__, (hay), (needle));                                        \
			check_failures++;                                                          \
		}                                                                                  \
	} while (0)

#endif

/*
 * FLASH through libwisrpc against wisrpc-sim (fast chip timing): the
 * IS25LP080D model behind the simulated SPI bus, and the internal-flash
 * fallback store with --no-flash.  1 MiB write/read/verify, erase
 * granularity and alignment errors, program-without-erase refused and done
 * with erase (neighbours kept), a pipelined write failing midway, ranges
 * never wrap, JEDEC ID and SFDP through
 * the raw transaction, pins shared with GPIO refused both ways, the image
 * file persists across a restart, an interrupted whole-image write resumes,
 * an image over other data erases each whole unit once.
 */
#include <pthread.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

#define MIB (1u << 20)

static uint32_t rng = 0x12345678u;
static void fill_random(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		rng ^= rng << 13;
		rng ^= rng >> 17;
		rng ^= rng << 5;
		p[i] = (uint8_t)rng;
	}
}

static bool all_ff(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != 0xff)
			return false;
	return true;
}

static void test_info(wis_device *dev)
{
	printf("info: the IS25LP080D found by its JEDEC ID and SFDP\n");
	struct wis_flash_info fi;
	CHECK_OK(wis_flash_info(dev, &fi));
	CHECK(fi.store == WIS_FLASH_STORE_EXTERNAL);
	CHECK(fi.jedec[0] == 0x9d && fi.jedec[1] == 0x60 && fi.jedec[2] == 0x14);
	CHECK(fi.size == MIB && fi.erase_unit == 4096 && fi.page_size == 256);
	CHECK(strcmp(fi.name, "IS25LP080D") == 0);
}

static void test_mib(wis_device *dev, uint8_t *buf, uint8_t *back)
{
	printf("1 MiB: erase, write, pipelined read, device CRC\n");
	int64_t t0 = mono_ns();
	CHECK_OK(wis_flash_erase(dev, 0, MIB));
	uint32_t crc = 0;
	memset(back, 0xff, MIB);
	CHECK_OK(wis_flash_verify(dev, 0, MIB, &crc));
	CHECK(crc == wis_flash_crc32(0, back, MIB));
	int64_t t1 = mono_ns();
	fill_random(buf, MIB);
	CHECK_OK(wis_flash_write(dev, 0, buf, MIB, 0, NULL, NULL));
	int64_t t2 = mono_ns();
	memset(back, 0, MIB);
	CHECK_OK(wis_flash_read(dev, 0, back, MIB, NULL, NULL));
	int64_t t3 = mono_ns();
	CHECK(memcmp(buf, back, MIB) == 0);
	CHECK_OK(wis_flash_verify(dev, 0, MIB, &crc));
	CHECK(crc == wis_flash_crc32(0, buf, MIB));
	printf("  erase+verify %.2f s, write %.2f s, read %.2f s (%.0f KiB/s)\n",
	       (double)(t1 - t0) / 1e9, (double)(t2 - t1) / 1e9, (double)(t3 - t2) / 1e9,
	       1024.0 / ((double)(t3 - t2) / 1e9));
}

/* Pings from another thread while a streamed read runs: each is answered
 * between two parts, not after the stream. */
struct pinger {
	wis_device *dev;
	volatile int stop;
	int ok, failed;
};

static void *pinger_main(void *arg)
{
	struct pinger *p = arg;
	while (!p->stop) {
		if (wis_ping(p->dev) == 0)
			p->ok++;
		else
			p->failed++;
	}
	return NULL;
}

struct stall_at_first_part {
	struct sim *s;
	int stalled;
};

static void stall_cb(uint64_t done, uint64_t total, void *user)
{
	(void)total;
	struct stall_at_first_part *st = user;
	if (done > 0 && !st->stalled) {
		st->stalled = 1;
		CHECK(sim_ctl(st->s, NULL, 0, "fault stall 2500") == 0);
	}
}

static void test_stream(struct sim *s, wis_device *dev, const uint8_t *buf, uint8_t *back)
{
	printf("streamed read: other calls meanwhile, parts lost on the link read again\n");
	struct pinger p = {dev, 0, 0, 0};
	pthread_t th;
	pthread_create(&th, NULL, pinger_main, &p);
	memset(back, 0, MIB);
	for (int i = 0; i < 3; i++)
		CHECK_OK(wis_flash_read(dev, 0, back, MIB, NULL, NULL));
	p.stop = 1;
	pthread_join(th, NULL);
	CHECK(memcmp(buf, back, MIB) == 0);
	CHECK(p.failed == 0 && p.ok > 0);
	printf("  %d pings answered during three 1 MiB reads\n", p.ok);

	/* A flipped bit now and then from the module: the parts it hits are
	 * dropped by their CRC and read again. */
	struct wis_stats a, b;
	CHECK_OK(wis_stats(dev, &a));
	CHECK(sim_ctl(s, NULL, 0, "fault seed 7") == 0);
	CHECK(sim_ctl(s, NULL, 0, "fault corrupt 4e-6") == 0);
	memset(back, 0, MIB);
	CHECK_OK(wis_flash_read(dev, 0, back, MIB, NULL, NULL));
	CHECK(sim_ctl(s, NULL, 0, "fault off") == 0);
	CHECK(memcmp(buf, back, MIB) == 0);
	CHECK_OK(wis_stats(dev, &b));
	uint32_t bad = (b.host_rx_crc_errors - a.host_rx_crc_errors) +
	               (b.host_rx_cobs_errors - a.host_rx_cobs_errors) +
	               (b.host_rx_runts - a.host_rx_runts);
	printf("  %u frames lost to flipped bits, all read again\n", bad);
	CHECK(bad > 0);

	/* The link stalls mid-stream (as when the module resets or hangs): the
	 * read fails after a quick call's timeout (1 s by default), not the
	 * whole stream's bound (5 s for 1 MiB); later reads work. */
	struct stall_at_first_part st = {s, 0};
	int64_t t0 = mono_ns();
	int rc = wis_flash_read(dev, 0, back, MIB, stall_cb, &st);
	double secs = (double)(mono_ns() - t0) / 1e9;
	printf("  a stall mid-stream: %s after %.2f s\n", wis_strerror(rc), secs);
	CHECK(rc == WIS_E_TIMEOUT && st.stalled && secs < 2.5);
	usleep(1600 * 1000); /* the stall ends; the rest of that stream is dropped as stray */
	memset(back, 0, MIB);
	CHECK_OK(wis_flash_read(dev, 0, back, MIB, NULL, NULL));
	CHECK(memcmp(buf, back, MIB) == 0);

	/* Only opcodes answered in parts stream. */
	uint8_t req[8] = {0};
	CHECK(wis_call_stream_async(dev, WIS_OP_FLASH_READ, req, 6, 0, NULL, NULL, NULL) ==
	      WIS_E_INVAL);
	CHECK(wis_call_stream_async(dev, WIS_OP_FLASH_VERIFY, req, 8, 0, NULL, NULL, NULL) ==
	      WIS_E_INVAL);
}

static void test_erase(wis_device *dev, const uint8_t *buf)
{
	printf("erase granularity: one 4 KiB unit, neighbours kept; misaligned refused\n");
	uint8_t b[3 * 4096];
	CHECK_OK(wis_flash_erase(dev, 0x11000, 4096));
	CHECK_OK(wis_flash_read(dev, 0x10000, b, sizeof b, NULL, NULL));
	CHECK(memcmp(b, buf + 0x10000, 4096) == 0);
	CHECK(all_ff(b + 4096, 4096));
	CHECK(memcmp(b + 8192, buf + 0x12000, 4096) == 0);
	CHECK_RC(wis_flash_erase(dev, 0x11100, 4096), -WIS_ST_BAD_ARG);
	CHECK(strstr(wis_last_error(), "not a multiple of the erase unit 4096"));
	CHECK_RC(wis_flash_erase(dev, 0x12000, 100), -WIS_ST_BAD_ARG);
	CHECK_OK(wis_flash_read(dev, 0x12000, b, 4096, NULL, NULL));
	CHECK(memcmp(b, buf + 0x12000, 4096) == 0); /* nothing erased */
}

static void test_program(wis_device *dev, const uint8_t *buf)
{
	printf("program without erase refused; with erase, the rest of the unit kept\n");
	uint8_t z[300], b[8192];
	memset(z, 0x5a, sizeof z);
	CHECK_RC(wis_flash_write(dev, 0x20100, z, sizeof z, 0, NULL, NULL), -WIS_ST_WRONG_MODE);
	CHECK(strstr(wis_last_error(), "not erased"));
	CHECK_OK(wis_flash_read(dev, 0x20000, b, 4096, NULL, NULL));
	CHECK(memcmp(b, buf + 0x20000, 4096) == 0);
	/* Across a unit boundary: two units merged, erased, programmed. */
	CHECK_OK(wis_flash_write(dev, 0x20f80, z, sizeof z, WIS_FLASH_WRITE_ERASE, NULL, NULL));
	CHECK_OK(wis_flash_read(dev, 0x20000, b, sizeof b, NULL, NULL));
	CHECK(memcmp(b, buf + 0x20000, 0xf80) == 0);
	CHECK(memcmp(b + 0xf80, z, sizeof z) == 0);
	CHECK(memcmp(b + 0xf80 + sizeof z, buf + 0x20f80 + sizeof z, 8192 - 0xf80 - sizeof z) == 0);
	/* Over erased bytes no erase is needed: 0xff -> anything. */
	CHECK_OK(wis_flash_erase(dev, 0x30000, 4096));
	CHECK_OK(wis_flash_write(dev, 0x30010, z, 16, 0, NULL, NULL));
	CHECK_OK(wis_flash_read(dev, 0x30000, b, 32, NULL, NULL));
	CHECK(all_ff(b, 16) && memcmp(b + 16, z, 16) == 0);
}

struct progress {
	uint64_t last;
};

static void note_progress(uint64_t done, uint64_t total, void *user)
{
	(void)total;
	((struct progress *)user)->last = done;
}

/* Two FLASH_WRITEs in flight: the one kept behind another on the module
 * checks the store when it starts.  One over bytes that are not erased
 * fails with the device's detail; what came before it is written, at most
 * the one request sent after it too, nothing further. */
static void test_pipelined_error(wis_device *dev)
{
	printf("pipelined write: the first failure returned with its detail, nothing after "
	       "the next request written\n");
	static uint8_t d[8192], b[8192];
	CHECK_OK(wis_flash_erase(dev, 0x40000, sizeof b));
	memset(d, 0x00, 16);
	CHECK_OK(wis_flash_write(dev, 0x41400, d, 16, 0, NULL, NULL));
	memset(d, 0xa5, sizeof d);
	struct progress pr = {0};
	CHECK_RC(wis_flash_write(dev, 0x40000, d, sizeof d, 0, note_progress, &pr),
	         -WIS_ST_WRONG_MODE);
	CHECK(strstr(wis_last_error(), "byte at 0x00041400 is not erased"));
	CHECK(pr.last == 0x1400);
	CHECK_OK(wis_flash_read(dev, 0x40000, b, sizeof b, NULL, NULL));
	CHECK(memcmp(b, d, 0x1400) == 0);
	CHECK(b[0x1400] == 0 && b[0x140f] == 0 && b[0x1410] == 0xff);
	CHECK(all_ff(b + 0x1800, sizeof b - 0x1800));
	CHECK_OK(wis_ping(dev)); /* nothing left in flight */
}

static void test_range(wis_device *dev)
{
	printf("ranges: past the end is an error, never a wrap\n");
	uint8_t b[16];
	CHECK_RC(wis_flash_read(dev, MIB - 8, b, 16, NULL, NULL), -WIS_ST_BAD_ARG);
	CHECK(strstr(wis_last_error(), "past the end of the store (1048576 bytes)"));
	CHECK_OK(wis_flash_read(dev, MIB - 16, b, 16, NULL, NULL));
	static uint8_t big[8192]; /* a streamed read: the device checks the range */
	CHECK_RC(wis_flash_read(dev, MIB - 4096, big, sizeof big, NULL, NULL), -WIS_ST_BAD_ARG);
	CHECK(strstr(wis_last_error(), "past the end of the store (1048576 bytes)"));
	CHECK_OK(wis_flash_read(dev, MIB - sizeof big, big, sizeof big, NULL, NULL));
	uint8_t keep[4], now[4];
	CHECK_OK(wis_flash_read(dev, MIB - 4, keep, 4, NULL, NULL));
	memset(b, 0, sizeof b);
	CHECK_RC(wis_flash_write(dev, MIB - 4, b, 8, WIS_FLASH_WRITE_ERASE, NULL, NULL),
	         -WIS_ST_BAD_ARG);
	CHECK_OK(wis_flash_read(dev, MIB - 4, now, 4, NULL, NULL));
	CHECK(memcmp(keep, now, 4) == 0); /* nothing written */
	CHECK_RC(wis_flash_verify(dev, 0xfffffff0u, 0x20, NULL), -WIS_ST_BAD_ARG);
	CHECK_RC(wis_flash_erase(dev, MIB, 4096), -WIS_ST_BAD_ARG);
}

static void test_raw(wis_device *dev)
{
	printf("raw transaction: JEDEC ID and the SFDP header\n");
	uint8_t id[3] = {0}, sfdp[16] = {0};
	CHECK_OK(wis_flash_raw(dev, "\x9f", 1, id, 3));
	CHECK(id[0] == 0x9d && id[1] == 0x60 && id[2] == 0x14);
	/* 5A, 24-bit address 0, one dummy byte clocked. */
	CHECK_OK(wis_flash_raw(dev, "\x5a\x00\x00\x00\x00", 5, sfdp, sizeof sfdp));
	CHECK(memcmp(sfdp, "SFDP", 4) == 0);
	CHECK(sfdp[5] == 0x01);                     /* major revision 1 */
	CHECK(sfdp[8] == 0x00 && sfdp[15] == 0xff); /* BFPT parameter header */
}

static void test_pins(wis_device *dev)
{
	printf("pins: the flash holds IO7 and LED3 (QSPI DIO2/DIO3)\n");
	CHECK_RC(wis_gpio_write(dev, "IO7", 1), -WIS_ST_PIN_BUSY);
	CHECK(strstr(wis_last_error(), "owned by flash"));
	CHECK_RC(wis_gpio_write(dev, "LED3", 1), -WIS_ST_PIN_BUSY);
}

static void test_pins_first(const char *dir)
{
	printf("pins: a GPIO user of LED3 keeps the flash chip from being probed\n");
	(void)dir;
	struct sim s;
	sim_start(&s, "--flash-fast", NULL);
	wis_device *dev = open_dev(s.pty);
	CHECK_OK(wis_gpio_write(dev, "LED3", 1));
	CHECK_RC(wis_flash_info(dev, NULL), -WIS_ST_PIN_BUSY);
	CHECK(strstr(wis_last_error(), "LED3 is owned by gpio"));
	CHECK_OK(wis_pin_release(dev, "LED3"));
	CHECK_OK(wis_flash_info(dev, NULL));
	wis_close(dev);
	sim_stop(&s);
}

static void test_fallback(void)
{
	printf("not fitted: the internal fallback store\n");
	struct sim s;
	sim_start(&s, "--no-flash", "--flash-fast", NULL);
	wis_device *dev = open_dev(s.pty);
	struct wis_flash_info fi;
	CHECK_OK(wis_flash_info(dev, &fi));
	CHECK(fi.store == WIS_FLASH_STORE_INTERNAL);
	CHECK(fi.size == 32768 && fi.erase_unit == 4096);
	CHECK(fi.jedec[0] == 0 && strstr(fi.name, "internal"));
	uint8_t b[32768], r[32768];
	fill_random(b, sizeof b);
	CHECK_OK(wis_flash_write(dev, 0, b, sizeof b, WIS_FLASH_WRITE_ERASE, NULL, NULL));
	CHECK_OK(wis_flash_read(dev, 0, r, sizeof r, NULL, NULL));
	CHECK(memcmp(b, r, sizeof b) == 0);
	uint32_t crc = 0;
	CHECK_OK(wis_flash_verify(dev, 0, sizeof b, &crc));
	CHECK(crc == wis_flash_crc32(0, b, sizeof b));
	size_t nf = 0;
	while (b[nf] == 0xff)
		nf++; /* a byte with a 0 bit: writing 0xff needs an erase */
	CHECK_RC(wis_flash_write(dev, (uint32_t)nf, "\xff", 1, 0, NULL, NULL), -WIS_ST_WRONG_MODE);
	CHECK_OK(wis_flash_erase(dev, 4096, 4096));
	CHECK_OK(wis_flash_read(dev, 4096, r, 4096, NULL, NULL));
	CHECK(all_ff(r, 4096));
	/* Single bytes inside one NVMC word: the padding programs nothing. */
	CHECK_OK(wis_flash_write(dev, 4097, "\x11", 1, 0, NULL, NULL));
	CHECK_OK(wis_flash_write(dev, 4099, "\x33", 1, 0, NULL, NULL));
	CHECK_OK(wis_flash_read(dev, 4096, r, 4, NULL, NULL));
	CHECK(r[0] == 0xff && r[1] == 0x11 && r[2] == 0xff && r[3] == 0x33);
	CHECK_RC(wis_flash_read(dev, 32760, r, 16, NULL, NULL), -WIS_ST_BAD_ARG);
	CHECK_RC(wis_flash_verify(dev, 0xfffffff0u, 0x20, NULL), -WIS_ST_BAD_ARG);
	uint8_t id[3];
	CHECK_RC(wis_flash_raw(dev, "\x9f", 1, id, 3), -WIS_ST_NOT_FITTED);
	CHECK(strstr(wis_last_error(), "no flash chip fitted"));
	/* The pins stay free for other users. */
	CHECK_OK(wis_gpio_write(dev, "LED3", 1));
	wis_close(dev);
	sim_stop(&s);
}

struct stopper {
	struct sim *s;
	uint64_t at;
	bool stopped;
};

static void stop_midway(uint64_t done, uint64_t total, void *user)
{
	(void)total;
	struct stopper *st = user;
	if (!st->stopped && done >= st->at) {
		sim_stop(st->s); /* the module unplugged mid-write */
		st->stopped = true;
	}
}

static void test_persist_resume(const char *dir)
{
	printf("image file: persists across a restart; interrupted image write resumes\n");
	char img[256], file[256];
	snprintf(img, sizeof img, "%s/flash.img", dir);
	snprintf(file, sizeof file, "%s/payload.bin", dir);
	static uint8_t data[96 * 1024], back[96 * 1024];
	fill_random(data, sizeof data);
	FILE *f = fopen(file, "wb");
	CHECK(f && fwrite(data, 1, sizeof data, f) == sizeof data);
	if (f)
		fclose(f);

	struct sim s;
	sim_start(&s, "--flash-fast", "--flash-image", img, NULL);
	wis_device *dev = open_dev(s.pty);
	struct stopper st = {&s, 40 * 1024, false};
	uint64_t skipped = 0;
	CHECK(wis_flash_write_image(dev, 0x8000, file, stop_midway, &st, &skipped) < 0);
	CHECK(st.stopped);
	wis_close(dev);

	sim_start(&s, "--flash-fast", "--flash-image", img, NULL);
	dev = open_dev(s.pty);
	CHECK_OK(wis_flash_write_image(dev, 0x8000, file, NULL, NULL, &skipped));
	printf("  %llu of %zu bytes were in place after the interruption\n",
	       (unsigned long long)skipped, sizeof data);
	CHECK(skipped >= 40 * 1024 && skipped < sizeof data);
	/* A second run finds everything in place. */
	CHECK_OK(wis_flash_write_image(dev, 0x8000, file, NULL, NULL, &skipped));
	CHECK(skipped == sizeof data);
	wis_close(dev);
	sim_stop(&s);

	sim_start(&s, "--flash-fast", "--flash-image", img, NULL);
	dev = open_dev(s.pty);
	CHECK_OK(wis_flash_read(dev, 0x8000, back, sizeof back, NULL, NULL));
	CHECK(memcmp(back, data, sizeof data) == 0);
	wis_close(dev);
	sim_stop(&s);
	unlink(img);
	unlink(file);
}

/* How many erases of the simulated chip have covered the 4 KiB sector
 * holding addr (its control socket's "flash wear"). */
static unsigned wear(struct sim *s, uint32_t addr)
{
	char r[128];
	if (sim_ctl(s, r, sizeof r, "flash wear 0x%x", addr) != 0)
		return ~0u;
	const char *eq = strrchr(r, '=');
	return eq ? (unsigned)strtoul(eq + 1, NULL, 10) : ~0u;
}

enum { REWRITE_UNITS = 17 };

/* Each of the span's units erased exactly once more than in w0. */
static bool erased_once(struct sim *s, uint32_t base, const unsigned *w0, unsigned *w)
{
	bool ok = true;
	for (unsigned k = 0; k < REWRITE_UNITS; k++) {
		w[k] = wear(s, base + k * 4096u);
		ok &= w[k] == w0[k] + 1;
	}
	return ok;
}

/* An image over other data, at datasheet timing, then the same range
 * written with the erase flag: each whole unit is erased once and
 * programmed (with the erase flag on every 512-byte request the module
 * would merge and erase it eight times), the partial units at both ends
 * merged so the bytes around keep their values.  Counted on the chip. */
static void test_image_rewrite(const char *dir)
{
	printf("image over other data: whole units erased once, the ends merged\n");
	enum {
		BASE = 0x10000,
		SPAN = REWRITE_UNITS * 4096,
		AT = BASE + 0xe00,
		LEN = 0x200 + 15 * 4096 + 0x200
	};
	static uint8_t old[SPAN], img[LEN], back[SPAN];
	fill_random(old, sizeof old);
	fill_random(img, sizeof img);
	char file[256];
	snprintf(file, sizeof file, "%s/rewrite.bin", dir);
	FILE *f = fopen(file, "wb");
	CHECK(f && fwrite(img, 1, sizeof img, f) == sizeof img);
	if (f)
		fclose(f);
	struct sim s;
	sim_start(&s, NULL);
	wis_device *dev = open_dev(s.pty);
	CHECK_OK(wis_flash_erase(dev, BASE, SPAN));
	CHECK_OK(wis_flash_write(dev, BASE, old, SPAN, 0, NULL, NULL));
	unsigned w0[REWRITE_UNITS], w1[REWRITE_UNITS], w2[REWRITE_UNITS];
	for (unsigned k = 0; k < REWRITE_UNITS; k++)
		w0[k] = wear(&s, BASE + k * 4096u);
	uint64_t skipped = 1;
	int64_t t0 = mono_ns();
	CHECK_OK(wis_flash_write_image(dev, AT, file, NULL, NULL, &skipped));
	printf("  %u bytes over other data in %.2f s\n", (unsigned)LEN,
	       (double)(mono_ns() - t0) / 1e9);
	CHECK(skipped == 0);
	CHECK(erased_once(&s, BASE, w0, w1));
	CHECK_OK(wis_flash_read(dev, BASE, back, SPAN, NULL, NULL));
	CHECK(memcmp(back, old, AT - BASE) == 0);
	CHECK(memcmp(back + (AT - BASE), img, LEN) == 0);
	CHECK(memcmp(back + (AT - BASE) + LEN, old + (AT - BASE) + LEN, SPAN - (AT - BASE) - LEN) ==
	      0);
	/* wis_flash_write with the erase flag, over the image just written. */
	fill_random(img, sizeof img);
	CHECK_OK(wis_flash_write(dev, AT, img, LEN, WIS_FLASH_WRITE_ERASE, NULL, NULL));
	CHECK(erased_once(&s, BASE, w1, w2));
	CHECK_OK(wis_flash_read(dev, BASE, back, SPAN, NULL, NULL));
	CHECK(memcmp(back, old, AT - BASE) == 0 && memcmp(back + (AT - BASE), img, LEN) == 0);
	wis_close(dev);
	sim_stop(&s);
	unlink(file);
}

int main(int argc, char **argv)
{
	harness_init(argc, argv);
	char dir[] = "/tmp/wisflash.XXXXXX";
	if (!mkdtemp(dir))
		return 1;
	static uint8_t buf[MIB], back[MIB];
	struct sim s;
	sim_start(&s, "--flash-fast", NULL);
	wis_device *dev = open_dev(s.pty);
	test_info(dev);
	test_mib(dev, buf, back);
	test_stream(&s, dev, buf, back);
	test_erase(dev, buf);
	test_program(dev, buf);
	test_pipelined_error(dev);
	test_range(dev);
	test_raw(dev);
	test_pins(dev);
	wis_close(dev);
	sim_stop(&s);
	test_pins_first(dir);
	test_fallback();
	test_persist_resume(dir);
	test_image_rewrite(dir);
	rmdir(dir);
	return TEST_RESULT();
}

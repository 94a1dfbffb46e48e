/*
 * wisctl flash info|write|write-image|erase|verify: the flash.* methods,
 * looped for transfers longer than one request (512 bytes written per
 * call); read is wisctl_flash_read.c.
 * write goes erase unit by erase unit (write_unit): a whole unit that is
 * not erased is erased once, not merged per request; its requests go two
 * in flight (write_pipelined).
 * write-image is the resumable whole-image write: erase unit by erase
 * unit, a unit whose device CRC already matches the file is skipped, so a
 * run after an interruption goes on where the last one stopped; then the
 * whole range is verified.  A progress bar goes to stderr only when it is
 * a terminal and the output is not --json.  Numbers are decimal or 0x hex, with an
 * optional K or M suffix (KiB, MiB).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ops.h"
#include "wisctl_flash.h"
#include "wisctl_out.h"

int flash_parse_size(const char *s, uint32_t *out)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 0);
	if (end == s || *s == '-')
		return -1;
	if (*end == 'k' || *end == 'K')
		v *= 1024, end++;
	else if (*end == 'm' || *end == 'M')
		v *= 1024 * 1024, end++;
	if (*end || v > UINT32_MAX)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

void flash_progress(struct opts *o, uint64_t done, uint64_t total)
{
	static int tty = -1; /* asked once: this runs per pipe read */
	if (tty < 0)
		tty = isatty(2);
	if (o->json || !tty || !total)
		return;
	int w = (int)(done * 40 / total);
	fprintf(stderr, "\r[%.*s%*s] %3d%% %llu/%llu bytes", w,
	        "########################################", 40 - w, "", (int)(done * 100 / total),
	        (unsigned long long)done, (unsigned long long)total);
	if (done == total)
		fputc('\n', stderr);
}

json_object *flash_range_params(uint32_t addr, uint32_t len)
{
	json_object *p = json_object_new_object();
	json_object_object_add(p, "addr", json_object_new_int64(addr));
	json_object_object_add(p, "len", json_object_new_int64(len));
	return p;
}

/* --timeout plus the most the module may take for this request. */
unsigned flash_long_timeout(struct opts *o, uint16_t op, uint32_t addr, uint32_t len)
{
	union wis_val v[2] = {WIS_VAL(addr), WIS_VAL(len)};
	uint8_t req[8];
	size_t n = wis_op_encode(op, v, req, sizeof req);
	return o->timeout_ms + wis_op_bound_ms(wis_op_find(op), req, n);
}

int flash_nibble(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int cmd_flash_info(struct link *l, struct opts *o, int argc, char **argv)
{
	(void)argv;
	if (leftover_options(argc, argv))
		return EXIT_USAGE;
	if (argc)
		return usage_error("unexpected argument '%s'", argv[0]);
	struct wisj_error e = {0};
	json_object *r;
	int rc = link_call(l, "flash.info", NULL, &r, &e, o->timeout_ms);
	if (rc)
		return fail(o, &e, rc);
	if (o->json) {
		out_json(stdout, r);
	} else {
		json_object *v;
		const char *keys[] = {"store", "name", "jedec", "size", "erase_unit", "page_size"};
		for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
			if (json_object_object_get_ex(r, keys[i], &v))
				printf("%s=%s\n", keys[i], json_object_get_string(v));
	}
	json_object_put(r);
	return EXIT_OK;
}

static char *hex_of(const uint8_t *p, size_t n, char *out)
{
	static const char hx[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hx[p[i] >> 4];
		out[2 * i + 1] = hx[p[i] & 15];
	}
	out[2 * n] = 0;
	return out;
}

/* The module's status in an error's data is BUSY. */
static bool is_busy(const struct wisj_error *e)
{
	json_object *st;
	return e->data && json_object_object_get_ex(e->data, "status", &st) &&
	       !strcmp(json_object_get_string(st), "BUSY");
}

/* call_put, but a BUSY answer (the module is still finishing another flash
 * operation: one of a run that was just interrupted, or another client's)
 * is retried for up to 5 s. */
static int call_busy(struct link *l, const char *method, json_object *params, json_object **res,
                     struct wisj_error *e, unsigned timeout_ms)
{
	for (int tries = 0;; tries++) {
		int rc = link_call(l, method, params, res, e, timeout_ms);
		if (!rc || !is_busy(e) || tries == 250 || wisctl_interrupted) {
			json_object_put(params);
			return rc;
		}
		wisj_error_clear(e);
		usleep(20000);
	}
}

/* One flash.write of n bytes at addr; with erase, the module erases what
 * it needs first (merging the rest of the unit back). */
static int write_one(struct link *l, struct opts *o, uint32_t addr, const uint8_t *p, size_t n,
                     bool erase)
{
	char hex[2 * WRITE_CHUNK + 1];
	json_object *q = json_object_new_object(), *r;
	json_object_object_add(q, "addr", json_object_new_int64(addr));
	json_object_object_add(q, "data", json_object_new_string(hex_of(p, n, hex)));
	json_object_object_add(q, "erase", json_object_new_boolean(erase));
	struct wisj_error e = {0};
	int rc = call_busy(l, "flash.write", q, &r, &e, o->timeout_ms + 2000);
	if (rc)
		return fail(o, &e, rc);
	json_object_put(r);
	return EXIT_OK;
}

/* The device's CRC-32 of [addr, addr + len) into *crc. */
static int device_crc(struct link *l, struct opts *o, uint32_t addr, uint32_t len, uint32_t *crc)
{
	struct wisj_error e = {0};
	json_object *r, *c;
	int rc = call_busy(l, "flash.verify", flash_range_params(addr, len), &r, &e,
	                   flash_long_timeout(o, WIS_OP_FLASH_VERIFY, addr, len));
	if (rc)
		return fail(o, &e, rc);
	*crc = json_object_object_get_ex(r, "crc32", &c) ? (uint32_t)json_object_get_int64(c) : 0;
	json_object_put(r);
	return EXIT_OK;
}

static uint8_t *load(const char *path, uint32_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	uint8_t *b = n >= 0 && n <= (long)UINT32_MAX ? malloc((size_t)n + 1) : NULL;
	if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
		free(b);
		b = NULL;
	}
	fclose(f);
	*len = (uint32_t)n;
	return b;
}

/* A range's flash.write requests (chunks ending on WRITE_CHUNK boundaries
 * of the address), two in flight: the module keeps one write behind the
 * running one, so the chip programs one while the next travels. */
struct wjob {
	uint32_t at, n;
	const uint8_t *d;
	bool erase;
	bool *done; /* per request: answered OK */
	char hex[2 * WRITE_CHUNK + 1];
};

/* Requests in flight; 1 from the first BUSY on (firmware that runs one
 * write at a time, or another client's operation). */
static unsigned write_depth = 2;

static void chunk_of(const struct wjob *j, size_t i, uint32_t *off, uint32_t *len)
{
	uint32_t first = WRITE_CHUNK - j->at % WRITE_CHUNK;
	uint32_t o = i == 0 ? 0 : first + (uint32_t)(i - 1) * WRITE_CHUNK;
	uint32_t m = i == 0 ? first : WRITE_CHUNK;
	*off = o;
	*len = m < j->n - o ? m : j->n - o;
}

static json_object *make_write(size_t i, void *user)
{
	struct wjob *j = user;
	uint32_t off, m;
	chunk_of(j, i, &off, &m);
	json_object *q = json_object_new_object();
	json_object_object_add(q, "addr", json_object_new_int64(j->at + off));
	json_object_object_add(q, "data", json_object_new_string(hex_of(j->d + off, m, j->hex)));
	json_object_object_add(q, "erase", json_object_new_boolean(j->erase));
	return q;
}

static int got_write(size_t i, json_object *result, void *user, struct wisj_error *e)
{
	(void)result, (void)e;
	((struct wjob *)user)->done[i] = true;
	return 0;
}

/* After a BUSY, the requests not answered OK go again one at a time, each
 * retried while BUSY (one the module took but whose answer came after the
 * failure is programmed again with the same bytes, which changes
 * nothing). */
static int write_pipelined(struct link *l, struct opts *o, uint32_t at, const uint8_t *d,
                           uint32_t n, bool erase)
{
	struct wjob j = {.at = at, .n = n, .d = d, .erase = erase};
	uint32_t first = WRITE_CHUNK - at % WRITE_CHUNK;
	size_t count = n <= first ? 1 : 1 + (n - first + WRITE_CHUNK - 1) / WRITE_CHUNK;
	j.done = calloc(count, sizeof *j.done);
	if (!j.done) {
		fprintf(stderr, "wisctl %s: out of memory\n", o->cmdline);
		return EXIT_FAILED;
	}
	struct wisj_error e = {0};
	int rc = link_call_pipelined(l, "flash.write", count, write_depth, make_write, got_write,
	                             &j, &e, o->timeout_ms + 2000);
	if (rc && is_busy(&e)) {
		write_depth = 1;
		wisj_error_clear(&e);
		rc = EXIT_OK;
		for (size_t i = 0; i < count && rc == EXIT_OK; i++) {
			uint32_t off, m;
			chunk_of(&j, i, &off, &m);
			if (!j.done[i])
				rc = write_one(l, o, at + off, d + off, m, erase);
		}
	} else if (rc) {
		rc = fail(o, &e, rc);
	}
	free(j.done);
	return rc;
}

/* CRC-32 of n erased (0xff) bytes: a range the device sums so needs no
 * erase before it is programmed. */
static uint32_t crc_erased(uint32_t n)
{
	static uint8_t ff[4096];
	if (!ff[0])
		memset(ff, 0xff, sizeof ff);
	uint32_t crc = 0;
	for (uint32_t k = 0; k < n; k += sizeof ff)
		crc = wis_flash_crc32(crc, ff, n - k < sizeof ff ? n - k : sizeof ff);
	return crc;
}

/* Writes d[0..n) at at, all inside one erase unit whose device CRC is
 * dev_crc, in WRITE_CHUNK requests.  Erased, it is just programmed; a
 * whole unit holding other bytes is erased once, then programmed (the
 * erase flag on every request would have the module merge and erase the
 * unit again for each: eight times for 4 KiB); part of a unit keeps the
 * flag, so that the bytes around it keep their values.  may_erase false
 * (--no-erase): programmed as it is, which the module refuses over bytes
 * that are not erased. */
static int write_unit(struct link *l, struct opts *o, uint32_t at, const uint8_t *d, uint32_t n,
                      uint32_t unit, uint32_t dev_crc, bool may_erase)
{
	bool erase = false;
	int rc = EXIT_OK;
	if (may_erase && dev_crc != crc_erased(n)) {
		if (n == unit && at % unit == 0) {
			struct wisj_error e = {0};
			json_object *r;
			rc = call_busy(l, "flash.erase", flash_range_params(at, n), &r, &e,
			               flash_long_timeout(o, WIS_OP_FLASH_ERASE, at, n));
			if (rc)
				return fail(o, &e, rc);
			json_object_put(r);
		} else {
			erase = true;
		}
	}
	return rc ? rc : write_pipelined(l, o, at, d, n, erase);
}

/* The store's erase unit (flash.info), once path's len bytes at addr are
 * known to fit it; else the reason on stderr and EXIT_USAGE. */
static int store_unit(struct link *l, struct opts *o, uint32_t addr, uint32_t len, const char *path,
                      uint32_t *unit)
{
	struct wisj_error e = {0};
	json_object *info, *v;
	int rc = call_busy(l, "flash.info", NULL, &info, &e, o->timeout_ms);
	if (rc)
		return fail(o, &e, rc);
	uint32_t size =
	    json_object_object_get_ex(info, "size", &v) ? (uint32_t)json_object_get_int64(v) : 0;
	*unit = json_object_object_get_ex(info, "erase_unit", &v)
	            ? (uint32_t)json_object_get_int64(v)
	            : 0;
	*unit = *unit ? *unit : 4096;
	json_object_put(info);
	if ((uint64_t)addr + len <= size)
		return EXIT_OK;
	fprintf(stderr, "wisctl %s: %s: %u bytes at 0x%08x do not fit the store (%u bytes)\n",
	        o->cmdline, path, len, addr, size);
	return EXIT_USAGE;
}

int cmd_flash_write(struct link *l, struct opts *o, int argc, char **argv)
{
	bool no_erase = false;
	take_opt(&argc, argv, "--no-erase", false, &no_erase);
	uint32_t addr, len = 0, unit = 0;
	if (leftover_options(argc, argv))
		return EXIT_USAGE;
	if (argc != 2 || flash_parse_size(argv[0], &addr))
		return usage_error("%s", "want ADDR FILE");
	uint8_t *data = load(argv[1], &len);
	if (!data) {
		fprintf(stderr, "wisctl %s: %s: cannot open\n", o->cmdline, argv[1]);
		return EXIT_USAGE;
	}
	int rc = store_unit(l, o, addr, len, argv[1], &unit);
	/* Unit by unit: whether each needs an erase is asked of the device
	 * (flash.verify) unless --no-erase. */
	for (uint32_t off = 0; off < len && rc == EXIT_OK && !wisctl_interrupted;) {
		uint32_t n = unit - (addr + off) % unit, crc = 0;
		n = n < len - off ? n : len - off;
		if (!no_erase)
			rc = device_crc(l, o, addr + off, n, &crc);
		if (rc == EXIT_OK)
			rc = write_unit(l, o, addr + off, data + off, n, unit, crc, !no_erase);
		off += n;
		if (rc == EXIT_OK)
			flash_progress(o, off, len);
	}
	free(data);
	if (rc == EXIT_OK && wisctl_interrupted)
		rc = EXIT_FAILED;
	if (rc == EXIT_OK && o->json) {
		json_object *r = flash_range_params(addr, len);
		out_json(stdout, r);
		json_object_put(r);
	}
	return rc;
}

int cmd_flash_write_image(struct link *l, struct opts *o, int argc, char **argv)
{
	const char *at = take_opt(&argc, argv, "--addr", true, NULL);
	uint32_t addr = 0, len = 0;
	if (leftover_options(argc, argv))
		return EXIT_USAGE;
	if (argc != 1 || (at && flash_parse_size(at, &addr)))
		return usage_error("%s", "want FILE [--addr ADDR]");
	uint8_t *data = load(argv[0], &len);
	if (!data) {
		fprintf(stderr, "wisctl %s: %s: cannot read\n", o->cmdline, argv[0]);
		return EXIT_USAGE;
	}
	uint32_t unit = 0;
	int rc = store_unit(l, o, addr, len, argv[0], &unit);
	if (rc) {
		free(data);
		return rc;
	}
	uint64_t written = 0, skipped = 0;
	for (uint32_t off = 0; off < len && rc == EXIT_OK && !wisctl_interrupted;) {
		/* One erase unit at a time: already in place (an earlier run
		 * wrote it: skipped), or written (write_unit). */
		uint32_t n = unit - (addr + off) % unit, crc = 0;
		n = n < len - off ? n : len - off;
		rc = device_crc(l, o, addr + off, n, &crc);
		if (rc == EXIT_OK && crc == wis_flash_crc32(0, data + off, n)) {
			skipped += n;
		} else if (rc == EXIT_OK) {
			rc = write_unit(l, o, addr + off, data + off, n, unit, crc, true);
			written += n;
		}
		off += n;
		if (rc == EXIT_OK)
			flash_progress(o, off, len);
	}
	uint32_t want = wis_flash_crc32(0, data, len), got = 0;
	free(data);
	if (rc == EXIT_OK && wisctl_interrupted)
		rc = EXIT_FAILED;
	if (rc == EXIT_OK && (rc = device_crc(l, o, addr, len, &got)) == EXIT_OK && got != want) {
		fprintf(stderr,
		        "wisctl %s: verify failed: device CRC 0x%08x, file 0x%08x (run it again)\n",
		        o->cmdline, got, want);
		rc = EXIT_FAILED;
	}
	if (rc != EXIT_OK)
		return rc;
	if (o->json) {
		json_object *j = flash_range_params(addr, len);
		json_object_object_add(j, "file", json_object_new_string(argv[0]));
		json_object_object_add(j, "written", json_object_new_int64((int64_t)written));
		json_object_object_add(j, "skipped", json_object_new_int64((int64_t)skipped));
		json_object_object_add(j, "crc32", json_object_new_int64(got));
		out_json(stdout, j);
		json_object_put(j);
	} else {
		printf("%u bytes at 0x%08x: wrote %llu, skipped %llu already in place; "
		       "verified crc32=0x%08x\n",
		       len, addr, (unsigned long long)written, (unsigned long long)skipped, got);
	}
	return EXIT_OK;
}

int cmd_flash_erase(struct link *l, struct opts *o, int argc, char **argv)
{
	uint32_t addr, len;
	if (leftover_options(argc, argv))
		return EXIT_USAGE;
	if (argc != 2 || flash_parse_size(argv[0], &addr) || flash_parse_size(argv[1], &len))
		return usage_error("%s", "want ADDR LEN (multiples of the erase unit)");
	struct wisj_error e = {0};
	json_object *r;
	int rc = call_put(l, "flash.erase", flash_range_params(addr, len), &r, &e,
	                  flash_long_timeout(o, WIS_OP_FLASH_ERASE, addr, len));
	if (rc)
		return fail(o, &e, rc);
	if (o->json)
		out_json(stdout, r);
	json_object_put(r);
	return EXIT_OK;
}

/* CRC-32 of a file's bytes and its length; -1 if it cannot be read. */
static int file_crc(const char *path, uint32_t *crc, uint32_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return -1;
	uint8_t b[4096];
	size_t n;
	uint64_t total = 0;
	*crc = 0;
	while ((n = fread(b, 1, sizeof b, f)) > 0) {
		*crc = wis_flash_crc32(*crc, b, n);
		total += n;
	}
	fclose(f);
	if (total > UINT32_MAX)
		return -1;
	*len = (uint32_t)total;
	return 0;
}

int cmd_flash_verify(struct link *l, struct opts *o, int argc, char **argv)
{
	uint32_t addr, len = 0, want = 0;
	if (leftover_options(argc, argv))
		return EXIT_USAGE;
	if (argc != 2 || flash_parse_size(argv[0], &addr))
		return usage_error("%s", "want ADDR FILE|LEN");
	bool is_file = flash_parse_size(argv[1], &len) != 0;
	if (is_file && file_crc(argv[1], &want, &len) < 0) {
		fprintf(stderr, "wisctl %s: %s: cannot read\n", o->cmdline, argv[1]);
		return EXIT_USAGE;
	}
	struct wisj_error e = {0};
	json_object *r, *c;
	int rc = call_put(l, "flash.verify", flash_range_params(addr, len), &r, &e,
	                  flash_long_timeout(o, WIS_OP_FLASH_VERIFY, addr, len));
	if (rc)
		return fail(o, &e, rc);
	uint32_t got =
	    json_object_object_get_ex(r, "crc32", &c) ? (uint32_t)json_object_get_int64(c) : 0;
	bool match = !is_file || got == want;
	if (is_file)
		json_object_object_add(r, "match", json_object_new_boolean(match));
	if (o->json)
		out_json(stdout, r);
	else if (is_file)
		printf("%s crc32=0x%08x%s\n", match ? "match" : "MISMATCH", got,
		       match ? "" : " (file differs)");
	else
		printf("crc32=0x%08x\n", got);
	json_object_put(r);
	if (!match)
		fprintf(stderr, "wisctl %s: flash differs from %s (device 0x%08x, file 0x%08x)\n",
		        o->cmdline, argv[1], got, want);
	return match ? EXIT_OK : EXIT_FAILED;
}

/*
 * wisctl flash info|read|write|erase|verify: the flash.* methods, looped
 * for transfers longer than one request (1024 bytes read, 512 written per
 * call).  A progress bar goes to stderr only when it is a terminal and
 * the output is not --json.  Numbers are decimal or 0x hex, with an
 * optional K or M suffix (KiB, MiB).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ops.h"
#include "wisctl.h"
#include "wisctl_out.h"

#define READ_CHUNK 1024u
#define WRITE_CHUNK 512u

static int parse_size(const char *s, uint32_t *out)
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

static void progress(struct opts *o, uint64_t done, uint64_t total)
{
	if (o->json || !isatty(2) || !total)
		return;
	int w = (int)(done * 40 / total);
	fprintf(stderr, "\r[%.*s%*s] %3d%% %llu/%llu bytes", w,
	        "########################################", 40 - w, "", (int)(done * 100 / total),
	        (unsigned long long)done, (unsigned long long)total);
	if (done == total)
		fputc('\n', stderr);
}

static json_object *range_params(uint32_t addr, uint32_t len)
{
	json_object *p = json_object_new_object();
	json_object_object_add(p, "addr", json_object_new_int64(addr));
	json_object_object_add(p, "len", json_object_new_int64(len));
	return p;
}

/* --timeout plus the most the module may take for this request. */
static unsigned long_timeout(struct opts *o, uint16_t op, uint32_t addr, uint32_t len)
{
	union wis_val v[2] = {WIS_VAL(addr), WIS_VAL(len)};
	uint8_t req[8];
	size_t n = wis_op_encode(op, v, req, sizeof req);
	return o->timeout_ms + wis_op_bound_ms(wis_op_find(op), req, n);
}

static int nibble(char c)
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

static int read_chunk(struct link *l, struct opts *o, uint32_t addr, uint32_t n, uint8_t *out)
{
	struct wisj_error e = {0};
	json_object *r, *d;
	int rc = call_put(l, "flash.read", range_params(addr, n), &r, &e, o->timeout_ms);
	if (rc)
		return fail(o, &e, rc);
	const char *h = json_object_object_get_ex(r, "data", &d) ? json_object_get_string(d) : "";
	rc = strlen(h) == 2u * n ? EXIT_OK : EXIT_FAILED;
	for (uint32_t i = 0; rc == EXIT_OK && i < n; i++) {
		int hi = nibble(h[2 * i]), lo = nibble(h[2 * i + 1]);
		if (hi < 0 || lo < 0)
			rc = EXIT_FAILED; /* and no shift of -1 */
		else
			out[i] = (uint8_t)(hi << 4 | lo);
	}
	if (rc)
		fprintf(stderr, "wisctl %s: malformed flash.read answer\n", o->cmdline);
	json_object_put(r);
	return rc;
}

static void hexdump(uint32_t addr, const uint8_t *p, uint32_t n)
{
	for (uint32_t i = 0; i < n; i += 16) {
		printf("%08x ", addr + i);
		for (uint32_t k = i; k < i + 16 && k < n; k++)
			printf(" %02x", p[k]);
		putchar('\n');
	}
}

int cmd_flash_read(struct link *l, struct opts *o, int argc, char **argv)
{
	const char *file = take_opt(&argc, argv, "-o", true, NULL);
	uint32_t addr, len;
	if (leftover_options(argc, argv))
		return EXIT_USAGE;
	if (argc != 2 || parse_size(argv[0], &addr) || parse_size(argv[1], &len))
		return usage_error("%s", "want ADDR LEN (decimal or 0x hex, K/M suffix)");
	if (file && !*file)
		return usage_error("%s", "-o needs a file name");
	FILE *f = file ? (strcmp(file, "-") ? fopen(file, "wb") : stdout) : NULL;
	if (file && !f) {
		fprintf(stderr, "wisctl %s: %s: cannot create\n", o->cmdline, file);
		return EXIT_USAGE;
	}
	uint8_t buf[READ_CHUNK];
	int rc = EXIT_OK;
	for (uint32_t off = 0; off < len && rc == EXIT_OK && !wisctl_interrupted;) {
		uint32_t n = len - off < READ_CHUNK ? len - off : READ_CHUNK;
		if ((rc = read_chunk(l, o, addr + off, n, buf)) != EXIT_OK)
			break;
		if (f && fwrite(buf, 1, n, f) != n)
			rc = EXIT_FAILED;
		else if (!f)
			hexdump(addr + off, buf, n);
		off += n;
		if (f && f != stdout)
			progress(o, off, len);
	}
	if (f && f != stdout && fclose(f) != 0)
		rc = EXIT_FAILED;
	if (rc == EXIT_OK && o->json && f != stdout) {
		json_object *r = range_params(addr, len);
		if (file)
			json_object_object_add(r, "file", json_object_new_string(file));
		out_json(stdout, r);
		json_object_put(r);
	}
	return rc;
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

int cmd_flash_write(struct link *l, struct opts *o, int argc, char **argv)
{
	bool no_erase = false;
	take_opt(&argc, argv, "--no-erase", false, &no_erase);
	uint32_t addr;
	if (leftover_options(argc, argv))
		return EXIT_USAGE;
	if (argc != 2 || parse_size(argv[0], &addr))
		return usage_error("%s", "want ADDR FILE");
	FILE *f = fopen(argv[1], "rb");
	if (!f) {
		fprintf(stderr, "wisctl %s: %s: cannot open\n", o->cmdline, argv[1]);
		return EXIT_USAGE;
	}
	fseek(f, 0, SEEK_END);
	long total = ftell(f);
	fseek(f, 0, SEEK_SET);
	uint8_t buf[WRITE_CHUNK];
	char hex[2 * WRITE_CHUNK + 1];
	int rc = EXIT_OK;
	uint32_t off = 0;
	while (rc == EXIT_OK && !wisctl_interrupted) {
		/* Chunks end on 512-byte boundaries of the address: whole pages. */
		size_t want = WRITE_CHUNK - (addr + off) % WRITE_CHUNK;
		size_t n = fread(buf, 1, want, f);
		if (!n)
			break;
		json_object *p = json_object_new_object();
		json_object_object_add(p, "addr", json_object_new_int64(addr + off));
		json_object_object_add(p, "data", json_object_new_string(hex_of(buf, n, hex)));
		json_object_object_add(p, "erase", json_object_new_boolean(!no_erase));
		struct wisj_error e = {0};
		json_object *r;
		rc = call_put(l, "flash.write", p, &r, &e, o->timeout_ms + 2000);
		if (rc)
			rc = fail(o, &e, rc);
		else
			json_object_put(r);
		off += (uint32_t)n;
		progress(o, off, (uint64_t)total);
	}
	fclose(f);
	if (rc == EXIT_OK && o->json) {
		json_object *r = range_params(addr, off);
		out_json(stdout, r);
		json_object_put(r);
	}
	return rc;
}

int cmd_flash_erase(struct link *l, struct opts *o, int argc, char **argv)
{
	uint32_t addr, len;
	if (leftover_options(argc, argv))
		return EXIT_USAGE;
	if (argc != 2 || parse_size(argv[0], &addr) || parse_size(argv[1], &len))
		return usage_error("%s", "want ADDR LEN (multiples of the erase unit)");
	struct wisj_error e = {0};
	json_object *r;
	int rc = call_put(l, "flash.erase", range_params(addr, len), &r, &e,
	                  long_timeout(o, WIS_OP_FLASH_ERASE, addr, len));
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
	if (argc != 2 || parse_size(argv[0], &addr))
		return usage_error("%s", "want ADDR FILE|LEN");
	bool is_file = parse_size(argv[1], &len) != 0;
	if (is_file && file_crc(argv[1], &want, &len) < 0) {
		fprintf(stderr, "wisctl %s: %s: cannot read\n", o->cmdline, argv[1]);
		return EXIT_USAGE;
	}
	struct wisj_error e = {0};
	json_object *r, *c;
	int rc = call_put(l, "flash.verify", range_params(addr, len), &r, &e,
	                  long_timeout(o, WIS_OP_FLASH_VERIFY, addr, len));
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

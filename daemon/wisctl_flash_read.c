/*
 * wisctl flash read: through wisd, -o takes the binary path (flash.stream,
 * no hex JSON per KiB: wisd writes a regular output file itself, or the raw
 * bytes through a pipe passed with the request); otherwise (--device, the hex dump, a wisd without
 * flash.stream) 1024-byte flash.read requests pipelined, READ_DEPTH in flight, the in-order prefix
 * written out as it completes.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wisctl_flash.h"
#include "wisctl_out.h"

static void hexdump(uint32_t addr, const uint8_t *p, uint32_t n)
{
	for (uint32_t i = 0; i < n; i += 16) {
		printf("%08x ", addr + i);
		for (uint32_t k = i; k < i + 16 && k < n; k++)
			printf(" %02x", p[k]);
		putchar('\n');
	}
}

/* A pipelined read: chunk i lands in buf; the in-order prefix goes out
 * (file or hex dump) as soon as it is complete. */
struct rd {
	struct opts *o;
	uint32_t addr, len;
	uint8_t *buf;
	bool *have;
	size_t flushed; /* chunks written out */
	FILE *f;
	bool out_err;
};

static json_object *rd_make(size_t i, void *user)
{
	struct rd *r = user;
	uint32_t off = (uint32_t)i * READ_CHUNK;
	uint32_t n = r->len - off < READ_CHUNK ? r->len - off : READ_CHUNK;
	return flash_range_params(r->addr + off, n);
}

static int rd_got(size_t i, json_object *res, void *user, struct wisj_error *e)
{
	struct rd *r = user;
	uint32_t off = (uint32_t)i * READ_CHUNK;
	uint32_t n = r->len - off < READ_CHUNK ? r->len - off : READ_CHUNK;
	json_object *d;
	bool ok = json_object_object_get_ex(res, "data", &d) &&
	          json_object_get_string_len(d) == (int)(2u * n);
	/* A table per hex digit (0xFF: not one): a 1 MiB read decodes 2 MiB of
	 * digits, the largest cost of this process after the JSON parser. */
	static uint8_t val[256];
	if (!val['1'])
		for (int c = 0; c < 256; c++)
			val[c] =
			    (uint8_t)(flash_nibble((char)c) < 0 ? 0xFF : flash_nibble((char)c));
	const unsigned char *h = ok ? (const unsigned char *)json_object_get_string(d) : NULL;
	uint8_t bad = 0;
	for (uint32_t k = 0; ok && k < n; k++) {
		uint8_t hi = val[h[2 * k]], lo = val[h[2 * k + 1]];
		bad |= hi | lo;
		r->buf[off + k] = (uint8_t)(hi << 4 | lo);
	}
	ok = ok && !(bad & 0xF0);
	if (!ok) {
		wisj_error_set(e, WISJ_HOST_ERROR, "malformed flash.read answer at 0x%08x",
		               r->addr + off);
		return EXIT_FAILED;
	}
	r->have[i] = true;
	size_t nchunks = (r->len + READ_CHUNK - 1) / READ_CHUNK;
	while (r->flushed < nchunks && r->have[r->flushed]) {
		uint32_t o2 = (uint32_t)r->flushed * READ_CHUNK;
		uint32_t m = r->len - o2 < READ_CHUNK ? r->len - o2 : READ_CHUNK;
		if (r->f && fwrite(r->buf + o2, 1, m, r->f) != m)
			r->out_err = true;
		else if (!r->f)
			hexdump(r->addr + o2, r->buf + o2, m);
		r->flushed++;
		if (r->f && r->f != stdout)
			flash_progress(r->o, (uint64_t)o2 + m, r->len);
	}
	return 0;
}

/* ---- the binary path: flash.stream ---------------------------------------------- */

/* A flash.stream under way: through a pipe (read until EOF, the bytes
 * copied to f) or into f itself (wisd writes it; got is how far it grew). */
struct sread {
	struct opts *o;
	FILE *f;
	uint32_t len, got, crc;
	bool eof, answered, out_err;
	json_object *res;
	struct wisj_error e;
	int rc;
};

static int sread_data(struct sread *r, int fd)
{
	static uint8_t buf[256 * 1024]; /* untouched (no cost) unless reading */
	ssize_t n = read(fd, buf, sizeof buf);
	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 0 : -1;
	if (n == 0) {
		r->eof = true;
		return 0;
	}
	if ((uint64_t)r->got + (uint64_t)n > r->len)
		return -1;
	/* Straight to the fd, one write per pipe read: through stdio a large
	 * write is split at its buffer (nothing else writes to f before this). */
	for (ssize_t off = 0; off < n && !r->out_err;) {
		ssize_t w = write(fileno(r->f), buf + off, (size_t)(n - off));
		if (w > 0)
			off += w;
		else if (w < 0 && errno != EINTR)
			r->out_err = true;
	}
	r->crc = wis_flash_crc32(r->crc, buf, (size_t)n);
	r->got += (uint32_t)n;
	if (r->f != stdout)
		flash_progress(r->o, r->got, r->len);
	return 0;
}

/* wisd sent neither a byte nor the answer for --timeout. */
static int silent(struct sread *r)
{
	wisj_error_set(&r->e, WISJ_TIMEOUT,
	               "flash.stream: nothing from wisd for %u ms (%u of %u bytes)",
	               r->o->timeout_ms, r->got, r->len);
	return EXIT_TIMEOUT;
}

/* Pipe and answer until both are done; 0, or an exit code with r->e set. */
static int sread_loop(struct link *l, struct sread *r, int fd, int id)
{
	while (!(r->eof && r->answered)) {
		struct pollfd p[2] = {{r->eof ? -1 : fd, POLLIN, 0},
		                      {r->answered ? -1 : link_fileno(l), POLLIN, 0}};
		int n = poll(p, 2, (int)r->o->timeout_ms);
		if (n < 0 && errno == EINTR && !wisctl_interrupted)
			continue;
		if (n < 0)
			return EXIT_FAILED;
		if (n == 0)
			return silent(r);
		if (p[0].revents && sread_data(r, fd) < 0) {
			wisj_error_set(&r->e, WISJ_HOST_ERROR, "flash.stream: reading the pipe: %s",
			               r->got > r->len ? "more bytes than asked for"
			                               : strerror(errno));
			return EXIT_FAILED;
		}
		if (p[1].revents) {
			int got = link_poll_answer(l, id, 0, &r->res, &r->e, &r->rc);
			if (got == -2)
				return EXIT_UNREACHABLE;
			r->answered = got == 1;
			/* An error: wisd has closed its end, what came is not all. */
			if (r->answered && r->rc)
				return r->rc;
		}
	}
	return 0;
}

/* The answer against what came through the pipe. */
static int sread_check(struct sread *r)
{
	json_object *v;
	int64_t len = json_object_object_get_ex(r->res, "len", &v) ? json_object_get_int64(v) : -1;
	int64_t crc =
	    json_object_object_get_ex(r->res, "crc32", &v) ? json_object_get_int64(v) : -1;
	if (len != r->len || r->got != r->len || crc != r->crc) {
		wisj_error_set(&r->e, WISJ_HOST_ERROR,
		               "flash.stream: got %u bytes with crc32 0x%08x; wisd sent %lld with "
		               "crc32 0x%08llx",
		               r->got, r->crc, (long long)len, (unsigned long long)crc);
		return EXIT_FAILED;
	}
	return r->out_err ? EXIT_FAILED : 0;
}

/* The range through a pipe passed with the request, copied from it into
 * r->f (a pipe, a terminal, a device). */
static int pipe_read(struct link *l, struct sread *r, uint32_t addr)
{
	int p[2], id;
	if (pipe2(p, O_CLOEXEC) < 0) {
		wisj_error_set(&r->e, WISJ_HOST_ERROR, "flash.stream: pipe: %s", strerror(errno));
		return EXIT_FAILED;
	}
	/* A pipe as large as the kernel allows an unprivileged user (1 MiB by
	 * default): wisd's writes rarely find it full, so neither side waits
	 * on the other per 64 KiB.  Failing that, the default size works. */
	(void)fcntl(p[0], F_SETPIPE_SZ, 1 << 20);
	json_object *q = flash_range_params(addr, r->len);
	int rc = link_send_fd(l, "flash.stream", q, p[1], &id, &r->e);
	json_object_put(q);
	close(p[1]);
	if (rc == 0)
		rc = sread_loop(l, r, p[0], id);
	close(p[0]);
	return rc == 0 ? sread_check(r) : rc;
}

/* ---- the direct path: wisd writes the file ------------------------------------------ */

/* The file's position, where wisd's writes land (shared with this process:
 * one open file description).  With O_APPEND they land at the end. */
static off_t file_start(int fd)
{
	int fl = fcntl(fd, F_GETFL);
	return lseek(fd, 0, fl >= 0 && (fl & O_APPEND) ? SEEK_END : SEEK_CUR);
}

/* Waits for the answer, showing the file's growth as progress; timeout_ms
 * with neither an answer nor a byte more is a timeout. */
static int fread_loop(struct link *l, struct sread *r, int fd, off_t start, int id)
{
	unsigned idle = 0, tick = r->o->timeout_ms < 100 ? r->o->timeout_ms : 100;
	while (!r->answered) {
		int got = link_poll_answer(l, id, (int)tick, &r->res, &r->e, &r->rc);
		if (got == -2)
			return EXIT_UNREACHABLE;
		if (got < 0 || wisctl_interrupted)
			return EXIT_FAILED;
		r->answered = got == 1;
		off_t at = lseek(fd, 0, SEEK_CUR);
		uint32_t now = at > start ? (uint32_t)(at - start) : 0;
		idle = now != r->got || r->answered ? 0 : idle + tick;
		r->got = now;
		if (r->f != stdout && r->got)
			flash_progress(r->o, r->got, r->len);
		if (r->answered && r->rc)
			return r->rc;
		if (idle >= r->o->timeout_ms)
			return silent(r);
	}
	return 0;
}

/* The range written by wisd itself into f, a regular file passed with the
 * request: no pipe, no copy through this process (what -o FILE costs is
 * then wisd's and the module's, as the library's own read costs).  The
 * answer's length against how far the file's position moved; its CRC-32 is
 * of the bytes wisd wrote, each part CRC-checked on the link. */
static int file_read(struct link *l, struct sread *r, uint32_t addr, bool *refused)
{
	int fd = fileno(r->f), id;
	off_t start = file_start(fd);
	if (start < 0) {
		*refused = true;
		return 0;
	}
	json_object *q = flash_range_params(addr, r->len);
	int rc = link_send_fd(l, "flash.stream", q, fd, &id, &r->e);
	json_object_put(q);
	if (rc == 0)
		rc = fread_loop(l, r, fd, start, id);
	/* A wisd that takes pipes only: nothing was written, the pipe next. */
	*refused = rc && r->got == 0 && r->e.code == WISJ_INVALID_PARAMS && !r->e.data;
	if (rc == 0) {
		json_object *v;
		int64_t len =
		    json_object_object_get_ex(r->res, "len", &v) ? json_object_get_int64(v) : -1;
		if (len != r->len || r->got != r->len) {
			wisj_error_set(&r->e, WISJ_HOST_ERROR,
			               "flash.stream: the file grew by %u bytes; wisd wrote %lld",
			               r->got, (long long)len);
			rc = EXIT_FAILED;
		}
	}
	return rc;
}

/*
 * The range into f through flash.stream, no hex JSON per KiB: wisd writes
 * the raw bytes into f itself when it is a regular file, else into a pipe
 * passed with the request.  *fallback is set (nothing written) when this
 * wisd or link cannot: --device, or an older wisd (-32601), or one refusing
 * the descriptor (-32602).
 */
static int stream_read(struct link *l, struct opts *o, uint32_t addr, uint32_t len, FILE *f,
                       bool *fallback)
{
	/* WISCTL_FLASH_STREAM=0: the flash.read path; =pipe: a file through
	 * the pipe too (both for comparison, docs/cli.md). */
	const char *env = getenv("WISCTL_FLASH_STREAM");
	bool via_pipe = env && !strcmp(env, "pipe");
	*fallback = link_is_direct(l) || len == 0 || (env && !strcmp(env, "0"));
	if (*fallback)
		return 0;
	struct sread r = {.o = o, .f = f, .len = len};
	struct stat st;
	bool refused = true;
	int rc = 0;
	if (!via_pipe && fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) && fflush(f) == 0)
		rc = file_read(l, &r, addr, &refused);
	if (refused) {
		json_object_put(r.res);
		wisj_error_clear(&r.e);
		r = (struct sread){.o = o, .f = f, .len = len};
		rc = pipe_read(l, &r, addr);
	}
	/* An older wisd, or one that took no pipe: the hex path.  Not for a
	 * range the module refused (it carries the device's status). */
	if (rc && r.got == 0 &&
	    (r.e.code == WISJ_METHOD_NOT_FOUND || (r.e.code == WISJ_INVALID_PARAMS && !r.e.data))) {
		*fallback = true;
		rc = 0;
	}
	if (rc)
		rc = wisctl_interrupted && !r.e.code ? EXIT_FAILED : fail(o, &r.e, rc);
	json_object_put(r.res);
	wisj_error_clear(&r.e);
	return rc;
}

/* The range through flash.read calls, pipelined (hex in JSON): to f, or
 * as a hex dump to stdout when f is NULL. */
static int hex_read(struct link *l, struct opts *o, uint32_t addr, uint32_t len, FILE *f)
{
	size_t nchunks = ((size_t)len + READ_CHUNK - 1) / READ_CHUNK;
	struct rd r = {.o = o, .addr = addr, .len = len, .f = f};
	r.buf = malloc(len ? len : 1);
	r.have = calloc(nchunks ? nchunks : 1, sizeof *r.have);
	int rc = EXIT_OK;
	struct wisj_error e = {0};
	if (!r.buf || !r.have) {
		fprintf(stderr, "wisctl %s: out of memory\n", o->cmdline);
		rc = EXIT_FAILED;
	} else {
		rc = link_call_pipelined(l, "flash.read", nchunks, READ_DEPTH, rd_make, rd_got, &r,
		                         &e, o->timeout_ms);
		if (rc)
			rc = fail(o, &e, rc);
		else if (wisctl_interrupted || r.out_err)
			rc = EXIT_FAILED;
	}
	free(r.buf);
	free(r.have);
	return rc;
}

int cmd_flash_read(struct link *l, struct opts *o, int argc, char **argv)
{
	const char *file = take_opt(&argc, argv, "-o", true, NULL);
	uint32_t addr, len;
	if (leftover_options(argc, argv))
		return EXIT_USAGE;
	if (argc != 2 || flash_parse_size(argv[0], &addr) || flash_parse_size(argv[1], &len))
		return usage_error("%s", "want ADDR LEN (decimal or 0x hex, K/M suffix)");
	if (file && !*file)
		return usage_error("%s", "-o needs a file name");
	FILE *f = file ? (strcmp(file, "-") ? fopen(file, "wb") : stdout) : NULL;
	if (file && !f) {
		fprintf(stderr, "wisctl %s: %s: cannot create\n", o->cmdline, file);
		return EXIT_USAGE;
	}
	bool fallback = true;
	int rc = f ? stream_read(l, o, addr, len, f, &fallback) : EXIT_OK;
	if (fallback)
		rc = hex_read(l, o, addr, len, f);
	else if (rc == EXIT_OK && wisctl_interrupted)
		rc = EXIT_FAILED;
	if (f && f != stdout && fclose(f) != 0)
		rc = EXIT_FAILED;
	if (rc == EXIT_OK && o->json && f != stdout) {
		json_object *j = flash_range_params(addr, len);
		if (file)
			json_object_object_add(j, "file", json_object_new_string(file));
		out_json(stdout, j);
		json_object_put(j);
	}
	return rc;
}

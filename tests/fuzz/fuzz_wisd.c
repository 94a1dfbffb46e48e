/*
 * Fuzz target: wisd's request handling, line in -> answers out, with a
 * simulated module behind it (fuzz_simdev.c, in this process).  wisd's
 * core is set up as its main() does (daemon/wisd.c: config defaults,
 * wisjson context, state, device manager, components, the Unix socket
 * server) on a private socket; each input is sent by a fresh client
 * connection, as bytes on the socket (so line framing, over-long lines and
 * NULs are fuzzed too), followed by EOF.  Checked for every input:
 *  - nothing crashes, leaks or touches memory out of bounds (ASan, UBSan);
 *  - every line wisd writes is strict UTF-8 and one JSON object (or array
 *    of them) with "jsonrpc":"2.0", a response exactly one of result/error;
 *  - wisd finishes with the client: every request answered (no request
 *    left pending, nothing queued or in flight at the device) within a
 *    bound, and the client gone after it disconnects, its claims with it
 *    (struct wisd inspected directly: its clients, claims, wisjson queue).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "fuzz_simdev.h"
#include "wisd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A device call's own timeout, and the most any input may take. */
#define CALL_TIMEOUT_MS 1000
#define INPUT_BOUND_MS 60000

static struct wisd d;
static uv_loop_t loop;
static uv_timer_t tick; /* wakes the loop so that the target's checks run */
static char sock_path[108];

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void die(const char *what)
{
	fprintf(stderr, "fuzz-wisd: %s\n", what);
	abort();
}

static void on_tick(uv_timer_t *t)
{
	(void)t;
}

static void run_for(int ms)
{
	int64_t end = now_ms() + ms;
	do
		uv_run(&loop, UV_RUN_ONCE);
	while (now_ms() < end);
}

static char sock_dir[32];

/* The private socket and its directory go at exit (wisd's own shutdown
 * does not run: the process ends with the fuzzer). */
static void cleanup(void)
{
	unlink(sock_path);
	rmdir(sock_dir);
}

/* wisd's start, as in daemon/wisd.c main(), without signals. */
static void start(void)
{
	signal(SIGPIPE, SIG_IGN);
	log_setup(LOG_LVL_ERROR, false);
	char err[200];
	if (wisj_table_check(err, sizeof err) < 0)
		die(err);
	char pty[128];
	if (simdev_start(pty, sizeof pty) < 0)
		die("cannot start the simulated module");
	snprintf(sock_dir, sizeof sock_dir, "/tmp/wisd-fuzz-XXXXXX");
	if (!mkdtemp(sock_dir))
		die("mkdtemp");
	atexit(cleanup);
	if (config_defaults(&d.cfg) < 0)
		die("out of memory");
	snprintf(d.cfg.device, sizeof d.cfg.device, "%s", pty);
	snprintf(sock_path, sizeof sock_path, "%s/wisd.sock", sock_dir);
	snprintf(d.cfg.socket, sizeof d.cfg.socket, "%s", sock_path);
	d.cfg.timeout_ms = CALL_TIMEOUT_MS;
	d.cfg.log_level = LOG_LVL_ERROR;
	uv_loop_init(&loop);
	d.loop = &loop;
	d.started_ms = uv_now(d.loop);
	d.jctx = wisj_ctx_new();
	d.tok = json_tokener_new_ex(d.cfg.max_depth);
	if (!d.jctx || !d.tok || state_init(&d) < 0 || devmgr_init(&d) < 0)
		die("out of memory");
	/* Socket clients get their class from their credentials: this
	 * process's own user, so admin (docs/api.md). */
	wisj_ctx_set_timeout(d.jctx, d.cfg.timeout_ms);
	wisj_ctx_set_queue_limit(d.jctx, d.cfg.queue_limit);
	wisj_ctx_set_radio_region(d.jctx, d.cfg.radio_region);
	dispatch_init(&d);
	uv_timer_init(&loop, &tick);
	uv_timer_start(&tick, on_tick, 5, 5);
	if (components_start(&d) < 0 || devmgr_start(&d) < 0)
		die("wisd did not start");
	int64_t end = now_ms() + 10000;
	while (!devmgr_up(&d) && now_ms() < end)
		uv_run(&loop, UV_RUN_ONCE);
	if (!devmgr_up(&d))
		die("wisd did not reach the simulated module");
}

/* One output line: a JSON object or a batch answer (array of objects). */
static void check_one(json_object *o)
{
	json_object *v, *res, *err;
	if (!json_object_is_type(o, json_type_object))
		die("an answer is not an object");
	if (!json_object_object_get_ex(o, "jsonrpc", &v) ||
	    strcmp(json_object_get_string(v), "2.0") != 0)
		die("an answer without \"jsonrpc\":\"2.0\"");
	if (json_object_object_get_ex(o, "method", NULL))
		return; /* a notification */
	bool has_res = json_object_object_get_ex(o, "result", &res);
	bool has_err = json_object_object_get_ex(o, "error", &err);
	if (has_res == has_err || !json_object_object_get_ex(o, "id", NULL))
		die("a response needs an id and exactly one of result and error");
	if (has_err &&
	    (!json_object_object_get_ex(err, "code", &v) || !json_object_is_type(v, json_type_int)))
		die("an error without an integer code");
}

/* Strict UTF-8 (RFC 3629): no overlong forms, surrogates or code points
 * above U+10FFFF; wisd must never write what it refuses to read. */
static bool utf8_ok(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n;) {
		unsigned c = p[i], need = c < 0x80                 ? 0
		                          : c >= 0xc2 && c <= 0xdf ? 1
		                          : (c & 0xf0) == 0xe0     ? 2
		                          : c >= 0xf0 && c <= 0xf4 ? 3
		                                                   : 9;
		if (need == 9 || i + need >= n + (need ? 0 : 1))
			return false;
		uint32_t cp = need == 0 ? c : c & (0x3f >> need);
		for (unsigned k = 1; k <= need; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (p[i + k] & 0x3f);
		}
		if ((need == 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
		    (need == 3 && (cp < 0x10000 || cp > 0x10ffff)))
			return false;
		i += need + 1;
	}
	return true;
}

static void check_line(const char *line, size_t len)
{
	if (!utf8_ok((const unsigned char *)line, len))
		die("wisd wrote invalid UTF-8");
	json_tokener *t = json_tokener_new_ex(64);
	json_object *o = json_tokener_parse_ex(t, line, (int)len);
	if (!o || json_tokener_get_parse_end(t) != len)
		die("wisd wrote a line that is not one JSON text");
	if (json_object_is_type(o, json_type_array)) {
		size_t n = json_object_array_length(o);
		if (n == 0)
			die("an empty batch answer");
		for (size_t i = 0; i < n; i++)
			check_one(json_object_array_get_idx(o, i));
	} else {
		check_one(o);
	}
	json_object_put(o);
	json_tokener_free(t);
}

static struct client *find_client(unsigned id)
{
	for (struct client *c = d.clients; c; c = c->next)
		if (c->id == id)
			return c;
	return NULL;
}

/* Reads what wisd wrote; false at EOF. */
static bool drain(int fd, char **buf, size_t *len, size_t *cap)
{
	for (;;) {
		if (*cap - *len < 65536) {
			*cap = *cap * 2 + 65536;
			*buf = realloc(*buf, *cap);
			if (!*buf)
				die("out of memory");
		}
		ssize_t r = read(fd, *buf + *len, *cap - *len);
		if (r > 0) {
			*len += (size_t)r;
			continue;
		}
		if (r == 0)
			return false;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN)
			return true;
		return false; /* reset by wisd: it dropped us */
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool started;
	if (!started) {
		start();
		started = true;
	}
	int64_t end = now_ms() + INPUT_BOUND_MS;
	unsigned clients0 = d.nclients;

	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	memcpy(a.sun_path, sock_path, strlen(sock_path) + 1);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) < 0)
		die("cannot connect to wisd");
	while (d.nclients == clients0 && now_ms() < end)
		uv_run(&loop, UV_RUN_ONCE);
	if (!d.clients || d.nclients != clients0 + 1)
		die("wisd did not accept the client");
	unsigned id = d.clients->id;

	char *out = NULL;
	size_t out_len = 0, out_cap = 0;
	size_t sent = 0;
	bool eof = false, open = true;
	int64_t left = 0;
	const char nl = '\n';
	while (now_ms() < end) {
		if (open && sent < size + 1) {
			const void *p =
			    sent < size ? (const void *)(data + sent) : (const void *)&nl;
			size_t n = sent < size ? size - sent : 1;
			ssize_t w = write(fd, p, n);
			if (w > 0)
				sent += (size_t)w;
			if (sent == size + 1)
				shutdown(fd, SHUT_WR);
		}
		uv_run(&loop, UV_RUN_NOWAIT);
		if (open && !eof && !drain(fd, &out, &out_len, &out_cap))
			eof = true;
		struct client *c = find_client(id);
		if (!c)
			break; /* wisd closed it: answers written, or dropped it */
		if (open && sent == size + 1 && c->pending == 0 && !c->closing &&
		    uv_stream_get_write_queue_size(&c->h.stream) == 0 && c->topics && c->is_unix) {
			/* A subscriber stays after EOF (by design): leave. */
			close(fd);
			fd = -1;
			open = false;
			left = now_ms();
		}
		/* wisd must notice a subscriber that has gone although it has
		 * nothing to write to it (issue 10, defect 1). */
		if (!open && now_ms() - left > 3000)
			die("a subscriber that has gone is still kept after 3 s");
		if (!eof && open)
			uv_run(&loop, UV_RUN_ONCE);
	}
	struct client *c = find_client(id);
	if (c) {
		fprintf(
		    stderr,
		    "fuzz-wisd: client pending %u refs %u closing %d eof %d topics %x sent all %d, "
		    "device %s, inflight %u queued %u, wq %zu, our eof %d open %d\n",
		    c->pending, c->refs, c->closing, c->eof, c->topics, sent == size + 1,
		    devmgr_up(&d) ? "up" : "down", wisj_ctx_inflight(d.jctx),
		    wisj_ctx_queued(d.jctx), uv_stream_get_write_queue_size(&c->h.stream), eof,
		    open);
		die("no answer within the bound (or the client was never let go)");
	}
	if (open) {
		while (!eof && now_ms() < end) {
			uv_run(&loop, UV_RUN_NOWAIT);
			if (!drain(fd, &out, &out_len, &out_cap))
				eof = true;
		}
		close(fd);
	}
	/* Its claims went with it. */
	if (d.nclaims)
		die("a claim outlived its client");
	/* Nothing of it is left at the device: a late answer is harmless, but
	 * wisd must not keep calls for a client that is gone. */
	while ((wisj_ctx_inflight(d.jctx) || wisj_ctx_queued(d.jctx)) && now_ms() < end)
		uv_run(&loop, UV_RUN_ONCE);
	if (wisj_ctx_inflight(d.jctx) || wisj_ctx_queued(d.jctx))
		die("calls left at the device");

	/* Every complete line wisd wrote is well formed (a dropped client may
	 * have got a partial last line). */
	size_t at = 0;
	while (at < out_len) {
		char *e = memchr(out + at, '\n', out_len - at);
		if (!e)
			break;
		check_line(out + at, (size_t)(e - (out + at)));
		at = (size_t)(e - out) + 1;
	}
	/* WIS_FUZZ_SHOW=1: what went in and what came back (finding seeds). */
	if (getenv("WIS_FUZZ_SHOW"))
		fprintf(stderr, "--- in %zu bytes, out:\n%.*s", size, (int)out_len, out);
	free(out);
	/* A reset in the input: wait for the module to be back. */
	int64_t back = now_ms() + 5000;
	while (!devmgr_up(&d) && now_ms() < back)
		run_for(10);
	return 0;
}

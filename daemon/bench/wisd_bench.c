/*
 * wisd benchmark (not a test): what the daemon costs on top of libwisrpc.
 *
 *   wisd_bench WISRPC_SIM WISD [seconds-per-throughput-run [CLIENTS,...]]
 *   wisd_bench WISRPC_SIM WISD SECONDS ratio[ROUNDS]
 *
 * With a list of client counts only those throughput runs are made (to
 * profile one of them: perf, strace -c -p, callgrind).
 *
 * Starts two simulators and one wisd (on the first) under a temp dir, then:
 *   1. latency of system.ping one at a time: direct libwisrpc (wis_ping on
 *      the second simulator) and through wisd, p50/p99, and wisd's added
 *      p50 = difference of the two medians;
 *      (the two interleaved call by call, so both see the same machine load);
 *   2. wisd's RSS with 100 idle clients and with 100 subscribers after a
 *      burst of gpio edges has been delivered to all of them;
 *   3. requests/s through wisd with 1, 16 and 64 clients, each keeping 8
 *      requests in flight (system.ping, a device round trip each), each
 *      client a thread, and 16 clients driven from one thread by epoll (a
 *      negative count in CLIENTS: -16), and
 *      wisd's peak RSS over the whole run; and for each run the CPU time
 *      per request of the benchmark's clients, wisd and the simulator, and
 *      their voluntary context switches per request (where the wall time
 *      goes on a machine with fewer cores than busy processes).
 * Kills only the processes it started.  Results are printed as Markdown.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "wisrpc/wisrpc.h"

static char tmpdir[64];

static double now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static void die(const char *what)
{
	fprintf(stderr, "wisd_bench: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* Spawn argv with stdout to a pipe; returns pid, *out gets the read end. */
static pid_t spawn(char **argv, int *out)
{
	int p[2];
	if (pipe(p) < 0)
		die("pipe");
	pid_t pid = fork();
	if (pid == 0) {
		/* Gone with the bench however it ends (a failed start exits
		 * through die()): a simulator left behind would hold the
		 * bench's stdout open, and a pipe into grep would wait for ever. */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		dup2(p[1], 1);
		close(p[0]);
		execv(argv[0], argv);
		_exit(127);
	}
	close(p[1]);
	*out = p[0];
	return pid;
}

static void wait_line(int fd, const char *what)
{
	char c;
	while (read(fd, &c, 1) == 1)
		if (c == '\n')
			return;
	fprintf(stderr, "wisd_bench: %s did not start\n", what);
	exit(1);
}

static int connect_to(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	size_t n = strlen(path);
	if (n >= sizeof sa.sun_path) {
		errno = ENAMETOOLONG;
		die(path);
	}
	memcpy(sa.sun_path, path, n + 1);
	for (int tries = 0; tries < 200; tries++) {
		int fd = socket(AF_UNIX, SOCK_STREAM, 0);
		if (connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0)
			return fd;
		close(fd);
		usleep(20000);
	}
	die("connect to wisd");
	return -1;
}

static void send_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w <= 0)
			die("write");
		p += w;
		n -= (size_t)w;
	}
}

/* Reads until n newlines have arrived; returns how many bytes of the last
 * line contained "result" checks (0 if any response was an error). */
struct reader {
	char buf[65536];
	size_t len;
};

static int read_lines(int fd, struct reader *r, int n)
{
	int ok = 1;
	while (n > 0) {
		char *nl;
		while (n > 0 && (nl = memchr(r->buf, '\n', r->len))) {
			*nl = 0;
			if (!strstr(r->buf, "\"result\""))
				ok = 0;
			size_t used = (size_t)(nl - r->buf) + 1;
			memmove(r->buf, nl + 1, r->len - used);
			r->len -= used;
			n--;
		}
		if (n == 0)
			break;
		ssize_t got = read(fd, r->buf + r->len, sizeof r->buf - r->len - 1);
		if (got <= 0)
			die("read from wisd");
		r->len += (size_t)got;
	}
	return ok;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double pct(double *v, int n, double p)
{
	return v[(int)(p * (n - 1))];
}

#define LAT_N 4000
static const char ping[] = "{\"jsonrpc\":\"2.0\",\"method\":\"system.ping\",\"id\":1}\n";

/* ---- throughput ------------------------------------------------------------------- */

struct tp {
	const char *sock;
	double end_us;
	long done;
	int bad;
	pthread_barrier_t *bar;
};

/* Takes every complete line buffered, reading first while there is none;
 * returns how many, counting those that are not results in *bad.  It waits
 * in poll() for POLLIN, as an event loop does, not in a blocking read():
 * a reader asleep in read() is woken by every read wisd makes of the
 * client's requests (the kernel wakes the socket's sleepers when room to
 * write frees up, and read() sleeps for any wake-up), which doubled the
 * client's wake-ups and made wisd's reads pay for them. */
static int count_lines(struct reader *r, int *bad);

static int take_lines(int fd, struct reader *r, int *bad)
{
	while (!memchr(r->buf, '\n', r->len)) {
		struct pollfd p = {fd, POLLIN, 0};
		if (poll(&p, 1, -1) < 0 && errno != EINTR)
			die("poll");
		ssize_t got = read(fd, r->buf + r->len, sizeof r->buf - r->len - 1);
		if (got <= 0)
			die("read from wisd");
		r->len += (size_t)got;
	}
	return count_lines(r, bad);
}

/* Takes the complete lines in r (see take_lines). */
static int count_lines(struct reader *r, int *bad)
{
	int n = 0;
	char *start = r->buf, *nl;
	while ((nl = memchr(start, '\n', (size_t)(r->buf + r->len - start)))) {
		*nl = 0;
		if (!strstr(start, "\"result\""))
			(*bad)++;
		start = nl + 1;
		n++;
	}
	r->len -= (size_t)(start - r->buf);
	memmove(r->buf, start, r->len);
	return n;
}

/* One client as an event loop drives it: every answer one read brought is
 * handled, then their successors go out in one write (the library's
 * pipelined baseline in tests/bench/wis_bench likewise writes the calls its
 * callbacks make in one write per wis_process()). */
static void *tp_client(void *arg)
{
	struct tp *t = arg;
	struct reader *r = calloc(1, sizeof *r);
	int fd = connect_to(t->sock);
	enum { DEPTH = 8 };
	char burst[sizeof ping * DEPTH];
	for (int i = 0; i < DEPTH; i++)
		memcpy(burst + i * (sizeof ping - 1), ping, sizeof ping - 1);
	pthread_barrier_wait(t->bar);
	send_all(fd, burst, DEPTH * (sizeof ping - 1));
	while (now_us() < t->end_us) {
		int k = take_lines(fd, r, &t->bad);
		t->done += k;
		send_all(fd, burst, (size_t)k * (sizeof ping - 1));
	}
	read_lines(fd, r, DEPTH); /* drain */
	close(fd);
	free(r);
	return NULL;
}

/* The same clients driven from one thread by epoll, as an event-loop
 * program with many connections (or the "independent single-thread
 * client") does: one wake-up serves every connection that has answers. */
static double throughput_one_thread(const char *sock, int nclients, double secs, int *bad,
                                    long *answered)
{
	enum { DEPTH = 8 };
	char burst[sizeof ping * DEPTH];
	for (int i = 0; i < DEPTH; i++)
		memcpy(burst + i * (sizeof ping - 1), ping, sizeof ping - 1);
	int ep = epoll_create1(EPOLL_CLOEXEC), fds[64], out[64];
	struct reader *rs = calloc((size_t)nclients, sizeof *rs);
	if (ep < 0 || !rs)
		die("epoll_create1");
	for (int i = 0; i < nclients; i++) {
		fds[i] = connect_to(sock);
		struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (uint32_t)i};
		if (epoll_ctl(ep, EPOLL_CTL_ADD, fds[i], &ev) < 0)
			die("epoll_ctl");
	}
	long done = 0;
	double start = now_us(), end = start + secs * 1e6;
	for (int i = 0; i < nclients; i++) {
		send_all(fds[i], burst, DEPTH * (sizeof ping - 1));
		out[i] = DEPTH;
	}
	while (now_us() < end) {
		struct epoll_event evs[64];
		int n = epoll_wait(ep, evs, 64, 100);
		if (n < 0 && errno != EINTR)
			die("epoll_wait");
		for (int e = 0; e < n; e++) {
			int i = (int)evs[e].data.u32;
			struct reader *r = &rs[i];
			ssize_t got = read(fds[i], r->buf + r->len, sizeof r->buf - r->len - 1);
			if (got <= 0)
				die("read from wisd");
			r->len += (size_t)got;
			int k = count_lines(r, bad);
			done += k;
			send_all(fds[i], burst, (size_t)k * (sizeof ping - 1));
		}
	}
	double elapsed = now_us() - start;
	for (int i = 0; i < nclients; i++) {
		read_lines(fds[i], &rs[i], out[i]); /* drain what is in flight */
		close(fds[i]);
	}
	close(ep);
	free(rs);
	*answered = done;
	return done / elapsed * 1e6;
}

static double throughput(const char *sock, int nclients, double secs, int *bad, long *answered)
{
	pthread_t th[64];
	struct tp t[64];
	pthread_barrier_t bar;
	pthread_barrier_init(&bar, NULL, (unsigned)nclients + 1);
	for (int i = 0; i < nclients; i++) {
		t[i] = (struct tp){sock, 0, 0, 0, &bar};
		pthread_create(&th[i], NULL, tp_client, &t[i]);
	}
	double start = now_us() + 20000;
	for (int i = 0; i < nclients; i++)
		t[i].end_us = start + secs * 1e6;
	pthread_barrier_wait(&bar);
	long total = 0;
	for (int i = 0; i < nclients; i++) {
		pthread_join(th[i], NULL);
		total += t[i].done;
		*bad += t[i].bad;
	}
	pthread_barrier_destroy(&bar);
	*answered = total;
	return total / (now_us() - start) * 1e6;
}

/* ---- CPU use per process -------------------------------------------------------- */

static long proc_status_kib(pid_t pid, const char *key);

/* CPU time (ns) and voluntary context switches so far: of pid's main
 * thread (wisd's loop, the simulator's loop) from /proc, or of this whole
 * process (every client thread, ended ones too) when pid is 0. */
struct cpu_use {
	double ns, vcsw;
};

static struct cpu_use cpu_use(pid_t pid)
{
	struct cpu_use u = {0, 0};
	if (pid == 0) {
		struct rusage r;
		getrusage(RUSAGE_SELF, &r);
		u.ns = (r.ru_utime.tv_sec + r.ru_stime.tv_sec) * 1e9 +
		       (r.ru_utime.tv_usec + r.ru_stime.tv_usec) * 1e3;
		u.vcsw = (double)r.ru_nvcsw;
		return u;
	}
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/schedstat", (int)pid);
	FILE *f = fopen(path, "r");
	if (f && fscanf(f, "%lf", &u.ns) != 1) // NOLINT(cert-err34-c): the kernel's number
		u.ns = 0;
	if (f)
		fclose(f);
	u.vcsw = (double)proc_status_kib(pid, "voluntary_ctxt_switches:");
	return u;
}

/* ---- RSS ---------------------------------------------------------------------------- */

static long rss_kib(pid_t pid)
{
	return proc_status_kib(pid, "VmRSS:");
}

static long hwm_kib(pid_t pid)
{
	return proc_status_kib(pid, "VmHWM:");
}

static long proc_status_kib(pid_t pid, const char *key)
{
	char path[64], line[256];
	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	FILE *f = fopen(path, "r");
	long kb = -1;
	while (f && fgets(line, sizeof line, f))
		/* The kernel's own numbers: no overflow to report. */
		if (!strncmp(line, key, strlen(key)) &&
		    sscanf(line + strlen(key), "%ld", &kb) == 1) // NOLINT(cert-err34-c)
			break;
	if (f)
		fclose(f);
	return kb;
}

static void call(int fd, struct reader *r, const char *line)
{
	send_all(fd, line, strlen(line));
	read_lines(fd, r, 1);
}

/* 1. latency, one call at a time: direct and through wisd interleaved, so
 * both paths see the same load on the machine. */
static void latency(wis_device *dev, int fd, struct reader *r)
{
	static double direct[LAT_N], via[LAT_N];
	for (int i = 0; i < LAT_N; i++) {
		double t0 = now_us();
		wis_ping(dev);
		double t1 = now_us();
		call(fd, r, ping);
		double t2 = now_us();
		direct[i] = t1 - t0;
		via[i] = t2 - t1;
	}
	qsort(direct, LAT_N, sizeof(double), cmp_d);
	qsort(via, LAT_N, sizeof(double), cmp_d);
	printf("| system.ping, one at a time (%d calls) | p50 µs | p99 µs |\n|---|---|---|\n",
	       LAT_N);
	printf("| direct libwisrpc (wis_ping) | %.1f | %.1f |\n", pct(direct, LAT_N, .5),
	       pct(direct, LAT_N, .99));
	printf("| through wisd (JSON-RPC on the Unix socket) | %.1f | %.1f |\n",
	       pct(via, LAT_N, .5), pct(via, LAT_N, .99));
	printf("| **wisd's added latency** | **%.1f** | %.1f |\n\n",
	       pct(via, LAT_N, .5) - pct(direct, LAT_N, .5),
	       pct(via, LAT_N, .99) - pct(direct, LAT_N, .99));
}

/* 2. RSS, before the throughput runs have grown the heap: idle clients,
 * then subscribers with 100 edges delivered to each.  Returns the 100
 * connections (closed at the end). */
static int *memory(const char *sock, pid_t wisd, int fd, struct reader *r)
{
	long base = rss_kib(wisd);
	static int idle[100];
	for (int i = 0; i < 100; i++)
		idle[i] = connect_to(sock);
	call(fd, r, "{\"jsonrpc\":\"2.0\",\"method\":\"daemon.status\",\"id\":2}\n");
	long with_idle = rss_kib(wisd);
	struct reader *rs = calloc(100, sizeof *rs);
	for (int i = 0; i < 100; i++)
		call(idle[i], &rs[i],
		     "{\"jsonrpc\":\"2.0\",\"method\":\"subscribe\",\"params\":{\"topics\":[\"gpio."
		     "edge\"]},\"id\":3}\n");
	call(fd, r,
	     "{\"jsonrpc\":\"2.0\",\"method\":\"gpio.mode\",\"params\":{\"pin\":\"IO1\",\"mode\":"
	     "\"output\"},\"id\":4}\n");
	call(fd, r,
	     "{\"jsonrpc\":\"2.0\",\"method\":\"gpio.watch\",\"params\":{\"pin\":\"IO2\",\"edge\":"
	     "\"both\"},\"id\":5}\n");
	for (int k = 0; k < 100; k++) {
		char line[160];
		snprintf(line, sizeof line,
		         "{\"jsonrpc\":\"2.0\",\"method\":\"gpio.set\",\"params\":{\"values\":{"
		         "\"IO1\":%d}},\"id\":6}\n",
		         (k + 1) & 1);
		call(fd, r, line);
	}
	/* Every subscriber reads its 100 edges, so the memory measured is the
	 * steady state with everything delivered. */
	for (int i = 0; i < 100; i++) {
		int n = 0;
		while (n < 100) {
			ssize_t got = read(idle[i], rs[i].buf, sizeof rs[i].buf);
			if (got <= 0)
				die("subscriber read");
			for (ssize_t k = 0; k < got; k++)
				n += rs[i].buf[k] == '\n';
		}
	}
	long with_subs = rss_kib(wisd);
	printf("| wisd RSS | KiB |\n|---|---|\n| 1 client, after the latency run | %ld |\n"
	       "| + 100 idle clients | %ld |\n| + those 100 subscribed to gpio.edge, 100 edges "
	       "delivered to each | %ld |\n",
	       base, with_idle, with_subs);
	free(rs);
	return idle;
}

/* ---- the library's async rate, interleaved with wisd's ---------------------------- */

/* As tests/bench/wis_bench's pipelined run: PINGs with an 8-byte payload,
 * 16 in flight, refilled from the completion callback; for secs seconds. */
struct lib_pipe {
	long done;
	bool stop;
};

static const uint8_t lib_payload[8] = {'w', 'i', 's', 'b', 'e', 'n', 'c', 'h'};

static void lib_done(wis_device *dev, int status, const uint8_t *p, size_t len, void *user)
{
	(void)p, (void)len;
	struct lib_pipe *lp = user;
	if (status != 0) {
		fprintf(stderr, "wisd_bench: async ping failed: %s\n", wis_strerror(status));
		exit(1);
	}
	lp->done++;
	if (!lp->stop)
		wis_call_async(dev, WIS_OP_PING, lib_payload, sizeof lib_payload, 0, lib_done, lp);
}

static double lib_async_rate(wis_device *dev, double secs)
{
	struct lib_pipe lp = {0, false};
	int sent = 0;
	while (sent < 16 && wis_call_async(dev, WIS_OP_PING, lib_payload, sizeof lib_payload, 0,
	                                   lib_done, &lp) == 0)
		sent++;
	double t0 = now_us(), end = t0 + secs * 1e6;
	long base = 0;
	while (now_us() < end) {
		struct pollfd p = {wis_fd(dev), POLLIN, 0};
		poll(&p, 1, 100);
		if (wis_process(dev) < 0)
			die("library link lost");
	}
	base = lp.done;
	double elapsed = now_us() - t0;
	lp.stop = true;
	while (lp.done < base + 16 && lp.done - base < sent) { /* drain what is in flight */
		struct pollfd p = {wis_fd(dev), POLLIN, 0};
		poll(&p, 1, 100);
		if (wis_process(dev) < 0)
			die("library link lost");
		if (wis_next_timeout_ms(dev) < 0)
			break;
	}
	return base / elapsed * 1e6;
}

/* Rounds of (the library's async rate, wisd with n client threads, wisd
 * with n clients on one thread), short enough that a burst of load on a
 * shared machine falls on both sides; prints each round's ratios and the
 * medians. */
static void interleaved(wis_device *dev, const char *sock, int n, int rounds, double secs)
{
	double r_thr[32] = {0}, r_one[32] = {0};
	if (rounds < 1)
		return;
	printf("| round | library async (window 16) /s | wisd, %d client threads /s | ratio | "
	       "wisd, %d "
	       "clients on one thread /s | ratio |\n|---|---|---|---|---|---|\n",
	       n, n);
	for (int i = 0; i < rounds && i < 32; i++) {
		int bad = 0;
		long answered;
		double lib = lib_async_rate(dev, secs);
		double thr = throughput(sock, n, secs, &bad, &answered);
		double one = throughput_one_thread(sock, n, secs, &bad, &answered);
		r_thr[i] = thr / lib;
		r_one[i] = one / lib;
		printf("| %d | %.0f | %.0f%s | %.2f | %.0f | %.2f |\n", i + 1, lib, thr,
		       bad ? " (errors!)" : "", r_thr[i], one, r_one[i]);
		fflush(stdout);
	}
	int m = rounds < 32 ? rounds : 32;
	qsort(r_thr, (size_t)m, sizeof r_thr[0], cmp_d);
	qsort(r_one, (size_t)m, sizeof r_one[0], cmp_d);
	printf("\nmedian ratio over %d rounds: %d client threads %.2f (%.2f-%.2f), one thread "
	       "%.2f (%.2f-%.2f)\n\n",
	       m, n, pct(r_thr, m, 0.5), r_thr[0], r_thr[m - 1], pct(r_one, m, 0.5), r_one[0],
	       r_one[m - 1]);
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(
		    stderr,
		    "usage: wisd_bench WISRPC_SIM WISD [seconds [CLIENTS,...|ratio[ROUNDS]]]\n");
		return 2;
	}
	double secs = argc > 3 ? strtod(argv[3], NULL) : 3.0;
	/* A negative count: that many clients driven from one thread. */
	int counts[8] = {1, 16, -16, 64}, nruns = 4, nruns_only = 0;
	/* "ratio[N]": only N rounds (default 10) of the library's async rate
	 * and wisd's with 16 clients, interleaved (see interleaved()). */
	int ratio_rounds = argc > 4 && !strncmp(argv[4], "ratio", 5)
	                       ? (argv[4][5] ? (int)strtol(argv[4] + 5, NULL, 10) : 10)
	                       : 0;
	for (char *p = argc > 4 && !ratio_rounds ? argv[4] : NULL; p && *p && nruns_only < 8;) {
		counts[nruns_only++] = (int)strtol(p, &p, 10);
		p += *p == ',';
	}
	if (nruns_only)
		nruns = nruns_only;
	signal(SIGPIPE, SIG_IGN);
	snprintf(tmpdir, sizeof tmpdir, "/tmp/wisd-bench-XXXXXX");
	if (!mkdtemp(tmpdir))
		die("mkdtemp");
	char link1[128], link2[128], sock[128];
	snprintf(link1, sizeof link1, "%s/sim1", tmpdir);
	snprintf(link2, sizeof link2, "%s/sim2", tmpdir);
	snprintf(sock, sizeof sock, "%s/wisd.sock", tmpdir);
	int o1, o2, o3;
	char *s1[] = {argv[1], "--link", link1, "--wire", "IO1:IO2", "--quiet", NULL};
	char *s2[] = {argv[1], "--link", link2, "--quiet", NULL};
	pid_t sim1 = spawn(s1, &o1), sim2 = spawn(s2, &o2);
	wait_line(o1, "wisrpc-sim");
	wait_line(o2, "wisrpc-sim");
	/* max_clients: each throughput run's clients may still be closing in
	 * wisd when the next run's connect. */
	char *w[] = {
	    argv[2], "--device",       link1,   "--socket",         sock, "--log-level", "warn",
	    "--set", "idle_timeout=0", "--set", "max_clients=1024", NULL};
	pid_t wisd = spawn(w, &o3);

	/* The direct baseline's device, and wisd up and warm. */
	wis_device *dev;
	if (wis_open(&dev, link2, NULL) < 0) {
		fprintf(stderr, "wisd_bench: open %s: %s\n", link2, wis_last_error());
		return 1;
	}
	int fd = connect_to(sock);
	struct reader *r = calloc(1, sizeof *r);
	/* wait for the device behind wisd to be up */
	for (int i = 0; i < 200; i++) {
		send_all(fd, ping, sizeof ping - 1);
		if (read_lines(fd, r, 1))
			break;
		usleep(20000);
	}
	for (int i = 0; i < 200; i++) {
		wis_ping(dev);
		call(fd, r, ping);
	}
	int *idle = NULL;
	if (ratio_rounds) {
		interleaved(dev, sock, 16, ratio_rounds, secs);
		nruns = 0;
	} else if (nruns_only == 0) {
		latency(dev, fd, r);
		idle = memory(sock, wisd, fd, r);
	}
	wis_close(dev);

	/* 3. throughput, and where the CPU time went: per request, in µs, and
	 * voluntary context switches (sleeps) per request */
	if (nruns)
		printf(
		    "| clients (8 requests in flight each) | system.ping requests/s through wisd | "
		    "CPU µs per request: clients / wisd / simulator | voluntary context switches "
		    "per request: clients / wisd / simulator |\n|---|---|---|---|\n");
	pid_t who[3] = {0, wisd, sim1};
	for (int i = 0; i < nruns; i++) {
		int bad = 0;
		struct cpu_use u0[3], u1[3];
		for (int k = 0; k < 3; k++)
			u0[k] = cpu_use(who[k]);
		long answered;
		double rps = counts[i] < 0
		                 ? throughput_one_thread(sock, -counts[i], secs, &bad, &answered)
		                 : throughput(sock, counts[i], secs, &bad, &answered);
		double reqs = answered > 0 ? (double)answered : 1;
		for (int k = 0; k < 3; k++)
			u1[k] = cpu_use(who[k]);
		printf("| %d%s | %.0f%s | %.2f / %.2f / %.2f | %.2f / %.2f / %.2f |\n",
		       abs(counts[i]), counts[i] < 0 ? ", one thread" : "", rps,
		       bad ? " (errors!)" : "", (u1[0].ns - u0[0].ns) / reqs / 1e3,
		       (u1[1].ns - u0[1].ns) / reqs / 1e3, (u1[2].ns - u0[2].ns) / reqs / 1e3,
		       (u1[0].vcsw - u0[0].vcsw) / reqs, (u1[1].vcsw - u0[1].vcsw) / reqs,
		       (u1[2].vcsw - u0[2].vcsw) / reqs);
		fflush(stdout);
	}
	if (nruns)
		printf("\n");

	printf("wisd peak RSS over the whole run (VmHWM): %ld KiB\n", hwm_kib(wisd));
	for (int i = 0; idle && i < 100; i++)
		close(idle[i]);
	close(fd);
	free(r);
	kill(wisd, SIGTERM);
	waitpid(wisd, NULL, 0);
	kill(sim1, SIGTERM);
	kill(sim2, SIGTERM);
	waitpid(sim1, NULL, 0);
	waitpid(sim2, NULL, 0);
	close(o1);
	close(o2);
	close(o3);
	unlink(link1);
	unlink(link2);
	rmdir(tmpdir);
	return 0;
}

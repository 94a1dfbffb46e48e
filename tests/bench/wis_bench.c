/*
 * Benchmark (not a test): round-trip latency of a PING through libwisrpc to
 * wisrpc-sim, side by side with a raw pseudo-terminal echo of exactly the
 * same frame bytes (the floor this machine's pty layer allows), and call
 * throughput one-at-a-time versus pipelined (async window 16), with the CPU
 * time per pipelined call of this process and of the simulator (the
 * baseline daemon/bench/wisd_bench's per-request figures compare with).
 *
 *   wis_bench PATH_TO_WISRPC_SIM [ROUND_TRIPS]
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <pty.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <termios.h>
#include <unistd.h>

#include "frame.h"
#include "harness.h"

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

static void report(const char *what, int64_t *ns, int n)
{
	qsort(ns, (size_t)n, sizeof ns[0], cmp_i64);
	double sum = 0;
	for (int i = 0; i < n; i++)
		sum += (double)ns[i];
	printf("  %-34s p50 %7.1f us   p99 %7.1f us   mean %7.1f us   (n=%d)\n", what,
	       ns[n / 2] / 1e3, ns[(int)(n * 0.99)] / 1e3, sum / n / 1e3, n);
}

/* ---- raw pty echo: the floor ---------------------------------------- */

static int echo_master = -1;
static volatile int echo_stop;

static void *echo_thread(void *arg)
{
	(void)arg;
	uint8_t buf[4096];
	while (!echo_stop) {
		struct pollfd p = {echo_master, POLLIN, 0};
		if (poll(&p, 1, 100) <= 0)
			continue;
		ssize_t r = read(echo_master, buf, sizeof buf);
		if (r <= 0)
			break;
		for (ssize_t off = 0; off < r;) {
			ssize_t w = write(echo_master, buf + off, (size_t)(r - off));
			if (w <= 0)
				break;
			off += w;
		}
	}
	return NULL;
}

static int64_t median_of(int64_t *ns, int n)
{
	qsort(ns, (size_t)n, sizeof ns[0], cmp_i64);
	return ns[n / 2];
}

static int64_t raw_echo(const uint8_t *frame, size_t len, int n, int64_t *ns)
{
	int master, slave;
	if (openpty(&master, &slave, NULL, NULL, NULL) < 0) {
		perror("openpty");
		exit(1);
	}
	struct termios t;
	tcgetattr(slave, &t);
	cfmakeraw(&t);
	tcsetattr(slave, TCSANOW, &t);
	tcgetattr(master, &t);
	cfmakeraw(&t);
	tcsetattr(master, TCSANOW, &t);
	echo_master = master;
	echo_stop = 0;
	pthread_t th;
	pthread_create(&th, NULL, echo_thread, NULL);
	uint8_t back[WIS_MAX_ENCODED + 1];
	for (int i = -500; i < n; i++) {
		int64_t t0 = mono_ns();
		if (write(slave, frame, len) != (ssize_t)len) {
			perror("write");
			exit(1);
		}
		size_t got = 0;
		while (got < len) {
			struct pollfd p = {slave, POLLIN, 0};
			poll(&p, 1, 1000);
			ssize_t r = read(slave, back + got, len - got);
			if (r <= 0) {
				perror("read");
				exit(1);
			}
			got += (size_t)r;
		}
		if (i >= 0)
			ns[i] = mono_ns() - t0;
	}
	echo_stop = 1;
	pthread_join(th, NULL);
	close(slave);
	close(master);
	int64_t *copy = malloc(sizeof *copy * (size_t)n);
	memcpy(copy, ns, sizeof *copy * (size_t)n);
	int64_t med = median_of(copy, n);
	free(copy);
	return med;
}

/* ---- libwisrpc -------------------------------------------------------- */

static int64_t lib_ping(wis_device *dev, const uint8_t *payload, size_t plen, int n, int64_t *ns)
{
	uint8_t back[64];
	for (int i = -500; i < n; i++) {
		int64_t t0 = mono_ns();
		size_t got;
		int rc = wis_call(dev, WIS_OP_PING, payload, plen, back, sizeof back, &got, 0);
		if (rc < 0) {
			fprintf(stderr, "ping: %s: %s\n", wis_strerror(rc), wis_last_error());
			exit(1);
		}
		if (i >= 0)
			ns[i] = mono_ns() - t0;
	}
	int64_t *copy = malloc(sizeof *copy * (size_t)n);
	memcpy(copy, ns, sizeof *copy * (size_t)n);
	int64_t med = median_of(copy, n);
	free(copy);
	return med;
}

/* The pipeline refills itself from its completion callback, as an event
 * loop client does: window calls in flight at all times. */
struct pipe_state {
	const uint8_t *payload;
	size_t plen;
	int sent, done, target;
};

static void done(wis_device *dev, int status, const uint8_t *p, size_t len, void *user)
{
	(void)p;
	(void)len;
	struct pipe_state *ps = user;
	if (status != 0) {
		fprintf(stderr, "async ping failed: %s\n", wis_strerror(status));
		exit(1);
	}
	ps->done++;
	if (ps->sent < ps->target &&
	    wis_call_async(dev, WIS_OP_PING, ps->payload, ps->plen, 0, done, ps) == 0)
		ps->sent++;
}

/* CPU time (ns) of this whole process, or of pid's main thread. */
static double cpu_ns(pid_t pid)
{
	if (pid == 0) {
		struct rusage r;
		getrusage(RUSAGE_SELF, &r);
		return (r.ru_utime.tv_sec + r.ru_stime.tv_sec) * 1e9 +
		       (r.ru_utime.tv_usec + r.ru_stime.tv_usec) * 1e3;
	}
	char path[64];
	double ns = 0;
	snprintf(path, sizeof path, "/proc/%d/schedstat", (int)pid);
	FILE *f = fopen(path, "r");
	if (f && fscanf(f, "%lf", &ns) != 1) // NOLINT(cert-err34-c): the kernel's number
		ns = 0;
	if (f)
		fclose(f);
	return ns;
}

static double pipelined(wis_device *dev, const uint8_t *payload, size_t plen, int n)
{
	struct pipe_state ps = {payload, plen, 0, 0, n};
	int64_t t0 = mono_ns();
	while (ps.done < n) {
		while (ps.sent < n &&
		       wis_call_async(dev, WIS_OP_PING, payload, plen, 0, done, &ps) == 0)
			ps.sent++;
		struct pollfd p = {wis_fd(dev), POLLIN, 0};
		poll(&p, 1, 100);
		if (wis_process(dev) < 0) {
			fprintf(stderr, "link lost\n");
			exit(1);
		}
	}
	return n / ((mono_ns() - t0) / 1e9);
}

struct thr {
	wis_device *dev;
	const uint8_t *payload;
	size_t plen;
	int n;
};

static void *sync_worker(void *arg)
{
	struct thr *t = arg;
	for (int i = 0; i < t->n; i++)
		if (wis_call(t->dev, WIS_OP_PING, t->payload, t->plen, NULL, 0, NULL, 0) < 0 &&
		    strstr(wis_last_error(), "does not fit") == NULL) {
			fprintf(stderr, "ping: %s\n", wis_last_error());
			exit(1);
		}
	return NULL;
}

/* Synchronous calls from several threads at once: the leader/follower
 * reader pipelines them on the link without an async loop. */
static double threaded(wis_device *dev, const uint8_t *payload, size_t plen, int n, int nthreads)
{
	pthread_t th[16];
	struct thr t = {dev, payload, plen, n / nthreads};
	int64_t t0 = mono_ns();
	for (int i = 0; i < nthreads; i++)
		pthread_create(&th[i], NULL, sync_worker, &t);
	for (int i = 0; i < nthreads; i++)
		pthread_join(th[i], NULL);
	return t.n * nthreads / ((mono_ns() - t0) / 1e9);
}

int main(int argc, char **argv)
{
	harness_init(argc, argv);
	int n = argc > 2 ? atoi(argv[2]) : 20000;
	if (n < 100)
		n = 100;
	int64_t *ns = malloc(sizeof *ns * (size_t)n);

	const uint8_t payload[8] = {'w', 'i', 's', 'b', 'e', 'n', 'c', 'h'};
	uint8_t frame[WIS_MAX_ENCODED + 1];
	struct wis_hdr h = {WIS_PROTO_VERSION, WIS_MSG_REQUEST, 1, WIS_OP_PING, 0, 0};
	size_t flen = wis__frame_encode(frame, sizeof frame, &h, payload, sizeof payload);

	struct sim s;
	sim_start(&s, NULL);
	struct wis_open_options o;
	wis_open_options_init(&o);
	o.window = 16;
	wis_device *dev;
	int rc = wis_open(&dev, s.pty, &o);
	if (rc < 0) {
		fprintf(stderr, "open: %s\n", wis_last_error());
		return 1;
	}
	printf("wisrpc benchmark: PING with an %zu-byte payload (%zu bytes on the wire each way), "
	       "%d round trips each\n",
	       sizeof payload, flen, n);
	printf("round-trip latency\n");
	int64_t floor = raw_echo(frame, flen, n, ns);
	report("raw pty echo (floor)", ns, n);
	int64_t lib = lib_ping(dev, payload, sizeof payload, n, ns);
	report("libwisrpc -> wisrpc-sim (pty)", ns, n);
	printf("  p50 ratio libwisrpc / raw echo: %.2fx (target <= 2x)\n", (double)lib / floor);

	printf("throughput\n");
	int64_t t0 = mono_ns();
	for (int i = 0; i < n; i++)
		if (wis_call(dev, WIS_OP_PING, payload, sizeof payload, NULL, 0, NULL, 0) < 0 &&
		    wis_last_error()[0] && strstr(wis_last_error(), "does not fit") == NULL) {
			fprintf(stderr, "ping: %s\n", wis_last_error());
			return 1;
		}
	double one = n / ((mono_ns() - t0) / 1e9);
	printf("  %-34s %9.0f calls/s\n", "one at a time (sync)", one);
	double self0 = cpu_ns(0), sim0 = cpu_ns(s.pid);
	double pipe = pipelined(dev, payload, sizeof payload, n * 2);
	double self1 = cpu_ns(0), sim1 = cpu_ns(s.pid);
	printf("  %-34s %9.0f calls/s\n", "pipelined (async, window 16)", pipe);
	printf("  pipelined CPU per call: this process %.2f us, simulator %.2f us\n",
	       (self1 - self0) / (n * 2) / 1e3, (sim1 - sim0) / (n * 2) / 1e3);
	printf("  pipelined / one at a time: %.1fx (target >= 5x)\n", pipe / one);
	double thr = threaded(dev, payload, sizeof payload, n, 8);
	printf("  %-34s %9.0f calls/s (%.1fx)\n", "8 threads, sync calls", thr, thr / one);

	wis_close(dev);
	sim_stop(&s);
	free(ns);
	return 0;
}

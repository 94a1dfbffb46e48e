/*
 * Harness for the wisrpc-sim end-to-end tests: start and reap the
 * simulator, a host side that speaks raw frames over the pty or TCP (with
 * the shared frame codec), and a control-socket client.  Header-only: the
 * test program is one translation unit.
 */
#ifndef WIS_SIM_HARNESS_H
#define WIS_SIM_HARNESS_H

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define FW_MAX_FRAMES 4096 /* a slow host drains hundreds of events */
#include "fwtest.h"
#include "wisrpc/pins.h"

#define IO1 WIS_NRF(0, 17)
#define IO2 WIS_NRF(1, 2)
#define IO3 WIS_NRF(0, 21)
#define IO4 WIS_NRF(0, 4)
#define SW1 WIS_NRF(1, 1)
#define LED1 WIS_NRF(1, 3)
#define AIN0 WIS_NRF(0, 5)

static const char *sim_bin;
static char tmpdir[64];

struct simproc {
	pid_t pid;
	int out; /* the sim's stdout */
	char ready[512];
	char pty[128], link[256], ctl[256];
	int tcp_port;
};

static inline uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Reads one line from fd within timeout_ms; returns its length or -1. */
static inline int read_line(int fd, char *buf, size_t cap, int timeout_ms)
{
	size_t n = 0;
	uint64_t end = now_ms() + (uint64_t)timeout_ms;
	while (n + 1 < cap) {
		int left = (int)(end - now_ms());
		struct pollfd pf = {fd, POLLIN, 0};
		if (left <= 0 || poll(&pf, 1, left) <= 0)
			return -1;
		char c;
		ssize_t r = read(fd, &c, 1);
		if (r <= 0)
			return -1;
		if (c == '\n')
			break;
		buf[n++] = c;
	}
	buf[n] = 0;
	return (int)n;
}

static inline void field(const char *line, const char *key, char *out, size_t cap)
{
	out[0] = 0;
	const char *p = strstr(line, key);
	if (!p)
		return;
	p += strlen(key);
	size_t n = strcspn(p, " ");
	if (n >= cap)
		n = cap - 1;
	memcpy(out, p, n);
	out[n] = 0;
}

/* Starts the simulator with args (NULL-terminated); 0 once it is ready. */
static inline int sim_start(struct simproc *sp, const char *const *args)
{
	memset(sp, 0, sizeof *sp);
	int pfd[2];
	if (pipe(pfd) < 0)
		return -1;
	const char *argv[32];
	int ac = 0;
	argv[ac++] = sim_bin;
	for (; *args && ac < 31; args++)
		argv[ac++] = *args;
	argv[ac] = NULL;
	sp->pid = fork();
	if (sp->pid == 0) {
		dup2(pfd[1], 1);
		close(pfd[0]);
		close(pfd[1]);
		execv(sim_bin, (char *const *)argv);
		_exit(127);
	}
	close(pfd[1]);
	sp->out = pfd[0];
	if (read_line(sp->out, sp->ready, sizeof sp->ready, 5000) < 0)
		return -1;
	if (strncmp(sp->ready, "wisrpc-sim ready ", 17) != 0)
		return -1;
	field(sp->ready, "pty=", sp->pty, sizeof sp->pty);
	field(sp->ready, "link=", sp->link, sizeof sp->link);
	field(sp->ready, "control=", sp->ctl, sizeof sp->ctl);
	char port[16];
	field(sp->ready, "tcp=127.0.0.1:", port, sizeof port);
	sp->tcp_port = port[0] ? atoi(port) : -1;
	return 0;
}

/* Waits for the process to end within timeout_ms; its exit status or -1. */
static inline int sim_wait(struct simproc *sp, int timeout_ms)
{
	uint64_t end = now_ms() + (uint64_t)timeout_ms;
	int st;
	while (now_ms() < end) {
		pid_t r = waitpid(sp->pid, &st, WNOHANG);
		if (r == sp->pid) {
			close(sp->out);
			sp->pid = 0;
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		}
		usleep(5000);
	}
	kill(sp->pid, SIGKILL);
	waitpid(sp->pid, &st, 0);
	sp->pid = 0;
	return -1;
}

/* Runs the simulator with args expecting it to exit at once. */
static inline int sim_run_exit(const char *const *args)
{
	const char *argv[16];
	int ac = 0;
	argv[ac++] = sim_bin;
	for (; *args && ac < 15; args++)
		argv[ac++] = *args;
	argv[ac] = NULL;
	pid_t pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);
		dup2(null, 1);
		dup2(null, 2);
		execv(sim_bin, (char *const *)argv);
		_exit(127);
	}
	struct simproc sp = {.pid = pid, .out = open("/dev/null", O_RDONLY)};
	return sim_wait(&sp, 5000);
}

/* ---- the host side of the link ---- */

struct host {
	int fd;
	struct fw_frames in;
	uint16_t id;
};

static inline int open_tty(const char *path)
{
	int fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -1;
	struct termios t;
	if (tcgetattr(fd, &t) == 0) {
		cfmakeraw(&t);
		tcsetattr(fd, TCSANOW, &t);
	}
	return fd;
}

static inline void host_init(struct host *h, int fd)
{
	memset(h, 0, sizeof *h);
	h->fd = fd;
	h->id = 1;
	wis__deframer_init(&h->in.d);
}

static inline void host_write(struct host *h, const void *p, size_t n)
{
	const uint8_t *b = p;
	uint64_t end = now_ms() + 3000;
	while (n && now_ms() < end) {
		ssize_t r = write(h->fd, b, n);
		if (r > 0) {
			b += r;
			n -= (size_t)r;
		} else if (r < 0 && errno != EAGAIN && errno != EINTR) {
			break;
		} else {
			struct pollfd pf = {h->fd, POLLOUT, 0};
			poll(&pf, 1, 100);
		}
	}
	CHECK_EQ(n, 0);
}

static inline uint16_t host_send(struct host *h, uint8_t type, uint16_t op, const void *p,
                                 size_t len)
{
	uint8_t buf[WIS_MAX_ENCODED + 1];
	uint16_t id = h->id++;
	if (h->id == 0)
		h->id = 1;
	struct wis_hdr hdr = {WIS_PROTO_VERSION, type, id, op, 0, 0};
	size_t n = wis__frame_encode(buf, sizeof buf, &hdr, p, len);
	host_write(h, buf, n);
	return id;
}

/* Reads frames for up to timeout_ms or until pred holds. */
static inline bool host_pump(struct host *h, int timeout_ms,
                             bool (*pred)(struct host *, const void *), const void *arg)
{
	uint64_t end = now_ms() + (uint64_t)timeout_ms;
	for (;;) {
		if (pred && pred(h, arg))
			return true;
		int left = (int)(end - now_ms());
		if (left <= 0)
			return false;
		struct pollfd pf = {h->fd, POLLIN, 0};
		if (poll(&pf, 1, left) <= 0)
			continue;
		uint8_t buf[4096];
		ssize_t r = read(h->fd, buf, sizeof buf);
		if (r > 0)
			fw_frames_feed(&h->in, buf, (size_t)r);
		else if (r == 0 || (errno != EAGAIN && errno != EINTR))
			return pred ? pred(h, arg) : false;
	}
}

static inline struct fw_frame *find_resp(struct host *h, uint16_t id)
{
	for (size_t i = 0; i < h->in.n; i++)
		if (h->in.f[i].h.type == WIS_MSG_RESPONSE && h->in.f[i].h.id == id)
			return &h->in.f[i];
	return NULL;
}

static inline bool has_resp(struct host *h, const void *arg)
{
	return find_resp(h, *(const uint16_t *)arg) != NULL;
}

static inline size_t n_events(struct host *h, uint16_t op)
{
	size_t n = 0;
	for (size_t i = 0; i < h->in.n; i++)
		if (h->in.f[i].h.type == WIS_MSG_EVENT && h->in.f[i].h.opcode == op)
			n++;
	return n;
}

static inline bool has_events(struct host *h, const void *arg)
{
	const size_t *want = arg;
	return n_events(h, (uint16_t)want[0]) >= want[1];
}

static inline bool wait_events(struct host *h, uint16_t op, size_t n, int timeout_ms)
{
	size_t want[2] = {op, n};
	return host_pump(h, timeout_ms, has_events, want);
}

/* The k-th event with opcode op (0-based). */
static inline struct fw_frame *event(struct host *h, uint16_t op, size_t k)
{
	for (size_t i = 0; i < h->in.n; i++)
		if (h->in.f[i].h.type == WIS_MSG_EVENT && h->in.f[i].h.opcode == op && k-- == 0)
			return &h->in.f[i];
	return NULL;
}

static struct fw_frame none_frame = {.h = {.status = 0xff}};

static inline struct fw_frame *rpc(struct host *h, uint16_t op, const void *p, size_t len)
{
	uint16_t id = host_send(h, WIS_MSG_REQUEST, op, p, len);
	if (!host_pump(h, 3000, has_resp, &id)) {
		fprintf(stderr, "no response to opcode 0x%04x\n", op);
		check_failures++;
		return &none_frame;
	}
	return find_resp(h, id);
}

#define RPC(h, op, ...)                                                                            \
	rpc(h, op, (const uint8_t[]){__VA_ARGS__}, sizeof((const uint8_t[]){__VA_ARGS__}))

static inline void host_forget(struct host *h)
{
	h->in.n = 0;
}

/* ---- control socket ---- */

static inline int ctl_open(const char *path)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	snprintf(a.sun_path, sizeof a.sun_path, "%s", path);
	if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static inline const char *ctl(int fd, const char *fmt, ...)
{
	static char reply[1024];
	char cmd[2048];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(cmd, sizeof cmd - 1, fmt, ap);
	va_end(ap);
	cmd[n++] = '\n';
	CHECK_EQ(send(fd, cmd, (size_t)n, MSG_NOSIGNAL), n);
	if (read_line(fd, reply, sizeof reply, 3000) < 0)
		snprintf(reply, sizeof reply, "(no reply)");
	return reply;
}

#define CHECK_STR(a, b)                                                                            \
	do {                                                                                       \
		const char *sa_ = (a), *sb_ = (b);                                                 \
		if (strcmp(sa_, sb_) != 0) {                                                       \
			fprintf(stderr, "%s:%d: \"%s\" != \"%s\"\n", __FILE__, __LINE__, sa_,      \
			        sb_);                                                              \
			check_failures++;                                                             \
		}                                                                                  \
	} while (0)

static inline void check_edge(struct fw_frame *e, uint8_t pin, uint8_t level)
{
	CHECK(e != NULL);
	if (!e)
		return;
	CHECK_EQ(e->len, 15);
	CHECK_EQ(e->p[12], pin);
	CHECK_EQ(e->p[13], level);
	CHECK_EQ(e->p[14], level ? 1 : 2);
}

static inline uint32_t ev_seq(struct fw_frame *e)
{
	struct wis_rd rd = wis_rd_init(e->p, e->len);
	return wis_rd_u32(&rd);
}

static inline uint64_t ev_time(struct fw_frame *e)
{
	struct wis_rd rd = wis_rd_init(e->p, e->len);
	wis_rd_u32(&rd);
	return wis_rd_u64(&rd);
}

static inline uint32_t stats_field(const char *line, const char *key)
{
	char v[32];
	field(line, key, v, sizeof v);
	return (uint32_t)strtoul(v, NULL, 10);
}

#endif

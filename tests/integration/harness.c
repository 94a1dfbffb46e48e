/*
 * Integration-test harness (see harness.h).  The simulator is reached the
 * way users reach it: the pty path from its ready line, the --link symlink
 * or tcp://; the control socket plays the world outside the module.
 */
#include "harness.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

const char *sim_exe;
int test_failures;

void harness_init(int argc, char **argv)
{
	sim_exe = argc > 1 ? argv[1] : getenv("WISRPC_SIM");
	if (!sim_exe || access(sim_exe, X_OK) != 0) {
		fprintf(stderr, "wisrpc-sim not found (argv[1] or $WISRPC_SIM): skipping\n");
		exit(77);
	}
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);
}

int64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int64_t real_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int64_t ts_ns(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * 1000000000LL + ts->tv_nsec;
}

/* Reads the ready line within 5 s: "wisrpc-sim ready pty=... link=... control=..." */
static int read_ready(struct sim *s)
{
	char line[1024];
	size_t len = 0;
	int64_t deadline = mono_ns() + 5000000000LL;
	while (len < sizeof line - 1) {
		int left = (int)((deadline - mono_ns()) / 1000000);
		if (left <= 0)
			return -1;
		struct pollfd pfd = {s->out_fd, POLLIN, 0};
		if (poll(&pfd, 1, left) <= 0)
			continue;
		ssize_t r = read(s->out_fd, line + len, 1);
		if (r <= 0)
			return -1;
		if (line[len] == '\n') {
			line[len] = 0;
			if (strncmp(line, "wisrpc-sim ready", 16) != 0) {
				len = 0; /* some other output line: skip it */
				continue;
			}
			char *p;
			if ((p = strstr(line, "pty=")))
				sscanf(p + 4, "%127s", s->pty);
			if ((p = strstr(line, "link=")))
				sscanf(p + 5, "%255s", s->link);
			if ((p = strstr(line, "control=")))
				sscanf(p + 8, "%255s", s->control);
			if ((p = strstr(line, "tcp=")) && (p = strchr(p, ':')))
				s->tcp_port = atoi(p + 1);
			return 0;
		}
		len++;
	}
	return -1;
}

void sim_start(struct sim *s, ...)
{
	memset(s, 0, sizeof *s);
	snprintf(s->dir, sizeof s->dir, "/tmp/wistest.XXXXXX");
	if (!mkdtemp(s->dir)) {
		perror("mkdtemp");
		exit(1);
	}
	char link[256], ctl[256];
	snprintf(link, sizeof link, "%s/ttyWIS0", s->dir);
	snprintf(ctl, sizeof ctl, "%s/control", s->dir);

	const char *extra[48];
	int ne = 0, tcp = 0;
	va_list ap;
	va_start(ap, s);
	const char *a;
	while ((a = va_arg(ap, const char *)) && ne < 48) {
		tcp |= strcmp(a, "--tcp") == 0;
		extra[ne++] = a;
	}
	va_end(ap);
	const char *argv[64];
	int ac = 0;
	argv[ac++] = sim_exe;
	argv[ac++] = "--quiet";
	if (!tcp) { /* --link and --tcp exclude each other */
		argv[ac++] = "--link";
		argv[ac++] = link;
	}
	argv[ac++] = "--control";
	argv[ac++] = ctl;
	for (int i = 0; i < ne; i++)
		argv[ac++] = extra[i];
	argv[ac] = NULL;

	int pfd[2];
	if (pipe2(pfd, O_CLOEXEC) < 0) {
		perror("pipe");
		exit(1);
	}
	pid_t pid = fork();
	if (pid < 0) {
		perror("fork");
		exit(1);
	}
	if (pid == 0) {
		/* If the test dies (crash, meson timeout) the sim must not
		 * outlive it holding pipes and ptys. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		dup2(pfd[1], 1);
		execv(sim_exe, (char *const *)argv);
		perror("execv wisrpc-sim");
		_exit(127);
	}
	close(pfd[1]);
	s->pid = pid;
	s->out_fd = pfd[0];
	if (read_ready(s) < 0) {
		fprintf(stderr, "wisrpc-sim did not print its ready line\n");
		sim_stop(s);
		exit(1);
	}
	if (!s->control[0])
		snprintf(s->control, sizeof s->control, "%s", ctl);
}

int sim_ctl_connect(struct sim *s)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (fd < 0 || strlen(s->control) >= sizeof sa.sun_path) {
		fprintf(stderr, "control socket %s: cannot create\n", s->control);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	memcpy(sa.sun_path, s->control, strlen(s->control) + 1);
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		fprintf(stderr, "control socket %s: %s\n", s->control, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* One reply line per command: read byte-wise up to the newline so that
 * nothing of the next reply is consumed. */
int sim_ctl_line(int fd, char *reply, size_t cap, const char *line)
{
	size_t n = strlen(line);
	if (write(fd, line, n) != (ssize_t)n || write(fd, "\n", 1) != 1)
		return -1;
	char buf[512];
	size_t len = 0;
	while (len < sizeof buf - 1) {
		struct pollfd p = {fd, POLLIN, 0};
		if (poll(&p, 1, 3000) <= 0)
			break;
		ssize_t r = read(fd, buf + len, 1);
		if (r <= 0)
			break;
		if (buf[len] == '\n')
			break;
		len++;
	}
	buf[len] = 0;
	if (reply && cap)
		snprintf(reply, cap, "%s", buf);
	return strncmp(buf, "ok", 2) == 0 ? 0 : -1;
}

int sim_ctl(struct sim *s, char *reply, size_t cap, const char *fmt, ...)
{
	char line[300];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	int fd = sim_ctl_connect(s);
	if (fd < 0)
		return -1;
	int rc = sim_ctl_line(fd, reply, cap, line);
	close(fd);
	return rc;
}

void sim_stop(struct sim *s)
{
	if (s->pid > 0) {
		/* SIGTERM: the simulator exits cleanly (a coverage build writes
		 * its counts); SIGKILL if it has not gone within 5 s. */
		kill(s->pid, SIGTERM);
		bool gone = false;
		for (int i = 0; i < 500 && !gone; i++)
			if (!(gone = waitpid(s->pid, NULL, WNOHANG) == s->pid))
				usleep(10000);
		if (!gone) {
			kill(s->pid, SIGKILL);
			waitpid(s->pid, NULL, 0);
		}
		s->pid = 0;
	}
	if (s->out_fd > 0) {
		close(s->out_fd);
		s->out_fd = 0;
	}
	if (s->dir[0]) {
		char p[320];
		snprintf(p, sizeof p, "%s/ttyWIS0", s->dir);
		unlink(p);
		snprintf(p, sizeof p, "%s/control", s->dir);
		unlink(p);
		rmdir(s->dir);
		s->dir[0] = 0;
	}
}

wis_device *open_dev(const char *path)
{
	wis_device *dev = NULL;
	int rc = wis_open(&dev, path, NULL);
	if (rc < 0) {
		fprintf(stderr, "wis_open(%s): %s: %s\n", path, wis_strerror(rc), wis_last_error());
		exit(1);
	}
	return dev;
}

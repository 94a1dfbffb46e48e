/*
 * Integration-test harness: starts a private wisrpc-sim, parses its ready
 * line, talks to its control socket, and kills it by pid at the end.
 * Every test program links this and runs against its own simulator.
 */
#ifndef WIS_TEST_HARNESS_H
#define WIS_TEST_HARNESS_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>

#include "wisrpc/wisrpc.h"

struct sim {
	pid_t pid;
	char dir[64];      /* private temp dir for the link and control paths */
	char pty[128];     /* /dev/pts/N from the ready line */
	char link[256];    /* --link path (always given) */
	char control[256]; /* control socket path */
	int tcp_port;      /* > 0 if started with --tcp */
	int out_fd;        /* sim's stdout */
};

extern const char *sim_exe;
extern int test_failures;

/* Finds the simulator from argv[1] or $WISRPC_SIM; exits 77 (skip) if none. */
void harness_init(int argc, char **argv);

/* Starts the sim with extra arguments (NULL-terminated).  Exits on failure. */
void sim_start(struct sim *s, ...);
/* Sends one control line; copies the reply line into reply (may be NULL).
 * Returns 0 for "ok ...", -1 otherwise. */
int sim_ctl(struct sim *s, char *reply, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* A control connection kept open for many commands: connect once, then
 * sim_ctl_line() per command (0 for "ok"). */
int sim_ctl_connect(struct sim *s);
int sim_ctl_line(int fd, char *reply, size_t cap, const char *line);
/* SIGKILLs and reaps the sim, removes its temp dir. */
void sim_stop(struct sim *s);

/* Opens the device with default options (asserts success). */
wis_device *open_dev(const char *path);
int64_t mono_ns(void);
int64_t real_ns(void);
int64_t ts_ns(const struct timespec *ts);

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: CHECK failed: %s (last error: %s)\n", __FILE__,    \
			        __LINE__, #cond, wis_last_error());                                \
			test_failures++;                                                           \
		}                                                                                  \
	} while (0)

#define CHECK_RC(expr, want)                                                                       \
	do {                                                                                       \
		int rc_ = (expr);                                                                  \
		if (rc_ != (want)) {                                                               \
			fprintf(stderr,                                                            \
			        "%s:%d: %s returned %d (%s), expected %d (%s); detail: %s\n",      \
			        __FILE__, __LINE__, #expr, rc_, wis_strerror(rc_), (want),         \
			        wis_strerror(want), wis_last_error());                             \
			test_failures++;                                                           \
		}                                                                                  \
	} while (0)

#define CHECK_OK(expr) CHECK_RC(expr, 0)

/* Exit status for meson: 0 pass, 1 fail. */
#define TEST_RESULT()                                                                              \
	(test_failures ? (fprintf(stderr, "%d check(s) failed\n", test_failures), 1) : 0)

#endif

/*
 * wisrpc-sim's radio: simhal's SX1262 model on this process's radio
 * medium, joined to other simulators through radio_medium_sock when
 * --medium names a shared one (a directory of Unix datagram sockets).
 * Alone (no --medium) the module still has its radio: it transmits into
 * an empty air.  Also the "radio" control command.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sim.h"

/* "NAME" -> $TMPDIR/wisrpc-medium-NAME; a NAME with a '/' is the directory. */
static int medium_dir(const char *name, char *dir, size_t n)
{
	const char *tmp = getenv("TMPDIR");
	int k = strchr(name, '/')
	            ? snprintf(dir, n, "%s", name)
	            : snprintf(dir, n, "%s/wisrpc-medium-%s", tmp && *tmp ? tmp : "/tmp", name);
	if (k < 0 || (size_t)k >= n)
		return -ENAMETOOLONG;
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

static void sock_readable(struct sim *s, int fd, short revents, void *arg)
{
	(void)fd, (void)revents, (void)arg;
	simhal_radio_sync(&s->hw);
	radio_medium_sock_poll(&s->sock);
}

int sim_radio_open(struct sim *s, const struct sim_radio_opts *o)
{
	struct radio_medium_cfg cfg;
	radio_medium_default_cfg(&cfg);
	cfg.default_loss_db = o->path_loss_db;
	cfg.loss_permille = o->loss_permille;
	cfg.capture = o->capture_db >= 0;
	if (o->capture_db >= 0)
		cfg.capture_db = o->capture_db;
	cfg.seed = o->seed;
	cfg.station = o->station;
	memcpy(cfg.station_loss, o->station_loss, sizeof cfg.station_loss);
	if (simhal_radio_attach(&s->hw, &s->radio, NULL, &cfg) < 0)
		return -1;
	s->sock.fd = -1;
	if (!o->medium)
		return 0;
	char dir[sizeof s->sock.dir];
	int r = medium_dir(o->medium, dir, sizeof dir);
	if (r == 0)
		r = radio_medium_sock_open(&s->sock, s->radio.md, dir);
	if (r < 0) {
		fprintf(stderr, "wisrpc-sim: --medium %s: %s\n", o->medium, strerror(-r));
		return -1;
	}
	sim_watch_add(s, s->sock.fd, POLLIN, sock_readable, NULL);
	sim_log(s, "radio on medium %s", dir);
	return 0;
}

void sim_radio_close(struct sim *s)
{
	if (s->sock.fd >= 0) {
		sim_watch_del(s, s->sock.fd);
		radio_medium_sock_close(&s->sock);
		s->sock.fd = -1;
	}
}

uint64_t sim_radio_next_event(struct sim *s)
{
	return s->hw.radio ? radio_medium_next_event(s->radio.md) : UINT64_MAX;
}

/* "radio": counters; "radio corrupt N": the CRC of the next N frames. */
void sim_radio_control(struct sim *s, char **av, int ac, char *reply, size_t n)
{
	struct radio_medium *md = s->radio.md;
	const struct sx126x_model *m = &s->radio.chip;
	if (!s->hw.radio) {
		snprintf(reply, n, "error this simulator has no radio");
		return;
	}
	if (ac == 3 && strcmp(av[1], "corrupt") == 0) {
		char *end;
		long k = strtol(av[2], &end, 10);
		if (*end || k < 0 || k > 1000000) {
			snprintf(reply, n, "error radio corrupt %.16s: want a count 0..1000000",
			         av[2]);
			return;
		}
		md->corrupt_next = (uint32_t)k;
		snprintf(reply, n, "ok radio corrupt %ld", k);
		return;
	}
	if (ac != 1) {
		snprintf(reply, n, "error usage: radio | radio corrupt N");
		return;
	}
	snprintf(reply, n,
	         "ok radio node=%d mode=%u sent=%u delivered=%u collisions=%u too_weak=%u lost=%u "
	         "violations=%u warnings=%u medium=%s",
	         s->radio.node, m->mode, md->sent, md->delivered, md->collisions, md->too_weak,
	         md->lost, m->violations, m->warnings, s->sock.fd >= 0 ? s->sock.dir : "-");
}

/*
 * Fault injection on the simulator's host link (--fault, --fault-seed and
 * the control command "fault"), for soak and robustness tests: bytes in
 * either direction dropped, corrupted (one bit flipped), duplicated or
 * delayed at a given rate per byte; the link stalled for some time (nothing
 * read or written, as a module busy with interrupts off); the module
 * vanishing and coming back (the pty or TCP port goes away as on a USB
 * unplug, and the module boots afresh on return).
 *
 * Each direction has its own PRNG (xorshift32 from the seed), so the faults
 * a direction gets depend only on the seed and on how many bytes it has
 * carried: a run with the same seed and traffic is hit the same way.
 * Without any fault configured, bytes take the link's usual path.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sim.h"

static uint32_t rnd(struct sim_fault_dir *d)
{
	uint32_t x = d->rng;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return d->rng = x;
}

/* One draw per fault kind and byte, whether the kind is on or not, so that
 * turning one kind on does not move the others' pattern. */
static bool hit(struct sim_fault_dir *d, uint32_t rate)
{
	uint32_t r = rnd(d);
	return rate && r <= rate - 1;
}

static void reseed(struct sim_fault *f)
{
	/* Distinct, non-zero states per direction. */
	f->rx.rng = f->seed * 2654435761u ^ 0x9e3779b9u;
	f->tx.rng = f->seed * 2246822519u ^ 0x85ebca6bu;
	if (!f->rx.rng)
		f->rx.rng = 1;
	if (!f->tx.rng)
		f->tx.rng = 2;
}

void sim_fault_init(struct sim_fault *f, uint32_t seed)
{
	memset(f, 0, sizeof *f);
	f->seed = seed;
	reseed(f);
}

static bool active(const struct sim_fault *f)
{
	return f->drop || f->corrupt || f->dup || f->delay || f->stall_until || f->back_at ||
	       f->rx.len || f->tx.len;
}

/* Queues bytes through the faults; returns how many of p were taken
 * (fewer when the queue is full). */
static size_t push(struct sim *s, struct sim_fault_dir *d, const uint8_t *p, size_t n)
{
	struct sim_fault *f = &s->fault;
	uint64_t now = simhal_now(&s->hw);
	size_t i = 0;
	for (; i < n && d->len + 2 <= sizeof d->q; i++) {
		uint8_t b = p[i];
		bool drop = hit(d, f->drop), corrupt = hit(d, f->corrupt), dup = hit(d, f->dup);
		bool delay = hit(d, f->delay);
		uint32_t bit = rnd(d) % 8;
		if (delay) {
			/* This byte and those after it wait; those before
			 * it are not held back by it. */
			if (d->hold_until <= now)
				d->free_len = d->len;
			uint64_t until = now + f->delay_us;
			if (until > d->hold_until)
				d->hold_until = until;
			f->n_delayed++;
		}
		if (drop) {
			f->n_dropped++;
			continue;
		}
		if (corrupt) {
			b ^= (uint8_t)(1u << bit);
			f->n_corrupted++;
		}
		d->q[d->len++] = b;
		if (dup) {
			d->q[d->len++] = b;
			f->n_duplicated++;
		}
	}
	return i;
}

/* Bytes of d that may go now. */
static size_t releasable(const struct sim *s, const struct sim_fault_dir *d)
{
	uint64_t now = simhal_now(&s->hw);
	if (s->fault.stall_until > now)
		return 0;
	return d->hold_until > now ? d->free_len : d->len;
}

static void consume(struct sim_fault_dir *d, size_t n)
{
	memmove(d->q, d->q + n, d->len - n);
	d->len -= n;
	d->free_len = d->free_len > n ? d->free_len - n : 0;
}

size_t sim_fault_rx_room(const struct sim *s)
{
	if (!active(&s->fault))
		return SIZE_MAX;
	return (sizeof s->fault.rx.q - s->fault.rx.len) / 2;
}

void sim_fault_rx(struct sim *s, const uint8_t *p, size_t n)
{
	if (!active(&s->fault)) {
		wisfw_core_rx(&s->core, p, n);
		return;
	}
	push(s, &s->fault.rx, p, n);
	size_t m = releasable(s, &s->fault.rx);
	if (m) {
		wisfw_core_rx(&s->core, s->fault.rx.q, m);
		consume(&s->fault.rx, m);
	}
}

bool sim_fault_tx(struct sim *s, bool *handled)
{
	struct sim_fault *f = &s->fault;
	*handled = active(f);
	if (!*handled)
		return true;
	simhal_tx_took(&s->hw, push(s, &f->tx, simhal_tx_head(&s->hw), simhal_tx_pending(&s->hw)));
	size_t m = releasable(s, &f->tx);
	size_t off = 0;
	while (off < m && s->link_fd >= 0) {
		ssize_t r = s->tcp_port >= 0
		                ? send(s->link_fd, f->tx.q + off, m - off, MSG_NOSIGNAL)
		                : write(s->link_fd, f->tx.q + off, m - off);
		if (r > 0) {
			off += (size_t)r;
			continue;
		}
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno != EAGAIN)
			off = f->tx.len; /* link gone: the disconnect path cleans up */
		break;
	}
	if (s->link_fd < 0)
		off = f->tx.len; /* nobody to send to */
	consume(&f->tx, off > f->tx.len ? f->tx.len : off);
	return simhal_tx_pending(&s->hw) == 0 && f->tx.len == 0;
}

bool sim_fault_want_read(const struct sim *s)
{
	return s->fault.stall_until <= simhal_now(&s->hw) && sim_fault_rx_room(s) > 0;
}

bool sim_fault_stalled(const struct sim *s)
{
	return s->fault.stall_until > simhal_now(&s->hw);
}

bool sim_fault_want_write(const struct sim *s)
{
	return releasable(s, &s->fault.tx) > 0;
}

uint64_t sim_fault_next_us(const struct sim *s)
{
	const struct sim_fault *f = &s->fault;
	uint64_t t = UINT64_MAX;
	if (f->stall_until && f->stall_until < t)
		t = f->stall_until;
	if (f->back_at && f->back_at < t)
		t = f->back_at;
	if (f->stall_until > simhal_now(&s->hw))
		return t; /* held bytes wait for the stall's end too */
	if (f->rx.len && f->rx.hold_until < t)
		t = f->rx.hold_until;
	if (f->tx.len && f->tx.hold_until < t)
		t = f->tx.hold_until;
	return t;
}

void sim_fault_drop_rx(struct sim *s)
{
	s->fault.rx.len = s->fault.rx.free_len = 0;
}

/* The link goes away (USB unplug): the module loses power too. */
static int vanish(struct sim *s, uint32_t ms)
{
	struct sim_fault *f = &s->fault;
	if (f->back_at)
		return -1;
	if (s->link_fd >= 0)
		sim_watch_del(s, s->link_fd);
	if (s->tcp_listen >= 0)
		sim_watch_del(s, s->tcp_listen);
	f->was_link_path = s->link_made ? s->link_path : NULL;
	sim_link_close(s);
	f->rx.len = f->tx.len = f->rx.free_len = f->tx.free_len = 0;
	simhal_tx_clear(&s->hw);
	wisfw_core_tx_discard(&s->core);
	f->back_at = simhal_now(&s->hw) + (uint64_t)ms * 1000 + 1;
	f->n_vanished++;
	sim_log(s, "fault: vanished for %u ms", ms);
	return 0;
}

static void come_back(struct sim *s)
{
	struct sim_fault *f = &s->fault;
	f->back_at = 0;
	int rc = s->tcp_port >= 0 ? sim_link_open_tcp(s, s->tcp_port)
	                          : sim_link_open_pty(s, f->was_link_path);
	if (rc < 0) {
		sim_log(s, "fault: cannot come back, retrying in 100 ms");
		f->back_at = simhal_now(&s->hw) + 100000;
		return;
	}
	sim_log(s, "fault: back on %s", s->tcp_port >= 0 ? "tcp" : s->pty_name);
	/* Powered again: a fresh boot, as after a replug. */
	sim_module_reset(s, WIS_CAUSE_POWER_ON);
}

void sim_fault_poll(struct sim *s)
{
	struct sim_fault *f = &s->fault;
	uint64_t now = simhal_now(&s->hw);
	if (f->stall_until && f->stall_until <= now)
		f->stall_until = 0;
	if (f->back_at && f->back_at <= now)
		come_back(s);
	size_t m = releasable(s, &f->rx);
	if (m) {
		wisfw_core_rx(&s->core, f->rx.q, m);
		consume(&f->rx, m);
	}
}

/* A rate: a probability per byte, 0..1 ("0.001", "1e-3"). */
static int parse_rate(const char *v, uint32_t *rate)
{
	char *end;
	errno = 0;
	double r = strtod(v, &end);
	if (errno || end == v || *end || !(r >= 0 && r <= 1))
		return -1;
	*rate = r >= 1 ? UINT32_MAX : (uint32_t)(r * 4294967296.0);
	return 0;
}

static int parse_ms(const char *v, uint32_t *ms)
{
	char *end;
	errno = 0;
	unsigned long x = strtoul(v, &end, 10);
	if (errno || end == v || *end || *v == '-' || x > 600000)
		return -1;
	*ms = (uint32_t)x;
	return 0;
}

/* One setting: KIND RATE [MS] (delay takes its MS). */
static int set_kind(struct sim_fault *f, const char *kind, const char *rate, const char *ms)
{
	uint32_t r, d = 0;
	if (parse_rate(rate, &r) < 0)
		return -1;
	if (strcmp(kind, "delay") == 0) {
		if (!ms || parse_ms(ms, &d) < 0)
			return -1;
		f->delay = r;
		f->delay_us = d * 1000;
		return 0;
	}
	if (ms)
		return -1;
	if (strcmp(kind, "drop") == 0)
		f->drop = r;
	else if (strcmp(kind, "corrupt") == 0)
		f->corrupt = r;
	else if (strcmp(kind, "dup") == 0)
		f->dup = r;
	else
		return -1;
	return 0;
}

int sim_fault_parse(struct sim_fault *f, const char *spec)
{
	char buf[256];
	if (strlen(spec) >= sizeof buf)
		return -1;
	strcpy(buf, spec);
	char *save = NULL;
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(t, '=');
		if (!eq)
			return -1;
		*eq = 0;
		char *ms = strchr(eq + 1, ':');
		if (ms)
			*ms++ = 0;
		if (set_kind(f, t, eq + 1, ms) < 0)
			return -1;
	}
	return 0;
}

static void show(const struct sim *s, char *reply, size_t n)
{
	const struct sim_fault *f = &s->fault;
	uint64_t now = simhal_now(&s->hw);
	snprintf(reply, n,
	         "ok seed=%u drop=%.6g corrupt=%.6g dup=%.6g delay=%.6g:%u dropped=%llu "
	         "corrupted=%llu duplicated=%llu delayed=%llu stalls=%u vanished=%u stalled=%s "
	         "gone=%s",
	         f->seed, f->drop / 4294967296.0, f->corrupt / 4294967296.0, f->dup / 4294967296.0,
	         f->delay / 4294967296.0, f->delay_us / 1000, (unsigned long long)f->n_dropped,
	         (unsigned long long)f->n_corrupted, (unsigned long long)f->n_duplicated,
	         (unsigned long long)f->n_delayed, f->n_stalls, f->n_vanished,
	         f->stall_until > now ? "yes" : "no", f->back_at ? "yes" : "no");
}

void sim_fault_control(struct sim *s, char **av, int ac, char *reply, size_t n)
{
	struct sim_fault *f = &s->fault;
	uint32_t ms;
	const char *usage = "error usage: fault [drop|corrupt|dup RATE | delay RATE MS | "
	                    "stall MS | vanish MS | seed N | off]";
	if (ac == 1) {
		show(s, reply, n);
	} else if (ac == 2 && strcmp(av[1], "off") == 0) {
		f->drop = f->corrupt = f->dup = f->delay = 0;
		f->stall_until = 0;
		show(s, reply, n);
	} else if (ac == 3 && strcmp(av[1], "seed") == 0) {
		char *end;
		errno = 0;
		unsigned long v = strtoul(av[2], &end, 10);
		if (errno || end == av[2] || *end || v > UINT32_MAX) {
			snprintf(reply, n, "error seed '%.20s': want 0..4294967295", av[2]);
			return;
		}
		f->seed = (uint32_t)v;
		reseed(f);
		show(s, reply, n);
	} else if (ac == 3 && strcmp(av[1], "stall") == 0) {
		if (parse_ms(av[2], &ms) < 0) {
			snprintf(reply, n, "error stall '%.20s': want 0..600000 ms", av[2]);
			return;
		}
		f->stall_until = simhal_now(&s->hw) + (uint64_t)ms * 1000 + 1;
		f->n_stalls++;
		snprintf(reply, n, "ok stalled for %u ms", ms);
	} else if (ac == 3 && strcmp(av[1], "vanish") == 0) {
		if (parse_ms(av[2], &ms) < 0) {
			snprintf(reply, n, "error vanish '%.20s': want 0..600000 ms", av[2]);
			return;
		}
		if (vanish(s, ms) < 0) {
			snprintf(reply, n, "error already gone");
			return;
		}
		snprintf(reply, n, "ok gone for %u ms", ms);
	} else if ((ac == 3 || ac == 4) && strcmp(av[1], "stall") != 0) {
		if (set_kind(f, av[1], av[2], ac == 4 ? av[3] : NULL) < 0) {
			snprintf(reply, n, "%s", usage);
			return;
		}
		show(s, reply, n);
	} else {
		snprintf(reply, n, "%s", usage);
	}
}

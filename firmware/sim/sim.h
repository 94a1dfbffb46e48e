/*
 * wisrpc-sim: the firmware core on simhal (the simulated peripherals,
 * simhal.h, shared with the core tests).  Shared state of the simulator's
 * own parts: the link (pty or TCP) that simhal's tx buffer drains into,
 * the control socket, and the poll loop that drives them.
 */
#ifndef WIS_SIM_H
#define WIS_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core.h"
#include "radio_medium_sock.h"
#include "simhal.h"
#include "simhal_radio.h"

#define SIM_MAX_WATCH 32
#define SIM_MAX_CTL 8
#define SIM_CTL_LINE 256 /* control lines longer than this are refused */

struct sim;
typedef void (*sim_cb)(struct sim *s, int fd, short revents, void *arg);

/* One fd in the poll loop.  New sources (the radio medium socket) add a
 * watch; the loop needs no change. */
struct sim_watch {
	int fd;
	short events;
	sim_cb cb;
	void *arg;
};

struct sim_ctl_client {
	int fd;
	size_t len;
	bool discarding; /* line too long: drop until newline */
	char buf[SIM_CTL_LINE];
};

/* Fault injection on the link (sim_fault.c): one queue per direction. */
struct sim_fault_dir {
	uint32_t rng;
	uint8_t q[65536];
	size_t len;
	size_t free_len;     /* bytes ahead of a delay, free to go */
	uint64_t hold_until; /* simhal µs: the rest waits until then */
};

struct sim_fault {
	uint32_t seed;
	uint32_t drop, corrupt, dup, delay; /* rates: probability x 2^32 per byte */
	uint32_t delay_us;
	uint64_t stall_until; /* simhal µs; 0: not stalled */
	uint64_t back_at;     /* vanished until then; 0: present */
	const char *was_link_path;
	struct sim_fault_dir rx, tx;
	uint64_t n_dropped, n_corrupted, n_duplicated, n_delayed;
	unsigned n_stalls, n_vanished;
};

struct sim {
	struct wisfw_core core;
	struct simhal hw; /* the simulated peripherals, hal included */
	bool quiet;
	bool quit;

	/* link */
	int link_fd;  /* pty master or TCP client; -1 if none */
	int slave_fd; /* kept open so host close/reopen causes no EIO */
	int tcp_listen;
	int tcp_port; /* -1: pty mode */
	char pty_name[128];
	const char *link_path;
	bool link_made;
	/* Bytes the core has sent wait in hw.txbuf and are written to the
	 * link once per loop pass: a burst of pipelined requests is answered
	 * with one write(), as a USB device fills 64-byte bulk packets rather
	 * than one per response. */

	/* control */
	int ctl_listen;
	const char *ctl_path;
	struct sim_ctl_client ctl[SIM_MAX_CTL];

	struct sim_watch watch[SIM_MAX_WATCH];
	size_t nwatch;

	/* radio: the SX1262 model, on a medium shared with other processes
	 * through sock (fd -1 without --medium) */
	struct simhal_radio radio;
	struct radio_medium_sock sock;

	struct sim_fault fault;
};

/* --medium and its settings. */
struct sim_radio_opts {
	const char *medium; /* NULL: alone on its own air          */
	int path_loss_db;   /* from every other module (100 dB)    */
	uint16_t loss_permille;
	int capture_db; /* < 0: no capture                          */
	uint32_t seed;
	uint8_t station;           /* --station: 1..255, 0 none             */
	int16_t station_loss[256]; /* --path-loss-from N=DB, else UNSET     */
};

/* main.c */
void sim_log(const struct sim *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int sim_watch_add(struct sim *s, int fd, short events, sim_cb cb, void *arg);
void sim_watch_del(struct sim *s, int fd);
void sim_watch_events(struct sim *s, int fd, short events);
/* Module reset: every pin released, core re-initialised, RESET event. */
void sim_module_reset(struct sim *s, uint8_t cause);

/* sim_link.c */
int sim_link_open_pty(struct sim *s, const char *link_path);
int sim_link_open_tcp(struct sim *s, int port);
void sim_link_close(struct sim *s);
/* Write buffered output; returns false if some is still waiting. */
bool sim_link_flush(struct sim *s);
/* The host went away: drop what was buffered for it. */
void sim_link_drop(struct sim *s);

/* sim_fault.c */
void sim_fault_init(struct sim_fault *f, uint32_t seed);
/* "drop=R,corrupt=R,dup=R,delay=R:MS" (--fault); 0 or -1. */
int sim_fault_parse(struct sim_fault *f, const char *spec);
/* Bytes read from the link, on their way to the core. */
void sim_fault_rx(struct sim *s, const uint8_t *p, size_t n);
/* Most bytes the link may read now (SIZE_MAX without faults). */
size_t sim_fault_rx_room(const struct sim *s);
/* Flush with faults: *handled false when none are set (the caller writes
 * as usual); else returns true when nothing is left to send. */
bool sim_fault_tx(struct sim *s, bool *handled);
bool sim_fault_want_read(const struct sim *s);
bool sim_fault_want_write(const struct sim *s);
/* The link is stalled ("fault stall"): nothing moves until it ends. */
bool sim_fault_stalled(const struct sim *s);
/* Time (simhal µs) the faults next need the loop; UINT64_MAX: none. */
uint64_t sim_fault_next_us(const struct sim *s);
/* Releases held bytes whose time has come; brings a vanished link back. */
void sim_fault_poll(struct sim *s);
/* Module reset: bytes on their way in die with it. */
void sim_fault_drop_rx(struct sim *s);
void sim_fault_control(struct sim *s, char **av, int ac, char *reply, size_t n);

/* sim_radio.c */
int sim_radio_open(struct sim *s, const struct sim_radio_opts *o);
void sim_radio_close(struct sim *s);
/* Time (simhal µs) of the medium's next event: the loop wakes for it. */
uint64_t sim_radio_next_event(struct sim *s);
void sim_radio_control(struct sim *s, char **av, int ac, char *reply, size_t n);

/* sim_control.c */
int sim_control_open(struct sim *s, const char *path);
void sim_control_close(struct sim *s);
/* Runs one control command line; writes the reply line (no newline). */
void sim_control_exec(struct sim *s, char *line, char *reply, size_t n);

#endif

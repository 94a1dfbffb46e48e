/*
 * wisrpc-sim: the firmware core behind a Linux HAL.  Shared state of the
 * simulator's parts: the link (pty or TCP), the electrical pin model, the
 * control socket, and the poll loop that drives them.
 */
#ifndef WIS_SIM_H
#define WIS_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core.h"
#include "hal.h"

#define SIM_MAX_WATCH 32
#define SIM_MAX_CTL 8
#define SIM_CTL_LINE 256    /* control lines longer than this are refused */
#define SIM_ADC_MAX_MV 3600 /* VDD + 0.3 V: the pins' absolute maximum */

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

/* Electrical state of one nRF pin. */
struct sim_pin {
	const struct wis_pin_def *def; /* NULL: not an IO pin of the board */
	uint8_t mode;                  /* as configured by the core (enum wis_gpio_mode) */
	uint8_t latch;                 /* output latch (OUT register) */
	int8_t ext;                    /* external drive: -1 none, 0 or 1 */
	uint8_t net;                   /* nrf number of the net's first pin */
	int32_t adc_mv;
};

struct sim_ctl_client {
	int fd;
	size_t len;
	bool discarding; /* line too long: drop until newline */
	char buf[SIM_CTL_LINE];
};

#define SIM_TXBUF 16384

struct sim {
	struct wisfw_core core;
	struct wisfw_hal hal;
	struct wisfw_board board;
	bool quiet;
	bool quit;
	uint8_t id[8];

	/* pins */
	struct sim_pin pins[WISFW_NRF_PINS];
	uint8_t net_level[WISFW_NRF_PINS]; /* indexed by net */
	bool net_contention[WISFW_NRF_PINS];
	bool mute_pins; /* during a module reset: no edges to report */

	/* link */
	int link_fd;  /* pty master or TCP client; -1 if none */
	int slave_fd; /* kept open so host close/reopen causes no EIO */
	int tcp_listen;
	int tcp_port; /* -1: pty mode */
	char pty_name[128];
	const char *link_path;
	bool link_made;
	/* Bytes the core has sent, written to the link once per loop pass: a
	 * burst of pipelined requests is answered with one write(), as a USB
	 * device fills 64-byte bulk packets rather than one per response. */
	uint8_t txbuf[SIM_TXBUF];
	size_t txlen;

	/* control */
	int ctl_listen;
	const char *ctl_path;
	struct sim_ctl_client ctl[SIM_MAX_CTL];

	/* reset requested by the core (RESET opcode) */
	bool reset_req;
	uint8_t reset_mode;

	struct sim_watch watch[SIM_MAX_WATCH];
	size_t nwatch;
};

/* main.c */
void sim_log(const struct sim *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
uint64_t sim_now_us(void);
int sim_watch_add(struct sim *s, int fd, short events, sim_cb cb, void *arg);
void sim_watch_del(struct sim *s, int fd);
void sim_watch_events(struct sim *s, int fd, short events);
/* Module reset: every pin released, core re-initialised, RESET event. */
void sim_module_reset(struct sim *s, uint8_t cause);

/* sim_link.c */
int sim_link_open_pty(struct sim *s, const char *link_path);
int sim_link_open_tcp(struct sim *s, int port);
void sim_link_close(struct sim *s);
int sim_hal_tx(void *ctx, const uint8_t *p, size_t n);
bool sim_hal_tx_wait(void *ctx, uint32_t timeout_us);
/* Write buffered output; returns false if some is still waiting. */
bool sim_link_flush(struct sim *s);
/* The host went away: drop what was buffered for it. */
void sim_link_drop(struct sim *s);

/* sim_pins.c */
void sim_pins_init(struct sim *s);
/* Releases every pin's configuration (module reset); wires stay. */
void sim_pins_reset(struct sim *s);
/* Looks up an IO pin by name; NULL with a reason in err. */
const struct wis_pin_def *sim_pin_lookup(struct sim *s, const char *name, char *err, size_t n);
/* "IO1:IO2[:...]": wire pins into one net.  0 or -1 with err. */
int sim_pins_wire(struct sim *s, const char *spec, char *err, size_t n);
/* External drive: 0, 1 or -1 (released). */
void sim_pins_drive(struct sim *s, uint8_t nrf, int level);
int sim_pins_set_adc(struct sim *s, uint8_t nrf, long mv, char *err, size_t n);
uint8_t sim_pin_level(const struct sim *s, uint8_t nrf); /* the net's level */
void sim_hal_gpio_config(void *ctx, uint8_t nrf, uint8_t mode);
void sim_hal_gpio_write(void *ctx, uint8_t nrf, uint8_t level);
uint8_t sim_hal_gpio_read(void *ctx, uint8_t nrf);
uint8_t sim_hal_adc_sample(void *ctx, uint8_t ain, uint8_t gain, uint8_t ref, uint8_t bits,
                           uint8_t oversample_log2, int16_t *raw);

/* sim_control.c */
int sim_control_open(struct sim *s, const char *path);
void sim_control_close(struct sim *s);
/* Runs one control command line; writes the reply line (no newline). */
void sim_control_exec(struct sim *s, char *line, char *reply, size_t n);

#endif

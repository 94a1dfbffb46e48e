/*
 * wisd: the daemon's shared state and the interfaces between its parts.
 *
 *   wisd.c     main: options, signals, start and clean shutdown
 *   server.c   listening sockets, clients, line framing, write queues, limits
 *   rpc.c      JSON-RPC 2.0: requests, batches, daemon methods, notifications
 *   owner.c    pin claims by clients
 *   device.c   the module: open, poll, reconnect, hotplug/rescan, events
 *   state.c    declared pin state, re-applied after a reconnect or reset
 *   sim.c      the embedded simulator for --device sim
 *   watch.c    per-client edge watches merged into the module's one per pin
 *   hotplug.c  libusb hotplug hints for --device auto
 *
 * One struct wisd, owned by main, is passed explicitly to everything; there
 * is no other global state (except the logger).  All of it runs on the one
 * libuv loop thread; the only other thread is libuv's pool, which runs the
 * blocking wis_open() and hands the device back to the loop.
 */
#ifndef WISD_H
#define WISD_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <uv.h>

#include "config.h"
#include "log.h"
#include "wisjson.h"

struct client;
struct devmgr;
struct claim;

/* Topic bits; index i is wisj_topics[i]. */
#define TOPIC_BIT(i) (1u << (i))

struct wisd {
	uv_loop_t *loop;
	struct wisd_config cfg;
	wisj_ctx *jctx;
	json_tokener *tok;

	/* server.c */
	uv_pipe_t unix_srv;
	uv_tcp_t tcp_srv;
	bool unix_open, tcp_open;
	bool unix_bound; /* the socket file is ours to remove */
	dev_t unix_dev;  /* ... and this is it */
	ino_t unix_ino;
	struct timespec unix_ctime;
	uv_timer_t idle_timer;
	uv_idle_t resume_idle; /* runs while a paused client may read again */
	struct client *clients;
	unsigned nclients, next_client_id;
	uint64_t requests; /* served, for daemon.status */
	char *rbuf;        /* one read buffer for all clients (single thread) */
	size_t rbuf_len;

	/* owner.c */
	struct claim *claims;
	unsigned nclaims, claims_cap;

	/* device.c, state.c, watch.c */
	struct devmgr *dev;
	struct pinrec *state; /* 64 entries, by nRF pin number */
	unsigned reapplying;  /* re-apply operations not yet answered */
	struct watchreq *watches;
	unsigned nwatches, watches_cap;

	uv_signal_t sig_term, sig_int, sig_hup;
	uv_timer_t stop_timer;
	bool stopping;
	bool abandoning; /* stop grace over: unanswered requests being failed */
	uint64_t stop_deadline;
	uint64_t started_ms;
};

/* ---- server.c --------------------------------------------------------------- */

struct client {
	union {
		uv_handle_t handle;
		uv_stream_t stream;
		uv_pipe_t pipe;
		uv_tcp_t tcp;
	} h;
	struct wisd *d;
	struct client *next, *prev;
	unsigned id;
	char label[80]; /* "client 3 (pid 1234)" for logs and ownership errors */
	char *line;     /* a partial request line carried between reads */
	size_t line_len, line_cap;
	bool discarding;  /* inside an over-long line: skip to its newline */
	bool closing;     /* handle closing: no more reads or writes */
	bool eof;         /* sent EOF: close once its answers are written */
	bool is_unix;     /* on the Unix socket (else TCP) */
	unsigned pending; /* requests taken and not yet answered */
	bool paused;      /* too many requests pending: not reading (see held) */
	char *held;       /* bytes read but not yet handled while paused */
	size_t held_len;
	unsigned refs;    /* 1 for the connection + 1 per request or write pending */
	unsigned topics;  /* TOPIC_BIT()s subscribed */
	uint64_t last_rx; /* uv_now() of the last bytes received */
};

/* A reference-counted output line, so a notification is serialised once
 * and queued to every subscriber. */
struct shbuf {
	unsigned refs;
	size_t len;
	char data[];
};

int server_start(struct wisd *d);
/* Stops accepting and reading: used by the clean shutdown. */
void server_quiesce(struct wisd *d);
/* True when no client has bytes waiting in its write queue. */
bool server_flushed(struct wisd *d);
void server_close_all(struct wisd *d);

struct shbuf *shbuf_from_json(json_object *o);
void shbuf_unref(struct shbuf *b);
/* Queue a line to a client; drops the client if its queue passes the limit. */
void client_send(struct client *c, struct shbuf *b);
void client_drop(struct client *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void client_ref(struct client *c);
void client_unref(struct client *c);
/* A request of c's was taken / has been answered: counts toward the limit
 * on requests pending per client (and holds a reference meanwhile). */
void client_request_taken(struct client *c);
void client_request_done(struct client *c);

/* ---- rpc.c ------------------------------------------------------------------ */

void rpc_init(struct wisd *d);
/* One complete request line (NUL-terminated, newline stripped). */
void rpc_line(struct client *c, char *line, size_t len);
/* Send an error response with id null (over-long line). */
void rpc_send_error(struct client *c, int code, const char *msg);
/* Broadcast a notification to the topic's subscribers; consumes params. */
void rpc_notify(struct wisd *d, const char *topic, json_object *params);
/* Index of a topic in wisj_topics, -1 if unknown. */
int rpc_topic_index(const char *topic);

/* ---- owner.c ---------------------------------------------------------------- */

/* Client holding a resource, NULL if none. */
struct client *owner_of(struct wisd *d, const char *name);
/* Claim or give back every name in list (string or array); all or none. */
int owner_claim(struct wisd *d, struct client *c, json_object *list, struct wisj_error *e);
int owner_unclaim(struct wisd *d, struct client *c, json_object *list, struct wisj_error *e);
json_object *owner_list(struct wisd *d, struct client *c);
void owner_release_all(struct wisd *d, struct client *c);
void owner_free(struct wisd *d);

/* ---- device.c --------------------------------------------------------------- */

int devmgr_start(struct wisd *d);
/* Close and open again at once (SIGHUP). */
void devmgr_reopen(struct wisd *d);
/* Close everything (device, simulator, hotplug); cb-free: runs to completion
 * within the loop's next iterations. */
void devmgr_stop(struct wisd *d);
bool devmgr_up(struct wisd *d);
/* After the loop has finished (all handles closed). */
void devmgr_free(struct wisd *d);
json_object *devmgr_status(struct wisd *d);

/* ---- state.c ---------------------------------------------------------------- */

int state_init(struct wisd *d);
void state_free(struct wisd *d);
/* wisj observer: remembers successful pin-changing operations. */
void state_observe(void *d, uint16_t opcode, const uint8_t *req, size_t len);
/* Send config pins then the remembered state; returns operations queued.
 * done runs once all of them have completed, with the failure count. */
int state_reapply(struct wisd *d, void (*done)(struct wisd *d, int applied, int failed));

/* ---- watch.c ---------------------------------------------------------------- */

/* Union of the edges clients want on a pin, leaving out one client; the
 * debounce of one of them goes to *debounce if not NULL. */
uint8_t watch_union(struct wisd *d, uint8_t nrf, const struct client *except, uint32_t *debounce);
/* Record a client's wish once the module accepted it; edge 0 removes it. */
void watch_set(struct wisd *d, struct client *c, uint8_t nrf, uint8_t edge, uint32_t debounce_us);
/* The module dropped the pin's watch (mode change, release, ADC). */
void watch_forget_pin(struct wisd *d, uint8_t nrf);
/* Remove a client's wishes and narrow the module's watches to the rest. */
void watch_client_gone(struct wisd *d, struct client *c);
void watch_free(struct wisd *d);

#endif

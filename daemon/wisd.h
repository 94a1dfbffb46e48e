/*
 * wisd: the daemon's shared state and the interfaces between its parts.
 *
 *   wisd.c       main: options, signals, start and clean shutdown
 *   component.c  the component table: start, stop, config sections, events
 *   dispatch.c   one method call for any caller (socket or internal client):
 *                permission classes, ownership guard, daemon methods
 *   listen.c     component "server": the listening sockets, its event sink
 *   server.c     socket clients: framing, write queues
 *   auth.c       permission classes of socket clients: Unix credentials, TCP token
 *   limits.c     bounds on clients, queued output, answer size; the sweep
 *   rpc.c        JSON-RPC 2.0 envelopes, batches, notifications to clients
 *   owner.c      resource claims ("pin:IO1", "spi"...), shared pins
 *   device.c     the module: open, poll, reconnect, hotplug/rescan, events
 *   state.c      declared state per resource, re-applied after a reset
 *   sim.c        component "sim": the embedded simulator for --device sim
 *   comp_*.c     further components (comp_selftest.c: a diagnostic one)
 *   watch.c      per-caller edge watches merged into the module's one per pin
 *   hotplug.c    libusb hotplug hints for --device auto
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
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <uv.h>

#include "component.h"
#include "config.h"
#include "jsonfast.h"
#include "log.h"
#include "wisjson.h"

struct client;
struct devmgr;
struct claim;
struct resrec;
struct wisd_comp;

/*
 * Who makes a call: a socket client or a component's internal client.
 * Claims, edge watches and permission checks are keyed on it, so every
 * caller is treated alike.  It must outlive its calls (socket clients are
 * reference counted; components live until the loop has ended).
 */
struct wisd_caller {
	char label[80];      /* "client 3 (pid 1234, uid 1000)", "selftest": logs, refusals */
	uint8_t perm;        /* enum wis_perm: the highest class it may use */
	bool gone;           /* disconnected or stopped: late answers change nothing */
	struct client *sock; /* the socket client, NULL for an internal one */
};

/* Topic bits; index i is wisj_topics[i]. */
#define TOPIC_BIT(i) (1u << (i))

/* Freed blocks of one size kept for reuse: a request's bookkeeping (rpc.c,
 * dispatch.c) is allocated and freed once per request, and glibc's malloc
 * and free of it cost more than the rest of that bookkeeping. */
struct spares {
	void *head; /* each block starts with the next one's address */
	unsigned n;
};
#define SPARES_MAX 256

/* A block of size bytes (uninitialised), reused if one is kept. */
static inline void *spares_take(struct spares *s, size_t size)
{
	void *p = s->head;
	if (!p)
		return malloc(size);
	s->head = *(void **)p;
	s->n--;
	return p;
}

static inline void spares_give(struct spares *s, void *p)
{
	if (!p || s->n >= SPARES_MAX) {
		free(p);
		return;
	}
	*(void **)p = s->head;
	s->head = p;
	s->n++;
}

static inline void spares_free(struct spares *s)
{
	while (s->head) {
		void *p = s->head;
		s->head = *(void **)p;
		free(p);
	}
	s->n = 0;
}

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
	/* outq.c: writes each client's output once per loop pass; the clients
	 * with output waiting. */
	uv_prepare_t flush_prep;
	struct client *flush_list;
	uv_idle_t resume_idle; /* runs while a paused client may read again */
	struct client *clients;
	unsigned nclients, next_client_id;
	uint64_t requests;                     /* served, for daemon.status */
	struct spares spare_reqs, spare_calls; /* rpc.c's and dispatch.c's */
	char *rbuf;                            /* one read buffer for all clients (single thread) */
	size_t rbuf_len;

	/* auth.c */
	gid_t control_gid, admin_gid;
	bool control_gid_ok, admin_gid_ok; /* the group exists */
	char *token;                       /* the TCP token, NULL if no TCP */
	size_t token_len;

	/* limits.c */
	uv_timer_t sweep_timer;
	size_t out_queued;    /* bytes waiting in every client's write queue */
	unsigned file_writes; /* flash.stream file writes at libuv's workers */
	bool sweep_open;

	/* owner.c */
	struct claim *claims;
	unsigned nclaims, claims_cap;

	/* component.c */
	struct wisd_comp *comps;
	unsigned ncomps;
	bool publishing_log; /* a "log" notification is being delivered */

	/* device.c, state.c, watch.c */
	struct devmgr *dev;
	struct resrec *state; /* declared state, one record per resource */
	unsigned nstate, state_cap;
	unsigned reapplying; /* re-apply operations not yet answered */
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
	struct wisd_caller who; /* label, class; claims and watches are keyed on it */
	char *line;             /* a partial request line carried between reads */
	size_t line_len, line_cap;
	bool discarding; /* inside an over-long line: skip to its newline */
	bool closing;    /* handle closing: no more reads or writes */
	bool eof;        /* sent EOF: close once its answers are written */
	bool is_unix;    /* on the Unix socket (else TCP) */
	bool has_peer;   /* Unix: peer holds its credentials */
	/* Unix: the peer's credentials as the kernel recorded them at connect
	 * (SO_PEERCRED), read once at accept for both the label and the class. */
	struct ucred peer;
	bool authed;      /* TCP: gave the token (rpc.auth); Unix: always */
	unsigned pending; /* requests taken and not yet answered */
	bool paused;      /* too many requests pending: not reading (see held) */
	char *held;       /* bytes read but not yet handled while paused */
	size_t held_len;
	unsigned refs;     /* 1 for the connection + 1 per request or write pending */
	unsigned topics;   /* TOPIC_BIT()s subscribed */
	uint64_t last_rx;  /* uv_now() of the last bytes received */
	uint64_t since;    /* uv_now() at connect */
	size_t queued;     /* bytes of this client's in the write queue (limits.c) */
	size_t added;      /* ... queued since the last sweep */
	size_t last_q;     /* write queue size at the last sweep */
	unsigned stall_ms; /* time its queue has been above the limit without shrinking */
	/* outq.c: this loop pass's output, not yet written; listed on
	 * d->flush_list (next: flush_next) while it waits. */
	struct jsonfast_buf out;
	struct client *flush_next;
	bool flush_listed;
	/* flashstream_out.c: fds passed with SCM_RIGHTS and not yet used (oldest
	 * first), and the flash.stream transfers under way. */
	uv_pipe_t *passed[4];
	unsigned npassed;
	struct fstream *streams;
};

/* A reference-counted output line, so a notification is serialised once
 * and queued to every subscriber. */
struct shbuf {
	unsigned refs;
	size_t len;
	char data[];
};

/* Used by the server component (listen.c). */
void server_on_connection(uv_stream_t *srv, int status);
void server_on_idle_timer(uv_timer_t *t);
void server_on_resume(uv_idle_t *h);
void server_resume_client(struct client *c);
void client_close(struct client *c);

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

/* ---- auth.c ------------------------------------------------------------------ */

/* Groups and token from the config; -1 (logged) if wisd must not start. */
int auth_start(struct wisd *d);
void auth_free(struct wisd *d);
/* The class of a Unix peer from its credentials cr (NULL: unknown) and the
 * supplementary groups of its socket fd (root and wisd's own user: admin;
 * admin_group, control_group; else unix_class). */
unsigned auth_unix_class(struct wisd *d, int fd, const struct ucred *cr);
/* A TCP client's first line: 0 if it is a JSON-RPC request (go on), -1
 * if it is not and the client was closed. */
int auth_first_line(struct client *c, const char *line, size_t len);
/* A TCP client that has not authenticated may call rpc.auth only. */
int auth_check(struct wisd_caller *who, const char *method, struct wisj_error *e);
/* rpc.auth: checks the token of a TCP client, raising its class. */
json_object *auth_method(struct wisd *d, struct wisd_caller *who, json_object *params,
                         struct wisj_error *e);

/* ---- limits.c ------------------------------------------------------------------ */

void limits_start(struct wisd *d);
void limits_stop(struct wisd *d);
/* A new client: false if it was refused (max_clients) and is closing. */
bool limits_accept(struct client *c);
/* n bytes were queued to / written from c's write queue; queued() may drop c. */
void limits_queued(struct client *c, size_t n);
void limits_written(struct client *c, size_t n);
void limits_closing(struct client *c);
/* Refusal of a request beyond max_subscriptions; 0 if within. */
int limits_subscriptions(struct client *c, unsigned topics, unsigned watches, struct wisj_error *e);

/* ---- rpc.c ------------------------------------------------------------------ */

/* One complete request line (NUL-terminated, newline stripped). */
void rpc_line(struct client *c, char *line, size_t len);
/* Send an error response with id null (over-long line). */
void rpc_send_error(struct client *c, int code, const char *msg);
/* Send a notification to the topic's subscribers (params borrowed). */
void rpc_notify(struct wisd *d, const char *topic, json_object *params);
/* subscribe (on) or unsubscribe: {topics:[...]} or NULL with e set. */
json_object *rpc_subscribe(struct client *c, bool on, json_object *topics, struct wisj_error *e);
/* Index of a topic in wisj_topics, -1 if unknown. */
int rpc_topic_index(const char *topic);

/* ---- dispatch.c ------------------------------------------------------------- */

/* Completion of wisd_call: exactly one of result (owned by the callee) or
 * err is set. */
typedef void (*wisd_call_cb)(void *user, json_object *result, struct wisj_error *err);
/* A result as JSON text instead (wisj_text_cb): valid only during the call. */
typedef void (*wisd_text_cb)(void *user, const char *json, size_t len);

/* Install the guard and observer on the wisjson context. */
void dispatch_init(struct wisd *d);
/*
 * Run method m for caller who: its permission class is checked, daemon
 * methods are served here, the rest go to the device through wisjson with
 * the ownership guard.  params borrowed.  cb runs exactly once, possibly
 * before this returns, unless text is set and the result comes as text
 * (a method that prints its own, system.ping): then text runs instead.
 */
void wisd_call_method(struct wisd *d, struct wisd_caller *who, const wisj_method *m,
                      json_object *params, wisd_call_cb cb, wisd_text_cb text, void *user);
/* The same by name (internal clients): METHOD_NOT_FOUND if unknown. */
void wisd_call(struct wisd *d, struct wisd_caller *who, const char *method, json_object *params,
               wisd_call_cb cb, void *user);
/* A caller leaves: its claims and watches go (internal clients at stop). */
void wisd_caller_gone(struct wisd *d, struct wisd_caller *who);
json_object *daemon_status(struct wisd *d);

/* ---- flashstream.c, flashstream_out.c ------------------------------------------ */

/* Takes the fds libuv collected on c's connection (at most 4 kept). */
void fstream_take_fds(struct client *c);
/* The oldest fd who passed and has not used (NULL if none, or not a Unix
 * client): every flash.stream request takes one, whatever becomes of it,
 * so that a client's pipes and requests stay paired. */
uv_pipe_t *fstream_take_fd(struct wisd_caller *who);
void fstream_drop_fd(uv_pipe_t *p); /* closes it; NULL: nothing */
/* flash.stream for who (params checked): reads the range into p, a pipe's
 * write end or a regular file (taken over; NULL: refused), then cb with {addr, len, crc32} or the
 * error. */
void fstream_start(struct wisd *d, struct wisd_caller *who, json_object *params, uv_pipe_t *p,
                   wisd_call_cb cb, void *user);
/* c is closing: its transfers end, its unused fds are closed. */
void fstream_client_gone(struct client *c);

/* ---- owner.c ---------------------------------------------------------------- */

/* Refuses (-32003, naming who holds what) if a caller other than who holds
 * res or a resource sharing a pin with it; 0 if free or who's own. */
int owner_check(struct wisd *d, struct wisd_caller *who, const char *res, struct wisj_error *e);
/* Caller holding a claim on res or on a resource sharing a pin with it
 * (*held gets that claim's name), NULL if none. */
struct wisd_caller *owner_of(struct wisd *d, const char *res, const char **held);
/* Claim or give back every resource in list (string or array); all or none. */
int owner_claim(struct wisd *d, struct wisd_caller *c, json_object *list, struct wisj_error *e);
int owner_unclaim(struct wisd *d, struct wisd_caller *c, json_object *list, struct wisj_error *e);
json_object *owner_list(struct wisd *d, struct wisd_caller *c);
void owner_release_all(struct wisd *d, struct wisd_caller *c);
void owner_free(struct wisd *d);

/* ---- device.c --------------------------------------------------------------- */

/* Allocates the manager (before components start), then starts it. */
int devmgr_init(struct wisd *d);
int devmgr_start(struct wisd *d);
/* A component that makes the device itself (the embedded simulator)
 * provides its path: the manager waits for devmgr_path_ready() instead of
 * opening cfg.device; status members are added to daemon.status "device". */
void devmgr_provide(struct wisd *d, const char *mode, json_object *(*status)(void *), void *user);
void devmgr_path_ready(struct wisd *d, const char *path);
void devmgr_path_gone(struct wisd *d, const char *why);
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
/* wisj observer: remembers successful operations per resource. */
void state_observe(void *d, const struct wis_op_desc *op, const char *res, const uint8_t *req,
                   size_t len);
/* The same for a request wisd did not send (its resource is worked out). */
void state_observe_raw(struct wisd *d, uint16_t opcode, const uint8_t *req, size_t len);
/* Send config pins then the remembered state; returns operations queued.
 * done runs once all of them have completed, with the failure count. */
/* A pin resource ("pin:IO1") with a declared or configured mode. */
bool state_pin_configured(struct wisd *d, const char *res);
int state_reapply(struct wisd *d, void (*done)(struct wisd *d, int applied, int failed));

/* ---- watch.c ---------------------------------------------------------------- */

/* Union of the edges clients want on a pin, leaving out one client; the
 * debounce of one of them goes to *debounce if not NULL. */
uint8_t watch_union(struct wisd *d, uint8_t nrf, const struct wisd_caller *except,
                    uint32_t *debounce);
/* Record a caller's wish once the module accepted it; edge 0 removes it. */
void watch_set(struct wisd *d, struct wisd_caller *c, uint8_t nrf, uint8_t edge,
               uint32_t debounce_us);
/* The module dropped the pin's watch (mode change, release, ADC). */
void watch_forget_pin(struct wisd *d, uint8_t nrf);
/* Remove a client's wishes and narrow the module's watches to the rest. */
void watch_client_gone(struct wisd *d, struct wisd_caller *c);
void watch_free(struct wisd *d);
/* The edges a caller asked for on a pin (0: none). */
uint8_t watch_edge_of(struct wisd *d, struct wisd_caller *c, uint8_t nrf);
/* Pins a caller watches. */
unsigned watch_count(struct wisd *d, const struct wisd_caller *c);

#endif

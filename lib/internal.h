/*
 * libwisrpc internals shared between the library's source files: the device
 * object, the pending-call table, the clock-sync state and small helpers.
 * Nothing here is part of the public API.
 *
 * Locking: dev->mu guards everything in struct wis_device that changes after
 * open except the deframer, which only the thread holding the reader role
 * (dev->reader_active) touches, and the transport's write side, which
 * dev->tx_mu serialises so frames from several threads never interleave.
 * Callbacks always run with no library lock held, so they may call back
 * into the library.
 */
#ifndef WISRPC_INTERNAL_H
#define WISRPC_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "frame.h"
#include "ops.h"
#include "transport.h"
#include "wisrpc/wisrpc.h"

#define WIS_MAX_WINDOW 128
#define WIS_DETAIL_MAX 256
#define WIS_RESYNC_NS (10LL * 1000000000LL)
#define WIS_DRIFT_PPM 50

/* One call in flight.  id 0 = free slot. */
struct wis_slot {
	uint16_t id;
	uint16_t opcode;
	bool async;
	bool done;    /* sync: result is in */
	bool waiting; /* sync: its caller sleeps on slot_cv while another thread reads */
	int status;
	int64_t deadline_ns; /* CLOCK_MONOTONIC */
	unsigned timeout_ms;
	wis_done_cb cb;   /* async */
	wis_part_cb part; /* async streamed call: its partial answers */
	void *user;
	uint8_t *resp; /* sync: caller's buffer */
	size_t cap, len;
	/* Its place in the link's request order (dev->tx_seq when its frame was
	 * queued; 0: not yet), for what a module reset lost (reset.c).  Written
	 * under tx_mu, read under mu: atomic. */
	uint32_t txseq;
	char detail[WIS_DETAIL_MAX]; /* sync: error detail for the caller's thread */
};

/* An async completion collected under the lock, run after unlocking. */
struct wis_done {
	wis_done_cb cb;
	void *user;
	int status;
	uint16_t opcode;
	char detail[WIS_DETAIL_MAX]; /* a radio setting's detail lists its values */
};

struct wis_clock {
	bool valid;
	uint64_t dev_us;      /* device time of the kept sample        */
	int64_t mono_ns;      /* host monotonic time it corresponds to */
	uint32_t rtt_us;      /* round trip of that sample             */
	uint32_t best_rtt_us; /* smallest round trip seen: what "good" is */
	_Atomic int64_t
	    last_attempt_ns; /* read without mu to skip the lock when no sample is due */
	bool inflight;       /* an async UPTIME sample is pending */
	int64_t inflight_sent_ns;
};

/* radio.c: the settings object (opaque in wisrpc.h). */
struct wis_radio_config {
	uint32_t freq_hz, bw_hz;
	int8_t power_dbm, antenna_dbi;
	uint8_t sf, cr, ldro, implicit, payload_len, crc, invert_iq, sync_word, idle_xosc;
	uint16_t preamble, tcxo_mv;
	int region; /* index in radio_region.c's plans, -1: "lab" (no rules) */
};
#define WIS__RADIO_BANDS 8
/* What a device keeps of its radio, under mu. */
struct wis__radio_state {
	bool configured;
	struct wis_radio_config cfg;
	int64_t band_ready_ns[WIS__RADIO_BANDS]; /* duty cycle: next send allowed */
};

struct wis_device {
	char *path;
	struct wis_transport *tp;
	struct wis_open_options opts;

	pthread_mutex_t mu;
	pthread_cond_t cond; /* CLOCK_MONOTONIC: window slots, close, link state */
	pthread_mutex_t tx_mu;
	/* Output queue, under tx_mu: every request goes through it, so a
	 * frame the link takes only partly is finished later, never cut.
	 * Room for a full window of largest frames. */
	uint8_t txq[16 * (WIS_MAX_ENCODED + 1)];
	size_t txq_len;
	uint32_t tx_seq; /* requests queued so far (slot txseq) */
	int wake_fd;     /* eventfd: made readable by wis_close to stop the reader */

	struct wis_slot *slots;
	pthread_cond_t *slot_cv; /* one per slot (CLOCK_MONOTONIC): wakes just its caller */
	unsigned nslots;         /* size of slots[]: the window asked for at open, and
	                          * one for reset.c's barrier */
	unsigned window;         /* calls allowed in flight: min(asked, device's) */
	unsigned used;
	/* Counts that let the common path skip work (call.c): async calls in
	 * flight (deadlines to check), sync callers asleep on their slot_cv,
	 * threads asleep on cond. */
	unsigned nasync, nsleeping, cond_waiters;
	uint16_t next_id;
	bool reader_active; /* a thread is reading the link */
	bool dead;          /* link gone: every call fails with WIS_E_DISCONNECTED */
	bool closing;
	/* wis_close() was called inside a callback: the thread that did so
	 * frees the device when it leaves the library (see wis__enter). */
	wis_device *close_next; /* that thread's list of devices to free */
	unsigned users;         /* threads inside calls or wis_process: wis_close waits */

	struct wis_deframer rx; /* reader only */
	/* Bytes read from the link but not yet fed to the deframer, reader
	 * only.  The stream position lives here, and the deframer is fed one
	 * frame at a time, because a callback may make a synchronous call
	 * that goes on reading the link from inside the outer read. */
	uint8_t rxbuf[4096];
	size_t rxlen, rxpos;
	struct wis_frame_stats rx_stats; /* copy of rx.stats under mu */
	uint32_t stray;

	wis_event_cb ev_cb;
	void *ev_user;
	bool have_seq;
	uint32_t last_seq, events_lost;

	struct wis_clock clk;

	struct wis_info info;
	unsigned max_payload;
	struct wis_pin_def *pins; /* device table, or NULL: use the built-in one */
	size_t npins;
	char *pin_strings;

	struct wis__radio_state radio; /* radio.c */
};

/* radio_region.c: regional plans as data. */
struct wis__band {
	uint32_t lo_hz, hi_hz;
	uint16_t duty_bp; /* duty cycle in 0.01 % (10000: none) */
	int8_t max_eirp_dbm;
	uint16_t dwell_ms; /* longest time on air of one send, 0: no limit */
};
/* Index of a region name ("EU868"; "lab" is -1), -2 if unknown. */
int wis__region_find(const char *name);
const char *wis__region_name(int region);
/* The band of region holding freq, its index in *band; NULL if none. */
const struct wis__band *wis__region_band(int region, uint32_t freq_hz, int *band);
/* "863.0-870.0 MHz" style summary of a region's frequencies. */
void wis__region_span(int region, char *buf, size_t cap);

/* radio.c: fills a radio event's union member from its fields. */
void wis__radio_event(struct wis_event *ev, const union wis_val *v);

/* error.c */
int wis__fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void wis__set_detail(const char *text, size_t len);
/* wis__fail with a fixed text, for errors an event loop meets in its
 * normal course (a full window): no formatting on that path. */
#define wis__fail_text(code, text) (wis__set_detail((text), sizeof(text) - 1), (code))
void wis__clear_error(void);
/* wis_op_name(): lib/proto/ops.h */

/* call.c */
int64_t wis__now_ns(void);
int wis__call_internal(wis_device *dev, uint16_t opcode, const void *req, size_t req_len,
                       void *resp, size_t resp_cap, size_t *resp_len, unsigned timeout_ms);
/* Timeout of a call made with timeout_ms 0: the open options' default plus
 * the opcode's bound from its description (lib/proto/ops.c). */
unsigned wis__default_timeout(wis_device *dev, uint16_t opcode, const void *req, size_t len);
/*
 * A call described by the opcode table: req holds the request's fields in
 * table order (NULL if none), checked against the table's ranges (naming
 * the field, WIS_E_INVAL) before anything is sent; the response is decoded
 * by its layout into resp (NULL to ignore it: its layout is still checked,
 * WIS_E_PROTO if it differs).  Values in resp that point into the payload
 * (strings, bytes) are valid only until the thread's next call.
 */
int wis__call_fields(wis_device *dev, uint16_t opcode, const union wis_val *req,
                     union wis_val *resp, unsigned timeout_ms);
/* Request fields checked and encoded into out (WIS_MAX_PAYLOAD bytes);
 * returns the length or a negative code with the detail set. */
int wis__encode_fields(uint16_t opcode, const union wis_val *req, uint8_t *out);
/* flash.c: a transfer split into several requests of up to chunk bytes
 * is checked against the store's size first (FLASH_INFO), so a range past
 * its end changes nothing; one request is checked by the device itself.
 * fi (may be NULL) gets what FLASH_INFO said when it was asked, and is
 * left as it is otherwise. */
int wis__flash_range_check(wis_device *dev, const char *what, uint32_t addr, size_t len,
                           size_t chunk, struct wis_flash_info *fi);
/* A response payload decoded by the opcode's layout (WIS_E_PROTO if it
 * differs; no range checks: a newer device may add values). */
int wis__decode_fields(uint16_t opcode, const uint8_t *p, size_t len, union wis_val *resp);
/* wis_call() that also checks the response has exactly want bytes. */
int wis__call_exact(wis_device *dev, uint16_t opcode, const void *req, size_t req_len, void *resp,
                    size_t want, unsigned timeout_ms);

/* Per-thread pointers read on every call's path (entry.c, tx.c, call.c):
 * the initial-exec TLS model reaches them without a __tls_get_addr call
 * (about 60 instructions per call in this shared library).  They take 32
 * bytes of the static TLS surplus glibc keeps for libraries loaded with
 * dlopen (Python's ctypes); the larger per-thread buffers (error text, the
 * last response) keep the default model. */
#define WIS_TLS_FAST _Thread_local __attribute__((tls_model("initial-exec")))

/* ---- slots.c: the pending-call table ---- */

/* Completions are collected under the lock in chunks of this many and run
 * after unlocking; chunks keep the stack small in callers' threads. */
#define DONE_CHUNK 16
void wis__run_done(wis_device *dev, struct wis_done *d, unsigned n);
/* Slots, under dev->mu (call.c allocates them).  The two below are on
 * every call's path: inline. */
/* Wakes the threads asleep on dev->cond, if any (most calls find none). */
static inline void wis__cond_wake_locked(wis_device *dev)
{
	if (dev->cond_waiters)
		pthread_cond_broadcast(&dev->cond);
}

static inline void wis__slot_free_locked(wis_device *dev, struct wis_slot *s)
{
	s->id = 0;
	dev->used--;
	if (s->async)
		dev->nasync--;
	wis__cond_wake_locked(dev); /* a window slot is free */
}

struct wis_slot *wis__slot_find(wis_device *dev, uint16_t id);
pthread_cond_t *wis__slot_cv(wis_device *dev, struct wis_slot *s);
/* Up to DONE_CHUNK async calls past their deadline, moved into d. */
unsigned wis__expire_locked(wis_device *dev, struct wis_done *d);
/* Fails every call in flight with code (mu held; dropped while callbacks
 * run). */
void wis__fail_all(wis_device *dev, int code, const char *why);
/* Fails every call with WIS_E_DISCONNECTED (no lock held). */
void wis__link_died(wis_device *dev, int code);
/* call.c: a free slot for a new call (mu held, used < nslots). */
struct wis_slot *wis__slot_alloc_locked(wis_device *dev, uint16_t opcode, unsigned timeout_ms,
                                        int64_t deadline_ns);

/* reset.c: the module restarted (its RESET event, or seq went back);
 * reader role, no lock held. */
void wis__reset_seen(wis_device *dev);

/* rx.c, reader role only.  Waits up to wait_ms for input (0 = just drain
 * what is there), then feeds everything available to the deframer.
 * Returns 0 or a negative code when the link is dead. */
int wis__read_link(wis_device *dev, int wait_ms);
void wis__calls_shutdown(wis_device *dev);
/* Marks dev closing and cancels its calls now; false if it was already
 * closing (someone else frees it). */
bool wis__calls_close_later(wis_device *dev);

/* tx.c.  wis__tx_send encodes and queues a request: sync callers wait (up to
 * timeout_ms) until the link took it, async ones push what fits now (or,
 * inside wis_process, leave it for wis__tx_push when it returns).
 * wis__tx_defer marks the calling thread as running wis_process on dev (NULL
 * clears it) and returns the previous mark. */
int wis__tx_send(wis_device *dev, uint16_t id, uint16_t opcode, const void *req, size_t len,
                 unsigned timeout_ms, bool async);
int wis__tx_push(wis_device *dev);
bool wis__tx_pending(wis_device *dev);
wis_device *wis__tx_defer(wis_device *dev);

/*
 * Entry guard for the functions that may run callbacks (synchronous and
 * asynchronous calls, wis_process, wis_close).  It records, per thread,
 * that the thread is inside the library for dev, so that wis_close() from
 * a callback is deferred until the thread's outermost entry leaves:
 * wis__leave() then frees the device and returns true.
 */
struct wis_entry {
	wis_device *dev;
	struct wis_entry *prev;
};
void wis__enter(wis_device *dev, struct wis_entry *e);
bool wis__leave(wis_device *dev, struct wis_entry *e);
/* True if wis_close(dev) now must be deferred (see above); if so, marks
 * the device closing, cancels its calls and queues the free. */
bool wis__close_deferred(wis_device *dev);

/* events.c: called by the reader for each event frame (no lock held). */
void wis__dispatch_event(wis_device *dev, const struct wis_hdr *h, const uint8_t *p, size_t len);

/* clock.c */
int wis__clock_sync_initial(wis_device *dev);
/* Starts an async UPTIME sample if the last sync is older than 10 s. */
void wis__clock_maybe_resync(wis_device *dev);
void wis__clock_invalidate(wis_device *dev);

/* device.c */
const struct wis_pin_def *wis__dev_pins(wis_device *dev, size_t *count);
/* Resolves name for function fn into *nrf; fn 0 = any I/O pin. */
int wis__pin_arg(wis_device *dev, const char *name, unsigned fn, uint8_t *nrf);

/* adc.c: checks cfg (NULL = defaults) and encodes an ADC_READ request. */
int wis__adc_encode(wis_device *dev, const char *pin, const struct wis_adc_config *cfg,
                    uint8_t req[5]);

#endif

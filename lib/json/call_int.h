/*
 * What lib/json's call.c (sending, completing) and call_plan.c (planning)
 * share: a call in flight and the context that queues calls for a device.
 * Private to lib/json.
 */
#ifndef WISJ_CALL_INT_H
#define WISJ_CALL_INT_H

#include "wisjson_int.h"

/* Room for a result printed as text (complete_text); a longer one is built
 * as an object. */
#define WISJ_TEXT_MAX 512

struct wisj_part {
	const struct wisj_method *m;
	json_object *params;
	int first, n;
};

struct wisj_call {
	struct wisj_call *next;
	wisj_ctx *ctx;
	const struct wisj_method *m; /* NULL for wisj_raw */
	json_object *params;         /* normalised params (owned reference) */
	wisj_done_cb cb;
	wisj_text_cb text; /* NULL: results as objects only */
	void *user;
	bool as_batch, stop_on_error;
	struct wisj_part *parts; /* batch method only */
	int nparts;
	wis_batch *b;
	wis_device *dev;             /* the device it was sent to: still valid while its
	                              * completion runs, even inside wis_close() */
	int64_t queued_ms;           /* when it started waiting for window room, 0 if never */
	struct wisj_call *done_next; /* in ctx's list of answers not yet completed */
	struct wisj_plan plan;
	/* The module's answer, kept from on_done() until wisj_ctx_complete()
	 * (not zeroed by call_new: written before it is read). */
	int status;
	size_t resp_len;
	uint8_t resp[WIS_MAX_PAYLOAD];
};

struct wisj_ctx {
	wis_device *dev;
	unsigned timeout_ms;
	unsigned queue_limit;
	unsigned queued, inflight;
	struct wisj_call *head, *tail;
	wisj_guard_cb guard;
	void *guard_user;
	wisj_observe_cb observe;
	void *observe_user;
	bool pumping;
	/* Answers that came in during wis_process(), completed (results
	 * built, callbacks run) after it returns: see on_done(). */
	struct wisj_call *done_head, *done_tail;
	char radio_region[8]; /* radio.c's regional rules */
	/* Calls kept for reuse: a call is 3.4 KiB, and a malloc and free of
	 * that size per request cost glibc more than the rest of it. */
	struct wisj_call *spare;
	unsigned nspare;
};
#define SPARE_MAX 32

/* Plans a batch method's steps into k->plan (k->parts says which method
 * planned which steps); -1 with e set. */
int wisj_call_plan_batch(wisj_ctx *c, struct wisj_call *k, struct wisj_error *e);
/* Every planned step is an opcode of its method's table row, and the
 * context's guard allows it; -1 with e set. */
int wisj_call_guard(wisj_ctx *c, struct wisj_call *k, struct wisj_error *e);

#endif

/*
 * wisjson calls: a JSON method becomes a plan (methods.c), the plan goes to
 * the device as one asynchronous request or one BATCH, and the answer comes
 * back as a JSON result through the caller's callback.
 *
 * Calls that find the device window full wait in a FIFO owned by the
 * context and go out as completions free the window, so callers (every
 * wisd client at once) never see WINDOW_FULL and the window stays full
 * while there is work: that is what pipelines many clients' requests.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "call_int.h"

/* A zeroed call, but for its plan's steps and buffer: 2.4 KiB that
 * wisj_plan_add() fills before anything reads them, and that zeroing cost
 * more than the rest of a request's allocations together (nor the answer
 * kept at its end, 1 KiB, written by on_done() before it is read). */
static struct wisj_call *call_new(wisj_ctx *c)
{
	struct wisj_call *k = c->spare;
	if (k) {
		c->spare = k->next;
		c->nspare--;
	} else if (!(k = malloc(sizeof *k))) {
		return NULL;
	}
	memset(k, 0, offsetof(struct wisj_call, plan));
	k->plan.n = 0;
	k->plan.m = NULL;
	k->plan.ctx = NULL;
	k->plan.used = 0;
	return k;
}

wisj_ctx *wisj_ctx_new(void)
{
	wisj_ctx *c = calloc(1, sizeof *c);
	if (c) {
		c->queue_limit = 4096;
		snprintf(c->radio_region, sizeof c->radio_region, "EU868");
	}
	return c;
}

int wisj_ctx_set_radio_region(wisj_ctx *c, const char *region)
{
	wis_radio_config *rc = wis_radio_config_new();
	int ok = rc && strlen(region) < sizeof c->radio_region &&
	         wis_radio_config_set_region(rc, region) == 0;
	wis_radio_config_free(rc);
	if (!ok)
		return -1;
	snprintf(c->radio_region, sizeof c->radio_region, "%s", region);
	return 0;
}

const char *wisj_ctx_radio_region(wisj_ctx *c)
{
	return c->radio_region;
}

static void call_free(struct wisj_call *k)
{
	if (k->params)
		json_object_put(k->params);
	for (int i = 0; i < k->nparts; i++)
		json_object_put(k->parts[i].params);
	free(k->parts);
	if (k->b)
		wis_batch_free(k->b);
	wisj_ctx *c = k->ctx;
	if (c && c->nspare < SPARE_MAX) {
		k->next = c->spare;
		c->spare = k;
		c->nspare++;
		return;
	}
	free(k);
}

static void fail_call(struct wisj_call *k, struct wisj_error *e)
{
	k->cb(k->user, NULL, e);
	wisj_error_clear(e);
	call_free(k);
}

static void fail_queue(wisj_ctx *c, int code, const char *msg)
{
	struct wisj_call *k = c->head;
	c->head = c->tail = NULL;
	c->queued = 0;
	while (k) {
		struct wisj_call *next = k->next;
		struct wisj_error e = {0};
		wisj_error_set(&e, code, "%s", msg);
		fail_call(k, &e);
		k = next;
	}
}

void wisj_ctx_free(wisj_ctx *c)
{
	if (!c)
		return;
	wisj_ctx_complete(c);
	fail_queue(c, WISJ_SHUTTING_DOWN, "shutting down");
	while (c->spare) {
		struct wisj_call *k = c->spare;
		c->spare = k->next;
		free(k);
	}
	free(c);
}

void wisj_ctx_cancel_queued(wisj_ctx *c, int code, const char *msg)
{
	fail_queue(c, code, msg);
}

void wisj_ctx_set_device(wisj_ctx *c, wis_device *dev)
{
	wisj_ctx_complete(c); /* while the device they came from is still open */
	c->dev = dev;
	if (!dev)
		fail_queue(c, WISJ_UNAVAILABLE, "device went away before the request was sent");
}

wis_device *wisj_ctx_device(wisj_ctx *c)
{
	return c->dev;
}
void wisj_ctx_set_timeout(wisj_ctx *c, unsigned ms)
{
	c->timeout_ms = ms;
}
unsigned wisj_ctx_queued(wisj_ctx *c)
{
	return c->queued;
}
unsigned wisj_ctx_inflight(wisj_ctx *c)
{
	return c->inflight;
}
void wisj_ctx_set_queue_limit(wisj_ctx *c, unsigned limit)
{
	c->queue_limit = limit;
}

void wisj_ctx_set_guard(wisj_ctx *c, wisj_guard_cb cb, void *user)
{
	c->guard = cb;
	c->guard_user = user;
}

void wisj_ctx_set_observer(wisj_ctx *c, wisj_observe_cb cb, void *user)
{
	c->observe = cb;
	c->observe_user = user;
}

/* ---- completion ----------------------------------------------------------- */

static void observe(struct wisj_call *k, const struct wisj_res *r)
{
	wisj_ctx *c = k->ctx;
	for (int i = 0; i < k->plan.n; i++) {
		const struct wisj_step *s = &k->plan.steps[i];
		if (r[i].status == 0 && s->op->opcode == WIS_OP_RADIO_CONFIG)
			wisj_radio_accepted(c, k->dev ? k->dev : c->dev, k->plan.buf + s->off,
			                    s->len);
	}
	if (!c->observe)
		return;
	for (int i = 0; i < k->plan.n; i++) {
		const struct wisj_step *s = &k->plan.steps[i];
		if (r[i].status == 0)
			c->observe(c->observe_user, s->op, s->res, k->plan.buf + s->off, s->len);
	}
}

/* Step s's failure r (s NULL: the whole batch's).  A flash operation's
 * BAD_ARG is the module's check of the range against its store (past the
 * end, an erase not on erase-unit boundaries: the store's geometry is the
 * module's to know): params out of range, not a device refusal. */
static void step_error(const struct wisj_step *s, const struct wisj_res *r, struct wisj_error *e)
{
	char d[200];
	wisj_detail(r->p, r->len, d, sizeof d);
	if (s && r->status == -WIS_ST_BAD_ARG && s->op->res == WIS_RES_FLASH)
		wisj_error_flash_range(e, d);
	else
		wisj_error_from_wis(e, r->status, d);
}

/* First failing step in [first, first+n), preferring a real failure over
 * SKIPPED; -1 if all succeeded. */
static int first_failure(const struct wisj_res *r, int first, int n)
{
	int skipped = -1;
	for (int i = first; i < first + n; i++) {
		if (r[i].status == -WIS_ST_SKIPPED && skipped < 0)
			skipped = i;
		else if (r[i].status < 0)
			return i;
	}
	return skipped;
}

static json_object *finish_method(wis_device *dev, const struct wisj_method *m, json_object *params,
                                  const struct wisj_step *s, const struct wisj_res *r, int n,
                                  struct wisj_error *e)
{
	if (!(m->flags & WISJ_M__TOLERANT)) {
		int f = first_failure(r, 0, n);
		if (f >= 0) {
			step_error(&s[f], &r[f], e);
			return NULL;
		}
	}
	json_object *res = m->finish(dev, params, s, r, n, e);
	if (!res && !e->code)
		wisj_error_set(e, WISJ_INTERNAL_ERROR, "%s: could not build the result", m->name);
	return res;
}

/* The result as text, if the caller takes it and the method prints it. */
static bool complete_text(struct wisj_call *k, const struct wisj_res *r)
{
	char buf[WISJ_TEXT_MAX];
	if (!k->text || !k->m || k->parts || !k->m->print || first_failure(r, 0, k->plan.n) >= 0)
		return false;
	int n = k->m->print(k->plan.steps, r, k->plan.n, buf, sizeof buf);
	if (n < 0)
		return false;
	k->text(k->user, buf, (size_t)n);
	return true;
}

static void complete(struct wisj_call *k, const struct wisj_res *r)
{
	observe(k, r);
	if (complete_text(k, r)) {
		call_free(k);
		return;
	}
	/* Made only now: zeroing its 256 bytes is a cost per request. */
	struct wisj_error e = {0};
	json_object *res = NULL;
	wis_device *dev = k->dev ? k->dev : k->ctx->dev;
	if (!k->m) {
		if (r[0].status < 0)
			step_error(&k->plan.steps[0], &r[0], &e);
		else
			res = json_object_new_object();
	} else if (k->parts) {
		json_object *a = json_object_new_array();
		for (int i = 0; i < k->nparts; i++) {
			struct wisj_part *p = &k->parts[i];
			struct wisj_error pe = {0};
			json_object *o = json_object_new_object(),
			            *pr = finish_method(dev, p->m, p->params,
			                                &k->plan.steps[p->first], &r[p->first],
			                                p->n, &pe);
			if (pr)
				json_object_object_add(o, "result", pr);
			else
				json_object_object_add(o, "error", wisj_error_to_json(&pe));
			wisj_error_clear(&pe);
			json_object_array_add(a, o);
		}
		res = json_object_new_object();
		json_object_object_add(res, "results", a);
	} else {
		res = finish_method(dev, k->m, k->params, k->plan.steps, r, k->plan.n, &e);
	}
	if (res)
		k->cb(k->user, res, NULL);
	else
		k->cb(k->user, NULL, &e);
	wisj_error_clear(&e);
	call_free(k);
}

static void pump(wisj_ctx *c);

/* The answer's results built and handed to the caller. */
static void finish_answer(struct wisj_call *k, int status, const uint8_t *payload, size_t len)
{
	struct wisj_res r[WISJ_MAX_STEPS];
	if (k->b) {
		int rc = status < 0 ? status : wis_batch_parse(k->b, payload, len);
		for (int i = 0; i < k->plan.n; i++) {
			if (rc < 0) {
				/* The whole batch failed: every step carries that error. */
				r[i].status = rc;
				r[i].p = payload;
				r[i].len = status < 0 ? len : 0;
			} else {
				r[i].status = wis_batch_status(k->b, i);
				r[i].p = wis_batch_result(k->b, i, &r[i].len);
			}
		}
		if (rc < 0 && !k->parts) {
			/* Report once, not per step. */
			struct wisj_error e = {0};
			step_error(NULL, &r[0], &e);
			fail_call(k, &e);
			return;
		}
	} else {
		r[0].status = status;
		r[0].p = payload;
		r[0].len = len;
	}
	complete(k, r);
}

void wisj_ctx_complete(wisj_ctx *c)
{
	while (c->done_head) {
		struct wisj_call *k = c->done_head;
		c->done_head = k->done_next;
		if (!c->done_head)
			c->done_tail = NULL;
		finish_answer(k, k->status, k->resp, k->resp_len);
	}
}

/*
 * An answer inside wis_process(): its successor in the queue is sent first
 * (the library writes what callbacks send when wis_process() returns), and
 * the answer is only kept, to be completed by wisj_ctx_complete() after
 * that write.  So the module has its next requests while the results are
 * built and printed, rather than after all of a pass's answers were.
 * A failure completes at once, after the answers kept before it (order
 * kept; inside wis_close() the device is still valid only now).
 */
static void on_done(wis_device *dev, int status, const uint8_t *payload, size_t len, void *user)
{
	(void)dev;
	struct wisj_call *k = user;
	wisj_ctx *c = k->ctx;
	c->inflight--;
	if (status >= 0 && len <= sizeof k->resp) {
		k->status = status;
		k->resp_len = len;
		memcpy(k->resp, payload, len);
		k->done_next = NULL;
		if (c->done_tail)
			c->done_tail->done_next = k;
		else
			c->done_head = k;
		c->done_tail = k;
		pump(c);
		return;
	}
	wisj_ctx_complete(c);
	finish_answer(k, status, payload, len);
	pump(c);
}

/* ---- sending -------------------------------------------------------------- */

/* Only how long a call waited for window room is timed with it, against a
 * timeout of seconds: the coarse clock (a few ms steps) is enough, and it
 * is read twice for every call that waits (every one, with many clients)
 * where the precise one costs a clock read through the hypervisor. */
static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* send_call(): the call waited for window room for its whole timeout. */
#define EXPIRED 1

static int send_call(struct wisj_call *k)
{
	wisj_ctx *c = k->ctx;
	struct wisj_plan *pl = &k->plan;
	int rc;
	/* timeout_ms counts from the request, not from when the window had
	 * room: behind a module that stopped answering, a queue of N requests
	 * would otherwise take N/window timeouts to drain. */
	unsigned timeout = c->timeout_ms;
	if (k->queued_ms && timeout) {
		int64_t waited = now_ms() - k->queued_ms;
		if (waited >= (int64_t)timeout)
			return EXPIRED;
		timeout -= (unsigned)waited;
	}
	/* A long operation may take its bound on top of the round trip. */
	for (int i = 0; timeout && i < pl->n; i++)
		timeout +=
		    wis_op_bound_ms(pl->steps[i].op, pl->buf + pl->steps[i].off, pl->steps[i].len);
	k->dev = c->dev;
	if (!k->as_batch) {
		struct wisj_step *s = &pl->steps[0];
		rc = wis_call_async(c->dev, s->op->opcode, pl->buf + s->off, s->len, timeout,
		                    on_done, k);
	} else {
		if (!k->b) {
			k->b = wis_batch_new(c->dev);
			if (!k->b)
				return WIS_E_NOMEM;
			wis_batch_stop_on_error(k->b, k->stop_on_error);
			for (int i = 0; i < pl->n; i++) {
				rc = wis_batch_add(k->b, pl->steps[i].op->opcode,
				                   pl->buf + pl->steps[i].off, pl->steps[i].len);
				if (rc < 0)
					return rc;
			}
		}
		size_t len;
		const uint8_t *p = wis_batch_payload(k->b, &len);
		rc = wis_call_async(c->dev, WIS_OP_BATCH, p, len, timeout, on_done, k);
	}
	if (rc == 0)
		c->inflight++;
	return rc;
}

static void pump(wisj_ctx *c)
{
	/* Completions run pump() from inside wis_process(); a send can complete
	 * another call synchronously, so guard against recursion. */
	if (c->pumping)
		return;
	c->pumping = true;
	while (c->head && c->dev) {
		struct wisj_call *k = c->head;
		int rc = send_call(k);
		if (rc == WIS_E_WINDOW_FULL)
			break;
		c->head = k->next;
		if (!c->head)
			c->tail = NULL;
		c->queued--;
		if (rc == EXPIRED) {
			struct wisj_error e = {0};
			wisj_error_from_wis(&e, WIS_E_TIMEOUT, NULL);
			wisj_error_set(&e, WISJ_TIMEOUT,
			               "no room at the device within %u ms: it is not answering",
			               c->timeout_ms);
			fail_call(k, &e);
		} else if (rc < 0) {
			struct wisj_error e = {0};
			wisj_error_from_wis(&e, rc, wis_last_error());
			fail_call(k, &e);
		}
	}
	c->pumping = false;
}

void wisj_ctx_pump(wisj_ctx *c)
{
	pump(c);
	wisj_ctx_complete(c);
}

static void submit(wisj_ctx *c, struct wisj_call *k)
{
	if (k->plan.n == 0) {
		const struct wisj_res none[1] = {{0}}; /* no step: nothing to read */
		complete(k, none);
		return;
	}
	k->as_batch = k->parts || k->plan.n > 1;
	if (!c->head && !c->pumping) {
		int rc = send_call(k);
		if (rc == 0)
			return;
		if (rc != WIS_E_WINDOW_FULL) {
			struct wisj_error e = {0};
			wisj_error_from_wis(&e, rc, wis_last_error());
			fail_call(k, &e);
			return;
		}
	}
	if (c->queued >= c->queue_limit) {
		struct wisj_error e = {0};
		wisj_error_set(&e, WISJ_OVERLOADED, "%u requests already waiting for the device",
		               c->queued);
		fail_call(k, &e);
		return;
	}
	k->next = NULL;
	k->queued_ms = now_ms();
	if (c->tail)
		c->tail->next = k;
	else
		c->head = k;
	c->tail = k;
	c->queued++;
}

void wisj_invoke(wisj_ctx *c, const wisj_method *m, json_object *params, wisj_done_cb cb,
                 void *user)
{
	wisj_invoke_text(c, m, params, cb, NULL, user);
}

void wisj_invoke_text(wisj_ctx *c, const wisj_method *m, json_object *params, wisj_done_cb cb,
                      wisj_text_cb text, void *user)
{
	struct wisj_error e = {0};
	if (m->flags & WISJ_M_DAEMON) {
		wisj_error_set(&e, WISJ_METHOD_NOT_FOUND,
		               "%s is served by wisd, not by a direct device", m->name);
		goto fail_early;
	}
	json_object *np = wisj_params_check(m, params, &e);
	if (!np)
		goto fail_early;
	if ((m->flags & WISJ_M_DEVICE) && !c->dev) {
		json_object_put(np);
		wisj_error_set(&e, WISJ_UNAVAILABLE, "no device connected");
		goto fail_early;
	}
	if (m->local) {
		json_object *res = m->local(c->dev, np, &e);
		json_object_put(np);
		if (!res)
			goto fail_early;
		cb(user, res, NULL);
		return;
	}
	struct wisj_call *k = call_new(c);
	if (!k) {
		json_object_put(np);
		wisj_error_set(&e, WISJ_INTERNAL_ERROR, "out of memory");
		goto fail_early;
	}
	k->ctx = c;
	k->m = m;
	k->params = np;
	k->cb = cb;
	k->text = text;
	k->user = user;
	k->plan.m = m;
	k->plan.ctx = c;
	int rc = (m->flags & WISJ_M__BATCH) ? wisj_call_plan_batch(c, k, &e)
	                                    : m->plan(c->dev, np, &k->plan, &e);
	if (!k->parts)
		k->stop_on_error = true;
	if (rc < 0 || wisj_call_guard(c, k, &e) < 0) {
		fail_call(k, &e);
		return;
	}
	submit(c, k);
	return;
fail_early:
	cb(user, NULL, &e);
	wisj_error_clear(&e);
}

void wisj_raw(wisj_ctx *c, uint16_t opcode, const uint8_t *req, size_t len, wisj_done_cb cb,
              void *user)
{
	struct wisj_error e = {0};
	if (!c->dev) {
		wisj_error_set(&e, WISJ_UNAVAILABLE, "no device connected");
		cb(user, NULL, &e);
		return;
	}
	struct wisj_call *k = call_new(c);
	if (!k) {
		wisj_error_set(&e, WISJ_INTERNAL_ERROR, "out of memory");
		cb(user, NULL, &e);
		return;
	}
	k->ctx = c;
	k->cb = cb;
	k->user = user;
	if (wisj_plan_add(&k->plan, c->dev, opcode, req, len, &e) < 0) {
		fail_call(k, &e);
		return;
	}
	submit(c, k);
}

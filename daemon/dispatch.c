/*
 * wisd method dispatch: one call of one method for one caller, whether it
 * came from a socket client (rpc.c) or from a component's internal client
 * (wisd_call).  The caller's permission class is checked against the
 * method's (daemon methods) and against each device operation's class in
 * the opcode table (the wisjson guard), claims are checked for every
 * operation that changes a resource, and the daemon's own methods
 * (subscribe, claim, daemon.status...) are served here.
 */
#include <stdlib.h>
#include <string.h>

#include "wisd.h"

struct dcall {
	struct wisd *d;
	struct wisd_caller *who;
	wisd_call_cb cb;
	wisd_text_cb text;
	void *user;
	bool is_pins;  /* system.pins: decorate with claims */
	bool is_watch; /* gpio.watch: record the caller's wish on success */
	uint8_t watch_nrf, watch_edge;
	uint32_t watch_debounce;
};

static void forbidden(struct wisj_error *e, const struct wisd_caller *who, const char *what,
                      unsigned perm)
{
	wisj_error_set(e, WISJ_FORBIDDEN, "%s needs permission class %s; %s has %s", what,
	               wisj_perm_name(perm), who->label, wisj_perm_name(who->perm));
	e->data = json_object_new_object();
	json_object_object_add(e->data, "needed", json_object_new_string(wisj_perm_name(perm)));
}

/* wisjson guard: every device operation of a call, before it is sent. */
static int guard(void *gu, void *call_user, const struct wis_op_desc *op, const char *res,
                 struct wisj_error *e)
{
	struct dcall *k = call_user;
	if (op->perm > k->who->perm) {
		forbidden(e, k->who, op->name, op->perm);
		return -1;
	}
	if (!res[0])
		return 0;
	if (op->flags & WIS_OPF_CHANGES)
		return owner_check(gu, k->who, res, e);
	/* A read of a free pin makes it an input: not of a pin someone else
	 * claimed and has not configured yet. */
	if (op->opcode == WIS_OP_GPIO_READ && !state_pin_configured(gu, res) &&
	    owner_check(gu, k->who, res, e) < 0) {
		char msg[sizeof e->message];
		memcpy(msg, e->message, sizeof msg);
		wisj_error_set(e, e->code,
		               "%s (not configured yet: reading would make it an input)", msg);
		return -1;
	}
	return 0;
}

/* Who holds a pin, as the asker may see it: pids and uids only to admin. */
static void decorate_pins(struct wisd *d, const struct wisd_caller *asker, json_object *res)
{
	json_object *pins;
	if (!json_object_object_get_ex(res, "pins", &pins))
		return;
	size_t n = json_object_array_length(pins);
	for (size_t i = 0; i < n; i++) {
		json_object *p = json_object_array_get_idx(pins, i), *name;
		if (!json_object_object_get_ex(p, "name", &name))
			continue;
		char res_name[WISJ_RES_MAX];
		snprintf(res_name, sizeof res_name, "pin:%s", json_object_get_string(name));
		const char *held = NULL;
		struct wisd_caller *o = owner_of(d, res_name, &held);
		if (!o)
			continue;
		char who[32];
		if (o->sock && asker->perm < WIS_PERM_ADMIN)
			snprintf(who, sizeof who, "client %u", o->sock->id);
		json_object_object_add(
		    p, "claimed_by",
		    json_object_new_string(o->sock && asker->perm < WIS_PERM_ADMIN ? who
		                                                                   : o->label));
		json_object_object_add(p, "claim", json_object_new_string(held));
	}
}

static void done(void *user, json_object *result, struct wisj_error *err)
{
	struct dcall *k = user;
	if (result && k->is_watch) {
		watch_set(k->d, k->who, k->watch_nrf, k->watch_edge, k->watch_debounce);
		/* Its caller left while the module was answering: the watch goes
		 * as it would have had it been recorded before (docs/api.md). */
		if (k->who->gone)
			watch_client_gone(k->d, k->who);
	}
	if (result && k->is_pins)
		decorate_pins(k->d, k->who, result);
	k->cb(k->user, result, err);
	spares_give(&k->d->spare_calls, k);
}

static void done_text(void *user, const char *json, size_t len)
{
	struct dcall *k = user;
	k->text(k->user, json, len);
	spares_give(&k->d->spare_calls, k);
}

/* ---- daemon methods ------------------------------------------------------------ */

json_object *daemon_status(struct wisd *d)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "device", devmgr_status(d));
	json_object_object_add(o, "clients", json_object_new_int((int)d->nclients));
	json_object_object_add(o, "requests", json_object_new_int64((int64_t)d->requests));
	json_object_object_add(o, "inflight", json_object_new_int((int)wisj_ctx_inflight(d->jctx)));
	json_object_object_add(o, "queued", json_object_new_int((int)wisj_ctx_queued(d->jctx)));
	json_object_object_add(o, "output_queued", json_object_new_int64((int64_t)d->out_queued));
	json_object_object_add(
	    o, "uptime_s",
	    json_object_new_int64((int64_t)(uv_now(d->loop) - d->started_ms) / 1000));
	json_object_object_add(o, "version", json_object_new_string(WIS_LIB_VERSION));
	json_object_object_add(o, "components", components_status(d));
	return o;
}

static json_object *daemon_method(struct dcall *k, const wisj_method *m, json_object *np,
                                  struct wisj_error *e)
{
	struct wisd *d = k->d;
	json_object *res = NULL, *v = NULL;
	const char *name = wisj_method_name(m);
	if (!strcmp(name, "subscribe") || !strcmp(name, "unsubscribe")) {
		json_object_object_get_ex(np, "topics", &v);
		if (k->who->sock)
			return rpc_subscribe(k->who->sock, name[0] == 's', v, e);
		wisj_error_set(e, WISJ_INVALID_REQUEST,
		               "%s: an internal client gets every notification through its sink",
		               name);
	} else if (!strcmp(name, "claim") || !strcmp(name, "unclaim")) {
		json_object_object_get_ex(np, "resources", &v);
		int rc =
		    name[0] == 'c' ? owner_claim(d, k->who, v, e) : owner_unclaim(d, k->who, v, e);
		if (rc == 0) {
			res = json_object_new_object();
			json_object_object_add(res, "claimed", owner_list(d, k->who));
		}
	} else if (!strcmp(name, "rpc.auth")) {
		res = auth_method(d, k->who, np, e);
	} else if (!strcmp(name, "daemon.status")) {
		res = daemon_status(d);
	} else {
		wisj_error_set(e, WISJ_METHOD_NOT_FOUND, "%s is not served by this wisd", name);
	}
	return res;
}

/* gpio.watch: the module gets the union of every caller's wish for the
 * pin (watch.c); this caller's own wish is recorded once it succeeded.
 * Returns the params to send (a new reference), NULL (e set) beyond
 * max_subscriptions. */
static json_object *watch_params(struct dcall *k, json_object *np, struct wisj_error *e)
{
	json_object *v;
	wis_device *dev = wisj_ctx_device(k->d->jctx);
	int nrf = -1;
	if (dev && json_object_object_get_ex(np, "pin", &v))
		nrf = wis_pin_resolve(dev, json_object_get_string(v), WIS_FN_GPIO);
	/* Unresolvable pins and an absent device get their errors from wisjson. */
	if (nrf < 0 || nrf >= 64)
		return json_object_get(np);
	uint8_t edge = WIS_EDGE_BOTH;
	if (json_object_object_get_ex(np, "edge", &v))
		edge = (uint8_t)wis_name_index(wis_edge_names, json_object_get_string(v));
	uint32_t deb = 0;
	if (json_object_object_get_ex(np, "debounce_us", &v))
		deb = (uint32_t)json_object_get_int64(v);
	struct client *c = k->who->sock;
	/* A new pin watched is one more subscription (not a changed one). */
	if (c && edge != WIS_EDGE_NONE && !watch_edge_of(k->d, k->who, (uint8_t)nrf) &&
	    limits_subscriptions(c, (unsigned)__builtin_popcount(c->topics),
	                         watch_count(k->d, k->who) + 1, e) < 0)
		return NULL;
	uint8_t merged = edge | watch_union(k->d, (uint8_t)nrf, k->who, NULL);
	k->is_watch = true;
	k->watch_nrf = (uint8_t)nrf;
	k->watch_edge = edge;
	k->watch_debounce = deb;
	json_object_object_add(np, "edge",
	                       json_object_new_string(wis_name_of(wis_edge_names, merged)));
	return json_object_get(np);
}

/* flash.stream: the checks flash.read's device operation gets (permission
 * class, ownership), through the same guard, once for the whole range;
 * then flashstream.c reads it into the caller's pipe. */
static void stream_method(struct dcall *k, json_object *np, uv_pipe_t *pipe)
{
	struct wisj_error e = {0};
	const struct wis_op_desc *op = wis_op_find(WIS_OP_FLASH_READ);
	union wis_val v[2] = {WIS_VAL(0), WIS_VAL(1)};
	uint8_t req[8];
	char res[WISJ_RES_MAX];
	size_t n = wis_op_encode(op->opcode, v, req, sizeof req);
	if (wis_op_resource(op, req, n, NULL, 0, res, sizeof res) < 0 ||
	    guard(k->d, k, op, res, &e) < 0) {
		if (!e.code)
			wisj_error_set(&e, WISJ_INTERNAL_ERROR, "FLASH_READ names no resource");
		fstream_drop_fd(pipe);
		k->cb(k->user, NULL, &e);
		wisj_error_clear(&e);
	} else {
		fstream_start(k->d, k->who, np, pipe, k->cb, k->user);
	}
	spares_give(&k->d->spare_calls, k);
}

/* ---- calls ------------------------------------------------------------------ */

void wisd_call_method(struct wisd *d, struct wisd_caller *who, const wisj_method *m,
                      json_object *params, wisd_call_cb cb, wisd_text_cb text, void *user)
{
	struct wisj_error e = {0};
	/* A method that takes a passed fd (flash.stream) takes it before
	 * anything can refuse it: a client's fds and requests stay paired. */
	bool takes_fd = wisj_method_flags(m) & WISJ_M_TAKES_FD;
	uv_pipe_t *pipe = takes_fd ? fstream_take_fd(who) : NULL;
	struct dcall *k = spares_take(&d->spare_calls, sizeof *k);
	if (!k) {
		wisj_error_set(&e, WISJ_INTERNAL_ERROR, "out of memory");
		goto fail;
	}
	*k = (struct dcall){.d = d, .who = who, .cb = cb, .text = text, .user = user};
	unsigned perm = wisj_method_perm(m);
	if (auth_check(who, wisj_method_name(m), &e) < 0)
		goto fail;
	if (perm > who->perm) {
		forbidden(&e, who, wisj_method_name(m), perm);
		goto fail;
	}
	const char *name = wisj_method_name(m);
	if ((wisj_method_flags(m) & WISJ_M_DAEMON) || !strcmp(name, "gpio.watch")) {
		json_object *np = wisj_params_check(m, params, &e);
		if (!np)
			goto fail;
		if (takes_fd) {
			stream_method(k, np, pipe);
			json_object_put(np);
			return;
		}
		if (wisj_method_flags(m) & WISJ_M_DAEMON) {
			json_object *res = daemon_method(k, m, np, &e);
			json_object_put(np);
			done(k, res, res ? NULL : &e);
			wisj_error_clear(&e);
			return;
		}
		json_object *wp = watch_params(k, np, &e);
		json_object_put(np);
		if (!wp)
			goto fail;
		wisj_invoke(d->jctx, m, wp, done, k);
		json_object_put(wp);
		return;
	}
	k->is_pins = !strcmp(name, "system.pins");
	/* Text only where done() has nothing to add to the result. */
	wisj_invoke_text(d->jctx, m, params, done, text && !k->is_pins ? done_text : NULL, k);
	return;
fail:
	fstream_drop_fd(pipe);
	spares_give(&d->spare_calls, k);
	cb(user, NULL, &e);
	wisj_error_clear(&e);
}

void wisd_call(struct wisd *d, struct wisd_caller *who, const char *method, json_object *params,
               wisd_call_cb cb, void *user)
{
	const wisj_method *m = wisj_method_find(method);
	if (!m || d->stopping) {
		struct wisj_error e = {0};
		if (m)
			wisj_error_set(&e, WISJ_SHUTTING_DOWN, "wisd is shutting down");
		else
			wisj_error_set(&e, WISJ_METHOD_NOT_FOUND, "Method not found: %s", method);
		cb(user, NULL, &e);
		wisj_error_clear(&e);
		return;
	}
	wisd_call_method(d, who, m, params, cb, NULL, user);
}

void wisd_caller_gone(struct wisd *d, struct wisd_caller *who)
{
	who->gone = true;
	owner_release_all(d, who);
	watch_client_gone(d, who);
}

static void log_to_components(void *user, enum log_level lvl, const char *msg)
{
	struct wisd *d = user;
	json_object *p = json_object_new_object();
	json_object_object_add(p, "level", json_object_new_string(log_level_name(lvl)));
	json_object_object_add(p, "message", json_object_new_string(msg));
	wisd_publish(d, "log", p);
}

void dispatch_init(struct wisd *d)
{
	wisj_ctx_set_guard(d->jctx, guard, d);
	wisj_ctx_set_observer(d->jctx, state_observe, d);
	log_set_hook(log_to_components, d);
}

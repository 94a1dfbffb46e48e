/*
 * wisd JSON-RPC 2.0 layer: one request line in, responses out.
 *
 * Parses a line (bounded nesting), validates the envelope, answers batch
 * arrays as one array, never answers notifications, and routes each method
 * either to the daemon's own methods (subscribe, claim, daemon.status...)
 * or to wisjson, which sends it to the device through the shared async
 * window.  Every request in flight holds a reference on its client so a
 * late device answer never touches a freed client.
 */
#include <stdlib.h>
#include <string.h>

#include "wisd.h"

struct rpc_batch {
	struct client *c;
	json_object *arr; /* slots in request order; NULL for notifications */
	unsigned outstanding;
};

struct rpc_req {
	struct client *c;
	json_object *id; /* owned; NULL for a notification */
	bool notification;
	bool is_pins;  /* system.pins: decorate with claims */
	bool is_watch; /* gpio.watch: record the client's wish on success */
	uint8_t watch_nrf, watch_edge;
	uint32_t watch_debounce;
	struct rpc_batch *batch;
	int slot;
};

static json_object *envelope(void)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "jsonrpc", json_object_new_string("2.0"));
	return o;
}

static json_object *make_error(json_object *id, struct wisj_error *e)
{
	json_object *o = envelope();
	json_object_object_add(o, "error", wisj_error_to_json(e));
	json_object_object_add(o, "id", id ? json_object_get(id) : NULL);
	return o;
}

static void send_json(struct client *c, json_object *o)
{
	struct shbuf *b = shbuf_from_json(o);
	client_send(c, b);
	shbuf_unref(b);
}

void rpc_send_error(struct client *c, int code, const char *msg)
{
	struct wisj_error e = {0};
	wisj_error_set(&e, code, "%s", msg);
	json_object *o = make_error(NULL, &e);
	send_json(c, o);
	json_object_put(o);
}

static void batch_done(struct rpc_batch *b)
{
	json_object *out = json_object_new_array();
	size_t n = json_object_array_length(b->arr);
	for (size_t i = 0; i < n; i++) {
		json_object *r = json_object_array_get_idx(b->arr, i);
		if (r)
			json_object_array_add(out, json_object_get(r));
	}
	/* A batch of only notifications gets no answer at all. */
	if (json_object_array_length(out))
		send_json(b->c, out);
	json_object_put(out);
	json_object_put(b->arr);
	client_unref(b->c);
	free(b);
}

/* Deliver a response (NULL for a notification) for req and free req. */
static void finish(struct rpc_req *r, json_object *resp)
{
	struct client *c = r->c;
	if (r->batch) {
		if (resp)
			json_object_array_put_idx(r->batch->arr, (size_t)r->slot, resp);
		if (--r->batch->outstanding == 0)
			batch_done(r->batch);
	} else if (resp) {
		send_json(c, resp);
		json_object_put(resp);
	}
	if (r->id)
		json_object_put(r->id);
	client_request_done(c);
	free(r);
}

static void decorate_pins(struct wisd *d, json_object *res)
{
	json_object *pins;
	if (!json_object_object_get_ex(res, "pins", &pins))
		return;
	size_t n = json_object_array_length(pins);
	for (size_t i = 0; i < n; i++) {
		json_object *p = json_object_array_get_idx(pins, i), *name;
		if (!json_object_object_get_ex(p, "name", &name))
			continue;
		struct client *o = owner_of(d, json_object_get_string(name));
		if (o)
			json_object_object_add(p, "claimed_by", json_object_new_string(o->label));
	}
}

static void on_result(void *user, json_object *result, struct wisj_error *err)
{
	struct rpc_req *r = user;
	if (result && r->is_watch && !r->c->closing)
		watch_set(r->c->d, r->c, r->watch_nrf, r->watch_edge, r->watch_debounce);
	if (r->notification) {
		if (result)
			json_object_put(result);
		finish(r, NULL);
		return;
	}
	json_object *o;
	if (result) {
		if (r->is_pins)
			decorate_pins(r->c->d, result);
		o = envelope();
		json_object_object_add(o, "result", result);
		json_object_object_add(o, "id", json_object_get(r->id));
	} else {
		o = make_error(r->id, err);
	}
	finish(r, o);
}

/* ---- daemon methods ------------------------------------------------------------ */

static json_object *topics_json(unsigned bits)
{
	json_object *a = json_object_new_array();
	for (int i = 0; wisj_topics[i]; i++)
		if (bits & TOPIC_BIT(i))
			json_object_array_add(a, json_object_new_string(wisj_topics[i]));
	return a;
}

int rpc_topic_index(const char *topic)
{
	for (int i = 0; wisj_topics[i]; i++)
		if (!strcmp(wisj_topics[i], topic))
			return i;
	return -1;
}

static int topic_bits(json_object *list, unsigned *bits, struct wisj_error *e)
{
	*bits = 0;
	size_t n = json_object_is_type(list, json_type_array) ? json_object_array_length(list) : 1;
	for (size_t i = 0; i < n; i++) {
		json_object *t = json_object_is_type(list, json_type_array)
		                     ? json_object_array_get_idx(list, i)
		                     : list;
		int k = rpc_topic_index(json_object_get_string(t));
		if (k < 0) {
			wisj_error_set(
			    e, WISJ_INVALID_PARAMS,
			    "unknown topic '%s' (gpio.edge, device.state, log, radio.rx, "
			    "radio.tx, uart.rx)",
			    json_object_get_string(t));
			return -1;
		}
		*bits |= TOPIC_BIT(k);
	}
	return 0;
}

static json_object *daemon_status(struct wisd *d)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "device", devmgr_status(d));
	json_object_object_add(o, "clients", json_object_new_int((int)d->nclients));
	json_object_object_add(o, "requests", json_object_new_int64((int64_t)d->requests));
	json_object_object_add(o, "inflight", json_object_new_int((int)wisj_ctx_inflight(d->jctx)));
	json_object_object_add(o, "queued", json_object_new_int((int)wisj_ctx_queued(d->jctx)));
	json_object_object_add(
	    o, "uptime_s",
	    json_object_new_int64((int64_t)(uv_now(d->loop) - d->started_ms) / 1000));
	json_object_object_add(o, "version", json_object_new_string(WIS_LIB_VERSION));
	return o;
}

static void daemon_method(struct rpc_req *r, const wisj_method *m, json_object *params)
{
	struct wisd *d = r->c->d;
	struct client *c = r->c;
	struct wisj_error e = {0};
	json_object *res = NULL, *np = wisj_params_check(m, params, &e), *v = NULL;
	const char *name = wisj_method_name(m);
	if (!np)
		goto out;
	if (!strcmp(name, "subscribe") || !strcmp(name, "unsubscribe")) {
		unsigned bits;
		json_object_object_get_ex(np, "topics", &v);
		if (topic_bits(v, &bits, &e) == 0) {
			if (name[0] == 's')
				c->topics |= bits;
			else
				c->topics &= ~bits;
			res = json_object_new_object();
			json_object_object_add(res, "topics", topics_json(c->topics));
		}
	} else if (!strcmp(name, "claim") || !strcmp(name, "unclaim")) {
		json_object_object_get_ex(np, "resources", &v);
		int rc = name[0] == 'c' ? owner_claim(d, c, v, &e) : owner_unclaim(d, c, v, &e);
		if (rc == 0) {
			res = json_object_new_object();
			json_object_object_add(res, "claimed", owner_list(d, c));
		}
	} else if (!strcmp(name, "daemon.status")) {
		res = daemon_status(d);
	} else {
		wisj_error_set(&e, WISJ_METHOD_NOT_FOUND, "%s is not served by this wisd", name);
	}
out:
	if (np)
		json_object_put(np);
	on_result(r, res, res ? NULL : &e);
	wisj_error_clear(&e);
}

/* gpio.watch: the module gets the union of every client's wish for the
 * pin (watch.c); this client's own wish is recorded once it succeeded. */
static void watch_request(struct rpc_req *r, const wisj_method *m, json_object *params)
{
	struct wisd *d = r->c->d;
	struct wisj_error e = {0};
	json_object *np = wisj_params_check(m, params, &e), *v;
	wis_device *dev = wisj_ctx_device(d->jctx);
	if (!np) {
		on_result(r, NULL, &e);
		wisj_error_clear(&e);
		return;
	}
	int nrf = -1;
	if (dev && json_object_object_get_ex(np, "pin", &v))
		nrf = wis_pin_resolve(dev, json_object_get_string(v), WIS_FN_GPIO);
	if (nrf >= 0 && nrf < 64) {
		uint8_t edge = WIS_EDGE_BOTH;
		if (json_object_object_get_ex(np, "edge", &v))
			for (int i = 0; wisj_edges[i]; i++)
				if (!strcmp(wisj_edges[i], json_object_get_string(v)))
					edge = (uint8_t)i;
		uint32_t deb = 0;
		if (json_object_object_get_ex(np, "debounce_us", &v))
			deb = (uint32_t)json_object_get_int64(v);
		uint8_t merged = edge | watch_union(d, (uint8_t)nrf, r->c, NULL);
		r->is_watch = true;
		r->watch_nrf = (uint8_t)nrf;
		r->watch_edge = edge;
		r->watch_debounce = deb;
		json_object_object_add(np, "edge", json_object_new_string(wisj_edges[merged]));
	}
	/* Unresolvable pins and an absent device get their errors from wisjson. */
	wisj_invoke(d->jctx, m, np, on_result, r);
	json_object_put(np);
}

/* ---- requests ------------------------------------------------------------------- */

static void request(struct client *c, json_object *q, struct rpc_batch *batch, int slot)
{
	struct wisd *d = c->d;
	struct rpc_req *r = calloc(1, sizeof *r);
	if (!r) {
		if (batch)
			batch->outstanding--;
		return;
	}
	r->c = c;
	r->batch = batch;
	r->slot = slot;
	client_request_taken(c);
	d->requests++;
	struct wisj_error e = {0};
	json_object *id = NULL, *ver, *meth, *params = NULL;
	bool has_id =
	    json_object_is_type(q, json_type_object) && json_object_object_get_ex(q, "id", &id);
	r->id = has_id ? (id ? json_object_get(id) : json_object_new_null()) : NULL;
	if (!json_object_is_type(q, json_type_object)) {
		wisj_error_set(&e, WISJ_INVALID_REQUEST, "Invalid Request: expected an object");
		goto fail;
	}
	if (!json_object_object_get_ex(q, "jsonrpc", &ver) ||
	    !json_object_is_type(ver, json_type_string) || json_object_get_string_len(ver) != 3 ||
	    strcmp(json_object_get_string(ver), "2.0") != 0) {
		wisj_error_set(&e, WISJ_INVALID_REQUEST,
		               "Invalid Request: \"jsonrpc\" must be \"2.0\"");
		goto fail;
	}
	if (!json_object_object_get_ex(q, "method", &meth) ||
	    !json_object_is_type(meth, json_type_string)) {
		wisj_error_set(&e, WISJ_INVALID_REQUEST,
		               "Invalid Request: \"method\" must be a string");
		goto fail;
	}
	if (json_object_object_get_ex(q, "params", &params) && params &&
	    !json_object_is_type(params, json_type_object) &&
	    !json_object_is_type(params, json_type_array)) {
		wisj_error_set(&e, WISJ_INVALID_REQUEST,
		               "Invalid Request: \"params\" must be an object or an array");
		goto fail;
	}
	json_object_object_foreach(q, key, val)
	{
		(void)val;
		if (strcmp(key, "jsonrpc") && strcmp(key, "method") && strcmp(key, "params") &&
		    strcmp(key, "id")) {
			wisj_error_set(&e, WISJ_INVALID_REQUEST,
			               "Invalid Request: unknown member \"%s\"", key);
			goto fail;
		}
	}
	/* Only a well-formed request without an id is a notification; errors in
	 * the envelope itself are still reported (with id null). */
	r->notification = !has_id;
	const char *name = json_object_get_string(meth);
	/* A NUL inside the name must not make "system.ping\u0000x" match. */
	const wisj_method *m = strlen(name) == (size_t)json_object_get_string_len(meth)
	                           ? wisj_method_find(name)
	                           : NULL;
	if (!m) {
		wisj_error_set(&e, WISJ_METHOD_NOT_FOUND, "Method not found: %s", name);
		goto fail;
	}
	if (d->stopping) {
		wisj_error_set(&e, WISJ_SHUTTING_DOWN, "wisd is shutting down");
		goto fail;
	}
	if (wisj_method_flags(m) & WISJ_M_DAEMON) {
		daemon_method(r, m, params);
		return;
	}
	r->is_pins = !strcmp(name, "system.pins");
	if (!strcmp(name, "gpio.watch")) {
		watch_request(r, m, params);
		return;
	}
	wisj_invoke(d->jctx, m, params, on_result, r);
	return;
fail:
	if (r->notification && e.code != WISJ_INVALID_REQUEST) {
		finish(r, NULL);
	} else {
		r->notification = false;
		on_result(r, NULL, &e);
	}
	wisj_error_clear(&e);
}

void rpc_line(struct client *c, char *line, size_t len)
{
	struct wisd *d = c->d;
	size_t i = 0;
	while (i < len && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r'))
		i++;
	if (i == len)
		return; /* blank lines are keep-alives */
	struct wisj_error e = {0};
	json_object *q = wisj_parse(d->tok, d->cfg.max_depth, line, len, &e);
	if (!q) {
		if (!e.code)
			wisj_error_set(&e, WISJ_INVALID_REQUEST,
			               "Invalid Request: expected an object");
		rpc_send_error(c, e.code, e.message);
		return;
	}
	if (json_object_is_type(q, json_type_array)) {
		size_t n = json_object_array_length(q);
		if (n == 0) {
			rpc_send_error(c, WISJ_INVALID_REQUEST, "Invalid Request: empty batch");
		} else {
			struct rpc_batch *b = calloc(1, sizeof *b);
			if (!b) {
				rpc_send_error(c, WISJ_INTERNAL_ERROR,
				               "Internal error: out of memory");
				json_object_put(q);
				return;
			}
			b->c = c;
			client_ref(c);
			b->arr = json_object_new_array_ext((int)n);
			/* Starts at 1 so the batch cannot finish while still being
			 * submitted (answers can come back synchronously). */
			b->outstanding = 1;
			for (size_t k = 0; k < n && !c->closing; k++) {
				b->outstanding++;
				request(c, json_object_array_get_idx(q, k), b, (int)k);
			}
			if (--b->outstanding == 0)
				batch_done(b);
		}
	} else {
		request(c, q, NULL, 0);
	}
	json_object_put(q);
}

void rpc_notify(struct wisd *d, const char *topic, json_object *params)
{
	int k = rpc_topic_index(topic);
	if (k < 0) {
		json_object_put(params);
		return;
	}
	struct shbuf *b = NULL;
	for (struct client *c = d->clients; c; c = c->next) {
		if (c->closing || !(c->topics & TOPIC_BIT(k)))
			continue;
		if (!b) {
			json_object *o = json_object_new_object();
			json_object_object_add(o, "jsonrpc", json_object_new_string("2.0"));
			json_object_object_add(o, "method", json_object_new_string(topic));
			json_object_object_add(o, "params", json_object_get(params));
			b = shbuf_from_json(o);
			json_object_put(o);
		}
		client_send(c, b);
	}
	shbuf_unref(b);
	json_object_put(params);
}

static int guard(void *gu, void *call_user, const char *pin, struct wisj_error *e)
{
	struct wisd *d = gu;
	struct rpc_req *r = call_user;
	struct client *o = owner_of(d, pin);
	if (!o || o == r->c)
		return 0;
	wisj_error_set(e, WISJ_OWNED, "%s is claimed by %s", pin, o->label);
	e->data = json_object_new_object();
	json_object_object_add(e->data, "resource", json_object_new_string(pin));
	json_object_object_add(e->data, "owner", json_object_new_string(o->label));
	return -1;
}

static void log_to_subscribers(void *user, enum log_level lvl, const char *msg)
{
	struct wisd *d = user;
	json_object *p = json_object_new_object();
	json_object_object_add(p, "level", json_object_new_string(log_level_name(lvl)));
	json_object_object_add(p, "message", json_object_new_string(msg));
	rpc_notify(d, "log", p);
}

void rpc_init(struct wisd *d)
{
	wisj_ctx_set_guard(d->jctx, guard, d);
	log_set_hook(log_to_subscribers, d);
}

/*
 * wisd JSON-RPC 2.0 layer: one request line in, responses out.
 *
 * Parses a line (bounded nesting), validates the envelope, answers batch
 * arrays as one array, never answers notifications, and hands each method
 * to dispatch.c with the client as the caller (the same path an internal
 * client takes).  Every request in flight holds a reference on its client
 * so a late device answer never touches a freed client.  Also the
 * subscriptions: notifications go to the clients subscribed to the topic.
 */
#include <stdlib.h>
#include <string.h>

#include "outq.h"
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
	outq_send_json(c, o);
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

static void on_result(void *user, json_object *result, struct wisj_error *err)
{
	struct rpc_req *r = user;
	if (r->notification) {
		if (result)
			json_object_put(result);
		finish(r, NULL);
		return;
	}
	json_object *o;
	if (result && !r->batch) {
		/* The envelope is printed around the result, not built. */
		outq_send_result(r->c, r->id, result);
		json_object_put(result);
		finish(r, NULL);
		return;
	}
	if (result) {
		o = envelope();
		json_object_object_add(o, "result", result);
		json_object_object_add(o, "id", json_object_get(r->id));
	} else {
		o = make_error(r->id, err);
	}
	finish(r, o);
}

/* ---- subscriptions -------------------------------------------------------------- */

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
			    "unknown topic '%s' (gpio.edge, device.state, diag.event, log, "
			    "radio.rx, radio.tx, uart.rx)",
			    json_object_get_string(t));
			return -1;
		}
		*bits |= TOPIC_BIT(k);
	}
	return 0;
}

json_object *rpc_subscribe(struct client *c, bool on, json_object *topics, struct wisj_error *e)
{
	unsigned bits;
	if (topic_bits(topics, &bits, e) < 0)
		return NULL;
	if (on)
		c->topics |= bits;
	else
		c->topics &= ~bits;
	json_object *res = json_object_new_object();
	json_object_object_add(res, "topics", topics_json(c->topics));
	return res;
}

/* ---- requests ------------------------------------------------------------------- */

/* A request taken from c (it holds a reference on c until answered). */
static struct rpc_req *req_new(struct client *c, struct rpc_batch *batch, int slot)
{
	struct rpc_req *r = calloc(1, sizeof *r);
	if (!r) {
		if (batch)
			batch->outstanding--;
		return NULL;
	}
	r->c = c;
	r->batch = batch;
	r->slot = slot;
	client_request_taken(c);
	c->d->requests++;
	return r;
}

static void req_fail(struct rpc_req *r, struct wisj_error *e);

/* The method call of a request whose envelope is valid. */
static void req_call(struct rpc_req *r, const char *name, size_t name_len, json_object *params)
{
	struct wisd *d = r->c->d;
	struct wisj_error e = {0};
	/* A NUL inside the name must not make "system.ping\u0000x" match. */
	const wisj_method *m = strlen(name) == name_len ? wisj_method_find(name) : NULL;
	if (!m) {
		wisj_error_set(&e, WISJ_METHOD_NOT_FOUND, "Method not found: %s", name);
		req_fail(r, &e);
		return;
	}
	if (d->stopping) {
		wisj_error_set(&e, WISJ_SHUTTING_DOWN, "wisd is shutting down");
		req_fail(r, &e);
		return;
	}
	wisd_call_method(d, &r->c->who, m, params, on_result, r);
}

static void req_fail(struct rpc_req *r, struct wisj_error *e)
{
	if (r->notification && e->code != WISJ_INVALID_REQUEST) {
		finish(r, NULL);
	} else {
		r->notification = false;
		on_result(r, NULL, e);
	}
	wisj_error_clear(e);
}

static void request(struct client *c, json_object *q, struct rpc_batch *batch, int slot)
{
	struct rpc_req *r = req_new(c, batch, slot);
	if (!r)
		return;
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
	req_call(r, json_object_get_string(meth), (size_t)json_object_get_string_len(meth), params);
	return;
fail:
	req_fail(r, &e);
}

/* A plain request line (jsonfast.c): no object for its envelope. */
static bool fast_request(struct client *c, const char *line, size_t len)
{
	struct jsonfast_req q;
	if (c->d->cfg.max_depth < 3 || !jsonfast_request(line, len, &q))
		return false;
	struct rpc_req *r = req_new(c, NULL, 0);
	if (r) {
		r->id = q.id;
		q.id = NULL;
		r->notification = !q.has_id;
		req_call(r, q.method, strlen(q.method), q.params);
	}
	jsonfast_req_clear(&q);
	return true;
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
	/* Most lines are plain requests: read without json-c's tokener. */
	if (fast_request(c, line + i, len - i))
		return;
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
	if (k < 0)
		return;
	/* Printed once, around params, and copied to each subscriber. */
	struct jsonfast_buf b = {0};
	for (struct client *c = d->clients; c; c = c->next) {
		if (c->closing || !(c->topics & TOPIC_BIT(k)))
			continue;
		if (!b.len)
			jsonfast_print_notification(&b, topic, params);
		if (!b.failed)
			outq_send_bytes(c, b.p, b.len);
	}
	free(b.p);
}

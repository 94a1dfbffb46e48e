/*
 * wisd JSON-RPC 2.0 layer: one request line in, responses out.
 *
 * Parses a line (bounded nesting), validates the envelope, answers batch
 * arrays as one array, never answers notifications, and hands each method
 * to dispatch.c with the client as the caller (the same path an internal
 * client takes).  Every request in flight holds a reference on its client
 * so a late device answer never touches a freed client.  Also the
 * subscriptions: notifications go to the clients subscribed to the topic.
 *
 * Ids are echoed as the client spelled them (wisj_id_spans).  An answer
 * longer than max_answer becomes an error answer for the same ids: a batch
 * counts its answers' sizes as they come and keeps none once over.
 */
#include <stdlib.h>
#include <string.h>

#include "wisd.h"

struct rpc_batch {
	struct client *c;
	json_object *arr; /* slots in request order; NULL for notifications */
	json_object **ids; /* each slot's id, NULL for notifications */
	size_t n;
	size_t bytes;  /* of the answers so far */
	bool too_big;  /* passed max_answer: arr was emptied */
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

static void too_big_error(struct wisj_error *e, struct client *c, size_t n)
{
	log_warn("%s: answer of %zu bytes refused (max_answer %zu)", c->who.label, n,
	         c->d->cfg.max_answer);
	wisj_error_set(e, WISJ_LIMIT, "answer of %zu bytes is longer than max_answer %zu",
	               n, c->d->cfg.max_answer);
}

/* Bytes of o serialised (json-c keeps the text for the send). */
static size_t json_len(json_object *o)
{
	size_t n;
	json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE,
	                                  &n);
	return n + 1;
}

static void batch_done(struct rpc_batch *b)
{
	json_object *out = json_object_new_array();
	struct wisj_error e = {0};
	if (b->too_big)
		too_big_error(&e, b->c, b->bytes);
	for (size_t i = 0; i < b->n; i++) {
		json_object *r = json_object_array_get_idx(b->arr, i);
		if (b->too_big && b->ids[i]) {
			json_object_array_add(out, make_error(b->ids[i], &e));
			e.data = NULL;
		} else if (r && !b->too_big) {
			json_object_array_add(out, json_object_get(r));
		}
		if (b->ids[i])
			json_object_put(b->ids[i]);
	}
	free(b->ids);
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
		struct rpc_batch *b = r->batch;
		if (resp && !b->too_big) {
			b->bytes += json_len(resp);
			if (b->bytes > c->d->cfg.max_answer) {
				/* Keep nothing more: only the ids are needed now. */
				b->too_big = true;
				json_object_put(b->arr);
				b->arr = json_object_new_array();
			}
		} else if (resp) {
			b->bytes += json_len(resp);
		}
		if (resp && !b->too_big)
			json_object_array_put_idx(b->arr, (size_t)r->slot, resp);
		else if (resp)
			json_object_put(resp);
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
	if (result) {
		o = envelope();
		json_object_object_add(o, "result", result);
		json_object_object_add(o, "id", json_object_get(r->id));
		size_t n;
		if (!r->batch && (n = json_len(o)) > r->c->d->cfg.max_answer) {
			json_object_put(o);
			struct wisj_error e = {0};
			too_big_error(&e, r->c, n);
			o = make_error(r->id, &e);
		}
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
	/* The log names every client with its pid, uid and claims. */
	int log = rpc_topic_index("log");
	if (on && log >= 0 && (bits & TOPIC_BIT(log)) && c->who.perm < WIS_PERM_ADMIN) {
		wisj_error_set(e, WISJ_FORBIDDEN,
		               "topic log needs permission class admin; %s has %s", c->who.label,
		               wisj_perm_name(c->who.perm));
		e->data = json_object_new_object();
		json_object_object_add(e->data, "needed", json_object_new_string("admin"));
		return NULL;
	}
	if (on && limits_subscriptions(c, (unsigned)__builtin_popcount(c->topics | bits),
	                               watch_count(c->d, &c->who), e) < 0)
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

static void request(struct client *c, json_object *q, struct rpc_batch *batch, int slot,
                    const char *line, struct wisj_span idspan)
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
	if (id && idspan.len) {
		json_object_put(r->id);
		r->id = wisj_raw_json(id, line + idspan.start, idspan.len);
	}
	if (batch && r->id)
		batch->ids[slot] = json_object_get(r->id);
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
	wisd_call_method(d, &c->who, m, params, on_result, r);
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
	if (!c->authed && auth_first_line(c, line, len) < 0)
		return;
	struct wisj_error e = {0};
	json_object *q = wisj_parse(d->tok, d->cfg.max_depth, line, len, &e);
	if (!q) {
		if (!e.code)
			wisj_error_set(&e, WISJ_INVALID_REQUEST,
			               "Invalid Request: expected an object");
		rpc_send_error(c, e.code, e.message);
		return;
	}
	size_t n = json_object_is_type(q, json_type_array) ? json_object_array_length(q) : 1;
	struct wisj_span one, *spans = n > 1 ? malloc(n * sizeof *spans) : &one;
	if (spans)
		wisj_id_spans(line, len, spans, n);
	if (json_object_is_type(q, json_type_array)) {
		if (n == 0) {
			rpc_send_error(c, WISJ_INVALID_REQUEST, "Invalid Request: empty batch");
		} else {
			struct rpc_batch *b = calloc(1, sizeof *b);
			if (b && !(b->ids = calloc(n, sizeof *b->ids))) {
				free(b);
				b = NULL;
			}
			if (!b || !spans) {
				if (b)
					free(b->ids);
				free(b);
				rpc_send_error(c, WISJ_INTERNAL_ERROR,
				               "Internal error: out of memory");
				json_object_put(q);
				if (spans != &one)
					free(spans);
				return;
			}
			b->c = c;
			b->n = n;
			client_ref(c);
			b->arr = json_object_new_array_ext((int)n);
			/* Starts at 1 so the batch cannot finish while still being
			 * submitted (answers can come back synchronously). */
			b->outstanding = 1;
			for (size_t k = 0; k < n && !c->closing; k++) {
				b->outstanding++;
				request(c, json_object_array_get_idx(q, k), b, (int)k, line,
				        spans[k]);
			}
			if (--b->outstanding == 0)
				batch_done(b);
		}
	} else {
		request(c, q, NULL, 0, line, one);
	}
	if (spans != &one)
		free(spans);
	json_object_put(q);
	/* A TCP client whose first request (rpc.auth) failed goes. */
	if (!c->authed && !c->closing)
		client_close(c);
}

void rpc_notify(struct wisd *d, const char *topic, json_object *params)
{
	int k = rpc_topic_index(topic);
	if (k < 0)
		return;
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
}

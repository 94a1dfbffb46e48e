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

#include "outq.h"
#include "wisd.h"

/* A JSON-RPC batch: each answer is kept as its text, so that it is
 * serialised once, its size is known as it comes, and the array's text is
 * the answers' joined. */
struct rpc_batch {
	struct client *c;
	struct bslot {
		char *text; /* the answer; NULL for a notification or while waiting */
		size_t len;
		json_object *id; /* owned; NULL for a notification */
	} * slots;
	size_t n;
	size_t bytes; /* of the answers so far */
	bool too_big; /* passed max_answer: no text is kept */
	unsigned outstanding;
};

struct rpc_req {
	struct client *c;
	json_object *id; /* owned; NULL for a notification or while id_text holds it */
	/* A plain request's id as it was written (jsonfast.c): echoed as it
	 * is, an object made of it only for an error answer (req_id). */
	char id_text[sizeof((struct jsonfast_req *)0)->id];
	uint8_t id_len;
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

static void too_big_error(struct wisj_error *e, struct client *c, size_t n)
{
	log_warn("%s: answer of %zu bytes refused (max_answer %zu)", c->who.label, n,
	         c->d->cfg.max_answer);
	wisj_error_set(e, WISJ_LIMIT, "answer of %zu bytes is longer than max_answer %zu", n,
	               c->d->cfg.max_answer);
}

static char *text_of(json_object *o, size_t *len)
{
	const char *t = json_object_to_json_string_length(
	    o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, len);
	char *copy = malloc(*len + 1);
	if (copy)
		memcpy(copy, t, *len + 1);
	return copy;
}

static void batch_done(struct rpc_batch *b)
{
	struct wisj_error e = {0};
	if (b->too_big)
		too_big_error(&e, b->c, b->bytes);
	size_t total = 2, answers = 0;
	for (size_t i = 0; i < b->n; i++) {
		struct bslot *sl = &b->slots[i];
		if (b->too_big && sl->id) {
			json_object *o = make_error(sl->id, &e);
			e.data = NULL;
			sl->text = text_of(o, &sl->len);
			json_object_put(o);
		}
		if (sl->text) {
			total += sl->len + 1;
			answers++;
		}
	}
	/* A batch of only notifications gets no answer at all. */
	struct shbuf *out = answers ? malloc(sizeof *out + total) : NULL;
	if (out) {
		out->refs = 1;
		char *p = out->data;
		*p++ = '[';
		for (size_t i = 0; i < b->n; i++) {
			struct bslot *sl = &b->slots[i];
			if (!sl->text)
				continue;
			if (p > out->data + 1)
				*p++ = ',';
			memcpy(p, sl->text, sl->len);
			p += sl->len;
		}
		*p++ = ']';
		*p++ = '\n';
		out->len = (size_t)(p - out->data);
		/* Through the per-pass buffer, behind the answers before it. */
		outq_send_bytes(b->c, out->data, out->len);
		shbuf_unref(out);
	}
	for (size_t i = 0; i < b->n; i++) {
		free(b->slots[i].text);
		if (b->slots[i].id)
			json_object_put(b->slots[i].id);
	}
	free(b->slots);
	client_unref(b->c);
	free(b);
}

/* A batch's answer for slot: kept as text while the batch's answers stay
 * within max_answer. */
static void batch_answer(struct rpc_batch *b, int slot, json_object *resp)
{
	size_t len;
	char *t = text_of(resp, &len);
	json_object_put(resp);
	b->bytes += len + 1;
	if (!b->too_big && b->bytes > b->c->d->cfg.max_answer) {
		b->too_big = true; /* only the ids are needed now */
		for (size_t i = 0; i < b->n; i++) {
			free(b->slots[i].text);
			b->slots[i].text = NULL;
		}
	}
	if (b->too_big || !t) {
		free(t);
		return;
	}
	b->slots[slot].text = t;
	b->slots[slot].len = len;
}

/* The request's id as an object, made from its text if only that was kept. */
static json_object *req_id(struct rpc_req *r)
{
	if (r->id_len && !r->id) {
		r->id = jsonfast_id(r->id_text, r->id_len);
		if (!r->id)
			r->id = json_object_new_null();
	}
	r->id_len = 0;
	return r->id;
}

/* A single answer; one longer than max_answer becomes an error answer. */
static void send_answer(struct rpc_req *r, json_object *resp)
{
	struct shbuf *b = shbuf_from_json(resp);
	if (b && b->len > r->c->d->cfg.max_answer) {
		struct wisj_error e = {0};
		too_big_error(&e, r->c, b->len);
		shbuf_unref(b);
		json_object *o = make_error(req_id(r), &e);
		b = shbuf_from_json(o);
		json_object_put(o);
	}
	if (b)
		outq_send_bytes(r->c, b->data, b->len);
	shbuf_unref(b);
}

/* Deliver a response (NULL for a notification) for req and free req. */
static void finish(struct rpc_req *r, json_object *resp)
{
	struct client *c = r->c;
	if (r->batch) {
		if (resp)
			batch_answer(r->batch, r->slot, resp);
		if (--r->batch->outstanding == 0)
			batch_done(r->batch);
	} else if (resp) {
		send_answer(r, resp);
		json_object_put(resp);
	}
	if (r->id)
		json_object_put(r->id);
	struct wisd *d = c->d; /* c may go with its last request */
	client_request_done(c);
	spares_give(&d->spare_reqs, r);
}

/* The answer was printed into the client's output (outq_send_result*):
 * done, unless it was larger than max_answer (big: its size), when an error
 * goes instead. */
static void finish_printed(struct rpc_req *r, size_t big)
{
	if (!big) {
		finish(r, NULL);
		return;
	}
	struct wisj_error e = {0};
	too_big_error(&e, r->c, big);
	finish(r, make_error(req_id(r), &e));
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
		size_t big = outq_send_result(r->c, r->id, r->id_text, r->id_len, result,
		                              r->c->d->cfg.max_answer);
		json_object_put(result);
		finish_printed(r, big);
		return;
	}
	req_id(r);
	if (result) {
		o = envelope();
		json_object_object_add(o, "result", result);
		json_object_object_add(o, "id", json_object_get(r->id));
	} else {
		o = make_error(r->id, err);
	}
	finish(r, o);
}

/* A single request's result as text (wisd_text_cb): printed into the
 * envelope as it is. */
static void on_text(void *user, const char *json, size_t len)
{
	struct rpc_req *r = user;
	size_t big = r->notification ? 0
	                             : outq_send_result_text(r->c, r->id, r->id_text, r->id_len,
	                                                     json, len, r->c->d->cfg.max_answer);
	finish_printed(r, big);
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

/* A request taken from c (it holds a reference on c until answered). */
static struct rpc_req *req_new(struct client *c, struct rpc_batch *batch, int slot)
{
	struct rpc_req *r = spares_take(&c->d->spare_reqs, sizeof *r);
	if (!r) {
		if (batch)
			batch->outstanding--;
		return NULL;
	}
	*r = (struct rpc_req){.c = c, .batch = batch, .slot = slot};
	client_request_taken(c);
	c->d->requests++;
	return r;
}

static void req_fail(struct rpc_req *r, struct wisj_error *e);

/* The method call of a request whose envelope is valid. */
static void req_call(struct rpc_req *r, const char *name, size_t name_len, json_object *params)
{
	struct wisd *d = r->c->d;
	/* A NUL inside the name must not make "system.ping\u0000x" match. */
	const wisj_method *m = strlen(name) == name_len ? wisj_method_find(name) : NULL;
	if (!m || d->stopping) {
		/* Made only here: zeroing its 256 bytes is a cost per request. */
		struct wisj_error e = {0};
		if (!m)
			wisj_error_set(&e, WISJ_METHOD_NOT_FOUND, "Method not found: %s", name);
		else
			wisj_error_set(&e, WISJ_SHUTTING_DOWN, "wisd is shutting down");
		req_fail(r, &e);
		return;
	}
	/* A batch keeps its answers as objects (batch_answer). */
	wisd_call_method(d, &r->c->who, m, params, on_result, r->batch ? NULL : on_text, r);
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

/* A request parsed by json-c; line and idspan: where its id's text is, to
 * echo it exactly. */
static void request(struct client *c, json_object *q, struct rpc_batch *batch, int slot,
                    const char *line, struct wisj_span idspan)
{
	struct rpc_req *r = req_new(c, batch, slot);
	if (!r)
		return;
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
		batch->slots[slot].id = json_object_get(r->id);
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
		memcpy(r->id_text, q.id, q.id_len);
		r->id_len = (uint8_t)q.id_len;
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
	if (!c->authed && auth_first_line(c, line, len) < 0)
		return;
	/* Most lines are plain requests: read without json-c's tokener. */
	if (fast_request(c, line + i, len - i)) {
		/* A TCP client whose first request (rpc.auth) failed goes. */
		if (!c->authed && !c->closing)
			client_close(c);
		return;
	}
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
	/* &one is only written to (wisj_id_spans fills spans[0..n)). */
	// cppcheck-suppress uninitvar
	struct wisj_span one, *spans = n > 1 ? malloc(n * sizeof *spans) : &one;
	if (spans)
		wisj_id_spans(line, len, spans, n);
	if (json_object_is_type(q, json_type_array)) {
		if (n == 0) {
			rpc_send_error(c, WISJ_INVALID_REQUEST, "Invalid Request: empty batch");
		} else {
			struct rpc_batch *b = calloc(1, sizeof *b);
			if (b && !(b->slots = calloc(n, sizeof *b->slots))) {
				free(b);
				b = NULL;
			}
			if (!b || !spans) {
				if (b)
					free(b->slots);
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

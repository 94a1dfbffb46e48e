/*
 * The MQTT bridge's link to the broker (see comp_mqtt.c): libmosquitto
 * driven from wisd's libuv loop through the client's socket (uv_poll plus
 * a 1 s timer for keep-alives), the ordered outgoing queue with its bound,
 * reconnects with back-off, and commands from PREFIX/cmd run through
 * wisd_call with their answers queued like events.
 */
#include <errno.h>
#include <mosquitto.h>
#include <mqtt_protocol.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mqtt_priv.h"

void mqtt_msg_free(struct msg *m)
{
	free(m->topic);
	free(m->payload);
	free(m->full);
	mosquitto_property_free_all(&m->props);
	free(m);
}

/* PREFIX with {id} replaced; false while the id is not known. */
bool mqtt_make_prefix(struct mqtt *q)
{
	const char *t = q->c->prefix, *at = strstr(t, "{id}");
	if (!at) {
		snprintf(q->prefix, sizeof q->prefix, "%s", t);
		return true;
	}
	if (!q->id[0])
		return false;
	snprintf(q->prefix, sizeof q->prefix, "%.*s%s%s", (int)(at - t), t, q->id, at + 4);
	return true;
}

/* At the end of the outgoing queue. */
static void append(struct mqtt *q, struct msg *m)
{
	if (q->tail)
		q->tail->next = m;
	else
		q->head = m;
	q->tail = m;
	q->queued++;
}

/* Queues a message; events beyond max_queue are dropped and counted.
 * Replies (full != NULL) are never dropped: their number is bounded by
 * the commands in flight. */
void mqtt_enqueue(struct mqtt *q, const char *suffix, const char *full, const char *payload,
                  mosquitto_property *props)
{
	if (!full && q->queued + q->spooled >= q->c->max_queue) {
		if (!q->dropped++)
			log_warn("mqtt: queue full (%u messages): dropping events until the broker "
			         "takes them",
			         q->c->max_queue);
		mosquitto_property_free_all(&props);
		return;
	}
	if (!full && q->spool) {
		if (!mqtt_spool_append(q, suffix, payload))
			q->dropped++;
		mqtt_pump(q);
		return;
	}
	struct msg *m = calloc(1, sizeof *m);
	if (!m || !(m->payload = strdup(payload)) || !(m->topic = strdup(suffix ? suffix : "")) ||
	    (full && !(m->full = strdup(full)))) {
		q->dropped++;
		if (m)
			mqtt_msg_free(m);
		mosquitto_property_free_all(&props);
		return;
	}
	m->props = props;
	append(q, m);
	mqtt_pump(q);
}

/* Hands waiting messages to libmosquitto, in order, up to max_inflight
 * (refilled from the queue file first, when there is one). */
void mqtt_pump(struct mqtt *q)
{
	if (!q->connected || !mqtt_make_prefix(q))
		return;
	while (q->spooled && q->queued < q->c->max_inflight) {
		struct msg *m = mqtt_spool_next(q);
		if (!m)
			break;
		append(q, m);
	}
	for (struct msg *m = q->head; m && q->inflight < q->c->max_inflight; m = m->next) {
		if (m->mid)
			continue;
		char topic[512];
		if (m->full)
			snprintf(topic, sizeof topic, "%s", m->full);
		else
			snprintf(topic, sizeof topic, "%s/%s", q->prefix, m->topic);
		int rc = mosquitto_publish_v5(q->m, &m->mid, topic, (int)strlen(m->payload),
		                              m->payload, 1, false, m->props);
		if (rc != MOSQ_ERR_SUCCESS) {
			m->mid = 0;
			snprintf(q->last_error, sizeof q->last_error, "publish: %s",
			         mosquitto_strerror(rc));
			break;
		}
		q->inflight++;
		q->published++;
	}
	mqtt_update_poll(q);
}

/* ---- libmosquitto callbacks (from mosquitto_loop_* in this thread) ---------- */

void mqtt_subscribe_cmd(struct mqtt *q)
{
	if (!q->connected || !mqtt_make_prefix(q))
		return;
	char t[256];
	snprintf(t, sizeof t, "%s/cmd", q->prefix);
	mosquitto_subscribe_v5(q->m, NULL, t, 1, 0, NULL);
	snprintf(t, sizeof t, "%s/state", q->prefix);
	char st[96];
	snprintf(st, sizeof st, "{\"state\":\"online\",\"dropped\":%lu}", q->dropped);
	mosquitto_publish_v5(q->m, NULL, t, (int)strlen(st), st, 1, true, NULL);
}

void mqtt_on_connect(struct mosquitto *m, void *obj, int rc, int flags,
                     const mosquitto_property *props)
{
	(void)m, (void)flags, (void)props;
	struct mqtt *q = obj;
	if (rc) {
		snprintf(q->last_error, sizeof q->last_error, "broker refused: %s",
		         mosquitto_reason_string(rc));
		log_warn("mqtt: %s", q->last_error);
		return; /* the disconnect that follows schedules a retry */
	}
	q->connected = true;
	q->connects++;
	q->backoff_s = 1;
	log_info("mqtt: connected to %s:%d", q->c->host, q->c->port);
	/* What was in flight when the link broke is sent again by libmosquitto
	 * before anything new: it stays counted as in flight. */
	mqtt_subscribe_cmd(q);
	mqtt_pump(q);
}

void mqtt_on_publish(struct mosquitto *m, void *obj, int mid, int reason,
                     const mosquitto_property *props)
{
	(void)m, (void)reason, (void)props;
	struct mqtt *q = obj;
	struct msg *prev = NULL;
	for (struct msg *x = q->head; x; prev = x, x = x->next) {
		if (x->mid != mid)
			continue;
		if (prev)
			prev->next = x->next;
		else
			q->head = x->next;
		if (q->tail == x)
			q->tail = prev;
		mqtt_msg_free(x);
		q->queued--;
		q->inflight--;
		q->acked++;
		break;
	}
	mqtt_pump(q);
	mqtt_spool_settled(q);
}

struct cmd {
	struct mqtt *q;
	json_object *id;
	char *resp_topic;
	void *corr;
	uint16_t corr_len;
};

static void reply(struct mqtt *q, struct cmd *k, json_object *resp)
{
	mosquitto_property *props = NULL;
	if (k->corr)
		mosquitto_property_add_binary(&props, MQTT_PROP_CORRELATION_DATA, k->corr,
		                              k->corr_len);
	char fallback[256];
	const char *to = k->resp_topic;
	if (!to) {
		snprintf(fallback, sizeof fallback, "%s/reply", q->prefix);
		to = fallback;
	}
	mqtt_enqueue(q, NULL, to,
	             json_object_to_json_string_ext(resp, JSON_C_TO_STRING_PLAIN |
	                                                      JSON_C_TO_STRING_NOSLASHESCAPE),
	             props);
}

static void cmd_free(struct cmd *k)
{
	json_object_put(k->id);
	free(k->resp_topic);
	free(k->corr);
	free(k);
}

static json_object *envelope(json_object *id)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "jsonrpc", json_object_new_string("2.0"));
	json_object_object_add(o, "id", id ? json_object_get(id) : NULL);
	return o;
}

static void on_cmd_done(void *user, json_object *result, struct wisj_error *err)
{
	struct cmd *k = user;
	struct mqtt *q = k->q;
	if (!q->stopping) {
		json_object *o = envelope(k->id);
		if (result)
			json_object_object_add(o, "result", json_object_get(result));
		else {
			json_object *e = json_object_new_object();
			json_object_object_add(e, "code", json_object_new_int(err->code));
			json_object_object_add(e, "message", json_object_new_string(err->message));
			json_object_object_add(o, "error", e);
		}
		reply(q, k, o);
		json_object_put(o);
	}
	if (result)
		json_object_put(result);
	cmd_free(k);
}

static void cmd_error(struct mqtt *q, struct cmd *k, int code, const char *msg)
{
	json_object *o = envelope(k->id), *e = json_object_new_object();
	json_object_object_add(e, "code", json_object_new_int(code));
	json_object_object_add(e, "message", json_object_new_string(msg));
	json_object_object_add(o, "error", e);
	reply(q, k, o);
	json_object_put(o);
	cmd_free(k);
}

void mqtt_on_message(struct mosquitto *m, void *obj, const struct mosquitto_message *msg,
                     const mosquitto_property *props)
{
	(void)m;
	struct mqtt *q = obj;
	struct cmd *k = calloc(1, sizeof *k);
	if (!k)
		return;
	k->q = q;
	q->commands++;
	char *rt = NULL;
	if (mosquitto_property_read_string(props, MQTT_PROP_RESPONSE_TOPIC, &rt, false))
		k->resp_topic = rt;
	void *cd = NULL;
	uint16_t cl = 0;
	if (mosquitto_property_read_binary(props, MQTT_PROP_CORRELATION_DATA, &cd, &cl, false)) {
		k->corr = cd;
		k->corr_len = cl;
	}
	json_tokener *tok = json_tokener_new_ex(q->d->cfg.max_depth);
	json_object *req = tok && msg->payloadlen > 0
	                       ? json_tokener_parse_ex(tok, msg->payload, msg->payloadlen)
	                       : NULL;
	bool whole = req && json_tokener_get_parse_end(tok) == (size_t)msg->payloadlen;
	if (tok)
		json_tokener_free(tok);
	json_object *v, *method, *params = NULL;
	if (!whole || !json_object_is_type(req, json_type_object)) {
		json_object_put(req);
		return cmd_error(q, k, -32700, "parse error: the payload is not one JSON object");
	}
	if (json_object_object_get_ex(req, "id", &v))
		k->id = json_object_get(v);
	if (!json_object_object_get_ex(req, "method", &method) ||
	    !json_object_is_type(method, json_type_string)) {
		json_object_put(req);
		return cmd_error(q, k, -32600, "invalid request: no method");
	}
	json_object_object_get_ex(req, "params", &params);
	if (params && !json_object_is_type(params, json_type_object)) {
		json_object_put(req);
		return cmd_error(q, k, -32602, "invalid params: params must be an object");
	}
	json_object *p = params ? json_object_get(params) : json_object_new_object();
	wisd_call(q->d, &q->who, json_object_get_string(method), p, on_cmd_done, k);
	json_object_put(p);
	json_object_put(req);
}

void mqtt_on_disconnect(struct mosquitto *m, void *obj, int rc, const mosquitto_property *props)
{
	(void)m, (void)props;
	struct mqtt *q = obj;
	if (q->connected) {
		q->disconnects++;
		log_warn("mqtt: lost the broker (%s); events queue until it is back",
		         rc ? mosquitto_strerror(rc) : "closed");
	}
	q->connected = false;
	/* libmosquitto keeps the unacknowledged ones and sends them again
	 * first when it reconnects: they stay in flight. */
	mqtt_schedule_retry(q);
}

/* ---- the socket in wisd's loop ------------------------------------------------ */

static void on_poll_closed(uv_handle_t *h)
{
	struct mqtt *q = h->data;
	q->poll_closing = false;
	if (!q->stopping)
		mqtt_update_poll(q); /* a new socket may be waiting for its handle */
}

void mqtt_close_poll(struct mqtt *q)
{
	if (q->poll_open) {
		uv_poll_stop(&q->poll);
		q->poll_closing = true;
		uv_close((uv_handle_t *)&q->poll, on_poll_closed);
	}
	q->poll_open = false;
	q->fd = -1;
}

static void on_poll(uv_poll_t *h, int status, int events)
{
	struct mqtt *q = h->data;
	int rc = MOSQ_ERR_SUCCESS;
	if (status < 0 || (events & UV_READABLE))
		rc = mosquitto_loop_read(q->m, 1);
	if (rc == MOSQ_ERR_SUCCESS && (events & UV_WRITABLE))
		rc = mosquitto_loop_write(q->m, 1);
	if (rc != MOSQ_ERR_SUCCESS && !q->stopping) {
		/* The link broke: libmosquitto has called on_disconnect, or will
		 * not (a failed connect): make sure a retry is scheduled. */
		mqtt_close_poll(q);
		if (q->connected) {
			q->connected = false;
			q->disconnects++;
		}
		mqtt_schedule_retry(q);
		return;
	}
	mqtt_update_poll(q);
}

void mqtt_update_poll(struct mqtt *q)
{
	int fd = mosquitto_socket(q->m);
	if (fd < 0 || q->stopping) {
		mqtt_close_poll(q);
		return;
	}
	if (q->poll_open && q->fd != fd)
		mqtt_close_poll(q);
	if (!q->poll_open) {
		if (q->poll_closing)
			return; /* the old handle is still closing: its close callback retries */
		if (uv_poll_init_socket(q->d->loop, &q->poll, fd) < 0)
			return;
		q->poll.data = q;
		q->poll_open = true;
		q->fd = fd;
	}
	uv_poll_start(&q->poll, UV_READABLE | (mosquitto_want_write(q->m) ? UV_WRITABLE : 0),
	              on_poll);
}

void mqtt_on_misc(uv_timer_t *t)
{
	struct mqtt *q = t->data;
	mosquitto_loop_misc(q->m); /* keep-alive PINGREQ, timeouts */
	mqtt_update_poll(q);
}

void mqtt_try_connect(uv_timer_t *t)
{
	struct mqtt *q = t->data;
	if (q->stopping)
		return;
	mqtt_close_poll(q);
	int rc = q->connects || q->disconnects
	             ? mosquitto_reconnect_async(q->m)
	             : mosquitto_connect_bind_async(q->m, q->c->host, q->c->port,
	                                            (int)q->c->keepalive_s, NULL);
	if (rc == MOSQ_ERR_SUCCESS || rc == MOSQ_ERR_CONN_PENDING) {
		mqtt_update_poll(q);
		return;
	}
	snprintf(q->last_error, sizeof q->last_error, "connect %s:%d: %s", q->c->host, q->c->port,
	         rc == MOSQ_ERR_ERRNO ? strerror(errno) : mosquitto_strerror(rc));
	log_debug("mqtt: %s", q->last_error);
	mqtt_schedule_retry(q);
}

void mqtt_schedule_retry(struct mqtt *q)
{
	if (q->stopping || uv_is_active((uv_handle_t *)&q->retry))
		return;
	uv_timer_start(&q->retry, mqtt_try_connect, q->backoff_s * 1000ull, 0);
	q->backoff_s =
	    q->backoff_s * 2 > q->c->reconnect_max_s ? q->c->reconnect_max_s : q->backoff_s * 2;
}

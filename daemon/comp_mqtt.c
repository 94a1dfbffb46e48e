/*
 * The MQTT bridge: wisd's notifications published to a broker, and
 * JSON-RPC commands taken from it (libmosquitto, driven from wisd's libuv
 * loop through the client's socket: no thread of its own).
 *
 *   PREFIX/event/TOPIC   each notification of a configured topic (radio.rx,
 *                        radio.tx, gpio.edge, uart.rx, device.state), its
 *                        params as JSON, QoS 1, in the order they happened
 *   PREFIX/cmd           a JSON-RPC request; the response goes to the MQTT
 *                        v5 response topic with the request's correlation
 *                        data, or to PREFIX/reply for MQTT 3.1.1 clients
 *   PREFIX/state         "online" (retained), "offline" as the will
 *
 * PREFIX defaults to "wisrpc/{id}", {id} being the module's unique id: a
 * fleet of gateways on one broker stays apart.  While the broker is away
 * events wait in a queue bounded by max_queue messages; beyond it new
 * ones are counted as dropped (never silently lost: daemon.status and the
 * "dropped" field of the next state message).  Once connected the queue
 * is handed to libmosquitto in order, at most max_inflight at a time, each
 * leaving the queue when the broker acknowledges it (PUBACK).  Reconnects
 * back off from 1 s to reconnect_max_s.  Commands run as an internal
 * client named "mqtt" with its own permission class (control unless
 * configured), through the same guard as socket clients.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mqtt_protocol.h>

#include "mqtt_priv.h"

static void cfg_init(void *cfg)
{
	struct mqtt_cfg *c = cfg;
	memset(c, 0, sizeof *c);
	c->perm = WIS_PERM_CONTROL;
	snprintf(c->host, sizeof c->host, "127.0.0.1");
	c->port = 1883;
	snprintf(c->prefix, sizeof c->prefix, "wisrpc/{id}");
	c->protocol = MQTT_PROTOCOL_V5;
	c->keepalive_s = 30;
	c->max_queue = 10000;
	c->max_inflight = 20;
	c->reconnect_max_s = 30;
	static const char *const def[] = {"radio.rx", "radio.tx", "gpio.edge", "uart.rx",
	                                  "device.state"};
	for (size_t i = 0; i < sizeof def / sizeof *def; i++) {
		int t = rpc_topic_index(def[i]);
		if (t >= 0)
			c->topics |= TOPIC_BIT(t);
	}
}

static int set_str(char *dst, size_t cap, const char *v, char *err, size_t errlen)
{
	if (strlen(v) >= cap) {
		snprintf(err, errlen, "longer than %zu bytes", cap - 1);
		return -1;
	}
	snprintf(dst, cap, "%s", v);
	return 0;
}

/* "radio.rx,gpio.edge" (spaces allowed), or "" for none. */
static int set_topics(unsigned *dst, const char *v, char *err, size_t errlen)
{
	unsigned bits = 0;
	char buf[256];
	snprintf(buf, sizeof buf, "%s", v);
	for (char *save = NULL, *t = strtok_r(buf, ", ", &save); t;
	     t = strtok_r(NULL, ", ", &save)) {
		int i = rpc_topic_index(t);
		if (i < 0) {
			snprintf(err, errlen, "unknown topic '%s'", t);
			return -1;
		}
		bits |= TOPIC_BIT(i);
	}
	*dst = bits;
	return 0;
}

static int cfg_set(void *cfg, const char *k, const char *v, char *err, size_t errlen)
{
	struct mqtt_cfg *c = cfg;
	if (!strcmp(k, "enabled"))
		return component_set_bool(&c->enabled, v, err, errlen);
	if (!strcmp(k, "tls_insecure"))
		return component_set_bool(&c->tls_insecure, v, err, errlen);
	const struct {
		const char *k;
		char *dst;
		size_t cap;
	} strs[] = {{"host", c->host, sizeof c->host},
	            {"prefix", c->prefix, sizeof c->prefix},
	            {"client_id", c->client_id, sizeof c->client_id},
	            {"username", c->username, sizeof c->username},
	            {"password", c->password, sizeof c->password},
	            {"cafile", c->cafile, sizeof c->cafile},
	            {"capath", c->capath, sizeof c->capath},
	            {"certfile", c->certfile, sizeof c->certfile},
	            {"keyfile", c->keyfile, sizeof c->keyfile},
	            {"queue_file", c->queue_file, sizeof c->queue_file}};
	for (size_t i = 0; i < sizeof strs / sizeof *strs; i++)
		if (!strcmp(k, strs[i].k))
			return set_str(strs[i].dst, strs[i].cap, v, err, errlen);
	const struct {
		const char *k;
		unsigned *dst;
		unsigned long lo, hi;
	} nums[] = {{"keepalive_s", &c->keepalive_s, 5, 65535},
	            {"max_queue", &c->max_queue, 1, 10000000},
	            {"max_inflight", &c->max_inflight, 1, 65535},
	            {"reconnect_max_s", &c->reconnect_max_s, 1, 3600}};
	for (size_t i = 0; i < sizeof nums / sizeof *nums; i++)
		if (!strcmp(k, nums[i].k))
			return component_set_uint(nums[i].dst, v, nums[i].lo, nums[i].hi, err,
			                          errlen);
	if (!strcmp(k, "port")) {
		unsigned p;
		if (component_set_uint(&p, v, 1, 65535, err, errlen) < 0)
			return -1;
		c->port = (int)p;
		return 0;
	}
	if (!strcmp(k, "protocol")) {
		if (!strcmp(v, "5"))
			c->protocol = MQTT_PROTOCOL_V5;
		else if (!strcmp(v, "3.1.1"))
			c->protocol = MQTT_PROTOCOL_V311;
		else {
			snprintf(err, errlen, "'%s' is not 5 or 3.1.1", v);
			return -1;
		}
		return 0;
	}
	if (!strcmp(k, "events"))
		return set_topics(&c->topics, v, err, errlen);
	if (!strcmp(k, "class"))
		return component_set_class(&c->perm, v, err, errlen);
	snprintf(err, errlen,
	         "unknown setting (enabled, host, port, prefix, client_id, username, password, "
	         "cafile, capath, certfile, keyfile, tls_insecure, protocol, keepalive_s, "
	         "max_queue, max_inflight, reconnect_max_s, queue_file, events, class)");
	return -1;
}

static int setup_client(struct mqtt *q)
{
	const struct mqtt_cfg *c = q->c;
	char id[80];
	if (c->client_id[0])
		snprintf(id, sizeof id, "%s", c->client_id);
	else {
		char host[48] = "";
		gethostname(host, sizeof host - 1);
		snprintf(id, sizeof id, "wisd-%s-%d", host, (int)getpid());
	}
	q->m = mosquitto_new(id, true, q);
	if (!q->m)
		return -1;
	mosquitto_int_option(q->m, MOSQ_OPT_PROTOCOL_VERSION, c->protocol);
	mosquitto_connect_v5_callback_set(q->m, mqtt_on_connect);
	mosquitto_disconnect_v5_callback_set(q->m, mqtt_on_disconnect);
	mosquitto_publish_v5_callback_set(q->m, mqtt_on_publish);
	mosquitto_message_v5_callback_set(q->m, mqtt_on_message);
	if (c->username[0] &&
	    mosquitto_username_pw_set(q->m, c->username, c->password[0] ? c->password : NULL))
		return -1;
	if (c->cafile[0] || c->capath[0]) {
		int rc = mosquitto_tls_set(
		    q->m, c->cafile[0] ? c->cafile : NULL, c->capath[0] ? c->capath : NULL,
		    c->certfile[0] ? c->certfile : NULL, c->keyfile[0] ? c->keyfile : NULL, NULL);
		if (rc) {
			log_error("mqtt: TLS settings: %s", mosquitto_strerror(rc));
			return -1;
		}
		mosquitto_tls_insecure_set(q->m, c->tls_insecure);
	}
	return 0;
}

/* The will ("offline", retained) needs the prefix, so the id. */
static void set_will(struct mqtt *q)
{
	if (!mqtt_make_prefix(q))
		return;
	char t[256];
	snprintf(t, sizeof t, "%s/state", q->prefix);
	const char *off = "{\"state\":\"offline\"}";
	mosquitto_will_set_v5(q->m, t, (int)strlen(off), off, 1, true, NULL);
}

static void learn_id(struct mqtt *q, const char *id)
{
	if (!id || !*id || !strcmp(q->id, id))
		return;
	bool first = !q->id[0];
	snprintf(q->id, sizeof q->id, "%s", id);
	set_will(q);
	if (first) {
		mqtt_subscribe_cmd(q);
		mqtt_pump(q);
	}
}

static void on_info(void *user, json_object *r, struct wisj_error *err)
{
	(void)err;
	struct mqtt *q = user;
	json_object *v;
	if (!q->stopping && r && json_object_object_get_ex(r, "device_id", &v))
		learn_id(q, json_object_get_string(v));
	if (r)
		json_object_put(r);
}

static int start(struct wisd *d, struct wisd_comp *self)
{
	static bool lib_ready;
	if (!lib_ready) {
		mosquitto_lib_init();
		lib_ready = true;
	}
	struct mqtt *q = calloc(1, sizeof *q);
	if (!q)
		return -1;
	self->priv = q;
	q->d = d;
	q->c = self->cfg;
	q->fd = -1;
	q->backoff_s = 1;
	snprintf(q->who.label, sizeof q->who.label, "mqtt");
	q->who.perm = q->c->perm;
	if (q->c->queue_file[0] && mqtt_spool_open(q) < 0)
		return -1;
	if (setup_client(q) < 0) {
		log_error("mqtt: cannot set up the client");
		return -1;
	}
	uv_timer_init(d->loop, &q->misc);
	uv_timer_init(d->loop, &q->retry);
	q->misc.data = q->retry.data = q;
	uv_timer_start(&q->misc, mqtt_on_misc, 1000, 1000);
	uv_timer_start(&q->retry, mqtt_try_connect, 0, 0);
	json_object *none = json_object_new_object();
	wisd_call(d, &q->who, "system.info", none, on_info, q);
	json_object_put(none);
	log_info("mqtt: broker %s:%d, topics under %s", q->c->host, q->c->port, q->c->prefix);
	return 0;
}

static void event(struct wisd *d, struct wisd_comp *self, const char *topic, json_object *params)
{
	(void)d;
	struct mqtt *q = self->priv;
	if (!q || q->stopping)
		return;
	json_object *v;
	if (!strcmp(topic, "device.state") && json_object_object_get_ex(params, "device_id", &v))
		learn_id(q, json_object_get_string(v));
	int t = rpc_topic_index(topic);
	if (t < 0 || !(q->c->topics & TOPIC_BIT(t)))
		return;
	char suffix[64];
	snprintf(suffix, sizeof suffix, "event/%s", topic);
	mqtt_enqueue(q, suffix, NULL,
	             json_object_to_json_string_ext(params, JSON_C_TO_STRING_PLAIN |
	                                                        JSON_C_TO_STRING_NOSLASHESCAPE),
	             NULL);
}

static void stop(struct wisd *d, struct wisd_comp *self)
{
	struct mqtt *q = self->priv;
	if (!q || q->stopping)
		return;
	if (q->connected)
		mosquitto_disconnect_v5(q->m, MQTT_RC_NORMAL_DISCONNECTION, NULL);
	q->stopping = true;
	wisd_caller_gone(d, &q->who);
	mqtt_close_poll(q);
	uv_close((uv_handle_t *)&q->misc, NULL);
	uv_close((uv_handle_t *)&q->retry, NULL);
	if (q->spool && (q->queued || q->spooled))
		log_info("mqtt: undelivered events stay in %s for the next start",
		         q->c->queue_file);
	else if (q->queued)
		log_warn("mqtt: %u messages not delivered at shutdown", q->queued);
}

static void release(struct wisd *d, struct wisd_comp *self)
{
	(void)d;
	struct mqtt *q = self->priv;
	if (!q)
		return;
	while (q->head) {
		struct msg *m = q->head;
		q->head = m->next;
		mqtt_msg_free(m);
	}
	mqtt_spool_close(q);
	mosquitto_destroy(q->m);
	free(q);
	self->priv = NULL;
}

static json_object *status(struct wisd *d, struct wisd_comp *self)
{
	(void)d;
	struct mqtt *q = self->priv;
	json_object *o = json_object_new_object();
	if (!q)
		return o;
	json_object_object_add(o, "connected", json_object_new_boolean(q->connected));
	json_object_object_add(
	    o, "prefix", json_object_new_string(mqtt_make_prefix(q) ? q->prefix : q->c->prefix));
	const struct {
		const char *k;
		unsigned long v;
	} n[] = {{"queued", q->queued + q->spooled},
	         {"inflight", q->inflight},
	         {"published", q->published},
	         {"acked", q->acked},
	         {"dropped", q->dropped},
	         {"commands", q->commands},
	         {"connects", q->connects},
	         {"disconnects", q->disconnects}};
	for (size_t i = 0; i < sizeof n / sizeof *n; i++)
		json_object_object_add(o, n[i].k, json_object_new_int64((int64_t)n[i].v));
	json_object_object_add(o, "last_error", json_object_new_string(q->last_error));
	return o;
}

const struct wisd_component mqtt_component = {
    .name = "mqtt",
    .cfg_size = sizeof(struct mqtt_cfg),
    .cfg_init = cfg_init,
    .cfg_set = cfg_set,
    .enabled = component_enabled_flag,
    .start = start,
    .stop = stop,
    .release = release,
    .event = event,
    .status = status,
};

/*
 * What the MQTT bridge's two files share: comp_mqtt.c (settings, the
 * component's life and its event sink) and mqtt_link.c (libmosquitto in
 * wisd's loop, the outgoing queue, commands).  Not used elsewhere.
 */
#ifndef WISD_MQTT_PRIV_H
#define WISD_MQTT_PRIV_H

#include <mosquitto.h>
#include <stdio.h>

#include "wisd.h"

struct mqtt_cfg { /* "bool enabled" first: component_enabled_flag */
	bool enabled;
	uint8_t perm;
	char host[128];
	int port;
	char prefix[128]; /* "{id}" is the module's unique id */
	char client_id[64];
	char username[64], password[128];
	char cafile[256], capath[256], certfile[256], keyfile[256];
	bool tls_insecure;
	int protocol;         /* MQTT_PROTOCOL_V5 or MQTT_PROTOCOL_V311 */
	char queue_file[256]; /* "" = events queue in memory only */
	unsigned keepalive_s, max_queue, max_inflight, reconnect_max_s;
	unsigned topics; /* TOPIC_BIT()s published as events */
};

struct msg {
	struct msg *next;
	int mid;     /* libmosquitto's id once handed over, 0 before */
	char *topic; /* suffix after PREFIX/ */
	char *payload;
	mosquitto_property *props; /* response topic replies: correlation data */
	char *full;                /* full topic for replies (response topic), else NULL */
};

struct mqtt {
	struct wisd *d;
	const struct mqtt_cfg *c;
	struct wisd_caller who;
	struct mosquitto *m;
	uv_poll_t poll;
	uv_timer_t misc, retry;
	bool poll_open, poll_closing, connected, stopping;
	int fd;
	unsigned backoff_s;
	char id[40]; /* the module's id, "" until known */
	char prefix[200];
	struct msg *head, *tail; /* waiting or in flight, oldest first */
	unsigned queued, inflight;
	FILE *spool;           /* queue_file, or NULL */
	unsigned long spooled; /* lines in it not yet read */
	long spool_off;        /* where the next one starts */
	unsigned long published, acked, dropped, commands, connects, disconnects;
	char last_error[200];
};

void mqtt_msg_free(struct msg *m);
bool mqtt_make_prefix(struct mqtt *q);
/* Queue a message: an event (suffix under PREFIX/, bounded by max_queue),
 * or a reply to the full topic (props: its correlation data; consumed). */
void mqtt_enqueue(struct mqtt *q, const char *suffix, const char *full, const char *payload,
                  mosquitto_property *props);
void mqtt_pump(struct mqtt *q);
/* mqtt_spool.c: the queue on disk. */
int mqtt_spool_open(struct mqtt *q);
bool mqtt_spool_append(struct mqtt *q, const char *suffix, const char *payload);
struct msg *mqtt_spool_next(struct mqtt *q);
void mqtt_spool_settled(struct mqtt *q); /* empties the file once all is acknowledged */
void mqtt_spool_close(struct mqtt *q);
void mqtt_update_poll(struct mqtt *q);
void mqtt_close_poll(struct mqtt *q);
void mqtt_subscribe_cmd(struct mqtt *q);
void mqtt_schedule_retry(struct mqtt *q);
void mqtt_try_connect(uv_timer_t *t);
void mqtt_on_misc(uv_timer_t *t);
void mqtt_on_connect(struct mosquitto *m, void *obj, int rc, int flags,
                     const mosquitto_property *props);
void mqtt_on_disconnect(struct mosquitto *m, void *obj, int rc, const mosquitto_property *props);
void mqtt_on_publish(struct mosquitto *m, void *obj, int mid, int reason,
                     const mosquitto_property *props);
void mqtt_on_message(struct mosquitto *m, void *obj, const struct mosquitto_message *msg,
                     const mosquitto_property *props);

#endif

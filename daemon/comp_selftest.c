/*
 * The selftest component: a diagnostic that shows what a component can do,
 * and the test that the component interface works (tests/daemon/
 * test_components.py).  Off by default; "[selftest] enabled = yes" in the
 * config file, or --set selftest.enabled=yes.
 *
 * As an internal client ("selftest", permission class read unless "class"
 * says otherwise) it calls system.ping through the same mapping and guard
 * as a socket client when it starts and whenever the device comes up; with
 * class read it tries gpio.set once, which its class must refuse; with
 * "claim = RESOURCE" it claims that resource, so other clients are refused
 * it as they would be a socket client's.  Its event sink counts every
 * notification by topic.  daemon.status "components.selftest" shows it all.
 */
#include <stdlib.h>
#include <string.h>

#include "wisd.h"

struct selftest_cfg { /* "bool enabled" first: component_enabled_flag */
	bool enabled;
	uint8_t perm;             /* its permission class */
	char data[32];            /* sent in the ping */
	char claim[WISJ_RES_MAX]; /* claimed at start, "" for none */
};

struct selftest {
	struct wisd *d;
	struct wisd_caller who;
	unsigned pings_ok, pings_failed;
	char last[240];    /* the last ping's result data or error message */
	char refused[240]; /* what the refused write said */
	char claim[240];   /* what the claim answered */
	json_object *seen; /* topic -> count */
	bool stopped;
};

static void cfg_init(void *cfg)
{
	struct selftest_cfg *c = cfg;
	c->enabled = false;
	snprintf(c->data, sizeof c->data, "selftest");
}

static int cfg_set(void *cfg, const char *key, const char *value, char *err, size_t errlen)
{
	struct selftest_cfg *c = cfg;
	if (!strcmp(key, "enabled"))
		return component_set_bool(&c->enabled, value, err, errlen);
	if (!strcmp(key, "data") && strlen(value) < sizeof c->data) {
		snprintf(c->data, sizeof c->data, "%s", value);
		return 0;
	}
	if (!strcmp(key, "claim") && strlen(value) < sizeof c->claim) {
		snprintf(c->claim, sizeof c->claim, "%s", value);
		return 0;
	}
	if (!strcmp(key, "class"))
		return component_set_class(&c->perm, value, err, errlen);
	snprintf(err, errlen, "unknown setting (enabled, class, claim, data)");
	return -1;
}

static void on_ping(void *user, json_object *result, struct wisj_error *err)
{
	struct selftest *t = user;
	json_object *v;
	if (result && json_object_object_get_ex(result, "data", &v)) {
		t->pings_ok++;
		snprintf(t->last, sizeof t->last, "%s", json_object_get_string(v));
	} else {
		t->pings_failed++;
		snprintf(t->last, sizeof t->last, "%s", err ? err->message : "no data");
	}
	if (result)
		json_object_put(result);
	if (!t->stopped)
		log_info("selftest: ping %s: %s", result ? "answered" : "failed", t->last);
}

static void on_write(void *user, json_object *result, struct wisj_error *err)
{
	struct selftest *t = user;
	snprintf(t->refused, sizeof t->refused, "%s",
	         err ? err->message : "NOT REFUSED: a read-class client changed a pin");
	if (result)
		json_object_put(result);
}

static void on_claim(void *user, json_object *result, struct wisj_error *err)
{
	struct selftest *t = user;
	snprintf(t->claim, sizeof t->claim, "%s",
	         result ? json_object_to_json_string(result) : err->message);
	if (result)
		json_object_put(result);
}

static void ping(struct selftest *t, const struct selftest_cfg *c)
{
	json_object *p = json_object_new_object();
	json_object_object_add(p, "data", json_object_new_string(c->data));
	wisd_call(t->d, &t->who, "system.ping", p, on_ping, t);
	json_object_put(p);
}

static int start(struct wisd *d, struct wisd_comp *self)
{
	struct selftest *t = calloc(1, sizeof *t);
	if (!t)
		return -1;
	self->priv = t;
	t->d = d;
	t->seen = json_object_new_object();
	const struct selftest_cfg *c = self->cfg;
	snprintf(t->who.label, sizeof t->who.label, "selftest");
	t->who.perm = c->perm;
	ping(t, c);
	if (c->claim[0]) {
		json_object *p = json_object_new_object();
		json_object_object_add(p, "resources", json_object_new_string(c->claim));
		wisd_call(d, &t->who, "claim", p, on_claim, t);
		json_object_put(p);
	}
	if (c->perm < WIS_PERM_CONTROL) {
		json_object *p = json_object_new_object(), *v = json_object_new_object();
		json_object_object_add(v, "LED1", json_object_new_int(1));
		json_object_object_add(p, "values", v);
		wisd_call(d, &t->who, "gpio.set", p, on_write, t);
		json_object_put(p);
	}
	return 0;
}

static void event(struct wisd *d, struct wisd_comp *self, const char *topic, json_object *params)
{
	(void)d;
	struct selftest *t = self->priv;
	json_object *n, *st;
	int count = json_object_object_get_ex(t->seen, topic, &n) ? json_object_get_int(n) : 0;
	json_object_object_add(t->seen, topic, json_object_new_int(count + 1));
	/* Once the device is up (state re-applied), it is pinged again. */
	if (!strcmp(topic, "device.state") && json_object_object_get_ex(params, "state", &st) &&
	    !strcmp(json_object_get_string(st), "up"))
		ping(t, self->cfg);
}

static json_object *status(struct wisd *d, struct wisd_comp *self)
{
	(void)d;
	struct selftest *t = self->priv;
	json_object *o = json_object_new_object();
	json_object_object_add(o, "label", json_object_new_string(t->who.label));
	json_object_object_add(o, "permission",
	                       json_object_new_string(wisj_perm_name(t->who.perm)));
	json_object_object_add(o, "pings_ok", json_object_new_int((int)t->pings_ok));
	json_object_object_add(o, "pings_failed", json_object_new_int((int)t->pings_failed));
	json_object_object_add(o, "last", json_object_new_string(t->last));
	json_object_object_add(o, "refused", json_object_new_string(t->refused));
	json_object_object_add(o, "claim", json_object_new_string(t->claim));
	json_object_object_add(o, "events", json_object_get(t->seen));
	return o;
}

static void stop(struct wisd *d, struct wisd_comp *self)
{
	struct selftest *t = self->priv;
	if (!t)
		return;
	t->stopped = true;
	wisd_caller_gone(d, &t->who);
}

/* After the loop: no call of ours can still complete. */
static void release(struct wisd *d, struct wisd_comp *self)
{
	(void)d;
	struct selftest *t = self->priv;
	if (!t)
		return;
	json_object_put(t->seen);
	free(t);
	self->priv = NULL;
}

const struct wisd_component selftest_component = {
    .name = "selftest",
    .cfg_size = sizeof(struct selftest_cfg),
    .cfg_init = cfg_init,
    .cfg_set = cfg_set,
    .enabled = component_enabled_flag,
    .start = start,
    .stop = stop,
    .release = release,
    .event = event,
    .status = status,
};

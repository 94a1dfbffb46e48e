/*
 * wisctl --device PATH: the module itself through libwisrpc and the same
 * wisjson mapping wisd uses; subscriptions are served here (the device's
 * own events, filtered by topic).
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wisctl_link_priv.h"

static void on_event(wis_device *dev, const struct wis_event *ev, void *user)
{
	struct link *l = user;
	const char *topic;
	json_object *p = wisj_event_to_json(dev, ev, &topic);
	if (!p)
		return;
	int k = -1;
	for (int i = 0; wisj_topics[i]; i++)
		if (!strcmp(wisj_topics[i], topic))
			k = i;
	if (k < 0 || !(l->topics & (1u << k))) {
		json_object_put(p);
		return;
	}
	json_object *n = json_object_new_object();
	json_object_object_add(n, "jsonrpc", json_object_new_string("2.0"));
	json_object_object_add(n, "method", json_object_new_string(topic));
	json_object_object_add(n, "params", p);
	link_push_event(l, n);
}

struct link *link_open_device(const char *path, unsigned timeout_ms, char *err, size_t errlen)
{
	struct wis_open_options o;
	wis_open_options_init(&o);
	o.timeout_ms = timeout_ms;
	wis_device *dev;
	int rc = wis_open(&dev, path, &o);
	if (rc < 0) {
		const char *d = wis_last_error();
		if (!d || !*d)
			d = wis_strerror(rc);
		/* The library's text usually names the path already. */
		if (strstr(d, path))
			snprintf(err, errlen, "%s", d);
		else
			snprintf(err, errlen, "cannot open %s: %s", path, d);
		return NULL;
	}
	struct link *l = calloc(1, sizeof *l);
	l->fd = -1;
	l->dev = dev;
	l->ctx = wisj_ctx_new();
	wisj_ctx_set_device(l->ctx, dev);
	wisj_ctx_set_timeout(l->ctx, timeout_ms);
	wis_set_event_cb(dev, on_event, l);
	return l;
}

struct dev_wait {
	bool done;
	json_object *result;
	struct wisj_error *e;
};

static void dev_done(void *user, json_object *result, struct wisj_error *err)
{
	struct dev_wait *w = user;
	w->done = true;
	w->result = result;
	if (err) {
		w->e->code = err->code;
		memcpy(w->e->message, err->message, sizeof w->e->message);
		w->e->data = err->data;
		err->data = NULL;
	}
}

/* Waits on the device fd; 0 ok, -1 interrupted, -2 link lost. */
int link_dev_pump(struct link *l, int timeout_ms)
{
	int t = wis_next_timeout_ms(l->dev);
	if (t >= 0 && (timeout_ms < 0 || t < timeout_ms))
		timeout_ms = t;
	struct pollfd p = {wis_fd(l->dev), POLLIN, 0};
	int rc = poll(&p, 1, timeout_ms);
	if (rc < 0 && errno == EINTR)
		return -1;
	if (wis_process(l->dev) == WIS_E_DISCONNECTED)
		return -2;
	wisj_ctx_pump(l->ctx);
	return 0;
}

int link_dev_call(struct link *l, const char *method, json_object *params, json_object **result,
                  struct wisj_error *e)
{
	const wisj_method *m = wisj_method_find(method);
	if (!m) {
		wisj_error_set(e, WISJ_METHOD_NOT_FOUND, "no method %s", method);
		return EXIT_USAGE;
	}
	if (!strcmp(method, "subscribe") || !strcmp(method, "unsubscribe")) {
		/* Served here: a direct link delivers the device's own events. */
		json_object *np = wisj_params_check(m, params, e), *t;
		if (!np)
			return EXIT_USAGE;
		json_object_object_get_ex(np, "topics", &t);
		size_t n =
		    json_object_is_type(t, json_type_array) ? json_object_array_length(t) : 1;
		for (size_t i = 0; i < n; i++) {
			const char *name =
			    json_object_get_string(json_object_is_type(t, json_type_array)
			                               ? json_object_array_get_idx(t, i)
			                               : t);
			for (int k = 0; wisj_topics[k]; k++)
				if (!strcmp(wisj_topics[k], name)) {
					if (method[0] == 's')
						l->topics |= 1u << k;
					else
						l->topics &= ~(1u << k);
				}
		}
		json_object_put(np);
		*result = json_object_new_object();
		return 0;
	}
	struct dev_wait w = {false, NULL, e};
	wisj_invoke(l->ctx, m, params, dev_done, &w);
	/* Every call completes: by answer, timeout, or DISCONNECTED. */
	while (!w.done)
		link_dev_pump(l, -1);
	if (w.result) {
		*result = w.result;
		return 0;
	}
	return exit_code_for(e->code);
}

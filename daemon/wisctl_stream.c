/*
 * wisctl streaming commands: gpio watch and subscribe print notifications
 * as they arrive until Ctrl-C (a normal end, exit 0) or --count.  watch
 * withdraws its watches when it ends; other clients' watches on the same
 * pins go on (wisd merges them, see daemon/watch.c).  next_notification()
 * is the wait radio listen and uart read share with them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wisctl.h"
#include "wisctl_out.h"
#include "wisrpc/pins.h"

int next_notification(struct link *l, struct opts *o, const char *method, int timeout_ms,
                      json_object **n, json_object **params)
{
	char err[160];
	int rc = link_next_event(l, n, timeout_ms, err, sizeof err);
	if (rc == -2)
		fprintf(stderr, "wisctl %s: %s\n", o->cmdline, err);
	if (rc != 1)
		return rc;
	json_object *m;
	*params = NULL;
	json_object_object_get_ex(*n, "params", params);
	if (!method || (json_object_object_get_ex(*n, "method", &m) &&
	                !strcmp(json_object_get_string(m), method) && *params))
		return 1;
	json_object_put(*n);
	return 0;
}

static int wait_events(struct link *l, struct opts *o, long count,
                       bool (*keep)(json_object *, void *), void *u,
                       void (*human)(FILE *, json_object *))
{
	long seen = 0;
	while (count <= 0 || seen < count) {
		json_object *n, *p;
		int rc = next_notification(l, o, NULL, -1, &n, &p);
		if (rc == -1)
			return EXIT_OK; /* Ctrl-C: a normal way to stop */
		if (rc == -2)
			return EXIT_UNREACHABLE;
		if (rc == 0)
			continue;
		if (keep(n, u)) {
			seen++;
			if (o->json)
				out_json(stdout, human == out_notification ? n : p);
			else
				human(stdout, human == out_notification ? n : p);
		}
		json_object_put(n);
	}
	return EXIT_OK;
}

struct watch {
	char names[32][24];
	bool restore[32]; /* we started the watch: stop it when done */
	int n;
};

static bool keep_edge(json_object *n, void *u)
{
	struct watch *w = u;
	json_object *m, *p, *pin;
	if (!json_object_object_get_ex(n, "method", &m) ||
	    strcmp(json_object_get_string(m), "gpio.edge") ||
	    !json_object_object_get_ex(n, "params", &p) ||
	    !json_object_object_get_ex(p, "pin", &pin))
		return false;
	for (int i = 0; i < w->n; i++)
		if (!strcmp(w->names[i], json_object_get_string(pin)))
			return true;
	return false;
}

int cmd_gpio_watch(struct link *l, struct opts *o, int argc, char **argv)
{
	const char *edge = take_opt(&argc, argv, "--edge", true, NULL);
	const char *count = take_opt(&argc, argv, "--count", true, NULL);
	const char *deb = take_opt(&argc, argv, "--debounce", true, NULL);
	if (leftover_options(argc, argv))
		return EXIT_USAGE;
	if (!argc || argc > 32)
		return usage_error("%s", "name 1 to 32 pins");
	if (!edge)
		edge = "both";
	if (strcmp(edge, "rising") && strcmp(edge, "falling") && strcmp(edge, "both"))
		return usage_error("--edge '%s' is not rising, falling or both", edge);
	char *end;
	long cnt = count ? strtol(count, &end, 10) : 0;
	if (count && (*end || cnt < 1))
		return usage_error("--count '%s' is not a positive number", count);
	long debounce = deb ? strtol(deb, &end, 10) : 0;
	if (deb && (*end || debounce < 0 || debounce > 1000000))
		return usage_error("--debounce '%s' is not 0..1000000 microseconds", deb);

	struct wisj_error e = {0};
	json_object *res;
	int rc = call_put(l, "subscribe", obj1("topics", json_object_new_string("gpio.edge")), &res,
	                  &e, o->timeout_ms);
	if (rc)
		return fail(o, &e, rc);
	json_object_put(res);
	struct watch w = {.n = 0};
	for (int i = 0; i < argc && rc == 0; i++) {
		json_object *st, *v;
		rc = call_put(l, "pin.state", obj1("pin", json_object_new_string(argv[i])), &st, &e,
		              o->timeout_ms);
		if (rc)
			break;
		json_object_object_get_ex(st, "pin", &v);
		snprintf(w.names[w.n], sizeof w.names[w.n], "%s", json_object_get_string(v));
		/* wisd keeps one wish per client, so "none" on exit withdraws only
		 * ours; on a direct link the module's watch is all there is, so
		 * leave alone a watch that was there before us. */
		w.restore[w.n] = !link_is_direct(l) || !json_object_object_get_ex(st, "edge", &v) ||
		                 !strcmp(json_object_get_string(v), "none");
		json_object_put(st);
		json_object *p = json_object_new_object();
		json_object_object_add(p, "pin", json_object_new_string(w.names[w.n]));
		json_object_object_add(p, "edge", json_object_new_string(edge));
		json_object_object_add(p, "debounce_us", json_object_new_int((int)debounce));
		rc = link_call(l, "gpio.watch", p, &res, &e, o->timeout_ms);
		json_object_put(p);
		if (rc == 0) {
			json_object_put(res);
			w.n++;
		}
	}
	if (rc == 0)
		rc = wait_events(l, o, cnt, keep_edge, &w, out_edge);
	else
		rc = fail(o, &e, rc);
	/* Leave the pins as we found them: stop the watches we started. */
	for (int i = 0; i < w.n; i++) {
		if (!w.restore[i])
			continue;
		json_object *p = json_object_new_object();
		json_object_object_add(p, "pin", json_object_new_string(w.names[i]));
		json_object_object_add(p, "edge", json_object_new_string("none"));
		if (link_call(l, "gpio.watch", p, &res, &e, o->timeout_ms) == 0)
			json_object_put(res);
		wisj_error_clear(&e);
		json_object_put(p);
	}
	return rc;
}

static bool keep_any(json_object *n, void *u)
{
	(void)n, (void)u;
	return true;
}

int cmd_subscribe(struct link *l, struct opts *o, int argc, char **argv)
{
	const char *count = take_opt(&argc, argv, "--count", true, NULL);
	if (leftover_options(argc, argv))
		return EXIT_USAGE;
	if (!argc)
		return usage_error("%s", "name at least one topic");
	char *end;
	long cnt = count ? strtol(count, &end, 10) : 0;
	if (count && (*end || cnt < 1))
		return usage_error("--count '%s' is not a positive number", count);
	struct wisj_error e = {0};
	json_object *res;
	int rc = call_put(l, "subscribe", obj1("topics", string_array(argc, argv)), &res, &e,
	                  o->timeout_ms);
	if (rc)
		return fail(o, &e, rc);
	json_object_put(res);
	return wait_events(l, o, cnt, keep_any, NULL, out_notification);
}

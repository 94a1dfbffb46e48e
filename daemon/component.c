/*
 * wisd component table (see component.h).  The list of components comes
 * from the build (daemon/meson.build: wisd_components), so adding one is a
 * new file plus its name there; this file, wisd.c, rpc.c and device.c stay
 * as they are.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wisd.h"

#define X(name) extern const struct wisd_component name##_component;
WISD_COMPONENT_LIST
#undef X

#define X(name) &name##_component,
const struct wisd_component *const wisd_components[] = {WISD_COMPONENT_LIST NULL};
#undef X
const size_t wisd_ncomponents = sizeof wisd_components / sizeof wisd_components[0] - 1;

int component_index(const char *name)
{
	for (size_t i = 0; i < wisd_ncomponents; i++)
		if (!strcmp(wisd_components[i]->name, name))
			return (int)i;
	return -1;
}

int components_start(struct wisd *d)
{
	d->comps = calloc(wisd_ncomponents, sizeof *d->comps);
	if (!d->comps)
		return -1;
	d->ncomps = (unsigned)wisd_ncomponents;
	for (unsigned i = 0; i < d->ncomps; i++) {
		d->comps[i].desc = wisd_components[i];
		d->comps[i].cfg = d->cfg.comp_cfg[i];
	}
	for (unsigned i = 0; i < d->ncomps; i++) {
		struct wisd_comp *c = &d->comps[i];
		if (c->desc->enabled && !c->desc->enabled(d, c->cfg))
			continue;
		/* Marked first: a start that fails half way is stopped too. */
		c->started = true;
		if (c->desc->start(d, c) < 0) {
			log_error("component %s did not start", c->desc->name);
			return -1;
		}
		log_debug("component %s started", c->desc->name);
	}
	return 0;
}

void components_quiesce(struct wisd *d)
{
	for (unsigned i = 0; i < d->ncomps; i++)
		if (d->comps[i].started && d->comps[i].desc->quiesce)
			d->comps[i].desc->quiesce(d, &d->comps[i]);
}

bool components_busy(struct wisd *d)
{
	for (unsigned i = 0; i < d->ncomps; i++)
		if (d->comps[i].started && d->comps[i].desc->busy &&
		    d->comps[i].desc->busy(d, &d->comps[i]))
			return true;
	return false;
}

/* In reverse start order: later components may use earlier ones. */
void components_stop(struct wisd *d)
{
	for (unsigned i = d->ncomps; i-- > 0;) {
		struct wisd_comp *c = &d->comps[i];
		if (c->started) {
			c->started = false;
			c->desc->stop(d, c);
		}
	}
}

void components_release(struct wisd *d)
{
	for (unsigned i = 0; i < d->ncomps; i++)
		if (d->comps[i].desc->release)
			d->comps[i].desc->release(d, &d->comps[i]);
	free(d->comps);
	d->comps = NULL;
	d->ncomps = 0;
}

void wisd_publish(struct wisd *d, const char *topic, json_object *params)
{
	/* A sink that logs while handling a log line must not loop. */
	bool is_log = !strcmp(topic, "log");
	if (is_log && d->publishing_log) {
		json_object_put(params);
		return;
	}
	d->publishing_log = d->publishing_log || is_log;
	for (unsigned i = 0; i < d->ncomps; i++)
		if (d->comps[i].started && d->comps[i].desc->event)
			d->comps[i].desc->event(d, &d->comps[i], topic, params);
	if (is_log)
		d->publishing_log = false;
	json_object_put(params);
}

json_object *components_status(struct wisd *d)
{
	json_object *o = json_object_new_object();
	for (unsigned i = 0; i < d->ncomps; i++) {
		struct wisd_comp *c = &d->comps[i];
		if (!c->started)
			continue;
		json_object *s = c->desc->status ? c->desc->status(d, c) : json_object_new_object();
		json_object_object_add(o, c->desc->name, s);
	}
	return o;
}

/* ---- helpers for components' settings ---------------------------------------- */

void component_free_priv(struct wisd *d, struct wisd_comp *self)
{
	(void)d;
	free(self->priv);
	self->priv = NULL;
}

bool component_enabled_flag(struct wisd *d, const void *cfg)
{
	(void)d;
	return *(const bool *)cfg;
}

int component_set_bool(bool *dst, const char *v, char *err, size_t errlen)
{
	static const char *const yes[] = {"yes", "1", "true", "on", NULL};
	static const char *const no[] = {"no", "0", "false", "off", NULL};
	if (wis_name_index(yes, v) >= 0)
		*dst = true;
	else if (wis_name_index(no, v) >= 0)
		*dst = false;
	else {
		snprintf(err, errlen, "'%s' is not yes/no", v);
		return -1;
	}
	return 0;
}

int component_set_class(uint8_t *dst, const char *v, char *err, size_t errlen)
{
	static const char *const classes[] = {"read", "control", "admin", NULL};
	int p = wis_name_index(classes, v);
	if (p < 0) {
		snprintf(err, errlen, "'%s' is not read, control or admin", v);
		return -1;
	}
	*dst = (uint8_t)p;
	return 0;
}

int component_set_uint(unsigned *dst, const char *v, unsigned long lo, unsigned long hi, char *err,
                       size_t errlen)
{
	char *end;
	errno = 0;
	unsigned long n = strtoul(v, &end, 0);
	if (!*v || *end || errno || *v == '-' || n < lo || n > hi) {
		snprintf(err, errlen, "'%s' is not a number in %lu..%lu", v, lo, hi);
		return -1;
	}
	*dst = (unsigned)n;
	return 0;
}

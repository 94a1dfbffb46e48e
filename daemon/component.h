/*
 * wisd components: the parts of the daemon that are not its core (the
 * socket server, the embedded simulator, bridges to come).  Each is one
 * file that fills a struct wisd_component and is listed by name in
 * daemon/meson.build (wisd_components); nothing else in wisd changes when
 * one is added.
 *
 * A component has its own settings, read from its [name] section of the
 * config file or from --set name.key=value; it is started after the
 * device manager is set up and stopped at shutdown; every notification
 * wisd produces (device events, device.state, log) reaches its event sink;
 * and it calls methods as an internal client (a struct wisd_caller with
 * its own label and permission class) through wisd_call(), the same
 * mapping, guard and ownership as a socket client.
 */
#ifndef WISD_COMPONENT_H
#define WISD_COMPONENT_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct wisd;
struct wisd_comp;

struct wisd_component {
	const char *name; /* also its config section */
	/* Settings: cfg_size bytes kept in the config, set to defaults by
	 * cfg_init and changed key by key by cfg_set (0, or -1 with err). */
	size_t cfg_size;
	void (*cfg_init)(void *cfg);
	int (*cfg_set)(void *cfg, const char *key, const char *value, char *err, size_t errlen);
	/* Whether it runs with these settings (NULL: always). */
	bool (*enabled)(struct wisd *d, const void *cfg);
	/* 0, or -1 (logged) to stop wisd from starting. */
	int (*start)(struct wisd *d, struct wisd_comp *self);
	/* Shutdown begins: take no new work (optional). */
	void (*quiesce)(struct wisd *d, struct wisd_comp *self);
	/* True while it still has answers to deliver (optional). */
	bool (*busy)(struct wisd *d, struct wisd_comp *self);
	/* Close its handles; the loop ends once all are closed. */
	void (*stop)(struct wisd *d, struct wisd_comp *self);
	/* After the loop has ended: free what start allocated (optional). */
	void (*release)(struct wisd *d, struct wisd_comp *self);
	/* Every notification (params borrowed), in the order they happen. */
	void (*event)(struct wisd *d, struct wisd_comp *self, const char *topic,
	              json_object *params);
	/* Its part of daemon.status "components" (optional; a new object). */
	json_object *(*status)(struct wisd *d, struct wisd_comp *self);
};

/* One running component. */
struct wisd_comp {
	const struct wisd_component *desc;
	void *cfg;  /* its settings (the config owns them) */
	void *priv; /* its own state, set by start */
	bool started;
};

/* The components built in, in start order (from WISD_COMPONENT_LIST). */
extern const struct wisd_component *const wisd_components[];
extern const size_t wisd_ncomponents;

/* Index of the component with that name, -1 if none. */
int component_index(const char *name);
/* Start every enabled component; -1 if one failed. */
int components_start(struct wisd *d);
void components_quiesce(struct wisd *d);
bool components_busy(struct wisd *d);
void components_stop(struct wisd *d);
void components_release(struct wisd *d);
/* Hand a notification to every component's sink; consumes params. */
void wisd_publish(struct wisd *d, const char *topic, json_object *params);
/* {name: status} of the started components. */
json_object *components_status(struct wisd *d);

/* For .release: a priv that is one block from malloc, freed. */
void component_free_priv(struct wisd *d, struct wisd_comp *self);
/* For .enabled: settings whose first member is "bool enabled". */
bool component_enabled_flag(struct wisd *d, const void *cfg);
/* For a component's cfg_set: yes/no (also 1/0, true/false, on/off), a
 * permission class (read, control, admin), an unsigned number in lo..hi
 * (decimal, 0x hex).  0, or -1 with err saying what was wrong. */
int component_set_bool(bool *dst, const char *v, char *err, size_t errlen);
int component_set_class(uint8_t *dst, const char *v, char *err, size_t errlen);
int component_set_uint(unsigned *dst, const char *v, unsigned long lo, unsigned long hi, char *err,
                       size_t errlen);

#endif

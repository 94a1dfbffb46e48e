/*
 * wisd settings: defaults, then the config file (/etc/wisd.conf or
 * --config), then the environment (WISD_SOCKET), then the command line;
 * later sources win.  The file is "key = value" lines, '#' comments; a
 * "[name]" line starts the settings of component name (component.h), which
 * parses them itself; on the command line they are --set name.key=value.
 */
#ifndef WISD_CONFIG_H
#define WISD_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WISD_DEFAULT_SOCKET "/run/wisd.sock"
#define WISD_DEFAULT_CONFIG "/etc/wisd.conf"
#define WISD_MAX_INIT_PINS 32

/* A pin mode declared in the config ("pin.LED1 = output 1"), applied at
 * every (re)connect before the state clients declared. */
struct cfg_pin {
	char name[16];
	uint8_t mode;  /* enum wis_gpio_mode */
	uint8_t level; /* initial output level */
};

struct wisd_config {
	char device[256];   /* path, "auto" or "sim" */
	char socket[108];   /* Unix socket path (sun_path limit) */
	char tcp[64];       /* "" = off, "PORT" or "ADDR:PORT" */
	char group[64];     /* socket group, "" = keep the default */
	char sim_path[256]; /* wisrpc-sim binary, "" = search */
	char sim_args[256]; /* extra arguments for the embedded simulator */
	char serial[64];    /* auto: USB serial number to match, "" = any */
	int log_level;      /* enum log_level */
	bool syslog;
	size_t max_line;       /* bytes per request line */
	int max_depth;         /* JSON nesting */
	size_t max_wqueue;     /* bytes queued to one client before it is dropped */
	unsigned idle_timeout; /* seconds; 0 = never */
	unsigned timeout_ms;   /* per device call */
	unsigned queue_limit;  /* requests waiting for the device window */
	unsigned rescan_ms;    /* auto: periodic rescan interval */
	char radio_region[8];  /* regional radio rules: "EU868"... or "lab" (none) */
	/* Permission classes (auth.c, docs/api.md "Permission classes"). */
	char control_group[64];     /* Unix peers in this group get control */
	char admin_group[64];       /* ... and in this one admin */
	uint8_t unix_class;         /* enum wis_perm of other Unix peers */
	char tcp_token_file[256];   /* TCP needs it: the token rpc.auth must give */
	uint8_t tcp_class;          /* enum wis_perm of an authenticated TCP client */
	unsigned auth_timeout;      /* seconds a TCP client has to give the token */
	/* Bounds (limits.c, docs/api.md "Limits"). */
	unsigned max_clients;       /* socket clients connected at once */
	size_t max_output;          /* bytes queued to all clients together */
	size_t max_answer;          /* bytes of one answer line */
	unsigned max_subscriptions; /* topics plus pin watches per client */
	unsigned drain_timeout;     /* seconds a queue above max_write_queue may not shrink */
	struct cfg_pin pins[WISD_MAX_INIT_PINS];
	int npins;
	void **comp_cfg; /* each component's settings, by wisd_components index */
};

/* Defaults, components' included; -1 if out of memory. */
int config_defaults(struct wisd_config *c);
void config_free(struct wisd_config *c);
/* Reads path; missing_ok lets the default path be absent.  Returns 0, or -1
 * after printing "FILE:LINE: what is wrong" to stderr. */
int config_load(struct wisd_config *c, const char *path, bool missing_ok);
/* "PORT", "ADDR:PORT" or "[ADDR]:PORT" with a numeric address (default
 * 127.0.0.1); 0, or -1 with err set. */
int config_parse_tcp(const char *spec, char *addr, size_t cap, int *port, char *err, size_t errlen);
/* One "key = value" setting (also used for command-line overrides). */
int config_set(struct wisd_config *c, const char *key, const char *value, char *err, size_t errlen);

#endif

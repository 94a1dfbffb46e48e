/*
 * wisd config file parsing (see config.h).  Unknown keys are errors rather
 * than warnings: a typo in a gateway's config should stop the start, not
 * silently leave a pin unconfigured.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>

#include "component.h"
#include "log.h"
#include "wisjson.h"

int config_defaults(struct wisd_config *c)
{
	memset(c, 0, sizeof *c);
	c->comp_cfg = calloc(wisd_ncomponents + 1, sizeof *c->comp_cfg);
	if (!c->comp_cfg)
		return -1;
	for (size_t i = 0; i < wisd_ncomponents; i++) {
		const struct wisd_component *k = wisd_components[i];
		if (!k->cfg_size)
			continue;
		c->comp_cfg[i] = calloc(1, k->cfg_size);
		if (!c->comp_cfg[i])
			return -1;
		if (k->cfg_init)
			k->cfg_init(c->comp_cfg[i]);
	}
	snprintf(c->device, sizeof c->device, "auto");
	snprintf(c->socket, sizeof c->socket, "%s", WISD_DEFAULT_SOCKET);
	c->log_level = LOG_LVL_INFO;
	c->max_line = 65536;
	c->max_depth = 32;
	c->max_wqueue = 1 << 20;
	c->idle_timeout = 600;
	c->timeout_ms = 2000;
	c->queue_limit = 4096;
	c->rescan_ms = 2000;
	snprintf(c->radio_region, sizeof c->radio_region, "EU868");
	snprintf(c->control_group, sizeof c->control_group, "wisrpc");
	snprintf(c->admin_group, sizeof c->admin_group, "wisrpc-admin");
	c->unix_class = WIS_PERM_READ;
	c->tcp_class = WIS_PERM_CONTROL;
	c->auth_timeout = 10;
	c->max_clients = 128;
	c->max_output = 32u << 20;
	c->max_answer = 1u << 20;
	c->max_subscriptions = 16;
	c->drain_timeout = 10;
	return 0;
}

void config_free(struct wisd_config *c)
{
	for (size_t i = 0; c->comp_cfg && i < wisd_ncomponents; i++)
		free(c->comp_cfg[i]);
	free(c->comp_cfg);
	c->comp_cfg = NULL;
}

/* key of component section: the component parses it. */
static int set_comp(struct wisd_config *c, const char *section, const char *key, const char *v,
                    char *err, size_t errlen)
{
	int i = component_index(section);
	if (i < 0) {
		snprintf(err, errlen, "[%s]: no such component", section);
		return -1;
	}
	const struct wisd_component *k = wisd_components[i];
	if (!k->cfg_set) {
		snprintf(err, errlen, "[%s] has no settings", section);
		return -1;
	}
	char why[160] = "";
	if (k->cfg_set(c->comp_cfg[i], key, v, why, sizeof why) < 0) {
		snprintf(err, errlen, "%s.%s: %s", section, key, why);
		return -1;
	}
	return 0;
}

static int set_str(char *dst, size_t cap, const char *v, const char *key, char *err, size_t errlen)
{
	if (strlen(v) >= cap) {
		snprintf(err, errlen, "%s: value longer than %zu bytes", key, cap - 1);
		return -1;
	}
	memcpy(dst, v, strlen(v) + 1);
	return 0;
}

static int set_num(unsigned long long *out, const char *v, unsigned long long min,
                   unsigned long long max, const char *key, char *err, size_t errlen)
{
	char *end;
	errno = 0;
	unsigned long long n = strtoull(v, &end, 10);
	if (errno || end == v || *end || n < min || n > max) {
		snprintf(err, errlen, "%s: '%s' is not a number in %llu..%llu", key, v, min, max);
		return -1;
	}
	*out = n;
	return 0;
}

static int set_bool(bool *out, const char *v, const char *key, char *err, size_t errlen)
{
	if (!strcmp(v, "1") || !strcmp(v, "yes") || !strcmp(v, "true") || !strcmp(v, "on"))
		*out = true;
	else if (!strcmp(v, "0") || !strcmp(v, "no") || !strcmp(v, "false") || !strcmp(v, "off"))
		*out = false;
	else {
		snprintf(err, errlen, "%s: '%s' is not yes/no", key, v);
		return -1;
	}
	return 0;
}

int config_parse_tcp(const char *spec, char *addr, size_t cap, int *port, char *err, size_t errlen)
{
	/* "PORT", "ADDR:PORT" or "[V6ADDR]:PORT"; numeric addresses only, as
	 * binding to a name would hide which address is really exposed. */
	const char *colon = strrchr(spec, ':'), *ps = colon ? colon + 1 : spec;
	char a[64] = "127.0.0.1";
	if (colon) {
		const char *b = spec, *e = colon;
		if (*b == '[' && e > b && e[-1] == ']')
			b++, e--;
		if ((size_t)(e - b) >= sizeof a || e == b) {
			snprintf(err, errlen, "tcp '%s': expected PORT or ADDR:PORT", spec);
			return -1;
		}
		memcpy(a, b, (size_t)(e - b));
		a[e - b] = 0;
	}
	char *end;
	errno = 0;
	long n = strtol(ps, &end, 10);
	if (errno || end == ps || *end || n < 1 || n > 65535 || !isdigit((unsigned char)*ps)) {
		snprintf(err, errlen, "tcp '%s': port must be a number in 1..65535", spec);
		return -1;
	}
	unsigned char buf[16];
	if (inet_pton(AF_INET, a, buf) != 1 && inet_pton(AF_INET6, a, buf) != 1) {
		snprintf(err, errlen, "tcp '%s': '%s' is not a numeric IPv4 or IPv6 address", spec,
		         a);
		return -1;
	}
	snprintf(addr, cap, "%s", a);
	*port = (int)n;
	return 0;
}

static int set_class(uint8_t *out, const char *v, const char *key, char *err, size_t errlen)
{
	static const char *const classes[] = {"read", "control", "admin", NULL};
	int p = wis_name_index(classes, v);
	if (p < 0) {
		snprintf(err, errlen, "%s: '%s' is not read, control or admin", key, v);
		return -1;
	}
	*out = (uint8_t)p;
	return 0;
}

static int set_pin(struct wisd_config *c, const char *name, const char *v, char *err, size_t errlen)
{
	struct wisj_error e = {0};
	char canon[16], mode[32] = "";
	int level = 0;
	if (wisj_pin_canonical(NULL, name, canon, sizeof canon, &e) < 0) {
		snprintf(err, errlen, "pin.%s: %s", name, e.message);
		return -1;
	}
	/* The level by strtol: sscanf's %d is undefined on overflow (glibc
	 * took "output 4294967297" as level 1). */
	int used = 0, n = sscanf(v, "%31s %n", mode, &used);
	const char *rest = v + used;
	if (n == 1 && *rest) {
		char *end;
		errno = 0;
		long l = strtol(rest, &end, 10);
		level = errno || end == rest || l < 0 || l > 1 ? -1 : (int)l;
		for (rest = end; isspace((unsigned char)*rest);)
			rest++;
	}
	if (n < 1 || level < 0 || level > 1 || *rest != 0) {
		snprintf(err, errlen, "pin.%s: expected 'MODE [0|1]'", name);
		return -1;
	}
	int m = wis_name_index(wis_gpio_mode_names, mode);
	if (m < 0) {
		snprintf(err, errlen,
		         "pin.%s: unknown mode '%s' (input, input_pullup, input_pulldown, "
		         "output, output_open_drain, disabled)",
		         name, mode);
		return -1;
	}
	if (c->npins >= WISD_MAX_INIT_PINS) {
		snprintf(err, errlen, "too many pin.* settings (max %d)", WISD_MAX_INIT_PINS);
		return -1;
	}
	struct cfg_pin *p = &c->pins[c->npins++];
	snprintf(p->name, sizeof p->name, "%s", canon);
	p->mode = (uint8_t)m;
	p->level = (uint8_t)level;
	return 0;
}

int config_set(struct wisd_config *c, const char *key, const char *v, char *err, size_t errlen)
{
	unsigned long long n;
	if (!strcmp(key, "device"))
		return set_str(c->device, sizeof c->device, v, key, err, errlen);
	if (!strcmp(key, "socket")) {
		/* An empty path would bind an unnamed socket nobody can reach. */
		if (!*v) {
			snprintf(err, errlen, "socket: empty path");
			return -1;
		}
		if (strlen(v) >= sizeof c->socket) {
			snprintf(err, errlen,
			         "socket: path longer than %zu bytes (the Unix limit): %s",
			         sizeof c->socket - 1, v);
			return -1;
		}
		return set_str(c->socket, sizeof c->socket, v, key, err, errlen);
	}
	if (!strcmp(key, "tcp")) {
		char addr[64];
		int port;
		if (*v && config_parse_tcp(v, addr, sizeof addr, &port, err, errlen) < 0)
			return -1;
		return set_str(c->tcp, sizeof c->tcp, v, key, err, errlen);
	}
	if (!strcmp(key, "group"))
		return set_str(c->group, sizeof c->group, v, key, err, errlen);
	if (!strcmp(key, "control_group"))
		return set_str(c->control_group, sizeof c->control_group, v, key, err, errlen);
	if (!strcmp(key, "admin_group"))
		return set_str(c->admin_group, sizeof c->admin_group, v, key, err, errlen);
	if (!strcmp(key, "tcp_token_file"))
		return set_str(c->tcp_token_file, sizeof c->tcp_token_file, v, key, err, errlen);
	if (!strcmp(key, "unix_class"))
		return set_class(&c->unix_class, v, key, err, errlen);
	if (!strcmp(key, "tcp_class"))
		return set_class(&c->tcp_class, v, key, err, errlen);
	if (!strcmp(key, "sim_path"))
		return set_str(c->sim_path, sizeof c->sim_path, v, key, err, errlen);
	if (!strcmp(key, "sim_args"))
		return set_str(c->sim_args, sizeof c->sim_args, v, key, err, errlen);
	if (!strcmp(key, "serial"))
		return set_str(c->serial, sizeof c->serial, v, key, err, errlen);
	if (!strcmp(key, "syslog"))
		return set_bool(&c->syslog, v, key, err, errlen);
	if (!strcmp(key, "radio_region")) {
		wisj_ctx *j = wisj_ctx_new();
		int rc = j ? wisj_ctx_set_radio_region(j, v) : -1;
		wisj_ctx_free(j);
		if (rc < 0) {
			snprintf(err, errlen,
			         "radio_region: '%s' is not EU868, US915, AU915, AS923, IN865, "
			         "KR920 or lab",
			         v);
			return -1;
		}
		return set_str(c->radio_region, sizeof c->radio_region, v, key, err, errlen);
	}
	if (!strcmp(key, "log_level")) {
		int l = log_level_parse(v);
		if (l < 0) {
			snprintf(err, errlen, "log_level: '%s' is not error, warn, info or debug",
			         v);
			return -1;
		}
		c->log_level = l;
		return 0;
	}
#define NUM(k, field, lo, hi)                                                                      \
	if (!strcmp(key, k)) {                                                                     \
		if (set_num(&n, v, lo, hi, key, err, errlen) < 0)                                  \
			return -1;                                                                 \
		c->field = n;                                                                      \
		return 0;                                                                          \
	}
	NUM("max_line", max_line, 256, 16u << 20)
	NUM("max_depth", max_depth, 2, 1000)
	NUM("max_write_queue", max_wqueue, 4096, 1u << 30)
	NUM("idle_timeout", idle_timeout, 0, 86400 * 365)
	NUM("timeout_ms", timeout_ms, 10, 600000)
	NUM("queue_limit", queue_limit, 1, 1u << 20)
	NUM("rescan_ms", rescan_ms, 100, 3600000)
	NUM("max_clients", max_clients, 1, 100000)
	NUM("max_output", max_output, 65536, 1ull << 34)
	NUM("max_answer", max_answer, 4096, 1u << 30)
	NUM("max_subscriptions", max_subscriptions, 1, 100000)
	NUM("drain_timeout", drain_timeout, 1, 3600)
	NUM("auth_timeout", auth_timeout, 1, 3600)
#undef NUM
	if (!strncmp(key, "pin.", 4))
		return set_pin(c, key + 4, v, err, errlen);
	const char *dot = strchr(key, '.');
	if (dot && (size_t)(dot - key) < 64) {
		char sec[64];
		memcpy(sec, key, (size_t)(dot - key));
		sec[dot - key] = 0;
		if (component_index(sec) >= 0)
			return set_comp(c, sec, dot + 1, v, err, errlen);
	}
	snprintf(err, errlen, "unknown setting '%s'", key);
	return -1;
}

static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	char *e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = 0;
	return s;
}

/* "[name]" of a component into section; -1 if not one. */
static int section_line(const char *line, char *section, size_t cap)
{
	char s[1024];
	snprintf(s, sizeof s, "%s", line);
	size_t n = strlen(s);
	if (n < 3 || s[n - 1] != ']')
		return -1;
	s[n - 1] = 0;
	char *name = trim(s + 1);
	if (component_index(name) < 0 || strlen(name) >= cap)
		return -1;
	snprintf(section, cap, "%s", name);
	return 0;
}

int config_load(struct wisd_config *c, const char *path, bool missing_ok)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		if (missing_ok && errno == ENOENT)
			return 0;
		fprintf(stderr, "wisd: %s: %s\n", path, strerror(errno));
		return -1;
	}
	char line[1024], err[200], section[64] = "";
	int lineno = 0, rc = 0;
	while (fgets(line, sizeof line, f)) {
		lineno++;
		char *hash = strchr(line, '#');
		if (hash)
			*hash = 0;
		char *s = trim(line);
		if (!*s)
			continue;
		if (*s == '[') {
			if (section_line(s, section, sizeof section) < 0) {
				fprintf(stderr, "wisd: %s:%d: %s is not [COMPONENT]\n", path,
				        lineno, s);
				rc = -1;
				break;
			}
			continue;
		}
		char *eq = strchr(s, '=');
		if (!eq) {
			fprintf(stderr, "wisd: %s:%d: expected 'key = value'\n", path, lineno);
			rc = -1;
			break;
		}
		*eq = 0;
		int set = section[0] ? set_comp(c, section, trim(s), trim(eq + 1), err, sizeof err)
		                     : config_set(c, trim(s), trim(eq + 1), err, sizeof err);
		if (set < 0) {
			fprintf(stderr, "wisd: %s:%d: %s\n", path, lineno, err);
			rc = -1;
			break;
		}
	}
	fclose(f);
	return rc;
}

/*
 * Fuzz target: wisd's config parser (daemon/config.c) and the component
 * sections it hands on (component.h).  The input is a config file; it is
 * loaded as wisd would load --config (through a memfd, so no file is
 * written), then each of its lines is applied again as a command-line
 * override (--set, config_set()).  Whatever the input, the parser must not
 * crash, leak or read out of bounds, and what it accepted must hold:
 * strings terminated within their fields, at most WISD_MAX_INIT_PINS pins
 * each with a known mode, and an accepted tcp setting that parses.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "wisrpc/protocol.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FIELD_OK(f) (strnlen((f), sizeof(f)) < sizeof(f))

static void check(const struct wisd_config *c, int rc)
{
	if (!FIELD_OK(c->device) || !FIELD_OK(c->socket) || !FIELD_OK(c->tcp) ||
	    !FIELD_OK(c->group) || !FIELD_OK(c->sim_path) || !FIELD_OK(c->sim_args) ||
	    !FIELD_OK(c->serial))
		abort();
	if (c->npins < 0 || c->npins > WISD_MAX_INIT_PINS)
		abort();
	for (int i = 0; i < c->npins; i++)
		if (!FIELD_OK(c->pins[i].name) || c->pins[i].mode > WIS_GPIO__MODE_COUNT - 1 ||
		    c->pins[i].level > 1)
			abort();
	if (rc == 0 && c->tcp[0]) {
		char addr[64], err[200];
		int port;
		if (config_parse_tcp(c->tcp, addr, sizeof addr, &port, err, sizeof err) < 0 ||
		    port < 1 || port > 65535)
			abort();
	}
}

/* Findings that became regression tests: values the parser once took. */
static void regressions(void)
{
	static const char *const refused[][2] = {
	    /* sscanf's %d wrapped it to level 1 (static analysis, cert-err34-c) */
	    {"pin.IO1", "output 4294967297"},
	    {"pin.IO1", "output 1 1"},
	    {"pin.IO1", "output -0x1"},
	};
	char err[200];
	for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
		struct wisd_config c;
		if (config_defaults(&c) < 0)
			abort();
		if (config_set(&c, refused[i][0], refused[i][1], err, sizeof err) == 0 || c.npins) {
			fprintf(stderr, "config: %s = %s was accepted\n", refused[i][0],
			        refused[i][1]);
			abort();
		}
		config_free(&c);
	}
	struct wisd_config c;
	if (config_defaults(&c) < 0 ||
	    config_set(&c, "pin.IO1", " output 1 ", err, sizeof err) < 0 || c.npins != 1 ||
	    c.pins[0].level != 1)
		abort();
	config_free(&c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	static char path[64];
	if (fd < 0) {
		log_setup(LOG_LVL_ERROR, false);
		fd = memfd_create("wisd-fuzz.conf", 0);
		if (fd < 0)
			abort();
		snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
		regressions();
	}
	if (ftruncate(fd, 0) < 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
		abort();

	struct wisd_config c;
	if (config_defaults(&c) < 0)
		abort();
	check(&c, config_load(&c, path, false));

	/* The same lines as --set KEY=VALUE overrides, on top of the file. */
	char line[1100], err[200];
	size_t at = 0;
	while (at < size) {
		const uint8_t *nl = memchr(data + at, '\n', size - at);
		size_t n = nl ? (size_t)(nl - (data + at)) : size - at;
		size_t k = n < sizeof line - 1 ? n : sizeof line - 1;
		memcpy(line, data + at, k);
		line[k] = 0;
		at += n + 1;
		char *eq = strchr(line, '=');
		if (!eq)
			continue;
		*eq = 0;
		check(&c, config_set(&c, line, eq + 1, err, sizeof err));
		if (!FIELD_OK(err))
			abort();
	}
	config_free(&c);
	return 0;
}

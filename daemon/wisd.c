/*
 * wisd main: settings (defaults < config file < WISD_SOCKET < options),
 * start-up of the parts in wisd.h, signals, and the clean shutdown.
 *
 * Shutdown (SIGTERM/SIGINT): stop accepting and reading, let every request
 * already taken from a client finish at the device and its answer reach
 * the client's socket, then close.  Bounded by 5 s; a second signal skips
 * the wait.  SIGHUP closes and reopens the device.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>

#include "wisd.h"

/* The config file the installed unit names: meson's sysconfdir
 * (/etc with --prefix=/usr, /usr/local/etc with the default prefix). */
#ifndef WISD_CONFIG_PATH
#define WISD_CONFIG_PATH WISD_DEFAULT_CONFIG
#endif

#define STOP_GRACE_MS 5000
#define STOP_FLUSH_MS 500

static void usage(FILE *f)
{
	fprintf(f, "usage: wisd [options]\n"
	           "Share a RAK4631 (wisrpc firmware) with many clients over JSON-RPC 2.0.\n\n"
	           "  -d, --device PATH|auto|sim  module: a port or tcp://HOST:PORT, discovery\n"
	           "                              by USB VID/PID (default auto), or an embedded\n"
	           "                              simulator\n"
	           "  -s, --socket PATH           Unix socket (default " WISD_DEFAULT_SOCKET ",\n"
	           "                              env WISD_SOCKET)\n"
	           "  -t, --tcp [ADDR:]PORT       also listen on TCP (address default 127.0.0.1;\n"
	           "                              any other address: a warning, no client check)\n"
	           "  -c, --config FILE           settings file (default, read if present:\n"
	           "                              " WISD_CONFIG_PATH ")\n"
	           "  -g, --group NAME            group of the socket (mode 0660)\n"
	           "  -l, --log-level LEVEL       error, warn, info (default) or debug\n"
	           "  -v, --verbose               same as --log-level debug\n"
	           "      --syslog                log to syslog instead of stderr\n"
	           "      --sim-path FILE         wisrpc-sim binary for --device sim\n"
	           "      --sim-args ARGS         extra simulator arguments (\"--wire IO1:IO2\")\n"
	           "      --set KEY=VALUE         any config file setting (see docs/api.md)\n"
	           "  -h, --help                  this text\n"
	           "  -V, --version               print the version\n");
}

static const struct option opts[] = {
    {"device", required_argument, 0, 'd'},   {"socket", required_argument, 0, 's'},
    {"tcp", required_argument, 0, 't'},      {"config", required_argument, 0, 'c'},
    {"group", required_argument, 0, 'g'},    {"log-level", required_argument, 0, 'l'},
    {"verbose", no_argument, 0, 'v'},        {"syslog", no_argument, 0, 'S'},
    {"sim-path", required_argument, 0, 'P'}, {"sim-args", required_argument, 0, 'A'},
    {"set", required_argument, 0, 'o'},      {"help", no_argument, 0, 'h'},
    {"version", no_argument, 0, 'V'},        {0, 0, 0, 0},
};

static int parse_args(struct wisd_config *c, int argc, char **argv)
{
	const char *cfg = NULL;
	int ch;
	/* First pass: only --config, --help, --version, so the file can be
	 * loaded before the other options override it. */
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "d:s:t:c:g:l:vhV", opts, NULL)) != -1) {
		if (ch == 'c')
			cfg = optarg;
		else if (ch == 'h') {
			usage(stdout);
			exit(0);
		} else if (ch == 'V') {
			printf("wisd %s\n", WIS_LIB_VERSION);
			exit(0);
		}
	}
	/* The default file may be missing (a fresh `meson install`, or one
	 * removed on purpose): wisd then runs on its defaults instead of
	 * failing, so that the unit, which names it, does not restart in a
	 * loop.  Any other file named with --config must exist. */
	bool is_default = !cfg || !strcmp(cfg, WISD_CONFIG_PATH);
	if (cfg && is_default && access(cfg, F_OK) != 0)
		fprintf(stderr, "wisd: %s: not found, running on the defaults\n", cfg);
	if (config_load(c, cfg ? cfg : WISD_CONFIG_PATH, is_default) < 0)
		return -1;
	const char *env = getenv("WISD_SOCKET");
	if (env && *env)
		snprintf(c->socket, sizeof c->socket, "%s", env);
	optind = 1;
	opterr = 1;
	char err[200];
	while ((ch = getopt_long(argc, argv, "d:s:t:c:g:l:vhV", opts, NULL)) != -1) {
		const char *key = NULL, *val = optarg;
		char kv[300];
		switch (ch) {
		case 'd':
			key = "device";
			break;
		case 's':
			key = "socket";
			break;
		case 't':
			key = "tcp";
			break;
		case 'g':
			key = "group";
			break;
		case 'l':
			key = "log_level";
			break;
		case 'v':
			key = "log_level";
			val = "debug";
			break;
		case 'S':
			key = "syslog";
			val = "yes";
			break;
		case 'P':
			key = "sim_path";
			break;
		case 'A':
			key = "sim_args";
			break;
		case 'c':
			continue;
		case 'o': {
			snprintf(kv, sizeof kv, "%s", optarg);
			char *eq = strchr(kv, '=');
			if (!eq) {
				fprintf(stderr, "wisd: --set %s: expected KEY=VALUE\n", optarg);
				return -1;
			}
			*eq = 0;
			key = kv;
			val = eq + 1;
			break;
		}
		default:
			fprintf(stderr, "wisd: try --help\n");
			return -1;
		}
		if (config_set(c, key, val, err, sizeof err) < 0) {
			fprintf(stderr, "wisd: %s\n", err);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "wisd: unexpected argument '%s' (try --help)\n", argv[optind]);
		return -1;
	}
	return 0;
}

/* TCP clients are not checked at all (no credentials as on the Unix
 * socket): listening beyond loopback hands the module to the network. */
static void warn_tcp(const struct wisd_config *c)
{
	char addr[64], err[160];
	int port;
	if (!c->tcp[0] || config_parse_tcp(c->tcp, addr, sizeof addr, &port, err, sizeof err) < 0)
		return;
	unsigned char a[16];
	bool loop =
	    (inet_pton(AF_INET, addr, a) == 1 && a[0] == 127) ||
	    (inet_pton(AF_INET6, addr, a) == 1 && IN6_IS_ADDR_LOOPBACK((const struct in6_addr *)a));
	if (!loop)
		log_warn("--tcp %s: listening on a non-loopback address; anyone who can reach "
		         "port %d may drive the module (TCP clients are not checked): prefer "
		         "127.0.0.1 and an SSH tunnel",
		         addr, port);
}

/* ---- shutdown -------------------------------------------------------------------- */

static void close_all(struct wisd *d)
{
	uv_timer_stop(&d->stop_timer);
	components_stop(d);
	devmgr_stop(d);
	uv_close((uv_handle_t *)&d->stop_timer, NULL);
	uv_close((uv_handle_t *)&d->sig_term, NULL);
	uv_close((uv_handle_t *)&d->sig_int, NULL);
	uv_close((uv_handle_t *)&d->sig_hup, NULL);
}

/* Every request taken from a client gets an answer, even when the device
 * does not give one in time: those still queued get SHUTTING_DOWN, those
 * at the device are completed by closing it (CANCELLED), and the clients
 * stay open a little longer so that the answers reach them. */
static void abandon_requests(struct wisd *d)
{
	unsigned busy = wisj_ctx_inflight(d->jctx) + wisj_ctx_queued(d->jctx);
	if (busy)
		log_warn("stopping: %u requests the device has not answered are answered now",
		         busy);
	d->abandoning = true;
	wisj_ctx_cancel_queued(d->jctx, WISJ_SHUTTING_DOWN,
	                       "wisd is shutting down: the request was not sent in time");
	devmgr_stop(d);
}

static void on_stop_timer(uv_timer_t *t)
{
	struct wisd *d = t->data;
	unsigned busy = wisj_ctx_inflight(d->jctx) + wisj_ctx_queued(d->jctx);
	bool flushed = !components_busy(d);
	if (busy == 0 && flushed) {
		close_all(d);
	} else if (uv_now(d->loop) >= d->stop_deadline) {
		if (!d->abandoning) {
			abandon_requests(d);
			d->stop_deadline = uv_now(d->loop) + STOP_FLUSH_MS;
			return;
		}
		if (!flushed)
			log_warn("stopping with answers not yet read by their clients");
		close_all(d);
	}
}

static void on_signal(uv_signal_t *s, int sig)
{
	struct wisd *d = s->data;
	if (sig == SIGHUP) {
		if (!d->stopping)
			devmgr_reopen(d);
		return;
	}
	if (d->stopping) {
		log_warn("second signal: stopping now");
		if (!d->abandoning)
			abandon_requests(d);
		close_all(d);
		return;
	}
	log_info("%s: finishing %u requests in flight, then stopping",
	         sig == SIGTERM ? "SIGTERM" : "SIGINT",
	         wisj_ctx_inflight(d->jctx) + wisj_ctx_queued(d->jctx));
	d->stopping = true;
	components_quiesce(d);
	d->stop_deadline = uv_now(d->loop) + STOP_GRACE_MS;
	uv_timer_start(&d->stop_timer, on_stop_timer, 0, 5);
}

int main(int argc, char **argv)
{
	struct wisd d;
	memset(&d, 0, sizeof d);
	char err[200];
	if (wisj_table_check(err, sizeof err) < 0) {
		fprintf(stderr, "wisd: method table: %s\n", err);
		return 1;
	}
	if (config_defaults(&d.cfg) < 0 || parse_args(&d.cfg, argc, argv) < 0) {
		config_free(&d.cfg);
		return 2;
	}
	log_setup((enum log_level)d.cfg.log_level, d.cfg.syslog);
	warn_tcp(&d.cfg);
	signal(SIGPIPE, SIG_IGN);
	/* A file a client passed for flash.stream that grows past a file-size
	 * limit (systemd's LimitFSIZE=) fails that stream with EFBIG; the
	 * default action would end the daemon. */
	signal(SIGXFSZ, SIG_IGN);

	d.loop = uv_default_loop();
	d.started_ms = uv_now(d.loop);
	d.jctx = wisj_ctx_new();
	d.tok = json_tokener_new_ex(d.cfg.max_depth);
	if (!d.jctx || !d.tok || state_init(&d) < 0 || devmgr_init(&d) < 0) {
		log_error("out of memory");
		return 1;
	}
	/* Until credentials map to classes, every socket client may do all. */
	wisj_ctx_set_timeout(d.jctx, d.cfg.timeout_ms);
	wisj_ctx_set_queue_limit(d.jctx, d.cfg.queue_limit);
	wisj_ctx_set_radio_region(d.jctx, d.cfg.radio_region);
	dispatch_init(&d);

	uv_signal_init(d.loop, &d.sig_term);
	uv_signal_init(d.loop, &d.sig_int);
	uv_signal_init(d.loop, &d.sig_hup);
	uv_timer_init(d.loop, &d.stop_timer);
	d.sig_term.data = d.sig_int.data = d.sig_hup.data = d.stop_timer.data = &d;
	uv_signal_start(&d.sig_term, on_signal, SIGTERM);
	uv_signal_start(&d.sig_int, on_signal, SIGINT);
	uv_signal_start(&d.sig_hup, on_signal, SIGHUP);

	int rc = 0;
	if (components_start(&d) < 0 || devmgr_start(&d) < 0) {
		rc = 1;
		d.stopping = true;
		components_quiesce(&d);
		close_all(&d);
	} else {
		log_info("wisd %s ready: try  wisctl --socket %s info", WIS_LIB_VERSION,
		         d.cfg.socket);
	}
	uv_run(d.loop, UV_RUN_DEFAULT);
	log_set_hook(NULL, NULL);
	if (uv_loop_close(d.loop) != 0)
		log_debug("loop closed with handles still open");
	devmgr_free(&d);
	/* Calls still queued fail now, their callbacks included: then the
	 * components that made them may go. */
	wisj_ctx_free(d.jctx);
	components_release(&d);
	spares_free(&d.spare_reqs);
	spares_free(&d.spare_calls);
	json_tokener_free(d.tok);
	state_free(&d);
	owner_free(&d);
	watch_free(&d);
	free(d.rbuf);
	config_free(&d.cfg);
	if (rc == 0)
		log_info("stopped");
	log_close();
	return rc;
}

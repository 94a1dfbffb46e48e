/*
 * wisd --device sim, the simulator component: runs wisrpc-sim as a child on
 * its own pseudo-terminal and provides the device manager with the pty path
 * from the simulator's ready line ("wisrpc-sim ready pty=/dev/pts/N
 * link=PATH control=PATH").  If the child dies the device manager is told
 * and a new one is started after a pause; the simulator's other output is
 * passed to the log at debug level.  daemon.status "device" shows its
 * control socket and pid (sim_control, sim_pid).
 *
 * The binary is found, in order: sim_path from the config; for a wisd run
 * from where meson installed it, the wisrpc-sim installed with it (also
 * under a relocated root: DESTDIR, `dpkg -x`); for the wisd of the build
 * tree, the build tree's; next to wisd; then $PATH.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wisd.h"

#define SETPRIV "/usr/bin/setpriv"

/* From daemon/meson.build: where meson builds wisd and wisrpc-sim, and
 * where it installs them. */
#ifndef WISD_SIM_BUILD_PATH
#define WISD_SIM_BUILD_PATH ""
#endif
#ifndef WISD_SIM_INSTALL_PATH
#define WISD_SIM_INSTALL_PATH ""
#endif
#ifndef WISD_BUILD_DIR
#define WISD_BUILD_DIR ""
#endif
#ifndef WISD_INSTALL_DIR
#define WISD_INSTALL_DIR ""
#endif

struct sim;
typedef void (*sim_ready_cb)(struct wisd *d, const char *pty);
typedef void (*sim_exit_cb)(struct wisd *d);

struct sim {
	struct wisd *d;
	uv_process_t proc;
	uv_pipe_t out;
	bool running, out_open, ready;
	int handles; /* open libuv handles; freed when the last one closes */
	sim_ready_cb on_ready;
	sim_exit_cb on_exit;
	char linebuf[512];
	size_t linelen;
	char control[120];
	char rbuf[1024];
};

static bool executable(const char *p)
{
	return p[0] && access(p, X_OK) == 0;
}

static void find_binary(struct wisd *d, char *out, size_t cap) /* cap >= 600 */
{
	if (d->cfg.sim_path[0]) {
		snprintf(out, cap, "%s", d->cfg.sim_path);
		return;
	}
	char exe[400];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	char *slash = n > 0 ? (exe[n] = 0, strrchr(exe, '/')) : NULL;
	if (slash) {
		*slash = 0; /* exe: wisd's directory */
		size_t el = strlen(exe), il = strlen(WISD_INSTALL_DIR);
		/* Installed: the simulator installed with this wisd, under the
		 * same root (exe is ROOT + the install dir; ROOT is "" when
		 * not relocated). */
		if (il && el >= il && !strcmp(exe + el - il, WISD_INSTALL_DIR)) {
			snprintf(out, cap, "%.*s%s", (int)(el - il), exe, WISD_SIM_INSTALL_PATH);
			if (executable(out))
				return;
		}
		/* The build tree's wisd runs the build tree's simulator. */
		if (!strcmp(exe, WISD_BUILD_DIR) && executable(WISD_SIM_BUILD_PATH)) {
			snprintf(out, cap, "%s", WISD_SIM_BUILD_PATH);
			return;
		}
		snprintf(out, cap, "%s/wisrpc-sim", exe);
		if (executable(out))
			return;
	}
	snprintf(out, cap, "wisrpc-sim"); /* $PATH */
}

static void on_line(struct sim *s, char *line)
{
	const char *pty = strstr(line, "pty=");
	if (!s->ready && strstr(line, "wisrpc-sim ready") && pty) {
		char path[256];
		if (sscanf(pty + 4, "%255s", path) == 1) {
			s->ready = true;
			log_info("simulator ready on %s (pid %d, control %s)", path, s->proc.pid,
			         s->control);
			s->on_ready(s->d, path);
			return;
		}
	}
	log_debug("sim: %s", line);
}

static void alloc_cb(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
	(void)hint;
	struct sim *s = h->data;
	*buf = uv_buf_init(s->rbuf, sizeof s->rbuf);
}

static void on_closed(uv_handle_t *h)
{
	struct sim *s = h->data;
	if (h == (uv_handle_t *)&s->out)
		s->out_open = false;
	else
		s->running = false;
	if (--s->handles == 0)
		free(s);
}

static void on_read(uv_stream_t *st, ssize_t n, const uv_buf_t *buf)
{
	struct sim *s = st->data;
	if (n < 0) {
		uv_read_stop(st);
		if (!uv_is_closing((uv_handle_t *)st))
			uv_close((uv_handle_t *)st, on_closed);
		return;
	}
	for (ssize_t i = 0; i < n; i++) {
		char ch = buf->base[i];
		if (ch == '\n' || s->linelen == sizeof s->linebuf - 1) {
			s->linebuf[s->linelen] = 0;
			s->linelen = 0;
			on_line(s, s->linebuf);
		} else {
			s->linebuf[s->linelen++] = ch;
		}
	}
}

static void on_proc_exit(uv_process_t *p, int64_t status, int sig)
{
	struct sim *s = p->data;
	sim_exit_cb cb = s->on_exit;
	struct wisd *d = s->d;
	if (cb)
		log_warn("simulator (pid %d) exited: status %lld signal %d", p->pid,
		         (long long)status, sig);
	uv_close((uv_handle_t *)p, on_closed);
	if (s->out_open && !uv_is_closing((uv_handle_t *)&s->out))
		uv_close((uv_handle_t *)&s->out, on_closed);
	if (cb)
		cb(d);
}

static struct sim *sim_start(struct wisd *d, sim_ready_cb ready, sim_exit_cb gone)
{
	struct sim *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	s->d = d;
	s->on_ready = ready;
	s->on_exit = gone;
	snprintf(s->control, sizeof s->control, "%s.sim", d->cfg.socket);
	unlink(s->control); /* a control socket left by a previous run */

	char bin[600], argbuf[256];
	char *argv[44];
	int argc = 0;
	find_binary(d, bin, sizeof bin);
	/* If wisd is killed outright the simulator must not live on as an
	 * orphan: util-linux setpriv gives it a parent-death signal (the loop
	 * thread, which spawns it, lives as long as wisd). */
	if (executable(SETPRIV)) {
		argv[argc++] = SETPRIV;
		argv[argc++] = "--pdeathsig";
		argv[argc++] = "TERM";
		argv[argc++] = "--";
	}
	argv[argc++] = bin;
	argv[argc++] = "--control";
	argv[argc++] = s->control;
	snprintf(argbuf, sizeof argbuf, "%s", d->cfg.sim_args);
	for (char *save = NULL, *t = strtok_r(argbuf, " \t", &save); t && argc < 42;
	     t = strtok_r(NULL, " \t", &save))
		argv[argc++] = t;
	argv[argc] = NULL;

	uv_pipe_init(d->loop, &s->out, 0);
	s->out.data = s;
	s->proc.data = s;
	s->out_open = true;
	uv_stdio_container_t stdio[3] = {
	    {.flags = UV_IGNORE},
	    {.flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE, .data.stream = (uv_stream_t *)&s->out},
	    {.flags = UV_INHERIT_FD, .data.fd = 2},
	};
	uv_process_options_t o = {.file = argv[0],
	                          .args = argv,
	                          .exit_cb = on_proc_exit,
	                          .stdio_count = 3,
	                          .stdio = stdio};
	int rc = uv_spawn(d->loop, &s->proc, &o);
	if (rc < 0) {
		log_error(
		    "cannot start the simulator %s: %s (set sim_path or put wisrpc-sim in PATH)",
		    bin, uv_strerror(rc));
		s->handles = 2;
		uv_close((uv_handle_t *)&s->proc, on_closed);
		uv_close((uv_handle_t *)&s->out, on_closed);
		return NULL;
	}
	s->running = true;
	s->handles = 2;
	log_info("started simulator %s (pid %d)", bin, s->proc.pid);
	uv_read_start((uv_stream_t *)&s->out, alloc_cb, on_read);
	return s;
}

static const char *sim_control_path(struct sim *s)
{
	return s->control;
}

static int sim_pid(struct sim *s)
{
	return s->running ? s->proc.pid : 0;
}

static void sim_stop(struct sim *s)
{
	if (!s)
		return;
	s->on_exit = NULL;
	if (s->running && !uv_is_closing((uv_handle_t *)&s->proc))
		uv_process_kill(&s->proc, SIGTERM);
}

/* ---- the component ----------------------------------------------------------- */

/* The simulator being run, and the timer that restarts it after a crash. */
struct simcomp {
	struct wisd *d;
	struct sim *sim;
	uv_timer_t restart;
	bool stopping;
	char control[120]; /* of the last one started: shown while restarting */
};

static struct simcomp *simcomp_of(struct wisd *d)
{
	int i = component_index("sim");
	return i >= 0 && d->comps[i].started ? d->comps[i].priv : NULL;
}

static void sim_ready(struct wisd *d, const char *pty)
{
	devmgr_path_ready(d, pty);
}

static void on_restart(uv_timer_t *t);

static void sim_gone(struct wisd *d)
{
	struct simcomp *sc = simcomp_of(d);
	if (!sc)
		return;
	sc->sim = NULL;
	devmgr_path_gone(d, "simulator exited");
	/* A crash loop must not spin: restart after a pause. */
	if (!sc->stopping)
		uv_timer_start(&sc->restart, on_restart, 500, 0);
}

static void on_restart(uv_timer_t *t)
{
	struct simcomp *sc = t->data;
	if (!sc->stopping && !sc->sim)
		sc->sim = sim_start(sc->d, sim_ready, sim_gone);
	if (!sc->sim && !sc->stopping)
		uv_timer_start(&sc->restart, on_restart, 500, 0);
}

static json_object *simcomp_status(void *user)
{
	struct simcomp *sc = user;
	json_object *o = json_object_new_object();
	json_object_object_add(
	    o, "sim_control",
	    json_object_new_string(sc->sim ? sim_control_path(sc->sim) : sc->control));
	json_object_object_add(o, "sim_pid", json_object_new_int(sc->sim ? sim_pid(sc->sim) : 0));
	return o;
}

static bool simcomp_enabled(struct wisd *d, const void *cfg)
{
	(void)cfg;
	return !strcmp(d->cfg.device, "sim");
}

static int simcomp_start(struct wisd *d, struct wisd_comp *self)
{
	struct simcomp *sc = calloc(1, sizeof *sc);
	if (!sc)
		return -1;
	self->priv = sc;
	sc->d = d;
	uv_timer_init(d->loop, &sc->restart);
	sc->restart.data = sc;
	devmgr_provide(d, "sim", simcomp_status, sc);
	sc->sim = sim_start(d, sim_ready, sim_gone);
	if (sc->sim)
		snprintf(sc->control, sizeof sc->control, "%s", sim_control_path(sc->sim));
	return sc->sim ? 0 : -1;
}

static void simcomp_stop(struct wisd *d, struct wisd_comp *self)
{
	(void)d;
	struct simcomp *sc = self->priv;
	if (!sc)
		return;
	sc->stopping = true;
	sim_stop(sc->sim);
	sc->sim = NULL;
	uv_close((uv_handle_t *)&sc->restart, NULL);
}

static void simcomp_release(struct wisd *d, struct wisd_comp *self)
{
	(void)d;
	free(self->priv);
	self->priv = NULL;
}

const struct wisd_component sim_component = {
    .name = "sim",
    .enabled = simcomp_enabled,
    .start = simcomp_start,
    .stop = simcomp_stop,
    .release = simcomp_release,
};

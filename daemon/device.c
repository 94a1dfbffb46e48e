/*
 * wisd device manager: owns the one module.
 *
 *   DOWN --try_open--> OPENING (wis_open in libuv's pool) --ok--> UP
 *     ^                    |fail: retry with backoff              |
 *     +--------------------+<------- link lost / SIGHUP ----------+
 *
 * While UP the library's fd is watched with a uv_poll_t and its deadlines
 * with a timer; wis_process() completes calls and delivers events.  When
 * the link is lost the wisjson context forgets the device first (queued
 * requests fail at once with "device away"), then wis_close() completes the
 * calls already sent, so no client waits for an answer that cannot come.
 * After every (re)connect and every RESET event from the module the
 * declared pin state is re-applied and subscribers get device.state.
 *
 * Paths: an explicit path is retried as given; "auto" discovers by USB
 * VID/PID (following the serial number of the first module found), with
 * libusb hotplug hints plus a periodic rescan; or a component provides the
 * path (the simulator component for "sim", devmgr_provide).
 *
 * Every event and state change is published to every component
 * (wisd_publish), the socket server being one of them.
 */
#include <stdlib.h>
#include <string.h>

#include "hotplug.h"
#include "wisd.h"

enum dstate { D_DOWN, D_OPENING, D_UP, D_CLOSING };
static const char *const state_names[] = {"down", "opening", "up", "closing"};

struct devmgr {
	struct wisd *d;
	enum dstate st;
	wis_device *dev;
	uv_poll_t poll;
	uv_timer_t io_timer, retry_timer;
	uv_prepare_t prep;
	uv_work_t work;
	bool is_auto, provided, stopping, reopen, reset_seen;
	uint8_t reset_cause;
	char path[256]; /* what to open next (provided: its path, "" until ready) */
	char opened_path[256];
	char serial[64]; /* auto: follow this module */
	/* filled by the pool thread */
	wis_device *opened;
	int open_rc;
	char open_err[400];
	char found_serial[64];
	unsigned backoff_ms, fails, connects;
	uint64_t up_since;
	char last_error[400];
	struct hotplug *hp;
	/* a component providing the device (devmgr_provide) */
	char provider_mode[16];
	json_object *(*provider_status)(void *);
	void *provider_user;
};

static void try_open(struct devmgr *m);
static void schedule_retry(struct devmgr *m, unsigned ms);

static void notify_state(struct devmgr *m, const char *state, const char *reason)
{
	json_object *p = json_object_new_object();
	json_object_object_add(p, "state", json_object_new_string(state));
	if (m->opened_path[0])
		json_object_object_add(p, "path", json_object_new_string(m->opened_path));
	if (reason)
		json_object_object_add(p, "reason", json_object_new_string(reason));
	if (m->dev && !strcmp(state, "up")) {
		const struct wis_info *i = wis_get_info(m->dev);
		json_object_object_add(p, "device_id", json_object_new_string(i->device_id_hex));
		json_object_object_add(p, "firmware", json_object_new_string(i->fw_version));
	}
	json_object_object_add(p, "connects", json_object_new_int((int)m->connects));
	wisd_publish(m->d, "device.state", p);
}

/* ---- running ------------------------------------------------------------------ */

static void on_io_timer(uv_timer_t *t);

static void arm_timer(struct devmgr *m)
{
	int t = m->st == D_UP ? wis_next_timeout_ms(m->dev) : -1;
	if (t >= 0)
		uv_timer_start(&m->io_timer, on_io_timer, (uint64_t)t, 0);
	else
		uv_timer_stop(&m->io_timer);
}

/* Requests reach the library from many places (client reads, re-apply,
 * a client leaving), each adding a deadline the timer does not know of;
 * without this a module that stops answering would leave them waiting
 * forever.  Runs before the loop blocks; it only ever brings the timer
 * forward, so a busy loop cannot keep pushing a due deadline back. */
static void on_prepare(uv_prepare_t *p)
{
	struct devmgr *m = p->data;
	if (m->st != D_UP)
		return;
	int t = wis_next_timeout_ms(m->dev);
	if (t >= 0 && (!uv_is_active((uv_handle_t *)&m->io_timer) ||
	               uv_timer_get_due_in(&m->io_timer) > (uint64_t)t))
		uv_timer_start(&m->io_timer, on_io_timer, (uint64_t)t, 0);
}

static void on_reapplied(struct wisd *d, int applied, int failed)
{
	struct devmgr *m = d->dev;
	if (failed)
		log_warn("re-applied %d pin settings, %d failed", applied, failed);
	else if (applied)
		log_info("re-applied %d pin settings", applied);
	if (m->st != D_UP)
		return;
	char why[64];
	snprintf(why, sizeof why, "%d settings re-applied, %d failed", applied, failed);
	notify_state(m, "up", why);
}

static void lost(struct devmgr *m, const char *reason);

static void service(struct devmgr *m)
{
	if (m->st != D_UP)
		return;
	int rc = wis_process(m->dev);
	wisj_ctx_complete(m->d->jctx); /* answers wis_process() left to us */
	if (rc == WIS_E_DISCONNECTED) {
		lost(m, "link closed");
		return;
	}
	wisj_ctx_pump(m->d->jctx);
	if (m->reset_seen && m->st == D_UP) {
		m->reset_seen = false;
		char why[48];
		/* The cause by its protocol name ("request", "watchdog"). */
		snprintf(why, sizeof why, "module reset (cause %s)",
		         wis_name_of(wis_reset_cause_names, m->reset_cause));
		log_warn("%s: re-applying pin state", why);
		notify_state(m, "reset", why);
		state_reapply(m->d, on_reapplied);
	}
	arm_timer(m);
}

static void on_poll(uv_poll_t *p, int status, int events)
{
	(void)events;
	struct devmgr *m = p->data;
	service(m);
	/* libuv reports a hang-up with POLLERR as UV_EBADF and stops the handle;
	 * wis_process() above has normally seen the link close already and
	 * named it better. */
	if (status < 0 && m->st == D_UP)
		lost(m, status == UV_EBADF ? "link error or hang-up" : uv_strerror(status));
}

static void on_io_timer(uv_timer_t *t)
{
	service(t->data);
}

static void on_event(wis_device *dev, const struct wis_event *ev, void *user)
{
	struct devmgr *m = user;
	/* The answers that came before it on the link go out before it. */
	wisj_ctx_complete(m->d->jctx);
	if (ev->type == WIS_EV_RESET) {
		/* Handled after wis_process returns: re-apply sends requests. */
		m->reset_seen = true;
		m->reset_cause = ev->u.reset.cause;
		return;
	}
	const char *topic;
	json_object *p = wisj_event_to_json(dev, ev, &topic);
	if (p)
		wisd_publish(m->d, topic, p);
	if (ev->lost)
		log_warn("module dropped %u events before seq %u", ev->lost, ev->seq);
}

static void attach(struct devmgr *m)
{
	m->dev = m->opened;
	m->opened = NULL;
	m->st = D_UP;
	m->reopen = false; /* a SIGHUP during the open is served by this open */
	m->connects++;
	m->fails = 0;
	m->backoff_ms = 0;
	m->up_since = uv_now(m->d->loop);
	m->last_error[0] = 0;
	if (m->is_auto && m->found_serial[0] && !m->serial[0])
		snprintf(m->serial, sizeof m->serial, "%s", m->found_serial);
	wis_set_event_cb(m->dev, on_event, m);
	uv_poll_init(m->d->loop, &m->poll, wis_fd(m->dev));
	m->poll.data = m;
	uv_poll_start(&m->poll, UV_READABLE, on_poll);
	const struct wis_info *i = wis_get_info(m->dev);
	log_info("device up: %s on %s, firmware %s, id %s%s", i->board, m->opened_path,
	         i->fw_version, i->device_id_hex,
	         (i->caps & WIS_CAP_SIMULATED) ? " (simulated)" : "");
	wisj_ctx_set_device(m->d->jctx, m->dev);
	notify_state(m, "connected", NULL);
	/* Re-apply goes first in the FIFO, before any client request. */
	state_reapply(m->d, on_reapplied);
	service(m);
}

static void on_poll_closed(uv_handle_t *h)
{
	struct devmgr *m = h->data;
	/* Completes every call still at the device with CANCELLED. */
	wis_close(m->dev);
	m->dev = NULL;
	m->st = D_DOWN;
	if (m->stopping)
		return;
	notify_state(m, "down", m->last_error);
	if (m->reopen) {
		m->reopen = false;
		try_open(m);
	} else {
		schedule_retry(m, 100);
	}
}

static void lost(struct devmgr *m, const char *reason)
{
	if (m->st != D_UP)
		return;
	m->st = D_CLOSING;
	snprintf(m->last_error, sizeof m->last_error, "%s", reason);
	if (!m->stopping)
		log_warn("device %s lost: %s", m->opened_path, reason);
	wisj_ctx_set_device(m->d->jctx, NULL);
	uv_timer_stop(&m->io_timer);
	uv_poll_stop(&m->poll);
	uv_close((uv_handle_t *)&m->poll, on_poll_closed);
}

/* ---- opening ------------------------------------------------------------------ */

static void work_open(uv_work_t *w)
{
	struct devmgr *m = w->data;
	struct wis_open_options o;
	wis_open_options_init(&o);
	o.timeout_ms = m->d->cfg.timeout_ms;
	o.window = 32;
	m->found_serial[0] = 0;
	if (m->is_auto) {
		struct wis_found f[8];
		o.serial = m->serial[0] ? m->serial : NULL;
		int n = wis_discover(f, 8, &o);
		if (n <= 0) {
			m->open_rc = n < 0 ? n : WIS_E_NOT_FOUND;
			snprintf(m->open_err, sizeof m->open_err,
			         "no module found (USB %04x:%04x%s%s)", o.usb_vid, o.usb_pid,
			         o.serial ? " serial " : "", o.serial ? o.serial : "");
			return;
		}
		snprintf(m->path, sizeof m->path, "%s", f[0].path);
		snprintf(m->found_serial, sizeof m->found_serial, "%s", f[0].serial);
	}
	snprintf(m->opened_path, sizeof m->opened_path, "%s", m->path);
	m->open_rc = wis_open(&m->opened, m->path, &o);
	if (m->open_rc < 0) {
		const char *d = wis_last_error();
		if (!d || !*d)
			d = wis_strerror(m->open_rc);
		/* The library's text usually names the path already. */
		snprintf(m->open_err, sizeof m->open_err, "%s%s%s",
		         strstr(d, m->path) ? "" : m->path, strstr(d, m->path) ? "" : ": ", d);
	}
}

static void after_open(uv_work_t *w, int status)
{
	struct devmgr *m = w->data;
	if (status == UV_ECANCELED)
		m->open_rc = WIS_E_CANCELLED;
	if (m->stopping) {
		if (m->open_rc == 0)
			wis_close(m->opened);
		m->opened = NULL;
		m->st = D_DOWN;
		return;
	}
	if (m->open_rc == 0) {
		attach(m);
		return;
	}
	m->st = D_DOWN;
	snprintf(m->last_error, sizeof m->last_error, "%s", m->open_err);
	/* Say it once, then quietly keep trying. */
	if (m->fails++ == 0)
		log_warn("cannot open device: %s (retrying)", m->open_err);
	else
		log_debug("cannot open device: %s", m->open_err);
	if (m->reopen) {
		m->reopen = false;
		try_open(m);
		return;
	}
	unsigned ms = m->is_auto ? m->d->cfg.rescan_ms : (m->backoff_ms ? m->backoff_ms * 2 : 100);
	if (ms > 2000 && !m->is_auto)
		ms = 2000;
	m->backoff_ms = ms;
	schedule_retry(m, ms);
}

static void try_open(struct devmgr *m)
{
	if (m->stopping || m->st != D_DOWN)
		return;
	if (m->provided && !m->path[0])
		return; /* waiting for the provider's path */
	uv_timer_stop(&m->retry_timer);
	m->st = D_OPENING;
	m->work.data = m;
	uv_queue_work(m->d->loop, &m->work, work_open, after_open);
}

static void on_retry(uv_timer_t *t)
{
	try_open(t->data);
}

static void schedule_retry(struct devmgr *m, unsigned ms)
{
	if (!m->stopping)
		uv_timer_start(&m->retry_timer, on_retry, ms, 0);
}

/* ---- providers and hotplug ----------------------------------------------------- */

void devmgr_provide(struct wisd *d, const char *mode, json_object *(*status)(void *), void *user)
{
	struct devmgr *m = d->dev;
	m->provided = true;
	snprintf(m->provider_mode, sizeof m->provider_mode, "%s", mode);
	m->provider_status = status;
	m->provider_user = user;
}

void devmgr_path_ready(struct wisd *d, const char *path)
{
	struct devmgr *m = d->dev;
	snprintf(m->path, sizeof m->path, "%s", path);
	if (m->st == D_DOWN)
		try_open(m);
	else if (m->st == D_UP)
		devmgr_reopen(d);
}

void devmgr_path_gone(struct wisd *d, const char *why)
{
	struct devmgr *m = d->dev;
	m->path[0] = 0;
	if (!m->stopping)
		lost(m, why);
}

static void on_hotplug(void *user, bool arrived)
{
	struct devmgr *m = user;
	/* The /dev node may lag the USB event: try soon, retries follow. */
	if (arrived && m->st == D_DOWN)
		schedule_retry(m, 300);
}

/* ---- interface ------------------------------------------------------------------- */

int devmgr_init(struct wisd *d)
{
	struct devmgr *m = calloc(1, sizeof *m);
	if (!m)
		return -1;
	d->dev = m;
	m->d = d;
	uv_timer_init(d->loop, &m->io_timer);
	m->io_timer.data = m;
	uv_timer_init(d->loop, &m->retry_timer);
	m->retry_timer.data = m;
	uv_prepare_init(d->loop, &m->prep);
	m->prep.data = m;
	uv_prepare_start(&m->prep, on_prepare);
	uv_unref((uv_handle_t *)&m->prep);
	return 0;
}

int devmgr_start(struct wisd *d)
{
	struct devmgr *m = d->dev;
	if (m->provided)
		return 0; /* opens once the provider has a path */
	m->is_auto = !strcmp(d->cfg.device, "auto");
	snprintf(m->serial, sizeof m->serial, "%s", d->cfg.serial);
	if (m->is_auto)
		m->hp = hotplug_start(d->loop, 0x239A, 0x8029, on_hotplug, m);
	else
		snprintf(m->path, sizeof m->path, "%s", d->cfg.device);
	try_open(m);
	return 0;
}

void devmgr_reopen(struct wisd *d)
{
	struct devmgr *m = d->dev;
	log_info("reopening the device");
	if (m->st == D_UP) {
		m->reopen = true;
		lost(m, "reopen requested");
	} else if (m->st == D_DOWN) {
		try_open(m);
	} else {
		m->reopen = true;
	}
}

bool devmgr_up(struct wisd *d)
{
	return d->dev && d->dev->st == D_UP;
}

void devmgr_stop(struct wisd *d)
{
	struct devmgr *m = d->dev;
	if (!m || m->stopping)
		return;
	m->stopping = true;
	lost(m, "shutting down");
	uv_close((uv_handle_t *)&m->io_timer, NULL);
	uv_close((uv_handle_t *)&m->retry_timer, NULL);
	uv_close((uv_handle_t *)&m->prep, NULL);
	hotplug_stop(m->hp);
	m->hp = NULL;
}

void devmgr_free(struct wisd *d)
{
	free(d->dev);
	d->dev = NULL;
}

json_object *devmgr_status(struct wisd *d)
{
	struct devmgr *m = d->dev;
	json_object *o = json_object_new_object();
	json_object_object_add(o, "state", json_object_new_string(state_names[m->st]));
	json_object_object_add(o, "mode",
	                       json_object_new_string(m->provided  ? m->provider_mode
	                                              : m->is_auto ? "auto"
	                                                           : "path"));
	json_object_object_add(o, "path", json_object_new_string(m->opened_path));
	json_object_object_add(o, "connects", json_object_new_int((int)m->connects));
	if (m->st == D_UP)
		json_object_object_add(
		    o, "up_s",
		    json_object_new_int64((int64_t)(uv_now(d->loop) - m->up_since) / 1000));
	if (m->last_error[0])
		json_object_object_add(o, "last_error", json_object_new_string(m->last_error));
	if (m->provider_status) {
		json_object *ps = m->provider_status(m->provider_user);
		json_object_object_foreach(ps, key, val)
		{
			json_object_object_add(o, key, json_object_get(val));
		}
		json_object_put(ps);
	}
	return o;
}

/*
 * The uartpty component: a module UART as a pseudo-terminal on the host, so
 * that minicom, picocom or pyserial use it like a USB-serial adapter.
 *
 * "[uartpty] uart0 = /run/wisd/uart0" (or --set uartpty.uart0=PATH; uart1
 * likewise) makes a pty with posix_openpt() and a symlink PATH to its
 * /dev/pts/N.  As an internal client ("uartpty", class control) it claims
 * the port, so no other client writes to it or reconfigures it, configures
 * it whenever the device comes up, sends what a host program writes to the
 * pty with uart.write (the part the port did not take is sent again), and
 * writes the bytes of every uart.rx notification of that port to the pty.
 * The pty's termios is the port's setting: a host program that sets the
 * speed or CSTOPB gets a uart.config with them (checked every 200 ms and
 * before each write).  Parity cannot come that way: Linux's pty driver
 * clears PARENB on every tcsetattr (drivers/tty/pty.c, pty_set_termios),
 * so it is the "parity" setting (none or even: the nRF52840 UARTE has no
 * odd parity).  daemon.status "components.uartpty" shows each port.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "wisd.h"

#define NPORTS 2
#define TO_DEV_CAP 4096   /* bytes read from the pty, not yet taken by the port */
#define TO_HOST_CAP 65536 /* bytes received, not yet taken by the pty */
/* Bytes per uart.write: the most one UART_WRITE takes. */
#define CHUNK WIS_UART_WRITE_MAX

struct uartpty_cfg {
	char path[NPORTS][256]; /* symlink to the pty, "" = port not exposed */
	uint32_t baud;          /* until the host program sets another */
	uint8_t parity;         /* 0 none, 1 even */
};

struct port {
	struct uartpty *u;
	int idx;
	int master, slave; /* the slave is held open so the master never sees EIO */
	char pts[64];
	uv_poll_t poll;
	bool poll_init;
	unsigned events; /* current uv_poll events */
	uint8_t to_dev[TO_DEV_CAP];
	size_t to_dev_len;
	uint8_t *to_host;
	size_t to_host_len;
	bool writing;    /* a uart.write in flight */
	bool configured; /* the port runs baud/parity/stop (since the device came up) */
	bool configuring;
	bool linked; /* the symlink is ours */
	uint32_t baud;
	uint8_t parity, stop;
	uint64_t sent, received, dropped, writes;
	char error[280];
};

struct uartpty {
	struct wisd *d;
	struct wisd_caller who;
	const struct uartpty_cfg *cfg;
	struct port port[NPORTS];
	uv_timer_t timer;
	bool timer_init, stopped;
	char claim[280];
};

static const char *const port_names[NPORTS] = {"uart0", "uart1"};

static void cfg_init(void *cfg)
{
	struct uartpty_cfg *c = cfg;
	memset(c, 0, sizeof *c);
	c->baud = 115200;
}

static int cfg_set(void *cfg, const char *key, const char *value, char *err, size_t errlen)
{
	struct uartpty_cfg *c = cfg;
	for (int i = 0; i < NPORTS; i++)
		if (!strcmp(key, port_names[i])) {
			if (*value && (value[0] != '/' || strlen(value) >= sizeof c->path[i])) {
				snprintf(err, errlen, "'%s' is not an absolute path of < %zu bytes",
				         value, sizeof c->path[i]);
				return -1;
			}
			snprintf(c->path[i], sizeof c->path[i], "%s", value);
			return 0;
		}
	if (!strcmp(key, "parity")) {
		int v = wis_name_index(wis_uart_parity_names, value);
		if (v < 0) {
			snprintf(err, errlen, "'%s' is not none or even", value);
			return -1;
		}
		c->parity = (uint8_t)v;
		return 0;
	}
	if (!strcmp(key, "baud")) {
		char *end;
		unsigned long b = strtoul(value, &end, 10);
		if (*end || b < WIS_UART_BAUD_MIN || b > WIS_UART_BAUD_MAX) {
			snprintf(err, errlen, "'%s' is not %u..%u", value, WIS_UART_BAUD_MIN,
			         WIS_UART_BAUD_MAX);
			return -1;
		}
		c->baud = (uint32_t)b;
		return 0;
	}
	snprintf(err, errlen, "unknown setting (uart0, uart1, baud, parity)");
	return -1;
}

static bool enabled(struct wisd *d, const void *cfg)
{
	(void)d;
	const struct uartpty_cfg *c = cfg;
	return c->path[0][0] || c->path[1][0];
}

/* ---- termios <-> uart settings ---- */

static const struct {
	speed_t code;
	uint32_t baud;
} speeds[] = {{B1200, 1200},     {B2400, 2400},      {B4800, 4800},     {B9600, 9600},
              {B19200, 19200},   {B38400, 38400},    {B57600, 57600},   {B115200, 115200},
              {B230400, 230400}, {B460800, 460800},  {B500000, 500000}, {B576000, 576000},
              {B921600, 921600}, {B1000000, 1000000}};

static speed_t speed_code(uint32_t baud)
{
	for (size_t i = 0; i < sizeof speeds / sizeof speeds[0]; i++)
		if (speeds[i].baud == baud)
			return speeds[i].code;
	return B115200;
}

static uint32_t speed_baud(speed_t code)
{
	for (size_t i = 0; i < sizeof speeds / sizeof speeds[0]; i++)
		if (speeds[i].code == code)
			return speeds[i].baud;
	return 0;
}

static void rearm(struct port *p);
static void kick_write(struct port *p);

static void on_configured(void *user, json_object *result, struct wisj_error *err)
{
	struct port *p = user;
	p->configuring = false;
	if (result) {
		p->configured = true;
		p->error[0] = 0;
		json_object_put(result);
	} else {
		snprintf(p->error, sizeof p->error, "uart.config: %s", err->message);
	}
	if (p->u->stopped)
		return;
	if (!result)
		log_warn("uartpty %s: %s", port_names[p->idx], p->error);
	kick_write(p);
	rearm(p);
}

static void configure(struct port *p)
{
	json_object *a = json_object_new_object();
	json_object_object_add(a, "port", json_object_new_string(port_names[p->idx]));
	json_object_object_add(a, "baud", json_object_new_int64(p->baud));
	json_object_object_add(a, "parity", json_object_new_string(p->parity ? "even" : "none"));
	json_object_object_add(a, "stop_bits", json_object_new_int(p->stop));
	p->configured = false;
	p->configuring = true;
	wisd_call(p->u->d, &p->u->who, "uart.config", a, on_configured, p);
	json_object_put(a);
}

/* What the host program set on the pty: a change is a uart.config (unless
 * the device is away: it is sent when the device comes up). */
static void check_termios(struct port *p)
{
	struct termios t;
	if (tcgetattr(p->slave, &t) < 0)
		return;
	uint32_t baud = speed_baud(cfgetospeed(&t));
	uint8_t stop = (t.c_cflag & CSTOPB) ? 2 : 1;
	if (!baud || baud < WIS_UART_BAUD_MIN)
		baud = p->baud;
	if (baud == p->baud && stop == p->stop)
		return;
	p->baud = baud;
	p->stop = stop;
	if (devmgr_up(p->u->d))
		configure(p);
}

/* ---- host -> module ---- */

static void on_written(void *user, json_object *result, struct wisj_error *err)
{
	struct port *p = user;
	json_object *v;
	size_t taken = 0;
	p->writing = false;
	if (result && json_object_object_get_ex(result, "taken", &v))
		taken = (size_t)json_object_get_int64(v);
	if (result)
		json_object_put(result);
	else
		snprintf(p->error, sizeof p->error, "uart.write: %s", err->message);
	if (taken > p->to_dev_len)
		taken = p->to_dev_len;
	memmove(p->to_dev, p->to_dev + taken, p->to_dev_len - taken);
	p->to_dev_len -= taken;
	p->sent += taken;
	if (p->u->stopped)
		return;
	/* Nothing taken (port buffer full, device away): the 200 ms timer
	 * tries again rather than spinning on refusals. */
	if (taken)
		kick_write(p);
	rearm(p);
}

static void kick_write(struct port *p)
{
	if (p->writing || !p->to_dev_len || p->u->stopped)
		return;
	check_termios(p);
	if (!p->configured || p->configuring)
		return;
	size_t n = p->to_dev_len < CHUNK ? p->to_dev_len : CHUNK;
	char *hex = malloc(2 * n + 1);
	if (!hex)
		return;
	for (size_t i = 0; i < n; i++)
		snprintf(hex + 2 * i, 3, "%02x", p->to_dev[i]);
	json_object *a = json_object_new_object();
	json_object_object_add(a, "port", json_object_new_string(port_names[p->idx]));
	json_object_object_add(a, "data", json_object_new_string_len(hex, (int)(2 * n)));
	json_object_object_add(a, "hex", json_object_new_boolean(1));
	free(hex);
	p->writing = true;
	p->writes++;
	wisd_call(p->u->d, &p->u->who, "uart.write", a, on_written, p);
	json_object_put(a);
}

/* ---- module -> host ---- */

static void flush_to_host(struct port *p)
{
	while (p->to_host_len) {
		ssize_t n = write(p->master, p->to_host, p->to_host_len);
		if (n <= 0)
			break; /* EAGAIN: the pty is full until the host program reads */
		memmove(p->to_host, p->to_host + n, p->to_host_len - (size_t)n);
		p->to_host_len -= (size_t)n;
	}
}

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static void received(struct port *p, const char *hex)
{
	size_t n = strlen(hex) / 2;
	for (size_t i = 0; i < n; i++) {
		if (p->to_host_len == TO_HOST_CAP) {
			p->dropped += n - i;
			break;
		}
		p->to_host[p->to_host_len++] =
		    (uint8_t)(hexval(hex[2 * i]) << 4 | hexval(hex[2 * i + 1]));
		p->received++;
	}
	flush_to_host(p);
	rearm(p);
}

/* ---- the pty ---- */

static void on_poll(uv_poll_t *h, int status, int events)
{
	struct port *p = h->data;
	if (status < 0 || p->u->stopped)
		return;
	if (events & UV_READABLE) {
		ssize_t n = read(p->master, p->to_dev + p->to_dev_len, TO_DEV_CAP - p->to_dev_len);
		if (n > 0) {
			p->to_dev_len += (size_t)n;
			kick_write(p);
		}
	}
	if (events & UV_WRITABLE)
		flush_to_host(p);
	rearm(p);
}

/* Read the pty while there is room; wait for it to drain while bytes for
 * the host program are held. */
static void rearm(struct port *p)
{
	if (!p->poll_init || p->u->stopped)
		return;
	unsigned ev =
	    (p->to_dev_len < TO_DEV_CAP ? UV_READABLE : 0) | (p->to_host_len ? UV_WRITABLE : 0);
	if (ev == p->events)
		return;
	p->events = ev;
	if (ev)
		uv_poll_start(&p->poll, (int)ev, on_poll);
	else
		uv_poll_stop(&p->poll);
}

static int open_pty(struct port *p, const char *path, uint32_t baud)
{
	p->master = posix_openpt(O_RDWR | O_NOCTTY | O_NONBLOCK);
	if (p->master < 0 || grantpt(p->master) < 0 || unlockpt(p->master) < 0 ||
	    ptsname_r(p->master, p->pts, sizeof p->pts) != 0) {
		log_error("uartpty: no pseudo-terminal: %s", strerror(errno));
		return -1;
	}
	p->slave = open(p->pts, O_RDWR | O_NOCTTY | O_CLOEXEC);
	struct termios t;
	if (p->slave < 0 || tcgetattr(p->slave, &t) < 0) {
		log_error("uartpty: %s: %s", p->pts, strerror(errno));
		return -1;
	}
	/* Raw bytes, like a serial adapter, at the configured speed. */
	cfmakeraw(&t);
	t.c_cflag |= CLOCAL | CREAD;
	cfsetispeed(&t, speed_code(baud));
	cfsetospeed(&t, speed_code(baud));
	tcsetattr(p->slave, TCSANOW, &t);
	p->baud = speed_baud(cfgetospeed(&t));
	p->stop = 1;
	p->parity = p->u->cfg->parity;
	/* The path: a symlink we may replace, never a file of someone else. */
	struct stat st;
	if (lstat(path, &st) == 0) {
		if (!S_ISLNK(st.st_mode)) {
			log_error("uartpty: %s exists and is not a symlink", path);
			return -1;
		}
		unlink(path);
	}
	char dir[256];
	snprintf(dir, sizeof dir, "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = 0;
		mkdir(dir, 0755);
	}
	if (symlink(p->pts, path) < 0) {
		log_error("uartpty: symlink %s -> %s: %s", path, p->pts, strerror(errno));
		return -1;
	}
	p->linked = true;
	return 0;
}

static void on_claim(void *user, json_object *result, struct wisj_error *err)
{
	struct uartpty *u = user;
	snprintf(u->claim, sizeof u->claim, "%s",
	         result ? json_object_to_json_string(result) : err->message);
	if (!result && !u->stopped)
		log_error("uartpty: claim refused: %s", err->message);
	if (result)
		json_object_put(result);
}

static void on_timer(uv_timer_t *t)
{
	struct uartpty *u = t->data;
	for (int i = 0; i < NPORTS; i++) {
		struct port *p = &u->port[i];
		if (!p->poll_init)
			continue;
		check_termios(p);
		kick_write(p);
		flush_to_host(p);
		rearm(p);
	}
}

static int start(struct wisd *d, struct wisd_comp *self)
{
	struct uartpty *u = calloc(1, sizeof *u);
	if (!u)
		return -1;
	self->priv = u;
	u->d = d;
	u->cfg = self->cfg;
	snprintf(u->who.label, sizeof u->who.label, "uartpty");
	u->who.perm = WIS_PERM_CONTROL;
	json_object *claim = json_object_new_array();
	for (int i = 0; i < NPORTS; i++) {
		struct port *p = &u->port[i];
		p->u = u;
		p->idx = i;
		p->master = p->slave = -1;
		if (!u->cfg->path[i][0])
			continue;
		p->to_host = malloc(TO_HOST_CAP);
		if (!p->to_host || open_pty(p, u->cfg->path[i], u->cfg->baud) < 0) {
			json_object_put(claim);
			return -1;
		}
		uv_poll_init(d->loop, &p->poll, p->master);
		p->poll.data = p;
		p->poll_init = true;
		rearm(p);
		json_object_array_add(claim, json_object_new_string(port_names[i]));
		log_info("uartpty: %s is %s -> %s", port_names[i], u->cfg->path[i], p->pts);
	}
	json_object *a = json_object_new_object();
	json_object_object_add(a, "resources", claim);
	wisd_call(d, &u->who, "claim", a, on_claim, u);
	json_object_put(a);
	uv_timer_init(d->loop, &u->timer);
	u->timer.data = u;
	u->timer_init = true;
	uv_timer_start(&u->timer, on_timer, 200, 200);
	for (int i = 0; i < NPORTS; i++)
		if (u->port[i].poll_init && devmgr_up(d))
			configure(&u->port[i]);
	return 0;
}

static void event(struct wisd *d, struct wisd_comp *self, const char *topic, json_object *params)
{
	(void)d;
	struct uartpty *u = self->priv;
	json_object *v, *h;
	if (!u || u->stopped)
		return;
	if (!strcmp(topic, "device.state") && json_object_object_get_ex(params, "state", &v)) {
		bool up = !strcmp(json_object_get_string(v), "up");
		for (int i = 0; i < NPORTS; i++) {
			struct port *p = &u->port[i];
			if (!p->poll_init)
				continue;
			p->configured = false;
			if (up)
				configure(p);
		}
		return;
	}
	if (strcmp(topic, "uart.rx") || !json_object_object_get_ex(params, "port", &v) ||
	    !json_object_object_get_ex(params, "hex", &h))
		return;
	for (int i = 0; i < NPORTS; i++)
		if (u->port[i].poll_init && !strcmp(json_object_get_string(v), port_names[i]))
			received(&u->port[i], json_object_get_string(h));
}

static json_object *status(struct wisd *d, struct wisd_comp *self)
{
	(void)d;
	struct uartpty *u = self->priv;
	json_object *o = json_object_new_object();
	json_object_object_add(o, "claim", json_object_new_string(u->claim));
	for (int i = 0; i < NPORTS; i++) {
		struct port *p = &u->port[i];
		if (!p->poll_init)
			continue;
		json_object *s = json_object_new_object();
		json_object_object_add(s, "path", json_object_new_string(u->cfg->path[i]));
		json_object_object_add(s, "pty", json_object_new_string(p->pts));
		json_object_object_add(s, "baud", json_object_new_int64(p->baud));
		json_object_object_add(s, "parity",
		                       json_object_new_string(p->parity ? "even" : "none"));
		json_object_object_add(s, "stop_bits", json_object_new_int(p->stop));
		json_object_object_add(s, "configured", json_object_new_boolean(p->configured));
		json_object_object_add(s, "to_device", json_object_new_int64((int64_t)p->sent));
		json_object_object_add(s, "from_device",
		                       json_object_new_int64((int64_t)p->received));
		json_object_object_add(s, "writes", json_object_new_int64((int64_t)p->writes));
		json_object_object_add(s, "dropped", json_object_new_int64((int64_t)p->dropped));
		json_object_object_add(s, "pending", json_object_new_int64((int64_t)p->to_dev_len));
		json_object_object_add(s, "error", json_object_new_string(p->error));
		json_object_object_add(o, port_names[i], s);
	}
	return o;
}

static void stop(struct wisd *d, struct wisd_comp *self)
{
	struct uartpty *u = self->priv;
	if (!u)
		return;
	u->stopped = true;
	for (int i = 0; i < NPORTS; i++) {
		struct port *p = &u->port[i];
		if (p->poll_init && !uv_is_closing((uv_handle_t *)&p->poll))
			uv_close((uv_handle_t *)&p->poll, NULL);
		/* Remove the symlink only while it still names our pty. */
		char target[sizeof p->pts];
		ssize_t n = p->linked ? readlink(u->cfg->path[i], target, sizeof target - 1) : -1;
		if (n > 0) {
			target[n] = 0;
			if (!strcmp(target, p->pts))
				unlink(u->cfg->path[i]);
		}
		p->linked = false;
	}
	if (u->timer_init && !uv_is_closing((uv_handle_t *)&u->timer))
		uv_close((uv_handle_t *)&u->timer, NULL);
	wisd_caller_gone(d, &u->who);
}

/* After the loop: the poll handles are closed, no call of ours completes. */
static void release(struct wisd *d, struct wisd_comp *self)
{
	(void)d;
	struct uartpty *u = self->priv;
	if (!u)
		return;
	for (int i = 0; i < NPORTS; i++) {
		if (u->port[i].master >= 0)
			close(u->port[i].master);
		if (u->port[i].slave >= 0)
			close(u->port[i].slave);
		free(u->port[i].to_host);
	}
	free(u);
	self->priv = NULL;
}

const struct wisd_component uartpty_component = {
    .name = "uartpty",
    .cfg_size = sizeof(struct uartpty_cfg),
    .cfg_init = cfg_init,
    .cfg_set = cfg_set,
    .enabled = enabled,
    .start = start,
    .stop = stop,
    .release = release,
    .event = event,
    .status = status,
};

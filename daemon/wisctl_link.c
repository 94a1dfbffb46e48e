/*
 * wisctl links (see wisctl_link.h).  Both are synchronous and single
 * threaded: a call sends one request and waits with poll() for its answer,
 * keeping any notifications that arrive meanwhile for link_next_event().
 */
#include "wisctl_link.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <grp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

volatile sig_atomic_t wisctl_interrupted;

#define MAX_PENDING_EVENTS 4096

struct link {
	/* socket */
	int fd;
	char *buf;
	size_t len, cap;
	json_tokener *tok;
	int next_id;
	/* device */
	wis_device *dev;
	wisj_ctx *ctx;
	unsigned topics; /* bit i = wisj_topics[i] subscribed (device link) */
	/* notifications not yet handed out (a ring allocated by the first one:
	 * most commands get none, and zeroing 32 KiB was a tenth of a start) */
	json_object **events;
	unsigned ev_head, ev_count;
};

int exit_code_for(int code)
{
	switch (code) {
	case WISJ_PARSE_ERROR:
	case WISJ_INVALID_REQUEST:
	case WISJ_METHOD_NOT_FOUND:
	case WISJ_INVALID_PARAMS:
		return EXIT_USAGE;
	case WISJ_UNAVAILABLE:
	case WISJ_SHUTTING_DOWN:
		return EXIT_UNREACHABLE;
	case WISJ_TIMEOUT:
		return EXIT_TIMEOUT;
	default:
		return EXIT_FAILED;
	}
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void push_event(struct link *l, json_object *n)
{
	if (!l->events)
		l->events = malloc(MAX_PENDING_EVENTS * sizeof *l->events);
	if (!l->events || l->ev_count == MAX_PENDING_EVENTS) {
		json_object_put(n); /* the reader is far behind: drop the newest */
		return;
	}
	l->events[(l->ev_head + l->ev_count++) % MAX_PENDING_EVENTS] = n;
}

static json_object *pop_event(struct link *l)
{
	if (!l->ev_count)
		return NULL;
	json_object *n = l->events[l->ev_head];
	l->ev_head = (l->ev_head + 1) % MAX_PENDING_EVENTS;
	l->ev_count--;
	return n;
}

/* ---- socket link ---------------------------------------------------------------- */

/* "permission denied" naming the socket's group, which is what to join. */
static void permission_hint(const char *path, char *err, size_t errlen)
{
	struct stat st;
	char group[64] = "";
	if (stat(path, &st) == 0) {
		struct group *g = getgrgid(st.st_gid);
		if (g && st.st_gid != 0)
			snprintf(group, sizeof group, "%s", g->gr_name);
	}
	if (group[0])
		snprintf(err, errlen,
		         "cannot use wisd's socket %s: permission denied: add yourself to group "
		         "%s (sudo usermod -aG %s $USER, then log in again) or ask the admin",
		         path, group, group);
	else
		snprintf(err, errlen,
		         "cannot use wisd's socket %s: permission denied: it has no group for "
		         "clients; ask the admin to start wisd with --group (e.g. wisrpc) "
		         "and add you to it",
		         path);
}

struct link *link_open_socket(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof sa.sun_path) {
		snprintf(err, errlen, "socket path too long: %s", path);
		return NULL;
	}
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int rc = fd < 0 ? -1 : connect(fd, (struct sockaddr *)&sa, sizeof sa);
	if (rc < 0 && fd >= 0 && (errno == EACCES || errno == EPERM)) {
		/* wisd is there but the socket is not ours to use: asking
		 * whether it runs would send the user the wrong way. */
		permission_hint(path, err, errlen);
		close(fd);
		return NULL;
	}
	if (rc < 0) {
		snprintf(err, errlen,
		         "cannot reach wisd at %s: %s (is wisd running? --socket, "
		         "WISD_SOCKET or --device PATH)",
		         path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	struct link *l = calloc(1, sizeof *l);
	l->fd = fd;
	l->tok = json_tokener_new();
	l->next_id = 1;
	return l;
}

/* A response's taker: 1 if it took o (and its reference), 0 if not. */
typedef int (*resp_fn)(json_object *o, int id, void *user);

/* Read what is there (waiting up to timeout_ms); each complete line's JSON
 * goes to take (a response with an integer id), else to the event list
 * (notifications) or away.  Returns how many take took (> 0), 0 timeout or
 * none, -1 interrupted, -2 closed. */
static int sock_read(struct link *l, resp_fn take, void *user, int timeout_ms)
{
	struct pollfd p = {l->fd, POLLIN, 0};
	int rc = poll(&p, 1, timeout_ms);
	if (rc < 0)
		return errno == EINTR ? -1 : -2;
	if (rc == 0)
		return 0;
	/* Starts small (below malloc's mmap threshold: a one-answer command
	 * pays no mmap/munmap) and doubles while lines are long (hex flash data). */
	if (l->cap - l->len < 8192) {
		l->cap = l->cap ? l->cap * 2 : 16384;
		l->buf = realloc(l->buf, l->cap);
	}
	ssize_t n = read(l->fd, l->buf + l->len, l->cap - l->len - 1);
	if (n < 0)
		return errno == EINTR ? -1 : (errno == EAGAIN ? 0 : -2);
	if (n == 0)
		return -2;
	l->len += (size_t)n;
	int got = 0;
	char *start = l->buf, *nl;
	while ((nl = memchr(start, '\n', (size_t)(l->buf + l->len - start)))) {
		*nl = 0;
		json_tokener_reset(l->tok);
		json_object *o = json_tokener_parse_ex(l->tok, start, (int)(nl - start) + 1);
		start = nl + 1;
		if (!o)
			continue;
		json_object *id;
		if (json_object_object_get_ex(o, "id", &id) && take &&
		    json_object_is_type(id, json_type_int) &&
		    take(o, json_object_get_int(id), user)) {
			got++;
		} else if (json_object_object_get_ex(o, "method", NULL)) {
			push_event(l, o);
		} else {
			json_object_put(o); /* an answer to nobody we wait for */
		}
	}
	l->len -= (size_t)(start - l->buf);
	memmove(l->buf, start, l->len);
	return got;
}

struct want_one {
	int id;
	json_object *resp;
};

static int take_one(json_object *o, int id, void *user)
{
	struct want_one *w = user;
	if (id != w->id || w->resp)
		return 0;
	w->resp = o;
	return 1;
}

/* The same for one response: 1 if *resp was set. */
static int sock_pump(struct link *l, int want_id, json_object **resp, int timeout_ms)
{
	struct want_one w = {want_id, NULL};
	int rc = sock_read(l, want_id ? take_one : NULL, &w, timeout_ms);
	if (rc > 0)
		*resp = w.resp;
	return rc > 0 ? 1 : rc;
}

/* The first bytes of a request line with fd passed alongside (SCM_RIGHTS):
 * bytes sent, or -1. */
static ssize_t send_with_fd(int sock, const char *p, size_t n, int fd)
{
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(sizeof(int))];
	} ctl;
	memset(&ctl, 0, sizeof ctl);
	struct iovec iov = {(void *)p, n};
	struct msghdr m = {
	    .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.b, .msg_controllen = sizeof ctl.b};
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof fd);
	ssize_t w;
	do
		w = sendmsg(sock, &m, MSG_NOSIGNAL);
	while (w < 0 && errno == EINTR);
	return w;
}

/* Writes one request line (with fd passed if fd >= 0); 0 or
 * EXIT_UNREACHABLE with e set. */
static int sock_send_fd(struct link *l, int id, const char *method, json_object *params, int fd,
                        struct wisj_error *e)
{
	json_object *q = json_object_new_object();
	json_object_object_add(q, "jsonrpc", json_object_new_string("2.0"));
	json_object_object_add(q, "method", json_object_new_string(method));
	if (params)
		json_object_object_add(q, "params", json_object_get(params));
	json_object_object_add(q, "id", json_object_new_int(id));
	size_t n;
	const char *s = json_object_to_json_string_length(q, JSON_C_TO_STRING_PLAIN, &n);
	char *line = malloc(n + 1);
	memcpy(line, s, n);
	line[n] = '\n';
	json_object_put(q);
	size_t off = 0;
	while (off < n + 1) {
		ssize_t w = fd >= 0 && off == 0 ? send_with_fd(l->fd, line, n + 1, fd)
		                                : write(l->fd, line + off, n + 1 - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			free(line);
			wisj_error_set(e, WISJ_UNAVAILABLE, "lost the connection to wisd: %s",
			               strerror(errno));
			return EXIT_UNREACHABLE;
		}
		off += (size_t)w;
	}
	free(line);
	return 0;
}

static int sock_send(struct link *l, int id, const char *method, json_object *params,
                     struct wisj_error *e)
{
	return sock_send_fd(l, id, method, params, -1, e);
}

/* A response's result (0, *result set) or error (an exit code, e set);
 * consumes resp. */
static int sock_answer(json_object *resp, json_object **result, struct wisj_error *e)
{
	json_object *r, *err;
	if (json_object_object_get_ex(resp, "result", &r)) {
		*result = json_object_get(r);
		json_object_put(resp);
		return 0;
	}
	json_object *code = NULL, *msg = NULL, *data = NULL;
	if (json_object_object_get_ex(resp, "error", &err)) {
		json_object_object_get_ex(err, "code", &code);
		json_object_object_get_ex(err, "message", &msg);
		json_object_object_get_ex(err, "data", &data);
	}
	wisj_error_set(e, code ? json_object_get_int(code) : WISJ_INTERNAL_ERROR, "%s",
	               msg ? json_object_get_string(msg) : "malformed answer from wisd");
	e->data = data ? json_object_get(data) : NULL;
	json_object_put(resp);
	return exit_code_for(e->code);
}

static int sock_call(struct link *l, const char *method, json_object *params, json_object **result,
                     struct wisj_error *e, unsigned timeout_ms)
{
	int id = l->next_id++;
	int rc0 = sock_send(l, id, method, params, e);
	if (rc0)
		return rc0;
	int64_t deadline = now_ms() + timeout_ms;
	json_object *resp = NULL;
	for (;;) {
		int64_t left = deadline - now_ms();
		if (left <= 0) {
			wisj_error_set(e, WISJ_TIMEOUT, "no answer from wisd to %s within %u ms",
			               method, timeout_ms);
			return EXIT_TIMEOUT;
		}
		int rc = sock_pump(l, id, &resp, (int)left);
		if (rc == 1)
			break;
		if (rc == -2) {
			wisj_error_set(e, WISJ_UNAVAILABLE, "wisd closed the connection");
			return EXIT_UNREACHABLE;
		}
		/* -1 (a signal): finish this call anyway; the caller checks the flag. */
	}
	return sock_answer(resp, result, e);
}

int link_fileno(const struct link *l)
{
	return l->dev ? -1 : l->fd;
}

int link_send_fd(struct link *l, const char *method, json_object *params, int fd, int *id,
                 struct wisj_error *e)
{
	if (l->dev) {
		wisj_error_set(e, WISJ_METHOD_NOT_FOUND, "%s is served by wisd", method);
		return EXIT_USAGE;
	}
	*id = l->next_id++;
	return sock_send_fd(l, *id, method, params, fd, e);
}

int link_poll_answer(struct link *l, int id, int timeout_ms, json_object **result,
                     struct wisj_error *e, int *rc)
{
	json_object *resp = NULL;
	int got = sock_pump(l, id, &resp, timeout_ms);
	if (got == -2)
		wisj_error_set(e, WISJ_UNAVAILABLE, "wisd closed the connection");
	if (got == 1)
		*rc = sock_answer(resp, result, e);
	return got;
}

/* ---- device link ----------------------------------------------------------------- */

static void on_event(wis_device *dev, const struct wis_event *ev, void *user)
{
	struct link *l = user;
	const char *topic;
	json_object *p = wisj_event_to_json(dev, ev, &topic);
	if (!p)
		return;
	int k = -1;
	for (int i = 0; wisj_topics[i]; i++)
		if (!strcmp(wisj_topics[i], topic))
			k = i;
	if (k < 0 || !(l->topics & (1u << k))) {
		json_object_put(p);
		return;
	}
	json_object *n = json_object_new_object();
	json_object_object_add(n, "jsonrpc", json_object_new_string("2.0"));
	json_object_object_add(n, "method", json_object_new_string(topic));
	json_object_object_add(n, "params", p);
	push_event(l, n);
}

struct link *link_open_device(const char *path, unsigned timeout_ms, char *err, size_t errlen)
{
	struct wis_open_options o;
	wis_open_options_init(&o);
	o.timeout_ms = timeout_ms;
	wis_device *dev;
	int rc = wis_open(&dev, path, &o);
	if (rc < 0) {
		const char *d = wis_last_error();
		if (!d || !*d)
			d = wis_strerror(rc);
		/* The library's text usually names the path already. */
		if (strstr(d, path))
			snprintf(err, errlen, "%s", d);
		else
			snprintf(err, errlen, "cannot open %s: %s", path, d);
		return NULL;
	}
	struct link *l = calloc(1, sizeof *l);
	l->fd = -1;
	l->dev = dev;
	l->ctx = wisj_ctx_new();
	wisj_ctx_set_device(l->ctx, dev);
	wisj_ctx_set_timeout(l->ctx, timeout_ms);
	wis_set_event_cb(dev, on_event, l);
	return l;
}

struct dev_wait {
	bool done;
	json_object *result;
	struct wisj_error *e;
};

static void dev_done(void *user, json_object *result, struct wisj_error *err)
{
	struct dev_wait *w = user;
	w->done = true;
	w->result = result;
	if (err) {
		w->e->code = err->code;
		memcpy(w->e->message, err->message, sizeof w->e->message);
		w->e->data = err->data;
		err->data = NULL;
	}
}

/* Waits on the device fd; 0 ok, -1 interrupted, -2 link lost. */
static int dev_pump(struct link *l, int timeout_ms)
{
	int t = wis_next_timeout_ms(l->dev);
	if (t >= 0 && (timeout_ms < 0 || t < timeout_ms))
		timeout_ms = t;
	struct pollfd p = {wis_fd(l->dev), POLLIN, 0};
	int rc = poll(&p, 1, timeout_ms);
	if (rc < 0 && errno == EINTR)
		return -1;
	if (wis_process(l->dev) == WIS_E_DISCONNECTED)
		return -2;
	wisj_ctx_pump(l->ctx);
	return 0;
}

static int dev_call(struct link *l, const char *method, json_object *params, json_object **result,
                    struct wisj_error *e)
{
	const wisj_method *m = wisj_method_find(method);
	if (!m) {
		wisj_error_set(e, WISJ_METHOD_NOT_FOUND, "no method %s", method);
		return EXIT_USAGE;
	}
	if (!strcmp(method, "subscribe") || !strcmp(method, "unsubscribe")) {
		/* Served here: a direct link delivers the device's own events. */
		json_object *np = wisj_params_check(m, params, e), *t;
		if (!np)
			return EXIT_USAGE;
		json_object_object_get_ex(np, "topics", &t);
		size_t n =
		    json_object_is_type(t, json_type_array) ? json_object_array_length(t) : 1;
		for (size_t i = 0; i < n; i++) {
			const char *name =
			    json_object_get_string(json_object_is_type(t, json_type_array)
			                               ? json_object_array_get_idx(t, i)
			                               : t);
			for (int k = 0; wisj_topics[k]; k++)
				if (!strcmp(wisj_topics[k], name)) {
					if (method[0] == 's')
						l->topics |= 1u << k;
					else
						l->topics &= ~(1u << k);
				}
		}
		json_object_put(np);
		*result = json_object_new_object();
		return 0;
	}
	struct dev_wait w = {false, NULL, e};
	wisj_invoke(l->ctx, m, params, dev_done, &w);
	/* Every call completes: by answer, timeout, or DISCONNECTED. */
	while (!w.done)
		dev_pump(l, -1);
	if (w.result) {
		*result = w.result;
		return 0;
	}
	return exit_code_for(e->code);
}

/* ---- pipelined calls --------------------------------------------------------------- */

struct pipe {
	struct link *l;
	size_t next, inflight;
	int base_id; /* socket: request i has id base_id + i */
	link_got_fn got;
	void *user;
	int rc; /* the first failure, with e */
	struct wisj_error *e;
	int64_t last_ms; /* when the last answer came */
};

/* Request i's answer: a result for got, or an error (the first is kept). */
static void pipe_answer(struct pipe *p, size_t i, int rc, json_object *res, struct wisj_error *e)
{
	p->inflight--;
	p->last_ms = now_ms();
	if (!rc && !p->rc)
		rc = p->got(i, res, p->user, e);
	if (res)
		json_object_put(res);
	if (rc && !p->rc) {
		p->rc = rc;
		*p->e = *e; /* moves e's data */
		e->data = NULL;
	}
	wisj_error_clear(e);
}

static int pipe_take(json_object *o, int id, void *user)
{
	struct pipe *p = user;
	if (id < p->base_id || id >= p->base_id + (int)p->next)
		return 0;
	json_object *res = NULL;
	struct wisj_error e = {0};
	int rc = sock_answer(o, &res, &e);
	pipe_answer(p, (size_t)(id - p->base_id), rc, res, &e);
	return 1;
}

struct pipe_call {
	struct pipe *p;
	size_t i;
};

static void pipe_dev_done(void *user, json_object *result, struct wisj_error *err)
{
	struct pipe_call *c = user;
	struct wisj_error e = {0};
	if (err) {
		e = *err;
		err->data = NULL;
	}
	pipe_answer(c->p, c->i, result ? 0 : exit_code_for(e.code), result, &e);
	free(c);
}

int link_call_pipelined(struct link *l, const char *method, size_t n, unsigned depth,
                        link_make_fn make, link_got_fn got, void *user, struct wisj_error *e,
                        unsigned timeout_ms)
{
	const wisj_method *m = l->dev ? wisj_method_find(method) : NULL;
	if (l->dev && !m) {
		wisj_error_set(e, WISJ_METHOD_NOT_FOUND, "no method %s", method);
		return EXIT_USAGE;
	}
	struct pipe p = {.l = l, .base_id = l->next_id, .got = got, .user = user, .e = e};
	l->next_id += (int)n;
	p.last_ms = now_ms();
	depth = depth ? depth : 1;
	while (p.inflight || (p.next < n && !p.rc && !wisctl_interrupted)) {
		while (p.inflight < depth && p.next < n && !p.rc && !wisctl_interrupted) {
			json_object *params = make(p.next, user);
			p.inflight++;
			if (l->dev) {
				struct pipe_call *c = malloc(sizeof *c);
				*c = (struct pipe_call){&p, p.next++};
				wisj_invoke(l->ctx, m, params, pipe_dev_done, c);
			} else {
				struct wisj_error se = {0};
				int rc =
				    sock_send(l, p.base_id + (int)p.next++, method, params, &se);
				if (rc) {
					json_object_put(params);
					p.inflight--;
					p.rc = rc;
					*e = se;
					return rc; /* the connection is gone: nothing to wait for */
				}
			}
			json_object_put(params);
		}
		if (!p.inflight)
			break;
		int64_t left = p.last_ms + timeout_ms - now_ms();
		if (left <= 0) {
			if (!p.rc) {
				wisj_error_set(e, WISJ_TIMEOUT, "no answer to %s within %u ms",
				               method, timeout_ms);
				p.rc = EXIT_TIMEOUT;
			}
			if (!l->dev)
				return p.rc; /* late answers are dropped as strays */
			left = 100; /* the device link fails its calls by its own timeout */
		}
		int rc = l->dev ? dev_pump(l, (int)left) : sock_read(l, pipe_take, &p, (int)left);
		if (rc == -2) {
			if (!p.rc) {
				wisj_error_set(e, WISJ_UNAVAILABLE,
				               l->dev ? "lost the link to the device"
				                      : "wisd closed the connection");
				p.rc = EXIT_UNREACHABLE;
			}
			if (!l->dev)
				return p.rc;
		}
	}
	return p.rc;
}

/* ---- common ------------------------------------------------------------------------ */

int link_call(struct link *l, const char *method, json_object *params, json_object **result,
              struct wisj_error *e, unsigned timeout_ms)
{
	*result = NULL;
	if (l->dev)
		return dev_call(l, method, params, result, e);
	return sock_call(l, method, params, result, e, timeout_ms);
}

int link_next_event(struct link *l, json_object **out, int timeout_ms, char *err, size_t errlen)
{
	int64_t deadline = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
	for (;;) {
		if ((*out = pop_event(l)))
			return 1;
		if (wisctl_interrupted)
			return -1;
		int left = deadline < 0 ? -1 : (int)(deadline - now_ms());
		if (deadline >= 0 && left <= 0)
			return 0;
		int rc;
		if (l->dev) {
			rc = dev_pump(l, left);
		} else {
			json_object *none = NULL;
			rc = sock_pump(l, 0, &none, left);
		}
		if (rc == -2) {
			snprintf(err, errlen,
			         l->dev ? "lost the link to the device"
			                : "wisd closed the connection");
			return -2;
		}
	}
}

bool link_is_direct(const struct link *l)
{
	return l->dev != NULL;
}

void link_close(struct link *l)
{
	if (!l)
		return;
	while (l->ev_count)
		json_object_put(pop_event(l));
	free(l->events);
	if (l->fd >= 0)
		close(l->fd);
	if (l->tok)
		json_tokener_free(l->tok);
	free(l->buf);
	if (l->dev) {
		wisj_ctx_set_device(l->ctx, NULL);
		wis_close(l->dev);
		wisj_ctx_free(l->ctx);
	}
	free(l);
}

/*
 * wisctl links (see wisctl_link.h): the socket link to wisd and what both
 * links share (the device link is wisctl_link_dev.c, pipelined calls
 * wisctl_link_pipe.c).  Both are synchronous and single threaded: a call
 * sends one request and waits with poll() for its answer, keeping any
 * notifications that arrive meanwhile for link_next_event().
 */
#include "wisctl_link_priv.h"

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

int64_t link_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void link_push_event(struct link *l, json_object *n)
{
	if (!l->events)
		l->events = malloc(MAX_PENDING_EVENTS * sizeof(json_object *));
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
	size_t len = strlen(path);
	if (len >= sizeof sa.sun_path) {
		snprintf(err, errlen, "socket path too long: %s", path);
		return NULL;
	}
	memcpy(sa.sun_path, path, len + 1);
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
	l->next_id = 1;
	return l;
}

/* ",\"id\":ID}" at out (room for 24 bytes); its length.  Written by hand:
 * the one-call path prints nothing else with printf, whose machinery is a
 * few pages of libc to fault in. */
static size_t id_tail(char *out, int id)
{
	char digits[12];
	size_t n = 0;
	unsigned v = (unsigned)id;
	do
		digits[n++] = (char)('0' + v % 10);
	while (v /= 10);
	static const char key[6] = {',', '"', 'i', 'd', '"', ':'}; /* no NUL: a prefix */
	memcpy(out, key, sizeof key);
	for (size_t i = 0; i < n; i++)
		out[6 + i] = digits[n - 1 - i];
	out[6 + n] = '}';
	return 7 + n;
}

/* A success as wisd prints it, {"jsonrpc":"2.0","result":R,"id":N} with N
 * l->plain_id, whose R l->plain printed from its text: true.  Anything else
 * is left to json-c. */
static bool plain_answer(struct link *l, const char *line, size_t n)
{
	static const char head[] = "{\"jsonrpc\":\"2.0\",\"result\":";
	char tail[24];
	size_t hn = sizeof head - 1, tn = id_tail(tail, l->plain_id);
	if (n <= hn + tn || strncmp(line, head, hn) || strncmp(line + n - tn, tail, tn))
		return false;
	return l->plain(line + hn, n - hn - tn, l->plain_user);
}

/* Read what is there (waiting up to timeout_ms); each complete line's JSON
 * goes to take (a response with an integer id), else to the event list
 * (notifications) or away.  Returns how many take took (> 0), 0 timeout or
 * none, -1 interrupted, -2 closed. */
int link_sock_read(struct link *l, link_resp_fn take, void *user, int timeout_ms)
{
	/* The buffer is made here, before the first wait: a one-call command
	 * makes it while wisd works on its request, not before sending it.  It
	 * starts small (below malloc's mmap threshold: a one-answer command
	 * pays no mmap/munmap) and doubles while lines are long (hex flash
	 * data). */
	if (l->cap - l->len < 8192) {
		l->cap = l->cap ? l->cap * 2 : 16384;
		l->buf = realloc(l->buf, l->cap);
	}
	struct pollfd p = {l->fd, POLLIN, 0};
	int rc = poll(&p, 1, timeout_ms);
	if (rc < 0)
		return errno == EINTR ? -1 : -2;
	if (rc == 0)
		return 0;
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
		if (l->plain && plain_answer(l, start, (size_t)(nl - start))) {
			l->plain = NULL;
			start = nl + 1;
			got++;
			continue;
		}
		if (!l->tok)
			l->tok = json_tokener_new();
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
			link_push_event(l, o);
		} else {
			json_object_put(o); /* an answer to nobody we wait for */
		}
	}
	l->len -= (size_t)(start - l->buf);
	if (l->len) /* the start of a line still on its way */
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
	int rc = link_sock_read(l, want_id ? take_one : NULL, &w, timeout_ms);
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

/* s as a JSON string, quotes included, at out, which has room for
 * 6 * strlen(s) + 2 bytes; returns the length written (no NUL). */
static size_t json_quote(char *out, const char *s)
{
	return wisj_quote(out, s, strlen(s));
}

char *link_json_strings(const char *key, int argc, char **argv)
{
	size_t cap = 6 * strlen(key) + 8;
	for (int i = 0; i < argc; i++)
		cap += 6 * strlen(argv[i]) + 3;
	char *t = malloc(cap), *end = t;
	*end++ = '{';
	end += json_quote(end, key);
	*end++ = ':';
	*end++ = '[';
	for (int i = 0; i < argc; i++) {
		if (i)
			*end++ = ',';
		end += json_quote(end, argv[i]);
	}
	memcpy(end, "]}", 3);
	return t;
}

/* Writes one request line, params given as JSON text (ps, plen; NULL for
 * none), with fd passed if fd >= 0; 0 or EXIT_UNREACHABLE with e set.  The
 * envelope is printed around params: building a request object only to
 * serialize it was a tenth of a one-call wisctl process. */
static int sock_send_text(struct link *l, int id, const char *method, const char *ps, size_t plen,
                          int fd, struct wisj_error *e)
{
	static const char head[] = "{\"jsonrpc\":\"2.0\",\"method\":", mid[] = ",\"params\":";
	size_t cap = sizeof head + 6 * strlen(method) + sizeof mid + plen + 24;
	char *line = malloc(cap);
	memcpy(line, head, sizeof head - 1);
	size_t n = sizeof head - 1;
	n += json_quote(line + n, method);
	if (ps) {
		memcpy(line + n, mid, sizeof mid - 1);
		memcpy(line + n + sizeof mid - 1, ps, plen);
		n += sizeof mid - 1 + plen;
	}
	n += id_tail(line + n, id);
	line[n] = '\n';
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

/* params' JSON text (owned by params) and its length; NULL for none. */
static const char *params_text(json_object *params, size_t *len)
{
	*len = 0;
	return params ? json_object_to_json_string_length(params, JSON_C_TO_STRING_PLAIN, len)
	              : NULL;
}

/* sock_send_text with params as an object (NULL for none). */
static int sock_send_fd(struct link *l, int id, const char *method, json_object *params, int fd,
                        struct wisj_error *e)
{
	size_t plen;
	const char *ps = params_text(params, &plen);
	return sock_send_text(l, id, method, ps, plen, fd, e);
}

int link_sock_send(struct link *l, int id, const char *method, json_object *params,
                   struct wisj_error *e)
{
	return sock_send_fd(l, id, method, params, -1, e);
}

/* A response's result (0, *result set) or error (an exit code, e set);
 * consumes resp. */
int link_sock_answer(json_object *resp, json_object **result, struct wisj_error *e)
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

static int sock_call(struct link *l, const char *method, const char *ps, size_t plen,
                     json_object **result, struct wisj_error *e, unsigned timeout_ms)
{
	int id = l->next_id++;
	int rc0 = sock_send_text(l, id, method, ps, plen, -1, e);
	if (rc0)
		return rc0;
	int64_t deadline = link_now_ms() + timeout_ms;
	json_object *resp = NULL;
	for (;;) {
		int64_t left = deadline - link_now_ms();
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
	if (!resp) /* link_call_print's printer took it */
		return 0;
	return link_sock_answer(resp, result, e);
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
		*rc = link_sock_answer(resp, result, e);
	return got;
}

/* ---- common ------------------------------------------------------------------------ */

int link_call(struct link *l, const char *method, json_object *params, json_object **result,
              struct wisj_error *e, unsigned timeout_ms)
{
	*result = NULL;
	if (l->dev)
		return link_dev_call(l, method, params, result, e);
	size_t plen;
	const char *ps = params_text(params, &plen);
	return sock_call(l, method, ps, plen, result, e, timeout_ms);
}

int link_call_print(struct link *l, const char *method, const char *params,
                    bool (*print)(const char *result, size_t len, void *user), void *user,
                    json_object **result, struct wisj_error *e, unsigned timeout_ms)
{
	if (l->dev)
		return link_call_text(l, method, params, result, e, timeout_ms);
	l->plain_id = l->next_id;
	l->plain = print;
	l->plain_user = user;
	int rc = link_call_text(l, method, params, result, e, timeout_ms);
	l->plain = NULL;
	return rc;
}

int link_call_text(struct link *l, const char *method, const char *params, json_object **result,
                   struct wisj_error *e, unsigned timeout_ms)
{
	*result = NULL;
	if (!l->dev)
		return sock_call(l, method, params, params ? strlen(params) : 0, result, e,
		                 timeout_ms);
	json_object *p = params ? json_tokener_parse(params) : NULL;
	int rc = link_dev_call(l, method, p, result, e);
	json_object_put(p);
	return rc;
}

int link_next_event(struct link *l, json_object **out, int timeout_ms, char *err, size_t errlen)
{
	int64_t deadline = timeout_ms < 0 ? -1 : link_now_ms() + timeout_ms;
	for (;;) {
		if ((*out = pop_event(l)))
			return 1;
		if (wisctl_interrupted)
			return -1;
		int left = deadline < 0 ? -1 : (int)(deadline - link_now_ms());
		if (deadline >= 0 && left <= 0)
			return 0;
		int rc;
		if (l->dev) {
			rc = link_dev_pump(l, left);
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

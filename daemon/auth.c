/*
 * wisd permission classes of socket clients (docs/api.md, "Permission
 * classes").  A Unix peer's class comes from its credentials as the kernel
 * recorded them at connect (SO_PEERCRED, SO_PEERGROUPS): root and wisd's
 * own user are admin, members of admin_group admin, of control_group
 * control, anyone else unix_class.  A TCP client has no class until its
 * first request, rpc.auth, gives the token from tcp_token_file: loopback
 * TCP must not bypass the socket file's group, and a web page can make a
 * browser send text to 127.0.0.1, so a first line that is not a JSON-RPC
 * request closes the connection before anything runs.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wisd.h"

#ifndef SO_PEERGROUPS
#define SO_PEERGROUPS 59 /* Linux 4.13 */
#endif

#define TOKEN_MIN 16
#define TOKEN_MAX 1024

/* A group by name or number; false if there is none (then nobody gets the
 * class through it, which is logged). */
static bool resolve_group(const char *name, const char *key, gid_t *gid)
{
	if (!name[0])
		return false;
	char *end;
	unsigned long n = strtoul(name, &end, 10);
	if (!*end && end != name) {
		*gid = (gid_t)n;
		return true;
	}
	struct group *g = getgrnam(name);
	if (!g) {
		log_info("%s '%s' does not exist: no Unix client gets its class by group", key,
		         name);
		return false;
	}
	*gid = g->gr_gid;
	return true;
}

/* The token file must be wisd's secret: a regular file nobody else may
 * read or write (mode 0600 or 0400). */
static int load_token(struct wisd *d)
{
	const char *path = d->cfg.tcp_token_file;
	if (!path[0]) {
		log_error("tcp needs tcp_token_file: TCP clients authenticate with its token");
		return -1;
	}
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0) {
		log_error("tcp_token_file %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode) || (st.st_mode & 077)) {
		log_error("tcp_token_file %s: must be a regular file that only wisd's user can "
		          "read (mode %04o; chmod 600 it)",
		          path, (unsigned)(st.st_mode & 07777));
		close(fd);
		return -1;
	}
	char buf[TOKEN_MAX + 2];
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' '))
		n--;
	if (n < TOKEN_MIN || n > TOKEN_MAX || memchr(buf, 0, (size_t)n)) {
		log_error("tcp_token_file %s: the token must be %d..%d bytes on one line", path,
		          TOKEN_MIN, TOKEN_MAX);
		return -1;
	}
	d->token = malloc((size_t)n);
	if (!d->token)
		return -1;
	memcpy(d->token, buf, (size_t)n);
	d->token_len = (size_t)n;
	return 0;
}

int auth_start(struct wisd *d)
{
	d->control_gid_ok = resolve_group(d->cfg.control_group, "control_group", &d->control_gid);
	d->admin_gid_ok = resolve_group(d->cfg.admin_group, "admin_group", &d->admin_gid);
	if (d->cfg.tcp[0] && load_token(d) < 0)
		return -1;
	return 0;
}

void auth_free(struct wisd *d)
{
	if (d->token)
		memset(d->token, 0, d->token_len);
	free(d->token);
	d->token = NULL;
}

unsigned auth_unix_class(struct wisd *d, int fd, const struct ucred *cr)
{
	if (!cr)
		return d->cfg.unix_class;
	if (cr->uid == 0 || cr->uid == geteuid())
		return WIS_PERM_ADMIN;
	gid_t groups[256];
	socklen_t glen = sizeof groups;
	size_t n = 0;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &glen) == 0)
		n = glen / sizeof groups[0];
	unsigned perm = d->cfg.unix_class;
	for (size_t i = 0; i <= n; i++) {
		gid_t g = i < n ? groups[i] : cr->gid;
		if (d->admin_gid_ok && g == d->admin_gid)
			return WIS_PERM_ADMIN;
		if (d->control_gid_ok && g == d->control_gid && perm < WIS_PERM_CONTROL)
			perm = WIS_PERM_CONTROL;
	}
	return perm;
}

int auth_first_line(struct client *c, const char *line, size_t len)
{
	struct wisd *d = c->d;
	struct wisj_error e = {0};
	json_object *q = wisj_parse(d->tok, d->cfg.max_depth, line, len, &e), *v;
	wisj_error_clear(&e);
	bool rpc =
	    json_object_is_type(q, json_type_object) &&
	    json_object_object_get_ex(q, "jsonrpc", &v) &&
	    json_object_is_type(v, json_type_string) && !strcmp(json_object_get_string(v), "2.0") &&
	    json_object_object_get_ex(q, "method", &v) && json_object_is_type(v, json_type_string);
	json_object_put(q);
	if (!rpc) {
		/* An HTTP request, or anything else: not one byte is answered. */
		log_warn("%s: first line is not a JSON-RPC request: closed", c->who.label);
		client_close(c);
		return -1;
	}
	return 0; /* anything but rpc.auth is refused by auth_check, then closed */
}

int auth_check(struct wisd_caller *who, const char *method, struct wisj_error *e)
{
	if (!who->sock || who->sock->authed || !strcmp(method, "rpc.auth"))
		return 0;
	log_warn("%s: first request is not rpc.auth: refused and closed", who->label);
	wisj_error_set(e, WISJ_FORBIDDEN,
	               "authenticate first: rpc.auth {\"token\": ...} with the token from wisd's "
	               "tcp_token_file");
	e->data = json_object_new_object();
	json_object_object_add(e->data, "needed", json_object_new_string("token"));
	return -1;
}

/* Compares all of the token whatever matches, so the time taken does not
 * tell how much of a guess was right. */
static bool token_equal(const struct wisd *d, const char *t, size_t n)
{
	unsigned char diff = n != d->token_len;
	for (size_t i = 0; i < d->token_len; i++)
		diff |= (unsigned char)(d->token[i] ^ (i < n ? t[i] : 0));
	return diff == 0;
}

json_object *auth_method(struct wisd *d, struct wisd_caller *who, json_object *params,
                         struct wisj_error *e)
{
	struct client *c = who->sock;
	if (c && !c->is_unix && !c->authed) {
		json_object *t = NULL;
		json_object_object_get_ex(params, "token", &t);
		const char *s = json_object_get_string(t);
		size_t n = s ? (size_t)json_object_get_string_len(t) : 0;
		if (!s || !d->token || !token_equal(d, s, n)) {
			log_warn("%s: wrong token: refused and closed", who->label);
			wisj_error_set(e, WISJ_FORBIDDEN, "wrong token");
			e->data = json_object_new_object();
			json_object_object_add(e->data, "needed", json_object_new_string("token"));
			return NULL;
		}
		c->authed = true;
		who->perm = d->cfg.tcp_class;
		log_info("%s authenticated: class %s", who->label, wisj_perm_name(who->perm));
	}
	json_object *res = json_object_new_object();
	json_object_object_add(res, "class", json_object_new_string(wisj_perm_name(who->perm)));
	return res;
}

/*
 * wisd server component: the Unix (and optional TCP) listening sockets that
 * socket clients (server.c) connect to, started, quiesced and stopped
 * through the component interface like any other component; its event sink
 * sends each notification to the clients subscribed to its topic.
 * Settings stay top-level keys (socket, tcp, group) as before components.
 */
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "wisd.h"

/* A socket file left by a daemon that died is removed; one that a live
 * daemon answers on is not. */
static int clear_stale_socket(const char *path)
{
	struct stat st;
	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISSOCK(st.st_mode)) {
		log_error("%s exists and is not a socket: not touching it", path);
		return -1;
	}
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
	int rc = connect(fd, (struct sockaddr *)&sa, sizeof sa);
	int err = errno;
	close(fd);
	if (rc == 0) {
		log_error("another wisd is already serving %s", path);
		return -1;
	}
	if (err != ECONNREFUSED) {
		log_error("%s: cannot tell whether a daemon owns it: %s", path, strerror(err));
		return -1;
	}
	log_info("removing stale socket %s", path);
	return unlink(path);
}

static int start_unix(struct wisd *d)
{
	const char *path = d->cfg.socket;
	if (strlen(path) >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
		log_error("socket path too long (max 107 bytes): %s", path);
		return -1;
	}
	if (clear_stale_socket(path) < 0)
		return -1;
	/* Bound here rather than by uv_pipe_bind: libuv unlinks the path when
	 * the handle closes, which would remove the socket of a successor wisd
	 * started after ours was deleted; and it reports a missing directory
	 * as EACCES. */
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	memcpy(sa.sun_path, path, strlen(path) + 1);
	/* Create the file 0660 from the start, not 0777-then-chmod. */
	mode_t old = umask(0117);
	int rc = fd < 0 ? -1 : bind(fd, (struct sockaddr *)&sa, sizeof sa);
	int err = errno;
	umask(old);
	if (rc < 0) {
		log_error("%s: cannot create the socket: %s", path, strerror(err));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	chmod(path, 0660);
	if (d->cfg.group[0]) {
		struct group *g = getgrnam(d->cfg.group);
		if (!g || chown(path, (uid_t)-1, g->gr_gid) < 0) {
			if (!g)
				log_error("group '%s' does not exist", d->cfg.group);
			else
				log_error("%s: chown to group %s: %s", path, d->cfg.group,
				          strerror(errno));
			unlink(path);
			close(fd);
			return -1;
		}
	}
	/* Remember which file is ours (after chmod/chown, which change ctime). */
	struct stat st;
	if (lstat(path, &st) == 0) {
		d->unix_bound = true;
		d->unix_dev = st.st_dev;
		d->unix_ino = st.st_ino;
		d->unix_ctime = st.st_ctim;
	}
	uv_pipe_init(d->loop, &d->unix_srv, 0);
	d->unix_srv.data = d;
	d->unix_open = true;
	rc = uv_pipe_open(&d->unix_srv, fd);
	if (rc < 0) {
		log_error("%s: %s", path, uv_strerror(rc));
		close(fd);
		return -1;
	}
	rc = uv_listen((uv_stream_t *)&d->unix_srv, 128, server_on_connection);
	if (rc < 0) {
		log_error("%s: listen: %s", path, uv_strerror(rc));
		return -1;
	}
	log_info("listening on %s", path);
	return 0;
}

static int start_tcp(struct wisd *d)
{
	char addr[64], err[200];
	int port;
	if (config_parse_tcp(d->cfg.tcp, addr, sizeof addr, &port, err, sizeof err) < 0) {
		log_error("%s", err);
		return -1;
	}
	struct sockaddr_storage ss;
	if (uv_ip4_addr(addr, port, (struct sockaddr_in *)&ss) != 0 &&
	    uv_ip6_addr(addr, port, (struct sockaddr_in6 *)&ss) != 0) {
		log_error("tcp '%s': bad address", d->cfg.tcp);
		return -1;
	}
	uv_tcp_init(d->loop, &d->tcp_srv);
	d->tcp_srv.data = d;
	d->tcp_open = true;
	int rc = uv_tcp_bind(&d->tcp_srv, (struct sockaddr *)&ss, 0);
	if (rc == 0)
		rc = uv_listen((uv_stream_t *)&d->tcp_srv, 128, server_on_connection);
	if (rc < 0) {
		log_error("tcp %s:%d: %s", addr, port, uv_strerror(rc));
		return -1;
	}
	log_info("listening on tcp %s:%d", addr, port);
	return 0;
}

static int server_start(struct wisd *d, struct wisd_comp *self)
{
	(void)self;
	uv_timer_init(d->loop, &d->idle_timer);
	d->idle_timer.data = d;
	uv_idle_init(d->loop, &d->resume_idle);
	d->resume_idle.data = d;
	d->rbuf_len = 65536;
	d->rbuf = malloc(d->rbuf_len);
	if (!d->rbuf)
		return -1;
	limits_start(d);
	/* The embedded simulator's control socket is this path plus ".sim":
	 * refused here rather than restarting a simulator that cannot bind. */
	if (!strcmp(d->cfg.device, "sim") &&
	    strlen(d->cfg.socket) + 4 >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
		log_error("socket path too long for --device sim (max %zu bytes, as the "
		          "simulator's control socket adds \".sim\"): %s",
		          sizeof(((struct sockaddr_un *)0)->sun_path) - 5, d->cfg.socket);
		return -1;
	}
	if (auth_start(d) < 0)
		return -1;
	if (start_unix(d) < 0)
		return -1;
	if (d->cfg.tcp[0] && start_tcp(d) < 0)
		return -1;
	if (d->cfg.idle_timeout) {
		uint64_t every = d->cfg.idle_timeout * 1000ull / 4;
		if (every < 200)
			every = 200;
		if (every > 5000)
			every = 5000;
		uv_timer_start(&d->idle_timer, server_on_idle_timer, every, every);
	}
	return 0;
}

static void server_quiesce(struct wisd *d, struct wisd_comp *self)
{
	(void)self;
	if (d->unix_open && !uv_is_closing((uv_handle_t *)&d->unix_srv)) {
		uv_close((uv_handle_t *)&d->unix_srv, NULL);
		/* Only our own file: if it was removed and another wisd made a
		 * new one there meanwhile, that one is not ours to remove.  (An
		 * inode number is reused at once on tmpfs: the ctime tells.) */
		struct stat st;
		if (d->unix_bound && lstat(d->cfg.socket, &st) == 0 && st.st_dev == d->unix_dev &&
		    st.st_ino == d->unix_ino && st.st_ctim.tv_sec == d->unix_ctime.tv_sec &&
		    st.st_ctim.tv_nsec == d->unix_ctime.tv_nsec)
			unlink(d->cfg.socket);
	}
	if (d->tcp_open && !uv_is_closing((uv_handle_t *)&d->tcp_srv))
		uv_close((uv_handle_t *)&d->tcp_srv, NULL);
	/* Lines already read from a paused client are answered (shutting
	 * down), like requests taken but not yet sent; unread ones are not. */
	for (struct client *c = d->clients; c; c = c->next)
		if (c->paused && !c->closing)
			server_resume_client(c);
	for (struct client *c = d->clients; c; c = c->next)
		if (!c->closing)
			uv_read_stop(&c->h.stream);
	uv_timer_stop(&d->idle_timer);
	uv_idle_stop(&d->resume_idle);
}

/* Answers still waiting in a client's write queue. */
static bool server_busy(struct wisd *d, struct wisd_comp *self)
{
	(void)self;
	for (struct client *c = d->clients; c; c = c->next)
		if (!c->closing && uv_stream_get_write_queue_size(&c->h.stream) > 0)
			return true;
	return false;
}

static void server_stop(struct wisd *d, struct wisd_comp *self)
{
	(void)self;
	for (struct client *c = d->clients; c; c = c->next)
		client_close(c);
	if (!uv_is_closing((uv_handle_t *)&d->idle_timer))
		uv_close((uv_handle_t *)&d->idle_timer, NULL);
	limits_stop(d);
	auth_free(d);
	if (!uv_is_closing((uv_handle_t *)&d->resume_idle))
		uv_close((uv_handle_t *)&d->resume_idle, NULL);
}

static void server_event(struct wisd *d, struct wisd_comp *self, const char *topic,
                         json_object *params)
{
	(void)self;
	rpc_notify(d, topic, params);
}

const struct wisd_component server_component = {
    .name = "server",
    .start = server_start,
    .quiesce = server_quiesce,
    .busy = server_busy,
    .stop = server_stop,
    .event = server_event,
};

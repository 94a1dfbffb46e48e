/*
 * wisctl's pipelined calls (link_call_pipelined): a sliding window of one
 * method's requests over either link, for transfers longer than one
 * request (flash read/write).
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "wisctl_link_priv.h"

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
	p->last_ms = link_now_ms();
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
	int rc = link_sock_answer(o, &res, &e);
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
	p.last_ms = link_now_ms();
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
				int rc = link_sock_send(l, p.base_id + (int)p.next++, method,
				                        params, &se);
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
		int64_t left = p.last_ms + timeout_ms - link_now_ms();
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
		int rc = l->dev ? link_dev_pump(l, (int)left)
		                : link_sock_read(l, pipe_take, &p, (int)left);
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

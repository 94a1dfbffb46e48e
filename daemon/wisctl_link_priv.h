/*
 * What the three wisctl link files share (wisctl_link.c: the socket link and
 * what is common; wisctl_link_dev.c: --device; wisctl_link_pipe.c:
 * pipelined calls).  Nothing outside them includes it.
 */
#ifndef WISCTL_LINK_PRIV_H
#define WISCTL_LINK_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include "wisctl_link.h"
#include "wisrpc/wisrpc.h"

#define MAX_PENDING_EVENTS 4096

struct link {
	/* socket */
	int fd;
	char *buf;
	size_t len, cap;
	json_tokener *tok;
	int next_id;
	/* link_call_print: the answer to plain_id, if wisd printed it plain,
	 * is offered as text to plain(..., plain_user) before it is parsed */
	int plain_id;
	bool (*plain)(const char *result, size_t len, void *user);
	void *plain_user;
	/* device */
	wis_device *dev;
	wisj_ctx *ctx;
	unsigned topics; /* bit i = wisj_topics[i] subscribed (device link) */
	/* notifications not yet handed out (a ring allocated by the first one:
	 * most commands get none, and zeroing 32 KiB was a tenth of a start) */
	json_object **events;
	unsigned ev_head, ev_count;
};

/* Keeps a notification for link_next_event() (takes n). */
void link_push_event(struct link *l, json_object *n);

/* A response's taker: 1 if it took o (and its reference), 0 if not. */
typedef int (*link_resp_fn)(json_object *o, int id, void *user);
/* Socket: reads what is there (waiting up to timeout_ms); each complete
 * line's JSON goes to take (a response with an integer id), else to the
 * events (notifications) or away.  How many take took (> 0), 0 timeout or
 * none, -1 interrupted, -2 closed. */
int link_sock_read(struct link *l, link_resp_fn take, void *user, int timeout_ms);
/* Socket: one request line; 0 or EXIT_UNREACHABLE with e set. */
int link_sock_send(struct link *l, int id, const char *method, json_object *params,
                   struct wisj_error *e);
/* A response's result (0, *result set) or error (an exit code, e set);
 * consumes resp. */
int link_sock_answer(json_object *resp, json_object **result, struct wisj_error *e);

/* Device: waits on the device fd; 0 ok, -1 interrupted, -2 link lost. */
int link_dev_pump(struct link *l, int timeout_ms);
int link_dev_call(struct link *l, const char *method, json_object *params, json_object **result,
                  struct wisj_error *e);

#endif

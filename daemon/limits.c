/*
 * wisd's bounds on what clients can make it hold (docs/api.md, "Limits"):
 * clients connected (max_clients), bytes queued to all clients together
 * (max_output) and to one (max_write_queue, drain_timeout), subscriptions
 * per client (max_subscriptions).  The answer size (max_answer) is applied
 * where answers are made (rpc.c).  Each refusal is logged once, naming the
 * client.
 *
 * "Not reading" is judged over time: a client whose queue is above
 * max_write_queue is dropped only when the queue has not shrunk for
 * drain_timeout seconds, or at once when it passes max_write_queue +
 * max_answer (more than one big answer can explain), so one large answer
 * to a client that reads is not a reason to drop it.
 *
 * The sweep (every 500 ms) also closes TCP connections that have not
 * authenticated within auth_timeout (each holds a place under
 * max_clients), and
 * notices Unix subscribers that half-closed
 * and then went away: wisd stops reading at end of input and may have
 * nothing to send them, so nothing else would tell it.
 */
#include <poll.h>
#include <stdio.h>

#include "wisd.h"

#define SWEEP_MS 500

/* After EOF: has a Unix peer now closed both directions (hung up)? */
static bool hung_up(struct client *c)
{
	uv_os_fd_t fd;
	if (uv_fileno(&c->h.handle, &fd) != 0)
		return false;
	struct pollfd p = {fd, 0, 0};
	return poll(&p, 1, 0) == 1 && (p.revents & (POLLHUP | POLLERR));
}

static void sweep(uv_timer_t *t)
{
	struct wisd *d = t->data;
	for (struct client *c = d->clients; c; c = c->next) {
		if (c->closing)
			continue;
		/* A connection holding a place without the token goes. */
		if (!c->authed && uv_now(d->loop) - c->since >= d->cfg.auth_timeout * 1000ull) {
			client_drop(c, "no rpc.auth within %u s", d->cfg.auth_timeout);
			continue;
		}
		if (c->eof && c->is_unix && hung_up(c)) {
			log_debug("%s: disconnected (after its end of requests)", c->who.label);
			client_close(c);
			continue;
		}
		size_t q = uv_stream_get_write_queue_size(&c->h.stream);
		bool shrank = q < c->last_q + c->added;
		c->last_q = q;
		c->added = 0;
		if (q <= d->cfg.max_wqueue || shrank) {
			c->stall_ms = 0;
			continue;
		}
		c->stall_ms += SWEEP_MS;
		if (c->stall_ms >= d->cfg.drain_timeout * 1000u)
			client_drop(
			    c, "not reading: %zu bytes waiting, none taken for %u s (limit %zu)", q,
			    d->cfg.drain_timeout, d->cfg.max_wqueue);
	}
}

void limits_start(struct wisd *d)
{
	uv_timer_init(d->loop, &d->sweep_timer);
	d->sweep_timer.data = d;
	d->sweep_open = true;
	uv_timer_start(&d->sweep_timer, sweep, SWEEP_MS, SWEEP_MS);
}

void limits_stop(struct wisd *d)
{
	if (d->sweep_open && !uv_is_closing((uv_handle_t *)&d->sweep_timer))
		uv_close((uv_handle_t *)&d->sweep_timer, NULL);
}

bool limits_accept(struct client *c)
{
	struct wisd *d = c->d;
	/* Clients refused or dropped in this loop iteration are still in the
	 * list until their handles close: they do not count. */
	unsigned n = 0;
	for (struct client *k = d->clients; k; k = k->next)
		n += k != c && !k->closing;
	if (n < d->cfg.max_clients)
		return true;
	log_warn("%s refused: %u clients connected (max_clients %u)", c->who.label, n,
	         d->cfg.max_clients);
	char msg[120];
	snprintf(msg, sizeof msg, "too many clients: %u connected (max_clients %u)", n,
	         d->cfg.max_clients);
	rpc_send_error(c, WISJ_LIMIT, msg);
	client_close(c);
	return false;
}

/* wisd's output queues passed max_output: the client holding the most of
 * it goes (it is the one not keeping up). */
static void over_total(struct wisd *d)
{
	struct client *worst = NULL;
	for (struct client *c = d->clients; c; c = c->next)
		if (!c->closing && (!worst || c->queued > worst->queued))
			worst = c;
	if (worst)
		client_drop(worst,
		            "not reading: its %zu bytes waiting are the most when all clients' "
		            "reached %zu (max_output %zu)",
		            worst->queued, d->out_queued, d->cfg.max_output);
}

void limits_queued(struct client *c, size_t n)
{
	struct wisd *d = c->d;
	c->queued += n;
	c->added += n;
	d->out_queued += n;
	size_t q = uv_stream_get_write_queue_size(&c->h.stream);
	if (q > d->cfg.max_wqueue + d->cfg.max_answer)
		client_drop(c, "not reading: %zu bytes waiting, limit %zu", q,
		            d->cfg.max_wqueue + d->cfg.max_answer);
	else if (d->out_queued > d->cfg.max_output)
		over_total(d);
}

void limits_written(struct client *c, size_t n)
{
	if (c->closing)
		return; /* counted out by limits_closing */
	c->queued -= n;
	c->d->out_queued -= n;
}

/* A closing client's queue is freed as its handle closes, later in this
 * loop iteration: it no longer counts, or a burst of answers meanwhile
 * would drop further clients for bytes already on their way out. */
void limits_closing(struct client *c)
{
	c->d->out_queued -= c->queued;
	c->queued = 0;
}

int limits_subscriptions(struct client *c, unsigned topics, unsigned watches, struct wisj_error *e)
{
	unsigned max = c->d->cfg.max_subscriptions;
	if (topics + watches <= max)
		return 0;
	log_warn("%s refused: %u topics and %u pin watches would pass max_subscriptions %u",
	         c->who.label, topics, watches, max);
	wisj_error_set(
	    e, WISJ_LIMIT,
	    "too many subscriptions: %u topics and %u pin watches (max_subscriptions %u)", topics,
	    watches, max);
	return -1;
}

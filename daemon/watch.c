/*
 * wisd shared edge watches.  The module has one watch per pin; wisd lets
 * each caller (socket or internal client) ask for its own and gives the
 * module the union of the edges all callers want (edge codes are bit sets: rising 1, falling 2,
 * both 3). A client's "none", or its disconnect, removes only its own wish, so one `wisctl gpio
 * watch` ending does not silence another still running.
 *
 * The module itself drops a pin's watch when the pin's mode changes or it
 * is released; the registry follows (watch_forget_pin), except for the mode
 * settings wisd itself sends while re-applying state after a reconnect.
 */
#include <stdlib.h>

#include "frame.h"
#include "wisd.h"

struct watchreq {
	struct wisd_caller *c;
	uint8_t nrf, edge;
	uint32_t debounce_us;
};

static struct watchreq *find(struct wisd *d, struct wisd_caller *c, uint8_t nrf)
{
	for (unsigned i = 0; i < d->nwatches; i++)
		if (d->watches[i].c == c && d->watches[i].nrf == nrf)
			return &d->watches[i];
	return NULL;
}

uint8_t watch_union(struct wisd *d, uint8_t nrf, const struct wisd_caller *except,
                    uint32_t *debounce)
{
	uint8_t edge = 0;
	for (unsigned i = 0; i < d->nwatches; i++) {
		struct watchreq *w = &d->watches[i];
		if (w->nrf != nrf || w->c == except)
			continue;
		edge |= w->edge;
		if (debounce)
			*debounce = w->debounce_us;
	}
	return edge;
}

void watch_set(struct wisd *d, struct wisd_caller *c, uint8_t nrf, uint8_t edge,
               uint32_t debounce_us)
{
	struct watchreq *w = find(d, c, nrf);
	if (!edge) {
		if (w)
			*w = d->watches[--d->nwatches];
		return;
	}
	if (!w) {
		if (d->nwatches == d->watches_cap) {
			unsigned cap = d->watches_cap ? d->watches_cap * 2 : 16;
			struct watchreq *nw = realloc(d->watches, cap * sizeof *nw);
			if (!nw)
				return;
			d->watches = nw;
			d->watches_cap = cap;
		}
		w = &d->watches[d->nwatches++];
		w->c = c;
		w->nrf = nrf;
	}
	w->edge = edge;
	w->debounce_us = debounce_us;
}

void watch_forget_pin(struct wisd *d, uint8_t nrf)
{
	for (unsigned i = 0; i < d->nwatches;)
		if (d->watches[i].nrf == nrf)
			d->watches[i] = d->watches[--d->nwatches];
		else
			i++;
}

static void on_narrowed(void *user, json_object *result, struct wisj_error *err)
{
	(void)user;
	if (result)
		json_object_put(result);
	else
		log_warn("narrowing a watch after a client left: %s", err->message);
}

void watch_client_gone(struct wisd *d, struct wisd_caller *c)
{
	for (unsigned i = 0; i < d->nwatches;) {
		struct watchreq *w = &d->watches[i];
		if (w->c != c) {
			i++;
			continue;
		}
		uint8_t nrf = w->nrf, had = watch_union(d, nrf, NULL, NULL);
		*w = d->watches[--d->nwatches];
		uint32_t deb = 0;
		uint8_t now = watch_union(d, nrf, NULL, &deb);
		if (now == had)
			continue;
		uint8_t req[WIS_MAX_PAYLOAD];
		size_t len = wis_op_encode(
		    WIS_OP_GPIO_WATCH, (union wis_val[]){WIS_VAL(nrf), WIS_VAL(now), WIS_VAL(deb)},
		    req, sizeof req);
		if (wisj_ctx_device(d->jctx))
			wisj_raw(d->jctx, WIS_OP_GPIO_WATCH, req, len, on_narrowed, NULL);
		else /* not there now: make the re-apply use the narrower watch */
			state_observe_raw(d, WIS_OP_GPIO_WATCH, req, len);
	}
}

uint8_t watch_edge_of(struct wisd *d, struct wisd_caller *c, uint8_t nrf)
{
	struct watchreq *w = find(d, c, nrf);
	return w ? w->edge : 0;
}

unsigned watch_count(struct wisd *d, const struct wisd_caller *c)
{
	unsigned n = 0;
	for (unsigned i = 0; i < d->nwatches; i++)
		n += d->watches[i].c == c;
	return n;
}

void watch_free(struct wisd *d)
{
	free(d->watches);
	d->watches = NULL;
	d->nwatches = d->watches_cap = 0;
}

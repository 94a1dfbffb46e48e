/*
 * wisd declared state: what clients asked the pins to be (mode, output
 * level, watched edge), learned from every successful device operation
 * (wisjson's observer, batch steps included), so that after the module
 * resets or comes back from an unplug wisd can put it back the way the
 * clients left it.  The module itself forgets everything on reset.
 *
 * Order of re-apply: the config file's pin.* settings first, then the
 * remembered state (which wins, being newer).
 */
#include <stdlib.h>
#include <string.h>

#include "frame.h"
#include "wisd.h"

#define NPINS 64

struct pinrec {
	bool moded;
	uint8_t mode, level;
	uint8_t edge; /* WIS_EDGE_NONE = not watched */
	uint32_t debounce_us;
};

struct reapply {
	struct wisd *d;
	int pending, applied, failed;
	void (*done)(struct wisd *d, int applied, int failed);
};

int state_init(struct wisd *d)
{
	d->state = calloc(NPINS, sizeof *d->state);
	return d->state ? 0 : -1;
}

void state_free(struct wisd *d)
{
	free(d->state);
	d->state = NULL;
}

void state_observe(void *user, uint16_t op, const uint8_t *req, size_t len)
{
	struct wisd *d = user;
	if (len < 1 || req[0] >= NPINS)
		return;
	struct pinrec *p = &d->state[req[0]];
	/* Those drop the module's watch on the pin; wisd's own re-apply sets
	 * the watch again right after, so it leaves the registry alone. */
	if ((op == WIS_OP_GPIO_MODE || op == WIS_OP_RELEASE || op == WIS_OP_ADC_READ) &&
	    !d->reapplying)
		watch_forget_pin(d, req[0]);
	switch (op) {
	case WIS_OP_GPIO_MODE:
		if (len < 3)
			return;
		memset(p, 0, sizeof *p);
		/* Disabled means released: nothing to restore. */
		if (req[1] != WIS_GPIO_DISABLED) {
			p->moded = true;
			p->mode = req[1];
			p->level = req[2];
		}
		break;
	case WIS_OP_GPIO_WRITE:
		if (len < 2)
			return;
		if (!p->moded ||
		    (p->mode != WIS_GPIO_OUTPUT && p->mode != WIS_GPIO_OUTPUT_OPEN_DRAIN)) {
			p->moded = true;
			p->mode = WIS_GPIO_OUTPUT; /* a write to a free pin makes it an output */
		}
		p->level = req[1];
		break;
	case WIS_OP_GPIO_WATCH: {
		struct wis_rd r = wis_rd_init(req, len);
		wis_rd_u8(&r);
		uint8_t edge = wis_rd_u8(&r);
		uint32_t deb = wis_rd_u32(&r);
		if (r.err)
			return;
		if (!p->moded) {
			p->moded = true;
			p->mode = WIS_GPIO_INPUT;
		}
		p->edge = edge;
		p->debounce_us = deb;
		break;
	}
	case WIS_OP_GPIO_READ:
		if (!p->moded) {
			p->moded = true;
			p->mode = WIS_GPIO_INPUT;
		}
		break;
	case WIS_OP_RELEASE:
	case WIS_OP_ADC_READ: /* the ADC owns the pin now, and re-owns it on the next read */
		memset(p, 0, sizeof *p);
		break;
	default:
		break;
	}
}

static void on_applied(void *user, json_object *result, struct wisj_error *err)
{
	struct reapply *ra = user;
	ra->d->reapplying--;
	if (result) {
		ra->applied++;
		json_object_put(result);
	} else {
		ra->failed++;
		log_warn("re-apply: %s", err->message);
	}
	if (--ra->pending == 0) {
		if (ra->done)
			ra->done(ra->d, ra->applied, ra->failed);
		free(ra);
	}
}

static void send_op(struct reapply *ra, uint16_t op, const uint8_t *req, size_t len)
{
	ra->pending++;
	ra->d->reapplying++;
	wisj_raw(ra->d->jctx, op, req, len, on_applied, ra);
}

int state_reapply(struct wisd *d, void (*done)(struct wisd *d, int applied, int failed))
{
	struct reapply *ra = calloc(1, sizeof *ra);
	if (!ra)
		return -1;
	ra->d = d;
	ra->done = done;
	ra->pending = 1; /* held until every operation is queued */
	wis_device *dev = wisj_ctx_device(d->jctx);
	/* Snapshot first: the observer rewrites records as the answers arrive. */
	struct pinrec snap[NPINS];
	memcpy(snap, d->state, sizeof snap);
	for (int i = 0; i < d->cfg.npins; i++) {
		struct cfg_pin *cp = &d->cfg.pins[i];
		int nrf = dev ? wis_pin_resolve(dev, cp->name, WIS_FN_GPIO) : -1;
		if (nrf < 0 || (nrf < NPINS && snap[nrf].moded))
			continue;
		uint8_t req[3] = {(uint8_t)nrf, cp->mode, cp->level};
		send_op(ra, WIS_OP_GPIO_MODE, req, 3);
	}
	for (int nrf = 0; nrf < NPINS; nrf++) {
		struct pinrec *p = &snap[nrf];
		if (!p->moded)
			continue;
		uint8_t req[3] = {(uint8_t)nrf, p->mode, p->level};
		send_op(ra, WIS_OP_GPIO_MODE, req, 3);
		if (p->edge != WIS_EDGE_NONE) {
			uint8_t w[6];
			struct wis_wr wr = wis_wr_init(w, sizeof w);
			wis_wr_u8(&wr, (uint8_t)nrf);
			wis_wr_u8(&wr, p->edge);
			wis_wr_u32(&wr, p->debounce_us);
			send_op(ra, WIS_OP_GPIO_WATCH, w, wr.len);
		}
	}
	int queued = ra->pending - 1;
	if (--ra->pending == 0) {
		if (ra->done)
			ra->done(d, ra->applied, ra->failed);
		free(ra);
	}
	return queued;
}

/*
 * wisd declared state: what callers asked each resource to be, learned from
 * every successful device operation (wisjson's observer, batch steps
 * included), so that after the module resets or comes back from an unplug
 * wisd can put it back the way the clients left it.  The module itself
 * forgets everything on reset.
 *
 * Records are keyed on the resource an operation acts on ("pin:IO1",
 * "radio"...), as the opcode table names it.  What a record holds and how
 * it is re-applied belongs to its resource kind: one row of kinds[] with
 * an observe and a reapply hook: pins and the radio today; the flash and
 * the buses add a row (and their hooks) when they come.
 *
 * Order of re-apply: the config file's pin.* settings first, then the
 * remembered state (which wins, being newer).
 */
#include <stdlib.h>
#include <string.h>

#include "frame.h"
#include "wisd.h"

#define REC_DATA 32 /* bytes of kind-specific state per record */

struct resrec {
	char res[WISJ_RES_MAX];
	uint8_t kind; /* enum wis_res */
	bool declared;
	union {
		uint8_t raw[REC_DATA];
		struct pinrec {
			uint8_t nrf, mode, level;
			uint8_t edge; /* WIS_EDGE_NONE = not watched */
			uint32_t debounce_us;
		} pin;
		struct radiorec {
			uint8_t cfg[24]; /* the last RADIO_CONFIG request */
			uint8_t cfg_len;
			bool rx; /* receiving continuously */
		} radio;
	} u;
};

_Static_assert(sizeof(struct radiorec) <= REC_DATA, "radio record too big");

struct reapply {
	struct wisd *d;
	int pending, applied, failed;
	void (*done)(struct wisd *d, int applied, int failed);
};

/* How one resource kind keeps and restores its state. */
struct state_kind {
	uint8_t kind;
	/* A successful operation on the resource (r zeroed when new). */
	void (*observe)(struct wisd *d, struct resrec *r, const struct wis_op_desc *op,
	                const union wis_val *v);
	/* Send the operations that restore r. */
	void (*reapply)(struct reapply *ra, const struct resrec *r);
};

static void send_op(struct reapply *ra, uint16_t op, const uint8_t *req, size_t len);

/* send_op with the request built from its fields by the opcode table. */
static void send_fields(struct reapply *ra, uint16_t op, const union wis_val *v)
{
	uint8_t req[WIS_MAX_PAYLOAD];
	size_t n = wis_op_encode(op, v, req, sizeof req);
	if (n)
		send_op(ra, op, req, n);
}

/* ---- pins ------------------------------------------------------------------- */

/* Value of field name of op's request, or dflt. */
static uint64_t field(const struct wis_op_desc *op, const union wis_val *v, const char *name,
                      uint64_t dflt)
{
	int i = wis_field_index(op->req, op->nreq, name);
	return i < 0 ? dflt : v[i].u;
}

/* The input mode the module gives a free pin that is read or watched: a
 * button to ground (SW1) gets its pull-up (firmware/core/gpio.c), and
 * re-applying plain input would leave it floating without edges. */
static uint8_t implicit_input_mode(struct wisd *d, uint8_t nrf)
{
	wis_device *dev = wisj_ctx_device(d->jctx);
	size_t n;
	const struct wis_pin_def *pins = dev ? wis_get_pins(dev, &n) : wis_pins_rak4631(&n);
	for (size_t i = 0; i < n; i++)
		if (pins[i].nrf == nrf && pins[i].kind == WIS_PIN_IO)
			return (pins[i].funcs & WIS_FN_BUTTON) ? WIS_GPIO_INPUT_PULLUP
			                                       : WIS_GPIO_INPUT;
	return WIS_GPIO_INPUT;
}

static void pin_observe(struct wisd *d, struct resrec *r, const struct wis_op_desc *op,
                        const union wis_val *v)
{
	struct pinrec *p = &r->u.pin;
	p->nrf = (uint8_t)field(op, v, "pin", p->nrf);
	/* Those drop the module's watch on the pin; wisd's own re-apply sets
	 * the watch again right after, so it leaves the registry alone. */
	bool drops_watch = op->opcode == WIS_OP_GPIO_MODE || op->opcode == WIS_OP_RELEASE ||
	                   op->opcode == WIS_OP_ADC_READ;
	if (drops_watch && !d->reapplying)
		watch_forget_pin(d, p->nrf);
	switch (op->opcode) {
	case WIS_OP_GPIO_MODE:
		/* Disabled means released: nothing to restore. */
		r->declared = field(op, v, "mode", 0) != WIS_GPIO_DISABLED;
		p->mode = (uint8_t)field(op, v, "mode", 0);
		p->level = (uint8_t)field(op, v, "level", 0);
		p->edge = WIS_EDGE_NONE;
		break;
	case WIS_OP_GPIO_WRITE:
		if (!r->declared ||
		    (p->mode != WIS_GPIO_OUTPUT && p->mode != WIS_GPIO_OUTPUT_OPEN_DRAIN))
			p->mode = WIS_GPIO_OUTPUT; /* a write to a free pin makes it an output */
		r->declared = true;
		p->level = (uint8_t)field(op, v, "level", 0);
		break;
	case WIS_OP_GPIO_WATCH:
	case WIS_OP_GPIO_READ:
		if (!r->declared)
			p->mode = implicit_input_mode(d, p->nrf);
		r->declared = true;
		if (op->opcode == WIS_OP_GPIO_WATCH) {
			p->edge = (uint8_t)field(op, v, "edge", 0);
			p->debounce_us = (uint32_t)field(op, v, "debounce_us", 0);
		}
		break;
	case WIS_OP_RELEASE:
	case WIS_OP_ADC_READ: /* the ADC owns the pin now, and re-owns it on the next read */
		r->declared = false;
		p->edge = WIS_EDGE_NONE;
		break;
	default:
		break;
	}
}

static void pin_reapply(struct reapply *ra, const struct resrec *r)
{
	const struct pinrec *p = &r->u.pin;
	send_fields(ra, WIS_OP_GPIO_MODE,
	            (union wis_val[]){WIS_VAL(p->nrf), WIS_VAL(p->mode), WIS_VAL(p->level)});
	if (p->edge != WIS_EDGE_NONE)
		send_fields(
		    ra, WIS_OP_GPIO_WATCH,
		    (union wis_val[]){WIS_VAL(p->nrf), WIS_VAL(p->edge), WIS_VAL(p->debounce_us)});
}

/* ---- radio ------------------------------------------------------------------ */

/* The radio's configuration and whether it was receiving continuously (a
 * single RX with a timeout is over by the time the module is back). */
static void radio_observe(struct wisd *d, struct resrec *r, const struct wis_op_desc *op,
                          const union wis_val *v)
{
	(void)d;
	struct radiorec *p = &r->u.radio;
	switch (op->opcode) {
	case WIS_OP_RADIO_CONFIG:
		p->cfg_len =
		    (uint8_t)wis_fields_encode(op->req, op->nreq, v, p->cfg, sizeof p->cfg);
		r->declared = p->cfg_len > 0;
		break;
	case WIS_OP_RADIO_RX:
		p->rx = field(op, v, "timeout_ms", 0) == 0;
		break;
	case WIS_OP_RADIO_STOP:
		p->rx = false;
		break;
	default:
		break;
	}
}

static void radio_reapply(struct reapply *ra, const struct resrec *r)
{
	const struct radiorec *p = &r->u.radio;
	send_op(ra, WIS_OP_RADIO_CONFIG, p->cfg, p->cfg_len);
	if (p->rx)
		send_fields(ra, WIS_OP_RADIO_RX, (union wis_val[]){WIS_VAL(0)});
}

static const struct state_kind kinds[] = {
    {WIS_RES_PIN, pin_observe, pin_reapply},
    {WIS_RES_RADIO, radio_observe, radio_reapply},
};

static const struct state_kind *kind_of(int kind)
{
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
		if (kinds[i].kind == kind)
			return &kinds[i];
	return NULL;
}

/* ---- records ---------------------------------------------------------------- */

int state_init(struct wisd *d)
{
	d->state = NULL;
	d->nstate = d->state_cap = 0;
	return 0;
}

void state_free(struct wisd *d)
{
	free(d->state);
	d->state = NULL;
	d->nstate = d->state_cap = 0;
}

static struct resrec *record(struct wisd *d, const char *res, int kind)
{
	for (unsigned i = 0; i < d->nstate; i++)
		if (!strcmp(d->state[i].res, res))
			return &d->state[i];
	if (d->nstate == d->state_cap) {
		unsigned cap = d->state_cap ? d->state_cap * 2 : 16;
		struct resrec *n = realloc(d->state, cap * sizeof *n);
		if (!n)
			return NULL;
		d->state = n;
		d->state_cap = cap;
	}
	struct resrec *r = &d->state[d->nstate++];
	memset(r, 0, sizeof *r);
	snprintf(r->res, sizeof r->res, "%s", res);
	r->kind = (uint8_t)kind;
	return r;
}

void state_observe(void *user, const struct wis_op_desc *op, const char *res, const uint8_t *req,
                   size_t len)
{
	struct wisd *d = user;
	int kind = res[0] ? wis_res_parse(res) : -1;
	const struct state_kind *k = kind_of(kind);
	union wis_val v[WIS_OP_MAX_FIELDS];
	size_t bad;
	if (!k || wis_fields_decode(op->req, op->nreq, req, len, v, &bad) != WIS_DEC_OK)
		return;
	struct resrec *r = record(d, res, kind);
	if (r)
		k->observe(d, r, op, v);
}

void state_observe_raw(struct wisd *d, uint16_t opcode, const uint8_t *req, size_t len)
{
	const struct wis_op_desc *op = wis_op_find(opcode);
	wis_device *dev = wisj_ctx_device(d->jctx);
	size_t n;
	const struct wis_pin_def *pins = dev ? wis_get_pins(dev, &n) : wis_pins_rak4631(&n);
	char res[WISJ_RES_MAX];
	if (op && wis_op_resource(op, req, len, pins, n, res, sizeof res) > 0)
		state_observe(d, op, res, req, len);
}

bool state_pin_configured(struct wisd *d, const char *res)
{
	for (unsigned i = 0; i < d->nstate; i++)
		if (!strcmp(d->state[i].res, res))
			return d->state[i].declared;
	/* The config's pin.* settings are applied at every connect. */
	for (int i = 0; i < d->cfg.npins; i++)
		if (!strncmp(res, "pin:", 4) && !strcmp(res + 4, d->cfg.pins[i].name))
			return true;
	return false;
}

/* ---- re-apply ----------------------------------------------------------------- */

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

/* The config's pin.* settings, for pins no caller has declared since. */
static void config_pins(struct wisd *d, struct reapply *ra)
{
	wis_device *dev = wisj_ctx_device(d->jctx);
	for (int i = 0; i < d->cfg.npins; i++) {
		struct cfg_pin *cp = &d->cfg.pins[i];
		int nrf = dev ? wis_pin_resolve(dev, cp->name, WIS_FN_GPIO) : -1;
		if (nrf < 0)
			continue;
		bool declared = false;
		for (unsigned k = 0; k < d->nstate; k++)
			declared |= d->state[k].kind == WIS_RES_PIN && d->state[k].declared &&
			            d->state[k].u.pin.nrf == nrf;
		if (declared)
			continue;
		send_fields(ra, WIS_OP_GPIO_MODE,
		            (union wis_val[]){WIS_VAL(nrf), WIS_VAL(cp->mode), WIS_VAL(cp->level)});
	}
}

int state_reapply(struct wisd *d, void (*done)(struct wisd *d, int applied, int failed))
{
	struct reapply *ra = calloc(1, sizeof *ra);
	/* Snapshot first: the observer rewrites records as the answers arrive. */
	struct resrec *snap = d->nstate ? malloc(d->nstate * sizeof *snap) : NULL;
	if (!ra || (d->nstate && !snap)) {
		free(ra);
		free(snap);
		return -1;
	}
	unsigned n = d->nstate;
	if (n)
		memcpy(snap, d->state, n * sizeof *snap);
	ra->d = d;
	ra->done = done;
	ra->pending = 1; /* held until every operation is queued */
	config_pins(d, ra);
	for (unsigned i = 0; i < n; i++)
		if (snap[i].declared)
			kind_of(snap[i].kind)->reapply(ra, &snap[i]);
	free(snap);
	int queued = ra->pending - 1;
	if (--ra->pending == 0) {
		if (ra->done)
			ra->done(d, ra->applied, ra->failed);
		free(ra);
	}
	return queued;
}

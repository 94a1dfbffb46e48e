/*
 * wisd ownership: which caller (socket or internal client) has claimed
 * which resource: "pin:IO1", "radio", "flash", "i2c1", "i2c2", "spi",
 * "uart0", "uart1" (a bare pin name is short for pin:NAME).  A claim
 * refuses other callers' changes to the resource (the guard asks
 * owner_check() for every operation that changes one); reads stay open to
 * all, as with libgpiod's line requests.  Claims end with unclaim or when
 * the caller goes.
 *
 * Buses take pins (wis_res_pins: the IO-slot SPI and the QSPI flash share
 * SCK/MOSI/MISO/CS, LED3 and IO7 are QSPI DIO3/DIO2), so two resources
 * conflict when they are the same or share an nRF pin: claiming spi while
 * another caller holds pin:SPI_CS is refused, naming who holds what.
 * A gateway has a few dozen claims at most, so a flat array is enough.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wisd.h"

#define MAX_RES_PINS 8

struct claim {
	char name[WISJ_RES_MAX];
	uint8_t pins[MAX_RES_PINS]; /* nRF pins it takes */
	unsigned npins;
	struct wisd_caller *owner;
};

/* The nRF pins a canonical resource takes. */
static unsigned res_pins(struct wisd *d, const char *res, uint8_t out[MAX_RES_PINS])
{
	int kind = wis_res_parse(res);
	unsigned n = 0;
	if (kind == WIS_RES_PIN) {
		size_t count;
		wis_device *dev = wisj_ctx_device(d->jctx);
		const struct wis_pin_def *t =
		    dev ? wis_get_pins(dev, &count) : wis_pins_rak4631(&count);
		const struct wis_pin_def *p = wis_pin_lookup(t, count, res + 4);
		if (p && p->nrf != WIS_NRF_NONE)
			out[n++] = p->nrf;
		return n;
	}
	if (kind < 0)
		return 0;
	for (const uint8_t *p = wis_res_pins((unsigned)kind);
	     *p != WIS_NRF_NONE && n < MAX_RES_PINS; p++)
		out[n++] = *p;
	return n;
}

static bool overlaps(const struct claim *k, const char *res, const uint8_t *pins, unsigned n)
{
	if (!strcmp(k->name, res))
		return true;
	for (unsigned i = 0; i < k->npins; i++)
		for (unsigned j = 0; j < n; j++)
			if (k->pins[i] == pins[j])
				return true;
	return false;
}

/* A claim by someone other than who that conflicts with res, or NULL. */
static struct claim *conflict(struct wisd *d, const struct wisd_caller *who, const char *res)
{
	uint8_t pins[MAX_RES_PINS];
	unsigned n = res_pins(d, res, pins);
	for (unsigned i = 0; i < d->nclaims; i++)
		if (d->claims[i].owner != who && overlaps(&d->claims[i], res, pins, n))
			return &d->claims[i];
	return NULL;
}

struct wisd_caller *owner_of(struct wisd *d, const char *res, const char **held)
{
	struct claim *k = conflict(d, NULL, res);
	if (k && held)
		*held = k->name;
	return k ? k->owner : NULL;
}

/* -32003 with the data every ownership refusal carries (docs/api.md).  The
 * holder's pid and uid are shown to admin callers only (issue 10). */
static void refuse(struct wisj_error *e, const struct wisd_caller *asker, const char *res,
                   const struct claim *k, const char *tail)
{
	char shortname[32];
	const char *owner = k->owner->label;
	if (k->owner->sock && asker->perm < WIS_PERM_ADMIN) {
		snprintf(shortname, sizeof shortname, "client %u", k->owner->sock->id);
		owner = shortname;
	}
	if (!strcmp(res, k->name))
		wisj_error_set(e, WISJ_OWNED, "%s is claimed by %s%s", res, owner, tail);
	else
		wisj_error_set(e, WISJ_OWNED, "%s shares pins with %s, claimed by %s%s", res,
		               k->name, owner, tail);
	e->data = json_object_new_object();
	json_object_object_add(e->data, "resource", json_object_new_string(res));
	json_object_object_add(e->data, "held", json_object_new_string(k->name));
	json_object_object_add(e->data, "owner", json_object_new_string(owner));
}

int owner_check(struct wisd *d, struct wisd_caller *who, const char *res, struct wisj_error *e)
{
	struct claim *k = conflict(d, who, res);
	if (!k)
		return 0;
	refuse(e, who, res, k, "");
	return -1;
}

/* Canonical names of every entry of list, or -1 with e set. */
static int names(struct wisd *d, json_object *list, char (*out)[WISJ_RES_MAX], size_t max,
                 size_t *n, struct wisj_error *e)
{
	bool arr = json_object_is_type(list, json_type_array);
	size_t count = arr ? json_object_array_length(list) : 1;
	if (count > max) {
		wisj_error_set(e, WISJ_INVALID_PARAMS, "at most %zu resources at once", max);
		return -1;
	}
	wis_device *dev = wisj_ctx_device(d->jctx);
	for (size_t i = 0; i < count; i++) {
		const char *s =
		    json_object_get_string(arr ? json_object_array_get_idx(list, i) : list);
		if (wisj_res_canonical(dev, s, out[i], sizeof out[i], e) < 0)
			return -1;
	}
	*n = count;
	return 0;
}

static int grow(struct wisd *d, struct wisj_error *e)
{
	if (d->nclaims < d->claims_cap)
		return 0;
	unsigned cap = d->claims_cap ? d->claims_cap * 2 : 16;
	struct claim *k = realloc(d->claims, cap * sizeof *k);
	if (!k) {
		wisj_error_set(e, WISJ_INTERNAL_ERROR, "out of memory");
		return -1;
	}
	d->claims = k;
	d->claims_cap = cap;
	return 0;
}

static struct claim *find(struct wisd *d, const struct wisd_caller *c, const char *name)
{
	for (unsigned i = 0; i < d->nclaims; i++)
		if (d->claims[i].owner == c && !strcmp(d->claims[i].name, name))
			return &d->claims[i];
	return NULL;
}

int owner_claim(struct wisd *d, struct wisd_caller *c, json_object *list, struct wisj_error *e)
{
	char want[64][WISJ_RES_MAX];
	size_t n;
	if (names(d, list, want, 64, &n, e) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) /* all or nothing */
		if (owner_check(d, c, want[i], e) < 0)
			return -1;
	for (size_t i = 0; i < n; i++) {
		if (find(d, c, want[i]))
			continue;
		if (grow(d, e) < 0)
			return -1;
		struct claim *k = &d->claims[d->nclaims++];
		memcpy(k->name, want[i], sizeof k->name);
		k->npins = res_pins(d, k->name, k->pins);
		k->owner = c;
		log_info("%s claimed %s", c->label, k->name);
	}
	return 0;
}

/* Keeps the order: claim lists show resources in the order claimed. */
static void drop_at(struct wisd *d, unsigned i)
{
	memmove(&d->claims[i], &d->claims[i + 1], (d->nclaims - i - 1) * sizeof *d->claims);
	d->nclaims--;
}

int owner_unclaim(struct wisd *d, struct wisd_caller *c, json_object *list, struct wisj_error *e)
{
	char want[64][WISJ_RES_MAX];
	size_t n;
	if (names(d, list, want, 64, &n, e) < 0)
		return -1;
	/* Giving back what another caller holds is refused like a change. */
	for (size_t i = 0; i < n; i++)
		for (unsigned k = 0; k < d->nclaims; k++)
			if (d->claims[k].owner != c && !strcmp(d->claims[k].name, want[i])) {
				refuse(e, c, want[i], &d->claims[k], ", not by you");
				return -1;
			}
	for (size_t i = 0; i < n; i++) {
		struct claim *k = find(d, c, want[i]);
		if (k)
			drop_at(d, (unsigned)(k - d->claims));
	}
	return 0;
}

json_object *owner_list(struct wisd *d, struct wisd_caller *c)
{
	json_object *a = json_object_new_array();
	for (unsigned i = 0; i < d->nclaims; i++)
		if (d->claims[i].owner == c)
			json_object_array_add(a, json_object_new_string(d->claims[i].name));
	return a;
}

void owner_release_all(struct wisd *d, struct wisd_caller *c)
{
	for (unsigned i = 0; i < d->nclaims;) {
		if (d->claims[i].owner == c) {
			log_info("%s gone: %s released", c->label, d->claims[i].name);
			drop_at(d, i);
		} else {
			i++;
		}
	}
}

void owner_free(struct wisd *d)
{
	free(d->claims);
	d->claims = NULL;
	d->nclaims = d->claims_cap = 0;
}

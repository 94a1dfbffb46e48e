/*
 * wisd ownership: which client has claimed which resource.  A claimed pin
 * refuses other clients' writes (the wisjson guard asks owner_of()); reads
 * stay open to all, as with libgpiod's line requests.  Claims end with
 * unclaim or when the client disconnects.  Resources are pin names now;
 * buses and the radio ("i2c1", "radio") join when those subsystems exist.
 * A gateway has a few dozen claims at most, so a flat array is enough.
 */
#include <stdlib.h>
#include <string.h>

#include "wisd.h"

struct claim {
	char name[24];
	struct client *owner;
};

static struct claim *find(struct wisd *d, const char *name)
{
	for (unsigned i = 0; i < d->nclaims; i++)
		if (!strcmp(d->claims[i].name, name))
			return &d->claims[i];
	return NULL;
}

struct client *owner_of(struct wisd *d, const char *name)
{
	struct claim *k = find(d, name);
	return k ? k->owner : NULL;
}

/* Canonical names of every entry of list, or -1 with e set. */
static int names(struct wisd *d, json_object *list, char (*out)[24], size_t max, size_t *n,
                 struct wisj_error *e)
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
		if (wisj_pin_canonical(dev, s, out[i], sizeof out[i], e) < 0)
			return -1;
	}
	*n = count;
	return 0;
}

/* -32003 with the data every ownership refusal carries (docs/api.md). */
static void refuse(struct wisj_error *e, const char *name, struct client *o, const char *tail)
{
	wisj_error_set(e, WISJ_OWNED, "%s is claimed by %s%s", name, o->label, tail);
	e->data = json_object_new_object();
	json_object_object_add(e->data, "resource", json_object_new_string(name));
	json_object_object_add(e->data, "owner", json_object_new_string(o->label));
}

/* Resolves list into want[] and refuses (naming the owner) if any of them
 * is claimed by a client other than c: all or nothing. */
static int names_not_others(struct wisd *d, struct client *c, json_object *list, char want[64][24],
                            size_t *n, const char *tail, struct wisj_error *e)
{
	if (names(d, list, want, 64, n, e) < 0)
		return -1;
	for (size_t i = 0; i < *n; i++) {
		struct client *o = owner_of(d, want[i]);
		if (o && o != c) {
			refuse(e, want[i], o, tail);
			return -1;
		}
	}
	return 0;
}

int owner_claim(struct wisd *d, struct client *c, json_object *list, struct wisj_error *e)
{
	char want[64][24];
	size_t n;
	if (names_not_others(d, c, list, want, &n, "", e) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (find(d, want[i]))
			continue;
		if (d->nclaims == d->claims_cap) {
			unsigned cap = d->claims_cap ? d->claims_cap * 2 : 16;
			struct claim *k = realloc(d->claims, cap * sizeof *k);
			if (!k) {
				wisj_error_set(e, WISJ_INTERNAL_ERROR, "out of memory");
				return -1;
			}
			d->claims = k;
			d->claims_cap = cap;
		}
		struct claim *k = &d->claims[d->nclaims++];
		memcpy(k->name, want[i], sizeof k->name);
		k->owner = c;
		log_info("%s claimed %s", c->label, k->name);
	}
	return 0;
}

static void drop_at(struct wisd *d, unsigned i)
{
	d->claims[i] = d->claims[--d->nclaims];
}

int owner_unclaim(struct wisd *d, struct client *c, json_object *list, struct wisj_error *e)
{
	char want[64][24];
	size_t n;
	if (names_not_others(d, c, list, want, &n, ", not by you", e) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		for (unsigned k = 0; k < d->nclaims; k++)
			if (!strcmp(d->claims[k].name, want[i])) {
				drop_at(d, k);
				break;
			}
	return 0;
}

json_object *owner_list(struct wisd *d, struct client *c)
{
	json_object *a = json_object_new_array();
	for (unsigned i = 0; i < d->nclaims; i++)
		if (d->claims[i].owner == c)
			json_object_array_add(a, json_object_new_string(d->claims[i].name));
	return a;
}

void owner_release_all(struct wisd *d, struct client *c)
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

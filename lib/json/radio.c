/*
 * wisjson radio methods' own code (their rows are in methods.c): the
 * config request with the library's defaults for absent params, a send's
 * payload from text or hex (at a device time with at_us), the status with
 * its state named, and radio.airtime, answered without a device by
 * libwisrpc's time-on-air function.  The context's regional rules
 * (wisj_ctx_set_radio_region) are libwisrpc's: a configuration is checked
 * by wis_radio_config_check() when planned, one the module accepted is
 * handed to wis_radio_rules_use(), and each send is accounted by
 * wis_radio_rules_send() when planned, so wisd's clients share the one
 * duty-cycle budget of the module with the library's own calls.
 */
#include <string.h>

#include "wisjson_int.h"

static uint64_t flag(json_object *params, const char *name, bool dflt)
{
	json_object *v = wisj_param(params, name);
	return v ? json_object_get_boolean(v) : dflt;
}

/* RADIO_CONFIG's field values (in the opcode table's order) as the
 * library's settings object, under the context's region; NULL with e set
 * if a value is refused (the setters name it). */
static wis_radio_config *config_of(wisj_ctx *ctx, const union wis_val *v, struct wisj_error *e)
{
	wis_radio_config *c = wis_radio_config_new();
	if (!c) {
		wisj_error_set(e, WISJ_INTERNAL_ERROR, "out of memory");
		return NULL;
	}
	if (wis_radio_config_set_frequency(c, (uint32_t)v[0].u) < 0 ||
	    wis_radio_config_set_power(c, (int)v[1].i) < 0 ||
	    wis_radio_config_set_sf(c, (unsigned)v[2].u) < 0 ||
	    wis_radio_config_set_bandwidth(c, (uint32_t)v[3].u) < 0 ||
	    wis_radio_config_set_coding_rate(c, (unsigned)v[4].u) < 0 ||
	    wis_radio_config_set_ldro(c, (unsigned)v[5].u) < 0 ||
	    wis_radio_config_set_preamble(c, (unsigned)v[6].u) < 0 ||
	    wis_radio_config_set_implicit_header(c, (int)v[7].u, (unsigned)v[8].u) < 0 ||
	    wis_radio_config_set_crc(c, (int)v[9].u) < 0 ||
	    wis_radio_config_set_invert_iq(c, (int)v[10].u) < 0 ||
	    wis_radio_config_set_sync_word(c, (unsigned)v[11].u) < 0 ||
	    wis_radio_config_set_tcxo_mv(c, (unsigned)v[12].u) < 0 ||
	    wis_radio_config_set_idle_xosc(c, (int)v[13].u) < 0 ||
	    wis_radio_config_set_region(c, ctx ? wisj_ctx_radio_region(ctx) : "EU868") < 0) {
		wisj_error_set(e, WISJ_INVALID_PARAMS, "%s", wis_last_error());
		wis_radio_config_free(c);
		return NULL;
	}
	return c;
}

void wisj_radio_accepted(wisj_ctx *ctx, wis_device *dev, const uint8_t *req, size_t len)
{
	const struct wis_op_desc *d = wis_op_find(WIS_OP_RADIO_CONFIG);
	union wis_val v[WIS_OP_MAX_FIELDS];
	size_t bad;
	struct wisj_error e = {0};
	if (!dev || wis_fields_parse(d->req, d->nreq, req, len, v, &bad) != WIS_DEC_OK)
		return;
	wis_radio_config *c = config_of(ctx, v, &e);
	if (c)
		wis_radio_rules_use(dev, c);
	wis_radio_config_free(c);
	wisj_error_clear(&e);
}

int wisj_radio_config_plan(wis_device *dev, json_object *params, struct wisj_plan *p,
                           struct wisj_error *e)
{
	union wis_val v[] = {
	    WIS_VAL(wisj_param_int(params, "freq_hz", 868100000)),
	    {.i = wisj_param_int(params, "power_dbm", 14)},
	    WIS_VAL(wisj_param_int(params, "sf", 7)),
	    WIS_VAL(wisj_param_int(params, "bw_hz", 125000)),
	    WIS_VAL(wisj_param_int(params, "cr", 5)),
	    WIS_VAL(wisj_param_enum(params, "ldro", wis_radio_ldro_names, "auto")),
	    WIS_VAL(wisj_param_int(params, "preamble", 8)),
	    WIS_VAL(flag(params, "implicit", false)),
	    WIS_VAL(wisj_param_int(params, "payload_len", 0)),
	    WIS_VAL(flag(params, "crc", true)),
	    WIS_VAL(flag(params, "invert_iq", false)),
	    WIS_VAL(wisj_param_int(params, "sync_word", 0x12)),
	    WIS_VAL(wisj_param_int(params, "tcxo_mv", 1800)),
	    WIS_VAL(flag(params, "idle_xosc", false)),
	};
	/* Out-of-range values are left to the module's checks (its message
	 * names the field); only a valid configuration meets the region's. */
	struct wisj_error ignore = {0};
	wis_radio_config *c = config_of(p->ctx, v, &ignore);
	wisj_error_clear(&ignore);
	if (c && wis_radio_config_check(c) < 0) {
		wisj_error_from_wis(e, WIS_E_REGULATION, wis_last_error());
		wis_radio_config_free(c);
		return -1;
	}
	wis_radio_config_free(c);
	return wisj_plan_fields(p, dev, WIS_OP_RADIO_CONFIG, v, e);
}

static int hexval(char c)
{
	return c >= '0' && c <= '9'   ? c - '0'
	       : c >= 'a' && c <= 'f' ? c - 'a' + 10
	       : c >= 'A' && c <= 'F' ? c - 'A' + 10
	                              : -1;
}

int wisj_radio_send_plan(wis_device *dev, json_object *params, struct wisj_plan *p,
                         struct wisj_error *e)
{
	uint8_t buf[WIS_RADIO_MAX_PAYLOAD];
	json_object *t = wisj_param(params, "data"), *h = wisj_param(params, "hex");
	size_t n = 0;
	if (t && h) {
		wisj_error_set(e, WISJ_INVALID_PARAMS,
		               "give the payload as 'data' or 'hex', not both");
		return -1;
	}
	if (t) {
		n = (size_t)json_object_get_string_len(t);
		if (n <= sizeof buf)
			memcpy(buf, json_object_get_string(t), n);
	} else if (h) {
		const char *s = json_object_get_string(h);
		size_t k = strlen(s);
		for (size_t i = 0; i + 1 < k && n < sizeof buf; i += 2, n++) {
			int a = hexval(s[i]), b = hexval(s[i + 1]);
			if (a < 0 || b < 0 || k % 2) {
				wisj_error_set(e, WISJ_INVALID_PARAMS,
				               "parameter 'hex': '%.40s' is not hex byte pairs", s);
				return -1;
			}
			buf[n] = (uint8_t)(a << 4 | b);
		}
		n = k / 2;
	}
	/* No payload at all goes to the module, which refuses it (its length
	 * rule is the opcode table's); too long does not fit the request. */
	if (n > sizeof buf) {
		wisj_error_set(e, WISJ_INVALID_PARAMS, "payload of %zu bytes: 1..255", n);
		return -1;
	}
	union wis_val v[3];
	json_object *at = wisj_param(params, "at_us");
	int k = 0;
	if (at)
		v[k++] = WIS_VAL(json_object_get_int64(at));
	v[k++] = WIS_VAL(wisj_param_int(params, "timeout_ms", 0));
	v[k].b.p = buf;
	v[k].b.len = n;
	uint16_t op = at ? WIS_OP_RADIO_SEND_AT : WIS_OP_RADIO_SEND;
	uint32_t wait_ms = 0;
	if (n > 0 && dev &&
	    wis_radio_rules_send(dev, n, at != NULL, at ? v[0].u : 0, &wait_ms) < 0) {
		wisj_error_from_wis(e, WIS_E_REGULATION, wis_last_error());
		json_object_object_add(e->data, "retry_after_ms", json_object_new_int64(wait_ms));
		return -1;
	}
	if (n == 0) {
		/* Every field but the payload (the last one): the module refuses
		 * the empty payload itself. */
		const struct wis_op_desc *d = wis_op_find(op);
		uint8_t req[WIS_MAX_PAYLOAD];
		size_t len = wis_fields_encode(d->req, d->nreq - 1u, v, req, sizeof req);
		return wisj_plan_add(p, dev, op, req, len, e);
	}
	return wisj_plan_fields(p, dev, op, v, e);
}

json_object *wisj_radio_status_finish(wis_device *dev, json_object *params,
                                      const struct wisj_step *s, const struct wisj_res *r, int n,
                                      struct wisj_error *e)
{
	(void)dev, (void)params, (void)n;
	union wis_val v[WIS_OP_MAX_FIELDS];
	size_t bad;
	if (wis_fields_parse(s->op->resp, s->op->nresp, r->p, r->len, v, &bad) != WIS_DEC_OK) {
		wisj_error_set(e, WISJ_HOST_ERROR, "%s: malformed answer", s->op->name);
		return NULL;
	}
	json_object *o = json_object_new_object();
	for (unsigned i = 0; i < s->op->nresp; i++) {
		const struct wis_field *f = &s->op->resp[i];
		json_object_object_add(
		    o, f->name,
		    f->names == wis_radio_state_names
		        ? json_object_new_string(wis_name_of(f->names, (unsigned)v[i].u))
		        : json_object_new_int64((int64_t)v[i].u));
	}
	return o;
}

/* Through the library's settings object: its setters name a bad value. */
json_object *wisj_radio_airtime_local(wis_device *dev, json_object *params, struct wisj_error *e)
{
	(void)dev;
	wis_radio_config *c = wis_radio_config_new();
	int64_t len = wisj_param_int(params, "len", 0);
	json_object *o = NULL;
	if (!c) {
		wisj_error_set(e, WISJ_HOST_ERROR, "out of memory");
		return NULL;
	}
	if (wis_radio_config_set_sf(c, (unsigned)wisj_param_int(params, "sf", 7)) < 0 ||
	    wis_radio_config_set_bandwidth(c, (uint32_t)wisj_param_int(params, "bw_hz", 125000)) <
	        0 ||
	    wis_radio_config_set_coding_rate(c, (unsigned)wisj_param_int(params, "cr", 5)) < 0 ||
	    wis_radio_config_set_preamble(c, (unsigned)wisj_param_int(params, "preamble", 8)) < 0 ||
	    wis_radio_config_set_ldro(
	        c, wisj_param_enum(params, "ldro", wis_radio_ldro_names, "auto")) < 0 ||
	    wis_radio_config_set_implicit_header(c, (int)flag(params, "implicit", false),
	                                         (unsigned)len) < 0 ||
	    wis_radio_config_set_crc(c, (int)flag(params, "crc", true)) < 0) {
		wisj_error_set(e, WISJ_INVALID_PARAMS, "%s", wis_last_error());
	} else {
		uint32_t us = wis_radio_time_on_air_us(c, (size_t)len);
		o = json_object_new_object();
		json_object_object_add(o, "airtime_us", json_object_new_int64(us));
		json_object_object_add(o, "airtime_ms", json_object_new_double(us / 1000.0));
	}
	wis_radio_config_free(c);
	return o;
}

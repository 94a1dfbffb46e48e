/*
 * The Semtech bridge's side towards the module (see comp_semtech.c): the
 * module's µs clock as seen from the host, the radio tuned to the uplink
 * channel, and the downlink queue.  A txpk is judged when it arrives
 * (TX_ACK at once) and handed to the module lead_ms before it is due as a
 * send at a device time: the module's clock, not the host's wake-up, sets
 * the moment it leaves.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "semtech_priv.h"

static bool live(struct semtech *s)
{
	s->pending--;
	return !s->stopping;
}

/* ---- the module's clock ----------------------------------------------------------- */

void semtech_clock_sample(struct semtech *s, json_object *rx)
{
	json_object *dev, *mono;
	if (!json_object_object_get_ex(rx, "device_us", &dev) ||
	    !json_object_object_get_ex(rx, "monotonic", &mono))
		return; /* no mapping yet (just after a reset) */
	int64_t off = llround(json_object_get_double(mono) * 1e6) - json_object_get_int64(dev);
	log_debug("semtech: clock from radio.rx: offset %lld (was %lld, %s)", (long long)off,
	          (long long)s->offset_us, s->mapped ? "mapped" : "unmapped");
	s->offset_us = off;
	s->mapped = true;
}

/* Half the round trip is the error: fine for scheduling lead_ms ahead. */
static void on_uptime(void *user, json_object *r, struct wisj_error *err)
{
	struct semtech *s = user;
	json_object *v;
	if (live(s) && r && json_object_object_get_ex(r, "uptime_us", &v)) {
		int64_t t1 = semtech_mono_us();
		s->offset_us = (s->uptime_t0 + t1) / 2 - json_object_get_int64(v);
		s->mapped = true;
		log_debug("semtech: clock from system.uptime: offset %lld, round trip %lld µs",
		          (long long)s->offset_us, (long long)(t1 - s->uptime_t0));
	} else if (!s->stopping)
		semtech_note_error(s, "system.uptime", err);
	if (r)
		json_object_put(r);
}

/* ---- radio setup ---------------------------------------------------------------- */

static void on_info(void *user, json_object *r, struct wisj_error *err)
{
	struct semtech *s = user;
	json_object *v;
	if (live(s) && r && !s->eui_known && json_object_object_get_ex(r, "device_id", &v)) {
		const char *h = json_object_get_string(v);
		if (wisj_hex_decode(h, strlen(h), s->eui, sizeof s->eui) == (int)sizeof s->eui) {
			s->eui_known = true;
			log_info("semtech: gateway EUI %s (the module's id)", h);
			semtech_pull(s); /* open the downlink route now, not a keepalive later */
		}
	} else if (!r && !s->stopping)
		semtech_note_error(s, "system.info", err);
	if (r)
		json_object_put(r);
}

static void on_setup_step(void *user, json_object *r, struct wisj_error *err)
{
	struct semtech *s = user;
	if (live(s) && !r)
		semtech_note_error(s, "radio setup", err);
	if (r)
		json_object_put(r);
}

static void on_rx_started(void *user, json_object *r, struct wisj_error *err)
{
	struct semtech *s = user;
	if (live(s)) {
		s->radio_ready = r != NULL;
		if (!r)
			semtech_note_error(s, "radio.rx", err);
	}
	if (r)
		json_object_put(r);
}

static json_object *radio_params(const struct semtech *s, const struct semtech_txpk *tx)
{
	json_object *p = json_object_new_object();
	json_object_object_add(p, "freq_hz",
	                       json_object_new_int64(tx ? tx->freq_hz : s->c->freq_hz));
	json_object_object_add(p, "sf", json_object_new_int((int)(tx ? tx->sf : s->c->sf)));
	json_object_object_add(p, "bw_hz", json_object_new_int64(tx ? tx->bw_hz : s->c->bw_hz));
	json_object_object_add(p, "cr", json_object_new_int((int)(tx ? tx->cr : s->c->cr)));
	json_object_object_add(p, "sync_word", json_object_new_int((int)s->c->sync_word));
	json_object_object_add(p, "invert_iq", json_object_new_boolean(tx ? tx->ipol : false));
	json_object_object_add(p, "crc", json_object_new_boolean(tx ? tx->crc : true));
	if (tx) {
		json_object_object_add(p, "power_dbm", json_object_new_int(tx->power_dbm));
		json_object_object_add(p, "preamble", json_object_new_int((int)tx->preamble));
	}
	return p;
}

/* Back to the uplink channel, receiving; then cb. */
static void listen_uplink(struct semtech *s, wisd_call_cb cb)
{
	semtech_call(s, "radio.config", radio_params(s, NULL), on_setup_step);
	semtech_call(s, "radio.rx", json_object_new_object(), cb);
}

void semtech_device_up(struct semtech *s)
{
	if (s->stopping)
		return;
	semtech_call(s, "system.info", json_object_new_object(), on_info);
	s->uptime_t0 = semtech_mono_us();
	semtech_call(s, "system.uptime", json_object_new_object(), on_uptime);
	if (s->c->claim) {
		json_object *p = json_object_new_object();
		json_object_object_add(p, "resources", json_object_new_string("radio"));
		semtech_call(s, "claim", p, on_setup_step);
	}
	listen_uplink(s, on_rx_started);
}

/* ---- downlink queue --------------------------------------------------------------- */

static void arm(struct semtech *s);

/* A reset loses the clock and the queued times with it. */
void semtech_device_down(struct semtech *s)
{
	s->radio_ready = false;
	s->mapped = false;
	if (s->nq)
		log_warn("semtech: module gone: %d queued downlinks dropped", s->nq);
	s->tx_failed += (unsigned long)s->nq;
	s->nq = 0;
	uv_timer_stop(&s->txtimer);
}

void semtech_tx_stop(struct semtech *s)
{
	s->nq = 0;
	uv_timer_stop(&s->txtimer);
}

static uint32_t airtime_us(const struct semtech_txpk *tx)
{
	wis_radio_config *c = wis_radio_config_new();
	if (!c)
		return 0;
	wis_radio_config_set_sf(c, tx->sf);
	wis_radio_config_set_bandwidth(c, tx->bw_hz);
	wis_radio_config_set_coding_rate(c, tx->cr);
	wis_radio_config_set_preamble(c, tx->preamble);
	wis_radio_config_set_crc(c, tx->crc);
	uint32_t us = wis_radio_time_on_air_us(c, tx->len);
	wis_radio_config_free(c);
	return us;
}

static void on_restored(void *user, json_object *r, struct wisj_error *err)
{
	struct semtech *s = user;
	if (live(s)) {
		s->radio_ready = r != NULL;
		if (!r)
			semtech_note_error(s, "back to RX after a downlink", err);
		s->tx_busy = false;
		arm(s);
	}
	if (r)
		json_object_put(r);
}

static void on_sent(void *user, json_object *r, struct wisj_error *err)
{
	struct semtech *s = user;
	if (live(s)) {
		if (r)
			s->txnb++;
		else {
			s->tx_failed++;
			semtech_note_error(s, "downlink", err);
		}
		listen_uplink(s, on_restored);
	}
	if (r)
		json_object_put(r);
}

/* The first queued downlink is due within lead_ms: retune and hand it over. */
static void on_txtimer(uv_timer_t *t)
{
	struct semtech *s = t->data;
	if (s->tx_busy || !s->nq || s->stopping)
		return;
	struct txitem it = s->q[0];
	memmove(s->q, s->q + 1, (size_t)--s->nq * sizeof *s->q);
	s->tx_busy = true;
	semtech_call(s, "radio.config", radio_params(s, &it.tx), on_setup_step);
	json_object *p = json_object_new_object();
	json_object_object_add(p, "hex", wisj_hex_json(it.tx.data, it.tx.len));
	if (it.at_us)
		json_object_object_add(p, "at_us", json_object_new_int64((int64_t)it.at_us));
	semtech_call(s, "radio.send", p, on_sent);
}

static void arm(struct semtech *s)
{
	if (s->tx_busy || !s->nq || s->stopping)
		return;
	int64_t wait_us = 0;
	if (s->q[0].at_us)
		wait_us = (int64_t)(s->q[0].at_us - s->c->lead_ms * 1000ull) -
		          (int64_t)semtech_device_now(s);
	uv_timer_start(&s->txtimer, on_txtimer, wait_us > 0 ? (uint64_t)wait_us / 1000 : 0, 0);
}

static bool overlaps(const struct txitem *a, uint64_t at, uint32_t air)
{
	return a->at_us && at && at < a->at_us + a->airtime_us && a->at_us < at + air;
}

/* Where it goes in the queue, or the TX_ACK error that refuses it. */
static enum semtech_txerr schedule(struct semtech *s, struct txitem *it, char *why, size_t wl)
{
	if (!s->radio_ready) {
		snprintf(why, wl, "the module is not up");
		return SEMTECH_TX_TOO_LATE;
	}
	it->airtime_us = airtime_us(&it->tx);
	uint64_t now = semtech_device_now(s);
	if (it->tx.imme) {
		it->at_us = s->mapped ? now + s->c->lead_ms * 1000ull : 0;
	} else {
		if (!s->mapped) {
			snprintf(why, wl, "the module's clock is not known yet");
			return SEMTECH_TX_TOO_LATE;
		}
		it->at_us = semtech_tmst_unwrap(it->tx.tmst, now);
		if (it->at_us < now + s->c->min_lead_ms * 1000ull) {
			snprintf(why, wl, "tmst %u is %lld µs from now, less than min_lead_ms %u",
			         it->tx.tmst, (long long)(it->at_us - now), s->c->min_lead_ms);
			return SEMTECH_TX_TOO_LATE;
		}
		if (it->at_us > now + s->c->max_advance_s * 1000000ull) {
			snprintf(why, wl, "tmst %u is more than max_advance_s %u ahead",
			         it->tx.tmst, s->c->max_advance_s);
			return SEMTECH_TX_TOO_EARLY;
		}
	}
	if (s->nq == TXQ_MAX) {
		snprintf(why, wl, "%d downlinks already queued", TXQ_MAX);
		return SEMTECH_TX_COLLISION_PACKET;
	}
	int pos = s->nq;
	for (int i = 0; i < s->nq; i++) {
		if (overlaps(&s->q[i], it->at_us, it->airtime_us)) {
			snprintf(why, wl, "overlaps the downlink due at device time %llu",
			         (unsigned long long)s->q[i].at_us);
			return SEMTECH_TX_COLLISION_PACKET;
		}
		if (pos == s->nq &&
		    (it->at_us == 0 || (s->q[i].at_us && it->at_us < s->q[i].at_us)))
			pos = i;
	}
	memmove(s->q + pos + 1, s->q + pos, (size_t)(s->nq - pos) * sizeof *s->q);
	s->q[pos] = *it;
	s->nq++;
	arm(s);
	return SEMTECH_TX_NONE;
}

void semtech_downlink(struct semtech *s, uint16_t tok, const char *json, size_t len)
{
	struct txitem it;
	char why[200] = "";
	enum semtech_txerr e = semtech_txpk_parse(json, len, &it.tx, why, sizeof why);
	if (e == SEMTECH_TX_NONE)
		e = schedule(s, &it, why, sizeof why);
	if (e == SEMTECH_TX_INVALID)
		s->malformed++;
	if (e != SEMTECH_TX_NONE) {
		s->rejected[e]++;
		snprintf(s->last_error, sizeof s->last_error, "downlink refused (%s): %.200s",
		         semtech_txerr_name(e), why);
		log_info("semtech: %s", s->last_error);
	}
	char body[64];
	snprintf(body, sizeof body, "{\"txpk_ack\":{\"error\":\"%s\"}}", semtech_txerr_name(e));
	semtech_send(s, false, SEMTECH_TX_ACK, tok, true, body);
}

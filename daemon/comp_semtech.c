/*
 * The Semtech UDP bridge: wisd as a single-channel LoRaWAN gateway speaking
 * the packet forwarder protocol v2 to a network server (ChirpStack's
 * gateway bridge, The Things Stack, ...).  Datagram layouts and field
 * checks are in semtech_pkt.c; this file does the sockets, the radio and
 * the timing.
 *
 * Uplink: every radio.rx packet becomes a PUSH_DATA rxpk (tmst = the low
 * 32 bits of the module's µs timestamp at RxDone); a stat object every
 * stat_s.  Downlink: PULL_DATA every keepalive_s keeps the route open;
 * each PULL_RESP txpk is checked at once and answered with TX_ACK (NONE,
 * or why not), then queued by departure time.  lead_ms before it is due
 * the bridge retunes the radio for it (frequency, SF, BW, IQ, power) and
 * hands it to the module as a send at a device time, so it leaves on the
 * module's clock whatever the host's load; afterwards the radio goes back
 * to the uplink channel and receives again.
 *
 * As an internal client ("semtech", class control unless configured) it
 * claims the radio, so no other client retunes it under the gateway.
 * Malformed or unexpected datagrams are counted and ignored; nothing from
 * the network reaches the module unchecked.  daemon.status shows every
 * counter under components.semtech.
 */
#include <errno.h>
#include <netdb.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "semtech_priv.h"

_Static_assert(sizeof(int) == 4 && sizeof(unsigned) == 4, "numeric settings are 4 bytes");

/* ---- settings ----------------------------------------------------------------- */

static void cfg_init(void *cfg)
{
	struct semtech_cfg *c = cfg;
	memset(c, 0, sizeof *c);
	c->claim = true;
	c->perm = WIS_PERM_CONTROL;
	snprintf(c->server, sizeof c->server, "127.0.0.1");
	c->port_up = c->port_down = 1700;
	c->keepalive_s = 10;
	c->stat_s = 30;
	c->lead_ms = 50;
	c->min_lead_ms = 20;
	c->max_advance_s = 384; /* as far ahead as the Semtech forwarder's queue takes */
	c->freq_hz = 868100000;
	c->bw_hz = 125000;
	c->sf = 7;
	c->cr = 5;
	c->sync_word = 0x34; /* LoRaWAN public network */
}

static int cfg_set(void *cfg, const char *key, const char *v, char *err, size_t errlen)
{
	struct semtech_cfg *c = cfg;
	unsigned n;
	static const struct {
		const char *key;
		unsigned long lo, hi;
		size_t off;
	} nums[] = {
#define N(k, lo, hi) {#k, lo, hi, offsetof(struct semtech_cfg, k)}
	    N(port_up, 1, 65535),
	    N(port_down, 1, 65535),
	    N(keepalive_s, 1, 3600),
	    N(stat_s, 1, 86400),
	    N(lead_ms, 5, 5000),
	    N(min_lead_ms, 1, 5000),
	    N(max_advance_s, 1, 4000),
	    N(freq_hz, 150000000, 960000000),
	    N(sf, 5, 12),
	    N(bw_hz, 7812, 500000),
	    N(cr, 5, 8),
	    N(sync_word, 0, 255),
#undef N
	};
	for (size_t i = 0; i < sizeof nums / sizeof *nums; i++) {
		if (strcmp(key, nums[i].key))
			continue;
		if (component_set_uint(&n, v, nums[i].lo, nums[i].hi, err, errlen) < 0)
			return -1;
		/* Every numeric setting is a 4-byte int, unsigned or uint32_t. */
		memcpy((char *)c + nums[i].off, &n, sizeof n);
		return 0;
	}
	if (!strcmp(key, "enabled"))
		return component_set_bool(&c->enabled, v, err, errlen);
	if (!strcmp(key, "claim"))
		return component_set_bool(&c->claim, v, err, errlen);
	if (!strcmp(key, "server") && *v && strlen(v) < sizeof c->server) {
		snprintf(c->server, sizeof c->server, "%s", v);
		return 0;
	}
	if (!strcmp(key, "gateway_eui")) {
		size_t k = strspn(v, "0123456789abcdefABCDEF");
		if (!(k == 16 && !v[16]) && *v) {
			snprintf(err, errlen, "'%s' is not 16 hex digits", v);
			return -1;
		}
		snprintf(c->eui, sizeof c->eui, "%s", v);
		return 0;
	}
	if (!strcmp(key, "class"))
		return component_set_class(&c->perm, v, err, errlen);
	snprintf(err, errlen,
	         "unknown setting (enabled, server, port_up, port_down, gateway_eui, keepalive_s, "
	         "stat_s, freq_hz, sf, bw_hz, cr, sync_word, lead_ms, min_lead_ms, max_advance_s, "
	         "claim, class)");
	return -1;
}

/* ---- helpers ------------------------------------------------------------------ */

static uint16_t token(struct semtech *s)
{
	s->rng ^= s->rng << 13;
	s->rng ^= s->rng >> 17;
	s->rng ^= s->rng << 5;
	return (uint16_t)s->rng;
}

int64_t semtech_mono_us(void)
{
	return (int64_t)(uv_hrtime() / 1000);
}

uint64_t semtech_device_now(const struct semtech *s)
{
	return (uint64_t)(semtech_mono_us() - s->offset_us);
}

static void on_sent(uv_udp_send_t *r, int status)
{
	(void)status;
	free(r);
}

/* Sends header (+ EUI) + body to the server's up or down port. */
void semtech_send(struct semtech *s, bool up, uint8_t ident, uint16_t tok, bool with_eui,
                  const char *body)
{
	if (!s->resolved || s->stopping)
		return;
	size_t blen = body ? strlen(body) : 0;
	uv_udp_send_t *r = malloc(sizeof *r + 12 + blen);
	if (!r)
		return;
	uint8_t *p = (uint8_t *)(r + 1);
	p[0] = SEMTECH_VERSION;
	p[1] = (uint8_t)(tok >> 8);
	p[2] = (uint8_t)tok;
	p[3] = ident;
	size_t n = 4;
	if (with_eui) {
		memcpy(p + 4, s->eui, 8);
		n = 12;
	}
	/* A binary datagram: no NUL wanted. */
	if (blen)
		memcpy(p + n, body, blen); // NOLINT(bugprone-not-null-terminated-result)
	uv_buf_t b = uv_buf_init((char *)p, (unsigned)(n + blen));
	const struct sockaddr *to = (const struct sockaddr *)(up ? &s->srv_up : &s->srv_down);
	if (uv_udp_send(r, up ? &s->up : &s->down, &b, 1, to, on_sent) < 0)
		free(r);
}

static void push(struct semtech *s, json_object *o)
{
	uint16_t t = token(s);
	s->push_tokens[s->push_next++ % PUSH_TOKENS] = t;
	s->push_sent++;
	semtech_send(s, true, SEMTECH_PUSH_DATA, t, true,
	             json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
	                                                   JSON_C_TO_STRING_NOSLASHESCAPE));
}

void semtech_call(struct semtech *s, const char *method, json_object *p, wisd_call_cb cb)
{
	s->pending++;
	wisd_call(s->d, &s->who, method, p, cb, s);
	json_object_put(p);
}

void semtech_note_error(struct semtech *s, const char *what, struct wisj_error *err)
{
	snprintf(s->last_error, sizeof s->last_error, "%s: %.256s", what,
	         err ? err->message : "no answer");
	log_warn("semtech: %s", s->last_error);
}

/* ---- upstream ------------------------------------------------------------------ */

/* Every notification: radio.rx packets go up; device.state drives setup. */
static void on_event(struct wisd *d, struct wisd_comp *self, const char *topic, json_object *params)
{
	(void)d;
	struct semtech *s = self->priv;
	if (!s || s->stopping)
		return;
	json_object *v;
	if (!strcmp(topic, "device.state") && json_object_object_get_ex(params, "state", &v)) {
		const char *st = json_object_get_string(v);
		if (!strcmp(st, "up"))
			semtech_device_up(s);
		else if (!strcmp(st, "down") || !strcmp(st, "reset"))
			semtech_device_down(s);
		return;
	}
	if (strcmp(topic, "radio.rx"))
		return;
	s->rxnb++;
	semtech_clock_sample(s, params);
	json_object *rxpk = semtech_rxpk(params);
	if (!rxpk) { /* an RX error: no payload to forward */
		s->rxerr++;
		return;
	}
	json_object *crc;
	if (json_object_object_get_ex(params, "crc", &crc) && json_object_get_boolean(crc))
		s->rxok++;
	if (!s->eui_known) {
		json_object_put(rxpk);
		return;
	}
	json_object *arr = json_object_new_array(), *o = json_object_new_object();
	json_object_array_add(arr, rxpk);
	json_object_object_add(o, "rxpk", arr);
	push(s, o);
	json_object_put(o);
	s->rxfw++;
}

static void on_stat(uv_timer_t *t)
{
	struct semtech *s = t->data;
	if (!s->eui_known)
		return;
	time_t now = time(NULL);
	struct tm g;
	char ts[40];
	gmtime_r(&now, &g);
	strftime(ts, sizeof ts, "%Y-%m-%d %H:%M:%S GMT", &g);
	json_object *st = json_object_new_object(), *o = json_object_new_object();
	json_object_object_add(st, "time", json_object_new_string(ts));
	json_object_object_add(st, "rxnb", json_object_new_int64((int64_t)s->rxnb));
	json_object_object_add(st, "rxok", json_object_new_int64((int64_t)s->rxok));
	json_object_object_add(st, "rxfw", json_object_new_int64((int64_t)s->rxfw));
	double ackr = s->push_sent ? 100.0 * (double)s->push_acked / (double)s->push_sent : 0.0;
	char a[16];
	snprintf(a, sizeof a, "%.1f", ackr);
	json_object_object_add(st, "ackr", json_object_new_double_s(ackr, a));
	json_object_object_add(st, "dwnb", json_object_new_int64((int64_t)s->dwnb));
	json_object_object_add(st, "txnb", json_object_new_int64((int64_t)s->txnb));
	json_object_object_add(o, "stat", st);
	push(s, o);
	json_object_put(o);
}

/* ---- downstream ---------------------------------------------------------------- */

static void resolve(struct semtech *s)
{
	char port[8];
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_DGRAM}, *res = NULL;
	for (int i = 0; i < 2; i++) {
		snprintf(port, sizeof port, "%d", i ? s->c->port_down : s->c->port_up);
		int rc = getaddrinfo(s->c->server, port, &hints, &res);
		if (rc) {
			if (s->resolved || !s->last_error[0])
				log_warn("semtech: server %s: %s", s->c->server, gai_strerror(rc));
			snprintf(s->last_error, sizeof s->last_error, "server %s: %s", s->c->server,
			         gai_strerror(rc));
			s->resolved = false;
			return;
		}
		memcpy(i ? &s->srv_down : &s->srv_up, res->ai_addr, res->ai_addrlen);
		freeaddrinfo(res);
	}
	s->resolved = true;
}

void semtech_pull(struct semtech *s)
{
	if (!s->eui_known || s->stopping)
		return;
	s->pull_token = token(s);
	s->pull_sent++;
	semtech_send(s, false, SEMTECH_PULL_DATA, s->pull_token, true, NULL);
}

static void on_keepalive(uv_timer_t *t)
{
	struct semtech *s = t->data;
	if (!s->resolved)
		resolve(s);
	semtech_pull(s);
}

static bool from_server(const struct semtech *s, const struct sockaddr *a, bool up)
{
	const struct sockaddr_storage *w = up ? &s->srv_up : &s->srv_down;
	if (!a || a->sa_family != w->ss_family)
		return false;
	if (a->sa_family == AF_INET) {
		const struct sockaddr_in *x = (const void *)a, *y = (const void *)w;
		return x->sin_addr.s_addr == y->sin_addr.s_addr && x->sin_port == y->sin_port;
	}
	const struct sockaddr_in6 *x = (const void *)a, *y = (const void *)w;
	return !memcmp(&x->sin6_addr, &y->sin6_addr, sizeof x->sin6_addr) &&
	       x->sin6_port == y->sin6_port;
}

static void alloc_dgram(uv_handle_t *h, size_t hint, uv_buf_t *b)
{
	(void)h, (void)hint;
	static char buf[65536]; /* one datagram at a time, handled before the next */
	*b = uv_buf_init(buf, sizeof buf);
}

/* Anything not from the server, malformed, or not expected here. */
static void junk(struct semtech *s, bool malformed, const char *why)
{
	if (malformed)
		s->malformed++;
	else
		s->unexpected++;
	log_debug("semtech: datagram ignored: %s", why);
}

static void on_dgram(uv_udp_t *h, ssize_t n, const uv_buf_t *b, const struct sockaddr *a,
                     unsigned flags)
{
	struct semtech *s = h->data;
	bool up = h == &s->up;
	if (n <= 0 || !a || s->stopping)
		return; /* nothing (n == 0 with a == NULL), or a read error */
	if (flags & UV_UDP_PARTIAL)
		return junk(s, true, "truncated");
	if (!from_server(s, a, up))
		return junk(s, false, "not from the server");
	const uint8_t *p = (const uint8_t *)b->base;
	if (n < 4 || p[0] != SEMTECH_VERSION)
		return junk(s, true, "short, or not protocol version 2");
	uint16_t tok = (uint16_t)(p[1] << 8 | p[2]);
	switch (p[3]) {
	case SEMTECH_PUSH_ACK:
		if (!up || n != 4)
			return junk(s, n != 4, "PUSH_ACK where none belongs");
		for (int i = 0; i < PUSH_TOKENS; i++)
			if (s->push_tokens[i] == tok && tok) {
				s->push_tokens[i] = 0;
				s->push_acked++;
				return;
			}
		return junk(s, false, "PUSH_ACK with an unknown token");
	case SEMTECH_PULL_ACK:
		if (up || n != 4 || tok != s->pull_token)
			return junk(s, n != 4, "PULL_ACK unexpected or with a stale token");
		s->pull_acked++;
		return;
	case SEMTECH_PULL_RESP:
		if (up)
			return junk(s, false, "PULL_RESP on the upstream socket");
		s->dwnb++;
		semtech_downlink(s, tok, (const char *)p + 4, (size_t)n - 4);
		return;
	default:
		return junk(s, true, "unknown identifier");
	}
}

/* ---- life cycle ---------------------------------------------------------------- */

static int open_udp(struct semtech *s, uv_udp_t *u)
{
	uv_udp_init(s->d->loop, u);
	u->data = s;
	s->handles++;
	struct sockaddr_storage any;
	int fam = s->srv_up.ss_family == AF_INET6 ? AF_INET6 : AF_INET;
	if (fam == AF_INET)
		uv_ip4_addr("0.0.0.0", 0, (struct sockaddr_in *)&any);
	else
		uv_ip6_addr("::", 0, (struct sockaddr_in6 *)&any);
	int rc = uv_udp_bind(u, (const struct sockaddr *)&any, 0);
	if (rc == 0)
		rc = uv_udp_recv_start(u, alloc_dgram, on_dgram);
	if (rc < 0)
		log_error("semtech: UDP socket: %s", uv_strerror(rc));
	return rc;
}

static int start(struct wisd *d, struct wisd_comp *self)
{
	struct semtech *s = calloc(1, sizeof *s);
	if (!s)
		return -1;
	self->priv = s;
	s->d = d;
	s->c = self->cfg;
	s->rng = (uint32_t)uv_hrtime() | 1;
	snprintf(s->who.label, sizeof s->who.label, "semtech");
	s->who.perm = s->c->perm;
	/* cfg_set took 16 hex digits or nothing */
	s->eui_known = wisj_hex_decode(s->c->eui, strlen(s->c->eui), s->eui, sizeof s->eui) ==
	               (int)sizeof s->eui;
	resolve(s);
	if (open_udp(s, &s->up) < 0 || open_udp(s, &s->down) < 0)
		return -1;
	uv_timer_t *timers[] = {&s->keepalive, &s->stat, &s->txtimer};
	for (int i = 0; i < 3; i++) {
		uv_timer_init(d->loop, timers[i]);
		timers[i]->data = s;
		s->handles++;
	}
	uv_timer_start(&s->keepalive, on_keepalive, 0, s->c->keepalive_s * 1000ull);
	uv_timer_start(&s->stat, on_stat, s->c->stat_s * 1000ull, s->c->stat_s * 1000ull);
	log_info("semtech: gateway to %s:%d/%d, %u Hz SF%u BW%u", s->c->server, s->c->port_up,
	         s->c->port_down, s->c->freq_hz, s->c->sf, s->c->bw_hz);
	semtech_device_up(s); /* the module may be up already; if not, device.state retries */
	return 0;
}

static void stop(struct wisd *d, struct wisd_comp *self)
{
	struct semtech *s = self->priv;
	if (!s || s->stopping)
		return;
	s->stopping = true;
	semtech_tx_stop(s);
	wisd_caller_gone(d, &s->who);
	uv_handle_t *hs[] = {(uv_handle_t *)&s->up, (uv_handle_t *)&s->down,
	                     (uv_handle_t *)&s->keepalive, (uv_handle_t *)&s->stat,
	                     (uv_handle_t *)&s->txtimer};
	for (int i = 0; i < s->handles && i < 5; i++)
		if (!uv_is_closing(hs[i]))
			uv_close(hs[i], NULL);
}

static json_object *status(struct wisd *d, struct wisd_comp *self)
{
	(void)d;
	struct semtech *s = self->priv;
	json_object *o = json_object_new_object();
	if (!s)
		return o;
	char eui[17] = "";
	if (s->eui_known)
		for (int i = 0; i < 8; i++)
			snprintf(eui + 2 * i, 3, "%02x", s->eui[i]);
	json_object_object_add(o, "gateway_eui", json_object_new_string(eui));
	json_object_object_add(o, "radio_ready", json_object_new_boolean(s->radio_ready));
	json_object_object_add(o, "clock_mapped", json_object_new_boolean(s->mapped));
	const struct {
		const char *k;
		unsigned long v;
	} n[] = {{"rxnb", s->rxnb},
	         {"rxok", s->rxok},
	         {"rxfw", s->rxfw},
	         {"rx_errors", s->rxerr},
	         {"push_sent", s->push_sent},
	         {"push_acked", s->push_acked},
	         {"pull_sent", s->pull_sent},
	         {"pull_acked", s->pull_acked},
	         {"dwnb", s->dwnb},
	         {"txnb", s->txnb},
	         {"tx_failed", s->tx_failed},
	         {"malformed", s->malformed},
	         {"unexpected", s->unexpected},
	         {"queued", (unsigned long)s->nq}};
	for (size_t i = 0; i < sizeof n / sizeof *n; i++)
		json_object_object_add(o, n[i].k, json_object_new_int64((int64_t)n[i].v));
	json_object *rej = json_object_new_object();
	for (int e = SEMTECH_TX_TOO_LATE; e <= SEMTECH_TX_INVALID; e++)
		json_object_object_add(rej, semtech_txerr_name(e),
		                       json_object_new_int64((int64_t)s->rejected[e]));
	json_object_object_add(o, "tx_rejected", rej);
	json_object_object_add(o, "last_error", json_object_new_string(s->last_error));
	return o;
}

const struct wisd_component semtech_component = {
    .name = "semtech",
    .cfg_size = sizeof(struct semtech_cfg),
    .cfg_init = cfg_init,
    .cfg_set = cfg_set,
    .enabled = component_enabled_flag,
    .start = start,
    .stop = stop,
    .release = component_free_priv,
    .event = on_event,
    .status = status,
};

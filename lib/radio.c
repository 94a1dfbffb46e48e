/*
 * Radio (SX1262, LoRa) calls: the settings object, the time-on-air
 * calculator, regional checks (radio_region.c: wis_radio_config_check()
 * and wis_radio_rules_send()) and the RADIO opcodes
 * through the field codec (lib/fields.c), so no payload layout is written
 * here.  Setters check ranges against the opcode table's fields, so a
 * mistake is named before anything is sent.
 */
#include <assert.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define V(x) ((union wis_val){.u = (uint64_t)(x)})

/* Adding the radio must not move what follows the union in wis_event. */
static_assert(sizeof(((struct wis_event *)0)->u) == 64, "wis_event's union grew");
static_assert(sizeof(((struct wis_event *)0)->u.radio) <= 64, "radio event too big");

static const uint32_t bws[] = {7812,  10417, 15625,  20833,  31250,
                               41667, 62500, 125000, 250000, 500000};
/* Six times each bandwidth, exact (7812.5 Hz = 46875 / 6 ...), so that a
 * symbol time is an exact fraction. */
static const uint32_t bw6[] = {46875,  62500,  93750,  125000,  187500,
                               250000, 375000, 750000, 1500000, 3000000};
static const uint16_t tcxos[] = {0, 1600, 1700, 1800, 2200, 2400, 2700, 3000, 3300};

wis_radio_config *wis_radio_config_new(void)
{
	wis_radio_config *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	*c = (struct wis_radio_config){.freq_hz = 868100000,
	                               .bw_hz = 125000,
	                               .power_dbm = 14,
	                               .sf = 7,
	                               .cr = 5,
	                               .crc = 1,
	                               .sync_word = 0x12,
	                               .preamble = 8,
	                               .tcxo_mv = 1800,
	                               .region = 0};
	return c;
}

void wis_radio_config_free(wis_radio_config *c)
{
	free(c);
}

wis_radio_config *wis_radio_config_copy(const wis_radio_config *c)
{
	wis_radio_config *n = c ? malloc(sizeof *n) : NULL;
	if (n)
		*n = *c;
	return n;
}

/* Checks v against RADIO_CONFIG's field of that name (range and names). */
static int check(const char *name, int64_t v)
{
	const struct wis_op_desc *d = wis_op_find(WIS_OP_RADIO_CONFIG);
	int i = wis_field_index(d->req, d->nreq, name);
	const struct wis_field *f = &d->req[i];
	if (v < (int64_t)f->min || v > (int64_t)f->max)
		return wis__fail(WIS_E_INVAL,
		                 "radio %s %" PRId64 " out of range %" PRIu32 "..%" PRIu32, name, v,
		                 f->min, f->max);
	return 0;
}

#define NEED(c)                                                                                    \
	do {                                                                                       \
		if (!(c))                                                                          \
			return wis__fail(WIS_E_INVAL, "radio config is NULL");                     \
	} while (0)

int wis_radio_config_set_frequency(wis_radio_config *c, uint32_t hz)
{
	NEED(c);
	int rc = check("freq_hz", hz);
	if (rc == 0)
		c->freq_hz = hz;
	return rc;
}

int wis_radio_config_set_power(wis_radio_config *c, int dbm)
{
	NEED(c);
	if (dbm < -9 || dbm > 22)
		return wis__fail(WIS_E_INVAL, "radio power_dbm %d out of range -9..22", dbm);
	c->power_dbm = (int8_t)dbm;
	return 0;
}

int wis_radio_config_set_sf(wis_radio_config *c, unsigned sf)
{
	NEED(c);
	int rc = check("sf", sf);
	if (rc == 0)
		c->sf = (uint8_t)sf;
	return rc;
}

static int bw_index(uint32_t hz)
{
	for (int i = 0; i < (int)(sizeof bws / sizeof bws[0]); i++)
		if (bws[i] == hz)
			return i;
	return -1;
}

int wis_radio_config_set_bandwidth(wis_radio_config *c, uint32_t hz)
{
	NEED(c);
	if (bw_index(hz) < 0)
		return wis__fail(WIS_E_INVAL,
		                 "radio bw_hz %" PRIu32
		                 " not a LoRa bandwidth: 7812, 10417, 15625, "
		                 "20833, 31250, 41667, 62500, 125000, 250000 or 500000",
		                 hz);
	c->bw_hz = hz;
	return 0;
}

int wis_radio_config_set_coding_rate(wis_radio_config *c, unsigned cr)
{
	NEED(c);
	int rc = check("cr", cr);
	if (rc == 0)
		c->cr = (uint8_t)cr;
	return rc;
}

int wis_radio_config_set_ldro(wis_radio_config *c, unsigned mode)
{
	NEED(c);
	int rc = check("ldro", mode);
	if (rc == 0)
		c->ldro = (uint8_t)mode;
	return rc;
}

int wis_radio_config_set_preamble(wis_radio_config *c, unsigned symbols)
{
	NEED(c);
	int rc = check("preamble", symbols);
	if (rc == 0)
		c->preamble = (uint16_t)symbols;
	return rc;
}

int wis_radio_config_set_implicit_header(wis_radio_config *c, int on, unsigned len)
{
	NEED(c);
	if (on && (len < 1 || len > 255))
		return wis__fail(WIS_E_INVAL,
		                 "radio payload_len %u out of range 1..255 "
		                 "(implicit header)",
		                 len);
	c->implicit = on != 0;
	c->payload_len = on ? (uint8_t)len : 0;
	return 0;
}

int wis_radio_config_set_crc(wis_radio_config *c, int on)
{
	NEED(c);
	c->crc = on != 0;
	return 0;
}

int wis_radio_config_set_invert_iq(wis_radio_config *c, int on)
{
	NEED(c);
	c->invert_iq = on != 0;
	return 0;
}

int wis_radio_config_set_sync_word(wis_radio_config *c, unsigned sync)
{
	NEED(c);
	int rc = check("sync_word", sync);
	if (rc == 0)
		c->sync_word = (uint8_t)sync;
	return rc;
}

int wis_radio_config_set_tcxo_mv(wis_radio_config *c, unsigned mv)
{
	NEED(c);
	for (size_t i = 0; i < sizeof tcxos / sizeof tcxos[0]; i++)
		if (tcxos[i] == mv) {
			c->tcxo_mv = (uint16_t)mv;
			return 0;
		}
	return wis__fail(WIS_E_INVAL,
	                 "radio tcxo_mv %u not a DIO3 voltage: 0 (crystal), 1600, "
	                 "1700, 1800, 2200, 2400, 2700, 3000 or 3300",
	                 mv);
}

int wis_radio_config_set_idle_xosc(wis_radio_config *c, int on)
{
	NEED(c);
	c->idle_xosc = on != 0;
	return 0;
}

int wis_radio_config_set_region(wis_radio_config *c, const char *region)
{
	NEED(c);
	int r = wis__region_find(region);
	if (r == -2)
		return wis__fail(WIS_E_INVAL,
		                 "radio region '%s': use EU868, US915, AU915, AS923, "
		                 "IN865, KR920 or lab (no rules)",
		                 region);
	c->region = r;
	return 0;
}

int wis_radio_config_set_antenna_gain(wis_radio_config *c, int dbi)
{
	NEED(c);
	if (dbi < -10 || dbi > 20)
		return wis__fail(WIS_E_INVAL, "radio antenna gain %d dBi out of range -10..20",
		                 dbi);
	c->antenna_dbi = (int8_t)dbi;
	return 0;
}

/* ---- time on air ---- */

/* Datasheet 6.1.4, counted in quarter symbols so that 4.25 and 6.25 are
 * exact; symbol time 2^SF / BW with BW as an exact sixth. */
uint32_t wis_radio_time_on_air_us(const wis_radio_config *c, size_t len)
{
	int bi = c ? bw_index(c->bw_hz) : -1;
	if (bi < 0 || len == 0 || len > 255 || c->sf < 5 || c->sf > 12 || c->cr < 5 || c->cr > 8)
		return 0;
	uint64_t sym_num = (uint64_t)6000000 << c->sf; /* symbol time = sym_num / bw6 µs */
	bool ldro = c->ldro == 2 || (c->ldro == 0 && sym_num >= 16000ull * bw6[bi]);
	int sf = c->sf;
	int64_t num = 8 * (int64_t)len + 16 * c->crc - 4 * sf + (c->implicit ? 0 : 20);
	int64_t den = 4 * sf;
	if (sf >= 7) {
		num += 8;
		den = 4 * (sf - 2 * ldro);
	}
	int64_t blocks = num > 0 ? (num + den - 1) / den : 0;
	/* quarter symbols: preamble + 4.25 (SF5/6: 6.25) + 8 + blocks * CR */
	uint64_t q = 4u * c->preamble + (sf < 7 ? 25 : 17) + 32 + 4 * (uint64_t)blocks * c->cr;
	return (uint32_t)(q * sym_num / (4 * (uint64_t)bw6[bi]));
}

/* ---- calls ---- */

int wis_radio_configure(wis_device *dev, const wis_radio_config *c)
{
	wis__clear_error();
	if (!dev || !c)
		return wis__fail(WIS_E_INVAL, "wis_radio_configure: NULL argument");
	int rc = wis_radio_config_check(c);
	if (rc < 0)
		return rc;
	union wis_val req[] = {
	    V(c->freq_hz),   {.i = c->power_dbm}, V(c->sf),       V(c->bw_hz),       V(c->cr),
	    V(c->ldro),      V(c->preamble),      V(c->implicit), V(c->payload_len), V(c->crc),
	    V(c->invert_iq), V(c->sync_word),     V(c->tcxo_mv),  V(c->idle_xosc)};
	union wis_val resp[2];
	rc = wis__call_fields(dev, WIS_OP_RADIO_CONFIG, req, resp, 0);
	if (rc < 0)
		return rc;
	return wis_radio_rules_use(dev, c);
}

/* The send request: the TX timeout from the time on air (+50 % + 100 ms),
 * which is also how long the library waits (the table's bound). */
static int send_req(wis_device *dev, bool at, uint64_t at_us, const void *p, size_t len,
                    uint8_t *out)
{
	if (!p || len < 1 || len > WIS_RADIO_MAX_PAYLOAD)
		return wis__fail(WIS_E_INVAL, "radio payload of %zu bytes: 1..255", p ? len : 0);
	pthread_mutex_lock(&dev->mu);
	bool cfg = dev->radio.configured;
	uint32_t toa = cfg ? wis_radio_time_on_air_us(&dev->radio.cfg, len) : 0;
	pthread_mutex_unlock(&dev->mu);
	uint32_t ms = cfg ? toa / 1000 + toa / 2000 + 100 : 0;
	if (ms > WIS_RADIO_TIMEOUT_MAX_MS)
		ms = WIS_RADIO_TIMEOUT_MAX_MS;
	int rc = wis_radio_rules_send(dev, len, at, at_us, NULL);
	if (rc < 0)
		return rc;
	union wis_val v[3];
	union wis_val *pv = v;
	if (at)
		*pv++ = V(at_us);
	pv[0] = V(ms);
	pv[1].b.p = p;
	pv[1].b.len = len;
	return wis__encode_fields(at ? WIS_OP_RADIO_SEND_AT : WIS_OP_RADIO_SEND, v, out);
}

int wis_radio_tx_parse(const uint8_t *payload, size_t len, struct wis_radio_tx *out)
{
	union wis_val v[3];
	int rc = wis__decode_fields(WIS_OP_RADIO_SEND, payload, len, v);
	if (rc < 0 || !out)
		return rc;
	out->airtime_us = (uint32_t)v[0].u;
	out->tx_start_us = v[1].u;
	out->tx_end_us = v[2].u;
	return 0;
}

static int send_sync(wis_device *dev, bool at, uint64_t at_us, const void *p, size_t len,
                     struct wis_radio_tx *out)
{
	wis__clear_error();
	if (!dev)
		return wis__fail(WIS_E_INVAL, "radio send: NULL device");
	uint8_t req[WIS_MAX_PAYLOAD], resp[WIS_MAX_PAYLOAD];
	int n = send_req(dev, at, at_us, p, len, req);
	if (n < 0)
		return n;
	uint16_t op = at ? WIS_OP_RADIO_SEND_AT : WIS_OP_RADIO_SEND;
	size_t got = 0;
	int rc = wis_call(dev, op, req, (size_t)n, resp, sizeof resp, &got, 0);
	if (rc < 0)
		return rc;
	struct wis_radio_tx tmp;
	return wis_radio_tx_parse(resp, got, out ? out : &tmp);
}

int wis_radio_send(wis_device *dev, const void *p, size_t len, struct wis_radio_tx *out)
{
	return send_sync(dev, false, 0, p, len, out);
}

int wis_radio_send_at(wis_device *dev, uint64_t at_us, const void *p, size_t len,
                      struct wis_radio_tx *out)
{
	return send_sync(dev, true, at_us, p, len, out);
}

int wis_radio_send_async(wis_device *dev, const void *p, size_t len, wis_done_cb cb, void *user)
{
	wis__clear_error();
	if (!dev || !cb)
		return wis__fail(WIS_E_INVAL, "wis_radio_send_async: NULL argument");
	uint8_t req[WIS_MAX_PAYLOAD];
	int n = send_req(dev, false, 0, p, len, req);
	if (n < 0)
		return n;
	return wis_call_async(dev, WIS_OP_RADIO_SEND, req, (size_t)n, 0, cb, user);
}

int wis_radio_rx(wis_device *dev, uint32_t timeout_ms)
{
	wis__clear_error();
	union wis_val v[1] = {V(timeout_ms)};
	return wis__call_fields(dev, WIS_OP_RADIO_RX, v, NULL, 0);
}

int wis_radio_stop(wis_device *dev)
{
	wis__clear_error();
	return wis__call_fields(dev, WIS_OP_RADIO_STOP, NULL, NULL, 0);
}

int wis_radio_cad(wis_device *dev, unsigned symbols, int *detected)
{
	wis__clear_error();
	if (symbols > 16 || (symbols & (symbols - 1)))
		return wis__fail(WIS_E_INVAL, "radio CAD symbols %u: must be 1, 2, 4, 8 or 16",
		                 symbols);
	union wis_val v[1] = {V(symbols)}, r[1];
	int rc = wis__call_fields(dev, WIS_OP_RADIO_CAD, v, r, 0);
	if (rc == 0 && detected)
		*detected = r[0].u != 0;
	return rc;
}

int wis_radio_status(wis_device *dev, struct wis_radio_status *out)
{
	wis__clear_error();
	union wis_val r[9];
	int rc = wis__call_fields(dev, WIS_OP_RADIO_STATUS, NULL, r, 0);
	if (rc < 0 || !out)
		return rc;
	*out = (struct wis_radio_status){.state = (uint8_t)r[0].u,
	                                 .receiving = (uint8_t)r[1].u,
	                                 .freq_hz = (uint32_t)r[2].u,
	                                 .sf = (uint8_t)r[3].u,
	                                 .bw_hz = (uint32_t)r[4].u,
	                                 .tx_packets = (uint32_t)r[5].u,
	                                 .rx_packets = (uint32_t)r[6].u,
	                                 .rx_errors = (uint32_t)r[7].u,
	                                 .device_errors = (uint16_t)r[8].u};
	return 0;
}

/* ---- events (events.c hands radio events here) ---- */

void wis__radio_event(struct wis_event *ev, const union wis_val *v)
{
	switch (ev->type) {
	case WIS_EV_RADIO_RX:
		ev->u.radio.rssi_dbm = (float)(int16_t)v[0].i / 2;
		ev->u.radio.snr_db = (float)(int16_t)v[1].i / 4;
		ev->u.radio.signal_rssi_dbm = (float)(int16_t)v[2].i / 2;
		ev->u.radio.freq_hz = (uint32_t)v[3].u;
		ev->u.radio.sf = (uint8_t)v[4].u;
		ev->u.radio.bw_hz = (uint32_t)v[5].u;
		ev->u.radio.cr = (uint8_t)v[6].u;
		ev->u.radio.crc = (uint8_t)v[7].u;
		ev->u.radio.data = v[8].b.p;
		ev->u.radio.len = (uint16_t)v[8].b.len;
		break;
	case WIS_EV_RADIO_TX_DONE:
		ev->u.radio.airtime_us = (uint32_t)v[0].u;
		ev->u.radio.tx_start_us = v[1].u;
		ev->u.radio.tx_end_us = v[2].u;
		ev->u.radio.len = (uint16_t)v[3].u;
		break;
	case WIS_EV_RADIO_RX_ERROR:
		ev->u.radio.error = (uint8_t)v[0].u;
		ev->u.radio.rssi_dbm = (float)(int16_t)v[1].i / 2;
		ev->u.radio.snr_db = (float)(int16_t)v[2].i / 4;
		break;
	default:
		break;
	}
}

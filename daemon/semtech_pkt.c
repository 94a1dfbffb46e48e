/*
 * Semtech UDP protocol v2 payloads (see semtech.h): the rxpk built from a
 * radio.rx notification and the checks a txpk goes through before the
 * bridge schedules it.  Everything from the network is untrusted: every
 * field is type- and range-checked here, and nothing else in wisd reads
 * the datagram.
 */
#include "semtech.h"
#include "wisjson.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const txerr_names[] = {
    [SEMTECH_TX_NONE] = "NONE",
    [SEMTECH_TX_TOO_LATE] = "TOO_LATE",
    [SEMTECH_TX_TOO_EARLY] = "TOO_EARLY",
    [SEMTECH_TX_COLLISION_PACKET] = "COLLISION_PACKET",
    [SEMTECH_TX_FREQ] = "TX_FREQ",
    [SEMTECH_TX_POWER] = "TX_POWER",
    [SEMTECH_TX_GPS_UNLOCKED] = "GPS_UNLOCKED",
    [SEMTECH_TX_INVALID] = "INVALID_TXPK",
};

const char *semtech_txerr_name(enum semtech_txerr e)
{
	return (unsigned)e < sizeof txerr_names / sizeof *txerr_names ? txerr_names[e] : "?";
}

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void semtech_b64_encode(const uint8_t *p, size_t n, char *out)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16;
		if (i + 1 < n)
			v |= (uint32_t)p[i + 1] << 8;
		if (i + 2 < n)
			v |= p[i + 2];
		out[o++] = b64[v >> 18 & 63];
		out[o++] = b64[v >> 12 & 63];
		out[o++] = i + 1 < n ? b64[v >> 6 & 63] : '=';
		out[o++] = i + 2 < n ? b64[v & 63] : '=';
	}
	out[o] = 0;
}

static int b64val(char c)
{
	const char *p = c ? strchr(b64, c) : NULL;
	return p ? (int)(p - b64) : -1;
}

int semtech_b64_decode(const char *s, size_t slen, uint8_t *out, size_t cap)
{
	while (slen && s[slen - 1] == '=')
		slen--;
	if (slen % 4 == 1)
		return -1;
	size_t n = 0;
	uint32_t acc = 0;
	int bits = 0;
	for (size_t i = 0; i < slen; i++) {
		int v = b64val(s[i]);
		if (v < 0)
			return -1;
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (n == cap)
				return -1;
			out[n++] = (uint8_t)(acc >> bits);
		}
	}
	/* Leftover bits must be zero, or the text is not a canonical encoding. */
	if (acc & ((1u << bits) - 1))
		return -1;
	return (int)n;
}

uint64_t semtech_tmst_unwrap(uint32_t tmst, uint64_t ref)
{
	uint64_t t = (ref & ~(uint64_t)0xFFFFFFFF) | tmst;
	if (t + 0x80000000ull < ref)
		t += 0x100000000ull;
	else if (t > ref + 0x80000000ull && t >= 0x100000000ull)
		t -= 0x100000000ull;
	return t;
}

void semtech_datr(char *out, size_t cap, unsigned sf, uint32_t bw_hz)
{
	if (bw_hz % 1000 == 0)
		snprintf(out, cap, "SF%uBW%u", sf, bw_hz / 1000);
	else
		snprintf(out, cap, "SF%uBW%.1f", sf, bw_hz / 1000.0);
}

static bool get(json_object *o, const char *k, json_type t, json_object **v)
{
	return json_object_object_get_ex(o, k, v) && json_object_is_type(*v, t);
}

json_object *semtech_rxpk(json_object *rx)
{
	json_object *hex, *freq, *sf, *bw, *cr, *crc, *rssi, *snr, *dev, *tm;
	if (!get(rx, "hex", json_type_string, &hex) || !get(rx, "freq_hz", json_type_int, &freq) ||
	    !get(rx, "sf", json_type_int, &sf) || !get(rx, "bw_hz", json_type_int, &bw) ||
	    !get(rx, "cr", json_type_int, &cr) || !get(rx, "crc", json_type_boolean, &crc) ||
	    !json_object_object_get_ex(rx, "rssi_dbm", &rssi) ||
	    !json_object_object_get_ex(rx, "snr_db", &snr) ||
	    !get(rx, "device_us", json_type_int, &dev))
		return NULL;
	uint8_t data[255];
	int dn = wisj_hex_decode(json_object_get_string(hex),
	                         (size_t)json_object_get_string_len(hex), data, sizeof data);
	if (dn < 0)
		return NULL;
	size_t n = (size_t)dn;
	char b64txt[4 * ((sizeof data + 2) / 3) + 1], datr[24], codr[8];
	semtech_b64_encode(data, n, b64txt);
	semtech_datr(datr, sizeof datr, (unsigned)json_object_get_int(sf),
	             (uint32_t)json_object_get_int64(bw));
	snprintf(codr, sizeof codr, "4/%d", json_object_get_int(cr));
	json_object *o = json_object_new_object();
	if (get(rx, "time", json_type_double, &tm)) {
		double t = json_object_get_double(tm);
		time_t s = (time_t)floor(t);
		long us = (long)((t - (double)s) * 1e6 + 0.5);
		if (us >= 1000000) {
			s++;
			us -= 1000000;
		}
		struct tm g;
		char iso[48], buf[96];
		gmtime_r(&s, &g);
		strftime(iso, sizeof iso, "%Y-%m-%dT%H:%M:%S", &g);
		snprintf(buf, sizeof buf, "%s.%06ldZ", iso, us);
		json_object_object_add(o, "time", json_object_new_string(buf));
	}
	json_object_object_add(
	    o, "tmst",
	    json_object_new_int64((int64_t)((uint64_t)json_object_get_int64(dev) & 0xFFFFFFFFu)));
	json_object_object_add(o, "chan", json_object_new_int(0));
	json_object_object_add(o, "rfch", json_object_new_int(0));
	char f[24];
	snprintf(f, sizeof f, "%.6f", json_object_get_int64(freq) / 1e6);
	/* atof of what snprintf just wrote: nothing to report. */
	// NOLINTNEXTLINE(cert-err34-c)
	json_object_object_add(o, "freq", json_object_new_double_s(atof(f), f));
	json_object_object_add(o, "stat",
	                       json_object_new_int(json_object_get_boolean(crc) ? 1 : 0));
	json_object_object_add(o, "modu", json_object_new_string("LORA"));
	json_object_object_add(o, "datr", json_object_new_string(datr));
	json_object_object_add(o, "codr", json_object_new_string(codr));
	json_object_object_add(o, "rssi",
	                       json_object_new_int((int)lround(json_object_get_double(rssi))));
	char l[16];
	snprintf(l, sizeof l, "%.1f", json_object_get_double(snr));
	// NOLINTNEXTLINE(cert-err34-c): atof of what snprintf just wrote
	json_object_object_add(o, "lsnr", json_object_new_double_s(atof(l), l));
	json_object_object_add(o, "size", json_object_new_int((int)n));
	json_object_object_add(o, "data", json_object_new_string(b64txt));
	return o;
}

static enum semtech_txerr bad(char *why, size_t whylen, enum semtech_txerr e, const char *fmt,
                              const char *arg)
{
	snprintf(why, whylen, fmt, arg);
	return e;
}

/* "SF7BW125" (also BW62.5 and the like). */
static bool parse_datr(const char *s, unsigned *sf, uint32_t *bw)
{
	static const uint32_t bws[] = {7812,  10417, 15625,  20833,  31250,
	                               41667, 62500, 125000, 250000, 500000};
	/* strtoul/strtod, not sscanf: %u is undefined on overflow (glibc took
	 * "SF4294967303BW125" as SF7). */
	char *end, *bw_end;
	if (strncmp(s, "SF", 2) != 0)
		return false;
	errno = 0;
	unsigned long f = strtoul(s + 2, &end, 10);
	if (errno || end == s + 2 || f < 5 || f > 12 || strncmp(end, "BW", 2) != 0)
		return false;
	double k = strtod(end + 2, &bw_end);
	if (bw_end == end + 2 || *bw_end)
		return false;
	for (size_t i = 0; i < sizeof bws / sizeof *bws; i++)
		if (fabs(bws[i] / 1000.0 - k) < 0.06) {
			*sf = (unsigned)f;
			*bw = bws[i];
			return true;
		}
	return false;
}

static bool is_num(json_object *v)
{
	return json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double);
}

enum semtech_txerr semtech_txpk_parse(const char *json, size_t len, struct semtech_txpk *tx,
                                      char *why, size_t whylen)
{
	memset(tx, 0, sizeof *tx);
	tx->cr = 5;
	tx->preamble = 8;
	tx->ipol = true; /* LoRaWAN downlinks invert IQ; the default if absent */
	tx->crc = true;
	tx->power_dbm = 14;
	json_tokener *tok = json_tokener_new_ex(8);
	if (!tok)
		return bad(why, whylen, SEMTECH_TX_INVALID, "%s", "out of memory");
	json_object *root = len <= 65536 ? json_tokener_parse_ex(tok, json, (int)len) : NULL;
	bool complete = root && json_tokener_get_parse_end(tok) == len;
	json_tokener_free(tok);
	enum semtech_txerr e = SEMTECH_TX_NONE;
	json_object *t, *v;
	if (!complete || !json_object_is_type(root, json_type_object)) {
		e = bad(why, whylen, SEMTECH_TX_INVALID, "%s", "not a JSON object");
		goto out;
	}
	if (!get(root, "txpk", json_type_object, &t)) {
		e = bad(why, whylen, SEMTECH_TX_INVALID, "%s", "no txpk object");
		goto out;
	}
	if (json_object_object_get_ex(t, "modu", &v) &&
	    (!json_object_is_type(v, json_type_string) ||
	     strcmp(json_object_get_string(v), "LORA"))) {
		e = bad(why, whylen, SEMTECH_TX_INVALID, "modu %s: only LORA",
		        json_object_get_string(v));
		goto out;
	}
	if (json_object_object_get_ex(t, "imme", &v))
		tx->imme = json_object_is_type(v, json_type_boolean) && json_object_get_boolean(v);
	if (!tx->imme) {
		if (get(t, "tmst", json_type_int, &v)) {
			int64_t ts = json_object_get_int64(v);
			if (ts < 0 || ts > 0xFFFFFFFFll) {
				e = bad(why, whylen, SEMTECH_TX_INVALID, "%s",
				        "tmst not a 32-bit count");
				goto out;
			}
			tx->tmst = (uint32_t)ts;
		} else if (json_object_object_get_ex(t, "tmms", &v) ||
		           json_object_object_get_ex(t, "time", &v)) {
			e = bad(why, whylen, SEMTECH_TX_GPS_UNLOCKED, "%s",
			        "GPS time given: this gateway has no GPS");
			goto out;
		} else {
			e = bad(why, whylen, SEMTECH_TX_INVALID, "%s", "neither imme nor tmst");
			goto out;
		}
	}
	if (!json_object_object_get_ex(t, "freq", &v) || !is_num(v)) {
		e = bad(why, whylen, SEMTECH_TX_FREQ, "%s", "freq missing or not a number");
		goto out;
	}
	double mhz = json_object_get_double(v);
	if (!(mhz >= 150.0 && mhz <= 960.0)) {
		e = bad(why, whylen, SEMTECH_TX_FREQ, "freq %s MHz outside 150..960",
		        json_object_get_string(v));
		goto out;
	}
	tx->freq_hz = (uint32_t)llround(mhz * 1e6);
	if (json_object_object_get_ex(t, "powe", &v)) {
		if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < -9 ||
		    json_object_get_int64(v) > 22) {
			e = bad(why, whylen, SEMTECH_TX_POWER, "powe %s dBm outside -9..22",
			        json_object_get_string(v));
			goto out;
		}
		tx->power_dbm = (int)json_object_get_int64(v);
	}
	if (!get(t, "datr", json_type_string, &v) ||
	    !parse_datr(json_object_get_string(v), &tx->sf, &tx->bw_hz)) {
		e = bad(why, whylen, SEMTECH_TX_INVALID, "datr %s: not SF5..12 BW<LoRa bandwidth>",
		        v ? json_object_get_string(v) : "missing");
		goto out;
	}
	if (json_object_object_get_ex(t, "codr", &v)) {
		const char *c =
		    json_object_is_type(v, json_type_string) ? json_object_get_string(v) : "";
		if (strlen(c) != 3 || strncmp(c, "4/", 2) || c[2] < '5' || c[2] > '8') {
			e = bad(why, whylen, SEMTECH_TX_INVALID, "codr %s: 4/5..4/8", c);
			goto out;
		}
		tx->cr = (unsigned)(c[2] - '0');
	}
	if (json_object_object_get_ex(t, "ipol", &v))
		tx->ipol = json_object_get_boolean(v);
	if (json_object_object_get_ex(t, "ncrc", &v))
		tx->crc = !json_object_get_boolean(v);
	if (json_object_object_get_ex(t, "prea", &v)) {
		int64_t p = json_object_get_int64(v);
		if (!json_object_is_type(v, json_type_int) || p < 6 || p > 65535) {
			e = bad(why, whylen, SEMTECH_TX_INVALID, "prea %s: 6..65535",
			        json_object_get_string(v));
			goto out;
		}
		tx->preamble = (unsigned)p;
	}
	if (!get(t, "data", json_type_string, &v)) {
		e = bad(why, whylen, SEMTECH_TX_INVALID, "%s", "data missing");
		goto out;
	}
	int n = semtech_b64_decode(json_object_get_string(v), (size_t)json_object_get_string_len(v),
	                           tx->data, sizeof tx->data);
	if (n < 1) {
		e = bad(why, whylen, SEMTECH_TX_INVALID, "%s", "data: not 1..255 bytes of base64");
		goto out;
	}
	tx->len = (size_t)n;
	if (json_object_object_get_ex(t, "size", &v) &&
	    (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) != n)) {
		char s[64];
		snprintf(s, sizeof s, "size %s but data holds %d bytes", json_object_get_string(v),
		         n);
		e = bad(why, whylen, SEMTECH_TX_INVALID, "%s", s);
		goto out;
	}
out:
	json_object_put(root);
	return e;
}

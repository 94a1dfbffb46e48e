/*
 * wisctl radio commands: config, send (text, hex or a file; --at a device
 * time), listen (one line per packet until Ctrl-C or --count), cad,
 * status, and airtime, which needs no device: libwisrpc's time-on-air
 * function on the given settings.  Each is a thin shell over the radio.*
 * JSON-RPC methods; docs/cli.md is the manual.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wisctl.h"
#include "wisctl_out.h"

/* "--name N" within lo..hi into *v (untouched if absent); -1 after a
 * usage error. */
static int opt_num(int *argc, char **argv, const char *name, long lo, long hi, long *v, bool *seen)
{
	const char *s = take_opt(argc, argv, name, true, NULL);
	long n;
	if (!s)
		return 0;
	/* 0x12 for a sync word reads as well as 18. */
	char *end;
	n = strtol(s, &end, 0);
	if (!*s || *end || n < lo || n > hi) {
		char msg[96];
		snprintf(msg, sizeof msg, "%s '%%s' is not %ld..%ld", name, lo, hi);
		usage_error(msg, s);
		return -1;
	}
	*v = n;
	if (seen)
		*seen = true;
	return 0;
}

static void add_int(json_object *p, const char *k, long v)
{
	json_object_object_add(p, k, json_object_new_int64(v));
}

int cmd_radio_config(struct link *l, struct opts *o, int argc, char **argv)
{
	static const struct {
		const char *opt, *param;
		long lo, hi;
	} nums[] = {{"--freq", "freq_hz", 150000000, 960000000},
	            {"--power", "power_dbm", -9, 22},
	            {"--sf", "sf", 5, 12},
	            {"--bw", "bw_hz", 7812, 500000},
	            {"--cr", "cr", 5, 8},
	            {"--preamble", "preamble", 1, 65535},
	            {"--implicit", "payload_len", 1, 255},
	            {"--sync", "sync_word", 0, 255},
	            {"--tcxo", "tcxo_mv", 0, 3300}};
	json_object *p = json_object_new_object();
	for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++) {
		long v;
		bool seen = false;
		if (opt_num(&argc, argv, nums[i].opt, nums[i].lo, nums[i].hi, &v, &seen) < 0) {
			json_object_put(p);
			return EXIT_USAGE;
		}
		if (seen)
			add_int(p, nums[i].param, v);
		if (seen && !strcmp(nums[i].opt, "--implicit"))
			json_object_object_add(p, "implicit", json_object_new_boolean(1));
	}
	const char *ldro = take_opt(&argc, argv, "--ldro", true, NULL);
	bool nocrc = false, inv = false, xosc = false;
	take_opt(&argc, argv, "--no-crc", false, &nocrc);
	take_opt(&argc, argv, "--invert-iq", false, &inv);
	take_opt(&argc, argv, "--idle-xosc", false, &xosc);
	if (leftover_options(argc, argv) ||
	    (argc && usage_error("unexpected argument %s", argv[0]))) {
		json_object_put(p);
		return EXIT_USAGE;
	}
	if (ldro)
		json_object_object_add(p, "ldro", json_object_new_string(ldro));
	json_object_object_add(p, "crc", json_object_new_boolean(!nocrc));
	json_object_object_add(p, "invert_iq", json_object_new_boolean(inv));
	json_object_object_add(p, "idle_xosc", json_object_new_boolean(xosc));
	struct wisj_error e = {0};
	json_object *res;
	int rc = call_put(l, "radio.config", p, &res, &e, o->timeout_ms);
	if (rc)
		return fail(o, &e, rc);
	o->json ? out_json(stdout, res) : out_kv(stdout, res);
	json_object_put(res);
	return EXIT_OK;
}

/* The payload: the argument as text, --hex, or --file (at most 255 bytes). */
static int payload(int *argc, char **argv, json_object *p)
{
	const char *hex = take_opt(argc, argv, "--hex", true, NULL);
	const char *file = take_opt(argc, argv, "--file", true, NULL);
	if ((hex != NULL) + (file != NULL) + (*argc > 0) != 1)
		return usage_error("%s", "give one payload: TEXT, --hex HEX or --file PATH");
	if (hex) {
		json_object_object_add(p, "hex", json_object_new_string(hex));
		return 0;
	}
	if (!file) {
		json_object_object_add(p, "data", json_object_new_string(argv[0]));
		*argc = 0;
		return 0;
	}
	FILE *f = fopen(file, "rb");
	char buf[256];
	size_t n = f ? fread(buf, 1, sizeof buf, f) : 0;
	if (f)
		fclose(f);
	if (!f || n == 0 || n > 255)
		return usage_error("--file %s: cannot read 1..255 bytes from it", file);
	char hx[2 * 255 + 1];
	for (size_t i = 0; i < n; i++)
		snprintf(hx + 2 * i, 3, "%02x", (unsigned char)buf[i]);
	json_object_object_add(p, "hex", json_object_new_string(hx));
	return 0;
}

int cmd_radio_send(struct link *l, struct opts *o, int argc, char **argv)
{
	const char *at = take_opt(&argc, argv, "--at", true, NULL);
	json_object *p = json_object_new_object();
	char *end;
	long long at_us = at ? strtoll(at, &end, 10) : 0;
	if (at && (!*at || *end || at_us < 0)) {
		json_object_put(p);
		return usage_error("--at '%s' is not a device time in microseconds", at);
	}
	if (payload(&argc, argv, p) || leftover_options(argc, argv)) {
		json_object_put(p);
		return EXIT_USAGE;
	}
	if (at)
		json_object_object_add(p, "at_us", json_object_new_int64(at_us));
	struct wisj_error e = {0};
	json_object *res;
	/* The answer comes at TX done: up to the longest packet (SF12 at
	 * 125 kHz: 10 s) later, or a minute for --at. */
	int rc = call_put(l, "radio.send", p, &res, &e, o->timeout_ms + (at ? 70000 : 10000));
	if (rc)
		return fail(o, &e, rc);
	o->json ? out_json(stdout, res) : out_kv(stdout, res);
	json_object_put(res);
	return EXIT_OK;
}

/* "len=5 rssi=-86.0 snr=25.00 freq=868100000 sf=7 bw=500000 data=68656c6c6f" */
static void out_packet(FILE *f, json_object *p)
{
	json_object *v;
	if (json_object_object_get_ex(p, "error", &v)) {
		fprintf(f, "error=%s", json_object_get_string(v));
	} else {
		static const char *const keys[] = {"len", "rssi_dbm", "snr_db", "freq_hz",
		                                   "sf",  "bw_hz",    "hex"};
		for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
			if (json_object_object_get_ex(p, keys[i], &v))
				fprintf(f, "%s%s=%s", i ? " " : "", keys[i],
				        json_object_get_string(v));
	}
	if (json_object_object_get_ex(p, "device_us", &v))
		fprintf(f, " device_us=%s", json_object_get_string(v));
	fputc('\n', f);
	fflush(f);
}

int cmd_radio_listen(struct link *l, struct opts *o, int argc, char **argv)
{
	long count = 0;
	if (opt_num(&argc, argv, "--count", 1, 1000000000, &count, NULL) < 0 ||
	    leftover_options(argc, argv))
		return EXIT_USAGE;
	if (argc)
		return usage_error("unexpected argument %s", argv[0]);
	struct wisj_error e = {0};
	json_object *res;
	int rc = call_put(l, "subscribe", obj1("topics", json_object_new_string("radio.rx")), &res,
	                  &e, o->timeout_ms);
	if (rc == 0) {
		json_object_put(res);
		rc = call_put(l, "radio.rx", json_object_new_object(), &res, &e, o->timeout_ms);
	}
	if (rc)
		return fail(o, &e, rc);
	json_object_put(res);
	for (long seen = 0; count == 0 || seen < count;) {
		json_object *n, *p;
		rc = next_notification(l, o, "radio.rx", -1, &n, &p);
		if (rc == -1)
			break; /* Ctrl-C */
		if (rc == -2)
			return EXIT_UNREACHABLE;
		if (rc == 0)
			continue;
		o->json ? out_json(stdout, p) : out_packet(stdout, p);
		seen++;
		json_object_put(n);
	}
	return EXIT_OK;
}

int cmd_radio_cad(struct link *l, struct opts *o, int argc, char **argv)
{
	long sym = 1;
	if (opt_num(&argc, argv, "--symbols", 1, 16, &sym, NULL) < 0 ||
	    leftover_options(argc, argv))
		return EXIT_USAGE;
	if (argc)
		return usage_error("unexpected argument %s", argv[0]);
	struct wisj_error e = {0};
	json_object *res;
	int rc = call_put(l, "radio.cad", obj1("symbols", json_object_new_int64(sym)), &res, &e,
	                  o->timeout_ms + 10000);
	if (rc)
		return fail(o, &e, rc);
	o->json ? out_json(stdout, res) : out_kv(stdout, res);
	json_object_put(res);
	return EXIT_OK;
}

int cmd_radio_status(struct link *l, struct opts *o, int argc, char **argv)
{
	if (leftover_options(argc, argv))
		return EXIT_USAGE;
	if (argc)
		return usage_error("unexpected argument %s", argv[0]);
	struct wisj_error e = {0};
	json_object *res;
	int rc = link_call(l, "radio.status", NULL, &res, &e, o->timeout_ms);
	if (rc)
		return fail(o, &e, rc);
	o->json ? out_json(stdout, res) : out_kv(stdout, res);
	json_object_put(res);
	return EXIT_OK;
}

/* Offline: no link (l is NULL). */
int cmd_radio_airtime(struct link *l, struct opts *o, int argc, char **argv)
{
	(void)l;
	long len = -1, sf = 7, bw = 125000, cr = 5, pre = 8;
	bool implicit = false, nocrc = false;
	if (opt_num(&argc, argv, "--len", 1, 255, &len, NULL) < 0 ||
	    opt_num(&argc, argv, "--sf", 5, 12, &sf, NULL) < 0 ||
	    opt_num(&argc, argv, "--bw", 7812, 500000, &bw, NULL) < 0 ||
	    opt_num(&argc, argv, "--cr", 5, 8, &cr, NULL) < 0 ||
	    opt_num(&argc, argv, "--preamble", 1, 65535, &pre, NULL) < 0)
		return EXIT_USAGE;
	take_opt(&argc, argv, "--implicit", false, &implicit);
	take_opt(&argc, argv, "--no-crc", false, &nocrc);
	if (leftover_options(argc, argv))
		return EXIT_USAGE;
	if (argc)
		return usage_error("unexpected argument %s", argv[0]);
	if (len < 0)
		return usage_error("%s", "--len is required");
	wis_radio_config *c = wis_radio_config_new();
	if (!c || wis_radio_config_set_sf(c, (unsigned)sf) < 0 ||
	    wis_radio_config_set_bandwidth(c, (uint32_t)bw) < 0 ||
	    wis_radio_config_set_coding_rate(c, (unsigned)cr) < 0 ||
	    wis_radio_config_set_preamble(c, (unsigned)pre) < 0 ||
	    wis_radio_config_set_implicit_header(c, implicit, (unsigned)len) < 0 ||
	    wis_radio_config_set_crc(c, !nocrc) < 0) {
		fprintf(stderr, "wisctl %s: %s\n", o->cmdline, wis_last_error());
		wis_radio_config_free(c);
		return EXIT_USAGE;
	}
	uint32_t us = wis_radio_time_on_air_us(c, (size_t)len);
	wis_radio_config_free(c);
	if (o->json)
		printf("{\"airtime_us\":%u,\"airtime_ms\":%.3f}\n", us, us / 1000.0);
	else
		printf("%.3f\n", us / 1000.0);
	return EXIT_OK;
}

/*
 * wisctl i2c scan|read|write|xfer, spi xfer and uart config|write|read: the
 * i2c.*, spi.xfer and uart.* methods, and the uart.rx notifications as the
 * bytes a port received.  BUS is 1, 2, i2c1 or
 * i2c2; ADDR a 7-bit address (decimal or 0x hex); bytes are hex ("0a1b"
 * or "0a 1b" as separate arguments).  Output: addresses one per line, the
 * bytes read as hex; --json the method's result.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wisctl.h"
#include "wisctl_out.h"

static const char *bus_arg(const char *s)
{
	if (!strcmp(s, "1") || !strcmp(s, "i2c1") || !strcmp(s, "I2C1"))
		return "i2c1";
	if (!strcmp(s, "2") || !strcmp(s, "i2c2") || !strcmp(s, "I2C2"))
		return "i2c2";
	return NULL;
}

static int num_arg(const char *s, long *out)
{
	char *end;
	long v = strtol(s, &end, 0);
	if (end == s || *end)
		return -1;
	*out = v;
	return 0;
}

/* Joins argv's hex words into one string; NULL if a word is not hex. */
static json_object *hex_args(int argc, char **argv)
{
	char buf[2 * 1020 + 1];
	size_t n = 0;
	for (int i = 0; i < argc; i++)
		for (const char *p = argv[i]; *p; p++) {
			if (!strchr("0123456789abcdefABCDEF", *p) || n + 1 >= sizeof buf)
				return NULL;
			buf[n++] = *p;
		}
	buf[n] = 0;
	return json_object_new_string(buf);
}

static int call_i2c(struct link *l, struct opts *o, const char *method, json_object *p)
{
	struct wisj_error e = {0};
	json_object *r, *v;
	int rc = call_put(l, method, p, &r, &e, o->timeout_ms);
	if (rc)
		return fail(o, &e, rc);
	if (o->json) {
		out_json(stdout, r);
	} else if (json_object_object_get_ex(r, "addresses", &v)) {
		for (size_t i = 0; i < json_object_array_length(v); i++)
			printf("0x%02x\n", json_object_get_int(json_object_array_get_idx(v, i)));
	} else if (json_object_object_get_ex(r, "data", &v) && json_object_get_string_len(v)) {
		printf("%s\n", json_object_get_string(v));
	}
	json_object_put(r);
	return EXIT_OK;
}

/* bus and address into a new params object; NULL after a usage error. */
static json_object *bus_addr(int argc, char **argv, bool with_addr, int *rc)
{
	const char *bus = argc ? bus_arg(argv[0]) : NULL;
	long addr = 0;
	*rc = EXIT_OK;
	if (!bus)
		*rc = usage_error("bus '%s': want 1, 2, i2c1 or i2c2", argc ? argv[0] : "");
	else if (with_addr && (argc < 2 || num_arg(argv[1], &addr) < 0))
		*rc = usage_error("address '%s' is not a number", argc > 1 ? argv[1] : "");
	if (*rc)
		return NULL;
	json_object *p = json_object_new_object();
	json_object_object_add(p, "bus", json_object_new_string(bus));
	if (with_addr)
		json_object_object_add(p, "addr", json_object_new_int64(addr));
	return p;
}

int cmd_i2c_scan(struct link *l, struct opts *o, int argc, char **argv)
{
	int rc;
	if (leftover_options(argc, argv))
		return EXIT_USAGE;
	if (argc != 1)
		return usage_error("%s", "want BUS");
	json_object *p = bus_addr(argc, argv, false, &rc);
	return p ? call_i2c(l, o, "i2c.scan", p) : rc;
}

int cmd_i2c_read(struct link *l, struct opts *o, int argc, char **argv)
{
	const char *reg = take_opt(&argc, argv, "--reg", true, NULL);
	long n;
	int rc;
	if (leftover_options(argc, argv))
		return EXIT_USAGE;
	if (argc != 3 || num_arg(argv[2], &n) < 0)
		return usage_error("%s", "want BUS ADDR LEN");
	json_object *p = bus_addr(argc, argv, true, &rc);
	if (!p)
		return rc;
	json_object_object_add(p, "rx_len", json_object_new_int64(n));
	if (reg) {
		json_object *h = hex_args(1, (char **)&reg);
		if (!h) {
			json_object_put(p);
			return usage_error("--reg '%s' is not hex bytes", reg);
		}
		json_object_object_add(p, "tx", h);
	}
	return call_i2c(l, o, "i2c.xfer", p);
}

int cmd_i2c_write(struct link *l, struct opts *o, int argc, char **argv)
{
	int rc;
	if (leftover_options(argc, argv))
		return EXIT_USAGE;
	if (argc < 3)
		return usage_error("%s", "want BUS ADDR HEX...");
	json_object *p = bus_addr(argc, argv, true, &rc);
	if (!p)
		return rc;
	json_object *h = hex_args(argc - 2, argv + 2);
	if (!h) {
		json_object_put(p);
		return usage_error("'%s' is not hex bytes", argv[2]);
	}
	json_object_object_add(p, "tx", h);
	return call_i2c(l, o, "i2c.xfer", p);
}

int cmd_i2c_xfer(struct link *l, struct opts *o, int argc, char **argv)
{
	long n;
	int rc;
	if (leftover_options(argc, argv))
		return EXIT_USAGE;
	if (argc != 4 || num_arg(argv[3], &n) < 0)
		return usage_error("%s", "want BUS ADDR HEX LEN");
	json_object *p = bus_addr(argc, argv, true, &rc);
	if (!p)
		return rc;
	json_object *h = hex_args(1, argv + 2);
	if (!h) {
		json_object_put(p);
		return usage_error("'%s' is not hex bytes", argv[2]);
	}
	json_object_object_add(p, "tx", h);
	json_object_object_add(p, "rx_len", json_object_new_int64(n));
	return call_i2c(l, o, "i2c.xfer", p);
}

int cmd_spi_xfer(struct link *l, struct opts *o, int argc, char **argv)
{
	const char *hz = take_opt(&argc, argv, "--hz", true, NULL);
	const char *mode = take_opt(&argc, argv, "--mode", true, NULL);
	long n;
	if (leftover_options(argc, argv))
		return EXIT_USAGE;
	json_object *h = argc ? hex_args(argc, argv) : NULL;
	if (!h)
		return usage_error("%s", "want HEX... (the bytes to send)");
	json_object *p = json_object_new_object();
	json_object_object_add(p, "tx", h);
	const char *num[2] = {hz, mode}, *key[2] = {"hz", "mode"};
	for (int i = 0; i < 2; i++) {
		if (!num[i])
			continue;
		if (num_arg(num[i], &n) < 0) {
			json_object_put(p);
			return usage_error("'%s' is not a number", num[i]);
		}
		json_object_object_add(p, key[i], json_object_new_int64(n));
	}
	return call_i2c(l, o, "spi.xfer", p);
}

static const char *port_arg(const char *s)
{
	if (!strcmp(s, "0") || !strcmp(s, "uart0"))
		return "uart0";
	if (!strcmp(s, "1") || !strcmp(s, "uart1"))
		return "uart1";
	return NULL;
}

int cmd_uart_config(struct link *l, struct opts *o, int argc, char **argv)
{
	const char *parity = take_opt(&argc, argv, "--parity", true, NULL);
	const char *stop = take_opt(&argc, argv, "--stop", true, NULL);
	long baud, sb = 1;
	if (leftover_options(argc, argv))
		return EXIT_USAGE;
	if (argc != 2 || !port_arg(argv[0]) || num_arg(argv[1], &baud) < 0)
		return usage_error("%s", "want PORT (0, 1, uart0, uart1) BAUD");
	if (stop && num_arg(stop, &sb) < 0)
		return usage_error("--stop '%s' is not a number", stop);
	json_object *p = json_object_new_object();
	json_object_object_add(p, "port", json_object_new_string(port_arg(argv[0])));
	json_object_object_add(p, "baud", json_object_new_int64(baud));
	json_object_object_add(p, "stop_bits", json_object_new_int64(sb));
	if (parity)
		json_object_object_add(p, "parity", json_object_new_string(parity));
	return call_i2c(l, o, "uart.config", p);
}

int cmd_uart_write(struct link *l, struct opts *o, int argc, char **argv)
{
	bool hex = false;
	take_opt(&argc, argv, "--hex", false, &hex);
	if (leftover_options(argc, argv))
		return EXIT_USAGE;
	if (argc < 2 || !port_arg(argv[0]))
		return usage_error("%s", "want PORT TEXT... (or --hex HEX...)");
	json_object *p = json_object_new_object();
	json_object_object_add(p, "port", json_object_new_string(port_arg(argv[0])));
	if (hex) {
		json_object *h = hex_args(argc - 1, argv + 1);
		if (!h) {
			json_object_put(p);
			return usage_error("'%s' is not hex bytes", argv[1]);
		}
		json_object_object_add(p, "data", h);
		json_object_object_add(p, "hex", json_object_new_boolean(true));
	} else {
		char text[WIS_UART_WRITE_MAX + 1];
		size_t n = 0;
		for (int i = 1; i < argc; i++) {
			size_t k = strlen(argv[i]) + (i > 1);
			if (n + k > WIS_UART_WRITE_MAX) {
				json_object_put(p);
				return usage_error("%s", "text longer than 1019 bytes");
			}
			n += (size_t)snprintf(text + n, sizeof text - n, "%s%s", i > 1 ? " " : "",
			                      argv[i]);
		}
		json_object_object_add(p, "data", json_object_new_string(text));
	}
	struct wisj_error e = {0};
	json_object *r;
	int rc = call_put(l, "uart.write", p, &r, &e, o->timeout_ms);
	if (rc)
		return fail(o, &e, rc);
	if (o->json)
		out_json(stdout, r);
	json_object_put(r);
	return EXIT_OK;
}

/* ---- uart read ----------------------------------------------------------------- */

struct uread {
	const char *port;
	long want, got; /* --count: bytes (0: no end) */
	bool hex;
	int64_t overflow; /* the port's count when last seen */
};

/* One uart.rx notification's bytes to stdout (at most --count's rest);
 * bytes the port dropped since the last one are said on stderr. */
static void uread_take(struct uread *r, struct opts *o, json_object *p)
{
	json_object *v;
	if (!json_object_object_get_ex(p, "port", &v) || strcmp(json_object_get_string(v), r->port))
		return;
	int64_t ov = json_object_object_get_ex(p, "overflow", &v) ? json_object_get_int64(v) : 0;
	if (ov > r->overflow && r->overflow >= 0)
		fprintf(stderr,
		        "wisctl %s: the port dropped %lld bytes (its receive buffer was full)\n",
		        o->cmdline, (long long)(ov - r->overflow));
	r->overflow = ov;
	const char *h = json_object_object_get_ex(p, "hex", &v) ? json_object_get_string(v) : "";
	uint8_t b[WIS_MAX_PAYLOAD];
	int n = wisj_hex_decode(h, strlen(h), b, sizeof b);
	if (n < 0) {
		fprintf(stderr, "wisctl %s: a uart.rx notification without its bytes as hex\n",
		        o->cmdline);
		return;
	}
	if (r->want && n > r->want - r->got)
		n = (int)(r->want - r->got);
	if (o->json)
		out_json(stdout, p);
	else if (r->hex)
		printf("%.*s\n", 2 * n, h);
	else
		fwrite(b, 1, (size_t)n, stdout);
	fflush(stdout);
	r->got += n;
}

int cmd_uart_read(struct link *l, struct opts *o, int argc, char **argv)
{
	const char *count = take_opt(&argc, argv, "--count", true, NULL);
	const char *idle = take_opt(&argc, argv, "--idle", true, NULL);
	struct uread r = {.overflow = -1};
	take_opt(&argc, argv, "--hex", false, &r.hex);
	long idle_ms = 0;
	if (leftover_options(argc, argv))
		return EXIT_USAGE;
	if (argc != 1 || !(r.port = port_arg(argv[0])))
		return usage_error("%s", "want PORT (0, 1, uart0, uart1)");
	if (count && (parse_long(count, &r.want) < 0 || r.want < 1))
		return usage_error("--count '%s' is not a number of bytes, 1..", count);
	if (idle && (parse_long(idle, &idle_ms) < 0 || idle_ms < 1 || idle_ms > 86400000))
		return usage_error("--idle '%s' is not milliseconds, 1..86400000", idle);
	struct wisj_error e = {0};
	json_object *res;
	int rc = call_put(l, "subscribe", obj1("topics", json_object_new_string("uart.rx")), &res,
	                  &e, o->timeout_ms);
	if (rc)
		return fail(o, &e, rc);
	json_object_put(res);
	int64_t last = link_now_ms();
	while (!r.want || r.got < r.want) {
		int wait = idle_ms ? (int)(last + idle_ms - link_now_ms()) : -1;
		if (idle_ms && wait <= 0)
			break; /* --idle: nothing came for that long */
		json_object *n, *p;
		rc = next_notification(l, o, "uart.rx", wait, &n, &p);
		if (rc == -1)
			break; /* Ctrl-C */
		if (rc == -2)
			return EXIT_UNREACHABLE;
		if (rc == 0)
			continue;
		long before = r.got;
		uread_take(&r, o, p);
		if (r.got != before)
			last = link_now_ms();
		json_object_put(n);
	}
	return EXIT_OK;
}

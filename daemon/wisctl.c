/*
 * wisctl: the command line for wisd (or, with --device PATH, for a module
 * directly through the same wisjson mapping).  Each command is a thin
 * shell over one or two JSON-RPC methods; docs/cli.md is the manual.
 *
 * Exit codes: 0 ok, 1 the device refused, 2 usage, 3 unreachable,
 * 4 timeout.  Errors are one line on stderr naming what was wrong.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wisctl.h"
#include "wisctl_out.h"

static const struct cmd *current;

int usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "wisctl %s%s%s: ", current->name, current->sub ? " " : "",
	        current->sub ? current->sub : "");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, " (usage: wisctl %s)\n", current->usage);
	return EXIT_USAGE;
}

int fail(struct opts *o, struct wisj_error *e, int code)
{
	fprintf(stderr, "wisctl %s: %s\n", o->cmdline, e->message);
	wisj_error_clear(e);
	return code;
}

/* A call's outcome (rc, e, res from link_call) printed: the human printer
 * or --json, or the error. */
static int print_answer(struct opts *o, int rc, struct wisj_error *e, json_object *res,
                        void (*human)(FILE *, json_object *))
{
	if (rc)
		return fail(o, e, rc);
	if (o->json)
		out_json(stdout, res);
	else if (human)
		human(stdout, res);
	json_object_put(res);
	return EXIT_OK;
}

/* Call and print.  Takes params. */
static int call_print(struct link *l, struct opts *o, const char *method, json_object *params,
                      void (*human)(FILE *, json_object *))
{
	struct wisj_error e = {0};
	json_object *res;
	int rc = link_call(l, method, params, &res, &e, o->timeout_ms);
	if (params)
		json_object_put(params);
	return print_answer(o, rc, &e, res, human);
}

/* Pulls "--name VALUE" / "--name=VALUE" out of argv; returns the value or NULL. */
const char *take_opt(int *argc, char **argv, const char *name, bool has_value, bool *seen)
{
	size_t nl = strlen(name);
	for (int i = 0; i < *argc; i++) {
		const char *a = argv[i], *val = NULL;
		int eat = 1;
		if (strncmp(a, name, nl) != 0 || (a[nl] != 0 && a[nl] != '='))
			continue;
		if (has_value) {
			if (a[nl] == '=')
				val = a + nl + 1;
			else if (i + 1 < *argc) {
				val = argv[i + 1];
				eat = 2;
			} else {
				val = "";
			}
		} else {
			val = "";
		}
		memmove(argv + i, argv + i + eat, (size_t)(*argc - i - eat) * sizeof *argv);
		*argc -= eat;
		if (seen)
			*seen = true;
		return val;
	}
	return NULL;
}

/* link_call that also drops the caller's reference to params. */
int call_put(struct link *l, const char *method, json_object *params, json_object **res,
             struct wisj_error *e, unsigned timeout_ms)
{
	int rc = link_call(l, method, params, res, e, timeout_ms);
	json_object_put(params);
	return rc;
}

int leftover_options(int argc, char **argv)
{
	for (int i = 0; i < argc; i++)
		if (argv[i][0] == '-' && argv[i][1] == '-')
			return usage_error("unknown option %s", argv[i]);
	return 0;
}

int parse_long(const char *s, long *out)
{
	char *end;
	errno = 0;
	long n = strtol(s, &end, 10);
	if (errno || end == s || *end)
		return -1;
	*out = n;
	return 0;
}

json_object *string_array(int argc, char **argv)
{
	json_object *a = json_object_new_array();
	for (int i = 0; i < argc; i++)
		json_object_array_add(a, json_object_new_string(argv[i]));
	return a;
}

json_object *obj1(const char *k, json_object *v)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, k, v);
	return o;
}

/* ---- commands ------------------------------------------------------------------ */

static int cmd_info(struct link *l, struct opts *o, int argc, char **argv)
{
	(void)argv;
	if (argc)
		return usage_error("unexpected argument %s", argv[0]);
	return call_print(l, o, "system.info", NULL, out_kv);
}

static int cmd_status(struct link *l, struct opts *o, int argc, char **argv)
{
	(void)argv;
	if (argc)
		return usage_error("unexpected argument %s", argv[0]);
	return call_print(l, o, "daemon.status", NULL, out_status);
}

static int cmd_pins(struct link *l, struct opts *o, int argc, char **argv)
{
	bool all = false;
	take_opt(&argc, argv, "--all", false, &all);
	if (leftover_options(argc, argv))
		return EXIT_USAGE;
	if (argc)
		return usage_error("unexpected argument %s", argv[0]);
	return call_print(l, o, "system.pins", obj1("all", json_object_new_boolean(all)), out_pins);
}

/* The most used command, and the one whose start to exit is benchmarked
 * (docs/benchmarks.md): its params {"pins":[...]} go out as text written
 * here and a plain answer is printed from its text, so json-c builds and
 * parses nothing for it (with --json, or an answer of another shape, the
 * answer is parsed as for every command). */
static int cmd_gpio_get(struct link *l, struct opts *o, int argc, char **argv)
{
	if (leftover_options(argc, argv))
		return EXIT_USAGE;
	if (!argc)
		return usage_error("%s", "name at least one pin");
	char *p = link_json_strings("pins", argc, argv);
	struct wisj_error e = {0};
	json_object *res;
	int rc = o->json ? link_call_text(l, "gpio.get", p, &res, &e, o->timeout_ms)
	                 : link_call_print(l, "gpio.get", p, out_levels_text, stdout, &res, &e,
	                                   o->timeout_ms);
	free(p);
	if (!rc && !res) /* printed from the answer's text */
		return EXIT_OK;
	return print_answer(o, rc, &e, res, out_levels);
}

static int parse_level(const char *s)
{
	if (!strcmp(s, "1") || !strcmp(s, "on") || !strcmp(s, "high") || !strcmp(s, "active"))
		return 1;
	if (!strcmp(s, "0") || !strcmp(s, "off") || !strcmp(s, "low") || !strcmp(s, "inactive"))
		return 0;
	return -1;
}

static int cmd_gpio_set(struct link *l, struct opts *o, int argc, char **argv)
{
	if (leftover_options(argc, argv))
		return EXIT_USAGE;
	if (!argc)
		return usage_error("%s", "give at least one NAME=VALUE");
	json_object *values = json_object_new_object();
	for (int i = 0; i < argc; i++) {
		char name[64];
		const char *eq = strchr(argv[i], '=');
		int level = eq ? parse_level(eq + 1) : -1;
		if (!eq || level < 0 || (size_t)(eq - argv[i]) >= sizeof name || eq == argv[i]) {
			json_object_put(values);
			return usage_error("'%s' is not NAME=0|1", argv[i]);
		}
		memcpy(name, argv[i], (size_t)(eq - argv[i]));
		name[eq - argv[i]] = 0;
		json_object_object_add(values, name, json_object_new_int(level));
	}
	return call_print(l, o, "gpio.set", obj1("values", values), NULL);
}

static const char *mode_alias(const char *m)
{
	static const char *const map[][2] = {
	    {"in", "input"},
	    {"out", "output"},
	    {"pullup", "input_pullup"},
	    {"pull-up", "input_pullup"},
	    {"pulldown", "input_pulldown"},
	    {"pull-down", "input_pulldown"},
	    {"od", "output_open_drain"},
	    {"open-drain", "output_open_drain"},
	    {"open_drain", "output_open_drain"},
	    {"off", "disabled"},
	};
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (!strcmp(m, map[i][0]))
			return map[i][1];
	return m;
}

static int cmd_gpio_mode(struct link *l, struct opts *o, int argc, char **argv)
{
	bool has_init = false;
	const char *init = take_opt(&argc, argv, "--initial", true, &has_init);
	if (leftover_options(argc, argv))
		return EXIT_USAGE;
	if (argc != 2)
		return usage_error("%s", "expected NAME MODE");
	json_object *p = json_object_new_object();
	json_object_object_add(p, "pin", json_object_new_string(argv[0]));
	json_object_object_add(p, "mode", json_object_new_string(mode_alias(argv[1])));
	if (has_init) {
		int lv = parse_level(init);
		if (lv < 0) {
			json_object_put(p);
			return usage_error("--initial '%s' is not 0 or 1", init);
		}
		json_object_object_add(p, "initial", json_object_new_int(lv));
	}
	return call_print(l, o, "gpio.mode", p, NULL);
}

static int cmd_adc_read(struct link *l, struct opts *o, int argc, char **argv)
{
	const char *gain = take_opt(&argc, argv, "--gain", true, NULL);
	const char *ref = take_opt(&argc, argv, "--reference", true, NULL);
	const char *res = take_opt(&argc, argv, "--resolution", true, NULL);
	const char *os = take_opt(&argc, argv, "--oversample", true, NULL);
	if (leftover_options(argc, argv))
		return EXIT_USAGE;
	if (!argc)
		return usage_error("%s", "name at least one analog pin");
	json_object *p = obj1("pins", string_array(argc, argv));
	if (gain)
		json_object_object_add(p, "gain", json_object_new_string(gain));
	if (ref)
		json_object_object_add(p, "reference", json_object_new_string(ref));
	long n;
	if (res) {
		if (parse_long(res, &n) < 0) {
			json_object_put(p);
			return usage_error("--resolution '%s' is not a number", res);
		}
		json_object_object_add(p, "resolution", json_object_new_int64(n));
	}
	if (os) {
		if (parse_long(os, &n) < 0) {
			json_object_put(p);
			return usage_error("--oversample '%s' is not a number", os);
		}
		json_object_object_add(p, "oversample", json_object_new_int64(n));
	}
	return call_print(l, o, "adc.read", p, out_adc);
}

static int cmd_reset(struct link *l, struct opts *o, int argc, char **argv)
{
	bool boot = false, dfu = false;
	take_opt(&argc, argv, "--bootloader", false, &boot);
	take_opt(&argc, argv, "--dfu", false, &dfu);
	if (leftover_options(argc, argv))
		return EXIT_USAGE;
	if (argc)
		return usage_error("unexpected argument %s", argv[0]);
	if (boot && dfu)
		return usage_error("%s", "--bootloader and --dfu exclude each other");
	const char *mode = boot ? "bootloader" : dfu ? "serial_dfu" : "app";
	return call_print(l, o, "system.reset", obj1("mode", json_object_new_string(mode)), NULL);
}

static int cmd_call(struct link *l, struct opts *o, int argc, char **argv)
{
	if (argc < 1 || argc > 2)
		return usage_error("%s", "expected METHOD [JSON]");
	json_object *params = NULL;
	if (argc == 2) {
		/* The same strict parser as wisd's: what passes here passes there. */
		struct wisj_error e = {0};
		json_tokener *tok = json_tokener_new_ex(32);
		params = tok ? wisj_parse(tok, 32, argv[1], strlen(argv[1]), &e) : NULL;
		if (tok)
			json_tokener_free(tok);
		if (!params && e.code) {
			char msg[sizeof e.message];
			snprintf(msg, sizeof msg, "%s", e.message);
			wisj_error_clear(&e);
			return usage_error("params are not JSON: %s", msg);
		}
	}
	/* Raw calls always print JSON: there is no human form for any method. */
	o->json = true;
	return call_print(l, o, argv[0], params, NULL);
}

/* A row that maps positional integers to a method's params (system.delay,
 * system.emit): a new method of that shape is one row of cmds[]. */
static int cmd_method(struct link *l, struct opts *o, int argc, char **argv)
{
	if (leftover_options(argc, argv))
		return EXIT_USAGE;
	int nargs = 0;
	while (nargs < 3 && current->args[nargs])
		nargs++;
	if (argc < 1 || argc > nargs)
		return usage_error("%s", "wrong number of arguments");
	json_object *p = json_object_new_object();
	for (int i = 0; i < argc; i++) {
		long n;
		if (parse_long(argv[i], &n) < 0) {
			json_object_put(p);
			return usage_error("'%s' is not a number", argv[i]);
		}
		json_object_object_add(p, current->args[i], json_object_new_int64(n));
	}
	unsigned timeout = o->timeout_ms;
	if (current->extra_ms)
		o->timeout_ms += current->extra_ms(p);
	int rc = call_print(l, o, current->method, p, out_kv);
	o->timeout_ms = timeout;
	return rc;
}

/* system.delay answers delay_us later. */
static unsigned delay_ms(json_object *params)
{
	json_object *v;
	return json_object_object_get_ex(params, "delay_us", &v)
	           ? (unsigned)(json_object_get_int64(v) / 1000 + 1)
	           : 0;
}

/* Runs without a link: lists modules on USB (libserialport, VID/PID). */
static int cmd_discover(struct link *l, struct opts *o, int argc, char **argv)
{
	(void)l;
	const char *serial = take_opt(&argc, argv, "--serial", true, NULL);
	if (leftover_options(argc, argv))
		return EXIT_USAGE;
	if (argc)
		return usage_error("unexpected argument %s", argv[0]);
	struct wis_open_options opt;
	wis_open_options_init(&opt);
	opt.serial = serial;
	struct wis_found f[16];
	int n = wis_discover(f, 16, &opt);
	if (n < 0) {
		fprintf(stderr, "wisctl discover: %s\n", wis_last_error());
		return EXIT_FAILED;
	}
	json_object *a = json_object_new_array();
	for (int i = 0; i < n && i < 16; i++) {
		json_object *m = json_object_new_object();
		json_object_object_add(m, "path", json_object_new_string(f[i].path));
		json_object_object_add(m, "serial", json_object_new_string(f[i].serial));
		json_object_object_add(m, "product", json_object_new_string(f[i].product));
		json_object_array_add(a, m);
		if (!o->json)
			printf("%s serial=%s %s\n", f[i].path, f[i].serial[0] ? f[i].serial : "-",
			       f[i].product);
	}
	if (o->json)
		out_json(stdout, a);
	json_object_put(a);
	if (n == 0) {
		fprintf(stderr, "wisctl discover: no RAK4631 on USB (%04x:%04x%s%s)\n", opt.usb_vid,
		        opt.usb_pid, serial ? " serial " : "", serial ? serial : "");
		return EXIT_UNREACHABLE;
	}
	return EXIT_OK;
}

const struct cmd wisctl_cmds[] = {
    {"info", NULL, cmd_info, "info", "what the module said at connect (board, firmware, id)"},
    {"pins", NULL, cmd_pins, "pins [--all]",
     "pin table: name, connector, nRF pin, functions, owner, mode, level, claims"},
    {"gpio", "get", cmd_gpio_get, "gpio get NAME...", "read levels: IO1=1"},
    {"gpio", "set", cmd_gpio_set, "gpio set NAME=VALUE...", "drive outputs (0/1, on/off)"},
    {"gpio", "mode", cmd_gpio_mode, "gpio mode NAME MODE [--initial 0|1]",
     "MODE: input|in, input_pullup|pullup, input_pulldown|pulldown, output|out, "
     "output_open_drain|od, disabled|off"},
    {"gpio", "watch", cmd_gpio_watch,
     "gpio watch NAME... [--edge rising|falling|both] [--count N] [--debounce US]",
     "print edges as they happen (\"SW1=0 falling TIME\") until Ctrl-C or N events"},
    {"adc", "read", cmd_adc_read,
     "adc read NAME... [--gain 1/6..4] [--reference internal|vdd4] [--resolution 8|10|12|14] "
     "[--oversample 0..8]",
     "read analog pins in millivolts: AIN0=1650mV"},
    {"radio", "config", cmd_radio_config,
     "radio config [--freq HZ] [--power DBM] [--sf N] [--bw HZ] [--cr 5..8] [--ldro auto|off|on] "
     "[--preamble N] [--implicit LEN] [--no-crc] [--invert-iq] [--sync N] [--tcxo MV] "
     "[--idle-xosc]",
     "configure the LoRa radio (defaults: 868.1 MHz, 14 dBm, SF7, 125 kHz, 4/5, sync 0x12)"},
    {"radio", "send", cmd_radio_send, "radio send TEXT|--hex HEX|--file PATH [--at DEVICE_US]",
     "transmit a packet (at a device time); prints the measured time on air"},
    {"radio", "listen", cmd_radio_listen, "radio listen [--count N]",
     "receive; one line per packet (len, rssi, snr, channel, hex) until Ctrl-C or N"},
    {"radio", "cad", cmd_radio_cad, "radio cad [--symbols 1|2|4|8|16]",
     "channel activity detection: detected 0|1"},
    {"radio", "status", cmd_radio_status, "radio status", "radio state, channel and counters"},
    {"radio", "airtime", cmd_radio_airtime,
     "radio airtime --len N [--sf N] [--bw HZ] [--cr 5..8] [--preamble N] [--implicit] "
     "[--no-crc]",
     "time on air in milliseconds (offline: no device needed)"},
    {"flash", "info", cmd_flash_info, "flash info",
     "the flash store: external chip or internal fallback, size, erase unit"},
    {"flash", "read", cmd_flash_read, "flash read ADDR LEN [-o FILE|-]",
     "read flash: a hex dump, or the bytes to FILE (progress bar on a terminal)"},
    {"flash", "write", cmd_flash_write, "flash write ADDR FILE [--no-erase]",
     "program FILE at ADDR, erasing what it needs (--no-erase: refuse instead)"},
    {"flash", "write-image", cmd_flash_write_image, "flash write-image FILE [--addr ADDR]",
     "write FILE, skipping erase units already in place (resumes), then verify"},
    {"flash", "erase", cmd_flash_erase, "flash erase ADDR LEN", "erase whole erase units"},
    {"flash", "verify", cmd_flash_verify, "flash verify ADDR FILE|LEN",
     "compare with FILE by a CRC-32 computed on the module (exit 1 if it differs)"},
    {"i2c", "scan", cmd_i2c_scan, "i2c scan BUS", "addresses that acknowledge (BUS 1 or 2)"},
    {"i2c", "read", cmd_i2c_read, "i2c read BUS ADDR LEN [--reg HEX]",
     "read LEN bytes (after writing --reg, repeated start): hex"},
    {"i2c", "write", cmd_i2c_write, "i2c write BUS ADDR HEX...", "write bytes"},
    {"i2c", "xfer", cmd_i2c_xfer, "i2c xfer BUS ADDR HEX LEN",
     "write HEX, then read LEN bytes with a repeated start"},
    {"spi", "xfer", cmd_spi_xfer, "spi xfer HEX... [--hz N] [--mode 0..3]",
     "full-duplex transfer on the IO-slot bus: the bytes received as hex"},
    {"uart", "config", cmd_uart_config, "uart config PORT BAUD [--parity none|even] [--stop 1|2]",
     "start a UART (PORT 0 or 1); then uart read prints what it receives"},
    {"uart", "write", cmd_uart_write, "uart write PORT TEXT... [--hex]",
     "send TEXT (words joined by spaces), or --hex bytes"},
    {"uart", "read", cmd_uart_read, "uart read PORT [--count N] [--idle MS] [--hex]",
     "print the bytes the port receives until Ctrl-C, N bytes or MS ms of silence"},
    {"reset", NULL, cmd_reset, "reset [--bootloader|--dfu]", "reset the module"},
    {"delay",
     NULL,
     cmd_method,
     "delay US",
     "diagnostic: the module answers US microseconds later",
     "system.delay",
     {"delay_us"},
     delay_ms},
    {"emit",
     NULL,
     cmd_method,
     "emit COUNT [LEN]",
     "diagnostic: the module sends COUNT diag.event notifications of LEN bytes",
     "system.emit",
     {"count", "len"},
     NULL},
    {"call", NULL, cmd_call, "call METHOD [JSON]", "any JSON-RPC method; prints the JSON result"},
    {"subscribe", NULL, cmd_subscribe, "subscribe TOPIC... [--count N]",
     "print notifications (gpio.edge, device.state, log) until Ctrl-C or N"},
    {"status", NULL, cmd_status, "status", "wisd's own state (device, clients, queue)"},
    {"discover", NULL, cmd_discover, "discover [--serial S]",
     "list modules on USB (no wisd needed); exit 3 if none"},
};
const size_t wisctl_ncmds = sizeof wisctl_cmds / sizeof wisctl_cmds[0];

static void on_signal(int sig)
{
	(void)sig;
	wisctl_interrupted = 1;
}

int main(int argc, char **argv)
{
	struct opts o = {0};
	o.timeout_ms = 5000;
	int i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--json") || !strcmp(a, "-j"))
			o.json = true;
		else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			help_usage(stdout);
			return EXIT_OK;
		} else if (!strcmp(a, "--version") || !strcmp(a, "-V")) {
			help_version(stdout);
			return EXIT_OK;
		} else if ((!strcmp(a, "--socket") || !strcmp(a, "--device") ||
		            !strcmp(a, "--timeout")) &&
		           i + 1 < argc) {
			const char *v = argv[++i];
			if (a[2] == 's')
				o.socket = v;
			else if (a[2] == 'd')
				o.device = v;
			else {
				char *end;
				long t = strtol(v, &end, 10);
				if (*end || t < 1 || t > 3600000) {
					fprintf(stderr,
					        "wisctl: --timeout '%s' is not 1..3600000 ms\n", v);
					return EXIT_USAGE;
				}
				o.timeout_ms = (unsigned)t;
			}
		} else if (!strcmp(a, "--socket") || !strcmp(a, "--device") ||
		           !strcmp(a, "--timeout")) {
			fprintf(stderr, "wisctl: %s needs a value (try --help)\n", a);
			return EXIT_USAGE;
		} else {
			fprintf(stderr, "wisctl: unknown option %s (try --help)\n", a);
			return EXIT_USAGE;
		}
	}
	if (!o.socket) { /* --socket wins over the environment */
		o.socket = getenv("WISD_SOCKET");
		if (!o.socket || !*o.socket)
			o.socket = "/run/wisd.sock";
	}
	if (i >= argc) {
		help_usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[i], "help"))
		return help_command(argc - i - 1, argv + i + 1);
	const char *name = argv[i++], *sub = NULL;
	if (help_has_sub(name)) {
		sub = i < argc ? argv[i++] : "";
		if (!strcmp(sub, "--help") || !strcmp(sub, "-h") || !*sub) {
			help_group(*sub ? stdout : stderr, name);
			return *sub ? EXIT_OK : EXIT_USAGE;
		}
	}
	current = help_find(name, sub);
	if (!current) {
		fprintf(stderr, "wisctl: unknown command '%s%s%s' (try wisctl help)\n", name,
		        sub ? " " : "", sub ? sub : "");
		return EXIT_USAGE;
	}
	int cargc = argc - i;
	char **cargv = argv + i;
	/* Scripts append --json as often as they prepend it. */
	bool seen = false;
	while (take_opt(&cargc, cargv, "--json", false, &seen) ||
	       take_opt(&cargc, cargv, "-j", false, &seen))
		o.json = true;
	for (int k = 0; k < cargc; k++)
		if (!strcmp(cargv[k], "--help") || !strcmp(cargv[k], "-h")) {
			help_one(stdout, current);
			return EXIT_OK;
		}
	/* "gpio get" for messages: the row's words (name and sub matched them),
	 * without printf (id_tail() in wisctl_link.c says why). */
	char cmdline[64], *end = stpcpy(cmdline, current->name);
	if (current->sub) {
		*end++ = ' ';
		stpcpy(end, current->sub);
	}
	o.cmdline = cmdline;

	struct sigaction sa = {0};
	sa.sa_handler = on_signal; /* no SA_RESTART: poll() must return on Ctrl-C */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);

	if (current->run == cmd_discover)
		return cmd_discover(NULL, &o, cargc, cargv);
	if (current->run == cmd_radio_airtime)
		return cmd_radio_airtime(NULL, &o, cargc, cargv);
	char err[300];
	struct link *l = o.device ? link_open_device(o.device, o.timeout_ms, err, sizeof err)
	                          : link_open_socket(o.socket, err, sizeof err);
	if (!l) {
		fprintf(stderr, "wisctl %s: %s\n", cmdline, err);
		return EXIT_UNREACHABLE;
	}
	int rc = current->run(l, &o, cargc, cargv);
	link_close(l);
	return rc;
}

/*
 * wisrpc-sim: a simulated RAK4631 running the companion firmware core
 * behind a Linux HAL.  Serves the wisrpc protocol on a pseudo-terminal (or
 * TCP), models the pins electrically, and takes commands from a control
 * socket.  One poll() loop drives everything; sources register a watch.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "rak4631_board.h"
#include "sim.h"

#ifndef WIS_FW_VERSION
#define WIS_FW_VERSION "0.0.0"
#endif

static struct sim sim;
static int sig_pipe[2] = {-1, -1};

void sim_log(const struct sim *s, const char *fmt, ...)
{
	if (s->quiet)
		return;
	va_list ap;
	va_start(ap, fmt);
	fputs("wisrpc-sim: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

uint64_t sim_now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

int sim_watch_add(struct sim *s, int fd, short events, sim_cb cb, void *arg)
{
	if (s->nwatch == SIM_MAX_WATCH)
		return -1;
	s->watch[s->nwatch++] = (struct sim_watch){fd, events, cb, arg};
	return 0;
}

void sim_watch_del(struct sim *s, int fd)
{
	for (size_t i = 0; i < s->nwatch; i++)
		if (s->watch[i].fd == fd) {
			s->watch[i] = s->watch[--s->nwatch];
			return;
		}
}

void sim_watch_events(struct sim *s, int fd, short events)
{
	for (size_t i = 0; i < s->nwatch; i++)
		if (s->watch[i].fd == fd)
			s->watch[i].events = events;
}

static uint64_t hal_now(void *ctx)
{
	(void)ctx;
	return sim_now_us();
}

static void hal_reset(void *ctx, uint8_t mode)
{
	struct sim *s = ctx;
	if (mode == WIS_RESET_BOOTLOADER)
		sim_log(s, "RESET to the UF2 bootloader: a real module would write GPREGRET=0x57 "
		           "and enter it; the simulator restarts the application");
	else if (mode == WIS_RESET_SERIAL_DFU)
		sim_log(s, "RESET to serial DFU: a real module would write GPREGRET=0x4E and enter "
		           "the bootloader; the simulator restarts the application");
	/* The core is mid-dispatch: reset once wisfw_core_rx has returned. */
	s->reset_req = true;
	s->reset_mode = mode;
}

static void hal_device_id(void *ctx, uint8_t id[8])
{
	struct sim *s = ctx;
	memcpy(id, s->id, 8);
}

void sim_module_reset(struct sim *s, uint8_t cause)
{
	s->reset_req = false;
	sim_log(s, "module reset (cause %u)", cause);
	if (s->link_fd >= 0) {
		/* Requests in flight die with the module, as on USB.  Dropped
		 * before the RESET response goes out: a request the host sends
		 * once it has that response reaches the new boot (dropped after,
		 * it was lost now and then). */
		uint8_t junk[4096];
		for (int i = 0; i < 64 && read(s->link_fd, junk, sizeof junk) > 0; i++)
			;
	}
	sim_link_flush(s); /* the RESET response leaves before the reset */
	s->txlen = 0;
	sim_pins_reset(s);
	wisfw_core_init(&s->core, &s->hal);
	wisfw_core_boot(&s->core, cause);
}

static void on_signal(int sig)
{
	(void)sig;
	int e = errno;
	(void)!write(sig_pipe[1], "x", 1);
	errno = e;
}

static void sig_readable(struct sim *s, int fd, short revents, void *arg)
{
	(void)revents;
	(void)arg;
	char b[16];
	(void)!read(fd, b, sizeof b);
	s->quit = true;
}

static void usage(FILE *f)
{
	fputs("usage: wisrpc-sim [options]\n"
	      "A simulated RAK4631 running the wisrpc companion firmware core.\n"
	      "\n"
	      "  --link PATH      symlink PATH to the pseudo-terminal (like /dev/ttyACM0)\n"
	      "  --wire A:B[:C]   wire pins together into one net (repeatable)\n"
	      "  --adc NAME=MV    analog input voltage in mV, 0..3600 (repeatable)\n"
	      "  --control PATH   unix socket for the control interface\n"
	      "  --tcp PORT       serve on 127.0.0.1:PORT instead of a pty (0: any port)\n"
	      "  --id HEX16       device id, 16 hex digits (default: from pid and time)\n"
	      "  --quiet          no log messages on stderr\n"
	      "  --help           this text\n"
	      "\n"
	      "On start one line goes to stdout:\n"
	      "  wisrpc-sim ready pty=/dev/pts/N link=PATH control=PATH [tcp=127.0.0.1:PORT]\n"
	      "Control commands (one per line, reply \"ok ...\" or \"error ...\"):\n"
	      "  press PIN, release PIN, drive PIN 0|1|z, adc PIN MV, get PIN, led PIN,\n"
	      "  reset, stats, quit, help\n",
	      f);
}

static int parse_id(const char *h, uint8_t id[8])
{
	if (strlen(h) != 16)
		return -1;
	for (int i = 0; i < 8; i++) {
		unsigned v = 0;
		for (int j = 0; j < 2; j++) {
			char c = h[2 * i + j];
			unsigned d = c >= '0' && c <= '9'   ? (unsigned)(c - '0')
			             : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10)
			             : c >= 'A' && c <= 'F' ? (unsigned)(c - 'A' + 10)
			                                    : 16u;
			if (d > 15)
				return -1;
			v = v * 16 + d;
		}
		id[i] = (uint8_t)v;
	}
	return 0;
}

static void default_id(uint8_t id[8])
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	uint64_t x =
	    ((uint64_t)getpid() << 32) ^ (uint64_t)ts.tv_sec * 1000000007u ^ (uint64_t)ts.tv_nsec;
	/* splitmix64: spreads pid and time over all 64 bits */
	x += 0x9e3779b97f4a7c15u;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9u;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebu;
	x ^= x >> 31;
	for (int i = 0; i < 8; i++)
		id[i] = (uint8_t)(x >> (56 - 8 * i));
}

#define MAX_OPT_LIST 64

static void run_loop(struct sim *s)
{
	struct pollfd pf[SIM_MAX_WATCH];
	struct sim_watch w[SIM_MAX_WATCH];
	while (!s->quit) {
		if (s->link_fd >= 0)
			sim_watch_events(
			    s, s->link_fd,
			    (short)(POLLIN |
			            (wisfw_core_tx_pending(&s->core) || s->txlen ? POLLOUT : 0)));
		size_t n = s->nwatch;
		memcpy(w, s->watch, n * sizeof w[0]);
		for (size_t i = 0; i < n; i++)
			pf[i] = (struct pollfd){w[i].fd, w[i].events, 0};
		int timeout = 1000;
		uint64_t dl = wisfw_core_next_deadline(&s->core), now = sim_now_us();
		if (dl != UINT64_MAX)
			timeout = dl <= now ? 0 : (int)((dl - now + 999) / 1000);
		if (timeout > 1000)
			timeout = 1000;
		int r = poll(pf, (nfds_t)n, timeout);
		if (r < 0 && errno != EINTR) {
			perror("wisrpc-sim: poll");
			break;
		}
		for (size_t i = 0; r > 0 && i < n && !s->quit; i++) {
			if (!pf[i].revents)
				continue;
			/* A callback may have removed this fd already. */
			bool live = false;
			for (size_t j = 0; j < s->nwatch; j++)
				live |= s->watch[j].fd == w[i].fd && s->watch[j].cb == w[i].cb;
			if (live)
				w[i].cb(s, w[i].fd, pf[i].revents, w[i].arg);
			if (s->reset_req)
				sim_module_reset(s, WIS_CAUSE_REQUEST);
		}
		wisfw_core_poll(&s->core, sim_now_us());
		sim_link_flush(s);
	}
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"link", required_argument, NULL, 'l'},
	    {"wire", required_argument, NULL, 'w'},
	    {"adc", required_argument, NULL, 'a'},
	    {"control", required_argument, NULL, 'c'},
	    {"tcp", required_argument, NULL, 't'},
	    {"id", required_argument, NULL, 'i'},
	    {"quiet", no_argument, NULL, 'q'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct sim *s = &sim;
	const char *link = NULL, *control = NULL;
	const char *wires[MAX_OPT_LIST], *adcs[MAX_OPT_LIST];
	size_t nwires = 0, nadcs = 0;
	int tcp = -1;
	bool have_id = false;
	int o;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'l':
			link = optarg;
			break;
		case 'c':
			control = optarg;
			break;
		case 'q':
			s->quiet = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'w':
		case 'a':
			if ((o == 'w' ? nwires : nadcs) == MAX_OPT_LIST) {
				fprintf(stderr, "wisrpc-sim: too many --%s options\n",
				        o == 'w' ? "wire" : "adc");
				return 2;
			}
			if (o == 'w')
				wires[nwires++] = optarg;
			else
				adcs[nadcs++] = optarg;
			break;
		case 't': {
			char *end;
			long p = strtol(optarg, &end, 10);
			if (*optarg == 0 || *end || p < 0 || p > 65535) {
				fprintf(stderr, "wisrpc-sim: --tcp %s: not a port number\n",
				        optarg);
				return 2;
			}
			tcp = (int)p;
			break;
		}
		case 'i':
			if (parse_id(optarg, s->id) < 0) {
				fprintf(stderr, "wisrpc-sim: --id %s: want 16 hex digits\n",
				        optarg);
				return 2;
			}
			have_id = true;
			break;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "wisrpc-sim: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	if (tcp >= 0 && link) {
		fprintf(stderr, "wisrpc-sim: --link and --tcp exclude each other\n");
		return 2;
	}
	if (!have_id)
		default_id(s->id);

	wisfw_rak4631_board(&s->board);
	s->board.fw_version = WIS_FW_VERSION;
	s->board.caps =
	    WIS_CAP_GPIO | WIS_CAP_ADC | WIS_CAP_BATCH | WIS_CAP_EVENTS | WIS_CAP_SIMULATED;
	/* The companion firmware programs UICR.NFCPINS so IO5/IO6 are GPIOs. */
	s->board.nfc_pins_gpio = true;
	s->hal = (struct wisfw_hal){
	    .ctx = s,
	    .board = &s->board,
	    .now_us = hal_now,
	    .tx = sim_hal_tx,
	    .tx_wait = sim_hal_tx_wait,
	    .gpio_config = sim_hal_gpio_config,
	    .gpio_write = sim_hal_gpio_write,
	    .gpio_read = sim_hal_gpio_read,
	    .adc_sample = sim_hal_adc_sample,
	    .reset = hal_reset,
	    .device_id = hal_device_id,
	};
	s->link_fd = s->slave_fd = s->tcp_listen = s->ctl_listen = -1;
	s->tcp_port = -1;
	for (size_t i = 0; i < SIM_MAX_CTL; i++)
		s->ctl[i].fd = -1;

	/* No core yet: wiring and voltages change nets with nobody to tell. */
	s->mute_pins = true;
	sim_pins_init(s);
	char err[160];
	for (size_t i = 0; i < nwires; i++)
		if (sim_pins_wire(s, wires[i], err, sizeof err) < 0) {
			fprintf(stderr, "wisrpc-sim: --wire %s: %s\n", wires[i], err);
			return 2;
		}
	for (size_t i = 0; i < nadcs; i++) {
		char name[64];
		const char *eq = strchr(adcs[i], '=');
		char *end = NULL;
		long mv = eq ? strtol(eq + 1, &end, 10) : 0;
		if (!eq || (size_t)(eq - adcs[i]) >= sizeof name || end == eq + 1 || *end) {
			fprintf(stderr, "wisrpc-sim: --adc %s: want NAME=MV\n", adcs[i]);
			return 2;
		}
		memcpy(name, adcs[i], (size_t)(eq - adcs[i]));
		name[eq - adcs[i]] = 0;
		const struct wis_pin_def *d = sim_pin_lookup(s, name, err, sizeof err);
		if (!d || sim_pins_set_adc(s, d->nrf, mv, err, sizeof err) < 0) {
			fprintf(stderr, "wisrpc-sim: --adc %s: %s\n", adcs[i], err);
			return 2;
		}
	}

	if (pipe2(sig_pipe, O_CLOEXEC | O_NONBLOCK) < 0) {
		perror("wisrpc-sim: pipe");
		return 1;
	}
	struct sigaction sa = {.sa_handler = on_signal};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	sim_watch_add(s, sig_pipe[0], POLLIN, sig_readable, NULL);

	int rc = 1;
	if ((tcp >= 0 ? sim_link_open_tcp(s, tcp) : sim_link_open_pty(s, link)) < 0)
		goto out;
	if (control && sim_control_open(s, control) < 0)
		goto out;

	s->mute_pins = false;
	wisfw_core_init(&s->core, &s->hal);
	wisfw_core_boot(&s->core, WIS_CAUSE_POWER_ON);

	if (tcp >= 0)
		printf("wisrpc-sim ready pty=- link=- control=%s tcp=127.0.0.1:%d\n",
		       control ? control : "-", s->tcp_port);
	else
		printf("wisrpc-sim ready pty=%s link=%s control=%s\n", s->pty_name,
		       link ? link : "-", control ? control : "-");
	fflush(stdout);

	run_loop(s);
	sim_log(s, "exiting");
	rc = 0;
out:
	sim_control_close(s);
	sim_link_close(s);
	return rc;
}

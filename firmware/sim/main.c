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
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include "nor_model.h"
#include "wisrpc/version.h"
#include "sim.h"

static struct sim sim;
static int sig_pipe[2] = {-1, -1};
static struct nor_model nor; /* the flash chip, unless --no-flash */

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

static void hw_log(void *user, const char *msg)
{
	sim_log(user, "%s", msg);
}

static void hw_drain(void *user)
{
	sim_link_flush(user);
}

void sim_module_reset(struct sim *s, uint8_t cause)
{
	if (s->hw.reset_req && s->hw.reset_mode == WIS_RESET_BOOTLOADER)
		sim_log(s, "RESET to the UF2 bootloader: a real module would write GPREGRET=0x57 "
		           "and enter it; the simulator restarts the application");
	else if (s->hw.reset_req && s->hw.reset_mode == WIS_RESET_SERIAL_DFU)
		sim_log(s, "RESET to serial DFU: a real module would write GPREGRET=0x4E and enter "
		           "the bootloader; the simulator restarts the application");
	s->hw.reset_req = false;
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
	sim_fault_drop_rx(s);
	sim_link_flush(s); /* the RESET response leaves before the reset */
	simhal_tx_clear(&s->hw);
	simhal_pins_reset(&s->hw);
	wisfw_core_init(&s->core, &s->hw.hal);
	wisfw_core_boot(&s->core, cause, NULL);
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
	      "  --medium NAME    share a radio medium with other simulators of that NAME\n"
	      "                   ($TMPDIR/wisrpc-medium-NAME; a NAME with '/' is the\n"
	      "                   directory)\n"
	      "  --path-loss DB   path loss from every other module, 0..200 (default 100)\n"
	      "  --station N      this module's number on the medium, 1..255 (for the next)\n"
	      "  --path-loss-from N=DB  path loss from station N instead (repeatable)\n"
	      "  --loss PERMILLE  drop each reception with this chance, 0..1000 (default 0)\n"
	      "  --capture DB     a stronger frame survives a collision if it leads by DB\n"
	      "  --seed N         seed of the packet-loss draws (default 1)\n"
	      "  --flash-image F  back the flash chip with file F (1 MiB, created 0xFF)\n"
	      "  --no-flash       no flash chip fitted: the internal fallback store is used\n"
	      "  --flash-fast     chip and NVMC busy times divided by 100 (tests)\n"
	      "  --fault SPEC     link faults, SPEC = KIND=RATE[,KIND=RATE...]: drop, corrupt\n"
	      "                   (one bit flipped), dup (sent twice) each byte with that\n"
	      "                   chance (0..1, e.g. 1e-4), delay=RATE:MS holds the\n"
	      "                   stream MS ms from such a byte on; both directions (see\n"
	      "                   also: fault)\n"
	      "  --fault-seed N   seed of the fault draws (default 1): same seed and traffic,\n"
	      "                   same faults\n"
	      "  --quiet          no log messages on stderr\n"
	      "  --help           this text\n"
	      "  --version        the firmware version it runs\n"
	      "\n"
	      "On start one line goes to stdout:\n"
	      "  wisrpc-sim ready pty=/dev/pts/N link=PATH control=PATH\n"
	      "                   [tcp=127.0.0.1:PORT]\n"
	      "Control commands (one per line, reply \"ok ...\" or \"error ...\"):\n"
	      "  press PIN, release PIN, drive PIN 0|1|z, adc PIN MV, get PIN, led PIN,\n"
	      "  reset, stats, quit, help, radio [corrupt N],\n"
	      "  fault (show settings and counts), fault drop|corrupt|dup RATE,\n"
	      "  fault delay RATE MS, fault seed N, fault off (rates 0, stall ended),\n"
	      "  fault stall MS (nothing read or written for MS ms),\n"
	      "  fault vanish MS (the pty or TCP port goes away; after MS ms it is back,\n"
	      "  --link repointed, and the module boots as after a replug)\n",
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

/* The radio options' numbers, each with its range. */
static int parse_num(int o, const char *arg, long *v)
{
	static const struct {
		int opt;
		const char *name;
		long lo, hi;
	} r[] = {{'P', "path-loss", 0, 200},
	         {'L', "loss", 0, 1000},
	         {'C', "capture", 0, 60},
	         {'E', "seed", 0, 0xffffffffL}};
	for (size_t i = 0; i < sizeof r / sizeof r[0]; i++) {
		if (r[i].opt != o)
			continue;
		char *end;
		*v = strtol(arg, &end, 10);
		if (*arg && !*end && *v >= r[i].lo && *v <= r[i].hi)
			return 0;
		fprintf(stderr, "wisrpc-sim: --%s %s: want a number %ld..%ld\n", r[i].name, arg,
		        r[i].lo, r[i].hi);
		return -1;
	}
	return -1;
}

/* The last µs before the core's alarm are spun, not slept: a wake-up
 * from poll comes some 50-150 µs late, and SEND_AT promises its preamble
 * within 100 µs of the asked time. */
#define SPIN_US 200

/* How long poll may sleep: until the core's alarm or the air's next
 * event (a frame ending, a chip timer), at most 1 s. */
static struct timespec wait_for(struct sim *s)
{
	uint64_t now = simhal_now(&s->hw), dl = s->hw.alarm, r = sim_radio_next_event(s);
	uint64_t f = sim_fault_next_us(s);
	if (f < r)
		r = f;
	uint64_t us = 1000000;
	if (dl != UINT64_MAX)
		dl = dl > now + SPIN_US ? dl - SPIN_US : now;
	if (r < dl)
		dl = r;
	if (dl != UINT64_MAX)
		us = dl <= now ? 0 : dl - now;
	if (us > 1000000)
		us = 1000000;
	return (struct timespec){(time_t)(us / 1000000), (long)(us % 1000000) * 1000};
}

static void run_loop(struct sim *s)
{
	struct pollfd pf[SIM_MAX_WATCH];
	struct sim_watch w[SIM_MAX_WATCH];
	while (!s->quit) {
		if (s->link_fd >= 0) {
			/* Not while stalled: the link is writable but takes nothing
			 * (a streamed answer would spin the loop); the stall's end
			 * is a deadline of wait_for. */
			bool out = (wisfw_core_tx_pending(&s->core) || simhal_tx_pending(&s->hw) ||
			            sim_fault_want_write(s)) &&
			           !sim_fault_stalled(s);
			sim_watch_events(
			    s, s->link_fd,
			    (short)((sim_fault_want_read(s) ? POLLIN : 0) | (out ? POLLOUT : 0)));
		}
		size_t n = s->nwatch;
		memcpy(w, s->watch, n * sizeof w[0]);
		for (size_t i = 0; i < n; i++)
			pf[i] = (struct pollfd){w[i].fd, w[i].events, 0};
		/* The core's alarm (timebase.alarm_at) says when it must run;
		 * µs resolution, for SEND_AT. */
		struct timespec ts = wait_for(s);
		int r = ppoll(pf, (nfds_t)n, &ts, NULL);
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
			if (s->hw.reset_req)
				sim_module_reset(s, WIS_CAUSE_REQUEST);
		}
		sim_fault_poll(s);
		wisfw_core_poll(&s->core, simhal_now(&s->hw));
		if (s->hw.reset_req)
			sim_module_reset(s, WIS_CAUSE_REQUEST);
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
	    {"medium", required_argument, NULL, 'm'},
	    {"path-loss", required_argument, NULL, 'P'},
	    {"station", required_argument, NULL, 'n'},
	    {"path-loss-from", required_argument, NULL, 'p'},
	    {"loss", required_argument, NULL, 'L'},
	    {"capture", required_argument, NULL, 'C'},
	    {"seed", required_argument, NULL, 'E'},
	    {"flash-image", required_argument, NULL, 'F'},
	    {"no-flash", no_argument, NULL, 'N'},
	    {"flash-fast", no_argument, NULL, 'S'},
	    {"fault", required_argument, NULL, 'f'},
	    {"fault-seed", required_argument, NULL, 's'},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {NULL, 0, NULL, 0},
	};
	struct sim *s = &sim;
	const char *link = NULL, *control = NULL;
	const char *wires[MAX_OPT_LIST], *adcs[MAX_OPT_LIST];
	size_t nwires = 0, nadcs = 0;
	int tcp = -1;
	bool have_id = false;
	const char *flash_image = NULL;
	bool no_flash = false, flash_fast = false;
	uint8_t id[8];
	struct sim_radio_opts ro = {NULL, 100, 0, -1, 1, 0, {0}};
	for (int i = 0; i < 256; i++)
		ro.station_loss[i] = RADIO_MEDIUM_LOSS_UNSET;
	long num;
	int o;
	simhal_init(&s->hw, false);
	sim_fault_init(&s->fault, 1);
	const char *fault_spec = NULL;
	s->hw.user = s;
	s->hw.log = hw_log;
	s->hw.drain = hw_drain;
	s->hw.link_up = false;
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
		case 'F':
			flash_image = optarg;
			break;
		case 'N':
			no_flash = true;
			break;
		case 'S':
			flash_fast = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'f':
			fault_spec = optarg;
			break;
		case 's': {
			char *end;
			errno = 0;
			unsigned long v = strtoul(optarg, &end, 10);
			if (errno || !*optarg || *end || *optarg == '-' || v > UINT32_MAX) {
				fprintf(stderr, "wisrpc-sim: --fault-seed %s: want 0..4294967295\n",
				        optarg);
				return 2;
			}
			s->fault.seed = (uint32_t)v;
			break;
		}
		case 'V':
			printf("wisrpc-sim %s\n", WIS_LIB_VERSION);
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
		case 'm':
			ro.medium = optarg;
			break;
		case 'n':
		case 'p': {
			char *end;
			long st = strtol(optarg, &end, 10), db = 0;
			bool ok = end != optarg && st >= 1 && st <= 255;
			if (o == 'p') {
				ok = ok && *end == '=';
				if (ok) {
					char *e2;
					db = strtol(end + 1, &e2, 10);
					ok = e2 != end + 1 && !*e2 && db >= 0 && db <= 200;
				}
			} else {
				ok = ok && !*end;
			}
			if (!ok) {
				fprintf(stderr, "wisrpc-sim: --%s %s: %s\n",
				        o == 'n' ? "station" : "path-loss-from", optarg,
				        o == 'n' ? "a station is 1..255"
				                 : "N=DB: station 1..255, loss 0..200 dB");
				return 2;
			}
			if (o == 'n')
				ro.station = (uint8_t)st;
			else
				ro.station_loss[st] = (int16_t)db;
			break;
		}
		case 'P':
		case 'L':
		case 'C':
		case 'E':
			if (parse_num(o, optarg, &num) < 0)
				return 2;
			if (o == 'P')
				ro.path_loss_db = (int)num;
			else if (o == 'L')
				ro.loss_permille = (uint16_t)num;
			else if (o == 'C')
				ro.capture_db = (int)num;
			else
				ro.seed = (uint32_t)num;
			break;
		case 'i':
			if (parse_id(optarg, id) < 0) {
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
	{
		/* The seed first, whatever the order of the options. */
		uint32_t seed = s->fault.seed;
		sim_fault_init(&s->fault, seed);
		if (fault_spec && sim_fault_parse(&s->fault, fault_spec) < 0) {
			fprintf(stderr,
			        "wisrpc-sim: --fault %s: want KIND=RATE[,...]: drop, corrupt, dup "
			        "with a rate 0..1 per byte, delay=RATE:MS\n",
			        fault_spec);
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
	if (no_flash && flash_image) {
		fprintf(stderr, "wisrpc-sim: --no-flash and --flash-image exclude each other\n");
		return 2;
	}
	if (!no_flash) {
		if (nor_model_init(&nor, NOR_MODEL_FITTED, flash_image) < 0) {
			fprintf(stderr, "wisrpc-sim: --flash-image %s: %s\n", flash_image,
			        errno == EINVAL ? "not a 1 MiB image" : strerror(errno));
			return 1;
		}
		s->hw.nor = &nor;
	}
	simhal_flash_timing(&s->hw, flash_fast ? 100 : 1);
	if (!have_id)
		default_id(id);
	memcpy(s->hw.id, id, sizeof id);

	/* Before parsing --wire and --adc: they set up the pin model. */
	s->link_fd = s->slave_fd = s->tcp_listen = s->ctl_listen = -1;
	s->sock.fd = -1;
	s->tcp_port = -1;
	for (size_t i = 0; i < SIM_MAX_CTL; i++)
		s->ctl[i].fd = -1;

	/* No core attached yet: wiring and voltages change nets with nobody
	 * to tell. */
	char err[160];
	for (size_t i = 0; i < nwires; i++)
		if (simhal_pins_wire(&s->hw, wires[i], err, sizeof err) < 0) {
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
		const struct wis_pin_def *d = simhal_pin_lookup(&s->hw, name, err, sizeof err);
		if (!d || simhal_set_adc(&s->hw, d->nrf, mv, err, sizeof err) < 0) {
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

	if (sim_radio_open(s, &ro) < 0)
		goto out;
	/* Wake-ups to the µs (default slack 50 µs): SEND_AT's SetTx time. */
	prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
	simhal_attach(&s->hw, &s->core);
	wisfw_core_init(&s->core, &s->hw.hal);
	wisfw_core_boot(&s->core, WIS_CAUSE_POWER_ON, NULL);

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
	sim_radio_close(s);
	sim_control_close(s);
	sim_link_close(s);
	if (s->hw.nor)
		nor_model_fini(s->hw.nor);
	return rc;
}

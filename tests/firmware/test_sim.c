/*
 * End-to-end tests of the built wisrpc-sim: start the binary, speak raw
 * wisrpc frames (encoded with the shared frame.c) over its pseudo-terminal
 * (termios transport) or its TCP port, play with the control socket, and
 * kill it.  argv[1] is the path of the wisrpc-sim binary.
 */
#include "sim_harness.h"

/* The main scenario: pty link, wires, ADC, control socket. */
static void test_pty(void)
{
	char link[128], ctlp[128];
	snprintf(link, sizeof link, "%s/ttyWIS0", tmpdir);
	snprintf(ctlp, sizeof ctlp, "%s/ctl", tmpdir);
	const char *args[] = {"--link",  link,    "--control", ctlp,   "--wire",
	                      "IO1:io2", "--adc", "AIN0=1650", "--id", "0011223344556677",
	                      "--quiet", NULL};
	struct simproc sp;
	CHECK_EQ(sim_start(&sp, args), 0);
	CHECK_STR(sp.link, link);
	CHECK_STR(sp.ctl, ctlp);
	CHECK(strncmp(sp.pty, "/dev/pts/", 9) == 0);
	char target[128] = "";
	ssize_t tl = readlink(link, target, sizeof target - 1);
	if (tl > 0)
		target[tl] = 0;
	CHECK_STR(target, sp.pty);

	static struct host h;
	host_init(&h, open_tty(link));
	CHECK(h.fd >= 0);
	int c = ctl_open(ctlp);
	CHECK(c >= 0);

	/* The boot event waits in the pty for the first reader. */
	CHECK(wait_events(&h, WIS_EV_RESET, 1, 2000));
	struct fw_frame *e = event(&h, WIS_EV_RESET, 0);
	CHECK(e && e->len == 13 && ev_seq(e) == 0 && e->p[12] == 0);

	struct fw_frame *r = RPC(&h, WIS_OP_HELLO, 1);
	CHECK_EQ(r->h.status, 0);
	struct wis_rd rd = wis_rd_init(r->p, r->len);
	CHECK_EQ(wis_rd_u8(&rd), 1);
	CHECK_EQ(wis_rd_u8(&rd), 16);
	CHECK_EQ(wis_rd_u16(&rd), 1024);
	uint32_t caps = wis_rd_u32(&rd);
	CHECK(caps & (1u << 31));
	CHECK(caps & 1u);
	const uint8_t *id = wis_rd_bytes(&rd, 8);
	CHECK(id && memcmp(id, "\x00\x11\x22\x33\x44\x55\x66\x77", 8) == 0);
	wis_rd_bytes(&rd, wis_rd_u8(&rd));
	uint8_t bl = wis_rd_u8(&rd);
	const uint8_t *board = wis_rd_bytes(&rd, bl);
	CHECK(board && bl == 7 && memcmp(board, "RAK4631", 7) == 0);

	/* Pipelining: 16 requests in flight, answered once each, in order. */
	uint16_t ids[16];
	for (int i = 0; i < 16; i++)
		ids[i] = host_send(&h, WIS_MSG_REQUEST, WIS_OP_PING, (uint8_t[]){(uint8_t)i}, 1);
	CHECK(host_pump(&h, 3000, has_resp, &ids[15]));
	for (int i = 0; i < 16; i++) {
		struct fw_frame *pr = find_resp(&h, ids[i]);
		CHECK(pr && pr->len == 1 && pr->p[0] == i);
		if (i)
			CHECK(find_resp(&h, ids[i - 1]) < pr);
	}
	host_forget(&h);

	/* --wire IO1:IO2: IO1 drives IO2, and IO2's edges are reported. */
	r = RPC(&h, WIS_OP_GPIO_MODE, IO2, WIS_GPIO_INPUT, 0);
	CHECK_EQ(r->h.status, 0);
	r = RPC(&h, WIS_OP_GPIO_WATCH, IO2, WIS_EDGE_BOTH, 0, 0, 0, 0);
	CHECK_EQ(r->h.status, 0);
	r = RPC(&h, WIS_OP_GPIO_WRITE, IO1, 1);
	CHECK_EQ(r->h.status, 0);
	r = RPC(&h, WIS_OP_GPIO_READ, IO2);
	CHECK(r->h.status == 0 && r->len == 1 && r->p[0] == 1);
	CHECK_STR(ctl(c, "get IO2"), "ok IO2 mode=input out=0 level=1 owner=gpio");
	CHECK_STR(ctl(c, "get io1"), "ok IO1 mode=output out=1 level=1 owner=gpio");
	r = RPC(&h, WIS_OP_GPIO_WRITE, IO1, 0);
	CHECK_EQ(r->h.status, 0);
	r = RPC(&h, WIS_OP_GPIO_READ, IO2);
	CHECK(r->h.status == 0 && r->p[0] == 0);
	CHECK(wait_events(&h, WIS_EV_GPIO_EDGE, 2, 2000));
	struct fw_frame *e1 = event(&h, WIS_EV_GPIO_EDGE, 0), *e2 = event(&h, WIS_EV_GPIO_EDGE, 1);
	check_edge(e1, IO2, 1);
	check_edge(e2, IO2, 0);
	CHECK_EQ(ev_seq(e2), ev_seq(e1) + 1);
	CHECK_EQ(ev_seq(e1), 1);
	CHECK(ev_time(e2) >= ev_time(e1));
	r = rpc(&h, WIS_OP_UPTIME, NULL, 0);
	rd = wis_rd_init(r->p, r->len);
	CHECK(wis_rd_u64(&rd) >= ev_time(e2));
	host_forget(&h);

	/* SW1 with its pull-up, pressed and released from the control socket. */
	r = RPC(&h, WIS_OP_GPIO_MODE, SW1, WIS_GPIO_INPUT_PULLUP, 0);
	CHECK_EQ(r->h.status, 0);
	r = RPC(&h, WIS_OP_GPIO_READ, SW1);
	CHECK(r->h.status == 0 && r->p[0] == 1);
	r = RPC(&h, WIS_OP_GPIO_WATCH, SW1, WIS_EDGE_BOTH, 0, 0, 0, 0);
	CHECK_EQ(r->h.status, 0);
	CHECK_STR(ctl(c, "press SW1"), "ok SW1 pressed");
	r = RPC(&h, WIS_OP_GPIO_READ, SW1);
	CHECK(r->h.status == 0 && r->p[0] == 0);
	CHECK_STR(ctl(c, "release sw1"), "ok SW1 released");
	CHECK(wait_events(&h, WIS_EV_GPIO_EDGE, 2, 2000));
	check_edge(event(&h, WIS_EV_GPIO_EDGE, 0), SW1, 0);
	check_edge(event(&h, WIS_EV_GPIO_EDGE, 1), SW1, 1);
	host_forget(&h);

	/* Debounce 30 ms: a press is reported once it has held that long. */
	r = RPC(&h, WIS_OP_GPIO_WATCH, SW1, WIS_EDGE_FALLING, 0x30, 0x75, 0, 0);
	CHECK_EQ(r->h.status, 0);
	uint64_t t0 = now_ms();
	CHECK_STR(ctl(c, "press SW1"), "ok SW1 pressed");
	CHECK(wait_events(&h, WIS_EV_GPIO_EDGE, 1, 2000));
	CHECK(now_ms() - t0 >= 29);
	CHECK_STR(ctl(c, "release SW1"), "ok SW1 released");
	host_forget(&h);

	/* ADC: --adc AIN0=1650, then changed at run time; IO4 has no voltage. */
	r = RPC(&h, WIS_OP_ADC_READ, AIN0, 0, 0, 12, 0);
	CHECK_EQ(r->h.status, 0);
	rd = wis_rd_init(r->p, r->len);
	CHECK_EQ((int16_t)wis_rd_u16(&rd), 1877);
	CHECK_EQ((int32_t)wis_rd_u32(&rd), 1650);
	CHECK_STR(ctl(c, "adc AIN0 3000"), "ok AIN0 3000 mV");
	r = RPC(&h, WIS_OP_ADC_READ, AIN0, 0, 0, 14, 4);
	rd = wis_rd_init(r->p, r->len);
	CHECK_EQ((int16_t)wis_rd_u16(&rd), 13653); /* 3000/3600*16384 */
	CHECK_EQ((int32_t)wis_rd_u32(&rd), 3000);
	r = RPC(&h, WIS_OP_ADC_READ, AIN0, WIS_ADC_GAIN_1, 0, 10, 0); /* full scale 0.6 V */
	rd = wis_rd_init(r->p, r->len);
	CHECK_EQ((int16_t)wis_rd_u16(&rd), 1023);
	CHECK_EQ((int32_t)wis_rd_u32(&rd), 599);
	r = RPC(&h, WIS_OP_ADC_READ, IO4, 0, 0, 12, 0);
	rd = wis_rd_init(r->p, r->len);
	CHECK(r->h.status == 0 && wis_rd_u16(&rd) == 0);
	CHECK_STR(ctl(c, "get AIN0"), "ok AIN0 mode=disabled out=0 level=0 owner=adc");
	r = RPC(&h, WIS_OP_GPIO_WRITE, AIN0, 1);
	CHECK_EQ(r->h.status, WIS_ST_PIN_BUSY);
	r = RPC(&h, WIS_OP_ADC_READ, IO1, 0, 0, 12, 0);
	CHECK_EQ(r->h.status, WIS_ST_NOT_CAPABLE);

	/* LEDs are observable. */
	CHECK_STR(ctl(c, "led LED1"), "ok LED1 off");
	r = RPC(&h, WIS_OP_GPIO_WRITE, LED1, 1);
	CHECK_EQ(r->h.status, 0);
	CHECK_STR(ctl(c, "led led1"), "ok LED1 on");

	/* External drive; a floating net keeps its level, a pull decides it. */
	r = RPC(&h, WIS_OP_GPIO_MODE, IO3, WIS_GPIO_INPUT, 0);
	CHECK_EQ(r->h.status, 0);
	CHECK_STR(ctl(c, "drive IO3 1"), "ok IO3 drive=1");
	r = RPC(&h, WIS_OP_GPIO_READ, IO3);
	CHECK(r->p[0] == 1);
	CHECK_STR(ctl(c, "drive IO3 z"), "ok IO3 drive=z");
	r = RPC(&h, WIS_OP_GPIO_READ, IO3);
	CHECK(r->p[0] == 1);
	r = RPC(&h, WIS_OP_GPIO_MODE, IO3, WIS_GPIO_INPUT_PULLDOWN, 0);
	CHECK_EQ(r->h.status, 0);
	r = RPC(&h, WIS_OP_GPIO_READ, IO3);
	CHECK(r->p[0] == 0);
	/* Open drain with a pull-up on the other end of the wire. */
	r = RPC(&h, WIS_OP_GPIO_MODE, IO2, WIS_GPIO_INPUT_PULLUP, 0);
	CHECK_EQ(r->h.status, 0);
	r = RPC(&h, WIS_OP_GPIO_MODE, IO1, WIS_GPIO_OUTPUT_OPEN_DRAIN, 0);
	CHECK_EQ(r->h.status, 0);
	r = RPC(&h, WIS_OP_GPIO_READ, IO2);
	CHECK(r->p[0] == 0);
	r = RPC(&h, WIS_OP_GPIO_WRITE, IO1, 1);
	CHECK_EQ(r->h.status, 0);
	r = RPC(&h, WIS_OP_GPIO_READ, IO2);
	CHECK(r->p[0] == 1);
	/* Two push-pull outputs fighting: the net reads low and the control
	 * interface says so (on hardware, a short through both drivers). */
	r = RPC(&h, WIS_OP_GPIO_MODE, IO1, WIS_GPIO_OUTPUT, 1);
	CHECK_EQ(r->h.status, 0);
	r = RPC(&h, WIS_OP_GPIO_MODE, IO2, WIS_GPIO_OUTPUT, 0);
	CHECK_EQ(r->h.status, 0);
	CHECK_STR(ctl(c, "get IO1"), "ok IO1 mode=output out=1 level=0 owner=gpio contention");
	r = RPC(&h, WIS_OP_GPIO_WRITE, IO2, 1);
	CHECK_EQ(r->h.status, 0);
	CHECK_STR(ctl(c, "get IO1"), "ok IO1 mode=output out=1 level=1 owner=gpio");
	r = RPC(&h, WIS_OP_GPIO_MODE, IO2, WIS_GPIO_INPUT_PULLUP, 0);
	CHECK_EQ(r->h.status, 0);
	r = RPC(&h, WIS_OP_GPIO_MODE, IO1, WIS_GPIO_OUTPUT_OPEN_DRAIN, 1);
	CHECK_EQ(r->h.status, 0);

	/* Errors: not a pin, and the detail says why. */
	r = RPC(&h, WIS_OP_GPIO_READ, 40);
	CHECK_EQ(r->h.status, WIS_ST_NO_SUCH_PIN);
	char d[300];
	CHECK_CONTAINS(fw_detail(r->p, r->len, d, sizeof d), "not an I/O pin");

	/* Bad control commands never hurt. */
	CHECK_CONTAINS(ctl(c, "bogus"), "error unknown command 'bogus'");
	CHECK_CONTAINS(ctl(c, "press IO1"), "error IO1 is not a button");
	CHECK_CONTAINS(ctl(c, "get VBAT"), "error VBAT is a power pin");
	CHECK_CONTAINS(ctl(c, "get GND3"), "error GND3 is a ground pin");
	CHECK_CONTAINS(ctl(c, "get nosuch"), "error unknown pin 'nosuch'");
	CHECK_CONTAINS(ctl(c, "get"), "error missing pin name");
	CHECK_CONTAINS(ctl(c, "get IO1 IO2"), "error usage");
	CHECK_CONTAINS(ctl(c, "drive IO1 7"), "error drive level '7'");
	CHECK_CONTAINS(ctl(c, "adc IO1 100"), "error IO1 has no analog input");
	CHECK_CONTAINS(ctl(c, "adc AIN0 99999"), "error 99999 mV out of range 0..3600");
	CHECK_CONTAINS(ctl(c, "adc AIN0 -1"), "out of range");
	CHECK_CONTAINS(ctl(c, "adc AIN0 12abc"), "is not a number");
	CHECK_CONTAINS(ctl(c, "led IO1"), "error IO1 is not an LED");
	CHECK_CONTAINS(ctl(c, "stats now"), "error stats takes no arguments");
	CHECK_CONTAINS(ctl(c, "a b c d e f g h i j"), "error too many words");
	static char longline[1200];
	memset(longline, 'x', sizeof longline - 1);
	CHECK_STR(ctl(c, "%s", longline), "error line too long (max 255 bytes)");
	CHECK_STR(ctl(c, "get IO3"), "ok IO3 mode=input_pulldown out=0 level=0 owner=gpio");
	CHECK_EQ(send(c, "\n\r\n  \n", 6, 0), 6); /* blank lines: no reply */
	CHECK_CONTAINS(ctl(c, "help"), "ok commands:");
	CHECK_CONTAINS(ctl(c, "pr\x01\xff\x7f"), "error unknown command");
	CHECK_EQ(send(c, "get\0IO1\n", 8, 0), 8);
	char line[256];
	CHECK(read_line(c, line, sizeof line, 2000) >= 0);
	CHECK_CONTAINS(line, "error NUL byte");
	/* A second client at the same time. */
	int c2 = ctl_open(ctlp);
	CHECK_STR(ctl(c2, "led LED1"), "ok LED1 on");
	close(c2);

	/* Garbage on the link: dropped and counted; the next call works. */
	static const uint8_t junk[] = {0x42, 0x17, 0xff, 0x00, 0x05, 0x01, 0x02, 0x00, 0x99};
	host_write(&h, junk, sizeof junk);
	r = RPC(&h, WIS_OP_PING, 7);
	CHECK(r->h.status == 0 && r->len == 1 && r->p[0] == 7);
	host_send(&h, WIS_MSG_RESPONSE, WIS_OP_PING, NULL, 0); /* not a request */
	r = RPC(&h, WIS_OP_PING, 8);
	CHECK_EQ(r->h.status, 0);
	const char *st = ctl(c, "stats");
	CHECK(strncmp(st, "ok rx_frames=", 13) == 0);
	CHECK(stats_field(st, "cobs_errors=") + stats_field(st, "runts=") >= 2);
	CHECK_EQ(stats_field(st, "requests_bad="), 1);
	CHECK(stats_field(st, "bytes_dropped=") >= 7);
	CHECK(stats_field(st, "events_sent=") >= 6);

	/* The host closes and reopens the port: the sim does not notice. */
	close(h.fd);
	host_init(&h, open_tty(link));
	r = RPC(&h, WIS_OP_PING, 9);
	CHECK(r->h.status == 0 && r->p[0] == 9);
	host_forget(&h);

	/* RESET opcode: response first, then the RESET event; pins released. */
	r = RPC(&h, WIS_OP_RESET, WIS_RESET_APP);
	CHECK_EQ(r->h.status, 0);
	CHECK(wait_events(&h, WIS_EV_RESET, 1, 2000));
	e = event(&h, WIS_EV_RESET, 0);
	CHECK(e && ev_seq(e) == 0 && e->p[12] == 1);
	CHECK(e > find_resp(&h, (uint16_t)(h.id - 1)));
	/* The wired net floats now: it keeps its last level. */
	CHECK_CONTAINS(ctl(c, "get IO1"), "ok IO1 mode=disabled out=0 level=");
	CHECK_CONTAINS(ctl(c, "get IO1"), "owner=none");
	CHECK_STR(ctl(c, "led LED1"), "ok LED1 off");
	r = rpc(&h, WIS_OP_UPTIME, NULL, 0);
	rd = wis_rd_init(r->p, r->len);
	CHECK(wis_rd_u64(&rd) < 2000000);
	host_forget(&h);
	r = RPC(&h, WIS_OP_RESET, WIS_RESET_BOOTLOADER);
	CHECK_EQ(r->h.status, 0);
	CHECK(wait_events(&h, WIS_EV_RESET, 1, 2000));
	host_forget(&h);

	/* Reset from the control socket: the reset pin. */
	CHECK_STR(ctl(c, "reset"), "ok");
	CHECK(wait_events(&h, WIS_EV_RESET, 1, 2000));
	e = event(&h, WIS_EV_RESET, 0);
	CHECK(e && e->p[12] == 3);
	r = RPC(&h, WIS_OP_PING, 1);
	CHECK_EQ(r->h.status, 0);

	/* quit: ok, then a clean exit that removes the link and the socket. */
	CHECK_STR(ctl(c, "quit"), "ok");
	CHECK_EQ(sim_wait(&sp, 3000), 0);
	struct stat sb;
	CHECK(lstat(link, &sb) < 0);
	CHECK(lstat(ctlp, &sb) < 0);
	close(c);
	close(h.fd);
}

/* A host that stops reading: events are dropped and counted, the sim
 * stays responsive, and the seq numbers show the loss. */
static void test_slow_host(void)
{
	char ctlp[128];
	snprintf(ctlp, sizeof ctlp, "%s/ctl2", tmpdir);
	const char *args[] = {"--control", ctlp, "--quiet", NULL};
	struct simproc sp;
	CHECK_EQ(sim_start(&sp, args), 0);
	CHECK_STR(sp.link, "-");
	static struct host h;
	host_init(&h, open_tty(sp.pty));
	int c = ctl_open(ctlp);
	struct fw_frame *r = RPC(&h, WIS_OP_GPIO_MODE, SW1, WIS_GPIO_INPUT_PULLUP, 0);
	CHECK_EQ(r->h.status, 0);
	r = RPC(&h, WIS_OP_GPIO_WATCH, SW1, WIS_EDGE_BOTH, 0, 0, 0, 0);
	CHECK_EQ(r->h.status, 0);
	host_forget(&h);
	const char *st = "";
	uint64_t t0 = now_ms();
	int i;
	for (i = 0; i < 40000; i++) {
		ctl(c, "press SW1");
		ctl(c, "release SW1");
		if (i % 500 == 499) {
			st = ctl(c, "stats");
			if (stats_field(st, "events_dropped=") > 0)
				break;
		}
	}
	CHECK(stats_field(st, "events_dropped=") > 0);
	CHECK(now_ms() - t0 < 60000);
	/* Drain: every event arrives whole; a gap in seq matches the drops. */
	host_pump(&h, 1000, NULL, NULL);
	size_t n = n_events(&h, WIS_EV_GPIO_EDGE);
	/* The drops came after the queued events: the next event shows them. */
	CHECK_STR(ctl(c, "press SW1"), "ok SW1 pressed");
	CHECK(wait_events(&h, WIS_EV_GPIO_EDGE, ++n, 2000));
	CHECK(n > 100);
	uint32_t first = ev_seq(event(&h, WIS_EV_GPIO_EDGE, 0));
	uint32_t last = ev_seq(event(&h, WIS_EV_GPIO_EDGE, n - 1));
	CHECK(last - first + 1 > n);
	CHECK_EQ(h.in.d.stats.crc_errors + h.in.d.stats.cobs_errors, 0);
	r = RPC(&h, WIS_OP_PING, 1);
	CHECK_EQ(r->h.status, 0);

	/* Killed with SIGTERM: exits cleanly and removes its socket. */
	kill(sp.pid, SIGTERM);
	CHECK_EQ(sim_wait(&sp, 3000), 0);
	struct stat sb;
	CHECK(lstat(ctlp, &sb) < 0);
	/* The host sees the port die instead of hanging. */
	uint8_t b[16];
	ssize_t rr = read(h.fd, b, sizeof b);
	CHECK(rr <= 0);
	close(h.fd);
	close(c);
}

static int tcp_connect(int port)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0) {
		close(fd);
		return -1;
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	return fd;
}

static void test_tcp(void)
{
	const char *args[] = {"--tcp", "0", "--quiet", "--wire", "IO1:IO3", NULL};
	struct simproc sp;
	CHECK_EQ(sim_start(&sp, args), 0);
	CHECK(sp.tcp_port > 0);
	CHECK_STR(sp.pty, "-");
	static struct host h;
	host_init(&h, tcp_connect(sp.tcp_port));
	CHECK(h.fd >= 0);
	struct fw_frame *r = RPC(&h, WIS_OP_HELLO, 1);
	CHECK_EQ(r->h.status, 0);
	/* A second client is turned away while the first is connected. */
	int fd2 = tcp_connect(sp.tcp_port);
	struct pollfd pf = {fd2, POLLIN, 0};
	CHECK(poll(&pf, 1, 2000) == 1);
	uint8_t b[8];
	CHECK(read(fd2, b, sizeof b) == 0);
	close(fd2);
	r = RPC(&h, WIS_OP_GPIO_WRITE, IO1, 1);
	CHECK_EQ(r->h.status, 0);
	r = RPC(&h, WIS_OP_GPIO_READ, IO3);
	CHECK(r->h.status == 0 && r->p[0] == 1);
	/* Half a frame, then the client goes away: the next one starts clean. */
	host_write(&h, "\x00\x09\x01\x00", 4);
	close(h.fd);
	usleep(100000);
	host_init(&h, tcp_connect(sp.tcp_port));
	r = RPC(&h, WIS_OP_PING, 5);
	CHECK(r->h.status == 0 && r->p[0] == 5);
	close(h.fd);
	kill(sp.pid, SIGINT);
	CHECK_EQ(sim_wait(&sp, 3000), 0);
}

static void test_cli(void)
{
	CHECK_EQ(sim_run_exit((const char *[]){"--help", NULL}), 0);
	CHECK_EQ(sim_run_exit((const char *[]){"--wire", "IO1:VBAT", NULL}), 2);
	CHECK_EQ(sim_run_exit((const char *[]){"--wire", "IO1", NULL}), 2);
	CHECK_EQ(sim_run_exit((const char *[]){"--wire", "IO1:NOPE", NULL}), 2);
	CHECK_EQ(sim_run_exit((const char *[]){"--wire", "IO1:IO1", NULL}), 2);
	CHECK_EQ(sim_run_exit((const char *[]){"--wire", "IO1:IO2:P0.17", NULL}), 2);
	CHECK_EQ(sim_run_exit((const char *[]){"--adc", "AIN0=x", NULL}), 2);
	CHECK_EQ(sim_run_exit((const char *[]){"--adc", "AIN0", NULL}), 2);
	CHECK_EQ(sim_run_exit((const char *[]){"--adc", "IO1=100", NULL}), 2);
	CHECK_EQ(sim_run_exit((const char *[]){"--adc", "AIN1=4000", NULL}), 2);
	CHECK_EQ(sim_run_exit((const char *[]){"--id", "xyz", NULL}), 2);
	CHECK_EQ(sim_run_exit((const char *[]){"--id", "00112233445566zz", NULL}), 2);
	CHECK_EQ(sim_run_exit((const char *[]){"--tcp", "70000", NULL}), 2);
	CHECK_EQ(sim_run_exit((const char *[]){"--tcp", "1", "--link", "/tmp/x", NULL}), 2);
	CHECK_EQ(sim_run_exit((const char *[]){"--bogus", NULL}), 2);
	CHECK_EQ(sim_run_exit((const char *[]){"extra", NULL}), 2);
	/* A link path that is a regular file is not clobbered. */
	char path[128];
	snprintf(path, sizeof path, "%s/regular", tmpdir);
	int fd = open(path, O_CREAT | O_WRONLY, 0600);
	close(fd);
	CHECK_EQ(sim_run_exit((const char *[]){"--link", path, NULL}), 1);
	struct stat sb;
	CHECK(lstat(path, &sb) == 0 && S_ISREG(sb.st_mode));
	unlink(path);
	/* A control socket left by a crashed run is reused; a live one is not. */
	snprintf(path, sizeof path, "%s/stale.sock", tmpdir);
	int sfd = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	CHECK(strlen(path) < sizeof sa.sun_path);
	if (strlen(path) < sizeof sa.sun_path)
		memcpy(sa.sun_path, path, strlen(path) + 1);
	CHECK_EQ(bind(sfd, (struct sockaddr *)&sa, sizeof sa), 0);
	close(sfd); /* bound, never listened: nobody answers */
	struct simproc live;
	CHECK_EQ(sim_start(&live, (const char *[]){"--control", path, "--quiet", NULL}), 0);
	CHECK_EQ(sim_run_exit((const char *[]){"--control", path, NULL}), 1);
	kill(live.pid, SIGTERM);
	CHECK_EQ(sim_wait(&live, 3000), 0);
	CHECK(lstat(path, &sb) < 0);
	/* A stale link from a crashed run is replaced. */
	snprintf(path, sizeof path, "%s/stale", tmpdir);
	CHECK_EQ(symlink("/dev/pts/nonexistent", path), 0);
	struct simproc sp;
	CHECK_EQ(sim_start(&sp, (const char *[]){"--link", path, "--quiet", NULL}), 0);
	char target[128] = "";
	ssize_t tl = readlink(path, target, sizeof target - 1);
	if (tl > 0)
		target[tl] = 0;
	CHECK_STR(target, sp.pty);
	/* After a SIGKILL the link stays behind; a restarted simulator takes
	 * it over even while a host still holds the old pty open, waiting for
	 * the module to come back (wisd).  Pty numbers are reused at once on
	 * a busy host, so no liveness test on the old target can be trusted:
	 * two simulators given one --link path means the later one wins. */
	int held = open(sp.pty, O_RDWR | O_NOCTTY);
	CHECK(held >= 0);
	kill(sp.pid, SIGKILL);
	sim_wait(&sp, 3000);
	struct simproc again;
	CHECK_EQ(sim_start(&again, (const char *[]){"--link", path, "--quiet", NULL}), 0);
	tl = readlink(path, target, sizeof target - 1);
	if (tl > 0)
		target[tl] = 0;
	CHECK_STR(target, again.pty);
	if (held >= 0)
		close(held);
	kill(again.pid, SIGTERM);
	CHECK_EQ(sim_wait(&again, 3000), 0);
	CHECK(lstat(path, &sb) < 0);
}

/* Random bytes, random requests and random control lines: the simulator
 * (an ASan build in CI) must survive all of it and still answer. */
static void test_fuzz(void)
{
	char ctlp[128];
	snprintf(ctlp, sizeof ctlp, "%s/ctl3", tmpdir);
	const char *args[] = {"--control", ctlp, "--quiet", "--wire", "IO1:IO2:SW1", NULL};
	struct simproc sp;
	CHECK_EQ(sim_start(&sp, args), 0);
	static struct host h;
	host_init(&h, open_tty(sp.pty));
	int c = ctl_open(ctlp);
	static const uint16_t ops[] = {0x0002, 0x0003, 0x0005, 0x0006, 0x0007, 0x0008, 0x0009,
	                               0x0101, 0x0102, 0x0103, 0x0104, 0x0201, 0x0000, 0xffff};
	static const char *const words[] = {
	    "press", "release", "drive", "adc", "get", "led",  "stats", "help", "SW1",   "IO1",
	    "AIN0",  "LED2",    "0",     "1",   "z",   "3600", "-7",    "VBAT", "p1.02", "x"};
	srand(99);
	uint8_t buf[300];
	for (int round = 0; round < 300; round++) {
		size_t n = (size_t)(rand() % (int)sizeof buf);
		for (size_t i = 0; i < n; i++)
			buf[i] = (uint8_t)(rand() % 3 ? rand() % 8 : rand());
		switch (rand() % 3) {
		case 0:
			host_write(&h, buf, n);
			break;
		case 1:
			host_send(&h, WIS_MSG_REQUEST, ops[rand() % 14], buf, n % 12);
			break;
		default: {
			char line[200] = "";
			size_t len = 0;
			for (int w = rand() % 5; w >= 0; w--)
				len += (size_t)snprintf(line + len, sizeof line - len, "%s ",
				                        words[rand() % 20]);
			if (rand() % 4 == 0)
				for (size_t i = 0; i < 20 && len < sizeof line - 1; i++)
					line[len++] = (char)(1 + rand() % 254);
			line[len] = 0;
			for (char *q = line; *q; q++)
				if (*q == '\n')
					*q = 'n';
			const char *r = ctl(c, "%s", line);
			CHECK(strncmp(r, "ok", 2) == 0 || strncmp(r, "error", 5) == 0);
		}
		}
		host_pump(&h, 1, NULL, NULL);
		h.in.n = 0;
	}
	/* A final delimiter ends any half frame; then the device still works. */
	host_write(&h, "\0", 1);
	struct fw_frame *r = RPC(&h, WIS_OP_PING, 42);
	CHECK(r->h.status == 0 && r->len == 1 && r->p[0] == 42);
	CHECK(strncmp(ctl(c, "stats"), "ok rx_frames=", 13) == 0);
	CHECK_STR(ctl(c, "quit"), "ok");
	CHECK_EQ(sim_wait(&sp, 3000), 0);
	close(c);
	close(h.fd);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: test_sim PATH-TO-wisrpc-sim\n");
		return 2;
	}
	sim_bin = argv[1];
	signal(SIGPIPE, SIG_IGN);
	snprintf(tmpdir, sizeof tmpdir, "/tmp/wisfw-XXXXXX");
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	test_cli();
	test_pty();
	test_tcp();
	test_slow_host();
	test_fuzz();
	rmdir(tmpdir);
	if (check_failures) {
		fprintf(stderr, "test_sim: %d failure(s)\n", check_failures);
		return 1;
	}
	printf("test_sim: all checks passed\n");
	return 0;
}

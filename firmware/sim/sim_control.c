/*
 * The simulator's control interface: a unix stream socket taking one text
 * command per line and answering each with one line, "ok ..." or
 * "error <reason>".  It plays the world outside the module: buttons,
 * external drive on pins, analog voltages, the reset line, and it lets a
 * test observe LEDs, pin states and the flash chip's erase counts.  Any
 * input is safe: lines are bounded and every parse is checked.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "nor_model.h"
#include "ops.h"
#include "sim.h"

#define HELP                                                                                       \
	"ok commands: press PIN | release PIN | drive PIN 0|1|z | adc PIN MV | get PIN | led PIN " \
	"| i2c BUS ok|stuck|stretch ADDR | uart PORT inject N | flash wear ADDR | reset | stats "  \
	"| quit | help "                                                                           \
	"| radio [corrupt N] | fault [drop|corrupt|dup RATE | delay RATE MS | stall MS | "         \
	"vanish MS | seed N | off]"

static void cmd_i2c(struct sim *s, char **av, int ac, char *reply, size_t n);
static void cmd_uart(struct sim *s, char **av, int ac, char *reply, size_t n);
static void cmd_flash(struct sim *s, char **av, int ac, char *reply, size_t n);

static int pin_arg(struct sim *s, const char *name, char *reply, size_t n)
{
	char err[96];
	if (!name) {
		snprintf(reply, n, "error missing pin name");
		return -1;
	}
	const struct wis_pin_def *d = simhal_pin_lookup(&s->hw, name, err, sizeof err);
	if (!d) {
		snprintf(reply, n, "error %s", err);
		return -1;
	}
	return d->nrf;
}

static const char *pin_name(const struct sim *s, int nrf)
{
	return s->hw.pins[nrf].def->name;
}

static void cmd_button(struct sim *s, char **av, int ac, bool press, char *reply, size_t n)
{
	int nrf = pin_arg(s, ac > 1 ? av[1] : NULL, reply, n);
	if (nrf < 0)
		return;
	if (ac != 2) {
		snprintf(reply, n, "error usage: %s PIN", av[0]);
		return;
	}
	if (!(s->hw.pins[nrf].def->funcs & WIS_FN_BUTTON)) {
		snprintf(reply, n, "error %s is not a button (buttons: SW1)", pin_name(s, nrf));
		return;
	}
	/* The button shorts the pin to ground; released it leaves the pin to
	 * its pull resistor. */
	simhal_pins_drive(&s->hw, (uint8_t)nrf, press ? 0 : -1);
	snprintf(reply, n, "ok %s %s", pin_name(s, nrf), press ? "pressed" : "released");
}

static void cmd_drive(struct sim *s, char **av, int ac, char *reply, size_t n)
{
	int nrf = pin_arg(s, ac > 1 ? av[1] : NULL, reply, n);
	if (nrf < 0)
		return;
	int level;
	if (ac != 3) {
		snprintf(reply, n, "error usage: drive PIN 0|1|z");
		return;
	}
	if (strcmp(av[2], "0") == 0)
		level = 0;
	else if (strcmp(av[2], "1") == 0)
		level = 1;
	else if (strcmp(av[2], "z") == 0 || strcmp(av[2], "Z") == 0)
		level = -1;
	else {
		snprintf(reply, n, "error drive level '%.20s': use 0, 1 or z", av[2]);
		return;
	}
	simhal_pins_drive(&s->hw, (uint8_t)nrf, level);
	snprintf(reply, n, "ok %s drive=%s", pin_name(s, nrf), level < 0 ? "z" : av[2]);
}

static void cmd_adc(struct sim *s, char **av, int ac, char *reply, size_t n)
{
	int nrf = pin_arg(s, ac > 1 ? av[1] : NULL, reply, n);
	if (nrf < 0)
		return;
	if (ac != 3) {
		snprintf(reply, n, "error usage: adc PIN MV");
		return;
	}
	char *end;
	errno = 0;
	long mv = strtol(av[2], &end, 10);
	if (errno || end == av[2] || *end) {
		snprintf(reply, n, "error '%.20s' is not a number of millivolts", av[2]);
		return;
	}
	char err[128];
	if (simhal_set_adc(&s->hw, (uint8_t)nrf, mv, err, sizeof err) < 0) {
		snprintf(reply, n, "error %s", err);
		return;
	}
	snprintf(reply, n, "ok %s %ld mV", pin_name(s, nrf), mv);
}

static void cmd_get(struct sim *s, char **av, int ac, char *reply, size_t n)
{
	int nrf = pin_arg(s, ac > 1 ? av[1] : NULL, reply, n);
	if (nrf < 0)
		return;
	if (ac != 2) {
		snprintf(reply, n, "error usage: get PIN");
		return;
	}
	const struct simhal_pin *p = &s->hw.pins[nrf];
	/* Contention is otherwise only in the log, which --quiet silences. */
	snprintf(reply, n, "ok %s mode=%s out=%u level=%u owner=%s%s", pin_name(s, nrf),
	         wis_name_of(wis_gpio_mode_names, p->mode), p->latch,
	         simhal_pin_level(&s->hw, (uint8_t)nrf),
	         wis_name_of(wis_owner_names, wisfw_core_pin_owner(&s->core, (uint8_t)nrf)),
	         s->hw.net_contention[p->net] ? " contention" : "");
}

static void cmd_led(struct sim *s, char **av, int ac, char *reply, size_t n)
{
	int nrf = pin_arg(s, ac > 1 ? av[1] : NULL, reply, n);
	if (nrf < 0)
		return;
	if (ac != 2) {
		snprintf(reply, n, "error usage: led PIN");
		return;
	}
	if (!(s->hw.pins[nrf].def->funcs & WIS_FN_LED)) {
		snprintf(reply, n, "error %s is not an LED (LEDs: LED1, LED2, LED3)",
		         pin_name(s, nrf));
		return;
	}
	/* The LEDs are active high: lit while their net is high. */
	snprintf(reply, n, "ok %s %s", pin_name(s, nrf),
	         simhal_pin_level(&s->hw, (uint8_t)nrf) ? "on" : "off");
}

static void cmd_stats(struct sim *s, char *reply, size_t n)
{
	const struct wis_frame_stats *f = wisfw_core_rx_stats(&s->core);
	const struct wisfw_core_counters *c = &s->core.n;
	snprintf(reply, n,
	         "ok rx_frames=%u crc_errors=%u cobs_errors=%u oversize=%u runts=%u "
	         "bytes_dropped=%u tx_frames=%u events_sent=%u events_dropped=%u "
	         "requests_bad=%u responses_dropped=%u slots_held=%u uptime_us=%llu",
	         f->frames, f->crc_errors, f->cobs_errors, f->oversize, f->runts, f->bytes_dropped,
	         c->tx_frames, c->events_sent, c->events_dropped, c->requests_bad,
	         c->responses_dropped, wisfw_core_slots_held(&s->core),
	         (unsigned long long)wisfw_core_uptime_us(&s->core));
}

void sim_control_exec(struct sim *s, char *line, char *reply, size_t n)
{
	char *av[8];
	int ac = 0;
	char *save = NULL;
	for (char *t = strtok_r(line, " \t\r", &save); t; t = strtok_r(NULL, " \t\r", &save)) {
		if (ac == 8) {
			snprintf(reply, n, "error too many words");
			return;
		}
		av[ac++] = t;
	}
	if (ac == 0) {
		snprintf(reply, n, "error empty command");
		return;
	}
	const char *cmd = av[0];
	if (strcmp(cmd, "press") == 0 || strcmp(cmd, "release") == 0)
		cmd_button(s, av, ac, cmd[0] == 'p', reply, n);
	else if (strcmp(cmd, "drive") == 0)
		cmd_drive(s, av, ac, reply, n);
	else if (strcmp(cmd, "adc") == 0)
		cmd_adc(s, av, ac, reply, n);
	else if (strcmp(cmd, "get") == 0)
		cmd_get(s, av, ac, reply, n);
	else if (strcmp(cmd, "led") == 0)
		cmd_led(s, av, ac, reply, n);
	else if (strcmp(cmd, "i2c") == 0)
		cmd_i2c(s, av, ac, reply, n);
	else if (strcmp(cmd, "uart") == 0)
		cmd_uart(s, av, ac, reply, n);
	else if (strcmp(cmd, "flash") == 0)
		cmd_flash(s, av, ac, reply, n);
	else if (strcmp(cmd, "stats") == 0 && ac == 1)
		cmd_stats(s, reply, n);
	else if (strcmp(cmd, "fault") == 0)
		sim_fault_control(s, av, ac, reply, n);
	else if (strcmp(cmd, "radio") == 0)
		sim_radio_control(s, av, ac, reply, n);
	else if (strcmp(cmd, "reset") == 0 && ac == 1) {
		sim_module_reset(s, WIS_CAUSE_PIN);
		snprintf(reply, n, "ok");
	} else if (strcmp(cmd, "quit") == 0 && ac == 1) {
		s->quit = true;
		snprintf(reply, n, "ok");
	} else if (strcmp(cmd, "help") == 0)
		snprintf(reply, n, HELP);
	else if (strcmp(cmd, "stats") == 0 || strcmp(cmd, "reset") == 0 || strcmp(cmd, "quit") == 0)
		snprintf(reply, n, "error %s takes no arguments", cmd);
	else
		snprintf(reply, n, "error unknown command '%.32s' (try help)", cmd);
}

/* i2c BUS ok|stuck|stretch ADDR: a held bus (bus error), or a device that
 * stretches SCL past the TWIM timeout; ok undoes both. */
static void cmd_i2c(struct sim *s, char **av, int ac, char *reply, size_t n)
{
	int bus = ac >= 3 ? (strcmp(av[1], "i2c1") == 0   ? 0
	                     : strcmp(av[1], "i2c2") == 0 ? 1
	                                                  : -1)
	                  : -1;
	long addr = ac == 4 ? strtol(av[3], NULL, 0) : 0;
	if (bus < 0 ||
	    (strcmp(av[2], "stretch") == 0 ? ac != 4 || addr < 8 || addr > 0x77 : ac != 3)) {
		snprintf(reply, n, "error usage: i2c i2c1|i2c2 ok|stuck|stretch ADDR");
		return;
	}
	if (strcmp(av[2], "ok") == 0) {
		s->hw.i2c_stuck[bus] = false;
		s->hw.i2c_stretch[bus] = 0;
	} else if (strcmp(av[2], "stuck") == 0) {
		s->hw.i2c_stuck[bus] = true;
	} else if (strcmp(av[2], "stretch") == 0) {
		s->hw.i2c_stretch[bus] = (uint8_t)addr;
	} else {
		snprintf(reply, n, "error i2c: want ok, stuck or stretch, not '%.16s'", av[2]);
		return;
	}
	snprintf(reply, n, "ok %s %s", av[1], av[2]);
}

/* uart uart0|uart1 inject N: N bytes (byte i = i & 0xff) arrive on RXD at
 * once, as from a device; beyond the buffer they are dropped and counted. */
static void cmd_uart(struct sim *s, char **av, int ac, char *reply, size_t n)
{
	int port = ac == 4 ? (strcmp(av[1], "uart0") == 0   ? 0
	                      : strcmp(av[1], "uart1") == 0 ? 1
	                                                    : -1)
	                   : -1;
	long count = ac == 4 ? strtol(av[3], NULL, 10) : 0;
	if (port < 0 || strcmp(av[2], "inject") != 0 || count < 1 || count > 65536) {
		snprintf(reply, n, "error usage: uart uart0|uart1 inject N (1..65536)");
		return;
	}
	size_t taken = 0;
	for (long i = 0; i < count; i++) {
		uint8_t b = (uint8_t)i;
		taken += simhal_uart_inject(&s->hw, (uint8_t)port, &b, 1);
	}
	snprintf(reply, n, "ok %s took %zu of %ld", av[1], taken, count);
}

/* flash wear ADDR: how many times the chip has erased the 4 KiB sector
 * holding ADDR (any erase command covering it), so that a test can tell
 * one erase from several without timing them. */
static void cmd_flash(struct sim *s, char **av, int ac, char *reply, size_t n)
{
	char *end = NULL;
	unsigned long addr = ac == 3 ? strtoul(av[2], &end, 0) : 0;
	if (ac != 3 || strcmp(av[1], "wear") != 0 || !end || *end || addr >= NOR_MODEL_SIZE) {
		snprintf(reply, n, "error usage: flash wear ADDR (0..0x%x)", NOR_MODEL_SIZE - 1);
		return;
	}
	if (!s->hw.nor || s->hw.nor->presence != NOR_MODEL_FITTED) {
		snprintf(reply, n, "error no flash chip fitted");
		return;
	}
	snprintf(reply, n, "ok flash sector 0x%05lx wear=%u",
	         addr / NOR_MODEL_SECTOR * NOR_MODEL_SECTOR,
	         (unsigned)s->hw.nor->wear[addr / NOR_MODEL_SECTOR]);
}

static void client_close(struct sim *s, struct sim_ctl_client *c)
{
	sim_watch_del(s, c->fd);
	close(c->fd);
	c->fd = -1;
}

static void client_reply(struct sim *s, struct sim_ctl_client *c, const char *reply)
{
	char out[SIM_CTL_LINE + 256];
	int len = snprintf(out, sizeof out, "%s\n", reply);
	if (len < 0 || (size_t)len >= sizeof out)
		len = (int)sizeof out - 1, out[len - 1] = '\n';
	/* A client that does not read its replies is dropped, never waited on. */
	if (send(c->fd, out, (size_t)len, MSG_NOSIGNAL | MSG_DONTWAIT) != len)
		client_close(s, c);
}

static void client_readable(struct sim *s, int fd, short revents, void *arg)
{
	(void)fd;
	(void)revents;
	struct sim_ctl_client *c = arg;
	char buf[512];
	ssize_t r = recv(c->fd, buf, sizeof buf, MSG_DONTWAIT);
	if (r < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (r <= 0) {
		client_close(s, c);
		return;
	}
	for (ssize_t i = 0; i < r && c->fd >= 0; i++) {
		char ch = buf[i];
		if (ch == '\n') {
			if (c->discarding) {
				c->discarding = false;
				c->len = 0;
				continue;
			}
			c->buf[c->len] = 0;
			c->len = 0;
			char reply[SIM_CTL_LINE + 128];
			/* Blank lines are not commands: nothing to answer. */
			if (strspn(c->buf, " \t\r") == strlen(c->buf))
				continue;
			sim_control_exec(s, c->buf, reply, sizeof reply);
			client_reply(s, c, reply);
			continue;
		}
		if (c->discarding)
			continue;
		if (ch == 0 || c->len >= SIM_CTL_LINE - 1) {
			client_reply(s, c,
			             ch == 0 ? "error NUL byte in command"
			                     : "error line too long (max 255 bytes)");
			c->discarding = true;
			c->len = 0;
			continue;
		}
		c->buf[c->len++] = ch;
	}
}

static void ctl_accept(struct sim *s, int fd, short revents, void *arg)
{
	(void)revents;
	(void)arg;
	int c = accept4(fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (c < 0)
		return;
	for (size_t i = 0; i < SIM_MAX_CTL; i++) {
		struct sim_ctl_client *cl = &s->ctl[i];
		if (cl->fd >= 0)
			continue;
		if (sim_watch_add(s, c, POLLIN, client_readable, cl) < 0)
			break;
		cl->fd = c;
		cl->len = 0;
		cl->discarding = false;
		return;
	}
	static const char busy[] = "error too many control clients\n";
	(void)!send(c, busy, sizeof busy - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
	close(c);
}

int sim_control_open(struct sim *s, const char *path)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	for (size_t i = 0; i < SIM_MAX_CTL; i++)
		s->ctl[i].fd = -1;
	if (strlen(path) >= sizeof a.sun_path) {
		fprintf(stderr, "wisrpc-sim: --control path longer than %zu bytes\n",
		        sizeof a.sun_path - 1);
		return -1;
	}
	strcpy(a.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	struct stat st;
	if (lstat(path, &st) == 0) {
		/* A socket nobody answers on is left over from a crash: reuse it.
		 * One that answers belongs to a running simulator. */
		if (!S_ISSOCK(st.st_mode)) {
			fprintf(stderr, "wisrpc-sim: --control %s exists and is not a socket\n",
			        path);
			close(fd);
			return -1;
		}
		int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		int alive = probe >= 0 && connect(probe, (struct sockaddr *)&a, sizeof a) == 0;
		if (probe >= 0)
			close(probe);
		if (alive) {
			fprintf(stderr, "wisrpc-sim: --control %s is in use\n", path);
			close(fd);
			return -1;
		}
		unlink(path);
	}
	if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0 || listen(fd, 8) < 0) {
		fprintf(stderr, "wisrpc-sim: cannot listen on %s: %s\n", path, strerror(errno));
		close(fd);
		return -1;
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	s->ctl_listen = fd;
	s->ctl_path = path;
	return sim_watch_add(s, fd, POLLIN, ctl_accept, NULL);
}

void sim_control_close(struct sim *s)
{
	for (size_t i = 0; i < SIM_MAX_CTL; i++)
		if (s->ctl[i].fd >= 0) {
			close(s->ctl[i].fd);
			s->ctl[i].fd = -1;
		}
	if (s->ctl_listen >= 0) {
		close(s->ctl_listen);
		s->ctl_listen = -1;
		unlink(s->ctl_path);
	}
}

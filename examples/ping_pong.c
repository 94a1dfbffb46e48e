/*
 * Example: LoRa ping-pong between two modules.  Both receive continuously;
 * A sends "ping N", B answers each ping it hears with "pong N", and A
 * prints the round trip and the RSSI/SNR of each pong.  Driven by one
 * thread with the event callback and wis_process().
 *
 * With two simulators on one radio medium:
 *   wisrpc-sim --medium demo --link /tmp/a.tty &
 *   wisrpc-sim --medium demo --link /tmp/b.tty &
 *   cc ping_pong.c $(pkg-config --cflags --libs wisrpc) -o ping_pong
 *   ./ping_pong /tmp/a.tty /tmp/b.tty [ROUNDS] [REGION]
 *
 * REGION (default EU868) sets the regional rules the library applies: at
 * 868.1 MHz EU868 allows 1 % duty cycle, so after the first round a send is
 * refused (WIS_E_REGULATION, saying when it will be allowed).  "lab" lifts
 * the rules, for simulators and cabled setups only.
 */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <wisrpc/wisrpc.h>

struct side {
	const char *name;
	wis_device *dev;
	char last[64]; /* the last packet received, as text; "" if none */
	float rssi, snr;
};

static void on_event(wis_device *dev, const struct wis_event *ev, void *user)
{
	(void)dev;
	struct side *s = user;
	if (ev->type != WIS_EV_RADIO_RX)
		return;
	size_t n = ev->u.radio.len < sizeof s->last - 1 ? ev->u.radio.len : sizeof s->last - 1;
	memcpy(s->last, ev->u.radio.data, n);
	s->last[n] = 0;
	s->rssi = ev->u.radio.rssi_dbm;
	s->snr = ev->u.radio.snr_db;
}

static double now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

/* Reads s's link until it received want, or timeout_ms passed. */
static int wait_packet(struct side *s, const char *want, int timeout_ms)
{
	double end = now_ms() + timeout_ms;
	while (strcmp(s->last, want) != 0) {
		int left = (int)(end - now_ms());
		if (left <= 0)
			return -1;
		struct pollfd p = {.fd = wis_fd(s->dev), .events = POLLIN};
		poll(&p, 1, left < 50 ? left : 50);
		if (wis_process(s->dev) < 0)
			return -1;
	}
	return 0;
}

static int check(int rc, const struct side *s, const char *what)
{
	if (rc < 0)
		fprintf(stderr, "%s %s: %s: %s\n", s->name, what, wis_strerror(rc),
		        wis_last_error());
	return rc;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: %s PATH_A PATH_B [ROUNDS] [REGION]\n", argv[0]);
		return 2;
	}
	int rounds = argc > 3 ? atoi(argv[3]) : 3;
	struct side a = {.name = "A"}, b = {.name = "B"};
	struct side *sides[2] = {&a, &b};
	wis_radio_config *cfg = wis_radio_config_new(); /* 868.1 MHz SF7 125 kHz, EU868 */
	int rc = wis_radio_config_set_region(cfg, argc > 4 ? argv[4] : "EU868");
	if (rc < 0)
		fprintf(stderr, "region: %s\n", wis_last_error());
	for (int i = 0; i < 2 && rc == 0; i++) {
		struct side *s = sides[i];
		rc = check(wis_open(&s->dev, argv[1 + i], NULL), s, "open");
		if (rc == 0) {
			wis_set_event_cb(s->dev, on_event, s);
			rc = check(wis_radio_configure(s->dev, cfg), s, "configure");
		}
		if (rc == 0)
			rc = check(wis_radio_rx(s->dev, 0), s, "rx");
	}
	int ok = 0;
	for (int n = 1; n <= rounds && rc == 0; n++) {
		char ping[32], pong[32];
		snprintf(ping, sizeof ping, "ping %d", n);
		snprintf(pong, sizeof pong, "pong %d", n);
		double t0 = now_ms();
		struct wis_radio_tx tx;
		if ((rc = check(wis_radio_send(a.dev, ping, strlen(ping), &tx), &a, "send")) < 0)
			break;
		if (wait_packet(&b, ping, 2000) < 0) {
			printf("B did not hear \"%s\"\n", ping);
			continue;
		}
		printf("B heard \"%s\" (RSSI %.1f dBm, SNR %.1f dB)\n", ping, b.rssi, b.snr);
		if ((rc = check(wis_radio_send(b.dev, pong, strlen(pong), NULL), &b, "send")) < 0)
			break;
		if (wait_packet(&a, pong, 2000) < 0) {
			printf("A did not hear \"%s\"\n", pong);
			continue;
		}
		printf("A heard \"%s\" after %.0f ms (RSSI %.1f dBm, SNR %.1f dB; ping on air %u "
		       "us)\n",
		       pong, now_ms() - t0, a.rssi, a.snr, tx.airtime_us);
		ok++;
	}
	printf("%d of %d rounds completed\n", ok, rounds);
	wis_radio_config_free(cfg);
	wis_close(a.dev);
	wis_close(b.dev);
	return rc < 0 || ok != rounds;
}

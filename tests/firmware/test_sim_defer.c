/*
 * End-to-end tests of the built wisrpc-sim for what the core does beyond
 * answering at once: a deferred response (DELAY) while other requests are
 * answered, the window of 16 and BUSY, RESET discarding deferred requests,
 * long events (EMIT) and the exact overflow count, over the pty.
 * argv[1] is the path of the wisrpc-sim binary.
 */
#include "sim_harness.h"

static uint16_t send_delay(struct host *h, uint32_t us)
{
	uint8_t b[4] = {(uint8_t)us, (uint8_t)(us >> 8), (uint8_t)(us >> 16), (uint8_t)(us >> 24)};
	return host_send(h, WIS_MSG_REQUEST, WIS_OP_DELAY, b, sizeof b);
}

static void check_diag(struct fw_frame *e, size_t len)
{
	CHECK(e != NULL);
	if (!e)
		return;
	CHECK_EQ(e->len, 12 + len);
	uint32_t seq = ev_seq(e);
	size_t bad = 0;
	for (size_t i = 0; i < len && 12 + i < e->len; i++)
		bad += e->p[12 + i] != (uint8_t)(seq + i);
	CHECK_EQ(bad, 0);
}

static void test_delay(struct host *h, int c)
{
	/* DELAY 200 ms; five PINGs sent after it are answered before it
	 * (1 s would leave more margin on a loaded machine; 200 ms is what a
	 * host sees most often). */
	uint64_t t0 = now_ms();
	uint16_t id = send_delay(h, 200000);
	for (int i = 0; i < 5; i++) {
		struct fw_frame *r = RPC(h, WIS_OP_PING, (uint8_t)i);
		CHECK(r->h.status == 0 && r->len == 1 && r->p[0] == i);
	}
	if (now_ms() - t0 < 190) { /* else the machine stalled: no order to see */
		CHECK(find_resp(h, id) == NULL);
		CHECK_EQ(stats_field(ctl(c, "stats"), "slots_held="), 1);
	}
	CHECK(host_pump(h, 2000, has_resp, &id));
	struct fw_frame *r = find_resp(h, id);
	CHECK(r && r->h.status == 0 && r->len == 8);
	CHECK(now_ms() - t0 >= 199);
	host_forget(h);
}

static void test_window(struct host *h, int c)
{
	uint16_t ids[16];
	for (int i = 0; i < 16; i++)
		ids[i] = send_delay(h, 1000000); /* long enough for any load */
	struct fw_frame *r = RPC(h, WIS_OP_PING, 1);
	CHECK_EQ(r->h.status, WIS_ST_BUSY);
	char d[300];
	CHECK_CONTAINS(fw_detail(r->p, r->len, d, sizeof d), "window full: 16 requests held");
	CHECK_EQ(stats_field(ctl(c, "stats"), "slots_held="), 16);
	r = RPC(h, WIS_OP_HELLO, 1); /* link management still answers */
	CHECK_EQ(r->h.status, 0);
	CHECK(host_pump(h, 3000, has_resp, &ids[15]));
	for (int i = 0; i < 16; i++) {
		r = find_resp(h, ids[i]);
		CHECK(r && r->h.status == 0);
	}
	r = RPC(h, WIS_OP_PING, 2);
	CHECK_EQ(r->h.status, 0);
	host_forget(h);

	/* RESET discards deferred requests: never answered, nothing stale
	 * after the new boot. */
	for (int i = 0; i < 3; i++)
		ids[i] = send_delay(h, 300000);
	r = RPC(h, WIS_OP_RESET, WIS_RESET_APP);
	CHECK_EQ(r->h.status, 0);
	CHECK(wait_events(h, WIS_EV_RESET, 1, 2000));
	host_pump(h, 500, NULL, NULL); /* past the delays' end */
	for (int i = 0; i < 3; i++)
		CHECK(find_resp(h, ids[i]) == NULL);
	CHECK_EQ(stats_field(ctl(c, "stats"), "slots_held="), 0);
	host_forget(h);
}

static void test_events(struct host *h, int c)
{
	/* A 1012-byte and a 255-byte event arrive intact. */
	struct fw_frame *r = RPC(h, WIS_OP_EMIT, 1, 0xf4, 0x03);
	CHECK_EQ(r->h.status, 0);
	r = RPC(h, WIS_OP_EMIT, 1, 0xff, 0x00);
	CHECK_EQ(r->h.status, 0);
	CHECK(wait_events(h, WIS_EV_DIAG, 2, 2000));
	check_diag(event(h, WIS_EV_DIAG, 0), 1012);
	check_diag(event(h, WIS_EV_DIAG, 1), 255);
	uint32_t last = ev_seq(event(h, WIS_EV_DIAG, 1));
	host_forget(h);

	/* 20 events of 1012 bytes at once: 3 fit the 4 KiB queue; the other
	 * 17 are counted exactly, and the seq gap says the same. */
	uint32_t dropped0 = stats_field(ctl(c, "stats"), "events_dropped=");
	r = RPC(h, WIS_OP_EMIT, 20, 0xf4, 0x03);
	CHECK_EQ(r->h.status, 0);
	struct wis_rd rd = wis_rd_init(r->p, r->len);
	uint32_t first = wis_rd_u32(&rd);
	CHECK_EQ(first, last + 1);
	r = RPC(h, WIS_OP_EMIT, 1, 4, 0);
	CHECK_EQ(r->h.status, 0);
	CHECK(wait_events(h, WIS_EV_DIAG, 4, 2000));
	CHECK_EQ(n_events(h, WIS_EV_DIAG), 4);
	for (uint32_t k = 0; k < 3; k++) {
		CHECK_EQ(ev_seq(event(h, WIS_EV_DIAG, k)), first + k);
		check_diag(event(h, WIS_EV_DIAG, k), 1012);
	}
	struct fw_frame *e = event(h, WIS_EV_DIAG, 3);
	check_diag(e, 4);
	uint32_t gap = e ? ev_seq(e) - (first + 2) - 1 : 0;
	uint32_t dropped = stats_field(ctl(c, "stats"), "events_dropped=") - dropped0;
	CHECK_EQ(dropped, 17);
	CHECK_EQ(gap, dropped);
	CHECK_EQ(h->in.d.stats.crc_errors + h->in.d.stats.cobs_errors, 0);
	host_forget(h);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: test_sim_defer PATH-TO-wisrpc-sim\n");
		return 2;
	}
	sim_bin = argv[1];
	signal(SIGPIPE, SIG_IGN);
	snprintf(tmpdir, sizeof tmpdir, "/tmp/wisfwd-XXXXXX");
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	char ctlp[96];
	snprintf(ctlp, sizeof ctlp, "%s/ctl", tmpdir);
	struct simproc sp;
	CHECK_EQ(sim_start(&sp, (const char *[]){"--control", ctlp, "--quiet", NULL}), 0);
	static struct host h;
	host_init(&h, open_tty(sp.pty));
	int c = ctl_open(ctlp);
	CHECK(h.fd >= 0 && c >= 0);
	CHECK(wait_events(&h, WIS_EV_RESET, 1, 2000));
	host_forget(&h);
	test_delay(&h, c);
	test_window(&h, c);
	test_events(&h, c);
	CHECK_STR(ctl(c, "quit"), "ok");
	CHECK_EQ(sim_wait(&sp, 3000), 0);
	close(c);
	close(h.fd);
	rmdir(tmpdir);
	if (check_failures) {
		fprintf(stderr, "test_sim_defer: %d failure(s)\n", check_failures);
		return 1;
	}
	printf("test_sim_defer: all checks passed\n");
	return 0;
}

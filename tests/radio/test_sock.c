/*
 * The inter-process medium transport: two media (standing for two
 * wisrpc-sim processes) on one socket directory, run on one clock by the
 * test.  A frame sent on one is received on the other with its payload at
 * the end of its time on air; a dead peer's socket does not stop it.
 */
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "radio_harness.h"
#include "radio_medium_sock.h"

static struct radio_medium m1, m2;
static struct radio_medium_sock s1, s2;
static struct node a, b;

static void both_to(uint64_t t)
{
	radio_medium_advance(&m1, t);
	radio_medium_sock_poll(&s2);
	radio_medium_advance(&m2, t);
	radio_medium_sock_poll(&s1);
}

/* A socket file whose process is gone (bound, then closed). */
static void dead_peer(const char *dir, char *path, size_t cap)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_DGRAM, 0);

	snprintf(path, cap, "%s/999999.0.sock", dir);
	CHECK(strlen(path) < sizeof sa.sun_path);
	memcpy(sa.sun_path, path, strlen(path) + 1);
	CHECK(bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0);
	close(fd);
}

int main(void)
{
	char dir[] = "/tmp/wisrpc-medium-XXXXXX", dead[100];
	struct sx126x_lora_cfg c = lora_cfg(7, 125000, 5);
	struct sx126x_event ev;
	struct sx126x_rx_info info;
	uint8_t buf[255];
	uint64_t t;
	uint32_t toa = sx126x_time_on_air_us(&c, 14);

	CHECK(mkdtemp(dir) != NULL);
	radio_medium_init(&m1, NULL);
	radio_medium_init(&m2, NULL);
	node_init(&a, &m1);
	node_init(&b, &m2);
	CHECK_EQ(radio_medium_sock_open(&s1, &m1, dir), 0);
	CHECK_EQ(radio_medium_sock_open(&s2, &m2, dir), 0);
	dead_peer(dir, dead, sizeof dead);
	CHECK_EQ(node_up(&a, &c), SX126X_OK);
	CHECK_EQ(node_up(&b, &c), SX126X_OK);
	t = (m1.now > m2.now ? m1.now : m2.now) + 100;
	both_to(t);
	CHECK_EQ(sx126x_rx_start(&b.drv, true, 0, 0), SX126X_OK);
	CHECK_EQ(sx126x_tx_start(&a.drv, (const uint8_t *)"across process", 14, 0), SX126X_OK);
	memset(&ev, 0, sizeof ev);
	for (t = m1.now > m2.now ? m1.now : m2.now; t < a.drv.op_start_us + toa + 20000; t += 10) {
		both_to(t);
		CHECK_EQ(sx126x_poll(&b.drv, &ev), SX126X_OK);
		if (ev.flags)
			break;
	}
	CHECK_EQ(ev.flags, SX126X_EV_RX_DONE);
	CHECK(ev.time_us >= a.chip.txf.t_end_us && ev.time_us <= a.chip.txf.t_end_us + 10);
	CHECK_EQ(sx126x_read_packet(&b.drv, buf, sizeof buf, &info), SX126X_OK);
	CHECK_EQ(info.len, 14);
	CHECK(memcmp(buf, "across process", 14) == 0);
	CHECK_EQ(access(dead, F_OK), -1); /* the dead peer's socket was removed */
	CHECK_EQ(s2.bad, 0);
	CHECK_EQ(a.chip.violations + b.chip.violations, 0);
	radio_medium_sock_close(&s1);
	radio_medium_sock_close(&s2);
	CHECK_EQ(rmdir(dir), 0); /* both sockets removed on close */
	return DONE();
}

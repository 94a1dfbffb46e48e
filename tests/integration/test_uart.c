/*
 * UART through libwisrpc against wisrpc-sim (each port looped back): a
 * burst of 3000 bytes, larger than one frame, comes back in order as
 * UART_RX events with nothing lost; bytes arriving while the port's 4 KiB
 * buffer is full are dropped and counted exactly in the overflow total;
 * writes to an unconfigured port are refused; the pins are the UART's.
 */
#include <poll.h>
#include <string.h>

#include "harness.h"

static uint8_t got[8192];
static size_t ngot;
static uint32_t last_overflow;
static unsigned events, bad_port;

static void on_event(wis_device *dev, const struct wis_event *ev, void *user)
{
	(void)dev, (void)user;
	unsigned port;
	const uint8_t *d;
	size_t n;
	if (wis_uart_rx_parse(ev, &port, &last_overflow, &d, &n) != 0)
		return;
	events++;
	bad_port += port != 0;
	if (ngot + n <= sizeof got) {
		memcpy(got + ngot, d, n);
		ngot += n;
	}
}

static void wait_bytes(wis_device *dev, size_t want)
{
	int64_t end = mono_ns() + 3000000000LL;
	while (ngot < want && mono_ns() < end) {
		struct pollfd p = {wis_fd(dev), POLLIN, 0};
		poll(&p, 1, 20);
		wis_process(dev);
	}
}

int main(int argc, char **argv)
{
	harness_init(argc, argv);
	struct sim s;
	sim_start(&s, NULL);
	wis_device *dev = open_dev(s.pty);
	wis_set_event_cb(dev, on_event, NULL);

	printf("not configured: refused; configured: the pins are the UART's\n");
	CHECK_RC(wis_uart_write(dev, 0, "x", 1), -WIS_ST_WRONG_MODE);
	CHECK(strstr(wis_last_error(), "UART0 is not configured"));
	CHECK_RC(wis_uart_config(dev, 0, 115200, WIS_UART_PARITY_NONE, 3), WIS_E_INVAL);
	CHECK_RC(wis_uart_config(dev, 2, 115200, WIS_UART_PARITY_NONE, 1), WIS_E_INVAL);
	CHECK_OK(wis_uart_config(dev, 0, 115200, WIS_UART_PARITY_EVEN, 1));
	struct wis_pin_state ps;
	CHECK_OK(wis_pin_state(dev, "TXD0", &ps));
	CHECK(ps.owner == WIS_OWNER_UART);

	printf("a 3000-byte burst comes back in order, nothing lost\n");
	uint8_t burst[3000];
	for (size_t i = 0; i < sizeof burst; i++)
		burst[i] = (uint8_t)(i * 13 + i / 256);
	CHECK_OK(wis_uart_write(dev, 0, burst, sizeof burst));
	wait_bytes(dev, sizeof burst);
	CHECK(ngot == sizeof burst && memcmp(got, burst, sizeof burst) == 0);
	CHECK(events >= 6 && bad_port == 0 && last_overflow == 0);

	printf("overflow: 6000 bytes at once into a 4 KiB buffer\n");
	ngot = 0;
	char reply[128];
	CHECK_OK(sim_ctl(&s, reply, sizeof reply, "uart uart0 inject 6000"));
	CHECK(strstr(reply, "took 4096 of 6000") != NULL);
	wait_bytes(dev, 4096);
	CHECK(ngot == 4096 && last_overflow == 6000 - 4096);
	for (size_t i = 0; i < ngot; i++)
		if (got[i] != (uint8_t)i) {
			CHECK(got[i] == (uint8_t)i);
			break;
		}
	wis_close(dev);
	sim_stop(&s);
	return TEST_RESULT();
}

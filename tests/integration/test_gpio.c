/*
 * GPIO through a simulated wire (--wire IO1:IO2), over the pty path
 * (termios transport): push-pull, pull-up/pull-down, open-drain; LED1 seen
 * through the control socket; pin state and release; and every kind of bad
 * pin argument with the error text a user gets.
 */
#include <string.h>

#include "harness.h"

int main(int argc, char **argv)
{
	harness_init(argc, argv);
	struct sim s;
	sim_start(&s, "--wire", "IO1:IO2", NULL);
	wis_device *dev = open_dev(s.pty);
	int level = -1;
	char reply[256];

	printf("push-pull output drives the wired input\n");
	CHECK_OK(wis_gpio_mode(dev, "IO1", WIS_GPIO_OUTPUT, 0));
	CHECK_OK(wis_gpio_mode(dev, "io2", WIS_GPIO_INPUT, 0));
	CHECK_OK(wis_gpio_read(dev, "IO2", &level));
	CHECK(level == 0);
	CHECK_OK(wis_gpio_write(dev, "IO1", 1));
	CHECK_OK(wis_gpio_read(dev, "IO2", &level));
	CHECK(level == 1);
	CHECK_OK(wis_gpio_write(dev, "P0.17", 0)); /* IO1 by its nRF name */
	CHECK_OK(wis_gpio_read(dev, "IO2", &level));
	CHECK(level == 0);

	struct wis_pin_state ps;
	CHECK_OK(wis_pin_state(dev, "IO1", &ps));
	CHECK(ps.owner == WIS_OWNER_GPIO && ps.mode == WIS_GPIO_OUTPUT);
	CHECK_OK(wis_pin_state(dev, "IO2", &ps));
	CHECK(ps.owner == WIS_OWNER_GPIO && ps.mode == WIS_GPIO_INPUT && ps.level == 0);

	printf("pull-up and pull-down on an undriven wire\n");
	CHECK_OK(wis_pin_release(dev, "IO1"));
	CHECK_OK(wis_pin_state(dev, "IO1", &ps));
	CHECK(ps.owner == WIS_OWNER_NONE);
	CHECK_OK(wis_gpio_mode(dev, "IO2", WIS_GPIO_INPUT_PULLUP, 0));
	CHECK_OK(wis_gpio_read(dev, "IO2", &level));
	CHECK(level == 1);
	CHECK_OK(wis_gpio_mode(dev, "IO2", WIS_GPIO_INPUT_PULLDOWN, 0));
	CHECK_OK(wis_gpio_read(dev, "IO2", &level));
	CHECK(level == 0);

	printf("open-drain: drives 0, floats on 1 (the pull-up wins)\n");
	CHECK_OK(wis_gpio_mode(dev, "IO2", WIS_GPIO_INPUT_PULLUP, 0));
	CHECK_OK(wis_gpio_mode(dev, "IO1", WIS_GPIO_OUTPUT_OPEN_DRAIN, 0));
	CHECK_OK(wis_gpio_read(dev, "IO2", &level));
	CHECK(level == 0);
	CHECK_OK(wis_gpio_write(dev, "IO1", 1));
	CHECK_OK(wis_gpio_read(dev, "IO2", &level));
	CHECK(level == 1);
	/* The wire also reads back on the open-drain pin itself. */
	CHECK_OK(wis_gpio_read(dev, "IO1", &level));
	CHECK(level == 1);

	printf("LED1 as the control socket sees it\n");
	CHECK_OK(wis_gpio_write(dev, "LED1", 1));
	CHECK(sim_ctl(&s, reply, sizeof reply, "led LED1") == 0 && strstr(reply, "on"));
	CHECK_OK(wis_gpio_write(dev, "led1", 0));
	CHECK(sim_ctl(&s, reply, sizeof reply, "led LED1") == 0 && strstr(reply, "off"));

	printf("an input driven from outside (control 'drive')\n");
	CHECK_OK(wis_gpio_mode(dev, "IO3", WIS_GPIO_INPUT, 0));
	CHECK(sim_ctl(&s, reply, sizeof reply, "drive IO3 1") == 0);
	CHECK_OK(wis_gpio_read(dev, "IO3", &level));
	CHECK(level == 1);
	CHECK(sim_ctl(&s, reply, sizeof reply, "drive IO3 0") == 0);
	CHECK_OK(wis_gpio_read(dev, "IO3", &level));
	CHECK(level == 0);

	printf("device-side errors carry the device's detail\n");
	CHECK_RC(wis_gpio_write(dev, "IO2", 1), -WIS_ST_WRONG_MODE);
	CHECK(strstr(wis_last_error(), "IO2") || strstr(wis_last_error(), "input"));
	printf("  write to an input: %s\n", wis_last_error());

	printf("unknown pins, power pins, pins without the function\n");
	CHECK_RC(wis_gpio_write(dev, "IO9", 1), WIS_E_UNKNOWN_PIN);
	CHECK(strstr(wis_last_error(), "no pin named IO9") &&
	      strstr(wis_last_error(), "IO1..IO7") && strstr(wis_last_error(), "LED1..LED3") &&
	      strstr(wis_last_error(), "SW1"));
	printf("  %s\n", wis_last_error());
	CHECK_RC(wis_gpio_read(dev, "VBAT", &level), WIS_E_NOT_IO);
	CHECK(strcmp(wis_last_error(),
	             "VBAT is a power pin (WisConnector pin 2), not an I/O pin") == 0);
	printf("  %s\n", wis_last_error());
	CHECK_RC(wis_gpio_read(dev, "gnd1", &level), WIS_E_NOT_IO);
	CHECK(strstr(wis_last_error(), "ground pin"));
	CHECK_RC(wis_gpio_read(dev, "NC", &level), WIS_E_NOT_IO);
	CHECK(strstr(wis_last_error(), "not connected"));
	CHECK_RC(wis_gpio_read(dev, "USB+", &level), WIS_E_NOT_IO);
	CHECK_RC(wis_gpio_read(dev, "RESET", &level), WIS_E_NOT_IO);
	CHECK_RC(wis_gpio_read(dev, "P1.10", &level), WIS_E_UNKNOWN_PIN);
	CHECK(strstr(wis_last_error(), "radio"));
	CHECK_RC(wis_gpio_read(dev, "", &level), WIS_E_UNKNOWN_PIN);
	CHECK_RC(wis_gpio_read(dev, NULL, &level), WIS_E_UNKNOWN_PIN);
	CHECK_RC(wis_adc_read(dev, "IO1", NULL, NULL, NULL), -WIS_ST_NOT_CAPABLE);
	CHECK(strstr(wis_last_error(), "AIN0") && strstr(wis_last_error(), "IO1"));
	printf("  %s\n", wis_last_error());

	printf("a raw call naming a pin that is not a GPIO (radio NSS, P1.10)\n");
	uint8_t req[1] = {WIS_NRF(1, 10)}, resp[4];
	CHECK_RC(wis_call(dev, WIS_OP_GPIO_READ, req, 1, resp, sizeof resp, NULL, 0),
	         -WIS_ST_NO_SUCH_PIN);
	CHECK(wis_last_error()[0] != 0);
	printf("  %s\n", wis_last_error());

	printf("bad arguments caught on the host\n");
	CHECK_RC(wis_gpio_mode(dev, "IO1", (enum wis_gpio_mode)9, 0), WIS_E_INVAL);
	CHECK_RC(wis_gpio_watch(dev, "IO2", (enum wis_edge)7, 0), WIS_E_INVAL);
	CHECK_RC(wis_gpio_watch(dev, "IO2", WIS_EDGE_BOTH, 2000000), WIS_E_INVAL);
	CHECK_RC(wis_call(dev, WIS_OP_PING, NULL, 5, NULL, 0, NULL, 0), WIS_E_INVAL);
	uint8_t big[2000] = {0};
	CHECK_RC(wis_call(dev, WIS_OP_PING, big, sizeof big, NULL, 0, NULL, 0), WIS_E_TOO_BIG);
	CHECK_RC(wis_call(dev, WIS_OP_PING, big, 16, resp, 4, NULL, 0), WIS_E_TOO_BIG);
	/* no buffer: the payload is discarded, its size still reported */
	size_t got = 0;
	CHECK_OK(wis_call(dev, WIS_OP_PING, big, 16, NULL, 0, &got, 0));
	CHECK(got == 16);
	CHECK_RC(wis_call(dev, 0x7f7f, NULL, 0, NULL, 0, NULL, 0), -WIS_ST_UNKNOWN_OP);
	/* Everything above left the link usable. */
	CHECK_OK(wis_ping(dev));
	struct wis_stats st;
	CHECK_OK(wis_stats(dev, &st));
	CHECK(st.host_stray_responses == 0 && st.host_rx_crc_errors == 0);

	wis_close(dev);
	sim_stop(&s);
	return TEST_RESULT();
}

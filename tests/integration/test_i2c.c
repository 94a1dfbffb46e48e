/*
 * I2C through libwisrpc against wisrpc-sim: a scan of each bus finds
 * exactly the simulated devices (the 24C02 EEPROM at 0x50 on I2C1, the
 * TMP102-style sensor at 0x48 on I2C2); EEPROM page write, the write cycle
 * (address NACK while it lasts), random and sequential reads, page wrap;
 * sensor registers by write-then-read; the distinct outcomes: address
 * NACK, data NACK, bus error, clock-stretch timeout; bad arguments; the
 * bus pins taken from GPIO and refused while GPIO holds them.
 */
#include <string.h>
#include <time.h>

#include "harness.h"

static void sleep_ms(int ms)
{
	struct timespec ts = {0, ms * 1000000L};
	nanosleep(&ts, NULL);
}

static void test_scan(wis_device *dev)
{
	printf("scan: exactly the simulated devices\n");
	uint8_t a[112];
	size_t n = 0;
	CHECK_OK(wis_i2c_scan(dev, 1, a, &n));
	CHECK(n == 1 && a[0] == 0x50);
	CHECK_OK(wis_i2c_scan(dev, 2, a, &n));
	CHECK(n == 1 && a[0] == 0x48);
}

static void test_eeprom(wis_device *dev)
{
	printf("EEPROM: page write, write cycle, random and sequential read, page wrap\n");
	uint8_t w[9] = {0x10, 1, 2, 3, 4, 5, 6, 7, 8}, r[16];
	CHECK_OK(wis_i2c_xfer(dev, 1, 0x50, w, sizeof w, NULL, 0));
	/* During the 5 ms write cycle the EEPROM does not acknowledge. */
	CHECK_RC(wis_i2c_xfer(dev, 1, 0x50, "\x10", 1, r, 1), -WIS_ST_NOT_FITTED);
	sleep_ms(10);
	CHECK_OK(wis_i2c_xfer(dev, 1, 0x50, "\x10", 1, r, 8));
	CHECK(memcmp(r, w + 1, 8) == 0);
	/* Current-address read continues after the last byte read. */
	CHECK_OK(wis_i2c_xfer(dev, 1, 0x50, NULL, 0, r, 2));
	CHECK(r[0] == 0xff && r[1] == 0xff);
	/* A write past the page end wraps to the page's start. */
	uint8_t w2[5] = {0x26, 0xa6, 0xa7, 0xa0, 0xa1};
	CHECK_OK(wis_i2c_xfer(dev, 1, 0x50, w2, sizeof w2, NULL, 0));
	sleep_ms(10);
	CHECK_OK(wis_i2c_xfer(dev, 1, 0x50, "\x20", 1, r, 8));
	CHECK(r[0] == 0xa0 && r[1] == 0xa1 && r[2] == 0xff && r[6] == 0xa6 && r[7] == 0xa7);
}

static void test_sensor(wis_device *dev)
{
	printf("sensor: registers by write-then-read (repeated start)\n");
	uint8_t r[2];
	CHECK_OK(wis_i2c_xfer(dev, 2, 0x48, "\x00", 1, r, 2));
	CHECK(r[0] == 0x19 && r[1] == 0x10); /* 25.0625 degrees C */
	CHECK_OK(wis_i2c_xfer(dev, 2, 0x48, "\x02\x12\x34", 3, NULL, 0));
	CHECK_OK(wis_i2c_xfer(dev, 2, 0x48, "\x02", 1, r, 2));
	CHECK(r[0] == 0x12 && r[1] == 0x34);
}

static void test_errors(struct sim *s, wis_device *dev)
{
	printf("outcomes: address NACK, data NACK, bus error, timeout, each named\n");
	uint8_t r[2];
	CHECK_RC(wis_i2c_xfer(dev, 1, 0x51, NULL, 0, r, 1), -WIS_ST_NOT_FITTED);
	CHECK(strstr(wis_last_error(), "I2C1 address 0x0051: no device acknowledged"));
	CHECK_RC(wis_i2c_xfer(dev, 2, 0x48, "\x00\x01\x02", 3, NULL, 0), -WIS_ST_HW_ERROR);
	CHECK(strstr(wis_last_error(), "NACK on data byte 1"));
	CHECK_RC(wis_i2c_xfer(dev, 2, 0x48, "\x07", 1, NULL, 0), -WIS_ST_HW_ERROR);
	CHECK(strstr(wis_last_error(), "NACK on data byte 0"));
	CHECK_OK(sim_ctl(s, NULL, 0, "i2c i2c1 stuck"));
	CHECK_RC(wis_i2c_xfer(dev, 1, 0x50, NULL, 0, r, 1), -WIS_ST_BUSY);
	CHECK(strstr(wis_last_error(), "bus error"));
	CHECK_RC(wis_i2c_scan(dev, 1, NULL, NULL), -WIS_ST_BUSY);
	CHECK_OK(sim_ctl(s, NULL, 0, "i2c i2c1 ok"));
	CHECK_OK(sim_ctl(s, NULL, 0, "i2c i2c2 stretch 0x48"));
	CHECK_RC(wis_i2c_xfer(dev, 2, 0x48, NULL, 0, r, 1), -WIS_ST_HW_TIMEOUT);
	CHECK(strstr(wis_last_error(), "clock stretched"));
	CHECK_OK(sim_ctl(s, NULL, 0, "i2c i2c2 ok"));
	CHECK_OK(wis_i2c_xfer(dev, 2, 0x48, NULL, 0, r, 1));

	printf("bad arguments are named before anything is sent\n");
	CHECK_RC(wis_i2c_xfer(dev, 3, 0x50, NULL, 0, r, 1), WIS_E_INVAL);
	CHECK_RC(wis_i2c_xfer(dev, 1, 0x78, NULL, 0, r, 1), WIS_E_INVAL);
	CHECK(strstr(wis_last_error(), "addr 120 out of range 8..119"));
	CHECK_RC(wis_i2c_xfer(dev, 1, 0x50, NULL, 0, NULL, 0), -WIS_ST_BAD_ARG);
	CHECK_RC(wis_i2c_config(dev, 1, 250000), -WIS_ST_BAD_ARG);
	CHECK_OK(wis_i2c_config(dev, 1, 400000));
	CHECK_OK(wis_i2c_scan(dev, 1, NULL, NULL));
}

static void test_pins(wis_device *dev)
{
	printf("pins: the bus owns SDA/SCL; a GPIO user keeps the bus away\n");
	struct wis_pin_state ps;
	CHECK_OK(wis_pin_state(dev, "I2C1_SDA", &ps));
	CHECK(ps.owner == WIS_OWNER_I2C);
	CHECK_RC(wis_gpio_write(dev, "I2C1_SCL", 1), -WIS_ST_PIN_BUSY);
	CHECK_OK(wis_pin_release(dev, "I2C2_SDA"));
	CHECK_OK(wis_gpio_write(dev, "I2C2_SDA", 1));
	CHECK_RC(wis_i2c_scan(dev, 2, NULL, NULL), -WIS_ST_PIN_BUSY);
	CHECK(strstr(wis_last_error(), "I2C2_SDA is owned by gpio"));
	CHECK_OK(wis_pin_release(dev, "I2C2_SDA"));
	CHECK_OK(wis_i2c_scan(dev, 2, NULL, NULL));
}

int main(int argc, char **argv)
{
	harness_init(argc, argv);
	struct sim s;
	sim_start(&s, NULL);
	wis_device *dev = open_dev(s.pty);
	test_scan(dev);
	test_eeprom(dev);
	test_sensor(dev);
	test_errors(&s, dev);
	test_pins(dev);
	wis_close(dev);
	sim_stop(&s);
	return TEST_RESULT();
}

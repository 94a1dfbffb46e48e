/*
 * SPI on the IO-slot bus through libwisrpc against wisrpc-sim: a loopback
 * (MOSI wired to MISO) round trip of a whole frame's worth in every mode;
 * SPI_CS low during the transfer only; argument ranges; the bus refused
 * while the flash holds the shared pins (naming it), and the flash refused
 * while SPI holds them; with a chip fitted, the chip answers on the same CS.
 */
#include <string.h>

#include "harness.h"

static void test_loopback(void)
{
	printf("loopback: 1019 bytes in each mode; CS released after\n");
	struct sim s;
	sim_start(&s, "--no-flash", NULL);
	wis_device *dev = open_dev(s.pty);
	/* Probing first: no chip answers, so the pins stay free. */
	struct wis_flash_info fi;
	CHECK_OK(wis_flash_info(dev, &fi));
	CHECK(fi.store == WIS_FLASH_STORE_INTERNAL);
	uint8_t tx[1019], rx[1019];
	for (size_t i = 0; i < sizeof tx; i++)
		tx[i] = (uint8_t)(i * 7 + 3);
	for (unsigned mode = 0; mode < 4; mode++) {
		memset(rx, 0, sizeof rx);
		CHECK_OK(wis_spi_xfer(dev, 1000000, mode, tx, rx, sizeof tx));
		CHECK(memcmp(tx, rx, sizeof tx) == 0);
	}
	char reply[256];
	CHECK_OK(sim_ctl(&s, reply, sizeof reply, "get SPI_CS"));
	CHECK(strstr(reply, "owner=spi") && strstr(reply, "level=1"));
	CHECK_RC(wis_spi_xfer(dev, 100000, 0, tx, rx, 1), WIS_E_INVAL);
	CHECK(strstr(wis_last_error(), "hz 100000 out of range 125000..8000000"));
	CHECK_RC(wis_spi_xfer(dev, 1000000, 4, tx, rx, 1), WIS_E_INVAL);
	CHECK_RC(wis_spi_xfer(dev, 1000000, 0, tx, rx, 1020), WIS_E_TOO_BIG);
	/* The internal flash store works while SPI holds the pins. */
	CHECK_OK(wis_flash_write(dev, 0, "\x12", 1, WIS_FLASH_WRITE_ERASE, NULL, NULL));
	CHECK_OK(wis_spi_xfer(dev, 8000000, 0, tx, rx, 4));
	wis_close(dev);
	sim_stop(&s);
}

static void test_shared_with_flash(void)
{
	printf("shared pins: SPI refused while the flash holds them, and back\n");
	struct sim s;
	sim_start(&s, NULL);
	wis_device *dev = open_dev(s.pty);
	uint8_t rx[4];
	CHECK_OK(wis_flash_info(dev, NULL)); /* the chip is found: flash owns the pins */
	CHECK_RC(wis_spi_xfer(dev, 1000000, 0, "\x9f\0\0\0", rx, 4), -WIS_ST_PIN_BUSY);
	CHECK(strstr(wis_last_error(), "SPI_CS is owned by flash"));
	CHECK_OK(wis_pin_release(dev, "SPI_CS"));
	/* The chip on the board shares the bus's CS: it answers its ID. */
	CHECK_OK(wis_spi_xfer(dev, 1000000, 0, "\x9f\0\0\0", rx, 4));
	CHECK(rx[1] == 0x9d && rx[2] == 0x60 && rx[3] == 0x14);
	CHECK_RC(wis_flash_info(dev, NULL), -WIS_ST_PIN_BUSY);
	CHECK(strstr(wis_last_error(), "owned by spi"));
	/* Releasing one pin frees the bus; the flash finds its chip again. */
	CHECK_OK(wis_pin_release(dev, "SPI_MISO"));
	CHECK_OK(wis_flash_info(dev, NULL));
	struct wis_pin_state ps;
	CHECK_OK(wis_pin_state(dev, "SPI_CLK", &ps));
	CHECK(ps.owner == WIS_OWNER_FLASH);
	wis_close(dev);
	sim_stop(&s);
}

int main(int argc, char **argv)
{
	harness_init(argc, argv);
	test_loopback();
	test_shared_with_flash();
	return TEST_RESULT();
}

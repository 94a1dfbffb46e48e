/*
 * RAK4631 board facts for the firmware core: which nRF52840 pins are taken
 * inside the module (so requests for them are refused with a reason) and
 * the pin table from lib/proto/pins_rak4631.c.  Source: shared/hardware.md
 * ("SX1262 wiring inside the RAK4630").
 */
#include "rak4631_board.h"

static const struct wisfw_reserved_pin reserved[] = {
    {WIS_NRF(1, 5), "SX1262 antenna switch power (inside the module)"},
    {WIS_NRF(1, 6), "SX1262 NRESET (inside the module)"},
    {WIS_NRF(1, 7), "reserved inside the module (kept an input)"},
    {WIS_NRF(1, 10), "SX1262 NSS (inside the module)"},
    {WIS_NRF(1, 11), "SX1262 SCK (inside the module)"},
    {WIS_NRF(1, 12), "SX1262 MOSI (inside the module)"},
    {WIS_NRF(1, 13), "SX1262 MISO (inside the module)"},
    {WIS_NRF(1, 14), "SX1262 BUSY (inside the module)"},
    {WIS_NRF(1, 15), "SX1262 DIO1 (inside the module)"},
};

const struct wisfw_reserved_pin *wisfw_rak4631_reserved(size_t *count)
{
	*count = sizeof reserved / sizeof reserved[0];
	return reserved;
}

void wisfw_rak4631_board(struct wisfw_board *b)
{
	b->name = WIS_RAK4631_NAME;
	b->pins = wis_pins_rak4631(&b->pin_count);
	b->reserved = wisfw_rak4631_reserved(&b->reserved_count);
	b->vdd_mv = WIS_RAK4631_VDD_MV;
	/* IO2 = P1.02 also enables the 3V3_S sensor rail (high = on). */
	b->rail_nrf = WIS_NRF(1, 2);
}

/*
 * simhal's I2C buses (TWIM model) and the devices on them: a 24C02-style
 * EEPROM at 0x50 on I2C1 (256 bytes, 8-byte write pages wrapping within
 * the page, 5 ms write cycle during which it NACKs its address, sequential
 * reads wrapping at the end) and a TMP102-style temperature sensor at 0x48
 * on I2C2 (a pointer register selecting 16-bit registers: 0 temperature,
 * read-only; 1 configuration; 2 T_LOW; 3 T_HIGH; a pointer above 3 and a
 * write to the temperature are NACKed).  A control command can hold a bus
 * (bus error) or make a device stretch the clock past the timeout.
 */
#include <string.h>

#include "simhal.h"

#define EEPROM_ADDR 0x50
#define EEPROM_PAGE 8u
#define EEPROM_TWR_US 5000u
#define SENSOR_ADDR 0x48

/* The EEPROM's write: word address, then data into the page buffer. */
static uint8_t eeprom_write(struct simhal *s, const uint8_t *w, size_t wn)
{
	s->ee_ptr = w[0];
	if (wn == 1)
		return WIS_ST_OK; /* a random read's dummy write: pointer only */
	uint8_t page = (uint8_t)(s->ee_ptr & ~(EEPROM_PAGE - 1));
	for (size_t i = 1; i < wn; i++) {
		s->eeprom[page | (s->ee_ptr & (EEPROM_PAGE - 1))] = w[i];
		s->ee_ptr = (uint8_t)(page | ((s->ee_ptr + 1) & (EEPROM_PAGE - 1)));
	}
	s->ee_busy_until = simhal_now(s) + EEPROM_TWR_US;
	return WIS_ST_OK;
}

static uint8_t eeprom_xfer(struct simhal *s, const uint8_t *w, size_t wn, uint8_t *r, size_t rn)
{
	if (simhal_now(s) < s->ee_busy_until)
		return WIS_ST_NOT_FITTED; /* write cycle: the address is not acknowledged */
	if (wn)
		eeprom_write(s, w, wn);
	for (size_t i = 0; i < rn; i++)
		r[i] = s->eeprom[s->ee_ptr++];
	return WIS_ST_OK;
}

static uint8_t sensor_xfer(struct simhal *s, const uint8_t *w, size_t wn, uint8_t *r, size_t rn,
                           size_t *done)
{
	if (wn) {
		if (w[0] > 3)
			return WIS_ST_HW_ERROR; /* *done = 0: the pointer byte */
		s->tmp_ptr = w[0];
		*done = 1;
		if (wn > 1 && s->tmp_ptr == 0)
			return WIS_ST_HW_ERROR; /* the temperature is read-only */
		if (wn > 3)
			return *done = 3, WIS_ST_HW_ERROR; /* registers are 2 bytes */
		if (wn == 3)
			s->tmp_reg[s->tmp_ptr] = (uint16_t)(w[1] << 8 | w[2]);
		*done = wn;
	}
	for (size_t i = 0; i < rn; i++) {
		uint16_t v = s->tmp_reg[s->tmp_ptr];
		r[i] = (uint8_t)(i % 2 ? v : v >> 8);
	}
	return WIS_ST_OK;
}

static uint8_t h_transfer(void *ctx, uint8_t bus, uint8_t addr, const uint8_t *w, size_t wn,
                          uint8_t *r, size_t rn, size_t *done)
{
	struct simhal *s = ctx;
	*done = 0;
	if (bus > 1 || s->i2c_hz[bus] == 0)
		return WIS_ST_HW_ERROR;
	if (s->i2c_stuck[bus])
		return WIS_ST_BUSY;
	s->i2c_transfers++;
	if (s->i2c_stretch[bus] == addr)
		return WIS_ST_HW_TIMEOUT;
	if (bus == 0 && addr == EEPROM_ADDR) {
		uint8_t st = eeprom_xfer(s, w, wn, r, rn);
		*done = st == WIS_ST_OK ? wn : 0;
		return st;
	}
	if (bus == 1 && addr == SENSOR_ADDR)
		return sensor_xfer(s, w, wn, r, rn, done);
	return WIS_ST_NOT_FITTED;
}

static uint8_t h_configure(void *ctx, uint8_t bus, uint32_t hz)
{
	struct simhal *s = ctx;
	if (bus > 1)
		return WIS_ST_BAD_ARG;
	s->i2c_hz[bus] = hz;
	return WIS_ST_OK;
}

void simhal_i2c_init(struct simhal *s)
{
	s->i2c = (struct wisfw_i2c){h_transfer, h_configure};
	s->hal.i2c = &s->i2c;
	memset(s->eeprom, 0xff, sizeof s->eeprom);
	/* 25.0625 °C in 12-bit two's complement, 0.0625 °C per step, left
	 * aligned; the configuration's power-on value; 75 and 80 °C limits. */
	s->tmp_reg[0] = 0x1910;
	s->tmp_reg[1] = 0x60a0;
	s->tmp_reg[2] = 0x4b00;
	s->tmp_reg[3] = 0x5000;
}

/*
 * I2C subsystem: the two WisBlock I2C buses (TWIM, hal.i2c) as resources
 * i2c1/i2c2.  A bus takes its SDA/SCL pins on first use (or I2C_CONFIG),
 * at 100 kHz unless configured; a pin held by another function refuses
 * the request naming it.  Scan, and a write-then-read transfer with a
 * repeated start (either part may be empty).  Outcomes are distinct
 * statuses: address NACK NOT_FITTED, data NACK HW_ERROR, bus error BUSY,
 * clock-stretch timeout HW_TIMEOUT, each with a detail naming bus and
 * address.
 */
#include "core_priv.h"

static const char *bus_name(uint8_t bus)
{
	return bus ? "I2C2" : "I2C1";
}

/* Takes the bus's pins (if not yet) and sets its clock. */
static uint8_t take_bus(struct wisfw_core *c, uint8_t bus, uint32_t hz)
{
	if (!c->hal->i2c)
		return wisfw_d_unsupported(c, "I2C", "hal.i2c");
	const uint8_t *pins = wis_res_pins(bus ? WIS_RES_I2C2 : WIS_RES_I2C1);
	uint8_t st;
	for (size_t i = 0; pins[i] != WIS_NRF_NONE; i++)
		if ((st = wisfw_claim_check(c, pins[i], WIS_OWNER_I2C)) != WIS_ST_OK) {
			wisfw_d_str(c, " (");
			wisfw_d_str(c, bus_name(bus));
			wisfw_d_str(c, " needs it)");
			return st;
		}
	if (c->i2c_hz[bus] == hz)
		return WIS_ST_OK;
	for (size_t i = 0; pins[i] != WIS_NRF_NONE; i++)
		c->pins[pins[i]].owner = WIS_OWNER_I2C;
	if ((st = c->hal->i2c->configure(c->hal->ctx, bus, hz)) != WIS_ST_OK) {
		wisfw_d_str(c, bus_name(bus));
		wisfw_d_str(c, ": configuration failed");
		return st;
	}
	c->i2c_hz[bus] = hz;
	return WIS_ST_OK;
}

/* The bus in use, at its clock or 100 kHz; a RELEASE of a pin forgets it. */
static uint8_t use_bus(struct wisfw_core *c, uint8_t bus)
{
	const uint8_t *pins = wis_res_pins(bus ? WIS_RES_I2C2 : WIS_RES_I2C1);
	for (size_t i = 0; pins[i] != WIS_NRF_NONE; i++)
		if (c->pins[pins[i]].owner != WIS_OWNER_I2C)
			c->i2c_hz[bus] = 0;
	return take_bus(c, bus, c->i2c_hz[bus] ? c->i2c_hz[bus] : 100000);
}

static uint8_t h_config(struct wisfw_core *c, const union wis_val *v, struct wis_wr *out)
{
	(void)out;
	uint32_t hz = (uint32_t)v[1].u;
	if (hz != 100000 && hz != 400000) {
		wisfw_d_str(c, "I2C_CONFIG hz ");
		wisfw_d_uint(c, hz);
		wisfw_d_str(c, ": the TWIM runs at 100000 or 400000");
		return WIS_ST_BAD_ARG;
	}
	uint8_t bus = (uint8_t)v[0].u;
	const uint8_t *pins = wis_res_pins(bus ? WIS_RES_I2C2 : WIS_RES_I2C1);
	if (c->pins[pins[0]].owner != WIS_OWNER_I2C)
		c->i2c_hz[bus] = 0;
	return take_bus(c, bus, hz);
}

/* Detail for a failed transfer; returns st. */
static uint8_t xfer_fail(struct wisfw_core *c, uint8_t bus, uint8_t addr, uint8_t st, size_t done)
{
	wisfw_d_str(c, bus_name(bus));
	wisfw_d_str(c, " address ");
	wisfw_d_hex16(c, addr);
	switch (st) {
	case WIS_ST_NOT_FITTED:
		wisfw_d_str(c, ": no device acknowledged (address NACK)");
		break;
	case WIS_ST_HW_ERROR:
		wisfw_d_str(c, ": NACK on data byte ");
		wisfw_d_uint(c, (uint32_t)done);
		break;
	case WIS_ST_BUSY:
		wisfw_d_str(c, ": bus error (SDA or SCL held low, or arbitration lost)");
		break;
	case WIS_ST_HW_TIMEOUT:
		wisfw_d_str(c, ": clock stretched past the timeout");
		break;
	default:
		wisfw_d_str(c, ": transfer failed");
	}
	return st;
}

static uint8_t h_scan(struct wisfw_core *c, const union wis_val *v, struct wis_wr *out)
{
	uint8_t bus = (uint8_t)v[0].u, st = use_bus(c, bus), b;
	if (st != WIS_ST_OK)
		return st;
	for (uint8_t a = WIS_I2C_ADDR_MIN; a <= WIS_I2C_ADDR_MAX; a++) {
		size_t done = 0;
		st = c->hal->i2c->transfer(c->hal->ctx, bus, a, NULL, 0, &b, 1, &done);
		if (st == WIS_ST_OK)
			wis_wr_u8(out, a);
		else if (st != WIS_ST_NOT_FITTED)
			return xfer_fail(c, bus, a, st, done);
	}
	return WIS_ST_OK;
}

static uint8_t h_xfer(struct wisfw_core *c, const union wis_val *v, struct wis_wr *out)
{
	uint8_t bus = (uint8_t)v[0].u, addr = (uint8_t)v[1].u;
	size_t rn = (size_t)v[2].u, wn = v[3].b.len;
	if (!rn && !wn) {
		wisfw_d_str(c, "I2C_XFER: nothing to write or read (tx empty and rx_len 0)");
		return WIS_ST_BAD_ARG;
	}
	uint8_t st = use_bus(c, bus);
	if (st != WIS_ST_OK)
		return st;
	if (!wis_wr_need(out, rn))
		return WIS_ST_TOO_BIG;
	size_t done = 0;
	st = c->hal->i2c->transfer(c->hal->ctx, bus, addr, v[3].b.p, wn, out->p + out->len, rn,
	                           &done);
	if (st != WIS_ST_OK)
		return xfer_fail(c, bus, addr, st, done);
	out->len += rn;
	return WIS_ST_OK;
}

static void i2c_reset(struct wisfw_core *c)
{
	c->i2c_hz[0] = c->i2c_hz[1] = 0;
}

static const struct wisfw_op_handler i2c_ops[] = {
    {WIS_OP_I2C_CONFIG, h_config},
    {WIS_OP_I2C_SCAN, h_scan},
    {WIS_OP_I2C_XFER, h_xfer},
};

const struct wisfw_subsys wisfw_i2c_subsys = {
    .name = "i2c",
    .init = i2c_reset,
    .reset = i2c_reset,
    .ops = i2c_ops,
    .nops = sizeof i2c_ops / sizeof i2c_ops[0],
};

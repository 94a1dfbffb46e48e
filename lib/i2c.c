/*
 * I2C and SPI calls.  I2C: configure a bus, scan it, and one write-then-read transfer
 * (a write with rx 0, a read with tx 0, or both with a repeated start).
 * Buses are numbered as on the connector: 1 = I2C1, 2 = I2C2.  Device
 * outcomes come back as -WIS_ST_NOT_FITTED (address NACK),
 * -WIS_ST_HW_ERROR (data NACK), -WIS_ST_BUSY (bus error) and
 * -WIS_ST_HW_TIMEOUT (clock stretched too long), with the detail.
 */
#include <string.h>

#include "internal.h"

#define V(x) ((union wis_val){.u = (uint64_t)(x)})

static int bus_arg(unsigned bus)
{
	if (bus == 1 || bus == 2)
		return 0;
	return wis__fail(WIS_E_INVAL, "I2C bus %u: use 1 (I2C1) or 2 (I2C2)", bus);
}

int wis_i2c_config(wis_device *dev, unsigned bus, uint32_t hz)
{
	wis__clear_error();
	int rc = bus_arg(bus);
	if (rc < 0)
		return rc;
	union wis_val v[2] = {V(bus - 1), V(hz)};
	return wis__call_fields(dev, WIS_OP_I2C_CONFIG, v, NULL, 0);
}

int wis_i2c_scan(wis_device *dev, unsigned bus, uint8_t addrs[112], size_t *count)
{
	wis__clear_error();
	int rc = bus_arg(bus);
	if (rc < 0)
		return rc;
	union wis_val v[1] = {V(bus - 1)}, r[1];
	if ((rc = wis__call_fields(dev, WIS_OP_I2C_SCAN, v, r, 0)) < 0)
		return rc;
	if (addrs)
		memcpy(addrs, r[0].b.p, r[0].b.len);
	if (count)
		*count = r[0].b.len;
	return 0;
}

int wis_i2c_xfer(wis_device *dev, unsigned bus, uint8_t addr, const void *tx, size_t ntx, void *rx,
                 size_t nrx)
{
	wis__clear_error();
	int rc = bus_arg(bus);
	if (rc < 0)
		return rc;
	if ((ntx && !tx) || (nrx && !rx))
		return wis__fail(WIS_E_INVAL, "I2C_XFER: %s is NULL", ntx && !tx ? "tx" : "rx");
	union wis_val v[4] = {V(bus - 1), V(addr), V(nrx), {.b = {tx, ntx}}}, r[1];
	if ((rc = wis__call_fields(dev, WIS_OP_I2C_XFER, v, r, 0)) < 0)
		return rc;
	if (r[0].b.len != nrx)
		return wis__fail(WIS_E_PROTO, "I2C_XFER answered %zu bytes for %zu", r[0].b.len,
		                 nrx);
	if (nrx)
		memcpy(rx, r[0].b.p, nrx);
	return 0;
}

int wis_spi_xfer(wis_device *dev, uint32_t hz, unsigned mode, const void *tx, void *rx, size_t n)
{
	wis__clear_error();
	if (!tx)
		return wis__fail(WIS_E_INVAL, "SPI_XFER: tx is NULL");
	union wis_val v[3] = {V(hz), V(mode), {.b = {tx, n}}}, r[1];
	int rc = wis__call_fields(dev, WIS_OP_SPI_XFER, v, r, 0);
	if (rc < 0)
		return rc;
	if (r[0].b.len != n)
		return wis__fail(WIS_E_PROTO, "SPI_XFER answered %zu bytes for %zu", r[0].b.len, n);
	if (rx)
		memcpy(rx, r[0].b.p, n);
	return 0;
}

/*
 * SPI subsystem: full-duplex transfers on the IO-slot SPI bus (SPIM,
 * hal.spi) with SPI_CS driven low by the device for the whole transfer.
 * The bus is on the QSPI flash's pins: while the flash holds them the
 * transfer is refused naming the holder (RELEASE one of them first), and
 * a flash chip fitted on the board sees this bus's CS too.
 */
#include "core_priv.h"

#define PIN_CS WIS_NRF(0, 26)
#define PIN_MISO WIS_NRF(0, 29)

/* Takes SPI_CS, SPI_CLK, SPI_MOSI and SPI_MISO for the bus. */
static uint8_t take_pins(struct wisfw_core *c)
{
	const uint8_t *pins = wis_res_pins(WIS_RES_SPI);
	uint8_t st;
	for (size_t i = 0; pins[i] != WIS_NRF_NONE; i++)
		if ((st = wisfw_claim_check(c, pins[i], WIS_OWNER_SPI)) != WIS_ST_OK) {
			wisfw_d_str(c, " (the IO-slot SPI bus needs it)");
			return st;
		}
	if (c->pins[PIN_CS].owner == WIS_OWNER_SPI)
		return WIS_ST_OK;
	c->hal->gpio->write(c->hal->ctx, PIN_CS, 1); /* CS high before it drives */
	for (size_t i = 0; pins[i] != WIS_NRF_NONE; i++) {
		struct wisfw_pin_rt *p = &c->pins[pins[i]];
		p->owner = WIS_OWNER_SPI;
		p->mode = pins[i] == PIN_MISO ? WIS_GPIO_INPUT : WIS_GPIO_OUTPUT;
		c->hal->gpio->config(c->hal->ctx, pins[i], p->mode);
	}
	return WIS_ST_OK;
}

static uint8_t h_xfer(struct wisfw_core *c, const union wis_val *v, struct wis_wr *out)
{
	const struct wisfw_hal *h = c->hal;
	size_t n = v[2].b.len;
	if (!h->spi || !h->gpio)
		return wisfw_d_unsupported(c, "SPI_XFER", h->spi ? "hal.gpio" : "hal.spi");
	uint8_t st = take_pins(c);
	if (st != WIS_ST_OK)
		return st;
	if (!wis_wr_need(out, n))
		return WIS_ST_TOO_BIG;
	if ((st = h->spi->configure(h->ctx, (uint32_t)v[0].u, (uint8_t)v[1].u)) != WIS_ST_OK) {
		wisfw_d_str(c, "SPI_XFER: the SPIM refused the clock or mode");
		return st;
	}
	h->gpio->write(h->ctx, PIN_CS, 0);
	st = h->spi->transfer(h->ctx, v[2].b.p, out->p + out->len, n);
	h->gpio->write(h->ctx, PIN_CS, 1);
	if (st != WIS_ST_OK) {
		wisfw_d_str(c, "SPI_XFER: transfer failed");
		return st;
	}
	out->len += n;
	return WIS_ST_OK;
}

static const struct wisfw_op_handler spi_ops[] = {
    {WIS_OP_SPI_XFER, h_xfer},
};

const struct wisfw_subsys wisfw_spi_subsys = {
    .name = "spi",
    .ops = spi_ops,
    .nops = sizeof spi_ops / sizeof spi_ops[0],
};

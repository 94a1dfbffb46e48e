/*
 * The RADIO subsystem's side of the hardware (radio.c has the opcodes):
 * struct sx126x_io on the HAL (hal.radio_spi, the radio pins through
 * hal.gpio, the timebase's clock and short delay), driver errors as
 * statuses with their text, and the RX and RX-error events built from
 * what the chip received.
 */
#include <string.h>

#include "core_priv.h"

/* Pins inside the RAK4630 (shared/hardware.md). */
#define PIN_ANT WIS_NRF(1, 5)
#define PIN_NRESET WIS_NRF(1, 6)
#define PIN_NSS WIS_NRF(1, 10)
#define PIN_BUSY WIS_NRF(1, 14)
#define PIN_DIO1 WIS_NRF(1, 15)
#define RADIO_SPI_HZ 8000000u
/* ---- sx126x_io on the HAL ---- */

static int io_spi(void *ctx, const uint8_t *tx, uint8_t *rx, size_t n)
{
	struct wisfw_core *c = ctx;
	const struct wisfw_hal *h = c->hal;
	h->gpio->write(h->ctx, PIN_NSS, 0);
	uint8_t st = h->radio_spi->transfer(h->ctx, tx, rx, n);
	h->gpio->write(h->ctx, PIN_NSS, 1);
	return st == WIS_ST_OK ? (int)n : -1;
}

static bool io_busy(void *ctx)
{
	struct wisfw_core *c = ctx;
	return c->hal->gpio->read(c->hal->ctx, PIN_BUSY) != 0;
}

static bool io_dio1(void *ctx)
{
	struct wisfw_core *c = ctx;
	return c->hal->gpio->read(c->hal->ctx, PIN_DIO1) != 0;
}

static void io_nreset(void *ctx, bool level)
{
	struct wisfw_core *c = ctx;
	c->hal->gpio->write(c->hal->ctx, PIN_NRESET, level);
}

static void io_ant(void *ctx, bool on)
{
	struct wisfw_core *c = ctx;
	c->hal->gpio->write(c->hal->ctx, PIN_ANT, on);
}

static uint64_t io_now(void *ctx)
{
	struct wisfw_core *c = ctx;
	return c->hal->time->now_us(c->hal->ctx);
}

static void io_delay(void *ctx, uint32_t us)
{
	struct wisfw_core *c = ctx;
	c->hal->time->delay_us(c->hal->ctx, us);
}

/* Output pins get their level before they become outputs: no glitch on
 * NSS or NRESET. */
void wisfw_radio_pins_setup(struct wisfw_core *c)
{
	const struct wisfw_hal *h = c->hal;
	h->gpio->write(h->ctx, PIN_NSS, 1);
	h->gpio->config(h->ctx, PIN_NSS, WIS_GPIO_OUTPUT);
	h->gpio->write(h->ctx, PIN_NRESET, 1);
	h->gpio->config(h->ctx, PIN_NRESET, WIS_GPIO_OUTPUT);
	h->gpio->write(h->ctx, PIN_ANT, 0);
	h->gpio->config(h->ctx, PIN_ANT, WIS_GPIO_OUTPUT);
	h->gpio->config(h->ctx, PIN_BUSY, WIS_GPIO_INPUT);
	h->gpio->config(h->ctx, PIN_DIO1, WIS_GPIO_INPUT);
	h->radio_spi->configure(h->ctx, RADIO_SPI_HZ, 0);
}

void wisfw_radio_io_init(struct wisfw_core *c)
{
	struct wisfw_radio *r = &c->radio;
	r->io = (struct sx126x_io){.ctx = c,
	                           .spi = io_spi,
	                           .busy = io_busy,
	                           .dio1 = io_dio1,
	                           .nreset = io_nreset,
	                           .ant_power = io_ant,
	                           .now_us = io_now,
	                           .delay_us = io_delay};
	sx126x_init(&r->dev, &r->io);
}

/* ---- helpers ---- */

/* NOT_SUPPORTED naming the hook a port lacks, or OK. */
uint8_t wisfw_radio_need_hal(struct wisfw_core *c, const char *op)
{
	const struct wisfw_hal *h = c->hal;
	if (!h->radio_spi)
		return wisfw_d_unsupported(c, op, "hal.radio_spi");
	if (!h->gpio)
		return wisfw_d_unsupported(c, op, "hal.gpio");
	if (!h->time->delay_us)
		return wisfw_d_unsupported(c, op, "timebase.delay_us");
	return WIS_ST_OK;
}

/* A driver error as a status with its text: "SX1262: <what> (<op>)". */
uint8_t wisfw_radio_fail(struct wisfw_core *c, const char *op, int err)
{
	wisfw_d_str(c, op);
	wisfw_d_str(c, ": SX1262 ");
	wisfw_d_str(c, sx126x_strerror(err));
	if (err == SX126X_E_DEVICE) {
		wisfw_d_str(c, ", device errors 0x");
		wisfw_d_hex16(c, c->radio.dev.dev_errors);
	}
	if (err == SX126X_E_BUSY)
		return WIS_ST_HW_TIMEOUT;
	return err == SX126X_E_PROBE ? WIS_ST_NOT_FITTED : WIS_ST_HW_ERROR;
}

void wisfw_radio_rx_error(struct wisfw_core *c, uint64_t t, uint8_t kind, int16_t rssi, int16_t snr)
{
	uint8_t b[5];
	struct wis_wr w = wis_wr_init(b, sizeof b);
	wis_wr_u8(&w, kind);
	wis_wr_u16(&w, (uint16_t)rssi);
	wis_wr_u16(&w, (uint16_t)snr);
	c->radio.rx_errors++;
	wisfw_event(c, WIS_EV_RADIO_RX_ERROR, t, b, (uint16_t)w.len);
}

/* RX event data: 17 bytes of metadata (ops.c ev_radio_rx), then the
 * payload. */
#define RX_META 17

void wisfw_radio_rx_done(struct wisfw_core *c, uint64_t t, bool crc_err)
{
	struct wisfw_radio *r = &c->radio;
	struct sx126x_rx_info in = {0};
	uint8_t b[RX_META + 255];
	int e = sx126x_read_packet(&r->dev, b + RX_META, 255, &in);
	if (e < 0 || crc_err) {
		wisfw_radio_rx_error(c, t, WIS_RADIO_ERR_CRC, in.rssi_dbm_x2, in.snr_db_x4);
		return;
	}
	struct wis_wr w = wis_wr_init(b, RX_META);
	wis_wr_u16(&w, (uint16_t)in.rssi_dbm_x2);
	wis_wr_u16(&w, (uint16_t)in.snr_db_x4);
	wis_wr_u16(&w, (uint16_t)in.signal_rssi_dbm_x2);
	wis_wr_u32(&w, r->dev.cfg.freq_hz);
	wis_wr_u8(&w, r->dev.cfg.sf);
	wis_wr_u32(&w, r->dev.cfg.bw_hz);
	wis_wr_u8(&w, r->dev.cfg.cr);
	wis_wr_u8(&w, r->dev.cfg.crc);
	r->rx_packets++;
	wisfw_event(c, WIS_EV_RADIO_RX, t, b, (uint16_t)(RX_META + in.len));
}

/*
 * simhal's SX1262 (see simhal_radio.h): the radio SPIM and the radio pins
 * of struct wisfw_hal, joined to the command-level chip model so that the
 * unchanged driver in firmware/drivers talks to it command by command.
 * An SPI transfer is one NSS-low frame for the model; the core frames it
 * with gpio writes to NSS, so a transfer with NSS high is a port bug: it
 * reaches nothing, reads 0xFF (MISO pulled up) and is counted.
 */
#include <string.h>

#include "simhal.h"
#include "simhal_radio.h"

#define PIN_ANT WIS_NRF(1, 5)
#define PIN_NRESET WIS_NRF(1, 6)
#define PIN_NSS WIS_NRF(1, 10)
#define PIN_BUSY WIS_NRF(1, 14)
#define PIN_DIO1 WIS_NRF(1, 15)

int simhal_radio_attach(struct simhal *s, struct simhal_radio *r, struct radio_medium *md,
                        const struct radio_medium_cfg *own)
{
	struct sx126x_model_cfg mc = {.tcxo_mv = 1800};
	memset(r, 0, sizeof *r);
	if (!md) {
		struct radio_medium_cfg cfg;
		radio_medium_default_cfg(&cfg);
		radio_medium_init(&r->own, own ? own : &cfg);
		md = &r->own;
	}
	r->md = md;
	sx126x_model_init(&r->chip, &mc);
	r->node = radio_medium_attach(md, &r->chip);
	if (r->node < 0)
		return -1;
	/* The medium's clock starts at simhal's: no catch-up from zero. */
	if (md->now < simhal_now(s))
		radio_medium_advance(md, simhal_now(s));
	s->radio = r;
	s->board.caps |= WIS_CAP_RADIO;
	/* On the real clock a BUSY wait can straddle the process being
	 * descheduled (a loaded machine): the chip model was not stuck. */
	if (!s->manual_clock)
		s->board.radio_busy_timeout_us = 500000;
	s->hal.radio_spi = &s->radio_spi;
	return 0;
}

void simhal_radio_sync(struct simhal *s)
{
	uint64_t now = simhal_now(s);
	if (s->radio && now > s->radio->md->now)
		radio_medium_advance(s->radio->md, now);
}

bool simhal_radio_write(struct simhal *s, uint8_t nrf, uint8_t level)
{
	struct simhal_radio *r = s->radio;
	if (!r)
		return false;
	switch (nrf) {
	case PIN_NSS:
		r->nss_low = !level;
		return true;
	case PIN_NRESET:
		simhal_radio_sync(s);
		sx126x_model_nreset(&r->chip, level != 0);
		return true;
	case PIN_ANT:
		r->ant = level != 0;
		return true;
	default:
		return false;
	}
}

bool simhal_radio_read(struct simhal *s, uint8_t nrf, uint8_t *level)
{
	struct simhal_radio *r = s->radio;
	if (!r || (nrf != PIN_BUSY && nrf != PIN_DIO1))
		return false;
	simhal_radio_sync(s);
	*level = nrf == PIN_BUSY ? sx126x_model_busy(&r->chip) : sx126x_model_dio1(&r->chip);
	return true;
}

uint8_t simhal_radio_spi(struct simhal *s, const uint8_t *tx, uint8_t *rx, size_t n)
{
	struct simhal_radio *r = s->radio;
	if (!r)
		return WIS_ST_NOT_SUPPORTED;
	if (!r->nss_low) {
		memset(rx, 0xFF, n);
		r->stray++;
		return WIS_ST_OK;
	}
	simhal_radio_sync(s);
	sx126x_model_spi(&r->chip, tx, rx, n);
	return WIS_ST_OK;
}

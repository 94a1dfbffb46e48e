/*
 * The simulated SX1262 behind simhal: a command-level chip model
 * (sx126x_model.h) on the radio's SPI and pins (NSS P1.10, BUSY P1.14,
 * DIO1 P1.15, NRESET P1.06, antenna power P1.05), on a radio medium that
 * is either its own (wisrpc-sim, joined to other processes through
 * radio_medium_sock) or shared by several simhals (in-process tests).
 * The medium's clock follows simhal's: every hook first runs the air up to
 * simhal_now().
 */
#ifndef WISFW_SIMHAL_RADIO_H
#define WISFW_SIMHAL_RADIO_H

#include <stdbool.h>
#include <stdint.h>

#include "radio_medium.h"
#include "sx126x_model.h"

struct simhal;

struct simhal_radio {
	struct sx126x_model chip;
	struct radio_medium *md; /* the air this chip is on                  */
	struct radio_medium own; /* used when no shared medium was given     */
	int node;                /* the chip's node id on md                 */
	bool nss_low;            /* NSS pin level (a transfer needs it low)  */
	bool ant;                /* antenna switch power                     */
	uint32_t stray;          /* transfers made with NSS high (lost)      */
};

/* Puts r (1.8 V TCXO, as the RAK4631) behind s's radio hooks, on md
 * (NULL: r's own medium, with settings own, NULL for the defaults).
 * Advertises WIS_CAP_RADIO.  0, or -1 when md has no room for another
 * node. */
int simhal_radio_attach(struct simhal *s, struct simhal_radio *r, struct radio_medium *md,
                        const struct radio_medium_cfg *own);
/* Runs the medium up to simhal's now. */
void simhal_radio_sync(struct simhal *s);
/* Radio pins: true if nrf is one (the level is then handled here). */
bool simhal_radio_write(struct simhal *s, uint8_t nrf, uint8_t level);
bool simhal_radio_read(struct simhal *s, uint8_t nrf, uint8_t *level);
/* One NSS-framed transfer into the chip (the radio SPIM's transfer). */
uint8_t simhal_radio_spi(struct simhal *s, const uint8_t *tx, uint8_t *rx, size_t n);

#endif

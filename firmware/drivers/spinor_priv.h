/*
 * Internals shared by the two halves of the SPI NOR driver (spinor.c:
 * transfers, program/erase, power; spinor_probe.c: ID, SFDP, known parts).
 */
#ifndef WIS_SPINOR_PRIV_H
#define WIS_SPINOR_PRIV_H

#include "spinor.h"

int spinor_xfer(struct spinor *d, const uint8_t *tx, size_t ntx, uint8_t *rx, size_t nrx);
int spinor_cmd1(struct spinor *d, uint8_t op);
void spinor_put_addr(uint8_t *p, uint8_t op, uint32_t addr);

#endif

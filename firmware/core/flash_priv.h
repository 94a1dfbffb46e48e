/*
 * Between the FLASH subsystem's handlers (flash.c) and its stores
 * (flash_store.c): find the store, read, start a program or erase, drive
 * it from the poll hook.  Addresses are offsets in the store in use.
 */
#ifndef WISFW_FLASH_PRIV_H
#define WISFW_FLASH_PRIV_H

#include "core_priv.h"

/* Probes on first use (or after a pin was taken away); OK or a status
 * with its detail. */
uint8_t wisfw_flash_ready(struct wisfw_core *c);
/* Module reset: probe again next time, no operation running. */
void wisfw_flash_forget(struct wisfw_core *c);
uint8_t wisfw_flash_nor_status(struct wisfw_core *c, int spinor_result);
uint8_t wisfw_flash_read(struct wisfw_core *c, uint32_t addr, uint8_t *buf, size_t n);
/* p must stay valid until the step is done. */
uint8_t wisfw_flash_erase_start(struct wisfw_core *c, uint32_t addr, uint32_t len);
uint8_t wisfw_flash_program_start(struct wisfw_core *c, uint32_t addr, const uint8_t *p,
                                  uint32_t n);
uint8_t wisfw_flash_store_poll(struct wisfw_core *c);
bool wisfw_flash_store_busy(const struct wisfw_core *c);

#endif

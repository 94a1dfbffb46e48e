/*
 * State of the FLASH subsystem (firmware/core/flash.c), kept inside
 * struct wisfw_core like every subsystem's: which store is in use (the
 * external SPI NOR chip through firmware/drivers/spinor, or the fallback
 * pages of the nRF52840's own flash), the one long operation that may
 * be running (a write, an erase or a verify answered later), and the one
 * request that may wait behind it (a write behind a write, a stream
 * behind a stream).
 */
#ifndef WISFW_FLASH_STATE_H
#define WISFW_FLASH_STATE_H

#include <stdbool.h>
#include <stdint.h>

#include "spinor.h"
#include "wisrpc/protocol.h"

/* The fallback store: whole 4 KiB pages of the nRF52840's flash between
 * the end RAK builds allow the application (0xEA000) and the bootloader
 * (0xF4000), hardware.md "Flash map".  The first two pages stay free for
 * settings; the store is the eight above them. */
#define WISFW_IFLASH_STORE_BASE 0xEC000u
#define WISFW_IFLASH_STORE_SIZE 0x8000u
/* Largest erase unit handled by erase-before-write (a 4 KiB sector or an
 * nRF52840 page). */
#define WISFW_FLASH_UNIT_MAX 4096u

enum wisfw_flash_store {
	WISFW_FLASH_UNPROBED = 0,
	WISFW_FLASH_EXTERNAL,
	WISFW_FLASH_INTERNAL,
	WISFW_FLASH_NONE, /* no chip and no hal.iflash */
};

struct wisfw_flash {
	uint8_t store; /* enum wisfw_flash_store */
	struct spinor nor;
	struct spinor_io io;
	uint32_t size, unit, page;

	/* The running operation: opcode 0 = none. */
	uint16_t op;
	int ticket;
	uint8_t phase; /* flash.c's enum phase */
	uint8_t flags;
	uint8_t need_erase; /* bit per touched unit (write) */
	bool hot;           /* the last turn made progress: poll again at once */
	uint32_t addr, len, pos;
	uint32_t crc;
	/* A FLASH_STREAM kept behind the running one (ticket -1: none), so a
	 * host reading a long range in segments keeps the link busy. */
	int next_ticket;
	uint32_t next_addr, next_len;
	/* A FLASH_WRITE kept behind the running one (ticket -1: none), so the
	 * chip programs while the host sends the next: its data is copied in
	 * at arrival, its erase check made when it starts. */
	int wq_ticket;
	uint32_t wq_addr, wq_len;
	bool wq_erase;
	uint8_t wq_data[WIS_FLASH_WRITE_MAX];
	/* The internal store's step in progress (one page or 1 KiB per poll). */
	uint8_t i_op;
	uint32_t i_addr, i_left;
	const uint8_t *i_src;
	uint8_t data[WIS_FLASH_WRITE_MAX];
	uint8_t unitbuf[WISFW_FLASH_UNIT_MAX];
};

#endif

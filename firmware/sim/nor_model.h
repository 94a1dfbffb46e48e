/*
 * Command-level model of an ISSI IS25LP080D SPI NOR flash (1 MiB, JEDEC ID
 * 9D 60 14) for wisrpc-sim and the flash tests: it sees what the chip sees
 * (CS edges, bytes in) and answers what the chip answers (bytes out).
 *
 * Enforced (docs/flash.md lists each rule with its datasheet section):
 * program only clears bits, 256-byte page wrap, erase to 0xFF on aligned
 * units, WEL required and cleared after every program/erase/WRSR, commands
 * with the wrong length ignored, nothing but RDSR (and reset) while WIP=1,
 * nothing but RDP in deep power-down, tDP/tRES1/reset recovery, BP-bit
 * protection, SFDP per JESD216B.  Time only moves when the caller says so.
 */
#ifndef WIS_NOR_MODEL_H
#define WIS_NOR_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NOR_MODEL_SIZE (1u << 20)
#define NOR_MODEL_PAGE 256u
#define NOR_MODEL_SECTOR 4096u
#define NOR_MODEL_SECTORS (NOR_MODEL_SIZE / NOR_MODEL_SECTOR)
#define NOR_MODEL_SFDP_SIZE 0x70u

/* "Not fitted": nothing drives MISO, which reads as its pull level. */
enum nor_model_presence { NOR_MODEL_FITTED = 0, NOR_MODEL_ABSENT_FF, NOR_MODEL_ABSENT_00 };

/* Busy times (us).  Defaults: the datasheet's typical values. */
struct nor_model_timing {
	uint32_t pp_us, se_us, be32_us, be64_us, ce_us, wrsr_us;
	uint32_t dp_us, res_us, rst_us; /* tDP, tRES1, reset recovery */
};

struct nor_model {
	enum nor_model_presence presence;
	struct nor_model_timing t;
	uint8_t *mem;
	uint32_t wear[NOR_MODEL_SECTORS]; /* erase count per 4 KiB sector */
	uint8_t sfdp[NOR_MODEL_SFDP_SIZE];
	uint8_t jedec[3]; /* RDID answer; tests may pose as another part */
	int fd;           /* backing image or -1 */
	uint64_t now;

	/* Chip state. */
	uint8_t sr;       /* SRWD QE BP3..BP0 WEL; WIP lives in busy */
	bool busy, stuck; /* stuck: WIP never clears (test hook) */
	uint64_t busy_until;
	bool dpd;          /* in (or entering) deep power-down */
	uint64_t dpd_at;   /* DPD reached at; commands before are ignored */
	uint64_t ready_at; /* ignore commands until (tRES1, reset) */
	bool rst_enabled;  /* last command was 0x66 */

	/* The transaction in progress. */
	bool selected, ignored;
	uint8_t op;
	uint32_t n, addr; /* bytes so far (opcode included), address */
	uint8_t page[NOR_MODEL_PAGE];
	bool page_set[NOR_MODEL_PAGE];
	uint8_t wrsr_val;

	/* Counters for tests and the simulator's status. */
	uint32_t n_ignored, io_errors;
};

void nor_model_timing_default(struct nor_model_timing *t);

/* image: NULL for RAM only, else a file kept in step with the array
 * (created 0xFF-filled; an existing file must be exactly 1 MiB).
 * Returns 0, or -1 with errno set. */
int nor_model_init(struct nor_model *m, enum nor_model_presence presence, const char *image);
void nor_model_fini(struct nor_model *m);

/* The clock: absolute time in us; it never goes back. */
void nor_model_set_time(struct nor_model *m, uint64_t now_us);
void nor_model_advance(struct nor_model *m, uint64_t us);

/* The bus: CS low (select) / high (deselect), one byte each way. */
void nor_model_select(struct nor_model *m);
void nor_model_deselect(struct nor_model *m);
uint8_t nor_model_byte(struct nor_model *m, uint8_t mosi);
/* n bytes at once, exactly as n nor_model_byte calls (tx NULL sends 0xFF,
 * rx NULL discards); a READ's data phase is served as one copy. */
void nor_model_bytes(struct nor_model *m, const uint8_t *tx, uint8_t *rx, size_t n);
/* One whole transaction: select, ntx bytes out, nrx bytes in, deselect. */
void nor_model_xfer(struct nor_model *m, const uint8_t *tx, size_t ntx, uint8_t *rx, size_t nrx);

/* Inspection and test hooks (not part of the chip). */
uint8_t nor_model_status(struct nor_model *m);
const uint8_t *nor_model_mem(const struct nor_model *m);
void nor_model_set_stuck(struct nor_model *m, bool stuck);

#endif

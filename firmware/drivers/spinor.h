/*
 * SPI NOR flash driver: JEDEC ID and SFDP probe, read, page program, erase,
 * write protection and deep power-down for a 3-byte-address serial NOR chip
 * (the RAK4631's optional ISSI IS25LP080D, or any JESD216 part).
 *
 * Freestanding: no malloc, no stdio, no OS.  The board port supplies a
 * struct spinor_io (one SPI transaction with CS held, a microsecond clock,
 * a short delay).  Program and erase are non-blocking state machines: start
 * them, then call spinor_poll() from the main loop until it stops returning
 * SPINOR_BUSY.  Every wait is bounded by the datasheet's maximum time for the
 * operation (docs/flash.md), so a stuck chip gives SPINOR_E_TIMEOUT, never a
 * hang.
 */
#ifndef WIS_SPINOR_H
#define WIS_SPINOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Results: 0 done, SPINOR_BUSY "poll again", negative errors. */
enum spinor_status {
	SPINOR_OK = 0,
	SPINOR_BUSY = 1,
	SPINOR_E_IO = -1,          /* the port's transaction failed */
	SPINOR_E_NOT_FITTED = -2,  /* JEDEC ID all 0x00 or all 0xFF: no chip */
	SPINOR_E_UNKNOWN = -3,     /* no SFDP, unknown ID, no usable capacity code */
	SPINOR_E_TIMEOUT = -4,     /* WIP still set after the datasheet maximum */
	SPINOR_E_ALIGN = -5,       /* erase range not on erase-unit boundaries */
	SPINOR_E_RANGE = -6,       /* offset/length outside the chip */
	SPINOR_E_PROTECTED = -7,   /* status-register BP bits protect the range */
	SPINOR_E_ASLEEP = -8,      /* in deep power-down: call spinor_wake() */
	SPINOR_E_STATE = -9,       /* another program/erase is still running */
	SPINOR_E_WEL = -10,        /* write enable did not latch */
	SPINOR_E_REJECTED = -11,   /* chip finished without clearing WEL: ignored */
	SPINOR_E_NOT_PROBED = -12, /* spinor_probe() has not succeeded */
	SPINOR_E_INVAL = -13,      /* bad argument */
};

/* What the board port provides. */
struct spinor_io {
	void *ctx;
	/* CS low, send ntx bytes, then clock in nrx bytes, CS high. 0 = ok. */
	int (*xfer)(void *ctx, const uint8_t *tx, size_t ntx, uint8_t *rx, size_t nrx);
	/* Free-running microsecond clock (wraps at 2^32: ~71 min). */
	uint32_t (*now_us)(void *ctx);
	/* Wait at least us microseconds; only used for waits of <= 100 us
	 * (tDP, tRES1, reset recovery). */
	void (*delay_us)(void *ctx, uint32_t us);
};

#define SPINOR_MAX_ERASE_TYPES 4

/* Block-protection decoding: which range the status register's BP bits
 * cover.  Vendor specific, so only known parts get a range; an unknown part
 * with any BP bit set is treated as fully protected. */
enum spinor_bp_scheme {
	SPINOR_BP_UNKNOWN = 0,
	SPINOR_BP_ISSI_TOP, /* BP3..BP0 = SR[5:2], 64 KiB blocks from the top */
};

/* Where the geometry came from. */
enum spinor_source {
	SPINOR_SRC_NONE = 0,
	SPINOR_SRC_SFDP,     /* JESD216 Basic Flash Parameter Table */
	SPINOR_SRC_TABLE,    /* known-parts table, matched by JEDEC ID */
	SPINOR_SRC_CAPACITY, /* generic: JEDEC capacity byte, 4K/64K erase */
};

struct spinor_info {
	uint8_t jedec[3]; /* manufacturer, memory type, capacity */
	const char *name; /* known part name, or "unknown" */
	enum spinor_source source;
	uint32_t size;      /* bytes */
	uint32_t page_size; /* program buffer, bytes */
	uint8_t n_erase;    /* erase types, smallest first */
	uint32_t erase_size[SPINOR_MAX_ERASE_TYPES];
	uint8_t erase_op[SPINOR_MAX_ERASE_TYPES];
	/* Maximum times (us): the wait bounds. */
	uint32_t erase_max_us[SPINOR_MAX_ERASE_TYPES];
	uint32_t pp_max_us, ce_max_us, wrsr_max_us;
	uint32_t dp_us, res_us, rst_us; /* tDP, tRES1, reset recovery */
	enum spinor_bp_scheme bp_scheme;
	uint8_t sfdp_major, sfdp_minor; /* 0 when no SFDP */
};

enum spinor_op { SPINOR_OP_NONE = 0, SPINOR_OP_WRITE, SPINOR_OP_ERASE, SPINOR_OP_WRSR };

struct spinor {
	const struct spinor_io *io;
	struct spinor_info info;
	bool probed, asleep;
	/* The running program/erase (one at a time). */
	enum spinor_op op;
	bool step_running;    /* a command was issued, WIP not yet seen clear */
	uint32_t addr, left;  /* next address, bytes still to do */
	uint32_t step_len;    /* bytes covered by the running command */
	uint32_t step_polls;  /* spinor_wait() polls of the running command */
	const uint8_t *src;   /* WRITE: caller's buffer, valid until done */
	uint32_t step_start;  /* now_us when the current command was issued */
	uint32_t step_max_us; /* its datasheet maximum */
};

void spinor_init(struct spinor *d, const struct spinor_io *io);

/* Release from deep power-down (harmless if awake), read the JEDEC ID,
 * then SFDP, else the known-parts table, else the capacity byte. */
int spinor_probe(struct spinor *d);
int spinor_read_id(struct spinor *d, uint8_t id[3]);

int spinor_read(struct spinor *d, uint32_t addr, void *buf, size_t len);
int spinor_read_status(struct spinor *d, uint8_t *sr);

/* Non-blocking program/erase; spinor_poll() drives them to completion. */
int spinor_write_start(struct spinor *d, uint32_t addr, const void *buf, size_t len);
int spinor_erase_start(struct spinor *d, uint32_t addr, uint32_t len);
int spinor_chip_erase_start(struct spinor *d);
int spinor_poll(struct spinor *d);
bool spinor_busy(const struct spinor *d);

/* Blocking wrappers (tests, boot): start, then poll with delay_us. */
int spinor_write(struct spinor *d, uint32_t addr, const void *buf, size_t len);
int spinor_erase(struct spinor *d, uint32_t addr, uint32_t len);
int spinor_wait(struct spinor *d);

/* Write protection: BP bits of the status register. */
int spinor_set_bp(struct spinor *d, uint8_t bp);
int spinor_protected_range(struct spinor *d, uint32_t *start, uint32_t *len);

/* Deep power-down (0xB9) and release (0xAB), honouring tDP and tRES1. */
int spinor_sleep(struct spinor *d);
int spinor_wake(struct spinor *d);
/* Software reset (0x66 then 0x99): aborts a running operation. */
int spinor_reset(struct spinor *d);

const char *spinor_strerror(int status);

/* JEDEC opcodes used here (hardware.md "SPI NOR command set"). */
enum {
	SPINOR_CMD_WRSR = 0x01,
	SPINOR_CMD_PP = 0x02,
	SPINOR_CMD_READ = 0x03,
	SPINOR_CMD_WRDI = 0x04,
	SPINOR_CMD_RDSR = 0x05,
	SPINOR_CMD_WREN = 0x06,
	SPINOR_CMD_FAST_READ = 0x0B,
	SPINOR_CMD_SE = 0x20,
	SPINOR_CMD_BE32 = 0x52,
	SPINOR_CMD_SFDP = 0x5A,
	SPINOR_CMD_CE = 0xC7,
	SPINOR_CMD_CE2 = 0x60,
	SPINOR_CMD_RSTEN = 0x66,
	SPINOR_CMD_RST = 0x99,
	SPINOR_CMD_RDID = 0x9F,
	SPINOR_CMD_RDP = 0xAB,
	SPINOR_CMD_DP = 0xB9,
	SPINOR_CMD_BE64 = 0xD8,
};

#define SPINOR_SR_WIP 0x01
#define SPINOR_SR_WEL 0x02
#define SPINOR_SR_BP_MASK 0x3C /* BP3..BP0 on ISSI; BP2..BP0 (+TB) elsewhere */
#define SPINOR_SR_BP_SHIFT 2

#endif

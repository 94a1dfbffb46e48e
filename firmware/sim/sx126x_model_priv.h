/*
 * Internals shared by the two halves of the SX1262 model: sx126x_model.c
 * (state, timing, operations, reception, the SPI entry point) and
 * sx126x_model_cmds.c (the command table and its handlers).  Not for
 * users of the model: they include sx126x_model.h.
 */
#ifndef WIS_SX126X_MODEL_PRIV_H
#define WIS_SX126X_MODEL_PRIV_H

#include "sx126x_model.h"

/* BUSY durations in us (model values; docs/radio.md says where each comes
 * from): reset and full calibration ~3.5 ms (DS 8.1, DS 13.1.12), wake-up
 * from sleep ~340 us warm / ~3.5 ms cold (DS 13.1.1; the cold 3.5 ms is
 * also what Mbed OS's components/lora/COMPONENT_SX126X/SleepMode.txt gives;
 * NRESET low "typically 100us", DS rev 2.2 8.1), transitions from
 * STDBY_RC to FS/RX/TX of the order of 50/83/126 us (DS 8, switching
 * times).  Plain commands: a few us (no DS figure; > 0 so that a driver
 * which ignores BUSY is caught). */
enum {
	TIME_POR = 3500,
	TIME_CALIB = 3500,
	TIME_IMAGE = 1000,
	TIME_WAKE_WARM = 340,
	TIME_WAKE_COLD = 3500,
	TIME_SLEEP_GUARD = 500, /* DS 13.1.1: no NSS edge for 500 us */
	TIME_XOSC = 40,
	TIME_FS = 50,
	TIME_RX = 83,
	TIME_TX = 126,
	TIME_CMD = 5,
};

/* Command status (DS Table 13-76, bits 3:1). */
enum { CS_OK = 0, CS_DATA = 2, CS_TIMEOUT = 3, CS_ERROR = 4, CS_FAIL = 5, CS_TX_DONE = 6 };

/* IRQ bits (DS Table 13-29). */
enum {
	I_TX_DONE = 1 << 0,
	I_RX_DONE = 1 << 1,
	I_PREAMBLE = 1 << 2,
	I_SYNC = 1 << 3,
	I_HEADER = 1 << 4,
	I_CRC = 1 << 6,
	I_CAD_DONE = 1 << 7,
	I_CAD_DET = 1 << 8,
	I_TIMEOUT = 1 << 9,
};

#define E_XOSC_START (1u << 5) /* DS Table 13-85 OpError bit 5 */

/* Mode sets of the command table. */
#define RC (1u << SXM_STDBY_RC)
#define XO (1u << SXM_STDBY_XOSC)
#define STBY (RC | XO)
#define CFG (STBY | (1u << SXM_FS))
#define ANY (CFG | (1u << SXM_TX) | (1u << SXM_RX) | (1u << SXM_CAD))

#define SXM_STEP_US 15.625 /* DS 13.1.4: timer step = 1/64 ms */

typedef int (*sxm_handler)(struct sx126x_model *m, uint8_t op, const uint8_t *p, size_t n,
                           uint8_t *rx);

/* One row of DS 11 Table 11-1: len counts the parameter bytes the command
 * needs at least (reads: address/offset and the status NOP); modes is the
 * set of chip modes that accept it. */
struct sxm_cmd {
	uint8_t op, len;
	bool read;
	uint16_t modes;
	sxm_handler fn;
};

const struct sxm_cmd *sxm_find_cmd(uint8_t op);
int sxm_need_xosc(struct sx126x_model *m);
uint64_t sxm_osc_delay(const struct sx126x_model *m);
void sxm_clear_op(struct sx126x_model *m);
int sxm_op_tx(struct sx126x_model *m, const uint8_t *p);
int sxm_op_rx(struct sx126x_model *m, const uint8_t *p);
int sxm_op_cad(struct sx126x_model *m, const uint8_t *p);

#endif

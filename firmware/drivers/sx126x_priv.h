/*
 * Internals shared by the halves of the SX1262 driver: sx126x.c (SPI
 * transport, BUSY handshake, reset, setup, sleep, IRQs, poll) and
 * sx126x_lora.c (LoRa settings, time on air, TX/RX/CAD).  Users include
 * sx126x.h only.
 */
#ifndef WIS_SX126X_PRIV_H
#define WIS_SX126X_PRIV_H

#include "sx126x.h"

/* DS 13 (Table 11-1 "Commands"): opcodes.  Checked 2026-11-30 against two
 * independent drivers: every value here equals RadioLib's
 * src/modules/SX126x/SX126x_commands.h (jgromes/RadioLib) and LMiC's
 * lmic/radio_sx126x.h (dudmuck/LMiC). */
enum {
	OP_SET_SLEEP = 0x84,
	OP_SET_STANDBY = 0x80,
	OP_SET_TX = 0x83,
	OP_SET_RX = 0x82,
	OP_SET_CAD = 0xC5,
	OP_SET_REGULATOR = 0x96,
	OP_CALIBRATE = 0x89,
	OP_CALIBRATE_IMAGE = 0x98,
	OP_SET_PA_CONFIG = 0x95,
	OP_WRITE_REGISTER = 0x0D,
	OP_READ_REGISTER = 0x1D,
	OP_WRITE_BUFFER = 0x0E,
	OP_READ_BUFFER = 0x1E,
	OP_SET_DIO_IRQ = 0x08,
	OP_GET_IRQ_STATUS = 0x12,
	OP_CLEAR_IRQ = 0x02,
	OP_SET_DIO2_RF_SWITCH = 0x9D,
	OP_SET_DIO3_TCXO = 0x97,
	OP_SET_RF_FREQUENCY = 0x86,
	OP_SET_PACKET_TYPE = 0x8A,
	OP_SET_TX_PARAMS = 0x8E,
	OP_SET_MODULATION = 0x8B,
	OP_SET_PACKET_PARAMS = 0x8C,
	OP_SET_CAD_PARAMS = 0x88,
	OP_SET_BUFFER_BASE = 0x8F,
	OP_SET_SYMB_TIMEOUT = 0xA0,
	OP_GET_STATUS = 0xC0,
	OP_GET_RX_BUFFER_STATUS = 0x13,
	OP_GET_PACKET_STATUS = 0x14,
	OP_GET_DEVICE_ERRORS = 0x17,
	OP_CLEAR_DEVICE_ERRORS = 0x07,
	OP_SET_FALLBACK = 0x93,
};

/* DS Table 12-1 register addresses. */
enum {
	REG_IQ_POLARITY = 0x0736,   /* DS 15.4: bit 2                          */
	REG_SYNC_WORD = 0x0740,     /* MSB; LSB at 0x0741                      */
	REG_TX_MODULATION = 0x0889, /* DS 15.1: bit 2                        */
	REG_RX_GAIN = 0x08AC,
	REG_TX_CLAMP = 0x08D8, /* DS 15.2: bits 4:1                       */
	REG_OCP = 0x08E7,      /* 2.5 mA steps (DS 13.1.14)               */
};

/* DS Table 13-29 IRQ bits. */
enum {
	IRQ_TX_DONE = 1u << 0,
	IRQ_RX_DONE = 1u << 1,
	IRQ_PREAMBLE = 1u << 2,
	IRQ_HEADER_ERR = 1u << 5,
	IRQ_CRC_ERR = 1u << 6,
	IRQ_CAD_DONE = 1u << 7,
	IRQ_CAD_DETECTED = 1u << 8,
	IRQ_TIMEOUT = 1u << 9,
	IRQ_USED = IRQ_TX_DONE | IRQ_RX_DONE | IRQ_HEADER_ERR | IRQ_CRC_ERR | IRQ_CAD_DONE |
	           IRQ_CAD_DETECTED | IRQ_TIMEOUT,
};

#define NOP 0x00
#define RESET_PULSE_US 200 /* DS 8.1: NRESET low for more than 100 us   */
#define SLEEP_GUARD_US 500 /* DS 13.1.1: 500 us after SetSleep          */
#define TIMEOUT_CONTINUOUS 0xFFFFFFu

int sx__wait_ready(struct sx126x *dev);
int sx__xfer(struct sx126x *dev, const uint8_t *tx, uint8_t *rx, size_t n);
int sx__cmd(struct sx126x *dev, uint8_t op, const uint8_t *p, size_t n);
int sx__cmd_read(struct sx126x *dev, uint8_t op, uint8_t *out, size_t n);
int sx__check_status(struct sx126x *dev);
int sx__cmdc(struct sx126x *dev, uint8_t op, const uint8_t *p, size_t n);
int sx__write_reg(struct sx126x *dev, uint16_t addr, uint8_t v);
int sx__read_reg(struct sx126x *dev, uint16_t addr, uint8_t *v);
int sx__update_reg(struct sx126x *dev, uint16_t addr, uint8_t clear, uint8_t set);

#endif

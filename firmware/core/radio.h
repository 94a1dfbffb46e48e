/*
 * State of the RADIO subsystem (firmware/core/radio.c): the SX1262 driver
 * instance, the port hooks adapted to it, and the operation in progress.
 * Kept in struct wisfw_core like every subsystem's state (static memory).
 */
#ifndef WISFW_RADIO_H
#define WISFW_RADIO_H

#include <stdbool.h>
#include <stdint.h>

#include "sx126x.h"

/* What the radio is doing for the host. */
enum wisfw_radio_op {
	WISFW_RADIO_IDLE = 0,
	WISFW_RADIO_TX_WAIT, /* SEND_AT: payload kept until its SetTx time */
	WISFW_RADIO_TX,      /* SetTx sent, waiting for TxDone             */
	WISFW_RADIO_CAD,     /* SetCad sent, waiting for CadDone           */
};

/* Sends that arrive while the radio is busy wait their turn (so clients
 * sharing the module are served one packet after another): as many as the
 * window leaves (one slot is the send on air), so a host that keeps to the
 * window never gets BUSY for a send.  15 x 264 bytes of RAM. */
#define WISFW_RADIO_TXQ 15

struct wisfw_radio_pkt {
	int ticket; /* the deferred SEND                     */
	uint32_t timeout_ms;
	uint8_t len;
	uint8_t buf[255];
};

struct wisfw_radio {
	struct sx126x dev;
	struct sx126x_io io;
	bool up;        /* probed and set up (TCXO, regulator, DIO2)     */
	bool receiving; /* the host asked for RX: resumed after TX/CAD   */
	bool rx_single; /* that RX ends after a packet or its timeout    */
	uint32_t rx_timeout_us;
	uint8_t op;      /* enum wisfw_radio_op                           */
	int ticket;      /* the deferred SEND/SEND_AT/CAD, -1 none        */
	uint64_t set_at; /* device time the TX/CAD command is (was) sent  */
	uint64_t due;    /* device time poll must next look at the radio  */
	uint32_t toa_us; /* computed time on air of the packet            */
	uint32_t timeout_us;
	uint32_t prep_us; /* payload transfer before SetTx, last measured  */
	uint8_t len;
	uint8_t buf[255];
	uint32_t tx_packets, rx_packets, rx_errors;
	struct wisfw_radio_pkt q[WISFW_RADIO_TXQ]; /* waiting sends, FIFO */
	uint8_t qhead, qn;
};

#endif

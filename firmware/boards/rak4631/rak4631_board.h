/*
 * RAK4631 board description shared by every port that runs as a RAK4631:
 * the nRF52840 port and wisrpc-sim.  Pure data, no hardware access.
 */
#ifndef WIS_RAK4631_BOARD_H
#define WIS_RAK4631_BOARD_H

#include <stddef.h>

#include "hal.h"

#define WIS_RAK4631_NAME "RAK4631"
#define WIS_RAK4631_VDD_MV 3300

/* nRF52840 pins wired inside the RAK4630 stamp (SX1262, antenna switch). */
const struct wisfw_reserved_pin *wisfw_rak4631_reserved(size_t *count);

/* Fills the board facts common to all RAK4631 ports (name, pins, reserved
 * pins, VDD); the port adds fw_version, caps and nfc_pins_gpio. */
void wisfw_rak4631_board(struct wisfw_board *b);

#endif

/*
 * A fake USB device controller for the host tests of firmware/usb: it
 * implements the port interface (usb_port.h) by recording what the stack
 * asks of the hardware, and plays the host's side of the bus (SETUP
 * packets, control transfers packet by packet, bulk OUT/IN with NAKs) by
 * queueing events that its poll hook delivers from wisusb_task(), as the
 * nRF52840 port does.  It also checks the stack's use of the port: one
 * packet per endpoint at a time, packet sizes within the endpoint's max.
 */
#ifndef FAKE_UDC_H
#define FAKE_UDC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define CHECK_EXTERN_FAILURES
#include "../check.h"

/* What the stack asked of the controller. */
struct fu_ep {
	bool open;
	uint8_t type;
	uint16_t mps;
	bool stalled;
	const uint8_t *wr; /* pending IN packet */
	size_t wr_len;
	bool wr_pending;
	uint8_t *rd; /* pending OUT buffer */
	size_t rd_cap;
	bool rd_pending;
	unsigned writes, reads, zlps;
};

struct fu_state {
	bool inited;
	int address; /* last set_address, -1 = none */
	unsigned set_address_calls;
	unsigned status_calls; /* ep0_status */
	unsigned stall_calls;  /* ep0_stall */
	bool ep0_stalled;      /* since the last SETUP */
	struct fu_ep ep0_in, ep0_out;
	struct fu_ep in[8], out[8];
	unsigned close_all_calls;
};

extern struct fu_state fu;

/* Clears the fake (a new "board"). */
void fu_reset_fake(void);

/* Bus events, each delivered by running wisusb_task() once. */
void fu_bus_reset(void);
void fu_detach(void);

/* A control transfer as the host does it.  For an IN request, data gets
 * up to wLength reply bytes; for an OUT request, data holds wLength bytes.
 * Returns the reply length (0 for no data), or -1 when the device
 * answered with STALL.  Protocol breaches (more bytes than wLength, a
 * missing zero-length packet, no status stage) count as failures. */
int fu_control(uint8_t bm, uint8_t req, uint16_t wvalue, uint16_t windex, uint16_t wlength,
               uint8_t *data);
/* Only the SETUP packet of a control transfer: the test then plays the
 * rest itself (or cuts it off). */
void fu_send_setup(uint8_t bm, uint8_t req, uint16_t wvalue, uint16_t windex, uint16_t wlength);
/* Number of IN packets (ZLPs included) the last control transfer's data
 * stage used, and how many of them were zero-length. */
extern unsigned fu_last_packets, fu_last_zlps;

/* Bulk OUT: one packet of n <= 64 bytes; false when the device NAKs (no
 * buffer armed). */
bool fu_bulk_out(uint8_t ep, const uint8_t *p, size_t n);
/* Bulk IN: one packet into buf; its length (0 = ZLP), or -1 for a NAK. */
int fu_bulk_in(uint8_t ep, uint8_t *buf);

#endif

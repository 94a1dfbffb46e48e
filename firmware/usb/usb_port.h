/*
 * The port (device-controller) interface between the hardware-independent
 * USB stack in firmware/usb/ and one controller: the nRF52840's USBD in
 * firmware/boards/rak4631/usbd_nrf52.c, the fake controller in tests/usb/.
 *
 * Work is counted in packets, not transfers: the stack splits a control
 * data stage and a CDC write into packets of at most the endpoint's max
 * packet size and hands the port one packet per endpoint at a time.  That
 * keeps the port free of transfer bookkeeping (the nRF52840 moves one
 * packet per EasyDMA job anyway) and puts the rules that are tested on the
 * host (ZLPs, back-pressure) in the stack.
 *
 * Context: the stack calls the hooks from wisusb_init/wisusb_task and from
 * the wisusb_port_* entry points; the port calls the entry points only from
 * its poll hook, i.e. from wisusb_task, never from an interrupt.
 */
#ifndef WISUSB_PORT_H
#define WISUSB_PORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Endpoint addresses carry the direction in bit 7 (USB 2.0 9.6.6). */
#define WISUSB_DIR_IN 0x80u

struct wisusb_port {
	/* Powers the controller up and attaches (pull-up on D+) once VBUS is
	 * present; may finish later, inside poll. */
	void (*init)(void);
	/* Reports what happened since the last call through the entry points
	 * below, in the order it happened. */
	void (*poll)(void);

	/* Control endpoint 0.  ep0_write sends one data-stage IN packet
	 * (n <= 64, 0 = a zero-length packet); ep0_read accepts one data-stage
	 * OUT packet into buf (at most n bytes).  Each ends with
	 * wisusb_port_xfer_done(0x80 or 0x00, bytes).  ep0_status lets the
	 * status stage happen (after the last data packet, or at once for a
	 * request without data); ep0_stall answers the request with STALL
	 * (cleared by the controller at the next SETUP, USB 2.0 8.5.3.4). */
	void (*ep0_write)(const uint8_t *p, size_t n);
	void (*ep0_read)(uint8_t *buf, size_t n);
	void (*ep0_status)(void);
	void (*ep0_stall)(void);
	/* SET_ADDRESS, its status stage included; the controller answers the
	 * status stage at address 0 and uses addr afterwards (USB 2.0 9.4.6).
	 * The nRF52840 does all of this in hardware: a no-op there. */
	void (*set_address)(uint8_t addr);

	/* Data endpoints.  ep_open enables ep (address with direction bit) of
	 * the given type (USB 2.0 Table 9-13 bmAttributes) with data toggle
	 * DATA0 and not halted; ep_close_all disables every data endpoint
	 * (SET_CONFIGURATION 0, bus reset). */
	void (*ep_open)(uint8_t ep, uint8_t type, uint16_t mps);
	void (*ep_close_all)(void);
	/* One IN packet (n <= mps, 0 = ZLP).  p stays valid and unchanged
	 * until wisusb_port_xfer_done(ep, n). */
	void (*ep_write)(uint8_t ep, const uint8_t *p, size_t n);
	/* Accepts one OUT packet into buf (room for n >= mps bytes).  Until
	 * it is called the controller NAKs the host (or holds one packet in
	 * its own buffer): this is the stack's back-pressure. */
	void (*ep_read)(uint8_t ep, uint8_t *buf, size_t n);
	/* Sets or clears ENDPOINT_HALT; clearing resets the toggle to DATA0
	 * (USB 2.0 9.4.5).  A halted endpoint's pending packet is dropped by
	 * the controller and never reported. */
	void (*ep_stall)(uint8_t ep, bool on);
};

/* The controller this image drives: defined by the port file (the
 * nRF52840 port, or the fake in tests/usb/). */
extern const struct wisusb_port wisusb_port_hw;

/* Entry points the port calls from its poll hook. */

/* USB reset: address 0, not configured, every data endpoint closed, every
 * packet in flight forgotten (its buffer is no longer the port's).  The
 * controller has already reset its own endpoint state. */
void wisusb_port_bus_reset(void);
/* A SETUP packet (8 bytes, USB 2.0 9.3).  A SETUP ends whatever control
 * transfer was under way. */
void wisusb_port_setup(const uint8_t setup[8]);
/* A packet handed over by ep0_write/ep_write (ep has bit 7 set) was
 * acknowledged by the host, or one accepted by ep0_read/ep_read (bit 7
 * clear) arrived with n bytes. */
void wisusb_port_xfer_done(uint8_t ep, size_t n);
/* VBUS went away: like a bus reset, and the device is not configured. */
void wisusb_port_detached(void);

#endif

/*
 * The USB device stack's face towards the firmware's main loop: one
 * CDC-ACM function, polled, no interrupts seen by the caller.
 *
 * Layering (TinyUSB's split): firmware/usb/ holds the hardware-independent
 * chapter-9 and CDC-ACM logic, tested on the host against a fake
 * controller; a port (firmware/boards/rak4631/usbd_nrf52.c) drives the
 * nRF52840's USBD peripheral underneath.  The main loop only sees the
 * calls below.
 *
 * Context: every call is made from the main loop, never from an interrupt.
 * No call blocks; none allocates.
 */
#ifndef WISUSB_H
#define WISUSB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct wisusb_config {
	uint16_t vid, pid;        /* 0x239A:0x8029 unless a build option says else */
	const char *manufacturer; /* "RAKwireless"                                 */
	const char *product;      /* contains "wisrpc": discovery relies on it      */
	const char *serial;       /* 16 hex digits from FICR DEVICEID                */
	/* The host set 1200 baud and dropped DTR (the Arduino/Adafruit "touch"):
	 * the board writes GPREGRET = 0x57 and resets once the IN pipe is empty.
	 * Called from wisusb_task(). */
	void (*touch_1200)(void *ctx);
	void *ctx;
};

/* Starts the controller and attaches to the bus (pull-up on D+). */
void wisusb_init(const struct wisusb_config *cfg);

/* Handles what the controller reported since the last call (bus reset,
 * SETUP, finished transfers) and re-arms the OUT endpoint when the receive
 * buffer has room for a full packet: back-pressure, never a dropped byte. */
void wisusb_task(void);

/* Bytes the host sent, up to cap; 0 when none are buffered. */
size_t wisusb_cdc_read(uint8_t *buf, size_t cap);

/* Queues bytes for the host; returns how many were accepted (0 when the
 * transmit buffer is full or the device is not configured). */
size_t wisusb_cdc_write(const uint8_t *p, size_t n);

/* Free room in the transmit buffer, in bytes. */
size_t wisusb_cdc_write_room(void);

/* True when every queued byte has left the IN endpoint (including the
 * zero-length packet after a full-size transfer). */
bool wisusb_cdc_tx_empty(void);

/* Configured by the host (SET_CONFIGURATION done). */
bool wisusb_configured(void);

#endif

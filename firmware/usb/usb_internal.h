/*
 * State and helpers shared by the USB stack's files (usb_core.c: chapter 9
 * and endpoint 0; usb_desc.c: descriptors; usb_cdc.c: the CDC-ACM class
 * requests and data path).  Not for the main loop: it uses wisusb.h.
 */
#ifndef WISUSB_INTERNAL_H
#define WISUSB_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "usb_desc.h"
#include "usb_port.h"
#include "wisusb.h"

/* Ring sizes (powers of two).  RX holds at least one full packet more than
 * the OUT endpoint ever needs, so back-pressure starts at RX - 64 bytes. */
#ifndef WISUSB_RX_SIZE
#define WISUSB_RX_SIZE 1024u
#endif
#ifndef WISUSB_TX_SIZE
#define WISUSB_TX_SIZE 2048u
#endif
_Static_assert((WISUSB_RX_SIZE & (WISUSB_RX_SIZE - 1)) == 0, "RX size: power of two");
_Static_assert((WISUSB_TX_SIZE & (WISUSB_TX_SIZE - 1)) == 0, "TX size: power of two");
_Static_assert(WISUSB_RX_SIZE >= 2 * WISUSB_BULK_MPS, "RX ring below two packets");

/* A byte ring with free-running indices: used = head - tail. */
struct wisusb__ring {
	uint8_t *buf;
	uint32_t size, head, tail;
};

size_t wisusb__ring_used(const struct wisusb__ring *r);
size_t wisusb__ring_put(struct wisusb__ring *r, const uint8_t *p, size_t n);
size_t wisusb__ring_get(struct wisusb__ring *r, uint8_t *p, size_t n);

/* Where a control transfer is (USB 2.0 8.5.3). */
enum wisusb__ep0 {
	WISUSB__EP0_IDLE,    /* waiting for SETUP                         */
	WISUSB__EP0_IN,      /* sending the data stage, packet by packet  */
	WISUSB__EP0_OUT,     /* receiving the data stage                  */
	WISUSB__EP0_STALLED, /* answered with STALL until the next SETUP  */
};

struct wisusb__dev {
	struct wisusb_config cfg;
	uint8_t address;
	uint8_t configuration; /* 0 = address state, 1 = configured */
	bool halted_in, halted_out, halted_notify;

	/* endpoint 0 */
	enum wisusb__ep0 ep0;
	uint8_t setup[8];
	const uint8_t *in_p; /* rest of the IN data stage */
	size_t in_left;
	bool in_zlp;    /* a zero-length packet ends this data stage */
	size_t out_len; /* expected OUT data-stage bytes */
	uint8_t ep0_buf[WISUSB_EP0_MPS];
	uint8_t desc_buf[WISUSB_STRING_MAX]; /* built descriptors (strings) */

	/* CDC-ACM */
	uint8_t line_coding[7]; /* dwDTERate LE, bCharFormat, bParityType, bDataBits */
	uint16_t line_state;    /* bit 0 DTR, bit 1 RTS (CDC PSTN 6.3.12) */
	uint16_t break_ms;      /* last SEND_BREAK wValue */
	uint32_t breaks;        /* SEND_BREAK requests seen */
	bool touch_pending;
	bool out_armed; /* ep_read outstanding on the bulk OUT endpoint */
	bool in_busy;   /* ep_write outstanding on the bulk IN endpoint */
	size_t in_len;  /* bytes in that packet (0 = the ZLP) */
	bool in_resend; /* in_pkt was cut off by a halt: send it again */
	struct wisusb__ring rx, tx;
	uint8_t out_pkt[WISUSB_BULK_MPS];
	uint8_t in_pkt[WISUSB_BULK_MPS];
};

extern struct wisusb__dev wisusb__d;

/* Endpoint 0 replies from the class code. */
void wisusb__ep0_reply(const uint8_t *p, size_t len); /* IN data stage, cut to wLength */
void wisusb__ep0_receive(size_t len);                 /* OUT data stage into ep0_buf   */
void wisusb__ep0_ack(void);                           /* status stage, no data         */
void wisusb__ep0_stall(void);

/* CDC-ACM (usb_cdc.c). */
void wisusb__cdc_reset(void);                          /* bus reset, detach, init       */
void wisusb__cdc_configured(void);                     /* SET_CONFIGURATION 1           */
void wisusb__cdc_setup(const uint8_t s[8]);            /* class request to interface 0  */
void wisusb__cdc_out_data(const uint8_t *p, size_t n); /* its OUT data stage   */
void wisusb__cdc_xfer_done(uint8_t ep, size_t n);
void wisusb__cdc_service(void); /* re-arm OUT, start IN          */

static inline uint16_t wisusb__le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
}

#endif

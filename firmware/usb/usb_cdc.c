/*
 * The CDC-ACM function: the class requests of the communication interface
 * (CDC PSTN 1.2 6.3: SET/GET_LINE_CODING, SET_CONTROL_LINE_STATE,
 * SEND_BREAK), the 1200-baud touch, and the byte path between the bulk
 * endpoints and two rings.  The bulk OUT endpoint is armed only while the
 * receive ring has room for a whole packet, so a host that sends faster
 * than the main loop reads is NAKed, never dropped; a transfer whose last
 * packet is full-sized ends with a zero-length packet so the host's read
 * returns (USB 2.0 5.8.3).
 */
#include <string.h>

#include "usb_internal.h"

enum {
	SET_LINE_CODING = 0x20,
	GET_LINE_CODING = 0x21,
	SET_CONTROL_LINE_STATE = 0x22,
	SEND_BREAK = 0x23,
};
#define LINE_DTR 0x01u
#define TOUCH_BAUD 1200u

static const struct wisusb_port *hw = &wisusb_port_hw;
static uint8_t rx_buf[WISUSB_RX_SIZE];
static uint8_t tx_buf[WISUSB_TX_SIZE];

/* --- rings ------------------------------------------------------------ */

size_t wisusb__ring_used(const struct wisusb__ring *r)
{
	return r->head - r->tail;
}

size_t wisusb__ring_put(struct wisusb__ring *r, const uint8_t *p, size_t n)
{
	size_t room = r->size - wisusb__ring_used(r);
	if (n > room)
		n = room;
	for (size_t i = 0; i < n; i++)
		r->buf[(r->head + i) & (r->size - 1)] = p[i];
	r->head += (uint32_t)n;
	return n;
}

size_t wisusb__ring_get(struct wisusb__ring *r, uint8_t *p, size_t n)
{
	size_t used = wisusb__ring_used(r);
	if (n > used)
		n = used;
	for (size_t i = 0; i < n; i++)
		p[i] = r->buf[(r->tail + i) & (r->size - 1)];
	r->tail += (uint32_t)n;
	return n;
}

static uint32_t line_baud(void)
{
	const uint8_t *c = wisusb__d.line_coding;
	return (uint32_t)c[0] | (uint32_t)c[1] << 8 | (uint32_t)c[2] << 16 | (uint32_t)c[3] << 24;
}

/* --- state changes ---------------------------------------------------- */

void wisusb__cdc_reset(void)
{
	struct wisusb__dev *d = &wisusb__d;
	/* 115200 8N1 until the host says otherwise. */
	static const uint8_t def[7] = {0x00, 0xC2, 0x01, 0x00, 0, 0, 8};
	memcpy(d->line_coding, def, sizeof def);
	d->line_state = 0;
	d->touch_pending = false;
	/* Packets in flight belonged to the old session: the port has
	 * forgotten them, and so do the rings. */
	d->out_armed = false;
	d->in_busy = false;
	d->in_len = 0;
	d->in_resend = false;
	d->rx = (struct wisusb__ring){rx_buf, WISUSB_RX_SIZE, 0, 0};
	d->tx = (struct wisusb__ring){tx_buf, WISUSB_TX_SIZE, 0, 0};
}

void wisusb__cdc_configured(void)
{
	wisusb__cdc_service();
}

/* --- class requests --------------------------------------------------- */

void wisusb__cdc_setup(const uint8_t s[8])
{
	struct wisusb__dev *d = &wisusb__d;
	bool in = (s[0] & 0x80u) != 0;
	uint16_t wvalue = wisusb__le16(s + 2), wlength = wisusb__le16(s + 6);
	switch (s[1]) {
	case SET_LINE_CODING:
		/* Exactly the 7-byte line coding structure (PSTN 1.2 Table 17). */
		if (in || wlength != sizeof d->line_coding)
			break;
		wisusb__ep0_receive(sizeof d->line_coding);
		return;
	case GET_LINE_CODING:
		if (!in || wlength == 0)
			break;
		memcpy(d->ep0_buf, d->line_coding, sizeof d->line_coding);
		wisusb__ep0_reply(d->ep0_buf, sizeof d->line_coding);
		return;
	case SET_CONTROL_LINE_STATE: {
		if (in || wlength != 0)
			break;
		bool was_dtr = (d->line_state & LINE_DTR) != 0;
		d->line_state = wvalue & 0x3u;
		/* The Arduino/Adafruit "touch": DTR dropped while the line is at
		 * 1200 baud asks for the bootloader.  The callback runs from
		 * wisusb_task, after this request's status stage was let through. */
		if (was_dtr && !(d->line_state & LINE_DTR) && line_baud() == TOUCH_BAUD)
			d->touch_pending = true;
		wisusb__ep0_ack();
		return;
	}
	case SEND_BREAK:
		if (in || wlength != 0)
			break;
		/* No UART behind this port: remembered, nothing to drive. */
		d->break_ms = wvalue;
		d->breaks++;
		wisusb__ep0_ack();
		return;
	default:
		break;
	}
	wisusb__ep0_stall();
}

void wisusb__cdc_out_data(const uint8_t *p, size_t n)
{
	struct wisusb__dev *d = &wisusb__d;
	if (d->setup[1] == SET_LINE_CODING && n == sizeof d->line_coding) {
		memcpy(d->line_coding, p, n);
		wisusb__ep0_ack();
		return;
	}
	wisusb__ep0_stall();
}

/* --- data path -------------------------------------------------------- */

static void start_in(void)
{
	struct wisusb__dev *d = &wisusb__d;
	d->in_len = wisusb__ring_get(&d->tx, d->in_pkt, WISUSB_BULK_MPS);
	d->in_busy = true;
	hw->ep_write(WISUSB_EP_IN, d->in_pkt, d->in_len);
}

void wisusb__cdc_service(void)
{
	struct wisusb__dev *d = &wisusb__d;
	if (d->configuration == 0)
		return;
	if (!d->out_armed && !d->halted_out &&
	    d->rx.size - wisusb__ring_used(&d->rx) >= WISUSB_BULK_MPS) {
		d->out_armed = true;
		hw->ep_read(WISUSB_EP_OUT, d->out_pkt, WISUSB_BULK_MPS);
	}
	if (d->in_busy || d->halted_in)
		return;
	if (d->in_resend) {
		d->in_resend = false;
		d->in_busy = true;
		hw->ep_write(WISUSB_EP_IN, d->in_pkt, d->in_len);
	} else if (wisusb__ring_used(&d->tx) > 0) {
		start_in();
	}
}

void wisusb__cdc_xfer_done(uint8_t ep, size_t n)
{
	struct wisusb__dev *d = &wisusb__d;
	if (ep == WISUSB_EP_OUT && d->out_armed) {
		d->out_armed = false;
		if (n > WISUSB_BULK_MPS)
			n = WISUSB_BULK_MPS;
		/* Armed only with a packet's room: this always fits. */
		wisusb__ring_put(&d->rx, d->out_pkt, n);
	} else if (ep == WISUSB_EP_IN && d->in_busy) {
		d->in_busy = false;
		if (d->in_len == WISUSB_BULK_MPS && wisusb__ring_used(&d->tx) == 0) {
			/* The write ended on a packet boundary: close the
			 * transfer with a zero-length packet. */
			d->in_busy = true;
			d->in_len = 0;
			hw->ep_write(WISUSB_EP_IN, d->in_pkt, 0);
			return;
		}
	}
	wisusb__cdc_service();
}

/* --- the main loop's API ---------------------------------------------- */

size_t wisusb_cdc_read(uint8_t *buf, size_t cap)
{
	size_t n = wisusb__ring_get(&wisusb__d.rx, buf, cap);
	if (n)
		wisusb__cdc_service();
	return n;
}

size_t wisusb_cdc_write(const uint8_t *p, size_t n)
{
	struct wisusb__dev *d = &wisusb__d;
	if (d->configuration == 0)
		return 0;
	n = wisusb__ring_put(&d->tx, p, n);
	if (n)
		wisusb__cdc_service();
	return n;
}

size_t wisusb_cdc_write_room(void)
{
	const struct wisusb__dev *d = &wisusb__d;
	if (d->configuration == 0)
		return 0;
	return d->tx.size - wisusb__ring_used(&d->tx);
}

bool wisusb_cdc_tx_empty(void)
{
	const struct wisusb__dev *d = &wisusb__d;
	return !d->in_busy && !d->in_resend && wisusb__ring_used(&d->tx) == 0;
}

/*
 * The USB device core: wisusb_init/wisusb_task, the device state (default,
 * address, configured), the endpoint-0 control transfer state machine and
 * the chapter-9 standard requests (USB 2.0 9.4).  Class requests go to
 * usb_cdc.c.  Anything not supported is answered with STALL ("Request
 * Error", USB 2.0 9.2.7).
 */
#include <string.h>

#include "usb_internal.h"

struct wisusb__dev wisusb__d;

/* bmRequestType fields (USB 2.0 Table 9-2). */
#define RT_DIR_IN 0x80u
#define RT_TYPE(rt) (((rt) >> 5) & 3u)
#define RT_RECIP(rt) ((rt)&0x1Fu)
enum { TYPE_STANDARD, TYPE_CLASS, TYPE_VENDOR };
enum { RECIP_DEVICE, RECIP_INTERFACE, RECIP_ENDPOINT };

/* Standard request codes (USB 2.0 Table 9-4) and descriptor types (9-5). */
enum {
	GET_STATUS = 0,
	CLEAR_FEATURE = 1,
	SET_FEATURE = 3,
	SET_ADDRESS = 5,
	GET_DESCRIPTOR = 6,
	SET_DESCRIPTOR = 7,
	GET_CONFIGURATION = 8,
	SET_CONFIGURATION = 9,
	GET_INTERFACE = 10,
	SET_INTERFACE = 11,
};
enum { DESC_DEVICE = 1, DESC_CONFIG = 2, DESC_STRING = 3 };
#define FEATURE_ENDPOINT_HALT 0u

static const struct wisusb_port *hw = &wisusb_port_hw;

/* --- endpoint 0 ------------------------------------------------------- */

static void ep0_send_next(void)
{
	struct wisusb__dev *d = &wisusb__d;
	size_t n = d->in_left < WISUSB_EP0_MPS ? d->in_left : WISUSB_EP0_MPS;
	if (n == 0 && !d->in_zlp) {
		/* Every byte went out: let the host's zero-length OUT in. */
		d->ep0 = WISUSB__EP0_IDLE;
		hw->ep0_status();
		return;
	}
	if (n == 0)
		d->in_zlp = false;
	const uint8_t *p = d->in_p;
	d->in_p += n;
	d->in_left -= n;
	hw->ep0_write(p, n);
}

void wisusb__ep0_reply(const uint8_t *p, size_t len)
{
	struct wisusb__dev *d = &wisusb__d;
	size_t wlength = wisusb__le16(d->setup + 6);
	if (len > wlength)
		len = wlength;
	/* A data stage shorter than wLength ends with a short packet; when its
	 * last packet is full-sized that short packet is a ZLP (USB 2.0 5.5.3). */
	d->in_zlp = len < wlength && len % WISUSB_EP0_MPS == 0;
	d->in_p = p;
	d->in_left = len;
	d->ep0 = WISUSB__EP0_IN;
	ep0_send_next();
}

void wisusb__ep0_receive(size_t len)
{
	struct wisusb__dev *d = &wisusb__d;
	d->out_len = len;
	d->ep0 = WISUSB__EP0_OUT;
	hw->ep0_read(d->ep0_buf, len);
}

void wisusb__ep0_ack(void)
{
	wisusb__d.ep0 = WISUSB__EP0_IDLE;
	hw->ep0_status();
}

void wisusb__ep0_stall(void)
{
	wisusb__d.ep0 = WISUSB__EP0_STALLED;
	hw->ep0_stall();
}

/* --- standard requests ------------------------------------------------ */

static void get_descriptor(const uint8_t *s)
{
	struct wisusb__dev *d = &wisusb__d;
	uint8_t type = s[3], index = s[2];
	size_t len = 0;
	const uint8_t *p = NULL;
	switch (type) {
	case DESC_DEVICE:
		if (index == 0) {
			wisusb__desc_device(d->desc_buf, d->cfg.vid, d->cfg.pid);
			/* A text the board did not give has no string index. */
			if (!d->cfg.manufacturer)
				d->desc_buf[14] = 0;
			if (!d->cfg.product)
				d->desc_buf[15] = 0;
			if (!d->cfg.serial)
				d->desc_buf[16] = 0;
			p = d->desc_buf;
			len = 18;
		}
		break;
	case DESC_CONFIG:
		if (index == 0)
			p = wisusb__desc_config(&len);
		break;
	case DESC_STRING: {
		const char *texts[WISUSB_STR_COUNT] = {NULL, d->cfg.manufacturer, d->cfg.product,
		                                       d->cfg.serial};
		const char *t = index < WISUSB_STR_COUNT ? texts[index] : NULL;
		/* Any language id is answered in the one language offered. */
		len = wisusb__desc_string(d->desc_buf, t, index);
		p = d->desc_buf;
		break;
	}
	default:
		/* DEVICE_QUALIFIER and OTHER_SPEED: a full-speed-only device
		 * answers with a request error (USB 2.0 9.6.2). */
		break;
	}
	if (len == 0)
		wisusb__ep0_stall();
	else
		wisusb__ep0_reply(p, len);
}

/* The data endpoint addressed by wIndex, or 0 when there is none. */
static bool *halt_flag(uint8_t ep)
{
	struct wisusb__dev *d = &wisusb__d;
	if (d->configuration == 0)
		return NULL;
	switch (ep) {
	case WISUSB_EP_IN:
		return &d->halted_in;
	case WISUSB_EP_OUT:
		return &d->halted_out;
	case WISUSB_EP_NOTIFY:
		return &d->halted_notify;
	}
	return NULL;
}

static bool interface_ok(uint16_t windex)
{
	return wisusb__d.configuration != 0 && windex <= WISUSB_IF_DATA;
}

static void standard_request(const uint8_t *s)
{
	struct wisusb__dev *d = &wisusb__d;
	uint8_t rt = s[0], req = s[1];
	uint16_t wvalue = wisusb__le16(s + 2), windex = wisusb__le16(s + 4);
	bool in = (rt & RT_DIR_IN) != 0;
	uint8_t recip = RT_RECIP(rt);

	if (recip == RECIP_DEVICE) {
		if (in && req == GET_DESCRIPTOR) {
			get_descriptor(s);
		} else if (in && req == GET_STATUS) {
			/* Bus powered, no remote wakeup (USB 2.0 Figure 9-4). */
			d->ep0_buf[0] = 0;
			d->ep0_buf[1] = 0;
			wisusb__ep0_reply(d->ep0_buf, 2);
		} else if (in && req == GET_CONFIGURATION) {
			d->ep0_buf[0] = d->configuration;
			wisusb__ep0_reply(d->ep0_buf, 1);
		} else if (!in && req == SET_ADDRESS && wvalue <= 127 && d->configuration == 0) {
			d->address = (uint8_t)wvalue;
			d->ep0 = WISUSB__EP0_IDLE;
			hw->set_address(d->address);
		} else if (!in && req == SET_CONFIGURATION && wvalue <= 1 && d->address != 0) {
			hw->ep_close_all();
			d->configuration = 0;
			wisusb__cdc_reset();
			if (wvalue == 1) {
				hw->ep_open(WISUSB_EP_NOTIFY, 0x03, WISUSB_NOTIFY_MPS);
				hw->ep_open(WISUSB_EP_OUT, 0x02, WISUSB_BULK_MPS);
				hw->ep_open(WISUSB_EP_IN, 0x02, WISUSB_BULK_MPS);
				d->configuration = 1;
				d->halted_in = d->halted_out = d->halted_notify = false;
				wisusb__cdc_configured();
			}
			wisusb__ep0_ack();
		} else {
			/* SET_DESCRIPTOR, DEVICE_REMOTE_WAKEUP (not offered) and
			 * TEST_MODE (high speed only): request errors. */
			wisusb__ep0_stall();
		}
		return;
	}
	if (recip == RECIP_INTERFACE) {
		if (!interface_ok(windex)) {
			wisusb__ep0_stall();
		} else if (in && req == GET_STATUS) {
			d->ep0_buf[0] = 0;
			d->ep0_buf[1] = 0;
			wisusb__ep0_reply(d->ep0_buf, 2);
		} else if (in && req == GET_INTERFACE) {
			d->ep0_buf[0] = 0; /* one alternate setting each */
			wisusb__ep0_reply(d->ep0_buf, 1);
		} else if (!in && req == SET_INTERFACE && wvalue == 0) {
			wisusb__ep0_ack();
		} else {
			wisusb__ep0_stall();
		}
		return;
	}
	if (recip == RECIP_ENDPOINT) {
		uint8_t ep = (uint8_t)windex;
		bool ep0 = (ep & 0x7Fu) == 0;
		bool *halt = halt_flag(ep);
		if (!ep0 && !halt) {
			wisusb__ep0_stall();
		} else if (in && req == GET_STATUS) {
			d->ep0_buf[0] = halt && *halt ? 1 : 0;
			d->ep0_buf[1] = 0;
			wisusb__ep0_reply(d->ep0_buf, 2);
		} else if (!in && (req == CLEAR_FEATURE || req == SET_FEATURE) &&
		           wvalue == FEATURE_ENDPOINT_HALT) {
			bool on = req == SET_FEATURE;
			if (halt) {
				*halt = on;
				hw->ep_stall(ep, on);
				/* The controller drops a halted endpoint's packet:
				 * IN bytes are sent again once the halt is
				 * cleared, so none is lost. */
				if (ep == WISUSB_EP_IN && on && d->in_busy) {
					d->in_busy = false;
					d->in_resend = true;
				}
				if (ep == WISUSB_EP_OUT && on)
					d->out_armed = false;
			}
			/* Halting endpoint 0 itself is not required (9.4.5): ACK. */
			wisusb__ep0_ack();
			wisusb__cdc_service();
		} else {
			wisusb__ep0_stall();
		}
		return;
	}
	wisusb__ep0_stall();
}

/* --- entry points from the port --------------------------------------- */

void wisusb_port_setup(const uint8_t setup[8])
{
	struct wisusb__dev *d = &wisusb__d;
	memcpy(d->setup, setup, 8);
	d->ep0 = WISUSB__EP0_IDLE; /* a SETUP ends any transfer under way */
	uint8_t rt = setup[0];
	uint16_t wlength = wisusb__le16(setup + 6);
	if (RT_TYPE(rt) == TYPE_STANDARD) {
		/* No standard request we answer has an OUT data stage. */
		if (!(rt & RT_DIR_IN) && wlength != 0)
			wisusb__ep0_stall();
		else
			standard_request(setup);
	} else if (RT_TYPE(rt) == TYPE_CLASS && RT_RECIP(rt) == RECIP_INTERFACE &&
	           d->configuration != 0 && wisusb__le16(setup + 4) == WISUSB_IF_COMM) {
		wisusb__cdc_setup(setup);
	} else {
		wisusb__ep0_stall();
	}
}

void wisusb_port_xfer_done(uint8_t ep, size_t n)
{
	struct wisusb__dev *d = &wisusb__d;
	if (ep == WISUSB_DIR_IN) {
		if (d->ep0 == WISUSB__EP0_IN)
			ep0_send_next();
	} else if (ep == 0) {
		if (d->ep0 != WISUSB__EP0_OUT)
			return;
		if (n != d->out_len) {
			/* The host sent a different amount than wLength promised. */
			wisusb__ep0_stall();
			return;
		}
		wisusb__cdc_out_data(d->ep0_buf, n);
	} else {
		wisusb__cdc_xfer_done(ep, n);
	}
}

static void reset_state(void)
{
	struct wisusb__dev *d = &wisusb__d;
	d->address = 0;
	d->configuration = 0;
	d->ep0 = WISUSB__EP0_IDLE;
	d->halted_in = d->halted_out = d->halted_notify = false;
	wisusb__cdc_reset();
}

void wisusb_port_bus_reset(void)
{
	reset_state();
}

void wisusb_port_detached(void)
{
	reset_state();
}

/* --- the main loop's API ---------------------------------------------- */

void wisusb_init(const struct wisusb_config *cfg)
{
	struct wisusb__dev *d = &wisusb__d;
	memset(d, 0, sizeof *d);
	d->cfg = *cfg;
	if (d->cfg.vid == 0 && d->cfg.pid == 0) {
		d->cfg.vid = WISUSB_DEFAULT_VID;
		d->cfg.pid = WISUSB_DEFAULT_PID;
	}
	reset_state();
	hw->init();
}

void wisusb_task(void)
{
	struct wisusb__dev *d = &wisusb__d;
	hw->poll();
	wisusb__cdc_service();
	if (d->touch_pending) {
		d->touch_pending = false;
		if (d->cfg.touch_1200)
			d->cfg.touch_1200(d->cfg.ctx);
	}
}

bool wisusb_configured(void)
{
	return wisusb__d.configuration != 0;
}

/*
 * Descriptors of the one CDC-ACM function: device, configuration (with the
 * interface association, the CDC functional descriptors and three
 * endpoints) and the string descriptors built from the board's texts.
 */
#include "usb_desc.h"

#define LO(x) ((uint8_t)((x)&0xFFu))
#define HI(x) ((uint8_t)(((x) >> 8) & 0xFFu))

void wisusb__desc_device(uint8_t out[18], uint16_t vid, uint16_t pid)
{
	/* USB 2.0 Table 9-8.  Class EF/02/01 ("Multi-interface function with
	 * IAD", the IAD ECN) so hosts group the two CDC interfaces by the IAD. */
	// clang-format off
	const uint8_t d[18] = {
		18,   1,                                      /* bLength, DEVICE           */
		0x00, 0x02,                                   /* bcdUSB 2.00               */
		0xEF, 0x02, 0x01,                             /* class, subclass, protocol */
		WISUSB_EP0_MPS,                               /* bMaxPacketSize0           */
		LO(vid), HI(vid), LO(pid), HI(pid),           /* idVendor, idProduct       */
		LO(WISUSB_BCD_DEVICE), HI(WISUSB_BCD_DEVICE), /* bcdDevice                 */
		WISUSB_STR_MANUFACTURER, WISUSB_STR_PRODUCT, WISUSB_STR_SERIAL,
		1, /* bNumConfigurations */
	};
	// clang-format on
	for (unsigned i = 0; i < sizeof d; i++)
		out[i] = d[i];
}

/* One descriptor per line (clang-format would put one byte per line). */
// clang-format off
static const uint8_t config_desc[WISUSB_CONFIG_TOTAL] = {
	/* Configuration (USB 2.0 Table 9-10): 2 interfaces, value 1, bus powered,
	 * 100 mA (bMaxPower in 2 mA units). */
	9, 2, LO(WISUSB_CONFIG_TOTAL), HI(WISUSB_CONFIG_TOTAL), 2, 1, 0, 0x80, 50,
	/* Interface association (IAD ECN Table 9-Z): interfaces 0..1, CDC/ACM,
	 * protocol 0 like the communication interface it groups. */
	8, 11, WISUSB_IF_COMM, 2, 0x02, 0x02, 0x00, 0,
	/* Communication interface (CDC 1.2 4.2, PSTN 1.2 3.2): class 02,
	 * subclass 02 (ACM), protocol 00: no AT commands, so ModemManager does
	 * not probe the port. */
	9, 4, WISUSB_IF_COMM, 0, 1, 0x02, 0x02, 0x00, 0,
	/* Header functional descriptor (CDC 1.2 5.2.3.1): bcdCDC 1.20. */
	5, 0x24, 0x00, 0x20, 0x01,
	/* Call management (PSTN 1.2 5.3.1): no call management, data interface 1. */
	5, 0x24, 0x01, 0x00, WISUSB_IF_DATA,
	/* Abstract control management (PSTN 1.2 5.3.2): bit 1 = line coding and
	 * control line state requests, bit 2 = SEND_BREAK. */
	4, 0x24, 0x02, 0x06,
	/* Union (CDC 1.2 5.2.3.2): controlling interface 0, subordinate 1. */
	5, 0x24, 0x06, WISUSB_IF_COMM, WISUSB_IF_DATA,
	/* Notification endpoint: interrupt IN, 16 ms. */
	7, 5, WISUSB_EP_NOTIFY, 0x03, LO(WISUSB_NOTIFY_MPS), HI(WISUSB_NOTIFY_MPS), 16,
	/* Data interface (CDC 1.2 4.5): class 0A, no subclass or protocol. */
	9, 4, WISUSB_IF_DATA, 0, 2, 0x0A, 0x00, 0x00, 0,
	/* Bulk OUT and bulk IN, 64 bytes, bInterval ignored for bulk. */
	7, 5, WISUSB_EP_OUT, 0x02, LO(WISUSB_BULK_MPS), HI(WISUSB_BULK_MPS), 0,
	7, 5, WISUSB_EP_IN, 0x02, LO(WISUSB_BULK_MPS), HI(WISUSB_BULK_MPS), 0,
};
// clang-format on

const uint8_t *wisusb__desc_config(size_t *len)
{
	*len = sizeof config_desc;
	return config_desc;
}

size_t wisusb__desc_string(uint8_t *out, const char *s, unsigned index)
{
	if (index == WISUSB_STR_LANGID) {
		/* USB 2.0 Table 9-15: one language, 0x0409 English (US). */
		out[0] = 4;
		out[1] = 3;
		out[2] = 0x09;
		out[3] = 0x04;
		return 4;
	}
	if (!s || index >= WISUSB_STR_COUNT)
		return 0;
	/* UNICODE (UTF-16LE) of ASCII text; a byte above 0x7F is not ASCII and
	 * becomes '?' rather than a wrong code point. */
	size_t n = 0;
	while (s[n] && 2 + 2 * (n + 1) <= WISUSB_STRING_MAX) {
		uint8_t c = (uint8_t)s[n];
		out[2 + 2 * n] = c < 0x80 ? c : '?';
		out[3 + 2 * n] = 0;
		n++;
	}
	out[0] = (uint8_t)(2 + 2 * n);
	out[1] = 3;
	return 2 + 2 * n;
}

void wisusb_serial_from_deviceid(uint32_t id0, uint32_t id1, char out[17])
{
	static const char hex[] = "0123456789ABCDEF";
	for (int i = 0; i < 8; i++) {
		out[i] = hex[(id1 >> (28 - 4 * i)) & 0xFu];
		out[8 + i] = hex[(id0 >> (28 - 4 * i)) & 0xFu];
	}
	out[16] = 0;
}

/*
 * Enumeration as a host does it, against the stack on the fake controller:
 * every reply byte is checked against the rules of USB 2.0 chapter 9 and
 * CDC 1.2 / PSTN 1.2 (and the IAD ECN), not against the stack's own tables.
 * Also: the stall answers for what the device does not support.
 */
#include <stdlib.h>
#include <string.h>

#include "fake_udc.h"
#include "usb_desc.h"
#include "wisusb.h"

static const char *manufacturer = "RAKwireless";
static const char *product = "RAK4631 wisrpc";
static char serial[17];

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static void start(const char *prod)
{
	fu_reset_fake();
	struct wisusb_config c = {0};
	c.manufacturer = manufacturer;
	c.product = prod;
	c.serial = serial;
	wisusb_init(&c);
	CHECK(fu.inited);
	fu_bus_reset();
}

/* GET_DESCRIPTOR (device recipient, USB 2.0 9.4.3). */
static int get_desc(uint8_t type, uint8_t index, uint16_t langid, uint16_t wlength, uint8_t *buf)
{
	return fu_control(0x80, 6, (uint16_t)(type << 8 | index), langid, wlength, buf);
}

static void check_device_descriptor(const uint8_t *d)
{
	CHECK_EQ(d[0], 18);            /* bLength (Table 9-8) */
	CHECK_EQ(d[1], 1);             /* DEVICE */
	CHECK_EQ(le16(d + 2), 0x0200); /* bcdUSB 2.00 */
	/* Class EF/02/01: a composite with an IAD (IAD ECN). */
	CHECK_EQ(d[4], 0xEF);
	CHECK_EQ(d[5], 0x02);
	CHECK_EQ(d[6], 0x01);
	CHECK_EQ(d[7], 64);             /* bMaxPacketSize0: 8, 16, 32 or 64 at full speed */
	CHECK_EQ(le16(d + 8), 0x239A);  /* idVendor: the RAK4631 application IDs */
	CHECK_EQ(le16(d + 10), 0x8029); /* idProduct */
	/* Three distinct, non-zero string indexes. */
	CHECK(d[14] && d[15] && d[16]);
	CHECK(d[14] != d[15] && d[15] != d[16] && d[14] != d[16]);
	CHECK_EQ(d[17], 1); /* bNumConfigurations */
}

/* Walks the whole configuration descriptor and checks its structure. */
static void check_config(const uint8_t *c, size_t total)
{
	CHECK_EQ(c[0], 9);
	CHECK_EQ(c[1], 2);
	CHECK_EQ(le16(c + 2), total);   /* wTotalLength = the sum of every part */
	CHECK_EQ(c[4], 2);              /* bNumInterfaces */
	CHECK(c[5] != 0);               /* bConfigurationValue: 0 means "unconfigured" */
	CHECK((c[7] & 0x80) != 0);      /* bmAttributes bit 7 must be one */
	CHECK((c[7] & 0x1F) == 0);      /* reserved bits zero */
	CHECK((c[7] & 0x20) == 0);      /* no remote wakeup: GET_STATUS says 0 */
	CHECK((c[7] & 0x40) == 0);      /* bus powered, as GET_STATUS bit 0 says */
	CHECK(c[8] > 0 && c[8] <= 250); /* bMaxPower, 2 mA units, at most 500 mA */

	size_t off = c[0];
	int interfaces = 0, iads = 0, cur_if = -1, eps_left = 0;
	int header = 0, acm = 0, unions = 0, callmgmt = 0;
	int bulk_in = 0, bulk_out = 0, intr_in = 0;
	uint8_t seen_ep[16] = {0};
	while (off < total) {
		const uint8_t *p = c + off;
		CHECK(p[0] >= 2);
		CHECK(off + p[0] <= total);
		if (p[0] < 2 || off + p[0] > total)
			return;
		switch (p[1]) {
		case 11: /* IAD */
			CHECK_EQ(p[0], 8);
			CHECK_EQ(interfaces, 0); /* precedes the interfaces it groups */
			CHECK_EQ(p[2], 0);       /* bFirstInterface */
			CHECK_EQ(p[3], 2);       /* bInterfaceCount */
			CHECK_EQ(p[4], 0x02);    /* CDC */
			CHECK_EQ(p[5], 0x02);    /* ACM */
			CHECK_EQ(p[6], 0x00);    /* protocol 0, as the interface */
			iads++;
			break;
		case 4: /* interface */
			CHECK_EQ(p[0], 9);
			CHECK_EQ(eps_left, 0); /* the previous interface got all its endpoints */
			CHECK_EQ(p[2], interfaces); /* numbered from 0, in order */
			CHECK_EQ(p[3], 0);          /* alternate setting 0 */
			cur_if = p[2];
			eps_left = p[4];
			if (cur_if == 0) {
				/* Communication interface: CDC, ACM, protocol 0 (no AT
				 * commands: ModemManager leaves it alone). */
				CHECK_EQ(p[5], 0x02);
				CHECK_EQ(p[6], 0x02);
				CHECK_EQ(p[7], 0x00);
				CHECK_EQ(p[4], 1);
			} else {
				CHECK_EQ(p[5], 0x0A); /* CDC data */
				CHECK_EQ(p[6], 0x00);
				CHECK_EQ(p[7], 0x00);
				CHECK_EQ(p[4], 2);
			}
			interfaces++;
			break;
		case 0x24: /* CS_INTERFACE, only inside the communication interface */
			CHECK_EQ(cur_if, 0);
			if (p[2] == 0x00) {
				CHECK_EQ(p[0], 5);
				CHECK_EQ(header + acm + unions + callmgmt, 0); /* header first */
				CHECK(le16(p + 3) >= 0x0110);
				header++;
			} else if (p[2] == 0x01) {
				CHECK_EQ(p[0], 5);
				CHECK_EQ(p[4], 1); /* bDataInterface */
				callmgmt++;
			} else if (p[2] == 0x02) {
				CHECK_EQ(p[0], 4);
				CHECK((p[3] & 0x02) != 0); /* line coding + control line state */
				CHECK((p[3] & 0xF0) == 0); /* reserved */
				acm++;
			} else if (p[2] == 0x06) {
				CHECK_EQ(p[0], 5);
				CHECK_EQ(p[3], 0); /* controlling interface */
				CHECK_EQ(p[4], 1); /* subordinate */
				unions++;
			} else {
				CHECK(!"unexpected functional descriptor");
			}
			break;
		case 5: { /* endpoint */
			CHECK_EQ(p[0], 7);
			CHECK(eps_left > 0);
			eps_left--;
			uint8_t addr = p[2], type = p[3] & 3;
			uint16_t mps = le16(p + 4);
			CHECK((addr & 0x70) == 0); /* reserved bits */
			CHECK((addr & 0x0F) != 0); /* endpoint 0 is never described */
			CHECK((p[3] & 0xFC) == 0); /* not isochronous: other bits reserved */
			int key = (addr & 0x0F) | ((addr & 0x80) ? 8 : 0);
			CHECK(!seen_ep[key]);
			seen_ep[key] = 1;
			if (cur_if == 0) {
				CHECK_EQ(type, 3); /* interrupt IN notifications */
				CHECK(addr & 0x80);
				CHECK(mps >= 1 && mps <= 64);
				CHECK(p[6] >= 1); /* bInterval 1..255 ms */
				intr_in++;
			} else {
				CHECK_EQ(type, 2); /* bulk */
				/* Full-speed bulk: 8, 16, 32 or 64 (USB 2.0 5.8.3). */
				CHECK(mps == 8 || mps == 16 || mps == 32 || mps == 64);
				CHECK_EQ(mps, 64);
				if (addr & 0x80)
					bulk_in++;
				else
					bulk_out++;
			}
			break;
		}
		default:
			CHECK(!"unexpected descriptor type");
		}
		off += p[0];
	}
	CHECK_EQ(off, total);
	CHECK_EQ(eps_left, 0);
	CHECK_EQ(iads, 1);
	CHECK_EQ(interfaces, 2);
	CHECK_EQ(header, 1);
	CHECK_EQ(callmgmt, 1);
	CHECK_EQ(acm, 1);
	CHECK_EQ(unions, 1);
	CHECK_EQ(intr_in, 1);
	CHECK_EQ(bulk_in, 1);
	CHECK_EQ(bulk_out, 1);
}

/* Decodes a string descriptor's UTF-16LE into ASCII. */
static void check_string(const uint8_t *s, int len, const char *want)
{
	CHECK(len >= 2);
	CHECK_EQ(s[0], len);
	CHECK_EQ(s[1], 3);
	CHECK_EQ(s[0] % 2, 0);
	CHECK_EQ((size_t)(s[0] - 2) / 2, strlen(want));
	for (int i = 2; i + 1 < len; i += 2) {
		CHECK_EQ(s[i + 1], 0);
		CHECK_EQ(s[i], (uint8_t)want[(i - 2) / 2]);
	}
}

static void test_enumeration(void)
{
	uint8_t buf[512];
	start(product);
	CHECK(!wisusb_configured());

	/* Linux and Windows first read the first 8 (or 64) bytes at address 0
	 * to learn bMaxPacketSize0. */
	memset(buf, 0xAA, sizeof buf);
	CHECK_EQ(get_desc(1, 0, 0, 8, buf), 8);
	CHECK_EQ(buf[0], 18);
	CHECK_EQ(buf[1], 1);
	CHECK_EQ(buf[7], 64);
	CHECK_EQ(buf[8], 0xAA);                   /* nothing beyond wLength */
	CHECK_EQ(get_desc(1, 0, 0, 64, buf), 18); /* a short packet ends it */
	CHECK_EQ(fu_last_packets, 1);

	CHECK_EQ(fu_control(0x00, 5, 7, 0, 0, NULL), 0); /* SET_ADDRESS 7 */
	CHECK_EQ(fu.address, 7);
	CHECK_EQ(fu.set_address_calls, 1);

	CHECK_EQ(get_desc(1, 0, 0, 18, buf), 18);
	check_device_descriptor(buf);

	/* Configuration: 9 bytes for wTotalLength, then all of it. */
	CHECK_EQ(get_desc(2, 0, 0, 9, buf), 9);
	uint16_t total = le16(buf + 2);
	CHECK_EQ(total, WISUSB_CONFIG_TOTAL);
	memset(buf, 0, sizeof buf);
	CHECK_EQ(get_desc(2, 0, 0, total, buf), total);
	CHECK_EQ(fu_last_packets, (total + 63) / 64);
	check_config(buf, total);
	/* Windows asks for 255: the same bytes, ending with a short packet. */
	uint8_t again[512];
	CHECK_EQ(get_desc(2, 0, 0, 255, again), total);
	CHECK(memcmp(buf, again, total) == 0);
	CHECK_EQ(fu_last_zlps, 0);
	/* wLength exactly 64: one full packet and nothing after it. */
	CHECK_EQ(get_desc(2, 0, 0, 64, again), 64);
	CHECK_EQ(fu_last_packets, 1);

	/* Strings: the language list, then each index in that language. */
	CHECK_EQ(get_desc(3, 0, 0, 255, buf), 4);
	CHECK_EQ(buf[0], 4);
	CHECK_EQ(buf[1], 3);
	CHECK_EQ(le16(buf + 2), 0x0409);
	uint8_t dev[18];
	get_desc(1, 0, 0, 18, dev);
	const char *want[3] = {manufacturer, product, serial};
	for (int i = 0; i < 3; i++) {
		int n = get_desc(3, dev[14 + i], 0x0409, 255, buf);
		check_string(buf, n, want[i]);
	}
	/* The product string is what discovery looks for. */
	int n = get_desc(3, dev[15], 0x0409, 255, buf);
	char text[128] = {0};
	for (int i = 2; i < n && (i - 2) / 2 < 127; i += 2)
		text[(i - 2) / 2] = (char)buf[i];
	CHECK(strstr(text, "wisrpc") != NULL);
	/* Serial: 16 upper-case hex digits. */
	n = get_desc(3, dev[16], 0x0409, 255, buf);
	CHECK_EQ(n, 2 + 2 * 16);
	for (int i = 2; i < n; i += 2)
		CHECK((buf[i] >= '0' && buf[i] <= '9') || (buf[i] >= 'A' && buf[i] <= 'F'));
	/* wLength shorter than the string: cut, bLength still the full size. */
	CHECK_EQ(get_desc(3, dev[15], 0x0409, 2, buf), 2);
	CHECK_EQ(buf[0], 2 + 2 * strlen(product));
	CHECK_EQ(get_desc(3, dev[15], 0x0409, 9, buf), 9);
	CHECK_EQ(buf[2], 'R');
	/* A bad index is a request error. */
	CHECK_EQ(get_desc(3, 4, 0x0409, 255, buf), -1);
	CHECK_EQ(get_desc(3, 0xEE, 0x0409, 255, buf), -1);
	CHECK_EQ(get_desc(2, 1, 0, 255, buf), -1); /* only configuration 0 */
	CHECK_EQ(get_desc(1, 1, 0, 18, buf), -1);
	/* A full-speed-only device has no DEVICE_QUALIFIER (USB 2.0 9.6.2). */
	CHECK_EQ(get_desc(6, 0, 0, 10, buf), -1);
	CHECK_EQ(get_desc(7, 0, 0, 255, buf), -1); /* OTHER_SPEED_CONFIGURATION */
	/* The next request after a stall works (the stall ends at SETUP). */
	CHECK_EQ(get_desc(1, 0, 0, 18, buf), 18);

	/* Address state: GET_CONFIGURATION 0, class requests refused. */
	CHECK_EQ(fu_control(0x80, 8, 0, 0, 1, buf), 1);
	CHECK_EQ(buf[0], 0);
	CHECK_EQ(fu_control(0xA1, 0x21, 0, 0, 7, buf), -1);
	CHECK_EQ(fu_control(0x82, 0, 0, 0x82, 2, buf), -1); /* no data endpoints yet */

	/* SET_CONFIGURATION 1: endpoints opened as described. */
	CHECK_EQ(fu_control(0x00, 9, 1, 0, 0, NULL), 0);
	CHECK(wisusb_configured());
	CHECK(fu.in[1].open && fu.in[1].type == 3 && fu.in[1].mps == WISUSB_NOTIFY_MPS);
	CHECK(fu.out[2].open && fu.out[2].type == 2 && fu.out[2].mps == 64);
	CHECK(fu.in[2].open && fu.in[2].type == 2 && fu.in[2].mps == 64);
	CHECK(fu.out[2].rd_pending); /* ready for the host's bytes */
	CHECK_EQ(fu_control(0x80, 8, 0, 0, 1, buf), 1);
	CHECK_EQ(buf[0], 1);
	CHECK_EQ(fu_control(0x00, 9, 2, 0, 0, NULL), -1); /* no configuration 2 */
	CHECK(wisusb_configured());

	/* GET_STATUS: device (bus powered, no wakeup), interface, endpoint. */
	memset(buf, 0xAA, 4);
	CHECK_EQ(fu_control(0x80, 0, 0, 0, 2, buf), 2);
	CHECK_EQ(buf[0], 0);
	CHECK_EQ(buf[1], 0);
	CHECK_EQ(fu_control(0x81, 0, 0, 1, 2, buf), 2);
	CHECK_EQ(fu_control(0x81, 0, 0, 2, 2, buf), -1); /* no interface 2 */
	CHECK_EQ(fu_control(0x82, 0, 0, 0x82, 2, buf), 2);
	CHECK_EQ(buf[0], 0);
	CHECK_EQ(fu_control(0x82, 0, 0, 0x85, 2, buf), -1);
	/* ENDPOINT_HALT set and cleared. */
	CHECK_EQ(fu_control(0x02, 3, 0, 0x82, 0, NULL), 0);
	CHECK(fu.in[2].stalled);
	CHECK_EQ(fu_control(0x82, 0, 0, 0x82, 2, buf), 2);
	CHECK_EQ(buf[0], 1);
	CHECK_EQ(fu_control(0x02, 1, 0, 0x82, 0, NULL), 0);
	CHECK(!fu.in[2].stalled);
	CHECK_EQ(fu_control(0x82, 0, 0, 0x82, 2, buf), 2);
	CHECK_EQ(buf[0], 0);
	/* Unsupported: remote wakeup, TEST_MODE, SET_DESCRIPTOR, vendor
	 * requests, an unknown standard request, SET_INTERFACE alt 1. */
	CHECK_EQ(fu_control(0x00, 3, 1, 0, 0, NULL), -1);
	CHECK_EQ(fu_control(0x00, 3, 2, 0x0100, 0, NULL), -1);
	CHECK_EQ(fu_control(0x00, 7, 0x0100, 0, 18, buf), -1);
	CHECK_EQ(fu_control(0xC0, 0x01, 0, 0, 4, buf), -1);
	CHECK_EQ(fu_control(0x40, 0x01, 0, 0, 0, NULL), -1);
	CHECK_EQ(fu_control(0x80, 0x30, 0, 0, 4, buf), -1);
	CHECK_EQ(fu_control(0x01, 11, 1, 0, 0, NULL), -1);
	CHECK_EQ(fu_control(0x01, 11, 0, 1, 0, NULL), 0);
	CHECK_EQ(fu_control(0x81, 10, 0, 1, 1, buf), 1);
	CHECK_EQ(buf[0], 0);

	/* SET_CONFIGURATION 0 goes back to the address state. */
	CHECK_EQ(fu_control(0x00, 9, 0, 0, 0, NULL), 0);
	CHECK(!wisusb_configured());
	CHECK(!fu.in[2].open);
}

/* A string of exactly 64 bytes (31 characters) asked with wLength 255 must
 * end with a zero-length packet, or the host waits for more. */
static void test_ep0_zlp(void)
{
	uint8_t buf[512];
	const char *p31 = "wisrpc-0123456789-0123456789-ab";
	CHECK_EQ(strlen(p31), 31);
	start(p31);
	fu_control(0x00, 5, 3, 0, 0, NULL);
	CHECK_EQ(get_desc(3, 2, 0x0409, 255, buf), 64);
	CHECK_EQ(fu_last_packets, 2);
	CHECK_EQ(fu_last_zlps, 1);
	check_string(buf, 64, p31);
	/* Asked with exactly 64: no ZLP. */
	CHECK_EQ(get_desc(3, 2, 0x0409, 64, buf), 64);
	CHECK_EQ(fu_last_zlps, 0);
	CHECK_EQ(fu_last_packets, 1);
}

/* A long text is cut at 126 characters (bLength is one byte). */
static void test_long_string(void)
{
	uint8_t buf[512];
	char longp[200];
	memset(longp, 'w', sizeof longp - 1);
	longp[sizeof longp - 1] = 0;
	start(longp);
	fu_control(0x00, 5, 3, 0, 0, NULL);
	int n = get_desc(3, 2, 0x0409, 255, buf);
	CHECK_EQ(n, 254);
	CHECK_EQ(buf[0], 254);
}

static void test_serial_format(void)
{
	char s[17];
	wisusb_serial_from_deviceid(0x89ABCDEFu, 0x01234567u, s);
	CHECK(strcmp(s, "0123456789ABCDEF") == 0);
	wisusb_serial_from_deviceid(0, 0xF00000A5u, s);
	CHECK(strcmp(s, "F00000A500000000") == 0);
}

static void test_vid_pid_from_config(void)
{
	uint8_t buf[18];
	fu_reset_fake();
	struct wisusb_config c = {.vid = 0x1209, .pid = 0x0001, .product = "x wisrpc"};
	wisusb_init(&c);
	fu_bus_reset();
	CHECK_EQ(get_desc(1, 0, 0, 18, buf), 18);
	CHECK_EQ(le16(buf + 8), 0x1209);
	CHECK_EQ(le16(buf + 10), 0x0001);
}

int main(void)
{
	wisusb_serial_from_deviceid(0x5EED1234u, 0xC0FFEE00u, serial);
	test_enumeration();
	test_ep0_zlp();
	test_long_string();
	test_serial_format();
	test_vid_pid_from_config();
	if (check_failures) {
		fprintf(stderr, "%d failures\n", check_failures);
		return EXIT_FAILURE;
	}
	printf("usb enumeration: ok\n");
	return 0;
}

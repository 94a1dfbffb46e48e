/*
 * The CDC-ACM function on the fake controller: class requests (line
 * coding, control line state, SEND_BREAK), the 1200-baud touch, and the
 * byte path: back-pressure on the bulk OUT endpoint with nothing lost,
 * zero-length packets after writes that end on a packet boundary, a halt
 * in the middle of a packet, and a bus reset in the middle of transfers.
 */
#include <stdlib.h>
#include <string.h>

#include "fake_udc.h"
#include "usb_desc.h"
#include "usb_internal.h"
#include "wisusb.h"

static int touches;
static void *touch_ctx;

static void on_touch(void *ctx)
{
	touches++;
	touch_ctx = ctx;
}

static int ctx_marker;

/* A configured device, as after enumeration. */
static void start(void)
{
	fu_reset_fake();
	struct wisusb_config c = {0};
	c.manufacturer = "RAKwireless";
	c.product = "RAK4631 wisrpc";
	c.serial = "0123456789ABCDEF";
	c.touch_1200 = on_touch;
	c.ctx = &ctx_marker;
	wisusb_init(&c);
	fu_bus_reset();
	CHECK_EQ(fu_control(0x00, 5, 9, 0, 0, NULL), 0);
	CHECK_EQ(fu_control(0x00, 9, 1, 0, 0, NULL), 0);
	CHECK(wisusb_configured());
	touches = 0;
	touch_ctx = NULL;
}

static int set_line_coding(uint32_t baud, uint8_t stop, uint8_t parity, uint8_t bits)
{
	uint8_t lc[7] = {(uint8_t)baud,
	                 (uint8_t)(baud >> 8),
	                 (uint8_t)(baud >> 16),
	                 (uint8_t)(baud >> 24),
	                 stop,
	                 parity,
	                 bits};
	return fu_control(0x21, 0x20, 0, 0, 7, lc);
}

static int set_lines(uint16_t v)
{
	return fu_control(0x21, 0x22, v, 0, 0, NULL);
}

static void test_class_requests(void)
{
	uint8_t buf[16];
	start();
	/* The default line coding is a valid one: 115200 8N1. */
	CHECK_EQ(fu_control(0xA1, 0x21, 0, 0, 7, buf), 7);
	CHECK_EQ(buf[0] | buf[1] << 8 | buf[2] << 16 | (uint32_t)buf[3] << 24, 115200);
	CHECK_EQ(buf[4], 0);
	CHECK_EQ(buf[5], 0);
	CHECK_EQ(buf[6], 8);
	/* SET then GET returns the same 7 bytes (PSTN 1.2 Table 17). */
	CHECK_EQ(set_line_coding(9600, 2, 2, 7), 0);
	memset(buf, 0, sizeof buf);
	CHECK_EQ(fu_control(0xA1, 0x21, 0, 0, 7, buf), 7);
	const uint8_t want[7] = {0x80, 0x25, 0, 0, 2, 2, 7};
	CHECK(memcmp(buf, want, 7) == 0);
	/* GET with a longer wLength still answers 7 (short packet). */
	CHECK_EQ(fu_control(0xA1, 0x21, 0, 0, 64, buf), 7);
	/* SET_LINE_CODING with the wrong length is refused. */
	uint8_t six[6] = {0};
	CHECK_EQ(fu_control(0x21, 0x20, 0, 0, 6, six), -1);
	CHECK_EQ(fu_control(0xA1, 0x21, 0, 0, 7, buf), 7);
	CHECK(memcmp(buf, want, 7) == 0); /* unchanged */
	/* DTR/RTS and SEND_BREAK are acknowledged. */
	CHECK_EQ(set_lines(3), 0);
	CHECK_EQ(wisusb__d.line_state, 3);
	CHECK_EQ(fu_control(0x21, 0x23, 250, 0, 0, NULL), 0);
	CHECK_EQ(wisusb__d.break_ms, 250);
	CHECK_EQ(wisusb__d.breaks, 1);
	/* Requests ACM does not offer, or sent to the data interface. */
	CHECK_EQ(fu_control(0x21, 0x00, 0, 0, 0, NULL), -1); /* SEND_ENCAPSULATED_COMMAND */
	CHECK_EQ(fu_control(0xA1, 0x01, 0, 0, 64, buf), -1); /* GET_ENCAPSULATED_RESPONSE */
	CHECK_EQ(fu_control(0x21, 0x02, 0, 0, 0, NULL), -1); /* SET_COMM_FEATURE */
	CHECK_EQ(fu_control(0x21, 0x22, 1, 1, 0, NULL), -1); /* to interface 1 */
	/* After those stalls the device still answers. */
	CHECK_EQ(fu_control(0xA1, 0x21, 0, 0, 7, buf), 7);
}

static void test_touch_1200(void)
{
	start();
	/* DTR dropped at 115200: no touch. */
	set_lines(1);
	set_lines(0);
	CHECK_EQ(touches, 0);
	/* 1200 with DTR low from the start: no touch (nothing dropped). */
	set_line_coding(1200, 0, 0, 8);
	set_lines(0);
	CHECK_EQ(touches, 0);
	/* Raising DTR at 1200 is the opening, not the touch. */
	set_lines(1);
	CHECK_EQ(touches, 0);
	/* Dropping it is: exactly one call, with the board's context. */
	set_lines(0);
	CHECK_EQ(touches, 1);
	CHECK(touch_ctx == &ctx_marker);
	set_lines(0);
	wisusb_task();
	CHECK_EQ(touches, 1);
	/* RTS alone changing does not count. */
	set_lines(1);
	set_lines(3);
	set_lines(1);
	CHECK_EQ(touches, 1);
	/* Back at 9600 a DTR drop is ordinary. */
	set_line_coding(9600, 0, 0, 8);
	set_lines(0);
	CHECK_EQ(touches, 1);
	/* A bus reset forgets the 1200 line coding. */
	set_line_coding(1200, 0, 0, 8);
	set_lines(1);
	fu_bus_reset();
	fu_control(0x00, 5, 9, 0, 0, NULL);
	fu_control(0x00, 9, 1, 0, 0, NULL);
	set_lines(1);
	set_lines(0);
	CHECK_EQ(touches, 1);
}

/* The host sends more than the receive ring holds: the OUT endpoint stops
 * being armed (the host is NAKed), and once the reader drains the ring
 * every byte arrives, in order. */
static void test_back_pressure(void)
{
	start();
	enum { TOTAL = WISUSB_RX_SIZE * 3 + 100 };
	static uint8_t sent[TOTAL], got[TOTAL];
	for (size_t i = 0; i < TOTAL; i++)
		sent[i] = (uint8_t)(i * 7 + (i >> 8));
	size_t off = 0;
	/* Packets of 64, then odd sizes, until the device NAKs. */
	while (off < TOTAL) {
		size_t n = off < WISUSB_RX_SIZE / 2 ? 64 : 37;
		if (n > TOTAL - off)
			n = TOTAL - off;
		if (!fu_bulk_out(WISUSB_EP_OUT, sent + off, n))
			break;
		off += n;
	}
	/* Armed only with room for a whole packet: it stops within 64 bytes
	 * of full, and never past it. */
	CHECK(off <= WISUSB_RX_SIZE);
	CHECK(off > WISUSB_RX_SIZE - 64);
	CHECK(!fu.out[2].rd_pending);
	unsigned reads_when_full = fu.out[2].reads;
	/* The main loop running without reading does not re-arm. */
	for (int i = 0; i < 5; i++)
		wisusb_task();
	CHECK(!fu.out[2].rd_pending);
	CHECK_EQ(fu.out[2].reads, reads_when_full);
	/* Reading a little (less than a packet's room) still does not. */
	size_t have = wisusb_cdc_read(got, 10);
	CHECK_EQ(have, 10);
	wisusb_task();
	CHECK(off + 10 - WISUSB_RX_SIZE >= 64 || !fu.out[2].rd_pending);
	/* Now drain and send alternately until everything went through. */
	int guard = 0;
	while ((off < TOTAL || have < TOTAL) && guard++ < 100000) {
		size_t k = wisusb_cdc_read(got + have, 50);
		have += k;
		wisusb_task();
		while (off < TOTAL) {
			size_t n = TOTAL - off < 64 ? TOTAL - off : 64;
			if (!fu_bulk_out(WISUSB_EP_OUT, sent + off, n))
				break;
			off += n;
		}
	}
	CHECK_EQ(off, TOTAL);
	CHECK_EQ(have, TOTAL);
	CHECK(memcmp(sent, got, TOTAL) == 0);
	CHECK_EQ(wisusb_cdc_read(got, 10), 0);
}

/* Drains every IN packet; returns the bytes and counts packets and ZLPs. */
static size_t host_read_all(uint8_t *buf, unsigned *packets, unsigned *zlps)
{
	size_t n = 0;
	*packets = *zlps = 0;
	for (;;) {
		int k = fu_bulk_in(WISUSB_EP_IN, buf + n);
		if (k < 0)
			return n;
		(*packets)++;
		if (k == 0)
			(*zlps)++;
		n += (size_t)k;
	}
}

static void test_zlp(void)
{
	uint8_t data[300], buf[4096];
	unsigned packets, zlps;
	for (size_t i = 0; i < sizeof data; i++)
		data[i] = (uint8_t)(i ^ 0x5A);
	start();
	CHECK(wisusb_cdc_tx_empty());
	/* 128 bytes: two full packets, then the ZLP that ends the transfer. */
	CHECK_EQ(wisusb_cdc_write(data, 128), 128);
	CHECK(!wisusb_cdc_tx_empty());
	CHECK_EQ(fu_bulk_in(WISUSB_EP_IN, buf), 64);
	CHECK_EQ(fu_bulk_in(WISUSB_EP_IN, buf + 64), 64);
	CHECK(!wisusb_cdc_tx_empty()); /* the ZLP has not left yet */
	CHECK_EQ(fu_bulk_in(WISUSB_EP_IN, buf + 128), 0);
	CHECK(wisusb_cdc_tx_empty());
	CHECK_EQ(fu_bulk_in(WISUSB_EP_IN, buf), -1); /* nothing more: NAK */
	CHECK(memcmp(buf, data, 128) == 0);
	/* 100 bytes: 64 + 36, the short packet ends it, no ZLP. */
	CHECK_EQ(wisusb_cdc_write(data, 100), 100);
	CHECK_EQ(host_read_all(buf, &packets, &zlps), 100);
	CHECK_EQ(packets, 2);
	CHECK_EQ(zlps, 0);
	/* 64 written, then 64 more before the first left: one transfer of
	 * 128 bytes, one ZLP at its end. */
	CHECK_EQ(wisusb_cdc_write(data, 64), 64);
	CHECK_EQ(wisusb_cdc_write(data + 64, 64), 64);
	CHECK_EQ(host_read_all(buf, &packets, &zlps), 128);
	CHECK_EQ(packets, 3);
	CHECK_EQ(zlps, 1);
	CHECK(memcmp(buf, data, 128) == 0);
	CHECK(wisusb_cdc_tx_empty());
	/* A write larger than the ring is cut to the room there is. */
	static uint8_t big[WISUSB_TX_SIZE + 500];
	memset(big, 0xC3, sizeof big);
	size_t room = wisusb_cdc_write_room();
	CHECK_EQ(room, WISUSB_TX_SIZE);
	size_t took = wisusb_cdc_write(big, sizeof big);
	CHECK_EQ(took, WISUSB_TX_SIZE);
	/* The first packet left the ring for the endpoint: a packet's room. */
	CHECK_EQ(wisusb_cdc_write_room(), 64);
	static uint8_t back[WISUSB_TX_SIZE + 500];
	size_t n = host_read_all(back, &packets, &zlps);
	CHECK_EQ(n, took);
	CHECK_EQ(zlps, took % 64 == 0 ? 1 : 0);
	CHECK(wisusb_cdc_tx_empty());
	CHECK_EQ(wisusb_cdc_write_room(), WISUSB_TX_SIZE);
}

/* ENDPOINT_HALT set on bulk IN while a packet waits: the controller drops
 * it, and the stack sends it again once the halt is cleared. */
static void test_halt_keeps_data(void)
{
	uint8_t data[100], buf[256];
	unsigned packets, zlps;
	for (size_t i = 0; i < sizeof data; i++)
		data[i] = (uint8_t)(200 - i);
	start();
	CHECK_EQ(wisusb_cdc_write(data, 100), 100);
	CHECK(fu.in[2].wr_pending);
	CHECK_EQ(fu_control(0x02, 3, 0, WISUSB_EP_IN, 0, NULL), 0);
	CHECK_EQ(fu_bulk_in(WISUSB_EP_IN, buf), -1);
	CHECK(!wisusb_cdc_tx_empty());
	CHECK_EQ(fu_control(0x02, 1, 0, WISUSB_EP_IN, 0, NULL), 0);
	CHECK_EQ(host_read_all(buf, &packets, &zlps), 100);
	CHECK(memcmp(buf, data, 100) == 0);
	CHECK(wisusb_cdc_tx_empty());
}

/* A bus reset in the middle of IN, OUT and control transfers: the device
 * is back in the default state, the old session's bytes are gone, and a
 * new enumeration and session work. */
static void test_bus_reset(void)
{
	uint8_t buf[512];
	uint8_t data[200];
	memset(data, 0x11, sizeof data);
	start();
	CHECK_EQ(wisusb_cdc_write(data, 200), 200);
	CHECK_EQ(fu_bulk_in(WISUSB_EP_IN, buf), 64); /* one packet taken */
	CHECK(fu_bulk_out(WISUSB_EP_OUT, data, 64));
	fu_bus_reset();
	CHECK(!wisusb_configured());
	CHECK(wisusb_cdc_tx_empty());
	CHECK_EQ(wisusb_cdc_read(buf, sizeof buf), 0);
	CHECK_EQ(wisusb_cdc_write(data, 10), 0); /* not configured */
	CHECK_EQ(wisusb_cdc_write_room(), 0);
	/* A control read cut by a reset after its first packet. */
	fu_send_setup(0x80, 6, 0x0200, 0, 255);
	CHECK(fu.ep0_in.wr_pending);
	CHECK_EQ(fu.ep0_in.wr_len, 64);
	fu.ep0_in.wr_pending = false;
	fu_bus_reset();
	CHECK_EQ(wisusb__d.ep0, WISUSB__EP0_IDLE);
	CHECK(!fu.ep0_in.wr_pending);
	/* A late acknowledge of that packet changes nothing. */
	wisusb_port_xfer_done(WISUSB_DIR_IN, 64);
	CHECK(!fu.ep0_in.wr_pending);
	/* Enumerate again: address, configuration, a fresh session. */
	CHECK_EQ(fu_control(0x80, 6, 0x0100, 0, 8, buf), 8);
	CHECK_EQ(fu_control(0x00, 5, 12, 0, 0, NULL), 0);
	CHECK_EQ(fu.address, 12);
	CHECK_EQ(fu_control(0x80, 8, 0, 0, 1, buf), 1);
	CHECK_EQ(buf[0], 0);
	CHECK_EQ(fu_control(0x00, 9, 1, 0, 0, NULL), 0);
	CHECK_EQ(fu_bulk_in(WISUSB_EP_IN, buf), -1); /* nothing old is sent */
	CHECK_EQ(wisusb_cdc_write((const uint8_t *)"hi", 2), 2);
	CHECK_EQ(fu_bulk_in(WISUSB_EP_IN, buf), 2);
	CHECK(memcmp(buf, "hi", 2) == 0);
	CHECK(fu_bulk_out(WISUSB_EP_OUT, (const uint8_t *)"ok", 2));
	CHECK_EQ(wisusb_cdc_read(buf, sizeof buf), 2);
	CHECK(memcmp(buf, "ok", 2) == 0);
	/* Unplugged: the same as a reset for the stack. */
	fu_detach();
	CHECK(!wisusb_configured());
	CHECK(wisusb_cdc_tx_empty());
}

/* Before SET_CONFIGURATION nothing is accepted for the host. */
static void test_unconfigured(void)
{
	fu_reset_fake();
	struct wisusb_config c = {0};
	c.product = "wisrpc";
	wisusb_init(&c);
	CHECK_EQ(wisusb_cdc_write((const uint8_t *)"x", 1), 0);
	CHECK_EQ(wisusb_cdc_write_room(), 0);
	CHECK(wisusb_cdc_tx_empty());
	uint8_t b[4];
	CHECK_EQ(wisusb_cdc_read(b, 4), 0);
	wisusb_task();
	CHECK(!fu.out[2].rd_pending);
}

int main(void)
{
	test_class_requests();
	test_touch_1200();
	test_back_pressure();
	test_zlp();
	test_halt_keeps_data();
	test_bus_reset();
	test_unconfigured();
	if (check_failures) {
		fprintf(stderr, "%d failures\n", check_failures);
		return EXIT_FAILURE;
	}
	printf("usb cdc: ok\n");
	return 0;
}

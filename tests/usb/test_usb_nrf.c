/*
 * The nRF52840 port (firmware/boards/rak4631/usbd_nrf52.c) with the stack,
 * on the host: the port is built with WISUSB_NRF_HOST so its registers and
 * DMA buffers live in a model of the address space, and this test plays the
 * USBD hardware and the host through those registers: the power-up
 * sequence (VBUS, READY, USB supply, HFXO, then the pull-up), EasyDMA jobs
 * (never two at once, erratum 199's register set only while one runs),
 * endpoint 0 through EP0SETUP/EP0DATADONE/EP0RCVOUT/EP0STATUS, bulk OUT
 * held in the endpoint buffer while the stack has no room, and a ZLP as a
 * zero-length DMA job.  What it cannot show: the silicon's timing, and
 * writes that a later write overwrote (the 223 disable/re-enable).
 */
#include <stdlib.h>
#include <string.h>

#include "fake_udc.h"
#include "nrf_usbd_regs.h"
#include "usb_desc.h"
#include "usb_internal.h"
#include "wisusb.h"

int check_failures;

void USBD_IRQHandler(void);

/* --- the address-space model ------------------------------------------------- */

static uint32_t usbd[0x1000 / 4];  /* 0x40027000: USBD and erratum 199's register */
static uint32_t power[0x800 / 4];  /* 0x40000000: POWER and CLOCK                 */
static uint32_t errata[0x200 / 4]; /* 0x4006EC00: anomalies 171 and 187           */
static uint32_t ficr[0x100 / 4];
static uint32_t nvic[0x20 / 4];
static uint8_t ram[0x2000]; /* 0x20001000: the port's bounce buffers */

volatile uint32_t *wisusb_nrf_host_reg(uint32_t a)
{
	if (a >= USBD_BASE && a < USBD_BASE + sizeof usbd)
		return &usbd[(a - USBD_BASE) / 4];
	if (a >= POWER_BASE && a < POWER_BASE + sizeof power)
		return &power[(a - POWER_BASE) / 4];
	if (a >= 0x4006EC00u && a < 0x4006EC00u + sizeof errata)
		return &errata[(a - 0x4006EC00u) / 4];
	if (a >= FICR_BASE && a < FICR_BASE + sizeof ficr)
		return &ficr[(a - FICR_BASE) / 4];
	if (a >= 0xE000E100u && a < 0xE000E100u + sizeof nvic)
		return &nvic[(a - 0xE000E100u) / 4];
	fprintf(stderr, "access to unmodelled address 0x%08x\n", a);
	abort();
}

uint8_t *wisusb_nrf_host_ram(uint32_t a)
{
	if (a < 0x20001000u || a >= 0x20001000u + sizeof ram) {
		fprintf(stderr, "DMA outside the model's RAM: 0x%08x\n", a);
		abort();
	}
	return ram + (a - 0x20001000u);
}

#define U(off) usbd[(off) / 4]

/* --- the USBD hardware ---------------------------------------------------------- */

static uint8_t hw_in[8][64], hw_out[8][64];
static size_t hw_in_len[8], hw_out_len[8];
static bool hw_in_full[8], hw_out_full[8];
static unsigned dma_jobs, max_started;

/* An interrupt, then the main loop.  EPDATASTATUS and EVENTCAUSE are
 * write-one-to-clear: the handler wrote back what it read, so clear. */
static void run(void)
{
	USBD_IRQHandler();
	U(USBD_EPDATASTATUS) = 0;
	U(USBD_EVENTCAUSE) = 0;
	wisusb_task();
}

static unsigned started(int *ep, bool *in)
{
	unsigned n = 0;
	for (int i = 0; i < 8; i++) {
		if (U(USBD_TASKS_STARTEPIN(i))) {
			n++;
			*ep = i;
			*in = true;
		}
		if (U(USBD_TASKS_STARTEPOUT(i))) {
			n++;
			*ep = i;
			*in = false;
		}
	}
	return n;
}

/* Runs the EasyDMA job the port started, if any. */
static bool dma_step(void)
{
	int n = -1;
	bool in = false;
	unsigned s = started(&n, &in);
	if (s > max_started)
		max_started = s;
	CHECK(s <= 1); /* EasyDMA: one transfer at a time */
	if (s == 0) {
		CHECK_EQ(usbd[0xC1C / 4], 0); /* erratum 199: only while DMA runs */
		return false;
	}
	CHECK_EQ(usbd[0xC1C / 4], 0x82);
	dma_jobs++;
	if (in) {
		U(USBD_TASKS_STARTEPIN(n)) = 0;
		uint32_t cnt = U(USBD_EPIN_MAXCNT(n));
		CHECK(cnt <= 64);
		CHECK(!hw_in_full[n]);
		memcpy(hw_in[n], wisusb_nrf_host_ram(U(USBD_EPIN_PTR(n))), cnt);
		hw_in_len[n] = cnt;
		hw_in_full[n] = true;
		U(USBD_EVENTS_ENDEPIN(n)) = 1;
	} else {
		U(USBD_TASKS_STARTEPOUT(n)) = 0;
		uint32_t cnt = U(USBD_EPOUT_MAXCNT(n));
		CHECK(hw_out_full[n]);
		CHECK_EQ(cnt, hw_out_len[n]);
		memcpy(wisusb_nrf_host_ram(U(USBD_EPOUT_PTR(n))), hw_out[n], cnt);
		hw_out_full[n] = false; /* the buffer takes the next packet */
		U(USBD_EVENTS_ENDEPOUT(n)) = 1;
	}
	run();
	return true;
}

static void settle(void)
{
	for (int i = 0; i < 100 && dma_step(); i++)
		;
}

/* --- the host ----------------------------------------------------------------------- */

static void setup(uint8_t bm, uint8_t req, uint16_t v, uint16_t i, uint16_t len)
{
	U(USBD_BMREQUESTTYPE) = bm;
	U(USBD_BREQUEST) = req;
	U(USBD_WVALUEL) = v & 0xFF;
	U(USBD_WVALUEH) = v >> 8;
	U(USBD_WINDEXL) = i & 0xFF;
	U(USBD_WINDEXH) = i >> 8;
	U(USBD_WLENGTHL) = len & 0xFF;
	U(USBD_WLENGTHH) = len >> 8;
	U(USBD_TASKS_EP0STATUS) = U(USBD_TASKS_EP0STALL) = U(USBD_TASKS_EP0RCVOUT) = 0;
	U(USBD_EVENTS_EP0SETUP) = 1;
	run();
	settle();
}

static unsigned last_packets;

/* A control read; -1 for STALL. */
static int control_in(uint8_t bm, uint8_t req, uint16_t v, uint16_t i, uint16_t len, uint8_t *buf)
{
	setup(bm, req, v, i, len);
	size_t got = 0;
	last_packets = 0;
	for (int g = 0; g < 20; g++) {
		if (U(USBD_TASKS_EP0STALL))
			return -1;
		if (!hw_in_full[0])
			break;
		size_t n = hw_in_len[0];
		CHECK(got + n <= len);
		memcpy(buf + got, hw_in[0], n);
		got += n;
		last_packets++;
		hw_in_full[0] = false;
		U(USBD_EVENTS_EP0DATADONE) = 1; /* the host acknowledged it */
		run();
		settle();
		if (n < 64 || got >= len)
			break;
	}
	CHECK_EQ(U(USBD_TASKS_EP0STATUS), 1); /* status stage allowed */
	CHECK(!hw_in_full[0]);
	return (int)got;
}

static int control_out(uint8_t bm, uint8_t req, uint16_t v, uint16_t i, uint16_t len,
                       const uint8_t *data)
{
	setup(bm, req, v, i, len);
	if (U(USBD_TASKS_EP0STALL))
		return -1;
	if (len) {
		CHECK_EQ(U(USBD_TASKS_EP0RCVOUT), 1);
		CHECK_EQ(U(USBD_TASKS_EP0STATUS), 0); /* not before the data */
		memcpy(hw_out[0], data, len);
		hw_out_len[0] = len;
		hw_out_full[0] = true;
		U(USBD_SIZE_EPOUT(0)) = len;
		U(USBD_EVENTS_EP0DATADONE) = 1;
		run();
		settle();
		CHECK(!hw_out_full[0]);
	}
	if (U(USBD_TASKS_EP0STALL))
		return -1;
	return U(USBD_TASKS_EP0STATUS) ? 0 : -2;
}

/* One bulk OUT packet; false when the endpoint buffer is still full (NAK). */
static bool bulk_out(int n, const uint8_t *p, size_t len)
{
	CHECK(U(USBD_EPOUTEN) & (1u << n));
	if (hw_out_full[n])
		return false;
	memcpy(hw_out[n], p, len);
	hw_out_len[n] = len;
	hw_out_full[n] = true;
	U(USBD_SIZE_EPOUT(n)) = (uint32_t)len;
	U(USBD_EPDATASTATUS) = USBD_EPDATASTATUS_OUT(n);
	U(USBD_EVENTS_EPDATA) = 1;
	run();
	settle();
	return true;
}

/* One bulk IN packet into buf: its length, or -1 for a NAK. */
static int bulk_in(int n, uint8_t *buf)
{
	if (!hw_in_full[n])
		return -1;
	size_t len = hw_in_len[n];
	memcpy(buf, hw_in[n], len);
	hw_in_full[n] = false;
	U(USBD_EPDATASTATUS) = USBD_EPDATASTATUS_IN(n);
	U(USBD_EVENTS_EPDATA) = 1;
	run();
	settle();
	return (int)len;
}

/* --- the test ----------------------------------------------------------------------- */

static char serial[17];

static void test_power_up(void)
{
	ficr[FICR_DEVICEID(0) / 4] = 0x5EED1234u;
	ficr[FICR_DEVICEID(1) / 4] = 0xC0FFEE00u;
	wisfw_usbd_serial(serial);
	CHECK(strcmp(serial, "C0FFEE005EED1234") == 0);
	struct wisusb_config c = {0};
	c.manufacturer = "RAKwireless";
	c.product = "RAK4631 wisrpc";
	c.serial = serial;
	wisusb_init(&c);
	wisusb_task();
	CHECK_EQ(U(USBD_ENABLE), 0); /* no VBUS */
	CHECK_EQ(U(USBD_USBPULLUP), 0);

	power[POWER_USBREGSTATUS / 4] = POWER_USBREGSTATUS_VBUSDETECT;
	wisusb_task();
	CHECK_EQ(U(USBD_ENABLE), 1);
	CHECK_EQ(power[CLOCK_TASKS_HFCLKSTART / 4], 1);
	/* Anomalies 187 and 171: set before ENABLE, with the unlock key. */
	CHECK_EQ(errata[(ERRATA_187_REG - 0x4006EC00u) / 4], 3);
	CHECK_EQ(errata[(ERRATA_171_REG - 0x4006EC00u) / 4], 0xC0);
	CHECK_EQ(errata[0], ERRATA_USBD_UNLOCK_KEY);
	U(USBD_EVENTCAUSE) = 0; /* the port's clear of a stale READY */
	wisusb_task();
	CHECK_EQ(U(USBD_USBPULLUP), 0); /* not READY yet */

	U(USBD_EVENTCAUSE) = USBD_EVENTCAUSE_READY;
	wisusb_task();
	CHECK_EQ(errata[(ERRATA_187_REG - 0x4006EC00u) / 4], 0); /* undone at READY */
	CHECK_EQ(errata[(ERRATA_171_REG - 0x4006EC00u) / 4], 0);
	CHECK_EQ(U(USBD_USBPULLUP), 0); /* the USB supply is not ready */
	power[CLOCK_HFCLKSTAT / 4] = CLOCK_HFCLKSTAT_SRC_XTAL | CLOCK_HFCLKSTAT_RUNNING;
	wisusb_task();
	CHECK_EQ(U(USBD_USBPULLUP), 0);                       /* HFXO alone is not enough */
	power[CLOCK_HFCLKSTAT / 4] = CLOCK_HFCLKSTAT_RUNNING; /* running from HFINT */
	power[POWER_USBREGSTATUS / 4] |= POWER_USBREGSTATUS_OUTPUTRDY;
	wisusb_task();
	CHECK_EQ(U(USBD_USBPULLUP), 0); /* HFXO not running */
	power[CLOCK_HFCLKSTAT / 4] = CLOCK_HFCLKSTAT_SRC_XTAL | CLOCK_HFCLKSTAT_RUNNING;
	wisusb_task();
	CHECK_EQ(U(USBD_USBPULLUP), 1); /* attached */
	CHECK(U(USBD_INTENSET) & USBD_INT_BIT(USBD_EVENTS_EP0SETUP));
	CHECK(U(USBD_INTENSET) & USBD_INT_BIT(USBD_EVENTS_USBRESET));
	CHECK(U(USBD_INTENSET) & USBD_INT_BIT(USBD_EVENTS_EPDATA));
	CHECK(U(USBD_INTENSET) & USBD_INT_BIT(USBD_EVENTS_ENDEPOUT(2)));
	CHECK_EQ(USBD_INT_BIT(USBD_EVENTS_EP0SETUP), 1u << 23); /* PS: INTEN bit 23 */
	CHECK(nvic[1] & (1u << 7));                             /* interrupt 39 */
}

static void test_enumerate(void)
{
	uint8_t buf[300];
	U(USBD_EVENTS_USBRESET) = 1;
	run();
	CHECK_EQ(control_in(0x80, 6, 0x0100, 0, 64, buf), 18);
	CHECK_EQ(buf[0], 18);
	CHECK_EQ(buf[8] | buf[9] << 8, 0x239A);
	CHECK_EQ(buf[10] | buf[11] << 8, 0x8029);
	/* SET_ADDRESS: the USBD answers it; the port must not touch EP0. */
	setup(0x00, 5, 9, 0, 0);
	CHECK_EQ(U(USBD_TASKS_EP0STATUS), 0);
	CHECK_EQ(U(USBD_TASKS_EP0STALL), 0);
	CHECK_EQ(control_in(0x80, 6, 0x0200, 0, 255, buf), WISUSB_CONFIG_TOTAL);
	CHECK_EQ(last_packets, 2); /* 64 + 11 */
	CHECK_EQ(buf[2], WISUSB_CONFIG_TOTAL);
	int n = control_in(0x80, 6, 0x0303, 0x0409, 255, buf);
	CHECK_EQ(n, 34);
	CHECK_EQ(buf[2], 'C');
	CHECK_EQ(buf[32], '4');
	CHECK_EQ(control_in(0x80, 6, 0x0600, 0, 10, buf), -1); /* STALL */
	U(USBD_SIZE_EPOUT(2)) = 0xFF;
	CHECK_EQ(control_out(0x00, 9, 1, 0, 0, NULL), 0);
	CHECK(wisusb_configured());
	CHECK_EQ(U(USBD_EPINEN), 0x7);      /* EP0, 0x81, 0x82 */
	CHECK_EQ(U(USBD_EPOUTEN), 0x5);     /* EP0, 0x02 */
	CHECK_EQ(U(USBD_SIZE_EPOUT(2)), 0); /* written: accept the first packet */
	CHECK(U(USBD_DTOGGLE) & USBD_DTOGGLE_DATA0);
	/* Line coding through an OUT data stage and EasyDMA. */
	const uint8_t lc[7] = {0xB0, 0x04, 0, 0, 0, 0, 8}; /* 1200 8N1 */
	CHECK_EQ(control_out(0x21, 0x20, 0, 0, 7, lc), 0);
	memset(buf, 0, 7);
	CHECK_EQ(control_in(0xA1, 0x21, 0, 0, 7, buf), 7);
	CHECK(memcmp(buf, lc, 7) == 0);
}

static void test_data(void)
{
	uint8_t buf[64], data[64];
	for (int i = 0; i < 64; i++)
		data[i] = (uint8_t)(i * 3);
	/* 64 bytes: one packet, acknowledged, then a zero-length DMA job. */
	CHECK_EQ(wisusb_cdc_write(data, 64), 64);
	settle();
	CHECK_EQ(bulk_in(2, buf), 64);
	CHECK(memcmp(buf, data, 64) == 0);
	CHECK(!wisusb_cdc_tx_empty());
	CHECK_EQ(bulk_in(2, buf), 0);
	CHECK(wisusb_cdc_tx_empty());
	CHECK_EQ(bulk_in(2, buf), -1);

	/* Back-pressure: the ring fills, then one packet waits in the USBD's
	 * buffer and the host is NAKed; draining lets everything through. */
	enum { TOTAL = WISUSB_RX_SIZE * 2 };
	static uint8_t sent[TOTAL], got[TOTAL];
	for (size_t i = 0; i < TOTAL; i++)
		sent[i] = (uint8_t)(i * 13 + (i >> 7));
	size_t off = 0, have = 0;
	while (off < TOTAL && bulk_out(2, sent + off, 64))
		off += 64;
	CHECK_EQ(off, WISUSB_RX_SIZE + 64);
	CHECK(hw_out_full[2]);
	for (int g = 0; g < 10000 && have < TOTAL; g++) {
		have += wisusb_cdc_read(got + have, 100);
		wisusb_task();
		settle();
		while (off < TOTAL && bulk_out(2, sent + off, 64))
			off += 64;
	}
	CHECK_EQ(have, TOTAL);
	CHECK(memcmp(sent, got, TOTAL) == 0);

	/* An IN and an OUT job wanted at once: one after the other. */
	CHECK_EQ(wisusb_cdc_write(data, 10), 10);
	CHECK(bulk_out(2, data, 20));
	settle();
	CHECK_EQ(bulk_in(2, buf), 10);
	CHECK_EQ(wisusb_cdc_read(got, sizeof got), 20);
	CHECK_EQ(max_started, 1);
	CHECK(dma_jobs >= TOTAL / 64);
}

static void test_unplug(void)
{
	power[POWER_USBREGSTATUS / 4] = 0;
	wisusb_task();
	CHECK_EQ(U(USBD_USBPULLUP), 0);
	CHECK_EQ(U(USBD_ENABLE), 0);
	CHECK(!wisusb_configured());
	/* Plugged again: the same power-up, without erratum 223's second
	 * enable (it is for the first enable after reset only). */
	power[POWER_USBREGSTATUS / 4] =
	    POWER_USBREGSTATUS_VBUSDETECT | POWER_USBREGSTATUS_OUTPUTRDY;
	wisusb_task();
	CHECK_EQ(U(USBD_ENABLE), 1);
	U(USBD_EVENTCAUSE) = USBD_EVENTCAUSE_READY;
	wisusb_task();
	wisusb_task();
	CHECK_EQ(U(USBD_USBPULLUP), 1);
}

/* More events than the queue holds before the main loop runs: the port
 * cannot know what it lost, so it detaches (the host sees an unplug) and
 * powers up again. */
static void test_queue_overflow(void)
{
	uint8_t buf[64];
	U(USBD_EVENTS_USBRESET) = 1;
	run();
	setup(0x00, 5, 4, 0, 0);
	CHECK_EQ(control_out(0x00, 9, 1, 0, 0, NULL), 0);
	CHECK(wisusb_configured());
	for (int i = 0; i < 40; i++) {
		U(USBD_EVENTS_USBEVENT) = 1;
		U(USBD_EVENTCAUSE) = USBD_EVENTCAUSE_SUSPEND;
		USBD_IRQHandler();
	}
	wisusb_task();
	CHECK(!wisusb_configured());
	CHECK_EQ(U(USBD_USBPULLUP), 0);
	CHECK_EQ(U(USBD_ENABLE), 0);
	wisusb_task();
	CHECK_EQ(U(USBD_ENABLE), 1);
	U(USBD_EVENTCAUSE) = USBD_EVENTCAUSE_READY;
	wisusb_task();
	wisusb_task();
	CHECK_EQ(U(USBD_USBPULLUP), 1);
	/* And it enumerates again. */
	U(USBD_EVENTS_USBRESET) = 1;
	run();
	CHECK_EQ(control_in(0x80, 6, 0x0100, 0, 18, buf), 18);
}

int main(void)
{
	test_power_up();
	test_enumerate();
	test_data();
	test_unplug();
	test_queue_overflow();
	printf("DMA jobs: %u, most started at once: %u\n", dma_jobs, max_started);
	if (check_failures) {
		fprintf(stderr, "%d failures\n", check_failures);
		return EXIT_FAILURE;
	}
	printf("usb nrf52 port: ok\n");
	return 0;
}

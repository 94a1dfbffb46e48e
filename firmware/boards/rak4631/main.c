/*
 * The RAK4631 image's main loop: the firmware core on the nRF52840 HAL,
 * with the USB CDC-ACM function (firmware/usb, wisusb.h) as its host link.
 * One context: USB, the core and every HAL hook run here; interrupts only
 * record (RTC alarm, GPIO edges, UARTE DMA) and wake the WFE sleep.  The
 * watchdog is fed here and nowhere else, so a stuck loop resets the module
 * (reported as cause "watchdog" in the next RESET event).
 */
#include <stddef.h>

#include "core.h"
#include "nrf_port.h"
#include "rak4631_board.h"
#include "usb_desc.h"
#include "wisusb.h"

#ifndef WIS_FW_VERSION
#define WIS_FW_VERSION "0.0.0"
#endif
/* IO2 (P1.02) enables the 3V3_S sensor rail: on at boot (issue 9), and
 * whenever the pin is released (docs/firmware.md "IO2"). */
#ifndef WISFW_RAIL_ON_AT_BOOT
#define WISFW_RAIL_ON_AT_BOOT 1
#endif

#define WDT_TIMEOUT_MS 4000u
/* The loop wakes at least this often to feed the watchdog. */
#define WAKE_MAX_US 1000000u
/* hal.h: the reset hook drains the USB IN buffer for at most 100 ms. */
#define DRAIN_US 100000u
/* Until the host has configured the device the USB port's power-up
 * steps (VBUS, USBD READY, supply, pull-up) advance in wisusb_task, which
 * then runs every millisecond. */
#define WAKE_UNCONFIGURED_US 1000u

static struct wisfw_core core;
static struct wisfw_board board;
static struct wisfw_hal hal;
static uint64_t core_alarm = UINT64_MAX;
static bool touch_pending;
static char serial[17];

/* ---- hooks the core sees ---- */

static uint64_t t_now(void *ctx)
{
	(void)ctx;
	return nrf_now_us();
}

/* The core's wish; main() programs the RTC before sleeping, with the
 * watchdog's wake-up folded in. */
static void t_alarm(void *ctx, uint64_t t_us)
{
	(void)ctx;
	core_alarm = t_us;
}

static void t_delay(void *ctx, uint32_t us)
{
	(void)ctx;
	nrf_delay_us(us);
}

static int l_tx(void *ctx, const uint8_t *p, size_t n)
{
	(void)ctx;
	/* Not configured yet (or no more): nothing is taken and the core keeps
	 * the frame, so the boot's RESET event waits for the first host, as
	 * in the simulator's pty; events beyond the core's 4 KiB queue are
	 * dropped and counted meanwhile.  A host that goes away has its queued
	 * responses discarded by the main loop (wisfw_core_tx_discard). */
	if (!wisusb_configured())
		return 0;
	return (int)wisusb_cdc_write(p, n);
}

/* Lets the USB IN pipe empty (bounded), then resets with GPREGRET. */
__attribute__((noreturn)) static void drain_and_reset(uint8_t gpregret)
{
	uint64_t end = nrf_now_us() + DRAIN_US;
	while (wisusb_configured() && !wisusb_cdc_tx_empty() && nrf_now_us() < end)
		wisusb_task();
	nrf_reset(gpregret);
}

static void s_reset(void *ctx, uint8_t mode)
{
	(void)ctx;
	uint8_t g = mode == WIS_RESET_BOOTLOADER   ? NRF_GPREGRET_UF2
	            : mode == WIS_RESET_SERIAL_DFU ? NRF_GPREGRET_SERIAL_DFU
	                                           : 0;
	drain_and_reset(g);
}

static void s_device_id(void *ctx, uint8_t id[8])
{
	(void)ctx;
	nrf_device_id(id);
}

static const struct wisfw_timebase timebase = {t_now, t_alarm, t_delay};
static const struct wisfw_link link = {l_tx};
static const struct wisfw_system sys = {s_reset, s_device_id};

/* The 1200-baud touch (wisusb): the reset waits for the IN pipe in the
 * main loop, like the protocol's RESET. */
static void on_touch(void *ctx)
{
	(void)ctx;
	touch_pending = true;
}

/* The serial number: FICR DEVICEID as 16 hex digits, the USB stack's
 * spelling (what libwisrpc matches modules by). */
static void serial_from_id(void)
{
	wisusb_serial_from_deviceid(NRF_REG(NRF_FICR_BASE, FICR_DEVICEID0),
	                            NRF_REG(NRF_FICR_BASE, FICR_DEVICEID1), serial);
}

int main(void)
{
	uint32_t rr = nrf_resetreas();
	nrf_clocks_init();
	nrf_wdt_start(WDT_TIMEOUT_MS);
	nrf_wdt_feed();
#if WISFW_RAIL_ON_AT_BOOT
	nrf_gpio_set_rail(WIS_NRF(1, 2));
#endif
	/* IO5/IO6 as GPIOs: UICR.NFCPINS is programmed once (the first boot
	 * of this image on a module) and takes a reset to apply. */
	int nfc = nrf_nfcpins_gpio();
	if (nfc == 0)
		nrf_reset(0);
	/* A fault's record (startup.c) is read once so it is not reported
	 * twice; HELLO reports it (reset_cause "fault", fault_kind/pc/lr/cfsr). */
	const struct nrf_fault_record *fr = nrf_fault_take();
	struct wisfw_fault fault = {0};
	if (fr)
		fault = (struct wisfw_fault){(uint8_t)fr->kind, fr->pc, fr->lr, fr->cfsr};

	wisfw_rak4631_board(&board);
	board.fw_version = WIS_FW_VERSION;
	board.caps = WIS_CAP_GPIO | WIS_CAP_ADC | WIS_CAP_BATCH | WIS_CAP_EVENTS | WIS_CAP_RADIO |
	             WIS_CAP_FLASH | WIS_CAP_I2C | WIS_CAP_SPI | WIS_CAP_UART;
	board.nfc_pins_gpio = nfc > 0; /* else IO5/IO6 are refused (SYSTEM) */
	hal = (struct wisfw_hal){
	    .ctx = NULL,
	    .board = &board,
	    .time = &timebase,
	    .link = &link,
	    .sys = &sys,
	    .gpio = &nrf_gpio,
	    .adc = &nrf_adc,
	    .spi = &nrf_spi,
	    .i2c = &nrf_i2c,
	    .uart = &nrf_uart,
	    .iflash = &nrf_iflash,
	    .radio_spi = &nrf_radio_spi,
	};

	serial_from_id();
	static const struct wisusb_config usb = {
	    /* 0:0 = the stack's defaults, 0x239A:0x8029 (the RAK4631
	     * application IDs, so existing udev rules match), changed with
	     * -DWISUSB_DEFAULT_VID=... -DWISUSB_DEFAULT_PID=... */
	    .vid = 0,
	    .pid = 0,
	    .manufacturer = "RAKwireless",
	    .product = "RAK4631 wisrpc",
	    .serial = serial,
	    .touch_1200 = on_touch,
	    .ctx = NULL,
	};
	wisusb_init(&usb);

	wisfw_core_init(&core, &hal);
	wisfw_core_boot(&core, fr ? WIS_CAUSE_FAULT : nrf_reset_cause(rr), fr ? &fault : NULL);

	/* Any interrupt becoming pending ends WFE, even one taken at once. */
	NRF_REG(SCB_SCR, 0) |= SCB_SCR_SEVONPEND;
	bool was_configured = false;
	for (;;) {
		wisusb_task();
		bool busy = false;

		bool conf = wisusb_configured();
		if (was_configured && !conf)
			wisfw_core_tx_discard(&core); /* the host went away */
		was_configured = conf;

		/* Feed the core what fits its window; the USB stack keeps the
		 * rest (and NAKs the host) until the next round. */
		uint8_t buf[256];
		size_t n = wisusb_cdc_read(buf, sizeof buf);
		if (n) {
			wisfw_core_rx(&core, buf, n);
			busy = true;
		}
		if (nrf_gpio_deliver(&core))
			busy = true;
		uint64_t now = nrf_now_us();
		nrf_alarm_fired();
		wisfw_core_poll(&core, now);
		/* Bytes wait for the link and it has room again: go round. */
		if (wisfw_core_tx_pending(&core) && conf && wisusb_cdc_write_room() > 0)
			busy = true;

		if (touch_pending && (wisusb_cdc_tx_empty() || !conf))
			drain_and_reset(NRF_GPREGRET_UF2);

		nrf_wdt_feed();
		if (busy)
			continue;
		uint64_t wake = nrf_now_us() + (conf ? WAKE_MAX_US : WAKE_UNCONFIGURED_US);
		if (core_alarm < wake)
			wake = core_alarm;
		nrf_alarm_at(wake);
		/* An interrupt between the checks above and here sets the event
		 * register, so WFE returns at once: nothing is missed. */
		__asm volatile("wfe" ::: "memory");
	}
}

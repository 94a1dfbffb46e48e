/*
 * The USB port for the nRF52840's USBD peripheral (usb_port.h): power-up
 * with the errata workarounds, endpoint 0 and the bulk/interrupt endpoints
 * through EasyDMA, one DMA job at a time.  The interrupt handler only
 * copies events (and the SETUP bytes) into a queue; poll, called from
 * wisusb_task in the main loop, does all register work and reports to the
 * stack, so the stack never runs in interrupt context.
 *
 * Facts: nRF52840 Product Specification v1.7 (PS) chapter 6.35 USBD:
 * "USB power-up sequence" (enable on VBUS, wait for USBD READY and the
 * USB supply ready, HFXO running, then the pull-up), "EasyDMA" (one
 * transfer at a time across all endpoints; data only in RAM), "Control
 * transfers" (EP0DATADONE per data packet, EP0RCVOUT/EP0STATUS/EP0STALL
 * tasks; SET_ADDRESS is handled by the hardware, status stage included),
 * "Bulk and interrupt transactions" (IN: ENDEPIN when the DMA is done,
 * EPDATA when the host acknowledged; OUT: EPDATA when a packet is in the
 * endpoint buffer, which NAKs further packets until the DMA has read it).
 * Errata: nRF52840 errata sheet, anomalies 171, 187, 199 and 223.
 *
 * Not done: suspend/resume low-power handling (LOWPOWER, erratum 211) and
 * remote wakeup; VBUS changes are seen at the next poll, not by interrupt.
 * With -DWISUSB_NRF_HOST (tests/usb/test_usb_nrf.c) the same code runs on
 * the host against a model of the registers and RAM.
 */
#include <string.h>

#include "nrf_usbd_regs.h"
#include "usb_desc.h"
#include "usb_port.h"

#define USBD(off) NRF_REG(USBD_BASE, off)
#define POWER(off) NRF_REG(POWER_BASE, off)
#define CLOCK(off) NRF_REG(CLOCK_BASE, off)
#define ABS(addr) NRF_REG(addr, 0)

#define NEP 8u
#define MPS 64u

#ifdef WISUSB_NRF_HOST
#define barrier() __asm volatile("" ::: "memory")
#define dmb() __asm volatile("" ::: "memory")
#else
/* Register writes complete before the task that uses them is triggered. */
static inline void barrier(void)
{
	__asm volatile("dsb 0xF\n\tisb 0xF" ::: "memory");
}
/* Queue entries are visible before the index that publishes them. */
static inline void dmb(void)
{
	__asm volatile("dmb 0xF" ::: "memory");
}
#endif

/* --- the interrupt-to-main-loop queue ------------------------------------ */

enum qkind { Q_RESET, Q_SETUP, Q_EP0DONE, Q_ENDIN, Q_ENDOUT, Q_EPDATA, Q_USBEVENT };
struct qev {
	uint8_t kind, ep;
	uint8_t setup[8];
	uint32_t val;
};
/* Each endpoint has at most one packet and one DMA job in flight, so a
 * handful of events are ever outstanding; 32 leaves room for bus resets
 * and suspend/resume bursts.  An overflow is counted and answered by a
 * detach and re-attach (see poll). */
#define QN 32u
static struct qev q[QN];
static volatile uint32_t q_head, q_tail, q_lost;

static void q_push(const struct qev *e)
{
	uint32_t h = q_head;
	if (h - q_tail >= QN) {
		q_lost++;
		return;
	}
	q[h % QN] = *e;
	dmb(); /* entry before index */
	q_head = h + 1;
}

void USBD_IRQHandler(void);
void USBD_IRQHandler(void)
{
	struct qev e = {0};
	if (USBD(USBD_EVENTS_USBRESET)) {
		USBD(USBD_EVENTS_USBRESET) = 0;
		e.kind = Q_RESET;
		q_push(&e);
	}
	if (USBD(USBD_EVENTS_USBEVENT)) {
		USBD(USBD_EVENTS_USBEVENT) = 0;
		e.kind = Q_USBEVENT;
		e.val = USBD(USBD_EVENTCAUSE);
		USBD(USBD_EVENTCAUSE) = e.val;
		q_push(&e);
	}
	/* DMA ends before the data-stage and acknowledge events they precede. */
	for (uint8_t n = 0; n < NEP; n++) {
		if (USBD(USBD_EVENTS_ENDEPIN(n))) {
			USBD(USBD_EVENTS_ENDEPIN(n)) = 0;
			e.kind = Q_ENDIN;
			e.ep = n;
			q_push(&e);
		}
		if (USBD(USBD_EVENTS_ENDEPOUT(n))) {
			USBD(USBD_EVENTS_ENDEPOUT(n)) = 0;
			e.kind = Q_ENDOUT;
			e.ep = n;
			q_push(&e);
		}
	}
	if (USBD(USBD_EVENTS_EP0DATADONE)) {
		USBD(USBD_EVENTS_EP0DATADONE) = 0;
		e.kind = Q_EP0DONE;
		q_push(&e);
	}
	if (USBD(USBD_EVENTS_EPDATA)) {
		USBD(USBD_EVENTS_EPDATA) = 0;
		e.kind = Q_EPDATA;
		e.val = USBD(USBD_EPDATASTATUS);
		USBD(USBD_EPDATASTATUS) = e.val;
		q_push(&e);
	}
	if (USBD(USBD_EVENTS_EP0SETUP)) {
		USBD(USBD_EVENTS_EP0SETUP) = 0;
		/* Copied now: the registers change with the next SETUP. */
		static const uint16_t regs[8] = {USBD_BMREQUESTTYPE, USBD_BREQUEST, USBD_WVALUEL,
		                                 USBD_WVALUEH,       USBD_WINDEXL,  USBD_WINDEXH,
		                                 USBD_WLENGTHL,      USBD_WLENGTHH};
		e.kind = Q_SETUP;
		for (int i = 0; i < 8; i++)
			e.setup[i] = (uint8_t)USBD(regs[i]);
		q_push(&e);
	}
	/* Read back so the cleared events cannot re-trigger the interrupt on
	 * the way out (PS "Peripheral interface": events and interrupts). */
	(void)USBD(USBD_EVENTS_EPDATA);
}

/* --- endpoint and DMA state (main loop only) ------------------------------- */

enum { EP0_NONE, EP0_IN, EP0_OUT };
static uint8_t ep0_dir;

/* Bounce buffers: EasyDMA reads and writes RAM only, and the stack's
 * descriptors live in flash. */
#ifdef WISUSB_NRF_HOST
#define RAM_IN 0x20001000u /* the model's RAM for the bounce buffers */
#define RAM_OUT 0x20002000u
#define IN_BUF(n) wisusb_nrf_host_ram(RAM_IN + MPS * (n))
#define OUT_BUF(n) wisusb_nrf_host_ram(RAM_OUT + MPS * (n))
#define IN_ADDR(n) (RAM_IN + MPS * (n))
#define OUT_ADDR(n) (RAM_OUT + MPS * (n))
#else
static uint8_t in_buf[NEP][MPS] __attribute__((aligned(4)));
static uint8_t out_buf[NEP][MPS] __attribute__((aligned(4)));
#define IN_BUF(n) in_buf[n]
#define OUT_BUF(n) out_buf[n]
#define IN_ADDR(n) ((uint32_t)(uintptr_t)in_buf[n])
#define OUT_ADDR(n) ((uint32_t)(uintptr_t)out_buf[n])
#endif

static uint8_t in_len[NEP];    /* bytes of the packet handed over     */
static bool in_pending[NEP];   /* handed over, not yet acknowledged   */
static bool in_job[NEP];       /* DMA into the endpoint wanted        */
static uint8_t *out_dest[NEP]; /* the stack's buffer                  */
static size_t out_cap[NEP];
static bool out_armed[NEP];    /* the stack accepts a packet          */
static bool out_has_data[NEP]; /* a packet waits in the USBD buffer   */
static bool out_job[NEP];      /* DMA out of the endpoint wanted      */
static uint8_t out_len[NEP];

/* The one DMA job running: endpoint n (IN) or 8 + n (OUT); -1 = none.
 * dma_discard: its endpoint was reset meanwhile, drop the result. */
static int dma_ep = -1;
static bool dma_discard;

static void dma_start_in(uint8_t n)
{
	in_job[n] = false;
	dma_ep = n;
	dma_discard = false;
	ABS(ERRATA_199_REG) = 0x82u; /* anomaly 199: set while EasyDMA runs */
	USBD(USBD_EPIN_PTR(n)) = IN_ADDR(n);
	USBD(USBD_EPIN_MAXCNT(n)) = in_len[n];
	barrier();
	USBD(USBD_TASKS_STARTEPIN(n)) = 1;
}

static void dma_start_out(uint8_t n)
{
	out_job[n] = false;
	dma_ep = 8 + n;
	dma_discard = false;
	uint32_t size = USBD(USBD_SIZE_EPOUT(n));
	out_len[n] = (uint8_t)(size > MPS ? MPS : size);
	ABS(ERRATA_199_REG) = 0x82u;
	USBD(USBD_EPOUT_PTR(n)) = OUT_ADDR(n);
	USBD(USBD_EPOUT_MAXCNT(n)) = out_len[n];
	barrier();
	USBD(USBD_TASKS_STARTEPOUT(n)) = 1;
}

/* Starts the next wanted DMA job if none runs: EasyDMA is serialised. */
static void dma_kick(void)
{
	if (dma_ep >= 0)
		return;
	for (uint8_t n = 0; n < NEP; n++) {
		if (in_job[n]) {
			dma_start_in(n);
			return;
		}
		if (out_job[n]) {
			dma_start_out(n);
			return;
		}
	}
}

/* Forgets endpoint n's work (both directions); n = 0 is the control pipe. */
static void ep_forget(uint8_t n)
{
	in_pending[n] = in_job[n] = false;
	out_armed[n] = out_job[n] = out_has_data[n] = false;
	if (dma_ep == n || dma_ep == 8 + n)
		dma_discard = true;
}

/* --- power-up, attach, detach ----------------------------------------------- */

enum { PWR_OFF, PWR_WAIT_READY, PWR_WAIT_SUPPLY, PWR_ON };
static uint8_t pwr;
static bool enabled_once;

/* Anomalies 187 and 171 each change an undocumented register; the errata
 * sheet brackets the change with a key written to an unlock register (for
 * 171 the first key only when that register reads 0). */
static void errata_187(uint32_t value)
{
	ABS(ERRATA_USBD_UNLOCK) = ERRATA_USBD_UNLOCK_KEY;
	ABS(ERRATA_187_REG) = value;
	ABS(ERRATA_USBD_UNLOCK) = ERRATA_USBD_UNLOCK_KEY;
}

static void errata_171(uint32_t value)
{
	if (ABS(ERRATA_USBD_UNLOCK) == 0)
		ABS(ERRATA_USBD_UNLOCK) = ERRATA_USBD_UNLOCK_KEY;
	ABS(ERRATA_171_REG) = value;
	ABS(ERRATA_USBD_UNLOCK) = ERRATA_USBD_UNLOCK_KEY;
}

static void power_enable(void)
{
	/* USB needs the crystal: ask for it (a no-op when the clock driver
	 * already started it) and check HFCLKSTAT before attaching. */
	CLOCK(CLOCK_TASKS_HFCLKSTART) = 1;
	USBD(USBD_EVENTCAUSE) = USBD_EVENTCAUSE_READY;
	/* Anomalies 187 ("USB cannot be enabled") and 171 ("USBD might not
	 * reach its active state"): written before ENABLE, undone at READY. */
	errata_187(3);
	errata_171(0xC0);
	USBD(USBD_ENABLE) = 1;
	if (!enabled_once) {
		/* Anomaly 223 ("unexpected behavior after reset"): the first
		 * enable after reset is followed by a disable and a re-enable. */
		USBD(USBD_ENABLE) = 0;
		barrier();
		USBD(USBD_ENABLE) = 1;
		enabled_once = true;
	}
	pwr = PWR_WAIT_READY;
}

static void attach(void)
{
	for (uint8_t n = 0; n < NEP; n++)
		ep_forget(n);
	dma_ep = -1;
	ep0_dir = EP0_NONE;
	q_tail = q_head;
	USBD(USBD_INTENCLR) = 0xFFFFFFFFu;
	uint32_t mask = USBD_INT_BIT(USBD_EVENTS_USBRESET) | USBD_INT_BIT(USBD_EVENTS_USBEVENT) |
	                USBD_INT_BIT(USBD_EVENTS_EP0DATADONE) | USBD_INT_BIT(USBD_EVENTS_EPDATA) |
	                USBD_INT_BIT(USBD_EVENTS_EP0SETUP);
	for (uint8_t n = 0; n < NEP; n++)
		mask |=
		    USBD_INT_BIT(USBD_EVENTS_ENDEPIN(n)) | USBD_INT_BIT(USBD_EVENTS_ENDEPOUT(n));
	USBD(USBD_INTENSET) = mask;
	ABS(NVIC_ISER(USBD_IRQN / 32u)) = 1u << (USBD_IRQN % 32u);
	USBD(USBD_USBPULLUP) = 1;
	pwr = PWR_ON;
}

/* The HFXO stays requested: the clock driver owns it, and a replug needs
 * it again. */
static void detach(void)
{
	USBD(USBD_USBPULLUP) = 0;
	USBD(USBD_INTENCLR) = 0xFFFFFFFFu;
	USBD(USBD_ENABLE) = 0;
	ABS(ERRATA_199_REG) = 0;
	for (uint8_t n = 0; n < NEP; n++)
		ep_forget(n);
	dma_ep = -1;
	ep0_dir = EP0_NONE;
	q_tail = q_head;
	pwr = PWR_OFF;
}

/* --- events, in the main loop ------------------------------------------------- */

static void on_end(bool in, uint8_t n)
{
	if (dma_ep != (in ? n : 8 + n))
		return;
	ABS(ERRATA_199_REG) = 0;
	dma_ep = -1;
	if (dma_discard || in)
		return; /* IN: the host's acknowledge reports it */
	if (n == 0 && ep0_dir != EP0_OUT)
		return;
	out_has_data[n] = false;
	out_armed[n] = false;
	size_t len = out_len[n] < out_cap[n] ? out_len[n] : out_cap[n];
	memcpy(out_dest[n], OUT_BUF(n), len);
	if (n == 0)
		ep0_dir = EP0_NONE;
	wisusb_port_xfer_done(n, len);
}

static void on_epdata(uint32_t st)
{
	for (uint8_t n = 1; n < NEP; n++) {
		if ((st & USBD_EPDATASTATUS_IN(n)) && in_pending[n]) {
			in_pending[n] = false;
			wisusb_port_xfer_done((uint8_t)(WISUSB_DIR_IN | n), in_len[n]);
		}
		if (st & USBD_EPDATASTATUS_OUT(n)) {
			out_has_data[n] = true;
			if (out_armed[n])
				out_job[n] = true;
		}
	}
}

static void on_event(const struct qev *e)
{
	switch (e->kind) {
	case Q_RESET:
		/* The USBD reset its endpoints; data endpoints stay disabled
		 * until the next SET_CONFIGURATION. */
		for (uint8_t n = 0; n < NEP; n++)
			ep_forget(n);
		ep0_dir = EP0_NONE;
		USBD(USBD_EPINEN) = 1;
		USBD(USBD_EPOUTEN) = 1;
		wisusb_port_bus_reset();
		break;
	case Q_SETUP:
		ep_forget(0);
		ep0_dir = EP0_NONE;
		wisusb_port_setup(e->setup);
		break;
	case Q_EP0DONE:
		if (ep0_dir == EP0_IN && in_pending[0]) {
			in_pending[0] = false;
			ep0_dir = EP0_NONE;
			wisusb_port_xfer_done(WISUSB_DIR_IN, in_len[0]);
		} else if (ep0_dir == EP0_OUT) {
			out_job[0] = true; /* the packet is in the buffer: fetch it */
		}
		break;
	case Q_ENDIN:
		on_end(true, e->ep);
		break;
	case Q_ENDOUT:
		on_end(false, e->ep);
		break;
	case Q_EPDATA:
		on_epdata(e->val);
		break;
	case Q_USBEVENT:
		/* Suspend/resume: nothing to do while bus powered and idle; the
		 * READY cause is handled during power-up, before interrupts. */
		break;
	}
	dma_kick();
}

/* --- the port hooks --------------------------------------------------------------- */

static void p_init(void)
{
	pwr = PWR_OFF;
	detach();
}

static void p_poll(void)
{
	uint32_t st = POWER(POWER_USBREGSTATUS);
	bool vbus = (st & POWER_USBREGSTATUS_VBUSDETECT) != 0;
	/* The supply's levels rather than the USBDETECTED/USBREMOVED/
	 * USBPWRRDY events: no edge can be missed, and the POWER_CLOCK
	 * interrupt stays the clock driver's. */
	if (!vbus) {
		if (pwr != PWR_OFF) {
			detach();
			wisusb_port_detached();
		}
		return;
	}
	switch (pwr) {
	case PWR_OFF:
		power_enable();
		return;
	case PWR_WAIT_READY:
		if (!(USBD(USBD_EVENTCAUSE) & USBD_EVENTCAUSE_READY))
			return;
		USBD(USBD_EVENTCAUSE) = USBD_EVENTCAUSE_READY;
		errata_187(0);
		errata_171(0);
		pwr = PWR_WAIT_SUPPLY;
		return;
	case PWR_WAIT_SUPPLY: {
		uint32_t hf = CLOCK(CLOCK_HFCLKSTAT);
		bool hfxo = (hf & CLOCK_HFCLKSTAT_SRC_XTAL) && (hf & CLOCK_HFCLKSTAT_RUNNING);
		if ((st & POWER_USBREGSTATUS_OUTPUTRDY) && hfxo)
			attach();
		return;
	}
	default:
		break;
	}
	if (q_lost) {
		/* Events were lost: the only safe state is a fresh start, which
		 * the host sees as an unplug and replug. */
		q_lost = 0;
		detach();
		wisusb_port_detached();
		return;
	}
	while (q_tail != q_head) {
		dmb();
		struct qev e = q[q_tail % QN];
		q_tail = q_tail + 1;
		on_event(&e);
		if (pwr != PWR_ON)
			return;
	}
	dma_kick();
}

static void p_ep0_write(const uint8_t *p, size_t n)
{
	if (n > MPS)
		n = MPS;
	memcpy(IN_BUF(0), p, n);
	in_len[0] = (uint8_t)n;
	in_pending[0] = true;
	in_job[0] = true;
	ep0_dir = EP0_IN;
	dma_kick();
}

static void p_ep0_read(uint8_t *buf, size_t n)
{
	out_dest[0] = buf;
	out_cap[0] = n;
	ep0_dir = EP0_OUT;
	USBD(USBD_TASKS_EP0RCVOUT) = 1;
}

static void p_ep0_status(void)
{
	ep0_dir = EP0_NONE;
	USBD(USBD_TASKS_EP0STATUS) = 1;
}

static void p_ep0_stall(void)
{
	ep_forget(0);
	ep0_dir = EP0_NONE;
	USBD(USBD_TASKS_EP0STALL) = 1;
}

static void p_set_address(uint8_t addr)
{
	/* The USBD answers SET_ADDRESS itself (status stage included) and
	 * then uses the address in USBADDR. */
	(void)addr;
}

static uint32_t ep_sel(uint8_t ep)
{
	return (ep & 7u) | ((ep & WISUSB_DIR_IN) ? USBD_EP_IO_IN : 0);
}

static void p_ep_open(uint8_t ep, uint8_t type, uint16_t mps)
{
	(void)type; /* bulk and interrupt behave alike in the USBD */
	(void)mps;  /* 64 at most; the DMA length sets each packet */
	uint8_t n = ep & 7u;
	if (ep & WISUSB_DIR_IN) {
		in_pending[n] = in_job[n] = false;
		USBD(USBD_EPINEN) |= 1u << n;
	} else {
		out_armed[n] = out_job[n] = out_has_data[n] = false;
		USBD(USBD_EPOUTEN) |= 1u << n;
		USBD(USBD_SIZE_EPOUT(n)) = 0; /* accept the first packet */
	}
	USBD(USBD_EPSTALL) = ep_sel(ep);
	USBD(USBD_DTOGGLE) = ep_sel(ep) | USBD_DTOGGLE_DATA0;
}

static void p_ep_close_all(void)
{
	for (uint8_t n = 1; n < NEP; n++)
		ep_forget(n);
	USBD(USBD_EPINEN) = 1;
	USBD(USBD_EPOUTEN) = 1;
}

static void p_ep_write(uint8_t ep, const uint8_t *p, size_t n)
{
	uint8_t i = ep & 7u;
	if (n > MPS)
		n = MPS;
	memcpy(IN_BUF(i), p, n);
	in_len[i] = (uint8_t)n; /* 0: a ZLP, a DMA job of length zero */
	in_pending[i] = true;
	in_job[i] = true;
	dma_kick();
}

static void p_ep_read(uint8_t ep, uint8_t *buf, size_t n)
{
	uint8_t i = ep & 7u;
	out_dest[i] = buf;
	out_cap[i] = n;
	out_armed[i] = true;
	if (out_has_data[i])
		out_job[i] = true;
	dma_kick();
}

static void p_ep_stall(uint8_t ep, bool on)
{
	uint8_t i = ep & 7u;
	if (on && (ep & WISUSB_DIR_IN)) {
		in_pending[i] = in_job[i] = false;
		if (dma_ep == i)
			dma_discard = true;
	}
	USBD(USBD_EPSTALL) = ep_sel(ep) | (on ? USBD_EPSTALL_STALL : 0);
	if (!on)
		USBD(USBD_DTOGGLE) = ep_sel(ep) | USBD_DTOGGLE_DATA0;
}

const struct wisusb_port wisusb_port_hw = {
    .init = p_init,
    .poll = p_poll,
    .ep0_write = p_ep0_write,
    .ep0_read = p_ep0_read,
    .ep0_status = p_ep0_status,
    .ep0_stall = p_ep0_stall,
    .set_address = p_set_address,
    .ep_open = p_ep_open,
    .ep_close_all = p_ep_close_all,
    .ep_write = p_ep_write,
    .ep_read = p_ep_read,
    .ep_stall = p_ep_stall,
};

void wisfw_usbd_serial(char out[17])
{
	wisusb_serial_from_deviceid(NRF_REG(FICR_BASE, FICR_DEVICEID(0)),
	                            NRF_REG(FICR_BASE, FICR_DEVICEID(1)), out);
}

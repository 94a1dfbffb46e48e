/*
 * The fake device controller and the host's side of the bus for
 * tests/usb (see fake_udc.h).
 */
#include "fake_udc.h"

#include <string.h>

#include "usb_port.h"
#include "wisusb.h"

int check_failures;
struct fu_state fu;
unsigned fu_last_packets, fu_last_zlps;

/* --- events, delivered by poll as the real port does --------------------- */

enum ev_kind { EV_RESET, EV_SETUP, EV_DONE, EV_DETACH };
struct ev {
	enum ev_kind kind;
	uint8_t setup[8];
	uint8_t ep;
	size_t n;
};
static struct ev evq[16];
static unsigned ev_n;

static void push(struct ev e)
{
	CHECK(ev_n < 16);
	if (ev_n < 16)
		evq[ev_n++] = e;
}

static void deliver(void)
{
	wisusb_task();
}

static struct fu_ep *ep_of(uint8_t ep)
{
	if (ep == 0x80)
		return &fu.ep0_in;
	if (ep == 0x00)
		return &fu.ep0_out;
	return (ep & 0x80) ? &fu.in[ep & 7] : &fu.out[ep & 7];
}

/* Hardware forgets every packet in flight at a bus reset or detach. */
static void forget_all(void)
{
	fu.ep0_in.wr_pending = fu.ep0_out.rd_pending = false;
	for (int i = 0; i < 8; i++) {
		fu.in[i].wr_pending = fu.out[i].rd_pending = false;
		fu.in[i].open = fu.out[i].open = false;
		fu.in[i].stalled = fu.out[i].stalled = false;
	}
	fu.address = 0;
}

/* --- the port hooks ------------------------------------------------------- */

static void p_init(void)
{
	fu.inited = true;
}

static void p_poll(void)
{
	/* Take the queue first so that delivering an event never sees
	 * one queued meanwhile. */
	struct ev q[16];
	unsigned n = ev_n;
	memcpy(q, evq, sizeof q);
	ev_n = 0;
	for (unsigned i = 0; i < n; i++) {
		switch (q[i].kind) {
		case EV_RESET:
			forget_all();
			wisusb_port_bus_reset();
			break;
		case EV_DETACH:
			forget_all();
			wisusb_port_detached();
			break;
		case EV_SETUP:
			/* A SETUP clears the control endpoint's stall and any
			 * packet left on it (USB 2.0 8.5.3.4). */
			fu.ep0_stalled = false;
			fu.ep0_in.wr_pending = fu.ep0_out.rd_pending = false;
			wisusb_port_setup(q[i].setup);
			break;
		case EV_DONE:
			wisusb_port_xfer_done(q[i].ep, q[i].n);
			break;
		}
	}
}

static void p_ep0_write(const uint8_t *p, size_t n)
{
	CHECK(!fu.ep0_in.wr_pending);
	CHECK(n <= 64);
	fu.ep0_in.wr = p;
	fu.ep0_in.wr_len = n;
	fu.ep0_in.wr_pending = true;
	fu.ep0_in.writes++;
}

static void p_ep0_read(uint8_t *buf, size_t n)
{
	CHECK(!fu.ep0_out.rd_pending);
	fu.ep0_out.rd = buf;
	fu.ep0_out.rd_cap = n;
	fu.ep0_out.rd_pending = true;
}

static void p_ep0_status(void)
{
	/* The status stage comes after every data packet was taken. */
	CHECK(!fu.ep0_in.wr_pending);
	CHECK(!fu.ep0_out.rd_pending);
	fu.status_calls++;
}

static void p_ep0_stall(void)
{
	fu.stall_calls++;
	fu.ep0_stalled = true;
	fu.ep0_in.wr_pending = fu.ep0_out.rd_pending = false;
}

static void p_set_address(uint8_t addr)
{
	fu.set_address_calls++;
	fu.address = addr;
}

static void p_ep_open(uint8_t ep, uint8_t type, uint16_t mps)
{
	struct fu_ep *e = ep_of(ep);
	CHECK((ep & 0x7F) != 0);
	e->open = true;
	e->type = type;
	e->mps = mps;
	e->stalled = false;
	e->wr_pending = e->rd_pending = false;
}

static void p_ep_close_all(void)
{
	fu.close_all_calls++;
	for (int i = 1; i < 8; i++) {
		fu.in[i] = (struct fu_ep){0};
		fu.out[i] = (struct fu_ep){0};
	}
}

static void p_ep_write(uint8_t ep, const uint8_t *p, size_t n)
{
	struct fu_ep *e = ep_of(ep);
	CHECK(ep & 0x80);
	CHECK(e->open);
	CHECK(!e->wr_pending);
	CHECK(n <= e->mps);
	e->wr = p;
	e->wr_len = n;
	e->wr_pending = true;
	e->writes++;
	if (n == 0)
		e->zlps++;
}

static void p_ep_read(uint8_t ep, uint8_t *buf, size_t n)
{
	struct fu_ep *e = ep_of(ep);
	CHECK(!(ep & 0x80));
	CHECK(e->open);
	CHECK(!e->rd_pending);
	CHECK(n >= e->mps);
	e->rd = buf;
	e->rd_cap = n;
	e->rd_pending = true;
	e->reads++;
}

static void p_ep_stall(uint8_t ep, bool on)
{
	struct fu_ep *e = ep_of(ep);
	e->stalled = on;
	if (on)
		e->wr_pending = e->rd_pending = false;
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

/* --- the host's side -------------------------------------------------------- */

void fu_reset_fake(void)
{
	memset(&fu, 0, sizeof fu);
	fu.address = -1;
	ev_n = 0;
}

void fu_bus_reset(void)
{
	push((struct ev){.kind = EV_RESET});
	deliver();
}

void fu_detach(void)
{
	push((struct ev){.kind = EV_DETACH});
	deliver();
}

static struct ev setup_event(uint8_t bm, uint8_t req, uint16_t wvalue, uint16_t windex,
                             uint16_t wlength)
{
	struct ev e = {.kind = EV_SETUP};
	e.setup[0] = bm;
	e.setup[1] = req;
	e.setup[2] = (uint8_t)wvalue;
	e.setup[3] = (uint8_t)(wvalue >> 8);
	e.setup[4] = (uint8_t)windex;
	e.setup[5] = (uint8_t)(windex >> 8);
	e.setup[6] = (uint8_t)wlength;
	e.setup[7] = (uint8_t)(wlength >> 8);
	return e;
}

void fu_send_setup(uint8_t bm, uint8_t req, uint16_t wvalue, uint16_t windex, uint16_t wlength)
{
	push(setup_event(bm, req, wvalue, windex, wlength));
	deliver();
}

int fu_control(uint8_t bm, uint8_t req, uint16_t wvalue, uint16_t windex, uint16_t wlength,
               uint8_t *data)
{
	struct ev e = setup_event(bm, req, wvalue, windex, wlength);
	unsigned status0 = fu.status_calls, setaddr0 = fu.set_address_calls;
	fu_last_packets = fu_last_zlps = 0;
	push(e);
	deliver();
	if (fu.ep0_stalled)
		return -1;

	if (bm & 0x80) {
		/* IN data stage: the host takes packets until it has wLength
		 * bytes or a short packet arrives (USB 2.0 5.5.3). */
		size_t got = 0;
		for (int guard = 0; guard < 64; guard++) {
			if (fu.ep0_stalled)
				return -1;
			if (!fu.ep0_in.wr_pending) {
				fprintf(stderr,
				        "control %02x/%02x: data stage stopped after %zu of "
				        "%u bytes without a short packet\n",
				        bm, req, got, wlength);
				check_failures++;
				return (int)got;
			}
			size_t n = fu.ep0_in.wr_len;
			CHECK(got + n <= wlength);
			if (got + n <= wlength && data)
				memcpy(data + got, fu.ep0_in.wr, n);
			got += n;
			fu_last_packets++;
			if (n == 0)
				fu_last_zlps++;
			fu.ep0_in.wr_pending = false;
			push((struct ev){.kind = EV_DONE, .ep = 0x80, .n = n});
			deliver();
			if (n < 64 || got >= wlength)
				break;
		}
		/* The host now sends the zero-length status OUT: the device
		 * must have let it through and have nothing more to send. */
		CHECK(!fu.ep0_in.wr_pending);
		CHECK_EQ(fu.status_calls, status0 + 1);
		return (int)got;
	}

	if (wlength) {
		if (!fu.ep0_out.rd_pending) {
			fprintf(stderr, "control %02x/%02x: OUT data not accepted\n", bm, req);
			check_failures++;
			return -1;
		}
		CHECK(fu.ep0_out.rd_cap >= wlength);
		size_t n = wlength < fu.ep0_out.rd_cap ? wlength : fu.ep0_out.rd_cap;
		memcpy(fu.ep0_out.rd, data, n);
		fu.ep0_out.rd_pending = false;
		push((struct ev){.kind = EV_DONE, .ep = 0x00, .n = n});
		deliver();
		if (fu.ep0_stalled)
			return -1;
	}
	/* No-data (or finished OUT) request: a status stage, or SET_ADDRESS
	 * whose status stage the controller runs itself. */
	CHECK_EQ((fu.status_calls - status0) + (fu.set_address_calls - setaddr0), 1);
	return 0;
}

bool fu_bulk_out(uint8_t ep, const uint8_t *p, size_t n)
{
	struct fu_ep *e = ep_of(ep);
	CHECK(n <= 64);
	if (!e->rd_pending || e->stalled)
		return false;
	CHECK(n <= e->rd_cap);
	memcpy(e->rd, p, n);
	e->rd_pending = false;
	push((struct ev){.kind = EV_DONE, .ep = ep, .n = n});
	deliver();
	return true;
}

int fu_bulk_in(uint8_t ep, uint8_t *buf)
{
	struct fu_ep *e = ep_of(ep);
	if (!e->wr_pending || e->stalled)
		return -1;
	size_t n = e->wr_len;
	memcpy(buf, e->wr, n);
	e->wr_pending = false;
	push((struct ev){.kind = EV_DONE, .ep = ep, .n = n});
	deliver();
	return (int)n;
}

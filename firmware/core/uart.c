/*
 * UART subsystem: the module's two UARTs (UARTE, hal.uart) as resources
 * uart0/uart1.  UART_CONFIG takes TXD/RXD and starts reception; from then
 * on the poll hook moves received bytes, in order, into UART_RX events of
 * up to WIS_UART_RX_EVENT_MAX bytes, each carrying the port's overflow
 * total (bytes its receive buffer dropped while full), so nothing is lost
 * silently.  UART_WRITE never blocks: it answers how many bytes the port
 * took.
 */
#include "core_priv.h"

/* How often reception is looked at: 2 ms holds 230 bytes at 1 Mbaud,
 * well inside the port's buffer (the simulator's holds 4 KiB). */
#define UART_POLL_US 2000u

static const uint8_t *port_pins(uint8_t port)
{
	return wis_res_pins(port ? WIS_RES_UART1 : WIS_RES_UART0);
}

static uint8_t h_config(struct wisfw_core *c, const union wis_val *v, struct wis_wr *out)
{
	(void)out;
	uint8_t port = (uint8_t)v[0].u, st;
	if (!c->hal->uart)
		return wisfw_d_unsupported(c, "UART_CONFIG", "hal.uart");
	const uint8_t *pins = port_pins(port);
	for (size_t i = 0; pins[i] != WIS_NRF_NONE; i++)
		if ((st = wisfw_claim_check(c, pins[i], WIS_OWNER_UART)) != WIS_ST_OK) {
			wisfw_d_str(c, port ? " (UART1 needs it)" : " (UART0 needs it)");
			return st;
		}
	st = c->hal->uart->configure(c->hal->ctx, port, (uint32_t)v[1].u, (uint8_t)v[2].u,
	                             (uint8_t)v[3].u);
	if (st != WIS_ST_OK) {
		wisfw_d_str(c, "UART_CONFIG: the port refused the settings");
		return st;
	}
	for (size_t i = 0; pins[i] != WIS_NRF_NONE; i++)
		c->pins[pins[i]].owner = WIS_OWNER_UART;
	c->uart_on[port] = true;
	return WIS_ST_OK;
}

/* The port is configured and still owns its pins (a RELEASE stops it). */
static bool port_live(struct wisfw_core *c, uint8_t port)
{
	if (c->uart_on[port] && c->pins[port_pins(port)[0]].owner != WIS_OWNER_UART)
		c->uart_on[port] = false;
	return c->uart_on[port];
}

static uint8_t h_write(struct wisfw_core *c, const union wis_val *v, struct wis_wr *out)
{
	uint8_t port = (uint8_t)v[0].u;
	if (!port_live(c, port)) {
		wisfw_d_str(c, port ? "UART1" : "UART0");
		wisfw_d_str(c, " is not configured: UART_CONFIG first");
		return WIS_ST_WRONG_MODE;
	}
	int n = c->hal->uart->write(c->hal->ctx, port, v[1].b.p, v[1].b.len);
	if (n < 0) {
		wisfw_d_str(c, "UART_WRITE: the port failed");
		return WIS_ST_HW_ERROR;
	}
	wis_wr_u16(out, (uint16_t)n);
	return WIS_ST_OK;
}

static void uart_poll(struct wisfw_core *c, uint64_t now)
{
	uint8_t ev[5 + WIS_UART_RX_EVENT_MAX];
	for (uint8_t port = 0; port < 2; port++) {
		if (!port_live(c, port))
			continue;
		/* Only as much as the event queue has room for: the rest waits
		 * in the port's buffer (where an overflow is counted), so a
		 * host that reads slowly loses nothing below that buffer. */
		for (int k = 0; k < 8; k++) {
			size_t room = WISFW_EVQ_BYTES - c->evq_used, want = WIS_UART_RX_EVENT_MAX;
			if (room < WISFW_EV_HDR + 5 + 64)
				break;
			if (room - WISFW_EV_HDR - 5 < want)
				want = room - WISFW_EV_HDR - 5;
			int n = c->hal->uart->read(c->hal->ctx, port, ev + 5, want);
			if (n <= 0)
				break;
			uint32_t ovf = c->hal->uart->overflows(c->hal->ctx, port);
			struct wis_wr w = wis_wr_init(ev, 5);
			wis_wr_u8(&w, port);
			wis_wr_u32(&w, ovf);
			wisfw_event(c, WIS_EV_UART_RX, now, ev, (uint16_t)(5 + n));
		}
	}
}

static uint64_t uart_deadline(const struct wisfw_core *c)
{
	if (!c->uart_on[0] && !c->uart_on[1])
		return UINT64_MAX;
	return wisfw_now(c) + UART_POLL_US;
}

static void uart_reset(struct wisfw_core *c)
{
	c->uart_on[0] = c->uart_on[1] = false;
}

static const struct wisfw_op_handler uart_ops[] = {
    {WIS_OP_UART_CONFIG, h_config},
    {WIS_OP_UART_WRITE, h_write},
};

const struct wisfw_subsys wisfw_uart_subsys = {
    .name = "uart",
    .init = uart_reset,
    .reset = uart_reset,
    .poll = uart_poll,
    .next_deadline = uart_deadline,
    .ops = uart_ops,
    .nops = sizeof uart_ops / sizeof uart_ops[0],
};

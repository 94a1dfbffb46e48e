/*
 * simhal's UARTs: each port's TXD looped back to its RXD, with a 4 KiB
 * receive buffer like the port's DMA buffer; bytes arriving while it is
 * full are dropped and counted (overflows).  simhal_uart_inject() feeds
 * a port as if a device sent bytes (the control socket's "uart" command).
 */
#include "simhal.h"

/* Bytes arriving on a port's RXD. */
size_t simhal_uart_inject(struct simhal *s, uint8_t port, const uint8_t *p, size_t n)
{
	struct simhal_uart *u = &s->uart_port[port & 1];
	size_t taken = 0;
	for (size_t i = 0; i < n; i++) {
		if (!u->on || u->len == SIMHAL_UART_BUF) {
			u->overflows += u->on;
			continue;
		}
		u->buf[(u->head + u->len++) % SIMHAL_UART_BUF] = p[i];
		taken++;
	}
	return taken;
}

static uint8_t h_configure(void *ctx, uint8_t port, uint32_t baud, uint8_t parity, uint8_t stop)
{
	struct simhal *s = ctx;
	if (port > 1)
		return WIS_ST_BAD_ARG;
	struct simhal_uart *u = &s->uart_port[port];
	*u = (struct simhal_uart){.on = true, .baud = baud, .parity = parity, .stop = stop};
	return WIS_ST_OK;
}

static int h_write(void *ctx, uint8_t port, const uint8_t *p, size_t n)
{
	struct simhal *s = ctx;
	if (port > 1 || !s->uart_port[port].on)
		return -1;
	simhal_uart_inject(s, port, p, n); /* the loopback wire */
	return (int)n;
}

static int h_read(void *ctx, uint8_t port, uint8_t *p, size_t cap)
{
	struct simhal *s = ctx;
	if (port > 1)
		return -1;
	struct simhal_uart *u = &s->uart_port[port];
	size_t n = 0;
	while (n < cap && u->len) {
		p[n++] = u->buf[u->head];
		u->head = (u->head + 1) % SIMHAL_UART_BUF;
		u->len--;
	}
	return (int)n;
}

static uint32_t h_overflows(void *ctx, uint8_t port)
{
	struct simhal *s = ctx;
	return port > 1 ? 0 : s->uart_port[port].overflows;
}

void simhal_uart_init(struct simhal *s)
{
	s->uart = (struct wisfw_uart){h_configure, h_write, h_read, h_overflows};
	s->hal.uart = &s->uart;
}

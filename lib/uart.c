/*
 * UART calls: configure a port (which starts reception: received bytes
 * come as WIS_EV_UART_RX events to the event callback, parsed with
 * wis_uart_rx_parse) and write, looping until the port has taken every
 * byte (it takes what fits in its buffer and never blocks).
 */
#include <time.h>

#include "internal.h"

#define V(x) ((union wis_val){.u = (uint64_t)(x)})

static int port_arg(unsigned port)
{
	if (port <= 1)
		return 0;
	return wis__fail(WIS_E_INVAL, "UART port %u: use 0 (TXD0/RXD0) or 1 (TXD1/RXD1)", port);
}

int wis_uart_config(wis_device *dev, unsigned port, uint32_t baud, enum wis_uart_parity parity,
                    unsigned stop_bits)
{
	wis__clear_error();
	int rc = port_arg(port);
	if (rc < 0)
		return rc;
	union wis_val v[4] = {V(port), V(baud), V(parity), V(stop_bits)};
	return wis__call_fields(dev, WIS_OP_UART_CONFIG, v, NULL, 0);
}

int wis_uart_write(wis_device *dev, unsigned port, const void *buf, size_t len)
{
	wis__clear_error();
	int rc = port_arg(port);
	if (rc < 0)
		return rc;
	const uint8_t *p = buf;
	int idle = 0;
	for (size_t off = 0; off < len;) {
		size_t n = len - off < WIS_UART_WRITE_MAX ? len - off : WIS_UART_WRITE_MAX;
		union wis_val v[2] = {V(port), {.b = {p + off, n}}}, r[1];
		if ((rc = wis__call_fields(dev, WIS_OP_UART_WRITE, v, r, 0)) < 0)
			return rc;
		off += (size_t)r[0].u;
		if (r[0].u)
			idle = 0;
		else if (++idle > 500) /* 5 s without the port taking a byte */
			return wis__fail(WIS_E_TIMEOUT, "UART%u: the port took nothing for 5 s",
			                 port);
		else
			nanosleep(&(struct timespec){0, 10000000L}, NULL);
	}
	return 0;
}

int wis_uart_rx_parse(const struct wis_event *ev, unsigned *port, uint32_t *overflow,
                      const uint8_t **data, size_t *len)
{
	if (!ev || ev->type != WIS_EV_UART_RX || ev->payload_len < 5)
		return WIS_E_INVAL;
	const uint8_t *p = ev->payload;
	if (port)
		*port = p[0];
	if (overflow)
		*overflow = (uint32_t)p[1] | (uint32_t)p[2] << 8 | (uint32_t)p[3] << 16 |
		            (uint32_t)p[4] << 24;
	if (data)
		*data = p + 5;
	if (len)
		*len = ev->payload_len - 5;
	return 0;
}

/*
 * nRF52840 UARTE0/UARTE1 for the port (TXD0/RXD0 = P0.20/P0.19, TXD1/RXD1 =
 * P0.16/P0.15).  Never blocks: write queues into a 512-byte transmit ring sent
 * by EasyDMA chunk by chunk from the ENDTX interrupt; reception runs
 * EasyDMA into a 32-byte chunk whose ENDRX interrupt moves it into a 4 KiB
 * receive ring (full: bytes dropped and counted) and restarts it.  A
 * chunk that is only partly filled is fetched when the core polls and the
 * ring is empty: STOPRX, then FLUSHRX on RXTO moves the FIFO's rest out,
 * and reception starts again (PS "UARTE", "Stopping the receiver").
 */
#include <string.h>

#include "nrf_port.h"
#include "wisrpc/protocol.h"

#define CHUNK 32u
#define RX_RING 2048u /* 20 ms at 1 Mbaud; the core polls every 2 ms */
#define TX_RING 512u

struct uarte {
	uint32_t base;
	uint8_t irq, txd, rxd;
	bool on, stopping, flushing, tx_busy;
	uint8_t chunk[CHUNK];
	uint8_t rx[RX_RING];
	volatile uint32_t rx_head, rx_tail, overflows;
	uint8_t tx[TX_RING];
	volatile uint32_t tx_head, tx_tail, tx_len;
};

/* Zero-initialised (.bss, no flash copy); the fixed part is set up by
 * ports_init() on first use. */
static struct uarte ports[2];

static void ports_init(void)
{
	static const struct {
		uint32_t base;
		uint8_t irq, txd, rxd;
	} fixed[2] = {{NRF_UARTE0_BASE, NRF_IRQ_UARTE0, 20, 19},
	              {NRF_UARTE1_BASE, NRF_IRQ_UARTE1, 16, 15}};
	for (int p = 0; p < 2; p++) {
		ports[p].base = fixed[p].base;
		ports[p].irq = fixed[p].irq;
		ports[p].txd = fixed[p].txd;
		ports[p].rxd = fixed[p].rxd;
	}
}

static void rx_start(struct uarte *u)
{
	NRF_REG(u->base, UARTE_RXD_PTR) = (uint32_t)(uintptr_t)u->chunk;
	NRF_REG(u->base, UARTE_RXD_MAXCNT) = CHUNK;
	NRF_REG(u->base, UARTE_EVENTS_RXDRDY) = 0;
	NRF_REG(u->base, UARTE_TASKS_STARTRX) = 1;
}

static void tx_kick(struct uarte *u)
{
	if (u->tx_busy || u->tx_len == 0)
		return;
	uint32_t k = u->tx_len;
	if (k > TX_RING - u->tx_tail)
		k = TX_RING - u->tx_tail; /* up to the ring's end; the rest next */
	u->tx_busy = true;
	NRF_REG(u->base, UARTE_TXD_PTR) = (uint32_t)(uintptr_t)(u->tx + u->tx_tail);
	NRF_REG(u->base, UARTE_TXD_MAXCNT) = k;
	NRF_REG(u->base, UARTE_EVENTS_ENDTX) = 0;
	NRF_REG(u->base, UARTE_TASKS_STARTTX) = 1;
}

static void uarte_irq(struct uarte *u)
{
	uint32_t b = u->base;
	if (NRF_REG(b, UARTE_EVENTS_ERROR)) {
		NRF_REG(b, UARTE_EVENTS_ERROR) = 0;
		NRF_REG(b, UARTE_ERRORSRC) = NRF_REG(b, UARTE_ERRORSRC); /* clear */
	}
	if (NRF_REG(b, UARTE_EVENTS_ENDRX)) {
		NRF_REG(b, UARTE_EVENTS_ENDRX) = 0;
		uint32_t n = NRF_REG(b, UARTE_RXD_AMOUNT);
		for (uint32_t i = 0; i < n && i < CHUNK; i++) {
			if (u->rx_head - u->rx_tail >= RX_RING) {
				u->overflows++;
				continue;
			}
			u->rx[u->rx_head % RX_RING] = u->chunk[i];
			u->rx_head++;
		}
		if (!u->stopping) {
			rx_start(u);
		} else if (u->flushing) {
			u->stopping = u->flushing = false;
			if (u->on)
				rx_start(u);
		}
	}
	if (NRF_REG(b, UARTE_EVENTS_RXTO)) {
		NRF_REG(b, UARTE_EVENTS_RXTO) = 0;
		/* The receiver stopped: what is left in its FIFO goes to the
		 * chunk, with one more ENDRX. */
		u->flushing = true;
		NRF_REG(b, UARTE_RXD_PTR) = (uint32_t)(uintptr_t)u->chunk;
		NRF_REG(b, UARTE_RXD_MAXCNT) = CHUNK;
		NRF_REG(b, UARTE_TASKS_FLUSHRX) = 1;
	}
	if (NRF_REG(b, UARTE_EVENTS_ENDTX)) {
		NRF_REG(b, UARTE_EVENTS_ENDTX) = 0;
		uint32_t n = NRF_REG(b, UARTE_TXD_AMOUNT);
		u->tx_tail = (u->tx_tail + n) % TX_RING;
		u->tx_len -= n;
		u->tx_busy = false;
		tx_kick(u);
	}
}

void UARTE0_IRQHandler(void);
void UARTE0_IRQHandler(void)
{
	uarte_irq(&ports[0]);
}

void UARTE1_IRQHandler(void);
void UARTE1_IRQHandler(void)
{
	uarte_irq(&ports[1]);
}

static void uarte_off(struct uarte *u)
{
	nrf_nvic_disable(u->irq);
	if (u->on) {
		NRF_REG(u->base, UARTE_EVENTS_TXSTOPPED) = 0;
		NRF_REG(u->base, UARTE_TASKS_STOPTX) = 1;
		nrf_wait_event(u->base + UARTE_EVENTS_TXSTOPPED, 2000u);
		NRF_REG(u->base, UARTE_EVENTS_RXTO) = 0;
		NRF_REG(u->base, UARTE_TASKS_STOPRX) = 1;
		nrf_wait_event(u->base + UARTE_EVENTS_RXTO, 2000u);
	}
	NRF_REG(u->base, UARTE_INTENCLR) = 0xFFFFFFFFu;
	NRF_REG(u->base, UARTE_ENABLE) = 0;
	NRF_REG(u->base, UARTE_PSEL_TXD) = NRF_PSEL_DISCONNECTED;
	NRF_REG(u->base, UARTE_PSEL_RXD) = NRF_PSEL_DISCONNECTED;
	u->on = u->stopping = u->flushing = u->tx_busy = false;
	u->tx_head = u->tx_tail = u->tx_len = 0;
}

static void uarte_release(uint8_t nrf)
{
	for (int p = 0; p < 2; p++)
		if (nrf == ports[p].txd || nrf == ports[p].rxd) {
			nrf_pin_detach(ports[p].txd);
			nrf_pin_detach(ports[p].rxd);
			uarte_off(&ports[p]);
		}
}

static uint8_t u_configure(void *ctx, uint8_t port, uint32_t baud, uint8_t parity, uint8_t stop)
{
	(void)ctx;
	if (port > 1 || baud < WIS_UART_BAUD_MIN || baud > WIS_UART_BAUD_MAX ||
	    parity > WIS_UART_PARITY_EVEN || stop < 1 || stop > 2)
		return WIS_ST_BAD_ARG;
	if (!ports[0].base)
		ports_init();
	struct uarte *u = &ports[port];
	uarte_off(u);
	u->rx_head = u->rx_tail = u->overflows = 0;
	/* TXD idles high: latch 1 before it drives; RXD with a pull-up so an
	 * unconnected line does not read noise as bytes. */
	nrf_gpio.write(NULL, u->txd, 1);
	nrf_pin_cfg(u->txd, GPIO_CNF_DIR_OUT);
	nrf_pin_cfg(u->rxd, GPIO_CNF_PULL_UP);
	NRF_REG(u->base, UARTE_PSEL_TXD) = nrf_psel(u->txd);
	NRF_REG(u->base, UARTE_PSEL_RXD) = nrf_psel(u->rxd);
	NRF_REG(u->base, UARTE_BAUDRATE) = nrf_uarte_baud(baud);
	NRF_REG(u->base, UARTE_CONFIG) =
	    (parity ? UARTE_CONFIG_PARITY_INCLUDED : 0) | (stop == 2 ? UARTE_CONFIG_STOP_TWO : 0);
	NRF_REG(u->base, UARTE_ENABLE) = UARTE_ENABLE_ON;
	NRF_REG(u->base, UARTE_INTENSET) =
	    UARTE_INT_ENDRX | UARTE_INT_RXTO | UARTE_INT_ENDTX | UARTE_INT_ERROR;
	u->on = true;
	nrf_nvic_enable(u->irq);
	rx_start(u);
	nrf_pin_attach(u->txd, uarte_release);
	nrf_pin_attach(u->rxd, uarte_release);
	return WIS_ST_OK;
}

static int u_write(void *ctx, uint8_t port, const uint8_t *p, size_t n)
{
	(void)ctx;
	if (port > 1 || !ports[port].on)
		return -1;
	struct uarte *u = &ports[port];
	uint32_t pm = nrf_irq_save();
	size_t room = TX_RING - u->tx_len, k = n < room ? n : room;
	for (size_t i = 0; i < k; i++)
		u->tx[(u->tx_tail + u->tx_len + i) % TX_RING] = p[i];
	u->tx_len += (uint32_t)k;
	tx_kick(u);
	nrf_irq_restore(pm);
	return (int)k;
}

static int u_read(void *ctx, uint8_t port, uint8_t *p, size_t cap)
{
	(void)ctx;
	if (port > 1 || !ports[port].on)
		return -1;
	struct uarte *u = &ports[port];
	size_t n = 0;
	while (n < cap && u->rx_tail != u->rx_head) {
		p[n++] = u->rx[u->rx_tail % RX_RING];
		u->rx_tail++;
	}
	uint32_t pm = nrf_irq_save();
	/* Bytes wait in a partly filled chunk: end it now (see top). */
	if (n == 0 && !u->stopping && NRF_REG(u->base, UARTE_EVENTS_RXDRDY)) {
		u->stopping = true;
		NRF_REG(u->base, UARTE_TASKS_STOPRX) = 1;
	}
	nrf_irq_restore(pm);
	return (int)n;
}

static uint32_t u_overflows(void *ctx, uint8_t port)
{
	(void)ctx;
	return port < 2 ? ports[port].overflows : 0;
}

const struct wisfw_uart nrf_uart = {u_configure, u_write, u_read, u_overflows};

/*
 * nRF52840 GPIO for the port: pin configuration (PIN_CNF), levels, and
 * edge watches.  The first 8 watched pins get a GPIOTE IN channel (toggle
 * polarity, the core filters rising/falling); a ninth and later watch
 * falls back to the PORT event with each pin's SENSE set against its
 * present level (flipped after each change), so every input can be
 * watched, with the PORT path's limits (docs/firmware.md).  The interrupt
 * only records pin, level and time; the main loop hands them to the core.
 */
#include "core.h"
#include "nrf_port.h"

#define EDGE_RING 64 /* power of two */

static struct {
	uint8_t nrf;
	uint8_t level;
	uint64_t t;
} ring[EDGE_RING];
static volatile uint32_t ring_head, ring_tail;
static volatile uint32_t ring_lost;

static int8_t chan_pin[GPIOTE_CHANNELS] = {-1, -1, -1, -1, -1, -1, -1, -1};
static uint64_t sensed;   /* pins watched through PORT/SENSE */
static uint64_t last_lvl; /* level last recorded per watched pin */
static void (*release[48])(uint8_t nrf);
static uint8_t rail_pin = 0xFF;

static inline uint32_t cnf_reg(uint8_t nrf)
{
	return nrf_port_base(nrf) + GPIO_PIN_CNF0 + 4u * (nrf & 31u);
}

void nrf_gpio_set_rail(uint8_t nrf)
{
	rail_pin = nrf;
	NRF_REG(nrf_port_base(nrf), GPIO_OUTSET) = 1u << (nrf & 31u);
	NRF_REG(cnf_reg(nrf), 0) = GPIO_CNF_DIR_OUT;
}

static inline uint8_t level_of(uint8_t nrf)
{
	return (uint8_t)((NRF_REG(nrf_port_base(nrf), GPIO_IN) >> (nrf & 31u)) & 1u);
}

void nrf_pin_attach(uint8_t nrf, void (*cb)(uint8_t nrf))
{
	if (nrf < 48)
		release[nrf] = cb;
}

void nrf_pin_detach(uint8_t nrf)
{
	if (nrf < 48)
		release[nrf] = NULL;
}

void nrf_pin_cfg(uint8_t nrf, uint32_t cnf)
{
	if (nrf < 48)
		NRF_REG(cnf_reg(nrf), 0) = cnf;
}

static void g_config(void *ctx, uint8_t nrf, uint8_t mode)
{
	(void)ctx;
	if (nrf >= 48)
		return;
	/* A peripheral still routed to this pin lets it go first. */
	if (release[nrf]) {
		void (*cb)(uint8_t) = release[nrf];
		release[nrf] = NULL;
		cb(nrf);
	}
	uint32_t keep = NRF_REG(cnf_reg(nrf), 0) & GPIO_CNF_SENSE_MASK;
	uint32_t cnf;
	switch (mode) {
	case WIS_GPIO_INPUT:
		cnf = 0;
		break;
	case WIS_GPIO_INPUT_PULLUP:
		cnf = GPIO_CNF_PULL_UP;
		break;
	case WIS_GPIO_INPUT_PULLDOWN:
		cnf = GPIO_CNF_PULL_DOWN;
		break;
	case WIS_GPIO_OUTPUT:
		cnf = GPIO_CNF_DIR_OUT | GPIO_CNF_DRIVE_S0S1;
		break;
	case WIS_GPIO_OUTPUT_OPEN_DRAIN:
		/* Input connected too, so a read sees the wire. */
		cnf = GPIO_CNF_DIR_OUT | GPIO_CNF_DRIVE_S0D1;
		break;
	default: /* DISABLED: input buffer disconnected, no pull */
		cnf = GPIO_CNF_INPUT_DISCONNECT;
		keep = 0;
		if (nrf == rail_pin) {
			/* The rail pin's released state is the rail on. */
			NRF_REG(nrf_port_base(nrf), GPIO_OUTSET) = 1u << (nrf & 31u);
			cnf = GPIO_CNF_DIR_OUT;
		}
		break;
	}
	NRF_REG(cnf_reg(nrf), 0) = cnf | keep;
}

static void g_write(void *ctx, uint8_t nrf, uint8_t level)
{
	(void)ctx;
	if (nrf >= 48)
		return;
	NRF_REG(nrf_port_base(nrf), level ? GPIO_OUTSET : GPIO_OUTCLR) = 1u << (nrf & 31u);
}

static uint8_t g_read(void *ctx, uint8_t nrf)
{
	(void)ctx;
	return nrf < 48 ? level_of(nrf) : 0;
}

/* SENSE against the present level: the next change raises DETECT. */
static void sense_arm(uint8_t nrf, uint8_t level)
{
	uint32_t cnf = NRF_REG(cnf_reg(nrf), 0) & ~GPIO_CNF_SENSE_MASK;
	NRF_REG(cnf_reg(nrf), 0) = cnf | (level ? GPIO_CNF_SENSE_LOW : GPIO_CNF_SENSE_HIGH);
}

static void record(uint8_t nrf, uint8_t level, uint64_t t)
{
	uint64_t bit = 1ull << nrf;
	if (((last_lvl & bit) != 0) == (level != 0))
		return; /* a pulse shorter than the interrupt's latency */
	last_lvl = level ? (last_lvl | bit) : (last_lvl & ~bit);
	uint32_t h = ring_head;
	if (h - ring_tail >= EDGE_RING) {
		ring_lost++;
		return;
	}
	ring[h % EDGE_RING].nrf = nrf;
	ring[h % EDGE_RING].level = level;
	ring[h % EDGE_RING].t = t;
	ring_head = h + 1;
}

static bool g_watch(void *ctx, uint8_t nrf, uint8_t edge)
{
	(void)ctx;
	if (nrf >= 48)
		return false;
	uint32_t pm = nrf_irq_save();
	/* Stop whatever watches it now. */
	for (int ch = 0; ch < GPIOTE_CHANNELS; ch++)
		if (chan_pin[ch] == (int8_t)nrf) {
			NRF_REG(NRF_GPIOTE_BASE, GPIOTE_INTENCLR) = 1u << ch;
			NRF_REG(NRF_GPIOTE_BASE, GPIOTE_CONFIG0 + 4u * (uint32_t)ch) = 0;
			chan_pin[ch] = -1;
		}
	if (sensed & (1ull << nrf)) {
		sensed &= ~(1ull << nrf);
		NRF_REG(cnf_reg(nrf), 0) &= ~GPIO_CNF_SENSE_MASK;
	}
	if (edge != WIS_EDGE_NONE) {
		uint8_t lvl = level_of(nrf);
		last_lvl = lvl ? (last_lvl | (1ull << nrf)) : (last_lvl & ~(1ull << nrf));
		int ch = 0;
		while (ch < GPIOTE_CHANNELS && chan_pin[ch] >= 0)
			ch++;
		if (ch < GPIOTE_CHANNELS) {
			chan_pin[ch] = (int8_t)nrf;
			uint32_t cfg = GPIOTE_CONFIG_MODE_EVENT |
			               ((uint32_t)(nrf & 31u) << GPIOTE_CONFIG_PSEL_SHIFT) |
			               ((uint32_t)(nrf >> 5) << GPIOTE_CONFIG_PORT_SHIFT) |
			               GPIOTE_CONFIG_POL_TOGGLE;
			NRF_REG(NRF_GPIOTE_BASE, GPIOTE_EVENTS_IN0 + 4u * (uint32_t)ch) = 0;
			NRF_REG(NRF_GPIOTE_BASE, GPIOTE_CONFIG0 + 4u * (uint32_t)ch) = cfg;
			NRF_REG(NRF_GPIOTE_BASE, GPIOTE_INTENSET) = 1u << ch;
		} else {
			sensed |= 1ull << nrf;
			sense_arm(nrf, lvl);
			NRF_REG(NRF_GPIOTE_BASE, GPIOTE_INTENSET) = GPIOTE_INTEN_PORT;
		}
		nrf_nvic_enable(NRF_IRQ_GPIOTE);
	}
	nrf_irq_restore(pm);
	return true;
}

void GPIOTE_IRQHandler(void);
void GPIOTE_IRQHandler(void)
{
	uint64_t t = nrf_now_us();
	for (int ch = 0; ch < GPIOTE_CHANNELS; ch++) {
		uint32_t ev = NRF_GPIOTE_BASE + GPIOTE_EVENTS_IN0 + 4u * (uint32_t)ch;
		if (!NRF_REG(ev, 0))
			continue;
		NRF_REG(ev, 0) = 0;
		if (chan_pin[ch] >= 0)
			record((uint8_t)chan_pin[ch], level_of((uint8_t)chan_pin[ch]), t);
	}
	if (NRF_REG(NRF_GPIOTE_BASE, GPIOTE_EVENTS_PORT)) {
		NRF_REG(NRF_GPIOTE_BASE, GPIOTE_EVENTS_PORT) = 0;
		/* Re-arm each sensed pin against its new level so DETECT falls
		 * again and the next change raises a new PORT event. */
		for (uint8_t nrf = 0; nrf < 48; nrf++)
			if (sensed & (1ull << nrf)) {
				uint8_t lvl = level_of(nrf);
				sense_arm(nrf, lvl);
				record(nrf, lvl, t);
			}
	}
}

bool nrf_gpio_deliver(struct wisfw_core *c)
{
	bool any = false;
	while (ring_tail != ring_head) {
		uint32_t i = ring_tail % EDGE_RING;
		uint8_t nrf = ring[i].nrf, level = ring[i].level;
		uint64_t t = ring[i].t;
		ring_tail = ring_tail + 1;
		wisfw_core_pin_changed(c, nrf, level, t);
		any = true;
	}
	return any;
}

const struct wisfw_gpio nrf_gpio = {g_config, g_write, g_read, g_watch};

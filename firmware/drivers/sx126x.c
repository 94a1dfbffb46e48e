/*
 * SX1262 driver (see sx126x.h).  Everything goes through SPI commands of
 * the Semtech SX1261/2 datasheet rev 2.1 ("DS"): section numbers and tables
 * are cited where a value comes from.  The command-level model in
 * firmware/sim/sx126x_model.c is written independently from the same
 * datasheet, and tests/radio runs this driver against it.
 */
#include "sx126x_priv.h"

void sx126x_init(struct sx126x *dev, const struct sx126x_io *io)
{
	*dev = (struct sx126x){0};
	dev->io = io;
	dev->busy_timeout_us = 10000;
	dev->tcxo_mv = 1800;
	dev->tcxo_delay_us = 5000;
	dev->image_band = 0xFF;
}

/* ---- transport: BUSY handshake and framing (DS 8.3.1) ---- */

/* Every command waits for BUSY low first; the wait is bounded so that a
 * dead or stuck radio becomes an error instead of a hung main loop. */
int sx__wait_ready(struct sx126x *dev)
{
	const struct sx126x_io *io = dev->io;
	uint64_t start = io->now_us(io->ctx);

	for (;;) {
		/* The time before the pin: BUSY high then proves it stayed high
		 * that long, even if this loop was paused in between. */
		uint64_t took = io->now_us(io->ctx) - start;
		if (!io->busy(io->ctx))
			return SX126X_OK;
		if (took > dev->busy_timeout_us)
			return SX126X_E_BUSY;
		io->delay_us(io->ctx, 2);
	}
}

int sx__xfer(struct sx126x *dev, const uint8_t *tx, uint8_t *rx, size_t n)
{
	int r = sx__wait_ready(dev);

	if (r < 0)
		return r;
	if (dev->io->spi(dev->io->ctx, tx, rx, n) <= 0)
		return SX126X_E_SPI;
	dev->status = rx[n > 1 ? 1 : 0];
	return SX126X_OK;
}

/* A write command: opcode then up to 8 parameter bytes. */
int sx__cmd(struct sx126x *dev, uint8_t op, const uint8_t *p, size_t n)
{
	uint8_t tx[12], rx[12];

	tx[0] = op;
	for (size_t i = 0; i < n; i++)
		tx[1 + i] = p[i];
	return sx__xfer(dev, tx, rx, n + 1);
}

/* A read command: opcode, one NOP clocking out the status (DS 13.5),
 * then n data bytes. */
int sx__cmd_read(struct sx126x *dev, uint8_t op, uint8_t *out, size_t n)
{
	uint8_t tx[8] = {op}, rx[8];
	int r = sx__xfer(dev, tx, rx, n + 2);

	for (size_t i = 0; r == 0 && i < n; i++)
		out[i] = rx[2 + i];
	return r;
}

/* DS 13.5.1 Table 13-76: status bits 3:1 are the command status; 3
 * (timeout), 4 (processing error) and 5 (failure to execute) mean the last
 * command was not carried out. */
int sx__check_status(struct sx126x *dev)
{
	int r = sx__cmd_read(dev, OP_GET_STATUS, NULL, 0);
	uint8_t cs = (uint8_t)((dev->status >> 1) & 7);

	if (r < 0)
		return r;
	return cs >= 3 && cs <= 5 ? SX126X_E_CMD : SX126X_OK;
}

/* A configuration command whose outcome is checked at once. */
int sx__cmdc(struct sx126x *dev, uint8_t op, const uint8_t *p, size_t n)
{
	int r = sx__cmd(dev, op, p, n);

	return r < 0 ? r : sx__check_status(dev);
}

int sx__write_reg(struct sx126x *dev, uint16_t addr, uint8_t v)
{
	uint8_t p[3] = {(uint8_t)(addr >> 8), (uint8_t)addr, v};

	return sx__cmd(dev, OP_WRITE_REGISTER, p, 3);
}

int sx__read_reg(struct sx126x *dev, uint16_t addr, uint8_t *v)
{
	uint8_t tx[5] = {OP_READ_REGISTER, (uint8_t)(addr >> 8), (uint8_t)addr, NOP, NOP};
	uint8_t rx[5];
	int r = sx__xfer(dev, tx, rx, 5);

	*v = rx[4];
	return r;
}

/* Read-modify-write of the errata registers (DS 15). */
int sx__update_reg(struct sx126x *dev, uint16_t addr, uint8_t clear, uint8_t set)
{
	uint8_t v;
	int r = sx__read_reg(dev, addr, &v);

	return r < 0 ? r : sx__write_reg(dev, addr, (uint8_t)((v & ~clear) | set));
}

/* ---- reset, probe, setup ---- */

int sx126x_probe(struct sx126x *dev)
{
	const struct sx126x_io *io = dev->io;
	uint8_t msb, lsb, gain;
	int r;

	io->nreset(io->ctx, false);
	io->delay_us(io->ctx, RESET_PULSE_US);
	io->nreset(io->ctx, true);
	dev->state = SX126X_ST_OFF;
	dev->configured = false;
	dev->image_band = 0xFF;
	/* DS Table 12-1 reset values: LoRa sync word 0x1424, RX gain 0x94. */
	if ((r = sx__read_reg(dev, REG_SYNC_WORD, &msb)) < 0 ||
	    (r = sx__read_reg(dev, REG_SYNC_WORD + 1, &lsb)) < 0 ||
	    (r = sx__read_reg(dev, REG_RX_GAIN, &gain)) < 0)
		return r;
	if (msb != 0x14 || lsb != 0x24 || gain != 0x94)
		return SX126X_E_PROBE;
	dev->state = SX126X_ST_STANDBY;
	return SX126X_OK;
}

/* DS 13.3.6 Table 13-35: DIO3 TCXO supply voltages. */
static int tcxo_code(uint16_t mv)
{
	static const uint16_t volts[] = {1600, 1700, 1800, 2200, 2400, 2700, 3000, 3300};

	for (int i = 0; i < 8; i++)
		if (volts[i] == mv)
			return i;
	return -1;
}

int sx126x_device_errors(struct sx126x *dev, uint16_t *errors)
{
	uint8_t e[2];
	int r = sx__cmd_read(dev, OP_GET_DEVICE_ERRORS, e, 2);

	if (r == 0)
		*errors = dev->dev_errors = (uint16_t)(e[0] << 8 | e[1]);
	return r;
}

static int setup_clock(struct sx126x *dev)
{
	uint8_t zero[2] = {0, 0};
	int code = tcxo_code(dev->tcxo_mv);
	uint32_t d = dev->tcxo_delay_us * 64 / 1000; /* 15.625 us steps */
	uint8_t p[4] = {(uint8_t)code, (uint8_t)(d >> 16), (uint8_t)(d >> 8), (uint8_t)d};
	uint8_t all = 0x7F;
	int r;

	if (dev->tcxo_mv == 0)
		return sx__cmdc(dev, OP_CALIBRATE, &all, 1);
	if (code < 0)
		return SX126X_E_TCXO;
	/* DS 13.3.6: with a TCXO the POR calibration flagged XOSC_START_ERR;
	 * clear it, power the TCXO and calibrate everything again. */
	if ((r = sx__cmd(dev, OP_CLEAR_DEVICE_ERRORS, zero, 2)) < 0 ||
	    (r = sx__cmdc(dev, OP_SET_DIO3_TCXO, p, 4)) < 0)
		return r;
	return sx__cmdc(dev, OP_CALIBRATE, &all, 1);
}

/* With idle_xosc, operations also end in STDBY_XOSC (SetRxTxFallbackMode
 * 0x30, DS 13.1.15) so that the TCXO never stops between them. */
static int idle_mode(struct sx126x *dev)
{
	uint8_t fallback = dev->idle_xosc ? 0x30 : 0x40;
	int r = sx__cmdc(dev, OP_SET_FALLBACK, &fallback, 1);

	return r < 0 || !dev->idle_xosc ? r : sx126x_standby(dev, true);
}

int sx126x_setup(struct sx126x *dev)
{
	const struct sx126x_io *io = dev->io;
	uint8_t rc = 0, dcdc = 1, on = 1, lora = 1, base[2] = {0, 0};
	uint8_t irq[8] = {
	    IRQ_USED >> 8, IRQ_USED & 0xFF, IRQ_USED >> 8, IRQ_USED & 0xFF, 0, 0, 0, 0};
	uint16_t errs;
	int r;

	if (dev->state == SX126X_ST_OFF || dev->state == SX126X_ST_SLEEP)
		return SX126X_E_STATE;
	if ((r = sx__cmdc(dev, OP_SET_STANDBY, &rc, 1)) < 0 ||
	    (r = sx__cmdc(dev, OP_SET_REGULATOR, &dcdc, 1)) < 0 || (r = setup_clock(dev)) < 0 ||
	    (r = sx__cmdc(dev, OP_SET_DIO2_RF_SWITCH, &on, 1)) < 0 ||
	    (r = sx__cmdc(dev, OP_SET_PACKET_TYPE, &lora, 1)) < 0 ||
	    (r = sx__cmdc(dev, OP_SET_BUFFER_BASE, base, 2)) < 0 ||
	    (r = sx__cmdc(dev, OP_SET_DIO_IRQ, irq, 8)) < 0 ||
	    (r = sx126x_device_errors(dev, &errs)) < 0)
		return r;
	/* Calibration failures are reported, never ignored (issue 7). */
	if (errs != 0)
		return SX126X_E_DEVICE;
	if ((r = idle_mode(dev)) < 0)
		return r;
	io->ant_power(io->ctx, true);
	return SX126X_OK;
}

/* ---- configuration ---- */

int sx126x_standby(struct sx126x *dev, bool xosc)
{
	uint8_t m = xosc ? 1 : 0;
	int r;

	if (dev->state == SX126X_ST_OFF || dev->state == SX126X_ST_SLEEP)
		return SX126X_E_STATE;
	if ((r = sx__cmdc(dev, OP_SET_STANDBY, &m, 1)) == 0)
		dev->state = SX126X_ST_STANDBY;
	return r;
}

/* DS 13.1.1: sleepConfig bit 2 = warm start (configuration kept). */
int sx126x_sleep(struct sx126x *dev, bool warm)
{
	uint8_t cfg = warm ? 0x04 : 0x00;
	int r;

	if (dev->state == SX126X_ST_OFF || dev->state == SX126X_ST_SLEEP)
		return SX126X_E_STATE;
	/* the chip takes SetSleep in standby only */
	if (dev->state != SX126X_ST_STANDBY && (r = sx126x_standby(dev, false)) < 0)
		return r;
	if ((r = sx__cmd(dev, OP_SET_SLEEP, &cfg, 1)) < 0)
		return r;
	dev->sleep_us = dev->io->now_us(dev->io->ctx);
	dev->state = SX126X_ST_SLEEP;
	if (!warm)
		dev->configured = false;
	return SX126X_OK;
}

/* DS 13.1.1: the NSS falling edge of any frame wakes the chip (BUSY is
 * high while asleep, so this one frame does not wait for it); the frame
 * itself is lost, so it is a GetStatus.  No NSS edge for 500 us after
 * SetSleep. */
int sx126x_wakeup(struct sx126x *dev)
{
	const struct sx126x_io *io = dev->io;
	uint8_t tx[2] = {OP_GET_STATUS, NOP}, rx[2];
	uint64_t since = io->now_us(io->ctx) - dev->sleep_us;
	int r;

	if (dev->state != SX126X_ST_SLEEP)
		return SX126X_E_STATE;
	if (since < SLEEP_GUARD_US)
		io->delay_us(io->ctx, (uint32_t)(SLEEP_GUARD_US - since));
	if (io->spi(io->ctx, tx, rx, 2) <= 0)
		return SX126X_E_SPI;
	if ((r = sx__wait_ready(dev)) < 0)
		return r;
	dev->state = SX126X_ST_STANDBY;
	if (!dev->configured)
		dev->image_band = 0xFF;
	return dev->idle_xosc && dev->configured ? sx126x_standby(dev, true) : SX126X_OK;
}

int sx126x_irq_status(struct sx126x *dev, uint16_t *irq)
{
	uint8_t v[2];
	int r = sx__cmd_read(dev, OP_GET_IRQ_STATUS, v, 2);

	if (r == 0)
		*irq = (uint16_t)(v[0] << 8 | v[1]);
	return r;
}

int sx126x_irq_clear(struct sx126x *dev, uint16_t mask)
{
	uint8_t p[2] = {(uint8_t)(mask >> 8), (uint8_t)mask};

	return sx__cmd(dev, OP_CLEAR_IRQ, p, 2);
}

static uint32_t irq_to_events(uint16_t irq)
{
	static const struct {
		uint16_t irq;
		uint32_t ev;
	} map[] = {{IRQ_TX_DONE, SX126X_EV_TX_DONE},           {IRQ_RX_DONE, SX126X_EV_RX_DONE},
	           {IRQ_TIMEOUT, SX126X_EV_TIMEOUT},           {IRQ_CRC_ERR, SX126X_EV_CRC_ERR},
	           {IRQ_HEADER_ERR, SX126X_EV_HEADER_ERR},     {IRQ_CAD_DONE, SX126X_EV_CAD_DONE},
	           {IRQ_CAD_DETECTED, SX126X_EV_CAD_DETECTED}, {IRQ_PREAMBLE, SX126X_EV_PREAMBLE}};
	uint32_t ev = 0;

	for (unsigned i = 0; i < sizeof map / sizeof map[0]; i++)
		if (irq & map[i].irq)
			ev |= map[i].ev;
	return ev;
}

/* After TX done, a timeout, single RX done or CAD done the chip is back in
 * STDBY_RC (DS 13.1.4-13.1.5, fallback mode); continuous RX stays in RX. */
static void settle_state(struct sx126x *dev, uint32_t ev)
{
	if (dev->state == SX126X_ST_TX && (ev & (SX126X_EV_TX_DONE | SX126X_EV_TIMEOUT)))
		dev->state = SX126X_ST_STANDBY;
	if (dev->state == SX126X_ST_CAD && (ev & SX126X_EV_CAD_DONE))
		dev->state =
		    dev->cad_rx && (ev & SX126X_EV_CAD_DETECTED) ? SX126X_ST_RX : SX126X_ST_STANDBY;
	if (dev->state == SX126X_ST_RX && (ev & SX126X_EV_TIMEOUT))
		dev->state = SX126X_ST_STANDBY;
	/* a single RX ends with its packet, good or bad (DS 13.1.5) */
	if (dev->state == SX126X_ST_RX && !dev->rx_continuous &&
	    (ev & (SX126X_EV_RX_DONE | SX126X_EV_HEADER_ERR)))
		dev->state = SX126X_ST_STANDBY;
}

/* The deferred check of start_op(): a refused SetTx/SetRx/SetCad leaves
 * the chip in standby with command status 4 or 5. */
static int verify_start(struct sx126x *dev, struct sx126x_event *ev)
{
	int r;

	dev->verify = false;
	r = sx__check_status(dev);
	if (r == SX126X_E_CMD) {
		dev->state = SX126X_ST_STANDBY;
		ev->flags = SX126X_EV_REFUSED;
		/* the reason is often a device error (oscillator, PLL): keep it
		 * in dev_errors for the caller */
		return sx126x_device_errors(dev, &dev->dev_errors);
	}
	return r;
}

int sx126x_poll(struct sx126x *dev, struct sx126x_event *ev)
{
	const struct sx126x_io *io = dev->io;
	uint16_t irq;
	int r;

	ev->flags = 0;
	ev->irq = 0;
	ev->time_us = io->now_us(io->ctx);
	if (dev->state == SX126X_ST_SLEEP || dev->state == SX126X_ST_OFF)
		return SX126X_OK;
	if (dev->verify && !io->busy(io->ctx) && ((r = verify_start(dev, ev)) < 0 || ev->flags))
		return r;
	if (!io->dio1(io->ctx))
		return SX126X_OK;
	if ((r = sx126x_irq_status(dev, &irq)) < 0 || (r = sx126x_irq_clear(dev, irq)) < 0)
		return r;
	ev->irq = irq;
	ev->flags = irq_to_events(irq);
	settle_state(dev, ev->flags);
	return SX126X_OK;
}

/* DS 13.5.2 GetRxBufferStatus, 13.5.3 GetPacketStatus (Table 13-84):
 * RssiPkt = -x/2 dBm, SnrPkt = (int8)x / 4 dB, SignalRssiPkt = -x/2 dBm. */
int sx126x_read_packet(struct sx126x *dev, uint8_t *buf, size_t cap, struct sx126x_rx_info *info)
{
	uint8_t bs[2], ps[3], tx[3 + 255] = {OP_READ_BUFFER}, rx[3 + 255];
	int r;

	if ((r = sx__cmd_read(dev, OP_GET_RX_BUFFER_STATUS, bs, 2)) < 0 ||
	    (r = sx__cmd_read(dev, OP_GET_PACKET_STATUS, ps, 3)) < 0)
		return r;
	if (bs[0] > cap)
		return SX126X_E_LENGTH;
	tx[1] = bs[1];
	if ((r = sx__xfer(dev, tx, rx, (size_t)bs[0] + 3)) < 0)
		return r;
	for (size_t i = 0; i < bs[0]; i++)
		buf[i] = rx[3 + i];
	info->len = bs[0];
	info->rssi_dbm_x2 = (int16_t)-ps[0];
	info->snr_db_x4 = (int8_t)ps[1];
	info->signal_rssi_dbm_x2 = (int16_t)-ps[2];
	return SX126X_OK;
}

const char *sx126x_strerror(int err)
{
	static const char *const msg[] = {
	    "ok",
	    "radio BUSY stuck high",
	    "SPI transfer failed",
	    "radio not found (reset values differ)",
	    "radio refused the command",
	    "radio device errors (calibration/oscillator/PLL)",
	    "not allowed in the radio's current state",
	    "frequency out of range (150..960 MHz)",
	    "TX power out of range (-9..+22 dBm)",
	    "spreading factor out of range (5..12)",
	    "bandwidth not a LoRa bandwidth (7812..500000 Hz)",
	    "coding rate out of range (5..8 = 4/5..4/8)",
	    "preamble length must be at least 1",
	    "payload length out of range (1..255, = fixed length if implicit)",
	    "TCXO voltage not available (1600,1700,1800,2200,2400,2700,3000,3300 mV)",
	    "parameter out of range",
	};

	if (err > 0 || -err >= (int)(sizeof msg / sizeof msg[0]))
		return "unknown error";
	return msg[-err];
}

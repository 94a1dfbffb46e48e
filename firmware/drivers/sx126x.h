/*
 * SX1262 LoRa driver: the RAK4631's radio, driven only through SPI commands
 * (Semtech SX1261/2 datasheet rev 2.1, "DS" below, chapter 13).  Freestanding:
 * no malloc, no stdio, no OS.  The port (nRF52840 board or wisrpc-sim) fills a
 * struct sx126x_io with its SPI, GPIO and clock; the driver never touches
 * hardware any other way.
 *
 * Nothing blocks for longer than one bounded BUSY wait: sx126x_tx_start(),
 * sx126x_rx_start() and sx126x_cad_start() return at once, and the main loop
 * calls sx126x_poll() to learn about completion (DIO1, then GetIrqStatus).
 * Every function returns an enum sx126x_err (0 = success, < 0 = error).
 */
#ifndef WIS_SX126X_H
#define WIS_SX126X_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The port's hooks.  Every hook is required. */
struct sx126x_io {
	void *ctx;
	/* One SPI transaction framed by NSS (low before the first byte, high
	 * after the last): n bytes out, n bytes in.  0 or < 0 on bus error. */
	int (*spi)(void *ctx, const uint8_t *tx, uint8_t *rx, size_t n);
	bool (*busy)(void *ctx);                  /* BUSY pin level            */
	bool (*dio1)(void *ctx);                  /* DIO1 pin level (IRQ line) */
	void (*nreset)(void *ctx, bool level);    /* NRESET pin (low = reset)  */
	void (*ant_power)(void *ctx, bool on);    /* antenna switch supply     */
	uint64_t (*now_us)(void *ctx);            /* monotonic microseconds    */
	void (*delay_us)(void *ctx, uint32_t us); /* short busy-wait          */
};

enum sx126x_err {
	SX126X_OK = 0,
	SX126X_E_BUSY = -1,      /* BUSY stayed high beyond the bound          */
	SX126X_E_SPI = -2,       /* the port's SPI transfer failed             */
	SX126X_E_PROBE = -3,     /* registers did not read their reset values  */
	SX126X_E_CMD = -4,       /* the chip reported a command error          */
	SX126X_E_DEVICE = -5,    /* GetDeviceErrors non-zero (see dev_errors)  */
	SX126X_E_STATE = -6,     /* not allowed now (asleep, not configured)   */
	SX126X_E_FREQ = -7,      /* frequency outside 150..960 MHz             */
	SX126X_E_POWER = -8,     /* TX power outside -9..+22 dBm               */
	SX126X_E_SF = -9,        /* spreading factor outside 5..12             */
	SX126X_E_BW = -10,       /* bandwidth not one of the ten LoRa values   */
	SX126X_E_CR = -11,       /* coding rate outside 5..8 (4/5..4/8)        */
	SX126X_E_PREAMBLE = -12, /* preamble length 0                         */
	SX126X_E_LENGTH = -13,   /* payload length 0 or > 255                  */
	SX126X_E_TCXO = -14,     /* TCXO voltage not one DIO3 can supply       */
	SX126X_E_PARAM = -15,    /* any other argument out of range            */
};

/* Low-data-rate optimisation (DS 6.1.1.4): automatic turns it on when the
 * symbol time is 16 ms or more, as the datasheet recommends. */
enum sx126x_ldro { SX126X_LDRO_AUTO, SX126X_LDRO_OFF, SX126X_LDRO_ON };

struct sx126x_lora_cfg {
	uint32_t freq_hz;    /* 150 000 000 .. 960 000 000                    */
	int8_t power_dbm;    /* -9 .. +22 (SX1262 high-power PA)              */
	uint8_t sf;          /* 5 .. 12                                       */
	uint32_t bw_hz;      /* 7812, 10417, 15625, 20833, 31250, 41667, 62500,
	                        125000, 250000, 500000                        */
	uint8_t cr;          /* 5..8 = coding rate 4/5 .. 4/8                 */
	uint8_t ldro;        /* enum sx126x_ldro                              */
	uint16_t preamble;   /* symbols, >= 1 (DS: >= 12 advised for SF5/SF6) */
	bool implicit;       /* implicit (fixed-length) header                */
	uint8_t payload_len; /* receive length in implicit mode              */
	bool crc;
	bool invert_iq;
	uint8_t sync_word; /* 0x12 private, 0x34 public (LoRaWAN), any byte */
};

/* sx126x_poll() event bits. */
enum {
	SX126X_EV_TX_DONE = 1u << 0,
	SX126X_EV_RX_DONE = 1u << 1, /* payload waiting: sx126x_read_packet */
	SX126X_EV_TIMEOUT = 1u << 2, /* RX or TX timeout                     */
	SX126X_EV_CRC_ERR = 1u << 3, /* with RX_DONE: payload failed its CRC */
	SX126X_EV_HEADER_ERR = 1u << 4,
	SX126X_EV_CAD_DONE = 1u << 5,
	SX126X_EV_CAD_DETECTED = 1u << 6,
	SX126X_EV_PREAMBLE = 1u << 7,
	SX126X_EV_REFUSED = 1u << 8, /* the chip refused SetTx/SetRx/SetCad */
};

struct sx126x_event {
	uint32_t flags;   /* SX126X_EV_* bits                                */
	uint64_t time_us; /* now_us() when the driver saw DIO1               */
	uint32_t irq;     /* the raw IRQ register                            */
};

struct sx126x_rx_info {
	uint8_t len;
	int16_t rssi_dbm_x2;        /* RssiPkt: average RSSI, half-dB units   */
	int16_t snr_db_x4;          /* SnrPkt: quarter-dB units               */
	int16_t signal_rssi_dbm_x2; /* SignalRssiPkt: after despreading      */
};

enum sx126x_state {
	SX126X_ST_OFF,
	SX126X_ST_STANDBY,
	SX126X_ST_TX,
	SX126X_ST_RX,
	SX126X_ST_CAD,
	SX126X_ST_SLEEP
};

struct sx126x {
	const struct sx126x_io *io;
	uint32_t busy_timeout_us; /* bound of one BUSY wait (default 10 ms)   */
	uint16_t tcxo_mv;         /* DIO3 TCXO supply, 0 = crystal, no TCXO   */
	uint32_t tcxo_delay_us;   /* TCXO start-up time (default 5 ms)        */
	struct sx126x_lora_cfg cfg;
	bool configured;
	uint8_t state;        /* enum sx126x_state                        */
	uint8_t status;       /* last status byte the chip returned       */
	uint16_t dev_errors;  /* last GetDeviceErrors value               */
	uint8_t image_band;   /* band of the last image calibration       */
	uint64_t op_start_us; /* now_us() after SetTx/SetRx/SetCad went   */
	uint64_t sleep_us;    /* now_us() when SetSleep was sent          */
	bool verify;          /* SetTx/SetRx/SetCad outcome not read yet  */
	bool rx_continuous;   /* the RX in progress does not end by itself */
	/* Idle in STDBY_XOSC instead of STDBY_RC: the TCXO keeps running, so
	 * TX/RX start without its start-up delay (DS 13.1.2; costs current).
	 * Set before sx126x_setup(). */
	bool idle_xosc;
	bool cad_rx; /* the CAD in progress goes on to RX        */
};

/* Defaults: 1.8 V TCXO (hardware.md), 10 ms BUSY bound. */
void sx126x_init(struct sx126x *dev, const struct sx126x_io *io);
/* Pulses NRESET, waits for BUSY low and checks registers whose reset
 * values the datasheet gives: the radio is there and answers. */
int sx126x_probe(struct sx126x *dev);
/* After probe: STDBY_RC, DC-DC, TCXO on DIO3, calibration, DIO2 RF switch,
 * packet type LoRa, buffer bases, IRQ routing to DIO1, antenna power. */
int sx126x_setup(struct sx126x *dev);
/* Validates every field first (nothing is sent when one is wrong), then
 * programs frequency, image calibration, PA, modulation, packet, sync. */
int sx126x_configure(struct sx126x *dev, const struct sx126x_lora_cfg *cfg);
int sx126x_validate(const struct sx126x_lora_cfg *cfg);

/* timeout_us: 0 = none; else the chip's TX timeout (15.625 us units). */
int sx126x_tx_start(struct sx126x *dev, const uint8_t *p, size_t n, uint32_t timeout_us);
/* continuous: RX until stopped.  Else single: timeout_us (0 = none) or,
 * with symb_timeout > 0, give up after that many symbols without a
 * preamble (SetLoRaSymbNumTimeout, DS 13.4.9). */
int sx126x_rx_start(struct sx126x *dev, bool continuous, uint32_t timeout_us, uint8_t symb_timeout);
/* symbols: 1, 2, 4, 8 or 16; detection thresholds per AN1200.48.
 * then_rx: on a detection the chip goes on to receive the packet (single
 * RX, rx_timeout_us, 0 = none): CAD_DONE|CAD_DETECTED, then RX_DONE. */
int sx126x_cad_start(struct sx126x *dev, uint8_t symbols, bool then_rx, uint32_t rx_timeout_us);
int sx126x_standby(struct sx126x *dev, bool xosc);
int sx126x_sleep(struct sx126x *dev, bool warm);
int sx126x_wakeup(struct sx126x *dev);

/* Non-blocking: ev->flags = 0 when nothing happened. */
int sx126x_poll(struct sx126x *dev, struct sx126x_event *ev);
int sx126x_read_packet(struct sx126x *dev, uint8_t *buf, size_t cap, struct sx126x_rx_info *info);
int sx126x_irq_status(struct sx126x *dev, uint16_t *irq);
int sx126x_irq_clear(struct sx126x *dev, uint16_t mask);
int sx126x_device_errors(struct sx126x *dev, uint16_t *errors);

/* Datasheet 6.1.4 time on air in microseconds; 0 for an invalid cfg. */
uint32_t sx126x_time_on_air_us(const struct sx126x_lora_cfg *cfg, uint8_t len);
/* Symbol time 2^SF / BW in microseconds (rounded down). */
uint32_t sx126x_symbol_us(uint8_t sf, uint32_t bw_hz);
bool sx126x_ldro_on(const struct sx126x_lora_cfg *cfg);
const char *sx126x_strerror(int err);

#endif

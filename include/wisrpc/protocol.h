/*
 * wisrpc wire protocol: the constants that the companion firmware and the
 * host library must agree on.  This header is freestanding (no libc beyond
 * <stdint.h>) because the firmware compiles it too.  docs/protocol.md is the
 * prose description of the same facts; change both together.
 *
 * A frame on the wire is  COBS( header | payload | crc32 ) 0x00 .
 * All multi-byte integers are little-endian.
 */
#ifndef WISRPC_PROTOCOL_H
#define WISRPC_PROTOCOL_H

#include <stdint.h>

#define WIS_PROTO_VERSION 1

/* Header: version u8, type u8, id u16, opcode u16, status u8, flags u8. */
#define WIS_HDR_LEN 8
#define WIS_CRC_LEN 4
/* Largest payload either side may send.  The firmware may advertise a
 * smaller one in HELLO; the host never sends more than advertised. */
#define WIS_MAX_PAYLOAD 1024
#define WIS_MAX_BODY (WIS_HDR_LEN + WIS_MAX_PAYLOAD + WIS_CRC_LEN)
/* COBS adds one byte per 254 plus one; the 0x00 delimiter adds one more. */
#define WIS_MAX_ENCODED (WIS_MAX_BODY + WIS_MAX_BODY / 254 + 2)

/* Message types. */
enum wis_msg_type {
	WIS_MSG_REQUEST = 0,
	WIS_MSG_RESPONSE = 1,
	WIS_MSG_EVENT = 2,
};

/* Header flags. */
#define WIS_FLAG_NONE 0x00
/* Response: a partial answer of a streamed request (an opcode with
 * WIS_OPF_STREAM); more follow, then the final answer without it. */
#define WIS_FLAG_MORE 0x01

/*
 * Opcodes: high byte is the subsystem, low byte the operation.  Event
 * opcodes have bit 7 of the low byte set.
 */
#define WIS_SUBSYS(op) ((uint16_t)(op) >> 8)
enum wis_opcode {
	/* SYSTEM */
	WIS_OP_HELLO = 0x0001,     /* req: u8 host_version; resp: see docs  */
	WIS_OP_PING = 0x0002,      /* req: any bytes; resp: the same bytes   */
	WIS_OP_UPTIME = 0x0003,    /* resp: u64 device microseconds          */
	WIS_OP_RESET = 0x0004,     /* req: u8 wis_reset_mode                 */
	WIS_OP_STATS = 0x0005,     /* resp: counters, see docs               */
	WIS_OP_PINS = 0x0006,      /* req: u8 first; resp: pin table entries */
	WIS_OP_BATCH = 0x0007,     /* req: u8 flags, u8 n, n x (u16 op, u16 len, bytes) */
	WIS_OP_RELEASE = 0x0008,   /* req: u8 pin; frees whatever owns it   */
	WIS_OP_PIN_STATE = 0x0009, /* req: u8 pin; resp: u8 owner, u8 mode, u8 level */
	WIS_OP_DELAY = 0x000A,     /* req: u32 delay_us; answered that much later */
	WIS_OP_EMIT = 0x000B,      /* req: u8 count, u16 len; count DIAG events  */
	WIS_OP_HELD = 0x000C,      /* resp: u8 count, count x u16 id held (link) */

	/* GPIO */
	WIS_OP_GPIO_MODE = 0x0101,  /* req: u8 pin, u8 mode, u8 initial level */
	WIS_OP_GPIO_READ = 0x0102,  /* req: u8 pin; resp: u8 level          */
	WIS_OP_GPIO_WRITE = 0x0103, /* req: u8 pin, u8 level                */
	WIS_OP_GPIO_WATCH = 0x0104, /* req: u8 pin, u8 edge, u32 debounce_us */

	/* ADC (nRF52840 SAADC) */
	WIS_OP_ADC_READ = 0x0201, /* req: u8 pin, u8 gain, u8 ref, u8 bits, u8 oversample_log2
	                             resp: i16 raw, i32 millivolts */

	/* RADIO (SX1262, LoRa): fields in lib/proto/ops.c */
	WIS_OP_RADIO_CONFIG = 0x0301,  /* modulation, packet, power, TCXO      */
	WIS_OP_RADIO_SEND = 0x0302,    /* payload; answered at TX done         */
	WIS_OP_RADIO_SEND_AT = 0x0303, /* u64 device time; answered at TX done */
	WIS_OP_RADIO_RX = 0x0304,      /* start receiving (continuous/single)  */
	WIS_OP_RADIO_STOP = 0x0305,    /* stop receiving, standby              */
	WIS_OP_RADIO_CAD = 0x0306,     /* channel activity; answered at its end */
	WIS_OP_RADIO_STATUS = 0x0307,  /* state, counters, configuration       */
	/* FLASH: the external SPI NOR chip, or the internal-flash fallback
	 * store when none is fitted (docs/protocol.md "FLASH"). */
	WIS_OP_FLASH_INFO = 0x0401,   /* resp: store, jedec[3], size, erase_unit, page, name */
	WIS_OP_FLASH_READ = 0x0402,   /* req: u32 addr, u16 len; resp: len bytes */
	WIS_OP_FLASH_WRITE = 0x0403,  /* req: u32 addr, u8 flags, data (answered later) */
	WIS_OP_FLASH_ERASE = 0x0404,  /* req: u32 addr, u32 len (erase-unit aligned) */
	WIS_OP_FLASH_VERIFY = 0x0405, /* req: u32 addr, u32 len; resp: u32 crc32 */
	WIS_OP_FLASH_RAW = 0x0406,    /* req: u16 rx_len, tx bytes; resp: rx bytes */
	WIS_OP_FLASH_STREAM = 0x0407, /* req: u32 addr, u32 len; partial answers
	                                 (WIS_FLAG_MORE) of u32 addr + data, then
	                                 an empty final answer */

	/* I2C (TWIM): bus 0 = I2C1, 1 = I2C2.  Address NACK = NOT_FITTED, data
	 * NACK = HW_ERROR, bus error = BUSY, clock-stretch timeout = HW_TIMEOUT. */
	WIS_OP_I2C_CONFIG = 0x0501, /* req: u8 bus, u32 hz (100000 or 400000) */
	WIS_OP_I2C_SCAN = 0x0502,   /* req: u8 bus; resp: the addresses that ACKed */
	WIS_OP_I2C_XFER = 0x0503,   /* req: u8 bus, u8 addr, u16 rx_len, tx bytes; resp: rx */

	/* SPI (SPIM) on the IO-slot bus: the QSPI flash's pins, CS driven by the
	 * device for the whole transfer. */
	WIS_OP_SPI_XFER = 0x0601, /* req: u32 hz, u8 mode, tx bytes; resp: as many rx */

	/* UART (UARTE): port 0 = TXD0/RXD0, 1 = TXD1/RXD1. */
	WIS_OP_UART_CONFIG = 0x0701, /* req: u8 port, u32 baud, u8 parity, u8 stop_bits */
	WIS_OP_UART_WRITE = 0x0702,  /* req: u8 port, data; resp: u16 bytes taken */

	/* Events (type WIS_MSG_EVENT, id 0).  Every event payload starts with
	 * u32 sequence number (one counter for all events) and u64 device
	 * timestamp in microseconds. */
	WIS_EV_GPIO_EDGE = 0x0180, /* then: u8 pin, u8 level, u8 edge */
	WIS_EV_RESET = 0x0081,     /* then: u8 reset cause; sent once at boot */
	WIS_EV_DIAG = 0x0082,      /* then: len bytes (EMIT): i-th byte = (seq + i) & 0xff */
	/* RADIO events */
	WIS_EV_RADIO_RX = 0x0380,       /* a packet: metadata, then its payload */
	WIS_EV_RADIO_TX_DONE = 0x0381,  /* a transmission ended                 */
	WIS_EV_RADIO_RX_ERROR = 0x0382, /* CRC error, header error, RX timeout  */
	WIS_EV_UART_RX = 0x0780,        /* then: u8 port, u32 overflow total, bytes received */
};

#define WIS_EV_PREFIX_LEN 12 /* u32 seq + u64 timestamp */
/* Longest event data after the prefix. */
#define WIS_EV_MAX_DATA (WIS_MAX_PAYLOAD - WIS_EV_PREFIX_LEN)
/* WIS_OP_DELAY's longest delay. */
#define WIS_DELAY_MAX_US 10000000u

/* FLASH: stores, write flags and the largest data of one request. */
enum wis_flash_store {
	WIS_FLASH_STORE_EXTERNAL = 0, /* the SPI NOR chip on the QSPI pins    */
	WIS_FLASH_STORE_INTERNAL = 1, /* nRF52840 flash pages (no chip fitted) */
};
#define WIS_FLASH_WRITE_ERASE 0x01 /* erase what the write needs, keeping the rest */
#define WIS_FLASH_READ_MAX 1024u   /* a whole response payload */
#define WIS_FLASH_WRITE_MAX 1016u  /* payload minus addr and flags, 8-aligned */
#define WIS_FLASH_RAW_MAX 1022u    /* tx or rx bytes of one raw transaction */
/* FLASH_STREAM: data bytes per partial answer (after its u32 addr), and
 * the longest range of one request (16 MiB, the largest 3-byte-address
 * NOR chip). */
#define WIS_FLASH_STREAM_DATA (WIS_MAX_PAYLOAD - 4u)
#define WIS_FLASH_STREAM_MAX 0x1000000u

/* I2C: 7-bit addresses outside the reserved ones, transfer sizes. */
#define WIS_I2C_ADDR_MIN 0x08
#define WIS_I2C_ADDR_MAX 0x77
#define WIS_I2C_XFER_MAX 1020u /* tx or rx bytes of one I2C_XFER */
/* SPI: clock range of the SPIM, bytes per transfer. */
#define WIS_SPI_HZ_MIN 125000u
#define WIS_SPI_HZ_MAX 8000000u
#define WIS_SPI_XFER_MAX 1019u
/* UART: parity (the nRF52840 UARTE has none or even), write size, and the
 * most bytes one UART_RX event carries. */
enum wis_uart_parity { WIS_UART_PARITY_NONE = 0, WIS_UART_PARITY_EVEN = 1 };
#define WIS_UART_BAUD_MIN 1200u
#define WIS_UART_BAUD_MAX 1000000u
#define WIS_UART_WRITE_MAX 1019u
#define WIS_UART_RX_EVENT_MAX 512u

/*
 * Status codes carried in responses.  On a status other than WIS_ST_OK the
 * payload is an optional human-readable detail: u8 length + text (no NUL).
 */
enum wis_status {
	WIS_ST_OK = 0,
	WIS_ST_UNKNOWN_OP = 1,     /* opcode not implemented                 */
	WIS_ST_BAD_LENGTH = 2,     /* payload too short/long for the opcode  */
	WIS_ST_BAD_ARG = 3,        /* parameter out of range                 */
	WIS_ST_NO_SUCH_PIN = 4,    /* pin number not on this board           */
	WIS_ST_NOT_CAPABLE = 5,    /* pin cannot do that function            */
	WIS_ST_PIN_BUSY = 6,       /* pin owned by another function          */
	WIS_ST_WRONG_MODE = 7,     /* e.g. write to a pin that is an input   */
	WIS_ST_NOT_FITTED = 8,     /* hardware absent (e.g. flash chip)      */
	WIS_ST_BUSY = 9,           /* device busy, retry later               */
	WIS_ST_HW_TIMEOUT = 10,    /* hardware did not answer in time        */
	WIS_ST_HW_ERROR = 11,      /* hardware reported an error             */
	WIS_ST_TOO_BIG = 12,       /* result does not fit in a frame         */
	WIS_ST_VERSION = 13,       /* protocol version not supported         */
	WIS_ST_SKIPPED = 14,       /* batch step not run (earlier failure)   */
	WIS_ST_NOT_SUPPORTED = 15, /* capability absent on this device      */
	WIS_ST_INTERNAL = 16,      /* firmware bug; see detail               */
	WIS_ST_TOO_LATE = 17,      /* a timed operation's time has passed    */
	WIS_ST_TOO_EARLY = 18,     /* a timed operation is too far ahead     */
	WIS_ST__COUNT
};

/* GPIO modes (WIS_OP_GPIO_MODE). */
enum wis_gpio_mode {
	WIS_GPIO_DISABLED = 0, /* disconnected input buffer; releases the pin */
	WIS_GPIO_INPUT = 1,
	WIS_GPIO_INPUT_PULLUP = 2,
	WIS_GPIO_INPUT_PULLDOWN = 3,
	WIS_GPIO_OUTPUT = 4,
	WIS_GPIO_OUTPUT_OPEN_DRAIN = 5, /* drives 0, floats on 1 (S0D1) */
	WIS_GPIO__MODE_COUNT
};

/* Edge selection for WIS_OP_GPIO_WATCH and in WIS_EV_GPIO_EDGE. */
enum wis_edge {
	WIS_EDGE_NONE = 0, /* stop watching */
	WIS_EDGE_RISING = 1,
	WIS_EDGE_FALLING = 2,
	WIS_EDGE_BOTH = 3,
};
#define WIS_DEBOUNCE_MAX_US 1000000u

/* SAADC gain codes (nRF52840 CH[n].CONFIG.GAIN). */
enum wis_adc_gain {
	WIS_ADC_GAIN_1_6 = 0,
	WIS_ADC_GAIN_1_5 = 1,
	WIS_ADC_GAIN_1_4 = 2,
	WIS_ADC_GAIN_1_3 = 3,
	WIS_ADC_GAIN_1_2 = 4,
	WIS_ADC_GAIN_1 = 5,
	WIS_ADC_GAIN_2 = 6,
	WIS_ADC_GAIN_4 = 7,
};
/* SAADC reference: internal 0.6 V, or VDD/4 (VDD = 3.3 V on the RAK4631). */
enum wis_adc_ref {
	WIS_ADC_REF_INTERNAL = 0,
	WIS_ADC_REF_VDD4 = 1,
};
#define WIS_ADC_DEFAULT_GAIN WIS_ADC_GAIN_1_6
#define WIS_ADC_DEFAULT_REF WIS_ADC_REF_INTERNAL
#define WIS_ADC_DEFAULT_BITS 12
#define WIS_ADC_MAX_OVERSAMPLE_LOG2 8

/* WIS_OP_RESET modes. */
enum wis_reset_mode {
	WIS_RESET_APP = 0,        /* plain system reset                  */
	WIS_RESET_BOOTLOADER = 1, /* GPREGRET 0x57: UF2 + CDC bootloader */
	WIS_RESET_SERIAL_DFU = 2, /* GPREGRET 0x4E: serial DFU           */
};

/* Reset causes carried by the RESET event (WIS_EV_RESET). */
enum wis_reset_cause {
	WIS_CAUSE_POWER_ON = 0,
	WIS_CAUSE_REQUEST = 1,
	WIS_CAUSE_WATCHDOG = 2,
	WIS_CAUSE_PIN = 3,
	WIS_CAUSE_FAULT = 4, /* a CPU fault: HELLO carries where (fault_*) */
};

/* Who owns a pin (WIS_OP_PIN_STATE, pin table).  One function at a time. */
enum wis_pin_owner {
	WIS_OWNER_NONE = 0,
	WIS_OWNER_GPIO = 1,
	WIS_OWNER_ADC = 2,
	WIS_OWNER_I2C = 3,
	WIS_OWNER_SPI = 4,
	WIS_OWNER_UART = 5,
	WIS_OWNER_FLASH = 6,
	WIS_OWNER_SYSTEM = 7, /* reserved by the board (e.g. NFC pads) */
};

/* BATCH request flags. */
#define WIS_BATCH_STOP_ON_ERROR 0x01
#define WIS_BATCH_MAX_STEPS 32

/* HELLO capability bits. */
#define WIS_CAP_GPIO (1u << 0)
#define WIS_CAP_ADC (1u << 1)
#define WIS_CAP_BATCH (1u << 2)
#define WIS_CAP_EVENTS (1u << 3)
#define WIS_CAP_RADIO (1u << 4)
#define WIS_CAP_FLASH (1u << 5)
#define WIS_CAP_I2C (1u << 6)
#define WIS_CAP_SPI (1u << 7)
#define WIS_CAP_UART (1u << 8)
#define WIS_CAP_SIMULATED (1u << 31)

/* RADIO: payload, scheduling and CAD limits. */
#define WIS_RADIO_MAX_PAYLOAD 255
#define WIS_RADIO_AT_MAX_AHEAD_US 60000000u /* SEND_AT: at most 60 s ahead   */
#define WIS_RADIO_TIMEOUT_MAX_MS 262000u    /* SEND: the chip's longest TX timeout */
/* RADIO_RX_ERROR kinds. */
enum wis_radio_err { WIS_RADIO_ERR_CRC = 0, WIS_RADIO_ERR_HEADER = 1, WIS_RADIO_ERR_TIMEOUT = 2 };
/* RADIO_STATUS states. */
enum wis_radio_state {
	WIS_RADIO_OFF = 0, /* not configured yet                 */
	WIS_RADIO_STANDBY = 1,
	WIS_RADIO_TX = 2,
	WIS_RADIO_RX = 3,
	WIS_RADIO_CAD = 4,
};

/* Pipelining: the device holds at least this many requests in flight. */
#define WIS_MIN_WINDOW 8

#endif

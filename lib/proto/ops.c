/*
 * The opcode table (see ops.h) and the resources requests act on.  Adding
 * an opcode means adding its fields and one row below; the firmware's
 * checks, the library's names and batch rules, wisd's resources and the
 * protocol document's tables follow from the row.  The generic payload
 * codec is codec.c; the protocol's names are names.c.
 */
#include "ops.h"
#include "proto_priv.h"

static const char *const off_on[] = {"0", "1", NULL};

/* ---- fields of each message ------------------------------------------------ */

#define NF(a) ((uint8_t)(sizeof(a) / sizeof((a)[0])))
#define U8(n, lo, hi)                                                                              \
	{                                                                                          \
		n, WIS_FT_U8, lo, hi, NULL                                                         \
	}
#define U16(n)                                                                                     \
	{                                                                                          \
		n, WIS_FT_U16, 0, 0xffff, NULL                                                     \
	}
#define U32(n)                                                                                     \
	{                                                                                          \
		n, WIS_FT_U32, 0, 0xffffffffu, NULL                                                \
	}
#define U64(n)                                                                                     \
	{                                                                                          \
		n, WIS_FT_U64, 0, 0xffffffffu, NULL                                                \
	}
#define ENUM8(n, names, hi)                                                                        \
	{                                                                                          \
		n, WIS_FT_U8, 0, hi, names                                                         \
	}
#define PIN                                                                                        \
	{                                                                                          \
		"pin", WIS_FT_PIN, 0, 255, NULL                                                    \
	}

static const struct wis_field hello_req[] = {U8("host_version", 1, 255)};
static const struct wis_field hello_resp[] = {
    U8("proto_version", 0, 255),
    U8("window", 0, 255),
    U16("max_payload"),
    U32("caps"),
    {"device_id", WIS_FT_BYTES, 8, 8, NULL},
    {"fw_version", WIS_FT_STR, 0, 255, NULL},
    {"board", WIS_FT_STR, 0, 255, NULL},
    U8("pin_count", 0, 255),
    /* why this boot: a fault's exception
     * number (3 HardFault .. 6 UsageFault),
     * PC, LR and CFSR, 0 when none */
    ENUM8("reset_cause", wis_reset_cause_names, WIS_CAUSE_FAULT),
    U8("fault_kind", 0, 255),
    U32("fault_pc"),
    U32("fault_lr"),
    U32("fault_cfsr")};
static const struct wis_field ping_req[] = {{"data", WIS_FT_BYTES, 0, WIS_MAX_PAYLOAD, NULL}};
static const struct wis_field uptime_resp[] = {U64("uptime_us")};
static const struct wis_field reset_req[] = {
    ENUM8("mode", wis_reset_mode_names, WIS_RESET_SERIAL_DFU)};
static const struct wis_field stats_resp[] = {
    U64("uptime_us"),   U32("rx_frames"),      U32("rx_crc_errors"),    U32("rx_cobs_errors"),
    U32("rx_oversize"), U32("rx_runts"),       U32("rx_bytes_dropped"), U32("tx_frames"),
    U32("events_sent"), U32("events_dropped"), U32("requests_bad")};
static const struct wis_field pins_req[] = {U8("first", 0, 255)};
static const struct wis_field pins_resp[] = {U8("total", 0, 255),
                                             U8("first", 0, 255),
                                             U8("count", 0, 255),
                                             {"entries", WIS_FT_REST, 0, 0, NULL}};
static const struct wis_field batch_req[] = {U8("flags", 0, WIS_BATCH_STOP_ON_ERROR),
                                             U8("count", 0, WIS_BATCH_MAX_STEPS),
                                             {"steps", WIS_FT_REST, 0, 0, NULL}};
static const struct wis_field batch_resp[] = {U8("count", 0, WIS_BATCH_MAX_STEPS),
                                              {"results", WIS_FT_REST, 0, 0, NULL}};
static const struct wis_field pin_req[] = {PIN};
static const struct wis_field pin_state_resp[] = {
    ENUM8("owner", wis_owner_names, WIS_OWNER_SYSTEM),
    ENUM8("mode", wis_gpio_mode_names, WIS_GPIO_OUTPUT_OPEN_DRAIN), ENUM8("level", off_on, 1),
    ENUM8("edge", wis_edge_names, WIS_EDGE_BOTH)};
static const struct wis_field gpio_mode_req[] = {
    PIN, ENUM8("mode", wis_gpio_mode_names, WIS_GPIO_OUTPUT_OPEN_DRAIN), ENUM8("level", off_on, 1)};
static const struct wis_field level_resp[] = {ENUM8("level", off_on, 1)};
static const struct wis_field gpio_write_req[] = {PIN, ENUM8("level", off_on, 1)};
static const struct wis_field gpio_watch_req[] = {
    PIN,
    ENUM8("edge", wis_edge_names, WIS_EDGE_BOTH),
    {"debounce_us", WIS_FT_U32, 0, WIS_DEBOUNCE_MAX_US, NULL}};
static const struct wis_field adc_read_req[] = {
    PIN, ENUM8("gain", wis_adc_gain_names, WIS_ADC_GAIN_4),
    ENUM8("reference", wis_adc_ref_names, WIS_ADC_REF_VDD4), U8("resolution", 8, 14),
    U8("oversample", 0, WIS_ADC_MAX_OVERSAMPLE_LOG2)};
static const struct wis_field adc_read_resp[] = {{"raw", WIS_FT_I16, 0, 0, NULL},
                                                 {"millivolts", WIS_FT_I32, 0, 0, NULL}};
static const struct wis_field ev_edge[] = {PIN, ENUM8("level", off_on, 1),
                                           ENUM8("edge", wis_edge_names, WIS_EDGE_BOTH)};
static const struct wis_field delay_req[] = {{"delay_us", WIS_FT_U32, 0, WIS_DELAY_MAX_US, NULL}};
static const struct wis_field emit_req[] = {U8("count", 1, 255),
                                            {"len", WIS_FT_U16, 0, WIS_EV_MAX_DATA, NULL}};
static const struct wis_field emit_resp[] = {U32("first_seq")};
/* HELD: count, then count x u16 request id (the layout below the table). */
static const struct wis_field held_resp[] = {U8("count", 0, 255), {"ids", WIS_FT_REST, 0, 0, NULL}};
static const struct wis_field ev_diag[] = {{"data", WIS_FT_BYTES, 0, WIS_EV_MAX_DATA, NULL}};
static const struct wis_field ev_reset[] = {ENUM8("cause", wis_reset_cause_names, WIS_CAUSE_FAULT)};

/* RADIO.  Ranges the table cannot say (power is signed, the bandwidth a
 * list, the TCXO voltage a list) are checked by the handler with the same
 * "name value out of range" detail. */
#define TIMEOUT_MS                                                                                 \
	{                                                                                          \
		"timeout_ms", WIS_FT_U32, 0, WIS_RADIO_TIMEOUT_MAX_MS, NULL                        \
	}
#define RADIO_PAYLOAD                                                                              \
	{                                                                                          \
		"payload", WIS_FT_BYTES, 1, WIS_RADIO_MAX_PAYLOAD, NULL                            \
	}
static const struct wis_field radio_config_req[] = {
    {"freq_hz", WIS_FT_U32, 150000000u, 960000000u, NULL},
    {"power_dbm", WIS_FT_I16, 0, 0, NULL},
    U8("sf", 5, 12),
    {"bw_hz", WIS_FT_U32, 7812, 500000, NULL},
    U8("cr", 5, 8),
    ENUM8("ldro", wis_radio_ldro_names, 2),
    {"preamble", WIS_FT_U16, 1, 65535, NULL},
    ENUM8("implicit", off_on, 1),
    U8("payload_len", 0, 255),
    ENUM8("crc", off_on, 1),
    ENUM8("invert_iq", off_on, 1),
    U8("sync_word", 0, 255),
    {"tcxo_mv", WIS_FT_U16, 0, 3300, NULL},
    ENUM8("idle_xosc", off_on, 1)};
static const struct wis_field radio_config_resp[] = {ENUM8("ldro_on", off_on, 1), U32("symbol_us")};
static const struct wis_field radio_send_req[] = {TIMEOUT_MS, RADIO_PAYLOAD};
static const struct wis_field radio_send_at_req[] = {U64("at_us"), TIMEOUT_MS, RADIO_PAYLOAD};
static const struct wis_field radio_send_resp[] = {U32("airtime_us"), U64("tx_start_us"),
                                                   U64("tx_end_us")};
static const struct wis_field radio_rx_req[] = {{"timeout_ms", WIS_FT_U32, 0, 86400000u, NULL}};
static const struct wis_field radio_cad_req[] = {U8("symbols", 1, 16)};
static const struct wis_field radio_cad_resp[] = {ENUM8("detected", off_on, 1)};
static const struct wis_field radio_status_resp[] = {
    ENUM8("state", wis_radio_state_names, WIS_RADIO_CAD),
    ENUM8("receiving", off_on, 1),
    U32("freq_hz"),
    U8("sf", 0, 255),
    U32("bw_hz"),
    U32("tx_packets"),
    U32("rx_packets"),
    U32("rx_errors"),
    U16("device_errors")};
static const struct wis_field ev_radio_rx[] = {{"rssi_half_dbm", WIS_FT_I16, 0, 0, NULL},
                                               {"snr_quarter_db", WIS_FT_I16, 0, 0, NULL},
                                               {"signal_rssi_half_dbm", WIS_FT_I16, 0, 0, NULL},
                                               U32("freq_hz"),
                                               U8("sf", 0, 255),
                                               U32("bw_hz"),
                                               U8("cr", 0, 255),
                                               ENUM8("crc", off_on, 1),
                                               {"payload", WIS_FT_BYTES, 0, 255, NULL}};
static const struct wis_field ev_radio_tx[] = {U32("airtime_us"), U64("tx_start_us"),
                                               U64("tx_end_us"), U8("len", 0, 255)};
static const struct wis_field ev_radio_err[] = {
    ENUM8("kind", wis_radio_err_names, WIS_RADIO_ERR_TIMEOUT),
    {"rssi_half_dbm", WIS_FT_I16, 0, 0, NULL},
    {"snr_quarter_db", WIS_FT_I16, 0, 0, NULL}};

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* A send answers at TX done: within its TX timeout (the library sets it
 * from the time on air), or the longest one when the device picks it. */
static uint32_t radio_send_bound_ms(const uint8_t *req, size_t len)
{
	uint32_t t = len >= 4 ? le32(req) : 0;
	return (t ? t : WIS_RADIO_TIMEOUT_MAX_MS) + 100;
}

/* SEND_AT: up to WIS_RADIO_AT_MAX_AHEAD_US before the TX even starts. */
static uint32_t radio_send_at_bound_ms(const uint8_t *req, size_t len)
{
	return WIS_RADIO_AT_MAX_AHEAD_US / 1000 +
	       (len >= 12 ? radio_send_bound_ms(req + 8, len - 8) : radio_send_bound_ms(req, 0));
}

/* CAD: 2^n symbols of at most 524.3 ms (SF12 at 7.8 kHz), plus the TCXO. */
static uint32_t radio_cad_bound_ms(const uint8_t *req, size_t len)
{
	return (len >= 1 ? req[0] : 16) * 525u + 100;
}

/* FLASH (flash.md): addresses are byte offsets in the store in use. */
const char *const wis_flash_store_names[] = {"external", "internal", NULL};
static const struct wis_field flash_info_resp[] = {
    ENUM8("store", wis_flash_store_names, WIS_FLASH_STORE_INTERNAL),
    {"jedec", WIS_FT_BYTES, 3, 3, NULL},
    U32("size"),
    U32("erase_unit"),
    U32("page_size"),
    {"name", WIS_FT_STR, 0, 255, NULL}};
static const struct wis_field flash_read_req[] = {U32("addr"),
                                                  {"len", WIS_FT_U16, 1, WIS_FLASH_READ_MAX, NULL}};
static const struct wis_field flash_data_resp[] = {
    {"data", WIS_FT_BYTES, 0, WIS_MAX_PAYLOAD, NULL}};
static const struct wis_field flash_write_req[] = {
    U32("addr"),
    U8("flags", 0, WIS_FLASH_WRITE_ERASE),
    {"data", WIS_FT_BYTES, 1, WIS_FLASH_WRITE_MAX, NULL}};
static const struct wis_field flash_range_req[] = {U32("addr"), U32("len")};
static const struct wis_field flash_verify_resp[] = {U32("crc32")};
/* An erase of nothing is no erase: refused before it reaches the store. */
static const struct wis_field flash_erase_req[] = {U32("addr"),
                                                   {"len", WIS_FT_U32, 1, 0xffffffffu, NULL}};
static const struct wis_field flash_stream_req[] = {
    U32("addr"), {"len", WIS_FT_U32, 1, WIS_FLASH_STREAM_MAX, NULL}};
static const struct wis_field flash_raw_req[] = {{"rx_len", WIS_FT_U16, 0, WIS_FLASH_RAW_MAX, NULL},
                                                 {"tx", WIS_FT_BYTES, 1, WIS_FLASH_RAW_MAX, NULL}};

/* I2C: the bus field names the resource (i2c1 or i2c2). */
const char *const wis_i2c_bus_names[] = {"i2c1", "i2c2", NULL};
static const struct wis_field i2c_config_req[] = {ENUM8("bus", wis_i2c_bus_names, 1),
                                                  {"hz", WIS_FT_U32, 100000, 400000, NULL}};
static const struct wis_field i2c_scan_req[] = {ENUM8("bus", wis_i2c_bus_names, 1)};
static const struct wis_field i2c_scan_resp[] = {{"addrs", WIS_FT_BYTES, 0, 112, NULL}};
static const struct wis_field i2c_xfer_req[] = {ENUM8("bus", wis_i2c_bus_names, 1),
                                                U8("addr", WIS_I2C_ADDR_MIN, WIS_I2C_ADDR_MAX),
                                                {"rx_len", WIS_FT_U16, 0, WIS_I2C_XFER_MAX, NULL},
                                                {"tx", WIS_FT_BYTES, 0, WIS_I2C_XFER_MAX, NULL}};

/* SPI: one full-duplex transfer. */
static const struct wis_field spi_xfer_req[] = {
    {"hz", WIS_FT_U32, WIS_SPI_HZ_MIN, WIS_SPI_HZ_MAX, NULL},
    U8("mode", 0, 3),
    {"tx", WIS_FT_BYTES, 1, WIS_SPI_XFER_MAX, NULL}};

/* UART: the port field names the resource (uart0 or uart1). */
const char *const wis_uart_port_names[] = {"uart0", "uart1", NULL};
const char *const wis_uart_parity_names[] = {"none", "even", NULL};
static const struct wis_field uart_config_req[] = {
    ENUM8("port", wis_uart_port_names, 1),
    {"baud", WIS_FT_U32, WIS_UART_BAUD_MIN, WIS_UART_BAUD_MAX, NULL},
    ENUM8("parity", wis_uart_parity_names, WIS_UART_PARITY_EVEN),
    U8("stop_bits", 1, 2)};
static const struct wis_field uart_write_req[] = {
    ENUM8("port", wis_uart_port_names, 1), {"data", WIS_FT_BYTES, 1, WIS_UART_WRITE_MAX, NULL}};
static const struct wis_field uart_write_resp[] = {U16("taken")};
static const struct wis_field ev_uart_rx[] = {ENUM8("port", wis_uart_port_names, 1),
                                              U32("overflow"),
                                              {"data", WIS_FT_BYTES, 0, WIS_EV_MAX_DATA, NULL}};

/* Little-endian u32 at p[off], 0 if the request is too short. */
static uint32_t req_u32(const uint8_t *req, size_t len, size_t off)
{
	if (len < off + 4)
		return 0;
	return (uint32_t)req[off] | (uint32_t)req[off + 1] << 8 | (uint32_t)req[off + 2] << 16 |
	       (uint32_t)req[off + 3] << 24;
}

/* Worst wait per 4 KiB erased: the driver's bound, the larger of the
 * IS25LP080D datasheet maximum (300 ms) and the SFDP-derived one (640 ms);
 * the internal store's page erase is 85 ms.  Programming a 256-byte page:
 * 1.6 ms at most. */
#define FLASH_UNIT_ERASE_MS 640u
#define FLASH_PAGE_PROG_MS 2u

/* An erase-before-write touches at most two units (data <= 1016 bytes):
 * each read, erased and programmed whole.  Twice that: a write may wait
 * behind the one the module is running (firmware/core/flash.c keeps one),
 * which may have the erase flag whatever this one has. */
static uint32_t flash_write_bound_ms(const uint8_t *req, size_t len)
{
	uint32_t erase = 2 * (FLASH_UNIT_ERASE_MS + 16 * FLASH_PAGE_PROG_MS) + 100;
	uint32_t plain = 5 * FLASH_PAGE_PROG_MS + 50;
	if (len > 4 && (req[4] & WIS_FLASH_WRITE_ERASE))
		return 2 * erase;
	return erase + plain;
}

static uint32_t flash_erase_bound_ms(const uint8_t *req, size_t len)
{
	uint32_t n = req_u32(req, len, 4);
	return (n / 4096 + 1) * FLASH_UNIT_ERASE_MS + 100;
}

/* The whole range at 256 KiB/s, a quarter of what USB full speed carries
 * at best: the stream goes at the pace the host reads. */
static uint32_t flash_stream_bound_ms(const uint8_t *req, size_t len)
{
	uint32_t n = req_u32(req, len, 4);
	return n / 256 + 1000;
}

/* CRC over the range, read 1 KiB per main-loop turn (~1.1 ms at 8 MHz). */
static uint32_t flash_verify_bound_ms(const uint8_t *req, size_t len)
{
	uint32_t n = req_u32(req, len, 4);
	return (n / 1024 + 1) * 2 + 100;
}

/* DELAY answers after its delay: the host waits that long more. */
static uint32_t delay_bound_ms(const uint8_t *req, size_t len)
{
	if (len < 4)
		return 0;
	uint32_t us = (uint32_t)req[0] | (uint32_t)req[1] << 8 | (uint32_t)req[2] << 16 |
	              (uint32_t)req[3] << 24;
	return us / 1000 + 1;
}

#define REQ(r) r, NF(r)
#define NONE NULL, 0
#define B WIS_OPF_BATCH
#define CH WIS_OPF_CHANGES
#define RD WIS_PERM_READ
#define CTL WIS_PERM_CONTROL
#define ADM WIS_PERM_ADMIN

/* In opcode order (wis_op_find relies on it). */
static const struct wis_op_desc ops[] = {
    {WIS_OP_HELLO, "HELLO", "protocol version, window, payload size, capabilities, id, names",
     REQ(hello_req), REQ(hello_resp), WIS_OPF_LOCAL, WIS_RES_NONE, ADM, WIS_TC_QUICK, NULL},
    {WIS_OP_PING, "PING", "echoes its payload", REQ(ping_req), REQ(ping_req), B, WIS_RES_NONE, RD,
     WIS_TC_QUICK, NULL},
    {WIS_OP_UPTIME, "UPTIME", "device time in microseconds since boot", NONE, REQ(uptime_resp), B,
     WIS_RES_NONE, RD, WIS_TC_QUICK, NULL},
    {WIS_OP_RESET, "RESET", "resets the module once the response is out", REQ(reset_req), NONE, 0,
     WIS_RES_NONE, ADM, WIS_TC_QUICK, NULL},
    {WIS_OP_STATS, "STATS", "link and event counters", NONE, REQ(stats_resp), B, WIS_RES_NONE, RD,
     WIS_TC_QUICK, NULL},
    {WIS_OP_PINS, "PINS", "the board's pin table, paged", REQ(pins_req), REQ(pins_resp), B,
     WIS_RES_NONE, RD, WIS_TC_QUICK, NULL},
    {WIS_OP_BATCH, "BATCH", "several requests in order, a result for each", REQ(batch_req),
     REQ(batch_resp), 0, WIS_RES_NONE, RD, WIS_TC_QUICK, NULL},
    {WIS_OP_RELEASE, "RELEASE", "frees a pin from whatever function holds it", REQ(pin_req), NONE,
     B | CH, WIS_RES_PIN, CTL, WIS_TC_QUICK, NULL},
    {WIS_OP_PIN_STATE, "PIN_STATE", "a pin's owner, mode, level and watched edge", REQ(pin_req),
     REQ(pin_state_resp), B, WIS_RES_PIN, RD, WIS_TC_QUICK, NULL},
    {WIS_OP_DELAY, "DELAY", "answers after delay_us, the link staying live (diagnostic)",
     REQ(delay_req), REQ(uptime_resp), 0, WIS_RES_NONE, RD, WIS_TC_LONG, delay_bound_ms},
    {WIS_OP_EMIT, "EMIT", "queues count DIAG events of len bytes (diagnostic)", REQ(emit_req),
     REQ(emit_resp), B, WIS_RES_NONE, CTL, WIS_TC_QUICK, NULL},
    {WIS_OP_HELD, "HELD", "ids of the requests the module holds in a slot, itself excluded", NONE,
     REQ(held_resp), WIS_OPF_LOCAL, WIS_RES_NONE, RD, WIS_TC_QUICK, NULL},
    {WIS_EV_RESET, "RESET_EVENT", "the module booted; sent once", NONE, REQ(ev_reset),
     WIS_OPF_EVENT, WIS_RES_NONE, RD, WIS_TC_QUICK, NULL},
    {WIS_EV_DIAG, "DIAG_EVENT", "test event from EMIT: byte i is (seq + i) & 0xff", NONE,
     REQ(ev_diag), WIS_OPF_EVENT, WIS_RES_NONE, RD, WIS_TC_QUICK, NULL},
    {WIS_OP_GPIO_MODE, "GPIO_MODE", "sets a pin's GPIO mode and initial level", REQ(gpio_mode_req),
     NONE, B | CH, WIS_RES_PIN, CTL, WIS_TC_QUICK, NULL},
    {WIS_OP_GPIO_READ, "GPIO_READ", "reads a pin (a free pin becomes an input)", REQ(pin_req),
     REQ(level_resp), B, WIS_RES_PIN, RD, WIS_TC_QUICK, NULL},
    {WIS_OP_GPIO_WRITE, "GPIO_WRITE", "drives an output (a free pin becomes one)",
     REQ(gpio_write_req), NONE, B | CH, WIS_RES_PIN, CTL, WIS_TC_QUICK, NULL},
    {WIS_OP_GPIO_WATCH, "GPIO_WATCH", "reports a pin's edges as GPIO_EDGE events",
     REQ(gpio_watch_req), NONE, B | CH, WIS_RES_PIN, CTL, WIS_TC_QUICK, NULL},
    {WIS_EV_GPIO_EDGE, "GPIO_EDGE", "a watched pin changed (debounced)", NONE, REQ(ev_edge),
     WIS_OPF_EVENT, WIS_RES_PIN, RD, WIS_TC_QUICK, NULL},
    {WIS_OP_ADC_READ, "ADC_READ", "one SAADC conversion: raw value and millivolts",
     REQ(adc_read_req), REQ(adc_read_resp), B | CH, WIS_RES_PIN, RD, WIS_TC_QUICK, NULL},
    {WIS_OP_RADIO_CONFIG, "RADIO_CONFIG", "LoRa modulation, packet, power, sync word, TCXO",
     REQ(radio_config_req), REQ(radio_config_resp), B | CH, WIS_RES_RADIO, CTL, WIS_TC_QUICK, NULL},
    {WIS_OP_RADIO_SEND, "RADIO_SEND", "transmits a packet; answered at TX done",
     REQ(radio_send_req), REQ(radio_send_resp), CH, WIS_RES_RADIO, CTL, WIS_TC_LONG,
     radio_send_bound_ms},
    {WIS_OP_RADIO_SEND_AT, "RADIO_SEND_AT", "transmits a packet starting at a device time",
     REQ(radio_send_at_req), REQ(radio_send_resp), CH, WIS_RES_RADIO, CTL, WIS_TC_LONG,
     radio_send_at_bound_ms},
    {WIS_OP_RADIO_RX, "RADIO_RX", "receives (timeout 0: continuously) as RADIO_RX events",
     REQ(radio_rx_req), NONE, B | CH, WIS_RES_RADIO, CTL, WIS_TC_QUICK, NULL},
    {WIS_OP_RADIO_STOP, "RADIO_STOP", "stops receiving; the radio idles", NONE, NONE, B | CH,
     WIS_RES_RADIO, CTL, WIS_TC_QUICK, NULL},
    {WIS_OP_RADIO_CAD, "RADIO_CAD", "channel activity detection; answered at its end",
     REQ(radio_cad_req), REQ(radio_cad_resp), CH, WIS_RES_RADIO, CTL, WIS_TC_LONG,
     radio_cad_bound_ms},
    {WIS_OP_RADIO_STATUS, "RADIO_STATUS", "state, counters and the configured channel", NONE,
     REQ(radio_status_resp), B, WIS_RES_RADIO, RD, WIS_TC_QUICK, NULL},
    {WIS_EV_RADIO_RX, "RADIO_RX_EVENT", "a received packet with RSSI, SNR and channel", NONE,
     REQ(ev_radio_rx), WIS_OPF_EVENT, WIS_RES_RADIO, RD, WIS_TC_QUICK, NULL},
    {WIS_EV_RADIO_TX_DONE, "RADIO_TX_EVENT", "a transmission ended", NONE, REQ(ev_radio_tx),
     WIS_OPF_EVENT, WIS_RES_RADIO, RD, WIS_TC_QUICK, NULL},
    {WIS_EV_RADIO_RX_ERROR, "RADIO_RX_ERROR", "CRC or header error, or an RX timeout", NONE,
     REQ(ev_radio_err), WIS_OPF_EVENT, WIS_RES_RADIO, RD, WIS_TC_QUICK, NULL},
    {WIS_OP_FLASH_INFO, "FLASH_INFO", "the store in use (chip or internal), size, erase unit", NONE,
     REQ(flash_info_resp), B, WIS_RES_FLASH, RD, WIS_TC_QUICK, NULL},
    {WIS_OP_FLASH_READ, "FLASH_READ", "reads len bytes at addr of the store", REQ(flash_read_req),
     REQ(flash_data_resp), B, WIS_RES_FLASH, RD, WIS_TC_QUICK, NULL},
    {WIS_OP_FLASH_WRITE, "FLASH_WRITE",
     "programs data at addr; erases first with flag erase; one may wait behind a running write",
     REQ(flash_write_req), NONE, CH, WIS_RES_FLASH, ADM, WIS_TC_LONG, flash_write_bound_ms},
    {WIS_OP_FLASH_ERASE, "FLASH_ERASE", "erases a range aligned to the erase unit",
     REQ(flash_erase_req), NONE, CH, WIS_RES_FLASH, ADM, WIS_TC_LONG, flash_erase_bound_ms},
    {WIS_OP_FLASH_VERIFY, "FLASH_VERIFY", "CRC-32 of a range, computed on the device",
     REQ(flash_range_req), REQ(flash_verify_resp), 0, WIS_RES_FLASH, RD, WIS_TC_LONG,
     flash_verify_bound_ms},
    {WIS_OP_FLASH_RAW, "FLASH_RAW", "one SPI transaction to the chip, CS held (chip only)",
     REQ(flash_raw_req), REQ(flash_data_resp), CH, WIS_RES_FLASH, ADM, WIS_TC_QUICK, NULL},
    {WIS_OP_FLASH_STREAM, "FLASH_STREAM",
     "reads a range as partial answers of u32 addr + data, sent as the link takes them",
     REQ(flash_stream_req), NONE, WIS_OPF_STREAM, WIS_RES_FLASH, RD, WIS_TC_LONG,
     flash_stream_bound_ms},
    {WIS_OP_I2C_CONFIG, "I2C_CONFIG", "takes an I2C bus's pins and sets its clock",
     REQ(i2c_config_req), NONE, B | CH, WIS_RES_I2C1, CTL, WIS_TC_QUICK, NULL},
    {WIS_OP_I2C_SCAN, "I2C_SCAN", "the 7-bit addresses 0x08..0x77 that acknowledge",
     REQ(i2c_scan_req), REQ(i2c_scan_resp), CH, WIS_RES_I2C1, CTL, WIS_TC_QUICK, NULL},
    {WIS_OP_I2C_XFER, "I2C_XFER", "write tx, then read rx_len with a repeated start",
     REQ(i2c_xfer_req), REQ(flash_data_resp), B | CH, WIS_RES_I2C1, CTL, WIS_TC_QUICK, NULL},
    {WIS_OP_SPI_XFER, "SPI_XFER", "full-duplex transfer on the IO-slot bus, CS held",
     REQ(spi_xfer_req), REQ(flash_data_resp), B | CH, WIS_RES_SPI, CTL, WIS_TC_QUICK, NULL},
    {WIS_OP_UART_CONFIG, "UART_CONFIG", "takes a UART's pins: baud, parity, stop bits; RX on",
     REQ(uart_config_req), NONE, B | CH, WIS_RES_UART0, CTL, WIS_TC_QUICK, NULL},
    {WIS_OP_UART_WRITE, "UART_WRITE", "queues bytes for TX; answers how many were taken",
     REQ(uart_write_req), REQ(uart_write_resp), B | CH, WIS_RES_UART0, CTL, WIS_TC_QUICK, NULL},
    {WIS_EV_UART_RX, "UART_RX", "bytes received, in order; overflow = bytes dropped so far", NONE,
     REQ(ev_uart_rx), WIS_OPF_EVENT, WIS_RES_UART0, RD, WIS_TC_QUICK, NULL},
};

const struct wis_op_desc *wis_op_table(size_t *count)
{
	*count = sizeof ops / sizeof ops[0];
	return ops;
}

const struct wis_op_desc *wis_op_find(uint16_t opcode)
{
	size_t lo = 0, hi = sizeof ops / sizeof ops[0];
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (ops[mid].opcode == opcode)
			return &ops[mid];
		if (ops[mid].opcode < opcode)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

const char *wis_op_name(uint16_t opcode)
{
	const struct wis_op_desc *d = wis_op_find(opcode);
	return d ? d->name : "opcode";
}

uint32_t wis_op_bound_ms(const struct wis_op_desc *d, const uint8_t *req, size_t len)
{
	if (!d || d->tclass != WIS_TC_LONG || !d->bound_ms)
		return 0;
	return d->bound_ms(req, len);
}

/* ---- resources ------------------------------------------------------------- */

static const char *const res_names[WIS_RES__COUNT] = {"",     "pin", "radio", "flash", "i2c1",
                                                      "i2c2", "spi", "uart0", "uart1"};

/* Pins each bus takes (shared/hardware.md).  The flash is the QSPI bus:
 * the IO-slot SPI pins plus IO7 (DIO2) and LED3 (DIO3). */
static const uint8_t pins_none[] = {WIS_NRF_NONE};
static const uint8_t pins_flash[] = {WIS_NRF(0, 26), WIS_NRF(0, 3), WIS_NRF(0, 30), WIS_NRF(0, 29),
                                     WIS_NRF(0, 28), WIS_NRF(0, 2), WIS_NRF_NONE};
static const uint8_t pins_i2c1[] = {WIS_NRF(0, 13), WIS_NRF(0, 14), WIS_NRF_NONE};
static const uint8_t pins_i2c2[] = {WIS_NRF(0, 24), WIS_NRF(0, 25), WIS_NRF_NONE};
static const uint8_t pins_spi[] = {WIS_NRF(0, 26), WIS_NRF(0, 3), WIS_NRF(0, 29), WIS_NRF(0, 30),
                                   WIS_NRF_NONE};
static const uint8_t pins_uart0[] = {WIS_NRF(0, 20), WIS_NRF(0, 19), WIS_NRF_NONE};
static const uint8_t pins_uart1[] = {WIS_NRF(0, 16), WIS_NRF(0, 15), WIS_NRF_NONE};

const uint8_t *wis_res_pins(unsigned res)
{
	switch (res) {
	case WIS_RES_FLASH:
		return pins_flash;
	case WIS_RES_I2C1:
		return pins_i2c1;
	case WIS_RES_I2C2:
		return pins_i2c2;
	case WIS_RES_SPI:
		return pins_spi;
	case WIS_RES_UART0:
		return pins_uart0;
	case WIS_RES_UART1:
		return pins_uart1;
	default:
		return pins_none;
	}
}

const char *wis_res_name(unsigned res)
{
	return res < WIS_RES__COUNT ? res_names[res] : "";
}

int wis_res_parse(const char *name)
{
	if (name[0] == 'p' && name[1] == 'i' && name[2] == 'n' && name[3] == ':' && name[4])
		return WIS_RES_PIN;
	for (int i = WIS_RES_RADIO; i < WIS_RES__COUNT; i++)
		if (wis__str_eq(res_names[i], name))
			return i;
	return -1;
}

static size_t put(char *buf, size_t cap, size_t at, const char *s)
{
	while (*s && at + 1 < cap)
		buf[at++] = *s++;
	if (cap)
		buf[at < cap ? at : cap - 1] = 0;
	return at;
}

int wis_op_resource(const struct wis_op_desc *d, const uint8_t *req, size_t len,
                    const struct wis_pin_def *pins, size_t npins, char *buf, size_t cap)
{
	put(buf, cap, 0, "");
	if (!d || d->res == WIS_RES_NONE)
		return WIS_RES_NONE;
	if (d->res == WIS_RES_I2C1 && d->nreq && len && d->req[0].names == wis_i2c_bus_names) {
		/* The first field says which bus: i2c1 or i2c2. */
		unsigned r = req[0] ? WIS_RES_I2C2 : WIS_RES_I2C1;
		put(buf, cap, 0, res_names[r]);
		return (int)r;
	}
	if (d->res == WIS_RES_UART0 && d->nreq && len && d->req[0].names == wis_uart_port_names) {
		unsigned r = req[0] ? WIS_RES_UART1 : WIS_RES_UART0;
		put(buf, cap, 0, res_names[r]);
		return (int)r;
	}
	if (d->res != WIS_RES_PIN) {
		put(buf, cap, 0, res_names[d->res]);
		return d->res;
	}
	/* The pin is the first PIN field; every field before it is an integer. */
	size_t off = 0;
	for (size_t i = 0; i < d->nreq && d->req[i].type != WIS_FT_PIN; i++)
		off += wis__field_size(d->req[i].type);
	if (off >= len)
		return -1;
	uint8_t nrf = req[off];
	const struct wis_pin_def *p = pins ? wis_pin_by_nrf(pins, npins, nrf) : NULL;
	char n[6];
	size_t at = put(buf, cap, 0, "pin:");
	if (p) {
		put(buf, cap, at, p->name);
	} else {
		wis_nrf_name(nrf, n);
		put(buf, cap, at, n);
	}
	return WIS_RES_PIN;
}

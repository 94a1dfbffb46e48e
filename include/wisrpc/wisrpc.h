/*
 * libwisrpc: drive a RAK4631 running the wisrpc companion firmware (or the
 * wisrpc-sim simulator) from Linux.
 *
 * Objects:
 *   wis_device   one open module.  Created by wis_open(), freed by wis_close().
 *   wis_request  one asynchronous call, owned by the library; the caller sees
 *                it only inside its completion callback.
 *   wis_batch    a list of operations sent as one BATCH request.
 *
 * Errors: every function that can fail returns an int, 0 on success and a
 * negative WIS_E* code otherwise.  Codes -1..-63 are the device's status
 * codes (enum wis_status, negated); codes from -100 down are raised on the
 * host.  wis_strerror() names a code; wis_last_error() gives the detail of
 * the calling thread's last failure ("IO9: no such pin"), because a code
 * alone rarely tells a user what to fix.
 *
 * Threads: a wis_device may be shared by any number of threads making
 * synchronous calls at once; their requests are pipelined on the link.  The
 * asynchronous interface (wis_call_async, wis_process) must be driven from
 * one thread at a time, the one that runs the event loop; synchronous calls
 * from other threads may be mixed in.  Callbacks run in the thread that
 * called wis_process() or, for synchronous callers, in whichever thread is
 * reading the link at that moment: keep them short and do not block in them.
 * A callback may call any function of the library on its device: a
 * synchronous call made there reads the link itself (so callbacks may run
 * nested inside it), and wis_close() there is completed when the library
 * call that ran the callback returns (that call then returns WIS_E_CLOSED).
 */
#ifndef WISRPC_WISRPC_H
#define WISRPC_WISRPC_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "wisrpc/pins.h"
#include "wisrpc/protocol.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The library version these headers belong to (from meson.build); the
 * running library's own is wis_version(). */
#include "wisrpc/version.h"
const char *wis_version(void);

/*
 * Growing the API without breaking programs built against an older one:
 *   - structs the caller allocates and the library may grow (open options,
 *     stats) start with or are passed with their size, filled in by the
 *     macros below from the caller's own build of the struct; the library
 *     reads and writes only that many bytes.
 *   - structs the library allocates (wis_info, wis_event) only grow at the
 *     end; wis_event's per-type union has room reserved for new types.
 *   - settings with many fields (the coming radio configuration) are opaque
 *     objects with constructor, destructor and setters, as in libgpiod v2.
 */

/* Host-side error codes (device status codes are -enum wis_status). */
enum {
	WIS_E_TIMEOUT = -100,      /* no response within the call's timeout       */
	WIS_E_IO = -101,           /* read/write on the link failed (errno kept)  */
	WIS_E_DISCONNECTED = -102, /* the link is gone: module unplugged or reset */
	WIS_E_NOMEM = -103,
	WIS_E_INVAL = -104,       /* bad argument from the caller                */
	WIS_E_PROTO = -105,       /* the device answered something malformed     */
	WIS_E_NOT_FOUND = -106,   /* no module at that path / discovery found none */
	WIS_E_UNKNOWN_PIN = -107, /* no pin of that name                         */
	WIS_E_NOT_IO = -108,      /* the pin exists but is power/ground/...      */
	WIS_E_WINDOW_FULL = -109, /* async: too many calls in flight             */
	WIS_E_CLOSED = -110,      /* the device is being closed                  */
	WIS_E_VERSION = -111,     /* firmware speaks another protocol version    */
	WIS_E_TOO_BIG = -112,     /* request or response larger than a frame     */
	WIS_E_CANCELLED = -113,   /* call abandoned (device closed before reply) */
	WIS_E_IN_USE = -114,      /* another program has the port open (wisd?)   */
	WIS_E_REGULATION = -115,  /* radio: the regional plan forbids it (now)   */
	WIS_E_UNMAPPABLE = -116,  /* device time has no host time (see below)    */
	WIS_E_RESET = -117,       /* the module reset before answering: lost     */
};

/* Name of an error code ("timeout", "pin busy", ...).  Never NULL. */
const char *wis_strerror(int code);

/* Detail of the calling thread's last failed call, or "" if none.  Valid
 * until the thread's next call into the library. */
const char *wis_last_error(void);

typedef struct wis_device wis_device;
typedef struct wis_request wis_request;
typedef struct wis_batch wis_batch;

/* ---- opening ---------------------------------------------------------- */

/*
 * Open settings: fill it with wis_open_options_init() and change what you
 * need.  Future fields are added at the end; size (set by the init macro to
 * the size of the caller's build of the struct) tells the library how many
 * it was given.
 */
struct wis_open_options {
	size_t size;         /* set by wis_open_options_init(); do not change */
	unsigned timeout_ms; /* default per-call timeout; default 1000        */
	unsigned window;     /* max calls in flight; default 16 (>= 1)        */
	uint16_t usb_vid;    /* discovery filter; default 0x239A              */
	uint16_t usb_pid;    /* discovery filter; default 0x8029; 0 = any     */
	const char *serial;  /* discovery filter: USB serial number, or NULL  */
	int no_hello;        /* skip the HELLO/PINS/clock exchange (tests)    */
};
void wis_open_options_init_size(struct wis_open_options *o, size_t size);
#define wis_open_options_init(o) wis_open_options_init_size((o), sizeof *(o))

/*
 * Open a module.  path is one of:
 *   "/dev/ttyACM0", "/dev/serial/by-id/..."   a real port (libserialport)
 *   "/dev/pts/N" or a symlink to it, any tty    POSIX termios (the simulator)
 *   "tcp://HOST:PORT"                           raw TCP (ser2net, networked sim)
 *   "auto" or NULL                              discovery by USB VID/PID/serial
 * Performs HELLO, fetches the pin table and synchronises the clocks.
 * opts may be NULL for defaults.  On success *out owns the device.
 */
int wis_open(wis_device **out, const char *path, const struct wis_open_options *opts);

/* Close and free.  Pending asynchronous calls complete with WIS_E_CANCELLED
 * before this returns, and so do synchronous calls other threads are
 * blocked in; this waits until they have left the library.  No thread may
 * start a call on dev once wis_close() has been entered.  From a callback
 * the device is freed when the library call that ran the callback returns
 * (with WIS_E_CLOSED); until then further calls fail with WIS_E_CLOSED.
 * Safe to call with NULL. */
void wis_close(wis_device *dev);

/* A module found by discovery. */
struct wis_found {
	char path[256];   /* e.g. /dev/ttyACM0 */
	char serial[64];  /* USB serial number, "" if none */
	char product[64]; /* USB product string, "" if none */
	uint16_t vid, pid;
};
/* Lists serial ports whose USB VID/PID (and serial, if set) match opts.
 * Writes up to max entries to out and returns how many matched (may exceed
 * max), or a negative code. */
int wis_discover(struct wis_found *out, int max, const struct wis_open_options *opts);

/* ---- what the device said at HELLO ------------------------------------ */

struct wis_info {
	unsigned proto_version;
	char fw_version[32];
	char board[32];
	uint8_t device_id[8]; /* FICR DEVICEID on hardware */
	char device_id_hex[17];
	uint32_t caps;        /* WIS_CAP_* */
	unsigned max_payload; /* largest payload the device accepts */
	unsigned window;      /* requests the device holds in flight */
	/* Why the module last booted (enum wis_reset_cause) and, for
	 * WIS_CAUSE_FAULT, where: the exception number (3 HardFault ..
	 * 6 UsageFault), PC, LR and CFSR the fault handler saved. */
	uint8_t reset_cause;
	struct {
		uint8_t kind;
		uint32_t pc, lr, cfsr;
	} fault;
};
/* Valid until wis_close().  Never NULL for an open device. */
const struct wis_info *wis_get_info(wis_device *dev);

/* The device's pin table (falls back to the built-in RAK4631 table if the
 * device was opened with no_hello).  Valid until wis_close(). */
const struct wis_pin_def *wis_get_pins(wis_device *dev, size_t *count);

/*
 * Resolve a pin name for an operation that needs function fn (WIS_FN_GPIO,
 * WIS_FN_ADC...).  Returns the nRF pin number (>= 0) or WIS_E_UNKNOWN_PIN,
 * WIS_E_NOT_IO ("VBAT is a power pin") or -WIS_ST_NOT_CAPABLE, with the
 * detail in wis_last_error().
 */
int wis_pin_resolve(wis_device *dev, const char *name, unsigned fn);

/* Name of an nRF pin number on this device's table ("IO1"), or NULL. */
const char *wis_pin_name(wis_device *dev, uint8_t nrf);

/* ---- synchronous calls --------------------------------------------------
 * Each blocks until the response arrives or the timeout expires.  Pin
 * arguments are names ("IO1", "led2", "P0.17"). */

/* A module that resets loses the requests its old boot had not answered:
 * on its RESET event (or its event seq going back) the library sends a
 * HELD request, which the module answers at once and in order with the
 * ids of the requests it holds; then every call that went out before it,
 * is still waiting and is not in that list fails with WIS_E_RESET, quick
 * and long (WIS_TC_LONG in ops.h: flash write/erase/verify/stream, radio
 * send/CAD, DELAY) alike.  A long operation the new boot took (sent just
 * after the reset, before its event arrived) is in the list and goes on.
 * Firmware without HELD answers UNKNOWN_OP: then only quick calls fail,
 * and long ones keep waiting for their timeouts.
 *
 * Raw call: any opcode.  resp may be NULL if resp_cap is 0: the response
 * payload is then discarded.  *resp_len gets the response payload size
 * (resp_len may be NULL).  A payload larger than a non-NULL resp's
 * resp_cap gives WIS_E_TOO_BIG, although the device has carried the call
 * out.  timeout_ms 0 = the default: the open options' timeout, plus, for an
 * operation the device answers later (WIS_OP_DELAY; a radio TX: its time on
 * air), the most the opcode table says it may take with these arguments. */
int wis_call(wis_device *dev, uint16_t opcode, const void *req, size_t req_len, void *resp,
             size_t resp_cap, size_t *resp_len, unsigned timeout_ms);

int wis_ping(wis_device *dev);
int wis_uptime(wis_device *dev, uint64_t *device_us);
int wis_reset(wis_device *dev, enum wis_reset_mode mode);

struct wis_stats {
	uint64_t uptime_us;
	uint32_t rx_frames, rx_crc_errors, rx_cobs_errors, rx_oversize, rx_runts, rx_bytes_dropped;
	uint32_t tx_frames, events_sent, events_dropped, requests_bad;
	/* host-side view of the same link */
	uint32_t host_rx_frames, host_rx_crc_errors, host_rx_cobs_errors, host_rx_oversize;
	uint32_t host_rx_runts, host_rx_bytes_dropped, host_events_lost, host_stray_responses;
};
/* wis_stats(dev, &st): the device's counters and the host's.  size is the
 * caller's sizeof (the macro fills it in), so the struct may grow. */
int wis_stats_sized(wis_device *dev, struct wis_stats *out, size_t size);
#define wis_stats(dev, out) wis_stats_sized((dev), (out), sizeof *(out))

int wis_gpio_mode(wis_device *dev, const char *pin, enum wis_gpio_mode mode, int initial);
int wis_gpio_read(wis_device *dev, const char *pin, int *level);
int wis_gpio_write(wis_device *dev, const char *pin, int level);
/* Watch for edges; WIS_EDGE_NONE stops.  Events go to the event callback. */
int wis_gpio_watch(wis_device *dev, const char *pin, enum wis_edge edge, uint32_t debounce_us);
/* Release whatever function holds a pin (back to disabled). */
int wis_pin_release(wis_device *dev, const char *pin);

struct wis_pin_state {
	uint8_t owner; /* enum wis_pin_owner */
	uint8_t mode;  /* enum wis_gpio_mode when owner is GPIO */
	uint8_t level; /* current input level */
	uint8_t edge;  /* enum wis_edge being watched */
};
int wis_pin_state(wis_device *dev, const char *pin, struct wis_pin_state *out);

struct wis_adc_config {
	uint8_t gain;       /* enum wis_adc_gain, default 1/6       */
	uint8_t reference;  /* enum wis_adc_ref, default internal   */
	uint8_t resolution; /* 8, 10, 12 or 14 bits, default 12     */
	uint8_t oversample; /* log2 of samples averaged, 0..8       */
};
void wis_adc_config_init(struct wis_adc_config *cfg);
/* cfg NULL = defaults (full scale 3.6 V, 12 bits).  raw may be NULL. */
int wis_adc_read(wis_device *dev, const char *pin, const struct wis_adc_config *cfg,
                 int32_t *millivolts, int16_t *raw);

/* ---- flash ---------------------------------------------------------------
 * The module's flash store: the external SPI NOR chip, or, when none is
 * fitted, the fallback pages of the nRF52840's own flash (docs/api.md).
 * Addresses are offsets in the store; a range past its end is an error.
 * Long transfers are split into frames by the library; call these from
 * the thread that drives the device (they run wis_process() themselves). */

struct wis_flash_info {
	unsigned store;   /* enum wis_flash_store: WIS_FLASH_STORE_EXTERNAL / _INTERNAL */
	uint8_t jedec[3]; /* JEDEC ID of the chip (zero for the internal store) */
	uint32_t size, erase_unit, page_size;
	char name[64]; /* "IS25LP080D", "nRF52840 internal flash (...)" */
};
int wis_flash_info(wis_device *dev, struct wis_flash_info *out);

/* Progress of a long transfer: bytes done of total.  Optional (NULL). */
typedef void (*wis_flash_progress_cb)(uint64_t done, uint64_t total, void *user);

/* Reads len bytes at addr, many frames in flight at once (the window). */
int wis_flash_read(wis_device *dev, uint32_t addr, void *buf, size_t len, wis_flash_progress_cb cb,
                   void *user);
/* Programs len bytes at addr.  flags WIS_FLASH_WRITE_ERASE: what the write
 * needs is erased (bytes outside the range keep their values): each whole
 * erase unit inside the range that does not read erased is erased first
 * (a FLASH_VERIFY and a FLASH_ERASE), the device erases the parts of units
 * at the ends as it writes them; 0: a range that is not erased enough is
 * refused
 * (-WIS_ST_WRONG_MODE).  Sent as FLASH_WRITEs of up to 512 bytes, two in
 * flight (the module programs one while the next travels; firmware that
 * runs one at a time answers the second BUSY, and the rest then goes one
 * by one).  The first failure is returned with its detail, once no
 * request is in flight: what came before the failing request is written,
 * and nothing after it beyond the one request already sent (with the erase
 * flag, whole units after it may have been erased).  A range
 * longer than one request is checked against the store's size first
 * (nothing written if it does not fit).  cb gets the bytes written so far,
 * in order. */
int wis_flash_write(wis_device *dev, uint32_t addr, const void *buf, size_t len, unsigned flags,
                    wis_flash_progress_cb cb, void *user);
/* Erases [addr, addr+len): both multiples of the erase unit. */
int wis_flash_erase(wis_device *dev, uint32_t addr, uint32_t len);
/* CRC-32 (zlib's) of [addr, addr+len), computed on the device. */
int wis_flash_verify(wis_device *dev, uint32_t addr, uint32_t len, uint32_t *crc32);
/* CRC-32 of a host buffer, the same function (to compare with verify). */
uint32_t wis_flash_crc32(uint32_t crc, const void *buf, size_t len);
/* Writes the file at path to addr and verifies it.  Resumable: each
 * erase unit whose device CRC already equals the file's is skipped, so a
 * run after an interruption continues where it stopped.  The others: an
 * erased unit is programmed, a whole unit holding other bytes is erased
 * once and programmed, the partial units at the ends are written with
 * WIS_FLASH_WRITE_ERASE (bytes around the image keep their values).
 * *skipped (may be NULL) gets the bytes that were already in place. */
int wis_flash_write_image(wis_device *dev, uint32_t addr, const char *path,
                          wis_flash_progress_cb cb, void *user, uint64_t *skipped);
/* One SPI transaction to the chip with CS held: ntx bytes out (opcode,
 * address, dummies), then nrx bytes in.  -WIS_ST_NOT_FITTED while the
 * internal store is in use. */
int wis_flash_raw(wis_device *dev, const void *tx, size_t ntx, void *rx, size_t nrx);

/* ---- I2C -----------------------------------------------------------------
 * bus 1 = I2C1 (SDA P0.13, SCL P0.14), 2 = I2C2 (P0.24, P0.25); addresses
 * are 7-bit, 0x08..0x77.  A bus takes its pins on first use, at 100 kHz
 * unless configured.  Failures: -WIS_ST_NOT_FITTED (no device acknowledged
 * the address), -WIS_ST_HW_ERROR (NACK on a data byte), -WIS_ST_BUSY (bus
 * error), -WIS_ST_HW_TIMEOUT (clock stretched past the timeout). */
int wis_i2c_config(wis_device *dev, unsigned bus, uint32_t hz); /* 100000 or 400000 */
/* The addresses that acknowledge, ascending, into addrs (room for 112). */
int wis_i2c_scan(wis_device *dev, unsigned bus, uint8_t addrs[112], size_t *count);
/* Writes ntx bytes, then reads nrx with a repeated start (either may be 0;
 * up to 1020 each). */
int wis_i2c_xfer(wis_device *dev, unsigned bus, uint8_t addr, const void *tx, size_t ntx, void *rx,
                 size_t nrx);

/* ---- SPI (IO-slot bus) ---------------------------------------------------
 * One full-duplex transfer of n bytes (1..1019) at hz (125 kHz..8 MHz),
 * mode 0..3, SPI_CS low throughout; rx may be NULL.  The bus shares the
 * flash's pins: -WIS_ST_PIN_BUSY naming the holder while the flash has
 * them (and a fitted flash chip sees this CS too). */
int wis_spi_xfer(wis_device *dev, uint32_t hz, unsigned mode, const void *tx, void *rx, size_t n);

struct wis_event;

/* ---- UART ----------------------------------------------------------------
 * port 0 = TXD0/RXD0, 1 = TXD1/RXD1.  Configuring a port starts reception:
 * received bytes arrive in order as WIS_EV_UART_RX events (up to 512 bytes
 * each); the port's receive buffer holds 4 KiB in the simulator, and bytes
 * it drops while full are counted in the events' overflow total. */
int wis_uart_config(wis_device *dev, unsigned port, uint32_t baud, enum wis_uart_parity parity,
                    unsigned stop_bits);
/* Writes all len bytes (several requests if needed). */
int wis_uart_write(wis_device *dev, unsigned port, const void *buf, size_t len);
/* A UART_RX event's port, overflow total and bytes (valid while ev is);
 * WIS_E_INVAL for another event. */
int wis_uart_rx_parse(const struct wis_event *ev, unsigned *port, uint32_t *overflow,
                      const uint8_t **data, size_t *len);

/* ---- batches ------------------------------------------------------------
 * Several operations in one round trip, run in order on the device with a
 * status and result for each.  Build, run with wis_batch_run() (or async
 * through wis_call_async with wis_batch_payload()), then read results. */
wis_batch *wis_batch_new(wis_device *dev);
void wis_batch_free(wis_batch *b);
/* Stop at the first failing step; later steps report -WIS_ST_SKIPPED. */
void wis_batch_stop_on_error(wis_batch *b, int on);
/* Each add returns the step index (>= 0) or a negative code. */
int wis_batch_add(wis_batch *b, uint16_t opcode, const void *req, size_t len);
int wis_batch_add_gpio_mode(wis_batch *b, const char *pin, enum wis_gpio_mode mode, int initial);
int wis_batch_add_gpio_read(wis_batch *b, const char *pin);
int wis_batch_add_gpio_write(wis_batch *b, const char *pin, int level);
int wis_batch_add_adc_read(wis_batch *b, const char *pin, const struct wis_adc_config *cfg);
int wis_batch_count(const wis_batch *b);
/* Runs the batch; returns 0 if the batch itself was carried out (steps may
 * still have failed: check each step), else a negative code. */
int wis_batch_run(wis_batch *b, unsigned timeout_ms);
/* Status of step i: 0 or a negative code. */
int wis_batch_status(const wis_batch *b, int i);
/* Raw result bytes of step i (or the error detail if it failed). */
const uint8_t *wis_batch_result(const wis_batch *b, int i, size_t *len);
/* Typed results: the level of a gpio_read step, the mV of an adc_read. */
int wis_batch_level(const wis_batch *b, int i, int *level);
int wis_batch_millivolts(const wis_batch *b, int i, int32_t *mv);

/* ---- events ------------------------------------------------------------- */

struct wis_event {
	uint16_t type;      /* WIS_EV_* opcode */
	uint32_t seq;       /* device sequence number */
	uint32_t lost;      /* events missed just before this one (seq gap) */
	uint64_t device_us; /* device timestamp */
	/* Device timestamp mapped to host clocks.  The mapping's error is at
	 * most error_us (half the best round trip of the last clock sync plus
	 * drift since then at 50 ppm).  error_us is UINT32_MAX and both times
	 * are zero when there is no mapping: for the event that shows the
	 * module restarted (its RESET event, or seq going back if that was
	 * lost), and for events until the library has resynchronised with the
	 * new boot (done by the next call or wis_process()), and for a
	 * timestamp out of the mapping's range (wis_device_time_to_host()). */
	struct timespec realtime, monotonic;
	uint32_t error_us;
	union {
		struct {
			uint8_t pin;      /* nRF pin number */
			const char *name; /* pin name ("SW1"), never NULL */
			uint8_t level;    /* level after the edge */
			uint8_t edge;     /* WIS_EDGE_RISING or WIS_EDGE_FALLING */
		} gpio;
		struct {
			uint8_t cause; /* enum wis_reset_cause */
		} reset;
		/* WIS_EV_RADIO_RX, WIS_EV_RADIO_TX_DONE, WIS_EV_RADIO_RX_ERROR:
		 * the fields of the type that came, the others zero. */
		struct {
			const uint8_t *data; /* RX: the payload, valid during the call */
			uint16_t len;
			uint8_t sf, cr;          /* RX: spreading factor, 5..8 = 4/5..4/8 */
			uint8_t crc;             /* RX: the packet carried a (good) CRC    */
			uint8_t error;           /* RX_ERROR: enum wis_radio_err          */
			float rssi_dbm, snr_db;  /* RX, RX_ERROR                          */
			float signal_rssi_dbm;   /* RX: RSSI after despreading            */
			uint32_t freq_hz, bw_hz; /* RX                                    */
			uint32_t airtime_us;     /* TX_DONE: measured time on air         */
			uint64_t tx_start_us, tx_end_us; /* TX_DONE: device times   */
		} radio;
		/* Room for the types still to come: the union's size, and so the
		 * offset of what follows, never changes (static assert in
		 * lib/radio.c). */
		uint8_t reserved_[64];
	} u;
	const uint8_t *payload; /* raw event payload after the common prefix */
	size_t payload_len;
};

/* Called for every event; ev is valid only during the call.  One callback
 * per device; NULL removes it.  Runs in the thread reading the link. */
typedef void (*wis_event_cb)(wis_device *dev, const struct wis_event *ev, void *user);
void wis_set_event_cb(wis_device *dev, wis_event_cb cb, void *user);

/* Map a device timestamp to host clocks (see struct wis_event).  Returns 0,
 * or WIS_E_UNMAPPABLE when there is no mapping: the clock is not (or no
 * longer) synchronised, or device_us is more than WIS_CLOCK_SPAN_US
 * (2^46 µs, about 814 days) from the last synchronisation, where the drift
 * alone would exceed any useful bound (UINT64_MAX is such a time).  Then
 * both times are zero and *error_us is UINT32_MAX.  Any pointer may be
 * NULL. */
#define WIS_CLOCK_SPAN_US (UINT64_C(1) << 46)
int wis_device_time_to_host(wis_device *dev, uint64_t device_us, struct timespec *realtime,
                            struct timespec *monotonic, uint32_t *error_us);

/* ---- asynchronous interface ----------------------------------------------
 * For event loops: poll wis_fd() for readability, call wis_process() when it
 * is readable and when wis_next_timeout_ms() expires. */

/* Completion callback.  status is 0 or a negative code; payload/len is the
 * response payload, or if status < 0 the error detail as text (not
 * NUL-terminated; the same text is in wis_last_error() during the call),
 * valid only during the call.  The request object is the library's; do not
 * keep it. */
typedef void (*wis_done_cb)(wis_device *dev, int status, const uint8_t *payload, size_t len,
                            void *user);

/* Send a request without waiting.  Returns 0 (cb will run exactly once:
 * from wis_process() or wis_close(), or from a thread blocked in a
 * synchronous call on the same device while it reads the link), or a
 * negative code (cb never runs): WIS_E_WINDOW_FULL when the window is full,
 * WIS_E_DISCONNECTED.  Never blocks: what the link does not take at once
 * is queued and pushed by later calls and wis_process(); WIS_E_WINDOW_FULL
 * also means that queue is full (the module stopped reading).  Requests
 * sent from callbacks inside wis_process() are written in one go when
 * wis_process() returns. */
int wis_call_async(wis_device *dev, uint16_t opcode, const void *req, size_t len,
                   unsigned timeout_ms, wis_done_cb cb, void *user);

/*
 * A streamed call: for opcodes answered in parts (WIS_OP_FLASH_STREAM), the
 * device sends partial answers before the final one.  part runs for each,
 * in order, with its payload (valid during the call only; a lost part is
 * simply missing: check the payload's own position), then done runs once as
 * for wis_call_async.  The timeout covers the whole stream until the first
 * part; then each part restarts it, shortened to the open options' default
 * (a stream that stops, e.g. at a module reset, fails that soon).  Same rules
 * and return codes as wis_call_async; WIS_E_INVAL for an opcode that is not
 * answered in parts.
 */
typedef void (*wis_part_cb)(wis_device *dev, const uint8_t *payload, size_t len, void *user);
int wis_call_stream_async(wis_device *dev, uint16_t opcode, const void *req, size_t len,
                          unsigned timeout_ms, wis_part_cb part, wis_done_cb done, void *user);

/* The batch's encoded request payload, for wis_call_async(WIS_OP_BATCH). */
const uint8_t *wis_batch_payload(const wis_batch *b, size_t *len);
/* Parse a BATCH response into b's results (after an async run). */
int wis_batch_parse(wis_batch *b, const uint8_t *payload, size_t len);

/* File descriptor to poll for readability. */
int wis_fd(wis_device *dev);
/* Read what is available, complete calls, deliver events, expire timeouts.
 * Never blocks.  Returns 0, or WIS_E_DISCONNECTED once the link is gone
 * (all pending calls have then completed with that code; stop polling the
 * fd then: it stays readable/hung-up until wis_close()), or WIS_E_CLOSED if
 * a callback closed the device: it is freed, do not use it again. */
int wis_process(wis_device *dev);
/* Milliseconds until the earliest pending deadline, -1 if none; at most 10
 * while queued output waits for the link (call wis_process() then). */
int wis_next_timeout_ms(wis_device *dev);
/* Calls currently in flight. */
unsigned wis_pending(wis_device *dev);

/* ---- radio (SX1262, LoRa) ------------------------------------------------
 * A settings object, configured onto the module with wis_radio_configure().
 * Setters check their value against the protocol's ranges at once and
 * return WIS_E_INVAL naming the parameter and its range.  Defaults: 868.1
 * MHz, 14 dBm, SF7, 125 kHz, CR 4/5, LDRO automatic, preamble 8, explicit
 * header, CRC on, IQ normal, sync word 0x12 (private), TCXO 1.8 V, idle in
 * STDBY_RC, region EU868, antenna gain 0 dBi.
 *
 * Regions: "EU868", "US915", "AU915", "AS923", "IN865", "KR920" (allowed
 * frequencies, maximum EIRP = power + antenna gain, and for EU868 the duty
 * cycle of each ETSI sub-band: 0.1 %, 1 % or 10 %; for US915 and AU915 a
 * 400 ms dwell time: no send longer on air).  A configuration the plan
 * forbids is refused by wis_radio_configure(), a send that would exceed the
 * duty cycle by wis_radio_send() with WIS_E_REGULATION and a detail saying
 * in how many ms it will be allowed, a send above the dwell time likewise
 * (always: it needs a shorter packet or a faster modulation).  Region "lab" opts out
 * of every regional rule: for shielded or cabled lab setups only. */
typedef struct wis_radio_config wis_radio_config;
wis_radio_config *wis_radio_config_new(void);
void wis_radio_config_free(wis_radio_config *c);
wis_radio_config *wis_radio_config_copy(const wis_radio_config *c);
int wis_radio_config_set_frequency(wis_radio_config *c, uint32_t hz);
int wis_radio_config_set_power(wis_radio_config *c, int dbm);  /* -9..22 */
int wis_radio_config_set_sf(wis_radio_config *c, unsigned sf); /* 5..12 */
/* 7812, 10417, 15625, 20833, 31250, 41667, 62500, 125000, 250000, 500000 */
int wis_radio_config_set_bandwidth(wis_radio_config *c, uint32_t hz);
int wis_radio_config_set_coding_rate(wis_radio_config *c, unsigned cr); /* 5..8: 4/5..4/8 */
/* Low-data-rate optimisation: 0 automatic, 1 off, 2 on. */
int wis_radio_config_set_ldro(wis_radio_config *c, unsigned mode);
int wis_radio_config_set_preamble(wis_radio_config *c, unsigned symbols);
/* on: implicit header of len bytes (1..255); off: explicit (len ignored). */
int wis_radio_config_set_implicit_header(wis_radio_config *c, int on, unsigned len);
int wis_radio_config_set_crc(wis_radio_config *c, int on);
int wis_radio_config_set_invert_iq(wis_radio_config *c, int on);
int wis_radio_config_set_sync_word(wis_radio_config *c, unsigned sync); /* 0x12, 0x34, any byte */
/* 0 (crystal), 1600, 1700, 1800, 2200, 2400, 2700, 3000, 3300 mV. */
int wis_radio_config_set_tcxo_mv(wis_radio_config *c, unsigned mv);
/* Keep the TCXO running between operations: TX starts 126 µs after the
 * send instead of 5 ms, at the TCXO's current. */
int wis_radio_config_set_idle_xosc(wis_radio_config *c, int on);
int wis_radio_config_set_region(wis_radio_config *c, const char *region);
int wis_radio_config_set_antenna_gain(wis_radio_config *c, int dbi); /* -10..20 */

/* Time on air of a len-byte packet (Semtech SX1261/2 datasheet 6.1.4), µs;
 * 0 if len is 0 or above 255.  Pure: needs no device. */
uint32_t wis_radio_time_on_air_us(const wis_radio_config *c, size_t len);

/* Checks c against its region, then configures the module (the library
 * keeps a copy: sends are checked against it). */
int wis_radio_configure(wis_device *dev, const wis_radio_config *c);

/* The regional rules for programs that build RADIO_CONFIG and RADIO_SEND
 * requests themselves (wisd's JSON mapping does): the checks and the
 * duty-cycle accounting wis_radio_configure() and wis_radio_send*() make.
 * wis_radio_config_check(): c against its region's plan and EIRP (0, or
 * WIS_E_REGULATION naming the rule).  wis_radio_rules_use(): the module
 * now runs c (call it once the module accepted it): later sends on dev are
 * accounted against c's band.  wis_radio_rules_send(): a send of len bytes
 * now, or (at != 0) at device time at_us: 0 and the band's off time
 * booked, or WIS_E_REGULATION with *wait_ms (if not NULL) the time until
 * it is allowed (0 for a dwell-time refusal: never at these settings). */
int wis_radio_config_check(const wis_radio_config *c);
int wis_radio_rules_use(wis_device *dev, const wis_radio_config *c);
int wis_radio_rules_send(wis_device *dev, size_t len, int at, uint64_t at_us, uint32_t *wait_ms);

struct wis_radio_tx {
	uint32_t airtime_us;  /* measured: TX done minus preamble start */
	uint64_t tx_start_us; /* device times */
	uint64_t tx_end_us;
};
/* Transmits and waits for TX done (out may be NULL). */
int wis_radio_send(wis_device *dev, const void *p, size_t len, struct wis_radio_tx *out);
/* The same, the preamble starting at device time at_us (wis_uptime's
 * clock): -WIS_ST_TOO_LATE or -WIS_ST_TOO_EARLY if the device refuses it. */
int wis_radio_send_at(wis_device *dev, uint64_t at_us, const void *p, size_t len,
                      struct wis_radio_tx *out);
/* Asynchronous send: the regional checks run now; cb gets the raw RADIO_SEND
 * response, which wis_radio_tx_parse() reads. */
int wis_radio_send_async(wis_device *dev, const void *p, size_t len, wis_done_cb cb, void *user);
int wis_radio_tx_parse(const uint8_t *payload, size_t len, struct wis_radio_tx *out);
/* Receive: packets arrive as WIS_EV_RADIO_RX events.  timeout_ms 0:
 * continuously, until wis_radio_stop(); else one packet or the timeout. */
int wis_radio_rx(wis_device *dev, uint32_t timeout_ms);
int wis_radio_stop(wis_device *dev);
/* Channel activity detection over symbols (1, 2, 4, 8, 16). */
int wis_radio_cad(wis_device *dev, unsigned symbols, int *detected);

struct wis_radio_status {
	uint8_t state; /* enum wis_radio_state */
	uint8_t receiving;
	uint8_t sf;
	uint32_t freq_hz, bw_hz;
	uint32_t tx_packets, rx_packets, rx_errors;
	uint16_t device_errors; /* SX1262 GetDeviceErrors */
};
int wis_radio_status(wis_device *dev, struct wis_radio_status *out);

/* The path the device was opened with. */
const char *wis_path(wis_device *dev);

#ifdef __cplusplus
}
#endif
#endif

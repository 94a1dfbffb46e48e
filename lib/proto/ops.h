/*
 * The opcode table: one description of every request and event of the wire
 * protocol, compiled by the firmware and by the host alike (freestanding: no
 * malloc, no stdio).  Everything that used to be written per layer derives
 * from it: the firmware's length and range checks, operation names, which
 * operations a BATCH may hold, the resource an operation acts on (ownership,
 * re-applied state, permissions), its permission class, how long the host
 * waits for it, and the tables in docs/protocol.md (tests check them).
 *
 * A message's payload is a list of fields (struct wis_field).  The generic
 * codec below turns a payload into an array of values and back, checking
 * lengths and ranges, so a handler or a host wrapper reads values by field
 * index instead of by hand-counted byte offsets.
 *
 * Also here: the one spelling of every name the protocol has (statuses, GPIO
 * modes, edges, owners, reset modes, ADC gains and references, resources),
 * used by firmware details, library errors, the JSON mapping and the CLI.
 */
#ifndef WISRPC_OPS_H
#define WISRPC_OPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wisrpc/pins.h"
#include "wisrpc/protocol.h"

/* Field types.  Integers are little-endian. */
enum wis_ftype {
	WIS_FT_U8,
	WIS_FT_U16,
	WIS_FT_U32,
	WIS_FT_U64,
	WIS_FT_I16,
	WIS_FT_I32,
	WIS_FT_PIN,   /* u8 nRF pin number: names the operation's resource pin:NAME */
	WIS_FT_STR,   /* u8 length + that many bytes of text (no NUL)          */
	WIS_FT_BYTES, /* min..max raw bytes; variable only as the last field    */
	WIS_FT_REST,  /* the rest of the payload, laid out by the handler (last) */
};

struct wis_field {
	const char *name;
	uint8_t type;             /* enum wis_ftype */
	uint32_t min, max;        /* integers: accepted range; BYTES: length range */
	const char *const *names; /* value names for enumerations (NULL-ended), or NULL */
};

/* What an operation acts on.  Claims, re-applied state and permissions are
 * keyed on resources, written "pin:IO1", "radio", "flash", "i2c1", ... */
enum wis_res {
	WIS_RES_NONE = 0, /* the module as a whole (ping, stats...) */
	WIS_RES_PIN,      /* the pin named by the request's PIN field */
	WIS_RES_RADIO,
	WIS_RES_FLASH,
	WIS_RES_I2C1,
	WIS_RES_I2C2,
	WIS_RES_SPI,
	WIS_RES_UART0,
	WIS_RES_UART1,
	WIS_RES__COUNT
};

/* Permission classes, lowest first: a client allowed one is allowed those
 * below it. */
enum wis_perm {
	WIS_PERM_READ = 0,    /* looks (reads, ADC), changes nothing set up    */
	WIS_PERM_CONTROL = 1, /* drives pins, radio, buses                     */
	WIS_PERM_ADMIN = 2,   /* flash writes, resets, the bootloader          */
};

/* Timeout classes. */
enum wis_tclass {
	WIS_TC_QUICK = 0, /* answered at once: the caller's default timeout  */
	WIS_TC_LONG = 1,  /* may be answered later: bound_ms() says how late */
};

/* Operation flags. */
#define WIS_OPF_BATCH 0x01   /* may be a step of a BATCH                          */
#define WIS_OPF_CHANGES 0x02 /* changes its resource: ownership applies, re-applied */
#define WIS_OPF_EVENT 0x04   /* an event (device to host), not a request         */
#define WIS_OPF_LOCAL 0x08   /* link management (HELLO, HELD): never from a client */
#define WIS_OPF_STREAM 0x10  /* answered by partial answers (WIS_FLAG_MORE) first */

#define WIS_OP_MAX_FIELDS 16
/* A field value from an integer: WIS_VAL(3). */
#define WIS_VAL(x) ((union wis_val){.u = (uint64_t)(x)})

struct wis_op_desc {
	uint16_t opcode;
	const char *name; /* "GPIO_MODE": the one spelling, host and device */
	const char *doc;  /* one line for docs/protocol.md */
	const struct wis_field *req;
	uint8_t nreq;
	const struct wis_field *resp; /* for events: the data after seq + timestamp */
	uint8_t nresp;
	uint8_t flags;  /* WIS_OPF_* */
	uint8_t res;    /* enum wis_res */
	uint8_t perm;   /* enum wis_perm */
	uint8_t tclass; /* enum wis_tclass */
	/* WIS_TC_LONG: most milliseconds the device may take to answer this
	 * request (e.g. its time on air), beyond the link's round trip. */
	uint32_t (*bound_ms)(const uint8_t *req, size_t len);
};

/* The table, in opcode order.  *count gets the number of entries. */
const struct wis_op_desc *wis_op_table(size_t *count);
/* The description of an opcode (request or event), NULL if unknown. */
const struct wis_op_desc *wis_op_find(uint16_t opcode);
/* "GPIO_MODE"; "opcode" for an unknown one. */
const char *wis_op_name(uint16_t opcode);
/* Milliseconds the device may need beyond a round trip for this request:
 * 0 for a quick operation. */
uint32_t wis_op_bound_ms(const struct wis_op_desc *d, const uint8_t *req, size_t len);

/* ---- the generic payload codec -------------------------------------------- */

/* One field's value.  Integers (signed ones sign-extended) in u; STR, BYTES
 * and REST point into the decoded buffer. */
union wis_val {
	uint64_t u;
	int64_t i;
	struct {
		const uint8_t *p;
		size_t len;
	} b;
};

/* Smallest and largest payload the fields allow (max is WIS_MAX_PAYLOAD for
 * an open-ended layout). */
void wis_fields_len(const struct wis_field *f, size_t nf, size_t *min, size_t *max);

/* Outcome of a decode. */
enum wis_decode {
	WIS_DEC_OK = 0,
	WIS_DEC_SHORT, /* payload ends inside field *bad        */
	WIS_DEC_LONG,  /* bytes left after the last field       */
	WIS_DEC_RANGE, /* field *bad holds a value out of range */
};

/*
 * Decodes p[0..len) into vals[0..nf).  Checks lengths and every integer's
 * range (and a names field's value against its names).  On failure *bad is
 * the index of the field at fault (nf for WIS_DEC_LONG).
 */
enum wis_decode wis_fields_decode(const struct wis_field *f, size_t nf, const uint8_t *p,
                                  size_t len, union wis_val *vals, size_t *bad);

/* The same without range checks: for responses and events, which a newer
 * device may fill with values this table does not know yet. */
enum wis_decode wis_fields_parse(const struct wis_field *f, size_t nf, const uint8_t *p, size_t len,
                                 union wis_val *vals, size_t *bad);

/* Encodes vals into out; returns the length, or 0 if it does not fit (or a
 * BYTES field's length is out of its range).  No range check on integers:
 * the device is the authority, and tests send bad values on purpose. */
size_t wis_fields_encode(const struct wis_field *f, size_t nf, const union wis_val *vals,
                         uint8_t *out, size_t cap);

/* An opcode's request from its field values (wis_fields_encode with the
 * opcode's layout); 0 if the opcode is unknown or it does not fit. */
size_t wis_op_encode(uint16_t opcode, const union wis_val *vals, uint8_t *out, size_t cap);
/* An opcode's response parsed by its layout (wis_fields_parse). */
enum wis_decode wis_op_parse_resp(uint16_t opcode, const uint8_t *p, size_t len,
                                  union wis_val *vals);

/* Index of the first field named name, or -1. */
int wis_field_index(const struct wis_field *f, size_t nf, const char *name);

/* ---- resources ------------------------------------------------------------ */

/* "pin", "radio", "flash", "i2c1", ... ("" for WIS_RES_NONE). */
const char *wis_res_name(unsigned res);
/* Resource kind of a name ("radio" -> WIS_RES_RADIO, "pin:IO1" -> WIS_RES_PIN),
 * or -1 if it is not one. */
int wis_res_parse(const char *name);
/*
 * The resource a request acts on, written into buf ("pin:IO1", "radio"):
 * pins by their name in the given table (nRF name if none).  Returns the
 * enum wis_res, WIS_RES_NONE (buf "") if it acts on no single resource, or
 * -1 if the request is too short to name its pin.
 */
int wis_op_resource(const struct wis_op_desc *d, const uint8_t *req, size_t len,
                    const struct wis_pin_def *pins, size_t npins, char *buf, size_t cap);
/* The nRF pins a bus resource needs, ended by WIS_NRF_NONE (for a pin or a
 * resource with no pins of its own: an empty list). */
const uint8_t *wis_res_pins(unsigned res);

/* ---- names ----------------------------------------------------------------- */

/* NULL-terminated, indexed by the enum's value. */
extern const char *const wis_status_names[];     /* "OK", "UNKNOWN_OP", ... */
extern const char *const wis_status_docs[];      /* one line each, for the docs */
extern const char *const wis_gpio_mode_names[];  /* "disabled", "input_pullup", ... */
extern const char *const wis_edge_names[];       /* "none", "rising", ... */
extern const char *const wis_owner_names[];      /* "none", "gpio", ... */
extern const char *const wis_reset_mode_names[]; /* "app", "bootloader", ... */
extern const char *const wis_reset_cause_names[];
extern const char *const wis_fault_kind_names[];  /* "hardfault", ... "usagefault" */
extern const char *const wis_adc_gain_names[];    /* "1/6", ... "4" */
extern const char *const wis_adc_ref_names[];     /* "internal", "vdd4" */
extern const char *const wis_flash_store_names[]; /* "external", "internal" */
extern const char *const wis_i2c_bus_names[];     /* "i2c1", "i2c2" */
extern const char *const wis_uart_port_names[];   /* "uart0", "uart1" */
extern const char *const wis_uart_parity_names[]; /* "none", "even" */
extern const char *const wis_cap_names[];         /* bit i of HELLO caps */
extern const char *const wis_fn_names[];          /* bit i of a pin's function bits */
extern const char *const wis_radio_ldro_names[];  /* "auto", "off", "on" */
extern const char *const wis_radio_state_names[]; /* "off", "standby", "tx", "rx", "cad" */
extern const char *const wis_radio_err_names[];   /* "crc", "header", "timeout" */

/* names[v], or "unknown" past the end (names must be NULL-terminated). */
const char *wis_name_of(const char *const *names, unsigned v);
/* Index of s in names, -1 if absent. */
int wis_name_index(const char *const *names, const char *s);

#endif

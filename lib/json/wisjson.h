/*
 * wisjson: the one mapping between JSON-RPC methods and libwisrpc calls.
 *
 * wisd uses it to serve clients and `wisctl --device PATH` uses it to talk
 * to a module directly, so a method behaves the same through both.  It knows
 * the method table (names, parameter schemas, documentation), validates
 * params, turns a method into one asynchronous device call or a BATCH, and
 * turns the device's answer back into a JSON result or a JSON-RPC error.
 *
 * Objects and ownership:
 *   wisj_ctx   one per device user (the daemon, or wisctl).  Holds the
 *              current wis_device (borrowed: the caller opens and closes it
 *              and tells the context with wisj_ctx_set_device), a queue of
 *              calls waiting for room in the device window, and the hooks.
 *   json_object  params passed in are borrowed (a reference is taken while
 *              the call runs); a result handed to the completion callback is
 *              owned by the callback, which must json_object_put() it.
 *
 * Every wisj_invoke() completes exactly once through its callback, possibly
 * before wisj_invoke() returns (local methods, validation errors, device
 * away).  Callbacks run from wis_process()/wisj_ctx_set_device() on the
 * thread that drives the event loop.
 */
#ifndef WISJSON_H
#define WISJSON_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

#include "ops.h"
#include "wisrpc/wisrpc.h"

/* Longest resource name ("pin:" + a pin name, "radio", "i2c1"...) + NUL. */
#define WISJ_RES_MAX 24

/* JSON-RPC 2.0 standard error codes. */
#define WISJ_PARSE_ERROR (-32700)
#define WISJ_INVALID_REQUEST (-32600)
#define WISJ_METHOD_NOT_FOUND (-32601)
#define WISJ_INVALID_PARAMS (-32602)
#define WISJ_INTERNAL_ERROR (-32603)
/* Application errors (docs/api.md).  Each names what failed in message;
 * data carries the device or library status where there is one. */
#define WISJ_DEVICE_ERROR (-32000)  /* the device refused: data.status names why */
#define WISJ_UNAVAILABLE (-32001)   /* no device connected right now             */
#define WISJ_TIMEOUT (-32002)       /* the device did not answer in time         */
#define WISJ_OWNED (-32003)         /* resource claimed by another client        */
#define WISJ_OVERLOADED (-32004)    /* too many requests queued for the device   */
#define WISJ_SHUTTING_DOWN (-32005) /* the daemon is stopping                  */
#define WISJ_HOST_ERROR (-32006)    /* link I/O or protocol failure on the host  */
#define WISJ_FORBIDDEN (-32007)     /* the caller lacks the permission class   */
#define WISJ_LIMIT (-32008)         /* a wisd bound (clients, answer size...)  */

struct wisj_error {
	int code;
	char message[240];
	json_object *data; /* owned; NULL if none */
};

void wisj_error_clear(struct wisj_error *e);
void wisj_error_set(struct wisj_error *e, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Maps a libwisrpc code (device status or host error) and its detail. */
void wisj_error_from_wis(struct wisj_error *e, int wis_code, const char *detail);
/* A flash range the module's range check refused (BAD_ARG; detail names
 * the range and the store's size): the caller's params, -32602, with the
 * device error's data. */
void wisj_error_flash_range(struct wisj_error *e, const char *detail);
/* {"code":..,"message":..,"data":..}; moves e->data into the object. */
json_object *wisj_error_to_json(struct wisj_error *e);
/* "PIN_BUSY" for -WIS_ST_PIN_BUSY (wis_status_names), "TIMEOUT" for
 * WIS_E_TIMEOUT, ... */
const char *wisj_status_name(int wis_code);

/* ---- the method table ----------------------------------------------------- */

enum wisj_type {
	WISJ_T_STRING,
	WISJ_T_INT,
	WISJ_T_BOOL,
	WISJ_T_ENUM,    /* a string out of enum_values */
	WISJ_T_PIN,     /* a pin name */
	WISJ_T_PINS,    /* a pin name or an array of pin names */
	WISJ_T_LEVELS,  /* object: pin name -> 0/1 (or false/true) */
	WISJ_T_STRINGS, /* a string or an array of strings */
	WISJ_T_STEPS,   /* array of {"method":..,"params":..} (batch) */
};

struct wisj_param {
	const char *name;
	enum wisj_type type;
	bool required;
	const char *const *enum_values; /* NULL-terminated, for WISJ_T_ENUM */
	int64_t min, max;               /* for WISJ_T_INT */
	const char *doc;
	/* The wire field the param is sent as (opcode and field name in the
	 * opcode table), or 0/NULL.  When set, an ENUM's values and an INT's
	 * range are the field's: a limit is written once, in lib/proto/ops.c. */
	uint16_t op;
	const char *field;
};

/* Method flags. */
#define WISJ_M_DEVICE 0x01    /* needs the device */
#define WISJ_M_DAEMON 0x02    /* served by wisd itself, not by wisjson */
#define WISJ_M_BATCHABLE 0x04 /* may be a step of "batch" */
#define WISJ_M_TAKES_FD 0x08  /* takes a file descriptor passed with it (wisd, Unix socket) */

struct wisj_method;
typedef struct wisj_method wisj_method;

const wisj_method *wisj_method_find(const char *name);
const char *wisj_method_name(const wisj_method *m);
unsigned wisj_method_flags(const wisj_method *m);
/* Permission class (enum wis_perm): the highest of the opcodes the method
 * plans, or the class given for a daemon or local method.  "batch" is read
 * here: each of its steps is checked against its own opcode. */
unsigned wisj_method_perm(const wisj_method *m);
/* True if the method may change a resource (an opcode with WIS_OPF_CHANGES). */
bool wisj_method_changes(const wisj_method *m);
/* "read", "control", "admin". */
const char *wisj_perm_name(unsigned perm);
/* Checks the method table against the opcode table (every param's wire
 * field and every listed opcode exist).  0, or -1 with what is wrong. */
int wisj_table_check(char *err, size_t cap);

/*
 * Check params against the method's schema and normalise them: positional
 * arrays become objects, a missing params becomes {}.  Returns a new
 * reference to the normalised object, or NULL with e set (INVALID_PARAMS).
 */
json_object *wisj_params_check(const wisj_method *m, json_object *params, struct wisj_error *e);

/* {"methods":[{name, description, params:[schema...], result}], "topics":[...]}. */
json_object *wisj_discover(void);
/* The topic names subscribers may ask for (NULL-terminated). */
extern const char *const wisj_topics[];

/* ---- running calls ------------------------------------------------------- */

typedef struct wisj_ctx wisj_ctx;

/* Completion: exactly one of result (owned by the callee) or err is set. */
typedef void (*wisj_done_cb)(void *user, json_object *result, struct wisj_error *err);

/*
 * Guard: asked once per device operation of a call before anything is
 * sent, with the invoke's user pointer, the operation's description (its
 * permission class, flags) and the resource it acts on ("pin:IO1",
 * "radio"; "" for none): ownership applies to operations that change it
 * (WIS_OPF_CHANGES), which the guard tells from op->flags.  Return 0 to
 * allow, or fill e (WISJ_OWNED...) and return -1 to refuse the whole call.
 */
typedef int (*wisj_guard_cb)(void *guard_user, void *call_user, const struct wis_op_desc *op,
                             const char *res, struct wisj_error *e);

/* State observer: told of every device operation that succeeded (batch
 * steps included), with its description, the resource it acted on and its
 * raw request, so that a caller can remember the declared state and
 * re-apply it after a reconnect. */
typedef void (*wisj_observe_cb)(void *user, const struct wis_op_desc *op, const char *res,
                                const uint8_t *req, size_t len);

wisj_ctx *wisj_ctx_new(void);
/* Fails queued calls with SHUTTING_DOWN.  In-flight calls belong to the
 * device: close it (wis_close completes them) before freeing the context. */
void wisj_ctx_free(wisj_ctx *c);
/* Set or clear (NULL) the device.  Clearing fails every queued call with
 * UNAVAILABLE; calls already sent complete when the device is closed. */
void wisj_ctx_set_device(wisj_ctx *c, wis_device *dev);
wis_device *wisj_ctx_device(wisj_ctx *c);
/* Fail every call still waiting for window room with code and msg. */
void wisj_ctx_cancel_queued(wisj_ctx *c, int code, const char *msg);
/* Default per-call timeout; a long operation (WIS_TC_LONG) gets this plus
 * wis_op_bound_ms() of its request. */
void wisj_ctx_set_timeout(wisj_ctx *c, unsigned timeout_ms);
/* Calls waiting for window room (not yet sent) and in flight. */
unsigned wisj_ctx_queued(wisj_ctx *c);
unsigned wisj_ctx_inflight(wisj_ctx *c);
/* Most calls allowed to wait for the window; beyond it OVERLOADED. */
void wisj_ctx_set_queue_limit(wisj_ctx *c, unsigned limit);
void wisj_ctx_set_guard(wisj_ctx *c, wisj_guard_cb cb, void *user);
void wisj_ctx_set_observer(wisj_ctx *c, wisj_observe_cb cb, void *user);
/* The regional rules radio.config and radio.send follow (libwisrpc's
 * regions: "EU868" (the default), "US915", "AU915", "AS923", "IN865",
 * "KR920", or "lab": none): a configuration outside the plan and a send
 * beyond the duty cycle or dwell time are refused, naming when a send will
 * be allowed.  0, or -1 if the name is unknown. */
int wisj_ctx_set_radio_region(wisj_ctx *c, const char *region);

/*
 * Run method m with params (already checked by wisj_params_check, or not:
 * it is checked again).  cb runs exactly once.  Daemon-only methods fail
 * with METHOD_NOT_FOUND ("served by wisd").
 */
void wisj_invoke(wisj_ctx *c, const wisj_method *m, json_object *params, wisj_done_cb cb,
                 void *user);

/* A result as JSON text (printed as json-c's PLAIN | NOSLASHESCAPE does),
 * valid only during the call. */
typedef void (*wisj_text_cb)(void *user, const char *json, size_t len);
/* As wisj_invoke, for a caller that only prints the result (wisd): a
 * method that can print its own result (system.ping) completes through
 * text instead of cb, without building an object; every other outcome
 * (errors too) goes to cb.  text NULL: wisj_invoke. */
void wisj_invoke_text(wisj_ctx *c, const wisj_method *m, json_object *params, wisj_done_cb cb,
                      wisj_text_cb text, void *user);

/* Send queued calls that now fit in the window.  Completions do this
 * themselves; call it after wis_process() too, so that a window freed by a
 * timeout or disconnect is reused at once. */
void wisj_ctx_pump(wisj_ctx *c);

/* Completes the answers that came in during wis_process() (their results
 * built, their callbacks run), in the order they came; wisj_ctx_pump()
 * does this too.  Call it after wis_process() before anything that needs
 * them done (events that followed them on the link, closing the device). */
void wisj_ctx_complete(wisj_ctx *c);

/* Send a raw request through the same queue (used to re-apply state). */
void wisj_raw(wisj_ctx *c, uint16_t opcode, const uint8_t *req, size_t len, wisj_done_cb cb,
              void *user);

/* ---- helpers shared by wisd and wisctl ----------------------------------- */

/*
 * One JSON text s[0..len) (s[len] must be NUL) parsed strictly per RFC 8259:
 * no NaN/Infinity, single quotes, comments, trailing commas, invalid UTF-8,
 * raw control characters in strings, NUL bytes or integers beyond 64 bits;
 * nothing but blanks after the text.  tok was made with max_depth (only
 * used in the message).  Returns a new object, or NULL: with e->code 0 for
 * the text "null", else with e set: WISJ_PARSE_ERROR naming the byte, or
 * WISJ_INVALID_REQUEST when nested too deep.
 */
json_object *wisj_parse(json_tokener *tok, int max_depth, const char *s, size_t len,
                        struct wisj_error *e);

/* Where the "id" member's value is in a line wisj_parse accepted: out[0]
 * for an object, out[k] for element k of an array (len 0: none). */
struct wisj_span {
	size_t start, len;
};
void wisj_id_spans(const char *s, size_t len, struct wisj_span *out, size_t n);
/* s[0..n) as a JSON string, quotes included, at out (room for 6 * n + 2
 * bytes: \u00XX at worst); the length written, no NUL.  Escapes as json-c
 * prints (PLAIN | NOSLASHESCAPE). */
size_t wisj_quote(char *out, const char *s, size_t n);
/* A JSON value standing for v that prints as text (v's exact spelling). */
json_object *wisj_raw_json(json_object *v, const char *text, size_t len);

/* An event as JSON params for its topic; sets *topic.  NULL if unknown. */
json_object *wisj_event_to_json(wis_device *dev, const struct wis_event *ev, const char **topic);
/* Canonical name of a pin ("io1" -> "IO1") into buf; -1 with e set if no
 * such I/O pin.  Uses the device table when dev is set. */
int wisj_pin_canonical(wis_device *dev, const char *name, char *buf, size_t cap,
                       struct wisj_error *e);
/* Canonical name of a resource into buf: "pin:IO1" for "pin:io1" and for a
 * bare pin name "IO1" (shorthand), "radio", "i2c1"...; returns its enum
 * wis_res, or -1 with e set (INVALID_PARAMS). */
int wisj_res_canonical(wis_device *dev, const char *name, char *buf, size_t cap,
                       struct wisj_error *e);

/* n hex digits (either case) into out, at most cap bytes: the byte count,
 * or -1 for an odd count, a character that is no hex digit or more than
 * cap bytes.  The "data"/"hex" members of answers are such text. */
int wisj_hex_decode(const char *s, size_t n, uint8_t *out, size_t cap);
/* The other way: n <= WIS_MAX_PAYLOAD bytes as a JSON string of hex digits. */
json_object *wisj_hex_json(const uint8_t *p, size_t n);

#endif

/*
 * wisjson internals: the method descriptor and the "plan" a method compiles
 * to.  A plan is the list of device operations one JSON call needs (one
 * operation goes out as a plain request, several as one BATCH); a method's
 * finish() turns the per-step results back into its JSON result.  Shared
 * by schema.c (validation, discovery), methods.c (the table) and call.c
 * (queueing and execution).
 */
#ifndef WISJSON_INT_H
#define WISJSON_INT_H

#include "frame.h"
#include "ops.h"
#include "wisjson.h"

#define WISJ_MAX_STEPS WIS_BATCH_MAX_STEPS

struct wisj_step {
	const struct wis_op_desc *op;
	uint16_t off, len; /* request bytes in plan->buf */
	/* What the step acts on ("pin:IO1", "radio", "" for the module as a
	 * whole), from wis_op_resource(): ownership and re-applied state are
	 * keyed on it. */
	char res[WISJ_RES_MAX];
};

struct wisj_plan {
	struct wisj_step steps[WISJ_MAX_STEPS];
	int n;
	const struct wisj_method *m; /* the method planning now (set by call.c) */
	wisj_ctx *ctx;               /* the context planning it (set by call.c) */
	uint8_t buf[WIS_MAX_PAYLOAD];
	size_t used;
};

/* One step's outcome: status 0 or a negative wis code; p/len the response
 * payload, or the error detail text when status < 0. */
struct wisj_res {
	int status;
	const uint8_t *p;
	size_t len;
};

/* Most opcodes one method may plan (its permission class is theirs). */
#define WISJ_METHOD_OPS 3

struct wisj_method {
	const char *name;
	const char *doc;
	unsigned flags;
	/* The opcodes plan() may add, 0-ended; a step of any other opcode is
	 * refused as an internal error, so the class below cannot drift. */
	uint16_t ops[WISJ_METHOD_OPS];
	/* Permission class (enum wis_perm) of a method that plans no opcode
	 * (daemon and local methods); others take the highest of their ops. */
	uint8_t perm;
	const struct wisj_param *params; /* terminated by a NULL name */
	const char *result_doc;
	/* Local methods answer without a device round trip. */
	json_object *(*local)(wis_device *dev, json_object *params, struct wisj_error *e);
	/* Device methods add their steps to p; 0 or -1 with e set. */
	int (*plan)(wis_device *dev, json_object *params, struct wisj_plan *p,
	            struct wisj_error *e);
	/* Result from the n steps this method added (all succeeded). */
	json_object *(*finish)(wis_device *dev, json_object *params, const struct wisj_step *s,
	                       const struct wisj_res *r, int n, struct wisj_error *e);
	/* Optional: the same result as JSON text (as json-c prints it, PLAIN
	 * and NOSLASHESCAPE) into buf, for callers that take text
	 * (wisj_invoke_text): its length, or -1 (too long, needs escapes...)
	 * to have finish build it.  Only called when every step succeeded. */
	int (*print)(const struct wisj_step *s, const struct wisj_res *r, int n, char *buf,
	             size_t cap);
};

extern const struct wisj_method wisj_methods[];
extern const size_t wisj_method_count;

/* Adds a step; its resource is named with dev's pin table (or the
 * built-in one without a device). */
int wisj_plan_add(struct wisj_plan *p, wis_device *dev, uint16_t opcode, const uint8_t *req,
                  size_t len, struct wisj_error *e);
/* Param accessors (params were validated, so types are known). */
json_object *wisj_param(json_object *params, const char *name);
const char *wisj_param_str(json_object *params, const char *name, const char *dflt);
int64_t wisj_param_int(json_object *params, const char *name, int64_t dflt);
uint8_t wisj_param_enum(json_object *params, const char *name, const char *const *names,
                        const char *dflt);
/* Calls fn for each pin named by a WISJ_T_PINS value. */
int wisj_each_pin(json_object *v, int (*fn)(void *, const char *, struct wisj_error *), void *u,
                  struct wisj_error *e);
/* The nRF pin of a pin name that can do fn, or -1 with e set. */
int wisj_pin_arg(wis_device *dev, const char *name, unsigned fn, struct wisj_error *e);
/* plan() of a method whose request is its one opcode's fields, each from
 * the param mapped to it (WIRE params) or the field's minimum if absent:
 * such a method needs no plan code of its own. */
int wisj_fields_plan(wis_device *dev, json_object *params, struct wisj_plan *p,
                     struct wisj_error *e);
/* The pin name of a pin step ("IO1" from "pin:IO1"); "" for others. */
const char *wisj_step_pin(const struct wisj_step *s);
/* The wire field a param maps to, NULL if none. */
const struct wis_field *wisj_param_field(const struct wisj_param *p);
/* Internal flag: the "batch" method, whose steps are other methods; call.c
 * runs it itself. */
#define WISJ_M__BATCH 0x100
/* Internal flag: finish() also gets failed steps (system.pins shows what it
 * can even if one pin's state cannot be read). */
#define WISJ_M__TOLERANT 0x200

/* radio.c: the radio methods' plan, finish and local code. */
int wisj_radio_config_plan(wis_device *dev, json_object *params, struct wisj_plan *p,
                           struct wisj_error *e);
int wisj_radio_send_plan(wis_device *dev, json_object *params, struct wisj_plan *p,
                         struct wisj_error *e);
json_object *wisj_radio_status_finish(wis_device *dev, json_object *params,
                                      const struct wisj_step *s, const struct wisj_res *r, int n,
                                      struct wisj_error *e);
json_object *wisj_radio_airtime_local(wis_device *dev, json_object *params, struct wisj_error *e);
/* The context's regional plan ("EU868", "lab"...: wisj_ctx_set_radio_region). */
const char *wisj_ctx_radio_region(wisj_ctx *c);
/* A RADIO_CONFIG request the module accepted (call.c, for every one it
 * sends): the duty-cycle accounting of later sends follows it. */
void wisj_radio_accepted(wisj_ctx *c, wis_device *dev, const uint8_t *req, size_t len);
/* Adds a step whose request the opcode table builds from field values
 * (INTERNAL_ERROR if they do not encode: params are checked before). */
int wisj_plan_fields(struct wisj_plan *p, wis_device *dev, uint16_t op, const union wis_val *v,
                     struct wisj_error *e);

/* gpio.* and adc.read plan/finish code (methods_gpio.c). */
int wisj_gpio_mode_plan(wis_device *dev, json_object *params, struct wisj_plan *p,
                        struct wisj_error *e);
int wisj_gpio_get_plan(wis_device *dev, json_object *params, struct wisj_plan *p,
                       struct wisj_error *e);
json_object *wisj_gpio_get_finish(wis_device *dev, json_object *params, const struct wisj_step *s,
                                  const struct wisj_res *r, int n, struct wisj_error *e);
int wisj_gpio_set_plan(wis_device *dev, json_object *params, struct wisj_plan *p,
                       struct wisj_error *e);
json_object *wisj_gpio_set_finish(wis_device *dev, json_object *params, const struct wisj_step *s,
                                  const struct wisj_res *r, int n, struct wisj_error *e);
int wisj_gpio_watch_plan(wis_device *dev, json_object *params, struct wisj_plan *p,
                         struct wisj_error *e);
int wisj_gpio_adc_plan(wis_device *dev, json_object *params, struct wisj_plan *p,
                       struct wisj_error *e);
json_object *wisj_gpio_adc_finish(wis_device *dev, json_object *params, const struct wisj_step *s,
                                  const struct wisj_res *r, int n, struct wisj_error *e);

/* flash.* plan/finish code (methods_flash.c). */
json_object *wisj_flash_info_finish(wis_device *dev, json_object *params, const struct wisj_step *s,
                                    const struct wisj_res *r, int n, struct wisj_error *e);
json_object *wisj_flash_data_finish(wis_device *dev, json_object *params, const struct wisj_step *s,
                                    const struct wisj_res *r, int n, struct wisj_error *e);
int wisj_flash_write_plan(wis_device *dev, json_object *params, struct wisj_plan *p,
                          struct wisj_error *e);
int wisj_flash_raw_plan(wis_device *dev, json_object *params, struct wisj_plan *p,
                        struct wisj_error *e);

/* Bytes as lowercase hex; a hex param into out (1..cap bytes) or -1 with e. */
int wisj_hex_param(json_object *params, const char *name, uint8_t *out, size_t cap,
                   struct wisj_error *e);
/* i2c.* code (methods_flash.c). */
int wisj_i2c_xfer_plan(wis_device *dev, json_object *params, struct wisj_plan *p,
                       struct wisj_error *e);
json_object *wisj_i2c_scan_finish(wis_device *dev, json_object *params, const struct wisj_step *s,
                                  const struct wisj_res *r, int n, struct wisj_error *e);

int wisj_spi_xfer_plan(wis_device *dev, json_object *params, struct wisj_plan *p,
                       struct wisj_error *e);

int wisj_uart_write_plan(wis_device *dev, json_object *params, struct wisj_plan *p,
                         struct wisj_error *e);
/* uart.rx notification members: port, overflow, hex. */
void wisj_uart_rx_json(json_object *o, const struct wis_event *ev);

/* Error detail text (as libwisrpc delivers it) made one printable line. */
size_t wisj_detail(const uint8_t *p, size_t len, char *buf, size_t cap);

#endif

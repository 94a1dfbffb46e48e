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
#include "wisjson.h"

#define WISJ_MAX_STEPS WIS_BATCH_MAX_STEPS

struct wisj_step {
	uint16_t opcode;
	uint16_t off, len; /* request bytes in plan->buf */
	uint8_t pin;       /* nRF pin the step acts on, WIS_NRF_NONE if none */
	bool writes;       /* changes the pin: ownership applies */
};

struct wisj_plan {
	struct wisj_step steps[WISJ_MAX_STEPS];
	int n;
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

struct wisj_method {
	const char *name;
	const char *doc;
	unsigned flags;
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
};

extern const struct wisj_method wisj_methods[];
extern const size_t wisj_method_count;

int wisj_plan_add(struct wisj_plan *p, uint16_t opcode, const uint8_t *req, size_t len, uint8_t pin,
                  bool writes, struct wisj_error *e);
/* Internal flag: the "batch" method, whose steps are other methods; call.c
 * runs it itself. */
#define WISJ_M__BATCH 0x100
/* Internal flag: finish() also gets failed steps (system.pins shows what it
 * can even if one pin's state cannot be read). */
#define WISJ_M__TOLERANT 0x200

/* Error detail text (as libwisrpc delivers it) made one printable line. */
size_t wisj_detail(const uint8_t *p, size_t len, char *buf, size_t cap);

#endif

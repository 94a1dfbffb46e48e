/*
 * wisctl human output: short lines in the style of libgpiod's tools
 * ("IO1=1"), tables for pins; --json bypasses all of this.
 */
#ifndef WISCTL_OUT_H
#define WISCTL_OUT_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>

/* "key: value" lines for a flat object (arrays joined with ", "). */
void out_kv(FILE *f, json_object *o);
void out_pins(FILE *f, json_object *result);
/* daemon.status as "key: value" lines, nested objects as dotted keys
 * ("device.state: up"). */
void out_status(FILE *f, json_object *o);
/* {"IO1":1,...} -> "IO1=1" lines. */
void out_levels(FILE *f, json_object *result);
/* The same from the result's text (len bytes at r), for
 * link_call_print(..., file): true if r is {"NAME":LEVEL,...} with names
 * free of escapes and repeats and levels plain digits, and was printed;
 * false, having printed nothing, for anything else (json-c's turn). */
bool out_levels_text(const char *r, size_t len, void *file);
/* {"AIN0":{"millivolts":..}} -> "AIN0=1650mV" lines. */
void out_adc(FILE *f, json_object *result);
/* A gpio.edge notification as "SW1=0 falling 2026-11-30T01:02:03.123456"
 * (local time). */
void out_edge(FILE *f, json_object *params);
/* Any notification: "TIME TOPIC key=value ..." (local time with µs, reset
 * causes by name). */
void out_notification(FILE *f, json_object *n);
/* JSON on one line. */
void out_json(FILE *f, json_object *o);

#endif

/*
 * wisd's JSON fast paths (jsonfast.c): the common request line parsed
 * without json-c's tokener, and objects printed into a reused buffer.
 */
#ifndef WISD_JSONFAST_H
#define WISD_JSONFAST_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

/* A growable output buffer; failed once an allocation failed. */
struct jsonfast_buf {
	char *p;
	size_t len, cap;
	bool failed;
};

/* The request object of a plain request line, or NULL: not plain (or not
 * valid), parse it with the full parser. */
json_object *jsonfast_parse(const char *line, size_t len);

bool jsonfast_reserve(struct jsonfast_buf *b, size_t more);
void jsonfast_put(struct jsonfast_buf *b, const char *s, size_t n);
/* Appends o as json_object_to_json_string_ext(o, PLAIN | NOSLASHESCAPE). */
void jsonfast_print(struct jsonfast_buf *b, json_object *o);

#endif

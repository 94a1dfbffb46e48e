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

/* A plain, valid request line's parts (jsonfast.c says which lines are). */
struct jsonfast_req {
	bool has_id;
	char id[24];         /* the id's text as written (a plain string, an */
	size_t id_len;       /* integer or null): longer ones take the full path */
	char method[64];     /* NUL-terminated */
	json_object *params; /* owned; NULL if absent or null */
};

/* true: q holds the request's parts; false: not a plain request (or not a
 * valid one), parse it with the full parser. */
bool jsonfast_request(const char *line, size_t len, struct jsonfast_req *q);
void jsonfast_req_clear(struct jsonfast_req *q);
/* The value of an id text jsonfast_request took, as json-c would parse it
 * (NULL for null). */
json_object *jsonfast_id(const char *text, size_t len);

bool jsonfast_reserve(struct jsonfast_buf *b, size_t more);
void jsonfast_put(struct jsonfast_buf *b, const char *s, size_t n);
/* Appends o as json_object_to_json_string_ext(o, PLAIN | NOSLASHESCAPE). */
void jsonfast_print(struct jsonfast_buf *b, json_object *o);

/* {"jsonrpc":"2.0","method":TOPIC,"params":PARAMS} and a newline. */
void jsonfast_print_notification(struct jsonfast_buf *b, const char *topic, json_object *params);

#endif

/*
 * Output coalesced per client per loop pass (outq.c): answers and
 * notifications are appended to the client's buffer and leave in one
 * write per client just before the loop next waits.
 */
#ifndef WISD_OUTQ_H
#define WISD_OUTQ_H

#include "wisd.h"

void outq_start(struct wisd *d); /* the server component's start */
void outq_stop(struct wisd *d);  /* ... and stop */
void outq_send_bytes(struct client *c, const char *p, size_t n);
/* What c's buffer holds, written now: c is about to be closed. */
void outq_flush(struct client *c);
/* o and a newline. */
void outq_send_json(struct client *c, json_object *o);
/* {"jsonrpc":"2.0","result":RESULT,"id":ID} and a newline; ID is id_text
 * if id_len is not 0, else id printed.  Returns 0, or the answer's length
 * (without its newline) when that is above max: then nothing was queued. */
size_t outq_send_result(struct client *c, json_object *id, const char *id_text, size_t id_len,
                        json_object *result, size_t max);
/* The same with the result's JSON text. */
size_t outq_send_result_text(struct client *c, json_object *id, const char *id_text, size_t id_len,
                             const char *result, size_t len, size_t max);

#endif

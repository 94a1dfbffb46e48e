/*
 * Helpers shared by lib/proto's sources (names.c, codec.c, ops.c); not part
 * of the public ops.h.  wis__ names: never exported, never colliding.
 */
#ifndef WISRPC_PROTO_PRIV_H
#define WISRPC_PROTO_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* strcmp() == 0 without libc (the firmware links none). */
bool wis__str_eq(const char *a, const char *b);
/* Bytes of an integer field type (enum wis_ftype), 0 for the others. */
size_t wis__field_size(uint8_t type);

#endif

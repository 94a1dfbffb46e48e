/*
 * What wisctl's flash commands share: wisctl_flash.c (info, write,
 * write-image, erase, verify) and wisctl_flash_read.c (read, by the
 * binary flash.stream path or pipelined hex flash.read).
 */
#ifndef WISCTL_FLASH_H
#define WISCTL_FLASH_H

#include <stdint.h>

#include "wisctl.h"

#define READ_CHUNK 1024u
#define WRITE_CHUNK 512u
/* flash.read requests in flight: the module's window (16); more only queue
 * in wisd (measured: 32, 64 and 128 were no faster on this machine). */
#define READ_DEPTH 16u

/* Decimal or 0x hex, with an optional K or M suffix; 0, or -1. */
int flash_parse_size(const char *s, uint32_t *out);
/* A progress bar on stderr when it is a terminal and not --json. */
void flash_progress(struct opts *o, uint64_t done, uint64_t total);
/* {"addr": addr, "len": len} (a new object). */
json_object *flash_range_params(uint32_t addr, uint32_t len);
/* --timeout plus the most the module may take for this request. */
unsigned flash_long_timeout(struct opts *o, uint16_t op, uint32_t addr, uint32_t len);
/* A lower-case hex digit's value, -1 if c is none. */
int flash_nibble(char c);

#endif

/*
 * An in-process simulated module for the fuzz targets that need one
 * behind the host code (fuzz_wisd.c): the firmware core on simhal (the
 * peripherals wisrpc-sim runs on), served on a pseudo-terminal by a thread
 * of its own, so that libwisrpc's termios transport reaches it as it
 * reaches a real module, and libFuzzer sees the core's code too.
 */
#ifndef WIS_FUZZ_SIMDEV_H
#define WIS_FUZZ_SIMDEV_H

#include <stddef.h>

/* Starts the module; its pty path goes to path.  0, or -1 (errno). */
int simdev_start(char *path, size_t cap);
/* Module resets so far (RESET requests), for the target's checks. */
unsigned simdev_resets(void);

#endif

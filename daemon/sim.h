/*
 * The embedded simulator for wisd --device sim (see sim.c).  A struct sim
 * frees itself once the child has exited and its handles are closed; after
 * sim_stop() or the exit callback the caller must forget the pointer.
 */
#ifndef WISD_SIM_H
#define WISD_SIM_H

#include "wisd.h"

struct sim;
typedef void (*sim_ready_cb)(struct wisd *d, const char *pty);
typedef void (*sim_exit_cb)(struct wisd *d);

/* Spawn the simulator; ready runs once with its pty path, gone if it dies
 * unasked.  NULL if it could not be started (logged). */
struct sim *sim_start(struct wisd *d, sim_ready_cb ready, sim_exit_cb gone);
/* Ask it to exit (SIGTERM); no callbacks after this. */
void sim_stop(struct sim *s);
const char *sim_control_path(struct sim *s);
/* The child's pid, 0 once it has exited. */
int sim_pid(struct sim *s);

#endif

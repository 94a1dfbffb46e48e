/*
 * libusb hotplug hints for wisd --device auto (see hotplug.c).  Hints only:
 * in containers or without udev events may never come, so the device
 * manager also rescans periodically.
 */
#ifndef WISD_HOTPLUG_H
#define WISD_HOTPLUG_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

struct hotplug;
typedef void (*hotplug_cb)(void *user, bool arrived);

/* NULL if libusb or its hotplug support is unavailable (logged at info). */
struct hotplug *hotplug_start(uv_loop_t *loop, uint16_t vid, uint16_t pid, hotplug_cb cb,
                              void *user);
void hotplug_stop(struct hotplug *h);

#endif

/*
 * The in-process simulated module of fuzz_simdev.h: one thread runs the
 * firmware core on simhal with the real clock, reads the pty master, and
 * writes what the core sends, like wisrpc-sim's loop (firmware/sim/main.c)
 * without its control socket or radio.  The flash chip model is fitted with
 * fast timings so that flash methods answer in milliseconds.
 */
#include "fuzz_simdev.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "core.h"
#include "nor_model.h"
#include "simhal.h"

static struct {
	struct simhal hw;
	struct wisfw_core core;
	struct nor_model nor;
	int master, slave;
	unsigned resets;
	pthread_mutex_t mu;
} M = {.mu = PTHREAD_MUTEX_INITIALIZER};

static void flush(void *user)
{
	(void)user;
	size_t off = 0, len = simhal_tx_pending(&M.hw);
	while (off < len) {
		ssize_t r = write(M.master, simhal_tx_head(&M.hw) + off, len - off);
		if (r > 0)
			off += (size_t)r;
		else if (r < 0 && errno == EINTR)
			continue;
		else if (r < 0 && errno == EAGAIN) {
			/* The host is not reading: wait for room rather than
			 * drop, as a USB device holds its packet. */
			struct pollfd p = {M.master, POLLOUT, 0};
			poll(&p, 1, 10);
		} else {
			break;
		}
	}
	simhal_tx_clear(&M.hw);
}

static void module_reset(void)
{
	/* As wisrpc-sim: requests in flight die with the module; the RESET
	 * response leaves first. */
	uint8_t junk[4096];
	while (read(M.master, junk, sizeof junk) > 0)
		;
	flush(NULL);
	M.hw.reset_req = false;
	simhal_pins_reset(&M.hw);
	wisfw_core_init(&M.core, &M.hw.hal);
	wisfw_core_boot(&M.core, WIS_CAUSE_REQUEST, NULL);
	pthread_mutex_lock(&M.mu);
	M.resets++;
	pthread_mutex_unlock(&M.mu);
}

static void *run(void *arg)
{
	(void)arg;
	uint8_t buf[4096];
	for (;;) {
		uint64_t now = simhal_now(&M.hw);
		int ms = 100;
		if (M.hw.alarm != UINT64_MAX)
			ms = M.hw.alarm <= now ? 0 : (int)((M.hw.alarm - now) / 1000);
		if (ms > 100)
			ms = 100;
		struct pollfd p = {M.master, POLLIN, 0};
		if (poll(&p, 1, ms) > 0 && (p.revents & POLLIN)) {
			ssize_t r;
			while (!M.hw.reset_req && (r = read(M.master, buf, sizeof buf)) > 0)
				wisfw_core_rx(&M.core, buf, (size_t)r);
		}
		wisfw_core_poll(&M.core, simhal_now(&M.hw));
		if (M.hw.reset_req)
			module_reset();
		flush(NULL);
	}
	return NULL;
}

int simdev_start(char *path, size_t cap)
{
	M.master = posix_openpt(O_RDWR | O_NOCTTY);
	if (M.master < 0 || grantpt(M.master) < 0 || unlockpt(M.master) < 0 ||
	    ptsname_r(M.master, path, cap) != 0)
		return -1;
	/* Our own slave fd keeps the pty up while the host reopens it. */
	M.slave = open(path, O_RDWR | O_NOCTTY);
	struct termios t;
	if (M.slave < 0 || tcgetattr(M.slave, &t) < 0)
		return -1;
	cfmakeraw(&t);
	tcsetattr(M.slave, TCSANOW, &t);
	fcntl(M.master, F_SETFL, fcntl(M.master, F_GETFL) | O_NONBLOCK);

	simhal_init(&M.hw, false);
	M.hw.drain = flush;
	M.hw.link_up = true;
	for (int i = 0; i < 8; i++)
		M.hw.id[i] = (uint8_t)(0xf0 + i);
	if (nor_model_init(&M.nor, NOR_MODEL_FITTED, NULL) < 0)
		return -1;
	M.hw.nor = &M.nor;
	simhal_flash_timing(&M.hw, 100);
	simhal_attach(&M.hw, &M.core);
	wisfw_core_init(&M.core, &M.hw.hal);
	wisfw_core_boot(&M.core, WIS_CAUSE_POWER_ON, NULL);
	pthread_t th;
	if (pthread_create(&th, NULL, run, NULL) != 0)
		return -1;
	pthread_detach(th);
	return 0;
}

unsigned simdev_resets(void)
{
	pthread_mutex_lock(&M.mu);
	unsigned n = M.resets;
	pthread_mutex_unlock(&M.mu);
	return n;
}

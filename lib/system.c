/*
 * SYSTEM subsystem calls: ping, uptime, reset and the link statistics of
 * both ends.
 */
#include <string.h>

#include "internal.h"

int wis_ping(wis_device *dev)
{
	static const uint8_t probe[8] = {'w', 'i', 's', 0x00, 0xff, 0x55, 0xaa, 0x01};
	uint8_t back[sizeof probe];
	/* The probe holds 0x00 and 0xff so that a mangling link shows. */
	int rc = wis_call_exact(dev, WIS_OP_PING, probe, sizeof probe, back, sizeof back, 0);
	if (rc < 0)
		return rc;
	if (memcmp(probe, back, sizeof probe) != 0)
		return wis_fail(WIS_E_PROTO, "PING echo differs from what was sent");
	return 0;
}

int wis_uptime(wis_device *dev, uint64_t *device_us)
{
	uint8_t r[8];
	int rc = wis_call_exact(dev, WIS_OP_UPTIME, NULL, 0, r, sizeof r, 0);
	if (rc < 0)
		return rc;
	struct wis_rd rd = wis_rd_init(r, sizeof r);
	if (device_us)
		*device_us = wis_rd_u64(&rd);
	return 0;
}

int wis_reset(wis_device *dev, enum wis_reset_mode mode)
{
	if ((unsigned)mode > WIS_RESET_SERIAL_DFU)
		return wis_fail(WIS_E_INVAL,
		                "reset mode %d: use 0 (app), 1 (UF2 bootloader) or 2 "
		                "(serial DFU)",
		                (int)mode);
	uint8_t m = (uint8_t)mode;
	return wis_call_exact(dev, WIS_OP_RESET, &m, 1, NULL, 0, 0);
}

int wis_stats(wis_device *dev, struct wis_stats *out)
{
	if (!out)
		return wis_fail(WIS_E_INVAL, "out is NULL");
	uint8_t r[48];
	int rc = wis_call_exact(dev, WIS_OP_STATS, NULL, 0, r, sizeof r, 0);
	if (rc < 0)
		return rc;
	memset(out, 0, sizeof *out);
	struct wis_rd rd = wis_rd_init(r, sizeof r);
	out->uptime_us = wis_rd_u64(&rd);
	out->rx_frames = wis_rd_u32(&rd);
	out->rx_crc_errors = wis_rd_u32(&rd);
	out->rx_cobs_errors = wis_rd_u32(&rd);
	out->rx_oversize = wis_rd_u32(&rd);
	out->rx_runts = wis_rd_u32(&rd);
	out->rx_bytes_dropped = wis_rd_u32(&rd);
	out->tx_frames = wis_rd_u32(&rd);
	out->events_sent = wis_rd_u32(&rd);
	out->events_dropped = wis_rd_u32(&rd);
	out->requests_bad = wis_rd_u32(&rd);
	pthread_mutex_lock(&dev->mu);
	out->host_rx_frames = dev->rx_stats.frames;
	out->host_rx_crc_errors = dev->rx_stats.crc_errors;
	out->host_rx_cobs_errors = dev->rx_stats.cobs_errors;
	out->host_rx_oversize = dev->rx_stats.oversize;
	out->host_rx_runts = dev->rx_stats.runts;
	out->host_rx_bytes_dropped = dev->rx_stats.bytes_dropped;
	out->host_events_lost = dev->events_lost;
	out->host_stray_responses = dev->stray;
	pthread_mutex_unlock(&dev->mu);
	return 0;
}

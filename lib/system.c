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
	int rc = wis__call_exact(dev, WIS_OP_PING, probe, sizeof probe, back, sizeof back, 0);
	if (rc < 0)
		return rc;
	if (memcmp(probe, back, sizeof probe) != 0)
		return wis__fail(WIS_E_PROTO, "PING echo differs from what was sent");
	return 0;
}

#define V(x) ((union wis_val){.u = (uint64_t)(x)})

int wis_uptime(wis_device *dev, uint64_t *device_us)
{
	union wis_val r[1];
	int rc = wis__call_fields(dev, WIS_OP_UPTIME, NULL, r, 0);
	if (rc == 0 && device_us)
		*device_us = r[0].u;
	return rc;
}

int wis_reset(wis_device *dev, enum wis_reset_mode mode)
{
	return wis__call_fields(dev, WIS_OP_RESET, (union wis_val[]){V((unsigned)mode)}, NULL, 0);
}

int wis_stats_sized(wis_device *dev, struct wis_stats *out, size_t size)
{
	if (!out)
		return wis__fail(WIS_E_INVAL, "out is NULL");
	union wis_val r[11];
	int rc = wis__call_fields(dev, WIS_OP_STATS, NULL, r, 0);
	if (rc < 0)
		return rc;
	/* Built whole, then only the caller's size copied: a program built
	 * against an older, shorter struct wis_stats gets what it knows. */
	struct wis_stats s = {0};
	s.uptime_us = r[0].u;
	uint32_t *dev_counters[] = {&s.rx_frames,   &s.rx_crc_errors, &s.rx_cobs_errors,
	                            &s.rx_oversize, &s.rx_runts,      &s.rx_bytes_dropped,
	                            &s.tx_frames,   &s.events_sent,   &s.events_dropped,
	                            &s.requests_bad};
	for (int i = 0; i < 10; i++)
		*dev_counters[i] = (uint32_t)r[i + 1].u;
	pthread_mutex_lock(&dev->mu);
	s.host_rx_frames = dev->rx_stats.frames;
	s.host_rx_crc_errors = dev->rx_stats.crc_errors;
	s.host_rx_cobs_errors = dev->rx_stats.cobs_errors;
	s.host_rx_oversize = dev->rx_stats.oversize;
	s.host_rx_runts = dev->rx_stats.runts;
	s.host_rx_bytes_dropped = dev->rx_stats.bytes_dropped;
	s.host_events_lost = dev->events_lost;
	s.host_stray_responses = dev->stray;
	pthread_mutex_unlock(&dev->mu);
	memcpy(out, &s, size < sizeof s ? size : sizeof s);
	return 0;
}

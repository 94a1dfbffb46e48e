/*
 * Example: read AIN0 in a loop.  Prints COUNT readings in millivolts (and
 * the raw SAADC value), INTERVAL_MS apart, then their mean.
 *
 *   cc adc_loop.c $(pkg-config --cflags --libs wisrpc) -o adc_loop
 *   ./adc_loop /dev/ttyACM0 [COUNT] [INTERVAL_MS]
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <wisrpc/wisrpc.h>

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s PATH [COUNT] [INTERVAL_MS]\n", argv[0]);
		return 2;
	}
	int count = argc > 2 ? atoi(argv[2]) : 10;
	long interval_ms = argc > 3 ? atol(argv[3]) : 100;
	wis_device *dev;
	int rc = wis_open(&dev, argv[1], NULL);
	if (rc < 0) {
		fprintf(stderr, "open %s: %s: %s\n", argv[1], wis_strerror(rc), wis_last_error());
		return 1;
	}
	struct wis_adc_config cfg;
	wis_adc_config_init(&cfg); /* gain 1/6, internal reference: 0..3.6 V, 12 bits */
	cfg.oversample = 2;        /* average 4 samples */
	long sum = 0;
	int i;
	for (i = 0; i < count; i++) {
		int32_t mv;
		int16_t raw;
		rc = wis_adc_read(dev, "AIN0", &cfg, &mv, &raw);
		if (rc < 0) {
			fprintf(stderr, "AIN0: %s: %s\n", wis_strerror(rc), wis_last_error());
			break;
		}
		printf("AIN0 %d mV (raw %d)\n", mv, raw);
		sum += mv;
		struct timespec t = {interval_ms / 1000, interval_ms % 1000 * 1000000L};
		nanosleep(&t, NULL);
	}
	if (i > 0)
		printf("mean of %d: %ld mV\n", i, sum / i);
	wis_close(dev);
	return rc < 0;
}

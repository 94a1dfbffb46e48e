/*
 * libwisrpc example: open a RAK4631 (or wisrpc-sim) by path, switch LED1 on,
 * read AIN0 in millivolts, then watch the SW1 button for a few seconds with
 * an ordinary poll() loop, printing each press and release with its time.
 *
 *   cc wis_example.c $(pkg-config --cflags --libs wisrpc) -o wis_example
 *   ./wis_example /dev/ttyACM0 5        (or: auto, /dev/pts/N, tcp://host:port)
 */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <wisrpc/wisrpc.h>

static void on_event(wis_device *dev, const struct wis_event *ev, void *user)
{
	(void)dev;
	(void)user;
	if (ev->type != WIS_EV_GPIO_EDGE)
		return;
	struct tm tm;
	localtime_r(&ev->realtime.tv_sec, &tm);
	printf("%02d:%02d:%02d.%06ld (+-%u us)  %s %s (seq %u%s)\n", tm.tm_hour, tm.tm_min,
	       tm.tm_sec, ev->realtime.tv_nsec / 1000, ev->error_us, ev->u.gpio.name,
	       ev->u.gpio.edge == WIS_EDGE_FALLING ? "pressed (falling)" : "released (rising)",
	       ev->seq, ev->lost ? ", events were lost before this one" : "");
	fflush(stdout);
}

static int fail(const char *what, int rc)
{
	fprintf(stderr, "%s: %s: %s\n", what, wis_strerror(rc), wis_last_error());
	return 1;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr,
		        "usage: %s DEVICE [SECONDS]\n"
		        "  DEVICE: /dev/ttyACM0, /dev/pts/N, tcp://HOST:PORT or auto\n",
		        argv[0]);
		return 2;
	}
	int seconds = argc > 2 ? atoi(argv[2]) : 5;

	wis_device *dev;
	int rc = wis_open(&dev, argv[1], NULL);
	if (rc < 0)
		return fail(argv[1], rc);
	const struct wis_info *info = wis_get_info(dev);
	printf("%s firmware %s, id %s, on %s\n", info->board, info->fw_version, info->device_id_hex,
	       wis_path(dev));

	if ((rc = wis_gpio_write(dev, "LED1", 1)) < 0) {
		wis_close(dev);
		return fail("LED1", rc);
	}
	printf("LED1 on\n");

	int32_t mv;
	if ((rc = wis_adc_read(dev, "AIN0", NULL, &mv, NULL)) < 0) {
		wis_close(dev);
		return fail("AIN0", rc);
	}
	printf("AIN0 = %d mV\n", mv);

	/* SW1 pulls the line low when pressed: enable the pull-up, then ask
	 * for both edges, debounced by 5 ms. */
	wis_set_event_cb(dev, on_event, NULL);
	if ((rc = wis_gpio_mode(dev, "SW1", WIS_GPIO_INPUT_PULLUP, 0)) < 0 ||
	    (rc = wis_gpio_watch(dev, "SW1", WIS_EDGE_BOTH, 5000)) < 0) {
		wis_close(dev);
		return fail("SW1", rc);
	}
	printf("watching SW1 for %d s\n", seconds);
	fflush(stdout);

	struct timespec start, now;
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		long left = seconds * 1000L - ((now.tv_sec - start.tv_sec) * 1000L +
		                               (now.tv_nsec - start.tv_nsec) / 1000000);
		if (left <= 0)
			break;
		struct pollfd p = {wis_fd(dev), POLLIN, 0};
		int t = wis_next_timeout_ms(dev);
		poll(&p, 1, t >= 0 && t < left ? t : (int)left);
		if ((rc = wis_process(dev)) < 0) {
			wis_close(dev);
			return fail("link", rc);
		}
	}

	wis_gpio_watch(dev, "SW1", WIS_EDGE_NONE, 0);
	wis_gpio_write(dev, "LED1", 0);
	printf("LED1 off, done\n");
	wis_close(dev);
	return 0;
}

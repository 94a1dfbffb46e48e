/*
 * Example: blink LED1.  Opens a module (or wisrpc-sim) by path, switches
 * LED1 on and off COUNT times, PERIOD_MS apart, and reads the pin state
 * back after each write.
 *
 *   cc blink.c $(pkg-config --cflags --libs wisrpc) -o blink
 *   ./blink /dev/ttyACM0 [COUNT] [PERIOD_MS]     (or: auto, /dev/pts/N, tcp://host:port)
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <wisrpc/wisrpc.h>

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s PATH [COUNT] [PERIOD_MS]\n", argv[0]);
		return 2;
	}
	int count = argc > 2 ? atoi(argv[2]) : 5;
	long period_ms = argc > 3 ? atol(argv[3]) : 500;
	wis_device *dev;
	int rc = wis_open(&dev, argv[1], NULL);
	if (rc < 0) {
		fprintf(stderr, "open %s: %s: %s\n", argv[1], wis_strerror(rc), wis_last_error());
		return 1;
	}
	struct timespec half = {period_ms / 2000, (period_ms / 2 % 1000) * 1000000L};
	for (int i = 0; i < count && rc == 0; i++) {
		for (int level = 1; level >= 0 && rc == 0; level--) {
			rc = wis_gpio_write(dev, "LED1", level);
			struct wis_pin_state st;
			if (rc == 0)
				rc = wis_pin_state(dev, "LED1", &st);
			if (rc == 0)
				printf("LED1 %s (level %d)\n", level ? "on" : "off", st.level);
			nanosleep(&half, NULL);
		}
	}
	if (rc < 0)
		fprintf(stderr, "LED1: %s: %s\n", wis_strerror(rc), wis_last_error());
	wis_close(dev);
	return rc < 0;
}

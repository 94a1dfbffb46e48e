/*
 * N synchronous PINGs (8-byte payload) to a module, nothing else: the load
 * that tests/bench/instructions.sh runs under callgrind to count the
 * instructions one call costs in libwisrpc, in the firmware core and in
 * wisd.  Usage: wis_pings PATH [N]
 */
#include <stdio.h>
#include <stdlib.h>

#include "wisrpc/wisrpc.h"

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: wis_pings PATH [N]\n");
		return 2;
	}
	wis_device *dev;
	if (wis_open(&dev, argv[1], NULL) < 0) {
		fprintf(stderr, "wis_pings: %s: %s\n", argv[1], wis_last_error());
		return 1;
	}
	int n = argc > 2 ? atoi(argv[2]) : 1000;
	static const unsigned char p[8] = {'w', 'i', 's', 0, 0xff, 0x55, 0xaa, 1};
	unsigned char back[sizeof p];
	size_t got;
	for (int i = 0; i < n; i++) {
		if (wis_call(dev, WIS_OP_PING, p, sizeof p, back, sizeof back, &got, 0) < 0) {
			fprintf(stderr, "wis_pings: %s\n", wis_last_error());
			wis_close(dev);
			return 1;
		}
	}
	wis_close(dev);
	return 0;
}

/*
 * Example: dump and restore flash.  "dump" reads LEN bytes at ADDR into
 * FILE (pipelined reads, with a progress line); "restore" writes FILE back
 * at ADDR (units already equal are skipped, so an interrupted restore
 * resumes) and checks it by a CRC-32 computed on the module.
 *
 *   cc flash_dump.c $(pkg-config --cflags --libs wisrpc) -o flash_dump
 *   ./flash_dump /dev/ttyACM0 dump FILE [ADDR] [LEN]
 *   ./flash_dump /dev/ttyACM0 restore FILE [ADDR]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <wisrpc/wisrpc.h>

static void progress(uint64_t done, uint64_t total, void *user)
{
	(void)user;
	fprintf(stderr, "\r%llu/%llu bytes", (unsigned long long)done, (unsigned long long)total);
	if (done == total)
		fputc('\n', stderr);
}

static int fail(int rc, const char *what)
{
	fprintf(stderr, "%s: %s: %s\n", what, wis_strerror(rc), wis_last_error());
	return 1;
}

int main(int argc, char **argv)
{
	if (argc < 4 || (strcmp(argv[2], "dump") && strcmp(argv[2], "restore"))) {
		fprintf(stderr,
		        "usage: %s PATH dump FILE [ADDR] [LEN] | PATH restore FILE [ADDR]\n",
		        argv[0]);
		return 2;
	}
	uint32_t addr = argc > 4 ? (uint32_t)strtoul(argv[4], NULL, 0) : 0;
	wis_device *dev;
	int rc = wis_open(&dev, argv[1], NULL);
	if (rc < 0)
		return fail(rc, argv[1]);
	struct wis_flash_info fi;
	if ((rc = wis_flash_info(dev, &fi)) < 0) {
		wis_close(dev);
		return fail(rc, "flash info");
	}
	printf("%s: %u bytes, erase unit %u\n", fi.name, fi.size, fi.erase_unit);
	int status = 0;
	if (!strcmp(argv[2], "dump")) {
		size_t len = argc > 5 ? strtoul(argv[5], NULL, 0) : 65536;
		uint8_t *buf = malloc(len ? len : 1);
		FILE *f = fopen(argv[3], "wb");
		if (!buf || !f) {
			perror(argv[3]);
			status = 1;
		} else if ((rc = wis_flash_read(dev, addr, buf, len, progress, NULL)) < 0) {
			status = fail(rc, "flash read");
		} else if (fwrite(buf, 1, len, f) != len) {
			perror(argv[3]);
			status = 1;
		} else {
			printf("dumped %zu bytes at 0x%x to %s, crc32 %08x\n", len, addr, argv[3],
			       wis_flash_crc32(0, buf, len));
		}
		if (f && fclose(f) != 0)
			status = 1;
		free(buf);
	} else {
		uint64_t skipped = 0;
		rc = wis_flash_write_image(dev, addr, argv[3], progress, NULL, &skipped);
		if (rc < 0)
			status = fail(rc, "flash restore");
		else
			printf(
			    "restored %s at 0x%x and verified (%llu bytes were already in place)\n",
			    argv[3], addr, (unsigned long long)skipped);
	}
	wis_close(dev);
	return status;
}

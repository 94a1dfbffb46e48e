/*
 * wis_flash_write against fake modules played by a thread on the master
 * side of a pty pair (no simulator needed): one that keeps a FLASH_WRITE
 * behind the running one (the library keeps two in flight, never BUSY)
 * and one that runs one at a time, as firmware before the write queue
 * (the second is answered BUSY; the library sends it again once the first
 * is answered and the rest one at a time, all data in place, progress in
 * order).  A BUSY with no write of the caller's before it (another
 * caller's write runs) is the caller's to see.  The library opens without
 * HELLO: the fake answers FLASH_INFO and FLASH_WRITE only.
 */
#include <poll.h>
#include <pthread.h>
#include <pty.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "frame.h"
#include "harness.h"

enum mode {
	M_QUEUE_WRITE, /* one more waits behind the running write */
	M_OLD_WRITE,   /* one at a time, another meanwhile is BUSY */
};

static int master = -1;
static volatile enum mode mode;
static volatile int stop;

static void send_frame(uint8_t type, uint16_t id, uint16_t op, uint8_t status, const uint8_t *p,
                       size_t n)
{
	uint8_t buf[WIS_MAX_ENCODED + 1];
	struct wis_hdr h = {WIS_PROTO_VERSION, type, id, op, status, 0};
	size_t len = wis__frame_encode(buf, sizeof buf, &h, p, n);
	if (write(master, buf, len) != (ssize_t)len)
		perror("fake device write");
}

/* The fake's FLASH_WRITEs: each answered WRITE_US after it starts (the
 * next one waiting behind it starts then), written into wmem.  The first
 * of a run is held until a second arrives (or 100 ms), so the second
 * meets it running whatever the scheduler does. */
#define WRITE_US 1000
static uint8_t wmem[64 * 1024];
static struct {
	uint16_t id;
	uint32_t addr;
	size_t n;
	uint8_t d[WIS_FLASH_WRITE_MAX];
} wq[2];
static int nwq, n_writes, n_write_busy, max_wq;
static int64_t w_due;       /* when the running write is answered */
static bool w_hold, w_held; /* holding the run's first / held it already */

static void writes_reset(void)
{
	memset(wmem, 0xff, sizeof wmem);
	nwq = n_writes = n_write_busy = max_wq = 0;
	w_hold = w_held = false;
}

/* A second write came while the first of the run is held: it goes on. */
static void write_release(void)
{
	if (w_hold)
		w_due = mono_ns() + WRITE_US * 1000LL;
	w_hold = false;
}

static void write_request(uint16_t id, const uint8_t *p, size_t n)
{
	n_writes++;
	if (nwq == (mode == M_QUEUE_WRITE ? 2 : 1)) {
		static const char busy[] = "FLASH_WRITE: flash busy with FLASH_WRITE (retry)";
		uint8_t d[sizeof busy] = {sizeof busy - 1};
		memcpy(d + 1, busy, sizeof busy - 1);
		send_frame(WIS_MSG_RESPONSE, id, WIS_OP_FLASH_WRITE, WIS_ST_BUSY, d, sizeof d);
		n_write_busy++;
		write_release();
		return;
	}
	struct wis_rd r = wis_rd_init(p, n);
	wq[nwq].id = id;
	wq[nwq].addr = wis_rd_u32(&r);
	wq[nwq].n = n - 5; /* after addr and flags */
	memcpy(wq[nwq].d, p + 5, n - 5);
	if (++nwq > max_wq)
		max_wq = nwq;
	if (nwq == 2) {
		write_release();
	} else if (!w_held) {
		w_held = w_hold = true;
		w_due = mono_ns() + 100 * 1000000LL; /* the hold's bound */
	} else {
		w_due = mono_ns() + WRITE_US * 1000LL;
	}
}

/* Answers the running write when it is due; the one behind it starts. */
static void writes_due(void)
{
	if (!nwq || mono_ns() < w_due)
		return;
	if (wq[0].addr + wq[0].n <= sizeof wmem)
		memcpy(wmem + wq[0].addr, wq[0].d, wq[0].n);
	send_frame(WIS_MSG_RESPONSE, wq[0].id, WIS_OP_FLASH_WRITE, 0, NULL, 0);
	wq[0] = wq[1];
	nwq--;
	w_hold = false;
	w_due = mono_ns() + WRITE_US * 1000LL;
}

static void on_request(void *user, const struct wis_hdr *h, const uint8_t *p, size_t n)
{
	(void)user;
	if (h->type != WIS_MSG_REQUEST)
		return;
	if (h->opcode == WIS_OP_FLASH_WRITE) {
		write_request(h->id, p, n);
	} else if (h->opcode == WIS_OP_FLASH_INFO) {
		uint8_t r[32];
		struct wis_wr w = wis_wr_init(r, sizeof r);
		wis_wr_u8(&w, WIS_FLASH_STORE_EXTERNAL);
		wis_wr_bytes(&w, (const uint8_t[]){0x9d, 0x60, 0x14}, 3);
		wis_wr_u32(&w, 1u << 20);
		wis_wr_u32(&w, 4096);
		wis_wr_u32(&w, 256);
		wis_wr_str(&w, "fake");
		send_frame(WIS_MSG_RESPONSE, h->id, h->opcode, 0, r, w.len);
	} else {
		send_frame(WIS_MSG_RESPONSE, h->id, h->opcode, WIS_ST_UNKNOWN_OP, NULL, 0);
	}
}

static void *device_thread(void *arg)
{
	(void)arg;
	static struct wis_deframer d;
	wis__deframer_init(&d);
	uint8_t buf[4096];
	while (!stop) {
		struct pollfd p = {master, POLLIN, 0};
		int ready = poll(&p, 1, nwq ? 1 : 50);
		writes_due();
		if (ready <= 0)
			continue;
		ssize_t r = read(master, buf, sizeof buf);
		if (r <= 0) {
			usleep(10000); /* slave closed between opens: EIO until reopened */
			continue;
		}
		wis__deframer_feed(&d, buf, (size_t)r, on_request, NULL);
	}
	return NULL;
}

static int try_open(const char *path, wis_device **dev)
{
	struct wis_open_options o;
	wis_open_options_init(&o);
	o.timeout_ms = 300;
	o.no_hello = 1;
	return wis_open(dev, path, &o);
}

struct progress {
	uint64_t last;
	bool backwards;
};

static void on_progress(uint64_t done, uint64_t total, void *user)
{
	struct progress *pr = user;
	pr->backwards |= done <= pr->last || done > total;
	pr->last = done;
}

static void other_done(wis_device *dev, int st, const uint8_t *p, size_t len, void *user)
{
	(void)dev, (void)p, (void)len;
	*(int *)user = st;
}

/* 20000 bytes at 300: 40 FLASH_WRITEs (212 bytes to the first 512-byte
 * boundary, then 512 each). */
static void flash_writes(const char *path)
{
	wis_device *dev = NULL;
	CHECK_OK(try_open(path, &dev));
	if (!dev)
		return;
	static uint8_t d[20000];
	for (size_t i = 0; i < sizeof d; i++)
		d[i] = (uint8_t)(i * 7 + (i >> 9) + 3);
	const int pieces = 40;
	enum mode modes[] = {M_QUEUE_WRITE, M_OLD_WRITE};
	for (size_t k = 0; k < sizeof modes / sizeof modes[0]; k++) {
		writes_reset();
		mode = modes[k];
		struct progress pr = {0, false};
		CHECK_OK(wis_flash_write(dev, 300, d, sizeof d, 0, on_progress, &pr));
		printf("  %s: %d FLASH_WRITEs, %d BUSY, at most %d at the device\n",
		       modes[k] == M_OLD_WRITE ? "one at a time" : "one kept behind", n_writes,
		       n_write_busy, max_wq);
		CHECK(memcmp(wmem + 300, d, sizeof d) == 0);
		CHECK(wmem[299] == 0xff && wmem[300 + sizeof d] == 0xff);
		CHECK(pr.last == sizeof d && !pr.backwards);
		if (modes[k] == M_QUEUE_WRITE)
			CHECK(n_writes == pieces && n_write_busy == 0 && max_wq == 2);
		else /* the second BUSY and sent again, then one by one */
			CHECK(n_writes == pieces + 1 && n_write_busy == 1 && max_wq == 1);
	}
	/* BUSY for a write with none of ours before it (another caller's
	 * write runs) is the caller's to see, as before. */
	writes_reset();
	mode = M_OLD_WRITE;
	uint8_t req[5 + 16] = {0};
	int other = 1;
	CHECK_OK(wis_call_async(dev, WIS_OP_FLASH_WRITE, req, sizeof req, 0, other_done, &other));
	CHECK_RC(wis_flash_write(dev, 64, d, 16, 0, NULL, NULL), -WIS_ST_BUSY);
	CHECK(strstr(wis_last_error(), "busy with FLASH_WRITE"));
	for (int64_t end = mono_ns() + 2000000000LL; other == 1 && mono_ns() < end;) {
		struct pollfd p = {wis_fd(dev), POLLIN, 0};
		poll(&p, 1, 10);
		CHECK_OK(wis_process(dev));
	}
	CHECK(other == 0 && n_writes == 2 && n_write_busy == 1);
	wis_close(dev);
	CHECK_RC(wis_flash_write(NULL, 0, d, 16, 0, NULL, NULL), WIS_E_INVAL);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	int slave;
	char name[128];
	if (openpty(&master, &slave, name, NULL, NULL) < 0) {
		perror("openpty");
		return 1;
	}
	struct termios t;
	tcgetattr(master, &t);
	cfmakeraw(&t);
	tcsetattr(master, TCSANOW, &t);
	pthread_t th;
	pthread_create(&th, NULL, device_thread, NULL);
	printf("flash writes: two in flight where the firmware keeps one behind the running "
	       "one; the rest one at a time after older firmware's BUSY\n");
	flash_writes(name);
	stop = 1;
	pthread_join(th, NULL);
	close(slave);
	close(master);
	return TEST_RESULT();
}

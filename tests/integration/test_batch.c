/*
 * BATCH over the pty path (termios transport): mixed operations with
 * per-step results (some failing), stop-on-error, typed result accessors,
 * the async form (wis_batch_payload + wis_call_async + wis_batch_parse),
 * and the limits (32 steps, frame size, steps that cannot be batched).
 */
#include <poll.h>
#include <string.h>

#include "harness.h"

static int async_status = 1;
static wis_batch *async_batch;

static void batch_done(wis_device *dev, int status, const uint8_t *p, size_t len, void *user)
{
	(void)dev;
	(void)user;
	async_status = status;
	if (status == 0)
		async_status = wis_batch_parse(async_batch, p, len);
}

int main(int argc, char **argv)
{
	harness_init(argc, argv);
	struct sim s;
	sim_start(&s, "--wire", "IO1:IO2", "--adc", "AIN0=1200", NULL);
	wis_device *dev = open_dev(s.pty);

	printf("mixed batch, run to the end\n");
	wis_batch *b = wis_batch_new(dev);
	CHECK(b != NULL);
	CHECK(wis_batch_add_gpio_mode(b, "IO1", WIS_GPIO_OUTPUT, 1) == 0);
	CHECK(wis_batch_add_gpio_mode(b, "IO2", WIS_GPIO_INPUT, 0) == 1);
	CHECK(wis_batch_add_gpio_read(b, "IO2") == 2);
	CHECK(wis_batch_add_gpio_write(b, "IO2", 1) == 3); /* fails: IO2 is an input */
	CHECK(wis_batch_add_gpio_write(b, "IO1", 0) == 4);
	CHECK(wis_batch_add_gpio_read(b, "IO2") == 5);
	CHECK(wis_batch_add_adc_read(b, "AIN0", NULL) == 6);
	CHECK(wis_batch_add(b, WIS_OP_PING, "abc", 3) == 7);
	CHECK(wis_batch_count(b) == 8);
	CHECK_RC(wis_batch_status(b, 0), WIS_E_INVAL); /* not run yet */
	CHECK_OK(wis_batch_run(b, 0));
	int level = -1;
	int32_t mv = 0;
	for (int i = 0; i < 8; i++)
		CHECK(wis_batch_status(b, i) == (i == 3 ? -WIS_ST_WRONG_MODE : 0));
	CHECK_OK(wis_batch_level(b, 2, &level));
	CHECK(level == 1);
	CHECK_OK(wis_batch_level(b, 5, &level));
	CHECK(level == 0);
	CHECK_OK(wis_batch_millivolts(b, 6, &mv));
	CHECK(mv >= 1199 && mv <= 1201);
	size_t len = 0;
	const uint8_t *r = wis_batch_result(b, 7, &len);
	CHECK(r && len == 3 && memcmp(r, "abc", 3) == 0);
	r = wis_batch_result(b, 3, &len);
	CHECK(r && len > 0);
	printf("  step 3 failed as expected: %.*s\n", (int)len, (const char *)r);
	CHECK_RC(wis_batch_level(b, 3, &level), WIS_E_INVAL); /* a write has no level */
	CHECK_RC(wis_batch_level(b, 6, &level), WIS_E_INVAL); /* not a GPIO_READ */
	CHECK_RC(wis_batch_millivolts(b, 2, &mv), WIS_E_INVAL);
	CHECK_RC(wis_batch_status(b, 8), WIS_E_INVAL);
	CHECK(wis_batch_result(b, -1, &len) == NULL && len == 0);
	wis_batch_free(b);

	printf("stop on error: later steps are skipped\n");
	b = wis_batch_new(dev);
	wis_batch_stop_on_error(b, 1);
	wis_batch_add_gpio_write(b, "IO1", 1);
	wis_batch_add_gpio_write(b, "IO2", 1); /* fails */
	wis_batch_add_gpio_write(b, "IO1", 0); /* skipped */
	CHECK_OK(wis_batch_run(b, 0));
	CHECK(wis_batch_status(b, 0) == 0);
	CHECK(wis_batch_status(b, 1) == -WIS_ST_WRONG_MODE);
	CHECK(wis_batch_status(b, 2) == -WIS_ST_SKIPPED);
	CHECK_OK(wis_gpio_read(dev, "IO2", &level));
	CHECK(level == 1); /* the skipped write did not run */
	wis_batch_free(b);

	printf("async batch\n");
	async_batch = b = wis_batch_new(dev);
	wis_batch_add_gpio_read(b, "IO2");
	wis_batch_add_adc_read(b, "AIN0", NULL);
	size_t plen;
	const uint8_t *payload = wis_batch_payload(b, &plen);
	CHECK_OK(wis_call_async(dev, WIS_OP_BATCH, payload, plen, 0, batch_done, NULL));
	int64_t end = mono_ns() + 2000000000LL;
	while (async_status == 1 && mono_ns() < end) {
		struct pollfd p = {wis_fd(dev), POLLIN, 0};
		poll(&p, 1, wis_next_timeout_ms(dev));
		wis_process(dev);
	}
	CHECK(async_status == 0);
	CHECK_OK(wis_batch_level(b, 0, &level));
	CHECK(level == 1);
	CHECK_OK(wis_batch_millivolts(b, 1, &mv));
	CHECK(mv >= 1199 && mv <= 1201);
	wis_batch_free(b);

	printf("limits\n");
	b = wis_batch_new(dev);
	for (int i = 0; i < WIS_BATCH_MAX_STEPS; i++)
		CHECK(wis_batch_add_gpio_read(b, "IO2") == i);
	CHECK_RC(wis_batch_add_gpio_read(b, "IO2"), WIS_E_TOO_BIG);
	CHECK_OK(wis_batch_run(b, 0));
	for (int i = 0; i < WIS_BATCH_MAX_STEPS; i++)
		CHECK(wis_batch_status(b, i) == 0);
	wis_batch_free(b);
	b = wis_batch_new(dev);
	CHECK_RC(wis_batch_add(b, WIS_OP_BATCH, NULL, 0), WIS_E_INVAL);
	CHECK_RC(wis_batch_add(b, WIS_OP_RESET, "\0", 1), WIS_E_INVAL);
	CHECK_RC(wis_batch_add_gpio_read(b, "VBAT"), WIS_E_NOT_IO);
	CHECK_RC(wis_batch_add_adc_read(b, "IO1", NULL), -WIS_ST_NOT_CAPABLE);
	CHECK_RC(wis_batch_run(b, 0), WIS_E_INVAL); /* empty */
	uint8_t big[1000] = {0};
	CHECK(wis_batch_add(b, WIS_OP_PING, big, 600) == 0);
	CHECK_RC(wis_batch_add(b, WIS_OP_PING, big, 600), WIS_E_TOO_BIG);
	/* The request fits but the results do not: STATS answers 48 bytes
	 * to an empty request. */
	wis_batch_free(b);
	b = wis_batch_new(dev);
	CHECK(wis_batch_add(b, WIS_OP_PING, big, 950) == 0);
	CHECK(wis_batch_add(b, WIS_OP_STATS, NULL, 0) == 1);
	CHECK(wis_batch_add(b, WIS_OP_STATS, NULL, 0) == 2);
	CHECK(wis_batch_add(b, WIS_OP_UPTIME, NULL, 0) == 3);
	CHECK_OK(wis_batch_run(b, 0));
	CHECK(wis_batch_status(b, 0) == 0);
	CHECK(wis_batch_status(b, 1) == 0);
	CHECK(wis_batch_status(b, 2) == -WIS_ST_TOO_BIG);
	CHECK(wis_batch_status(b, 3) == -WIS_ST_SKIPPED);
	wis_batch_free(b);
	wis_batch_free(NULL);
	CHECK(wis_batch_new(NULL) == NULL);

	CHECK_OK(wis_ping(dev));
	wis_close(dev);
	sim_stop(&s);
	return TEST_RESULT();
}

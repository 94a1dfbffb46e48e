/*
 * Firmware core tests, I/O side: GPIO modes, read/write, pin ownership,
 * NFC pads, the SAADC parameters and conversion, edge events with seq and
 * timestamps, debounce with a fake clock, and link back-pressure.
 */
#include "core_harness.h"

static void test_gpio_modes(void)
{
	setup();
	for (uint8_t m = 1; m < WIS_GPIO__MODE_COUNT; m++) {
		struct fw_frame *r = CALL(WIS_OP_GPIO_MODE, IO1, m, 0);
		CHECK_EQ(r->h.status, WIS_ST_OK);
		CHECK_EQ(F.hw.pins[IO1].mode, m);
		r = CALL(WIS_OP_PIN_STATE, IO1);
		CHECK(r->len == 4 && r->p[0] == WIS_OWNER_GPIO && r->p[1] == m);
	}
	struct fw_frame *r = CALL(WIS_OP_GPIO_MODE, IO1, 6, 0);
	CHECK_EQ(r->h.status, WIS_ST_BAD_ARG);
	CHECK_CONTAINS(detail(r), "GPIO_MODE mode 6 out of range 0..5");
	r = CALL(WIS_OP_GPIO_MODE, IO1, WIS_GPIO_OUTPUT, 2);
	CHECK_EQ(r->h.status, WIS_ST_BAD_ARG);
	CHECK_CONTAINS(detail(r), "GPIO_MODE level 2 out of range 0..1");

	/* The latch is set before the pin turns output: no glitch. */
	F.hw.trace_len = 0, F.hw.trace[0] = 0;
	r = CALL(WIS_OP_GPIO_MODE, IO2, WIS_GPIO_OUTPUT, 1);
	CHECK_EQ(r->h.status, WIS_ST_OK);
	CHECK_CONTAINS(F.hw.trace, "w34=1 c34=4");
	r = CALL(WIS_OP_GPIO_READ, IO2);
	CHECK(r->h.status == WIS_ST_OK && r->len == 1 && r->p[0] == 1);

	/* Disabled releases. */
	r = CALL(WIS_OP_GPIO_MODE, IO2, WIS_GPIO_DISABLED, 0);
	CHECK_EQ(r->h.status, WIS_ST_OK);
	CHECK_EQ(wisfw_core_pin_owner(&F.core, IO2), WIS_OWNER_NONE);
	CHECK_EQ(F.hw.pins[IO2].mode, WIS_GPIO_DISABLED);
}

static void test_gpio_read_write(void)
{
	setup();
	/* Read of an unowned pin makes it an input. */
	simhal_pins_drive(&F.hw, IO1, 1);
	struct fw_frame *r = CALL(WIS_OP_GPIO_READ, IO1);
	CHECK(r->h.status == WIS_ST_OK && r->p[0] == 1);
	CHECK_EQ(F.hw.pins[IO1].mode, WIS_GPIO_INPUT);
	r = CALL(WIS_OP_GPIO_WRITE, IO1, 1);
	CHECK_EQ(r->h.status, WIS_ST_WRONG_MODE);
	CHECK_CONTAINS(detail(r), "IO1 is an input: set mode output first");
	CHECK_EQ(F.hw.pins[IO1].latch, 0);

	/* Write of an unowned pin makes it a push-pull output. */
	r = CALL(WIS_OP_GPIO_WRITE, IO2, 1);
	CHECK_EQ(r->h.status, WIS_ST_OK);
	CHECK(F.hw.pins[IO2].mode == WIS_GPIO_OUTPUT && F.hw.pins[IO2].latch == 1);
	r = CALL(WIS_OP_GPIO_WRITE, IO2, 0);
	CHECK(r->h.status == WIS_ST_OK && F.hw.pins[IO2].latch == 0);
	r = CALL(WIS_OP_GPIO_WRITE, IO2, 2);
	CHECK_EQ(r->h.status, WIS_ST_BAD_ARG);
	CHECK_CONTAINS(detail(r), "GPIO_WRITE level 2 out of range 0..1");
	r = CALL(WIS_OP_GPIO_MODE, IO2, WIS_GPIO_OUTPUT_OPEN_DRAIN, 0);
	CHECK_EQ(r->h.status, WIS_ST_OK);
	r = CALL(WIS_OP_GPIO_WRITE, IO2, 1);
	CHECK(r->h.status == WIS_ST_OK && F.hw.pins[IO2].latch == 1);
	r = CALL(WIS_OP_GPIO_WATCH, IO2, WIS_EDGE_BOTH, 0, 0, 0, 0);
	CHECK_EQ(r->h.status, WIS_ST_WRONG_MODE);
	CHECK_CONTAINS(detail(r), "IO2 is an output: set an input mode first");

	/* The LED pins are ordinary GPIOs. */
	r = CALL(WIS_OP_GPIO_WRITE, WIS_NRF(1, 3), 1);
	CHECK_EQ(r->h.status, WIS_ST_OK);
}

static void test_ownership(void)
{
	setup();
	F.hw.adc_raw = 100;
	struct fw_frame *r = CALL(WIS_OP_ADC_READ, IO4, 0, 0, 12, 0);
	CHECK_EQ(r->h.status, WIS_ST_OK);
	CHECK_EQ(wisfw_core_pin_owner(&F.core, IO4), WIS_OWNER_ADC);
	r = CALL(WIS_OP_GPIO_WRITE, IO4, 1);
	CHECK_EQ(r->h.status, WIS_ST_PIN_BUSY);
	CHECK_CONTAINS(detail(r), "IO4 is owned by adc: release it first");
	r = CALL(WIS_OP_GPIO_READ, IO4);
	CHECK_EQ(r->h.status, WIS_ST_PIN_BUSY);
	r = CALL(WIS_OP_GPIO_MODE, IO4, WIS_GPIO_DISABLED, 0);
	CHECK_EQ(r->h.status, WIS_ST_PIN_BUSY);
	r = CALL(WIS_OP_GPIO_WATCH, IO4, 1, 0, 0, 0, 0);
	CHECK_EQ(r->h.status, WIS_ST_PIN_BUSY);
	r = CALL(WIS_OP_PIN_STATE, IO4);
	CHECK(r->h.status == WIS_ST_OK && r->p[0] == WIS_OWNER_ADC && r->p[1] == 0);
	r = CALL(WIS_OP_RELEASE, IO4);
	CHECK_EQ(r->h.status, WIS_ST_OK);
	CHECK_EQ(wisfw_core_pin_owner(&F.core, IO4), WIS_OWNER_NONE);
	r = CALL(WIS_OP_GPIO_WRITE, IO4, 1);
	CHECK_EQ(r->h.status, WIS_ST_OK);
	r = CALL(WIS_OP_ADC_READ, IO4, 0, 0, 12, 0);
	CHECK_EQ(r->h.status, WIS_ST_PIN_BUSY);
	CHECK_CONTAINS(detail(r), "IO4 is owned by gpio: release it first");
	r = CALL(WIS_OP_RELEASE, IO4);
	CHECK_EQ(r->h.status, WIS_ST_OK);
	r = CALL(WIS_OP_ADC_READ, IO4, 0, 0, 12, 0);
	CHECK_EQ(r->h.status, WIS_ST_OK);
	r = CALL(WIS_OP_RELEASE, IO1); /* releasing a free pin is fine */
	CHECK_EQ(r->h.status, WIS_ST_OK);
}

static void test_nfc_reserved(void)
{
	setup_nfc(false);
	struct fw_frame *r = CALL(WIS_OP_GPIO_WRITE, IO5, 1);
	CHECK_EQ(r->h.status, WIS_ST_PIN_BUSY);
	CHECK_CONTAINS(detail(r), "IO5 is reserved by the system");
	r = CALL(WIS_OP_RELEASE, IO5);
	CHECK_EQ(r->h.status, WIS_ST_PIN_BUSY);
	r = CALL(WIS_OP_PIN_STATE, IO5);
	CHECK(r->h.status == WIS_ST_OK && r->p[0] == WIS_OWNER_SYSTEM);
	setup_nfc(true);
	r = CALL(WIS_OP_GPIO_WRITE, IO5, 1);
	CHECK_EQ(r->h.status, WIS_ST_OK);
}

static void test_adc(void)
{
	setup();
	struct fw_frame *r = CALL(WIS_OP_ADC_READ, IO1, 0, 0, 12, 0);
	CHECK_EQ(r->h.status, WIS_ST_NOT_CAPABLE);
	CHECK_CONTAINS(detail(r), "IO1 has no analog input (ADC pins: LED3, AIN0, AIN1, SPI_CLK, "
	                          "SPI_MISO, SPI_MOSI, IO4, IO7)");
	CHECK_EQ(wisfw_core_pin_owner(&F.core, IO1), WIS_OWNER_NONE);
	r = CALL(WIS_OP_ADC_READ, AIN0, 9, 0, 12, 0);
	CHECK_EQ(r->h.status, WIS_ST_BAD_ARG);
	CHECK_CONTAINS(detail(r), "ADC_READ gain 9 out of range 0..7");
	r = CALL(WIS_OP_ADC_READ, AIN0, 0, 2, 12, 0);
	CHECK_EQ(r->h.status, WIS_ST_BAD_ARG);
	CHECK_CONTAINS(detail(r), "ADC_READ reference 2 out of range 0..1");
	r = CALL(WIS_OP_ADC_READ, AIN0, 0, 0, 9, 0);
	CHECK_EQ(r->h.status, WIS_ST_BAD_ARG);
	CHECK_CONTAINS(detail(r), "resolution 9 bits");
	r = CALL(WIS_OP_ADC_READ, AIN0, 0, 0, 16, 0);
	CHECK_EQ(r->h.status, WIS_ST_BAD_ARG);
	CHECK_CONTAINS(detail(r), "ADC_READ resolution 16 out of range 8..14");
	r = CALL(WIS_OP_ADC_READ, AIN0, 0, 0, 12, 9);
	CHECK_EQ(r->h.status, WIS_ST_BAD_ARG);
	CHECK_CONTAINS(detail(r), "oversample 9 out of range 0..8");
	CHECK_EQ(wisfw_core_pin_owner(&F.core, AIN0), WIS_OWNER_NONE); /* refused: not taken */

	/* The HAL sees the parameters and the pin's AIN channel. */
	F.hw.adc_raw = 1877;
	r = CALL(WIS_OP_ADC_READ, AIN0, 0, 0, 12, 3);
	CHECK_EQ(r->h.status, WIS_ST_OK);
	CHECK(memcmp(F.hw.adc_args, (uint8_t[]){3, 0, 0, 12, 3}, 5) == 0);
	struct wis_rd rd = rd_of(r);
	CHECK_EQ((int16_t)wis_rd_u16(&rd), 1877);
	CHECK_EQ((int32_t)wis_rd_u32(&rd), 1650); /* 1877 * 3600 / 4096 = 1649.7 */
	CHECK_EQ(F.hw.pins[AIN0].mode, WIS_GPIO_DISABLED);

	/* Conversion: mv = raw * ref / gain / 2^bits, rounded. */
	struct {
		int16_t raw;
		uint8_t gain, ref, bits;
		int32_t mv;
	} cases[] = {
	    {4095, WIS_ADC_GAIN_1_6, 0, 12, 3599}, /* 4095*3600/4096 = 3599.1 */
	    {0, WIS_ADC_GAIN_1_6, 0, 12, 0},
	    {255, WIS_ADC_GAIN_1_6, 0, 8, 3586},  /* 255*3600/256 = 3585.9 */
	    {512, WIS_ADC_GAIN_1, 0, 10, 300},    /* 512*600/1024 */
	    {8192, WIS_ADC_GAIN_4, 0, 14, 75},    /* 8192*150/16384 */
	    {1000, WIS_ADC_GAIN_1_4, 1, 12, 806}, /* 1000*3300/4096 = 805.66 */
	    {2048, WIS_ADC_GAIN_2, 1, 12, 206},   /* 2048*412.5/4096 = 206.25 */
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		F.hw.adc_raw = cases[i].raw;
		r = CALL(WIS_OP_ADC_READ, AIN0, cases[i].gain, cases[i].ref, cases[i].bits, 0);
		CHECK_EQ(r->h.status, WIS_ST_OK);
		rd = rd_of(r);
		CHECK_EQ((int16_t)wis_rd_u16(&rd), cases[i].raw);
		CHECK_EQ((int32_t)wis_rd_u32(&rd), cases[i].mv);
	}
	/* The SAADC reads slightly negative near 0 V (and an oversampled
	 * result can round past the top): the reply is clamped to
	 * 0..2^bits-1, as docs/protocol.md promises. */
	F.hw.adc_raw = -3;
	r = CALL(WIS_OP_ADC_READ, AIN0, 0, 0, 12, 0);
	CHECK_EQ(r->h.status, WIS_ST_OK);
	rd = rd_of(r);
	CHECK_EQ((int16_t)wis_rd_u16(&rd), 0);
	CHECK_EQ((int32_t)wis_rd_u32(&rd), 0);
	F.hw.adc_raw = 1030;
	r = CALL(WIS_OP_ADC_READ, AIN0, 0, 0, 10, 0);
	rd = rd_of(r);
	CHECK_EQ((int16_t)wis_rd_u16(&rd), 1023);
	CHECK_EQ((int32_t)wis_rd_u32(&rd), 3596); /* 1023*3600/1024 = 3596.5 */

	/* The inverse the simulator uses: ideal converter, clamped. */
	CHECK_EQ(wisfw_adc_raw_from_mv(1650, 0, 0, 12, 3300), 1877);
	CHECK_EQ(wisfw_adc_raw_from_mv(5000, 0, 0, 12, 3300), 4095);
	CHECK_EQ(wisfw_adc_raw_from_mv(-5, 0, 0, 12, 3300), 0);
	CHECK_EQ(wisfw_adc_raw_from_mv(700, WIS_ADC_GAIN_1, 0, 10, 3300), 1023);
	CHECK_EQ(wisfw_adc_raw_from_mv(300, WIS_ADC_GAIN_1, 0, 10, 3300), 512);
	CHECK_EQ(wisfw_adc_raw_from_mv(3300, WIS_ADC_GAIN_1_4, 1, 14, 3300), 16383);
	for (int32_t mv = 0; mv <= 3600; mv += 7) {
		int16_t raw = wisfw_adc_raw_from_mv(mv, 0, 0, 14, 3300);
		int32_t back = wisfw_adc_mv_from_raw(raw, 0, 0, 14, 3300);
		CHECK(back - mv <= 1 && mv - back <= 1);
	}
	CHECK(wisfw_adc_params_ok(7, 1, 14, 8));
	CHECK(!wisfw_adc_params_ok(8, 0, 12, 0));

	F.hw.adc_status = WIS_ST_HW_TIMEOUT;
	r = CALL(WIS_OP_ADC_READ, AIN0, 0, 0, 12, 0);
	CHECK_EQ(r->h.status, WIS_ST_HW_TIMEOUT);
	CHECK_CONTAINS(detail(r), "AIN3 did not finish");
}

static struct fw_frame *event_at(size_t i)
{
	return &F.out.f[i];
}

static void check_edge(struct fw_frame *e, uint32_t seq, uint64_t t, uint8_t pin, uint8_t level)
{
	CHECK(e->h.type == WIS_MSG_EVENT && e->h.opcode == WIS_EV_GPIO_EDGE && e->h.id == 0);
	CHECK_EQ(e->len, 15);
	struct wis_rd rd = rd_of(e);
	CHECK_EQ(wis_rd_u32(&rd), seq);
	CHECK_EQ(wis_rd_u64(&rd), t);
	CHECK_EQ(wis_rd_u8(&rd), pin);
	CHECK_EQ(wis_rd_u8(&rd), level);
	CHECK_EQ(wis_rd_u8(&rd), level ? WIS_EDGE_RISING : WIS_EDGE_FALLING);
}

static void test_events(void)
{
	setup();
	uint64_t boot = F.hw.now;
	wisfw_core_boot(&F.core, WIS_CAUSE_POWER_ON, NULL); /* seq 0 */
	struct fw_frame *r = CALL(WIS_OP_GPIO_WATCH, IO1, WIS_EDGE_BOTH, 0, 0, 0, 0);
	CHECK_EQ(r->h.status, WIS_ST_OK);
	CHECK_EQ(F.hw.pins[IO1].mode, WIS_GPIO_INPUT);   /* watch claims a free pin as input */
	CHECK_EQ(F.hw.pins[IO1].watched, WIS_EDGE_BOTH); /* the port may arm GPIOTE */
	/* ...and the button pin as an input with pull-up, for read and watch. */
	r = CALL(WIS_OP_GPIO_WATCH, SW1, WIS_EDGE_BOTH, 0, 0, 0, 0);
	CHECK_EQ(r->h.status, WIS_ST_OK);
	CHECK_EQ(F.hw.pins[SW1].mode, WIS_GPIO_INPUT_PULLUP);
	r = CALL(WIS_OP_RELEASE, SW1);
	CHECK_EQ(r->h.status, WIS_ST_OK);
	r = CALL(WIS_OP_GPIO_READ, SW1);
	CHECK_EQ(r->h.status, WIS_ST_OK);
	CHECK_EQ(F.hw.pins[SW1].mode, WIS_GPIO_INPUT_PULLUP);
	r = CALL(WIS_OP_RELEASE, SW1);
	CHECK_EQ(r->h.status, WIS_ST_OK);
	r = CALL(WIS_OP_PIN_STATE, IO1);
	CHECK(r->p[0] == WIS_OWNER_GPIO && r->p[1] == WIS_GPIO_INPUT && r->p[3] == WIS_EDGE_BOTH);
	size_t at = F.out.n;
	wisfw_core_pin_changed(&F.core, IO1, 1, boot + 100);
	wisfw_core_pin_changed(&F.core, IO1, 1, boot + 150); /* no change: nothing */
	wisfw_core_pin_changed(&F.core, IO1, 0, boot + 200);
	wisfw_core_pin_changed(&F.core, IO2, 1, boot + 250); /* not watched */
	wisfw_core_poll(&F.core, boot + 300);
	CHECK_EQ(F.out.n, at + 2);
	check_edge(event_at(at), 1, 100, IO1, 1);
	check_edge(event_at(at + 1), 2, 200, IO1, 0);

	/* Rising only. */
	r = CALL(WIS_OP_GPIO_WATCH, IO1, WIS_EDGE_RISING, 0, 0, 0, 0);
	CHECK_EQ(r->h.status, WIS_ST_OK);
	at = F.out.n;
	wisfw_core_pin_changed(&F.core, IO1, 1, boot + 400);
	wisfw_core_pin_changed(&F.core, IO1, 0, boot + 500);
	wisfw_core_poll(&F.core, boot + 600);
	CHECK_EQ(F.out.n, at + 1);
	check_edge(event_at(at), 3, 400, IO1, 1);

	/* Stop watching; a mode change also stops it. */
	r = CALL(WIS_OP_GPIO_WATCH, IO1, WIS_EDGE_NONE, 0, 0, 0, 0);
	CHECK_EQ(r->h.status, WIS_ST_OK);
	at = F.out.n;
	wisfw_core_pin_changed(&F.core, IO1, 1, boot + 700);
	wisfw_core_poll(&F.core, boot + 800);
	CHECK_EQ(F.out.n, at);
	r = CALL(WIS_OP_GPIO_WATCH, IO1, WIS_EDGE_BOTH, 0, 0, 0, 0);
	CHECK_EQ(r->h.status, WIS_ST_OK);
	r = CALL(WIS_OP_GPIO_MODE, IO1, WIS_GPIO_INPUT_PULLUP, 0);
	CHECK_EQ(r->h.status, WIS_ST_OK);
	at = F.out.n;
	wisfw_core_pin_changed(&F.core, IO1, 0, boot + 900);
	wisfw_core_poll(&F.core, boot + 950);
	CHECK_EQ(F.out.n, at);
	r = CALL(WIS_OP_GPIO_WATCH, IO1, 4, 0, 0, 0, 0);
	CHECK_EQ(r->h.status, WIS_ST_BAD_ARG);
	CHECK_CONTAINS(detail(r), "GPIO_WATCH edge 4 out of range 0..3");
	r = CALL(WIS_OP_GPIO_WATCH, IO1, 1, 0x41, 0x42, 0x0f, 0);
	CHECK_EQ(r->h.status, WIS_ST_BAD_ARG);
	CHECK_CONTAINS(detail(r), "GPIO_WATCH debounce_us 1000001 out of range 0..1000000");

	/* A stuck link: edges (19 bytes each in the queue) wait within the
	 * 4 KiB budget, the rest are dropped, and the sequence numbers show
	 * exactly as many lost as STATS counts. */
	r = CALL(WIS_OP_GPIO_WATCH, IO1, WIS_EDGE_BOTH, 0, 0, 0, 0);
	CHECK_EQ(r->h.status, WIS_ST_OK);
	const int fit = WISFW_EVQ_BYTES / (WISFW_EV_HDR + 3), extra = 5;
	CHECK_EQ(fit, 215);
	F.hw.tx_budget = 0;
	uint8_t level = 0; /* IO1 has its pull-up: every step is a change */
	for (int i = 0; i < fit + extra; i++, level ^= 1)
		wisfw_core_pin_changed(&F.core, IO1, level, boot + 2000 + (uint64_t)i);
	wisfw_core_poll(&F.core, boot + 3000);
	CHECK(wisfw_core_tx_pending(&F.core));
	at = F.out.n;
	F.hw.tx_budget = -1;
	wisfw_core_poll(&F.core, boot + 3100);
	CHECK(!wisfw_core_tx_pending(&F.core));
	CHECK_EQ(F.out.n, at + (size_t)fit);
	struct wis_rd rd = rd_of(event_at(at));
	uint32_t seq0 = wis_rd_u32(&rd);
	rd = rd_of(event_at(at + (size_t)fit - 1));
	CHECK_EQ(wis_rd_u32(&rd), seq0 + (uint32_t)fit - 1);
	wisfw_core_pin_changed(&F.core, IO1, level, boot + 4000);
	wisfw_core_poll(&F.core, boot + 4001);
	rd = rd_of(event_at(F.out.n - 1));
	CHECK_EQ(wis_rd_u32(&rd), seq0 + (uint32_t)(fit + extra)); /* the gap: extra */
	CHECK_EQ(stat(S_EVD), extra);

	/* Link down: events are dropped, not queued. */
	F.hw.link_up = false;
	wisfw_core_pin_changed(&F.core, IO1, level ^ 1, boot + 5000);
	wisfw_core_poll(&F.core, boot + 5001);
	CHECK(!wisfw_core_tx_pending(&F.core));
	F.hw.link_up = true;
	CHECK_EQ(stat(S_EVD), extra + 1);
}

static void test_debounce(void)
{
	setup();
	uint64_t b = F.hw.now;
	struct fw_frame *r = CALL(WIS_OP_GPIO_MODE, SW1, WIS_GPIO_INPUT_PULLUP, 0);
	CHECK_EQ(r->h.status, WIS_ST_OK);
	simhal_pins_drive(&F.hw, SW1, 1);
	r = CALL(WIS_OP_GPIO_WATCH, SW1, WIS_EDGE_BOTH, 0xe8, 0x03, 0, 0); /* 1000 us */
	CHECK_EQ(r->h.status, WIS_ST_OK);
	CHECK_EQ(wisfw_core_next_deadline(&F.core), UINT64_MAX);
	size_t at = F.out.n;
	/* A bouncing press: 1->0 at 10000, bounces, settles 0 at 10300. */
	wisfw_core_pin_changed(&F.core, SW1, 0, b + 10000);
	wisfw_core_pin_changed(&F.core, SW1, 1, b + 10100);
	wisfw_core_pin_changed(&F.core, SW1, 0, b + 10300);
	CHECK_EQ(wisfw_core_next_deadline(&F.core), b + 11300);
	wisfw_core_poll(&F.core, b + 11299);
	CHECK_EQ(F.out.n, at);
	wisfw_core_poll(&F.core, b + 11300);
	CHECK_EQ(F.out.n, at + 1);
	check_edge(event_at(at), 0, 10000, SW1, 0); /* time of the first transition */
	CHECK_EQ(wisfw_core_next_deadline(&F.core), UINT64_MAX);

	/* A glitch shorter than the debounce time is no edge at all. */
	wisfw_core_pin_changed(&F.core, SW1, 1, b + 20000);
	wisfw_core_pin_changed(&F.core, SW1, 0, b + 20500);
	wisfw_core_poll(&F.core, b + 30000);
	CHECK_EQ(F.out.n, at + 1);

	/* Release, held long enough. */
	wisfw_core_pin_changed(&F.core, SW1, 1, b + 40000);
	wisfw_core_poll(&F.core, b + 40999);
	CHECK_EQ(F.out.n, at + 1);
	wisfw_core_poll(&F.core, b + 41000);
	CHECK_EQ(F.out.n, at + 2);
	check_edge(event_at(at + 1), 1, 40000, SW1, 1);

	/* Releasing the pin cancels a pending debounce. */
	wisfw_core_pin_changed(&F.core, SW1, 0, b + 50000);
	r = CALL(WIS_OP_RELEASE, SW1);
	CHECK_EQ(r->h.status, WIS_ST_OK);
	CHECK_EQ(wisfw_core_next_deadline(&F.core), UINT64_MAX);
	CHECK_EQ(F.hw.pins[SW1].watched, WIS_EDGE_NONE); /* and disarms the watch hook */
	wisfw_core_poll(&F.core, b + 60000);
	CHECK_EQ(count_events(at + 2, WIS_EV_GPIO_EDGE), 0);
}

static void test_tx_backpressure(void)
{
	setup();
	/* The link takes 5 bytes per call: frames still arrive whole. */
	F.hw.tx_chunk = 5;
	struct fw_frame *r = CALL(WIS_OP_PING, 1, 2, 3, 4, 5, 6, 7, 8, 9);
	CHECK(r->h.status == WIS_ST_OK && r->len == 9 && r->p[8] == 9);
	F.hw.tx_chunk = 0;

	/* The link takes 10 bytes, then nothing: the rest waits for poll. */
	F.hw.tx_budget = 10;
	size_t at = F.out.n;
	send_frame(1, 0, 900, WIS_OP_PING, "hello", 5);
	CHECK_EQ(F.out.n, at);
	CHECK(wisfw_core_tx_pending(&F.core));
	F.hw.tx_budget = -1;
	wisfw_core_poll(&F.core, F.hw.now);
	CHECK_EQ(F.out.n, at + 1);
	CHECK(F.out.f[at].h.id == 900 && F.out.f[at].len == 5);

	/* A link that takes nothing: the response waits in the output queue
	 * with its slot held (no waiting in the core, no timeout), and leaves
	 * once the link takes bytes again. */
	F.hw.tx_budget = 0;
	at = F.out.n;
	send_frame(1, 0, 901, WIS_OP_PING, NULL, 0);
	CHECK_EQ(F.out.n, at);
	CHECK_EQ(wisfw_core_slots_held(&F.core), 1);
	F.hw.now += 10000000;
	wisfw_core_poll(&F.core, F.hw.now);
	CHECK_EQ(F.out.n, at);
	CHECK(wisfw_core_tx_pending(&F.core));
	F.hw.tx_budget = -1;
	wisfw_core_poll(&F.core, F.hw.now);
	CHECK_EQ(F.out.n, at + 1);
	CHECK(F.out.f[at].h.id == 901 && F.out.f[at].h.status == WIS_ST_OK);
	CHECK_EQ(wisfw_core_slots_held(&F.core), 0);
	CHECK_EQ(F.core.n.responses_dropped, 0);
	r = call(WIS_OP_PING, NULL, 0);
	CHECK_EQ(r->h.status, WIS_ST_OK);
	CHECK_EQ(F.out.d.stats.crc_errors + F.out.d.stats.cobs_errors, 0);
}

int main(void)
{
	test_gpio_modes();
	test_gpio_read_write();
	test_ownership();
	test_nfc_reserved();
	test_adc();
	test_events();
	test_debounce();
	test_tx_backpressure();
	if (check_failures) {
		fprintf(stderr, "test_core_io: %d failure(s)\n", check_failures);
		return 1;
	}
	printf("test_core_io: all checks passed\n");
	return 0;
}

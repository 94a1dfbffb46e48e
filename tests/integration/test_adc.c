/*
 * ADC over the pty path (termios transport): values set with --adc and
 * with the control 'adc' command, every gain, both references, every
 * resolution, oversampling, saturation at full scale, pin ownership
 * (an ADC pin is busy for GPIO until released), the SAADC inputs on LED3
 * and the SPI pins (by name and by pad alias) and bad configurations.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

static const double gains[8] = {1.0 / 6, 1.0 / 5, 1.0 / 4, 1.0 / 3, 1.0 / 2, 1, 2, 4};

/* docs/protocol.md: raw = V*gain/ref*2^bits clamped; mV = raw*ref/gain/2^bits. */
static void expect(int mv_in, int gain, int ref, int bits, long *raw, long *mv)
{
	double refmv = ref ? 3300.0 / 4 : 600.0, scale = (double)(1L << bits);
	long r = lround(mv_in * gains[gain] / refmv * scale);
	if (r > (1L << bits) - 1)
		r = (1L << bits) - 1;
	if (r < 0)
		r = 0;
	*raw = r;
	*mv = lround(r * refmv / gains[gain] / scale);
}

static void check_read(wis_device *dev, const char *pin, int mv_in, int gain, int ref, int bits,
                       int os)
{
	struct wis_adc_config c;
	wis_adc_config_init(&c);
	c.gain = (uint8_t)gain;
	c.reference = (uint8_t)ref;
	c.resolution = (uint8_t)bits;
	c.oversample = (uint8_t)os;
	int32_t mv = -1;
	int16_t raw = -1;
	CHECK_OK(wis_adc_read(dev, pin, &c, &mv, &raw));
	long want_raw, want_mv;
	expect(mv_in, gain, ref, bits, &want_raw, &want_mv);
	if (labs(raw - want_raw) > 1 || labs(mv - want_mv) > 1) {
		fprintf(stderr,
		        "%s %d mV gain %d ref %d bits %d os %d: got raw %d %d mV, want raw "
		        "%ld %ld mV\n",
		        pin, mv_in, gain, ref, bits, os, raw, mv, want_raw, want_mv);
		test_failures++;
	}
}

int main(int argc, char **argv)
{
	harness_init(argc, argv);
	struct sim s;
	sim_start(&s, "--adc", "AIN0=1650", "--adc", "IO4=3000", NULL);
	wis_device *dev = open_dev(s.pty);
	char reply[256];

	printf("defaults (gain 1/6, internal reference, 12 bits)\n");
	int32_t mv = 0;
	int16_t raw = 0;
	CHECK_OK(wis_adc_read(dev, "AIN0", NULL, &mv, &raw));
	printf("  AIN0 = %d mV (raw %d)\n", mv, raw);
	CHECK(abs(mv - 1650) <= 1);
	check_read(dev, "AIN0", 1650, WIS_ADC_GAIN_1_6, 0, 12, 0);
	check_read(dev, "IO4", 3000, WIS_ADC_GAIN_1_6, 0, 12, 0);

	printf("every gain, reference and resolution (saturating where full scale < input)\n");
	for (int g = 0; g < 8; g++)
		for (int ref = 0; ref < 2; ref++)
			for (int bits = 8; bits <= 14; bits += 2)
				check_read(dev, "AIN0", 1650, g, ref, bits, 0);
	check_read(dev, "AIN0", 1650, WIS_ADC_GAIN_1_6, 0, 14, 8);

	printf("saturation: gain 4 with the internal reference is 150 mV full scale\n");
	struct wis_adc_config c;
	wis_adc_config_init(&c);
	c.gain = WIS_ADC_GAIN_4;
	CHECK_OK(wis_adc_read(dev, "AIN0", &c, &mv, &raw));
	CHECK(raw == 4095 && abs(mv - 150) <= 1);

	printf("values changed at run time through the control socket\n");
	for (int v = 0; v <= 3600; v += 450) {
		CHECK(sim_ctl(&s, reply, sizeof reply, "adc AIN1 %d", v) == 0);
		check_read(dev, "AIN1", v, WIS_ADC_GAIN_1_6, 0, 12, 0);
	}
	CHECK(sim_ctl(&s, reply, sizeof reply, "adc AIN1 %d", 5000) != 0);
	printf("  control refuses 5000 mV: %s\n", reply);

	printf("an ADC pin is owned by the ADC until released\n");
	int level;
	CHECK_RC(wis_gpio_read(dev, "IO4", &level), -WIS_ST_PIN_BUSY);
	printf("  %s\n", wis_last_error());
	CHECK(strstr(wis_last_error(), "IO4") || strstr(wis_last_error(), "adc") ||
	      strstr(wis_last_error(), "ADC"));
	CHECK_OK(wis_pin_release(dev, "IO4"));
	CHECK_OK(wis_gpio_read(dev, "IO4", &level));
	CHECK_RC(wis_adc_read(dev, "IO4", NULL, &mv, NULL), -WIS_ST_PIN_BUSY);

	printf("the SAADC inputs on LED3 and the IO-slot SPI pins (AIN0, AIN1, AIN5, AIN6)\n");
	static const struct {
		const char *pin, *alias;
		int mv;
	} extra[] = {{"LED3", "QSPI_DIO3", 1200},
	             {"SPI_CLK", "QSPI_CLK", 2400},
	             {"SPI_MISO", "QSPI_DIO1", 600},
	             {"SPI_MOSI", "QSPI_DIO0", 3300}};
	for (size_t i = 0; i < sizeof extra / sizeof extra[0]; i++) {
		/* Each pin its own value: a read of the wrong AIN channel shows. */
		CHECK(sim_ctl(&s, reply, sizeof reply, "adc %s %d", extra[i].pin, extra[i].mv) ==
		      0);
		check_read(dev, extra[i].pin, extra[i].mv, WIS_ADC_GAIN_1_6, 0, 12, 0);
		check_read(dev, extra[i].alias, extra[i].mv, WIS_ADC_GAIN_1_6, 0, 12, 0);
	}
	/* ... where the pin is free: LED3 driven as a GPIO is not the ADC's. */
	CHECK_OK(wis_pin_release(dev, "LED3"));
	CHECK_OK(wis_gpio_mode(dev, "LED3", WIS_GPIO_OUTPUT, 1));
	CHECK_RC(wis_adc_read(dev, "LED3", NULL, &mv, NULL), -WIS_ST_PIN_BUSY);
	printf("  %s\n", wis_last_error());
	CHECK_OK(wis_pin_release(dev, "LED3"));
	check_read(dev, "LED3", 1200, WIS_ADC_GAIN_1_6, 0, 12, 0);
	/* P0.26 (SPI_CS) has no analog input. */
	CHECK_RC(wis_adc_read(dev, "SPI_CS", NULL, &mv, NULL), -WIS_ST_NOT_CAPABLE);

	printf("bad configurations are refused on the host with the reason\n");
	wis_adc_config_init(&c);
	c.gain = 8;
	CHECK_RC(wis_adc_read(dev, "AIN0", &c, &mv, NULL), WIS_E_INVAL);
	CHECK(strstr(wis_last_error(), "gain"));
	wis_adc_config_init(&c);
	c.reference = 2;
	CHECK_RC(wis_adc_read(dev, "AIN0", &c, &mv, NULL), WIS_E_INVAL);
	wis_adc_config_init(&c);
	c.resolution = 11;
	CHECK_RC(wis_adc_read(dev, "AIN0", &c, &mv, NULL), WIS_E_INVAL);
	CHECK(strstr(wis_last_error(), "8, 10, 12 or 14"));
	wis_adc_config_init(&c);
	c.oversample = 9;
	CHECK_RC(wis_adc_read(dev, "AIN0", &c, &mv, NULL), WIS_E_INVAL);
	CHECK_RC(wis_adc_read(dev, "LED1", NULL, &mv, NULL), -WIS_ST_NOT_CAPABLE);
	/* ... and the device says the same when asked directly. */
	uint8_t req[5] = {WIS_NRF(0, 5), 9, 0, 12, 0}, resp[6];
	CHECK_RC(wis_call(dev, WIS_OP_ADC_READ, req, 5, resp, sizeof resp, NULL, 0),
	         -WIS_ST_BAD_ARG);
	printf("  device: %s\n", wis_last_error());
	CHECK_RC(wis_call(dev, WIS_OP_ADC_READ, req, 4, resp, sizeof resp, NULL, 0),
	         -WIS_ST_BAD_LENGTH);

	wis_close(dev);
	sim_stop(&s);
	return TEST_RESULT();
}

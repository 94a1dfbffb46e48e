/*
 * GPIO subsystem calls by pin name: mode, read, write, edge watch, and the
 * pin ownership calls (release, state).  Arguments are checked here so a
 * caller's mistake is reported with its name instead of as a device
 * BAD_ARG.
 */
#include "internal.h"

int wis_gpio_mode(wis_device *dev, const char *pin, enum wis_gpio_mode mode, int initial)
{
	wis_clear_error();
	uint8_t nrf;
	if ((unsigned)mode >= WIS_GPIO__MODE_COUNT)
		return wis_fail(WIS_E_INVAL,
		                "GPIO mode %d: use 0..5 (disabled, input, input-pullup, "
		                "input-pulldown, output, output-open-drain)",
		                (int)mode);
	int rc = wis_pin_arg(dev, pin, WIS_FN_GPIO, &nrf);
	if (rc < 0)
		return rc;
	uint8_t req[3] = {nrf, (uint8_t)mode, (uint8_t)(initial != 0)};
	return wis_call_exact(dev, WIS_OP_GPIO_MODE, req, sizeof req, NULL, 0, 0);
}

int wis_gpio_read(wis_device *dev, const char *pin, int *level)
{
	wis_clear_error();
	uint8_t nrf, v;
	int rc = wis_pin_arg(dev, pin, WIS_FN_GPIO, &nrf);
	if (rc < 0)
		return rc;
	rc = wis_call_exact(dev, WIS_OP_GPIO_READ, &nrf, 1, &v, 1, 0);
	if (rc == 0 && level)
		*level = v != 0;
	return rc;
}

int wis_gpio_write(wis_device *dev, const char *pin, int level)
{
	wis_clear_error();
	uint8_t nrf;
	int rc = wis_pin_arg(dev, pin, WIS_FN_GPIO, &nrf);
	if (rc < 0)
		return rc;
	uint8_t req[2] = {nrf, (uint8_t)(level != 0)};
	return wis_call_exact(dev, WIS_OP_GPIO_WRITE, req, sizeof req, NULL, 0, 0);
}

int wis_gpio_watch(wis_device *dev, const char *pin, enum wis_edge edge, uint32_t debounce_us)
{
	wis_clear_error();
	uint8_t nrf;
	if ((unsigned)edge > WIS_EDGE_BOTH)
		return wis_fail(WIS_E_INVAL, "edge %d: use 0 none, 1 rising, 2 falling, 3 both",
		                (int)edge);
	if (debounce_us > WIS_DEBOUNCE_MAX_US)
		return wis_fail(WIS_E_INVAL, "debounce of %u us is above the maximum of %u us",
		                debounce_us, WIS_DEBOUNCE_MAX_US);
	int rc = wis_pin_arg(dev, pin, WIS_FN_GPIO, &nrf);
	if (rc < 0)
		return rc;
	uint8_t req[6];
	struct wis_wr w = wis_wr_init(req, sizeof req);
	wis_wr_u8(&w, nrf);
	wis_wr_u8(&w, (uint8_t)edge);
	wis_wr_u32(&w, debounce_us);
	return wis_call_exact(dev, WIS_OP_GPIO_WATCH, req, w.len, NULL, 0, 0);
}

int wis_pin_release(wis_device *dev, const char *pin)
{
	wis_clear_error();
	uint8_t nrf;
	int rc = wis_pin_arg(dev, pin, 0, &nrf);
	if (rc < 0)
		return rc;
	return wis_call_exact(dev, WIS_OP_RELEASE, &nrf, 1, NULL, 0, 0);
}

int wis_pin_state(wis_device *dev, const char *pin, struct wis_pin_state *out)
{
	wis_clear_error();
	uint8_t nrf, r[4];
	if (!out)
		return wis_fail(WIS_E_INVAL, "out is NULL");
	int rc = wis_pin_arg(dev, pin, 0, &nrf);
	if (rc < 0)
		return rc;
	rc = wis_call_exact(dev, WIS_OP_PIN_STATE, &nrf, 1, r, sizeof r, 0);
	if (rc < 0)
		return rc;
	out->owner = r[0];
	out->mode = r[1];
	out->level = r[2];
	out->edge = r[3];
	return 0;
}

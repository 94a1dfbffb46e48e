/*
 * GPIO subsystem calls by pin name: mode, read, write, edge watch, and the
 * pin ownership calls (release, state).  Pin names are resolved here; every
 * payload layout and value range comes from the opcode table through
 * wis__call_fields(), so a caller's mistake is named before a round trip.
 */
#include "internal.h"

#define V(x) ((union wis_val){.u = (uint64_t)(x)})

int wis_gpio_mode(wis_device *dev, const char *pin, enum wis_gpio_mode mode, int initial)
{
	wis__clear_error();
	uint8_t nrf;
	int rc = wis__pin_arg(dev, pin, WIS_FN_GPIO, &nrf);
	if (rc < 0)
		return rc;
	union wis_val v[] = {V(nrf), V((unsigned)mode), V(initial != 0)};
	return wis__call_fields(dev, WIS_OP_GPIO_MODE, v, NULL, 0);
}

int wis_gpio_read(wis_device *dev, const char *pin, int *level)
{
	wis__clear_error();
	uint8_t nrf;
	int rc = wis__pin_arg(dev, pin, WIS_FN_GPIO, &nrf);
	if (rc < 0)
		return rc;
	union wis_val r[1];
	rc = wis__call_fields(dev, WIS_OP_GPIO_READ, (union wis_val[]){V(nrf)}, r, 0);
	if (rc == 0 && level)
		*level = r[0].u != 0;
	return rc;
}

int wis_gpio_write(wis_device *dev, const char *pin, int level)
{
	wis__clear_error();
	uint8_t nrf;
	int rc = wis__pin_arg(dev, pin, WIS_FN_GPIO, &nrf);
	if (rc < 0)
		return rc;
	union wis_val v[] = {V(nrf), V(level != 0)};
	return wis__call_fields(dev, WIS_OP_GPIO_WRITE, v, NULL, 0);
}

int wis_gpio_watch(wis_device *dev, const char *pin, enum wis_edge edge, uint32_t debounce_us)
{
	wis__clear_error();
	uint8_t nrf;
	int rc = wis__pin_arg(dev, pin, WIS_FN_GPIO, &nrf);
	if (rc < 0)
		return rc;
	union wis_val v[] = {V(nrf), V((unsigned)edge), V(debounce_us)};
	return wis__call_fields(dev, WIS_OP_GPIO_WATCH, v, NULL, 0);
}

int wis_pin_release(wis_device *dev, const char *pin)
{
	wis__clear_error();
	uint8_t nrf;
	int rc = wis__pin_arg(dev, pin, 0, &nrf);
	if (rc < 0)
		return rc;
	return wis__call_fields(dev, WIS_OP_RELEASE, (union wis_val[]){V(nrf)}, NULL, 0);
}

int wis_pin_state(wis_device *dev, const char *pin, struct wis_pin_state *out)
{
	wis__clear_error();
	uint8_t nrf;
	if (!out)
		return wis__fail(WIS_E_INVAL, "out is NULL");
	int rc = wis__pin_arg(dev, pin, 0, &nrf);
	if (rc < 0)
		return rc;
	union wis_val r[4];
	rc = wis__call_fields(dev, WIS_OP_PIN_STATE, (union wis_val[]){V(nrf)}, r, 0);
	if (rc < 0)
		return rc;
	out->owner = (uint8_t)r[0].u;
	out->mode = (uint8_t)r[1].u;
	out->level = (uint8_t)r[2].u;
	out->edge = (uint8_t)r[3].u;
	return 0;
}

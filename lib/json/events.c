/*
 * wisjson events: a module event as the params of its JSON-RPC
 * notification (gpio.edge, device.state, diag.event, radio.rx, radio.tx),
 * with the module's sequence number and timestamp and, once the library
 * has mapped the module's clock, the same instant on the host's clocks.
 */
#include "wisjson_int.h"

static double ts_seconds(const struct timespec *t)
{
	return (double)t->tv_sec + (double)t->tv_nsec / 1e9;
}

/* A DIAG event's data as hex, and whether it holds the pattern EMIT
 * promises (byte i = (seq + i) & 0xff), so a client can check long events
 * arrive whole. */
static void diag_json(json_object *o, const struct wis_event *ev)
{
	static const char hex[] = "0123456789abcdef";
	char buf[2 * WIS_EV_MAX_DATA + 1];
	size_t n = ev->payload_len < WIS_EV_MAX_DATA ? ev->payload_len : WIS_EV_MAX_DATA;
	bool ok = true;
	for (size_t i = 0; i < n; i++) {
		uint8_t b = ev->payload[i];
		buf[2 * i] = hex[b >> 4];
		buf[2 * i + 1] = hex[b & 15];
		ok = ok && b == (uint8_t)(ev->seq + i);
	}
	buf[2 * n] = 0;
	json_object_object_add(o, "len", json_object_new_int((int)ev->payload_len));
	json_object_object_add(o, "data", json_object_new_string(buf));
	json_object_object_add(o, "pattern_ok", json_object_new_boolean(ok));
}

/* Hex of a received payload. */
static json_object *hex_json(const uint8_t *p, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	char buf[2 * 255 + 1];
	n = n > 255 ? 255 : n;
	for (size_t i = 0; i < n; i++) {
		buf[2 * i] = hex[p[i] >> 4];
		buf[2 * i + 1] = hex[p[i] & 15];
	}
	buf[2 * n] = 0;
	return json_object_new_string(buf);
}

/* radio.rx (a packet, or an RX error) and radio.tx (a transmission done). */
static const char *radio_json(json_object *o, const struct wis_event *ev)
{
	if (ev->type == WIS_EV_RADIO_TX_DONE) {
		json_object_object_add(o, "len", json_object_new_int(ev->u.radio.len));
		json_object_object_add(o, "airtime_us",
		                       json_object_new_int64(ev->u.radio.airtime_us));
		json_object_object_add(o, "tx_start_us",
		                       json_object_new_int64((int64_t)ev->u.radio.tx_start_us));
		json_object_object_add(o, "tx_end_us",
		                       json_object_new_int64((int64_t)ev->u.radio.tx_end_us));
		return "radio.tx";
	}
	if (ev->type == WIS_EV_RADIO_RX_ERROR)
		json_object_object_add(
		    o, "error",
		    json_object_new_string(wis_name_of(wis_radio_err_names, ev->u.radio.error)));
	json_object_object_add(o, "rssi_dbm", json_object_new_double(ev->u.radio.rssi_dbm));
	json_object_object_add(o, "snr_db", json_object_new_double(ev->u.radio.snr_db));
	if (ev->type == WIS_EV_RADIO_RX_ERROR)
		return "radio.rx";
	json_object_object_add(o, "len", json_object_new_int(ev->u.radio.len));
	json_object_object_add(o, "hex", hex_json(ev->u.radio.data, ev->u.radio.len));
	json_object_object_add(o, "signal_rssi_dbm",
	                       json_object_new_double(ev->u.radio.signal_rssi_dbm));
	json_object_object_add(o, "freq_hz", json_object_new_int64(ev->u.radio.freq_hz));
	json_object_object_add(o, "sf", json_object_new_int(ev->u.radio.sf));
	json_object_object_add(o, "bw_hz", json_object_new_int64(ev->u.radio.bw_hz));
	json_object_object_add(o, "cr", json_object_new_int(ev->u.radio.cr));
	json_object_object_add(o, "crc", json_object_new_boolean(ev->u.radio.crc));
	return "radio.rx";
}

json_object *wisj_event_to_json(wis_device *dev, const struct wis_event *ev, const char **topic)
{
	(void)dev;
	json_object *o = json_object_new_object();
	if (ev->type == WIS_EV_GPIO_EDGE) {
		*topic = "gpio.edge";
		json_object_object_add(o, "pin", json_object_new_string(ev->u.gpio.name));
		json_object_object_add(o, "level", json_object_new_int(ev->u.gpio.level));
		json_object_object_add(
		    o, "edge",
		    json_object_new_string(wis_name_of(wis_edge_names, ev->u.gpio.edge)));
	} else if (ev->type == WIS_EV_RESET) {
		*topic = "device.state";
		json_object_object_add(o, "state", json_object_new_string("reset"));
		json_object_object_add(o, "cause", json_object_new_int(ev->u.reset.cause));
	} else if (ev->type == WIS_EV_DIAG) {
		*topic = "diag.event";
		diag_json(o, ev);
	} else if (ev->type == WIS_EV_RADIO_RX || ev->type == WIS_EV_RADIO_TX_DONE ||
	           ev->type == WIS_EV_RADIO_RX_ERROR) {
		*topic = radio_json(o, ev);
	} else if (ev->type == WIS_EV_UART_RX) {
		*topic = "uart.rx";
		wisj_uart_rx_json(o, ev);
	} else {
		json_object_put(o);
		return NULL;
	}
	json_object_object_add(o, "seq", json_object_new_int64(ev->seq));
	json_object_object_add(o, "lost", json_object_new_int64(ev->lost));
	json_object_object_add(o, "device_us", json_object_new_int64((int64_t)ev->device_us));
	/* Until the library has mapped the module's clock (right after a
	 * reset) there is no host time: say nothing rather than 1970. */
	if (ev->error_us != UINT32_MAX) {
		json_object_object_add(o, "time",
		                       json_object_new_double(ts_seconds(&ev->realtime)));
		json_object_object_add(o, "monotonic",
		                       json_object_new_double(ts_seconds(&ev->monotonic)));
		json_object_object_add(o, "error_us", json_object_new_int64(ev->error_us));
	}
	return o;
}

/*
 * Prints the layout of every struct the Python package mirrors with ctypes
 * (bindings/python/wisrpc/_ffi.py): "name offset size" per struct and field,
 * nested fields flattened.  test_layout.py compares it with ctypes' view, so
 * a header change breaks that test instead of Python users.
 */
#include <stddef.h>
#include <stdio.h>

#include <wisrpc/wisrpc.h>

#define S(T) printf("%s 0 %zu\n", #T, sizeof(struct T))
#define F(T, path)                                                                                 \
	printf("%s.%s %zu %zu\n", #T, #path, offsetof(struct T, path),                             \
	       sizeof(((struct T *)0)->path))

int main(void)
{
	S(wis_open_options);
	F(wis_open_options, size), F(wis_open_options, timeout_ms), F(wis_open_options, window);
	F(wis_open_options, usb_vid), F(wis_open_options, usb_pid), F(wis_open_options, serial);
	F(wis_open_options, no_hello);
	S(wis_found);
	F(wis_found, path), F(wis_found, serial), F(wis_found, product), F(wis_found, vid);
	F(wis_found, pid);
	S(wis_info);
	F(wis_info, proto_version), F(wis_info, fw_version), F(wis_info, board);
	F(wis_info, device_id), F(wis_info, device_id_hex), F(wis_info, caps);
	F(wis_info, max_payload), F(wis_info, window), F(wis_info, reset_cause), F(wis_info, fault);
	F(wis_info, fault.kind), F(wis_info, fault.pc), F(wis_info, fault.lr),
	    F(wis_info, fault.cfsr);
	S(wis_pin_def);
	F(wis_pin_def, name), F(wis_pin_def, connector), F(wis_pin_def, kind), F(wis_pin_def, nrf);
	F(wis_pin_def, ain), F(wis_pin_def, funcs), F(wis_pin_def, note), F(wis_pin_def, pad);
	F(wis_pin_def, pad_name);
	S(wis_stats);
	F(wis_stats, uptime_us), F(wis_stats, rx_frames), F(wis_stats, rx_crc_errors);
	F(wis_stats, rx_cobs_errors), F(wis_stats, rx_oversize), F(wis_stats, rx_runts);
	F(wis_stats, rx_bytes_dropped), F(wis_stats, tx_frames), F(wis_stats, events_sent);
	F(wis_stats, events_dropped), F(wis_stats, requests_bad), F(wis_stats, host_rx_frames);
	F(wis_stats, host_rx_crc_errors), F(wis_stats, host_rx_cobs_errors);
	F(wis_stats, host_rx_oversize), F(wis_stats, host_rx_runts);
	F(wis_stats, host_rx_bytes_dropped), F(wis_stats, host_events_lost);
	F(wis_stats, host_stray_responses);
	S(wis_pin_state);
	F(wis_pin_state, owner), F(wis_pin_state, mode), F(wis_pin_state, level);
	F(wis_pin_state, edge);
	S(wis_adc_config);
	F(wis_adc_config, gain), F(wis_adc_config, reference), F(wis_adc_config, resolution);
	F(wis_adc_config, oversample);
	S(wis_flash_info);
	F(wis_flash_info, store), F(wis_flash_info, jedec), F(wis_flash_info, size);
	F(wis_flash_info, erase_unit), F(wis_flash_info, page_size), F(wis_flash_info, name);
	S(wis_radio_tx);
	F(wis_radio_tx, airtime_us), F(wis_radio_tx, tx_start_us), F(wis_radio_tx, tx_end_us);
	S(wis_radio_status);
	F(wis_radio_status, state), F(wis_radio_status, receiving), F(wis_radio_status, sf);
	F(wis_radio_status, freq_hz), F(wis_radio_status, bw_hz), F(wis_radio_status, tx_packets);
	F(wis_radio_status, rx_packets), F(wis_radio_status, rx_errors);
	F(wis_radio_status, device_errors);
	S(wis_event);
	F(wis_event, type), F(wis_event, seq), F(wis_event, lost), F(wis_event, device_us);
	F(wis_event, realtime), F(wis_event, monotonic), F(wis_event, error_us), F(wis_event, u);
	F(wis_event, u.gpio), F(wis_event, u.gpio.pin), F(wis_event, u.gpio.name);
	F(wis_event, u.gpio.level), F(wis_event, u.gpio.edge);
	F(wis_event, u.reset), F(wis_event, u.reset.cause);
	F(wis_event, u.radio), F(wis_event, u.radio.data), F(wis_event, u.radio.len);
	F(wis_event, u.radio.sf), F(wis_event, u.radio.cr), F(wis_event, u.radio.crc);
	F(wis_event, u.radio.error), F(wis_event, u.radio.rssi_dbm), F(wis_event, u.radio.snr_db);
	F(wis_event, u.radio.signal_rssi_dbm), F(wis_event, u.radio.freq_hz);
	F(wis_event, u.radio.bw_hz), F(wis_event, u.radio.airtime_us);
	F(wis_event, u.radio.tx_start_us), F(wis_event, u.radio.tx_end_us);
	F(wis_event, u.reserved_), F(wis_event, payload), F(wis_event, payload_len);
	return 0;
}

/*
 * The Semtech UDP packet forwarder protocol, version 2 (Semtech's
 * packet_forwarder PROTOCOL.TXT): datagram layouts, the rxpk an uplink
 * becomes, and the txpk a downlink request is checked into.  Pure
 * functions, no I/O: comp_semtech.c does the sockets, the timing and the
 * radio; tests/fuzz feeds semtech_txpk_parse.
 */
#ifndef WISD_SEMTECH_H
#define WISD_SEMTECH_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
	SEMTECH_VERSION = 2,
	SEMTECH_PUSH_DATA = 0x00,
	SEMTECH_PUSH_ACK = 0x01,
	SEMTECH_PULL_DATA = 0x02,
	SEMTECH_PULL_RESP = 0x03,
	SEMTECH_PULL_ACK = 0x04,
	SEMTECH_TX_ACK = 0x05,
};

/* TX_ACK "error" values (PROTOCOL.TXT section 5.5), plus INVALID_TXPK for
 * a txpk this gateway cannot read at all (the protocol has no code for it;
 * the datagram is also counted as malformed). */
enum semtech_txerr {
	SEMTECH_TX_NONE,
	SEMTECH_TX_TOO_LATE,
	SEMTECH_TX_TOO_EARLY,
	SEMTECH_TX_COLLISION_PACKET,
	SEMTECH_TX_FREQ,
	SEMTECH_TX_POWER,
	SEMTECH_TX_GPS_UNLOCKED,
	SEMTECH_TX_INVALID,
};
const char *semtech_txerr_name(enum semtech_txerr e);

/* A downlink request as the gateway will send it. */
struct semtech_txpk {
	bool imme;     /* now: ignore tmst */
	uint32_t tmst; /* device µs counter, low 32 bits */
	uint32_t freq_hz;
	int power_dbm;
	unsigned sf;    /* 5..12 */
	uint32_t bw_hz; /* 125000, 250000, 500000, ... */
	unsigned cr;    /* 5..8: 4/5..4/8 */
	bool ipol;      /* inverted IQ (LoRaWAN downlinks: true) */
	unsigned preamble;
	bool crc; /* !ncrc */
	uint8_t data[255];
	size_t len;
};

/*
 * Parses a PULL_RESP's JSON (the bytes after the 4-byte header, not
 * NUL-terminated) into tx.  Returns SEMTECH_TX_NONE, or the TX_ACK error
 * to answer with and a reason in why: FREQ for a frequency outside
 * 150..960 MHz, POWER outside -9..22 dBm, GPS_UNLOCKED for tmms/time
 * (no GPS here), INVALID for anything unreadable (not JSON, no txpk, FSK,
 * a bad datr/codr, bad base64, size != decoded length).
 */
enum semtech_txerr semtech_txpk_parse(const char *json, size_t len, struct semtech_txpk *tx,
                                      char *why, size_t whylen);

/*
 * The rxpk object of a radio.rx notification's params (a packet with
 * hex, freq_hz, sf, bw_hz, cr, crc, rssi_dbm, snr_db, device_us and,
 * once the clock is mapped, time).  NULL for an RX error notification
 * (no payload) or params missing a field.
 */
json_object *semtech_rxpk(json_object *rx);

/* "SF7BW125" for sf 7, 125000 Hz. */
void semtech_datr(char *out, size_t cap, unsigned sf, uint32_t bw_hz);

/* Base64 with padding; out needs 4 * ((n + 2) / 3) + 1 bytes. */
void semtech_b64_encode(const uint8_t *p, size_t n, char *out);
/* Decodes base64, padding optional; -1 if malformed or more than cap. */
int semtech_b64_decode(const char *s, size_t slen, uint8_t *out, size_t cap);

/* The 64-bit device time nearest to ref whose low 32 bits are tmst. */
uint64_t semtech_tmst_unwrap(uint32_t tmst, uint64_t ref);

#endif

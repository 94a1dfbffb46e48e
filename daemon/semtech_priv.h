/*
 * What the Semtech bridge's two files share: comp_semtech.c (settings,
 * sockets, datagrams, uplink) and semtech_tx.c (the module's clock, the
 * radio's setup and the downlink queue).  Not used elsewhere.
 */
#ifndef WISD_SEMTECH_PRIV_H
#define WISD_SEMTECH_PRIV_H

#include "semtech.h"
#include "wisd.h"

#define TXQ_MAX 16
#define PUSH_TOKENS 16

struct semtech_cfg { /* "bool enabled" first: component_enabled_flag */
	bool enabled, claim;
	uint8_t perm;
	char server[128];
	int port_up, port_down;
	char eui[17]; /* 16 hex digits, "" = from the module id */
	unsigned keepalive_s, stat_s, lead_ms, min_lead_ms, max_advance_s;
	uint32_t freq_hz, bw_hz;
	unsigned sf, cr, sync_word;
};

struct txitem {
	struct semtech_txpk tx;
	uint64_t at_us; /* device time; 0 = as soon as possible (no clock yet) */
	uint32_t airtime_us;
};

struct semtech {
	struct wisd *d;
	const struct semtech_cfg *c;
	struct wisd_caller who;
	uv_udp_t up, down;
	uv_timer_t keepalive, stat, txtimer;
	int handles; /* open handles, for release */
	struct sockaddr_storage srv_up, srv_down;
	bool resolved, stopping;
	uint8_t eui[8];
	bool eui_known, radio_ready;
	bool mapped; /* device_us = host monotonic µs - offset */
	int64_t offset_us;
	int64_t uptime_t0; /* host time system.uptime was asked */
	uint16_t push_tokens[PUSH_TOKENS], pull_token;
	unsigned push_next;
	struct txitem q[TXQ_MAX];
	int nq;
	bool tx_busy;     /* retune + send + back to RX in progress */
	unsigned pending; /* wisd_call answers outstanding */
	uint32_t rng;
	/* counters (stat object and daemon.status) */
	unsigned long rxnb, rxok, rxfw, rxerr, push_sent, push_acked, pull_sent, pull_acked, dwnb,
	    txnb, tx_failed, malformed, unexpected, rejected[SEMTECH_TX_INVALID + 1];
	char last_error[320];
};

/* Host monotonic µs, and the module's µs clock estimated from it. */
int64_t semtech_mono_us(void);
uint64_t semtech_device_now(const struct semtech *s);
/* Datagram header (+ gateway EUI) + body to the server's up or down port. */
void semtech_send(struct semtech *s, bool up, uint8_t ident, uint16_t tok, bool with_eui,
                  const char *body);
/* PULL_DATA now (the keepalive timer sends it every keepalive_s). */
void semtech_pull(struct semtech *s);
/* wisd_call as the bridge's client, counted in pending; consumes p. */
void semtech_call(struct semtech *s, const char *method, json_object *p, wisd_call_cb cb);
void semtech_note_error(struct semtech *s, const char *what, struct wisj_error *err);

/* semtech_tx.c */
/* The module came up (or the bridge started): map its clock, learn its id
 * if the EUI is not configured, claim and tune the radio and receive. */
void semtech_device_up(struct semtech *s);
void semtech_device_down(struct semtech *s);
/* A radio.rx notification's device_us/monotonic pair refines the clock. */
void semtech_clock_sample(struct semtech *s, json_object *rx);
/* A PULL_RESP's txpk: checked, queued, TX_ACK sent with the verdict. */
void semtech_downlink(struct semtech *s, uint16_t tok, const char *json, size_t len);
void semtech_tx_stop(struct semtech *s);

#endif

/*
 * Unit test of daemon/semtech_pkt.c, the Semtech UDP bridge's untrusted-
 * input side: base64 both ways (canonical only), the 32-bit tmst placed
 * on the module's 64-bit clock across wraps, the rxpk built from a
 * radio.rx notification, and every txpk refusal with its TX_ACK code.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "semtech.h"

static int failures;
#define CHECK(c)                                                                                   \
	do {                                                                                       \
		if (!(c)) {                                                                        \
			printf("FAIL %s:%d: %s\n", __FILE__, __LINE__, #c);                        \
			failures++;                                                                \
		}                                                                                  \
	} while (0)

static void test_base64(void)
{
	static const struct {
		const char *plain, *b64;
	} v[] = {{"", ""},
	         {"f", "Zg=="},
	         {"fo", "Zm8="},
	         {"foo", "Zm9v"},
	         {"foob", "Zm9vYg=="},
	         {"fooba", "Zm9vYmE="},
	         {"foobar", "Zm9vYmFy"}}; /* RFC 4648 section 10 */
	for (size_t i = 0; i < sizeof v / sizeof *v; i++) {
		char out[32];
		uint8_t back[32];
		semtech_b64_encode((const uint8_t *)v[i].plain, strlen(v[i].plain), out);
		CHECK(!strcmp(out, v[i].b64));
		int n = semtech_b64_decode(v[i].b64, strlen(v[i].b64), back, sizeof back);
		CHECK(n == (int)strlen(v[i].plain) && !memcmp(back, v[i].plain, (size_t)n));
		/* padding is optional on input */
		const char *eq = strchr(v[i].b64, '=');
		size_t unpadded = eq ? (size_t)(eq - v[i].b64) : strlen(v[i].b64);
		CHECK(semtech_b64_decode(v[i].b64, unpadded, back, sizeof back) == n);
	}
	uint8_t b[8];
	CHECK(semtech_b64_decode("Zh==", 4, b, sizeof b) == -1); /* non-zero leftover bits */
	CHECK(semtech_b64_decode("Z", 1, b, sizeof b) == -1);
	CHECK(semtech_b64_decode("Zm9v!A==", 8, b, sizeof b) == -1);
	CHECK(semtech_b64_decode("Zm9vYmFy", 8, b, 5) == -1); /* more than cap */
}

static void test_tmst_unwrap(void)
{
	const uint64_t G = 1ull << 32;
	CHECK(semtech_tmst_unwrap(2000000, 1000000) == 2000000);
	CHECK(semtech_tmst_unwrap(500, 1000) == 500);
	/* just after the module's clock wrapped its low 32 bits */
	CHECK(semtech_tmst_unwrap(100, G + 50) == G + 100);
	/* asked just before the wrap, the module already past it */
	CHECK(semtech_tmst_unwrap(0xFFFFFF00u, G + 10) == G - 256);
	/* due just after the wrap, the module just before it */
	CHECK(semtech_tmst_unwrap(1000, G - 1000) == G + 1000);
	CHECK(semtech_tmst_unwrap(5, 7 * G + 3) == 7 * G + 5);
	/* early in boot a tmst "far ahead" is not placed before zero */
	CHECK(semtech_tmst_unwrap(0xF0000000u, 10) == 0xF0000000u);
}

static void test_rxpk(void)
{
	json_object *rx = json_tokener_parse(
	    "{\"hex\":\"68656c6c6f\",\"freq_hz\":868100000,\"sf\":9,\"bw_hz\":125000,\"cr\":6,"
	    "\"crc\":true,\"rssi_dbm\":-97.6,\"snr_db\":7.25,\"device_us\":4294967396,"
	    "\"time\":1764460800.123456}");
	json_object *pk = semtech_rxpk(rx), *v;
	CHECK(pk != NULL);
	if (pk) {
		const char *s = json_object_to_json_string_ext(
		    pk, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
		CHECK(strstr(s, "\"tmst\":100,") != NULL); /* low 32 bits */
		CHECK(strstr(s, "\"freq\":868.100000,") != NULL);
		CHECK(strstr(s, "\"datr\":\"SF9BW125\"") && strstr(s, "\"codr\":\"4/6\""));
		/* 0.1 dB, as printf rounds 7.25 (exact in binary: to even) */
		CHECK(strstr(s, "\"rssi\":-98,") && strstr(s, "\"lsnr\":7.2,"));
		CHECK(strstr(s, "\"stat\":1,") && strstr(s, "\"size\":5,"));
		CHECK(strstr(s, "\"data\":\"aGVsbG8=\"") != NULL);
		CHECK(json_object_object_get_ex(pk, "time", &v) &&
		      !strcmp(json_object_get_string(v), "2025-11-30T00:00:00.123456Z"));
		json_object_put(pk);
	}
	json_object_put(rx);
	/* an RX error notification (no payload) gives nothing to forward */
	rx = json_tokener_parse(
	    "{\"error\":\"crc\",\"rssi_dbm\":-100,\"snr_db\":-3,\"device_us\":1}");
	CHECK(semtech_rxpk(rx) == NULL);
	json_object_put(rx);
}

static enum semtech_txerr parse(const char *json, struct semtech_txpk *tx)
{
	char why[200];
	return semtech_txpk_parse(json, strlen(json), tx, why, sizeof why);
}

static void test_txpk(void)
{
	struct semtech_txpk tx;
	CHECK(parse("{\"txpk\":{\"imme\":false,\"tmst\":3000000000,\"freq\":869.525,\"powe\":27,"
	            "\"datr\":\"SF9BW125\",\"data\":\"eA==\"}}",
	            &tx) == SEMTECH_TX_POWER);
	CHECK(parse("{\"txpk\":{\"tmst\":3000000000,\"freq\":869.525,\"powe\":14,\"modu\":\"LORA\","
	            "\"datr\":\"SF9BW125\",\"codr\":\"4/5\",\"ipol\":true,\"prea\":8,\"size\":3,"
	            "\"ncrc\":true,\"data\":\"AQID\"}}",
	            &tx) == SEMTECH_TX_NONE);
	CHECK(!tx.imme && tx.tmst == 3000000000u && tx.freq_hz == 869525000 && tx.power_dbm == 14);
	CHECK(tx.sf == 9 && tx.bw_hz == 125000 && tx.cr == 5 && tx.ipol && !tx.crc);
	CHECK(tx.len == 3 && tx.data[0] == 1 && tx.data[2] == 3 && tx.preamble == 8);
	CHECK(
	    parse(
	        "{\"txpk\":{\"imme\":true,\"freq\":868.1,\"datr\":\"SF7BW62.5\",\"data\":\"AA\"}}",
	        &tx) == SEMTECH_TX_NONE);
	CHECK(tx.imme && tx.bw_hz == 62500 && tx.len == 1);
	static const struct {
		const char *json;
		enum semtech_txerr e;
	} bad[] = {
	    {"", SEMTECH_TX_INVALID},
	    {"[]", SEMTECH_TX_INVALID},
	    {"{\"txpk\":{\"imme\":true,\"freq\":868.1,\"datr\":\"SF7BW125\",\"data\":\"AA\"}} x",
	     SEMTECH_TX_INVALID},
	    {"{\"rxpk\":{}}", SEMTECH_TX_INVALID},
	    {"{\"txpk\":{\"freq\":868.1,\"datr\":\"SF7BW125\",\"data\":\"AA\"}}",
	     SEMTECH_TX_INVALID},
	    {"{\"txpk\":{\"tmms\":1,\"freq\":868.1,\"datr\":\"SF7BW125\",\"data\":\"AA\"}}",
	     SEMTECH_TX_GPS_UNLOCKED},
	    {"{\"txpk\":{\"tmst\":-1,\"freq\":868.1,\"datr\":\"SF7BW125\",\"data\":\"AA\"}}",
	     SEMTECH_TX_INVALID},
	    {"{\"txpk\":{\"tmst\":4294967296,\"freq\":868.1,\"datr\":\"SF7BW125\",\"data\":\"AA\"}"
	     "}",
	     SEMTECH_TX_INVALID},
	    {"{\"txpk\":{\"imme\":true,\"datr\":\"SF7BW125\",\"data\":\"AA\"}}", SEMTECH_TX_FREQ},
	    {"{\"txpk\":{\"imme\":true,\"freq\":\"868.1\",\"datr\":\"SF7BW125\",\"data\":\"AA\"}}",
	     SEMTECH_TX_FREQ},
	    {"{\"txpk\":{\"imme\":true,\"freq\":2400,\"datr\":\"SF7BW125\",\"data\":\"AA\"}}",
	     SEMTECH_TX_FREQ},
	    {"{\"txpk\":{\"imme\":true,\"freq\":868.1,\"powe\":-10,\"datr\":\"SF7BW125\",\"data\":"
	     "\"AA\"}}",
	     SEMTECH_TX_POWER},
	    {"{\"txpk\":{\"imme\":true,\"freq\":868.1,\"modu\":\"FSK\",\"datr\":50000,\"data\":"
	     "\"AA\"}}",
	     SEMTECH_TX_INVALID},
	    {"{\"txpk\":{\"imme\":true,\"freq\":868.1,\"datr\":\"SF4BW125\",\"data\":\"AA\"}}",
	     SEMTECH_TX_INVALID},
	    /* sscanf's %u took this as SF7 (static analysis, cert-err34-c) */
	    {"{\"txpk\":{\"imme\":true,\"freq\":868.1,\"datr\":\"SF4294967303BW125\",\"data\":"
	     "\"AA\"}}",
	     SEMTECH_TX_INVALID},
	    {"{\"txpk\":{\"imme\":true,\"freq\":868.1,\"datr\":\"SF7BW100\",\"data\":\"AA\"}}",
	     SEMTECH_TX_INVALID},
	    {"{\"txpk\":{\"imme\":true,\"freq\":868.1,\"datr\":\"SF7BW125x\",\"data\":\"AA\"}}",
	     SEMTECH_TX_INVALID},
	    {"{\"txpk\":{\"imme\":true,\"freq\":868.1,\"datr\":\"SF7BW125\",\"codr\":\"4/9\","
	     "\"data\":\"AA\"}}",
	     SEMTECH_TX_INVALID},
	    {"{\"txpk\":{\"imme\":true,\"freq\":868.1,\"datr\":\"SF7BW125\",\"prea\":5,\"data\":"
	     "\"AA\"}}",
	     SEMTECH_TX_INVALID},
	    {"{\"txpk\":{\"imme\":true,\"freq\":868.1,\"datr\":\"SF7BW125\"}}", SEMTECH_TX_INVALID},
	    {"{\"txpk\":{\"imme\":true,\"freq\":868.1,\"datr\":\"SF7BW125\",\"data\":\"\"}}",
	     SEMTECH_TX_INVALID},
	    {"{\"txpk\":{\"imme\":true,\"freq\":868.1,\"datr\":\"SF7BW125\",\"size\":2,\"data\":"
	     "\"AA\"}}",
	     SEMTECH_TX_INVALID},
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		enum semtech_txerr e = parse(bad[i].json, &tx);
		if (e != bad[i].e)
			printf("  txpk %zu: %s, expected %s\n", i, semtech_txerr_name(e),
			       semtech_txerr_name(bad[i].e));
		CHECK(e == bad[i].e);
	}
	/* 256 bytes of data: more than a LoRa payload */
	char big[600] = "{\"txpk\":{\"imme\":true,\"freq\":868.1,\"datr\":\"SF7BW125\",\"data\":\"";
	size_t n = strlen(big);
	for (int i = 0; i < 344; i++)
		big[n++] = 'A';
	strcpy(big + n, "\"}}");
	CHECK(parse(big, &tx) == SEMTECH_TX_INVALID);
}

int main(void)
{
	test_base64();
	test_tmst_unwrap();
	test_rxpk();
	test_txpk();
	printf("%s\n", failures ? "FAILED" : "ok");
	return failures ? 1 : 0;
}
